/* sampleset.h: the answers of one vendor/model to one suite, grouped by prompt. The same shape
 * holds a stored baseline and tonight's run, so checks and detection compare like with like.
 * Everything in a sampleset is owned by it (sampleset_free releases it all). */
#ifndef PL_SAMPLESET_H
#define PL_SAMPLESET_H

#include "err.h"

#include <jansson.h>

struct probe_answer;

struct sample {
	char *text; /* "" for an empty answer; never NULL */
	int refused;
	int blocked;
	char *finish_reason; /* may be NULL */
	char *model;	     /* returned model; may be NULL */
	char *fingerprint;   /* may be NULL */
	long prompt_tokens;  /* -1 unknown */
	long completion_tokens;
	double latency_ms;
	double ttft_ms;	  /* -1 unknown */
	json_t *headers;  /* kept version/rate-limit headers {name: value}; owned; may be NULL */
	json_t *logprobs; /* owned; may be NULL */
};

struct prompt_samples {
	char *prompt_id;
	struct sample *samples; /* answers only: faults are not samples */
	size_t n;
	size_t faults; /* requests for this prompt that ended in a vendor fault */
	char *fault_kinds; /* comma-separated distinct fault names, or NULL */
};

struct sampleset {
	char *vendor;
	char *model; /* the configured model */
	char *suite;
	struct prompt_samples *prompts; /* in suite order */
	size_t n_prompts;
};

struct sampleset *sampleset_new(const char *vendor, const char *model, const char *suite);
void sampleset_free(struct sampleset *s); /* NULL-safe */
/* Finds or appends the prompt's group; returns it (owned by s). */
struct prompt_samples *sampleset_prompt(struct sampleset *s, const char *prompt_id);
const struct prompt_samples *sampleset_find(const struct sampleset *s, const char *prompt_id);
/* Appends a sample copied from a normalised answer (which must not be a fault). */
void sampleset_add_answer(struct prompt_samples *ps, const struct probe_answer *a);
void sample_release(struct sample *s);

#endif
