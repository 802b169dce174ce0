/* test_stats.c: each statistic against values worked out by hand or by an independent
 * implementation (R's p.adjust / scipy for Benjamini-Hochberg and Fisher's exact test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rng.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static void test_tv_counts(void **state)
{
	size_t a[] = { 3, 1, 0 }, b[] = { 1, 1, 2 }, c[] = { 0, 0, 4 };

	(void)state;
	/* 0.5 * (|0.75-0.25| + 0 + |0-0.5|) */
	NEAR(stats_tv_counts(a, 4, b, 4, 3), 0.5, 1e-12);
	NEAR(stats_tv_counts(a, 4, a, 4, 3), 0.0, 1e-12);
	NEAR(stats_tv_counts(a, 4, c, 4, 3), 1.0, 1e-12);
	/* different totals: a = (3/4, 1/4, 0), b2 = (1/2, 0, 1/2) -> 0.5 * (0.25+0.25+0.5) */
	{
		size_t b2[] = { 1, 0, 1 };

		NEAR(stats_tv_counts(a, 4, b2, 2, 3), 0.5, 1e-12);
	}
	NEAR(stats_tv_counts(a, 0, b, 4, 3), 0.0, 1e-12);
}

static void test_codepoints(void **state)
{
	size_t n;
	uint32_t *cp = stats_codepoints("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff", &n);

	(void)state;
	assert_int_equal(n, 5);
	assert_int_equal(cp[0], 'a');
	assert_int_equal(cp[1], 0xe9);
	assert_int_equal(cp[2], 0x20ac);
	assert_int_equal(cp[3], 0x1f600);
	assert_int_equal(cp[4], 0xfffd);
	free(cp);
	cp = stats_codepoints("\xc3", &n); /* truncated sequence */
	assert_int_equal(n, 1);
	assert_int_equal(cp[0], 0xfffd);
	free(cp);
}

static double ham(const char *a, const char *b, size_t L)
{
	size_t na, nb;
	uint32_t *x = stats_codepoints(a, &na), *y = stats_codepoints(b, &nb);
	double k = stats_kernel_hamming(x, na, y, nb, L);

	free(x);
	free(y);
	return k;
}

static void test_hamming(void **state)
{
	(void)state;
	NEAR(ham("abc", "abd", 4), 0.75, 1e-12); /* a=a b=b c!=d pad=pad */
	NEAR(ham("ab", "abcd", 4), 0.5, 1e-12);	 /* pad meets c, d */
	NEAR(ham("abX", "abY", 2), 1.0, 1e-12);	 /* truncated at L */
	NEAR(ham("", "", 8), 1.0, 1e-12);
	NEAR(ham("xyz", "abc", 3), 0.0, 1e-12);
	NEAR(ham("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa0", 3), 2.0 / 3, 1e-12); /* code points */
}

static void kmat(enum stats_kernel kind, const char *const *s, size_t n, size_t param, double *K)
{
	uint32_t *cps[8];
	size_t lens[8], i;

	for (i = 0; i < n; i++)
		cps[i] = stats_codepoints(s[i], &lens[i]);
	stats_kernel_matrix(kind, (const uint32_t *const *)cps, lens, n, param, K);
	for (i = 0; i < n; i++)
		free(cps[i]);
}

static void test_ngram_kernel(void **state)
{
	const char *s[] = { "abab", "abc", "", "" };
	double K[16];

	(void)state;
	kmat(STATS_K_NGRAM, s, 4, 2, K);
	/* abab -> {ab:2, ba:1}, abc -> {ab:1, bc:1}: cos = 2 / (sqrt 5 * sqrt 2) */
	NEAR(K[0 * 4 + 1], 2 / sqrt(10), 1e-12);
	NEAR(K[1 * 4 + 0], 2 / sqrt(10), 1e-12);
	NEAR(K[0 * 4 + 0], 1, 1e-12);
	NEAR(K[2 * 4 + 3], 1, 1e-12); /* two empty strings */
	NEAR(K[0 * 4 + 2], 0, 1e-12);
}

static void test_mmd_hand(void **state)
{
	/* Hamming kernel, L = 2. Worked by hand:
	 * {aa,aa} vs {bb,bb}: within 1, 1; across 0 -> 1 + 1 - 0 = 2.
	 * {ab,aa} vs {ab,bb}: within 0.5, 0.5; across (1+0.5+0.5+0)/4 = 0.5 -> 0.5+0.5-2*0.5 = 0.
	 * {ab,aa} vs {bb,ba}: within 0.5, 0.5; across (0.5+0+0+0.5)/4 = 0.25 -> 0.5. */
	const char *c1[] = { "aa", "aa", "bb", "bb" };
	const char *c2[] = { "ab", "aa", "ab", "bb" };
	const char *c3[] = { "ab", "aa", "bb", "ba" };
	unsigned char in_y[] = { 0, 0, 1, 1 };
	double K[16];
	struct stats_stratum st = { .dist = STATS_MMD, .n_a = 2, .n_b = 2, .K = K };

	(void)state;
	kmat(STATS_K_HAMMING, c1, 4, 2, K);
	NEAR(stats_mmd2(K, 4, in_y), 2.0, 1e-12);
	NEAR(stats_stratum_distance(&st, in_y), 2.0, 1e-12);
	kmat(STATS_K_HAMMING, c2, 4, 2, K);
	NEAR(stats_mmd2(K, 4, in_y), 0.0, 1e-12);
	NEAR(stats_stratum_distance(&st, in_y), 0.0, 1e-12);
	kmat(STATS_K_HAMMING, c3, 4, 2, K);
	NEAR(stats_mmd2(K, 4, in_y), 0.5, 1e-12);
	NEAR(stats_stratum_distance(&st, in_y), 0.5, 1e-12);
}

/* The fast relabelled distance must equal the direct formula for unequal group sizes. */
static void test_mmd_fast_matches_direct(void **state)
{
	const char *s[] = { "alpha", "alphx", "beta", "alpha", "gamma", "alp", "delta" };
	unsigned char in_y[] = { 0, 0, 0, 0, 1, 1, 1 };
	unsigned char in_y2[] = { 0, 0, 1, 1, 1, 1, 1 };
	double K[49];
	struct stats_stratum st = { .dist = STATS_MMD, .n_a = 4, .n_b = 3, .K = K };
	struct stats_stratum st2 = { .dist = STATS_MMD, .n_a = 2, .n_b = 5, .K = K };

	(void)state;
	kmat(STATS_K_HAMMING, s, 7, 6, K);
	NEAR(stats_stratum_distance(&st, in_y), stats_mmd2(K, 7, in_y), 1e-12);
	NEAR(stats_stratum_distance(&st2, in_y2), stats_mmd2(K, 7, in_y2), 1e-12);
}

static void test_perm_exact_small(void **state)
{
	/* {a,a,a} vs {b,b,b}: TV 1. Of the C(6,3) = 20 equally likely labellings exactly 2 give
	 * TV 1, so the permutation p-value tends to 2/20 = 0.1. */
	unsigned labels[] = { 0, 0, 0, 1, 1, 1 };
	struct stats_stratum st = { .dist = STATS_TV, .n_a = 3, .n_b = 3, .labels = labels, .k = 2 };
	struct stats_perm_result r, suite;

	(void)state;
	stats_perm_test(&st, 1, 20000, 7, &r, &suite);
	NEAR(r.obs, 1.0, 1e-12);
	NEAR(r.p, 0.1, 0.01);
	NEAR(suite.p, r.p, 1e-12);
	/* null mean: TV over 3/3 splits of aaabbb is 1 (2 ways), 1/3 (18 ways) -> 0.4 */
	NEAR(r.null_mean, 0.4, 0.01);
	/* variance 0.1 * 1 + 0.9 * 1/9 - 0.4^2 = 0.04 */
	NEAR(r.null_sd, 0.2, 0.01);
	/* +1 correction: with B permutations p is never below 1/(B+1) */
	stats_perm_test(&st, 1, 9, 7, &r, &suite);
	assert_true(r.p >= 0.1 - 1e-12);
	/* deterministic for a seed */
	{
		struct stats_perm_result r2, s2;

		stats_perm_test(&st, 1, 9, 7, &r2, &s2);
		assert_true(r.p == r2.p && suite.p == s2.p);
	}
}

static void test_perm_stratified(void **state)
{
	/* Two strata: one unchanged, one moved. The suite statistic is the mean of the two. */
	unsigned same[] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	unsigned moved[] = { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1 };
	struct stats_stratum st[3] = {
		{ .dist = STATS_TV, .n_a = 6, .n_b = 6, .labels = same, .k = 2 },
		{ .dist = STATS_TV, .n_a = 6, .n_b = 6, .labels = moved, .k = 2 },
		{ .dist = STATS_TV, .n_a = 0, .n_b = 6, .labels = moved, .k = 2 }, /* inactive */
	};
	struct stats_perm_result r[3], suite;

	(void)state;
	stats_perm_test(st, 3, 999, 1, r, &suite);
	NEAR(r[0].obs, 0.0, 1e-12);
	NEAR(r[1].obs, 1.0, 1e-12);
	assert_true(r[0].p > 0.5);
	assert_true(r[1].p < 0.01); /* 2 of C(12,6) = 924 labellings give TV 1 */
	NEAR(r[2].p, 1.0, 1e-12);
	NEAR(suite.obs, 0.5, 1e-12);
	/* one moved stratum out of two is diluted by the mean; two moved ones are not */
	assert_true(suite.p > r[1].p && suite.p < r[0].p);
	st[0].labels = moved;
	stats_perm_test(st, 3, 999, 1, r, &suite);
	NEAR(suite.obs, 1.0, 1e-12);
	assert_true(suite.p < 0.002);
}

static int same_result(const struct stats_perm_result *a, const struct stats_perm_result *b)
{
	return a->obs == b->obs && a->p == b->p && a->null_mean == b->null_mean &&
	       a->null_sd == b->null_sd;
}

/* stats_perm_test is the per-stratum test plus the suite from the summed nulls: added in index
 * order the results are bit for bit the same; in another order, the same up to the order of
 * the floating-point sums (each stratum's permutations are seeded by its index, not its turn). */
static void test_perm_stratum_suite(void **state)
{
	enum { NS = 5, B = 499 };
	unsigned same[] = { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0 };
	unsigned moved[] = { 0, 0, 0, 0, 0, 1, 1, 1, 2, 2 };
	const char *txt[8] = { "alpha beta", "alpha beta!", "alpha bet",  "alpha",
			       "omega psi",  "omega chi",   "alpha beta", "omega psi" };
	uint32_t *cps[8];
	size_t lens[8], i, b, active = 0;
	double K[64], sums[B], obs = 0;
	struct stats_stratum st[NS] = {
		{ .dist = STATS_TV, .n_a = 5, .n_b = 5, .labels = same, .k = 3 },
		{ .dist = STATS_TV, .n_a = 5, .n_b = 5, .labels = moved, .k = 3 },
		{ .dist = STATS_TV, .n_a = 0, .n_b = 5, .labels = moved, .k = 3 }, /* sits out */
		{ .dist = STATS_MMD, .n_a = 4, .n_b = 4, .K = K },
		{ .dist = STATS_TV, .n_a = 7, .n_b = 3, .labels = moved, .k = 3 },
	};
	struct stats_perm_result r[NS], r2[NS], suite, suite2;

	(void)state;
	for (i = 0; i < 8; i++)
		cps[i] = stats_codepoints(txt[i], &lens[i]);
	stats_kernel_matrix(STATS_K_HAMMING, (const uint32_t *const *)cps, lens, 8, 11, K);
	stats_perm_test(st, NS, B, 42, r, &suite);
	assert_true(suite.p < 1);

	memset(sums, 0, sizeof(sums));
	for (i = 0; i < NS; i++) {
		if (stats_perm_stratum(&st[i], i, B, 42, &r2[i], sums)) {
			obs += r2[i].obs;
			active++;
		}
		assert_true(same_result(&r[i], &r2[i]));
	}
	assert_int_equal(active, 4);
	stats_perm_suite(sums, B, obs, active, &suite2);
	assert_true(same_result(&suite, &suite2));

	/* reverse order */
	memset(sums, 0, sizeof(sums));
	obs = 0;
	active = 0;
	for (i = NS; i-- > 0;) {
		if (stats_perm_stratum(&st[i], i, B, 42, &r2[i], sums)) {
			obs += r2[i].obs;
			active++;
		}
		assert_true(same_result(&r[i], &r2[i]));
	}
	stats_perm_suite(sums, B, obs, active, &suite2);
	NEAR(suite.obs, suite2.obs, 1e-12);
	NEAR(suite.null_mean, suite2.null_mean, 1e-12);
	NEAR(suite.null_sd, suite2.null_sd, 1e-12);
	NEAR(suite.p, suite2.p, 1e-12);

	/* a sitting-out stratum adds nothing to the sums; no active stratum: obs 0, p 1 */
	memset(sums, 0, sizeof(sums));
	assert_int_equal(stats_perm_stratum(&st[2], 2, B, 42, &r2[2], sums), 0);
	for (b = 0; b < B; b++)
		assert_true(sums[b] == 0);
	NEAR(r2[2].p, 1, 0);
	stats_perm_suite(sums, B, 0, 0, &suite2);
	NEAR(suite2.obs, 0, 0);
	NEAR(suite2.p, 1, 0);
	for (i = 0; i < 8; i++)
		free(cps[i]);
}

/* Under an exchangeable null the p-values are (close to) uniform: a loose, deterministic
 * check over 300 seeds of data drawn from one distribution for both groups. */
static void test_perm_uniform_null(void **state)
{
	size_t seed, le05 = 0, le50 = 0, le20 = 0, n = 300;

	(void)state;
	for (seed = 0; seed < n; seed++) {
		struct rng g;
		unsigned labels[20];
		struct stats_stratum st = {
			.dist = STATS_TV, .n_a = 10, .n_b = 10, .labels = labels, .k = 4
		};
		struct stats_perm_result r, suite;
		size_t i;

		rng_seed(&g, 1000 + seed);
		for (i = 0; i < 20; i++) {
			double u = rng_unit(&g);

			labels[i] = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
		}
		stats_perm_test(&st, 1, 199, seed, &r, &suite);
		le05 += r.p <= 0.05;
		le20 += r.p <= 0.20;
		le50 += r.p <= 0.50;
	}
	/* Discrete TV makes the test conservative; it must never be anti-conservative. */
	assert_true(le05 <= 0.05 * n + 3 * sqrt(0.05 * 0.95 * n));
	assert_true(le05 >= 1);
	assert_true(le20 <= 0.20 * n + 3 * sqrt(0.2 * 0.8 * n));
	assert_true(le20 >= 0.08 * n);
	assert_true(le50 <= 0.50 * n + 3 * sqrt(0.25 * n));
	assert_true(le50 >= 0.30 * n);
}

static void test_perm_uniform_null_mmd(void **state)
{
	static const char *words[] = { "the cat sat", "the cat sits", "a cat sat", "the dog sat",
				       "the cat sat down" };
	size_t seed, le10 = 0, le50 = 0, n = 200;

	(void)state;
	for (seed = 0; seed < n; seed++) {
		struct rng g;
		const char *s[8];
		double K[64];
		struct stats_stratum st = { .dist = STATS_MMD, .n_a = 4, .n_b = 4, .K = K };
		struct stats_perm_result r, suite;
		size_t i;

		rng_seed(&g, 5000 + seed);
		for (i = 0; i < 8; i++)
			s[i] = words[rng_below(&g, 5)];
		kmat(STATS_K_HAMMING, s, 8, 16, K);
		stats_perm_test(&st, 1, 199, seed, &r, &suite);
		le10 += r.p <= 0.10;
		le50 += r.p <= 0.50;
	}
	assert_true(le10 <= 0.10 * n + 3 * sqrt(0.09 * n));
	assert_true(le50 <= 0.50 * n + 3 * sqrt(0.25 * n));
	assert_true(le50 >= 0.25 * n);
}

static void test_bh(void **state)
{
	/* Benjamini & Hochberg (1995) example, as in scipy's false_discovery_control tests; the
	 * expected values are R's p.adjust(p, "BH"). */
	static const double p[] = { 0.0201, 0.7590, 0.0344, 0.0278, 0.0095, 0.0298, 0.6719, 1.0000,
				    0.0001, 0.4262, 0.0004, 0.6528, 0.3240, 0.0459, 0.0019 };
	static const double want[] = { 0.0603,	 0.8132142857, 0.0645,	     0.0638571429,
				       0.035625, 0.0638571429, 0.7752692308, 1,
				       0.0015,	 0.5811818182, 0.003,	     0.7752692308,
				       0.486,	 0.0765,       0.0095 };
	double q[15];
	size_t i, rejected = 0;

	(void)state;
	stats_bh(p, 15, q);
	for (i = 0; i < 15; i++) {
		NEAR(q[i], want[i], 1e-9);
		rejected += q[i] <= 0.05;
	}
	assert_int_equal(rejected, 4); /* the paper rejects the four smallest */
	{
		double p2[] = { 0.1, 0.5, 0.9 }, q2[3];

		stats_bh(p2, 3, q2);
		NEAR(q2[0], 0.3, 1e-12);
		NEAR(q2[1], 0.75, 1e-12);
		NEAR(q2[2], 0.9, 1e-12);
	}
}

static void test_fisher(void **state)
{
	(void)state;
	/* values from an independent exact enumeration (Python math.comb), matching scipy */
	NEAR(stats_fisher_exact(8, 2, 1, 5), 0.03496503496503496, 1e-10);
	NEAR(stats_fisher_exact(3, 1, 1, 3), 0.4857142857142857, 1e-10);
	NEAR(stats_fisher_exact(10, 0, 0, 10), 1.082508822446903e-05, 1e-12);
	NEAR(stats_fisher_exact(2, 7, 8, 2), 0.023014137565221155, 1e-10);
	NEAR(stats_fisher_exact(5, 5, 5, 5), 1.0, 1e-10);
}

/* The one-sided test: expected values from an exact enumeration in rational arithmetic (Python
 * fractions.Fraction and math.comb, the sum of P(X = x) for x >= a; R's fisher.test(alternative =
 * "greater") gives 0.02448 for the first). */
static void test_fisher_greater(void **state)
{
	(void)state;
	NEAR(stats_fisher_greater(8, 2, 1, 5), 0.024475524475524476, 1e-10);
	NEAR(stats_fisher_greater(3, 1, 1, 3), 0.24285714285714285, 1e-10);
	NEAR(stats_fisher_greater(10, 0, 0, 10), 5.412544112234515e-06, 1e-12);
	NEAR(stats_fisher_greater(2, 7, 8, 2), 0.9990149169715733, 1e-10);
	NEAR(stats_fisher_greater(5, 5, 5, 5), 0.6718591006516703, 1e-10);
	NEAR(stats_fisher_greater(0, 10, 0, 10), 1.0, 1e-12);
	/* the transposed table and the table with rows and columns both swapped: the same test */
	NEAR(stats_fisher_greater(8, 1, 2, 5), 0.024475524475524476, 1e-10);
	NEAR(stats_fisher_greater(5, 1, 2, 8), 0.024475524475524476, 1e-10);
}

/* The stratified exact test. Expected values from an independent exact enumeration in rational
 * arithmetic (Python fractions.Fraction and math.comb, convolving each stratum's hypergeometric
 * distribution, R's relative tolerance 1e-7; the method of R's mantelhaen.test(exact = TRUE)). */
static void test_fisher_strata(void **state)
{
	const struct stats_2x2 one[] = { { 8, 2, 1, 5 } };
	/* a 10% rate tonight on three of five prompts that never showed it in 50 answers each */
	const struct stats_2x2 fence[] = { { 0, 50, 1, 9 },
					   { 0, 50, 1, 9 },
					   { 0, 50, 0, 10 },
					   { 0, 50, 1, 9 },
					   { 0, 50, 0, 10 } };
	const struct stats_2x2 up[] = { { 2, 48, 3, 7 }, { 1, 49, 2, 8 }, { 0, 50, 4, 6 } };
	const struct stats_2x2 mixed[] = { { 3, 7, 2, 8 }, { 5, 5, 4, 6 }, { 1, 9, 6, 4 } };
	const struct stats_2x2 none[] = { { 0, 50, 0, 10 }, { 0, 50, 0, 10 } };
	const struct stats_2x2 same[] = { { 10, 40, 2, 8 }, { 5, 45, 1, 9 } };

	(void)state;
	/* one stratum is Fisher's exact test */
	NEAR(stats_fisher_strata(one, 1), stats_fisher_exact(8, 2, 1, 5), 1e-12);
	NEAR(stats_fisher_strata(one, 1), 0.03496503496503497, 1e-10);
	NEAR(stats_fisher_strata(fence, ARRAY_SIZE(fence)), 0.004629629629629629, 1e-10);
	NEAR(stats_fisher_strata(up, ARRAY_SIZE(up)), 5.650914697329295e-06, 1e-12);
	NEAR(stats_fisher_strata(mixed, ARRAY_SIZE(mixed)), 0.5899242794832058, 1e-10);
	NEAR(stats_fisher_strata(none, ARRAY_SIZE(none)), 1.0, 1e-12);
	NEAR(stats_fisher_strata(same, ARRAY_SIZE(same)), 1.0, 1e-10);
	NEAR(stats_fisher_strata(NULL, 0), 1.0, 1e-12);
}

/* The chance of table [[x, r1 - x], [c1 - x, ...]] given its margins (n answers). */
static double hyper_pmf(size_t x, size_t r1, size_t c1, size_t n)
{
	return exp(lgamma((double)r1 + 1) - lgamma((double)x + 1) - lgamma((double)(r1 - x) + 1) +
		   lgamma((double)(n - r1) + 1) - lgamma((double)(c1 - x) + 1) -
		   lgamma((double)(n - r1 - c1 + x) + 1) - lgamma((double)n + 1) +
		   lgamma((double)c1 + 1) + lgamma((double)(n - c1) + 1));
}

/* P(least p-value of the family <= thr) by enumerating every joint value of the a cells. */
static double minp_brute(const struct stats_2x2 *t, size_t k, int pooled, double thr, size_t i,
			 struct stats_2x2 *cur, double prob)
{
	size_t r1, c1, n, lo, hi, x, j;
	double sum = 0, least = 1;

	if (i == k) {
		for (j = 0; j < k; j++)
			least = fmin(least,
				     stats_fisher_exact(cur[j].a, cur[j].b, cur[j].c, cur[j].d));
		if (pooled)
			least = fmin(least, stats_fisher_strata(cur, k));
		return least <= thr * (1 + 1e-7) ? prob : 0;
	}
	r1 = t[i].a + t[i].b;
	c1 = t[i].a + t[i].c;
	n = r1 + t[i].c + t[i].d;
	lo = c1 + r1 > n ? c1 + r1 - n : 0;
	hi = r1 < c1 ? r1 : c1;
	for (x = lo; x <= hi; x++) {
		cur[i].a = x;
		cur[i].b = r1 - x;
		cur[i].c = c1 - x;
		cur[i].d = n - r1 - c1 + x;
		sum += minp_brute(t, k, pooled, thr, i + 1, cur, prob * hyper_pmf(x, r1, c1, n));
	}
	return sum;
}

/* The exact min-p adjustment against enumeration; a stratified test over tables that alone
 * can never be small (one fence each, against none in 130) is adjusted by nothing; tables that
 * cannot reach a p-value cost nothing. */
static void test_minp(void **state)
{
	const struct stats_2x2 fence[] = { { 0, 130, 1, 9 }, { 0, 130, 1, 9 } };
	const struct stats_2x2 refusals[] = {
		{ 2, 128, 0, 10 }, { 1, 129, 1, 9 }, { 3, 127, 0, 10 }, { 0, 130, 2, 8 }
	};
	const struct stats_2x2 checks[] = { { 10, 0, 7, 3 }, { 9, 1, 10, 0 } };
	const struct stats_2x2 one[] = { { 0, 130, 2, 8 } },
			       two[] = { { 0, 130, 2, 8 }, { 0, 130, 1, 9 } };
	const double thr[] = { 0.0005, 0.001, 0.0046, 0.005, 0.01, 0.05, 0.2, 1 };
	struct stats_2x2 cur[4];
	struct stats_minp *m;
	double pf = stats_fisher_strata(fence, 2), p1;
	size_t i;
	int pooled;

	(void)state;
	m = stats_minp_new(fence, 2, 1);
	NEAR(stats_minp_adjust(m, pf), pf, 1e-12);
	NEAR(pf, 100.0 / (140.0 * 140.0), 1e-12);
	stats_minp_free(m);
	for (pooled = 0; pooled < 2; pooled++) {
		m = stats_minp_new(refusals, ARRAY_SIZE(refusals), pooled);
		for (i = 0; i < ARRAY_SIZE(thr); i++)
			NEAR(stats_minp_adjust(m, thr[i]),
			     fmax(thr[i], minp_brute(refusals, ARRAY_SIZE(refusals), pooled, thr[i],
						     0, cur, 1)),
			     1e-10);
		stats_minp_free(m);
	}
	m = stats_minp_new(checks, ARRAY_SIZE(checks), 0);
	for (i = 0; i < ARRAY_SIZE(thr); i++)
		NEAR(stats_minp_adjust(m, thr[i]),
		     fmax(thr[i], minp_brute(checks, ARRAY_SIZE(checks), 0, thr[i], 0, cur, 1)),
		     1e-10);
	stats_minp_free(m);
	p1 = stats_fisher_exact(0, 130, 2, 8);
	m = stats_minp_new(one, 1, 0);
	NEAR(stats_minp_adjust(m, p1), p1, 1e-12);
	stats_minp_free(m);
	m = stats_minp_new(two, 2, 0);
	NEAR(stats_minp_adjust(m, p1), p1, 1e-12); /* 1 fence in 140 never goes below 0.07 */
	stats_minp_free(m);
	stats_minp_free(NULL);
}

/* One-sided mid-p: one fenced answer in 10 against none in 140 is exactly 10/150 one-sided,
 * half that as a mid-p; none at all is 1/2 whatever the tables. */
static void test_fisher_strata_mid(void **state)
{
	const struct stats_2x2 one[] = { { 1, 9, 0, 140 } };
	const struct stats_2x2 none[] = { { 0, 10, 1, 139 } };
	const struct stats_2x2 two[] = { { 1, 9, 0, 140 }, { 1, 9, 0, 140 } };

	(void)state;
	NEAR(stats_fisher_strata_mid_greater(one, 1), 0.5 * 10.0 / 150.0, 1e-12);
	NEAR(stats_fisher_strata_mid_greater(none, 1), 1 - 0.5 * 140.0 / 150.0, 1e-12);
	NEAR(stats_fisher_strata_mid_greater(two, 2), 0.5 * (10.0 / 150.0) * (10.0 / 150.0), 1e-12);
}

static void test_robust(void **state)
{
	double x[] = { 1, 2, 3, 4, 100 }, e[] = { 4, 1, 3, 2 };

	(void)state;
	NEAR(stats_median(x, 5), 3, 1e-12);
	NEAR(stats_mad_sd(x, 5), 1.4826, 1e-12); /* deviations 2 1 0 1 97 -> MAD 1 */
	NEAR(stats_median(e, 4), 2.5, 1e-12);
	assert_true(e[0] == 4); /* input untouched */
	NEAR(stats_median(x, 0), 0, 1e-12);
}

static void test_cusum(void **state)
{
	double hi = 0, lo = 0;

	(void)state;
	assert_int_equal(stats_cusum_step(&hi, &lo, 1, 0.5, 1.2), 0); /* hi 0.5 */
	assert_int_equal(stats_cusum_step(&hi, &lo, 1, 0.5, 1.2), 0); /* hi 1.0 */
	assert_int_equal(stats_cusum_step(&hi, &lo, 1, 0.5, 1.2), 1); /* hi 1.5 */
	NEAR(hi, 1.5, 1e-12);
	NEAR(lo, 0, 1e-12);
	hi = lo = 0;
	assert_int_equal(stats_cusum_step(&hi, &lo, -2, 0.5, 2), 0); /* lo 1.5 */
	assert_int_equal(stats_cusum_step(&hi, &lo, -1, 0.5, 2), 0); /* lo 2.0: not > h */
	assert_int_equal(stats_cusum_step(&hi, &lo, -1, 0.5, 2), 1); /* lo 2.5 */
	/* noise around zero below k does not accumulate */
	hi = lo = 0;
	for (int i = 0; i < 100; i++)
		assert_int_equal(stats_cusum_step(&hi, &lo, i % 2 ? 0.4 : -0.4, 0.5, 2), 0);
}

/* Student's t upper tail against closed forms (df 1: Cauchy, df 2) and published quantiles
 * (t 0.975 and 0.995 of df 5, 10 and 30), the normal limit, and symmetry. */
static void test_t_sf(void **state)
{
	(void)state;
	NEAR(stats_t_sf(1.5, 1), 0.5 - atan(1.5) / acos(-1), 1e-12);
	NEAR(stats_t_sf(2, 2), 0.5 - 2 / (2 * sqrt(6)), 1e-12);
	NEAR(stats_t_sf(2.228139, 10), 0.025, 1e-6);
	NEAR(stats_t_sf(4.032143, 5), 0.005, 1e-6);
	NEAR(stats_t_sf(2.042272, 30), 0.025, 1e-6);
	NEAR(stats_t_sf(3, 1e7), 0.5 * erfc(3 / sqrt(2)), 1e-7);
	NEAR(stats_t_sf(0, 7), 0.5, 1e-12);
	NEAR(stats_t_sf(-2.228139, 10), 0.975, 1e-6);
	NEAR(stats_t_sf(INFINITY, 3), 0, 0);
	/* fewer values behind the spread: a heavier tail */
	assert_true(stats_t_sf(4, 6) > 10 * stats_t_sf(4, 1e6));
	assert_true(isnan(stats_t_sf(1, 0)));
}

static void test_round(void **state)
{
	(void)state;
	NEAR(stats_round(0.123456, 4), 0.1235, 1e-15);
	NEAR(stats_round(-0.00001, 4), 0, 0);
	assert_false(signbit(stats_round(-0.00001, 4)));
	NEAR(stats_round(NAN, 4), 0, 0);
}

/* p- and q-values as every text prints them: never a rounded "0" */
static void test_format_p(void **state)
{
	static const struct {
		double p;
		const char *want;
	} cases[] = {
		{ 0, "< 0.001" },
		{ 1e-12, "< 0.001" },
		{ 0.000999, "< 0.001" },
		{ 0.001, "0.001" },
		{ 0.0013, "0.0013" },
		{ 0.0357, "0.036" },
		{ 0.03575851, "0.036" },
		{ 0.5, "0.5" },
		{ 1, "1" },
		{ NAN, "?" },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(stats_format_p(cases[i].p, buf, sizeof(buf)), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tv_counts),
		cmocka_unit_test(test_codepoints),
		cmocka_unit_test(test_hamming),
		cmocka_unit_test(test_ngram_kernel),
		cmocka_unit_test(test_mmd_hand),
		cmocka_unit_test(test_mmd_fast_matches_direct),
		cmocka_unit_test(test_perm_exact_small),
		cmocka_unit_test(test_perm_stratified),
		cmocka_unit_test(test_perm_stratum_suite),
		cmocka_unit_test(test_perm_uniform_null),
		cmocka_unit_test(test_perm_uniform_null_mmd),
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_fisher),
		cmocka_unit_test(test_fisher_greater),
		cmocka_unit_test(test_minp),
		cmocka_unit_test(test_fisher_strata_mid),
		cmocka_unit_test(test_fisher_strata),
		cmocka_unit_test(test_robust),
		cmocka_unit_test(test_cusum),
		cmocka_unit_test(test_t_sf),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_format_p),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
