/* cmd_run.c: `plumbline run`: the nightly job. Sends the suites, compares with the baselines,
 * decides whether each vendor changed, writes reports, and maps the outcome to an exit code. */
#include "baseline.h"
#include "cli.h"
#include "detect.h"
#include "report.h"
#include "sbuf.h"
#include "session.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_run[] =
	"usage: plumbline run --config FILE [--vendor ID]... [options] SUITE...\n"
	"\n"
	"Sends every prompt of each SUITE to each vendor (all vendors of the config unless\n"
	"--vendor is given), compares the answers with the stored baselines, decides whether\n"
	"the vendor changed, writes reports/<date>/<vendor>-<suite>.json and prints a summary.\n"
	"\n"
	"  -c, --config FILE      the config file\n"
	"  -v, --vendor ID        run only this vendor entry (repeatable)\n"
	"      --date YYYY-MM-DD  the night this run stands for (default: today, UTC)\n"
	"      --resume           continue a killed run without re-sending answered requests\n"
	"      --dry-run          print the plan (requests, tokens, cost, duration); send nothing\n"
	"      --record DIR       also save every raw exchange (without credentials) under DIR\n"
	"      --max-requests N   stop sending after N requests (budget; exit 3)\n"
	"      --max-tokens N     stop sending after N tokens (budget; exit 3)\n"
	"      --max-cost X       stop sending after an estimated cost of X (budget; exit 3)\n"
	"  -q, --quiet            print only changes and errors\n";

/* A vendor/suite with fewer answers than this share of its plan is "incomplete". */
#define RUN_MIN_ANSWERED 0.8

struct run_args {
	const char *config_path;
	const char **vendors;
	size_t n_vendors;
	const char *date;
	int resume, dry_run, quiet;
	struct session_opts so;
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "vendor", required_argument, NULL, 'v' },
		{ "date", required_argument, NULL, 'd' },
		{ "resume", no_argument, NULL, 'R' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "record", required_argument, NULL, 'r' },
		{ "max-requests", required_argument, NULL, 'M' },
		{ "max-tokens", required_argument, NULL, 'T' },
		{ "max-cost", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:v:q", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config_path = optarg;
			break;
		case 'v':
			a->vendors = xrealloc(a->vendors, (a->n_vendors + 1) * sizeof(char *));
			a->vendors[a->n_vendors++] = optarg;
			break;
		case 'd':
			if (strlen(optarg) != 10 || optarg[4] != '-' || optarg[7] != '-')
				return cli_usage_error("run", "--date expects YYYY-MM-DD, got '%s'",
						       optarg);
			a->date = optarg;
			break;
		case 'R':
			a->so.resume = 1;
			break;
		case 'n':
			a->dry_run = 1;
			break;
		case 'r':
			a->so.record_dir = optarg;
			break;
		case 'M':
		case 'T':
			a->so.max_requests = c == 'M' ? strtol(optarg, &end, 10) : a->so.max_requests;
			a->so.max_tokens = c == 'T' ? strtol(optarg, &end, 10) : a->so.max_tokens;
			if (*end || end == optarg)
				return cli_usage_error("run", "expected a whole number, got '%s'",
						       optarg);
			break;
		case 'C':
			a->so.max_cost = strtod(optarg, &end);
			if (*end || end == optarg || a->so.max_cost < 0)
				return cli_usage_error("run", "--max-cost expects a number, got '%s'",
						       optarg);
			break;
		case 'q':
			a->quiet = 1;
			break;
		default:
			return cli_usage_error("run", "unknown option");
		}
	}
	if (!a->config_path)
		return cli_usage_error("run", "--config FILE is required");
	if (optind >= argc)
		return cli_usage_error("run", "name at least one SUITE file");
	return 0;
}

/* Everything judged for one (vendor, suite). */
struct target {
	const struct vendor *vendor;
	const struct suite *suite;
	struct detect_params *params;
	struct sampleset *baseline;
	char baseline_path[1024];
};

static int prepare(struct session *s, struct target **out, size_t *n, struct pl_err *err)
{
	struct jsonloc cloc = config_loc(s->cfg);
	struct target *t;
	size_t v, q, k = 0;

	t = xcalloc(s->plan.n_vendors * s->n_suites + 1, sizeof(*t));
	*out = t;
	for (v = 0; v < s->plan.n_vendors; v++)
		for (q = 0; q < s->n_suites; q++, k++) {
			struct jsonloc sloc = suite_loc(s->suites[q]);

			*n = k + 1;
			t[k].vendor = s->plan.vendors[v];
			t[k].suite = s->suites[q];
			t[k].params = detect_params_new(&cloc, s->cfg->detection, &sloc,
							s->suites[q]->detection, err);
			if (!t[k].params)
				return -1;
			baseline_path(t[k].baseline_path, sizeof(t[k].baseline_path),
				      s->cfg->baselines_dir, t[k].vendor->id, t[k].vendor->model,
				      t[k].suite->id);
			t[k].baseline = baseline_load(t[k].baseline_path, err);
			if (!t[k].baseline)
				return -1;
		}
	return 0;
}

static void release_targets(struct target *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		detect_params_free(t[i].params);
		sampleset_free(t[i].baseline);
	}
	free(t);
}

static const char *incomplete_reason(const struct session *s, const struct vendor *v,
				     char *buf, size_t len)
{
	const struct runner_vendor_stats *vs = session_vendor_stats(s, v->id);

	if (s->stats.budget_hit) {
		snprintf(buf, len, "budget reached: %s", s->stats.budget_reason);
		return buf;
	}
	if (vs && vs->circuit_open) {
		snprintf(buf, len, "vendor unreachable");
		return buf;
	}
	return NULL;
}

/* Judges one target: detection, report, summary. Returns the report verdict. */
static int judge(struct session *s, struct target *t, const struct run_args *a,
		 const char *date, struct report_summary *sum, struct pl_err *err)
{
	struct sampleset *night = session_set(s, t->vendor->id, t->suite->id);
	struct sampleset empty = { 0 };
	struct detect_outcome det;
	struct report_input in;
	json_t *section = NULL, *report = NULL;
	char reason[256], hist[1024], rpath[1024], sha[65];
	int have_detect = 0, rc = -1;

	memset(&in, 0, sizeof(in));
	memset(&det, 0, sizeof(det));
	if (!night) {
		empty.vendor = t->vendor->id;
		empty.suite = t->suite->id;
		night = &empty;
	}
	in.planned = session_planned(s, t->vendor->id, t->suite->id);
	in.incomplete_reason = incomplete_reason(s, t->vendor, reason, sizeof(reason));
	in.min_answered = RUN_MIN_ANSWERED;
	if (!in.incomplete_reason) {
		size_t got = 0, p;

		for (p = 0; p < night->n_prompts; p++)
			got += night->prompts[p].n;
		if ((double)got >= RUN_MIN_ANSWERED * (double)in.planned) {
			session_history_path(s->cfg, t->vendor, t->suite->id, hist, sizeof(hist));
			if (detect_evaluate(t->params, t->baseline, night, hist, date, 0, &det,
					    &section, err) < 0)
				goto out;
			have_detect = 1;
		}
	}
	in.run_id = s->journal_path ? strrchr(s->journal_path, '/') + 1 : "run";
	in.date = date;
	in.mode = "nightly";
	in.vendor = t->vendor;
	in.suite = t->suite;
	in.baseline = t->baseline;
	in.baseline_path = t->baseline_path;
	in.night = night;
	in.detect = have_detect ? &det : NULL;
	in.detect_section = section;
	report = report_build(&in, sum);
	report_path(rpath, sizeof(rpath), s->cfg->reports_dir, date, t->vendor->id, t->suite->id);
	if (report_write(rpath, report, sha, err) < 0)
		goto out;
	if (!a->quiet || sum->verdict != REPORT_PASS)
		printf("%s\n  report: %s\n", sum->line, rpath);
	rc = 0;
out:
	json_decref(section);
	json_decref(report);
	return rc;
}

static void print_dry_run(const struct session *s)
{
	struct runner_estimate est;
	size_t i;

	runner_dry_run(&s->plan, NULL, &est);
	printf("plan %.12s: %zu requests\n", s->plan.hash, s->plan.n_items);
	for (i = 0; i < est.n_vendors; i++) {
		const struct runner_vendor_estimate *e = &est.vendors[i];

		printf("  %-20s %6zu requests  ~%ld prompt + ~%ld completion tokens  ~%.4f cost  "
		       "~%.0f s\n",
		       e->vendor, e->requests, e->prompt_tokens, e->completion_tokens, e->cost,
		       e->duration_s);
	}
	printf("  %-20s %6zu requests  ~%ld tokens  ~%.4f cost  ~%.0f s (vendors in parallel)\n",
	       "total", est.requests, est.tokens, est.cost, est.duration_s);
	runner_estimate_release(&est);
}

int cmd_run(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct run_args a;
	struct session s;
	struct target *targets = NULL;
	size_t n_targets = 0, i, changed = 0, failed = 0, incomplete = 0;
	char today[16];
	int rc;

	memset(&a, 0, sizeof(a));
	a.so.progress = 1;
	rc = parse_args(argc, argv, &a);
	if (rc)
		goto done;
	session_init(&s);
	if (session_load(&s, a.config_path, argv + optind, (size_t)(argc - optind), &err) < 0 ||
	    session_plan(&s, a.vendors, a.n_vendors, PLAN_NIGHTLY, &err) < 0 ||
	    prepare(&s, &targets, &n_targets, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.dry_run) {
		print_dry_run(&s);
		rc = EXIT_OK;
		goto out;
	}
	if (!a.date) {
		session_today(today, sizeof(today));
		a.date = today;
	}
	if (session_execute(&s, &a.so, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	for (i = 0; i < n_targets; i++) {
		struct report_summary sum;

		if (judge(&s, &targets[i], &a, a.date, &sum, &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
		changed += sum.verdict == REPORT_CHANGED;
		failed += sum.verdict == REPORT_CHECKS_FAILED;
		incomplete += sum.verdict == REPORT_INCOMPLETE;
	}
	if (session_finish(&s, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	/* A change is what the nightly job exists to find: it wins over an incomplete vendor. */
	rc = changed || failed ? EXIT_CHANGED : incomplete ? EXIT_INCOMPLETE : EXIT_OK;
	if (!a.quiet || rc != EXIT_OK)
		printf("%zu changed, %zu with failed checks, %zu incomplete, %zu unchanged\n",
		       changed, failed, incomplete, n_targets - changed - failed - incomplete);
out:
	release_targets(targets, n_targets);
	session_release(&s);
done:
	free(a.vendors);
	return rc;
}
