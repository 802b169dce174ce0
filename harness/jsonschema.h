/* jsonschema.h: a JSON Schema validator (Draft 2020-12 and draft-07) over jansson.
 *
 * A schema is compiled once (jsonschema_compile) into an immutable object that validates any
 * number of instances (jsonschema_validate), also from several threads at once. The schema's
 * "$schema" chooses the draft (draft-07 when it names draft-07, else 2020-12 unless the options
 * say otherwise).
 *
 * References: "$ref", "$dynamicRef", "$anchor", "$dynamicAnchor", "$id" (and draft-07's "#name"
 * ids) are resolved at compile time within the schema; a reference to another document is
 * loaded through the optional loader, and without one it is a compile error. "format" is an
 * annotation unless format_assert is set (then date-time, date, time, email, hostname, ipv4,
 * ipv6, uuid and uri are checked; other formats stay annotations).
 *
 * "pattern" and "patternProperties" use PCRE2, configured to act like ECMA-262 regexes as far
 * as it goes: UTF-8 code points; \d and \w ASCII as in ECMA; \s rewritten to ECMA's white space
 * and line terminator set; "$" only at the very end; "[^]" any character; \uHHHH and \u{H..}
 * escapes. Differences left: PCRE2 accepts syntax ECMA rejects (possessive quantifiers, atomic
 * groups, \A \Z, (?i) inline flags), lookbehind must have bounded length, \S inside a character
 * class keeps PCRE2's ASCII meaning, "." excludes the Unicode newlines VT, FF and NEL too.
 *
 * Ownership: the schema and instance are borrowed; compile keeps its own references to what it
 * needs (the caller may drop its schema after compiling). */
#ifndef PL_JSONSCHEMA_H
#define PL_JSONSCHEMA_H

#include "err.h"

#include <jansson.h>

enum jsonschema_draft {
	JSONSCHEMA_DRAFT_DEFAULT = 0,
	JSONSCHEMA_DRAFT_2020_12,
	JSONSCHEMA_DRAFT_7
};

struct jsonschema_opts {
	enum jsonschema_draft draft; /* when the schema has no "$schema"; default 2020-12 */
	int format_assert;	     /* check the formats listed above */
	/* MAY be NULL. Loads the document at an absolute URI (no fragment) for a reference the
	 * schema does not contain; returns a new reference, or NULL with err set. */
	json_t *(*load)(void *ctx, const char *uri, struct pl_err *err);
	void *load_ctx;
};

#define JSONSCHEMA_MAX_ERRORS 16

struct jsonschema_error {
	char path[200];	  /* JSON Pointer into the instance ("" = the root) */
	char keyword[32]; /* the failing keyword, e.g. "type" */
	char msg[200];	  /* "expected number, got string" */
};

struct jsonschema_result {
	int valid;
	size_t n_errors; /* errors found (stops growing once the cap is reached) */
	struct jsonschema_error errors[JSONSCHEMA_MAX_ERRORS];
	/* "" when every keyword was evaluated; else the first one that could not be ("/s: regex
	 * /^(a+)+$/ not evaluated: match limit exceeded"): a "pattern" or "patternProperties"
	 * regex that hit its match limit. valid then says nothing: the instance is neither
	 * valid nor invalid (a check's verdict "error"). */
	char unevaluated[256];
};

struct jsonschema;

/* Compiles schema (an object or a boolean). opts may be NULL. Returns a new schema or NULL with
 * err set: PL_E_INPUT with err->where = the JSON Pointer of the offending part of the schema
 * ("" for the root) and err->msg saying what is wrong. */
struct jsonschema *jsonschema_compile(const json_t *schema, const struct jsonschema_opts *opts,
				      struct pl_err *err);

/* Validates instance. Returns 1 when valid, 0 when not. res may be NULL (then validation stops
 * at the first failure); otherwise it receives the errors, up to JSONSCHEMA_MAX_ERRORS, and
 * res->unevaluated says when the answer could not be decided (callers check it first). */
int jsonschema_validate(const struct jsonschema *s, const json_t *instance,
			struct jsonschema_result *res);

/* Formats one error as "/items/2/price: expected number, got string (type)". */
const char *jsonschema_error_str(const struct jsonschema_error *e, char *buf, size_t len);

void jsonschema_free(struct jsonschema *s); /* NULL-safe */

/* Likely misspellings. An unknown keyword is legal (an annotation) and checks nothing, so
 * "requried" or "propeties" silently validate less than the author meant. For each key of a
 * subschema (the root, and what properties, items, allOf, $defs... hold) that no draft knows
 * and that is within Damerau-Levenshtein distance 2 (1 for a keyword of 4 letters or fewer)
 * of a keyword of the subschema's draft ("$schema", else opts' draft), calls fn with the key's
 * JSON Pointer in schema (e.g. "/properties/a/requried"), the key and the closest keyword.
 * Keys far from every keyword ("x-note", "nullable") are not reported. Arguments borrowed; fn's
 * strings are valid during the call. opts may be NULL. */
typedef void (*jsonschema_typo_fn)(void *ctx, const char *pointer, const char *key,
				   const char *keyword);
void jsonschema_typos(const json_t *schema, const struct jsonschema_opts *opts,
		      jsonschema_typo_fn fn, void *ctx);

/* jsonschema_typos as the warnings `plumbline check` prints, for every schema a suite carries
 * (a json_schema or tool_call check's, a tool's "parameters", a "response_schema"): for each
 * likely misspelling, one line "FILE:LINE:COL: FIELD: unknown schema keyword \"K\" (did you
 * mean \"KW\"?): JSON Schema ignores unknown keywords, so it checks nothing\n" appended to
 * out, located in loc's file (jsonpos_where) at pointer, the schema's JSON Pointer there,
 * followed by the key's pointer in the schema. schema may be NULL or not an object (nothing
 * to say). Arguments borrowed; opts may be NULL. */
struct jsonloc;
struct sbuf;
void jsonschema_typo_lines(const json_t *schema, const struct jsonschema_opts *opts,
			   const struct jsonloc *loc, const char *pointer, struct sbuf *out);

#endif
