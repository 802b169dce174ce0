/* test_probe_gemini.c: the "gemini" probe on every recorded generateContent /
 * streamGenerateContent response in tests/fixtures/vendors/gemini (blocks, MAX_TOKENS without
 * parts, errors), its requests and its faults. */
#include "test_probe_fixture.h"

#define G "gemini/"
#define D "derived/gemini/"

/* completion = candidatesTokenCount + thoughtsTokenCount (thinking is billed as output). */
static const struct fx_case gemini_cases[] = {
	{ .body = G "generateContent-basic-recorded.json",
	  .headers = G "generateContent-basic-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello, world!\n",
	  .text_len = 14,
	  .model = "gemini-1.5-flash-002",
	  .finish = "STOP",
	  .prompt = 5,
	  .completion = 5,
	  .total = 10 },
	{ .body = G "generateContent-finish-reason-recitation.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gemini-1.5-flash-001",
	  .finish = "RECITATION",
	  .prompt = 18,
	  .completion = -1,
	  .total = 18,
	  .blocked = 1,
	  .block_reason = "RECITATION" },
	{ .body = G "generateContent-finish-reason-safety.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "No",
	  .text_len = 2,
	  .finish = "SAFETY",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .blocked = 1,
	  .block_reason = "SAFETY" },
	{ .body = G "generateContent-logprobs.json",
	  .status = 200,
	  .logprobs = 1,
	  .fault = PROBE_OK,
	  .text = "1. **Definition:**\nQuantum mechanics is a fundamen",
	  .text_len = 2615,
	  .finish = "STOP",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1 },
	{ .body = G "generateContent-prompt-blocked-safety.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .finish = "SAFETY",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .blocked = 1,
	  .block_reason = "SAFETY" },
	{ .body = G "generateContent-success-short.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "Helena",
	  .text_len = 6,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1 },
	{ .body = G "error-400-invalid-argument.json",
	  .status = 400,
	  .fault = PROBE_FAULT_REQUEST,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "INVALID_ARGUMENT",
	  .error_msg = "Request contains an invalid argument." },
	{ .body = D "cassette-error-404-model-not-found.0.body",
	  .headers = D "cassette-error-404-model-not-found.0.headers.json",
	  .stream = 1,
	  .fault = PROBE_FAULT_REQUEST,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_type = "NOT_FOUND",
	  .error_msg = "models/custom-gemini-2.0-flash is not found for API version v1beta" },
	{ .body = D "cassette-generateContent-2.5-flash-max-tokens-thoughts-only.0.body",
	  .headers = D "cassette-generateContent-2.5-flash-max-tokens-thoughts-only.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gemini-2.5-flash",
	  .id = "iS77aMa9K_up1e8P5J69qQQ",
	  .finish = "MAX_TOKENS",
	  .prompt = 7,
	  .completion = 19,
	  .total = 26 },
	{ .body = D "cassette-generateContent-finish-safety-blocked.0.body",
	  .headers = D "cassette-generateContent-finish-safety-blocked.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gemini-1.5-flash",
	  .id = "5lpeaLOIBf__698Pv8HGgAg",
	  .finish = "SAFETY",
	  .prompt = 14,
	  .completion = -1,
	  .total = 14,
	  .blocked = 1,
	  .block_reason = "SAFETY" },
	{ .body = D "cassette-generateContent-function-call.0.body",
	  .headers = D "cassette-generateContent-function-call.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "gemini-2.5-flash",
	  .id = "eC77aJKnKYam1e8PyLWRiQw",
	  .finish = "STOP",
	  .prompt = 65,
	  .completion = 91,
	  .total = 156 },
	{ .body = D "cassette-generateContent-responseJsonSchema.0.body",
	  .headers = D "cassette-generateContent-responseJsonSchema.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "{\"simpleString\":\"Hello\",\"stringDatatime\":\"2023-10-",
	  .text_len = 552,
	  .model = "gemini-2.5-flash",
	  .id = "gi77aIS0Gdux1e8P96XL4QY",
	  .finish = "STOP",
	  .prompt = 5,
	  .completion = 508,
	  .total = 513 },
	{ .body = D "cassette-streamGenerateContent-2.5-flash-chunks.0.body",
	  .headers = D "cassette-streamGenerateContent-2.5-flash-chunks.0.headers.json",
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "The sky is blue primarily due to a phenomenon call",
	  .text_len = 655,
	  .model = "gemini-2.5-flash",
	  .id = "qS77aMCqBu6mvr0PsJiykAw",
	  .finish = "MAX_TOKENS",
	  .prompt = 7,
	  .completion = 198,
	  .total = 205 },
	{ .body = G "streamGenerateContent-sse-finish-reason-safety.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "No",
	  .text_len = 2,
	  .finish = "SAFETY",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .blocked = 1,
	  .block_reason = "SAFETY" },
	{ .body = G "streamGenerateContent-sse-function-call.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .finish = "STOP",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1 },
	{ .body = G "streamGenerateContent-sse-long.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "**Cats:**\n\n- **Physical Characteristics:**\n  - Siz",
	  .text_len = 3285,
	  .finish = "STOP",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1 },
	{ .body = G "streamGenerateContent-sse-prompt-blocked.sse",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "",
	  .finish = "SAFETY",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .blocked = 1,
	  .block_reason = "SAFETY" },
};

static const struct probe_target target = {
	.base_url = "https://generativelanguage.googleapis.com/v1beta",
	.model = "gemini-2.5-flash",
	.api_key = "AIza-test",
};

static void test_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(gemini_cases); i++)
		fx_check(&probe_gemini, &target, &gemini_cases[i]);
}

/* logprobsResult is kept as the vendor wrote it. */
static void test_logprobs(void **state)
{
	struct probe_prompt p = { .temperature = -1, .logprobs = 1 };
	struct probe_answer a;
	struct fx x;

	(void)state;
	fx_load(&x, G "generateContent-logprobs.json", NULL, 200);
	fx_parse(&probe_gemini, &target, &p, &x, &a);
	assert_true(json_is_array(json_object_get(a.logprobs, "topCandidates")));
	assert_true(json_is_array(json_object_get(a.logprobs, "chosenCandidates")));
	probe_answer_release(&a);
	fx_release(&x);
}

#define SSE "content-type: text/event-stream"

static const struct fx_raw gemini_raw[] = {
	{ .name = "429 RetryInfo",
	  .status = 429,
	  .body = "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota\",\"status\":"
		  "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/"
		  "google.rpc.QuotaFailure\",\"violations\":[{\"quotaMetric\":\"m\"}]},{\"@type\":"
		  "\"type.googleapis.com/google.rpc.Help\"},{\"@type\":\"type.googleapis.com/"
		  "google.rpc.RetryInfo\",\"retryDelay\":\"28s\"}]}}",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 28000,
	  .error_type = "RESOURCE_EXHAUSTED",
	  .error_msg = "You exceeded your current quota" },
	{ .name = "429 Retry-After header wins",
	  .status = 429,
	  .body = "{\"error\":{\"code\":429,\"message\":\"q\",\"status\":\"RESOURCE_EXHAUSTED\","
		  "\"details\":"
		  "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]}}",
	  .header = "retry-after: 3",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 3000,
	  .error_type = "RESOURCE_EXHAUSTED",
	  .error_msg = "q" },
	{ .name = "bad key is auth",
	  .status = 400,
	  .body = "{\"error\":{\"code\":400,\"message\":\"API key not valid.\",\"status\":"
		  "\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
		  "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\"}]}}",
	  .fault = PROBE_FAULT_AUTH,
	  .retry_after_ms = -1,
	  .error_type = "INVALID_ARGUMENT",
	  .error_msg = "API key not valid." },
	{ .name = "503 overloaded",
	  .status = 503,
	  .body = "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":"
		  "\"UNAVAILABLE\"}}",
	  .fault = PROBE_FAULT_OVERLOADED,
	  .retry_after_ms = -1,
	  .error_type = "UNAVAILABLE",
	  .error_msg = "The model is overloaded." },
	{ .name = "500 internal",
	  .status = 500,
	  .body = "{\"error\":{\"code\":500,\"message\":\"Internal error\",\"status\":\"INTERNAL\"}}",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_type = "INTERNAL",
	  .error_msg = "Internal error" },
	{ .name = "no candidates",
	  .status = 200,
	  .body = "{\"modelVersion\":\"g\"}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing candidates[0]" },
	{ .name = "stream without a finish",
	  .status = 200,
	  .body = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The\"}]}}]}\r\n\r\n",
	  .header = SSE,
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream ended without a finishReason" },
	{ .name = "stream with an error chunk",
	  .status = 200,
	  .body = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The\"}]}}]}\r\n\r\ndata: "
		  "{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}"
		  "\r\n\r\n",
	  .header = SSE,
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_type = "UNAVAILABLE",
	  .error_msg = "overloaded" },
	{ .name = "thought parts are not the answer",
	  .status = 200,
	  .body = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hmm\",\"thought\":true},{\"text\":"
		  "\"42\"}]},\"finishReason\":\"STOP\"}]}",
	  .fault = PROBE_OK,
	  .retry_after_ms = -1 },
};

static void test_raw(void **state)
{
	size_t i;
	struct probe_prompt p = { .temperature = -1 };
	struct probe_response r = { .status = 200 };
	struct probe_answer a;
	const char *body = gemini_raw[ARRAY_SIZE(gemini_raw) - 1].body;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(gemini_raw); i++)
		fx_run_raw(&probe_gemini, &target, &gemini_raw[i]);
	r.body = body;
	r.body_len = strlen(body);
	probe_answer_init(&a);
	probe_gemini.parse(&target, &p, &r, &a);
	assert_string_equal(a.text, "42");
	probe_answer_release(&a);
}

static void test_build(void **state)
{
	static const struct probe_message msgs[] = {
		{ "system", "Be terse." },
		{ "user", "Hi" },
		{ "assistant", "Hello." },
		{ "user", "Why is the sky blue?" },
	};
	json_t *schema = json_pack("{s:s}", "type", "object");
	struct probe_prompt p = { .messages = msgs,
				  .n_messages = 4,
				  .temperature = 0,
				  .max_tokens = 20,
				  .has_seed = 1,
				  .seed = 7,
				  .logprobs = 1,
				  .top_logprobs = 2,
				  .schema = schema };
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body, *gc, *contents;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_gemini.build(&target, &p, &req, &err), 0);
	assert_string_equal(req.url, "https://generativelanguage.googleapis.com/v1beta/models/"
				     "gemini-2.5-flash:generateContent");
	assert_string_equal(probe_header_get(req.headers, req.n_headers, "x-goog-api-key"), "AIza-"
											    "test");
	assert_null(strstr(req.url, "key="));
	body = json_loadb(req.body, req.body_len, 0, NULL);
	contents = json_object_get(body, "contents");
	assert_int_equal(json_array_size(contents), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(contents, 1), "role")),
			    "model");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_object_get(body, "systemIns"
											 "tructio"
											 "n"),
								   "parts"),
						   0),
				    "text")),
			    "Be terse.");
	gc = json_object_get(body, "generationConfig");
	assert_int_equal(json_integer_value(json_object_get(gc, "maxOutputTokens")), 20);
	assert_int_equal(json_integer_value(json_object_get(gc, "seed")), 7);
	assert_true(json_is_true(json_object_get(gc, "responseLogprobs")));
	assert_int_equal(json_integer_value(json_object_get(gc, "logprobs")), 2);
	assert_string_equal(json_string_value(json_object_get(gc, "responseMimeType")), "applicatio"
											"n/json");
	assert_true(json_equal(json_object_get(gc, "responseJsonSchema"), schema));
	json_decref(body);
	probe_request_release(&req);

	p.stream = 1;
	probe_request_init(&req);
	assert_int_equal(probe_gemini.build(&target, &p, &req, &err), 0);
	assert_string_equal(req.url, "https://generativelanguage.googleapis.com/v1beta/models/"
				     "gemini-2.5-flash:streamGenerateContent?alt=sse");
	probe_request_release(&req);
	json_decref(schema);
}

/* functionCall parts: the recorded generateContent (toolConfig ANY) and a streamed one. */
static const struct fx_calls_case call_cases[] = {
	{ .body = "derived/gemini/cassette-generateContent-function-call.0.body",
	  .calls = "[{\"name\":\"concatStringFunction\",\"arguments\":{\"firstString\":\"hello\","
		   "\"secondString\":\"world\"}}]" },
	{ .body = "gemini/streamGenerateContent-sse-function-call.sse",
	  .stream = 1,
	  .calls = "[{\"name\":\"getTemperature\",\"arguments\":{\"city\":\"San Jose\"}}]" },
	{ .body = "gemini/generateContent-success-short.json", .calls = NULL },
};

static void test_tool_calls(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(call_cases); i++)
		fx_check_calls(&probe_gemini, &target, &call_cases[i]);
}

static void test_tool_build(void **state)
{
	struct fx_tools ft;
	json_t *body;

	(void)state;
	fx_tools_init(&ft);
	body = fx_build_body(&probe_gemini, &target, &ft.p);
	fx_body_has(body, "tools",
		    "[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"description\":"
		    "\"Weather.\",\"parametersJsonSchema\":{\"type\":\"object\",\"properties\":"
		    "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]}]");
	fx_body_has(body, "toolConfig", "{\"functionCallingConfig\":{\"mode\":\"AUTO\"}}");
	json_decref(body);
	fx_choice_has(&probe_gemini, &target, &ft, ft.required, "toolConfig",
		      "{\"functionCallingConfig\":{\"mode\":\"ANY\"}}");
	fx_choice_has(&probe_gemini, &target, &ft, ft.none, "toolConfig",
		      "{\"functionCallingConfig\":{\"mode\":\"NONE\"}}");
	fx_choice_has(&probe_gemini, &target, &ft, ft.named, "toolConfig",
		      "{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":"
		      "[\"get_weather\"]}}");
	fx_tools_release(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),   cmocka_unit_test(test_logprobs),
		cmocka_unit_test(test_raw),	   cmocka_unit_test(test_build),
		cmocka_unit_test(test_tool_calls), cmocka_unit_test(test_tool_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
