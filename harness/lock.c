/* lock.c: per vendor/suite lock files with safe takeover of stale locks. */
#include "lock.h"

#include "fileio.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct lock {
	char *path;
	dev_t dev; /* identity of the file we linked, to not remove a successor's lock */
	ino_t ino;
};

const char *lock_name(char *buf, size_t len, const char *vendor, const char *suite)
{
	char *p;

	snprintf(buf, len, "%s.%s", vendor ? vendor : "", suite ? suite : "");
	for (p = buf; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			 (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';

		if (!ok)
			*p = '_';
	}
	if (buf[0] == '.')
		buf[0] = '_';
	return buf;
}

/* Field 22 of /proc/PID/stat: the start time in clock ticks after boot. */
static unsigned long long proc_start(long pid)
{
	char path[64], *text = NULL, *p;
	unsigned long long v = 0;
	struct pl_err e = PL_ERR_INIT;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (fileio_read_all(path, 8192, &text, NULL, &e) < 0)
		return 0;
	p = strrchr(text, ')');
	/* After ")" come field 3 (state) onwards; skip to field 22. */
	for (field = 2; p && field < 22; field++) {
		p = strchr(p + 1, ' ');
	}
	if (p)
		v = strtoull(p + 1, NULL, 10);
	free(text);
	return v;
}

int lock_read(const char *path, struct lock_holder *h)
{
	struct pl_err e = PL_ERR_INIT;
	char *text = NULL, *line, *save = NULL;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	if (fileio_read_all(path, 4096, &text, NULL, &e) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "pid ", 4))
			h->pid = strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "proc_start ", 11))
			h->proc_start = strtoull(line + 11, NULL, 10);
		else if (!strncmp(line, "started ", 8))
			snprintf(h->started, sizeof(h->started), "%s", line + 8);
		else if (!strncmp(line, "host ", 5))
			snprintf(h->host, sizeof(h->host), "%s", line + 5);
	}
	if (h->pid > 0)
		rc = 0;
	free(text);
	return rc;
}

static void my_host(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0)
		snprintf(buf, len, "unknown");
	buf[len - 1] = '\0';
}

int lock_holder_alive(const struct lock_holder *h)
{
	char host[256];
	unsigned long long st;

	my_host(host, sizeof(host));
	if (h->host[0] && strcmp(h->host, host))
		return 1; /* another machine's process: we cannot tell, so assume alive */
	if (h->pid <= 0)
		return 0;
	if (kill((pid_t)h->pid, 0) < 0 && errno == ESRCH)
		return 0;
	/* The pid exists; if it was started at another time it is a reused pid. */
	st = proc_start(h->pid);
	if (h->proc_start && st && st != h->proc_start)
		return 0;
	return 1;
}

static int write_tmp(const char *path, struct sbuf *tmp, struct pl_err *err)
{
	struct sbuf body;
	char stamp[40], host[256];
	time_t now = time(NULL);
	struct tm tm;
	int fd, rc = -1;
	size_t off = 0;

	sbuf_init(&body);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	my_host(host, sizeof(host));
	sbuf_addf(&body, "pid %ld\nproc_start %llu\nstarted %s\nhost %s\n", (long)getpid(),
		  proc_start((long)getpid()), stamp, host);
	sbuf_reset(tmp);
	sbuf_addf(tmp, "%s.%ld.tmp", path, (long)getpid());
	unlink(tmp->buf); /* our own leftover from an earlier attempt */
	fd = open(tmp->buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		pl_err_errno(err, PL_E_IO, tmp->buf, "cannot create lock file");
		goto out;
	}
	while (off < body.len) {
		ssize_t n = write(fd, body.buf + off, body.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err_errno(err, PL_E_IO, tmp->buf, "cannot write lock file");
			close(fd);
			unlink(tmp->buf);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		pl_err_errno(err, PL_E_IO, tmp->buf, "cannot write lock file");
		unlink(tmp->buf);
		goto out;
	}
	rc = 0;
out:
	sbuf_release(&body);
	return rc;
}

int lock_file_acquire(const char *path, struct pl_err *err)
{
	return lock_file_acquire_mode(path, 0, err);
}

int lock_file_acquire_mode(const char *path, unsigned flags, struct pl_err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	int op = (flags & LOCK_FILE_SHARED ? LOCK_SH : LOCK_EX) |
		 (flags & LOCK_FILE_NOWAIT ? LOCK_NB : 0);

	if (fd < 0)
		return pl_err_errno(err, PL_E_IO, path, "cannot open lock file");
	while (flock(fd, op) < 0) {
		if (errno != EINTR) {
			int busy = errno == EWOULDBLOCK;

			pl_err_errno(err, busy ? PL_E_VENDOR : PL_E_IO, path,
				     busy ? "held by another process" : "cannot lock");
			close(fd);
			return -1;
		}
	}
	return fd;
}

void lock_file_release(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

/* Removes path if it still is the stale lock we read (same pid and start), under the guard's
 * flock so that a concurrent taker cannot remove a lock we have just created. */
static int take_over(const char *path, const struct lock_holder *stale, struct pl_err *err)
{
	struct lock_holder again;
	struct sbuf guard;
	int fd, rc = -1;

	sbuf_init(&guard);
	sbuf_addf(&guard, "%s.guard", path);
	fd = lock_file_acquire(guard.buf, err);
	if (fd < 0)
		goto out;
	if (lock_read(path, &again) == 0 && again.pid == stale->pid &&
	    again.proc_start == stale->proc_start && !strcmp(again.started, stale->started) &&
	    !lock_holder_alive(&again)) {
		if (unlink(path) < 0 && errno != ENOENT) {
			pl_err_errno(err, PL_E_IO, path, "cannot remove stale lock");
			goto out;
		}
	}
	rc = 0;
out:
	lock_file_release(fd);
	sbuf_release(&guard);
	return rc;
}

static void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int lock_acquire(const char *state_dir, const char *name, double wait_s, struct lock **out,
		 struct lock_holder *holder, struct pl_err *err)
{
	struct sbuf dir, path, tmp;
	struct lock_holder h;
	struct stat st;
	double deadline = mono() + (wait_s > 0 ? wait_s : 0);
	int rc = -1, have_tmp = 0;

	*out = NULL;
	sbuf_init(&dir);
	sbuf_init(&path);
	sbuf_init(&tmp);
	memset(&h, 0, sizeof(h));
	sbuf_addf(&dir, "%s/locks", state_dir && *state_dir ? state_dir : ".");
	sbuf_addf(&path, "%s/%s.lock", dir.buf, name);
	if (fileio_mkdirs(dir.buf, err) < 0 || fileio_check_dirs(path.buf, 2, err) < 0)
		goto out;
	if (write_tmp(path.buf, &tmp, err) < 0)
		goto out;
	have_tmp = 1;
	for (;;) {
		if (link(tmp.buf, path.buf) == 0)
			break;
		if (errno != EEXIST) {
			pl_err_errno(err, PL_E_IO, path.buf, "cannot create lock");
			goto out;
		}
		if (lock_read(path.buf, &h) < 0) {
			/* Vanished between link and read (released), or malformed: a lock file is
			 * written complete before it is linked, so a malformed one is not ours to
			 * judge; it is reported below after the wait. */
			if (!fileio_exists(path.buf))
				continue;
		} else if (!lock_holder_alive(&h)) {
			if (take_over(path.buf, &h, err) < 0)
				goto out;
			continue;
		}
		if (mono() >= deadline) {
			if (holder)
				*holder = h;
			if (h.pid > 0)
				pl_err_set(err, PL_E_VENDOR, path.buf,
					   "another plumbline run holds the lock (pid %ld, started "
					   "%s on %s); waited %.0f s",
					   h.pid, h.started[0] ? h.started : "?",
					   h.host[0] ? h.host : "?", wait_s > 0 ? wait_s : 0);
			else
				pl_err_set(err, PL_E_VENDOR, path.buf,
					   "lock file is held but unreadable; remove it if no "
					   "plumbline run is active");
			goto out;
		}
		sleep_s(0.1);
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->path = sbuf_detach(&path, NULL);
	if (stat((*out)->path, &st) == 0) {
		(*out)->dev = st.st_dev;
		(*out)->ino = st.st_ino;
	}
	rc = 0;
out:
	if (have_tmp)
		unlink(tmp.buf);
	sbuf_release(&dir);
	sbuf_release(&path);
	sbuf_release(&tmp);
	return rc;
}

const char *lock_path(const struct lock *l)
{
	return l ? l->path : NULL;
}

void lock_release(struct lock *l)
{
	struct stat st;

	if (!l)
		return;
	if (stat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	free(l);
}

struct lockset {
	struct lock **locks;
	size_t n;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void lock_release_all(struct lockset *s)
{
	size_t i;

	if (!s)
		return;
	for (i = s->n; i > 0; i--)
		lock_release(s->locks[i - 1]);
	free(s->locks);
	free(s);
}

int lock_acquire_all(const char *state_dir, const char *const *names, size_t n, double wait_s,
		     struct lockset **out, struct lock_holder *holder, struct pl_err *err)
{
	const char **sorted = xcalloc(n + 1, sizeof(*sorted));
	struct lockset *s = xcalloc(1, sizeof(*s));
	double deadline = mono() + (wait_s > 0 ? wait_s : 0);
	size_t i;
	int rc = -1;

	*out = NULL;
	memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_names);
	s->locks = xcalloc(n + 1, sizeof(*s->locks));
	for (i = 0; i < n; i++) {
		double left = deadline - mono();

		if (i > 0 && !strcmp(sorted[i], sorted[i - 1]))
			continue; /* the same vendor/suite twice */
		if (lock_acquire(state_dir, sorted[i], left > 0 ? left : 0, &s->locks[s->n], holder,
				 err) < 0)
			goto out;
		s->n++;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	lock_release_all(s);
	free(sorted);
	return rc;
}
