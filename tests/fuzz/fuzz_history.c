/* fuzz_history.c: libFuzzer target for history_load (the nightly statistics that detection
 * trusts): torn or damaged lines are skipped, never crash; every record kept is an object. */
#include "fuzz_file.h"
#include "history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("in", data, size);
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *r;
	size_t skipped = 0, i;

	if (history_load(path, &recs, &skipped, &err) < 0) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	json_array_foreach(recs, i, r) if (!json_is_object(r)) abort();
	json_decref(recs);
	return 0;
}
