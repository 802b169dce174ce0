/* receiver.h: loopback servers for tests: an HTTP receiver (libmicrohttpd) that records every
 * request and answers with scripted status codes, and a minimal SMTP server that records the
 * conversation. Both listen on 127.0.0.1 on a free port chosen by the kernel. */
#ifndef PL_TEST_RECEIVER_H
#define PL_TEST_RECEIVER_H

#include <stddef.h>

struct receiver;

struct receiver_req {
	char *method;
	char *path;
	char *headers; /* "name: value\n" per header, names lower-cased */
	char *body;    /* NUL-terminated */
	size_t body_len;
};

/* Starts the HTTP receiver. The i-th request is answered with statuses[i] (and, for 429/503,
 * "Retry-After: retry_after" when retry_after is not NULL); requests past n get final_status.
 * Returns NULL on failure. */
struct receiver *receiver_start(const int *statuses, size_t n, int final_status,
				const char *retry_after);
int receiver_port(const struct receiver *r);
/* "http://127.0.0.1:PORT/PATH" into buf. */
const char *receiver_url(const struct receiver *r, const char *path, char *buf, size_t len);
size_t receiver_count(struct receiver *r);
/* Copies of the i-th request (valid until receiver_stop). */
const struct receiver_req *receiver_get(struct receiver *r, size_t i);
/* The value of header name (lower case) in q, or NULL. Returned string is static per call. */
const char *receiver_header(const struct receiver_req *q, const char *name, char *buf, size_t len);
void receiver_stop(struct receiver *r); /* NULL-safe */

/* SMTP server modes. */
enum smtp_mode {
	SMTP_PLAIN = 0,	       /* no STARTTLS offered; AUTH PLAIN LOGIN offered */
	SMTP_STARTTLS_REFUSED, /* offers STARTTLS, answers it with 454 */
	SMTP_REJECT_RCPT,      /* answers RCPT TO with 550 */
};

struct smtp_server;

/* Starts a server that serves sessions one after another until stopped. */
struct smtp_server *smtp_server_start(enum smtp_mode mode);
int smtp_server_port(const struct smtp_server *s);
/* Waits (up to timeout_ms) until `sessions` sessions have ended. Returns 0, or -1 on timeout. */
int smtp_server_wait(struct smtp_server *s, int sessions, int timeout_ms);
/* Every line the clients sent, outside DATA ("EHLO x\n", "MAIL FROM:<a@b>\n", ...). */
const char *smtp_server_transcript(struct smtp_server *s);
/* The message of the last DATA (dot-unstuffed, CRLF kept), or "" if none. */
const char *smtp_server_data(struct smtp_server *s);
/* The decoded AUTH PLAIN credentials of the last session: "user\0pass" -> "user:pass". */
const char *smtp_server_auth(struct smtp_server *s);
void smtp_server_stop(struct smtp_server *s); /* NULL-safe */

#endif
