/* bench_bound.c: how often ANY detector could catch a change confined to a few prompts on
 * the benchmark's categorical scenarios (tests/support/scenario.h), at a given false-alarm
 * rate: the reference that bench_scenarios' first-night figures are read against.
 *
 * usage: bench_bound [--trials N] [--history N] [--draws N] [--only NAME,...]
 *
 * On a cat or labels scenario whose change moves some prompts, each night's answers are
 * scored by two likelihood-ratio tests that know more than a detector can:
 * - oracle: knows every prompt's true answer distribution, the exact change (which option
 *   gains what), the night's noise factor and serving state, and the noise model; it does
 *   not know which prompts moved (all k-subsets equally likely) nor each prompt's own noise
 *   that night (integrated out by Monte Carlo). By the Neyman-Pearson lemma no test of the
 *   night's answers has more power at the same false-alarm rate, so its first-night
 *   detection is an upper bound for every detector on that scenario.
 * - any-change: the same, but the change is unknown: a moved prompt's new mix is uniform
 *   over all mixes of its options (Dirichlet(1)). What a detector that knew the baseline and
 *   the noise exactly, and nothing of the change, could do with a neutral prior.
 * A night's statistic is log(e_k(LR_1..LR_25) / C(25, k)), e_k the elementary symmetric
 * polynomial of the prompts' likelihood ratios (the likelihood ratio of "k prompts moved,
 * any k"). Thresholds are the unchanged nights' empirical quantiles at 1, 2 and 3 false
 * alarms per 100 nights; detection is the share of first changed nights above them.
 * Default 200 trials (about a minute a scenario); every figure is fixed by seeds. */
#include "sampleset.h"
#include "sbuf.h"
#include "scenario.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_SAMPLES 10
#define N_FA	  3

static const double fa_rates[N_FA] = { 0.01, 0.02, 0.03 };

enum { ORACLE, ANY, N_TESTS };

struct series {
	double *v;
	size_t n, cap;
};

static void push(struct series *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = v;
}

/* log of the Dirichlet(1)-multinomial probability of a sequence with these counts */
static double log_any_mix(const unsigned *c, size_t k)
{
	double r = lgamma((double)k);
	unsigned n = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		r += lgamma(1.0 + c[i]);
		n += c[i];
	}
	return r - lgamma((double)k + n);
}

/* log(e_k(exp(l[0..n-1])) / C(n, k)), scaled by the largest term against overflow */
static double log_subsets(const double *l, size_t n, size_t k)
{
	double top = -HUGE_VAL, e[SCEN_PROMPTS + 1], logc;
	size_t i, j;

	for (i = 0; i < n; i++)
		if (l[i] > top)
			top = l[i];
	memset(e, 0, sizeof(e));
	e[0] = 1;
	for (i = 0; i < n; i++) {
		double x = exp(l[i] - top);

		for (j = k; j > 0; j--)
			e[j] += e[j - 1] * x;
	}
	logc = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma((double)(n - k) + 1.0);
	return log(e[k]) + (double)k * top - logc;
}

/* One night's statistic for both tests. */
static void score(const struct scenario *sc, unsigned long long trial, int night, int changed,
		  size_t k, size_t draws, double out[N_TESTS])
{
	struct sampleset *s = scenario_night(sc, trial, night, changed, N_SAMPLES);
	double l[N_TESTS][SCEN_PROMPTS];
	size_t p, i;

	for (p = 0; p < SCEN_PROMPTS; p++) {
		const char *texts[SCEN_MAX_OPT];
		double probs[SCEN_MAX_OPT], l0;
		unsigned c[SCEN_MAX_OPT] = { 0 };
		size_t opts = scenario_cat_part(sc, trial, night, 0, p, 0, texts, probs);
		const struct prompt_samples *ps = &s->prompts[p];

		for (i = 0; i < ps->n; i++) {
			int o = scenario_cat_option(sc, trial, p, ps->samples[i].text);

			if (o >= 0)
				c[o]++;
		}
		l0 = scenario_cat_loglik(sc, trial, night, 0, p, c, draws);
		l[ORACLE][p] = scenario_cat_loglik(sc, trial, night, 1, p, c, draws) - l0;
		l[ANY][p] = log_any_mix(c, opts) - l0;
	}
	for (i = 0; i < N_TESTS; i++)
		out[i] = log_subsets(l[i], SCEN_PROMPTS, k);
	sampleset_free(s);
}

static int by_value_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

/* The share of `alt` above the unchanged nights' threshold at false-alarm rate fa. */
static double power(struct series *null, const struct series *alt, double fa)
{
	size_t i, hit = 0, at = (size_t)(fa * (double)null->n);
	double thr;

	qsort(null->v, null->n, sizeof(*null->v), by_value_desc);
	thr = null->v[at < null->n ? at : null->n - 1];
	for (i = 0; i < alt->n; i++)
		hit += alt->v[i] > thr;
	return alt->n ? 100.0 * (double)hit / (double)alt->n : 0;
}

int main(int argc, char **argv)
{
	const struct scenario *list;
	const char *only = NULL;
	int trials = 200, history = 12, draws = 400, i, t, n;
	size_t n_list, s, p, j;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trials") && i + 1 < argc) {
			trials = tu_count_arg(argv[++i], trials);
		} else if (!strcmp(argv[i], "--history") && i + 1 < argc) {
			history = tu_count_arg(argv[++i], history);
		} else if (!strcmp(argv[i], "--draws") && i + 1 < argc) {
			draws = tu_count_arg(argv[++i], draws);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else {
			fprintf(stderr, "usage: bench_bound [--trials N] [--history N] [--draws N] "
					"[--only NAME,...]\n");
			return 2;
		}
	}
	list = scenario_list(&n_list);
	printf("first-night detection no detector can beat, on the categorical scenarios whose "
	       "change moves prompts: %d trials, %d unchanged nights each, %d prompts x %d "
	       "samples, %d noise draws\n\n",
	       trials, history, SCEN_PROMPTS, N_SAMPLES, draws);
	printf("| scenario | prompts moved | unchanged nights | oracle bound at 1 / 2 / 3 false "
	       "alarms per 100 nights | any-change bound at 1 / 2 / 3 per 100 |\n"
	       "|---|---|---|---|---|\n");
	for (s = 0; s < n_list; s++) {
		const struct scenario *sc = &list[s];
		struct series null[N_TESTS], alt[N_TESTS];
		size_t k = 0;

		if (sc->family == SCEN_SIM || !tu_listed(only, sc->name) ||
		    (sc->change != SCEN_MOVE_PROMPTS && sc->change != SCEN_RARE_LABEL))
			continue;
		memset(null, 0, sizeof(null));
		memset(alt, 0, sizeof(alt));
		for (t = 1; t <= trials; t++) {
			double v[N_TESTS];

			for (k = 0, p = 0; p < SCEN_PROMPTS; p++)
				k += (size_t)scenario_touches(sc, (unsigned long long)t, p);
			for (n = 1; n <= history + 1; n++) {
				score(sc, (unsigned long long)t, n, n > history, k, (size_t)draws,
				      v);
				for (j = 0; j < N_TESTS; j++)
					push(n > history ? &alt[j] : &null[j], v[j]);
			}
		}
		printf("| %s | %zu of %d | %zu |", sc->name, k, SCEN_PROMPTS, null[0].n);
		for (j = 0; j < N_TESTS; j++) {
			printf(" %.0f%% / %.0f%% / %.0f%% |", power(&null[j], &alt[j], fa_rates[0]),
			       power(&null[j], &alt[j], fa_rates[1]),
			       power(&null[j], &alt[j], fa_rates[2]));
			free(null[j].v);
			free(alt[j].v);
		}
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
