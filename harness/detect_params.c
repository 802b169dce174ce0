/* detect_params.c: the detection settings: defaults, then the config's "detection" section,
 * then the suite's, each key checked and range-checked with its file position. */
#include "detect.h"
#include "detect_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const param_keys[] = {
	"abs_margin",
	"alpha",
	"cusum",
	"cusum_h",
	"cusum_k",
	"detectable_shift",
	"distance",
	"exclude_recent",
	"fdr",
	"kernel",
	"logprob_margin",
	"logprobs",
	"long_len",
	"min_answered",
	"min_history",
	"ngram",
	"normalize",
	"novel_margin",
	"pad_len",
	"permutations",
	"persistence",
	"prompt_alpha",
	"prompt_floor",
	"prompt_min",
	"prompt_sigmas",
	"rate_alpha",
	"rate_margin",
	"refusal_patterns",
	"refusal_patterns_extra",
	"rel_margin",
	"seed",
	"sigmas",
	"tv_distinct_share",
	"unstable_over_sampling",
	"window",
	NULL,
};

static void params_defaults(struct detect_params *p)
{
	memset(p, 0, sizeof(*p));
	p->permutations = 1000;
	p->seed = 1;
	p->window = 30;
	p->exclude_recent = 2;
	p->min_history = 7;
	p->persistence = 1;
	p->ngram = 3;
	p->pad_len = 1000;
	p->long_len = 200;
	p->alpha = 0.001;
	p->fdr = 0.05;
	p->abs_margin = 0.04;
	p->rel_margin = 0.25;
	p->sigmas = 4;
	p->tv_share = 0.5;
	p->rate_margin = 0.1;
	p->novel_margin = 0.04;
	p->cusum_k = 0.5;
	p->cusum_h = 8;
	p->detectable = 0.1;
	p->over_sampling = 1.5;
	p->min_answered = 0.5;
	p->logprob_margin = 0.05;
	p->prompt_alpha = 0.01;
	p->rate_alpha = 0.01;
	p->prompt_floor = 0.1;
	p->prompt_sigmas = 2.5;
	p->prompt_min = 2;
	p->distance = DIST_AUTO;
	p->kernel = STATS_K_HAMMING;
	p->norm = FP_NORM_NONE;
	p->cusum = 1;
	p->logprobs = 0;
}

static int get_enum(const struct jsonloc *loc, const json_t *obj, const char *key,
		    const char *const *names, int *val, struct pl_err *err)
{
	char *s = NULL;
	int i, rc = 0;

	if (json_get_str(loc, "/detection", obj, key, 0, &s, err))
		return -1;
	if (!s)
		return 0;
	for (i = 0; names[i] && strcmp(names[i], s); i++)
		;
	if (names[i])
		*val = i;
	else
		rc = json_fail(loc, "/detection", key, err, "unknown value \"%s\"", s);
	free(s);
	return rc;
}

/* Overlays one "detection" object onto p; the current values are the defaults. */
static int params_overlay(struct detect_params *p, const struct jsonloc *loc_in, const json_t *obj,
			  struct pl_err *err)
{
	static const char *const dists[] = { "auto", "tv", "mmd", "embedding", NULL };
	static const char *const kernels[] = { "hamming", "ngram", NULL };
	struct jsonloc none = { "detection", NULL, 0 };
	const struct jsonloc *loc = loc_in ? loc_in : &none;
	const char *ptr = "/detection";
	int d = (int)p->distance, k = (int)p->kernel, nm = (int)p->norm;

	if (!obj)
		return 0;
	if (json_check_keys(loc, ptr, obj, param_keys, err) ||
	    json_get_int(loc, ptr, obj, "permutations", 99, 1000000, p->permutations,
			 &p->permutations, err) ||
	    json_get_int(loc, ptr, obj, "seed", 0, INT64_MAX, p->seed, &p->seed, err) ||
	    json_get_int(loc, ptr, obj, "window", 3, 10000, p->window, &p->window, err) ||
	    json_get_int(loc, ptr, obj, "exclude_recent", 0, 100, p->exclude_recent,
			 &p->exclude_recent, err) ||
	    json_get_int(loc, ptr, obj, "min_history", 3, 10000, p->min_history, &p->min_history,
			 err) ||
	    json_get_int(loc, ptr, obj, "persistence", 1, 30, p->persistence, &p->persistence,
			 err) ||
	    json_get_int(loc, ptr, obj, "ngram", 1, 16, p->ngram, &p->ngram, err) ||
	    json_get_int(loc, ptr, obj, "pad_len", 1, 100000, p->pad_len, &p->pad_len, err) ||
	    json_get_int(loc, ptr, obj, "long_len", 0, 1000000, p->long_len, &p->long_len, err) ||
	    json_get_num(loc, ptr, obj, "alpha", 0, 1, p->alpha, &p->alpha, err) ||
	    json_get_num(loc, ptr, obj, "fdr", 0, 1, p->fdr, &p->fdr, err) ||
	    json_get_num(loc, ptr, obj, "abs_margin", 0, 10, p->abs_margin, &p->abs_margin, err) ||
	    json_get_num(loc, ptr, obj, "rel_margin", 0, 100, p->rel_margin, &p->rel_margin, err) ||
	    json_get_num(loc, ptr, obj, "sigmas", 0, 100, p->sigmas, &p->sigmas, err) ||
	    json_get_num(loc, ptr, obj, "tv_distinct_share", 0, 1, p->tv_share, &p->tv_share,
			 err) ||
	    json_get_num(loc, ptr, obj, "rate_margin", 0, 1, p->rate_margin, &p->rate_margin,
			 err) ||
	    json_get_num(loc, ptr, obj, "novel_margin", 0, 1, p->novel_margin, &p->novel_margin,
			 err) ||
	    json_get_num(loc, ptr, obj, "cusum_k", 0, 100, p->cusum_k, &p->cusum_k, err) ||
	    json_get_num(loc, ptr, obj, "cusum_h", 0, 1000, p->cusum_h, &p->cusum_h, err) ||
	    json_get_num(loc, ptr, obj, "detectable_shift", 0, 10, p->detectable, &p->detectable,
			 err) ||
	    json_get_num(loc, ptr, obj, "unstable_over_sampling", 0, 100, p->over_sampling,
			 &p->over_sampling, err) ||
	    json_get_num(loc, ptr, obj, "min_answered", 0, 1, p->min_answered, &p->min_answered,
			 err) ||
	    json_get_num(loc, ptr, obj, "logprob_margin", 0, 1, p->logprob_margin,
			 &p->logprob_margin, err) ||
	    json_get_int(loc, ptr, obj, "prompt_min", 1, 1000000, p->prompt_min, &p->prompt_min,
			 err) ||
	    json_get_num(loc, ptr, obj, "prompt_alpha", 0, 1, p->prompt_alpha, &p->prompt_alpha,
			 err) ||
	    json_get_num(loc, ptr, obj, "rate_alpha", 0, 1, p->rate_alpha, &p->rate_alpha, err) ||
	    json_get_num(loc, ptr, obj, "prompt_floor", 0, 10, p->prompt_floor, &p->prompt_floor,
			 err) ||
	    json_get_num(loc, ptr, obj, "prompt_sigmas", 0, 100, p->prompt_sigmas,
			 &p->prompt_sigmas, err) ||
	    json_get_bool(loc, ptr, obj, "cusum", p->cusum, &p->cusum, err) ||
	    json_get_bool(loc, ptr, obj, "logprobs", p->logprobs, &p->logprobs, err) ||
	    get_enum(loc, obj, "distance", dists, &d, err) ||
	    get_enum(loc, obj, "kernel", kernels, &k, err) ||
	    get_enum(loc, obj, "normalize", fingerprint_norm_names, &nm, err))
		return -1;
	p->distance = (enum dist_choice)d;
	p->kernel = (enum stats_kernel)k;
	p->norm = (enum fp_norm)nm;
	return 0;
}

/* The refusal classifier's patterns: the defaults, replaced by a "refusal_patterns" list and
 * extended by a "refusal_patterns_extra" one, the config's first, then the suite's (whose
 * "refusal_patterns" replaces the config's list and extras too). */
static int refusal_overlay(struct detect_params *p, const struct jsonloc *loc_in, const json_t *obj,
			   struct pl_err *err)
{
	struct jsonloc none = { "detection", NULL, 0 };
	const struct jsonloc *loc = loc_in ? loc_in : &none;
	const json_t *repl = json_object_get(obj, "refusal_patterns");
	const json_t *extra = json_object_get(obj, "refusal_patterns_extra");
	struct refusal *r;

	if (!repl && !extra)
		return 0;
	if (repl || !p->refusal) {
		r = refusal_compile(loc, "/detection", "refusal_patterns", repl,
				    "refusal_patterns_extra", extra, err);
		if (!r)
			return -1;
		refusal_free(p->refusal);
		p->refusal = r;
		return 0;
	}
	return refusal_extend(p->refusal, loc, "/detection", "refusal_patterns_extra", extra, err);
}

struct detect_params *detect_params_new(const struct jsonloc *cfg_loc, const json_t *cfg,
					const struct jsonloc *suite_loc, const json_t *suite,
					struct pl_err *err)
{
	struct detect_params *p = xcalloc(1, sizeof(*p));

	params_defaults(p);
	if (params_overlay(p, cfg_loc, cfg, err) || params_overlay(p, suite_loc, suite, err) ||
	    refusal_overlay(p, cfg_loc, cfg, err) || refusal_overlay(p, suite_loc, suite, err)) {
		detect_params_free(p);
		return NULL;
	}
	if (!p->refusal)
		p->refusal = refusal_new_default();
	return p;
}

const struct refusal *detect_params_refusal(const struct detect_params *p)
{
	return p ? p->refusal : NULL;
}

void detect_params_free(struct detect_params *p)
{
	if (!p)
		return;
	refusal_free(p->refusal);
	free(p);
}
