/* test_hardening.c: regressions for what the hardening work found: fuzzer findings (tests/fuzz;
 * their inputs are also kept in tests/fuzz/corpus/TARGET/regress-* and replayed by ctest -L
 * fuzz) and crash-trial findings (tests/integration/test_hardening_crash.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "alert.h"
#include "baseline.h"
#include "canon.h"
#include "fileio.h"
#include "journal.h"
#include "register.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Number of files in dir ("." and ".." not counted). */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	for (e = readdir(d); e; e = readdir(d))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* JCS text, read back with jansson, canonicalises to the same bytes. */
static void jcs_fixed_point(const char *json, const char *want)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf a, b;
	json_error_t jerr;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr), *back;

	assert_non_null(v);
	sbuf_init(&a);
	sbuf_init(&b);
	assert_int_equal(canon_jcs(v, &a, &err), 0);
	if (want)
		assert_string_equal(a.buf, want);
	back = json_loads(a.buf, JSON_DECODE_ANY, &jerr);
	assert_non_null(back);
	assert_int_equal(canon_jcs(back, &b, &err), 0);
	assert_string_equal(b.buf, a.buf);
	json_decref(v);
	json_decref(back);
	sbuf_release(&a);
	sbuf_release(&b);
}

/* fuzz_canon: a real above 2^53 is written as an integer (ECMAScript), which jansson reads
 * back as an integer that canon_jcs refused, so JCS was not a fixed point. */
static void test_canon_big_real(void **state)
{
	(void)state;
	jcs_fixed_point("[33333330660003333.000105]", "[33333330660003332]");
	jcs_fixed_point("{\"n\":-1.8014398509481984e16}", "{\"n\":-18014398509481984}");
	jcs_fixed_point("9007199254740994", "9007199254740994");
	/* Written with trailing zeros (shortest digits), which no double holds exactly. */
	jcs_fixed_point("[3333333066033333333.33]", "[3333333066033333000]");
	jcs_fixed_point("[-9.2e18, 9.2e18, 1e21, 4.5e17]", NULL);
}

/* ...while an integer no double holds exactly is still refused. */
static void test_canon_inexact_integer(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;
	json_t *v = json_integer(9007199254740993LL);

	(void)state;
	sbuf_init(&sb);
	assert_int_equal(canon_jcs(v, &sb, &err), -1);
	assert_non_null(strstr(err.msg, "9007199254740993"));
	json_decref(v);
	v = json_integer(INT64_MAX);
	pl_err_init(&err);
	assert_int_equal(canon_jcs(v, &sb, &err), -1);
	json_decref(v);
	sbuf_release(&sb);
}

/* Appends one run entry for night i to the register at path (report: a small file). */
static void append_night(const char *dir, const char *path, const struct sign_key *k, int i)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg *r = register_open(path, k, &err);
	struct reg_run_entry e;
	char name[32], date[32], *report;

	assert_non_null(r);
	snprintf(name, sizeof(name), "r%d.json", i);
	report = tu_write(dir, name, "{\"night\": 1}\n");
	snprintf(date, sizeof(date), "2026-11-%02dT02:00:00Z", 10 + i);
	memset(&e, 0, sizeof(e));
	e.date = date;
	e.vendor = "v";
	e.model = "m";
	e.suite = "s";
	e.verdict = "no_change";
	e.report = report;
	e.availability = e.latency_p50_ms = e.latency_p95_ms = -1;
	assert_int_equal(register_append_run(r, &e, &err), i);
	register_close(r);
	free(report);
}

/* test_hardening_crash.sh: SIGKILL between a register append and its checkpoint left a
 * register that verified as "entries were added without signing", and register_open refused
 * it, so no later run could ever register again. Opening it with the key now finishes that
 * one append; more than one unsealed entry, or a bad one, is still refused. */
static void test_register_interrupted_append(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), path[512], ck[530], sk[512], pk[512], *ck1;
	struct sign_key *k;
	struct sign_pub *pub;
	struct reg_verify_result res;
	struct reg *r;
	size_t ck1_len;

	(void)state;
	snprintf(path, sizeof(path), "%s/register.jsonl", dir);
	snprintf(ck, sizeof(ck), "%s.checkpoint", path);
	snprintf(sk, sizeof(sk), "%s/k.key", dir);
	snprintf(pk, sizeof(pk), "%s/k.pub", dir);
	assert_int_equal(sign_keygen(sk, pk, NULL, 0, &err), 0);
	k = sign_key_load(sk, &err);
	pub = sign_pub_load(pk, &err);
	assert_non_null(k);
	assert_non_null(pub);

	append_night(dir, path, k, 0);
	ck1 = tu_read(ck, &ck1_len);
	assert_non_null(ck1);
	append_night(dir, path, k, 1);
	/* The crash: entry 1 is on disk, the checkpoint still covers entry 0 only. */
	assert_int_equal(fileio_write_atomic(ck, ck1, ck1_len, 0644, &err), 0);
	assert_int_equal(register_verify(path, pub, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "added without signing"));

	pl_err_init(&err);
	r = register_open(path, k, &err);
	assert_non_null(r);
	assert_int_equal(register_size(r), 2);
	register_close(r);
	assert_int_equal(register_verify(path, pub, NULL, &res, &err), 0);
	assert_int_equal(res.entries, 2);
	append_night(dir, path, k, 2);
	assert_int_equal(register_verify(path, pub, NULL, &res, &err), 0);

	/* Two entries past the checkpoint are not one interrupted append. */
	append_night(dir, path, k, 3);
	append_night(dir, path, k, 4);
	assert_int_equal(fileio_write_atomic(ck, ck1, ck1_len, 0644, &err), 0);
	r = register_open(path, k, &err);
	assert_null(r);
	assert_non_null(strstr(err.msg, "added without signing"));

	free(ck1);
	sign_key_free(k);
	sign_pub_free(pub);
	tu_rmrf(dir);
	free(dir);
}

/* test_hardening_crash.sh: SIGKILL during keygen left a secret key without its public key, or
 * an empty secret key file (created with O_EXCL, then written); keygen then refused to run
 * again. Now the secret key appears whole (linked from a synced temp file) or not at all, and
 * a secret key whose public files a crash left unnamed gets them from the next keygen. */
static void test_keygen_crash_states(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), sk[512], pk[512], pem[520], *pub1, *pub2;
	struct sign_key *k;

	(void)state;
	snprintf(sk, sizeof(sk), "%s/k.key", dir);
	snprintf(pk, sizeof(pk), "%s/k.pub", dir);
	snprintf(pem, sizeof(pem), "%s/k.pub.pem", dir);
	/* Failing between the two halves (here: the public key cannot be written) leaves no
	 * secret key behind, so a second keygen can run. */
	{
		char *notdir = tu_write(dir, "notdir", "x"), badpk[600];

		snprintf(badpk, sizeof(badpk), "%s/k.pub", notdir);
		assert_int_equal(sign_keygen(sk, badpk, NULL, 0, &err), -1);
		assert_int_equal(fileio_exists(sk), 0);
		assert_int_equal(unlink(notdir), 0);
		free(notdir);
		pl_err_init(&err);
	}
	/* A crash after the secret key, before the public files took their names: keygen runs
	 * again and writes them from the secret key (never a new pair over a public key). */
	assert_int_equal(sign_keygen(sk, pk, NULL, 0, &err), 0);
	pub1 = tu_read(pk, NULL);
	assert_int_equal(unlink(pk), 0);
	assert_int_equal(unlink(pem), 0);
	assert_int_equal(sign_keygen(sk, pk, NULL, 0, &err), 1);
	pub2 = tu_read(pk, NULL);
	assert_non_null(pub1);
	assert_non_null(pub2);
	assert_string_equal(pub1, pub2);
	assert_true(fileio_exists(pem));
	k = sign_key_load(sk, &err);
	assert_non_null(k);
	sign_key_free(k);
	/* An existing secret key is never overwritten, and its public files stay as they are. */
	assert_int_equal(sign_keygen(sk, pk, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "refusing to overwrite"));
	free(pub1);
	pub1 = tu_read(pk, NULL);
	assert_string_equal(pub1, pub2);
	/* No temp file is left behind by a keygen that ran to the end or refused. */
	assert_int_equal(count_files(dir), 3); /* k.key, k.pub, k.pub.pem */
	free(pub1);
	free(pub2);
	tu_rmrf(dir);
	free(dir);
}

static int count_rec(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	(void)r, (void)err;
	(*(int *)ctx)++;
	return 0;
}

static void journal_put(struct journal *j, int sample)
{
	struct pl_err err = PL_ERR_INIT;
	struct probe_answer a;
	struct journal_rec r = { "v", "s", "p", sample, 1, &a };

	probe_answer_init(&a);
	a.status = 200;
	a.text = xstrdup("Paris");
	assert_int_equal(journal_append(j, &r, &err), 0);
	probe_answer_release(&a);
}

/* test_hardening_crash.sh (disk full): a journal append cut short by ENOSPC left a torn last
 * line; `run --resume` appended its records right after it, so the torn line ended up in the
 * middle and every later read failed ("corrupt journal line"). Resume now cuts the tail. */
static void test_journal_resume_after_torn_line(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), path[512];
	struct journal *j;
	int fd, n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/j.jsonl", dir);
	j = journal_open(path, "run1", "plan1", "nightly", 0, &err);
	assert_non_null(j);
	journal_put(j, 0);
	journal_put(j, 1);
	journal_close(j);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"answer\":{\"fau", 16), 16);
	close(fd);

	j = journal_open(path, "run1", "plan1", "nightly", 1, &err);
	assert_non_null(j);
	assert_true(journal_done(j, "v", "s", "p", 1));
	assert_false(journal_done(j, "v", "s", "p", 2));
	journal_put(j, 2);
	journal_close(j);
	assert_int_equal(journal_read(path, count_rec, &n, NULL, &err), 0);
	assert_int_equal(n, 3);
	tu_rmrf(dir);
	free(dir);
}

/* fuzz_baseline: a baseline naming the same prompt twice leaked the first group's samples
 * (and silently dropped them). A duplicate id is now an error naming it. */
static void test_baseline_duplicate_prompt(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path;
	struct sampleset *s;

	(void)state;
	path = tu_write(dir, "b.json",
			"{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
			"\"m\",\n"
			" \"suite\": \"s\", \"prompts\": [\n"
			"  {\"id\": \"p\", \"samples\": [{\"text\": \"a\"}]},\n"
			"  {\"id\": \"p\", \"samples\": [{\"text\": \"b\"}]}]}\n");
	s = baseline_load(path, &err);
	assert_null(s);
	assert_non_null(strstr(err.msg, "duplicate prompt id \"p\""));
	assert_non_null(strstr(err.where, "b.json:4:"));
	free(path);

	/* fuzz_baseline on the streaming loader: a second "prompts" key leaked the first
	 * sampleset. */
	pl_err_init(&err);
	path = tu_write(dir, "c.json",
			"{\"format\": \"plumbline-baseline/1\", \"vendor\": \"v\", \"model\": "
			"\"m\",\n"
			" \"suite\": \"s\", \"prompts\": [{\"id\": \"p\", \"samples\": []}],\n"
			" \"prompts\": [{\"id\": \"q\", \"samples\": [{\"text\": \"b\"}]}]}\n");
	s = baseline_load(path, &err);
	assert_null(s);
	assert_non_null(strstr(err.msg, "duplicate key \"prompts\""));
	free(path);
	tu_rmrf(dir);
	free(dir);
}

/* test_hardening_faults.sh under ASan: every incomplete run without alert channels leaked a
 * JSON object in alerts_dispatch (LeakSanitizer turned exit 3 into exit 1). This test fails
 * under -DPL_SANITIZE=ON if it comes back. */
static void test_alerts_dispatch_without_channels(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct jsonloc loc = { "c.json", "{}", 2 };
	struct alerts *a = alerts_new(&loc, "/alerts", NULL, &err);
	struct alert_event ev;

	(void)state;
	assert_non_null(a);
	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_INCOMPLETE;
	ev.vendor = "v";
	ev.model = "m";
	ev.suite = "s";
	ev.reason = "vendor unreachable";
	assert_int_equal(alerts_dispatch(a, &ev, NULL, &err), 0);
	assert_int_equal(alerts_dispatch(NULL, &ev, NULL, &err), 0);
	alerts_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_big_real),
		cmocka_unit_test(test_canon_inexact_integer),
		cmocka_unit_test(test_register_interrupted_append),
		cmocka_unit_test(test_keygen_crash_states),
		cmocka_unit_test(test_journal_resume_after_torn_line),
		cmocka_unit_test(test_baseline_duplicate_prompt),
		cmocka_unit_test(test_alerts_dispatch_without_channels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
