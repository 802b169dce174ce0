/* bedrock.c: the "bedrock" probe: AWS Bedrock Converse (POST {base}/model/{modelId}/converse)
 * and ConverseStream (binary AWS event-stream), signed with SigV4 by the runner at send time
 * (probe_sign_request, probes/sigv4.c) from the request's sigv4_* fields; error names from
 * x-amzn-ErrorType. */
#include "probe.h"
#include "sbuf.h"
#include "stream_eventstream.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 3986 unreserved characters stay; everything else (":" in "v1:0") is %XX. The signer
 * encodes this path once more ("%253A"), as AWS does for every service but S3. */
static void add_path_segment(struct sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			sbuf_addch(sb, (char)c);
		} else {
			sbuf_addch(sb, '%');
			sbuf_addch(sb, hex[c >> 4]);
			sbuf_addch(sb, hex[c & 15]);
		}
	}
}

/* {base}/model/{model, escaped}{action}, base defaulting to the region's bedrock-runtime host.
 * Returns the caller's string. */
static char *model_url(const struct probe_target *t, const char *action)
{
	struct sbuf u;

	sbuf_init(&u);
	if (t->base_url && *t->base_url)
		sbuf_addstr(&u, t->base_url);
	else
		sbuf_addf(&u, "https://bedrock-runtime.%s.amazonaws.com",
			  t->region ? t->region : "us-east-1");
	sbuf_addstr(&u, "/model/");
	add_path_segment(&u, t->model);
	sbuf_addstr(&u, action);
	return sbuf_detach(&u, NULL);
}

/* toolConfig {tools[{toolSpec{name, description, inputSchema{json}}}], toolChoice {auto:{}} |
 * {any:{}} | {tool:{name}}}. Converse has no "none" (bedrock_build refuses it). */
static json_t *tool_config(const struct probe_prompt *p)
{
	json_t *tools = json_array(), *tool, *choice;
	const char *c, *name;
	size_t i;

	json_array_foreach(p->tools, i, tool)
	{
		json_t *spec = probe_tool_decl(tool, NULL);

		json_object_set_new(spec, "inputSchema",
				    json_pack("{s:o}", "json", probe_tool_params(tool)));
		json_array_append_new(tools, json_pack("{s:o}", "toolSpec", spec));
	}
	c = probe_tool_choice(p, &name);
	if (!strcmp(c, "tool"))
		choice = json_pack("{s:{s:s}}", "tool", "name", name);
	else
		choice = json_pack("{s:{}}", !strcmp(c, "required") ? "any" : "auto");
	return json_pack("{s:o, s:o}", "tools", tools, "toolChoice", choice);
}

static json_t *converse_body(const struct probe_prompt *p)
{
	json_t *body = json_object(), *msgs = json_array(), *sys = json_array();
	json_t *cfg = json_object();
	size_t i;

	for (i = 0; i < p->n_messages; i++) {
		const struct probe_message *m = &p->messages[i];

		if (!strcmp(m->role, "system"))
			json_array_append_new(sys, json_pack("{s:s}", "text", m->content));
		else
			json_array_append_new(msgs, json_pack("{s:s, s:[{s:s}]}", "role", m->role,
							      "content", "text", m->content));
	}
	json_object_set_new(body, "messages", msgs);
	if (json_array_size(sys))
		json_object_set_new(body, "system", sys);
	else
		json_decref(sys);
	if (p->max_tokens > 0)
		json_object_set_new(cfg, "maxTokens", json_integer(p->max_tokens));
	if (p->temperature >= 0)
		json_object_set_new(cfg, "temperature", json_real(p->temperature));
	if (json_object_size(cfg))
		json_object_set_new(body, "inferenceConfig", cfg);
	else
		json_decref(cfg);
	if (p->tools)
		json_object_set_new(body, "toolConfig", tool_config(p));
	return body;
}

/* api_key is "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]" (SigV4) or, without a colon,
 * a Bedrock API key sent as a bearer token. */
static int credentials(const struct probe_target *t, struct probe_request *out, struct pl_err *err)
{
	const char *key = t->api_key, *c1, *c2;
	struct sbuf sb;

	if (!key)
		return pl_err_set(err, PL_E_INPUT, NULL, "bedrock needs credentials");
	sbuf_init(&sb);
	c1 = strchr(key, ':');
	if (!c1) {
		sbuf_addf(&sb, "Bearer %s", key);
		probe_request_add_header(out, "authorization", sb.buf);
		goto out;
	}
	if (!t->region) {
		sbuf_release(&sb);
		return pl_err_set(err, PL_E_INPUT, NULL, "bedrock with sigv4 needs a region");
	}
	c2 = strchr(c1 + 1, ':');
	if (c1 == key || c1[1] == '\0' || c2 == c1 + 1) {
		sbuf_release(&sb);
		return pl_err_set(err, PL_E_INPUT, NULL,
				  "bedrock key must be ACCESS_KEY_ID:SECRET_ACCESS_KEY"
				  "[:SESSION_TOKEN]");
	}
	sbuf_addf(&sb, "aws:amz:%s:bedrock", t->region);
	out->sigv4_provider = sbuf_detach(&sb, NULL);
	if (c2) {
		sbuf_add(&sb, key, (size_t)(c2 - key));
		if (c2[1])
			out->sigv4_session_token = xstrdup(c2 + 1);
	} else {
		sbuf_addstr(&sb, key);
	}
	out->sigv4_userpwd = sbuf_detach(&sb, NULL);
out:
	OPENSSL_cleanse(sb.buf, sb.cap);
	sbuf_release(&sb);
	return 0;
}

/* The region of an AWS Bedrock runtime host, bedrock-runtime[-fips].REGION.amazonaws.com[.cn],
 * as the host of url, copied into out; 0 when url's host is not one. */
static int host_region(const char *url, char *out, size_t len)
{
	static const char *const prefixes[] = { "bedrock-runtime.", "bedrock-runtime-fips." };
	static const char *const suffixes[] = { ".amazonaws.com", ".amazonaws.com.cn" };
	const char *h = strstr(url, "://"), *end;
	size_t n, i, j, pl, sl;
	char *o;

	if (!h)
		return 0;
	h += 3;
	end = h + strcspn(h, "/:?#");
	n = (size_t)(end - h);
	while (n > 0 && h[n - 1] == '.') /* a fully qualified name's trailing dot */
		n--;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		pl = strlen(prefixes[i]);
		if (n <= pl || strncasecmp(h, prefixes[i], pl))
			continue;
		for (j = 0; j < ARRAY_SIZE(suffixes); j++) {
			sl = strlen(suffixes[j]);
			if (n <= pl + sl || strncasecmp(h + n - sl, suffixes[j], sl) ||
			    memchr(h + pl, '.', n - pl - sl) || n - pl - sl >= len)
				continue;
			memcpy(out, h + pl, n - pl - sl);
			out[n - pl - sl] = '\0';
			for (o = out; *o; o++)
				if (*o >= 'A' && *o <= 'Z')
					*o = (char)(*o - 'A' + 'a');
			return 1;
		}
	}
	return 0;
}

/* The region is required (SigV4 signs it; without a base_url the endpoint is the region's),
 * is an AWS region name, and is the region of an AWS endpoint given as base_url: a signature
 * for another region is refused by AWS. */
static int bedrock_check_target(const struct probe_target *t, struct pl_err *err)
{
	char hr[64];

	if (!t->region)
		return pl_err_set(err, PL_E_INPUT, "region",
				  "missing required key \"region\": bedrock signs its requests for "
				  "the AWS region of its endpoint (e.g. \"us-east-1\")");
	if (!*t->region || t->region[strspn(t->region, "abcdefghijklmnopqrstuvwxyz0123456789-")])
		return pl_err_set(err, PL_E_INPUT, "region",
				  "expected an AWS region such as \"us-east-1\" "
				  "(lower-case letters, digits, '-'), got \"%s\"",
				  t->region);
	if (t->base_url && host_region(t->base_url, hr, sizeof(hr)) && strcmp(hr, t->region))
		return pl_err_set(err, PL_E_INPUT, "region",
				  "region \"%s\" is not the region of base_url's host (\"%s\"): "
				  "AWS would refuse every signature; make them the same",
				  t->region, hr);
	return 0;
}

static int bedrock_check_prompt(const struct probe_target *t, const struct probe_prompt *p,
				struct pl_err *err)
{
	(void)t;
	if (p->has_seed)
		return pl_err_set(err, PL_E_INPUT, "seed", "bedrock converse does not take a seed");
	if (p->logprobs)
		return pl_err_set(err, PL_E_INPUT, "logprobs",
				  "bedrock converse does not return logprobs");
	if (p->schema)
		return pl_err_set(err, PL_E_INPUT, "response_schema",
				  "the bedrock probe does not ask for structured output");
	if (p->tools && probe_json_str_is(p->tool_choice, "none"))
		return pl_err_set(err, PL_E_INPUT, "tool_choice",
				  "bedrock converse cannot ask for tool_choice \"none\"");
	return 0;
}

static int bedrock_build(const struct probe_target *t, const struct probe_prompt *p,
			 struct probe_request *out, struct pl_err *err)
{
	if (!t->model || !*t->model)
		return pl_err_set(err, PL_E_INPUT, NULL, "bedrock needs a modelId as its model");
	if (probe_check_prompt(&probe_bedrock, t, p, err))
		return -1;
	if (credentials(t, out, err))
		return -1;
	if (probe_request_set_body(out, converse_body(p), err) < 0)
		return -1;
	out->url = model_url(t, p->stream ? "/converse-stream" : "/converse");
	out->method = xstrdup("POST");
	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept",
				 p->stream ? "application/vnd.amazon.eventstream"
					   : "application/json");
	return 0;
}

static enum probe_fault fault_from_name(const char *name, long status)
{
	static const struct probe_fault_code map[] = {
		{ "ThrottlingException", PROBE_FAULT_RATE_LIMIT },
		{ "ServiceQuotaExceededException", PROBE_FAULT_RATE_LIMIT },
		{ "ModelNotReadyException", PROBE_FAULT_OVERLOADED },
		{ "ServiceUnavailableException", PROBE_FAULT_OVERLOADED },
		{ "AccessDeniedException", PROBE_FAULT_AUTH },
		{ "UnrecognizedClientException", PROBE_FAULT_AUTH },
		{ "InvalidSignatureException", PROBE_FAULT_AUTH },
		{ "ExpiredTokenException", PROBE_FAULT_AUTH },
		{ "IncompleteSignatureException", PROBE_FAULT_AUTH },
		{ "ValidationException", PROBE_FAULT_REQUEST },
		{ "ResourceNotFoundException", PROBE_FAULT_REQUEST },
		{ "ModelTimeoutException", PROBE_FAULT_TIMEOUT },
		{ "InternalServerException", PROBE_FAULT_SERVER },
		{ "ModelErrorException", PROBE_FAULT_SERVER },
		{ "ModelStreamErrorException", PROBE_FAULT_STREAM },
	};
	enum probe_fault dflt = status >= 200 && status < 300 ? PROBE_FAULT_SERVER
							      : probe_fault_from_status(status);

	return probe_fault_by_code(map, ARRAY_SIZE(map), name, dflt);
}

/* "ThrottlingException:http://internal..." or "aws.protocoltests#ThrottlingException" ->
 * "ThrottlingException". Returns a new string or NULL. */
static char *error_name(const char *raw)
{
	const char *s, *e;

	if (!raw)
		return NULL;
	s = strchr(raw, '#');
	s = s ? s + 1 : raw;
	e = strchr(s, ':');
	return e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
}

static void parse_error(const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = probe_json_body(r);
	char *name = error_name(probe_header_get(r->headers, r->n_headers, "x-amzn-errortype"));
	const char *msg = json_string_value(json_object_get(root, "message"));

	if (!msg)
		msg = json_string_value(json_object_get(root, "Message"));
	if (!name)
		name = error_name(json_string_value(json_object_get(root, "__type")));
	if (msg)
		probe_set_fault(a, fault_from_name(name, r->status), name, "%s", msg);
	else
		probe_set_fault(a, fault_from_name(name, r->status), name, "http status %ld",
				r->status);
	free(name);
	json_decref(root);
}

static void set_stop(struct probe_answer *a, const char *stop)
{
	if (!stop)
		return;
	free(a->finish_reason);
	a->finish_reason = xstrdup(stop);
	if (!strcmp(stop, "guardrail_intervened") || !strcmp(stop, "content_filtered")) {
		a->blocked = 1;
		free(a->block_reason);
		a->block_reason = xstrdup(stop);
	}
}

static void usage_metrics(const json_t *obj, struct probe_answer *a)
{
	const json_t *u = json_object_get(obj, "usage");
	long ms = probe_json_count(json_object_get(obj, "metrics"), "latencyMs");
	char v[32];

	if (json_is_object(u)) {
		a->prompt_tokens = probe_json_count(u, "inputTokens");
		a->completion_tokens = probe_json_count(u, "outputTokens");
		a->total_tokens = probe_json_count(u, "totalTokens");
	}
	if (ms >= 0) {
		snprintf(v, sizeof(v), "%ld", ms);
		probe_answer_add_header(a, "x-plumbline-bedrock-latency-ms", v);
	}
}

static void parse_json(const json_t *root, struct probe_answer *a)
{
	const json_t *content =
		json_object_get(json_object_get(json_object_get(root, "output"), "message"), "conte"
											     "nt");
	const json_t *block;
	struct sbuf text;
	size_t i;

	if (!json_is_array(content)) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing output.message.content");
		return;
	}
	if (!json_is_string(json_object_get(root, "stopReason"))) {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing stopReason");
		return;
	}
	sbuf_init(&text);
	json_array_foreach(content, i, block)
	{
		const json_t *v = json_object_get(block, "text");
		const json_t *tu = json_object_get(block, "toolUse");

		if (json_is_string(v))
			sbuf_add(&text, json_string_value(v), json_string_length(v));
		if (json_is_object(tu))
			probe_answer_add_call(a, json_string_value(json_object_get(tu, "name")),
					      json_is_object(json_object_get(tu, "input"))
						      ? json_object_get(tu, "input")
						      : NULL);
	}
	a->text = probe_text_detach(&text);
	set_stop(a, json_string_value(json_object_get(root, "stopReason")));
	usage_metrics(root, a);
	sbuf_release(&text);
}

static long block_index(const json_t *ev)
{
	const json_t *v = json_object_get(ev, "contentBlockIndex");

	return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* messageStart, contentBlockDelta*, contentBlockStop, messageStop, metadata. An exception
 * frame, a bad CRC or a cut frame is a stream fault; so is a stream without messageStop. */
static void parse_stream(const struct probe_response *r, struct probe_answer *a)
{
	struct es_stream s;
	struct sbuf text;
	struct probe_calls calls;
	int stopped = 0, bad;
	size_t i;

	es_stream_init(&s);
	sbuf_init(&text);
	probe_calls_init(&calls);
	bad = es_parse(r->body, r->body_len, &s);
	for (i = 0; i < s.n && !a->fault; i++) {
		const struct es_frame *f = &s.frames[i];
		json_t *ev;

		if (f->message_type && strcmp(f->message_type, "event")) {
			json_t *e = probe_json_load(f->payload, f->payload_len, 0);
			const char *msg = json_string_value(json_object_get(e, "message"));

			probe_set_fault(a, PROBE_FAULT_STREAM, f->exception_type, "%s",
					msg ? msg : "exception in the stream");
			json_decref(e);
			break;
		}
		ev = probe_json_load(f->payload, f->payload_len, 0);
		if (!json_is_object(ev)) {
			probe_set_fault(a, PROBE_FAULT_STREAM, NULL,
					"frame %zu: payload is not a json object", i);
		} else if (!f->event_type) {
			probe_set_fault(a, PROBE_FAULT_STREAM, NULL, "frame %zu: no :event-type",
					i);
		} else if (!strcmp(f->event_type, "contentBlockDelta")) {
			const json_t *d = json_object_get(ev, "delta");
			const json_t *v = json_object_get(d, "text");

			if (json_is_string(v))
				sbuf_add(&text, json_string_value(v), json_string_length(v));
			v = json_object_get(json_object_get(d, "toolUse"), "input");
			if (json_is_string(v))
				probe_calls_add(&calls, block_index(ev), NULL, json_string_value(v),
						json_string_length(v));
		} else if (!strcmp(f->event_type, "contentBlockStart")) {
			const json_t *tu = json_object_get(json_object_get(ev, "start"), "toolUse");

			if (json_is_object(tu))
				probe_calls_add(&calls, block_index(ev),
						json_string_value(json_object_get(tu, "name")),
						NULL, 0);
		} else if (!strcmp(f->event_type, "messageStop")) {
			stopped = 1;
			set_stop(a, json_string_value(json_object_get(ev, "stopReason")));
		} else if (!strcmp(f->event_type, "metadata")) {
			usage_metrics(ev, a);
		}
		json_decref(ev);
	}
	if (!a->fault && bad)
		probe_set_fault(a, PROBE_FAULT_STREAM, NULL, "%s", s.error);
	probe_stream_end(a, r, &text, stopped, "stream ended before messageStop");
	probe_calls_end(&calls, a);
	sbuf_release(&text);
	es_stream_release(&s);
}

static void bedrock_parse(const struct probe_target *t, const struct probe_prompt *p,
			  const struct probe_response *r, struct probe_answer *a)
{
	json_t *root = NULL;
	const char *rid;

	probe_answer_begin(a, r);
	/* Converse returns no model name: the modelId asked for is the identity. */
	a->model = t && t->model ? xstrdup(t->model) : NULL;
	rid = probe_header_get(r->headers, r->n_headers, "x-amzn-requestid");
	a->response_id = rid ? xstrdup(rid) : NULL;
	if (r->status < 200 || r->status >= 300) {
		parse_error(r, a);
		goto out;
	}
	if (probe_is_stream(p, r, "application/vnd.amazon.eventstream")) {
		parse_stream(r, a);
		goto out;
	}
	root = probe_parse_body(r, a);
	if (!root)
		goto out;
	parse_json(root, a);
out:
	probe_parse_end(a, root);
}

/* ---- embeddings: POST /model/{modelId}/invoke with the model family's own body ----
 * Amazon Titan Text Embeddings (amazon.titan-embed-*): {"inputText": text} -> {"embedding":
 * [...], "inputTextTokenCount": N}, one text per request. Cohere Embed (cohere.embed-*):
 * {"texts": [...], "input_type": "search_document"} -> {"embeddings": [[...]], ...}, up to 96
 * texts. */

static int is_cohere(const struct probe_target *t)
{
	return t->model && strstr(t->model, "cohere.") != NULL;
}

static int bedrock_build_embed(const struct probe_target *t, const char *const *texts, size_t n,
			       struct probe_request *out, struct pl_err *err)
{
	json_t *body;
	size_t i;

	if (!t->model || !*t->model)
		return pl_err_set(err, PL_E_INPUT, NULL, "bedrock needs a modelId as its model");
	if (!is_cohere(t) && n != 1)
		return pl_err_set(err, PL_E_INPUT, NULL,
				  "titan embeddings take one text per request, not %zu", n);
	if (credentials(t, out, err))
		return -1;
	if (is_cohere(t)) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(texts[i]));
		body = json_pack("{s:o, s:s}", "texts", arr, "input_type", "search_document");
	} else {
		body = json_pack("{s:s}", "inputText", texts[0]);
	}
	if (probe_request_set_body(out, body, err) < 0)
		return -1;
	out->url = model_url(t, "/invoke");
	out->method = xstrdup("POST");
	probe_request_add_header(out, "content-type", "application/json");
	probe_request_add_header(out, "accept", "application/json");
	return 0;
}

static void bedrock_parse_embed(const struct probe_target *t, size_t n,
				const struct probe_response *r, struct probe_answer *a,
				struct probe_vectors *out)
{
	json_t *root = probe_embed_begin(&probe_bedrock, t, r, a), *arr, *row;
	size_t i;

	if (!root)
		goto out;
	arr = json_object_get(root, "embeddings");
	if (json_is_object(arr)) /* Cohere with embedding_types: {"float": [[...]]} */
		arr = json_object_get(arr, "float");
	if (json_is_array(json_object_get(root, "embedding"))) {
		probe_vectors_add(out, json_object_get(root, "embedding"), a);
		a->prompt_tokens = probe_json_count(root, "inputTextTokenCount");
	} else if (json_is_array(arr)) {
		json_array_foreach(arr, i, row)
		{
			if (probe_vectors_add(out, row, a) < 0)
				break;
		}
		a->prompt_tokens = -1;
	} else {
		probe_set_fault(a, PROBE_FAULT_MALFORMED, NULL, "missing embedding");
	}
out:
	probe_embed_end(a, n, out, root);
}

/* Titan: one inputText per request; Cohere Embed: at most 96 texts. */
static size_t bedrock_embed_batch(const struct probe_target *t)
{
	return is_cohere(t) ? 96 : 1;
}

const struct probe_ops probe_bedrock = {
	.name = "bedrock",
	.flags = PROBE_F_STREAM | PROBE_F_SIGV4 | PROBE_F_REGION,
	.build = bedrock_build,
	.parse = bedrock_parse,
	.build_embed = bedrock_build_embed,
	.parse_embed = bedrock_parse_embed,
	.embed_batch = bedrock_embed_batch,
	.check_target = bedrock_check_target,
	.check_prompt = bedrock_check_prompt,
	/* Converse inferenceConfig.temperature: InferenceConfigurationTemperatureFloat, min 0,
	 * max 1 (botocore service-2.json) */
	.temperature_max = 1,
};
