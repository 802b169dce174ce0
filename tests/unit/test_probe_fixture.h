/* test_probe_fixture.h: loads a recorded vendor exchange (body + optional headers file) from
 * tests/fixtures/vendors and runs a probe's parse on it; shared by the test_probe_*.c tests. */
#ifndef PL_TEST_PROBE_FIXTURE_H
#define PL_TEST_PROBE_FIXTURE_H

#include "probe.h"
#include "sbuf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FX_DIR PL_FIXTURES "/vendors/"

struct fx {
	char *body;
	size_t len;
	struct probe_header *h;
	size_t nh;
	long status;
};

static PL_UNUSED char *fx_read(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	struct sbuf sb;
	char buf[8192], *body;
	size_t n;

	snprintf(path, sizeof(path), "%s%s", FX_DIR, rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	sbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	body = sbuf_detach(&sb, len);
	sbuf_release(&sb);
	return body;
}

static PL_UNUSED void fx_add_header(struct fx *x, const char *name, const char *value)
{
	x->h = xrealloc(x->h, (x->nh + 1) * sizeof(*x->h));
	x->h[x->nh].name = xstrdup(name);
	x->h[x->nh].value = xstrdup(value);
	x->nh++;
}

/* headers_rel (may be NULL): {"status_code": N, "headers": [[name, value], ...]}. */
static PL_UNUSED void fx_load(struct fx *x, const char *body_rel, const char *headers_rel,
			      long status)
{
	memset(x, 0, sizeof(*x));
	x->body = fx_read(body_rel, &x->len);
	x->status = status;
	if (headers_rel) {
		size_t len, i;
		char *text = fx_read(headers_rel, &len);
		json_t *root = json_loadb(text, len, 0, NULL), *pair;

		assert_non_null(root);
		if (json_is_integer(json_object_get(root, "status_code")))
			x->status = (long)json_integer_value(json_object_get(root, "status_code"));
		json_array_foreach(json_object_get(root, "headers"), i, pair)
			fx_add_header(x, json_string_value(json_array_get(pair, 0)),
				      json_string_value(json_array_get(pair, 1)));
		json_decref(root);
		free(text);
	}
}

static PL_UNUSED void fx_release(struct fx *x)
{
	size_t i;

	for (i = 0; i < x->nh; i++) {
		free(x->h[i].name);
		free(x->h[i].value);
	}
	free(x->h);
	free(x->body);
	memset(x, 0, sizeof(*x));
}

static PL_UNUSED void fx_parse(const struct probe_ops *ops, const struct probe_target *t,
			       const struct probe_prompt *p, const struct fx *x,
			       struct probe_answer *a)
{
	struct probe_response r = {
		.status = x->status,
		.headers = x->h,
		.n_headers = x->nh,
		.body = x->body,
		.body_len = x->len,
		.latency_ms = 123.0,
		.ttfb_ms = 45.0,
	};

	probe_answer_init(a);
	ops->parse(t, p, &r, a);
}

static PL_UNUSED const char *fx_kept(const struct probe_answer *a, const char *name)
{
	return probe_header_get(a->headers, a->n_headers, name);
}

/* Compares a possibly-NULL string with an expected possibly-NULL one. */
static PL_UNUSED void fx_str_eq(const char *got, const char *want, const char *what,
				const char *file)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(got, want))
		fail_msg("%s: %s: got \"%s\", want \"%s\"", file, what, got ? got : "(null)",
			 want ? want : "(null)");
}

/* The text starts with want and is exactly len bytes long. */
static PL_UNUSED void fx_text(const char *got, const char *want, size_t len, const char *file)
{
	if (!got)
		fail_msg("%s: text is NULL", file);
	if (strncmp(got, want, strlen(want)) || strlen(got) != len)
		fail_msg("%s: text: got \"%s\" (%zu bytes), want \"%s...\" (%zu bytes)", file, got,
			 strlen(got), want, len);
}

/* The answer's tool calls equal want: JSON text of [{"name","arguments"}...], NULL for none. */
static PL_UNUSED void fx_calls(const struct probe_answer *a, const char *want, const char *file)
{
	json_t *w = want ? json_loads(want, 0, NULL) : NULL;
	char *got = a->tool_calls ? json_dumps(a->tool_calls, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (want && !w)
		fail_msg("%s: bad expected calls %s", file, want);
	if ((!w) != (!a->tool_calls) || (w && !json_equal(w, a->tool_calls)))
		fail_msg("%s: tool calls: got %s, want %s", file, got ? got : "(none)",
			 want ? want : "(none)");
	free(got);
	json_decref(w);
}

/* A 200 response (a fixture file, or inline text when raw is set) and the calls it holds. */
struct fx_calls_case {
	const char *body;
	int raw;
	int stream;
	const char *calls; /* JSON text, NULL for none */
};

static PL_UNUSED void fx_check_calls(const struct probe_ops *ops, const struct probe_target *t,
				     const struct fx_calls_case *c)
{
	struct probe_prompt p = { .temperature = -1, .stream = c->stream };
	struct probe_answer a;
	struct fx x;

	memset(&x, 0, sizeof(x));
	if (c->raw) {
		x.body = xstrdup(c->body);
		x.len = strlen(c->body);
		x.status = 200;
	} else {
		fx_load(&x, c->body, NULL, 200);
	}
	fx_parse(ops, t, &p, &x, &a);
	if (a.fault != PROBE_OK)
		fail_msg("%s: fault %s: %s", c->raw ? "(inline)" : c->body,
			 probe_fault_name(a.fault), a.error_message ? a.error_message : "");
	fx_calls(&a, c->calls, c->raw ? "(inline)" : c->body);
	probe_answer_release(&a);
	fx_release(&x);
}

/* Builds p's request with ops and returns its body (a new reference); fails the test when the
 * build fails. */
static PL_UNUSED json_t *fx_build_body(const struct probe_ops *ops, const struct probe_target *t,
				       const struct probe_prompt *p)
{
	struct probe_request req;
	struct pl_err err = PL_ERR_INIT;
	json_t *body;

	probe_request_init(&req);
	if (ops->build(t, p, &req, &err))
		fail_msg("build: %s", err.msg);
	body = json_loadb(req.body, req.body_len, 0, NULL);
	assert_non_null(body);
	probe_request_release(&req);
	return body;
}

/* body[key] equals the JSON text want. */
static PL_UNUSED void fx_body_has(const json_t *body, const char *key, const char *want)
{
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	char *got = json_dumps(json_object_get(body, key),
			       JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	assert_non_null(w);
	if (!json_equal(w, json_object_get(body, key)))
		fail_msg("body.%s: got %s, want %s", key, got ? got : "(absent)", want);
	free(got);
	json_decref(w);
}

/* The tool-building tests' prompt: one user message offering the get_weather tool, and the
 * tool_choice values they try. fx_tools_release frees them. */
struct fx_tools {
	struct probe_message msg;
	json_t *tools, *named, *required, *none;
	struct probe_prompt p;
};

static PL_UNUSED void fx_tools_init(struct fx_tools *ft)
{
	memset(ft, 0, sizeof(*ft));
	ft->msg.role = "user";
	ft->msg.content = "Weather in Paris?";
	ft->tools = json_loads("[{\"name\":\"get_weather\",\"description\":\"Weather.\","
			       "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
			       "{\"type\":\"string\"}},\"required\":[\"city\"]}}]",
			       0, NULL);
	assert_non_null(ft->tools);
	ft->named = json_pack("{s:s}", "name", "get_weather");
	ft->required = json_string("required");
	ft->none = json_string("none");
	ft->p.messages = &ft->msg;
	ft->p.n_messages = 1;
	ft->p.temperature = -1;
	ft->p.tools = ft->tools;
}

static PL_UNUSED void fx_tools_release(struct fx_tools *ft)
{
	json_decref(ft->tools);
	json_decref(ft->named);
	json_decref(ft->required);
	json_decref(ft->none);
}

/* Sets ft->p.tool_choice to choice, builds with ops and checks body[key] against the JSON text
 * want (fx_body_has). */
static PL_UNUSED void fx_choice_has(const struct probe_ops *ops, const struct probe_target *t,
				    struct fx_tools *ft, const json_t *choice, const char *key,
				    const char *want)
{
	json_t *body;

	ft->p.tool_choice = choice;
	body = fx_build_body(ops, t, &ft->p);
	fx_body_has(body, key, want);
	json_decref(body);
}

/* Sets ft->p.tool_choice to choice; the build with ops must fail with PL_E_INPUT and the
 * message msg. */
static PL_UNUSED void fx_choice_refused(const struct probe_ops *ops, const struct probe_target *t,
					struct fx_tools *ft, const json_t *choice, const char *msg)
{
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;

	ft->p.tool_choice = choice;
	probe_request_init(&rq);
	assert_int_equal(ops->build(t, &ft->p, &rq, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	assert_string_equal(err.msg, msg);
	probe_request_release(&rq);
}

/* One recorded response and what the probe must extract from it. */
struct fx_case {
	const char *body;
	const char *headers; /* may be NULL */
	long status;	     /* when headers is NULL */
	int stream;
	int logprobs;
	enum probe_fault fault;
	const char *text; /* prefix */
	size_t text_len;
	const char *refusal;
	const char *model;
	const char *fingerprint;
	const char *id;
	const char *finish;
	long prompt, completion, total;
	const char *error_type;
	const char *error_msg; /* prefix */
	int blocked;
	const char *block_reason; /* when blocked */
};

static PL_UNUSED void fx_check(const struct probe_ops *ops, const struct probe_target *t,
			       const struct fx_case *c)
{
	struct probe_prompt p = { .temperature = -1, .stream = c->stream, .logprobs = c->logprobs };
	struct probe_answer a;
	struct fx x;

	fx_load(&x, c->body, c->headers, c->status);
	fx_parse(ops, t, &p, &x, &a);
	if (a.fault != c->fault)
		fail_msg("%s: fault %s (%s), want %s", c->body, probe_fault_name(a.fault),
			 a.error_message ? a.error_message : "", probe_fault_name(c->fault));
	assert_int_equal(a.status, x.status);
	assert_true(a.latency_ms == 123.0);
	if (c->fault == PROBE_OK) {
		fx_text(a.text, c->text, c->text_len, c->body);
		assert_int_equal(a.refused, c->refusal != NULL);
		if (a.blocked != c->blocked)
			fail_msg("%s: blocked %d, want %d", c->body, a.blocked, c->blocked);
		if (c->blocked)
			fx_str_eq(a.block_reason, c->block_reason, "block_reason", c->body);
		fx_str_eq(a.refused ? a.block_reason : NULL, c->refusal, "refusal", c->body);
		fx_str_eq(a.model, c->model, "model", c->body);
		fx_str_eq(a.fingerprint, c->fingerprint, "fingerprint", c->body);
		fx_str_eq(a.response_id, c->id, "id", c->body);
		fx_str_eq(a.finish_reason, c->finish, "finish_reason", c->body);
		assert_int_equal(a.prompt_tokens, c->prompt);
		assert_int_equal(a.completion_tokens, c->completion);
		assert_int_equal(a.total_tokens, c->total);
		assert_true(a.ttft_ms == (c->stream ? 45.0 : -1.0));
		if (c->logprobs)
			assert_non_null(a.logprobs);
		else
			assert_null(a.logprobs);
	} else {
		assert_null(a.text);
		fx_str_eq(a.error_type, c->error_type, "error_type", c->body);
		assert_non_null(a.error_message);
		assert_true(!strncmp(a.error_message, c->error_msg, strlen(c->error_msg)));
	}
	probe_answer_release(&a);
	fx_release(&x);
}

/* A hand-written response (edge cases, faults) and the expected classification. */
struct fx_raw {
	const char *name;
	long status;
	const char *body;
	const char *header; /* "name: value" or NULL */
	enum probe_fault fault;
	long retry_after_ms;
	const char *error_type;
	const char *error_msg;	  /* exact */
	const char *block_reason; /* PROBE_OK cases: the answer is blocked for this reason */
};

static PL_UNUSED void fx_run_raw(const struct probe_ops *ops, const struct probe_target *t,
				 const struct fx_raw *c)
{
	struct probe_header h[1];
	char hname[64], *colon;
	struct probe_response r = {
		.status = c->status, .body = c->body, .body_len = strlen(c->body), .ttfb_ms = -1
	};
	struct probe_prompt p = { .temperature = -1 };
	struct probe_answer a;

	if (c->header) {
		snprintf(hname, sizeof(hname), "%s", c->header);
		colon = strchr(hname, ':');
		*colon = '\0';
		h[0].name = hname;
		h[0].value = colon + 2;
		r.headers = h;
		r.n_headers = 1;
	}
	probe_answer_init(&a);
	ops->parse(t, &p, &r, &a);
	if (a.fault != c->fault)
		fail_msg("%s: fault %s (%s), want %s", c->name, probe_fault_name(a.fault),
			 a.error_message ? a.error_message : "", probe_fault_name(c->fault));
	assert_int_equal(a.retry_after_ms, c->retry_after_ms);
	fx_str_eq(a.error_type, c->error_type, "error_type", c->name);
	if (c->error_msg)
		fx_str_eq(a.error_message, c->error_msg, "error_message", c->name);
	if (c->fault == PROBE_OK) {
		assert_int_equal(a.blocked, c->block_reason != NULL);
		fx_str_eq(a.block_reason, c->block_reason, "block_reason", c->name);
		assert_non_null(a.text);
	} else {
		assert_null(a.text);
	}
	probe_answer_release(&a);
}

#endif
