/* test_probe_ollama.c: the "ollama" probe on every /api/chat response in
 * tests/fixtures/vendors/ollama (plain, NDJSON streams assembled from the documented lines,
 * mid-stream errors), its requests and its faults. */
#include "test_probe_fixture.h"

#define O "ollama/"

static const struct fx_case ollama_cases[] = {
	{ .body = O "api-chat-nonstream-recorded.json",
	  .headers = O "api-chat-nonstream-recorded.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello! \xF0\x9F\x91\x8B  How can I help you today?",
	  .text_len = 38,
	  .model = "gemma2",
	  .finish = "stop",
	  .prompt = 26,
	  .completion = 12,
	  .total = 38 },
	{ .body = O "api-chat-nonstream-tool-call.docs.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "llama3.2",
	  .finish = "stop",
	  .prompt = 169,
	  .completion = 18,
	  .total = 187 },
	{ .body = O "api-chat-structured-output.docs.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "{\"age\": 22, \"available\": false}",
	  .text_len = 31,
	  .model = "llama3.1",
	  .finish = "stop",
	  .prompt = 34,
	  .completion = 12,
	  .total = 46 },
	{ .body = O "api-chat-stream-final.docs.json",
	  .status = 200,
	  .fault = PROBE_OK,
	  .text = "",
	  .model = "llama3.2",
	  .finish = "stop",
	  .prompt = 26,
	  .completion = 282,
	  .total = 308 },
	/* A lone streamed chunk is not an answer: done is false. */
	{ .body = O "api-chat-stream-chunk.docs.json",
	  .status = 200,
	  .fault = PROBE_FAULT_MALFORMED,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_msg = "done is not true (the answer was not finished)" },
	{ .body = O "api-generate-stream-midstream-error.docs.ndjson",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_FAULT_STREAM,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_msg = "an error was encountered while running the model" },
};

static const struct probe_target target = {
	.base_url = "http://127.0.0.1:11434",
	.model = "llama3.2",
};

static void test_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ollama_cases); i++)
		fx_check(&probe_ollama, &target, &ollama_cases[i]);
}

static void test_durations(void **state)
{
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;
	struct fx x;

	(void)state;
	fx_load(&x, O "api-chat-nonstream-recorded.json",
		O "api-chat-nonstream-recorded.headers.json", 0);
	fx_parse(&probe_ollama, &target, &p, &x, &a);
	fx_str_eq(fx_kept(&a, "x-plumbline-ollama-total-duration-ns"), "9819624917", "total", "d");
	fx_str_eq(fx_kept(&a, "x-plumbline-ollama-load-duration-ns"), "4533008625", "load", "d");
	fx_str_eq(fx_kept(&a, "x-plumbline-ollama-prompt-eval-duration-ns"), "4819809375", "pe",
		  "d");
	fx_str_eq(fx_kept(&a, "x-plumbline-ollama-eval-duration-ns"), "462770333", "eval", "d");
	probe_answer_release(&a);
	fx_release(&x);
}

/* The documented stream lines (pretty-printed in the docs) re-joined as NDJSON. */
static char *ndjson_of(const char *const *files, size_t n, int cut_last)
{
	struct sbuf sb;
	char *out;
	size_t i, len;

	sbuf_init(&sb);
	for (i = 0; i < n; i++) {
		char *text = fx_read(files[i], &len), *line;
		json_t *obj = json_loadb(text, len, 0, NULL);

		assert_non_null(obj);
		line = json_dumps(obj, JSON_COMPACT);
		sbuf_addstr(&sb, line);
		if (!(cut_last && i + 1 == n))
			sbuf_addch(&sb, '\n');
		free(line);
		json_decref(obj);
		free(text);
	}
	out = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	return out;
}

static void parse_stream_body(const char *body, struct probe_answer *a)
{
	struct probe_header h = { "Content-Type", "application/x-ndjson" };
	struct probe_response r = { .status = 200,
				    .headers = &h,
				    .n_headers = 1,
				    .body = body,
				    .body_len = strlen(body),
				    .ttfb_ms = 12.5 };
	struct probe_prompt p = { .temperature = -1, .stream = 1 };

	probe_answer_init(a);
	probe_ollama.parse(&target, &p, &r, a);
}

static void test_stream(void **state)
{
	static const char *const text_stream[] = {
		O "api-chat-stream-chunk.docs.json",
		O "api-chat-stream-chunk.docs.json",
		O "api-chat-stream-final.docs.json",
	};
	static const char *const tool_stream[] = {
		O "api-chat-stream-tool-call-chunk.docs.json",
		O "api-chat-stream-final.docs.json",
	};
	struct probe_answer a;
	char *body;

	(void)state;
	body = ndjson_of(text_stream, 3, 0);
	parse_stream_body(body, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_string_equal(a.text, "TheThe");
	assert_string_equal(a.model, "llama3.2");
	assert_string_equal(a.finish_reason, "stop");
	assert_int_equal(a.prompt_tokens, 26);
	assert_int_equal(a.completion_tokens, 282);
	assert_true(a.ttft_ms == 12.5);
	fx_str_eq(fx_kept(&a, "x-plumbline-ollama-eval-duration-ns"), "4535599000", "eval", "s");
	probe_answer_release(&a);
	free(body);

	body = ndjson_of(tool_stream, 2, 0);
	parse_stream_body(body, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_string_equal(a.text, "");
	probe_answer_release(&a);
	free(body);

	/* Without the final line the stream was cut: a fault, not a short answer. */
	body = ndjson_of(text_stream, 2, 0);
	parse_stream_body(body, &a);
	assert_int_equal(a.fault, PROBE_FAULT_STREAM);
	assert_string_equal(a.error_message, "stream ended before \"done\":true");
	assert_null(a.text);
	probe_answer_release(&a);
	free(body);

	/* The final line itself cut mid-object. */
	body = ndjson_of(text_stream, 3, 1);
	body[strlen(body) - 5] = '\0';
	parse_stream_body(body, &a);
	assert_int_equal(a.fault, PROBE_FAULT_STREAM);
	assert_string_equal(a.error_message, "stream line 3 is not a json object");
	probe_answer_release(&a);
	free(body);
}

static const struct fx_raw ollama_raw[] = {
	{ .name = "404 model",
	  .status = 404,
	  .body = "{\"error\":\"model 'nope' not found\"}",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_msg = "model 'nope' not found" },
	{ .name = "500",
	  .status = 500,
	  .body = "{\"error\":\"llama runner process has terminated\"}",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_msg = "llama runner process has terminated" },
	{ .name = "502 html",
	  .status = 502,
	  .body = "<html></html>",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_msg = "http status 502" },
	{ .name = "no message",
	  .status = 200,
	  .body = "{\"model\":\"m\",\"done\":true}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing message" },
	{ .name = "empty stream",
	  .status = 200,
	  .body = "",
	  .header = "content-type: application/x-ndjson",
	  .fault = PROBE_FAULT_STREAM,
	  .retry_after_ms = -1,
	  .error_msg = "stream carried no lines" },
};

static void test_raw(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ollama_raw); i++)
		fx_run_raw(&probe_ollama, &target, &ollama_raw[i]);
}

static void test_build(void **state)
{
	static const struct probe_message msgs[] = { { "user", "Why is the sky blue?" } };
	json_t *schema = json_pack("{s:s}", "type", "object");
	struct probe_prompt p = { .messages = msgs,
				  .n_messages = 1,
				  .temperature = 0,
				  .max_tokens = 30,
				  .has_seed = 1,
				  .seed = 3,
				  .schema = schema };
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body, *opts;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_ollama.build(&target, &p, &req, &err), 0);
	assert_string_equal(req.url, "http://127.0.0.1:11434/api/chat");
	assert_null(probe_header_get(req.headers, req.n_headers, "authorization"));
	body = json_loadb(req.body, req.body_len, 0, NULL);
	/* Ollama streams by default: a plain request must say stream:false. */
	assert_true(json_is_false(json_object_get(body, "stream")));
	opts = json_object_get(body, "options");
	assert_int_equal(json_integer_value(json_object_get(opts, "num_predict")), 30);
	assert_int_equal(json_integer_value(json_object_get(opts, "seed")), 3);
	assert_true(json_real_value(json_object_get(opts, "temperature")) == 0.0);
	assert_true(json_equal(json_object_get(body, "format"), schema));
	json_decref(body);
	probe_request_release(&req);

	p.logprobs = 1;
	probe_request_init(&req);
	assert_int_equal(probe_ollama.build(&target, &p, &req, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	probe_request_release(&req);
	json_decref(schema);
}

/* message.tool_calls with arguments as an object, plain and in a stream chunk. */
static const struct fx_calls_case call_cases[] = {
	{ .body = "ollama/api-chat-nonstream-tool-call.docs.json",
	  .calls = "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}]" },
	{ .body = "ollama/api-chat-nonstream-recorded.json", .calls = NULL },
};

static void test_tool_calls(void **state)
{
	struct probe_prompt p = { .temperature = -1, .stream = 1 };
	struct probe_answer a;
	struct fx x, fin;
	struct sbuf sb;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(call_cases); i++)
		fx_check_calls(&probe_ollama, &target, &call_cases[i]);
	/* the docs' streamed tool-call chunk, then the docs' final chunk, as NDJSON lines */
	fx_load(&x, "ollama/api-chat-stream-tool-call-chunk.docs.json", NULL, 200);
	fx_load(&fin, "ollama/api-chat-stream-final.docs.json", NULL, 200);
	sbuf_init(&sb);
	{
		json_t *a1 = json_loadb(x.body, x.len, 0, NULL),
		       *a2 = json_loadb(fin.body, fin.len, 0, NULL);
		char *l1 = json_dumps(a1, JSON_COMPACT), *l2 = json_dumps(a2, JSON_COMPACT);

		sbuf_addf(&sb, "%s\n%s\n", l1, l2);
		free(l1);
		free(l2);
		json_decref(a1);
		json_decref(a2);
	}
	free(x.body);
	x.body = sbuf_detach(&sb, &x.len);
	fx_parse(&probe_ollama, &target, &p, &x, &a);
	assert_int_equal(a.fault, PROBE_OK);
	fx_calls(&a, "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}]", "stream");
	probe_answer_release(&a);
	fx_release(&x);
	fx_release(&fin);
	sbuf_release(&sb);
}

/* tools as OpenAI's; /api/chat has no tool_choice: "none" sends no tools, "required" and a
 * named tool cannot be said. */
static void test_tool_build(void **state)
{
	struct fx_tools ft;
	json_t *body;

	(void)state;
	fx_tools_init(&ft);
	body = fx_build_body(&probe_ollama, &target, &ft.p);
	fx_body_has(
		body, "tools",
		"[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
		"\"Weather.\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
		"{\"type\":\"string\"}},\"required\":[\"city\"]}}}]");
	assert_null(json_object_get(body, "tool_choice"));
	json_decref(body);
	ft.p.tool_choice = ft.none;
	body = fx_build_body(&probe_ollama, &target, &ft.p);
	assert_null(json_object_get(body, "tools"));
	json_decref(body);
	fx_choice_refused(&probe_ollama, &target, &ft, ft.required,
			  "ollama's /api/chat cannot ask for tool_choice \"required\"");
	fx_choice_refused(&probe_ollama, &target, &ft, ft.named,
			  "ollama's /api/chat cannot ask for tool_choice \"tool\"");
	fx_tools_release(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),   cmocka_unit_test(test_durations),
		cmocka_unit_test(test_stream),	   cmocka_unit_test(test_raw),
		cmocka_unit_test(test_build),	   cmocka_unit_test(test_tool_calls),
		cmocka_unit_test(test_tool_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
