/* sim_wire_azure.c: the simulator's Azure OpenAI format
 * (POST /openai/deployments/{deployment}/chat/completions?api-version=...): api-key auth,
 * content-filter annotations, the 400 content_filter error for a prompt a filter blocks. */
#include "sim_wire.h"

#include <stdio.h>
#include <string.h>

#define AZ_PREFIX "/openai/deployments/"
#define AZ_SUFFIX "/chat/completions"

static int az_match(const char *method, const char *path)
{
	size_t n = strlen(path), pl = strlen(AZ_PREFIX), sl = strlen(AZ_SUFFIX);

	return !strcmp(method, "POST") && n > pl + sl && !strncmp(path, AZ_PREFIX, pl) &&
	       !strcmp(path + n - sl, AZ_SUFFIX) && !memchr(path + pl, '/', n - pl - sl);
}

static void az_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r)
{
	if (!strcmp(kind, "auth") || !strcmp(kind, "not_found")) {
		char code[8];

		snprintf(code, sizeof(code), "%u", status);
		sim_reply_json(r, status,
			       json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
		return;
	}
	sim_openai_error(status, kind, msg, r);
}

static int az_auth(const struct sim_http *h, const char *key, struct sim_reply *r)
{
	const char *got = h->header(h->conn, "api-key"), *bearer;

	if (!got) {
		bearer = h->header(h->conn, "Authorization");
		if (bearer && !strncmp(bearer, "Bearer ", 7))
			got = bearer + 7;
	}
	if (sim_key_check(got, key)) {
		az_error(401, "auth",
			 "Access denied due to invalid subscription key or wrong API endpoint. "
			 "Make "
			 "sure to provide a valid key for an active subscription and use a correct "
			 "regional API endpoint for your resource.",
			 r);
		return -1;
	}
	return 0;
}

static int az_parse(const struct sim_http *h, json_t *body, struct sim_req *rq, struct sim_reply *r)
{
	json_t *msgs = json_object_get(body, "messages");

	if (!h->query(h->conn, "api-version")) {
		az_error(404, "not_found", "Resource not found", r);
		return -1;
	}
	sim_path_segment(h->url, AZ_PREFIX, '/', rq->path_model, sizeof(rq->path_model));
	if (!json_is_object(body) || !json_is_array(msgs) || !json_array_size(msgs)) {
		sim_openai_error(400, "bad_request", "'messages' is a required property", r);
		return -1;
	}
	/* the deployment decides the model; the body's model is ignored */
	rq->model = NULL;
	return sim_openai_chat_body(body, rq, r);
}

static json_t *filter_results(int prompt)
{
	json_t *o = json_pack("{s:{s:b,s:s},s:{s:b,s:s},s:{s:b,s:s},s:{s:b,s:s}}", "hate",
			      "filtered", 0, "severity", "safe", "self_harm", "filtered", 0,
			      "severity", "safe", "sexual", "filtered", 0, "severity", "safe",
			      "violence", "filtered", 0, "severity", "safe");

	if (prompt)
		json_object_set_new(o, "jailbreak",
				    json_pack("{s:b,s:b}", "filtered", 0, "detected", 0));
	else
		json_object_set_new(o, "protected_material_text",
				    json_pack("{s:b,s:b}", "filtered", 0, "detected", 0));
	return o;
}

static void az_render(const struct sim_req *rq, const struct sim_answer *a,
		      const struct sim_meta *m, struct sim_reply *r)
{
	json_t *o;

	if (a->prompt_blocked) {
		sim_reply_json(r, 400,
			       json_pack("{s:{s:s,s:n,s:s,s:s,s:i,s:{s:s,s:{s:{s:b,s:s}}}}}",
					 "error", "message",
					 "The response was filtered due to the prompt triggering "
					 "Azure "
					 "OpenAI's content management policy. Please modify your "
					 "prompt and "
					 "retry.",
					 "type", "param", "prompt", "code", "content_filter",
					 "status", 400, "innererror", "code",
					 "ResponsibleAIPolicyViolation", "content_filter_result",
					 "violence", "filtered", 1, "severity", "high"));
		return;
	}
	sim_wire_openai.render(rq, a, m, r);
	if (rq->stream)
		return; /* streamed chunks look like OpenAI's */
	o = json_loadb(r->body.buf, r->body.len, 0, NULL);
	if (!o)
		return;
	json_object_set_new(json_array_get(json_object_get(o, "choices"), 0),
			    "content_filter_results", filter_results(0));
	json_object_set_new(o, "prompt_filter_results",
			    json_pack("[{s:i,s:o}]", "prompt_index", 0, "content_filter_results",
				      filter_results(1)));
	sim_reply_json(r, 200, o);
}

static void az_headers(const struct sim_meta *m, struct sim_reply *r)
{
	sim_reply_header(r, "apim-request-id", "%.8s-%.4s-4%.3s-8%.3s-%.12s", m->request_id + 4,
			 m->request_id + 12, m->request_id + 16, m->request_id + 19,
			 m->request_id + 22);
	sim_reply_header(r, "x-request-id", "%s", m->request_id);
	sim_reply_header(r, "x-ratelimit-remaining-requests", "%ld", m->remaining_requests);
	sim_reply_header(r, "x-ratelimit-remaining-tokens", "%ld", m->remaining_tokens);
	sim_reply_header(r, "x-ms-region", "Local Loopback");
}

#define AZ_EMBED_SUFFIX "/embeddings"

static int az_embed_match(const char *method, const char *path)
{
	size_t n = strlen(path), pl = strlen(AZ_PREFIX), sl = strlen(AZ_EMBED_SUFFIX);

	return !strcmp(method, "POST") && n > pl + sl && !strncmp(path, AZ_PREFIX, pl) &&
	       !strcmp(path + n - sl, AZ_EMBED_SUFFIX) && !memchr(path + pl, '/', n - pl - sl);
}

/* The deployment names the model. */
static void az_embed(const struct sim_http *h, json_t *body, struct sim_reply *r)
{
	char deployment[128];

	if (!h->query(h->conn, "api-version")) {
		az_error(404, "not_found", "Resource not found", r);
		return;
	}
	sim_path_segment(h->url, AZ_PREFIX, '/', deployment, sizeof(deployment));
	sim_openai_embed_reply(json_object_get(body, "input"), deployment, r);
}

const struct sim_wire sim_wire_azure = {
	.name = "azure",
	.match = az_match,
	.auth = az_auth,
	.parse = az_parse,
	.render = az_render,
	.error = az_error,
	.headers = az_headers,
	.stream_error = sim_openai_stream_error,
	.embed_match = az_embed_match,
	.embed = az_embed,
};
