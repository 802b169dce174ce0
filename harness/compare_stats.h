/* compare_stats.h: the verdict of `plumbline compare` (is the candidate safe to switch to?) from
 * counts alone, so it is tested without HTTP. One test per (prompt, signal): a signal is a check
 * (good = passing samples) or the prompt's refusal rate (good = answers that are no refusal). Each
 * test compares the good counts of --vendor (a) and --against (b) with one-sided Fisher exact
 * tests in both directions; Benjamini-Hochberg adjusts each direction across all the tests. A test
 * regressed when its "worse" q-value is at most the FDR level and the observed drop in the good
 * rate is at least half the smallest drop that matters (min_drop): a true drop of min_drop clears
 * that half-way mark with high probability once the test has the power to see it, and tiny real
 * differences (far below min_drop) never block. Improvements the same way, the other direction. */
#ifndef PL_COMPARE_STATS_H
#define PL_COMPARE_STATS_H

#include "pl.h"

struct detect_params;
struct prompt_samples;

struct cmp_test {
	size_t good_a, n_a;	  /* --vendor: good samples, samples */
	size_t good_b, n_b;	  /* --against */
	double rate_a, rate_b;	  /* good_x / n_x (0 when n_x is 0) */
	double p_worse, p_better; /* one-sided Fisher exact p-values (1 when a side has no samples)
				   */
	double q_worse, q_better; /* Benjamini-Hochberg across all the tests */
	int regressed, improved;
};

struct cmp_params {
	double fdr;	 /* the Benjamini-Hochberg level (default 0.05) */
	double min_drop; /* the smallest change in a good rate that matters (default 0.1) */
};

#define CMP_DEFAULT_FDR	     0.05
#define CMP_DEFAULT_MIN_DROP 0.1
/* The good rate the power is quoted at (a check passing 90% of the time on --vendor). */
#define CMP_POWER_RATE 0.9

/* Fills the rates, p- and q-values and flags of t[0..n) (good_x and n_x set by the caller).
 * Returns the number of regressed tests and sets *improved to the number of improved ones. */
size_t compare_decide(struct cmp_test *t, size_t n, const struct cmp_params *par, size_t *improved);

/* The probability that one test of n_a and n_b samples regresses (as compare_decide says: a
 * one-sided Fisher p-value at most alpha and an observed drop of at least min_drop / 2) when the
 * good rate truly drops from rate to rate - min_drop. Exact: the sum over both binomial
 * distributions (terms below 1e-12 left out). compare_power_alpha gives the alpha Benjamini-
 * Hochberg applies to a single regressed test among m: fdr / m (so the power is a lower bound
 * when several tests regress together). */
double compare_power(double rate, double min_drop, size_t n_a, size_t n_b, double alpha);
double compare_power_alpha(double fdr, size_t m);
/* The smallest number of samples per side (at most max_n) at which compare_power reaches
 * target, found by bisection (the power grows with the samples, up to the lattice's small
 * wobbles); max_n + 1 when even max_n falls short. */
size_t compare_samples_for_power(double rate, double min_drop, double alpha, double target,
				 size_t max_n);

/* The default of compare --min-power: a "safe" verdict needs at least this power to see a drop
 * of min_drop; below it the comparison is inconclusive. */
#define CMP_DEFAULT_MIN_POWER 0.8

/* The answers of ps (NULL: none) that are no refusal by the detection's classifier (its patterns,
 * or the API's refused/blocked flags), the good count of a prompt's refusal test. */
size_t compare_not_refused(const struct detect_params *params, const struct prompt_samples *ps);
/* 1 when sample i of ps is a refusal by the same classifier. */
int compare_is_refusal(const struct detect_params *params, const struct prompt_samples *ps,
		       size_t i);

#endif
