/* fuzz_stream_ndjson.c: libFuzzer target for the NDJSON splitter: lines stay inside the input
 * and never contain a newline. */
#include "stream_ndjson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ndjson_stream s;
	const char *b = (const char *)data;
	size_t i;

	ndjson_stream_init(&s);
	ndjson_parse(b, size, &s);
	for (i = 0; i < s.n; i++)
		if (s.lines[i].text < b || s.lines[i].text + s.lines[i].len > b + size ||
		    memchr(s.lines[i].text, '\n', s.lines[i].len))
			abort();
	ndjson_stream_release(&s);
	return 0;
}
