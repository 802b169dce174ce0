/* fuzz_canon.c: libFuzzer target for the canonical JSON writers (RFC 8785 JCS, the bytes that
 * are hashed and signed, and the pretty form of baselines and reports). Properties: JCS text
 * parses back to an equal value and is a fixed point (canon(parse(canon(v))) == canon(v)); the
 * pretty form parses back to an equal value. */
#include "canon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Equality that treats integers and reals holding the same number as equal (JCS writes 1.0 as
 * 1, which reads back as an integer). */
static int same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_array(a)) {
		size_t i;

		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;

		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k,
				    v) if (!json_object_get(b, k) ||
					   !same(v, json_object_get(b, k))) return 0;
		return 1;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr), *back = NULL;
	struct sbuf a, b, p;
	struct pl_err err = PL_ERR_INIT;

	if (!v)
		return 0;
	sbuf_init(&a);
	sbuf_init(&b);
	sbuf_init(&p);
	if (canon_jcs(v, &a, &err) == 0) {
		back = json_loadb(a.buf, a.len, JSON_DECODE_ANY, &jerr);
		/* 1e20 is "100000000000000000000" in JCS (ECMAScript writes integers below 1e21
		 * in full), which jansson cannot read back as an integer: not a canon bug. */
		if (!back && strstr(jerr.text, "too big"))
			goto pretty;
		if (!back || !same(v, back))
			abort();
		if (canon_jcs(back, &b, &err) < 0 || a.len != b.len || memcmp(a.buf, b.buf, a.len))
			abort();
		json_decref(back);
	} else if (!err.msg[0]) {
		abort();
	}
pretty:
	pl_err_init(&err);
	if (canon_pretty(v, &p, &err) == 0) {
		back = json_loadb(p.buf, p.len, JSON_DECODE_ANY, &jerr);
		if (!back && !strstr(jerr.text, "too big"))
			abort();
		if (back && !same(v, back))
			abort();
		json_decref(back);
	}
	sbuf_release(&a);
	sbuf_release(&b);
	sbuf_release(&p);
	json_decref(v);
	return 0;
}
