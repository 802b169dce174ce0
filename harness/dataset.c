/* dataset.c: reading a suite prompt's rows (CSV per RFC 4180, JSON Lines) and expanding
 * {{ name }} templates with a row's values. */
#include "dataset.h"
#include "canon.h"
#include "fileio.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when s[0..len) is valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) without NUL bytes. */
static int text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n, k;
		unsigned cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		i += n + 1;
	}
	return 1;
}

static void row_release(struct dataset_row *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->names);
	free(r->values);
}

void dataset_release(struct dataset *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n_rows; i++)
		row_release(&d->rows[i]);
	free(d->rows);
	free(d->path);
	memset(d, 0, sizeof(*d));
}

static int fail_at(struct pl_err *err, const char *path, size_t line, const char *fmt, ...)
	PL_PRINTF(4, 5);

/* Fails (PL_E_INPUT) with where "PATH:LINE". */
static int fail_at(struct pl_err *err, const char *path, size_t line, const char *fmt, ...)
{
	char where[512], msg[768];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%zu", path, line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_err_set(err, PL_E_INPUT, where, "%s", msg);
}

static struct dataset_row *add_row(struct dataset *d, size_t line)
{
	struct dataset_row *r;

	d->rows = xrealloc(d->rows, (d->n_rows + 1) * sizeof(*d->rows));
	r = &d->rows[d->n_rows++];
	memset(r, 0, sizeof(*r));
	r->line = line;
	return r;
}

static void add_value(struct dataset_row *r, const char *name, const char *value, size_t len)
{
	r->names = xrealloc(r->names, (r->n + 1) * sizeof(*r->names));
	r->values = xrealloc(r->values, (r->n + 1) * sizeof(*r->values));
	r->names[r->n] = xstrdup(name);
	r->values[r->n] = xstrndup(value, len);
	r->n++;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

struct csv {
	const char *path, *text;
	size_t len, i, line; /* position and its line */
	char **fields;	     /* the record being read */
	size_t *lens, n, cap;
	struct sbuf field;
};

static void csv_push(struct csv *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->fields = xrealloc(c->fields, c->cap * sizeof(*c->fields));
		c->lens = xrealloc(c->lens, c->cap * sizeof(*c->lens));
	}
	c->lens[c->n] = c->field.len;
	c->fields[c->n++] = sbuf_detach(&c->field, NULL);
}

static void csv_clear(struct csv *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->fields[i]);
	c->n = 0;
}

/* Reads one field at c->i into c->field: quoted or not. */
static int csv_field(struct csv *c, struct pl_err *err)
{
	const char *t = c->text;
	size_t open_line = c->line;

	sbuf_reset(&c->field);
	if (c->i < c->len && t[c->i] == '"') {
		c->i++;
		for (;;) {
			if (c->i >= c->len)
				return fail_at(err, c->path, open_line,
					       "unterminated quoted field (its closing quote is "
					       "missing)");
			if (t[c->i] == '"') {
				if (c->i + 1 < c->len && t[c->i + 1] == '"') {
					sbuf_addch(&c->field, '"');
					c->i += 2;
					continue;
				}
				c->i++;
				break;
			}
			if (t[c->i] == '\n')
				c->line++;
			sbuf_addch(&c->field, t[c->i++]);
		}
		if (c->i < c->len && t[c->i] != ',' && t[c->i] != '\n' && t[c->i] != '\r')
			return fail_at(err, c->path, c->line,
				       "text after the closing quote of a field (a quote inside a "
				       "quoted field is written twice: \"\")");
	} else {
		while (c->i < c->len && t[c->i] != ',' && t[c->i] != '\n' && t[c->i] != '\r') {
			if (t[c->i] == '"')
				return fail_at(err, c->path, c->line,
					       "a quote inside an unquoted field (quote the whole "
					       "field and write the quote twice: \"a \"\"b\"\"\")");
			sbuf_addch(&c->field, t[c->i++]);
		}
	}
	if (!text_ok(c->field.buf, c->field.len))
		return fail_at(err, c->path, c->line, "a field is not valid UTF-8 text");
	return 0;
}

/* Reads one record (c->i at its start, not on a blank line) into c->fields. */
static int csv_record(struct csv *c, struct pl_err *err)
{
	const char *t = c->text;

	csv_clear(c);
	for (;;) {
		if (csv_field(c, err) < 0)
			return -1;
		csv_push(c);
		if (c->i < c->len && t[c->i] == ',') {
			c->i++;
			continue;
		}
		break;
	}
	if (c->i < c->len && t[c->i] == '\r') {
		if (c->i + 1 < c->len && t[c->i + 1] != '\n')
			return fail_at(err, c->path, c->line,
				       "a carriage return that does not end the line (quote the "
				       "field that holds it)");
		c->i++;
	}
	if (c->i < c->len && t[c->i] == '\n') {
		c->i++;
		c->line++;
	}
	return 0;
}

int dataset_parse_csv(struct dataset *d, const char *path, const char *text, size_t len,
		      struct pl_err *err)
{
	struct csv c = { path, text, len, 0, 1, NULL, NULL, 0, 0, SBUF_INIT };
	char **header = NULL;
	size_t n_header = 0, header_line = 0, i, j, line;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	d->path = xstrdup(path);
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		c.i = 3;
	while (c.i < len) {
		/* blank lines, between records or at the end, are not records */
		if (text[c.i] == '\r' && (c.i + 1 == len || text[c.i + 1] == '\n'))
			c.i++;
		if (c.i == len)
			break;
		if (text[c.i] == '\n') {
			c.i++;
			c.line++;
			continue;
		}
		line = c.line;
		if (csv_record(&c, err) < 0)
			goto out;
		if (!header) {
			for (i = 0; i < c.n; i++) {
				if (!c.lens[i]) {
					fail_at(err, path, line,
						"column %zu has no name in the header", i + 1);
					goto out;
				}
				for (j = 0; j < i; j++)
					if (!strcmp(c.fields[i], c.fields[j])) {
						fail_at(err, path, line,
							"duplicate column name \"%s\" in the header",
							c.fields[i]);
						goto out;
					}
			}
			header = c.fields;
			n_header = c.n;
			header_line = line;
			free(c.lens);
			c.fields = NULL;
			c.lens = NULL;
			c.n = c.cap = 0;
			continue;
		}
		if (c.n != n_header) {
			fail_at(err, path, line, "%zu fields, but the header (line %zu) has %zu",
				c.n, header_line, n_header);
			goto out;
		}
		if (d->n_rows == DATASET_MAX_ROWS) {
			fail_at(err, path, line, "more than %u rows", DATASET_MAX_ROWS);
			goto out;
		}
		{
			struct dataset_row *r = add_row(d, line);

			for (i = 0; i < c.n; i++)
				add_value(r, header[i], c.fields[i], c.lens[i]);
		}
	}
	if (!header || !d->n_rows) {
		pl_err_set(err, PL_E_INPUT, path, "no rows (a header line and at least one row)");
		goto out;
	}
	rc = 0;
out:
	csv_clear(&c);
	free(c.fields);
	free(c.lens);
	sbuf_release(&c.field);
	for (i = 0; i < n_header; i++)
		free(header[i]);
	free(header);
	if (rc < 0)
		dataset_release(d);
	return rc;
}

/* ---- JSON Lines --------------------------------------------------------------------------- */

static int jsonl_line(struct dataset *d, const char *path, size_t line, const char *s, size_t n,
		      struct pl_err *err)
{
	json_error_t jerr;
	json_t *obj = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	struct dataset_row *r;
	struct sbuf sb;
	const char *key;
	json_t *v;
	int rc = -1;

	sbuf_init(&sb);
	if (!obj) {
		char where[512];

		snprintf(where, sizeof(where), "%s:%zu:%d", path, line, jerr.column);
		pl_err_set(err, PL_E_INPUT, where, "%s", jerr.text);
		goto out;
	}
	if (!json_is_object(obj)) {
		fail_at(err, path, line, "expected a JSON object (one row per line)");
		goto out;
	}
	if (d->n_rows == DATASET_MAX_ROWS) {
		fail_at(err, path, line, "more than %u rows", DATASET_MAX_ROWS);
		goto out;
	}
	r = add_row(d, line);
	json_object_foreach(obj, key, v)
	{
		/* (jansson's strings are valid UTF-8, and without JSON_ALLOW_NUL hold no NUL) */
		sbuf_reset(&sb);
		if (canon_scalar_text(v, &sb) < 0) {
			fail_at(err, path, line,
				"\"%.200s\" is %s (expected a string, number or boolean)", key,
				json_is_null(v)	   ? "null"
				: json_is_array(v) ? "an array"
						   : "an object");
			goto out;
		}
		add_value(r, key, sb.buf, sb.len);
	}
	rc = 0;
out:
	json_decref(obj);
	sbuf_release(&sb);
	return rc;
}

int dataset_parse_jsonl(struct dataset *d, const char *path, const char *text, size_t len,
			struct pl_err *err)
{
	size_t i = 0, line = 0;

	memset(d, 0, sizeof(*d));
	d->path = xstrdup(path);
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, k;

		line++;
		for (k = i; k < end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'); k++)
			;
		if (k < end && jsonl_line(d, path, line, text + i, end - i, err) < 0) {
			dataset_release(d);
			return -1;
		}
		i = end + 1;
	}
	if (!d->n_rows) {
		dataset_release(d);
		return pl_err_set(err, PL_E_INPUT, path, "no rows (one JSON object per line)");
	}
	return 0;
}

/* ---- loading and templating ------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int dataset_load(struct dataset *d, const char *path, struct pl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!ends_with(path, ".csv") && !ends_with(path, ".jsonl") && !ends_with(path, ".ndjson"))
		return pl_err_set(err, PL_E_INPUT, path,
				  "unknown dataset format (expected a .csv or .jsonl file)");
	if (fileio_read_all(path, DATASET_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	if (ends_with(path, ".csv"))
		rc = dataset_parse_csv(d, path, text, len, err);
	else
		rc = dataset_parse_jsonl(d, path, text, len, err);
	free(text);
	return rc;
}

const char *dataset_value(const struct dataset_row *row, const char *name)
{
	size_t i;

	for (i = 0; i < row->n; i++)
		if (!strcmp(row->names[i], name))
			return row->values[i];
	return NULL;
}

static int name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

int dataset_expand(const struct dataset *d, const struct dataset_row *row, const char *text,
		   size_t len, struct sbuf *out, struct pl_err *err)
{
	size_t i = 0;

	while (i < len) {
		const char *open = i + 1 < len ? memchr(text + i, '{', len - i - 1) : NULL;
		size_t a, b, e, k;
		const char *value;
		char name[128];

		if (!open) {
			sbuf_add(out, text + i, len - i);
			break;
		}
		k = (size_t)(open - text);
		if (text[k + 1] != '{') {
			sbuf_add(out, text + i, k + 1 - i);
			i = k + 1;
			continue;
		}
		sbuf_add(out, text + i, k - i);
		/* {{ spaces name spaces }} */
		for (a = k + 2; a < len && (text[a] == ' ' || text[a] == '\t'); a++)
			;
		b = a;
		if (a < len && name_start(text[a]))
			for (b = a + 1; b < len && name_char(text[b]); b++)
				;
		for (e = b; e < len && (text[e] == ' ' || text[e] == '\t'); e++)
			;
		if (b > a && e < len && text[e] == '|')
			return fail_at(err, d->path, row->line,
				       "unsupported template filter \"{{ %.*s | ...\" (only "
				       "{{ name }} is replaced)",
				       (int)(b - a), text + a);
		if (b == a || e + 1 >= len || text[e] != '}' || text[e + 1] != '}') {
			sbuf_add(out, "{{", 2); /* not a template: kept as written */
			i = k + 2;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(b - a), text + a);
		value = b - a < sizeof(name) ? dataset_value(row, name) : NULL;
		if (!value) {
			struct sbuf cols = SBUF_INIT;
			size_t c;

			for (c = 0; c < row->n && cols.len < 300; c++)
				sbuf_addf(&cols, "%s%s", c ? ", " : "", row->names[c]);
			if (c < row->n)
				sbuf_addstr(&cols, ", ...");
			fail_at(err, d->path, row->line,
				"unknown template variable \"%.*s\" (row %s:%zu has %s)",
				(int)(b - a > 100 ? 100 : b - a), text + a, d->path, row->line,
				cols.len ? cols.buf : "no columns");
			sbuf_release(&cols);
			return -1;
		}
		sbuf_addstr(out, value);
		i = e + 2;
	}
	return 0;
}
