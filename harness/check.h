/* check.h: checks applied to each answer: format (json, json_schema), regex, strings (equals,
 * contains, starts_with, ...), refusals (is_refusal, not_refusal), similarity to the baseline's
 * answers (lexical, or by embeddings), length bounds, cost, the judged kinds (rubric,
 * same_meaning) whose verdicts an LLM judge gave before evaluation; and checks of a prompt's
 * answers taken together: latency percentiles.
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
 *
 * Per-prompt kinds (aggregate set: latency). Most kinds judge each answer alone, and a
 * (prompt, check) passes when the share of its answers that passed reaches min_pass_rate. A
 * kind whose bound is on the prompt's answers taken together (a p95 is no answer's property)
 * also sets aggregate: eval still runs on every answer and gives its measure as the score
 * (PASS when measured, SKIP with the reason when not), then aggregate sees every answer's
 * result at once and gives the (prompt, check) verdict, which replaces the pass-rate rule
 * (min_pass_rate is refused for such a kind). To keep the per-answer tallies meaningful,
 * aggregate turns into FAIL exactly the answers behind a failed bound (their detail says
 * why; the report quotes them as failing samples), and into SKIP every measured answer when
 * it skips: so "fail" > 0 if and only if the (prompt, check) failed.
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

/* A judge's verdict on one answer, for the kinds a judge grades (rubric, same_meaning). The
 * judge client asks before evaluation (checks do no I/O) and evaluate hands it over. */
struct check_judged {
	enum check_verdict verdict; /* CHECK_PASS, CHECK_FAIL, or CHECK_SKIP: judge unavailable */
	const char *reason;	    /* the judge's reason, or why it is unavailable; borrowed */
};

/* One answer to check. All borrowed. */
struct check_input {
	const char *text; /* the answer; may contain any bytes but is NUL-terminated */
	size_t len;
	int refused; /* the model refused / the vendor blocked */
	/* The baseline's answers to the same prompt (similarity checks); may be empty. */
	const char *const *baseline;
	size_t n_baseline;
	/* The answer's measures, for latency and cost. Zero (a struct initialised with the fields
	 * above only, as detection's re-evaluation of pass rates does) means unknown: checks of
	 * an unknown measure SKIP, so they never count as a change of pass rate. */
	int has_latency;
	double latency_ms; /* request sent -> last byte, as journaled (replay: as recorded) */
	int has_cost;
	double cost_usd;	  /* at the vendor's prices (config_vendor_cost) */
	const char *cost_unknown; /* when !has_cost, why (e.g. the vendor has no prices); may
				     be NULL */
	/* The judge's verdict on this answer for this check (judged kinds); NULL: none asked. */
	const struct check_judged *judged;
	/* Embeddings (embedding_similarity), computed before evaluation by the commands layer
	 * (embed.h): the answer's vector and the baseline answers' vectors, dim floats each.
	 * embedding is NULL when the answer has none; a baseline row may be NULL. embed_skip
	 * says why there are none ("no \"embeddings\" in the config"); may be NULL. */
	const float *embedding;
	const float *const *baseline_embeddings;
	size_t n_baseline_embeddings;
	size_t dim;
	const char *embed_skip;
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
	/* MAY be NULL; set by per-prompt kinds only (see the top of this file). Called once per
	 * (prompt, check) after eval ran on each of the prompt's n answers, with their results in
	 * sample order (n may be 0); fills out (verdict, score: the prompt's figure or NAN,
	 * detail: set also when passing) and may change verdicts and details in samples as the
	 * top of this file says. Never fails. */
	void (*aggregate)(const void *state, struct check_result *samples, size_t n,
			  struct check_result *out);
	/* MAY be NULL. Writes a short label such as "regex match /Paris/i" into buf. */
	void (*describe)(const void *state, char *buf, size_t len);
	/* SHOULD be set (`plumbline init` leaves a kind without them out of its starter suite,
	 * and tests/integration/test_init.sh fails): a starter example, as JSON text.
	 * example_prompt is a suite prompt without "checks"; kinds whose prompts have the same
	 * "id" share that prompt (the first kind's text is used). example is the check spec. */
	const char *example_prompt;
	const char *example;
	/* MAY be NULL; set by the kinds a judge grades: what to ask it (judge_prompt.h). Fills
	 * *kind (enum judge_kind) and *rubric (JUDGE_RUBRIC's criterion, borrowed from state;
	 * NULL for same_meaning, whose criterion is a baseline answer). */
	void (*judge_ask)(const void *state, int *kind, const char **rubric);
	/* MAY be set (1) by a kind that judges the answer's tool calls: on a prompt without
	 * "tools" no answer has one, so suite_load refuses it (check_needs_tools). */
	int needs_tools;
	/* MAY be NULL; for a needs_tools kind: the tool the answer must call (borrowed from
	 * state), or NULL for any. suite_load refuses a name the prompt's "tools" lack. */
	const char *(*tool_name)(const void *state);
	/* MAY be NULL. What compile found legal but likely wrong (a misspelled schema keyword):
	 * lines "FILE:LINE:COL: FIELD: message", each ending in '\n', borrowed from state; NULL
	 * or "" for none. `plumbline check` prints them as warnings (check_warnings). */
	const char *(*warnings)(const void *state);
};

struct sbuf;
/* Appends s to sb with its control characters visible, as a PCRE2 pattern writes them: tab,
 * newline and carriage return as \t \n \r, any other C0 control, DEL and C1 control as \xHH
 * ("\bParis\b" read from JSON, where \b is a backspace, shows as \x08Paris\x08). For the
 * labels and details that show a pattern. */
void check_visible(struct sbuf *sb, const char *s);
/* For a kind's compile (check_ops.warnings): when pattern, at loc:pointer, has a control
 * character other than tab, newline and carriage return, appends a located warning line to w
 * (JSON's and double-quoted YAML's "\b" is a backspace, not a word boundary: the pattern
 * compiles and fails every night). Returns 1 when it warned, else 0. */
int check_pattern_warn(const struct jsonloc *loc, const char *pointer, const char *pattern,
		       struct sbuf *w);

/* Compiles the check spec at loc:pointer. Returns a new check or NULL with err set. */
struct check *check_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err);
void check_eval(const struct check *c, const struct check_input *in, struct check_result *out);
/* 1 when c's kind judges tool calls (check_ops.needs_tools): its prompt must have tools. */
int check_needs_tools(const struct check *c);
/* The tool c requires its answer to call (check_ops.tool_name; borrowed), or NULL: any tool,
 * or a kind that judges no tool calls. */
const char *check_tool_name(const struct check *c);
/* check_ops.warnings of c: located lines ending in '\n' (borrowed), or NULL when none. */
const char *check_warnings(const struct check *c);
/* 1 when c's kind judges a prompt's answers together (check_ops.aggregate), else 0. */
int check_is_aggregate(const struct check *c);
/* For such a check: the (prompt, check) verdict from the results check_eval gave for each of
 * the prompt's n answers (samples: in/out, see check_ops.aggregate). Returns 0, or -1 (out
 * untouched) when c's kind judges answers one by one. */
int check_aggregate(const struct check *c, struct check_result *samples, size_t n,
		    struct check_result *out);
const char *check_kind(const struct check *c); /* borrowed */
/* Borrowed, e.g. "regex match /Paris/i"; its control characters are made visible
 * (check_visible): a label is shown in every rendering. */
const char *check_label(const struct check *c);
/* The check's optional "id" from the spec, else "<kind>#<index>" given at compile; borrowed. */
const char *check_id(const struct check *c);
/* The share of samples that must pass for the (prompt, check) to pass: the spec's optional
 * "min_pass_rate" (0..1), default 1 (every sample). Per-prompt kinds refuse the key. */
double check_min_pass_rate(const struct check *c);
void check_free(struct check *c); /* NULL-safe */
/* 1 when a judge grades c (its kind sets judge_ask), with *kind (enum judge_kind) and *rubric
 * (NULL for same_meaning) filled; else 0. */
int check_judge_ask(const struct check *c, int *kind, const char **rubric);

const char *check_verdict_name(enum check_verdict v); /* "pass", "fail", "skip", "error" */
/* The registered check kinds, sorted by name (for `plumbline init` and help texts). */
const struct check_ops *const *check_kinds(size_t *n);

/* The check kinds, one per file (check_<kind>.c); the registry in check.c lists them. */
extern const struct check_ops check_cost_ops;
extern const struct check_ops check_contains_ops; /* check_string.c, with the six below */
extern const struct check_ops check_contains_all_ops;
extern const struct check_ops check_contains_any_ops;
extern const struct check_ops check_equals_ops;
extern const struct check_ops check_icontains_ops;
extern const struct check_ops check_not_contains_ops;
extern const struct check_ops check_starts_with_ops;
extern const struct check_ops check_embedding_similarity_ops;
extern const struct check_ops check_is_refusal_ops;
extern const struct check_ops check_json_ops;
extern const struct check_ops check_json_schema_ops;
extern const struct check_ops check_latency_ops;
extern const struct check_ops check_length_ops;
extern const struct check_ops check_not_refusal_ops;
extern const struct check_ops check_regex_ops;
extern const struct check_ops check_rubric_ops;
extern const struct check_ops check_same_meaning_ops;
extern const struct check_ops check_similarity_ops;
extern const struct check_ops check_tool_call_ops;

#endif
