/* runner.h: sends a plan's requests through the probes over HTTP (libcurl multi, one event
 * loop for every vendor), with per-vendor concurrency, rate limits, retries with backoff and
 * jitter that honour Retry-After, a circuit breaker for vendors that are down, run budgets, and
 * a cap on response size. Each finished request is appended to the journal at once.
 *
 * One failing prompt or vendor does not stop the others. The runner never decides "changed":
 * it only collects answers and faults. It prints nothing; progress goes through a callback.
 *
 * Behaviour, per vendor (struct vendor):
 *  - at most `concurrency` requests in flight (halved on 429/overload, regained slowly);
 *    rpm/tpm token buckets (ratelimit.h): tokens are estimated before sending (see
 *    runner_estimate_tokens) and corrected from the answer's usage; x-ratelimit-* and
 *    anthropic-ratelimit-* headers pause or spread the requests when they run low;
 *  - retryable faults (probe_fault_retryable) are retried up to `retries` times after a full
 *    jitter backoff (up to base * 2^(attempt-1)), never sooner than the answer's Retry-After,
 *    never later than backoff_max_ms; the journal records the attempts;
 *  - a circuit breaker per vendor for every outage class (connect, DNS, TLS, reset, empty
 *    reply, timeout, 5xx, 503/529 overload; not 429, not 4xx): the circuit opens after
 *    circuit_threshold consecutive connection failures, or outage_threshold consecutive
 *    outage-class failures, or 5 of them in a row spanning at least a probe interval (slow
 *    timeouts). While it is open the vendor sends nothing but one probe request every
 *    vendor->probe_interval_s (the items that were retrying wait, keeping their place); the
 *    first answer that is not an outage fault closes it and the night goes on where it
 *    stopped (waiting items get their retries afresh). When the circuit has been open for
 *    vendor->max_outage_s (0: at once) the vendor gives up: waiting items are journaled with
 *    their last fault, its remaining items without being sent ("vendor unreachable (circuit
 *    open)" for connection failures, "not sent: vendor outage (circuit open)" with the
 *    outage's fault class otherwise); stats say what was seen (struct runner_outage) and why
 *    (stop_reason). The other vendors go on;
 *  - every wait has a cap: a rate-limit pause longer than vendor->max_wait_s (default 300 s)
 *    gives the vendor up at once (its remaining items "not sent: rate-limit wait over
 *    max_wait"), and so does the vendor's own wall-clock budget vendor->max_duration_s
 *    ("not sent: vendor max_duration reached"); the run's max_duration_s is a budget;
 *  - items journal_done already holds are skipped (stats->skipped_resumed);
 *  - a prompt with a seed sends seed + sample index; without one, no seed is sent.
 * Memory: the runner holds one request and one answer per concurrency slot, never the plan's
 * answers. */
#ifndef PL_RUNNER_H
#define PL_RUNNER_H

#include "err.h"
#include "journal.h"
#include "plan.h"

#include <time.h>

struct runner_progress {
	size_t done, total, errors, retries;
	double elapsed_s;
};

struct runner_opts {
	const char *record_dir; /* --record: save raw exchanges (no credentials); may be NULL */
	/* --replay: answer every request from the recordings in this directory instead of the
	 * network (see record.h); may be NULL. A request with no recording is a network fault. */
	const char *replay_dir;
	/* Budgets for the whole run; 0 = none. Reaching one stops sending, lets what is in
	 * flight finish, and sets stats->budget_hit. */
	long max_requests;
	long max_tokens;
	double max_cost;
	double max_duration_s; /* wall clock, seconds from the start of the run */
	/* Called at most every 200 ms and at the end; may be NULL. */
	void (*progress)(void *ctx, const struct runner_progress *p);
	void *progress_ctx;
	/* Tuning, mostly for tests; 0 = default. */
	long backoff_base_ms;	 /* first retry waits up to this (full jitter); default 500 */
	long backoff_max_ms;	 /* cap on any retry wait, Retry-After included; default 30000 */
	unsigned long long seed; /* jitter PRNG seed; 0: from the clock */
	int circuit_threshold;	 /* consecutive connection failures that open a vendor's circuit;
				    default 5 */
	int outage_threshold;	 /* consecutive outage-class failures (any kind) that open it;
				    default 20 */
	int auth_threshold;	 /* consecutive auth faults (401/403) with no answer between
				    them that stop the vendor; default 3 */
	/* Called once for each item whose final record (an answer or a final fault, including
	 * "vendor unreachable" for items of a vendor whose circuit opened) has just been appended
	 * to the journal, with the item's plan index; the answer is borrowed for the call. Items
	 * skipped because the journal already held them (resume) and items never sent (budget
	 * stop) are not reported. Called synchronously from inside runner_run (one thread),
	 * in journal order. attempts is the journal's: how many times the item was sent; 0 with
	 * a fault: given up without being sent (the vendor stopped or was declared down). May be
	 * NULL. */
	void (*on_final)(void *ctx, size_t item, int attempts, const struct probe_answer *a);
	void *final_ctx;
	/* Called once per turn of the event loop, after the turn's new requests went out and
	 * before waiting for answers: the place for work on the answers (judging them), so it
	 * never holds back a request. on_final should only take note. May be NULL. */
	void (*on_idle)(void *ctx);
	void *idle_ctx;
	/* Finds the probe for a vendor's "probe" name; NULL: probe_find. */
	const struct probe_ops *(*probe_lookup)(const char *name);
};

/* What a vendor's circuit breaker saw. Times are wall clock (UTC seconds). */
struct runner_outage {
	int opened;	   /* times the circuit opened; 0: no outage */
	int recovered;	   /* the vendor answered again after the last opening */
	char kind[32];	   /* "overloaded" (503, 529), "server_error" (other 5xx), "timeout",
			      "connect", "dns", "tls", "reset", "empty_reply", "network" */
	long status;	   /* HTTP status of the first failure; 0: a transport failure */
	char message[200]; /* the first failure's vendor message, redacted; may be "" */
	time_t first_seen; /* first failure of the outage */
	time_t last_seen;  /* last failure seen (probes included) */
	double open_s;	   /* seconds the circuit was open, in total */
	size_t probes;	   /* half-open probe requests sent */
	size_t not_sent;   /* items given up without being sent because of it */
};

/* The faults of one class (enum probe_fault) a vendor's items ended with. */
struct runner_fault_class {
	size_t n;	   /* items journaled with this fault (given up without sending too) */
	long status;	   /* HTTP status of the first one sent; 0: a transport failure */
	char message[200]; /* its vendor or libcurl message, redacted; "" when none was sent */
};

#define RUNNER_FAULT_CLASSES (PROBE_FAULT_STREAM + 1)

struct runner_vendor_stats {
	const char *vendor; /* borrowed id */
	/* An item is one planned request; an attempt one HTTP request. requests: attempts
	 * (outage probes included); answers: items answered; retries: attempts after an item's
	 * first, so items sent = answers + faults - unreachable = requests - retries. */
	size_t requests, answers, retries;
	size_t faults; /* items journaled with a fault, the unreachable ones (below) included */
	size_t unreachable; /* items journaled without being sent (the vendor was given up) */
	long prompt_tokens, completion_tokens;
	double cost;
	int circuit_open; /* the vendor was declared down (its outage outlasted max_outage) */
	struct runner_outage outage;
	char stop_reason[256]; /* why the vendor's remaining items were not sent; "" when none */
	/* The auth circuit: auth_threshold auth faults in a row with no answer stop the vendor
	 * (its remaining items "not sent: authentication failed", fault auth) and stop_reason
	 * says "authentication failed (HTTP 401 from HOST): check VAR" (the api_key_env name,
	 * never the key). After an auth fault, and until the vendor's first answer that is not
	 * one (for 2 s at most: a real answer may take long), it has one request in flight, so a
	 * wrong key costs a few requests. */
	int auth_failed;
	struct runner_fault_class by_fault[RUNNER_FAULT_CLASSES]; /* by enum probe_fault */
};

/* The fault class most of the vendor's failed items ended with, and its first message:
 * "network (connection failed: Could not resolve host: api.example.invalid)" or
 * "auth (HTTP 401: Incorrect API key provided)"; "" when no item failed. */
const char *runner_fault_describe(const struct runner_vendor_stats *vs, char *buf, size_t len);
/* That class; PROBE_OK when no item failed. */
enum probe_fault runner_main_fault(const struct runner_vendor_stats *vs);

/* "vendor outage: HTTP 529 overloaded from 14:02:11 to 14:06:40 (circuit open, 9600 requests
 * not sent)" or "... (recovered after 3 probes)" (times UTC); "" when o->opened is 0. */
const char *runner_outage_describe(const struct runner_outage *o, char *buf, size_t len);

struct runner_stats {
	size_t planned, sent, answered, faults, skipped_resumed, unreachable;
	int budget_hit; /* a budget stopped the run early */
	char budget_reason[128];
	struct runner_vendor_stats *vendors; /* one per plan vendor; owned */
	size_t n_vendors;
	double wall_s;
};

/* Runs every plan item not already done in the journal. Returns 0 when the run went through
 * (individual faults are in the journal and stats), -1 with err set when it could not run at
 * all (e.g. libcurl could not start). */
int runner_run(const struct plan *p, struct journal *j, const struct runner_opts *o,
	       struct runner_stats *st, struct pl_err *err);
void runner_stats_release(struct runner_stats *st);

/* What a run would cost, for `run --dry-run`. Sends nothing. */
struct runner_vendor_estimate {
	const char *vendor; /* borrowed id */
	size_t requests;
	long prompt_tokens, completion_tokens; /* estimated: prompt chars / 4, max_tokens (or 256)
						*/
	double cost;			       /* from the vendor's prices; 0 when unknown */
	int cost_known;			       /* the vendor has prices (config "prices") */
	double duration_s; /* at the vendor's rpm / tpm, else at concurrency x 1 s per answer */
};

struct runner_estimate {
	struct runner_vendor_estimate *vendors; /* one per plan vendor; owned */
	size_t n_vendors;
	size_t requests;
	long tokens;
	double cost;	   /* of the vendors with prices */
	size_t unpriced;   /* vendors without prices: their cost is unknown */
	double duration_s; /* vendors run in parallel: the slowest one */
};

/* Fills e for the items of p that are not already done in j (j may be NULL). Returns 0. */
int runner_dry_run(const struct plan *p, const struct journal *j, struct runner_estimate *e);
void runner_estimate_release(struct runner_estimate *e);

/* Token estimate the runner charges a request before it is answered (rate limits, budgets):
 * about four characters per token for the messages, plus max_tokens (256 when unset). */
long runner_estimate_tokens(const struct prompt *pr, long *prompt_tokens, long *completion_tokens);

#endif
