/* check.h: checks applied to each answer: format (json, json_schema), regex, refusals
 * (is_refusal, not_refusal), similarity to the baseline's answers, length bounds.
 *
 * A check is compiled once (at suite load) from its JSON spec and evaluated for every sample.
 * Checks know nothing of HTTP or vendors: they see text, a refusal/block flag, and the
 * baseline's samples of the same prompt.
 *
 * Adding a new check kind (CONTRIBUTING.md lists every file):
 *  1. harness/check_<kind>.c defines `const struct check_ops check_<kind>_ops = { .name = ...}`
 *     with designated initializers; add the file to the checks layer in CMakeLists.txt.
 *  2. Declare it below and add it to the registry in harness/check.c (sorted by name).
 *  3. Table-driven cases in tests/unit/test_check.c (compile: accepted and rejected specs with
 *     the exact located error) and tests/unit/test_check_eval.c (verdicts on answers); a fuzz
 *     target in tests/fuzz/ when the kind parses its own language (as fuzz_check_regex does).
 *  4. A row in README.md's table of check kinds, an entry in harness/plumbline.1 and its keys
 *     in harness/plumbline-suite.5 (tests/integration/test_man_keys.sh checks them).
 *  5. A starter example (example_prompt, example): `plumbline init` puts it in the starter
 *     suite it writes.
 */
#ifndef PL_CHECK_H
#define PL_CHECK_H

#include "err.h"
#include "jsonx.h"

#include <jansson.h>

enum check_verdict {
	CHECK_PASS = 0,
	CHECK_FAIL,
	CHECK_SKIP,  /* not applicable (e.g. similarity with no baseline yet) */
	CHECK_ERROR, /* could not be evaluated (e.g. regex match limit hit): counted apart */
};

/* One answer to check. All borrowed. */
struct check_input {
	const char *text; /* the answer; may contain any bytes but is NUL-terminated */
	size_t len;
	int refused; /* the model refused / the vendor blocked */
	/* The baseline's answers to the same prompt (similarity checks); may be empty. */
	const char *const *baseline;
	size_t n_baseline;
	/* The answer's tool calls, [{"name", "arguments"}...] (probe.h); NULL when none. */
	const json_t *tool_calls;
};

struct check_result {
	enum check_verdict verdict;
	double score;	  /* check-specific: similarity, length, 1/0; NAN if none */
	char detail[256]; /* one line a reviewer reads: why it failed ("" when passed) */
};

struct check;

/* The compiled-check plug-in interface. */
struct check_ops {
	const char *name; /* MUST: the spec's "type" value, e.g. "regex" */
	/* MUST. Compiles spec (an object whose "type" is name); returns private state or NULL
	 * with err set (PL_E_INPUT, naming loc:pointer and the field). */
	void *(*compile)(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			 struct pl_err *err);
	/* MUST. Evaluates one answer. Never fails: problems become CHECK_ERROR with detail. */
	void (*eval)(const void *state, const struct check_input *in, struct check_result *out);
	/* MUST. Frees the state (NULL-safe). */
	void (*release)(void *state);
	/* MAY be NULL. Writes a short label such as "regex match /Paris/i" into buf. */
	void (*describe)(const void *state, char *buf, size_t len);
	/* SHOULD be set (`plumbline init` leaves a kind without them out of its starter suite,
	 * and tests/integration/test_init.sh fails): a starter example, as JSON text.
	 * example_prompt is a suite prompt without "checks"; kinds whose prompts have the same
	 * "id" share that prompt (the first kind's text is used). example is the check spec. */
	const char *example_prompt;
	const char *example;
};

/* Compiles the check spec at loc:pointer. Returns a new check or NULL with err set. */
struct check *check_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err);
void check_eval(const struct check *c, const struct check_input *in, struct check_result *out);
const char *check_kind(const struct check *c);	/* borrowed */
const char *check_label(const struct check *c); /* borrowed, e.g. "regex match /Paris/i" */
/* The check's optional "id" from the spec, else "<kind>#<index>" given at compile; borrowed. */
const char *check_id(const struct check *c);
/* The share of samples that must pass for the (prompt, check) to pass: the spec's optional
 * "min_pass_rate" (0..1), default 1 (every sample). */
double check_min_pass_rate(const struct check *c);
void check_free(struct check *c); /* NULL-safe */

const char *check_verdict_name(enum check_verdict v); /* "pass", "fail", "skip", "error" */
/* The registered check kinds, sorted by name (for `plumbline init` and help texts). */
const struct check_ops *const *check_kinds(size_t *n);

/* The check kinds, one per file (check_<kind>.c); the registry in check.c lists them. */
extern const struct check_ops check_is_refusal_ops;
extern const struct check_ops check_json_ops;
extern const struct check_ops check_json_schema_ops;
extern const struct check_ops check_length_ops;
extern const struct check_ops check_not_refusal_ops;
extern const struct check_ops check_regex_ops;
extern const struct check_ops check_similarity_ops;
extern const struct check_ops check_tool_call_ops;

#endif
