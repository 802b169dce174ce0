/* fuzz_stream_eventstream.c: libFuzzer target for the AWS event-stream decoder: payloads stay
 * inside the input, and a parse that fails says why. */
#include "stream_eventstream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct es_stream s;
	const char *b = (const char *)data;
	size_t i;
	int rc;

	es_stream_init(&s);
	rc = es_parse(b, size, &s);
	if (rc && !s.error[0])
		abort();
	for (i = 0; i < s.n; i++)
		if (s.frames[i].payload < b ||
		    s.frames[i].payload + s.frames[i].payload_len > b + size)
			abort();
	es_stream_release(&s);
	return 0;
}
