/* test_render_md.c: the Markdown summary: content, escaping, determinism, the golden file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/render/%s", PL_FIXTURES, name);
	return json_load_file(path, 0, NULL);
}

static void test_changed(void **state)
{
	json_t *r = load("report-changed.json");
	struct pl_err err = PL_ERR_INIT;
	char path[512], *want = NULL;
	struct sbuf a, b;
	size_t len;

	(void)state;
	assert_non_null(r);
	sbuf_init(&a);
	sbuf_init(&b);
	assert_int_equal(render_md_report(r, &a, &err), 0);
	print_message("%s", a.buf);
	assert_non_null(strstr(a.buf, "### plumbline: openai-prod / gpt-4o / core: **🔴 CHANGED**"));
	/* one counting, one phrase (evaluate.h) */
	assert_non_null(strstr(a.buf, "2 prompts; 2 of 5 checks failed on 2 prompts; 1 could not "
				      "be evaluated."));
	/* what changed, read from the report's block: hostile vendor text stays inert */
	assert_non_null(strstr(a.buf, "**What changed** (1 moved prompt, worst first)"));
	assert_non_null(strstr(a.buf, "model id gpt-4o-2024-08-06 -> gpt-4o-2024-11-20"));
	assert_non_null(strstr(a.buf, "**tonight:** “&lt;img src=x onerror=alert(1)> @channel "
				      "\\*\\*bold\\*\\* \\`\\`\\` \\| \\!\\[i\\](https"));
	assert_null(strstr(a.buf, "<img"));
	/* pipes in text cannot break the table; html is neutralised */
	assert_non_null(strstr(a.buf, "612 chars > 400 \\| limit"));
	assert_non_null(strstr(a.buf, "baseline &lt;missing> & empty"));
	assert_non_null(strstr(a.buf, "| system_fingerprint | fp_44709d6fcb | fp_9b0abffe81 |"));
	assert_non_null(strstr(a.buf, "| prompt_tokens | 31 | 35 |"));
	assert_non_null(strstr(a.buf, "latency p50 812.5 ms · p95 1490 ms"));
	assert_null(strstr(a.buf, "regex match")); /* passing checks are not listed */
	/* determinism */
	assert_int_equal(render_md_report(r, &b, &err), 0);
	assert_string_equal(a.buf, b.buf);
	snprintf(path, sizeof(path), "%s/render/report-changed.md", PL_FIXTURES);
	assert_int_equal(fileio_read_all(path, 1 << 20, &want, &len, &err), 0);
	assert_string_equal(a.buf, want);
	free(want);
	sbuf_release(&a);
	sbuf_release(&b);
	json_decref(r);
}

static void test_minimal(void **state)
{
	json_t *r = json_pack("{s:s}", "verdict", "no_change");
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	assert_int_equal(render_md_report(r, &sb, &err), 0);
	assert_non_null(strstr(sb.buf, "🟢 no change"));
	assert_null(strstr(sb.buf, "| prompt |"));
	json_decref(r);
	r = json_array();
	assert_int_equal(render_md_report(r, &sb, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	json_decref(r);
	sbuf_release(&sb);
}

/* A check in error (none of its samples could be judged) is not "0 of 0 samples failed". */
static void test_error_check_counts(void **state)
{
	json_t *r = json_pack("{s:s,s:[{s:s,s:[{s:s,s:s,s:s,s:i,s:i,s:i},{s:s,s:s,s:s,s:i,s:i,"
			      "s:i}]}]}",
			      "verdict", "checks_failed", "prompts", "id", "p1", "checks", "label",
			      "json_schema", "verdict", "error", "detail", "schema cannot load",
			      "fail", 0, "pass", 0, "error", 10, "label", "regex", "verdict",
			      "fail", "detail", "no match", "fail", 3, "pass", 7, "error", 0);
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	assert_int_equal(render_md_report(r, &sb, &err), 0);
	assert_null(strstr(sb.buf, "0 of 0 samples"));
	assert_non_null(strstr(sb.buf, "no match (3 of 10 samples failed)"));
	json_decref(r);
	sbuf_release(&sb);
}

/* the shape report.c writes ("plumbline-report/1") */
static void test_report_v1(void **state)
{
	json_t *r = load("report-v1.json");
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;

	(void)state;
	assert_non_null(r);
	sbuf_init(&sb);
	assert_int_equal(render_md_report(r, &sb, &err), 0);
	print_message("%s", sb.buf);
	assert_non_null(strstr(sb.buf, "### plumbline: sim / sim-1 / core: **🔴 CHANGED**"));
	assert_non_null(strstr(sb.buf, "Run 2026-11-27. Epoch `e2`."));
	assert_non_null(strstr(sb.buf, "| json-answer | format json | ❌ fail | 0 | not valid JSON: "
				       "fenced code block (3 of 3 samples failed); answer: "
				       "“\\`\\`\\`json {\"a\": 1} \\`\\`\\`” |"));
	assert_non_null(strstr(sb.buf, "| models | \\[\"sim-1\"\\] | \\[\"sim-2\"\\] |"));
	assert_non_null(strstr(sb.buf, "planned 6 · answers 6 · faults 0 · refusals 0"));
	sbuf_release(&sb);
	json_decref(r);
}

/* A failed check's row says what was answered when its detail does not (regex, json_schema,
 * similarity), "(refused, no text)" for a refusal without text, and the ids of two checks that
 * read alike. */
static void test_failures_explained(void **state)
{
	json_t *r = json_loads(
		"{\"verdict\": \"checks_failed\", \"counts\": {\"answers\": 2, \"checks_total\": 3,"
		" \"checks_failed\": 3, \"prompts_failed\": 2}, \"prompts\": ["
		"{\"id\": \"p1\", \"checks\": ["
		" {\"id\": \"ref-pass\", \"label\": \"json_schema\", \"verdict\": \"fail\", \"pass\": 0,"
		"  \"fail\": 1, \"failed_samples\": [{\"sample\": 0, \"detail\": \"/a: required\","
		"  \"text\": \"{\\\"b\\\": 1}\"}]},"
		" {\"id\": \"ref-fail\", \"label\": \"json_schema\", \"verdict\": \"fail\", \"pass\": 0,"
		"  \"fail\": 1, \"failed_samples\": [{\"sample\": 0, \"detail\": \"/c: required\","
		"  \"text\": \"{\\\"b\\\": 1}\"}]}]},"
		"{\"id\": \"p2\", \"checks\": ["
		" {\"id\": \"c0\", \"label\": \"contains x\", \"verdict\": \"fail\", \"pass\": 0, \"fail\": 1,"
		"  \"failed_samples\": [{\"sample\": 0, \"detail\": \"answer \\\"\\\" lacks \\\"x\\\"\","
		"  \"text\": \"\", \"refused\": true}]}]}]}",
		0, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;

	(void)state;
	assert_non_null(r);
	sbuf_init(&sb);
	assert_int_equal(render_md_report(r, &sb, &err), 0);
	print_message("%s", sb.buf);
	assert_non_null(strstr(sb.buf, "\\[ref-pass\\] | ❌ fail | - | /a: required (1 of 1 samples "
				       "failed); answer: “{\"b\": 1}”"));
	assert_non_null(strstr(sb.buf, "\\[ref-fail\\]"));
	assert_null(strstr(sb.buf, "\\[c0\\]"));
	assert_non_null(strstr(sb.buf, "; answer: (refused, no text)"));
	sbuf_release(&sb);
	json_decref(r);
}

/* Vendor-supplied text (a model name, a check detail) cannot become a live link, an image,
 * emphasis, code or HTML, nor break the table. */
static void test_vendor_markdown_is_inert(void **state)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:[{s:s,s:s,s:s}]}]}", "vendor", "acme",
			      "model", "![x](https://evil.example/p.png)", "suite", "core",
			      "verdict", "checks_failed", "prompts", "id", "p_1", "checks", "name",
			      "regex", "verdict", "fail", "detail",
			      "see [click](https://evil.example/) **bold** _it_ `code` ~~gone~~ "
			      "<img src=x> a|b "
			      "snake_case");
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	assert_int_equal(render_md_report(r, &sb, &err), 0);
	print_message("%s", sb.buf);
	assert_null(strstr(sb.buf, "![x]("));
	assert_null(strstr(sb.buf, "[click]("));
	assert_null(strstr(sb.buf, "**bold"));
	assert_null(strstr(sb.buf, "<img"));
	assert_non_null(strstr(sb.buf, "acme / \\!\\[x\\](https://evil.example/p.png) / core"));
	assert_non_null(strstr(sb.buf, "see \\[click\\](https://evil.example/) \\*\\*bold\\*\\* "
				       "\\_it\\_ \\`code\\` \\~\\~gone\\~\\~ &lt;img src=x> a\\|b "
				       "snake_case |"));
	assert_non_null(strstr(sb.buf, "| p_1 | regex |"));
	sbuf_release(&sb);
	json_decref(r);
}

/* The same escaping, for Slack mrkdwn and Teams, and the cut. */
static void test_escape_flavors(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	render_md_escape(&sb, "<!channel> <https://evil|x> @here *b* a_b _i_ `c` me@x.io\nl2",
			 RENDER_MD_SLACK, 0);
	assert_string_equal(sb.buf, "&lt;!channel&gt; &lt;https://evil|x&gt; @\xe2\x80\x8bhere "
				    "\xe2\x80\x8b*b\xe2\x80\x8b* a_b \xe2\x80\x8b_i\xe2\x80\x8b_ "
				    "\xe2\x80\x8b`c\xe2\x80\x8b` me@x.io\nl2");
	sbuf_reset(&sb);
	render_md_escape(&sb, "https://x/a?b=1&c=2|<", RENDER_MD_SLACK_URL, 0);
	assert_string_equal(sb.buf, "https://x/a?b=1&amp;c=2%7C&lt;");
	sbuf_reset(&sb);
	render_md_escape(&sb, "[a](http://e) ![i](http://e/i.png)\nnext", RENDER_MD_TEAMS, 0);
	assert_string_equal(sb.buf, "\\[a\\](http://e) \\!\\[i\\](http://e/i.png)\nnext");
	sbuf_reset(&sb);
	render_md_escape(&sb, "<b>x</b> <script> <!channel>", RENDER_MD_TEAMS, 0);
	assert_string_equal(sb.buf, "&lt;b&gt;x&lt;/b&gt; &lt;script&gt; &lt;!channel&gt;");
	/* Teams reads entities (a literal "&lt;" stays text) and has no code spans (a backtick is
	 * text, never escaped) */
	sbuf_reset(&sb);
	render_md_escape(&sb, "R&D a &lt; b ``` `c` *d*", RENDER_MD_TEAMS, 0);
	assert_string_equal(sb.buf, "R&amp;D a &amp;lt; b ``` `c` \\*d\\*");
	sbuf_reset(&sb);
	render_md_escape(&sb, "a`b\nc", RENDER_MD_CODE, 0);
	assert_string_equal(sb.buf, "a'b c");
	/* a cut never splits an escape or a UTF-8 sequence, and keeps within max */
	sbuf_reset(&sb);
	render_md_escape(&sb, "abc[[[[", RENDER_MD_GITHUB, 7);
	assert_string_equal(sb.buf, "abc…");
	sbuf_reset(&sb);
	render_md_escape(&sb, "ab\xc3\xa9\xc3\xa9\xc3\xa9", RENDER_MD_GITHUB, 7);
	assert_string_equal(sb.buf, "ab\xc3\xa9…");
	sbuf_reset(&sb);
	render_md_escape(&sb, "short", RENDER_MD_GITHUB, 5);
	assert_string_equal(sb.buf, "short");
	sbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_error_check_counts),
		cmocka_unit_test(test_report_v1),
		cmocka_unit_test(test_failures_explained),
		cmocka_unit_test(test_vendor_markdown_is_inert),
		cmocka_unit_test(test_escape_flavors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
