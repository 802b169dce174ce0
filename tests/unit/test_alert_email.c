/* test_alert_email.c: the SMTP conversation with a loopback SMTP server (EHLO, AUTH PLAIN with
 * the credentials from the environment, MAIL FROM, RCPT TO per recipient, DATA, QUIT), the
 * message's headers, header injection, and that TLS is required: a server that does not offer
 * STARTTLS, or refuses it, never sees the credentials. */
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

static struct alerts *email_alerts(int port, int tls_none, int auth)
{
	char text[768];
	struct pl_err err = PL_ERR_INIT;
	struct jsonloc loc;
	struct alerts *a;
	json_t *root;

	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"retries\": 1, \"backoff_ms\": 1, \"timeout_ms\": 5000,"
		 " \"channels\": [{\"type\": \"email\", \"url\": \"smtp://127.0.0.1:%d\","
		 " \"from\": \"plumbline@example.com\","
		 " \"to\": [\"product@example.com\", \"oncall@example.com\"] %s %s}]}}",
		 port, tls_none ? ", \"tls\": \"none\"" : "",
		 auth ? ", \"username_env\": \"PL_TEST_SMTP_USER\","
			" \"password_env\": \"PL_TEST_SMTP_PASS\""
		      : "");
	loc = (struct jsonloc){ "c.json", text, strlen(text) };
	root = json_parse_text(&loc, &err);
	assert_non_null(root);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	json_decref(root);
	assert_non_null(a);
	setenv("PL_TEST_SMTP_USER", "alerts@example.com", 1);
	setenv("PL_TEST_SMTP_PASS", "s3cret-pw", 1);
	return a;
}

static struct alert_event change(void)
{
	static const char *const signals[] = { "answer length" };
	struct alert_event ev = { 0 };

	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 1;
	ev.confidence = 0.98;
	ev.epoch = "e3";
	ev.report_path = "reports/2026-11-27/acme-core.json";
	ev.summary = "answers got longer";
	ev.stage = "confirmed";
	return ev;
}

/* Returns the position of needle in hay, failing the test if absent. */
static size_t pos(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("\"%s\" not found in:\n%s", needle, hay);
	return (size_t)(p - hay);
}

static void test_conversation(void **state)
{
	struct smtp_server *s = smtp_server_start(SMTP_PLAIN);
	struct alerts *a = email_alerts(smtp_server_port(s), 1, 1);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change();
	const char *t, *d;

	(void)state;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(smtp_server_wait(s, 1, 5000), 0);
	t = smtp_server_transcript(s);
	/* The commands in their order. */
	assert_true(pos(t, "EHLO ") < pos(t, "AUTH PLAIN"));
	assert_true(pos(t, "AUTH PLAIN") < pos(t, "MAIL FROM:<plumbline@example.com>"));
	assert_true(pos(t, "MAIL FROM:<plumbline@example.com>") < pos(t, "RCPT "
									 "TO:<product@example.com>"
									 "\n"));
	assert_true(pos(t, "RCPT TO:<product@example.com>\n") < pos(t, "RCPT "
								       "TO:<oncall@example.com>"
								       "\n"));
	assert_true(pos(t, "RCPT TO:<oncall@example.com>\n") < pos(t, "DATA\n"));
	assert_true(pos(t, "DATA\n") < pos(t, "QUIT\n"));
	assert_string_equal(smtp_server_auth(s), "alerts@example.com:s3cret-pw");

	d = smtp_server_data(s);
	assert_int_equal(pos(d, "Date: "), 0);
	pos(d, "\r\nFrom: <plumbline@example.com>\r\n");
	pos(d, "\r\nTo: <product@example.com>, <oncall@example.com>\r\n");
	pos(d,
	    "\r\nSubject: plumbline: acme/gpt-x changed on suite core: confirmed, new epoch e3\r\n"
	    " (confidence 0.98)\r\n");
	pos(d, "\r\nMessage-ID: <");
	pos(d, "\r\nContent-Type: text/plain; charset=utf-8\r\n");
	pos(d, "\r\nX-Plumbline-Kind: change\r\nX-Plumbline-Event: change\r\n"
	       "X-Plumbline-Stage: confirmed\r\n\r\n");
	pos(d, "\r\n\r\nanswers got longer\r\n");
	pos(d, "\r\nEpoch       e3\r\n");
	pos(d, "\r\n  - answer length\r\n");
	pos(d, "\r\nSigned report: reports/2026-11-27/acme-core.json\r\n");
	assert_null(strstr(d, "s3cret-pw"));
	/* a retraction is told apart in the headers, not only in the prose */
	ev.retracted = 1;
	ev.stage = NULL;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(smtp_server_wait(s, 2, 5000), 0);
	d = smtp_server_data(s);
	pos(d, "\r\nX-Plumbline-Kind: change\r\nX-Plumbline-Event: retraction\r\n"
	       "X-Plumbline-Stage: retracted\r\n\r\n");
	alerts_free(a);
	smtp_server_stop(s);
}

static void test_header_injection_and_utf8_subject(void **state)
{
	struct smtp_server *s = smtp_server_start(SMTP_PLAIN);
	struct alerts *a = email_alerts(smtp_server_port(s), 1, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change();
	const char *d;

	(void)state;
	ev.vendor = "acme\r\nBcc: attacker@example.com";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(smtp_server_wait(s, 1, 5000), 0);
	d = smtp_server_data(s);
	{
		/* Only the header block matters: a "Bcc:" line in the body is just text. */
		char *headers = strndup(d, pos(d, "\r\n\r\n") + 2);

		assert_null(strstr(headers, "\r\nBcc:"));
		pos(headers, "Subject: plumbline: acme  Bcc: attacker@example.com/gpt-x");
		free(headers);
	}
	/* No credentials configured: no AUTH. */
	assert_null(strstr(smtp_server_transcript(s), "AUTH"));

	ev = change();
	ev.model = "modèle-ü";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(smtp_server_wait(s, 2, 5000), 0);
	d = smtp_server_data(s);
	pos(d, "Subject: =?UTF-8?B?");
	alerts_free(a);
	smtp_server_stop(s);
}

/* QA: a 210-character ASCII Subject went out as one line. It is folded at spaces: no header
 * line passes 78 characters, and unfolding (removing CRLF before a space) gives it back. */
static void test_long_subject_folded(void **state)
{
	struct smtp_server *s = smtp_server_start(SMTP_PLAIN);
	struct alerts *a = email_alerts(smtp_server_port(s), 1, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change();
	char title[512], *headers, *line, *save = NULL, *unfolded;
	const char *d;
	size_t i, j;

	(void)state;
	ev.suite = "a-rather-long-suite-name-for-the-customer-support-knowledge-base "
		   "regression checks of the night";
	ev.model = "gpt-x-2026-11-27-preview-with-a-long-deployment-name";
	alert_title(&ev, title, sizeof(title));
	assert_true(strlen(title) > 160);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(smtp_server_wait(s, 1, 5000), 0);
	d = smtp_server_data(s);
	headers = strndup(d, pos(d, "\r\n\r\n") + 2);
	unfolded = strdup(headers);
	for (i = j = 0; unfolded[i]; i++) {
		if (unfolded[i] == '\r' && unfolded[i + 1] == '\n' && unfolded[i + 2] == ' ') {
			i++;
			continue;
		}
		unfolded[j++] = unfolded[i];
	}
	unfolded[j] = '\0';
	pos(unfolded, "\r\nSubject: ");
	pos(unfolded, title);
	for (line = strtok_r(headers, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) <= 79); /* 78 and the CR */
	free(unfolded);
	free(headers);
	alerts_free(a);
	smtp_server_stop(s);
}

static void test_tls_required(void **state)
{
	struct smtp_server *s = smtp_server_start(SMTP_PLAIN);
	struct alerts *a = email_alerts(smtp_server_port(s), 0, 1);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change();
	int attempts = 0;

	(void)state;
	/* The server offers no STARTTLS: the client must stop before AUTH and MAIL. */
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_int_equal(alerts_outcome(a, 0, &attempts), ALERT_FAILED);
	assert_int_equal(attempts, 1); /* not retried: it cannot get better */
	assert_int_equal(smtp_server_wait(s, 1, 5000), 0);
	assert_null(strstr(smtp_server_transcript(s), "AUTH"));
	assert_null(strstr(smtp_server_transcript(s), "MAIL FROM"));
	assert_string_equal(smtp_server_auth(s), "");
	assert_string_equal(err.where, "alert channel \"email\"");
	alerts_free(a);
	smtp_server_stop(s);

	/* It offers STARTTLS but refuses it (454): same. */
	s = smtp_server_start(SMTP_STARTTLS_REFUSED);
	a = email_alerts(smtp_server_port(s), 0, 1);
	pl_err_init(&err);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_int_equal(smtp_server_wait(s, 1, 5000), 0);
	pos(smtp_server_transcript(s), "STARTTLS\n");
	assert_null(strstr(smtp_server_transcript(s), "AUTH"));
	assert_string_equal(smtp_server_auth(s), "");
	alerts_free(a);
	smtp_server_stop(s);
}

static void test_rejected_recipient_fails(void **state)
{
	struct smtp_server *s = smtp_server_start(SMTP_REJECT_RCPT);
	struct alerts *a = email_alerts(smtp_server_port(s), 1, 0);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change();

	(void)state;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_int_equal(alerts_outcome(a, 0, NULL), ALERT_FAILED);
	assert_non_null(strstr(err.msg, "SMTP 550"));
	alerts_free(a);
	smtp_server_stop(s);
}

/* A recovery is told apart in the headers: its kind and the problem it ends. */
static void test_recovery_headers(void **state)
{
	struct smtp_server *s = smtp_server_start(SMTP_PLAIN);
	struct alerts *a = email_alerts(smtp_server_port(s), 1, 1);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = change();
	const char *d;

	(void)state;
	ev.kind = ALERT_RECOVERED;
	ev.problem = ALERT_INCOMPLETE;
	ev.since = "2026-11-26";
	ev.reason = "vendor unreachable";
	ev.n_signals = 0;
	ev.epoch = NULL;
	ev.stage = NULL;
	ev.summary = NULL;
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(smtp_server_wait(s, 1, 5000), 0);
	d = smtp_server_data(s);
	pos(d, "\r\nX-Plumbline-Kind: recovered\r\nX-Plumbline-Event: recovered\r\n"
	       "X-Plumbline-Problem: incomplete\r\n\r\n");
	pos(d, "\r\nRecovered from the run could not complete: vendor unreachable\r\n");
	pos(d, "\r\nIncomplete since 2026-11-26\r\n");
	assert_null(strstr(d, "X-Plumbline-Stage"));
	alerts_free(a);
	smtp_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recovery_headers),
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_header_injection_and_utf8_subject),
		cmocka_unit_test(test_long_subject_folded),
		cmocka_unit_test(test_tls_required),
		cmocka_unit_test(test_rejected_recipient_fails),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
