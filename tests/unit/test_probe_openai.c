/* test_probe_openai.c: the "openai" probe on every real Chat Completions / Responses response
 * in tests/fixtures/vendors (OpenAI, Groq, DeepSeek, Mistral), its requests, and its faults. */
#include "test_probe_fixture.h"

static const struct fx_case chat_cases[] = {
	{ "openai-chat/chat-basic-text.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "I'm unable to provide real-time weather updates. To get the ",
	  198,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_b40fb1c6fb",
	  "chatcmpl-ABfvaueLEMLNYbT8YzpJxsmiQ6HSY",
	  "stop",
	  14,
	  37,
	  51,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-finish-reason-length.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "{\"",
	  2,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_7568d46099",
	  "chatcmpl-ABfvvX7eB1KsfeZj8VcF3z7G7SbaA",
	  "length",
	  79,
	  1,
	  80,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-gpt-4.1-recorded.json",
	  "openai-chat/chat-gpt-4.1-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello, world! \xF0\x9F\x91\x8B How can I help you today?",
	  44,
	  NULL,
	  "gpt-4.1-2025-04-14",
	  "fp_daf5fcc80a",
	  "chatcmpl-C6ytqoS5qECdjV3EhnrEANIEcyvgY",
	  "stop",
	  21,
	  13,
	  34,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-gpt-5.1-recorded.json",
	  "openai-chat/chat-gpt-5.1-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello! How can I help you today?",
	  32,
	  NULL,
	  "gpt-5.1-chat-latest",
	  NULL,
	  "chatcmpl-CcWj9dBmozYrIh53F5tkednY14t4r",
	  "stop",
	  20,
	  18,
	  38,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-json-schema-recorded.json",
	  "openai-chat/chat-json-schema-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "{\"area\":42}",
	  11,
	  NULL,
	  "gpt-5.1-chat-latest",
	  NULL,
	  "chatcmpl-CcWjhJ3qP05CLu9YpiImmkM8ZlYjs",
	  "stop",
	  53,
	  18,
	  71,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-logprobs-top2.spec-example.json",
	  NULL,
	  200,
	  0,
	  1,
	  PROBE_OK,
	  "Hello! How can I assist you today?",
	  34,
	  NULL,
	  "gpt-4o-mini",
	  NULL,
	  "chatcmpl-123",
	  "stop",
	  9,
	  9,
	  18,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-refusal-structured-output.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  "I'm very sorry, but I can't assist with that.",
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfvwoKVWPQj2UPlAcAKM7s40GsRx",
	  "stop",
	  79,
	  12,
	  91,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-structured-output-json-schema.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "{\"city\":\"San Francisco\",\"temperature\":65,\"units\":\"f\"}",
	  53,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfvbtVnTu5DeC4EFnRYj8mtfOM99",
	  "stop",
	  79,
	  14,
	  93,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-structured-output-n3-choices.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "{\"city\":\"San Francisco\",\"temperature\":64,\"units\":\"f\"}",
	  53,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_b40fb1c6fb",
	  "chatcmpl-ABfvp8qzboW92q8ONDF4DPHlI7ckC",
	  "stop",
	  79,
	  44,
	  123,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-tool-call-functions.spec-example.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gpt-4o-mini",
	  NULL,
	  "chatcmpl-abc123",
	  "tool_calls",
	  82,
	  17,
	  99,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-tool-call-single.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_e45dabd248",
	  "chatcmpl-ABfvx6Z4dchiW2nya1N8KMsHFrQRE",
	  "tool_calls",
	  76,
	  24,
	  100,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-tool-calls-parallel.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_b40fb1c6fb",
	  "chatcmpl-ABfvyvfNWKcl7Ohqos4UFrmMs1v4C",
	  "tool_calls",
	  149,
	  60,
	  209,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-compatible/deepseek-chat-completions-recorded.json",
	  "openai-compatible/deepseek-chat-completions-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello! How can I assist you today?",
	  34,
	  NULL,
	  "deepseek-v4-pro",
	  "fp_feb633d1f5_prod0820_fp8_kvcache",
	  "b55e6172-d379-4806-b4e0-d21dd4b243b7",
	  "stop",
	  14,
	  9,
	  23,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-compatible/groq-chat-completions-recorded.json",
	  "openai-compatible/groq-chat-completions-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello! How can I help you today?",
	  32,
	  NULL,
	  "openai/gpt-oss-120b",
	  "fp_05df423bab",
	  "chatcmpl-59364eff-df3b-4826-b4d6-1562b9cdf2be",
	  "stop",
	  30,
	  10,
	  40,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "mistral/chat-completions-recorded.json",
	  "mistral/chat-completions-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello, world! \xF0\x9F\x8C\x8D\xE2\x9C\xA8 How can I brighten",
	  217,
	  NULL,
	  "mistral-large-latest",
	  NULL,
	  "d0a4a06db45446809c07ca9d1cc4158d",
	  "stop",
	  7,
	  61,
	  68,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "derived/openai-chat/cassette-400-invalid-request-param.0.body",
	  "derived/openai-chat/cassette-400-invalid-request-param.0.headers.json",
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
	  "invalid_request_error",
	  "Web search options not supported with this model.",
	  0,
	  NULL },
	/* Streams (SSE): text assembled from choice 0's deltas, usage from the last chunk. */
	{ "openai-chat/chat-stream-basic-with-usage.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "I'm unable to provide real-time weather updates. To get the ",
	  159,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL",
	  "stop",
	  14,
	  30,
	  44,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-finish-length.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "{\"",
	  2,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_7568d46099",
	  "chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh",
	  "length",
	  79,
	  1,
	  80,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-logprobs.sse",
	  NULL,
	  200,
	  1,
	  1,
	  PROBE_OK,
	  "Foo!",
	  4,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfw5EzoqmfXjnnsXY7Yd8OC6tb3c",
	  "stop",
	  9,
	  2,
	  11,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-n3-choices.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "{\"city\":\"San Francisco\",\"temperature\":65,\"units\":\"f\"}",
	  53,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_b40fb1c6fb",
	  "chatcmpl-ABfw2KKFuVXmEJgVwYfBvejMAdWtq",
	  "stop",
	  79,
	  42,
	  121,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-parallel-tool-calls.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfwAwrNePHUgBBezonVC6MX3zd63",
	  "tool_calls",
	  149,
	  60,
	  209,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-refusal-logprobs.sse",
	  NULL,
	  200,
	  1,
	  1,
	  PROBE_OK,
	  "",
	  0,
	  "I'm very sorry, but I can't assist with that.",
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfw5GEVqPbLY576l46FZDQoNJ2KC",
	  "stop",
	  79,
	  12,
	  91,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-refusal.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  "I'm sorry, I can't assist with that request.",
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfw4IfQfCCrcuybFm41wJyxjbkz7",
	  "stop",
	  79,
	  11,
	  90,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-structured-output-json-schema.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "{\"city\":\"San Francisco\",\"temperature\":61,\"units\":\"f\"}",
	  53,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_5050236cbd",
	  "chatcmpl-ABfw1e5abtU8OwGr15vOreYVb2MiF",
	  "stop",
	  79,
	  14,
	  93,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-chat/chat-stream-tool-call.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gpt-4o-2024-08-06",
	  "fp_7568d46099",
	  "chatcmpl-ABfw8AOXnoa2kzy11vVTSjuQhHCQr",
	  "tool_calls",
	  76,
	  24,
	  100,
	  NULL,
	  NULL,
	  0,
	  NULL },
};

static const struct probe_target chat_target = {
	.base_url = "https://api.openai.com/v1",
	.model = "gpt-4o",
	.api_key = "sk-test",
};

static void test_chat_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(chat_cases); i++)
		fx_check(&probe_openai, &chat_target, &chat_cases[i]);
}

/* The kept headers are the version / rate-limit ones, lower case, sorted; cookies are not. */
static void test_chat_headers_kept(void **state)
{
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;
	struct fx x;
	size_t i;

	(void)state;
	fx_load(&x, "openai-chat/chat-gpt-5.1-recorded.json",
		"openai-chat/chat-gpt-5.1-recorded.headers.json", 0);
	fx_parse(&probe_openai, &chat_target, &p, &x, &a);
	assert_int_equal(a.fault, PROBE_OK);
	fx_str_eq(fx_kept(&a, "openai-version"), "2020-10-01", "openai-version", "gpt-5.1");
	fx_str_eq(fx_kept(&a, "x-ratelimit-remaining-requests"), "4999", "remaining", "gpt-5.1");
	fx_str_eq(fx_kept(&a, "x-ratelimit-reset-tokens"), "1ms", "reset-tokens", "gpt-5.1");
	fx_str_eq(fx_kept(&a, "x-request-id"), "req_ca8197062dd44e208e21ceef70b46fce", "request id",
		  "gpt-5.1");
	assert_null(fx_kept(&a, "set-cookie"));
	assert_null(fx_kept(&a, "openai-organization"));
	for (i = 1; i < a.n_headers; i++)
		assert_true(strcmp(a.headers[i - 1].name, a.headers[i].name) <= 0);
	probe_answer_release(&a);
	fx_release(&x);

	fx_load(&x, "mistral/chat-completions-recorded.json",
		"mistral/chat-completions-recorded.headers.json", 0);
	fx_parse(&probe_openai, &chat_target, &p, &x, &a);
	fx_str_eq(fx_kept(&a, "x-ratelimit-remaining-tokens-minute"), "1999932", "mistral",
		  "mistral");
	probe_answer_release(&a);
	fx_release(&x);
}

/* The logprobs kept are the vendor's own: choices[0].logprobs.content[] with top_logprobs. */
static void test_chat_logprobs(void **state)
{
	struct probe_prompt p = { .temperature = -1, .logprobs = 1, .top_logprobs = 2 };
	struct probe_answer a;
	struct fx x;
	json_t *content, *t0;

	(void)state;
	fx_load(&x, "openai-chat/chat-logprobs-top2.spec-example.json", NULL, 200);
	fx_parse(&probe_openai, &chat_target, &p, &x, &a);
	content = json_object_get(a.logprobs, "content");
	assert_true(json_is_array(content));
	t0 = json_array_get(content, 0);
	fx_str_eq(json_string_value(json_object_get(t0, "token")), "Hello", "token", "logprobs");
	assert_int_equal(json_array_size(json_object_get(t0, "top_logprobs")), 2);
	probe_answer_release(&a);
	fx_release(&x);

	/* Streamed: the per-chunk content[] arrays are concatenated. */
	fx_load(&x, "openai-chat/chat-stream-logprobs.sse", NULL, 200);
	p.stream = 1;
	fx_parse(&probe_openai, &chat_target, &p, &x, &a);
	assert_int_equal(a.fault, PROBE_OK);
	content = json_object_get(a.logprobs, "content");
	assert_int_equal(json_array_size(content), 2);
	fx_str_eq(json_string_value(json_object_get(json_array_get(content, 0), "token")), "Foo",
		  "token 0", "stream logprobs");
	fx_str_eq(json_string_value(json_object_get(json_array_get(content, 1), "token")), "!",
		  "token 1", "stream logprobs");
	probe_answer_release(&a);
	fx_release(&x);
}

static const struct fx_raw raw_cases[] = {
	{ "no choices", 200, "{\"id\":\"x\",\"model\":\"m\"}", NULL, PROBE_FAULT_MALFORMED, -1,
	  NULL, "missing choices", NULL },
	{ "empty choices", 200, "{\"choices\":[]}", NULL, PROBE_FAULT_MALFORMED, -1, NULL,
	  "missing choices[0]", NULL },
	{ "no message", 200, "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}", NULL,
	  PROBE_FAULT_MALFORMED, -1, NULL, "missing choices[0].message", NULL },
	{ "content not string", 200, "{\"choices\":[{\"message\":{\"content\":7}}]}", NULL,
	  PROBE_FAULT_MALFORMED, -1, NULL, "choices[0].message.content: expected a string or null",
	  NULL },
	{ "not json", 200, "<html>bad gateway</html>", NULL, PROBE_FAULT_MALFORMED, -1, NULL,
	  "body is not a json object", NULL },
	{ "empty body", 200, "", NULL, PROBE_FAULT_MALFORMED, -1, NULL, "body is not a json object",
	  NULL },
	{ "401", 401,
	  "{\"error\":{\"message\":\"Incorrect API key provided: sk-te****st.\",\"type\":"
	  "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
	  NULL, PROBE_FAULT_AUTH, -1, "invalid_api_key", "Incorrect API key provided: sk-te****st.",
	  NULL },
	{ "429 retry-after", 429,
	  "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,"
	  "\"code\":\"rate_limit_exceeded\"}}",
	  "retry-after: 7", PROBE_FAULT_RATE_LIMIT, 7000, "rate_limit_exceeded",
	  "Rate limit reached", NULL },
	{ "429 retry-after-ms wins", 429, "{\"error\":{\"message\":\"slow down\"}}",
	  "retry-after-ms: 250", PROBE_FAULT_RATE_LIMIT, 250, NULL, "slow down", NULL },
	{ "429 delay in message", 429,
	  "{\"error\":{\"message\":\"Rate limit reached for gpt-4o on tokens per min (TPM): Limit "
	  "30000, Used 29000, Requested 1200. Please try again in 45.19s.\",\"type\":\"tokens\","
	  "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
	  NULL, PROBE_FAULT_RATE_LIMIT, 45190, "rate_limit_exceeded", NULL, NULL },
	{ "429 quota is not retryable", 429,
	  "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
	  "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}",
	  NULL, PROBE_FAULT_AUTH, -1, "insufficient_quota", "You exceeded your current quota",
	  NULL },
	{ "500", 500,
	  "{\"error\":{\"message\":\"The server had an error while processing your request\","
	  "\"type\":\"server_error\",\"param\":null,\"code\":null}}",
	  NULL, PROBE_FAULT_SERVER, -1, "server_error",
	  "The server had an error while processing your request", NULL },
	{ "503", 503, "{\"error\":{\"message\":\"The server is overloaded or not ready yet.\"}}",
	  NULL, PROBE_FAULT_OVERLOADED, -1, NULL, "The server is overloaded or not ready yet.",
	  NULL },
	{ "llama.cpp int code", 400,
	  "{\"error\":{\"code\":400,\"message\":\"context too long\",\"type\":"
	  "\"exceed_context_size_error\"}}",
	  NULL, PROBE_FAULT_REQUEST, -1, "exceed_context_size_error", "context too long", NULL },
	{ "vllm flat error", 404,
	  "{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"type\":"
	  "\"NotFoundError\",\"param\":null,\"code\":404}",
	  NULL, PROBE_FAULT_REQUEST, -1, "NotFoundError", "The model `x` does not exist.", NULL },
	{ "mistral detail", 401, "{\"detail\":\"Unauthorized\"}", NULL, PROBE_FAULT_AUTH, -1, NULL,
	  "Unauthorized", NULL },
	{ "ollama string error", 404, "{\"error\":\"model 'x' not found\"}", NULL,
	  PROBE_FAULT_REQUEST, -1, NULL, "model 'x' not found", NULL },
	{ "html 502", 502, "<html>Bad gateway</html>", NULL, PROBE_FAULT_SERVER, -1, NULL,
	  "http status 502", NULL },
	{ "content filter", 400,
	  "{\"error\":{\"message\":\"filtered\",\"type\":null,\"param\":\"prompt\",\"code\":"
	  "\"content_filter\",\"status\":400}}",
	  NULL, PROBE_FAULT_CONTENT_FILTER, -1, "content_filter", "filtered", NULL },
	{ "output filter is a block", 200,
	  "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	  "\"assistant\",\"content\":null},\"finish_reason\":\"content_filter\"}]}",
	  NULL, PROBE_OK, -1, NULL, NULL, "content_filter" },
	/* Streams that stop early or carry an error are faults, not answers. */
	{ "stream truncated", 200,
	  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
	  "\"Hel\"},\"finish_reason\":null}]}\n\n",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, NULL,
	  "stream ended before data: [DONE]", NULL },
	{ "stream cut mid-event", 200,
	  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
	  "\"Hel",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, NULL,
	  "stream event 0: data is not a json object", NULL },
	{ "stream error event", 200,
	  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
	  "\"Hel\"}}]}\n\ndata: {\"error\":{\"message\":\"upstream failed\",\"type\":"
	  "\"server_error\"}}\n\n",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, "server_error",
	  "upstream failed", NULL },
	{ "stream without finish", 200,
	  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
	  "\"Hel\"}}]}\n\ndata: [DONE]\n\n",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, NULL,
	  "stream ended without a finish_reason", NULL },
	{ "empty stream", 200, "", "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, NULL,
	  "stream carried no events", NULL },
};

static void test_chat_raw(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(raw_cases); i++)
		fx_run_raw(&probe_openai, &chat_target, &raw_cases[i]);
}

static const char *req_header(const struct probe_request *r, const char *name)
{
	return probe_header_get(r->headers, r->n_headers, name);
}

static void test_chat_build(void **state)
{
	static const struct probe_message msgs[] = {
		{ "system", "Answer in JSON." },
		{ "user", "What is 6*7?" },
	};
	json_t *schema = json_pack("{s:s, s:{s:{s:s}}}", "type", "object", "properties", "area",
				   "type", "integer");
	struct probe_prompt p = {
		.messages = msgs,
		.n_messages = 2,
		.temperature = 0.5,
		.max_tokens = 64,
		.has_seed = 1,
		.seed = 42,
		.logprobs = 1,
		.top_logprobs = 3,
		.schema = schema,
		.stream = 1,
	};
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_openai.build(&chat_target, &p, &req, &err), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, "https://api.openai.com/v1/chat/completions");
	assert_string_equal(req_header(&req, "authorization"), "Bearer sk-test");
	assert_string_equal(req_header(&req, "content-type"), "application/json");
	assert_string_equal(req_header(&req, "accept"), "text/event-stream");
	body = json_loadb(req.body, req.body_len, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "model")), "gpt-4o");
	assert_int_equal(json_array_size(json_object_get(body, "messages")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(body, "messages"), 1), "conten"
											  "t")),
			    "What is 6*7?");
	assert_true(json_real_value(json_object_get(body, "temperature")) == 0.5);
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 64);
	assert_int_equal(json_integer_value(json_object_get(body, "seed")), 42);
	assert_true(json_is_true(json_object_get(body, "logprobs")));
	assert_int_equal(json_integer_value(json_object_get(body, "top_logprobs")), 3);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(body, "response_format"), "typ"
											    "e")),
		"json_schema");
	assert_true(json_equal(
		json_object_get(json_object_get(json_object_get(body, "response_format"), "json_"
											  "schema"),
				"schema"),
		schema));
	assert_true(json_is_true(json_object_get(body, "stream")));
	assert_true(json_is_true(json_object_get(json_object_get(body, "stream_options"), "include_"
											  "usag"
											  "e")));
	json_decref(body);
	probe_request_release(&req);

	/* Defaults are left to the vendor; a keyless local server gets no authorization. */
	{
		struct probe_target local = { .base_url = "http://127.0.0.1:8080/v1",
					      .model = "m" };
		struct probe_prompt q = { .messages = msgs + 1,
					  .n_messages = 1,
					  .temperature = -1 };

		probe_request_init(&req);
		assert_int_equal(probe_openai.build(&local, &q, &req, &err), 0);
		assert_null(req_header(&req, "authorization"));
		assert_string_equal(req_header(&req, "accept"), "application/json");
		body = json_loadb(req.body, req.body_len, 0, NULL);
		assert_null(json_object_get(body, "temperature"));
		assert_null(json_object_get(body, "max_tokens"));
		assert_null(json_object_get(body, "seed"));
		assert_null(json_object_get(body, "logprobs"));
		assert_null(json_object_get(body, "response_format"));
		assert_null(json_object_get(body, "stream"));
		json_decref(body);
		probe_request_release(&req);
	}
	json_decref(schema);
}

static const struct probe_target responses_target = {
	.base_url = "https://api.openai.com/v1",
	.model = "gpt-5",
	.api_key = "sk-test",
	.api = "responses",
};

/* Responses API: finish_reason is incomplete_details.reason or else the status. */
static const struct fx_case responses_cases[] = {
	{ "openai-responses/responses-basic-text.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "I can't provide real-time updates, but you can easily check ",
	  245,
	  NULL,
	  "gpt-4o-mini-2024-07-18",
	  NULL,
	  "resp_689a0b2545288193953c892439b42e2800b2e36c65a1fd4b",
	  "completed",
	  14,
	  50,
	  64,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-responses/responses-function-call.spec-example.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gpt-5.4",
	  NULL,
	  "resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0",
	  "completed",
	  291,
	  23,
	  314,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-responses/responses-reasoning.spec-example.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "The classic tongue twister...",
	  29,
	  NULL,
	  "o1-2024-12-17",
	  NULL,
	  "resp_67ccd7eca01881908ff0b5146584e408072912b2993db808",
	  "completed",
	  81,
	  1035,
	  1116,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "derived/openai-responses/cassette-responses-moderation-block-policy.0.body",
	  "derived/openai-responses/cassette-responses-moderation-block-policy.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "I'm really sorry you're feeling this much anger. I can't hel",
	  1144,
	  NULL,
	  "gpt-5-2025-08-07",
	  NULL,
	  "resp_0389eb20a98f6e92006a6103ba175481a3a46beaea833ed28d",
	  "completed",
	  12,
	  1351,
	  1363,
	  NULL,
	  NULL,
	  1,
	  "moderation input flagged: harassment,harassment/threatening,violence" },
	{ "openai-responses/responses-stream-text.spec-example.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "Hi there! How can I assist you today?",
	  37,
	  NULL,
	  "gpt-5.4",
	  NULL,
	  "resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654",
	  "completed",
	  37,
	  11,
	  48,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "openai-responses/responses-stream-gpt5-reasoning-moderation.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "Paris.",
	  6,
	  NULL,
	  "gpt-5-2025-08-07",
	  NULL,
	  "resp_06fe400e17c64daf006a5fa35305c0819c9417367f9fcf2e5e",
	  "completed",
	  13,
	  59,
	  72,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ "derived/openai-responses/cassette-responses-stream-gpt5-moderation.0.body",
	  "derived/openai-responses/cassette-responses-stream-gpt5-moderation.0.headers.json",
	  0,
	  1,
	  0,
	  PROBE_OK,
	  "Paris.",
	  6,
	  NULL,
	  "gpt-5-2025-08-07",
	  NULL,
	  "resp_06fe400e17c64daf006a5fa35305c0819c9417367f9fcf2e5e",
	  "completed",
	  13,
	  59,
	  72,
	  NULL,
	  NULL,
	  0,
	  NULL },
};

static void test_responses_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(responses_cases); i++)
		fx_check(&probe_openai, &responses_target, &responses_cases[i]);
}

/* A moderation policy that flags the input is the vendor's safety layer: blocked, with the
 * flagged categories; an unflagged moderation result blocks nothing. */
static void test_responses_moderation(void **state)
{
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;
	struct fx x;

	(void)state;
	fx_load(&x, "derived/openai-responses/cassette-responses-moderation-block-policy.0.body",
		NULL, 200);
	fx_parse(&probe_openai, &responses_target, &p, &x, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_int_equal(a.blocked, 1);
	assert_int_equal(a.refused, 0);
	fx_str_eq(a.block_reason,
		  "moderation input flagged: harassment,harassment/threatening,violence",
		  "block_reason", "moderation");
	probe_answer_release(&a);
	fx_release(&x);

	fx_load(&x, "openai-responses/responses-stream-gpt5-reasoning-moderation.sse", NULL, 200);
	p.stream = 1;
	fx_parse(&probe_openai, &responses_target, &p, &x, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_int_equal(a.blocked, 0);
	assert_null(a.block_reason);
	probe_answer_release(&a);
	fx_release(&x);
}

static const struct fx_raw responses_raw[] = {
	{ "no output", 200, "{\"id\":\"r\",\"status\":\"completed\",\"model\":\"m\"}", NULL,
	  PROBE_FAULT_MALFORMED, -1, NULL, "missing output", NULL },
	{ "no status", 200, "{\"id\":\"r\",\"output\":[],\"model\":\"m\"}", NULL,
	  PROBE_FAULT_MALFORMED, -1, NULL, "missing status", NULL },
	{ "failed", 200,
	  "{\"id\":\"r\",\"status\":\"failed\",\"output\":[],\"error\":{\"code\":\"server_error\","
	  "\"message\":\"boom\"}}",
	  NULL, PROBE_FAULT_SERVER, -1, "server_error", "boom", NULL },
	{ "incomplete is an answer", 200,
	  "{\"id\":\"r\",\"status\":\"incomplete\",\"model\":\"m\",\"incomplete_details\":{"
	  "\"reason\":\"content_filter\"},\"output\":[]}",
	  NULL, PROBE_OK, -1, NULL, NULL, "content_filter" },
	{ "stream without completed", 200,
	  "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{}}\n\n"
	  "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
	  "\"delta\":\"Hi\"}\n\n",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, NULL,
	  "stream ended before response.completed", NULL },
	{ "stream failed", 200,
	  "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":"
	  "\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"gone\"}}}\n\n",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, "server_error", "gone", NULL },
	{ "stream error event", 200,
	  "event: error\ndata: {\"type\":\"error\",\"code\":\"ERR_SOMETHING\",\"message\":"
	  "\"Something went wrong\",\"param\":null}\n\n",
	  "content-type: text/event-stream", PROBE_FAULT_STREAM, -1, "ERR_SOMETHING",
	  "Something went wrong", NULL },
};

static void test_responses_raw(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(responses_raw); i++)
		fx_run_raw(&probe_openai, &responses_target, &responses_raw[i]);
}

static void test_responses_build(void **state)
{
	static const struct probe_message msgs[] = {
		{ "system", "Be brief." },
		{ "user", "Capital of France?" },
	};
	json_t *schema = json_pack("{s:s}", "type", "object");
	struct probe_prompt p = { .messages = msgs,
				  .n_messages = 2,
				  .temperature = 0,
				  .max_tokens = 100,
				  .logprobs = 1,
				  .top_logprobs = 2,
				  .schema = schema };
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body, *input;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_openai.build(&responses_target, &p, &req, &err), 0);
	assert_string_equal(req.url, "https://api.openai.com/v1/responses");
	body = json_loadb(req.body, req.body_len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "instructions")), "Be brief.");
	input = json_object_get(body, "input");
	assert_int_equal(json_array_size(input), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(input, 0), "role")),
			    "user");
	assert_int_equal(json_integer_value(json_object_get(body, "max_output_tokens")), 100);
	assert_int_equal(json_integer_value(json_object_get(body, "top_logprobs")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(body, "include"), 0)),
			    "message.output_text.logprobs");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(body, "text"), "format"), "typ"
											      "e")),
			    "json_schema");
	assert_true(json_is_false(json_object_get(body, "store")));
	json_decref(body);
	probe_request_release(&req);

	/* No seed in the Responses API: asking for one is a suite error, not a silent drop. */
	p.has_seed = 1;
	probe_request_init(&req);
	assert_int_equal(probe_openai.build(&responses_target, &p, &req, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	assert_string_equal(err.msg, "the responses api does not take a seed");
	probe_request_release(&req);
	json_decref(schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chat_fixtures),
		cmocka_unit_test(test_chat_headers_kept),
		cmocka_unit_test(test_chat_logprobs),
		cmocka_unit_test(test_chat_raw),
		cmocka_unit_test(test_chat_build),
		cmocka_unit_test(test_responses_fixtures),
		cmocka_unit_test(test_responses_moderation),
		cmocka_unit_test(test_responses_raw),
		cmocka_unit_test(test_responses_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
