/* compare_stats.c: compare's per-(prompt, signal) exact tests, Benjamini-Hochberg and power. */
#include "compare_stats.h"

#include "detect_int.h"
#include "refusal.h"
#include "sampleset.h"
#include "sbuf.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t compare_decide(struct cmp_test *t, size_t n, const struct cmp_params *par, size_t *improved)
{
	double *pw = xcalloc(n ? n : 1, sizeof(*pw)), *pb = xcalloc(n ? n : 1, sizeof(*pb));
	double *qw = xcalloc(n ? n : 1, sizeof(*qw)), *qb = xcalloc(n ? n : 1, sizeof(*qb));
	size_t i, regressed = 0;

	*improved = 0;
	for (i = 0; i < n; i++) {
		struct cmp_test *x = &t[i];

		x->rate_a = x->n_a ? (double)x->good_a / (double)x->n_a : 0;
		x->rate_b = x->n_b ? (double)x->good_b / (double)x->n_b : 0;
		if (!x->n_a || !x->n_b) {
			x->p_worse = x->p_better = 1;
		} else {
			/* rows: --vendor, --against; columns: good, bad */
			x->p_worse = stats_fisher_greater(x->good_a, x->n_a - x->good_a, x->good_b,
							  x->n_b - x->good_b);
			x->p_better = stats_fisher_greater(x->good_b, x->n_b - x->good_b, x->good_a,
							   x->n_a - x->good_a);
		}
		pw[i] = x->p_worse;
		pb[i] = x->p_better;
	}
	stats_bh(pw, n, qw);
	stats_bh(pb, n, qb);
	for (i = 0; i < n; i++) {
		struct cmp_test *x = &t[i];
		double d = x->rate_a - x->rate_b, half = par->min_drop / 2 - 1e-12;

		x->q_worse = qw[i];
		x->q_better = qb[i];
		x->regressed = x->q_worse <= par->fdr && d >= half;
		x->improved = x->q_better <= par->fdr && -d >= half;
		regressed += (size_t)x->regressed;
		*improved += (size_t)x->improved;
	}
	free(pw);
	free(pb);
	free(qw);
	free(qb);
	return regressed;
}

/* log of the binomial probability of k of n at rate p */
static double log_binom(size_t k, size_t n, double p)
{
	double lc = lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1);

	if (p <= 0)
		return k ? -INFINITY : 0;
	if (p >= 1)
		return k == n ? 0 : -INFINITY;
	return lc + (double)k * log(p) + (double)(n - k) * log1p(-p);
}

double compare_power(double rate, double min_drop, size_t n_a, size_t n_b, double alpha)
{
	double rb = rate - min_drop, power = 0, *pb;
	size_t xa, xb;

	if (!n_a || !n_b)
		return 0;
	if (rb < 0)
		rb = 0;
	pb = xcalloc(n_b + 1, sizeof(*pb));
	for (xb = 0; xb <= n_b; xb++)
		pb[xb] = exp(log_binom(xb, n_b, rb));
	for (xa = 0; xa <= n_a; xa++) {
		double pa = exp(log_binom(xa, n_a, rate));

		if (pa < 1e-12)
			continue;
		for (xb = 0; xb <= n_b; xb++) {
			double d = (double)xa / (double)n_a - (double)xb / (double)n_b;

			if (pb[xb] < 1e-12 || d < min_drop / 2 - 1e-12)
				continue;
			if (stats_fisher_greater(xa, n_a - xa, xb, n_b - xb) <= alpha)
				power += pa * pb[xb];
		}
	}
	free(pb);
	return power > 1 ? 1 : power;
}

double compare_power_alpha(double fdr, size_t m)
{
	return m ? fdr / (double)m : fdr;
}

size_t compare_samples_for_power(double rate, double min_drop, double alpha, double target,
				 size_t max_n)
{
	size_t lo = 1, hi = max_n;

	if (compare_power(rate, min_drop, max_n, max_n, alpha) < target)
		return max_n + 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (compare_power(rate, min_drop, mid, mid, alpha) >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int compare_is_refusal(const struct detect_params *params, const struct prompt_samples *ps,
		       size_t i)
{
	const struct sample *sm = &ps->samples[i];

	return refusal_is(params ? params->refusal : NULL, sm->text, strlen(sm->text), sm->refused,
			  sm->blocked);
}

size_t compare_not_refused(const struct detect_params *params, const struct prompt_samples *ps)
{
	size_t i, good = 0;

	for (i = 0; ps && i < ps->n; i++)
		good += !compare_is_refusal(params, ps, i);
	return good;
}
