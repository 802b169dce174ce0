/* stats.c: distances, kernels, permutation tests and robust summaries for detection.
 * The permutation test computes each prompt's kernel matrix once and then only permutes
 * indices, so a thousand permutations of a 50-prompt suite cost milliseconds. */
#include "stats.h"

#include "rng.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double stats_tv_counts(const size_t *a, size_t na, const size_t *b, size_t nb, size_t k)
{
	double sum = 0;
	size_t i;

	if (!na || !nb)
		return 0;
	for (i = 0; i < k; i++)
		sum += fabs((double)a[i] / (double)na - (double)b[i] / (double)nb);
	return 0.5 * sum;
}

uint32_t *stats_codepoints(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0;
	uint32_t *out = xmalloc((len + 1) * sizeof(*out));

	while (i < len) {
		unsigned c = p[i];
		size_t need = 0, j;
		uint32_t cp;

		if (c < 0x80) {
			out[o++] = c;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
		} else {
			out[o++] = 0xfffd;
			i++;
			continue;
		}
		for (j = 1; j <= need; j++) {
			if (i + j >= len || (p[i + j] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if (j <= need) {
			out[o++] = 0xfffd;
			i++;
			continue;
		}
		out[o++] = cp;
		i += need + 1;
	}
	*n = o;
	return out;
}

double stats_kernel_hamming(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t L)
{
	size_t la = na < L ? na : L, lb = nb < L ? nb : L;
	size_t m = la < lb ? la : lb, hi = la > lb ? la : lb;
	size_t agree = 0, i;

	if (!L)
		return 1;
	for (i = 0; i < m; i++)
		agree += a[i] == b[i];
	/* Past the longer string both are padding and agree; in between, text meets padding. */
	agree += L - hi;
	return (double)agree / (double)L;
}

/* An n-gram profile: sorted distinct n-gram hashes with their counts. */
struct ngrams {
	uint64_t *h;
	double *c;
	size_t n;
	double norm;
};

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static void ngrams_build(struct ngrams *g, const uint32_t *cp, size_t len, size_t n)
{
	size_t cnt = len >= n ? len - n + 1 : (len ? 1 : 0), i, j, o = 0;
	uint64_t *h = xmalloc((cnt ? cnt : 1) * sizeof(*h));
	double norm = 0;

	for (i = 0; i < cnt; i++) {
		/* not hash.h's FNV-1a: XORs whole code points, basis 1469598103934665603 */
		uint64_t x = 1469598103934665603ULL;
		size_t end = len >= n ? i + n : len;

		for (j = i; j < end; j++)
			x = (x ^ cp[j]) * 1099511628211ULL;
		h[i] = x;
	}
	qsort(h, cnt, sizeof(*h), cmp_u64);
	g->c = xmalloc((cnt ? cnt : 1) * sizeof(*g->c));
	for (i = 0; i < cnt; i++) {
		if (o && h[o - 1] == h[i]) {
			g->c[o - 1] += 1;
			continue;
		}
		h[o] = h[i];
		g->c[o++] = 1;
	}
	for (i = 0; i < o; i++)
		norm += g->c[i] * g->c[i];
	g->h = h;
	g->n = o;
	g->norm = sqrt(norm);
}

static double ngrams_cosine(const struct ngrams *a, const struct ngrams *b)
{
	size_t i = 0, j = 0;
	double dot = 0;

	if (!a->n && !b->n)
		return 1;
	if (!a->n || !b->n)
		return 0;
	while (i < a->n && j < b->n) {
		if (a->h[i] == b->h[j])
			dot += a->c[i++] * b->c[j++];
		else if (a->h[i] < b->h[j])
			i++;
		else
			j++;
	}
	return dot / (a->norm * b->norm);
}

void stats_kernel_matrix(enum stats_kernel kind, const uint32_t *const *cps, const size_t *lens,
			 size_t N, size_t param, double *K)
{
	struct ngrams *g = NULL;
	size_t i, j;

	if (kind == STATS_K_NGRAM) {
		g = xcalloc(N ? N : 1, sizeof(*g));
		for (i = 0; i < N; i++)
			ngrams_build(&g[i], cps[i], lens[i], param ? param : 1);
	}
	for (i = 0; i < N; i++) {
		K[i * N + i] = 1;
		for (j = i + 1; j < N; j++) {
			double k = kind == STATS_K_NGRAM
					   ? ngrams_cosine(&g[i], &g[j])
					   : stats_kernel_hamming(cps[i], lens[i], cps[j], lens[j],
								  param);
			K[i * N + j] = k;
			K[j * N + i] = k;
		}
	}
	if (g) {
		for (i = 0; i < N; i++) {
			free(g[i].h);
			free(g[i].c);
		}
		free(g);
	}
}

/* MMD^2 from pair sums: pss over pairs inside S, poo inside O, pso across. */
static double mmd_from_sums(double pss, double poo, double pso, size_t ns, size_t no)
{
	if (ns < 2 || no < 2)
		return 0;
	return 2 * pss / ((double)ns * (double)(ns - 1)) +
	       2 * poo / ((double)no * (double)(no - 1)) - 2 * pso / ((double)ns * (double)no);
}

double stats_mmd2(const double *K, size_t N, const unsigned char *in_y)
{
	double pxx = 0, pyy = 0, pxy = 0;
	size_t i, j, nx = 0, ny = 0;

	for (i = 0; i < N; i++) {
		if (in_y[i])
			ny++;
		else
			nx++;
		for (j = i + 1; j < N; j++) {
			if (in_y[i] && in_y[j])
				pyy += K[i * N + j];
			else if (!in_y[i] && !in_y[j])
				pxx += K[i * N + j];
			else
				pxy += K[i * N + j];
		}
	}
	return mmd_from_sums(pyy, pxx, pxy, ny, nx);
}

/* Precomputed per-stratum state for fast relabelling: the smaller group S is drawn as a
 * random subset; everything about the other group follows from totals. */
struct stratum_ctx {
	const struct stats_stratum *st;
	size_t N, ns;
	size_t *tot;   /* TV: category totals */
	size_t *cs;    /* TV: scratch counts of S */
	double *rsum;  /* MMD: off-diagonal row sums */
	double tpairs; /* MMD: sum over all pairs i < j */
};

static void ctx_init(struct stratum_ctx *c, const struct stats_stratum *st)
{
	size_t i, j;

	memset(c, 0, sizeof(*c));
	c->st = st;
	c->N = st->n_a + st->n_b;
	c->ns = st->n_a < st->n_b ? st->n_a : st->n_b;
	if (st->dist == STATS_TV) {
		c->tot = xcalloc(st->k ? st->k : 1, sizeof(*c->tot));
		c->cs = xcalloc(st->k ? st->k : 1, sizeof(*c->cs));
		for (i = 0; i < c->N; i++)
			c->tot[st->labels[i]]++;
		return;
	}
	c->rsum = xcalloc(c->N ? c->N : 1, sizeof(*c->rsum));
	for (i = 0; i < c->N; i++) {
		for (j = 0; j < c->N; j++) {
			if (j != i)
				c->rsum[i] += st->K[i * c->N + j];
		}
		c->tpairs += c->rsum[i];
	}
	c->tpairs /= 2;
}

static void ctx_release(struct stratum_ctx *c)
{
	free(c->tot);
	free(c->cs);
	free(c->rsum);
}

/* Distance when sel[0..ns) form one group and the rest the other. */
static double ctx_distance(struct stratum_ctx *c, const size_t *sel)
{
	const struct stats_stratum *st = c->st;
	size_t ns = c->ns, no = c->N - c->ns, i, j;

	if (st->dist == STATS_TV) {
		double sum = 0;

		memset(c->cs, 0, st->k * sizeof(*c->cs));
		for (i = 0; i < ns; i++)
			c->cs[st->labels[sel[i]]]++;
		for (i = 0; i < st->k; i++)
			sum += fabs((double)c->cs[i] / (double)ns -
				    (double)(c->tot[i] - c->cs[i]) / (double)no);
		return 0.5 * sum;
	} else {
		double pss = 0, rs = 0, pso, poo;

		for (i = 0; i < ns; i++) {
			const double *row = st->K + sel[i] * c->N;

			rs += c->rsum[sel[i]];
			for (j = i + 1; j < ns; j++)
				pss += row[sel[j]];
		}
		pso = rs - 2 * pss;
		poo = c->tpairs - pss - pso;
		return mmd_from_sums(pss, poo, pso, ns, no);
	}
}

double stats_stratum_distance(const struct stats_stratum *st, const unsigned char *in_y)
{
	struct stratum_ctx c;
	size_t N = st->n_a + st->n_b, i, ny = 0, *sel;
	double d;

	if (!st->n_a || !st->n_b)
		return 0;
	for (i = 0; i < N; i++)
		ny += in_y[i] != 0;
	if (ny != st->n_b)
		return 0;
	ctx_init(&c, st);
	sel = xmalloc(N * sizeof(*sel));
	ny = 0;
	/* S is the smaller group; the distances are symmetric in the two groups. */
	for (i = 0; i < N; i++) {
		int in_s = st->n_b <= st->n_a ? in_y[i] != 0 : !in_y[i];

		if (in_s)
			sel[ny++] = i;
	}
	d = ctx_distance(&c, sel);
	free(sel);
	ctx_release(&c);
	return d;
}

static int ge(double x, double obs)
{
	return x >= obs - 1e-12 * (fabs(obs) > 1 ? fabs(obs) : 1);
}

static int cmp_double(const void *x, const void *y);

/* The 99th percentile is the nearest-rank one; all three are 0 when n == 0. */
void stats_null_summary(double *x, size_t n, double *mean, double *sd, double *q99)
{
	double sum = 0, sq = 0;
	size_t i;

	*mean = *sd = *q99 = 0;
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	*mean = sum / (double)n;
	*sd = sqrt(fmax(0, sq / (double)n - *mean * *mean));
	qsort(x, n, sizeof(*x), cmp_double);
	*q99 = x[(size_t)ceil(0.99 * (double)n) - 1];
}

int stats_perm_stratum(const struct stats_stratum *st, size_t index, size_t B, uint64_t seed,
		       struct stats_perm_result *res, double *null_sums)
{
	struct stratum_ctx c;
	struct rng rng;
	size_t N = st->n_a + st->n_b, *idx, j, b, h = 0;
	double *ds;

	res->obs = 0;
	res->p = 1;
	res->null_mean = 0;
	res->null_sd = 0;
	res->null_q99 = 0;
	if (!st->n_a || !st->n_b)
		return 0;
	ds = xmalloc((B ? B : 1) * sizeof(*ds));
	ctx_init(&c, st);
	idx = xmalloc(N * sizeof(*idx));
	for (j = 0; j < N; j++)
		idx[j] = st->n_b <= st->n_a ? (st->n_a + j) % N : j;
	res->obs = ctx_distance(&c, idx);
	rng_seed(&rng, seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(index + 1)));
	for (b = 0; b < B; b++) {
		double d;

		/* A partial Fisher-Yates shuffle leaves a uniform random subset in idx[0..ns),
		 * whatever order idx was in before. */
		for (j = 0; j < c.ns; j++) {
			size_t r = j + rng_below(&rng, N - j), t = idx[j];

			idx[j] = idx[r];
			idx[r] = t;
		}
		d = ctx_distance(&c, idx);
		ds[b] = d;
		null_sums[b] += d;
		h += ge(d, res->obs);
	}
	res->p = (double)(1 + h) / (double)(1 + B);
	stats_null_summary(ds, B, &res->null_mean, &res->null_sd, &res->null_q99);
	free(ds);
	free(idx);
	ctx_release(&c);
	return 1;
}

void stats_perm_suite(const double *null_sums, size_t B, double obs_sum, size_t active,
		      struct stats_perm_result *suite)
{
	double obs, null_sum = 0, null_sq = 0;
	size_t b, hits = 0;

	suite->obs = 0;
	suite->p = 1;
	suite->null_mean = 0;
	suite->null_sd = 0;
	suite->null_q99 = 0;
	if (!active)
		return;
	obs = obs_sum / (double)active;
	for (b = 0; b < B; b++) {
		double t = null_sums[b] / (double)active;

		null_sum += t;
		null_sq += t * t;
		hits += ge(t, obs);
	}
	suite->obs = obs;
	suite->p = (double)(1 + hits) / (double)(1 + B);
	suite->null_mean = B ? null_sum / (double)B : 0;
	suite->null_sd =
		B ? sqrt(fmax(0, null_sq / (double)B - suite->null_mean * suite->null_mean)) : 0;
}

void stats_perm_test(const struct stats_stratum *st, size_t n_strata, size_t B, uint64_t seed,
		     struct stats_perm_result *res, struct stats_perm_result *suite)
{
	double *sums = xcalloc(B ? B : 1, sizeof(*sums)), obs = 0;
	size_t i, active = 0;

	for (i = 0; i < n_strata; i++) {
		if (stats_perm_stratum(&st[i], i, B, seed, &res[i], sums)) {
			obs += res[i].obs;
			active++;
		}
	}
	stats_perm_suite(sums, B, obs, active, suite);
	free(sums);
}

struct pidx {
	double p;
	size_t i;
};

static int cmp_pidx(const void *x, const void *y)
{
	const struct pidx *a = x, *b = y;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

void stats_bh(const double *p, size_t n, double *q)
{
	struct pidx *s;
	double run = 1;
	size_t i;

	if (!n)
		return;
	s = xmalloc(n * sizeof(*s));
	for (i = 0; i < n; i++) {
		s[i].p = p[i];
		s[i].i = i;
	}
	qsort(s, n, sizeof(*s), cmp_pidx);
	/* q_(i) = min over j >= i of n p_(j) / j, capped at 1: a running minimum from the top. */
	for (i = n; i-- > 0;) {
		double v = s[i].p * (double)n / (double)(i + 1);

		if (v < run)
			run = v;
		q[s[i].i] = run;
	}
	free(s);
}

static double log_hyper(size_t a, size_t b, size_t c, size_t d)
{
	return lgamma((double)(a + b + 1)) + lgamma((double)(c + d + 1)) +
	       lgamma((double)(a + c + 1)) + lgamma((double)(b + d + 1)) -
	       lgamma((double)(a + b + c + d + 1)) - lgamma((double)(a + 1)) -
	       lgamma((double)(b + 1)) - lgamma((double)(c + 1)) - lgamma((double)(d + 1));
}

double stats_fisher_exact(size_t a, size_t b, size_t c, size_t d)
{
	size_t r1 = a + b, c1 = a + c, n = a + b + c + d, lo, hi, x;
	double pobs = log_hyper(a, b, c, d), sum = 0;

	lo = c1 + r1 > n ? c1 + r1 - n : 0;
	hi = r1 < c1 ? r1 : c1;
	for (x = lo; x <= hi; x++) {
		double lp = log_hyper(x, r1 - x, c1 - x, n - r1 - c1 + x);

		/* Relative tolerance as in R and scipy, so ties in probability count. */
		if (lp <= pobs + 1e-7)
			sum += exp(lp);
	}
	return sum > 1 ? 1 : sum;
}

double stats_fisher_greater(size_t a, size_t b, size_t c, size_t d)
{
	size_t r1 = a + b, c1 = a + c, n = a + b + c + d, hi, x;
	double sum = 0;

	hi = r1 < c1 ? r1 : c1;
	for (x = a; x <= hi; x++)
		sum += exp(log_hyper(x, r1 - x, c1 - x, n - r1 - c1 + x));
	return sum > 1 ? 1 : sum;
}

/* The law of the sum of the strata's top-left cells given every margin (the strata's
 * hypergeometric laws convolved one at a time), from its least possible value: a new array
 * of *len probabilities; *obs is the observed sum's offset in it. */
static double *strata_law(const struct stats_2x2 *t, size_t k, size_t *len, size_t *obs)
{
	double *dist = xcalloc(1, sizeof(*dist)), *next;
	size_t i, x, y;

	dist[0] = 1;
	*len = 1;
	*obs = 0;
	for (i = 0; i < k; i++) {
		size_t r1 = t[i].a + t[i].b, c1 = t[i].a + t[i].c;
		size_t n = r1 + t[i].c + t[i].d, lo, hi;

		lo = c1 + r1 > n ? c1 + r1 - n : 0;
		hi = r1 < c1 ? r1 : c1;
		next = xcalloc(*len + hi - lo, sizeof(*next));
		for (x = lo; x <= hi; x++) {
			double px = exp(log_hyper(x, r1 - x, c1 - x, n - r1 - c1 + x));

			for (y = 0; y < *len; y++)
				next[y + x - lo] += dist[y] * px;
		}
		free(dist);
		dist = next;
		*len += hi - lo;
		*obs += t[i].a - lo; /* the offset of the observed sum above the least possible */
	}
	return dist;
}

double stats_fisher_strata(const struct stats_2x2 *t, size_t k)
{
	size_t x, len, obs;
	double *dist = strata_law(t, k, &len, &obs), pobs = dist[obs], sum = 0;

	for (x = 0; x < len; x++) {
		/* R's tolerance (mantelhaen.test): probabilities within 1e-7 relative count */
		if (dist[x] <= pobs * (1 + 1e-7))
			sum += dist[x];
	}
	free(dist);
	return sum > 1 ? 1 : sum;
}

double stats_fisher_strata_mid_greater(const struct stats_2x2 *t, size_t k)
{
	size_t x, len, obs;
	double *dist = strata_law(t, k, &len, &obs), sum = 0;

	for (x = obs + 1; x < len; x++)
		sum += dist[x];
	sum += 0.5 * dist[obs];
	free(dist);
	return sum > 1 ? 1 : sum;
}

/* One table of a min-p family: the hypergeometric probabilities of its a cell from lo on,
 * and the two-sided p-value each value would give. */
struct minp_table {
	size_t lo, len;
	double *pmf, *p;
};

struct stats_minp {
	struct minp_table *t;
	size_t k;
	int pooled;
	size_t len;   /* values of the sum of the a cells (offset by the least sum) */
	double *pstr; /* the stratified test's p-value at each sum */
};

struct stats_minp *stats_minp_new(const struct stats_2x2 *t, size_t k, int pooled)
{
	struct stats_minp *m = xcalloc(1, sizeof(*m));
	double *dist = xcalloc(1, sizeof(*dist)), *next;
	size_t i, x, y;

	m->t = xcalloc(k + 1, sizeof(*m->t));
	m->k = k;
	m->pooled = pooled && k >= 2;
	m->len = 1;
	dist[0] = 1;
	for (i = 0; i < k; i++) {
		struct minp_table *mt = &m->t[i];
		size_t r1 = t[i].a + t[i].b, c1 = t[i].a + t[i].c;
		size_t n = r1 + t[i].c + t[i].d, hi;
		double *lp;

		mt->lo = c1 + r1 > n ? c1 + r1 - n : 0;
		hi = r1 < c1 ? r1 : c1;
		mt->len = hi - mt->lo + 1;
		mt->pmf = xcalloc(mt->len, sizeof(*mt->pmf));
		mt->p = xcalloc(mt->len, sizeof(*mt->p));
		lp = xcalloc(mt->len, sizeof(*lp));
		for (x = 0; x < mt->len; x++) {
			size_t v = mt->lo + x;

			lp[x] = log_hyper(v, r1 - v, c1 - v, n - r1 - c1 + v);
			mt->pmf[x] = exp(lp[x]);
		}
		/* as stats_fisher_exact sums them, so each p is the one it gives */
		for (x = 0; x < mt->len; x++) {
			double sum = 0;

			for (y = 0; y < mt->len; y++) {
				if (lp[y] <= lp[x] + 1e-7)
					sum += exp(lp[y]);
			}
			mt->p[x] = sum > 1 ? 1 : sum;
		}
		free(lp);
		if (!m->pooled)
			continue;
		next = xcalloc(m->len + mt->len - 1, sizeof(*next));
		for (x = 0; x < mt->len; x++) {
			for (y = 0; y < m->len; y++)
				next[y + x] += dist[y] * mt->pmf[x];
		}
		free(dist);
		dist = next;
		m->len += mt->len - 1;
	}
	if (m->pooled) {
		/* as stats_fisher_strata sums them */
		m->pstr = xcalloc(m->len, sizeof(*m->pstr));
		for (x = 0; x < m->len; x++) {
			double sum = 0;

			for (y = 0; y < m->len; y++) {
				if (dist[y] <= dist[x] * (1 + 1e-7))
					sum += dist[y];
			}
			m->pstr[x] = sum > 1 ? 1 : sum;
		}
	}
	free(dist);
	return m;
}

double stats_minp_adjust(const struct stats_minp *m, double p)
{
	double thr = p * (1 + 1e-7), none = 1, *g = NULL, *next, adj;
	size_t i, x, y, len = 1;

	/* the chance that no test of the family gives a p-value at most thr */
	if (m->pooled) {
		g = xcalloc(1, sizeof(*g));
		g[0] = 1;
	}
	for (i = 0; i < m->k; i++) {
		const struct minp_table *mt = &m->t[i];
		double mass = 0;

		if (!m->pooled) {
			for (x = 0; x < mt->len; x++)
				mass += mt->p[x] > thr ? mt->pmf[x] : 0;
			none *= mass;
			continue;
		}
		next = xcalloc(len + mt->len - 1, sizeof(*next));
		for (x = 0; x < mt->len; x++) {
			if (mt->p[x] <= thr)
				continue;
			for (y = 0; y < len; y++)
				next[y + x] += g[y] * mt->pmf[x];
		}
		free(g);
		g = next;
		len += mt->len - 1;
	}
	if (m->pooled) {
		none = 0;
		for (x = 0; x < len; x++)
			none += m->pstr[x] > thr ? g[x] : 0;
		free(g);
	}
	adj = 1 - none;
	if (adj < p)
		adj = p;
	return adj > 1 ? 1 : adj;
}

void stats_minp_free(struct stats_minp *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->k; i++) {
		free(m->t[i].pmf);
		free(m->t[i].p);
	}
	free(m->t);
	free(m->pstr);
	free(m);
}

/* The continued fraction of the regularised incomplete beta function I_x(a, b), by the
 * modified Lentz method (Numerical Recipes, 6.4); converges fast for x < (a + 1) / (a + b + 2).
 */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-15;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	int m;

	d = fabs(d) < tiny ? 1 / tiny : 1 / d;
	h = d;
	for (m = 1; m <= 300; m++) {
		double aa = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)), del;

		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

/* I_x(a, b), the regularised incomplete beta function, for 0 <= x <= 1. */
static double inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

double stats_t_sf(double t, double df)
{
	double tail;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 0 : 1;
	/* P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
	tail = 0.5 * inc_beta(0.5 * df, 0.5, df / (df + t * t));
	return t >= 0 ? tail : 1 - tail;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

double stats_median(const double *x, size_t n)
{
	double *c, m;

	if (!n)
		return 0;
	c = xmalloc(n * sizeof(*c));
	memcpy(c, x, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
	free(c);
	return m;
}

double stats_mad_sd(const double *x, size_t n)
{
	double med, *dev, mad;
	size_t i;

	if (!n)
		return 0;
	med = stats_median(x, n);
	dev = xmalloc(n * sizeof(*dev));
	for (i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	mad = stats_median(dev, n);
	free(dev);
	return 1.4826 * mad;
}

int stats_cusum_step(double *hi, double *lo, double z, double k, double h)
{
	*hi = fmax(0, *hi + z - k);
	*lo = fmax(0, *lo - z - k);
	return *hi > h || *lo > h;
}

const char *stats_format_p(double p, char *buf, size_t len)
{
	if (isnan(p))
		snprintf(buf, len, "?");
	else if (p < 0.001)
		snprintf(buf, len, "< 0.001");
	else
		snprintf(buf, len, "%.2g", p);
	return buf;
}

double stats_round(double x, int decimals)
{
	double f = pow(10, decimals), r;

	if (!isfinite(x))
		return 0;
	r = round(x * f) / f;
	return r == 0 ? 0 : r; /* no "-0" in reports */
}
