/* test_journal.c: append, torn lines, resume index, last-record-wins reading, samplesets. */
#include "testutil.h"
#include "journal.h"
#include "sampleset.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void answer(struct probe_answer *a, enum probe_fault f, const char *text)
{
	probe_answer_init(a);
	a->fault = f;
	a->text = text ? xstrdup(text) : NULL;
	a->model = xstrdup("m-2025");
	a->prompt_tokens = 12;
	a->latency_ms = 41.6;
	a->headers = xcalloc(1, sizeof(*a->headers));
	a->headers[0].name = xstrdup("openai-version");
	a->headers[0].value = xstrdup("2020-10-01");
	a->n_headers = 1;
}

static void append(struct journal *j, const char *prompt, int sample, enum probe_fault f,
		   const char *text)
{
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer a;
	struct journal_rec r = { "v", "s", prompt, sample, 1, &a };

	answer(&a, f, text);
	assert_int_equal(journal_append(j, &r, &err), 0);
	probe_answer_release(&a);
}

static void test_roundtrip_and_resume(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir();
	struct sbuf path;
	struct journal *j;
	struct sampleset **sets;
	size_t n;

	(void)state;
	sbuf_init(&path);
	sbuf_addf(&path, "%s/j/run.jsonl", dir);
	j = journal_open(path.buf, "run1", "hash1", "nightly", 0, &err);
	assert_non_null(j);
	append(j, "p1", 0, PROBE_OK, "Paris");
	append(j, "p1", 1, PROBE_FAULT_RATE_LIMIT, NULL);
	append(j, "p2", 0, PROBE_FAULT_AUTH, NULL);
	append(j, "p1", 2, PROBE_OK, "paris");
	append(j, "p3", 0, PROBE_FAULT_REQUEST, NULL);
	{
		struct probe_answer a;
		struct journal_rec r = { "v", "s", "p3", 1, 0, &a }; /* attempts 0: never sent */

		answer(&a, PROBE_FAULT_REQUEST, NULL);
		assert_int_equal(journal_append(j, &r, &err), 0);
		probe_answer_release(&a);
	}
	journal_close(j);

	/* A different plan cannot resume this journal. */
	assert_null(journal_open(path.buf, "run2", "other", "nightly", 1, &err));
	assert_non_null(strstr(err.msg, "different plan"));
	pl_err_init(&err);

	j = journal_open(path.buf, "run2", "hash1", "nightly", 1, &err);
	assert_non_null(j);
	assert_true(journal_done(j, "v", "s", "p1", 0));
	assert_false(journal_done(j, "v", "s", "p1", 1)); /* retryable fault: send again */
	assert_false(journal_done(j, "v", "s", "p2", 0)); /* our key: it may be mended */
	assert_true(journal_done(j, "v", "s", "p1", 2));
	assert_true(journal_done(j, "v", "s", "p3", 0));  /* final fault: the vendor's answer */
	assert_false(journal_done(j, "v", "s", "p3", 1)); /* never sent */
	append(j, "p1", 1, PROBE_OK, "Paris.");
	journal_close(j);

	/* A torn last line (a crash mid-write) is ignored. */
	{
		FILE *f = fopen(path.buf, "a");

		fputs("{\"vendor\":\"v\",\"suite\":\"s\",\"prom", f);
		fclose(f);
	}
	assert_int_equal(sampleset_from_journal(path.buf, &sets, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(sets[0]->vendor, "v");
	{
		const struct prompt_samples *p1 = sampleset_find(sets[0], "p1");
		const struct prompt_samples *p2 = sampleset_find(sets[0], "p2");

		assert_non_null(p1);
		assert_int_equal(p1->n, 3); /* the rate-limited record was superseded */
		assert_int_equal(p1->faults, 0);
		assert_string_equal(p1->samples[0].text, "Paris");
		assert_string_equal(p1->samples[1].text, "Paris.");
		assert_string_equal(p1->samples[2].text, "paris");
		assert_string_equal(p1->samples[1].model, "m-2025");
		assert_true(p1->samples[1].latency_ms == 42);
		assert_string_equal(json_string_value(json_object_get(p1->samples[0].headers, "open"
											      "ai-"
											      "vers"
											      "io"
											      "n")),
				    "2020-10-01");
		assert_non_null(p2);
		assert_int_equal(p2->n, 0);
		assert_int_equal(p2->faults, 1);
		assert_string_equal(p2->fault_kinds, "auth");
	}
	sampleset_free(sets[0]);
	free(sets);
	sbuf_release(&path);
	tu_rmrf(dir);
	free(dir);
}

/* A run killed while creating its journal left an empty file (found by the SIGKILL trials):
 * resuming starts afresh instead of failing on an "empty journal". */
static void test_resume_empty_journal(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "j.jsonl", "");
	struct journal *j;

	(void)state;
	j = journal_open(path, "run", "h", "nightly", 1, &err);
	assert_non_null(j);
	assert_false(journal_done(j, "v", "s", "p", 0));
	append(j, "p", 0, PROBE_OK, "x");
	journal_close(j);
	j = journal_open(path, "run", "h", "nightly", 1, &err);
	assert_non_null(j);
	assert_true(journal_done(j, "v", "s", "p", 0));
	journal_close(j);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

static int count_rec(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	(void)r;
	(void)err;
	(*(int *)ctx)++;
	return 0;
}

/* A nightly journal names its night in the header (the next run reports a killed night by
 * it); a journal without a night (baseline recordings, older journals) has none. */
static void test_header_names_night(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir();
	struct sbuf path;
	struct journal *j;
	json_t *hdr = NULL;
	int n = 0;

	(void)state;
	sbuf_init(&path);
	sbuf_addf(&path, "%s/n.jsonl", dir);
	j = journal_open_night(path.buf, "run", "h", "nightly", "2026-01-02", 0, &err);
	assert_non_null(j);
	append(j, "p", 0, PROBE_OK, "x");
	journal_close(j);
	assert_int_equal(journal_read(path.buf, count_rec, &n, &hdr, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(json_string_value(json_object_get(hdr, "night")), "2026-01-02");
	json_decref(hdr);
	j = journal_open(path.buf, "run", "h", "baseline", 0, &err);
	assert_non_null(j);
	journal_close(j);
	assert_int_equal(journal_read(path.buf, count_rec, &n, &hdr, &err), 0);
	assert_null(json_object_get(hdr, "night"));
	json_decref(hdr);
	sbuf_release(&path);
	tu_rmrf(dir);
	free(dir);
}

static void test_corrupt_line_is_an_error(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "j.jsonl", "{\"journal\":1,\"plan\":\"h\"}\nnot json\n{}\n");
	struct sampleset **sets;
	size_t n;

	(void)state;
	assert_int_equal(sampleset_from_journal(path, &sets, &n, &err), -1);
	assert_non_null(strstr(err.where, "j.jsonl:2"));
	free(path);
	tu_rmrf(dir);
	free(dir);
}

/* Journals and baselines are files on disk: a hostile one must not overflow either. Counts
 * come back clamped to 0..PROBE_COUNT_MAX (negative: unknown), durations to 0..PROBE_MS_MAX;
 * 1e308 as a long was undefined (UBSan: float-cast-overflow) and came out negative. */
static void test_hostile_numbers_clamped(void **state)
{
	static const char *const values[] = {
		"9223372036854775807", "1e308", "-5", "-1e308", "1.5", "0"
	};
	static const long want_count[] = { PROBE_COUNT_MAX, PROBE_COUNT_MAX, -1, -1, 1, 0 };
	static const double want_ms[] = { PROBE_MS_MAX, PROBE_MS_MAX, -1, -1, 1, 0 };
	struct pl_err err = PL_ERR_INIT;
	char buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct probe_answer a;
		struct sample sm;
		json_t *o;
		const char *v = values[i];

		snprintf(buf, sizeof(buf),
			 "{\"fault\":\"ok\",\"text\":\"x\",\"prompt_tokens\":%s,"
			 "\"completion_tokens\":%s,\"total_tokens\":%s,\"latency_ms\":%s,"
			 "\"ttft_ms\":%s,\"retry_after_ms\":%s}",
			 v, v, v, v, v, v);
		o = json_loads(buf, 0, NULL);
		assert_non_null(o);
		assert_int_equal(journal_answer_from_json(o, &a, &err), 0);
		assert_int_equal(a.prompt_tokens, want_count[i]);
		assert_int_equal(a.completion_tokens, want_count[i]);
		assert_int_equal(a.total_tokens, want_count[i]);
		assert_true(a.latency_ms == want_ms[i]);
		assert_true(a.ttft_ms == want_ms[i]);
		assert_int_equal(a.retry_after_ms, (long)want_ms[i]);
		probe_answer_release(&a);
		assert_int_equal(sample_from_json(o, &sm, &err), 0);
		assert_int_equal(sm.prompt_tokens, want_count[i]);
		assert_int_equal(sm.completion_tokens, want_count[i]);
		assert_true(sm.latency_ms == want_ms[i]);
		assert_true(sm.ttft_ms == want_ms[i]);
		sample_release(&sm);
		json_decref(o);
	}
	/* the helpers themselves: NULL, non-numbers, non-finite doubles */
	assert_int_equal(probe_count_of(NULL), -1);
	assert_true(probe_ms_clamp(NAN) == -1);
	assert_true(probe_ms_clamp(INFINITY) == PROBE_MS_MAX);
	assert_true(probe_ms_clamp(-INFINITY) == -1);
	assert_int_equal(probe_ms_long(1e308), (long)PROBE_MS_MAX);
}

/* Tool calls go to the journal with the answer and come back into the samples; a record
 * written before calls were kept (no "tool_calls") still reads, with none. */
static void test_tool_calls_roundtrip(void **state)
{
	struct probe_answer a, b;
	struct sample sm;
	struct pl_err err = PL_ERR_INIT;
	json_t *o, *args = json_pack("{s:s, s:i}", "city", "Paris", "days", 3), *old;
	char *text;

	(void)state;
	answer(&a, PROBE_OK, "");
	probe_answer_add_call(&a, "get_weather", args);
	o = journal_answer_to_json(&a);
	assert_int_equal(journal_answer_from_json(o, &b, &err), 0);
	assert_true(json_equal(a.tool_calls, b.tool_calls));
	{
		struct prompt_samples ps;

		memset(&ps, 0, sizeof(ps));
		sampleset_add_answer(&ps, 0, &b);
		assert_true(json_equal(ps.samples[0].tool_calls, a.tool_calls));
		text = sample_answer_text(&ps.samples[0]);
		assert_string_equal(text,
				    "\n[tool_call] get_weather {\"city\":\"Paris\",\"days\":3}");
		free(text);
		json_decref(o);
		o = sample_to_json(&ps.samples[0]);
		assert_int_equal(sample_from_json(o, &sm, &err), 0);
		assert_true(json_equal(sm.tool_calls, a.tool_calls));
		sample_release(&sm);
		prompt_samples_release(&ps);
	}
	probe_answer_release(&b);
	old = json_pack("{s:s, s:s}", "fault", "ok", "text", "Paris.");
	assert_int_equal(journal_answer_from_json(old, &b, &err), 0);
	assert_null(b.tool_calls);
	probe_answer_release(&b);
	assert_int_equal(sample_from_json(old, &sm, &err), 0);
	assert_null(sm.tool_calls);
	text = sample_answer_text(&sm);
	assert_string_equal(text, "Paris.");
	free(text);
	sample_release(&sm);
	json_decref(old);
	json_decref(o);
	json_decref(args);
	probe_answer_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_resume),
		cmocka_unit_test(test_resume_empty_journal),
		cmocka_unit_test(test_header_names_night),
		cmocka_unit_test(test_corrupt_line_is_an_error),
		cmocka_unit_test(test_hostile_numbers_clamped),
		cmocka_unit_test(test_tool_calls_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
