/* sampleset.h: the answers of one vendor/model to one suite, grouped by prompt. The same shape
 * holds a stored baseline and tonight's run, so checks and detection compare like with like.
 * Everything in a sampleset is owned by it (sampleset_free releases it all). */
#ifndef PL_SAMPLESET_H
#define PL_SAMPLESET_H

#include "err.h"
#include "hash.h"

#include <jansson.h>

struct probe_answer;

struct sample {
	int index;  /* sample number within the prompt (stable order) */
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
	/* the answer's tool calls [{"name", "arguments"}...] as the probe extracted them
	 * (probe.h); owned; NULL when it called none */
	json_t *tool_calls;
};

struct prompt_samples {
	char *prompt_id;
	struct sample *samples; /* answers only: faults are not samples */
	size_t n;
	size_t faults; /* requests for this prompt that ended in a vendor fault */
	/* ... of which the vendor is not to blame for (auth: our key; bad_request: our config;
	 * content_filter: the vendor answered, with a refusal): availability leaves them out */
	size_t own_faults;
	/* ... of which were never sent: the vendor had been given up (authentication failed,
	 * declared down, its time budget ran out) before their turn */
	size_t not_sent;
	size_t own_not_sent; /* ... counted in both own_faults and not_sent (auth failed) */
	/* HTTP requests sent after each request's first (its attempts - 1, summed): the
	 * prompt's share of its vendor's retries */
	size_t retries;
	char *fault_kinds; /* comma-separated distinct fault names, or NULL */
	/* a baseline's: the prompt's request hash when recorded (suite_request_hash), "" when
	 * unknown (baselines recorded before it was kept) */
	char request_sha256[65];
};

struct sampleset {
	char *vendor;
	char *model; /* the configured model */
	char *suite;
	char *night; /* a baseline's night (baseline record --date YYYY-MM-DD); may be NULL */
	struct prompt_samples *prompts; /* in suite order */
	size_t n_prompts;
	/* Private: prompt id -> position, kept by sampleset_prompt so lookups stay O(1) for
	 * suites of thousands of prompts. */
	struct hmap index;
};

struct sampleset *sampleset_new(const char *vendor, const char *model, const char *suite);
void sampleset_free(struct sampleset *s); /* NULL-safe */
/* Releases what a prompt's group owns and zeroes it (NULL-safe). For groups held outside a
 * sampleset (the nightly run hands them over one at a time). */
void prompt_samples_release(struct prompt_samples *ps);
/* Finds or appends the prompt's group; returns it (owned by s). */
struct prompt_samples *sampleset_prompt(struct sampleset *s, const char *prompt_id);
const struct prompt_samples *sampleset_find(const struct sampleset *s, const char *prompt_id);
/* Appends a sample copied from a normalised answer (which must not be a fault). */
void sampleset_add_answer(struct prompt_samples *ps, int index, const struct probe_answer *a);
/* Counts a request that ended in a fault; sent 0: it was given up without being sent (a
 * journal record with attempts 0). */
void sampleset_add_fault(struct prompt_samples *ps, const char *fault_name, int sent);
/* A request's final result, after attempts HTTP requests (0: never sent): its answer
 * (sampleset_add_answer) or its fault (sampleset_add_fault), and its retries. */
void sampleset_add_result(struct prompt_samples *ps, int index, int attempts,
			  const struct probe_answer *a);
/* Sorts every prompt's samples by index (answers arrive in completion order). */
void sampleset_sort(struct sampleset *s);

/* Reads a journal and groups its final records by (vendor, suite) into new samplesets
 * (*out is a new array of n new samplesets; model left NULL for the caller to set).
 * Returns 0, or -1 with err set. */
int sampleset_from_journal(const char *journal_path, struct sampleset ***out, size_t *n,
			   struct pl_err *err);
/* The answer as detection compares it: the text, then one line per tool call,
 * "\n[tool_call] NAME ARGUMENTS" with the arguments in RFC 8785 form (canon.h), so a vendor
 * that stops calling a tool or changes an argument gives another answer. Without calls: a copy
 * of the text. A new string. */
char *sample_answer_text(const struct sample *s);
/* Sample <-> JSON as stored in baselines. */
json_t *sample_to_json(const struct sample *s);
int sample_from_json(const json_t *o, struct sample *s, struct pl_err *err);
void sample_release(struct sample *s);

#endif
