/* test_hex.c: hex encoding and SHA-256 hex against the FIPS 180-2 vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hex.h"

static void test_encode(void **state)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[2 * sizeof(in) + 1];

	(void)state;
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void test_digit(void **state)
{
	static const char all[] = "0123456789abcdefABCDEF";
	size_t i;

	(void)state;
	for (i = 0; i < 16; i++)
		assert_int_equal(hex_digit(all[i]), (int)i);
	for (i = 16; i < 22; i++)
		assert_int_equal(hex_digit(all[i]), (int)i - 6);
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('G'), -1);
	assert_int_equal(hex_digit('/'), -1);
	assert_int_equal(hex_digit(':'), -1);
	assert_int_equal(hex_digit('\0'), -1);
}

static void test_sha256(void **state)
{
	char out[65];

	(void)state;
	assert_int_equal(hex_sha256("abc", 3, out), 0);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"
				 "d");
	/* NULL with length 0 is the empty message. */
	assert_int_equal(hex_sha256(NULL, 0, out), 0);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"
				 "5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_digit),
		cmocka_unit_test(test_sha256),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
