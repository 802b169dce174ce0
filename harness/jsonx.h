/* jsonx.h: strict, located reading of user-written JSON files (config, suites, baselines).
 * Every error names FILE:LINE:COL and the field in dotted form, and says what was expected. */
#ifndef PL_JSONX_H
#define PL_JSONX_H

#include "err.h"

#include <jansson.h>

/* Helpers for strict object parsing, shared with suite.c and the sections' owners.
 * Each checks that obj is an object whose keys are all in `allowed` (NULL-terminated);
 * on an unknown key it fails naming it and listing what is allowed. */
struct jsonloc {
	const char *file;
	const char *text;
	size_t text_len;
};
int json_check_keys(const struct jsonloc *loc, const char *pointer, const json_t *obj,
		    const char *const *allowed, struct pl_err *err);
/* Typed getters: key absent -> default (or error if required); wrong type -> error naming the
 * field and the expected type. The string getter returns a new copy (NULL if absent). */
int json_get_str(const struct jsonloc *loc, const char *pointer, const json_t *obj, const char *key,
		 int required, char **out, struct pl_err *err);
int json_get_int(const struct jsonloc *loc, const char *pointer, const json_t *obj, const char *key,
		 long long min, long long max, long long def, long long *out, struct pl_err *err);
int json_get_num(const struct jsonloc *loc, const char *pointer, const json_t *obj, const char *key,
		 double min, double max, double def, double *out, struct pl_err *err);
int json_get_bool(const struct jsonloc *loc, const char *pointer, const json_t *obj,
		  const char *key, int def, int *out, struct pl_err *err);
/* Fails with "FILE:L:C: field: MSG" for the value at pointer/key (key may be NULL). */
int json_fail(const struct jsonloc *loc, const char *pointer, const char *key, struct pl_err *err,
	      const char *fmt, ...) PL_PRINTF(5, 6);
/* Parses text as JSON; syntax errors name FILE:LINE:COL. Returns a new reference or NULL. */
json_t *json_parse_text(const struct jsonloc *loc, struct pl_err *err);

/* "an object", "a string", ... for messages. */
const char *json_type_name(const json_t *v);

/* A JSON file read whole, with what error messages need to point into it. */
struct jsonfile {
	char *path;
	char *text;
	size_t len;
	json_t *root;	    /* owned */
	struct jsonloc loc; /* points into path/text */
};

/* Reads and parses path (at most max_bytes); a leading UTF-8 byte order mark is dropped
 * (text then starts after it). Returns 0, or -1 with err set (PL_E_INPUT for a missing or
 * malformed file, naming FILE:LINE:COL). */
int jsonfile_load(struct jsonfile *f, const char *path, size_t max_bytes, struct pl_err *err);
void jsonfile_release(struct jsonfile *f);

#endif
