/* test_probe_openai.c: the "openai" probe on every real Chat Completions / Responses response
 * in tests/fixtures/vendors (OpenAI, Groq, DeepSeek, Mistral), its requests, and its faults. */
#include "test_probe_fixture.h"

static const struct fx_case chat_cases[] = {
	{ .body = "openai-chat/chat-basic-text.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "I'm unable to provide real-time weather updates. To get the ",
	  .text_len = 198,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_b40fb1c6fb",
	  .id = "chatcmpl-ABfvaueLEMLNYbT8YzpJxsmiQ6HSY",
	  .finish = "stop",
	  .prompt = 14,
	  .completion = 37,
	  .total = 51 },
	{ .body = "openai-chat/chat-finish-reason-length.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "{\"",
	  .text_len = 2,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_7568d46099",
	  .id = "chatcmpl-ABfvvX7eB1KsfeZj8VcF3z7G7SbaA",
	  .finish = "length",
	  .prompt = 79,
	  .completion = 1,
	  .total = 80 },
	{ .body = "openai-chat/chat-gpt-4.1-recorded.json",
	  .headers = "openai-chat/chat-gpt-4.1-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello, world! \xF0\x9F\x91\x8B How can I help you today?",
	  .text_len = 44,
	  .model = "gpt-4.1-2025-04-14",
	  .fingerprint = "fp_daf5fcc80a",
	  .id = "chatcmpl-C6ytqoS5qECdjV3EhnrEANIEcyvgY",
	  .finish = "stop",
	  .prompt = 21,
	  .completion = 13,
	  .total = 34 },
	{ .body = "openai-chat/chat-gpt-5.1-recorded.json",
	  .headers = "openai-chat/chat-gpt-5.1-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello! How can I help you today?",
	  .text_len = 32,
	  .model = "gpt-5.1-chat-latest",
	  .id = "chatcmpl-CcWj9dBmozYrIh53F5tkednY14t4r",
	  .finish = "stop",
	  .prompt = 20,
	  .completion = 18,
	  .total = 38 },
	{ .body = "openai-chat/chat-json-schema-recorded.json",
	  .headers = "openai-chat/chat-json-schema-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "{\"area\":42}",
	  .text_len = 11,
	  .model = "gpt-5.1-chat-latest",
	  .id = "chatcmpl-CcWjhJ3qP05CLu9YpiImmkM8ZlYjs",
	  .finish = "stop",
	  .prompt = 53,
	  .completion = 18,
	  .total = 71 },
	{ .body = "openai-chat/chat-logprobs-top2.spec-example.json",
	  .status = 200,
	  .logprobs = 1,
	  .fault = PROBE_OK,
	  .text = "Hello! How can I assist you today?",
	  .text_len = 34,
	  .model = "gpt-4o-mini",
	  .id = "chatcmpl-123",
	  .finish = "stop",
	  .prompt = 9,
	  .completion = 9,
	  .total = 18 },
	{ .body = "openai-chat/chat-refusal-structured-output.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .refusal = "I'm very sorry, but I can't assist with that.",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfvwoKVWPQj2UPlAcAKM7s40GsRx",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 12,
	  .total = 91 },
	{ .body = "openai-chat/chat-structured-output-json-schema.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "{\"city\":\"San Francisco\",\"temperature\":65,\"units\":\"f\"}",
	  .text_len = 53,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfvbtVnTu5DeC4EFnRYj8mtfOM99",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 14,
	  .total = 93 },
	{ .body = "openai-chat/chat-structured-output-n3-choices.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "{\"city\":\"San Francisco\",\"temperature\":64,\"units\":\"f\"}",
	  .text_len = 53,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_b40fb1c6fb",
	  .id = "chatcmpl-ABfvp8qzboW92q8ONDF4DPHlI7ckC",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 44,
	  .total = 123 },
	{ .body = "openai-chat/chat-tool-call-functions.spec-example.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gpt-4o-mini",
	  .id = "chatcmpl-abc123",
	  .finish = "tool_calls",
	  .prompt = 82,
	  .completion = 17,
	  .total = 99 },
	{ .body = "openai-chat/chat-tool-call-single.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_e45dabd248",
	  .id = "chatcmpl-ABfvx6Z4dchiW2nya1N8KMsHFrQRE",
	  .finish = "tool_calls",
	  .prompt = 76,
	  .completion = 24,
	  .total = 100 },
	{ .body = "openai-chat/chat-tool-calls-parallel.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_b40fb1c6fb",
	  .id = "chatcmpl-ABfvyvfNWKcl7Ohqos4UFrmMs1v4C",
	  .finish = "tool_calls",
	  .prompt = 149,
	  .completion = 60,
	  .total = 209 },
	{ .body = "openai-compatible/deepseek-chat-completions-recorded.json",
	  .headers = "openai-compatible/deepseek-chat-completions-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello! How can I assist you today?",
	  .text_len = 34,
	  .model = "deepseek-v4-pro",
	  .fingerprint = "fp_feb633d1f5_prod0820_fp8_kvcache",
	  .id = "b55e6172-d379-4806-b4e0-d21dd4b243b7",
	  .finish = "stop",
	  .prompt = 14,
	  .completion = 9,
	  .total = 23 },
	{ .body = "openai-compatible/groq-chat-completions-recorded.json",
	  .headers = "openai-compatible/groq-chat-completions-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello! How can I help you today?",
	  .text_len = 32,
	  .model = "openai/gpt-oss-120b",
	  .fingerprint = "fp_05df423bab",
	  .id = "chatcmpl-59364eff-df3b-4826-b4d6-1562b9cdf2be",
	  .finish = "stop",
	  .prompt = 30,
	  .completion = 10,
	  .total = 40 },
	{ .body = "mistral/chat-completions-recorded.json",
	  .headers = "mistral/chat-completions-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello, world! \xF0\x9F\x8C\x8D\xE2\x9C\xA8 How can I brighten",
	  .text_len = 217,
	  .model = "mistral-large-latest",
	  .id = "d0a4a06db45446809c07ca9d1cc4158d",
	  .finish = "stop",
	  .prompt = 7,
	  .completion = 61,
	  .total = 68 },
	{ .body = "derived/openai-chat/cassette-400-invalid-request-param.0.body",
	  .headers = "derived/openai-chat/cassette-400-invalid-request-param.0.headers.json",
	  .fault = PROBE_FAULT_REQUEST,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "invalid_request_error",
	  .error_msg = "Web search options not supported with this model." },
	/* Streams (SSE): text assembled from choice 0's deltas, usage from the last chunk. */
	{ .body = "openai-chat/chat-stream-basic-with-usage.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "I'm unable to provide real-time weather updates. To get the ",
	  .text_len = 159,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL",
	  .finish = "stop",
	  .prompt = 14,
	  .completion = 30,
	  .total = 44 },
	{ .body = "openai-chat/chat-stream-finish-length.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "{\"",
	  .text_len = 2,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_7568d46099",
	  .id = "chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh",
	  .finish = "length",
	  .prompt = 79,
	  .completion = 1,
	  .total = 80 },
	{ .body = "openai-chat/chat-stream-logprobs.sse",
	  .status = 200,
	  .stream = 1,
	  .logprobs = 1,
	  .fault = PROBE_OK,
	  .text = "Foo!",
	  .text_len = 4,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfw5EzoqmfXjnnsXY7Yd8OC6tb3c",
	  .finish = "stop",
	  .prompt = 9,
	  .completion = 2,
	  .total = 11 },
	{ .body = "openai-chat/chat-stream-n3-choices.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "{\"city\":\"San Francisco\",\"temperature\":65,\"units\":\"f\"}",
	  .text_len = 53,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_b40fb1c6fb",
	  .id = "chatcmpl-ABfw2KKFuVXmEJgVwYfBvejMAdWtq",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 42,
	  .total = 121 },
	{ .body = "openai-chat/chat-stream-parallel-tool-calls.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfwAwrNePHUgBBezonVC6MX3zd63",
	  .finish = "tool_calls",
	  .prompt = 149,
	  .completion = 60,
	  .total = 209 },
	{ .body = "openai-chat/chat-stream-refusal-logprobs.sse",
	  .status = 200,
	  .stream = 1,
	  .logprobs = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .refusal = "I'm very sorry, but I can't assist with that.",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfw5GEVqPbLY576l46FZDQoNJ2KC",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 12,
	  .total = 91 },
	{ .body = "openai-chat/chat-stream-refusal.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .refusal = "I'm sorry, I can't assist with that request.",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfw4IfQfCCrcuybFm41wJyxjbkz7",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 11,
	  .total = 90 },
	{ .body = "openai-chat/chat-stream-structured-output-json-schema.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "{\"city\":\"San Francisco\",\"temperature\":61,\"units\":\"f\"}",
	  .text_len = 53,
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_5050236cbd",
	  .id = "chatcmpl-ABfw1e5abtU8OwGr15vOreYVb2MiF",
	  .finish = "stop",
	  .prompt = 79,
	  .completion = 14,
	  .total = 93 },
	{ .body = "openai-chat/chat-stream-tool-call.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gpt-4o-2024-08-06",
	  .fingerprint = "fp_7568d46099",
	  .id = "chatcmpl-ABfw8AOXnoa2kzy11vVTSjuQhHCQr",
	  .finish = "tool_calls",
	  .prompt = 76,
	  .completion = 24,
	  .total = 100 },
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
	{ .name = "no choices",
	  .status = 200,
	  .body = "{\"id\":\"x\",\"model\":\"m\"}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing choices" },
	{ .name = "empty choices",
	  .status = 200,
	  .body = "{\"choices\":[]}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing choices[0]" },
	{ .name = "no message",
	  .status = 200,
	  .body = "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing choices[0].message" },
	{ .name = "content not string",
	  .status = 200,
	  .body = "{\"choices\":[{\"message\":{\"content\":7}}]}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "choices[0].message.content: expected a string or null" },
	{ .name = "not json",
	  .status = 200,
	  .body = "<html>bad gateway</html>",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "body is not a json object" },
	{ .name = "empty body",
	  .status = 200,
	  .body = "",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "body is not a json object" },
	{ .name = "401",
	  .status = 401,
	  .body = "{\"error\":{\"message\":\"Incorrect API key provided: sk-te****st.\",\"type\":"
		  "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
	  .fault = PROBE_FAULT_AUTH,
	  .retry_after_ms = -1,
	  .error_type = "invalid_api_key",
	  .error_msg = "Incorrect API key provided: sk-te****st." },
	{ .name = "429 retry-after",
	  .status = 429,
	  .body = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,"
		  "\"code\":\"rate_limit_exceeded\"}}",
	  .header = "retry-after: 7",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 7000,
	  .error_type = "rate_limit_exceeded",
	  .error_msg = "Rate limit reached" },
	{ .name = "429 retry-after-ms wins",
	  .status = 429,
	  .body = "{\"error\":{\"message\":\"slow down\"}}",
	  .header = "retry-after-ms: 250",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 250,
	  .error_msg = "slow down" },
	{ .name = "429 delay in message",
	  .status = 429,
	  .body = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o on tokens per min (TPM): Limit "
		  "30000, Used 29000, Requested 1200. Please try again in 45.19s.\",\"type\":\"tokens\","
		  "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 45190,
	  .error_type = "rate_limit_exceeded" },
	{ .name = "429 quota is not retryable",
	  .status = 429,
	  .body = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
		  "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}",
	  .fault = PROBE_FAULT_AUTH,
	  .retry_after_ms = -1,
	  .error_type = "insufficient_quota",
	  .error_msg = "You exceeded your current quota" },
	{ .name = "500",
	  .status = 500,
	  .body = "{\"error\":{\"message\":\"The server had an error while processing your request\","
		  "\"type\":\"server_error\",\"param\":null,\"code\":null}}",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_type = "server_error",
	  .error_msg = "The server had an error while processing your request" },
	{ .name = "503",
	  .status = 503,
	  .body = "{\"error\":{\"message\":\"The server is overloaded or not ready yet.\"}}",
	  .fault = PROBE_FAULT_OVERLOADED,
	  .retry_after_ms = -1,
	  .error_msg = "The server is overloaded or not ready yet." },
	{ .name = "llama.cpp int code",
	  .status = 400,
	  .body = "{\"error\":{\"code\":400,\"message\":\"context too long\",\"type\":"
		  "\"exceed_context_size_error\"}}",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_type = "exceed_context_size_error",
	  .error_msg = "context too long" },
	{ .name = "vllm flat error",
	  .status = 404,
	  .body = "{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"type\":"
		  "\"NotFoundError\",\"param\":null,\"code\":404}",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_type = "NotFoundError",
	  .error_msg = "The model `x` does not exist." },
	{ .name = "mistral detail",
	  .status = 401,
	  .body = "{\"detail\":\"Unauthorized\"}",
	  .fault = PROBE_FAULT_AUTH,
	  .retry_after_ms = -1,
	  .error_msg = "Unauthorized" },
	{ .name = "ollama string error",
	  .status = 404,
	  .body = "{\"error\":\"model 'x' not found\"}",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_msg = "model 'x' not found" },
	{ .name = "html 502",
	  .status = 502,
	  .body = "<html>Bad gateway</html>",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_msg = "http status 502" },
	{ .name = "content filter",
	  .status = 400,
	  .body = "{\"error\":{\"message\":\"filtered\",\"type\":null,\"param\":\"prompt\",\"code\":"
		  "\"content_filter\",\"status\":400}}",
	  .fault = PROBE_FAULT_CONTENT_FILTER,
	  .retry_after_ms = -1,
	  .error_type = "content_filter",
	  .error_msg = "filtered" },
	{ .name = "output filter is a block",
	  .status = 200,
	  .body = "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
		  "\"assistant\",\"content\":null},\"finish_reason\":\"content_filter\"}]}",
	  .fault = PROBE_OK,
	  .retry_after_ms = -1,
	  .block_reason = "content_filter" },
	/* Streams that stop early or carry an error are faults, not answers. */
	{ .name = "stream truncated",
	  .status = 200,
	  .body = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
		  "\"Hel\"},\"finish_reason\":null}]}\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream ended before data: [DONE]" },
	{ .name = "stream cut mid-event",
	  .status = 200,
	  .body = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
		  "\"Hel",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "the stream was cut off in event 0 (the body ended inside it)" },
	{ .name = "stream event not json",
	  .status = 200,
	  .body = "data: {\"id\":\"c\"\n\ndata: [DONE]\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream event 0: data is not a json object" },
	{ .name = "stream error event",
	  .status = 200,
	  .body = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
		  "\"Hel\"}}]}\n\ndata: {\"error\":{\"message\":\"upstream failed\",\"type\":"
		  "\"server_error\"}}\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_type = "server_error",
	  .error_msg = "upstream failed" },
	{ .name = "stream without finish",
	  .status = 200,
	  .body = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
		  "\"Hel\"}}]}\n\ndata: [DONE]\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream ended without a finish_reason" },
	{ .name = "empty stream",
	  .status = 200,
	  .body = "",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream carried no events" },
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
	{ .body = "openai-responses/responses-basic-text.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "I can't provide real-time updates, but you can easily check ",
	  .text_len = 245,
	  .model = "gpt-4o-mini-2024-07-18",
	  .id = "resp_689a0b2545288193953c892439b42e2800b2e36c65a1fd4b",
	  .finish = "completed",
	  .prompt = 14,
	  .completion = 50,
	  .total = 64 },
	{ .body = "openai-responses/responses-function-call.spec-example.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gpt-5.4",
	  .id = "resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0",
	  .finish = "completed",
	  .prompt = 291,
	  .completion = 23,
	  .total = 314 },
	{ .body = "openai-responses/responses-reasoning.spec-example.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "The classic tongue twister...",
	  .text_len = 29,
	  .model = "o1-2024-12-17",
	  .id = "resp_67ccd7eca01881908ff0b5146584e408072912b2993db808",
	  .finish = "completed",
	  .prompt = 81,
	  .completion = 1035,
	  .total = 1116 },
	{ .body = "derived/openai-responses/cassette-responses-moderation-block-policy.0.body",
	  .headers =
		  "derived/openai-responses/cassette-responses-moderation-block-policy.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "I'm really sorry you're feeling this much anger. I can't hel",
	  .text_len = 1144,
	  .model = "gpt-5-2025-08-07",
	  .id = "resp_0389eb20a98f6e92006a6103ba175481a3a46beaea833ed28d",
	  .finish = "completed",
	  .prompt = 12,
	  .completion = 1351,
	  .total = 1363,
	  .blocked = 1,
	  .block_reason = "moderation input flagged: harassment,harassment/threatening,violence" },
	{ .body = "openai-responses/responses-stream-text.spec-example.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "Hi there! How can I assist you today?",
	  .text_len = 37,
	  .model = "gpt-5.4",
	  .id = "resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654",
	  .finish = "completed",
	  .prompt = 37,
	  .completion = 11,
	  .total = 48 },
	{ .body = "openai-responses/responses-stream-gpt5-reasoning-moderation.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "Paris.",
	  .text_len = 6,
	  .model = "gpt-5-2025-08-07",
	  .id = "resp_06fe400e17c64daf006a5fa35305c0819c9417367f9fcf2e5e",
	  .finish = "completed",
	  .prompt = 13,
	  .completion = 59,
	  .total = 72 },
	{ .body = "derived/openai-responses/cassette-responses-stream-gpt5-moderation.0.body",
	  .headers =
		  "derived/openai-responses/cassette-responses-stream-gpt5-moderation.0.headers.json",
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "Paris.",
	  .text_len = 6,
	  .model = "gpt-5-2025-08-07",
	  .id = "resp_06fe400e17c64daf006a5fa35305c0819c9417367f9fcf2e5e",
	  .finish = "completed",
	  .prompt = 13,
	  .completion = 59,
	  .total = 72 },
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
	{ .name = "no output",
	  .status = 200,
	  .body = "{\"id\":\"r\",\"status\":\"completed\",\"model\":\"m\"}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing output" },
	{ .name = "no status",
	  .status = 200,
	  .body = "{\"id\":\"r\",\"output\":[],\"model\":\"m\"}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing status" },
	{ .name = "failed",
	  .status = 200,
	  .body = "{\"id\":\"r\",\"status\":\"failed\",\"output\":[],\"error\":{\"code\":\"server_error\","
		  "\"message\":\"boom\"}}",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_type = "server_error",
	  .error_msg = "boom" },
	{ .name = "incomplete is an answer",
	  .status = 200,
	  .body = "{\"id\":\"r\",\"status\":\"incomplete\",\"model\":\"m\",\"incomplete_details\":{"
		  "\"reason\":\"content_filter\"},\"output\":[]}",
	  .fault = PROBE_OK,
	  .retry_after_ms = -1,
	  .block_reason = "content_filter" },
	{ .name = "stream without completed",
	  .status = 200,
	  .body = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{}}\n\n"
		  "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
		  "\"delta\":\"Hi\"}\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream ended before response.completed" },
	{ .name = "stream failed",
	  .status = 200,
	  .body = "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":"
		  "\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"gone\"}}}\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_type = "server_error",
	  .error_msg = "gone" },
	{ .name = "stream error event",
	  .status = 200,
	  .body = "event: error\ndata: {\"type\":\"error\",\"code\":\"ERR_SOMETHING\",\"message\":"
		  "\"Something went wrong\",\"param\":null}\n\n",
	  .header = "content-type: text/event-stream",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_type = "ERR_SOMETHING",
	  .error_msg = "Something went wrong" },
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

/* Tool calls from every chat shape: one call, parallel calls, the spec example (arguments
 * with line breaks), streamed fragments concatenated per index, and arguments that are not
 * JSON kept as text with a flag. */
static const struct fx_calls_case chat_call_cases[] = {
	{ .body = "openai-chat/chat-tool-call-single.json",
	  .calls = "[{\"name\":\"GetWeatherArgs\",\"arguments\":{\"city\":\"Edinburgh\","
		   "\"country\":\"UK\",\"units\":\"c\"}}]" },
	{ .body = "openai-chat/chat-tool-calls-parallel.json",
	  .calls = "[{\"name\":\"GetWeatherArgs\",\"arguments\":{\"city\":\"Edinburgh\","
		   "\"country\":\"GB\",\"units\":\"c\"}},{\"name\":\"get_stock_price\","
		   "\"arguments\":{\"ticker\":\"AAPL\",\"exchange\":\"NASDAQ\"}}]" },
	{ .body = "openai-chat/chat-tool-call-functions.spec-example.json",
	  .calls = "[{\"name\":\"get_current_weather\",\"arguments\":{\"location\":"
		   "\"Boston, MA\"}}]" },
	{ .body = "openai-chat/chat-stream-tool-call.sse",
	  .stream = 1,
	  .calls = "[{\"name\":\"GetWeatherArgs\",\"arguments\":{\"city\":\"Edinburgh\","
		   "\"country\":\"UK\",\"units\":\"c\"}}]" },
	{ .body = "openai-chat/chat-stream-parallel-tool-calls.sse",
	  .stream = 1,
	  .calls = "[{\"name\":\"GetWeatherArgs\",\"arguments\":{\"city\":\"Edinburgh\","
		   "\"country\":\"GB\",\"units\":\"c\"}},{\"name\":\"get_stock_price\","
		   "\"arguments\":{\"ticker\":\"AAPL\",\"exchange\":\"NASDAQ\"}}]" },
	{ .body = "openai-chat/chat-basic-text.json", .calls = NULL },
	{ .body = "openai-chat/chat-stream-n3-choices.sse", .stream = 1, .calls = NULL },
	{ .raw = 1,
	  .body = "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
		  "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"x\",\"type\":"
		  "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\": 1\"}},"
		  "{\"id\":\"y\",\"type\":\"function\",\"function\":{\"name\":\"g\","
		  "\"arguments\":\"\"}}]},\"finish_reason\":\"tool_calls\"}]}",
	  .calls = "[{\"name\":\"f\",\"arguments\":\"{\\\"a\\\": 1\",\"arguments_invalid\":true},"
		   "{\"name\":\"g\",\"arguments\":{}}]" },
	/* n>1 streamed: only choice 0's calls (choice 1's interleave with other fragments) */
	{ .raw = 1,
	  .stream = 1,
	  .body = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
		  "{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\",\"function\":"
		  "{\"name\":\"f\",\"arguments\":\"\"}}]}}]}\n\n"
		  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":1,\"delta\":"
		  "{\"tool_calls\":[{\"index\":0,\"id\":\"b\",\"type\":\"function\",\"function\":"
		  "{\"name\":\"g\",\"arguments\":\"{\\\"z\\\":\"}}]}}]}\n\n"
		  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
		  "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"q\\\":\"}}]}}]}\n\n"
		  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":1,\"delta\":"
		  "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"2}\"}}]},"
		  "\"finish_reason\":\"tool_calls\"}]}\n\n"
		  "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
		  "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]},"
		  "\"finish_reason\":\"tool_calls\"}]}\n\n"
		  "data: [DONE]\n\n",
	  .calls = "[{\"name\":\"f\",\"arguments\":{\"q\":1}}]" },
};

static void test_chat_tool_calls(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(chat_call_cases); i++)
		fx_check_calls(&probe_openai, &chat_target, &chat_call_cases[i]);
}

static const struct probe_target responses_tools_target = {
	.base_url = "https://api.openai.com/v1",
	.model = "gpt-5",
	.api_key = "sk-test",
	.api = "responses",
};

/* Responses: output items of type function_call, plain and streamed (from the terminal
 * response.completed, or the output_item.done events when its output[] is empty). */
static const struct fx_calls_case responses_call_cases[] = {
	{ .body = "openai-responses/responses-function-call.spec-example.json",
	  .calls = "[{\"name\":\"get_current_weather\",\"arguments\":{\"location\":"
		   "\"Boston, MA\",\"unit\":\"celsius\"}}]" },
	{ .body = "openai-responses/responses-basic-text.json", .calls = NULL },
	{ .raw = 1,
	  .stream = 1,
	  .body = "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
		  "\"output_index\":0,\"item\":{\"type\":\"function_call\",\"name\":\"f\","
		  "\"arguments\":\"\"}}\n\n"
		  "event: response.function_call_arguments.delta\ndata: {\"type\":"
		  "\"response.function_call_arguments.delta\",\"output_index\":0,\"delta\":"
		  "\"{\\\"a\\\":\"}\n\n"
		  "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\","
		  "\"output_index\":0,\"item\":{\"type\":\"function_call\",\"name\":\"f\","
		  "\"arguments\":\"{\\\"a\\\":1}\"}}\n\n"
		  "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":"
		  "{\"id\":\"r\",\"status\":\"completed\",\"model\":\"gpt-5\",\"output\":[]}}\n\n",
	  .calls = "[{\"name\":\"f\",\"arguments\":{\"a\":1}}]" },
	{ .raw = 1,
	  .stream = 1,
	  .body = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":"
		  "{\"id\":\"r\",\"status\":\"completed\",\"model\":\"gpt-5\",\"output\":[{\"type\":"
		  "\"function_call\",\"call_id\":\"c1\",\"name\":\"g\",\"arguments\":"
		  "\"{\\\"b\\\":[1,2]}\"}]}}\n\n",
	  .calls = "[{\"name\":\"g\",\"arguments\":{\"b\":[1,2]}}]" },
};

static void test_responses_tool_calls(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(responses_call_cases); i++)
		fx_check_calls(&probe_openai, &responses_tools_target, &responses_call_cases[i]);
}

/* tools and tool_choice in both wire forms: chat nests the function, Responses flattens it. */
static void test_tool_build(void **state)
{
	struct fx_tools ft;
	json_t *body;

	(void)state;
	fx_tools_init(&ft);
	body = fx_build_body(&probe_openai, &chat_target, &ft.p);
	fx_body_has(
		body, "tools",
		"[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
		"\"Weather.\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
		"{\"type\":\"string\"}},\"required\":[\"city\"]}}}]");
	fx_body_has(body, "tool_choice", "\"auto\"");
	json_decref(body);
	fx_choice_has(&probe_openai, &chat_target, &ft, ft.named, "tool_choice",
		      "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
	body = fx_build_body(&probe_openai, &responses_tools_target, &ft.p);
	fx_body_has(body, "tools",
		    "[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":"
		    "\"Weather.\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
		    "{\"type\":\"string\"}},\"required\":[\"city\"]}}]");
	fx_body_has(body, "tool_choice", "{\"type\":\"function\",\"name\":\"get_weather\"}");
	json_decref(body);
	fx_choice_has(&probe_openai, &responses_tools_target, &ft, ft.required, "tool_choice",
		      "\"required\"");
	ft.p.tools = NULL; /* no tools: neither key */
	body = fx_build_body(&probe_openai, &chat_target, &ft.p);
	assert_null(json_object_get(body, "tools"));
	assert_null(json_object_get(body, "tool_choice"));
	json_decref(body);
	fx_tools_release(&ft);
}

/* An answer holding U+0000 (valid JSON, a valid code point) keeps what follows it: the NUL
 * becomes U+FFFD. Cut at the NUL, "TCK-123" would be hidden from a not_match check. */
static void parse_text(const struct probe_target *t, int stream, const char *body, const char *want)
{
	struct probe_header h = { "content-type", "text/event-stream" };
	struct probe_response r = {
		.status = 200, .body = body, .body_len = strlen(body), .ttfb_ms = 1
	};
	struct probe_prompt p = { .temperature = -1, .stream = stream };
	struct probe_answer a;

	if (stream) {
		r.headers = &h;
		r.n_headers = 1;
	}
	probe_answer_init(&a);
	probe_openai.parse(t, &p, &r, &a);
	if (a.fault)
		fail_msg("%s: fault %s (%s)", body, probe_fault_name(a.fault), a.error_message);
	assert_string_equal(a.text, want);
	probe_answer_release(&a);
}

static void test_text_with_nul(void **state)
{
	static const char want[] = "OK\xEF\xBF\xBD ticket TCK-123\xEF\xBF\xBD";

	(void)state;
	parse_text(&chat_target, 0,
		   "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
		   "\"OK\\u0000 ticket TCK-123\\u0000\"},\"finish_reason\":\"stop\"}]}",
		   want);
	parse_text(&chat_target, 1,
		   "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"OK\\u0000 "
		   "ticket\"}}]}\n\n"
		   "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" "
		   "TCK-123\\u0000\"},\"finish_reason\":\"stop\"}]}\n\n"
		   "data: [DONE]\n\n",
		   want);
	parse_text(&responses_target, 0,
		   "{\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[{\"type\":"
		   "\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"OK\\u0000 "
		   "ticket TCK-123\\u0000\"}]}]}",
		   want);
	parse_text(&chat_target, 0, "{\"choices\":[{\"message\":{\"content\":\"\\u0000\"}}]}",
		   "\xEF\xBF\xBD");
}

/* Half an emoji: an unpaired surrogate escape, which jansson refuses, is U+FFFD; the answer
 * is kept ("body is not a json object" lost it). A pair, an escaped backslash before "u" and
 * a lone low half are each read right. */
static void test_lone_surrogate(void **state)
{
	(void)state;
	parse_text(&chat_target, 0,
		   "{\"choices\":[{\"message\":{\"content\":\"lone \\ud800 here \\ud83d\\ude00 "
		   "\\\\ud800 \\udc00\"},\"finish_reason\":\"stop\"}]}",
		   "lone \xEF\xBF\xBD here \xF0\x9F\x98\x80 \\ud800 \xEF\xBF\xBD");
	parse_text(&chat_target, 1,
		   "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"broken \\ud83d"
		   "\"}}]}\n\n"
		   "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\ude00 "
		   "end\"},\"finish_reason\":\"stop\"}]}\n\n"
		   "data: [DONE]\n\n",
		   "broken \xEF\xBF\xBD\xEF\xBF\xBD end");
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
		cmocka_unit_test(test_chat_tool_calls),
		cmocka_unit_test(test_responses_tool_calls),
		cmocka_unit_test(test_tool_build),
		cmocka_unit_test(test_text_with_nul),
		cmocka_unit_test(test_lone_surrogate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
