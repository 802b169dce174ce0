/* stream_eventstream.c: AWS event-stream frame decoder with CRC checks (see the header). */
#include "stream_eventstream.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ES_PRELUDE 12u
#define ES_MIN	   16u		       /* prelude + message CRC */
#define ES_MAX	   (16u * 1024 * 1024) /* the AWS limit for one message */

void es_stream_init(struct es_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void es_stream_release(struct es_stream *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->frames[i].event_type);
		free(s->frames[i].message_type);
		free(s->frames[i].exception_type);
	}
	free(s->frames);
	es_stream_init(s);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t crc(const unsigned char *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

/* Size of a header value of this type after the type byte, reading a u16 length for the
 * variable types; 0 with *bad set when it does not fit in n bytes. */
static size_t value_size(unsigned type, const unsigned char *p, size_t n, int *bad)
{
	static const size_t fixed[] = { 0, 0, 1, 2, 4, 8, 0, 0, 8, 16 };

	*bad = 0;
	if (type == 6 || type == 7) {
		if (n < 2 || (size_t)(2 + (p[0] << 8 | p[1])) > n) {
			*bad = 1;
			return 0;
		}
		return 2 + (size_t)(p[0] << 8 | p[1]);
	}
	if (type >= ARRAY_SIZE(fixed) || fixed[type] > n) {
		*bad = 1;
		return 0;
	}
	return fixed[type];
}

static int headers(const unsigned char *p, size_t n, struct es_frame *f, struct es_stream *s)
{
	size_t i = 0, nl, vs;
	int bad;

	while (i < n) {
		const unsigned char *name;
		char **slot = NULL;

		nl = p[i++];
		if (nl == 0 || i + nl + 1 > n)
			goto bad;
		name = p + i;
		i += nl;
		vs = value_size(p[i], p + i + 1, n - i - 1, &bad);
		if (bad)
			goto bad;
		if (p[i] == 7) {
			if (nl == 11 && !memcmp(name, ":event-type", 11))
				slot = &f->event_type;
			else if (nl == 13 && !memcmp(name, ":message-type", 13))
				slot = &f->message_type;
			else if ((nl == 15 && !memcmp(name, ":exception-type", 15)) ||
				 (nl == 11 && !memcmp(name, ":error-code", 11)))
				slot = &f->exception_type;
			if (slot && !*slot)
				*slot = xstrndup((const char *)p + i + 3, vs - 2);
		}
		i += 1 + vs;
	}
	return 0;
bad:
	snprintf(s->error, sizeof(s->error), "frame %zu: bad header", s->n);
	return -1;
}

int es_parse(const char *body, size_t len, struct es_stream *s)
{
	const unsigned char *b = (const unsigned char *)body;
	size_t off = 0;

	while (off < len) {
		const unsigned char *p = b + off;
		uint32_t total, hlen;
		struct es_frame f;

		if (len - off < ES_PRELUDE) {
			snprintf(s->error, sizeof(s->error), "frame %zu: cut in its prelude", s->n);
			return -1;
		}
		total = be32(p);
		hlen = be32(p + 4);
		if (crc(p, 8) != be32(p + 8)) {
			snprintf(s->error, sizeof(s->error), "frame %zu: prelude crc mismatch",
				 s->n);
			return -1;
		}
		if (total < ES_MIN || total > ES_MAX || hlen > total - ES_MIN) {
			snprintf(s->error, sizeof(s->error), "frame %zu: bad length", s->n);
			return -1;
		}
		if (total > len - off) {
			snprintf(s->error, sizeof(s->error), "frame %zu: cut (%zu of %u bytes)",
				 s->n, len - off, total);
			return -1;
		}
		if (crc(p, total - 4) != be32(p + total - 4)) {
			snprintf(s->error, sizeof(s->error), "frame %zu: message crc mismatch",
				 s->n);
			return -1;
		}
		memset(&f, 0, sizeof(f));
		if (headers(p + ES_PRELUDE, hlen, &f, s)) {
			free(f.event_type);
			free(f.message_type);
			free(f.exception_type);
			return -1;
		}
		f.payload = body + off + ES_PRELUDE + hlen;
		f.payload_len = total - ES_MIN - hlen;
		if (s->n == s->alloc) {
			s->alloc = s->alloc ? s->alloc * 2 : 16;
			s->frames = xrealloc(s->frames, s->alloc * sizeof(*s->frames));
		}
		s->frames[s->n++] = f;
		off += total;
	}
	return 0;
}
