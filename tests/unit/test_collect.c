/* test_collect.c: answers handed over prompt by prompt, in suite order, exactly once. */
#include "testutil.h"
#include "collect.h"
#include "probe.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

/* Two vendors x one suite x three prompts; prompt i has i + 1 samples. */
struct fx {
	struct vendor v[2];
	const struct vendor *vp[2];
	struct prompt pr[3];
	struct suite suite;
	const struct suite *suites[1];
	struct plan_group g[6];
	struct plan plan;
	/* what the callback saw */
	char seen[16][32];
	size_t seen_n[16], seen_faults[16], seen_retries[16], n_seen;
	int sorted;
	int fail_at; /* callback fails on this call (1-based); 0 never */
};

static void fx_init(struct fx *f)
{
	static const char *const ids[] = { "a", "b", "c" };
	size_t k, i, g = 0, n = 0;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < 2; k++) {
		f->v[k].id = k ? "v2" : "v1";
		f->vp[k] = &f->v[k];
	}
	for (i = 0; i < 3; i++) {
		f->pr[i].id = (char *)ids[i];
		f->pr[i].samples = (int)i + 1;
	}
	f->suite.id = (char *)"s";
	f->suite.prompts = f->pr;
	f->suite.n_prompts = 3;
	f->suites[0] = &f->suite;
	for (k = 0; k < 2; k++)
		for (i = 0; i < 3; i++, g++) {
			f->g[g].vendor = f->vp[k];
			f->g[g].suite = &f->suite;
			f->g[g].prompt = &f->pr[i];
			f->g[g].first = n;
			f->g[g].n = (int)i + 1;
			n += i + 1;
		}
	f->plan.groups = f->g;
	f->plan.n_groups = g;
	f->plan.n_items = n;
	f->plan.vendors = f->vp;
	f->plan.n_vendors = 2;
	f->plan.suites = f->suites;
	f->plan.n_suites = 1;
	f->sorted = 1;
}

static int on_prompt(void *ctx, const struct plan_group *g, struct prompt_samples *ps,
		     struct pl_err *err)
{
	struct fx *f = ctx;
	size_t i;

	if (f->fail_at && (int)f->n_seen + 1 == f->fail_at) {
		prompt_samples_release(ps);
		return pl_err_set(err, PL_E_IO, "x", "disk full");
	}
	assert_true(f->n_seen < 16);
	assert_string_equal(ps->prompt_id, g->prompt->id);
	snprintf(f->seen[f->n_seen], sizeof(f->seen[0]), "%s/%s", g->vendor->id, ps->prompt_id);
	f->seen_n[f->n_seen] = ps->n;
	f->seen_faults[f->n_seen] = ps->faults;
	f->seen_retries[f->n_seen] = ps->retries;
	for (i = 1; i < ps->n; i++)
		f->sorted &= ps->samples[i - 1].index < ps->samples[i].index;
	f->n_seen++;
	prompt_samples_release(ps);
	return 0;
}

/* item's final answer (a server fault when fault) after attempts HTTP requests */
static void final_after(struct collect *c, size_t item, int fault, int attempts)
{
	struct probe_answer a;

	probe_answer_init(&a);
	a.fault = fault ? PROBE_FAULT_SERVER : PROBE_OK;
	a.text = xstrdup("answer");
	collect_on_final(c, item, attempts, &a);
	probe_answer_release(&a);
	collect_idle(c);
}

static void final(struct collect *c, size_t item, int fault)
{
	final_after(c, item, fault, 1);
}

/* A resumed journal's record: vendor's prompt's answer to sample, after attempts. */
static void resumed(struct collect *c, const char *vendor, const char *prompt, int sample,
		    int attempts)
{
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer a;
	struct journal_rec r;

	probe_answer_init(&a);
	a.text = xstrdup("x");
	memset(&r, 0, sizeof(r));
	r.vendor = vendor;
	r.suite = "s";
	r.prompt = prompt;
	r.sample = sample;
	r.attempts = attempts;
	r.answer = &a;
	assert_int_equal(collect_record(c, &r, &err), 0);
	probe_answer_release(&a);
}

/* Items: v1 a(0) b(1,2) c(3,4,5); v2 a(6) b(7,8) c(9,10,11). */
static void test_order_and_completion(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fx f;
	struct collect *c;

	(void)state;
	fx_init(&f);
	c = collect_new(&f.plan, on_prompt, &f);
	/* v1's c completes first: held until a and b are in */
	final(c, 5, 0);
	final(c, 3, 0);
	final(c, 4, 1);
	assert_int_equal(f.n_seen, 0);
	/* v2's a completes: handed over at once, vendors do not wait for each other */
	final(c, 6, 0);
	assert_int_equal(f.n_seen, 1);
	assert_string_equal(f.seen[0], "v2/a");
	final(c, 2, 0);
	final(c, 0, 0);
	assert_int_equal(f.n_seen, 2); /* v1/a; b still lacks sample 0 */
	assert_string_equal(f.seen[1], "v1/a");
	{
		struct probe_answer a;
		size_t before = f.n_seen;

		/* the runner takes note; prompts are handed over when it is idle */
		probe_answer_init(&a);
		a.text = xstrdup("late");
		collect_on_final(c, 1, 1, &a);
		probe_answer_release(&a);
		assert_int_equal(f.n_seen, before);
		collect_idle(c);
	}
	final(c, 1, 0); /* a duplicate final record changes nothing */
	assert_int_equal(f.n_seen, 4);
	assert_string_equal(f.seen[2], "v1/b");
	assert_int_equal(f.seen_n[2], 2);
	assert_string_equal(f.seen[3], "v1/c");
	assert_int_equal(f.seen_n[3], 2); /* one of three was a fault */
	assert_int_equal(f.seen_faults[3], 1);
	assert_true(f.sorted);
	/* v2's b gets one answer, c none (budget stop): finish hands both over, in order */
	final(c, 8, 0);
	assert_int_equal(collect_finish(c, &err), 0);
	assert_int_equal(f.n_seen, 6);
	assert_string_equal(f.seen[4], "v2/b");
	assert_int_equal(f.seen_n[4], 1);
	assert_string_equal(f.seen[5], "v2/c");
	assert_int_equal(f.seen_n[5], 0);
	/* nothing after the end */
	final(c, 9, 0);
	assert_int_equal(collect_finish(c, &err), 0);
	assert_int_equal(f.n_seen, 6);
	collect_free(c);
}

/* A resumed journal's records are found by id, in any order; unknown ones are ignored. */
static void test_resumed_records(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fx f;
	struct collect *c;
	static const struct {
		const char *vendor, *prompt;
		int sample;
	} recs[] = { { "v2", "c", 2 }, { "v1", "a", 0 }, { "v1", "zz", 0 },
		     { "v9", "a", 0 }, { "v1", "b", 5 }, { "v1", "b", 1 } };
	size_t i;

	(void)state;
	fx_init(&f);
	c = collect_new(&f.plan, on_prompt, &f);
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		resumed(c, recs[i].vendor, recs[i].prompt, recs[i].sample, 1);
	collect_idle(c);
	assert_int_equal(f.n_seen, 1); /* v1/a */
	final(c, 1, 0);		       /* the rest of v1/b arrives from the runner */
	assert_int_equal(f.n_seen, 2);
	assert_string_equal(f.seen[1], "v1/b");
	assert_int_equal(collect_finish(c, &err), 0);
	assert_int_equal(f.n_seen, 6);
	assert_int_equal(f.seen_n[5], 1); /* v2/c: its resumed sample 2 */
	collect_free(c);
}

/* A prompt's retries are its requests' HTTP requests after their first, answered or not, from
 * the runner and from a resumed journal alike: a vendor's retries counted per suite (the
 * metrics' plumbline_request_retries, the report's counts.retries), not the vendor's total on
 * every suite's row. */
static void test_retries(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fx f;
	struct collect *c;

	(void)state;
	fx_init(&f);
	c = collect_new(&f.plan, on_prompt, &f);
	final_after(c, 0, 0, 3);     /* v1/a: answered on its third attempt */
	final_after(c, 1, 1, 5);     /* v1/b: failed after four retries ... */
	resumed(c, "v1", "b", 1, 2); /* ... and one from the journal */
	collect_idle(c);
	final_after(c, 6, 1, 0); /* v2/a: given up unsent */
	assert_int_equal(f.n_seen, 3);
	assert_string_equal(f.seen[0], "v1/a");
	assert_int_equal(f.seen_retries[0], 2);
	assert_string_equal(f.seen[1], "v1/b");
	assert_int_equal(f.seen_retries[1], 5);
	assert_string_equal(f.seen[2], "v2/a");
	assert_int_equal(f.seen_retries[2], 0);
	assert_int_equal(collect_finish(c, &err), 0);
	collect_free(c);
}

/* The first error of the callback stops the handing over and is returned at the end; what is
 * still pending is freed (ASan checks). */
static void test_callback_error(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fx f;
	struct collect *c;

	(void)state;
	fx_init(&f);
	f.fail_at = 2;
	c = collect_new(&f.plan, on_prompt, &f);
	final(c, 0, 0);
	final(c, 1, 0);
	final(c, 2, 0);
	final(c, 3, 0);
	final(c, 4, 0);
	final(c, 5, 0);
	assert_int_equal(f.n_seen, 1);
	final(c, 7, 0);
	assert_int_equal(collect_finish(c, &err), -1);
	assert_string_equal(err.msg, "disk full");
	assert_int_equal(f.n_seen, 1);
	collect_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_completion),
		cmocka_unit_test(test_resumed_records),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_retries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
