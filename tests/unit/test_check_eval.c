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
	/* equals: the whole answer, byte for byte unless told otherwise */
	{ "{\"type\":\"equals\",\"value\":\"OK\"}", "OK", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"equals\",\"value\":\"OK\"}", "OK\n", NULL, 0, CHECK_FAIL, 0,
	  "answer does not equal \"OK\": \"OK\\n\"" },
	{ "{\"type\":\"equals\",\"value\":\"OK\"}", "OK.", NULL, 0, CHECK_FAIL, 0,
	  "answer does not equal \"OK\": \"OK.\"" },
	{ "{\"type\":\"equals\",\"value\":\"OK\",\"trim\":true}", " \tOK\r\n", NULL, 0, CHECK_PASS,
	  1, NULL },
	{ "{\"type\":\"equals\",\"value\":\"OK\"}", "ok", NULL, 0, CHECK_FAIL, 0, "" },
	{ "{\"type\":\"equals\",\"value\":\"OK\",\"case_sensitive\":false}", "ok", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"equals\",\"value\":\"OK\",\"case_sensitive\":false}", "oks", NULL, 0,
	  CHECK_FAIL, 0, "answer does not equal \"OK\" (any case): \"oks\"" },
	{ "{\"type\":\"equals\",\"value\":\"\"}", "", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"equals\",\"value\":\"\"}", " ", NULL, 0, CHECK_FAIL, 0, "" },
	/* contains / icontains / not_contains */
	{ "{\"type\":\"contains\",\"value\":\"Paris\"}", "It is Paris.", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"contains\",\"value\":\"paris\"}", "It is Paris.", NULL, 0, CHECK_FAIL, 0,
	  "answer does not contain \"paris\": \"It is Paris.\"" },
	{ "{\"type\":\"icontains\",\"value\":\"paris\"}", "It is PARIS.", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"icontains\",\"value\":\"lyon\"}", "It is PARIS.", NULL, 0, CHECK_FAIL, 0,
	  "answer does not contain \"lyon\" (any case): \"It is PARIS.\"" },
	/* case folding is Unicode's simple one: Latin, Greek, Cyrillic; the Kelvin sign is a K */
	{ "{\"type\":\"icontains\",\"value\":\"\xc3\xa9"
	  "cole\"}",
	  "L'\xc3\x89"
	  "COLE",
	  NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"icontains\",\"value\":\"\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1\"}",
	  "\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"icontains\",\"value\":\"\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0\"}",
	  "\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"icontains\",\"value\":\"k\"}", "\xe2\x84\xaa", NULL, 0, CHECK_PASS, 1,
	  NULL },
	/* ... but not the full one: "ss" is not a folded sharp s */
	{ "{\"type\":\"icontains\",\"value\":\"stra\xc3\x9f"
	  "e\"}",
	  "STRASSE", NULL, 0, CHECK_FAIL, 0, "" },
	/* invalid UTF-8 in an answer is not an error */
	{ "{\"type\":\"icontains\",\"value\":\"ok\"}", "\xff\xfe OK", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"contains\",\"value\":\"ok\"}", "\xc3 ok \xff", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"contains\",\"value\":\"Paris\",\"case_sensitive\":false}", "paris", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"not_contains\",\"value\":\"As an AI\"}", "Sure: Paris.", NULL, 0, CHECK_PASS,
	  1, NULL },
	{ "{\"type\":\"not_contains\",\"value\":\"As an AI\"}", "Well. As an AI, I think", NULL, 0,
	  CHECK_FAIL, 0, "answer contains \"As an AI\" at offset 6" },
	{ "{\"type\":\"not_contains\",\"value\":\"as an ai\",\"case_sensitive\":false}", "AS AN AI",
	  NULL, 0, CHECK_FAIL, 0, "answer contains \"as an ai\" at offset 0 (any case)" },
	/* starts_with */
	{ "{\"type\":\"starts_with\",\"value\":\"Answer:\"}", "Answer: Tuesday", NULL, 0,
	  CHECK_PASS, 1, NULL },
	{ "{\"type\":\"starts_with\",\"value\":\"Answer:\"}", "The Answer: Tuesday", NULL, 0,
	  CHECK_FAIL, 0, "answer does not start with \"Answer:\": \"The Answer: Tuesday\"" },
	{ "{\"type\":\"starts_with\",\"value\":\"Answer:\"}", "\n Answer: Tuesday", NULL, 0,
	  CHECK_FAIL, 0, "" },
	{ "{\"type\":\"starts_with\",\"value\":\"Answer:\",\"trim\":true}", "\n Answer: Tuesday",
	  NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"starts_with\",\"value\":\"answer:\",\"case_sensitive\":false}",
	  "ANSWER: Tuesday", NULL, 0, CHECK_PASS, 1, NULL },
	/* contains_any / contains_all: "values", or promptfoo's array in "value" */
	{ "{\"type\":\"contains_any\",\"values\":[\"red\",\"green\",\"blue\"]}", "Cyan and blue",
	  NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"contains_any\",\"values\":[\"red\",\"green\",\"blue\"]}", "Cyan and Blue",
	  NULL, 0, CHECK_FAIL, 0,
	  "answer contains none of \"red\", \"green\", \"blue\": \"Cyan and Blue\"" },
	{ "{\"type\":\"contains_any\",\"value\":[\"red\",\"blue\"],\"case_sensitive\":false}",
	  "Cyan and Blue", NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"contains_all\",\"values\":[\"red\",\"green\",\"blue\"]}", "blue, green, red",
	  NULL, 0, CHECK_PASS, 1, NULL },
	{ "{\"type\":\"contains_all\",\"values\":[\"red\",\"green\",\"blue\"]}", "red and blue",
	  NULL, 0, CHECK_FAIL, 2.0 / 3.0,
	  "answer lacks 1 of 3 values: \"green\": \"red and blue\"" },
	{ "{\"type\":\"contains_all\",\"value\":[\"red\",\"green\",\"blue\"],\"case_sensitive\":"
	  "false}",
	  "RED", NULL, 0, CHECK_FAIL, 1.0 / 3.0,
	  "answer lacks 2 of 3 values: \"green\", \"blue\" (any case): \"RED\"" },
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
	/* a pattern's control character (JSON's "\b" is a backspace) is shown, never raw */
	{ "{\"type\":\"regex\",\"pattern\":\"\\bParis\\b\"}", "Paris", NULL, 0, CHECK_FAIL, 0,
	  "answer does not match /\\x08Paris\\x08/" },
	/* invalid UTF-8 in an answer is not an error */
	{ "{\"type\":\"regex\",\"pattern\":\"ok\"}", "\xff\xfe ok", NULL, 0, CHECK_PASS, 1, NULL },
	/* catastrophic backtracking stops at the match limit */
	{ "{\"type\":\"regex\",\"pattern\":\"^(a+)+$\"}",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL, 0, CHECK_ERROR, NAN,
	  "not evaluated: match limit exceeded" },
	/* a refusal pattern or a schema's pattern that hits the match limit: not judged, as
	 * the regex check (a later pattern that matches still decides) */
	{ "{\"type\":\"is_refusal\",\"patterns\":[\"^(?:(a+)+$|a)\"]}",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL, 0, CHECK_ERROR, NAN,
	  "refusal pattern /^(?:(a+)+$|a)/ not evaluated: match limit exceeded" },
	{ "{\"type\":\"not_refusal\",\"patterns_extra\":[\"^(a|a)+$\"]}",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL, 0, CHECK_ERROR, NAN,
	  "refusal pattern /^(a|a)+$/ not evaluated: match limit exceeded" },
	{ "{\"type\":\"not_refusal\",\"patterns\":[\"^(a+)+$\",\"b$\"]}",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL, 0, CHECK_FAIL, 1,
	  "answer is a refusal" },
	{ "{\"type\":\"json_schema\",\"schema\":{\"properties\":{\"s\":{\"type\":\"string\","
	  "\"pattern\":\"^(a+)+$\"}}}}",
	  "{\"s\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}", NULL, 0, CHECK_ERROR, NAN,
	  "schema not evaluated: /s: regex /^(a+)+$/ not evaluated: match limit exceeded" },
	{ "{\"type\":\"json_schema\",\"schema\":{\"patternProperties\":{\"^(a+)+$\":{}}}}",
	  "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\": 1}", NULL, 0, CHECK_ERROR, NAN,
	  "schema not evaluated: /: regex /^(a+)+$/ not evaluated: match limit exceeded" },
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
	/* numbers beyond 64 bits are valid JSON (order numbers, snowflake IDs): read as doubles */
	{ "{\"type\":\"json\"}", "{\"order_id\": 12345678901234567890}", NULL, 0, CHECK_PASS, 1,
	  NULL },
	{ "{\"type\":\"json\"}", "[-9223372036854775809, 9223372036854775808]", NULL, 0, CHECK_PASS,
	  1, NULL },
	{ "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"properties\":{"
	  "\"id\":{\"type\":\"integer\",\"minimum\":1e19},\"n\":{\"enum\":[3]}}}}",
	  "{\"id\": 12345678901234567890, \"n\": 3}", NULL, 0, CHECK_PASS, 1, NULL },
	/* ... but no double holds 1e400: not judged, not the vendor's fault */
	{ "{\"type\":\"json\"}", "{\"p\": 1e400}", NULL, 0, CHECK_ERROR, 0,
	  "answer is JSON, but the number at line 1 column" },
	{ "{\"type\":\"json\"}", "{\"p\": 12345678901234567890", NULL, 0, CHECK_FAIL, 0,
	  "answer is not JSON" },
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
/* The judged kinds give the judge's verdict; an unavailable judge or none asked is a skip (never
 * the judged vendor's failure); same_meaning without baseline answers is a skip. */
static void test_judged(void **state)
{
	struct check *r = compile("{\"type\":\"rubric\",\"rubric\":\"Names Paris\"}");
	struct check *s = compile("{\"type\":\"same_meaning\"}");
	struct check_judged pass = { CHECK_PASS, "it names Paris" };
	struct check_judged fail = { CHECK_FAIL, "it names Berlin" };
	struct check_judged down = { CHECK_SKIP, "HTTP 503 from the judge" };
	struct check_input in = {
		.text = "Berlin.", .len = 7, .baseline = base_paris, .n_baseline = 2
	};
	struct check_result res;

	(void)state;
	check_eval(r, &in, &res);
	assert_int_equal(res.verdict, CHECK_SKIP);
	assert_string_equal(res.detail, "judge unavailable: not asked");
	in.judged = &pass;
	check_eval(r, &in, &res);
	assert_int_equal(res.verdict, CHECK_PASS);
	assert_true(res.score == 1 && res.detail[0] == '\0');
	in.judged = &fail;
	check_eval(r, &in, &res);
	assert_int_equal(res.verdict, CHECK_FAIL);
	assert_string_equal(res.detail, "judge: it names Berlin");
	in.judged = &down;
	check_eval(r, &in, &res);
	assert_int_equal(res.verdict, CHECK_SKIP);
	assert_string_equal(res.detail, "judge unavailable: HTTP 503 from the judge");
	in.judged = &fail;
	check_eval(s, &in, &res);
	assert_int_equal(res.verdict, CHECK_FAIL);
	in.n_baseline = 0;
	check_eval(s, &in, &res);
	assert_int_equal(res.verdict, CHECK_SKIP);
	assert_string_equal(res.detail, "no baseline answers to compare with");
	/* rubric needs no baseline */
	check_eval(r, &in, &res);
	assert_int_equal(res.verdict, CHECK_FAIL);
	check_free(r);
	check_free(s);
}

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
	/* a schema regex that hits its match limit: not judged, unless something else fails */
	{ "{\"type\":\"tool_call\",\"arguments_schema\":{\"properties\":{\"s\":{\"pattern\":"
	  "\"^(a+)+$\"}}}}",
	  "[{\"name\":\"f\",\"arguments\":{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}}]",
	  CHECK_ERROR,
	  "the arguments of f not evaluated: /s: regex /^(a+)+$/ not evaluated: match limit "
	  "exceeded" },
	{ "{\"type\":\"tool_call\",\"arguments\":{\"k\":1},\"arguments_schema\":{"
	  "\"properties\":{\"s\":{\"pattern\":\"^(a+)+$\"}}}}",
	  "[{\"name\":\"f\",\"arguments\":{\"k\":2,\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}}]",
	  CHECK_FAIL, "\"k\" is 2, not 1" },
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
		struct check_input in = { .text = "", .tool_calls = calls };
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
	struct check_input in = { .text = "Here is the recipe.", .len = 19, .refused = 1 };
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
	struct check_input in = { .text = text, .len = sizeof(text) - 1 };
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

/* cost: the answer's cost from the caller (evaluate.c prices it) against max_usd. */
static void test_cost(void **state)
{
	static const struct {
		int has_cost;
		double cost;
		const char *why;
		enum check_verdict verdict;
		const char *detail; /* substring; NULL: "" */
	} cost_cases[] = {
		{ 1, 0.0015, NULL, CHECK_PASS, NULL },
		{ 1, 0.002, NULL, CHECK_PASS, NULL }, /* at the bound is not above it */
		{ 1, 0.0020001, NULL, CHECK_FAIL,
		  "answer cost 0.002000 USD at the vendor's prices, above max_usd 0.002" },
		{ 1, 0.0031, NULL, CHECK_FAIL, "answer cost 0.003100 USD" },
		{ 0, 0, "vendor \"v\" has no prices in the config", CHECK_SKIP,
		  "cost unknown: vendor \"v\" has no prices in the config" },
		{ 0, 0, NULL, CHECK_SKIP, "cost unknown: not priced" },
	};
	struct check *c = compile("{\"type\":\"cost\",\"max_usd\":0.002}");
	size_t i;

	(void)state;
	assert_string_equal(check_label(c), "cost per answer <= 0.002 USD");
	assert_int_equal(check_is_aggregate(c), 0);
	for (i = 0; i < sizeof(cost_cases) / sizeof(cost_cases[0]); i++) {
		struct check_input in = { .text = "x",
					  .len = 1,
					  .has_cost = cost_cases[i].has_cost,
					  .cost_usd = cost_cases[i].cost,
					  .cost_unknown = cost_cases[i].why };
		struct check_result r;

		check_eval(c, &in, &r);
		if (r.verdict != cost_cases[i].verdict ||
		    (cost_cases[i].detail ? !strstr(r.detail, cost_cases[i].detail)
					  : r.detail[0] != '\0'))
			fail_msg("cost case %zu: got %s \"%s\"", i, check_verdict_name(r.verdict),
				 r.detail);
		if (cost_cases[i].has_cost)
			assert_true(fabs(r.score - cost_cases[i].cost) < 1e-15);
	}
	check_free(c);
}

/* Runs c on answers with the given latencies (< 0: unknown) and aggregates them. */
static void latency_run(const struct check *c, const double *lat, size_t n,
			struct check_result *res, struct check_result *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct check_input in = {
			.text = "x", .len = 1, .has_latency = lat[i] >= 0, .latency_ms = lat[i]
		};

		check_eval(c, &in, &res[i]);
	}
	assert_int_equal(check_aggregate(c, res, n, out), 0);
}

static size_t count_verdict(const struct check_result *res, size_t n, enum check_verdict v)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += res[i].verdict == v;
	return k;
}

/* latency, each answer alone: its latency is the score; unknown skips. */
static void test_latency_per_answer(void **state)
{
	struct check *c = compile("{\"type\":\"latency\",\"p95_ms\":3000}");
	struct check_input in = { .text = "x", .len = 1, .has_latency = 1, .latency_ms = 5000 };
	struct check_result r;

	(void)state;
	assert_int_equal(check_is_aggregate(c), 1);
	assert_string_equal(check_label(c), "latency p95 <= 3000 ms");
	check_eval(c, &in, &r);
	assert_int_equal(r.verdict, CHECK_PASS); /* no verdict before the prompt's p95 */
	assert_true(r.score == 5000);
	in.has_latency = 0;
	check_eval(c, &in, &r);
	assert_int_equal(r.verdict, CHECK_SKIP);
	assert_string_equal(r.detail, "latency unknown for this answer");
	check_free(c);
	/* a kind judged answer by answer has no aggregate */
	c = compile("{\"type\":\"cost\",\"max_usd\":1}");
	assert_int_equal(check_aggregate(c, NULL, 0, &r), -1);
	check_free(c);
}

/* Nearest-rank percentiles over 20 answers 100, 200, ..., 2000 ms (shuffled): p50 is the 10th
 * value (1000), p95 the 19th (1900); linear interpolation would give 1050 and 1905. */
static void test_latency_percentiles(void **state)
{
	static const double lat[20] = { 1300, 200,  1900, 700,	100, 2000, 1000, 400,  1600, 500,
					900,  1100, 300,  1800, 600, 1200, 1500, 1700, 800,  1400 };
	struct check_result res[20], out;
	struct check *c;
	size_t i;

	(void)state;
	c = compile("{\"type\":\"latency\",\"p50_ms\":1000,\"p95_ms\":1900}");
	latency_run(c, lat, 20, res, &out);
	assert_int_equal(out.verdict, CHECK_PASS);
	assert_true(out.score == 1900);
	assert_string_equal(out.detail, "p50 1000 ms, p95 1900 ms over 20 answers");
	assert_int_equal(count_verdict(res, 20, CHECK_PASS), 20); /* 2000 ms is the 5% allowed */
	check_free(c);

	/* p95 just under: fails; the answers above the bound (1900, 2000) are the failing ones */
	c = compile("{\"type\":\"latency\",\"p50_ms\":1000,\"p95_ms\":1899}");
	latency_run(c, lat, 20, res, &out);
	assert_int_equal(out.verdict, CHECK_FAIL);
	assert_string_equal(out.detail,
			    "p50 1000 ms, p95 1900 ms over 20 answers; p95 above the bound");
	assert_int_equal(count_verdict(res, 20, CHECK_FAIL), 2);
	assert_int_equal(res[2].verdict, CHECK_FAIL);
	assert_string_equal(res[2].detail, "latency 1900 ms above the p95 bound 1899 ms (the "
					   "prompt's p95: 1900 ms over 20 answers)");
	assert_int_equal(res[5].verdict, CHECK_FAIL);
	check_free(c);

	/* p50 alone, just under: the ten answers above 999 ms fail */
	c = compile("{\"type\":\"latency\",\"p50_ms\":999}");
	latency_run(c, lat, 20, res, &out);
	assert_int_equal(out.verdict, CHECK_FAIL);
	assert_true(out.score == 1000);
	assert_int_equal(count_verdict(res, 20, CHECK_FAIL), 11);
	for (i = 0; i < 20; i++)
		assert_int_equal(res[i].verdict, lat[i] > 999 ? CHECK_FAIL : CHECK_PASS);
	check_free(c);

	/* both bounds broken: the p50's answers are blamed, the detail names both */
	c = compile("{\"type\":\"latency\",\"p50_ms\":500,\"p95_ms\":600}");
	latency_run(c, lat, 20, res, &out);
	assert_int_equal(out.verdict, CHECK_FAIL);
	assert_non_null(strstr(out.detail, "; p50 above the bound, p95 too"));
	assert_int_equal(count_verdict(res, 20, CHECK_FAIL), 15);
	check_free(c);

	/* one answer: it is its own p50 and p95 */
	c = compile("{\"type\":\"latency\",\"p95_ms\":150}");
	latency_run(c, lat + 4, 1, res, &out);
	assert_int_equal(out.verdict, CHECK_PASS);
	assert_string_equal(out.detail, "p50 100 ms, p95 100 ms over 1 answer");
	check_free(c);
}

/* Answers without a latency (unknown) do not count; fewer than min_samples skip the check. */
static void test_latency_min_samples(void **state)
{
	static const double lat[4] = { 100, -1, 5000, -1 };
	struct check_result res[4], out;
	struct check *c = compile("{\"type\":\"latency\",\"p50_ms\":10,\"min_samples\":3}");

	(void)state;
	latency_run(c, lat, 4, res, &out);
	assert_int_equal(out.verdict, CHECK_SKIP);
	assert_string_equal(out.detail, "2 answers with a latency, fewer than min_samples 3");
	/* a skipped check's answers are skipped too: no "pass" tally under a skip */
	assert_int_equal(count_verdict(res, 4, CHECK_SKIP), 4);
	assert_string_equal(res[0].detail, out.detail);
	assert_string_equal(res[1].detail, "latency unknown for this answer");
	check_free(c);
	/* min_samples 2 is met by the two measured: p50 100 ms (nearest rank of 2: the lower) */
	c = compile("{\"type\":\"latency\",\"p50_ms\":100,\"min_samples\":2}");
	latency_run(c, lat, 4, res, &out);
	assert_int_equal(out.verdict, CHECK_PASS);
	assert_string_equal(out.detail, "p50 100 ms, p95 5000 ms over 2 answers");
	assert_int_equal(count_verdict(res, 4, CHECK_SKIP), 2);
	check_free(c);
	/* no answers at all */
	c = compile("{\"type\":\"latency\",\"p95_ms\":10}");
	latency_run(c, lat, 0, res, &out);
	assert_int_equal(out.verdict, CHECK_SKIP);
	assert_string_equal(out.detail, "0 answers with a latency, fewer than min_samples 1");
	check_free(c);
}

/* A string check's detail is cut to fit at a character boundary: it goes into the report's
 * JSON, which takes only whole UTF-8 characters. */
static void test_string_detail_cut(void **state)
{
	char value[64], answer[512], spec[512];
	size_t shift, i;

	(void)state;
	for (i = 0; i < 19; i++)
		memcpy(value + 2 * i, "\xc3\xa9", 2); /* é, 2 bytes */
	value[38] = '\0';
	snprintf(spec, sizeof(spec),
		 "{\"type\":\"contains_all\",\"case_sensitive\":false,\"values\":[\"%s1\","
		 "\"%s2\",\"%s3\",\"%s4\",\"%s5\"]}",
		 value, value, value, value, value);
	for (shift = 0; shift < 4; shift++) {
		struct check *c = compile(spec);
		struct check_input in = { .text = answer };
		struct check_result r;
		json_t *j;

		memset(answer, 'a', shift);
		for (i = 0; i < 100; i++)
			memcpy(answer + shift + 2 * i, "\xc3\xa9", 2);
		answer[shift + 200] = '\0';
		in.len = strlen(answer);
		check_eval(c, &in, &r);
		assert_int_equal(r.verdict, CHECK_FAIL);
		j = json_string(r.detail);
		if (!j)
			print_error("shift %zu: detail is not UTF-8: %s\n", shift, r.detail);
		assert_non_null(j);
		json_decref(j);
		j = json_string(check_label(c));
		assert_non_null(j);
		json_decref(j);
		check_free(c);
	}
}

/* embedding_similarity on given vectors: the centroid of the baseline's unit vectors (each
 * answer weighs the same, whatever its length) or the nearest one; skipped with the
 * caller's reason when there are no vectors. */
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
	/* an empty answer (a refusal without text) has no vector and means nothing: cosine
	 * 0 */
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
		cmocka_unit_test(test_tool_call),
		cmocka_unit_test(test_judged),
		cmocka_unit_test(test_regex_limit_is_fast),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_latency_per_answer),
		cmocka_unit_test(test_latency_percentiles),
		cmocka_unit_test(test_latency_min_samples),
		cmocka_unit_test(test_string_detail_cut),
		cmocka_unit_test(test_embedding_similarity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
