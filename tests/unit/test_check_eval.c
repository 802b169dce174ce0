/* test_check_eval.c: table-driven verdicts, scores and details of every check kind. */
#include "check.h"
#include "err.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static struct check *compile(const char *spec)
{
	struct jsonloc loc = { "suite.json", spec, strlen(spec) };
	struct pl_err err = PL_ERR_INIT;
	json_t *j = json_loads(spec, 0, NULL);
	struct check *c;
	char buf[1600];

	assert_non_null(j);
	c = check_compile(&loc, "/checks/0", j, &err);
	if (!c)
		print_error("%s: %s\n", spec, pl_err_str(&err, buf, sizeof(buf)));
	assert_non_null(c);
	json_decref(j);
	return c;
}

static const char *const base_paris[] = { "The capital of France is Paris.", "Paris is the capital "
									     "of France." };

static const struct {
	const char *spec;
	const char *answer;
	const char *const *baseline;
	size_t n_baseline;
	enum check_verdict verdict;
	double score;	    /* NAN: not compared */
	const char *detail; /* substring expected in detail; NULL: detail must be "" */
} cases[] = {
	/* is_refusal / not_refusal: the text classifier and the API's flag */
	{ "{\"type\":\"is_refusal\"}", "I'm sorry, but I can't help with that request.", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"is_refusal\"}", "I can't stress enough how important backups are.", NULL, 0,
	  CHECK_FAIL, 0, "answer is not a refusal: \"I can't stress" },
	{ "{\"type\":\"not_refusal\"}", "Paris.", NULL, 0, CHECK_PASS, 0, NULL },
	{ "{\"type\":\"not_refusal\"}", "I'm unable to help with that.", NULL, 0, CHECK_FAIL, 1,
	  "answer is a refusal: \"I'm unable to help with that.\"" },
	{ "{\"type\":\"not_refusal\",\"patterns_extra\":[\"^nope\"]}", "Nope.", NULL, 0, CHECK_FAIL,
	  1, "answer is a refusal" },
	{ "{\"type\":\"not_refusal\",\"patterns\":[\"^nope\"]}", "I can't help with that.", NULL, 0,
	  CHECK_PASS, 0, NULL },
	/* regex */
	{ "{\"type\":\"regex\",\"pattern\":\"paris\",\"flags\":\"i\"}", "It is Paris.", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"regex\",\"pattern\":\"paris\"}", "It is Paris.", NULL, 0, CHECK_FAIL, 0,
	  "answer does not match /paris/" },
	{ "{\"type\":\"regex\",\"pattern\":\"sorry\",\"mode\":\"not_match\"}", "Sure, here it is.",
	  NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"regex\",\"pattern\":\"sorry\",\"mode\":\"not_match\"}", "I am sorry, no.",
	  NULL, 0, CHECK_FAIL, 0, "answer matches /sorry/ at offset 5: \"sorry\"" },
	{ "{\"type\":\"regex\",\"pattern\":\"^b$\",\"flags\":\"m\"}", "a\nb\nc", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"regex\",\"pattern\":\"^b$\"}", "a\nb\nc", NULL, 0, CHECK_FAIL, 0, "" },
	{ "{\"type\":\"regex\",\"pattern\":\"a.c\",\"flags\":\"s\"}", "a\nc", NULL, 0, CHECK_PASS,
	  1, NULL },
	{ "{\"type\":\"regex\",\"pattern\":\"a c # comment\",\"flags\":\"x\"}", "ac", NULL, 0,
	  CHECK_PASS, 1, NULL },
	/* "." is one code point, not one byte */
	{ "{\"type\":\"regex\",\"pattern\":\"^caf.$\"}", "caf\xc3\xa9", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"regex\",\"pattern\":\"^\\\\w+$\"}", "caf\xc3\xa9", NULL, 0, CHECK_FAIL, 0,
	  "" },
	{ "{\"type\":\"regex\",\"pattern\":\"^\\\\w+$\",\"flags\":\"u\"}", "caf\xc3\xa9", NULL, 0,
	  CHECK_PASS, 1, NULL },
	/* invalid UTF-8 in an answer is not an error */
	{ "{\"type\":\"regex\",\"pattern\":\"ok\"}", "\xff\xfe ok", NULL, 0, CHECK_PASS, 1, NULL },
	/* catastrophic backtracking stops at the match limit */
	{ "{\"type\":\"regex\",\"pattern\":\"^(a+)+$\"}",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL, 0, CHECK_ERROR, NAN,
	  "not evaluated: match limit exceeded" },
	/* json */
	{ "{\"type\":\"json\"}", " {\"a\": 1}\n", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json\"}", "[1, 2", NULL, 0, CHECK_FAIL, 0, "answer is not JSON" },
	{ "{\"type\":\"json\"}", "```json\n{\"a\": 1}\n```", NULL, 0, CHECK_FAIL, 0,
	  "(fenced blocks not accepted)" },
	{ "{\"type\":\"json\",\"fenced\":true}", "```json\n{\"a\": 1}\n```", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"json\",\"fenced\":true}", "```\n[1]\n```\n", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json\",\"fenced\":true}", "{\"a\": 1}", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json\",\"fenced\":true}", "```python\n[1]\n```", NULL, 0, CHECK_FAIL, 0,
	  "answer is not JSON" },
	{ "{\"type\":\"json\",\"fenced\":true}", "Here:\n```json\n[1]\n```", NULL, 0, CHECK_FAIL, 0,
	  "answer is not JSON" },
	/* json_schema */
	{ "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"required\":[\"city\"],"
	  "\"properties\":{\"city\":{\"type\":\"string\"}},\"additionalProperties\":false}}",
	  "{\"city\": \"Paris\"}", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"required\":[\"city\"],"
	  "\"properties\":{\"city\":{\"type\":\"string\"}},\"additionalProperties\":false}}",
	  "{\"town\": \"Paris\"}", NULL, 0, CHECK_FAIL, 0,
	  "/: missing required property \"city\" (required); /: property \"town\" is not allowed "
	  "(additionalProperties)" },
	{ "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"properties\":{\"items\":{"
	  "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"price\":{\"type\":"
	  "\"number\"}}}}}}}",
	  "{\"items\": [{\"price\": 1}, {\"price\": 2.5}, {\"price\": \"3\"}]}", NULL, 0,
	  CHECK_FAIL, 0, "/items/2/price: expected number, got string (type)" },
	{ "{\"type\":\"json_schema\",\"fenced\":true,\"schema\":{\"enum\":[1,2]}}",
	  "```json\n2\n```", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json_schema\",\"schema\":{\"const\":{\"a\":[1]}}}", "{\"a\":[1.0]}", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json_schema\",\"schema\":{\"type\":\"string\",\"format\":\"date\"}}",
	  "\"2024-02-30\"", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"json_schema\",\"format_assert\":true,\"schema\":{\"type\":\"string\","
	  "\"format\":\"date\"}}",
	  "\"2024-02-30\"", NULL, 0, CHECK_FAIL, 0, "/: not a valid date (format)" },
	{ "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}", "not json", NULL, 0,
	  CHECK_FAIL, 0, "answer is not JSON" },
	/* length */
	{ "{\"type\":\"length\",\"min\":3,\"max\":5}", "h\xc3\xa9llo", NULL, 0, CHECK_PASS, 5,
	  NULL },
	{ "{\"type\":\"length\",\"max\":4}", "h\xc3\xa9llo", NULL, 0, CHECK_FAIL, 5,
	  "answer has 5 chars, more than max 4" },
	{ "{\"type\":\"length\",\"unit\":\"words\",\"min\":4}", "  one two\n\tthree\xc2\xa0", NULL,
	  0, CHECK_FAIL, 3, "answer has 3 words, fewer than min 4" },
	{ "{\"type\":\"length\",\"unit\":\"words\",\"min\":1,\"max\":3}",
	  "a\xe3\x80\x80"
	  "b",
	  NULL, 0, CHECK_PASS, 2, NULL },
	/* similarity */
	{ "{\"type\":\"similarity\",\"metric\":\"levenshtein\",\"threshold\":0.5}", "anything",
	  NULL, 0, CHECK_SKIP, NAN, "no baseline answers" },
	{ "{\"type\":\"similarity\",\"metric\":\"levenshtein\",\"threshold\":0.99}",
	  "Paris is the capital of France.", base_paris, 2, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"similarity\",\"metric\":\"levenshtein\",\"threshold\":0.9}",
	  "Paris is the capitol of France.", base_paris, 2, CHECK_PASS, 1.0 - 1.0 / 31, NULL },
	{ "{\"type\":\"similarity\",\"metric\":\"jaccard\",\"threshold\":0.9}",
	  "paris, the CAPITAL of france is.", base_paris, 2, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"similarity\",\"metric\":\"jaccard\",\"threshold\":0.6}",
	  "Berlin is the capital of Germany.", base_paris, 2, CHECK_FAIL, 4.0 / 8.0,
	  "jaccard similarity 0.500 to the closest baseline answer (#0) is below" },
	{ "{\"type\":\"similarity\",\"metric\":\"ngram_cosine\",\"threshold\":0.3,\"n\":3}",
	  "I cannot help with that.", base_paris, 2, CHECK_FAIL, NAN, "ngram_cosine similarity" },
};

static void test_cases(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct check *c = compile(cases[i].spec);
		struct check_input in = { .text = cases[i].answer,
					  .len = strlen(cases[i].answer),
					  .refused = 0,
					  .baseline = cases[i].baseline,
					  .n_baseline = cases[i].n_baseline };
		struct check_result r;
		int bad = 0;

		check_eval(c, &in, &r);
		if (r.verdict != cases[i].verdict)
			bad = 1;
		if (!isnan(cases[i].score) && fabs(r.score - cases[i].score) > 1e-9)
			bad = 1;
		if (cases[i].detail ? !strstr(r.detail, cases[i].detail) : r.detail[0] != '\0')
			bad = 1;
		if (bad) {
			print_error("case %zu: %s on \"%s\": got %s %g \"%s\"\n", i, cases[i].spec,
				    cases[i].answer, check_verdict_name(r.verdict), r.score,
				    r.detail);
			failed++;
		}
		check_free(c);
	}
	assert_int_equal(failed, 0);
}

/* The regex match limit must stop a pathological pattern quickly on a long answer. */
/* The API's refusal field makes an answer a refusal whatever its text. */
static void test_refusal_flag(void **state)
{
	struct check *is = compile("{\"type\":\"is_refusal\"}");
	struct check *no = compile("{\"type\":\"not_refusal\"}");
	struct check_input in = { .text = "Here is the recipe.",
				  .len = 19,
				  .refused = 1,
				  .baseline = NULL,
				  .n_baseline = 0 };
	struct check_result r;

	(void)state;
	check_eval(is, &in, &r);
	assert_int_equal(r.verdict, CHECK_PASS);
	check_eval(no, &in, &r);
	assert_int_equal(r.verdict, CHECK_FAIL);
	assert_string_equal(r.detail,
			    "answer is a refusal (flagged by the API): \"Here is the recipe.\"");
	in.refused = 0;
	check_eval(is, &in, &r);
	assert_int_equal(r.verdict, CHECK_FAIL);
	check_free(is);
	check_free(no);
}

static void test_regex_limit_is_fast(void **state)
{
	struct check *c = compile("{\"type\":\"regex\",\"pattern\":\"^(x+x+)+$\"}");
	char text[5001];
	struct check_input in = { .text = text,
				  .len = sizeof(text) - 1,
				  .refused = 0,
				  .baseline = NULL,
				  .n_baseline = 0 };
	struct check_result r;
	clock_t t0 = clock();

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 2] = '!';
	text[sizeof(text) - 1] = '\0';
	check_eval(c, &in, &r);
	assert_int_equal(r.verdict, CHECK_ERROR);
	/* generous: the point is "does not hang", not a timing */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
	check_free(c);
}

/* embedding_similarity on given vectors: the centroid of the baseline's unit vectors (each
 * answer weighs the same, whatever its length) or the nearest one; skipped with the caller's
 * reason when there are no vectors. */
static void test_embedding_similarity(void **state)
{
	static const float b0[] = { 2, 0, 0 }, b1[] = { 0, 1, 0 }, x[] = { 1, 0, 0 },
			   z[] = { 0, 0, 1 };
	const float *const base[] = { b0, NULL, b1 };
	struct check *centroid = compile("{\"type\":\"embedding_similarity\",\"threshold\":0.9}");
	struct check *nearest = compile(
		"{\"type\":\"embedding_similarity\",\"threshold\":0.9,\"mode\":\"nearest\"}");
	struct check_input in = { .text = "Paris.", .len = 6 };
	struct check_result r;

	(void)state;
	in.dim = 3;
	in.baseline_embeddings = base;
	in.n_baseline_embeddings = 3;
	in.embedding = x;
	memset(&r, 0, sizeof(r));
	check_eval(centroid, &in, &r);
	assert_int_equal(r.verdict, CHECK_FAIL);
	assert_true(fabs(r.score - sqrt(0.5)) < 1e-9);
	assert_string_equal(r.detail,
			    "cosine 0.707 to the centroid of 2 baseline answers is below 0.900");
	memset(&r, 0, sizeof(r));
	check_eval(nearest, &in, &r);
	assert_int_equal(r.verdict, CHECK_PASS);
	assert_true(fabs(r.score - 1) < 1e-9);
	assert_string_equal(r.detail, "");
	in.embedding = z;
	memset(&r, 0, sizeof(r));
	check_eval(nearest, &in, &r);
	assert_int_equal(r.verdict, CHECK_FAIL);
	assert_string_equal(r.detail,
			    "cosine 0.000 to the nearest baseline answer (#0) is below 0.900");
	/* no vector for the answer: skipped, saying why */
	in.embedding = NULL;
	in.embed_skip = "no embeddings (the config has no \"embeddings\" section)";
	memset(&r, 0, sizeof(r));
	check_eval(centroid, &in, &r);
	assert_int_equal(r.verdict, CHECK_SKIP);
	assert_string_equal(r.detail, in.embed_skip);
	/* an empty answer (a refusal without text) has no vector and means nothing: cosine 0 */
	in.text = "";
	in.len = 0;
	in.embed_skip = NULL;
	memset(&r, 0, sizeof(r));
	check_eval(centroid, &in, &r);
	assert_int_equal(r.verdict, CHECK_FAIL);
	assert_true(r.score == 0);
	in.text = "Paris.";
	in.len = 6;
	/* no baseline vectors */
	in.embedding = x;
	in.embed_skip = NULL;
	in.n_baseline_embeddings = 0;
	memset(&r, 0, sizeof(r));
	check_eval(centroid, &in, &r);
	assert_int_equal(r.verdict, CHECK_SKIP);
	assert_string_equal(r.detail, "no baseline embeddings to compare with");
	check_free(centroid);
	check_free(nearest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_refusal_flag),
		cmocka_unit_test(test_regex_limit_is_fast),
		cmocka_unit_test(test_embedding_similarity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
