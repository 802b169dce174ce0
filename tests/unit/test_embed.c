/* test_embed.c: the embeddings client against the in-process simulator: batches of the
 * vendor's documented size, the cache by text hash, budgets, an auth failure that stops it at
 * once; and a baseline's stored embeddings (written sorted and stable, read back only for the
 * same vendor and model, a malformed file located). */
#include "config.h"
#include "embed.h"
#include "http.h"
#include "sbuf.h"
#include "sim.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct sim *sim;
	char *dir, *path;
	struct config *cfg;
};

static enum sim_fault fx_fault = SIM_FAULT_NONE; /* the next fx_start's, for its first 0.3 s */

/* A simulator and a config whose vendor "e" (probe, model) embeds with it. */
static void fx_start(struct fx *f, const char *probe, const char *model, const char *key)
{
	struct sim_opts o;
	struct pl_err err = PL_ERR_INIT;
	char text[1024];
	int port;

	sim_opts_init(&o);
	o.require_key = key;
	o.fault = fx_fault;
	o.fault_rate = 1;
	o.fault_for_s = 0.3;
	fx_fault = SIM_FAULT_NONE;
	f->sim = sim_start(&o, &port, &err);
	assert_non_null(f->sim);
	f->dir = tu_tmpdir();
	snprintf(
		text, sizeof(text),
		"{\"vendors\": [{\"id\": \"e\", \"probe\": \"%s\", \"base_url\": "
		"\"http://127.0.0.1:%d%s\", \"model\": \"chat\", \"api_key_env\": "
		"\"PL_TEST_EMBED_KEY\", \"retries\": 1, \"prices\": {\"input_per_mtok\": 0.02}%s}],\n"
		" \"embeddings\": {\"vendor\": \"e\", \"model\": \"%s\"}}\n",
		probe, port, strcmp(probe, "openai") ? "" : "/v1",
		strcmp(probe, "bedrock") ? "" : ", \"region\": \"us-east-1\"", model);
	f->path = tu_write(f->dir, "c.json", text);
	f->cfg = config_load(f->path, &err);
	if (!f->cfg)
		fail_msg("config: %s", err.msg);
}

static void fx_stop(struct fx *f)
{
	config_free(f->cfg);
	sim_stop(f->sim);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f->path);
}

static const char *const texts[] = { "The capital of France is Paris.",
				     "Paris is the capital of France.", "",
				     "The capital of France is Paris.",
				     "Bananas are a yellow fruit." };

static double cosine(const float *a, const float *b, size_t dim)
{
	double d = 0;

	for (size_t i = 0; i < dim; i++)
		d += (double)a[i] * b[i];
	return d;
}

/* OpenAI: one request for the three distinct texts; an empty text gets no row; a repeated text
 * is sent once; a second call is answered from the cache. */
static void test_batch_and_cache(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct embedder *e;
	const float *rows[5];
	const struct embed_stats *st;

	(void)state;
	setenv("PL_TEST_EMBED_KEY", "k1", 1);
	fx_start(&f, "openai", "text-embedding-3-small", NULL);
	e = embedder_new(f.cfg, NULL, &err);
	assert_non_null(e);
	assert_int_equal(embedder_embed(e, texts, 5, rows, &err), 0);
	st = embedder_stats(e);
	assert_int_equal(st->requests, 1);
	assert_int_equal(st->texts, 3);
	assert_non_null(rows[0]);
	assert_null(rows[2]);
	assert_ptr_equal(rows[0], rows[3]);
	assert_int_equal(embedder_dim(e), 256);
	assert_true(cosine(rows[0], rows[1], 256) > 0.8);
	assert_true(cosine(rows[0], rows[4], 256) < 0.3);
	assert_true(st->tokens > 0 && st->cost > 0);
	assert_int_equal(embedder_embed(e, texts, 2, rows, &err), 0);
	assert_int_equal(st->requests, 1);
	assert_int_equal(st->cached, 1 + 2);
	embedder_free(e);
	fx_stop(&f);
}

/* Bedrock Titan takes one text per request: three distinct texts, three requests. */
static void test_titan_one_per_request(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct embedder *e;
	const float *rows[5];

	(void)state;
	setenv("PL_TEST_EMBED_KEY", "bedrock-api-key", 1);
	fx_start(&f, "bedrock", "amazon.titan-embed-text-v2:0", NULL);
	e = embedder_new(f.cfg, NULL, &err);
	assert_non_null(e);
	assert_int_equal(embedder_embed(e, texts, 5, rows, &err), 0);
	assert_int_equal(embedder_stats(e)->requests, 3);
	assert_non_null(rows[4]);
	embedder_free(e);
	fx_stop(&f);
}

/* A wrong key: one request, then every later call fails at once, naming the vendor. */
static void test_auth_stops(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct embedder *e;
	const float *rows[5];

	(void)state;
	setenv("PL_TEST_EMBED_KEY", "wrong", 1);
	fx_start(&f, "openai", "text-embedding-3-small", "right");
	e = embedder_new(f.cfg, NULL, &err);
	assert_non_null(e);
	assert_int_equal(embedder_embed(e, texts, 2, rows, &err), -1);
	assert_int_equal(err.code, PL_E_VENDOR);
	assert_non_null(strstr(err.msg, "embeddings vendor \"e\": authentication failed (auth"));
	assert_null(strstr(err.msg, "wrong"));
	assert_int_equal(embedder_stats(e)->requests, 1);
	pl_err_init(&err);
	assert_int_equal(embedder_embed(e, texts + 4, 1, rows, &err), -1);
	assert_int_equal(embedder_stats(e)->requests, 1);
	embedder_free(e);
	fx_stop(&f);
}

/* A 429 with Retry-After is retried after the wait it asks for, and counted as a fault of the
 * embeddings endpoint. */
static void test_retry(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct embedder *e;
	const float *rows[5];

	(void)state;
	setenv("PL_TEST_EMBED_KEY", "k1", 1);
	fx_fault = SIM_FAULT_429;
	fx_start(&f, "openai", "text-embedding-3-small", NULL);
	e = embedder_new(f.cfg, NULL, &err);
	assert_non_null(e);
	assert_int_equal(embedder_embed(e, texts, 2, rows, &err), 0);
	assert_int_equal(embedder_stats(e)->requests, 2);
	assert_int_equal(embedder_stats(e)->faults, 1);
	assert_non_null(rows[1]);
	embedder_free(e);
	fx_stop(&f);
}

/* The request budget stops the embedder before it sends over it. */
static void test_budget(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct embed_budget b = { .max_requests = 2 };
	struct embedder *e;
	const float *rows[5];

	(void)state;
	setenv("PL_TEST_EMBED_KEY", "bedrock-api-key", 1);
	fx_start(&f, "bedrock", "amazon.titan-embed-text-v2:0", NULL);
	e = embedder_new(f.cfg, &b, &err);
	assert_non_null(e);
	assert_int_equal(embedder_embed(e, texts, 5, rows, &err), -1);
	assert_string_equal(err.msg,
			    "embeddings not computed: request budget reached (max_requests 2)");
	assert_int_equal(embedder_stats(e)->requests, 2);
	assert_non_null(rows[0]);
	assert_null(rows[4]);
	embedder_free(e);
	fx_stop(&f);
}

/* Written stable (the same bytes for the same vectors in any order), read back for the same
 * model only; a malformed file is located. */
static void test_store(void **state)
{
	static const char *const ids[] = { "q2", "q1", "q1", "q1" };
	static const char *const st_texts[] = { "Bananas are a yellow fruit.",
						"Paris is the capital of France.",
						"The capital of France is Paris.",
						"Paris is the capital of France." };
	static const char *const rev_ids[] = { "q1", "q1", "q2" };
	static const char *const rev_texts[] = { "The capital of France is Paris.",
						 "Paris is the capital of France.",
						 "Bananas are a yellow fruit." };
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct embedder *e, *e2;
	const float *rows[4];
	char *store, *a, *b, *bad;
	size_t la, lb;
	int stale;
	json_t *root;

	(void)state;
	setenv("PL_TEST_EMBED_KEY", "k1", 1);
	fx_start(&f, "openai", "text-embedding-3-small", NULL);
	store = tu_write(f.dir, "s.embeddings.json", "");
	e = embedder_new(f.cfg, NULL, &err);
	assert_int_equal(embedder_embed(e, st_texts, 4, rows, &err), 0);
	assert_int_equal(embed_store_write(e, store, ids, st_texts, 4, &err), 0);
	a = tu_read(store, &la);
	assert_int_equal(embed_store_write(e, store, rev_ids, rev_texts, 3, &err), 0);
	b = tu_read(store, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	root = json_loads(a, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(root, "model")),
			    "text-embedding-3-small");
	assert_int_equal(json_array_size(json_object_get(json_object_get(root, "prompts"), "q1")),
			 2);
	json_decref(root);
	/* a new embedder reads every vector back, bit for bit */
	e2 = embedder_new(f.cfg, NULL, &err);
	assert_int_equal(embed_store_load(e2, store, &stale, &err), 3);
	assert_int_equal(stale, 0);
	assert_memory_equal(embedder_lookup(e2, st_texts[0]), rows[0], 256 * sizeof(float));
	embedder_free(e2);
	embedder_free(e);
	/* another model: nothing read, stale said */
	free(f.cfg->embed_model);
	f.cfg->embed_model = xstrdup("text-embedding-3-large");
	e2 = embedder_new(f.cfg, NULL, &err);
	assert_int_equal(embed_store_load(e2, store, &stale, &err), 0);
	assert_int_equal(stale, 1);
	assert_null(embedder_lookup(e2, st_texts[0]));
	/* malformed */
	bad = tu_write(f.dir, "bad.embeddings.json", "{\"format\": \"x\"}");
	assert_int_equal(embed_store_load(e2, bad, &stale, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	assert_string_equal(err.where, bad);
	embedder_free(e2);
	free(a);
	free(b);
	free(bad);
	free(store);
	fx_stop(&f);
}

static void test_store_path(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(embed_store_path("b/v/m/suite.json", buf, sizeof(buf)),
			    "b/v/m/suite.embeddings.json");
}

static int setup(void **state)
{
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	return http_global_init(&err);
}

static int teardown(void **state)
{
	(void)state;
	http_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_and_cache),
		cmocka_unit_test(test_titan_one_per_request),
		cmocka_unit_test(test_auth_stops),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
