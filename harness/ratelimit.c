/* ratelimit.c: token buckets and adaptive pacing for one vendor (see ratelimit.h). */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BURST_S	      0.05 /* bucket capacity, in seconds of rate */
#define MIN_FACTOR    0.05
#define LOW_FRACTION  0.2
#define DEFAULT_PAUSE 0.5
#define MAX_PAUSE     120.0
#define EPS	      1e-6

static double max2(double a, double b)
{
	return a > b ? a : b;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

void ratelimit_init(struct ratelimit *rl, double rpm, double tpm, int concurrency, double now)
{
	memset(rl, 0, sizeof(*rl));
	rl->rpm = rpm > 0 ? rpm : 0;
	rl->tpm = tpm > 0 ? tpm : 0;
	rl->req_cap = max2(1.0, rl->rpm / 60.0 * BURST_S);
	rl->tok_cap = max2(1.0, rl->tpm / 60.0 * BURST_S);
	rl->req_level = rl->req_cap;
	rl->tok_level = rl->tok_cap;
	rl->last = now;
	rl->factor = 1.0;
	rl->max_slots = concurrency > 0 ? concurrency : 1;
	rl->slots = rl->max_slots;
	rl->last_cut = -1e9;
	rl->last_send = -1e9;
}

static void refill(struct ratelimit *rl, double now)
{
	double dt = now - rl->last;

	if (dt <= 0)
		return;
	rl->last = now;
	if (rl->rpm > 0)
		rl->req_level = min2(rl->req_cap, rl->req_level + dt * rl->rpm * rl->factor / 60.0);
	if (rl->tpm > 0)
		rl->tok_level = min2(rl->tok_cap, rl->tok_level + dt * rl->tpm * rl->factor / 60.0);
}

double ratelimit_delay(struct ratelimit *rl, double now, double est_tokens)
{
	double d = 0, need;

	refill(rl, now);
	if (rl->pause_until > now + EPS)
		d = rl->pause_until - now;
	/* EPS: a level a rounding error short of the need is enough (else we spin on 1e-17 s). */
	if (rl->rpm > 0 && rl->req_level < 1.0 - EPS)
		d = max2(d, (1.0 - rl->req_level) * 60.0 / (rl->rpm * rl->factor));
	if (rl->tpm > 0) {
		need = min2(est_tokens > 0 ? est_tokens : 1.0, rl->tok_cap);
		if (rl->tok_level < need - EPS)
			d = max2(d, (need - rl->tok_level) * 60.0 / (rl->tpm * rl->factor));
	}
	if (rl->pace_until > now && rl->last_send + rl->pace_interval > now + EPS)
		d = max2(d, rl->last_send + rl->pace_interval - now);
	return d;
}

double ratelimit_asked_wait(const struct ratelimit *rl, double now)
{
	return max2(0, rl->asked_until - now);
}

int ratelimit_slots(const struct ratelimit *rl)
{
	int s = (int)rl->slots;

	return s < 1 ? 1 : s;
}

void ratelimit_take(struct ratelimit *rl, double now, double est_tokens)
{
	refill(rl, now);
	if (rl->rpm > 0)
		rl->req_level -= 1.0;
	if (rl->tpm > 0)
		rl->tok_level -= est_tokens > 0 ? est_tokens : 1.0;
	rl->last_send = now;
}

void ratelimit_settle(struct ratelimit *rl, double est_tokens, double actual_tokens)
{
	if (rl->tpm <= 0 || actual_tokens < 0)
		return;
	if (est_tokens <= 0)
		est_tokens = 1.0;
	rl->tok_level = min2(rl->tok_cap, rl->tok_level + est_tokens - actual_tokens);
}

/* What the vendor asked for, before any cap: the runner gives up past max_wait. */
static void asked(struct ratelimit *rl, double now, double s)
{
	rl->asked_until = max2(rl->asked_until, now + s);
}

static void pause_for(struct ratelimit *rl, double now, double s)
{
	s = min2(s, MAX_PAUSE);
	if (now + s > rl->pause_until) {
		rl->pause_until = now + s;
		rl->n_pauses++;
	}
}

void ratelimit_on_429(struct ratelimit *rl, double now, double retry_after_s)
{
	rl->n_429++;
	/* Answers to requests sent before the first cut say nothing new: cut once a second. */
	if (now - rl->last_cut >= 1.0) {
		rl->last_cut = now;
		rl->factor = max2(MIN_FACTOR, rl->factor * 0.5);
		rl->slots = max2(1.0, rl->slots * 0.5);
		/* Whatever the bucket held was too much: start it empty. */
		if (rl->rpm > 0)
			rl->req_level = min2(rl->req_level, 0);
		if (rl->tpm > 0)
			rl->tok_level = min2(rl->tok_level, 0);
	}
	if (retry_after_s > 0)
		asked(rl, now, retry_after_s);
	pause_for(rl, now, retry_after_s > 0 ? retry_after_s : DEFAULT_PAUSE);
}

void ratelimit_on_success(struct ratelimit *rl)
{
	rl->factor = min2(1.0, rl->factor + 0.02);
	rl->slots = min2((double)rl->max_slots, rl->slots + 1.0 / rl->slots);
}

double ratelimit_parse_duration(const char *s)
{
	double total = 0, v;
	char *end;
	int any = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		if (!strncmp(s, "ms", 2)) {
			total += v / 1000.0;
			s += 2;
		} else if (*s == 's') {
			total += v;
			s++;
		} else if (*s == 'm') {
			total += v * 60.0;
			s++;
		} else if (*s == 'h') {
			total += v * 3600.0;
			s++;
		} else if (!*s && !any) {
			total += v; /* a bare number: seconds */
		} else {
			return -1;
		}
		any = 1;
	}
	return total;
}

/* Seconds from now until an RFC 3339 UTC time ("2024-04-16T12:00:00Z"); -1 if unparsable. */
static double until_rfc3339(const char *s)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	t = timegm(&tm);
	return max2(0, difftime(t, time(NULL)));
}

static double reset_seconds(const char *v)
{
	double d;

	if (!v)
		return -1;
	d = ratelimit_parse_duration(v);
	if (d >= 0)
		return d;
	return until_rfc3339(v);
}

static double num(const char *v)
{
	char *end;
	double d;

	if (!v)
		return -1;
	d = strtod(v, &end);
	return end == v ? -1 : d;
}

static void pace(struct ratelimit *rl, double now, double remaining, double limit, double reset)
{
	if (remaining < 0)
		return;
	if (reset < 0)
		reset = 1.0;
	if (remaining < 1) {
		asked(rl, now, reset);
		pause_for(rl, now, reset);
		return;
	}
	if (limit > 0 && remaining < limit * LOW_FRACTION && reset > 0) {
		asked(rl, now, reset / remaining);
		rl->pace_interval =
			max2(rl->pace_interval * (rl->pace_until > now), reset / remaining);
		rl->pace_until = now + reset;
	}
}

void ratelimit_on_headers(struct ratelimit *rl, double now, const struct probe_header *h, size_t n)
{
	const char *rr, *rl_, *rs;

	rr = probe_header_get(h, n, "x-ratelimit-remaining-requests");
	if (!rr)
		rr = probe_header_get(h, n, "anthropic-ratelimit-requests-remaining");
	rl_ = probe_header_get(h, n, "x-ratelimit-limit-requests");
	if (!rl_)
		rl_ = probe_header_get(h, n, "anthropic-ratelimit-requests-limit");
	rs = probe_header_get(h, n, "x-ratelimit-reset-requests");
	if (!rs)
		rs = probe_header_get(h, n, "anthropic-ratelimit-requests-reset");
	if (rr)
		pace(rl, now, num(rr), num(rl_), reset_seconds(rs));

	rr = probe_header_get(h, n, "x-ratelimit-remaining-tokens");
	if (!rr)
		rr = probe_header_get(h, n, "anthropic-ratelimit-tokens-remaining");
	rs = probe_header_get(h, n, "x-ratelimit-reset-tokens");
	if (!rs)
		rs = probe_header_get(h, n, "anthropic-ratelimit-tokens-reset");
	/* A request needs many tokens, so spreading them out helps little: pause when none are
	 * left. */
	if (rr && num(rr) >= 0 && num(rr) < 1) {
		asked(rl, now, reset_seconds(rs) >= 0 ? reset_seconds(rs) : 1.0);
		pause_for(rl, now, reset_seconds(rs) >= 0 ? reset_seconds(rs) : 1.0);
	}
}
