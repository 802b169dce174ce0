/* alert.h: telling people that a vendor changed: the config's "alerts" section, the decision
 * whether an event deserves an alert, deduplication, and delivery to the channels (Slack,
 * Microsoft Teams, a signed generic webhook, e-mail).
 *
 * Calling order: alerts_new (validates the section; reads no secret) ... alerts_dispatch after
 * the report and the register are written (never before: a failed delivery must not lose
 * them) ... alerts_free.
 *
 * Decision: an alert is sent for a detected change at or above min_confidence, for check
 * failures at or above the threshold (also on a night whose change is below min_confidence),
 * for a run that could not complete, and, once, when such a problem told to a channel is over
 * (ALERT_RECOVERED). Nothing else (noise, small failure counts, a clean run) alerts. Deduplication:
 * per vendor/model/suite and channel, a change is sent once per epoch and stage (suspected, then
 * confirmed; a retraction names the night it withdraws and the epoch returned to); incomplete runs
 * at most once per cooldown; check failures when a check fails that the channel was not told
 * failing (the state's "V/M/S|failing|CHANNEL" entry, written by every alert that names failed
 * checks and narrowed by every night that judged them; the checks told before are marked "since").
 * Recovery (ALERT_RECOVERED, alert_recovery.c): a channel told that a run could not complete hears,
 * on the next dispatch of a completed run, that it is over, once; a channel told failing checks
 * hears it when every one of them passes again, once; a channel told nothing hears nothing.
 * They go before tonight's own alert, as their own messages; after a recovery told, a new
 * outage is news again within the cooldown. The state is
 * STATE_DIR/alerts/state.json, merged and rewritten atomically after each dispatch under an
 * flock (STATE_DIR/alerts/state.json.lock), so concurrent runs keep each other's entries.
 *
 * Delivery: each channel is tried with retries and exponential backoff (5xx, 429 with
 * Retry-After, network errors; other 4xx are final), bounded by timeout_ms per attempt, and
 * logged through log.h. A channel that failed is not marked as sent: the alert is kept in the
 * state's "pending" object and the next dispatch for the same vendor/model/suite sends it to that
 * channel first, marked late ("from night D, not delivered then"), whatever that night's own
 * event (a clean night too: publish_alerts dispatches ALERT_NONE for that). A newer alert of the
 * same kind replaces a pending one; a retraction goes only to the channels that accepted the
 * suspicion it withdraws (a pending suspicion and its retraction are both dropped). Secrets
 * (webhook URLs, HMAC keys, SMTP passwords) come from environment variables named in the config,
 * are read only when sending, wiped after use, and never appear in a log line, an error or a
 * message.
 *
 * Ownership: alerts_new borrows `section` for the call only (it copies what it keeps).
 *
 * Adding a channel (CONTRIBUTING.md lists every file): write harness/alert_<name>.c with
 * `const struct alert_ops alert_<name>` (designated initializers), declare it below, add it to
 * the registry in alert.c and to the output layer in CMakeLists.txt. A channel parses its own
 * keys (parse), turns an event into a payload without I/O (build, unit-tested in
 * tests/unit/test_alert_<name>.c), and either uses the generic HTTP POST (send == NULL) or
 * delivers through http_once (http.h) itself, as e-mail does. */
#ifndef PL_ALERT_H
#define PL_ALERT_H

#include "err.h"
#include "jsonx.h"
#include "sbuf.h"

#include <jansson.h>
#include <time.h>

enum alert_kind {
	ALERT_NONE = 0,	      /* a clean run: never alerts */
	ALERT_CHANGE,	      /* the detector decided the vendor changed */
	ALERT_CHECK_FAILURES, /* checks failed, no change detected */
	ALERT_INCOMPLETE,     /* the run could not complete (exit 3) */
	ALERT_RECOVERED,      /* a problem told to the channel is over (alert_recovery.c) */
	ALERT_TEST,	      /* `plumbline alert test`: always sent, never deduplicated */
};

/* What happened, as the run saw it. Every pointer is borrowed for the call; any may be NULL
 * unless marked. */
struct alert_event {
	enum alert_kind kind;
	const char *vendor; /* vendor id; MUST be set except for ALERT_TEST */
	const char *model;
	const char *suite;
	const char *const *signals; /* which signals moved: "answer length", "system_fingerprint" */
	size_t n_signals;
	double confidence; /* 0..1, how sure the detector is (ALERT_CHANGE) */
	int retracted;	   /* ALERT_CHANGE: last night's suspected change did not hold */
	/* ALERT_CHANGE: the detector's stage, "suspected" or "confirmed" (detect_stage_name);
	 * NULL = not told. A retraction is told by `retracted`. */
	const char *stage;
	/* A retraction: the night whose suspected change it withdraws ("2026-11-12"), named in
	 * the title and facts; NULL = not told. */
	const char *suspected_night;
	const char *epoch;	 /* the behaviour epoch the vendor is now in (detect.h) */
	const char *report_path; /* where the signed report is */
	const char *summary;	 /* one line, e.g. the run's printed summary */
	const char *reason;	 /* ALERT_INCOMPLETE: why ("vendor unreachable", "budget") */
	/* checks as evaluate.h counts them ((prompt, check) pairs), said with
	 * evaluate_checks_phrase */
	size_t checks_total, checks_failed, prompts_failed;
	/* requests as README "Requests are counted one way" counts them: planned, sent (answered +
	 * failed), answered, failed (errors) and not sent */
	size_t planned, requests, answers, errors, not_sent;
	/* the failed requests held against the vendor (report counts.vendor_faults): the
	 * night's availability is answers / (answers + vendor_faults), as the register's */
	size_t vendor_faults;
	/* The report's "what_changed" array (whatchanged.h), borrowed: what moved per prompt,
	 * rendered by every channel, never recomputed. */
	const json_t *what_changed;
	/* Tonight's failed checks, borrowed (NULL or empty: none named): objects {"prompt",
	 * "check", "pass", "judged", "min_pass_rate", and "baseline_pass" / "baseline_judged" when
	 * the baseline tells}, from evaluate_failed_checks. Every alert that has them names a few
	 * (alert_failed_checks_said); check-failure alerts are deduplicated on their set. A check
	 * with "since": "D" was already failing on night D, alerted then (alerts_dispatch marks
	 * them per channel). */
	const json_t *failed_checks;
	time_t when; /* 0 = now */
	/* An alert a channel did not accept on its night, sent again by a later run: that night
	 * ("2026-11-12"); the title then ends "(from night D, not delivered then)". NULL for
	 * tonight's alerts. */
	const char *late_night;
	/* ALERT_RECOVERED (alerts_dispatch makes these, the run never does): the problem that is
	 * over, ALERT_INCOMPLETE (the run completed again) or ALERT_CHECK_FAILURES (every check
	 * told failing passes again); the night it was first told ("2026-11-12"); and, for check
	 * failures, the checks that pass again, borrowed: objects {"prompt", "check", "since"}. */
	enum alert_kind problem;
	const char *since;
	const json_t *recovered_checks;
};

struct alerts;
struct alert_channel;

/* The generic request a channel's build produces (HTTP channels) or consumes (e-mail). */
struct alert_msg {
	struct sbuf body;      /* JSON for HTTP channels, RFC 5322 text for e-mail */
	struct sbuf headers;   /* extra header lines, each "Name: value\n" */
	char subject[256];     /* one line, for e-mail and logs */
	char content_type[64]; /* default "application/json" */
};

void alert_msg_init(struct alert_msg *m);
void alert_msg_release(struct alert_msg *m);
/* Appends root, serialised with jansson's dump flags, to m->body. Steals root. */
void alert_msg_add_json(struct alert_msg *m, json_t *root, size_t flags);

/* A channel's table of functions. */
struct alert_ops {
	const char *name; /* "slack", "teams", "webhook", "email": the config's "type"; MUST */
	/* Keys the channel accepts besides "type", "name", "on" (NULL-terminated); MUST. */
	const char *const *keys;
	/* Reads the channel's own keys from obj (already key-checked) into ch's fields; may be
	 * NULL. Returns 0 or -1 with err set (PL_E_INPUT, located). */
	int (*parse)(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		     const json_t *obj, struct pl_err *err);
	/* Frees what parse kept in ch->priv (NULL-safe); may be NULL when parse keeps nothing. */
	void (*release)(void *priv);
	/* Turns the event into m (body, extra headers, subject). Pure: no I/O, no secret other
	 * than ch->secret[] when the format signs with it. MUST be set. */
	int (*build)(const struct alert_channel *ch, const struct alert_event *ev, time_t now,
		     struct alert_msg *m, struct pl_err *err);
	/* Delivers m once (no retries: the caller retries). NULL = HTTP POST of m to ch->url.
	 * Returns 0, or -1 with err set; *retryable says whether another attempt may help and
	 * *retry_after_ms (may stay 0) what the server asked for. */
	int (*send)(const struct alert_channel *ch, const struct alert_msg *m, int *retryable,
		    long *retry_after_ms, struct pl_err *err);
};

extern const struct alert_ops alert_slack, alert_teams, alert_webhook, alert_email;

#define ALERT_MAX_SECRETS 2

/* One configured channel. Filled by alerts_new (config) and alerts_dispatch (secrets). What only
 * one channel type needs (e-mail's addresses, say) is that type's own state in priv. */
struct alert_channel {
	const struct alert_ops *ops;
	char *name;    /* "type" or the config's "name"; unique */
	char *url;     /* from "url" (non-secret) or, when sending, from url_env; wiped */
	char *url_env; /* variable that holds the URL (Slack/Teams: the URL is a secret) */
	char *ca_file; /* extra CA bundle for a private endpoint; may be NULL */
	/* Variables the channel's parse names for its other secrets (the webhook's HMAC key;
	 * e-mail's user name and password), NULL where unused; secret[i] holds secret_env[i]'s
	 * value only while sending (wiped after), and a missing variable is an error. */
	char *secret_env[ALERT_MAX_SECRETS];
	char *secret[ALERT_MAX_SECRETS];
	void *priv; /* the type's own parsed settings; freed by ops->release */
	/* which kinds this channel receives (bit 1 << kind); default all */
	unsigned kinds;
	char *report_url_base; /* copied from the section; may be NULL */
	long timeout_ms;       /* per attempt, from the section */
};

/* Validates the "alerts" section (borrowed; NULL = no alerts) strictly and returns a new
 * struct alerts, or NULL with err set (PL_E_INPUT, "FILE:LINE:COL: alerts.channels[1].type:
 * unknown channel type \"slak\" (expected slack, teams, webhook or email)"). */
struct alerts *alerts_new(const struct jsonloc *loc, const char *pointer, const json_t *section,
			  struct pl_err *err);
void alerts_free(struct alerts *a); /* NULL-safe; wipes secrets */

size_t alerts_count(const struct alerts *a);
const struct alert_channel *alerts_channel(const struct alerts *a, size_t i);

/* Turns channel i on or off for the following dispatches (all start on); `alert test
 * --channel NAME` uses it. */
void alerts_enable(struct alerts *a, size_t i, int on);

/* Reports, by variable name, the first channel secret missing from the environment
 * (PL_E_INPUT), so `plumbline check` can tell before a night's run. Reads no more than it must;
 * wipes what it read. */
int alerts_check_env(const struct alerts *a, struct pl_err *err);
/* The URL a channel's url_env holds, when it is set, as the sender would check it (an unset
 * variable is no error here): `plumbline check` and `doctor` refuse a bad one before a night
 * needs it, naming the variable, never its value. */
int alert_channel_check_url(const struct alert_channel *ch, struct pl_err *err);
int alerts_check_urls(const struct alerts *a, struct pl_err *err);

/* 1 if the event deserves an alert under the section's thresholds (before deduplication). A
 * change below min_confidence (not a retraction) still deserves one when its failed checks meet
 * min_failed_checks and min_failed_fraction: alerts_dispatch then sends it as ALERT_CHECK_FAILURES
 * (that kind's channels, dedup key and cooldown). */
int alerts_wanted(const struct alerts *a, const struct alert_event *ev);

/* Per channel outcome of one dispatch. */
enum alert_outcome {
	ALERT_SENT = 0,
	ALERT_SKIPPED_NOT_WANTED, /* below thresholds, or the channel does not take this kind */
	ALERT_SKIPPED_DUPLICATE,  /* already sent for this epoch / within the cooldown */
	ALERT_FAILED,		/* every attempt failed (logged), tonight's or a pending alert's */
	ALERT_SKIPPED_NOT_TOLD, /* a retraction of a suspicion the channel never accepted */
};

/* Decides, deduplicates and delivers ev to every channel. state_dir holds the dedup state
 * (NULL: no deduplication). Returns 0 when every wanted channel delivered or was skipped; -1
 * with err set (PL_E_VENDOR naming the channel by name, never its URL) when a channel failed
 * after its retries, or the state could not be written (PL_E_IO). When several channels failed,
 * err names every one of them: "2 alert channels failed (\"slack\", \"teams\"): \"slack\":
 * delivery failed: HTTP 500 (after 4 attempts); \"teams\": ...". The other channels are still
 * tried: a failing channel never stops the rest. */
int alerts_dispatch(struct alerts *a, const struct alert_event *ev, const char *state_dir,
		    struct pl_err *err);
/* The outcome of the last dispatch for channel i (ALERT_SKIPPED_NOT_WANTED before any), and
 * how many attempts it took (0 when skipped). */
enum alert_outcome alerts_outcome(const struct alerts *a, size_t i, int *attempts);
/* How many deliveries to channel i failed over every dispatch of a (metrics). */
size_t alerts_failures(const struct alerts *a, size_t i);

/* Helpers shared by the channels. */
const char *alert_kind_name(enum alert_kind k); /* "change", "check_failures", ... */
/* The event a receiver tells apart: the kind's name, but "retraction" for a retracted change
 * (the webhook's X-Plumbline-Event and "event", e-mail's X-Plumbline-Event). */
const char *alert_event_name(const struct alert_event *ev);
/* A change's stage: "retracted" when ev->retracted, else ev->stage; NULL for other kinds or
 * when not told. */
const char *alert_stage(const struct alert_event *ev);
/* The night's availability, as the register counts it: answers / (answers + vendor_faults);
 * -1 when nothing was sent. */
double alert_availability(const struct alert_event *ev);
/* The one-line title: "plumbline: acme/gpt-x changed on suite core (confidence 0.97)". */
void alert_title(const struct alert_event *ev, char *buf, size_t len);
/* The night ev is about: the NIGHT of its report path (REPORTS/NIGHT/FILE), else the UTC date
 * of ev->when (now when 0). */
void alert_night(const struct alert_event *ev, time_t now, char *buf, size_t len);
/* "2026-11-27T09:38:03Z" for t. */
void alert_time(time_t t, char *buf, size_t len);
/* The link to the report when the section sets report_url_base, else NULL: the base joined
 * (one '/') with the report's path under the reports folder, NIGHT/FILE, percent-encoded;
 * never the local directory the reports folder is in. Returned string is the caller's. */
char *alert_report_url(const struct alert_channel *ch, const struct alert_event *ev);

/* For the HTTP channels' parse: reads "url" / "url_env" (exactly one) and "ca_file". With
 * secret_urls, "url" is refused (Slack and Teams URLs carry their secret in the path). */
int alert_parse_url(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		    const json_t *obj, int secret_urls, struct pl_err *err);
/* How many failed checks a message names before "+N more". */
#define ALERT_CHECKS_SHOWN 5
/* Appends ev's failed checks in words, new ones first, at most ALERT_CHECKS_SHOWN, then
 * "+N more": "product-json json_schema#1: 0% passed tonight (0 of 10), baseline 100% (10 of
 * 10); capital-fr regex#2: 40% passed tonight (4 of 10), needs 100% (failing since
 * 2026-03-01); +3 more". Nothing when there are none. Raw: escape to show. */
void alert_failed_checks_said(const struct alert_event *ev, struct sbuf *out);
/* Appends the checks a recovery names (ev->recovered_checks) in words, at most
 * ALERT_CHECKS_SHOWN, then "+N more": "capital-fr regex#2 (failing since 2026-03-01)". Raw. */
void alert_recovered_checks_said(const struct alert_event *ev, struct sbuf *out);
/* Appends the channel-neutral facts of ev (vendor, model, suite, confidence, epoch, checks,
 * requests/errors) as {label, value} pairs to arr (a JSON array of 2-element arrays); only
 * the facts that are set. */
void alert_facts(const struct alert_event *ev, json_t *arr);

/* Generic webhook signing (Stripe's scheme): the header value is "t=TS,v1=HEX" with HEX the
 * lower-case HMAC-SHA256 under secret of "TS.BODY". alert_webhook_verify returns 0 when header
 * carries a valid v1 signature of body made within tolerance_s of now, -1 otherwise; the
 * comparison is constant-time. Receivers may copy it. */
void alert_webhook_sign(const char *secret, long long ts, const char *body, size_t len,
			char hex[65]);
int alert_webhook_verify(const char *secret, const char *header, const char *body, size_t len,
			 time_t now, long tolerance_s);

#endif
