/* sigv4.c: AWS Signature Version 4 over OpenSSL (canonical request, string to sign, derived
 * key, Authorization header) and probe_sign_request for the runner. Pure: no I/O, no clock. */
#include "sigv4.h"
#include "hex.h"
#include "sbuf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"

/* Headers that are never signed: proxies and clients rewrite them (botocore's list), and the
 * Authorization header carries the signature itself. */
static const char *const unsigned_headers[] = {
	"authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
};

/* Headers the signer sets itself; values in the request are replaced. */
static const char *const own_headers[] = {
	"x-amz-date",
	"x-amz-security-token",
	"x-amz-content-sha256",
};

struct canon_header {
	char *name; /* lower case */
	char *value;
	size_t order; /* position in the request: repeated names keep their order */
};

static int hmac(const unsigned char *key, size_t klen, const char *msg, size_t mlen,
		unsigned char out[32])
{
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, mlen, out, &n) ||
	    n != 32)
		return -1;
	return 0;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 encoding as AWS wants it: unreserved bytes stay, everything else is %XX (upper
 * case); '/' stays too when keep_slash. */
static void uri_encode(struct sbuf *sb, const char *s, size_t n, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			sbuf_addch(sb, (char)c);
		} else {
			sbuf_addch(sb, '%');
			sbuf_addch(sb, digits[c >> 4]);
			sbuf_addch(sb, digits[c & 15]);
		}
	}
}

/* Decodes %XX (a '%' not followed by two hex digits stays literal); '+' is not a space here. */
static void pct_decode(struct sbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 &&
		    hex_digit(s[i + 2]) >= 0) {
			sbuf_addch(sb, (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
			i += 2;
		} else {
			sbuf_addch(sb, s[i]);
		}
	}
}

/* RFC 3986 remove_dot_segments plus AWS's collapsing of empty segments ("//"), as botocore
 * does: a trailing '/' survives unless nothing is left but the root. */
static void normalize_path(struct sbuf *out, const char *path, size_t n)
{
	size_t *starts = xcalloc(n + 1, sizeof(*starts)), *lens = xcalloc(n + 1, sizeof(*lens));
	size_t k = 0, i = 0, j;

	while (i <= n) {
		size_t s = i, len;

		while (i < n && path[i] != '/')
			i++;
		len = i - s;
		if (len == 2 && path[s] == '.' && path[s + 1] == '.') {
			if (k)
				k--;
		} else if (len && !(len == 1 && path[s] == '.')) {
			starts[k] = s;
			lens[k] = len;
			k++;
		}
		i++;
	}
	if (n && path[0] == '/')
		sbuf_addch(out, '/');
	for (j = 0; j < k; j++) {
		if (j)
			sbuf_addch(out, '/');
		sbuf_add(out, path + starts[j], lens[j]);
	}
	if (k && n && path[n - 1] == '/')
		sbuf_addch(out, '/');
	free(starts);
	free(lens);
}

static void canonical_uri(struct sbuf *sb, const char *path, size_t n, unsigned flags)
{
	struct sbuf norm, dec;

	sbuf_init(&norm);
	sbuf_init(&dec);
	if (flags & SIGV4_F_NO_NORMALIZE)
		sbuf_add(&norm, path, n);
	else
		normalize_path(&norm, path, n);
	if (!norm.len) {
		sbuf_addch(sb, '/');
	} else if (flags & SIGV4_F_SINGLE_ENCODE) {
		pct_decode(&dec, norm.buf, norm.len);
		uri_encode(sb, dec.buf, dec.len, 1);
	} else {
		/* The path as sent is encoded once more: "%3A" is signed as "%253A". */
		uri_encode(sb, norm.buf, norm.len, 1);
	}
	sbuf_release(&norm);
	sbuf_release(&dec);
}

struct qparam {
	char *key; /* canonically encoded */
	char *value;
};

static int cmp_qparam(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

static char *encode_component(const char *s, size_t n)
{
	struct sbuf dec, enc;
	char *out;

	sbuf_init(&dec);
	sbuf_init(&enc);
	pct_decode(&dec, s, n);
	uri_encode(&enc, dec.buf ? dec.buf : "", dec.len, 0);
	out = sbuf_detach(&enc, NULL);
	sbuf_release(&dec);
	sbuf_release(&enc);
	return out;
}

/* Parameters decoded and re-encoded (so raw and encoded forms sign alike), sorted by key,
 * then value; "key" without '=' is "key=". */
static void canonical_query(struct sbuf *sb, const char *q, size_t n)
{
	struct qparam *ps = xcalloc(n / 2 + 1, sizeof(*ps));
	size_t np = 0, i = 0, j;

	while (i < n) {
		size_t s = i, e;
		const char *eq;

		while (i < n && q[i] != '&')
			i++;
		e = i++;
		if (e == s)
			continue;
		eq = memchr(q + s, '=', e - s);
		ps[np].key = encode_component(q + s, (size_t)((eq ? eq : q + e) - (q + s)));
		ps[np].value = eq ? encode_component(eq + 1, (size_t)(q + e - eq - 1))
				  : xstrdup("");
		np++;
	}
	qsort(ps, np, sizeof(*ps), cmp_qparam);
	for (j = 0; j < np; j++) {
		if (j)
			sbuf_addch(sb, '&');
		sbuf_addf(sb, "%s=%s", ps[j].key, ps[j].value);
		free(ps[j].key);
		free(ps[j].value);
	}
	free(ps);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trimmed, with every run of white space (folded lines included) turned into one space. */
static char *canonical_value(const char *v)
{
	struct sbuf sb;
	char *out;
	int pending = 0;

	sbuf_init(&sb);
	for (; *v; v++) {
		if (is_space(*v)) {
			pending = sb.len > 0;
			continue;
		}
		if (pending)
			sbuf_addch(&sb, ' ');
		pending = 0;
		sbuf_addch(&sb, *v);
	}
	out = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	return out ? out : xstrdup("");
}

static char *canonical_name(const char *n)
{
	size_t len, i;
	char *out;

	while (is_space(*n))
		n++;
	len = strlen(n);
	while (len && is_space(n[len - 1]))
		len--;
	out = xstrndup(n, len);
	for (i = 0; i < len; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

static int in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return 1;
	return 0;
}

static int cmp_header(const void *a, const void *b)
{
	const struct canon_header *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void add_canon(struct canon_header *h, size_t *n, char *name, char *value)
{
	h[*n].name = name;
	h[*n].value = value;
	h[*n].order = *n;
	(*n)++;
}

/* Appends the canonical header block ("name:v1,v2\n" sorted) to creq and the signed header
 * list to sh. Returns 0, or -1 when there is no host header. */
static int canonical_headers(const struct sigv4_request *rq, const struct sigv4_params *p,
			     const struct sigv4_result *out, struct sbuf *creq, struct sbuf *sh)
{
	struct canon_header *h = xcalloc(rq->n_headers + 3, sizeof(*h));
	size_t n = 0, i, j;
	int has_host = 0, ret = 0;

	for (i = 0; i < rq->n_headers; i++) {
		char *name = canonical_name(rq->headers[i].name);

		if (in_list(name, unsigned_headers, ARRAY_SIZE(unsigned_headers)) ||
		    in_list(name, own_headers, ARRAY_SIZE(own_headers))) {
			free(name);
			continue;
		}
		has_host |= !strcmp(name, "host");
		add_canon(h, &n, name, canonical_value(rq->headers[i].value));
	}
	add_canon(h, &n, xstrdup("x-amz-date"), xstrdup(out->amz_date));
	if (p->session_token && *p->session_token && !(p->flags & SIGV4_F_UNSIGNED_TOKEN))
		add_canon(h, &n, xstrdup("x-amz-security-token"),
			  canonical_value(p->session_token));
	if (out->sign_body)
		add_canon(h, &n, xstrdup("x-amz-content-sha256"), xstrdup(out->content_sha256));
	qsort(h, n, sizeof(*h), cmp_header);
	for (i = 0; i < n; i = j) {
		sbuf_addf(creq, "%s:%s", h[i].name, h[i].value);
		for (j = i + 1; j < n && !strcmp(h[j].name, h[i].name); j++)
			sbuf_addf(creq, ",%s", h[j].value);
		sbuf_addch(creq, '\n');
		if (sh->len)
			sbuf_addch(sh, ';');
		sbuf_addstr(sh, h[i].name);
	}
	for (i = 0; i < n; i++) {
		free(h[i].name);
		/* The session token is a secret. */
		OPENSSL_cleanse(h[i].value, strlen(h[i].value));
		free(h[i].value);
	}
	free(h);
	if (!has_host)
		ret = -1;
	return ret;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * then the signature over the string to sign. Every intermediate key is wiped. */
static int sign_sts(const struct sigv4_params *p, const char *date, const char *sts, char sig[65])
{
	struct sbuf k0;
	unsigned char k[32], k2[32], mac[32];
	int ret = -1;

	sbuf_init(&k0);
	sbuf_addf(&k0, "AWS4%s", p->secret_access_key);
	if (hmac((unsigned char *)k0.buf, k0.len, date, strlen(date), k) ||
	    hmac(k, sizeof(k), p->region, strlen(p->region), k2) ||
	    hmac(k2, sizeof(k2), p->service, strlen(p->service), k) ||
	    hmac(k, sizeof(k), "aws4_request", strlen("aws4_request"), k2) ||
	    hmac(k2, sizeof(k2), sts, strlen(sts), mac))
		goto out;
	hex_encode(mac, sizeof(mac), sig);
	ret = 0;
out:
	OPENSSL_cleanse(k0.buf, k0.cap);
	sbuf_release(&k0);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

void sigv4_result_init(struct sigv4_result *r)
{
	memset(r, 0, sizeof(*r));
}

void sigv4_result_release(struct sigv4_result *r)
{
	if (!r)
		return;
	/* The canonical request may hold the session token. */
	if (r->canonical_request)
		OPENSSL_cleanse(r->canonical_request, strlen(r->canonical_request));
	free(r->canonical_request);
	free(r->string_to_sign);
	free(r->signed_headers);
	free(r->signature);
	free(r->authorization);
	memset(r, 0, sizeof(*r));
}

static int missing(const char *s)
{
	return !s || !*s;
}

int sigv4_sign(const struct sigv4_request *rq, const struct sigv4_params *p,
	       struct sigv4_result *out, struct pl_err *err)
{
	struct sbuf creq, sh, sts, auth;
	char date[9], hash[65], sig[65];
	const char *target = rq->target ? rq->target : "/";
	size_t plen = strcspn(target, "?#"), qlen = 0;
	struct tm tm;
	int ret = -1;

	sigv4_result_release(out);
	sbuf_init(&creq);
	sbuf_init(&sh);
	sbuf_init(&sts);
	sbuf_init(&auth);
	if (missing(p->access_key_id) || missing(p->secret_access_key)) {
		pl_err_set(err, PL_E_INPUT, NULL, "sigv4: missing access key id or secret key");
		goto out;
	}
	if (missing(p->region) || missing(p->service) || missing(rq->method)) {
		pl_err_set(err, PL_E_INPUT, NULL, "sigv4: missing region, service or method");
		goto out;
	}
	if (!gmtime_r(&p->when, &tm) ||
	    !strftime(out->amz_date, sizeof(out->amz_date), "%Y%m%dT%H%M%SZ", &tm)) {
		pl_err_set(err, PL_E_INPUT, NULL, "sigv4: signing time out of range");
		goto out;
	}
	memcpy(date, out->amz_date, 8);
	date[8] = '\0';
	if (hex_sha256(rq->body, rq->body_len, out->content_sha256)) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "sigv4: sha-256 failed");
		goto out;
	}
	out->sign_body = !!(p->flags & SIGV4_F_SIGN_BODY);

	/* Task 1: the canonical request. */
	sbuf_addf(&creq, "%s\n", rq->method);
	canonical_uri(&creq, target, plen, p->flags);
	sbuf_addch(&creq, '\n');
	if (target[plen] == '?')
		qlen = strcspn(target + plen + 1, "#");
	canonical_query(&creq, target + plen + 1, qlen);
	sbuf_addch(&creq, '\n');
	if (canonical_headers(rq, p, out, &creq, &sh)) {
		pl_err_set(err, PL_E_INPUT, NULL, "sigv4: the request has no host header");
		goto out;
	}
	sbuf_addf(&creq, "\n%s\n%s", sh.buf, out->content_sha256);

	/* Task 2: the string to sign. */
	if (hex_sha256(creq.buf, creq.len, hash)) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "sigv4: sha-256 failed");
		goto out;
	}
	sbuf_addf(&sts, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", out->amz_date, date, p->region,
		  p->service, hash);

	/* Tasks 3 and 4: the signature and the Authorization header. */
	if (sign_sts(p, date, sts.buf, sig)) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "sigv4: hmac-sha256 failed");
		goto out;
	}
	sbuf_addf(&auth,
		  ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
			    "Signature=%s",
		  p->access_key_id, date, p->region, p->service, sh.buf, sig);
	out->canonical_request = sbuf_detach(&creq, NULL);
	out->string_to_sign = sbuf_detach(&sts, NULL);
	out->signed_headers = sbuf_detach(&sh, NULL);
	out->signature = xstrdup(sig);
	out->authorization = sbuf_detach(&auth, NULL);
	ret = 0;
out:
	/* A canonical request may hold the session token. */
	OPENSSL_cleanse(creq.buf, creq.cap);
	sbuf_release(&creq);
	sbuf_release(&sh);
	sbuf_release(&sts);
	sbuf_release(&auth);
	if (ret)
		sigv4_result_release(out);
	return ret;
}

/* "aws:amz:REGION:SERVICE" (the CURLOPT_AWS_SIGV4 form the bedrock probe fills). */
static int parse_provider(const char *prov, char **region, char **service)
{
	const char *c1 = strchr(prov, ':'), *c2, *c3;

	if (!c1)
		return -1;
	c2 = strchr(c1 + 1, ':');
	c3 = c2 ? strchr(c2 + 1, ':') : NULL;
	if (!c3 || c3 == c2 + 1 || !c3[1] || strchr(c3 + 1, ':'))
		return -1;
	*region = xstrndup(c2 + 1, (size_t)(c3 - c2 - 1));
	*service = xstrdup(c3 + 1);
	return 0;
}

/* Splits "scheme://[user@]host[:port]/path?query" into the Host header value (lower case,
 * without a default port, as libcurl sends it) and the request target. */
static int parse_url(const char *url, char **host, const char **target)
{
	const char *sep = strstr(url, "://"), *auth, *end, *at, *colon, *close;
	size_t slen, i;
	char *h;

	if (!sep)
		return -1;
	slen = (size_t)(sep - url);
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at)
		auth = at + 1;
	if (end == auth)
		return -1;
	close = auth[0] == '[' ? memchr(auth, ']', (size_t)(end - auth)) : NULL;
	colon = memchr(close ? close : auth, ':', (size_t)(end - (close ? close : auth)));
	if (colon && ((slen == 4 && !strncasecmp(url, "http", 4) && !strncmp(colon, ":80", 3) &&
		       colon + 3 == end) ||
		      (slen == 5 && !strncasecmp(url, "https", 5) && !strncmp(colon, ":443", 4) &&
		       colon + 4 == end) ||
		      colon + 1 == end))
		h = xstrndup(auth, (size_t)(colon - auth));
	else
		h = xstrndup(auth, (size_t)(end - auth));
	for (i = 0; h[i]; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] - 'A' + 'a');
	*host = h;
	*target = end;
	return 0;
}

/* Drops the headers a previous signing added (a retry signs again). */
static void drop_signing_headers(struct probe_request *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->n_headers; i++) {
		const char *n = r->headers[i].name;

		if (!strcasecmp(n, "host") || !strcasecmp(n, "authorization") ||
		    in_list(n, own_headers, ARRAY_SIZE(own_headers))) {
			free(r->headers[i].name);
			OPENSSL_cleanse(r->headers[i].value, strlen(r->headers[i].value));
			free(r->headers[i].value);
			continue;
		}
		r->headers[k++] = r->headers[i];
	}
	r->n_headers = k;
}

int probe_sign_request(struct probe_request *r, time_t now, struct pl_err *err)
{
	struct sigv4_params p;
	struct sigv4_request rq;
	struct sigv4_result res;
	struct sbuf target;
	char *region = NULL, *service = NULL, *host = NULL, *akid = NULL;
	const char *colon, *path;
	int ret = -1;

	if (!r->sigv4_provider)
		return 0;
	sigv4_result_init(&res);
	sbuf_init(&target);
	memset(&p, 0, sizeof(p));
	if (parse_provider(r->sigv4_provider, &region, &service)) {
		pl_err_set(err, PL_E_INPUT, NULL,
			   "sigv4: provider \"%s\" is not \"aws:amz:REGION:SERVICE\"",
			   r->sigv4_provider);
		goto out;
	}
	colon = r->sigv4_userpwd ? strchr(r->sigv4_userpwd, ':') : NULL;
	if (!colon || colon == r->sigv4_userpwd || !colon[1]) {
		pl_err_set(err, PL_E_INPUT, NULL,
			   "sigv4: key pair must be ACCESS_KEY_ID:SECRET_ACCESS_KEY");
		goto out;
	}
	if (!r->url || parse_url(r->url, &host, &path)) {
		pl_err_set(err, PL_E_INPUT, NULL, "sigv4: cannot find the host in the url");
		goto out;
	}
	if (*path != '/')
		sbuf_addch(&target, '/');
	sbuf_addstr(&target, path);
	akid = xstrndup(r->sigv4_userpwd, (size_t)(colon - r->sigv4_userpwd));
	p.access_key_id = akid;
	p.secret_access_key = colon + 1;
	p.session_token = r->sigv4_session_token;
	p.region = region;
	p.service = service;
	p.when = now;
	drop_signing_headers(r);
	probe_request_add_header(r, "host", host);
	rq.method = r->method ? r->method : "POST";
	rq.target = target.buf;
	rq.headers = r->headers;
	rq.n_headers = r->n_headers;
	rq.body = r->body;
	rq.body_len = r->body_len;
	if (sigv4_sign(&rq, &p, &res, err))
		goto out;
	probe_request_add_header(r, "x-amz-date", res.amz_date);
	if (r->sigv4_session_token && *r->sigv4_session_token)
		probe_request_add_header(r, "x-amz-security-token", r->sigv4_session_token);
	probe_request_add_header(r, "authorization", res.authorization);
	ret = 0;
out:
	sigv4_result_release(&res);
	sbuf_release(&target);
	free(region);
	free(service);
	free(host);
	free(akid);
	return ret;
}
