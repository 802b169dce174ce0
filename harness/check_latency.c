/* check_latency.c: the "latency" check, a per-prompt kind: the nearest-rank p50 and p95 of the
 * prompt's answer latencies (request sent -> last byte) lie within "p50_ms" / "p95_ms". */
#include "check.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds are whole milliseconds, at most a day (a larger one is a typo). */
#define LATENCY_MAX_MS 86400000LL

struct latency_state {
	long long p50, p95; /* < 0: no bound */
	long long min_samples;
};

static const char *const latency_keys[] = { "type", "id", "p50_ms", "p95_ms", "min_samples", NULL };

static void latency_release(void *state)
{
	free(state);
}

static void *latency_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			     struct pl_err *err)
{
	struct latency_state *l = NULL;

	if (json_check_keys(loc, pointer, spec, latency_keys, err) < 0)
		goto fail;
	if (!json_object_get(spec, "p50_ms") && !json_object_get(spec, "p95_ms")) {
		json_fail(loc, pointer, NULL, err,
			  "a latency check needs \"p50_ms\" or \"p95_ms\" (or both)");
		goto fail;
	}
	l = xcalloc(1, sizeof(*l));
	if (json_get_int(loc, pointer, spec, "p50_ms", 0, LATENCY_MAX_MS, -1, &l->p50, err) < 0 ||
	    json_get_int(loc, pointer, spec, "p95_ms", 0, LATENCY_MAX_MS, -1, &l->p95, err) < 0 ||
	    json_get_int(loc, pointer, spec, "min_samples", 1, 1000000, 1, &l->min_samples, err) <
		    0)
		goto fail;
	if (l->p50 >= 0 && l->p95 >= 0 && l->p95 < l->p50) {
		json_fail(loc, pointer, "p95_ms", err, "p95_ms %lld is below p50_ms %lld", l->p95,
			  l->p50);
		goto fail;
	}
	return l;
fail:
	free(l);
	return NULL;
}

/* Each answer alone: its latency is the score; the verdict comes from latency_aggregate. */
static void latency_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	(void)state;
	if (!in->has_latency || !(in->latency_ms >= 0)) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "latency unknown for this answer");
		return;
	}
	out->verdict = CHECK_PASS;
	out->score = in->latency_ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct percent of the n sorted values at or
 * below it, v[ceil(pct * n / 100) - 1] (detect.c's latency figures use the same). */
static double nearest_rank(const double *v, size_t n, unsigned pct)
{
	size_t rank = (pct * n + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

static int measured(const struct check_result *r)
{
	return r->verdict == CHECK_PASS || r->verdict == CHECK_FAIL;
}

static void latency_aggregate(const void *state, struct check_result *s, size_t n,
			      struct check_result *out)
{
	const struct latency_state *l = state;
	double *v = xcalloc(n ? n : 1, sizeof(*v)), p50, p95;
	long long bound;
	size_t i, m = 0;
	int fail50, fail95;
	const char *which;

	for (i = 0; i < n; i++)
		if (measured(&s[i]))
			v[m++] = s[i].score;
	if (m == 0 || (long long)m < l->min_samples) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail),
			 "%zu answer%s with a latency, fewer than min_samples %lld", m,
			 m == 1 ? "" : "s", l->min_samples > 1 ? l->min_samples : 1);
		for (i = 0; i < n; i++)
			if (measured(&s[i])) {
				s[i].verdict = CHECK_SKIP;
				snprintf(s[i].detail, sizeof(s[i].detail), "%s", out->detail);
			}
		goto out;
	}
	qsort(v, m, sizeof(*v), cmp_double);
	p50 = nearest_rank(v, m, 50);
	p95 = nearest_rank(v, m, 95);
	fail50 = l->p50 >= 0 && p50 > (double)l->p50;
	fail95 = l->p95 >= 0 && p95 > (double)l->p95;
	out->score = l->p95 >= 0 ? p95 : p50;
	out->verdict = fail50 || fail95 ? CHECK_FAIL : CHECK_PASS;
	snprintf(out->detail, sizeof(out->detail), "p50 %.0f ms, p95 %.0f ms over %zu answer%s%s%s",
		 p50, p95, m, m == 1 ? "" : "s",
		 fail50	  ? "; p50 above the bound"
		 : fail95 ? "; p95 above the bound"
			  : "",
		 fail50 && fail95 ? ", p95 too" : "");
	/* the answers behind a failed bound: those slower than it (a percentile above a bound
	 * is one of the values, so there is at least one) */
	which = fail50 ? "p50" : "p95";
	bound = fail50 ? l->p50 : l->p95;
	for (i = 0; (fail50 || fail95) && i < n; i++) {
		if (!measured(&s[i]) || !(s[i].score > (double)bound))
			continue;
		s[i].verdict = CHECK_FAIL;
		snprintf(
			s[i].detail, sizeof(s[i].detail),
			"latency %.0f ms above the %s bound %lld ms (the prompt's %s: %.0f ms over "
			"%zu answers)",
			s[i].score, which, bound, which, fail50 ? p50 : p95, m);
	}
out:
	free(v);
}

static void latency_describe(const void *state, char *buf, size_t len)
{
	const struct latency_state *l = state;

	if (l->p50 >= 0 && l->p95 >= 0)
		snprintf(buf, len, "latency p50 <= %lld ms, p95 <= %lld ms", l->p50, l->p95);
	else if (l->p50 >= 0)
		snprintf(buf, len, "latency p50 <= %lld ms", l->p50);
	else
		snprintf(buf, len, "latency p95 <= %lld ms", l->p95);
}

/* The starter example latency and cost share; identical in check_cost.c (`plumbline init`). */
static const char quick_example_prompt[] =
	"{\"id\": \"quick-answer\", \"description\": \"A short everyday question: the latency "
	"check bounds the p50 and p95 time to answer it over the samples, the cost check what "
	"one answer costs at the vendor's prices.\", \"prompt\": \"In one sentence: what is a "
	"leap year?\", \"max_tokens\": 60}";

const struct check_ops check_latency_ops = {
	.name = "latency",
	.compile = latency_compile,
	.eval = latency_eval,
	.aggregate = latency_aggregate,
	.release = latency_release,
	.describe = latency_describe,
	.example_prompt = quick_example_prompt,
	.example = "{\"type\": \"latency\", \"p50_ms\": 2000, \"p95_ms\": 8000}",
};
