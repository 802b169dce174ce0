/* test_probe_bedrock.c: the "bedrock" probe on every recorded Converse / ConverseStream
 * response in tests/fixtures/vendors/bedrock, hand-built event-stream frames (exceptions, bad
 * CRCs, cuts), its SigV4 request fields and its faults. */
#include "test_probe_fixture.h"

#include <zlib.h>

#define D "derived/bedrock/"
#define THROTTLE(n)                                                                                \
	{                                                                                          \
		D "cassette-converse-429-throttling.unverified." #n ".body",                       \
			D "cassette-converse-429-throttling.unverified." #n ".headers.json", 0, 0, \
			0, PROBE_FAULT_RATE_LIMIT, NULL, 0, NULL, "us.amazon.nova-micro-v1:0",     \
			NULL, NULL, NULL, -1, -1, -1, "ThrottlingException", "Rate exceeded", 0,   \
			NULL                                                                       \
	}

static const struct fx_case bedrock_cases[] = {
	{ .body = D "cassette-converse-nova-micro-200.0.body",
	  .headers = D "cassette-converse-nova-micro-200.0.headers.json",
	  .fault = PROBE_OK,
	  .text = "Hello! How can I assist you today? Whether you have questions",
	  .text_len = 120,
	  .model = "us.amazon.nova-micro-v1:0",
	  .finish = "end_turn",
	  .prompt = 7,
	  .completion = 30,
	  .total = 37 },
	{ .body = D "cassette-converse-400-invalid-model-id.0.body",
	  .headers = D "cassette-converse-400-invalid-model-id.0.headers.json",
	  .fault = PROBE_FAULT_REQUEST,
	  .prompt = -1,
	  .completion = -1,
	  .total = -1,
	  .error_msg = "The provided model identifier is invalid." },
	THROTTLE(0),
	THROTTLE(1),
	THROTTLE(2),
	THROTTLE(3),
	THROTTLE(4),
	{ .body = D "cassette-converse-stream-eventstream.0.body",
	  .headers = D "cassette-converse-stream-eventstream.0.headers.json",
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "The capital of France is Paris. Paris is not only the capita",
	  .text_len = 375,
	  .model = "us.amazon.nova-micro-v1:0",
	  .finish = "end_turn",
	  .prompt = 13,
	  .completion = 82,
	  .total = 95 },
	{ .body = "bedrock/converse-stream-body.eventstream.bin",
	  .status = 200,
	  .stream = 1,
	  .fault = PROBE_OK,
	  .text = "The capital of France is Paris. Paris is not only the capita",
	  .text_len = 375,
	  .model = "us.amazon.nova-micro-v1:0",
	  .finish = "end_turn",
	  .prompt = 13,
	  .completion = 82,
	  .total = 95 },
};

static const struct probe_target target = {
	.model = "us.amazon.nova-micro-v1:0",
	.region = "us-east-1",
	.api_key = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

static void test_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bedrock_cases); i++)
		fx_check(&probe_bedrock, &target, &bedrock_cases[i]);
}

static void test_metrics(void **state)
{
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;
	struct fx x;

	(void)state;
	fx_load(&x, D "cassette-converse-nova-micro-200.0.body", NULL, 200);
	fx_parse(&probe_bedrock, &target, &p, &x, &a);
	fx_str_eq(fx_kept(&a, "x-plumbline-bedrock-latency-ms"), "268", "latency", "converse");
	probe_answer_release(&a);
	fx_release(&x);
}

/* Appends one event-stream frame with string headers to sb. */
static void frame(struct sbuf *sb, const char *const *hdrs, size_t nh, const char *payload)
{
	struct sbuf h;
	unsigned char pre[12], crcb[4];
	uint32_t total, c;
	size_t i, start = sb->len;

	sbuf_init(&h);
	for (i = 0; i + 1 < nh; i += 2) {
		size_t vl = strlen(hdrs[i + 1]);

		sbuf_addch(&h, (char)strlen(hdrs[i]));
		sbuf_addstr(&h, hdrs[i]);
		sbuf_addch(&h, 7);
		sbuf_addch(&h, (char)(vl >> 8));
		sbuf_addch(&h, (char)(vl & 0xff));
		sbuf_addstr(&h, hdrs[i + 1]);
	}
	total = (uint32_t)(16 + h.len + strlen(payload));
	pre[0] = (unsigned char)(total >> 24);
	pre[1] = (unsigned char)(total >> 16);
	pre[2] = (unsigned char)(total >> 8);
	pre[3] = (unsigned char)total;
	pre[4] = (unsigned char)(h.len >> 24);
	pre[5] = (unsigned char)(h.len >> 16);
	pre[6] = (unsigned char)(h.len >> 8);
	pre[7] = (unsigned char)h.len;
	c = (uint32_t)crc32(0, pre, 8);
	pre[8] = (unsigned char)(c >> 24);
	pre[9] = (unsigned char)(c >> 16);
	pre[10] = (unsigned char)(c >> 8);
	pre[11] = (unsigned char)c;
	sbuf_add(sb, pre, 12);
	sbuf_add(sb, h.buf, h.len);
	sbuf_addstr(sb, payload);
	c = (uint32_t)crc32(0, (const unsigned char *)sb->buf + start, (uInt)(sb->len - start));
	crcb[0] = (unsigned char)(c >> 24);
	crcb[1] = (unsigned char)(c >> 16);
	crcb[2] = (unsigned char)(c >> 8);
	crcb[3] = (unsigned char)c;
	sbuf_add(sb, crcb, 4);
	sbuf_release(&h);
}

static void event(struct sbuf *sb, const char *type, const char *payload)
{
	const char *h[] = { ":event-type",   type,   ":content-type", "application/json",
			    ":message-type", "event" };

	frame(sb, h, ARRAY_SIZE(h), payload);
}

static void parse_frames(const struct sbuf *sb, struct probe_answer *a)
{
	struct probe_header h = { "content-type", "application/vnd.amazon.eventstream" };
	struct probe_response r = { .status = 200,
				    .headers = &h,
				    .n_headers = 1,
				    .body = sb->buf,
				    .body_len = sb->len,
				    .ttfb_ms = 3 };
	struct probe_prompt p = { .temperature = -1, .stream = 1 };

	probe_answer_init(a);
	probe_bedrock.parse(&target, &p, &r, a);
}

static void test_stream_frames(void **state)
{
	static const char *const exc[] = { ":exception-type", "throttlingException",
					   ":content-type",   "application/json",
					   ":message-type",   "exception" };
	struct sbuf sb;
	struct probe_answer a;

	(void)state;
	sbuf_init(&sb);
	event(&sb, "messageStart", "{\"role\":\"assistant\"}");
	event(&sb, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Par\"}}");
	event(&sb, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"is\"}}");
	event(&sb, "messageStop", "{\"stopReason\":\"guardrail_intervened\"}");
	event(&sb, "metadata",
	      "{\"usage\":{\"inputTokens\":1,\"outputTokens\":2,\"totalTokens\":3}}");
	parse_frames(&sb, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_string_equal(a.text, "Paris");
	assert_int_equal(a.blocked, 1);
	assert_string_equal(a.block_reason, "guardrail_intervened");
	assert_int_equal(a.total_tokens, 3);
	assert_true(a.ttft_ms == 3);
	probe_answer_release(&a);

	/* One flipped payload bit: the message CRC catches it. */
	sb.buf[sb.len - 10] ^= 1;
	parse_frames(&sb, &a);
	assert_int_equal(a.fault, PROBE_FAULT_STREAM);
	assert_string_equal(a.error_message, "frame 4: message crc mismatch");
	probe_answer_release(&a);
	sb.buf[sb.len - 10] ^= 1;

	/* Cut inside the last frame. */
	sb.len -= 7;
	parse_frames(&sb, &a);
	assert_int_equal(a.fault, PROBE_FAULT_STREAM);
	assert_non_null(strstr(a.error_message, "frame 4: cut"));
	probe_answer_release(&a);

	/* No messageStop at all. */
	sbuf_reset(&sb);
	event(&sb, "messageStart", "{\"role\":\"assistant\"}");
	event(&sb, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Par\"}}");
	parse_frames(&sb, &a);
	assert_int_equal(a.fault, PROBE_FAULT_STREAM);
	assert_string_equal(a.error_message, "stream ended before messageStop");
	probe_answer_release(&a);

	/* An exception frame after the 200. */
	frame(&sb, exc, ARRAY_SIZE(exc), "{\"message\":\"Too many tokens, please wait.\"}");
	parse_frames(&sb, &a);
	assert_int_equal(a.fault, PROBE_FAULT_STREAM);
	assert_string_equal(a.error_type, "throttlingException");
	assert_string_equal(a.error_message, "Too many tokens, please wait.");
	assert_null(a.text);
	probe_answer_release(&a);
	sbuf_release(&sb);
}

static const struct fx_raw bedrock_raw[] = {
	{ .name = "x-amzn-ErrorType wins",
	  .status = 400,
	  .body = "{\"message\":\"Malformed input request\"}",
	  .header = "x-amzn-ErrorType: ValidationException:http://internal.amazon.com/coral/"
		    "com.amazon.bedrock/",
	  .fault = PROBE_FAULT_REQUEST,
	  .retry_after_ms = -1,
	  .error_type = "ValidationException",
	  .error_msg = "Malformed input request" },
	{ .name = "403 access denied",
	  .status = 403,
	  .body = "{\"Message\":\"no access\"}",
	  .header = "x-amzn-ErrorType: AccessDeniedException",
	  .fault = PROBE_FAULT_AUTH,
	  .retry_after_ms = -1,
	  .error_type = "AccessDeniedException",
	  .error_msg = "no access" },
	{ .name = "503 service unavailable",
	  .status = 503,
	  .body = "{\"message\":\"busy\"}",
	  .header = "x-amzn-ErrorType: ServiceUnavailableException",
	  .fault = PROBE_FAULT_OVERLOADED,
	  .retry_after_ms = -1,
	  .error_type = "ServiceUnavailableException",
	  .error_msg = "busy" },
	{ .name = "424 model error",
	  .status = 424,
	  .body = "{\"message\":\"model failed\",\"originalStatusCode\":500}",
	  .header = "x-amzn-ErrorType: ModelErrorException",
	  .fault = PROBE_FAULT_SERVER,
	  .retry_after_ms = -1,
	  .error_type = "ModelErrorException",
	  .error_msg = "model failed" },
	{ .name = "408 model timeout",
	  .status = 408,
	  .body = "{\"message\":\"slow\"}",
	  .header = "x-amzn-ErrorType: ModelTimeoutException",
	  .fault = PROBE_FAULT_TIMEOUT,
	  .retry_after_ms = -1,
	  .error_type = "ModelTimeoutException",
	  .error_msg = "slow" },
	{ .name = "namespaced __type",
	  .status = 429,
	  .body = "{\"__type\":\"com.amazon.coral#ThrottlingException\"}",
	  .fault = PROBE_FAULT_RATE_LIMIT,
	  .retry_after_ms = -1,
	  .error_type = "ThrottlingException",
	  .error_msg = "http status 429" },
	{ .name = "missing content",
	  .status = 200,
	  .body = "{\"output\":{\"message\":{}},\"stopReason\":\"end_turn\"}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing output.message.content" },
	{ .name = "missing stopReason",
	  .status = 200,
	  .body = "{\"output\":{\"message\":{\"content\":[]}}}",
	  .fault = PROBE_FAULT_MALFORMED,
	  .retry_after_ms = -1,
	  .error_msg = "missing stopReason" },
};

static void test_raw(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bedrock_raw); i++)
		fx_run_raw(&probe_bedrock, &target, &bedrock_raw[i]);
}

static void test_build(void **state)
{
	static const struct probe_message msgs[] = {
		{ "system", "Be terse." },
		{ "user", "Capital of France?" },
	};
	struct probe_prompt p = {
		.messages = msgs, .n_messages = 2, .temperature = 0.5, .max_tokens = 64
	};
	struct probe_target t = target;
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body;

	(void)state;
	probe_request_init(&req);
	assert_int_equal(probe_bedrock.build(&t, &p, &req, &err), 0);
	assert_string_equal(req.url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
				     "us.amazon.nova-micro-v1%3A0/converse");
	assert_string_equal(req.sigv4_provider, "aws:amz:us-east-1:bedrock");
	assert_string_equal(req.sigv4_userpwd, "AKIDEXAMPLE:wJalrXUtnFEMI/"
					       "K7MDENG+bPxRfiCYEXAMPLEKEY");
	assert_null(req.sigv4_session_token);
	assert_null(probe_header_get(req.headers, req.n_headers, "authorization"));
	body = json_loadb(req.body, req.body_len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(body, "system"), 0), "text")),
			    "Be terse.");
	assert_int_equal(json_array_size(json_object_get(body, "messages")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "inferenceConfi"
										  "g"),
							    "maxToke"
							    "ns")),
			 64);
	json_decref(body);
	probe_request_release(&req);

	/* Temporary credentials: the third field is the session token. */
	t.api_key = "ASIAEXAMPLE:secret:FwoGZXIvYXdzEXAMPLE";
	t.base_url = "http://127.0.0.1:9999";
	p.stream = 1;
	probe_request_init(&req);
	assert_int_equal(probe_bedrock.build(&t, &p, &req, &err), 0);
	assert_string_equal(req.url, "http://127.0.0.1:9999/model/us.amazon.nova-micro-v1%3A0/"
				     "converse-stream");
	assert_string_equal(req.sigv4_userpwd, "ASIAEXAMPLE:secret");
	assert_string_equal(req.sigv4_session_token, "FwoGZXIvYXdzEXAMPLE");
	probe_request_release(&req);

	/* A Bedrock API key (no colon) is a bearer token, no SigV4. */
	t.api_key = "bedrock-api-key-EXAMPLE";
	probe_request_init(&req);
	assert_int_equal(probe_bedrock.build(&t, &p, &req, &err), 0);
	assert_null(req.sigv4_provider);
	assert_string_equal(probe_header_get(req.headers, req.n_headers, "authorization"), "Bearer "
											   "bedrock"
											   "-api-"
											   "key-"
											   "EXAMPL"
											   "E");
	probe_request_release(&req);

	t.api_key = "AKID:";
	probe_request_init(&req);
	assert_int_equal(probe_bedrock.build(&t, &p, &req, &err), -1);
	assert_string_equal(err.msg, "bedrock key must be "
				     "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]");
	probe_request_release(&req);

	pl_err_init(&err);
	t.api_key = "AKID:SECRET";
	t.region = NULL;
	probe_request_init(&req);
	assert_int_equal(probe_bedrock.build(&t, &p, &req, &err), -1);
	assert_string_equal(err.msg, "bedrock with sigv4 needs a region");
	probe_request_release(&req);
}

/* toolUse content blocks: the AWS guide's Converse example, and a ConverseStream whose
 * contentBlockStart names the tool and contentBlockDelta carries input fragments. */
static void test_tool_calls(void **state)
{
	static const struct fx_calls_case plain = {
		.body = "bedrock/converse-tool-use.docs.json",
		.calls = "[{\"name\":\"top_song\",\"arguments\":{\"sign\":\"WZPZ\"}}]",
	};
	struct probe_answer a;
	struct sbuf sb;

	(void)state;
	fx_check_calls(&probe_bedrock, &target, &plain);
	sbuf_init(&sb);
	event(&sb, "messageStart", "{\"role\":\"assistant\"}");
	event(&sb, "contentBlockDelta",
	      "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Let me look.\"}}");
	event(&sb, "contentBlockStop", "{\"contentBlockIndex\":0}");
	event(&sb, "contentBlockStart",
	      "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":{\"toolUseId\":\"tooluse_1\","
	      "\"name\":\"top_song\"}}}");
	event(&sb, "contentBlockDelta",
	      "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"{\\\"sign\\\":\"}}}");
	event(&sb, "contentBlockDelta",
	      "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"\\\"WZPZ\\\"}\"}}}");
	event(&sb, "contentBlockStop", "{\"contentBlockIndex\":1}");
	event(&sb, "messageStop", "{\"stopReason\":\"tool_use\"}");
	parse_frames(&sb, &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_string_equal(a.text, "Let me look.");
	fx_calls(&a, "[{\"name\":\"top_song\",\"arguments\":{\"sign\":\"WZPZ\"}}]", "stream");
	probe_answer_release(&a);
	sbuf_release(&sb);
}

/* toolConfig: toolSpec with inputSchema.json; toolChoice auto / any / tool; no "none". */
static void test_tool_build(void **state)
{
	struct fx_tools ft;
	json_t *body;

	(void)state;
	fx_tools_init(&ft);
	body = fx_build_body(&probe_bedrock, &target, &ft.p);
	fx_body_has(body, "toolConfig",
		    "{\"tools\":[{\"toolSpec\":{\"name\":\"get_weather\",\"description\":"
		    "\"Weather.\",\"inputSchema\":{\"json\":{\"type\":\"object\",\"properties\":"
		    "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}}],"
		    "\"toolChoice\":{\"auto\":{}}}");
	json_decref(body);
	ft.p.tool_choice = ft.required;
	body = fx_build_body(&probe_bedrock, &target, &ft.p);
	assert_true(json_is_object(json_object_get(
		json_object_get(json_object_get(body, "toolConfig"), "toolChoice"), "any")));
	json_decref(body);
	ft.p.tool_choice = ft.named;
	body = fx_build_body(&probe_bedrock, &target, &ft.p);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(json_object_get(body, "toolConfig"),
							"toolChoice"),
					"tool"),
			"name")),
		"get_weather");
	json_decref(body);
	fx_choice_refused(&probe_bedrock, &target, &ft, ft.none,
			  "bedrock converse cannot ask for tool_choice \"none\"");
	fx_tools_release(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),      cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_stream_frames), cmocka_unit_test(test_raw),
		cmocka_unit_test(test_build),	      cmocka_unit_test(test_tool_calls),
		cmocka_unit_test(test_tool_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
