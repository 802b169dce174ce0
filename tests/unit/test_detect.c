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
#include "scenario.h"
#include "stats.h"
#include "testutil.h"

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
	double refuse;	/* > 0: refuse this share of answers instead */
	int logprobs;
	double lp_shift;     /* moves the first token's probability (logprob test) */
	const char *version; /* an "openai-version" header value, or NULL */
	double latency;	     /* > 0: answers take this many ms (+ up to `jitter`) */
	double jitter;
	unsigned moved;	 /* bit i: categorical prompt 2i gives a new answer 80% of the time */
	const char *tag; /* that answer's last word (NULL: "new") */
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
	if ((v->refusals || v->refuse > 0) && rng_unit(g) < (v->refuse > 0 ? v->refuse : 0.4)) {
		sbuf_addstr(out, "I can't help with that.");
		return;
	}
	if (prompt % 2 == 0 && prompt / 2 < 32 && (v->moved >> (prompt / 2) & 1) &&
	    rng_unit(g) < 0.8) {
		sbuf_addf(out, "answer-%zu-%s", prompt, v->tag ? v->tag : "new");
	} else if (prompt % 2 == 0) {
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
			sm->latency_ms =
				v->latency > 0 ? floor(v->latency + v->jitter * rng_unit(&g)) : -1;
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

/* Removes a history and the epoch registry beside it. */
static void forget(const char *hist)
{
	struct sbuf reg;

	sbuf_init(&reg);
	history_epochs_path(&reg, hist);
	unlink(hist);
	unlink(reg.buf);
	sbuf_release(&reg);
}

static void fx_release(struct fx *f)
{
	char cmd[400];

	detect_params_free(f->p);
	sampleset_free(f->base);
	forget(f->hist);
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
	/* a night of its own for every n (a night id seen before is that night run again) */
	snprintf(id, sizeof(id), "2026-%02d-%02d", n / 28 + 1, n % 28 + 1);
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

	/* "novel_margin" is a setting, not a kernel (it was once accepted as kernel 2) */
	pl_err_init(&err);
	root = json_loads("{\"detection\": {\"kernel\": \"novel_margin\"}}", 0, NULL);
	assert_null(detect_params_new(NULL, json_object_get(root, "detection"), NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "unknown value \"novel_margin\""));
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
	/* suspected on its first night: the epoch is tentative */
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_false(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_true(json_is_true(json_object_get(json_object_get(sec, "hard"), "changed")));
	json_decref(sec);
	/* the next night of the same behaviour confirms it: the new epoch, dated by the first */
	assert_int_equal(night(&f, v, 4, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_true(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_non_null(strstr(o.summary, "confirmed: new epoch e2 (since 2026-01-04)"));
	/* then it is the epoch's usual behaviour, not a new alarm */
	assert_int_equal(night(&f, v, 5, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(o.stage, DETECT_STAGE_NONE);
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

/* Nuisance variation over many nights: no alarm; then a 10% wording drift is suspected on its
 * first night and confirmed on the next, opening epoch e2; its next nights stay in e2; the
 * rollback is a return to the known state e1, no alarm, and the endpoint is multi-state. */
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
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_false(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_true(o.confidence > 0.99);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(sec, "decision"), "mode")), "hist"
											      "or"
											      "y");
	assert_true(json_array_size(json_object_get(json_object_get(sec, "distance"), "moved")) >
		    0);
	json_decref(sec);
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_true(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	for (int k = 0; k < 3; k++) {
		assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_NO_CHANGE);
		assert_string_equal(o.epoch, "e2");
	}
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_true(o.returned_epoch);
	assert_true(o.multi_state);
	assert_string_equal(o.states, "e1,e2");
	assert_string_equal(o.epoch, "e1");
	assert_non_null(strstr(o.summary, "back at known state e1"));
	assert_non_null(strstr(o.summary, "multi-state endpoint, known states: e1, e2"));
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	/* a different change later opens the next epoch, not e2 again */
	{
		struct vendor refusing = { .noise = 0.1, .refusals = 1 };

		assert_int_equal(night(&f, &refusing, n++, &o, NULL), DETECT_CHANGED);
		assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
		assert_string_equal(o.epoch, "e3");
	}
	fx_release(&f);
}

/* A night back at an earlier state's answers but refusing in plain text (8% of answers: below
 * the pooled rate's margin) is no return to that state: the state never refused, and each
 * prompt's rates, tested against that state's nights, say so. It is a new suspected change. */
static void test_return_needs_rates(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, drift = { .noise = 0.1, .wording = 0.3 };
	struct vendor refusing = { .noise = 0.1, .refuse = 0.08 };
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 25; n++)
		assert_int_equal(night(&f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	for (int k = 0; k < 3; k++)
		assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &refusing, n++, &o, NULL), DETECT_CHANGED);
	assert_false(o.returned_epoch);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_string_equal(o.epoch, "e3");
	assert_non_null(strstr(o.summary, "refusals"));
	fx_release(&f);
}

/* A state shown on one night only (suspected, then retracted) explains no refusals it never
 * showed: a night like it in every other way but with a few refusals is not "back at" it,
 * though one night of reference is too little for the rate test against that state alone to
 * see the refusals (they were taken for a return before). */
static void test_return_explains_rates(void **state)
{
	struct fx f;
	struct detect_outcome o;
	/* the state: 8 prompts give a new answer most of the time (the same one each night) */
	struct vendor quiet = { .noise = 0.1 }, drift = { .noise = 0.1, .moved = 0xff };
	struct vendor refusing = { .noise = 0.1, .moved = 0xff, .refuse = 0.01 };
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 20; n++)
		assert_int_equal(night(&f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(o.stage, DETECT_STAGE_RETRACTED);
	for (int k = 0; k < 3; k++)
		assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	/* the one-night state again: still a return to it */
	assert_int_equal(night(&f, &drift, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_true(o.returned_epoch);
	assert_string_equal(o.epoch, "e2");
	for (int k = 0; k < 3; k++)
		night(&f, &quiet, n++, &o, NULL);
	/* a night (its seed) with two refusals, on two prompts: one refusal in ten answers keeps
	 * each prompt's distance where the state had it, and two in 240 answers against none in
	 * the state's 480 is no evidence alone (p about 0.11) */
	for (;; n++) {
		struct vendor vv = refusing;
		struct sampleset *s;
		size_t p, k, total = 0, most = 0;

		assert_true(n < 200);
		vv.night = n;
		s = gen_set(&vv, NP, 10, 7000 + (uint64_t)n);
		for (p = 0; p < s->n_prompts; p++) {
			size_t c = 0;

			for (k = 0; k < s->prompts[p].n; k++)
				c += (size_t)s->prompts[p].samples[k].refused;
			total += c;
			most = c > most ? c : most;
		}
		sampleset_free(s);
		if (total == 2 && most == 1)
			break;
	}
	assert_int_equal(night(&f, &refusing, n++, &o, NULL), DETECT_CHANGED);
	assert_false(o.returned_epoch);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_non_null(strstr(o.summary, "refusals"));
	fx_release(&f);
}

/* A night run again (--force, or --resume after its line was written) is judged against the
 * nights before it: a suspicion is suspected again, never confirmed by its own first run, and
 * the history keeps one line for the night (QA: the second run said "confirmed"). */
static void test_rerun_not_self_confirmed(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, drift = { .noise = 0.1, .wording = 0.3 };
	char *text;
	int n, k;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 15; n++)
		night(&f, &quiet, n, &o, NULL);
	for (k = 0; k < 3; k++) {
		assert_int_equal(night(&f, &drift, n, &o, NULL), DETECT_CHANGED);
		assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
		assert_string_equal(o.epoch, "e2");
	}
	text = tu_read(f.hist, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"night\":\"2026-01-16\""));
	assert_null(
		strstr(strstr(text, "\"night\":\"2026-01-16\"") + 1, "\"night\":\"2026-01-16\""));
	free(text);
	/* the next night confirms it, dated by the suspected night */
	assert_int_equal(night(&f, &drift, n + 1, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(o.epoch, "e2");
	assert_non_null(strstr(o.summary, "since 2026-01-16"));
	/* and a confirmed night run again is confirmed again, in the same epoch */
	assert_int_equal(night(&f, &drift, n + 1, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(o.epoch, "e2");
	assert_int_equal(night(&f, &drift, n + 2, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e2");
	fx_release(&f);
}

/* Latency drifts: a fast endpoint whose few milliseconds wobble with the machine's load never
 * drifts (whole-ms figures, 1-6 ms from night to night), while a real slide of a slow one (800
 * ms, +5% a night) is reported as a drift of latency within a week. Reported, never an alarm:
 * the model answers as before, and latency follows the vendor's load. */
static void test_latency_drift(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor fast = { .noise = 0.1, .latency = 1, .jitter = 2 };
	int n, alarms = 0, caught = -1;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 30; n++) {
		/* some nights the machine is busy: everything takes a few ms longer */
		fast.latency = n % 3 == 2 ? 4 : 1;
		alarms += night(&f, &fast, n, &o, NULL) != DETECT_NO_CHANGE;
		assert_null(strstr(o.summary, "latency"));
	}
	assert_int_equal(alarms, 0);
	fx_release(&f);

	fx_init(&f, NULL);
	{
		struct vendor slow = { .noise = 0.1, .latency = 800, .jitter = 40 };

		for (n = 0; n < 12; n++)
			assert_int_equal(night(&f, &slow, n, &o, NULL), DETECT_NO_CHANGE);
		for (; n < 30 && caught < 0; n++) {
			slow.latency *= 1.05;
			assert_int_equal(night(&f, &slow, n, &o, NULL), DETECT_NO_CHANGE);
			if (strstr(o.summary, "latency drifting (reported, not an alarm): p"))
				caught = n - 12;
		}
		assert_true(caught >= 0 && caught <= 7);
		assert_non_null(strstr(o.summary, "usual 8"));
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

/* A suite that cannot see a shift of 0.05 on these vendors (its sampling noise is more). */
#define SMALL_SUITE "\"detectable_shift\": 0.05"

/* A wild vendor (large noise every night) moves every prompt's answers from night to night far
 * beyond their sampling noise, though the suite's mean distance, averaged over the prompts,
 * varies little more than its own: unstable, and the summary says why. */
static void test_unstable(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor wild = { .noise = 1.5 };
	json_t *sec = NULL;
	int n, unstable = 0, suspected = 0, told = 0, confirmed = 0, onsets = 0;
	enum detect_stage last = DETECT_STAGE_NONE;

	(void)state;
	fx_init(&f, "{" SMALL_SUITE "}");
	for (n = 0; n < 20; n++) {
		enum detect_verdict v = night(&f, &wild, n, &o, n == 19 ? &sec : NULL);

		unstable += v == DETECT_UNSTABLE;
		suspected += o.stage == DETECT_STAGE_SUSPECTED;
		/* the summary says why: how far beyond sampling noise the prompts vary */
		told += v == DETECT_UNSTABLE &&
			(strstr(o.summary, "as much as sampling explains") ||
			 strstr(o.summary, "answers wander from night to night"));
		confirmed += o.stage == DETECT_STAGE_CONFIRMED;
		onsets += v == DETECT_UNSTABLE && o.unstable_onset;
		/* the night after a suspicion: its answers are as far from the suspected night's
		 * as from the baseline's, no new state: unstable, and the suspicion retracted */
		if (n && last == DETECT_STAGE_SUSPECTED) {
			assert_int_equal(v, DETECT_UNSTABLE);
			assert_int_equal(o.stage, DETECT_STAGE_RETRACTED);
			assert_non_null(strstr(o.summary, "did not hold: on the"));
		}
		last = o.stage;
	}
	assert_true(unstable >= 8);
	assert_int_equal(told, unstable);
	/* the first night, before there is any history, may look like a change; no more, and
	 * never confirmed */
	assert_true(suspected <= 1);
	assert_int_equal(confirmed, 0);
	/* told once: the nights too young to measure the prompts' own variation (cold start)
	 * do not end the episode found on the second night */
	assert_int_equal(onsets, 1);
	assert_non_null(strstr(json_string_value(json_object_get(sec, "plan")), "unstable"));
	assert_true(json_number_value(json_object_get(json_object_get(sec, "decision"), "spread")) >
		    0);
	/* its prompts vary from night to night well beyond their sampling noise */
	assert_true(json_number_value(json_object_get(json_object_get(sec, "decision"),
						      "overdispersion")) > 1.5 * 1.5);
	json_decref(sec);
	fx_release(&f);
}

/* Unstable is the endpoint's own night-to-night variation, not the suite's sampling noise: an
 * endpoint that gives the same answer mix every night, judged on too few answers to see a
 * shift of detectable_shift, is not reported unstable by default (its prompts' spreads are
 * their sampling noise: the report's overdispersion stays under 1.5^2), and is with
 * unstable_over_sampling 0 (the suite's spread alone, as before). */
static void test_sampling_not_unstable(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor same = { .noise = 0 };
	json_t *sec = NULL;
	const json_t *dec;
	int n, unstable = 0;

	(void)state;
	fx_init(&f, "{" SMALL_SUITE "}");
	for (n = 0; n < 20; n++)
		unstable += night(&f, &same, n, &o, n == 19 ? &sec : NULL) == DETECT_UNSTABLE;
	assert_int_equal(unstable, 0);
	dec = json_object_get(sec, "decision");
	/* the suite could not see 0.05 (four spreads are more), yet the nights are still */
	assert_true(4 * json_number_value(json_object_get(dec, "spread")) > 0.05);
	assert_true(json_number_value(json_object_get(dec, "overdispersion")) > 0);
	assert_true(json_number_value(json_object_get(dec, "overdispersion")) < 1.5 * 1.5);
	json_decref(sec);
	fx_release(&f);

	fx_init(&f, "{" SMALL_SUITE ", \"unstable_over_sampling\": 0}");
	for (n = 0, unstable = 0; n < 20; n++)
		unstable += night(&f, &same, n, &o, NULL) == DETECT_UNSTABLE;
	assert_true(unstable >= 5);
	fx_release(&f);
}

/* An unstable endpoint is reported once: an unstable night is an onset only when none of the
 * last min_history nights was unstable; the unstable nights of the same episode are not, name
 * the night it began, and say so in the summary and the report section. */
static void test_unstable_once(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor wild = { .noise = 1.5 };
	char since[64] = "";
	json_t *sec = NULL;
	int n, last = -100, onsets = 0, consecutive = 0;

	(void)state;
	fx_init(&f, "{" SMALL_SUITE ", \"min_history\": 3}");
	for (n = 0; n < 20; n++) {
		enum detect_verdict v = night(&f, &wild, n, &o, &sec);
		const json_t *u = json_object_get(sec, "unstable");

		if (v != DETECT_UNSTABLE) {
			assert_false(o.unstable_onset);
			assert_null(u);
			json_decref(sec);
			continue;
		}
		assert_true(json_is_object(u));
		assert_int_equal(json_is_true(json_object_get(u, "onset")), o.unstable_onset);
		assert_string_equal(json_string_value(json_object_get(u, "since")),
				    o.unstable_since);
		if (n - last > 3) {
			/* a new episode: tonight is the night to tell */
			assert_true(o.unstable_onset);
			assert_null(strstr(o.summary, "reported then"));
			snprintf(since, sizeof(since), "%s", o.unstable_since);
			onsets++;
		} else {
			/* the same episode (an unstable night within the last 3): no new onset */
			assert_false(o.unstable_onset);
			assert_string_equal(o.unstable_since, since);
			assert_non_null(strstr(o.summary, "reported then"));
			consecutive += n - last == 1;
		}
		last = n;
		json_decref(sec);
	}
	assert_true(onsets >= 1);
	assert_true(consecutive >= 2); /* unstable nights in a row, told once */
	fx_release(&f);
}

/* Replaces the fixture's settings (the history stays). */
static void fx_settings(struct fx *f, const char *settings)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *cfg = json_loads(settings, 0, NULL);

	detect_params_free(f->p);
	f->p = detect_params_new(NULL, cfg, NULL, NULL, &err);
	assert_non_null(f->p);
	json_decref(cfg);
}

/* An unstable episode that ends (more than min_history nights that are not unstable) and a
 * later one: the later one is told again, a new onset dated by its own first night. The same
 * noisy endpoint throughout; a detectable_shift it always meets in between makes the nights
 * between the episodes stable. */
static void test_unstable_again(void **state)
{
	const char *strict = "{" SMALL_SUITE ", \"min_history\": 3}";
	const char *lax = "{\"detectable_shift\": 10, \"min_history\": 3}";
	struct fx f;
	struct detect_outcome o;
	struct vendor wild = { .noise = 1.5 };
	char first[64] = "", id[32];
	int n, onsets = 0;

	(void)state;
	fx_init(&f, strict);
	for (n = 0; n < 8; n++) {
		if (night(&f, &wild, n, &o, NULL) == DETECT_UNSTABLE && o.unstable_onset) {
			snprintf(first, sizeof(first), "%s", o.unstable_since);
			onsets++;
		}
	}
	assert_int_equal(onsets, 1); /* the first episode, told once */
	/* stable for 5 nights (min_history is 3) */
	fx_settings(&f, lax);
	for (; n < 13; n++)
		assert_int_not_equal(night(&f, &wild, n, &o, NULL), DETECT_UNSTABLE);
	fx_settings(&f, strict);
	assert_int_equal(night(&f, &wild, n, &o, NULL), DETECT_UNSTABLE);
	snprintf(id, sizeof(id), "2026-%02d-%02d", n / 28 + 1, n % 28 + 1); /* night()'s id */
	assert_true(o.unstable_onset);
	assert_string_equal(o.unstable_since, id);
	assert_string_not_equal(o.unstable_since, first);
	assert_null(strstr(o.summary, "reported then"));
	/* and its next night is part of it */
	n++;
	assert_int_equal(night(&f, &wild, n, &o, NULL), DETECT_UNSTABLE);
	assert_false(o.unstable_onset);
	assert_string_equal(o.unstable_since, id);
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

/* One sample a prompt with the MMD distance: no prompt can be judged by the distance, yet a
 * changed model id (a hard signal, one answer is enough) is reported, and the summary counts
 * every answered prompt (it said "insufficient answers: 0 of 24 prompts answered"). */
static void test_hard_before_insufficient(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	struct vendor same = { .noise = 0.1 }, swapped = { .noise = 0.1, .model = "sim-2" };
	struct sampleset *s;
	json_t *sec = NULL;

	(void)state;
	fx_init(&f, "{\"distance\":\"mmd\"}");
	s = gen_set(&same, NP, 1, 501);
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n1", 0, &o, &sec, &err), 0);
	assert_int_equal(o.verdict, DETECT_INSUFFICIENT);
	assert_non_null(strstr(o.summary, "24 of 24 prompts answered, 0 with enough samples"));
	assert_false(fileio_exists(f.hist));
	json_decref(sec);
	sampleset_free(s);

	s = gen_set(&swapped, NP, 1, 502);
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n2", 0, &o, &sec, &err), 0);
	assert_int_equal(o.verdict, DETECT_CHANGED);
	assert_true(o.hard_change);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_non_null(strstr(o.summary, "changed: model"));
	assert_non_null(strstr(o.summary, "distance not judged: 24 of 24 prompts answered"));
	/* recorded for its hard signals, with no distance to learn from */
	assert_true(fileio_exists(f.hist));
	json_decref(sec);
	sampleset_free(s);
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

/* ---- "distance": "embedding" --------------------------------------------------------- */

#define EDIM 16

/* n answers "<tag> i" whose vectors lie around the unit axis `axis` (+ noise of sd 0.3). */
static void emb_group(struct prompt_samples *ps, float *rows, const float **ptrs, size_t n,
		      int axis, const char *tag, uint64_t seed)
{
	struct rng g;
	size_t i, k;

	rng_seed(&g, seed);
	memset(ps, 0, sizeof(*ps));
	ps->prompt_id = xstrdup("p00");
	ps->samples = xcalloc(n, sizeof(*ps->samples));
	ps->n = n;
	for (i = 0; i < n; i++) {
		char t[32];

		snprintf(t, sizeof(t), "%s %zu", tag, i);
		ps->samples[i].index = (int)i;
		ps->samples[i].text = xstrdup(t);
		ps->samples[i].latency_ms = -1;
		ps->samples[i].ttft_ms = -1;
		ps->samples[i].prompt_tokens = ps->samples[i].completion_tokens = -1;
		for (k = 0; k < EDIM; k++)
			rows[i * EDIM + k] = (float)(0.3 * (rng_unit(&g) - 0.5) * 2 +
						     ((int)k == axis ? 1.0 : 0.0));
		ptrs[i] = rows + i * EDIM;
	}
}

/* One night of one prompt with vectors: the prompt's p-value and distance. */
static void emb_night(struct fx *f, int axis, int with_vectors, const char *id, double *p,
		      double *dist)
{
	struct pl_err err = PL_ERR_INIT;
	static float brows[30 * EDIM], nrows[10 * EDIM];
	const float *bp[30], *np[10];
	struct prompt_samples b, nt;
	struct detect_vectors vec = { EDIM, bp, np };
	struct detect_outcome o;
	struct detect_run *r;
	json_t *sec = NULL, *pr;

	emb_group(&b, brows, bp, 30, 0, "base", 1);
	emb_group(&nt, nrows, np, 10, axis, "night", 100 + (uint64_t)id[9]);
	r = detect_begin(f->p, 1, f->hist, id, 0, &err);
	assert_non_null(r);
	detect_add_embedded(r, 0, &b, &nt, with_vectors ? &vec : NULL);
	assert_int_equal(detect_end(r, &o, &sec, &err), 0);
	pr = json_array_get(json_object_get(json_object_get(sec, "distance"), "prompts"), 0);
	assert_non_null(pr);
	assert_string_equal(json_string_value(json_object_get(pr, "kind")), "mmd");
	*p = json_number_value(json_object_get(pr, "p"));
	*dist = json_number_value(json_object_get(pr, "distance"));
	json_decref(sec);
	detect_run_free(r);
	prompt_samples_release(&b);
	prompt_samples_release(&nt);
}

/* The per-prompt permutation test runs on the cosine kernel: answers around the baseline's
 * direction do not move, answers around another direction do; without vectors the prompt
 * sits out (p 1). The texts alone (all distinct) would say nothing. */
static void test_embedding_distance(void **state)
{
	struct fx f;
	double p, d, p2, d2;

	(void)state;
	fx_init(&f, "{\"distance\": \"embedding\", \"permutations\": 999}");
	assert_int_equal(detect_params_embedding(f.p), 1);
	emb_night(&f, 0, 1, "2026-01-01", &p, &d);
	assert_true(p > 0.05);
	emb_night(&f, 3, 1, "2026-01-02", &p2, &d2);
	assert_true(p2 <= 0.01);
	assert_true(d2 > d + 0.5);
	emb_night(&f, 3, 0, "2026-01-03", &p, &d);
	assert_true(p == 1 && d == 0);
	fx_release(&f);
}

/* ---- one prompt at a time (detect_begin / detect_add / detect_end) ---------------------- */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A heap copy of one prompt's answers, sharing nothing with src. */
static struct prompt_samples *clone_prompt(const struct prompt_samples *src)
{
	struct prompt_samples *ps = xcalloc(1, sizeof(*ps));
	size_t i;

	ps->prompt_id = xstrdup(src->prompt_id);
	ps->n = src->n;
	ps->faults = src->faults;
	ps->fault_kinds = dup_or_null(src->fault_kinds);
	ps->samples = xcalloc(src->n ? src->n : 1, sizeof(*ps->samples));
	for (i = 0; i < src->n; i++) {
		const struct sample *a = &src->samples[i];
		struct sample *b = &ps->samples[i];

		*b = *a;
		b->text = xstrdup(a->text);
		b->finish_reason = dup_or_null(a->finish_reason);
		b->model = dup_or_null(a->model);
		b->fingerprint = dup_or_null(a->fingerprint);
		b->headers = a->headers ? json_deep_copy(a->headers) : NULL;
		b->logprobs = a->logprobs ? json_deep_copy(a->logprobs) : NULL;
	}
	return ps;
}

/* Scribbles over the copy, then frees it: a run that kept any of it would read garbage (or,
 * under ASan, freed memory). */
static void free_prompt(struct prompt_samples *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->n; i++) {
		memset(ps->samples[i].text, 'Z', strlen(ps->samples[i].text));
		sample_release(&ps->samples[i]);
	}
	memset(ps->prompt_id, 'Z', strlen(ps->prompt_id));
	free(ps->prompt_id);
	free(ps->fault_kinds);
	free(ps->samples);
	free(ps);
}

/* Runs a night one prompt at a time: items 0..n_base-1 are the baseline's prompts (with the
 * night's of the same id, if any), items n_base.. the night's prompts the baseline lacks;
 * order lists the items to add (some may be left out). Every prompt is a heap copy freed
 * right after its detect_add. */
static int run_stream(struct fx *f, const struct sampleset *night, const size_t *order,
		      size_t n_order, const char *hist, const char *id, int dry,
		      struct detect_outcome *o, json_t **sec)
{
	struct pl_err err = PL_ERR_INIT;
	size_t n_base = f->base->n_prompts, i, k, *extra, n_extra = 0;
	struct detect_run *r = detect_begin(f->p, n_base, hist, id, dry, &err);
	int rc;

	assert_non_null(r);
	extra = xcalloc(night->n_prompts + 1, sizeof(*extra));
	for (i = 0; i < night->n_prompts; i++) {
		if (!sampleset_find(f->base, night->prompts[i].prompt_id))
			extra[n_extra++] = i;
	}
	for (k = 0; k < n_order; k++) {
		size_t it = order[k];
		struct prompt_samples *b = NULL, *nt = NULL;
		const struct prompt_samples *src;

		if (it < n_base) {
			b = clone_prompt(&f->base->prompts[it]);
			src = sampleset_find(night, b->prompt_id);
			nt = src ? clone_prompt(src) : NULL;
			detect_add(r, it, b, nt);
		} else {
			assert_true(it - n_base < n_extra);
			nt = clone_prompt(&night->prompts[extra[it - n_base]]);
			detect_add(r, DETECT_NOT_IN_BASELINE, NULL, nt);
		}
		free_prompt(b);
		free_prompt(nt);
	}
	free(extra);
	rc = detect_end(r, o, sec, &err);
	detect_run_free(r);
	return rc;
}

/* Numbers equal within eps, everything else exactly (object keys in any order). */
static int near_json(const json_t *a, const json_t *b, double eps)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_number(a) && json_is_number(b))
		return fabs(json_number_value(a) - json_number_value(b)) <= eps;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k, v)
		{
			if (!json_object_get(b, k) || !near_json(v, json_object_get(b, k), eps))
				return 0;
		}
		return 1;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach(a, i, v)
		{
			if (!near_json(v, json_array_get(b, i), eps))
				return 0;
		}
		return 1;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

static void copy_file(const char *from, const char *to)
{
	struct pl_err err = PL_ERR_INIT;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(fileio_read_all(from, 1 << 24, &buf, &len, &err), 0);
	assert_int_equal(fileio_write_atomic(to, buf, len, 0644, &err), 0);
	free(buf);
}

static json_t *last_record(const char *hist)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *last;
	size_t skipped = 0;

	assert_int_equal(history_load(hist, &recs, &skipped, &err), 0);
	assert_true(json_array_size(recs) > 0);
	last = json_incref(json_array_get(recs, json_array_size(recs) - 1));
	json_decref(recs);
	return last;
}

/* Latencies, so the latency figures take part in the comparisons. */
static void set_latencies(struct sampleset *s)
{
	size_t p, i;

	for (p = 0; p < s->n_prompts; p++)
		for (i = 0; i < s->prompts[p].n; i++)
			s->prompts[p].samples[i].latency_ms = 100 + (double)((p * 7 + i * 13) % 50);
}

static void assert_same_night(const struct detect_outcome *a, const json_t *sa,
			      const struct detect_outcome *b, const json_t *sb)
{
	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->hard_change, b->hard_change);
	assert_string_equal(a->epoch, b->epoch);
	assert_string_equal(a->summary, b->summary);
	assert_true(fabs(a->confidence - b->confidence) <= 1e-9);
	assert_true(json_equal(json_object_get(json_object_get(sa, "distance"), "moved"),
			       json_object_get(json_object_get(sb, "distance"), "moved")));
	assert_true(near_json(sa, sb, 1e-9));
}

/* Prompts added in reverse and in shuffled order, each freed right after its detect_add, give
 * the verdict, moved prompts, section and history line of detect_evaluate. */
static void test_stream_any_order(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o, oe, os;
	struct vendor lp = { .noise = 0.1, .logprobs = 1 };
	struct vendor drift = { .noise = 0.1, .logprobs = 1, .wording = 0.3, .night = 10 };
	struct sampleset *s;
	json_t *se = NULL, *ss = NULL, *re, *rs;
	char h2[320], h3[320];
	size_t order[NP], i;
	struct rng g;
	int n;

	(void)state;
	fx_init(&f, "{\"logprobs\": true}");
	sampleset_free(f.base);
	f.base = gen_set(&lp, NP, 30, 999);
	set_latencies(f.base);
	for (n = 0; n < 10; n++)
		assert_int_equal(night(&f, &lp, n, &o, NULL), DETECT_NO_CHANGE);
	snprintf(h2, sizeof(h2), "%s/h/two.jsonl", f.dir);
	snprintf(h3, sizeof(h3), "%s/h/three.jsonl", f.dir);
	copy_file(f.hist, h2);
	copy_file(f.hist, h3);
	s = gen_set(&drift, NP, 10, 7010);
	set_latencies(s);
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n10", 0, &oe, &se, &err), 0);
	assert_int_equal(oe.verdict, DETECT_CHANGED);
	assert_true(json_array_size(json_object_get(json_object_get(se, "distance"), "moved")) > 0);
	assert_true(json_number_value(json_object_get(json_object_get(se, "figures"), "latency_"
										      "p95")) > 0);

	/* reverse */
	for (i = 0; i < NP; i++)
		order[i] = NP - 1 - i;
	assert_int_equal(run_stream(&f, s, order, NP, h2, "n10", 0, &os, &ss), 0);
	assert_same_night(&oe, se, &os, ss);
	json_decref(ss);
	/* shuffled */
	for (i = 0; i < NP; i++)
		order[i] = i;
	rng_seed(&g, 77);
	for (i = NP - 1; i > 0; i--) {
		size_t j = rng_below(&g, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	assert_int_equal(run_stream(&f, s, order, NP, h3, "n10", 0, &os, &ss), 0);
	assert_same_night(&oe, se, &os, ss);
	json_decref(ss);
	/* the history lines agree too */
	re = last_record(f.hist);
	rs = last_record(h2);
	assert_true(near_json(re, rs, 1e-9));
	json_decref(rs);
	rs = last_record(h3);
	assert_true(near_json(re, rs, 1e-9));
	assert_non_null(json_object_get(re, "logprob"));
	json_decref(rs);
	json_decref(re);
	json_decref(se);
	sampleset_free(s);
	forget(h2);
	forget(h3);
	fx_release(&f);
}

/* A baseline prompt never added counts as not answered, as when the night lacks it. */
static void test_stream_missing_prompt(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o, oe, os;
	struct vendor quiet = { .noise = 0.1 }, drift = { .noise = 0.1, .wording = 0.3 };
	struct sampleset *s, *lacking;
	json_t *se = NULL, *ss = NULL, *de, *ds;
	size_t order[NP], i, k = 0;
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 8; n++)
		assert_int_equal(night(&f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	drift.night = 8;
	s = gen_set(&drift, NP, 10, 7008);
	/* tonight's set without p03 */
	lacking = sampleset_new("sim", "m", "core");
	for (i = 0; i < s->n_prompts; i++) {
		struct prompt_samples *ps;

		if (!strcmp(s->prompts[i].prompt_id, "p03"))
			continue;
		ps = sampleset_prompt(lacking, s->prompts[i].prompt_id);
		ps->samples = s->prompts[i].samples;
		ps->n = s->prompts[i].n;
		s->prompts[i].samples = NULL;
		s->prompts[i].n = 0;
	}
	assert_int_equal(detect_evaluate(f.p, f.base, lacking, f.hist, "n8", 1, &oe, &se, &err), 0);
	for (i = NP; i-- > 0;) {
		if (i != 3)
			order[k++] = i;
	}
	assert_int_equal(run_stream(&f, lacking, order, k, f.hist, "n8", 1, &os, &ss), 0);
	assert_int_equal(oe.verdict, DETECT_CHANGED);
	assert_int_equal(os.verdict, oe.verdict);
	assert_string_equal(os.summary, oe.summary);
	de = json_object_get(se, "distance");
	ds = json_object_get(ss, "distance");
	assert_int_equal(json_integer_value(json_object_get(ds, "active_prompts")), NP - 1);
	assert_true(near_json(json_object_get(de, "active_prompts"),
			      json_object_get(ds, "active_prompts"), 0));
	assert_true(near_json(json_object_get(de, "stat"), json_object_get(ds, "stat"), 1e-9));
	assert_true(near_json(json_object_get(de, "p"), json_object_get(ds, "p"), 1e-9));
	assert_true(json_equal(json_object_get(de, "moved"), json_object_get(ds, "moved")));
	assert_true(
		near_json(json_object_get(se, "decision"), json_object_get(ss, "decision"), 1e-9));
	assert_true(
		near_json(json_object_get(se, "figures"), json_object_get(ss, "figures"), 1e-9));
	assert_true(near_json(json_object_get(se, "hard"), json_object_get(ss, "hard"), 0));
	/* the per-prompt q values count p03 (p = 1) in both; only its entry is missing */
	assert_int_equal(json_array_size(json_object_get(de, "prompts")), NP);
	assert_int_equal(json_array_size(json_object_get(ds, "prompts")), NP - 1);
	for (i = 0, k = 0; i < NP; i++) {
		const json_t *pe = json_array_get(json_object_get(de, "prompts"), i);

		if (!strcmp(json_string_value(json_object_get(pe, "id")), "p03")) {
			assert_int_equal(json_integer_value(json_object_get(pe, "n_night")), 0);
			continue;
		}
		assert_true(
			near_json(pe, json_array_get(json_object_get(ds, "prompts"), k++), 1e-9));
	}
	json_decref(se);
	json_decref(ss);
	/* with too few prompts added the night is insufficient, as when most went unanswered */
	order[0] = 0;
	assert_int_equal(run_stream(&f, lacking, order, 1, f.hist, "n8", 1, &os, &ss), 0);
	assert_int_equal(os.verdict, DETECT_INSUFFICIENT);
	assert_non_null(strstr(os.summary, "1 of 24 prompts answered"));
	json_decref(ss);
	sampleset_free(lacking);
	sampleset_free(s);
	fx_release(&f);
}

/* Five quiet nights into f's history, then night 5's answers (not yet judged) with its
 * judgement as it stands (dry run: the history is left as it was) in *on and *sec. */
static struct sampleset *quiet_night5(struct fx *f, struct detect_outcome *on, json_t **sec)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1, .night = 5 };
	struct sampleset *s;
	int n;

	fx_init(f, NULL);
	for (n = 0; n < 5; n++)
		assert_int_equal(night(f, &quiet, n, &o, NULL), DETECT_NO_CHANGE);
	s = gen_set(&quiet, NP, 10, 7005);
	assert_int_equal(detect_evaluate(f->p, f->base, s, f->hist, "n5", 1, on, sec, &err), 0);
	return s;
}

/* A night prompt the baseline lacks counts in tonight's figures, hard signals and rates but
 * has no distance; streamed in the middle of the night it gives detect_evaluate's result. */
static void test_stream_extra_prompt(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome oe, os, on;
	struct sampleset *s;
	struct prompt_samples *ps;
	json_t *se = NULL, *ss = NULL, *sn = NULL, *toks;
	size_t order[NP + 1], i, k = 0;

	(void)state;
	/* without the extra prompt first, to see that it counts */
	s = quiet_night5(&f, &on, &sn);
	ps = sampleset_prompt(s, "extra");
	ps->samples = xcalloc(4, sizeof(*ps->samples));
	for (i = 0; i < 4; i++) {
		struct sample *sm = &ps->samples[i];

		sm->index = (int)i;
		sm->text = xstrdup("An answer to a prompt the baseline never asked, long enough to "
				   "move the mean length of the night.");
		sm->refused = i == 0;
		sm->model = xstrdup("sim-1");
		sm->fingerprint = xstrdup("fp_a");
		sm->prompt_tokens = 99;
		sm->latency_ms = -1;
		sm->ttft_ms = -1;
	}
	ps->n = 4;
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n5", 1, &oe, &se, &err), 0);
	for (i = 0; i < NP; i++) {
		order[k++] = i;
		if (i == NP / 2)
			order[k++] = NP; /* the extra prompt, mid-night */
	}
	assert_int_equal(run_stream(&f, s, order, k, f.hist, "n5", 1, &os, &ss), 0);
	assert_same_night(&oe, se, &os, ss);
	/* it counts where it should and only there */
	toks = json_object_get(json_object_get(json_object_get(ss, "hard"), "now"), "prompt_"
										    "tokens");
	assert_int_equal(json_integer_value(json_object_get(toks, "extra")), 99);
	assert_int_equal(json_array_size(json_object_get(json_object_get(ss, "distance"), "prompt"
											  "s")),
			 NP);
	assert_true(json_number_value(json_object_get(json_object_get(ss, "figures"), "mean_len")) >
		    json_number_value(json_object_get(json_object_get(sn, "figures"), "mean_len")));
	assert_true(json_number_value(json_object_get(
			    json_object_get(json_object_get(ss, "rates"), "refusal"), "night")) >
		    json_number_value(json_object_get(
			    json_object_get(json_object_get(sn, "rates"), "refusal"), "night")));
	json_decref(se);
	json_decref(ss);
	json_decref(sn);
	sampleset_free(s);
	fx_release(&f);
}

/* The mean length is the answers' that are not refusals: a night that adds refusals (plain
 * text the classifier takes, or the API's flag) to some prompts keeps the length series where
 * it was, while the refusal rate rises. */
static void test_mean_len_without_refusals(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome on, orf;
	struct sampleset *s;
	json_t *sn = NULL, *sr = NULL;
	size_t p, i;

	(void)state;
	s = quiet_night5(&f, &on, &sn);
	for (p = 0; p < 5; p++) {
		char id[8];
		struct prompt_samples *ps;

		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		ps->samples = xrealloc(ps->samples, (ps->n + 3) * sizeof(*ps->samples));
		for (i = 0; i < 3; i++) {
			struct sample *sm = &ps->samples[ps->n];

			*sm = ps->samples[0];
			sm->index = (int)ps->n;
			/* two in plain text, one flagged by the API with a text of its own */
			sm->text = xstrdup(i < 2 ? "I'm sorry, but I can't help with that request."
						 : "This content was withheld.");
			sm->refused = i == 2;
			sm->finish_reason = xstrdup("stop");
			sm->model = xstrdup(ps->samples[0].model);
			sm->fingerprint = xstrdup(ps->samples[0].fingerprint);
			sm->headers = sm->logprobs = sm->tool_calls = NULL;
			ps->n++;
		}
	}
	assert_int_equal(detect_evaluate(f.p, f.base, s, f.hist, "n5", 1, &orf, &sr, &err), 0);
	assert_true(json_number_value(json_object_get(json_object_get(sn, "figures"), "mean_len")) >
		    0);
	assert_true(
		json_number_value(json_object_get(json_object_get(sr, "figures"), "mean_len")) ==
		json_number_value(json_object_get(json_object_get(sn, "figures"), "mean_len")));
	assert_true(json_number_value(json_object_get(
			    json_object_get(json_object_get(sr, "rates"), "refusal"), "night")) >
		    json_number_value(json_object_get(
			    json_object_get(json_object_get(sn, "rates"), "refusal"), "night")));
	json_decref(sn);
	json_decref(sr);
	sampleset_free(s);
	fx_release(&f);
}

/* Broken contracts are reported by detect_end, not silently absorbed. */
static void test_stream_misuse(void **state)
{
	struct fx f;
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	struct detect_run *r;
	json_t *sec = NULL;

	(void)state;
	fx_init(&f, NULL);
	r = detect_begin(f.p, f.base->n_prompts, f.hist, "n1", 1, &err);
	assert_non_null(r);
	detect_add(r, 0, &f.base->prompts[0], NULL);
	detect_add(r, 0, &f.base->prompts[0], NULL);
	assert_int_equal(detect_end(r, &o, &sec, &err), -1);
	assert_null(sec);
	assert_non_null(strstr(err.msg, "added twice"));
	detect_run_free(r);
	pl_err_init(&err);
	r = detect_begin(f.p, 2, f.hist, "n1", 1, &err);
	detect_add(r, 5, &f.base->prompts[0], NULL);
	assert_int_equal(detect_end(r, &o, &sec, &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	detect_run_free(r);
	detect_run_free(NULL);
	pl_err_init(&err);
	assert_null(detect_begin(f.p, 2, NULL, "n1", 1, &err));
	assert_int_equal(err.code, PL_E_INTERNAL);
	fx_release(&f);
}

/* One-token answers: " It" and "It" are different tokens, so by default (answers compared as
 * the vendor returned them) a night answering " It" where the baseline said "It" is a full
 * change (total variation 1 on every prompt); with the suite's "normalize": "trim" the two
 * are one answer (distance 0), "whitespace" also folds inner runs, "lower" also the case. */
static struct sampleset *same_answers(const char *text)
{
	struct sampleset *s = sampleset_new("sim", "m", "core");
	size_t p, i;

	for (p = 0; p < 4; p++) {
		char id[16];
		struct prompt_samples *ps;

		snprintf(id, sizeof(id), "p%zu", p);
		ps = sampleset_prompt(s, id);
		ps->samples = xcalloc(10, sizeof(*ps->samples));
		for (i = 0; i < 10; i++) {
			struct sample *sm = &ps->samples[i];

			sm->index = (int)i;
			sm->text = xstrdup(text);
			sm->prompt_tokens = 9;
			sm->completion_tokens = 1;
			sm->latency_ms = -1;
			sm->ttft_ms = -1;
		}
		ps->n = 10;
	}
	return s;
}

/* As same_answers(""), every answer calling the tools of calls (JSON text; NULL: none). */
static struct sampleset *same_calls(const char *calls)
{
	struct sampleset *s = same_answers("");
	size_t p, i;

	for (p = 0; calls && p < s->n_prompts; p++)
		for (i = 0; i < s->prompts[p].n; i++) {
			s->prompts[p].samples[i].tool_calls = json_loads(calls, 0, NULL);
			assert_non_null(s->prompts[p].samples[i].tool_calls);
		}
	return s;
}

/* The distance of every prompt (all equal) between the baseline base and the night (taken). */
static double sets_distance(const char *settings, struct sampleset *base, struct sampleset *night);

/* The distance of every prompt (all equal) between answers a and b under the given
 * detection settings. */
static double norm_distance(const char *settings, const char *a, const char *b)
{
	return sets_distance(settings, same_answers(a), same_answers(b));
}

static double sets_distance(const char *settings, struct sampleset *base, struct sampleset *night)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *cfg = json_loads(settings, 0, NULL), *sec = NULL, *pr;
	struct detect_params *p = detect_params_new(NULL, cfg, NULL, NULL, &err);
	struct detect_outcome o;
	double d = -1;
	size_t i;

	assert_non_null(p);
	assert_int_equal(detect_evaluate(p, base, night, "/nonexistent-dir/x.jsonl", "n1", 1, &o,
					 &sec, &err),
			 0);
	json_array_foreach(json_object_get(json_object_get(sec, "distance"), "prompts"), i, pr)
	{
		assert_string_equal(json_string_value(json_object_get(pr, "kind")), "tv");
		if (i)
			assert_true(json_real_value(json_object_get(pr, "distance")) == d);
		d = json_real_value(json_object_get(pr, "distance"));
	}
	assert_int_equal(i, 4);
	json_decref(sec);
	json_decref(cfg);
	sampleset_free(base);
	sampleset_free(night);
	detect_params_free(p);
	return d;
}

/* A tool call is part of the answer: the same calls (whatever the key order of their
 * arguments) are the same answer, another argument or no call at all is a different one. */
static void test_tool_calls(void **state)
{
	static const char paris[] = "[{\"name\":\"get_weather\",\"arguments\":{\"city\":"
				    "\"Paris\",\"unit\":\"c\"}}]";
	static const char paris2[] = "[{\"arguments\":{\"unit\":\"c\",\"city\":\"Paris\"},"
				     "\"name\":\"get_weather\"}]";
	static const char lyon[] = "[{\"name\":\"get_weather\",\"arguments\":{\"city\":"
				   "\"Lyon\",\"unit\":\"c\"}}]";

	(void)state;
	assert_true(sets_distance("{}", same_calls(paris), same_calls(paris2)) == 0.0);
	assert_true(sets_distance("{}", same_calls(paris), same_calls(lyon)) == 1.0);
	assert_true(sets_distance("{}", same_calls(paris), same_calls(NULL)) == 1.0);
	assert_true(sets_distance("{\"normalize\": \"lower\"}", same_calls(paris),
				  same_calls(paris2)) == 0.0);
	assert_true(sets_distance("{\"normalize\": \"trim\"}", same_calls(paris),
				  same_calls(lyon)) == 1.0);
}

static void test_normalize(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	const char *text = "{\n  \"detection\": {\n    \"normalize\": \"upper\"}\n}";
	struct jsonloc loc = { "suite.json", text, strlen(text) };
	json_t *root = json_loads(text, 0, NULL);

	(void)state;
	assert_true(norm_distance("{}", "It", " It") == 1.0);
	assert_true(norm_distance("{\"normalize\": \"none\"}", "It", " It") == 1.0);
	assert_true(norm_distance("{\"normalize\": \"trim\"}", "It", " It") == 0.0);
	assert_true(norm_distance("{\"normalize\": \"trim\"}", "It is", "It  is\n") == 1.0);
	assert_true(norm_distance("{\"normalize\": \"whitespace\"}", "It is", " It \t is\n") ==
		    0.0);
	assert_true(norm_distance("{\"normalize\": \"whitespace\"}", "It", "it") == 1.0);
	assert_true(norm_distance("{\"normalize\": \"lower\"}", "It  is", "it is ") == 0.0);
	/* an unknown value is an error naming the file, line and key */
	assert_null(detect_params_new(NULL, NULL, &loc, json_object_get(root, "detection"), &err));
	assert_non_null(strstr(err.msg, "unknown value \"upper\""));
	assert_non_null(strstr(err.where, "suite.json:3:"));
	assert_non_null(strstr(err.where, "normalize"));
	json_decref(root);
}

/* One night of the endpoint whose every answer to prompt p is "<behaviour>-p" (no hard
 * signal tells behaviours apart: only the answers do). Returns the outcome's epoch. */
static enum detect_verdict behaviour_night(const struct detect_params *p, const char *behaviour,
					   const char *base_behaviour, const char *hist,
					   const char *night_id, struct detect_outcome *o)
{
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *base = same_answers(base_behaviour), *night = same_answers(behaviour);
	json_t *sec = NULL;

	assert_int_equal(detect_evaluate(p, base, night, hist, night_id, 0, o, &sec, &err), 0);
	if (getenv("PL_DEBUG"))
		printf("%s: %s [%s] %s\n", night_id, detect_verdict_name(o->verdict), o->epoch,
		       o->summary);
	json_decref(sec);
	sampleset_free(base);
	sampleset_free(night);
	return o->verdict;
}

/* A new baseline moves the history aside (session_restart_history): here by hand, naming
 * the epoch it shows (accept) or NULL (record). */
static void new_baseline(const char *hist, const char *epoch)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *reg = NULL;

	assert_int_equal(history_load(hist, &recs, NULL, &err), 0);
	assert_int_equal(history_epochs_load(hist, recs, &reg, &err), 0);
	if (epoch)
		json_object_set_new(reg, "baseline", json_string(epoch));
	else
		json_object_del(reg, "baseline");
	assert_int_equal(history_epochs_save(hist, reg, &err), 0);
	unlink(hist);
	json_decref(recs);
	json_decref(reg);
}

/* Epochs are behaviours kept across new baselines: after an accept the accepted behaviour
 * keeps its ID, a return to the behaviour from before is a return to its epoch (recognised by
 * the answers alone), a recorded baseline gets the epoch its answers show, and a behaviour
 * never seen gets an ID never used before. */
static void test_epochs_across_baselines(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_params *p = detect_params_new(NULL, NULL, NULL, NULL, &err);
	struct detect_outcome o;
	char dir[] = "/tmp/pl_test_detect_XXXXXX", hist[300];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(hist, sizeof(hist), "%s/core.jsonl", dir);
	assert_int_equal(behaviour_night(p, "It", "It", hist, "d1", &o), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	assert_int_equal(behaviour_night(p, "That", "It", hist, "d2", &o), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_string_equal(o.epoch, "e2");
	/* accepted: the baseline now answers "That" */
	new_baseline(hist, "e2");
	assert_int_equal(behaviour_night(p, "That", "That", hist, "d3", &o), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e2");
	/* a known state: no alarm */
	assert_int_equal(behaviour_night(p, "It", "That", hist, "d4", &o), DETECT_NO_CHANGE);
	assert_true(o.returned_epoch);
	assert_string_equal(o.epoch, "e1");
	assert_non_null(strstr(o.summary, "back at known state e1 (since d1)"));
	assert_int_equal(behaviour_night(p, "It", "That", hist, "d5", &o), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	/* recorded again on "It": the baseline shows e1 */
	new_baseline(hist, NULL);
	assert_int_equal(behaviour_night(p, "It", "It", hist, "d6", &o), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	/* recorded on a behaviour never seen: a new ID; e2 is still known two baselines on */
	new_baseline(hist, NULL);
	assert_int_equal(behaviour_night(p, "Yes", "Yes", hist, "d7", &o), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e3");
	assert_int_equal(behaviour_night(p, "That", "Yes", hist, "d8", &o), DETECT_NO_CHANGE);
	assert_true(o.returned_epoch);
	assert_string_equal(o.epoch, "e2");

	forget(hist);
	rmdir(dir);
	detect_params_free(p);
}

/* A change confined to two prompts (80% of their answers new)
 * barely moves the suite's mean distance; judged against their own nights, the two prompts are
 * caught on the first night (the mean-distance rule alone said "no change"). A prompt whose
 * distance is high every night is judged against its own usual value: no alarm. */
static void test_prompt_evidence(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1, .moved = 1u << 5 }; /* p10 always moved */
	struct vendor two = { .noise = 0.1, .moved = 1u << 5 | 1u << 1 | 1u << 3 };
	json_t *sec = NULL, *dec, *p02;
	int n, alarms = 0;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		alarms += night(&f, &quiet, n, &o, NULL) != DETECT_NO_CHANGE;
	/* the first night, before any history, sees p10's constant move */
	assert_true(alarms <= 2);
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	night(&f, &two, n, &o, &sec);
	if (getenv("PL_DEBUG")) {
		char *t = json_dumps(json_object_get(sec, "distance"), JSON_INDENT(1));

		printf("%s\n", t);
		free(t);
	}
	assert_int_equal(o.verdict, DETECT_CHANGED);
	dec = json_object_get(sec, "decision");
	assert_false(json_is_true(json_object_get(dec, "suite_above")));
	assert_int_equal(json_integer_value(json_object_get(dec, "prompts_over")), 2);
	assert_non_null(strstr(o.summary, "2 prompts beyond their own night-to-night variation"));
	assert_non_null(strstr(o.summary, "moved prompts: p02 p06"));
	p02 = json_array_get(json_object_get(json_object_get(sec, "distance"), "prompts"), 2);
	assert_string_equal(json_string_value(json_object_get(p02, "id")), "p02");
	assert_true(json_is_true(json_object_get(p02, "over")));
	/* a categorical prompt with its nights' answer counts is judged by its mix against the
	 * baseline pooled with those nights */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(p02, "evidence"), 0), "signal")),
			    "mix");
	json_decref(sec);
	fx_release(&f);
}

/* A suspected change that holds the next night is confirmed: the epoch opens, dated by the
 * night it was suspected; the night after is the new epoch's usual. The history records the
 * stages. */
static void test_stage_confirmed(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, two = { .noise = 0.1, .moved = 1u << 1 | 1u << 3 };
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		night(&f, &quiet, n, &o, NULL);
	assert_int_equal(night(&f, &two, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_false(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_non_null(strstr(o.summary, "suspected: epoch e2"));
	{
		json_t *rec = last_record(f.hist);

		assert_string_equal(json_string_value(json_object_get(rec, "stage")), "suspected");
		assert_string_equal(json_string_value(json_object_get(rec, "from")), "e1");
		json_decref(rec);
	}
	assert_int_equal(night(&f, &two, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_true(o.new_epoch);
	assert_string_equal(o.epoch, "e2");
	assert_non_null(strstr(o.summary, "confirmed: new epoch e2 (since 2026-01-15)"));
	assert_int_equal(night(&f, &two, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_int_equal(o.stage, DETECT_STAGE_NONE);
	assert_string_equal(o.epoch, "e2");
	fx_release(&f);
}

/* A one-night blip is one alarm: suspected, then retracted the next night (no change, exit 0
 * for the CLI), back in e1; the night after is plain. */
static void test_stage_retracted(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, two = { .noise = 0.1, .moved = 1u << 1 | 1u << 3 };
	int n, changed = 0;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		night(&f, &quiet, n, &o, NULL);
	changed += night(&f, &two, n++, &o, NULL) == DETECT_CHANGED;
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	changed += night(&f, &quiet, n++, &o, NULL) == DETECT_CHANGED;
	assert_int_equal(o.stage, DETECT_STAGE_RETRACTED);
	assert_int_equal(o.verdict, DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	assert_false(o.new_epoch);
	assert_non_null(strstr(o.summary, "retracted: the change suspected on 2026-01-15"));
	{
		json_t *rec = last_record(f.hist);

		assert_string_equal(json_string_value(json_object_get(rec, "stage")), "retracted");
		assert_string_equal(json_string_value(json_object_get(rec, "epoch")), "e1");
		json_decref(rec);
	}
	changed += night(&f, &quiet, n++, &o, NULL) == DETECT_CHANGED;
	assert_int_equal(o.stage, DETECT_STAGE_NONE);
	assert_int_equal(changed, 1);
	fx_release(&f);
}

/* An endpoint that switches between two serving states: the second state is suspected and
 * confirmed once; after that every switch, either way, is a return to a known state (no
 * alarm), and the endpoint is reported multi-state with both states. */
/* One categorical prompt that starts giving an answer it never gave (80% of its answers) is a
 * change on its own: its unseen answers are evidence beyond doubt, though one prompt's mix
 * alone is not enough (prompt_min 2). Before, a change confined to one prompt was never
 * suspected. The summary says what the prompt does now. */
static void test_novel_alone(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, one = { .noise = 0.1, .moved = 1u << 2 };
	json_t *sec = NULL, *pr, *e;
	size_t i;
	int n, alarms = 0, novel = 0;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		alarms += night(&f, &quiet, n, &o, NULL) != DETECT_NO_CHANGE;
	assert_int_equal(alarms, 0);
	assert_int_equal(night(&f, &one, n++, &o, &sec), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_true(json_is_true(json_object_get(json_object_get(sec, "decision"), "novel_alone")));
	assert_non_null(strstr(o.summary, "p04: "));
	assert_non_null(strstr(o.summary, "of 10 answers never given before"));
	assert_non_null(strstr(o.summary, "moved prompts: p04"));
	pr = json_array_get(json_object_get(json_object_get(sec, "distance"), "prompts"), 4);
	json_array_foreach(json_object_get(pr, "evidence"), i, e)
		novel += !strcmp(json_string_value(json_object_get(e, "signal")), "novel") &&
			 json_is_true(json_object_get(e, "over"));
	assert_int_equal(novel, 1);
	json_decref(sec);
	/* it holds the next night: confirmed */
	assert_int_equal(night(&f, &one, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	fx_release(&f);
}

/* A known state explains tonight only if it gave tonight's unseen answers: two changes that
 * reword the same prompts differently (behind the same new system fingerprint) are two
 * states, though both sit as far from the baseline (before, the second was taken for a
 * return to the first). A return to the first is still recognised. */
static void test_novel_not_known_state(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 };
	struct vendor x = { .noise = 0.1, .moved = 1u << 2 | 1u << 4 | 1u << 6, .fp = "fp_b" };
	struct vendor y = x;
	int n;

	(void)state;
	y.tag = "newer";
	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		night(&f, &quiet, n, &o, NULL);
	assert_int_equal(night(&f, &x, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(night(&f, &x, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(o.epoch, "e2");
	night(&f, &x, n++, &o, NULL);
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	night(&f, &quiet, n++, &o, NULL);
	/* x again: the known state e2 */
	assert_int_equal(night(&f, &x, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e2");
	night(&f, &quiet, n++, &o, NULL);
	assert_string_equal(o.epoch, "e1");
	/* y: the same prompts, other new answers: not e2 */
	assert_int_equal(night(&f, &y, n++, &o, NULL), DETECT_CHANGED);
	assert_string_equal(o.epoch, "e3");
	fx_release(&f);
}

/* A change confined to a few prompts (no hard signal; `moved` as struct vendor's) that the
 * vendor takes back after its epoch's first night is a return to the state before it on the
 * first night back, and the state it left stays known: the change again is no alarm. */
static void revert_after_change(unsigned moved)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, x = { .noise = 0.1, .moved = moved };
	int n;

	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		night(&f, &quiet, n, &o, NULL);
	assert_int_equal(night(&f, &x, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(night(&f, &x, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(o.epoch, "e2");
	assert_int_equal(night(&f, &quiet, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	assert_true(o.returned_epoch);
	assert_non_null(strstr(o.summary, "back at known state e1"));
	assert_int_equal(night(&f, &x, n++, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e2");
	fx_release(&f);
}

/* Three prompts: before, in the new epoch those prompts fell back to the baseline's answers,
 * the permutation test against the baseline found nothing, and the night was "no change" in
 * the new epoch. */
static void test_revert_confined(void **state)
{
	(void)state;
	revert_after_change(1u << 2 | 1u << 4 | 1u << 6);
}

/* One prompt (its new answers alarmed alone): taken back, the one prompt the suspicion named
 * sits at its old distance again, too little to alarm against the young epoch's two nights;
 * it is a return to the state the epoch came from all the same. */
static void test_revert_one_prompt(void **state)
{
	(void)state;
	revert_after_change(1u << 2);
}

static void test_multi_state(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor a = { .noise = 0.1 }, b = { .noise = 0.1, .wording = 0.3, .fp = "fp_b" };
	int n, changed = 0, k;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 12; n++)
		changed += night(&f, &a, n, &o, NULL) == DETECT_CHANGED;
	assert_int_equal(changed, 0);
	changed += night(&f, &b, n++, &o, NULL) == DETECT_CHANGED;
	changed += night(&f, &b, n++, &o, NULL) == DETECT_CHANGED;
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_int_equal(changed, 2);
	for (k = 0; k < 8; k++) {
		int in_a = k % 4 < 2; /* a, a, b, b, a, a, b, b */

		changed += night(&f, in_a ? &a : &b, n++, &o, NULL) == DETECT_CHANGED;
		assert_string_equal(o.epoch, in_a ? "e1" : "e2");
		assert_true(o.multi_state);
		assert_string_equal(o.states, "e1,e2");
	}
	assert_int_equal(changed, 2);
	assert_non_null(strstr(o.summary, "multi-state endpoint, known states: e1, e2"));
	fx_release(&f);
}

/* The nights of history in use never go down as nights come in (they went 0, 1, 2, 1, 2, 3
 * when the most recent were left out as soon as there were more of them). */
static void test_cold_start_count(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.05 };
	json_int_t prev = -1;
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 12; n++) {
		json_t *sec = NULL;
		json_int_t now;

		night(&f, &quiet, n, &o, &sec);
		now = json_integer_value(
			json_object_get(json_object_get(sec, "decision"), "pooled_nights"));
		assert_true(now >= prev);
		if (n <= 2)
			assert_int_equal(now, n); /* nights 1 and 2 count at once */
		prev = now;
		json_decref(sec);
	}
	assert_int_equal(prev, 9); /* 11 nights, the 2 most recent left out */
	fx_release(&f);
}

/* A suspicion raised by two prompts names them in the history; the next night tests each of
 * them alone (Bonferroni over the two, not BH over every prompt): one of them still moved
 * confirms the change, though one prompt alone would not raise a suspicion (prompt_min 2).
 * Before, the second night needed two prompts over again and retracted. The history keeps
 * each categorical prompt's answer counts, the reference of its mix. */
static void test_confirm_named_prompts(void **state)
{
	struct fx f;
	struct detect_outcome o;
	struct vendor quiet = { .noise = 0.1 }, two = { .noise = 0.1, .moved = 1u << 1 | 1u << 3 };
	struct vendor one = { .noise = 0.1, .moved = 1u << 1 };
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *last, *named;
	int n;

	(void)state;
	fx_init(&f, NULL);
	for (n = 0; n < 14; n++)
		night(&f, &quiet, n, &o, NULL);
	assert_int_equal(night(&f, &two, n++, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_int_equal(history_load(f.hist, &recs, NULL, &err), 0);
	last = json_array_get(recs, json_array_size(recs) - 1);
	named = json_object_get(last, "suspected_prompts");
	assert_int_equal(json_array_size(named), 2);
	assert_string_equal(json_string_value(json_array_get(named, 0)), "p02");
	assert_string_equal(json_string_value(json_array_get(named, 1)), "p06");
	/* p00 is categorical (even): its answer counts, 10 answers */
	assert_true(json_is_object(json_object_get(json_object_get(last, "answers"), "p00")));
	assert_null(json_object_get(json_object_get(last, "answers"), "p01"));
	json_decref(recs);
	night(&f, &one, n++, &o, NULL);
	assert_int_equal(o.verdict, DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_non_null(strstr(o.summary, "1 prompt the suspicion named still beyond"));
	fx_release(&f);
}

/* The unchanged lumpy scenarios of each family (tests/support/scenario.c). */
static const char *const lumpy_names[] = { "sim-lumpy", "cat-lumpy", "labels-lumpy" };

/* A scenario of tests/support/scenario.c by name. */
static const struct scenario *scenario_named(const char *name)
{
	size_t n, i;
	const struct scenario *list = scenario_list(&n);

	for (i = 0; i < n && strcmp(list[i].name, name); i++)
		;
	assert_true(i < n);
	return &list[i];
}

/* The first night after a baseline differs from it by that night's serving noise too, which
 * sampling noise says nothing of: on lumpy endpoints (bench_scenarios' lumpy nights, all three
 * families, 20 endpoints each) the first night is rarely a suspicion. Before the cold-start
 * margin at least doubled the sampling-noise distance, about one first night in five was
 * (22 of 120 in bench_scenarios). */
static void test_cold_start_lumpy(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_params *prm = detect_params_new(NULL, NULL, NULL, NULL, &err);
	size_t k;
	char *dir = tu_tmpdir();
	int suspected = 0, trials = 0;
	unsigned long long t;

	(void)state;
	assert_non_null(prm);
	for (k = 0; k < ARRAY_SIZE(lumpy_names); k++) {
		const struct scenario *sc = scenario_named(lumpy_names[k]);

		for (t = 1; t <= 20; t++) {
			struct sampleset *base = scenario_night(sc, t, 0, 0, 30);
			struct sampleset *n1 = scenario_night(sc, t, 1, 0, 10);
			struct detect_outcome o;
			json_t *sec = NULL;
			char hist[512];

			snprintf(hist, sizeof(hist), "%s/%s-%llu.jsonl", dir, sc->name, t);
			assert_int_equal(detect_evaluate(prm, base, n1, hist, "night-1", 1, &o,
							 &sec, &err),
					 0);
			suspected += o.verdict == DETECT_CHANGED;
			trials++;
			json_decref(sec);
			sampleset_free(base);
			sampleset_free(n1);
		}
	}
	assert_int_equal(trials, 60);
	assert_true(suspected <= 3);
	detect_params_free(prm);
	tu_rmrf(dir);
	free(dir);
}

/* Which prompt p-values count_history_p counts: distances' and mixes', mixes' alone, or the
 * mixes' that the sampling model gave. */
enum p_kind { P_ALL, P_MIX, P_MODEL };

/* Counts a night's p-values of the kind `kind` (*n) and those at most
 * level (*small), checking that the report names each prompt's spread and how its p-value
 * was had: the degrees of freedom of its t tail (each p at least that tail) or, a categorical
 * prompt's mix on an endpoint whose nights vary about as sampling does, the endpoint's
 * dispersion its sampling model drew with (1 to 1.3, no t tail). */
static void count_history_p(const json_t *sec, enum p_kind kind, double level, size_t *n,
			    size_t *small)
{
	const json_t *pr = json_object_get(json_object_get(sec, "distance"), "prompts"), *e, *ev;
	size_t i, j;

	json_array_foreach(pr, i, e)
	{
		double df = json_number_value(json_object_get(e, "df"));
		double sp = json_number_value(json_object_get(e, "spread"));
		double ph = json_number_value(json_object_get(e, "dispersion"));

		json_array_foreach(json_object_get(e, "evidence"), j, ev)
		{
			const char *sig = json_string_value(json_object_get(ev, "signal"));
			double p = json_number_value(json_object_get(ev, "p")), tail;

			if ((kind != P_ALL || strcmp(sig, "distance")) && strcmp(sig, "mix"))
				continue;
			if (kind == P_MODEL && !(ph > 0))
				continue;
			(*n)++;
			*small += p <= level;
			assert_true(sp > 0);
			if (!strcmp(sig, "mix") && ph > 0) {
				assert_true(ph >= 1 && ph <= 1.3 && !json_object_get(e, "df"));
				continue;
			}
			assert_true(df >= 6 && !json_object_get(e, "dispersion"));
			tail = stats_t_sf(json_number_value(json_object_get(ev, "effect")) / sp,
					  df);
			if (tail > 0.01)
				assert_true(p >= 0.9 * tail);
		}
	}
}

/* The share of the prompts' p-values of the kind `kind` (count_history_p) at most
 * `level` on nights 10 to 14 of unchanged endpoints of the named scenarios (12 endpoints
 * each); *n: how many there were; *disp (NULL: not wanted): the median of the endpoints'
 * dispersions on those nights (decision.dispersion in the report). */
static double history_p_share(const char *const *names, size_t n_names, enum p_kind kind,
			      double level, size_t *n, double *disp)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_params *prm = detect_params_new(NULL, NULL, NULL, NULL, &err);
	char *dir = tu_tmpdir();
	size_t k, small = 0, nd = 0;
	double *ds = xcalloc(n_names * 12 * 5, sizeof(*ds));
	unsigned long long t;

	assert_non_null(prm);
	*n = 0;
	for (k = 0; k < n_names; k++) {
		const struct scenario *sc = scenario_named(names[k]);

		for (t = 1; t <= 12; t++) {
			struct sampleset *base = scenario_night(sc, t, 0, 0, 30);
			char hist[512];
			int night;

			snprintf(hist, sizeof(hist), "%s/%s-%llu.jsonl", dir, sc->name, t);
			for (night = 1; night <= 14; night++) {
				struct sampleset *s = scenario_night(sc, t, night, 0, 10);
				struct detect_outcome o;
				json_t *sec = NULL;
				char id[32];
				double d = 0;

				snprintf(id, sizeof(id), "night-%04d", night);
				assert_int_equal(detect_evaluate(prm, base, s, hist, id, 0, &o,
								 &sec, &err),
						 0);
				if (night >= 10) {
					count_history_p(sec, kind, level, n, &small);
					d = json_number_value(json_object_get(
						json_object_get(sec, "decision"), "dispersion"));
					if (d > 0)
						ds[nd++] = d;
				}
				json_decref(sec);
				sampleset_free(s);
			}
			sampleset_free(base);
		}
	}
	if (disp)
		*disp = stats_median(ds, nd);
	free(ds);
	detect_params_free(prm);
	tu_rmrf(dir);
	free(dir);
	return *n ? (double)small / (double)*n : 0;
}

/* Each prompt's p-value against its own nights stays near its level where the history is
 * young: on unchanged lumpy endpoints (all three families, 12 endpoints each, nights 10 to 14
 * of their history, so 7 to 12 nights behind each spread) at most 2.2% of the prompts'
 * distance and mix p-values are at most 0.01 (2.1% are). A spread estimated from so few
 * nights understates how far a lumpy night goes, and Student's t of the spread's degrees of
 * freedom makes up for most of it: by the normal tail, more were. (1.5% were while a
 * categorical prompt's spread was floored by the permutation test's sampling noise, that of
 * 10 answers against the baseline's 30, not of its mix against the larger reference: on
 * still nights that made the mix's p-values far too large; test_mix_p_still_nights.) */
static void test_prompt_p_calibrated(void **state)
{
	size_t n;
	double share;

	(void)state;
	share = history_p_share(lumpy_names, ARRAY_SIZE(lumpy_names), P_ALL, 0.01, &n, NULL);
	if (getenv("PL_DEBUG"))
		printf("p <= 0.01: %.4f of %zu\n", share, n);
	assert_true(n >= 4000);
	assert_true(share <= 0.022);
}

/* Trial `trial` of scenario `name` as bench_scenarios runs it: a baseline of 30 samples a
 * prompt, `history` unchanged nights, then two nights with the change and, with revert, a
 * third night: TAKE_BACK unchanged again, HOLD still changed (0: no third night); revert N
 * over HOLD: the change holds N nights, then LATE_BACK nights unchanged again. Every
 * night's outcome in out[] and, when secs is not NULL, its report section in secs[] (the
 * caller's to release) (detect_params from the detection settings `settings`, NULL:
 * defaults). */
#define TAKE_BACK 1
#define HOLD	  2
#define LATE_BACK 4
static void scenario_nights(const char *name, unsigned long long trial, int history, int revert,
			    const char *settings, struct detect_outcome *out, json_t **secs)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *cfg = settings ? json_loads(settings, 0, NULL) : NULL;
	struct detect_params *prm = detect_params_new(NULL, cfg, NULL, NULL, &err);
	const struct scenario *sc = scenario_named(name);
	struct sampleset *base = scenario_night(sc, trial, 0, 0, 30);
	char *dir = tu_tmpdir(), hist[512], id[32];
	int n, span = revert > HOLD ? revert : 2;

	assert_non_null(prm);
	snprintf(hist, sizeof(hist), "%s/h.jsonl", dir);
	for (n = 1; n <= history + span + (revert > HOLD ? LATE_BACK : !!revert); n++) {
		struct sampleset *s = scenario_night(
			sc, trial, n, n > history && (n <= history + span || revert == HOLD), 10);
		json_t *sec = NULL;

		snprintf(id, sizeof(id), "night-%04d", n);
		assert_int_equal(
			detect_evaluate(prm, base, s, hist, id, 0, &out[n - 1], &sec, &err), 0);
		if (getenv("PL_DEBUG"))
			printf("%s %d: %s\n", id, out[n - 1].stage, out[n - 1].summary);
		if (secs)
			secs[n - 1] = json_incref(sec);
		json_decref(sec);
		sampleset_free(s);
	}
	sampleset_free(base);
	json_decref(cfg);
	detect_params_free(prm);
	tu_rmrf(dir);
	free(dir);
}

static void scenario_run(const char *name, unsigned long long trial, int history,
			 const char *settings, struct detect_outcome *out, json_t **secs)
{
	scenario_nights(name, trial, history, 0, settings, out, secs);
}

/* scenario_run after 12 unchanged nights, its first changed night (the 13th) suspected: that
 * night's decision (in secs[12] when secs is not NULL, else NULL). */
static json_t *first_night_suspected(const char *name, unsigned long long trial,
				     struct detect_outcome *out, json_t **secs)
{
	scenario_run(name, trial, 12, NULL, out, secs);
	assert_int_equal(out[12].verdict, DETECT_CHANGED);
	assert_int_equal(out[12].stage, DETECT_STAGE_SUSPECTED);
	return secs ? json_object_get(secs[12], "decision") : NULL;
}

/* The two changed nights' stages of scenario_run (the first: none unless it alarmed). */
static void change_stages(const char *name, unsigned long long trial, int history,
			  const char *settings, enum detect_stage *first, enum detect_stage *second)
{
	struct detect_outcome out[32];

	assert_true(history + 2 <= (int)ARRAY_SIZE(out));
	scenario_run(name, trial, history, settings, out, NULL);
	*first = out[history].verdict == DETECT_CHANGED ? out[history].stage : DETECT_STAGE_NONE;
	*second = out[history + 1].stage;
}

/* The prompts a suspicion named are tested alone the next night at fdr over the k of them
 * (as its named rates are), not at prompt_alpha: the hypothesis was fixed the night before,
 * so a false one is confirmed with a chance of about fdr, well inside the budget of confirmed
 * false alarms (at most 1 per 100 nights against up to 3 suspicions). Two prompts of 25 moved
 * (TV 0.5) on a still endpoint (bench_scenarios' cat-move2-still, its trial 6): ten answers
 * of each named prompt on the second night give p between prompt_alpha / 2 and fdr / 2, and
 * at prompt_alpha / 2 the change held for two nights was retracted. */
static void test_confirm_at_fdr(void **state)
{
	enum detect_stage first = DETECT_STAGE_NONE, second = DETECT_STAGE_NONE;

	(void)state;
	change_stages("cat-move2-still", 6, 12, NULL, &first, &second);
	assert_int_equal(first, DETECT_STAGE_SUSPECTED);
	assert_int_equal(second, DETECT_STAGE_CONFIRMED);
	/* the level is fdr: at fdr 0.01 (the confirmation's old level) the same night retracts */
	change_stages("cat-move2-still", 6, 12, "{\"fdr\": 0.01}", &first, &second);
	assert_int_equal(first, DETECT_STAGE_SUSPECTED);
	assert_int_equal(second, DETECT_STAGE_RETRACTED);
}

/* A change two nights after another is no cold start for the rates. An epoch of one or two
 * nights has a few answers a prompt as its rates' reference, judged at alpha; its rates are
 * also tested against the state it came from, for the signals its own nights show as that
 * state had them. bench_scenarios' sim-refusal5, trial 92: a false alarm suspected on night
 * 11 is confirmed on night 12 (a new epoch, e2); plain-text refusals on 5% of the answers from
 * night 13 are a suspicion against e1, the state before e2 (e3, from e2), confirmed on night
 * 14. (Trial 8 was the case until a modelled prompt's mix with answers its
 * reference never gave stopped alarming alone: its false alarm on night 11 went.) */
static void test_rates_young_epoch(void **state)
{
	struct detect_outcome out[14];

	(void)state;
	scenario_run("sim-refusal5", 92, 12, NULL, out, NULL);
	/* the case: a change confirmed two nights before the refusals start */
	assert_int_equal(out[10].stage, DETECT_STAGE_SUSPECTED);
	assert_int_equal(out[11].stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(out[11].epoch, "e2");
	assert_int_equal(out[12].verdict, DETECT_CHANGED);
	assert_int_equal(out[12].stage, DETECT_STAGE_SUSPECTED);
	assert_non_null(strstr(out[12].summary, "refusals"));
	assert_non_null(strstr(out[12].summary, "(against e1, the state before e2)"));
	assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(out[13].epoch, "e3");
}

/* A change confined to a few prompts that falls short of the alarm on its first night is
 * watched: the night's prompts with p <= 0.1 (the 5 smallest, when 2 are) are tested alone the
 * next night, a family fixed before that night's answers. bench_scenarios' cat-move2-still,
 * trial 12 (p09 and p20 moved, TV 0.5, nights otherwise still): the first changed night is no
 * change (p09 alone over) and watches 5 prompts, the moved two among them; the second is
 * suspected on those two alone, tested among the 5 (Wilkinson's second smallest of 5 at
 * prompt_alpha). (Trial 4, the case before, whose second night was no change without the
 * watch, is suspected on its first night since the mix's sampling model:
 * test_mix_model_finds.) */
static void test_watch_next_night(void **state)
{
	struct detect_outcome out[14];
	json_t *secs[14], *watched;
	char *js;
	size_t i;

	(void)state;
	scenario_run("cat-move2-still", 12, 12, NULL, out, secs);
	assert_int_equal(out[12].verdict, DETECT_NO_CHANGE);
	/* the report names the watched prompts; the moved two are among them */
	watched = json_object_get(json_object_get(secs[12], "decision"), "watched");
	assert_int_equal(json_array_size(watched), 5);
	js = json_dumps(watched, JSON_COMPACT);
	assert_non_null(js);
	assert_non_null(strstr(js, "\"p09\""));
	assert_non_null(strstr(js, "\"p20\""));
	free(js);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(secs[13], "decision"),
							    "watch_moved")),
			 2);
	assert_int_equal(out[13].verdict, DETECT_CHANGED);
	assert_int_equal(out[13].stage, DETECT_STAGE_SUSPECTED);
	assert_non_null(strstr(out[13].summary, "2 of the 5 prompts watched last night beyond"));
	assert_non_null(strstr(out[13].summary, "moved prompts: p09 p20;"));
	for (i = 0; i < ARRAY_SIZE(secs); i++)
		json_decref(secs[i]);
}

/* The watch costs few false alarms: on unchanged lumpy endpoints (the three families, 6
 * endpoints each, 22 nights) many nights watch prompts (p <= 0.1 among the prompts nearest the
 * alarm is ordinary), and the next night's test of them alone holds on few of the nights after
 * a watch and ends in a suspicion on fewer: 5 and 2 of 109 here, the 2 on nights with two more
 * prompts over by the prompts' own rule (a noisy night moves every prompt a little, which
 * Wilkinson's test, assuming independent prompts, does not expect), the 3 others in a young
 * epoch whose night was a return to the state before it (no alarm). bench_scenarios: not one
 * suspicion more over 11,520 unchanged nights. */
static void test_watch_calibrated(void **state)
{
	struct detect_outcome out[22];
	json_t *secs[22];
	size_t f, n, after = 0, held = 0, suspected = 0;
	unsigned long long t;

	(void)state;
	for (f = 0; f < ARRAY_SIZE(lumpy_names); f++) {
		for (t = 1; t <= 6; t++) {
			scenario_run(lumpy_names[f], t, 20, NULL, out, secs);
			for (n = 1; n < ARRAY_SIZE(secs); n++) {
				const json_t *prev = json_object_get(secs[n - 1], "decision");
				const json_t *now = json_object_get(secs[n], "decision");
				int h = json_integer_value(json_object_get(now, "watch_moved")) > 0;

				if (!json_array_size(json_object_get(prev, "watched")))
					continue;
				after++;
				held += h;
				suspected += h && out[n].stage == DETECT_STAGE_SUSPECTED;
				if (getenv("PL_DEBUG") && h)
					printf("held: %s %llu night %zu: %s\n", lumpy_names[f], t,
					       n + 1, out[n].summary);
			}
			for (n = 0; n < ARRAY_SIZE(secs); n++)
				json_decref(secs[n]);
		}
	}
	if (getenv("PL_DEBUG"))
		printf("nights after a watch %zu, the test held on %zu, suspected %zu\n", after,
		       held, suspected);
	/* the watch is common, so the bounds below say something */
	assert_true(after >= 100);
	assert_true((double)held <= 0.06 * (double)after);
	assert_true((double)suspected <= 0.03 * (double)after);
}

/* On an endpoint whose nights vary about as sampling does, a categorical prompt's mix p-value
 * comes from a model of its answers (the reference's mix, overdispersed as the endpoint's
 * nights are), not from the t tail of its own dozen nights. On still nights (no
 * night-to-night noise beyond sampling, nights 10 to 14) the model is near the truth, and
 * its p-values hold their level where an alarm needs them: 1.06% at most 0.01 (0.58% at most
 * 0.005); the endpoint's dispersion, measured over its prompts, is near 1 (median 1.08), and
 * 70% of the mix p-values are the model's (the rest fall on nights whose dispersion came out
 * over 1.15, judged by their t tails). With the t tail alone, floored by the statistic's
 * sampling noise, the mix p-values were held at half their level (0.47% at most 0.01, 0.27%
 * at most 0.005; 0.81% and 0.47% now over all of them): a change confined to two prompts
 * that the nights' noise did not hide went unseen (test_mix_model_finds). An endpoint whose
 * every answer wanders (cat-wild) has a dispersion far above it, lumpy nights between. */
static void test_mix_p_still_nights(void **state)
{
	static const char *const still[] = { "cat-still" }, *const wild[] = { "cat-wild" },
				 *const lumpy[] = { "cat-lumpy" };
	size_t n, n_model;
	double share, model, disp, d_wild, d_lumpy;

	(void)state;
	share = history_p_share(still, 1, P_MIX, 0.01, &n, &disp);
	model = history_p_share(still, 1, P_MODEL, 0.01, &n_model, NULL);
	if (getenv("PL_DEBUG"))
		printf("mix p <= 0.01: %.4f of %zu, the model's %.4f of %zu, dispersion %.2f\n",
		       share, n, model, n_model, disp);
	assert_true(n >= 1000 && n_model >= 0.6 * (double)n);
	assert_true(model >= 0.007 && model <= 0.015);
	assert_true(share >= 0.0065);
	assert_true(disp >= 1 && disp <= 1.15);
	history_p_share(wild, 1, P_MIX, 0.01, &n, &d_wild);
	history_p_share(lumpy, 1, P_MIX, 0.01, &n, &d_lumpy);
	if (getenv("PL_DEBUG"))
		printf("dispersion: wild %.2f lumpy %.2f\n", d_wild, d_lumpy);
	assert_true(d_lumpy > disp && d_wild > 2 * d_lumpy);
}

/* Two of 25 categorical prompts move (TV 0.5) on an endpoint whose nights differ by
 * sampling alone (bench_scenarios' cat-move2-still): these endpoints' first night of the
 * change is suspected now; judged by the t tails of the prompts' own spreads
 * (test_mix_p_still_nights) it was not. Over the benchmark's 40 endpoints 45% of first
 * nights are suspected, 38% before. */
static void test_mix_model_finds(void **state)
{
	static const unsigned long long trials[] = { 4, 5, 22 };
	struct detect_outcome out[14];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(trials); i++)
		first_night_suspected("cat-move2-still", trials[i], out, NULL);
}

/* On an endpoint whose categorical prompts the sampling model judges, one prompt's mix is
 * enough alone at BH q <= prompt_alpha: its p-value comes from draws of the reference's mix
 * wandering as the endpoint's nights do, not from the t tail of a dozen of its own nights, so
 * prompt_min (which guards against that tail) is not needed. cat-move2-still's trial 30: one
 * of the two moved prompts (p06) gives p = 5e-8 on the change's first night, the other
 * nothing; before, that night was no change. The summary says what the prompt does. On an
 * endpoint whose prompts are judged by the t tails of their own nights one prompt is not
 * enough. */
static void test_mix_alone(void **state)
{
	struct detect_outcome out[26];
	json_t *secs[26], *dec;
	size_t i;

	(void)state;
	dec = first_night_suspected("cat-move2-still", 30, out, secs);
	for (i = 0; i < 12; i++)
		assert_int_not_equal(out[i].verdict, DETECT_CHANGED);
	assert_true(json_is_true(json_object_get(dec, "mix_alone")));
	assert_false(json_is_true(json_object_get(dec, "novel_alone")));
	assert_int_equal(json_integer_value(json_object_get(dec, "prompts_over")), 1);
	assert_non_null(strstr(out[12].summary, "p06: its answers' mix 0."));
	assert_non_null(strstr(out[12].summary, "moved prompts: p06"));
	for (i = 0; i < 14; i++)
		json_decref(secs[i]);
	/* lumpy (cat-lumpy's trial 2, unchanged): on its 23rd night one prompt is over at BH
	 * q <= prompt_alpha, judged by the t tail of its own nights, and that is no change */
	scenario_nights("cat-lumpy", 2, 24, 0, NULL, out, secs);
	dec = json_object_get(secs[22], "decision");
	assert_int_equal(json_integer_value(json_object_get(dec, "prompts_over")), 1);
	assert_false(json_is_true(json_object_get(dec, "mix_alone")));
	assert_int_not_equal(out[22].verdict, DETECT_CHANGED);
	for (i = 0; i < 26; i++)
		json_decref(secs[i]);
}

/* A change on nights 13 and 14 after 12 unchanged nights (scenario_nights, revert: what the
 * third night does), confirmed on the 14th. */
static void run_confirmed(const char *name, unsigned long long trial, int revert,
			  struct detect_outcome *out)
{
	scenario_nights(name, trial, 12, revert, NULL, out, NULL);
	assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
}

/* A night that is a return to e1, no alarm. */
static void assert_back_at_e1(const struct detect_outcome *o)
{
	assert_int_not_equal(o->verdict, DETECT_CHANGED);
	assert_true(o->returned_epoch);
	assert_string_equal(o->epoch, "e1");
}

/* Each of scenario's trials: a change confirmed and taken back on the third night, a return
 * to e1 at once. */
static void assert_taken_back_to_e1(const char *scenario, const unsigned long long *trials,
				    size_t n)
{
	struct detect_outcome out[15];
	size_t i;

	for (i = 0; i < n; i++) {
		run_confirmed(scenario, trials[i], TAKE_BACK, out);
		assert_back_at_e1(&out[14]);
	}
}

/* A fence change confirmed and taken back the next night is recognised at once as the state
 * before it (bench_scenarios' sim-fence10; before, 24 of 40 were, now 33):
 *  - the rates a suspicion named are back when the one-sided mid-p against the young epoch's
 *    counts is at most fdr, as a suspicion's rates are confirmed (trials 3 and 5: a few fenced
 *    answers over two nights and none tonight, exact p above 0.05, mid-p below);
 *  - a suspicion raised by prompts and rates together is back when either is (trials 2 and
 *    12: a prompt named on a lumpy night had moved by its own noise, not with the fences). */
static void test_revert_fences_recognised(void **state)
{
	static const unsigned long long trials[] = { 3, 5, 2, 12 };

	(void)state;
	assert_taken_back_to_e1("sim-fence10", trials, ARRAY_SIZE(trials));
}

/* A young epoch raised by a few prompts' answers is taken back when tonight's answers of the
 * prompts it named are likelier under the state before it than under its own nights (their
 * pooled answer counts), not when their distances from the baseline come out nearer the old
 * state's usual (bench_scenarios' cat-new2: with the change held on the third night it was
 * taken for a return on 6 of 38 confirmed endpoints, now 2; taken back, recognised on 27,
 * now 32; held, cat-move2 4 of 12, now 2, cat-move5 3 of 27, now 1). cat-new2's trial 26 is
 * both: held, it stays changed; taken back, it is e1 again. (The endpoints were cat-new2's
 * and cat-move2's trial 25 until the sampling model judged nights up to a dispersion of 1.3:
 * a suspicion retracted on their tenth night now leaves a one-night state that their change
 * matches, and they are never confirmed. Trials 26 and 22 stand in for them.) */
static void test_return_by_answers(void **state)
{
	static const struct {
		const char *scenario;
		unsigned long long trial;
		int revert;
	} runs[] = { { "cat-new2", 26, HOLD },
		     { "cat-move2", 22, HOLD },
		     { "cat-move5", 35, HOLD },
		     { "cat-new2", 26, TAKE_BACK },
		     { "cat-new2", 2, TAKE_BACK } };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		run_confirmed(runs[i].scenario, runs[i].trial, runs[i].revert, out);
		if (runs[i].revert == HOLD) {
			assert_false(out[14].returned_epoch);
			assert_string_not_equal(out[14].epoch, "e1");
		} else {
			assert_back_at_e1(&out[14]);
		}
	}
}

/* A young epoch is judged taken back on every prompt that made it: those its suspicion named
 * and those that confirmed it. A suspicion raised on a lumpy night may name prompts that moved
 * by their own noise, and the prompts that did change confirm it the next night; judged on the
 * suspicion's prompts alone, which are back at their usual answers, a change that holds was
 * taken for a return. With the change held on the third night (bench_scenarios --hold) these
 * endpoints were taken back to e1: cat-move5's trial 1 (suspected on two watched prompts,
 * confirmed on the two that moved) and cat-move2's trial 1 (suspected on p05 and p14,
 * confirmed on p00 and p19). Taken back, both are still recognised at once. */
static void test_return_needs_the_epochs_prompts(void **state)
{
	static const struct {
		const char *scenario;
		unsigned long long trial;
	} runs[] = { { "cat-move5", 1 }, { "cat-move2", 1 } };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		run_confirmed(runs[i].scenario, runs[i].trial, HOLD, out);
		assert_false(out[14].returned_epoch);
		assert_string_not_equal(out[14].epoch, "e1");
		run_confirmed(runs[i].scenario, runs[i].trial, TAKE_BACK, out);
		assert_back_at_e1(&out[14]);
	}
}

/* A young epoch is taken back when its prompts are back on the whole: a prompt its suspicion
 * named on a noisy night need not come back with the change, so one categorical prompt still
 * likelier under the young epoch does not keep it when the others' answers together are at
 * least a thousand times likelier under the state before. These endpoints (bench_scenarios'
 * cat-move2-quiet and cat-move2-still, trials 17 and 22) had their change taken back and were
 * left in the young epoch ("no change"); held on the third night, they stay changed. Over the
 * benchmark's change scenarios returns recognised at once went from 402 to 415 of 489
 * confirmed changes, held changes taken for a return stayed at 10. */
static void test_return_on_the_whole(void **state)
{
	static const struct {
		const char *scenario;
		unsigned long long trial;
	} runs[] = { { "cat-move2-quiet", 17 },
		     { "cat-move2-quiet", 22 },
		     { "cat-move2-still", 17 },
		     { "cat-move2-still", 22 } };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		run_confirmed(runs[i].scenario, runs[i].trial, TAKE_BACK, out);
		assert_back_at_e1(&out[14]);
		run_confirmed(runs[i].scenario, runs[i].trial, HOLD, out);
		assert_false(out[14].returned_epoch);
		assert_string_not_equal(out[14].epoch, "e1");
	}
}

/* A change taken back is back at the state the endpoint left, not at any older state that
 * matches too. On an endpoint whose nights wander (bench_scenarios' sim-wild-refusal10), a
 * one-night state (a suspicion retracted) matches tonight about as well as the state of the
 * dozen nights before the change, and known states were tried newest first: trials 12 and 27
 * came back at such a blip (e3), not at e1, which they had left. Now the state the young
 * epoch came from (its first night's `from`) is tried first: returns recognised at once on
 * that scenario went from 26 to 38 of 40. */
static void test_return_to_the_state_left(void **state)
{
	static const unsigned long long trials[] = { 12, 27 };

	(void)state;
	assert_taken_back_to_e1("sim-wild-refusal10", trials, ARRAY_SIZE(trials));
}

/* A known state explains tonight only when it explains every prompt over. A state that
 * matched the suite's mean and rates was taken as the answer unless prompt_min prompts were
 * off its usual distances, so a night with fewer prompts over (one prompt's unseen answers or
 * mix alarms alone, or the suite's rates with one prompt that moved) was explained by any
 * older state of the same mean. On a wandering endpoint (bench_scenarios' cat-wild-new2,
 * trial 2: two prompts answer in new wordings from night 13) the first night's new answers
 * (a quarter of the suite's, p05 over) were "back at known state e2", no change, though p05
 * sat far from e2's usual. Now the night is suspected, p05 named, and confirmed on the 14th
 * on both prompts. */
static void test_state_explains_the_alarm(void **state)
{
	struct detect_outcome out[14];
	json_t *secs[14], *dec;
	size_t i;

	(void)state;
	dec = first_night_suspected("cat-wild-new2", 2, out, secs);
	assert_false(out[12].returned_epoch);
	assert_false(json_is_true(json_object_get(dec, "suite_above")));
	assert_int_equal(json_integer_value(json_object_get(dec, "prompts_over")), 1);
	assert_non_null(strstr(out[12].summary, "novel rate"));
	assert_non_null(strstr(out[12].summary, "moved prompts: p05"));
	assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
	assert_non_null(strstr(out[13].summary, "moved prompts: p00 p05"));
	for (i = 0; i < 14; i++)
		json_decref(secs[i]);
}

/* The novel-answer strata a night's report lists (prompt_rates.signals, "stratum": true), and
 * in *risen how many of them rose. */
static size_t novel_strata(const json_t *sec, size_t *risen)
{
	const json_t *e;
	size_t i, n = 0;

	*risen = 0;
	json_array_foreach(json_object_get(json_object_get(sec, "prompt_rates"), "signals"), i, e)
	{
		if (!json_is_true(json_object_get(e, "stratum")))
			continue;
		assert_string_equal(json_string_value(json_object_get(e, "signal")), "novel");
		assert_string_not_equal(json_string_value(json_object_get(e, "prompt")), "*");
		n++;
		*risen += json_number_value(json_object_get(e, "effect")) > 0;
	}
	return n;
}

/* Novel answers over the prompts: a model that starts every fifth prose answer with "Sure!
 * Here's ..." and ends it with an offer of more says words its baseline never used in a fifth
 * more of those answers, on every prose prompt. Pooled over all 25 prompts (the novel rate) that
 * was within a lumpy endpoint's wandering; over the prompts whose novelty counts (not the
 * categorical ones, whose unseen answers are their own evidence), by the exact stratified test,
 * it is a change. bench_scenarios' ext-preamble (written without reading the detector), trial
 * 4: before, the first changed night said nothing and the second was suspected; now the first
 * is suspected on the prose prompts' novel answers, naming the new words they share, and the
 * second confirms it. */
static void test_novel_over_prompts(void **state)
{
	struct detect_outcome out[14];
	json_t *secs[14], *novel;
	size_t i, risen;

	(void)state;
	first_night_suspected("ext-preamble", 4, out, secs);
	assert_non_null(strstr(out[12].summary, "answers saying what the baseline never said"));
	/* with the new words the prompts share, "let me know if you'd like more details": a
	 * drifting night's new words are each two prompts' topic words */
	assert_non_null(strstr(out[12].summary,
			       "over 7 prompts (new words on 2 or more prompts: \"me\" 6, "));
	novel = json_object_get(json_object_get(secs[12], "rates"), "novel_by_prompt");
	assert_true(json_is_true(json_object_get(novel, "changed")));
	assert_true(json_is_true(json_object_get(novel, "per_prompt")));
	/* its figures pooled over the prompts that count novel answers (they read 0 and 0) */
	assert_true(json_number_value(json_object_get(novel, "night")) >
		    json_number_value(json_object_get(novel, "reference")) + 0.1);
	assert_true(json_number_value(json_object_get(novel, "reference")) > 0);
	/* which prompts say the new things: each one's own figures, its stratum of the test (the
	 * "what changed" block flags those whose novel answers rose) */
	assert_true(novel_strata(secs[12], &risen) >= 7);
	assert_true(risen >= 5);
	assert_int_equal(novel_strata(secs[11], &risen), 0);
	assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
	/* an unchanged night before it: no novel test over the prompts came near */
	novel = json_object_get(json_object_get(secs[11], "rates"), "novel_by_prompt");
	assert_non_null(novel);
	assert_false(json_is_true(json_object_get(novel, "changed")));
	for (i = 0; i < 14; i++)
		json_decref(secs[i]);
}

/* Scenario `name`'s trial: a change confirmed by its second night holds twelve nights, a
 * state of its own by then, and is taken back: one of the LATE_BACK nights after is back at
 * the state before it (e1: a return, no alarm), and none alarms. */
static void assert_late_return(const char *name, unsigned long long trial)
{
	struct detect_outcome out[12 + 12 + LATE_BACK];
	int n, back = 0;

	scenario_nights(name, trial, 12, 12, NULL, out, NULL);
	assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
	assert_string_not_equal(out[23].epoch, "e1"); /* held: its own state */
	for (n = 24; n < 24 + LATE_BACK; n++) {
		assert_int_not_equal(out[n].verdict, DETECT_CHANGED);
		back |= out[n].returned_epoch && !strcmp(out[n].epoch, "e1");
	}
	assert_true(back);
}

/* A change that held twelve nights, a state of its own by then, taken back: in that state
 * novel answers that fall back to the baseline's are a move (its rise taken back), not "fewer,
 * no sign of a change" as against the baseline's own state, so the night is over its margins
 * and recognised as the state before (a return, no alarm). bench_scenarios --late 12:
 * ext-preamble's return recognised within four nights on 22 of 28 confirmed changes, 17 when
 * novel answers counted only rising in every state; trial 12 was one of those. */
static void test_late_return(void **state)
{
	(void)state;
	assert_late_return("ext-preamble", 12);
}

/* A move of two prompts that held twelve nights, taken back: in that state a categorical
 * prompt's mix is judged against that state's own nights, not the baseline's answers pooled
 * with them (another state's: a fifth of the reference, so the answers of the state before
 * were half known to it). bench_scenarios --late 12: cat-move2-still's return recognised
 * within four nights on 17 of 18 confirmed changes, 8 with the baseline in every state's
 * reference; trials 6 and 10 were two of those. */
static void test_late_return_mix(void **state)
{
	(void)state;
	assert_late_return("cat-move2-still", 6);
	assert_late_return("cat-move2-still", 10);
}

/* A change of rates that held twelve nights, its state left and entered again on the way (a
 * lumpy night's suspicion, retracted the next night; on trial 8 also a night back at that
 * one-night state, and the next back at the change's), taken back: the return is tested
 * against the state the epoch came from, told by the suspicion that opened it, not by the
 * first night of its latest run (a retraction or a return, which names none).
 * bench_scenarios --late 12: sim-fence10's return recognised within four nights on 32 of 40
 * confirmed changes, 15 before; trials 5 and 8 were two of those. */
static void test_late_return_rates(void **state)
{
	(void)state;
	assert_late_return("sim-fence10", 5);
	assert_late_return("sim-fence10", 8);
}

/* A move of two prompts' answers to a new one that held twelve nights, taken back: no alarm
 * against the state it had become (the two prompts alone, beyond their own spreads in that
 * state, are too few for the night to be over its margins), and a return all the same: the
 * prompts that made the epoch are judged back on their answers, as in a young epoch.
 * bench_scenarios --late 12: cat-new2's return recognised within four nights on 36 of 37
 * confirmed changes, 26 when only a young epoch was judged so; trials 2 and 23 were two of
 * those. */
static void test_late_return_named(void **state)
{
	(void)state;
	assert_late_return("cat-new2", 2);
	assert_late_return("cat-new2", 23);
}

/* Scenario `name`'s trial: a change confirmed by its second night holds sixteen nights, and
 * none of the last LATE_BACK of them, in a state of its own by then, is taken for the state
 * before it (e1). */
static void assert_late_hold(const char *name, unsigned long long trial)
{
	struct detect_outcome out[12 + 16 + LATE_BACK];
	int n;

	scenario_nights(name, trial, 12, 16, NULL, out, NULL);
	assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
	for (n = 24; n < 28; n++) {
		if (out[n].returned_epoch)
			assert_string_not_equal(out[n].epoch, "e1");
	}
}

/* A state that holds many nights has many nights on which it may look back by chance: fences
 * on 10% of answers show none among a night's twenty now and then, two moved labels come out
 * likelier under the state before on some night. Tested night by night, a change held twelve
 * nights was taken for a return on one of the four nights after on 5 of 40 sim-fence10
 * endpoints (trials 8, 19, 36 and 38) and 6 of 14 labels-move2 (trial 12 among them: one
 * night 18000 times likelier under the state before, two labels its pooled nights never
 * gave) (bench_scenarios --late 12 --hold). An epoch with min_history nights of its own is
 * judged back on the evidence of its nights added up (detect_cusum_back): sim-fence10 0 of
 * 40, labels-move2 5 of 14, and none of these. */
static void test_late_hold_not_back(void **state)
{
	static const unsigned long long fence[] = { 8, 19, 36, 38 }, labels[] = { 12 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(fence); i++)
		assert_late_hold("sim-fence10", fence[i]);
	for (i = 0; i < ARRAY_SIZE(labels); i++)
		assert_late_hold("labels-move2", labels[i]);
}

/* A lumpy night of a change that holds may be over its margins against the change's state
 * (other prompts' noise) and match the state before it on the whole: two moved labels are too
 * few for the night to be over its margins against that state. Their answers tell it: when
 * they are at least BACK_LR times likelier under the change's nights, the night is not the
 * state before (a suspicion instead, retracted the next night). bench_scenarios --late 12
 * --hold: labels-move2's held change was taken for a return on one of the four nights on 5
 * of 14 endpoints, on trials 7, 16 and 22 so; now on 2. */
static void test_late_hold_alarm_not_back(void **state)
{
	static const unsigned long long labels[] = { 7, 16, 22 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(labels); i++)
		assert_late_hold("labels-move2", labels[i]);
}

/* Novel answers named beside moved prompts do not take a young epoch back alone: two sim
 * prompts that move say a few new words over the prompts the night they are named, fewer the
 * next, by themselves. With "either back will do" for them, a change that held on its third
 * night was taken for the state before it on 4 of 24 sim-move2 endpoints (--hold; 1 before
 * novel answers were judged over the prompts, 1 now). Trials 6 and 23 were two of them. */
static void test_novel_alone_is_not_back(void **state)
{
	static const unsigned long long trials[] = { 6, 23 };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(trials); i++) {
		run_confirmed("sim-move2", trials[i], HOLD, out);
		assert_false(out[14].returned_epoch);
		assert_string_equal(out[14].epoch, out[13].epoch);
	}
}

/* A young epoch's categorical prompts, each likelier under the state before on one lumpy
 * night, are no return unless together they are at least BACK_LR times likelier: the change's
 * state is estimated from two nights, and the moved prompts' ten answers each came out 100 to
 * 130 times likelier under the state before on the third night of a change that holds. With
 * each likelier enough, that night was taken for the state before on cat-move2 trial 9,
 * cat-new2 trial 20 and labels-move2 trial 9 (bench_scenarios --hold). */
static void test_young_hold_not_back(void **state)
{
	static const struct {
		const char *name;
		unsigned long long trial;
	} c[] = { { "cat-move2", 9 }, { "cat-new2", 20 }, { "labels-move2", 9 } };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		run_confirmed(c[i].name, c[i].trial, HOLD, out);
		assert_false(out[14].returned_epoch);
		assert_string_equal(out[14].epoch, out[13].epoch);
	}
}

/* A return to the state before a young confirmed change is on trial until it has held
 * min_history nights: the state's window keeps its nights before the change, not the
 * return's. On
 * ext-json-field (20% of one JSON prompt's answers with a renamed field) a held change was
 * taken for the state before on a night with none or one renamed answer, and the returned
 * nights brought renamed answers into that state's window; its JSON keys were then
 * judged as a categorical prompt's mix, and the change stayed unseen at the old state for
 * the rest of the run: nights 20 to 32 of trial 32, 17 to 33 of trial 34
 * (bench_scenarios --late 20). Now the last six nights of the change are at its own
 * state. */
static void test_return_on_trial(void **state)
{
	static const unsigned long long trials[] = { 32, 34 };
	struct detect_outcome out[12 + 20 + LATE_BACK];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(trials); i++) {
		scenario_nights("ext-json-field", trials[i], 12, 20, NULL, out, NULL);
		assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
		for (n = 26; n < 32; n++)
			assert_string_not_equal(out[n].epoch, out[11].epoch);
	}
}

/* A bench_scenarios endpoint: scenario and trial. */
struct endpoint {
	const char *name;
	unsigned long long trial;
};

/* Each endpoint's change, confirmed on its second night and held for 20 (bench_scenarios
 * --late 20), raises no alarm on its nights 3 to 9 and stays in its epoch. */
static void assert_young_nights_quiet(const struct endpoint *cases, size_t n_cases)
{
	struct detect_outcome out[12 + 20 + LATE_BACK];
	size_t i;
	int n;

	for (i = 0; i < n_cases; i++) {
		scenario_nights(cases[i].name, cases[i].trial, 12, 20, NULL, out, NULL);
		assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
		for (n = 14; n < 21; n++) {
			assert_int_not_equal(out[n].verdict, DETECT_CHANGED);
			assert_string_equal(out[n].epoch, out[13].epoch);
		}
	}
}

/* A young later epoch is judged as the endpoint's nights go, not as its own few nights do.
 * Nights 3 to 9 of a change that held (bench_scenarios --late 20) raised two to three times
 * the alarms of the nights after: a prompt's p-value in a later epoch was one-sided on a
 * deviation taken either way, its ordinary nights' deviations were the epoch's two to six
 * nights' from their own median (fitted to them), and the CUSUM added up slides from that
 * median. These endpoints (cat-refusal5 and labels-rare15: refusals on every prompt, or a
 * label's share up on every prompt) were suspected again on one of those nights by two
 * prompts "beyond their own night-to-night variation" or by a "slow drift in stat"; now the
 * change's nights after its confirmation raise no alarm. */
static void test_young_epoch_nights(void **state)
{
	static const struct endpoint cases[] = { { "cat-refusal5", 22 }, { "cat-refusal5", 32 },
						 { "cat-refusal5", 38 }, { "cat-refusal5", 7 },
						 { "cat-refusal5", 16 }, { "labels-rare15", 12 },
						 { "labels-rare15", 13 } };

	(void)state;
	assert_young_nights_quiet(cases, ARRAY_SIZE(cases));
}

/* A young later epoch's centre is the median of its few nights, off by about a spread over
 * sqrt(nights): a night differs from it by sqrt(1 + 1/nights) spreads by chance, as the cold
 * start allows the baseline's young epoch. Before, a held change's third to ninth nights
 * were suspected again on the suite's mean distance or the novel rate alone, against the
 * epoch's first two to six nights (bench_scenarios --late 20; these endpoints, each on one or
 * two of those nights). Now the change's nights after its confirmation raise no alarm. */
static void test_young_epoch_centre(void **state)
{
	static const struct endpoint cases[] = { { "sim-refusal10", 26 }, { "cat-refusal5", 9 },
						 { "cat-refusal5", 21 },  { "cat-refusal5", 26 },
						 { "cat-refusal5", 33 },  { "labels-rare15", 26 },
						 { "labels-rare15", 33 } };

	(void)state;
	assert_young_nights_quiet(cases, ARRAY_SIZE(cases));
}

/* ... but only a deviation away from the baseline is widened so: a night back towards it is a
 * return in the making, recognised on the night it comes (it must match the state it returns
 * to on every prompt and rate). With both directions widened, these confirmed changes'
 * returns on their third night (bench_scenarios' default run) were missed: "no change", in
 * the young epoch still. */
static void test_young_centre_return(void **state)
{
	static const struct endpoint cases[] = { { "labels-rare15", 2 },  { "labels-rare15", 14 },
						 { "labels-rare15", 23 }, { "labels-rare15", 32 },
						 { "ext-rollout", 9 },	  { "ext-rollout", 15 },
						 { "ext-rollout", 31 } };
	struct detect_outcome out[12 + 2 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		scenario_nights(cases[i].name, cases[i].trial, 12, 1, NULL, out, NULL);
		assert_int_equal(out[13].stage, DETECT_STAGE_CONFIRMED);
		assert_int_not_equal(out[14].verdict, DETECT_CHANGED);
		assert_string_equal(out[14].epoch, out[11].epoch);
	}
}

/* A refusal is one signal: valid JSON and fences are rates over the answers that are not
 * refusals. Before, a JSON prompt's refusals lowered its valid-JSON rate too, and the night
 * after a confirmed refusal change (bench_scenarios' cat-refusal5 with --hold: plain-text
 * refusals in 5% of every prompt's answers, held) tested that rate against the state before
 * the young epoch, which its two nights had not shown it to differ from: "valid JSON 100% ->
 * 90% over 3 prompts (against e1, the state before e2)", a new suspicion on 19 of 40
 * endpoints, now 2. These are four of them. */
static void test_refusal_is_one_signal(void **state)
{
	static const unsigned long long trials[] = { 1, 2, 7, 9 };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(trials); i++) {
		run_confirmed("cat-refusal5", trials[i], HOLD, out);
		assert_int_equal(out[12].stage, DETECT_STAGE_SUSPECTED);
		assert_int_not_equal(out[14].verdict, DETECT_CHANGED);
		assert_string_equal(out[14].epoch, out[13].epoch);
	}
}

/* A noisy night suspected, then a change of its own the next night, is that next night's
 * change, not the suspicion confirmed: tonight's alarm rests on rates alone, none of them the
 * suspicion's, each at the old state's level on the suspected night. bench_scenarios'
 * sim-refusal10 and cat-refusal5, trial 11 each: night 12 is a bad serving night (suspected
 * on the mean distance, or two prompts), night 13 brings the refusals. Before, night 13
 * confirmed the suspicion (a new epoch dated by night 12, its reference that night and the
 * refusing one), and the nights after were suspected again against that mixture ("refusals
 * 4% -> 14%", a third epoch). Now night 13 is suspected in place of night 12, in an epoch of
 * its own, and night 14 confirms it, dated by night 13. */
static void test_change_after_a_noisy_suspicion(void **state)
{
	static const char *const names[] = { "sim-refusal10", "cat-refusal5" };
	struct detect_outcome out[15];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		run_confirmed(names[i], 11, HOLD, out);
		assert_int_equal(out[11].stage, DETECT_STAGE_SUSPECTED);
		assert_int_equal(out[12].stage, DETECT_STAGE_SUSPECTED);
		assert_non_null(
			strstr(out[12].summary, "in place of the change suspected on night-0012"));
		assert_non_null(strstr(out[13].summary, "(since night-0013)"));
		assert_string_equal(out[13].epoch, out[12].epoch);
		assert_string_not_equal(out[13].epoch, "e2");
	}
}

/* Whether the report's prompts carry a discounted distance (and only distances). */
static int distances_discounted(const json_t *sec)
{
	const json_t *pr, *e;
	size_t i, k;
	int any = 0;

	json_array_foreach(json_object_get(json_object_get(sec, "distance"), "prompts"), i, pr)
	{
		json_array_foreach(json_object_get(pr, "evidence"), k, e)
		{
			const char *sig = json_string_value(json_object_get(e, "signal"));
			const json_t *dv = json_object_get(e, "discounted");

			if (dv) {
				assert_string_not_equal(sig, "novel");
				assert_true(json_number_value(dv) == 10);
				any = 1;
			}
		}
	}
	return any;
}

/* On an endpoint whose answers wander from night to night (bench_scenarios' sim-wild and
 * cat-wild: 6 times the usual noise), reported unstable, a prompt's distance from its own
 * nights is weak evidence: two prompts came out beyond their spreads on about 5 of 100 such
 * nights, each a suspicion, a third of them confirmed. During an unstable episode (tonight
 * unstable, or one of the last min_history nights) a distance's p-value counts ten times
 * over, so the endpoint is told once that it wanders and is not alarmed on by its noise.
 * Before, these 24 endpoints (nights 11 to 32) gave 16 suspicions in their 452 episode nights;
 * now 9 in 449. */
static void test_unstable_distances_discounted(void **state)
{
	static const char *const wild[] = { "sim-wild", "cat-wild" };
	struct detect_outcome out[32];
	json_t *secs[32];
	size_t f, n, nights = 0, episode = 0, suspected = 0, discounted = 0;
	unsigned long long t;

	(void)state;
	for (f = 0; f < ARRAY_SIZE(wild); f++) {
		for (t = 1; t <= 12; t++) {
			scenario_run(wild[f], t, 30, NULL, out, secs);
			for (n = 10; n < ARRAY_SIZE(out); n++) {
				size_t j;
				int ep = out[n].verdict == DETECT_UNSTABLE;

				for (j = n >= 7 ? n - 7 : 0; j < n; j++)
					ep |= out[j].verdict == DETECT_UNSTABLE;
				nights++;
				if (!ep)
					continue;
				episode++;
				discounted += distances_discounted(secs[n]);
				suspected += out[n].stage == DETECT_STAGE_SUSPECTED;
				if (getenv("PL_DEBUG") && out[n].stage == DETECT_STAGE_SUSPECTED)
					printf("%s %llu night %zu: %s\n", wild[f], t, n + 1,
					       out[n].summary);
			}
			for (n = 0; n < ARRAY_SIZE(secs); n++)
				json_decref(secs[n]);
		}
	}
	if (getenv("PL_DEBUG"))
		printf("%zu nights, %zu in an unstable episode (%zu discounted), %zu suspected\n",
		       nights, episode, discounted, suspected);
	/* the endpoints are unstable most of the time, so the bound below says something */
	assert_true(episode >= nights / 2);
	assert_true(discounted >= episode * 9 / 10);
	assert_true(suspected <= 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_params_overlay),
		cmocka_unit_test(test_hard_signals),
		cmocka_unit_test(test_version_header),
		cmocka_unit_test(test_drift_epochs_rollback),
		cmocka_unit_test(test_rerun_not_self_confirmed),
		cmocka_unit_test(test_latency_drift),
		cmocka_unit_test(test_cold_start),
		cmocka_unit_test(test_unstable),
		cmocka_unit_test(test_sampling_not_unstable),
		cmocka_unit_test(test_unstable_once),
		cmocka_unit_test(test_unstable_again),
		cmocka_unit_test(test_unstable_distances_discounted),
		cmocka_unit_test(test_revert_fences_recognised),
		cmocka_unit_test(test_return_by_answers),
		cmocka_unit_test(test_return_needs_the_epochs_prompts),
		cmocka_unit_test(test_return_on_the_whole),
		cmocka_unit_test(test_return_to_the_state_left),
		cmocka_unit_test(test_state_explains_the_alarm),
		cmocka_unit_test(test_novel_over_prompts),
		cmocka_unit_test(test_novel_alone_is_not_back),
		cmocka_unit_test(test_late_return),
		cmocka_unit_test(test_late_return_named),
		cmocka_unit_test(test_late_hold_not_back),
		cmocka_unit_test(test_late_hold_alarm_not_back),
		cmocka_unit_test(test_young_hold_not_back),
		cmocka_unit_test(test_return_on_trial),
		cmocka_unit_test(test_young_epoch_nights),
		cmocka_unit_test(test_young_epoch_centre),
		cmocka_unit_test(test_young_centre_return),
		cmocka_unit_test(test_late_return_mix),
		cmocka_unit_test(test_late_return_rates),
		cmocka_unit_test(test_refusal_is_one_signal),
		cmocka_unit_test(test_change_after_a_noisy_suspicion),
		cmocka_unit_test(test_return_needs_rates),
		cmocka_unit_test(test_return_explains_rates),
		cmocka_unit_test(test_refusal_rate),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_insufficient),
		cmocka_unit_test(test_hard_before_insufficient),
		cmocka_unit_test(test_logprobs),
		cmocka_unit_test(test_embedding_distance),
		cmocka_unit_test(test_deterministic_and_torn),
		cmocka_unit_test(test_stream_any_order),
		cmocka_unit_test(test_stream_missing_prompt),
		cmocka_unit_test(test_stream_extra_prompt),
		cmocka_unit_test(test_mean_len_without_refusals),
		cmocka_unit_test(test_stream_misuse),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_tool_calls),
		cmocka_unit_test(test_epochs_across_baselines),
		cmocka_unit_test(test_prompt_evidence),
		cmocka_unit_test(test_stage_confirmed),
		cmocka_unit_test(test_stage_retracted),
		cmocka_unit_test(test_novel_alone),
		cmocka_unit_test(test_novel_not_known_state),
		cmocka_unit_test(test_revert_confined),
		cmocka_unit_test(test_revert_one_prompt),
		cmocka_unit_test(test_multi_state),
		cmocka_unit_test(test_cold_start_count),
		cmocka_unit_test(test_cold_start_lumpy),
		cmocka_unit_test(test_prompt_p_calibrated),
		cmocka_unit_test(test_mix_p_still_nights),
		cmocka_unit_test(test_mix_model_finds),
		cmocka_unit_test(test_mix_alone),
		cmocka_unit_test(test_confirm_at_fdr),
		cmocka_unit_test(test_watch_next_night),
		cmocka_unit_test(test_watch_calibrated),
		cmocka_unit_test(test_rates_young_epoch),
		cmocka_unit_test(test_confirm_named_prompts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
