/* test_fileio.c: atomic writes, modes, size caps, appends. */
#include "testutil.h"
#include "fileio.h"
#include "sbuf.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_atomic_write_creates_dirs_and_mode(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *text;
	struct sbuf p;
	struct stat st;
	size_t len;

	mode_t old = umask(022);

	(void)state;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/a/b/c.json", dir);
	assert_int_equal(fileio_write_atomic(p.buf, "one", 3, 0600, &err), 0);
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fileio_write_atomic(p.buf, "second", 6, 0644, &err), 0);
	text = tu_read(p.buf, &len);
	assert_string_equal(text, "second");
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	free(text);
	/* The user's umask is respected: 077 keeps a report private, a key stays 0600. */
	umask(077);
	assert_int_equal(fileio_write_atomic(p.buf, "third", 5, 0644, &err), 0);
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	umask(027);
	assert_int_equal(fileio_write_atomic(p.buf, "fourth", 6, 0644, &err), 0);
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(fileio_write_atomic(p.buf, "key", 3, 0600, &err), 0);
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	umask(old);
	sbuf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

static void test_atomic_write_leaves_no_temp_files(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir();
	struct sbuf p;
	DIR *d;
	struct dirent *e;
	int n = 0, i;

	(void)state;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/x", dir);
	for (i = 0; i < 20; i++)
		assert_int_equal(fileio_write_atomic(p.buf, "data", 4, 0644, &err), 0);
	d = opendir(dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 1);
	sbuf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A file written piece by piece: nothing at the path until commit; the old file stays whole
 * until then; abort leaves neither the new file nor a temp file. */
static void test_atomic_stream(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct fileio_atomic a;
	char *dir = tu_tmpdir(), *text;
	struct sbuf p;
	size_t len;

	(void)state;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/r/report.json", dir);
	assert_int_equal(fileio_atomic_open(&a, p.buf, 0644, &err), 0);
	assert_int_equal(fileio_atomic_write(&a, "{\"a\": ", 6, &err), 0);
	assert_int_equal(fileio_exists(p.buf), 0);
	assert_int_equal(fileio_atomic_write(&a, "1}\n", 3, &err), 0);
	assert_int_equal(fileio_atomic_commit(&a, &err), 0);
	fileio_atomic_abort(&a); /* after a commit: nothing to undo */
	text = tu_read(p.buf, &len);
	assert_string_equal(text, "{\"a\": 1}\n");
	free(text);

	/* a second writer that gives up: the first file is untouched, no temp file is left */
	assert_int_equal(fileio_atomic_open(&a, p.buf, 0644, &err), 0);
	assert_int_equal(fileio_atomic_write(&a, "half", 4, &err), 0);
	fileio_atomic_abort(&a);
	fileio_atomic_abort(&a);
	text = tu_read(p.buf, &len);
	assert_string_equal(text, "{\"a\": 1}\n");
	free(text);
	sbuf_reset(&p);
	sbuf_addf(&p, "%s/r", dir);
	assert_int_equal(count_entries(p.buf), 1);
	assert_int_equal(fileio_atomic_write(&a, "x", 1, &err), -1); /* closed */
	sbuf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

static void test_write_fails_cleanly(void **state)
{
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	assert_int_equal(fileio_write_atomic("/proc/no/such/dir/x", "a", 1, 0644, &err), -1);
	assert_int_equal(err.code, PL_E_IO);
	assert_non_null(strstr(err.where, "/proc/no"));
}

static void test_read_caps_size(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "big", "0123456789"), *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(fileio_read_all(path, 5, &out, &len, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	assert_non_null(strstr(err.msg, "larger than 5 bytes"));
	assert_null(out);
	pl_err_init(&err);
	assert_int_equal(fileio_read_all(path, 10, &out, &len, &err), 0);
	assert_int_equal(len, 10);
	free(out);
	pl_err_init(&err);
	assert_int_equal(fileio_read_all("/nonexistent/file", 10, &out, &len, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

static void test_append(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *text;
	struct sbuf p;

	(void)state;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/log", dir);
	assert_int_equal(fileio_append(p.buf, "a\n", 2, 0644, &err), 0);
	assert_int_equal(fileio_append(p.buf, "b\n", 2, 0644, &err), 0);
	text = tu_read(p.buf, NULL);
	assert_string_equal(text, "a\nb\n");
	free(text);
	sbuf_release(&p);
	tu_rmrf(dir);
	free(dir);
}

static void test_first_error_wins(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char buf[256];

	(void)state;
	assert_int_equal(pl_err_set(&err, PL_E_INPUT, "f.json:1:2: a", "inner %d", 1), -1);
	pl_err_set(&err, PL_E_IO, "outer", "outer");
	assert_int_equal(err.code, PL_E_INPUT);
	assert_string_equal(pl_err_str(&err, buf, sizeof(buf)), "f.json:1:2: a: inner 1");
}

/* A path as named: "." and ".." by the text, links kept, relative to the shell's $PWD. */
static void test_abspath_named(void **state)
{
	char *dir = tu_tmpdir(), *real, *link, *got, *old_pwd = NULL, *cwd = getcwd(NULL, 0);
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	sbuf_addf(&sb, "%s/real", dir);
	real = sbuf_detach(&sb, NULL);
	sbuf_addf(&sb, "%s/link", dir);
	link = sbuf_detach(&sb, NULL);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink("real", link), 0);

	got = fileio_abspath_named("/a/./b//c/../d/");
	assert_string_equal(got, "/a/b/d");
	free(got);
	got = fileio_abspath_named("/../..");
	assert_string_equal(got, "/");
	free(got);

	/* from inside the link, as a shell that cd'd into it names the place */
	if (getenv("PWD"))
		old_pwd = strdup(getenv("PWD"));
	assert_int_equal(chdir(link), 0);
	setenv("PWD", link, 1);
	got = fileio_abspath_named("x.json");
	sbuf_addf(&sb, "%s/x.json", link);
	assert_string_equal(got, sb.buf);
	free(got);
	sbuf_reset(&sb);
	/* a $PWD that is not the working directory is not believed */
	setenv("PWD", "/nonexistent-dir", 1);
	got = fileio_abspath_named("../link/x.json");
	sbuf_addf(&sb, "%s/link/x.json", dir);
	assert_string_equal(got + strlen(got) - strlen("/link/x.json"), "/link/x.json");
	free(got);
	sbuf_release(&sb);

	assert_int_equal(chdir(cwd), 0);
	if (old_pwd)
		setenv("PWD", old_pwd, 1);
	else
		unsetenv("PWD");
	free(old_pwd);
	free(cwd);
	free(real);
	free(link);
	tu_rmrf(dir);
	free(dir);
}

/* A file read before it is written: a link in its place (dangling or not) is refused, a real
 * file or an absent one is not. */
static void test_check_not_link(void **state)
{
	char *dir = tu_tmpdir();
	struct pl_err err = PL_ERR_INIT;
	struct sbuf file, link, dangling;

	(void)state;
	sbuf_init(&file);
	sbuf_init(&link);
	sbuf_init(&dangling);
	sbuf_addf(&file, "%s/register.jsonl", dir);
	sbuf_addf(&link, "%s/link.jsonl", dir);
	sbuf_addf(&dangling, "%s/dangling.jsonl", dir);
	assert_int_equal(fileio_check_not_link(file.buf, &err), 0); /* absent */
	assert_int_equal(fileio_write_atomic(file.buf, "x\n", 2, 0600, &err), 0);
	assert_int_equal(fileio_check_not_link(file.buf, &err), 0);
	assert_int_equal(symlink(file.buf, link.buf), 0);
	assert_int_equal(fileio_check_not_link(link.buf, &err), -1);
	assert_int_equal(err.code, PL_E_IO);
	assert_string_equal(err.where, link.buf);
	assert_non_null(strstr(err.msg, "symbolic link"));
	pl_err_init(&err);
	assert_int_equal(symlink("nowhere", dangling.buf), 0);
	assert_int_equal(fileio_check_not_link(dangling.buf, &err), -1);
	sbuf_release(&file);
	sbuf_release(&link);
	sbuf_release(&dangling);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_creates_dirs_and_mode),
		cmocka_unit_test(test_atomic_write_leaves_no_temp_files),
		cmocka_unit_test(test_atomic_stream),
		cmocka_unit_test(test_write_fails_cleanly),
		cmocka_unit_test(test_read_caps_size),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_abspath_named),
		cmocka_unit_test(test_check_not_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
