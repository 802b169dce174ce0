/* yamljson.h: YAML files read as JSON values (YAML 1.2, core schema), each value's line:column
 * kept in a jsonpos index, so a YAML suite's errors name FILE:LINE:COL and the field exactly as
 * a JSON suite's do (see jsonpos.h: a struct jsonloc whose text is the index).
 *
 * Mappings become objects (keys are scalars; a duplicate key is an error), sequences arrays.
 * Plain scalars are typed by the core schema: null, ~ and the empty value are null;
 * true/false (also True, TRUE, ...) booleans; 12, -3, 0x1F, 0o17 integers; 1.5, 2e3 numbers;
 * anything else (and every quoted or block scalar) is a string, backslashes kept as written.
 * Tags: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq and the non-specific "!" only.
 * Anchors and aliases are supported (an alias is a copy of its anchor's value; errors inside
 * it point at the alias); "<<" merge keys are not (YAML 1.1): "<<" is an ordinary key.
 * .inf and .nan are refused (JSON has no such numbers), and so is a file with more than one
 * document. */
#ifndef PL_YAMLJSON_H
#define PL_YAMLJSON_H

#include "err.h"
#include "jsonx.h"
#include "sbuf.h"

#include <jansson.h>

/* True when path ends in ".yaml" or ".yml" (any case). */
int yamljson_is_yaml(const char *path);

/* Parses the one YAML document in text (len bytes, need not be NUL-terminated) into a new
 * reference, and appends to idx (an sbuf the caller initialised with jsonpos_index_init) where
 * each value stood. file names the text in messages. Returns NULL with err set (PL_E_INPUT,
 * "FILE:LINE:COL" or "FILE:LINE:COL: FIELD") on a syntax error, a second document, a
 * duplicate key, an unsupported tag, an unknown alias, nesting deeper than 128 or more than
 * 100000 values copied by aliases. */
json_t *yamljson_parse(const char *file, const char *text, size_t len, struct sbuf *idx,
		       struct pl_err *err);

/* Like jsonfile_load for a YAML file: f->root is the converted document, and f->text and
 * f->loc.text hold its position index instead of the YAML text, so json_fail(&f->loc, ...)
 * and a copy of the text kept for later errors work as for JSON. */
int yamljson_load(struct jsonfile *f, const char *path, size_t max_bytes, struct pl_err *err);

/* Appends v as one YAML document to out, in block style, which yamljson_parse reads back
 * equal: strings the core schema would type otherwise ("12", "true", "") are quoted, text on
 * several lines is a literal block, reals keep a '.' ("3.0"). */
void yamljson_emit(const json_t *v, struct sbuf *out);

#endif
