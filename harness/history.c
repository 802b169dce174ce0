/* history.c: per vendor/model/suite JSON Lines history of nightly detection statistics. */
#include "history.h"
#include "fileio.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HISTORY_MAX_BYTES (256u << 20)
#define EPOCHS_MAX_BYTES  (64u << 20)

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

static int is_night(const json_t *rec, const char *night)
{
	const char *n = json_string_value(json_object_get(rec, "night"));

	return n && !strcmp(n, night);
}

size_t history_drop_night(json_t *records, const char *night)
{
	size_t i = 0, n = 0;

	while (i < json_array_size(records)) {
		if (is_night(json_array_get(records, i), night)) {
			json_array_remove(records, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

/* 1 when s is shaped as an ISO date, YYYY-MM-DD. */
static int is_date(const char *s)
{
	size_t i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return 0;
	return s[10] == '\0';
}

/* 1 when rec's night is a later date than `night` (nights named otherwise, as run ids, have
 * no order but the file's). */
static int is_after(const json_t *rec, const char *night)
{
	const char *n = json_string_value(json_object_get(rec, "night"));

	return n && is_date(n) && is_date(night) && strcmp(n, night) > 0;
}

size_t history_drop_after(json_t *records, const char *night)
{
	size_t i = 0, n = 0;

	while (i < json_array_size(records)) {
		if (is_after(json_array_get(records, i), night)) {
			json_array_remove(records, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

int history_replace_night(const char *path, const char *night, const json_t *record,
			  struct pl_err *err)
{
	char *text = NULL, *line = NULL, *p, *nl;
	struct sbuf out;
	size_t len = 0;
	int put = 0, rc = -1;

	if (!json_is_object(record))
		return pl_err_set(err, PL_E_INTERNAL, path, "history record is not an object");
	if (fileio_check_dirs(path, 4, err) < 0 || make_parent(path, err))
		return -1;
	if (fileio_exists(path) && fileio_read_all(path, (size_t)1 << 30, &text, &len, err) < 0)
		return -1;
	line = json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS);
	sbuf_init(&out);
	for (p = text; p && p < text + len; p = nl + 1) {
		json_t *rec;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			break; /* a torn last line */
		rec = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (json_is_object(rec) && is_night(rec, night)) {
			if (!put++)
				sbuf_addf(&out, "%s\n", line);
		} else if (json_is_object(rec)) {
			if (!put && is_after(rec, night)) {
				sbuf_addf(&out, "%s\n", line);
				put++;
			}
			sbuf_add(&out, p, (size_t)(nl - p) + 1);
		}
		json_decref(rec);
	}
	if (!put)
		sbuf_addf(&out, "%s\n", line);
	rc = fileio_write_atomic(path, out.buf, out.len, 0644, err);
	sbuf_release(&out);
	free(line);
	free(text);
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

void history_epochs_path(struct sbuf *out, const char *history_path)
{
	size_t n = strlen(history_path);

	sbuf_reset(out);
	if (n > 6 && !strcmp(history_path + n - 6, ".jsonl"))
		n -= 6;
	sbuf_add(out, history_path, n);
	sbuf_addstr(out, ".epochs.json");
}

json_t *history_epochs_find(const json_t *reg, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(reg, "epochs"), i, e)
	{
		const char *eid = json_string_value(json_object_get(e, "id"));

		if (eid && !strcmp(eid, id))
			return e;
	}
	return NULL;
}

/* A registry built from a history written before registries existed: its epochs in order of
 * first appearance (a night without one is e1), each with the hard signals of its latest. */
static json_t *epochs_from_history(const json_t *records)
{
	json_t *reg = json_pack("{s:[]}", "epochs"), *list = json_object_get(reg, "epochs"), *r;
	size_t i;

	json_array_foreach(records, i, r)
	{
		const char *id = json_string_value(json_object_get(r, "epoch"));
		const json_t *night = json_object_get(r, "night"), *hard = json_object_get(r, "har"
											      "d");
		json_t *e = history_epochs_find(reg, id ? id : "e1");

		if (!e) {
			e = json_pack("{s:s,s:s,s:i}", "id", id ? id : "e1", "since",
				      json_is_string(night) ? json_string_value(night) : "",
				      "nights", 0);
			json_array_append_new(list, e);
		}
		json_object_set_new(
			e, "nights",
			json_integer(json_integer_value(json_object_get(e, "nights")) + 1));
		if (json_is_string(night))
			json_object_set(e, "last", (json_t *)night);
		if (json_is_object(hard))
			json_object_set(e, "hard", (json_t *)hard);
	}
	if (json_array_size(list)) /* the baseline of a history without a registry was e1 */
		json_object_set_new(reg, "baseline", json_string("e1"));
	return reg;
}

int history_epochs_load(const char *history_path, const json_t *records, json_t **reg,
			struct pl_err *err)
{
	struct sbuf path;
	char *text = NULL;
	size_t len, i;
	json_t *r = NULL, *e;
	int rc = -1;

	*reg = NULL;
	sbuf_init(&path);
	history_epochs_path(&path, history_path);
	if (!fileio_exists(path.buf)) {
		*reg = epochs_from_history(records);
		rc = 0;
		goto out;
	}
	if (fileio_read_all(path.buf, EPOCHS_MAX_BYTES, &text, &len, err) < 0)
		goto out;
	r = json_loadb(text, len, 0, NULL);
	if (!json_is_object(r) || !json_is_array(json_object_get(r, "epochs")) ||
	    (json_object_get(r, "baseline") && !json_is_string(json_object_get(r, "baseline")))) {
		pl_err_set(err, PL_E_INPUT, path.buf, "not an epoch registry");
		goto out;
	}
	json_array_foreach(json_object_get(r, "epochs"), i, e)
	{
		if (!json_is_string(json_object_get(e, "id"))) {
			pl_err_set(err, PL_E_INPUT, path.buf, "epochs[%zu]: no \"id\"", i);
			goto out;
		}
	}
	*reg = r;
	r = NULL;
	rc = 0;
out:
	json_decref(r);
	free(text);
	sbuf_release(&path);
	return rc;
}

int history_epochs_save(const char *history_path, const json_t *reg, struct pl_err *err)
{
	struct sbuf path;
	char *text = json_dumps(reg, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	sbuf_init(&path);
	history_epochs_path(&path, history_path);
	if (!text) {
		rc = pl_err_set(err, PL_E_INTERNAL, path.buf,
				"cannot serialise the epoch registry");
	} else {
		rc = fileio_write_atomic(path.buf, text, strlen(text), 0644, err);
	}
	free(text);
	sbuf_release(&path);
	return rc;
}
