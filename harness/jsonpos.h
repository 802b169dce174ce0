/* jsonpos.h: where in a JSON text a value stands, for error messages people can act on.
 * jansson reports line and column only for syntax errors; for "wrong type" or "unknown key"
 * errors found after parsing, jsonpos re-scans the text (only on the error path) to find the
 * line and column of the value at a JSON Pointer. */
#ifndef PL_JSONPOS_H
#define PL_JSONPOS_H

#include "pl.h"
#include "sbuf.h"

/* Finds the value at `pointer` (RFC 6901, e.g. "/prompts/3/checks/0") in text. If the last
 * step does not exist, reports the position of the deepest enclosing value found, so an error
 * about a missing key points at the object that lacks it. Lines and columns count from 1.
 * Returns 0 when some position was found, -1 if the text is not JSON. */
int jsonpos_find(const char *text, size_t len, const char *pointer, int *line, int *col);

/* A position index stands in for the text of a file that is not JSON (a YAML suite): its
 * converter records where each value stood, and a struct jsonloc whose text is the index gets
 * located errors exactly like JSON text (jsonpos_find and jsonpos_where read it, so every
 * json_fail caller works unchanged). The index starts with a NUL byte, which JSON text never
 * does, then holds "POINTER\0LINE:COL\0" entries. Lookups fall back to the deepest recorded
 * ancestor, as for JSON text. Pointers are built with jsonpos_push_key/jsonpos_push_index. */
void jsonpos_index_init(struct sbuf *idx); /* idx: an initialised, empty sbuf */
void jsonpos_index_add(struct sbuf *idx, const char *pointer, int line, int col);
int jsonpos_is_index(const char *text, size_t len);

/* Formats "FILE:LINE:COL: FIELD" into buf, FIELD being the pointer in the dotted form people
 * read ("prompts[3].checks[0].pattern"); text may be NULL (then "FILE: FIELD"). Returns buf. */
const char *jsonpos_where(char *buf, size_t len, const char *file, const char *text,
			  size_t text_len, const char *pointer);

/* Appends one reference token to a JSON Pointer, escaping '~' and '/' (RFC 6901). */
void jsonpos_push_key(char *ptr, size_t len, const char *key);
void jsonpos_push_index(char *ptr, size_t len, size_t index);

/* Walks the members of the object at the top of text without building a tree: fn gets each
 * key (raw, still escaped; NUL-terminated, at most 255 bytes) and the exact text of its value.
 * Lets large files be parsed one value at a time (see baseline.c). Returns 0, -1 when text is
 * not an object as far as the scan can tell (the caller then parses it whole for a precise
 * error), or fn's non-zero return. */
typedef int (*jsonpos_member_fn)(void *ctx, const char *key, const char *val, size_t len);
int jsonpos_members(const char *text, size_t len, jsonpos_member_fn fn, void *ctx);
/* The same for the elements of an array: fn gets the index and the element's text. */
typedef int (*jsonpos_element_fn)(void *ctx, size_t index, const char *val, size_t len);
int jsonpos_elements(const char *text, size_t len, jsonpos_element_fn fn, void *ctx);

#endif
