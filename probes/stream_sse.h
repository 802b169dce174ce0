/* stream_sse.h: Server-Sent Events (text/event-stream) split into events, for the probes that
 * stream over SSE (OpenAI chat and responses, Anthropic, Gemini alt=sse).
 *
 * The parser works on a whole received body (the runner buffers it). It follows the WHATWG
 * event-stream rules: lines end with CRLF, LF or CR; "field: value" (one leading space
 * stripped); lines starting with ':' are comments; several data lines join with '\n'; a blank
 * line dispatches the event; unknown fields and lines without a field are ignored. An event cut
 * off by the end of the body is still returned, flagged `unterminated`, so a probe can tell a
 * truncated stream from a complete one. Events with no data line are dropped (as browsers do). */
#ifndef PL_STREAM_SSE_H
#define PL_STREAM_SSE_H

#include "pl.h"

struct sse_event {
	char *type; /* the "event:" field; "message" when absent */
	char *data; /* data lines joined by '\n'; never NULL */
	size_t data_len;
	int unterminated; /* the body ended before this event's blank line */
};

struct sse_stream {
	struct sse_event *events;
	size_t n;
	size_t alloc;
};

void sse_stream_init(struct sse_stream *s);
/* Appends the events found in body[0..len) to s. Never fails (bad bytes become data). */
void sse_parse(const char *body, size_t len, struct sse_stream *s);
void sse_stream_release(struct sse_stream *s); /* NULL-safe; s may be reused after init */

#endif
