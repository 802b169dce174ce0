/* sim.c: the simulated vendor's HTTP server: libmicrohttpd on 127.0.0.1, one thread per
 * connection; picks the wire format by path, injects faults, paces answers, counts requests. */
#include "sim.h"

#include "hash.h"
#include "rng.h"
#include "sbuf.h"
#include "sim_wire.h"

#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY	(8u << 20)
#define MAX_PATHS	32
#define FAULT_SALT	0xfa017fa017ull
#define CREATED_BASE	1750000000L
#define DEFAULT_LIM_REQ 5000L
#define DEFAULT_LIM_TOK 800000L
#define SLOW_TICK_MS	1000

/* Most specific paths first; --format NAME keeps the wires whose name starts with NAME. */
static const struct sim_wire *const wires[] = {
	&sim_wire_azure,  &sim_wire_responses, &sim_wire_openai,  &sim_wire_anthropic,
	&sim_wire_gemini, &sim_wire_ollama,    &sim_wire_bedrock,
};

static const char *const fault_names[] = {
	"none",
	"429",
	"429-noretry",
	"500",
	"503",
	"529",
	"slow",
	"slow-headers",
	"truncated",
	"reset",
	"wrong-content-type",
	"stream-error",
	"echo-key",
	"502-html",
	"empty-reply",
	"timeout",
};

struct bucket {
	long sec;
	long reqs;
	long tokens;
	long ptokens;
};

struct path_count {
	char path[64];
	long n;
};

struct sim {
	struct sim_opts o;
	char *require_key;
	char *format;
	char *tls_cert;
	char *tls_key; /* wiped before it is freed */
	struct MHD_Daemon *d;
	atomic_int stopping;
	pthread_mutex_t mu;
	struct timespec t0;
	/* counters, under mu */
	unsigned long long req_no;
	long total, faulted, rate_limited, inflight, max_inflight, tokens;
	long max_rps, max_rpm, max_tpm, max_ptpm;
	struct bucket b[60];
	struct path_count paths[MAX_PATHS];
	size_t n_paths;
	/* --rate-limit-rpm: times of accepted requests in the last minute (a ring) */
	double *rl;
	size_t rl_head, rl_n, rl_cap;
	/* samples taken so far per (model, messages, temperature): the per-prompt counter */
	struct hmap64 samples;
};

struct conn_ctx {
	struct sbuf body;
	int too_large;
	int counted;
	struct timespec arrived; /* the request's headers were read (CLOCK_MONOTONIC) */
};

/* ---- small helpers ---- */

static uint64_t hash_str(uint64_t h, const char *s)
{
	/* FNV-1a continued from h ^ the offset basis (a seed mixed in), then mixed */
	return rng_mix(hash_fnv1a_add(h ^ HASH_FNV1A_INIT, s, s ? strlen(s) : 0), 0x1234);
}

static double now_s(const struct sim *s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - s->t0.tv_sec) + (t.tv_nsec - s->t0.tv_nsec) / 1e9;
}

/* Sleeps ms milliseconds, returning early once the server stops. */
static void nap(struct sim *s, long ms)
{
	while (ms > 0 && !atomic_load(&s->stopping)) {
		long step = ms < 20 ? ms : 20;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* Sleeps until `ms` milliseconds after `from` (CLOCK_MONOTONIC), so the time spent reading and
 * answering the request is part of the latency, not added to it; returns early once the
 * server stops. */
static void nap_since(struct sim *s, const struct timespec *from, long ms)
{
	struct timespec until = *from, now;

	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!atomic_load(&s->stopping)) {
		struct timespec step;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec ||
		    (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
			return;
		/* at most 20 ms at a time, to notice a stop */
		step = now;
		step.tv_nsec += 20000000L;
		if (step.tv_nsec >= 1000000000L) {
			step.tv_sec++;
			step.tv_nsec -= 1000000000L;
		}
		if (step.tv_sec > until.tv_sec ||
		    (step.tv_sec == until.tv_sec && step.tv_nsec > until.tv_nsec))
			step = until;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &step, NULL);
	}
}

static const char *hdr_get(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static const char *query_get(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- counting ---- */

static struct bucket *bucket_for(struct sim *s, long sec)
{
	struct bucket *b = &s->b[sec % 60];

	if (b->sec != sec) {
		memset(b, 0, sizeof(*b));
		b->sec = sec;
	}
	return b;
}

static void window_sums(struct sim *s, long sec, long *reqs, long *toks, long *ptoks)
{
	*reqs = *toks = *ptoks = 0;
	for (int i = 0; i < 60; i++) {
		if (s->b[i].sec > sec - 60 && s->b[i].sec <= sec &&
		    (s->b[i].reqs || s->b[i].tokens)) {
			*reqs += s->b[i].reqs;
			*toks += s->b[i].tokens;
			*ptoks += s->b[i].ptokens;
		}
	}
}

static void count_path(struct sim *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n_paths; i++)
		if (!strcmp(s->paths[i].path, path))
			break;
	if (i == s->n_paths) {
		if (s->n_paths == MAX_PATHS)
			return;
		snprintf(s->paths[i].path, sizeof(s->paths[i].path), "%s", path);
		s->n_paths++;
	}
	s->paths[i].n++;
}

/* Counts an arriving request; returns its number (1-based). Caller holds mu. */
static unsigned long long count_request(struct sim *s, const char *path)
{
	long sec = (long)now_s(s), r, t, p;
	struct bucket *b = bucket_for(s, sec);

	s->total++;
	b->reqs++;
	if (b->reqs > s->max_rps)
		s->max_rps = b->reqs;
	window_sums(s, sec, &r, &t, &p);
	if (r > s->max_rpm)
		s->max_rpm = r;
	count_path(s, path);
	s->inflight++;
	if (s->inflight > s->max_inflight)
		s->max_inflight = s->inflight;
	return ++s->req_no;
}

/* Records a request's tokens. With --rate-limit-tpm, refuses a request whose tokens would
 * exceed the limit in the sliding minute (unless the minute is empty): returns the milliseconds
 * until the oldest counted second leaves the window, or 0 when accepted. */
static long count_tokens(struct sim *s, long prompt, long completion)
{
	long sec, r, t, p, oldest;
	double now;
	struct bucket *b;

	pthread_mutex_lock(&s->mu);
	now = now_s(s);
	sec = (long)now;
	window_sums(s, sec, &r, &t, &p);
	if (s->o.rate_limit_tpm > 0 && t > 0 && t + prompt + completion > s->o.rate_limit_tpm) {
		oldest = sec;
		for (int i = 0; i < 60; i++)
			if (s->b[i].tokens && s->b[i].sec > sec - 60 && s->b[i].sec < oldest)
				oldest = s->b[i].sec;
		s->rate_limited++;
		pthread_mutex_unlock(&s->mu);
		t = (long)ceil(((double)oldest + 60.0 - now) * 1000.0);
		return t > 0 ? t : 1;
	}
	b = bucket_for(s, sec);
	b->tokens += prompt + completion;
	b->ptokens += prompt;
	s->tokens += prompt + completion;
	window_sums(s, sec, &r, &t, &p);
	if (t > s->max_tpm)
		s->max_tpm = t;
	if (p > s->max_ptpm)
		s->max_ptpm = p;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* The sliding-minute limiter. Returns 0 to accept, or the milliseconds until a slot frees.
 * Caller holds mu. */
static long rate_limit(struct sim *s, double now, long *remaining)
{
	while (s->rl_n && now - s->rl[s->rl_head] >= 60.0) {
		s->rl_head = (s->rl_head + 1) % s->rl_cap;
		s->rl_n--;
	}
	if (s->rl_n >= s->rl_cap) {
		long ms = (long)ceil((60.0 - (now - s->rl[s->rl_head])) * 1000.0);

		*remaining = 0;
		return ms > 0 ? ms : 1;
	}
	s->rl[(s->rl_head + s->rl_n) % s->rl_cap] = now;
	s->rl_n++;
	*remaining = (long)(s->rl_cap - s->rl_n);
	return 0;
}

/* How many samples of this exact request were taken before. Caller holds mu. Keys that differ
 * only in bit 0 share a counter (key | 1), as they always have: the seeds stay the same. */
static unsigned long sample_index(struct sim *s, uint64_t key)
{
	return (unsigned long)(*hmap64_ref(&s->samples, key | 1, 0))++;
}

char *sim_stats_json(struct sim *s)
{
	json_t *o, *paths, *minute;
	char *out;
	long sec;

	pthread_mutex_lock(&s->mu);
	sec = (long)now_s(s);
	/* the last 60 whole seconds, oldest first: [second, requests, tokens] */
	minute = json_array();
	for (long t = sec - 59; t <= sec; t++) {
		const struct bucket *b = &s->b[(t < 0 ? t + 60 : t) % 60];

		if (t >= 0 && b->sec == t && (b->reqs || b->tokens))
			json_array_append_new(minute, json_pack("[I,I,I]", (json_int_t)t,
								(json_int_t)b->reqs,
								(json_int_t)b->tokens));
	}
	paths = json_object();
	for (size_t i = 0; i < s->n_paths; i++)
		json_object_set_new(paths, s->paths[i].path, json_integer(s->paths[i].n));
	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "requests",
		      (json_int_t)s->total, "max_requests_per_second", (json_int_t)s->max_rps,
		      "max_requests_per_minute", (json_int_t)s->max_rpm, "max_tokens_per_minute",
		      (json_int_t)s->max_tpm, "max_prompt_tokens_per_minute",
		      (json_int_t)s->max_ptpm, "tokens", (json_int_t)s->tokens, "rate_limited",
		      (json_int_t)s->rate_limited, "faulted", (json_int_t)s->faulted,
		      "max_inflight", (json_int_t)s->max_inflight, "inflight",
		      (json_int_t)s->inflight, "paths", paths);
	json_object_set_new(o, "uptime_seconds", json_integer(sec));
	json_object_set_new(o, "last_minute", minute);
	pthread_mutex_unlock(&s->mu);
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

static void stats_reset(struct sim *s)
{
	pthread_mutex_lock(&s->mu);
	s->total = s->faulted = s->rate_limited = s->tokens = 0;
	s->max_rps = s->max_rpm = s->max_tpm = s->max_ptpm = 0;
	s->max_inflight = s->inflight;
	memset(s->b, 0, sizeof(s->b));
	s->n_paths = 0;
	pthread_mutex_unlock(&s->mu);
}

/* ---- responses ---- */

struct trickle {
	struct sim *s;
	char *buf;
	size_t len;
	size_t limit; /* bytes sent before the error (truncated) */
	int slow;
	double start;
	/* paced streams (--token-ms): one event at a time */
	int paced;
	int frames;	 /* AWS event-stream: events are length-prefixed frames */
	const char *sep; /* otherwise events end with this ("\n\n" SSE, "\n" NDJSON) */
	size_t ev_end;
};

static size_t event_end(const struct trickle *t, size_t pos)
{
	size_t end = t->len;

	if (t->frames && pos + 4 <= t->len) {
		const unsigned char *p = (const unsigned char *)t->buf + pos;

		end = pos + ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
	} else if (!t->frames) {
		const char *e = strstr(t->buf + pos, t->sep);

		if (e)
			end = (size_t)(e - t->buf) + strlen(t->sep);
	}
	return end > t->len || end <= pos ? t->len : end;
}

static ssize_t paced_read(struct trickle *t, uint64_t pos, char *buf, size_t max)
{
	size_t n;

	if (pos >= t->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (pos >= t->ev_end) {
		if (pos > 0)
			nap(t->s, t->s->o.token_ms);
		if (atomic_load(&t->s->stopping))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		t->ev_end = event_end(t, (size_t)pos);
	}
	n = t->ev_end - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, t->buf + pos, n);
	return (ssize_t)n;
}

static ssize_t trickle_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct trickle *t = cls;

	if (t->paced)
		return paced_read(t, pos, buf, max);
	if (t->slow) {
		/* one byte a second, never the last one, until slow_ms has passed */
		if (atomic_load(&t->s->stopping) ||
		    now_s(t->s) - t->start >= t->s->o.slow_ms / 1000.0 || pos + 1 >= t->len)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (pos > 0)
			nap(t->s, SLOW_TICK_MS);
		if (atomic_load(&t->s->stopping))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		buf[0] = t->buf[pos];
		return 1;
	}
	if (pos >= t->limit || !max)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (max > t->limit - pos)
		max = t->limit - pos;
	memcpy(buf, t->buf + pos, max);
	return (ssize_t)max;
}

static void trickle_free(void *cls)
{
	struct trickle *t = cls;

	free(t->buf);
	free(t);
}

static enum MHD_Result queue_reply(struct sim *s, struct MHD_Connection *conn, struct sim_reply *r,
				   enum sim_fault how)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	const char *ct = r->content_type;
	int frames = !strncmp(ct, "application/vnd.amazon.eventstream", 34);
	const char *sep = !strncmp(ct, "text/event-stream", 17)	     ? "\n\n"
			  : !strncmp(ct, "application/x-ndjson", 20) ? "\n"
								     : NULL;

	if (how == SIM_FAULT_NONE && s->o.token_ms > 0 && r->status == 200 && (frames || sep)) {
		struct trickle *t = xcalloc(1, sizeof(*t));

		t->s = s;
		t->len = r->body.len;
		t->buf = sbuf_detach(&r->body, NULL);
		t->paced = 1;
		t->frames = frames;
		t->sep = sep;
		/* chunked, as real vendors stream */
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, trickle_read, t,
							 trickle_free);
	} else if (how == SIM_FAULT_SLOW || how == SIM_FAULT_TRUNCATED) {
		struct trickle *t = xcalloc(1, sizeof(*t));

		t->s = s;
		t->len = r->body.len;
		t->buf = sbuf_detach(&r->body, NULL);
		t->limit = t->len / 2;
		t->slow = how == SIM_FAULT_SLOW;
		t->start = now_s(s);
		resp = MHD_create_response_from_callback(t->len, 1024, trickle_read, t,
							 trickle_free);
	} else {
		resp = MHD_create_response_from_buffer(r->body.len, r->body.buf,
						       MHD_RESPMEM_MUST_COPY);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (size_t i = 0; i < r->n_hdrs; i++)
		MHD_add_response_header(resp, r->hdrs[i].name, r->hdrs[i].value);
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const struct sim_wire *find_wire(const struct sim *s, const char *method, const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(wires); i++) {
		if (s->format && strncmp(wires[i]->name, s->format, strlen(s->format)) != 0)
			continue;
		if (wires[i]->match(method, path) ||
		    (wires[i]->embed_match && wires[i]->embed_match(method, path)))
			return wires[i];
	}
	return NULL;
}

static int is_faulted(const struct sim *s, unsigned long long n)
{
	double u;

	if (s->o.fault == SIM_FAULT_NONE)
		return 0;
	if (s->o.fault_for_s > 0 && now_s(s) >= s->o.fault_for_s)
		return 0; /* the outage is over */
	u = (double)(rng_mix(s->o.knobs.seed ^ FAULT_SALT, n) >> 11) * (1.0 / 9007199254740992.0);
	return u < s->o.fault_rate;
}

static void fill_meta(struct sim *s, unsigned long long n, long remaining_req, long reset_ms,
		      struct sim_meta *m)
{
	long sec, r, t, p;

	memset(m, 0, sizeof(*m));
	m->req_no = n;
	snprintf(m->request_id, sizeof(m->request_id), "req_%016llx%016llx",
		 (unsigned long long)rng_mix(s->o.knobs.seed, n),
		 (unsigned long long)rng_mix(n, s->o.knobs.seed ^ 0x77));
	m->created = CREATED_BASE + 86400L * s->o.knobs.night;
	m->latency_ms = s->o.latency_ms;
	pthread_mutex_lock(&s->mu);
	sec = (long)now_s(s);
	window_sums(s, sec, &r, &t, &p);
	pthread_mutex_unlock(&s->mu);
	m->limit_tokens = DEFAULT_LIM_TOK;
	m->remaining_tokens = DEFAULT_LIM_TOK > p ? DEFAULT_LIM_TOK - p : 0;
	if (s->o.rate_limit_tpm > 0) {
		m->limit_tokens = s->o.rate_limit_tpm;
		m->remaining_tokens = s->o.rate_limit_tpm > t ? s->o.rate_limit_tpm - t : 0;
	}
	if (s->o.rate_limit_rpm > 0) {
		m->limit_requests = s->o.rate_limit_rpm;
		m->remaining_requests = remaining_req;
		m->reset_requests_ms = reset_ms;
	} else {
		m->limit_requests = DEFAULT_LIM_REQ;
		m->remaining_requests = DEFAULT_LIM_REQ > r ? DEFAULT_LIM_REQ - r : 0;
		m->reset_requests_ms = 12;
	}
}

static uint64_t request_key(const struct sim_req *rq)
{
	uint64_t h = hash_str(0x5eed, rq->model);
	double t = rq->temperature;
	uint64_t tb;

	memcpy(&tb, &t, sizeof(tb));
	h = rng_mix(h, tb);
	h = rng_mix(h, (uint64_t)rq->max_tokens);
	for (size_t i = 0; i < rq->n_msgs; i++) {
		h = hash_str(h, rq->msgs[i].role);
		h = hash_str(h, rq->msgs[i].content);
	}
	return h;
}

/* ---- echo-key: a vendor that leaks the credentials it received ---- */

/* The credentials a request carried, space-separated: a bearer key, a SigV4 access key id and
 * session token, an api-key / x-api-key / x-goog-api-key header, a "key" URL parameter. */
static void request_secrets(struct MHD_Connection *conn, struct sbuf *out)
{
	static const char *const names[] = { "x-api-key", "api-key", "x-goog-api-key",
					     "x-amz-security-token" };
	const char *v = hdr_get(conn, "Authorization"), *c;
	size_t i;

	if (v && !strncmp(v, "Bearer ", 7)) {
		sbuf_addstr(out, v + 7);
	} else if (v && (c = strstr(v, "Credential=")) != NULL) {
		c += strlen("Credential=");
		sbuf_add(out, c, strcspn(c, "/,"));
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		v = hdr_get(conn, names[i]);
		if (v && *v)
			sbuf_addf(out, "%s%s", out->len ? " " : "", v);
	}
	v = query_get(conn, "key");
	if (v && *v)
		sbuf_addf(out, "%s%s", out->len ? " " : "", v);
}

static char *base64_of(const char *s)
{
	size_t n = strlen(s);
	char *b = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)b, (const unsigned char *)s, (int)n);
	return b;
}

/* The 400 of a vendor that quotes the key back, plainly, \u-escaped and in base64. */
static void echo_error(const struct sim_wire *w, const char *secrets, struct sim_reply *r)
{
	struct sbuf msg;
	char *b64 = base64_of(secrets);
	const char *p;

	sbuf_init(&msg);
	sbuf_addf(&msg, "Incorrect API key provided: %s (escaped: ", secrets);
	for (p = secrets; *p; p++)
		sbuf_addf(&msg, "\\u%04x", (unsigned)(unsigned char)*p);
	sbuf_addf(&msg, "; base64: %s)", b64);
	w->error(400, "bad_request", msg.buf, r);
	sbuf_release(&msg);
	free(b64);
}

/* Adds the echoes to a rendered JSON answer: a top-level field, and for chat completions the
 * logprobs (tokens, top_logprobs and an extra field named after the key). */
static void echo_json(const char *secrets, struct sim_reply *r)
{
	json_t *root = json_loadb(r->body.buf, r->body.len, 0, NULL), *c0, *lp;
	char *b64 = base64_of(secrets), *text, field[256];

	if (!json_is_object(root))
		goto out;
	json_object_set_new(root, "x_echo", json_pack("{s:s,s:s}", "key", secrets, "b64", b64));
	c0 = json_array_get(json_object_get(root, "choices"), 0);
	if (json_is_object(c0)) {
		snprintf(field, sizeof(field), "x_echo_%s", secrets);
		lp = json_pack("{s:[{s:s,s:f,s:n,s:[{s:s,s:f}]}],s:n}", "content", "token", secrets,
			       "logprob", -0.01, "bytes", "top_logprobs", "token", secrets,
			       "logprob", -0.01, "refusal");
		json_object_set_new(lp, field, json_pack("{s:s}", "b64", b64));
		json_object_set_new(c0, "logprobs", lp);
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text) {
		sbuf_reset(&r->body);
		sbuf_addstr(&r->body, text);
		free(text);
	}
out:
	free(b64);
	json_decref(root);
}

/* Resets the connection (RST), as a crashed peer or a middlebox does, rather than ending it
 * cleanly: libmicrohttpd shuts a connection down (FIN) before closing it, so the socket is
 * closed here with a zero linger, by putting a fresh unconnected socket in its place (dup2);
 * libmicrohttpd then closes that one. */
static void reset_connection(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct linger lg = { 1, 0 };
	int spare;

	if (!ci)
		return;
	setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	spare = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (spare < 0)
		return;
	if (dup2(spare, ci->connect_fd) < 0)
		shutdown(ci->connect_fd, SHUT_RDWR);
	close(spare);
}

/* Serves one API request (the body is complete). */
static enum MHD_Result serve_api(struct sim *s, struct MHD_Connection *conn,
				 const struct sim_wire *w, const char *method, const char *url,
				 struct conn_ctx *cx)
{
	struct sim_http h = { method, url, hdr_get, query_get, conn };
	struct sim_reply r;
	struct sim_req rq;
	struct sim_answer a;
	struct sim_meta m;
	json_t *body = NULL;
	unsigned long long n;
	long wait_ms = 0, remaining = 0;
	enum sim_fault how = SIM_FAULT_NONE;
	enum MHD_Result ret;
	int faulted, echo = 0;
	unsigned long long sseed;
	struct sbuf secrets, echo_model;

	memset(&rq, 0, sizeof(rq));
	memset(&a, 0, sizeof(a));
	sim_reply_init(&r);
	sbuf_init(&secrets);
	sbuf_init(&echo_model);

	pthread_mutex_lock(&s->mu);
	n = count_request(s, url);
	cx->counted = 1;
	if (s->o.rate_limit_rpm > 0)
		wait_ms = rate_limit(s, now_s(s), &remaining);
	if (wait_ms)
		s->rate_limited++;
	faulted = !wait_ms && is_faulted(s, n);
	if (faulted)
		s->faulted++;
	pthread_mutex_unlock(&s->mu);
	fill_meta(s, n, remaining,
		  wait_ms ? wait_ms : (s->o.rate_limit_rpm > 0 ? 60000 / s->o.rate_limit_rpm : 0),
		  &m);

	if (w->auth(&h, s->require_key, &r) != 0)
		goto send;
	if (cx->too_large) {
		w->error(413, "too_large", "request body too large", &r);
		goto send;
	}
	if (wait_ms) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "Rate limit reached for requests per min (RPM): Limit %ld. Please try "
			 "again in %.3fs.",
			 s->o.rate_limit_rpm, wait_ms / 1000.0);
		w->error(429, "rate_limit", msg, &r);
		sim_reply_header(&r, "retry-after", "%ld", (wait_ms + 999) / 1000);
		sim_reply_header(&r, "retry-after-ms", "%ld", wait_ms);
		goto send;
	}
	if (faulted) {
		how = s->o.fault;
		switch (how) {
		case SIM_FAULT_429:
			w->error(429, "rate_limit", "Rate limit reached for requests.", &r);
			sim_reply_header(&r, "retry-after", "1");
			sim_reply_header(&r, "retry-after-ms", "1000");
			goto send;
		case SIM_FAULT_429_NORETRY:
			w->error(429, "rate_limit", "Rate limit reached for requests.", &r);
			goto send;
		case SIM_FAULT_500:
			w->error(500, "server",
				 "The server had an error while processing your request. Sorry "
				 "about "
				 "that!",
				 &r);
			goto send;
		case SIM_FAULT_503:
			w->error(503, "unavailable", "The server is overloaded or not ready yet.",
				 &r);
			goto send;
		case SIM_FAULT_529:
			w->error(529, "overloaded", "Overloaded", &r);
			goto send;
		case SIM_FAULT_RESET:
			reset_connection(conn);
			ret = MHD_NO;
			goto out;
		case SIM_FAULT_EMPTY_REPLY:
			ret = MHD_NO; /* libmicrohttpd closes the connection without a reply */
			goto out;
		case SIM_FAULT_TIMEOUT:
			nap(s, s->o.slow_ms);
			ret = MHD_NO;
			goto out;
		case SIM_FAULT_502_HTML:
			r.status = 502;
			r.content_type = "text/html";
			sbuf_addstr(&r.body, "<html>\r\n<head><title>502 Bad "
					     "Gateway</title></head>\r\n"
					     "<body>\r\n<center><h1>502 Bad "
					     "Gateway</h1></center>\r\n"
					     "<hr><center>nginx</center>\r\n</body>\r\n</"
					     "html>\r\n");
			goto send_raw;
		case SIM_FAULT_SLOW_HEADERS:
			nap(s, s->o.slow_ms);
			how = SIM_FAULT_NONE;
			break;
		case SIM_FAULT_WRONG_CONTENT_TYPE:
			r.content_type = "text/html; charset=utf-8";
			sbuf_addstr(&r.body, "<html><head><title>502 Bad Gateway</title></head>"
					     "<body><center><h1>502 Bad Gateway</h1></center>"
					     "</body></html>\n");
			goto send_raw;
		case SIM_FAULT_STREAM_ERROR:
			break; /* decided after parsing: only streams get it */
		case SIM_FAULT_ECHO_KEY:
			request_secrets(conn, &secrets);
			how = SIM_FAULT_NONE;
			if (n % 2) {
				echo_error(w, secrets.buf, &r);
				goto send;
			}
			echo = 1;
			break;
		default:
			break; /* slow and truncated: a normal answer, sent badly */
		}
	}
	body = json_loadb(cx->body.buf, cx->body.len, 0, NULL);
	if (w->embed_match && w->embed_match(method, url)) {
		/* embeddings: a function of the text alone (no drift, no sampling) */
		nap_since(s, &cx->arrived, s->o.latency_ms);
		w->embed(&h, body, &r);
		goto send;
	}
	if (w->parse(&h, body, &rq, &r) != 0)
		goto send;
	sseed = rq.seed;
	if (!rq.has_seed) {
		/* the k-th sample of a request: the same multiset of answers whatever the order */
		pthread_mutex_lock(&s->mu);
		sseed = rng_mix(0xa11ce, sample_index(s, request_key(&rq)));
		pthread_mutex_unlock(&s->mu);
	}
	sim_model_answer(&s->o.knobs, rq.model ? rq.model : rq.path_model, rq.msgs, rq.n_msgs,
			 rq.temperature, rq.max_tokens, sseed, &a);
	if (rq.tools)
		sim_model_tool_call(&s->o.knobs, rq.tools, rq.tool_choice, rq.tool_name, rq.msgs,
				    rq.n_msgs, &a);
	if (echo) {
		char *t = a.text;
		struct sbuf sb;

		sbuf_init(&sb);
		sbuf_addf(&sb, "%s (you sent %s)", t ? t : "", secrets.buf);
		a.text = sbuf_detach(&sb, NULL);
		free(t);
		sbuf_addf(&echo_model, "%s-%.*s", a.model, (int)strcspn(secrets.buf, " "),
			  secrets.buf);
		a.model = echo_model.buf;
	}
	wait_ms = count_tokens(s, a.prompt_tokens, a.completion_tokens);
	if (wait_ms) {
		char msg[200];

		snprintf(msg, sizeof(msg),
			 "Rate limit reached for %.40s on tokens per min (TPM): Limit %ld, "
			 "Requested %ld. Please try again in %.3fs.",
			 a.model, s->o.rate_limit_tpm, a.prompt_tokens + a.completion_tokens,
			 wait_ms / 1000.0);
		w->error(429, "rate_limit", msg, &r);
		sim_reply_header(&r, "retry-after", "%ld", (wait_ms + 999) / 1000);
		sim_reply_header(&r, "retry-after-ms", "%ld", wait_ms);
		goto send;
	}
	nap_since(s, &cx->arrived, s->o.latency_ms);
	if (how == SIM_FAULT_STREAM_ERROR && !(rq.stream && w->stream_error)) {
		w->error(500, "server", "The server had an error while processing your request.",
			 &r);
		how = SIM_FAULT_NONE;
		goto send;
	}
	w->render(&rq, &a, &m, &r);
	if (echo) {
		if (!rq.stream && !strncmp(r.content_type, "application/json", 16))
			echo_json(secrets.buf, &r);
		sim_reply_header(&r, "x-ratelimit-echo", "%.*s", (int)strcspn(secrets.buf, " "),
				 secrets.buf);
	}
	if (how == SIM_FAULT_STREAM_ERROR) {
		w->stream_error(&r);
		how = SIM_FAULT_NONE;
	}
send:
	if (w->headers)
		w->headers(&m, &r);
send_raw:
	ret = queue_reply(s, conn, &r, how);
out:
	sbuf_release(&secrets);
	sbuf_release(&echo_model);
	sim_answer_release(&a);
	sim_req_release(&rq);
	json_decref(body);
	sim_reply_release(&r);
	return ret;
}

static enum MHD_Result serve_plain(struct MHD_Connection *conn, unsigned status, const char *ct,
				   const char *text)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct sim *s = cls;
	struct conn_ctx *cx = *con_cls;
	const struct sim_wire *w;

	(void)version;
	if (!cx) {
		cx = xcalloc(1, sizeof(*cx));
		sbuf_init(&cx->body);
		clock_gettime(CLOCK_MONOTONIC, &cx->arrived);
		*con_cls = cx;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cx->body.len + *upload_size > MAX_BODY)
			cx->too_large = 1;
		else
			sbuf_add(&cx->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/_sim/stats") && !strcmp(method, "GET")) {
		char *js = sim_stats_json(s);
		enum MHD_Result ret = serve_plain(conn, 200, "application/json", js ? js : "{}");

		free(js);
		return ret;
	}
	if (!strcmp(url, "/_sim/reset") && !strcmp(method, "POST")) {
		stats_reset(s);
		return serve_plain(conn, 200, "application/json", "{\"reset\":true}");
	}
	w = find_wire(s, method, url);
	if (!w) {
		struct sim_reply r;
		enum MHD_Result ret;

		sim_reply_init(&r);
		char msg[200];

		snprintf(msg, sizeof(msg), "Invalid URL (%s %.150s)", method, url);
		sim_openai_error(404, "not_found", msg, &r);
		ret = queue_reply(s, conn, &r, SIM_FAULT_NONE);
		sim_reply_release(&r);
		return ret;
	}
	return serve_api(s, conn, w, method, url, cx);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct sim *s = cls;
	struct conn_ctx *cx = *con_cls;

	(void)conn;
	(void)code;
	if (!cx)
		return;
	if (cx->counted) {
		pthread_mutex_lock(&s->mu);
		s->inflight--;
		pthread_mutex_unlock(&s->mu);
	}
	sbuf_release(&cx->body);
	free(cx);
	*con_cls = NULL;
}

/* ---- public ---- */

void sim_opts_init(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	sim_knobs_init(&o->knobs);
	o->fault_rate = 1.0;
	o->slow_ms = 120000;
}

int sim_fault_parse(const char *name, enum sim_fault *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(fault_names); i++) {
		if (!strcmp(name, fault_names[i])) {
			*f = (enum sim_fault)i;
			return 0;
		}
	}
	return -1;
}

const char *const *sim_fault_names(size_t *n)
{
	*n = ARRAY_SIZE(fault_names) - 1;
	return fault_names + 1;
}

struct sim *sim_start(const struct sim_opts *o, int *port, struct pl_err *err)
{
	struct sim *s = NULL;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	size_t i;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL },
					 { MHD_OPTION_END, 0, NULL },
					 { MHD_OPTION_END, 0, NULL } };

	if (o->port < 0 || o->port > 65535) {
		pl_err_set(err, PL_E_USAGE, "--port", "port %d out of range 0..65535", o->port);
		return NULL;
	}
	if (o->fault_rate < 0 || o->fault_rate > 1 || o->latency_ms < 0) {
		pl_err_set(err, PL_E_USAGE, NULL, "fault rate must be 0..1 and latency >= 0");
		return NULL;
	}
	if (o->format) {
		/* a format names a wire, or the family of wires "<format>-..." (openai serves
		 * both chat completions and the Responses API): the wires table is the one list */
		size_t n = strlen(o->format);

		for (i = 0; i < ARRAY_SIZE(wires); i++)
			if (n && !strncmp(wires[i]->name, o->format, n) &&
			    (wires[i]->name[n] == '\0' || wires[i]->name[n] == '-'))
				break;
		if (i == ARRAY_SIZE(wires)) {
			pl_err_set(err, PL_E_USAGE, "--format", "unknown format \"%s\"", o->format);
			return NULL;
		}
	}
	s = xcalloc(1, sizeof(*s));
	s->o = *o;
	s->require_key = o->require_key ? xstrdup(o->require_key) : NULL;
	s->format = o->format ? xstrdup(o->format) : NULL;
	s->o.require_key = s->require_key;
	s->o.format = s->format;
	if (s->o.slow_ms <= 0)
		s->o.slow_ms = 120000;
	pthread_mutex_init(&s->mu, NULL);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	for (i = 0; i < 60; i++)
		s->b[i].sec = -1000;
	if (o->rate_limit_rpm > 0) {
		s->rl_cap = o->rate_limit_rpm > 1000000 ? 1000000 : (size_t)o->rate_limit_rpm;
		s->rl = xcalloc(s->rl_cap, sizeof(*s->rl));
	}
	if (!o->tls_cert_pem != !o->tls_key_pem) {
		pl_err_set(err, PL_E_USAGE, "--tls-cert", "TLS needs both a certificate and a key");
		sim_stop(s);
		return NULL;
	}
	if (o->tls_cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			pl_err_set(err, PL_E_USAGE, "--tls-cert",
				   "this libmicrohttpd was built without TLS");
			sim_stop(s);
			return NULL;
		}
		s->tls_cert = xstrdup(o->tls_cert_pem);
		s->tls_key = xstrdup(o->tls_key_pem);
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert };
	}
	s->o.tls_cert_pem = s->tls_cert;
	s->o.tls_key_pem = s->tls_key;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
				MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_ARRAY,
				tls, MHD_OPTION_END);
	if (!s->d) {
		pl_err_set(err, PL_E_IO, "127.0.0.1",
			   s->tls_key ? "cannot listen on port %d (in use, or a bad TLS key/cert?)"
				      : "cannot listen on port %d (in use?)",
			   o->port);
		sim_stop(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (port)
		*port = info ? info->port : o->port;
	return s;
}

void sim_stop(struct sim *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, 1);
	if (s->d)
		MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->mu);
	free(s->rl);
	hmap64_release(&s->samples);
	free(s->require_key);
	free(s->format);
	free(s->tls_cert);
	if (s->tls_key) {
		OPENSSL_cleanse(s->tls_key, strlen(s->tls_key));
		free(s->tls_key);
	}
	free(s);
}
