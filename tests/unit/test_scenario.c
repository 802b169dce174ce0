/* test_scenario.c: the detection benchmark's scenarios (tests/support/scenario.c) and the
 * simulated model's realistic knobs do what they claim, so the benchmark's inputs are tested
 * themselves: which prompts move and by how much, refusal and fence rates, longer prose,
 * alternating backends, lumpy nights, one-token labels; and the ext family's drift, serving
 * states, weekends, heterogeneity and changes. */
#include "testutil.h"

#include "sampleset.h"
#include "scenario.h"
#include "scenario_ext.h"
#include "sim_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct scenario *find(const char *name)
{
	size_t n, i;
	const struct scenario *l = scenario_list(&n);

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	fail_msg("no scenario %s", name);
	return NULL;
}

/* Empirical total variation between two prompts' answer texts. */
static double tv_texts(const struct prompt_samples *a, const struct prompt_samples *b)
{
	double d = 0;
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		size_t na = 0, nb = 0, first = 1;

		for (j = 0; j < i; j++)
			first &= !!strcmp(a->samples[j].text, a->samples[i].text);
		if (!first)
			continue;
		for (j = 0; j < a->n; j++)
			na += !strcmp(a->samples[j].text, a->samples[i].text);
		for (j = 0; j < b->n; j++)
			nb += !strcmp(b->samples[j].text, a->samples[i].text);
		d += fabs((double)na / (double)a->n - (double)nb / (double)b->n);
	}
	for (i = 0; i < b->n; i++) { /* texts only b has */
		size_t na = 0, nb = 0, first = 1;

		for (j = 0; j < i; j++)
			first &= !!strcmp(b->samples[j].text, b->samples[i].text);
		for (j = 0; j < a->n && first; j++)
			na += !strcmp(a->samples[j].text, b->samples[i].text);
		if (!first || na)
			continue;
		for (j = 0; j < b->n; j++)
			nb += !strcmp(b->samples[j].text, b->samples[i].text);
		d += (double)nb / (double)b->n;
	}
	return d / 2;
}

static int same_texts(const struct prompt_samples *a, const struct prompt_samples *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->samples[i].text, b->samples[i].text))
			return 0;
	return 1;
}

/* Exactly `amount` prompts move, different ones across trials. */
static void test_move_touches_exactly(void **state)
{
	static const char *const names[] = { "sim-move1", "sim-move2", "sim-move5",    "cat-move1",
					     "cat-move2", "cat-move5", "labels-move2", "cat-new2" };
	int seen[SCEN_PROMPTS] = { 0 }, distinct = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		const struct scenario *sc = find(names[k]);

		for (unsigned long long t = 1; t <= 30; t++) {
			size_t n = 0;

			for (size_t p = 0; p < SCEN_PROMPTS; p++) {
				n += (size_t)scenario_touches(sc, t, p);
				if (k == 1 && scenario_touches(sc, t, p))
					seen[p] = 1;
			}
			assert_int_equal(n, (size_t)sc->amount);
		}
	}
	for (size_t p = 0; p < SCEN_PROMPTS; p++)
		distinct += seen[p];
	assert_true(distinct > 15); /* 30 trials of 2 prompts spread over the suite */
	assert_int_equal(scenario_touches(find("sim-lumpy"), 1, 0), 0);
}

/* sim-move2: with the same sample seeds, only the 2 touched prompts answer differently. */
static void test_sim_move_confined(void **state)
{
	const struct scenario *sc = find("sim-move2");

	(void)state;
	for (unsigned long long t = 1; t <= 5; t++) {
		struct sampleset *a = scenario_night(sc, t, 3, 0, 40);
		struct sampleset *b = scenario_night(sc, t, 3, 1, 40);
		size_t moved = 0;

		assert_int_equal(a->n_prompts, SCEN_PROMPTS);
		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			int differ = !same_texts(&a->prompts[p], &b->prompts[p]);

			assert_int_equal(differ, scenario_touches(sc, t, p));
			moved += (size_t)differ;
		}
		assert_int_equal(moved, 2);
		sampleset_free(a);
		sampleset_free(b);
	}
}

/* The remix knob on a one-word prompt: the answer mix moves by total variation 0.5, and only
 * among answers the model already gives. */
static void test_sim_remix_tv(void **state)
{
	struct prompt_samples a = { 0 }, b = { 0 };
	struct sim_knobs k;
	struct sim_msg m = { "user", "What is the capital of France? One word." };
	size_t i, n = 4000;

	(void)state;
	sim_knobs_init(&k);
	k.seed = 7;
	k.night_noise = 0; /* the prompt's own mix, not a night's */
	a.samples = calloc(n, sizeof(*a.samples));
	b.samples = calloc(n, sizeof(*b.samples));
	assert_non_null(a.samples);
	assert_non_null(b.samples);
	for (i = 0; i < n; i++) {
		struct sim_answer x, y;

		k.remix = 0;
		sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &x);
		k.remix = SCEN_MOVE_TV;
		sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &y);
		a.samples[i].text = x.text;
		b.samples[i].text = y.text;
		a.n = b.n = i + 1;
	}
	assert_true(fabs(tv_texts(&a, &b) - 0.5) < 0.04);
	for (i = 0; i < n; i++) { /* no new answers */
		int known = 0;

		for (size_t j = 0; j < n && !known; j++)
			known = !strcmp(b.samples[i].text, a.samples[j].text);
		assert_true(known);
	}
	for (i = 0; i < n; i++) {
		free(a.samples[i].text);
		free(b.samples[i].text);
	}
	free(a.samples);
	free(b.samples);
}

/* cat-move2: the touched prompts' distributions move by about 0.5 (exactly 0.5 before the
 * night's noise), the others not at all. */
static void test_cat_move_tv(void **state)
{
	const struct scenario *sc = find("cat-move2");
	double sum = 0;
	int n = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 20; t++) {
		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			for (size_t part = 0;; part++) {
				const char *ta[SCEN_MAX_OPT], *tb[SCEN_MAX_OPT];
				double pa[SCEN_MAX_OPT], pb[SCEN_MAX_OPT], d = 0;
				size_t na = scenario_cat_part(sc, t, 5, 0, p, part, ta, pa);
				size_t nb = scenario_cat_part(sc, t, 5, 1, p, part, tb, pb);

				assert_int_equal(na, nb);
				if (!na)
					break;
				for (size_t i = 0; i < na; i++)
					d += fabs(pa[i] - pb[i]) / 2;
				if (scenario_touches(sc, t, p) && part == 0) {
					assert_true(d > 0.15 && d < 0.85); /* a noisy night */
					sum += d;
					n++;
				} else {
					assert_true(d < 1e-12);
				}
			}
		}
	}
	assert_int_equal(n, 40);
	assert_true(fabs(sum / n - 0.5) < 0.06);
}

static double share_of(const struct sampleset *s, const char *prefix, int json_only, int flagged)
{
	size_t p, i, hit = 0, all = 0;

	for (p = 0; p < s->n_prompts; p++) {
		const struct prompt_samples *ps = &s->prompts[p];

		if (json_only && p < 20)
			continue;
		for (i = 0; i < ps->n; i++) {
			all++;
			if (!strncmp(ps->samples[i].text, prefix, strlen(prefix)) &&
			    ps->samples[i].refused == flagged)
				hit++;
		}
	}
	return all ? (double)hit / (double)all : 0;
}

/* Plain-text refusals at the claimed rate, never flagged; fences on the claimed share of
 * JSON answers; none of either on unchanged nights. */
static void test_refusal_and_fence_rates(void **state)
{
	static const struct {
		const char *name;
		const char *prefix;
		int json_only;
	} cases[] = {
		{ "sim-refusal5", SCEN_TEXT_REFUSAL, 0 },
		{ "sim-refusal10", SCEN_TEXT_REFUSAL, 0 },
		{ "cat-refusal5", SCEN_TEXT_REFUSAL, 0 },
		{ "sim-fence10", "```json", 1 },
	};

	(void)state;
	assert_string_equal(sim_text_refusal_text(), SCEN_TEXT_REFUSAL);
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		const struct scenario *sc = find(cases[c].name);
		struct sampleset *on = scenario_night(sc, 2, 4, 1, 400);
		struct sampleset *off = scenario_night(sc, 2, 4, 0, 400);
		double r = share_of(on, cases[c].prefix, cases[c].json_only, 0);

		/* 10,000 answers (2,000 JSON ones): 4 standard errors */
		assert_true(fabs(r - sc->amount) < (cases[c].json_only ? 0.027 : 0.012));
		assert_true(share_of(off, cases[c].prefix, cases[c].json_only, 0) == 0);
		sampleset_free(on);
		sampleset_free(off);
	}
}

static double mean_len(const struct prompt_samples *ps)
{
	double sum = 0;

	for (size_t i = 0; i < ps->n; i++)
		sum += (double)strlen(ps->samples[i].text);
	return ps->n ? sum / (double)ps->n : 0;
}

/* Prose answers grow by about 10%; one-word and JSON answers do not change. */
static void test_longer_prose(void **state)
{
	const struct scenario *sc = find("sim-longer10");
	struct sampleset *a = scenario_night(sc, 3, 2, 0, 100);
	struct sampleset *b = scenario_night(sc, 3, 2, 1, 100);

	(void)state;
	for (size_t p = 0; p < SCEN_PROMPTS; p++) {
		if (p >= 10 && p < 20) {
			double ratio = mean_len(&b->prompts[p]) / mean_len(&a->prompts[p]);

			assert_true(ratio > 1.08 && ratio < 1.2);
		} else {
			assert_true(same_texts(&a->prompts[p], &b->prompts[p]));
		}
	}
	sampleset_free(a);
	sampleset_free(b);
}

/* Backends: both serving states occur and switch often between nights; the second backend's
 * mix differs a little, not like another model; scenarios without backends stay on one. */
static void test_backends_alternate(void **state)
{
	static const char *const names[] = { "sim-backends", "cat-backends" };
	struct sim_knobs k;
	struct sim_msg m = { "user", "Name a weekday. One word." };
	struct prompt_samples a = { 0 }, b = { 0 };
	size_t i, n = 2000;
	double d;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(names); c++) {
		const struct scenario *sc = find(names[c]);
		int ones = 0, switches = 0, prev = scenario_backend(sc, 1, 0);

		for (int night = 1; night <= 100; night++) {
			int b1 = scenario_backend(sc, 1, night);

			ones += b1;
			switches += b1 != prev;
			prev = b1;
		}
		assert_true(ones >= 30 && ones <= 70);
		assert_true(switches >= 30);
	}
	for (int night = 0; night < 50; night++)
		assert_int_equal(scenario_backend(find("sim-lumpy"), 1, night), 0);

	sim_knobs_init(&k);
	k.seed = 11;
	a.samples = calloc(n, sizeof(*a.samples));
	b.samples = calloc(n, sizeof(*b.samples));
	assert_non_null(a.samples);
	assert_non_null(b.samples);
	for (i = 0; i < n; i++) {
		struct sim_answer x, y;

		k.backend = 0;
		sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &x);
		k.backend = 1;
		sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &y);
		a.samples[i].text = x.text;
		b.samples[i].text = y.text;
		a.n = b.n = i + 1;
	}
	d = tv_texts(&a, &b);
	assert_true(d > 0.02 && d < 0.35);
	for (i = 0; i < n; i++) {
		free(a.samples[i].text);
		free(b.samples[i].text);
	}
	free(a.samples);
	free(b.samples);
}

/* prompt_noise rescales a prompt's night noise: the same sample of the same night changes on
 * some nights, and with the knob at 0 nothing does. */
static void prompt_noise_moves(void)
{
	struct sim_knobs k;
	struct sim_msg m = { "user", "Name a metal. One word." };
	int differ = 0;

	sim_knobs_init(&k);
	k.seed = 5;
	for (int night = 1; night <= 20; night++) {
		for (unsigned long long i = 0; i < 20; i++) {
			struct sim_answer x, y, z;

			k.night = night;
			k.prompt_noise = 0;
			sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &x);
			k.prompt_noise = 0.5;
			sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &y);
			k.prompt_noise = 0;
			sim_model_answer(&k, "sim-1", &m, 1, 0.7, 256, i, &z);
			differ += strcmp(x.text, y.text) != 0;
			assert_string_equal(x.text, z.text);
			sim_answer_release(&x);
			sim_answer_release(&y);
			sim_answer_release(&z);
		}
	}
	assert_true(differ > 0);
}

/* Lumpy nights: a heavy tail (some nights several times noisier), quiet ones all alike. */
static void test_lumpy_nights(void **state)
{
	const struct scenario *lumpy = find("sim-lumpy"), *quiet = find("sim-quiet");
	int bad = 0, calm = 0;

	(void)state;
	for (int night = 1; night <= 1000; night++) {
		double f = scenario_noise_factor(lumpy, 1, night);

		assert_true(f > 0);
		bad += f > 2.5;
		calm += f < 1;
		assert_true(scenario_noise_factor(quiet, 1, night) == 1);
	}
	assert_true(bad >= 40 && bad <= 140); /* about 8% bad nights */
	assert_true(calm >= 400);	      /* most nights are ordinary */
	prompt_noise_moves();
}

/* Still nights: no night-to-night noise, so a prompt's answer mix is the same every night
 * (only the night's sampling differs), where quiet nights move it a little. */
static void test_still_nights(void **state)
{
	const struct scenario *still = find("cat-still"), *quiet = find("cat-quiet");
	const char *tx[SCEN_MAX_OPT];
	double a[SCEN_MAX_OPT], b[SCEN_MAX_OPT], q[SCEN_MAX_OPT];
	size_t n, i;
	int moved = 0;

	(void)state;
	assert_true(scenario_noise_factor(still, 1, 5) == 0);
	assert_true(scenario_noise_factor(find("sim-still"), 1, 5) == 0);
	n = scenario_cat_part(still, 1, 3, 0, 0, 0, tx, a);
	assert_true(n > 1);
	assert_int_equal(scenario_cat_part(still, 1, 9, 0, 0, 0, tx, b), n);
	for (i = 0; i < n; i++)
		assert_true(a[i] == b[i]);
	scenario_cat_part(quiet, 1, 3, 0, 0, 0, tx, a);
	scenario_cat_part(quiet, 1, 9, 0, 0, 0, tx, q);
	for (i = 0; i < n; i++)
		moved |= a[i] != q[i];
	assert_true(moved);
}

/* One-token labels: every answer is one token ("length" at max_tokens 1); the rare-label
 * change moves 15% of each prompt's mass to its rarest label. */
static void test_labels(void **state)
{
	const struct scenario *sc = find("labels-rare15");
	struct sampleset *s = scenario_night(sc, 4, 1, 0, 50);

	(void)state;
	for (size_t p = 0; p < SCEN_PROMPTS; p++) {
		const char *ta[SCEN_MAX_OPT];
		double pa[SCEN_MAX_OPT], pb[SCEN_MAX_OPT], d = 0;
		size_t n = scenario_cat_part(sc, 4, 1, 0, p, 0, ta, pa);

		assert_int_equal(scenario_cat_part(sc, 4, 1, 1, p, 0, ta, pb), n);
		for (size_t i = 0; i < n; i++)
			d += fabs(pa[i] - pb[i]) / 2;
		assert_true(d > 0.05 && d < 0.3);
		for (size_t i = 0; i < s->prompts[p].n; i++) {
			const struct sample *x = &s->prompts[p].samples[i];

			assert_null(strchr(x->text + 1, ' '));
			assert_true(strlen(x->text) <= 10);
			assert_string_equal(x->finish_reason, "length");
		}
	}
	sampleset_free(s);
}

/* cat-new2: each touched prompt gives answers it never gave before, about half of them over
 * nights (a lumpy night's noise moves a single night's share; a prose answer's later parts
 * make a few more combinations the unchanged night's 40 answers lack); untouched prompts
 * answer exactly as on an unchanged night. */
static void test_new_answer(void **state)
{
	const struct scenario *sc = find("cat-new2");

	(void)state;
	for (unsigned long long t = 1; t <= 4; t++) {
		size_t fresh[SCEN_PROMPTS] = { 0 }, all = 0;

		for (int night = 1; night <= 10; night++) {
			struct sampleset *was = scenario_night(sc, t, night, 0, 40);
			struct sampleset *now = scenario_night(sc, t, night, 1, 40);

			for (size_t p = 0; p < SCEN_PROMPTS; p++) {
				const struct prompt_samples *a = &was->prompts[p];
				const struct prompt_samples *b = &now->prompts[p];

				if (!scenario_touches(sc, t, p)) {
					assert_true(same_texts(a, b));
					continue;
				}
				for (size_t i = 0; i < b->n; i++) {
					size_t seen = 0;

					for (size_t j = 0; j < a->n && !seen; j++)
						seen = !strcmp(a->samples[j].text,
							       b->samples[i].text);
					fresh[p] += !seen;
				}
			}
			all += 40;
			sampleset_free(was);
			sampleset_free(now);
		}
		for (size_t p = 0, k = 0; p < SCEN_PROMPTS; p++) {
			if (!scenario_touches(sc, t, p))
				continue;
			k++;
			assert_true(fresh[p] > all * 3 / 10 && fresh[p] < all * 8 / 10);
			assert_true(k <= 2);
		}
	}
}

/* bench_bound's reading of cat answers: every answer shows one option of its first part,
 * each option's own text reads as itself (one-part answers are whole: "William Shakespeare"
 * is not "William Shakespeare wrote Hamlet."), a refusal shows none. */
static void test_cat_option(void **state)
{
	static const char *const names[] = { "cat-move2", "labels-move2", "cat-refusal5" };

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		const struct scenario *sc = find(names[k]);
		struct sampleset *s = scenario_night(sc, 3, 13, 1, 40);
		size_t refusals = 0;

		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			const char *texts[SCEN_MAX_OPT];
			double probs[SCEN_MAX_OPT];
			size_t n = scenario_cat_part(sc, 3, 13, 1, p, 0, texts, probs);
			int multi = scenario_cat_part(sc, 3, 13, 1, p, 1, texts, probs) > 0;

			n = scenario_cat_part(sc, 3, 13, 1, p, 0, texts, probs);
			for (size_t i = 0; i < n && !multi; i++)
				assert_int_equal(scenario_cat_option(sc, 3, p, texts[i]), (int)i);
			for (size_t i = 0; i < s->prompts[p].n; i++) {
				const char *t = s->prompts[p].samples[i].text;
				int o = scenario_cat_option(sc, 3, p, t);

				if (!strcmp(t, SCEN_TEXT_REFUSAL)) {
					assert_int_equal(o, -1);
					refusals++;
					continue;
				}
				n = scenario_cat_part(sc, 3, 13, 1, p, 0, texts, probs);
				assert_true(o >= 0 && (size_t)o < n);
				assert_memory_equal(t, texts[o], strlen(texts[o]));
			}
		}
		assert_true(sc->change == SCEN_TEXT_REFUSE ? refusals > 0 : refusals == 0);
		sampleset_free(s);
	}
}

/* bench_bound's likelihoods: no answers have probability 1; a moved prompt's answers are
 * likelier under the moved definition on changed nights and under the unchanged one on
 * unchanged nights. */
static void test_cat_loglik(void **state)
{
	const struct scenario *sc = find("cat-move2-quiet");
	unsigned zero[SCEN_MAX_OPT] = { 0 };
	size_t moved = SCEN_PROMPTS;
	double on = 0, off = 0;

	(void)state;
	for (size_t p = 0; p < SCEN_PROMPTS; p++) {
		if (scenario_touches(sc, 5, p))
			moved = p;
	}
	assert_true(moved < SCEN_PROMPTS);
	assert_true(fabs(scenario_cat_loglik(sc, 5, 1, 0, moved, zero, 50)) < 1e-12);
	for (int night = 1; night <= 20; night++) {
		for (int changed = 0; changed <= 1; changed++) {
			struct sampleset *s = scenario_night(sc, 5, night, changed, 10);
			unsigned c[SCEN_MAX_OPT] = { 0 };
			const struct prompt_samples *ps = &s->prompts[moved];
			double l1, l0;

			for (size_t i = 0; i < ps->n; i++)
				c[scenario_cat_option(sc, 5, moved, ps->samples[i].text)]++;
			l1 = scenario_cat_loglik(sc, 5, night, 1, moved, c, 200);
			l0 = scenario_cat_loglik(sc, 5, night, 0, moved, c, 200);
			if (changed)
				on += l1 - l0;
			else
				off += l0 - l1;
			sampleset_free(s);
		}
	}
	/* 20 nights of 10 answers each way: the log-likelihood ratios add up to many nats */
	assert_true(on > 20);
	assert_true(off > 20);
}

/* The same arguments give the same answers. */
static void test_deterministic(void **state)
{
	size_t n, i;
	const struct scenario *l = scenario_list(&n);

	(void)state;
	for (i = 0; i < n; i++) {
		struct sampleset *a = scenario_night(&l[i], 9, 2, 1, 5);
		struct sampleset *b = scenario_night(&l[i], 9, 2, 1, 5);

		for (size_t p = 0; p < SCEN_PROMPTS; p++)
			assert_true(same_texts(&a->prompts[p], &b->prompts[p]));
		sampleset_free(a);
		sampleset_free(b);
	}
}

/* ---- the ext family (scenario_ext.c) ---- */

static double tv_probs(const double *a, const double *b, size_t n)
{
	double d = 0;

	for (size_t i = 0; i < n; i++)
		d += fabs(a[i] - b[i]) / 2;
	return d;
}

/* The mean total variation between two nights' mixes of the answers that are not prose. */
static double ext_tv_nights(const struct scenario *sc, unsigned long long t, int n1, int n2)
{
	const char *tx[SCEN_EXT_MAX_OPT];
	double a[SCEN_EXT_MAX_OPT], b[SCEN_EXT_MAX_OPT], sum = 0;
	int k = 0;

	for (size_t p = 0; p < SCEN_PROMPTS; p++) {
		size_t n;

		if (scenario_ext_kind(p) == EXT_PROSE)
			continue;
		n = scenario_ext_dist(sc, t, n1, 0, p, 0, tx, a);
		assert_int_equal(scenario_ext_dist(sc, t, n2, 0, p, 0, tx, b), n);
		sum += tv_probs(a, b, n);
		k++;
	}
	return sum / k;
}

static int ext_known(const char *text, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(text, list[i]))
			return 1;
	return 0;
}

/* The answers follow the mixes scenario_ext_dist reports: a label's and a short fact's shares
 * over 3,000 answers are within 4 standard errors of the mix. */
static void test_ext_draws_follow_mix(void **state)
{
	const struct scenario *sc = find("ext-drift");
	struct sampleset *s = scenario_night(sc, 1, 4, 0, 3000);

	(void)state;
	for (size_t p = 0; p < SCEN_PROMPTS; p++) {
		const char *tx[SCEN_EXT_MAX_OPT];
		double pr[SCEN_EXT_MAX_OPT];
		size_t n;

		if (scenario_ext_kind(p) != EXT_LABEL && scenario_ext_kind(p) != EXT_SHORT)
			continue;
		n = scenario_ext_dist(sc, 1, 4, 0, p, 0, tx, pr);
		assert_true(n >= 4);
		assert_int_equal(scenario_ext_dist(sc, 1, 4, 0, p, 1, tx, pr), 0);
		n = scenario_ext_dist(sc, 1, 4, 0, p, 0, tx, pr);
		for (size_t i = 0; i < n; i++) {
			size_t hit = 0;

			for (size_t j = 0; j < s->prompts[p].n; j++)
				hit += !strcmp(s->prompts[p].samples[j].text, tx[i]);
			assert_true(fabs((double)hit / 3000.0 - pr[i]) < 0.04);
		}
		for (size_t j = 0; j < s->prompts[p].n; j++)
			assert_true(ext_known(s->prompts[p].samples[j].text, tx, n));
	}
	sampleset_free(s);
}

/* ext-drift: the noise lasts, so consecutive nights are clearly more alike than nights a week
 * apart; ext-hetero's noise does not last, so they are about as alike. */
static void test_ext_drift(void **state)
{
	const struct scenario *drift = find("ext-drift"), *iid = find("ext-hetero");
	double d1 = 0, d7 = 0, i1 = 0, i7 = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 6; t++) {
		for (int night = 1; night <= 30; night++) {
			d1 += ext_tv_nights(drift, t, night, night + 1);
			d7 += ext_tv_nights(drift, t, night, night + 7);
			i1 += ext_tv_nights(iid, t, night, night + 1);
			i7 += ext_tv_nights(iid, t, night, night + 7);
		}
	}
	assert_true(d1 < 0.75 * d7);
	assert_true(i1 > 0.85 * i7 && i1 < 1.15 * i7);
	assert_true(d7 > 0.02); /* the drift is there at all */
	assert_true(scenario_noise_factor(drift, 1, 9) == 1);
}

/* ext-states3: three serving states on 60/30/10% of nights; states 1 and 2 each flip the
 * likeliest answer of two prompts (three prompts in all), and differ only a little on the
 * others. */
static void test_ext_states3(void **state)
{
	const struct scenario *sc = find("ext-states3");
	int count[3] = { 0 };
	static double mean[3][SCEN_PROMPTS][SCEN_EXT_MAX_OPT];
	int nights[3] = { 0 };

	(void)state;
	for (int night = 0; night < 4000; night++) {
		int st = scenario_backend(sc, 1, night);

		assert_true(st >= 0 && st <= 2);
		count[st]++;
	}
	assert_true(abs(count[0] - 2400) < 120);
	assert_true(abs(count[1] - 1200) < 120);
	assert_true(abs(count[2] - 400) < 80);
	assert_int_equal(scenario_backend(find("ext-drift"), 1, 3), 0);

	for (unsigned long long t = 1; t <= 4; t++) {
		int any[SCEN_PROMPTS] = { 0 }, all = 0;

		for (int st = 1; st <= 2; st++) {
			int k = 0;

			for (size_t p = 0; p < SCEN_PROMPTS; p++) {
				k += scenario_ext_flips(sc, t, st, p);
				any[p] |= scenario_ext_flips(sc, t, st, p);
				if (scenario_ext_flips(sc, t, st, p))
					assert_true(scenario_ext_kind(p) != EXT_PROSE);
			}
			assert_int_equal(k, 2);
		}
		for (size_t p = 0; p < SCEN_PROMPTS; p++)
			all += any[p];
		assert_int_equal(all, 3);
	}

	memset(mean, 0, sizeof(mean));
	for (int night = 1; night <= 600; night++) {
		int st = scenario_backend(sc, 2, night);

		nights[st]++;
		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			const char *tx[SCEN_EXT_MAX_OPT];
			double pr[SCEN_EXT_MAX_OPT];
			size_t n = scenario_ext_dist(sc, 2, night, 0, p, 0, tx, pr);

			for (size_t i = 0; i < n; i++)
				mean[st][p][i] += pr[i];
		}
	}
	for (int st = 0; st < 3; st++)
		for (size_t p = 0; p < SCEN_PROMPTS; p++)
			for (size_t i = 0; i < SCEN_EXT_MAX_OPT; i++)
				mean[st][p][i] /= nights[st];
	for (int st = 1; st <= 2; st++) {
		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			double d = tv_probs(mean[0][p], mean[st][p], SCEN_EXT_MAX_OPT);
			size_t m0 = 0, m1 = 0;

			if (scenario_ext_kind(p) == EXT_PROSE)
				continue;
			for (size_t i = 1; i < SCEN_EXT_MAX_OPT; i++) {
				m0 = mean[0][p][i] > mean[0][p][m0] ? i : m0;
				m1 = mean[st][p][i] > mean[st][p][m1] ? i : m1;
			}
			if (scenario_ext_flips(sc, 2, st, p)) {
				assert_true(m0 != m1);
				assert_true(d > 0.2);
			} else {
				assert_true(d < 0.12);
			}
		}
	}
}

/* ext-weekly: two nights of every seven are weekend nights, served another way: a weekday's
 * mix is closer to the next week's same day than to the coming weekend's. */
static void test_ext_weekly(void **state)
{
	const struct scenario *sc = find("ext-weekly");
	double same = 0, cross = 0;
	int k = 0;

	(void)state;
	for (int night = 0; night < 700; night += 7) {
		int w = 0;

		for (int d = 0; d < 7; d++)
			w += scenario_ext_weekend(sc, 3, night + d);
		assert_int_equal(w, 2);
	}
	for (int night = 0; night < 50; night++)
		assert_int_equal(scenario_ext_weekend(find("ext-drift"), 3, night), 0);
	for (unsigned long long t = 1; t <= 6; t++) {
		for (int night = 1; night <= 40; night++) {
			int we = night + 1;

			if (scenario_ext_weekend(sc, t, night))
				continue;
			while (!scenario_ext_weekend(sc, t, we))
				we++;
			same += ext_tv_nights(sc, t, night, night + 7);
			cross += ext_tv_nights(sc, t, night, we);
			k++;
		}
	}
	assert_true(k > 100);
	assert_true(same < 0.75 * cross);
}

/* ext-hetero: near-deterministic prompts, prompts with many wordings and prose where nearly
 * every answer is new; each prompt has its own noise size, and about 3% of prompt-nights go
 * far off, one or two prompts at a time. */
static void test_ext_hetero(void **state)
{
	const struct scenario *sc = find("ext-hetero");
	int jumps = 0, jump_nights = 0, crowded = 0, wide = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 6; t++) {
		struct sampleset *s = scenario_night(sc, t, 3, 0, 30);
		size_t lo = 30, hi = 0, middle = 0;

		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			const struct prompt_samples *ps = &s->prompts[p];
			size_t distinct = 0;

			for (size_t i = 0; i < ps->n; i++) {
				size_t j = 0;

				while (j < i && strcmp(ps->samples[j].text, ps->samples[i].text))
					j++;
				distinct += j == i;
			}
			lo = distinct < lo ? distinct : lo;
			hi = distinct > hi ? distinct : hi;
			middle += distinct >= 5 && distinct <= 15;
		}
		assert_true(lo <= 2);
		assert_true(hi >= 28);
		assert_true(middle >= 1);
		sampleset_free(s);
	}
	for (int night = 1; night <= 1000; night++) {
		int j = 0;
		double lo = 1e9, hi = 0;

		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			double sd = scenario_ext_prompt_sd(sc, 1, night, p);
			double calm = scenario_ext_prompt_sd(sc, 1, 0, p);

			j += sd > 2 * calm || sd < calm / 2; /* night 0 may be a jump itself */
			lo = sd < lo ? sd : lo;
			hi = sd > hi ? sd : hi;
		}
		wide += hi > 2.5 * lo;
		jumps += j;
		jump_nights += j > 0;
		crowded += j >= 4;
		if (!j)
			assert_true(scenario_noise_factor(sc, 1, night) < 1);
		else
			assert_true(scenario_noise_factor(sc, 1, night) > 1);
	}
	assert_true(jumps > 600 && jumps < 900); /* 3% of 25,000 prompt-nights */
	assert_true(jump_nights > 400 && jump_nights < 650);
	assert_true(crowded < 30);
	assert_true(wide == 1000); /* prompts differ in noise size every night */
}

/* A new version moves each answer's mix by total variation 0.3-0.6 (every sentence of prose,
 * the first slot elsewhere), a rollout's new model by 0.25-0.6; without the night's noise. */
static void test_ext_versions(void **state)
{
	const struct scenario *sc = find("ext-shift3");
	double lo = 1, hi = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 20; t++) {
		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			for (size_t slot = 0;; slot++) {
				const char *tx[SCEN_EXT_MAX_OPT];
				double a[SCEN_EXT_MAX_OPT], b[SCEN_EXT_MAX_OPT],
					c[SCEN_EXT_MAX_OPT];
				size_t n = scenario_ext_dist(sc, t, -1, 0, p, slot, tx, a);
				int moves = scenario_ext_kind(p) == EXT_PROSE || slot == 0;
				double d1, d2;

				if (!n)
					break;
				assert_int_equal(scenario_ext_dist(sc, t, -1, 1, p, slot, tx, b),
						 n);
				assert_int_equal(scenario_ext_dist(sc, t, -1, 2, p, slot, tx, c),
						 n);
				d1 = tv_probs(a, b, n);
				d2 = tv_probs(a, c, n);
				if (!moves) {
					assert_true(d1 < 1e-12 && d2 < 1e-12);
					continue;
				}
				assert_true(d1 > 0.3 - 1e-9 && d1 < 0.6 + 1e-9);
				assert_true(d2 > 0.25 - 1e-9 && d2 < 0.6 + 1e-9);
				lo = d1 < lo ? d1 : lo;
				hi = d1 > hi ? d1 : hi;
			}
		}
	}
	assert_true(lo < 0.33 && hi > 0.57); /* varying per prompt over the whole range */
}

/* Every ext change alters the prompts it touches and no other, and only on changed nights;
 * each touches as many prompts, of the kinds, as it says. */
static void test_ext_changes_confined(void **state)
{
	static const struct {
		const char *name;
		size_t touched;
		int kind; /* the kind of every touched prompt, -1 any */
	} cases[] = {
		{ "ext-shift3", 3, -1 },	   { "ext-states3-shift2", 2, -1 },
		{ "ext-rollout", 20, -1 },	   { "ext-topic-refusal", 3, -1 },
		{ "ext-fence-some", 2, EXT_JSON }, { "ext-preamble", 7, EXT_PROSE },
		{ "ext-json-field", 1, EXT_JSON },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		const struct scenario *sc = find(cases[c].name);

		for (unsigned long long t = 1; t <= 4; t++) {
			struct sampleset *a = scenario_night(sc, t, 13, 0, 80);
			struct sampleset *b = scenario_night(sc, t, 13, 1, 80);
			size_t n = 0;

			for (size_t p = 0; p < SCEN_PROMPTS; p++) {
				int on = scenario_touches(sc, t, p);

				n += (size_t)on;
				if (on && cases[c].kind >= 0)
					assert_int_equal(scenario_ext_kind(p), cases[c].kind);
				assert_int_equal(!same_texts(&a->prompts[p], &b->prompts[p]), on);
			}
			assert_int_equal(n, cases[c].touched);
			sampleset_free(a);
			sampleset_free(b);
		}
	}
	for (size_t p = 0; p < SCEN_PROMPTS; p++)
		assert_int_equal(scenario_touches(find("ext-topic-refusal"), 5, p),
				 p == 8 || p == 15 || p == 22);
	for (size_t p = 0; p < SCEN_PROMPTS; p++)
		assert_int_equal(scenario_touches(find("ext-drift"), 5, p), 0);
}

static int is_refusal(const char *t)
{
	return !strncmp(t, "I'm sorry", 9) || !strncmp(t, "I\u2019m sorry", 11) ||
	       !strncmp(t, "I can", 5) || !strncmp(t, "As an AI", 8) ||
	       !strncmp(t, "I'm not able", 12);
}

/* Topic refusals: on the three medication prompts only, at each prompt's rate (40-90%), in
 * several vendor styles (one with a typographic apostrophe), never flagged. */
static void test_ext_topic_refusal(void **state)
{
	const struct scenario *sc = find("ext-topic-refusal");
	int typographic = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 6; t++) {
		struct sampleset *on = scenario_night(sc, t, 13, 1, 1500);
		struct sampleset *off = scenario_night(sc, t, 13, 0, 200);

		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			const struct prompt_samples *ps = &on->prompts[p];
			double rate = scenario_ext_refusal_rate(sc, t, p);
			const char *styles[8];
			size_t hit = 0, n_styles = 0;

			for (size_t i = 0; i < ps->n; i++) {
				const char *x = ps->samples[i].text;

				assert_int_equal(ps->samples[i].refused, 0);
				if (!is_refusal(x))
					continue;
				hit++;
				if (!ext_known(x, styles, n_styles) && n_styles < 8)
					styles[n_styles++] = x;
				typographic |= !strcmp(x, "I can\u2019t assist with that request.");
			}
			for (size_t i = 0; i < off->prompts[p].n; i++)
				assert_false(is_refusal(off->prompts[p].samples[i].text));
			if (!scenario_touches(sc, t, p)) {
				assert_int_equal(hit, 0);
				assert_true(rate == 0);
				continue;
			}
			assert_true(rate >= 0.4 && rate <= 0.9);
			assert_true(fabs((double)hit / 1500.0 - rate) < 0.05);
			assert_true(n_styles >= 3);
		}
		sampleset_free(on);
		sampleset_free(off);
	}
	assert_true(typographic);
}

/* Fences wrap 15% of two JSON prompts' answers, preambles and offers 20% of prose answers;
 * either way the answer inside is the one the unchanged night gives. */
static void test_ext_fence_preamble(void **state)
{
	static const char *const names[] = { "ext-fence-some", "ext-preamble" };

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(names); c++) {
		const struct scenario *sc = find(names[c]);

		for (unsigned long long t = 1; t <= 3; t++) {
			struct sampleset *a = scenario_night(sc, t, 13, 0, 2000);
			struct sampleset *b = scenario_night(sc, t, 13, 1, 2000);

			for (size_t p = 0; p < SCEN_PROMPTS; p++) {
				size_t hit = 0;

				if (!scenario_touches(sc, t, p))
					continue;
				for (size_t i = 0; i < 2000; i++) {
					const char *was = a->prompts[p].samples[i].text;
					const char *now = b->prompts[p].samples[i].text;
					size_t lw = strlen(was), ln = strlen(now);

					if (!strcmp(was, now))
						continue;
					hit++;
					assert_true(ln > lw);
					if (c == 0) {
						assert_memory_equal(now, "```json\n", 8);
						assert_memory_equal(now + 8, was, lw);
						assert_string_equal(now + 8 + lw, "\n```");
					} else {
						const char *in = strstr(now, was);

						assert_non_null(in);
						assert_true(in > now && in + lw < now + ln);
						assert_non_null(strstr(in + lw, "\n\n"));
					}
				}
				assert_true(fabs((double)hit / 2000.0 - sc->amount) < 0.035);
			}
			sampleset_free(a);
			sampleset_free(b);
		}
	}
}

/* The json-field change: 20% of one JSON prompt's answers rename or drop a field; every
 * answer still parses, and an edited one has one key fewer or one key renamed. */
static void test_ext_json_field(void **state)
{
	const struct scenario *sc = find("ext-json-field");
	int renamed = 0, dropped = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 8; t++) {
		struct sampleset *a = scenario_night(sc, t, 13, 0, 1000);
		struct sampleset *b = scenario_night(sc, t, 13, 1, 1000);

		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			size_t hit = 0;

			if (!scenario_touches(sc, t, p))
				continue;
			for (size_t i = 0; i < 1000; i++) {
				const char *was = a->prompts[p].samples[i].text;
				const char *now = b->prompts[p].samples[i].text;
				json_t *x = json_loads(was, 0, NULL), *y = json_loads(now, 0, NULL);
				const char *key;
				json_t *v;
				size_t missing = 0;

				assert_non_null(x);
				assert_non_null(y);
				if (strcmp(was, now)) {
					hit++;
					json_object_foreach(x, key, v)
					{
						missing += !json_object_get(y, key);
					}
					assert_int_equal(missing, 1);
					if (json_object_size(y) == json_object_size(x)) {
						renamed = 1;
					} else {
						assert_int_equal(json_object_size(y) + 1,
								 json_object_size(x));
						dropped = 1;
					}
				}
				json_decref(x);
				json_decref(y);
			}
			assert_true(fabs((double)hit / 1000.0 - sc->amount) < 0.05);
		}
		sampleset_free(a);
		sampleset_free(b);
	}
	assert_true(renamed && dropped); /* trials differ in how the field changes */
}

/* The rollout: on a changed night a touched label prompt's answers are 70% the model's mix and
 * 30% the new model's. */
static void test_ext_rollout_mix(void **state)
{
	const struct scenario *sc = find("ext-rollout");
	int checked = 0;

	(void)state;
	for (unsigned long long t = 1; t <= 3; t++) {
		struct sampleset *s = scenario_night(sc, t, 13, 1, 4000);

		for (size_t p = 0; p < SCEN_PROMPTS; p++) {
			const char *tx[SCEN_EXT_MAX_OPT];
			double a[SCEN_EXT_MAX_OPT], b[SCEN_EXT_MAX_OPT], mix[SCEN_EXT_MAX_OPT];
			double emp[SCEN_EXT_MAX_OPT] = { 0 };
			size_t n;

			if (scenario_ext_kind(p) != EXT_LABEL || !scenario_touches(sc, t, p))
				continue;
			n = scenario_ext_dist(sc, t, 13, 0, p, 0, tx, a);
			scenario_ext_dist(sc, t, 13, 2, p, 0, tx, b);
			for (size_t i = 0; i < n; i++) {
				mix[i] = 0.7 * a[i] + 0.3 * b[i];
				for (size_t j = 0; j < 4000; j++)
					emp[i] += !strcmp(s->prompts[p].samples[j].text, tx[i]) /
						  4000.0;
			}
			assert_true(tv_probs(emp, mix, n) < 0.04);
			assert_true(tv_probs(a, mix, n) > 0.05);
			checked++;
		}
		sampleset_free(s);
	}
	assert_true(checked >= 6);
}

/* Hard signals stay put: model, fingerprint, finish reason and prompt tokens are the same on
 * every night, changed or not; completion tokens follow the text. */
static void test_ext_hard_signals(void **state)
{
	size_t n_list;
	const struct scenario *l = scenario_list(&n_list);

	(void)state;
	for (size_t k = 0; k < n_list; k++) {
		const struct scenario *sc = &l[k];
		struct sampleset *base;

		if (sc->family != SCEN_EXT)
			continue;
		base = scenario_night(sc, 2, 0, 0, 3);
		for (int night = 1; night <= 14; night += 13) {
			for (int changed = 0; changed <= 1; changed++) {
				struct sampleset *s = scenario_night(sc, 2, night, changed, 20);

				assert_string_equal(s->model, base->model);
				for (size_t p = 0; p < SCEN_PROMPTS; p++) {
					const struct sample *b0 = &base->prompts[p].samples[0];

					for (size_t i = 0; i < s->prompts[p].n; i++) {
						const struct sample *x = &s->prompts[p].samples[i];
						long len = (long)strlen(x->text);

						assert_string_equal(x->model, b0->model);
						assert_string_equal(x->finish_reason,
								    b0->finish_reason);
						assert_true(
							(!x->fingerprint && !b0->fingerprint) ||
							!strcmp(x->fingerprint, b0->fingerprint));
						assert_int_equal(x->prompt_tokens,
								 b0->prompt_tokens);
						assert_true(x->completion_tokens >= len / 5 &&
							    x->completion_tokens <= len / 3 + 1);
						assert_true(x->latency_ms > 0);
					}
				}
				sampleset_free(s);
			}
		}
		sampleset_free(base);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_touches_exactly),
		cmocka_unit_test(test_sim_move_confined),
		cmocka_unit_test(test_sim_remix_tv),
		cmocka_unit_test(test_cat_move_tv),
		cmocka_unit_test(test_refusal_and_fence_rates),
		cmocka_unit_test(test_longer_prose),
		cmocka_unit_test(test_backends_alternate),
		cmocka_unit_test(test_lumpy_nights),
		cmocka_unit_test(test_still_nights),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_new_answer),
		cmocka_unit_test(test_cat_option),
		cmocka_unit_test(test_cat_loglik),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_ext_draws_follow_mix),
		cmocka_unit_test(test_ext_drift),
		cmocka_unit_test(test_ext_states3),
		cmocka_unit_test(test_ext_weekly),
		cmocka_unit_test(test_ext_hetero),
		cmocka_unit_test(test_ext_versions),
		cmocka_unit_test(test_ext_changes_confined),
		cmocka_unit_test(test_ext_topic_refusal),
		cmocka_unit_test(test_ext_fence_preamble),
		cmocka_unit_test(test_ext_json_field),
		cmocka_unit_test(test_ext_rollout_mix),
		cmocka_unit_test(test_ext_hard_signals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
