/* alert_webhook.c: a generic JSON webhook, signed with HMAC-SHA256 over "TIMESTAMP.BODY" in an
 * "X-Plumbline-Signature: t=TS,v1=HEX" header (Stripe's scheme), so the receiver can check both
 * who sent it and that it is fresh. The key comes from the variable named by secret_env. */
#include "alert.h"
#include "hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const webhook_keys[] = { "url", "url_env", "secret_env", "ca_file", NULL };

static int webhook_parse(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
			 const json_t *obj, struct pl_err *err)
{
	if (alert_parse_url(ch, loc, pointer, obj, 0, err) < 0 ||
	    json_get_str(loc, pointer, obj, "secret_env", 1, &ch->secret_env[0], err) < 0)
		return -1;
	return 0;
}

void alert_webhook_sign(const char *secret, long long ts, const char *body, size_t len,
			char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct sbuf msg;

	sbuf_init(&msg);
	sbuf_addf(&msg, "%lld.", ts);
	sbuf_add(&msg, body, len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.buf, msg.len,
	     mac, &maclen);
	hex_encode(mac, maclen, out);
	OPENSSL_cleanse(mac, sizeof(mac));
	sbuf_release(&msg);
}

int alert_webhook_verify(const char *secret, const char *header, const char *body, size_t len,
			 time_t now, long tolerance_s)
{
	char want[65], *copy, *part, *save = NULL;
	long long ts = -1;
	int ok = 0;

	if (!secret || !header)
		return -1;
	copy = xstrdup(header);
	for (part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		while (*part == ' ')
			part++;
		if (!strncmp(part, "t=", 2)) {
			char *end;

			ts = strtoll(part + 2, &end, 10);
			if (end == part + 2 || *end)
				ts = -1;
		}
	}
	if (ts < 0 || (tolerance_s >= 0 &&
		       (ts > (long long)now + tolerance_s || ts < (long long)now - tolerance_s)))
		goto out;
	alert_webhook_sign(secret, ts, body, len, want);
	free(copy);
	copy = xstrdup(header);
	save = NULL;
	for (part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		while (*part == ' ')
			part++;
		if (!strncmp(part, "v1=", 3) && strlen(part + 3) == 64 &&
		    CRYPTO_memcmp(part + 3, want, 64) == 0)
			ok = 1;
	}
out:
	free(copy);
	return ok ? 0 : -1;
}

static int webhook_build(const struct alert_channel *ch, const struct alert_event *ev, time_t now,
			 struct alert_msg *m, struct pl_err *err)
{
	json_t *root, *signals = json_array();
	char title[256], stamp[40], sig[65], *url = alert_report_url(ch, ev);
	char id[65];
	size_t i;
	int rc = -1;

	if (!ch->secret[0]) {
		pl_err_set(err, PL_E_INPUT, ch->name, "no signing key");
		goto out;
	}
	alert_title(ev, title, sizeof(title));
	alert_time(now, stamp, sizeof(stamp));
	snprintf(m->subject, sizeof(m->subject), "%s", title);
	for (i = 0; i < ev->n_signals; i++)
		json_array_append_new(signals, json_string(ev->signals[i]));
	root = json_pack("{s:s,s:i,s:s,s:s,s:s?,s:s?,s:s?,s:o,s:s?,s:s?,s:s?,s:{s:s?,s:s?},"
			 "s:{s:I,s:I,s:I,s:I}}",
			 "type", "plumbline.alert", "version", 1, "kind", alert_kind_name(ev->kind),
			 "time", stamp, "vendor", ev->vendor, "model", ev->model, "suite",
			 ev->suite, "signals", signals, "epoch", ev->epoch, "summary",
			 ev->summary ? ev->summary : title, "reason", ev->reason, "report", "path",
			 ev->report_path, "url", url, "counts", "checks_total",
			 (json_int_t)ev->checks_total, "checks_failed",
			 (json_int_t)ev->checks_failed, "requests", (json_int_t)ev->requests,
			 "errors", (json_int_t)ev->errors);
	signals = NULL;
	if (!root) {
		pl_err_set(err, PL_E_INTERNAL, ch->name, "cannot build the webhook body");
		goto out;
	}
	/* what happened, as data: "event" tells a retraction from a change ("kind" stays the
	 * channel's "on" class), "stage" the detector's stage */
	json_object_set_new(root, "event", json_string(alert_event_name(ev)));
	json_object_set_new(root, "title", json_string(title));
	if (ev->kind != ALERT_TEST) {
		char night[16];

		/* the night the alert is about; late: not delivered then, sent by a later run */
		alert_night(ev, now, night, sizeof(night));
		json_object_set_new(root, "night",
				    json_string(ev->late_night ? ev->late_night : night));
		json_object_set_new(root, "late", json_boolean(ev->late_night != NULL));
	}
	if (ev->kind == ALERT_CHANGE) {
		json_object_set_new(root, "confidence", json_real(ev->confidence));
		json_object_set_new(root, "retracted", json_boolean(ev->retracted));
		if (alert_stage(ev))
			json_object_set_new(root, "stage", json_string(alert_stage(ev)));
		if (ev->retracted && ev->suspected_night)
			json_object_set_new(root, "suspected_night",
					    json_string(ev->suspected_night));
	}
	if (ev->kind == ALERT_RECOVERED) {
		/* what is over and since when; the checks passing again as data */
		json_object_set_new(root, "problem", json_string(alert_kind_name(ev->problem)));
		if (ev->since)
			json_object_set_new(root, "since", json_string(ev->since));
		if (json_array_size(ev->recovered_checks))
			json_object_set_new(root, "recovered_checks",
					    json_deep_copy(ev->recovered_checks));
		if (alert_availability(ev) >= 0)
			json_object_set_new(root, "availability",
					    json_real(alert_availability(ev)));
	}
	json_object_set_new(json_object_get(root, "counts"), "prompts_failed",
			    json_integer((json_int_t)ev->prompts_failed));
	/* the failed checks as data (at most 100; counts.checks_failed says how many) */
	if (json_array_size(ev->failed_checks)) {
		json_t *fc = json_array();
		const json_t *c;

		json_array_foreach(ev->failed_checks, i, c)
		{
			if (i >= 100)
				break;
			json_array_append_new(fc, json_deep_copy(c));
		}
		json_object_set_new(root, "failed_checks", fc);
	}
	/* the report's block as data: the receiver escapes the vendor text it shows */
	if (json_array_size(ev->what_changed))
		json_object_set_new(root, "what_changed", json_deep_copy(ev->what_changed));
	alert_msg_add_json(m, root, JSON_COMPACT | JSON_SORT_KEYS);

	alert_webhook_sign(ch->secret[0], (long long)now, m->body.buf, m->body.len, sig);
	hex_sha256(m->body.buf, m->body.len, id);
	id[32] = '\0'; /* the delivery id: the body's SHA-256, first 128 bits */
	sbuf_addf(&m->headers, "X-Plumbline-Event: %s\n", alert_event_name(ev));
	sbuf_addf(&m->headers, "X-Plumbline-Delivery: %s\n", id);
	sbuf_addf(&m->headers, "X-Plumbline-Signature: t=%lld,v1=%s\n", (long long)now, sig);
	rc = 0;
out:
	json_decref(signals);
	free(url);
	return rc;
}

const struct alert_ops alert_webhook = {
	.name = "webhook",
	.keys = webhook_keys,
	.parse = webhook_parse,
	.build = webhook_build,
	.send = NULL, /* HTTP POST; any 2xx is success */
};
