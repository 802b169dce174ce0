/* test_alert.c: the "alerts" section, the decision (no alert on noise), deduplication over
 * several nights, retries with backoff after 500s, and that secrets stay out of logs/errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "alert.h"

#include "fileio.h"
#include "log.h"
#include "receiver.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DAY    (24 * 3600)
#define NIGHT1 1795737600 /* 2026-11-27T00:00:00Z */

static char statedir[64];

static struct alerts *load(const char *text, struct pl_err *err)
{
	struct jsonloc loc = { "plumbline.json", text, strlen(text) };
	json_t *root = json_parse_text(&loc, err);
	struct alerts *a;

	assert_non_null(root);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), err);
	json_decref(root);
	return a;
}

static void expect_error(const char *text, const char *want)
{
	struct pl_err err = PL_ERR_INIT;
	char buf[1600];

	assert_null(load(text, &err));
	assert_int_equal(err.code, PL_E_INPUT);
	pl_err_str(&err, buf, sizeof(buf));
	if (!strstr(buf, want))
		fail_msg("error \"%s\" does not contain \"%s\"", buf, want);
}

static int setup(void **state)
{
	(void)state;
	snprintf(statedir, sizeof(statedir), "/tmp/pl_test_alert_XXXXXX");
	if (!mkdtemp(statedir))
		return -1;
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
	pid_t pid = fork();

	(void)state;
	if (pid == 0) {
		execlp("rm", "rm", "-rf", statedir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	curl_global_cleanup();
	return 0;
}

static void test_config_valid(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a;
	const struct alert_channel *ch;

	(void)state;
	a = load("{\"alerts\": {\"min_confidence\": 0.9, \"cooldown_hours\": 12,"
		 " \"report_url_base\": \"https://ci.example/pl/\", \"channels\": ["
		 "  {\"type\": \"slack\", \"url_env\": \"SLACK_URL\"},"
		 "  {\"type\": \"teams\", \"name\": \"ops\", \"url_env\": \"TEAMS_URL\","
		 "   \"on\": [\"incomplete\"]},"
		 "  {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/h\","
		 "   \"secret_env\": \"HOOK_KEY\"},"
		 "  {\"type\": \"email\", \"url\": \"smtp://mail.example:587\","
		 "   \"from\": \"pl@example.com\", \"to\": [\"a@example.com\"],"
		 "   \"username_env\": \"SMTP_USER\", \"password_env\": \"SMTP_PASS\"}]}}",
		 &err);
	assert_non_null(a);
	assert_int_equal(alerts_count(a), 4);
	ch = alerts_channel(a, 0);
	assert_string_equal(ch->name, "slack");
	assert_ptr_equal(ch->ops, &alert_slack);
	assert_null(ch->url); /* read from the environment only when sending */
	ch = alerts_channel(a, 1);
	assert_string_equal(ch->name, "ops");
	assert_int_equal(ch->kinds, 1u << ALERT_INCOMPLETE);
	assert_string_equal(alerts_channel(a, 2)->url, "http://127.0.0.1:9/h");
	assert_ptr_equal(alerts_channel(a, 3)->ops, &alert_email);
	assert_non_null(alerts_channel(a, 3)->priv); /* e-mail's own settings (TLS required:
							test_alert_email.c, test_tls_required) */
	assert_null(alerts_channel(a, 4));
	alerts_free(a);
	alerts_free(NULL);
	/* No section: no channels, dispatch does nothing. */
	a = alerts_new(NULL, "/alerts", NULL, &err);
	assert_non_null(a);
	assert_int_equal(alerts_count(a), 0);
	alerts_free(a);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("{\"alerts\": {\"chanels\": []}}", "plumbline.json:1:24: alerts.chanels: "
							"unknown key \"chanels\"");
	expect_error("{\"alerts\": {\"min_confidence\": 0.9}}", "missing \"channels\"");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"slak\", \"url_env\": \"X\"}]}}",
		     "alerts.channels[0].type: unknown channel type \"slak\" (expected email, "
		     "slack, teams or webhook)");
	/* A Slack URL is a secret: it may not be written into the config. */
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"slack\", \"url\": "
		     "\"https://hooks.slack.com/services/T/B/x\"}]}}",
		     "alerts.channels[0].url: unknown key \"url\"");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"teams\"}]}}", "missing "
									      "\"url_env\"");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"slack\", \"url_env\": \"A-B\"}]}}",
		     "alerts.channels[0].url_env: expected the name of an environment variable");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": "
		     "\"http://x\"}]}}",
		     "missing required key \"secret_env\"");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"slack\", \"url_env\": \"A\"},"
		     "{\"type\": \"slack\", \"url_env\": \"B\"}]}}",
		     "alerts.channels[1].name: duplicate channel name \"slack\"");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"slack\", \"url_env\": \"A\", "
		     "\"on\": [\"noise\"]}]}}",
		     "alerts.channels[0].on[0]: expected \"change\"");
	expect_error("{\"alerts\": {\"min_confidence\": 1.5, \"channels\": []}}", "alerts.min_"
										  "confidence");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"email\", \"url\": "
		     "\"smtp://mail.example.com\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"], "
		     "\"tls\": \"none\"}]}}",
		     "alerts.channels[0].tls: \"none\" is allowed only for a server on 127.0.0.1");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"email\", \"url\": "
		     "\"http://mail.example.com\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}]}}",
		     "expected an smtp:// (STARTTLS) or smtps:// (TLS) URL");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"email\", \"url\": "
		     "\"smtp://m.example\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\\r\\nBcc: "
		     "x@y\"]}]}}",
		     "alerts.channels[0].to[0]: expected one e-mail address");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"email\", \"url\": "
		     "\"smtp://u:pw@m.example\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}]}}",
		     "alerts.channels[0].url: credentials do not belong in the URL");
	/* QA: a URL that does not parse, or names another protocol, is an error of the config
	 * (file:line:field), not a delivery retried 3 times */
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": "
		     "\"ftp://hooks.example/h\", \"secret_env\": \"K\"}]}}",
		     "plumbline.json:1:53: alerts.channels[0].url: expected an http:// or "
		     "https:// URL");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": "
		     "\"http://hooks example/h\", \"secret_env\": \"K\"}]}}",
		     "alerts.channels[0].url: contains a space or a control character");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": "
		     "\"http://[::1/h\", \"secret_env\": \"K\"}]}}",
		     "alerts.channels[0].url: does not parse as a URL");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": "
		     "\"https://hooks.example:99999/h\", \"secret_env\": \"K\"}]}}",
		     "alerts.channels[0].url: does not parse as a URL");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"email\", \"url\": "
		     "\"smtp://m.ex ample\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}]}}",
		     "alerts.channels[0].url: contains a space");
	expect_error("{\"alerts\": {\"channels\": [{\"type\": \"email\", \"url\": "
		     "\"smtp://m.example\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"], "
		     "\"username_env\": \"U\"}]}}",
		     "set both \"username_env\" and \"password_env\"");
}

static void test_wanted(void **state)
{
	static const struct {
		enum alert_kind kind;
		double confidence;
		size_t total, failed;
		int want;
	} cases[] = {
		{ ALERT_NONE, 0, 0, 0, 0 },
		{ ALERT_CHANGE, 0.99, 0, 0, 1 },
		{ ALERT_CHANGE, 0.90, 0, 0, 1 }, /* == min_confidence */
		{ ALERT_CHANGE, 0.89, 0, 0, 0 }, /* noise */
		/* a change below min_confidence falls back to the check-failures rule */
		{ ALERT_CHANGE, 0.89, 10, 3, 1 },
		{ ALERT_CHANGE, 0.89, 100, 3, 0 },	/* 3% < 5% */
		{ ALERT_CHANGE, 0.89, 100, 2, 0 },	/* 2 < 3 */
		{ ALERT_CHECK_FAILURES, 0, 100, 2, 0 }, /* 2 < min_failed_checks 3 */
		{ ALERT_CHECK_FAILURES, 0, 100, 3, 0 }, /* 3% < 5% */
		{ ALERT_CHECK_FAILURES, 0, 100, 5, 1 },
		{ ALERT_CHECK_FAILURES, 0, 10, 3, 1 },
		{ ALERT_CHECK_FAILURES, 0, 0, 0, 0 },
		{ ALERT_INCOMPLETE, 0, 0, 0, 1 },
		{ ALERT_TEST, 0, 0, 0, 1 },
	};
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = load("{\"alerts\": {\"min_confidence\": 0.9, \"min_failed_checks\": 3,"
				" \"min_failed_fraction\": 0.05, \"channels\": []}}",
				&err);
	size_t i;

	(void)state;
	assert_non_null(a);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct alert_event ev = { 0 };

		ev.kind = cases[i].kind;
		ev.vendor = "acme";
		ev.confidence = cases[i].confidence;
		ev.checks_total = cases[i].total;
		ev.checks_failed = cases[i].failed;
		if (alerts_wanted(a, &ev) != cases[i].want)
			fail_msg("case %zu: wanted %d", i, cases[i].want);
	}
	/* a retraction follows the alert it withdraws, whatever tonight's confidence, and says
	 * so in its title */
	{
		struct alert_event ev = { .kind = ALERT_CHANGE,
					  .vendor = "acme",
					  .model = "m",
					  .suite = "s",
					  .confidence = 0.1,
					  .retracted = 1 };
		char title[256];

		assert_int_equal(alerts_wanted(a, &ev), 1);
		alert_title(&ev, title, sizeof(title));
		assert_string_equal(
			title, "plumbline: acme/m on suite s: the suspected change is retracted");
		/* QA: it did not say which night's suspicion it withdraws */
		ev.suspected_night = "2026-03-01";
		ev.epoch = "e1";
		alert_title(&ev, title, sizeof(title));
		assert_string_equal(title, "plumbline: acme/m on suite s: the change suspected on "
					   "2026-03-01 is retracted (back to epoch e1)");
	}
	alerts_free(a);
	a = load("{\"alerts\": {\"on_incomplete\": false, \"channels\": []}}", &err);
	{
		struct alert_event ev = { .kind = ALERT_INCOMPLETE, .vendor = "acme" };

		assert_int_equal(alerts_wanted(a, &ev), 0);
	}
	alerts_free(a);
}

/* The report link is report_url_base joined with NIGHT/FILE, whatever paths.reports is: the
 * server's directory layout never reaches a message. */
static void test_report_url(void **state)
{
	static const struct {
		const char *base, *path, *want;
	} cases[] = {
		{ "https://ci.example.com/plumbline/",
		  "/tmp/qa/w5/reports/2026-11-08/fake-inj.json",
		  "https://ci.example.com/plumbline/2026-11-08/fake-inj.json" },
		{ "https://ci.example.com/plumbline", "/srv/pl/reports//2026-11-08/fake-inj.json",
		  "https://ci.example.com/plumbline/2026-11-08/fake-inj.json" },
		{ "https://ci.example.com/plumbline/", "reports/2026-11-08/fake-inj.json",
		  "https://ci.example.com/plumbline/2026-11-08/fake-inj.json" },
		{ "https://ci.example.com/pl", "./out/reports/2026-11-08/a b.json",
		  "https://ci.example.com/pl/2026-11-08/a%20b.json" },
		{ "https://ci.example.com/pl/", "2026-11-08/x.json",
		  "https://ci.example.com/pl/2026-11-08/x.json" },
	};
	struct alert_channel ch = { 0 };
	struct alert_event ev = { 0 };
	size_t i;

	(void)state;
	ev.report_path = "reports/2026-11-08/x.json";
	assert_null(alert_report_url(&ch, &ev)); /* no base, no link */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *url;

		ch.report_url_base = (char *)cases[i].base;
		ev.report_path = cases[i].path;
		url = alert_report_url(&ch, &ev);
		if (!url || strcmp(url, cases[i].want))
			fail_msg("case %zu: \"%s\", want \"%s\"", i, url ? url : "(null)",
				 cases[i].want);
		free(url);
	}
}

/* A webhook channel pointed at the receiver, with fast retries. */
static struct alerts *hook_alerts(struct receiver *r, const char *extra)
{
	struct pl_err err = PL_ERR_INIT;
	char url[128], text[1024];
	struct alerts *a;

	setenv("PL_TEST_HOOK_KEY", "k3y-for-tests", 1);
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"retries\": 3, \"backoff_ms\": 20, \"cooldown_hours\": 24 %s,"
		 " \"channels\": [{\"type\": \"webhook\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\"}]}}",
		 extra ? extra : "", receiver_url(r, "/hook", url, sizeof(url)));
	a = load(text, &err);
	assert_non_null(a);
	return a;
}

static struct alert_event change_event(const char *epoch, time_t when)
{
	static const char *const signals[] = { "answer length", "system_fingerprint" };
	struct alert_event ev = { 0 };

	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 2;
	ev.confidence = 0.99;
	ev.epoch = epoch;
	ev.report_path = "reports/2026-11-27/acme-core.json";
	ev.when = when;
	return ev;
}

/* QA: a "changed" night with 1 of 8 checks failed and a change below min_confidence sent
 * nothing. The check failures are told by their own rule, kind and dedup. */
static void test_weak_change_with_failed_checks(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	struct alert_event ev = change_event("e1", NIGHT1);
	char dir[128];
	json_t *body;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/weak", statedir);
	ev.confidence = 0.5; /* below min_confidence 0.95 */
	ev.checks_total = 8;
	ev.checks_failed = 1;
	ev.prompts_failed = 1;
	assert_int_equal(alerts_wanted(a, &ev), 1);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SENT);
	assert_int_equal(receiver_count(r), 1);
	body = json_loads(receiver_get(r, 0)->body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "check_failures");
	json_decref(body);
	/* deduplicated as check failures: not again within the cooldown */
	ev.when = NIGHT1 + 3600;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_DUPLICATE);
	assert_int_equal(receiver_count(r), 1);
	/* below both rules: nothing */
	ev.checks_total = 100;
	ev.when = NIGHT1 + 2 * DAY;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_NOT_WANTED);
	assert_int_equal(receiver_count(r), 1);
	alerts_free(a);
	receiver_stop(r);
}

/* QA: with Slack answering 500 and Teams hanging, the run's "alert delivery failed" line
 * named Slack only. Every failed channel is named; a channel that delivered is not. */
static void test_every_failed_channel_named(void **state)
{
	struct receiver *bad1 = receiver_start(NULL, 0, 404, NULL);
	struct receiver *bad2 = receiver_start(NULL, 0, 500, NULL);
	struct receiver *good = receiver_start(NULL, 0, 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change_event("e1", NIGHT1);
	char u1[128], u2[128], u3[128], text[1024], buf[1600];
	struct alerts *a;

	(void)state;
	setenv("PL_TEST_HOOK_KEY", "k3y-for-tests", 1);
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"retries\": 1, \"backoff_ms\": 1, \"channels\": ["
		 "{\"type\": \"webhook\", \"name\": \"one\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\"},"
		 "{\"type\": \"webhook\", \"name\": \"fine\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\"},"
		 "{\"type\": \"webhook\", \"name\": \"two\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\"}]}}",
		 receiver_url(bad1, "/h", u1, sizeof(u1)), receiver_url(good, "/h", u3, sizeof(u3)),
		 receiver_url(bad2, "/h", u2, sizeof(u2)));
	a = load(text, &err);
	assert_non_null(a);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_FAILED);
	assert_int_equal(alerts_outcome(a, 1, NULL), ALERT_SENT);
	assert_int_equal(alerts_outcome(a, 2, NULL), ALERT_FAILED);
	assert_int_equal(err.code, PL_E_VENDOR);
	pl_err_str(&err, buf, sizeof(buf));
	assert_string_equal(buf, "2 alert channels failed (\"one\", \"two\"): \"one\": delivery "
				 "failed: HTTP 404 (after 1 attempts); \"two\": delivery failed: "
				 "HTTP 500 (after 2 attempts)");
	alerts_free(a);
	receiver_stop(bad1);
	receiver_stop(bad2);
	receiver_stop(good);
}

/* QA: a Slack URL from the environment that is not http(s) or does not parse was retried 3
 * times as if the failure were temporary. It is refused before any attempt, naming the
 * variable and never its value; `plumbline check` (alerts_check_env) finds it too. */
static void test_bad_env_url_not_retried(void **state)
{
	static const char *const bad[] = { "ftp://hooks.example/services/SECRETxyz",
					   "https://hooks.example/services/SECRET xyz",
					   "not a url SECRETxyz" };
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change_event("e1", NIGHT1);
	struct alerts *a = load("{\"alerts\": {\"retries\": 3, \"backoff_ms\": 200, \"channels\":"
				" [{\"type\": \"slack\", \"url_env\": \"PL_TEST_BAD_URL\"}]}}",
				&err);
	char buf[1600];
	size_t i;

	(void)state;
	assert_non_null(a);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int attempts = -1;

		setenv("PL_TEST_BAD_URL", bad[i], 1);
		pl_err_init(&err);
		assert_int_equal(alerts_check_env(a, &err), -1);
		assert_int_equal(err.code, PL_E_INPUT);
		pl_err_init(&err);
		assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
		assert_int_equal(alerts_outcome(a, 0, &attempts), ALERT_FAILED);
		assert_int_equal(attempts, 0);
		assert_int_equal(err.code, PL_E_INPUT);
		pl_err_str(&err, buf, sizeof(buf));
		assert_null(strstr(buf, "SECRET"));
		if (!strstr(buf, "alert channel \"slack\": environment variable PL_TEST_BAD_URL "
				 "does not hold a usable URL"))
			fail_msg("case %zu: %s", i, buf);
	}
	unsetenv("PL_TEST_BAD_URL");
	alerts_free(a);
}

static void test_retry_after_500(void **state)
{
	static const int statuses[] = { 500, 502 };
	struct receiver *r = receiver_start(statuses, 2, 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	struct alert_event ev = change_event("e1", NIGHT1);
	int attempts = 0;

	(void)state;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, &attempts), ALERT_SENT);
	assert_int_equal(attempts, 3);
	assert_int_equal(receiver_count(r), 3);
	/* Every attempt carries the same message (same delivery id). */
	{
		char b1[128], b3[128];

		assert_string_equal(receiver_header(receiver_get(r, 0), "x-plumbline-delivery", b1,
						    sizeof(b1)),
				    receiver_header(receiver_get(r, 2), "x-plumbline-delivery", b3,
						    sizeof(b3)));
		assert_string_equal(receiver_get(r, 0)->body, receiver_get(r, 2)->body);
	}
	alerts_free(a);
	receiver_stop(r);
}

static void test_gives_up_and_4xx_is_final(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 500, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	struct alert_event ev = change_event("e1", NIGHT1);
	int attempts = 0;

	(void)state;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_int_equal(alerts_outcome(a, 0, &attempts), ALERT_FAILED);
	assert_int_equal(attempts, 4); /* 1 + retries */
	assert_int_equal(receiver_count(r), 4);
	assert_int_equal(err.code, PL_E_VENDOR);
	assert_string_equal(err.where, "alert channel \"webhook\"");
	assert_string_equal(err.msg, "delivery failed: HTTP 500 (after 4 attempts)");
	alerts_free(a);
	receiver_stop(r);

	r = receiver_start(NULL, 0, 404, NULL);
	a = hook_alerts(r, NULL);
	pl_err_init(&err);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_int_equal(receiver_count(r), 1);
	alerts_free(a);
	receiver_stop(r);
}

static void test_retry_after_header_honoured(void **state)
{
	static const int statuses[] = { 429 };
	struct receiver *r = receiver_start(statuses, 1, 200, "1");
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	struct alert_event ev = change_event("e1", NIGHT1);
	struct timespec t0, t1;
	double s;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s >= 0.95); /* waited Retry-After: 1, not the 20 ms backoff */
	assert_int_equal(receiver_count(r), 2);
	alerts_free(a);
	receiver_stop(r);
}

/* Retry-After as an HTTP date (RFC 9110 allows both forms): alerts read it as the probes do,
 * through the HTTP module, and wait until then instead of the 20 ms backoff. */
static void test_retry_after_http_date_honoured(void **state)
{
	static const int statuses[] = { 503 };
	time_t when = time(NULL) + 2;
	char date[64];
	struct receiver *r;
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a;
	struct alert_event ev = change_event("e1", NIGHT1);
	struct timespec t0, t1;
	struct tm tm;
	double s;

	(void)state;
	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	r = receiver_start(statuses, 1, 200, date);
	a = hook_alerts(r, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s >= 0.9); /* at least until the date (1-2 s away), not 20 ms */
	assert_int_equal(receiver_count(r), 2);
	alerts_free(a);
	receiver_stop(r);
}

static void test_dedup_over_nights(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	struct alert_event ev;
	char path[128], *text = NULL;
	size_t expect = 0;
	int night;

	(void)state;
	/* Nights 1-4: the vendor changed into epoch e1 on night 1 and stays there. */
	for (night = 0; night < 4; night++) {
		ev = change_event("e1", NIGHT1 + night * DAY);
		assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
		assert_int_equal(alerts_outcome(a, 0, NULL),
				 night == 0 ? ALERT_SENT : ALERT_SKIPPED_DUPLICATE);
		expect += night == 0;
		assert_int_equal(receiver_count(r), expect);
	}
	/* Night 5: a new change (epoch e2): sent even within the cooldown of nothing. */
	ev = change_event("e2", NIGHT1 + 4 * DAY);
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(receiver_count(r), ++expect);
	/* Another model of the same vendor is another key. */
	ev = change_event("e2", NIGHT1 + 4 * DAY);
	ev.model = "gpt-y";
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(receiver_count(r), ++expect);

	/* Incomplete runs: once per cooldown (24 h). */
	ev = (struct alert_event){ .kind = ALERT_INCOMPLETE,
				   .vendor = "acme",
				   .model = "gpt-x",
				   .suite = "core",
				   .reason = "vendor unreachable" };
	ev.when = NIGHT1 + 5 * DAY;
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(receiver_count(r), ++expect);
	ev.when = NIGHT1 + 5 * DAY + 6 * 3600; /* a retry 6 h later */
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_DUPLICATE);
	assert_int_equal(receiver_count(r), expect);
	ev.when = NIGHT1 + 6 * DAY + 60; /* the next night, past the cooldown */
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(receiver_count(r), ++expect);

	/* Noise never alerts and leaves no trace; its run completed, though: the outage told
	 * is over, said once (the noise itself is not sent). */
	ev = change_event("e3", NIGHT1 + 7 * DAY);
	ev.report_path = "reports/2026-12-04/acme-core.json"; /* its night, after the outage's */
	ev.confidence = 0.5;
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_NOT_WANTED);
	assert_int_equal(receiver_count(r), ++expect);
	assert_non_null(strstr(receiver_get(r, expect - 1)->body, "\"kind\":\"recovered\""));
	ev.when = NIGHT1 + 8 * DAY;
	assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
	assert_int_equal(receiver_count(r), expect);

	/* The state is readable JSON written through the atomic writer. */
	snprintf(path, sizeof(path), "%s/alerts/state.json", statedir);
	assert_int_equal(fileio_read_all(path, 1 << 20, &text, NULL, &err), 0);
	assert_non_null(strstr(text, "\"acme/gpt-x/core|change|webhook\""));
	assert_non_null(strstr(text, "\"epoch\": \"e2\""));
	free(text);
	alerts_free(a);
	receiver_stop(r);
}

/* QA: a confirmed suspicion told no channel: the last word it had was "suspected ... unless
 * tomorrow retracts it". The confirmation is told once; the nights after it are not. */
static void test_confirmation_told_once(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	const struct receiver_req *q;
	struct alert_event ev;
	char title[256], hdr[64], dir[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/confirm", statedir);
	ev = change_event("e2", NIGHT1);
	ev.stage = "suspected";
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	/* the suspicion again (a rerun of the night): not repeated */
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_DUPLICATE);
	/* the next night confirms it: told, as a confirmation */
	ev = change_event("e2", NIGHT1 + DAY);
	ev.stage = "confirmed";
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SENT);
	assert_int_equal(receiver_count(r), 2);
	q = receiver_get(r, 1);
	assert_non_null(strstr(q->body, "\"stage\":\"confirmed\""));
	assert_non_null(strstr(q->body, "\"epoch\":\"e2\""));
	assert_string_equal(receiver_header(q, "x-plumbline-event", hdr, sizeof(hdr)), "change");
	alert_title(&ev, title, sizeof(title));
	assert_string_equal(title, "plumbline: acme/gpt-x changed on suite core: confirmed, new "
				   "epoch e2 (confidence 0.99)");
	/* a later night of the epoch, even one that says suspected: nothing more */
	ev = change_event("e2", NIGHT1 + 2 * DAY);
	ev.stage = "confirmed";
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_DUPLICATE);
	ev.stage = "suspected";
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_DUPLICATE);
	assert_int_equal(receiver_count(r), 2);
	/* a change that names no stage, after the confirmation: once per epoch as before */
	ev.stage = NULL;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SKIPPED_DUPLICATE);
	/* the next suspicion (a new epoch) is told */
	ev = change_event("e3", NIGHT1 + 3 * DAY);
	ev.stage = "suspected";
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 3);
	alerts_free(a);
	receiver_stop(r);
}

static void test_failed_delivery_retried_next_night(void **state)
{
	struct receiver *down = receiver_start(NULL, 0, 503, NULL), *up;
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(down, NULL);
	struct alert_event ev = change_event("f1", NIGHT1);
	char dir[96];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/retry", statedir);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), -1);
	alerts_free(a);
	receiver_stop(down);
	/* Not marked as sent: the next night tries again and succeeds. */
	up = receiver_start(NULL, 0, 200, NULL);
	a = hook_alerts(up, NULL);
	ev.when = NIGHT1 + DAY;
	pl_err_init(&err);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(up), 1);
	alerts_free(a);
	receiver_stop(up);
}

static void test_secrets_stay_out_of_logs(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 500, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a;
	struct alert_event ev = change_event("s1", NIGHT1);
	char url[128], buf[1600], *out;
	FILE *f = tmpfile();
	long n;

	(void)state;
	a = load("{\"alerts\": {\"retries\": 1, \"backoff_ms\": 1, \"channels\": ["
		 "{\"type\": \"slack\", \"url_env\": \"PL_TEST_SLACK\"},"
		 "{\"type\": \"teams\", \"url_env\": \"PL_TEST_TEAMS_UNSET\"}]}}",
		 &err);
	assert_non_null(a);
	unsetenv("PL_TEST_TEAMS_UNSET");
	receiver_url(r, "/services/T000/B000/SECRETxyz", url, sizeof(url));
	setenv("PL_TEST_SLACK", url, 1);
	log_set_stream(f, 0, 0);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	log_set_stream(NULL, 0, 0);
	/* Both failures are named, by channel name: slack's, and teams' (still tried; it named
	 * its variable). */
	pl_err_str(&err, buf, sizeof(buf));
	assert_null(strstr(buf, "SECRETxyz"));
	assert_string_equal(buf, "2 alert channels failed (\"slack\", \"teams\"): \"slack\": "
				 "delivery failed: HTTP 500 (after 2 attempts); \"teams\": "
				 "environment variable PL_TEST_TEAMS_UNSET is not set");
	assert_int_equal(alerts_outcome(a, 1, NULL), ALERT_FAILED);
	fflush(f);
	n = ftell(f);
	out = calloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(out, 1, (size_t)n, f), (size_t)n);
	assert_null(strstr(out, "SECRETxyz"));
	assert_non_null(strstr(out, "environment variable PL_TEST_TEAMS_UNSET is not set"));
	assert_non_null(strstr(out, "retrying in"));
	assert_int_equal(receiver_count(r), 2);
	/* alerts_check_env names the missing variable. */
	pl_err_init(&err);
	assert_int_equal(alerts_check_env(a, &err), -1);
	assert_string_equal(err.msg, "environment variable PL_TEST_TEAMS_UNSET is not set");
	/* Secrets are not kept after sending. */
	assert_null(alerts_channel(a, 0)->url);
	free(out);
	fclose(f);
	alerts_free(a);
	receiver_stop(r);
}

static void test_channel_kinds_filter(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a;
	struct alert_event ev = change_event("k1", NIGHT1);
	char url[128], text[512];

	(void)state;
	setenv("PL_TEST_HOOK_KEY", "k", 1);
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\", \"on\": [\"incomplete\"]}]}}",
		 receiver_url(r, "/", url, sizeof(url)));
	a = load(text, &err);
	assert_non_null(a);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 0);
	ev.kind = ALERT_TEST; /* alert test reaches every channel */
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	alerts_free(a);
	receiver_stop(r);
}

/* Runs on different vendors dispatch at the same moment: no entry is lost. The receiver runs
 * in its own process so that this one has no threads when it forks the dispatchers. */
static void test_concurrent_dispatch_keeps_every_entry(void **state)
{
	enum { N = 6 };
	static const char *const vendors[N] = { "v0", "v1", "v2", "v3", "v4", "v5" };
	struct pl_err err = PL_ERR_INIT;
	char dir[96], path[128], url[128], text_cfg[512], *text = NULL;
	pid_t server, kids[N];
	int p[2], i, st, port = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/concurrent", statedir);
	assert_int_equal(pipe(p), 0);
	server = fork();
	if (server == 0) {
		struct receiver *r = receiver_start(NULL, 0, 200, NULL);

		port = r ? receiver_port(r) : 0;
		if (write(p[1], &port, sizeof(port)) != (ssize_t)sizeof(port))
			_exit(1);
		pause(); /* until killed */
		_exit(0);
	}
	assert_int_equal(read(p[0], &port, sizeof(port)), (ssize_t)sizeof(port));
	assert_true(port > 0);
	close(p[0]);
	close(p[1]);
	setenv("PL_TEST_HOOK_KEY", "k", 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
	snprintf(text_cfg, sizeof(text_cfg),
		 "{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\"}]}}",
		 url);
	for (i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct pl_err e = PL_ERR_INIT;
			struct alerts *a = load(text_cfg, &e);
			struct alert_event ev = change_event("c1", NIGHT1);

			ev.vendor = vendors[i];
			_exit(a && alerts_dispatch(a, &ev, dir, &e) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	snprintf(path, sizeof(path), "%s/alerts/state.json", dir);
	assert_int_equal(fileio_read_all(path, 1 << 20, &text, NULL, &err), 0);
	for (i = 0; i < N; i++) {
		char key[64];

		snprintf(key, sizeof(key), "\"%s/gpt-x/core|change|webhook\"", vendors[i]);
		if (!strstr(text, key))
			fail_msg("entry %s lost:\n%s", key, text);
	}
	free(text);
}

/* Checks are said one way: the title and the facts use the report's count of (prompt, check)
 * pairs and its phrase, never a per-sample tally. */
static void test_checks_phrase(void **state)
{
	struct alert_event ev;
	json_t *facts = json_array(), *f;
	char title[256];
	size_t i;
	int seen = 0;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_CHECK_FAILURES;
	ev.vendor = "acme";
	ev.model = "m";
	ev.suite = "core";
	ev.checks_total = 30;
	ev.checks_failed = 4;
	ev.prompts_failed = 2;
	alert_title(&ev, title, sizeof(title));
	assert_string_equal(title, "plumbline: 4 of 30 checks failed on 2 prompts for acme/m on "
				   "suite core");
	alert_facts(&ev, facts);
	json_array_foreach(facts, i, f)
	{
		if (strcmp(json_string_value(json_array_get(f, 0)), "Checks"))
			continue;
		assert_string_equal(json_string_value(json_array_get(f, 1)),
				    "4 of 30 checks failed on 2 prompts");
		seen = 1;
	}
	assert_true(seen);
	json_decref(facts);
}

/* QA: a check-failure alert said "2 of 8 checks failed on 2 prompts" and not which: it names
 * them now (prompt, check id, tonight's pass rate against the baseline's, or the rate the check
 * needs when the baseline cannot tell), new ones first, a few at most, then "+N more". */
static void test_failed_checks_named(void **state)
{
	struct alert_event ev = { .kind = ALERT_CHECK_FAILURES, .vendor = "acme" };
	struct sbuf sb = SBUF_INIT;
	json_t *fc = json_array(), *facts = json_array(), *f;
	const char *said = NULL;
	size_t i;

	(void)state;
	json_array_append_new(fc, json_pack("{s:s,s:s,s:i,s:i,s:f,s:s}", "prompt", "p-old", "check",
					    "regex#0", "pass", 2, "judged", 10, "min_pass_rate",
					    0.8, "since", "2026-03-01"));
	json_array_append_new(fc, json_pack("{s:s,s:s,s:i,s:i,s:f,s:i,s:i}", "prompt",
					    "product-json", "check", "json_schema#1", "pass", 0,
					    "judged", 10, "min_pass_rate", 1.0, "baseline_pass", 30,
					    "baseline_judged", 30));
	json_array_append_new(fc, json_pack("{s:s,s:s,s:i,s:i,s:f}", "prompt", "capital-fr",
					    "check", "similarity#0", "pass", 4, "judged", 10,
					    "min_pass_rate", 0.8));
	for (i = 0; i < 5; i++)
		json_array_append_new(fc, json_pack("{s:s,s:s,s:i,s:i}", "prompt", "p", "check",
						    "length#1", "pass", 1, "judged", 2));
	ev.failed_checks = fc;
	alert_failed_checks_said(&ev, &sb);
	assert_string_equal(sb.buf,
			    "product-json json_schema#1: 0% passed tonight (0 of 10), baseline "
			    "100% (30 of 30); capital-fr similarity#0: 40% passed tonight (4 of "
			    "10), needs 80%; p length#1: 50% passed tonight (1 of 2); p length#1: "
			    "50% passed tonight (1 of 2); p length#1: 50% passed tonight (1 of 2); "
			    "+3 more");
	/* every channel shows it as a fact */
	alert_facts(&ev, facts);
	json_array_foreach(facts, i, f)
	{
		if (!strcmp(json_string_value(json_array_get(f, 0)), "Failed checks"))
			said = json_string_value(json_array_get(f, 1));
	}
	assert_non_null(said);
	assert_string_equal(said, sb.buf);
	/* a failure told on an earlier night says so */
	json_array_clear(fc);
	json_array_append_new(fc,
			      json_pack("{s:s,s:s,s:i,s:i,s:s}", "prompt", "p-old", "check",
					"regex#0", "pass", 2, "judged", 10, "since", "2026-03-01"));
	sbuf_reset(&sb);
	alert_failed_checks_said(&ev, &sb);
	assert_string_equal(sb.buf, "p-old regex#0: 20% passed tonight (2 of 10) (failing since "
				    "2026-03-01)");
	json_decref(facts);
	json_decref(fc);
	sbuf_release(&sb);
}

static json_t *failing(const char *const *checks)
{
	json_t *fc = json_array();

	for (; *checks; checks++)
		json_array_append_new(fc, json_pack("{s:s,s:s,s:i,s:i}", "prompt", "p", "check",
						    *checks, "pass", 0, "judged", 10));
	return fc;
}

static struct alert_event outage_event(time_t when)
{
	struct alert_event ev = { 0 };

	ev.kind = ALERT_INCOMPLETE;
	ev.vendor = "acme";
	ev.model = "gpt-r";
	ev.suite = "core";
	ev.reason = "vendor unreachable";
	ev.when = when;
	return ev;
}

static struct alert_event completed_event(time_t when)
{
	struct alert_event ev = outage_event(when);

	ev.kind = ALERT_NONE;
	ev.reason = NULL;
	ev.planned = ev.requests = ev.answers = 10;
	return ev;
}

/* An on-call person told "run incomplete: vendor unreachable" had no word that it was over. The
 * next completed run tells it once, with the night of the outage; nothing when nothing was
 * told; a channel whose "on" leaves "recovered" out hears nothing; after a recovery, a new
 * outage is news again within the cooldown. */
static void test_recovery_after_outage(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = hook_alerts(r, NULL), *quiet;
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev;
	char dir[128], url[128], text[1024], title[256], hdr[64];
	const struct receiver_req *q;
	json_t *body;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/recover", statedir);
	/* told nothing: a completed night says nothing */
	ev = completed_event(NIGHT1 - DAY);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 0);
	/* night 1 (2026-11-27): down, told; again 6 h later: not repeated */
	ev = outage_event(NIGHT1);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	ev.when = NIGHT1 + 6 * 3600;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	/* night 2: completed: one recovery naming the night it went down */
	ev = completed_event(NIGHT1 + DAY);
	ev.vendor_faults = 0;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 2);
	q = receiver_get(r, 1);
	assert_string_equal(receiver_header(q, "x-plumbline-event", hdr, sizeof(hdr)), "recovered");
	body = json_loads(q->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "recovered");
	assert_string_equal(json_string_value(json_object_get(body, "problem")), "incomplete");
	assert_string_equal(json_string_value(json_object_get(body, "since")), "2026-11-27");
	assert_string_equal(json_string_value(json_object_get(body, "night")), "2026-11-28");
	assert_string_equal(json_string_value(json_object_get(body, "title")),
			    "plumbline: acme/gpt-r on suite core recovered: the run of 2026-11-28 "
			    "completed (incomplete since 2026-11-27)");
	assert_string_equal(json_string_value(json_object_get(body, "summary")),
			    "The run of 2026-11-28 completed: 10 of 10 planned answered "
			    "(availability 100%). The run could not complete since 2026-11-27 "
			    "(vendor unreachable); that is over.");
	json_decref(body);
	/* night 3: nothing more */
	ev.when = NIGHT1 + 2 * DAY;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 2);
	/* down again an hour later (past the cooldown), back an hour after: told, then over */
	ev = outage_event(NIGHT1 + 2 * DAY + 3600);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	ev = completed_event(NIGHT1 + 2 * DAY + 2 * 3600);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 4);
	/* and down again within the cooldown of that outage's alert: the channel heard it was
	 * over, so this is news; its recovery names the night it went down */
	ev = outage_event(NIGHT1 + 2 * DAY + 3 * 3600);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_SENT);
	ev = completed_event(NIGHT1 + 3 * DAY);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 6);
	body = json_loads(receiver_get(r, 5)->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "since")), "2026-11-29");
	json_decref(body);
	ev.kind = ALERT_RECOVERED;
	ev.problem = ALERT_INCOMPLETE;
	ev.since = "2026-11-29";
	alert_title(&ev, title, sizeof(title));
	assert_non_null(strstr(title, "recovered: the run of 2026-11-30 completed"));
	alerts_free(a);

	/* a channel that takes incomplete alerts but not recoveries: told the outage only */
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"backoff_ms\": 1, \"channels\": [{\"type\": \"webhook\","
		 " \"name\": \"ops\", \"on\": [\"incomplete\"], \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_HOOK_KEY\"}]}}",
		 receiver_url(r, "/ops", url, sizeof(url)));
	quiet = load(text, &err);
	assert_non_null(quiet);
	ev = outage_event(NIGHT1 + 4 * DAY);
	assert_int_equal(alerts_dispatch(quiet, &ev, dir, &err), 0);
	ev = completed_event(NIGHT1 + 5 * DAY);
	assert_int_equal(alerts_dispatch(quiet, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 7);
	assert_null(strstr(receiver_get(r, 6)->body, "recovered"));
	alerts_free(quiet);
	receiver_stop(r);
}

/* A state written before recovery notices (an incomplete entry without "open"): whether that
 * outage ended since is unknown, so no notice; the next outage told is recovered as usual. */
static void test_recovery_old_state(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = hook_alerts(r, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev;
	char dir[128], path[160];
	const char *old = "{\"version\": 1, \"entries\": {\"acme/gpt-r/core|incomplete|webhook\":"
			  " {\"sent\": \"2026-11-20T02:00:00Z\", \"sent_unix\": 1795140000}}}";

	(void)state;
	snprintf(dir, sizeof(dir), "%s/oldstate", statedir);
	snprintf(path, sizeof(path), "%s/alerts", dir);
	assert_int_equal(fileio_mkdirs(path, &err), 0);
	snprintf(path, sizeof(path), "%s/alerts/state.json", dir);
	assert_int_equal(fileio_write_atomic(path, old, strlen(old), 0644, &err), 0);
	ev = completed_event(NIGHT1);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 0);
	ev = outage_event(NIGHT1 + DAY);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	ev = completed_event(NIGHT1 + 2 * DAY);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 2);
	assert_non_null(strstr(receiver_get(r, 1)->body, "\"kind\":\"recovered\""));
	alerts_free(a);
	receiver_stop(r);
}

/* A recovery the channel did not accept is sent the next run, late, once. */
static void test_recovery_not_delivered_sent_late(void **state)
{
	static const int statuses[] = { 200, 503, 503, 503, 503 };
	struct receiver *r = receiver_start(statuses, ARRAY_SIZE(statuses), 200, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(r, NULL);
	struct alert_event ev;
	char dir[128];
	json_t *body;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/recover-late", statedir);
	ev = outage_event(NIGHT1);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	ev = completed_event(NIGHT1 + DAY);
	pl_err_init(&err);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), -1); /* 503, 4 attempts */
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_FAILED);
	ev.when = NIGHT1 + 2 * DAY;
	pl_err_init(&err);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 6);
	body = json_loads(receiver_get(r, 5)->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "recovered");
	assert_true(json_is_true(json_object_get(body, "late")));
	assert_string_equal(json_string_value(json_object_get(body, "night")), "2026-11-28");
	assert_string_equal(json_string_value(json_object_get(body, "since")), "2026-11-27");
	json_decref(body);
	ev.when = NIGHT1 + 3 * DAY;
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 6);
	alerts_free(a);
	receiver_stop(r);
}

/* QA: after the failing checks were told, the same check-failure alert came every night. A
 * check-failure alert goes when a check fails that the channel was not told failing; a night
 * that judged the checks forgets those that passed, so one that fails again is news again. */
static void test_check_failures_told_when_new(void **state)
{
	static const char *const a_only[] = { "a", NULL }, *const a_b[] = { "a", "b", NULL },
				 *const none[] = { NULL };
	static const struct {
		const char *const *failing;
		int sent; /* ALERT_CHECK_FAILURES when failing, else a clean night (ALERT_NONE) */
	} nights[] = {
		{ a_only, 1 }, /* first night: told */
		{ a_only, 0 }, /* the same: not repeated (24 h later: past the cooldown) */
		{ a_only, 0 }, { a_b, 1 },  /* b is new: told, a marked as failing since night 1 */
		{ a_b, 0 },    { none, 1 }, /* every check passed: a recovery, then forgotten */
		{ none, 0 },		    /* and said once */
		{ a_only, 1 },		    /* a fails again: news again */
	};
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = hook_alerts(r, NULL);
	struct pl_err err = PL_ERR_INIT;
	size_t i, expect = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(nights); i++) {
		struct alert_event ev = { 0 };
		json_t *fc = failing(nights[i].failing);

		ev.kind = json_array_size(fc) ? ALERT_CHECK_FAILURES : ALERT_NONE;
		ev.vendor = "acme";
		ev.model = "gpt-f";
		ev.suite = "core";
		ev.checks_total = 8;
		ev.checks_failed = json_array_size(fc);
		ev.prompts_failed = ev.checks_failed ? 1 : 0;
		ev.failed_checks = fc;
		ev.when = NIGHT1 + (time_t)(i + 20) * DAY;
		assert_int_equal(alerts_dispatch(a, &ev, statedir, &err), 0);
		expect += (size_t)nights[i].sent;
		if (receiver_count(r) != expect)
			fail_msg("night %zu: %zu alerts, want %zu", i + 1, receiver_count(r),
				 expect);
		json_decref(fc);
	}
	/* night 4's alert: b new, a told on night 1 (2026-12-17) */
	{
		json_t *b = json_loads(receiver_get(r, 1)->body, 0, NULL);
		json_t *fc = json_object_get(b, "failed_checks");

		assert_int_equal(json_array_size(fc), 2);
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(fc, 0), "since")),
			"2026-12-17");
		assert_null(json_object_get(json_array_get(fc, 1), "since"));
		json_decref(b);
	}
	alerts_free(a);
	receiver_stop(r);
}

/* A night that completes and has news of its own: the recovery first, then tonight's alert,
 * each its own message; an incomplete alert delivered late is recovered the same run. */
static void test_recovery_before_tonights_alert(void **state)
{
	struct receiver *down = receiver_start(NULL, 0, 503, NULL), *r;
	struct pl_err err = PL_ERR_INIT;
	struct alerts *a = hook_alerts(down, NULL);
	struct alert_event ev;
	char dir[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/recover-order", statedir);
	/* night 1: down, and so is the channel: the incomplete alert is pending */
	ev = outage_event(NIGHT1);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), -1);
	alerts_free(a);
	receiver_stop(down);
	/* night 2: the run completes and the vendor changed; the channel is back: the late
	 * incomplete alert, its recovery, then the change */
	r = receiver_start(NULL, 0, 200, NULL);
	a = hook_alerts(r, NULL);
	ev = change_event("e9", NIGHT1 + DAY);
	ev.model = "gpt-r";
	ev.report_path = "reports/2026-11-28/acme-core.json";
	pl_err_init(&err);
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 3);
	assert_non_null(strstr(receiver_get(r, 0)->body, "\"kind\":\"incomplete\""));
	assert_non_null(strstr(receiver_get(r, 0)->body, "\"late\":true"));
	assert_non_null(strstr(receiver_get(r, 1)->body, "\"kind\":\"recovered\""));
	assert_non_null(strstr(receiver_get(r, 1)->body, "\"since\":\"2026-11-27\""));
	assert_non_null(strstr(receiver_get(r, 2)->body, "\"kind\":\"change\""));
	/* night 3: the change is told, the outage over: nothing */
	ev.when = NIGHT1 + 2 * DAY;
	ev.report_path = "reports/2026-11-29/acme-core.json";
	assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
	assert_int_equal(receiver_count(r), 3);
	alerts_free(a);
	receiver_stop(r);
}

/* Check failures told are over when every one of them passes again: one notice naming them
 * all (also those that passed on an earlier night), with the night each was first told. */
static void test_recovery_of_checks(void **state)
{
	static const char *const a_only[] = { "a", NULL }, *const a_b[] = { "a", "b", NULL },
				 *const b_only[] = { "b", NULL }, *const none[] = { NULL };
	static const struct {
		const char *const *failing;
		int sent;
	} nights[] = {
		{ a_only, 1 }, /* told a */
		{ a_b, 1 },    /* told b */
		{ b_only, 0 }, /* a passes, b still fails: not over */
		{ none, 1 },   /* both pass: the recovery */
		{ none, 0 },   /* said once */
	};
	struct receiver *r = receiver_start(NULL, 0, 200, NULL);
	struct alerts *a = hook_alerts(r, NULL);
	struct pl_err err = PL_ERR_INIT;
	char dir[128];
	size_t i, expect = 0;
	json_t *body, *rc;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/recover-checks", statedir);
	for (i = 0; i < ARRAY_SIZE(nights); i++) {
		struct alert_event ev = { 0 };
		json_t *fc = failing(nights[i].failing);

		ev.kind = json_array_size(fc) ? ALERT_CHECK_FAILURES : ALERT_NONE;
		ev.vendor = "acme";
		ev.model = "gpt-c";
		ev.suite = "core";
		ev.checks_total = 8;
		ev.checks_failed = json_array_size(fc);
		ev.prompts_failed = ev.checks_failed ? 1 : 0;
		ev.failed_checks = fc;
		ev.when = NIGHT1 + (time_t)i * DAY;
		assert_int_equal(alerts_dispatch(a, &ev, dir, &err), 0);
		expect += (size_t)nights[i].sent;
		if (receiver_count(r) != expect)
			fail_msg("night %zu: %zu alerts, want %zu", i + 1, receiver_count(r),
				 expect);
		json_decref(fc);
	}
	body = json_loads(receiver_get(r, 2)->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "recovered");
	assert_string_equal(json_string_value(json_object_get(body, "problem")), "check_failures");
	assert_string_equal(json_string_value(json_object_get(body, "since")), "2026-11-27");
	assert_string_equal(json_string_value(json_object_get(body, "title")),
			    "plumbline: acme/gpt-c on suite core recovered: 2 checks passing again "
			    "since 2026-11-30 (failing since 2026-11-27)");
	rc = json_object_get(body, "recovered_checks");
	assert_int_equal(json_array_size(rc), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rc, 0), "check")),
			    "a");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rc, 0), "since")),
			    "2026-11-27");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rc, 1), "check")),
			    "b");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rc, 1), "since")),
			    "2026-11-28");
	assert_null(json_object_get(body, "failed_checks"));
	json_decref(body);
	alerts_free(a);
	receiver_stop(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_valid),
		cmocka_unit_test(test_checks_phrase),
		cmocka_unit_test(test_failed_checks_named),
		cmocka_unit_test(test_check_failures_told_when_new),
		cmocka_unit_test(test_recovery_after_outage),
		cmocka_unit_test(test_recovery_old_state),
		cmocka_unit_test(test_recovery_not_delivered_sent_late),
		cmocka_unit_test(test_recovery_of_checks),
		cmocka_unit_test(test_recovery_before_tonights_alert),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_report_url),
		cmocka_unit_test(test_weak_change_with_failed_checks),
		cmocka_unit_test(test_retry_after_500),
		cmocka_unit_test(test_gives_up_and_4xx_is_final),
		cmocka_unit_test(test_every_failed_channel_named),
		cmocka_unit_test(test_bad_env_url_not_retried),
		cmocka_unit_test(test_retry_after_header_honoured),
		cmocka_unit_test(test_retry_after_http_date_honoured),
		cmocka_unit_test(test_dedup_over_nights),
		cmocka_unit_test(test_confirmation_told_once),
		cmocka_unit_test(test_failed_delivery_retried_next_night),
		cmocka_unit_test(test_secrets_stay_out_of_logs),
		cmocka_unit_test(test_channel_kinds_filter),
		cmocka_unit_test(test_concurrent_dispatch_keeps_every_entry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
