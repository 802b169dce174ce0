/* stats.h: the statistics behind detection: total-variation distance, MMD with string kernels,
 * prompt-stratified permutation tests, Benjamini-Hochberg, Fisher's exact test, two-sided
 * CUSUM and robust (median/MAD) summaries. Pure computation: no I/O, no allocation failures
 * reported (allocation aborts, as everywhere in plumbline), deterministic for a seed. */
#ifndef PL_STATS_H
#define PL_STATS_H

#include "pl.h"

/* Total-variation distance 0.5 * sum_i |a_i/na - b_i/nb| between two count vectors of k
 * categories. Returns 0 when either total is 0. */
double stats_tv_counts(const size_t *a, size_t na, const size_t *b, size_t nb, size_t k);

/* Decodes UTF-8 into code points (invalid bytes become U+FFFD). Returns a new array
 * (caller frees) and its length in *n. */
uint32_t *stats_codepoints(const char *s, size_t *n);

/* String kernels, each in [0, 1] with k(x, x) = 1:
 *  hamming: the share of positions 0..L-1 whose code points agree, both strings padded to L
 *           with a pad symbol no text contains (Gao, Liang, Guestrin, ICLR 2025);
 *  ngram:   cosine similarity of the character n-gram count vectors (strings shorter than n
 *           count as one n-gram of themselves; two empty strings have similarity 1). */
double stats_kernel_hamming(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t L);
enum stats_kernel { STATS_K_HAMMING = 0, STATS_K_NGRAM };
/* Fills the symmetric N x N matrix K (row-major, caller-allocated) for N strings given as
 * code-point arrays. `param` is L for hamming and n for ngram. */
void stats_kernel_matrix(enum stats_kernel kind, const uint32_t *const *cps, const size_t *lens,
			 size_t N, size_t param, double *K);

/* Unbiased MMD^2 (a U-statistic) between group X = {i : in_y[i] == 0} and Y = the rest, from
 * the N x N kernel matrix. Needs at least 2 members in each group; returns 0 otherwise. */
double stats_mmd2(const double *K, size_t N, const unsigned char *in_y);

/* One stratum of a permutation test: the pooled samples of one prompt, the first n_a from
 * the reference (baseline), the next n_b from tonight. */
enum stats_dist { STATS_TV = 0, STATS_MMD };
struct stats_stratum {
	enum stats_dist dist;
	size_t n_a, n_b;
	const unsigned *labels; /* TV: category of each pooled sample, in [0, k) */
	size_t k;
	const double *K; /* MMD: (n_a + n_b)^2 kernel matrix */
};

/* Per-stratum results of stats_perm_test. */
struct stats_perm_result {
	double obs;	  /* the observed distance */
	double p;	  /* (1 + #{perm >= obs}) / (1 + B) */
	double null_mean; /* mean distance over the permutations: the sampling-noise floor */
	double null_sd;	  /* their standard deviation: the sampling noise of the distance */
	double null_q99;  /* their 99th percentile (strata only; 0 for the suite): the upper
			   * tail of the sampling noise, skewed for TV and MMD */
};

/* The mean, standard deviation and 99th percentile of n draws of a null distribution (x is
 * sorted in place): how stats_perm_stratum sums up its permutations, and how a caller that
 * draws its own null sums up the same. */
void stats_null_summary(double *x, size_t n, double *mean, double *sd, double *q99);

/* Prompt-stratified permutation test: every permutation relabels the samples within each
 * stratum only; the suite statistic is the mean distance over strata. Fills res[i] for each
 * stratum and *suite (its obs, p, null_mean and null_sd). Strata with n_a == 0 or n_b == 0 get obs
 * 0, p 1 and take no part in the suite statistic. B permutations, deterministic for seed. */
void stats_perm_test(const struct stats_stratum *st, size_t n_strata, size_t B, uint64_t seed,
		     struct stats_perm_result *res, struct stats_perm_result *suite);

/* The same test one stratum at a time, so strata need not be held together: stratum `index`
 * (its seed, as in stats_perm_test) fills *res and adds its B permuted distances into
 * null_sums[0..B) (the caller zeroes them once for the suite). Returns 1 when the stratum takes
 * part in the suite statistic (n_a and n_b both > 0; the caller then adds res->obs to its obs
 * sum and counts it active), 0 when it sits out (obs 0, p 1, nothing added). Strata added in
 * index order give bit-for-bit the results of stats_perm_test. */
int stats_perm_stratum(const struct stats_stratum *st, size_t index, size_t B, uint64_t seed,
		       struct stats_perm_result *res, double *null_sums);
/* The suite result from the summed null distances of the active strata, the sum of their
 * observed distances and their count (obs 0 and p 1 when active == 0). */
void stats_perm_suite(const double *null_sums, size_t B, double obs_sum, size_t active,
		      struct stats_perm_result *suite);

/* The distance of one stratum for a labelling: in_y[i] != 0 puts sample i in group B. */
double stats_stratum_distance(const struct stats_stratum *st, const unsigned char *in_y);

/* Benjamini-Hochberg adjusted p-values (q[i] for p[i]; same as R's p.adjust "BH" and
 * scipy.stats.false_discovery_control). Prompt i is "moved" at level f when q[i] <= f. */
void stats_bh(const double *p, size_t n, double *q);

/* Two-sided Fisher exact test for the 2x2 table [[a, b], [c, d]]: the probability of tables
 * with the same margins no more likely than the observed one. */
double stats_fisher_exact(size_t a, size_t b, size_t c, size_t d);
/* One-sided Fisher exact test for the same table: the probability, given the margins, of a top-left
 * cell at least as large as a (R's fisher.test(alternative = "greater")): small when the first
 * row's proportion a / (a + b) is above the second's c / (c + d). Swap the rows for "less". */
double stats_fisher_greater(size_t a, size_t b, size_t c, size_t d);

/* Exact test of the same proportion in two groups across k strata, each a 2x2 table
 * [[a, b], [c, d]] (a, b: one group's hits and misses; c, d: the other's), the proportions free
 * to differ between strata: conditional on every table's margins, the sum of the a cells is a
 * sum of independent hypergeometric variables; the two-sided p-value is the probability of sums
 * no more likely than the observed one (R's mantelhaen.test(exact = TRUE), the exact
 * conditional test of a common odds ratio of 1). One stratum gives stats_fisher_exact. */
struct stats_2x2 {
	size_t a, b, c, d;
};
double stats_fisher_strata(const struct stats_2x2 *t, size_t k);

/* One-sided mid-p of the same stratified test: the chance, given every table's margins, of a
 * sum of the a cells above the observed one plus half the chance of the observed sum (Lancaster's
 * mid-p: with few hits the exact p-value's size falls far below its level, the mid-p's stays
 * near it). Small when the first rows' proportions are above the second rows'. */
double stats_fisher_strata_mid_greater(const struct stats_2x2 *t, size_t k);

/* A family of Fisher exact tests over k 2x2 tables: each table alone (two-sided,
 * stats_fisher_exact) and, when `pooled`, all together by the stratified test
 * (stats_fisher_strata). Under the null that every table's rows share one proportion, and
 * conditional on every table's margins (independent hypergeometric a cells),
 * stats_minp_adjust(m, p) is the exact chance that the least p-value of the family is at most
 * p: the single-step min-p adjusted p-value (Westfall and Young 1993) of a test of the family
 * with p-value p, never below p. It counts each test by what it can attain, so tables that can
 * never give a small p-value cost nothing, and the stratified test's dependence on the tables
 * is exact. stats_minp_new returns a new object; stats_minp_free accepts NULL. */
struct stats_minp;
struct stats_minp *stats_minp_new(const struct stats_2x2 *t, size_t k, int pooled);
double stats_minp_adjust(const struct stats_minp *m, double p);
void stats_minp_free(struct stats_minp *m);

/* The upper tail P(T >= t) of Student's t with df degrees of freedom (df > 0; any real t):
 * a standardised deviation whose spread was itself estimated from df + 1 values is t, not
 * normal, and its tail is heavier the fewer there were. */
double stats_t_sf(double t, double df);

/* Robust centre and spread: the median, and 1.4826 * MAD (the normal-consistent scale).
 * Both 0 when n == 0. x is not modified. */
double stats_median(const double *x, size_t n);
double stats_mad_sd(const double *x, size_t n);

/* One step of a two-sided CUSUM on a standardised value z: hi = max(0, hi + z - k),
 * lo = max(0, lo - z - k). Returns 1 when either exceeds h. */
int stats_cusum_step(double *hi, double *lo, double z, double k, double h);

/* Rounds to `decimals` places (half away from zero); non-finite values become 0. Reports use
 * it so the same data always serialise to the same bytes. */
double stats_round(double x, int decimals);

/* A p- or q-value as every text prints it, after "p " or "q " (compare's regressed rows, the
 * what-changed figures of run reports and alerts): "< 0.001" below 0.001 (a rounded "0" would
 * claim a certainty no test gives), else 2 significant digits ("0.036", "0.0013", "0.5",
 * "1"); "?" when not a number. Writes into buf (16 bytes are enough) and returns it. */
const char *stats_format_p(double p, char *buf, size_t len);

#endif
