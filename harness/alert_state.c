/* alert_state.c: whether an event deserves an alert (the thresholds), and the deduplication
 * state: once per epoch and stage for a change, a cooldown otherwise, and the alerts a channel
 * did not accept (sent again by the next run), in STATE_DIR/alerts/state.json, merged and
 * rewritten atomically under its flock. */
#include "alert.h"
#include "alert_int.h"

#include "fileio.h"
#include "lock.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures_wanted(const struct alerts *a, const struct alert_event *ev)
{
	if (ev->checks_total == 0 || (long long)ev->checks_failed < a->min_failed_checks)
		return 0;
	return (double)ev->checks_failed / (double)ev->checks_total >= a->min_failed_fraction;
}

enum alert_kind alert_send_kind(const struct alerts *a, const struct alert_event *ev)
{
	if (!a)
		return ALERT_NONE;
	switch (ev->kind) {
	case ALERT_CHANGE:
		/* a retraction follows the alert it withdraws, whatever tonight's confidence */
		if (ev->retracted || ev->confidence >= a->min_confidence)
			return ALERT_CHANGE;
		/* a change below the thresholds is noise, but the night's failed checks are
		 * not: they are judged by their own rule */
		return failures_wanted(a, ev) ? ALERT_CHECK_FAILURES : ALERT_NONE;
	case ALERT_CHECK_FAILURES:
		return failures_wanted(a, ev) ? ALERT_CHECK_FAILURES : ALERT_NONE;
	case ALERT_INCOMPLETE:
		return a->on_incomplete ? ALERT_INCOMPLETE : ALERT_NONE;
	case ALERT_TEST:
		return ALERT_TEST;
	case ALERT_RECOVERED:
		/* alerts_dispatch makes recoveries itself; one dispatched as such goes as is */
		return ALERT_RECOVERED;
	default:
		return ALERT_NONE;
	}
}

int alerts_wanted(const struct alerts *a, const struct alert_event *ev)
{
	return alert_send_kind(a, ev) != ALERT_NONE;
}

char *alert_state_path(const char *state_dir)
{
	struct sbuf p;
	char *r;

	sbuf_init(&p);
	sbuf_addf(&p, "%s/alerts/state.json", state_dir);
	r = sbuf_detach(&p, NULL);
	sbuf_release(&p); /* detach leaves an empty, allocated buffer */
	return r;
}

json_t *alert_state_load(const char *path)
{
	struct pl_err e = PL_ERR_INIT;
	json_t *root = NULL, *entries;
	char *text = NULL;
	size_t len;

	if (fileio_read_all(path, 16 << 20, &text, &len, &e) == 0)
		root = json_loadb(text, len, 0, NULL);
	free(text);
	if (root && !json_is_object(json_object_get(root, "entries"))) {
		json_decref(root);
		root = NULL;
	}
	if (!root) {
		/* Absent, or unreadable: start afresh (at worst one duplicate alert). */
		if (fileio_exists(path))
			log_warn("alert: dedup state %s is unreadable; starting afresh", path);
		root = json_pack("{s:i}", "version", 1);
		entries = json_object();
		json_object_set_new(root, "entries", entries);
	}
	return root;
}

void alert_dedup_key(const struct alert_event *ev, const struct alert_channel *ch, struct sbuf *k)
{
	sbuf_reset(k);
	/* a recovery's key names the problem it ends: "V/M/S|recovered:incomplete|CH" */
	sbuf_addf(k, "%s/%s/%s|%s%s%s|%s", ev->vendor ? ev->vendor : "-",
		  ev->model ? ev->model : "-", ev->suite ? ev->suite : "-",
		  alert_kind_name(ev->kind), ev->kind == ALERT_RECOVERED ? ":" : "",
		  ev->kind == ALERT_RECOVERED ? alert_kind_name(ev->problem) : "", ch->name);
}

/* 1 if an alert for this key was already sent and this one is a duplicate. */
int alert_is_duplicate(const struct alerts *a, const json_t *entry, const struct alert_event *ev,
		       time_t now)
{
	const char *epoch, *stage;
	double since;

	if (!entry || ev->kind == ALERT_TEST)
		return 0;
	epoch = json_string_value(json_object_get(entry, "epoch"));
	stage = json_string_value(json_object_get(entry, "stage"));
	since = difftime(now, (time_t)json_integer_value(json_object_get(entry, "sent_unix")));
	switch (ev->kind) {
	case ALERT_CHANGE:
		/* Once per epoch and stage: the suspicion, then its confirmation (the channel's
		 * last word is not "unless tomorrow retracts it"); nothing after a confirmation,
		 * nor after an entry that names no stage. A change without an epoch falls back to
		 * the cooldown. */
		if (ev->epoch && epoch) {
			if (strcmp(epoch, ev->epoch))
				return 0;
			return !stage || !ev->stage || !strcmp(stage, "confirmed") ||
			       !strcmp(stage, ev->stage);
		}
		return since < a->cooldown_s;
	case ALERT_CHECK_FAILURES:
		if (ev->epoch && epoch && strcmp(epoch, ev->epoch))
			return 0;
		return since < a->cooldown_s;
	case ALERT_INCOMPLETE:
		/* the channel was told it recovered since: a new outage is news */
		if (json_is_string(json_object_get(entry, "recovered")))
			return 0;
		return since < a->cooldown_s;
	default:
		return since < a->cooldown_s;
	}
}

/* ---- alerts not delivered on their night ---- */

json_t *alert_event_to_json(const struct alert_event *ev, const char *channel, time_t now)
{
	json_t *j, *signals = json_array();
	char night[16];
	size_t i;

	for (i = 0; i < ev->n_signals; i++)
		json_array_append_new(signals, json_string(ev->signals[i]));
	alert_night(ev, now, night, sizeof(night));
	j = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s,s:o,s:f,s:b,s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:I,"
		      "s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
		      "channel", channel, "kind", alert_kind_name(ev->kind), "vendor", ev->vendor,
		      "model", ev->model, "suite", ev->suite, "night", night, "signals", signals,
		      "confidence", ev->confidence, "retracted", ev->retracted, "stage", ev->stage,
		      "epoch", ev->epoch, "report_path", ev->report_path, "summary", ev->summary,
		      "reason", ev->reason, "checks_total", (json_int_t)ev->checks_total,
		      "checks_failed", (json_int_t)ev->checks_failed, "prompts_failed",
		      (json_int_t)ev->prompts_failed, "planned", (json_int_t)ev->planned,
		      "requests", (json_int_t)ev->requests, "answers", (json_int_t)ev->answers,
		      "errors", (json_int_t)ev->errors, "not_sent", (json_int_t)ev->not_sent,
		      "when", (json_int_t)now);
	if (j && json_array_size(ev->failed_checks))
		json_object_set_new(j, "failed_checks", json_deep_copy(ev->failed_checks));
	if (j && ev->suspected_night)
		json_object_set_new(j, "suspected_night", json_string(ev->suspected_night));
	if (j && json_array_size(ev->what_changed))
		json_object_set_new(j, "what_changed", json_deep_copy(ev->what_changed));
	if (j && ev->vendor_faults)
		json_object_set_new(j, "vendor_faults",
				    json_integer((json_int_t)ev->vendor_faults));
	if (j && ev->kind == ALERT_RECOVERED) {
		json_object_set_new(j, "problem", json_string(alert_kind_name(ev->problem)));
		if (ev->since)
			json_object_set_new(j, "since", json_string(ev->since));
		if (json_array_size(ev->recovered_checks))
			json_object_set_new(j, "recovered_checks",
					    json_deep_copy(ev->recovered_checks));
	}
	return j;
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static size_t num(const json_t *j, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(j, key));

	return v > 0 ? (size_t)v : 0;
}

int alert_pending_load(const json_t *j, struct alert_pending *p)
{
	const json_t *sig = json_object_get(j, "signals"), *v;
	const char *kind = str(j, "kind");
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(j) || !kind)
		return -1;
	for (i = ALERT_CHANGE; i < ALERT_TEST; i++)
		if (!strcmp(kind, alert_kind_name((enum alert_kind)i)))
			p->ev.kind = (enum alert_kind)i;
	if (p->ev.kind == ALERT_NONE || !str(j, "vendor"))
		return -1;
	p->signals = xcalloc(json_array_size(sig) + 1, sizeof(*p->signals));
	json_array_foreach(sig, i, v) if (json_is_string(v))
		p->signals[p->ev.n_signals++] = json_string_value(v);
	p->ev.signals = p->signals;
	p->ev.vendor = str(j, "vendor");
	p->ev.model = str(j, "model");
	p->ev.suite = str(j, "suite");
	p->ev.confidence = json_number_value(json_object_get(j, "confidence"));
	p->ev.retracted = json_is_true(json_object_get(j, "retracted"));
	p->ev.stage = str(j, "stage");
	p->ev.suspected_night = str(j, "suspected_night");
	p->ev.epoch = str(j, "epoch");
	p->ev.report_path = str(j, "report_path");
	p->ev.summary = str(j, "summary");
	p->ev.reason = str(j, "reason");
	p->ev.checks_total = num(j, "checks_total");
	p->ev.checks_failed = num(j, "checks_failed");
	p->ev.prompts_failed = num(j, "prompts_failed");
	p->ev.planned = num(j, "planned"); /* 0 in a state written before: "N (M errors)" */
	p->ev.requests = num(j, "requests");
	p->ev.answers = num(j, "answers");
	p->ev.errors = num(j, "errors");
	p->ev.not_sent = num(j, "not_sent");
	p->ev.what_changed = json_object_get(j, "what_changed");
	p->ev.failed_checks = json_object_get(j, "failed_checks");
	p->ev.when = (time_t)num(j, "when");
	p->ev.vendor_faults = num(j, "vendor_faults");
	if (p->ev.kind == ALERT_RECOVERED) {
		const char *problem = str(j, "problem");

		if (problem && !strcmp(problem, alert_kind_name(ALERT_INCOMPLETE)))
			p->ev.problem = ALERT_INCOMPLETE;
		else if (problem && !strcmp(problem, alert_kind_name(ALERT_CHECK_FAILURES)))
			p->ev.problem = ALERT_CHECK_FAILURES;
		else
			return -1;
		p->ev.since = str(j, "since");
		p->ev.recovered_checks = json_object_get(j, "recovered_checks");
	}
	p->ev.late_night = str(j, "night") ? str(j, "night") : "?";
	return 0;
}

void alert_pending_release(struct alert_pending *p)
{
	if (!p)
		return;
	free(p->signals);
	p->signals = NULL;
}

static int same(const char *a, const char *b)
{
	return !strcmp(a ? a : "-", b ? b : "-");
}

int alert_pending_is_for(const json_t *pend, const struct alert_event *ev,
			 const struct alert_channel *ch)
{
	return same(str(pend, "channel"), ch->name) && same(str(pend, "vendor"), ev->vendor) &&
	       same(str(pend, "model"), ev->model) && same(str(pend, "suite"), ev->suite);
}

/* Merges our new entries into the state on disk and writes it back, under an flock so that
 * runs on other vendors/suites dispatching at the same time do not lose each other's entries.
 * ours is {"entries": {KEY: entry}, "pending": {KEY: event or null (delivered: removed)}}. */
int alert_state_save(const char *spath, const json_t *ours, struct pl_err *err)
{
	struct sbuf lockpath;
	json_t *disk = NULL, *pend, *v;
	const char *k;
	char *text = NULL;
	int fd = -1, rc = -1;

	sbuf_init(&lockpath);
	sbuf_addstr(&lockpath, spath);
	*strrchr(lockpath.buf, '/') = '\0'; /* spath is STATE_DIR/alerts/state.json */
	if (fileio_mkdirs(lockpath.buf, err) < 0)
		goto out;
	sbuf_reset(&lockpath);
	sbuf_addf(&lockpath, "%s.lock", spath);
	fd = lock_file_acquire(lockpath.buf, err);
	if (fd < 0)
		goto out;
	disk = alert_state_load(spath);
	json_object_update(json_object_get(disk, "entries"),
			   json_object_get((json_t *)ours, "entries"));
	pend = json_object_get(disk, "pending");
	if (!json_is_object(pend)) {
		pend = json_object();
		json_object_set_new(disk, "pending", pend);
	}
	json_object_foreach(json_object_get((json_t *)ours, "pending"), k, v)
	{
		if (json_is_null(v))
			json_object_del(pend, k);
		else
			json_object_set(pend, k, v);
	}
	if (!json_object_size(pend))
		json_object_del(disk, "pending");
	text = json_dumps(disk, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		pl_err_set(err, PL_E_INTERNAL, spath, "cannot serialise alert state");
		goto out;
	}
	rc = fileio_write_atomic(spath, text, strlen(text), 0644, err);
out:
	lock_file_release(fd);
	free(text);
	json_decref(disk);
	sbuf_release(&lockpath);
	return rc;
}
