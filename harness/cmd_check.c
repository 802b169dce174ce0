/* cmd_check.c: `plumbline check`: validate the config and suites without calling any vendor. */
#include "alert.h"
#include "cli.h"
#include "config.h"
#include "detect.h"
#include "jsonpos.h"
#include "judge_client.h"
#include "plan.h"
#include "report.h"
#include "suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_check[] = "usage: plumbline check --config FILE [SUITE...]\n"
			   "\n"
			   "Validates the config file and every SUITE file (keys, types, regexes, "
			   "schemas,\n"
			   "detection settings) and prints what would run. Sends nothing; needs no "
			   "API key.\n"
			   "\n";

struct check_args {
	const char *config_path;
};

const struct cli_option check_options[] = {
	CLI_STRING('c', "config", struct check_args, config_path, "FILE",
		   "the config file (vendors, paths, detection, alerts, signing)"),
	CLI_END,
};

const struct cli_usage_part usage_check_parts[] = {
	{ check_options, NULL },
	{ NULL, NULL },
};

/* Appends each line of w (lines ending in '\n'; NULL for none) to out as a warning. */
static void add_warnings(struct sbuf *out, const char *w)
{
	const char *nl;

	for (; w && *w; w = nl + 1) {
		nl = strchr(w, '\n');
		if (!nl)
			nl = w + strlen(w) - 1;
		sbuf_addf(out, "plumbline: warning: %.*s\n", (int)(nl - w), w);
	}
}

/* The warning lines for s's prompts, appended to out (a dataset's rows share their prompt's
 * schemas and checks: once for them all): what loading found in the schemas a prompt sends
 * (prompt->warnings: a misspelled keyword in a tool's "parameters" or in "response_schema"),
 * what its checks' compile found (check_warnings: a misspelled schema keyword), and, without
 * the config's "embeddings" endpoint (embedded 0), each embedding_similarity check, which
 * would skip every night, located at its type. */
static void warn_checks(const struct suite *s, int embedded, struct sbuf *out)
{
	char ptr[128], where[512];
	size_t p, c;

	for (p = 0; p < s->n_prompts; p++) {
		const struct prompt *pr = &s->prompts[p];

		if (p && s->prompts[p - 1].origin == pr->origin)
			continue;
		add_warnings(out, pr->warnings);
		for (c = 0; c < pr->n_checks; c++) {
			add_warnings(out, check_warnings(pr->checks[c]));
			if (embedded || strcmp(check_kind(pr->checks[c]), "embedding_similarity"))
				continue;
			snprintf(ptr, sizeof(ptr), "/prompts/%zu/checks/%zu/type", pr->origin, c);
			jsonpos_where(where, sizeof(where), s->path, s->text, s->text_len, ptr);
			sbuf_addf(out,
				  "plumbline: warning: %s: the config has no \"embeddings\", so "
				  "this embedding_similarity check will skip every night: add "
				  "\"embeddings\": {\"vendor\": ID, \"model\": M} (a vendor "
				  "entry whose probe has an embeddings API) to the config\n",
				  where);
		}
	}
}

int cmd_check(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	const char *config_path = NULL;
	struct config *cfg = NULL;
	struct detect_params *dp = NULL;
	struct jsonloc cloc;
	struct alerts *al;
	struct plan plan;
	struct check_args ca = { NULL };
	char **ids = NULL;    /* the suites' ids so far, to refuse a second of one */
	struct sbuf warnings; /* printed once everything is valid */
	int first, i, rc = EXIT_USAGE;
	size_t prompts = 0, checks = 0, judged_suites = 0, v;

	first = cli_parse_options("check", argc, argv, check_options, &ca, &rc);
	if (first < 0)
		return rc;
	sbuf_init(&warnings);
	rc = EXIT_OK;
	config_path = ca.config_path;
	if (!config_path)
		return cli_usage_error("check", "--config FILE is required");
	cfg = cli_config_load(config_path, &err);
	if (!cfg)
		return cli_fail(&err);
	cloc = config_loc(cfg);
	/* an alert URL from the environment, when it is set: a bad one would fail every night */
	al = alerts_new(&cloc, "/alerts", cfg->alerts, &err);
	if (!al || alerts_check_urls(al, &err) < 0) {
		alerts_free(al);
		rc = cli_fail(&err);
		goto out;
	}
	alerts_free(al);
	for (v = 0; v < cfg->n_vendors; v++) {
		char where[512];

		if (config_vendor_cost_check(&cfg->vendors[v], cfg->max_cost,
					     config_budget_where(cfg, 0, where, sizeof(where)),
					     &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
	}
	printf("%s: ok (%zu vendor%s)\n", config_path, cfg->n_vendors,
	       cfg->n_vendors == 1 ? "" : "s");
	ids = xcalloc((size_t)(argc - first) + 1, sizeof(*ids));
	for (i = first; i < argc; i++) {
		struct suite *s = suite_load(argv[i], &err);
		size_t p;
		int j;

		if (!s) {
			rc = cli_fail(&err);
			goto out;
		}
		/* as run, compare and baseline record refuse it: their reports would collide */
		for (j = first; j < i; j++)
			if (!strcmp(ids[j - first], s->id)) {
				pl_err_set(&err, PL_E_USAGE, argv[i],
					   "suite id \"%s\" is also used by %s", s->id, argv[j]);
				suite_free(s);
				rc = cli_fail(&err);
				goto out;
			}
		ids[i - first] = xstrdup(s->id);
		if (s->detection) {
			struct jsonloc sloc = suite_loc(s);

			dp = detect_params_new(&cloc, cfg->detection, &sloc, s->detection, &err);
			if (!dp) {
				suite_free(s);
				rc = cli_fail(&err);
				goto out;
			}
			detect_params_free(dp);
		}
		/* as run and baseline do: what a vendor's probe cannot send is refused here, not
		 * at send time (the plan's vendors: all but a separate judge entry) */
		if (plan_build(&plan, cfg, NULL, 0, (const struct suite *const *)&s, 1,
			       PLAN_NIGHTLY, &err) < 0) {
			suite_free(s);
			rc = cli_fail(&err);
			goto out;
		}
		plan_release(&plan);
		for (p = 0; p < s->n_prompts; p++)
			checks += s->prompts[p].n_checks;
		prompts += s->n_prompts;
		if (!cfg->judge_vendor && judge_suite_needs(s))
			judged_suites++;
		warn_checks(s, cfg->embed_vendor != NULL, &warnings);
		printf("%s: ok (suite \"%s\", %zu prompt%s)\n", argv[i], s->id, s->n_prompts,
		       s->n_prompts == 1 ? "" : "s");
		suite_free(s);
	}
	/* as run refuses them: two vendor/suite pairs that would write one report file */
	if (report_names_check(cfg, (const char *const *)ids, (size_t)(argc - first), config_path,
			       &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (first < argc)
		printf("%zu prompt%s, %zu check%s in %d suite%s\n", prompts,
		       prompts == 1 ? "" : "s", checks, checks == 1 ? "" : "s", argc - first,
		       argc - first == 1 ? "" : "s");
	/* once everything is valid: a warning never hides an error's message */
	for (v = 0; v < cfg->n_vendors; v++)
		if (!cfg->vendors[v].has_prices)
			fprintf(stderr, "plumbline: warning: vendor \"%s\" %s\n",
				cfg->vendors[v].id, CONFIG_UNPRICED_WARNING);
	if (judged_suites)
		fprintf(stderr,
			"plumbline: warning: %zu suite%s %s judged checks (rubric, same_meaning) "
			"but the config has no \"judge\": they will be skipped\n",
			judged_suites, judged_suites == 1 ? "" : "s",
			judged_suites == 1 ? "has" : "have");
	fputs(warnings.buf, stderr);
out:
	sbuf_release(&warnings);
	for (i = 0; ids && ids[i]; i++)
		free(ids[i]);
	free(ids);
	config_free(cfg);
	return rc;
}
