/* render_junit.c: JUnit XML for CI, valid against Jenkins xunit's junit-10.xsd: one testsuite
 * per report, one testcase per prompt check, plus one for the behaviour-change decision. */
#include "canon.h"
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void attr(struct sbuf *out, const char *name, const char *value)
{
	sbuf_addf(out, " %s=\"", name);
	render_xml_escape(out, value ? value : "");
	sbuf_addch(out, '"');
}

static void property(struct sbuf *out, const char *name, const char *value)
{
	if (!value)
		return;
	sbuf_addstr(out, "      <property");
	attr(out, "name", name);
	attr(out, "value", value);
	sbuf_addstr(out, "/>\n");
}

struct counts {
	size_t tests, failures, errors, skipped;
};

static int is(const char *v, const char *want)
{
	return v && !strcmp(v, want);
}

static void count(const json_t *r, struct counts *c)
{
	const json_t *p, *k;
	size_t i, j;

	memset(c, 0, sizeof(*c));
	c->tests = 1; /* the behaviour-change decision */
	c->failures += is(sget(r, "verdict"), "changed");
	c->errors += is(sget(r, "verdict"), "incomplete");
	json_array_foreach(json_object_get(r, "prompts"), i, p)
		json_array_foreach(json_object_get(p, "checks"), j, k)
	{
		const char *v = sget(k, "verdict");

		c->tests++;
		c->failures += is(v, "fail");
		c->errors += is(v, "error");
		c->skipped += is(v, "skip");
	}
}

static void sample_text(struct sbuf *out, const json_t *s)
{
	/* an empty answer is named, as the Markdown names it: an empty quote says nothing */
	const char *text =
		render_answer_text(sget(s, "text"), json_is_true(json_object_get(s, "refused")));

	sbuf_addstr(out, "\n--- failed sample");
	if (json_is_integer(json_object_get(s, "sample")))
		sbuf_addf(out, " #%lld",
			  (long long)json_integer_value(json_object_get(s, "sample")));
	sbuf_addstr(out, ": ");
	render_xml_escape(out, sget(s, "detail"));
	sbuf_addstr(out, " ---\n");
	if (text && strlen(text) > 2000) {
		size_t n = 2000;
		char *cut;

		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--; /* never split a UTF-8 sequence: the XML must stay valid */
		cut = xstrndup(text, n);
		render_xml_escape(out, cut);
		sbuf_addstr(out, "…");
		free(cut);
	} else {
		render_xml_escape(out, text);
	}
	/* the report quotes long answers cut; say so, with what identifies the whole */
	if (json_is_true(json_object_get(s, "truncated")) || (text && strlen(text) > 2000)) {
		sbuf_addstr(out, "\n--- quoted in part");
		if (json_is_integer(json_object_get(s, "bytes")))
			sbuf_addf(out, ": the answer has %lld bytes",
				  (long long)json_integer_value(json_object_get(s, "bytes")));
		if (sget(s, "sha256")) {
			sbuf_addstr(out, ", sha256 ");
			render_xml_escape(out, sget(s, "sha256"));
		}
		sbuf_addstr(out, " ---");
	}
}

/* Quotes up to 3 failed samples: the check's own, else the prompt's for this check. */
static void failed_samples(struct sbuf *out, const json_t *prompt, const json_t *check)
{
	const json_t *own = json_object_get(check, "failed_samples"), *s;
	const char *name = render_check_name(check);
	size_t i, shown = 0;

	json_array_foreach(own ? own : json_object_get(prompt, "failed_samples"), i, s)
	{
		if (!own && sget(s, "check") && strcmp(sget(s, "check"), name))
			continue;
		if (shown++ >= 3)
			break;
		sample_text(out, s);
	}
}

static const char *check_detail(const json_t *c)
{
	if (sget(c, "detail"))
		return sget(c, "detail");
	return sget(json_array_get(json_object_get(c, "failed_samples"), 0), "detail");
}

static void testcase(struct sbuf *out, const json_t *p, const json_t *k, const char *cls)
{
	const char *v = sget(k, "verdict");
	const json_t *score = json_object_get(k, "score_mean");
	struct sbuf tn;
	char num[40];

	if (!score)
		score = json_object_get(k, "score");
	sbuf_init(&tn);
	sbuf_addf(&tn, "%s: %s", sget(p, "id") ? sget(p, "id") : "?", render_check_name(k));
	/* two checks of a prompt with the same description (contains_any of lists that start
	 * alike): their ids, unique in a prompt, tell the test cases apart */
	if (sget(k, "id") && strcmp(sget(k, "id"), render_check_name(k))) {
		const json_t *o;
		size_t i, same = 0;

		json_array_foreach(json_object_get(p, "checks"), i, o)
			same += !strcmp(render_check_name(o), render_check_name(k));
		if (same > 1)
			sbuf_addf(&tn, " [%s]", sget(k, "id"));
	}
	sbuf_addstr(out, "    <testcase");
	attr(out, "name", tn.buf);
	attr(out, "classname", cls);
	sbuf_release(&tn);
	if (!v || is(v, "pass")) {
		sbuf_addstr(out, "/>\n");
		return;
	}
	if (is(v, "skip")) {
		sbuf_addstr(out, ">\n      <skipped");
		attr(out, "message", check_detail(k));
		sbuf_addstr(out, "/>\n    </testcase>\n");
		return;
	}
	sbuf_addstr(out, is(v, "error") ? ">\n      <error" : ">\n      <failure");
	attr(out, "type", is(v, "error") ? "check_error" : "check_failed");
	attr(out, "message", check_detail(k));
	sbuf_addch(out, '>');
	if (json_is_integer(json_object_get(k, "fail")))
		sbuf_addf(out, "%lld of %lld samples failed. ",
			  (long long)json_integer_value(json_object_get(k, "fail")),
			  (long long)(json_integer_value(json_object_get(k, "fail")) +
				      json_integer_value(json_object_get(k, "pass"))));
	if (json_is_number(score) && canon_number(json_number_value(score), num, sizeof(num)) > 0)
		sbuf_addf(out, "score %s", num);
	failed_samples(out, p, k);
	sbuf_addstr(out, is(v, "error") ? "</error>\n" : "</failure>\n");
	sbuf_addstr(out, "    </testcase>\n");
}

static void suite(struct sbuf *out, const json_t *r, const char *file)
{
	const char *vendor = render_report_field(r, "vendor");
	const char *model = render_report_field(r, "model");
	const char *suite_id = render_report_field(r, "suite");
	const char *verdict = sget(r, "verdict");
	const json_t *p, *k;
	struct counts c;
	char num[32], name[512], cls[512];
	size_t i, j;

	count(r, &c);
	snprintf(name, sizeof(name), "%s/%s/%s", vendor ? vendor : "?", model ? model : "?",
		 suite_id ? suite_id : "?");
	snprintf(cls, sizeof(cls), "plumbline.%s.%s", vendor ? vendor : "?",
		 suite_id ? suite_id : "?");
	sbuf_addstr(out, "  <testsuite");
	attr(out, "name", name);
	snprintf(num, sizeof(num), "%zu", c.tests);
	attr(out, "tests", num);
	snprintf(num, sizeof(num), "%zu", c.failures);
	attr(out, "failures", num);
	snprintf(num, sizeof(num), "%zu", c.errors);
	attr(out, "errors", num);
	snprintf(num, sizeof(num), "%zu", c.skipped);
	attr(out, "skipped", num);
	if (render_report_field(r, "date"))
		attr(out, "timestamp", render_report_field(r, "date"));
	if (file)
		attr(out, "file", file);
	sbuf_addstr(out, ">\n    <properties>\n");
	property(out, "vendor", vendor);
	property(out, "model", model);
	property(out, "suite", suite_id);
	property(out, "verdict", verdict);
	property(out, "epoch", render_report_field(r, "epoch"));
	sbuf_addstr(out, "    </properties>\n");
	sbuf_addstr(out, "    <testcase name=\"behaviour unchanged\"");
	attr(out, "classname", cls);
	if (is(verdict, "changed") || is(verdict, "incomplete")) {
		sbuf_addstr(out, is(verdict, "changed") ? ">\n      <failure "
							  "type=\"behaviour_changed\""
							: ">\n      <error type=\"incomplete\"");
		attr(out, "message", sget(r, "summary") ? sget(r, "summary") : verdict);
		sbuf_addstr(out, "/>\n    </testcase>\n");
	} else {
		sbuf_addstr(out, "/>\n");
	}
	json_array_foreach(json_object_get(r, "prompts"), i, p)
		json_array_foreach(json_object_get(p, "checks"), j, k) testcase(out, p, k, cls);
	sbuf_addstr(out, "  </testsuite>\n");
}

int render_junit(const json_t *const *reports, const char *const *names, size_t n, struct sbuf *out,
		 struct pl_err *err)
{
	struct counts c, total;
	size_t i;

	memset(&total, 0, sizeof(total));
	for (i = 0; i < n; i++) {
		if (!json_is_object(reports[i]))
			return pl_err_set(err, PL_E_INPUT, names ? names[i] : NULL,
					  "the report is not a json object");
		count(reports[i], &c);
		total.tests += c.tests;
		total.failures += c.failures;
		total.errors += c.errors;
	}
	sbuf_addf(out,
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"plumbline\" "
		  "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
		  total.tests, total.failures, total.errors);
	for (i = 0; i < n; i++)
		suite(out, reports[i], names ? names[i] : NULL);
	sbuf_addstr(out, "</testsuites>\n");
	return 0;
}
