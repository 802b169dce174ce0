/* test_probe_anthropic.c: the "anthropic" probe on every recorded Messages API response in
 * tests/fixtures/vendors/anthropic (plain, streamed, refusals, 404/429/529), its requests and
 * its faults. */
#include "test_probe_fixture.h"

#define RL_MSG "This request would exceed your organization's rate limit of 20,000,000 prompt"
#define D      "derived/anthropic/"

static const struct fx_case anthropic_cases[] = {
	{ .body = "anthropic/messages-basic-recorded.json",
	  .headers = "anthropic/messages-basic-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello! How can I assist you today? Is there anything specifi",
	  .text_len = 92,
	  .model = "claude-3-5-sonnet-20240620",
	  .id = "msg_01QgNtCXZKCJgpWHW3NEwmdP",
	  .finish = "end_turn",
	  .prompt = 16,
	  .completion = 24,
	  .total = 40 },
	{ .body = D "cassette-messages-structured-output-json-schema.0.body",
	  .headers = D "cassette-messages-structured-output-json-schema.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "{\"product_name\": \"Green Tea\", \"price\": 5.50, \"quantity\": 2}",
	  .text_len = 59,
	  .model = "claude-sonnet-4-5-20250929",
	  .id = "msg_01Egs18hRzhru3uGon3qesbA",
	  .finish = "end_turn",
	  .prompt = 249,
	  .completion = 26,
	  .total = 275 },
	{ .body = D "cassette-messages-429-429-then-200-retry.0.body",
	  .headers = D "cassette-messages-429-429-then-200-retry.0.headers.json",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "rate_limit_error",
	  .error_msg = RL_MSG },
	{ .body = D "cassette-messages-429-429-then-200-retry.1.body",
	  .headers = D "cassette-messages-429-429-then-200-retry.1.headers.json",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "rate_limit_error",
	  .error_msg = RL_MSG },
	{ .body = D "cassette-messages-429-429-then-200-retry.2.body",
	  .headers = D "cassette-messages-429-429-then-200-retry.2.headers.json",
	  .fault = PROBE_OK,
	  .text = "{\"items\":[{\"product_name\":\"Green Tea\",\"price\":5.50,\"quantity",
	  .text_len = 131,
	  .model = "claude-sonnet-4-5-20250929",
	  .id = "msg_01Q1NNiF8NA8EywFhxTmFbeP",
	  .finish = "end_turn",
	  .prompt = 406,
	  .completion = 50,
	  .total = 456 },
	{ .body = D "cassette-messages-429-rate-limit.0.body",
	  .headers = D "cassette-messages-429-rate-limit.0.headers.json",
	  .stream = 1,
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "rate_limit_error",
	  .error_msg = RL_MSG },
	{ .body = D "cassette-messages-429-rate-limit.1.body",
	  .headers = D "cassette-messages-429-rate-limit.1.headers.json",
	  .stream = 1,
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "rate_limit_error",
	  .error_msg = RL_MSG },
	{ .body = D "cassette-messages-429-rate-limit.2.body",
	  .headers = D "cassette-messages-429-rate-limit.2.headers.json",
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "[12345,67890]",
	  .text_len = 13,
	  .model = "claude-sonnet-4-5-20250929",
	  .id = "msg_013nnniYDrJDocdy5nrMU7cH",
	  .finish = "end_turn",
	  .prompt = 135,
	  .completion = 10,
	  .total = 145 },
	{ .body = D "cassette-messages-stream-structured-output-beta.0.body",
	  .headers = D "cassette-messages-stream-structured-output-beta.0.headers.json",
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "[12345,67890]",
	  .text_len = 13,
	  .model = "claude-sonnet-4-5-20250929",
	  .id = "msg_01LtFpmR8SbmiK2kRA5sWXNi",
	  .finish = "end_turn",
	  .prompt = 135,
	  .completion = 10,
	  .total = 145 },
	{ .body = D "cassette-404-not-found-error.0.body",
	  .headers = D "cassette-404-not-found-error.0.headers.json",
	  .fault = PROBE_FAULT_REQUEST,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "not_found_error",
	  .error_msg = "model: claude-does-not-exist" },
	{ .body = "anthropic/messages-stream-basic-text.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "Hello there!",
	  .text_len = 12,
	  .model = "claude-3-opus-latest",
	  .id = "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK",
	  .finish = "end_turn",
	  .prompt = 11,
	  .completion = 6,
	  .total = 17 },
	{ .body = "anthropic/messages-stream-error-overloaded-529.sdk-test.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_FAULT_STREAM,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "overloaded_error",
	  .error_msg = "Overloaded" },
	{ .body = "anthropic/messages-stream-refusal-stop-reason.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .refusal = "This request was refused due to policy.",
	  .model = "claude-opus-4-7",
	  .id = "msg_01RefusalTestMessage123456789",
	  .finish = "refusal",
	  .prompt = 20,
	  .total = 20 },
	{ .body = "anthropic/messages-stream-tool-use-incomplete-json.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "I'll create a comprehensive tax guide for someone with multi",
	  .text_len = 135,
	  .model = "claude-3-7-sonnet-20250219",
	  .id = "msg_01UdjYBBipA9omjYhicnevgq",
	  .finish = "max_tokens",
	  .prompt = 450,
	  .completion = 124,
	  .total = 574 },
	{ .body = "anthropic/messages-stream-tool-use.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "I'll check the current weather in Paris for you.",
	  .text_len = 48,
	  .model = "claude-sonnet-4-20250514",
	  .id = "msg_019Q1hrJbZG26Fb9BQhrkHEr",
	  .finish = "tool_use",
	  .prompt = 377,
	  .completion = 65,
	  .total = 442 },
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
	{ .name = "529 overloaded",
	  .status = 529,
	  .body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}"
		  "}",
	  .fault = PROBE_FAULT_OVERLOADED,
	  .retry_after_ms = -1,
	  .error_type = "overloaded_error",
	  .error_msg = "Overloaded" },
	{ .name = "401",
	  .status = 401,
	  .body = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":"
		  "\"invalid x-api-key\"}}",
	  .fault = PROBE_FAULT_AUTH,
	  .retry_after_ms = -1,
	  .error_type = "authentication_error",
	  .error_msg = "invalid x-api-key" },
	{ .name = "429 retry-after",
	  .status = 429,
	  .body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}",
	  .header = "retry-after: 12",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 12000,
	  .error_type = "rate_limit_error",
	  .error_msg = "slow" },
	/* a Retry-After beyond any sane wait (inf after * 1000) is clamped, not converted */
	{ .name = "429 retry-after 1e308",
	  .status = 429,
	  .body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}",
	  .header = "retry-after: 1e308",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = (long)PROBE_MS_MAX,
	  .error_type = "rate_limit_error",
	  .error_msg = "slow" },
	{ .name = "500 api_error",
	  .status = 500,
	  .body = "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal\"}}",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_type = "api_error",
	  .error_msg = "Internal" },
	{ .name = "413 from cloudflare",
	  .status = 413,
	  .body = "<html>too large</html>",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_msg = "http status 413" },
	{ .name = "missing content",
	  .status = 200,
	  .body = "{\"id\":\"m\",\"type\":\"message\",\"stop_reason\":\"end_turn\"}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing content" },
	{ .name = "missing stop_reason",
	  .status = 200,
	  .body = "{\"id\":\"m\",\"type\":\"message\",\"content\":[]}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing stop_reason" },
	{ .name = "not json",
	  .status = 200,
	  .body = "nope",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "body is not a json object" },
	{ .name = "stream cut before message_stop",
	  .status = 200,
	  .body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
		  "\"model\":\"c\",\"usage\":{\"input_tokens\":1}}}\n\nevent: content_block_delta\ndata: "
		  "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
		  "\"text\":\"Hi\"}}\n\n",
	  .header = SSE,
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream ended before message_stop" },
	{ .name = "stream cut mid-event",
	  .status = 200,
	  .body = "event: message_start\ndata: {\"type\":\"message_start\",\"mess",
	  .header = SSE,
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream event 0: data is not a typed json object" },
	{ .name = "empty stream",
	  .status = 200,
	  .body = "",
	  .header = SSE,
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream carried no message_start" },
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
		{ "system", "Be terse." }, { "user", "Hi" },  { "system", "Answer in English." },
		{ "assistant", "Hello." }, { "user", "Bye" },
	};
	json_t *schema = json_pack("{s:s}", "type", "array");
	struct probe_prompt p = {
		.messages = msgs, .n_messages = 5, .temperature = 0.2, .schema = schema, .stream = 1
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
	/* Every system message, in order, joined into the top-level field. */
	assert_string_equal(json_string_value(json_object_get(body, "system")),
			    "Be terse.\nAnswer in English.");
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

/* tool_use blocks, plain (the docs example: text then a call) and streamed (input_json_delta
 * fragments joined per block; the SDK's odd-whitespace case). */
static const struct fx_calls_case call_cases[] = {
	{ .body = "anthropic/messages-tool-use.docs.json",
	  .calls = "[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"San Francisco, CA\","
		   "\"unit\":\"celsius\"}}]" },
	{ .body = "anthropic/messages-stream-tool-use.sse",
	  .stream = 1,
	  .calls = "[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]" },
	{ .body = "anthropic/messages-basic-recorded.json", .calls = NULL },
	{ .raw = 1,
	  .stream = 1,
	  .body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
		  "\"model\":\"c\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
		  "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,"
		  "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"b\",\"input\":{}}}\n\n"
		  "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
		  "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"a\",\"input\":{}}}\n\n"
		  "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
		  "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"y\\\":\"}}\n\n"
		  "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
		  "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"2}\"}}\n\n"
		  "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
		  "\"tool_use\"},\"usage\":{\"output_tokens\":5}}\n\n"
		  "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	  .calls = "[{\"name\":\"a\",\"arguments\":{}},{\"name\":\"b\",\"arguments\":{\"y\":2}}]" },
};

static void test_tool_calls(void **state)
{
	struct probe_prompt p = { .temperature = -1, .stream = 1 };
	struct probe_answer a;
	struct fx x;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(call_cases); i++)
		fx_check_calls(&probe_anthropic, &target, &call_cases[i]);
	/* a stream whose input JSON never completes: the call is kept, flagged, not a crash */
	fx_load(&x, "anthropic/messages-stream-tool-use-incomplete-json.sse", NULL, 200);
	fx_parse(&probe_anthropic, &target, &p, &x, &a);
	assert_int_equal(a.fault, PROBE_OK);
	{
		const json_t *c0 = json_array_get(a.tool_calls, 0);

		assert_int_equal(json_array_size(a.tool_calls), 1);
		assert_string_equal(json_string_value(json_object_get(c0, "name")), "make_file");
		assert_true(json_is_true(json_object_get(c0, "arguments_invalid")));
		assert_int_equal(strncmp(json_string_value(json_object_get(c0, "arguments")),
					 "{\"filename\": \"taxes.txt\"", 24),
				 0);
	}
	probe_answer_release(&a);
	fx_release(&x);
}

static void test_tool_build(void **state)
{
	struct fx_tools ft;
	json_t *body;

	(void)state;
	fx_tools_init(&ft);
	body = fx_build_body(&probe_anthropic, &target, &ft.p);
	fx_body_has(body, "tools",
		    "[{\"name\":\"get_weather\",\"description\":\"Weather.\",\"input_schema\":"
		    "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
		    "\"required\":[\"city\"]}}]");
	fx_body_has(body, "tool_choice", "{\"type\":\"auto\"}");
	json_decref(body);
	fx_choice_has(&probe_anthropic, &target, &ft, ft.required, "tool_choice",
		      "{\"type\":\"any\"}");
	fx_choice_has(&probe_anthropic, &target, &ft, ft.named, "tool_choice",
		      "{\"type\":\"tool\",\"name\":\"get_weather\"}");
	fx_choice_has(&probe_anthropic, &target, &ft, ft.none, "tool_choice",
		      "{\"type\":\"none\"}");
	fx_tools_release(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),   cmocka_unit_test(test_headers_kept),
		cmocka_unit_test(test_raw),	   cmocka_unit_test(test_huge_usage),
		cmocka_unit_test(test_build),	   cmocka_unit_test(test_tool_calls),
		cmocka_unit_test(test_tool_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
