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
		struct check_input in = { cases[i].answer,   strlen(cases[i].answer), 0,
					  cases[i].baseline, cases[i].n_baseline,     NULL };
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
/* tool_call on an answer's calls: none, another tool, arguments against the schema and the
 * subset (numbers by value, nested objects), invalid arguments, the second call passing. */
static const struct {
	const char *spec;
	const char *calls; /* JSON text; NULL: the answer called no tool */
	enum check_verdict verdict;
	const char *detail; /* substring expected; NULL: "" */
} tool_cases[] = {
	{ "{\"type\":\"tool_call\",\"name\":\"get_weather\"}", NULL, CHECK_FAIL,
	  "no tool call: expected get_weather (the answer is text)" },
	{ "{\"type\":\"tool_call\"}", "[]", CHECK_FAIL, "no tool call (the answer is text)" },
	{ "{\"type\":\"tool_call\"}", "[{\"name\":\"f\",\"arguments\":{}}]", CHECK_PASS, NULL },
	{ "{\"type\":\"tool_call\",\"name\":\"get_weather\"}",
	  "[{\"name\":\"get_time\",\"arguments\":{}},{\"name\":\"f\",\"arguments\":{}}]",
	  CHECK_FAIL, "called get_time, f, not get_weather" },
	{ "{\"type\":\"tool_call\",\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}",
	  "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"unit\":\"c\"}}]",
	  CHECK_PASS, NULL },
	{ "{\"type\":\"tool_call\",\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}",
	  "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Lyon\"}}]", CHECK_FAIL,
	  "the arguments of get_weather differ: \"city\" is \"Lyon\", not \"Paris\"" },
	{ "{\"type\":\"tool_call\",\"arguments\":{\"city\":\"Paris\"}}",
	  "[{\"name\":\"get_weather\",\"arguments\":{}}]", CHECK_FAIL,
	  "\"city\" is missing, not \"Paris\"" },
	{ "{\"type\":\"tool_call\",\"arguments\":{\"n\":1,\"o\":{\"a\":[1,2]}}}",
	  "[{\"name\":\"f\",\"arguments\":{\"n\":1.0,\"o\":{\"a\":[1,2],\"b\":0}}}]", CHECK_PASS,
	  NULL },
	{ "{\"type\":\"tool_call\",\"arguments\":{\"o\":{\"a\":[1]}}}",
	  "[{\"name\":\"f\",\"arguments\":{\"o\":{\"a\":[1,2]}}}]", CHECK_FAIL,
	  "\"o\" is {\"a\":[1,2]}, not {\"a\":[1]}" },
	{ "{\"type\":\"tool_call\",\"arguments_schema\":{\"type\":\"object\",\"required\":"
	  "[\"city\"],\"properties\":{\"city\":{\"type\":\"string\"}}}}",
	  "[{\"name\":\"get_weather\",\"arguments\":{\"city\":7}}]", CHECK_FAIL,
	  "the arguments of get_weather do not match the schema: /city: " },
	{ "{\"type\":\"tool_call\",\"arguments_schema\":{\"required\":[\"city\"]}}",
	  "[{\"name\":\"f\",\"arguments\":\"{\\\"city\\\": \",\"arguments_invalid\":true}]",
	  CHECK_FAIL, "the arguments of f are not a JSON object" },
	/* the first failing call is named, a later passing one passes */
	{ "{\"type\":\"tool_call\",\"name\":\"f\",\"arguments\":{\"k\":2}}",
	  "[{\"name\":\"f\",\"arguments\":{\"k\":1}},{\"name\":\"f\",\"arguments\":{\"k\":2}}]",
	  CHECK_PASS, NULL },
	{ "{\"type\":\"tool_call\",\"name\":\"f\",\"arguments\":{\"k\":3}}",
	  "[{\"name\":\"f\",\"arguments\":{\"k\":1}},{\"name\":\"f\",\"arguments\":{\"k\":2}}]",
	  CHECK_FAIL, "\"k\" is 1, not 3" },
	/* journals are files: a call that is not an object never crashes */
	{ "{\"type\":\"tool_call\",\"name\":\"f\"}", "[3, \"x\"]", CHECK_FAIL,
	  "called ?, ?, not f" },
};

static void test_tool_call(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(tool_cases) / sizeof(tool_cases[0]); i++) {
		struct check *c = compile(tool_cases[i].spec);
		json_t *calls = tool_cases[i].calls ? json_loads(tool_cases[i].calls, 0, NULL)
						    : NULL;
		struct check_input in = { "", 0, 0, NULL, 0, calls };
		struct check_result r;
		int bad = 0;

		if (tool_cases[i].calls && !calls)
			fail_msg("case %zu: bad calls", i);
		check_eval(c, &in, &r);
		if (r.verdict != tool_cases[i].verdict)
			bad = 1;
		if (tool_cases[i].detail ? !strstr(r.detail, tool_cases[i].detail)
					 : r.detail[0] != '\0')
			bad = 1;
		if (bad) {
			print_error("case %zu: %s on %s: got %s \"%s\"\n", i, tool_cases[i].spec,
				    tool_cases[i].calls ? tool_cases[i].calls : "(none)",
				    check_verdict_name(r.verdict), r.detail);
			failed++;
		}
		json_decref(calls);
		check_free(c);
	}
	assert_int_equal(failed, 0);
}

/* The API's refusal field makes an answer a refusal whatever its text. */
static void test_refusal_flag(void **state)
{
	struct check *is = compile("{\"type\":\"is_refusal\"}");
	struct check *no = compile("{\"type\":\"not_refusal\"}");
	struct check_input in = { "Here is the recipe.", 19, 1, NULL, 0, NULL };
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
	struct check_input in = { text, sizeof(text) - 1, 0, NULL, 0, NULL };
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_refusal_flag),
		cmocka_unit_test(test_tool_call),
		cmocka_unit_test(test_regex_limit_is_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
