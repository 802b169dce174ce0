/* test_canon.c: RFC 8785 vectors (tests/fixtures/jcs), ECMAScript numbers, key order, pretty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "canon.h"
#include "fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *rel, size_t *len)
{
	char path[1024];
	struct pl_err err = PL_ERR_INIT;
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/jcs/testdata/%s", PL_FIXTURES, rel);
	assert_int_equal(fileio_read_all(path, 1 << 20, &buf, len, &err), 0);
	return buf;
}

static void test_vectors(void **state)
{
	static const char *const names[] = { "arrays",	"french", "structures",
					     "unicode", "values", "weird" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[128];
		size_t in_len, out_len, hex_len, j, k = 0;
		char *in, *want, *hex;
		json_error_t jerr;
		json_t *v;
		struct sbuf sb;
		struct pl_err err = PL_ERR_INIT;
		unsigned char *bytes;

		snprintf(rel, sizeof(rel), "input/%s.json", names[i]);
		in = slurp(rel, &in_len);
		snprintf(rel, sizeof(rel), "output/%s.json", names[i]);
		want = slurp(rel, &out_len);
		snprintf(rel, sizeof(rel), "outhex/%s.txt", names[i]);
		hex = slurp(rel, &hex_len);
		v = json_loadb(in, in_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		assert_non_null(v);
		sbuf_init(&sb);
		assert_int_equal(canon_jcs(v, &sb, &err), 0);
		print_message("%s: %s\n", names[i], sb.buf);
		assert_int_equal(sb.len, out_len);
		assert_memory_equal(sb.buf, want, out_len);
		/* the hex form is the authority on bytes */
		bytes = malloc(hex_len);
		for (j = 0; j + 1 < hex_len;) {
			unsigned x;

			while (j < hex_len && (hex[j] == ' ' || hex[j] == '\n' || hex[j] == '\r'))
				j++;
			if (j + 1 >= hex_len)
				break;
			assert_int_equal(sscanf(hex + j, "%2x", &x), 1);
			bytes[k++] = (unsigned char)x;
			j += 2;
		}
		assert_int_equal(k, sb.len);
		assert_memory_equal(bytes, sb.buf, k);
		free(bytes);
		sbuf_release(&sb);
		json_decref(v);
		free(in);
		free(want);
		free(hex);
	}
}

static void test_numbers(void **state)
{
	static const struct {
		uint64_t bits;
		const char *want;
	} cases[] = {
		/* from the es6testfile sample in tests/fixtures/jcs/testdata/README.md */
		{ 0x4340000000000001ULL, "9007199254740994" },
		{ 0x4340000000000002ULL, "9007199254740996" },
		{ 0x444b1ae4d6e2ef50ULL, "1e+21" },
		{ 0x3eb0c6f7a0b5ed8dULL, "0.000001" },
		{ 0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7" },
		{ 0x8000000000000000ULL, "0" },
		{ 0x0ULL, "0" },
		/* RFC 8785 appendix B */
		{ 0x0000000000000001ULL, "5e-324" },
		{ 0x7fefffffffffffffULL, "1.7976931348623157e+308" },
		{ 0x4340000000000000ULL, "9007199254740992" },
		{ 0x44b52d02c7e14af6ULL, "1e+23" },
		{ 0x44b52d02c7e14af5ULL, "9.999999999999997e+22" },
		{ 0xc43211ede4974a35ULL, "-333333333333333300000" },
		{ 0x4024000000000000ULL, "10" },
		{ 0x3fb999999999999aULL, "0.1" },
	};
	char buf[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double d;

		memcpy(&d, &cases[i].bits, sizeof(d));
		assert_true(canon_number(d, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(canon_number(NAN, buf, sizeof(buf)), -1);
}

static void test_key_order(void **state)
{
	/* U+1F602 (surrogates D83D DE02) sorts before U+FB33 in UTF-16, after it in UTF-8. */
	const char *smiley = "\xf0\x9f\x98\x82", *dalet = "\xef\xac\xb3";

	(void)state;
	assert_true(canon_key_cmp(smiley, 4, dalet, 3) < 0);
	assert_true(canon_key_cmp("a", 1, "ab", 2) < 0);
	assert_true(canon_key_cmp("b", 1, "ab", 2) > 0);
	assert_int_equal(canon_key_cmp("ab", 2, "ab", 2), 0);
}

static void test_errors(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;
	json_t *v;

	(void)state;
	sbuf_init(&sb);
	v = json_pack("{s:I}", "n", (json_int_t)9007199254740993LL);
	assert_int_equal(canon_jcs(v, &sb, &err), -1);
	assert_non_null(strstr(err.msg, "9007199254740993"));
	pl_err_init(&err);
	sbuf_reset(&sb);
	assert_int_equal(canon_pretty(v, &sb, &err), 0); /* pretty keeps big integers exact */
	assert_string_equal(sb.buf, "{\n  \"n\": 9007199254740993\n}\n");
	json_decref(v);
	v = json_stringn_nocheck("a\xff", 2);
	sbuf_reset(&sb);
	assert_int_equal(canon_jcs(v, &sb, &err), -1);
	assert_non_null(strstr(err.msg, "utf-8"));
	json_decref(v);
	sbuf_release(&sb);
}

static void test_pretty_deterministic(void **state)
{
	const char *a = "{\"z\":[1,2.5,{\"b\":null,\"a\":\"x\\ny\"}],\"a\":{},\"m\":[],\"f\":0.1}";
	const char *b = "{\"f\":0.1000,\"m\":[],\"a\":{},\"z\":[1,25e-1,{\"a\":\"x\\ny\",\"b\":"
			"null}]}";
	const char *want = "{\n  \"a\": {},\n  \"f\": 0.1,\n  \"m\": [],\n  \"z\": [\n    1,\n"
			   "    2.5,\n    {\n      \"a\": \"x\\ny\",\n      \"b\": null\n    }\n"
			   "  ]\n}\n";
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sa, sb;
	json_t *va = json_loads(a, 0, NULL), *vb = json_loads(b, 0, NULL);

	(void)state;
	sbuf_init(&sa);
	sbuf_init(&sb);
	assert_int_equal(canon_pretty(va, &sa, &err), 0);
	assert_int_equal(canon_pretty(vb, &sb, &err), 0);
	assert_string_equal(sa.buf, want);
	assert_string_equal(sa.buf, sb.buf);
	sbuf_reset(&sa);
	sbuf_reset(&sb);
	assert_int_equal(canon_jcs(va, &sa, &err), 0);
	assert_int_equal(canon_jcs(vb, &sb, &err), 0);
	assert_string_equal(sa.buf, sb.buf);
	sbuf_release(&sa);
	sbuf_release(&sb);
	json_decref(va);
	json_decref(vb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pretty_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
