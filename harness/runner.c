/* runner.c: sends a plan through the probes in one event loop (see runner.h): per-vendor job
 * slots, pacing (ratelimit.c), retries with full-jitter backoff, circuit breaker, budgets,
 * record/replay (record.c), and one journal line per finished item. */
#include "runner.h"
#include "http.h"
#include "ratelimit.h"
#include "record.h"
#include "redact.h"
#include "rng.h"
#include "sbuf.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_BACKOFF_BASE_MS 500
#define DEFAULT_BACKOFF_MAX_MS	30000
#define DEFAULT_CIRCUIT		5
#define DEFAULT_OUTAGE		20
#define DEFAULT_AUTH		3
#define WARMUP_S		2.0 /* a vendor's first request goes alone this long at most */
#define SLOW_STREAK		5   /* failures in a row that open it when they span an interval */
#define DEFAULT_MAX_WAIT_S	300.0
#define DEFAULT_PROBE_S		30.0
#define DEFAULT_MAX_TOKENS	256
#define PROGRESS_EVERY_S	0.2
#define UNREACHABLE_MSG		"vendor unreachable (circuit open)"
#define OUTAGE_MSG		"not sent: vendor outage (circuit open)"
#define WAIT_MSG		"not sent: rate-limit wait over max_wait"
#define DURATION_MSG		"not sent: vendor max_duration reached"
#define AUTH_MSG		"not sent: authentication failed"

enum job_state {
	JOB_FREE,    /* no item */
	JOB_PENDING, /* item assigned, request built, to send at `wake` (0: as soon as allowed) */
	JOB_RUNNING, /* on the wire */
};

struct vstate;

/* One concurrency slot of a vendor. Its buffers are reused from item to item. */
struct job {
	enum job_state state;
	struct vstate *v;
	size_t item;	     /* plan index */
	struct plan_item it; /* what item is, from the vendor's group cursor */
	int attempts;
	double wake;
	long est_tokens;
	double est_cost;
	struct probe_prompt pp;
	struct probe_message *msgs;
	size_t cap_msgs;
	struct probe_request rq;
	struct probe_answer last; /* the last retryable fault, journaled if no retry happens */
	int has_last;
	int base_attempts; /* attempts made before the vendor's circuit last closed */
	int probe;	   /* this request is the half-open probe */
	double sent_at;
	struct http_xfer *x;
};

struct vstate {
	const struct vendor *vendor;
	const struct probe_ops *ops;
	struct probe_target target;
	struct http_opts hopts;
	struct ratelimit rl;
	struct job *jobs;
	size_t n_jobs;
	size_t group;  /* plan group holding the next item to look at (n_groups: none left) */
	size_t cursor; /* next plan item to look at */
	size_t in_flight;
	int consec_conn_fail;
	int consec_fail;	   /* outage-class failures in a row (any attempt) */
	double streak_start;	   /* when the first request of that streak was sent */
	struct runner_outage cand; /* the streak so far: becomes the outage if it opens */
	int circuit_open;
	double open_at, probe_at;
	int probing;	   /* the half-open probe is on the wire */
	int gave_up;	   /* remaining items were journaled without being sent */
	int heard;	   /* a request came back with something other than an auth fault */
	double first_sent; /* when the vendor's first request went out (0: none yet) */
	int auth_streak;   /* auth faults in a row with no answer between them */
	struct runner_vendor_stats *st;
};

struct run {
	const struct plan *p;
	struct journal *j;
	const struct runner_opts *o;
	struct runner_stats *st;
	struct http *h;
	struct vstate *vs;
	size_t nv;
	uint64_t rng;
	int stop;   /* a budget was reached: send nothing more */
	int failed; /* a fatal error (journal, recording) is in err */
	struct pl_err *err;
	double t0, last_progress;
	long requests_sent;
	long tokens_used, tokens_in_flight;
	double cost_used, cost_in_flight;
	size_t done, errors, retries;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: small, seedable, good enough for jitter. */
static double jitter_unit(uint64_t *s)
{
	return (double)(rng_splitmix64(s) >> 11) / 9007199254740992.0;
}

long runner_estimate_tokens(const struct prompt *pr, long *prompt_tokens, long *completion_tokens)
{
	size_t i, chars = 0;
	long pt, ct;

	for (i = 0; i < pr->n_messages; i++)
		chars += strlen(pr->messages[i].content) + 4;
	pt = (long)(chars / 4) + 1;
	ct = pr->max_tokens > 0 ? pr->max_tokens : DEFAULT_MAX_TOKENS;
	if (prompt_tokens)
		*prompt_tokens = pt;
	if (completion_tokens)
		*completion_tokens = ct;
	return pt + ct;
}

/* Token sums saturate at LONG_MAX: counts are clamped (probe_answer_clamp), but a run adds
 * many of them and the budget check must never wrap to a small or negative figure. */
static long sat_add(long a, long b)
{
	if (b > 0 && a > LONG_MAX - b)
		return LONG_MAX;
	if (b < 0 && a < LONG_MIN - b)
		return LONG_MIN;
	return a + b;
}

/* Copies s into a fixed field, control characters replaced, cut at a character boundary. */
static void copy_message(char *dst, size_t len, const char *s)
{
	size_t i, n = 0;

	for (i = 0; s && s[i] && n + 1 < len; i++)
		dst[n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	while (n > 0 && n + 1 >= len && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && n + 1 >= len && (unsigned char)dst[n - 1] >= 0xc0)
		n--;
	dst[n] = '\0';
}

/* Keeps the first message of each fault class the vendor sent (the answer is redacted):
 * the incomplete reason quotes it. */
static void note_fault(struct vstate *v, const struct probe_answer *a)
{
	struct runner_fault_class *fc;

	if (a->fault == PROBE_OK || (size_t)a->fault >= RUNNER_FAULT_CLASSES)
		return;
	fc = &v->st->by_fault[a->fault];
	if (fc->message[0] || fc->status)
		return;
	fc->status = a->status > 0 ? a->status : 0;
	copy_message(fc->message, sizeof(fc->message), a->error_message);
}

static void progress(struct run *r, int force)
{
	struct runner_progress pg;
	double t = now_s();

	if (!r->o || !r->o->progress)
		return;
	if (!force && t - r->last_progress < PROGRESS_EVERY_S)
		return;
	r->last_progress = t;
	pg.done = r->done;
	pg.total = r->p->n_items;
	pg.errors = r->errors;
	pg.retries = r->retries;
	pg.elapsed_s = t - r->t0;
	r->o->progress(r->o->progress_ctx, &pg);
}

/* Appends the final record of an item, tells the caller (on_final) once it is journaled, and
 * accounts for it. */
static void finalize(struct run *r, struct vstate *v, size_t item, const struct plan_item *it,
		     int attempts, const struct probe_answer *a)
{
	struct journal_rec rec = {
		.vendor = v->vendor->id,
		.suite = it->suite->id,
		.prompt = it->prompt->id,
		.sample = it->sample,
		.attempts = attempts,
		.answer = a,
	};

	if (!r->failed) {
		if (journal_append(r->j, &rec, r->err))
			r->failed = 1;
		else if (r->o->on_final)
			r->o->on_final(r->o->final_ctx, item, attempts, a);
	}
	r->done++;
	if (a->fault == PROBE_OK) {
		r->st->answered++;
		v->st->answers++;
	} else {
		r->errors++;
		r->st->faults++;
		v->st->faults++;
		if ((size_t)a->fault < RUNNER_FAULT_CLASSES)
			v->st->by_fault[a->fault].n++;
	}
}

static void job_clear(struct job *jb)
{
	probe_request_release(&jb->rq);
	if (jb->has_last)
		probe_answer_release(&jb->last);
	jb->has_last = 0;
	jb->state = JOB_FREE;
	jb->attempts = 0;
	jb->base_attempts = 0;
	jb->probe = 0;
	jb->wake = 0;
}

/* Journals an item the vendor gave up on without sending it. */
static void not_sent(struct run *r, struct vstate *v, size_t item, const struct plan_item *it,
		     enum probe_fault f, const char *msg)
{
	struct probe_answer a;

	probe_answer_init(&a);
	a.fault = f;
	a.error_message = xstrdup(msg);
	finalize(r, v, item, it, 0, &a);
	probe_answer_release(&a);
	r->st->unreachable++;
	v->st->unreachable++;
}

/* Finds the vendor's next item not yet done and what it is; 0 when there is none. Walks the
 * groups in order from the vendor's cursor, skipping other vendors' groups whole. */
static int next_item(struct run *r, struct vstate *v, size_t *item, struct plan_item *it)
{
	const struct plan_group *gr;
	int sample;

	while (v->group < r->p->n_groups) {
		gr = &r->p->groups[v->group];
		if (v->cursor < gr->first)
			v->cursor = gr->first;
		if (gr->vendor != v->vendor || v->cursor >= gr->first + (size_t)gr->n) {
			v->cursor = gr->first + (size_t)gr->n;
			v->group++;
			continue;
		}
		sample = (int)(v->cursor - gr->first);
		if (r->j &&
		    journal_done(r->j, v->vendor->id, gr->suite->id, gr->prompt->id, sample)) {
			r->st->skipped_resumed++;
			r->done++;
			v->cursor++;
			continue;
		}
		it->vendor = gr->vendor;
		it->suite = gr->suite;
		it->prompt = gr->prompt;
		it->sample = sample;
		*item = v->cursor++;
		return 1;
	}
	return 0;
}

static void fill_prompt(struct job *jb, const struct plan_item *it)
{
	const struct prompt *pr = it->prompt;
	size_t i;

	if (pr->n_messages > jb->cap_msgs) {
		jb->cap_msgs = pr->n_messages;
		jb->msgs = xrealloc(jb->msgs, jb->cap_msgs * sizeof(*jb->msgs));
	}
	for (i = 0; i < pr->n_messages; i++) {
		jb->msgs[i].role = pr->messages[i].role;
		jb->msgs[i].content = pr->messages[i].content;
	}
	memset(&jb->pp, 0, sizeof(jb->pp));
	jb->pp.messages = jb->msgs;
	jb->pp.n_messages = pr->n_messages;
	jb->pp.temperature = pr->temperature;
	jb->pp.max_tokens = pr->max_tokens;
	jb->pp.has_seed = pr->has_seed;
	jb->pp.seed = pr->has_seed ? pr->seed + it->sample : 0;
	jb->pp.logprobs = pr->logprobs;
	jb->pp.top_logprobs = pr->top_logprobs;
	jb->pp.schema = pr->response_schema;
	jb->pp.tools = pr->tools;
	jb->pp.tool_choice = pr->tool_choice;
	jb->pp.stream = it->vendor->stream;
}

/* Assigns the next item to a free job and builds its request. A request the probe cannot
 * build is final at once (a bad-request fault). Returns 1 when the job got an item. */
static int assign(struct run *r, struct vstate *v, struct job *jb)
{
	struct pl_err e = PL_ERR_INIT;
	struct probe_answer a;
	struct plan_item it;
	long pt, ct;
	size_t item;

	while (next_item(r, v, &item, &it)) {
		fill_prompt(jb, &it);
		probe_request_init(&jb->rq);
		if (v->ops->build(&v->target, &jb->pp, &jb->rq, &e)) {
			probe_request_release(&jb->rq);
			probe_answer_init(&a);
			a.fault = PROBE_FAULT_REQUEST;
			a.error_message = xstrdup(e.msg);
			note_fault(v, &a);
			finalize(r, v, item, &it, 0, &a);
			probe_answer_release(&a);
			pl_err_init(&e);
			continue;
		}
		jb->item = item;
		jb->it = it;
		jb->attempts = 0;
		jb->wake = 0;
		jb->est_tokens = runner_estimate_tokens(it.prompt, &pt, &ct);
		jb->est_cost = config_vendor_cost(v->vendor, pt, ct);
		jb->state = JOB_PENDING;
		return 1;
	}
	return 0;
}

static int budget_allows(struct run *r, const struct job *jb)
{
	const struct runner_opts *o = r->o;

	if (r->stop)
		return 0;
	if (o->max_requests > 0 && r->requests_sent >= o->max_requests)
		snprintf(r->st->budget_reason, sizeof(r->st->budget_reason),
			 "request budget reached (max_requests %ld)", o->max_requests);
	else if (o->max_tokens > 0 && sat_add(sat_add(r->tokens_used, r->tokens_in_flight),
					      jb->est_tokens) > o->max_tokens)
		snprintf(r->st->budget_reason, sizeof(r->st->budget_reason),
			 "token budget reached (max_tokens %ld)", o->max_tokens);
	else if (o->max_cost > 0 && r->cost_used + r->cost_in_flight + jb->est_cost > o->max_cost)
		snprintf(r->st->budget_reason, sizeof(r->st->budget_reason),
			 "cost budget reached (max_cost %.4f)", o->max_cost);
	else
		return 1;
	r->stop = 1;
	r->st->budget_hit = 1;
	return 0;
}

static void complete(struct run *r, struct job *jb, const struct probe_response *resp,
		     enum probe_fault tfault, const char *tmsg, const char *tkind,
		     int connect_failed, int final);

static void send_job(struct run *r, struct vstate *v, struct job *jb, double now)
{
	struct record_reply rep;
	struct pl_err e = PL_ERR_INIT;
	struct probe_response none;
	int rc;

	jb->attempts++;
	jb->sent_at = now;
	if (!v->first_sent)
		v->first_sent = now;
	r->requests_sent++;
	r->st->sent++;
	v->st->requests++;
	if (jb->attempts > 1) { /* a retry is sent, not planned: one given up unsent is none */
		r->retries++;
		v->st->retries++;
	}
	v->in_flight++;
	r->tokens_in_flight = sat_add(r->tokens_in_flight, jb->est_tokens);
	r->cost_in_flight += jb->est_cost;
	jb->state = JOB_RUNNING;
	memset(&none, 0, sizeof(none));
	none.ttfb_ms = -1;
	if (r->o->replay_dir) {
		memset(&rep, 0, sizeof(rep));
		rc = record_load(r->o->replay_dir, &jb->rq, jb->it.sample, &rep, &e);
		if (rc == 0)
			complete(r, jb, &rep.resp, PROBE_OK, "", "", 0, 1);
		else if (rc == 1)
			complete(r, jb, &none, PROBE_FAULT_NETWORK,
				 "replay: no recording of this request", "", 0, 1);
		else
			complete(r, jb, &none, PROBE_FAULT_NETWORK, e.msg, "", 0, 1);
		record_reply_release(&rep);
		return;
	}
	ratelimit_take(&v->rl, now, (double)jb->est_tokens);
	if (http_start(r->h, jb->x, &jb->rq, &v->hopts, jb, &e))
		complete(r, jb, &none, PROBE_FAULT_NETWORK, e.msg, "", 0, 1);
}

static double backoff_s(struct run *r, int attempt, long retry_after_ms)
{
	double base = r->o->backoff_base_ms > 0 ? (double)r->o->backoff_base_ms
						: DEFAULT_BACKOFF_BASE_MS;
	double cap = r->o->backoff_max_ms > 0 ? (double)r->o->backoff_max_ms
					      : DEFAULT_BACKOFF_MAX_MS;

	return http_backoff_s(jitter_unit(&r->rng), base, cap, attempt, retry_after_ms);
}

static double wall_now(void)
{
	return (double)time(NULL);
}

static double probe_interval(const struct vstate *v)
{
	return v->vendor->probe_interval_s > 0 ? v->vendor->probe_interval_s : DEFAULT_PROBE_S;
}

/* Gives the vendor up: items waiting for a retry are journaled with their last fault, the
 * rest without being sent (fault f, message msg); what is in flight is journaled as it
 * finishes, never retried. reason goes to stats (why the vendor stopped). */
static void give_up(struct run *r, struct vstate *v, enum probe_fault f, const char *msg,
		    const char *reason, double now)
{
	size_t i, item, n0 = v->st->unreachable;
	struct plan_item it;
	struct job *jb;

	v->gave_up = 1;
	snprintf(v->st->stop_reason, sizeof(v->st->stop_reason), "%s", reason);
	for (i = 0; i < v->n_jobs; i++) {
		jb = &v->jobs[i];
		if (jb->state != JOB_PENDING)
			continue;
		if (jb->has_last)
			finalize(r, v, jb->item, &jb->it, jb->attempts, &jb->last);
		else
			not_sent(r, v, jb->item, &jb->it, f, msg);
		job_clear(jb);
	}
	while (next_item(r, v, &item, &it))
		not_sent(r, v, item, &it, f, msg);
	if (v->circuit_open) {
		v->st->circuit_open = 1;
		v->st->outage.open_s += now - v->open_at;
		v->st->outage.not_sent += v->st->unreachable - n0;
		v->circuit_open = 0;
	}
}

static int connect_kind(const char *kind)
{
	return !strcmp(kind, "connect") || !strcmp(kind, "dns") || !strcmp(kind, "tls");
}

/* The circuit has been open for max_outage: the remaining items are incomplete. */
static void outage_give_up(struct run *r, struct vstate *v, double now)
{
	struct runner_outage *o = &v->st->outage;
	enum probe_fault f = PROBE_FAULT_NETWORK;
	char reason[256];

	if (!strcmp(o->kind, "overloaded"))
		f = PROBE_FAULT_OVERLOADED;
	else if (!strcmp(o->kind, "server_error"))
		f = PROBE_FAULT_SERVER;
	else if (!strcmp(o->kind, "timeout"))
		f = PROBE_FAULT_TIMEOUT;
	o->last_seen = o->last_seen ? o->last_seen : (time_t)wall_now();
	give_up(r, v, f, connect_kind(o->kind) ? UNREACHABLE_MSG : OUTAGE_MSG, "", now);
	runner_outage_describe(o, reason, sizeof(reason));
	snprintf(v->st->stop_reason, sizeof(v->st->stop_reason), "%s", reason);
}

static void open_circuit(struct run *r, struct vstate *v, double now)
{
	struct runner_outage *o = &v->st->outage;
	double budget = v->vendor->max_outage_s;

	if (!o->opened) {
		int opened = o->opened;

		*o = v->cand;
		o->opened = opened;
	}
	o->opened++;
	o->recovered = 0;
	o->last_seen = v->cand.last_seen;
	v->circuit_open = 1;
	v->open_at = now;
	v->probe_at = now + probe_interval(v);
	if (budget <= 0)
		outage_give_up(r, v, now);
}

/* The vendor answered (anything but an outage fault): the failure streak ends and an open
 * circuit closes; the items that were waiting go again with their retries afresh. */
static void vendor_alive(struct vstate *v, double now)
{
	size_t i;

	v->consec_fail = 0;
	v->consec_conn_fail = 0;
	if (!v->circuit_open || v->gave_up)
		return;
	v->circuit_open = 0;
	v->st->outage.recovered = 1;
	v->st->outage.open_s += now - v->open_at;
	for (i = 0; i < v->n_jobs; i++)
		if (v->jobs[i].state == JOB_PENDING) {
			v->jobs[i].base_attempts = v->jobs[i].attempts;
			v->jobs[i].wake = 0;
		}
}

static const char *outage_kind(const struct probe_answer *a, const char *tkind)
{
	if (tkind && *tkind)
		return tkind;
	switch (a->fault) {
	case PROBE_FAULT_OVERLOADED:
		return "overloaded";
	case PROBE_FAULT_SERVER:
		return "server_error";
	case PROBE_FAULT_TIMEOUT:
		return "timeout";
	default:
		return "network";
	}
}

/* Faults that say the vendor (or the way to it) is down. Rate limits and 4xx do not. */
static int outage_fault(const struct run *r, enum probe_fault f)
{
	if (r->o->replay_dir)
		return 0;
	return f == PROBE_FAULT_NETWORK || f == PROBE_FAULT_TIMEOUT || f == PROBE_FAULT_SERVER ||
	       f == PROBE_FAULT_OVERLOADED;
}

/* "api.openai.com" from "https://user:pw@api.openai.com/v1": host and port, never the
 * user part of the URL. */
static void url_host(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://"), *end, *q;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	for (q = p; q < end; q++)
		if (*q == '@')
			p = q + 1;
	snprintf(buf, len, "%.*s", (int)(end - p), p);
}

static void give_up(struct run *r, struct vstate *v, enum probe_fault f, const char *msg,
		    const char *reason, double now);

/* An auth fault (401/403): auth_threshold of them in a row with no answer between stop the
 * vendor for the night; a wrong key is not worth another request. */
static void auth_failed(struct run *r, struct vstate *v, long status, double now)
{
	const struct vendor *vd = v->vendor;
	int max = r->o->auth_threshold > 0 ? r->o->auth_threshold : DEFAULT_AUTH;
	char host[96], what[32], hint[96], reason[sizeof(v->st->stop_reason)];

	v->auth_streak++;
	if (v->auth_streak < max || v->gave_up || r->o->replay_dir)
		return;
	url_host(vd->base_url, host, sizeof(host));
	if (status > 0)
		snprintf(what, sizeof(what), "HTTP %ld from ", status);
	else
		snprintf(what, sizeof(what), "from ");
	if (vd->api_key_env)
		snprintf(hint, sizeof(hint), "check %s", vd->api_key_env);
	else if (vd->api_key_file)
		snprintf(hint, sizeof(hint), "check the key in %s", vd->api_key_file);
	else
		snprintf(hint, sizeof(hint), "check the vendor's credentials");
	snprintf(reason, sizeof(reason), "authentication failed (%s%s): %s", what, host, hint);
	v->st->auth_failed = 1;
	give_up(r, v, PROBE_FAULT_AUTH, AUTH_MSG, reason, now);
}

/* The failure streak that opens the circuit when an item runs out of retries in it: long
 * enough that a partial outage (30% of requests failing) practically never reaches it. */
static int exhausted_streak(const struct run *r, const struct vstate *v)
{
	int max = r->o->outage_threshold > 0 ? r->o->outage_threshold : DEFAULT_OUTAGE;
	int n = 3 * (v->vendor->retries + 1);

	if (n < SLOW_STREAK)
		n = SLOW_STREAK;
	return n < max ? n : max;
}

/* An outage-class failure: extends the streak and opens the circuit on enough evidence. */
static void vendor_failed(struct run *r, struct vstate *v, const struct job *jb,
			  const struct probe_answer *a, const char *tkind, int connect_failed,
			  double now)
{
	int conn_max = r->o->circuit_threshold > 0 ? r->o->circuit_threshold : DEFAULT_CIRCUIT;
	int max = r->o->outage_threshold > 0 ? r->o->outage_threshold : DEFAULT_OUTAGE;
	time_t wall = (time_t)wall_now();

	if (v->consec_fail == 0 && !v->circuit_open) {
		memset(&v->cand, 0, sizeof(v->cand));
		v->streak_start = jb->sent_at;
		snprintf(v->cand.kind, sizeof(v->cand.kind), "%s", outage_kind(a, tkind));
		v->cand.status = a->status > 0 ? a->status : 0;
		copy_message(v->cand.message, sizeof(v->cand.message), a->error_message);
		v->cand.first_seen = wall;
	}
	if (jb->sent_at < v->streak_start)
		v->streak_start = jb->sent_at;
	v->consec_fail++;
	v->cand.last_seen = wall;
	if (connect_failed)
		v->consec_conn_fail++;
	if (v->circuit_open) {
		v->st->outage.last_seen = wall;
		if (jb->probe)
			v->probe_at = now + probe_interval(v);
		return;
	}
	if (v->gave_up)
		return;
	if (v->consec_conn_fail >= conn_max || v->consec_fail >= max ||
	    (v->consec_fail >= SLOW_STREAK && now - v->streak_start >= probe_interval(v)))
		open_circuit(r, v, now);
}

static void account_usage(struct run *r, struct vstate *v, struct job *jb,
			  const struct probe_answer *a)
{
	long pt = a->prompt_tokens, ct = a->completion_tokens, used;
	double cost;

	r->tokens_in_flight = sat_add(r->tokens_in_flight, -jb->est_tokens);
	r->cost_in_flight -= jb->est_cost;
	if (pt < 0 && ct < 0) {
		/* No usage reported: an answer is charged its estimate, a fault nothing. */
		if (a->fault != PROBE_OK)
			return;
		used = jb->est_tokens;
		cost = jb->est_cost;
	} else {
		used = sat_add(pt > 0 ? pt : 0, ct > 0 ? ct : 0);
		cost = config_vendor_cost(v->vendor, pt, ct);
		v->st->prompt_tokens = sat_add(v->st->prompt_tokens, pt > 0 ? pt : 0);
		v->st->completion_tokens = sat_add(v->st->completion_tokens, ct > 0 ? ct : 0);
	}
	ratelimit_settle(&v->rl, (double)jb->est_tokens, (double)used);
	r->tokens_used = sat_add(r->tokens_used, used);
	r->cost_used += cost;
	v->st->cost += cost;
}

/* A request came back (or failed): parse, learn, then retry or finalize. */
static void complete(struct run *r, struct job *jb, const struct probe_response *resp,
		     enum probe_fault tfault, const char *tmsg, const char *tkind,
		     int connect_failed, int final)
{
	struct vstate *v = jb->v;
	struct probe_answer a;
	struct pl_err e = PL_ERR_INIT;
	double now = now_s();
	enum probe_fault fault;
	long status;

	v->in_flight--;
	probe_answer_init(&a);
	if (tfault != PROBE_OK) {
		a.fault = tfault;
		a.error_message = xstrdup(tmsg);
		a.latency_ms = resp->latency_ms;
	} else {
		v->ops->parse(&v->target, &jb->pp, resp, &a);
		if (a.latency_ms <= 0)
			a.latency_ms = resp->latency_ms;
		if (r->o->record_dir && !r->failed &&
		    record_save(r->o->record_dir, &jb->rq, jb->it.sample, resp, v->vendor->api_key,
				&e)) {
			pl_err_set(r->err, e.code, e.where, "%s", e.msg);
			r->failed = 1;
		}
	}
	/* the one place a vendor's numbers enter: clamp before anything counts them */
	probe_answer_clamp(&a);
	probe_answer_redact(&a);
	note_fault(v, &a);
	fault = a.fault;
	status = a.status;
	account_usage(r, v, jb, &a);
	if (!r->o->replay_dir) {
		ratelimit_on_headers(&v->rl, now, resp->headers, resp->n_headers);
		/* An overloaded vendor (529, 503) is slowed down like a rate-limited one. */
		if (a.fault == PROBE_FAULT_RATE_LIMIT || a.fault == PROBE_FAULT_OVERLOADED)
			ratelimit_on_429(&v->rl, now,
					 a.retry_after_ms >= 0 ? (double)a.retry_after_ms / 1000.0
							       : -1);
		else if (a.fault == PROBE_OK)
			ratelimit_on_success(&v->rl);
	}
	if (jb->probe)
		v->probing = 0;
	if (outage_fault(r, a.fault))
		vendor_failed(r, v, jb, &a, tkind, connect_failed, now);
	else if (tfault == PROBE_OK || resp->status > 0)
		vendor_alive(v, now);
	jb->probe = 0;
	/* An item out of retries in a long enough streak is evidence enough: open before it is
	 * lost, so it waits for the recovery like the others. */
	if (outage_fault(r, a.fault) && !v->circuit_open && !v->gave_up && !final &&
	    jb->attempts - jb->base_attempts > v->vendor->retries &&
	    v->consec_fail >= exhausted_streak(r, v))
		open_circuit(r, v, now);

	/* While the circuit is open an outage fault waits for the vendor's recovery whatever
	 * its attempts; otherwise retries count from the circuit's last closing. */
	if (!final && !v->gave_up && !r->stop && !r->failed && probe_fault_retryable(a.fault) &&
	    ((v->circuit_open && outage_fault(r, a.fault)) ||
	     jb->attempts - jb->base_attempts <= v->vendor->retries)) {
		if (jb->has_last)
			probe_answer_release(&jb->last);
		jb->last = a; /* moved */
		jb->has_last = 1;
		jb->state = JOB_PENDING;
		jb->wake = v->circuit_open ? 0 : now + backoff_s(r, jb->attempts, a.retry_after_ms);
	} else {
		finalize(r, v, jb->item, &jb->it, jb->attempts, &a);
		probe_answer_release(&a);
		job_clear(jb);
	}
	/* after the item is journaled, so the vendor's last auth fault is the item's own */
	if (fault == PROBE_FAULT_AUTH) {
		auth_failed(r, v, status, now);
	} else {
		v->heard = 1;
		if (fault == PROBE_OK)
			v->auth_streak = 0;
	}
}

static void on_done(void *ctx, struct http_xfer *x, void *user)
{
	struct run *r = ctx;
	struct job *jb = user;

	complete(r, jb, http_xfer_response(x), http_xfer_fault(x), http_xfer_error(x),
		 http_xfer_kind(x), http_xfer_connect_failed(x), 0);
}

/* Budget reached: jobs waiting to (re)send stop here; those with a fault already journal it
 * (a retryable fault, so a resume tries again), the others go back unsent. */
static void stop_pending(struct run *r, struct vstate *v)
{
	size_t i;
	struct job *jb;

	for (i = 0; i < v->n_jobs; i++) {
		jb = &v->jobs[i];
		if (jb->state != JOB_PENDING)
			continue;
		if (jb->has_last)
			finalize(r, v, jb->item, &jb->it, jb->attempts, &jb->last);
		job_clear(jb);
	}
}

/* An open circuit: once what is on the wire has come back, one probe request every interval
 * (an item that was waiting, else the next one), until max_outage runs out. */
static void half_open(struct run *r, struct vstate *v, double now, double *wake)
{
	double end = v->open_at + v->vendor->max_outage_s;
	struct job *jb = NULL;
	size_t i;

	if (v->probing || v->in_flight > 0)
		return;
	for (i = 0; i < v->n_jobs && !jb; i++)
		if (v->jobs[i].state == JOB_PENDING)
			jb = &v->jobs[i];
	for (i = 0; i < v->n_jobs && !jb; i++)
		if (v->jobs[i].state == JOB_FREE && assign(r, v, &v->jobs[i]))
			jb = &v->jobs[i];
	if (!jb)
		return; /* nothing left to send */
	if (now >= end) {
		outage_give_up(r, v, now);
		return;
	}
	if (now < v->probe_at) {
		if (fmin(v->probe_at, end) < *wake)
			*wake = fmin(v->probe_at, end);
		return;
	}
	if (!budget_allows(r, jb)) {
		stop_pending(r, v);
		return;
	}
	jb->probe = 1;
	v->probing = 1;
	v->probe_at = now + probe_interval(v);
	v->st->outage.probes++;
	send_job(r, v, jb, now);
}

/* Stops a vendor whose own budget or rate-limit wait ran out; 1 when it did. */
static int vendor_budget(struct run *r, struct vstate *v, double now, double delay)
{
	double max_wait = v->vendor->max_wait_s > 0 ? v->vendor->max_wait_s : DEFAULT_MAX_WAIT_S;
	char reason[256];

	if (v->vendor->max_duration_s > 0 && now - r->t0 >= v->vendor->max_duration_s) {
		snprintf(reason, sizeof(reason), "vendor time budget reached (max_duration %.0f s)",
			 v->vendor->max_duration_s);
		give_up(r, v, PROBE_FAULT_TIMEOUT, DURATION_MSG, reason, now);
		return 1;
	}
	if (delay > max_wait) {
		snprintf(reason, sizeof(reason),
			 "rate limit: the vendor asked to wait %.0f s, over max_wait %.0f s", delay,
			 max_wait);
		give_up(r, v, PROBE_FAULT_RATE_LIMIT, WAIT_MSG, reason, now);
		return 1;
	}
	return 0;
}

/* Starts what a vendor may start now; lowers *wake to when it may start more. Returns 1 if the
 * vendor still has work (in flight, waiting or unsent). */
static int pump(struct run *r, struct vstate *v, double now, double *wake)
{
	struct job *jb;
	size_t i;
	double d;
	int more = 0;

	/* the run's wall clock is checked even while nothing is due to be sent */
	if (!r->stop && r->o->max_duration_s > 0 && now - r->t0 >= r->o->max_duration_s) {
		snprintf(r->st->budget_reason, sizeof(r->st->budget_reason),
			 "time budget reached (max_duration %.0f s)", r->o->max_duration_s);
		r->stop = 1;
		r->st->budget_hit = 1;
	}
	if (r->stop)
		stop_pending(r, v);
	if (!r->stop && !r->failed && !v->gave_up)
		vendor_budget(r, v, now, 0);
	if (v->circuit_open && !v->gave_up && !r->stop && !r->failed)
		half_open(r, v, now, wake);
	for (i = 0; i < v->n_jobs && !r->stop && !v->circuit_open && !v->gave_up && !r->failed;
	     i++) {
		jb = &v->jobs[i];
		if (jb->state == JOB_FREE)
			assign(r, v, jb);
		if (jb->state != JOB_PENDING)
			continue;
		if (jb->wake > now) {
			if (jb->wake < *wake)
				*wake = jb->wake;
			continue;
		}
		if (!r->o->replay_dir) {
			if (v->in_flight >= (size_t)ratelimit_slots(&v->rl))
				continue;
			/* After an auth fault, and until the vendor first answers (a 401 comes
			 * back at once; a real answer may take long, so for WARMUP_S at most),
			 * one request at a time: a wrong key costs a few requests, not a wave. */
			if (v->in_flight > 0 &&
			    (v->auth_streak > 0 || (!v->heard && now < v->first_sent + WARMUP_S))) {
				if (!v->heard && v->first_sent + WARMUP_S < *wake)
					*wake = v->first_sent + WARMUP_S;
				continue;
			}
			d = ratelimit_delay(&v->rl, now, (double)jb->est_tokens);
			if (vendor_budget(r, v, now, fmax(d, ratelimit_asked_wait(&v->rl, now))))
				break;
			if (d > 0) {
				if (now + d < *wake)
					*wake = now + d;
				continue;
			}
		}
		if (!budget_allows(r, jb)) {
			stop_pending(r, v);
			break;
		}
		send_job(r, v, jb, now);
	}
	for (i = 0; i < v->n_jobs; i++)
		if (v->jobs[i].state != JOB_FREE)
			more = 1;
	/* A free job just ran the cursor to the end unless the vendor stopped sending. */
	if (!r->stop && !v->gave_up && !r->failed && v->group < r->p->n_groups)
		more = 1;
	return more;
}

static const struct probe_ops *lookup(const struct runner_opts *o, const char *name)
{
	if (o->probe_lookup)
		return o->probe_lookup(name);
	return probe_find(name);
}

static int setup(struct run *r, struct pl_err *err)
{
	const struct vendor *vd;
	struct vstate *v;
	size_t i, k;
	double t = now_s();

	r->nv = r->p->n_vendors;
	r->vs = xcalloc(r->nv ? r->nv : 1, sizeof(*r->vs));
	r->st->vendors = xcalloc(r->nv ? r->nv : 1, sizeof(*r->st->vendors));
	r->st->n_vendors = r->nv;
	r->st->planned = r->p->n_items;
	for (i = 0; i < r->nv; i++) {
		vd = r->p->vendors[i];
		v = &r->vs[i];
		v->vendor = vd;
		v->st = &r->st->vendors[i];
		v->st->vendor = vd->id;
		v->ops = lookup(r->o, vd->probe);
		if (!v->ops)
			return pl_err_set(err, PL_E_INPUT, NULL,
					  "vendor \"%s\": unknown probe \"%s\"", vd->id, vd->probe);
		v->target.base_url = vd->base_url;
		v->target.model = vd->model;
		v->target.api_key = vd->api_key;
		v->target.api_version = vd->api_version;
		v->target.region = vd->region;
		v->target.api = vd->api;
		v->hopts.timeout_ms = vd->timeout_ms;
		v->hopts.connect_timeout_ms = vd->connect_timeout_ms;
		v->hopts.max_response_bytes = vd->max_response_bytes;
		v->hopts.ca_file = vd->ca_file;
		ratelimit_init(&v->rl, vd->rpm, vd->tpm, vd->concurrency, t);
		v->n_jobs = (size_t)(vd->concurrency > 0 ? vd->concurrency : 1);
		v->jobs = xcalloc(v->n_jobs, sizeof(*v->jobs));
		for (k = 0; k < v->n_jobs; k++) {
			v->jobs[k].v = v;
			v->jobs[k].x = http_xfer_new();
			probe_answer_init(&v->jobs[k].last);
		}
	}
	return 0;
}

static void teardown(struct run *r)
{
	size_t i, k;
	struct vstate *v;

	/* Abort what is still on the wire before freeing the transfers. */
	http_free(r->h);
	r->h = NULL;
	for (i = 0; r->vs && i < r->nv; i++) {
		v = &r->vs[i];
		for (k = 0; k < v->n_jobs; k++) {
			job_clear(&v->jobs[k]);
			free(v->jobs[k].msgs);
			http_xfer_free(v->jobs[k].x);
		}
		free(v->jobs);
	}
	free(r->vs);
}

int runner_run(const struct plan *p, struct journal *j, const struct runner_opts *o,
	       struct runner_stats *st, struct pl_err *err)
{
	static const struct runner_opts no_opts;
	struct run r;
	double now, wake;
	long timeout_ms;
	size_t i;
	int more, ret = -1;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.j = j;
	r.o = o ? o : &no_opts;
	r.st = st;
	r.err = err;
	r.t0 = now_s();
	r.last_progress = r.t0;
	r.rng = r.o->seed ? r.o->seed : (uint64_t)time(NULL) ^ (uint64_t)(r.t0 * 1e9);
	for (i = 0; i < p->n_vendors; i++)
		redact_add_credential(p->vendors[i]->api_key);
	if (setup(&r, err))
		goto out;
	if (!r.o->replay_dir) {
		r.h = http_new(err);
		if (!r.h)
			goto out;
	}
	for (;;) {
		now = now_s();
		wake = now + PROGRESS_EVERY_S;
		more = 0;
		for (i = 0; i < r.nv; i++)
			more |= pump(&r, &r.vs[i], now, &wake);
		if (r.failed || !more)
			break;
		if (r.o->on_idle) {
			/* send first, then work on what came in */
			if (r.h && http_kick(r.h, err) < 0) {
				r.failed = 1;
				break;
			}
			r.o->on_idle(r.o->idle_ctx);
			now = now_s();
		}
		timeout_ms = (long)ceil((wake - now) * 1000.0);
		if (timeout_ms < 0)
			timeout_ms = 0;
		if (r.h && http_poll(r.h, timeout_ms, on_done, &r, err) < 0) {
			r.failed = 1;
			break;
		}
		progress(&r, 0);
	}
	/* After a fatal error, let what is in flight finish so nothing half-done is lost. */
	while (r.h && http_running(r.h) > 0) {
		if (http_poll(r.h, 100, on_done, &r, err) < 0)
			break;
	}
	for (i = 0; i < r.nv; i++)
		if (r.vs[i].circuit_open)
			r.vs[i].st->outage.open_s += now_s() - r.vs[i].open_at;
	ret = r.failed ? -1 : 0;
out:
	st->wall_s = now_s() - r.t0;
	progress(&r, 1);
	teardown(&r);
	return ret;
}

enum probe_fault runner_main_fault(const struct runner_vendor_stats *vs)
{
	size_t i, best = 0;

	for (i = 1; i < RUNNER_FAULT_CLASSES; i++)
		if (vs->by_fault[i].n > vs->by_fault[best].n)
			best = i;
	return vs->by_fault[best].n ? (enum probe_fault)best : PROBE_OK;
}

const char *runner_fault_describe(const struct runner_vendor_stats *vs, char *buf, size_t len)
{
	size_t best = (size_t)runner_main_fault(vs);
	const struct runner_fault_class *fc = best ? &vs->by_fault[best] : NULL;

	if (!fc)
		snprintf(buf, len, "%s", "");
	else if (fc->status > 0 && fc->message[0])
		snprintf(buf, len, "%s (HTTP %ld: %s)", probe_fault_name((enum probe_fault)best),
			 fc->status, fc->message);
	else if (fc->status > 0)
		snprintf(buf, len, "%s (HTTP %ld)", probe_fault_name((enum probe_fault)best),
			 fc->status);
	else if (fc->message[0])
		snprintf(buf, len, "%s (%s)", probe_fault_name((enum probe_fault)best),
			 fc->message);
	else
		snprintf(buf, len, "%s", probe_fault_name((enum probe_fault)best));
	return buf;
}

static const char *kind_words(const char *kind)
{
	static const char *const words[][2] = {
		{ "overloaded", "overloaded" },	  { "server_error", "server error" },
		{ "timeout", "timeouts" },	  { "connect", "connection failures" },
		{ "dns", "DNS failures" },	  { "tls", "TLS failures" },
		{ "reset", "connection resets" }, { "empty_reply", "empty replies" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(kind, words[i][0]))
			return words[i][1];
	return "network failures";
}

const char *runner_outage_describe(const struct runner_outage *o, char *buf, size_t len)
{
	char t1[16], t2[16], what[64];
	struct tm tm;

	if (!o->opened) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	gmtime_r(&o->first_seen, &tm);
	strftime(t1, sizeof(t1), "%H:%M:%S", &tm);
	gmtime_r(&o->last_seen, &tm);
	strftime(t2, sizeof(t2), "%H:%M:%S", &tm);
	if (o->status >= 200 && o->status < 300) /* an error in the body of a 200 (Ollama) */
		snprintf(what, sizeof(what), "%s (an error in HTTP %ld answers)",
			 kind_words(o->kind), o->status);
	else if (o->status > 0)
		snprintf(what, sizeof(what), "HTTP %ld %s", o->status, kind_words(o->kind));
	else
		snprintf(what, sizeof(what), "%s", kind_words(o->kind));
	if (o->recovered)
		snprintf(buf, len,
			 "vendor outage: %s from %s to %s UTC (recovered after %zu probe%s, "
			 "circuit "
			 "open %.0f s)",
			 what, t1, t2, o->probes, o->probes == 1 ? "" : "s", o->open_s);
	else
		snprintf(buf, len,
			 "vendor outage: %s from %s to %s UTC (circuit open, %zu request%s not "
			 "sent)",
			 what, t1, t2, o->not_sent, o->not_sent == 1 ? "" : "s");
	return buf;
}

void runner_stats_release(struct runner_stats *st)
{
	if (!st)
		return;
	free(st->vendors);
	st->vendors = NULL;
	st->n_vendors = 0;
}

static struct runner_vendor_estimate *
vendor_estimate(const struct plan *p, struct runner_estimate *e, const struct vendor *vd)
{
	size_t k;

	for (k = 0; k < p->n_vendors; k++)
		if (p->vendors[k] == vd)
			return &e->vendors[k];
	return NULL;
}

int runner_dry_run(const struct plan *p, const struct journal *j, struct runner_estimate *e)
{
	struct runner_vendor_estimate *ve;
	const struct plan_group *gr;
	const struct vendor *vd;
	double by_rpm, by_tpm, by_conc;
	long pt, ct;
	size_t g, k;
	int i;

	memset(e, 0, sizeof(*e));
	e->n_vendors = p->n_vendors;
	e->vendors = xcalloc(p->n_vendors ? p->n_vendors : 1, sizeof(*e->vendors));
	for (k = 0; k < p->n_vendors; k++) {
		e->vendors[k].vendor = p->vendors[k]->id;
		e->vendors[k].cost_known = p->vendors[k]->has_prices;
		e->unpriced += !p->vendors[k]->has_prices;
	}
	for (g = 0; g < p->n_groups; g++) {
		gr = &p->groups[g];
		ve = vendor_estimate(p, e, gr->vendor);
		if (!ve)
			continue;
		/* The samples of a prompt cost the same: estimate once, charge each. */
		runner_estimate_tokens(gr->prompt, &pt, &ct);
		for (i = 0; i < gr->n; i++) {
			if (j && journal_done(j, gr->vendor->id, gr->suite->id, gr->prompt->id, i))
				continue;
			ve->requests++;
			ve->prompt_tokens += pt;
			ve->completion_tokens += ct;
			ve->cost += config_vendor_cost(gr->vendor, pt, ct);
		}
	}
	for (k = 0; k < p->n_vendors; k++) {
		ve = &e->vendors[k];
		vd = p->vendors[k];
		by_rpm = vd->rpm > 0 ? (double)ve->requests * 60.0 / vd->rpm : 0;
		by_tpm = vd->tpm > 0 ? (double)(ve->prompt_tokens + ve->completion_tokens) * 60.0 /
					       vd->tpm
				     : 0;
		/* Without limits, assume about a second per answer. */
		by_conc = (double)ve->requests / (vd->concurrency > 0 ? vd->concurrency : 1);
		ve->duration_s = fmax(by_conc, fmax(by_rpm, by_tpm));
		e->requests += ve->requests;
		e->tokens += ve->prompt_tokens + ve->completion_tokens;
		e->cost += ve->cost;
		e->duration_s = fmax(e->duration_s, ve->duration_s);
	}
	return 0;
}

void runner_estimate_release(struct runner_estimate *e)
{
	if (!e)
		return;
	free(e->vendors);
	memset(e, 0, sizeof(*e));
}
