/* fuzz_stream_sse.c: libFuzzer target for the SSE splitter: any bytes split without a crash,
 * and every event's data is exactly data_len bytes long. */
#include "stream_sse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sse_stream s;
	size_t i;

	sse_stream_init(&s);
	sse_parse((const char *)data, size, &s);
	for (i = 0; i < s.n; i++)
		if (!s.events[i].type || !s.events[i].data || s.events[i].data_len > size ||
		    s.events[i].data[s.events[i].data_len] != '\0')
			abort();
	sse_stream_release(&s);
	return 0;
}
