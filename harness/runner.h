/* runner.h: sends a plan's requests through the probes over HTTP (libcurl multi, one event
 * loop for every vendor), with per-vendor concurrency, rate limits, retries with backoff and
 * jitter that honour Retry-After, a circuit breaker for vendors that are down, run budgets, and
 * a cap on response size. Each finished request is appended to the journal at once.
 *
 * One failing prompt or vendor does not stop the others. The runner never decides "changed":
 * it only collects answers and faults. It prints nothing; progress goes through a callback. */
#ifndef PL_RUNNER_H
#define PL_RUNNER_H

#include "err.h"
#include "journal.h"
#include "plan.h"

struct runner_progress {
	size_t done, total, errors, retries;
	double elapsed_s;
};

struct runner_opts {
	const char *record_dir; /* --record: save raw exchanges (no credentials); may be NULL */
	/* Budgets for the whole run; 0 = none. Reaching one stops sending, lets what is in
	 * flight finish, and sets stats->budget_hit. */
	long max_requests;
	long max_tokens;
	double max_cost;
	/* Called at most every 200 ms and at the end; may be NULL. */
	void (*progress)(void *ctx, const struct runner_progress *p);
	void *progress_ctx;
};

struct runner_vendor_stats {
	const char *vendor; /* borrowed id */
	size_t requests, answers, faults, retries, unreachable;
	long prompt_tokens, completion_tokens;
	double cost;
	int circuit_open; /* the vendor was declared down */
};

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

/* What a plan will cost at the configured limits, for `run --dry-run`. Sends nothing. */
struct runner_vendor_estimate {
	const char *vendor; /* borrowed id */
	size_t requests;
	long tokens;	   /* estimated prompt + completion tokens */
	double cost;	   /* from the vendor's price table; 0 when unknown */
	double duration_s; /* at the vendor's concurrency, rpm and tpm limits */
};

struct runner_estimate {
	struct runner_vendor_estimate *vendors; /* one per plan vendor; owned */
	size_t n_vendors;
};

void runner_dry_run(const struct plan *p, struct runner_estimate *est);
void runner_estimate_release(struct runner_estimate *est);

#endif
