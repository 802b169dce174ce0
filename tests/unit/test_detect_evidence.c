/* test_detect_evidence.c: the combination of per-prompt evidence (detect_evidence_combine):
 * Benjamini-Hochberg over every signal of every prompt as one family, a prompt moved only
 * when its q clears its level and its effect clears its margin; a return's evidence added
 * up over nights (detect_cusum_back); and the nights a state's window holds after a return
 * (detect_window). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect.h"
#include "detect_int.h"
#include "err.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_bh_family(void **state)
{
	/* five prompts, the second with two signals: one family of six p-values */
	static const double ps[] = { 0.001, 0.004, 0.3, 0.02, 0.5, 0.9 };
	struct slot w[5];
	double q[6];
	size_t moved;

	(void)state;
	memset(w, 0, sizeof(w));
	detect_evidence_add(&w[0], "distance", ps[0], 0.5, 0.2, 0);
	detect_evidence_add(&w[1], "distance", ps[1], 0.5, 0.2, 0);
	detect_evidence_add(&w[1], "refusal", ps[2], 0.5, 0.2, 0);
	detect_evidence_add(&w[2], "distance", ps[3], 0.5, 0.2, 0);
	detect_evidence_add(&w[3], "distance", ps[4], 0.5, 0.2, 0);
	detect_evidence_add(&w[4], "distance", ps[5], 0.5, 0.2, 0);
	moved = detect_evidence_combine(w, 5, 0.02, 0.001, 1);
	stats_bh(ps, 6, q);
	assert_true(fabs(w[0].ev[0].q - q[0]) < 1e-12);
	assert_true(fabs(w[1].ev[0].q - q[1]) < 1e-12);
	assert_true(fabs(w[1].ev[1].q - q[2]) < 1e-12);
	assert_true(fabs(w[2].ev[0].q - q[3]) < 1e-12);
	/* q = 0.006 and 0.012 are at most 0.02; the third smallest p (0.02) gets q 0.04 */
	assert_true(w[0].ev[0].over);
	assert_true(w[1].ev[0].over);
	assert_false(w[1].ev[1].over);
	assert_false(w[2].ev[0].over);
	assert_int_equal(moved, 2);
}

static void test_margin_and_level(void **state)
{
	struct slot w[3];

	(void)state;
	memset(w, 0, sizeof(w));
	/* significant, but the effect is within the prompt's margin: not moved */
	detect_evidence_add(&w[0], "distance", 1e-6, 0.15, 0.2, 0);
	/* cold start (level 1): judged at alpha, not prompt_alpha */
	detect_evidence_add(&w[1], "distance", 0.002, 0.9, 0.2, 1);
	detect_evidence_add(&w[2], "distance", 1e-6, 0.5, 0.2, 0);
	assert_int_equal(detect_evidence_combine(w, 3, 0.02, 0.001, 1), 1);
	assert_false(w[0].ev[0].over);
	assert_true(w[0].ev[0].q <= 0.02);
	assert_false(w[1].ev[0].over); /* q 0.002 > alpha 0.001 */
	assert_true(w[1].ev[0].q <= 0.02);
	assert_true(w[2].ev[0].over);
	/* nothing to combine */
	memset(w, 0, sizeof(w));
	assert_int_equal(detect_evidence_combine(w, 3, 0.02, 0.001, 1), 0);
}

/* Two prompts at p 0.005 among 25: BH names neither (q 0.0625), but two such prompts at once
 * happen by chance with probability P(Bin(25, 0.005) >= 2) = 0.0069 (Wilkinson): with r = 2
 * both are over; one alone is not. */
static void test_wilkinson_pair(void **state)
{
	struct slot w[25];
	size_t i;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < 25; i++)
		detect_evidence_add(&w[i], "distance", i < 2 ? 0.005 : 0.5, i < 2 ? 0.4 : 0, 0.3,
				    0);
	assert_int_equal(detect_evidence_combine(w, 25, 0.02, 0.001, 1), 0);
	assert_true(fabs(w[0].ev[0].q - 0.0625) < 1e-12);
	assert_int_equal(detect_evidence_combine(w, 25, 0.02, 0.001, 2), 2);
	assert_true(w[0].ev[0].over && w[1].ev[0].over && !w[2].ev[0].over);
	/* three at r = 3 need P(Bin(25, 0.005) >= 3): still smaller */
	assert_int_equal(detect_evidence_combine(w, 25, 0.02, 0.001, 3), 0); /* third is 0.5 */
	/* one alone: the second smallest is 0.5 */
	w[1].ev[0].p = 0.5;
	assert_int_equal(detect_evidence_combine(w, 25, 0.02, 0.001, 2), 0);
	/* a prompt within its margin is not over, however small its p */
	w[1].ev[0].p = 0.005;
	w[1].ev[0].effect = 0.2;
	assert_int_equal(detect_evidence_combine(w, 25, 0.02, 0.001, 2), 1);
}

static void test_evidence_capacity(void **state)
{
	struct slot w;
	size_t i;

	(void)state;
	memset(&w, 0, sizeof(w));
	for (i = 0; i < DETECT_MAX_EVIDENCE + 3; i++)
		detect_evidence_add(&w, "distance", 0.5, 0, 1, 0);
	assert_int_equal(w.n_ev, DETECT_MAX_EVIDENCE);
}

/* Page's CUSUM at h = log DETECT_RETURN_ARL, each night adding h / 2 at most. */
static void test_cusum_back(void **state)
{
	const double h = log(DETECT_RETURN_ARL);
	/* two nights at the cap reach h */
	const double two[] = { -20, -15, h / 2, h / 2 };
	/* one night, however strong, does not */
	const double one[] = { -20, -15, -12, 50 };
	/* weak nights add up; the sum restarts at 0 after a night against */
	const double weak[] = { 1.5, 1.5, -9, 1.5, 1.5, 1.5, 0.2 };
	const double weak_short[] = { 1.5, 1.5, -9, 1.5, 1.5, 1.5 };
	/* tonight must favour the state before, whatever the nights before said */
	const double against[] = { 3, 3, 3, -0.1 };

	(void)state;
	assert_true(detect_cusum_back(two, 4));
	assert_false(detect_cusum_back(two, 3));
	assert_false(detect_cusum_back(one, 4));
	assert_true(detect_cusum_back(weak, 7));
	assert_false(detect_cusum_back(weak_short, 6));
	assert_false(detect_cusum_back(against, 4));
	assert_false(detect_cusum_back(NULL, 0));
}

/* A history of nights from a compact script: one letter a night, its epoch ("1": e1, "2":
 * e2), then the stage ("s" suspected, "c" confirmed, "r" a return, "." none). */
static json_t *script_nights(const char *const *nights, size_t n)
{
	json_t *recs = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *r = json_pack("{s:s#,s:f}", "epoch", nights[i], (int)2, "stat", 0.1);

		if (nights[i][2] == 's')
			json_object_set_new(r, "stage", json_string("suspected"));
		if (nights[i][2] == 'c')
			json_object_set_new(r, "stage", json_string("confirmed"));
		if (nights[i][2] == 'r')
			json_object_set_new(r, "returned", json_true());
		json_array_append_new(recs, r);
	}
	return recs;
}

/* Whether epoch's window over nights holds record i. */
static int window_holds(const struct detect_params *p, const char *const *nights, size_t n,
			const char *epoch, size_t rec)
{
	json_t *recs = script_nights(nights, n);
	size_t m, i, *idx = detect_window(p, recs, epoch, &m);
	int held = 0;

	for (i = 0; i < m; i++)
		held |= idx[i] == rec;
	free(idx);
	json_decref(recs);
	return held;
}

/* A return to an older state from a young confirmed change (fewer than min_history nights,
 * its return judged on one night alone) is on trial until it has held min_history (7)
 * nights: its nights stay out of that state's window while seven remain without them (a
 * change taken for a return would lend the state its answers). */
static void test_window_return_on_trial(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_params *p = detect_params_new(NULL, NULL, NULL, NULL, &err);
	/* twelve nights of e1, a change confirmed, back at e1 for three nights */
	const char *const back3[] = { "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.",
				      "e1.", "e1.", "e1.", "e2s", "e2c", "e1r", "e1.", "e1." };
	/* the same return held seven nights: the state's own again */
	const char *const back7[] = { "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.",
				      "e1.", "e1.", "e1.", "e1.", "e2s", "e2c", "e1r", "e1.",
				      "e1.", "e1.", "e1.", "e1.", "e1.", "e1." };
	/* a one-night suspicion retracted: no change to go back from */
	const char *const retracted[] = { "e1.", "e1.", "e1.", "e1.", "e1.", "e1.",
					  "e1.", "e1.", "e1.", "e1.", "e1.", "e1.",
					  "e2s", "e1r", "e1.", "e1.", "e1." };
	/* a return the endpoint left again, then another: both on trial */
	const char *const twice[] = { "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.",
				      "e1.", "e1.", "e1.", "e1.", "e2s", "e2c", "e1r", "e1.",
				      "e2r", "e2.", "e1r", "e1.", "e1.", "e1." };
	/* a return from a change confirmed seven nights before: judged on its nights' evidence
	 * added up, not on one night, and no trial */
	const char *const mature[] = { "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.", "e1.",
				       "e1.", "e1.", "e1.", "e1.", "e2s", "e2c", "e2.", "e2.",
				       "e2.", "e2.", "e2.", "e1r", "e1.", "e1." };
	/* three nights of e1 before the change: too few without the return's */
	const char *const young[] = { "e1.", "e1.", "e1.", "e2s", "e2c", "e1r", "e1.", "e1." };

	(void)state;
	assert_non_null(p);
	assert_true(window_holds(p, back3, ARRAY_SIZE(back3), "e1", 9));
	assert_false(window_holds(p, back3, ARRAY_SIZE(back3), "e1", 14));
	assert_true(window_holds(p, back7, ARRAY_SIZE(back7), "e1", 14));
	assert_true(window_holds(p, back7, ARRAY_SIZE(back7), "e1", 18));
	assert_true(window_holds(p, retracted, ARRAY_SIZE(retracted), "e1", 13));
	assert_true(window_holds(p, retracted, ARRAY_SIZE(retracted), "e1", 14));
	assert_false(window_holds(p, twice, ARRAY_SIZE(twice), "e1", 15));
	assert_false(window_holds(p, twice, ARRAY_SIZE(twice), "e1", 19));
	assert_true(window_holds(p, twice, ARRAY_SIZE(twice), "e1", 9));
	assert_true(window_holds(p, young, ARRAY_SIZE(young), "e1", 5));
	assert_true(window_holds(p, mature, ARRAY_SIZE(mature), "e1", 19));
	detect_params_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bh_family),
		cmocka_unit_test(test_margin_and_level),
		cmocka_unit_test(test_wilkinson_pair),
		cmocka_unit_test(test_evidence_capacity),
		cmocka_unit_test(test_cusum_back),
		cmocka_unit_test(test_window_return_on_trial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
