/* test_report.c: checks evaluated per prompt, verdicts, and byte-identical report bytes. */
#include "testutil.h"
#include "config.h"
#include "evaluate.h"
#include "hex.h"
#include "probe.h"
#include "refusal.h"
#include "report.h"
#include "sbuf.h"
#include "suite.h"

#include <stdlib.h>
#include <string.h>

static const char suite_text[] = "{\"id\": \"s\", \"prompts\": [\n"
				 " {\"id\": \"cap\", \"prompt\": \"Capital of France?\", "
				 "\"checks\": [\n"
				 "   {\"type\": \"regex\", \"pattern\": \"paris\", \"flags\": "
				 "\"i\", \"min_pass_rate\": 0.6},\n"
				 "   {\"type\": \"similarity\", \"metric\": \"levenshtein\", "
				 "\"threshold\": 0.5, \"min_pass_rate\": 0.3}]},\n"
				 " {\"id\": \"js\", \"prompt\": \"JSON please\", \"checks\": "
				 "[{\"type\": \"json\"}]}\n"
				 "]}\n";

static struct sampleset *set_of(const char *const *cap, size_t ncap, const char *const *js,
				size_t njs, const char *fp)
{
	struct sampleset *s = sampleset_new("v", "m", "s");
	struct probe_answer a;
	size_t i;

	for (i = 0; i < ncap + njs; i++) {
		probe_answer_init(&a);
		a.text = xstrdup(i < ncap ? cap[i] : js[i - ncap]);
		a.model = xstrdup("m-1");
		a.fingerprint = xstrdup(fp);
		a.latency_ms = 10.0 + (double)i;
		sampleset_add_answer(sampleset_prompt(s, i < ncap ? "cap" : "js"),
				     (int)(i < ncap ? i : i - ncap), &a);
		probe_answer_release(&a);
	}
	return s;
}

struct fixture {
	char *dir;
	struct suite *suite;
	struct vendor vendor;
	const json_t *what_changed;
};

static void fixture_init(struct fixture *f)
{
	struct pl_err err = PL_ERR_INIT;
	char *path;

	f->dir = tu_tmpdir();
	path = tu_write(f->dir, "s.json", suite_text);
	f->suite = suite_load(path, &err);
	assert_non_null(f->suite);
	free(path);
	memset(&f->vendor, 0, sizeof(f->vendor));
	f->vendor.id = "v";
	f->vendor.probe = "openai";
	f->vendor.model = "m";
	f->vendor.base_url = "http://127.0.0.1:1/v1";
}

static void fixture_release(struct fixture *f)
{
	suite_free(f->suite);
	tu_rmrf(f->dir);
	free(f->dir);
}

/* The run's identity every report of these tests shares. */
static void input_init(struct fixture *f, struct report_input *in)
{
	memset(in, 0, sizeof(*in));
	in->run_id = "r1";
	in->date = "2026-01-01";
	in->mode = "nightly";
	in->vendor = &f->vendor;
	in->suite = f->suite;
	in->baseline_path = "b.json";
	in->min_answered = 0.8;
	in->what_changed = f->what_changed;
}

static json_t *build(struct fixture *f, const struct sampleset *base, const struct sampleset *night,
		     size_t planned, const char *incomplete, struct report_summary *sum)
{
	struct report_input in;

	input_init(f, &in);
	in.baseline = base;
	in.baseline_path = "b.json";
	in.night = night;
	in.planned = planned;
	in.incomplete_reason = incomplete;
	in.min_answered = 0.8;
	return report_build(&in, sum);
}

static void test_checks_and_verdicts(void **state)
{
	static const char *const base_cap[] = { "Paris", "Paris.", "paris" };
	static const char *const base_js[] = { "{\"a\":1}", "{\"a\":2}" };
	static const char *const ok_cap[] = { "Paris", "The answer is Paris.", "Lyon" };
	static const char *const bad_js[] = { "{\"a\":1}", "```json\n{\"a\":1}\n```" };
	struct fixture f;
	struct sampleset *base, *night;
	struct report_summary sum;
	json_t *r, *cap, *js;

	(void)state;
	fixture_init(&f);
	base = set_of(base_cap, 3, base_js, 2, "fp_a");
	night = set_of(ok_cap, 3, bad_js, 2, "fp_b");
	r = build(&f, base, night, 5, NULL, &sum);
	/* regex: 2 of 3 pass >= 0.6 -> pass; json: 1 of 2 -> fail (min_pass_rate 1). */
	cap = json_array_get(json_object_get(r, "prompts"), 0);
	js = json_array_get(json_object_get(r, "prompts"), 1);
	assert_string_equal(json_string_value(json_object_get(cap, "id")), "cap");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(cap, "checks"), 0), "verdict")),
			    "pass");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(cap, "checks"), 0), "fail")),
			 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(js, "checks"), 0), "verdict")),
			    "fail");
	assert_non_null(json_object_get(json_array_get(json_object_get(js, "checks"), 0), "failed_"
											  "sample"
											  "s"));
	assert_int_equal(sum.verdict, REPORT_CHECKS_FAILED);
	assert_int_equal(sum.counts.checks_failed, 1);
	/* The fingerprint moved: named in metadata_changes. */
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(r, "metadata_changes"), 0), "field")),
		"fingerprints");
	/* one counting: (prompt, check) pairs, one phrase */
	assert_int_equal(sum.counts.checks_total, 3);
	assert_non_null(strstr(sum.line, "; 1 of 3 checks failed on 1 prompt"));
	json_decref(r);

	/* Too few answers for the plan: incomplete, whatever the checks say. */
	r = build(&f, base, night, 50, NULL, &sum);
	assert_int_equal(sum.verdict, REPORT_INCOMPLETE);
	json_decref(r);
	r = build(&f, base, night, 5, "budget reached: max_requests 5", &sum);
	assert_int_equal(sum.verdict, REPORT_INCOMPLETE);
	assert_non_null(strstr(sum.line, "budget reached"));
	json_decref(r);
	sampleset_free(base);
	sampleset_free(night);
	fixture_release(&f);
}

/* An incomplete night: a prompt nobody answered passed nothing. Its checks skip, and so does
 * the prompt (it read "pass" before). */
static void test_unanswered_prompt_skips(void **state)
{
	static const char *const cap[] = { "Paris", "Paris.", "paris" };
	static const char *const js[] = { "{\"a\":1}" };
	struct fixture f;
	struct sampleset *base, *night;
	struct report_summary sum;
	json_t *r, *jsp, *chk;

	(void)state;
	fixture_init(&f);
	base = set_of(cap, 3, js, 1, "fp_a");
	night = set_of(cap, 3, NULL, 0, "fp_a"); /* "js" got no answer */
	r = build(&f, base, night, 8, "vendor unreachable", &sum);
	assert_int_equal(sum.verdict, REPORT_INCOMPLETE);
	jsp = json_array_get(json_object_get(r, "prompts"), 1);
	chk = json_array_get(json_object_get(jsp, "checks"), 0);
	assert_string_equal(json_string_value(json_object_get(jsp, "id")), "js");
	assert_int_equal(json_integer_value(json_object_get(jsp, "samples")), 0);
	assert_string_equal(json_string_value(json_object_get(chk, "verdict")), "skip");
	assert_string_equal(json_string_value(json_object_get(jsp, "verdict")), "skip");
	/* the answered prompt still passes */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r, "prompts"), 0), "verdict")),
			    "pass");
	json_decref(r);
	sampleset_free(base);
	sampleset_free(night);
	fixture_release(&f);
}

/* An answer a check could not evaluate (a number no double holds) is not a pass: a check in
 * error on every answer, or failing only because of such answers, has verdict "error", counts
 * as failed (verdict checks_failed, exit 1) and is named apart in the summary and the counts.
 * The old code called such a night "pass". */
static void test_checks_in_error(void **state)
{
	static const char *const cap[] = { "Paris", "Paris.", "paris" };
	static const char *const all_err[] = { "{\"x\": 1e400}", "{\"x\": 1e400}" };
	static const char *const one_err[] = { "{\"a\":1}", "{\"x\": 1e400}" };
	static const char *const fail_err[] = { "{\"a\":1}", "no json", "{\"x\": 1e400}" };
	static const struct {
		const char *const *js;
		size_t n;
		const char *verdict;
	} cases[] = {
		{ all_err, 2, "error" },
		{ one_err, 2, "error" },
		{ fail_err, 3, "fail" },
	};
	struct fixture f;
	struct sampleset *base, *night;
	struct report_summary sum;
	json_t *r, *chk, *counts;
	size_t i;

	(void)state;
	fixture_init(&f);
	base = set_of(cap, 3, one_err, 1, "fp_a");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		night = set_of(cap, 3, cases[i].js, cases[i].n, "fp_a");
		r = build(&f, base, night, 3 + cases[i].n, NULL, &sum);
		chk = json_array_get(
			json_object_get(json_array_get(json_object_get(r, "prompts"), 1), "checks"),
			0);
		counts = json_object_get(r, "counts");
		assert_string_equal(json_string_value(json_object_get(chk, "verdict")),
				    cases[i].verdict);
		assert_int_equal(sum.verdict, REPORT_CHECKS_FAILED);
		assert_string_equal(json_string_value(json_object_get(r, "verdict")),
				    "checks_failed");
		assert_int_equal(json_integer_value(json_object_get(counts, "checks_failed")), 1);
		assert_int_equal(json_integer_value(json_object_get(counts, "prompts_failed")), 1);
		if (!strcmp(cases[i].verdict, "error")) {
			assert_int_equal(
				json_integer_value(json_object_get(counts, "checks_errored")), 1);
			assert_non_null(strstr(sum.line,
					       "1 of 3 checks failed on 1 prompt (1 could "
					       "not be evaluated: verdict error)"));
			assert_non_null(strstr(json_string_value(json_object_get(chk, "detail")),
					       "beyond a double's range"));
		} else {
			assert_int_equal(
				json_integer_value(json_object_get(counts, "checks_errored")), 0);
			assert_null(strstr(sum.line, "could not be evaluated"));
		}
		json_decref(r);
		sampleset_free(night);
	}
	sampleset_free(base);
	fixture_release(&f);
}

/* A failed sample the API flagged refused (or blocked) says so: its quote is empty, and the
 * renderings name it "(refused, no text)" (render_answer_text) rather than quote nothing. An
 * empty answer without the flag carries no "refused". */
static void test_failed_sample_refused(void **state)
{
	static const char text[] =
		"{\"id\": \"s\", \"prompts\": [{\"id\": \"q\", \"prompt\": \"Leap year?\", "
		"\"checks\": [{\"type\": \"length\", \"unit\": \"words\", \"min\": 1}]}]}";
	struct fixture f;
	struct suite *suite;
	struct prompt_samples *ps;
	struct sampleset *night = sampleset_new("v", "m", "s");
	struct eval_counts counts;
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer a;
	json_t *e, *fs;
	char *path;
	int i;

	(void)state;
	fixture_init(&f);
	path = tu_write(f.dir, "q.json", text);
	suite = suite_load(path, &err);
	assert_non_null(suite);
	ps = sampleset_prompt(night, "q");
	for (i = 0; i < 3; i++) {
		probe_answer_init(&a);
		a.text = xstrdup("");
		a.refused = i == 0;
		a.blocked = i == 1;
		sampleset_add_answer(ps, i, &a);
		probe_answer_release(&a);
	}
	memset(&counts, 0, sizeof(counts));
	e = evaluate_prompt(&suite->prompts[0], &(struct eval_extra){ .vendor = &f.vendor }, NULL,
			    ps, 3, &counts);
	fs = json_object_get(json_array_get(json_object_get(e, "checks"), 0), "failed_samples");
	assert_int_equal(json_array_size(fs), 3);
	assert_true(json_is_true(json_object_get(json_array_get(fs, 0), "refused")));
	assert_true(json_is_true(json_object_get(json_array_get(fs, 1), "refused")));
	assert_null(json_object_get(json_array_get(fs, 2), "refused"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 0), "text")), "");
	json_decref(e);
	sampleset_free(night);
	suite_free(suite);
	free(path);
	fixture_release(&f);
}

/* counts.refusals and a prompt's "refusals" count with the classifier evaluation is given
 * (detection's): a refusal in plain text counts, as the API's flag does. They counted the
 * flag only, so a night detection saw refusing in words said 0 refusals. */
static void test_refusals_by_classifier(void **state)
{
	static const char *const texts[] = { "", "I'm sorry, but I can't help with that.",
					     "A leap year has 366 days." };
	static const char text[] =
		"{\"id\": \"s\", \"prompts\": [{\"id\": \"q\", \"prompt\": \"Leap year?\", "
		"\"checks\": [{\"type\": \"length\", \"unit\": \"words\", \"min\": 1}]}]}";
	struct fixture f;
	struct suite *suite;
	struct prompt_samples *ps;
	struct sampleset *night = sampleset_new("v", "m", "s");
	struct refusal *r = refusal_new_default();
	struct eval_counts counts;
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer a;
	json_t *e;
	char *path;
	int i;

	(void)state;
	fixture_init(&f);
	path = tu_write(f.dir, "q.json", text);
	suite = suite_load(path, &err);
	assert_non_null(suite);
	ps = sampleset_prompt(night, "q");
	for (i = 0; i < 3; i++) {
		probe_answer_init(&a);
		a.text = xstrdup(texts[i]);
		a.refused = i == 0;
		sampleset_add_answer(ps, i, &a);
		probe_answer_release(&a);
	}
	memset(&counts, 0, sizeof(counts));
	e = evaluate_prompt(&suite->prompts[0],
			    &(struct eval_extra){ .vendor = &f.vendor, .refusal = r }, NULL, ps, 3,
			    &counts);
	assert_int_equal(counts.refusals, 2);
	assert_int_equal(json_integer_value(json_object_get(e, "refusals")), 2);
	json_decref(e);
	/* without a classifier: the API's flags only */
	memset(&counts, 0, sizeof(counts));
	e = evaluate_prompt(&suite->prompts[0], &(struct eval_extra){ .vendor = &f.vendor }, NULL,
			    ps, 3, &counts);
	assert_int_equal(counts.refusals, 1);
	json_decref(e);
	refusal_free(r);
	sampleset_free(night);
	suite_free(suite);
	free(path);
	fixture_release(&f);
}

/* Latency and cost through evaluate_prompt: the latency check's verdict is its p95 over the
 * prompt's answers (not a pass rate), the slow answers are its failing samples, answers with
 * no latency do not count; the cost check prices each answer at the vendor's prices and skips,
 * saying so, for a vendor without prices. */
static void test_latency_and_cost(void **state)
{
	static const char text[] =
		"{\"id\": \"s\", \"prompts\": [{\"id\": \"q\", \"prompt\": \"Leap year?\", "
		"\"checks\": [{\"type\": \"latency\", \"p95_ms\": 1000}, "
		"{\"type\": \"cost\", \"max_usd\": 0.002}]}]}";
	/* latency (ms, -1 unknown), prompt and completion tokens */
	static const long rows[][3] = { { 200, 100, 400 }, { 300, 100, 900 }, { 2500, 100, 400 },
					{ -1, 100, 400 },  { 250, 100, 400 }, { 400, -1, 400 } };
	struct fixture f;
	struct suite *suite;
	struct prompt_samples *ps;
	struct sampleset *night = sampleset_new("v", "m", "s");
	struct eval_counts counts;
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer a;
	json_t *e, *lat, *cost, *ex;
	char *path;
	size_t i;

	(void)state;
	fixture_init(&f);
	path = tu_write(f.dir, "q.json", text);
	suite = suite_load(path, &err);
	assert_non_null(suite);
	ps = sampleset_prompt(night, "q");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		probe_answer_init(&a);
		a.text = xstrdup("A year with 366 days.");
		a.latency_ms = (double)rows[i][0];
		a.prompt_tokens = rows[i][1];
		a.completion_tokens = rows[i][2];
		sampleset_add_answer(ps, (int)i, &a);
		probe_answer_release(&a);
	}
	/* $1 per million prompt tokens, $4 per million completion tokens: 400 completion
	 * tokens cost 0.0017, 900 cost 0.0037 */
	f.vendor.has_prices = 1;
	f.vendor.price_in_per_mtok = 1;
	f.vendor.price_out_per_mtok = 4;
	memset(&counts, 0, sizeof(counts));
	e = evaluate_prompt(&suite->prompts[0], &(struct eval_extra){ .vendor = &f.vendor }, NULL,
			    ps, 3, &counts);
	lat = json_array_get(json_object_get(e, "checks"), 0);
	cost = json_array_get(json_object_get(e, "checks"), 1);
	/* five latencies 200 250 300 400 2500: nearest-rank p95 is 2500 */
	assert_string_equal(json_string_value(json_object_get(lat, "verdict")), "fail");
	assert_string_equal(json_string_value(json_object_get(lat, "detail")),
			    "p50 300 ms, p95 2500 ms over 5 answers; p95 above the bound");
	assert_true(json_real_value(json_object_get(lat, "score")) == 2500);
	assert_null(json_object_get(lat, "min_pass_rate"));
	assert_null(json_object_get(lat, "score_mean"));
	assert_int_equal(json_integer_value(json_object_get(lat, "pass")), 4);
	assert_int_equal(json_integer_value(json_object_get(lat, "fail")), 1);
	assert_int_equal(json_integer_value(json_object_get(lat, "skip")), 1);
	ex = json_array_get(json_object_get(lat, "failed_samples"), 0);
	assert_int_equal(json_integer_value(json_object_get(ex, "sample")), 2);
	assert_non_null(strstr(json_string_value(json_object_get(ex, "detail")),
			       "latency 2500 ms above the p95 bound 1000 ms"));
	assert_int_equal(json_array_size(json_object_get(lat, "failed_samples")), 1);
	/* cost: one answer of 900 completion tokens is above 0.002; no token counts: skip */
	assert_string_equal(json_string_value(json_object_get(cost, "verdict")), "fail");
	assert_int_equal(json_integer_value(json_object_get(cost, "pass")), 4);
	assert_int_equal(json_integer_value(json_object_get(cost, "fail")), 1);
	assert_int_equal(json_integer_value(json_object_get(cost, "skip")), 1);
	ex = json_array_get(json_object_get(cost, "failed_samples"), 0);
	assert_int_equal(json_integer_value(json_object_get(ex, "sample")), 1);
	assert_string_equal(json_string_value(json_object_get(ex, "detail")),
			    "answer cost 0.003700 USD at the vendor's prices, above max_usd 0.002");
	assert_int_equal(counts.checks_total, 2);
	assert_int_equal(counts.checks_failed, 2);
	assert_int_equal(counts.prompts_failed, 1);
	assert_null(json_object_get(cost, "detail")); /* judged: its samples say why */
	json_decref(e);

	/* the same answers from a vendor without prices: cost skips, saying why */
	f.vendor.has_prices = 0;
	memset(&counts, 0, sizeof(counts));
	e = evaluate_prompt(&suite->prompts[0], &(struct eval_extra){ .vendor = &f.vendor }, NULL,
			    ps, 3, &counts);
	cost = json_array_get(json_object_get(e, "checks"), 1);
	assert_string_equal(json_string_value(json_object_get(cost, "verdict")), "skip");
	assert_int_equal(json_integer_value(json_object_get(cost, "skip")), 6);
	assert_string_equal(json_string_value(json_object_get(cost, "detail")),
			    "cost unknown: vendor \"v\" has no prices in the config (\"prices\")");
	assert_int_equal(counts.checks_failed, 1); /* the latency check alone */
	json_decref(e);
	sampleset_free(night);
	suite_free(suite);
	free(path);
	fixture_release(&f);
}

static void test_deterministic_bytes(void **state)
{
	static const char *const cap[] = { "Paris", "Paris.", "Lyon" };
	static const char *const js[] = { "{\"a\":1}", "{\"b\":2}" };
	struct fixture f;
	struct sampleset *base, *night;
	struct report_summary sum;
	json_t *r1, *r2;
	char *b1, *b2, sha1[65], sha2[65], *p;
	size_t l1, l2;

	(void)state;
	fixture_init(&f);
	base = set_of(cap, 3, js, 2, "fp_a");
	night = set_of(cap, 3, js, 2, "fp_a");
	r1 = build(&f, base, night, 5, NULL, &sum);
	r2 = build(&f, base, night, 5, NULL, &sum);
	b1 = report_serialize(r1, &l1);
	b2 = report_serialize(r2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	assert_int_equal(b1[l1 - 1], '\n');
	/* Reals are fixed decimals: no 17-digit binary noise. */
	for (p = b1; (p = strchr(p, '.')); p++) {
		size_t digits = 0;

		while (p[1 + digits] >= '0' && p[1 + digits] <= '9')
			digits++;
		if (p > b1 && p[-1] >= '0' && p[-1] <= '9' && digits > 4)
			fail_msg("a number with %zu decimals in the report", digits);
	}
	hex_sha256(b1, l1, sha1);
	hex_sha256(b2, l2, sha2);
	assert_string_equal(sha1, sha2);
	assert_int_equal(sum.verdict, REPORT_PASS);
	free(b1);
	free(b2);
	json_decref(r1);
	json_decref(r2);
	sampleset_free(base);
	sampleset_free(night);
	fixture_release(&f);
}

/* Streams the report of (base, night) prompt by prompt into dir/name and returns its bytes. */
static char *stream_bytes(struct fixture *f, const struct sampleset *base,
			  const struct sampleset *night, const struct detect_outcome *det,
			  json_t *section, const char *name, size_t *len, char *sha,
			  struct report_summary *sum, json_t **head)
{
	struct pl_err err = PL_ERR_INIT;
	struct report_stream *rs = report_stream_new(base != NULL, &err);
	struct report_input in;
	struct sbuf path;
	size_t i;
	char *bytes;

	assert_non_null(rs);
	for (i = 0; i < f->suite->n_prompts; i++) {
		const struct prompt *pr = &f->suite->prompts[i];
		const struct prompt_samples *bs = base ? sampleset_find(base, pr->id) : NULL;
		const struct prompt_samples *ns = sampleset_find(night, pr->id);

		assert_int_equal(
			report_stream_add(
				rs,
				evaluate_prompt(pr, &(struct eval_extra){ .vendor = &f->vendor },
						bs, ns, REPORT_MAX_EXAMPLES,
						report_stream_counts(rs)),
				bs, ns, &err),
			0);
	}
	for (i = 0; base && i < base->n_prompts; i++)
		if (!suite_prompt(f->suite, base->prompts[i].prompt_id))
			report_stream_add_baseline(rs, &base->prompts[i]);
	input_init(f, &in);
	in.baseline_path = "b.json";
	in.planned = 5;
	in.min_answered = 0.8;
	in.detect = det;
	in.detect_section = section;
	sbuf_init(&path);
	sbuf_addf(&path, "%s/%s", f->dir, name);
	assert_int_equal(report_stream_finish(rs, &in, path.buf, sha, sum, head, &err), 0);
	report_stream_free(rs);
	bytes = tu_read(path.buf, len);
	sbuf_release(&path);
	return bytes;
}

/* The nightly run streams its report: the bytes, the hash and the summary must be exactly
 * those of report_build + report_write, with and without a baseline, with a baseline prompt
 * the suite no longer has, with no answers at all, and with a detection section. */
static void test_stream_matches_build(void **state)
{
	static const char *const cap[] = { "Paris", "Paris.", "Lyon" };
	static const char *const js[] = { "{\"a\":1}", "```json\n{\"b\":2}\n```" };
	struct pl_err err = PL_ERR_INIT;
	struct fixture f;
	struct sampleset *base, *night, *empty;
	struct detect_outcome det;
	json_t *section = json_pack("{s:s,s:[i,i]}", "plan", "x\ny", "moved", 1, 2);
	int k;

	(void)state;
	fixture_init(&f);
	base = set_of(cap, 3, js, 2, "fp_a");
	/* a prompt the suite dropped: its metadata still counts for the baseline */
	{
		struct probe_answer a;

		probe_answer_init(&a);
		a.text = xstrdup("old");
		a.model = xstrdup("m-0");
		sampleset_add_answer(sampleset_prompt(base, "gone"), 0, &a);
		probe_answer_release(&a);
	}
	night = set_of(cap, 2, js, 2, "fp_b");
	empty = sampleset_new("v", "m", "s");
	memset(&det, 0, sizeof(det));
	det.verdict = DETECT_CHANGED;
	det.confidence = 0.97;
	snprintf(det.summary, sizeof(det.summary), "changed: answer distribution");
	snprintf(det.epoch, sizeof(det.epoch), "e2");
	for (k = 0; k < 4; k++) {
		const struct sampleset *b = k == 1 ? NULL : base, *n = k == 2 ? empty : night;
		const struct detect_outcome *d = k == 3 ? &det : NULL;
		struct report_summary s1, s2;
		struct report_input in;
		struct sbuf path;
		char sha1[65], sha2[65], *b1, *b2;
		size_t l1, l2;
		json_t *r, *head = NULL, *wc;

		/* the changed night carries the block, the same through both paths */
		wc = d ? whatchanged_build(f.suite, b, n, section, NULL) : NULL;
		f.what_changed = wc;
		input_init(&f, &in);
		in.baseline = b;
		in.baseline_path = "b.json";
		in.night = n;
		in.planned = 5;
		in.min_answered = 0.8;
		in.detect = d;
		in.detect_section = d ? section : NULL;
		r = report_build(&in, &s1);
		sbuf_init(&path);
		sbuf_addf(&path, "%s/built-%d.json", f.dir, k);
		assert_int_equal(report_write(path.buf, r, sha1, &err), 0);
		b1 = tu_read(path.buf, &l1);
		b2 = stream_bytes(&f, b, n, d, d ? section : NULL, "streamed.json", &l2, sha2, &s2,
				  &head);
		assert_int_equal(l1, l2);
		assert_memory_equal(b1, b2, l1);
		assert_string_equal(sha1, sha2);
		assert_int_equal(s1.verdict, s2.verdict);
		assert_string_equal(s1.line, s2.line);
		assert_int_equal(s1.counts.checks_failed, s2.counts.checks_failed);
		assert_int_equal(s1.counts.samples, s2.counts.samples);
		assert_null(json_object_get(head, "prompts"));
		assert_true(json_equal(json_object_get(head, "counts"), json_object_get(r, "count"
											   "s")));
		assert_true(d ? json_equal(json_object_get(head, "what_changed"),
					   json_object_get(r, "what_changed"))
			      : !json_object_get(head, "what_changed") &&
					    !json_object_get(r, "what_changed"));
		json_decref(wc);
		json_decref(head);
		json_decref(r);
		free(b1);
		free(b2);
		sbuf_release(&path);
	}
	json_decref(section);
	sampleset_free(base);
	sampleset_free(night);
	sampleset_free(empty);
	fixture_release(&f);
}

/* Availability holds only the vendor's faults against it: a revoked key (auth), a request it
 * rejected as ours (bad_request) and its content filter's answer are not vendor faults. */
static void test_vendor_faults(void **state)
{
	static const char *const cap[] = { "Paris" };
	static const char *const js[] = { "{}" };
	static const char *const kinds[] = { "auth",	       "auth",	       "bad_request",
					     "content_filter", "server_error", "timeout" };
	struct fixture f;
	struct sampleset *night;
	struct report_summary sum;
	json_t *r;
	size_t i;

	(void)state;
	fixture_init(&f);
	night = set_of(cap, 1, js, 1, "fp");
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		sampleset_add_fault(sampleset_prompt(night, "cap"), kinds[i], 1);
	r = build(&f, NULL, night, 8, NULL, &sum);
	assert_int_equal(sum.counts.faults, 6);
	assert_int_equal(sum.counts.vendor_faults, 2);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(r, "counts"), "vendor_faults")),
		2);
	json_decref(r);
	sampleset_free(night);
	fixture_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_and_verdicts),
		cmocka_unit_test(test_unanswered_prompt_skips),
		cmocka_unit_test(test_checks_in_error),
		cmocka_unit_test(test_latency_and_cost),
		cmocka_unit_test(test_failed_sample_refused),
		cmocka_unit_test(test_refusals_by_classifier),
		cmocka_unit_test(test_deterministic_bytes),
		cmocka_unit_test(test_stream_matches_build),
		cmocka_unit_test(test_vendor_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
