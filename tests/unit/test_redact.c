/* test_redact.c: the secret set and its matcher: literal, JSON-escaped, URL-encoded and base64
 * (three alignments, both alphabets) forms; composite credentials part by part; answers with
 * logprobs and header names; journal records built from an answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "journal.h"
#include "probe.h"
#include "redact.h"
#include "sbuf.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define KEY "fake-test-key-Canary0123456789abcdefXYZ"

static int setup(void **state)
{
	(void)state;
	redact_clear();
	redact_add_credential(KEY);
	return 0;
}

/* The redacted text (caller frees). */
static char *redacted(const char *text)
{
	char *s = xstrdup(text);

	redact_str(&s);
	return s;
}

static void assert_redacts_to(const char *in, const char *want)
{
	char *s = redacted(in);

	assert_string_equal(s, want);
	free(s);
}

/* "\u00XX" for every character of s (upper-case hex when upper; behind `slashes`
 * backslashes). */
static void add_u_escaped(struct sbuf *sb, const char *s, int upper, int slashes)
{
	for (; *s; s++) {
		sbuf_addstr(sb, slashes == 2 ? "\\\\" : "\\");
		if (upper)
			sbuf_addf(sb, "u%04X", (unsigned)(unsigned char)*s);
		else
			sbuf_addf(sb, "u%04x", (unsigned)(unsigned char)*s);
	}
}

static void test_literal_and_escaped(void **state)
{
	struct sbuf sb;
	char *s;

	(void)state;
	assert_redacts_to("key " KEY " end", "key [redacted] end");
	assert_redacts_to(KEY KEY, "[redacted][redacted]");
	assert_redacts_to("nothing here fake-test-key-Canary", "nothing here fake-test-key-Canary");
	/* every character escaped, lower- and upper-case hex, and behind a second backslash
	 * (an escaped body inside a JSON string) */
	sbuf_init(&sb);
	sbuf_addstr(&sb, "{\"t\":\"");
	add_u_escaped(&sb, KEY, 0, 1);
	sbuf_addstr(&sb, "\",\"u\":\"");
	add_u_escaped(&sb, KEY, 1, 1);
	sbuf_addstr(&sb, "\",\"d\":\"");
	add_u_escaped(&sb, KEY, 0, 2);
	sbuf_addstr(&sb, "\"}");
	s = redacted(sb.buf);
	assert_string_equal(s, "{\"t\":\"[redacted]\",\"u\":\"[redacted]\",\"d\":\"[redacted]\"}");
	free(s);
	sbuf_release(&sb);
	/* a few characters escaped, a few URL-encoded */
	assert_redacts_to("x fake\\u002dtest-key-Canary0123456789abcdefXYZ y", "x [redacted] y");
	assert_redacts_to("?k=fake%2Dtest-key%2dCanary0123456789abcdefXYZ&a=1",
			  "?k=[redacted]&a=1");
	/* a key holding a slash, escaped as "\/" by some encoders */
	redact_add("abc/def/ghi/jkl");
	assert_redacts_to("\"abc\\/def\\/ghi\\/jkl\"", "\"[redacted]\"");
}

static void test_base64_alignments(void **state)
{
	static const char *const pre[] = { "", "a", "ab" };
	unsigned char enc[256];
	struct sbuf in;
	char *s, *full, *p;
	size_t a;
	int n;

	(void)state;
	for (a = 0; a < 3; a++) {
		sbuf_init(&in);
		sbuf_addf(&in, "%s%s tail", pre[a], KEY);
		n = EVP_EncodeBlock(enc, (const unsigned char *)in.buf, (int)in.len);
		enc[n] = '\0';
		full = xstrdup((const char *)enc);
		s = redacted(full);
		assert_non_null(strstr(s, "[redacted]"));
		/* no 6 encoded characters of the secret's interior survive */
		for (p = full + 4; p + 6 <= full + 4 * (strlen(KEY) / 3); p++) {
			char win[7];

			memcpy(win, p, 6);
			win[6] = '\0';
			assert_null(strstr(s, win));
		}
		free(s);
		/* the URL-safe alphabet too */
		for (p = full; *p; p++)
			*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
		s = redacted(full);
		assert_non_null(strstr(s, "[redacted]"));
		free(s);
		free(full);
		sbuf_release(&in);
	}
	/* the base64 of the key alone, as a test greps for it */
	n = EVP_EncodeBlock(enc, (const unsigned char *)KEY, (int)strlen(KEY));
	enc[n] = '\0';
	s = redacted((const char *)enc);
	assert_string_equal(s, "[redacted]");
	free(s);
}

static void test_composite_parts(void **state)
{
	static const char akid[] = "FAKEACCESSKEYID12345";
	static const char secret[] = "fake/secret+access-key-0123456789";
	static const char token[] = "fake-session-token-0123456789";
	struct sbuf sb;
	char *s;

	(void)state;
	sbuf_init(&sb);
	sbuf_addf(&sb, "%s:%s:%s", akid, secret, token);
	redact_add_credential(sb.buf);
	sbuf_release(&sb);
	sbuf_init(&sb);
	sbuf_addf(&sb, "id %s; secret %s; token %s.", akid, secret, token);
	s = redacted(sb.buf);
	assert_string_equal(s, "id [redacted]; secret [redacted]; token [redacted].");
	free(s);
	sbuf_release(&sb);
	/* short parts are not registered (they would match ordinary words) */
	redact_add_credential("ab:cdefghij");
	assert_redacts_to("ab cdefghij", "ab [redacted]");
	/* NULL and short keys are ignored */
	redact_add_credential(NULL);
	redact_add("abc");
	assert_redacts_to("abc", "abc");
}

static void test_json_and_answer(void **state)
{
	struct probe_answer a;
	json_t *lp, *same, *o;
	char *text;

	(void)state;
	probe_answer_init(&a);
	a.text = xstrdup("answer " KEY);
	a.model = xstrdup("gpt-" KEY);
	a.error_message = xstrdup("bad key " KEY);
	probe_answer_add_header(&a, "x-ratelimit-" KEY, KEY);
	probe_answer_add_header(&a, "x-request-id", "req_1");
	lp = json_pack("{s:[{s:s,s:f,s:[{s:s,s:f}]}],s:{s:s}}", "content", "token", KEY, "logprob",
		       -0.1, "top_logprobs", "token", "x" KEY, "logprob", -2.0, "extra_" KEY,
		       "echo", KEY);
	a.logprobs = lp;
	same = json_pack("{s:[s,i]}", "k", "clean", 1);
	o = redact_json(same);
	assert_ptr_equal(o, same); /* nothing matched: the same value */
	json_decref(o);
	json_decref(same);

	probe_answer_redact(&a);
	assert_string_equal(a.text, "answer [redacted]");
	assert_string_equal(a.model, "gpt-[redacted]");
	assert_string_equal(a.error_message, "bad key [redacted]");
	assert_int_equal(a.n_headers, 2);
	assert_string_equal(a.headers[0].name, "x-ratelimit-[redacted]");
	assert_string_equal(a.headers[0].value, "[redacted]");
	assert_string_equal(a.headers[1].name, "x-request-id");
	text = json_dumps(a.logprobs, JSON_COMPACT | JSON_SORT_KEYS);
	assert_null(strstr(text, KEY));
	assert_non_null(strstr(text, "\"extra_[redacted]\":{\"echo\":\"[redacted]\"}"));
	assert_non_null(strstr(text, "\"token\":\"x[redacted]\""));
	free(text);
	probe_answer_release(&a);

	/* a tool call's arguments (and its name) are the vendor's text too */
	probe_answer_init(&a);
	a.text = xstrdup("");
	probe_answer_add_call_text(&a, "send_" KEY, "{\"key\":\"" KEY "\"}",
				   strlen("{\"key\":\"" KEY "\"}"));
	probe_answer_redact(&a);
	text = json_dumps(a.tool_calls, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
		text, "[{\"arguments\":{\"key\":\"[redacted]\"},\"name\":\"send_[redacted]\"}]");
	free(text);
	probe_answer_release(&a);
}

/* journal_answer_to_json (journals, baselines) redacts even an answer nobody redacted. */
static void test_journal_record(void **state)
{
	struct probe_answer a;
	json_t *o;
	char *text;

	(void)state;
	probe_answer_init(&a);
	a.text = xstrdup("t");
	a.logprobs = json_pack("{s:[{s:s}]}", "content", "token", KEY);
	o = json_pack("{s:s}", "k", KEY);
	probe_answer_add_call(&a, "f", o);
	json_decref(o);
	o = journal_answer_to_json(&a);
	assert_non_null(json_object_get(o, "tool_calls"));
	text = json_dumps(o, JSON_COMPACT);
	assert_null(strstr(text, KEY));
	assert_non_null(strstr(text, "[redacted]"));
	free(text);
	json_decref(o);
	probe_answer_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_literal_and_escaped, setup),
		cmocka_unit_test_setup(test_base64_alignments, setup),
		cmocka_unit_test_setup(test_composite_parts, setup),
		cmocka_unit_test_setup(test_json_and_answer, setup),
		cmocka_unit_test_setup(test_journal_record, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
