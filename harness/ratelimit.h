/* ratelimit.h: per-vendor pacing: token buckets for requests and tokens per minute, and
 * adaptive slow-down from 429 answers and the vendors' rate-limit headers
 * (x-ratelimit-remaining-*, x-ratelimit-reset-*, anthropic-ratelimit-*).
 *
 * Pure arithmetic over a caller-supplied clock (`now`, seconds, monotonic), so it is testable
 * without sleeping. The buckets hold at most ~50 ms of capacity (at least one request), so the
 * rate a server observes is the configured one, with no start-up burst. A request whose token
 * estimate exceeds the bucket may go when the bucket is full and leaves it in debt: over time
 * the configured tokens per minute still hold. */
#ifndef PL_RATELIMIT_H
#define PL_RATELIMIT_H

#include "probe.h"

struct ratelimit {
	double rpm, tpm;	     /* configured; 0 = unlimited */
	double req_level, tok_level; /* bucket contents (tok_level may be negative: debt) */
	double req_cap, tok_cap;
	double last;	      /* time of the last refill */
	double factor;	      /* adaptive multiplier on rpm and tpm, in [0.05, 1] */
	double slots;	      /* adaptive cap on requests in flight, in [1, max_slots] */
	int max_slots;	      /* the configured concurrency */
	double pause_until;   /* nothing is sent before this */
	double last_cut;      /* time of the last multiplicative decrease */
	double pace_interval; /* from headers: at least this long between sends... */
	double pace_until;    /* ...until then */
	double last_send;
	double asked_until; /* the longest wait the headers asked for, uncapped (see max_wait) */
	long n_429;	    /* 429 answers seen */
	long n_pauses;	    /* pauses ordered by headers or 429s */
};

/* rpm / tpm 0: unlimited. concurrency >= 1. */
void ratelimit_init(struct ratelimit *rl, double rpm, double tpm, int concurrency, double now);
/* Seconds to wait before a request estimated at est_tokens may be sent; 0: now. */
double ratelimit_delay(struct ratelimit *rl, double now, double est_tokens);
/* How many requests may be in flight now (adaptive, <= concurrency). */
int ratelimit_slots(const struct ratelimit *rl);
/* Accounts for a request being sent now. */
void ratelimit_take(struct ratelimit *rl, double now, double est_tokens);
/* Corrects the token bucket once the real usage is known (actual < 0: unknown, no change). */
void ratelimit_settle(struct ratelimit *rl, double est_tokens, double actual_tokens);
/* A 429 (or throttling) answer: halve the rate and the concurrency (at most once a second)
 * and pause for retry_after_s (or half a second when the vendor did not say). */
void ratelimit_on_429(struct ratelimit *rl, double now, double retry_after_s);
/* A successful answer: recover rate and concurrency slowly (additive increase). */
void ratelimit_on_success(struct ratelimit *rl);
/* Reads the remaining/limit/reset headers of an answer and paces the vendor when they run low.
 * Requests: none left -> pause until the reset; under 20% of the limit left -> spread what is
 * left evenly over the time to the reset. Tokens: only none left -> pause until the reset (a
 * request spends many tokens, so spreading by the count helps little; the tpm bucket and the
 * 429 slow-down pace by tokens). */
void ratelimit_on_headers(struct ratelimit *rl, double now, const struct probe_header *h, size_t n);

/* Seconds the vendor's headers asked the next request to wait, before the 120 s cap on a
 * pause (a reset of "999999h" asks for 3.6e9 s): the runner gives the vendor up when it is
 * over max_wait; 0 when nothing is asked. */
double ratelimit_asked_wait(const struct ratelimit *rl, double now);

/* Parses an OpenAI reset duration ("1s", "6m0s", "20ms", "1h2m3.5s") into seconds;
 * -1 if it is not one. */
double ratelimit_parse_duration(const char *s);

#endif
