/* jsonpos.c: locate a JSON Pointer's value in JSON text, for line:column error messages. */
#include "jsonpos.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *s, *end;
	int line, col;
};

static void adv(struct scan *sc)
{
	if (sc->s >= sc->end)
		return;
	if (*sc->s == '\n') {
		sc->line++;
		sc->col = 1;
	} else if (((unsigned char)*sc->s & 0xC0) != 0x80) {
		sc->col++;
	}
	sc->s++;
}

static void ws(struct scan *sc)
{
	while (sc->s < sc->end && strchr(" \t\r\n", *sc->s) && *sc->s)
		adv(sc);
}

/* Scans a string; when out is non-NULL, copies its raw (still escaped) content, truncated. */
static int str(struct scan *sc, char *out, size_t outlen)
{
	size_t n = 0;

	if (sc->s >= sc->end || *sc->s != '"')
		return -1;
	adv(sc);
	while (sc->s < sc->end && *sc->s != '"') {
		if (*sc->s == '\\') {
			if (out && n + 1 < outlen)
				out[n++] = sc->s[0];
			adv(sc);
			if (sc->s >= sc->end)
				return -1;
		}
		if (out && n + 1 < outlen)
			out[n++] = *sc->s;
		adv(sc);
	}
	if (sc->s >= sc->end)
		return -1;
	adv(sc);
	if (out)
		out[n] = '\0';
	return 0;
}

static int skip_value(struct scan *sc, int depth);

static int skip_container(struct scan *sc, int depth)
{
	char close = *sc->s == '{' ? '}' : ']';
	int obj = close == '}';

	adv(sc);
	ws(sc);
	if (sc->s < sc->end && *sc->s == close) {
		adv(sc);
		return 0;
	}
	for (;;) {
		ws(sc);
		if (obj) {
			if (str(sc, NULL, 0) < 0)
				return -1;
			ws(sc);
			if (sc->s >= sc->end || *sc->s != ':')
				return -1;
			adv(sc);
		}
		if (skip_value(sc, depth + 1) < 0)
			return -1;
		ws(sc);
		if (sc->s >= sc->end)
			return -1;
		if (*sc->s == close) {
			adv(sc);
			return 0;
		}
		if (*sc->s != ',')
			return -1;
		adv(sc);
	}
}

static int skip_value(struct scan *sc, int depth)
{
	if (depth > 512)
		return -1;
	ws(sc);
	if (sc->s >= sc->end)
		return -1;
	if (*sc->s == '"')
		return str(sc, NULL, 0);
	if (*sc->s == '{' || *sc->s == '[')
		return skip_container(sc, depth);
	while (sc->s < sc->end && !strchr(",]} \t\r\n", *sc->s) && *sc->s)
		adv(sc);
	return 0;
}

/* Decodes the next reference token of ptr into tok; returns the rest of ptr or NULL. */
static const char *next_token(const char *ptr, char *tok, size_t len)
{
	size_t n = 0;

	if (*ptr != '/')
		return NULL;
	ptr++;
	while (*ptr && *ptr != '/') {
		char c = *ptr++;

		if (c == '~' && (*ptr == '0' || *ptr == '1'))
			c = *ptr++ == '0' ? '~' : '/';
		if (n + 1 < len)
			tok[n++] = c;
	}
	tok[n] = '\0';
	return ptr;
}

static int descend(struct scan *sc, const char *ptr, int *line, int *col)
{
	char tok[256], key[256];

	for (;;) {
		ws(sc);
		*line = sc->line;
		*col = sc->col;
		if (!*ptr)
			return 0;
		ptr = next_token(ptr, tok, sizeof(tok));
		if (!ptr || sc->s >= sc->end)
			return 0;
		if (*sc->s == '{') {
			int found = 0;

			adv(sc);
			ws(sc);
			while (sc->s < sc->end && *sc->s != '}') {
				if (str(sc, key, sizeof(key)) < 0)
					return -1;
				ws(sc);
				if (sc->s >= sc->end || *sc->s != ':')
					return -1;
				adv(sc);
				if (!strcmp(key, tok)) {
					found = 1;
					break;
				}
				if (skip_value(sc, 0) < 0)
					return -1;
				ws(sc);
				if (sc->s < sc->end && *sc->s == ',') {
					adv(sc);
					ws(sc);
				}
			}
			if (!found)
				return 0;
		} else if (*sc->s == '[') {
			char *endp;
			long idx = strtol(tok, &endp, 10), i;

			if (*endp || idx < 0)
				return 0;
			adv(sc);
			for (i = 0; i < idx; i++) {
				if (skip_value(sc, 0) < 0)
					return -1;
				ws(sc);
				if (sc->s >= sc->end || *sc->s != ',')
					return 0;
				adv(sc);
			}
		} else {
			return 0;
		}
	}
}

#define INDEX_MAGIC "\0jsonpos-index"

void jsonpos_index_init(struct sbuf *idx)
{
	sbuf_add(idx, INDEX_MAGIC, sizeof(INDEX_MAGIC));
}

void jsonpos_index_add(struct sbuf *idx, const char *pointer, int line, int col)
{
	sbuf_add(idx, pointer, strlen(pointer) + 1);
	sbuf_addf(idx, "%d:%d", line, col);
	sbuf_addch(idx, '\0');
}

int jsonpos_is_index(const char *text, size_t len)
{
	return text && len >= sizeof(INDEX_MAGIC) &&
	       !memcmp(text, INDEX_MAGIC, sizeof(INDEX_MAGIC));
}

/* The entry for pointer (exact match), as "LINE:COL", or NULL. */
static const char *index_get(const char *text, size_t len, const char *pointer, size_t plen)
{
	const char *p = text + sizeof(INDEX_MAGIC), *end = text + len, *pos;

	while (p < end) {
		pos = memchr(p, '\0', (size_t)(end - p));
		if (!pos || ++pos >= end)
			return NULL;
		if ((size_t)(pos - 1 - p) == plen && !memcmp(p, pointer, plen))
			return pos;
		p = memchr(pos, '\0', (size_t)(end - pos));
		if (!p)
			return NULL;
		p++;
	}
	return NULL;
}

/* A position "LINE:COL" as jsonpos_index_add writes it, each from 1 to INT_MAX; 0 when the
 * entry is anything else (a damaged index is no position: sscanf's %d would be undefined on
 * a number out of range). */
static int index_pos(const char *at, const char *end, int *line, int *col)
{
	const char *nul = memchr(at, '\0', (size_t)(end - at));
	char *stop;
	long l, c;

	if (!nul || *at < '1' || *at > '9')
		return 0;
	errno = 0;
	l = strtol(at, &stop, 10);
	if (errno || l > INT_MAX || *stop != ':' || stop[1] < '1' || stop[1] > '9')
		return 0;
	c = strtol(stop + 1, &stop, 10);
	if (errno || c > INT_MAX || stop != nul)
		return 0;
	*line = (int)l;
	*col = (int)c;
	return 1;
}

static int index_find(const char *text, size_t len, const char *pointer, int *line, int *col)
{
	size_t plen = strlen(pointer);

	for (;;) {
		const char *at = index_get(text, len, pointer, plen);

		if (at && index_pos(at, text + len, line, col))
			return 0;
		if (!plen)
			return -1;
		while (plen > 0 && pointer[plen - 1] != '/')
			plen--;
		if (plen > 0)
			plen--; /* the parent: drop the last "/token" */
	}
}

int jsonpos_find(const char *text, size_t len, const char *pointer, int *line, int *col)
{
	struct scan sc = { text, text + len, 1, 1 };

	*line = 1;
	*col = 1;
	if (jsonpos_is_index(text, len))
		return index_find(text, len, pointer ? pointer : "", line, col);
	return descend(&sc, pointer ? pointer : "", line, col);
}

static void dotted(char *buf, size_t len, const char *ptr)
{
	char tok[256];
	size_t n = 0;

	buf[0] = '\0';
	while (ptr && *ptr) {
		const char *p;
		int isidx = 1;

		ptr = next_token(ptr, tok, sizeof(tok));
		if (!ptr)
			break;
		for (p = tok; *p; p++)
			if (*p < '0' || *p > '9')
				isidx = 0;
		if (!tok[0])
			isidx = 0;
		if (isidx)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "[%s]", tok);
		else
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "." : "",
					      tok);
		if (n >= len)
			break;
	}
}

const char *jsonpos_where(char *buf, size_t len, const char *file, const char *text,
			  size_t text_len, const char *pointer)
{
	char field[400];
	int line, col;

	dotted(field, sizeof(field), pointer);
	if (text && jsonpos_find(text, text_len, pointer, &line, &col) == 0)
		snprintf(buf, len, "%s:%d:%d%s%s", file, line, col, field[0] ? ": " : "", field);
	else
		snprintf(buf, len, "%s%s%s", file, field[0] ? ": " : "", field);
	return buf;
}

static void push(char *ptr, size_t len, const char *tok, int escape)
{
	size_t n = strlen(ptr);

	if (n + 1 >= len)
		return;
	ptr[n++] = '/';
	for (; *tok && n + 2 < len; tok++) {
		if (escape && (*tok == '~' || *tok == '/')) {
			ptr[n++] = '~';
			ptr[n++] = *tok == '~' ? '0' : '1';
		} else {
			ptr[n++] = *tok;
		}
	}
	ptr[n] = '\0';
}

void jsonpos_push_key(char *ptr, size_t len, const char *key)
{
	push(ptr, len, key, 1);
}

void jsonpos_push_index(char *ptr, size_t len, size_t index)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%zu", index);
	push(ptr, len, tmp, 0);
}

int jsonpos_members(const char *text, size_t len, jsonpos_member_fn fn, void *ctx)
{
	struct scan sc = { text, text + len, 1, 1 };
	char key[256];

	ws(&sc);
	if (sc.s >= sc.end || *sc.s != '{')
		return -1;
	adv(&sc);
	ws(&sc);
	if (sc.s < sc.end && *sc.s == '}')
		return 0;
	for (;;) {
		const char *start;
		int rc;

		ws(&sc);
		if (str(&sc, key, sizeof(key)) < 0)
			return -1;
		ws(&sc);
		if (sc.s >= sc.end || *sc.s != ':')
			return -1;
		adv(&sc);
		ws(&sc);
		start = sc.s;
		if (skip_value(&sc, 0) < 0)
			return -1;
		rc = fn(ctx, key, start, (size_t)(sc.s - start));
		if (rc)
			return rc;
		ws(&sc);
		if (sc.s >= sc.end)
			return -1;
		if (*sc.s == '}')
			return 0;
		if (*sc.s != ',')
			return -1;
		adv(&sc);
	}
}

int jsonpos_elements(const char *text, size_t len, jsonpos_element_fn fn, void *ctx)
{
	struct scan sc = { text, text + len, 1, 1 };
	size_t i;

	ws(&sc);
	if (sc.s >= sc.end || *sc.s != '[')
		return -1;
	adv(&sc);
	ws(&sc);
	if (sc.s < sc.end && *sc.s == ']')
		return 0;
	for (i = 0;; i++) {
		const char *start;
		int rc;

		ws(&sc);
		start = sc.s;
		if (skip_value(&sc, 0) < 0)
			return -1;
		rc = fn(ctx, i, start, (size_t)(sc.s - start));
		if (rc)
			return rc;
		ws(&sc);
		if (sc.s >= sc.end)
			return -1;
		if (*sc.s == ']')
			return 0;
		if (*sc.s != ',')
			return -1;
		adv(&sc);
	}
}
