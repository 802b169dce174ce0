/* fuzz_dataset.c: libFuzzer target for the dataset readers and templating. The first byte picks
 * the format (even: CSV, odd: JSON Lines), the rest is the file. Any bytes load or fail with a
 * "FILE:LINE" error, never crash, leak or hang; a loaded dataset has rows whose values are
 * valid text; each row's values, used as templates, expand or fail cleanly. */
#include "dataset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_err err = PL_ERR_INIT;
	struct dataset d;
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0, r, i;
	int rc;

	if (!size)
		return 0;
	if (data[0] & 1)
		rc = dataset_parse_jsonl(&d, "in.jsonl", text, len, &err);
	else
		rc = dataset_parse_csv(&d, "in.csv", text, len, &err);
	if (rc < 0) {
		if (!err.msg[0] || strncmp(err.where, "in.", 3) || d.n_rows)
			abort();
		return 0;
	}
	if (!d.n_rows)
		abort();
	for (r = 0; r < d.n_rows && r < 64; r++) {
		const struct dataset_row *row = &d.rows[r];

		if (!row->line || row->line > len + 1)
			abort();
		for (i = 0; i < row->n && i < 8; i++) {
			struct pl_err e = PL_ERR_INIT;
			struct sbuf sb = SBUF_INIT;

			if (dataset_expand(&d, row, row->values[i], strlen(row->values[i]), &sb,
					   &e) < 0 &&
			    !e.msg[0])
				abort();
			sbuf_release(&sb);
		}
	}
	dataset_release(&d);
	return 0;
}
