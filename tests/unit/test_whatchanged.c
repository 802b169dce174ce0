/* test_whatchanged.c: the "what changed?" block: built from both sides' samples (longer answers,
 * refusals, fences, model ids, typical answers), ranked worst first and capped; rendered inert
 * and cut for a terminal, Markdown, Slack, Teams and HTML, from the data alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "alert.h"
#include "probe.h"
#include "render.h"
#include "refusal.h"
#include "whatchanged.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A prompt with one user message. */
struct tprompt {
	struct prompt pr;
	struct message msg;
};

static void tprompt_init(struct tprompt *t, const char *id, const char *text)
{
	memset(t, 0, sizeof(*t));
	t->msg.role = "user";
	t->msg.content = (char *)text;
	t->pr.id = (char *)id;
	t->pr.messages = &t->msg;
	t->pr.n_messages = 1;
}

/* n answers to prompt id in set: texts[i % n_texts], refused when i < n_refused. */
static struct prompt_samples *answers(struct sampleset *set, const char *id,
				      const char *const *texts, size_t n_texts, size_t n,
				      size_t n_refused, const char *model)
{
	struct prompt_samples *ps = sampleset_prompt(set, id);
	size_t i;

	for (i = 0; i < n; i++) {
		struct probe_answer a;

		probe_answer_init(&a);
		a.text = xstrdup(i < n_refused ? "" : texts[i % n_texts]);
		a.refused = i < n_refused;
		a.model = model ? xstrdup(model) : NULL;
		sampleset_add_answer(ps, (int)i, &a);
		probe_answer_release(&a);
	}
	return ps;
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_longer_answers(void **state)
{
	static const char *const shortt[] = { "Paris is the capital of France.",
					      "Paris is the capital of France.",
					      "The capital is Paris." };
	static const char *const longt[] = {
		"Paris is the capital of France, a city on the Seine known for museums.",
		"Paris is the capital of France, a city on the Seine known for museums.",
		"The capital is Paris, the largest city of France and its seat of government.",
	};
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t;
	const json_t *e;
	json_t *wc;
	double ratio = 0;
	const char *words;

	(void)state;
	tprompt_init(&t, "capital", "What is the capital of France?");
	whatchanged_add(w, &t.pr, answers(b, "capital", shortt, 3, 10, 0, "gpt-x"),
			answers(n, "capital", longt, 3, 10, 0, "gpt-x"));
	wc = whatchanged_finish(w, NULL, NULL);
	assert_int_equal(json_array_size(wc), 1);
	e = json_array_get(wc, 0);
	assert_string_equal(sget(e, "prompt"), "capital");
	assert_string_equal(sget(e, "prompt_text"), "What is the capital of France?");
	words = sget(e, "words");
	assert_non_null(strstr(words, "answers are 2."));
	assert_int_equal(sscanf(strstr(words, "answers are "), "answers are %lfx longer", &ratio),
			 1);
	assert_true(ratio > 2.0 && ratio < 3.0);
	assert_non_null(strstr(words, "x longer ("));
	/* the typical answer: the most frequent text of each side */
	assert_string_equal(sget(json_object_get(e, "baseline"), "answer"),
			    "Paris is the capital of France.");
	assert_string_equal(sget(json_object_get(e, "tonight"), "answer"), longt[0]);
	/* nothing else moved: no model, refusal or fence words */
	assert_null(strstr(words, "model id"));
	assert_null(strstr(words, "refusals"));
	assert_null(strstr(words, "fences"));
	assert_false(json_is_true(json_object_get(e, "flagged")));
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
}

/* The words of the first entry what changed lists for one prompt (ten answers a side, the
 * first `refused` of them flagged refused), with the refusal classifier rf (NULL: the API's
 * flags alone); NULL when it lists none. Freed by the caller. */
static char *first_words(struct refusal *rf, const char *const *base, size_t n_base,
			 const char *const *night, size_t n_night, size_t refused)
{
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(rf);
	struct tprompt t;
	json_t *wc;
	const char *words;
	char *out;

	tprompt_init(&t, "p", "The prompt.");
	answers(b, "p", base, n_base, 10, 0, "gpt-x");
	answers(n, "p", night, n_night, 10, refused, "gpt-x");
	whatchanged_add(w, &t.pr, sampleset_find(b, "p"), sampleset_find(n, "p"));
	wc = whatchanged_finish(w, NULL, NULL);
	words = sget(json_array_get(wc, 0), "words");
	out = words ? xstrdup(words) : NULL;
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
	return out;
}

/* Refusals in plain text (no API flag) are counted as detection counts them, with its refusal
 * patterns: "refusals 0% -> 50%", not "answers are 1.66x shorter" (QA: a refusal change read
 * as shorter answers, to procurement too). Without the classifier, only the API's flags. */
static void test_plain_text_refusals(void **state)
{
	static const char *const ok[] = {
		"Back up daily, keep three copies on two media, one of them off site, and test a "
		"restore every month so you know the copies work."
	};
	static const char *const mixed[] = {
		"Back up daily, keep three copies on two media, one of them off site, and test a "
		"restore every month so you know the copies work.",
		"I'm sorry, but I can't help with that request."
	};
	struct refusal *rf = refusal_new_default();
	char *words;

	(void)state;
	words = first_words(rf, ok, 1, mixed, 2, 0);
	assert_non_null(words);
	assert_non_null(strstr(words, "refusals 0% -> 50%"));
	free(words);
	words = first_words(NULL, ok, 1, mixed, 2, 0);
	assert_true(!words || !strstr(words, "refusals"));
	free(words);
	refusal_free(rf);
}

/* A JSON prompt that starts refusing moved by its refusals alone: valid JSON and fences are
 * rates over the answers that are not refusals, as detection counts them, so the words say
 * "refusals 0% -> 40%", not that and "valid JSON 100% -> 60%" as well. */
static void test_refusals_not_invalid_json(void **state)
{
	static const char *const js[] = { "{\"name\": \"Umbrella\", \"price\": 14.99}" };
	struct refusal *rf = refusal_new_default();
	char *words;

	(void)state;
	words = first_words(rf, js, 1, js, 1, 4);
	assert_non_null(words);
	assert_non_null(strstr(words, "refusals 0% -> 40%"));
	assert_null(strstr(words, "JSON"));
	free(words);
	refusal_free(rf);
}

static void test_model_fences_refusals(void **state)
{
	static const char *const js[] = { "{\"name\": \"Umbrella\", \"price\": 14.99}" };
	static const char *const fenced[] = {
		"```json\n{\"name\": \"Umbrella\", \"price\": 14.99}\n```"
	};
	static const char *const prose[] = { "Backups protect a business from losing its data." };
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t1, t2;
	json_t *wc;
	const json_t *e;
	size_t i;

	(void)state;
	tprompt_init(&t1, "product-json", "Return a product as JSON.");
	tprompt_init(&t2, "backups", "Why do backups matter?");
	whatchanged_add(w, &t1.pr, answers(b, "product-json", js, 1, 10, 0, "gpt-4o-2024-08-06"),
			answers(n, "product-json", fenced, 1, 10, 0, "gpt-4o-2024-11-20"));
	/* 3 refusals in 25 answers: 12% */
	whatchanged_add(w, &t2.pr, answers(b, "backups", prose, 1, 25, 0, "gpt-4o-2024-08-06"),
			answers(n, "backups", prose, 1, 25, 3, "gpt-4o-2024-08-06"));
	wc = whatchanged_finish(w, NULL, NULL);
	assert_int_equal(json_array_size(wc), 2);
	json_array_foreach(wc, i, e)
	{
		const char *words = sget(e, "words");

		if (!strcmp(sget(e, "prompt"), "product-json")) {
			assert_non_null(strstr(words, "model id gpt-4o-2024-08-06 -> "
						      "gpt-4o-2024-11-20"));
			assert_non_null(strstr(words, "JSON now wrapped in ``` fences"));
			/* still JSON once the fence is taken away */
			assert_null(strstr(words, "valid JSON"));
			assert_string_equal(sget(json_object_get(e, "tonight"), "model"),
					    "gpt-4o-2024-11-20");
		} else {
			assert_string_equal(sget(e, "prompt"), "backups");
			assert_non_null(strstr(words, "refusals 0% -> 12%"));
			assert_null(strstr(words, "model id"));
		}
	}
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
}

/* Flagged prompts first, then by distance; at most WHATCHANGED_MAX; a prompt the detector
 * flagged with nothing else to say still gets words; an unmoved prompt is left out. */
static void test_ranking(void **state)
{
	static const char *const a[] = { "alpha beta gamma" };
	static const char *const longer[] = { "alpha beta gamma delta epsilon zeta eta theta" };
	static const char *const other[] = { "gamma beta alpha" };
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t[9];
	json_t *det = json_pack("{s:{s:[],s:[s]}}", "distance", "prompts", "moved", "p7"), *wc;
	json_t *list = json_object_get(json_object_get(det, "distance"), "prompts");
	char ids[9][8];
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		snprintf(ids[i], sizeof(ids[i]), "p%d", i);
		tprompt_init(&t[i], ids[i], "x");
		/* p0..p6 longer; p7 only reworded (flagged by detection); p8 unmoved */
		whatchanged_add(w, &t[i].pr, answers(b, ids[i], a, 1, 5, 0, NULL),
				answers(n, ids[i],
					i < 7	 ? longer
					: i == 7 ? other
						 : a,
					1, 5, 0, NULL));
		json_array_append_new(list, json_pack("{s:s,s:f,s:f,s:b}", "id", ids[i], "distance",
						      0.1 * i, "p", 0.5 - 0.05 * i, "moved", 0));
	}
	wc = whatchanged_finish(w, det, NULL);
	assert_int_equal(json_array_size(wc), WHATCHANGED_MAX);
	assert_string_equal(sget(json_array_get(wc, 0), "prompt"), "p7");
	assert_true(json_is_true(json_object_get(json_array_get(wc, 0), "flagged")));
	assert_non_null(strstr(sget(json_array_get(wc, 0), "words"), "answers read differently"));
	/* then the largest distances: p6, p5, p4, p3 */
	assert_string_equal(sget(json_array_get(wc, 1), "prompt"), "p6");
	assert_string_equal(sget(json_array_get(wc, 4), "prompt"), "p3");
	assert_true(json_number_value(json_object_get(json_array_get(wc, 1), "distance")) > 0.59);
	assert_true(json_number_value(json_object_get(json_array_get(wc, 1), "p")) < 0.21);
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
	json_decref(det);
}

/* The prompts the detector moved are told apart from those only near the alarm: every entry
 * counts the moved prompts, the ones beyond WHATCHANGED_MAX are named apart (the report's
 * what_changed_unlisted), and no rendering says "moved" of a prompt that did not move. QA: the
 * heading said "5 prompts" with 2 moved, items 4 and 5 read "moved: answers are 1.50x longer
 * (p 0.2777)", and of 22 moved prompts 17 were never mentioned. */
static void test_moved_apart(void **state)
{
	static const char *const a[] = { "alpha beta gamma" };
	static const char *const longer[] = { "alpha beta gamma delta epsilon zeta eta theta" };
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t[9];
	json_t *det = json_pack("{s:{s:[],s:[]}}", "distance", "prompts", "moved"), *wc, *more;
	json_t *list = json_object_get(json_object_get(det, "distance"), "prompts");
	json_t *moved = json_object_get(json_object_get(det, "distance"), "moved");
	struct sbuf out;
	char ids[9][8];
	const char *at;
	int i, k;

	(void)state;
	for (i = 0; i < 9; i++) {
		snprintf(ids[i], sizeof(ids[i]), "p%d", i);
		tprompt_init(&t[i], ids[i], "x");
		whatchanged_add(w, &t[i].pr, answers(b, ids[i], a, 1, 5, 0, NULL),
				answers(n, ids[i], longer, 1, 5, 0, NULL));
		json_array_append_new(list, json_pack("{s:s,s:f,s:f}", "id", ids[i], "distance",
						      0.1 * i, "p", 0.5 - 0.05 * i));
	}
	/* 7 of 9 moved: 5 listed, 2 named apart */
	for (i = 2; i < 9; i++)
		json_array_append_new(moved, json_string(ids[i]));
	wc = whatchanged_finish(w, det, &more);
	assert_int_equal(json_array_size(wc), WHATCHANGED_MAX);
	for (i = 0; i < WHATCHANGED_MAX; i++) {
		assert_true(
			json_is_true(json_object_get(json_array_get(wc, (size_t)i), "flagged")));
		assert_int_equal(json_integer_value(json_object_get(json_array_get(wc, (size_t)i),
								    "moved_prompts")),
				 7);
	}
	assert_int_equal(json_array_size(more), 2);
	assert_string_equal(json_string_value(json_array_get(more, 0)), "p3");
	assert_string_equal(json_string_value(json_array_get(more, 1)), "p2");
	sbuf_init(&out);
	render_whatchanged_text(wc, &out);
	assert_non_null(strstr(out.buf, "what changed (5 moved prompts, worst first; +2 more moved "
					"prompts (see the report JSON)):"));
	sbuf_reset(&out);
	render_whatchanged_md(wc, RENDER_MD_GITHUB, 300, &out);
	assert_non_null(strstr(out.buf, "**What changed** (5 moved prompts, worst first; +2 more "
					"moved prompts (see the report JSON))"));
	sbuf_reset(&out);
	render_whatchanged_html(wc, &out);
	assert_non_null(strstr(out.buf, "+2 more moved prompts (see the report JSON"));
	json_decref(wc);
	json_decref(more);

	/* 1 moved: the other 4 listed are near the alarm, said apart and never "moved" */
	json_array_clear(moved);
	json_array_append_new(moved, json_string("p0"));
	wc = whatchanged_finish(w, det, &more);
	assert_int_equal(json_array_size(more), 0);
	assert_string_equal(sget(json_array_get(wc, 0), "prompt"), "p0");
	assert_false(json_is_true(json_object_get(json_array_get(wc, 1), "flagged")));
	sbuf_reset(&out);
	render_whatchanged_text(wc, &out);
	assert_non_null(strstr(out.buf, "what changed (1 moved prompt, worst first):\n  1. p0"));
	at = strstr(out.buf, "  nearest the alarm, not moved (4 prompts whose figures moved "
			     "within their usual variation):\n  2. p8");
	assert_non_null(at);
	for (k = 0, at = out.buf; (at = strstr(at, "     moved: ")); at++)
		k++;
	assert_int_equal(k, 1);
	assert_non_null(strstr(out.buf, "     not moved: answers are"));
	sbuf_reset(&out);
	render_whatchanged_md(wc, RENDER_MD_GITHUB, 300, &out);
	assert_non_null(strstr(out.buf, "**What changed** (1 moved prompt, worst first)"));
	assert_non_null(strstr(out.buf, "**Nearest the alarm, not moved** (4 prompts"));
	for (k = 0, at = out.buf; (at = strstr(at, "**moved:**")); at++)
		k++;
	assert_int_equal(k, 1);
	assert_non_null(strstr(out.buf, "**not moved:**"));
	sbuf_reset(&out);
	render_whatchanged_html(wc, &out);
	assert_non_null(strstr(out.buf, "<h3>Nearest the alarm, not moved</h3>"));
	assert_non_null(strstr(out.buf, "<ol start=\"2\">"));
	for (k = 0, at = out.buf; (at = strstr(at, "<b>moved:</b>")); at++)
		k++;
	assert_int_equal(k, 1);
	/* the gist says what moved, not what stayed within its variation */
	sbuf_reset(&out);
	render_whatchanged_gist(wc, &out);
	assert_string_equal(out.buf, "answers got longer");
	sbuf_release(&out);
	json_decref(wc);
	json_decref(more);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
	json_decref(det);
}

/* A changed pooled rate ("refusals 0.3% -> 30% over 3 prompts") moves the prompts whose own
 * answers moved on it; a prompt only longer within its variation is not moved. */
static void test_pooled_rate_moves(void **state)
{
	static const char *const prose[] = { "Backups protect a business from losing its data." };
	static const char *const longer[] = {
		"Backups protect a business from losing its data, its customers and its name."
	};
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t1, t2;
	json_t *det = json_pack("{s:{s:[{s:s,s:s,s:b}]}}", "prompt_rates", "signals", "prompt", "*",
				"signal", "refusal", "changed", 1);
	json_t *wc;

	(void)state;
	tprompt_init(&t1, "refusing", "Why do backups matter?");
	tprompt_init(&t2, "longer", "Why do backups matter?");
	whatchanged_add(w, &t1.pr, answers(b, "refusing", prose, 1, 10, 0, NULL),
			answers(n, "refusing", prose, 1, 10, 3, NULL));
	whatchanged_add(w, &t2.pr, answers(b, "longer", prose, 1, 10, 0, NULL),
			answers(n, "longer", longer, 1, 10, 0, NULL));
	wc = whatchanged_finish(w, det, NULL);
	assert_int_equal(json_array_size(wc), 2);
	assert_string_equal(sget(json_array_get(wc, 0), "prompt"), "refusing");
	assert_true(json_is_true(json_object_get(json_array_get(wc, 0), "flagged")));
	assert_string_equal(sget(json_array_get(wc, 1), "prompt"), "longer");
	assert_false(json_is_true(json_object_get(json_array_get(wc, 1), "flagged")));
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
	json_decref(det);
}

/* JSON keys changed over the prompts ("*"): the samples' figures do not show keys, so the
 * prompts flagged are those whose own test of them rose tonight, with its words; a prompt
 * whose keys did not rise is not. */
static void test_keys_over_prompts(void **state)
{
	static const char *const json[] = { "{\"name\": \"Lamp\", \"price\": 9.99}" };
	static const char *const renamed[] = { "{\"name\": \"Lamp\", \"price_usd\": 9.99}",
					       "{\"name\": \"Lamp\", \"price\": 9.99}" };
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t1, t2;
	json_t *det = json_pack(
		"{s:{s:[{s:s,s:s,s:b},{s:s,s:s,s:b,s:f,s:i,s:s},{s:s,s:s,s:b,s:f,s:i,s:s}]}}",
		"prompt_rates", "signals", "prompt", "*", "signal", "json_keys", "changed", 1,
		"prompt", "product", "signal", "json_keys", "changed", 0, "effect", 0.5,
		"hits_night", 5, "words", "JSON answers with keys unlike the baseline's 0% -> 50%",
		"prompt", "ticket", "signal", "json_keys", "changed", 0, "effect", -0.02,
		"hits_night", 0, "words", "JSON answers with keys unlike the baseline's 2% -> 0%");
	json_t *wc;
	const json_t *e;

	(void)state;
	tprompt_init(&t1, "product", "Extract the product as JSON.");
	tprompt_init(&t2, "ticket", "Triage the ticket as JSON.");
	whatchanged_add(w, &t1.pr, answers(b, "product", json, 1, 10, 0, NULL),
			answers(n, "product", renamed, 2, 10, 0, NULL));
	whatchanged_add(w, &t2.pr, answers(b, "ticket", json, 1, 10, 0, NULL),
			answers(n, "ticket", json, 1, 10, 0, NULL));
	wc = whatchanged_finish(w, det, NULL);
	assert_int_equal(json_array_size(wc), 1);
	e = json_array_get(wc, 0);
	assert_string_equal(sget(e, "prompt"), "product");
	assert_true(json_is_true(json_object_get(e, "flagged")));
	assert_non_null(strstr(sget(e, "words"), "keys unlike the baseline's 0% -> 50%"));
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
	json_decref(det);
}

/* The example answers show the signal that moved, and say which: a refusal tonight when the
 * refusals rose (QA: the "tonight" example was the typical answer, not a refusal), and for
 * longer answers their ends with their lengths (QA: excerpts cut at the same point looked
 * identical). */
static void test_examples_show_signal(void **state)
{
	static const char *const ok[] = {
		"Back up daily, keep three copies on two media, one of them off site."
	};
	static const char *const mixed[] = {
		"Back up daily, keep three copies on two media, one of them off site.",
		"I'm sorry, but I can't help with that request.",
		"Back up daily, keep three copies on two media, one of them off site.",
	};
	/* a common opening longer than any quote: only the ends differ */
	static const char head[] =
		"Regular backups protect a small business from losing customer records, invoices "
		"and the work of years to a failed disk, a stolen laptop or ransomware. ";
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct refusal *rf = refusal_new_default();
	struct whatchanged *w = whatchanged_new(rf);
	struct tprompt t1, t2;
	char shortt[512], longt[512];
	const char *sh[1] = { shortt }, *lo[1] = { longt };
	const json_t *e;
	json_t *wc;
	struct sbuf out;
	char bq[256], tq[256];
	const char *at;

	(void)state;
	snprintf(shortt, sizeof(shortt), "%sTest a restore.", head);
	snprintf(longt, sizeof(longt),
		 "%sTest a restore every month, keep one copy off site and write down who "
		 "restores what.",
		 head);
	tprompt_init(&t1, "refusing", "Why do backups matter?");
	tprompt_init(&t2, "longer", "Why do backups matter?");
	whatchanged_add(w, &t1.pr, answers(b, "refusing", ok, 1, 10, 0, NULL),
			answers(n, "refusing", mixed, 3, 10, 0, NULL));
	whatchanged_add(w, &t2.pr, answers(b, "longer", sh, 1, 10, 0, NULL),
			answers(n, "longer", lo, 1, 10, 0, NULL));
	wc = whatchanged_finish(w, NULL, NULL);
	assert_int_equal(json_array_size(wc), 2);

	e = json_array_get(wc, strcmp(sget(json_array_get(wc, 0), "prompt"), "refusing") ? 1 : 0);
	assert_string_equal(sget(e, "example_signal"), "refusals");
	assert_string_equal(sget(json_object_get(e, "tonight"), "example"), "refusal");
	assert_string_equal(sget(json_object_get(e, "tonight"), "answer"),
			    "I'm sorry, but I can't help with that request.");
	assert_string_equal(sget(json_object_get(e, "baseline"), "example"), "not_refusal");

	e = json_array_get(wc, strcmp(sget(json_array_get(wc, 0), "prompt"), "longer") ? 1 : 0);
	assert_string_equal(sget(e, "example_signal"), "length");
	assert_string_equal(sget(json_object_get(e, "tonight"), "example"), "length");
	assert_non_null(
		strstr(sget(json_object_get(e, "tonight"), "answer_tail"), "who restores what."));

	sbuf_init(&out);
	render_whatchanged_text(wc, &out);
	assert_non_null(
		strstr(out.buf, "     tonight:  (a refusal) \"I'm sorry, but I can't help"));
	assert_non_null(strstr(out.buf, "     baseline: (not a refusal) \"Back up daily"));
	/* the length example: lengths, and quotes that differ */
	at = strstr(out.buf, ". longer \"");
	assert_non_null(at);
	assert_int_equal(sscanf(strstr(at, "     baseline: "),
				"     baseline: (%*d characters) \"%255[^\n]", bq),
			 1);
	assert_int_equal(sscanf(strstr(at, "     tonight:  "),
				"     tonight:  (%*d characters) \"%255[^\n]", tq),
			 1);
	assert_string_not_equal(bq, tq);
	assert_non_null(strstr(tq, "who restores what.\""));
	sbuf_reset(&out);
	render_whatchanged_md(wc, RENDER_MD_GITHUB, 100, &out);
	assert_non_null(strstr(out.buf, "**tonight:** (a refusal) \xe2\x80\x9cI'm sorry"));
	assert_non_null(strstr(out.buf, "who restores what.\xe2\x80\x9d"));
	sbuf_reset(&out);
	render_whatchanged_html(wc, &out);
	assert_non_null(strstr(out.buf, "<span class=\"example\">a refusal</span>"));
	assert_non_null(strstr(out.buf, "who restores what.</pre>"));
	sbuf_release(&out);
	json_decref(wc);
	whatchanged_free(w);
	refusal_free(rf);
	sampleset_free(b);
	sampleset_free(n);
}

static void test_typical(void **state)
{
	static const char *const texts[] = { "the cat sat on the mat", "a cat sat on a mat",
					     "the cat sat on the mat today", "dogs bark loudly" };
	struct sampleset *s = sampleset_new("v", "m", "s");
	struct prompt_samples *ps = answers(s, "p", texts, 4, 4, 0, NULL);

	(void)state;
	/* no text repeats: the medoid, closest to the others */
	assert_int_equal(whatchanged_typical(ps), 0);
	sampleset_free(s);
	s = sampleset_new("v", "m", "s");
	ps = answers(s, "p", texts + 3, 1, 2, 0, NULL);
	answers(s, "p", texts, 1, 1, 0, NULL);
	/* a repeated text wins */
	assert_string_equal(ps->samples[whatchanged_typical(ps)].text, "dogs bark loudly");
	assert_int_equal(whatchanged_typical(NULL), -1);
	sampleset_free(s);
}

/* Vendor text with every kind of metacharacter, far too long: each rendering keeps it inert
 * and short. */
static void test_hostile_text(void **state)
{
	struct sampleset *b = sampleset_new("v", "m", "s"), *n = sampleset_new("v", "m", "s");
	struct whatchanged *w = whatchanged_new(NULL);
	struct tprompt t;
	struct sbuf big, out;
	const char *hostile = "<script>alert(1)</script> <!channel> @here *bold* _it_ ~s~ `code` "
			      "``` [link](https://evil.example) | cell & \x1b[31mred\x1b[0m\n"
			      "line two <@U123> ";
	const char *texts[1], *btexts[1] = { "ok" };
	struct alert_channel ch;
	struct alert_event ev;
	struct alert_msg m;
	struct pl_err err = PL_ERR_INIT;
	json_t *wc, *root, *v;
	const json_t *e;
	char *dump;
	size_t i;

	(void)state;
	sbuf_init(&big);
	for (i = 0; i < 40; i++)
		sbuf_addstr(&big, hostile);
	texts[0] = big.buf;
	tprompt_init(&t, "evil", hostile);
	whatchanged_add(w, &t.pr, answers(b, "evil", btexts, 1, 5, 0, NULL),
			answers(n, "evil", texts, 1, 5, 0, NULL));
	wc = whatchanged_finish(w, NULL, NULL);
	assert_int_equal(json_array_size(wc), 1);
	e = json_array_get(wc, 0);
	/* the data holds the raw text, cut on a UTF-8 boundary, and says so */
	assert_true(strlen(sget(json_object_get(e, "tonight"), "answer")) <= WHATCHANGED_QUOTE);
	assert_true(
		json_is_true(json_object_get(json_object_get(e, "tonight"), "answer_truncated")));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(e, "tonight"), "answer_bytes")),
		(json_int_t)big.len);
	assert_true(strlen(sget(e, "prompt_text")) <= WHATCHANGED_PROMPT);

	/* terminal: no escape sequence, no line break inside a quote, cut */
	sbuf_init(&out);
	render_whatchanged_text(wc, &out);
	assert_null(strchr(out.buf, '\x1b'));
	/* a length move: the answer's end, cut at its start */
	assert_non_null(strstr(out.buf, "characters) \"\xe2\x80\xa6"));
	assert_non_null(strstr(out.buf, "line two <@U123> \"\n"));
	assert_true(out.len < 1200);

	/* GitHub Markdown: no tag, no link, no emphasis can form */
	sbuf_reset(&out);
	render_whatchanged_md(wc, RENDER_MD_GITHUB, 300, &out);
	assert_null(strstr(out.buf, "<script"));
	assert_non_null(strstr(out.buf, "&lt;script>"));
	assert_non_null(strstr(out.buf, "\\[link\\](https"));
	assert_non_null(strstr(out.buf, "\\*bold\\*"));
	assert_non_null(strstr(out.buf, "\\| cell"));
	assert_null(strchr(out.buf, '\x1b'));
	assert_true(out.len < 2000);

	/* HTML */
	sbuf_reset(&out);
	render_whatchanged_html(wc, &out);
	assert_null(strstr(out.buf, "<script"));
	assert_non_null(strstr(out.buf, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strchr(out.buf, '\x1b'));
	assert_true(out.len < 3000);

	/* Slack, through the channel's build: entities, no mention, no link, sections in limits */
	memset(&ch, 0, sizeof(ch));
	memset(&ev, 0, sizeof(ev));
	ch.ops = &alert_slack;
	ch.name = "slack";
	ev.kind = ALERT_CHANGE;
	ev.vendor = "acme";
	ev.model = "gpt";
	ev.suite = "core";
	ev.what_changed = wc;
	alert_msg_init(&m);
	assert_int_equal(alert_slack.build(&ch, &ev, 1795772283, &m, &err), 0);
	root = json_loads(m.body.buf, 0, NULL);
	assert_non_null(root);
	dump = NULL;
	json_array_foreach(json_object_get(root, "blocks"), i, v)
	{
		const char *txt = sget(json_object_get(v, "text"), "text");

		if (!txt || !strstr(txt, "evil"))
			continue;
		dump = (char *)txt;
		assert_true(strlen(txt) <= 3000);
		assert_null(strstr(txt, "<!channel>"));
		assert_null(strstr(txt, "<@U123>"));
		assert_null(strstr(txt, "<script"));
		assert_null(strstr(txt, "@here"));
		assert_non_null(strstr(txt, "&lt;!channel&gt;"));
		assert_non_null(strstr(txt, "*baseline:*"));
	}
	assert_non_null(dump);
	json_decref(root);
	alert_msg_release(&m);

	/* Teams */
	ch.ops = &alert_teams;
	ch.name = "teams";
	alert_msg_init(&m);
	assert_int_equal(alert_teams.build(&ch, &ev, 1795772283, &m, &err), 0);
	root = json_loads(m.body.buf, 0, NULL);
	assert_non_null(root);
	dump = json_dumps(root, 0);
	/* a TextBlock renders no HTML; links and emphasis are what must not form */
	assert_non_null(strstr(dump, "What changed"));
	assert_non_null(strstr(dump, "\\\\*bold\\\\*"));
	assert_non_null(strstr(dump, "\\\\[link\\\\](https"));
	free(dump);
	json_decref(root);
	alert_msg_release(&m);

	sbuf_release(&out);
	sbuf_release(&big);
	json_decref(wc);
	whatchanged_free(w);
	sampleset_free(b);
	sampleset_free(n);
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4, i;

		for (i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/* Cuts fall between characters, in every rendering, whatever the byte limits hit. */
static void test_cuts_keep_utf8(void **state)
{
	struct sbuf text, out;
	json_t *wc;
	int i, k;

	(void)state;
	for (k = 0; k < 3; k++) {
		sbuf_init(&text);
		for (i = 0; i < 400; i++)
			sbuf_addstr(&text, k == 0   ? "\xc3\xa9"
					   : k == 1 ? "a\xe2\x82\xac"
						    : "\xf0\x9f\x98\x80");
		wc = json_pack("[{s:s,s:s,s:s,s:{s:s},s:{s:s}}]", "prompt", "p", "prompt_text",
			       text.buf, "words", text.buf, "baseline", "answer", text.buf,
			       "tonight", "answer", text.buf);
		sbuf_init(&out);
		render_whatchanged_text(wc, &out);
		assert_true(utf8_valid(out.buf));
		sbuf_reset(&out);
		render_whatchanged_md(wc, RENDER_MD_GITHUB, 301, &out);
		assert_true(utf8_valid(out.buf));
		sbuf_reset(&out);
		render_whatchanged_md(wc, RENDER_MD_SLACK, 199, &out);
		assert_true(utf8_valid(out.buf));
		sbuf_reset(&out);
		render_whatchanged_html(wc, &out);
		assert_true(utf8_valid(out.buf));
		sbuf_release(&out);
		sbuf_release(&text);
		json_decref(wc);
	}
}

/* A tiny p-value reads "p < 0.001" in every rendering, never a rounded "p 0.0000" (the same
 * formatter as compare's q-values: stats_format_p). */
static void test_small_p(void **state)
{
	json_t *wc = json_pack("[{s:s,s:s,s:s,s:b,s:f,s:f,s:{s:s},s:{s:s}}]", "prompt", "p1",
			       "prompt_text", "Capital?", "words", "answers are 2.00x longer",
			       "flagged", 1, "distance", 0.5, "p", 1e-9, "baseline", "answer",
			       "Paris", "tonight", "answer", "Paris, France");
	struct sbuf out;

	(void)state;
	sbuf_init(&out);
	render_whatchanged_text(wc, &out);
	assert_non_null(strstr(out.buf, "(distance 0.5000, p < 0.001)"));
	sbuf_reset(&out);
	render_whatchanged_md(wc, RENDER_MD_GITHUB, 300, &out);
	assert_non_null(strstr(out.buf, "(distance 0.5000, p &lt; 0.001)"));
	sbuf_reset(&out);
	json_object_set_new(json_array_get(wc, 0), "p", json_real(0.0357));
	render_whatchanged_text(wc, &out);
	assert_non_null(strstr(out.buf, "(distance 0.5000, p 0.036)"));
	sbuf_release(&out);
	json_decref(wc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longer_answers),
		cmocka_unit_test(test_small_p),
		cmocka_unit_test(test_model_fences_refusals),
		cmocka_unit_test(test_plain_text_refusals),
		cmocka_unit_test(test_refusals_not_invalid_json),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_moved_apart),
		cmocka_unit_test(test_pooled_rate_moves),
		cmocka_unit_test(test_keys_over_prompts),
		cmocka_unit_test(test_examples_show_signal),
		cmocka_unit_test(test_typical),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_cuts_keep_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
