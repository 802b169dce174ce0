/* test_probe_prompt.c: what probe_check_prompt (probes/probe.c) and every probe's build refuse
 * in a prompt whatever the vendor: a temperature above the range the vendor's API documents
 * (Anthropic Messages and Bedrock Converse 0..1; OpenAI, Azure and Gemini 0..2; Ollama no upper
 * bound). The two always agree. */
#include "testutil.h"
#include "pl.h"
#include "probe.h"

#include <stdio.h>

#include <string.h>

static const struct {
	const struct probe_ops *ops;
	double max; /* the highest temperature the vendor takes; 0: no upper bound */
} ranges[] = {
	{ &probe_openai, 2 },	 { &probe_azure_openai, 2 }, { &probe_gemini, 2 },
	{ &probe_anthropic, 1 }, { &probe_bedrock, 1 },	     { &probe_ollama, 0 },
};

/* Builds p for ops: 0 when built, -1 with err set when refused. */
static int build(const struct probe_ops *ops, const struct probe_prompt *p, struct pl_err *err)
{
	struct probe_target t = { .base_url = "http://127.0.0.1:9",
				  .model = "m",
				  .api_key = "k",
				  .region = "us-east-1" };
	struct probe_request rq;
	int rc;

	probe_request_init(&rq);
	rc = ops->build(&t, p, &rq, err);
	probe_request_release(&rq);
	return rc;
}

static void test_temperature_range(void **state)
{
	static const struct probe_message msg = { "user", "hi" };
	struct probe_target t = { .base_url = "http://127.0.0.1:9", .model = "m" };
	size_t i;

	(void)state;
	assert_int_equal(ARRAY_SIZE(ranges), 6); /* every registered probe */
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		const struct probe_ops *ops = ranges[i].ops;
		struct probe_prompt p = { .messages = &msg, .n_messages = 1 };
		struct pl_err err = PL_ERR_INIT;
		char want[128];

		/* the vendor's default, 0 and the top of its range are sent */
		for (p.temperature = -1; p.temperature <= (ranges[i].max ? ranges[i].max : 2);
		     p.temperature += 0.5) {
			if (probe_check_prompt(ops, &t, &p, &err) < 0 || build(ops, &p, &err) < 0)
				fail_msg("%s refused temperature %g: %s", ops->name, p.temperature,
					 err.msg);
		}
		assert_true(ops->temperature_max == ranges[i].max);
		if (!ranges[i].max)
			continue;
		/* just above it is refused, by the check and by build alike, at "temperature" */
		p.temperature = ranges[i].max + 0.01;
		snprintf(want, sizeof(want), "%s accepts a temperature from 0 to %g, got %g",
			 ops->name, ranges[i].max, p.temperature);
		assert_int_equal(probe_check_prompt(ops, &t, &p, &err), -1);
		assert_int_equal(err.code, PL_E_INPUT);
		assert_string_equal(err.where, "temperature");
		assert_string_equal(err.msg, want);
		pl_err_init(&err);
		assert_int_equal(build(ops, &p, &err), -1);
		assert_string_equal(err.where, "temperature");
		assert_string_equal(err.msg, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_temperature_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
