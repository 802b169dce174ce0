/* check_judge.c: the kinds an LLM judge grades: "rubric" (the answer satisfies a rubric) and
 * "same_meaning" (the answer means the same as the baseline's most common answer). The judge
 * client asked the judge before evaluation (check_input.judged); these only read its verdict. */
#include "check.h"
#include "judge_prompt.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest rubric: it is sent with every judged answer. */
#define RUBRIC_MAX_BYTES 4096

struct judge_state {
	enum judge_kind kind;
	char *rubric; /* JUDGE_RUBRIC only */
};

static const char *const rubric_keys[] = { "type", "id", "min_pass_rate", "rubric", NULL };
static const char *const same_meaning_keys[] = { "type", "id", "min_pass_rate", NULL };

static void judge_release(void *state)
{
	struct judge_state *j = state;

	if (!j)
		return;
	free(j->rubric);
	free(j);
}

static void *rubric_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err)
{
	struct judge_state *j = NULL;
	char *rubric = NULL;

	if (json_check_keys(loc, pointer, spec, rubric_keys, err) < 0 ||
	    json_get_str(loc, pointer, spec, "rubric", 1, &rubric, err) < 0)
		goto fail;
	if (!rubric[0] || strlen(rubric) != json_string_length(json_object_get(spec, "rubric"))) {
		json_fail(loc, pointer, "rubric", err, "expected a non-empty string without NUL");
		goto fail;
	}
	if (strlen(rubric) > RUBRIC_MAX_BYTES) {
		json_fail(loc, pointer, "rubric", err, "%zu bytes long (at most %d)",
			  strlen(rubric), RUBRIC_MAX_BYTES);
		goto fail;
	}
	j = xcalloc(1, sizeof(*j));
	j->kind = JUDGE_RUBRIC;
	j->rubric = rubric;
	return j;
fail:
	free(rubric);
	return NULL;
}

static void *same_meaning_compile(const struct jsonloc *loc, const char *pointer,
				  const json_t *spec, struct pl_err *err)
{
	struct judge_state *j;

	if (json_check_keys(loc, pointer, spec, same_meaning_keys, err) < 0)
		return NULL;
	j = xcalloc(1, sizeof(*j));
	j->kind = JUDGE_SAME_MEANING;
	return j;
}

static void judge_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct judge_state *j = state;

	if (j->kind == JUDGE_SAME_MEANING && in->n_baseline == 0) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "no baseline answers to compare with");
		return;
	}
	if (!in->judged) {
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "judge unavailable: not asked");
		return;
	}
	switch (in->judged->verdict) {
	case CHECK_PASS:
		out->verdict = CHECK_PASS;
		out->score = 1;
		break;
	case CHECK_FAIL:
		out->verdict = CHECK_FAIL;
		out->score = 0;
		snprintf(out->detail, sizeof(out->detail), "judge: %s",
			 in->judged->reason ? in->judged->reason : "");
		judge_utf8_cut(out->detail);
		return;
	default:
		/* the judge's fault is never the judged vendor's: not applicable, not a failure */
		out->verdict = CHECK_SKIP;
		snprintf(out->detail, sizeof(out->detail), "judge unavailable: %s",
			 in->judged->reason ? in->judged->reason : "no verdict");
		judge_utf8_cut(out->detail);
		break;
	}
}

static void judge_describe(const void *state, char *buf, size_t len)
{
	const struct judge_state *j = state;

	if (j->kind == JUDGE_SAME_MEANING) {
		snprintf(buf, len, "same_meaning as the baseline's most common answer");
		return;
	}
	/* a long rubric is cut on a UTF-8 boundary */
	if (strlen(j->rubric) + 9 < len) {
		snprintf(buf, len, "rubric: %s", j->rubric);
	} else {
		size_t n = len > 16 ? len - 16 : 0;

		while (n > 0 && ((unsigned char)j->rubric[n] & 0xC0) == 0x80)
			n--;
		snprintf(buf, len, "rubric: %.*s...", (int)n, j->rubric);
	}
}

static void judge_ask(const void *state, int *kind, const char **rubric)
{
	const struct judge_state *j = state;

	*kind = (int)j->kind;
	*rubric = j->rubric;
}

/* The starter example shared with regex and length (identical in check_regex.c). */
static const char capital_example_prompt[] =
	"{\"id\": \"capital\", \"description\": \"A one-word answer: the regex check wants "
	"Paris, the length check a few words at most.\", \"prompt\": \"What is the capital of "
	"France? Answer with one word.\", \"max_tokens\": 16}";

const struct check_ops check_rubric_ops = {
	.name = "rubric",
	.compile = rubric_compile,
	.eval = judge_eval,
	.release = judge_release,
	.describe = judge_describe,
	.example_prompt = capital_example_prompt,
	.example = "{\"type\": \"rubric\", \"rubric\": \"The answer names Paris as the capital "
		   "of France\"}",
	.judge_ask = judge_ask,
};

const struct check_ops check_same_meaning_ops = {
	.name = "same_meaning",
	.compile = same_meaning_compile,
	.eval = judge_eval,
	.release = judge_release,
	.describe = judge_describe,
	.example_prompt = capital_example_prompt,
	.example = "{\"type\": \"same_meaning\", \"min_pass_rate\": 0.8}",
	.judge_ask = judge_ask,
};
