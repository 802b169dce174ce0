/* record.c: saves raw vendor exchanges without credentials and answers requests from them
 * (see record.h for the file format). */
#include "record.h"
#include "fileio.h"
#include "hex.h"
#include "http.h"
#include "redact.h"
#include "sbuf.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RECORDING_BYTES (256L * 1024 * 1024)

static int cmp_header(const void *a, const void *b)
{
	const struct probe_header *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int param_is_secret(const char *p, size_t n)
{
	char *name = xstrndup(p, n);
	int secret = http_header_is_secret(name) || !strcmp(name, "sig") ||
		     !strcmp(name, "signature");

	free(name);
	return secret;
}

/* URL without credential parameters ("?key=...", "&api_key=...", signatures). */
static void clean_url(const char *url, struct sbuf *out)
{
	const char *q = strchr(url, '?'), *p, *amp, *eq;
	size_t nl;
	int first = 1;

	if (!q) {
		sbuf_addstr(out, url);
		return;
	}
	sbuf_add(out, url, (size_t)(q - url));
	for (p = q + 1; *p; p = *amp ? amp + 1 : amp) {
		amp = strchr(p, '&');
		if (!amp)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		nl = (size_t)((eq ? eq : amp) - p);
		if (param_is_secret(p, nl))
			continue;
		sbuf_addch(out, first ? '?' : '&');
		sbuf_add(out, p, (size_t)(amp - p));
		first = 0;
	}
}

/* The non-secret headers of rq, sorted by name (a new array of borrowed pointers). */
static const struct probe_header **public_headers(const struct probe_request *rq, size_t *n)
{
	const struct probe_header **h = xcalloc(rq->n_headers + 1, sizeof(*h));
	size_t i;

	*n = 0;
	for (i = 0; i < rq->n_headers; i++)
		if (!http_header_is_secret(rq->headers[i].name))
			h[(*n)++] = &rq->headers[i];
	qsort(h, *n, sizeof(*h), cmp_header);
	return h;
}

void record_key(const struct probe_request *rq, char key[65])
{
	const struct probe_header **h;
	struct sbuf s;
	size_t n, i;

	sbuf_init(&s);
	sbuf_addstr(&s, rq->method ? rq->method : "POST");
	sbuf_addch(&s, '\n');
	clean_url(rq->url ? rq->url : "", &s);
	sbuf_addch(&s, '\n');
	h = public_headers(rq, &n);
	for (i = 0; i < n; i++) {
		/* SigV4 adds these when the request is sent (signed at send time): the key must
		 * be the same before signing (replay lookup) and after (recording). */
		if (!strcasecmp(h[i]->name, "x-amz-date") || !strcasecmp(h[i]->name, "host"))
			continue;
		sbuf_addf(&s, "%s:%s\n", h[i]->name, h[i]->value);
	}
	free(h);
	sbuf_addch(&s, '\n');
	if (rq->body)
		sbuf_add(&s, rq->body, rq->body_len);
	hex_sha256(s.buf, s.len, key);
	sbuf_release(&s);
}

/* Sets key to the body as a string, or as base64 under key_b64 when it is not UTF-8. The body
 * is redacted first: once base64-encoded, a secret in it would no longer be found. */
static void set_body(json_t *o, const char *key, const char *key_b64, const char *raw, size_t rlen)
{
	struct sbuf body;
	json_t *str;
	unsigned char *b64;
	int n;

	sbuf_init(&body);
	if (raw)
		sbuf_add(&body, raw, rlen);
	redact_sbuf(&body);
	str = json_stringn(body.buf, body.len);
	if (str) {
		json_object_set_new(o, key, str);
		goto out;
	}
	b64 = xmalloc(4 * ((body.len + 2) / 3) + 1);
	n = EVP_EncodeBlock(b64, (const unsigned char *)body.buf, (int)body.len);
	json_object_set_new(o, key_b64, json_stringn((const char *)b64, (size_t)n));
	free(b64);
out:
	sbuf_release(&body);
}

static json_t *request_json(const struct probe_request *rq)
{
	const struct probe_header **h;
	json_t *o = json_object(), *hd = json_object();
	struct sbuf url;
	size_t n, i;

	sbuf_init(&url);
	clean_url(rq->url ? rq->url : "", &url);
	json_object_set_new(o, "method", json_string(rq->method ? rq->method : "POST"));
	json_object_set_new(o, "url", json_string(url.buf));
	sbuf_release(&url);
	h = public_headers(rq, &n);
	for (i = 0; i < n; i++)
		json_object_set_new(hd, h[i]->name, json_string(h[i]->value));
	free(h);
	json_object_set_new(o, "headers", hd);
	set_body(o, "body", "body_b64", rq->body, rq->body_len);
	return o;
}

static json_t *response_json(const struct probe_response *resp)
{
	json_t *o = json_object(), *hd = json_object();
	size_t i;

	json_object_set_new(o, "status", json_integer(resp->status));
	for (i = 0; i < resp->n_headers; i++)
		if (strcmp(resp->headers[i].name, "set-cookie"))
			json_object_set_new(hd, resp->headers[i].name,
					    json_string(resp->headers[i].value));
	json_object_set_new(o, "headers", hd);
	set_body(o, "body", "body_b64", resp->body, resp->body_len);
	json_object_set_new(o, "latency_ms", json_real(resp->latency_ms));
	json_object_set_new(o, "ttfb_ms", json_real(resp->ttfb_ms));
	return o;
}

int record_save(const char *dir, const struct probe_request *rq, int sample,
		const struct probe_response *resp, const char *secret, struct pl_err *err)
{
	char key[65];
	json_t *root = NULL;
	char *text = NULL;
	struct sbuf path, body;
	int ret = -1;

	sbuf_init(&path);
	sbuf_init(&body);
	redact_add_credential(secret);
	record_key(rq, key);
	root = json_object();
	json_object_set_new(root, "recording", json_integer(1));
	json_object_set_new(root, "key", json_string(key));
	json_object_set_new(root, "sample", json_integer(sample));
	json_object_set_new(root, "request", request_json(rq));
	json_object_set_new(root, "response", response_json(resp));
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text) {
		pl_err_set(err, PL_E_INTERNAL, dir, "recording could not be serialised");
		goto out;
	}
	sbuf_addstr(&body, text);
	sbuf_addch(&body, '\n');
	redact_sbuf(&body);
	sbuf_addf(&path, "%s/%s-%d.json", dir, key, sample);
	if (fileio_write_atomic(path.buf, body.buf, body.len, 0600, err))
		goto out;
	ret = 0;
out:
	free(text);
	json_decref(root);
	sbuf_release(&path);
	sbuf_release(&body);
	return ret;
}

static char *get_body(const json_t *o, size_t *len)
{
	const json_t *b = json_object_get(o, "body");
	const char *s;
	unsigned char *out;
	size_t n;
	int k;

	if (json_is_string(b)) {
		*len = json_string_length(b);
		return xstrndup(json_string_value(b), *len);
	}
	b = json_object_get(o, "body_b64");
	if (!json_is_string(b))
		return NULL;
	s = json_string_value(b);
	n = json_string_length(b);
	out = xmalloc(n / 4 * 3 + 4);
	k = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (k < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as bytes. */
	while (n > 0 && s[n - 1] == '=' && k > 0) {
		n--;
		k--;
	}
	out[k] = '\0';
	*len = (size_t)k;
	return (char *)out;
}

static int parse_reply(const char *path, const char *text, size_t len, struct record_reply *out,
		       struct pl_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *resp, *hd, *val;
	const char *name;
	size_t i = 0;
	int ret = -1;

	resp = root ? json_object_get(root, "response") : NULL;
	if (!json_is_object(resp) || !json_is_integer(json_object_get(resp, "status"))) {
		pl_err_set(err, PL_E_INPUT, path, "not a recording");
		goto out;
	}
	out->body = get_body(resp, &out->resp.body_len);
	if (!out->body) {
		pl_err_set(err, PL_E_INPUT, path, "response.body: missing or not decodable");
		goto out;
	}
	hd = json_object_get(resp, "headers");
	out->headers = xcalloc(json_object_size(hd) + 1, sizeof(*out->headers));
	json_object_foreach(hd, name, val)
	{
		if (!json_is_string(val))
			continue;
		out->headers[i].name = xstrdup(name);
		out->headers[i].value = xstrdup(json_string_value(val));
		i++;
	}
	out->n_headers = i;
	out->resp.status = (long)json_integer_value(json_object_get(resp, "status"));
	out->resp.headers = out->headers;
	out->resp.n_headers = out->n_headers;
	out->resp.body = out->body;
	out->resp.latency_ms = probe_ms_clamp(json_number_value(json_object_get(resp, "latency_"
										      "ms")));
	val = json_object_get(resp, "ttfb_ms");
	out->resp.ttfb_ms = json_is_number(val) ? probe_ms_clamp(json_number_value(val)) : -1;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int record_load(const char *dir, const struct probe_request *rq, int sample,
		struct record_reply *out, struct pl_err *err)
{
	char key[65];
	struct sbuf path;
	char *text = NULL;
	size_t len = 0;
	int ret = 1;

	memset(out, 0, sizeof(*out));
	sbuf_init(&path);
	record_key(rq, key);
	sbuf_addf(&path, "%s/%s-%d.json", dir, key, sample);
	if (!fileio_exists(path.buf)) {
		sbuf_reset(&path);
		sbuf_addf(&path, "%s/%s-0.json", dir, key);
		if (!fileio_exists(path.buf))
			goto out;
	}
	ret = -1;
	if (fileio_read_all(path.buf, MAX_RECORDING_BYTES, &text, &len, err))
		goto out;
	if (parse_reply(path.buf, text, len, out, err)) {
		record_reply_release(out);
		goto out;
	}
	ret = 0;
out:
	free(text);
	sbuf_release(&path);
	return ret;
}

void record_reply_release(struct record_reply *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
