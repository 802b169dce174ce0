/* stream_ndjson.h: newline-delimited JSON (application/x-ndjson), as Ollama streams it.
 *
 * Splits a whole received body into its lines (LF or CRLF); blank lines are skipped. The
 * lines point into the body (borrowed, not NUL-terminated). A last line without its newline
 * is flagged `unterminated` so a probe can tell a cut stream from a complete one. */
#ifndef PL_STREAM_NDJSON_H
#define PL_STREAM_NDJSON_H

#include "pl.h"

struct ndjson_line {
	const char *text; /* into the body; not NUL-terminated */
	size_t len;
	int unterminated;
};

struct ndjson_stream {
	struct ndjson_line *lines;
	size_t n;
	size_t alloc;
};

void ndjson_stream_init(struct ndjson_stream *s);
/* Appends the lines of body[0..len) to s. Never fails. */
void ndjson_parse(const char *body, size_t len, struct ndjson_stream *s);
void ndjson_stream_release(struct ndjson_stream *s); /* NULL-safe */

#endif
