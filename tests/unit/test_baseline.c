/* test_baseline.c: stable, reviewable baseline files and their validation. */
#include "testutil.h"
#include "baseline.h"
#include "probe.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

static struct sampleset *make_set(void)
{
	struct sampleset *s = sampleset_new("ven", "gpt-x/2025", "suite1");
	struct probe_answer a;
	const char *ids[] = { "zeta", "alpha" };
	int i, k;

	for (k = 0; k < 2; k++) {
		struct prompt_samples *ps = sampleset_prompt(s, ids[k]);

		for (i = 2; i >= 0; i--) {
			probe_answer_init(&a);
			a.text = xstrdup(i == 1 ? "b\n\"quoted\"" : "a");
			a.fingerprint = xstrdup("fp_1");
			a.prompt_tokens = 7;
			a.latency_ms = 10;
			sampleset_add_answer(ps, i, &a);
			probe_answer_release(&a);
		}
	}
	sampleset_sort(s);
	return s;
}

static void test_path_is_safe(void **state)
{
	char buf[256];

	(void)state;
	baseline_path(buf, sizeof(buf), "baselines", "ven", "org/model:8b", "s");
	assert_string_equal(buf, "baselines/ven/org_model:8b/s.json");
	baseline_path(buf, sizeof(buf), "b", "..", "..", "s");
	assert_string_equal(buf, "b/_../_../s.json");
}

static void test_roundtrip_sorted_and_deterministic(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *s = make_set(), *back;
	char *dir = tu_tmpdir(), *text, *again;
	struct sbuf path;

	(void)state;
	sbuf_init(&path);
	sbuf_addf(&path, "%s/b/x.json", dir);
	assert_int_equal(baseline_write(path.buf, s, "2026-01-01T00:00:00Z", &err), 0);
	text = tu_read(path.buf, NULL);
	/* Prompts sorted by id, keys sorted, pretty-printed. */
	assert_true(strstr(text, "\"alpha\"") < strstr(text, "\"zeta\""));
	assert_non_null(strstr(text, "\n  \"format\": \"plumbline-baseline/1\""));
	back = baseline_load(path.buf, &err);
	assert_non_null(back);
	assert_int_equal(back->n_prompts, 2);
	assert_string_equal(back->model, "gpt-x/2025");
	assert_int_equal(sampleset_find(back, "zeta")->n, 3);
	assert_string_equal(sampleset_find(back, "zeta")->samples[1].text, "b\n\"quoted\"");
	assert_string_equal(sampleset_find(back, "zeta")->samples[0].fingerprint, "fp_1");
	again = baseline_serialize(back, "2026-01-01T00:00:00Z");
	/* Same data, same bytes (the file adds a final newline). */
	assert_int_equal(strncmp(text, again, strlen(again)), 0);
	free(again);
	free(text);
	sampleset_free(back);
	sampleset_free(s);
	sbuf_release(&path);
	tu_rmrf(dir);
	free(dir);
}

static void test_bad_baselines(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"format\": \"x\", \"vendor\": \"v\", \"model\": \"m\", \"suite\": \"s\", "
		  "\"prompts\": []}",
		  "b.json:1:12: format: expected \"plumbline-baseline/1\"" },
		{ "{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": \"m\", "
		  "\"suite\": \"s\", \"prompts\": [{\"id\": \"p\", \"samples\": [{\"txt\": 1}]}]}",
		  "prompts[0].samples[0]: expected a sample object with \"text\"" },
		{ "{\"format\": \"plumbline-baseline/1\", \"extra\": 1}", "b.json:1:45: extra: "
									  "unknown key" },
	};
	char *dir = tu_tmpdir();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		char *path = tu_write(dir, "b.json", cases[i].text), msg[1600];

		assert_null(baseline_load(path, &err));
		pl_err_str(&err, msg, sizeof(msg));
		if (!strstr(msg, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, msg, cases[i].want);
		free(path);
	}
	{
		struct pl_err err = PL_ERR_INIT;

		assert_null(baseline_load("/nonexistent/b.json", &err));
		assert_non_null(strstr(err.msg, "baseline record"));
	}
	tu_rmrf(dir);
	free(dir);
}

/* Prompt by prompt: the same samples as a whole load, found by id, and errors located. */
static void test_reader(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *s = make_set(), *whole;
	struct baseline_reader *r;
	struct prompt_samples ps;
	char *dir = tu_tmpdir(), *path, msg[1600];
	struct sbuf p;
	size_t i, j;

	(void)state;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/x.json", dir);
	assert_int_equal(baseline_write(p.buf, s, "2026-01-01T00:00:00Z", &err), 0);
	whole = baseline_load(p.buf, &err);
	assert_non_null(whole);
	r = baseline_open(p.buf, &err);
	assert_non_null(r);
	assert_int_equal(baseline_count(r), 2);
	assert_int_equal(baseline_find(r, "zeta"), 1); /* the file is sorted by id */
	assert_int_equal(baseline_find(r, "alpha"), 0);
	assert_int_equal(baseline_find(r, "beta"), BASELINE_NONE);
	for (i = 2; i-- > 0;) {
		const struct prompt_samples *w = &whole->prompts[i];

		assert_int_equal(baseline_read_prompt(r, i, &ps, &err), 0);
		assert_string_equal(ps.prompt_id, baseline_prompt_id(r, i));
		assert_string_equal(ps.prompt_id, w->prompt_id);
		assert_int_equal(ps.n, w->n);
		for (j = 0; j < ps.n; j++) {
			assert_string_equal(ps.samples[j].text, w->samples[j].text);
			assert_int_equal(ps.samples[j].index, w->samples[j].index);
			assert_int_equal(ps.samples[j].prompt_tokens, w->samples[j].prompt_tokens);
		}
		prompt_samples_release(&ps);
	}
	baseline_close(r);

	/* a malformed sample is found when its prompt is read, with file, line and field */
	path = tu_write(dir, "bad.json",
			"{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
			"\"m\",\n \"suite\": \"s\", \"prompts\": [{\"id\": \"a\", \"samples\": "
			"[]},\n {\"id\": \"p\", \"samples\": [{\"txt\": 1}]}]}");
	r = baseline_open(path, &err);
	assert_non_null(r);
	assert_int_equal(baseline_read_prompt(r, 0, &ps, &err), 0);
	prompt_samples_release(&ps);
	assert_int_equal(baseline_read_prompt(r, 1, &ps, &err), -1);
	pl_err_str(&err, msg, sizeof(msg));
	if (!strstr(msg, "bad.json:3:") || !strstr(msg, "prompts[1].samples[0]"))
		fail_msg("got '%s'", msg);
	baseline_close(r);
	free(path);

	/* shape errors and duplicate ids are found when it is opened */
	pl_err_init(&err);
	path = tu_write(dir, "dup.json",
			"{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
			"\"m\", \"suite\": \"s\", \"prompts\": [{\"id\": \"a\", \"samples\": "
			"[]}, {\"id\": \"a\", \"samples\": []}]}");
	assert_null(baseline_open(path, &err));
	assert_non_null(strstr(err.msg, "duplicate prompt id"));
	free(path);
	pl_err_init(&err);
	path = tu_write(dir, "fmt.json", "{\"format\": \"x\", \"prompts\": []}");
	assert_null(baseline_open(path, &err));
	pl_err_str(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "fmt.json:1:12: format"));
	free(path);
	pl_err_init(&err);
	assert_null(baseline_open("/nonexistent/b.json", &err));
	assert_non_null(strstr(err.msg, "baseline record"));

	sampleset_free(s);
	sampleset_free(whole);
	sbuf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_is_safe),
		cmocka_unit_test(test_roundtrip_sorted_and_deterministic),
		cmocka_unit_test(test_bad_baselines),
		cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
