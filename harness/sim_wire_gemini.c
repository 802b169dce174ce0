/* sim_wire_gemini.c: the simulator's Gemini format (POST /v1beta/models/{m}:generateContent and
 * :streamGenerateContent, SSE with alt=sse or one JSON array), google.rpc errors. */
#include "sim_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *model_end(const char *path, const char **prefix_end)
{
	static const char *const prefixes[] = { "/v1beta/models/", "/v1/models/" };

	*prefix_end = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (!strncmp(path, prefixes[i], n)) {
			*prefix_end = path + n;
			return strchr(path + n, ':');
		}
	}
	return NULL;
}

static int ge_match(const char *method, const char *path)
{
	const char *start = NULL, *colon = model_end(path, &start);

	return !strcmp(method, "POST") && colon && colon > start &&
	       (!strcmp(colon, ":generateContent") || !strcmp(colon, ":streamGenerateContent"));
}

static const char *status_name(unsigned status)
{
	switch (status) {
	case 400:
		return "INVALID_ARGUMENT";
	case 401:
		return "UNAUTHENTICATED";
	case 403:
		return "PERMISSION_DENIED";
	case 404:
		return "NOT_FOUND";
	case 429:
		return "RESOURCE_EXHAUSTED";
	case 500:
		return "INTERNAL";
	default:
		return "UNAVAILABLE";
	}
}

static void ge_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r)
{
	json_t *e = json_pack("{s:i,s:s,s:s}", "code", (json_int_t)status, "message", msg, "status",
			      status_name(status));

	if (!strcmp(kind, "rate_limit"))
		json_object_set_new(
			e, "details",
			json_pack("[{s:s,s:[{s:s,s:s}]},{s:s,s:s}]", "@type",
				  "type.googleapis.com/google.rpc.QuotaFailure", "violations",
				  "quotaMetric",
				  "generativelanguage.googleapis.com/generate_content_requests",
				  "quotaId", "GenerateRequestsPerMinutePerProjectPerModel", "@type",
				  "type.googleapis.com/google.rpc.RetryInfo", "retryDelay", "1s"));
	else if (!strcmp(kind, "auth"))
		json_object_set_new(e, "details",
				    json_pack("[{s:s,s:s,s:s}]", "@type",
					      "type.googleapis.com/google.rpc.ErrorInfo", "reason",
					      "API_KEY_INVALID", "domain", "googleapis.com"));
	sim_reply_json(r, status, json_pack("{s:o}", "error", e));
	r->content_type = "application/json; charset=UTF-8";
}

static int ge_auth(const struct sim_http *h, const char *key, struct sim_reply *r)
{
	const char *got = h->header(h->conn, "x-goog-api-key");

	if (!got)
		got = h->query(h->conn, "key");
	switch (sim_key_check(got, key)) {
	case 1:
		ge_error(403, "permission",
			 "Method doesn't allow unregistered callers (callers without established "
			 "identity). Please use API Key or other form of API consumer identity to "
			 "call this API.",
			 r);
		return -1;
	case 2:
		ge_error(400, "auth", "API key not valid. Please pass a valid API key.", r);
		return -1;
	}
	return 0;
}

/* tools[{functionDeclarations[{name, parameters | parametersJsonSchema}]}];
 * toolConfig.functionCallingConfig {mode AUTO|ANY|NONE, allowedFunctionNames}. */
static void tools(json_t *body, struct sim_req *rq)
{
	json_t *t, *d,
		*fcc = json_object_get(json_object_get(body, "toolConfig"),
				       "functionCallingConfig");
	const char *mode = json_string_value(json_object_get(fcc, "mode"));
	json_t *allowed = json_object_get(fcc, "allowedFunctionNames");
	size_t i, j;

	json_array_foreach(json_object_get(body, "tools"), i, t)
	{
		json_array_foreach(json_object_get(t, "functionDeclarations"), j, d)
		{
			json_t *params = json_object_get(d, "parametersJsonSchema");

			sim_req_add_tool(rq, json_object_get(d, "name"),
					 params ? params : json_object_get(d, "parameters"));
		}
	}
	if (mode && !strcmp(mode, "NONE"))
		sim_req_tool_choice(rq, "none", NULL);
	else if (mode && !strcmp(mode, "ANY") && json_array_size(allowed) == 1)
		sim_req_tool_choice(rq, "tool", json_string_value(json_array_get(allowed, 0)));
	else if (mode && !strcmp(mode, "ANY"))
		sim_req_tool_choice(rq, "required", NULL);
	else
		sim_req_tool_choice(rq, "auto", NULL);
}

static int ge_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	const char *start = NULL, *colon = model_end(h->url, &start);
	json_t *contents = json_object_get(body, "contents"), *c, *cfg, *v;
	const char *alt = h->query(h->conn, "alt");
	size_t i, n = colon && start ? (size_t)(colon - start) : 0; /* matched by ge_match */

	if (n >= sizeof(rq->path_model))
		n = sizeof(rq->path_model) - 1;
	if (n)
		memcpy(rq->path_model, start, n);
	rq->path_model[n] = '\0';
	if (!json_is_object(body) || !json_is_array(contents) || !json_array_size(contents)) {
		ge_error(400, "bad_request",
			 "* GenerateContentRequest.contents: contents is not "
			 "specified",
			 r);
		return -1;
	}
	v = json_object_get(json_object_get(body, "systemInstruction"), "parts");
	if (v && sim_req_add_msg(rq, "system", v) != 0) {
		ge_error(400, "bad_request", "Invalid value at 'system_instruction'", r);
		return -1;
	}
	json_array_foreach(contents, i, c)
	{
		const char *role = json_string_value(json_object_get(c, "role"));

		if (sim_req_add_msg(rq, role && !strcmp(role, "model") ? "assistant" : "user",
				    json_object_get(c, "parts")) != 0) {
			ge_error(400, "bad_request", "Invalid value at 'contents'", r);
			return -1;
		}
	}
	cfg = json_object_get(body, "generationConfig");
	sim_req_sampling(cfg, "maxOutputTokens", rq);
	rq->stream = colon && !strcmp(colon, ":streamGenerateContent");
	rq->stream_array = rq->stream && !(alt && !strcmp(alt, "sse"));
	tools(body, rq);
	return 0;
}

static const char *finish(const struct sim_answer *a)
{
	if (a->refused)
		return "SAFETY";
	return strcmp(a->finish_reason, "length") ? "STOP" : "MAX_TOKENS";
}

static json_t *ratings(int blocked)
{
	return json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s,s:b}]", "category",
			 "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability", "NEGLIGIBLE", "category",
			 "HARM_CATEGORY_HATE_SPEECH", "probability", "NEGLIGIBLE", "category",
			 "HARM_CATEGORY_HARASSMENT", "probability", "NEGLIGIBLE", "category",
			 "HARM_CATEGORY_DANGEROUS_CONTENT", "probability",
			 blocked ? "HIGH" : "NEGLIGIBLE", "blocked", blocked);
}

/* The functionCall parts {"functionCall": {name, args}} of a tool-calling answer. */
static json_t *call_parts(const struct sim_answer *a)
{
	return sim_calls_named(a, "functionCall", "args");
}

/* One GenerateContentResponse; text NULL = a candidate without content. */
static json_t *response(const struct sim_answer *a, const struct sim_meta *m, const char *text,
			size_t len, const char *finish_reason, long out_tokens)
{
	json_t *o = json_object(), *cand;
	char rid[40];

	snprintf(rid, sizeof(rid), "%.22s", m->request_id + 4);
	if (a->prompt_blocked) {
		json_object_set_new(o, "promptFeedback",
				    json_pack("{s:s,s:o}", "blockReason", "SAFETY", "safetyRatings",
					      ratings(1)));
	} else {
		cand = json_object();
		if (text && a->tool_calls)
			json_object_set_new(cand, "content",
					    json_pack("{s:o,s:s}", "parts", call_parts(a), "role",
						      "model"));
		else if (text)
			json_object_set_new(cand, "content",
					    json_pack("{s:[{s:s%}],s:s}", "parts", "text", text,
						      len, "role", "model"));
		if (finish_reason)
			json_object_set_new(cand, "finishReason", json_string(finish_reason));
		json_object_set_new(cand, "index", json_integer(0));
		if (a->refused)
			json_object_set_new(cand, "safetyRatings", ratings(1));
		json_object_set_new(o, "candidates", json_pack("[o]", cand));
	}
	json_object_set_new(o, "usageMetadata",
			    json_pack("{s:i,s:i,s:i}", "promptTokenCount",
				      (json_int_t)a->prompt_tokens, "candidatesTokenCount",
				      (json_int_t)out_tokens, "totalTokenCount",
				      (json_int_t)(a->prompt_tokens + out_tokens)));
	json_object_set_new(o, "modelVersion", json_string(a->model));
	json_object_set_new(o, "responseId", json_string(rid));
	return o;
}

struct streamer {
	struct sim_reply *r;
	const struct sim_answer *a;
	const struct sim_meta *m;
	json_t *arr; /* stream_array mode */
	long done_tokens;
	const char *pending; /* the previous piece: the last one carries finishReason */
	size_t pending_len;
};

static void emit(struct streamer *s, json_t *o)
{
	if (s->arr)
		json_array_append_new(s->arr, o);
	else
		sim_sse(&s->r->body, NULL, o);
}

static void flush(struct streamer *s, const char *finish_reason)
{
	if (!s->pending)
		return;
	s->done_tokens++;
	emit(s, response(s->a, s->m, s->pending, s->pending_len, finish_reason,
			 finish_reason ? s->a->completion_tokens : s->done_tokens));
	s->pending = NULL;
}

static void piece(void *arg, const char *p, size_t len)
{
	struct streamer *s = arg;

	flush(s, NULL);
	s->pending = p;
	s->pending_len = len;
}

static void ge_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	r->status = 200;
	if (!rq->stream) {
		const char *t = a->refused ? NULL : a->text;

		sim_reply_json(r, 200,
			       response(a, m, t, t ? strlen(t) : 0,
					a->prompt_blocked ? NULL : finish(a),
					a->refused ? 0 : a->completion_tokens));
		r->content_type = "application/json; charset=UTF-8";
		return;
	}
	{
		struct streamer s = { r, a, m, rq->stream_array ? json_array() : NULL, 0, NULL, 0 };

		if (a->refused) {
			emit(&s, response(a, m, NULL, 0, a->prompt_blocked ? NULL : "SAFETY", 0));
		} else {
			sim_split_words(a->text, piece, &s);
			if (!s.pending) {
				s.pending = "";
				s.pending_len = 0;
			}
			flush(&s, finish(a));
		}
		if (s.arr) {
			sim_reply_json(r, 200, s.arr);
			r->content_type = "application/json; charset=UTF-8";
		} else {
			r->content_type = "text/event-stream";
		}
	}
}

static void ge_stream_error(struct sim_reply *r)
{
	json_t *e = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", 503, "message",
			      "The model is overloaded. Please try again later.", "status",
			      "UNAVAILABLE");

	if (r->body.len && r->body.buf[0] == '[') {
		/* the JSON-array stream: cut to half its elements, then the error element */
		json_t *arr = json_loadb(r->body.buf, r->body.len, 0, NULL);
		size_t n = json_array_size(arr);

		while (json_array_size(arr) > (n + 1) / 2)
			json_array_remove(arr, json_array_size(arr) - 1);
		json_array_append_new(arr, e);
		sim_reply_json(r, 200, arr);
		r->content_type = "application/json; charset=UTF-8";
		return;
	}
	sim_cut_half(&r->body, "\n\n");
	sim_sse(&r->body, NULL, e);
}

static int ge_embed_match(const char *method, const char *path)
{
	const char *start = NULL, *colon = model_end(path, &start);

	return !strcmp(method, "POST") && colon && colon > start &&
	       (!strcmp(colon, ":embedContent") || !strcmp(colon, ":batchEmbedContents"));
}

/* The text of a Content: its parts' texts, joined. NULL when it has none. */
static char *content_text(const json_t *content)
{
	const json_t *parts = json_object_get(content, "parts"), *p;
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb);
	json_array_foreach(parts, i, p)
	{
		if (json_is_string(json_object_get(p, "text")))
			sbuf_addstr(&sb, json_string_value(json_object_get(p, "text")));
	}
	if (!sb.len) {
		sbuf_release(&sb);
		return NULL;
	}
	return sbuf_detach(&sb, NULL);
}

/* embedContent: {"embedding": {"values"}}; batchEmbedContents: {"embeddings": [...]}. */
static void ge_embed(const struct sim_http *h, json_t *body, struct sim_reply *r)
{
	int batch = strstr(h->url, ":batchEmbedContents") != NULL;
	const json_t *reqs = json_object_get(body, "requests"), *q;
	json_t *out = json_array();
	char *text;
	size_t i;

	if (!batch) {
		text = content_text(json_object_get(body, "content"));
		if (!text)
			goto bad;
		sim_reply_json(r, 200,
			       json_pack("{s:{s:o}}", "embedding", "values",
					 sim_embed_vector(text)));
		free(text);
		json_decref(out);
		return;
	}
	if (!json_is_array(reqs) || !json_array_size(reqs) || json_array_size(reqs) > 100)
		goto bad;
	json_array_foreach(reqs, i, q)
	{
		text = content_text(json_object_get(q, "content"));
		if (!text)
			goto bad;
		json_array_append_new(out, json_pack("{s:o}", "values", sim_embed_vector(text)));
		free(text);
	}
	sim_reply_json(r, 200, json_pack("{s:o}", "embeddings", out));
	return;
bad:
	json_decref(out);
	ge_error(400, "bad_request", "* EmbedContentRequest.content: contents is not specified", r);
}

const struct sim_wire sim_wire_gemini = {
	.name = "gemini",
	.match = ge_match,
	.auth = ge_auth,
	.parse = ge_parse,
	.render = ge_render,
	.error = ge_error,
	.headers = NULL,
	.stream_error = ge_stream_error,
	.embed_match = ge_embed_match,
	.embed = ge_embed,
};
