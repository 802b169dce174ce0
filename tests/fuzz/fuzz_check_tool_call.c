/* fuzz_check_tool_call.c: libFuzzer target: input is "SPEC\0CALLS", two JSON texts: the keys
 * of a tool_call check (compiled: a bad spec or schema must fail cleanly) and the answer's
 * calls, evaluated whatever their shape (journals are files: calls that are not
 * {"name", "arguments"} objects must never crash the check). */
/* The module under test is compiled into this target so libFuzzer sees its coverage. */
#include "../../harness/check.c"
#include "../../harness/check_tool_call.c"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *n1 = memchr(p, 0, size);
	struct jsonloc loc = { "fuzz.json", "{}", 2 };
	struct pl_err err = PL_ERR_INIT;
	json_t *spec, *calls;
	struct check *c;

	if (!n1)
		return 0;
	spec = json_loadb(p, (size_t)(n1 - p), 0, NULL);
	calls = json_loadb(n1 + 1, size - (size_t)(n1 - p) - 1, JSON_DECODE_ANY, NULL);
	if (json_is_object(spec)) {
		json_object_set_new(spec, "type", json_string("tool_call"));
		c = check_compile(&loc, "/checks/0", spec, &err);
		if (c) {
			struct check_input in = { .text = "", .tool_calls = calls };
			struct check_result r;

			check_eval(c, &in, &r);
			if (r.verdict != CHECK_PASS && r.verdict != CHECK_FAIL)
				abort();
			check_free(c);
		}
	}
	json_decref(spec);
	json_decref(calls);
	return 0;
}
