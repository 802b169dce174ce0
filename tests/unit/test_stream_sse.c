/* test_stream_sse.c: the event-stream splitter (probes/stream_sse.c) on the WHATWG rules and on
 * every recorded SSE body in tests/fixtures/vendors. */
#include "test_probe_fixture.h"
#include "stream_sse.h"

struct ev {
	const char *type;
	const char *data;
	int unterminated;
};

struct sse_case {
	const char *name;
	const char *body;
	size_t n;
	struct ev ev[4];
};

static const struct sse_case cases[] = {
	{ "lf", "data: a\n\ndata: b\n\n", 2, { { "message", "a", 0 }, { "message", "b", 0 } } },
	{ "crlf", "event: x\r\ndata: 1\r\n\r\n", 1, { { "x", "1", 0 } } },
	{ "cr only", "data: 1\r\rdata: 2\r\r", 2, { { "message", "1", 0 }, { "message", "2", 0 } } },
	{ "multi-line data joins with newline",
	  "data: a\ndata: b\ndata\n\n",
	  1,
	  { { "message", "a\nb\n", 0 } } },
	{ "only one leading space is stripped",
	  "data:  two\ndata:none\n\n",
	  1,
	  { { "message", " two\nnone", 0 } } },
	{ "comments and unknown fields are ignored",
	  ": ping\nid: 7\nretry: 10\nfoo: bar\ndata: x\n\n",
	  1,
	  { { "message", "x", 0 } } },
	{ "a line without a colon is a field with no value",
	  "...\ndata: y\n\n",
	  1,
	  { { "message", "y", 0 } } },
	{ "events without data are dropped",
	  "event: ping\n\nevent: a\ndata: z\n\n",
	  1,
	  { { "a", "z", 0 } } },
	{ "the event name resets after dispatch",
	  "event: a\ndata: 1\n\ndata: 2\n\n",
	  2,
	  { { "a", "1", 0 }, { "message", "2", 0 } } },
	{ "cut off before the blank line",
	  "data: 1\n\ndata: {\"par",
	  2,
	  { { "message", "1", 0 }, { "message", "{\"par", 1 } } },
	{ "cut off after a line end", "data: 1\n", 1, { { "message", "1", 1 } } },
	{ "byte order mark",
	  "\xEF\xBB\xBF"
	  "data: bom\n\n",
	  1,
	  { { "message", "bom", 0 } } },
	{ "empty", "", 0, { { NULL, NULL, 0 } } },
};

static void test_rules(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sse_stream s;

		sse_stream_init(&s);
		sse_parse(cases[i].body, strlen(cases[i].body), &s);
		if (s.n != cases[i].n)
			fail_msg("%s: %zu events, want %zu", cases[i].name, s.n, cases[i].n);
		for (j = 0; j < s.n; j++) {
			fx_str_eq(s.events[j].type, cases[i].ev[j].type, "type", cases[i].name);
			fx_str_eq(s.events[j].data, cases[i].ev[j].data, "data", cases[i].name);
			assert_int_equal(s.events[j].data_len, strlen(cases[i].ev[j].data));
			assert_int_equal(s.events[j].unterminated, cases[i].ev[j].unterminated);
		}
		sse_stream_release(&s);
	}
}

/* Real streams: event counts and names as recorded. */
struct file_case {
	const char *file;
	size_t n;
	const char *first_type;
	const char *last_type;
	const char *last_data_prefix;
	int last_unterminated;
};

static const struct file_case files[] = {
	{ "openai-chat/chat-stream-basic-with-usage.sse", 34, "message", "message", "[DONE]", 0 },
	{ "openai-responses/responses-stream-text.spec-example.sse", 9, "response.created",
	  "response.completed", "{\"type\":\"response.completed\"", 1 },
	{ "anthropic/messages-stream-basic-text.sse", 9, "message_start", "message_stop",
	  "{\"type\":\"message_stop\"}", 1 },
	{ "gemini/streamGenerateContent-sse-long.sse", 6, "message", "message", "{", 0 },
};

static void test_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct sse_stream s;
		size_t len, k;
		char *body = fx_read(files[i].file, &len);
		const struct sse_event *last;

		sse_stream_init(&s);
		sse_parse(body, len, &s);
		assert_true(s.n > 0);
		assert_int_equal(s.n, files[i].n);
		/* Only the last event can be cut; SDK fixture files often drop the final
		 * blank line, so it is flagged unterminated there and nowhere else. */
		for (k = 0; k + 1 < s.n; k++)
			assert_int_equal(s.events[k].unterminated, 0);
		assert_int_equal(s.events[s.n - 1].unterminated, files[i].last_unterminated);
		fx_str_eq(s.events[0].type, files[i].first_type, "first type", files[i].file);
		last = &s.events[s.n - 1];
		fx_str_eq(last->type, files[i].last_type, "last type", files[i].file);
		assert_true(!strncmp(last->data, files[i].last_data_prefix,
				     strlen(files[i].last_data_prefix)));
		sse_stream_release(&s);
		free(body);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
