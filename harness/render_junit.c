/* render_junit.c: JUnit XML for CI, valid against Jenkins xunit's junit-10.xsd: one testsuite
 * per report, one testcase per prompt check, plus one for the behaviour-change decision. */
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

static void count(const json_t *r, struct counts *c)
{
	const json_t *p, *k;
	size_t i, j;

	memset(c, 0, sizeof(*c));
	c->tests = 1; /* the behaviour-change decision */
	if (sget(r, "verdict") && !strcmp(sget(r, "verdict"), "changed"))
		c->failures++;
	json_array_foreach(json_object_get(r, "prompts"), i, p)
		json_array_foreach(json_object_get(p, "checks"), j, k)
	{
		const char *v = sget(k, "verdict");

		c->tests++;
		c->failures += v && !strcmp(v, "fail");
		c->errors += v && !strcmp(v, "error");
		c->skipped += v && !strcmp(v, "skip");
	}
}

static void failed_samples(struct sbuf *out, const json_t *prompt, const char *check)
{
	const json_t *s;
	size_t i, shown = 0;

	json_array_foreach(json_object_get(prompt, "failed_samples"), i, s)
	{
		const char *c = sget(s, "check"), *text = sget(s, "text");

		if (check && c && strcmp(c, check))
			continue;
		if (shown++ >= 3)
			break;
		sbuf_addstr(out, "\n--- failed sample ---\n");
		if (text && strlen(text) > 2000) {
			char *cut = xstrndup(text, 2000);

			render_xml_escape(out, cut);
			sbuf_addstr(out, "…");
			free(cut);
		} else {
			render_xml_escape(out, text);
		}
	}
}

static void suite(struct sbuf *out, const json_t *r, const char *file)
{
	const json_t *p, *k;
	struct counts c;
	char num[32], name[512], cls[512];
	size_t i, j;
	const char *verdict = sget(r, "verdict");

	count(r, &c);
	snprintf(name, sizeof(name), "%s/%s/%s", sget(r, "vendor") ? sget(r, "vendor") : "?",
		 sget(r, "model") ? sget(r, "model") : "?",
		 sget(r, "suite") ? sget(r, "suite") : "?");
	snprintf(cls, sizeof(cls), "plumbline.%s.%s", sget(r, "vendor") ? sget(r, "vendor") : "?",
		 sget(r, "suite") ? sget(r, "suite") : "?");
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
	if (sget(r, "date"))
		attr(out, "timestamp", sget(r, "date"));
	if (file)
		attr(out, "file", file);
	sbuf_addstr(out, ">\n    <properties>\n");
	property(out, "vendor", sget(r, "vendor"));
	property(out, "model", sget(r, "model"));
	property(out, "suite", sget(r, "suite"));
	property(out, "verdict", verdict);
	property(out, "epoch", sget(r, "epoch"));
	sbuf_addstr(out, "    </properties>\n");
	sbuf_addstr(out, "    <testcase name=\"behaviour unchanged\"");
	attr(out, "classname", cls);
	if (verdict && !strcmp(verdict, "changed")) {
		sbuf_addstr(out, ">\n      <failure type=\"behaviour_changed\"");
		attr(out, "message", sget(r, "summary") ? sget(r, "summary") : "changed");
		sbuf_addstr(out, "/>\n    </testcase>\n");
	} else {
		sbuf_addstr(out, "/>\n");
	}
	json_array_foreach(json_object_get(r, "prompts"), i, p)
		json_array_foreach(json_object_get(p, "checks"), j, k)
	{
		const char *v = sget(k, "verdict"), *cn = sget(k, "name");
		const json_t *score = json_object_get(k, "score");
		struct sbuf tn;

		if (!cn)
			cn = sget(k, "type");
		sbuf_init(&tn);
		sbuf_addf(&tn, "%s: %s", sget(p, "id") ? sget(p, "id") : "?", cn ? cn : "check");
		sbuf_addstr(out, "    <testcase");
		attr(out, "name", tn.buf);
		attr(out, "classname", cls);
		sbuf_release(&tn);
		if (!v || !strcmp(v, "pass")) {
			sbuf_addstr(out, "/>\n");
			continue;
		}
		sbuf_addstr(out, ">\n      ");
		if (!strcmp(v, "skip")) {
			sbuf_addstr(out, "<skipped");
			attr(out, "message", sget(k, "detail"));
			sbuf_addstr(out, "/>\n    </testcase>\n");
			continue;
		}
		sbuf_addstr(out, !strcmp(v, "error") ? "<error" : "<failure");
		attr(out, "type", !strcmp(v, "error") ? "check_error" : "check_failed");
		attr(out, "message", sget(k, "detail"));
		sbuf_addch(out, '>');
		if (json_is_number(score) && isfinite(json_number_value(score)))
			sbuf_addf(out, "score %.4f", json_number_value(score));
		failed_samples(out, p, cn);
		sbuf_addstr(out, !strcmp(v, "error") ? "</error>\n" : "</failure>\n");
		sbuf_addstr(out, "    </testcase>\n");
	}
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
