/* stream_sse.c: splits a received text/event-stream body into events (see stream_sse.h). */
#include "stream_sse.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

void sse_stream_init(struct sse_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void sse_stream_release(struct sse_stream *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->events[i].type);
		free(s->events[i].data);
	}
	free(s->events);
	sse_stream_init(s);
}

struct pending {
	struct sbuf type;
	struct sbuf data;
	int has_type;
	int has_data;
};

static void dispatch(struct sse_stream *s, struct pending *pe, int unterminated)
{
	struct sse_event *ev;

	if (pe->has_data) {
		if (s->n == s->alloc) {
			s->alloc = s->alloc ? s->alloc * 2 : 16;
			s->events = xrealloc(s->events, s->alloc * sizeof(*s->events));
		}
		ev = &s->events[s->n++];
		ev->type = xstrdup(pe->has_type && pe->type.len ? pe->type.buf : "message");
		ev->data = sbuf_detach(&pe->data, &ev->data_len);
		ev->unterminated = unterminated;
	}
	sbuf_reset(&pe->type);
	sbuf_reset(&pe->data);
	pe->has_type = pe->has_data = 0;
}

/* One line (without its terminator): a field, a comment, or the blank line. */
static void line(struct sse_stream *s, struct pending *pe, const char *l, size_t n)
{
	const char *colon;
	size_t name_len;
	const char *val;
	size_t val_len;

	if (n == 0) {
		dispatch(s, pe, 0);
		return;
	}
	if (l[0] == ':')
		return;
	colon = memchr(l, ':', n);
	name_len = colon ? (size_t)(colon - l) : n;
	val = colon ? colon + 1 : l + n;
	val_len = colon ? n - name_len - 1 : 0;
	if (val_len && *val == ' ') {
		val++;
		val_len--;
	}
	if (name_len == 4 && !memcmp(l, "data", 4)) {
		if (pe->has_data)
			sbuf_addch(&pe->data, '\n');
		sbuf_add(&pe->data, val, val_len);
		pe->has_data = 1;
	} else if (name_len == 5 && !memcmp(l, "event", 5)) {
		sbuf_reset(&pe->type);
		sbuf_add(&pe->type, val, val_len);
		pe->has_type = 1;
	}
	/* "id", "retry" and unknown fields do not matter to a probe. */
}

void sse_parse(const char *body, size_t len, struct sse_stream *s)
{
	struct pending pe;
	size_t i = 0, start;

	sbuf_init(&pe.type);
	sbuf_init(&pe.data);
	pe.has_type = pe.has_data = 0;
	/* A UTF-8 byte order mark may open the stream. */
	if (len >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len) {
		start = i;
		while (i < len && body[i] != '\n' && body[i] != '\r')
			i++;
		if (i == len) {
			/* The last line has no terminator: the stream was cut. */
			line(s, &pe, body + start, i - start);
			break;
		}
		line(s, &pe, body + start, i - start);
		if (body[i] == '\r' && i + 1 < len && body[i + 1] == '\n')
			i++;
		i++;
	}
	dispatch(s, &pe, 1);
	sbuf_release(&pe.type);
	sbuf_release(&pe.data);
}
