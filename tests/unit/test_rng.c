/* test_rng.c: the shared generator's exact sequences (reports, simulated vendors and
 * benchmarks depend on them bit for bit) and its range contracts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rng.h"

static void test_splitmix64_reference(void **state)
{
	uint64_t s = 0;

	(void)state;
	/* Vigna's reference splitmix64 from state 0. */
	assert_true(rng_splitmix64(&s) == 0xe220a8397b1dcdafull);
	assert_true(rng_splitmix64(&s) == 0x6e789e6aa1b965f4ull);
	assert_true(s == 2 * 0x9e3779b97f4a7c15ull);
	/* mix: splitmix64 of 1 ^ 2 * 0xd6e8feb86659fd93 */
	assert_true(rng_mix(1, 2) == 0xb2c19dc41db344f0ull);
}

/* Pinned from the generator as it was in stats.c and sim_model.c before they shared it. */
static void test_sequence_pinned(void **state)
{
	static const uint64_t want[] = {
		0x15780b2e0c2ec716ull,
		0x6104d9866d113a7eull,
		0xae17533239e499a1ull,
		0xecb8ad4703b360a1ull,
	};
	static const size_t below[] = { 0, 2, 8, 2, 7 };
	struct rng r;
	size_t i;

	(void)state;
	rng_seed(&r, 42);
	for (i = 0; i < 4; i++)
		assert_true(rng_next(&r) == want[i]);
	rng_seed(&r, 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(rng_below(&r, 10), below[i]);
	rng_seed(&r, 7);
	assert_true(rng_unit(&r) == 0.7005764821796896);
}

static void test_ranges(void **state)
{
	struct rng r;
	size_t i, seen[3] = { 0 };

	(void)state;
	rng_seed(&r, 99);
	for (i = 0; i < 3000; i++) {
		double u = rng_unit(&r);
		size_t b = rng_below(&r, 3);

		assert_true(u >= 0.0 && u < 1.0);
		assert_true(b < 3);
		seen[b]++;
	}
	for (i = 0; i < 3; i++)
		assert_true(seen[i] > 900 && seen[i] < 1100);
	for (i = 0; i < 100; i++)
		assert_int_equal(rng_below(&r, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splitmix64_reference),
		cmocka_unit_test(test_sequence_pinned),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
