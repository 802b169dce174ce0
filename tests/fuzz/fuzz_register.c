/* fuzz_register.c: libFuzzer target for the vendor register's readers: register_load,
 * register_verify with a fixed public key, the summaries `register show` prints, and proof
 * checking. Input: the register's lines, optionally followed by a checkpoint (from the last
 * "plumbline register checkpoint v1" on). A damaged register must fail verification with an
 * error naming the entry, never crash; what register_load accepts must summarise cleanly. */
#include "fuzz_file.h"
#include "register.h"
#include "render.h"

#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The public key of the seed corpus's register (tests/fuzz/corpus/fuzz_register/). */
static const char fuzz_pub[] = "untrusted comment: minisign public key 2F6554ECCAC5268B\n"
			       "RWSLJsXK7FRlL31g4yqCvCY7qsCnOqkMeBeiBjvHbddVFR4kU+8VpQUC\n";

static const uint8_t *last_checkpoint(const uint8_t *data, size_t size)
{
	static const char mark[] = "plumbline register checkpoint v1";
	size_t m = sizeof(mark) - 1, i;

	for (i = size >= m ? size - m + 1 : 0; i-- > 0;)
		if (data[i] == 'p' && memcmp(data + i, mark, m) == 0)
			return data + i;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sign_pub *pub;
	static const struct merkle_hash zero;
	const uint8_t *cp = last_checkpoint(data, size);
	size_t reg_len = cp ? (size_t)(cp - data) : size;
	const char *path;
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct reg_summary *sums = NULL;
	json_t *entries = NULL, *e;
	size_t n = 0, i;
	struct sbuf show;

	if (!pub) {
		pub = sign_pub_load(fuzz_put("pub", (const uint8_t *)fuzz_pub, strlen(fuzz_pub)),
				    &err);
		if (!pub)
			abort();
	}
	fuzz_put("in.checkpoint", cp ? cp : NULL, cp ? size - reg_len : 0);
	path = fuzz_put("in", data, reg_len);
	if (register_verify(path, pub, NULL, &res, &err) < 0) {
		if (!err.msg[0])
			abort();
	} else if (res.entries != res.checkpoint_size) {
		abort();
	}
	pl_err_init(&err);
	if (register_load(path, &entries, &err) == 0) {
		if (register_summarise(entries, (time_t)1800000000, &sums, &n) == 0)
			register_summaries_free(sums, n);
		sbuf_init(&show);
		render_register_show(entries, NULL, (time_t)1800000000, &show);
		sbuf_release(&show);
		json_array_foreach(entries, i, e)
		{
			pl_err_init(&err);
			register_check_proof(e, &zero, 0, &err);
		}
		json_decref(entries);
	} else if (!err.msg[0]) {
		abort();
	}
	return 0;
}
