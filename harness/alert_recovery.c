/* alert_recovery.c: recovery notices (ALERT_RECOVERED): whether a problem a channel was told is
 * over tonight (a run that completes after the channel was told one could not; every check the
 * channel was told failing passing again), and the event that says so. No I/O: alerts_dispatch
 * (alert.c) reads and writes the state and delivers. */
#include "alert.h"
#include "alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void alert_check_key(const json_t *c, struct sbuf *k)
{
	sbuf_reset(k);
	sbuf_addf(k, "%s\t%s", json_string_value(json_object_get(c, "prompt")),
		  json_string_value(json_object_get(c, "check")));
}

void alert_recovery_init(struct alert_recovery *r)
{
	memset(r, 0, sizeof(*r));
	sbuf_init(&r->summary);
}

void alert_recovery_release(struct alert_recovery *r)
{
	if (!r)
		return;
	json_decref(r->checks);
	r->checks = NULL;
	free(r->reason);
	r->reason = NULL;
	sbuf_release(&r->summary);
}

/* What every recovery takes from tonight's event: who, which report, tonight's counts. */
static void from_tonight(struct alert_recovery *r, const struct alert_event *t,
			 enum alert_kind problem)
{
	memset(&r->ev, 0, sizeof(r->ev));
	r->ev.kind = ALERT_RECOVERED;
	r->ev.problem = problem;
	r->ev.vendor = t->vendor;
	r->ev.model = t->model;
	r->ev.suite = t->suite;
	r->ev.report_path = t->report_path;
	r->ev.when = t->when;
	r->ev.checks_total = t->checks_total;
	r->ev.checks_failed = t->checks_failed;
	r->ev.prompts_failed = t->prompts_failed;
	r->ev.planned = t->planned;
	r->ev.requests = t->requests;
	r->ev.answers = t->answers;
	r->ev.errors = t->errors;
	r->ev.not_sent = t->not_sent;
	r->ev.vendor_faults = t->vendor_faults;
	r->ev.since = r->since;
}

int alert_night_before(const char *night, const char *stored)
{
	return night && stored && strlen(stored) == 10 && strcmp(night, stored) < 0;
}

int alert_recovery_of_outage(const json_t *entry, const struct alert_event *tonight,
			     const char *night, struct alert_recovery *r)
{
	const char *since = json_string_value(json_object_get(entry, "since"));
	const char *latest = json_string_value(json_object_get(entry, "latest"));
	const char *reason = json_string_value(json_object_get(entry, "reason"));
	double avail;

	/* an entry written before recovery notices has no "open": whether its outage ended
	 * since is unknown, and a notice for one long over would mislead */
	if (!json_is_true(json_object_get(entry, "open")))
		return 0;
	/* a night before the outage's first (a --date backfill) completing says nothing about
	 * whether it is over: the outage stays open */
	if (alert_night_before(night, since))
		return 0;
	/* nor does one before the latest night found incomplete, told or not (the cooldown held
	 * its alert back): the outage ends with a run of that night or a later one */
	if (alert_night_before(night, latest))
		return 0;
	from_tonight(r, tonight, ALERT_INCOMPLETE);
	snprintf(r->since, sizeof(r->since), "%s", since ? since : "?");
	if (reason) {
		r->reason = xstrdup(reason);
		r->ev.reason = r->reason;
	}
	sbuf_addf(&r->summary, "The run of %s completed", night);
	if (r->ev.planned)
		sbuf_addf(&r->summary, ": %zu of %zu planned answered", r->ev.answers,
			  r->ev.planned);
	avail = alert_availability(&r->ev);
	if (avail >= 0)
		sbuf_addf(&r->summary, " (availability %.0f%%)", 100 * avail);
	sbuf_addf(&r->summary, ". The run could not complete since %s%s%s%s; that is over.",
		  r->since, reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	r->ev.summary = r->summary.buf;
	return 1;
}

/* 1 when key k names a check of marked (tonight's failed checks). */
static int failing_tonight(const json_t *marked, const char *k)
{
	struct sbuf mk = SBUF_INIT;
	const json_t *c;
	size_t i;
	int found = 0;

	json_array_foreach(marked, i, c)
	{
		alert_check_key(c, &mk);
		if (!strcmp(mk.buf, k)) {
			found = 1;
			break;
		}
	}
	sbuf_release(&mk);
	return found;
}

/* Appends {"prompt", "check", "since"} for every key of obj not failing tonight nor in out. */
static void add_passing(json_t *out, const json_t *obj, const json_t *marked, const char **first)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
	{
		const char *tab = strchr(k, '\t'), *since = json_string_value(v);
		const json_t *c;
		size_t i;
		int dup = 0;

		if (!tab || failing_tonight(marked, k))
			continue;
		json_array_foreach(out, i, c)
		{
			struct sbuf ck = SBUF_INIT;

			alert_check_key(c, &ck);
			dup |= !strcmp(ck.buf, k);
			sbuf_release(&ck);
		}
		if (dup)
			continue;
		json_array_append_new(out,
				      json_pack("{s:s%,s:s,s:s?}", "prompt", k, (size_t)(tab - k),
						"check", tab + 1, "since", since));
		if (since && (!*first || strcmp(since, *first) < 0))
			*first = since;
	}
}

int alert_recovery_of_checks(const json_t *told, const json_t *passed, const json_t *marked,
			     const struct alert_event *tonight, const char *night,
			     struct alert_recovery *r)
{
	const char *first = NULL;
	const json_t *c;
	size_t i, n;

	if (!json_object_size(told))
		return 0;
	/* a check told failing still fails (mark_told marked it "since"): not over */
	json_array_foreach(marked, i, c)
	{
		if (json_object_get(c, "since"))
			return 0;
	}
	from_tonight(r, tonight, ALERT_CHECK_FAILURES);
	r->checks = json_array();
	/* the ones that passed on an earlier night first: they were told failing too */
	if (json_is_object(passed))
		add_passing(r->checks, passed, marked, &first);
	add_passing(r->checks, told, marked, &first);
	snprintf(r->since, sizeof(r->since), "%s", first ? first : "?");
	r->ev.recovered_checks = r->checks;
	n = json_array_size(r->checks);
	sbuf_addf(&r->summary,
		  "Every check told failing passes again since %s: %zu %s, failing since %s.",
		  night, n, n == 1 ? "check" : "checks", r->since);
	r->ev.summary = r->summary.buf;
	return 1;
}

json_t *alert_checks_passed_after(const json_t *told, const json_t *passed, const json_t *marked,
				  int recovered)
{
	json_t *out = json_object(), *v;
	const char *k;
	void *tmp;

	if (recovered)
		return out;
	/* told failing, not failing tonight: kept until every told check passes */
	if (json_is_object(passed))
		json_object_update(out, (json_t *)passed);
	json_object_update(out, (json_t *)told);
	json_object_foreach_safe(out, tmp, k, v)
	{
		if (failing_tonight(marked, k))
			json_object_del(out, k);
	}
	return out;
}
