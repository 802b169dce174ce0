/* openai.c: the "openai" probe: Chat Completions (OpenAI and every OpenAI-compatible server:
 * vLLM, llama.cpp, Ollama /v1, Groq, Mistral, DeepSeek) and the Responses API (api "responses"). */
#include "probe.h"
#include "sbuf.h"
#include "stream_sse.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_responses(const struct probe_target *t)
{
	return t->api && !strcmp(t->api, "responses");
}

static void add_common_headers(const struct probe_target *t, const struct probe_prompt *p,
			       struct probe_request *out)
{
	struct sbuf auth;

	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept",
				 p->stream ? "text/event-stream" : "application/json");
	if (!t->api_key)
		return;
	sbuf_init(&auth);
	sbuf_addstr(&auth, "Bearer ");
	sbuf_addstr(&auth, t->api_key);
	probe_request_add_header(out, "authorization", auth.buf);
	OPENSSL_cleanse(auth.buf, auth.len);
	sbuf_release(&auth);
}

static json_t *chat_messages(const struct probe_prompt *p)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < p->n_messages; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "role", p->messages[i].role,
						     "content", p->messages[i].content));
	return arr;
}

/* tools[] as the wire wants them: chat nests each in {"type":"function","function":{...}},
 * the Responses API flattens it ({"type":"function","name",...}). */
static json_t *wire_tools(const struct probe_prompt *p, int flat)
{
	json_t *arr = json_array(), *tool;
	size_t i;

	json_array_foreach(p->tools, i, tool)
	{
		json_t *fn = probe_tool_decl(tool, "parameters");

		if (flat) {
			json_object_set_new(fn, "type", json_string("function"));
			json_array_append_new(arr, fn);
		} else {
			json_array_append_new(arr, json_pack("{s:s, s:o}", "type", "function",
							     "function", fn));
		}
	}
	return arr;
}

static void add_tools(json_t *body, const struct probe_prompt *p, int flat)
{
	const char *name, *choice;

	if (!p->tools)
		return;
	json_object_set_new(body, "tools", wire_tools(p, flat));
	choice = probe_tool_choice(p, &name);
	if (strcmp(choice, "tool"))
		json_object_set_new(body, "tool_choice", json_string(choice));
	else if (flat)
		json_object_set_new(body, "tool_choice",
				    json_pack("{s:s, s:s}", "type", "function", "name", name));
	else
		json_object_set_new(body, "tool_choice",
				    json_pack("{s:s, s:{s:s}}", "type", "function", "function",
					      "name", name));
}

static json_t *chat_body(const struct probe_target *t, const struct probe_prompt *p)
{
	json_t *body = json_object();

	json_object_set_new(body, "model", json_string(t->model ? t->model : ""));
	json_object_set_new(body, "messages", chat_messages(p));
	if (p->temperature >= 0)
		json_object_set_new(body, "temperature", json_real(p->temperature));
	if (p->max_tokens > 0)
		json_object_set_new(body, "max_tokens", json_integer(p->max_tokens));
	if (p->has_seed)
		json_object_set_new(body, "seed", json_integer(p->seed));
	if (p->logprobs) {
		json_object_set_new(body, "logprobs", json_true());
		if (p->top_logprobs > 0)
			json_object_set_new(body, "top_logprobs", json_integer(p->top_logprobs));
	}
	if (p->schema)
		json_object_set_new(body, "response_format",
				    json_pack("{s:s, s:{s:s, s:o}}", "type", "json_schema",
					      "json_schema", "name", "answer", "schema",
					      json_deep_copy(p->schema)));
	add_tools(body, p, 0);
	if (p->stream) {
		json_object_set_new(body, "stream", json_true());
		json_object_set_new(body, "stream_options", json_pack("{s:b}", "include_usage", 1));
	}
	return body;
}

/* Responses API: system messages become "instructions", the rest "input" items. */
static json_t *responses_body(const struct probe_target *t, const struct probe_prompt *p)
{
	json_t *body = json_object(), *input = json_array();
	struct sbuf instr;
	size_t i;

	sbuf_init(&instr);
	for (i = 0; i < p->n_messages; i++) {
		const struct probe_message *m = &p->messages[i];

		if (!strcmp(m->role, "system") || !strcmp(m->role, "developer")) {
			if (instr.len)
				sbuf_addch(&instr, '\n');
			sbuf_addstr(&instr, m->content);
			continue;
		}
		json_array_append_new(input, json_pack("{s:s, s:s}", "role", m->role, "content",
						       m->content));
	}
	json_object_set_new(body, "model", json_string(t->model ? t->model : ""));
	if (instr.len)
		json_object_set_new(body, "instructions", json_string(instr.buf));
	json_object_set_new(body, "input", input);
	if (p->temperature >= 0)
		json_object_set_new(body, "temperature", json_real(p->temperature));
	if (p->max_tokens > 0)
		json_object_set_new(body, "max_output_tokens", json_integer(p->max_tokens));
	if (p->logprobs) {
		json_object_set_new(body, "include",
				    json_pack("[s]", "message.output_text.logprobs"));
		json_object_set_new(body, "top_logprobs",
				    json_integer(p->top_logprobs > 0 ? p->top_logprobs : 0));
	}
	if (p->schema)
		json_object_set_new(body, "text",
				    json_pack("{s:{s:s, s:s, s:o}}", "format", "type",
					      "json_schema", "name", "answer", "schema",
					      json_deep_copy(p->schema)));
	add_tools(body, p, 1);
	if (p->stream)
		json_object_set_new(body, "stream", json_true());
	json_object_set_new(body, "store", json_false());
	sbuf_release(&instr);
	return body;
}

static int openai_check_prompt(const struct probe_target *t, const struct probe_prompt *p,
			       struct pl_err *err)
{
	if (p->has_seed && is_responses(t))
		return pl_err_set(err, PL_E_INPUT, "seed",
				  "the responses api does not take a seed");
	return 0;
}

static int openai_build(const struct probe_target *t, const struct probe_prompt *p,
			struct probe_request *out, struct pl_err *err)
{
	json_t *body;
	struct sbuf url;
	int ret = -1;

	sbuf_init(&url);
	if (probe_check_prompt(&probe_openai, t, p, err))
		goto out;
	body = is_responses(t) ? responses_body(t, p) : chat_body(t, p);
	if (probe_request_set_body(out, body, err) < 0)
		goto out;
	sbuf_addstr(&url, t->base_url ? t->base_url : "");
	sbuf_addstr(&url, is_responses(t) ? "/responses" : "/chat/completions");
	out->url = sbuf_detach(&url, NULL);
	out->method = xstrdup("POST");
	add_common_headers(t, p, out);
	ret = 0;
out:
	sbuf_release(&url);
	return ret;
}

/* "Please try again in 45.19s" / "in 20ms": OpenAI's 429 messages carry the delay when the
 * headers do not. Returns -1 when the message says nothing. */
static long delay_from_message(const char *msg)
{
	const char *s = msg ? strstr(msg, "try again in ") : NULL;
	char *end;
	double v;

	if (!s)
		return -1;
	s += strlen("try again in ");
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (!strncmp(end, "ms", 2))
		return probe_ms_long(v);
	if (*end == 's')
		return probe_ms_long(v * 1000.0);
	if (*end == 'm')
		return probe_ms_long(v * 60000.0);
	return -1;
}

/* Error bodies: {"error":{"message","type","code","param"}} (OpenAI, vLLM, llama.cpp),
 * {"error":"text"} (Ollama), {"object":"error","message",...} (old vLLM), {"detail":...}
 * or {"message":...} (Mistral). */
static void parse_error(const json_t *root, const struct probe_response *r, struct probe_answer *a)
{
	const json_t *e = root ? json_object_get(root, "error") : NULL;
	enum probe_fault f = probe_fault_from_status(r->status);
	const json_t *code;
	char *msg = NULL, *type = NULL, codebuf[32];

	if (json_is_object(e)) {
		msg = probe_json_str(e, "message");
		code = json_object_get(e, "code");
		if (json_is_string(code)) {
			type = xstrdup(json_string_value(code));
		} else if (json_is_integer(code)) {
			snprintf(codebuf, sizeof(codebuf), "%lld",
				 (long long)json_integer_value(code));
			type = probe_json_str(e, "type");
			if (!type)
				type = xstrdup(codebuf);
		} else {
			type = probe_json_str(e, "type");
		}
	} else if (json_is_string(e)) {
		msg = xstrdup(json_string_value(e));
	} else if (root) {
		msg = probe_json_str(root, "message");
		if (!msg)
			msg = probe_json_str(root, "detail");
		type = probe_json_str(root, "type");
	}
	if (type && !strcmp(type, "content_filter"))
		f = PROBE_FAULT_CONTENT_FILTER;
	/* Out of credit: retrying cannot help, the run cannot complete. */
	if (type && !strcmp(type, "insufficient_quota"))
		f = PROBE_FAULT_AUTH;
	if (f == PROBE_OK) /* a 2xx carrying an error object */
		f = PROBE_FAULT_SERVER;
	if (f == PROBE_FAULT_RATE_LIMIT && a->retry_after_ms < 0)
		a->retry_after_ms = delay_from_message(msg);
	if (msg)
		probe_set_fault(a, f, type, "%s", msg);
	else
		probe_set_fault(a, f, type, "http status %ld", r->status);
	free(msg);
	free(type);
}

/* Keeps choices[0].logprobs (chat) when the prompt asked for logprobs. */
static void keep_logprobs(const struct probe_prompt *p, json_t *lp, struct probe_answer *a)
{
	if (!p || !p->logprobs || !lp || json_is_null(lp))
		return;
	json_decref(a->logprobs);
	a->logprobs = json_incref(lp);
}

static void chat_usage(const json_t *root, struct probe_answer *a)
{
	const json_t *u = json_object_get(root, "usage");

	if (!json_is_object(u))
		return;
	a->prompt_tokens = probe_json_count(u, "prompt_tokens");
	a->completion_tokens = probe_json_count(u, "completion_tokens");
	a->total_tokens = probe_json_count(u, "total_tokens");
}

static void chat_ids(const json_t *root, struct probe_answer *a)
{
	free(a->model);
	a->model = probe_json_str(root, "model");
	free(a->fingerprint);
	a->fingerprint = probe_json_str(root, "system_fingerprint");
	free(a->response_id);
	a->response_id = probe_json_str(root, "id");
}

static void set_finish(struct probe_answer *a, const char *finish)
{
	free(a->finish_reason);
	a->finish_reason = finish ? xstrdup(finish) : NULL;
	/* An output-side filter (Azure, OpenAI) is behaviour: the answer was blocked. */
	if (finish && !strcmp(finish, "content_filter")) {
		a->blocked = 1;
		if (!a->block_reason)
			a->block_reason = xstrdup("content_filter");
	}
}

/* message.tool_calls[]: {"id","type":"function","function":{"name","arguments": JSON text}}. */
static void chat_tool_calls(const json_t *calls, struct probe_answer *a)
{
	const json_t *c, *fn, *args;
	size_t i;

	json_array_foreach(calls, i, c)
	{
		fn = json_object_get(c, "function");
		if (!json_is_object(fn))
			continue;
		args = json_object_get(fn, "arguments");
		if (json_is_string(args))
			probe_answer_add_call_text(a,
						   json_string_value(json_object_get(fn, "name")),
						   json_string_value(args),
						   json_string_length(args));
		else
			probe_answer_add_call(a, json_string_value(json_object_get(fn, "name")),
					      json_is_object(args) ? args : NULL);
	}
}

/* One delta.tool_calls[] entry: the name arrives with its index, the arguments in
 * fragments. */
static void stream_call_add(struct probe_calls *calls, const json_t *d)
{
	const json_t *idx = json_object_get(d, "index"), *fn = json_object_get(d, "function");
	const json_t *args = json_object_get(fn, "arguments");

	probe_calls_add(calls, json_is_integer(idx) ? (long)json_integer_value(idx) : 0,
			json_string_value(json_object_get(fn, "name")), json_string_value(args),
			json_string_length(args));
}

static void chat_parse_json(const struct probe_prompt *p, json_t *root, struct probe_answer *a)
{
	const json_t *choices, *c0, *msg, *content, *refusal;

	choices = json_object_get(root, "choices");
	if (!json_is_array(choices)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing choices");
		return;
	}
	c0 = json_array_get(choices, 0);
	if (!json_is_object(c0)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing choices[0]");
		return;
	}
	msg = json_object_get(c0, "message");
	if (!json_is_object(msg)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing choices[0].message");
		return;
	}
	content = json_object_get(msg, "content");
	if (content && !json_is_string(content) && !json_is_null(content)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL,
				"choices[0].message.content: expected a string or null");
		return;
	}
	a->text = json_is_string(content)
			  ? probe_text_dup(json_string_value(content), json_string_length(content))
			  : xstrdup("");
	refusal = json_object_get(msg, "refusal");
	if (json_is_string(refusal)) {
		a->refused = 1;
		a->block_reason = xstrdup(json_string_value(refusal));
	}
	chat_ids(root, a);
	chat_usage(root, a);
	set_finish(a, json_string_value(json_object_get(c0, "finish_reason")));
	keep_logprobs(p, json_object_get(c0, "logprobs"), a);
	chat_tool_calls(json_object_get(msg, "tool_calls"), a);
}

/* Streamed chat: "data:" chunks of chat.completion.chunk, the usage chunk, then [DONE]. */
static void chat_parse_stream(const struct probe_prompt *p, const struct probe_response *r,
			      struct probe_answer *a)
{
	struct sse_stream s;
	struct sbuf text, refusal;
	json_t *lp = NULL;
	int done = 0, have_chunk = 0;
	struct probe_calls calls;
	size_t i;

	sse_stream_init(&s);
	sbuf_init(&text);
	sbuf_init(&refusal);
	probe_calls_init(&calls);
	sse_parse(r->body, r->body_len, &s);
	for (i = 0; i < s.n && !done && !a->fault; i++) {
		const struct sse_event *ev = &s.events[i];
		json_t *chunk, *c0, *delta, *v, *elp;

		if (!strcmp(ev->data, "[DONE]")) {
			done = 1;
			break;
		}
		chunk = probe_json_load(ev->data, ev->data_len, 0);
		if (!json_is_object(chunk)) {
			probe_stream_bad_event(a, i, ev->unterminated);
			json_decref(chunk);
			break;
		}
		if (json_object_get(chunk, "error")) {
			struct probe_response er = *r;

			er.status = 500;
			parse_error(chunk, &er, a);
			a->fault = PROBE_FAULT_STREAM;
			json_decref(chunk);
			break;
		}
		have_chunk = 1;
		/* Azure opens with a choices:[] chunk whose model is "". */
		if (!a->model || !*a->model)
			chat_ids(chunk, a);
		else if (!a->fingerprint)
			a->fingerprint = probe_json_str(chunk, "system_fingerprint");
		if (json_is_object(json_object_get(chunk, "usage")))
			chat_usage(chunk, a);
		/* Only choice 0 is assembled; n>1 streams interleave other indexes. */
		c0 = NULL;
		{
			size_t k;
			json_t *c;

			json_array_foreach(json_object_get(chunk, "choices"), k, c)
			{
				json_t *idx = json_object_get(c, "index");

				if (!idx || json_integer_value(idx) == 0) {
					c0 = c;
					break;
				}
			}
		}
		if (c0) {
			delta = json_object_get(c0, "delta");
			v = json_object_get(delta, "content");
			if (json_is_string(v))
				sbuf_add(&text, json_string_value(v), json_string_length(v));
			v = json_object_get(delta, "refusal");
			if (json_is_string(v))
				sbuf_add(&refusal, json_string_value(v), json_string_length(v));
			{
				size_t k;
				json_t *tc;

				json_array_foreach(json_object_get(delta, "tool_calls"), k, tc)
					stream_call_add(&calls, tc);
			}
			v = json_object_get(c0, "finish_reason");
			if (json_is_string(v))
				set_finish(a, json_string_value(v));
			elp = json_object_get(c0, "logprobs");
			if (p && p->logprobs && json_is_object(elp)) {
				if (!lp)
					lp = json_object();
				json_object_update_missing(lp, elp);
				{
					const char *key;
					json_t *arr;

					json_object_foreach(elp, key, arr)
					{
						json_t *dst = json_object_get(lp, key);

						if (json_is_array(arr) && json_is_array(dst) &&
						    dst != arr)
							json_array_extend(dst, arr);
					}
				}
			}
		}
		json_decref(chunk);
	}
	if (!a->fault && done && !a->finish_reason)
		probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
				"stream ended without a finish_reason");
	probe_stream_end(a, r, &text, done,
			 have_chunk ? "stream ended before data: [DONE]"
				    : "stream carried no events");
	if (!a->fault) {
		if (refusal.len) {
			a->refused = 1;
			a->block_reason = sbuf_detach(&refusal, NULL);
		}
		if (lp) {
			json_decref(a->logprobs);
			a->logprobs = json_incref(lp);
		}
	}
	probe_calls_end(&calls, a);
	json_decref(lp);
	sbuf_release(&text);
	sbuf_release(&refusal);
	sse_stream_release(&s);
}

/* Responses API: the moderation result (when a moderation policy was sent) names the flagged
 * categories; a flagged input or output is the vendor's safety layer speaking. */
static void responses_moderation(const json_t *root, struct probe_answer *a)
{
	const json_t *mod = json_object_get(root, "moderation");
	static const char *const sides[] = { "input", "output" };
	struct sbuf why;
	size_t i;

	if (!json_is_object(mod))
		return;
	sbuf_init(&why);
	for (i = 0; i < ARRAY_SIZE(sides); i++) {
		const json_t *m = json_object_get(mod, sides[i]), *v;
		const char *cat;
		int first = 1;

		if (!json_is_true(json_object_get(m, "flagged")))
			continue;
		sbuf_addf(&why, "%smoderation %s flagged", why.len ? "; " : "", sides[i]);
		json_object_foreach((json_t *)json_object_get(m, "categories"), cat, v)
		{
			if (!json_is_true(v))
				continue;
			sbuf_addf(&why, "%s%s", first ? ": " : ",", cat);
			first = 0;
		}
	}
	if (why.len) {
		a->blocked = 1;
		free(a->block_reason);
		a->block_reason = sbuf_detach(&why, NULL);
	}
	sbuf_release(&why);
}

/* The output[] items {"type":"function_call","call_id","name","arguments": JSON text} of a
 * Responses "response" object become a's tool calls (replacing any). */
static void responses_calls(const json_t *root, struct probe_answer *a)
{
	const json_t *item, *args;
	const char *name;
	size_t i;

	json_decref(a->tool_calls);
	a->tool_calls = NULL;
	json_array_foreach(json_object_get(root, "output"), i, item)
	{
		if (!probe_json_str_is(json_object_get(item, "type"), "function_call"))
			continue;
		args = json_object_get(item, "arguments");
		name = json_string_value(json_object_get(item, "name"));
		if (json_is_string(args))
			probe_answer_add_call_text(a, name, json_string_value(args),
						   json_string_length(args));
		else
			probe_answer_add_call(a, name, json_is_object(args) ? args : NULL);
	}
}

/* Fills ids, usage, finish and safety from a Responses "response" object. When text is set,
 * output[] is walked for the text, refusals and logprobs (non-streamed answers). */
static void responses_fill(const struct probe_prompt *p, const json_t *root, int text,
			   struct probe_answer *a)
{
	const json_t *u = json_object_get(root, "usage"), *inc, *item, *part;
	const char *status = json_string_value(json_object_get(root, "status"));
	const char *reason;
	struct sbuf out, refusal;
	json_t *lp = NULL;
	size_t i, j;

	free(a->model);
	a->model = probe_json_str(root, "model");
	free(a->response_id);
	a->response_id = probe_json_str(root, "id");
	if (json_is_object(u)) {
		a->prompt_tokens = probe_json_count(u, "input_tokens");
		a->completion_tokens = probe_json_count(u, "output_tokens");
		a->total_tokens = probe_json_count(u, "total_tokens");
	}
	inc = json_object_get(root, "incomplete_details");
	reason = json_string_value(json_object_get(inc, "reason"));
	set_finish(a, reason ? reason : status);
	responses_moderation(root, a);
	if (!text)
		return;
	sbuf_init(&out);
	sbuf_init(&refusal);
	responses_calls(root, a);
	json_array_foreach(json_object_get(root, "output"), i, item)
	{
		if (!probe_json_str_is(json_object_get(item, "type"), "message"))
			continue;
		json_array_foreach(json_object_get(item, "content"), j, part)
		{
			const char *ptype = json_string_value(json_object_get(part, "type"));
			const json_t *v;

			if (!ptype)
				continue;
			if (!strcmp(ptype, "output_text")) {
				v = json_object_get(part, "text");
				if (json_is_string(v))
					sbuf_add(&out, json_string_value(v), json_string_length(v));
				v = json_object_get(part, "logprobs");
				if (p && p->logprobs && json_is_array(v) && json_array_size(v)) {
					if (!lp)
						lp = json_array();
					json_array_extend(lp, (json_t *)v);
				}
			} else if (!strcmp(ptype, "refusal")) {
				v = json_object_get(part, "refusal");
				if (json_is_string(v))
					sbuf_add(&refusal, json_string_value(v),
						 json_string_length(v));
				a->refused = 1;
			}
		}
	}
	free(a->text);
	a->text = probe_text_detach(&out);
	if (a->refused) {
		free(a->block_reason);
		a->block_reason = sbuf_detach(&refusal, NULL);
	}
	if (lp) {
		json_decref(a->logprobs);
		a->logprobs = lp;
	}
	sbuf_release(&out);
	sbuf_release(&refusal);
}

/* A failed response ("status":"failed", error{code,message}) is the vendor's fault. */
static void responses_failed(const json_t *root, enum probe_fault f, struct probe_answer *a)
{
	const json_t *e = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	if (f != PROBE_FAULT_STREAM && code && !strcmp(code, "rate_limit_exceeded"))
		f = PROBE_FAULT_RATE_LIMIT;
	probe_set_fault(a, f, code, "%s", msg ? msg : "the response failed");
}

static void responses_parse_json(const struct probe_prompt *p, const json_t *root,
				 struct probe_answer *a)
{
	const char *status = json_string_value(json_object_get(root, "status"));

	if (status && !strcmp(status, "failed")) {
		responses_failed(root, PROBE_FAULT_SERVER, a);
		return;
	}
	if (!json_is_array(json_object_get(root, "output"))) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing output");
		return;
	}
	if (!status) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing status");
		return;
	}
	responses_fill(p, root, 1, a);
}

/* Streamed Responses: named events; text from response.output_text.delta, the rest from the
 * terminal response.completed / response.incomplete. response.failed or an error event is a
 * stream fault; so is a stream that stops before its terminal event. */
static void responses_parse_stream(const struct probe_prompt *p, const struct probe_response *r,
				   struct probe_answer *a)
{
	struct sse_stream s;
	struct sbuf text, refusal;
	json_t *lp = NULL, *final = NULL, *calls = json_array();
	size_t i;

	sse_stream_init(&s);
	sbuf_init(&text);
	sbuf_init(&refusal);
	sse_parse(r->body, r->body_len, &s);
	for (i = 0; i < s.n && !final && !a->fault; i++) {
		json_t *ev = probe_json_load(s.events[i].data, s.events[i].data_len, 0);
		const char *type = json_string_value(json_object_get(ev, "type"));
		const json_t *v;

		if (!json_is_object(ev) || !type) {
			/* Doc examples elide events with a "..." line: skip what is not an event.
			 */
			json_decref(ev);
			continue;
		}
		if (!strcmp(type, "response.output_text.delta")) {
			v = json_object_get(ev, "delta");
			if (json_is_string(v))
				sbuf_add(&text, json_string_value(v), json_string_length(v));
			v = json_object_get(ev, "logprobs");
			if (p && p->logprobs && json_is_array(v) && json_array_size(v)) {
				if (!lp)
					lp = json_array();
				json_array_extend(lp, (json_t *)v);
			}
		} else if (!strcmp(type, "response.output_item.done")) {
			v = json_object_get(ev, "item");
			if (probe_json_str_is(json_object_get(v, "type"), "function_call"))
				json_array_append(calls, (json_t *)v);
		} else if (!strcmp(type, "response.refusal.delta")) {
			v = json_object_get(ev, "delta");
			if (json_is_string(v))
				sbuf_add(&refusal, json_string_value(v), json_string_length(v));
		} else if (!strcmp(type, "response.completed") || !strcmp(type, "response."
										"incomplete")) {
			final = json_incref(json_object_get(ev, "response"));
			if (!json_is_object(final))
				probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
						"%s event without a response object", type);
		} else if (!strcmp(type, "response.failed")) {
			responses_failed(json_object_get(ev, "response"), PROBE_FAULT_STREAM, a);
		} else if (!strcmp(type, "error")) {
			const char *code = json_string_value(json_object_get(ev, "code"));
			const char *msg = json_string_value(json_object_get(ev, "message"));

			probe_set_fault(a, PROBE_FAULT_STREAM, code, "%s",
					msg ? msg : "error event in the stream");
		}
		json_decref(ev);
	}
	if (!a->fault && !final)
		probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
				"stream ended before response.completed");
	if (!a->fault) {
		/* The terminal event carries the whole output; the deltas are the fallback when
		 * a server sends an empty output[] there. */
		responses_fill(p, final, 1, a);
		if (!a->text[0] && text.len) {
			free(a->text);
			a->text = probe_text_detach(&text);
		}
		if (refusal.len && !(a->block_reason && a->block_reason[0])) {
			free(a->block_reason);
			a->block_reason = sbuf_detach(&refusal, NULL);
			a->refused = 1;
		}
		if (lp && !a->logprobs)
			a->logprobs = json_incref(lp);
		/* the calls of output_item.done events when the terminal output[] has none */
		if (!a->tool_calls && json_array_size(calls)) {
			json_t *only = json_pack("{s:O}", "output", calls);

			responses_calls(only, a);
			json_decref(only);
		}
		a->ttft_ms = r->ttfb_ms;
	}
	json_decref(calls);
	json_decref(final);
	json_decref(lp);
	sbuf_release(&text);
	sbuf_release(&refusal);
	sse_stream_release(&s);
}

static void openai_responses_parse(const struct probe_prompt *p, const struct probe_response *r,
				   json_t *root, struct probe_answer *a)
{
	if (root)
		responses_parse_json(p, root, a);
	else
		responses_parse_stream(p, r, a);
}

static void openai_parse(const struct probe_target *t, const struct probe_prompt *p,
			 const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = NULL;
	int stream;

	probe_answer_begin(a, r);
	stream = probe_is_stream(p, r, "text/event-stream");
	if (r->status < 200 || r->status >= 300) {
		root = probe_json_body(r);
		parse_error(root, r, a);
		goto out;
	}
	if (stream) {
		if (is_responses(t))
			openai_responses_parse(p, r, NULL, a);
		else
			chat_parse_stream(p, r, a);
		goto out;
	}
	root = probe_parse_body(r, a);
	if (!root)
		goto out;
	if (json_object_get(root, "error") && !json_object_get(root, "choices") &&
	    !json_object_get(root, "output")) {
		parse_error(root, r, a);
		goto out;
	}
	if (is_responses(t))
		openai_responses_parse(p, r, root, a);
	else
		chat_parse_json(p, root, a);
out:
	probe_parse_end(a, root);
}

/* ---- embeddings: POST /embeddings, {"model", "input": [texts]} -> data[].embedding ---- */

static json_t *texts_array(const char *const *texts, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(texts[i]));
	return arr;
}

static int openai_build_embed(const struct probe_target *t, const char *const *texts, size_t n,
			      struct probe_request *out, struct pl_err *err)
{
	struct probe_prompt p = { .temperature = -1 };
	json_t *body = json_object();
	struct sbuf url;

	if (t->model && *t->model)
		json_object_set_new(body, "model", json_string(t->model));
	json_object_set_new(body, "input", texts_array(texts, n));
	json_object_set_new(body, "encoding_format", json_string("float"));
	if (probe_request_set_body(out, body, err) < 0)
		return -1;
	sbuf_init(&url);
	sbuf_addstr(&url, t->base_url ? t->base_url : "");
	sbuf_addstr(&url, "/embeddings");
	out->url = sbuf_detach(&url, NULL);
	sbuf_release(&url);
	out->method = xstrdup("POST");
	add_common_headers(t, &p, out);
	return 0;
}

/* data[] is ordered by "index" (the API documents it; rows are placed by it). */
static void openai_parse_embed(const struct probe_target *t, size_t n,
			       const struct probe_response *r, struct probe_answer *a,
			       struct probe_vectors *out)
{
	json_t *root = probe_embed_begin(&probe_openai, t, r, a), *data, *row;
	size_t i, k;

	if (!root)
		goto out;
	data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing data[]");
		goto out;
	}
	for (k = 0; k < json_array_size(data) && !a->fault; k++) {
		/* the row whose index is k; the array's own order when no index is given */
		row = json_array_get(data, k);
		json_array_foreach(data, i, row)
		{
			if (probe_json_count(row, "index") == (long)k)
				break;
		}
		if (i == json_array_size(data))
			row = json_array_get(data, k);
		probe_vectors_add(out, json_object_get(row, "embedding"), a);
	}
	a->prompt_tokens = probe_json_count(json_object_get(root, "usage"), "prompt_tokens");
	a->model = probe_json_str(root, "model");
out:
	probe_embed_end(a, n, out, root);
}

/* "any array must be 2048 dimensions or less" (the API reference, input). */
static size_t openai_embed_batch(const struct probe_target *t)
{
	(void)t;
	return 2048;
}

/* Chat Completions (the default) and the Responses API. */
static const char *const openai_apis[] = { "chat", "responses", NULL };

const struct probe_ops probe_openai = {
	.name = "openai",
	.flags = PROBE_F_SEED | PROBE_F_LOGPROBS | PROBE_F_STREAM | PROBE_F_SCHEMA,
	.build = openai_build,
	.parse = openai_parse,
	.build_embed = openai_build_embed,
	.parse_embed = openai_parse_embed,
	.embed_batch = openai_embed_batch,
	.apis = openai_apis,
	.check_prompt = openai_check_prompt,
	.temperature_max = 2, /* openapi.yaml: chat and responses, minimum 0, maximum 2 */
};
