/* test_hash.c: FNV-1a 64 against the published vectors, the incremental form, and the string
 * map: put, get, overwrite, growth past many keys, absent keys, release and reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hash.h"

static void test_fnv1a_vectors(void **state)
{
	(void)state;
	assert_true(hash_fnv1a_str("") == 0xcbf29ce484222325ULL);
	assert_true(hash_fnv1a_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_fnv1a_str("foobar") == 0x85944171f73967e8ULL);
	assert_true(hash_fnv1a(NULL, 0) == 0xcbf29ce484222325ULL);
	assert_true(hash_fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
	/* bytes above 0x7f are taken unsigned: "\xff" per the FNV reference code */
	assert_true(hash_fnv1a("\xff", 1) ==
		    ((0xcbf29ce484222325ULL ^ 0xffULL) * 0x100000001b3ULL));
}

static void test_fnv1a_incremental(void **state)
{
	uint64_t h;

	(void)state;
	h = hash_fnv1a_add(HASH_FNV1A_INIT, "foo", 3);
	h = hash_fnv1a_add(h, "bar", 3);
	assert_true(h == 0x85944171f73967e8ULL);
	assert_true(hash_fnv1a_add(12345, NULL, 0) == 12345);
}

static void test_hmap_basic(void **state)
{
	struct hmap m = HMAP_INIT;
	size_t v = 99;

	(void)state;
	assert_int_equal(hmap_get(&m, "x", &v), 0); /* empty map, no storage yet */
	assert_int_equal(v, 99);
	hmap_put(&m, "x", 1);
	hmap_put(&m, "y", 2);
	hmap_put(&m, "", 3);
	assert_int_equal(m.n, 3);
	assert_int_equal(hmap_get(&m, "x", &v), 1);
	assert_int_equal(v, 1);
	assert_int_equal(hmap_get(&m, "y", &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(hmap_get(&m, "", &v), 1);
	assert_int_equal(v, 3);
	assert_int_equal(hmap_get(&m, "z", NULL), 0);
	assert_int_equal(hmap_get(&m, "xx", NULL), 0);
	hmap_put(&m, "x", 7); /* overwrite keeps one key */
	assert_int_equal(m.n, 3);
	assert_int_equal(hmap_get(&m, "x", &v), 1);
	assert_int_equal(v, 7);
	hmap_release(&m);
	assert_int_equal(hmap_get(&m, "x", NULL), 0);
	hmap_put(&m, "again", 5); /* usable after release */
	assert_int_equal(hmap_get(&m, "again", &v), 1);
	assert_int_equal(v, 5);
	hmap_release(&m);
}

static void test_hmap_key_copied(void **state)
{
	struct hmap m;
	char key[8] = "k1";
	size_t v = 0;

	(void)state;
	hmap_init(&m);
	hmap_put(&m, key, 10);
	key[1] = '2'; /* the map holds its own copy */
	assert_int_equal(hmap_get(&m, "k1", &v), 1);
	assert_int_equal(v, 10);
	assert_int_equal(hmap_get(&m, "k2", NULL), 0);
	hmap_release(&m);
}

static void test_hmap_grow(void **state)
{
	struct hmap m = HMAP_INIT;
	char key[32];
	size_t i, v;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key-%zu", i);
		hmap_put(&m, key, i * 3);
		/* load never passes 70% */
		assert_true(m.n * 10 <= m.cap * 7);
		assert_int_equal(m.cap & (m.cap - 1), 0);
	}
	assert_int_equal(m.n, 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key-%zu", i);
		v = 0;
		assert_int_equal(hmap_get(&m, key, &v), 1);
		assert_int_equal(v, i * 3);
	}
	for (i = 5000; i < 6000; i++) {
		snprintf(key, sizeof(key), "key-%zu", i);
		assert_int_equal(hmap_get(&m, key, NULL), 0);
	}
	hmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a_vectors), cmocka_unit_test(test_fnv1a_incremental),
		cmocka_unit_test(test_hmap_basic),    cmocka_unit_test(test_hmap_key_copied),
		cmocka_unit_test(test_hmap_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
