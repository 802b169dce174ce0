/* test_scenario.c: the detection benchmark's scenarios (tests/support/scenario.c) and the
 * simulated model's realistic knobs do what they claim, so the benchmark's inputs are tested
 * themselves: which prompts move and by how much, refusal and fence rates, longer prose,
 * alternating backends, lumpy nights, one-token labels. */
#include "testutil.h"

#include "sampleset.h"
#include "scenario.h"
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
