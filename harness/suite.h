/* suite.h: golden-prompt suites (JSON or YAML files): prompts, sampling plan and checks.
 *
 * A suite is loaded once per run. Its checks are compiled at load (regexes, schemas), so a bad
 * pattern or schema is a suite error (PL_E_INPUT, exit 2) naming FILE:LINE:COL and the field,
 * before any request is sent. */
#ifndef PL_SUITE_H
#define PL_SUITE_H

#include "check.h"
#include "err.h"

#include <jansson.h>

struct message {
	char *role; /* "system", "user" or "assistant" */
	char *content;
};

struct prompt {
	char *id; /* unique in the suite, [A-Za-z0-9._-]+ */
	struct message *messages;
	size_t n_messages;
	double temperature; /* < 0: vendor default */
	int max_tokens;	    /* <= 0: vendor default */
	int has_seed;
	long long seed;
	int samples;	      /* samples per nightly run */
	int baseline_samples; /* samples when recording the baseline */
	int logprobs;	      /* ask for logprobs (where the probe can) */
	int top_logprobs;
	json_t *response_schema; /* ask the vendor for structured output; owned; may be NULL */
	/* Tools the model may call: [{"name", "description"?, "parameters"?}] (the probes'
	 * neutral form, probe.h); owned; NULL for none. tool_choice: "auto", "none", "required"
	 * or {"name": N}; owned; NULL (auto) when not given. */
	json_t *tools;
	json_t *tool_choice;
	/* SHA-256 hex of the canonical JSON of what defines the request (suite_request_hash):
	 * baselines keep it per prompt, so an edited prompt is told from a vendor change */
	char request_sha256[65];
	struct check **checks;
	size_t n_checks;
	/* What loading found legal but likely wrong in the schemas the prompt sends (a
	 * misspelled keyword in a tool's "parameters" or in "response_schema":
	 * jsonschema_typo_lines): lines "FILE:LINE:COL: FIELD: message\n", for `plumbline
	 * check` to print as warnings (its checks' own: check_warnings); owned; NULL for none.
	 * A dataset's rows have the same ones. */
	char *warnings;
	size_t origin; /* its element of the suite's "prompts" (a dataset's rows share it) */
};

struct suite {
	char *id;
	char *path;
	char *description; /* may be NULL */
	struct prompt *prompts;
	size_t n_prompts;
	json_t *detection; /* suite-level detection settings (owned by detect.c); may be NULL */
	char *text; /* the file's text (a YAML suite's position index), for located errors found
		       after loading (detection settings, what a vendor cannot send: suite_where);
		       NULL for a suite built in code */
	size_t text_len;
};

/* The suite file as a jsonloc (borrowed from s). */
struct jsonloc suite_loc(const struct suite *s);

/* "FILE:LINE:COL: FIELD" in buf for the suite key that sets `key` (a prompt key such as
 * "logprobs") for p: the prompt's own key, else the one in "defaults", else the prompt's entry
 * (FIELD still names prompts[N].key). For errors found after loading, as a vendor's probe that
 * cannot send what the prompt asks (plan_build). Returns buf. */
const char *suite_where(const struct suite *s, const struct prompt *p, const char *key, char *buf,
			size_t len);

/* Loads and validates a suite file. Returns a new suite or NULL with err set. */
struct suite *suite_load(const char *path, struct pl_err *err);
void suite_free(struct suite *s); /* NULL-safe */
const struct prompt *suite_prompt(const struct suite *s, const char *id);

/* The request hash of a prompt: SHA-256 (hex) of the RFC 8785 text of
 *   {"logprobs", "max_tokens", "messages": [{"content", "role"}...], "response_schema",
 *    "seed", "temperature", "top_logprobs"}
 * (vendor defaults as null), plus "tools" and "tool_choice" (default "auto") when the prompt
 * has tools: everything a prompt sends, nothing that only judges (checks, samples). Key order in
 * the suite file and number spelling do not matter. suite_load fills prompt->request_sha256 with
 * it. (A schema integer beyond 2^53, which RFC 8785 cannot write, is hashed from jansson's sorted
 * compact text instead: as stable, and never an error.) */
void suite_request_hash(const struct prompt *p, char out[65]);

#endif
