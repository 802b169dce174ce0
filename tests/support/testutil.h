/* testutil.h: small helpers shared by the unit tests (temp dirs and files). */
#ifndef PL_TESTUTIL_H
#define PL_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Creates a fresh temporary directory; returns a static buffer (one per call site use). */
char *tu_tmpdir(void);
/* Writes text to dir/name (creating dir/...); returns the malloc'ed path. */
char *tu_write(const char *dir, const char *name, const char *text);
/* Reads a whole file; returns malloc'ed text or NULL. */
char *tu_read(const char *path, size_t *len);
/* rm -rf dir (best effort). */
void tu_rmrf(const char *dir);
/* PL_FIXTURES "/" rel, in a static buffer. */
const char *tu_fixture(const char *rel);
/* Benchmarks' options: a count in 1..100000, else def. */
int tu_count_arg(const char *s, int def);
/* Whether name is one of the comma-separated list (NULL: every name is). */
int tu_listed(const char *list, const char *name);

#endif
