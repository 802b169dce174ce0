/* scenario.c: realistic vendor scenarios (scenario.h): nights of answers from the simulated
 * model's realistic knobs, or from explicit categorical distributions written apart from it;
 * the ext family lives in scenario_ext.c. */
#include "scenario.h"
#include "scenario_ext.h"

#include "rng.h"
#include "sbuf.h"
#include "sim_model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SALT_NIGHT   0x6e69676874ull
#define SALT_BACKEND 0xbac4e2dull
#define SALT_TOUCH   0x70c4ull
#define SALT_PROMPT  0x9e0ull
#define SALT_PICK    0x7069636bull
#define SALT_SHAPE   0x54a9eull
#define SALT_BOUND   0xb0a2dull
#define SALT_LATENCY 0x1a7e4cull

#define BAD_NIGHT     0.08 /* share of lumpy nights that are bad */
#define BAD_FACTOR    3.0  /* how much noisier a bad night is */
#define NIGHT_LOG_SD  0.4  /* sd of a lumpy night's log noise factor */
#define PROMPT_LOG_SD 0.5  /* sd of a lumpy prompt's log noise factor, each night */
#define SIM_NOISE     0.05 /* sim_model night_noise on a typical night */
#define CAT_LOGIT_SD  0.25 /* cat logit noise on a typical night */
#define CAT_BACKEND   0.35 /* logit sd of the second backend's fixed differences */
#define WILD_FACTOR   6.0  /* SCEN_WILD: cat logit sd 1.5 a night, as `simulate --unstable` */
#define MAX_PARTS     3

static const struct scenario scenarios[] = {
	{ "sim-quiet", "unchanged, quiet nights (bench_detect's null)", SCEN_SIM, SCEN_QUIET, 0,
	  SCEN_NONE, 0 },
	{ "sim-lumpy", "unchanged, lumpy nights", SCEN_SIM, SCEN_LUMPY, 0, SCEN_NONE, 0 },
	{ "sim-backends", "unchanged, two serving backends, one a night", SCEN_SIM, SCEN_QUIET, 1,
	  SCEN_NONE, 0 },
	{ "sim-move1", "1 of 25 prompts moves (TV 0.5), lumpy", SCEN_SIM, SCEN_LUMPY, 0,
	  SCEN_MOVE_PROMPTS, 1 },
	{ "sim-move2", "2 of 25 prompts move (TV 0.5), lumpy", SCEN_SIM, SCEN_LUMPY, 0,
	  SCEN_MOVE_PROMPTS, 2 },
	{ "sim-move5", "5 of 25 prompts move (TV 0.5), lumpy", SCEN_SIM, SCEN_LUMPY, 0,
	  SCEN_MOVE_PROMPTS, 5 },
	{ "sim-still", "unchanged, nights differ by sampling alone", SCEN_SIM, SCEN_STILL, 0,
	  SCEN_NONE, 0 },
	{ "sim-move2-still", "2 of 25 prompts move (TV 0.5), nights otherwise still", SCEN_SIM,
	  SCEN_STILL, 0, SCEN_MOVE_PROMPTS, 2 },
	{ "sim-refusal5", "plain-text refusals, 5% of answers, lumpy", SCEN_SIM, SCEN_LUMPY, 0,
	  SCEN_TEXT_REFUSE, 0.05 },
	{ "sim-refusal10", "plain-text refusals, 10% of answers, lumpy", SCEN_SIM, SCEN_LUMPY, 0,
	  SCEN_TEXT_REFUSE, 0.10 },
	{ "sim-fence10", "code fences around 10% of JSON answers, lumpy", SCEN_SIM, SCEN_LUMPY, 0,
	  SCEN_FENCE, 0.10 },
	{ "sim-longer10", "prose answers 10% longer, lumpy", SCEN_SIM, SCEN_LUMPY, 0, SCEN_LONGER,
	  0.10 },
	{ "sim-wild", "unchanged, every night's answers wander (6x the usual noise) from the first",
	  SCEN_SIM, SCEN_WILD, 0, SCEN_NONE, 0 },
	{ "sim-wild-refusal10", "plain-text refusals, 10% of answers, on an endpoint that wanders",
	  SCEN_SIM, SCEN_WILD, 0, SCEN_TEXT_REFUSE, 0.10 },
	{ "cat-quiet", "unchanged, quiet nights", SCEN_CAT, SCEN_QUIET, 0, SCEN_NONE, 0 },
	{ "cat-lumpy", "unchanged, lumpy nights", SCEN_CAT, SCEN_LUMPY, 0, SCEN_NONE, 0 },
	{ "cat-backends", "unchanged, two backends, lumpy", SCEN_CAT, SCEN_LUMPY, 1, SCEN_NONE, 0 },
	{ "cat-move1", "1 of 25 prompts moves (TV 0.5), lumpy", SCEN_CAT, SCEN_LUMPY, 0,
	  SCEN_MOVE_PROMPTS, 1 },
	{ "cat-move2", "2 of 25 prompts move (TV 0.5), lumpy", SCEN_CAT, SCEN_LUMPY, 0,
	  SCEN_MOVE_PROMPTS, 2 },
	{ "cat-move2-quiet", "2 of 25 prompts move (TV 0.5), quiet nights", SCEN_CAT, SCEN_QUIET, 0,
	  SCEN_MOVE_PROMPTS, 2 },
	{ "cat-still", "unchanged, nights differ by sampling alone", SCEN_CAT, SCEN_STILL, 0,
	  SCEN_NONE, 0 },
	{ "cat-move2-still", "2 of 25 prompts move (TV 0.5), nights otherwise still", SCEN_CAT,
	  SCEN_STILL, 0, SCEN_MOVE_PROMPTS, 2 },
	{ "cat-wild", "unchanged, every night's answers wander (6x the usual noise) from the first",
	  SCEN_CAT, SCEN_WILD, 0, SCEN_NONE, 0 },
	{ "cat-wild-move5", "5 of 25 prompts move (TV 0.5) on an endpoint that wanders", SCEN_CAT,
	  SCEN_WILD, 0, SCEN_MOVE_PROMPTS, 5 },
	{ "cat-wild-new2",
	  "2 of 25 prompts: 0.5 of their answers become a new answer, on an "
	  "endpoint that wanders",
	  SCEN_CAT, SCEN_WILD, 0, SCEN_NEW_ANSWER, 2 },
	{ "cat-new2", "2 of 25 prompts: 0.5 of their answers become a new answer, lumpy", SCEN_CAT,
	  SCEN_LUMPY, 0, SCEN_NEW_ANSWER, 2 },
	{ "cat-move5", "5 of 25 prompts move (TV 0.5), lumpy", SCEN_CAT, SCEN_LUMPY, 0,
	  SCEN_MOVE_PROMPTS, 5 },
	{ "cat-refusal5", "plain-text refusals, 5% of answers, lumpy", SCEN_CAT, SCEN_LUMPY, 0,
	  SCEN_TEXT_REFUSE, 0.05 },
	{ "labels-lumpy", "one-token labels: unchanged, lumpy", SCEN_CAT_LABELS, SCEN_LUMPY, 0,
	  SCEN_NONE, 0 },
	{ "labels-move2", "one-token labels: 2 of 25 prompts move (TV 0.5)", SCEN_CAT_LABELS,
	  SCEN_LUMPY, 0, SCEN_MOVE_PROMPTS, 2 },
	{ "labels-rare15", "one-token labels: 15% of mass to the rarest label, all prompts",
	  SCEN_CAT_LABELS, SCEN_LUMPY, 0, SCEN_RARE_LABEL, 0.15 },
	{ "ext-drift", "unchanged, noise that lasts for days (AR(1), 0.7 night to night)", SCEN_EXT,
	  SCEN_DRIFT, 0, SCEN_NONE, 0 },
	{ "ext-states3", "unchanged, 3 serving states (60/30/10% of nights), 3 prompts flip",
	  SCEN_EXT, SCEN_QUIET, 3, SCEN_NONE, 0 },
	{ "ext-weekly", "unchanged, weekend nights served differently", SCEN_EXT, SCEN_WEEKLY, 0,
	  SCEN_NONE, 0 },
	{ "ext-hetero", "unchanged, per-prompt noise sizes, 3% of prompt-nights go far off",
	  SCEN_EXT, SCEN_HETERO, 0, SCEN_NONE, 0 },
	{ "ext-shift3", "3 of 25 prompts answer as a new version (TV 0.3-0.6), drifting nights",
	  SCEN_EXT, SCEN_DRIFT, 0, SCEN_SHIFT, 3 },
	{ "ext-rollout", "30% of requests served by a new model that differs on 20 prompts",
	  SCEN_EXT, SCEN_DRIFT, 0, SCEN_ROLLOUT, 0.30 },
	{ "ext-topic-refusal", "3 medication prompts refuse in plain text on 40-90% of answers",
	  SCEN_EXT, SCEN_HETERO, 0, SCEN_TOPIC_REFUSE, 3 },
	{ "ext-fence-some", "```json fences on 15% of answers of 2 JSON prompts, weekly nights",
	  SCEN_EXT, SCEN_WEEKLY, 0, SCEN_FENCE_SOME, 0.15 },
	{ "ext-preamble", "20% of prose answers gain a preamble and a closing offer, drifting",
	  SCEN_EXT, SCEN_DRIFT, 0, SCEN_PREAMBLE, 0.20 },
	{ "ext-json-field", "one JSON prompt renames or drops a field on 20% of answers", SCEN_EXT,
	  SCEN_HETERO, 0, SCEN_JSON_FIELD, 0.20 },
	{ "ext-states3-shift2",
	  "2 of 25 prompts answer as a new version, on ext-states3's endpoint", SCEN_EXT,
	  SCEN_QUIET, 3, SCEN_SHIFT, 2 },
};

const struct scenario *scenario_list(size_t *n)
{
	*n = ARRAY_SIZE(scenarios);
	return scenarios;
}

/* ---- shared: random numbers, nights, backends, touched prompts ---- */

static void seed3(struct rng *r, unsigned long long a, unsigned long long b, unsigned long long c)
{
	rng_seed(r, rng_mix(rng_mix(a, b), c));
}

static double gauss(struct rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* How noisy a night is, relative to a typical one: heavy-tailed when lumpy. */
double scenario_noise_factor(const struct scenario *sc, unsigned long long trial, int night)
{
	struct rng r;
	double f;

	if (sc->family == SCEN_EXT)
		return scenario_ext_noise_factor(sc, trial, night);
	if (sc->noise == SCEN_QUIET)
		return 1;
	if (sc->noise == SCEN_STILL)
		return 0;
	if (sc->noise == SCEN_WILD)
		return WILD_FACTOR;
	seed3(&r, trial, (unsigned long long)night, SALT_NIGHT);
	f = exp(NIGHT_LOG_SD * gauss(&r));
	if (rng_unit(&r) < BAD_NIGHT)
		f *= BAD_FACTOR;
	return f;
}

int scenario_backend(const struct scenario *sc, unsigned long long trial, int night)
{
	struct rng r;

	if (sc->family == SCEN_EXT)
		return scenario_ext_state(sc, trial, night);
	if (!sc->backends)
		return 0;
	seed3(&r, trial, (unsigned long long)night, SALT_BACKEND);
	return rng_unit(&r) < 0.5;
}

static int is_cat(const struct scenario *sc)
{
	return sc->family == SCEN_CAT || sc->family == SCEN_CAT_LABELS;
}

static int is_json_prompt(const struct scenario *sc, size_t p)
{
	return sc->family != SCEN_CAT_LABELS && p >= 20;
}

static int is_prose_prompt(const struct scenario *sc, size_t p)
{
	return sc->family == SCEN_SIM ? p >= 10 && p < 20
				      : sc->family == SCEN_CAT && p >= 15 && p < 20;
}

int scenario_touches(const struct scenario *sc, unsigned long long trial, size_t p)
{
	size_t order[SCEN_PROMPTS], i;
	struct rng r;

	if (p >= SCEN_PROMPTS)
		return 0;
	if (sc->family == SCEN_EXT)
		return scenario_ext_touches(sc, trial, p);
	switch (sc->change) {
	case SCEN_NONE:
		return 0;
	case SCEN_FENCE:
		return is_json_prompt(sc, p);
	case SCEN_LONGER:
		return is_prose_prompt(sc, p);
	case SCEN_TEXT_REFUSE:
	case SCEN_RARE_LABEL:
		return 1;
	case SCEN_MOVE_PROMPTS:
	case SCEN_NEW_ANSWER:
		break;
	case SCEN_SHIFT: /* the ext family's own (scenario_ext.c) */
	case SCEN_ROLLOUT:
	case SCEN_TOPIC_REFUSE:
	case SCEN_FENCE_SOME:
	case SCEN_PREAMBLE:
	case SCEN_JSON_FIELD:
		return 0;
	}
	/* the first `amount` of a shuffle: different prompts in each trial */
	for (i = 0; i < SCEN_PROMPTS; i++)
		order[i] = i;
	seed3(&r, trial, SALT_TOUCH, 0);
	for (i = SCEN_PROMPTS - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < (size_t)sc->amount && i < SCEN_PROMPTS; i++)
		if (order[i] == p)
			return 1;
	return 0;
}

void scenario_add_sample(struct prompt_samples *ps, int idx, const char *text, int refused,
			 const char *finish, const char *model, const char *fp, long prompt_tokens,
			 long completion_tokens)
{
	struct sample *s;

	/* grown by doubling (room for 16, then 32, ...): one sample at a time copied the whole
	 * array each time under cmocka's realloc, and a night of 2000 answers a prompt took
	 * minutes under ASan */
	if (!ps->n || (ps->n >= 16 && !(ps->n & (ps->n - 1))))
		ps->samples =
			xrealloc(ps->samples, (ps->n ? 2 * ps->n : 16) * sizeof(*ps->samples));
	s = &ps->samples[ps->n++];
	memset(s, 0, sizeof(*s));
	s->index = idx;
	s->text = xstrdup(text);
	s->refused = refused;
	s->finish_reason = xstrdup(finish);
	s->model = xstrdup(model);
	s->fingerprint = fp ? xstrdup(fp) : NULL;
	s->prompt_tokens = prompt_tokens;
	s->completion_tokens = completion_tokens;
	s->latency_ms = -1;
	s->ttft_ms = -1;
}

/* ---- the sim family: sim_model with the realistic knobs ---- */

void scenario_sim_prompt(size_t p, char *buf, size_t len)
{
	static const char *const short_q[] = {
		"What is the capital of France? One word.",
		"What is the capital of Japan? One word.",
		"Which is the largest planet? One word.",
		"What colour is the sky? One word.",
		"Who wrote Hamlet? One word.",
		"What is the capital of Canada? One word.",
		"Name a metal. One word.",
		"Name a weekday. One word.",
		"Is the sentiment of 'great service' positive? One word.",
		"What is the longest river? One word.",
	};
	static const char *const topics[] = {
		"unit testing",	     "code review",	   "observability", "database indexing",
		"incident response", "load balancing",	   "caching",	    "encryption",
		"documentation",     "dependency pinning",
	};

	if (p < 10)
		snprintf(buf, len, "%s", short_q[p]);
	else if (p < 20)
		snprintf(buf, len,
			 "Explain in a few sentences why %s matters for software reliability.",
			 topics[p - 10]);
	else
		snprintf(buf, len, "Return a JSON object describing catalogue product number %zu.",
			 p - 19);
}

static struct sampleset *sim_night(const struct scenario *sc, unsigned long long trial, int night,
				   int changed, size_t n)
{
	struct sampleset *s = sampleset_new("scen", "sim-1", "bench");
	struct sim_knobs k;
	size_t p, i;

	sim_knobs_init(&k);
	k.seed = rng_mix(trial, 0x51317ull);
	k.night = night;
	k.night_noise = SIM_NOISE * scenario_noise_factor(sc, trial, night);
	k.prompt_noise = sc->noise == SCEN_LUMPY ? PROMPT_LOG_SD : 0;
	k.backend = scenario_backend(sc, trial, night);
	for (p = 0; p < SCEN_PROMPTS; p++) {
		char id[16], q[160];
		struct prompt_samples *ps;
		struct sim_msg msg = { "user", q };
		int on = changed && scenario_touches(sc, trial, p);

		scenario_sim_prompt(p, q, sizeof(q));
		k.remix = on && sc->change == SCEN_MOVE_PROMPTS ? SCEN_MOVE_TV : 0;
		k.text_refusals = on && sc->change == SCEN_TEXT_REFUSE ? sc->amount : 0;
		k.fence_share = on && sc->change == SCEN_FENCE ? sc->amount : 0;
		k.lengthen = on && sc->change == SCEN_LONGER ? sc->amount : 0;
		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		for (i = 0; i < n; i++) {
			struct sim_answer a;

			sim_model_answer(&k, "sim-1", &msg, 1, SCEN_TEMP, 256,
					 rng_mix(rng_mix(trial, (unsigned long long)night), i), &a);
			scenario_add_sample(ps, (int)i, a.text ? a.text : "", a.refused,
					    a.finish_reason, a.model, a.fingerprint,
					    a.prompt_tokens, a.completion_tokens);
			sim_answer_release(&a);
		}
	}
	return s;
}

/* ---- the cat family: explicit distributions ---- */

/* Option probabilities, likeliest first: every mode is at least 0.55, so moving 0.5 of it
 * moves a prompt by exactly 0.5 in total variation before the night's noise. */
static const double shapes[][SCEN_MAX_OPT] = {
	{ 0.80, 0.12, 0.05, 0.02, 0.01 }, { 0.62, 0.25, 0.08, 0.03, 0.02 },
	{ 0.55, 0.30, 0.10, 0.04, 0.01 }, { 0.90, 0.06, 0.02, 0.01, 0.01 },
	{ 0.70, 0.15, 0.08, 0.05, 0.02 },
};
static const double prose_shapes[][3] = { { 0.6, 0.3, 0.1 },
					  { 0.7, 0.2, 0.1 },
					  { 0.55, 0.35, 0.1 } };

/* One-token answers as the API returns them (a leading space is another token). */
static const char *const labels[][SCEN_MAX_OPT] = {
	{ "Positive", "Negative", "Neutral", " Positive", "positive" },
	{ "Yes", "No", "yes", " Yes", "Maybe" },
	{ "Spam", "Ham", "spam", " Spam", "Unsure" },
	{ "Billing", "Technical", "Account", "Other", " Billing" },
	{ "A", "B", "C", "D", " A" },
};
static const char *const shorts[][SCEN_MAX_OPT] = {
	{ "Paris", "Paris.", "paris", "The capital is Paris.", "It's Paris." },
	{ "Tokyo", "Tokyo.", "tokyo", "The capital is Tokyo.", "It's Tokyo." },
	{ "Jupiter", "Jupiter.", "jupiter", "The largest planet is Jupiter.", "It's Jupiter." },
	{ "Shakespeare", "William Shakespeare", "Shakespeare.", "William Shakespeare wrote Hamlet.",
	  "shakespeare" },
	{ "Nile", "The Nile", "Nile.", "The Nile River", "nile" },
	{ "Blue", "Blue.", "blue", "The sky is blue.", "It's blue." },
	{ "Ottawa", "Ottawa.", "ottawa", "The capital is Ottawa.", "It's Ottawa." },
};
static const char *const prose[][3] = {
	{ " catches regressions before users see them.",
	  " finds problems early, long before they reach production.",
	  " is the first line of defence against regressions." },
	{ "It also documents how the system is meant to behave.",
	  "It describes the intended behaviour for the next engineer.",
	  "Done well, it doubles as documentation." },
	{ "Over time this makes every change cheaper and safer.",
	  "That lowers the cost of each later change.", "In short, it makes refactoring safe." },
};
static const char *const prose_topics[] = { "Unit testing", "Code review", "Observability",
					    "Caching", "Load testing" };
static const char *const products[] = { "Desk Lamp", "Coffee Mug", "Backpack", "Umbrella",
					"Yoga Mat" };
static const double product_prices[] = { 19.99, 12.5, 49.0, 14.99, 24.0 };

struct cat_part {
	size_t n;
	char text[SCEN_MAX_OPT][160];
	double prob[SCEN_MAX_OPT];
};

enum cat_kind { CAT_LABEL, CAT_SHORT, CAT_PROSE, CAT_JSON };

static enum cat_kind cat_kind_of(const struct scenario *sc, size_t p)
{
	if (sc->family == SCEN_CAT_LABELS || p < 8)
		return CAT_LABEL;
	return p < 15 ? CAT_SHORT : p < 20 ? CAT_PROSE : CAT_JSON;
}

/* The prompt's fixed definition (this trial's model): part `part`'s options and their
 * probabilities. Returns 0 past the last part. */
static int cat_define(const struct scenario *sc, unsigned long long trial, size_t p, size_t part,
		      struct cat_part *d)
{
	struct rng r;
	size_t i, shape, rot;
	enum cat_kind kind = cat_kind_of(sc, p);

	seed3(&r, trial, p, SALT_SHAPE);
	shape = rng_below(&r, ARRAY_SIZE(shapes));
	rot = rng_below(&r, 4);
	memset(d, 0, sizeof(*d));
	if (kind == CAT_PROSE) {
		const double *ps = prose_shapes[(shape + part) % ARRAY_SIZE(prose_shapes)];

		if (part >= MAX_PARTS)
			return 0;
		d->n = 3;
		for (i = 0; i < 3; i++) {
			/* the likeliest wording differs between prompts */
			size_t o = (i + rot) % 3;

			snprintf(d->text[i], sizeof(d->text[i]), "%s%s",
				 part ? "" : prose_topics[(p + trial) % ARRAY_SIZE(prose_topics)],
				 prose[part][o]);
			d->prob[i] = ps[i];
		}
		return 1;
	}
	if (part > 0)
		return 0;
	d->n = SCEN_MAX_OPT;
	for (i = 0; i < SCEN_MAX_OPT; i++) {
		size_t o = i < 4 ? (i + rot) % 4 : 4; /* the truth differs between prompts */
		size_t which = (size_t)((p + trial) % 64);

		d->prob[i] = shapes[shape][i];
		if (kind == CAT_LABEL) {
			snprintf(d->text[i], sizeof(d->text[i]), "%s",
				 labels[which % ARRAY_SIZE(labels)][o]);
		} else if (kind == CAT_SHORT) {
			snprintf(d->text[i], sizeof(d->text[i]), "%s",
				 shorts[which % ARRAY_SIZE(shorts)][o]);
		} else {
			const char *name = products[which % ARRAY_SIZE(products)];
			double price = product_prices[which % ARRAY_SIZE(products)];
			char *t = d->text[i];
			size_t tl = sizeof(d->text[i]);

			switch (o) {
			case 0:
				snprintf(t, tl,
					 "{\"name\": \"%s\", \"price\": %.2f, \"in_stock\": true}",
					 name, price);
				break;
			case 1:
				snprintf(t, tl,
					 "{\"name\": \"%s\", \"price\": %.2f, \"in_stock\": false}",
					 name, price);
				break;
			case 2:
				snprintf(t, tl,
					 "{\"name\": \"%s\", \"price\": %.2f, \"in_stock\": true, "
					 "\"currency\": \"USD\"}",
					 name, price);
				break;
			case 3:
				snprintf(t, tl, "{\"product\": \"%s\", \"price\": %.2f}", name,
					 price);
				break;
			default:
				snprintf(t, tl,
					 "{\"name\":\"%s\",\"price\":%.2f,\"in_stock\":true}", name,
					 price);
				break;
			}
		}
	}
	return 1;
}

/* Moves `share` (at most all of it) of the likeliest option's probability to option `to`
 * (or to the runner-up when `to` is out of range). */
static void move_mass(struct cat_part *d, double share, size_t to)
{
	size_t top = 0, i;
	double moved;

	for (i = 1; i < d->n; i++)
		if (d->prob[i] > d->prob[top])
			top = i;
	if (to >= d->n || to == top) {
		to = top ? 0 : 1;
		for (i = 0; i < d->n; i++)
			if (i != top && d->prob[i] > d->prob[to])
				to = i;
	}
	moved = share < d->prob[top] ? share : d->prob[top];
	d->prob[top] -= moved;
	d->prob[to] += moved;
}

/* Rewrites option i as an answer the prompt never gave: a new wording of the likeliest
 * answer (a label the classifier never used, a prefix, an extra JSON field). */
static void new_answer(enum cat_kind kind, struct cat_part *d, size_t i, size_t top)
{
	char was[sizeof(d->text[0])];

	memcpy(was, d->text[top], sizeof(was));
	if (kind == CAT_LABEL)
		snprintf(d->text[i], sizeof(d->text[i]), "Unclear");
	else if (kind == CAT_JSON)
		snprintf(d->text[i], sizeof(d->text[i]), "{\"updated\": true, %.140s", was + 1);
	else
		snprintf(d->text[i], sizeof(d->text[i]), "Put simply: %.140s", was);
}

/* Applies the scenario's change to a prompt's part-0 definition. */
static void cat_change(const struct scenario *sc, size_t p, struct cat_part *d)
{
	size_t i, rarest = 0, top = 0;

	for (i = 1; i < d->n; i++) {
		if (d->prob[i] < d->prob[rarest])
			rarest = i;
		if (d->prob[i] > d->prob[top])
			top = i;
	}
	if (sc->change == SCEN_MOVE_PROMPTS) {
		move_mass(d, SCEN_MOVE_TV, SIZE_MAX);
	} else if (sc->change == SCEN_RARE_LABEL) {
		move_mass(d, sc->amount, rarest);
	} else if (sc->change == SCEN_NEW_ANSWER) {
		/* the rarest answer (at most 0.1) gives way to the new one */
		new_answer(cat_kind_of(sc, p), d, rarest, top);
		d->prob[rarest] = 0;
		move_mass(d, SCEN_MOVE_TV, rarest);
	}
}

/* The typical logit noise of a night, before a lumpy prompt's own factor. */
static double cat_night_sd(const struct scenario *sc, unsigned long long trial, int night)
{
	return CAT_LOGIT_SD * scenario_noise_factor(sc, trial, night);
}

/* Noise on the logits (sd, from `noise`), the second backend's fixed offsets (from `bk`,
 * NULL for the first backend), then normalised. */
static void cat_noise(struct cat_part *d, double sd, struct rng *noise, struct rng *bk)
{
	double sum = 0, logit[SCEN_MAX_OPT];
	size_t i;

	for (i = 0; i < d->n; i++) {
		logit[i] = log(d->prob[i] > 1e-12 ? d->prob[i] : 1e-12) + sd * gauss(noise);
		if (bk)
			logit[i] += CAT_BACKEND * gauss(bk);
	}
	for (i = 0; i < d->n; i++) {
		d->prob[i] = exp(logit[i]);
		sum += d->prob[i];
	}
	for (i = 0; i < d->n; i++)
		d->prob[i] /= sum;
}

/* Tonight's distribution of a part: the definition, the change, then the night's noise on the
 * logits (and the second backend's fixed offsets). */
static int cat_tonight(const struct scenario *sc, unsigned long long trial, int night, int changed,
		       size_t p, size_t part, struct cat_part *d)
{
	struct rng noise, prompt_f, bk;
	double sd;

	if (!cat_define(sc, trial, p, part, d))
		return 0;
	if (changed && part == 0 && scenario_touches(sc, trial, p))
		cat_change(sc, p, d);
	sd = cat_night_sd(sc, trial, night);
	if (sc->noise == SCEN_LUMPY) {
		seed3(&prompt_f, trial, (unsigned long long)night, rng_mix(p, SALT_PROMPT));
		sd *= exp(PROMPT_LOG_SD * gauss(&prompt_f));
	}
	seed3(&noise, trial, (unsigned long long)night, rng_mix(p, part));
	seed3(&bk, trial, rng_mix(p, part), SALT_BACKEND);
	cat_noise(d, sd, &noise, scenario_backend(sc, trial, night) ? &bk : NULL);
	return 1;
}

int scenario_cat_option(const struct scenario *sc, unsigned long long trial, size_t p,
			const char *text)
{
	struct cat_part d, next;
	size_t i, len;
	int parts;

	if (!is_cat(sc) || !cat_define(sc, trial, p, 0, &d))
		return -1;
	parts = cat_define(sc, trial, p, 1, &next);
	for (i = 0; i < d.n; i++) {
		len = strlen(d.text[i]);
		/* one part: the whole answer; more: the first part, then a space */
		if (!strncmp(text, d.text[i], len) &&
		    (text[len] == '\0' || (parts && text[len] == ' ')))
			return (int)i;
	}
	return -1;
}

double scenario_cat_loglik(const struct scenario *sc, unsigned long long trial, int night,
			   int changed, size_t p, const unsigned *counts, size_t draws)
{
	struct cat_part def, d;
	struct rng r, bk;
	double sd0, *ll, top = -HUGE_VAL, sum = 0;
	size_t k, i;
	int backend = scenario_backend(sc, trial, night);

	if (!is_cat(sc) || !draws || !cat_define(sc, trial, p, 0, &def))
		return 0;
	if (changed)
		cat_change(sc, p, &def);
	sd0 = cat_night_sd(sc, trial, night);
	ll = xcalloc(draws, sizeof(*ll));
	/* the same draws for every definition of the prompt: the ratio's noise cancels */
	seed3(&r, trial, (unsigned long long)night, rng_mix(p, SALT_BOUND));
	for (k = 0; k < draws; k++) {
		double sd = sd0;

		d = def;
		if (sc->noise == SCEN_LUMPY)
			sd *= exp(PROMPT_LOG_SD * gauss(&r));
		seed3(&bk, trial, rng_mix(p, 0), SALT_BACKEND);
		cat_noise(&d, sd, &r, backend ? &bk : NULL);
		for (i = 0; i < d.n; i++)
			if (counts[i])
				ll[k] += counts[i] * log(d.prob[i]);
		if (ll[k] > top)
			top = ll[k];
	}
	for (k = 0; k < draws; k++)
		sum += exp(ll[k] - top);
	free(ll);
	return top + log(sum / (double)draws);
}

size_t scenario_cat_part(const struct scenario *sc, unsigned long long trial, int night,
			 int changed, size_t p, size_t part, const char **texts, double *probs)
{
	static struct cat_part d;
	size_t i;

	if (!is_cat(sc) || !cat_tonight(sc, trial, night, changed, p, part, &d))
		return 0;
	for (i = 0; i < d.n; i++) {
		texts[i] = d.text[i];
		probs[i] = d.prob[i];
	}
	return d.n;
}

static size_t draw(const struct cat_part *d, struct rng *r)
{
	double u = rng_unit(r), acc = 0;
	size_t i;

	for (i = 0; i + 1 < d->n; i++) {
		acc += d->prob[i];
		if (u < acc)
			return i;
	}
	return d->n - 1;
}

static long words_of(const char *s)
{
	long n = 0;
	int in = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n') {
			in = 0;
		} else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

static struct sampleset *cat_night(const struct scenario *sc, unsigned long long trial, int night,
				   int changed, size_t n)
{
	struct sampleset *s = sampleset_new("scen", "cat-1", "bench");
	struct cat_part parts[MAX_PARTS];
	struct sbuf sb;
	size_t p, i, k, np;

	sbuf_init(&sb);
	for (p = 0; p < SCEN_PROMPTS; p++) {
		char id[16];
		struct prompt_samples *ps;
		int label = cat_kind_of(sc, p) == CAT_LABEL;
		int refuse = changed && sc->change == SCEN_TEXT_REFUSE &&
			     scenario_touches(sc, trial, p);

		for (np = 0; np < MAX_PARTS; np++)
			if (!cat_tonight(sc, trial, night, changed, p, np, &parts[np]))
				break;
		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		for (i = 0; i < n; i++) {
			struct rng r;
			double u;

			seed3(&r, rng_mix(trial, (unsigned long long)night), rng_mix(p, i),
			      SALT_PICK);
			u = rng_unit(&r); /* drawn always: a change alters only what it changes */
			sbuf_reset(&sb);
			if (refuse && u < sc->amount) {
				sbuf_addstr(&sb, SCEN_TEXT_REFUSAL);
			} else {
				for (k = 0; k < np; k++) {
					if (k)
						sbuf_addch(&sb, ' ');
					sbuf_addstr(&sb, parts[k].text[draw(&parts[k], &r)]);
				}
			}
			/* a classifier is asked for one token: max_tokens 1 ends in "length" */
			scenario_add_sample(ps, (int)i, sb.buf, 0, label ? "length" : "stop",
					    "cat-1", "fp_cat0001", 14 + (long)p,
					    label ? 1 : (long)(words_of(sb.buf) * 1.3 + 0.5));
		}
	}
	sbuf_release(&sb);
	return s;
}

/* Latencies as a shared fleet serves them (the shape public monitoring of commercial
 * endpoints reports: a p95 about 1.7 times the median, a few requests 4 times slower, load
 * that swings the median by tens of percent and lasts). Nothing of it depends on the
 * scenario's change: a model that answers as before may serve slower or faster.
 *
 * A night's serving level, on the log scale: load that lasts (AR(1), 0.8 from night to night,
 * sd 0.15), weekends 10% faster, and 5% of nights an incident's queueing (x1.65). */
static double latency_level(unsigned long long trial, int night)
{
	double x = 0, phi = 0.8, sd = 0.15;
	struct rng r;
	int t;

	for (t = 0; t <= night; t++) {
		seed3(&r, trial, (unsigned long long)t, SALT_LATENCY);
		x = t ? phi * x + sqrt(1 - phi * phi) * sd * gauss(&r) : sd * gauss(&r);
	}
	seed3(&r, trial, (unsigned long long)night, rng_mix(SALT_LATENCY, 1));
	return x + (night % 7 >= 5 ? -0.1 : 0) + (rng_unit(&r) < 0.05 ? 0.5 : 0);
}

/* Each answer's latency: the endpoint's base (300 ms to 2.4 s), the prompt's own factor
 * (log sd 0.5), the night's level, the request's (log sd 0.35), and 2% of requests 4x. */
static void add_latency(struct sampleset *s, unsigned long long trial, int night)
{
	double level = latency_level(trial, night), base;
	struct rng r;
	size_t p, i;

	seed3(&r, trial, SALT_LATENCY, 2);
	base = 300 * exp(rng_unit(&r) * log(8.0));
	for (p = 0; p < s->n_prompts; p++) {
		struct prompt_samples *ps = &s->prompts[p];
		double pf;

		seed3(&r, trial, p, rng_mix(SALT_LATENCY, 3));
		pf = exp(0.5 * gauss(&r));
		for (i = 0; i < ps->n; i++) {
			double ms;

			seed3(&r, rng_mix(trial, (unsigned long long)night), rng_mix(p, i),
			      rng_mix(SALT_LATENCY, 4));
			ms = base * pf * exp(level + 0.35 * gauss(&r));
			if (rng_unit(&r) < 0.02)
				ms *= 4;
			ps->samples[i].latency_ms = floor(ms);
		}
	}
}

struct sampleset *scenario_night(const struct scenario *sc, unsigned long long trial, int night,
				 int changed, size_t n)
{
	struct sampleset *s;

	if (sc->family == SCEN_SIM)
		s = sim_night(sc, trial, night, changed, n);
	else if (sc->family == SCEN_EXT)
		s = scenario_ext_night(sc, trial, night, changed, n);
	else
		s = cat_night(sc, trial, night, changed, n);

	add_latency(s, trial, night);
	return s;
}
