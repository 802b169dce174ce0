/* metrics.c: renders the Prometheus textfile-collector file and writes it atomically. */
#include "metrics.h"

#include "fileio.h"

#include <stdio.h>
#include <string.h>

/* Every verdict a report can reach, labelled with the same word as the report. */
#define VERDICTS (REPORT_UNSTABLE + 1)

/* Label values escape backslash, double quote and newline (exposition format). */
static void label(struct sbuf *out, const char *name, const char *value, int first)
{
	const char *p;

	sbuf_addf(out, "%s%s=\"", first ? "" : ",", name);
	for (p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			sbuf_addstr(out, "\\\\");
		else if (*p == '"')
			sbuf_addstr(out, "\\\"");
		else if (*p == '\n')
			sbuf_addstr(out, "\\n");
		else
			sbuf_addch(out, *p);
	}
	sbuf_addch(out, '"');
}

static void row_labels(struct sbuf *out, const struct metrics_row *r)
{
	label(out, "vendor", r->vendor, 1);
	label(out, "model", r->model, 0);
	label(out, "suite", r->suite, 0);
}

static void help(struct sbuf *out, const char *name, const char *type, const char *text)
{
	sbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

typedef double (*row_value)(const struct metrics_row *r);

static double v_changes(const struct metrics_row *r)
{
	return (double)r->changes;
}
static double v_checks(const struct metrics_row *r)
{
	return (double)r->checks_total;
}
static double v_failed(const struct metrics_row *r)
{
	return (double)r->checks_failed;
}
static double v_requests(const struct metrics_row *r)
{
	return (double)r->requests;
}
static double v_errors(const struct metrics_row *r)
{
	return (double)r->errors;
}
static double v_retries(const struct metrics_row *r)
{
	return (double)r->retries;
}
static double v_not_sent(const struct metrics_row *r)
{
	return (double)r->not_sent;
}

static const struct {
	const char *name;
	const char *help;
	row_value value;
} gauges[] = {
	{ "plumbline_changed_signals", "Signals that moved in the last run.", v_changes },
	{ "plumbline_checks", "Checks evaluated in the last run.", v_checks },
	{ "plumbline_checks_failed", "Checks that failed in the last run.", v_failed },
	{ "plumbline_requests",
	  "Planned requests sent (once or more) in the last run; retries are not counted.",
	  v_requests },
	{ "plumbline_request_errors",
	  "Planned requests sent in the last run that got no answer (failed).", v_errors },
	{ "plumbline_request_retries",
	  "HTTP requests after a planned request's first in the last run (this suite's).",
	  v_retries },
	{ "plumbline_requests_not_sent",
	  "Requests given up without being sent in the last run (vendor stopped or down).",
	  v_not_sent },
};

void metrics_render(const struct metrics_run *r, struct sbuf *out)
{
	size_t i, g;
	int v;

	help(out, "plumbline_last_run_timestamp_seconds", "gauge",
	     "Unix time the last run finished.");
	sbuf_addf(out, "plumbline_last_run_timestamp_seconds %lld\n", (long long)r->finished);
	help(out, "plumbline_last_run_duration_seconds", "gauge", "Duration of the last run.");
	sbuf_addf(out, "plumbline_last_run_duration_seconds %lld\n",
		  (long long)(r->finished >= r->started ? r->finished - r->started : 0));
	help(out, "plumbline_last_run_exit_code", "gauge",
	     "Exit code of the last run: 0 no change, 1 changed or checks failed, 2 usage or "
	     "config error, 3 incomplete.");
	sbuf_addf(out, "plumbline_last_run_exit_code %d\n", r->exit_code);
	help(out, "plumbline_last_run_completed", "gauge",
	     "1 if the last run completed (exit code 0 or 1).");
	sbuf_addf(out, "plumbline_last_run_completed %d\n", r->exit_code == 0 || r->exit_code == 1);

	if (r->n_rows) {
		help(out, "plumbline_verdict", "gauge",
		     "Verdict of the last run per vendor, model and suite (1 for the verdict "
		     "reached).");
		for (i = 0; i < r->n_rows; i++) {
			for (v = 0; v < VERDICTS; v++) {
				sbuf_addstr(out, "plumbline_verdict{");
				row_labels(out, &r->rows[i]);
				label(out, "verdict", report_verdict_name((enum report_verdict)v),
				      0);
				sbuf_addf(out, "} %d\n", (int)r->rows[i].verdict == v);
			}
		}
	}
	for (g = 0; g < ARRAY_SIZE(gauges) && r->n_rows; g++) {
		help(out, gauges[g].name, "gauge", gauges[g].help);
		for (i = 0; i < r->n_rows; i++) {
			sbuf_addf(out, "%s{", gauges[g].name);
			row_labels(out, &r->rows[i]);
			sbuf_addf(out, "} %.17g\n", gauges[g].value(&r->rows[i]));
		}
	}
	if (r->n_rows) {
		static const char *const qs[] = { "0.5", "0.9", "0.99" };

		help(out, "plumbline_request_latency_seconds", "summary",
		     "Request latency in the last run.");
		for (i = 0; i < r->n_rows; i++) {
			const struct metrics_row *row = &r->rows[i];
			const double qv[] = { row->latency_p50_s, row->latency_p90_s,
					      row->latency_p99_s };
			size_t q;

			for (q = 0; q < ARRAY_SIZE(qs); q++) {
				if (qv[q] < 0 || row->latency_count == 0)
					continue;
				sbuf_addstr(out, "plumbline_request_latency_seconds{");
				row_labels(out, row);
				label(out, "quantile", qs[q], 0);
				sbuf_addf(out, "} %.6f\n", qv[q]);
			}
			sbuf_addstr(out, "plumbline_request_latency_seconds_sum{");
			row_labels(out, row);
			sbuf_addf(out, "} %.6f\n", row->latency_sum_s);
			sbuf_addstr(out, "plumbline_request_latency_seconds_count{");
			row_labels(out, row);
			sbuf_addf(out, "} %zu\n", row->latency_count);
		}
	}
	if (r->n_alert_channels) {
		help(out, "plumbline_alert_failures", "gauge",
		     "Alerts the channel did not accept in the last run (sent again by the next "
		     "run).");
		for (i = 0; i < r->n_alert_channels; i++) {
			sbuf_addstr(out, "plumbline_alert_failures{");
			label(out, "channel", r->alert_channels[i], 1);
			sbuf_addf(out, "} %zu\n", r->alert_failures[i]);
		}
	}
}

int metrics_write(const char *path, const struct metrics_run *r, struct pl_err *err)
{
	struct sbuf out;
	int rc;

	sbuf_init(&out);
	metrics_render(r, &out);
	rc = fileio_write_atomic(path, out.buf, out.len, 0644, err);
	sbuf_release(&out);
	return rc;
}
