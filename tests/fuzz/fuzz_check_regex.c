/* fuzz_check_regex.c: libFuzzer target: input is "PATTERN\0FLAGS\0ANSWER"; compiles a regex
 * check (bad patterns and flags must fail cleanly) and evaluates it on the answer (a
 * pathological pattern must end as CHECK_ERROR, never hang or crash). */
/* The module under test is compiled into this target so libFuzzer sees its coverage (plcore
 * itself is not built with -fsanitize=fuzzer-no-link); the linker then takes nothing it
 * defines from plcore. */
#include "../../harness/check.c"
#include "../../harness/check_regex.c"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *n1 = memchr(p, 0, size), *n2;
	char *pattern, *flags, *text;
	json_t *spec;
	struct jsonloc loc = { "fuzz.json", "{}", 2 };
	struct pl_err err = PL_ERR_INIT;
	struct check *c;

	if (!n1)
		return 0;
	n2 = memchr(n1 + 1, 0, (size_t)(end - n1 - 1));
	if (!n2)
		return 0;
	pattern = strndup(p, (size_t)(n1 - p));
	flags = strndup(n1 + 1, (size_t)(n2 - n1 - 1));
	text = strndup(n2 + 1, (size_t)(end - n2 - 1));
	spec = json_pack("{s:s, s:s, s:s, s:s}", "type", "regex", "pattern", pattern, "flags",
			 flags, "mode", size & 1 ? "match" : "not_match");
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
	free(flags);
	free(text);
	return 0;
}
