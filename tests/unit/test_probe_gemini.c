/* test_probe_gemini.c: the "gemini" probe on every recorded generateContent /
 * streamGenerateContent response in tests/fixtures/vendors/gemini (blocks, MAX_TOKENS without
 * parts, errors), its requests and its faults. */
#include "test_probe_fixture.h"

#define G "gemini/"
#define D "derived/gemini/"

/* completion = candidatesTokenCount + thoughtsTokenCount (thinking is billed as output). */
static const struct fx_case gemini_cases[] = {
	{ G "generateContent-basic-recorded.json",
	  G "generateContent-basic-recorded.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "Hello, world!\n",
	  14,
	  NULL,
	  "gemini-1.5-flash-002",
	  NULL,
	  NULL,
	  "STOP",
	  5,
	  5,
	  10,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ G "generateContent-finish-reason-recitation.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gemini-1.5-flash-001",
	  NULL,
	  NULL,
	  "RECITATION",
	  18,
	  -1,
	  18,
	  NULL,
	  NULL,
	  1,
	  "RECITATION" },
	{ G "generateContent-finish-reason-safety.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "No",
	  2,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "SAFETY",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  1,
	  "SAFETY" },
	{ G "generateContent-logprobs.json",
	  NULL,
	  200,
	  0,
	  1,
	  PROBE_OK,
	  "1. **Definition:**\nQuantum mechanics is a fundamen",
	  2615,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "STOP",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ G "generateContent-prompt-blocked-safety.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "SAFETY",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  1,
	  "SAFETY" },
	{ G "generateContent-success-short.json",
	  NULL,
	  200,
	  0,
	  0,
	  PROBE_OK,
	  "Helena",
	  6,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ G "error-400-invalid-argument.json",
	  NULL,
	  400,
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
	  "INVALID_ARGUMENT",
	  "Request contains an invalid argument.",
	  0,
	  NULL },
	{ D "cassette-error-404-model-not-found.0.body",
	  D "cassette-error-404-model-not-found.0.headers.json",
	  0,
	  1,
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
	  "NOT_FOUND",
	  "models/custom-gemini-2.0-flash is not found for API version v1beta",
	  0,
	  NULL },
	{ D "cassette-generateContent-2.5-flash-max-tokens-thoughts-only.0.body",
	  D "cassette-generateContent-2.5-flash-max-tokens-thoughts-only.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gemini-2.5-flash",
	  NULL,
	  "iS77aMa9K_up1e8P5J69qQQ",
	  "MAX_TOKENS",
	  7,
	  19,
	  26,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-generateContent-finish-safety-blocked.0.body",
	  D "cassette-generateContent-finish-safety-blocked.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gemini-1.5-flash",
	  NULL,
	  "5lpeaLOIBf__698Pv8HGgAg",
	  "SAFETY",
	  14,
	  -1,
	  14,
	  NULL,
	  NULL,
	  1,
	  "SAFETY" },
	{ D "cassette-generateContent-function-call.0.body",
	  D "cassette-generateContent-function-call.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  "gemini-2.5-flash",
	  NULL,
	  "eC77aJKnKYam1e8PyLWRiQw",
	  "STOP",
	  65,
	  91,
	  156,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-generateContent-responseJsonSchema.0.body",
	  D "cassette-generateContent-responseJsonSchema.0.headers.json",
	  0,
	  0,
	  0,
	  PROBE_OK,
	  "{\"simpleString\":\"Hello\",\"stringDatatime\":\"2023-10-",
	  552,
	  NULL,
	  "gemini-2.5-flash",
	  NULL,
	  "gi77aIS0Gdux1e8P96XL4QY",
	  "STOP",
	  5,
	  508,
	  513,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ D "cassette-streamGenerateContent-2.5-flash-chunks.0.body",
	  D "cassette-streamGenerateContent-2.5-flash-chunks.0.headers.json",
	  0,
	  1,
	  0,
	  PROBE_OK,
	  "The sky is blue primarily due to a phenomenon call",
	  655,
	  NULL,
	  "gemini-2.5-flash",
	  NULL,
	  "qS77aMCqBu6mvr0PsJiykAw",
	  "MAX_TOKENS",
	  7,
	  198,
	  205,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ G "streamGenerateContent-sse-finish-reason-safety.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "No",
	  2,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "SAFETY",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  1,
	  "SAFETY" },
	{ G "streamGenerateContent-sse-function-call.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "STOP",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ G "streamGenerateContent-sse-long.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "**Cats:**\n\n- **Physical Characteristics:**\n  - Siz",
	  3285,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "STOP",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  0,
	  NULL },
	{ G "streamGenerateContent-sse-prompt-blocked.sse",
	  NULL,
	  200,
	  1,
	  0,
	  PROBE_OK,
	  "",
	  0,
	  NULL,
	  NULL,
	  NULL,
	  NULL,
	  "SAFETY",
	  -1,
	  -1,
	  -1,
	  NULL,
	  NULL,
	  1,
	  "SAFETY" },
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
	{ "429 RetryInfo", 429,
	  "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota\",\"status\":"
	  "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/"
	  "google.rpc.QuotaFailure\",\"violations\":[{\"quotaMetric\":\"m\"}]},{\"@type\":"
	  "\"type.googleapis.com/google.rpc.Help\"},{\"@type\":\"type.googleapis.com/"
	  "google.rpc.RetryInfo\",\"retryDelay\":\"28s\"}]}}",
	  NULL, PROBE_FAULT_RATE_LIMIT, 28000, "RESOURCE_EXHAUSTED",
	  "You exceeded your current quota", NULL },
	{ "429 Retry-After header wins", 429,
	  "{\"error\":{\"code\":429,\"message\":\"q\",\"status\":\"RESOURCE_EXHAUSTED\","
	  "\"details\":"
	  "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]}}",
	  "retry-after: 3", PROBE_FAULT_RATE_LIMIT, 3000, "RESOURCE_EXHAUSTED", "q", NULL },
	{ "bad key is auth", 400,
	  "{\"error\":{\"code\":400,\"message\":\"API key not valid.\",\"status\":"
	  "\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
	  "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\"}]}}",
	  NULL, PROBE_FAULT_AUTH, -1, "INVALID_ARGUMENT", "API key not valid.", NULL },
	{ "503 overloaded", 503,
	  "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":"
	  "\"UNAVAILABLE\"}}",
	  NULL, PROBE_FAULT_OVERLOADED, -1, "UNAVAILABLE", "The model is overloaded.", NULL },
	{ "500 internal", 500,
	  "{\"error\":{\"code\":500,\"message\":\"Internal error\",\"status\":\"INTERNAL\"}}", NULL,
	  PROBE_FAULT_SERVER, -1, "INTERNAL", "Internal error", NULL },
	{ "no candidates", 200, "{\"modelVersion\":\"g\"}", NULL, PROBE_FAULT_MALFORMED, -1, NULL,
	  "missing candidates[0]", NULL },
	{ "stream without a finish", 200,
	  "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The\"}]}}]}\r\n\r\n", SSE,
	  PROBE_FAULT_STREAM, -1, NULL, "stream ended without a finishReason", NULL },
	{ "stream with an error chunk", 200,
	  "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The\"}]}}]}\r\n\r\ndata: "
	  "{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}"
	  "\r\n\r\n",
	  SSE, PROBE_FAULT_STREAM, -1, "UNAVAILABLE", "overloaded", NULL },
	{ "thought parts are not the answer", 200,
	  "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hmm\",\"thought\":true},{\"text\":"
	  "\"42\"}]},\"finishReason\":\"STOP\"}]}",
	  NULL, PROBE_OK, -1, NULL, NULL, NULL },
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_logprobs),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
