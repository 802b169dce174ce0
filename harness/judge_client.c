/* judge_client.c: asks the LLM judge for the judged checks' verdicts (over HTTP, cached). */
#include "judge_client.h"
#include "fileio.h"
#include "hex.h"
#include "http.h"
#include "judge_prompt.h"
#include "probe.h"
#include "sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_NAME	 "judge-cache.json"
#define CACHE_FORMAT	 "plumbline-judge-cache/1"
#define CACHE_MAX_BYTES	 (256u << 20)
#define JUDGE_MAX_TOKENS 256
#define JUDGE_DOWN_AFTER 3 /* failed requests in a row */
#define JUDGE_RETRIES	 2 /* at most, after the first attempt, and never more than the entry's */

struct judge_client {
	const struct vendor *vendor; /* NULL: no judge */
	const struct probe_ops *ops;
	char *model;
	char *cache_path;
	json_t *cache; /* key -> {"pass", "reason", "model", "prompt_sha256", "answer_sha256"} */
	json_t *added; /* the entries this run added (merged into the file on save) */
	struct http *http;
	struct judge_budget budget;
	size_t requests;
	long prompt_tokens, completion_tokens;
	double cost;
	int fails_in_a_row;
	char down[256]; /* non-empty: every verdict is unavailable, for this reason */
};

/* One question to the judge: a distinct (prompt, answer) of a prompt's judged checks. */
struct ask {
	char key[65];
	char prompt_sha[65], answer_sha[65];
	char *text; /* the judge prompt */
	int pass, done, cached, attempts;
	char *reason; /* the verdict's reason, or why it is unavailable (done && !ok) */
	int ok;
	struct probe_message msg;
	struct probe_prompt pp;
	struct probe_request rq;
	struct http_xfer *x;
	int running;
};

static void set_down(struct judge_client *jc, const char *fmt, ...) PL_PRINTF(2, 3);

/* Marks the judge unavailable for the rest of the run; the first reason stays. */
static void set_down(struct judge_client *jc, const char *fmt, ...)
{
	va_list ap;

	if (jc->down[0])
		return;
	va_start(ap, fmt);
	vsnprintf(jc->down, sizeof(jc->down), fmt, ap);
	va_end(ap);
	judge_utf8_cut(jc->down);
}

/* The cache file's verdicts (a new object; empty when there is none). A cache that cannot be
 * read is only a cache: it is rewritten at the end. */
static json_t *read_cache(const char *path)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *out = json_object(), *root, *v;
	const json_t *format;
	char *text = NULL;
	size_t len;

	if (!fileio_exists(path) || fileio_read_all(path, CACHE_MAX_BYTES, &text, &len, &err) < 0)
		goto out;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	v = json_object_get(root, "verdicts");
	format = json_object_get(root, "format");
	if (json_is_object(v) && json_is_string(format) &&
	    !strcmp(json_string_value(format), CACHE_FORMAT))
		json_object_update(out, v);
	json_decref(root);
out:
	free(text);
	return out;
}

struct judge_client *judge_client_new(struct config *cfg, const struct judge_budget *budget,
				      struct pl_err *err)
{
	struct judge_client *jc = xcalloc(1, sizeof(*jc));
	struct pl_err kerr = PL_ERR_INIT;
	struct sbuf path = SBUF_INIT;
	const char *id = cfg->judge_vendor;

	jc->budget = *budget;
	sbuf_addf(&path, "%s/%s", cfg->state_dir, CACHE_NAME);
	jc->cache_path = sbuf_detach(&path, NULL);
	sbuf_release(&path);
	jc->cache = read_cache(jc->cache_path);
	jc->added = json_object();
	if (!id) {
		set_down(jc, "%s", "no judge in the config (\"judge\")");
		return jc;
	}
	jc->vendor = config_vendor(cfg, id);
	jc->ops = jc->vendor ? probe_find(jc->vendor->probe) : NULL;
	if (!jc->ops) {
		set_down(jc, "no vendor entry \"%s\" for the judge", id);
		return jc;
	}
	jc->model = xstrdup(cfg->judge_model ? cfg->judge_model : jc->vendor->model);
	if (config_load_secrets(cfg, &id, 1, &kerr) < 0) {
		set_down(jc, "the judge's key: %s", kerr.msg);
		return jc;
	}
	jc->http = http_new(err);
	if (!jc->http) {
		judge_client_free(jc);
		return NULL;
	}
	return jc;
}

void judge_client_free(struct judge_client *jc)
{
	if (!jc)
		return;
	http_free(jc->http);
	json_decref(jc->cache);
	json_decref(jc->added);
	free(jc->model);
	free(jc->cache_path);
	free(jc);
}

int judge_suite_needs(const struct suite *s)
{
	size_t p, c;
	const char *rubric;
	int kind;

	for (p = 0; p < s->n_prompts; p++)
		for (c = 0; c < s->prompts[p].n_checks; c++)
			if (check_judge_ask(s->prompts[p].checks[c], &kind, &rubric))
				return 1;
	return 0;
}

/* ---- the budget ---- */

static void run_spent(const struct runner_stats *st, long *requests, long *tokens, double *cost)
{
	size_t i;

	*requests = 0;
	*tokens = 0;
	*cost = 0;
	if (!st)
		return;
	*requests = (long)st->sent;
	for (i = 0; st->vendors && i < st->n_vendors; i++) {
		*tokens += st->vendors[i].prompt_tokens + st->vendors[i].completion_tokens;
		*cost += st->vendors[i].cost;
	}
}

static double price(const struct vendor *v, long pt, long ct)
{
	return ((double)(pt > 0 ? pt : 0) * v->price_in_per_mtok +
		(double)(ct > 0 ? ct : 0) * v->price_out_per_mtok) /
	       1e6;
}

/* 1 when a request of about est_pt prompt tokens fits the run's budget; else marks the judge
 * down with the budget's name. */
static int budget_allows(struct judge_client *jc, long est_pt)
{
	const struct judge_budget *b = &jc->budget;
	long rq, tok;
	double cost;
	char why[128];

	run_spent(b->run, &rq, &tok, &cost);
	rq += (long)jc->requests;
	tok += jc->prompt_tokens + jc->completion_tokens;
	cost += jc->cost;
	if (b->max_requests > 0 && rq + 1 > b->max_requests)
		snprintf(why, sizeof(why), "request budget reached (max_requests %ld)",
			 b->max_requests);
	else if (b->max_tokens > 0 && tok + est_pt + JUDGE_MAX_TOKENS > b->max_tokens)
		snprintf(why, sizeof(why), "token budget reached (max_tokens %ld)", b->max_tokens);
	else if (b->max_cost > 0 &&
		 cost + price(jc->vendor, est_pt, JUDGE_MAX_TOKENS) > b->max_cost)
		snprintf(why, sizeof(why), "cost budget reached (max_cost %.4f)", b->max_cost);
	else
		return 1;
	set_down(jc, "%s", why);
	return 0;
}

/* ---- asking ---- */

static void ask_release(struct ask *a)
{
	free(a->text);
	free(a->reason);
	probe_request_release(&a->rq);
	http_xfer_free(a->x);
	memset(a, 0, sizeof(*a));
}

/* Looks the question up in the cache. */
static int from_cache(struct judge_client *jc, struct ask *a)
{
	const json_t *e = json_object_get(jc->cache, a->key);
	const json_t *p = json_object_get(e, "pass"), *r = json_object_get(e, "reason");

	if (!json_is_boolean(p) || !json_is_string(r))
		return 0;
	a->pass = json_is_true(p);
	a->reason = xstrdup(json_string_value(r));
	a->ok = a->done = a->cached = 1;
	return 1;
}

static void remember(struct judge_client *jc, const struct ask *a)
{
	json_t *e = json_pack("{s:b, s:s, s:s, s:s, s:s}", "pass", a->pass, "reason", a->reason,
			      "model", jc->model, "prompt_sha256", a->prompt_sha, "answer_sha256",
			      a->answer_sha);

	json_object_set(jc->cache, a->key, e);
	json_object_set_new(jc->added, a->key, e);
}

static int start(struct judge_client *jc, struct ask *a)
{
	struct probe_target t = { jc->vendor->base_url,	   jc->model,	       jc->vendor->api_key,
				  jc->vendor->api_version, jc->vendor->region, jc->vendor->api };
	struct http_opts ho = { jc->vendor->timeout_ms, jc->vendor->connect_timeout_ms,
				jc->vendor->max_response_bytes, jc->vendor->ca_file };
	struct pl_err err = PL_ERR_INIT;

	if (!budget_allows(jc, (long)(strlen(a->text) / 4) + 8))
		return -1;
	a->msg.role = "user";
	a->msg.content = a->text;
	memset(&a->pp, 0, sizeof(a->pp));
	a->pp.messages = &a->msg;
	a->pp.n_messages = 1;
	a->pp.temperature = 0;
	a->pp.max_tokens = JUDGE_MAX_TOKENS;
	probe_request_release(&a->rq);
	probe_request_init(&a->rq);
	if (jc->ops->build(&t, &a->pp, &a->rq, &err) < 0) {
		set_down(jc, "the judge's probe cannot ask: %s", err.msg);
		return -1;
	}
	if (!a->x)
		a->x = http_xfer_new();
	if (http_start(jc->http, a->x, &a->rq, &ho, a, &err) < 0) {
		set_down(jc, "%s", err.msg);
		return -1;
	}
	a->attempts++;
	a->running = 1;
	jc->requests++;
	return 0;
}

struct poll_ctx {
	struct judge_client *jc;
};

/* A finished request: a verdict, a retry, or a fault. */
static void finished(void *ctx, struct http_xfer *x, void *user)
{
	struct poll_ctx *pc = ctx;
	struct judge_client *jc = pc->jc;
	struct ask *a = user;
	struct probe_target t = { jc->vendor->base_url,	   jc->model,	       jc->vendor->api_key,
				  jc->vendor->api_version, jc->vendor->region, jc->vendor->api };
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer ans;
	char why[256] = "";
	int retry = 0;

	a->running = 0;
	probe_answer_init(&ans);
	if (http_xfer_fault(x) != PROBE_OK) {
		snprintf(why, sizeof(why), "%s (%s)", probe_fault_name(http_xfer_fault(x)),
			 http_xfer_error(x));
		retry = probe_fault_retryable(http_xfer_fault(x));
	} else {
		jc->ops->parse(&t, &a->pp, http_xfer_response(x), &ans);
		probe_answer_clamp(&ans);
		probe_answer_redact(&ans);
		if (ans.prompt_tokens > 0)
			jc->prompt_tokens += ans.prompt_tokens;
		if (ans.completion_tokens > 0)
			jc->completion_tokens += ans.completion_tokens;
		jc->cost += price(jc->vendor, ans.prompt_tokens, ans.completion_tokens);
		a->pass = 0;
		if (ans.fault != PROBE_OK) {
			snprintf(why, sizeof(why), "HTTP %ld %s%s%s", ans.status,
				 probe_fault_name(ans.fault), ans.error_message ? ": " : "",
				 ans.error_message ? ans.error_message : "");
			retry = probe_fault_retryable(ans.fault);
		} else if (judge_verdict_parse(ans.text, strlen(ans.text), &a->pass, &a->reason,
					       &err) < 0) {
			snprintf(why, sizeof(why), "%.200s", err.msg);
		}
	}
	judge_utf8_cut(why);
	if (why[0] && retry && !jc->down[0] && a->attempts <= JUDGE_RETRIES &&
	    a->attempts <= jc->vendor->retries && start(jc, a) == 0)
		goto out;
	a->done = 1;
	if (why[0]) {
		a->reason = xstrdup(why);
		if (++jc->fails_in_a_row >= JUDGE_DOWN_AFTER)
			set_down(jc, "%s", why);
	} else {
		a->ok = 1;
		jc->fails_in_a_row = 0;
		remember(jc, a);
	}
out:
	probe_answer_release(&ans);
}

/* Sends every question not answered yet, at most the entry's concurrency at once. */
static void ask_all(struct judge_client *jc, struct ask *asks, size_t n, struct judge_tally *t)
{
	struct poll_ctx pc = { jc };
	struct pl_err err = PL_ERR_INIT;
	size_t next = 0, running = 0, i;
	int conc = jc->vendor->concurrency > 0 ? jc->vendor->concurrency : 1;
	size_t before = jc->requests;
	long pt0 = jc->prompt_tokens, ct0 = jc->completion_tokens;
	double cost0 = jc->cost;

	for (;;) {
		while (!jc->down[0] && next < n && running < (size_t)conc) {
			if (!asks[next].done && start(jc, &asks[next]) == 0)
				running++;
			next++;
		}
		if (!running)
			break;
		if (http_poll(jc->http, 100, finished, &pc, &err) < 0) {
			set_down(jc, "%s", err.msg);
			break;
		}
		running = 0;
		for (i = 0; i < n; i++)
			running += asks[i].running;
	}
	t->requests += jc->requests - before;
	t->prompt_tokens += jc->prompt_tokens - pt0;
	t->completion_tokens += jc->completion_tokens - ct0;
	t->cost += jc->cost - cost0;
}

/* The reference answer of same_meaning: the baseline's most common answer (NULL: none). */
static const char *reference(const struct prompt_samples *bs, size_t *which)
{
	const char **texts;
	size_t i;

	if (!bs || !bs->n)
		return NULL;
	texts = xcalloc(bs->n, sizeof(*texts));
	for (i = 0; i < bs->n; i++)
		texts[i] = bs->samples[i].text;
	*which = judge_reference(texts, bs->n);
	free(texts);
	return bs->samples[*which].text;
}

static json_t *check_meta(const struct judge_client *jc, enum judge_kind kind,
			  const char *prompt_sha, const struct prompt_samples *bs, size_t ref)
{
	char tsha[65];
	json_t *m;

	judge_template_sha256(kind, tsha);
	m = json_pack("{s:s, s:s}", "template", judge_template_version(kind), "template_sha256",
		      tsha);
	if (jc->vendor) {
		json_object_set_new(m, "vendor", json_string(jc->vendor->id));
		json_object_set_new(m, "model", json_string(jc->model));
	}
	if (prompt_sha)
		json_object_set_new(m, "prompt_sha256", json_string(prompt_sha));
	if (kind == JUDGE_SAME_MEANING && bs && bs->n)
		json_object_set_new(m, "reference_sample", json_integer(bs->samples[ref].index));
	return m;
}

static void meta_count(json_t *m, const char *key)
{
	json_object_set_new(m, key, json_integer(json_integer_value(json_object_get(m, key)) + 1));
}

void judge_client_prompt(struct judge_client *jc, const struct prompt *pr,
			 const struct prompt_samples *bs, const struct prompt_samples *ns,
			 struct judge_verdicts *out, struct judge_tally *tally)
{
	size_t nc = pr->n_checks, n = ns ? ns->n : 0, c, i, j, n_asks = 0;
	struct ask *asks = NULL;
	size_t *which = NULL; /* (c, i) -> its ask, or SIZE_MAX */

	memset(out, 0, sizeof(*out));
	out->n_checks = nc;
	out->n_samples = n;
	out->index = xcalloc(n + 1, sizeof(*out->index));
	out->v = xcalloc(nc * n + 1, sizeof(*out->v));
	out->reasons = xcalloc(nc * n + 1, sizeof(*out->reasons));
	out->meta = xcalloc(nc + 1, sizeof(*out->meta));
	asks = xcalloc(nc * n + 1, sizeof(*asks));
	which = xcalloc(nc * n + 1, sizeof(*which));
	for (i = 0; i < n; i++)
		out->index[i] = ns->samples[i].index;
	for (c = 0; c < nc * n; c++) {
		out->v[c].verdict = CHECK_ERROR;
		which[c] = SIZE_MAX;
	}
	/* the questions: one per distinct (judge prompt, answer) */
	for (c = 0; c < nc; c++) {
		const char *rubric = NULL, *criterion;
		int kind;
		size_t ref = 0;
		char psha[65];

		if (!check_judge_ask(pr->checks[c], &kind, &rubric))
			continue;
		criterion = kind == JUDGE_SAME_MEANING ? reference(bs, &ref) : rubric;
		if (criterion)
			judge_prompt_sha256((enum judge_kind)kind, criterion, psha);
		out->meta[c] =
			check_meta(jc, (enum judge_kind)kind, criterion ? psha : NULL, bs, ref);
		if (!criterion)
			continue; /* same_meaning without a baseline: the check skips */
		for (i = 0; i < n; i++) {
			const struct sample *s = &ns->samples[i];
			struct ask a;
			struct sbuf key = SBUF_INIT;

			memset(&a, 0, sizeof(a));
			memcpy(a.prompt_sha, psha, sizeof(psha));
			hex_sha256(s->text, strlen(s->text), a.answer_sha);
			sbuf_addf(&key, "%s\n%s\n%s", jc->model ? jc->model : "", a.prompt_sha,
				  a.answer_sha);
			hex_sha256(key.buf, key.len, a.key);
			sbuf_release(&key);
			for (j = 0; j < n_asks; j++)
				if (!strcmp(asks[j].key, a.key))
					break;
			if (j == n_asks) {
				a.text = judge_prompt_build((enum judge_kind)kind, criterion,
							    s->text, strlen(s->text));
				asks[n_asks++] = a;
			}
			which[c * n + i] = j;
		}
	}
	for (j = 0; j < n_asks; j++)
		if (jc->vendor && from_cache(jc, &asks[j]))
			tally->cached++;
	if (jc->vendor && !jc->down[0])
		ask_all(jc, asks, n_asks, tally);
	for (j = 0; j < n_asks; j++)
		if (asks[j].done && asks[j].ok && !asks[j].cached)
			tally->verdicts++;
	/* every (check, sample) gets its question's verdict, or the reason there is none */
	for (c = 0; c < nc * n; c++) {
		const struct ask *a;
		const char *why;

		if (which[c] == SIZE_MAX)
			continue;
		a = &asks[which[c]];
		if (a->done && a->ok) {
			out->v[c].verdict = a->pass ? CHECK_PASS : CHECK_FAIL;
			out->reasons[c] = xstrdup(a->reason);
			meta_count(out->meta[c / n], a->cached ? "cached" : "asked");
		} else {
			why = a->done && a->reason ? a->reason
			      : jc->down[0]	   ? jc->down
						   : "not asked";
			out->v[c].verdict = CHECK_SKIP;
			out->reasons[c] = xstrdup(why);
			meta_count(out->meta[c / n], "unavailable");
			if (!json_object_get(out->meta[c / n], "unavailable_reason"))
				json_object_set_new(out->meta[c / n], "unavailable_reason",
						    json_string(why));
			tally->unavailable++;
			if (!tally->unavailable_reason[0])
				snprintf(tally->unavailable_reason,
					 sizeof(tally->unavailable_reason), "%s", why);
			judge_utf8_cut(tally->unavailable_reason);
		}
		out->v[c].reason = out->reasons[c];
	}
	for (j = 0; j < n_asks; j++)
		ask_release(&asks[j]);
	free(asks);
	free(which);
}

const struct check_judged *judge_verdicts_lookup(const void *ctx, size_t check, int sample)
{
	const struct judge_verdicts *v = ctx;
	size_t i;

	if (!v || check >= v->n_checks)
		return NULL;
	for (i = 0; i < v->n_samples; i++)
		if (v->index[i] == sample)
			break;
	if (i == v->n_samples || v->v[check * v->n_samples + i].verdict == CHECK_ERROR)
		return NULL;
	return &v->v[check * v->n_samples + i];
}

void judge_verdicts_annotate(const struct judge_verdicts *v, json_t *entry)
{
	json_t *checks = json_object_get(entry, "checks");
	size_t c;

	for (c = 0; c < v->n_checks; c++)
		if (v->meta[c] && json_array_get(checks, c))
			json_object_set(json_array_get(checks, c), "judge", v->meta[c]);
}

void judge_verdicts_release(struct judge_verdicts *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v->reasons && i < v->n_checks * v->n_samples; i++)
		free(v->reasons[i]);
	for (i = 0; v->meta && i < v->n_checks; i++)
		json_decref(v->meta[i]);
	free(v->reasons);
	free(v->meta);
	free(v->index);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

json_t *judge_tally_json(const struct judge_client *jc, const struct judge_tally *t)
{
	json_t *o = json_object();

	if (jc->vendor) {
		json_object_set_new(o, "vendor", json_string(jc->vendor->id));
		json_object_set_new(o, "model", json_string(jc->model));
	}
	json_object_set_new(o, "requests", json_integer((json_int_t)t->requests));
	json_object_set_new(o, "verdicts", json_integer((json_int_t)t->verdicts));
	json_object_set_new(o, "cached", json_integer((json_int_t)t->cached));
	json_object_set_new(o, "unavailable", json_integer((json_int_t)t->unavailable));
	json_object_set_new(o, "prompt_tokens", json_integer(t->prompt_tokens));
	json_object_set_new(o, "completion_tokens", json_integer(t->completion_tokens));
	if (jc->vendor && jc->vendor->has_prices)
		json_object_set_new(o, "cost", json_real(round(t->cost * 1e6) / 1e6));
	if (t->unavailable_reason[0])
		json_object_set_new(o, "unavailable_reason", json_string(t->unavailable_reason));
	return o;
}

int judge_client_save(struct judge_client *jc, struct pl_err *err)
{
	json_t *root = NULL, *all;
	char *text = NULL;
	int rc;

	if (!json_object_size(jc->added))
		return 0;
	/* what another run wrote meanwhile stays */
	all = read_cache(jc->cache_path);
	json_object_update(all, jc->added);
	root = json_pack("{s:s, s:O}", "format", CACHE_FORMAT, "verdicts", all);
	text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(1));
	rc = fileio_write_atomic(jc->cache_path, text, strlen(text), 0600, err);
	if (rc == 0)
		json_object_clear(jc->added);
	free(text);
	json_decref(root);
	json_decref(all);
	return rc;
}
