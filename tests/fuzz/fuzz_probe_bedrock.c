/* fuzz_probe_bedrock.c: libFuzzer target for probe_bedrock's parse (see fuzz_probe.h). */
#include "fuzz_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct probe_target t = { .base_url = "http://x",
					.model = "m",
					.region = "us-east-1" };

	fuzz_probe(&probe_bedrock, &t, data, size);
	return 0;
}
