/* test_stream_ndjson.c: the NDJSON line splitter (probes/stream_ndjson.c). */
#include "test_probe_fixture.h"
#include "stream_ndjson.h"

struct nd_case {
	const char *name;
	const char *body;
	size_t n;
	const char *lines[4];
	int last_unterminated;
};

static const struct nd_case cases[] = {
	{ "lf", "{\"a\":1}\n{\"b\":2}\n", 2, { "{\"a\":1}", "{\"b\":2}" }, 0 },
	{ "crlf", "{\"a\":1}\r\n{\"b\":2}\r\n", 2, { "{\"a\":1}", "{\"b\":2}" }, 0 },
	{ "blank lines are skipped",
	  "\n{\"a\":1}\n \t\r\n\n{\"b\":2}\n",
	  2,
	  { "{\"a\":1}", "{\"b\":2}" },
	  0 },
	{ "cut last line", "{\"a\":1}\n{\"b\":", 2, { "{\"a\":1}", "{\"b\":" }, 1 },
	{ "empty", "", 0, { NULL }, 0 },
};

static void test_rules(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ndjson_stream s;

		ndjson_stream_init(&s);
		ndjson_parse(cases[i].body, strlen(cases[i].body), &s);
		if (s.n != cases[i].n)
			fail_msg("%s: %zu lines, want %zu", cases[i].name, s.n, cases[i].n);
		for (j = 0; j < s.n; j++) {
			assert_int_equal(s.lines[j].len, strlen(cases[i].lines[j]));
			assert_memory_equal(s.lines[j].text, cases[i].lines[j], s.lines[j].len);
			assert_int_equal(s.lines[j].unterminated,
					 j + 1 == s.n ? cases[i].last_unterminated : 0);
		}
		ndjson_stream_release(&s);
	}
}

/* The documented mid-stream error: four chunks, then the error line, each a JSON object. */
static void test_file(void **state)
{
	struct ndjson_stream s;
	size_t len, i;
	char *body = fx_read("ollama/api-generate-stream-midstream-error.docs.ndjson", &len);
	json_t *last;

	(void)state;
	ndjson_stream_init(&s);
	ndjson_parse(body, len, &s);
	assert_int_equal(s.n, 5);
	for (i = 0; i < s.n; i++) {
		json_t *o = json_loadb(s.lines[i].text, s.lines[i].len, 0, NULL);

		assert_true(json_is_object(o));
		json_decref(o);
	}
	last = json_loadb(s.lines[4].text, s.lines[4].len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(last, "error")), "an error was "
									       "encountered while "
									       "running the model");
	json_decref(last);
	ndjson_stream_release(&s);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
