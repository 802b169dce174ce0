/* sim.h: the simulated vendor's HTTP server (libmicrohttpd, 127.0.0.1 only). It wraps
 * sim_model in each vendor's wire format (chosen by path), injects faults, paces answers and
 * counts what it receives. Used by `plumbline simulate`, `plumbline demo` and the tests.
 *
 * Threads: one thread per connection, so a slow answer never delays another connection.
 * Calling order: sim_opts_init, set fields, sim_start; sim_stop once (it waits for the
 * connections to end; slow faults notice the stop within ~50 ms). */
#ifndef PL_SIM_H
#define PL_SIM_H

#include "err.h"
#include "sim_model.h"

enum sim_fault {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_429,		      /* 429 with Retry-After: 1 and retry-after-ms: 1000 */
	SIM_FAULT_429_NORETRY,	      /* 429 without retry headers */
	SIM_FAULT_500,		      /* 500 server error */
	SIM_FAULT_503,		      /* 503 service unavailable */
	SIM_FAULT_529,		      /* 529 overloaded (Anthropic style) */
	SIM_FAULT_SLOW,		      /* 200, then a body that trickles 1 byte/s and never ends */
	SIM_FAULT_SLOW_HEADERS,	      /* nothing at all until slow_ms has passed */
	SIM_FAULT_TRUNCATED,	      /* Content-Length larger than the body sent; JSON cut */
	SIM_FAULT_RESET,	      /* connection reset (TCP RST) without a response */
	SIM_FAULT_WRONG_CONTENT_TYPE, /* 200 with a text/html page */
	SIM_FAULT_STREAM_ERROR,	      /* streams: half the events, then the vendor's error event;
				       * non-streamed requests: 500 */
	SIM_FAULT_ECHO_KEY,    /* a leaky vendor: odd requests get a 400 repeating the credentials
				* (also \u-escaped and base64); even ones an answer whose text, model,
				* a kept header and (chat JSON) logprobs tokens, top_logprobs, an extra
				* logprobs field and a top-level field repeat them */
	SIM_FAULT_502_HTML,    /* 502 with a proxy's text/html page */
	SIM_FAULT_EMPTY_REPLY, /* connection closed cleanly without a response */
	SIM_FAULT_TIMEOUT,     /* no response for slow_ms, then closed without one */
};

struct sim_opts {
	struct sim_knobs knobs;
	int port;	/* 0 = ephemeral */
	int latency_ms; /* each answer leaves this long after its request arrived */
	int token_ms;	/* streams: delay between events (0 = send at once) */
	enum sim_fault fault;
	double fault_rate;	  /* share of requests faulted, 0..1 (default 1) */
	double fault_for_s;	  /* > 0: faults only in the first N seconds after start */
	const char *require_key;  /* exact key demanded; NULL = any non-empty key (borrowed) */
	const char *format;	  /* only this wire format ("openai", ...); NULL = all by path */
	long rate_limit_rpm;	  /* > 0: 429 + Retry-After beyond N requests per sliding minute */
	long rate_limit_tpm;	  /* > 0: 429 + Retry-After beyond N tokens (in + out) per minute */
	int slow_ms;		  /* how long slow faults last (default 120000) */
	const char *tls_cert_pem; /* PEM text: serve HTTPS (both or neither; borrowed) */
	const char *tls_key_pem;
};

struct sim;

void sim_opts_init(struct sim_opts *o);
/* Parses a fault name ("429", "429-noretry", "500", "503", "529", "slow", "slow-headers",
 * "truncated", "reset", "wrong-content-type", "stream-error", "echo-key", "502-html",
 * "empty-reply", "timeout"); -1 if unknown. */
int sim_fault_parse(const char *name, enum sim_fault *f);
const char *const *sim_fault_names(size_t *n);

/* Starts serving on 127.0.0.1. Returns the server (caller's; sim_stop frees it) and the bound
 * port in *port, or NULL with err set (bad option, port in use). */
struct sim *sim_start(const struct sim_opts *o, int *port, struct pl_err *err);
/* Stops serving and frees s. NULL-safe. */
void sim_stop(struct sim *s);

/* The counters GET /_sim/stats serves, as a JSON text (caller frees):
 * {"requests": N, "max_requests_per_second": N, "max_requests_per_minute": N,
 *  "max_tokens_per_minute": N, "max_prompt_tokens_per_minute": N, "tokens": N,
 *  "rate_limited": N, "faulted": N, "max_inflight": N, "inflight": N,
 *  "paths": {"/v1/chat/completions": N}, "uptime_seconds": N,
 *  "last_minute": [[second, requests, tokens], ...]}   (seconds with traffic, oldest first)
 * Seconds are whole wall seconds since start; minutes are sliding 60-second windows.
 * POST /_sim/reset zeroes them. */
char *sim_stats_json(struct sim *s);

#endif
