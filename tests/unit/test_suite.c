/* test_suite.c: suite files: defaults, shorthands, messages, checks compiled at load. */
#include "testutil.h"
#include "plan.h"
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
	{ "{\"id\": \"../x\", \"prompts\": [{\"id\": \"a\", \"prompt\": \"x\"}]}", "id: invalid "
										   "suite id "
										   "\"../x\"" },
};

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
	char hash[65];

	(void)state;
	assert_non_null(s);
	assert_non_null(c);
	suites[0] = s;
	assert_int_equal(plan_build(&p, c, NULL, 0, suites, 1, PLAN_NIGHTLY, &err), 0);
	assert_int_equal(p.n_vendors, 2);
	assert_int_equal(p.n_items, 2 * (3 + 2));
	/* Stable order: vendor, suite, prompt, sample. */
	assert_string_equal(p.items[0].vendor->id, "v1");
	assert_string_equal(p.items[0].prompt->id, "a");
	assert_int_equal(p.items[2].sample, 2);
	assert_string_equal(p.items[3].prompt->id, "b");
	assert_string_equal(p.items[5].vendor->id, "v2");
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
	config_free(c);
	suite_free(s);
	tu_rmrf(dir);
	free(sp);
	free(cp);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
