/* ollama.c: the "ollama" probe: Ollama's native POST {base}/api/chat, plain and NDJSON-streamed
 * (including error lines after the 200), with its token counts and durations. */
#include "probe.h"
#include "sbuf.h"
#include "stream_ndjson.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tools[{"type":"function","function":{name, description, parameters}}], as OpenAI. */
static json_t *tools_json(const struct probe_prompt *p)
{
	json_t *arr = json_array(), *tool;
	size_t i;

	json_array_foreach(p->tools, i, tool)
	{
		json_t *fn = probe_tool_decl(tool, "parameters");

		json_array_append_new(arr,
				      json_pack("{s:s, s:o}", "type", "function", "function", fn));
	}
	return arr;
}

static json_t *chat_body(const struct probe_target *t, const struct probe_prompt *p)
{
	json_t *body = json_object(), *msgs = json_array(), *opts = json_object();
	size_t i;

	for (i = 0; i < p->n_messages; i++)
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", p->messages[i].role,
						      "content", p->messages[i].content));
	json_object_set_new(body, "model", json_string(t->model ? t->model : ""));
	json_object_set_new(body, "messages", msgs);
	/* Ollama streams unless told not to. */
	json_object_set_new(body, "stream", json_boolean(p->stream));
	if (p->schema)
		json_object_set_new(body, "format", json_deep_copy(p->schema));
	if (p->temperature >= 0)
		json_object_set_new(opts, "temperature", json_real(p->temperature));
	if (p->max_tokens > 0)
		json_object_set_new(opts, "num_predict", json_integer(p->max_tokens));
	if (p->has_seed)
		json_object_set_new(opts, "seed", json_integer(p->seed));
	if (json_object_size(opts))
		json_object_set_new(body, "options", opts);
	else
		json_decref(opts);
	if (p->tools && !probe_json_str_is(p->tool_choice, "none")) /* none: no tools offered */
		json_object_set_new(body, "tools", tools_json(p));
	return body;
}

/* A JSON POST to {base}{path} accepting accept. Local servers are keyless; ollama.com takes a
 * bearer key. */
static void post(const struct probe_target *t, const char *path, const char *accept,
		 struct probe_request *out)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "%s%s", t->base_url ? t->base_url : "", path);
	out->url = sbuf_detach(&sb, NULL);
	out->method = xstrdup("POST");
	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept", accept);
	if (t->api_key) {
		sbuf_addf(&sb, "Bearer %s", t->api_key);
		probe_request_add_header(out, "authorization", sb.buf);
		OPENSSL_cleanse(sb.buf, sb.len);
	}
	sbuf_release(&sb);
}

static int ollama_check_prompt(const struct probe_target *t, const struct probe_prompt *p,
			       struct pl_err *err)
{
	(void)t;
	if (p->logprobs)
		return pl_err_set(err, PL_E_INPUT, "logprobs",
				  "ollama's /api/chat does not return logprobs");
	if (p->tools) {
		const char *name, *choice = probe_tool_choice(p, &name);

		/* /api/chat has no tool_choice: the model decides (auto), or gets no tools */
		if (strcmp(choice, "auto") && strcmp(choice, "none"))
			return pl_err_set(err, PL_E_INPUT, "tool_choice",
					  "ollama's /api/chat cannot ask for tool_choice \"%s\"",
					  choice);
	}
	return 0;
}

static int ollama_build(const struct probe_target *t, const struct probe_prompt *p,
			struct probe_request *out, struct pl_err *err)
{
	if (probe_check_prompt(&probe_ollama, t, p, err))
		return -1;
	if (probe_request_set_body(out, chat_body(t, p), err) < 0)
		return -1;
	post(t, "/api/chat", p->stream ? "application/x-ndjson" : "application/json", out);
	return 0;
}

/* The final object's counts and nanosecond durations. */
static void final_stats(const json_t *obj, struct probe_answer *a)
{
	static const char *const durations[][2] = {
		{ "total_duration", "x-plumbline-ollama-total-duration-ns" },
		{ "load_duration", "x-plumbline-ollama-load-duration-ns" },
		{ "prompt_eval_duration", "x-plumbline-ollama-prompt-eval-duration-ns" },
		{ "eval_duration", "x-plumbline-ollama-eval-duration-ns" },
	};
	char value[32];
	size_t i;
	long v;

	a->prompt_tokens = probe_json_count(obj, "prompt_eval_count");
	a->completion_tokens = probe_json_count(obj, "eval_count");
	if (a->prompt_tokens >= 0 && a->completion_tokens >= 0)
		a->total_tokens = a->prompt_tokens + a->completion_tokens;
	for (i = 0; i < ARRAY_SIZE(durations); i++) {
		v = probe_json_count(obj, durations[i][0]);
		if (v < 0)
			continue;
		snprintf(value, sizeof(value), "%ld", v);
		probe_answer_add_header(a, durations[i][1], value);
	}
	free(a->finish_reason);
	a->finish_reason = probe_json_str(obj, "done_reason");
	if (!a->finish_reason)
		a->finish_reason = xstrdup("stop");
}

static void error_line(const json_t *obj, enum probe_fault f, struct probe_answer *a)
{
	const char *msg = json_string_value(json_object_get(obj, "error"));

	probe_set_fault(a, f, NULL, "%s", msg ? msg : "error");
}

/* One chat object: appends message.content; returns 1 when it is the final (done) one. */
static int chat_object(const json_t *obj, struct sbuf *text, struct probe_answer *a)
{
	const json_t *c = json_object_get(json_object_get(obj, "message"), "content");
	const json_t *calls = json_object_get(json_object_get(obj, "message"), "tool_calls"), *tc;
	size_t i;

	if (!a->model)
		a->model = probe_json_str(obj, "model");
	if (json_is_string(c))
		sbuf_add(text, json_string_value(c), json_string_length(c));
	/* arguments is an object here, not JSON text; a streamed call arrives whole */
	json_array_foreach(calls, i, tc)
	{
		const json_t *fn = json_object_get(tc, "function");
		const json_t *args = json_object_get(fn, "arguments");

		if (json_is_string(args))
			probe_answer_add_call_text(a,
						   json_string_value(json_object_get(fn, "name")),
						   json_string_value(args),
						   json_string_length(args));
		else if (json_is_object(fn))
			probe_answer_add_call(a, json_string_value(json_object_get(fn, "name")),
					      json_is_object(args) ? args : NULL);
	}
	if (!json_is_true(json_object_get(obj, "done")))
		return 0;
	final_stats(obj, a);
	return 1;
}

static void parse_stream(const struct probe_response *r, struct probe_answer *a)
{
	struct ndjson_stream s;
	struct sbuf text;
	int done = 0;
	size_t i;

	ndjson_stream_init(&s);
	sbuf_init(&text);
	ndjson_parse(r->body, r->body_len, &s);
	for (i = 0; i < s.n && !done && !a->fault; i++) {
		json_t *obj = probe_json_load(s.lines[i].text, s.lines[i].len, 0);

		if (!json_is_object(obj))
			probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
					"stream line %zu is not a json object", i + 1);
		else if (json_object_get(obj, "error"))
			error_line(obj, PROBE_FAULT_STREAM, a);
		else
			done = chat_object(obj, &text, a);
		json_decref(obj);
	}
	probe_stream_end(a, r, &text, done,
			 s.n ? "stream ended before \"done\":true" : "stream carried no lines");
	sbuf_release(&text);
	ndjson_stream_release(&s);
}

static void parse_json(const json_t *root, struct probe_answer *a)
{
	const json_t *msg = json_object_get(root, "message");
	struct sbuf text;

	if (!json_is_object(msg)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing message");
		return;
	}
	if (!json_is_true(json_object_get(root, "done"))) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL,
				json_object_get(root, "done")
					? "done is not true (the answer was not finished)"
					: "missing done");
		return;
	}
	sbuf_init(&text);
	chat_object(root, &text, a);
	a->text = probe_text_detach(&text);
	sbuf_release(&text);
}

static void ollama_parse(const struct probe_target *t, const struct probe_prompt *p,
			 const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = NULL;

	(void)t;
	probe_answer_begin(a, r);
	if (r->status < 200 || r->status >= 300) {
		root = probe_json_body(r);
		error_line(root, probe_fault_from_status(r->status), a);
		if (!root)
			probe_set_fault(a, a->fault, NULL, "http status %ld", r->status);
		goto out;
	}
	if (probe_is_stream(p, r, "application/x-ndjson")) {
		parse_stream(r, a);
		goto out;
	}
	root = probe_parse_body(r, a);
	if (!root)
		goto out;
	if (json_object_get(root, "error")) {
		error_line(root, PROBE_FAULT_SERVER, a);
		goto out;
	}
	parse_json(root, a);
out:
	probe_parse_end(a, root);
}

/* ---- embeddings: POST /api/embed {"model", "input": [texts]} -> embeddings[][] ---- */

static int ollama_build_embed(const struct probe_target *t, const char *const *texts, size_t n,
			      struct probe_request *out, struct pl_err *err)
{
	json_t *body = json_object(), *input = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(input, json_string(texts[i]));
	json_object_set_new(body, "model", json_string(t->model ? t->model : ""));
	json_object_set_new(body, "input", input);
	if (probe_request_set_body(out, body, err) < 0)
		return -1;
	post(t, "/api/embed", "application/json", out);
	return 0;
}

static void ollama_parse_embed(const struct probe_target *t, size_t n,
			       const struct probe_response *r, struct probe_answer *a,
			       struct probe_vectors *out)
{
	json_t *root = probe_embed_begin(&probe_ollama, t, r, a), *arr, *row;
	size_t i;

	if (!root)
		goto out;
	arr = json_object_get(root, "embeddings");
	if (!json_is_array(arr))
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing embeddings[]");
	json_array_foreach(arr, i, row)
	{
		if (probe_vectors_add(out, row, a) < 0)
			break;
	}
	a->prompt_tokens = probe_json_count(root, "prompt_eval_count");
	a->model = probe_json_str(root, "model");
out:
	probe_embed_end(a, n, out, root);
}

/* /api/embed documents no limit on "input"; 64 keeps one request's work (and a retry) small. */
static size_t ollama_embed_batch(const struct probe_target *t)
{
	(void)t;
	return 64;
}

const struct probe_ops probe_ollama = {
	.name = "ollama",
	.flags = PROBE_F_SEED | PROBE_F_STREAM | PROBE_F_SCHEMA,
	.build = ollama_build,
	.parse = ollama_parse,
	.build_embed = ollama_build_embed,
	.parse_embed = ollama_parse_embed,
	.embed_batch = ollama_embed_batch,
	.check_prompt = ollama_check_prompt,
	/* temperature_max 0: options.temperature has no documented upper bound */
};
