/* fileio.c: whole-file reads and crash-safe (atomic) writes. */
#include "fileio.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fileio_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int fileio_mkdirs(const char *dir, struct pl_err *err)
{
	char *p = NULL, *s;
	int rc = -1;

	if (!dir || !*dir)
		return 0;
	p = xstrdup(dir);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			pl_err_errno(err, PL_E_IO, p, "cannot create directory");
			goto out;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		pl_err_errno(err, PL_E_IO, p, "cannot create directory");
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

int fileio_check_dirs(const char *path, int levels, struct pl_err *err)
{
	char *dir = xstrdup(path), *slash;
	struct stat st;
	int rc = 0;

	while (levels-- > 0) {
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break; /* "file" or "/file": the current or the root folder */
		*slash = '\0';
		if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
			rc = pl_err_set(err, PL_E_IO, dir,
					"is a symbolic link: plumbline does not create files "
					"through a linked folder (make it a real folder)");
			break;
		}
	}
	free(dir);
	return rc;
}

int fileio_check_not_link(const char *path, struct pl_err *err)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return pl_err_set(err, PL_E_IO, path,
				  "is a symbolic link: plumbline does not follow links in its "
				  "folders (make it a real file)");
	return 0;
}

FILE *fileio_fopen_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

/* The error of a failed open: a link where a file was expected is named as such. */
static int open_fail(struct pl_err *err, const char *path, const char *what)
{
	if (errno == ELOOP)
		return pl_err_set(err, PL_E_IO, path,
				  "is a symbolic link: plumbline does not follow links in its "
				  "folders");
	return pl_err_errno(err, PL_E_IO, path, "%s", what);
}

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *data = buf;

	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fsync_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int fileio_atomic_open(struct fileio_atomic *a, const char *path, mode_t mode, struct pl_err *err)
{
	struct sbuf tmp;
	char *dir, *slash;
	int tries;

	a->fd = -1;
	a->path = a->tmp = NULL;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (fileio_mkdirs(dir, err) < 0) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	if (fileio_check_dirs(path, 1, err) < 0)
		return -1;
	sbuf_init(&tmp);
	for (tries = 0; tries < 100 && a->fd < 0; tries++) {
		sbuf_reset(&tmp);
		sbuf_addf(&tmp, "%s.tmp.%ld.%d", path, (long)getpid(), tries);
		a->fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (a->fd < 0 && errno != EEXIST) {
			sbuf_release(&tmp);
			return pl_err_errno(err, PL_E_IO, path, "cannot create temporary file");
		}
	}
	if (a->fd < 0) {
		sbuf_release(&tmp);
		return pl_err_set(err, PL_E_IO, path, "cannot create a unique temporary file");
	}
	a->tmp = sbuf_detach(&tmp, NULL);
	a->path = xstrdup(path);
	/* open() applied the umask: mode is the most the file can have: 0600 stays 0600, and a
	 * user's umask 077 keeps everything private (no fchmod back to mode). */
	return 0;
}

int fileio_atomic_write(struct fileio_atomic *a, const void *data, size_t len, struct pl_err *err)
{
	if (a->fd < 0)
		return pl_err_set(err, PL_E_INTERNAL, a->path, "write to a closed file");
	if (fileio_write_all(a->fd, data, len) < 0)
		return pl_err_errno(err, PL_E_IO, a->path, "cannot write");
	return 0;
}

int fileio_atomic_commit(struct fileio_atomic *a, struct pl_err *err)
{
	int fd = a->fd;

	if (fd < 0)
		return pl_err_set(err, PL_E_INTERNAL, a->path, "commit of a closed file");
	a->fd = -1;
	if (fsync(fd) < 0) {
		pl_err_errno(err, PL_E_IO, a->path, "cannot write");
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return pl_err_errno(err, PL_E_IO, a->path, "cannot write");
	if (rename(a->tmp, a->path) < 0)
		return pl_err_errno(err, PL_E_IO, a->path, "cannot replace");
	fsync_dir(a->path);
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	return 0;
}

void fileio_atomic_abort(struct fileio_atomic *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
}

int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			struct pl_err *err)
{
	struct fileio_atomic a;

	if (fileio_atomic_open(&a, path, mode, err) < 0)
		return -1;
	if (fileio_atomic_write(&a, data, len, err) < 0 || fileio_atomic_commit(&a, err) < 0) {
		fileio_atomic_abort(&a);
		return -1;
	}
	return 0;
}

int fileio_append(const char *path, const void *data, size_t len, mode_t mode, struct pl_err *err)
{
	int fd, rc = -1;

	if (fileio_check_dirs(path, 1, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return open_fail(err, path, "cannot open for appending");
	if (fileio_write_all(fd, data, len) < 0 || fdatasync(fd) < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot append");
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int fileio_read_all(const char *path, size_t max_bytes, char **out, size_t *len, struct pl_err *err)
{
	struct sbuf sb;
	char chunk[65536];
	int fd, rc = -1;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_err_errno(err, errno == ENOENT ? PL_E_INPUT : PL_E_IO, path,
				    "cannot open");
	sbuf_init(&sb);
	{
		struct stat st;

		/* one allocation of the right size for a regular file (no doubling slack) */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (size_t)st.st_size <= max_bytes)
			sbuf_grow(&sb, (size_t)st.st_size + 1);
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err_errno(err, PL_E_IO, path, "cannot read");
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > max_bytes) {
			pl_err_set(err, PL_E_INPUT, path, "file is larger than %zu bytes",
				   max_bytes);
			goto out;
		}
		sbuf_add(&sb, chunk, (size_t)n);
	}
	*out = sbuf_detach(&sb, len);
	rc = 0;
out:
	close(fd);
	sbuf_release(&sb);
	return rc;
}

char *fileio_abspath_named(const char *path)
{
	struct sbuf in, out;
	const char *pwd = getenv("PWD"), *p, *e;
	struct stat a, b;
	char *cwd = NULL;

	sbuf_init(&in);
	sbuf_init(&out);
	if (path[0] != '/') {
		if (pwd && pwd[0] == '/' && !stat(pwd, &a) && !stat(".", &b) &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			sbuf_addstr(&in, pwd);
		else if ((cwd = getcwd(NULL, 0)))
			sbuf_addstr(&in, cwd);
		sbuf_addch(&in, '/');
	}
	sbuf_addstr(&in, path);
	for (p = in.buf; *p; p = e) {
		while (*p == '/')
			p++;
		for (e = p; *e && *e != '/'; e++)
			;
		if (e == p || (e - p == 1 && p[0] == '.'))
			continue;
		if (e - p == 2 && p[0] == '.' && p[1] == '.') {
			while (out.len && out.buf[out.len - 1] != '/')
				out.len--;
			if (out.len) {
				out.len--;
				out.buf[out.len] = '\0';
			}
			continue;
		}
		sbuf_addch(&out, '/');
		sbuf_add(&out, p, (size_t)(e - p));
	}
	if (!out.len)
		sbuf_addch(&out, '/');
	free(cwd);
	sbuf_release(&in);
	return sbuf_detach(&out, NULL);
}
