/* test_compare_stats.c: compare's decision from counts: exact values for small tables, and the
 * operating characteristics by simulation (fixed seeds): a model compared with itself is almost
 * never called a regression; 10% extra refusals on 3 of 25 prompts are caught with enough
 * samples, and the printed power agrees with the simulation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "compare_stats.h"
#include "rng.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

#define PROMPTS	 25
#define CHECKS	 2
#define SIGNALS	 (CHECKS + 1) /* two checks and the refusal rate */
#define DETECT_N 150 /* samples per side that catch 10% extra refusals on 3 of 25 prompts */

static size_t binom(struct rng *r, size_t n, double p)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += rng_unit(r) < p;
	return k;
}

/* The good rate of signal s of prompt i on --vendor: checks pass 70-100% of the time, refusals
 * are rare (0-4%), as on a real suite. */
static double base_rate(size_t i, size_t s)
{
	if (s == CHECKS)
		return 1.0 - 0.01 * (double)(i % 5);
	return 0.7 + 0.3 * (double)((i * 7 + s * 3) % 11) / 10.0;
}

/* One simulated comparison: n samples per side; the first `drifted` prompts refuse `extra` more
 * on --against. Returns the number of regressed tests; *on_drifted counts those on drifted
 * prompts. */
static size_t simulate(struct rng *r, size_t n, size_t drifted, double extra, size_t *on_drifted)
{
	struct cmp_test t[PROMPTS * SIGNALS];
	struct cmp_params par = { CMP_DEFAULT_FDR, CMP_DEFAULT_MIN_DROP };
	size_t i, s, imp, reg;

	memset(t, 0, sizeof(t));
	for (i = 0; i < PROMPTS; i++) {
		for (s = 0; s < SIGNALS; s++) {
			struct cmp_test *x = &t[i * SIGNALS + s];
			double ra = base_rate(i, s), rb = ra;

			if (s == CHECKS && i < drifted)
				rb = ra - extra;
			x->n_a = x->n_b = n;
			x->good_a = binom(r, n, ra);
			x->good_b = binom(r, n, rb);
		}
	}
	reg = compare_decide(t, PROMPTS * SIGNALS, &par, &imp);
	*on_drifted = 0;
	for (i = 0; i < drifted; i++)
		*on_drifted += (size_t)t[i * SIGNALS + CHECKS].regressed;
	return reg;
}

static void test_decide_small(void **state)
{
	struct cmp_params par = { 0.05, 0.1 };
	struct cmp_test t[3];
	size_t imp;

	(void)state;
	memset(t, 0, sizeof(t));
	/* 10/10 -> 2/10: regressed; 2/10 -> 10/10: improved; 9/10 -> 8/10: neither */
	t[0] = (struct cmp_test){ .good_a = 10, .n_a = 10, .good_b = 2, .n_b = 10 };
	t[1] = (struct cmp_test){ .good_a = 2, .n_a = 10, .good_b = 10, .n_b = 10 };
	t[2] = (struct cmp_test){ .good_a = 9, .n_a = 10, .good_b = 8, .n_b = 10 };
	assert_int_equal(compare_decide(t, 3, &par, &imp), 1);
	assert_int_equal(imp, 1);
	assert_true(t[0].regressed && !t[0].improved);
	assert_true(t[1].improved && !t[1].regressed);
	assert_false(t[2].regressed || t[2].improved);
	NEAR(t[0].p_worse, stats_fisher_greater(10, 0, 2, 8), 1e-15);
	NEAR(t[0].rate_a, 1.0, 1e-15);
	NEAR(t[0].rate_b, 0.2, 1e-15);
	/* BH over three p-values: the smallest is multiplied by 3 */
	NEAR(t[0].q_worse, 3 * t[0].p_worse, 1e-12);
	/* no samples on a side: p 1, never a verdict */
	t[0].n_b = 0;
	t[0].good_b = 0;
	assert_int_equal(compare_decide(t, 1, &par, &imp), 0);
	NEAR(t[0].p_worse, 1, 0);
}

/* A significant but tiny real drop does not block: 10000 samples, 0.95 -> 0.93. */
static void test_effect_floor(void **state)
{
	struct cmp_params par = { 0.05, 0.1 };
	struct cmp_test t = { .good_a = 9500, .n_a = 10000, .good_b = 9300, .n_b = 10000 };
	size_t imp;

	(void)state;
	assert_int_equal(compare_decide(&t, 1, &par, &imp), 0);
	assert_true(t.q_worse < 1e-6); /* real, but below the floor */
	par.min_drop = 0.04;
	assert_int_equal(compare_decide(&t, 1, &par, &imp), 1);
}

/* A model compared with itself, 25 prompts x (2 checks + refusals) x 10 samples, 100 times:
 * at most one comparison reports a regression (the old compare: 2 in 51). */
static void test_self_compare(void **state)
{
	struct rng r;
	size_t run, runs_with_regression = 0, d;

	(void)state;
	rng_seed(&r, 20260301);
	for (run = 0; run < 100; run++)
		runs_with_regression += simulate(&r, 10, 0, 0, &d) > 0;
	print_message("self-compare, n=10: %zu of 100 runs report a regression\n",
		      runs_with_regression);
	assert_true(runs_with_regression <= 1);
	/* the same with many samples (where Fisher is no longer conservative) */
	runs_with_regression = 0;
	for (run = 0; run < 100; run++)
		runs_with_regression += simulate(&r, 100, 0, 0, &d) > 0;
	print_message("self-compare, n=100: %zu of 100 runs report a regression\n",
		      runs_with_regression);
	assert_true(runs_with_regression <= 5); /* BH at 0.05 bounds it by 5% */
}

/* 10% extra refusals on 3 of 25 prompts. */
static void test_detection(void **state)
{
	static const size_t ns[] = { 10, 50, 100, DETECT_N };
	struct rng r;
	size_t k, run;

	(void)state;
	rng_seed(&r, 777);
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		size_t caught = 0, d;
		double pw = compare_power(1.0 - 0.02, 0.1, ns[k], ns[k],
					  compare_power_alpha(0.05, PROMPTS * SIGNALS));

		for (run = 0; run < 100; run++) {
			simulate(&r, ns[k], 3, 0.1, &d);
			caught += d > 0;
		}
		print_message("10%% extra refusals on 3 of 25 prompts, n=%zu per side: caught in "
			      "%zu of 100 runs (power of one test: %.3f)\n",
			      ns[k], caught, pw);
		if (ns[k] == DETECT_N)
			assert_true(caught >= 95);
		if (ns[k] == 10)
			assert_true(caught < 95); /* 10 samples cannot see 10% */
	}
}

/* The power against the textbook case and against a simulation of the same rule. */
static void test_power(void **state)
{
	struct rng r;
	size_t run, hits = 0;
	double p;

	(void)state;
	/* more samples, more power; no samples, none */
	assert_true(compare_power(0.9, 0.1, 50, 50, 0.05) <
		    compare_power(0.9, 0.1, 200, 200, 0.05));
	NEAR(compare_power(0.9, 0.1, 0, 10, 0.05), 0, 0);
	/* 10 samples at a level of 0.05 / 75 cannot see 0.9 -> 0.8 */
	assert_true(compare_power(0.9, 0.1, 10, 10, compare_power_alpha(0.05, 75)) < 0.01);
	/* the exact sum agrees with 4000 simulated tests within 4 standard errors */
	p = compare_power(0.9, 0.1, 120, 120, 0.01);
	rng_seed(&r, 99);
	for (run = 0; run < 4000; run++) {
		struct cmp_params par = { 0.01, 0.1 };
		struct cmp_test t = { .n_a = 120, .n_b = 120 };
		size_t imp;

		t.good_a = binom(&r, 120, 0.9);
		t.good_b = binom(&r, 120, 0.8);
		hits += compare_decide(&t, 1, &par, &imp);
	}
	print_message("power 0.9 -> 0.8, n=120, alpha 0.01: exact %.4f, simulated %.4f\n", p,
		      (double)hits / 4000);
	NEAR((double)hits / 4000, p, 4 * sqrt(p * (1 - p) / 4000) + 1e-9);
}

/* The samples a side needs for a power: the answer reaches it, and a tenth fewer does not
 * (a "safe" verdict at 10 samples had power 0.00 and still passed a CI gate). */
static void test_samples_for_power(void **state)
{
	double alpha = compare_power_alpha(0.05, 15); /* the demo suite: 5 prompts, 15 tests */
	size_t n;

	(void)state;
	n = compare_samples_for_power(0.9, 0.1, alpha, 0.8, 2000);
	print_message("samples for power 0.8 at 0.9 -> 0.8, alpha %.4f: %zu\n", alpha, n);
	assert_true(n > 10 && n <= 2000);
	assert_true(compare_power(0.9, 0.1, n, n, alpha) >= 0.8);
	assert_true(compare_power(0.9, 0.1, n * 9 / 10, n * 9 / 10, alpha) < 0.8);
	/* a target out of reach within max_n says so */
	assert_int_equal(compare_samples_for_power(0.9, 0.1, alpha, 0.8, 20), 21);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_small), cmocka_unit_test(test_effect_floor),
		cmocka_unit_test(test_self_compare), cmocka_unit_test(test_detection),
		cmocka_unit_test(test_power),	     cmocka_unit_test(test_samples_for_power),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
