/* test_jsonschema.c: error reports (pointer, keyword, message), invalid schemas named by JSON
 * Pointer, ECMA-style patterns, format assertions, the error cap and schema reuse. */
#include "jsonschema.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	if (!j)
		print_error("bad test JSON %s: %s\n", text, je.text);
	assert_non_null(j);
	return j;
}

/* Validates and joins the errors with "; ". Returns validity. */
static int run(const char *schema, const char *instance, int format_assert, char *out, size_t len)
{
	json_t *s = parse(schema), *i = parse(instance);
	struct jsonschema_opts opts = { 0 };
	struct pl_err err = PL_ERR_INIT;
	struct jsonschema *js;
	struct jsonschema_result res;
	char line[512];
	size_t k;
	int ok;

	opts.format_assert = format_assert;
	js = jsonschema_compile(s, &opts, &err);
	if (!js)
		print_error("compile %s: %s: %s\n", schema, err.where, err.msg);
	assert_non_null(js);
	ok = jsonschema_validate(js, i, &res);
	assert_int_equal(ok, res.valid);
	assert_int_equal(ok, jsonschema_validate(js, i, NULL));
	out[0] = '\0';
	for (k = 0; k < res.n_errors && k < JSONSCHEMA_MAX_ERRORS; k++) {
		size_t used = strlen(out);

		jsonschema_error_str(&res.errors[k], line, sizeof(line));
		snprintf(out + used, len - used, "%s%s", k ? "; " : "", line);
	}
	jsonschema_free(js);
	json_decref(s);
	json_decref(i);
	return ok;
}

static const struct {
	const char *schema, *instance;
	int format_assert;
	const char *errors; /* "" = valid */
} cases[] = {
	{ "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
	  "\"properties\":{\"price\":{\"type\":\"number\"}}}}}}",
	  "{\"items\":[{\"price\":1},{\"price\":2},{\"price\":\"3\"}]}", 0,
	  "/items/2/price: expected number, got string (type)" },
	/* all errors, not just the first */
	{ "{\"type\":\"object\",\"required\":[\"a\",\"b\"],\"properties\":{\"c\":{\"type\":"
	  "[\"integer\",\"null\"]},\"d\":{\"enum\":[\"x\",\"y\"]}},\"additionalProperties\":false}",
	  "{\"c\":1.5,\"d\":\"z\",\"e~/\":0}", 0,
	  "/: missing required property \"a\" (required); /: missing required property \"b\" "
	  "(required); /c: expected null or integer, got number (type); /d: value is not one of "
	  "the 2 allowed values (enum); /: property \"e~/\" is not allowed "
	  "(additionalProperties)" },
	{ "{\"items\":{\"minimum\":0,\"exclusiveMaximum\":10,\"multipleOf\":2}}", "[4, -2, 10, 3]",
	  0,
	  "/1: expected a number >= 0, got -2 (minimum); /2: expected a number < 10, got 10 "
	  "(exclusiveMaximum); /3: 3 is not a multiple of 2 (multipleOf)" },
	{ "{\"minLength\":2,\"maxLength\":3}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 0,
	  "/: expected at most 3 characters, got 4 (maxLength)" },
	{ "{\"minItems\":1,\"uniqueItems\":true}", "[1, 1.0]", 0,
	  "/: items 0 and 1 are equal (uniqueItems)" },
	/* uniqueItems by hash and sort reports the pair a pairwise scan finds first */
	{ "{\"uniqueItems\":true}", "[3, 1, 2, 1, 3]", 0,
	  "/: items 0 and 4 are equal (uniqueItems)" },
	{ "{\"uniqueItems\":true}",
	  "[{\"a\":1,\"b\":[1,{\"c\":2}]}, 0, {\"b\":[1.0,{\"c\":2.0}],\"a\":1}]", 0,
	  "/: items 0 and 2 are equal (uniqueItems)" },
	{ "{\"uniqueItems\":true}", "[0, -0.0]", 0, "/: items 0 and 1 are equal (uniqueItems)" },
	{ "{\"uniqueItems\":true}",
	  "[[1,2], [2,1], {\"a\":[1]}, {\"a\":[1,1]}, \"1\", 1, true, 1.5]", 0, "" },
	{ "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "3", 0,
	  "/: matches oneOf schemas 0 and 1, expected exactly one (oneOf)" },
	{ "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"boolean\"}]}", "3", 0,
	  "/: matches none of the 2 anyOf schemas (anyOf)" },
	{ "{\"not\":{\"const\":3}}", "3", 0, "/: must not match the \"not\" schema (not)" },
	{ "{\"if\":{\"properties\":{\"k\":{\"const\":\"a\"}}},\"then\":{\"required\":[\"a\"]},"
	  "\"else\":{\"required\":[\"b\"]}}",
	  "{\"k\":\"a\"}", 0, "/: missing required property \"a\" (required)" },
	{ "{\"contains\":{\"const\":1},\"minContains\":2,\"maxContains\":3}", "[1, 2]", 0,
	  "/: expected at least 2 items to match contains, got 1 (contains)" },
	{ "{\"prefixItems\":[{\"type\":\"string\"}],\"unevaluatedItems\":false}", "[\"a\", 2]", 0,
	  "/: item 1 is not allowed (unevaluatedItems)" },
	{ "{\"allOf\":[{\"properties\":{\"a\":true}}],\"unevaluatedProperties\":false}",
	  "{\"a\":1,\"b\":2}", 0, "/: property \"b\" is not allowed (unevaluatedProperties)" },
	{ "{\"dependentRequired\":{\"card\":[\"cvv\"]}}", "{\"card\":1}", 0,
	  "/: property \"card\" requires property \"cvv\" (dependentRequired)" },
	{ "{\"propertyNames\":{\"maxLength\":2}}", "{\"abc\":1}", 0,
	  "/: property name \"abc\" is not valid (propertyNames)" },
	{ "{\"$defs\":{\"pos\":{\"type\":\"integer\",\"minimum\":1}},\"properties\":{\"n\":{"
	  "\"$ref\":\"#/$defs/pos\"}}}",
	  "{\"n\":0}", 0, "/n: expected a number >= 1, got 0 (minimum)" },
	{ "{\"$defs\":{\"p\":{\"$anchor\":\"pos\",\"minimum\":1}},\"items\":{\"$ref\":\"#pos\"}}",
	  "[1, 0]", 0, "/1: expected a number >= 1, got 0 (minimum)" },
	{ "false", "1", 0, "/: no value is allowed here (false)" },
	{ "{\"const\":null}", "0", 0, "/: value differs from the constant (const)" },
	/* draft-07 by $schema: items as a tuple, $ref siblings ignored */
	{ "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"items\":[{\"type\":"
	  "\"string\"}],\"additionalItems\":false}",
	  "[\"a\", 1]", 0, "/: item 1 is not allowed (items)" },
	{ "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"definitions\":{\"i\":{"
	  "\"type\":\"integer\"}},\"$ref\":\"#/definitions/i\",\"maximum\":0}",
	  "5", 0, "" },
	/* patterns: ECMA-like */
	{ "{\"pattern\":\"^\\\\d+$\"}", "\"\xd9\xa3\"", 0,
	  "/: does not match /^\\d+$/ (pattern)" }, /* Arabic-Indic 3 is not \d in ECMA */
	{ "{\"pattern\":\"^\\\\s$\"}", "\"\xc2\xa0\"", 0, "" },	    /* NBSP is \s in ECMA */
	{ "{\"pattern\":\"^\\\\s$\"}", "\"\xef\xbb\xbf\"", 0, "" }, /* so is the BOM */
	{ "{\"pattern\":\"^[\\\\s]$\"}", "\"\xe3\x80\x80\"", 0, "" },
	{ "{\"pattern\":\"^\\\\S$\"}", "\"\xe2\x80\xa8\"", 0,
	  "/: does not match /^\\S$/ (pattern)" },
	{ "{\"pattern\":\"^\\\\w$\"}", "\"\xc3\xa9\"", 0, "/: does not match /^\\w$/ (pattern)" },
	{ "{\"pattern\":\"^a$\"}", "\"a\\n\"", 0, "/: does not match /^a$/ (pattern)" },
	{ "{\"pattern\":\"^[^]$\"}", "\"\\n\"", 0, "" },
	{ "{\"pattern\":\"^\\\\u00e9$\"}", "\"\xc3\xa9\"", 0, "" },
	{ "{\"pattern\":\"^\\\\p{Lowercase_Letter}+$\"}", "\"\xc3\xa9t\xc3\xa9\"", 0, "" },
	{ "{\"pattern\":\"^.$\"}", "\"\xf0\x9f\x98\x80\"", 0, "" },
	{ "{\"pattern\":\"^(a+)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"", 0,
	  "/: regex /^(a+)+$/ hit its match limit (pattern)" },
	/* formats: annotations unless asserted */
	{ "{\"format\":\"email\"}", "\"nope\"", 0, "" },
	{ "{\"format\":\"email\"}", "\"nope\"", 1, "/: not a valid email (format)" },
	{ "{\"format\":\"email\"}", "\"a.b@example.com\"", 1, "" },
	{ "{\"format\":\"date-time\"}", "\"2024-02-29T23:59:60Z\"", 1, "" },
	{ "{\"format\":\"date-time\"}", "\"2023-02-29T10:00:00Z\"", 1,
	  "/: not a valid date-time (format)" },
	{ "{\"format\":\"time\"}", "\"10:00:00+25:00\"", 1, "/: not a valid time (format)" },
	{ "{\"format\":\"ipv4\"}", "\"192.168.01.1\"", 1, "/: not a valid ipv4 (format)" },
	{ "{\"format\":\"ipv6\"}", "\"::ffff:1.2.3.4\"", 1, "" },
	{ "{\"format\":\"hostname\"}", "\"-bad.example\"", 1, "/: not a valid hostname (format)" },
	{ "{\"format\":\"uuid\"}", "\"2eb8aa08-aa98-11ea-b4aa-73b441d16380\"", 1, "" },
	{ "{\"format\":\"uri\"}", "\"//no-scheme\"", 1, "/: not a valid uri (format)" },
	{ "{\"format\":\"uri\"}", "\"https://u:p@[::1]:8080/a/b?q=1#f\"", 1, "" },
	{ "{\"format\":\"uri\"}", "\"http://host:80a/\"", 1, "/: not a valid uri (format)" },
	{ "{\"format\":\"uri\"}", "\"http://h/a[1]\"", 1, "/: not a valid uri (format)" },
	{ "{\"format\":\"email\"}", "\"\\\"joe bloggs\\\"@example.com\"", 1, "" },
	{ "{\"format\":\"duration\"}", "\"whatever\"", 1, "" }, /* unknown: annotation */
};

static void test_cases(void **state)
{
	size_t i, failed = 0;
	char got[4096];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ok = run(cases[i].schema, cases[i].instance, cases[i].format_assert, got,
			     sizeof(got));

		if (ok != !cases[i].errors[0] || strcmp(got, cases[i].errors)) {
			print_error("case %zu: %s on %s\n got: %s\nwant: %s\n", i, cases[i].schema,
				    cases[i].instance, got, cases[i].errors);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static const struct {
	const char *schema, *where, *msg;
} bad_schemas[] = {
	{ "3", "", "expected a schema (an object or a boolean)" },
	{ "{\"type\":\"strin\"}", "/type", "unknown type \"strin\"" },
	{ "{\"properties\":{\"a/b\":{\"minLength\":-1}}}", "/properties/a~1b/minLength",
	  "expected a non-negative integer" },
	{ "{\"items\":{\"pattern\":\"(\"}}", "/items/pattern",
	  "invalid regex \"(\": missing closing parenthesis" },
	{ "{\"allOf\":[]}", "/allOf", "expected a non-empty array of schemas" },
	{ "{\"allOf\":[{}, 1]}", "/allOf/1", "expected a schema (an object or a boolean)" },
	{ "{\"$ref\":\"other.json\"}", "/$ref", "unresolved reference \"other.json\"" },
	{ "{\"$ref\":\"#nowhere\"}", "/$ref", "unresolved reference \"#nowhere\"" },
	{ "{\"required\":[1]}", "/required", "expected an array of strings" },
	{ "{\"multipleOf\":0}", "/multipleOf", "expected a number greater than 0" },
	{ "{\"$id\":\"http://x/y#frag\"}", "/$id", "\"http://x/y#frag\" must not have a fragment" },
};

static void test_bad_schemas(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_schemas) / sizeof(bad_schemas[0]); i++) {
		json_t *s = parse(bad_schemas[i].schema);
		struct pl_err err = PL_ERR_INIT;
		struct jsonschema *js = jsonschema_compile(s, NULL, &err);

		if (js || strcmp(err.where, bad_schemas[i].where) ||
		    strcmp(err.msg, bad_schemas[i].msg))
			print_error("case %zu: %s: got \"%s\" \"%s\"\n", i, bad_schemas[i].schema,
				    err.where, err.msg);
		assert_null(js);
		assert_int_equal(err.code, PL_E_INPUT);
		assert_string_equal(err.where, bad_schemas[i].where);
		assert_string_equal(err.msg, bad_schemas[i].msg);
		json_decref(s);
	}
}

static void test_error_cap(void **state)
{
	json_t *s = parse("{\"items\":{\"type\":\"string\"}}");
	json_t *inst = json_array();
	struct jsonschema *js = jsonschema_compile(s, NULL, NULL);
	struct jsonschema_result res;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		json_array_append_new(inst, json_integer(i));
	assert_int_equal(jsonschema_validate(js, inst, &res), 0);
	assert_int_equal(res.n_errors, JSONSCHEMA_MAX_ERRORS);
	assert_string_equal(res.errors[15].path, "/15");
	jsonschema_free(js);
	jsonschema_free(NULL);
	json_decref(s);
	json_decref(inst);
}

/* uniqueItems over 200,000 items (the 8 MiB answer cap allows ~1.2M): sorted by hash, so
 * this takes a fraction of a second; the pairwise scan it replaces needed 2e10 comparisons
 * (minutes). The duplicate at the very end is still found, and named as a scan names it. */
static void test_unique_items_large(void **state)
{
	json_t *s = parse("{\"uniqueItems\":true}");
	struct jsonschema *js = jsonschema_compile(s, NULL, NULL);
	json_t *inst = json_array();
	struct jsonschema_result res;
	size_t i;

	(void)state;
	for (i = 0; i < 200000; i++)
		json_array_append_new(inst, json_pack("{s:I,s:s}", "id", (json_int_t)i, "k",
						      i % 2 ? "odd" : "even"));
	assert_int_equal(jsonschema_validate(js, inst, NULL), 1);
	json_array_append_new(inst, json_pack("{s:s,s:f}", "k", "odd", "id", 5.0));
	assert_int_equal(jsonschema_validate(js, inst, &res), 0);
	assert_int_equal(res.n_errors, 1);
	assert_string_equal(res.errors[0].msg, "items 5 and 200000 are equal");
	jsonschema_free(js);
	json_decref(s);
	json_decref(inst);
}

/* The compiled schema keeps what it needs: the caller may drop its JSON at once. */
static void test_schema_outlives_source(void **state)
{
	json_t *s = parse("{\"$defs\":{\"e\":{\"enum\":[\"a\",\"b\"]}},\"properties\":{\"x\":{"
			  "\"$ref\":\"#/$defs/e\"}},\"required\":[\"x\"]}");
	struct jsonschema *js = jsonschema_compile(s, NULL, NULL);
	json_t *good = parse("{\"x\":\"b\"}"), *bad = parse("{\"x\":\"c\"}");

	(void)state;
	json_decref(s);
	assert_int_equal(jsonschema_validate(js, good, NULL), 1);
	assert_int_equal(jsonschema_validate(js, bad, NULL), 0);
	assert_int_equal(jsonschema_validate(js, good, NULL), 1);
	jsonschema_free(js);
	json_decref(good);
	json_decref(bad);
}

/* {"$ref": "#"} recurses forever: evaluation stops at the depth limit with an error. */
/* A schema that applies itself to the same value never finishes: an error when it is compiled
 * (the suite loads), naming where the loop closes; before, every answer failed at run time
 * with "schema recursion deeper than 200 levels", night after night. A schema that recurses
 * through a property or an item is a tree, and fine. */
static void test_reference_loop(void **state)
{
	static const struct {
		const char *schema, *where;
	} loops[] = {
		{ "{\"$ref\":\"#\"}", "" },
		{ "{\"$ref\":\"#\",\"type\":\"object\"}", "" },
		{ "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"allOf\":[{\"$ref\":"
		  "\"#/$defs/a\"}]}},\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}",
		  "/$defs/" },
		{ "{\"anyOf\":[{\"type\":\"string\"},{\"not\":{\"$ref\":\"#\"}}]}", "" },
	};
	const char *ok = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
			 "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}}}";
	char got[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		json_t *s = parse(loops[i].schema);
		struct pl_err err = PL_ERR_INIT;
		struct jsonschema *js = jsonschema_compile(s, NULL, &err);

		if (js)
			print_error("case %zu: %s compiled\n", i, loops[i].schema);
		assert_null(js);
		assert_int_equal(err.code, PL_E_INPUT);
		/* where: a schema on the loop (for the root: "") */
		assert_true(loops[i].where[0]
				    ? !strncmp(err.where, loops[i].where, strlen(loops[i].where))
				    : !err.where[0]);
		assert_non_null(strstr(err.msg, "applies itself to the same value without end"));
		json_decref(s);
	}
	assert_int_equal(run(ok, "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[]}]}",
			     0, got, sizeof(got)),
			 1);
	assert_int_equal(run(ok, "{\"children\":[{\"name\":7}]}", 0, got, sizeof(got)), 0);
	assert_non_null(strstr(got, "/children/0/name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bad_schemas),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_schema_outlives_source),
		cmocka_unit_test(test_unique_items_large),
		cmocka_unit_test(test_reference_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
