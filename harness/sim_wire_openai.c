/* sim_wire_openai.c: the simulator's OpenAI Chat Completions format (POST /v1/chat/completions),
 * non-streamed JSON and SSE chunks, as in the real fixtures of openai-chat/. */
#include "sim_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oa_match(const char *method, const char *path)
{
	return !strcmp(method, "POST") &&
	       (!strcmp(path, "/v1/chat/completions") || !strcmp(path, "/chat/completions"));
}

int sim_openai_auth(const struct sim_http *h, const char *key, struct sim_reply *r)
{
	const char *v = h->header(h->conn, "Authorization");

	if (!v || strncmp(v, "Bearer ", 7) != 0 || !v[7]) {
		sim_openai_error(401, "auth",
				 "You didn't provide an API key. You need to provide your API key "
				 "in an "
				 "Authorization header using Bearer auth (i.e. Authorization: "
				 "Bearer "
				 "YOUR_KEY).",
				 r);
		return -1;
	}
	if (key && strcmp(v + 7, key) != 0) {
		sim_openai_error(401, "auth", "Incorrect API key provided.", r);
		return -1;
	}
	return 0;
}

void sim_openai_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r)
{
	const char *type = "server_error", *code = NULL;

	if (!strcmp(kind, "rate_limit")) {
		type = "requests";
		code = "rate_limit_exceeded";
	} else if (!strcmp(kind, "auth")) {
		type = "invalid_request_error";
		code = "invalid_api_key";
	} else if (!strcmp(kind, "bad_request") || !strcmp(kind, "too_large")) {
		type = "invalid_request_error";
	} else if (!strcmp(kind, "not_found")) {
		type = "invalid_request_error";
		code = "unknown_url";
	} else if (!strcmp(kind, "overloaded")) {
		type = "overloaded_error";
	}
	sim_reply_json(r, status,
		       json_pack("{s:{s:s,s:s,s:n,s:o}}", "error", "message", msg, "type", type,
				 "param", "code", code ? json_string(code) : json_null()));
}

static void add_duration(char *buf, size_t sz, long ms)
{
	if (ms < 1000)
		snprintf(buf, sz, "%ldms", ms);
	else if (ms < 60000)
		snprintf(buf, sz, "%.3gs", ms / 1000.0);
	else
		snprintf(buf, sz, "%ldm%lds", ms / 60000, (ms % 60000) / 1000);
}

void sim_openai_headers(const struct sim_meta *m, struct sim_reply *r)
{
	char d[32];

	sim_reply_header(r, "openai-version", "2020-10-01");
	sim_reply_header(r, "openai-processing-ms", "%d", m->latency_ms + 1);
	sim_reply_header(r, "openai-organization", "plumbline-sim");
	sim_reply_header(r, "x-request-id", "%s", m->request_id);
	sim_reply_header(r, "x-ratelimit-limit-requests", "%ld", m->limit_requests);
	sim_reply_header(r, "x-ratelimit-limit-tokens", "%ld", m->limit_tokens);
	sim_reply_header(r, "x-ratelimit-remaining-requests", "%ld", m->remaining_requests);
	sim_reply_header(r, "x-ratelimit-remaining-tokens", "%ld", m->remaining_tokens);
	add_duration(d, sizeof(d), m->reset_requests_ms);
	sim_reply_header(r, "x-ratelimit-reset-requests", "%s", d);
	add_duration(d, sizeof(d),
		     m->limit_tokens
			     ? 60000 * (m->limit_tokens - m->remaining_tokens) / m->limit_tokens
			     : 0);
	sim_reply_header(r, "x-ratelimit-reset-tokens", "%s", d);
}

int sim_openai_chat_body(json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	json_t *msgs = json_object_get(body, "messages"), *m, *opts;
	size_t i;

	json_array_foreach(msgs, i, m)
	{
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!role || sim_req_add_msg(rq, role, json_object_get(m, "content")) != 0) {
			sim_openai_error(400, "bad_request", "Invalid value for 'messages'.", r);
			return -1;
		}
	}
	sim_req_sampling(body, "max_completion_tokens", rq);
	if (!rq->max_tokens)
		sim_req_sampling(body, "max_tokens", rq);
	sim_req_openai_tools(body, 0, rq);
	opts = json_object_get(body, "stream_options");
	rq->include_usage = json_is_true(json_object_get(opts, "include_usage"));
	return 0;
}

static int oa_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	json_t *msgs = json_object_get(body, "messages");

	(void)h;
	if (!json_is_object(body)) {
		sim_openai_error(400, "bad_request",
				 "We could not parse the JSON body of your request.", r);
		return -1;
	}
	rq->model = json_string_value(json_object_get(body, "model"));
	if (!rq->model) {
		sim_openai_error(400, "bad_request", "you must provide a model parameter", r);
		return -1;
	}
	if (!json_is_array(msgs) || !json_array_size(msgs)) {
		sim_openai_error(400, "bad_request", "'messages' must be a non-empty array.", r);
		return -1;
	}
	return sim_openai_chat_body(body, rq, r);
}

/* chatcmpl-<29 chars> from the request id's hex digits */
static void completion_id(const struct sim_meta *m, char *out, size_t sz)
{
	snprintf(out, sz, "chatcmpl-%.29s", m->request_id + 4);
}

static json_t *usage_json(const struct sim_answer *a)
{
	return json_pack("{s:i,s:i,s:i,s:{s:i,s:i},s:{s:i,s:i,s:i,s:i}}", "prompt_tokens",
			 (json_int_t)a->prompt_tokens, "completion_tokens",
			 (json_int_t)a->completion_tokens, "total_tokens",
			 (json_int_t)(a->prompt_tokens + a->completion_tokens),
			 "prompt_tokens_details", "cached_tokens", 0, "audio_tokens", 0,
			 "completion_tokens_details", "reasoning_tokens", 0, "audio_tokens", 0,
			 "accepted_prediction_tokens", 0, "rejected_prediction_tokens", 0);
}

struct chunker {
	struct sbuf *sb;
	const char *id;
	const char *model;
	const char *fp;
	long created;
	const char *field; /* "content" or "refusal" */
};

static void add_chunk(struct chunker *c, json_t *delta, const char *finish, json_t *usage)
{
	json_t *o = json_pack("{s:s,s:s,s:i,s:s,s:s}", "id", c->id, "object",
			      "chat.completion.chunk", "created", (json_int_t)c->created, "model",
			      c->model, "system_fingerprint", c->fp);
	char *s;

	if (delta)
		json_object_set_new(o, "choices",
				    json_pack("[{s:i,s:o,s:n,s:o}]", "index", 0, "delta", delta,
					      "logprobs", "finish_reason",
					      finish ? json_string(finish) : json_null()));
	else
		json_object_set_new(o, "choices", json_array());
	if (usage)
		json_object_set_new(o, "usage", usage);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sbuf_addf(c->sb, "data: %s\n\n", s ? s : "{}");
	free(s);
	json_decref(o);
}

static void piece_chunk(void *arg, const char *piece, size_t len)
{
	struct chunker *c = arg;
	json_t *d = json_object();

	json_object_set_new(d, c->field, json_stringn(piece, len));
	add_chunk(c, d, NULL, NULL);
}

/* message.tool_calls[] with the arguments as JSON text, as the real API sends them. */
static json_t *tool_calls_json(const struct sim_meta *m, const struct sim_answer *a)
{
	json_t *arr = json_array();
	char id[48];
	size_t i;

	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		char *args = sim_call_args(a, i);

		snprintf(id, sizeof(id), "call_%.20s%u", m->request_id + 4, (unsigned)(i % 10));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:{s:s,s:s}}", "id", id, "type",
						     "function", "function", "name",
						     sim_call_name(a, i), "arguments", args));
		free(args);
	}
	return arr;
}

/* Streamed calls: the id and name first with empty arguments, then the arguments in pieces
 * of a few bytes (clients must join them per index). */
static void stream_calls(struct chunker *c, const struct sim_meta *m, const struct sim_answer *a)
{
	char id[48];
	size_t i, off, n;

	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		char *args = sim_call_args(a, i);
		size_t len = strlen(args);

		snprintf(id, sizeof(id), "call_%.20s%u", m->request_id + 4, (unsigned)(i % 10));
		add_chunk(c,
			  json_pack("{s:[{s:i,s:s,s:s,s:{s:s,s:s}}]}", "tool_calls", "index",
				    (json_int_t)i, "id", id, "type", "function", "function", "name",
				    sim_call_name(a, i), "arguments", ""),
			  NULL, NULL);
		for (off = 0; off < len; off += n) {
			n = len - off < 7 ? len - off : 7;
			/* never cut inside a UTF-8 sequence */
			while (off + n < len && ((unsigned char)args[off + n] & 0xc0) == 0x80)
				n++;
			add_chunk(c,
				  json_pack("{s:[{s:i,s:{s:s%}}]}", "tool_calls", "index",
					    (json_int_t)i, "function", "arguments", args + off, n),
				  NULL, NULL);
		}
		free(args);
	}
}

static void oa_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	char id[48];

	completion_id(m, id, sizeof(id));
	r->status = 200;
	if (a->tool_calls && rq->stream) {
		struct chunker c = { &r->body, id, a->model, a->fingerprint, m->created, "content" };

		r->content_type = "text/event-stream; charset=utf-8";
		add_chunk(&c, json_pack("{s:s,s:n,s:n}", "role", "assistant", "content", "refusal"),
			  NULL, NULL);
		stream_calls(&c, m, a);
		add_chunk(&c, json_object(), "tool_calls", NULL);
		if (rq->include_usage)
			add_chunk(&c, NULL, NULL, usage_json(a));
		sbuf_addstr(&r->body, "data: [DONE]\n\n");
		return;
	}
	if (a->tool_calls) {
		sim_reply_json(
			r, 200,
			json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:{s:s,s:n,s:n,s:o,s:[]},s:n,s:s}],s:o,"
				  "s:s,s:s}",
				  "id", id, "object", "chat.completion", "created",
				  (json_int_t)m->created, "model", a->model, "choices", "index", 0,
				  "message", "role", "assistant", "content", "refusal",
				  "tool_calls", tool_calls_json(m, a), "annotations", "logprobs",
				  "finish_reason", "tool_calls", "usage", usage_json(a),
				  "service_tier", "default", "system_fingerprint", a->fingerprint));
		return;
	}
	if (rq->stream) {
		struct chunker c = {
			&r->body,	id,	    a->model,
			a->fingerprint, m->created, a->refused ? "refusal" : "content"
		};

		r->content_type = "text/event-stream; charset=utf-8";
		if (a->refused)
			add_chunk(&c,
				  json_pack("{s:s,s:n,s:s}", "role", "assistant", "content",
					    "refusal", ""),
				  NULL, NULL);
		else
			add_chunk(&c,
				  json_pack("{s:s,s:s,s:n}", "role", "assistant", "content", "",
					    "refusal"),
				  NULL, NULL);
		sim_split_words(a->text, piece_chunk, &c);
		add_chunk(&c, json_object(), a->finish_reason, NULL);
		if (rq->include_usage)
			add_chunk(&c, NULL, NULL, usage_json(a));
		sbuf_addstr(&r->body, "data: [DONE]\n\n");
		return;
	}
	sim_reply_json(
		r, 200,
		json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:{s:s,s:o,s:o,s:[]},s:n,s:s}],s:o,s:s,s:s}",
			  "id", id, "object", "chat.completion", "created", (json_int_t)m->created,
			  "model", a->model, "choices", "index", 0, "message", "role", "assistant",
			  "content", a->refused ? json_null() : json_string(a->text), "refusal",
			  a->refused ? json_string(a->text) : json_null(), "annotations",
			  "logprobs", "finish_reason", a->finish_reason, "usage", usage_json(a),
			  "service_tier", "default", "system_fingerprint", a->fingerprint));
}

void sim_openai_stream_error(struct sim_reply *r)
{
	sim_cut_half(&r->body, "\n\n");
	sim_sse(&r->body, NULL,
		json_pack("{s:{s:s,s:s,s:n,s:n}}", "error", "message",
			  "The server had an error while processing your request. Sorry about "
			  "that!",
			  "type", "server_error", "param", "code"));
}

static int oa_embed_match(const char *method, const char *path)
{
	return !strcmp(method, "POST") &&
	       (!strcmp(path, "/v1/embeddings") || !strcmp(path, "/embeddings"));
}

static void oa_embed(const struct sim_http *h, json_t *body, struct sim_reply *r)
{
	(void)h;
	sim_openai_embed_reply(json_object_get(body, "input"),
			       json_string_value(json_object_get(body, "model")), r);
}

const struct sim_wire sim_wire_openai = {
	.name = "openai",
	.match = oa_match,
	.auth = sim_openai_auth,
	.parse = oa_parse,
	.render = oa_render,
	.error = sim_openai_error,
	.headers = sim_openai_headers,
	.stream_error = sim_openai_stream_error,
	.embed_match = oa_embed_match,
	.embed = oa_embed,
};
