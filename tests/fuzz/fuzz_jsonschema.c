/* fuzz_jsonschema.c: libFuzzer target: input is "SCHEMA\0INSTANCE" (both JSON); compiles the
 * schema (errors are fine) and validates the instance with and without error collection. */
/* The module under test is compiled into this target so libFuzzer sees its coverage (plcore
 * itself is not built with -fsanitize=fuzzer-no-link); the linker then takes nothing it
 * defines from plcore. */
#include "../../harness/jsonschema.c"
#include "jsonschema.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t slen = nul ? (size_t)(nul - data) : size;
	json_t *schema =
		json_loadb((const char *)data, slen, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	json_t *inst = nul ? json_loadb((const char *)nul + 1, size - slen - 1,
					JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
			   : NULL;
	struct jsonschema_opts opts = { 0 };
	struct pl_err err = PL_ERR_INIT;
	struct jsonschema *js;
	struct jsonschema_result res;
	char buf[512];

	opts.format_assert = size & 1;
	js = schema ? jsonschema_compile(schema, &opts, &err) : NULL;
	if (js && inst) {
		int a = jsonschema_validate(js, inst, &res);
		int b = jsonschema_validate(js, inst, NULL);

		if (a != b || (!a && res.n_errors == 0))
			__builtin_trap();
		if (res.n_errors)
			jsonschema_error_str(&res.errors[0], buf, sizeof(buf));
	}
	jsonschema_free(js);
	json_decref(schema);
	json_decref(inst);
	return 0;
}
