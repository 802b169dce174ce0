/* sbuf.h: a growable, always NUL-terminated byte buffer (git's strbuf, smaller).
 * An sbuf is embedded: sbuf_init / sbuf_release. An empty sbuf (after init, release or detach)
 * owns no memory, so forgetting to release an sbuf that was detached leaks nothing.
 * Allocation failure aborts the process: a harness that cannot allocate a few kilobytes
 * cannot report anything useful either. */
#ifndef PL_SBUF_H
#define PL_SBUF_H

#include "pl.h"

struct sbuf {
	char *buf; /* never NULL after sbuf_init; always NUL-terminated; read-only while cap 0 */
	size_t len;
	size_t cap;
};

/* The empty buffer every empty sbuf points at (git's strbuf_slopbuf); never written. */
extern char sbuf_slopbuf[];
/* An initialised, empty sbuf, as a declaration's initialiser: struct sbuf b = SBUF_INIT; */
#define SBUF_INIT                  \
	{                          \
		sbuf_slopbuf, 0, 0 \
	}

void sbuf_init(struct sbuf *sb);
void sbuf_release(struct sbuf *sb); /* frees; sb may then be sbuf_init'ed again */
void sbuf_reset(struct sbuf *sb);   /* len = 0, keeps the allocation */
/* Cuts sb to its first len bytes (len <= sb->len: git's strbuf_setlen, shrinking only). */
void sbuf_setlen(struct sbuf *sb, size_t len);
void sbuf_grow(struct sbuf *sb, size_t extra);
void sbuf_add(struct sbuf *sb, const void *data, size_t len);
void sbuf_addstr(struct sbuf *sb, const char *s);
void sbuf_addch(struct sbuf *sb, char c);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) PL_PRINTF(2, 3);
/* Hands the buffer to the caller (free() it); sb is left initialised and empty. */
char *sbuf_detach(struct sbuf *sb, size_t *len);

/* xmalloc and friends abort on allocation failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
