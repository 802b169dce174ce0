/* test_hash.c: FNV-1a 64 against the published vectors, the incremental form, and the string
 * map: put, get, overwrite, growth past many keys, absent keys, release and reuse; the
 * integer map: every key value, collisions and deletion by backward shift (also across the
 * wrap), growth, and random puts and deletes against a plain array. */
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

/* hmap64: every key value is a key (0 and UINT64_MAX too), overwrite, release and reuse. */
static void test_hmap64_basic(void **state)
{
	struct hmap64 m = HMAP64_INIT;
	size_t v = 99;

	(void)state;
	assert_int_equal(hmap64_get(&m, 0, &v), 0); /* empty map, no storage yet */
	assert_int_equal(hmap64_del(&m, 0), 0);
	assert_int_equal(v, 99);
	hmap64_put(&m, 0, 1);
	hmap64_put(&m, UINT64_MAX, 2);
	hmap64_put(&m, 42, 3);
	assert_int_equal(m.n, 3);
	assert_int_equal(hmap64_get(&m, 0, &v), 1);
	assert_int_equal(v, 1);
	assert_int_equal(hmap64_get(&m, UINT64_MAX, &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(hmap64_get(&m, 42, &v), 1);
	assert_int_equal(v, 3);
	assert_int_equal(hmap64_get(&m, 1, NULL), 0);
	assert_int_equal(hmap64_get(&m, UINT64_MAX - 1, NULL), 0);
	hmap64_put(&m, 42, 7); /* overwrite keeps one key */
	assert_int_equal(m.n, 3);
	assert_int_equal(hmap64_get(&m, 42, &v), 1);
	assert_int_equal(v, 7);
	/* ref: the value's address, adding the key with init when absent */
	assert_int_equal((*hmap64_ref(&m, 5, 10))++, 10);
	assert_int_equal((*hmap64_ref(&m, 5, 10))++, 11);
	assert_int_equal(hmap64_get(&m, 5, &v), 1);
	assert_int_equal(v, 12);
	assert_int_equal(m.n, 4);
	hmap64_release(&m);
	assert_int_equal(hmap64_get(&m, 0, NULL), 0);
	hmap64_put(&m, 9, 5); /* usable after release */
	assert_int_equal(hmap64_get(&m, 9, &v), 1);
	assert_int_equal(v, 5);
	hmap64_release(&m);
}

/* The slot a key takes alone in a fresh 16-slot map: its home at that capacity. */
static size_t home16(uint64_t key)
{
	struct hmap64 m = HMAP64_INIT;
	size_t i, at = SIZE_MAX;

	hmap64_put(&m, key, 0);
	assert_int_equal(m.cap, 16);
	for (i = 0; i < m.cap; i++)
		if (m.e[i].used)
			at = i;
	hmap64_release(&m);
	return at;
}

/* Keys with one home slot form a run; deleting from its middle (backward shift) keeps the
 * others reachable, also when the run wraps past the last slot. */
static void test_hmap64_collisions(void **state)
{
	static const size_t homes[] = { 3, 15 }; /* 15: the run wraps to slots 0, 1, ... */
	size_t h, i, v;

	(void)state;
	for (h = 0; h < ARRAY_SIZE(homes); h++) {
		struct hmap64 m = HMAP64_INIT;
		uint64_t keys[6], k;
		size_t n = 0;

		for (k = 1; n < ARRAY_SIZE(keys); k++)
			if (home16(k * 8) == homes[h])
				keys[n++] = k * 8; /* pointer-like: aligned */
		for (i = 0; i < 6; i++)
			hmap64_put(&m, keys[i], i);
		assert_int_equal(m.cap, 16); /* 6 keys: still under half full */
		/* the run: six consecutive slots from the home, in insertion order */
		for (i = 0; i < 6; i++) {
			assert_true(m.e[(homes[h] + i) & 15].used);
			assert_true(m.e[(homes[h] + i) & 15].key == keys[i]);
		}
		assert_int_equal(hmap64_del(&m, keys[1]), 1);
		assert_int_equal(hmap64_del(&m, keys[1]), 0);
		assert_int_equal(hmap64_del(&m, keys[4]), 1);
		assert_int_equal(m.n, 4);
		for (i = 0; i < 6; i++) {
			int want = i != 1 && i != 4;

			assert_int_equal(hmap64_get(&m, keys[i], &v), want);
			if (want)
				assert_int_equal(v, i);
		}
		/* the run closed up: no hole before the survivors */
		assert_false(m.e[(homes[h] + 4) & 15].used);
		hmap64_put(&m, keys[1], 11);
		assert_int_equal(hmap64_get(&m, keys[1], &v), 1);
		assert_int_equal(v, 11);
		hmap64_release(&m);
	}
}

static void test_hmap64_grow(void **state)
{
	struct hmap64 m = HMAP64_INIT;
	uint64_t i;
	size_t v;

	(void)state;
	for (i = 0; i < 20000; i++) {
		hmap64_put(&m, i * 16, (size_t)i + 1); /* aligned, like pointers */
		/* load never passes 50% */
		assert_true(m.n * 2 <= m.cap);
		assert_int_equal(m.cap & (m.cap - 1), 0);
	}
	assert_int_equal(m.n, 20000);
	for (i = 0; i < 20000; i++) {
		v = 0;
		assert_int_equal(hmap64_get(&m, i * 16, &v), 1);
		assert_int_equal(v, i + 1);
		assert_int_equal(hmap64_get(&m, i * 16 + 8, NULL), 0);
	}
	hmap64_release(&m);
}

/* Random puts and deletes against a plain array that says what must be there. */
static void test_hmap64_random_against_array(void **state)
{
	enum { KEYS = 1500, OPS = 200000 };
	static size_t want[KEYS]; /* 0: absent, else the value */
	struct hmap64 m = HMAP64_INIT;
	uint64_t x = 12345;
	size_t i, n = 0, v;

	(void)state;
	memset(want, 0, sizeof(want));
	for (i = 0; i < OPS; i++) {
		size_t k;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (size_t)(x >> 33) % KEYS;
		if ((x >> 20) & 1) {
			n += !want[k];
			want[k] = i + 1;
			hmap64_put(&m, (uint64_t)k << 40 | k, i + 1);
		} else {
			assert_int_equal(hmap64_del(&m, (uint64_t)k << 40 | k), want[k] != 0);
			n -= want[k] != 0;
			want[k] = 0;
		}
		assert_int_equal(m.n, n);
	}
	for (i = 0; i < KEYS; i++) {
		v = 0;
		assert_int_equal(hmap64_get(&m, (uint64_t)i << 40 | i, &v), want[i] != 0);
		assert_int_equal(v, want[i]);
	}
	hmap64_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a_vectors),
		cmocka_unit_test(test_fnv1a_incremental),
		cmocka_unit_test(test_hmap_basic),
		cmocka_unit_test(test_hmap_key_copied),
		cmocka_unit_test(test_hmap_grow),
		cmocka_unit_test(test_hmap64_basic),
		cmocka_unit_test(test_hmap64_collisions),
		cmocka_unit_test(test_hmap64_grow),
		cmocka_unit_test(test_hmap64_random_against_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
