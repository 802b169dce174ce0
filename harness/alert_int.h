/* alert_int.h: what the alert files share and nobody else sees: the configured set of channels
 * (struct alerts) and the steps alerts_dispatch (alert.c) takes through the other files:
 * alert_config.c (the "alerts" section), alert_secrets.c (secrets from the environment),
 * alert_state.c (the decision and the deduplication state), alert_recovery.c (whether a problem
 * told is over), alert_deliver.c (retries and backoff, the generic HTTP POST). */
#ifndef PL_ALERT_INT_H
#define PL_ALERT_INT_H

#include "alert.h"
#include "err.h"
#include "sbuf.h"

#include <jansson.h>
#include <time.h>

struct alerts {
	struct alert_channel *ch;
	size_t n;
	double min_confidence;	     /* change alerts below this are noise */
	long long min_failed_checks; /* check-failure alerts need at least this many ... */
	double min_failed_fraction;  /* ... and at least this share of the checks */
	int on_incomplete;
	double cooldown_s;
	long long retries;
	long long backoff_ms;
	long long max_backoff_ms;
	enum alert_outcome *outcomes;
	int *attempts;
	size_t *failures;   /* deliveries that failed, per channel, over every dispatch */
	unsigned char *off; /* alerts_enable(..., 0) */
};

/* alert.c: the registry's channel type called name (the config's "type"), or NULL. */
const struct alert_ops *alert_find_type(const char *name);

/* alert_secrets.c: reads ch's secrets from the environment into ch (0, or -1 with err set and
 * nothing kept); wipes and frees them. */
int alert_load_secrets(struct alert_channel *ch, struct pl_err *err);
void alert_channel_wipe_secrets(struct alert_channel *ch);

/* alert_state.c: the kind ev is sent as under a's thresholds (ALERT_NONE: not sent; a change
 * below min_confidence that is not a retraction is judged as check failures, and sent as such
 * when its failed checks meet their own thresholds), the deduplication state file
 * STATE_DIR/alerts/state.json (a new string), its contents (never NULL: afresh when absent or
 * unreadable), an event's key for a channel, whether entry makes the event a duplicate (1) or not
 * (0), and the merge-and-save under the lock. */
enum alert_kind alert_send_kind(const struct alerts *a, const struct alert_event *ev);
char *alert_state_path(const char *state_dir);
json_t *alert_state_load(const char *path);
void alert_dedup_key(const struct alert_event *ev, const struct alert_channel *ch, struct sbuf *k);
int alert_is_duplicate(const struct alerts *a, const json_t *entry, const struct alert_event *ev,
		       time_t now);
/* ours: {"entries": {KEY: entry}, "pending": {KEY: event, or null to remove it}}. */
int alert_state_save(const char *spath, const json_t *ours, struct pl_err *err);

/* Alerts a channel did not accept: the state's "pending" object, KEY (alert_dedup_key) -> the
 * event as alert_event_to_json wrote it (a new object), sent again, marked late, by the next
 * dispatch for the same vendor/model/suite. alert_pending_load fills p from j (borrowed: p
 * points into it; 0, or -1 when j is not a pending alert) with ev.late_night set;
 * alert_pending_release frees what it allocated. alert_pending_is_for: 1 when pend was meant
 * for ch and ev's vendor/model/suite. */
struct alert_pending {
	struct alert_event ev;
	const char **signals;
};
json_t *alert_event_to_json(const struct alert_event *ev, const char *channel, time_t now);
int alert_pending_load(const json_t *j, struct alert_pending *p);
void alert_pending_release(struct alert_pending *p);
int alert_pending_is_for(const json_t *pend, const struct alert_event *ev,
			 const struct alert_channel *ch);

/* alert_recovery.c: recovery notices. "PROMPT\tCHECK", the key of failed check c in the state's
 * told checks, into k. A recovery event (r.ev, ALERT_RECOVERED) points into r and into tonight's
 * event (borrowed: keep it alive while r is used). alert_recovery_of_outage: 1 when entry (the
 * channel's "V/M/S|incomplete|CH" state entry, NULL when none) tells an outage still open, which
 * tonight's completed run ends (r filled), else 0 (also when night is before the outage's
 * first night: a backfill ends nothing). alert_recovery_of_checks: 1 when told (the
 * channel's {"PROMPT\tCHECK": SINCE} told failing) is not empty and none of it fails tonight
 * (marked: tonight's failed checks, "since" on those told), r naming them and those of passed
 * (told failing, passing since an earlier night), else 0. alert_checks_passed_after: the
 * channel's new "passed" (a new object): empty after a recovery, else passed and told less
 * tonight's failures. */
struct alert_recovery {
	struct alert_event ev;
	char since[16];
	char *reason;
	json_t *checks;
	struct sbuf summary;
};
void alert_check_key(const json_t *c, struct sbuf *k);
void alert_recovery_init(struct alert_recovery *r);
void alert_recovery_release(struct alert_recovery *r); /* NULL-safe */
/* 1 when night sorts before stored, a night (YYYY-MM-DD) the alert state recorded; 0 when
 * either is missing or stored is no such night. A --date backfill of an earlier night says
 * nothing of what was recorded since. */
int alert_night_before(const char *night, const char *stored);
int alert_recovery_of_outage(const json_t *entry, const struct alert_event *tonight,
			     const char *night, struct alert_recovery *r);
int alert_recovery_of_checks(const json_t *told, const json_t *passed, const json_t *marked,
			     const struct alert_event *tonight, const char *night,
			     struct alert_recovery *r);
json_t *alert_checks_passed_after(const json_t *told, const json_t *passed, const json_t *marked,
				  int recovered);

/* alert_deliver.c: sends m on ch with retries and backoff; 0 or -1 with err set; *attempts
 * counts the tries. */
int alert_deliver(const struct alerts *a, struct alert_channel *ch, const struct alert_msg *m,
		  int *attempts, struct pl_err *err);

#endif
