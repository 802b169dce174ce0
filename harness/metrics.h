/* metrics.h: the Prometheus textfile-collector file, so the monitoring that already watches the
 * machine (node_exporter --collector.textfile.directory) also watches plumbline: when the last
 * run finished, how it ended, the verdict per vendor/model/suite, how many signals changed,
 * errors, and request latency per vendor.
 *
 * The file is rewritten whole through fileio_write_atomic (node_exporter never reads half a
 * file) in the text exposition format 0.0.4. Values describe the last run (gauges), except the
 * latency summary, which covers the last run's requests. */
#ifndef PL_METRICS_H
#define PL_METRICS_H

#include "err.h"
#include "report.h"
#include "sbuf.h"

#include <time.h>

/* One vendor/model/suite of the run. Strings are borrowed. */
struct metrics_row {
	const char *vendor;	     /* MUST be set */
	const char *model;	     /* may be NULL */
	const char *suite;	     /* may be NULL */
	enum report_verdict verdict; /* labelled with the report's words (report_verdict_name) */
	size_t changes;		     /* signals that moved */
	size_t checks_total, checks_failed;
	/* planned requests sent (once or more); of them failed (no answer); HTTP requests after
	 * a planned request's first (the vendor's over the run, the same on each of its rows) */
	size_t requests, errors, retries;
	size_t not_sent; /* planned requests given up without being sent (vendor stopped, down) */
	/* Request latency over the run: sum and count, and quantiles (< 0 = unknown). */
	double latency_sum_s;
	size_t latency_count;
	double latency_p50_s, latency_p90_s, latency_p99_s;
};

struct metrics_run {
	time_t started;
	time_t finished;
	int exit_code; /* the CLI's exit code (cli.h) */
	const struct metrics_row *rows;
	size_t n_rows;
	/* The alert channels (config names) and, per channel, how many alerts it did not accept
	 * in the run (sent again by the next run). */
	const char *const *alert_channels;
	const size_t *alert_failures;
	size_t n_alert_channels;
};

/* Appends the exposition text for r to out. Pure. */
void metrics_render(const struct metrics_run *r, struct sbuf *out);
/* Renders and writes path atomically (0644). Returns 0, or -1 with err set (PL_E_IO). */
int metrics_write(const char *path, const struct metrics_run *r, struct pl_err *err);

#endif
