/* sim_wire_bedrock.c: the simulator's AWS Bedrock Converse format (POST /model/{id}/converse and
 * /converse-stream): SigV4 or bearer auth (the signature is not verified), rest-json errors named
 * by x-amzn-ErrorType, and binary AWS event-stream frames with CRC32s for streams. */
#include "sim_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BR_PREFIX "/model/"

static const char *op_of(const char *path)
{
	const char *slash;

	if (strncmp(path, BR_PREFIX, strlen(BR_PREFIX)) != 0)
		return NULL;
	slash = strrchr(path, '/');
	if (slash <= path + strlen(BR_PREFIX))
		return NULL;
	return slash;
}

static int br_match(const char *method, const char *path)
{
	const char *op = op_of(path);

	return !strcmp(method, "POST") && op &&
	       (!strcmp(op, "/converse") || !strcmp(op, "/converse-stream"));
}

static void br_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r)
{
	const char *type = "InternalServerException";

	if (!strcmp(kind, "rate_limit"))
		type = "ThrottlingException";
	else if (!strcmp(kind, "auth"))
		type = "UnrecognizedClientException";
	else if (!strcmp(kind, "missing_auth"))
		type = "MissingAuthenticationTokenException";
	else if (!strcmp(kind, "bad_request") || !strcmp(kind, "too_large"))
		type = "ValidationException";
	else if (!strcmp(kind, "not_found"))
		type = "ResourceNotFoundException";
	else if (!strcmp(kind, "unavailable") || !strcmp(kind, "overloaded"))
		type = "ServiceUnavailableException";
	sim_reply_json(r, status, json_pack("{s:s}", "message", msg));
	sim_reply_header(r, "x-amzn-ErrorType",
			 "%s:http://internal.amazon.com/coral/com.amazon.bedrock/", type);
}

/* SigV4 ("AWS4-HMAC-SHA256 Credential=AKID/...") or a Bedrock API key ("Bearer KEY"). The
 * simulator checks the access key id or the bearer key, not the signature. */
static int br_auth(const struct sim_http *h, const char *key, struct sim_reply *r)
{
	const char *v = h->header(h->conn, "Authorization"), *cred;
	char id[128] = "";

	if (v && !strncmp(v, "Bearer ", 7)) {
		snprintf(id, sizeof(id), "%s", v + 7);
	} else if (v && !strncmp(v, "AWS4-HMAC-SHA256 ", 17)) {
		cred = strstr(v, "Credential=");
		if (cred) {
			size_t n = strcspn(cred + 11, "/");

			snprintf(id, sizeof(id), "%.*s", (int)(n < sizeof(id) ? n : sizeof(id) - 1),
				 cred + 11);
		}
		if (!strstr(v, "Signature="))
			id[0] = '\0';
	}
	switch (sim_key_check(id, key)) {
	case 1:
		br_error(403, "missing_auth", "Missing Authentication Token", r);
		return -1;
	case 2:
		br_error(403, "auth", "The security token included in the request is invalid.", r);
		return -1;
	}
	return 0;
}

/* toolConfig {tools[{toolSpec{name, inputSchema{json}}}], toolChoice {auto|any|tool{name}}}. */
static void tools(json_t *body, struct sim_req *rq)
{
	json_t *cfg = json_object_get(body, "toolConfig"), *t, *spec;
	json_t *choice = json_object_get(cfg, "toolChoice");
	size_t i;

	json_array_foreach(json_object_get(cfg, "tools"), i, t)
	{
		spec = json_object_get(t, "toolSpec");
		sim_req_add_tool(rq, json_object_get(spec, "name"),
				 json_object_get(json_object_get(spec, "inputSchema"), "json"));
	}
	if (json_object_get(choice, "any"))
		sim_req_tool_choice(rq, "required", NULL);
	else if (json_object_get(choice, "tool"))
		sim_req_tool_choice(rq, "tool",
				    json_string_value(json_object_get(
					    json_object_get(choice, "tool"), "name")));
	else
		sim_req_tool_choice(rq, "auto", NULL);
}

static int br_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	const char *op = op_of(h->url);
	size_t n = (size_t)(op - h->url) - strlen(BR_PREFIX), i;
	json_t *msgs = json_object_get(body, "messages"), *m, *sys;

	if (n >= sizeof(rq->path_model))
		n = sizeof(rq->path_model) - 1;
	memcpy(rq->path_model, h->url + strlen(BR_PREFIX), n);
	rq->path_model[n] = '\0';
	if (!json_is_object(body) || !json_is_array(msgs) || !json_array_size(msgs)) {
		br_error(400, "bad_request",
			 "1 validation error detected: Value null at 'messages' failed to satisfy "
			 "constraint: Member must not be null",
			 r);
		return -1;
	}
	sys = json_object_get(body, "system");
	if (json_is_array(sys) && json_array_size(sys) && sim_req_add_msg(rq, "system", sys) != 0) {
		br_error(400, "bad_request", "invalid system content", r);
		return -1;
	}
	json_array_foreach(msgs, i, m)
	{
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!role || sim_req_add_msg(rq, role, json_object_get(m, "content")) != 0) {
			br_error(400, "bad_request", "invalid message content", r);
			return -1;
		}
	}
	sim_req_sampling(json_object_get(body, "inferenceConfig"), "maxTokens", rq);
	rq->stream = !strcmp(op, "/converse-stream");
	tools(body, rq);
	return 0;
}

static const char *stop_reason(const struct sim_answer *a)
{
	if (a->refused)
		return "content_filtered";
	if (a->tool_calls)
		return "tool_use";
	return strcmp(a->finish_reason, "length") ? "end_turn" : "max_tokens";
}

static json_t *usage(const struct sim_answer *a)
{
	return json_pack("{s:i,s:i,s:i}", "inputTokens", (json_int_t)a->prompt_tokens,
			 "outputTokens", (json_int_t)a->completion_tokens, "totalTokens",
			 (json_int_t)(a->prompt_tokens + a->completion_tokens));
}

static void put32(struct sbuf *sb, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	sbuf_add(sb, b, 4);
}

static void header7(struct sbuf *sb, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	sbuf_addch(sb, (char)nl);
	sbuf_add(sb, name, nl);
	sbuf_addch(sb, 7); /* string */
	sbuf_addch(sb, (char)(vl >> 8));
	sbuf_addch(sb, (char)(vl & 0xff));
	sbuf_add(sb, value, vl);
}

/* One AWS event-stream message: prelude (total length, headers length, CRC32), headers,
 * payload, CRC32 of everything before it. Steals payload; adds the "p" padding real Bedrock
 * sends. */
static void frame_typed(struct sbuf *out, const char *event, json_t *payload, unsigned pad,
			int exception);

static void frame(struct sbuf *out, const char *event, json_t *payload, unsigned pad)
{
	frame_typed(out, event, payload, pad, 0);
}

/* exception: an in-stream error (":exception-type", ":message-type: exception", no padding). */
static void frame_typed(struct sbuf *out, const char *event, json_t *payload, unsigned pad,
			int exception)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"
				       "789";
	struct sbuf hdr, msg;
	char p[64];
	char *js;
	size_t plen;
	uint32_t crc;

	pad = pad % (sizeof(p) - 2) + 1;
	memcpy(p, alphabet, pad);
	p[pad] = '\0';
	if (!exception)
		json_object_set_new(payload, "p", json_string(p));
	js = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	plen = js ? strlen(js) : 0;
	sbuf_init(&hdr);
	header7(&hdr, exception ? ":exception-type" : ":event-type", event);
	header7(&hdr, ":content-type", "application/json");
	header7(&hdr, ":message-type", exception ? "exception" : "event");
	sbuf_init(&msg);
	put32(&msg, (uint32_t)(12 + hdr.len + plen + 4));
	put32(&msg, (uint32_t)hdr.len);
	put32(&msg, (uint32_t)crc32(0L, (const Bytef *)msg.buf, 8));
	sbuf_add(&msg, hdr.buf, hdr.len);
	if (js)
		sbuf_add(&msg, js, plen);
	crc = (uint32_t)crc32(0L, (const Bytef *)msg.buf, (uInt)msg.len);
	put32(&msg, crc);
	sbuf_add(out, msg.buf, msg.len);
	free(js);
	sbuf_release(&hdr);
	sbuf_release(&msg);
}

struct streamer {
	struct sbuf *sb;
	unsigned n;
};

static void piece(void *arg, const char *p, size_t len)
{
	struct streamer *s = arg;

	frame(s->sb, "contentBlockDelta",
	      json_pack("{s:i,s:{s:s%}}", "contentBlockIndex", 0, "delta", "text", p, len),
	      s->n++ * 7);
}

/* The toolUse blocks {"toolUse": {toolUseId, name, input}}. */
static json_t *tool_blocks(const struct sim_meta *m, const struct sim_answer *a)
{
	json_t *arr = json_array();
	char id[48];
	size_t i;

	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		snprintf(id, sizeof(id), "tooluse_%.22s%u", m->request_id + 4, (unsigned)(i % 10));
		json_array_append_new(
			arr,
			json_pack("{s:{s:s,s:s,s:O}}", "toolUse", "toolUseId", id, "name",
				  sim_call_name(a, i), "input",
				  json_object_get(json_array_get(a->tool_calls, i), "arguments")));
	}
	return arr;
}

/* Streamed toolUse blocks from index 1: contentBlockStart names the tool, contentBlockDelta
 * carries the input JSON text in two pieces, contentBlockStop. */
static void stream_tools(struct sbuf *sb, const struct sim_meta *m, const struct sim_answer *a)
{
	char id[48];
	size_t i;

	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		char *args = sim_call_args(a, i);
		size_t len = strlen(args), half = len / 2;
		json_int_t idx = (json_int_t)i + 1;

		while (half < len && ((unsigned char)args[half] & 0xc0) == 0x80)
			half++;
		snprintf(id, sizeof(id), "tooluse_%.22s%u", m->request_id + 4, (unsigned)(i % 10));
		frame(sb, "contentBlockStart",
		      json_pack("{s:I,s:{s:{s:s,s:s}}}", "contentBlockIndex", idx, "start",
				"toolUse", "toolUseId", id, "name", sim_call_name(a, i)),
		      23);
		frame(sb, "contentBlockDelta",
		      json_pack("{s:I,s:{s:{s:s%}}}", "contentBlockIndex", idx, "delta", "toolUse",
				"input", args, half),
		      5);
		frame(sb, "contentBlockDelta",
		      json_pack("{s:I,s:{s:{s:s}}}", "contentBlockIndex", idx, "delta", "toolUse",
				"input", args + half),
		      11);
		frame(sb, "contentBlockStop", json_pack("{s:I}", "contentBlockIndex", idx), 29);
		free(args);
	}
}

static void br_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	struct streamer s = { &r->body, 3 };

	r->status = 200;
	if (!rq->stream && a->tool_calls) {
		sim_reply_json(r, 200,
			       json_pack("{s:{s:i},s:{s:{s:o,s:s}},s:s,s:o}", "metrics",
					 "latencyMs", (json_int_t)m->latency_ms + 1, "output",
					 "message", "content", tool_blocks(m, a), "role",
					 "assistant", "stopReason", stop_reason(a), "usage",
					 usage(a)));
		return;
	}
	if (!rq->stream) {
		sim_reply_json(r, 200,
			       json_pack("{s:{s:i},s:{s:{s:[{s:s}],s:s}},s:s,s:o}", "metrics",
					 "latencyMs", (json_int_t)m->latency_ms + 1, "output",
					 "message", "content", "text", a->text, "role", "assistant",
					 "stopReason", stop_reason(a), "usage", usage(a)));
		return;
	}
	r->content_type = "application/vnd.amazon.eventstream";
	frame(&r->body, "messageStart", json_pack("{s:s}", "role", "assistant"), 17);
	sim_split_words(a->text, piece, &s);
	frame(&r->body, "contentBlockStop", json_pack("{s:i}", "contentBlockIndex", 0), 41);
	stream_tools(&r->body, m, a);
	frame(&r->body, "messageStop", json_pack("{s:s}", "stopReason", stop_reason(a)), 14);
	frame(&r->body, "metadata",
	      json_pack("{s:{s:i},s:o}", "metrics", "latencyMs", (json_int_t)m->latency_ms + 1,
			"usage", usage(a)),
	      48);
}

static void br_headers(const struct sim_meta *m, struct sim_reply *r)
{
	sim_reply_header(r, "x-amzn-RequestId", "%.8s-%.4s-%.4s-%.4s-%.12s", m->request_id + 4,
			 m->request_id + 12, m->request_id + 16, m->request_id + 20,
			 m->request_id + 24);
}

/* Keeps the first half of the frames, then a modelStreamErrorException frame. */
static void br_stream_error(struct sim_reply *r)
{
	const unsigned char *p = (const unsigned char *)r->body.buf;
	size_t off = 0, frames = 0, keep = 0, i;

	while (off + 12 <= r->body.len) {
		off += (size_t)p[off] << 24 | (size_t)p[off + 1] << 16 | (size_t)p[off + 2] << 8 |
		       p[off + 3];
		frames++;
	}
	for (off = 0, i = 0; i < (frames + 1) / 2; i++)
		off += (size_t)p[off] << 24 | (size_t)p[off + 1] << 16 | (size_t)p[off + 2] << 8 |
		       p[off + 3];
	keep = off;
	r->body.len = keep;
	r->body.buf[keep] = '\0';
	frame_typed(&r->body, "modelStreamErrorException",
		    json_pack("{s:s,s:i}", "message", "The model stream was interrupted.",
			      "originalStatusCode", 500),
		    0, 1);
}

static int br_embed_match(const char *method, const char *path)
{
	const char *op = op_of(path);

	return !strcmp(method, "POST") && op && !strcmp(op, "/invoke");
}

/* InvokeModel with a Titan ({"inputText"}) or Cohere ({"texts": [...]}) embeddings body. */
static void br_embed(const struct sim_http *h, json_t *body, struct sim_reply *r)
{
	const char *one = json_string_value(json_object_get(body, "inputText"));
	json_t *texts = json_object_get(body, "texts"), *out, *x;
	size_t i;

	(void)h;
	if (one) {
		sim_reply_json(r, 200,
			       json_pack("{s:o, s:i, s:{s:o}}", "embedding", sim_embed_vector(one),
					 "inputTextTokenCount", (json_int_t)sim_embed_tokens(one),
					 "embeddingsByType", "float", sim_embed_vector(one)));
		return;
	}
	if (!json_is_array(texts) || !json_array_size(texts) || json_array_size(texts) > 96) {
		br_error(400, "bad_request",
			 "Malformed input request, please reformat your input and try again.", r);
		return;
	}
	out = json_array();
	json_array_foreach(texts, i, x)
	{
		if (!json_is_string(x)) {
			json_decref(out);
			br_error(
				400, "bad_request",
				"Malformed input request, please reformat your input and try again.",
				r);
			return;
		}
		json_array_append_new(out, sim_embed_vector(json_string_value(x)));
	}
	sim_reply_json(r, 200,
		       json_pack("{s:s, s:O, s:o, s:s}", "id", "emb-sim", "texts", texts,
				 "embeddings", out, "response_type", "embeddings_floats"));
}

const struct sim_wire sim_wire_bedrock = {
	.name = "bedrock",
	.match = br_match,
	.auth = br_auth,
	.parse = br_parse,
	.render = br_render,
	.error = br_error,
	.headers = br_headers,
	.stream_error = br_stream_error,
	.embed_match = br_embed_match,
	.embed = br_embed,
};
