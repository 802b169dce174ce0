/* test_alert_teams.c: the Teams message, received over loopback, checked against the Workflows
 * webhook format (a "message" with one Adaptive Card attachment) and the Adaptive Card schema
 * elements it uses (TextBlock, FactSet, Action.OpenUrl; version <= 1.5 for Teams). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "alert.h"

#include "receiver.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_card(const json_t *card)
{
	const json_t *body = json_object_get(card, "body"), *el, *f, *act;
	const char *version = json_string_value(json_object_get(card, "version"));
	size_t i, j;

	assert_string_equal(json_string_value(json_object_get(card, "type")), "AdaptiveCard");
	assert_string_equal(json_string_value(json_object_get(card, "$schema")), "http://"
										 "adaptivecards.io/"
										 "schemas/"
										 "adaptive-card."
										 "json");
	assert_non_null(version);
	assert_true(!strcmp(version, "1.0") || !strcmp(version, "1.2") || !strcmp(version, "1.3") ||
		    !strcmp(version, "1.4") || !strcmp(version, "1.5"));
	assert_true(json_array_size(body) >= 1);
	json_array_foreach(body, i, el)
	{
		const char *type = json_string_value(json_object_get(el, "type"));

		assert_non_null(type);
		if (!strcmp(type, "TextBlock")) {
			const char *size = json_string_value(json_object_get(el, "size"));
			const char *weight = json_string_value(json_object_get(el, "weight"));

			assert_true(json_string_length(json_object_get(el, "text")) > 0);
			assert_true(!size || !strcmp(size, "Small") || !strcmp(size, "Default") ||
				    !strcmp(size, "Medium") || !strcmp(size, "Large") ||
				    !strcmp(size, "ExtraLarge"));
			assert_true(!weight || !strcmp(weight, "Lighter") ||
				    !strcmp(weight, "Default") || !strcmp(weight, "Bolder"));
		} else if (!strcmp(type, "FactSet")) {
			assert_true(json_array_size(json_object_get(el, "facts")) >= 1);
			json_array_foreach(json_object_get(el, "facts"), j, f)
			{
				assert_int_equal(json_object_size(f), 2);
				assert_true(json_is_string(json_object_get(f, "title")));
				assert_true(json_is_string(json_object_get(f, "value")));
			}
		} else {
			fail_msg("unexpected element \"%s\"", type);
		}
	}
	json_array_foreach(json_object_get(card, "actions"), i, act)
	{
		assert_string_equal(json_string_value(json_object_get(act, "type")), "Action."
										     "OpenUrl");
		assert_true(json_string_length(json_object_get(act, "title")) > 0);
		assert_non_null(json_string_value(json_object_get(act, "url")));
	}
}

static const char *fact(const json_t *card, const char *title)
{
	const json_t *el, *f;
	size_t i, j;

	json_array_foreach(json_object_get(card, "body"), i, el)
	{
		json_array_foreach(json_object_get(el, "facts"), j, f)
		{
			if (!strcmp(json_string_value(json_object_get(f, "title")), title))
				return json_string_value(json_object_get(f, "value"));
		}
	}
	return NULL;
}

static struct alerts *teams_alerts(struct receiver *r, int with_base)
{
	char text[512], url[128];
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a;
	struct jsonloc loc;
	json_t *root;

	snprintf(text, sizeof(text),
		 "{\"alerts\": {%s \"channels\": [{\"type\": \"teams\","
		 " \"url_env\": \"PL_TEST_TEAMS_URL\"}]}}",
		 with_base ? "\"report_url_base\": \"https://ci.example/pl/\"," : "");
	loc = (struct jsonloc){ "c.json", text, strlen(text) };
	root = json_parse_text(&loc, &err);
	setenv("PL_TEST_TEAMS_URL", receiver_url(r, "/workflows/abc/sig=SECRET", url, sizeof(url)),
	       1);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	json_decref(root);
	assert_non_null(a);
	return a;
}

static json_t *received_card(struct receiver *r, size_t i)
{
	const struct receiver_req *q = receiver_get(r, i);
	json_t *root = json_loads(q->body, 0, NULL), *att, *card;
	char hdr[128];

	assert_non_null(root);
	assert_string_equal(receiver_header(q, "content-type", hdr, sizeof(hdr)), "application/"
										  "json");
	assert_string_equal(json_string_value(json_object_get(root, "type")), "message");
	assert_int_equal(json_array_size(json_object_get(root, "attachments")), 1);
	att = json_array_get(json_object_get(root, "attachments"), 0);
	assert_string_equal(json_string_value(json_object_get(att, "contentType")), "application/"
										    "vnd.microsoft."
										    "card."
										    "adaptive");
	assert_true(json_is_null(json_object_get(att, "contentUrl")));
	card = json_incref(json_object_get(att, "content"));
	json_decref(root);
	check_card(card);
	return card;
}

static void test_change_card(void **state)
{
	static const char *const signals[] = { "refusal rate" };
	struct receiver *r = receiver_start(NULL, 0, 202, NULL); /* workflows answer 202 */
	struct alerts *a = teams_alerts(r, 1);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *card;
	char *all;

	(void)state;
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 1;
	ev.confidence = 0.99;
	ev.epoch = "e7";
	ev.report_path = "reports/2026-11-27/acme-core.json";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	card = received_card(r, 0);
	assert_string_equal(fact(card, "Vendor"), "acme");
	assert_string_equal(fact(card, "Epoch"), "e7");
	assert_string_equal(fact(card, "Confidence"), "0.99");
	assert_string_equal(fact(card, "Report"), "reports/2026-11-27/acme-core.json");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(card, "actions"), 0), "url")),
			    "https://ci.example/pl/2026-11-27/acme-core.json");
	all = json_dumps(card, 0);
	assert_non_null(strstr(all, "refusal rate"));
	assert_null(strstr(all, "SECRET"));
	free(all);
	json_decref(card);
	alerts_free(a);
	receiver_stop(r);
}

/* Vendor-supplied text cannot become a link, an image or emphasis in the card. */
static void test_vendor_text_is_inert(void **state)
{
	static const char *const signals[] = { "see [here](https://evil.example/)" };
	struct receiver *r = receiver_start(NULL, 0, 202, NULL);
	struct alerts *a = teams_alerts(r, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *card;
	char *all;

	(void)state;
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme-inert";
	ev.epoch = "e-inert";
	ev.model = "![x](https://evil.example/p.png)";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 1;
	ev.confidence = 0.99;
	ev.summary = "**urgent**: [login](https://evil.example/login) <b>x</b> "
		     "<script>alert(1)</script> <!channel>";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	card = received_card(r, 0);
	all = json_dumps(card, 0);
	/* QA: HTML and Slack-style mentions from vendor text stayed raw; README promises '<' is
	 * escaped */
	assert_null(strstr(all, "<b>"));
	assert_null(strstr(all, "<script"));
	assert_null(strstr(all, "<!channel"));
	assert_non_null(strstr(all, "&lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; "
				    "&lt;!channel&gt;"));
	assert_null(strstr(all, "![x]("));
	assert_null(strstr(all, "[login]("));
	assert_null(strstr(all, "[here]("));
	assert_null(strstr(all, "**urgent"));
	assert_non_null(strstr(all, "\\\\!\\\\[x\\\\](https://evil.example/p.png)"));
	assert_non_null(strstr(all, "\\\\*\\\\*urgent\\\\*\\\\*: \\\\[login\\\\]"));
	free(all);
	json_decref(card);
	alerts_free(a);
	receiver_stop(r);
}

static void test_incomplete_card_without_link(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 202, NULL);
	struct alerts *a = teams_alerts(r, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *card;

	(void)state;
	ev.kind = ALERT_INCOMPLETE;
	ev.vendor = "acme";
	ev.suite = "core";
	ev.reason = "vendor unreachable after 5 attempts";
	/* an outage: nothing answered, so no check was judged (QA: the card said "0 of 8 checks
	 * failed on 0 prompts" and "Requests: 40 (40 errors)" of 50 planned) */
	ev.checks_total = 8;
	ev.planned = 50;
	ev.requests = 40;
	ev.errors = 40;
	ev.not_sent = 10;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	card = received_card(r, 0);
	assert_null(json_object_get(card, "actions"));
	assert_string_equal(fact(card, "Reason"), "vendor unreachable after 5 attempts");
	assert_string_equal(fact(card, "Checks"), "checks not judged: no answers");
	assert_string_equal(fact(card, "Requests"),
			    "0 of 50 planned answered; 40 failed, 10 not sent");
	json_decref(card);
	alerts_free(a);
	receiver_stop(r);
}

/* QA: a retraction (good news) was red ("Attention"), showed tonight's "Confidence 0.66" and did
 * not say which epoch it returns to. */
static void test_retraction_card(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 202, NULL);
	struct alerts *a = teams_alerts(r, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *card, *title;

	(void)state;
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.confidence = 0.66;
	ev.retracted = 1;
	ev.epoch = "e1";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	card = received_card(r, 0);
	title = json_array_get(json_object_get(card, "body"), 0);
	assert_string_equal(json_string_value(json_object_get(title, "color")), "Good");
	assert_non_null(strstr(json_string_value(json_object_get(title, "text")),
			       "the suspected change is retracted (back to epoch e1)"));
	assert_null(fact(card, "Confidence"));
	assert_string_equal(fact(card, "Stage"), "retracted");
	json_decref(card);
	alerts_free(a);
	receiver_stop(r);
}

/* Every text of the card, in order: TextBlocks, fact titles and values. */
static void card_texts(const json_t *card, json_t *out)
{
	const json_t *el, *f;
	size_t i, j;

	json_array_foreach(json_object_get(card, "body"), i, el)
	{
		if (json_object_get(el, "text"))
			json_array_append(out, json_object_get(el, "text"));
		json_array_foreach(json_object_get(el, "facts"), j, f)
		{
			json_array_append(out, json_object_get(f, "title"));
			json_array_append(out, json_object_get(f, "value"));
		}
	}
}

/* QA: a prompt id showed as `capital-fr` (TextBlocks render no inline code, so the backticks
 * were shown), a "```" in the what-changed words came out as "\`\`\`", and '&' went raw while
 * '<' became "&lt;", so a literal "&lt;" in vendor text read as '<' and the same model name read
 * differently in the title and the facts. Every field now goes through one escaping. */
static void test_one_escaping_for_every_field(void **state)
{
	static const char *const signals[] = { "R&D signal <x>" };
	struct receiver *r = receiver_start(NULL, 0, 202, NULL);
	struct alerts *a = teams_alerts(r, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *card, *texts = json_array(), *wc, *t;
	size_t i, n_model = 0;
	int seen_prompt = 0, seen_fences = 0;

	(void)state;
	wc = json_pack("[{s:s,s:s,s:b,s:s,s:f,s:f}]", "prompt", "capital-fr", "prompt_text",
		       "Q&A: capital?", "flagged", 1, "words",
		       "answers wrapped in ``` fences (a &lt; b)", "distance", 1.0, "p", 0.001);
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "R&D-1 <b>";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 1;
	ev.confidence = 0.99;
	ev.epoch = "e2";
	ev.summary = "acme/core [R&D-1 <b>]: changed";
	ev.report_path = "reports/2026-11-27/acme-core.json";
	ev.what_changed = wc;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	card = received_card(r, 0);
	card_texts(card, texts);
	json_array_foreach(texts, i, t)
	{
		const char *s = json_string_value(t), *p;

		assert_non_null(s);
		/* no raw '&' (only &amp; &lt; &gt;), no raw '<' or '>' */
		for (p = s; (p = strchr(p, '&')); p++)
			if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
			    strncmp(p, "&gt;", 4))
				fail_msg("raw '&' in \"%s\"", s);
		if (strchr(s, '<') || strchr(s, '>'))
			fail_msg("raw '<' or '>' in \"%s\"", s);
		/* no inline code, no backslash before a backtick */
		assert_null(strstr(s, "`capital-fr`"));
		assert_null(strstr(s, "\\`"));
		n_model += strstr(s, "R&amp;D-1 &lt;b&gt;") != NULL;
		seen_prompt |= strstr(s, "**capital-fr**: ") != NULL;
		seen_fences |= strstr(s, "answers wrapped in ``` fences (a &amp;lt; b)") != NULL;
	}
	/* the same model name reads alike in the title, the summary and the facts */
	assert_int_equal(n_model, 3);
	assert_true(seen_prompt);
	assert_true(seen_fences);
	assert_string_equal(fact(card, "Model"), "R&amp;D-1 &lt;b&gt;");
	json_decref(texts);
	json_decref(card);
	json_decref(wc);
	alerts_free(a);
	receiver_stop(r);
}

/* A recovery is green, like a retraction, and names the checks that pass again. */
static void test_recovery_card_is_green(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 202, NULL);
	struct alerts *a = teams_alerts(r, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *card, *checks = json_pack("[{s:s,s:s,s:s}]", "prompt", "capital-fr", "check",
					  "regex#2", "since", "2026-11-20");
	const json_t *title;

	(void)state;
	ev.kind = ALERT_RECOVERED;
	ev.problem = ALERT_CHECK_FAILURES;
	ev.since = "2026-11-20";
	ev.recovered_checks = checks;
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.report_path = "reports/2026-11-27/acme-core.json";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	card = received_card(r, 0);
	title = json_array_get(json_object_get(card, "body"), 0);
	assert_string_equal(json_string_value(json_object_get(title, "color")), "Good");
	assert_string_equal(json_string_value(json_object_get(title, "text")),
			    "plumbline: acme/gpt-x on suite core recovered: 1 check passing again "
			    "since 2026-11-27 (failing since 2026-11-20)");
	assert_string_equal(fact(card, "Recovered from"), "failing checks");
	assert_string_equal(fact(card, "Failing since"), "2026-11-20");
	assert_string_equal(fact(card, "Passing again"),
			    "capital-fr regex#2 (failing since 2026-11-20)");
	json_decref(card);
	json_decref(checks);
	alerts_free(a);
	receiver_stop(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recovery_card_is_green),
		cmocka_unit_test(test_change_card),
		cmocka_unit_test(test_retraction_card),
		cmocka_unit_test(test_incomplete_card_without_link),
		cmocka_unit_test(test_vendor_text_is_inert),
		cmocka_unit_test(test_one_escaping_for_every_field),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
