/* check_cost.c: the "cost" check: what one answer cost at the vendor's prices (its prompt and
 * completion tokens, config_vendor_cost) is at most "max_usd". */
#include "check.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>

/* Costs are sums of products of doubles: equal to the bound within this is not above it. */
#define COST_EPSILON 1e-12

struct cost_state {
	double max_usd;
};

static const char *const cost_keys[] = { "type", "id", "min_pass_rate", "max_usd", NULL };

static void cost_release(void *state)
{
	free(state);
}

static void *cost_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			  struct pl_err *err)
{
	struct cost_state *c = NULL;

	if (json_check_keys(loc, pointer, spec, cost_keys, err) < 0)
		goto fail;
	if (!json_object_get(spec, "max_usd")) {
		json_fail(loc, pointer, NULL, err, "missing required key \"max_usd\"");
		goto fail;
	}
	c = xcalloc(1, sizeof(*c));
	if (json_get_num(loc, pointer, spec, "max_usd", 0, 1e6, 0, &c->max_usd, err) < 0)
		goto fail;
	return c;
fail:
	free(c);
	return NULL;
}

static void cost_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct cost_state *c = state;

	if (!in->has_cost) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "cost unknown: %s",
			 in->cost_unknown ? in->cost_unknown : "not priced");
		return;
	}
	out->score = in->cost_usd;
	if (in->cost_usd > c->max_usd + COST_EPSILON) {
		out->verdict = CHECK_FAIL;
		snprintf(out->detail, sizeof(out->detail),
			 "answer cost %.6f USD at the vendor's prices, above max_usd %g",
			 in->cost_usd, c->max_usd);
	} else {
		out->verdict = CHECK_PASS;
	}
}

static void cost_describe(const void *state, char *buf, size_t len)
{
	const struct cost_state *c = state;

	snprintf(buf, len, "cost per answer <= %g USD", c->max_usd);
}

/* The starter example latency and cost share; identical in check_latency.c. */
static const char quick_example_prompt[] =
	"{\"id\": \"quick-answer\", \"description\": \"A short everyday question: the latency "
	"check bounds the p50 and p95 time to answer it over the samples, the cost check what "
	"one answer costs at the vendor's prices.\", \"prompt\": \"In one sentence: what is a "
	"leap year?\", \"max_tokens\": 60}";

const struct check_ops check_cost_ops = {
	.name = "cost",
	.compile = cost_compile,
	.eval = cost_eval,
	.release = cost_release,
	.describe = cost_describe,
	.example_prompt = quick_example_prompt,
	.example = "{\"type\": \"cost\", \"max_usd\": 0.002}",
};
