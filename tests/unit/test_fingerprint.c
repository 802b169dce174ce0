/* test_fingerprint.c: hard signals, their comparison with what an epoch knows, answer
 * sketches and epoch bookkeeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fingerprint.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct sampleset *s, const char *pid, const char *text, const char *model,
		const char *fp, long toks, json_t *headers)
{
	struct prompt_samples *ps = sampleset_prompt(s, pid);
	struct sample *sm;

	ps->samples = xrealloc(ps->samples, (ps->n + 1) * sizeof(*ps->samples));
	sm = &ps->samples[ps->n];
	memset(sm, 0, sizeof(*sm));
	sm->index = (int)ps->n++;
	sm->text = xstrdup(text);
	sm->model = model ? xstrdup(model) : NULL;
	sm->fingerprint = fp ? xstrdup(fp) : NULL;
	sm->prompt_tokens = toks;
	sm->completion_tokens = -1;
	sm->latency_ms = -1;
	sm->ttft_ms = -1;
	sm->headers = headers;
}

static void test_hard(void **state)
{
	struct sampleset *s = sampleset_new("v", "m", "s");
	json_t *h;
	char *dump;

	(void)state;
	add(s, "a", "Paris", "gpt-b", "fp_2", 12, NULL);
	add(s, "a", "Paris.", "gpt-a", "fp_1", 12, NULL);
	add(s, "a", "paris", "gpt-a", NULL, 13, NULL);
	add(s, "b", "x", NULL, NULL, -1,
	    json_pack("{s:s,s:s,s:s,s:s}", "openai-version", "2020-10-01", "x-ratelimit-remaining",
		      "41", "x-request-id", "abc", "anthropic-model-build", "7"));
	h = fingerprint_hard(s);
	dump = json_dumps(h, JSON_SORT_KEYS | JSON_COMPACT);
	/* sorted sets; the most common token count; only version headers; no logprobs */
	assert_string_equal(dump, "{\"fingerprints\":[\"fp_1\",\"fp_2\"],\"headers\":[\"anthropic-"
				  "model-build=7\",\"openai-version=2020-10-01\"],\"logprobs\":"
				  "false,"
				  "\"models\":[\"gpt-a\",\"gpt-b\"],\"prompt_tokens\":{\"a\":12}}");
	free(dump);
	json_decref(h);
	sampleset_free(s);
}

static void test_hard_diff(void **state)
{
	json_t *base = json_loads("{\"models\":[\"m1\"],\"fingerprints\":[\"fp_a\"],\"headers\":[],"
				  "\"prompt_tokens\":{\"p\":10,\"q\":5},\"logprobs\":false}",
				  0, NULL);
	json_t *night1 = json_loads("{\"models\":[\"m1\"],\"fingerprints\":[\"fp_b\"],\"headers\":["
				    "],"
				    "\"prompt_tokens\":{\"p\":10},\"logprobs\":false}",
				    0, NULL);
	json_t *known = json_array(), *changes = json_array(), *now;

	(void)state;
	json_array_append(known, base);
	/* identical: nothing changed */
	assert_int_equal(fingerprint_hard_diff(known, base, changes), 0);
	/* a fingerprint never seen: a change, naming what was known and what is new */
	assert_int_equal(fingerprint_hard_diff(known, night1, changes), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 0), "signa"
											  "l")),
			    "fingerprint");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_array_get(changes, 0), "now"), 0)),
			    "fp_b");
	/* once the epoch knows fp_b (rotating fingerprints), either value is fine */
	json_array_append(known, night1);
	assert_int_equal(fingerprint_hard_diff(known, base, NULL), 0);
	/* token count of p changes; q missing tonight is not a change */
	now = json_loads("{\"models\":[\"m1\",\"m2\"],\"fingerprints\":[\"fp_a\"],\"headers\":[\"v="
			 "2\"],"
			 "\"prompt_tokens\":{\"p\":11},\"logprobs\":true}",
			 0, NULL);
	json_array_clear(changes);
	assert_int_equal(fingerprint_hard_diff(known, now, changes), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 0), "signa"
											  "l")),
			    "model");
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 1), "signa"
											  "l")),
			    "version_headers");
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 2), "signa"
											  "l")),
			    "prompt_tokens:p");
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 3), "signa"
											  "l")),
			    "logprobs");
	/* nothing known: nothing to compare */
	json_array_clear(known);
	assert_int_equal(fingerprint_hard_diff(known, now, NULL), 0);
	json_decref(now);
	json_decref(known);
	json_decref(changes);
	json_decref(base);
	json_decref(night1);
}

/* The answer hash names a sketch's mode in baseline files: its values must never change
 * (offset basis 1469598103934665603, not the standard FNV-1a basis). */
static void test_answer_hash_pinned(void **state)
{
	(void)state;
	assert_true(fingerprint_answer_hash("") == 0x14650fb0739d0383ULL);
	assert_true(fingerprint_answer_hash("Paris") == 0x6551772444f39992ULL);
}

static void test_sketch(void **state)
{
	struct sampleset *s = sampleset_new("v", "m", "s"), *t = sampleset_new("v", "m", "s");
	json_t *a, *b;
	char hex[17];

	(void)state;
	add(s, "a", "Paris", NULL, NULL, -1, NULL);
	add(s, "a", " Paris\n", NULL, NULL, -1, NULL); /* another answer: compared as given */
	add(s, "a", "Paris", NULL, NULL, -1, NULL);
	add(s, "a", "\xc3\xa9t\xc3\xa9", NULL, NULL, -1, NULL); /* 3 code points */
	add(s, "b", "x", NULL, NULL, -1, NULL);
	a = fingerprint_sketch(s);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)fingerprint_answer_hash("Paris"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "a"), "mode")),
			    hex);
	assert_true(json_real_value(json_object_get(json_object_get(a, "a"), "share")) == 0.5);
	/* raw lengths (5 + 7 + 5 + 3) / 4 = 5.0 */
	assert_true(json_real_value(json_object_get(json_object_get(a, "a"), "len")) == 5.0);

	add(t, "a", "Paris", NULL, NULL, -1, NULL);
	add(t, "b", "y", NULL, NULL, -1, NULL);
	add(t, "c", "z", NULL, NULL, -1, NULL);
	b = fingerprint_sketch(t);
	/* shared prompts a (agree) and b (differ) */
	assert_true(fingerprint_sketch_agreement(a, b) == 0.5);
	assert_true(fingerprint_sketch_agreement(a, a) == 1.0);
	json_decref(a);
	json_decref(b);
	sampleset_free(s);
	sampleset_free(t);
}

/* One prompt's answers of the accumulator test; "lp" answers carry logprobs. */
static void fill(struct sampleset *s, int prompt)
{
	char pid[16];
	struct prompt_samples *ps;

	snprintf(pid, sizeof(pid), "p%d", prompt);
	switch (prompt) {
	case 0:
		add(s, pid, "Paris", "gpt-b", "fp_2", 12, NULL);
		add(s, pid, " Paris ", "gpt-a", "fp_1", 12, NULL);
		add(s, pid, "Lyon", "gpt-a", NULL, 13, NULL);
		break;
	case 1:
		add(s, pid, "x", NULL, NULL, -1,
		    json_pack("{s:s,s:s}", "openai-version", "2020-10-01", "x-request-id", "r1"));
		add(s, pid, "\xc3\xa9t\xc3\xa9", "gpt-c", NULL, 40, NULL);
		break;
	case 2:
		sampleset_prompt(s, pid); /* asked, nothing answered */
		break;
	default:
		add(s, pid, "lp", "gpt-a", "fp_3", 7, NULL);
		ps = sampleset_prompt(s, pid);
		ps->samples[0].logprobs = json_pack("[{s:s,s:f}]", "token", "lp", "logprob", -0.1);
		add(s, pid, "lp2", "gpt-a", "fp_3", 8, NULL);
		add(s, pid, "lp2", "gpt-a", "fp_3", 8, NULL);
		break;
	}
}

/* The accumulator, fed one prompt at a time in another order from prompts freed right after
 * each add, gives the JSON of fingerprint_hard / fingerprint_sketch on the whole set. */
static void test_acc(void **state)
{
	struct sampleset *s = sampleset_new("v", "m", "s");
	struct fingerprint_acc *a = fingerprint_acc_new(1), *h = fingerprint_acc_new(0);
	json_t *want_hard, *want_sketch, *got;
	char *d1, *d2;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		fill(s, i);
	want_hard = fingerprint_hard(s);
	want_sketch = fingerprint_sketch(s);
	for (i = 3; i >= 0; i--) {
		struct sampleset *one = sampleset_new("v", "m", "s");

		fill(one, i);
		fingerprint_acc_add(a, &one->prompts[0]);
		fingerprint_acc_add(h, &one->prompts[0]);
		sampleset_free(one);
	}
	got = fingerprint_acc_hard(a);
	d1 = json_dumps(want_hard, JSON_SORT_KEYS | JSON_COMPACT);
	d2 = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(d1, d2);
	/* the case is not trivial: every kind of hard signal is present */
	assert_non_null(strstr(d1, "openai-version=2020-10-01"));
	assert_non_null(strstr(d1, "\"logprobs\":true"));
	assert_non_null(strstr(d1, "\"p3\":8"));
	free(d1);
	free(d2);
	json_decref(got);
	got = fingerprint_acc_hard(h);
	assert_true(json_equal(got, want_hard));
	json_decref(got);
	got = fingerprint_acc_sketch(a);
	d1 = json_dumps(want_sketch, JSON_SORT_KEYS | JSON_COMPACT);
	d2 = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(d1, d2);
	assert_int_equal(json_object_size(got), 3); /* p2 has no answers */
	free(d1);
	free(d2);
	json_decref(got);
	/* without a sketch: {} */
	got = fingerprint_acc_sketch(h);
	assert_int_equal(json_object_size(got), 0);
	json_decref(got);
	/* the JSON can be made again, unchanged */
	got = fingerprint_acc_hard(a);
	assert_true(json_equal(got, want_hard));
	json_decref(got);
	fingerprint_acc_free(a);
	fingerprint_acc_free(h);
	fingerprint_acc_free(NULL);
	json_decref(want_hard);
	json_decref(want_sketch);
	sampleset_free(s);
}

static void test_epochs(void **state)
{
	json_t *recs = json_loads("[{\"night\":\"d1\"},{\"night\":\"d2\",\"epoch\":\"e1\"},"
				  "{\"night\":\"d3\",\"epoch\":\"e2\"},{\"night\":\"d4\",\"epoch\":"
				  "\"e2\"},"
				  "{\"night\":\"d5\",\"epoch\":\"e1\"},{\"night\":\"d6\",\"epoch\":"
				  "\"e7\"}]",
				  0, NULL);
	struct epoch_info *e = NULL;
	size_t n = 0;
	char id[32];

	(void)state;
	fingerprint_epochs(recs, &e, &n);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].id, "e1");
	assert_string_equal(e[0].since, "d1");
	assert_int_equal(e[0].nights, 3);
	assert_int_equal(e[0].last, 4);
	assert_string_equal(e[1].id, "e2");
	assert_string_equal(e[1].since, "d3");
	assert_int_equal(e[1].nights, 2);
	fingerprint_epoch_next(e, n, id, sizeof(id));
	assert_string_equal(id, "e8");
	fingerprint_epoch_next(e, 1, id, sizeof(id));
	assert_string_equal(id, "e2");
	fingerprint_epoch_next(NULL, 0, id, sizeof(id)); /* e1 is the baseline's */
	assert_string_equal(id, "e2");
	free(e);
	json_decref(recs);
}

/* The normal forms of the detection setting "normalize". */
static void test_normalize(void **state)
{
	static const struct {
		enum fp_norm m;
		const char *in, *want;
	} cases[] = {
		{ FP_NORM_NONE, " It\n", " It\n" },
		{ FP_NORM_TRIM, " It\n", "It" },
		{ FP_NORM_TRIM, "\t It  is \r\n", "It  is" },
		{ FP_NORM_SPACE, "\t It  is \r\n", "It is" },
		{ FP_NORM_SPACE, "a\n\nb\tc", "a b c" },
		{ FP_NORM_SPACE, " \n ", "" },
		{ FP_NORM_LOWER, " It  IS\n", "it is" },
		{ FP_NORM_LOWER, "\xc3\x89t\xc3\xa9", "\xc3\x89t\xc3\xa9" }, /* ASCII only */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = fingerprint_normalize(cases[i].in, cases[i].m);

		assert_string_equal(got, cases[i].want);
		free(got);
	}
	assert_string_equal(fingerprint_norm_names[FP_NORM_SPACE], "whitespace");
	/* the sketch hashes answers as given: " It" and "It" differ */
	assert_true(fingerprint_answer_hash(" It") != fingerprint_answer_hash("It"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hard),
		cmocka_unit_test(test_hard_diff),
		cmocka_unit_test(test_answer_hash_pinned),
		cmocka_unit_test(test_sketch),
		cmocka_unit_test(test_acc),
		cmocka_unit_test(test_epochs),
		cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
