/* sigv4.h: AWS Signature Version 4 (header signing, "AWS4-HMAC-SHA256") without I/O or clock,
 * and probe_sign_request, which signs a probe's SigV4 request at send time.
 *
 * Why not libcurl's CURLOPT_AWS_SIGV4: libcurl 7.88 (Debian 12) signs the path as sent, but
 * every AWS service except S3 signs it percent-encoded a second time, so a Bedrock modelId with
 * ':' ("...nova-micro-v1%3A0") must be signed as "%253A0"; libcurl's signature is refused.
 * tests/unit/test_sigv4.c runs every AWS and botocore test vector against this signer.
 *
 * The signing time is an input, so the signer is deterministic and testable. Secrets (the secret
 * access key and the keys derived from it) are never copied except into buffers that are wiped
 * with OPENSSL_cleanse before they are released. Error messages never contain a secret.
 */
#ifndef PL_SIGV4_H
#define PL_SIGV4_H

#include "err.h"
#include "probe.h"

#include <time.h>

/* Signing options (struct sigv4_params.flags). The default is the rule of every AWS service
 * except S3: the path is normalised ("." and ".." segments removed, "//" collapsed) and
 * percent-encoded once more as sent ('%' becomes %25). */
#define SIGV4_F_NO_NORMALIZE   (1u << 0) /* keep the path's dot segments and "//" (S3) */
#define SIGV4_F_SINGLE_ENCODE  (1u << 1) /* encode the path once: %XX kept as is (S3) */
#define SIGV4_F_SIGN_BODY      (1u << 2) /* add and sign x-amz-content-sha256 */
#define SIGV4_F_UNSIGNED_TOKEN (1u << 3) /* session token sent but not signed (rare services) */

/* The request to sign. All borrowed. */
struct sigv4_request {
	const char *method; /* "GET", "POST", ... */
	/* The request target as it goes on the wire: path (percent-encoded or raw bytes) and an
	 * optional "?query"; a "#fragment" is ignored. */
	const char *target;
	/* Header names in any case; MUST include host. Repeated names are signed as one line,
	 * values joined by ','. authorization, user-agent, expect, transfer-encoding and
	 * x-amzn-trace-id are never signed; x-amz-date, x-amz-security-token and
	 * x-amz-content-sha256 are replaced by the signer's own. */
	const struct probe_header *headers;
	size_t n_headers;
	const char *body; /* may be NULL when body_len is 0 */
	size_t body_len;
};

/* Who signs, where and when. All borrowed. */
struct sigv4_params {
	const char *access_key_id;
	const char *secret_access_key; /* secret */
	const char *session_token;     /* secret; NULL or "" for long-term keys */
	const char *region;	       /* "us-east-1" */
	const char *service;	       /* "bedrock", ... */
	time_t when;		       /* the signing time (UTC seconds) */
	unsigned flags;		       /* SIGV4_F_* */
};

/* What signing produced. Every string is owned by the struct. The headers the caller MUST send
 * besides its own are: x-amz-date: amz_date, authorization: authorization, and, when set,
 * x-amz-security-token (the session token) and x-amz-content-sha256: content_sha256. */
struct sigv4_result {
	char *canonical_request; /* task 1 of the AWS documentation, for tests and debugging */
	char *string_to_sign;	 /* task 2 */
	char *signed_headers;	 /* "content-type;host;x-amz-date" */
	char *signature;	 /* lower-case hex */
	char *authorization;	 /* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., ..." */
	char amz_date[17];	 /* "20150830T123600Z" */
	char content_sha256[65]; /* hex SHA-256 of the body */
	int sign_body;		 /* x-amz-content-sha256 must be sent */
};

void sigv4_result_init(struct sigv4_result *r);
void sigv4_result_release(struct sigv4_result *r); /* NULL-safe; may be init'ed again */

/* Signs rq. out was sigv4_result_init'ed (an earlier result is released first). Returns 0, or
 * -1 with err set (PL_E_INPUT: no host header, a missing credential, region or service, a time
 * that cannot be formatted; PL_E_INTERNAL: OpenSSL failed); out is then empty. */
int sigv4_sign(const struct sigv4_request *rq, const struct sigv4_params *p,
	       struct sigv4_result *out, struct pl_err *err);

/* Signs a probe's SigV4 request (r->sigv4_provider set) in place for sending at now: parses
 * sigv4_provider "aws:amz:REGION:SERVICE", sigv4_userpwd "ACCESS_KEY_ID:SECRET_ACCESS_KEY" and
 * the URL, then replaces any host, x-amz-date, x-amz-security-token, x-amz-content-sha256 and
 * authorization headers in r by freshly signed ones (so a retry may sign again). The runner
 * (harness/http.c) calls it just before sending. A request without sigv4_provider is left as
 * is. Returns 0, or -1 with err set (PL_E_INPUT: a malformed provider, key pair or URL). */
int probe_sign_request(struct probe_request *r, time_t now, struct pl_err *err);

#endif
