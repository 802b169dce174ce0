/* fuzz_detect_keys.c: libFuzzer target: input is the baseline's answers and tonight's, any
 * bytes, separated by NUL bytes (the last one is tonight's). Each is read as an answer's JSON
 * (bare, or in a ``` fence) and its key paths; the baseline's are judged against each other,
 * tonight's against them, and the keys off are put in words: never a hang, a crash or a leak,
 * and the counts stay within the answers. */
/* The module under test is compiled into this target so libFuzzer sees its coverage. */
#include "../../harness/detect_keys.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct hmap off = HMAP_INIT;
	struct keyset ks;
	char words[120];
	size_t n = 0;

	detect_keys_init(&ks);
	while (p < end) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		char *text = strndup(p, z ? (size_t)(z - p) : (size_t)(end - p));
		int fenced;
		json_t *doc = detect_answer_json(text, &fenced);

		if (!z) { /* tonight's */
			if (doc && detect_keys_judged(&ks))
				(void)detect_keys_off(&ks, doc, &off);
		} else {
			detect_keys_add(&ks, doc);
			n++;
		}
		json_decref(doc);
		free(text);
		p = z ? z + 1 : end;
	}
	if (ks.answers != n || ks.docs > ks.answers || detect_keys_self(&ks) > ks.docs)
		abort();
	detect_keys_words(&off, words, sizeof(words));
	if (strlen(words) >= sizeof(words))
		abort();
	hmap_release(&off);
	detect_keys_release(&ks);
	return 0;
}
