/* http.h: the one module that talks HTTP to vendors (libcurl multi). It sends probe requests
 * as they are, collects status, lower-cased headers and a size-capped body, measures latency and
 * time to first byte, and turns transport failures into probe faults (network, timeout, size).
 *
 * Calling order: http_new; for each request http_xfer_new (or reuse a finished one) and
 * http_start; http_poll until every transfer has been handed back through the done callback;
 * http_free. A transfer handed to done is finished: its results stay valid until it is started
 * again or freed. TLS verification is always on; ca_file only adds a CA bundle. */
#ifndef PL_HTTP_H
#define PL_HTTP_H

#include "err.h"
#include "probe.h"

struct http;
struct http_xfer;

struct http_opts {
	long timeout_ms;	 /* whole request; <= 0: none */
	long connect_timeout_ms; /* <= 0: libcurl's default */
	long max_response_bytes; /* body cap; <= 0: none. Beyond it the transfer is aborted */
	const char *ca_file;	 /* extra CA bundle; may be NULL */
};

/* libcurl's process-wide state: once at program start, before any thread, and once at the end
 * (the CLI does it for every command but --version and help). Returns 0 or -1 (PL_E_INTERNAL). */
int http_global_init(struct pl_err *err);
void http_global_cleanup(void);

/* Returns a new multi handle (HTTP/2 multiplexing on, connections reused), or NULL with err
 * set (PL_E_INTERNAL) when libcurl cannot start. */
struct http *http_new(struct pl_err *err);
void http_free(struct http *h); /* NULL-safe; aborts transfers still running */

struct http_xfer *http_xfer_new(void);
void http_xfer_free(struct http_xfer *x); /* NULL-safe; must not be running */

/* Starts sending rq (borrowed until the transfer is done). user is handed back by http_poll.
 * A SigV4 request (rq->sigv4_provider set) is first signed in place for the current time
 * (probe_sign_request, probes/sigv4.h: host, x-amz-date, authorization headers replaced).
 * Returns 0, or -1 with err set (the transfer is then not running). */
int http_start(struct http *h, struct http_xfer *x, struct probe_request *rq,
	       const struct http_opts *o, void *user, struct pl_err *err);

/* Runs the loop for at most timeout_ms (0: no wait) and calls done for every transfer that
 * finished. Returns the number of transfers still running, or -1 with err set. */
typedef void (*http_done_fn)(void *ctx, struct http_xfer *x, void *user);
int http_poll(struct http *h, long timeout_ms, http_done_fn done, void *ctx, struct pl_err *err);
/* Lets libcurl send what was just added (and read what is ready) without waiting or reporting
 * finished transfers (the next http_poll does). Returns 0, or -1 with err set. */
int http_kick(struct http *h, struct pl_err *err);
size_t http_running(const struct http *h);

/* Results of a finished transfer (borrowed from x). */
/* The response: status 0 when none arrived. Body is NUL-terminated. */
const struct probe_response *http_xfer_response(const struct http_xfer *x);
/* PROBE_OK when an HTTP response arrived complete (whatever its status); otherwise
 * PROBE_FAULT_NETWORK, PROBE_FAULT_TIMEOUT or PROBE_FAULT_MALFORMED (size cap). */
enum probe_fault http_xfer_fault(const struct http_xfer *x);
/* A lower-case message for a transport fault ("" when none); never holds a secret. */
const char *http_xfer_error(const struct http_xfer *x);
/* 1 when no connection could be made (refused, unresolvable, connect timeout, TLS handshake):
 * what a circuit breaker counts. */
int http_xfer_connect_failed(const struct http_xfer *x);
/* The class of a transport failure, for outage reports: "connect", "dns", "tls", "reset",
 * "empty_reply" (the server closed without answering), "timeout", "network" (other); "" when
 * an HTTP response arrived (or the body was over the size cap). A static string. */
const char *http_xfer_kind(const struct http_xfer *x);

/* Credential-bearing request headers that must never be logged or recorded. */
int http_header_is_secret(const char *name);

/* ---- one request, synchronously (alerts and e-mail: the one other libcurl path) ----
 * Same rules as the runner's transfers: redirects never followed, TLS always verified (ca_file
 * adds a CA bundle), only the protocols named. http: a POST of body with the header lines given.
 * smtp: mail_from / mail_rcpt (addresses without <>), body as the message, STARTTLS required
 * unless smtp_cleartext (the caller allows that for loopback servers only). All pointers are
 * borrowed for the call. */
struct http_once {
	const char *url; /* may hold a secret (a Slack webhook): never put in messages */
	int smtp;	 /* 0: HTTP(S) POST; 1: SMTP(S) */
	const char *body;
	size_t body_len;
	const char *const *headers; /* http: "Name: value" lines, n_headers of them */
	size_t n_headers;
	const char *mail_from;	      /* smtp */
	const char *const *mail_rcpt; /* smtp: n_rcpt addresses */
	size_t n_rcpt;
	const char *username, *password; /* smtp: may be NULL */
	int smtp_cleartext;		 /* smtp: no TLS (loopback only) */
	long timeout_ms;		 /* <= 0: 10 s */
	long connect_timeout_ms;	 /* <= 0: min(timeout, 5 s) */
	const char *ca_file;		 /* may be NULL */
};

/* What came back. status: the HTTP status or SMTP reply code (0 when none arrived);
 * retry_after_ms: from Retry-After (seconds or an HTTP date, as probes read it) or
 * retry-after-ms, -1 when none; retryable: a network failure, a timeout, HTTP 408/429/5xx
 * (SMTP: anything but refused login, refused TLS, 5xx replies and an unknown protocol). */
struct http_once_result {
	long status;
	long retry_after_ms;
	int retryable;
};

/* Sends rq and waits for the answer. Returns 0 when it was delivered (HTTP 2xx, SMTP accepted),
 * or -1 with err set (PL_E_VENDOR "delivery failed: <libcurl's reason or HTTP status>", naming
 * `where`; never the URL) and *res filled. */
int http_once(const struct http_once *rq, const char *where, struct http_once_result *res,
	      struct pl_err *err);

/* Why url cannot be used by http_once (smtp: 0 for http:// and https://, 1 for smtp:// and
 * smtps://): "does not parse as a URL", "expected an http:// or https:// URL", "has no host",
 * ...; NULL when it can. The reason never quotes the URL (it may be a secret). Config checks
 * call it so that a bad URL is an error of the config, not a failed (and retried) delivery. */
const char *http_url_problem(const char *url, int smtp);
/* http_url_problem for a vendor's base_url, which also has no user name or password (sent and
 * echoed, never redacted), query string (the probe's path would land in it) or fragment; the
 * answer never repeats the URL. */
const char *http_base_url_problem(const char *url);
/* http_url_problem for a base that links are made from by appending a path (the alerts'
 * report_url_base): no query string or fragment (the path would land inside it), no user name
 * or password (every message would show it); the answer never repeats the URL. */
const char *http_link_base_problem(const char *url);

/* The wait before retry `attempt` (1 for the first retry), in seconds: full jitter, unit (in
 * [0, 1)) times base_ms * 2^(attempt-1) capped at cap_ms, raised to retry_after_ms when that is
 * set (>= 0) and longer, never above cap_ms. The runner and the embedder retry with it. */
double http_backoff_s(double unit, double base_ms, double cap_ms, int attempt, long retry_after_ms);

#endif
