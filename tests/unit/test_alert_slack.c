/* test_alert_slack.c: the Slack message, received over loopback, checked against Block Kit's
 * documented structure and limits (api.slack.com/reference/block-kit/blocks), and mrkdwn
 * escaping of untrusted text. */
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

static int only_keys(const json_t *o, const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		const char *const *a;
		int ok = 0;

		(void)v;
		for (a = allowed; *a; a++)
			ok |= !strcmp(*a, k);
		if (!ok) {
			print_error("unexpected key \"%s\"\n", k);
			return 0;
		}
	}
	return 1;
}

/* A text object: {"type": "plain_text"|"mrkdwn", "text": 1..max chars[, "emoji"]}. */
static void check_text(const json_t *t, const char *want_type, size_t max)
{
	static const char *const keys[] = { "type", "text", "emoji", "verbatim", NULL };
	const char *type = json_string_value(json_object_get(t, "type"));
	const char *text = json_string_value(json_object_get(t, "text"));

	assert_true(json_is_object(t));
	assert_true(only_keys(t, keys));
	assert_non_null(type);
	assert_true(!strcmp(type, "plain_text") || !strcmp(type, "mrkdwn"));
	if (want_type)
		assert_string_equal(type, want_type);
	assert_non_null(text);
	assert_true(strlen(text) >= 1 && strlen(text) <= max);
}

static void check_block_kit(const json_t *root)
{
	static const char *const top[] = { "text", "blocks", NULL };
	static const char *const header_keys[] = { "type", "text", "block_id", NULL };
	static const char *const section_keys[] = { "type", "text", "fields", "block_id", NULL };
	static const char *const context_keys[] = { "type", "elements", "block_id", NULL };
	const json_t *blocks = json_object_get(root, "blocks"), *b, *x;
	size_t i, j;

	assert_true(only_keys(root, top));
	assert_true(json_string_length(json_object_get(root, "text")) > 0); /* fallback */
	assert_true(json_is_array(blocks));
	assert_true(json_array_size(blocks) >= 1 && json_array_size(blocks) <= 50);
	json_array_foreach(blocks, i, b)
	{
		const char *type = json_string_value(json_object_get(b, "type"));

		assert_non_null(type);
		if (!strcmp(type, "header")) {
			assert_true(only_keys(b, header_keys));
			check_text(json_object_get(b, "text"), "plain_text", 150);
		} else if (!strcmp(type, "section")) {
			const json_t *fields = json_object_get(b, "fields");

			assert_true(only_keys(b, section_keys));
			assert_true(json_object_get(b, "text") || fields);
			if (json_object_get(b, "text"))
				check_text(json_object_get(b, "text"), NULL, 3000);
			if (fields) {
				assert_true(json_array_size(fields) >= 1 &&
					    json_array_size(fields) <= 10);
				json_array_foreach(fields, j, x) check_text(x, NULL, 2000);
			}
		} else if (!strcmp(type, "context")) {
			const json_t *el = json_object_get(b, "elements");

			assert_true(only_keys(b, context_keys));
			assert_true(json_array_size(el) >= 1 && json_array_size(el) <= 10);
			json_array_foreach(el, j, x) check_text(x, NULL, 3000);
		} else {
			fail_msg("unexpected block type \"%s\"", type);
		}
	}
}

static struct alerts *slack_alerts(struct receiver *r)
{
	const char *text = "{\"alerts\": {\"report_url_base\": \"https://ci.example/pl\","
			   " \"backoff_ms\": 1, \"channels\": [{\"type\": \"slack\","
			   " \"url_env\": \"PL_TEST_SLACK_URL\"}]}}";
	struct jsonloc loc = { "c.json", text, strlen(text) };
	struct pl_err err = PL_ERR_INIT;
	json_t *root = json_parse_text(&loc, &err);
	struct alerts *a;
	char url[128];

	setenv("PL_TEST_SLACK_URL", receiver_url(r, "/services/T1/B1/xyz", url, sizeof(url)), 1);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	json_decref(root);
	assert_non_null(a);
	return a;
}

static void test_change_message(void **state)
{
	static const char *const signals[] = { "answer length", "system_fingerprint <fp_2>" };
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = slack_alerts(r);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	const struct receiver_req *q;
	json_t *root, *blocks;
	char hdr[128], *all;

	(void)state;
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme<&>";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 2;
	ev.confidence = 0.973;
	ev.epoch = "2026-11-27.1";
	ev.report_path = "reports/2026-11-27/acme-core.json";
	ev.summary = "answers got 40% longer; fingerprint changed";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	q = receiver_get(r, 0);
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->path, "/services/T1/B1/xyz");
	assert_string_equal(receiver_header(q, "content-type", hdr, sizeof(hdr)), "application/"
										  "json");
	root = json_loads(q->body, 0, NULL);
	assert_non_null(root);
	check_block_kit(root);
	blocks = json_object_get(root, "blocks");
	assert_string_equal(json_string_value(json_object_get(root, "text")), "plumbline: "
									      "acme&lt;&amp;&gt;/"
									      "gpt-x changed on "
									      "suite core "
									      "(confidence "
									      "0.97)");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(blocks, 0), "text"), "text")),
			    "plumbline: acme<&>/gpt-x changed on suite core (confidence 0.97)");
	all = json_dumps(blocks, 0);
	/* mrkdwn text is escaped; the report is a link to the evidence. */
	assert_non_null(strstr(all, "*Vendor*\\nacme&lt;&amp;&gt;"));
	assert_non_null(strstr(all, "*Epoch*\\n2026-11-27.1"));
	assert_non_null(strstr(all, "*Confidence*\\n0.97"));
	assert_non_null(strstr(all, "system_fingerprint &lt;fp_2&gt;"));
	assert_non_null(strstr(all, "<https://ci.example/pl/2026-11-27/acme-core.json|"
				    "reports/2026-11-27/acme-core.json>"));
	assert_null(strstr(all, "xyz")); /* the webhook's secret path is nowhere in the message */
	free(all);
	json_decref(root);
	alerts_free(a);
	receiver_stop(r);
}

/* Vendor-supplied text cannot mention the channel, link or format in any mrkdwn text,
 * the notification fallback included. */
static void test_vendor_text_is_inert(void **state)
{
	static const char *const signals[] = { "<!here> moved", "model *x*" };
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = slack_alerts(r);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *root;
	char *all;

	(void)state;
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme-inert";
	ev.epoch = "e-inert";
	ev.model = "<!channel> <https://evil.example/|login>";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 2;
	ev.confidence = 0.99;
	ev.summary = "@here see <@U123> and *urgent* `now`";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	root = json_loads(receiver_get(r, 0)->body, 0, NULL);
	assert_non_null(root);
	check_block_kit(root);
	json_object_del(json_array_get(json_object_get(root, "blocks"), 0), "text"); /* plain */
	all = json_dumps(root, 0);
	assert_null(strstr(all, "<!channel>"));
	assert_null(strstr(all, "<!here>"));
	assert_null(strstr(all, "<@U123>"));
	assert_null(strstr(all, "<https://evil"));
	assert_null(strstr(all, "@here"));
	assert_null(strstr(all, " *urgent*"));
	assert_null(strstr(all, " *x*"));
	assert_non_null(strstr(all, "&lt;!channel&gt; &lt;https://evil.example/|login&gt;"));
	free(all);
	json_decref(root);
	alerts_free(a);
	receiver_stop(r);
}

static void test_long_title_cut_to_limit(void **state)
{
	const struct alert_channel *ch;
	struct alerts *a;
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alert_msg m;
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	char model[400];
	json_t *root;

	(void)state;
	a = slack_alerts(r);
	ch = alerts_channel(a, 0);
	memset(model, 'm', sizeof(model) - 1);
	model[sizeof(model) - 1] = '\0';
	ev.kind = ALERT_CHECK_FAILURES;
	ev.vendor = "acme";
	ev.model = model;
	ev.suite = "core";
	ev.checks_total = 40;
	ev.checks_failed = 9;
	alert_msg_init(&m);
	assert_int_equal(ch->ops->build(ch, &ev, 1795772283, &m, &err), 0);
	root = json_loads(m.body.buf, 0, NULL);
	assert_non_null(root);
	check_block_kit(root);
	alert_msg_release(&m);
	json_decref(root);
	alerts_free(a);
	receiver_stop(r);
}

/* A recovery: the header says what is over, the fields since when and tonight's availability. */
static void test_recovery_message(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = slack_alerts(r);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	json_t *root;
	char *all;

	(void)state;
	ev.kind = ALERT_RECOVERED;
	ev.problem = ALERT_INCOMPLETE;
	ev.since = "2026-11-26";
	ev.reason = "vendor unreachable";
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.planned = ev.requests = 10;
	ev.answers = 9;
	ev.errors = ev.vendor_faults = 1;
	ev.report_path = "reports/2026-11-27/acme-core.json";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	root = json_loads(receiver_get(r, 0)->body, 0, NULL);
	assert_non_null(root);
	check_block_kit(root);
	assert_string_equal(json_string_value(json_object_get(root, "text")),
			    "plumbline: acme/gpt-x on suite core recovered: the run of 2026-11-27 "
			    "completed (incomplete since 2026-11-26)");
	all = json_dumps(json_object_get(root, "blocks"), 0);
	assert_non_null(strstr(all, "*Recovered from*\\nthe run could not complete: vendor "
				    "unreachable"));
	assert_non_null(strstr(all, "*Incomplete since*\\n2026-11-26"));
	assert_non_null(strstr(all, "*Availability*\\n90% (9 answered, 1 vendor faults)"));
	assert_null(strstr(all, "*Reason*"));
	free(all);
	json_decref(root);
	alerts_free(a);
	receiver_stop(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recovery_message),
		cmocka_unit_test(test_change_message),
		cmocka_unit_test(test_long_title_cut_to_limit),
		cmocka_unit_test(test_vendor_text_is_inert),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
