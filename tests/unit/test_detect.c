/* test_detect.c: detection over simulated nights: settings, hard signals, drifts caught on
 * their first night, nuisance variation left alone, rollbacks recognised as a return to an
 * earlier epoch, unstable endpoints reported, deterministic report sections.
 * The nights come from a small synthetic vendor defined here (independent of sim_model), so
 * each scenario controls exactly what changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect.h"
#include "fileio.h"
#include "history.h"
#include "rng.h"
#include "sbuf.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a synthetic vendor --------------------------------------------------------------- */

#define NP 24 /* prompts per night */

struct vendor {
	int night;
	double noise;	/* night-to-night logit noise */
	double wording; /* share of answers reworded */
	const char *model;
	const char *fp;
	long tok_extra; /* added to prompt token counts */
	int refusals;	/* refuse 40% */
	int logprobs;
	double lp_shift;     /* moves the first token's probability (logprob test) */
	const char *version; /* an "openai-version" header value, or NULL */
};

static const char *const words[4][3] = {
	{ "The", "A", "This" },
	{ "quick", "fast", "rapid" },
	{ "answer", "reply", "response" },
	{ "is ready.", "follows.", "holds." },
};

static size_t pick(struct rng *g, const double *logit, size_t n)
{
	double w[8], sum = 0, u;
	size_t i;

	for (i = 0; i < n; i++)
		sum += w[i] = exp(logit[i]);
	u = rng_unit(g) * sum;
	for (i = 0; i + 1 < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

/* Prompt i is categorical when i is even, text when odd. */
static void gen_answer(const struct vendor *v, size_t prompt, struct rng *g, struct sbuf *out)
{
	double logit[8] = { 2, 1.3, 0.6, 0.2, -0.3, 1, 0.5, 0 };
	size_t i;

	sbuf_reset(out);
	for (i = 0; i < 8; i++) {
		/* the night's noise: a fixed shift per (night, prompt, category) */
		struct rng ng;
		double z;

		rng_seed(&ng, ((uint64_t)v->night << 32) ^ (prompt * 131 + i));
		z = rng_unit(&ng) + rng_unit(&ng) + rng_unit(&ng) - 1.5;
		logit[i] += v->noise * 2 * z;
	}
	if (v->refusals && rng_unit(g) < 0.4) {
		sbuf_addstr(out, "I can't help with that.");
		return;
	}
	if (prompt % 2 == 0) {
		sbuf_addf(out, "answer-%zu-%zu", prompt, pick(g, logit, 5));
	} else {
		for (i = 0; i < 4; i++)
			sbuf_addf(out, "%s%s", i ? " " : "", words[i][pick(g, logit + i, 3)]);
		sbuf_addf(out, " (prompt %zu)", prompt);
	}
	if (v->wording > 0 && rng_unit(g) < v->wording) {
		char *t = sbuf_detach(out, NULL);

		sbuf_addf(out, "Well, to put it differently: %s", t);
		free(t);
	}
}

static struct sampleset *gen_set(const struct vendor *v, size_t prompts, size_t samples,
				 uint64_t seed)
{
	struct sampleset *s = sampleset_new("sim", "m", "core");
	struct sbuf text;
	size_t p, i;

	sbuf_init(&text);
	for (p = 0; p < prompts; p++) {
		char id[32];
		struct prompt_samples *ps;
		struct rng g;

		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		rng_seed(&g, seed * 1000003 + p);
		ps->samples = xcalloc(samples, sizeof(*ps->samples));
		for (i = 0; i < samples; i++) {
			struct sample *sm = &ps->samples[i];

			gen_answer(v, p, &g, &text);
			sm->index = (int)i;
			sm->text = xstrdup(text.buf);
			sm->refused = !strcmp(text.buf, "I can't help with that.");
			sm->finish_reason = xstrdup("stop");
			sm->model = xstrdup(v->model ? v->model : "sim-1");
			sm->fingerprint = xstrdup(v->fp ? v->fp : "fp_a");
			sm->prompt_tokens = 20 + (long)p + v->tok_extra;
			sm->completion_tokens = 5;
			sm->latency_ms = -1;
			sm->ttft_ms = -1;
			if (v->version)
				sm->headers = json_pack("{s:s,s:s}", "openai-version", v->version,
							"x-ratelimit-remaining", "99");
			if (v->logprobs) {
				/* P(first token "A") = 0.8, moved a little each night */
				double pa =
					0.8 + v->lp_shift + 0.01 * sin(v->night * 1.7 + (double)p);

				sm->logprobs = json_pack("{s:[{s:s,s:f,s:[{s:s,s:f},{s:s,s:f}]}]}",
							 "content", "token", "A", "logprob",
							 log(pa), "top_logprobs", "token", "A",
							 "logprob", log(pa), "token", "B",
							 "logprob", log(1 - pa));
			}
		}
		ps->n = samples;
	}
	sbuf_release(&text);
	return s;
}

/* ---- helpers ------------------------------------------------------------------------------ */

struct fx {
	char dir[256];
	char hist[300];
	struct detect_params *p;
	struct sampleset *base;
};

static void fx_init(struct fx *f, const char *settings)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *cfg = settings ? json_loads(settings, 0, NULL) : NULL;
	struct vendor v = { .noise = 0.1 };

	snprintf(f->dir, sizeof(f->dir), "/tmp/pl_test_detect_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->hist, sizeof(f->hist), "%s/h/sim.jsonl", f->dir);
	f->p = detect_params_new(NULL, cfg, NULL, NULL, &err);
	assert_non_null(f->p);
	json_decref(cfg);
	f->base = gen_set(&v, NP, 30, 999);
}

static void fx_release(struct fx *f)
{
	char cmd[400];

	detect_params_free(f->p);
	sampleset_free(f->base);
	unlink(f->hist);
	snprintf(cmd, sizeof(cmd), "%s/h", f->dir);
	rmdir(cmd);
	rmdir(f->dir);
}

static enum detect_verdict night(struct fx *f, const struct vendor *v, int n,
				 struct detect_outcome *o, json_t **sec)
{
	struct pl_err err = PL_ERR_INIT;
	struct vendor vv = *v;
	struct sampleset *s;
	json_t *section = NULL;
	char id[32];

	vv.night = n;
	s = gen_set(&vv, NP, 10, 7000 + (uint64_t)n);
	snprintf(id, sizeof(id), "2026-01-%02d", n % 28 + 1);
	assert_int_equal(detect_evaluate(f->p, f->base, s, f->hist, id, 0, o, &section, &err), 0);
	sampleset_free(s);
	if (getenv("PL_DEBUG"))
		printf("night %d: %s [%s] %s\n", n, detect_verdict_name(o->verdict), o->epoch,
		       o->summary);
	if (sec)
		*sec = section;
	else
		json_decref(section);
	return o->verdict;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_params(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	const char *text = "{\n  \"detection\": {\"permutations\": 500,\n    \"bogus\": 1}\n}";
	struct jsonloc loc = { "cfg.json", text, strlen(text) };
	json_t *root = json_loads(text, 0, NULL);
	struct detect_params *p;

	(void)state;
	p = detect_params_new(NULL, NULL, NULL, NULL, &err);
	assert_non_null(p);
	detect_params_free(p);
	p = detect_params_new(&loc, json_object_get(root, "detection"), NULL, NULL, &err);
	assert_null(p);
	assert_non_null(strstr(err.msg, "unknown key \"bogus\""));
	assert_non_null(strstr(err.where, "cfg.json:3:"));
	json_decref(root);

	pl_err_init(&err);
	root = json_loads("{\"detection\": {\"distance\": \"cosine\"}}", 0, NULL);
	assert_null(detect_params_new(NULL, json_object_get(root, "detection"), NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "unknown value \"cosine\""));
	json_decref(root);

	pl_err_init(&err);
	root = json_loads("{\"detection\": {\"alpha\": 2}}", 0, NULL);
	assert_null(detect_params_new(NULL, json_object_get(root, "detection"), NULL, NULL, &err));
	assert_true(pl_err_isset(&err));
	json_decref(root);
}

/* The suite's settings override the config's. */
static void test_params_overlay(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *cfg = json_loads("{\"permutations\": 300, \"persistence\": 2}", 0, NULL);
	json_t *suite = json_loads("{\"permutations\": 400}", 0, NULL);
	struct detect_params *p = detect_params_new(NULL, cfg, NULL, suite, &err);
	struct vendor v = { .noise = 0.1 };
	struct sampleset *a = gen_set(&v, 4, 10, 1), *b = gen_set(&v, 4, 10, 2);
	struct detect_outcome o;
	json_t *sec = NULL;

	(void)state;
	assert_non_null(p);
	assert_int_equal(
		detect_evaluate(p, a, b, "/nonexistent-dir/x.jsonl", "n1", 1, &o, &sec, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(sec, "distance"), "perm"
											      "utat"
											      "ion"
											      "s")),
			 400);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(sec, "decision"), "pers"
											      "iste"
											      "nc"
											      "e")),
			 2);
	json_decref(sec);
	json_decref(cfg);
	json_decref(suite);
	sampleset_free(a);
	sampleset_free(b);
	detect_params_free(p);
}

static void expect_hard(const struct vendor *v, const char *signal)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 };
	json_t *sec = NULL;
	int n;

	fx_init(&f, NULL);
	for (n = 0; n < 3; n++)
		assert_int_equal(night(&f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, v, 3, &o, &sec), DETECT_CHANGED);
	assert_int_equal(o.hard_change, 1);
	assert_non_null(strstr(o.summary, signal));
	assert_true(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_true(json_is_true(json_object_get(json_object_get(sec, "hard"), "changed")));
	json_decref(sec);
	/* the next night of the same behaviour is the new epoch, not a new alarm */
	assert_int_equal(night(&f, v, 4, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e2");
	fx_release(&f);
}

static void test_hard_signals(void **state)
{
	struct vendor model = { .noise = 0.1, .model = "sim-2" };
	struct vendor fp = { .noise = 0.1, .fp = "fp_b" };
	struct vendor tok = { .noise = 0.1, .tok_extra = 7 };
	struct vendor lp = { .noise = 0.1, .logprobs = 1 };

	(void)state;
	expect_hard(&model, "model");
	expect_hard(&fp, "fingerprint");
	expect_hard(&tok, "prompt token counts (24 prompts)");
	expect_hard(&lp, "logprobs");
}

static void test_version_header(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor v1 = { .noise = 0.1, .version = "2024-01" };
	struct vendor v2 = { .noise = 0.1, .version = "2025-06" };
	struct pl_err err = PL_ERR_INIT;
	json_t *sec = NULL;

	(void)state;
	fx_init(&f, NULL);
	sampleset_free(f.base);
	f.base = gen_set(&v1, NP, 30, 999);
	assert_int_equal(night(&f, &v1, 0, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &v2, 1, &o, &sec), DETECT_CHANGED);
	assert_non_null(strstr(o.summary, "version_headers"));
	/* rate-limit headers are not version headers */
	{
		char *h = json_dumps(json_object_get(sec, "hard"), 0);

		assert_null(strstr(h, "ratelimit"));
		free(h);
	}
	json_decref(sec);
	(void)err;
	fx_release(&f);
}

/* Nuisance variation over many nights: no alarm; then a 10% wording drift is caught on its
 * first night and opens epoch e2; its next nights stay in e2; the rollback returns to e1. */
static void test_drift_epochs_rollback(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, drift = { .noise = 0.1, .wording = 0.3 };
	json_t *sec = NULL;
	int n, alarms = 0;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 25; n++)
		alarms += night(&f, &quiet, n, &o, NULL) != DETECT_NO_CHANGE;
	assert_int_equal(alarms, 0);
	assert_string_equal(o.epoch, "e1");
	assert_int_equal(night(&f, &drift, n++, &o, &sec), DETECT_CHANGED);
	assert_int_equal(o.hard_change, 0);
	assert_true(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_true(o.confidence > 0.99);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(sec, "decision"), "mode")), "hist"
											      "or"
											      "y");
	assert_true(json_array_size(json_object_get(json_object_get(sec, "distance"), "moved")) >
		    0);
	json_decref(sec);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_NO_CHANGE);
		assert_string_equal(o.epoch, "e2");
	}
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_CHANGED);
	assert_true(o.returned_epoch);
	assert_string_equal(o.epoch, "e1");
	assert_non_null(strstr(o.summary, "returned to epoch e1"));
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	/* a different change later opens the next epoch, not e2 again */
	{
		struct vendor refusing = { .noise = 0.1, .refusals = 1 };

		assert_int_equal(night(&f, &refusing, n++, &o, NULL), DETECT_CHANGED);
		assert_true(o.new_epoch);
		assert_string_equal(o.epoch, "e3");
	}
	fx_release(&f);
}

/* Before there is history the permutation test decides, with a conservative alpha. */
static void test_cold_start(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.05 }, drift = { .noise = 0.05, .wording = 0.5 };
	json_t *sec = NULL;

	(void)state;
	fx_init(&f, NULL);
	assert_int_equal(night(&f, &quiet, 0, &o, &sec), DETECT_NO_CHANGE);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(sec, "decision"), "mode")), "cold"
											      "_sta"
											      "rt");
	assert_non_null(strstr(json_string_value(json_object_get(sec, "plan")), "no usable"));
	json_decref(sec);
	assert_int_equal(night(&f, &drift, 1, &o, NULL), DETECT_CHANGED);
	fx_release(&f);
}

static void test_unstable(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor wild = { .noise = 1.5 };
	json_t *sec = NULL;
	int n, unstable = 0, changed = 0;

	(void)state;
	fx_init(&f, "{\"detectable_shift\": 0.05}");
	for (n = 0; n < 20; n++) {
		enum detect_verdict v = night(&f, &wild, n, &o, n == 19 ? &sec : NULL);

		unstable += v == DETECT_UNSTABLE;
		changed += v == DETECT_CHANGED;
	}
	assert_true(unstable >= 8);
	assert_true(changed <= 1);
	assert_non_null(strstr(json_string_value(json_object_get(sec, "plan")), "unstable"));
	assert_true(json_number_value(json_object_get(json_object_get(sec, "decision"), "spread")) >
		    0);
	json_decref(sec);
	fx_release(&f);
}

static void test_refusal_rate(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, refusing = { .noise = 0.1, .refusals = 1 };
	json_t *sec = NULL;
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 10; n++)
		assert_int_equal(night(&f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &refusing, n, &o, &sec), DETECT_CHANGED);
	assert_true(json_is_true(
		json_object_get(json_object_get(json_object_get(sec, "rates"), "refusal"), "change"
											   "d")));
	json_decref(sec);
	fx_release(&f);
}

static void test_persistence(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, drift = { .noise = 0.1, .wording = 0.3 };
	int n;

	(void)state;
	fx_init(&f, "{\"persistence\": 2, \"detectable_shift\": 0.5}");
	for (n = 0; n < 12; n++)
		assert_int_equal(night(&f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_non_null(strstr(o.summary, "1 of 2 nights"));
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_CHANGED);
	assert_string_equal(o.epoch, "e2");
	fx_release(&f);
}

static void test_insufficient(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	struct sampleset *empty = sampleset_new("sim", "m", "core");
	json_t *sec = NULL;

	(void)state;
	fx_init(&f, NULL);
	assert_int_equal(detect_evaluate(f.p, f.base, empty, f.hist, "n1", 0, &o, &sec, &err), 0);
	assert_int_equal(o.verdict, DETECT_INSUFFICIENT);
	assert_false(fileio_exists(f.hist)); /* nothing to learn from: not recorded */
	json_decref(sec);
	sampleset_free(empty);
	fx_release(&f);
}

/* Every real in the report has at most 4 decimals. */
static int all_rounded(const json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_real(v)) {
		double x = json_real_value(v) * 1e4;

		return fabs(x - round(x)) < 1e-6;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
		{
			if (!all_rounded(c))
				return 0;
		}
	}
	json_array_foreach(v, i, c)
	{
		if (!all_rounded(c))
			return 0;
	}
	return 1;
}

/* Same data -> byte-identical section; history lines survive a torn last line. */
static void test_deterministic_and_torn(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o1, o2;
	struct vendor quiet = { .noise = 0.1 };
	struct sampleset *s;
	json_t *a = NULL, *b = NULL, *recs = NULL;
	char *da, *db;
	size_t skipped = 0;
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 3; n++)
		night(&f, &quiet, n, &o1, NULL);
	assert_int_equal(fileio_append(f.hist, "{\"night\":\"torn", 14, 0644, &err), 0);
	quiet.night = 9;
	s = gen_set(&quiet, NP, 10, 42);
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n9", 1, &o1, &a, &err), 0);
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n9", 1, &o2, &b, &err), 0);
	da = json_dumps(a, JSON_SORT_KEYS);
	db = json_dumps(b, JSON_SORT_KEYS);
	assert_string_equal(da, db);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "decision"), "skippe"
											    "d_"
											    "histor"
											    "y_"
											    "line"
											    "s")),
			 1);
	/* numbers carry at most 4 decimals */
	assert_true(all_rounded(a));
	free(da);
	free(db);
	json_decref(a);
	json_decref(b);
	/* appending after the torn line: the new record stands on its own line */
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n9", 0, &o1, &a, &err), 0);
	json_decref(a);
	assert_int_equal(history_load(f.hist, &recs, &skipped, &err), 0);
	assert_int_equal(json_array_size(recs), 4);
	assert_int_equal(skipped, 1);
	json_decref(recs);
	sampleset_free(s);
	fx_release(&f);
}

/* The logprob test: one sample carries the first token's distribution, so a small move is
 * caught that sampled answers would not show. */
static void test_logprobs(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor lp = { .noise = 0.1, .logprobs = 1 };
	struct vendor moved = { .noise = 0.1, .logprobs = 1, .lp_shift = -0.1 };
	json_t *sec = NULL;
	int n;

	(void)state;
	fx_init(&f, "{\"logprobs\": true}");
	sampleset_free(f.base);
	f.base = gen_set(&lp, NP, 30, 999);
	for (n = 0; n < 10; n++)
		assert_int_equal(night(&f, &lp, n, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &moved, n, &o, &sec), DETECT_CHANGED);
	assert_non_null(strstr(o.summary, "logprob distance"));
	assert_true(json_is_true(json_object_get(json_object_get(sec, "logprobs"), "changed")));
	/* TV of (0.8, 0.2) against (0.7, 0.3) is 0.1, give or take the night noise */
	assert_true(fabs(json_number_value(json_object_get(json_object_get(sec, "logprobs"), "sta"
											     "t")) -
			 0.1) < 0.03);
	json_decref(sec);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_params_overlay),
		cmocka_unit_test(test_hard_signals),
		cmocka_unit_test(test_version_header),
		cmocka_unit_test(test_drift_epochs_rollback),
		cmocka_unit_test(test_cold_start),
		cmocka_unit_test(test_unstable),
		cmocka_unit_test(test_refusal_rate),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_insufficient),
		cmocka_unit_test(test_logprobs),
		cmocka_unit_test(test_deterministic_and_torn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
