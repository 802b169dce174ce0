/* test_report.c: checks evaluated per prompt, verdicts, and byte-identical report bytes. */
#include "testutil.h"
#include "config.h"
#include "hex.h"
#include "probe.h"
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

static json_t *build(struct fixture *f, const struct sampleset *base, const struct sampleset *night,
		     size_t planned, const char *incomplete, struct report_summary *sum)
{
	struct report_input in;

	memset(&in, 0, sizeof(in));
	in.run_id = "r1";
	in.date = "2026-01-01";
	in.mode = "nightly";
	in.vendor = &f->vendor;
	in.suite = f->suite;
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
	assert_non_null(strstr(sum.line, "1 check failed on 1 prompt"));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_and_verdicts),
		cmocka_unit_test(test_deterministic_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
