/* test_sim_model.c: the simulated model: determinism, sampling, night noise and each drift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "judge_prompt.h"
#include "sim_model.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char q_short[] = "Name a primary color.";
static const char q_fact[] = "What is the capital of France?";
static const char q_long[] = "Explain in a few sentences why regular exercise improves health and "
			     "wellbeing for people who work in offices all day.";
static const char q_json[] = "Return a JSON object describing one product for sale, with a name "
			     "and a price.";

static struct sim_knobs knobs(unsigned drifts)
{
	struct sim_knobs k;

	sim_knobs_init(&k);
	k.seed = 42;
	k.drifts = drifts;
	return k;
}

static void ask(const struct sim_knobs *k, const char *q, double temp, unsigned long long s,
		struct sim_answer *a)
{
	struct sim_msg m[] = { { "system", "You are a helpful assistant." }, { "user", q } };

	sim_model_answer(k, "gpt-4o", m, 2, temp, 0, s, a);
}

/* A small answer histogram for total-variation distances. */
struct hist {
	char *text[256];
	int n[256];
	size_t len;
	int total;
};

static void hist_add(struct hist *h, const char *t)
{
	size_t i;

	h->total++;
	for (i = 0; i < h->len; i++) {
		if (!strcmp(h->text[i], t)) {
			h->n[i]++;
			return;
		}
	}
	assert_true(h->len < 256);
	h->text[h->len] = strdup(t);
	h->n[h->len++] = 1;
}

static void hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->len; i++)
		free(h->text[i]);
	memset(h, 0, sizeof(*h));
}

static double tv(const struct hist *a, const struct hist *b)
{
	double d = 0;

	for (size_t i = 0; i < a->len; i++) {
		double pb = 0;

		for (size_t j = 0; j < b->len; j++)
			if (!strcmp(a->text[i], b->text[j]))
				pb = (double)b->n[j] / b->total;
		d += fabs((double)a->n[i] / a->total - pb);
	}
	for (size_t j = 0; j < b->len; j++) {
		int found = 0;

		for (size_t i = 0; i < a->len; i++)
			found |= !strcmp(a->text[i], b->text[j]);
		if (!found)
			d += (double)b->n[j] / b->total;
	}
	return d / 2;
}

static void sample(const struct sim_knobs *k, const char *q, double temp, int n, struct hist *h)
{
	for (int i = 0; i < n; i++) {
		struct sim_answer a;

		ask(k, q, temp, 1000 + (unsigned long long)i, &a);
		hist_add(h, a.text);
		sim_answer_release(&a);
	}
}

static void test_deterministic(void **state)
{
	struct sim_knobs k = knobs(0);
	const char *qs[] = { q_short, q_long, q_json };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct sim_answer a, b;

		ask(&k, qs[i], 0.7, 7, &a);
		ask(&k, qs[i], 0.7, 7, &b);
		assert_string_equal(a.text, b.text);
		assert_int_equal(a.prompt_tokens, b.prompt_tokens);
		assert_string_equal(a.fingerprint, b.fingerprint);
		sim_answer_release(&a);
		sim_answer_release(&b);
	}
}

static double word_jaccard(const char *a, const char *b)
{
	char *wa[128], *wb[128], *ca = strdup(a), *cb = strdup(b), *save = NULL, *t;
	size_t na = 0, nb = 0, inter = 0;

	for (t = strtok_r(ca, " .,", &save); t && na < 128; t = strtok_r(NULL, " .,", &save))
		wa[na++] = t;
	for (t = strtok_r(cb, " .,", &save); t && nb < 128; t = strtok_r(NULL, " .,", &save))
		wb[nb++] = t;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (!strcmp(wa[i], wb[j])) {
				inter++;
				break;
			}
	free(ca);
	free(cb);
	return (double)inter / (double)(na + nb - inter);
}

static void test_temperature_varies_but_similar(void **state)
{
	struct sim_knobs k = knobs(0);
	struct hist h = { 0 };
	struct sim_answer first;

	(void)state;
	sample(&k, q_long, 0.7, 50, &h);
	assert_true(h.len >= 10); /* answers vary */
	ask(&k, q_long, 0.7, 1000, &first);
	for (size_t i = 0; i < h.len; i++)
		assert_true(word_jaccard(first.text, h.text[i]) >= 0.4); /* but stay similar */
	sim_answer_release(&first);
	hist_free(&h);

	sample(&k, q_short, 1.0, 200, &h);
	assert_true(h.len >= 2 && h.len <= 6);
	hist_free(&h);
}

static void test_temperature_zero_mode(void **state)
{
	struct sim_knobs k = knobs(0);
	struct hist h = { 0 };
	int top = 0;

	(void)state;
	sample(&k, q_long, 0.0, 200, &h);
	for (size_t i = 0; i < h.len; i++)
		if (h.n[i] > top)
			top = h.n[i];
	assert_true(top >= 190); /* almost always the mode */
	hist_free(&h);
}

static void test_fact_and_json(void **state)
{
	struct sim_knobs k = knobs(0);
	struct sim_answer a;
	json_t *j;

	(void)state;
	ask(&k, q_fact, 0, 1, &a);
	assert_non_null(strstr(a.text, "Paris"));
	sim_answer_release(&a);
	for (int i = 0; i < 50; i++) {
		ask(&k, q_json, 0.9, (unsigned long long)i, &a);
		j = json_loads(a.text, 0, NULL);
		assert_non_null(j);
		assert_true(json_is_string(json_object_get(j, "name")));
		assert_true(json_is_number(json_object_get(j, "price")));
		assert_false(a.refused); /* JSON prompts are never refused without a drift */
		json_decref(j);
		sim_answer_release(&a);
	}
}

static void test_tokens_and_max_tokens(void **state)
{
	struct sim_knobs k = knobs(0);
	struct sim_msg m[] = { { "user", "one two three four five six seven eight nine ten" } };
	struct sim_answer a;

	(void)state;
	sim_model_answer(&k, "m", m, 1, 0, 0, 1, &a);
	assert_int_equal(a.prompt_tokens, 13 + 3); /* round(10 * 1.3) + 3 per message */
	sim_answer_release(&a);
	ask(&k, q_long, 0, 1, &a);
	assert_string_equal(a.finish_reason, "stop");
	assert_true(a.completion_tokens > 10);
	sim_answer_release(&a);
	{
		struct sim_msg m2[] = { { "user", q_long } };

		sim_model_answer(&k, "m", m2, 1, 0, 5, 1, &a);
		assert_string_equal(a.finish_reason, "length");
		assert_true(a.completion_tokens <= 5);
		sim_answer_release(&a);
	}
}

/* The tool call: every property when none is required, types from the schema, the named
 * tool; none for a refused answer or "none". */
static void test_tool_call(void **state)
{
	struct sim_knobs k;
	struct sim_msg m[] = { { "user", "Book a table at Chez Panisse for four people" } };
	struct sim_answer a;
	json_t *tools = json_loads("[{\"name\":\"a\"},{\"name\":\"book\",\"parameters\":"
				   "{\"properties\":{\"place\":{\"type\":\"string\"},\"n\":"
				   "{\"type\":\"number\"},\"ok\":{\"type\":\"boolean\"},"
				   "\"tags\":{\"type\":\"array\"}}}}]",
				   0, NULL),
	       *want = json_loads("[{\"name\":\"book\",\"arguments\":{\"place\":\"Panisse\","
				  "\"n\":9,\"ok\":true,\"tags\":[]}}]",
				  0, NULL);

	(void)state;
	sim_knobs_init(&k);
	sim_model_answer(&k, "m", m, 1, 0, 0, 1, &a);
	sim_model_tool_call(&k, tools, "tool", "book", m, 1, &a);
	assert_true(json_equal(a.tool_calls, want));
	assert_string_equal(a.text, "");
	sim_answer_release(&a);
	sim_model_answer(&k, "m", m, 1, 0, 0, 1, &a);
	sim_model_tool_call(&k, tools, "none", NULL, m, 1, &a);
	assert_null(a.tool_calls);
	a.refused = 1; /* a chance refusal of a benign prompt: the tool answers */
	sim_model_tool_call(&k, tools, "required", NULL, m, 1, &a);
	assert_non_null(a.tool_calls);
	assert_false(a.refused);
	json_decref(a.tool_calls);
	a.tool_calls = NULL;
	a.refused = 1;
	a.prompt_blocked = 1;
	sim_model_tool_call(&k, tools, "required", NULL, m, 1, &a);
	assert_null(a.tool_calls);
	sim_answer_release(&a);
	json_decref(tools);
	json_decref(want);
}

static void test_drift_parse(void **state)
{
	unsigned b = 0;
	size_t n;
	const char *const *names = sim_drift_names(&n);

	(void)state;
	assert_int_equal(n, 13);
	assert_int_equal(sim_drift_parse("no-tools,tool-args", &b), 0);
	assert_int_equal(b, SIM_DRIFT_NO_TOOLS | SIM_DRIFT_TOOL_ARGS);
	assert_int_equal(sim_drift_parse("longer,fenced", &b), 0);
	assert_int_equal(b, SIM_DRIFT_LONGER | SIM_DRIFT_FENCED);
	assert_int_equal(sim_drift_parse("swap", &b), 0);
	assert_int_equal(b, SIM_DRIFT_SWAP);
	assert_int_equal(sim_drift_parse("field", &b), 0);
	assert_int_equal(b, SIM_DRIFT_FIELD);
	assert_int_equal(sim_drift_parse("refusal-text,fence", &b), 0);
	assert_int_equal(b, SIM_DRIFT_REFUSAL_TEXT | SIM_DRIFT_FENCE);
	assert_int_equal(sim_drift_parse("longer,nope", &b), -1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sim_drift_parse(names[i], &b), 0);
		assert_int_equal(b, 1u << i);
	}
}

static double mean_len(const struct sim_knobs *k, const char *q)
{
	double sum = 0;

	for (int i = 0; i < 100; i++) {
		struct sim_answer a;

		ask(k, q, 0.7, (unsigned long long)i, &a);
		sum += (double)strlen(a.text);
		sim_answer_release(&a);
	}
	return sum / 100;
}

static double refusal_rate(const struct sim_knobs *k, const char *q)
{
	int n = 0;

	for (int i = 0; i < 1000; i++) {
		struct sim_answer a;

		ask(k, q, 0.7, (unsigned long long)i, &a);
		n += a.refused;
		if (a.refused)
			assert_string_equal(a.text, sim_refusal_text());
		sim_answer_release(&a);
	}
	return n / 1000.0;
}

static void test_drifts_observable(void **state)
{
	struct sim_knobs k0 = knobs(0), k;
	struct sim_answer a, b;
	struct hist h0 = { 0 }, h1 = { 0 };
	int differ = 0;

	(void)state;
	/* longer */
	k = knobs(SIM_DRIFT_LONGER);
	assert_true(mean_len(&k, q_long) > 1.3 * mean_len(&k0, q_long));
	assert_true(mean_len(&k, q_json) > 1.3 * mean_len(&k0, q_json));
	/* fenced */
	k = knobs(SIM_DRIFT_FENCED);
	ask(&k, q_json, 0.7, 3, &a);
	assert_memory_equal(a.text, "```json\n", 8);
	assert_string_equal(a.text + strlen(a.text) - 4, "\n```");
	sim_answer_release(&a);
	ask(&k0, q_json, 0.7, 3, &a);
	assert_int_equal(a.text[0], '{');
	sim_answer_release(&a);
	/* model, fingerprint, tokenizer */
	ask(&k0, q_long, 0.7, 3, &a);
	k = knobs(SIM_DRIFT_MODEL | SIM_DRIFT_FINGERPRINT | SIM_DRIFT_TOKENIZER);
	ask(&k, q_long, 0.7, 3, &b);
	assert_string_equal(a.model, "gpt-4o");
	assert_string_not_equal(a.model, b.model);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	assert_int_not_equal(a.prompt_tokens, b.prompt_tokens);
	assert_string_equal(a.text, b.text); /* hard signals only: the text is unchanged */
	sim_answer_release(&a);
	sim_answer_release(&b);
	/* refusals: ~1% normally, ~40% under the drift */
	assert_true(refusal_rate(&k0, q_long) < 0.03);
	assert_true(refusal_rate(&k0, q_long) > 0.0);
	k = knobs(SIM_DRIFT_REFUSALS);
	assert_true(refusal_rate(&k, q_long) > 0.35 && refusal_rate(&k, q_long) < 0.45);
	/* wording: about drift_strength of the answers change */
	k = knobs(SIM_DRIFT_WORDING);
	for (int i = 0; i < 1000; i++) {
		ask(&k0, q_long, 0.7, (unsigned long long)i, &a);
		ask(&k, q_long, 0.7, (unsigned long long)i, &b);
		differ += strcmp(a.text, b.text) != 0;
		sim_answer_release(&a);
		sim_answer_release(&b);
	}
	assert_true(differ > 70 && differ < 130);
	/* swap: another model's distribution */
	k = knobs(SIM_DRIFT_SWAP);
	sample(&k0, q_short, 0.7, 300, &h0);
	sample(&k, q_short, 0.7, 300, &h1);
	assert_true(tv(&h0, &h1) > 0.5);
	hist_free(&h0);
	hist_free(&h1);
}

/* "refusal-text", "fence" and "field": a share drift_strength of the answers, the others
 * unchanged; the plain-text refusal carries no refusal flag; a renamed field is the answer
 * with "price_usd" for "price", nothing else. */
static void test_drift_rates(void **state)
{
	struct sim_knobs k0 = knobs(0), kr = knobs(SIM_DRIFT_REFUSAL_TEXT),
			 kf = knobs(SIM_DRIFT_FENCE), kn = knobs(SIM_DRIFT_FIELD);
	int plain = 0, fenced = 0, same = 0, renamed = 0;

	(void)state;
	kr.drift_strength = kf.drift_strength = kn.drift_strength = 0.2;
	for (int i = 0; i < 1000; i++) {
		struct sim_answer a, b, c;

		ask(&k0, q_long, 0.7, (unsigned long long)i, &a);
		ask(&kr, q_long, 0.7, (unsigned long long)i, &b);
		if (!strcmp(b.text, "I'm sorry, but I can't help with that request.")) {
			plain++;
			assert_int_equal(b.refused, 0);
		} else {
			same += !strcmp(a.text, b.text);
		}
		sim_answer_release(&a);
		sim_answer_release(&b);
		ask(&kf, q_json, 0.7, (unsigned long long)i, &c);
		fenced += !strncmp(c.text, "```json\n", 8);
		sim_answer_release(&c);
		ask(&k0, q_json, 0.7, (unsigned long long)i, &a);
		ask(&kn, q_json, 0.7, (unsigned long long)i, &b);
		if (strstr(b.text, "\"price_usd\": ")) {
			char *at = strstr(b.text, "price_usd");

			renamed++;
			memmove(at + 5, at + 9, strlen(at + 9) + 1); /* "price_usd" -> "price" */
		}
		assert_string_equal(a.text, b.text);
		sim_answer_release(&a);
		sim_answer_release(&b);
	}
	assert_true(plain > 160 && plain < 240);
	assert_int_equal(same, 1000 - plain); /* the other answers are untouched */
	assert_true(fenced > 160 && fenced < 240);
	assert_true(renamed > 160 && renamed < 240);
}

/* Mean TV distance between night 0 and night 1 over several prompts. */
static double night_tv(double noise, int unstable)
{
	static const char *const qs[] = {
		"Name a primary color.", "Pick a number.", "Which city?", "Best animal?",
		"Favourite day?",	 "Name a metal.",  "Any planet?", "A river?",
	};
	double sum = 0;

	for (size_t i = 0; i < ARRAY_SIZE(qs); i++) {
		struct sim_knobs k = knobs(0);
		struct hist h0 = { 0 }, h1 = { 0 };

		k.night_noise = noise;
		k.unstable = unstable;
		sample(&k, qs[i], 0.7, 2000, &h0);
		k.night = 1;
		sample(&k, qs[i], 0.7, 2000, &h1);
		sum += tv(&h0, &h1);
		hist_free(&h0);
		hist_free(&h1);
	}
	return sum / ARRAY_SIZE(qs);
}

static void test_night_noise(void **state)
{
	double none = night_tv(0, 0), small = night_tv(0.05, 0), big = night_tv(0.05, 1);

	(void)state;
	print_message("night TV: none %.3f, default %.3f, unstable %.3f\n", none, small, big);
	assert_true(none < 0.04);     /* pure sampling noise at 2000 samples */
	assert_true(small > none);    /* nights move the probabilities... */
	assert_true(small < 0.12);    /* ...a little */
	assert_true(big > 2 * small); /* and an unstable endpoint a lot */
}

/* The simulator's judge answers a judge prompt with a strict verdict the judge client reads:
 * rubric by its key words, same_meaning by word overlap; the same under every drift. */
static int sim_verdict(unsigned drifts, enum judge_kind kind, const char *criterion,
		       const char *answer, char **reason)
{
	struct sim_knobs k = knobs(drifts);
	char *prompt = judge_prompt_build(kind, criterion, answer, strlen(answer));
	struct sim_msg m = { "user", prompt };
	struct pl_err err = PL_ERR_INIT;
	struct sim_answer a;
	int pass = -1;

	sim_model_answer(&k, "judge-1", &m, 1, 0, 0, 7, &a);
	assert_false(a.refused);
	if (judge_verdict_parse(a.text, strlen(a.text), &pass, reason, &err) < 0)
		fail_msg("not a verdict: %s", a.text);
	sim_answer_release(&a);
	free(prompt);
	return pass;
}

static void test_judge(void **state)
{
	const char *rubric = "The answer names Paris as the capital of France";
	char *reason = NULL;
	unsigned d;

	(void)state;
	for (d = 0; d <= SIM_DRIFT_REFUSALS; d = d ? d << 1 : 1) {
		assert_int_equal(sim_verdict(d, JUDGE_RUBRIC, rubric, "Paris.", &reason), 1);
		assert_string_equal(reason, "the answer mentions Paris");
		free(reason);
		assert_int_equal(sim_verdict(d, JUDGE_RUBRIC, rubric,
					     "I'm sorry, but I can't help with that.", &reason),
				 0);
		assert_string_equal(reason, "the answer mentions none of: Paris France");
		free(reason);
	}
	/* no capitalised key word: the rubric's long words */
	assert_int_equal(
		sim_verdict(0, JUDGE_RUBRIC, "mentions backups", "Backups matter.", &reason), 1);
	free(reason);
	assert_int_equal(
		sim_verdict(0, JUDGE_SAME_MEANING, "Paris.", "The answer is Paris.", &reason), 1);
	assert_string_equal(reason, "the answers share 1 of 1 words");
	free(reason);
	assert_int_equal(sim_verdict(0, JUDGE_SAME_MEANING, "Paris.",
				     "I'm sorry, but I can't help with that.", &reason),
			 0);
	free(reason);
	assert_int_equal(sim_verdict(0, JUDGE_SAME_MEANING, "Paris.", "", &reason), 0);
	free(reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_temperature_varies_but_similar),
		cmocka_unit_test(test_temperature_zero_mode),
		cmocka_unit_test(test_fact_and_json),
		cmocka_unit_test(test_tokens_and_max_tokens),
		cmocka_unit_test(test_drift_parse),
		cmocka_unit_test(test_tool_call),
		cmocka_unit_test(test_drifts_observable),
		cmocka_unit_test(test_drift_rates),
		cmocka_unit_test(test_night_noise),
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
