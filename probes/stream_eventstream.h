/* stream_eventstream.h: AWS event-stream binary frames (application/vnd.amazon.eventstream),
 * as Bedrock ConverseStream sends them.
 *
 * A frame: total length (u32 BE), headers length (u32 BE), prelude CRC32 (of the first 8
 * bytes), headers, payload, message CRC32 (of everything before it). A header: name length
 * (u8), name, value type (u8), value. The parser checks both CRCs and every length; it stops
 * at the first bad or cut frame and says why, keeping the frames before it. */
#ifndef PL_STREAM_EVENTSTREAM_H
#define PL_STREAM_EVENTSTREAM_H

#include "pl.h"

struct es_frame {
	char *event_type;     /* ":event-type" (e.g. "contentBlockDelta"); may be NULL */
	char *message_type;   /* ":message-type": "event", "exception" or "error"; may be NULL */
	char *exception_type; /* ":exception-type" or ":error-code"; may be NULL */
	const char *payload;  /* into the body; not NUL-terminated */
	size_t payload_len;
};

struct es_stream {
	struct es_frame *frames;
	size_t n;
	size_t alloc;
	char error[128]; /* why parsing stopped early; "" when every byte was a good frame */
};

void es_stream_init(struct es_stream *s);
/* Parses body[0..len). Returns 0 when the body is whole, valid frames; -1 with s->error set
 * on a CRC mismatch, a bad length or a cut frame (the frames before it are kept). */
int es_parse(const char *body, size_t len, struct es_stream *s);
void es_stream_release(struct es_stream *s); /* NULL-safe */

#endif
