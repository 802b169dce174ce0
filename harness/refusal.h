/* refusal.h: whether an answer is a refusal: the API's own refusal/block flags, or the answer's
 * text opening the way the major vendors' models open a refusal in English ("I'm sorry, but I
 * can't help with that.", "I can't help with ...", "I'm unable to ...", "I cannot provide
 * ..."). A pure function over text; detection (per-prompt refusal rates) and the is_refusal /
 * not_refusal check kinds share it.
 *
 * Patterns are PCRE2, case-insensitive, UTF-8, matched under the same limits as the regex check.
 * The defaults are anchored on the start of the answer (after white space, quotes or markdown
 * emphasis), so an answer that merely mentions inability mid-text ("... I can't stress enough
 * how important backups are") is not a refusal. A user's pattern is matched as written
 * (anchor it with ^ to keep that property). Patterns see the answer's first 400 bytes (its
 * opening: a refusal later in the answer is not one). */
#ifndef PL_REFUSAL_H
#define PL_REFUSAL_H

#include "err.h"
#include "jsonx.h"

#include <jansson.h>
#include <stddef.h>

struct refusal; /* opaque: a compiled pattern list */

/* The built-in pattern list (NULL-terminated; static). */
const char *const *refusal_default_patterns(void);

/* Compiles a pattern list: `replace` (a JSON array of strings, or NULL for the defaults), then
 * `extra` (an array added to it, or NULL). The arrays sit at loc:pointer/replace_key and
 * loc:pointer/extra_key for error messages ("suite.json:4:9: detection.refusal_patterns[2]:
 * invalid regex at offset 3: ..."). An empty list is allowed (only the API flags count).
 * Borrows the arrays. Returns a new list, or NULL with err set (PL_E_INPUT). */
struct refusal *refusal_compile(const struct jsonloc *loc, const char *pointer,
				const char *replace_key, const json_t *replace,
				const char *extra_key, const json_t *extra, struct pl_err *err);
/* Adds the patterns of the array at loc:pointer/key to r. Returns 0, or -1 with err set (r then
 * holds the patterns before the bad one). */
int refusal_extend(struct refusal *r, const struct jsonloc *loc, const char *pointer,
		   const char *key, const json_t *arr, struct pl_err *err);
/* The defaults alone (never fails). */
struct refusal *refusal_new_default(void);
void refusal_free(struct refusal *r); /* NULL-safe */

/* Whether text (len bytes, NUL-terminated) matches one of r's patterns: 1 when one matched, 0
 * when none did (r NULL: 0), -1 when none matched and one could not be evaluated (it hit its
 * match limit): why (may be NULL) then says which ("refusal pattern /^(a+)+$/ not evaluated:
 * match limit exceeded"), else it is "". The is_refusal and not_refusal checks give verdict
 * error on -1. */
int refusal_match(const struct refusal *r, const char *text, size_t len, char *why, size_t whylen);
/* 1 when refusal_match gives 1, else 0: for counting refusals (detection, compare), where an
 * answer no pattern could evaluate is not counted as a refusal. */
int refusal_text(const struct refusal *r, const char *text, size_t len);
/* 1 when the answer is a refusal: the API flagged it (refused, blocked) or its text is one. */
int refusal_is(const struct refusal *r, const char *text, size_t len, int refused, int blocked);
/* The number of patterns in r. */
size_t refusal_count(const struct refusal *r);

#endif
