/* history.c: per vendor/model/suite JSON Lines history of nightly detection statistics. */
#include "history.h"
#include "fileio.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HISTORY_MAX_BYTES (256u << 20)

int history_load(const char *path, json_t **records, size_t *skipped, struct pl_err *err)
{
	char *line = NULL;
	size_t cap = 0, skip = 0, total = 0;
	ssize_t n;
	json_t *arr = json_array();
	FILE *f;
	int rc = 0;

	*records = NULL;
	if (skipped)
		*skipped = 0;
	if (!fileio_exists(path)) {
		*records = arr;
		return 0;
	}
	f = fileio_fopen_read(path);
	if (!f) {
		json_decref(arr);
		return pl_err_errno(err, PL_E_IO, path, "cannot open");
	}
	/* one night at a time: a long history of a large suite is never read whole */
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *rec;

		total += (size_t)n;
		if (total > HISTORY_MAX_BYTES) {
			rc = pl_err_set(err, PL_E_INPUT, path, "file is larger than %zu bytes",
					(size_t)HISTORY_MAX_BYTES);
			break;
		}
		if (line[n - 1] == '\n')
			n--;
		if (!n)
			continue;
		rec = json_loadb(line, (size_t)n, 0, NULL);
		if (!json_is_object(rec)) {
			json_decref(rec);
			skip++;
			continue;
		}
		json_object_del(rec, "sketch");
		json_array_append_new(arr, rec);
	}
	if (!rc && ferror(f))
		rc = pl_err_errno(err, PL_E_IO, path, "cannot read");
	fclose(f);
	free(line);
	if (rc) {
		json_decref(arr);
		return -1;
	}
	if (skipped)
		*skipped = skip;
	*records = arr;
	return 0;
}

/* Returns 1 when the file exists, is not empty and does not end in a newline. */
static int ends_torn(const char *path)
{
	char c = '\n';
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	off_t size;

	if (fd < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0 && pread(fd, &c, 1, size - 1) != 1)
		c = '\n';
	close(fd);
	return c != '\n';
}

static int make_parent(const char *path, struct pl_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc;

	if (!slash || slash == path)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	rc = fileio_mkdirs(dir, err);
	free(dir);
	return rc;
}

int history_append(const char *path, const json_t *record, struct pl_err *err)
{
	char *line = NULL;
	struct sbuf sb;
	int rc;

	sbuf_init(&sb);
	if (!json_is_object(record)) {
		sbuf_release(&sb);
		return pl_err_set(err, PL_E_INTERNAL, path, "history record is not an object");
	}
	/* STATE/history/VENDOR/MODEL/SUITE.jsonl: no linked folder on the way (and
	 * fileio_append refuses a link in place of the file) */
	if (fileio_check_dirs(path, 4, err) < 0 || make_parent(path, err)) {
		sbuf_release(&sb);
		return -1;
	}
	if (ends_torn(path))
		sbuf_addch(&sb, '\n');
	line = json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS);
	sbuf_addstr(&sb, line);
	sbuf_addch(&sb, '\n');
	rc = fileio_append(path, sb.buf, sb.len, 0644, err);
	free(line);
	sbuf_release(&sb);
	return rc;
}

static void add_part(struct sbuf *out, const char *name)
{
	const char *p = name && *name ? name : "_";

	sbuf_addch(out, '/');
	for (; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			 (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			 (*p == '.' && p != (name && *name ? name : "_"));

		sbuf_addch(out, ok ? *p : '_');
	}
}

void history_path(struct sbuf *out, const char *state_dir, const char *vendor, const char *model,
		  const char *suite)
{
	sbuf_reset(out);
	sbuf_addstr(out, state_dir && *state_dir ? state_dir : ".plumbline");
	sbuf_addstr(out, "/history");
	add_part(out, vendor);
	add_part(out, model);
	add_part(out, suite);
	sbuf_addstr(out, ".jsonl");
}
