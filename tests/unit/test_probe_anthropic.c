/* test_probe_anthropic.c: the "anthropic" probe on every recorded Messages API response in
 * tests/fixtures/vendors/anthropic (plain, streamed, refusals, 404/429/529), its requests and
 * its faults. */
#include "test_probe_fixture.h"

#define RL_MSG "This request would exceed your organization's rate limit of 20,000,000 prompt"
#define D      "derived/anthropic/"

static const struct fx_case anthropic_cases[] = {
	{ "anthropic/messages-basic-recorded.json",
	  "anthropic/messages-basic-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello! How can I assist you today? Is there anything specifi",
	  92,
	  NULL,
	  "claude-3-5-sonnet-20240620",
	  "standard",
	  "msg_01QgNtCXZKCJgpWHW3NEwmdP",
	  "end_turn",
	  16,
	  24,
	  40,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-messages-structured-output-json-schema.0.body",
	  D "cassette-messages-structured-output-json-schema.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "{\"product_name\": \"Green Tea\", \"price\": 5.50, \"quantity\": 2}",
	  59,
	  NULL,
	  "claude-sonnet-4-5-20250929",
	  "standard",
	  "msg_01Egs18hRzhru3uGon3qesbA",
	  "end_turn",
	  249,
	  26,
	  275,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-messages-429-429-then-200-retry.0.body",
	  D "cassette-messages-429-429-then-200-retry.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_FAULT_RATE_LIMIT,
	  NULL,
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  "rate_limit_error",
	  RL_MSG,
	  0,
	  NULL },
	{ D "cassette-messages-429-429-then-200-retry.1.body",
	  D "cassette-messages-429-429-then-200-retry.1.headers.json",
	  0,
	  0,
	  0,
	  PROBE_FAULT_RATE_LIMIT,
	  NULL,
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  "rate_limit_error",
	  RL_MSG,
	  0,
	  NULL },
	{ D "cassette-messages-429-429-then-200-retry.2.body",
	  D "cassette-messages-429-429-then-200-retry.2.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "{\"items\":[{\"product_name\":\"Green Tea\",\"price\":5.50,\"quantity",
	  131,
	  NULL,
	  "claude-sonnet-4-5-20250929",
	  "standard",
	  "msg_01Q1NNiF8NA8EywFhxTmFbeP",
	  "end_turn",
	  406,
	  50,
	  456,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-messages-429-rate-limit.0.body",
	  D "cassette-messages-429-rate-limit.0.headers.json",
	  0,
	  1,
	  0,
	  PROBE_FAULT_RATE_LIMIT,
	  NULL,
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  "rate_limit_error",
	  RL_MSG,
	  0,
	  NULL },
	{ D "cassette-messages-429-rate-limit.1.body",
	  D "cassette-messages-429-rate-limit.1.headers.json",
	  0,
	  1,
	  0,
	  PROBE_FAULT_RATE_LIMIT,
	  NULL,
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  "rate_limit_error",
	  RL_MSG,
	  0,
	  NULL },
	{ D "cassette-messages-429-rate-limit.2.body",
	  D "cassette-messages-429-rate-limit.2.headers.json",
	  0,
	  1,
	  0,
	  PROBE_OK,
	  "[12345,67890]",
	  13,
	  NULL,
	  "claude-sonnet-4-5-20250929",
	  "standard",
	  "msg_013nnniYDrJDocdy5nrMU7cH",
	  "end_turn",
	  135,
	  10,
	  145,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-messages-stream-structured-output-beta.0.body",
	  D "cassette-messages-stream-structured-output-beta.0.headers.json",
	  0,
	  1,
	  0,
	  PROBE_OK,
	  "[12345,67890]",
	  13,
	  NULL,
	  "claude-sonnet-4-5-20250929",
	  "standard",
	  "msg_01LtFpmR8SbmiK2kRA5sWXNi",
	  "end_turn",
	  135,
	  10,
	  145,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-404-not-found-error.0.body",
	  D "cassette-404-not-found-error.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_FAULT_REQUEST,
	  NULL,
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  "not_found_error",
	  "model: claude-does-not-exist",
	  0,
	  NULL },
	{ "anthropic/messages-stream-basic-text.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "Hello there!",
	  12,
	  NULL,
	  "claude-3-opus-latest",
	  NULL,
	  "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK",
	  "end_turn",
	  11,
	  6,
	  17,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "anthropic/messages-stream-error-overloaded-529.sdk-test.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_FAULT_STREAM,
	  NULL,
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  "overloaded_error",
	  "Overloaded",
	  0,
	  NULL },
	{ "anthropic/messages-stream-refusal-stop-reason.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  "This request was refused due to policy.",
	  "claude-opus-4-7",
	  NULL,
	  "msg_01RefusalTestMessage123456789",
	  "refusal",
	  20,
	  0,
	  20,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "anthropic/messages-stream-tool-use-incomplete-json.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "I'll create a comprehensive tax guide for someone with multi",
	  135,
	  NULL,
	  "claude-3-7-sonnet-20250219",
	  "standard",
	  "msg_01UdjYBBipA9omjYhicnevgq",
	  "max_tokens",
	  450,
	  124,
	  574,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "anthropic/messages-stream-tool-use.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "I'll check the current weather in Paris for you.",
	  48,
	  NULL,
	  "claude-sonnet-4-20250514",
	  "standard",
	  "msg_019Q1hrJbZG26Fb9BQhrkHEr",
	  "tool_use",
	  377,
	  65,
	  442,
	  NULL,
	  NULL,
	  0,
	  NULL },
};

static const struct probe_target target = {
	.base_url = "https://api.anthropic.com/v1",
	.model = "claude-sonnet-4-5",
	.api_key = "sk-ant-test",
};

static void test_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(anthropic_cases); i++)
		fx_check(&probe_anthropic, &target, &anthropic_cases[i]);
}

static void test_headers_kept(void **state)
{
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;
	struct fx x;

	(void)state;
	fx_load(&x, "anthropic/messages-basic-recorded.json",
		"anthropic/messages-basic-recorded.headers.json", 0);
	fx_parse(&probe_anthropic, &target, &p, &x, &a);
	fx_str_eq(fx_kept(&a, "anthropic-ratelimit-requests-remaining"), "999", "requests", "hdr");
	fx_str_eq(fx_kept(&a, "anthropic-ratelimit-tokens-reset"), "2025-08-21T12:40:59Z", "reset",
		  "hdr");
	fx_str_eq(fx_kept(&a, "request-id"), "req_011CSLsW7mFqvHHnzrKdKjAE", "request-id", "hdr");
	assert_null(fx_kept(&a, "anthropic-organization-id"));
	probe_answer_release(&a);
	fx_release(&x);
}

#define SSE "content-type: text/event-stream"

static const struct fx_raw anthropic_raw[] = {
	{ "529 overloaded", 529,
	  "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}"
	  "}",
	  NULL, PROBE_FAULT_OVERLOADED, -1, "overloaded_error", "Overloaded", NULL },
	{ "401", 401,
	  "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":"
	  "\"invalid x-api-key\"}}",
	  NULL, PROBE_FAULT_AUTH, -1, "authentication_error", "invalid x-api-key", NULL },
	{ "429 retry-after", 429,
	  "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}",
	  "retry-after: 12", PROBE_FAULT_RATE_LIMIT, 12000, "rate_limit_error", "slow", NULL },
	/* a Retry-After beyond any sane wait (inf after * 1000) is clamped, not converted */
	{ "429 retry-after 1e308", 429,
	  "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}",
	  "retry-after: 1e308", PROBE_FAULT_RATE_LIMIT, (long)PROBE_MS_MAX, "rate_limit_error",
	  "slow", NULL },
	{ "500 api_error", 500,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal\"}}", NULL,
	  PROBE_FAULT_SERVER, -1, "api_error", "Internal", NULL },
	{ "413 from cloudflare", 413, "<html>too large</html>", NULL, PROBE_FAULT_REQUEST, -1, NULL,
	  "http status 413", NULL },
	{ "missing content", 200,
	  "{\"id\":\"m\",\"type\":\"message\",\"stop_reason\":\"end_turn\"}", NULL,
	  PROBE_FAULT_MALFORMED, -1, NULL, "missing content", NULL },
	{ "missing stop_reason", 200, "{\"id\":\"m\",\"type\":\"message\",\"content\":[]}", NULL,
	  PROBE_FAULT_MALFORMED, -1, NULL, "missing stop_reason", NULL },
	{ "not json", 200, "nope", NULL, PROBE_FAULT_MALFORMED, -1, NULL,
	  "body is not a json object", NULL },
	{ "stream cut before message_stop", 200,
	  "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
	  "\"model\":\"c\",\"usage\":{\"input_tokens\":1}}}\n\nevent: content_block_delta\ndata: "
	  "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
	  "\"text\":\"Hi\"}}\n\n",
	  SSE, PROBE_FAULT_STREAM, -1, NULL, "stream ended before message_stop", NULL },
	{ "stream cut mid-event", 200,
	  "event: message_start\ndata: {\"type\":\"message_start\",\"mess", SSE, PROBE_FAULT_STREAM,
	  -1, NULL, "stream event 0: data is not a typed json object", NULL },
	{ "empty stream", 200, "", SSE, PROBE_FAULT_STREAM, -1, NULL,
	  "stream carried no message_start", NULL },
};

static void test_raw(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(anthropic_raw); i++)
		fx_run_raw(&probe_anthropic, &target, &anthropic_raw[i]);
}

/* Usage of 2^63-1 tokens each way: counts are clamped and their total does not overflow
 * (UBSan: signed overflow before the clamp). */
static void test_huge_usage(void **state)
{
	static const char body[] = "{\"id\":\"m\",\"type\":\"message\",\"model\":\"c\",\"content\":"
				   "[{\"type\":"
				   "\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\","
				   "\"usage\":{"
				   "\"input_tokens\":9223372036854775807,\"output_tokens\":"
				   "9223372036854775807}}";
	struct probe_response r = {
		.status = 200, .body = body, .body_len = sizeof(body) - 1, .ttfb_ms = -1
	};
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;

	(void)state;
	probe_answer_init(&a);
	probe_anthropic.parse(&target, &p, &r, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_int_equal(a.prompt_tokens, PROBE_COUNT_MAX);
	assert_int_equal(a.completion_tokens, PROBE_COUNT_MAX);
	assert_int_equal(a.total_tokens, 2 * PROBE_COUNT_MAX);
	probe_answer_release(&a);
}

static void test_build(void **state)
{
	static const struct probe_message msgs[] = {
		{ "system", "Be terse." },
		{ "user", "Hi" },
		{ "assistant", "Hello." },
		{ "user", "Bye" },
	};
	json_t *schema = json_pack("{s:s}", "type", "array");
	struct probe_prompt p = {
		.messages = msgs, .n_messages = 4, .temperature = 0.2, .schema = schema, .stream = 1
	};
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_anthropic.build(&target, &p, &req, &err), 0);
	assert_string_equal(req.url, "https://api.anthropic.com/v1/messages");
	assert_string_equal(probe_header_get(req.headers, req.n_headers, "x-api-key"), "sk-ant-"
										       "test");
	assert_string_equal(probe_header_get(req.headers, req.n_headers, "anthropic-version"), "202"
											       "3-"
											       "06-"
											       "0"
											       "1");
	assert_null(probe_header_get(req.headers, req.n_headers, "authorization"));
	body = json_loadb(req.body, req.body_len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "system")), "Be terse.");
	assert_int_equal(json_array_size(json_object_get(body, "messages")), 3);
	/* max_tokens is required by the API: a default is sent when the prompt has none. */
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 1024);
	assert_true(json_equal(
		json_object_get(json_object_get(json_object_get(body, "output_config"), "format"),
				"schema"),
		schema));
	assert_true(json_is_true(json_object_get(body, "stream")));
	json_decref(body);
	probe_request_release(&req);

	/* anthropic-version follows the config; seeds and logprobs do not exist here. */
	{
		struct probe_target t2 = target;
		struct probe_prompt q = {
			.messages = msgs + 1, .n_messages = 1, .temperature = -1, .max_tokens = 50
		};

		t2.api_version = "2024-01-01";
		probe_request_init(&req);
		assert_int_equal(probe_anthropic.build(&t2, &q, &req, &err), 0);
		assert_string_equal(
			probe_header_get(req.headers, req.n_headers, "anthropic-version"), "2024-"
											   "01-01");
		probe_request_release(&req);
		q.has_seed = 1;
		probe_request_init(&req);
		assert_int_equal(probe_anthropic.build(&t2, &q, &req, &err), -1);
		assert_string_equal(err.msg, "anthropic does not take a seed");
		probe_request_release(&req);
	}
	json_decref(schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures), cmocka_unit_test(test_headers_kept),
		cmocka_unit_test(test_raw),	 cmocka_unit_test(test_huge_usage),
		cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
