/* test_probe_embed.c: the probes' embeddings wire formats (build_embed / parse_embed) on the
 * vendors' recorded embeddings responses in tests/fixtures/vendors (OpenAI /embeddings, Gemini
 * batchEmbedContents, Ollama /api/embed) and on Bedrock's documented bodies; requests, batch
 * sizes and faults. */
#include "test_probe_fixture.h"

#include <math.h>

struct embed_fx {
	struct probe_answer a;
	struct probe_vectors v;
};

static void parse_body(const struct probe_ops *ops, const struct probe_target *t, size_t n,
		       long status, const char *body, size_t len, struct embed_fx *e)
{
	struct probe_response r = { .status = status, .body = body, .body_len = len };

	memset(e, 0, sizeof(*e));
	probe_answer_init(&e->a);
	ops->parse_embed(t, n, &r, &e->a, &e->v);
}

static void parse_file(const struct probe_ops *ops, const struct probe_target *t, size_t n,
		       const char *rel, struct embed_fx *e)
{
	struct fx x;

	fx_load(&x, rel, NULL, 200);
	parse_body(ops, t, n, 200, x.body, x.len, e);
	fx_release(&x);
}

static void embed_release(struct embed_fx *e)
{
	probe_answer_release(&e->a);
	probe_vectors_release(&e->v);
}

static int near(float got, double want)
{
	return fabs((double)got - want) < 1e-6;
}

static const struct probe_target openai_t = { .base_url = "https://api.openai.com/v1",
					      .model = "text-embedding-3-small",
					      .api_key = "sk-test" };

static void test_openai_recorded(void **state)
{
	struct embed_fx e;

	(void)state;
	parse_file(&probe_openai, &openai_t, 4, "openai-embeddings/embeddings-recorded.json", &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_int_equal(e.v.n, 4);
	assert_int_equal(e.v.dim, 1536);
	assert_true(near(e.v.v[0], 0.01400754));
	assert_int_equal(e.a.prompt_tokens, 56);
	fx_str_eq(e.a.model, "text-embedding-3-small", "model", "openai");
	assert_null(e.a.text);
	embed_release(&e);
	/* the same body for 3 texts is a malformed answer, not 3 of its 4 vectors */
	parse_file(&probe_openai, &openai_t, 3, "openai-embeddings/embeddings-recorded.json", &e);
	assert_int_equal(e.a.fault, PROBE_FAULT_MALFORMED);
	fx_str_eq(e.a.error_message, "4 embeddings for 3 texts", "message", "openai");
	assert_int_equal(e.v.n, 0);
	assert_null(e.v.v);
	embed_release(&e);
}

/* Rows are placed by their "index", whatever their order in data[]. */
static void test_openai_index_order(void **state)
{
	static const char body[] =
		"{\"data\":[{\"index\":1,\"embedding\":[0.5,0.5]},"
		"{\"index\":0,\"embedding\":[1,0]}],\"usage\":{\"prompt_tokens\":"
		"7}}";
	struct embed_fx e;

	(void)state;
	parse_body(&probe_openai, &openai_t, 2, 200, body, strlen(body), &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_true(near(e.v.v[0], 1.0) && near(e.v.v[1], 0.0) && near(e.v.v[2], 0.5));
	embed_release(&e);
}

static void test_openai_faults(void **state)
{
	static const char auth[] =
		"{\"error\":{\"message\":\"Incorrect API key provided\","
		"\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}"
		"}";
	static const char ragged[] = "{\"data\":[{\"index\":0,\"embedding\":[1,0]},{\"index\":1,"
				     "\"embedding\":[1,0,0]}]}";
	static const char text[] = "{\"data\":[{\"index\":0,\"embedding\":[1,\"x\"]}]}";
	struct embed_fx e;

	(void)state;
	parse_body(&probe_openai, &openai_t, 1, 401, auth, strlen(auth), &e);
	assert_int_equal(e.a.fault, PROBE_FAULT_AUTH);
	assert_null(e.a.text);
	embed_release(&e);
	parse_body(&probe_openai, &openai_t, 2, 200, ragged, strlen(ragged), &e);
	assert_int_equal(e.a.fault, PROBE_FAULT_MALFORMED);
	fx_str_eq(e.a.error_message, "embedding 1 has 3 dimensions, the first has 2", "message",
		  "ragged");
	embed_release(&e);
	parse_body(&probe_openai, &openai_t, 1, 200, text, strlen(text), &e);
	assert_int_equal(e.a.fault, PROBE_FAULT_MALFORMED);
	embed_release(&e);
	parse_body(&probe_openai, &openai_t, 1, 200, "[]", 2, &e);
	assert_int_equal(e.a.fault, PROBE_FAULT_MALFORMED);
	embed_release(&e);
}

static void test_openai_build(void **state)
{
	const char *texts[] = { "Paris", "Lyon" };
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	probe_request_init(&rq);
	assert_int_equal(probe_openai.build_embed(&openai_t, texts, 2, &rq, &err), 0);
	fx_str_eq(rq.url, "https://api.openai.com/v1/embeddings", "url", "openai");
	fx_str_eq(rq.body,
		  "{\"model\":\"text-embedding-3-small\",\"input\":[\"Paris\",\"Lyon\"],"
		  "\"encoding_format\":\"float\"}",
		  "body", "openai");
	fx_str_eq(probe_header_get(rq.headers, rq.n_headers, "authorization"), "Bearer sk-test",
		  "auth", "openai");
	probe_request_release(&rq);
	assert_int_equal(probe_openai.embed_batch(&openai_t), 2048);
}

static void test_azure_build(void **state)
{
	const struct probe_target t = { .base_url = "https://r.openai.azure.com",
					.model = "emb-deploy",
					.api_key = "az-key" };
	const char *texts[] = { "Paris" };
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	probe_request_init(&rq);
	assert_int_equal(probe_azure_openai.build_embed(&t, texts, 1, &rq, &err), 0);
	fx_str_eq(rq.url,
		  "https://r.openai.azure.com/openai/deployments/emb-deploy/embeddings?"
		  "api-version=2024-10-21",
		  "url", "azure");
	fx_str_eq(rq.body, "{\"input\":[\"Paris\"],\"encoding_format\":\"float\"}", "body",
		  "azure");
	fx_str_eq(probe_header_get(rq.headers, rq.n_headers, "api-key"), "az-key", "key", "azure");
	assert_null(probe_header_get(rq.headers, rq.n_headers, "authorization"));
	probe_request_release(&rq);
}

static const struct probe_target gemini_t = { .base_url = "https://g.example/v1beta",
					      .model = "text-embedding-004",
					      .api_key = "g-key" };

static void test_gemini(void **state)
{
	static const char one[] = "{\"embedding\":{\"values\":[0.25,-0.5,1]}}";
	const char *texts[] = { "a", "b" };
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	struct embed_fx e;

	(void)state;
	parse_file(&probe_gemini, &gemini_t, 4, "gemini/batchEmbedContents-recorded.json", &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_int_equal(e.v.n, 4);
	assert_int_equal(e.v.dim, 768);
	assert_true(near(e.v.v[0], 0.030170398));
	assert_true(near(e.v.v[768], -0.0038005246));
	embed_release(&e);
	parse_body(&probe_gemini, &gemini_t, 1, 200, one, strlen(one), &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_int_equal(e.v.dim, 3);
	embed_release(&e);
	probe_request_init(&rq);
	assert_int_equal(probe_gemini.build_embed(&gemini_t, texts, 2, &rq, &err), 0);
	fx_str_eq(rq.url, "https://g.example/v1beta/models/text-embedding-004:batchEmbedContents",
		  "url", "gemini");
	fx_str_eq(rq.body,
		  "{\"requests\":[{\"model\":\"models/text-embedding-004\",\"content\":{\"parts\":"
		  "[{\"text\":\"a\"}]}},{\"model\":\"models/text-embedding-004\",\"content\":{"
		  "\"parts\":[{\"text\":\"b\"}]}}]}",
		  "body", "gemini");
	fx_str_eq(probe_header_get(rq.headers, rq.n_headers, "x-goog-api-key"), "g-key", "key",
		  "gemini");
	probe_request_release(&rq);
	probe_request_init(&rq);
	assert_int_equal(probe_gemini.build_embed(&gemini_t, texts, 1, &rq, &err), 0);
	fx_str_eq(rq.url, "https://g.example/v1beta/models/text-embedding-004:embedContent", "url",
		  "gemini");
	fx_str_eq(rq.body, "{\"content\":{\"parts\":[{\"text\":\"a\"}]}}", "body", "gemini");
	probe_request_release(&rq);
	assert_int_equal(probe_gemini.embed_batch(&gemini_t), 100);
}

static void test_ollama(void **state)
{
	const struct probe_target t = { .base_url = "http://127.0.0.1:11434",
					.model = "all-minilm" };
	const char *texts[] = { "a" };
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	struct embed_fx e;

	(void)state;
	parse_file(&probe_ollama, &t, 4, "ollama/api-embed-recorded.json", &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_int_equal(e.v.n, 4);
	assert_int_equal(e.v.dim, 384);
	assert_true(near(e.v.v[384], -0.04764529));
	assert_int_equal(e.a.prompt_tokens, 54);
	embed_release(&e);
	probe_request_init(&rq);
	assert_int_equal(probe_ollama.build_embed(&t, texts, 1, &rq, &err), 0);
	fx_str_eq(rq.url, "http://127.0.0.1:11434/api/embed", "url", "ollama");
	fx_str_eq(rq.body, "{\"model\":\"all-minilm\",\"input\":[\"a\"]}", "body", "ollama");
	probe_request_release(&rq);
}

/* No recorded Bedrock embeddings response is available: these bodies follow the documented
 * shapes (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html,
 * model-parameters-embed.html). */
static void test_bedrock(void **state)
{
	static const char titan[] = "{\"embedding\":[0.1,0.2,0.3],\"inputTextTokenCount\":5,"
				    "\"embeddingsByType\":{\"float\":[0.1,0.2,0.3]}}";
	static const char cohere[] = "{\"id\":\"e1\",\"texts\":[\"a\",\"b\"],\"embeddings\":[[1,0],"
				     "[0,1]],\"response_type\":\"embeddings_floats\"}";
	const struct probe_target tt = { .base_url = "http://127.0.0.1:1",
					 .model = "amazon.titan-embed-text-v2:0",
					 .api_key = "brk-key" };
	const struct probe_target ct = { .base_url = "http://127.0.0.1:1",
					 .model = "cohere.embed-english-v3",
					 .api_key = "brk-key" };
	const char *texts[] = { "a", "b" };
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	struct embed_fx e;

	(void)state;
	parse_body(&probe_bedrock, &tt, 1, 200, titan, strlen(titan), &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_int_equal(e.v.dim, 3);
	assert_int_equal(e.a.prompt_tokens, 5);
	embed_release(&e);
	parse_body(&probe_bedrock, &ct, 2, 200, cohere, strlen(cohere), &e);
	assert_int_equal(e.a.fault, PROBE_OK);
	assert_int_equal(e.v.n, 2);
	embed_release(&e);
	assert_int_equal(probe_bedrock.embed_batch(&tt), 1);
	assert_int_equal(probe_bedrock.embed_batch(&ct), 96);
	probe_request_init(&rq);
	assert_int_equal(probe_bedrock.build_embed(&tt, texts, 1, &rq, &err), 0);
	fx_str_eq(rq.url, "http://127.0.0.1:1/model/amazon.titan-embed-text-v2%3A0/invoke", "url",
		  "titan");
	fx_str_eq(rq.body, "{\"inputText\":\"a\"}", "body", "titan");
	probe_request_release(&rq);
	probe_request_init(&rq);
	assert_int_equal(probe_bedrock.build_embed(&tt, texts, 2, &rq, &err), -1);
	probe_request_release(&rq);
	pl_err_init(&err);
	probe_request_init(&rq);
	assert_int_equal(probe_bedrock.build_embed(&ct, texts, 2, &rq, &err), 0);
	fx_str_eq(rq.body, "{\"texts\":[\"a\",\"b\"],\"input_type\":\"search_document\"}", "body",
		  "cohere");
	probe_request_release(&rq);
}

/* Anthropic has no embeddings API: its probe leaves the slots empty. */
static void test_anthropic_none(void **state)
{
	(void)state;
	assert_null(probe_anthropic.build_embed);
	assert_null(probe_anthropic.parse_embed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_recorded), cmocka_unit_test(test_openai_index_order),
		cmocka_unit_test(test_openai_faults),	cmocka_unit_test(test_openai_build),
		cmocka_unit_test(test_azure_build),	cmocka_unit_test(test_gemini),
		cmocka_unit_test(test_ollama),		cmocka_unit_test(test_bedrock),
		cmocka_unit_test(test_anthropic_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
