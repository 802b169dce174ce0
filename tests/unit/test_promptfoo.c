/* test_promptfoo.c: the promptfoo converter: {{var}} rendering, each assertion type's check (or
 * its skip line with the YAML line), defaultTest's skips named once, list vars, and errors. */
#include "testutil.h"
#include "jsonpos.h"
#include "promptfoo.h"
#include "yamljson.h"

#include <stdlib.h>
#include <string.h>

static void test_render(void **state)
{
	json_t *vars = json_pack("{s:s, s:s, s:s}", "name", "Ada", "x_1", "{{ name | upper }}", "j",
				 "{{\"a\": 1}}");
	static const struct {
		const char *tmpl, *bad;
		enum promptfoo_bad why;
	} bads[] = {
		{ "Hi {{ who }}", "{{ who }}", PF_BAD_UNSET },
		{ "{{ name | upper }}", "{{ name | upper }}", PF_BAD_FILTER },
		{ "{{user.name}}", "{{user.name}}", PF_BAD_DOTTED },
		{ "{{ items[0] }}", "{{ items[0] }}", PF_BAD_DOTTED },
		{ "{{ a + b }}", "{{ a + b }}", PF_BAD_EXPR },
		{ "open {{name", "{{name", PF_BAD_UNCLOSED },
		/* Nunjucks tags, and a var holding a template (promptfoo fills it): named */
		{ "{% if vip %}VIP {% endif %}Hi {{ name }}", "{% if vip %}", PF_BAD_TAG },
		{ "Hi {# who #}{{name}}", "{# who #}", PF_BAD_TAG },
		{ "Hi {{ x_1 }}", "{{ x_1 }}", PF_BAD_IN_VALUE },
	};
	enum promptfoo_bad why;
	char *out, *bad, name[64];
	size_t i;

	(void)state;
	out = promptfoo_render("Hi {{name}}, {{ name }}! {{j}}", vars, &bad, &why);
	assert_string_equal(out, "Hi Ada, Ada! {{\"a\": 1}}"); /* braces in a value stay */
	free(out);
	out = promptfoo_render("no placeholders", vars, &bad, &why);
	assert_string_equal(out, "no placeholders");
	free(out);
	/* braces around anything that is not a name are kept as written (README) */
	out = promptfoo_render("Literal {{\"a\": 1}} {{ }} {{name}}", vars, &bad, &why);
	assert_string_equal(out, "Literal {{\"a\": 1}} {{ }} Ada");
	free(out);
	for (i = 0; i < ARRAY_SIZE(bads); i++) {
		assert_null(promptfoo_render(bads[i].tmpl, vars, &bad, &why));
		assert_string_equal(bad, bads[i].bad);
		if (why != bads[i].why)
			fail_msg("%s: why %d, want %d", bads[i].tmpl, (int)why, (int)bads[i].why);
		free(bad);
	}
	promptfoo_placeholder_name("{{ user.name | upper }}", name, sizeof(name));
	assert_string_equal(name, "user");
	json_decref(vars);
}

struct result {
	json_t *suite;
	struct sbuf notes;
	size_t skipped;
	struct pl_err err;
};

static void convert(const char *yaml, struct result *r)
{
	struct sbuf idx;
	struct jsonloc loc;
	json_t *root;

	memset(r, 0, sizeof(*r));
	r->err = (struct pl_err)PL_ERR_INIT;
	sbuf_init(&r->notes);
	sbuf_init(&idx);
	jsonpos_index_init(&idx);
	root = yamljson_parse("pf.yaml", yaml, strlen(yaml), &idx, &r->err);
	if (!root)
		fail_msg("%s: %s: %s", yaml, r->err.where, r->err.msg);
	loc.file = "pf.yaml";
	loc.text = idx.buf;
	loc.text_len = idx.len;
	r->suite = promptfoo_convert(&loc, root, "s", NULL, &r->notes, &r->skipped, &r->err);
	json_decref(root);
	sbuf_release(&idx);
}

static void result_release(struct result *r)
{
	json_decref(r->suite);
	sbuf_release(&r->notes);
}

/* The checks of the only prompt, as compact key-sorted JSON. */
static char *checks_of(const struct result *r)
{
	const json_t *p = json_array_get(json_object_get(r->suite, "prompts"), 0);
	const json_t *checks = json_object_get(p, "checks");

	if (!checks)
		return strdup("null");
	return json_dumps(checks, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
					  JSON_REAL_PRECISION(15));
}

static void test_assertions(void **state)
{
	static const struct {
		const char *assert_yaml, *checks, *note;
	} cases[] = {
		{ "{type: equals, value: 'Hi {{v}}'}", "[{\"type\":\"equals\",\"value\":\"Hi V\"}]",
		  NULL },
		{ "{type: equals, value: {a: [1, x]}}",
		  "[{\"schema\":{\"const\":{\"a\":[1,\"x\"]}},\"type\":\"json_schema\"}]", NULL },
		{ "{type: contains, value: x}", "[{\"type\":\"contains\",\"value\":\"x\"}]", NULL },
		{ "{type: contains, value: 42}", "[{\"type\":\"contains\",\"value\":\"42\"}]",
		  NULL },
		{ "{type: icontains, value: X}", "[{\"type\":\"icontains\",\"value\":\"X\"}]",
		  NULL },
		{ "{type: not-contains, value: x}", "[{\"type\":\"not_contains\",\"value\":\"x\"}]",
		  NULL },
		{ "{type: not-icontains, value: x}",
		  "[{\"case_sensitive\":false,\"type\":\"not_contains\",\"value\":\"x\"}]", NULL },
		{ "{type: contains-any, value: 'a, b ,c'}",
		  "[{\"type\":\"contains_any\",\"values\":[\"a\",\"b\",\"c\"]}]", NULL },
		{ "{type: icontains-all, value: [a, '{{v}}']}",
		  "[{\"case_sensitive\":false,\"type\":\"contains_all\",\"values\":[\"a\",\"V\"]}]",
		  NULL },
		{ "{type: not-contains-any, value: [a, b]}",
		  "[{\"type\":\"not_contains\",\"value\":\"a\"},{\"type\":\"not_contains\","
		  "\"value\":\"b\"}]",
		  NULL },
		{ "{type: starts-with, value: '{'}", "[{\"type\":\"starts_with\",\"value\":\"{\"}]",
		  NULL },
		{ "{type: regex, value: '^\\d+$'}",
		  "[{\"pattern\":\"^\\\\d+$\",\"type\":\"regex\"}]", NULL },
		{ "{type: not-regex, value: 'x'}",
		  "[{\"mode\":\"not_match\",\"pattern\":\"x\",\"type\":\"regex\"}]", NULL },
		{ "{type: is-json}", "[{\"type\":\"json\"}]", NULL },
		{ "{type: is-json, value: {type: object}}",
		  "[{\"schema\":{\"type\":\"object\"},\"type\":\"json_schema\"}]", NULL },
		{ "{type: contains-json}", "[{\"fenced\":true,\"type\":\"json\"}]",
		  "pf.yaml:5: note: assert type 'contains-json' becomes json with fenced: true" },
		{ "{type: similar, value: hello, threshold: 0.9}",
		  "[{\"threshold\":0.9,\"type\":\"embedding_similarity\"}]",
		  "pf.yaml:5: note: assert type 'similar' becomes embedding_similarity >= 0.9" },
		{ "{type: similar, value: hello}",
		  "[{\"threshold\":0.75,\"type\":\"embedding_similarity\"}]", NULL },
		{ "{type: llm-rubric, value: 'is polite to {{v}}'}",
		  "[{\"rubric\":\"is polite to V\",\"type\":\"rubric\"}]", NULL },
		/* distance <= 5 (the default) from 20 characters: 1 - 5/20 */
		{ "{type: levenshtein, value: '12345678901234567890'}",
		  "[{\"metric\":\"levenshtein\",\"threshold\":0.75,\"type\":\"similarity\"}]",
		  "pf.yaml:5: note: assert type 'levenshtein' (distance <= 5 from a 20-character "
		  "value) becomes similarity levenshtein >= 0.75" },
		/* a distance beyond the length: anything passes, as in promptfoo */
		{ "{type: levenshtein, value: ab, threshold: 3}",
		  "[{\"metric\":\"levenshtein\",\"threshold\":0.0,\"type\":\"similarity\"}]",
		  NULL },
		{ "{type: is-refusal}", "[{\"type\":\"is_refusal\"}]", NULL },
		/* weight 0 does not count in promptfoo: left out (noted, not skipped) */
		{ "{type: contains, value: maybe, weight: 0}", "null",
		  "pf.yaml:5: note: assert type 'contains' has weight 0, so promptfoo does not "
		  "count it toward pass or fail; not imported" },
		{ "{type: contains, value: x, weight: 2, metric: tone}",
		  "[{\"type\":\"contains\",\"value\":\"x\"}]",
		  "pf.yaml:5: note: assert type 'contains': its weight is not imported (plumbline "
		  "judges each check by itself)\npf.yaml:5: note: assert type 'contains': its metric "
		  "'tone' is not imported (plumbline reports each check by itself)\n" },
		{ "{type: contains, value: x, weight: 1}",
		  "[{\"type\":\"contains\",\"value\":\"x\"}]", NULL },
		{ "{type: not-is-refusal}", "[{\"type\":\"not_refusal\"}]", NULL },
		{ "{type: cost, threshold: 0.002}", "[{\"max_usd\":0.002,\"type\":\"cost\"}]",
		  NULL },
		{ "{type: latency, threshold: 1500}", "[{\"p95_ms\":1500,\"type\":\"latency\"}]",
		  NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char yaml[512], *got;
		struct result r;

		snprintf(yaml, sizeof(yaml),
			 "prompts: [p]\ntests:\n  - vars: {v: V}\n    assert:\n      - %s\n",
			 cases[i].assert_yaml);
		convert(yaml, &r);
		if (!r.suite)
			fail_msg("%s: %s: %s", cases[i].assert_yaml, r.err.where, r.err.msg);
		got = checks_of(&r);
		if (strcmp(got, cases[i].checks))
			fail_msg("%s: got %s, want %s", cases[i].assert_yaml, got, cases[i].checks);
		assert_int_equal(r.skipped, 0);
		if (cases[i].note && !strstr(r.notes.buf, cases[i].note))
			fail_msg("%s: notes '%s' lack '%s'", cases[i].assert_yaml, r.notes.buf,
				 cases[i].note);
		free(got);
		result_release(&r);
	}
}

static void test_skipped(void **state)
{
	static const struct {
		const char *assert_yaml, *line;
	} cases[] = {
		{ "{type: javascript, value: 'output.length < 9'}",
		  "pf.yaml:4: assert type 'javascript' has no plumbline equivalent; skipped\n" },
		{ "{type: not-equals, value: x}",
		  "pf.yaml:4: assert type 'not-equals' has no plumbline equivalent; skipped\n" },
		{ "{type: not-contains-all, value: [a, b]}",
		  "pf.yaml:4: assert type 'not-contains-all' has no plumbline equivalent; "
		  "skipped\n" },
		{ "{type: contains, value: x, transform: output.trim()}",
		  "pf.yaml:4: assert type 'contains' with a transform has no plumbline equivalent; "
		  "skipped\n" },
		{ "{type: contains, value: '{{nope}}'}",
		  "pf.yaml:4: assert type 'contains' uses {{nope}}, which the test's vars do not "
		  "set; skipped\n" },
		{ "{type: contains, value: '{{ v | upper }}'}",
		  "pf.yaml:4: assert type 'contains' uses {{ v | upper }}: template filters are not "
		  "supported (only {{ name }} is filled); skipped\n" },
		{ "{type: equals, value: true}",
		  "pf.yaml:4: assert type 'equals' without a text value has no plumbline "
		  "equivalent; skipped\n" },
		{ "{type: is-json, value: 'file://schema.json'}",
		  "pf.yaml:4: assert type 'is-json' with a value from a file (file://schema.json) "
		  "is not imported; skipped\n" },
		{ "{type: equals, value: 'file://check.js'}",
		  "pf.yaml:4: assert type 'equals' with a value from a script (file://check.js) "
		  "has no plumbline equivalent; skipped\n" },
		{ "{type: contains, value: 'file://a.csv'}",
		  "pf.yaml:4: assert type 'contains': file://a.csv: promptfoo reads only .txt, "
		  ".json, .yaml and .yml files as values; skipped\n" },
		{ "{type: cost}", "pf.yaml:4: assert type 'cost' needs a threshold (the most USD "
				  "an answer may cost), as in promptfoo; skipped\n" },
		{ "{type: latency}", "pf.yaml:4: assert type 'latency' needs a threshold "
				     "(milliseconds), as in promptfoo; skipped\n" },
		{ "{value: x}",
		  "pf.yaml:4: an assertion without a \"type\" has no plumbline equivalent; "
		  "skipped\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char yaml[512];
		struct result r;

		snprintf(yaml, sizeof(yaml), "prompts: [p]\ntests:\n  - assert:\n    - %s\n",
			 cases[i].assert_yaml);
		convert(yaml, &r);
		assert_non_null(r.suite);
		assert_int_equal(r.skipped, 1);
		if (strcmp(r.notes.buf, cases[i].line))
			fail_msg("got '%s', want '%s'", r.notes.buf, cases[i].line);
		assert_null(json_object_get(json_array_get(json_object_get(r.suite, "prompts"), 0),
					    "checks"));
		result_release(&r);
	}
}

static void test_matrix(void **state)
{
	struct result r;
	const json_t *ps;

	(void)state;
	convert("description: d\n"
		"prompts:\n"
		"  - 'Q: {{q}}'\n"
		"  - file://p.txt\n"
		"  - raw: 'A {{q}}'\n"
		"defaultTest:\n"
		"  vars: {q: default}\n"
		"  assert:\n"
		"    - type: python\n"
		"      value: x\n"
		"tests:\n"
		"  - vars: {q: one}\n"
		"  - description: two\n"
		"    vars: {q: [a, b]}\n"
		"  - vars: {n: 3}\n"
		"  - vars: {q: file://q.txt}\n",
		&r);
	assert_non_null(r.suite);
	ps = json_object_get(r.suite, "prompts");
	/* test 2 (a list var) and prompt 2 (a file) are skipped; test 3 keeps q's default */
	assert_int_equal(json_array_size(ps), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "id")),
			    "p1-t1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "prompt")),
			    "Q: one");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 1), "id")),
			    "p3-t1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 1), "prompt")),
			    "A one");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 2), "id")),
			    "p1-t3");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 2), "prompt")),
			    "Q: default");
	assert_string_equal(json_string_value(json_object_get(r.suite, "description")), "d");
	/* defaultTest's python assertion is named once, not once per test */
	assert_string_equal(
		r.notes.buf,
		"pf.yaml:4: prompt 2 comes from a file (file://p.txt): paste its text "
		"into prompts; skipped\n"
		"pf.yaml:9: assert type 'python' has no plumbline equivalent; skipped\n"
		"pf.yaml:14: test 2: var 'q' is a list (promptfoo runs the test once per "
		"value); write one test per value; skipped\n"
		"pf.yaml:16: test 4: var 'q' comes from a file: paste its text into the config; "
		"skipped\n");
	assert_int_equal(r.skipped, 4);
	result_release(&r);

	/* scenarios are tests: left out, they count (exit 1), not a note */
	convert("prompts: [x]\nscenarios:\n  - config: [{vars: {a: 1}}]\n    tests: [{}]\n", &r);
	assert_non_null(r.suite);
	assert_string_equal(r.notes.buf,
			    "pf.yaml:3: scenarios are not imported (each config x tests pair is a "
			    "test): write them as tests; skipped\n");
	assert_int_equal(r.skipped, 1);
	result_release(&r);

	/* a prompt whose placeholder no var fills */
	convert("prompts: ['{{a}} {{b}}']\ntests:\n  - vars: {a: 1}\n", &r);
	assert_null(r.suite);
	assert_string_equal(r.notes.buf, "pf.yaml:3: p1-t1: prompt 1 uses {{b}}, which the test's "
					 "vars do not set; skipped\n");
	assert_string_equal(r.err.where, "pf.yaml:1:10: prompts");
	assert_string_equal(r.err.msg, "no prompt could be imported");
	result_release(&r);

	/* no tests: one prompt each, ids p<P>; numbers in vars become their text */
	convert("prompts: [x, y]\n", &r);
	assert_int_equal(json_array_size(json_object_get(r.suite, "prompts")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r.suite, "prompts"), 1), "id")),
			    "p2");
	result_release(&r);
	convert("prompts: ['n={{n}}']\ntests: [{vars: {n: 3}}]\n", &r);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(r.suite, "prompts"), 0), "prompt")),
		"n=3");
	result_release(&r);
	/* ... as promptfoo sends them (JavaScript's String(), as dataset rows): 0.1, not
	 * 0.10000000000000001; 1, not 1.0; 1e+21; assertion values alike */
	convert("prompts: ['{{f}} {{g}} {{h}} {{i}} {{b}}']\ntests:\n"
		"  - vars: {f: 0.1, g: 1.0, h: 1e21, i: -2.5e-7, b: false}\n"
		"    assert:\n      - {type: contains, value: 0.1}\n"
		"      - {type: equals, value: 1.0}\n",
		&r);
	{
		const json_t *pr = json_array_get(json_object_get(r.suite, "prompts"), 0);
		const json_t *checks = json_object_get(pr, "checks");

		assert_string_equal(json_string_value(json_object_get(pr, "prompt")),
				    "0.1 1 1e+21 -2.5e-7 false");
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(checks, 0), "value")),
			"0.1");
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(checks, 1), "value")),
			"1");
	}
	result_release(&r);
}

/* The real cause of a placeholder that cannot be filled; vars nothing uses do not matter. */
static void test_var_causes(void **state)
{
	struct result r;

	(void)state;
	convert("prompts:\n"
		"  - 'Shout {{ word | upper }}'\n"
		"  - 'Hello {{ user.name }}'\n"
		"  - 'Literal {{\"a\": 1}} and {{ word }}'\n"
		"tests:\n"
		"  - vars:\n"
		"      word: hi\n"
		"      user: {name: Bob}\n",
		&r);
	assert_non_null(r.suite);
	assert_string_equal(r.notes.buf,
			    "pf.yaml:6: p1-t1: prompt 1 uses {{ word | upper }}: template filters "
			    "are not supported (only {{ name }} is filled); skipped\n"
			    "pf.yaml:6: p2-t1: prompt 2 uses {{ user.name }}: dotted access into a "
			    "var is not supported (only {{ name }} is filled); skipped\n");
	assert_int_equal(r.skipped, 2);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(r.suite, "prompts"), 0), "prompt")),
		"Literal {{\"a\": 1}} and hi");
	result_release(&r);

	/* a var from a file that no prompt uses: the test and its assertions stay; an assertion
	 * that uses it is skipped alone, naming the var */
	convert("prompts: ['Say hi in French']\n"
		"tests:\n"
		"  - vars:\n"
		"      ctx: file://expected.txt\n"
		"      many: [a, b]\n"
		"    assert:\n"
		"      - {type: contains, value: Bonjour}\n"
		"      - {type: icontains, value: '{{ctx}}'}\n",
		&r);
	assert_non_null(r.suite);
	assert_string_equal(
		r.notes.buf,
		"pf.yaml:4: note: test 1: var 'ctx' is not used by the prompts; ignored\n"
		"pf.yaml:5: note: test 1: var 'many' is not used by the prompts; ignored\n"
		"pf.yaml:8: assert type 'icontains' uses {{ctx}}, and var 'ctx' comes from a file: "
		"paste its text into the config; skipped\n");
	assert_int_equal(r.skipped, 1);
	{
		char *got = checks_of(&r);

		assert_string_equal(got, "[{\"type\":\"contains\",\"value\":\"Bonjour\"}]");
		free(got);
	}
	result_release(&r);
}

/* Options that change what assertions see: a transform skips them (never kept on the raw
 * answer), a rubricPrompt skips llm-rubric, a provider is noted; others are noted. */
static void test_options(void **state)
{
	struct result r;

	(void)state;
	convert("prompts: ['Say {{ w }}']\n"
		"defaultTest:\n"
		"  assert:\n"
		"    - {type: icontains, value: hello}\n"
		"tests:\n"
		"  - vars: {w: hi}\n"
		"    assert:\n"
		"      - {type: icontains, value: hi}\n"
		"  - vars: {w: hello}\n"
		"    options:\n"
		"      transform: output.toUpperCase()\n"
		"      storeOutputAs: x\n"
		"    assert:\n"
		"      - {type: contains, value: HELLO}\n"
		"      - {type: cost, threshold: 0.01}\n",
		&r);
	assert_non_null(r.suite);
	assert_string_equal(r.notes.buf,
			    "pf.yaml:12: note: test option 'storeOutputAs' is not imported\n"
			    "pf.yaml:4: assert type 'icontains' runs on the answer as the test's "
			    "options.transform (line 11) changes it, which plumbline does not do; "
			    "skipped\n"
			    "pf.yaml:14: assert type 'contains' runs on the answer as the test's "
			    "options.transform (line 11) changes it, which plumbline does not do; "
			    "skipped\n");
	assert_int_equal(r.skipped, 2);
	{
		char *got = checks_of(&r);

		/* test 1 keeps both checks */
		assert_string_equal(got, "[{\"type\":\"icontains\",\"value\":\"hello\"},"
					 "{\"type\":\"icontains\",\"value\":\"hi\"}]");
		free(got);
	}
	{
		char *got = json_dumps(
			json_object_get(json_array_get(json_object_get(r.suite, "prompts"), 1),
					"checks"),
			JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));

		assert_string_equal(got, "[{\"max_usd\":0.01,\"type\":\"cost\"}]");
		free(got);
	}
	result_release(&r);

	/* defaultTest's transform: every test's assertions, each named once */
	convert("prompts: ['Say {{ w }}']\n"
		"defaultTest:\n"
		"  options: {postprocess: output.trim(), rubricPrompt: 'grade {{output}}'}\n"
		"tests:\n"
		"  - vars: {w: a}\n"
		"    assert: [{type: contains, value: A}]\n"
		"  - vars: {w: b}\n"
		"    options: {transform: null}\n"
		"    assert: [{type: llm-rubric, value: polite}]\n",
		&r);
	assert_non_null(r.suite);
	assert_string_equal(
		r.notes.buf,
		"pf.yaml:6: assert type 'contains' runs on the answer as defaultTest's "
		"options.postprocess (line 3) changes it, which plumbline does not do; skipped\n"
		"pf.yaml:9: assert type 'llm-rubric' runs on the answer as defaultTest's "
		"options.postprocess (line 3) changes it, which plumbline does not do; skipped\n");
	result_release(&r);
	convert("prompts: [p]\n"
		"tests:\n"
		"  - options: {rubricPrompt: 'grade it', provider: openai:gpt-4o}\n"
		"    assert:\n"
		"      - {type: llm-rubric, value: polite}\n"
		"      - {type: similar, value: hi}\n",
		&r);
	assert_non_null(r.suite);
	assert_string_equal(
		r.notes.buf,
		"pf.yaml:5: assert type 'llm-rubric' with its own rubricPrompt (from "
		"the test's options) has no plumbline equivalent (plumbline's judge "
		"asks with its own prompt); skipped\n"
		"pf.yaml:6: note: assert type 'similar' becomes embedding_similarity >= "
		"0.75 to the baseline answers (its value is not compared)\n"
		"pf.yaml:6: note: assert type 'similar' is graded by the embeddings of "
		"plumbline's config, not by the provider given in the test's options\n");
	result_release(&r);
}

/* options.prefix and suffix go around the raw prompt, before its vars are filled, the test's
 * over defaultTest's, as promptfoo does (before: the test was skipped) */
static void test_prefix_suffix(void **state)
{
	struct result r;
	const json_t *ps;

	(void)state;
	convert("prompts: ['Say {{ w }}', '[{\"role\": \"user\", \"content\": \"Hi {{ w }}\"}]']\n"
		"defaultTest:\n"
		"  options: {prefix: 'Be brief. ', suffix: ' ({{ w }})'}\n"
		"tests:\n"
		"  - vars: {w: a}\n"
		"  - vars: {w: b}\n"
		"    options: {prefix: 'Formal: '}\n"
		"  - vars: {w: c}\n"
		"    options: {suffix: 3}\n",
		&r);
	assert_non_null(r.suite);
	ps = json_object_get(r.suite, "prompts");
	/* prompts of test 1 (two), then test 2's; test 3 is skipped */
	assert_int_equal(json_array_size(ps), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "prompt")),
			    "Be brief. Say a (a)");
	/* a chat prompt with a prefix is plain text, as in promptfoo */
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 1), "prompt")),
			    "Be brief. [{\"role\": \"user\", \"content\": \"Hi a\"}] (a)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 2), "prompt")),
			    "Formal: Say b (b)");
	assert_non_null(strstr(r.notes.buf, "pf.yaml:9: test 3: options.suffix is not a string"));
	assert_int_equal(r.skipped, 1);
	result_release(&r);
}

static void test_errors(void **state)
{
	static const struct {
		const char *yaml, *where, *msg;
	} cases[] = {
		{ "providers: [x]\n", "pf.yaml:1:1", "missing required key \"prompts\"" },
		{ "prompts: {a: b}\n", "pf.yaml:1:10: prompts",
		  "expected a prompt or a list of prompts, got an object" },
		{ "prompts: [x]\ntests: file://tests.csv\n", "pf.yaml:2:8: tests",
		  "expected a list of tests (tests from a file are not imported: list them in the "
		  "config)" },
		{ "prompts: [x]\ndefaultTest: file://d.yaml\n", "pf.yaml:2:14: defaultTest",
		  "expected an object (defaultTest from a file is not imported)" },
		{ "- a\n", "pf.yaml:1:1", "expected a promptfoo config (an object), got an array" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r;

		convert(cases[i].yaml, &r);
		assert_null(r.suite);
		if (strcmp(r.err.where, cases[i].where) || strcmp(r.err.msg, cases[i].msg))
			fail_msg("%s: got '%s: %s'", cases[i].yaml, r.err.where, r.err.msg);
		result_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),	cmocka_unit_test(test_assertions),
		cmocka_unit_test(test_skipped), cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_errors),	cmocka_unit_test(test_var_causes),
		cmocka_unit_test(test_options), cmocka_unit_test(test_prefix_suffix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
