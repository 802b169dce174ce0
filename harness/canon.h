/* canon.h: deterministic JSON text. canon_jcs is RFC 8785 (JSON Canonicalization Scheme), the
 * bytes that are hashed and signed; canon_pretty is the same data laid out for people (sorted
 * keys, two-space indent), byte-identical for the same data on every machine.
 *
 * Both take a borrowed json_t and append to a caller-owned sbuf. Keys are sorted by UTF-16 code
 * units (RFC 8785 3.2.3). Numbers are written as ECMAScript's Number.prototype.toString does:
 * integers without a fraction, other values as the shortest decimal that reads back to the
 * same double ("0.1", "1e+30"). Nothing depends on the locale. */
#ifndef PL_CANON_H
#define PL_CANON_H

#include "err.h"
#include "sbuf.h"

#include <jansson.h>

/* Appends the RFC 8785 form of v to out. Fails (PL_E_INPUT, out left partly written) on a
 * string that is not valid UTF-8 or an integer beyond +-2^53 that a double cannot hold
 * exactly and JCS therefore cannot represent. Returns 0 or -1 with err set. */
int canon_jcs(const json_t *v, struct sbuf *out, struct pl_err *err);

/* Appends the pretty form of v plus a final newline. Same key order, escaping and numbers as
 * canon_jcs, except that integers of any size are written exactly. Returns 0 or -1. */
int canon_pretty(const json_t *v, struct sbuf *out, struct pl_err *err);

/* Writes the ECMAScript shortest round-trip form of a finite double into buf (at least 32
 * bytes). Returns the length, or -1 for NaN/infinity (not JSON). */
int canon_number(double d, char *buf, size_t len);

/* Appends the text of a scalar as JavaScript's String() writes it where a value fills a
 * template: a string as it is, a number as canon_number (0.1, 1, 1e+21; an integer exactly),
 * true or false. Returns 0, or -1 (out untouched) for null, an array or an object. The one
 * formatting of values for dataset rows and promptfoo's vars and assertion values. */
int canon_scalar_text(const json_t *v, struct sbuf *out);

/* Orders two UTF-8 keys by their UTF-16 code units, as RFC 8785 requires. <0, 0, >0. */
int canon_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Convenience: canonicalises v (JCS) and writes it, plus a newline if `newline`, to path with
 * fileio_write_atomic(mode). pretty selects canon_pretty instead. Returns 0 or -1. */
int canon_write_file(const char *path, const json_t *v, int pretty, unsigned mode,
		     struct pl_err *err);

#endif
