/* test_ratelimit.c: token buckets and adaptive pacing on a simulated clock. */
#include "ratelimit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Sends as fast as the limiter allows for `span` seconds; returns how many went. */
static int drive(struct ratelimit *rl, double span, double est, double actual)
{
	double t = 0, d;
	int n = 0;

	while (t < span) {
		d = ratelimit_delay(rl, t, est);
		if (d > 0) {
			t += d;
			continue;
		}
		ratelimit_take(rl, t, est);
		ratelimit_settle(rl, est, actual);
		n++;
	}
	return n;
}

static void test_rpm_bucket(void **state)
{
	struct ratelimit rl;
	int n;

	(void)state;
	ratelimit_init(&rl, 600, 0, 4, 0);
	n = drive(&rl, 60.0, 10, -1);
	assert_true(n >= 600 && n <= 601);
	/* No start-up burst: the first second holds about rpm / 60. */
	ratelimit_init(&rl, 600, 0, 4, 0);
	n = drive(&rl, 1.0, 10, -1);
	assert_true(n >= 10 && n <= 11);
}

static void test_tpm_bucket_and_settle(void **state)
{
	struct ratelimit rl;
	int n;

	(void)state;
	/* 6000 tokens a minute at 100 estimated tokens each: 60 requests. */
	ratelimit_init(&rl, 0, 6000, 4, 0);
	n = drive(&rl, 60.0, 100, -1);
	assert_true(n >= 59 && n <= 61);
	/* The real usage was half the estimate: the refund lets twice as many go. */
	ratelimit_init(&rl, 0, 6000, 4, 0);
	n = drive(&rl, 60.0, 100, 50);
	assert_true(n >= 118 && n <= 122);
	/* A request bigger than the bucket still goes, and the debt is paid over time. */
	ratelimit_init(&rl, 0, 600, 4, 0);
	n = drive(&rl, 60.0, 300, -1);
	assert_true(n >= 2 && n <= 3);
}

static void test_429_halves_and_pauses(void **state)
{
	struct ratelimit rl;
	int i;

	(void)state;
	ratelimit_init(&rl, 600, 0, 8, 0);
	ratelimit_on_429(&rl, 10.0, 2.0);
	assert_true(rl.factor > 0.49 && rl.factor < 0.51);
	assert_int_equal(ratelimit_slots(&rl), 4);
	assert_true(ratelimit_delay(&rl, 10.0, 1) >= 2.0 - 1e-9);
	/* Another 429 within the second (answers to earlier requests) does not cut again. */
	ratelimit_on_429(&rl, 10.5, -1);
	assert_true(rl.factor > 0.49 && rl.factor < 0.51);
	/* Without Retry-After the pause is half a second, after the earlier one. */
	assert_true(ratelimit_delay(&rl, 11.9, 1) > 0);
	/* A second later it cuts again. */
	ratelimit_on_429(&rl, 11.6, -1);
	assert_true(rl.factor > 0.24 && rl.factor < 0.26);
	assert_int_equal(ratelimit_slots(&rl), 2);
	assert_int_equal(rl.n_429, 3);
	/* After the cuts and the pause: a quarter of 10/s. */
	ratelimit_take(&rl, 20.0, 1);
	assert_true(ratelimit_delay(&rl, 20.0, 1) > 0.39 && ratelimit_delay(&rl, 20.0, 1) < 0.41);
	/* Successes recover additively up to the configured values. */
	for (i = 0; i < 200; i++)
		ratelimit_on_success(&rl);
	assert_true(rl.factor == 1.0);
	assert_int_equal(ratelimit_slots(&rl), 8);
}

static void test_openai_headers(void **state)
{
	struct ratelimit rl;
	struct probe_header none_left[] = {
		{ (char *)"x-ratelimit-limit-requests", (char *)"100" },
		{ (char *)"x-ratelimit-remaining-requests", (char *)"0" },
		{ (char *)"x-ratelimit-reset-requests", (char *)"2s" },
	};
	struct probe_header low[] = {
		{ (char *)"x-ratelimit-limit-requests", (char *)"100" },
		{ (char *)"x-ratelimit-remaining-requests", (char *)"5" },
		{ (char *)"x-ratelimit-reset-requests", (char *)"10s" },
	};
	struct probe_header plenty[] = {
		{ (char *)"x-ratelimit-limit-requests", (char *)"100" },
		{ (char *)"x-ratelimit-remaining-requests", (char *)"90" },
		{ (char *)"x-ratelimit-reset-requests", (char *)"10s" },
		{ (char *)"x-ratelimit-remaining-tokens", (char *)"50000" },
	};
	struct probe_header low_tokens[] = {
		{ (char *)"x-ratelimit-limit-tokens", (char *)"100000" },
		{ (char *)"x-ratelimit-remaining-tokens", (char *)"500" },
		{ (char *)"x-ratelimit-reset-tokens", (char *)"30s" },
	};
	struct probe_header no_tokens[] = {
		{ (char *)"x-ratelimit-remaining-tokens", (char *)"0" },
		{ (char *)"x-ratelimit-reset-tokens", (char *)"6m0s" },
	};

	(void)state;
	ratelimit_init(&rl, 0, 0, 4, 0);
	ratelimit_on_headers(&rl, 5.0, plenty, 4);
	assert_true(ratelimit_delay(&rl, 5.0, 1) == 0);
	ratelimit_on_headers(&rl, 5.0, none_left, 3);
	assert_true(ratelimit_delay(&rl, 5.0, 1) > 1.99 && ratelimit_delay(&rl, 5.0, 1) <= 2.0);
	assert_true(ratelimit_delay(&rl, 7.0, 1) == 0);

	/* 5 left of 100 for 10 s: one every 2 s. */
	ratelimit_init(&rl, 0, 0, 4, 0);
	ratelimit_on_headers(&rl, 1.0, low, 3);
	ratelimit_take(&rl, 1.0, 1);
	assert_true(ratelimit_delay(&rl, 2.0, 1) > 0.99 && ratelimit_delay(&rl, 2.0, 1) < 1.01);
	assert_true(ratelimit_delay(&rl, 3.0, 1) == 0);

	ratelimit_init(&rl, 0, 0, 4, 0);
	ratelimit_on_headers(&rl, 0.0, no_tokens, 2);
	assert_true(ratelimit_delay(&rl, 0.0, 1) > 359.0 - 240.0); /* capped at 120 s */
	assert_true(ratelimit_delay(&rl, 0.0, 1) <= 120.0);

	/* Few tokens left (0.5% of the limit) do not spread requests out, as README says: only
	 * none left pauses. */
	ratelimit_init(&rl, 0, 0, 4, 0);
	ratelimit_on_headers(&rl, 1.0, low_tokens, 3);
	ratelimit_take(&rl, 1.0, 1);
	assert_true(ratelimit_delay(&rl, 1.0, 1) == 0);
	assert_true(ratelimit_asked_wait(&rl, 1.0) == 0);
}

static void test_anthropic_headers(void **state)
{
	struct ratelimit rl;
	char when[32];
	time_t t = time(NULL) + 3;
	struct tm tm;
	struct probe_header h[] = {
		{ (char *)"anthropic-ratelimit-requests-limit", (char *)"50" },
		{ (char *)"anthropic-ratelimit-requests-remaining", (char *)"0" },
		{ (char *)"anthropic-ratelimit-requests-reset", when },
	};
	double d;

	(void)state;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ratelimit_init(&rl, 0, 0, 4, 100.0);
	ratelimit_on_headers(&rl, 100.0, h, 3);
	d = ratelimit_delay(&rl, 100.0, 1);
	assert_true(d >= 1.9 && d <= 3.1);
}

static void test_parse_duration(void **state)
{
	static const struct {
		const char *in;
		double want;
	} cases[] = {
		{ "1s", 1 },
		{ "6m0s", 360 },
		{ "20ms", 0.02 },
		{ "1h2m3.5s", 3723.5 },
		{ "0.5s", 0.5 },
		{ "7", 7 },
		{ "", -1 },
		{ "abc", -1 },
		{ "3x", -1 },
		{ "-1s", -1 },
		{ "2024-01-01T00:00:00Z", -1 },
	};
	size_t i;
	double got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = ratelimit_parse_duration(cases[i].in);
		if (got < cases[i].want - 1e-9 || got > cases[i].want + 1e-9)
			fail_msg("%s: got %f, want %f", cases[i].in, got, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpm_bucket),
		cmocka_unit_test(test_tpm_bucket_and_settle),
		cmocka_unit_test(test_429_halves_and_pauses),
		cmocka_unit_test(test_openai_headers),
		cmocka_unit_test(test_anthropic_headers),
		cmocka_unit_test(test_parse_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
