/* gemini.c: the "gemini" probe: Google Gemini generateContent and streamGenerateContent
 * (alt=sse), with promptFeedback / finishReason blocks and google.rpc errors. */
#include "probe.h"
#include "sbuf.h"
#include "stream_sse.h"

#include <stdlib.h>
#include <string.h>

/* tools[{functionDeclarations[{name, description, parametersJsonSchema}]}] (full JSON Schema,
 * as the SDKs send it); toolConfig.functionCallingConfig mode AUTO / ANY / NONE, a named tool
 * as ANY with allowedFunctionNames. */
static void add_tools(json_t *body, const struct probe_prompt *p)
{
	json_t *decls = json_array(), *tool, *cfg;
	const char *choice, *name;
	size_t i;

	json_array_foreach(p->tools, i, tool)
	{
		json_t *d = probe_tool_decl(tool, NULL);
		const json_t *params = json_object_get(tool, "parameters");

		if (params)
			json_object_set_new(d, "parametersJsonSchema", json_deep_copy(params));
		json_array_append_new(decls, d);
	}
	json_object_set_new(body, "tools", json_pack("[{s:o}]", "functionDeclarations", decls));
	choice = probe_tool_choice(p, &name);
	if (!strcmp(choice, "tool"))
		cfg = json_pack("{s:s, s:[s]}", "mode", "ANY", "allowedFunctionNames", name);
	else
		cfg = json_pack("{s:s}", "mode",
				!strcmp(choice, "required") ? "ANY"
				: !strcmp(choice, "none")   ? "NONE"
							    : "AUTO");
	json_object_set_new(body, "toolConfig", json_pack("{s:o}", "functionCallingConfig", cfg));
}

static json_t *gemini_body(const struct probe_prompt *p)
{
	json_t *body = json_object(), *contents = json_array(), *gc = json_object();
	struct sbuf sys;
	size_t i;

	sbuf_init(&sys);
	probe_system_text(p, &sys); /* systemInstruction, not a message */
	for (i = 0; i < p->n_messages; i++) {
		const struct probe_message *m = &p->messages[i];

		if (!strcmp(m->role, "system"))
			continue;
		json_array_append_new(contents,
				      json_pack("{s:s, s:[{s:s}]}", "role",
						!strcmp(m->role, "assistant") ? "model" : "user",
						"parts", "text", m->content));
	}
	json_object_set_new(body, "contents", contents);
	if (sys.len)
		json_object_set_new(body, "systemInstruction",
				    json_pack("{s:[{s:s}]}", "parts", "text", sys.buf));
	if (p->temperature >= 0)
		json_object_set_new(gc, "temperature", json_real(p->temperature));
	if (p->max_tokens > 0)
		json_object_set_new(gc, "maxOutputTokens", json_integer(p->max_tokens));
	if (p->has_seed)
		json_object_set_new(gc, "seed", json_integer(p->seed));
	if (p->logprobs) {
		json_object_set_new(gc, "responseLogprobs", json_true());
		if (p->top_logprobs > 0)
			json_object_set_new(gc, "logprobs", json_integer(p->top_logprobs));
	}
	if (p->schema) {
		json_object_set_new(gc, "responseMimeType", json_string("application/json"));
		json_object_set_new(gc, "responseJsonSchema", json_deep_copy(p->schema));
	}
	if (json_object_size(gc))
		json_object_set_new(body, "generationConfig", gc);
	else
		json_decref(gc);
	if (p->tools)
		add_tools(body, p);
	sbuf_release(&sys);
	return body;
}

static int gemini_build(const struct probe_target *t, const struct probe_prompt *p,
			struct probe_request *out, struct pl_err *err)
{
	struct sbuf url;

	if (!t->model || !*t->model)
		return pl_err_set(err, PL_E_INPUT, NULL, "gemini needs a model");
	if (probe_check_prompt(&probe_gemini, t, p, err))
		return -1;
	if (probe_request_set_body(out, gemini_body(p), err) < 0)
		return -1;
	sbuf_init(&url);
	sbuf_addf(&url, "%s/models/%s:%s", t->base_url ? t->base_url : "", t->model,
		  p->stream ? "streamGenerateContent?alt=sse" : "generateContent");
	out->url = sbuf_detach(&url, NULL);
	sbuf_release(&url);
	out->method = xstrdup("POST");
	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept",
				 p->stream ? "text/event-stream" : "application/json");
	/* The header, not ?key=, so the key never lands in a URL that could be logged. */
	if (t->api_key)
		probe_request_add_header(out, "x-goog-api-key", t->api_key);
	return 0;
}

/* "28s", "1.5s", "200ms" (google.protobuf.Duration in JSON). -1 if unreadable. */
static long duration_ms(const char *s)
{
	char *end;
	double v;

	if (!s)
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		return probe_ms_long(v);
	if (!strcmp(end, "s"))
		return probe_ms_long(v * 1000.0);
	return -1;
}

/* google.rpc.Status: {"error":{"code","message","status","details":[{"@type":...}]}}. */
static void parse_error(const json_t *root, long status, enum probe_fault force,
			struct probe_answer *a)
{
	static const struct probe_fault_code map[] = {
		{ "UNAUTHENTICATED", PROBE_FAULT_AUTH },
		{ "PERMISSION_DENIED", PROBE_FAULT_AUTH },
		{ "RESOURCE_EXHAUSTED", PROBE_FAULT_RATE_LIMIT },
		{ "UNAVAILABLE", PROBE_FAULT_OVERLOADED },
		{ "INTERNAL", PROBE_FAULT_SERVER },
		{ "DEADLINE_EXCEEDED", PROBE_FAULT_TIMEOUT },
		{ "INVALID_ARGUMENT", PROBE_FAULT_REQUEST },
		{ "FAILED_PRECONDITION", PROBE_FAULT_REQUEST },
		{ "NOT_FOUND", PROBE_FAULT_REQUEST },
	};
	const json_t *e = json_object_get(root, "error"), *d;
	const char *st = json_string_value(json_object_get(e, "status"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	enum probe_fault f =
		probe_fault_by_code(map, ARRAY_SIZE(map), st, probe_fault_from_status(status));
	size_t i;

	json_array_foreach(json_object_get(e, "details"), i, d)
	{
		const char *type = json_string_value(json_object_get(d, "@type"));

		if (!type)
			continue;
		/* A wrong key comes back as 400 INVALID_ARGUMENT with reason API_KEY_INVALID. */
		if (strstr(type, "google.rpc.ErrorInfo") &&
		    probe_json_str_is(json_object_get(d, "reason"), "API_KEY_INVALID"))
			f = PROBE_FAULT_AUTH;
		if (strstr(type, "google.rpc.RetryInfo") && a->retry_after_ms < 0)
			a->retry_after_ms = duration_ms(json_string_value(json_object_get(d, "retry"
											     "Dela"
											     "y")));
	}
	if (f == PROBE_OK)
		f = PROBE_FAULT_SERVER;
	if (force != PROBE_OK)
		f = force;
	if (msg)
		probe_set_fault(a, f, st, "%s", msg);
	else
		probe_set_fault(a, f, st, "http status %ld", status);
}

/* Finish reasons that mean the safety / recitation layer cut the answer. */
static int blocking_finish(const char *r)
{
	static const char *const block[] = {
		"SAFETY", "RECITATION",	  "BLOCKLIST", "PROHIBITED_CONTENT",
		"SPII",	  "IMAGE_SAFETY", "LANGUAGE",
	};
	size_t i;

	for (i = 0; r && i < ARRAY_SIZE(block); i++)
		if (!strcmp(r, block[i]))
			return 1;
	return 0;
}

static void set_block(struct probe_answer *a, const char *reason)
{
	a->blocked = 1;
	free(a->block_reason);
	a->block_reason = xstrdup(reason);
}

/* Fills from one GenerateContentResponse (a whole answer or one streamed chunk). Text parts
 * (except thoughts) are appended to text. Returns 1 when the chunk ends the answer. */
static int chunk(const struct probe_prompt *p, const json_t *root, struct sbuf *text,
		 struct probe_answer *a)
{
	const json_t *c0 = json_array_get(json_object_get(root, "candidates"), 0), *part, *u;
	const char *block =
		json_string_value(json_object_get(json_object_get(root, "promptFeedback"), "blockRe"
											   "ason"));
	const char *finish;
	size_t i;
	long v, th;

	if (json_is_string(json_object_get(root, "modelVersion"))) {
		free(a->model);
		a->model = probe_json_str(root, "modelVersion");
	}
	if (json_is_string(json_object_get(root, "responseId"))) {
		free(a->response_id);
		a->response_id = probe_json_str(root, "responseId");
	}
	u = json_object_get(root, "usageMetadata");
	if (json_is_object(u)) {
		a->prompt_tokens = probe_json_count(u, "promptTokenCount");
		v = probe_json_count(u, "candidatesTokenCount");
		th = probe_json_count(u, "thoughtsTokenCount");
		/* Thinking tokens are output tokens too (billed as such). */
		a->completion_tokens = v < 0 && th < 0 ? -1 : (v > 0 ? v : 0) + (th > 0 ? th : 0);
		a->total_tokens = probe_json_count(u, "totalTokenCount");
	}
	if (block) {
		set_block(a, block);
		free(a->finish_reason);
		a->finish_reason = xstrdup(block);
		return 1;
	}
	json_array_foreach(json_object_get(json_object_get(c0, "content"), "parts"), i, part)
	{
		const json_t *t = json_object_get(part, "text");

		const json_t *fc = json_object_get(part, "functionCall");

		if (json_is_string(t) && !json_is_true(json_object_get(part, "thought")))
			sbuf_add(text, json_string_value(t), json_string_length(t));
		/* a streamed functionCall part arrives whole, in one chunk */
		if (json_is_object(fc))
			probe_answer_add_call(a, json_string_value(json_object_get(fc, "name")),
					      json_is_object(json_object_get(fc, "args"))
						      ? json_object_get(fc, "args")
						      : NULL);
	}
	if (p && p->logprobs && json_is_object(json_object_get(c0, "logprobsResult"))) {
		json_decref(a->logprobs);
		a->logprobs = json_incref(json_object_get(c0, "logprobsResult"));
	}
	finish = json_string_value(json_object_get(c0, "finishReason"));
	if (!finish)
		return 0;
	free(a->finish_reason);
	a->finish_reason = xstrdup(finish);
	if (blocking_finish(finish))
		set_block(a, finish);
	return 1;
}

static void parse_json(const struct probe_prompt *p, const json_t *root, struct probe_answer *a)
{
	struct sbuf text;
	const json_t *cands = json_object_get(root, "candidates");
	const json_t *pf = json_object_get(root, "promptFeedback");

	if (!json_is_string(json_object_get(pf, "blockReason")) &&
	    !json_is_object(json_array_get(cands, 0))) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing candidates[0]");
		return;
	}
	sbuf_init(&text);
	chunk(p, root, &text, a);
	a->text = probe_text_detach(&text);
	sbuf_release(&text);
}

/* Each data: event is a whole GenerateContentResponse; the last one has finishReason (or
 * the prompt's blockReason). No [DONE]: a stream without a finish was cut. */
static void parse_stream(const struct probe_prompt *p, const struct probe_response *r,
			 struct probe_answer *a)
{
	struct sse_stream s;
	struct sbuf text;
	int done = 0;
	size_t i;

	sse_stream_init(&s);
	sbuf_init(&text);
	sse_parse(r->body, r->body_len, &s);
	/* Read every chunk: older servers repeat finishReason on each one. */
	for (i = 0; i < s.n && !a->fault; i++) {
		json_t *ev = probe_json_load(s.events[i].data, s.events[i].data_len, 0);

		if (!json_is_object(ev))
			probe_stream_bad_event(a, i, s.events[i].unterminated);
		else if (json_object_get(ev, "error"))
			parse_error(ev, 200, PROBE_FAULT_STREAM, a);
		else
			done |= chunk(p, ev, &text, a);
		json_decref(ev);
	}
	probe_stream_end(a, r, &text, done,
			 s.n ? "stream ended without a finishReason" : "stream carried no events");
	sbuf_release(&text);
	sse_stream_release(&s);
}

static void gemini_parse(const struct probe_target *t, const struct probe_prompt *p,
			 const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = NULL;

	(void)t;
	probe_answer_begin(a, r);
	if (r->status < 200 || r->status >= 300) {
		root = probe_json_body(r);
		/* streamGenerateContent without alt=sse wraps errors in an array. */
		if (!root) {
			json_t *arr = probe_json_load(r->body ? r->body : "", r->body_len, 0);

			if (json_is_object(json_array_get(arr, 0)))
				root = json_incref(json_array_get(arr, 0));
			json_decref(arr);
		}
		parse_error(root, r->status, PROBE_OK, a);
		goto out;
	}
	if (probe_is_stream(p, r, "text/event-stream")) {
		parse_stream(p, r, a);
		goto out;
	}
	root = probe_parse_body(r, a);
	if (!root)
		goto out;
	if (json_object_get(root, "error")) {
		parse_error(root, r->status, PROBE_OK, a);
		goto out;
	}
	parse_json(p, root, a);
out:
	probe_parse_end(a, root);
}

/* ---- embeddings: models/M:embedContent for one text, :batchEmbedContents for more ---- */

static json_t *embed_content(const char *text)
{
	return json_pack("{s:[{s:s}]}", "parts", "text", text);
}

static int gemini_build_embed(const struct probe_target *t, const char *const *texts, size_t n,
			      struct probe_request *out, struct pl_err *err)
{
	json_t *body;
	struct sbuf url;
	size_t i;

	if (!t->model || !*t->model)
		return pl_err_set(err, PL_E_INPUT, NULL, "gemini needs a model");
	if (n == 1) {
		body = json_pack("{s:o}", "content", embed_content(texts[0]));
	} else {
		json_t *reqs = json_array();
		struct sbuf m;

		sbuf_init(&m);
		sbuf_addf(&m, "models/%s", t->model);
		for (i = 0; i < n; i++)
			json_array_append_new(reqs, json_pack("{s:s, s:o}", "model", m.buf,
							      "content", embed_content(texts[i])));
		sbuf_release(&m);
		body = json_pack("{s:o}", "requests", reqs);
	}
	if (probe_request_set_body(out, body, err) < 0)
		return -1;
	sbuf_init(&url);
	sbuf_addf(&url, "%s/models/%s:%s", t->base_url ? t->base_url : "", t->model,
		  n == 1 ? "embedContent" : "batchEmbedContents");
	out->url = sbuf_detach(&url, NULL);
	sbuf_release(&url);
	out->method = xstrdup("POST");
	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept", "application/json");
	if (t->api_key)
		probe_request_add_header(out, "x-goog-api-key", t->api_key);
	return 0;
}

/* embedContent: {"embedding": {"values": [...]}}; batchEmbedContents: {"embeddings": [...]}. */
static void gemini_parse_embed(const struct probe_target *t, size_t n,
			       const struct probe_response *r, struct probe_answer *a,
			       struct probe_vectors *out)
{
	json_t *root = probe_embed_begin(&probe_gemini, t, r, a), *arr, *row;
	size_t i;

	if (!root)
		goto out;
	arr = json_object_get(root, "embeddings");
	if (!arr && json_is_object(json_object_get(root, "embedding")))
		probe_vectors_add(out,
				  json_object_get(json_object_get(root, "embedding"), "values"), a);
	else if (!json_is_array(arr))
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing embeddings[]");
	json_array_foreach(arr, i, row)
	{
		if (probe_vectors_add(out, json_object_get(row, "values"), a) < 0)
			break;
	}
	a->prompt_tokens = -1; /* the embeddings API reports no usage */
out:
	probe_embed_end(a, n, out, root);
}

/* batchEmbedContents takes at most 100 requests (the API reference's limit). */
static size_t gemini_embed_batch(const struct probe_target *t)
{
	(void)t;
	return 100;
}

const struct probe_ops probe_gemini = {
	.name = "gemini",
	.flags = PROBE_F_SEED | PROBE_F_LOGPROBS | PROBE_F_STREAM | PROBE_F_SCHEMA,
	.build = gemini_build,
	.parse = gemini_parse,
	.build_embed = gemini_build_embed,
	.parse_embed = gemini_parse_embed,
	.embed_batch = gemini_embed_batch,
	.temperature_max = 2, /* generationConfig.temperature: 0 to 2 on current models */
};
