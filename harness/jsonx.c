/* jsonx.c: strict, located reading of user-written JSON (config, suites, baselines). */
#include "jsonx.h"
#include "fileio.h"
#include "jsonpos.h"
#include "sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *json_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int json_fail(const struct jsonloc *loc, const char *pointer, const char *key, struct pl_err *err,
	      const char *fmt, ...)
{
	char ptr[512], where[512], msg[900];
	va_list ap;

	snprintf(ptr, sizeof(ptr), "%s", pointer ? pointer : "");
	if (key)
		jsonpos_push_key(ptr, sizeof(ptr), key);
	jsonpos_where(where, sizeof(where), loc->file, loc->text, loc->text_len, ptr);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_err_set(err, PL_E_INPUT, where, "%s", msg);
}

json_t *json_parse_text(const struct jsonloc *loc, struct pl_err *err)
{
	json_error_t je;
	json_t *root;
	char where[512];

	root = json_loadb(loc->text, loc->text_len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(where, sizeof(where), "%s:%d:%d", loc->file, je.line, je.column);
		pl_err_set(err, PL_E_INPUT, where, "invalid JSON: %s", je.text);
	}
	return root;
}

int json_check_keys(const struct jsonloc *loc, const char *pointer, const json_t *obj,
		    const char *const *allowed, struct pl_err *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return json_fail(loc, pointer, NULL, err, "expected an object, got %s",
				 json_type_name(obj));
	json_object_foreach((json_t *)obj, key, v)
	{
		const char *const *a;
		struct sbuf list;
		int known = 0;

		(void)v;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				known = 1;
		if (known)
			continue;
		sbuf_init(&list);
		for (a = allowed; *a; a++)
			sbuf_addf(&list, "%s%s", a == allowed ? "" : ", ", *a);
		json_fail(loc, pointer, key, err, "unknown key \"%s\" (expected one of: %s)", key,
			  list.buf);
		sbuf_release(&list);
		return -1;
	}
	return 0;
}

int json_get_str(const struct jsonloc *loc, const char *pointer, const json_t *obj, const char *key,
		 int required, char **out, struct pl_err *err)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v) {
		if (required)
			return json_fail(loc, pointer, NULL, err, "missing required key \"%s\"",
					 key);
		return 0;
	}
	if (!json_is_string(v))
		return json_fail(loc, pointer, key, err, "expected a string, got %s",
				 json_type_name(v));
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

int json_get_int(const struct jsonloc *loc, const char *pointer, const json_t *obj, const char *key,
		 long long min, long long max, long long def, long long *out, struct pl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	long long n;

	*out = def;
	if (!v)
		return 0;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		 fabs(json_real_value(v)) < 9e15)
		n = (long long)json_real_value(v);
	else
		return json_fail(loc, pointer, key, err, "expected an integer, got %s",
				 json_type_name(v));
	if (n < min || n > max)
		return json_fail(loc, pointer, key, err,
				 "expected an integer from %lld to %lld, got %lld", min, max, n);
	*out = n;
	return 0;
}

int json_get_num(const struct jsonloc *loc, const char *pointer, const json_t *obj, const char *key,
		 double min, double max, double def, double *out, struct pl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	double d;

	*out = def;
	if (!v)
		return 0;
	if (!json_is_number(v))
		return json_fail(loc, pointer, key, err, "expected a number, got %s",
				 json_type_name(v));
	d = json_number_value(v);
	if (!(d >= min && d <= max))
		return json_fail(loc, pointer, key, err, "expected a number from %g to %g, got %g",
				 min, max, d);
	*out = d;
	return 0;
}

int json_get_bool(const struct jsonloc *loc, const char *pointer, const json_t *obj,
		  const char *key, int def, int *out, struct pl_err *err)
{
	const json_t *v = json_object_get(obj, key);

	*out = def;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return json_fail(loc, pointer, key, err, "expected true or false, got %s",
				 json_type_name(v));
	*out = json_is_true(v);
	return 0;
}

int jsonfile_load(struct jsonfile *f, const char *path, size_t max_bytes, struct pl_err *err)
{
	memset(f, 0, sizeof(*f));
	if (fileio_read_all(path, max_bytes, &f->text, &f->len, err) < 0)
		return -1;
	/* a UTF-8 byte order mark (some Windows editors write one) is not JSON: dropped, as CSV
	 * and YAML readers drop it, so lines and columns are the editor's */
	if (f->len >= 3 && !memcmp(f->text, "\xEF\xBB\xBF", 3)) {
		memmove(f->text, f->text + 3, f->len - 3 + 1);
		f->len -= 3;
	}
	f->path = xstrdup(path);
	f->loc.file = f->path;
	f->loc.text = f->text;
	f->loc.text_len = f->len;
	if (memchr(f->text, '\0', f->len)) {
		pl_err_set(err, PL_E_INPUT, path, "file contains a NUL byte; expected JSON text");
		goto fail;
	}
	f->root = json_parse_text(&f->loc, err);
	if (!f->root)
		goto fail;
	return 0;
fail:
	jsonfile_release(f);
	return -1;
}

void jsonfile_release(struct jsonfile *f)
{
	if (!f)
		return;
	json_decref(f->root);
	free(f->text);
	free(f->path);
	memset(f, 0, sizeof(*f));
}
