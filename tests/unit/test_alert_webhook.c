/* test_alert_webhook.c: the generic webhook: its JSON body, and the HMAC-SHA256 signature
 * (t=TS,v1=HEX over "TS.BODY") recomputed independently with OpenSSL from what the receiver
 * got; forgeries (changed body, timestamp, key; stale; missing v1) must fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "alert.h"

#include "receiver.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "whsec_test_0123456789"

/* The signed bytes are "TS." + body; the primitive is pinned by RFC 4231 test case 2. */
static void test_sign_known_vector(void **state)
{
	char hex[65];

	(void)state;
	alert_webhook_sign("Jefe", 0, "what do ya want for nothing?", 28, hex);
	{
		unsigned char mac[32];
		unsigned int len = 0;
		const char *msg = "0.what do ya want for nothing?";
		char want[65];
		int i;

		HMAC(EVP_sha256(), "Jefe", 4, (const unsigned char *)msg, strlen(msg), mac, &len);
		for (i = 0; i < 32; i++)
			snprintf(want + 2 * i, 3, "%02x", mac[i]);
		assert_string_equal(hex, want);
	}
	/* And the primitive against RFC 4231 case 2 (no timestamp involved). */
	{
		unsigned char mac[32];
		unsigned int len = 0;
		char got[65];
		int i;

		HMAC(EVP_sha256(), "Jefe", 4, (const unsigned char *)"what do ya want for nothing?",
		     28, mac, &len);
		for (i = 0; i < 32; i++)
			snprintf(got + 2 * i, 3, "%02x", mac[i]);
		assert_string_equal(got, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b96"
					 "4ec3843");
	}
}

static void test_delivered_and_signed(void **state)
{
	static const char *const signals[] = { "json fenced" };
	struct receiver *r = receiver_start(NULL, 0, 204, NULL);
	struct pl_err err = PL_ERR_INIT;
	struct alert_event ev = { 0 };
	const struct receiver_req *q;
	char text[512], url[128], sig[256], hdr[128], want[65];
	struct jsonloc loc;
	struct alerts *a;
	json_t *root, *body;
	long long ts;
	time_t before = time(NULL);
	unsigned char mac[32];
	unsigned int maclen = 0;
	char *msg;
	int i;

	(void)state;
	setenv("PL_TEST_WEBHOOK_KEY", KEY, 1);
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_WEBHOOK_KEY\"}]}}",
		 receiver_url(r, "/plumbline", url, sizeof(url)));
	loc = (struct jsonloc){ "c.json", text, strlen(text) };
	root = json_parse_text(&loc, &err);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	json_decref(root);
	assert_non_null(a);

	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "gpt-x";
	ev.suite = "core";
	ev.signals = signals;
	ev.n_signals = 1;
	ev.confidence = 0.96;
	ev.epoch = "e2";
	ev.report_path = "reports/x.json";
	ev.checks_total = 10;
	ev.checks_failed = 4;
	ev.stage = "confirmed";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	q = receiver_get(r, 0);
	assert_string_equal(receiver_header(q, "content-type", hdr, sizeof(hdr)), "application/"
										  "json");
	assert_string_equal(receiver_header(q, "x-plumbline-event", hdr, sizeof(hdr)), "change");
	assert_int_equal(strlen(receiver_header(q, "x-plumbline-delivery", hdr, sizeof(hdr))), 32);

	/* Body */
	body = json_loads(q->body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "type")), "plumbline.alert");
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "change");
	assert_string_equal(json_string_value(json_object_get(body, "event")), "change");
	assert_string_equal(json_string_value(json_object_get(body, "stage")), "confirmed");
	assert_true(json_is_false(json_object_get(body, "retracted")));
	assert_string_equal(json_string_value(json_object_get(body, "vendor")), "acme");
	assert_string_equal(json_string_value(json_object_get(body, "epoch")), "e2");
	assert_true(json_real_value(json_object_get(body, "confidence")) == 0.96);
	assert_string_equal(json_string_value(json_array_get(json_object_get(body, "signals"), 0)),
			    "json fenced");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(body, "report"), "path")), "repor"
											     "ts/"
											     "x."
											     "jso"
											     "n");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "counts"), "check"
											     "s_"
											     "faile"
											     "d")),
			 4);
	json_decref(body);

	/* Signature, recomputed independently. */
	assert_non_null(receiver_header(q, "x-plumbline-signature", sig, sizeof(sig)));
	assert_int_equal(sscanf(sig, "t=%lld,v1=", &ts), 1);
	assert_true(ts >= (long long)before && ts <= (long long)time(NULL));
	msg = malloc(q->body_len + 32);
	snprintf(msg, 32, "%lld.", ts);
	memcpy(msg + strlen(msg), q->body, q->body_len + 1);
	HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (unsigned char *)msg, strlen(msg), mac, &maclen);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", mac[i]);
	assert_non_null(strstr(sig, want));
	assert_int_equal(alert_webhook_verify(KEY, sig, q->body, q->body_len, time(NULL), 300), 0);

	/* Forgeries. */
	{
		char *tampered = strdup(q->body), forged[256];
		char *p = strstr(tampered, "\"acme\"");

		p[1] = 'b';
		assert_int_equal(
			alert_webhook_verify(KEY, sig, tampered, q->body_len, time(NULL), 300), -1);
		assert_int_equal(alert_webhook_verify("wrong-key", sig, q->body, q->body_len,
						      time(NULL), 300),
				 -1);
		snprintf(forged, sizeof(forged), "t=%lld,v1=%s", ts + 1, want);
		assert_int_equal(alert_webhook_verify(KEY, forged, q->body, q->body_len, time(NULL),
						      300),
				 -1);
		snprintf(forged, sizeof(forged), "t=%lld", ts);
		assert_int_equal(alert_webhook_verify(KEY, forged, q->body, q->body_len, time(NULL),
						      300),
				 -1);
		/* Replayed an hour later: stale. */
		assert_int_equal(alert_webhook_verify(KEY, sig, q->body, q->body_len,
						      time(NULL) + 3600, 300),
				 -1);
		free(tampered);
	}
	free(msg);
	alerts_free(a);
	receiver_stop(r);
}

/* QA: a receiver could not tell a retraction (or the stage) from a change but by the prose
 * of "summary". The header, "event", "stage" and "retracted" say it as data. */
static void test_retraction_and_stage(void **state)
{
	static const struct {
		const char *stage;
		int retracted;
		const char *event, *want_stage;
	} cases[] = {
		{ "suspected", 0, "change", "suspected" },
		{ "confirmed", 0, "change", "confirmed" },
		{ NULL, 1, "retraction", "retracted" },
	};
	struct receiver *r = receiver_start(NULL, 0, 204, NULL);
	struct pl_err err = PL_ERR_INIT;
	char text[512], url[128], hdr[128];
	struct jsonloc loc;
	struct alerts *a;
	json_t *root, *body;
	size_t i;

	(void)state;
	setenv("PL_TEST_WEBHOOK_KEY", KEY, 1);
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_WEBHOOK_KEY\"}]}}",
		 receiver_url(r, "/plumbline", url, sizeof(url)));
	loc = (struct jsonloc){ "c.json", text, strlen(text) };
	root = json_parse_text(&loc, &err);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	json_decref(root);
	assert_non_null(a);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct alert_event ev = { .kind = ALERT_CHANGE,
					  .vendor = "acme",
					  .model = "m",
					  .suite = "s",
					  .confidence = cases[i].retracted ? 0.2 : 0.99,
					  .stage = cases[i].stage,
					  .retracted = cases[i].retracted };
		const struct receiver_req *q;

		assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
		assert_int_equal(receiver_count(r), i + 1);
		q = receiver_get(r, i);
		assert_string_equal(receiver_header(q, "x-plumbline-event", hdr, sizeof(hdr)),
				    cases[i].event);
		body = json_loads(q->body, 0, NULL);
		assert_non_null(body);
		assert_string_equal(json_string_value(json_object_get(body, "kind")), "change");
		assert_string_equal(json_string_value(json_object_get(body, "event")),
				    cases[i].event);
		assert_string_equal(json_string_value(json_object_get(body, "stage")),
				    cases[i].want_stage);
		assert_int_equal(json_is_true(json_object_get(body, "retracted")),
				 cases[i].retracted);
		json_decref(body);
	}
	/* other kinds carry no stage */
	{
		struct alert_event ev = { .kind = ALERT_INCOMPLETE, .vendor = "acme" };

		assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
		body = json_loads(receiver_get(r, ARRAY_SIZE(cases))->body, 0, NULL);
		assert_string_equal(json_string_value(json_object_get(body, "event")),
				    "incomplete");
		assert_null(json_object_get(body, "stage"));
		assert_null(json_object_get(body, "retracted"));
		json_decref(body);
	}
	alerts_free(a);
	receiver_stop(r);
}

static void test_missing_key_is_named(void **state)
{
	const char *text = "{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\":"
			   " \"http://127.0.0.1:1/\", \"secret_env\": \"PL_TEST_NO_SUCH_KEY\"}]}}";
	struct jsonloc loc = { "c.json", text, strlen(text) };
	struct pl_err err = PL_ERR_INIT;
	json_t *root = json_parse_text(&loc, &err);
	struct alerts *a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	struct alert_event ev = { .kind = ALERT_TEST };

	(void)state;
	json_decref(root);
	unsetenv("PL_TEST_NO_SUCH_KEY");
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), -1);
	assert_string_equal(err.where, "alert channel \"webhook\"");
	assert_string_equal(err.msg, "environment variable PL_TEST_NO_SUCH_KEY is not set");
	alerts_free(a);
}

/* A recovery carries, as data, the problem it ends and since when. */
static void test_recovery_event(void **state)
{
	struct receiver *r = receiver_start(NULL, 0, 204, NULL);
	struct pl_err err = PL_ERR_INIT;
	char text[512], url[128], hdr[128];
	json_t *root, *body,
		*checks = json_pack("[{s:s,s:s,s:s}]", "prompt", "p", "check", "regex#1", "since",
				    "2026-11-20");
	struct alert_event ev = { .kind = ALERT_RECOVERED,
				  .problem = ALERT_CHECK_FAILURES,
				  .since = "2026-11-20",
				  .vendor = "acme",
				  .model = "m",
				  .suite = "s",
				  .answers = 10 };
	struct jsonloc loc;
	struct alerts *a;

	(void)state;
	ev.recovered_checks = checks;
	setenv("PL_TEST_WEBHOOK_KEY", KEY, 1);
	snprintf(text, sizeof(text),
		 "{\"alerts\": {\"channels\": [{\"type\": \"webhook\", \"url\": \"%s\","
		 " \"secret_env\": \"PL_TEST_WEBHOOK_KEY\"}]}}",
		 receiver_url(r, "/plumbline", url, sizeof(url)));
	loc = (struct jsonloc){ "c.json", text, strlen(text) };
	root = json_parse_text(&loc, &err);
	a = alerts_new(&loc, "/alerts", json_object_get(root, "alerts"), &err);
	json_decref(root);
	assert_non_null(a);
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_string_equal(receiver_header(receiver_get(r, 0), "x-plumbline-event", hdr,
					    sizeof(hdr)),
			    "recovered");
	body = json_loads(receiver_get(r, 0)->body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "kind")), "recovered");
	assert_string_equal(json_string_value(json_object_get(body, "event")), "recovered");
	assert_string_equal(json_string_value(json_object_get(body, "problem")), "check_failures");
	assert_string_equal(json_string_value(json_object_get(body, "since")), "2026-11-20");
	assert_true(json_equal(json_object_get(body, "recovered_checks"), checks));
	assert_true(json_number_value(json_object_get(body, "availability")) == 1.0);
	assert_null(json_object_get(body, "stage"));
	json_decref(body);
	json_decref(checks);
	alerts_free(a);
	receiver_stop(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recovery_event),
		cmocka_unit_test(test_sign_known_vector),
		cmocka_unit_test(test_delivered_and_signed),
		cmocka_unit_test(test_retraction_and_stage),
		cmocka_unit_test(test_missing_key_is_named),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
