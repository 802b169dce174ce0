/* alert.c: the registry of channel types, the set of configured channels, alerts_dispatch (the
 * decision, deduplication, secrets, delivery: alert_state.c, alert_secrets.c, alert_deliver.c),
 * and helpers for the channels' messages. The "alerts" section is parsed in alert_config.c. */
#include "alert.h"
#include "alert_int.h"

#include "evaluate.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct alert_ops *const channel_types[] = {
	&alert_email,
	&alert_slack,
	&alert_teams,
	&alert_webhook,
};

const struct alert_ops *alert_find_type(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(channel_types); i++)
		if (!strcmp(channel_types[i]->name, name))
			return channel_types[i];
	return NULL;
}

static const char *const kind_names[] = { "none", "change", "check_failures", "incomplete",
					  "test" };

const char *alert_kind_name(enum alert_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

const char *alert_event_name(const struct alert_event *ev)
{
	return ev->kind == ALERT_CHANGE && ev->retracted ? "retraction" : alert_kind_name(ev->kind);
}

const char *alert_stage(const struct alert_event *ev)
{
	if (ev->kind != ALERT_CHANGE)
		return NULL;
	return ev->retracted ? "retracted" : ev->stage;
}

void alert_msg_init(struct alert_msg *m)
{
	sbuf_init(&m->body);
	sbuf_init(&m->headers);
	m->subject[0] = '\0';
	snprintf(m->content_type, sizeof(m->content_type), "application/json");
}

void alert_msg_release(struct alert_msg *m)
{
	if (!m)
		return;
	sbuf_release(&m->body);
	sbuf_release(&m->headers);
}

void alert_msg_add_json(struct alert_msg *m, json_t *root, size_t flags)
{
	char *dump = json_dumps(root, flags);

	json_decref(root);
	sbuf_addstr(&m->body, dump);
	free(dump);
}

static void channel_release(struct alert_channel *ch)
{
	size_t i;

	alert_channel_wipe_secrets(ch);
	free(ch->url);
	free(ch->name);
	free(ch->url_env);
	for (i = 0; i < ALERT_MAX_SECRETS; i++)
		free(ch->secret_env[i]);
	free(ch->ca_file);
	if (ch->ops && ch->ops->release)
		ch->ops->release(ch->priv);
	free(ch->report_url_base);
}

void alerts_free(struct alerts *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		channel_release(&a->ch[i]);
	free(a->ch);
	free(a->outcomes);
	free(a->attempts);
	free(a->off);
	free(a);
}

size_t alerts_count(const struct alerts *a)
{
	return a ? a->n : 0;
}

const struct alert_channel *alerts_channel(const struct alerts *a, size_t i)
{
	return a && i < a->n ? &a->ch[i] : NULL;
}

enum alert_outcome alerts_outcome(const struct alerts *a, size_t i, int *attempts)
{
	if (attempts)
		*attempts = a && i < a->n ? a->attempts[i] : 0;
	return a && i < a->n ? a->outcomes[i] : ALERT_SKIPPED_NOT_WANTED;
}

void alerts_enable(struct alerts *a, size_t i, int on)
{
	if (a && i < a->n)
		a->off[i] = !on;
}

int alerts_dispatch(struct alerts *a, const struct alert_event *ev, const char *state_dir,
		    struct pl_err *err)
{
	struct sbuf key;
	json_t *state = NULL, *entries = NULL, *ours;
	char *spath = NULL, stamp[40];
	time_t now = ev->when ? ev->when : time(NULL);
	struct alert_event sent_as;
	struct pl_err first = PL_ERR_INIT;
	struct sbuf names, why; /* the failed channels, and what each said */
	enum alert_kind kind;
	size_t n_failed = 0;
	int rc = 0;
	size_t i;

	if (!a || a->n == 0)
		return 0;
	ours = json_object(); /* after the early return, or a run without channels leaks it */
	sbuf_init(&key);
	sbuf_init(&names);
	sbuf_init(&why);
	for (i = 0; i < a->n; i++) {
		a->outcomes[i] = ALERT_SKIPPED_NOT_WANTED;
		a->attempts[i] = 0;
	}
	kind = alert_send_kind(a, ev);
	if (kind == ALERT_NONE) {
		if (ev->kind != ALERT_NONE)
			log_info("alert: %s for %s is below the alert thresholds; not sent",
				 alert_kind_name(ev->kind), ev->vendor ? ev->vendor : "-");
		goto out;
	}
	if (kind != ev->kind) {
		/* a change below the thresholds on a night whose checks failed: the check
		 * failures are told, by their own rule */
		log_info("alert: %s for %s is below the alert thresholds; sending its %s",
			 alert_kind_name(ev->kind), ev->vendor ? ev->vendor : "-",
			 alert_kind_name(kind));
		sent_as = *ev;
		sent_as.kind = kind;
		ev = &sent_as;
	}
	if (state_dir && ev->kind != ALERT_TEST) {
		spath = alert_state_path(state_dir);
		state = alert_state_load(spath);
		entries = json_object_get(state, "entries");
	}
	alert_time(now, stamp, sizeof(stamp));
	for (i = 0; i < a->n; i++) {
		struct alert_channel *ch = &a->ch[i];
		struct alert_msg m;
		struct pl_err e = PL_ERR_INIT;
		json_t *entry = NULL;

		if (a->off[i] || (ev->kind != ALERT_TEST && !(ch->kinds & (1u << ev->kind))))
			continue;
		if (entries) {
			alert_dedup_key(ev, ch, &key);
			entry = json_object_get(entries, key.buf);
			if (alert_is_duplicate(a, entry, ev, now)) {
				a->outcomes[i] = ALERT_SKIPPED_DUPLICATE;
				log_info("alert: %s for %s already sent to \"%s\"; not repeated",
					 alert_kind_name(ev->kind), key.buf, ch->name);
				continue;
			}
		}
		alert_msg_init(&m);
		/* The message carries the sending time (the signature's freshness); dedup
		 * uses the event's. */
		if (alert_load_secrets(ch, &e) == 0 &&
		    ch->ops->build(ch, ev, time(NULL), &m, &e) == 0 &&
		    alert_deliver(a, ch, &m, &a->attempts[i], &e) == 0) {
			a->outcomes[i] = ALERT_SENT;
			log_info("alert: sent %s to \"%s\" (%s)", alert_kind_name(ev->kind),
				 ch->name, ch->ops->name);
			if (entries)
				json_object_set_new(ours, key.buf,
						    json_pack("{s:s?,s:s?,s:s,s:I}", "epoch",
							      ev->epoch, "stage", alert_stage(ev),
							      "sent", stamp, "sent_unix",
							      (json_int_t)now));
		} else {
			char buf[1600];

			a->outcomes[i] = ALERT_FAILED;
			if (a->attempts[i] == 0)
				log_error("%s", pl_err_str(&e, buf, sizeof(buf)));
			if (!n_failed)
				first = e;
			sbuf_addf(&names, "%s\"%s\"", n_failed ? ", " : "", ch->name);
			sbuf_addf(&why, "%s\"%s\": %s", n_failed ? "; " : "", ch->name, e.msg);
			n_failed++;
			rc = -1;
		}
		alert_channel_wipe_secrets(ch);
		alert_msg_release(&m);
	}
	/* every channel that failed is named, not only the first */
	if (n_failed == 1)
		pl_err_set(err, first.code, first.where, "%s", first.msg);
	else if (n_failed > 1)
		pl_err_set(err, first.code, NULL, "%zu alert channels failed (%s): %s", n_failed,
			   names.buf, why.buf);
	if (json_object_size(ours)) {
		struct pl_err e = PL_ERR_INIT;

		if (alert_state_save(spath, ours, &e) < 0) {
			char buf[1600];

			log_error("alert: cannot save dedup state: %s",
				  pl_err_str(&e, buf, sizeof(buf)));
			pl_err_set(err, e.code, e.where, "cannot save alert state: %s", e.msg);
			rc = -1;
		}
	}
out:
	json_decref(ours);
	json_decref(state);
	free(spath);
	sbuf_release(&key);
	sbuf_release(&names);
	sbuf_release(&why);
	return rc;
}

/* ---- helpers for the channels ---- */

void alert_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void alert_title(const struct alert_event *ev, char *buf, size_t len)
{
	const char *v = ev->vendor ? ev->vendor : "?";
	const char *m = ev->model ? ev->model : "?";
	const char *s = ev->suite ? ev->suite : "?";

	switch (ev->kind) {
	case ALERT_CHANGE:
		if (ev->retracted)
			snprintf(buf, len,
				 "plumbline: %s/%s on suite %s: the suspected change is retracted",
				 v, m, s);
		else if (ev->stage && !strcmp(ev->stage, "confirmed"))
			snprintf(buf, len,
				 "plumbline: %s/%s changed on suite %s: confirmed, new epoch %s "
				 "(confidence %.2f)",
				 v, m, s, ev->epoch ? ev->epoch : "?", ev->confidence);
		else
			snprintf(buf, len, "plumbline: %s/%s changed on suite %s (confidence %.2f)",
				 v, m, s, ev->confidence);
		break;
	case ALERT_CHECK_FAILURES: {
		char phrase[128];

		evaluate_checks_phrase(ev->checks_failed, ev->checks_total, ev->prompts_failed,
				       phrase, sizeof(phrase));
		snprintf(buf, len, "plumbline: %s for %s/%s on suite %s", phrase, v, m, s);
		break;
	}
	case ALERT_INCOMPLETE:
		snprintf(buf, len, "plumbline: the run for %s/%s on suite %s could not complete", v,
			 m, s);
		break;
	case ALERT_TEST:
		snprintf(buf, len, "plumbline: test alert");
		break;
	default:
		snprintf(buf, len, "plumbline: no change");
		break;
	}
}

/* The report's path under the reports folder: its last two components, NIGHT/FILE (a report
 * is always REPORTS/NIGHT/VENDOR-SUITE.json, report.h), whatever REPORTS is: relative or
 * absolute, with or without a trailing slash. The server's own layout never reaches a link. */
static const char *report_rel(const char *path)
{
	const char *end = path + strlen(path), *p = end;
	int slashes = 0;

	while (p > path) {
		if (p[-1] == '/' && p != end) {
			if (++slashes == 2)
				return p;
			while (p > path && p[-1] == '/') /* "reports//NIGHT" */
				p--;
			continue;
		}
		p--;
	}
	return path;
}

char *alert_report_url(const struct alert_channel *ch, const struct alert_event *ev)
{
	static const char hexd[] = "0123456789ABCDEF";
	struct sbuf u;
	const unsigned char *p;
	char *r;
	size_t n;

	if (!ch->report_url_base || !ev->report_path)
		return NULL;
	sbuf_init(&u);
	sbuf_addstr(&u, ch->report_url_base);
	n = strlen(ch->report_url_base);
	if (n && ch->report_url_base[n - 1] != '/')
		sbuf_addch(&u, '/');
	/* percent-encoded but for the unreserved characters and the one '/' */
	for (p = (const unsigned char *)report_rel(ev->report_path); *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			sbuf_addch(&u, (char)*p);
		else
			sbuf_addf(&u, "%%%c%c", hexd[*p >> 4], hexd[*p & 15]);
	}
	r = sbuf_detach(&u, NULL);
	sbuf_release(&u); /* detach leaves an empty, allocated buffer */
	return r;
}

static void fact(json_t *arr, const char *label, const char *value)
{
	json_array_append_new(arr, json_pack("[ss]", label, value));
}

void alert_facts(const struct alert_event *ev, json_t *arr)
{
	char buf[64];

	if (ev->vendor)
		fact(arr, "Vendor", ev->vendor);
	if (ev->model)
		fact(arr, "Model", ev->model);
	if (ev->suite)
		fact(arr, "Suite", ev->suite);
	if (ev->kind == ALERT_CHANGE) {
		snprintf(buf, sizeof(buf), "%.2f", ev->confidence);
		fact(arr, "Confidence", buf);
	}
	if (ev->epoch)
		fact(arr, "Epoch", ev->epoch);
	if (ev->checks_total) {
		evaluate_checks_phrase(ev->checks_failed, ev->checks_total, ev->prompts_failed, buf,
				       sizeof(buf));
		fact(arr, "Checks", buf);
	}
	if (ev->requests) {
		snprintf(buf, sizeof(buf), "%zu (%zu errors)", ev->requests, ev->errors);
		fact(arr, "Requests", buf);
	}
	if (ev->reason)
		fact(arr, "Reason", ev->reason);
}
