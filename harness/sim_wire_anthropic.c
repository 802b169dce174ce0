/* sim_wire_anthropic.c: the simulator's Anthropic Messages format (POST /v1/messages): x-api-key
 * and anthropic-version, named SSE events, stop_reason "refusal", anthropic-ratelimit-* headers. */
#include "sim_wire.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int an_match(const char *method, const char *path)
{
	return !strcmp(method, "POST") && !strcmp(path, "/v1/messages");
}

static void an_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r)
{
	const char *type = "api_error";

	if (!strcmp(kind, "rate_limit"))
		type = "rate_limit_error";
	else if (!strcmp(kind, "auth"))
		type = "authentication_error";
	else if (!strcmp(kind, "bad_request"))
		type = "invalid_request_error";
	else if (!strcmp(kind, "not_found"))
		type = "not_found_error";
	else if (!strcmp(kind, "overloaded") || !strcmp(kind, "unavailable"))
		type = "overloaded_error";
	else if (!strcmp(kind, "too_large"))
		type = "request_too_large";
	sim_reply_json(r, status,
		       json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type", type,
				 "message", msg));
}

static int an_auth(const struct sim_http *h, const char *key, struct sim_reply *r)
{
	switch (sim_key_check(h->header(h->conn, "x-api-key"), key)) {
	case 1:
		an_error(401, "auth", "x-api-key header is required", r);
		return -1;
	case 2:
		an_error(401, "auth", "invalid x-api-key", r);
		return -1;
	}
	if (!h->header(h->conn, "anthropic-version")) {
		an_error(400, "bad_request", "anthropic-version: header is required", r);
		return -1;
	}
	return 0;
}

/* tools[{name, input_schema}]; tool_choice {"type": auto|any|tool|none, "name"}. */
static void tools(json_t *body, struct sim_req *rq)
{
	json_t *t, *c = json_object_get(body, "tool_choice");
	const char *type = json_string_value(json_object_get(c, "type"));
	size_t i;

	json_array_foreach(json_object_get(body, "tools"), i, t) sim_req_add_tool(
		rq, json_object_get(t, "name"), json_object_get(t, "input_schema"));
	if (type && !strcmp(type, "any"))
		sim_req_tool_choice(rq, "required", NULL);
	else if (type && !strcmp(type, "none"))
		sim_req_tool_choice(rq, "none", NULL);
	else if (type && !strcmp(type, "tool"))
		sim_req_tool_choice(rq, "tool", json_string_value(json_object_get(c, "name")));
	else
		sim_req_tool_choice(rq, "auto", NULL);
}

static int an_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	json_t *msgs = json_object_get(body, "messages"), *m, *sys;
	size_t i;

	(void)h;
	if (!json_is_object(body)) {
		an_error(400, "bad_request", "invalid JSON body", r);
		return -1;
	}
	rq->model = json_string_value(json_object_get(body, "model"));
	if (!rq->model) {
		an_error(400, "bad_request", "model: Field required", r);
		return -1;
	}
	if (!json_is_integer(json_object_get(body, "max_tokens"))) {
		an_error(400, "bad_request", "max_tokens: Field required", r);
		return -1;
	}
	if (!json_is_array(msgs) || !json_array_size(msgs)) {
		an_error(400, "bad_request", "messages: Field required", r);
		return -1;
	}
	sys = json_object_get(body, "system");
	if (sys && sim_req_add_msg(rq, "system", sys) != 0) {
		an_error(400, "bad_request", "system: Input should be a valid string", r);
		return -1;
	}
	json_array_foreach(msgs, i, m)
	{
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!role || sim_req_add_msg(rq, role, json_object_get(m, "content")) != 0) {
			an_error(400, "bad_request", "messages: invalid message", r);
			return -1;
		}
	}
	sim_req_sampling(body, "max_tokens", rq);
	tools(body, rq);
	return 0;
}

static const char *stop_reason(const struct sim_answer *a)
{
	if (a->refused)
		return "refusal";
	if (a->tool_calls)
		return "tool_use";
	return strcmp(a->finish_reason, "length") ? "end_turn" : "max_tokens";
}

static json_t *usage_json(const struct sim_answer *a, long out_tokens)
{
	return json_pack("{s:i,s:i,s:i,s:{s:i,s:i},s:i,s:s}", "input_tokens",
			 (json_int_t)a->prompt_tokens, "cache_creation_input_tokens", 0,
			 "cache_read_input_tokens", 0, "cache_creation",
			 "ephemeral_5m_input_tokens", 0, "ephemeral_1h_input_tokens", 0,
			 "output_tokens", (json_int_t)out_tokens, "service_tier", "standard");
}

static void piece(void *arg, const char *p, size_t len)
{
	sim_sse(arg, "content_block_delta",
		json_pack("{s:s,s:i,s:{s:s,s:s%}}", "type", "content_block_delta", "index", 0,
			  "delta", "type", "text_delta", "text", p, len));
}

/* The tool_use blocks: {"type":"tool_use", id, name, input}. */
static void add_tool_blocks(json_t *content, const struct sim_meta *m, const struct sim_answer *a)
{
	char id[48];
	size_t i;

	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		const json_t *c = json_array_get(a->tool_calls, i);

		snprintf(id, sizeof(id), "toolu_01%.22s%u", m->request_id + 4, (unsigned)(i % 10));
		json_array_append_new(content, json_pack("{s:s,s:s,s:s,s:O}", "type", "tool_use",
							 "id", id, "name", sim_call_name(a, i),
							 "input", json_object_get(c, "arguments")));
	}
}

/* Streamed tool_use blocks from index first: content_block_start with an empty input, the
 * input JSON in input_json_delta pieces, content_block_stop. */
static void stream_tool_blocks(struct sbuf *sb, const struct sim_meta *m,
			       const struct sim_answer *a, int first)
{
	char id[48];
	size_t i, off, n;

	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		char *args = sim_call_args(a, i);
		size_t len = strlen(args);
		json_int_t idx = (json_int_t)i + first;

		snprintf(id, sizeof(id), "toolu_01%.22s%u", m->request_id + 4, (unsigned)(i % 10));
		sim_sse(sb, "content_block_start",
			json_pack("{s:s,s:I,s:{s:s,s:s,s:s,s:{}}}", "type", "content_block_start",
				  "index", idx, "content_block", "type", "tool_use", "id", id,
				  "name", sim_call_name(a, i), "input"));
		for (off = 0; off < len; off += n) {
			n = len - off < 9 ? len - off : 9;
			while (off + n < len && ((unsigned char)args[off + n] & 0xc0) == 0x80)
				n++;
			sim_sse(sb, "content_block_delta",
				json_pack("{s:s,s:I,s:{s:s,s:s%}}", "type", "content_block_delta",
					  "index", idx, "delta", "type", "input_json_delta",
					  "partial_json", args + off, n));
		}
		sim_sse(sb, "content_block_stop",
			json_pack("{s:s,s:I}", "type", "content_block_stop", "index", idx));
		free(args);
	}
}

static void an_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	char id[48];
	const char *text = a->refused ? "" : a->text;

	snprintf(id, sizeof(id), "msg_01%.24s", m->request_id + 4);
	r->status = 200;
	if (!rq->stream) {
		json_t *content = json_array();

		if (!a->refused && !a->tool_calls)
			json_array_append_new(content,
					      json_pack("{s:s,s:s}", "type", "text", "text", text));
		add_tool_blocks(content, m, a);
		sim_reply_json(r, 200,
			       json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:n,s:o}", "id", id, "type",
					 "message", "role", "assistant", "model", a->model,
					 "content", content, "stop_reason", stop_reason(a),
					 "stop_sequence", "usage",
					 usage_json(a, a->completion_tokens)));
		return;
	}
	r->content_type = "text/event-stream; charset=utf-8";
	sim_sse(&r->body, "message_start",
		json_pack("{s:s,s:{s:s,s:s,s:s,s:[],s:s,s:n,s:n,s:o}}", "type", "message_start",
			  "message", "id", id, "type", "message", "role", "assistant", "content",
			  "model", a->model, "stop_reason", "stop_sequence", "usage",
			  usage_json(a, 1)));
	sim_sse(&r->body, "content_block_start",
		json_pack("{s:s,s:i,s:{s:s,s:s}}", "type", "content_block_start", "index", 0,
			  "content_block", "type", "text", "text", ""));
	sim_sse(&r->body, "ping", json_pack("{s:s}", "type", "ping"));
	sim_split_words(text, piece, &r->body);
	sim_sse(&r->body, "content_block_stop",
		json_pack("{s:s,s:i}", "type", "content_block_stop", "index", 0));
	stream_tool_blocks(&r->body, m, a, 1);
	if (a->refused)
		sim_sse(&r->body, "message_delta",
			json_pack("{s:s,s:{s:s,s:n,s:{s:s,s:s,s:s}},s:{s:i}}", "type",
				  "message_delta", "delta", "stop_reason", "refusal",
				  "stop_sequence", "stop_details", "type", "refusal", "category",
				  "policy", "explanation",
				  "This request was refused due to policy.", "usage",
				  "output_tokens", 0));
	else
		sim_sse(&r->body, "message_delta",
			json_pack("{s:s,s:{s:s,s:n},s:{s:i}}", "type", "message_delta", "delta",
				  "stop_reason", stop_reason(a), "stop_sequence", "usage",
				  "output_tokens", (json_int_t)a->completion_tokens));
	sim_sse(&r->body, "message_stop", json_pack("{s:s}", "type", "message_stop"));
}

static void an_headers(const struct sim_meta *m, struct sim_reply *r)
{
	char reset[40];
	time_t now = time(NULL);

	sim_iso_time((long)now + (m->reset_requests_ms + 999) / 1000, 0, reset, sizeof(reset));
	sim_reply_header(r, "request-id", "req_011%.21s", m->request_id + 4);
	sim_reply_header(r, "anthropic-organization-id", "00000000-0000-4000-8000-plumblinesim");
	sim_reply_header(r, "anthropic-ratelimit-requests-limit", "%ld", m->limit_requests);
	sim_reply_header(r, "anthropic-ratelimit-requests-remaining", "%ld", m->remaining_requests);
	sim_reply_header(r, "anthropic-ratelimit-requests-reset", "%s", reset);
	sim_reply_header(r, "anthropic-ratelimit-tokens-limit", "%ld", m->limit_tokens);
	sim_reply_header(r, "anthropic-ratelimit-tokens-remaining", "%ld", m->remaining_tokens);
	sim_reply_header(r, "anthropic-ratelimit-tokens-reset", "%s", reset);
	sim_reply_header(r, "anthropic-ratelimit-input-tokens-limit", "%ld", m->limit_tokens);
	sim_reply_header(r, "anthropic-ratelimit-input-tokens-remaining", "%ld",
			 m->remaining_tokens);
	sim_reply_header(r, "anthropic-ratelimit-input-tokens-reset", "%s", reset);
}

static void an_stream_error(struct sim_reply *r)
{
	sim_cut_half(&r->body, "\n\n");
	sim_sse(&r->body, "error",
		json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type", "overloaded_error",
			  "message", "Overloaded"));
}

const struct sim_wire sim_wire_anthropic = {
	.name = "anthropic",
	.match = an_match,
	.auth = an_auth,
	.parse = an_parse,
	.render = an_render,
	.error = an_error,
	.headers = an_headers,
	.stream_error = an_stream_error,
};
