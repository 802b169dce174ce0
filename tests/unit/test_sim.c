/* test_sim.c: the simulated vendor over loopback (libcurl as the client): wire formats, auth,
 * faults, pacing, rate limiting and counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "probe.h"
#include "sbuf.h"
#include "sim.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>
#include <math.h>

/* the simulator's embedding dimension (sim_wire.h's SIM_EMBED_DIM) */
#define SIM_TEST_DIM 256

struct resp {
	CURLcode rc;
	long status;
	struct sbuf hdrs;
	struct sbuf body;
	double secs;
};

static size_t on_data(char *p, size_t sz, size_t n, void *arg)
{
	sbuf_add(arg, p, sz * n);
	return sz * n;
}

static const char chat_body[] = "{\"model\":\"gpt-4o\",\"temperature\":0.7,\"messages\":[{\"role\":"
				"\"user\",\"content\":"
				"\"Explain in a few sentences why code review matters for small "
				"software teams.\"}]}";

/* One request. hdrs: NULL-terminated extra headers; body NULL = GET. */
static void req(int port, const char *path, const char *const *hdrs, const char *body,
		long timeout_ms, struct resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	char url[512];
	struct timespec t0, t1;

	sbuf_init(&r->hdrs);
	sbuf_init(&r->body);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	for (; hdrs && *hdrs; hdrs++)
		hl = curl_slist_append(hl, *hdrs);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->rc = curl_easy_perform(c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

static void resp_release(struct resp *r)
{
	sbuf_release(&r->hdrs);
	sbuf_release(&r->body);
}

/* The value of header name (case-insensitive), or NULL; copied into buf. */
static const char *header(const struct resp *r, const char *name, char *buf, size_t sz)
{
	size_t n = strlen(name);

	for (const char *p = r->hdrs.buf; p && *p;) {
		const char *eol = strstr(p, "\r\n");

		if (!eol)
			break;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			snprintf(buf, sz, "%.*s", (int)(eol - v), v);
			return buf;
		}
		p = eol + 2;
	}
	return NULL;
}

static long num(const char *s)
{
	assert_non_null(s);
	return strtol(s, NULL, 10);
}

static const char *const auth[] = { "Authorization: Bearer sk-test", NULL };

static struct sim *start(struct sim_opts *o, int *port)
{
	struct pl_err err = PL_ERR_INIT;
	struct sim *s = sim_start(o, port, &err);

	if (!s)
		fail_msg("sim_start: %s", err.msg);
	assert_true(*port > 0);
	return s;
}

static struct sim *start_default(int *port)
{
	struct sim_opts o;

	sim_opts_init(&o);
	o.knobs.seed = 7;
	return start(&o, port);
}

static void test_openai_chat(void **state)
{
	int port;
	struct sim *s = start_default(&port);
	struct resp r;
	json_t *j, *msg, *usage;
	char h[256];

	(void)state;
	req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "content-type", h, sizeof(h)), "application/json");
	assert_string_equal(header(&r, "openai-version", h, sizeof(h)), "2020-10-01");
	assert_memory_equal(header(&r, "x-request-id", h, sizeof(h)), "req_", 4);
	assert_string_equal(header(&r, "x-ratelimit-limit-requests", h, sizeof(h)), "5000");
	assert_non_null(header(&r, "x-ratelimit-remaining-requests", h, sizeof(h)));
	assert_non_null(header(&r, "x-ratelimit-remaining-tokens", h, sizeof(h)));
	assert_non_null(header(&r, "x-ratelimit-reset-requests", h, sizeof(h)));
	j = json_loads(r.body.buf, 0, NULL);
	assert_non_null(j);
	assert_memory_equal(json_string_value(json_object_get(j, "id")), "chatcmpl-", 9);
	assert_string_equal(json_string_value(json_object_get(j, "object")), "chat.completion");
	assert_int_equal(json_integer_value(json_object_get(j, "created")), 1750000000);
	assert_string_equal(json_string_value(json_object_get(j, "model")), "gpt-4o");
	assert_memory_equal(json_string_value(json_object_get(j, "system_fingerprint")), "fp_", 3);
	msg = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message");
	assert_string_equal(json_string_value(json_object_get(msg, "role")), "assistant");
	assert_true(strlen(json_string_value(json_object_get(msg, "content"))) > 20);
	assert_true(json_is_null(json_object_get(msg, "refusal")));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(j, "choices"), 0), "finish_"
										      "reason")),
			    "stop");
	usage = json_object_get(j, "usage");
	assert_int_equal(json_integer_value(json_object_get(usage, "total_tokens")),
			 json_integer_value(json_object_get(usage, "prompt_tokens")) +
				 json_integer_value(json_object_get(usage, "completion_tokens")));
	json_decref(j);
	resp_release(&r);
	sim_stop(s);
}

static void test_openai_stream(void **state)
{
	int port;
	struct sim *s = start_default(&port);
	struct resp r, plain;
	struct sbuf text;
	const char seeded[] = "{\"model\":\"gpt-4o\",\"seed\":5,\"stream\":true,\"stream_options\":"
			      "{"
			      "\"include_usage\":true},\"messages\":[{\"role\":\"user\","
			      "\"content\":\"Explain in "
			      "a few sentences why code review matters for small software "
			      "teams.\"}]}";
	const char nonstream[] = "{\"model\":\"gpt-4o\",\"seed\":5,\"messages\":[{\"role\":"
				 "\"user\","
				 "\"content\":\"Explain in a few sentences why code review matters "
				 "for small software teams.\"}]}";
	char h[128];
	int usage_seen = 0;

	(void)state;
	req(port, "/v1/chat/completions", auth, seeded, 5000, &r);
	req(port, "/v1/chat/completions", auth, nonstream, 5000, &plain);
	assert_int_equal(r.status, 200);
	assert_memory_equal(header(&r, "content-type", h, sizeof(h)), "text/event-stream", 17);
	sbuf_init(&text);
	for (char *line = strtok(r.body.buf, "\n"); line; line = strtok(NULL, "\n")) {
		json_t *j, *d;

		assert_memory_equal(line, "data: ", 6);
		if (!strcmp(line + 6, "[DONE]"))
			break;
		j = json_loads(line + 6, 0, NULL);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "object")), "chat."
										     "completion."
										     "chunk");
		d = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "delta");
		if (json_is_string(json_object_get(d, "content")))
			sbuf_addstr(&text, json_string_value(json_object_get(d, "content")));
		usage_seen |= json_is_object(json_object_get(j, "usage"));
		json_decref(j);
	}
	assert_true(usage_seen);
	{
		json_t *j = json_loads(plain.body.buf, 0, NULL);
		const char *want = json_string_value(json_object_get(
			json_object_get(json_array_get(json_object_get(j, "choices"), 0), "messag"
											  "e"),
			"content"));

		assert_string_equal(text.buf, want); /* same seed: the stream spells the same answer
						      */
		json_decref(j);
	}
	sbuf_release(&text);
	resp_release(&r);
	resp_release(&plain);
	sim_stop(s);
}

static void test_auth(void **state)
{
	struct sim_opts o;
	int port;
	struct sim *s;
	struct resp r;
	const char *const wrong[] = { "Authorization: Bearer nope", NULL };
	const char *const right[] = { "Authorization: Bearer k-123", NULL };
	json_t *j;

	(void)state;
	sim_opts_init(&o);
	o.require_key = "k-123";
	s = start(&o, &port);
	req(port, "/v1/chat/completions", NULL, chat_body, 5000, &r);
	assert_int_equal(r.status, 401);
	j = json_loads(r.body.buf, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
			    "invalid_api_key");
	json_decref(j);
	resp_release(&r);
	req(port, "/v1/chat/completions", wrong, chat_body, 5000, &r);
	assert_int_equal(r.status, 401);
	assert_null(strstr(r.body.buf, "nope")); /* never echo a key */
	resp_release(&r);
	req(port, "/v1/chat/completions", right, chat_body, 5000, &r);
	assert_int_equal(r.status, 200);
	resp_release(&r);
	req(port, "/v1/nothing", right, chat_body, 5000, &r);
	assert_int_equal(r.status, 404);
	resp_release(&r);
	req(port, "/v1/chat/completions", right, "{not json", 5000, &r);
	assert_int_equal(r.status, 400);
	resp_release(&r);
	sim_stop(s);
}

/* The answers of the k-th request do not depend on the server instance. */
static void test_deterministic_and_drift(void **state)
{
	struct sim_opts o;
	int p1, p2;
	struct sim *a, *b;

	(void)state;
	sim_opts_init(&o);
	o.knobs.seed = 3;
	a = start(&o, &p1);
	o.knobs.drifts = SIM_DRIFT_MODEL | SIM_DRIFT_FINGERPRINT;
	b = start(&o, &p2);
	for (int i = 0; i < 5; i++) {
		struct resp r1, r2;
		json_t *j1, *j2;

		req(p1, "/v1/chat/completions", auth, chat_body, 5000, &r1);
		req(p2, "/v1/chat/completions", auth, chat_body, 5000, &r2);
		j1 = json_loads(r1.body.buf, 0, NULL);
		j2 = json_loads(r2.body.buf, 0, NULL);
		assert_true(json_equal(json_object_get(j1, "choices"), json_object_get(j2, "choice"
											   "s")));
		assert_string_not_equal(json_string_value(json_object_get(j1, "model")),
					json_string_value(json_object_get(j2, "model")));
		assert_string_not_equal(json_string_value(json_object_get(j1, "system_"
									      "fingerprint")),
					json_string_value(json_object_get(j2, "system_"
									      "fingerprint")));
		json_decref(j1);
		json_decref(j2);
		resp_release(&r1);
		resp_release(&r2);
	}
	sim_stop(a);
	sim_stop(b);
}

static struct sim *start_fault(enum sim_fault f, double rate, int *port)
{
	struct sim_opts o;

	sim_opts_init(&o);
	o.fault = f;
	o.fault_rate = rate;
	o.slow_ms = 3000;
	return start(&o, port);
}

static void test_fault_status(void **state)
{
	static const struct {
		enum sim_fault f;
		long status;
		int retry_after;
	} cases[] = {
		{ SIM_FAULT_429, 429, 1 }, { SIM_FAULT_429_NORETRY, 429, 0 },
		{ SIM_FAULT_500, 500, 0 }, { SIM_FAULT_503, 503, 0 },
		{ SIM_FAULT_529, 529, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int port;
		struct sim *s = start_fault(cases[i].f, 1.0, &port);
		struct resp r;
		char h[64];
		json_t *j;

		req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
		assert_int_equal(r.rc, CURLE_OK);
		assert_int_equal(r.status, cases[i].status);
		j = json_loads(r.body.buf, 0, NULL);
		assert_true(json_is_object(json_object_get(j, "error")));
		json_decref(j);
		if (cases[i].retry_after) {
			assert_string_equal(header(&r, "retry-after", h, sizeof(h)), "1");
			assert_string_equal(header(&r, "retry-after-ms", h, sizeof(h)), "1000");
		} else {
			assert_null(header(&r, "retry-after", h, sizeof(h)));
		}
		resp_release(&r);
		sim_stop(s);
	}
}

static void test_fault_transport(void **state)
{
	int port;
	struct sim *s;
	struct resp r;
	char h[128];

	(void)state;
	s = start_fault(SIM_FAULT_TRUNCATED, 1.0, &port);
	req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
	assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
	assert_int_equal(r.status, 200);
	assert_null(json_loads(r.body.buf, 0, NULL)); /* the JSON is cut */
	resp_release(&r);
	sim_stop(s);

	s = start_fault(SIM_FAULT_RESET, 1.0, &port);
	req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
	assert_true(r.rc == CURLE_GOT_NOTHING || r.rc == CURLE_RECV_ERROR);
	assert_int_equal(r.body.len, 0);
	resp_release(&r);
	sim_stop(s);

	s = start_fault(SIM_FAULT_WRONG_CONTENT_TYPE, 1.0, &port);
	req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
	assert_int_equal(r.status, 200);
	assert_memory_equal(header(&r, "content-type", h, sizeof(h)), "text/html", 9);
	assert_null(json_loads(r.body.buf, 0, NULL));
	resp_release(&r);
	sim_stop(s);

	/* slow: headers come, the body trickles and does not finish before the client gives up */
	s = start_fault(SIM_FAULT_SLOW, 1.0, &port);
	req(port, "/v1/chat/completions", auth, chat_body, 1500, &r);
	assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.status, 200);
	assert_true(r.body.len >= 1 && r.body.len <= 3);
	resp_release(&r);
	sim_stop(s); /* must return promptly although a slow reply is in flight */

	/* slow-headers: nothing until slow_ms (3 s here) */
	s = start_fault(SIM_FAULT_SLOW_HEADERS, 1.0, &port);
	req(port, "/v1/chat/completions", auth, chat_body, 1000, &r);
	assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.status, 0);
	resp_release(&r);
	sim_stop(s);
}

static void test_fault_rate_and_stats(void **state)
{
	int port, faulted = 0, ok = 0;
	struct sim *s = start_fault(SIM_FAULT_500, 0.3, &port);
	struct resp r;
	json_t *st;

	(void)state;
	for (int i = 0; i < 200; i++) {
		req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
		faulted += r.status == 500;
		ok += r.status == 200;
		resp_release(&r);
	}
	assert_int_equal(faulted + ok, 200);
	assert_true(faulted > 35 && faulted < 85);
	req(port, "/_sim/stats", NULL, NULL, 5000, &r);
	st = json_loads(r.body.buf, 0, NULL);
	assert_non_null(st);
	assert_int_equal(json_integer_value(json_object_get(st, "requests")), 200);
	assert_int_equal(json_integer_value(json_object_get(st, "faulted")), faulted);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "paths"), "/v1/"
											  "chat/"
											  "completi"
											  "ons")),
			 200);
	assert_true(json_integer_value(json_object_get(st, "max_requests_per_second")) >= 1);
	assert_true(json_integer_value(json_object_get(st, "max_tokens_per_minute")) > 0);
	{
		json_t *lm = json_object_get(st, "last_minute"), *row;
		size_t i;
		json_int_t sum = 0;

		assert_true(json_array_size(lm) >= 1);
		json_array_foreach(lm, i, row) sum += json_integer_value(json_array_get(row, 1));
		assert_int_equal(sum, 200); /* all 200 requests fall in the last minute */
	}
	json_decref(st);
	resp_release(&r);
	sim_stop(s);
}

static void test_rate_limit_rpm(void **state)
{
	struct sim_opts o;
	int port;
	struct sim *s;
	struct resp r;
	char h[64];

	(void)state;
	sim_opts_init(&o);
	o.rate_limit_rpm = 5;
	s = start(&o, &port);
	for (int i = 0; i < 5; i++) {
		req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
		assert_int_equal(r.status, 200);
		assert_int_equal(num(header(&r, "x-ratelimit-remaining-requests", h, sizeof(h))),
				 4 - i);
		resp_release(&r);
	}
	req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
	assert_int_equal(r.status, 429);
	assert_true(num(header(&r, "retry-after", h, sizeof(h))) >= 59);
	assert_non_null(header(&r, "retry-after-ms", h, sizeof(h)));
	resp_release(&r);
	sim_stop(s);
}

static void test_rate_limit_tpm(void **state)
{
	struct sim_opts o;
	int port, ok = 0, limited = 0;
	struct sim *s;
	struct resp r;
	char h[64];
	json_t *st;

	(void)state;
	sim_opts_init(&o);
	o.rate_limit_tpm = 300;
	s = start(&o, &port);
	for (int i = 0; i < 20; i++) {
		req(port, "/v1/chat/completions", auth, chat_body, 5000, &r);
		if (r.status == 200) {
			assert_int_equal(limited, 0); /* no answer after the first refusal */
			assert_string_equal(header(&r, "x-ratelimit-limit-tokens", h, sizeof(h)),
					    "300");
			ok++;
		} else {
			assert_int_equal(r.status, 429);
			assert_true(num(header(&r, "retry-after", h, sizeof(h))) >= 55);
			limited++;
		}
		resp_release(&r);
	}
	assert_true(ok >= 2 && limited > 0);
	req(port, "/_sim/stats", NULL, NULL, 5000, &r);
	st = json_loads(r.body.buf, 0, NULL);
	assert_true(json_integer_value(json_object_get(st, "max_tokens_per_minute")) <= 300);
	assert_int_equal(json_integer_value(json_object_get(st, "rate_limited")), limited);
	json_decref(st);
	resp_release(&r);
	sim_stop(s);
}

/* 16 slow answers at once finish in about one latency, not sixteen. */
static void test_latency_concurrent(void **state)
{
	struct sim_opts o;
	int port, running = 0;
	struct sim *s;
	CURLM *m = curl_multi_init();
	CURL *e[16];
	struct sbuf body[16];
	struct curl_slist *hl = curl_slist_append(NULL, auth[0]);
	char url[128];
	struct timespec t0, t1;
	double secs;
	struct resp r;
	json_t *st;

	(void)state;
	sim_opts_init(&o);
	o.latency_ms = 300;
	s = start(&o, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", port);
	for (int i = 0; i < 16; i++) {
		sbuf_init(&body[i]);
		e[i] = curl_easy_init();
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, chat_body);
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(e[i], CURLOPT_WRITEDATA, &body[i]);
		curl_multi_add_handle(m, e[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (int i = 0; i < 16; i++) {
		long code = 0;

		curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &code);
		assert_int_equal(code, 200);
		curl_multi_remove_handle(m, e[i]);
		curl_easy_cleanup(e[i]);
		sbuf_release(&body[i]);
	}
	assert_true(secs >= 0.29);
	assert_true(secs < 2.0); /* serial would take 4.8 s */
	req(port, "/_sim/stats", NULL, NULL, 5000, &r);
	st = json_loads(r.body.buf, 0, NULL);
	assert_true(json_integer_value(json_object_get(st, "max_inflight")) >= 8);
	json_decref(st);
	resp_release(&r);
	curl_slist_free_all(hl);
	curl_multi_cleanup(m);
	sim_stop(s);
}

/* ---- every wire format ---- */

static const char q_text[] = "Explain in a few sentences why code review matters for small teams.";

static const char *jstr(json_t *root, const char *path)
{
	/* path: dot-separated keys, numbers index arrays ("choices.0.message.content") */
	char buf[256], *save = NULL;
	json_t *v = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(t, NULL, 10))
				     : json_object_get(v, t);
	return json_string_value(v);
}

/* Walks "data: " lines (SSE) or whole lines (NDJSON) and appends the text at `path` of each
 * event whose "type" is `type` (NULL = every event). */
static void assemble_lines(const char *body, int sse, const char *type, const char *path,
			   struct sbuf *out)
{
	char *copy = strdup(body), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j;
		const char *t;

		if (sse && strncmp(line, "data: ", 6) != 0)
			continue;
		if (sse && !strcmp(line + 6, "[DONE]"))
			break;
		j = json_loads(sse ? line + 6 : line, 0, NULL);
		assert_non_null(j);
		if (!type || (jstr(j, "type") && !strcmp(jstr(j, "type"), type))) {
			t = jstr(j, path);
			if (t)
				sbuf_addstr(out, t);
		}
		json_decref(j);
	}
	free(copy);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes AWS event-stream frames, checking both CRCs; appends contentBlockDelta texts. */
static void assemble_eventstream(const struct sbuf *body, struct sbuf *out, int *n_frames)
{
	const unsigned char *p = (const unsigned char *)body->buf;
	size_t off = 0;

	*n_frames = 0;
	while (off < body->len) {
		uint32_t total, hlen;
		const unsigned char *h, *end;
		char event[64] = "";
		json_t *j;

		assert_true(off + 16 <= body->len);
		total = be32(p + off);
		hlen = be32(p + off + 4);
		assert_true(off + total <= body->len);
		assert_int_equal(be32(p + off + 8), (uint32_t)crc32(0, p + off, 8));
		assert_int_equal(be32(p + off + total - 4),
				 (uint32_t)crc32(0, p + off, (uInt)(total - 4)));
		for (h = p + off + 12, end = h + hlen; h < end;) {
			size_t nl = h[0], vl;
			int is_event = nl == 11 && !memcmp(h + 1, ":event-type", 11);

			h += 1 + nl;
			assert_int_equal(h[0], 7);
			vl = (size_t)h[1] << 8 | h[2];
			if (is_event)
				snprintf(event, sizeof(event), "%.*s", (int)vl,
					 (const char *)h + 3);
			h += 3 + vl;
		}
		j = json_loadb((const char *)p + off + 12 + hlen, total - 16 - hlen, 0, NULL);
		assert_non_null(j);
		assert_non_null(json_object_get(j, "p"));
		if (!strcmp(event, "contentBlockDelta"))
			sbuf_addstr(out, jstr(j, "delta.text"));
		json_decref(j);
		off += total;
		(*n_frames)++;
	}
}

/* Copies tpl into out with its one "%s" replaced by q (templates are not format strings). */
static void fill(char *out, size_t sz, const char *tpl, const char *q)
{
	const char *at = strstr(tpl, "%s");

	assert_non_null(at);
	snprintf(out, sz, "%.*s%s%s", (int)(at - tpl), tpl, q, at + 2);
}

enum stream_kind { ST_SSE, ST_NDJSON, ST_EVENTSTREAM };

static const struct wire_case {
	const char *name;
	const char *path;
	const char *stream_path;
	const char *auth;
	const char *auth2;
	const char *body;	 /* %s = the question */
	const char *stream_body; /* %s = the question */
	const char *text_path;
	enum stream_kind kind;
	const char *delta_type;
	const char *delta_path;
	const char *model_path; /* where the returned model name is, or NULL */
	long no_auth_status;
	const char *error_path; /* a 429 body field that must exist */
} wire_cases[] = {
	{ "openai", "/v1/chat/completions", "/v1/chat/completions", "Authorization: Bearer k", NULL,
	  "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
	  "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"%"
	  "s\"}]}",
	  "choices.0.message.content", ST_SSE, NULL, "choices.0.delta.content", "model", 401,
	  "error.code" },
	{ "responses", "/v1/responses", "/v1/responses", "Authorization: Bearer k", NULL,
	  "{\"model\":\"gpt-4o\",\"input\":\"%s\"}",
	  "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":[{\"role\":\"user\",\"content\":[{"
	  "\"type\":\"input_text\",\"text\":\"%s\"}]}]}",
	  "output.0.content.0.text", ST_SSE, "response.output_text.delta", "delta", "model", 401,
	  "error.type" },
	{ "azure", "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21",
	  "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21", "api-key: k",
	  NULL, "{\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
	  "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
	  "choices.0.message.content", ST_SSE, NULL, "choices.0.delta.content", "model", 401,
	  "error.code" },
	{ "anthropic", "/v1/messages", "/v1/messages", "x-api-key: k",
	  "anthropic-version: 2023-06-01",
	  "{\"model\":\"claude-x\",\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":"
	  "\"%s\"}]}",
	  "{\"model\":\"claude-x\",\"max_tokens\":300,\"stream\":true,\"messages\":[{\"role\":"
	  "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"%s\"}]}]}",
	  "content.0.text", ST_SSE, "content_block_delta", "delta.text", "model", 401,
	  "error.type" },
	{ "gemini", "/v1beta/models/gemini-2.5-flash:generateContent",
	  "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "x-goog-api-key: k",
	  NULL, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"%s\"}]}]}",
	  "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"%s\"}]}]}",
	  "candidates.0.content.parts.0.text", ST_SSE, NULL, "candidates.0.content.parts.0.text",
	  "modelVersion", 403, "error.status" },
	{ "ollama", "/api/chat", "/api/chat", "X-Nothing: 1", NULL,
	  "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":"
	  "\"%s\"}]}",
	  "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
	  "message.content", ST_NDJSON, NULL, "message.content", "model", 0, "error" },
	{ "bedrock", "/model/us.amazon.nova-micro-v1%3A0/converse",
	  "/model/us.amazon.nova-micro-v1%3A0/converse-stream",
	  "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/bedrock/"
	  "aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
	  NULL,
	  "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"%s\"}]}],\"inferenceConfig\":"
	  "{}}",
	  "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"%s\"}]}]}",
	  "output.message.content.0.text", ST_EVENTSTREAM, NULL, NULL, NULL, 403, "message" },
};

static void test_wire_formats(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(wire_cases); i++) {
		const struct wire_case *c = &wire_cases[i];
		const char *const hdrs[] = { c->auth, c->auth2, NULL };
		char body[1024], sbody[1024];
		int p1, p2, frames = 0;
		struct sim *s1 = start_default(&p1), *s2 = start_default(&p2);
		struct resp r, rs;
		struct sbuf text;
		json_t *j;
		const char *want;

		print_message("format %s\n", c->name);
		fill(body, sizeof(body), c->body, q_text);
		fill(sbody, sizeof(sbody), c->stream_body, q_text);
		/* two servers with one seed: the first answer of each is the same sample */
		req(p1, c->path, hdrs, body, 5000, &r);
		req(p2, c->stream_path, hdrs, sbody, 5000, &rs);
		assert_int_equal(r.status, 200);
		assert_int_equal(rs.status, 200);
		j = json_loads(r.body.buf, 0, NULL);
		assert_non_null(j);
		want = jstr(j, c->text_path);
		assert_non_null(want);
		assert_true(strlen(want) > 20);
		if (c->model_path)
			assert_non_null(jstr(j, c->model_path));
		sbuf_init(&text);
		if (c->kind == ST_EVENTSTREAM)
			assemble_eventstream(&rs.body, &text, &frames);
		else
			assemble_lines(rs.body.buf, c->kind == ST_SSE, c->delta_type, c->delta_path,
				       &text);
		assert_string_equal(text.buf, want); /* the stream spells the same answer */
		if (c->kind == ST_EVENTSTREAM)
			assert_true(frames > 4);
		sbuf_release(&text);
		json_decref(j);
		resp_release(&r);
		resp_release(&rs);

		/* without credentials: the vendor's auth error */
		if (c->no_auth_status) {
			req(p1, c->path, NULL, body, 5000, &r);
			assert_int_equal(r.status, c->no_auth_status);
			resp_release(&r);
		}
		sim_stop(s1);
		sim_stop(s2);
	}
}

/* Each format renders a 429 and a 529 in its own error shape. */
static void test_wire_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(wire_cases); i++) {
		const struct wire_case *c = &wire_cases[i];
		const char *const hdrs[] = { c->auth, c->auth2, NULL };
		char body[1024], h[160];
		int port;
		struct sim *s = start_fault(SIM_FAULT_429, 1.0, &port);
		struct resp r;
		json_t *j;

		fill(body, sizeof(body), c->body, q_text);
		req(port, c->path, hdrs, body, 5000, &r);
		assert_int_equal(r.status, 429);
		assert_string_equal(header(&r, "retry-after", h, sizeof(h)), "1");
		j = json_loads(r.body.buf, 0, NULL);
		assert_non_null(j);
		if (!jstr(j, c->error_path) &&
		    !json_is_integer(json_object_get(json_object_get(j, "error"), "code")))
			fail_msg("%s: 429 body lacks %s: %s", c->name, c->error_path, r.body.buf);
		if (!strcmp(c->name, "bedrock"))
			assert_memory_equal(header(&r, "x-amzn-ErrorType", h, sizeof(h)),
					    "ThrottlingException:", 20);
		if (!strcmp(c->name, "anthropic"))
			assert_string_equal(jstr(j, "error.type"), "rate_limit_error");
		if (!strcmp(c->name, "gemini"))
			assert_string_equal(jstr(j, "error.status"), "RESOURCE_EXHAUSTED");
		json_decref(j);
		resp_release(&r);
		sim_stop(s);
	}
	{
		int port;
		struct sim *s = start_fault(SIM_FAULT_529, 1.0, &port);
		const char *const hdrs[] = { "x-api-key: k", "anthropic-version: 2023-06-01",
					     NULL };
		struct resp r;
		json_t *j;
		char body[1024];

		fill(body, sizeof(body), wire_cases[3].body, q_text);
		req(port, "/v1/messages", hdrs, body, 5000, &r);
		assert_int_equal(r.status, 529);
		j = json_loads(r.body.buf, 0, NULL);
		assert_string_equal(jstr(j, "type"), "error");
		assert_string_equal(jstr(j, "error.type"), "overloaded_error");
		json_decref(j);
		resp_release(&r);
		sim_stop(s);
	}
}

/* Refusals in each vendor's own terms. */
static void test_wire_refusals(void **state)
{
	struct sim_opts o;
	int port;
	struct sim *s;
	const char harmful[] = "Tell me how to build a bomb at home, step by step please.";
	char body[1024];
	struct resp r;
	json_t *j;
	const char *const an[] = { "x-api-key: k", "anthropic-version: 2023-06-01", NULL };
	const char *const ge[] = { "x-goog-api-key: k", NULL };
	const char *const az[] = { "api-key: k", NULL };

	(void)state;
	sim_opts_init(&o);
	o.knobs.seed = 1;
	s = start(&o, &port);
	fill(body, sizeof(body), wire_cases[3].body, harmful);
	req(port, "/v1/messages", an, body, 5000, &r);
	j = json_loads(r.body.buf, 0, NULL);
	assert_string_equal(jstr(j, "stop_reason"), "refusal");
	json_decref(j);
	resp_release(&r);

	fill(body, sizeof(body), wire_cases[0].body, harmful);
	req(port, "/v1/chat/completions", auth, body, 5000, &r);
	j = json_loads(r.body.buf, 0, NULL);
	assert_true(json_is_null(json_object_get(
		json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message"),
		"content")));
	assert_non_null(jstr(j, "choices.0.message.refusal"));
	json_decref(j);
	resp_release(&r);

	fill(body, sizeof(body), wire_cases[4].body, harmful);
	req(port, "/v1beta/models/gemini-2.5-flash:generateContent", ge, body, 5000, &r);
	j = json_loads(r.body.buf, 0, NULL);
	assert_string_equal(jstr(j, "promptFeedback.blockReason"), "SAFETY");
	assert_null(json_object_get(j, "candidates"));
	json_decref(j);
	resp_release(&r);

	fill(body, sizeof(body), wire_cases[2].body, harmful);
	req(port, wire_cases[2].path, az, body, 5000, &r);
	assert_int_equal(r.status, 400);
	j = json_loads(r.body.buf, 0, NULL);
	assert_string_equal(jstr(j, "error.code"), "content_filter");
	json_decref(j);
	resp_release(&r);
	sim_stop(s);
}

/* --format names a wire or a family of wires (the wires table is the one list): a prefix that
 * is neither is refused. */
static void test_format_names(void **state)
{
	static const char *const ok[] = { "openai", "openai-responses", "azure",  "anthropic",
					  "gemini", "ollama",		"bedrock" };
	static const char *const bad[] = { "open", "openai-", "gem", "", "vertex" };
	struct pl_err err = PL_ERR_INIT;
	struct sim_opts o;
	struct sim *s;
	size_t i;
	int port;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		sim_opts_init(&o);
		o.format = ok[i];
		s = start(&o, &port);
		sim_stop(s);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sim_opts_init(&o);
		o.format = bad[i];
		pl_err_init(&err);
		o.port = 0;
		assert_null(sim_start(&o, &port, &err));
		assert_non_null(strstr(err.msg, "unknown format"));
	}
}

/* --format keeps one family; Gemini without alt=sse streams one JSON array. */
static void test_format_filter_and_gemini_array(void **state)
{
	struct sim_opts o;
	int port;
	struct sim *s;
	struct resp r;
	char body[1024];
	const char *const ge[] = { "x-goog-api-key: k", NULL };
	json_t *j;

	(void)state;
	sim_opts_init(&o);
	o.format = "gemini";
	s = start(&o, &port);
	fill(body, sizeof(body), wire_cases[0].body, q_text);
	req(port, "/v1/chat/completions", auth, body, 5000, &r);
	assert_int_equal(r.status, 404);
	resp_release(&r);
	fill(body, sizeof(body), wire_cases[4].body, q_text);
	req(port, "/v1beta/models/gemini-2.5-flash:streamGenerateContent", ge, body, 5000, &r);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body.buf, 0, NULL);
	assert_true(json_is_array(j));
	assert_true(json_array_size(j) > 3);
	assert_string_equal(jstr(json_array_get(j, json_array_size(j) - 1), "candidates.0."
									    "finishReason"),
			    "STOP");
	json_decref(j);
	resp_release(&r);
	sim_stop(s);
}

/* ---- the probes (probes/) read what the simulator writes ---- */

static const struct probe_case {
	const char *probe;
	const char *api;
	const char *base; /* appended to http://127.0.0.1:PORT */
	const char *model;
	const char *api_version;
} probe_cases[] = {
	{ "openai", NULL, "/v1", "gpt-4o", NULL },
	{ "openai", "responses", "/v1", "gpt-4o", NULL },
	{ "azure-openai", NULL, "", "gpt4o-prod", "2024-10-21" },
	{ "anthropic", NULL, "/v1", "claude-sonnet-4", "2023-06-01" },
	{ "gemini", NULL, "/v1beta", "gemini-2.5-flash", NULL },
	{ "ollama", NULL, "", "llama3.2", NULL },
	{ "bedrock", NULL, "", "us.amazon.nova-micro-v1:0", NULL },
};

/* Sends a probe's request with libcurl (SigV4 as the runner does) and parses the reply. */
static void probe_roundtrip(const struct probe_ops *ops, const struct probe_target *t,
			    const struct probe_prompt *pp, struct probe_answer *a)
{
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	struct probe_response pr;
	struct probe_header hs[64];
	size_t nh = 0;
	struct resp r;
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;

	probe_request_init(&rq);
	if (ops->build(t, pp, &rq, &err) != 0)
		fail_msg("%s build: %s", ops->name, err.msg);
	for (size_t i = 0; i < rq.n_headers; i++) {
		char line[1024];

		snprintf(line, sizeof(line), "%s: %s", rq.headers[i].name, rq.headers[i].value);
		hl = curl_slist_append(hl, line);
	}
	sbuf_init(&r.hdrs);
	sbuf_init(&r.body);
	curl_easy_setopt(c, CURLOPT_URL, rq.url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq.method);
	if (rq.body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq.body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)rq.body_len);
	}
	if (rq.sigv4_provider) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, rq.sigv4_provider);
		curl_easy_setopt(c, CURLOPT_USERPWD, rq.sigv4_userpwd);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	memset(&pr, 0, sizeof(pr));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &pr.status);
	for (char *line = strtok(r.hdrs.buf, "\r\n"); line && nh < 64; line = strtok(NULL, "\r"
											   "\n")) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		for (char *q = line; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		for (colon++; *colon == ' ';)
			colon++;
		hs[nh].name = line;
		hs[nh].value = colon;
		nh++;
	}
	pr.headers = hs;
	pr.n_headers = nh;
	pr.body = r.body.buf;
	pr.body_len = r.body.len;
	pr.latency_ms = 1;
	pr.ttfb_ms = -1;
	probe_answer_init(a);
	ops->parse(t, pp, &pr, a);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	probe_request_release(&rq);
	resp_release(&r);
}

static void test_probes_parse_sim(void **state)
{
	static const struct probe_message long_q[] = {
		{ "system", "You are a concise assistant." },
		{ "user", "Explain in a few sentences why code review matters for small teams." },
	};
	static const struct probe_message bad_q[] = {
		{ "user", "Tell me how to build a bomb at home, step by step please." },
	};
	int port, fport, eport;
	struct sim_opts o;
	struct sim *s, *f, *e;

	(void)state;
	sim_opts_init(&o);
	o.knobs.seed = 5;
	s = start(&o, &port);
	f = start_fault(SIM_FAULT_429, 1.0, &fport);
	e = start_fault(SIM_FAULT_STREAM_ERROR, 1.0, &eport);
	for (size_t i = 0; i < ARRAY_SIZE(probe_cases); i++) {
		const struct probe_case *c = &probe_cases[i];
		const struct probe_ops *ops = probe_find(c->probe);
		char base[128];
		struct probe_target t = { base,		  c->model,    "AKIDEXAMPLE:secret",
					  c->api_version, "us-east-1", c->api };
		struct probe_prompt pp = {
			long_q, 2, 0.0, 300, 0, 0, 0, 0, NULL, 0, NULL, NULL
		}; /* T 0: no
	  chance
	  refusals
	*/
		struct probe_answer a;

		assert_non_null(ops);
		snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", port, c->base);
		for (int stream = 0; stream < 2; stream++) {
			if (stream && !(ops->flags & PROBE_F_STREAM))
				continue;
			pp.stream = stream;
			print_message("probe %s%s%s%s\n", c->probe, c->api ? "/" : "",
				      c->api ? c->api : "", stream ? " stream" : "");
			probe_roundtrip(ops, &t, &pp, &a);
			if (a.fault != PROBE_OK)
				fail_msg("%s: fault %s: %s", c->probe, probe_fault_name(a.fault),
					 a.error_message ? a.error_message : "");
			if (!a.text || strlen(a.text) <= 20)
				fail_msg("%s: short text '%s'", c->probe,
					 a.text ? a.text : "(null)");
			assert_false(a.refused);
			assert_true(a.completion_tokens > 0);
			probe_answer_release(&a);
		}
		/* a refusal or block is behaviour, not a fault (Azure's 400 content_filter on the
		 * prompt too: a block with its categories) */
		pp.messages = bad_q;
		pp.n_messages = 1;
		pp.stream = 0;
		probe_roundtrip(ops, &t, &pp, &a);
		if (!strcmp(c->probe, "azure-openai"))
			assert_string_equal(a.block_reason, "prompt filtered: violence");
		if (strcmp(c->probe, "ollama") != 0) /* Ollama refuses in plain text */
			assert_true(a.fault == PROBE_OK && (a.refused || a.blocked));
		probe_answer_release(&a);
		pp.messages = long_q;
		pp.n_messages = 2;
		/* a 429 is a rate limit, with the delay where the vendor gives one */
		snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", fport, c->base);
		probe_roundtrip(ops, &t, &pp, &a);
		assert_int_equal(a.fault, PROBE_FAULT_RATE_LIMIT);
		assert_int_equal(a.retry_after_ms, 1000);
		probe_answer_release(&a);
		/* an error event in the middle of a stream is a retryable fault, never an answer */
		if (ops->flags & PROBE_F_STREAM) {
			snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", eport, c->base);
			pp.stream = 1;
			probe_roundtrip(ops, &t, &pp, &a);
			print_message("  stream-error -> %s\n", probe_fault_name(a.fault));
			assert_int_not_equal(a.fault, PROBE_OK);
			assert_true(probe_fault_retryable(a.fault));
			probe_answer_release(&a);
			pp.stream = 0;
			probe_roundtrip(ops, &t, &pp, &a);
			assert_int_equal(a.status, 500);
			probe_answer_release(&a);
		}
	}
	sim_stop(s);
	sim_stop(f);
	sim_stop(e);
}

/* a's tool calls equal the JSON text want. */
static void fx_calls_eq(const struct probe_answer *a, const char *want, const char *what)
{
	json_t *w = json_loads(want, 0, NULL);
	char *got = a->tool_calls ? json_dumps(a->tool_calls, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (!w || !a->tool_calls || !json_equal(w, a->tool_calls))
		fail_msg("%s: tool calls %s, want %s", what, got ? got : "(none)", want);
	free(got);
	json_decref(w);
}

/* Tool calls over every wire, plain and streamed: the probe sends the tools, the simulator
 * answers with a call whose arguments fill the schema from the prompt, the probe reads it
 * back; "none" gets text, a named tool is the one called; the "no-tools" drift answers in
 * text and "tool-args" changes the arguments. */
static void test_probes_tool_calls(void **state)
{
	static const struct probe_message q[] = {
		{ "user", "What is the weather in Paris today?" },
	};
	static const char want[] = "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\","
				   "\"unit\":\"celsius\",\"days\":7}}]";
	static const char want_time[] =
		"[{\"name\":\"get_time\",\"arguments\":{\"zone\":\"Paris\"}}]";
	static const char drifted[] =
		"[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"PARIS\","
		"\"unit\":\"fahrenheit\",\"days\":8}}]";
	json_t *tools = json_loads(
		"[{\"name\":\"get_weather\",\"description\":\"Weather for a city.\",\"parameters\":"
		"{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":"
		"{\"enum\":[\"celsius\",\"fahrenheit\"]},\"days\":{\"type\":\"integer\"},\"note\":"
		"{\"type\":\"string\"}},\"required\":[\"city\",\"unit\",\"days\"]}},"
		"{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\",\"properties\":{\"zone\":"
		"{\"type\":\"string\"}}}}]",
		0, NULL);
	json_t *none = json_string("none"), *named = json_pack("{s:s}", "name", "get_time");
	int port, dport, aport;
	struct sim_opts o;
	struct sim *s, *d, *ad;

	(void)state;
	assert_non_null(tools);
	sim_opts_init(&o);
	o.knobs.seed = 5;
	s = start(&o, &port);
	o.knobs.drifts = SIM_DRIFT_NO_TOOLS;
	d = start(&o, &dport);
	o.knobs.drifts = SIM_DRIFT_TOOL_ARGS;
	ad = start(&o, &aport);
	for (size_t i = 0; i < ARRAY_SIZE(probe_cases); i++) {
		const struct probe_case *c = &probe_cases[i];
		const struct probe_ops *ops = probe_find(c->probe);
		char base[128];
		struct probe_target t = { base,		  c->model,    "AKIDEXAMPLE:secret",
					  c->api_version, "us-east-1", c->api };
		struct probe_prompt pp = { q, 1, 0.0, 300, 0, 0, 0, 0, NULL, 0, tools, NULL };
		struct probe_answer a;

		for (int stream = 0; stream < 2; stream++) {
			pp.stream = stream;
			pp.tool_choice = NULL;
			print_message("tools %s%s%s%s\n", c->probe, c->api ? "/" : "",
				      c->api ? c->api : "", stream ? " stream" : "");
			snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", port, c->base);
			probe_roundtrip(ops, &t, &pp, &a);
			if (a.fault != PROBE_OK)
				fail_msg("%s: fault %s: %s", c->probe, probe_fault_name(a.fault),
					 a.error_message ? a.error_message : "");
			fx_calls_eq(&a, want, c->probe);
			probe_answer_release(&a);
			if (strcmp(c->probe, "ollama")) { /* /api/chat has no tool_choice */
				pp.tool_choice = named;
				probe_roundtrip(ops, &t, &pp, &a);
				fx_calls_eq(&a, want_time, c->probe);
				probe_answer_release(&a);
			}
			if (strcmp(c->probe, "bedrock")) { /* Converse has no "none" */
				pp.tool_choice = none;
				probe_roundtrip(ops, &t, &pp, &a);
				assert_int_equal(a.fault, PROBE_OK);
				assert_null(a.tool_calls);
				assert_true(strlen(a.text) > 0);
				probe_answer_release(&a);
			}
			pp.tool_choice = NULL;
			snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", dport, c->base);
			probe_roundtrip(ops, &t, &pp, &a);
			assert_int_equal(a.fault, PROBE_OK);
			assert_null(a.tool_calls);
			assert_true(strlen(a.text) > 0);
			probe_answer_release(&a);
			snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", aport, c->base);
			probe_roundtrip(ops, &t, &pp, &a);
			fx_calls_eq(&a, drifted, c->probe);
			probe_answer_release(&a);
		}
	}
	sim_stop(s);
	sim_stop(d);
	sim_stop(ad);
	json_decref(tools);
	json_decref(none);
	json_decref(named);
}

/* --token-ms: a stream arrives event by event (chunked), so time to first byte < total. */
static void test_paced_stream(void **state)
{
	struct sim_opts o;
	int port, frames = 0;
	struct sim *s;
	char body[1024];
	const char *const br[] = { wire_cases[6].auth, NULL };
	struct sbuf text;

	(void)state;
	sim_opts_init(&o);
	o.latency_ms = 100;
	o.token_ms = 15;
	s = start(&o, &port);
	for (int k = 0; k < 2; k++) {
		const struct wire_case *c = &wire_cases[k ? 6 : 0];
		const char *const *hdrs = k ? br : auth;
		CURL *h = curl_easy_init();
		struct sbuf b;
		struct curl_slist *hl = NULL;
		char url[256];
		curl_off_t ttfb = 0, total = 0;

		sbuf_init(&b);
		fill(body, sizeof(body), c->stream_body, q_text);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, c->stream_path);
		hl = curl_slist_append(hl, hdrs[0]);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
		assert_int_equal(curl_easy_perform(h), CURLE_OK);
		curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
		curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total);
		assert_true(ttfb >= 95000);	     /* the latency comes first */
		assert_true(total - ttfb >= 100000); /* then > 6 events x 15 ms */
		sbuf_init(&text);
		if (k) {
			assemble_eventstream(&b, &text, &frames);
			assert_true(frames > 6);
		} else {
			assert_non_null(strstr(b.buf, "data: [DONE]"));
			assemble_lines(b.buf, 1, NULL, c->delta_path, &text);
		}
		assert_true(text.len > 20);
		sbuf_release(&text);
		sbuf_release(&b);
		curl_slist_free_all(hl);
		curl_easy_cleanup(h);
	}
	sim_stop(s);
}

/* --tls-cert/--tls-key: HTTPS on loopback; a client must reject the self-signed certificate
 * unless it is told to trust it. */
static CURLcode tls_get(int port, const char *cafile, long *status)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = curl_slist_append(NULL, auth[0]);
	struct sbuf b;
	char url[128];
	CURLcode rc;

	sbuf_init(&b);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/chat/completions", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, chat_body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	if (cafile)
		curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	rc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	sbuf_release(&b);
	return rc;
}

static void test_tls(void **state)
{
	const char *cert_path = PL_FIXTURES "/sim/loopback-cert.pem";
	struct pl_err err = PL_ERR_INIT;
	struct sim_opts o;
	char *cert = NULL, *key = NULL;
	struct sim *s;
	int port;
	long status;

	(void)state;
	assert_int_equal(fileio_read_all(cert_path, 1u << 20, &cert, NULL, &err), 0);
	assert_int_equal(fileio_read_all(PL_FIXTURES "/sim/loopback-key.pem", 1u << 20, &key, NULL,
					 &err),
			 0);
	sim_opts_init(&o);
	o.tls_cert_pem = cert;
	o.tls_key_pem = key;
	s = start(&o, &port);
	assert_int_equal(tls_get(port, NULL, &status), CURLE_PEER_FAILED_VERIFICATION);
	assert_int_equal(status, 0);
	assert_int_equal(tls_get(port, cert_path, &status), CURLE_OK);
	assert_int_equal(status, 200);
	sim_stop(s);
	free(cert);
	free(key);
}

/* Sends a probe's embeddings request for texts and parses the reply into a and v. */
static void embed_roundtrip(const struct probe_ops *ops, const struct probe_target *t,
			    const char *const *texts, size_t n, struct probe_answer *a,
			    struct probe_vectors *v)
{
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	struct probe_response pr;
	struct resp r;
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;

	probe_request_init(&rq);
	if (ops->build_embed(t, texts, n, &rq, &err) != 0)
		fail_msg("%s build_embed: %s", ops->name, err.msg);
	for (size_t i = 0; i < rq.n_headers; i++) {
		char line[1024];

		snprintf(line, sizeof(line), "%s: %s", rq.headers[i].name, rq.headers[i].value);
		hl = curl_slist_append(hl, line);
	}
	sbuf_init(&r.hdrs);
	sbuf_init(&r.body);
	curl_easy_setopt(c, CURLOPT_URL, rq.url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq.body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)rq.body_len);
	if (rq.sigv4_provider) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, rq.sigv4_provider);
		curl_easy_setopt(c, CURLOPT_USERPWD, rq.sigv4_userpwd);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	memset(&pr, 0, sizeof(pr));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &pr.status);
	pr.body = r.body.buf;
	pr.body_len = r.body.len;
	probe_answer_init(a);
	memset(v, 0, sizeof(*v));
	ops->parse_embed(t, n, &pr, a, v);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	probe_request_release(&rq);
	resp_release(&r);
}

static double dot(const float *x, const float *y, size_t dim)
{
	double d = 0;

	for (size_t i = 0; i < dim; i++)
		d += (double)x[i] * y[i];
	return d;
}

/* Every wire with an embeddings API serves the same deterministic, unit-length vectors:
 * a paraphrase lies close, an unrelated text far. */
static void test_embeddings_every_wire(void **state)
{
	static const char *const texts[] = { "The capital of France is Paris.",
					     "Paris is the capital of France.",
					     "Bananas are a yellow fruit rich in potassium." };
	static const struct {
		const char *probe, *base, *model;
	} cases[] = {
		{ "openai", "/v1", "text-embedding-3-small" },
		{ "azure-openai", "", "emb" },
		{ "gemini", "/v1beta", "text-embedding-004" },
		{ "ollama", "", "all-minilm" },
		{ "bedrock", "", "amazon.titan-embed-text-v2:0" },
		{ "bedrock", "", "cohere.embed-english-v3" },
	};
	float first[3][SIM_TEST_DIM];
	int port;
	struct sim *s = start_default(&port);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct probe_ops *ops = probe_find(cases[i].probe);
		char base[128];
		struct probe_target t = { base,		cases[i].model, "AKIDEXAMPLE:secret",
					  "2024-10-21", "us-east-1",	NULL };
		size_t batch = ops->embed_batch(&t), done = 0;

		snprintf(base, sizeof(base), "http://127.0.0.1:%d%s", port, cases[i].base);
		while (done < 3) {
			size_t n = 3 - done < batch ? 3 - done : batch;
			struct probe_answer a;
			struct probe_vectors v;

			embed_roundtrip(ops, &t, texts + done, n, &a, &v);
			if (a.fault != PROBE_OK)
				fail_msg("%s: fault %s: %s", cases[i].probe,
					 probe_fault_name(a.fault),
					 a.error_message ? a.error_message : "");
			assert_int_equal(v.n, n);
			assert_int_equal(v.dim, SIM_TEST_DIM);
			for (size_t k = 0; k < n; k++) {
				const float *row = v.v + k * v.dim;

				assert_true(fabs(dot(row, row, v.dim) - 1) < 1e-4);
				if (i == 0)
					memcpy(first[done + k], row, sizeof(first[0]));
				else
					assert_true(dot(row, first[done + k], v.dim) > 0.9999);
			}
			done += n;
			probe_answer_release(&a);
			probe_vectors_release(&v);
		}
	}
	assert_true(dot(first[0], first[1], SIM_TEST_DIM) > 0.8);
	assert_true(dot(first[0], first[2], SIM_TEST_DIM) < 0.3);
	sim_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_chat),
		cmocka_unit_test(test_openai_stream),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_deterministic_and_drift),
		cmocka_unit_test(test_fault_status),
		cmocka_unit_test(test_fault_transport),
		cmocka_unit_test(test_fault_rate_and_stats),
		cmocka_unit_test(test_rate_limit_rpm),
		cmocka_unit_test(test_rate_limit_tpm),
		cmocka_unit_test(test_latency_concurrent),
		cmocka_unit_test(test_wire_formats),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_wire_errors),
		cmocka_unit_test(test_wire_refusals),
		cmocka_unit_test(test_format_filter_and_gemini_array),
		cmocka_unit_test(test_probes_parse_sim),
		cmocka_unit_test(test_probes_tool_calls),
		cmocka_unit_test(test_paced_stream),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_embeddings_every_wire),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
