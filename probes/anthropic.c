/* anthropic.c: the "anthropic" probe: the Messages API (POST {base}/messages), plain and
 * streamed (SSE with named events), with Anthropic's error types and rate-limit headers. */
#include "probe.h"
#include "sbuf.h"
#include "stream_sse.h"

#include <stdlib.h>
#include <string.h>

#define ANTHROPIC_DEFAULT_VERSION "2023-06-01"
/* max_tokens is required by the Messages API; used when the prompt leaves it open. */
#define ANTHROPIC_DEFAULT_MAX_TOKENS 1024

/* tools[{name, description, input_schema}]; tool_choice {"type": auto|any|tool|none}. */
static void add_tools(json_t *body, const struct probe_prompt *p)
{
	json_t *arr = json_array(), *tool;
	const char *choice, *name;
	size_t i;

	json_array_foreach(p->tools, i, tool)
	{
		json_array_append_new(arr, probe_tool_decl(tool, "input_schema"));
	}
	json_object_set_new(body, "tools", arr);
	choice = probe_tool_choice(p, &name);
	if (!strcmp(choice, "tool"))
		json_object_set_new(body, "tool_choice",
				    json_pack("{s:s, s:s}", "type", "tool", "name", name));
	else
		json_object_set_new(body, "tool_choice",
				    json_pack("{s:s}", "type",
					      !strcmp(choice, "required") ? "any" : choice));
}

static json_t *messages_body(const struct probe_target *t, const struct probe_prompt *p)
{
	json_t *body = json_object(), *msgs = json_array();
	struct sbuf sys;
	size_t i;

	sbuf_init(&sys);
	probe_system_text(p, &sys); /* a top-level field, not a message */
	for (i = 0; i < p->n_messages; i++) {
		const struct probe_message *m = &p->messages[i];

		if (!strcmp(m->role, "system"))
			continue;
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", m->role, "content",
						      m->content));
	}
	json_object_set_new(body, "model", json_string(t->model ? t->model : ""));
	json_object_set_new(body, "max_tokens",
			    json_integer(p->max_tokens > 0 ? p->max_tokens
							   : ANTHROPIC_DEFAULT_MAX_TOKENS));
	if (sys.len)
		json_object_set_new(body, "system", json_string(sys.buf));
	json_object_set_new(body, "messages", msgs);
	if (p->temperature >= 0)
		json_object_set_new(body, "temperature", json_real(p->temperature));
	if (p->schema)
		json_object_set_new(body, "output_config",
				    json_pack("{s:{s:s, s:o}}", "format", "type", "json_schema",
					      "schema", json_deep_copy(p->schema)));
	if (p->tools)
		add_tools(body, p);
	if (p->stream)
		json_object_set_new(body, "stream", json_true());
	sbuf_release(&sys);
	return body;
}

static int anthropic_check_prompt(const struct probe_target *t, const struct probe_prompt *p,
				  struct pl_err *err)
{
	(void)t;
	if (p->has_seed)
		return pl_err_set(err, PL_E_INPUT, "seed", "anthropic does not take a seed");
	if (p->logprobs)
		return pl_err_set(err, PL_E_INPUT, "logprobs",
				  "anthropic does not return logprobs");
	return 0;
}

static int anthropic_build(const struct probe_target *t, const struct probe_prompt *p,
			   struct probe_request *out, struct pl_err *err)
{
	struct sbuf url;

	if (probe_check_prompt(&probe_anthropic, t, p, err))
		return -1;
	if (probe_request_set_body(out, messages_body(t, p), err) < 0)
		return -1;
	sbuf_init(&url);
	sbuf_addf(&url, "%s/messages", t->base_url ? t->base_url : "");
	out->url = sbuf_detach(&url, NULL);
	sbuf_release(&url);
	out->method = xstrdup("POST");
	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept",
				 p->stream ? "text/event-stream" : "application/json");
	probe_request_add_header(out, "anthropic-version",
				 t->api_version ? t->api_version : ANTHROPIC_DEFAULT_VERSION);
	if (t->api_key)
		probe_request_add_header(out, "x-api-key", t->api_key);
	return 0;
}

/* error.type decides when it is more precise than the status (e.g. overloaded_error on a
 * stream, rate_limit_error). */
static enum probe_fault fault_from_type(const char *type, long status)
{
	static const struct probe_fault_code map[] = {
		{ "authentication_error", PROBE_FAULT_AUTH },
		{ "permission_error", PROBE_FAULT_AUTH },
		{ "billing_error", PROBE_FAULT_AUTH },
		{ "rate_limit_error", PROBE_FAULT_RATE_LIMIT },
		{ "overloaded_error", PROBE_FAULT_OVERLOADED },
		{ "api_error", PROBE_FAULT_SERVER },
		{ "timeout_error", PROBE_FAULT_TIMEOUT },
		{ "invalid_request_error", PROBE_FAULT_REQUEST },
		{ "not_found_error", PROBE_FAULT_REQUEST },
		{ "request_too_large", PROBE_FAULT_REQUEST },
	};
	enum probe_fault dflt = status >= 200 && status < 300 ? PROBE_FAULT_SERVER
							      : probe_fault_from_status(status);

	return probe_fault_by_code(map, ARRAY_SIZE(map), type, dflt);
}

/* {"type":"error","error":{"type","message"},"request_id"} */
static void parse_error(const json_t *root, long status, enum probe_fault force,
			struct probe_answer *a)
{
	const json_t *e = json_object_get(root, "error");
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	enum probe_fault f = fault_from_type(type, status);

	if (force != PROBE_OK)
		f = force;
	if (msg)
		probe_set_fault(a, f, type, "%s", msg);
	else
		probe_set_fault(a, f, type, "http status %ld", status);
}

static void usage(const json_t *u, struct probe_answer *a)
{
	long v;

	if (!json_is_object(u))
		return;
	v = probe_json_count(u, "input_tokens");
	if (v >= 0)
		a->prompt_tokens = v;
	v = probe_json_count(u, "output_tokens");
	if (v >= 0)
		a->completion_tokens = v;
	if (a->prompt_tokens >= 0 && a->completion_tokens >= 0)
		a->total_tokens = a->prompt_tokens + a->completion_tokens;
}

static void stop(const json_t *obj, struct probe_answer *a)
{
	const json_t *sr = json_object_get(obj, "stop_reason");
	const json_t *details;
	const char *why;

	if (!json_is_string(sr))
		return;
	free(a->finish_reason);
	a->finish_reason = xstrdup(json_string_value(sr));
	if (!probe_json_str_is(sr, "refusal"))
		return;
	a->refused = 1;
	details = json_object_get(obj, "stop_details");
	why = json_string_value(json_object_get(details, "explanation"));
	free(a->block_reason);
	a->block_reason = xstrdup(why ? why : "refusal");
}

static void message_ids(const json_t *msg, struct probe_answer *a)
{
	free(a->model);
	a->model = probe_json_str(msg, "model");
	free(a->response_id);
	a->response_id = probe_json_str(msg, "id");
	/* No fingerprint: Anthropic returns none. usage.service_tier ("standard", "priority",
	 * "batch") is the capacity the request was billed at, not the model's behaviour: a priority
	 * tier overflowing to standard would be a "changed: fingerprint" every night. */
}

static void parse_message(const json_t *root, struct probe_answer *a)
{
	const json_t *content = json_object_get(root, "content"), *block;
	struct sbuf text;
	size_t i;

	if (!json_is_array(content)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing content");
		return;
	}
	if (!json_is_string(json_object_get(root, "stop_reason")) &&
	    !json_is_null(json_object_get(root, "stop_reason"))) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing stop_reason");
		return;
	}
	sbuf_init(&text);
	json_array_foreach(content, i, block)
	{
		const json_t *v = json_object_get(block, "text");

		if (probe_json_str_is(json_object_get(block, "type"), "text") && json_is_string(v))
			sbuf_add(&text, json_string_value(v), json_string_length(v));
		if (probe_json_str_is(json_object_get(block, "type"), "tool_use"))
			probe_answer_add_call(a, json_string_value(json_object_get(block, "name")),
					      json_object_get(block, "input"));
	}
	a->text = probe_text_detach(&text);
	message_ids(root, a);
	usage(json_object_get(root, "usage"), a);
	stop(root, a);
	sbuf_release(&text);
}

static long block_index(const json_t *ev)
{
	const json_t *v = json_object_get(ev, "index");

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* message_start -> content_block_* -> message_delta -> message_stop; ping anywhere; an
 * error event (e.g. overloaded_error) after the 200 is a stream fault. */
static void parse_stream(const struct probe_response *r, struct probe_answer *a)
{
	struct sse_stream s;
	struct sbuf text;
	struct probe_calls calls;
	int started = 0, stopped = 0;
	size_t i;

	sse_stream_init(&s);
	sbuf_init(&text);
	probe_calls_init(&calls);
	sse_parse(r->body, r->body_len, &s);
	for (i = 0; i < s.n && !stopped && !a->fault; i++) {
		json_t *ev = probe_json_load(s.events[i].data, s.events[i].data_len, 0);
		const char *type = json_string_value(json_object_get(ev, "type"));

		if (!type) {
			probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
					"stream event %zu: data is not a typed json object", i);
		} else if (!strcmp(type, "message_start")) {
			const json_t *msg = json_object_get(ev, "message");

			started = 1;
			message_ids(msg, a);
			usage(json_object_get(msg, "usage"), a);
		} else if (!strcmp(type, "content_block_delta")) {
			const json_t *d = json_object_get(ev, "delta");
			const json_t *v = json_object_get(d, "text");

			if (probe_json_str_is(json_object_get(d, "type"), "text_delta") &&
			    json_is_string(v))
				sbuf_add(&text, json_string_value(v), json_string_length(v));
			v = json_object_get(d, "partial_json");
			if (probe_json_str_is(json_object_get(d, "type"), "input_json_delta") &&
			    json_is_string(v))
				probe_calls_add(&calls, block_index(ev), NULL, json_string_value(v),
						json_string_length(v));
		} else if (!strcmp(type, "content_block_start")) {
			const json_t *b = json_object_get(ev, "content_block");
			const json_t *in = json_object_get(b, "input");

			if (probe_json_str_is(json_object_get(b, "type"), "tool_use")) {
				/* the input arrives in deltas; a non-empty start input is whole */
				char *whole = json_object_size(in) ? json_dumps(in, JSON_COMPACT)
								   : NULL;

				probe_calls_add(&calls, block_index(ev),
						json_string_value(json_object_get(b, "name")),
						whole, whole ? strlen(whole) : 0);
				free(whole);
			}
		} else if (!strcmp(type, "message_delta")) {
			stop(json_object_get(ev, "delta"), a);
			usage(json_object_get(ev, "usage"), a);
		} else if (!strcmp(type, "message_stop")) {
			stopped = 1;
		} else if (!strcmp(type, "error")) {
			parse_error(ev, 200, PROBE_FAULT_STREAM, a);
		}
		json_decref(ev);
	}
	probe_stream_end(a, r, &text, stopped,
			 started ? "stream ended before message_stop"
				 : "stream carried no message_start");
	probe_calls_end(&calls, a);
	sbuf_release(&text);
	sse_stream_release(&s);
}

static void anthropic_parse(const struct probe_target *t, const struct probe_prompt *p,
			    const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = NULL;

	(void)t;
	probe_answer_begin(a, r);
	if (r->status < 200 || r->status >= 300) {
		root = probe_json_body(r);
		parse_error(root, r->status, PROBE_OK, a);
		goto out;
	}
	if (probe_is_stream(p, r, "text/event-stream")) {
		parse_stream(r, a);
		goto out;
	}
	root = probe_parse_body(r, a);
	if (!root)
		goto out;
	if (probe_json_str_is(json_object_get(root, "type"), "error")) {
		parse_error(root, r->status, PROBE_OK, a);
		goto out;
	}
	parse_message(root, a);
out:
	probe_parse_end(a, root);
}

const struct probe_ops probe_anthropic = {
	.name = "anthropic",
	.flags = PROBE_F_STREAM | PROBE_F_SCHEMA | PROBE_F_API_VERSION,
	.build = anthropic_build,
	.parse = anthropic_parse,
	.check_prompt = anthropic_check_prompt,
	.temperature_max = 1, /* Messages API: "Ranges from 0.0 to 1.0" */
};
