/* textsim.h: text similarity measures for the similarity check: normalised Levenshtein over
 * Unicode code points (bit-parallel Myers/Hyyrö), token Jaccard and character n-gram cosine.
 *
 * All functions take UTF-8 text with explicit lengths (embedded NULs allowed). Invalid UTF-8
 * bytes are treated as one code point each (U+FFFD would merge distinct bytes; we keep them apart
 * by mapping byte b to the private code point 0x110000 + b). Similarities are in [0, 1]; two
 * empty texts are identical (1). Inputs longer than TEXTSIM_MAX_CP code points are compared on
 * their first TEXTSIM_MAX_CP code points, which bounds time and memory for runaway answers. */
#ifndef PL_TEXTSIM_H
#define PL_TEXTSIM_H

#include "pl.h"

#define TEXTSIM_MAX_CP 200000

/* Decodes up to max code points of s into out (caller-sized, >= max entries); returns the count. */
size_t textsim_decode(const char *s, size_t len, uint32_t *out, size_t max);

/* Levenshtein distance (unit costs) between code point arrays a[0..n) and b[0..m). */
size_t textsim_levenshtein_cp(const uint32_t *a, size_t n, const uint32_t *b, size_t m);

/* 1 - dist / max(len a, len b), lengths in code points. */
double textsim_levenshtein(const char *a, size_t alen, const char *b, size_t blen);

/* |A & B| / |A | B| over the sets of lower-cased tokens. Tokens are maximal runs of characters
 * that are neither whitespace nor punctuation (ASCII punctuation, Unicode General Punctuation
 * and CJK punctuation); lower-casing covers ASCII, Latin-1, Greek and Cyrillic capitals. */
double textsim_jaccard(const char *a, size_t alen, const char *b, size_t blen);

/* Cosine of the count vectors of character n-grams (code points, case kept). A non-empty text
 * shorter than n counts as one gram. n must be >= 1. */
double textsim_ngram_cosine(const char *a, size_t alen, const char *b, size_t blen, int n);

#endif
