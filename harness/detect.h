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

struct detect_outcome {
	enum detect_verdict verdict;
	int hard_change;    /* a hard signal changed */
	double confidence;  /* 0..1: how sure "changed" is (1 - p or margin based) */
	char summary[512];  /* one line: what changed, for the run summary and alerts */
	char epoch[64];	    /* epoch ID after tonight */
	int new_epoch;	    /* tonight opened a new epoch */
	int returned_epoch; /* tonight matches an earlier epoch again (rollback) */
};

struct detect_params; /* opaque; compiled from settings */

/* Validates and compiles detection settings: the config's "detection" section overlaid with a
 * suite's (either may be NULL). Unknown keys are errors naming loc:pointer. */
struct detect_params *detect_params_new(const struct jsonloc *cfg_loc, const json_t *cfg,
					const struct jsonloc *suite_loc, const json_t *suite,
					struct pl_err *err);
void detect_params_free(struct detect_params *p);

/* Compares tonight with the baseline, judged against the history file (JSON Lines, created
 * when missing; tonight's entry is appended unless dry). `night_id` names the night (ISO date
 * or a run id). Returns 0 and fills out plus *section (a new JSON object for the report:
 * signals, per-prompt distances, p-values, decision figures), or -1 with err set. */
int detect_evaluate(const struct detect_params *p, const struct sampleset *baseline,
		    const struct sampleset *night, const char *history_path, const char *night_id,
		    int dry, struct detect_outcome *out, json_t **section, struct pl_err *err);

const char *detect_verdict_name(enum detect_verdict v); /* "no_change", "changed", ... */

#endif
