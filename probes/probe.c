/* probe.c: the probe table and the helpers every probe shares. */
#include "probe.h"
#include "redact.h"
#include "sbuf.h"

#include <limits.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct probe_ops *const probes[] = {
	&probe_openai, &probe_azure_openai, &probe_anthropic,
	&probe_gemini, &probe_ollama,	    &probe_bedrock,
};

const struct probe_ops *probe_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		if (!strcmp(probes[i]->name, name))
			return probes[i];
	return NULL;
}

const struct probe_ops *const *probe_list(size_t *n)
{
	*n = ARRAY_SIZE(probes);
	return probes;
}

int probe_check_api(const struct probe_ops *ops, const char *api, struct pl_err *err)
{
	struct sbuf names;
	size_t i;

	if (!api)
		return 0;
	if (!ops->apis)
		return pl_err_set(err, PL_E_INPUT, NULL,
				  "unknown api \"%s\" for probe %s (it has no api variants: "
				  "remove \"api\")",
				  api, ops->name);
	for (i = 0; ops->apis[i]; i++)
		if (!strcmp(ops->apis[i], api))
			return 0;
	sbuf_init(&names);
	for (i = 0; ops->apis[i]; i++)
		sbuf_addf(&names, "%s%s", i ? ", " : "", ops->apis[i]);
	pl_err_set(err, PL_E_INPUT, NULL, "unknown api \"%s\" for probe %s (expected one of: %s)",
		   api, ops->name, names.buf);
	sbuf_release(&names);
	return -1;
}

int probe_check_prompt(const struct probe_ops *ops, const struct probe_target *t,
		       const struct probe_prompt *p, struct pl_err *err)
{
	if (ops->temperature_max > 0 && p->temperature > ops->temperature_max)
		return pl_err_set(err, PL_E_INPUT, "temperature",
				  "%s accepts a temperature from 0 to %g, got %g", ops->name,
				  ops->temperature_max, p->temperature);
	return ops->check_prompt ? ops->check_prompt(t, p, err) : 0;
}

int probe_fault_retryable(enum probe_fault f)
{
	switch (f) {
	case PROBE_FAULT_RATE_LIMIT:
	case PROBE_FAULT_OVERLOADED:
	case PROBE_FAULT_SERVER:
	case PROBE_FAULT_TIMEOUT:
	case PROBE_FAULT_NETWORK:
	case PROBE_FAULT_STREAM:
		return 1;
	default:
		return 0;
	}
}

const char *probe_fault_name(enum probe_fault f)
{
	static const char *const names[] = {
		[PROBE_OK] = "ok",
		[PROBE_FAULT_AUTH] = "auth",
		[PROBE_FAULT_RATE_LIMIT] = "rate_limit",
		[PROBE_FAULT_OVERLOADED] = "overloaded",
		[PROBE_FAULT_SERVER] = "server_error",
		[PROBE_FAULT_TIMEOUT] = "timeout",
		[PROBE_FAULT_NETWORK] = "network",
		[PROBE_FAULT_MALFORMED] = "malformed",
		[PROBE_FAULT_CONTENT_FILTER] = "content_filter",
		[PROBE_FAULT_REQUEST] = "bad_request",
		[PROBE_FAULT_STREAM] = "stream_error",
	};

	if ((size_t)f < ARRAY_SIZE(names) && names[f])
		return names[f];
	return "unknown";
}

void probe_request_init(struct probe_request *r)
{
	memset(r, 0, sizeof(*r));
}

static void free_secret(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void probe_request_release(struct probe_request *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		/* Header values may carry credentials: wipe them all. */
		free_secret(r->headers[i].value);
	}
	free(r->headers);
	free(r->method);
	free(r->url);
	free(r->body);
	free(r->sigv4_provider);
	free_secret(r->sigv4_userpwd);
	free_secret(r->sigv4_session_token);
	memset(r, 0, sizeof(*r));
}

void probe_request_add_header(struct probe_request *r, const char *name, const char *value)
{
	r->headers = xrealloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
	r->headers[r->n_headers].name = xstrdup(name);
	r->headers[r->n_headers].value = xstrdup(value);
	r->n_headers++;
}

int probe_request_set_body(struct probe_request *r, json_t *body, struct pl_err *err)
{
	r->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!r->body)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "cannot encode the request body");
	r->body_len = strlen(r->body);
	return 0;
}

void probe_answer_init(struct probe_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->retry_after_ms = -1;
	a->prompt_tokens = a->completion_tokens = a->total_tokens = -1;
	a->ttft_ms = -1;
}

void probe_answer_release(struct probe_answer *a)
{
	size_t i;

	if (!a)
		return;
	free(a->error_type);
	free(a->error_message);
	free(a->text);
	free(a->block_reason);
	free(a->finish_reason);
	free(a->model);
	free(a->fingerprint);
	free(a->response_id);
	for (i = 0; i < a->n_headers; i++) {
		free(a->headers[i].name);
		free(a->headers[i].value);
	}
	free(a->headers);
	json_decref(a->logprobs);
	json_decref(a->tool_calls);
	probe_answer_init(a);
}

const char *probe_header_get(const struct probe_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(h[i].name, name))
			return h[i].value;
	return NULL;
}

long probe_retry_after_ms(const struct probe_response *r)
{
	const char *v;
	char *end;

	v = probe_header_get(r->headers, r->n_headers, "retry-after-ms");
	if (v) {
		double ms = strtod(v, &end);

		if (end != v && ms >= 0)
			return probe_ms_long(ms);
	}
	v = probe_header_get(r->headers, r->n_headers, "retry-after");
	if (v) {
		double s = strtod(v, &end);
		struct tm tm;

		if (end != v && s >= 0 && (*end == '\0' || *end == ' '))
			return probe_ms_long(s * 1000.0);
		memset(&tm, 0, sizeof(tm));
		/* HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT" */
		if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
			time_t when = timegm(&tm), now = time(NULL);

			return when > now ? probe_ms_long((double)(when - now) * 1000.0) : 0;
		}
	}
	return -1;
}

static int keep_header(const char *name)
{
	static const char *const exact[] = {
		"openai-version",   "openai-model",	  "openai-processing-ms",
		"x-request-id",	    "request-id",	  "anthropic-version",
		"x-amzn-requestid", "apim-request-id",	  "azureml-model-deployment",
		"x-ms-region",	    "x-goog-api-version", "server",
	};
	static const char *const prefix[] = {
		"x-ratelimit-",
		"anthropic-ratelimit-",
		"x-amzn-bedrock-",
		"x-plumbline-",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exact); i++)
		if (!strcasecmp(name, exact[i]))
			return 1;
	for (i = 0; i < ARRAY_SIZE(prefix); i++)
		if (!strncasecmp(name, prefix[i], strlen(prefix[i])))
			return 1;
	return 0;
}

static int header_cmp(const void *a, const void *b)
{
	return strcmp(((const struct probe_header *)a)->name,
		      ((const struct probe_header *)b)->name);
}

void probe_keep_headers(struct probe_answer *a, const struct probe_response *r)
{
	size_t i;
	char *p;

	for (i = 0; i < r->n_headers; i++) {
		if (!keep_header(r->headers[i].name))
			continue;
		a->headers = xrealloc(a->headers, (a->n_headers + 1) * sizeof(*a->headers));
		a->headers[a->n_headers].name = xstrdup(r->headers[i].name);
		for (p = a->headers[a->n_headers].name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		a->headers[a->n_headers].value = xstrdup(r->headers[i].value);
		a->n_headers++;
	}
	if (a->n_headers > 1)
		qsort(a->headers, a->n_headers, sizeof(*a->headers), header_cmp);
}

void probe_answer_add_header(struct probe_answer *a, const char *name, const char *value)
{
	a->headers = xrealloc(a->headers, (a->n_headers + 1) * sizeof(*a->headers));
	a->headers[a->n_headers].name = xstrdup(name);
	a->headers[a->n_headers].value = xstrdup(value);
	a->n_headers++;
	qsort(a->headers, a->n_headers, sizeof(*a->headers), header_cmp);
}

enum probe_fault probe_fault_from_status(long status)
{
	if (status >= 200 && status < 300)
		return PROBE_OK;
	if (status == 401 || status == 403)
		return PROBE_FAULT_AUTH;
	if (status == 429)
		return PROBE_FAULT_RATE_LIMIT;
	if (status == 529 || status == 503)
		return PROBE_FAULT_OVERLOADED;
	if (status >= 500)
		return PROBE_FAULT_SERVER;
	if (status == 408)
		return PROBE_FAULT_TIMEOUT;
	if (status == 0)
		return PROBE_FAULT_NETWORK;
	return PROBE_FAULT_REQUEST;
}

enum probe_fault probe_fault_by_code(const struct probe_fault_code *map, size_t n, const char *code,
				     enum probe_fault dflt)
{
	size_t i;

	for (i = 0; code && i < n; i++)
		if (!strcmp(code, map[i].code))
			return map[i].fault;
	return dflt;
}

void probe_set_fault(struct probe_answer *a, enum probe_fault f, const char *type, const char *fmt,
		     ...)
{
	va_list ap;
	char msg[1024];

	a->fault = f;
	if (type) {
		free(a->error_type);
		a->error_type = xstrdup(type);
	}
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(a->error_message);
	a->error_message = xstrdup(msg);
}

void probe_answer_begin(struct probe_answer *a, const struct probe_response *r)
{
	a->status = r->status;
	a->latency_ms = r->latency_ms;
	a->retry_after_ms = probe_retry_after_ms(r);
	probe_keep_headers(a, r);
}

static int hex4(const char *p, const char *end, unsigned *v)
{
	int i;

	*v = 0;
	if (end - p < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	return 1;
}

/* Rewrites each unpaired surrogate escape \uD800-\uDFFF of buf as \uFFFD (the same length);
 * returns how many. A "\u" preceded by an even run of backslashes is text, not an escape. */
static size_t mend_surrogates(char *buf, size_t len)
{
	char *p = buf, *end = buf + len;
	size_t n = 0;

	while ((p = memchr(p, '\\', (size_t)(end - p)))) {
		unsigned v, w;

		if (end - p < 2 || p[1] != 'u') {
			p += end - p < 2 ? 1 : 2; /* another escape (\\ included): skip it whole */
			continue;
		}
		if (!hex4(p + 2, end, &v) || v < 0xD800 || v > 0xDFFF) {
			p += 2;
			continue;
		}
		if (v < 0xDC00 && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
		    hex4(p + 8, end, &w) && w >= 0xDC00 && w <= 0xDFFF) {
			p += 12; /* a pair */
			continue;
		}
		memcpy(p + 2, "FFFD", 4);
		n++;
		p += 6;
	}
	return n;
}

json_t *probe_json_load(const char *buf, size_t len, size_t flags)
{
	json_error_t e;
	json_t *v = json_loadb(buf, len, flags | JSON_ALLOW_NUL, &e);
	char *copy;

	if (v || !strstr(e.text, "invalid Unicode"))
		return v;
	copy = xmalloc(len ? len : 1);
	memcpy(copy, buf, len);
	if (mend_surrogates(copy, len))
		v = json_loadb(copy, len, flags | JSON_ALLOW_NUL, NULL);
	free(copy);
	return v;
}

void probe_stream_bad_event(struct probe_answer *a, size_t i, int unterminated)
{
	if (unterminated)
		probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
				"the stream was cut off in event %zu (the body ended inside it)",
				i);
	else
		probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
				"stream event %zu: data is not a json object", i);
}

json_t *probe_json_body(const struct probe_response *r)
{
	json_t *root;

	if (!r->body || !r->body_len)
		return NULL;
	root = probe_json_load(r->body, r->body_len, JSON_DECODE_ANY);
	if (root && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

char *probe_json_str(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? xstrndup(json_string_value(v), json_string_length(v)) : NULL;
}

int probe_json_str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && !strcmp(json_string_value(v), s);
}

long probe_json_count(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_integer(v) ? probe_count_of(v) : -1;
}

long probe_count_of(const json_t *v)
{
	double d;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		return json_integer_value(v) > PROBE_COUNT_MAX ? PROBE_COUNT_MAX
							       : (long)json_integer_value(v);
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (!(d >= 0)) /* NaN too */
		return -1;
	return d >= (double)PROBE_COUNT_MAX ? PROBE_COUNT_MAX : (long)d;
}

double probe_ms_clamp(double ms)
{
	if (!(ms >= 0)) /* negative or NaN */
		return -1;
	return ms > PROBE_MS_MAX ? PROBE_MS_MAX : ms;
}

long probe_ms_long(double ms)
{
	ms = probe_ms_clamp(ms);
	return ms < 0 ? -1 : (long)ms;
}

static long clamp_count(long v)
{
	return v < 0 ? -1 : v > PROBE_COUNT_MAX ? PROBE_COUNT_MAX : v;
}

void probe_answer_clamp(struct probe_answer *a)
{
	a->prompt_tokens = clamp_count(a->prompt_tokens);
	a->completion_tokens = clamp_count(a->completion_tokens);
	a->total_tokens = clamp_count(a->total_tokens);
	a->latency_ms = probe_ms_clamp(a->latency_ms);
	a->ttft_ms = probe_ms_clamp(a->ttft_ms);
	a->retry_after_ms = a->retry_after_ms < 0 ? -1 : probe_ms_long((double)a->retry_after_ms);
}

int probe_is_stream(const struct probe_prompt *p, const struct probe_response *r,
		    const char *content_type)
{
	const char *ct = probe_header_get(r->headers, r->n_headers, "content-type");

	if (ct)
		return !strncasecmp(ct, content_type, strlen(content_type));
	return p && p->stream;
}

json_t *probe_parse_body(const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = probe_json_body(r);

	if (!root)
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "body is not a json object");
	return root;
}

void probe_stream_end(struct probe_answer *a, const struct probe_response *r, struct sbuf *text,
		      int ended, const char *missing)
{
	if (!a->fault && !ended)
		probe_set_fault(a, PROBE_FAULT_STREAM, NULL, "%s", missing);
	if (!a->fault) {
		a->text = probe_text_detach(text);
		a->ttft_ms = r->ttfb_ms;
	}
}

void probe_parse_end(struct probe_answer *a, json_t *root)
{
	if (a->fault) {
		free(a->text);
		a->text = NULL;
		json_decref(a->tool_calls);
		a->tool_calls = NULL;
	}
	json_decref(root);
}

static int cmp_header(const void *a, const void *b)
{
	const struct probe_header *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void probe_answer_redact(struct probe_answer *a)
{
	json_t *lp;
	size_t i, names = 0;

	redact_str(&a->error_type);
	redact_str(&a->error_message);
	redact_str(&a->text);
	redact_str(&a->block_reason);
	redact_str(&a->finish_reason);
	redact_str(&a->model);
	redact_str(&a->fingerprint);
	redact_str(&a->response_id);
	for (i = 0; i < a->n_headers; i++) {
		names += redact_str(&a->headers[i].name);
		redact_str(&a->headers[i].value);
	}
	if (names) /* kept headers stay sorted by name */
		qsort(a->headers, a->n_headers, sizeof(*a->headers), cmp_header);
	if (a->logprobs) {
		lp = redact_json(a->logprobs);
		json_decref(a->logprobs);
		a->logprobs = lp;
	}
	if (a->tool_calls) {
		lp = redact_json(a->tool_calls);
		json_decref(a->tool_calls);
		a->tool_calls = lp;
	}
}

void probe_answer_add_call(struct probe_answer *a, const char *name, const json_t *args)
{
	if (!a->tool_calls)
		a->tool_calls = json_array();
	json_array_append_new(a->tool_calls,
			      json_pack("{s:s, s:o}", "name", name ? name : "", "arguments",
					args && !json_is_null(args) ? json_deep_copy(args)
								    : json_object()));
}

void probe_answer_add_call_text(struct probe_answer *a, const char *name, const char *args,
				size_t len)
{
	json_t *v = NULL;
	size_t i;

	for (i = 0; args && i < len && strchr(" \t\r\n", args[i]); i++)
		;
	if (!args || i == len) {
		probe_answer_add_call(a, name, NULL);
		return;
	}
	v = json_loadb(args, len, 0, NULL);
	if (json_is_object(v)) {
		probe_answer_add_call(a, name, v);
	} else {
		json_t *raw = json_stringn(args, len);

		if (!a->tool_calls)
			a->tool_calls = json_array();
		/* text that is not UTF-8 cannot be kept as a JSON string: "" stands for it */
		json_array_append_new(a->tool_calls,
				      json_pack("{s:s, s:o, s:b}", "name", name ? name : "",
						"arguments", raw ? raw : json_string(""),
						"arguments_invalid", 1));
	}
	json_decref(v);
}

void probe_calls_init(struct probe_calls *c)
{
	c->v = NULL;
	c->n = 0;
}

void probe_calls_add(struct probe_calls *c, long index, const char *name, const char *frag,
		     size_t len)
{
	struct probe_call_part *p = NULL;
	size_t i;

	for (i = 0; i < c->n && !p; i++)
		if (c->v[i].index == index)
			p = &c->v[i];
	if (!p) {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		p = &c->v[c->n++];
		memset(p, 0, sizeof(*p));
		p->index = index;
	}
	if (name && !p->name)
		p->name = xstrdup(name);
	if (!frag || !len)
		return;
	if (p->len + len + 1 > p->cap) {
		p->cap = (p->len + len + 1) * 2;
		p->args = xrealloc(p->args, p->cap);
	}
	memcpy(p->args + p->len, frag, len);
	p->len += len;
	p->args[p->len] = '\0';
}

static int cmp_call(const void *x, const void *y)
{
	const struct probe_call_part *a = x, *b = y;

	return (a->index > b->index) - (a->index < b->index);
}

void probe_calls_end(struct probe_calls *c, struct probe_answer *a)
{
	size_t i;

	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), cmp_call);
	for (i = 0; i < c->n; i++) {
		if (!a->fault)
			probe_answer_add_call_text(a, c->v[i].name, c->v[i].args, c->v[i].len);
		free(c->v[i].name);
		free(c->v[i].args);
	}
	free(c->v);
	probe_calls_init(c);
}

char *probe_text_dup(const char *s, size_t len)
{
	struct sbuf sb;
	const char *nul;

	sbuf_init(&sb);
	while (len && (nul = memchr(s, '\0', len))) {
		sbuf_add(&sb, s, (size_t)(nul - s));
		sbuf_addstr(&sb, "\xEF\xBF\xBD"); /* U+FFFD */
		len -= (size_t)(nul - s) + 1;
		s = nul + 1;
	}
	sbuf_add(&sb, s, len);
	return sbuf_detach(&sb, NULL);
}

char *probe_text_detach(struct sbuf *sb)
{
	char *p;

	if (sb->len && memchr(sb->buf, '\0', sb->len)) {
		p = probe_text_dup(sb->buf, sb->len);
		sbuf_release(sb);
		return p;
	}
	return sbuf_detach(sb, NULL);
}

void probe_system_text(const struct probe_prompt *p, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < p->n_messages; i++) {
		if (strcmp(p->messages[i].role, "system"))
			continue;
		if (out->len)
			sbuf_addch(out, '\n');
		sbuf_addstr(out, p->messages[i].content);
	}
}

const char *probe_tool_choice(const struct probe_prompt *p, const char **name)
{
	const json_t *c = p->tool_choice;

	*name = NULL;
	if (json_is_string(c))
		return json_string_value(c);
	if (json_is_object(c)) {
		*name = json_string_value(json_object_get(c, "name"));
		return "tool";
	}
	return "auto";
}

json_t *probe_tool_params(const json_t *tool)
{
	const json_t *params = json_object_get(tool, "parameters");

	if (params)
		return json_deep_copy(params);
	return json_pack("{s:s, s:{}}", "type", "object", "properties");
}

json_t *probe_tool_decl(const json_t *tool, const char *schema_key)
{
	json_t *decl = json_object();
	const json_t *d = json_object_get(tool, "description");

	json_object_set_new(decl, "name", json_deep_copy(json_object_get(tool, "name")));
	if (d)
		json_object_set_new(decl, "description", json_deep_copy(d));
	if (schema_key)
		json_object_set_new(decl, schema_key, probe_tool_params(tool));
	return decl;
}

json_t *probe_embed_begin(const struct probe_ops *ops, const struct probe_target *t,
			  const struct probe_response *r, struct probe_answer *a)
{
	if (r->status < 200 || r->status > 299) {
		struct probe_prompt p = { .temperature = -1 };

		/* the vendor's error bodies are the same on every endpoint */
		ops->parse(t, &p, r, a);
		if (!a->fault)
			probe_set_fault(a, probe_fault_from_status(r->status), NULL, "HTTP %ld",
					r->status);
		free(a->text);
		a->text = NULL;
		return NULL;
	}
	probe_answer_begin(a, r);
	return probe_parse_body(r, a);
}

int probe_vectors_add(struct probe_vectors *out, const json_t *row, struct probe_answer *a)
{
	size_t dim = json_array_size(row), i;

	if (!json_is_array(row) || dim == 0 || dim > PROBE_EMBED_DIM_MAX) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL,
				"embedding %zu is not a non-empty array of numbers", out->n);
		return -1;
	}
	if (out->n && dim != out->dim) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL,
				"embedding %zu has %zu dimensions, the first has %zu", out->n, dim,
				out->dim);
		return -1;
	}
	out->dim = dim;
	out->v = xrealloc(out->v, (out->n + 1) * dim * sizeof(*out->v));
	for (i = 0; i < dim; i++) {
		const json_t *x = json_array_get(row, i);
		double d = json_number_value(x);

		if (!json_is_number(x) || !isfinite(d) || fabs(d) > 3.4e38) {
			probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL,
					"embedding %zu: value %zu is not a finite number", out->n,
					i);
			return -1;
		}
		out->v[out->n * dim + i] = (float)d;
	}
	out->n++;
	return 0;
}

void probe_embed_end(struct probe_answer *a, size_t n, struct probe_vectors *out, json_t *root)
{
	if (!a->fault && out->n != n)
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "%zu embeddings for %zu texts",
				out->n, n);
	if (a->fault)
		probe_vectors_release(out);
	json_decref(root);
}

void probe_vectors_release(struct probe_vectors *v)
{
	if (!v)
		return;
	free(v->v);
	memset(v, 0, sizeof(*v));
}
