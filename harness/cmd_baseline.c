/* cmd_baseline.c: `plumbline baseline record` (and dispatch of `baseline accept`). */
#include "baseline.h"
#include "cli.h"
#include "register.h"
#include "sbuf.h"
#include "session.h"

#include <getopt.h>
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
	"  -c, --config FILE   the config file\n"
	"  -v, --vendor ID     the vendor entry to record (record: exactly one)\n"
	"      --resume        continue a killed recording without re-sending answered requests\n"
	"      --date DAY      record: the night the baseline stands for (backfilling; kept as\n"
	"                      \"night\" beside the wall-clock \"recorded_at\")\n"
	"      --record DIR    also save every raw exchange (without credentials) under DIR\n"
	"      --replay DIR    answer from recordings made with --record (no network)\n";

/* Baselines are only written when nearly every request was answered. */
#define BASELINE_MIN_ANSWERED 0.9

static int record(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "vendor", required_argument, NULL, 'v' },
					      { "resume", no_argument, NULL, 'R' },
					      { "record", required_argument, NULL, 'r' },
					      { "replay", required_argument, NULL, 'P' },
					      { "date", required_argument, NULL, 'd' },
					      { NULL, 0, NULL, 0 } };
	struct pl_err err = PL_ERR_INIT;
	struct session_opts so;
	struct session s;
	const char *config_path = NULL, *vendor = NULL, *night = NULL;
	char when[32];
	int c, rc = EXIT_OK;
	size_t i;

	memset(&so, 0, sizeof(so));
	so.progress = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:v:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'v':
			if (vendor)
				return cli_usage_error("baseline record", "give exactly one "
									  "--vendor");
			vendor = optarg;
			break;
		case 'R':
			so.resume = 1;
			break;
		case 'r':
			so.record_dir = optarg;
			break;
		case 'P':
			so.replay_dir = optarg;
			break;
		case 'd':
			if (strlen(optarg) != 10 || register_parse_date(optarg) < 0)
				return cli_usage_error("baseline record",
						       "--date expects YYYY-MM-DD, got '%s'",
						       optarg);
			night = optarg;
			break;
		default:
			return cli_usage_error("baseline record", "unknown option");
		}
	}
	if (!config_path || !vendor || optind >= argc)
		return cli_usage_error("baseline record", "--config FILE, --vendor ID and at least "
							  "one SUITE are required");
	session_init(&s);
	if (session_load(&s, config_path, argv + optind, (size_t)(argc - optind), &err) < 0 ||
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
