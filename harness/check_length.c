/* check_length.c: the "length" check: the answer's length in code points ("chars") or
 * whitespace-separated words ("words") lies within [min, max]. */
#include "check.h"
#include "sbuf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct length_state {
	int words;
	long long min, max; /* max < 0: unbounded */
};

static const char *const length_keys[] = {
	"type", "id", "min_pass_rate", "unit", "min", "max", NULL
};

static void length_release(void *state)
{
	free(state);
}

static void *length_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err)
{
	struct length_state *l = NULL;
	char *unit = NULL;

	if (json_check_keys(loc, pointer, spec, length_keys, err) < 0)
		goto fail;
	l = xcalloc(1, sizeof(*l));
	if (json_get_str(loc, pointer, spec, "unit", 0, &unit, err) < 0)
		goto fail;
	if (unit && !strcmp(unit, "words")) {
		l->words = 1;
	} else if (unit && strcmp(unit, "chars")) {
		json_fail(loc, pointer, "unit", err,
			  "unknown unit \"%s\" (expected \"chars\" or \"words\")", unit);
		goto fail;
	}
	if (!json_object_get(spec, "min") && !json_object_get(spec, "max")) {
		json_fail(loc, pointer, NULL, err, "a length check needs \"min\" or \"max\"");
		goto fail;
	}
	if (json_get_int(loc, pointer, spec, "min", 0, LLONG_MAX, 0, &l->min, err) < 0 ||
	    json_get_int(loc, pointer, spec, "max", 0, LLONG_MAX, -1, &l->max, err) < 0)
		goto fail;
	if (l->max >= 0 && l->max < l->min) {
		json_fail(loc, pointer, "max", err, "max %lld is below min %lld", l->max, l->min);
		goto fail;
	}
	free(unit);
	return l;
fail:
	free(unit);
	free(l);
	return NULL;
}

static int is_space(const unsigned char *p, size_t left, size_t *adv)
{
	*adv = 1;
	if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		return 1;
	if (left >= 2 && p[0] == 0xC2 && (p[1] == 0xA0 || p[1] == 0x85)) {
		*adv = 2;
		return 1;
	}
	/* U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 */
	if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF)) {
		*adv = 3;
		return 1;
	}
	if (left >= 3 && ((p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) ||
			  (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80))) {
		*adv = 3;
		return 1;
	}
	return 0;
}

static long long count(const struct length_state *l, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	long long n = 0;
	size_t i = 0, adv;
	int in = 0;

	if (!l->words) {
		for (i = 0; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				n++;
		return n;
	}
	while (i < len) {
		if (is_space(p + i, len - i, &adv)) {
			in = 0;
		} else {
			if (!in)
				n++;
			in = 1;
		}
		i += adv;
	}
	return n;
}

static void length_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct length_state *l = state;
	long long n = count(l, in->text, in->len);
	const char *unit = l->words ? "words" : "chars";

	out->score = (double)n;
	if (n < l->min) {
		out->verdict = CHECK_FAIL;
		snprintf(out->detail, sizeof(out->detail),
			 "answer has %lld %s, fewer than min %lld", n, unit, l->min);
	} else if (l->max >= 0 && n > l->max) {
		out->verdict = CHECK_FAIL;
		snprintf(out->detail, sizeof(out->detail), "answer has %lld %s, more than max %lld",
			 n, unit, l->max);
	} else {
		out->verdict = CHECK_PASS;
	}
}

static void length_describe(const void *state, char *buf, size_t len)
{
	const struct length_state *l = state;
	const char *unit = l->words ? "words" : "chars";

	if (l->max < 0)
		snprintf(buf, len, "length %s >= %lld", unit, l->min);
	else
		snprintf(buf, len, "length %s %lld..%lld", unit, l->min, l->max);
}

/* The starter example regex and length share; identical in check_regex.c (`plumbline init`). */
static const char capital_example_prompt[] =
	"{\"id\": \"capital\", \"description\": \"A one-word answer: the regex check wants "
	"Paris, the length check a few words at most.\", \"prompt\": \"What is the capital of "
	"France? Answer with one word.\", \"max_tokens\": 16}";

const struct check_ops check_length_ops = {
	.name = "length",
	.compile = length_compile,
	.eval = length_eval,
	.release = length_release,
	.describe = length_describe,
	.example_prompt = capital_example_prompt,
	.example = "{\"type\": \"length\", \"unit\": \"words\", \"min\": 1, \"max\": 8}",
};
