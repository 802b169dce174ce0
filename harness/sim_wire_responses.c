/* sim_wire_responses.c: the simulator's OpenAI Responses format (POST /v1/responses): output
 * items with output_text or refusal parts, named SSE events with sequence numbers. */
#include "sim_wire.h"

#include <stdio.h>
#include <string.h>

static int rs_match(const char *method, const char *path)
{
	return !strcmp(method, "POST") && !strcmp(path, "/v1/responses");
}

static int rs_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	json_t *input = json_object_get(body, "input"), *it, *ins;
	size_t i;

	(void)h;
	if (!json_is_object(body)) {
		sim_openai_error(400, "bad_request",
				 "We could not parse the JSON body of your request.", r);
		return -1;
	}
	rq->model = json_string_value(json_object_get(body, "model"));
	if (!rq->model) {
		sim_openai_error(400, "bad_request", "Missing required parameter: 'model'.", r);
		return -1;
	}
	ins = json_object_get(body, "instructions");
	if (json_is_string(ins))
		sim_req_add_msg(rq, "system", ins);
	if (json_is_string(input)) {
		sim_req_add_msg(rq, "user", input);
	} else if (json_is_array(input) && json_array_size(input)) {
		json_array_foreach(input, i, it)
		{
			const char *role = json_string_value(json_object_get(it, "role"));

			if (!role ||
			    sim_req_add_msg(rq, role, json_object_get(it, "content")) != 0) {
				sim_openai_error(400, "bad_request", "Invalid value for 'input'.",
						 r);
				return -1;
			}
		}
	} else {
		sim_openai_error(400, "bad_request", "Missing required parameter: 'input'.", r);
		return -1;
	}
	sim_req_sampling(body, "max_output_tokens", rq);
	sim_req_openai_tools(body, 1, rq);
	return 0;
}

struct ids {
	char resp[64];
	char msg[64];
};

static json_t *part(const struct sim_answer *a, const char *text)
{
	if (a->refused)
		return json_pack("{s:s,s:s}", "type", "refusal", "refusal", text);
	return json_pack("{s:s,s:[],s:[],s:s}", "type", "output_text", "annotations", "logprobs",
			 "text", text);
}

static json_t *message_item(const struct sim_answer *a, const struct ids *id, const char *status,
			    int with_content)
{
	json_t *content = json_array();

	if (with_content)
		json_array_append_new(content, part(a, a->text));
	return json_pack("{s:s,s:s,s:s,s:o,s:s}", "id", id->msg, "type", "message", "status",
			 status, "content", content, "role", "assistant");
}

/* Output item i of a tool-calling answer: {"type":"function_call", call_id, name, arguments
 * (JSON text; "" while in progress)}. */
static json_t *call_item(const struct sim_answer *a, const struct ids *id, size_t i, int done)
{
	char fid[80], cid[48];
	char *args = done ? sim_call_args(a, i) : xstrdup("");
	json_t *o;

	snprintf(fid, sizeof(fid), "fc_%.40s%zu", id->msg + 4, i);
	snprintf(cid, sizeof(cid), "call_%.20s%zu", id->resp + 5, i);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", fid, "type", "function_call", "status",
		      done ? "completed" : "in_progress", "arguments", args, "call_id", cid, "name",
		      sim_call_name(a, i));
	free(args);
	return o;
}

static json_t *output(const struct sim_answer *a, const struct ids *id)
{
	json_t *arr;
	size_t i;

	if (!a->tool_calls)
		return json_pack("[o]", message_item(a, id, "completed", 1));
	arr = json_array();
	for (i = 0; i < json_array_size(a->tool_calls); i++)
		json_array_append_new(arr, call_item(a, id, i, 1));
	return arr;
}

static json_t *response_obj(const struct sim_req *rq, const struct sim_answer *a,
			    const struct sim_meta *m, const struct ids *id, int done)
{
	int incomplete = done && !strcmp(a->finish_reason, "length");
	json_t *o = json_pack("{s:s,s:s,s:i,s:s,s:b,s:n}", "id", id->resp, "object", "response",
			      "created_at", (json_int_t)m->created, "status",
			      done ? (incomplete ? "incomplete" : "completed") : "in_progress",
			      "background", 0, "error");

	json_object_set_new(o, "incomplete_details",
			    incomplete ? json_pack("{s:s}", "reason", "max_output_tokens")
				       : json_null());
	json_object_set_new(o, "max_output_tokens",
			    rq->max_tokens ? json_integer(rq->max_tokens) : json_null());
	json_object_set_new(o, "model", json_string(a->model));
	json_object_set_new(o, "output", done ? output(a, id) : json_array());
	json_object_set_new(o, "parallel_tool_calls", json_true());
	json_object_set_new(o, "service_tier", json_string("default"));
	json_object_set_new(o, "store", json_true());
	json_object_set_new(o, "temperature", json_real(rq->temperature));
	json_object_set_new(o, "text", json_pack("{s:{s:s}}", "format", "type", "text"));
	json_object_set_new(o, "tool_choice", json_string("auto"));
	json_object_set_new(o, "tools", json_array());
	json_object_set_new(o, "top_p", json_real(1.0));
	json_object_set_new(o, "truncation", json_string("disabled"));
	json_object_set_new(o, "usage",
			    done ? json_pack("{s:i,s:{s:i},s:i,s:{s:i},s:i}", "input_tokens",
					     (json_int_t)a->prompt_tokens, "input_tokens_details",
					     "cached_tokens", 0, "output_tokens",
					     (json_int_t)a->completion_tokens,
					     "output_tokens_details", "reasoning_tokens", 0,
					     "total_tokens",
					     (json_int_t)(a->prompt_tokens + a->completion_tokens))
				 : json_null());
	json_object_set_new(o, "metadata", json_object());
	return o;
}

struct streamer {
	struct sbuf *sb;
	const struct ids *id;
	int seq;
	const char *delta_event;
};

static void event(struct streamer *s, const char *type, json_t *o)
{
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "sequence_number", json_integer(s->seq++));
	sim_sse(s->sb, type, o);
}

static void piece(void *arg, const char *p, size_t len)
{
	struct streamer *s = arg;

	event(s, s->delta_event,
	      json_pack("{s:s,s:i,s:i,s:s%}", "item_id", s->id->msg, "output_index", 0,
			"content_index", 0, "delta", p, len));
}

/* A streamed tool call: the item added, its arguments in argument deltas, done, then the
 * terminal response with the whole output. */
static void stream_calls(const struct sim_req *rq, const struct sim_answer *a,
			 const struct sim_meta *m, struct streamer *s)
{
	size_t i;

	event(s, "response.created",
	      json_pack("{s:o}", "response", response_obj(rq, a, m, s->id, 0)));
	event(s, "response.in_progress",
	      json_pack("{s:o}", "response", response_obj(rq, a, m, s->id, 0)));
	for (i = 0; i < json_array_size(a->tool_calls); i++) {
		json_t *item = call_item(a, s->id, i, 1);
		const char *fid = json_string_value(json_object_get(item, "id"));
		char *args = sim_call_args(a, i);
		size_t len = strlen(args), half = len / 2;

		while (half < len && ((unsigned char)args[half] & 0xc0) == 0x80)
			half++;
		event(s, "response.output_item.added",
		      json_pack("{s:i,s:o}", "output_index", (json_int_t)i, "item",
				call_item(a, s->id, i, 0)));
		event(s, "response.function_call_arguments.delta",
		      json_pack("{s:s,s:i,s:s%}", "item_id", fid, "output_index", (json_int_t)i,
				"delta", args, half));
		event(s, "response.function_call_arguments.delta",
		      json_pack("{s:s,s:i,s:s}", "item_id", fid, "output_index", (json_int_t)i,
				"delta", args + half));
		event(s, "response.function_call_arguments.done",
		      json_pack("{s:s,s:i,s:s}", "item_id", fid, "output_index", (json_int_t)i,
				"arguments", args));
		event(s, "response.output_item.done",
		      json_pack("{s:i,s:o}", "output_index", (json_int_t)i, "item", item));
		free(args);
	}
	event(s, "response.completed",
	      json_pack("{s:o}", "response", response_obj(rq, a, m, s->id, 1)));
}

static void rs_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	struct ids id;
	struct streamer s = { &r->body, &id, 0, NULL };
	const int refused = a->refused;

	snprintf(id.resp, sizeof(id.resp), "resp_%.32s%.16s", m->request_id + 4, m->request_id + 4);
	snprintf(id.msg, sizeof(id.msg), "msg_%.16s%.32s", m->request_id + 20, m->request_id + 4);
	r->status = 200;
	if (!rq->stream) {
		sim_reply_json(r, 200, response_obj(rq, a, m, &id, 1));
		return;
	}
	r->content_type = "text/event-stream; charset=utf-8";
	if (a->tool_calls) {
		stream_calls(rq, a, m, &s);
		return;
	}
	s.delta_event = refused ? "response.refusal.delta" : "response.output_text.delta";
	event(&s, "response.created",
	      json_pack("{s:o}", "response", response_obj(rq, a, m, &id, 0)));
	event(&s, "response.in_progress",
	      json_pack("{s:o}", "response", response_obj(rq, a, m, &id, 0)));
	event(&s, "response.output_item.added",
	      json_pack("{s:i,s:o}", "output_index", 0, "item",
			message_item(a, &id, "in_progress", 0)));
	event(&s, "response.content_part.added",
	      json_pack("{s:s,s:i,s:i,s:o}", "item_id", id.msg, "output_index", 0, "content_index",
			0, "part", part(a, "")));
	sim_split_words(a->text, piece, &s);
	if (refused)
		event(&s, "response.refusal.done",
		      json_pack("{s:s,s:i,s:i,s:s}", "item_id", id.msg, "output_index", 0,
				"content_index", 0, "refusal", a->text));
	else
		event(&s, "response.output_text.done",
		      json_pack("{s:s,s:i,s:i,s:s}", "item_id", id.msg, "output_index", 0,
				"content_index", 0, "text", a->text));
	event(&s, "response.content_part.done",
	      json_pack("{s:s,s:i,s:i,s:o}", "item_id", id.msg, "output_index", 0, "content_index",
			0, "part", part(a, a->text)));
	event(&s, "response.output_item.done",
	      json_pack("{s:i,s:o}", "output_index", 0, "item",
			message_item(a, &id, "completed", 1)));
	event(&s, strcmp(a->finish_reason, "length") ? "response.completed" : "response.incomplete",
	      json_pack("{s:o}", "response", response_obj(rq, a, m, &id, 1)));
}

static void rs_stream_error(struct sim_reply *r)
{
	sim_cut_half(&r->body, "\n\n");
	sim_sse(&r->body, "error",
		json_pack("{s:s,s:s,s:s,s:n,s:i}", "type", "error", "code", "server_error",
			  "message", "The server had an error while processing your request.",
			  "param", "sequence_number", 999));
}

const struct sim_wire sim_wire_responses = {
	.name = "openai-responses",
	.match = rs_match,
	.auth = sim_openai_auth,
	.parse = rs_parse,
	.render = rs_render,
	.error = sim_openai_error,
	.headers = sim_openai_headers,
	.stream_error = rs_stream_error,
};
