/* test_suite.c: suite files: defaults, shorthands, messages, checks compiled at load. */
#include "testutil.h"
#include "config.h"
#include "hex.h"
#include "plan.h"
#include "sbuf.h"
#include "suite.h"

#include <stdlib.h>
#include <string.h>

static const char suite_text[] = "{\n"
				 "  \"id\": \"s1\",\n"
				 "  \"defaults\": {\"temperature\": 0.5, \"samples\": 3, "
				 "\"baseline_samples\": 7,\n"
				 "               \"system\": \"Be brief.\", \"seed\": 100},\n"
				 "  \"prompts\": [\n"
				 "    {\"id\": \"a\", \"prompt\": \"Hi?\", \"checks\": [{\"type\": "
				 "\"regex\", \"pattern\": \"h\"}]},\n"
				 "    {\"id\": \"b\", \"messages\": [{\"role\": \"system\", "
				 "\"content\": \"Own.\"},\n"
				 "                                {\"role\": \"user\", "
				 "\"content\": \"Q\"}],\n"
				 "     \"temperature\": 0, \"samples\": 2, \"max_tokens\": 9,\n"
				 "     \"response_schema\": {\"type\": \"object\"}}\n"
				 "  ]\n"
				 "}\n";

static void test_load(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "s.json", suite_text);
	struct suite *s = suite_load(path, &err);
	const struct prompt *a, *b;

	(void)state;
	assert_non_null(s);
	assert_string_equal(s->id, "s1");
	assert_int_equal(s->n_prompts, 2);
	a = suite_prompt(s, "a");
	b = suite_prompt(s, "b");
	assert_non_null(a);
	assert_non_null(b);
	assert_null(suite_prompt(s, "c"));
	/* Defaults apply; the default system message is prepended to the shorthand. */
	assert_true(a->temperature == 0.5);
	assert_int_equal(a->samples, 3);
	assert_int_equal(a->baseline_samples, 7);
	assert_true(a->has_seed);
	assert_int_equal(a->seed, 100);
	assert_int_equal(a->n_messages, 2);
	assert_string_equal(a->messages[0].role, "system");
	assert_string_equal(a->messages[0].content, "Be brief.");
	assert_string_equal(a->messages[1].role, "user");
	assert_string_equal(a->messages[1].content, "Hi?");
	assert_int_equal(a->n_checks, 1);
	assert_string_equal(check_kind(a->checks[0]), "regex");
	assert_string_equal(check_id(a->checks[0]), "regex#0");
	/* A prompt's own system message wins over the default one. */
	assert_int_equal(b->n_messages, 2);
	assert_string_equal(b->messages[0].content, "Own.");
	assert_true(b->temperature == 0);
	assert_int_equal(b->samples, 2);
	assert_int_equal(b->max_tokens, 9);
	assert_non_null(b->response_schema);
	suite_free(s);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* The schemas a prompt sends are JSON Schema too: a keyword a letter or two from a known one
 * in a tool's "parameters" or in "response_schema" checks nothing, so loading keeps a located
 * "did you mean" warning for each (prompt->warnings); one set for a dataset's prompt, whose
 * rows share it. Keys far from every keyword say nothing. */
static void test_schema_warnings(void **state)
{
	static const char text[] =
		"{\"id\": \"s\", \"prompts\": [\n"
		"{\"id\": \"a\", \"prompt\": \"Q\", \"tools\": [{\"name\": \"f\"}, {\"name\": \"g\",\n"
		" \"parameters\": {\"type\": \"object\", \"requried\": [\"x\"]}}],\n"
		" \"response_schema\": {\"type\": \"object\", \"x-note\": 1, \"propeties\": {}}},\n"
		"{\"id\": \"b\", \"prompt\": \"Q\", \"tools\": [{\"name\": \"f\", \"parameters\":\n"
		" {\"type\": \"object\", \"x-note\": 1, \"nullable\": true}}],\n"
		" \"response_schema\": {\"type\": \"object\"}}]}\n";
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "s.json", text);
	struct suite *s = suite_load(path, &err);
	struct sbuf want = SBUF_INIT;

	(void)state;
	assert_non_null(s);
	sbuf_addf(&want,
		  "%s:3:47: prompts[0].tools[1].parameters.requried: unknown schema keyword "
		  "\"requried\" (did you mean \"required\"?): JSON Schema ignores unknown "
		  "keywords, so it checks nothing\n"
		  "%s:4:66: prompts[0].response_schema.propeties: unknown schema keyword "
		  "\"propeties\" (did you mean \"properties\"?): JSON Schema ignores unknown "
		  "keywords, so it checks nothing\n",
		  path, path);
	assert_non_null(suite_prompt(s, "a")->warnings);
	assert_string_equal(suite_prompt(s, "a")->warnings, want.buf);
	assert_null(suite_prompt(s, "b")->warnings);
	sbuf_release(&want);
	suite_free(s);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static const struct {
	const char *text, *want;
} bad[] = {
	{ "{\"prompts\": [{\"id\": \"a\", \"prompt\": \"x\"}]}", "missing required key \"id\"" },
	{ "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\"}]}", "prompts[0]: missing \"messages\" (or "
							     "the \"prompt\" shorthand)" },
	{ "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\", \"messages\": []}]}",
	  "prompts[0].prompt: give either \"prompt\" or \"messages\", not both" },
	{ "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\", \"messages\": [{\"role\": \"user\", "
	  "\"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"r\"}]}]}",
	  "prompts[0].messages: the last message must have role \"user\"" },
	{ "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\", \"temperature\": 3}]}",
	  "prompts[0].temperature: expected a number from 0 to 2, got 3" },
	{ "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\", \"tempreature\": 1}]}",
	  "prompts[0].tempreature: unknown key \"tempreature\"" },
	{ "{\"id\": \"s\", \"defaults\": {\"samples\": \"ten\"}, \"prompts\": [{\"id\": \"a\", "
	  "\"prompt\": \"x\"}]}",
	  "defaults.samples: expected an integer, got a string" },
	{ "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\", \"checks\": "
	  "[{\"type\": \"length\", \"min\": 1, \"min_pass_rate\": 2}]}]}",
	  "prompts[0].checks[0].min_pass_rate: expected a number from 0 to 1, got 2" },
#define TOOLP "{\"id\": \"s\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\", "
	{ TOOLP "\"tools\": []}]}",
	  "prompts[0].tools: expected a non-empty array of {\"name\", \"description\", "
	  "\"parameters\"} objects" },
	{ TOOLP "\"tools\": [{\"name\": \"get weather\"}]}]}",
	  "prompts[0].tools[0].name: invalid tool name \"get weather\"" },
	{ TOOLP "\"tools\": [{\"name\": \"f\", \"params\": {}}]}]}",
	  "prompts[0].tools[0].params: unknown key \"params\"" },
	{ TOOLP "\"tools\": [{\"name\": \"f\", \"parameters\": []}]}]}",
	  "prompts[0].tools[0].parameters: expected a JSON Schema object, got an array" },
	{ TOOLP "\"tools\": [{\"name\": \"f\", \"parameters\": {\"type\": \"objekt\"}}]}]}",
	  "prompts[0].tools[0].parameters.type: invalid schema" },
	{ TOOLP "\"tools\": [{\"name\": \"f\"}, {\"name\": \"f\"}]}]}",
	  "prompts[0].tools[1].name: duplicate tool name \"f\"" },
	{ TOOLP "\"tool_choice\": \"auto\"}]}", "prompts[0].tool_choice: a tool_choice needs "
						"\"tools\"" },
	{ TOOLP "\"tools\": [{\"name\": \"f\"}], \"tool_choice\": \"any\"}]}",
	  "prompts[0].tool_choice: expected \"auto\", \"none\", \"required\" or {\"name\": "
	  "TOOL}, got \"any\"" },
	{ TOOLP "\"tools\": [{\"name\": \"f\"}], \"tool_choice\": {\"name\": \"g\"}}]}",
	  "prompts[0].tool_choice.name: no tool named \"g\" in \"tools\"" },
	/* a response_schema is compiled at load, as a json_schema check's schema is */
	{ TOOLP "\"response_schema\": {\"type\": \"object\", \"properties\": {\"a\": "
		"{\"type\": \"strin\"}}}}]}",
	  "s.json:1:119: prompts[0].response_schema.properties.a.type: invalid schema: unknown type "
	  "\"strin\"" },
	{ TOOLP "\"response_schema\": {\"minProperties\": -1}}]}",
	  "prompts[0].response_schema.minProperties: invalid schema" },
	{ TOOLP "\"response_schema\": [1]}]}",
	  "prompts[0].response_schema: expected a JSON Schema object, got an array" },
#undef TOOLP
	{ "{\"id\": \"../x\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\"}]}", "id: invalid "
										   "suite id "
										   "\"../x\"" },
};

/* A UTF-8 byte order mark before the JSON (Windows editors write one) is dropped, as CSV and
 * YAML readers drop it; an error on line 1 keeps the editor's column. */
static void test_bom(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path, *text, msg[1600];
	struct suite *s;

	(void)state;
	text = xmalloc(strlen(suite_text) + 4);
	memcpy(text, "\xEF\xBB\xBF", 3);
	memcpy(text + 3, suite_text, strlen(suite_text) + 1);
	path = tu_write(dir, "s.json", text);
	s = suite_load(path, &err);
	if (!s)
		fail_msg("%s", pl_err_str(&err, msg, sizeof(msg)));
	suite_free(s);
	free(path);
	path = tu_write(dir, "s.json", "\xEF\xBB\xBF{\"id\": 3}");
	assert_null(suite_load(path, &err));
	pl_err_str(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "s.json:1:8: id"));
	free(path);
	free(text);
	tu_rmrf(dir);
	free(dir);
}

static void test_bad(void **state)
{
	char *dir = tu_tmpdir();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		char *path = tu_write(dir, "s.json", bad[i].text), msg[1600];

		if (suite_load(path, &err))
			fail_msg("case %zu loaded", i);
		assert_int_equal(err.code, PL_E_INPUT);
		pl_err_str(&err, msg, sizeof(msg));
		if (!strstr(msg, bad[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, msg, bad[i].want);
		assert_non_null(strstr(msg, "s.json:1:"));
		free(path);
	}
	tu_rmrf(dir);
	free(dir);
}

static void test_plan(void **state)
{
	static const char cfg_text[] = "{\"vendors\": [{\"id\": \"v1\", \"probe\": \"openai\", "
				       "\"base_url\": \"https://a\", "
				       "\"model\": \"m\"}, {\"id\": \"v2\", \"probe\": \"openai\", "
				       "\"base_url\": "
				       "\"https://b\", \"model\": \"m\"}]}";
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *sp = tu_write(dir, "s.json", suite_text);
	char *cp = tu_write(dir, "c.json", cfg_text);
	struct suite *s = suite_load(sp, &err);
	struct config *c = config_load(cp, &err);
	const struct suite *suites[1];
	const char *only[] = { "v2" }, *unknown[] = { "nope" };
	struct plan p, q;
	struct plan_item it;
	char hash[65];

	(void)state;
	assert_non_null(s);
	assert_non_null(c);
	suites[0] = s;
	assert_int_equal(plan_build(&p, c, NULL, 0, suites, 1, PLAN_NIGHTLY, &err), 0);
	assert_int_equal(p.n_vendors, 2);
	assert_int_equal(p.n_items, 2 * (3 + 2));
	/* Stable order: vendor, suite, prompt, sample. */
	assert_int_equal(p.n_groups, 2 * 2);
	plan_item(&p, 0, &it);
	assert_string_equal(it.vendor->id, "v1");
	assert_string_equal(it.prompt->id, "a");
	plan_item(&p, 2, &it);
	assert_int_equal(it.sample, 2);
	plan_item(&p, 3, &it);
	assert_string_equal(it.prompt->id, "b");
	plan_item(&p, 5, &it);
	assert_string_equal(it.vendor->id, "v2");
	memcpy(hash, p.hash, sizeof(hash));
	plan_release(&p);
	assert_int_equal(plan_build(&p, c, NULL, 0, suites, 1, PLAN_NIGHTLY, &err), 0);
	assert_string_equal(p.hash, hash); /* the same plan, the same hash: resumable */
	assert_int_equal(plan_build(&q, c, only, 1, suites, 1, PLAN_BASELINE, &err), 0);
	assert_int_equal(q.n_items, 7 + 7);
	assert_string_not_equal(q.hash, p.hash);
	plan_release(&p);
	plan_release(&q);
	assert_int_equal(plan_build(&p, c, unknown, 1, suites, 1, PLAN_NIGHTLY, &err), -1);
	assert_int_equal(err.code, PL_E_USAGE);
	assert_non_null(strstr(err.msg, "no vendor with id \"nope\""));
	/* the judge's entry is sent the suites only when named */
	c->judge_vendor = xstrdup("v1");
	assert_int_equal(plan_build(&p, c, NULL, 0, suites, 1, PLAN_NIGHTLY, &err), 0);
	assert_int_equal(p.n_vendors, 1);
	assert_string_equal(p.vendors[0]->id, "v2");
	plan_release(&p);
	only[0] = "v1";
	assert_int_equal(plan_build(&p, c, only, 1, suites, 1, PLAN_NIGHTLY, &err), 0);
	assert_int_equal(p.n_vendors, 1);
	assert_string_equal(p.vendors[0]->id, "v1");
	plan_release(&p);
	config_free(c);
	suite_free(s);
	tu_rmrf(dir);
	free(sp);
	free(cp);
	free(dir);
}

/* A fixed plan over three vendors and two suites with varying samples (s2's "d" gets 0). */
static const char fixed_cfg[] = "{\"vendors\": ["
				"{\"id\": \"v1\", \"probe\": \"openai\", \"base_url\": "
				"\"https://a\", "
				"\"model\": \"m1\"}, "
				"{\"id\": \"v2\", \"probe\": \"openai\", \"base_url\": "
				"\"https://b\", "
				"\"model\": \"m2\"}, "
				"{\"id\": \"v3\", \"probe\": \"openai\", \"base_url\": "
				"\"https://c\", "
				"\"model\": \"m3\"}]}";
static const char fixed_suite2[] = "{\"id\": \"s2\", \"defaults\": {\"samples\": 2, "
				   "\"baseline_samples\": 3},\n"
				   " \"prompts\": [{\"id\": \"c\", \"prompt\": \"C?\"},\n"
				   "   {\"id\": \"d\", \"prompt\": \"D?\", \"samples\": 4},\n"
				   "   {\"id\": \"e\", \"prompt\": \"E?\", \"samples\": 1, "
				   "\"baseline_samples\": 1}]}\n";

struct fixed {
	char *dir;
	struct config *c;
	struct suite *s1, *s2;
	const struct suite *suites[2]; /* s2, s1 */
};

static void fixed_load(struct fixed *f)
{
	struct pl_err err = PL_ERR_INIT;
	char *p1, *p2, *pc;

	f->dir = tu_tmpdir();
	p1 = tu_write(f->dir, "s1.json", suite_text);
	p2 = tu_write(f->dir, "s2.json", fixed_suite2);
	pc = tu_write(f->dir, "c.json", fixed_cfg);
	f->s1 = suite_load(p1, &err);
	f->s2 = suite_load(p2, &err);
	f->c = config_load(pc, &err);
	assert_non_null(f->s1);
	assert_non_null(f->s2);
	assert_non_null(f->c);
	/* Files cannot say 0 samples; a suite built in code can. */
	f->s2->prompts[1].samples = 0;
	f->suites[0] = f->s2;
	f->suites[1] = f->s1;
	free(p1);
	free(p2);
	free(pc);
}

static void fixed_free(struct fixed *f)
{
	config_free(f->c);
	suite_free(f->s1);
	suite_free(f->s2);
	tu_rmrf(f->dir);
	free(f->dir);
}

/* The items of f's plans, expanded by nested loops the way the plan orders them. */
struct expect {
	const char *vendor, *suite, *prompt;
	int sample;
	size_t group;
};

static size_t expand(const struct plan *p, struct expect *e, size_t cap)
{
	size_t g, n = 0;
	int i;

	for (g = 0; g < p->n_groups; g++)
		for (i = 0; i < p->groups[g].n; i++) {
			assert_true(n < cap);
			e[n].vendor = p->groups[g].vendor->id;
			e[n].suite = p->groups[g].suite->id;
			e[n].prompt = p->groups[g].prompt->id;
			e[n].sample = i;
			e[n].group = g;
			n++;
		}
	return n;
}

static void test_plan_item_and_group_of(void **state)
{
	static const char *const want_groups[] = {
		"v3/s2/c/2", "v3/s2/d/0", "v3/s2/e/1", "v3/s1/a/3", "v3/s1/b/2",
		"v1/s2/c/2", "v1/s2/d/0", "v1/s2/e/1", "v1/s1/a/3", "v1/s1/b/2",
	};
	struct pl_err err = PL_ERR_INIT;
	const char *sel[] = { "v3", "v1", "v3" };
	struct expect e[64];
	struct plan_item it;
	struct fixed f;
	struct plan p;
	char buf[64];
	size_t i, n, first = 0;

	(void)state;
	fixed_load(&f);
	assert_int_equal(plan_build(&p, f.c, sel, 3, f.suites, 2, PLAN_NIGHTLY, &err), 0);
	/* One group per (vendor, suite, prompt) in plan order, the empty one included. */
	assert_int_equal(p.n_vendors, 2);
	assert_int_equal(p.n_groups, ARRAY_SIZE(want_groups));
	for (i = 0; i < p.n_groups; i++) {
		snprintf(buf, sizeof(buf), "%s/%s/%s/%d", p.groups[i].vendor->id,
			 p.groups[i].suite->id, p.groups[i].prompt->id, p.groups[i].n);
		assert_string_equal(buf, want_groups[i]);
		assert_int_equal(p.groups[i].first, first);
		first += (size_t)p.groups[i].n;
	}
	assert_int_equal(p.n_items, 16);
	n = expand(&p, e, ARRAY_SIZE(e));
	assert_int_equal(n, p.n_items);
	for (i = 0; i < n; i++) {
		plan_item(&p, i, &it);
		assert_string_equal(it.vendor->id, e[i].vendor);
		assert_string_equal(it.suite->id, e[i].suite);
		assert_string_equal(it.prompt->id, e[i].prompt);
		assert_int_equal(it.sample, e[i].sample);
		/* Never the empty group "d", though it starts where "e" does. */
		assert_int_equal(plan_group_of(&p, i), e[i].group);
	}
	/* Spot checks against the order by hand: v3 s2 c0 c1 e0 s1 a0 a1 a2 b0 b1, then v1. */
	plan_item(&p, 2, &it);
	assert_string_equal(it.prompt->id, "e");
	assert_int_equal(plan_group_of(&p, 2), 2);
	plan_item(&p, 8, &it);
	assert_string_equal(it.vendor->id, "v1");
	assert_string_equal(it.prompt->id, "c");
	assert_int_equal(it.sample, 0);
	/* Out of range. */
	assert_int_equal(plan_group_of(&p, p.n_items), p.n_groups);
	plan_item(&p, p.n_items, &it);
	assert_null(it.vendor);
	assert_int_equal(it.sample, -1);
	plan_release(&p);

	/* Baseline mode: every vendor, baseline samples ("d" has 3 there). */
	assert_int_equal(plan_build(&p, f.c, NULL, 0, f.suites, 2, PLAN_BASELINE, &err), 0);
	assert_int_equal(p.n_groups, 3 * 5);
	n = expand(&p, e, ARRAY_SIZE(e));
	assert_int_equal(n, 63);
	assert_int_equal(p.n_items, 63);
	for (i = 0; i < n; i++) {
		plan_item(&p, i, &it);
		assert_string_equal(it.vendor->id, e[i].vendor);
		assert_string_equal(it.prompt->id, e[i].prompt);
		assert_int_equal(it.sample, e[i].sample);
		assert_int_equal(plan_group_of(&p, i), e[i].group);
	}
	plan_release(&p);

	/* No suites: no groups, no items. */
	assert_int_equal(plan_build(&p, f.c, NULL, 0, f.suites, 0, PLAN_NIGHTLY, &err), 0);
	assert_int_equal(p.n_groups, 0);
	assert_int_equal(p.n_items, 0);
	assert_int_equal(plan_group_of(&p, 0), 0);
	plan_release(&p);
	fixed_free(&f);
}

/* Journals are named and resumed by the plan hash: these values were computed by the plan
 * code before plans were stored as groups (commit 794b857, one string of every item hashed at
 * once), and checked against sha256 of the same text computed outside C. */
static void test_plan_hash_unchanged(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	const char *sel[] = { "v3", "v1", "v3" };
	struct fixed f;
	struct plan p;

	(void)state;
	fixed_load(&f);
	assert_int_equal(plan_build(&p, f.c, sel, 3, f.suites, 2, PLAN_NIGHTLY, &err), 0);
	assert_string_equal(p.hash, "839ecc666c02c38daa9e8eadc22d9be1443515ea1618051c017d9b11a48925"
				    "09");
	plan_release(&p);
	assert_int_equal(plan_build(&p, f.c, NULL, 0, f.suites, 2, PLAN_BASELINE, &err), 0);
	assert_string_equal(p.hash, "eb7b34d4c4c673bb16bb1a516797695b29d3987a96f412838220957fdb8ce8"
				    "0c");
	plan_release(&p);
	/* sha256("mode=0\n") */
	assert_int_equal(plan_build(&p, f.c, NULL, 0, f.suites, 0, PLAN_NIGHTLY, &err), 0);
	assert_string_equal(p.hash, "163256e517dd592ad3c7e17ac75faafaf67c9863b823f678dfb8582678626f"
				    "e5");
	plan_release(&p);
	fixed_free(&f);
}

/* A nightly run's plan names its night: the same suites on two nights are two journals, and a
 * resume with another --date cannot continue (reuse) another night's answers. Without a night
 * the hash is the one above (journals of baseline recordings keep their names). */
static void test_plan_night(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fixed f;
	struct plan p;
	char plain[65], one[65];

	(void)state;
	fixed_load(&f);
	assert_int_equal(plan_build(&p, f.c, NULL, 0, f.suites, 0, PLAN_NIGHTLY, &err), 0);
	memcpy(plain, p.hash, sizeof(plain));
	plan_set_night(&p, "2026-01-01");
	memcpy(one, p.hash, sizeof(one));
	/* sha256("mode=0\nnight=2026-01-01\n") */
	assert_string_equal(one, "10b0219e8c52b85da4fc92b2cf289c013699d5b881b75ca80525af9739ab38"
				 "3e");
	plan_set_night(&p, "2026-01-02");
	assert_string_not_equal(p.hash, one);
	plan_set_night(&p, NULL);
	assert_string_equal(p.hash, plain);
	plan_release(&p);
	fixed_free(&f);
}

/* The request hash of the first prompt of a suite text. */
static void hash_of(const char *text, char out[65])
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "s.json", text);
	struct suite *s = suite_load(path, &err);

	if (!s)
		fail_msg("%s", err.msg);
	memcpy(out, s->prompts[0].request_sha256, 65);
	suite_free(s);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

/* Baselines keep each prompt's request hash: it must follow what is sent and nothing else. */
static void test_request_hash(void **state)
{
	static const char jcs[] = "{\"logprobs\":false,\"max_tokens\":null,\"messages\":[{"
				  "\"content\":\"Hi?\",\"role\":\"user\"}],\"response_schema\":"
				  "null,\"seed\":null,\"temperature\":null,\"top_logprobs\":0}";
	char a[65], b[65], want[65];

	(void)state;
	/* the RFC 8785 text of the request, vendor defaults as null: the format never changes
	 * silently (every stored baseline would read as edited) */
	hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\"}]}", a);
	hex_sha256(jcs, strlen(jcs), want);
	assert_string_equal(a, want);

	/* stable under key order, number spelling, defaults vs inline, the system shorthand vs
	 * messages, and what only judges (checks, samples, description) */
	hash_of("{\"id\": \"s\", \"defaults\": {\"temperature\": 0.5, \"system\": \"Be brief.\"},\n"
		" \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", \"max_tokens\": 9,\n"
		"   \"response_schema\": {\"type\": \"object\", \"required\": [\"x\"]},\n"
		"   \"checks\": [{\"type\": \"length\", \"min\": 1}], \"samples\": 3}]}",
		a);
	hash_of("{\"prompts\": [{\"samples\": 7, \"description\": \"d\", \"max_tokens\": 9,\n"
		"   \"response_schema\": {\"required\": [\"x\"], \"type\": \"object\"},\n"
		"   \"messages\": [{\"content\": \"Be brief.\", \"role\": \"system\"},\n"
		"                {\"role\": \"user\", \"content\": \"Hi?\"}],\n"
		"   \"temperature\": 0.50, \"id\": \"p\"}], \"id\": \"other\"}",
		b);
	assert_string_equal(a, b);

	/* what is sent changes it: the text, the temperature, the system prompt, a seed */
	hash_of("{\"id\": \"s\", \"defaults\": {\"temperature\": 0.5, \"system\": \"Be brief.\"},\n"
		" \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi!\", \"max_tokens\": 9,\n"
		"   \"response_schema\": {\"type\": \"object\", \"required\": [\"x\"]}}]}",
		b);
	assert_string_not_equal(a, b);
	hash_of("{\"id\": \"s\", \"defaults\": {\"temperature\": 0.6, \"system\": \"Be brief.\"},\n"
		" \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", \"max_tokens\": 9,\n"
		"   \"response_schema\": {\"type\": \"object\", \"required\": [\"x\"]}}]}",
		b);
	assert_string_not_equal(a, b);
	hash_of("{\"id\": \"s\", \"defaults\": {\"temperature\": 0.5, \"system\": \"Be short.\"},\n"
		" \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", \"max_tokens\": 9,\n"
		"   \"response_schema\": {\"type\": \"object\", \"required\": [\"x\"]}}]}",
		b);
	assert_string_not_equal(a, b);
	hash_of("{\"id\": \"s\", \"defaults\": {\"temperature\": 0.5, \"system\": \"Be brief.\"},\n"
		" \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", \"max_tokens\": 9, \"seed\": 1,\n"
		"   \"response_schema\": {\"type\": \"object\", \"required\": [\"x\"]}}]}",
		b);
	assert_string_not_equal(a, b);

	/* tools are sent: adding one, editing its schema or the tool_choice changes the hash; a
	 * prompt without tools keeps the hash it had before tools existed (above) */
	{
		char t1[65], t2[65], t3[65];

		hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", "
			"\"tools\": [{\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}]}]}",
			t1);
		hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", "
			"\"tools\": [{\"name\": \"f\", \"parameters\": {\"type\": \"object\", "
			"\"required\": [\"x\"]}}]}]}",
			t2);
		hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", "
			"\"tools\": [{\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}], "
			"\"tool_choice\": \"required\"}]}",
			t3);
		hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\"}]}", b);
		assert_string_not_equal(t1, b);
		assert_string_not_equal(t1, t2);
		assert_string_not_equal(t1, t3);
		assert_string_equal(b, want);
		/* "auto" said or left out is the same request */
		hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\", "
			"\"tool_choice\": \"auto\", \"tools\": [{\"parameters\": {\"type\": "
			"\"object\"}, \"name\": \"f\"}]}]}",
			t2);
		assert_string_equal(t1, t2);
	}

	/* a schema integer RFC 8785 cannot write still loads (and hashes) */
	hash_of("{\"id\": \"s\", \"prompts\": [{\"id\": \"p\", \"prompt\": \"Hi?\",\n"
		"   \"response_schema\": {\"maximum\": 9007199254740993}}]}",
		b);
	assert_int_equal(strlen(b), 64);
	assert_string_not_equal(a, b);
}

static int keep_not_d(void *ctx, const struct plan_group *g)
{
	(void)ctx;
	return strcmp(g->prompt->id, "d") != 0;
}

/* plan_filter: dropped groups hold no item, the others are tiled again, the hash follows. */
static void test_plan_filter(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fixed f;
	struct plan p;
	struct plan_item it;
	char before[65];
	size_t i, items;

	(void)state;
	fixed_load(&f);
	assert_int_equal(plan_build(&p, f.c, NULL, 0, f.suites, 2, PLAN_BASELINE, &err), 0);
	memcpy(before, p.hash, sizeof(before));
	items = p.n_items;
	plan_filter(&p, keep_not_d, NULL);
	assert_int_equal(p.n_items, items - 3 * 3); /* "d": 3 baseline samples, 3 vendors */
	assert_string_not_equal(p.hash, before);
	for (i = 0; i < p.n_items; i++) {
		plan_item(&p, i, &it);
		assert_string_not_equal(it.prompt->id, "d");
		assert_int_equal(p.groups[plan_group_of(&p, i)].first + (size_t)it.sample, i);
	}
	plan_release(&p);
	fixed_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_schema_warnings),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_night),
		cmocka_unit_test(test_plan_item_and_group_of),
		cmocka_unit_test(test_plan_hash_unchanged),
		cmocka_unit_test(test_request_hash),
		cmocka_unit_test(test_plan_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
