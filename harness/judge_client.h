/* judge_client.h: asks the config's LLM judge (config "judge") for the verdicts of the judged
 * checks (rubric, same_meaning) before they are evaluated: checks do no I/O, so the verdicts
 * are computed here, per (check, sample), and handed to evaluate through a lookup.
 *
 * The judge is asked through its vendor entry's probe over HTTP (http.h), at temperature 0,
 * with the versioned prompts of judge_prompt.h. Its verdicts are cached in
 * STATE/judge-cache.json by (judge model, judge prompt hash, answer hash): a night run again
 * asks nothing new. A judge that fails (no judge in the config, its key missing, an HTTP
 * fault, a verdict that is not strict JSON, a budget reached) gives the verdict CHECK_SKIP with
 * the reason "..." the check prints as "judge unavailable: ...": never the judged vendor's
 * fault. Three failed requests in a row mark the judge down for the rest of the run.
 *
 * The judge's requests, tokens and cost count against the run's budget (judge_budget): before
 * each request the judge adds what the runner spent to its own spending. `plumbline run` asks
 * it after the runner is done (the vendors first; the judge gets what the budget leaves).
 *
 * Calling order: judge_client_new; per prompt judge_client_prompt, evaluate with
 * judge_verdicts_lookup, judge_verdicts_annotate on the report entry, judge_verdicts_release;
 * judge_client_save at the end; judge_client_free. One thread. */
#ifndef PL_JUDGE_CLIENT_H
#define PL_JUDGE_CLIENT_H

#include "check.h"
#include "config.h"
#include "runner.h"
#include "sampleset.h"
#include "suite.h"

#include <jansson.h>

/* The run's budget (0: none) and what the runner spent so far (may be NULL). Borrowed. */
struct judge_budget {
	long max_requests, max_tokens;
	double max_cost;
	const struct runner_stats *run;
};

/* What the judge did for one (vendor, suite): the report's "judge" object. */
struct judge_tally {
	size_t requests;    /* requests sent (retries included) */
	size_t verdicts;    /* verdicts the judge gave tonight */
	size_t cached;	    /* verdicts read from the cache */
	size_t unavailable; /* (check, sample) pairs left without a verdict */
	long prompt_tokens; /* as the judge's vendor reported them */
	long completion_tokens;
	double cost;		      /* from the judge entry's prices */
	char unavailable_reason[256]; /* the first reason; "" when none */
};

/* The verdicts of one prompt's judged checks. Owned; release with judge_verdicts_release. */
struct judge_verdicts {
	size_t n_checks, n_samples;
	int *index;		/* n_samples: the samples' index (struct sample.index) */
	struct check_judged *v; /* n_checks x n_samples; reason NULL and verdict CHECK_ERROR:
				 * not asked (lookup gives NULL) */
	char **reasons;		/* n_checks x n_samples, owned (v[i].reason points here) */
	json_t **meta;		/* n_checks: each judged check's report "judge" object */
};

struct judge_client;

/* A judge for cfg's "judge" entry, loading its key (config_load_secrets) and the cache. Never
 * fails for want of a judge: without "judge" in the config, or without its key, every verdict
 * is unavailable, with that reason. budget is copied. Returns NULL with err set (PL_E_INTERNAL)
 * only when libcurl cannot start. */
struct judge_client *judge_client_new(struct config *cfg, const struct judge_budget *budget,
				      struct pl_err *err);
void judge_client_free(struct judge_client *jc); /* NULL-safe */

/* 1 when some check of s is judged (so a judge is needed), else 0. */
int judge_suite_needs(const struct suite *s);

/* Asks the verdicts of pr's judged checks on tonight's samples ns (may be NULL), comparing
 * same_meaning with the baseline bs (may be NULL: skipped, nothing asked). Fills out (zeroed
 * first) and adds to tally. Never fails: every failure is a verdict "unavailable". */
void judge_client_prompt(struct judge_client *jc, const struct prompt *pr,
			 const struct prompt_samples *bs, const struct prompt_samples *ns,
			 struct judge_verdicts *out, struct judge_tally *tally);
/* struct eval_judged's lookup (ctx: a struct judge_verdicts): the verdict on sample `sample`
 * of check number `check`, or NULL when none was asked. */
const struct check_judged *judge_verdicts_lookup(const void *ctx, size_t check, int sample);
/* Adds each judged check's "judge" object (template, its SHA-256, the prompt's SHA-256, how
 * many verdicts were asked, cached, unavailable and why) to entry["checks"][i]. */
void judge_verdicts_annotate(const struct judge_verdicts *v, json_t *entry);
void judge_verdicts_release(struct judge_verdicts *v); /* NULL-safe */

/* The report's "judge" object for tally (a new reference). */
json_t *judge_tally_json(const struct judge_client *jc, const struct judge_tally *t);

/* Writes the cache (atomically, merged with what another run wrote meanwhile) when new
 * verdicts came in. Returns 0, or -1 with err set (PL_E_IO). */
int judge_client_save(struct judge_client *jc, struct pl_err *err);

#endif
