/* test_probe_azure.c: the "azure-openai" probe on every Azure OpenAI example in
 * tests/fixtures/vendors/azure-openai (chat answer, content-filter annotations, the 400
 * content_filter error), its deployment URL and api-key header, and its filter handling. */
#include "test_probe_fixture.h"

#define D "derived/azure-openai/"

static const struct fx_case azure_cases[] = {
	{ .body = D "chat-completions-2024-10-21.spec-example.200.body",
	  .headers = D "chat-completions-2024-10-21.spec-example.200.headers.json",
	  .fault = PROBE_OK,
	  .text = "Ahoy matey! So ye be wantin' to care for",
	  .text_len = 2061,
	  .id = "chatcmpl-7R1nGnsXO8n4oi9UPz2f3UHdgAYMn",
	  .finish = "stop",
	  .prompt = 33,
	  .completion = 557,
	  .total = 590 },
	{ .body = "azure-openai/completion-content-filter-annotations.docs.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "Example model response will be returned ",
	  .text_len = 40,
	  .model = "gpt-35-turbo-instruct",
	  .id = "chatcmpl-8IMI4HzcmcK6I77vpOJCPt0Vcf8zJ",
	  .finish = "stop",
	  .prompt = 11,
	  .completion = 40,
	  .total = 417 },
	{ .body = D "error-400-content-filter.docs.400.body",
	  .headers = D "error-400-content-filter.docs.400.headers.json",
	  /* the prompt filtered: a block (behaviour), not a fault */
	  .fault = PROBE_OK,
	  .text = "",
	  .finish = "content_filter",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .blocked = 1,
	  .block_reason = "prompt filtered: hate,self-harm,violence" },
	/* The docs' own text is not valid JSON (line breaks inside the message string). */
	{ .body = "azure-openai/error-400-content-filter.docs.txt",
	  .status = 400,
	  .fault = PROBE_OK,
	  .text = "",
	  .finish = "content_filter",
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .blocked = 1,
	  .block_reason = "prompt filtered: content_filter" },
};

static const struct probe_target target = {
	.base_url = "https://example-resource.openai.azure.com",
	.model = "gpt-4o-prod",
	.api_key = "azure-key-test",
	.api_version = "2024-10-21",
};

static void test_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(azure_cases); i++)
		fx_check(&probe_azure_openai, &target, &azure_cases[i]);
}

#define SSE "content-type: text/event-stream"

static const struct fx_raw azure_raw[] = {
	{ .name = "completion filtered",
	  .status = 200,
	  .body = "{\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"finish_reason\":"
		  "\"content_filter\",\"message\":{\"role\":\"assistant\",\"content\":null},"
		  "\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},"
		  "\"violence\":{\"filtered\":true,\"severity\":\"high\"}}}],\"prompt_filter_results\":[{"
		  "\"prompt_index\":0,\"content_filter_results\":{\"jailbreak\":{\"filtered\":false,"
		  "\"detected\":false}}}]}",
	  .fault = PROBE_OK,
	  .retry_after_ms = -1,
	  .block_reason = "completion filtered: violence" },
	{ .name = "prompt annotation filtered",
	  .status = 200,
	  .body = "{\"id\":\"c\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
		  "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"}}],\"prompt_filter_results\":[{"
		  "\"prompt_index\":0,\"content_filter_results\":{\"jailbreak\":{\"filtered\":true,"
		  "\"detected\":true},\"hate\":{\"filtered\":true,\"severity\":\"medium\"}}}]}",
	  .fault = PROBE_OK,
	  .retry_after_ms = -1,
	  .block_reason = "prompt filtered: jailbreak,hate" },
	{ .name = "404 deployment",
	  .status = 404,
	  .body = "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for this "
		  "resource does not exist.\"}}",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_type = "DeploymentNotFound",
	  .error_msg = "The API deployment for this resource does not exist." },
	{ .name = "429 retry-after-ms",
	  .status = 429,
	  .body = "{\"error\":{\"code\":\"429\",\"message\":\"Requests limited\"}}",
	  .header = "retry-after-ms: 1500",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = 1500,
	  .error_type = "429",
	  .error_msg = "Requests limited" },
};

static void test_raw(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(azure_raw); i++)
		fx_run_raw(&probe_azure_openai, &target, &azure_raw[i]);
}

/* Azure streams open with a choices:[] chunk holding prompt_filter_results and model "". */
static void test_stream(void **state)
{
	static const char body[] =
		"data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
		"\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}"
		"\n\n"
		"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\",\"role\":\"assistant\"},"
		"\"finish_reason\":null,\"index\":0}],\"created\":1,\"id\":\"chatcmpl-1\","
		"\"model\":"
		"\"gpt-4o-2024-05-13\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":"
		"\"fp_1\"}\n\n"
		"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\",\"index\":0}],"
		"\"created\":1,\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-05-13\"}\n\n"
		"data: [DONE]\n\n";
	struct probe_header h = { "content-type", "text/event-stream" };
	struct probe_response r = { .status = 200,
				    .headers = &h,
				    .n_headers = 1,
				    .body = body,
				    .body_len = sizeof(body) - 1,
				    .ttfb_ms = 9 };
	struct probe_prompt p = { .temperature = -1, .stream = 1 };
	struct probe_answer a;

	(void)state;
	probe_answer_init(&a);
	probe_azure_openai.parse(&target, &p, &r, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_string_equal(a.text, "Hi");
	assert_string_equal(a.model, "gpt-4o-2024-05-13");
	assert_string_equal(a.fingerprint, "fp_1");
	assert_string_equal(a.finish_reason, "stop");
	probe_answer_release(&a);
}

static void test_build(void **state)
{
	static const struct probe_message msgs[] = { { "user", "Hi" } };
	struct probe_prompt p = { .messages = msgs, .n_messages = 1, .temperature = -1 };
	struct probe_target t = target;
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_azure_openai.build(&t, &p, &req, &err), 0);
	assert_string_equal(req.url, "https://example-resource.openai.azure.com/openai/deployments/"
				     "gpt-4o-prod/chat/completions?api-version=2024-10-21");
	assert_string_equal(probe_header_get(req.headers, req.n_headers, "api-key"), "azure-key-"
										     "test");
	assert_null(probe_header_get(req.headers, req.n_headers, "authorization"));
	probe_request_release(&req);

	t.api_version = NULL;
	probe_request_init(&req);
	assert_int_equal(probe_azure_openai.build(&t, &p, &req, &err), 0);
	assert_non_null(strstr(req.url, "?api-version=2024-10-21"));
	probe_request_release(&req);
}

/* Azure sends OpenAI's chat tools and reads its tool_calls (the same wire). */
static void test_tool_calls(void **state)
{
	static const struct fx_calls_case c = {
		.body = "openai-chat/chat-stream-tool-call.sse",
		.stream = 1,
		.calls = "[{\"name\":\"GetWeatherArgs\",\"arguments\":{\"city\":\"Edinburgh\","
			 "\"country\":\"UK\",\"units\":\"c\"}}]",
	};
	struct fx_tools ft;
	json_t *body;

	(void)state;
	fx_tools_init(&ft);
	fx_check_calls(&probe_azure_openai, &target, &c);
	ft.p.tool_choice = ft.named;
	body = fx_build_body(&probe_azure_openai, &target, &ft.p);
	fx_body_has(body, "tool_choice",
		    "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
	assert_int_equal(json_array_size(json_object_get(body, "tools")), 1);
	json_decref(body);
	fx_tools_release(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),   cmocka_unit_test(test_raw),
		cmocka_unit_test(test_stream),	   cmocka_unit_test(test_build),
		cmocka_unit_test(test_tool_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
