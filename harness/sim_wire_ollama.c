/* sim_wire_ollama.c: the simulator's Ollama native chat format (POST /api/chat): streamed NDJSON
 * by default, durations in nanoseconds, {"error": "..."} errors. */
#include "sim_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ol_match(const char *method, const char *path)
{
	return !strcmp(method, "POST") && !strcmp(path, "/api/chat");
}

static void ol_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r)
{
	(void)kind;
	sim_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

/* Local Ollama has no auth; with --require-key it wants "Authorization: Bearer KEY" (cloud). */
static int ol_auth(const struct sim_http *h, const char *key, struct sim_reply *r)
{
	const char *v;

	if (!key)
		return 0;
	v = h->header(h->conn, "Authorization");
	if (!v || strncmp(v, "Bearer ", 7) != 0 || strcmp(v + 7, key) != 0) {
		ol_error(401, "auth", "unauthorized", r);
		return -1;
	}
	return 0;
}

static int ol_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	json_t *msgs = json_object_get(body, "messages"), *m, *opts, *st;
	size_t i;

	(void)h;
	if (!json_is_object(body)) {
		ol_error(400, "bad_request", "invalid character in JSON body", r);
		return -1;
	}
	rq->model = json_string_value(json_object_get(body, "model"));
	if (!rq->model || !*rq->model) {
		ol_error(400, "bad_request", "model is required", r);
		return -1;
	}
	if (!json_is_array(msgs)) {
		ol_error(400, "bad_request", "messages is required", r);
		return -1;
	}
	json_array_foreach(msgs, i, m)
	{
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!role || sim_req_add_msg(rq, role, json_object_get(m, "content")) != 0) {
			ol_error(400, "bad_request", "invalid message format", r);
			return -1;
		}
	}
	opts = json_object_get(body, "options");
	sim_req_sampling(opts, "num_predict", rq);
	if (!json_object_get(opts, "temperature"))
		rq->temperature = 0.8; /* Ollama's default */
	st = json_object_get(body, "stream");
	rq->stream = !st || json_is_true(st); /* streaming is the default */
	sim_req_openai_tools(body, 0, rq);    /* /api/chat has no tool_choice: auto */
	return 0;
}

static json_t *line(const struct sim_answer *a, const struct sim_meta *m, const char *text,
		    size_t len, int done)
{
	char when[48];

	sim_iso_time(m->created, 1, when, sizeof(when));
	return json_pack("{s:s,s:s,s:{s:s,s:s%},s:b}", "model", a->model, "created_at", when,
			 "message", "role", "assistant", "content", text, len, "done", done);
}

static void add_final(json_t *o, const struct sim_answer *a, const struct sim_meta *m)
{
	json_int_t eval_ns = (json_int_t)a->completion_tokens * 20000000;
	json_int_t prompt_ns = (json_int_t)a->prompt_tokens * 1000000;

	json_object_set_new(o, "done_reason", json_string(a->finish_reason));
	json_object_set_new(
		o, "total_duration",
		json_integer(eval_ns + prompt_ns + (json_int_t)m->latency_ms * 1000000 + 1500000));
	json_object_set_new(o, "load_duration", json_integer(1500000));
	json_object_set_new(o, "prompt_eval_count", json_integer(a->prompt_tokens));
	json_object_set_new(o, "prompt_eval_duration", json_integer(prompt_ns));
	json_object_set_new(o, "eval_count", json_integer(a->completion_tokens));
	json_object_set_new(o, "eval_duration", json_integer(eval_ns));
}

struct nd {
	struct sbuf *sb;
	const struct sim_answer *a;
	const struct sim_meta *m;
};

static void add_line(struct sbuf *sb, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	sbuf_addf(sb, "%s\n", s ? s : "{}");
	free(s);
	json_decref(o);
}

static void piece(void *arg, const char *p, size_t len)
{
	struct nd *n = arg;

	add_line(n->sb, line(n->a, n->m, p, len, 0));
}

/* message.tool_calls[{"function": {name, arguments (an object)}}]; in a stream, whole in
 * one line before the final one. */
static void add_calls(json_t *o, const struct sim_answer *a)
{
	json_object_set_new(json_object_get(o, "message"), "tool_calls",
			    sim_calls_named(a, "function", "arguments"));
}

static void ol_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	json_t *fin;

	r->status = 200;
	if (!rq->stream) {
		fin = line(a, m, a->text, strlen(a->text), 1);
		if (a->tool_calls)
			add_calls(fin, a);
		add_final(fin, a, m);
		sim_reply_json(r, 200, fin);
		r->content_type = "application/json; charset=utf-8";
		return;
	}
	{
		struct nd n = { &r->body, a, m };

		sim_split_words(a->text, piece, &n);
	}
	if (a->tool_calls) {
		json_t *o = line(a, m, "", 0, 0);

		add_calls(o, a);
		add_line(&r->body, o);
	}
	fin = line(a, m, "", 0, 1);
	add_final(fin, a, m);
	add_line(&r->body, fin);
	r->content_type = "application/x-ndjson";
}

static void ol_stream_error(struct sim_reply *r)
{
	sim_cut_half(&r->body, "\n");
	sbuf_addstr(&r->body, "{\"error\":\"an error was encountered while running the model\"}\n");
}

static int ol_embed_match(const char *method, const char *path)
{
	return !strcmp(method, "POST") && !strcmp(path, "/api/embed");
}

static void ol_embed(const struct sim_http *h, json_t *body, struct sim_reply *r)
{
	json_t *input = json_object_get(body, "input"), *out = json_array(), *x;
	const char *model = json_string_value(json_object_get(body, "model"));
	long tokens = 0;
	size_t i;

	(void)h;
	if (json_is_string(input))
		input = json_pack("[O]", input);
	else
		json_incref(input);
	if (!model || !json_is_array(input) || !json_array_size(input))
		goto bad;
	json_array_foreach(input, i, x)
	{
		if (!json_is_string(x))
			goto bad;
		tokens += sim_embed_tokens(json_string_value(x));
		json_array_append_new(out, sim_embed_vector(json_string_value(x)));
	}
	sim_reply_json(r, 200,
		       json_pack("{s:s, s:o, s:i, s:i, s:i}", "model", model, "embeddings", out,
				 "total_duration", (json_int_t)14143917, "load_duration",
				 (json_int_t)1019500, "prompt_eval_count", (json_int_t)tokens));
	json_decref(input);
	return;
bad:
	json_decref(out);
	json_decref(input);
	ol_error(400, "bad_request", "invalid input type", r);
}

const struct sim_wire sim_wire_ollama = {
	.name = "ollama",
	.match = ol_match,
	.auth = ol_auth,
	.parse = ol_parse,
	.render = ol_render,
	.error = ol_error,
	.headers = NULL,
	.stream_error = ol_stream_error,
	.embed_match = ol_embed_match,
	.embed = ol_embed,
};
