/* test_fuzz_regress.c: what the fuzzers found (tests/fuzz), each case named after the target
 * and fixed in the module; the crash inputs are also kept in tests/fuzz/corpus/TARGET/regress-*
 * and replayed by ctest -L fuzz. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "canon.h"

#include <string.h>

/* JCS text, read back with jansson, canonicalises to the same bytes. */
static void jcs_fixed_point(const char *json, const char *want)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf a, b;
	json_error_t jerr;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr), *back;

	assert_non_null(v);
	sbuf_init(&a);
	sbuf_init(&b);
	assert_int_equal(canon_jcs(v, &a, &err), 0);
	assert_string_equal(a.buf, want);
	back = json_loads(a.buf, JSON_DECODE_ANY, &jerr);
	assert_non_null(back);
	assert_int_equal(canon_jcs(back, &b, &err), 0);
	assert_string_equal(b.buf, a.buf);
	json_decref(v);
	json_decref(back);
	sbuf_release(&a);
	sbuf_release(&b);
}

/* fuzz_canon: a real above 2^53 is written as an integer (ECMAScript), which jansson reads
 * back as an integer that canon_jcs refused, so JCS was not a fixed point. */
static void test_canon_big_real(void **state)
{
	(void)state;
	jcs_fixed_point("[33333330660003333.000105]", "[33333330660003332]");
	jcs_fixed_point("{\"n\":-1.8014398509481984e16}", "{\"n\":-18014398509481984}");
	jcs_fixed_point("9007199254740994", "9007199254740994");
}

/* ...while an integer no double holds exactly is still refused. */
static void test_canon_inexact_integer(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;
	json_t *v = json_integer(9007199254740993LL);

	(void)state;
	sbuf_init(&sb);
	assert_int_equal(canon_jcs(v, &sb, &err), -1);
	assert_non_null(strstr(err.msg, "9007199254740993"));
	json_decref(v);
	v = json_integer(INT64_MAX);
	pl_err_init(&err);
	assert_int_equal(canon_jcs(v, &sb, &err), -1);
	json_decref(v);
	sbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_big_real),
		cmocka_unit_test(test_canon_inexact_integer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
