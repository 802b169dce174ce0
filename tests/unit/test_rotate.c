/* test_rotate.c: signing-key rotation: the files it leaves, the lock a run holds, and a
 * rotation a crash interrupted at each step (finished, or refused saying what to do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "lock.h"
#include "register.h"
#include "rotate.h"
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static char *in(const char *sub, const char *name)
{
	static char bufs[16][300];
	static int i;
	char *b = bufs[i++ % 16];

	snprintf(b, 300, "%s/%s/%s", dir, sub, name);
	return b;
}

static void copy(const char *from, const char *to, mode_t mode)
{
	struct pl_err err = PL_ERR_INIT;
	char *b = NULL;
	size_t len;

	assert_int_equal(fileio_read_all(from, 1 << 24, &b, &len, &err), 0);
	assert_int_equal(fileio_write_atomic(to, b, len, mode, &err), 0);
	free(b);
}

/* A state folder sub/ with a key pair and a register of two runs. */
static void state(const char *sub)
{
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k;
	struct reg *r;
	int i;

	assert_int_equal(sign_keygen(in(sub, "k.key"), in(sub, "register.pub"), NULL, 0, &err), 0);
	k = sign_key_load(in(sub, "k.key"), &err);
	r = register_open(in(sub, "register.jsonl"), k, &err);
	assert_non_null(r);
	for (i = 0; i < 2; i++) {
		struct reg_run_entry e;
		char report[300];

		memset(&e, 0, sizeof(e));
		snprintf(report, sizeof(report), "%s/%s/r%d.json", dir, sub, i);
		assert_int_equal(fileio_write_atomic(report, "{}\n", 3, 0644, &err), 0);
		e.vendor = "v";
		e.model = "m";
		e.suite = "s";
		e.verdict = "pass";
		e.report = report;
		e.availability = e.latency_p50_ms = e.latency_p95_ms = -1;
		assert_true(register_sign_and_append(r, k, &e, &err) >= 0);
	}
	register_close(r);
	sign_key_free(k);
}

/* The paths of sub/, in storage of their own (in()'s buffers are reused). */
static struct rotate_paths paths(const char *sub)
{
	static char bufs[8][3][300];
	static int i;
	struct rotate_paths p;
	char(*b)[300] = bufs[i++ % 8];

	snprintf(b[0], 300, "%s", in(sub, "k.key"));
	snprintf(b[1], 300, "%s", in(sub, "register.pub"));
	snprintf(b[2], 300, "%s", in(sub, "register.jsonl"));
	p.secret_key = b[0];
	p.public_key = b[1];
	p.register_path = b[2];
	return p;
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/pl_test_rotate.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int teardown(void **st)
{
	(void)st;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static struct sign_pub *pub_of(const char *path)
{
	struct pl_err err = PL_ERR_INIT;
	struct sign_pub *p = sign_pub_load(path, &err);

	assert_non_null(p);
	return p;
}

static int count_lines(const char *path, const char *needle)
{
	struct pl_err err = PL_ERR_INIT;
	char *b = NULL, *p;
	size_t len;
	int n = 0;

	assert_int_equal(fileio_read_all(path, 1 << 24, &b, &len, &err), 0);
	for (p = b; (p = strstr(p, needle)); p++)
		n++;
	free(b);
	return n;
}

/* A rotation: one entry, the new secret key in place (0600), the old public files kept, the
 * new ones written, the old secret key gone, the register verifying with the original key. */
static void test_rotate_files(void **st)
{
	struct pl_err err = PL_ERR_INIT;
	struct rotate_paths p = paths("a");
	struct rotate_result res;
	struct reg_verify_result vr;
	struct sign_pub *orig, *now, *kept;
	struct sign_key *k;
	struct stat sb;
	char keep[400];

	(void)st;
	state("a");
	orig = pub_of(p.public_key);
	assert_int_equal(rotate_key(&p, "scheduled", &res, &err), 0);
	assert_int_equal(res.seq, 2);
	assert_int_equal(res.finished, 0);
	assert_int_equal(res.old_public_kept, 1);
	assert_int_equal(count_lines(p.register_path, "\"type\":\"key_rotation\""), 1);
	assert_int_equal(count_lines(p.register_path, "\"reason\":\"scheduled\""), 1);
	k = sign_key_load(p.secret_key, &err);
	assert_non_null(k);
	now = sign_key_pub(k);
	assert_false(sign_pub_equal(now, orig));
	assert_int_equal(stat(p.secret_key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_false(fileio_exists(in("a", "k.key.next")));
	snprintf(keep, sizeof(keep), "%s/a/k.key.retired-%s", dir, res.old_key);
	assert_false(fileio_exists(keep)); /* the old key was wiped */
	kept = pub_of(in("a", "register.pub"));
	assert_true(sign_pub_equal(kept, now)); /* the new public key */
	sign_pub_free(kept);
	snprintf(keep, sizeof(keep), "%s/a/register.pub.%s", dir, res.old_key);
	kept = pub_of(keep);
	assert_true(sign_pub_equal(kept, orig)); /* the old one kept */
	sign_pub_free(kept);
	snprintf(keep, sizeof(keep), "%s/a/register.pub.%s.pem", dir, res.old_key);
	kept = pub_of(keep);
	assert_true(sign_pub_equal(kept, orig));
	sign_pub_free(kept);
	kept = pub_of(in("a", "register.pub.pem"));
	assert_true(sign_pub_equal(kept, now));
	sign_pub_free(kept);
	assert_int_equal(register_verify(p.register_path, orig, NULL, &vr, &err), 0);
	assert_int_equal(vr.rotations, 1);
	assert_string_equal(vr.current_key, res.new_key);
	/* a public key file holding another key is not written over */
	copy(p.public_key, in("a", "pub.save"), 0644);
	assert_int_equal(sign_keygen(in("a", "x.key"), in("a", "x.pub"), NULL, 0, &err), 0);
	copy(in("a", "x.pub"), p.public_key, 0644);
	assert_int_equal(rotate_key(&p, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "not the secret key's public half"));
	assert_int_equal(count_lines(p.register_path, "key_rotation"), 1);
	copy(in("a", "pub.save"), p.public_key, 0644);
	pl_err_init(&err);
	/* a second rotation chains */
	assert_int_equal(rotate_key(&p, NULL, &res, &err), 0);
	assert_int_equal(res.seq, 3);
	assert_int_equal(register_verify(p.register_path, orig, NULL, &vr, &err), 0);
	assert_int_equal(vr.rotations, 2);
	sign_pub_free(orig);
	sign_pub_free(now);
	sign_key_free(k);
}

/* A run holds the rotation lock shared: a rotation meanwhile fails at once, changing
 * nothing. */
static void test_rotate_waits_for_run(void **st)
{
	struct pl_err err = PL_ERR_INIT;
	struct rotate_paths p = paths("b");
	struct rotate_result res;
	int fd;

	(void)st;
	state("b");
	fd = rotate_lock_shared(p.register_path, &err);
	assert_true(fd >= 0);
	assert_int_equal(rotate_key(&p, NULL, &res, &err), -1);
	assert_int_equal(err.code, PL_E_VENDOR);
	assert_non_null(strstr(err.msg, "a run (or another rotation) is signing with the key"));
	assert_int_equal(count_lines(p.register_path, "key_rotation"), 0);
	assert_false(fileio_exists(in("b", "k.key.next")));
	lock_file_release(fd);
	pl_err_init(&err);
	assert_int_equal(rotate_key(&p, NULL, &res, &err), 0);
}

/* The states a crash leaves, made from a finished rotation in a copy: the register (and
 * checkpoint: with_ckpt) of after the entry, the old secret key, the new one as k.key.next. */
static void crashed(const char *sub, int with_ckpt, int with_next)
{
	struct pl_err err = PL_ERR_INIT;
	struct rotate_paths done;
	struct rotate_result res;
	char tmp[16];

	state(sub);
	snprintf(tmp, sizeof(tmp), "%s-done", sub);
	assert_int_equal(mkdir(in(tmp, ""), 0755), 0);
	copy(in(sub, "k.key"), in(tmp, "k.key"), 0600);
	copy(in(sub, "register.pub"), in(tmp, "register.pub"), 0644);
	copy(in(sub, "register.jsonl"), in(tmp, "register.jsonl"), 0644);
	copy(in(sub, "register.jsonl.checkpoint"), in(tmp, "register.jsonl.checkpoint"), 0644);
	done = paths(tmp);
	assert_int_equal(rotate_key(&done, "crash", &res, &err), 0);
	copy(in(tmp, "register.jsonl"), in(sub, "register.jsonl"), 0644);
	if (with_ckpt)
		copy(in(tmp, "register.jsonl.checkpoint"), in(sub, "register.jsonl.checkpoint"),
		     0644);
	if (with_next)
		copy(in(tmp, "k.key"), in(sub, "k.key.next"), 0600);
}

/* Died after the entry (checkpoint written or not): a run's register_open refuses the old key
 * naming the entry; the rotation finishes without a second entry; the run then works. */
static void test_crash_after_entry(void **st)
{
	static const char *const subs[] = { "c", "d" };
	size_t i;

	(void)st;
	for (i = 0; i < 2; i++) {
		struct pl_err err = PL_ERR_INIT;
		struct rotate_paths p = paths(subs[i]);
		struct rotate_result res;
		struct reg_verify_result vr;
		struct sign_key *k;
		struct sign_pub *orig;
		struct reg *r;

		crashed(subs[i], i == 0, 1);
		orig = pub_of(p.public_key);
		k = sign_key_load(p.secret_key, &err);
		r = register_open(p.register_path, k, &err);
		assert_null(r);
		assert_int_equal(err.code, PL_E_IO);
		assert_non_null(strstr(err.msg, "register entry #2 (a key rotation) hands the "
						"register over to key "));
		sign_key_free(k);
		pl_err_init(&err);
		assert_int_equal(rotate_key(&p, "again", &res, &err), 0);
		assert_int_equal(res.finished, 1);
		assert_int_equal(res.seq, 2);
		assert_int_equal(count_lines(p.register_path, "key_rotation"), 1);
		assert_int_equal(count_lines(p.register_path, "again"), 0);
		assert_false(fileio_exists(in(subs[i], "k.key.next")));
		/* the checkpoint is the new key's, over all 3 entries */
		assert_int_equal(register_verify(p.register_path, orig, NULL, &vr, &err), 0);
		assert_int_equal(vr.checkpoint_size, 3);
		k = sign_key_load(p.secret_key, &err);
		r = register_open(p.register_path, k, &err);
		assert_non_null(r);
		register_close(r);
		sign_key_free(k);
		sign_pub_free(orig);
	}
}

/* Died after the entry with the new key lost: refused, saying the register cannot be
 * extended; died before the entry (only k.key.next): a new rotation, with a new key. */
static void test_crash_lost_and_early(void **st)
{
	struct pl_err err = PL_ERR_INIT;
	struct rotate_paths p = paths("e"), q = paths("f");
	struct rotate_result res;
	struct sign_pub *stray, *now;
	struct sign_key *k;

	(void)st;
	crashed("e", 1, 0);
	assert_int_equal(rotate_key(&p, NULL, &res, &err), -1);
	printf("lost: %s: %s\n", err.where, err.msg);
	assert_non_null(strstr(err.msg, "the new key is lost, so the register cannot be extended"));
	assert_non_null(strstr(err.where, "k.key.next"));
	/* only step 1 happened: the stray key is never used */
	state("f");
	pl_err_init(&err);
	assert_int_equal(sign_keygen(in("f", "stray.key"), in("f", "stray.pub"), NULL, 0, &err), 0);
	copy(in("f", "stray.key"), in("f", "k.key.next"), 0600);
	stray = pub_of(in("f", "stray.pub"));
	assert_int_equal(rotate_key(&q, NULL, &res, &err), 0);
	assert_int_equal(res.finished, 0);
	k = sign_key_load(q.secret_key, &err);
	now = sign_key_pub(k);
	assert_false(sign_pub_equal(now, stray));
	sign_pub_free(now);
	sign_pub_free(stray);
	sign_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotate_files),
		cmocka_unit_test(test_rotate_waits_for_run),
		cmocka_unit_test(test_crash_after_entry),
		cmocka_unit_test(test_crash_lost_and_early),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
