/* fuzz_suite.c: libFuzzer target for suite_load (which compiles every check: regexes, JSON
 * Schemas): any bytes load or fail with a located error, never crash, leak or hang. */
#include "fuzz_file.h"
#include "suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("in", data, size);
	struct pl_err err = PL_ERR_INIT;
	struct suite *s = suite_load(path, &err);
	size_t i;

	if (!s && !err.msg[0])
		abort();
	for (i = 0; s && i < s->n_prompts; i++)
		if (!s->prompts[i].id || !s->prompts[i].n_messages)
			abort();
	suite_free(s);
	return 0;
}
