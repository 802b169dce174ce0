/* fuzz_journal.c: libFuzzer target for the results journal readers (journal_read and
 * sampleset_from_journal), which `run --resume` and the evaluation feed with whatever a killed
 * run left on disk: a torn or damaged journal loads or fails cleanly. */
#include "fuzz_file.h"
#include "journal.h"
#include "sampleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_rec(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	(void)err;
	if (!r->vendor || !r->suite || !r->prompt || !r->answer)
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_put("in", data, size);
	struct pl_err err = PL_ERR_INIT;
	json_t *header = NULL;
	struct sampleset **sets = NULL;
	size_t n = 0, i, recs = 0;

	if (journal_read(path, count_rec, &recs, &header, &err) < 0 && !err.msg[0])
		abort();
	json_decref(header);
	pl_err_init(&err);
	if (sampleset_from_journal(path, &sets, &n, &err) == 0) {
		for (i = 0; i < n; i++)
			sampleset_free(sets[i]);
		free(sets);
	} else if (!err.msg[0]) {
		abort();
	}
	return 0;
}
