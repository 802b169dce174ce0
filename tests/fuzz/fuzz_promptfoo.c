/* fuzz_promptfoo.c: libFuzzer target for the promptfoo importer: any YAML config converts to a
 * suite object (every prompt with an id and a prompt or messages) or fails with a located
 * error; skip lines always end in "; skipped", never crash, leak or hang. */
#include "jsonpos.h"
#include "promptfoo.h"
#include "yamljson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf idx = SBUF_INIT, notes = SBUF_INIT;
	struct jsonloc loc;
	json_t *root, *suite, *p;
	size_t skipped = 0, i, lines = 0;
	const char *l;

	jsonpos_index_init(&idx);
	root = yamljson_parse("pf.yaml", (const char *)data, size, &idx, &err);
	if (!root) {
		if (!err.msg[0])
			abort();
		goto out;
	}
	loc.file = "pf.yaml";
	loc.text = idx.buf;
	loc.text_len = idx.len;
	suite = promptfoo_convert(&loc, root, "s", NULL, &notes, &skipped, &err);
	if (!suite && !err.msg[0])
		abort();
	json_array_foreach(json_object_get(suite, "prompts"), i,
			   p) if (!json_is_string(json_object_get(p, "id")) ||
				  !(json_is_string(json_object_get(p, "prompt")) ||
				    json_is_array(json_object_get(p, "messages")))) abort();
	for (l = notes.buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n');

		if (!end)
			abort(); /* every line ends */
		lines += (size_t)(end - l) > 9 && !memcmp(end - 9, "; skipped", 9);
	}
	if (lines != skipped)
		abort();
	json_decref(suite);
	json_decref(root);
out:
	sbuf_release(&idx);
	sbuf_release(&notes);
	return 0;
}
