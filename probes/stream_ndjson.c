/* stream_ndjson.c: splits a newline-delimited JSON body into lines (see stream_ndjson.h). */
#include "stream_ndjson.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

void ndjson_stream_init(struct ndjson_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void ndjson_stream_release(struct ndjson_stream *s)
{
	if (!s)
		return;
	free(s->lines);
	ndjson_stream_init(s);
}

static int blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

void ndjson_parse(const char *body, size_t len, struct ndjson_stream *s)
{
	size_t i = 0, start, n;
	const char *nl;

	while (i < len) {
		start = i;
		nl = memchr(body + i, '\n', len - i);
		n = nl ? (size_t)(nl - (body + start)) : len - start;
		i = start + n + (nl ? 1 : 0);
		if (n && body[start + n - 1] == '\r')
			n--;
		if (blank(body + start, n))
			continue;
		if (s->n == s->alloc) {
			s->alloc = s->alloc ? s->alloc * 2 : 16;
			s->lines = xrealloc(s->lines, s->alloc * sizeof(*s->lines));
		}
		s->lines[s->n].text = body + start;
		s->lines[s->n].len = n;
		s->lines[s->n].unterminated = !nl;
		s->n++;
	}
}
