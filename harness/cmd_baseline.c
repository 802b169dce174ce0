/* cmd_baseline.c: `plumbline baseline record` (and dispatch of `baseline accept`). */
#include "baseline.h"
#include "cli.h"
#include "register.h"
#include "sbuf.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_baseline[] =
	"usage: plumbline baseline record --config FILE --vendor ID [--resume]\n"
	"                                 [--date YYYY-MM-DD] SUITE...\n"
	"       plumbline baseline accept --config FILE --report REPORT --reason TEXT [--by NAME]\n"
	"                                 [--top-up] [--suite FILE] [--journal FILE]\n"
	"\n"
	"record  sends every prompt of each SUITE baseline_samples times to the vendor and\n"
	"        writes baselines/<vendor>/<model>/<suite>.json (atomically). The detection\n"
	"        history of that vendor/model/suite starts again from the new baseline.\n"
	"accept  replaces the baseline with a run's answers after a detected change, and\n"
	"        records the decision (who, when, why, which report) in the register.\n"
	"        Only the journal whose SHA-256 the report names is taken (found under\n"
	"        STATE/journal/, or given with --journal). --top-up samples the vendor for the\n"
	"        answers a baseline needs beyond the night's (baseline_samples; budgets apply);\n"
	"        without it a night short of answers is refused. --suite FILE: the suite, when\n"
	"        the path the report names has moved.\n"
	"\n"
	"record options:\n";

struct record_args {
	const char *config_path, *night;
	struct cli_strings vendors;
	struct session_opts so;
};

const struct cli_option baseline_record_options[] = {
	CLI_STRING('c', "config", struct record_args, config_path, "FILE", "the config file"),
	CLI_STRING_LIST('v', "vendor", struct record_args, vendors, "ID",
			"the vendor entry to record (exactly one)"),
	CLI_BOOL(0, "resume", struct record_args, so.resume,
		 "continue a killed recording without re-sending answered requests"),
	CLI_STRING(0, "date", struct record_args, night, "DAY",
		   "the night the baseline stands for (backfilling; kept as\n\"night\" beside the "
		   "wall-clock \"recorded_at\")"),
	CLI_STRING(0, "record", struct record_args, so.record_dir, "DIR",
		   "also save every raw exchange (without credentials) under DIR"),
	CLI_STRING(0, "replay", struct record_args, so.replay_dir, "DIR",
		   "answer from recordings made with --record (no network)"),
	CLI_END,
};

const struct cli_usage_part usage_baseline_parts[] = {
	{ baseline_record_options, "\naccept options:\n" },
	{ baseline_accept_options, NULL },
	{ NULL, NULL },
};

/* Baselines are only written when nearly every request was answered. */
#define BASELINE_MIN_ANSWERED 0.9

static int record(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct record_args ra;
	struct session_opts so;
	struct session s;
	const char *config_path, *vendor, *night;
	char when[32];
	int first, rc = EXIT_USAGE;
	size_t i;

	memset(&ra, 0, sizeof(ra));
	first = cli_parse_options("baseline record", argc, argv, baseline_record_options, &ra, &rc);
	if (first < 0) {
		free(ra.vendors.v);
		return rc;
	}
	rc = EXIT_OK;
	so = ra.so;
	so.progress = 1;
	config_path = ra.config_path;
	night = ra.night;
	vendor = ra.vendors.n ? ra.vendors.v[0] : NULL;
	i = ra.vendors.n;
	free(ra.vendors.v);
	if (i > 1)
		return cli_usage_error("baseline record", "give exactly one --vendor");
	if (night && (strlen(night) != 10 || register_parse_date(night) < 0))
		return cli_usage_error("baseline record", "--date expects YYYY-MM-DD, got '%s'",
				       night);
	if (!config_path || !vendor || first >= argc)
		return cli_usage_error("baseline record", "--config FILE, --vendor ID and at least "
							  "one SUITE are required");
	session_init(&s);
	if (session_load(&s, config_path, argv + first, (size_t)(argc - first), &err) < 0 ||
	    session_plan(&s, &vendor, 1, PLAN_BASELINE, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	fprintf(stderr, "plumbline: recording baseline: %zu requests to %s\n", s.plan.n_items,
		vendor);
	if (session_execute(&s, &so, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	session_now(when, sizeof(when));
	for (i = 0; i < s.n_suites; i++) {
		const struct vendor *v = s.plan.vendors[0];
		struct sampleset *set = session_set(&s, v->id, s.suites[i]->id);
		size_t planned = session_planned(&s, v->id, s.suites[i]->id), got = 0, p;
		char path[1024];

		for (p = 0; set && p < set->n_prompts; p++)
			got += set->prompts[p].n;
		if (!set || (double)got < BASELINE_MIN_ANSWERED * (double)planned) {
			fprintf(stderr,
				"plumbline: %s/%s: only %zu of %zu requests answered; baseline "
				"not written (see %s, then use --resume)\n",
				v->id, s.suites[i]->id, got, planned, s.journal_path);
			rc = EXIT_INCOMPLETE;
			continue;
		}
		free(set->model);
		set->model = xstrdup(v->model);
		free(set->night);
		set->night = night ? xstrdup(night) : NULL;
		baseline_path(path, sizeof(path), s.cfg->baselines_dir, v->id, v->model,
			      s.suites[i]->id);
		if (baseline_write(path, set, when, &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
		{
			char moved[1200];
			int m = session_restart_history(s.cfg, v, s.suites[i]->id, NULL, moved,
							sizeof(moved), &err);

			if (m < 0) {
				rc = cli_fail(&err);
				goto out;
			}
			if (m > 0)
				fprintf(stderr, "plumbline: detection history moved to %s\n",
					moved);
		}
		printf("baseline written: %s (%zu prompts, %zu samples)\n", path, set->n_prompts,
		       got);
	}
	if (rc == EXIT_OK && session_finish(&s, &err) < 0)
		rc = cli_fail(&err);
out:
	session_release(&s);
	return rc;
}

int cmd_baseline(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("baseline", "expected 'record' or 'accept'");
	if (!strcmp(argv[1], "record"))
		return record(argc - 1, argv + 1);
	if (!strcmp(argv[1], "accept"))
		return cmd_baseline_accept(argc - 1, argv + 1);
	return cli_usage_error("baseline",
			       "unknown subcommand '%s' (expected 'record' or 'accept')", argv[1]);
}
