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

static const char *const kind_names[] = { "none",	"change",    "check_failures",
					  "incomplete", "recovered", "test" };

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
	free(a->failures);
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

size_t alerts_failures(const struct alerts *a, size_t i)
{
	return a && i < a->n ? a->failures[i] : 0;
}

/* What one dispatch gathers: the state, our changes to it, and the channels that failed. */
struct dispatch {
	json_t *entries; /* the state's, borrowed; NULL: no deduplication */
	json_t *pending; /* the state's alerts not yet delivered; may be NULL */
	json_t *ours;	 /* {"entries", "pending"}: what alert_state_save merges */
	char stamp[40];
	time_t now;
	struct pl_err first;
	struct sbuf names, why; /* the failed channels, and what each said */
	size_t n_failed;
};

/* Builds and delivers ev on channel i once (with the channel's retries). 0, or -1 with e set. */
static int send_one(struct alerts *a, size_t i, const struct alert_event *ev, struct pl_err *e)
{
	struct alert_channel *ch = &a->ch[i];
	struct alert_msg m;
	int attempts = 0, rc = -1;

	alert_msg_init(&m);
	/* The message carries the sending time (the signature's freshness); dedup uses the
	 * event's. */
	if (alert_load_secrets(ch, e) == 0 && ch->ops->build(ch, ev, time(NULL), &m, e) == 0 &&
	    alert_deliver(a, ch, &m, &attempts, e) == 0)
		rc = 0;
	a->attempts[i] += attempts;
	if (rc < 0) {
		char buf[1600];

		if (attempts == 0) /* alert_deliver logs its own failures */
			log_error("%s", pl_err_str(e, buf, sizeof(buf)));
		a->failures[i]++;
	}
	alert_channel_wipe_secrets(ch);
	alert_msg_release(&m);
	return rc;
}

/* The state's entry KEY as it stands in this dispatch: ours when written tonight. */
static const json_t *entry_now(const struct dispatch *d, const char *key)
{
	const json_t *e = json_object_get(json_object_get(d->ours, "entries"), key);

	return e ? e : json_object_get(d->entries, key);
}

/* The latest night an open outage was found incomplete (entry "latest"), tonight's or the
 * one prev holds, whichever is later: a night before it that completes (a --date backfill)
 * does not end the outage (alert_recovery_of_outage). */
static void note_latest(json_t *entry, const json_t *prev, const char *night)
{
	const char *was = json_is_true(json_object_get(prev, "open"))
				  ? json_string_value(json_object_get(prev, "latest"))
				  : NULL;

	json_object_set_new(entry, "latest",
			    json_string(was && strcmp(was, night) > 0 ? was : night));
}

/* An open outage found incomplete again tonight, its alert held back (the cooldown): the
 * state keeps tonight as its latest night. */
static void record_still_out(struct dispatch *d, const char *key, const char *night)
{
	const json_t *prev = entry_now(d, key);
	json_t *entry;

	if (!json_is_true(json_object_get(prev, "open")))
		return;
	entry = json_deep_copy(prev);
	note_latest(entry, prev, night);
	if (!json_equal(entry, prev))
		json_object_set(json_object_get(d->ours, "entries"), key, entry);
	json_decref(entry);
}

static void record_sent(struct dispatch *d, const char *key, const struct alert_event *ev)
{
	json_t *entry = json_pack("{s:s?,s:s?,s:s,s:I}", "epoch", ev->epoch, "stage",
				  alert_stage(ev), "sent", d->stamp, "sent_unix",
				  (json_int_t)d->now);

	if (ev->kind == ALERT_INCOMPLETE) {
		/* the outage is open until a completed run ends it (alert_recovery.c); since: the
		 * night it was first told, kept while it stays open */
		const json_t *prev = entry_now(d, key);
		const char *since = json_is_true(json_object_get(prev, "open"))
					    ? json_string_value(json_object_get(prev, "since"))
					    : NULL;
		char night[16];

		if (ev->late_night)
			snprintf(night, sizeof(night), "%s", ev->late_night);
		else
			alert_night(ev, d->now, night, sizeof(night));
		json_object_set_new(entry, "open", json_true());
		json_object_set_new(entry, "since", json_string(since ? since : night));
		note_latest(entry, prev, night);
		if (ev->reason)
			json_object_set_new(entry, "reason", json_string(ev->reason));
	}
	json_object_set_new(json_object_get(d->ours, "entries"), key, entry);
	if (d->pending && json_object_get(d->pending, key))
		json_object_set_new(json_object_get(d->ours, "pending"), key, json_null());
}

static void record_failed(struct dispatch *d, const struct alert_channel *ch,
			  const struct pl_err *e)
{
	struct sbuf q = SBUF_INIT;

	/* a channel that failed twice (a late alert, then tonight's) is named once */
	sbuf_addf(&q, "\"%s\"", ch->name);
	if (!d->n_failed)
		d->first = *e;
	if (!d->n_failed || !strstr(d->names.buf, q.buf)) {
		sbuf_addf(&d->names, "%s%s", d->n_failed ? ", " : "", q.buf);
		sbuf_addf(&d->why, "%s%s: %s", d->n_failed ? "; " : "", q.buf, e->msg);
		d->n_failed++;
	}
	sbuf_release(&q);
}

/* Sends channel i the alerts it did not accept on an earlier night for ev's vendor/model/suite,
 * marked late, oldest key first; all but tonight's key (tonight's alert replaces that one).
 * Returns 0, or -1 when one failed again (it stays pending). */
static int send_pending(struct alerts *a, size_t i, const struct alert_event *ev,
			const char *tonight, struct dispatch *d)
{
	struct alert_channel *ch = &a->ch[i];
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach(d->pending, k, v)
	{
		struct alert_pending p;
		struct pl_err e = PL_ERR_INIT;

		if (!alert_pending_is_for(v, ev, ch) || (tonight && !strcmp(k, tonight)))
			continue;
		if (alert_pending_load(v, &p) < 0 || !(ch->kinds & (1u << p.ev.kind))) {
			/* unreadable, or the channel no longer takes that kind */
			json_object_set_new(json_object_get(d->ours, "pending"), k, json_null());
			alert_pending_release(&p);
			continue;
		}
		if (send_one(a, i, &p.ev, &e) == 0) {
			log_info("alert: sent %s of night %s to \"%s\" (%s), not delivered then",
				 alert_kind_name(p.ev.kind), p.ev.late_night, ch->name,
				 ch->ops->name);
			record_sent(d, k, &p.ev);
		} else {
			record_failed(d, ch, &e);
			rc = -1;
		}
		alert_pending_release(&p);
	}
	return rc;
}

/* 1 when a retraction may go to the channel whose state entry is entry: the channel accepted
 * the suspicion it withdraws. */
static int told_suspicion(const json_t *entry)
{
	const char *stage = json_string_value(json_object_get(entry, "stage"));

	return stage && !strcmp(stage, "suspected");
}

/* ---- the failing checks a channel was told (README "Alerts") ----
 * The state's entry "V/M/S|failing|CHANNEL" holds {"failing": {"PROMPT\tCHECK": NIGHT}}: the
 * checks an alert to that channel named as failing, each with the night it was first alerted.
 * A check-failure alert goes to the channel only when a check fails tonight that is not
 * there; a night that judged the checks drops those that no longer fail, so a check that
 * passed and fails again is news again. */

/* ev's failed checks, each with "since" when told (a new array), and how many are new. */
static json_t *mark_told(const struct alert_event *ev, const json_t *told, size_t *n_new)
{
	json_t *out = json_array();
	struct sbuf k = SBUF_INIT;
	const json_t *c;
	size_t i;

	*n_new = 0;
	json_array_foreach(ev->failed_checks, i, c)
	{
		json_t *o = json_deep_copy(c);
		const char *since;

		alert_check_key(c, &k);
		since = json_string_value(json_object_get(told, k.buf));
		json_object_del(o, "since");
		if (since)
			json_object_set_new(o, "since", json_string(since));
		else
			(*n_new)++;
		json_array_append_new(out, o);
	}
	sbuf_release(&k);
	return out;
}

/* The channel's told checks after tonight: sent, every failed check of tonight (with the
 * night first told); not sent, those told before that still fail. A new object. */
static json_t *told_after(const json_t *marked, int sent, const char *night)
{
	json_t *out = json_object();
	struct sbuf k = SBUF_INIT;
	const json_t *c;
	size_t i;

	json_array_foreach(marked, i, c)
	{
		const char *since = json_string_value(json_object_get(c, "since"));

		alert_check_key(c, &k);
		if (since)
			json_object_set_new(out, k.buf, json_string(since));
		else if (sent)
			json_object_set_new(out, k.buf, json_string(night));
	}
	sbuf_release(&k);
	return out;
}

/* ---- recovery notices (README "Alerts", alert_recovery.c) ---- */

/* Sends the recovery rev to channel i; one the channel did not accept is kept pending (sent
 * late by the next run, as any alert). 0, or -1 when it failed. */
static int send_recovery(struct alerts *a, size_t i, const struct alert_event *rev,
			 struct dispatch *d)
{
	struct alert_channel *ch = &a->ch[i];
	struct pl_err e = PL_ERR_INIT;
	struct sbuf k = SBUF_INIT;
	int rc = 0;

	alert_dedup_key(rev, ch, &k);
	if (send_one(a, i, rev, &e) == 0) {
		log_info("alert: sent recovered (%s over) to \"%s\" (%s)",
			 alert_kind_name(rev->problem), ch->name, ch->ops->name);
		record_sent(d, k.buf, rev);
	} else {
		record_failed(d, ch, &e);
		json_object_set_new(json_object_get(d->ours, "pending"), k.buf,
				    alert_event_to_json(rev, ch->name, d->now));
		rc = -1;
	}
	sbuf_release(&k);
	return rc;
}

/* A completed run ends the outage channel i was told (its incomplete entry open): the entry is
 * closed, and the channel, when it takes recoveries, told so (then a new outage is news again,
 * whatever the cooldown). 0, or -1 when the notice failed. */
static int recover_outage(struct alerts *a, size_t i, const struct alert_event *ev,
			  const char *night, struct dispatch *d)
{
	struct alert_channel *ch = &a->ch[i];
	struct alert_event inc = *ev;
	struct alert_recovery r;
	struct sbuf k = SBUF_INIT;
	json_t *closed;
	int rc = 0;

	inc.kind = ALERT_INCOMPLETE;
	alert_dedup_key(&inc, ch, &k);
	alert_recovery_init(&r);
	if (!alert_recovery_of_outage(entry_now(d, k.buf), ev, night, &r))
		goto out;
	closed = json_deep_copy(entry_now(d, k.buf));
	json_object_set_new(closed, "open", json_false());
	json_object_set_new(closed, "over", json_string(night));
	if (ch->kinds & (1u << ALERT_RECOVERED)) {
		json_object_set_new(closed, "recovered", json_string(night));
		rc = send_recovery(a, i, &r.ev, d);
	} else {
		log_info("alert: recovered for %s not sent to \"%s\": its \"on\" leaves it out",
			 k.buf, ch->name);
	}
	json_object_set_new(json_object_get(d->ours, "entries"), k.buf, closed);
out:
	alert_recovery_release(&r);
	sbuf_release(&k);
	return rc;
}

/* Every check channel i was told failing passes tonight: *over = 1 and the channel, when it
 * takes recoveries, told so. 0, or -1 when the notice failed. */
static int recover_checks(struct alerts *a, size_t i, const struct alert_event *ev,
			  const json_t *told, const json_t *passed, const json_t *marked,
			  const char *night, struct dispatch *d, int *over)
{
	struct alert_channel *ch = &a->ch[i];
	struct alert_recovery r;
	int rc = 0;

	alert_recovery_init(&r);
	*over = alert_recovery_of_checks(told, passed, marked, ev, night, &r);
	if (*over && (ch->kinds & (1u << ALERT_RECOVERED)))
		rc = send_recovery(a, i, &r.ev, d);
	else if (*over)
		log_info("alert: recovered (check_failures over) not sent to \"%s\": its \"on\" "
			 "leaves it out",
			 ch->name);
	alert_recovery_release(&r);
	return rc;
}

int alerts_dispatch(struct alerts *a, const struct alert_event *ev, const char *state_dir,
		    struct pl_err *err)
{
	struct sbuf key, fkey = SBUF_INIT;
	json_t *state = NULL;
	char *spath = NULL, night[16];
	struct alert_event sent_as;
	struct dispatch d;
	enum alert_kind kind;
	int rc = 0, judged, completed;
	size_t i;

	if (!a || a->n == 0)
		return 0;
	memset(&d, 0, sizeof(d));
	d.now = ev->when ? ev->when : time(NULL);
	/* after the early return, or a run without channels leaks it */
	d.ours = json_pack("{s:{},s:{}}", "entries", "pending");
	sbuf_init(&key);
	sbuf_init(&d.names);
	sbuf_init(&d.why);
	for (i = 0; i < a->n; i++) {
		a->outcomes[i] = ALERT_SKIPPED_NOT_WANTED;
		a->attempts[i] = 0;
	}
	kind = alert_send_kind(a, ev);
	if (kind == ALERT_NONE && ev->kind != ALERT_NONE)
		log_info("alert: %s for %s is below the alert thresholds; not sent",
			 alert_kind_name(ev->kind), ev->vendor ? ev->vendor : "-");
	if (kind != ev->kind && kind != ALERT_NONE) {
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
		d.entries = json_object_get(state, "entries");
		d.pending = json_object_get(state, "pending");
		if (!json_is_object(d.pending))
			d.pending = NULL;
	}
	/* a night that judged its checks updates what each channel was told failing */
	judged = d.entries && ev->vendor && ev->kind != ALERT_INCOMPLETE &&
		 ev->kind != ALERT_TEST && ev->checks_total > 0;
	/* a completed run ends the outages told (recovery notices) */
	completed = d.entries && ev->vendor && ev->kind != ALERT_INCOMPLETE &&
		    ev->kind != ALERT_TEST && ev->kind != ALERT_RECOVERED;
	if (kind == ALERT_NONE && !d.pending && !judged && !completed)
		goto out;
	alert_time(d.now, d.stamp, sizeof(d.stamp));
	alert_night(ev, d.now, night, sizeof(night));
	for (i = 0; i < a->n; i++) {
		struct alert_channel *ch = &a->ch[i];
		struct pl_err e = PL_ERR_INIT;
		json_t *entry = NULL, *marked = NULL;
		const json_t *told = NULL, *passed = NULL;
		struct alert_event chev;
		int takes = kind != ALERT_NONE &&
			    (ev->kind == ALERT_TEST || (ch->kinds & (1u << ev->kind)));
		int late_failed = 0, sent = 0, over = 0, past = 0;
		size_t n_new = 0;

		if (a->off[i])
			continue;
		if (judged) {
			sbuf_reset(&fkey);
			sbuf_addf(&fkey, "%s/%s/%s|failing|%s", ev->vendor,
				  ev->model ? ev->model : "-", ev->suite ? ev->suite : "-",
				  ch->name);
			told = json_object_get(json_object_get(d.entries, fkey.buf), "failing");
			passed = json_object_get(json_object_get(d.entries, fkey.buf), "passed");
			marked = mark_told(ev, told, &n_new);
			/* a night before the one the channel's checks were last told about (a
			 * --date backfill) says nothing of them now: no recovery, state kept */
			past = alert_night_before(
				night, json_string_value(json_object_get(
					       json_object_get(d.entries, fkey.buf), "night")));
		}
		chev = *ev;
		if (marked)
			chev.failed_checks = marked;
		if (d.entries && takes)
			alert_dedup_key(ev, ch, &key);
		if (d.pending && ev->vendor)
			late_failed = send_pending(a, i, ev, takes ? key.buf : NULL, &d) < 0;
		/* what is over goes before tonight's news, in its own message */
		if (completed && recover_outage(a, i, ev, night, &d) < 0)
			late_failed = 1;
		if (marked && !past &&
		    recover_checks(a, i, ev, told, passed, marked, night, &d, &over) < 0)
			late_failed = 1;
		if (late_failed)
			a->outcomes[i] = ALERT_FAILED;
		if (!takes)
			goto told;
		if (d.entries) {
			entry = json_object_get(d.entries, key.buf);
			if (ev->kind == ALERT_CHANGE && ev->retracted && !told_suspicion(entry)) {
				/* the channel never heard the suspicion (it failed, and its
				 * retry is moot now): nothing to withdraw */
				if (!late_failed)
					a->outcomes[i] = ALERT_SKIPPED_NOT_TOLD;
				if (d.pending && json_object_get(d.pending, key.buf))
					json_object_set_new(json_object_get(d.ours, "pending"),
							    key.buf, json_null());
				log_info("alert: retraction for %s not sent to \"%s\": it was "
					 "never told the suspicion",
					 key.buf, ch->name);
				goto told;
			}
			/* check failures: news when a check fails that the channel was not
			 * told failing (README "Alerts"), whatever the cooldown */
			if (ev->kind == ALERT_CHECK_FAILURES && marked && json_array_size(marked) &&
			    !n_new) {
				if (!late_failed)
					a->outcomes[i] = ALERT_SKIPPED_DUPLICATE;
				log_info("alert: check_failures for %s not sent to \"%s\": the "
					 "same checks still fail, told before",
					 key.buf, ch->name);
				goto told;
			}
			/* with an alert of this key pending, the channel has not heard the
			 * latest: tonight's replaces it, whatever the cooldown */
			if (!(d.pending && json_object_get(d.pending, key.buf)) &&
			    !(ev->kind == ALERT_CHECK_FAILURES && marked && n_new) &&
			    alert_is_duplicate(a, entry, ev, d.now)) {
				if (!late_failed)
					a->outcomes[i] = ALERT_SKIPPED_DUPLICATE;
				if (ev->kind == ALERT_INCOMPLETE)
					record_still_out(&d, key.buf, night);
				log_info("alert: %s for %s already sent to \"%s\"; not repeated",
					 alert_kind_name(ev->kind), key.buf, ch->name);
				goto told;
			}
		}
		if (send_one(a, i, &chev, &e) == 0) {
			sent = 1;
			if (!late_failed)
				a->outcomes[i] = ALERT_SENT;
			log_info("alert: sent %s to \"%s\" (%s)", alert_kind_name(ev->kind),
				 ch->name, ch->ops->name);
			if (d.entries)
				record_sent(&d, key.buf, ev);
		} else {
			a->outcomes[i] = ALERT_FAILED;
			record_failed(&d, ch, &e);
			/* kept: the next run sends it again, marked late */
			if (d.entries)
				json_object_set_new(json_object_get(d.ours, "pending"), key.buf,
						    alert_event_to_json(&chev, ch->name, d.now));
		}
	told:
		/* what the channel now knows failing: written when it changes */
		if (marked && past) {
			json_decref(marked);
		} else if (marked) {
			json_t *after = told_after(marked, sent, night);
			json_t *pafter = alert_checks_passed_after(told, passed, marked, over);
			int same = json_equal(after, told) &&
				   (json_object_size(pafter) ? json_equal(pafter, passed)
							     : !json_object_size(passed));

			const json_t *was = json_object_get(d.entries, fkey.buf);
			/* the same checks failing on a later night than the one recorded: that
			 * night is recorded, so a backfill before it that passes is "past" (no
			 * recovery while the latest night judged still fails) */
			const char *wn = json_string_value(json_object_get(was, "night"));
			int later = json_object_size(after) && wn && strlen(wn) == 10 &&
				    strcmp(wn, night) < 0;

			if ((!same || later) && (json_object_size(after) || told)) {
				json_t *fe = json_pack("{s:o,s:s,s:s,s:I}", "failing", after,
						       "night", night, "sent", d.stamp, "sent_unix",
						       (json_int_t)d.now);

				if (same) { /* nothing was told tonight: when it was stays */
					json_object_set(fe, "sent", json_object_get(was, "sent"));
					json_object_set(fe, "sent_unix",
							json_object_get(was, "sent_unix"));
				}

				/* told failing, passing now: named when the last one passes */
				if (json_object_size(pafter))
					json_object_set(fe, "passed", pafter);
				json_object_set_new(json_object_get(d.ours, "entries"), fkey.buf,
						    fe);
			} else {
				json_decref(after);
			}
			json_decref(pafter);
			json_decref(marked);
		}
	}
	/* every channel that failed is named, not only the first */
	if (d.n_failed == 1)
		pl_err_set(err, d.first.code, d.first.where, "%s", d.first.msg);
	else if (d.n_failed > 1)
		pl_err_set(err, d.first.code, NULL, "%zu alert channels failed (%s): %s",
			   d.n_failed, d.names.buf, d.why.buf);
	if (d.n_failed)
		rc = -1;
	if (spath && (json_object_size(json_object_get(d.ours, "entries")) ||
		      json_object_size(json_object_get(d.ours, "pending")))) {
		struct pl_err e = PL_ERR_INIT;

		if (alert_state_save(spath, d.ours, &e) < 0) {
			char buf[1600];

			log_error("alert: cannot save dedup state: %s",
				  pl_err_str(&e, buf, sizeof(buf)));
			pl_err_set(err, e.code, e.where, "cannot save alert state: %s", e.msg);
			rc = -1;
		}
	}
out:
	json_decref(d.ours);
	json_decref(state);
	free(spath);
	sbuf_release(&key);
	sbuf_release(&fkey);
	sbuf_release(&d.names);
	sbuf_release(&d.why);
	return rc;
}

/* ---- helpers for the channels ---- */

void alert_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void title_text(const struct alert_event *ev, char *buf, size_t len);

void alert_title(const struct alert_event *ev, char *buf, size_t len)
{
	size_t n;

	title_text(ev, buf, len);
	n = strlen(buf);
	if (ev->late_night && n < len)
		snprintf(buf + n, len - n, " (from night %s, not delivered then)", ev->late_night);
}

static void title_text(const struct alert_event *ev, char *buf, size_t len)
{
	const char *v = ev->vendor ? ev->vendor : "?";
	const char *m = ev->model ? ev->model : "?";
	const char *s = ev->suite ? ev->suite : "?";

	switch (ev->kind) {
	case ALERT_CHANGE:
		if (ev->retracted && ev->suspected_night)
			snprintf(buf, len,
				 "plumbline: %s/%s on suite %s: the change suspected on %s is "
				 "retracted%s%s%s",
				 v, m, s, ev->suspected_night, ev->epoch ? " (back to epoch " : "",
				 ev->epoch ? ev->epoch : "", ev->epoch ? ")" : "");
		else if (ev->retracted)
			snprintf(
				buf, len,
				"plumbline: %s/%s on suite %s: the suspected change is retracted%s%s%s",
				v, m, s, ev->epoch ? " (back to epoch " : "",
				ev->epoch ? ev->epoch : "", ev->epoch ? ")" : "");
		else if (ev->stage && !strcmp(ev->stage, "confirmed"))
			snprintf(buf, len,
				 "plumbline: %s/%s changed on suite %s: confirmed, new epoch %s "
				 "(confidence %.2f)",
				 v, m, s, ev->epoch ? ev->epoch : "?", ev->confidence);
		else if (ev->stage && !strcmp(ev->stage, "suspected"))
			snprintf(buf, len,
				 "plumbline: %s/%s changed on suite %s: suspected, epoch %s unless "
				 "tomorrow retracts it (confidence %.2f)",
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
	case ALERT_RECOVERED: {
		char night[16];
		size_t n = json_array_size(ev->recovered_checks);

		alert_night(ev, time(NULL), night, sizeof(night));
		if (ev->problem == ALERT_INCOMPLETE)
			snprintf(buf, len,
				 "plumbline: %s/%s on suite %s recovered: the run of %s completed "
				 "(incomplete since %s)",
				 v, m, s, night, ev->since ? ev->since : "?");
		else
			snprintf(
				buf, len,
				"plumbline: %s/%s on suite %s recovered: %zu %s passing again since "
				"%s (failing since %s)",
				v, m, s, n, n == 1 ? "check" : "checks", night,
				ev->since ? ev->since : "?");
		break;
	}
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

void alert_night(const struct alert_event *ev, time_t now, char *buf, size_t len)
{
	const char *rel = ev->report_path ? report_rel(ev->report_path) : NULL;
	const char *slash = rel ? strchr(rel, '/') : NULL;
	time_t t = ev->when ? ev->when : now;
	struct tm tm;

	if (slash && slash > rel) {
		snprintf(buf, len, "%.*s", (int)(slash - rel), rel);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
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

static double rate_of(const json_t *c, const char *pass, const char *judged)
{
	json_int_t n = json_integer_value(json_object_get(c, judged));

	return n > 0 ? (double)json_integer_value(json_object_get(c, pass)) / (double)n : 0;
}

/* One failed check in words: "PROMPT CHECK: 0% passed tonight (0 of 10), baseline 100% (10 of
 * 10)"; "needs M%" when the baseline does not tell; "(failing since D)" when it was alerted. */
static void check_said(const json_t *c, struct sbuf *out)
{
	const json_t *mpr = json_object_get(c, "min_pass_rate");
	const char *since = json_string_value(json_object_get(c, "since"));

	sbuf_addf(out, "%.60s %.60s: %.0f%% passed tonight (%lld of %lld)",
		  json_string_value(json_object_get(c, "prompt")),
		  json_string_value(json_object_get(c, "check")),
		  100 * rate_of(c, "pass", "judged"),
		  (long long)json_integer_value(json_object_get(c, "pass")),
		  (long long)json_integer_value(json_object_get(c, "judged")));
	if (json_integer_value(json_object_get(c, "baseline_judged")) > 0)
		sbuf_addf(out, ", baseline %.0f%% (%lld of %lld)",
			  100 * rate_of(c, "baseline_pass", "baseline_judged"),
			  (long long)json_integer_value(json_object_get(c, "baseline_pass")),
			  (long long)json_integer_value(json_object_get(c, "baseline_judged")));
	else if (json_is_number(mpr))
		sbuf_addf(out, ", needs %.0f%%", 100 * json_number_value(mpr));
	if (since)
		sbuf_addf(out, " (failing since %s)", since);
}

void alert_failed_checks_said(const struct alert_event *ev, struct sbuf *out)
{
	const json_t *c;
	size_t i, shown = 0, n = json_array_size(ev->failed_checks);
	int pass;

	if (!n)
		return;
	/* the new failures first: they are the news */
	for (pass = 0; pass < 2; pass++)
		json_array_foreach(ev->failed_checks, i, c)
		{
			if (!json_is_string(json_object_get(c, "prompt")) ||
			    !json_is_string(json_object_get(c, "check")) ||
			    (json_object_get(c, "since") != NULL) != pass ||
			    shown >= ALERT_CHECKS_SHOWN)
				continue;
			if (shown++)
				sbuf_addstr(out, "; ");
			check_said(c, out);
		}
	if (n > shown)
		sbuf_addf(out, "%s+%zu more", shown ? "; " : "", n - shown);
}

static void fact(json_t *arr, const char *label, const char *value);

void alert_recovered_checks_said(const struct alert_event *ev, struct sbuf *out)
{
	const json_t *c;
	size_t i, shown = 0, n = json_array_size(ev->recovered_checks);

	json_array_foreach(ev->recovered_checks, i, c)
	{
		const char *since = json_string_value(json_object_get(c, "since"));

		if (shown >= ALERT_CHECKS_SHOWN)
			break;
		sbuf_addf(out, "%s%.60s %.60s", shown++ ? "; " : "",
			  json_string_value(json_object_get(c, "prompt")),
			  json_string_value(json_object_get(c, "check")));
		if (since)
			sbuf_addf(out, " (failing since %s)", since);
	}
	if (n > shown)
		sbuf_addf(out, "%s+%zu more", shown ? "; " : "", n - shown);
}

double alert_availability(const struct alert_event *ev)
{
	size_t n = ev->answers + ev->vendor_faults;

	return n ? (double)ev->answers / (double)n : -1;
}

/* A recovery's own facts: what is over, since when, which checks pass again, tonight's
 * availability. */
static void recovery_facts(const struct alert_event *ev, json_t *arr)
{
	char buf[320];
	double avail = alert_availability(ev);

	if (ev->problem == ALERT_INCOMPLETE) {
		snprintf(buf, sizeof(buf), "the run could not complete%s%.250s",
			 ev->reason ? ": " : "", ev->reason ? ev->reason : "");
		fact(arr, "Recovered from", buf);
		fact(arr, "Incomplete since", ev->since ? ev->since : "?");
	} else {
		struct sbuf sb = SBUF_INIT;

		fact(arr, "Recovered from", "failing checks");
		fact(arr, "Failing since", ev->since ? ev->since : "?");
		alert_recovered_checks_said(ev, &sb);
		if (sb.len)
			fact(arr, "Passing again", sb.buf);
		sbuf_release(&sb);
	}
	if (avail >= 0) {
		snprintf(buf, sizeof(buf), "%.0f%% (%zu answered, %zu vendor faults)", 100 * avail,
			 ev->answers, ev->vendor_faults);
		fact(arr, "Availability", buf);
	}
}

static void fact(json_t *arr, const char *label, const char *value)
{
	json_array_append_new(arr, json_pack("[ss]", label, value));
}

void alert_facts(const struct alert_event *ev, json_t *arr)
{
	char buf[160];

	if (ev->vendor)
		fact(arr, "Vendor", ev->vendor);
	if (ev->model)
		fact(arr, "Model", ev->model);
	if (ev->suite)
		fact(arr, "Suite", ev->suite);
	if (ev->kind == ALERT_RECOVERED)
		recovery_facts(ev, arr);
	if (ev->kind == ALERT_CHANGE && alert_stage(ev)) {
		const char *st = alert_stage(ev);

		/* the stage says what to expect next: suspected is not yet a change */
		fact(arr, "Stage",
		     !strcmp(st, "suspected")
			     ? "suspected (confirmed or retracted by the next night)"
		     : !strcmp(st, "confirmed") ? "confirmed"
						: st);
	}
	/* which night's alert this one withdraws */
	if (ev->kind == ALERT_CHANGE && ev->retracted && ev->suspected_night)
		fact(arr, "Suspected on", ev->suspected_night);
	/* a retraction is no change: tonight's confidence in one would only confuse */
	if (ev->kind == ALERT_CHANGE && !ev->retracted) {
		snprintf(buf, sizeof(buf), "%.2f", ev->confidence);
		fact(arr, "Confidence", buf);
	}
	if (ev->epoch)
		fact(arr, "Epoch", ev->epoch);
	if (ev->checks_total) {
		/* an outage answered nothing: its checks were not judged, none failed */
		evaluate_checks_said(ev->checks_failed, ev->checks_total, ev->prompts_failed,
				     ev->planned ? ev->answers : 1, buf, sizeof(buf));
		fact(arr, "Checks", buf);
	}
	if (json_array_size(ev->failed_checks)) {
		struct sbuf sb = SBUF_INIT;

		alert_failed_checks_said(ev, &sb);
		fact(arr, "Failed checks", sb.buf);
		sbuf_release(&sb);
	}
	if (ev->planned) {
		snprintf(buf, sizeof(buf), "%zu of %zu planned answered; %zu failed, %zu not sent",
			 ev->answers, ev->planned, ev->errors, ev->not_sent);
		fact(arr, "Requests", buf);
	} else if (ev->requests) {
		snprintf(buf, sizeof(buf), "%zu (%zu errors)", ev->requests, ev->errors);
		fact(arr, "Requests", buf);
	}
	/* a recovery's reason is the problem's, said under "Recovered from" */
	if (ev->reason && ev->kind != ALERT_RECOVERED)
		fact(arr, "Reason", ev->reason);
}
