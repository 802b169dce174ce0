/* cmd_baseline.c: `plumbline baseline record` (and dispatch of `baseline accept`). */
#include "baseline.h"
#include "cli.h"
#include "detect.h"
#include "embed.h"
#include "evaluate.h"
#include "fileio.h"
#include "log.h"
#include "register.h"
#include "sbuf.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_baseline[] =
	"usage: plumbline baseline record --config FILE --vendor ID|all [--vendor ID]...\n"
	"                                 [--prompt ID]... [--resume] [--date YYYY-MM-DD]\n"
	"                                 [--record DIR | --replay DIR] [--dry-run]\n"
	"                                 [--max-requests N] [--max-tokens N] [--max-cost X]\n"
	"                                 SUITE...\n"
	"       plumbline baseline accept --config FILE --report REPORT --reason TEXT [--by NAME]\n"
	"                                 [--top-up] [--suite FILE] [--journal FILE]\n"
	"\n"
	"record  sends every prompt of each SUITE baseline_samples times to each vendor and\n"
	"        writes baselines/<vendor>/<model>/<suite>.json (atomically), each prompt with\n"
	"        the hash of its request, so a run tells an edited prompt from a vendor change.\n"
	"        --prompt ID records only that prompt (an edited or new one) into the existing\n"
	"        baseline; the other prompts stay byte for byte. The detection history of that\n"
	"        vendor/model/suite starts again from the new baseline.\n"
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
	struct cli_strings vendors, prompts;
	struct cli_budget budget;
	struct session_opts so;
};

const struct cli_option baseline_record_options[] = {
	CLI_STRING('c', "config", struct record_args, config_path, "FILE", "the config file"),
	CLI_STRING_LIST('v', "vendor", struct record_args, vendors, "ID",
			"a vendor entry to record (repeatable; 'all': every vendor\nof the config)"),
	CLI_STRING_LIST(0, "prompt", struct record_args, prompts, "ID",
			"record only this prompt (repeatable): added to the existing\nbaseline, or "
			"replacing its old answers; the other prompts\nare kept as they are"),
	CLI_BOOL(0, "resume", struct record_args, so.resume,
		 "continue a killed recording without re-sending answered requests"),
	CLI_STRING(0, "date", struct record_args, night, "DAY",
		   "the night the baseline stands for (backfilling; kept as\n\"night\" beside the "
		   "wall-clock \"recorded_at\")"),
	CLI_STRING(0, "record", struct record_args, so.record_dir, "DIR",
		   "also save every raw exchange (without credentials) under DIR"),
	CLI_STRING(0, "replay", struct record_args, so.replay_dir, "DIR",
		   "answer from recordings made with --record (no network)"),
	CLI_BUDGET_OPTIONS(struct record_args, budget),
	CLI_END,
};

const struct cli_usage_part usage_baseline_parts[] = {
	{ baseline_record_options, "\naccept options:\n" },
	{ baseline_accept_options, NULL },
	{ NULL, NULL },
};

/* Baselines are only written when nearly every request was answered. */
#define BASELINE_MIN_ANSWERED 0.9

static int picked(const struct cli_strings *ids, const char *id)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		if (!strcmp(ids->v[i], id))
			return 1;
	return 0;
}

/* 1 when suite su has one of the prompts --prompt names. */
static int suite_picked(const struct cli_strings *ids, const struct suite *su)
{
	size_t i;

	for (i = 0; i < ids->n; i++)
		if (suite_prompt(su, ids->v[i]))
			return 1;
	return 0;
}

/* plan_filter: only the prompts --prompt names. */
static int keep_picked(void *ctx, const struct plan_group *g)
{
	return picked(ctx, g->prompt->id);
}

/* --prompt: every id is a prompt of a SUITE, and each baseline it goes into exists (a prompt
 * is added to a baseline, never a baseline made of one prompt). Then the plan holds only those
 * prompts. Returns 0 or -1 (PL_E_USAGE). */
static int pick_prompts(struct session *s, const struct record_args *ra, struct pl_err *err)
{
	size_t i, v;

	for (i = 0; i < ra->prompts.n; i++) {
		for (v = 0; v < s->n_suites && !suite_prompt(s->suites[v], ra->prompts.v[i]); v++)
			;
		if (v == s->n_suites)
			return pl_err_set(err, PL_E_USAGE, NULL,
					  "--prompt %s: no prompt with that id in the suites given",
					  ra->prompts.v[i]);
	}
	for (v = 0; v < s->plan.n_vendors; v++)
		for (i = 0; i < s->n_suites; i++) {
			const struct vendor *vd = s->plan.vendors[v];
			char path[1024];

			if (!suite_picked(&ra->prompts, s->suites[i]))
				continue;
			baseline_path(path, sizeof(path), s->cfg->baselines_dir, vd->id, vd->model,
				      s->suites[i]->id);
			if (!fileio_exists(path))
				return pl_err_set(
					err, PL_E_USAGE, path,
					"no baseline to add --prompt to: record the whole "
					"suite first with 'plumbline baseline record "
					"--config %s --vendor %s %s'",
					ra->config_path, vd->id, s->suites[i]->path);
		}
	plan_filter(&s->plan, keep_picked, (void *)&ra->prompts);
	return 0;
}

/* Writes the baseline of one vendor/suite from the answers. Returns 0, 1 when too few answers
 * came (nothing written), -1 with err set. */
static int write_one(struct session *s, const struct record_args *ra, const struct vendor *v,
		     const struct suite *su, const char *when, struct pl_err *err)
{
	struct sampleset *set = session_set(s, v->id, su->id);
	size_t planned = session_planned(s, v->id, su->id), got = 0, p;
	char path[1024], moved[1200];
	int m;

	for (p = 0; set && p < set->n_prompts; p++)
		got += set->prompts[p].n;
	if (!set || (double)got < BASELINE_MIN_ANSWERED * (double)planned) {
		const struct runner_vendor_stats *vs = session_vendor_stats(s, v->id);
		enum probe_fault main = vs ? runner_main_fault(vs) : PROBE_OK;
		char fault[320] = "", why[640];

		/* why, as a night's incomplete reason says it (stderr and the log file alike);
		 * --resume sends again only what may go through another time (not an answer the
		 * vendor refused for good) */
		if (vs)
			runner_fault_describe(vs, fault, sizeof(fault));
		snprintf(why, sizeof(why),
			 "only %zu of %zu requests answered; baseline not written%s%s%s%s", got,
			 planned, vs && vs->stop_reason[0] ? "; stopped: " : "",
			 vs ? vs->stop_reason : "", fault[0] ? "; most failed with " : "", fault);
		fprintf(stderr, "plumbline: %s/%s: %s\n  %s (journal: %s)\n", v->id, su->id, why,
			!main || probe_fault_retryable(main) || main == PROBE_FAULT_AUTH
				? "when that is mended, run the same command with --resume: it "
				  "sends again what was not answered"
				: "fix the request (model, api, suite keys), then record again",
			s->journal_path);
		if (log_to_file())
			pl_log(LOG_ERROR, "baseline %s/%s: %s", v->id, su->id, why);
		return 1;
	}
	free(set->model);
	set->model = xstrdup(v->model);
	free(set->night);
	set->night = ra->night ? xstrdup(ra->night) : NULL;
	session_stamp_requests(set, su);
	baseline_path(path, sizeof(path), s->cfg->baselines_dir, v->id, v->model, su->id);
	if (ra->prompts.n ? baseline_update(path, set, when, err)
			  : baseline_write(path, set, when, err))
		return -1;
	m = session_restart_history(s->cfg, v, su->id, NULL, moved, sizeof(moved), err);
	if (m < 0)
		return -1;
	if (m > 0)
		fprintf(stderr, "plumbline: detection history moved to %s\n", moved);
	if (ra->prompts.n) {
		printf("baseline updated: %s (", path);
		for (p = 0; p < set->n_prompts; p++)
			printf("%s%s", p ? ", " : "", set->prompts[p].prompt_id);
		printf(": %zu samples; the other prompts kept)\n", got);
	} else {
		printf("baseline written: %s (%zu prompts, %zu samples)\n", path, set->n_prompts,
		       got);
	}
	if (log_to_file())
		pl_log(LOG_INFO, "baseline %s/%s written: %s (%zu samples)", v->id, su->id, path,
		       got);
	return 0;
}

/* The new baseline's embeddings, stored next to it (embed_baseline_store) when the suite asks
 * for them (an embedding_similarity check, or detection by embeddings) and the config names an
 * "embeddings" endpoint. The endpoint failing is a warning, not a failed record: the next run
 * embeds what is missing. */
static void embed_written(struct session *s, const struct session_opts *so, struct embedder **emb,
			  const struct vendor *v, const struct suite *su)
{
	struct pl_err err = PL_ERR_INIT;
	struct jsonloc cloc = config_loc(s->cfg), sloc = suite_loc(su);
	struct baseline_reader *r = NULL;
	struct detect_params *dp;
	struct embed_budget b = { so->max_requests, so->max_tokens, so->max_cost };
	char path[1024], store[1100], skip[512] = "", msg[1600];
	size_t p;
	int all, uses = 0;

	if (!s->cfg->embed_vendor || so->replay_dir)
		return;
	dp = detect_params_new(&cloc, s->cfg->detection, &sloc, su->detection, &err);
	all = dp && detect_params_embedding(dp);
	detect_params_free(dp);
	for (p = 0; p < su->n_prompts && !uses; p++)
		uses = all || evaluate_prompt_uses(&su->prompts[p], "embedding_similarity");
	if (!uses)
		return;
	pl_err_init(&err);
	if (!*emb)
		*emb = embedder_new(s->cfg, &b, &err);
	baseline_path(path, sizeof(path), s->cfg->baselines_dir, v->id, v->model, su->id);
	if (*emb)
		r = baseline_open(path, &err);
	if (!r || embed_baseline_store(*emb, r, path, su, all, skip, sizeof(skip), &err) < 0)
		fprintf(stderr, "plumbline: warning: %s: embeddings not stored: %s\n", path,
			pl_err_str(&err, msg, sizeof(msg)));
	else if (skip[0])
		fprintf(stderr,
			"plumbline: warning: %s: embeddings not stored (the next run embeds "
			"them): %s\n",
			path, skip);
	else
		printf("baseline embeddings written: %s\n",
		       embed_store_path(path, store, sizeof(store)));
	baseline_close(r);
}

static int record(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct record_args ra;
	struct session_opts so;
	struct session s;
	struct embedder *emb = NULL;
	struct log_opts lo = LOG_OPTS_INIT;
	struct jsonloc loc;
	const char *const *vendors;
	size_t n_vendors, i, v;
	char when[32];
	int first, rc = EXIT_USAGE;

	memset(&ra, 0, sizeof(ra));
	session_init(&s);
	first = cli_parse_options("baseline record", argc, argv, baseline_record_options, &ra, &rc);
	if (first < 0)
		goto out;
	rc = EXIT_USAGE;
	so = ra.so;
	so.progress = 1;
	cli_budget_apply(&ra.budget, &so);
	vendors = ra.vendors.v;
	n_vendors = ra.vendors.n;
	for (i = 0; i < ra.vendors.n; i++)
		if (!strcmp(ra.vendors.v[i], "all"))
			n_vendors = 0; /* every vendor of the config */
	if (ra.night && (strlen(ra.night) != 10 || register_parse_date(ra.night) < 0)) {
		rc = cli_usage_error("baseline record", "--date expects YYYY-MM-DD, got '%s'",
				     ra.night);
		goto out;
	}
	if (ra.night && ra.prompts.n) {
		rc = cli_usage_error("baseline record",
				     "--date and --prompt do not go together (the baseline keeps "
				     "its night)");
		goto out;
	}
	if (!ra.config_path || !ra.vendors.n || first >= argc) {
		rc = cli_usage_error("baseline record", "--config FILE, --vendor ID (or --vendor "
							"all) and at least one SUITE are required");
		goto out;
	}
	if (session_load(&s, ra.config_path, argv + first, (size_t)(argc - first), &err) < 0 ||
	    (ra.budget.dry_run ? session_plan_keyless(&s, vendors, n_vendors, PLAN_BASELINE, &err)
			       : session_plan(&s, vendors, n_vendors, PLAN_BASELINE, &err)) < 0 ||
	    (ra.prompts.n && pick_prompts(&s, &ra, &err) < 0)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (ra.budget.dry_run) {
		cli_print_plan(&s);
		rc = EXIT_OK;
		goto out;
	}
	/* the config's log file gets the recording (its progress and outcome), as a run's */
	loc = config_loc(s.cfg);
	if (log_opts_parse(&loc, "/logging", s.cfg->logging, &lo, &err) < 0 ||
	    log_open(&lo, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (log_to_file())
		pl_log(LOG_INFO, "baseline record started: %zu requests", s.plan.n_items);
	fprintf(stderr, "plumbline: recording baseline: %zu requests to", s.plan.n_items);
	for (v = 0; v < s.plan.n_vendors; v++)
		fprintf(stderr, "%s%s", v ? ", " : " ", s.plan.vendors[v]->id);
	fprintf(stderr, "\n");
	if (session_execute(&s, &so, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	rc = EXIT_OK;
	session_now(when, sizeof(when));
	for (v = 0; v < s.plan.n_vendors; v++)
		for (i = 0; i < s.n_suites; i++) {
			int w;

			if (ra.prompts.n && !suite_picked(&ra.prompts, s.suites[i]))
				continue;
			w = write_one(&s, &ra, s.plan.vendors[v], s.suites[i], when, &err);
			if (w < 0) {
				rc = cli_fail(&err);
				goto out;
			}
			if (w > 0)
				rc = EXIT_INCOMPLETE;
			else
				embed_written(&s, &so, &emb, s.plan.vendors[v], s.suites[i]);
		}
	if (rc == EXIT_OK && session_finish(&s, &err) < 0)
		rc = cli_fail(&err);
out:
	if (log_to_file())
		pl_log(rc == EXIT_OK ? LOG_INFO : LOG_WARN, "baseline record finished: exit %d",
		       rc);
	log_close();
	log_opts_release(&lo);
	embedder_free(emb);
	free(ra.vendors.v);
	free(ra.prompts.v);
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
