/* fuzz_sign.c: libFuzzer target for the signature and key file parsers an auditor feeds with
 * files they received: the first byte picks minisign public key, secret key (0600 file) or a
 * .minisig verified over fixed data; the rest is the file. Forged input must never verify. */
#include "fuzz_file.h"
#include "sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_pub[] = "untrusted comment: minisign public key 2F6554ECCAC5268B\n"
			       "RWSLJsXK7FRlL31g4yqCvCY7qsCnOqkMeBeiBjvHbddVFR4kU+8VpQUC\n";
/* The data the seed .minisig files sign (tests/fuzz/corpus/fuzz_sign/). */
static const char fuzz_signed[] = "plumbline fuzz corpus\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sign_pub *pub;
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k;
	struct sign_pub *p;
	char *tc = NULL, field[64];

	if (!pub) {
		pub = sign_pub_load(fuzz_put("pub", (const uint8_t *)fuzz_pub, strlen(fuzz_pub)),
				    &err);
		if (!pub)
			abort();
	}
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		p = sign_pub_load(fuzz_put("key", data + 1, size - 1), &err);
		if (!p && !err.msg[0])
			abort();
		sign_pub_free(p);
		break;
	case 1:
		k = sign_key_load(fuzz_put("key", data + 1, size - 1), &err);
		if (!k && !err.msg[0])
			abort();
		sign_key_free(k);
		break;
	default:
		if (sign_verify_minisig(pub, fuzz_signed, strlen(fuzz_signed),
					(const char *)data + 1, size - 1, &tc, &err) == 0) {
			if (!tc)
				abort();
			sign_tc_field(tc, "file", field, sizeof(field));
			free(tc);
		} else if (!err.msg[0]) {
			abort();
		}
		break;
	}
	return 0;
}
