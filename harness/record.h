/* record.h: record/replay of raw vendor exchanges, so a suite can be re-checked offline and a
 * real recorded night can be committed as a test.
 *
 * A recording is one JSON file per exchange, DIR/<key>.json:
 *   {"recording":1,"key":KEY,"sample":N,
 *    "request":{"method":..,"url":..,"headers":{name:value,..},"body":..},
 *    "response":{"status":N,"headers":{name:value,..},"body":..,"latency_ms":X,"ttfb_ms":X}}
 * The request is stored without credentials: credential headers (authorization, api-key,
 * x-api-key, x-goog-api-key, cookies, anything named like a key, token or secret), SigV4 keys
 * and "key=" URL parameters are dropped, and every registered secret (redact.h: literal,
 * escaped or base64, each part of a composite key too) is redacted wherever else it appears.
 * KEY is the SHA-256 (hex) of the credential-free request (method, URL, non-secret headers
 * sorted by name, body); the file name adds the sample index ("<KEY>-<N>.json"), so
 * unseeded samples of one prompt keep their own answers. Replay looks up "<KEY>-<N>.json" and
 * falls back to "<KEY>-0.json". Files are written atomically with mode 0600. */
#ifndef PL_RECORD_H
#define PL_RECORD_H

#include "err.h"
#include "probe.h"

/* A replayed response: resp points into the struct's own storage. */
struct record_reply {
	struct probe_response resp;
	struct probe_header *headers;
	size_t n_headers;
	char *body;
};

/* Fills key (65 bytes) with the hex SHA-256 of the credential-free request. */
void record_key(const struct probe_request *rq, char key[65]);

/* Saves one exchange into dir. secret (may be NULL) is the vendor's key: it is registered with
 * redact_add_credential, and every registered secret is redacted from what is saved. Returns 0, or
 * -1 with err set (PL_E_IO). */
int record_save(const char *dir, const struct probe_request *rq, int sample,
		const struct probe_response *resp, const char *secret, struct pl_err *err);

/* Finds the recording for rq. Returns 0 and fills out, 1 when there is none, -1 with err set
 * when one exists but cannot be read. */
int record_load(const char *dir, const struct probe_request *rq, int sample,
		struct record_reply *out, struct pl_err *err);
void record_reply_release(struct record_reply *r); /* NULL-safe */

#endif
