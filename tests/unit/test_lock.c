/* test_lock.c: lock files: exclusion, the holder named in the error, waiting, stale takeover
 * (dead pid, reused pid) and a race of several processes for one stale lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lock.h"

#include "fileio.h"
#include "sbuf.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pl_test_lock_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	pid_t pid;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s", dir);
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", cmd, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

static void lockfile(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/locks/%s.lock", dir, name);
}

static void write_lock(const char *name, long pid, unsigned long long start, const char *host)
{
	char path[256], body[512];
	struct pl_err err = PL_ERR_INIT;
	int n;

	lockfile(path, sizeof(path), name);
	n = snprintf(body, sizeof(body),
		     "pid %ld\nproc_start %llu\nstarted 2026-01-01T00:00:00Z\nhost %s\n", pid,
		     start, host);
	assert_int_equal(fileio_write_atomic(path, body, (size_t)n, 0644, &err), 0);
}

static long dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

static void my_host(char *buf, size_t len)
{
	gethostname(buf, len);
	buf[len - 1] = '\0';
}

static void test_name(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(lock_name(buf, sizeof(buf), "openai-prod", "core"), "openai-prod.core");
	assert_string_equal(lock_name(buf, sizeof(buf), "a/../b", "x y"), "a_.._b.x_y");
	assert_string_equal(lock_name(buf, sizeof(buf), "", "s"), "_s");
}

static void test_exclusive_and_holder_named(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct lock *a = NULL, *b = NULL;
	struct lock_holder h;
	char path[256], expect[64];

	(void)state;
	assert_int_equal(lock_acquire(dir, "v.s", 0, &a, NULL, &err), 0);
	assert_non_null(a);
	lockfile(path, sizeof(path), "v.s");
	assert_string_equal(lock_path(a), path);
	assert_int_equal(lock_read(path, &h), 0);
	assert_int_equal(h.pid, (long)getpid());
	assert_true(h.proc_start > 0);

	assert_int_equal(lock_acquire(dir, "v.s", 0.3, &b, &h, &err), -1);
	assert_null(b);
	assert_int_equal(err.code, PL_E_VENDOR);
	assert_string_equal(err.where, path);
	snprintf(expect, sizeof(expect), "(pid %ld, started ", (long)getpid());
	assert_non_null(strstr(err.msg, expect));
	assert_non_null(strstr(err.msg, "waited 0 s"));
	assert_int_equal(h.pid, (long)getpid());

	/* A different suite is a different lock. */
	pl_err_init(&err);
	assert_int_equal(lock_acquire(dir, "v.other", 0, &b, NULL, &err), 0);
	lock_release(b);
	lock_release(a);
	assert_false(fileio_exists(path));
	lock_release(NULL);
}

static void test_waits_for_release(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct lock *l = NULL;
	struct timespec t0, t1;
	int p[2];
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	child = fork();
	if (child == 0) {
		struct lock *cl = NULL;
		struct pl_err ce = PL_ERR_INIT;

		if (lock_acquire(dir, "wait", 0, &cl, NULL, &ce) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		usleep(400000);
		lock_release(cl);
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lock_acquire(dir, "wait", 5, &l, NULL, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* It did wait for the holder, and not for the whole 5 s. */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 200);
	assert_true(t1.tv_sec - t0.tv_sec < 4);
	lock_release(l);
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
}

static void test_stale_dead_pid_taken_over(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct lock *l = NULL;
	struct lock_holder h;
	char path[256], host[256];

	(void)state;
	my_host(host, sizeof(host));
	write_lock("stale", dead_pid(), 12345, host);
	lockfile(path, sizeof(path), "stale");
	assert_int_equal(lock_read(path, &h), 0);
	assert_int_equal(lock_holder_alive(&h), 0);
	assert_int_equal(lock_acquire(dir, "stale", 0, &l, NULL, &err), 0);
	assert_int_equal(lock_read(path, &h), 0);
	assert_int_equal(h.pid, (long)getpid());
	lock_release(l);
}

static void test_reused_pid_is_stale(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct lock *l = NULL;
	char host[256];

	(void)state;
	my_host(host, sizeof(host));
	/* Our own pid, but a process start time that is not ours: the pid was reused. */
	write_lock("reused", (long)getpid(), 1, host);
	assert_int_equal(lock_acquire(dir, "reused", 0, &l, NULL, &err), 0);
	lock_release(l);
}

static void test_other_host_not_taken(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct lock *l = NULL;

	(void)state;
	write_lock("remote", dead_pid(), 1, "some-other-host.example");
	assert_int_equal(lock_acquire(dir, "remote", 0, &l, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "on some-other-host.example"));
}

static void test_release_keeps_successors_lock(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct lock *l = NULL;
	char path[256], host[256];
	struct lock_holder h;

	(void)state;
	my_host(host, sizeof(host));
	assert_int_equal(lock_acquire(dir, "succ", 0, &l, NULL, &err), 0);
	/* Someone judged us dead and replaced the lock; releasing must not remove theirs. */
	lockfile(path, sizeof(path), "succ");
	write_lock("succ", 1, 0, host);
	lock_release(l);
	assert_int_equal(lock_read(path, &h), 0);
	assert_int_equal(h.pid, 1);
}

static void test_race_for_stale_lock(void **state)
{
	enum { N = 6 };
	pid_t kids[N];
	int p[2], i, won = 0, lost = 0, status;
	char host[256];

	(void)state;
	my_host(host, sizeof(host));
	write_lock("race", dead_pid(), 7, host);
	assert_int_equal(pipe(p), 0);
	for (i = 0; i < N; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct lock *cl = NULL;
			struct pl_err ce = PL_ERR_INIT;
			char c;

			close(p[1]);
			/* Start together. */
			if (read(p[0], &c, 1) < 0)
				_exit(3);
			if (lock_acquire(dir, "race", 0, &cl, NULL, &ce) < 0)
				_exit(ce.code == PL_E_VENDOR ? 1 : 2);
			usleep(500000); /* hold it while the others try */
			lock_release(cl);
			_exit(0);
		}
	}
	close(p[0]);
	close(p[1]); /* EOF releases every child at once */
	for (i = 0; i < N; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			won++;
		else if (WEXITSTATUS(status) == 1)
			lost++;
	}
	assert_int_equal(won, 1);
	assert_int_equal(lost, N - 1);
}

/* lock_file_acquire: the one flock routine is exclusive between processes, waits for the
 * holder, and never opens a planted symbolic link. */
static void test_lock_file_exclusive(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char path[256], link[256];
	int fd, p[2], status;
	pid_t pid;
	char c;

	(void)state;
	snprintf(path, sizeof(path), "%s/guard.lock", dir);
	fd = lock_file_acquire(path, &err);
	assert_true(fd >= 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct pl_err e = PL_ERR_INIT;
		int cfd;

		close(p[0]);
		close(fd); /* the inherited copy would keep the parent's lock alive */
		cfd = open(path, O_RDWR);
		/* held by the parent: a non-blocking attempt fails */
		if (cfd < 0 || flock(cfd, LOCK_EX | LOCK_NB) == 0)
			_exit(2);
		close(cfd);
		if (write(p[1], "w", 1) != 1)
			_exit(3);
		cfd = lock_file_acquire(path, &e); /* waits until the parent releases */
		_exit(cfd >= 0 ? 0 : 4);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1); /* the child found it held */
	lock_file_release(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p[0]);
	lock_file_release(-1); /* a no-op */

	snprintf(link, sizeof(link), "%s/planted.lock", dir);
	assert_int_equal(symlink("/tmp/pl_test_lock_elsewhere", link), 0);
	pl_err_init(&err);
	assert_int_equal(lock_file_acquire(link, &err), -1);
	assert_int_equal(err.code, PL_E_IO);
	assert_int_equal(access("/tmp/pl_test_lock_elsewhere", F_OK), -1); /* not created */
}

static void test_acquire_all(void **state)
{
	const char *names[] = { "v2.s", "v1.s", "v2.s" };
	struct pl_err err = PL_ERR_INIT;
	struct lockset *set = NULL, *other = NULL;
	struct lock *one = NULL;
	char path[256];

	(void)state;
	assert_int_equal(lock_acquire_all(dir, names, 3, 0, &set, NULL, &err), 0);
	lockfile(path, sizeof(path), "v1.s");
	assert_true(fileio_exists(path));
	/* A second set overlapping the first cannot be taken, and keeps nothing. */
	assert_int_equal(lock_acquire_all(dir, names + 1, 1, 0, &other, NULL, &err), -1);
	assert_null(other);
	lock_release_all(set);
	assert_false(fileio_exists(path));
	/* Failing half-way releases what was taken: v1.s free again afterwards. */
	pl_err_init(&err);
	assert_int_equal(lock_acquire(dir, "v2.s", 0, &one, NULL, &err), 0);
	assert_int_equal(lock_acquire_all(dir, names, 2, 0, &other, NULL, &err), -1);
	assert_false(fileio_exists(path));
	lock_release(one);
	lock_release_all(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_lock_file_exclusive),
		cmocka_unit_test(test_exclusive_and_holder_named),
		cmocka_unit_test(test_waits_for_release),
		cmocka_unit_test(test_stale_dead_pid_taken_over),
		cmocka_unit_test(test_reused_pid_is_stale),
		cmocka_unit_test(test_other_host_not_taken),
		cmocka_unit_test(test_release_keeps_successors_lock),
		cmocka_unit_test(test_race_for_stale_lock),
		cmocka_unit_test(test_acquire_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
