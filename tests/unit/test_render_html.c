/* test_render_html.c: the HTML stability report: self-contained (no scripts, no external
 * references), escaped, charts present, deterministic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "register.h"
#include "render.h"
#include "testutil.h"

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
	struct render_html_opts o = { .title = "Q4 <vendors>", .report_base = "../" };
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
	/* the report link opens the rendering beside the signed JSON */
	assert_non_null(strstr(a.buf, "href=\"../reports/x&quot;.html\">report</a>"));
	/* a reader's help: a summary per vendor, a glossary, axes with titles, print styles */
	assert_non_null(strstr(a.buf, "<h2>Summary</h2>"));
	/* the 30-day availability is the mean of the runs' figures (openai-prod: 0.90, 0.92,
	 * 0.94, 0.96, 0.98), and the summary, the table and the glossary all say so */
	assert_non_null(strstr(a.buf, "; availability 94.0% over 30 days (the mean of its runs' "
				      "availability, vendor faults only)"));
	assert_null(strstr(a.buf, "of the time"));
	assert_non_null(strstr(a.buf, "<th>availability 30d (mean of the runs, vendor faults "
				      "only)</th>"));
	assert_non_null(strstr(a.buf, "The 30-day figure is the mean of the runs' availability"));
	/* a decision row says when it was decided (its signed date), beside its night */
	assert_non_null(strstr(a.buf, "<th>night</th><th>decided</th>"));
	assert_non_null(strstr(a.buf, "<td class=\"n\">10</td><td>2026-11-21</td><td>2026-11-21 "
				      "09:00:00 UTC</td><td>core</td><td>accept</td>"));
	/* stable over the nights observed (11-16 and 11-18), not the 14 days to now (11-30) */
	assert_non_null(strstr(a.buf, "<b>openai-prod / gpt-4o</b>: stable over 2 observed nights "
				      "since 2026-11-16, last observed 2026-11-18; 1 behaviour "
				      "change in 90 days (2026-11-16: "));
	assert_non_null(strstr(a.buf, "accepted by alice &amp; bob: \xe2\x80\x98"
				      "fine\xe2\x80\x99"));
	assert_non_null(strstr(a.buf, "<h2>Glossary</h2>"));
	assert_non_null(strstr(a.buf, ">night (UTC)</text>"));
	assert_non_null(strstr(a.buf, ">availability (%)</text>"));
	assert_non_null(strstr(a.buf, "@media print"));
	assert_non_null(strstr(a.buf, "alice &amp; bob"));
	assert_non_null(strstr(a.buf, "run #6 epoch e2"));
	json_decref(e);
	sbuf_release(&a);
	sbuf_release(&b);
}

static void test_empty(void **state)
{
	struct render_html_opts o = { .title = NULL };
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

/* A vendor back on its earlier behaviour: a return, not a second change; the words of the
 * change come from its report's gist; links are relative to the page's folder. */
static void test_return_and_links(void **state)
{
	struct render_html_opts o = { .title = "t", .cwd = "/srv/pl", .out_dir = "site/sub" };
	struct pl_err err = PL_ERR_INIT;
	json_t *a = json_array(), *words;
	const char *verdicts[] = { "no_change", "changed", "no_change", "changed" };
	const char *epochs[] = { "e1", "e2", "e2", "e1" };
	struct sbuf sb;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		char date[32], report[64];

		snprintf(date, sizeof(date), "2026-11-%02dT02:00:00Z", 20 + i);
		snprintf(report, sizeof(report),
			 i == 3 ? "/srv/pl/reports/n%d.json" : "./reports/../reports/n%d.json", i);
		json_array_append_new(a, json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s}",
						   "type", "run", "seq", (json_int_t)i, "date",
						   date, "vendor", "v", "model", "m", "suite",
						   "core", "verdict", verdicts[i], "epoch",
						   epochs[i], "new_epoch", i == 1, "returned_epoch",
						   i == 3, "report", report));
	}
	words = json_pack("{s:s}", "1", "answers got <longer>");
	o.change_words = words;
	o.now = register_parse_date("2026-11-30");
	sbuf_init(&sb);
	assert_int_equal(render_html_register(a, &o, &sb, &err), 0);
	assert_non_null(strstr(sb.buf,
			       "<b>v / m</b>: stable over 1 observed night since "
			       "2026-11-23, last observed 2026-11-23; 1 behaviour change in "
			       "90 days (2026-11-21: answers got &lt;longer&gt;; not accepted "
			       "yet)"));
	assert_non_null(strstr(sb.buf, "returned to an earlier behaviour 1 time (2026-11-23: back "
				       "to epoch e1)"));
	/* the table counts the change once, never the return */
	assert_non_null(strstr(sb.buf, "<td class=\"n changed\">1</td><td class=\"n\">1</td>"));
	assert_non_null(strstr(sb.buf, "returned to an earlier behaviour (epoch e1)</title>"));
	assert_non_null(strstr(sb.buf, "href=\"../../reports/n0.html\">report</a>"));
	assert_non_null(strstr(sb.buf, "href=\"../../reports/n3.html\">report</a>"));
	assert_non_null(strstr(sb.buf, "href=\"../../reports/n3.json.minisig\""));
	sbuf_release(&sb);
	json_decref(words);
	json_decref(a);
}

/* QA's w4 register (tests/fixtures/render/register-w4.json): a change suspected 11-03, confirmed
 * 11-04 and accepted (against the confirming run), a suspicion 11-05 retracted 11-06, a night the
 * vendor was down (11-07). The old code said "3 behaviour changes" (11-03 "not accepted yet",
 * 11-04, 11-05) and "returned to an earlier behaviour 1 time" (the retraction). */

static char *lead(const char *page)
{
	const char *a = strstr(page, "<p class=\"lead summary\">"),
		   *b = a ? strstr(a, "</p>") : NULL;

	assert_non_null(b);
	return strndup(a, (size_t)(b + 4 - a));
}

static void test_stages_summary(void **state)
{
	struct render_html_opts o = { .title = "t" };
	struct pl_err err = PL_ERR_INIT;
	json_t *a = json_load_file(tu_fixture("render/register-w4.json"), 0, NULL);
	json_t *words =
		json_pack("{s:s, s:s}", "2", "answers got shorter", "5", "answers got longer");
	struct sbuf sb;
	char *p;

	(void)state;
	assert_non_null(a);
	o.change_words = words;
	o.now = register_parse_date("2026-11-20");
	sbuf_init(&sb);
	assert_int_equal(render_html_register(a, &o, &sb, &err), 0);
	p = lead(sb.buf);
	/* stable over the nights observed, the night the vendor was down a gap (the old code:
	 * "stable for 14 days (since the behaviour moved on 2026-11-06)", to now); the retracted
	 * night 11-05 observed, not a stable night, and listed with the retracted suspicions */
	assert_string_equal(p, "<p class=\"lead summary\"><b>v / m</b>: stable over 3 observed "
			       "nights since 2026-11-03, last observed 2026-11-06; 1 night not "
			       "observed (2026-11-07: incomplete); 1 behaviour change in "
			       "90 days (2026-11-03: answers got shorter, confirmed 2026-11-04; "
			       "accepted by alice: \xe2\x80\x98"
			       "fine\xe2\x80\x99); 1 suspected "
			       "change retracted, not counted (2026-11-05: answers got longer, "
			       "retracted 2026-11-06).</p>");
	free(p);
	/* the table: last change 11-03, one change in 30 and 90 days */
	assert_non_null(strstr(sb.buf, "<td>2026-11-03</td><td class=\"n changed\">1</td>"
				       "<td class=\"n\">1</td>"));
	sbuf_release(&sb);
	json_decref(words);
	json_decref(a);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* A night run twice (tests/fixtures/render/register-forced.json): #2's change was replaced by
 * #3, `run --force` on the same night, whose report now fills #2's file. #2 is marked replaced
 * and not counted, struck through, never a red "changed" row; it offers no link to the file
 * (#3's report now), only its own SHA-256 and where its file's contents went; the runs cell
 * says 4 (+1 replaced), as `register show`; the charts and timeline draw the night's standing
 * run. On the old code: a plain "changed" row linking #3's report, 5 runs, availability 90.0%. */
static void test_replaced_run(void **state)
{
	struct render_html_opts o = { .title = "t" };
	struct pl_err err = PL_ERR_INIT;
	json_t *a = json_load_file(tu_fixture("render/register-forced.json"), 0, NULL);
	struct sbuf sb;

	(void)state;
	assert_non_null(a);
	o.now = register_parse_date("2026-11-20");
	sbuf_init(&sb);
	assert_int_equal(render_html_register(a, &o, &sb, &err), 0);
	assert_non_null(strstr(sb.buf,
			       "<tr id=\"run-2\" class=\"replaced\"><td class=\"n\">2</td>"
			       "<td>2026-11-03</td><td>s</td><td><s>changed</s> replaced by "
			       "<a href=\"#run-3\">#3</a> (--force), not counted</td>"));
	assert_non_null(strstr(sb.buf,
			       "<td><code title=\"SHA-256\">deaddeaddeaddeaddeaddeaddeaddead"
			       "deaddeaddeaddeaddeaddeaddeaddead</code><br>this run's report, "
			       "not linked: its file <code>2026-11-03/v-s.json</code> now "
			       "holds <a href=\"#run-3\">entry #3</a>'s report</td></tr>"));
	assert_null(strstr(sb.buf, "<td class=\"changed\">changed</td>"));
	/* the night's report, signature and rendering are linked once: from #3, whose they are */
	assert_int_equal(count(sb.buf, "href=\"r/2026-11-03/v-s.html\""), 1);
	assert_int_equal(count(sb.buf, "href=\"r/2026-11-03/v-s.json\""), 1);
	assert_int_equal(count(sb.buf, "href=\"r/2026-11-03/v-s.json.minisig\""), 1);
	assert_non_null(strstr(sb.buf, "<tr id=\"run-3\"><td class=\"n\">3</td>"));
	/* counted as in register show: the runs that stand, the replaced one apart */
	assert_non_null(strstr(sb.buf, "<td class=\"n\">100.0%</td><td class=\"n\">100 ms</td>"
				       "<td class=\"n\">4 <span class=\"muted\">(+1 replaced, not "
				       "counted)</span></td><td class=\"n\">0</td></tr>"));
	assert_non_null(strstr(sb.buf,
			       "<b>v / m</b>: stable over 4 observed nights since "
			       "2026-11-01, last observed 2026-11-04; 0 behaviour changes"));
	assert_null(strstr(sb.buf, "2026-11-03 s: changed"));
	assert_null(strstr(sb.buf, "2026-11-03: 50.0%"));
	assert_null(strstr(sb.buf, "2026-11-03: 900.0 ms"));
	assert_non_null(strstr(sb.buf, "<dt>replaced run</dt>"));
	sbuf_release(&sb);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_return_and_links),
		cmocka_unit_test(test_stages_summary),
		cmocka_unit_test(test_replaced_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
