/* fuzz_baseline.c: libFuzzer target for baseline_load: a hand-edited or damaged baseline loads
 * or fails cleanly; one that loads serialises again and reloads to the same bytes. */
#include "baseline.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("in", data, size);
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *s = baseline_load(path, &err), *s2 = NULL;
	char *t1 = NULL, *t2 = NULL;

	if (!s) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	/* What loads must survive its own round trip: the serialiser and the loader agree. */
	t1 = baseline_serialize(s, "2026-01-01T00:00:00Z");
	if (!t1)
		abort();
	path = fuzz_put("in", (const uint8_t *)t1, strlen(t1));
	s2 = baseline_load(path, &err);
	if (!s2)
		abort();
	t2 = baseline_serialize(s2, "2026-01-01T00:00:00Z");
	if (!t2 || strcmp(t1, t2) != 0)
		abort();
	free(t1);
	free(t2);
	sampleset_free(s);
	sampleset_free(s2);
	return 0;
}
