/* test_check.c: check_compile over the check table: spec errors located at FILE:LINE:COL and
 * field, ids and labels, verdict names. */
#include "check.h"
#include "err.h"
#include "judge_prompt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Compiles the single check in "{\"checks\": [\n<spec>\n]}" located as suite.json. */
static struct check *compile_text(const char *spec, struct pl_err *err)
{
	char text[2048];
	struct jsonloc loc;
	json_t *root;
	struct check *c;

	snprintf(text, sizeof(text), "{\"checks\": [\n%s\n]}", spec);
	loc.file = "suite.json";
	loc.text = text;
	loc.text_len = strlen(text);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	c = check_compile(&loc, "/checks/0", json_array_get(json_object_get(root, "checks"), 0),
			  err);
	json_decref(root);
	return c;
}

static const struct {
	const char *spec;
	const char *error; /* exact "where: msg" */
} bad_specs[] = {
	{ "[1]", "suite.json:2:1: checks[0]: expected a check object, got an array" },
	{ "{\"pattern\": \"x\"}", "suite.json:2:1: checks[0].type: missing check type" },
	{ "{\"type\": 3}", "suite.json:2:10: checks[0].type: expected a string" },
	{ "{\"type\": \"regexp\"}", "suite.json:2:10: checks[0].type: unknown check type "
				    "\"regexp\" (expected one of: contains, contains_all, "
				    "contains_any, cost, embedding_similarity, equals, "
				    "icontains, is_refusal, json, json_schema, latency, "
				    "length, not_contains, not_refusal, regex, rubric, "
				    "same_meaning, similarity, starts_with, tool_call)" },
	{ "{\"type\": \"regex\", \"pattern\": \"(ab\"}", "suite.json:2:30: checks[0].pattern: "
							 "invalid regex at offset 3: missing "
							 "closing "
							 "parenthesis" },
	{ "{\"type\": \"regex\", \"patern\": \"x\"}",
	  "suite.json:2:29: checks[0].patern: unknown "
	  "key \"patern\" (expected one of: type, id, min_pass_rate, "
	  "pattern, flags, mode)" },
	{ "{\"type\": \"regex\", \"pattern\": \"x\", \"flags\": \"iq\"}", "suite.json:2:44: "
									  "checks[0].flags: "
									  "unknown flag 'q' "
									  "(expected some of "
									  "\"imsxu\")" },
	{ "{\"type\": \"regex\", \"pattern\": \"x\", \"mode\": \"nomatch\"}", "suite.json:2:43: "
									      "checks[0].mode: "
									      "unknown mode "
									      "\"nomatch\" "
									      "(expected \"match\" "
									      "or "
									      "\"not_match\")" },
	{ "{\"type\": \"regex\"}", "suite.json:2:1: checks[0]: missing required key \"pattern\"" },
	{ "{\"type\": \"json\", \"fenced\": \"yes\"}", "suite.json:2:28: checks[0].fenced: "
						       "expected true or false, got a string" },
	{ "{\"type\": \"json_schema\"}", "suite.json:2:1: checks[0].schema: missing schema" },
	{ "{\"type\": \"json_schema\", \"schema\": {\"properties\": {\"a\": {\"type\": "
	  "\"integr\"}}}}",
	  "suite.json:2:65: checks[0].schema.properties.a.type: invalid schema: unknown type "
	  "\"integr\"" },
	{ "{\"type\": \"json_schema\", \"schema\": {\"pattern\": \"[a\"}}", "suite.json:2:47: "
									    "checks[0].schema."
									    "pattern: invalid "
									    "schema: invalid regex "
									    "\"[a\": missing "
									    "terminating ] for "
									    "character class" },
	{ "{\"type\": \"json_schema\", \"schema\": {\"$ref\": \"#/$defs/nope\"}}",
	  "suite.json:2:44: checks[0].schema.$ref: invalid schema: reference \"#/$defs/nope\" "
	  "points to no schema" },
	{ "{\"type\": \"length\", \"unit\": \"lines\", \"max\": 3}", "suite.json:2:28: "
								     "checks[0].unit: unknown unit "
								     "\"lines\" (expected "
								     "\"chars\" or \"words\")" },
	{ "{\"type\": \"length\"}", "suite.json:2:1: checks[0]: a length check needs \"min\" or "
				    "\"max\"" },
	{ "{\"type\": \"length\", \"min\": 5, \"max\": 2}", "suite.json:2:37: checks[0].max: max 2 "
							    "is below min 5" },
	{ "{\"type\": \"length\", \"min\": -1}", "suite.json:2:27: checks[0].min: expected an "
						 "integer from 0 to 9223372036854775807, got -1" },
	{ "{\"type\": \"similarity\", \"metric\": \"cosine\", \"threshold\": 0.5}",
	  "suite.json:2:34: checks[0].metric: unknown metric \"cosine\" (expected \"levenshtein\", "
	  "\"jaccard\" or \"ngram_cosine\")" },
	{ "{\"type\": \"similarity\", \"metric\": \"jaccard\"}", "suite.json:2:1: "
								 "checks[0].threshold: missing "
								 "threshold (a number in 0..1)" },
	{ "{\"type\": \"similarity\", \"metric\": \"jaccard\", \"threshold\": 1.5}", "suite.json:2:"
										     "58: "
										     "checks[0]."
										     "threshold: "
										     "expected a "
										     "number from "
										     "0 to 1, got "
										     "1.5" },
	{ "{\"type\": \"similarity\", \"metric\": \"jaccard\", \"threshold\": 0.5, \"n\": 2}",
	  "suite.json:2:68: checks[0].n: \"n\" applies only to metric \"ngram_cosine\"" },
	{ "{\"type\": \"embedding_similarity\"}",
	  "suite.json:2:1: checks[0].threshold: missing threshold (a cosine similarity in -1..1, "
	  "e.g. 0.85)" },
	{ "{\"type\": \"embedding_similarity\", \"threshold\": 2}",
	  "suite.json:2:47: checks[0].threshold: expected a number from -1 to 1, got 2" },
	{ "{\"type\": \"embedding_similarity\", \"threshold\": 0.8, \"mode\": \"mean\"}",
	  "suite.json:2:60: checks[0].mode: unknown mode \"mean\" (expected \"centroid\" or "
	  "\"nearest\")" },
	{ "{\"type\": \"embedding_similarity\", \"threshold\": 0.8, \"metric\": \"cosine\"}",
	  "suite.json:2:62: checks[0].metric: unknown key \"metric\" (expected one of: type, id, min_pass_rate, "
	  "threshold, mode)" },
	{ "{\"type\": \"json\", \"min_pass_rate\": 1.5}", "suite.json:2:35: "
							  "checks[0].min_pass_rate: expected a "
							  "number from 0 to 1, got 1.5" },
	{ "{\"type\": \"is_refusal\", \"pattern\": \"x\"}",
	  "suite.json:2:35: checks[0].pattern: unknown key \"pattern\" (expected one of: type, "
	  "id, min_pass_rate, patterns, patterns_extra)" },
	{ "{\"type\": \"not_refusal\", \"patterns_extra\": [\"^ok\", \"(ab\"]}",
	  "suite.json:2:51: checks[0].patterns_extra[1]: invalid regex at offset 3: missing "
	  "closing parenthesis" },
	{ "{\"type\": \"is_refusal\", \"patterns\": {}}",
	  "suite.json:2:36: checks[0].patterns: expected an array of patterns, got an object" },
	{ "{\"type\": \"latency\"}",
	  "suite.json:2:1: checks[0]: a latency check needs \"p50_ms\" or \"p95_ms\" (or both)" },
	{ "{\"type\": \"latency\", \"p50_ms\": 3000, \"p95_ms\": 800}",
	  "suite.json:2:47: checks[0].p95_ms: p95_ms 800 is below p50_ms 3000" },
	{ "{\"type\": \"latency\", \"p95_ms\": -5}",
	  "suite.json:2:31: checks[0].p95_ms: expected an integer from 0 to 86400000, got -5" },
	{ "{\"type\": \"latency\", \"p95_ms\": 100, \"min_pass_rate\": 0.9}",
	  "suite.json:2:53: checks[0].min_pass_rate: min_pass_rate does not apply to a \"latency\" check: it judges the prompt's answers together" },
	{ "{\"type\": \"latency\", \"p95_ms\": 100, \"min_samples\": 0}",
	  "suite.json:2:51: checks[0].min_samples: expected an integer from 1 to 1000000, got 0" },
	{ "{\"type\": \"latency\", \"p99_ms\": 100}",
	  "suite.json:2:31: checks[0].p99_ms: unknown key \"p99_ms\" (expected one of: type, id, p50_ms, p95_ms, min_samples)" },
	{ "{\"type\": \"cost\"}", "suite.json:2:1: checks[0]: missing required key \"max_usd\"" },
	{ "{\"type\": \"cost\", \"max_usd\": \"0.01\"}",
	  "suite.json:2:29: checks[0].max_usd: expected a number, got a string" },
	{ "{\"type\": \"cost\", \"max_usd\": 0.01, \"currency\": \"EUR\"}",
	  "suite.json:2:47: checks[0].currency: unknown key \"currency\" (expected one of: type, id, min_pass_rate, max_usd)" },
	/* the string checks */
	{ "{\"type\": \"contains\"}", "suite.json:2:1: checks[0]: missing required key \"value\"" },
	{ "{\"type\": \"contains_any\"}",
	  "suite.json:2:1: checks[0]: missing required key \"values\"" },
	{ "{\"type\": \"contains\", \"value\": \"\"}",
	  "suite.json:2:31: checks[0].value: expected a non-empty string" },
	{ "{\"type\": \"starts_with\", \"value\": \"\"}",
	  "suite.json:2:34: checks[0].value: expected a non-empty string" },
	{ "{\"type\": \"equals\", \"value\": 5}",
	  "suite.json:2:29: checks[0].value: expected a string, got an integer" },
	{ "{\"type\": \"not_contains\", \"value\": [\"a\"]}",
	  "suite.json:2:35: checks[0].value: expected a string, got an array" },
	{ "{\"type\": \"contains_all\", \"value\": {\"a\": 1}}",
	  "suite.json:2:35: checks[0].value: expected an array of strings, got an object" },
	{ "{\"type\": \"contains_any\", \"values\": []}",
	  "suite.json:2:36: checks[0].values: expected a non-empty array of strings" },
	{ "{\"type\": \"contains_all\", \"values\": [\"a\", 3]}",
	  "suite.json:2:42: checks[0].values[1]: expected a non-empty string, got an integer" },
	{ "{\"type\": \"contains_all\", \"values\": [\"a\", \"\"]}",
	  "suite.json:2:42: checks[0].values[1]: expected a non-empty string, got an empty one" },
	{ "{\"type\": \"contains_any\", \"value\": \"a\", \"values\": [\"b\"]}",
	  "suite.json:2:50: checks[0].values: give either \"value\" or \"values\", not both" },
	{ "{\"type\": \"contains\", \"values\": [\"x\"]}",
	  "suite.json:2:32: checks[0].values: unknown key \"values\" (expected one of: type, id, min_pass_rate, "
	  "value, case_sensitive)" },
	{ "{\"type\": \"icontains\", \"value\": \"x\", \"case_sensitive\": true}",
	  "suite.json:2:55: checks[0].case_sensitive: unknown key \"case_sensitive\" (expected one "
	  "of: type, id, min_pass_rate, value)" },
	{ "{\"type\": \"contains\", \"value\": \"x\", \"trim\": true}",
	  "suite.json:2:44: checks[0].trim: unknown key \"trim\" (expected one of: type, id, min_pass_rate, value, "
	  "case_sensitive)" },
	{ "{\"type\": \"equals\", \"value\": \"x\", \"trim\": \"yes\"}",
	  "suite.json:2:42: checks[0].trim: expected true or false, got a string" },
	{ "{\"type\": \"starts_with\", \"value\": \"x\", \"case_sensitive\": 0}",
	  "suite.json:2:57: checks[0].case_sensitive: expected true or false, got an integer" },
	/* the judged kinds */
	{ "{\"type\": \"rubric\"}", "suite.json:2:1: checks[0]: missing required key \"rubric\"" },
	{ "{\"type\": \"rubric\", \"rubric\": \"\"}",
	  "suite.json:2:30: checks[0].rubric: expected a non-empty string without NUL" },
	{ "{\"type\": \"rubric\", \"rubric\": 3}",
	  "suite.json:2:30: checks[0].rubric: expected a string, got an integer" },
	{ "{\"type\": \"rubric\", \"rubric\": \"x\", \"model\": \"m\"}",
	  "suite.json:2:44: checks[0].model: unknown key \"model\" (expected one of: type, id, min_pass_rate, "
	  "rubric)" },
	{ "{\"type\": \"same_meaning\", \"rubric\": \"x\"}",
	  "suite.json:2:36: checks[0].rubric: unknown key \"rubric\" (expected one of: type, id, min_pass_rate)" },
	{ "{\"type\": \"tool_call\", \"name\": \"\"}",
	  "suite.json:2:31: checks[0].name: expected a non-empty tool name" },
	{ "{\"type\": \"tool_call\", \"arguments\": [1]}",
	  "suite.json:2:36: checks[0].arguments: expected an object, got an array" },
	{ "{\"type\": \"tool_call\", \"arguments_schema\": {\"type\": 5}}",
	  "suite.json:2:52: checks[0].arguments_schema.type: invalid schema: expected a string "
	  "or an array of strings" },
	{ "{\"type\": \"tool_call\", \"arguments_schema\": \"x\"}",
	  "suite.json:2:43: checks[0].arguments_schema: expected a schema object or boolean, "
	  "got a string" },
	{ "{\"type\": \"tool_call\", \"args\": {}}",
	  "suite.json:2:31: checks[0].args: unknown key \"args\" (expected one of: type, id, min_pass_rate, "
	  "name, arguments_schema, arguments)" },
	{ "{\"type\": \"regex\", \"id\": \"\", \"pattern\": \"x\"}", "suite.json:2:25: "
								     "checks[0].id: expected a "
								     "non-empty string" },
};

static void test_bad_specs(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		char buf[1600];
		struct check *c = compile_text(bad_specs[i].spec, &err);

		pl_err_str(&err, buf, sizeof(buf));
		if (c || err.code != PL_E_INPUT || strcmp(buf, bad_specs[i].error)) {
			print_error("case %zu: %s\n got: %s\nwant: %s\n", i, bad_specs[i].spec,
				    c ? "(compiled)" : buf, bad_specs[i].error);
			failed++;
		}
		check_free(c);
	}
	assert_int_equal(failed, 0);
}

static const struct {
	const char *spec, *kind, *id, *label;
} good_specs[] = {
	{ "{\"type\": \"regex\", \"pattern\": \"Paris\", \"flags\": \"i\"}", "regex", "regex#0",
	  "regex match /Paris/i" },
	{ "{\"type\": \"regex\", \"id\": \"no-sorry\", \"pattern\": \"sorry\", \"mode\": "
	  "\"not_match\"}",
	  "regex", "no-sorry", "regex not_match /sorry/" },
	{ "{\"type\": \"json\", \"fenced\": true}", "json", "json#0", "json (fenced ok)" },
	{ "{\"type\": \"is_refusal\"}", "is_refusal", "is_refusal#0", "is_refusal (13 patterns)" },
	{ "{\"type\": \"not_refusal\", \"patterns_extra\": [\"^nope\"]}", "not_refusal",
	  "not_refusal#0", "not_refusal (14 patterns)" },
	{ "{\"type\": \"not_refusal\", \"patterns\": [\"^nope\"]}", "not_refusal", "not_refusal#0",
	  "not_refusal (1 patterns)" },
	{ "{\"type\": \"json_schema\", \"schema\": {\"type\": \"object\"}}", "json_schema",
	  "json_schema#0", "json_schema" },
	{ "{\"type\": \"length\", \"unit\": \"words\", \"min\": 1, \"max\": 50}", "length",
	  "length#0", "length words 1..50" },
	{ "{\"type\": \"length\", \"min\": 10}", "length", "length#0", "length chars >= 10" },
	{ "{\"type\": \"embedding_similarity\", \"threshold\": 0.85}", "embedding_similarity",
	  "embedding_similarity#0", "embedding_similarity centroid >= 0.85" },
	{ "{\"type\": \"embedding_similarity\", \"threshold\": 0.9, \"mode\": \"nearest\"}",
	  "embedding_similarity", "embedding_similarity#0",
	  "embedding_similarity nearest >= 0.90" },
	{ "{\"type\": \"tool_call\", \"name\": \"get_weather\", \"arguments_schema\": "
	  "{\"type\": \"object\"}, \"arguments\": {\"city\": \"Paris\"}}",
	  "tool_call", "tool_call#0", "tool_call get_weather schema arguments" },
	{ "{\"type\": \"tool_call\"}", "tool_call", "tool_call#0", "tool_call (any)" },
	{ "{\"type\": \"similarity\", \"metric\": \"ngram_cosine\", \"threshold\": 0.7, \"n\": 4}",
	  "similarity", "similarity#0", "similarity ngram_cosine(n=4) >= 0.70" },
	{ "{\"type\": \"similarity\", \"metric\": \"levenshtein\", \"threshold\": 0.8}",
	  "similarity", "similarity#0", "similarity levenshtein >= 0.80" },
	{ "{\"type\": \"latency\", \"p50_ms\": 800, \"p95_ms\": 3000}", "latency", "latency#0",
	  "latency p50 <= 800 ms, p95 <= 3000 ms" },
	{ "{\"type\": \"latency\", \"p50_ms\": 800, \"min_samples\": 5}", "latency", "latency#0",
	  "latency p50 <= 800 ms" },
	{ "{\"type\": \"cost\", \"id\": \"cheap\", \"max_usd\": 0.002}", "cost", "cheap",
	  "cost per answer <= 0.002 USD" },
	{ "{\"type\": \"equals\", \"value\": \"OK\", \"trim\": true}", "equals", "equals#0",
	  "equals \"OK\" (trimmed)" },
	{ "{\"type\": \"equals\", \"value\": \"\"}", "equals", "equals#0", "equals \"\"" },
	{ "{\"type\": \"icontains\", \"value\": \"paris\"}", "icontains", "icontains#0",
	  "icontains \"paris\"" },
	{ "{\"type\": \"not_contains\", \"value\": \"As an AI\", \"case_sensitive\": false}",
	  "not_contains", "not_contains#0", "not_contains \"As an AI\" (any case)" },
	{ "{\"type\": \"contains_any\", \"values\": [\"red\", \"green\", \"blue\"]}",
	  "contains_any", "contains_any#0", "contains_any 3 values: \"red\", ..." },
	/* promptfoo's spelling: "value" holds the array */
	{ "{\"type\": \"contains_all\", \"value\": [\"a\", \"b\"]}", "contains_all",
	  "contains_all#0", "contains_all 2 values: \"a\", ..." },
	{ "{\"type\": \"contains_all\", \"value\": \"a\"}", "contains_all", "contains_all#0",
	  "contains_all \"a\"" },
	{ "{\"type\": \"starts_with\", \"value\": \"say \\\"hi\\\"\\n\"}", "starts_with",
	  "starts_with#0", "starts_with \"say \\\"hi\\\"\\n\"" },
	{ "{\"type\": \"rubric\", \"rubric\": \"Names Paris\", \"min_pass_rate\": 0.5}", "rubric",
	  "rubric#0", "rubric: Names Paris" },
	{ "{\"type\": \"same_meaning\"}", "same_meaning", "same_meaning#0",
	  "same_meaning as the baseline's most common answer" },
};

/* The judged kinds say what to ask the judge; the others are not judged. */
static void test_judge_ask(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct check *r = compile_text("{\"type\": \"rubric\", \"rubric\": \"Names Paris\"}", &err);
	struct check *s = compile_text("{\"type\": \"same_meaning\"}", &err);
	struct check *j = compile_text("{\"type\": \"json\"}", &err);
	const char *rubric = "unset";
	int kind = -1;

	(void)state;
	assert_true(r && s && j);
	assert_int_equal(check_judge_ask(r, &kind, &rubric), 1);
	assert_int_equal(kind, JUDGE_RUBRIC);
	assert_string_equal(rubric, "Names Paris");
	assert_int_equal(check_judge_ask(s, &kind, &rubric), 1);
	assert_int_equal(kind, JUDGE_SAME_MEANING);
	assert_null(rubric);
	assert_int_equal(check_judge_ask(j, &kind, &rubric), 0);
	check_free(r);
	check_free(s);
	check_free(j);
}

static void test_good_specs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_specs) / sizeof(good_specs[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		char buf[1600];
		struct check *c = compile_text(good_specs[i].spec, &err);

		if (!c)
			print_error("case %zu: %s\n", i, pl_err_str(&err, buf, sizeof(buf)));
		assert_non_null(c);
		assert_string_equal(check_kind(c), good_specs[i].kind);
		assert_string_equal(check_id(c), good_specs[i].id);
		assert_string_equal(check_label(c), good_specs[i].label);
		check_free(c);
	}
}

/* A pattern with a control character compiles, but it is almost always JSON's (or double-quoted
 * YAML's) "\b", a backspace, where PCRE2's word boundary was meant: compile keeps a located
 * warning, and the label and details show the character as \x08, never raw. Tab, newline and
 * carriage return are legal (they mean themselves) and shown as \t \n \r. */
static void test_pattern_controls(void **state)
{
	static const char bs_warning[] =
		" has a control character \\x08 (a backspace): did you mean \\b, a word boundary? "
		"In JSON and double-quoted YAML \"\\b\" is a backspace: write \"\\\\b\", or quote "
		"the YAML with single quotes\n";
	static const struct {
		const char *spec, *label, *warnings; /* warnings: exact lines, "" for none */
	} cases[] = {
		{ "{\"type\": \"regex\", \"pattern\": \"\\bParis\\b\"}",
		  "regex match /\\x08Paris\\x08/",
		  "suite.json:2:30: checks[0].pattern: the pattern /\\x08Paris\\x08/" },
		{ "{\"type\": \"regex\", \"pattern\": \"\\\\bParis\\\\b\"}",
		  "regex match /\\bParis\\b/", "" },
		{ "{\"type\": \"regex\", \"pattern\": \"a\\tb\\nc\"}", "regex match /a\\tb\\nc/",
		  "" },
		{ "{\"type\": \"regex\", \"pattern\": \"\\u0007x\"}", "regex match /\\x07x/",
		  "suite.json:2:30: checks[0].pattern: the pattern /\\x07x/ has a control character "
		  "\\x07: a JSON or double-quoted YAML escape made it; write the backslash twice "
		  "(\"\\\\\") to give PCRE2 the escape, or \\xHH to mean the character\n" },
		{ "{\"type\": \"not_refusal\", \"patterns_extra\": [\"^ok\", \"\\bno\\b\"]}",
		  "not_refusal (15 patterns)",
		  "suite.json:2:51: checks[0].patterns_extra[1]: the pattern /\\x08no\\x08/" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		struct check *c = compile_text(cases[i].spec, &err);
		const char *got;
		char want[1024];

		assert_non_null(c);
		assert_string_equal(check_label(c), cases[i].label);
		got = check_warnings(c);
		snprintf(want, sizeof(want), "%s%s", cases[i].warnings,
			 strstr(cases[i].warnings, "/ has") || !*cases[i].warnings ? ""
										   : bs_warning);
		if (strcmp(got ? got : "", want))
			fail_msg("case %zu:\n got  %s\n want %s", i, got ? got : "(none)", want);
		check_free(c);
	}
}

static void test_id_from_pointer_index(void **state)
{
	const char *text = "{\"type\": \"json\"}";
	struct jsonloc loc = { "s.json", text, strlen(text) };
	struct pl_err err = PL_ERR_INIT;
	json_t *spec = json_loads(text, 0, NULL);
	struct check *c = check_compile(&loc, "/prompts/2/checks/7", spec, &err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(check_id(c), "json#7");
	check_free(c);
	check_free(NULL);
	json_decref(spec);
}

static void test_min_pass_rate(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct check *c = compile_text("{\"type\": \"regex\", \"pattern\": \"x\", "
				       "\"min_pass_rate\": 0.8}",
				       &err);

	(void)state;
	assert_non_null(c);
	assert_true(check_min_pass_rate(c) == 0.8);
	check_free(c);
	c = compile_text("{\"type\": \"length\", \"max\": 3}", &err);
	assert_non_null(c);
	assert_true(check_min_pass_rate(c) == 1.0);
	check_free(c);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(check_verdict_name(CHECK_PASS), "pass");
	assert_string_equal(check_verdict_name(CHECK_FAIL), "fail");
	assert_string_equal(check_verdict_name(CHECK_SKIP), "skip");
	assert_string_equal(check_verdict_name(CHECK_ERROR), "error");
}

/* An unknown key's error lists every key the kind takes, the common ones too: min_pass_rate for
 * each kind judged answer by answer (not for a per-prompt kind, which refuses it). */
static void test_unknown_key_lists_common_keys(void **state)
{
	const struct check_ops *const *kinds;
	size_t i, n;

	(void)state;
	kinds = check_kinds(&n);
	for (i = 0; i < n; i++) {
		struct pl_err err = PL_ERR_INIT;
		json_t *spec = json_loads(kinds[i]->example, 0, NULL);
		char *text;
		struct check *c;

		assert_non_null(spec);
		json_object_set_new(spec, "zzz", json_integer(1));
		text = json_dumps(spec, JSON_COMPACT);
		c = compile_text(text, &err);
		if (c)
			fail_msg("%s: compiled with an unknown key", kinds[i]->name);
		if (!strstr(err.msg, "unknown key \"zzz\"") || !strstr(err.msg, "type, id"))
			fail_msg("%s: %s", kinds[i]->name, err.msg);
		if (!kinds[i]->aggregate != !!strstr(err.msg, "min_pass_rate"))
			fail_msg("%s: %s", kinds[i]->name, err.msg);
		free(text);
		json_decref(spec);
	}
}

/* A json_schema (or tool_call arguments_schema) keyword a letter or two from a known one is
 * legal (unknown keywords are annotations) but checks nothing: compile keeps a located "did
 * you mean" warning for each (check_warnings), a schema object's own keys before its subschemas';
 * keys far from every keyword, property names and the keywords of other drafts stay silent. */
static void test_schema_typos(void **state)
{
	static const struct {
		const char *spec;
		const char *warnings; /* exact lines, "" for none */
	} cases[] = {
		{ "{\"type\": \"json_schema\", \"schema\": {\"type\": \"object\",\n"
		  " \"propeties\": {\"a\": {\"type\": \"string\"}},\n"
		  " \"requried\": [\"a\"]}}",
		  "suite.json:3:15: checks[0].schema.propeties: unknown schema keyword "
		  "\"propeties\" (did you mean \"properties\"?): JSON Schema ignores unknown "
		  "keywords, so it checks nothing\n"
		  "suite.json:4:14: checks[0].schema.requried: unknown schema keyword \"requried\" "
		  "(did you mean \"required\"?): JSON Schema ignores unknown keywords, so it checks "
		  "nothing\n" },
		{ "{\"type\": \"json_schema\", \"schema\": {\"properties\": {\"a\": {\n"
		  " \"additonalProperties\": false}, \"b\": {\"type\": \"array\",\n"
		  " \"itmes\": {\"tpye\": \"string\"}}}}}",
		  "suite.json:3:25: checks[0].schema.properties.a.additonalProperties: unknown "
		  "schema keyword \"additonalProperties\" (did you mean \"additionalProperties\"?): "
		  "JSON Schema ignores unknown keywords, so it checks nothing\n"
		  "suite.json:4:11: checks[0].schema.properties.b.itmes: unknown schema keyword "
		  "\"itmes\" (did you mean \"items\"?): JSON Schema ignores unknown keywords, so it "
		  "checks nothing\n" },
		{ "{\"type\": \"json_schema\", \"schema\": {\"items\": {\"tpye\": \"string\"},\n"
		  " \"maxlength\": 3, \"ref\": \"#\"}}",
		  "suite.json:3:15: checks[0].schema.maxlength: unknown schema keyword \"maxlength\" "
		  "(did you mean \"maxLength\"?): JSON Schema ignores unknown keywords, so it checks "
		  "nothing\n"
		  "suite.json:3:25: checks[0].schema.ref: unknown schema keyword \"ref\" (did you "
		  "mean \"$ref\"?): JSON Schema ignores unknown keywords, so it checks nothing\n"
		  "suite.json:2:54: checks[0].schema.items.tpye: unknown schema keyword \"tpye\" "
		  "(did you mean \"type\"?): JSON Schema ignores unknown keywords, so it checks "
		  "nothing\n" },
		/* draft-07's own keywords: "definitons" is near "definitions", "$defs" is known */
		{ "{\"type\": \"json_schema\", \"schema\": {\"$schema\": "
		  "\"http://json-schema.org/draft-07/schema#\",\n"
		  " \"$defs\": {}, \"definitons\": {}}}",
		  "suite.json:3:29: checks[0].schema.definitons: unknown schema keyword "
		  "\"definitons\" (did you mean \"definitions\"?): JSON Schema ignores unknown "
		  "keywords, so it checks nothing\n" },
		{ "{\"type\": \"json_schema\", \"schema\": {\"type\": \"object\", \"x-note\": \"n\", "
		  "\"$comment\": \"c\", \"nullable\": true, \"example\": 1, \"id\": \"x\", "
		  "\"properties\": {\"requried\": {\"type\": \"string\"}}, "
		  "\"required\": [\"requried\"], \"enum\": [{\"itmes\": 1}]}}",
		  "" },
		/* a tool_call check's arguments_schema is a schema too */
		{ "{\"type\": \"tool_call\", \"arguments_schema\": {\"type\": \"object\",\n"
		  " \"properties\": {\"city\": {\"tpye\": \"string\"}}, \"requried\": [\"city\"]}}",
		  "suite.json:3:58: checks[0].arguments_schema.requried: unknown schema keyword "
		  "\"requried\" (did you mean \"required\"?): JSON Schema ignores unknown keywords, "
		  "so it checks nothing\n"
		  "suite.json:3:34: checks[0].arguments_schema.properties.city.tpye: unknown schema "
		  "keyword \"tpye\" (did you mean \"type\"?): JSON Schema ignores unknown keywords, "
		  "so it checks nothing\n" },
		{ "{\"type\": \"tool_call\", \"name\": \"f\", \"arguments_schema\": {\"type\": "
		  "\"object\", \"required\": [\"city\"], \"x-note\": 1}}",
		  "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		struct check *c = compile_text(cases[i].spec, &err);
		const char *got;

		assert_non_null(c);
		got = check_warnings(c);
		if (strcmp(got ? got : "", cases[i].warnings))
			fail_msg("case %zu:\n got  %s\n want %s", i, got ? got : "(none)",
				 cases[i].warnings);
		check_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_good_specs),
		cmocka_unit_test(test_pattern_controls),
		cmocka_unit_test(test_judge_ask),
		cmocka_unit_test(test_id_from_pointer_index),
		cmocka_unit_test(test_min_pass_rate),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_unknown_key_lists_common_keys),
		cmocka_unit_test(test_schema_typos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
