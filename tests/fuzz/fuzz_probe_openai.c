/* fuzz_probe_openai.c: libFuzzer target for probe_openai's parse (see fuzz_probe.h). */
#include "fuzz_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct probe_target t = { .base_url = "http://x",
					.model = "m",
					.api = (size && (data[0] & 0x08)) ? "responses" : NULL };

	fuzz_probe(&probe_openai, &t, data, size);
	return 0;
}
