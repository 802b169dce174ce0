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

/* The index pass reads the file in 64 KB chunks: prompts straddle chunk boundaries, texts hold
 * every character that matters to a scanner, and a hand-formatted file (other key order, tabs,
 * CRLF, no spaces) reads the same. */
static void test_reader_streamed(void **state)
{
	static const char *const tricky[] = {
		"plain",
		"quote \" and backslash \\ and \\\" together",
		"braces } ] { [ , :",
		"unicode \xc3\xa9\xe2\x82\xac \xf0\x9f\x98\x80",
		"tab\tnew\nline\r",
		"",
	};
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *s = sampleset_new("v", "m", "s"), *back;
	struct baseline_reader *r;
	struct prompt_samples ps;
	char *dir = tu_tmpdir(), *path, id[32], big[700];
	struct sbuf p;
	size_t i, j;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 400; i++) {
		struct prompt_samples *pp;

		snprintf(id, sizeof(id), "p%03zu", i);
		pp = sampleset_prompt(s, id);
		for (j = 0; j < 3; j++) {
			struct probe_answer a;

			probe_answer_init(&a);
			a.text = xstrdup(j == 2 ? big + (i % 600) : tricky[(i + j) % 6]);
			a.latency_ms = (double)i;
			sampleset_add_answer(pp, (int)j, &a);
			probe_answer_release(&a);
		}
	}
	sbuf_init(&p);
	sbuf_addf(&p, "%s/big.json", dir);
	assert_int_equal(baseline_write(p.buf, s, "2026-01-01T00:00:00Z", &err), 0);
	{
		size_t len;
		char *text = tu_read(p.buf, &len);

		assert_true(len > 4 * 65536);
		free(text);
	}
	back = baseline_load(p.buf, &err);
	assert_non_null(back);
	assert_int_equal(back->n_prompts, 400);
	for (i = 0; i < 400; i++) {
		const struct prompt_samples *a = sampleset_find(s, back->prompts[i].prompt_id);

		assert_non_null(a);
		assert_int_equal(back->prompts[i].n, 3);
		for (j = 0; j < 3; j++)
			assert_string_equal(back->prompts[i].samples[j].text, a->samples[j].text);
	}
	sampleset_free(back);

	path = tu_write(dir, "hand.json",
			"\r\n{\"prompts\":[{\"samples\":[{\"text\":\"a\"},{\"text\":\"b\"}],"
			"\"id\":\"z\"},\r\n\t{ \"id\" : \"y\" , \"samples\" : [ ] , \"faults\" :"
			" 2 }\t],\"recorded_at\":\"x\",\"suite\":\"s\",\"model\":\"m\","
			"\"vendor\":\"v\",\"format\":\"plumbline-baseline/1\"}\r\n");
	r = baseline_open(path, &err);
	assert_non_null(r);
	assert_int_equal(baseline_count(r), 2);
	assert_int_equal(baseline_find(r, "y"), 1);
	assert_int_equal(baseline_read_prompt(r, 0, &ps, &err), 0);
	assert_string_equal(ps.prompt_id, "z");
	assert_int_equal(ps.n, 2);
	assert_string_equal(ps.samples[1].text, "b");
	prompt_samples_release(&ps);
	assert_int_equal(baseline_read_prompt(r, 1, &ps, &err), 0);
	assert_int_equal(ps.faults, 2);
	prompt_samples_release(&ps);
	baseline_close(r);
	free(path);

	/* broken files get the located error of the whole-text pass */
	{
		static const struct {
			const char *text, *want;
		} bad[] = {
			{ "{\"format\": \"plumbline-baseline/1\", \"prompts\": [{\"id\": \"a\"",
			  "bad.json:1:" },
			{ "{\"format\": \"plumbline-baseline/1\"} trailing", "bad.json:1:" },
			{ "[1, 2]", "bad.json:1:1" },
			{ "{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
			  "\"m\", "
			  "\"suite\": \"s\", \"prompts\": [], \"prompts\": []}",
			  "duplicate key" },
			{ "{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
			  "\"m\", "
			  "\"suite\": \"s\", \"prompts\": 5}",
			  "expected an array of prompts" },
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char msg[1600];

			pl_err_init(&err);
			path = tu_write(dir, "bad.json", bad[i].text);
			assert_null(baseline_open(path, &err));
			pl_err_str(&err, msg, sizeof(msg));
			if (!strstr(msg, bad[i].want))
				fail_msg("case %zu: got '%s', want '%s'", i, msg, bad[i].want);
			free(path);
		}
	}
	sampleset_free(s);
	sbuf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

/* A prompt group of n answers with text t (sample i: index i). */
static void fill(struct prompt_samples *ps, int n, const char *t)
{
	struct probe_answer a;
	int i;

	for (i = 0; i < n; i++) {
		probe_answer_init(&a);
		a.text = xstrdup(t);
		a.prompt_tokens = 11;
		sampleset_add_answer(ps, i, &a);
		probe_answer_release(&a);
	}
}

/* The bytes of the element of "prompts" whose id is id, in a file baseline_serialize wrote
 * (keys sorted: "id" opens an element without faults). */
static void element(const char *text, const char *id, size_t *start, size_t *end)
{
	char open[64];
	const char *b, *e;

	snprintf(open, sizeof(open), "{\n      \"id\": \"%s\"", id);
	b = strstr(text, open);
	assert_non_null(b);
	e = strstr(b, "\n    }");
	assert_non_null(e);
	*start = (size_t)(b - text);
	*end = (size_t)(e - text) + 6;
}

/* baseline record --prompt: the prompts given are replaced or added (sorted in, with their
 * request hash and when they were recorded); every other byte of the file stays. */
static void test_update_keeps_the_rest(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sampleset *s = sampleset_new("ven", "m1", "suite1"), *add, *back;
	struct baseline_reader *r;
	char *dir = tu_tmpdir(), *before, *after, *bad;
	const char *ids[] = { "alpha", "mid", "zeta" };
	size_t as, ae, zs, ze, ms, me, i;
	struct sbuf p;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct prompt_samples *ps = sampleset_prompt(s, ids[i]);

		fill(ps, 2, "old");
		memset(ps->request_sha256, 'a' + (int)i, 64);
	}
	sbuf_init(&p);
	sbuf_addf(&p, "%s/b.json", dir);
	assert_int_equal(baseline_write(p.buf, s, "2026-01-01T00:00:00Z", &err), 0);
	before = tu_read(p.buf, NULL);

	add = sampleset_new("ven", "m1", "suite1");
	fill(sampleset_prompt(add, "mid"), 3, "new answer");
	memset(sampleset_prompt(add, "mid")->request_sha256, 'f', 64);
	fill(sampleset_prompt(add, "beta"), 1, "added");
	assert_int_equal(baseline_update(p.buf, add, "2026-02-02T00:00:00Z", &err), 0);
	after = tu_read(p.buf, NULL);

	/* alpha, zeta and the header are the same bytes; mid is new; beta sorts in after alpha */
	element(before, "alpha", &as, &ae);
	element(before, "zeta", &zs, &ze);
	assert_int_equal(strncmp(after, before, ae), 0);
	assert_string_equal(after + strlen(after) - (strlen(before) - zs), before + zs);
	element(after, "beta", &ms, &me);
	assert_true(ms > ae);
	element(after, "mid", &ms, &me);
	assert_non_null(strstr(after + ms, "\"recorded_at\": \"2026-02-02T00:00:00Z\""));
	assert_true(strstr(after + ms, "new answer") < after + me);

	/* it reads back: four prompts, mid's new hash and answers, the others' hashes kept */
	r = baseline_open(p.buf, &err);
	assert_non_null(r);
	assert_int_equal(baseline_count(r), 4);
	assert_int_equal(baseline_find(r, "beta"), 1);
	assert_null(baseline_prompt_request(r, baseline_find(r, "beta")));
	assert_int_equal(baseline_prompt_request(r, baseline_find(r, "mid"))[0], 'f');
	assert_int_equal(baseline_prompt_request(r, baseline_find(r, "zeta"))[0], 'c');
	baseline_close(r);
	back = baseline_load(p.buf, &err);
	assert_non_null(back);
	assert_int_equal(sampleset_find(back, "mid")->n, 3);
	assert_string_equal(sampleset_find(back, "mid")->samples[0].text, "new answer");
	assert_int_equal(sampleset_find(back, "mid")->request_sha256[0], 'f');
	sampleset_free(back);

	/* no baseline there: nothing to add to */
	sbuf_reset(&p);
	sbuf_addf(&p, "%s/none.json", dir);
	assert_int_equal(baseline_update(p.buf, add, "2026-02-02T00:00:00Z", &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);

	/* a request hash that is not one is a located baseline error */
	pl_err_init(&err);
	bad = tu_write(
		dir, "bad.json",
		"{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
		"\"m\",\n \"suite\": \"s\", \"prompts\": [{\"id\": \"a\", \"samples\": [],\n "
		"\"request_sha256\": \"xyz\"}]}");
	assert_null(baseline_open(bad, &err));
	assert_non_null(strstr(err.msg, "64 lower-case hex digits"));
	free(bad);

	free(before);
	free(after);
	sampleset_free(add);
	sampleset_free(s);
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
		cmocka_unit_test(test_reader_streamed),
		cmocka_unit_test(test_update_keeps_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
