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

#endif
