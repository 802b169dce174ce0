/* test_render_html.c: the HTML stability report: self-contained (no scripts, no external
 * references), escaped, charts present, deterministic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "register.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *entries(void)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < 10; i++) {
		char date[32];

		snprintf(date, sizeof(date), "2026-11-%02dT02:00:00Z", 10 + i);
		json_array_append_new(
			a, json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:f,s:f}",
				     "type", "run", "seq", (json_int_t)i, "date", date, "vendor",
				     i % 2 ? "anthropic" : "openai-prod", "model",
				     i % 2 ? "claude<script>" : "gpt-4o", "suite", "core",
				     "verdict", i == 6 ? "changed" : "no_change", "epoch",
				     i >= 6 ? "e2" : "e1", "new_epoch", i == 6, "report",
				     "reports/x\".json", "report_sha256", "ab", "availability",
				     0.9 + 0.01 * i, "latency_p50_ms", 700.0 + 13 * i));
	}
	json_array_append_new(a, json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "type",
					   "decision", "seq", (json_int_t)10, "date",
					   "2026-11-21T09:00:00Z", "vendor", "openai-prod", "model",
					   "gpt-4o", "suite", "core", "action", "accept", "by",
					   "alice & bob", "accepts_seq", (json_int_t)6));
	json_object_set_new(json_array_get(a, 10), "reason", json_string("fine"));
	json_object_set_new(json_array_get(a, 10), "epoch", json_string("e2"));
	return a;
}

static void test_html(void **state)
{
	struct render_html_opts o = { "Q4 <vendors>", 0, "../" };
	struct pl_err err = PL_ERR_INIT;
	json_t *e = entries();
	struct sbuf a, b;

	(void)state;
	o.now = register_parse_date("2026-11-30");
	sbuf_init(&a);
	sbuf_init(&b);
	assert_int_equal(render_html_register(e, &o, &a, &err), 0);
	assert_int_equal(render_html_register(e, &o, &b, &err), 0);
	assert_string_equal(a.buf, b.buf);
	assert_true(!strncmp(a.buf, "<!DOCTYPE html>", 15));
	assert_non_null(strstr(a.buf, "<title>Q4 &lt;vendors&gt;</title>"));
	/* self-contained: nothing loaded, nothing run */
	assert_null(strstr(a.buf, "<script"));
	assert_null(strstr(a.buf, "src="));
	assert_null(strstr(a.buf, "https://"));
	assert_null(strstr(a.buf, "href=\"http"));
	assert_null(strstr(a.buf, "url("));
	assert_non_null(strstr(a.buf, "claude&lt;script&gt;"));
	/* the xmlns of inline svg is the one URL allowed: a namespace name, never fetched */
	assert_non_null(strstr(a.buf, "<svg xmlns=\"http:"));
	assert_non_null(strstr(a.buf, "<polyline"));
	assert_non_null(strstr(a.buf, "href=\"../reports/x&quot;.json.minisig\""));
	assert_non_null(strstr(a.buf, "alice &amp; bob"));
	assert_non_null(strstr(a.buf, "run #6 epoch e2"));
	json_decref(e);
	sbuf_release(&a);
	sbuf_release(&b);
}

static void test_empty(void **state)
{
	struct render_html_opts o = { NULL, 0, NULL };
	struct pl_err err = PL_ERR_INIT;
	json_t *e = json_array();
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	assert_int_equal(render_html_register(e, &o, &sb, &err), 0);
	assert_non_null(strstr(sb.buf, "0 register entries"));
	json_decref(e);
	e = json_object();
	assert_int_equal(render_html_register(e, &o, &sb, &err), -1);
	json_decref(e);
	sbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
