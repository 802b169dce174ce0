/* http.c: vendor HTTP over one libcurl multi handle: size-capped bodies, lower-cased headers,
 * timings, and transport failures mapped to probe faults. */
#include "http.h"
#include "sbuf.h"
#include "sigv4.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct http {
	CURLM *multi;
	size_t running;
};

struct http_xfer {
	CURL *easy;
	struct curl_slist *hdrs;
	struct sbuf body;
	struct probe_header *headers;
	size_t n_headers, cap_headers;
	struct probe_response resp;
	enum probe_fault fault;
	const char *kind; /* transport failure class (http_xfer_kind) */
	int connect_failed;
	int too_big;
	int running;
	long max_bytes;
	long timeout_ms;
	void *user;
	char errbuf[CURL_ERROR_SIZE];
	char msg[CURL_ERROR_SIZE + 64];
};

static const char *const secret_headers[] = {
	"authorization", "proxy-authorization",	 "api-key", "x-api-key", "x-goog-api-key",
	"cookie",	 "x-amz-security-token",
};

static int contains_nocase(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++)
		if (!strncasecmp(s, word, n))
			return 1;
	return 0;
}

int http_header_is_secret(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(secret_headers); i++)
		if (!strcasecmp(name, secret_headers[i]))
			return 1;
	/* Anything that looks like a credential is treated as one. */
	return contains_nocase(name, "key") || contains_nocase(name, "token") ||
	       contains_nocase(name, "secret") || contains_nocase(name, "auth");
}

int http_global_init(struct pl_err *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl could not be initialised");
	return 0;
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

struct http *http_new(struct pl_err *err)
{
	struct http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl could not be initialised");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl multi handle could not be created");
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return h;
}

static void clear_headers(struct http_xfer *x)
{
	size_t i;

	for (i = 0; i < x->n_headers; i++) {
		free(x->headers[i].name);
		free(x->headers[i].value);
	}
	x->n_headers = 0;
}

static void free_slist(struct http_xfer *x)
{
	struct curl_slist *s;

	/* Request headers carry credentials: wipe before freeing. */
	for (s = x->hdrs; s; s = s->next)
		OPENSSL_cleanse(s->data, strlen(s->data));
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
}

struct http_xfer *http_xfer_new(void)
{
	struct http_xfer *x = xcalloc(1, sizeof(*x));

	sbuf_init(&x->body);
	return x;
}

void http_xfer_free(struct http_xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	free_slist(x);
	clear_headers(x);
	free(x->headers);
	sbuf_release(&x->body);
	free(x);
}

void http_free(struct http *h)
{
	if (!h)
		return;
	/* Transfers still running belong to their owners, who free them after this. */
	curl_multi_cleanup(h->multi);
	free(h);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct http_xfer *x = ctx;
	size_t len = size * n;

	if (x->max_bytes > 0 && x->body.len + len > (size_t)x->max_bytes) {
		x->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	sbuf_add(&x->body, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct http_xfer *x = ctx;
	size_t len = size * n, nl, vl, i;
	const char *colon, *v;
	char *name;

	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		/* A new response (after 100 Continue or a proxy): forget earlier headers. */
		clear_headers(x);
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return len;
	nl = (size_t)(colon - data);
	v = colon + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (x->n_headers == x->cap_headers) {
		x->cap_headers = x->cap_headers ? 2 * x->cap_headers : 16;
		x->headers = xrealloc(x->headers, x->cap_headers * sizeof(*x->headers));
	}
	name = xstrndup(data, nl);
	for (i = 0; i < nl; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	x->headers[x->n_headers].name = name;
	x->headers[x->n_headers].value = xstrndup(v, vl);
	x->n_headers++;
	return len;
}

static int add_header(struct http_xfer *x, const char *name, const char *value)
{
	struct sbuf line;
	struct curl_slist *s;

	sbuf_init(&line);
	sbuf_addf(&line, "%s: %s", name, value);
	s = curl_slist_append(x->hdrs, line.buf);
	OPENSSL_cleanse(line.buf, line.len);
	sbuf_release(&line);
	if (!s)
		return -1;
	x->hdrs = s;
	return 0;
}

static int setup(struct http_xfer *x, const struct probe_request *rq, const struct http_opts *o)
{
	CURL *e = x->easy;
	size_t i;

	for (i = 0; i < rq->n_headers; i++)
		if (add_header(x, rq->headers[i].name, rq->headers[i].value))
			return -1;
	/* No "Expect: 100-continue" round trip for large bodies. */
	if (add_header(x, "expect", ""))
		return -1;

	curl_easy_setopt(e, CURLOPT_URL, rq->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Waiting for a connection that may multiplex only pays off where HTTP/2 is negotiated
	 * (ALPN, during the TLS handshake). Over cleartext HTTP/1.1 it would hold every request
	 * but the first until the first answer came back: one whole vendor latency per run. */
	if (!strncmp(rq->url, "https:", 6))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "plumbline/" PL_VERSION);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (o->timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	if (o->connect_timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (o->max_response_bytes > 0)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response_bytes);
	if (o->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	if (rq->method && !strcmp(rq->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		if (rq->method && strcmp(rq->method, "POST"))
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	return 0;
}

int http_start(struct http *h, struct http_xfer *x, struct probe_request *rq,
	       const struct http_opts *o, void *user, struct pl_err *err)
{
	if (x->running)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "transfer started twice");
	if (!x->easy)
		x->easy = curl_easy_init();
	else
		curl_easy_reset(x->easy); /* keeps the connection and DNS caches */
	if (!x->easy)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl handle could not be created");
	free_slist(x);
	clear_headers(x);
	sbuf_reset(&x->body);
	memset(&x->resp, 0, sizeof(x->resp));
	x->resp.ttfb_ms = -1;
	x->fault = PROBE_OK;
	x->kind = "";
	x->connect_failed = 0;
	x->too_big = 0;
	x->errbuf[0] = '\0';
	x->msg[0] = '\0';
	x->max_bytes = o->max_response_bytes;
	x->timeout_ms = o->timeout_ms;
	x->user = user;
	/* SigV4 signs the send time, so it happens here, not in the probe (libcurl 7.88's
	 * CURLOPT_AWS_SIGV4 signs Bedrock paths wrongly: see probes/sigv4.h). */
	if (probe_sign_request(rq, time(NULL), err))
		return -1;
	if (setup(x, rq, o))
		return pl_err_set(err, PL_E_INTERNAL, NULL, "request headers could not be set");
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "transfer could not be started");
	x->running = 1;
	h->running++;
	return 0;
}

/* The outage class of a transport failure, for the circuit breaker's report. */
static const char *kind_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "dns";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return "tls";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_GOT_NOTHING:
		return "empty_reply";
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return "reset";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	default:
		return "network";
	}
}

static void classify(struct http_xfer *x, CURLcode rc)
{
	curl_off_t connect_us = 0;
	const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

	x->kind = rc == CURLE_OK ? "" : kind_of(rc);
	switch (rc) {
	case CURLE_OK:
		x->fault = PROBE_OK;
		return;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (rc == CURLE_FILESIZE_EXCEEDED || x->too_big) {
			x->fault = PROBE_FAULT_MALFORMED;
			x->kind = "";
			snprintf(x->msg, sizeof(x->msg), "response larger than %ld bytes",
				 x->max_bytes);
			return;
		}
		break;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
		x->fault = PROBE_FAULT_TIMEOUT;
		x->connect_failed = connect_us == 0;
		if (x->connect_failed) {
			x->kind = "connect";
			snprintf(x->msg, sizeof(x->msg), "connect timeout: %s", detail);
		} else {
			snprintf(x->msg, sizeof(x->msg), "no complete answer within %ld ms",
				 x->timeout_ms);
		}
		return;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		x->fault = PROBE_FAULT_NETWORK;
		x->connect_failed = 1;
		snprintf(x->msg, sizeof(x->msg), "connection failed: %s", detail);
		return;
	default:
		break;
	}
	x->fault = PROBE_FAULT_NETWORK;
	snprintf(x->msg, sizeof(x->msg), "transfer failed: %s", detail);
}

static void finish(struct http *h, CURL *e, CURLcode rc, http_done_fn done, void *ctx)
{
	struct http_xfer *x = NULL;
	curl_off_t total_us = 0, start_us = 0;
	long status = 0;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	curl_multi_remove_handle(h->multi, e);
	x->running = 0;
	h->running--;
	classify(x, rc);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
	curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start_us);
	x->resp.status = x->fault == PROBE_OK ? status : 0;
	x->resp.headers = x->headers;
	x->resp.n_headers = x->n_headers;
	x->resp.body = x->body.buf;
	x->resp.body_len = x->body.len;
	x->resp.latency_ms = (double)total_us / 1000.0;
	x->resp.ttfb_ms = start_us > 0 ? (double)start_us / 1000.0 : -1;
	/* The secrets in the request headers are no longer needed. */
	free_slist(x);
	done(ctx, x, x->user);
}

int http_kick(struct http *h, struct pl_err *err)
{
	int still = 0;

	if (curl_multi_perform(h->multi, &still) != CURLM_OK)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl multi loop failed");
	return 0;
}

int http_poll(struct http *h, long timeout_ms, http_done_fn done, void *ctx, struct pl_err *err)
{
	int still = 0, left = 0;
	CURLMsg *m;

	if (curl_multi_perform(h->multi, &still) != CURLM_OK)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl multi loop failed");
	if (timeout_ms > 0 && (size_t)still == h->running) {
		if (curl_multi_poll(h->multi, NULL, 0, (int)timeout_ms, NULL) != CURLM_OK)
			return pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl poll failed");
		if (curl_multi_perform(h->multi, &still) != CURLM_OK)
			return pl_err_set(err, PL_E_INTERNAL, NULL, "libcurl multi loop failed");
	}
	for (;;) {
		m = curl_multi_info_read(h->multi, &left);
		if (!m)
			break;
		if (m->msg == CURLMSG_DONE)
			finish(h, m->easy_handle, m->data.result, done, ctx);
	}
	return (int)h->running;
}

size_t http_running(const struct http *h)
{
	return h->running;
}

const struct probe_response *http_xfer_response(const struct http_xfer *x)
{
	return &x->resp;
}

enum probe_fault http_xfer_fault(const struct http_xfer *x)
{
	return x->fault;
}

const char *http_xfer_error(const struct http_xfer *x)
{
	return x->msg;
}

int http_xfer_connect_failed(const struct http_xfer *x)
{
	return x->connect_failed;
}

/* ---- one request, synchronously ---- */

struct once_ctx {
	struct probe_header hdrs[2]; /* retry-after, retry-after-ms */
	char vals[2][64];
	size_t got;
	const char *body;
	size_t left;
};

static size_t once_body(char *p, size_t size, size_t n, void *ud)
{
	struct once_ctx *c = ud;

	(void)p;
	c->got += size * n;
	return c->got > (1u << 20) ? 0 : size * n; /* an alert endpoint's answer is small */
}

static size_t once_header(char *p, size_t size, size_t n, void *ud)
{
	static const char *const names[] = { "retry-after", "retry-after-ms" };
	struct once_ctx *c = ud;
	size_t len = size * n, i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		size_t k = strlen(names[i]), v;
		const char *val;

		if (len <= k + 1 || strncasecmp(p, names[i], k) || p[k] != ':')
			continue;
		val = p + k + 1;
		while (val < p + len && (*val == ' ' || *val == '\t'))
			val++;
		v = (size_t)(p + len - val);
		while (v && (val[v - 1] == '\r' || val[v - 1] == '\n' || val[v - 1] == ' '))
			v--;
		if (v >= sizeof(c->vals[i]))
			v = sizeof(c->vals[i]) - 1;
		memcpy(c->vals[i], val, v);
		c->vals[i][v] = '\0';
		c->hdrs[i].name = (char *)names[i];
		c->hdrs[i].value = c->vals[i];
	}
	return len;
}

static size_t once_read(char *buf, size_t size, size_t n, void *ud)
{
	struct once_ctx *c = ud;
	size_t k = size * n < c->left ? size * n : c->left;

	memcpy(buf, c->body, k);
	c->body += k;
	c->left -= k;
	return k;
}

static long once_retry_after(const struct once_ctx *c)
{
	struct probe_header h[2];
	struct probe_response r;
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(c->hdrs); i++)
		if (c->hdrs[i].name)
			h[n++] = c->hdrs[i];
	memset(&r, 0, sizeof(r));
	r.headers = h;
	r.n_headers = n;
	return probe_retry_after_ms(&r);
}

static struct curl_slist *once_list(const char *const *items, size_t n, int angle)
{
	struct curl_slist *l = NULL, *t;
	struct sbuf b = SBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		sbuf_reset(&b);
		sbuf_addf(&b, angle ? "<%s>" : "%s", items[i]);
		t = curl_slist_append(l, b.buf);
		if (!t)
			break;
		l = t;
	}
	sbuf_release(&b);
	return l;
}

const char *http_url_problem(const char *url, int smtp)
{
	const char *why = NULL, *p;
	char *scheme = NULL, *host = NULL;
	CURLU *u;

	if (!url || !*url)
		return "is empty";
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return "contains a space or a control character";
	u = curl_url();
	if (!u)
		return "cannot be checked (out of memory)";
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		why = "does not parse as a URL";
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		 (smtp ? strcmp(scheme, "smtp") && strcmp(scheme, "smtps")
		       : strcmp(scheme, "http") && strcmp(scheme, "https")))
		why = smtp ? "expected an smtp:// or smtps:// URL"
			   : "expected an http:// or https:// URL";
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		why = "has no host";
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return why;
}

/* What of user, password, query and fragment url has, for the checks below: 'u' (a user name
 * or password), '?', '#', 0 (none), or 'x' when it does not parse. */
static char url_extra_part(const char *url)
{
	char *part = NULL, r = 0;
	CURLU *u = curl_url();

	if (!u)
		return 'x';
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		r = 'x';
	else if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
		 curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK)
		r = 'u';
	else if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK)
		r = '?';
	else if (curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK)
		r = '#';
	curl_free(part);
	curl_url_cleanup(u);
	return r;
}

/* The problem of a base URL, in the words given for its user:password, query and fragment
 * (words[0..2]), or NULL. */
static const char *base_problem(const char *url, const char *const words[3])
{
	const char *why = http_url_problem(url, 0);

	if (why)
		return why;
	switch (url_extra_part(url)) {
	case 'x':
		return "does not parse as a URL";
	case 'u':
		return words[0];
	case '?':
		return words[1];
	case '#':
		return words[2];
	default:
		return NULL;
	}
}

const char *http_base_url_problem(const char *url)
{
	static const char *const words[3] = {
		"holds a user name or password (USER:PASSWORD@HOST): it would be sent with every "
		"request and echoed in error bodies, where it is not redacted; give the key with "
		"api_key_env or api_key_file",
		"has a query string (?...): the probe appends its path after base_url, so it would "
		"land inside the query; give the key with api_key_env or api_key_file (and Azure's "
		"version with api_version)",
		"has a fragment (#...)",
	};

	return base_problem(url, words);
}

const char *http_link_base_problem(const char *url)
{
	static const char *const words[3] = {
		"holds a user name or password (USER:PASSWORD@HOST): every alert would show it in "
		"its link",
		"has a query string (?...): the report's NIGHT/FILE is appended after it, so it "
		"would land inside the query and the link would not reach the report",
		"has a fragment (#...): the report's NIGHT/FILE is appended after it, so it would "
		"land inside the fragment and the link would not reach the report",
	};

	return base_problem(url, words);
}

int http_once(const struct http_once *rq, const char *where, struct http_once_result *res,
	      struct pl_err *err)
{
	struct once_ctx ctx;
	struct curl_slist *list = NULL;
	struct sbuf from = SBUF_INIT;
	long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : 10000L;
	long connect = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms
		       : timeout < 5000		  ? timeout
						  : 5000L;
	CURLcode cc;
	CURL *h;
	int rc = -1;

	memset(&ctx, 0, sizeof(ctx));
	res->status = 0;
	res->retry_after_ms = -1;
	res->retryable = 0;
	if (!rq->url)
		return pl_err_set(err, PL_E_INPUT, where, "no URL");
	h = curl_easy_init();
	if (!h)
		return pl_err_set(err, PL_E_INTERNAL, where, "cannot start libcurl");
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, once_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &ctx);
	if (rq->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, rq->ca_file);
	if (rq->smtp) {
		ctx.body = rq->body;
		ctx.left = rq->body_len;
		sbuf_addf(&from, "<%s>", rq->mail_from ? rq->mail_from : "");
		list = once_list(rq->mail_rcpt, rq->n_rcpt, 1);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
		curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.buf);
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT, list);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, once_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &ctx);
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_len);
		/* STARTTLS for smtp:// (fails if the server does not offer it); smtps:// is TLS
		 * from the first byte. */
		curl_easy_setopt(h, CURLOPT_USE_SSL,
				 rq->smtp_cleartext ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
		if (rq->username) {
			curl_easy_setopt(h, CURLOPT_USERNAME, rq->username);
			curl_easy_setopt(h, CURLOPT_PASSWORD, rq->password ? rq->password : "");
		}
	} else {
		list = once_list(rq->headers, rq->n_headers, 0);
		list = curl_slist_append(list, "Expect:");
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "plumbline/" PL_VERSION);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, once_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &ctx);
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	if (rq->smtp && cc != CURLE_OK) {
		/* Authentication, refused TLS and 5xx replies are final; the rest may pass. */
		res->retryable = cc != CURLE_LOGIN_DENIED && cc != CURLE_USE_SSL_FAILED &&
				 !(res->status >= 500 && res->status < 600) &&
				 cc != CURLE_UNSUPPORTED_PROTOCOL;
		if (res->status >= 400)
			pl_err_set(err, PL_E_VENDOR, where, "delivery failed: %s (SMTP %ld)",
				   curl_easy_strerror(cc), res->status);
		else
			pl_err_set(err, PL_E_VENDOR, where, "delivery failed: %s",
				   curl_easy_strerror(cc));
		goto out;
	}
	if (cc != CURLE_OK) {
		/* curl_easy_strerror names the failure without the URL (which may be a secret).
		 * A URL that does not parse or names another protocol fails the same way on
		 * every attempt. */
		res->retryable = cc != CURLE_URL_MALFORMAT && cc != CURLE_UNSUPPORTED_PROTOCOL;
		pl_err_set(err, PL_E_VENDOR, where, "delivery failed: %s", curl_easy_strerror(cc));
		goto out;
	}
	if (!rq->smtp && (res->status < 200 || res->status > 299)) {
		res->retryable = res->status >= 500 || res->status == 429 || res->status == 408;
		res->retry_after_ms = once_retry_after(&ctx);
		pl_err_set(err, PL_E_VENDOR, where, "delivery failed: HTTP %ld", res->status);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(list);
	curl_easy_cleanup(h);
	sbuf_release(&from);
	return rc;
}

const char *http_xfer_kind(const struct http_xfer *x)
{
	return x->kind ? x->kind : "";
}

double http_backoff_s(double unit, double base_ms, double cap_ms, int attempt, long retry_after_ms)
{
	double ceil_ms = base_ms * ldexp(1.0, attempt > 30 ? 30 : attempt - 1);
	double d;

	if (ceil_ms > cap_ms)
		ceil_ms = cap_ms;
	d = unit * ceil_ms;
	if (retry_after_ms >= 0 && (double)retry_after_ms > d)
		d = (double)retry_after_ms;
	if (d > cap_ms)
		d = cap_ms;
	return d / 1000.0;
}
