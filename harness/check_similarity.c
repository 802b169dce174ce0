/* check_similarity.c: the "similarity" check: the best similarity of the answer to any of the
 * baseline's answers must reach a threshold (levenshtein, jaccard or ngram_cosine). */
#include "check.h"
#include "sbuf.h"
#include "textsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sim_metric { SIM_LEVENSHTEIN, SIM_JACCARD, SIM_NGRAM_COSINE };

static const char *const metric_names[] = {
	[SIM_LEVENSHTEIN] = "levenshtein",
	[SIM_JACCARD] = "jaccard",
	[SIM_NGRAM_COSINE] = "ngram_cosine",
};

struct sim_state {
	enum sim_metric metric;
	double threshold;
	int n;
};

static const char *const sim_keys[] = { "type", "id", "min_pass_rate", "metric", "threshold",
					"n",	NULL };

static void sim_release(void *state)
{
	free(state);
}

static void *sim_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			 struct pl_err *err)
{
	struct sim_state *s = NULL;
	char *metric = NULL;
	long long n = 3;
	size_t i;

	if (json_check_keys(loc, pointer, spec, sim_keys, err) < 0)
		goto fail;
	s = xcalloc(1, sizeof(*s));
	if (json_get_str(loc, pointer, spec, "metric", 1, &metric, err) < 0)
		goto fail;
	for (i = 0; i < ARRAY_SIZE(metric_names); i++)
		if (!strcmp(metric, metric_names[i]))
			break;
	if (i == ARRAY_SIZE(metric_names)) {
		json_fail(loc, pointer, "metric", err,
			  "unknown metric \"%s\" (expected \"levenshtein\", \"jaccard\" or "
			  "\"ngram_cosine\")",
			  metric);
		goto fail;
	}
	s->metric = (enum sim_metric)i;
	if (!json_object_get(spec, "threshold")) {
		json_fail(loc, pointer, "threshold", err, "missing threshold (a number in 0..1)");
		goto fail;
	}
	if (json_get_num(loc, pointer, spec, "threshold", 0.0, 1.0, 0.0, &s->threshold, err) < 0)
		goto fail;
	if (json_object_get(spec, "n") && s->metric != SIM_NGRAM_COSINE) {
		json_fail(loc, pointer, "n", err, "\"n\" applies only to metric \"ngram_cosine\"");
		goto fail;
	}
	if (json_get_int(loc, pointer, spec, "n", 1, 16, 3, &n, err) < 0)
		goto fail;
	s->n = (int)n;
	free(metric);
	return s;
fail:
	free(metric);
	free(s);
	return NULL;
}

static double similarity(const struct sim_state *s, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	switch (s->metric) {
	case SIM_LEVENSHTEIN:
		return textsim_levenshtein(a, alen, b, blen);
	case SIM_JACCARD:
		return textsim_jaccard(a, alen, b, blen);
	case SIM_NGRAM_COSINE:
		return textsim_ngram_cosine(a, alen, b, blen, s->n);
	}
	return 0.0;
}

static void sim_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct sim_state *s = state;
	double best = -1.0;
	size_t i, best_i = 0;

	if (in->n_baseline == 0) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "no baseline answers to compare with");
		return;
	}
	for (i = 0; i < in->n_baseline; i++) {
		double v;

		if (!in->baseline[i])
			continue;
		v = similarity(s, in->text, in->len, in->baseline[i]);
		if (v > best) {
			best = v;
			best_i = i;
		}
		if (best >= 1.0)
			break;
	}
	if (best < 0) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "no baseline answers to compare with");
		return;
	}
	out->score = best;
	if (best >= s->threshold) {
		out->verdict = CHECK_PASS;
	} else {
		out->verdict = CHECK_FAIL;
		snprintf(out->detail, sizeof(out->detail),
			 "%s similarity %.3f to the closest baseline answer (#%zu) is below %.3f",
			 metric_names[s->metric], best, best_i, s->threshold);
	}
}

static void sim_describe(const void *state, char *buf, size_t len)
{
	const struct sim_state *s = state;

	if (s->metric == SIM_NGRAM_COSINE)
		snprintf(buf, len, "similarity ngram_cosine(n=%d) >= %.2f", s->n, s->threshold);
	else
		snprintf(buf, len, "similarity %s >= %.2f", metric_names[s->metric], s->threshold);
}

/* The starter example (`plumbline init`). */
static const char similarity_example_prompt[] =
	"{\"id\": \"backup-summary\", \"description\": \"Free text: the similarity check "
	"wants answers close to the baseline's (needs a recorded baseline).\", \"prompt\": \"In "
	"a short paragraph, explain why regular backups matter for a small business.\"}";

const struct check_ops check_similarity_ops = {
	.name = "similarity",
	.compile = sim_compile,
	.eval = sim_eval,
	.release = sim_release,
	.describe = sim_describe,
	.example_prompt = similarity_example_prompt,
	.example = "{\"type\": \"similarity\", \"metric\": \"levenshtein\", \"threshold\": 0.4, "
		   "\"min_pass_rate\": 0.8}",
};
