/* fuzz_check_refusal.c: libFuzzer target: input is "PATTERN\0ANSWER"; compiles an is_refusal
 * check with PATTERN added to the built-in patterns (a bad pattern must fail cleanly) and
 * classifies ANSWER, any bytes, with the built-in patterns alone (never a hang or a crash). */
/* The modules under test are compiled into this target so libFuzzer sees their coverage. */
#include "../../harness/check_refusal.c"
#include "../../harness/refusal.c"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct refusal *def;
	const char *p = (const char *)data, *end = p + size;
	const char *n1 = memchr(p, 0, size);
	char *pattern, *text;
	json_t *spec;
	struct jsonloc loc = { "fuzz.json", "{}", 2 };
	struct pl_err err = PL_ERR_INIT;
	struct check *c;

	if (!def)
		def = refusal_new_default();
	if (!n1)
		return 0;
	pattern = strndup(p, (size_t)(n1 - p));
	text = strndup(n1 + 1, (size_t)(end - n1 - 1));
	(void)refusal_is(def, text, strlen(text), 0, 0);
	spec = json_pack("{s:s, s:[s]}", "type", size & 1 ? "is_refusal" : "not_refusal",
			 "patterns_extra", pattern);
	if (spec) { /* json_pack refuses invalid UTF-8 */
		c = check_compile(&loc, "/checks/0", spec, &err);
		if (c) {
			struct check_input in = { text, strlen(text), 0, NULL, 0, NULL };
			struct check_result r;

			check_eval(c, &in, &r);
			check_free(c);
		}
		json_decref(spec);
	}
	free(pattern);
	free(text);
	return 0;
}
