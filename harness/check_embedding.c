/* check_embedding.c: the "embedding_similarity" check: the cosine of the answer's embedding to
 * the centroid of the baseline answers' embeddings (mode "centroid", the default) or to the
 * nearest baseline answer (mode "nearest") must reach a threshold. The vectors come computed
 * in struct check_input: the check does no I/O. */
#include "check.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum embed_mode { EMBED_CENTROID, EMBED_NEAREST };

struct embed_state {
	enum embed_mode mode;
	double threshold;
};

static const char *const embed_keys[] = { "type", "id", "min_pass_rate", "threshold", "mode", NULL };

static void embed_release(void *state)
{
	free(state);
}

static void *embed_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			   struct pl_err *err)
{
	struct embed_state *s = xcalloc(1, sizeof(*s));
	char *mode = NULL;

	if (json_check_keys(loc, pointer, spec, embed_keys, err) < 0)
		goto fail;
	if (!json_object_get(spec, "threshold")) {
		json_fail(loc, pointer, "threshold", err,
			  "missing threshold (a cosine similarity in -1..1, e.g. 0.85)");
		goto fail;
	}
	if (json_get_num(loc, pointer, spec, "threshold", -1.0, 1.0, 0.0, &s->threshold, err) < 0 ||
	    json_get_str(loc, pointer, spec, "mode", 0, &mode, err) < 0)
		goto fail;
	if (!mode || !strcmp(mode, "centroid")) {
		s->mode = EMBED_CENTROID;
	} else if (!strcmp(mode, "nearest")) {
		s->mode = EMBED_NEAREST;
	} else {
		json_fail(loc, pointer, "mode", err,
			  "unknown mode \"%s\" (expected \"centroid\" or \"nearest\")", mode);
		goto fail;
	}
	free(mode);
	return s;
fail:
	free(mode);
	free(s);
	return NULL;
}

static double norm(const float *v, size_t dim)
{
	double n = 0;
	size_t i;

	for (i = 0; i < dim; i++)
		n += (double)v[i] * v[i];
	return sqrt(n);
}

/* cos(a, b) where b's norm is nb (> 0); 0 for a zero vector a. */
static double cosine(const float *a, const double *b, double nb, size_t dim)
{
	double d = 0, na = norm(a, dim);
	size_t i;

	if (na == 0 || nb == 0)
		return 0;
	for (i = 0; i < dim; i++)
		d += (double)a[i] * b[i];
	return d / (na * nb);
}

static void embed_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct embed_state *s = state;
	double *c = NULL, best = -2, nc = 0;
	size_t i, k, used = 0, best_i = 0;

	if (!in->dim || (!in->embedding && in->len)) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "%s",
			 in->embed_skip ? in->embed_skip : "the answer has no embedding");
		return;
	}
	c = xcalloc(in->dim, sizeof(*c));
	for (i = 0; i < in->n_baseline_embeddings; i++) {
		const float *b = in->baseline_embeddings[i];
		double nb, cs;

		if (!b || (nb = norm(b, in->dim)) == 0)
			continue;
		used++;
		if (s->mode == EMBED_CENTROID) {
			/* the mean of the unit vectors: every answer weighs the same */
			for (k = 0; k < in->dim; k++)
				c[k] += b[k] / nb;
			continue;
		}
		for (k = 0; k < in->dim; k++)
			c[k] = b[k];
		cs = in->embedding ? cosine(in->embedding, c, nb, in->dim) : 0;
		if (cs > best) {
			best = cs;
			best_i = i;
		}
	}
	if (!used) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "%s",
			 in->embed_skip ? in->embed_skip
					: "no baseline embeddings to compare with");
		goto out;
	}
	if (!in->embedding) {
		/* an empty answer (a refusal with no text) means nothing: cosine 0 */
		best = 0;
		best_i = 0;
	} else if (s->mode == EMBED_CENTROID) {
		for (k = 0; k < in->dim; k++)
			nc += c[k] * c[k];
		best = cosine(in->embedding, c, sqrt(nc), in->dim);
	}
	out->score = best;
	if (best + 1e-12 >= s->threshold) {
		out->verdict = CHECK_PASS;
	} else {
		out->verdict = CHECK_FAIL;
		if (s->mode == EMBED_CENTROID)
			snprintf(
				out->detail, sizeof(out->detail),
				"cosine %.3f to the centroid of %zu baseline answers is below %.3f",
				best, used, s->threshold);
		else
			snprintf(out->detail, sizeof(out->detail),
				 "cosine %.3f to the nearest baseline answer (#%zu) is below %.3f",
				 best, best_i, s->threshold);
	}
out:
	free(c);
}

static void embed_describe(const void *state, char *buf, size_t len)
{
	const struct embed_state *s = state;

	snprintf(buf, len, "embedding_similarity %s >= %.2f",
		 s->mode == EMBED_CENTROID ? "centroid" : "nearest", s->threshold);
}

/* The starter example (`plumbline init`). */
static const char embedding_example_prompt[] =
	"{\"id\": \"backup-meaning\", \"description\": \"Free text: the embedding_similarity "
	"check wants answers that mean what the baseline's meant (needs \\\"embeddings\\\" in the "
	"config and a recorded baseline; skipped otherwise).\", \"prompt\": \"In two sentences, "
	"say what a backup is for.\"}";

const struct check_ops check_embedding_similarity_ops = {
	.name = "embedding_similarity",
	.compile = embed_compile,
	.eval = embed_eval,
	.release = embed_release,
	.describe = embed_describe,
	.example_prompt = embedding_example_prompt,
	.example = "{\"type\": \"embedding_similarity\", \"threshold\": 0.85, \"mode\": "
		   "\"centroid\"}",
};
