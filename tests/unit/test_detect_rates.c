/* test_detect_rates.c: per-prompt rates: what is counted (text refusals, flags, valid and fenced
 * JSON), the per-prompt exact tests and their words, and the night's verdict on the changes
 * real vendors make (a few refusals in plain text, JSON wrapped in fences on one prompt, a jump
 * from 0.2% to 8% refusals) without alarms on unchanged nights or on a prompt whose rate always
 * wanders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check.h"
#include "detect.h"
#include "detect_int.h"
#include "history.h"
#include "rng.h"
#include "sbuf.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NEAR(x, y, eps) assert_true(fabs((x) - (y)) <= (eps))

/* ---- answers ------------------------------------------------------------------------------ */

/* How one night answers: prompt p's answer i. `refuse` of every 1000 answers are refusals
 * (plain text unless flagged), `fence` of every 1000 JSON answers are fenced; prompt 0 (the
 * first `json` prompts when json > 1) asks for JSON, the others for a word. `wander`: prompt
 * 1's refusals per 1000 vary by night. */
struct behaviour {
	int refuse, fence, flagged, wander, night, json;
	int refuse_json; /* the JSON prompts refuse too */
	const char *refusal;
	/* of every 1000 JSON answers of prompt 0: `rename` call "price" "price_usd", `drop` leave
	 * "price" out; `note` of every 1000 of every JSON prompt add an optional "note";
	 * `prices`: the price varies (so do the answers: not a categorical prompt) */
	int rename, drop, note, prices;
};

static void answer(const struct behaviour *b, size_t p, size_t i, struct sample *sm)
{
	int refuse = b->refuse;
	char buf[128];
	struct rng g;
	double u;

	/* every answer its own draw: deterministic, independent of the others */
	rng_seed(&g, rng_mix(rng_mix(p, i), (uint64_t)b->night + 1));
	u = rng_unit(&g);
	if (b->wander && p == 1)
		refuse = b->night % 3 == 0 ? 0 : b->night % 3 == 1 ? 150 : 300;
	memset(sm, 0, sizeof(*sm));
	sm->index = (int)i;
	if (rng_unit(&g) * 1000 < refuse && (p == 0 || (int)p >= b->json || b->refuse_json)) {
		sm->text = xstrdup(b->refusal ? b->refusal
					      : "I'm sorry, but I can't help with that request.");
		sm->refused = b->flagged;
	} else if (p == 0 || (int)p < b->json) {
		int fence = rng_unit(&g) * 1000 < b->fence;
		double k = rng_unit(&g) * 1000;
		int note = rng_unit(&g) * 1000 < b->note;
		int cents = b->prices ? 500 + (int)(rng_unit(&g) * 1000) : 999;
		char price[40] = "";

		if (p != 0 || k >= b->rename + b->drop)
			snprintf(price, sizeof(price), ", \"price\": %d.%02d", cents / 100,
				 cents % 100);
		else if (k < b->rename)
			snprintf(price, sizeof(price), ", \"price_usd\": %d.%02d", cents / 100,
				 cents % 100);
		snprintf(buf, sizeof(buf), "%s{\"name\": \"Lamp\"%s%s}%s", fence ? "```json\n" : "",
			 price, note ? ", \"note\": \"boxed\"" : "", fence ? "\n```" : "");
		sm->text = xstrdup(buf);
	} else {
		/* a categorical answer: mostly the first of three */
		snprintf(buf, sizeof(buf), "answer-%zu-%d", p, u < 0.8 ? 0 : u < 0.95 ? 1 : 2);
		sm->text = xstrdup(buf);
	}
	sm->finish_reason = xstrdup("stop");
	sm->model = xstrdup("m-1");
	sm->prompt_tokens = 12;
	sm->completion_tokens = 4;
	sm->latency_ms = -1;
	sm->ttft_ms = -1;
}

static struct sampleset *night_set(const struct behaviour *b, size_t prompts, size_t n)
{
	struct sampleset *s = sampleset_new("sim", "m", "core");
	size_t p, i;

	for (p = 0; p < prompts; p++) {
		char id[16];
		struct prompt_samples *ps;

		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		ps->samples = xcalloc(n, sizeof(*ps->samples));
		for (i = 0; i < n; i++)
			answer(b, p, i, &ps->samples[i]);
		ps->n = n;
	}
	return s;
}

struct fx {
	char dir[128], hist[160];
	struct detect_params *p;
};

static void fx_init(struct fx *f, const char *settings)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *cfg = settings ? json_loads(settings, 0, NULL) : NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/pl_test_rates_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->hist, sizeof(f->hist), "%s/h.jsonl", f->dir);
	f->p = detect_params_new(NULL, cfg, NULL, NULL, &err);
	if (!f->p)
		fail_msg("%s: %s", err.where, err.msg);
	json_decref(cfg);
}

static void fx_release(struct fx *f)
{
	struct sbuf reg;

	sbuf_init(&reg);
	history_epochs_path(&reg, f->hist);
	unlink(reg.buf);
	unlink(f->hist);
	rmdir(f->dir);
	sbuf_release(&reg);
	detect_params_free(f->p);
}

static enum detect_verdict judge(struct fx *f, const struct sampleset *base,
				 const struct behaviour *b, size_t prompts, size_t n, int dry,
				 struct detect_outcome *o, json_t **sec)
{
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *s = night_set(b, prompts, n);
	json_t *section = NULL;
	char id[32];

	snprintf(id, sizeof(id), "night-%03d", b->night);
	assert_int_equal(detect_evaluate(f->p, base, s, f->hist, id, dry, o, &section, &err), 0);
	sampleset_free(s);
	if (getenv("PL_DEBUG"))
		printf("%s: %s: %s\n", id, detect_verdict_name(o->verdict), o->summary);
	if (sec)
		*sec = section;
	else
		json_decref(section);
	return o->verdict;
}

/* ---- counting and one prompt's tests ------------------------------------------------------ */

static void test_count(void **state)
{
	static const struct {
		const char *text;
		int refused, refusal, json, fenced;
	} cases[] = {
		{ "I'm sorry, but I can't help with that request.", 0, 1, 0, 0 },
		{ "Paris.", 1, 1, 0, 0 }, /* the API's refusal field */
		{ "I can't stress enough how important backups are.", 0, 0, 0, 0 },
		{ "{\"a\": 1}", 0, 0, 1, 0 },
		{ "  [1, 2]\n", 0, 0, 1, 0 },
		{ "```json\n{\"a\": 1}\n```", 0, 0, 1, 1 },
		{ "Here it is:\n```\n{\"a\": 1}\n```\nAnything else?", 0, 0, 1, 1 },
		{ "```python\nprint(1)\n```", 0, 0, 0, 0 },
		{ "{\"a\": ", 0, 0, 0, 0 },
		{ "```json\n{\"a\": \n```", 0, 0, 0, 0 },
		/* a refusal is the refusal signal's alone, whatever its text */
		{ "{\"a\": 1}", 1, 1, 0, 0 },
		{ "```json\n{\"a\": 1}\n```", 1, 1, 0, 0 },
	};
	struct detect_params *p = detect_params_new(NULL, NULL, NULL, NULL, NULL);
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sample sm = { 0 };
		struct prompt_samples ps = { 0 };
		struct rate_counts c;

		sm.text = (char *)cases[i].text;
		sm.refused = cases[i].refused;
		ps.samples = &sm;
		ps.n = 1;
		detect_rates_count(p, &ps, NULL, 0, &c, NULL);
		if (c.n != 1 || (int)c.hit[RS_REFUSAL] != cases[i].refusal ||
		    (int)c.hit[RS_JSON] != cases[i].json ||
		    (int)c.hit[RS_FENCED] != cases[i].fenced)
			fail_msg("case %zu \"%s\": refusal %zu json %zu fenced %zu", i,
				 cases[i].text, c.hit[RS_REFUSAL], c.hit[RS_JSON],
				 c.hit[RS_FENCED]);
		/* valid JSON and fences are rates over the answers that are not refusals */
		assert_int_equal(detect_rates_judged(RS_REFUSAL, c.n, c.hit[RS_REFUSAL]), 1);
		assert_int_equal(detect_rates_judged(RS_JSON, c.n, c.hit[RS_REFUSAL]),
				 1 - cases[i].refusal);
		assert_int_equal(detect_rates_judged(RS_FENCED, c.n, c.hit[RS_REFUSAL]),
				 1 - cases[i].refusal);
	}
	detect_params_free(p);
}

static void test_prompt_tests(void **state)
{
	struct rate_counts ref = { 500, { 1, 0, 0, 0, 0 }, 0, 0 };
	struct rate_counts night = { 500, { 40, 0, 0, 0, 0 }, 0, 0 };
	struct rate_counts jref = { 50, { 0, 50, 0, 0, 0 }, 0, 0 };
	struct rate_counts jnight = { 10, { 0, 10, 1, 0, 0 }, 0, 0 };
	/* novel answers count over the answers whose novelty was counted (novel_n) */
	struct rate_counts pref = { 50, { 0, 0, 0, 5, 0 }, 50, 0 };
	struct rate_counts pnight = { 10, { 0, 0, 0, 6, 0 }, 10, 0 };
	double margin[RS_N] = { 0.1, 0, 0, 0, 0 };
	struct rate_test t[RS_N];
	char w[96];

	(void)state;
	/* 0.2% -> 8%: only the refusal test can come out significant (no JSON, no fence) */
	assert_int_equal(detect_rates_prompt(&ref, NULL, &night, t), 1);
	assert_int_equal(t[0].signal, RS_REFUSAL);
	/* Fisher's exact test of [[1, 499], [40, 460]]: 4.2e-11 by exact enumeration in
	 * rational arithmetic (Python fractions and math.comb) */
	assert_true(t[0].p < 1e-10 && t[0].p > 1e-12);
	NEAR(t[0].p, stats_fisher_exact(1, 499, 40, 460), 1e-15);
	NEAR(t[0].effect, 0.078, 1e-12);
	assert_string_equal(t[0].words, "refusals 0.2% -> 8%");
	assert_int_equal(detect_rates_prompt(&ref, margin, &night, t), 1);
	NEAR(t[0].margin, 0.1, 0);
	/* one fenced answer in ten: the fence test only (valid JSON throughout) */
	assert_int_equal(detect_rates_prompt(&jref, NULL, &jnight, t), 1);
	assert_int_equal(t[0].signal, RS_FENCED);
	NEAR(t[0].p, 10.0 / 60.0, 1e-12);
	assert_string_equal(t[0].words, "JSON now wrapped in ``` fences in 10% of answers");
	assert_int_equal(detect_rates_prompt(&pref, NULL, &pnight, t), 1);
	assert_int_equal(t[0].signal, RS_NOVEL);
	NEAR(t[0].effect, 0.5, 1e-12);
	assert_string_equal(t[0].words, "answers saying what the baseline never said 10% -> 60%");
	/* not counted (a categorical prompt): no test, whatever the hits */
	pnight.novel_n = 0;
	assert_int_equal(detect_rates_prompt(&pref, NULL, &pnight, t), 0);
	/* no answer on one side: nothing to test */
	night.n = 0;
	assert_int_equal(detect_rates_prompt(&ref, NULL, &night, t), 0);
	detect_rates_words(RS_JSON, 1, 0.9, w, sizeof(w));
	assert_string_equal(w, "valid JSON 100% -> 90%");
	detect_rates_words(RS_FENCED, 0.05, 0.3, w, sizeof(w));
	assert_string_equal(w, "JSON in ``` fences 5% -> 30%");
	detect_rates_words(RS_REFUSAL, 0, 0.12, w, sizeof(w));
	assert_string_equal(w, "refusals 0% -> 12%");
}

/* ---- the keys of JSON answers ------------------------------------------------------------ */

static void set_answers(struct prompt_samples *ps, struct sample *sm, const char *const *texts,
			size_t n)
{
	size_t i;

	memset(sm, 0, n * sizeof(*sm));
	for (i = 0; i < n; i++)
		sm[i].text = (char *)texts[i];
	ps->samples = sm;
	ps->n = n;
}

/* Off the baseline's keys: a key path none of its JSON answers has, or without one every one
 * of them has (paths through objects and arrays: "tags[].k"); other values are not. A
 * baseline answer is judged against the others (alone in a key: off). A prompt whose
 * baseline's answers are mostly not JSON has no keys judged. */
static void test_keys(void **state)
{
	static const char *const base[] = {
		"{\"name\": \"a\", \"price\": 1, \"tags\": [{\"k\": 1}]}",
		"{\"name\": \"b\", \"price\": 2, \"tags\": [{\"k\": 2}, {\"k\": 3}]}",
		"Sure:\n```json\n{\"name\": \"c\", \"price\": 3, \"tags\": [{\"k\": 1}]}\n```",
		"{\"name\": \"d\", \"price\": 4, \"tags\": [{\"k\": 1}], \"x\": null}",
		"I'm sorry, but I can't help with that request.",
	};
	static const struct {
		const char *text;
		int off;
		const char *words;
	} night[] = {
		{ "{\"price\": 9, \"name\": \"z\", \"tags\": [{\"k\": 7}, {\"k\": 8}]}", 0, "" },
		{ "{\"name\": \"a\", \"price_usd\": 1, \"tags\": [{\"k\": 1}]}", 1,
		  "\"price_usd\" new in 1, \"price\" missing in 1" },
		{ "{\"name\": \"a\", \"price\": 1, \"tags\": []}", 1, "\"tags[].k\" missing in 1" },
		{ "{\"name\": \"a\", \"price\": 1, \"tags\": [{\"k\": 1, \"v\": 2}]}", 1,
		  "\"tags[].v\" new in 1" },
		{ "{\"name\": \"a\", \"price\": 1, \"tags\": [{\"k\": 1}], \"x\": 5}", 0, "" },
	};
	static const char *const prose[] = { "Paris.", "Paris", "{\"city\": \"Paris\"}" };
	struct detect_params *p = detect_params_new(NULL, NULL, NULL, NULL, NULL);
	struct sample sm[ARRAY_SIZE(base)], one;
	struct prompt_samples ps, tonight;
	struct rate_counts c, cn;
	struct keyset ks;
	char words[120];
	size_t i;

	(void)state;
	/* the baseline's own: only the fourth has "x" (none lacks a key all the others have) */
	set_answers(&ps, sm, base, ARRAY_SIZE(base));
	detect_keys_init(&ks);
	detect_rates_count(p, &ps, &ks, 1, &c, NULL);
	assert_int_equal(ks.docs, 4);
	assert_int_equal(ks.answers, 4); /* the refusal is no answer of its shape */
	assert_true(detect_keys_judged(&ks));
	assert_int_equal(c.keys_n, 4);
	assert_int_equal(c.hit[RS_KEYS], 1);
	assert_int_equal(c.hit[RS_FENCED], 1);
	assert_int_equal(c.hit[RS_REFUSAL], 1);
	for (i = 0; i < ARRAY_SIZE(night); i++) {
		struct hmap off = HMAP_INIT;
		int fenced;
		json_t *doc = detect_answer_json(night[i].text, &fenced);

		assert_non_null(doc);
		if (detect_keys_off(&ks, doc, &off) != night[i].off)
			fail_msg("night answer %zu: off should be %d", i, night[i].off);
		detect_keys_words(&off, words, sizeof(words));
		assert_string_equal(words, night[i].words);
		hmap_release(&off);
		json_decref(doc);
	}
	/* tonight's, counted */
	set_answers(&tonight, &one, &night[1].text, 1);
	detect_rates_count(p, &tonight, &ks, 0, &cn, NULL);
	assert_int_equal(cn.keys_n, 1);
	assert_int_equal(cn.hit[RS_KEYS], 1);
	detect_keys_release(&ks);
	/* one JSON answer in three: not a JSON prompt, nothing counted */
	set_answers(&ps, sm, prose, ARRAY_SIZE(prose));
	detect_keys_init(&ks);
	detect_rates_count(p, &ps, &ks, 1, &c, NULL);
	assert_false(detect_keys_judged(&ks));
	detect_rates_count(p, &tonight, &ks, 0, &cn, NULL);
	assert_int_equal(c.keys_n + cn.keys_n + c.hit[RS_KEYS] + cn.hit[RS_KEYS], 0);
	assert_int_equal(cn.hit[RS_JSON], 1);
	detect_keys_release(&ks);
	/* without a keyset: counted as ever, no keys */
	detect_rates_count(p, &tonight, NULL, 0, &cn, NULL);
	assert_int_equal(cn.keys_n, 0);
	assert_int_equal(cn.hit[RS_JSON], 1);
	detect_rates_words(RS_KEYS, 0, 0.3, words, sizeof(words));
	assert_string_equal(words, "JSON answers with keys unlike the baseline's 0% -> 30%");
	detect_params_free(p);
}

/* ---- nights ------------------------------------------------------------------------------- */

static const json_t *rate_entry(const json_t *sec, const char *signal)
{
	return json_object_get(json_object_get(sec, "rates"), signal);
}

/* Anthropic's case: refusals (flagged by the API) jump from 0.2% to 8%. The old pooled rate
 * with its fixed 0.10 margin called this night unchanged. */
static void test_jump_small_rate(void **state)
{
	struct behaviour quiet = { .refuse = 2,
				   .flagged = 1,
				   .refusal = "I can't help with that." };
	struct behaviour jump = quiet;
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL;
	struct fx f;

	(void)state;
	fx_init(&f, NULL);
	base = night_set(&quiet, 10, 100);
	jump.refuse = 80;
	jump.night = 1;
	assert_int_equal(judge(&f, base, &jump, 10, 100, 1, &o, &sec), DETECT_CHANGED);
	assert_true(json_is_true(json_object_get(rate_entry(sec, "refusal"), "changed")));
	assert_non_null(strstr(o.summary, "refusals"));
	assert_true(json_is_true(json_object_get(json_object_get(sec, "prompt_rates"), "changed")));
	json_decref(sec);
	sampleset_free(base);
	fx_release(&f);
}

/* OpenAI's case: 10% of answers refuse in plain text (no refusal field) on every prompt. */
static void test_plain_text_refusals(void **state)
{
	struct behaviour quiet = { 0 }, refusing = { .refuse = 100 };
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL, *e;
	struct fx f;
	size_t i;

	(void)state;
	fx_init(&f, NULL);
	base = night_set(&quiet, 4, 50);
	refusing.night = 3;
	assert_int_equal(judge(&f, base, &refusing, 4, 50, 1, &o, &sec), DETECT_CHANGED);
	/* the pooled figure counts the text refusals too (it read 0 with only the API field) */
	assert_true(json_number_value(json_object_get(rate_entry(sec, "refusal"), "night")) > 0.05);
	json_array_foreach(json_object_get(json_object_get(sec, "prompt_rates"), "signals"), i, e)
	{
		const char *w = json_string_value(json_object_get(e, "words"));

		/* one signal: the JSON prompt's refusals are not invalid JSON as well */
		assert_string_equal(json_string_value(json_object_get(e, "signal")), "refusal");
		assert_non_null(strstr(w, "refusals 0% -> "));
	}
	/* over the prompts (a few answers each), naming the prompt that refuses most */
	assert_non_null(strstr(o.summary, "refusals 0% -> "));
	assert_non_null(strstr(o.summary, "over 4 prompts (most in p0"));
	json_decref(sec);
	sampleset_free(base);
	fx_release(&f);
}

/* JSON wrapped in ``` fences on the one JSON prompt: the pooled JSON rate over every prompt
 * hid it. */
static void test_fenced_json(void **state)
{
	struct behaviour quiet = { 0 }, fenced = { .fence = 200 };
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL;
	struct fx f;

	(void)state;
	fx_init(&f, NULL);
	base = night_set(&quiet, 12, 50);
	fenced.night = 2;
	assert_int_equal(judge(&f, base, &fenced, 12, 50, 1, &o, &sec), DETECT_CHANGED);
	assert_true(json_is_true(json_object_get(rate_entry(sec, "fenced"), "changed")));
	assert_false(json_is_true(json_object_get(rate_entry(sec, "json"), "changed")));
	assert_non_null(strstr(o.summary, "p00: JSON now wrapped in ``` fences in "));
	json_decref(sec);
	sampleset_free(base);
	fx_release(&f);
}

/* Unchanged nights (the same small refusal rate) raise nothing; history records keep each
 * prompt's counts. */
static void test_quiet_nights(void **state)
{
	struct behaviour b = { .refuse = 20, .fence = 30 };
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL, *recs = NULL;
	struct pl_err err = PL_ERR_INIT;
	struct fx f;
	size_t skipped;
	int n;

	(void)state;
	fx_init(&f, NULL);
	base = night_set(&b, 12, 50);
	for (n = 1; n <= 12; n++) {
		b.night = n;
		/* (the answer distribution of so few answers may read "unstable") */
		assert_int_not_equal(judge(&f, base, &b, 12, 10, 0, &o, &sec), DETECT_CHANGED);
		assert_false(json_is_true(
			json_object_get(json_object_get(sec, "prompt_rates"), "suspected")));
		json_decref(sec);
	}
	assert_int_equal(history_load(f.hist, &recs, &skipped, &err), 0);
	assert_int_equal(json_array_size(recs), 12);
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(json_array_get(recs, 0), "prompt_rates"),
					"p03"),
			"n")),
		10);
	json_decref(recs);
	sampleset_free(base);
	fx_release(&f);
}

/* A prompt whose refusal rate always wanders between 0% and 30% from night to night: once its
 * history shows that, 30% is within its margin; without the history it is a change. */
static void test_margin_from_history(void **state)
{
	struct behaviour b = { .wander = 1 };
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL, *e;
	struct fx f;
	size_t i;
	int n;
	double margin = 0;

	(void)state;
	fx_init(&f, NULL);
	b.night = 0; /* the baseline night: no refusals on prompt 1 */
	base = night_set(&b, 6, 60);
	b.night = 2; /* a 30% night with no history */
	assert_int_equal(judge(&f, base, &b, 6, 20, 1, &o, NULL), DETECT_CHANGED);
	for (n = 3; n < 3 + 12; n++) {
		b.night = n;
		judge(&f, base, &b, 6, 20, 0, &o, NULL);
	}
	b.night = 3 * 20 + 2; /* 30% again */
	assert_int_equal(judge(&f, base, &b, 6, 20, 1, &o, &sec), DETECT_NO_CHANGE);
	json_array_foreach(json_object_get(json_object_get(sec, "prompt_rates"), "signals"), i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "prompt")), "p01"))
			margin = json_number_value(json_object_get(e, "margin"));
	}
	assert_true(margin > 0.3);
	json_decref(sec);
	sampleset_free(base);
	fx_release(&f);
}

/* One night with exactly 2 fenced answers of 10 on p00, after 10 quiet nights whose 150
 * reference answers had none (Fisher p about 0.0035), judged with `settings`: its "fenced"
 * signal (*q) and the night's verdict. */
static enum detect_verdict two_fences_after_history(const char *settings, double *q, int *changed)
{
	struct behaviour quiet = { 0 }, fenced = { .fence = 200 };
	struct sampleset *base, *s;
	struct detect_outcome o;
	json_t *sec = NULL, *e = NULL, *x;
	struct fx f;
	size_t i, hits = 0;
	int n;

	fx_init(&f, settings);
	base = night_set(&quiet, 12, 50);
	for (n = 1; n <= 10; n++) {
		quiet.night = n;
		judge(&f, base, &quiet, 12, 10, 0, &o, NULL);
	}
	for (fenced.night = 100; fenced.night < 200 && hits != 2; fenced.night++) {
		s = night_set(&fenced, 1, 10);
		for (i = hits = 0; i < 10; i++)
			hits += !strncmp(s->prompts[0].samples[i].text, "```", 3);
		sampleset_free(s);
	}
	assert_int_equal(hits, 2);
	fenced.night--;
	judge(&f, base, &fenced, 12, 10, 1, &o, &sec);
	json_array_foreach(json_object_get(json_object_get(sec, "prompt_rates"), "signals"), i, x)
	{
		if (!strcmp(json_string_value(json_object_get(x, "signal")), "fenced"))
			e = x;
	}
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "hits_night")), 2);
	*q = json_number_value(json_object_get(e, "q"));
	*changed = json_is_true(json_object_get(e, "changed"));
	json_decref(sec);
	sampleset_free(base);
	fx_release(&f);
	return o.verdict;
}

/* With min_history nights behind a prompt's reference, its rate tests are judged at
 * rate_alpha (0.01), not the cold-start alpha (0.001), nor the per-prompt distances' level
 * (prompt_alpha, lowered here so that it cannot be what decides): 2 fenced answers of 10
 * where 150 reference answers had none are a change. */
static void test_level_with_history(void **state)
{
	double q;
	int changed;

	(void)state;
	assert_int_equal(two_fences_after_history("{\"prompt_alpha\": 0.0001}", &q, &changed),
			 DETECT_CHANGED);
	assert_true(q > 0.001); /* above alpha */
	assert_true(q <= 0.01);
	assert_true(changed);
}

/* rate_alpha is the rate tests' level: below that night's q, the same 2 fences are not a
 * change. */
static void test_rate_alpha_setting(void **state)
{
	double q, q2;
	int changed;

	(void)state;
	two_fences_after_history(NULL, &q, &changed);
	assert_true(changed);
	assert_int_equal(two_fences_after_history("{\"rate_alpha\": 0.002}", &q2, &changed),
			 DETECT_NO_CHANGE);
	assert_true(q2 > 0.002);
	assert_true(fabs(q2 - q) < 1e-12); /* the same test, another level */
	assert_false(changed);
}

/* Fenced answers on the prompt of a night (p00..p04 ask for JSON): how many, and on how many
 * prompts. */
static size_t fences_of(const struct behaviour *b, size_t prompts, size_t n, size_t *on)
{
	struct sampleset *s = night_set(b, prompts, n);
	size_t p, i, total = 0;

	*on = 0;
	for (p = 0; p < s->n_prompts; p++) {
		size_t k = 0;

		for (i = 0; i < s->prompts[p].n; i++)
			k += !strncmp(s->prompts[p].samples[i].text, "```", 3);
		total += k;
		*on += k > 0;
	}
	sampleset_free(s);
	return total;
}

/* The next night index from b->night on whose answers have `want` fences on as many prompts. */
static void find_fences(struct behaviour *b, size_t prompts, size_t n, size_t want)
{
	size_t on;

	for (;; b->night++) {
		assert_true(b->night < 5000);
		if (fences_of(b, prompts, n, &on) == want && on == want)
			return;
	}
}

/* A fresh history of 12 quiet nights (25 prompts, 10 answers; quiet->night moves on) over a
 * baseline of 30 answers a prompt, none of them an alarm; returns the baseline. */
static struct sampleset *quiet_history(struct fx *f, struct behaviour *quiet)
{
	struct sampleset *base;
	struct detect_outcome o;

	fx_init(f, NULL);
	base = night_set(quiet, 25, 30);
	for (quiet->night = 1; quiet->night <= 12; quiet->night++)
		assert_int_not_equal(judge(f, base, quiet, 25, 10, 0, &o, NULL), DETECT_CHANGED);
	return base;
}

/* 10% of the answers of 5 JSON prompts fenced, where no answer ever was: most nights that is
 * one or two fenced answers a prompt, no prompt conclusive alone. A signal no prompt ever
 * varied on is a family of its own: its prompts' tests and the stratified one adjusted by
 * their exact min-p, Bonferroni over such signals; the refusal tests of 20 other prompts that
 * refuse now and then (one Benjamini-Hochberg family with them before) cost them nothing, so 2
 * fenced answers on 2 prompts (the stratified test's p about 0.005) are a change. The next
 * night the fence the suspicion named is tested alone: one fenced answer still confirms it. */
static void test_fences_over_prompts(void **state)
{
	struct behaviour quiet = { .refuse = 20, .json = 5 };
	struct behaviour fenced = { .refuse = 20, .json = 5, .fence = 100, .night = 100 };
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL;
	struct fx f;

	(void)state;
	base = quiet_history(&f, &quiet);
	find_fences(&fenced, 25, 10, 2);
	assert_int_equal(judge(&f, base, &fenced, 25, 10, 0, &o, &sec), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_true(json_is_true(json_object_get(rate_entry(sec, "fenced"), "changed")));
	assert_non_null(strstr(o.summary, "JSON now wrapped in ``` fences"));
	json_decref(sec);
	/* one fenced answer the next night: the named fence, tested alone, still up */
	fenced.night++;
	find_fences(&fenced, 25, 10, 1);
	assert_int_equal(judge(&f, base, &fenced, 25, 10, 0, &o, &sec), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_non_null(strstr(o.summary, "(the suspicion's, tested alone)"));
	json_decref(sec);
	sampleset_free(base);
	fx_release(&f);
}

/* A suspicion the fences raised (3 fenced answers) names them: the next night they are tested
 * alone, one-sided (mid-p) at fdr, so one fenced answer in 50 confirms the change (before, the
 * night was judged afresh against every test and retracted it), and none retracts it. */
static void test_named_rate(void **state)
{
	struct behaviour quiet = { .refuse = 20, .json = 5 };
	struct behaviour fenced = { .refuse = 20, .json = 5, .fence = 100, .night = 100 };
	struct sampleset *base;
	struct detect_outcome o;
	struct fx f;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		base = quiet_history(&f, &quiet);
		fenced.night = 100;
		find_fences(&fenced, 25, 10, 3);
		assert_int_equal(judge(&f, base, &fenced, 25, 10, 0, &o, NULL), DETECT_CHANGED);
		assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
		fenced.night++;
		find_fences(&fenced, 25, 10, round ? 0 : 1);
		if (!round) {
			assert_int_equal(judge(&f, base, &fenced, 25, 10, 0, &o, NULL),
					 DETECT_CHANGED);
			assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
		} else {
			assert_int_not_equal(judge(&f, base, &fenced, 25, 10, 0, &o, NULL),
					     DETECT_CHANGED);
			assert_int_equal(o.stage, DETECT_STAGE_RETRACTED);
		}
		sampleset_free(base);
		fx_release(&f);
	}
}

/* Fences that came (suspected, confirmed) and went again two nights later: the young epoch's
 * suspicion named the fence rate, and tonight it is back at the state before (none, beyond
 * the epoch's sampling noise): a return to e1 on the first night back. Before, too few
 * fences had been seen in the young epoch for their absence to alarm, and the night stayed
 * in the fenced epoch. */
static void test_fence_taken_back(void **state)
{
	struct behaviour quiet = { .refuse = 20, .json = 5 };
	struct behaviour fenced = { .refuse = 20, .json = 5, .fence = 100, .night = 100 };
	struct sampleset *base;
	struct detect_outcome o;
	struct fx f;

	(void)state;
	base = quiet_history(&f, &quiet);
	find_fences(&fenced, 25, 10, 4);
	assert_int_equal(judge(&f, base, &fenced, 25, 10, 0, &o, NULL), DETECT_CHANGED);
	fenced.night++;
	find_fences(&fenced, 25, 10, 4);
	assert_int_equal(judge(&f, base, &fenced, 25, 10, 0, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	assert_string_equal(o.epoch, "e2");
	quiet.night = 13;
	assert_int_equal(judge(&f, base, &quiet, 25, 10, 0, &o, NULL), DETECT_NO_CHANGE);
	assert_string_equal(o.epoch, "e1");
	assert_true(o.returned_epoch);
	sampleset_free(base);
	fx_release(&f);
}

/* Plain-text refusals that came (2% -> 6% of the answers, the JSON prompts' too; suspected,
 * confirmed) and went again, on ten endpoints' worth of nights: on the night back the rates
 * the young epoch's suspicion named, pooled over their prompts, are nearer the state before,
 * and the refusals beyond the young epoch's sampling noise: a return to e1 on the first night
 * back. (When a JSON prompt's refusals counted as invalid JSON too, the suspicion named the
 * JSON rate as well, which alone, 5 prompts and 50 answers, could not always show its fall
 * back; valid JSON is now a rate over the answers that are not refusals.) A night whose
 * refusals stay is no return. */
static void test_refusals_taken_back(void **state)
{
	struct behaviour quiet = { .refuse = 20, .json = 5 };
	struct behaviour refusing = { .refuse = 60, .json = 5, .refuse_json = 1 };
	struct sampleset *base;
	struct detect_outcome o;
	struct fx f;
	int round, back = 0, confirmed = 0;

	(void)state;
	for (round = 0; round <= 10; round++) {
		base = quiet_history(&f, &quiet);
		refusing.night = 100 + 3 * round;
		judge(&f, base, &refusing, 25, 10, 0, &o, NULL);
		refusing.night++;
		judge(&f, base, &refusing, 25, 10, 0, &o, NULL);
		if (o.stage == DETECT_STAGE_CONFIRMED && round < 10) {
			confirmed++;
			quiet.night = 13 + round;
			judge(&f, base, &quiet, 25, 10, 0, &o, NULL);
			back += o.returned_epoch && !strcmp(o.epoch, "e1");
		} else if (round == 10) {
			assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
			refusing.night++;
			judge(&f, base, &refusing, 25, 10, 0, &o, NULL);
			assert_string_equal(o.epoch, "e2");
			assert_false(o.returned_epoch);
		}
		sampleset_free(base);
		fx_release(&f);
	}
	assert_true(confirmed >= 8);
	assert_true(back >= confirmed - 1);
}

/* The detection section's "refusal_patterns_extra" reaches the classifier; bad patterns are
 * located errors. */
static void test_patterns_setting(void **state)
{
	struct behaviour quiet = { 0 }, german = { .refuse = 300, .refusal = "Es tut mir leid." };
	const char *text = "{\"detection\": {\"refusal_patterns_extra\": [\"^es tut mir\"]}}";
	const char *bad = "{\"detection\": {\"refusal_patterns\": [\"(\"]}}";
	struct jsonloc loc = { "suite.json", text, strlen(text) };
	struct pl_err err = PL_ERR_INIT;
	json_t *root = json_loads(text, 0, NULL), *sec = NULL;
	struct sampleset *base = night_set(&quiet, 4, 50);
	struct detect_outcome o;
	struct fx f;

	(void)state;
	fx_init(&f, NULL);
	judge(&f, base, &german, 4, 50, 1, &o, &sec);
	assert_true(json_number_value(json_object_get(rate_entry(sec, "refusal"), "night")) == 0);
	json_decref(sec);
	detect_params_free(f.p);
	f.p = detect_params_new(NULL, NULL, &loc, json_object_get(root, "detection"), &err);
	assert_non_null(f.p);
	judge(&f, base, &german, 4, 50, 1, &o, &sec);
	assert_true(json_number_value(json_object_get(rate_entry(sec, "refusal"), "night")) > 0.2);
	json_decref(sec);
	json_decref(root);
	root = json_loads(bad, 0, NULL);
	loc.text = bad;
	loc.text_len = strlen(bad);
	assert_null(detect_params_new(NULL, NULL, &loc, json_object_get(root, "detection"), &err));
	assert_string_equal(err.where, "suite.json:1:37: detection.refusal_patterns[0]");
	assert_non_null(strstr(err.msg, "invalid regex at offset 1"));
	json_decref(root);
	sampleset_free(base);
	fx_release(&f);
}

/* A check's pass rate per prompt: the json check (fences not accepted) of the JSON prompt falls
 * when answers come fenced; a similarity check, which skips without a baseline list, takes no
 * part. */
static void test_check_rates(void **state)
{
	const char *specs[] = { "{\"type\": \"json\"}",
				"{\"type\": \"similarity\", \"metric\": \"jaccard\", "
				"\"threshold\": 0.5}" };
	struct behaviour quiet = { 0 }, fenced = { .fence = 300, .night = 4 };
	struct sampleset *base = night_set(&quiet, 6, 50), *night = night_set(&fenced, 6, 50);
	struct check *checks[2];
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	json_t *sec = NULL, *e, *found = NULL;
	struct detect_run *r;
	struct fx f;
	size_t i;

	(void)state;
	fx_init(&f, NULL);
	for (i = 0; i < 2; i++) {
		struct jsonloc loc = { "suite.json", specs[i], strlen(specs[i]) };
		json_t *j = json_loads(specs[i], 0, NULL);

		checks[i] = check_compile(&loc, "/checks/0", j, &err);
		assert_non_null(checks[i]);
		json_decref(j);
	}
	r = detect_begin(f.p, base->n_prompts, f.hist, "n1", 1, &err);
	assert_non_null(r);
	for (i = 0; i < base->n_prompts; i++) {
		detect_add(r, i, &base->prompts[i], &night->prompts[i]);
		detect_add_checks(r, i, checks, i ? 0 : 2, &base->prompts[i], &night->prompts[i]);
	}
	assert_int_equal(detect_end(r, &o, &sec, &err), 0);
	detect_run_free(r);
	json_array_foreach(json_object_get(json_object_get(sec, "prompt_rates"), "signals"), i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "signal")), "check"))
			found = e;
	}
	assert_non_null(found);
	assert_string_equal(json_string_value(json_object_get(found, "check")), "json#0");
	assert_string_equal(json_string_value(json_object_get(found, "prompt")), "p00");
	assert_non_null(strstr(json_string_value(json_object_get(found, "words")),
			       "check json#0 passing 100% -> "));
	assert_true(json_is_true(json_object_get(found, "changed")));
	assert_true(json_is_true(json_object_get(rate_entry(sec, "check"), "changed")));
	json_decref(sec);
	check_free(checks[0]);
	check_free(checks[1]);
	sampleset_free(base);
	sampleset_free(night);
	fx_release(&f);
}

/* How many of prompt 0's answers of night b carry `key` (a JSON key in quotes). */
static size_t with_key(const struct behaviour *b, size_t n, const char *key)
{
	struct sampleset *s = night_set(b, 1, n);
	size_t i, k = 0;

	for (i = 0; i < s->prompts[0].n; i++)
		k += strstr(s->prompts[0].samples[i].text, key) != NULL;
	sampleset_free(s);
	return k;
}

/* A JSON prompt that renames a field ("price" to "price_usd") in a few of its answers, every
 * answer still valid JSON, the JSON, fence and refusal rates unmoved: a behaviour the endpoint
 * never showed (no answer of the baseline or of 12 nights had other keys), suspected the
 * first night with the keys named, confirmed the next when the field is dropped instead. The
 * history keeps the count on the JSON prompts only, 0 too. */
static void test_json_keys(void **state)
{
	struct behaviour quiet = { .refuse = 20, .json = 5, .prices = 1 };
	struct behaviour renamed = {
		.refuse = 20, .json = 5, .prices = 1, .rename = 300, .night = 100
	};
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL, *recs = NULL, *last;
	size_t skipped;
	struct fx f;

	(void)state;
	base = quiet_history(&f, &quiet);
	assert_int_equal(history_load(f.hist, &recs, &skipped, &err), 0);
	last = json_object_get(json_array_get(recs, 11), "prompt_rates");
	assert_true(json_is_integer(json_object_get(json_object_get(last, "p00"), "json_keys")));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(last, "p04"), "json_keys")), 0);
	assert_null(json_object_get(json_object_get(last, "p05"), "json_keys"));
	json_decref(recs);
	while (with_key(&renamed, 10, "\"price_usd\"") != 3)
		renamed.night++;
	assert_int_equal(judge(&f, base, &renamed, 25, 10, 0, &o, &sec), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_SUSPECTED);
	assert_true(json_is_true(json_object_get(rate_entry(sec, "json_keys"), "changed")));
	/* pooled over the 5 JSON prompts' JSON answers: 3 in about 50, none before */
	NEAR(json_number_value(json_object_get(rate_entry(sec, "json_keys"), "reference")), 0, 0);
	NEAR(json_number_value(json_object_get(rate_entry(sec, "json_keys"), "night")), 0.065,
	     0.01);
	assert_false(json_is_true(json_object_get(rate_entry(sec, "json"), "suspected")));
	/* 3 of its 9 answers that are not refusals */
	assert_non_null(strstr(o.summary, "p00: JSON answers with keys unlike the baseline's 0% -> "
					  "33% (\"price_usd\" new in 3, \"price\" missing in 3)"));
	json_decref(sec);
	renamed.rename = 0;
	renamed.drop = 300;
	renamed.night++;
	while (with_key(&renamed, 10, "\"price\"") > 7)
		renamed.night++;
	assert_int_equal(judge(&f, base, &renamed, 25, 10, 0, &o, NULL), DETECT_CHANGED);
	assert_int_equal(o.stage, DETECT_STAGE_CONFIRMED);
	sampleset_free(base);
	fx_release(&f);
}

/* Whether the night's rate tests (prompt_rates.signals) hold one of `signal` on prompt id. */
static int has_test(const json_t *sec, const char *id, const char *signal)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(sec, "prompt_rates"), "signals"), i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "prompt")), id) &&
		    !strcmp(json_string_value(json_object_get(e, "signal")), signal))
			return 1;
	}
	return 0;
}

/* A categorical JSON prompt (one answer, now and then with a "note" its baseline never had)
 * whose reference had answers with the note: those are some of its answers, and its mix judges
 * their share, so its keys are not a test of their own; the same prompt with varied prices (not
 * categorical) has one. Tonight 40% of the answers carry the note. */
static void test_json_keys_categorical(void **state)
{
	int prices;

	(void)state;
	for (prices = 0; prices < 2; prices++) {
		struct behaviour b = { .refuse = 20, .json = 5, .note = 30, .prices = prices };
		struct sampleset *base;
		struct detect_outcome o;
		json_t *sec = NULL;
		struct fx f;
		size_t seen;

		fx_init(&f, NULL);
		b.note = 0;
		base = night_set(&b, 25, 30);
		b.note = 30;
		seen = 0;
		for (b.night = 1; b.night <= 12; b.night++) {
			judge(&f, base, &b, 25, 10, 0, &o, NULL);
			seen += with_key(&b, 10, "\"note\"");
		}
		assert_true(seen > 0); /* its reference has the note */
		b.note = 400;
		judge(&f, base, &b, 25, 10, 0, &o, &sec);
		assert_int_equal(has_test(sec, "p00", "json_keys"), prices);
		json_decref(sec);
		sampleset_free(base);
		fx_release(&f);
	}
}

/* An upgrade: a history written before JSON keys were counted (its lines without
 * "json_keys"). Its nights' own shapes are unknown, so the keys are not judged against the
 * baseline's one night alone: no test of them, where the same history with the counts has
 * one and suspects the renamed field. */
static void test_json_keys_upgrade(void **state)
{
	int older;

	(void)state;
	for (older = 0; older < 2; older++) {
		struct behaviour quiet = { .refuse = 20, .json = 5, .prices = 1 };
		struct behaviour renamed = { .refuse = 20, .json = 5, .prices = 1, .rename = 300 };
		struct pl_err err = PL_ERR_INIT;
		struct sampleset *base;
		struct detect_outcome o;
		json_t *recs = NULL, *r, *e, *sec = NULL;
		const char *id;
		size_t skipped, i;
		struct fx f;

		base = quiet_history(&f, &quiet);
		if (older) { /* the lines as an older plumbline wrote them */
			assert_int_equal(history_load(f.hist, &recs, &skipped, &err), 0);
			assert_int_equal(unlink(f.hist), 0);
			json_array_foreach(recs, i, r)
			{
				json_object_foreach(json_object_get(r, "prompt_rates"), id, e)
					json_object_del(e, "json_keys");
				assert_int_equal(history_append(f.hist, r, &err), 0);
			}
			json_decref(recs);
		}
		renamed.night = 100;
		while (with_key(&renamed, 10, "\"price_usd\"") != 3)
			renamed.night++;
		judge(&f, base, &renamed, 25, 10, 1, &o, &sec);
		assert_int_equal(has_test(sec, "p00", "json_keys"), !older);
		json_decref(sec);
		sampleset_free(base);
		fx_release(&f);
	}
}

/* An optional key that JSON answers carry now and then ("note" on 3% of them): the baseline
 * may not have it, its nights bring it by ones and twos. Twelve nights of it raise nothing:
 * its history shows the key coming and going, the margin and the reference carry it. */
static void test_json_keys_optional(void **state)
{
	struct behaviour b = { .refuse = 20, .json = 5, .note = 30, .prices = 1 };
	struct sampleset *base;
	struct detect_outcome o;
	json_t *sec = NULL;
	struct fx f;
	size_t seen = 0;
	int n;

	(void)state;
	fx_init(&f, NULL);
	base = night_set(&b, 25, 30);
	for (n = 1; n <= 24; n++) {
		b.night = n;
		assert_int_not_equal(judge(&f, base, &b, 25, 10, 0, &o, &sec), DETECT_CHANGED);
		assert_false(
			json_is_true(json_object_get(rate_entry(sec, "json_keys"), "suspected")));
		seen += with_key(&b, 10, "\"note\"");
		json_decref(sec);
	}
	assert_true(seen > 0); /* the nights did bring the key */
	sampleset_free(base);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_prompt_tests),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_jump_small_rate),
		cmocka_unit_test(test_plain_text_refusals),
		cmocka_unit_test(test_fenced_json),
		cmocka_unit_test(test_quiet_nights),
		cmocka_unit_test(test_margin_from_history),
		cmocka_unit_test(test_level_with_history),
		cmocka_unit_test(test_rate_alpha_setting),
		cmocka_unit_test(test_fences_over_prompts),
		cmocka_unit_test(test_named_rate),
		cmocka_unit_test(test_fence_taken_back),
		cmocka_unit_test(test_refusals_taken_back),
		cmocka_unit_test(test_patterns_setting),
		cmocka_unit_test(test_check_rates),
		cmocka_unit_test(test_json_keys),
		cmocka_unit_test(test_json_keys_optional),
		cmocka_unit_test(test_json_keys_categorical),
		cmocka_unit_test(test_json_keys_upgrade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
