/* embed.c: the embeddings client: batched requests through the embeddings vendor's probe,
 * retries, pacing, a cache by text hash, budgets; and a baseline's stored embeddings. */
#include "embed.h"
#include "baseline.h"
#include "fileio.h"
#include "hash.h"
#include "hex.h"
#include "http.h"
#include "probe.h"
#include "redact.h"
#include "rng.h"
#include "sbuf.h"
#include "suite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EMBED_BACKOFF_BASE_MS 500.0
#define EMBED_BACKOFF_MAX_MS  5000.0
/* The nightly run embeds between turns of its event loop, so a call holds the judged
 * vendors' transfers: retries stop once this long has gone by since the first attempt. */
#define EMBED_RETRY_WINDOW_S  20.0
#define EMBED_STORE_MAX_BYTES (512u << 20)

struct embedder {
	struct config *cfg;
	const struct vendor *v;
	const struct probe_ops *ops;
	struct probe_target t;
	struct embed_budget budget;
	struct embed_stats st;
	struct http *h;
	struct http_xfer *x;
	struct rng rng;
	double next_send; /* monotonic seconds: rpm pacing */
	char failed[512]; /* set after an auth fault or a budget stop: every later call fails */
	/* the cache: text SHA-256 (hex) -> row */
	struct hmap index;
	float **rows;
	size_t n_rows, cap_rows, dim;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0)
		;
}

struct embedder *embedder_new(struct config *cfg, const struct embed_budget *b, struct pl_err *err)
{
	struct embedder *e = NULL;
	const struct vendor *v = cfg->embed_vendor ? config_vendor(cfg, cfg->embed_vendor) : NULL;
	const char *id;
	char where[512];

	if (!v) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "no embeddings vendor");
		return NULL;
	}
	id = v->id;
	if (config_load_secrets(cfg, &id, 1, err) < 0)
		return NULL;
	if (b && config_vendor_cost_check(
			 v, b->max_cost,
			 config_where(cfg, "/embeddings/vendor", where, sizeof(where)), err) < 0)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->cfg = cfg;
	e->v = v;
	e->ops = probe_find(v->probe);
	e->t.base_url = v->base_url;
	e->t.model = cfg->embed_model;
	e->t.api_key = v->api_key;
	e->t.api_version = v->api_version;
	e->t.region = v->region;
	e->t.api = v->api;
	if (b)
		e->budget = *b;
	rng_seed(&e->rng, (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)e);
	hmap_init(&e->index);
	e->h = http_new(err);
	if (!e->h) {
		embedder_free(e);
		return NULL;
	}
	e->x = http_xfer_new();
	return e;
}

void embedder_free(struct embedder *e)
{
	size_t i;

	if (!e)
		return;
	http_xfer_free(e->x);
	http_free(e->h);
	for (i = 0; i < e->n_rows; i++)
		free(e->rows[i]);
	free(e->rows);
	hmap_release(&e->index);
	free(e);
}

size_t embedder_dim(const struct embedder *e)
{
	return e->dim;
}

const struct embed_stats *embedder_stats(const struct embedder *e)
{
	return &e->st;
}

static const float *lookup_sha(const struct embedder *e, const char *sha)
{
	size_t r;

	return hmap_get(&e->index, sha, &r) ? e->rows[r] : NULL;
}

const float *embedder_lookup(const struct embedder *e, const char *text)
{
	char sha[65];

	hex_sha256(text, strlen(text), sha);
	return lookup_sha(e, sha);
}

/* Caches a copy of v (dim floats) under sha. Returns -1 when dim differs from the cache's. */
static int cache_put(struct embedder *e, const char *sha, const float *v, size_t dim)
{
	if (e->dim && dim != e->dim)
		return -1;
	if (lookup_sha(e, sha))
		return 0;
	e->dim = dim;
	if (e->n_rows == e->cap_rows) {
		e->cap_rows = 2 * e->cap_rows + 64;
		e->rows = xrealloc(e->rows, e->cap_rows * sizeof(*e->rows));
	}
	e->rows[e->n_rows] = xmalloc(dim * sizeof(float));
	memcpy(e->rows[e->n_rows], v, dim * sizeof(float));
	hmap_put(&e->index, sha, e->n_rows);
	e->n_rows++;
	return 0;
}

/* Waits for the single transfer to finish. */
struct wait_ctx {
	int done;
};

static void on_done(void *ctx, struct http_xfer *x, void *user)
{
	(void)x;
	(void)user;
	((struct wait_ctx *)ctx)->done = 1;
}

static double backoff_s(struct embedder *e, int attempt, long retry_after_ms)
{
	double unit = (double)(rng_next(&e->rng) >> 11) * (1.0 / 9007199254740992.0);

	return http_backoff_s(unit, EMBED_BACKOFF_BASE_MS, EMBED_BACKOFF_MAX_MS, attempt,
			      retry_after_ms);
}

static long estimate_tokens(const char *const *texts, size_t n)
{
	long t = 0;
	size_t i;

	for (i = 0; i < n; i++)
		t += (long)(strlen(texts[i]) / 4) + 1;
	return t;
}

static int budget_stop(struct embedder *e, long tokens, struct pl_err *err)
{
	const struct embed_budget *b = &e->budget;
	double cost = (double)tokens * e->v->price_in_per_mtok / 1e6;

	if (b->max_requests > 0 && (long)e->st.requests + 1 > b->max_requests)
		snprintf(e->failed, sizeof(e->failed),
			 "embeddings not computed: request budget reached (max_requests %ld)",
			 b->max_requests);
	else if (b->max_tokens > 0 && e->st.tokens + tokens > b->max_tokens)
		snprintf(e->failed, sizeof(e->failed),
			 "embeddings not computed: token budget reached (max_tokens %ld)",
			 b->max_tokens);
	else if (b->max_cost > 0 && e->st.cost + cost > b->max_cost)
		snprintf(e->failed, sizeof(e->failed),
			 "embeddings not computed: cost budget reached (max_cost %.4f)",
			 b->max_cost);
	else
		return 0;
	return pl_err_set(err, PL_E_VENDOR, "embeddings", "%s", e->failed);
}

/* One request for texts[0..n), retried; caches the vectors. */
static int send_batch(struct embedder *e, const char *const *texts, const char *const *shas,
		      size_t n, struct pl_err *err)
{
	struct http_opts o = { e->v->timeout_ms, e->v->connect_timeout_ms, e->v->max_response_bytes,
			       e->v->ca_file };
	int attempt, rc = -1;
	char msg[400] = "";
	double start = now_s(), wait;

	for (attempt = 1; attempt <= 1 + e->v->retries; attempt++) {
		struct probe_request rq;
		struct probe_answer a;
		struct probe_vectors pv;
		struct wait_ctx w = { 0 };
		enum probe_fault f;
		long est = estimate_tokens(texts, n), retry_after;
		size_t i;

		if (budget_stop(e, est, err) < 0)
			return -1;
		if (e->v->rpm > 0) {
			sleep_s(e->next_send - now_s());
			e->next_send = now_s() + 60.0 / e->v->rpm;
		}
		probe_request_init(&rq);
		probe_answer_init(&a);
		memset(&pv, 0, sizeof(pv));
		if (e->ops->build_embed(&e->t, texts, n, &rq, err) < 0) {
			probe_request_release(&rq);
			return -1;
		}
		e->st.requests++;
		if (http_start(e->h, e->x, &rq, &o, NULL, err) < 0) {
			probe_request_release(&rq);
			return -1;
		}
		while (!w.done)
			if (http_poll(e->h, 1000, on_done, &w, err) < 0) {
				probe_request_release(&rq);
				return -1;
			}
		f = http_xfer_fault(e->x);
		if (f == PROBE_OK) {
			e->ops->parse_embed(&e->t, n, http_xfer_response(e->x), &a, &pv);
			probe_answer_redact(&a);
			f = a.fault;
			snprintf(msg, sizeof(msg), "%s%s%s", probe_fault_name(f),
				 a.error_message ? ": " : "",
				 a.error_message ? a.error_message : "");
		} else {
			a.fault = f;
			snprintf(msg, sizeof(msg), "%s: %s", probe_fault_name(f),
				 http_xfer_error(e->x));
		}
		if (f == PROBE_OK) {
			e->st.texts += n;
			e->st.tokens += a.prompt_tokens >= 0 ? a.prompt_tokens : est;
			e->st.cost += (double)(a.prompt_tokens >= 0 ? a.prompt_tokens : est) *
				      e->v->price_in_per_mtok / 1e6;
			for (i = 0; i < n; i++)
				if (cache_put(e, shas[i], pv.v + i * pv.dim, pv.dim) < 0) {
					snprintf(
						msg, sizeof(msg),
						"the embeddings have %zu dimensions, earlier ones %zu",
						pv.dim, e->dim);
					f = PROBE_FAULT_MALFORMED;
					break;
				}
			if (f == PROBE_OK)
				rc = 0;
		} else {
			e->st.faults++;
		}
		retry_after = a.retry_after_ms;
		probe_answer_release(&a);
		probe_vectors_release(&pv);
		probe_request_release(&rq);
		if (rc == 0)
			return 0;
		if (f == PROBE_FAULT_AUTH) {
			snprintf(e->failed, sizeof(e->failed),
				 "embeddings vendor \"%s\": authentication failed (%s)", e->v->id,
				 msg);
			return pl_err_set(err, PL_E_VENDOR, "embeddings", "%s", e->failed);
		}
		if (!probe_fault_retryable(f) || attempt > e->v->retries)
			break;
		wait = backoff_s(e, attempt, retry_after);
		if (now_s() - start + wait > EMBED_RETRY_WINDOW_S)
			break;
		sleep_s(wait);
	}
	return pl_err_set(err, PL_E_VENDOR, "embeddings", "embeddings vendor \"%s\": %s", e->v->id,
			  msg);
}

int embedder_embed(struct embedder *e, const char *const *texts, size_t n, const float **rows,
		   struct pl_err *err)
{
	const char **todo = xcalloc(n + 1, sizeof(*todo));
	char(*shas)[65] = xcalloc(n + 1, sizeof(*shas));
	const char **todo_sha = xcalloc(n + 1, sizeof(*todo_sha));
	size_t i, j, k = 0, batch;
	struct hmap pending = HMAP_INIT;
	int rc = 0;

	for (i = 0; i < n; i++) {
		rows[i] = NULL;
		if (!texts[i][0])
			continue;
		hex_sha256(texts[i], strlen(texts[i]), shas[i]);
		if (lookup_sha(e, shas[i])) {
			e->st.cached++;
			continue;
		}
		if (hmap_get(&pending, shas[i], NULL)) {
			e->st.cached++; /* the same text twice in this call: sent once */
			continue;
		}
		hmap_put(&pending, shas[i], i);
		todo[k] = texts[i];
		todo_sha[k] = shas[i];
		k++;
	}
	if (k && e->failed[0]) {
		rc = pl_err_set(err, PL_E_VENDOR, "embeddings", "%s", e->failed);
		k = 0;
	}
	batch = e->ops->embed_batch(&e->t);
	if (batch < 1)
		batch = 1;
	for (j = 0; j < k; j += batch)
		if (send_batch(e, todo + j, todo_sha + j, k - j < batch ? k - j : batch, err) < 0) {
			rc = -1;
			break;
		}
	for (i = 0; i < n; i++)
		if (texts[i][0])
			rows[i] = lookup_sha(e, shas[i]);
	hmap_release(&pending);
	free(todo);
	free(todo_sha);
	free(shas);
	return rc;
}

json_t *embedder_report(const struct embedder *e)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "vendor", e->v->id,
			 "model", e->t.model, "dim", (json_int_t)e->dim, "requests",
			 (json_int_t)e->st.requests, "texts", (json_int_t)e->st.texts, "cached",
			 (json_int_t)e->st.cached, "faults", (json_int_t)e->st.faults, "tokens",
			 (json_int_t)e->st.tokens, "cost", round(e->st.cost * 1e6) / 1e6);
}

/* ---- the stored baseline embeddings ---- */

const char *embed_store_path(const char *baseline_path, char *buf, size_t len)
{
	size_t n = strlen(baseline_path);

	if (n >= 5 && !strcmp(baseline_path + n - 5, ".json"))
		n -= 5;
	snprintf(buf, len, "%.*s.embeddings.json", (int)n, baseline_path);
	return buf;
}

static int store_fail(const char *path, struct pl_err *err, const char *what)
{
	return pl_err_set(err, PL_E_INPUT, path,
			  "malformed stored embeddings: %s (delete the "
			  "file to embed the baseline again)",
			  what);
}

long embed_store_load(struct embedder *e, const char *path, int *stale, struct pl_err *err)
{
	char *text = NULL;
	size_t len, i;
	json_t *root = NULL, *prompts, *rows, *row;
	const char *id;
	long got = 0;
	float *v = NULL;
	size_t dim;

	*stale = 0;
	if (!fileio_exists(path))
		return 0;
	if (fileio_read_all(path, EMBED_STORE_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	root = json_loadb(text, len, 0, NULL);
	if (!json_is_object(root) || !json_is_string(json_object_get(root, "format")) ||
	    strcmp(json_string_value(json_object_get(root, "format")), EMBED_STORE_FORMAT)) {
		got = store_fail(path, err, "not a " EMBED_STORE_FORMAT " file");
		goto out;
	}
	if (!json_is_string(json_object_get(root, "vendor")) ||
	    !json_is_string(json_object_get(root, "model")) ||
	    strcmp(json_string_value(json_object_get(root, "vendor")), e->v->id) ||
	    strcmp(json_string_value(json_object_get(root, "model")), e->t.model)) {
		*stale = 1; /* another embeddings model: embedded again */
		goto out;
	}
	dim = (size_t)json_integer_value(json_object_get(root, "dim"));
	prompts = json_object_get(root, "prompts");
	if (dim < 1 || dim > PROBE_EMBED_DIM_MAX || !json_is_object(prompts)) {
		got = store_fail(path, err, "no dim or prompts");
		goto out;
	}
	v = xcalloc(dim, sizeof(*v));
	json_object_foreach(prompts, id, rows)
	{
		size_t r;

		json_array_foreach(rows, r, row)
		{
			const char *sha = json_string_value(json_object_get(row, "sha256"));
			const json_t *vec = json_object_get(row, "vector");

			if (!sha || strlen(sha) != 64 || json_array_size(vec) != dim) {
				got = store_fail(path, err,
						 "a vector without sha256 or of another dim");
				goto out;
			}
			for (i = 0; i < dim; i++) {
				double d = json_number_value(json_array_get(vec, i));

				if (!json_is_number(json_array_get(vec, i)) || !isfinite(d) ||
				    fabs(d) > 3.4e38) {
					got = store_fail(path, err, "a value that is not a number");
					goto out;
				}
				v[i] = (float)d;
			}
			if (cache_put(e, sha, v, dim) < 0) {
				*stale = 1;
				goto out;
			}
			got++;
		}
	}
out:
	free(v);
	json_decref(root);
	free(text);
	return got;
}

struct store_row {
	const char *id;
	char sha[65];
	const float *v;
};

static int cmp_row(const void *a, const void *b)
{
	const struct store_row *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->sha, y->sha);
}

int embed_store_write(const struct embedder *e, const char *path, const char *const *ids,
		      const char *const *texts, size_t n, struct pl_err *err)
{
	struct store_row *r = xcalloc(n + 1, sizeof(*r));
	json_t *root, *prompts = json_object(), *arr = NULL;
	struct sbuf sb = SBUF_INIT;
	size_t i, k = 0, d;
	char *out = NULL;
	int rc;

	for (i = 0; i < n; i++) {
		hex_sha256(texts[i], strlen(texts[i]), r[k].sha);
		r[k].v = lookup_sha(e, r[k].sha);
		r[k].id = ids[i];
		if (r[k].v)
			k++;
	}
	qsort(r, k, sizeof(*r), cmp_row);
	for (i = 0; i < k; i++) {
		json_t *vec;

		if (i && !cmp_row(&r[i - 1], &r[i]))
			continue;
		if (!i || strcmp(r[i - 1].id, r[i].id)) {
			arr = json_array();
			json_object_set_new(prompts, r[i].id, arr);
		}
		vec = json_array();
		for (d = 0; d < e->dim; d++)
			json_array_append_new(vec, json_real((double)r[i].v[d]));
		json_array_append_new(arr,
				      json_pack("{s:s, s:o}", "sha256", r[i].sha, "vector", vec));
	}
	root = json_pack("{s:s, s:s, s:s, s:I, s:o}", "format", EMBED_STORE_FORMAT, "vendor",
			 e->v->id, "model", e->t.model, "dim", (json_int_t)e->dim, "prompts",
			 prompts);
	out = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(9));
	json_decref(root);
	free(r);
	if (!out)
		return pl_err_set(err, PL_E_INTERNAL, path, "cannot encode the embeddings");
	sbuf_addstr(&sb, out);
	sbuf_addch(&sb, '\n');
	rc = fileio_write_atomic(path, sb.buf, sb.len, 0644, err);
	sbuf_release(&sb);
	free(out);
	return rc;
}

/* The prompt wants vectors: it has an embedding_similarity check, or all. */
static int wants(const struct prompt *pr, int all)
{
	size_t c;

	for (c = 0; !all && c < pr->n_checks; c++)
		if (!strcmp(check_kind(pr->checks[c]), "embedding_similarity"))
			return 1;
	return all;
}

int embed_baseline_store(struct embedder *e, struct baseline_reader *r, const char *baseline_path,
			 const struct suite *su, int all, char *skip, size_t skip_len,
			 struct pl_err *err)
{
	char path[1100];
	const char **ids = NULL, **texts = NULL;
	size_t n = 0, cap = 0, p, i, missing = 0;
	int stale = 0, rc = -1;

	skip[0] = '\0';
	embed_store_path(baseline_path, path, sizeof(path));
	if (embed_store_load(e, path, &stale, err) < 0)
		return -1;
	for (p = 0; p < su->n_prompts; p++) {
		const struct prompt *pr = &su->prompts[p];
		size_t bi = baseline_find(r, pr->id);
		struct prompt_samples bs;

		if (bi == BASELINE_NONE || !wants(pr, all))
			continue;
		if (baseline_read_prompt(r, bi, &bs, err) < 0)
			goto out;
		for (i = 0; i < bs.n; i++) {
			if (n == cap) {
				cap = 2 * cap + 16;
				ids = xrealloc(ids, cap * sizeof(*ids));
				texts = xrealloc(texts, cap * sizeof(*texts));
			}
			ids[n] = pr->id;
			texts[n] = xstrdup(bs.samples[i].text);
			missing += texts[n][0] && !embedder_lookup(e, texts[n]);
			n++;
		}
		prompt_samples_release(&bs);
	}
	rc = 0;
	if (missing || stale || (n && !fileio_exists(path))) {
		const float **rows = xcalloc(n + 1, sizeof(*rows));
		struct pl_err e2 = PL_ERR_INIT;

		if (embedder_embed(e, texts, n, rows, &e2) < 0)
			pl_err_str(&e2, skip, skip_len);
		else
			rc = embed_store_write(e, path, ids, texts, n, err);
		free(rows);
	}
out:
	for (i = 0; i < n; i++)
		free((char *)texts[i]);
	free(texts);
	free(ids);
	return rc;
}
