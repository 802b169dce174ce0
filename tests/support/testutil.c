/* testutil.c: temp files and fixtures for the unit tests. */
#include "testutil.h"
#include "fileio.h"
#include "sbuf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/pltest.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return xstrdup(d);
}

char *tu_write(const char *dir, const char *name, const char *text)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf p;

	sbuf_init(&p);
	sbuf_addf(&p, "%s/%s", dir, name);
	assert_int_equal(fileio_write_atomic(p.buf, text, strlen(text), 0644, &err), 0);
	return sbuf_detach(&p, NULL);
}

char *tu_read(const char *path, size_t *len)
{
	struct pl_err err = PL_ERR_INIT;
	char *out = NULL;

	if (fileio_read_all(path, 1u << 30, &out, len, &err) < 0)
		return NULL;
	return out;
}

void tu_rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		unlink(dir);
		return;
	}
	while ((e = readdir(d))) {
		struct sbuf p;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sbuf_init(&p);
		sbuf_addf(&p, "%s/%s", dir, e->d_name);
		if (lstat(p.buf, &st) == 0 && S_ISDIR(st.st_mode))
			tu_rmrf(p.buf);
		else
			unlink(p.buf);
		sbuf_release(&p);
	}
	closedir(d);
	rmdir(dir);
}

const char *tu_fixture(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", PL_FIXTURES, rel);
	return buf;
}

int tu_count_arg(const char *s, int def)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end || v <= 0 || v > 100000 ? def : (int)v;
}

int tu_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while (*p) {
		size_t k = strcspn(p, ",");

		if (k == n && !strncmp(p, name, n))
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}
