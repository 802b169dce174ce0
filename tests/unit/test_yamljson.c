/* test_yamljson.c: YAML read as JSON: core-schema types, each value's line:column (the jsonpos
 * index json_fail reads), and the exact located errors of bad YAML. */
#include "testutil.h"
#include "jsonpos.h"
#include "jsonx.h"
#include "suite.h"
#include "yamljson.h"

#include <stdlib.h>
#include <string.h>

/* Parses text; returns its compact, key-sorted JSON (caller frees) or NULL with err set. */
static char *convert(const char *text, struct sbuf *idx, struct pl_err *err)
{
	json_t *v;
	char *out;

	sbuf_init(idx);
	jsonpos_index_init(idx);
	v = yamljson_parse("t.yaml", text, strlen(text), idx, err);
	if (!v)
		return NULL;
	out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(v);
	return out;
}

static void test_types(void **state)
{
	static const struct {
		const char *yaml, *json;
	} cases[] = {
		/* core schema: null, booleans, integers, floats */
		{ "[~, null, Null, NULL, ]", "[null,null,null,null]" },
		{ "a:\nb: ~", "{\"a\":null,\"b\":null}" },
		{ "[true, True, TRUE, false, False, FALSE]", "[true,true,true,false,false,false]" },
		{ "[12, -3, +4, 007, 0x1F, 0o17]", "[12,-3,4,7,31,15]" },
		{ "[1.5, -2e3, .5, 1., 1E2]", "[1.5,-2000.0,0.5,1.0,100.0]" },
		/* YAML 1.1's booleans and sexagesimals are strings in 1.2's core schema */
		{ "[yes, no, on, off, y, 1:30, 0b11, 1_000]",
		  "[\"yes\",\"no\",\"on\",\"off\",\"y\",\"1:30\",\"0b11\",\"1_000\"]" },
		/* quoted and block scalars are strings, whatever they look like */
		{ "['12', \"true\", '', \"null\"]", "[\"12\",\"true\",\"\",\"null\"]" },
		{ "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\n",
		  "{\"a\":\"line 1\\nline 2\\n\",\"b\":\"folded text\"}" },
		/* regexes: plain and single-quoted scalars keep backslashes */
		{ "[\\bParis\\b, '\\d+\\.\\d+', \"\\\\w\"]",
		  "[\"\\\\bParis\\\\b\",\"\\\\d+\\\\.\\\\d+\",\"\\\\w\"]" },
		/* tags of the core schema; "!" keeps a plain scalar a string */
		{ "[!!str 12, !!float 3, !!int '7', ! 5, !!bool 'true']",
		  "[\"12\",3.0,7,\"5\",true]" },
		/* keys are strings; nesting; anchors and aliases copy values */
		{ "1: x\n? y\n: [a, {b: c}]", "{\"1\":\"x\",\"y\":[\"a\",{\"b\":\"c\"}]}" },
		{ "d: &d {t: 0.5}\np: [*d, *d]",
		  "{\"d\":{\"t\":0.5},\"p\":[{\"t\":0.5},{\"t\":0.5}]}" },
		{ "--- plain\n...\n", "\"plain\"" },
		{ "x: 9223372036854775807", "{\"x\":9223372036854775807}" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		struct sbuf idx;
		char *got = convert(cases[i].yaml, &idx, &err);

		if (!got)
			fail_msg("%s: %s: %s", cases[i].yaml, err.where, err.msg);
		if (strcmp(got, cases[i].json))
			fail_msg("%s: got %s, want %s", cases[i].yaml, got, cases[i].json);
		free(got);
		sbuf_release(&idx);
	}
}

static const char doc[] = "# a suite\n"
			  "id: demo\n"
			  "prompts:\n"
			  "  - id: a\n"
			  "    checks:\n"
			  "      - { type: regex, pattern: 'x(' }\n"
			  "  - &p\n"
			  "    id: b\n"
			  "    prompt: |\n"
			  "      text\n"
			  "  - *p\n";

static void test_positions(void **state)
{
	static const struct {
		const char *ptr;
		int line, col;
	} cases[] = {
		{ "", 2, 1 },
		{ "/id", 2, 5 },
		{ "/prompts", 4, 3 },
		{ "/prompts/0", 4, 5 },
		{ "/prompts/0/checks/0", 6, 9 },
		{ "/prompts/0/checks/0/pattern", 6, 33 },
		{ "/prompts/0/missing", 4, 5 }, /* deepest enclosing value, as for JSON */
		{ "/prompts/1", 7, 5 },		/* an anchored node starts at its anchor */
		{ "/prompts/1/prompt", 9, 13 },
		{ "/prompts/2", 11, 5 }, /* the alias */
		{ "/prompts/2/id", 11, 5 },
		{ "/nothing/here", 2, 1 },
	};
	struct pl_err err = PL_ERR_INIT;
	struct sbuf idx;
	char *got = convert(doc, &idx, &err);
	size_t i;

	(void)state;
	assert_non_null(got);
	assert_true(jsonpos_is_index(idx.buf, idx.len));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int line = 0, col = 0;

		assert_int_equal(jsonpos_find(idx.buf, idx.len, cases[i].ptr, &line, &col), 0);
		if (line != cases[i].line || col != cases[i].col)
			fail_msg("%s: got %d:%d, want %d:%d", cases[i].ptr, line, col,
				 cases[i].line, cases[i].col);
	}
	free(got);
	sbuf_release(&idx);
}

/* The index makes json_fail locate YAML values exactly as it does JSON text. */
static void test_json_fail(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf idx;
	struct jsonloc loc;
	char *got = convert(doc, &idx, &err);

	(void)state;
	assert_non_null(got);
	loc.file = "s.yaml";
	loc.text = idx.buf;
	loc.text_len = idx.len;
	json_fail(&loc, "/prompts/0/checks/0", "pattern", &err, "bad regex");
	assert_string_equal(err.where, "s.yaml:6:33: prompts[0].checks[0].pattern");
	assert_string_equal(err.msg, "bad regex");
	free(got);
	sbuf_release(&idx);
}

static void test_errors(void **state)
{
	static const struct {
		const char *yaml, *where, *msg;
	} cases[] = {
		{ "a: 1\nb: 2\na: 3\n", "t.yaml:3:1: a", "duplicate key \"a\"" },
		{ "p:\n  - {x: 1, x: 2}\n", "t.yaml:2:12: p[0].x", "duplicate key \"x\"" },
		{ "a: [1, 2\n", "t.yaml:2:1",
		  "invalid YAML: did not find expected ',' or ']' while parsing a flow sequence" },
		{ "a: 1\n---\nb: 2\n", "t.yaml:2:1",
		  "a second YAML document (\"---\"): the file must hold one document" },
		{ "", "t.yaml", "no YAML document (the file is empty)" },
		{ "# only a comment\n", "t.yaml", "no YAML document (the file is empty)" },
		{ "t: .inf\n", "t.yaml:1:4: t", "\".inf\" is not a number JSON can hold" },
		{ "t: [.nan]\n", "t.yaml:1:5: t[0]", "\".nan\" is not a number JSON can hold" },
		{ "n: 99999999999999999999\n", "t.yaml:1:4: n",
		  "integer \"99999999999999999999\" is out of range" },
		{ "f: 1e999\n", "t.yaml:1:4: f", "number \"1e999\" is out of range" },
		{ "a: !!int x\n", "t.yaml:1:4: a", "\"x\" is not a valid !!int" },
		{ "a: !!binary aGk=\n", "t.yaml:1:4: a",
		  "unsupported YAML tag \"tag:yaml.org,2002:binary\"" },
		{ "a: !custom {}\n", "t.yaml:1:4: a", "unsupported YAML tag \"!custom\"" },
		{ "a: *nope\n", "t.yaml:1:4: a",
		  "unknown alias *nope (an anchor &nope must come first)" },
		{ "a: &x [*x]\n", "t.yaml:1:8: a[0]",
		  "unknown alias *x (an anchor &x must come first)" },
		{ "? [k]\n: v\n", "t.yaml:1:3", "a mapping key must be a plain or quoted string" },
		{ "\"a\\0b\": 1\n", "t.yaml:1:1: a", "a mapping key contains a NUL character" },
		/* reader errors: libyaml gives a byte offset, reported as line:column in
		 * characters like every other mark (CRLF one break, a character several bytes) */
		{ "id: s\nprompts:\n  - id: p\n    prompt: \"caf\xe9\"\n", "t.yaml:4:17",
		  "invalid YAML: invalid trailing UTF-8 octet (YAML text is UTF-8 or UTF-16)" },
		{ "a: 1\r\nb: \xc3\xa9\xff\n", "t.yaml:2:5",
		  "invalid YAML: invalid leading UTF-8 octet (YAML text is UTF-8 or UTF-16)" },
		{ "a: \"x\x01\"\n", "t.yaml:1:6",
		  "invalid YAML: control characters are not allowed (YAML text is UTF-8 or UTF-16)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		struct sbuf idx;
		char *got = convert(cases[i].yaml, &idx, &err);

		if (got)
			fail_msg("%s: converted to %s", cases[i].yaml, got);
		assert_int_equal(err.code, PL_E_INPUT);
		if (strcmp(err.where, cases[i].where) || strcmp(err.msg, cases[i].msg))
			fail_msg("%s: got '%s: %s', want '%s: %s'", cases[i].yaml, err.where,
				 err.msg, cases[i].where, cases[i].msg);
		sbuf_release(&idx);
	}
}

/* Nesting and alias expansion are bounded: a small file cannot blow up memory or the stack. */
static void test_limits(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb, idx;
	char *got;
	int i;

	(void)state;
	sbuf_init(&sb);
	for (i = 0; i < 200; i++)
		sbuf_addch(&sb, '[');
	got = convert(sb.buf, &idx, &err);
	assert_null(got);
	assert_string_equal(err.msg, "nested deeper than 128 levels");
	sbuf_release(&idx);
	sbuf_release(&sb);

	/* "billion laughs": each level doubles the copies */
	sbuf_init(&sb);
	sbuf_addstr(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 20; i++)
		sbuf_addf(&sb, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1);
	err = (struct pl_err)PL_ERR_INIT;
	got = convert(sb.buf, &idx, &err);
	assert_null(got);
	assert_string_equal(err.msg, "aliases copy more than 100000 values");
	sbuf_release(&idx);
	sbuf_release(&sb);
}

/* A YAML suite loads to the same prompts (and request hashes) as the JSON one it mirrors, and
 * its errors name FILE:LINE:COL: field like the JSON suite's. */
static void test_suite(void **state)
{
	char *dir = tu_tmpdir(), *jpath, *ypath;
	char js[4096], ys[4096];
	struct pl_err err = PL_ERR_INIT;
	struct suite *j, *y;
	size_t i;

	(void)state;
	snprintf(js, sizeof(js), "%s/suites/demo.json", PL_SOURCE_DIR);
	snprintf(ys, sizeof(ys), "%s/suites/demo.yaml", PL_SOURCE_DIR);
	j = suite_load(js, &err);
	assert_non_null(j);
	y = suite_load(ys, &err);
	if (!y)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(j->id, y->id);
	assert_int_equal(j->n_prompts, y->n_prompts);
	for (i = 0; i < j->n_prompts; i++) {
		assert_string_equal(j->prompts[i].id, y->prompts[i].id);
		assert_string_equal(j->prompts[i].request_sha256, y->prompts[i].request_sha256);
		assert_int_equal(j->prompts[i].n_checks, y->prompts[i].n_checks);
	}
	suite_free(j);
	suite_free(y);

	jpath = tu_write(dir, "bad.json",
			 "{\"id\": \"s\", \"prompts\": [\n"
			 "  {\"id\": \"a\", \"prompt\": \"hi\",\n"
			 "   \"checks\": [{\"type\": \"regex\", \"pattern\": \"x(\"}]}]}\n");
	ypath = tu_write(dir, "bad.yml",
			 "id: s\n"
			 "prompts:\n"
			 "  - id: a\n"
			 "    prompt: hi\n"
			 "    checks: [{type: regex, pattern: x(}]\n");
	assert_null(suite_load(jpath, &err));
	snprintf(js, sizeof(js), "%s:3:44: prompts[0].checks[0].pattern", jpath);
	assert_string_equal(err.where, js);
	assert_string_equal(err.msg, "invalid regex at offset 2: missing closing parenthesis");
	err = (struct pl_err)PL_ERR_INIT;
	assert_null(suite_load(ypath, &err));
	snprintf(ys, sizeof(ys), "%s:5:37: prompts[0].checks[0].pattern", ypath);
	assert_string_equal(err.where, ys);
	assert_string_equal(err.msg, "invalid regex at offset 2: missing closing parenthesis");
	free(jpath);
	free(ypath);
	tu_rmrf(dir);
	free(dir);
}

/* What yamljson_emit writes, yamljson_parse reads back equal, whatever the strings look like. */
static void test_emit(void **state)
{
	static const char *const docs[] = {
		"{\"id\": \"s\", \"n\": 12, \"r\": 0.1, \"w\": 3.0, \"big\": 1e300, \"t\": true,"
		" \"z\": null, \"e\": [], \"o\": {}}",
		"[\"12\", \"-3\", \"0x1F\", \"1.5\", \"true\", \"False\", \"null\", \"~\", \"\","
		" \".inf\", \".nan\", \"yes\", \"1e3\"]",
		"[\"- x\", \"a: b\", \"#c\", \" lead\", \"trail \", \"{\", \"[1]\", \"*x\", \"&a\","
		" \"!t\", \"%\", \"@\", \"'q'\", \"\\\"d\\\"\", \"\\\\bParis\\\\b\"]",
		"{\"prompt\": \"line 1\\nline 2\\n\", \"p2\": \"a\\n\\n  b  \\n\", \"p3\": \"x\\n\","
		" \"tab\": \"a\\tb\", \"uni\": \"caf\\u00e9 \\u2014 \\u65e5\", \"ctl\": \"\\u0001\"}",
		"{\"a b\": {\"12\": [[1, [2]], {\"\": \"empty key\"}]}, \"-\": 1, \"true\": 2}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(docs); i++) {
		struct pl_err err = PL_ERR_INIT;
		json_t *v = json_loads(docs[i], 0, NULL), *back;
		struct sbuf out, idx;

		assert_non_null(v);
		sbuf_init(&out);
		yamljson_emit(v, &out);
		sbuf_init(&idx);
		jsonpos_index_init(&idx);
		back = yamljson_parse("e.yaml", out.buf, out.len, &idx, &err);
		if (!back)
			fail_msg("%s\n%s: %s: %s", docs[i], out.buf, err.where, err.msg);
		if (!json_equal(v, back))
			fail_msg("%s: read back differently from\n%s", docs[i], out.buf);
		json_decref(v);
		json_decref(back);
		sbuf_release(&out);
		sbuf_release(&idx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),	  cmocka_unit_test(test_positions),
		cmocka_unit_test(test_json_fail), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),	  cmocka_unit_test(test_emit),
		cmocka_unit_test(test_suite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
