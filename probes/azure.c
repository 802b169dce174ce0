/* azure.c: the "azure-openai" probe: Azure OpenAI chat completions. The wire body is OpenAI's,
 * so this wraps probe_openai and adds the deployment URL, api-version, the api-key header and
 * Azure's content-filter results. */
#include "probe.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

#define AZURE_DEFAULT_API_VERSION "2024-10-21"

/* The deployment's base URL in base (cleared first); -1 when the model (deployment) is missing. */
static int deployment_base(const struct probe_target *t, struct sbuf *base, struct pl_err *err)
{
	if (!t->model || !*t->model)
		return pl_err_set(err, PL_E_INPUT, NULL,
				  "azure-openai needs the deployment name as its model");
	sbuf_addf(base, "%s/openai/deployments/%s", t->base_url ? t->base_url : "", t->model);
	return 0;
}

/* Appends api-version to out's URL and adds the api-key header (Azure takes the key there, not
 * in Authorization). base is scratch space. */
static void add_version_and_key(const struct probe_target *t, struct sbuf *base,
				struct probe_request *out)
{
	sbuf_reset(base);
	sbuf_addf(base, "%s?api-version=%s", out->url,
		  t->api_version ? t->api_version : AZURE_DEFAULT_API_VERSION);
	free(out->url);
	out->url = sbuf_detach(base, NULL);
	if (t->api_key)
		probe_request_add_header(out, "api-key", t->api_key);
}

/* The wire is OpenAI's chat completions: what that refuses, Azure refuses. */
static int azure_check_prompt(const struct probe_target *t, const struct probe_prompt *p,
			      struct pl_err *err)
{
	struct probe_target chat = *t;

	chat.api = NULL;
	return probe_check_prompt(&probe_openai, &chat, p, err);
}

static int azure_build(const struct probe_target *t, const struct probe_prompt *p,
		       struct probe_request *out, struct pl_err *err)
{
	struct probe_target chat = *t;
	struct sbuf base;
	int ret;

	sbuf_init(&base);
	/* first, under azure's own name and range (openai's build checks again, as openai) */
	ret = probe_check_prompt(&probe_azure_openai, t, p, err);
	if (!ret)
		ret = deployment_base(t, &base, err);
	if (ret)
		goto out;
	chat.base_url = base.buf;
	chat.api = NULL;
	chat.api_key = NULL;
	ret = probe_openai.build(&chat, p, out, err);
	if (!ret)
		add_version_and_key(t, &base, out);
out:
	sbuf_release(&base);
	return ret;
}

/* Appends the filtered categories of a content_filter_results object to why. */
static void filtered(const json_t *results, const char *side, struct sbuf *why)
{
	const char *cat;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)results, cat, v)
	{
		if (!json_is_true(json_object_get(v, "filtered")))
			continue;
		if (first)
			sbuf_addf(why, "%s%s filtered: ", why->len ? "; " : "", side);
		sbuf_addf(why, "%s%s", first ? "" : ",", cat);
		first = 0;
	}
}

/* prompt_filter_results[] and choices[0].content_filter_results: a filtered category means
 * Azure's safety layer cut the answer (behaviour, not a fault). */
static void filter_results(const json_t *root, struct probe_answer *a)
{
	const json_t *pfr = json_object_get(root, "prompt_filter_results"), *c0, *item;
	struct sbuf why;
	size_t i;

	sbuf_init(&why);
	json_array_foreach(pfr, i, item)
		filtered(json_object_get(item, "content_filter_results"), "prompt", &why);
	c0 = json_array_get(json_object_get(root, "choices"), 0);
	filtered(json_object_get(c0, "content_filter_results"), "completion", &why);
	if (why.len) {
		a->blocked = 1;
		free(a->block_reason);
		a->block_reason = sbuf_detach(&why, NULL);
	}
	sbuf_release(&why);
}

static int contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			return 1;
	return 0;
}

static void azure_parse(const struct probe_target *t, const struct probe_prompt *p,
			const struct probe_response *r, struct probe_answer *a)
{
	struct probe_target chat = *t;
	json_t *root;

	chat.api = NULL;
	probe_openai.parse(&chat, p, r, a);
	if ((a->fault == PROBE_FAULT_REQUEST || a->fault == PROBE_FAULT_CONTENT_FILTER) &&
	    r->status == 400 && r->body && contains(r->body, r->body_len, "content_filter")) {
		/* The filter refused the prompt: the vendor's safety layer answered, as Gemini's
		 * promptFeedback.blockReason does. Behaviour, not a fault: a filter that starts
		 * blocking a golden prompt is a change, which a fault (an incomplete night, out
		 * of the history) could never show. Azure's documented error is not always valid
		 * JSON (line breaks in the message); a 400 naming content_filter is the filter
		 * either way, its categories named when they can be read. */
		const json_t *inner;
		struct sbuf why;

		root = probe_json_body(r);
		inner = json_object_get(json_object_get(root, "error"), "innererror");
		sbuf_init(&why);
		/* (Azure's pages show both spellings) */
		filtered(json_object_get(inner, "content_filter_results"), "prompt", &why);
		if (!why.len)
			filtered(json_object_get(inner, "content_filter_result"), "prompt", &why);
		json_decref(root);
		if (!why.len)
			sbuf_addstr(&why, "prompt filtered: content_filter");
		a->fault = PROBE_OK;
		free(a->error_type);
		free(a->error_message);
		a->error_type = a->error_message = NULL;
		free(a->text);
		a->text = xstrdup("");
		a->blocked = 1;
		free(a->block_reason);
		a->block_reason = sbuf_detach(&why, NULL);
		free(a->finish_reason);
		a->finish_reason = xstrdup("content_filter");
		sbuf_release(&why);
		return;
	}
	if (a->fault != PROBE_OK || probe_is_stream(p, r, "text/event-stream"))
		return;
	root = probe_json_body(r);
	if (root)
		filter_results(root, a);
	json_decref(root);
}

/* Embeddings: the deployment's /embeddings with api-version and the api-key header. */
static int azure_build_embed(const struct probe_target *t, const char *const *texts, size_t n,
			     struct probe_request *out, struct pl_err *err)
{
	struct probe_target e = *t;
	struct sbuf base;
	int ret;

	sbuf_init(&base);
	ret = deployment_base(t, &base, err);
	if (ret)
		goto out;
	e.base_url = base.buf;
	e.model = NULL; /* the deployment names the model */
	e.api_key = NULL;
	ret = probe_openai.build_embed(&e, texts, n, out, err);
	if (!ret)
		add_version_and_key(t, &base, out);
out:
	sbuf_release(&base);
	return ret;
}

static void azure_parse_embed(const struct probe_target *t, size_t n,
			      const struct probe_response *r, struct probe_answer *a,
			      struct probe_vectors *out)
{
	struct probe_target e = *t;

	e.api = NULL;
	probe_openai.parse_embed(&e, n, r, a, out);
}

/* Azure OpenAI documents the same limit as OpenAI for current api-versions: 2048 inputs. */
static size_t azure_embed_batch(const struct probe_target *t)
{
	return probe_openai.embed_batch(t);
}

const struct probe_ops probe_azure_openai = {
	.name = "azure-openai",
	.flags = PROBE_F_SEED | PROBE_F_LOGPROBS | PROBE_F_STREAM | PROBE_F_SCHEMA |
		 PROBE_F_API_VERSION,
	.build = azure_build,
	.parse = azure_parse,
	.build_embed = azure_build_embed,
	.parse_embed = azure_parse_embed,
	.embed_batch = azure_embed_batch,
	.check_prompt = azure_check_prompt,
	.temperature_max = 2, /* OpenAI's chat completions body: 0 to 2 */
};
