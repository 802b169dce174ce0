/* detect.h: deciding "changed" from a baseline, tonight's samples and this endpoint's history.
 *
 * Signals: hard (returned model, fingerprint, prompt token counts, version headers, logprob
 * availability), distribution distance per prompt with permutation tests, rates (refusals,
 * finish reasons), and slow drift over the nightly series. The decision judges tonight against
 * the endpoint's own night-to-night variation (history kept under the state directory).
 * Details and defaults: README "Detection". */
#ifndef PL_DETECT_H
#define PL_DETECT_H

#include "err.h"
#include "jsonx.h"
#include "sampleset.h"

#include <jansson.h>

enum detect_verdict {
	DETECT_NO_CHANGE = 0,
	DETECT_CHANGED,
	DETECT_UNSTABLE,     /* the endpoint varies too much to tell; figures in the section */
	DETECT_INSUFFICIENT, /* not enough answers to decide (e.g. most requests faulted) */
};

/* A change is first suspected (an alert the night it shows), then confirmed by the next night
 * (still changed against the state before) or retracted (back at that state: a one-night
 * blip). */
enum detect_stage {
	DETECT_STAGE_NONE = 0,
	DETECT_STAGE_SUSPECTED,
	DETECT_STAGE_CONFIRMED,
	DETECT_STAGE_RETRACTED,
};

struct detect_outcome {
	enum detect_verdict verdict;
	int hard_change;	 /* a hard signal changed */
	double confidence;	 /* 0..1: how sure "changed" is (1 - p or margin based) */
	char summary[512];	 /* one line: what changed, for the run summary and alerts */
	char epoch[64];		 /* epoch ID after tonight */
	int new_epoch;		 /* tonight opened a new epoch */
	int returned_epoch;	 /* tonight matches an earlier epoch again (rollback) */
	enum detect_stage stage; /* suspected and confirmed come with DETECT_CHANGED, retracted
				  * with another verdict */
	int multi_state;	 /* the endpoint serves several known states (epochs); returning
				  * to one is no change */
	char states[128];	 /* their IDs, "e1,e2" (multi_state) */
	int unstable_onset;	 /* unstable tonight and on none of the last min_history nights
				  * of the history: the night to tell (an unstable night after
				  * that is the same episode, reported quietly) */
	char unstable_since[64]; /* unstable: the night the episode began */
	/* retracted: the night whose suspected change tonight withdraws ("" otherwise) */
	char suspected_night[64];
};

struct detect_params; /* opaque; compiled from settings */

/* Validates and compiles detection settings: the config's "detection" section overlaid with a
 * suite's (either may be NULL). Unknown keys are errors naming loc:pointer. */
struct detect_params *detect_params_new(const struct jsonloc *cfg_loc, const json_t *cfg,
					const struct jsonloc *suite_loc, const json_t *suite,
					struct pl_err *err);
void detect_params_free(struct detect_params *p);
/* The refusal classifier detection counts refusals with (the API's flags or its patterns;
 * borrowed from p), for what other modules say of refusals to agree with it. */
struct refusal;
const struct refusal *detect_params_refusal(const struct detect_params *p);

/* Compares tonight with the baseline, judged against the history file (JSON Lines, created
 * when missing; tonight's entry is appended unless dry, or replaces the night's entry when
 * the history has one: a night run again) and the epoch registry beside it
 * (history.h; rewritten with tonight's epoch unless dry). `night_id` names the night (ISO date
 * or a run id). Returns 0 and fills out plus *section (a new JSON object for the report:
 * signals, per-prompt distances, p-values, decision figures), or -1 with err set. */
int detect_evaluate(const struct detect_params *p, const struct sampleset *baseline,
		    const struct sampleset *night, const char *history_path, const char *night_id,
		    int dry, struct detect_outcome *out, json_t **section, struct pl_err *err);

/* The same decision fed one prompt at a time, so a night's answers need never be held
 * together: detect_begin, then detect_add for each prompt, then detect_end once, then
 * detect_run_free. detect_evaluate is exactly this with every baseline prompt added in
 * baseline order, then the night's prompts the baseline lacks. */
struct detect_run; /* opaque */

#define DETECT_NOT_IN_BASELINE ((size_t)-1)

/* Starts a night's detection: n_base is the number of baseline prompts (positions 0..n_base-1
 * in the baseline's own order, the order of baseline->prompts: the position seeds the prompt's
 * permutations). Loads the history (created when missing) and its epoch registry (a bad
 * registry is an error). `p` is borrowed and must outlive
 * the run; history_path and night_id are copied. Returns a new run, or NULL with err set. */
struct detect_run *detect_begin(const struct detect_params *p, size_t n_base,
				const char *history_path, const char *night_id, int dry,
				struct pl_err *err);
/* Adds one prompt. base_index: its position in the baseline, or DETECT_NOT_IN_BASELINE when the
 * baseline lacks it (base is then NULL). night may be NULL or have n == 0 (nothing answered).
 * Prompts arrive in any order, each at most once. Add every baseline prompt, with night NULL
 * when tonight's suite lacks it: the baseline's own rates count the prompts added. A baseline
 * prompt never added counts as not answered tonight but is left out of the per-prompt list
 * (its id is unknown). Nothing of base or night is kept: their texts, samples and logprobs
 * may be freed as soon as this returns. Memory per prompt: its id and a few figures; per night:
 * B permutation sums and one double per answer's latency. A misuse (index out of range or
 * added twice, base NULL) is reported by detect_end. */
void detect_add(struct detect_run *r, size_t base_index, const struct prompt_samples *base,
		const struct prompt_samples *night);
/* Embedding vectors of a prompt's answers (embed.h), dim floats per answer, one row per
 * base->samples[i] and night->samples[i]; borrowed for the call. */
struct detect_vectors {
	size_t dim;
	const float *const *base;
	const float *const *night;
};
/* detect_add with the answers' embeddings, for "distance": "embedding": the prompt's distance
 * is the MMD with the cosine kernel (per pair of answers: 1 - cosine), tested by the same
 * permutations and history. Without every answer's vector (vec NULL, or a row NULL) the
 * prompt's distance sits out the night. Other distances ignore vec. */
void detect_add_embedded(struct detect_run *r, size_t base_index, const struct prompt_samples *base,
			 const struct prompt_samples *night, const struct detect_vectors *vec);
/* 1 when p's "distance" is "embedding": the caller computes the vectors (detect_add_embedded).
 */
int detect_params_embedding(const struct detect_params *p);
/* Adds the pass rates of one baseline prompt's checks (the suite's, borrowed for the call),
 * evaluated on its baseline answers and on tonight's: each check's rate is compared like the
 * other per-prompt rates (detect_rates.c). Checks that skip without a baseline list
 * (similarity) take no part. Call after detect_add for the same prompt; a prompt not in the
 * baseline or not answered tonight is ignored. */
struct check;
void detect_add_checks(struct detect_run *r, size_t base_index, struct check *const *checks,
		       size_t n_checks, const struct prompt_samples *base,
		       const struct prompt_samples *night);
/* Decides, appends tonight's history entry (unless dry or insufficient) and fills out and
 * *section (a new reference), as detect_evaluate does. Call once. Returns 0, or -1 with err
 * set (history write failure, misuse). */
int detect_end(struct detect_run *r, struct detect_outcome *out, json_t **section,
	       struct pl_err *err);
/* Makes detect_end keep tonight's history entry and registry update until detect_commit,
 * so that the caller writes them only once the night's evidence (its signed, registered
 * report) is on disk: a night whose report could not be written never enters the history.
 * Call before detect_end. */
void detect_defer_commit(struct detect_run *r);
/* Writes what detect_end kept (nothing when it kept nothing: dry, insufficient, or not
 * deferred). Returns 0, or -1 with err set. */
int detect_commit(struct detect_run *r, struct pl_err *err);
void detect_run_free(struct detect_run *r); /* NULL-safe */

const char *detect_verdict_name(enum detect_verdict v); /* "no_change", "changed", ... */
const char *detect_stage_name(enum detect_stage s);	/* "none", "suspected", ... */

#endif
