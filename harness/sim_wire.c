/* sim_wire.c: helpers shared by the simulator's wire formats (replies, request fields). */
#include "sim_wire.h"
#include "hash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sim_reply_init(struct sim_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->content_type = "application/json";
	sbuf_init(&r->body);
}

void sim_reply_release(struct sim_reply *r)
{
	if (!r)
		return;
	sbuf_release(&r->body);
}

void sim_reply_header(struct sim_reply *r, const char *name, const char *fmt, ...)
{
	va_list ap;
	struct sim_hdr *h;

	if (r->n_hdrs >= SIM_MAX_HDRS)
		return;
	h = &r->hdrs[r->n_hdrs++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
}

void sim_reply_json(struct sim_reply *r, unsigned status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);

	r->status = status;
	r->content_type = "application/json";
	sbuf_reset(&r->body);
	if (s)
		sbuf_addstr(&r->body, s);
	free(s);
	json_decref(body);
}

void sim_req_sampling(json_t *body, const char *max_key, struct sim_req *rq)
{
	json_t *v;

	rq->temperature = 1.0;
	v = json_object_get(body, "temperature");
	if (json_is_number(v))
		rq->temperature = json_number_value(v);
	v = json_object_get(body, "seed");
	if (json_is_integer(v)) {
		rq->has_seed = 1;
		rq->seed = (unsigned long long)json_integer_value(v);
	}
	rq->stream = json_is_true(json_object_get(body, "stream"));
	v = max_key ? json_object_get(body, max_key) : NULL;
	if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000000)
		rq->max_tokens = (int)json_integer_value(v);
}

void sim_req_release(struct sim_req *rq)
{
	if (!rq)
		return;
	for (size_t i = 0; i < rq->n_owned; i++)
		free(rq->owned[i]);
	rq->n_owned = 0;
	json_decref(rq->tools);
	rq->tools = NULL;
}

void sim_req_add_tool(struct sim_req *rq, const json_t *name, const json_t *params)
{
	if (!json_is_string(name))
		return;
	if (!rq->tools)
		rq->tools = json_array();
	json_array_append_new(rq->tools, json_pack("{s:O,s:o}", "name", name, "parameters",
						   json_is_object(params) ? json_deep_copy(params)
									  : json_object()));
}

char *sim_call_args(const struct sim_answer *a, size_t i)
{
	char *t = json_dumps(json_object_get(json_array_get(a->tool_calls, i), "arguments"),
			     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	return t ? t : xstrdup("{}");
}

const char *sim_call_name(const struct sim_answer *a, size_t i)
{
	const char *n =
		json_string_value(json_object_get(json_array_get(a->tool_calls, i), "name"));

	return n ? n : "";
}

json_t *sim_calls_named(const struct sim_answer *a, const char *outer, const char *args_key)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < json_array_size(a->tool_calls); i++)
		json_array_append_new(
			arr,
			json_pack("{s:{s:s,s:O}}", outer, "name", sim_call_name(a, i), args_key,
				  json_object_get(json_array_get(a->tool_calls, i), "arguments")));
	return arr;
}

void sim_req_tool_choice(struct sim_req *rq, const char *choice, const char *name)
{
	rq->tool_choice = choice;
	snprintf(rq->tool_name, sizeof(rq->tool_name), "%s", name ? name : "");
}

void sim_req_openai_tools(json_t *body, int flat, struct sim_req *rq)
{
	json_t *tools = json_object_get(body, "tools"), *t,
	       *c = json_object_get(body, "tool_choice");
	const char *s = json_string_value(c);
	size_t i;

	json_array_foreach(tools, i, t)
	{
		json_t *fn = flat ? t : json_object_get(t, "function");

		sim_req_add_tool(rq, json_object_get(fn, "name"),
				 json_object_get(fn, "parameters"));
	}
	if (s && !strcmp(s, "none"))
		sim_req_tool_choice(rq, "none", NULL);
	else if (s && !strcmp(s, "required"))
		sim_req_tool_choice(rq, "required", NULL);
	else if (json_is_object(c))
		sim_req_tool_choice(rq, "tool",
				    json_string_value(json_object_get(
					    flat ? c : json_object_get(c, "function"), "name")));
	else
		sim_req_tool_choice(rq, "auto", NULL);
}

int sim_req_add_msg(struct sim_req *rq, const char *role, json_t *content)
{
	struct sbuf sb;
	size_t i;
	json_t *part;

	if (rq->n_msgs >= SIM_MAX_MSGS)
		return 0; /* very long conversations: the tail is ignored */
	if (json_is_string(content)) {
		rq->msgs[rq->n_msgs].role = role;
		rq->msgs[rq->n_msgs].content = json_string_value(content);
		rq->n_msgs++;
		return 0;
	}
	if (!json_is_array(content))
		return -1;
	sbuf_init(&sb);
	json_array_foreach(content, i, part)
	{
		json_t *t = json_object_get(part, "text");

		if (json_is_string(t)) {
			if (sb.len)
				sbuf_addch(&sb, '\n');
			sbuf_addstr(&sb, json_string_value(t));
		}
	}
	if (!sb.len && json_array_size(content)) {
		sbuf_release(&sb);
		return -1;
	}
	rq->owned[rq->n_owned] = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	rq->msgs[rq->n_msgs].role = role;
	rq->msgs[rq->n_msgs].content = rq->owned[rq->n_owned];
	rq->n_owned++;
	rq->n_msgs++;
	return 0;
}

void sim_split_words(const char *text, void (*fn)(void *arg, const char *piece, size_t len),
		     void *arg)
{
	const char *p = text;

	while (p && *p) {
		size_t n = 0;

		/* a piece is leading spaces plus one word, like a tokenizer's " word" tokens */
		while (p[n] == ' ' || p[n] == '\n')
			n++;
		while (p[n] && p[n] != ' ' && p[n] != '\n')
			n++;
		fn(arg, p, n);
		p += n;
	}
}

int sim_path_segment(const char *path, const char *prefix, char stop, char *out, size_t outsz)
{
	size_t pl = strlen(prefix), n;

	if (strncmp(path, prefix, pl) != 0)
		return -1;
	path += pl;
	n = strcspn(path, stop ? (char[]){ stop, '\0' } : "");
	if (!n || n >= outsz)
		return -1;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

void sim_sse(struct sbuf *sb, const char *name, json_t *data)
{
	char *s = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (name)
		sbuf_addf(sb, "event: %s\n", name);
	sbuf_addf(sb, "data: %s\n\n", s ? s : "{}");
	free(s);
	json_decref(data);
}

void sim_cut_half(struct sbuf *sb, const char *sep)
{
	size_t keep = 0, n = strlen(sep);
	const char *p = sb->buf;

	while ((p = strstr(p, sep)) && (size_t)(p - sb->buf) + n <= sb->len / 2 + 1) {
		keep = (size_t)(p - sb->buf) + n;
		p += n;
	}
	if (!keep) {
		p = strstr(sb->buf, sep);
		keep = p ? (size_t)(p - sb->buf) + n : sb->len;
	}
	sb->len = keep;
	sb->buf[keep] = '\0';
}

void sim_iso_time(long t, int frac, char *buf, size_t sz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (frac)
		strftime(buf, sz, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
	else
		strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sim_key_check(const char *got, const char *key)
{
	if (!got || !*got)
		return 1;
	if (key && strcmp(got, key) != 0)
		return 2;
	return 0;
}

/* ---- embeddings ---- */

static void embed_feature(double *v, const char *f, size_t len, double w)
{
	uint64_t h = hash_fnv1a(f, len);

	v[h % SIM_EMBED_DIM] += (h >> 63) ? -w : w;
}

json_t *sim_embed_vector(const char *text)
{
	double v[SIM_EMBED_DIM] = { 0 }, norm = 0;
	size_t n = strlen(text), i, start = 0;
	char *low = xmalloc(n + 3);
	json_t *arr = json_array();

	/* " text " lower-cased: trigrams see word starts and ends */
	low[0] = ' ';
	for (i = 0; i < n; i++) {
		char c = text[i];

		low[i + 1] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	low[n + 1] = ' ';
	low[n + 2] = '\0';
	for (i = 0; i + 3 <= n + 2; i++)
		embed_feature(v, low + i, 3, 0.25);
	for (i = 1; i <= n + 1; i++) {
		unsigned char c = (unsigned char)low[i];
		int word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;

		if (!word) {
			if (i > start + 1)
				embed_feature(v, low + start + 1, i - start - 1, 1.0);
			start = i;
		}
	}
	for (i = 0; i < SIM_EMBED_DIM; i++)
		norm += v[i] * v[i];
	if (norm == 0) {
		v[0] = 1;
		norm = 1;
	}
	norm = sqrt(norm);
	for (i = 0; i < SIM_EMBED_DIM; i++)
		json_array_append_new(arr, json_real(round(v[i] / norm * 1e6) / 1e6));
	free(low);
	return arr;
}

long sim_embed_tokens(const char *text)
{
	long t = (long)(strlen(text) / 4);

	return t > 0 ? t : 1;
}

void sim_openai_embed_reply(json_t *input, const char *model, struct sim_reply *r)
{
	json_t *data, *x;
	long tokens = 0;
	size_t i;

	if (json_is_string(input))
		input = json_pack("[O]", input);
	else
		json_incref(input);
	if (!json_is_array(input) || !json_array_size(input)) {
		sim_openai_error(400, "bad_request", "'input' is a required property", r);
		goto out;
	}
	data = json_array();
	json_array_foreach(input, i, x)
	{
		if (!json_is_string(x) || !json_string_length(x)) {
			json_decref(data);
			sim_openai_error(400, "bad_request",
					 "'$.input' is invalid. Please check the API reference: "
					 "https://platform.openai.com/docs/api-reference.",
					 r);
			goto out;
		}
		tokens += sim_embed_tokens(json_string_value(x));
		json_array_append_new(data, json_pack("{s:s, s:i, s:o}", "object", "embedding",
						      "index", (json_int_t)i, "embedding",
						      sim_embed_vector(json_string_value(x))));
	}
	sim_reply_json(r, 200,
		       json_pack("{s:s, s:o, s:s, s:{s:i, s:i}}", "object", "list", "data", data,
				 "model", model ? model : "", "usage", "prompt_tokens",
				 (json_int_t)tokens, "total_tokens", (json_int_t)tokens));
out:
	json_decref(input);
}
