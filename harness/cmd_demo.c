/* cmd_demo.c: `plumbline demo`: the offline tour. Starts the simulated vendor on 127.0.0.1,
 * records a baseline for the shipped demo suite, runs a normal night (no change), then a night
 * with a behaviour change turned on, and shows the report. No API key, no network. */
#include "cli.h"
#include "fileio.h"
#include "sbuf.h"
#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char usage_demo[] =
	"usage: plumbline demo [--dir DIR] [--drift NAME[,NAME]] [--suite FILE]\n"
	"\n"
	"The offline tour: starts the simulated vendor on 127.0.0.1, records a baseline for the\n"
	"demo suite, runs one normal night (exit 0), then one night with a behaviour change\n"
	"(default drift: longer,fingerprint) and shows how plumbline reports it (exit 1).\n"
	"Needs no API key and no network; takes a few seconds.\n"
	"\n";

struct demo_args {
	const char *dir, *drift, *suite;
};

const struct cli_option demo_options[] = {
	CLI_STRING(0, "dir", struct demo_args, dir, "DIR",
		   "where the config, baselines, reports and state go\n"
		   "(default: a new directory under /tmp)"),
	CLI_STRING(0, "drift", struct demo_args, drift, "NAMES",
		   "the behaviour change for the last night: longer, fenced, model,\n"
		   "refusals, fingerprint, wording, tokenizer, swap"),
	CLI_STRING(0, "suite", struct demo_args, suite, "FILE",
		   "the suite to use (default: the shipped suites/demo.json)"),
	CLI_END,
};

const struct cli_usage_part usage_demo_parts[] = {
	{ demo_options, NULL },
	{ NULL, NULL },
};

#ifndef PL_DEMO_SUITE_SRC
#define PL_DEMO_SUITE_SRC "suites/demo.json"
#endif
#ifndef PL_DEMO_SUITE_INSTALLED
#define PL_DEMO_SUITE_INSTALLED "/usr/share/plumbline/suites/demo.json"
#endif

static const char *find_suite(void)
{
	static const char *const candidates[] = { "suites/demo.json", PL_DEMO_SUITE_SRC,
						  PL_DEMO_SUITE_INSTALLED };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(candidates); i++)
		if (fileio_exists(candidates[i]))
			return candidates[i];
	return NULL;
}

/* 1 when dir does not exist or holds nothing. */
static int dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return errno == ENOENT;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

static int write_config(const char *dir, int port, struct pl_err *err)
{
	struct sbuf cfg, path;
	int rc;

	sbuf_init(&cfg);
	sbuf_init(&path);
	sbuf_addf(&cfg,
		  "{\n"
		  "  \"description\": \"plumbline demo: the simulated vendor on loopback\",\n"
		  "  \"vendors\": [\n"
		  "    {\n"
		  "      \"id\": \"sim\",\n"
		  "      \"probe\": \"openai\",\n"
		  "      \"base_url\": \"http://127.0.0.1:%d/v1\",\n"
		  "      \"model\": \"sim-gpt-1\",\n"
		  "      \"api_key_env\": \"PLUMBLINE_DEMO_KEY\",\n"
		  "      \"concurrency\": 8,\n"
		  "      \"retries\": 2\n"
		  "    }\n"
		  "  ],\n"
		  "  \"paths\": {\n"
		  "    \"baselines\": \"%s/baselines\",\n"
		  "    \"reports\": \"%s/reports\",\n"
		  "    \"state\": \"%s/state\"\n"
		  "  }\n"
		  "}\n",
		  port, dir, dir, dir);
	sbuf_addf(&path, "%s/plumbline.json", dir);
	rc = fileio_write_atomic(path.buf, cfg.buf, cfg.len, 0644, err);
	sbuf_release(&cfg);
	sbuf_release(&path);
	return rc;
}

/* Serves one night of the simulated vendor and runs argv against it. */
static int night(const char *dir, int night_no, const char *drift, char **argv, int argc,
		 struct pl_err *err)
{
	struct sim_opts o;
	struct sim *sim;
	int port = 0, rc;

	sim_opts_init(&o);
	o.knobs.seed = 7;
	o.knobs.night = night_no;
	if (drift && sim_drift_parse(drift, &o.knobs.drifts) < 0) {
		pl_err_set(err, PL_E_USAGE, "--drift", "unknown drift \"%s\"", drift);
		return -1;
	}
	sim = sim_start(&o, &port, err);
	if (!sim)
		return -1;
	if (write_config(dir, port, err) < 0) {
		sim_stop(sim);
		return -1;
	}
	fflush(stdout);
	rc = !strcmp(argv[0], "baseline") ? cmd_baseline(argc, argv) : cmd_run(argc, argv);
	fflush(stdout);
	sim_stop(sim);
	return rc;
}

static void step(const char *title)
{
	printf("\n== %s\n", title);
	fflush(stdout);
}

int cmd_demo(int argc, char **argv)
{
	struct demo_args da = { NULL, "longer,fingerprint", NULL };
	struct pl_err err = PL_ERR_INIT;
	const char *drift, *suite, *dir;
	char tmpl[] = "/tmp/plumbline-demo.XXXXXX", cfg[1100];
	unsigned bits;
	char night1[16], night2[16];
	time_t now = time(NULL);
	struct tm tm;
	int first, rc = EXIT_USAGE;

	first = cli_parse_options("demo", argc, argv, demo_options, &da, &rc);
	if (first < 0)
		return rc;
	if (first < argc)
		return cli_usage_error("demo", "unexpected argument '%s'", argv[first]);
	dir = da.dir;
	drift = da.drift;
	suite = da.suite;
	if (sim_drift_parse(drift, &bits) < 0)
		return cli_usage_error("demo", "unknown drift '%s'", drift);
	if (!suite)
		suite = find_suite();
	if (!suite)
		return cli_usage_error("demo", "cannot find suites/demo.json; give --suite FILE");
	if (!dir) {
		dir = mkdtemp(tmpl);
		if (!dir) {
			pl_err_errno(&err, PL_E_IO, "/tmp", "cannot create a demo directory");
			return cli_fail(&err);
		}
	} else if (!dir_empty(dir)) {
		/* a demo ran there before: its key, register and nights would clash with this one's
		 */
		return cli_usage_error("demo",
				       "%s is not empty (a demo ran there before?): give a new or "
				       "empty --dir",
				       dir);
	} else if (fileio_mkdirs(dir, &err) < 0) {
		return cli_fail(&err);
	}
	/* The simulated vendor wants a key like a real one; this one is not a secret. */
	setenv("PLUMBLINE_DEMO_KEY", "demo-key-not-a-secret", 1);
	setenv("PLUMBLINE_NO_PROGRESS", "1", 1);
	snprintf(cfg, sizeof(cfg), "%s/plumbline.json", dir);
	/* The nights are yesterday and today, so the register's 30-day view counts them. */
	now -= 86400;
	gmtime_r(&now, &tm);
	strftime(night1, sizeof(night1), "%Y-%m-%d", &tm);
	now += 86400;
	gmtime_r(&now, &tm);
	strftime(night2, sizeof(night2), "%Y-%m-%d", &tm);

	printf("plumbline demo: everything goes to %s\n"
	       "The simulated vendor runs on 127.0.0.1 and answers like a sampled model:\n"
	       "answers vary from sample to sample and a little from night to night.\n",
	       dir);
	step("0. create the key that signs every report (plumbline keygen)");
	if (write_config(dir, 0, &err) < 0)
		return cli_fail(&err);
	{
		char *a[] = { "keygen", "--config", cfg, NULL };

		rc = cmd_keygen(3, a);
		if (rc != EXIT_OK)
			goto fail;
	}
	step("1. record a baseline (each prompt sampled baseline_samples times)");
	{
		char *a[] = { "baseline", "record", "--config",	   cfg,
			      "--vendor", "sim",    (char *)suite, NULL };

		rc = night(dir, 0, NULL, a, 7, &err);
		if (rc != EXIT_OK)
			goto fail;
	}
	step("2. a normal night: same model, ordinary sampling noise -> no change (exit 0)");
	{
		char *a[] = { "run", "--config", cfg, "--date", night1, (char *)suite, NULL };

		rc = night(dir, 1, NULL, a, 6, &err);
		printf("exit code: %d\n", rc);
		if (rc != EXIT_OK)
			goto fail;
	}
	printf("\n== 3. the vendor silently changes behaviour (drift: %s)\n", drift);
	{
		char *a[] = { "run", "--config", cfg, "--date", night2, (char *)suite, NULL };

		rc = night(dir, 2, drift, a, 6, &err);
		printf("exit code: %d\n", rc);
		if (rc != EXIT_CHANGED)
			goto fail;
	}
	step("4. an auditor verifies the signed report with the public key only");
	{
		char report[1200];
		char *a[] = { "verify", "--config", cfg, report, NULL };

		snprintf(report, sizeof(report), "%s/reports/%s/sim-demo.json", dir, night2);
		rc = cmd_verify(4, a);
		if (rc != EXIT_OK)
			goto fail;
		printf("also with stock tools:\n  minisign -Vm %s -p %s/state/register.pub\n"
		       "  openssl pkeyutl -verify -pubin -inkey %s/state/register.pub.pem -rawin "
		       "-in %s -sigfile %s.sig.raw\n",
		       report, dir, dir, report, report);
	}
	step("5. the vendor register: one signed entry per night, epochs and changes");
	{
		char *a[] = { "register", "show", "--config", cfg, NULL };

		fflush(stdout);
		rc = cmd_register(4, a);
		if (rc != EXIT_OK)
			goto fail;
	}
	printf("\nReports (JSON, one per vendor and suite per night): %s/reports\n"
	       "The stability report procurement reads:\n"
	       "  plumbline register report --html --config %s --out %s/stability.html\n"
	       "Another behaviour change: plumbline demo --drift refusals (or fenced, model, swap, "
	       "wording, tokenizer)\n",
	       dir, cfg, dir);
	return EXIT_CHANGED;
fail:
	if (pl_err_isset(&err))
		return cli_fail(&err);
	fprintf(stderr, "plumbline demo: step did not end as expected (exit %d); see %s\n", rc,
		dir);
	return rc == EXIT_OK || rc == EXIT_CHANGED ? EXIT_INCOMPLETE : rc;
}
