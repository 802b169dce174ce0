/* evaluate.h: applying a suite's checks to tonight's samples (and, for similarity checks, the
 * baseline's samples of the same prompt). Pure: no I/O. */
#ifndef PL_EVALUATE_H
#define PL_EVALUATE_H

#include "config.h"
#include "sampleset.h"
#include "suite.h"

#include <jansson.h>

/* How a night's checks are counted, defined once: a check is one (prompt, check) pair of the
 * suite; it failed when its pass rate over tonight's samples is below its min_pass_rate. The
 * report's counts, its summary line, the renderings, the alerts and the metrics all use
 * checks_total / checks_failed / prompts_failed and say them with evaluate_checks_phrase. The
 * per-sample tallies (pass, fail, skip, error) are figures behind them, never "checks".
 * An answer in error (could not be evaluated: a regex's match limit, a number no double
 * holds) is not a pass: it counts against the pass rate like a failing answer. A check that
 * failed only because of such answers (the judged ones alone would pass) has verdict "error";
 * it is one of checks_failed, and checks_errored counts them apart, so that exit 0 means every
 * check was judged and passed. */
struct eval_counts {
	size_t pass, fail, skip, error; /* per sample and check */
	size_t checks_total;		/* (prompt, check) pairs judged */
	size_t checks_failed;		/* (prompt, check) pairs whose pass rate is too low */
	size_t checks_errored;		/* ... of which verdict "error": could not be evaluated */
	size_t prompts_failed;		/* prompts with at least one failed check */
	size_t samples, faults;
	size_t not_sent;	/* faults given up without being sent (included in faults) */
	size_t vendor_faults;	/* faults that count against the vendor's availability */
	size_t vendor_not_sent; /* ... of which never sent (the vendor was declared down) */
	size_t retries;		/* HTTP requests after each request's first (prompt_samples) */
	/* answers that are refusals by the classifier eval_extra.refusal names (detection's:
	 * detect_params_refusal), so a plain-text refusal counts as detection counts it */
	size_t refusals;
};

/* The one phrase for the counts above: "4 of 30 checks failed on 2 prompts" ("1 of 1 check
 * failed on 1 prompt"). Always NUL-terminates buf. */
void evaluate_checks_phrase(size_t failed, size_t total, size_t prompts_failed, char *buf,
			    size_t len);
/* The same for a night with `answers` answers: with none (an outage), nothing was judged and
 * "checks not judged: no answers" is said instead of "0 of 8 checks failed on 0 prompts". */
void evaluate_checks_said(size_t failed, size_t total, size_t prompts_failed, size_t answers,
			  char *buf, size_t len);

/* A failing sample is quoted in the report by at most its first EVAL_QUOTE_BYTES bytes (cut on
 * a UTF-8 boundary), with "bytes" (its full length), "sha256" (of the full text) and
 * "truncated": 20 failing samples of a 7 MB answer made a 147 MB report. */
#define EVAL_QUOTE_BYTES 4096

/* Evaluates every check of every prompt of suite on night (baseline may be NULL). Returns a
 * new JSON array (one object per prompt, in suite order) for the report and fills counts.
 * A (prompt, check) fails when its pass rate over the samples (pass / (pass + fail + error);
 * skipped answers are not counted) is below the check's min_pass_rate (default 1: every
 * sample must pass). At most max_examples failing samples are
 * quoted per check. */
/* A per-prompt check (latency: check.h) is judged by its bound on the answers taken together
 * instead; its entry has "score" (the prompt's figure) and "detail" in place of
 * "min_pass_rate" and "score_mean". A check with verdict skip or error has "detail": the
 * first skipped answer's reason, or the first answer in error's. vendor gives the prices the cost
 * check reads (config_vendor_cost) in x; NULL, or a vendor without prices, makes cost checks skip
 * saying so.
 */
/* The same for one prompt: its baseline samples bs and tonight's ns (either may be NULL).
 * Returns its report entry and adds to counts (which the caller zeroes once per suite). */
/* Embeddings for one prompt (embedding_similarity), computed by the caller before evaluation
 * (the commands layer, embed.h). All borrowed. */
struct eval_embeddings {
	size_t dim;
	const float *const *night;    /* one row per ns->samples[i]; a row may be NULL */
	const float *const *baseline; /* one row per bs->samples[i]; a row may be NULL */
	const char *skip; /* why rows are missing (the check's skip detail); may be NULL */
};
/* 1 when a check of the prompt is of kind (e.g. "embedding_similarity"). */
int evaluate_prompt_uses(const struct prompt *pr, const char *kind);
/* The judge's verdicts, asked before evaluation (judge_client.h): lookup returns the verdict on
 * sample `sample` (struct sample.index) of the prompt's check number `check`, or NULL when
 * none was asked. */
struct eval_judged {
	const struct check_judged *(*lookup)(const void *ctx, size_t check, int sample);
	const void *ctx;
};
/* What evaluation may use besides the samples (each NULL when absent): the vendor's prices
 * (cost checks), the judge's verdicts (judged kinds skip without them), the prompt's
 * embeddings (embedding checks skip without them), and the refusal classifier the refusals
 * are counted with (borrowed: detection's, detect_params_refusal; NULL: the API's refusal and
 * block flags only). */
struct refusal;
struct eval_extra {
	const struct vendor *vendor;
	const struct eval_judged *judged;
	const struct eval_embeddings *emb;
	const struct refusal *refusal;
};
json_t *evaluate_prompt(const struct prompt *pr, const struct eval_extra *x,
			const struct prompt_samples *bs, const struct prompt_samples *ns,
			size_t max_examples, struct eval_counts *counts);
/* How many of ps's answers check c passes (*pass) of those it judged (*judged: pass or fail;
 * skips and errors apart), each answer alone (no baseline list, no measures: the way detection
 * re-evaluates pass rates). ps may be NULL (0 of 0). */
void evaluate_check_passes(const struct check *c, const struct prompt_samples *ps, size_t *pass,
			   size_t *judged);
/* Appends to out (a JSON array) one object per failed check of a prompt's report entry
 * (verdict "fail" or "error"), as alerts name them: {"prompt", "check" (its id), "pass",
 * "judged" (tonight's answers it judged: pass + fail + error), "min_pass_rate"} and, when pr
 * and its baseline answers bs are given and the check judges some of them alone,
 * "baseline_pass" and "baseline_judged" (the reference the rate is read against). entry is
 * borrowed; pr and bs may be NULL. */
void evaluate_failed_checks(const json_t *entry, const struct prompt *pr,
			    const struct prompt_samples *bs, json_t *out);
/* evaluate_suite: refusal as eval_extra.refusal (may be NULL). */
json_t *evaluate_suite(const struct suite *suite, const struct vendor *vendor,
		       const struct refusal *refusal, const struct sampleset *baseline,
		       const struct sampleset *night, size_t max_examples,
		       struct eval_counts *counts);

#endif
