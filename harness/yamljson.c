/* yamljson.c: YAML read into jansson values (YAML 1.2 core schema) with a jsonpos index of
 * where each value stood, so YAML files get the located errors JSON files get. */
#include "yamljson.h"
#include "fileio.h"
#include "jsonpos.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define YJ_MAX_DEPTH  128
#define YJ_MAX_COPIED 100000 /* values copied by aliases, against "billion laughs" */
#define YJ_TAG	      "tag:yaml.org,2002:"

struct anchor {
	char *name;
	json_t *value;
	size_t depth, count; /* of value: levels, values */
};

struct yj {
	yaml_parser_t parser;
	const char *file;
	const unsigned char *text; /* the input, to locate reader errors */
	size_t len;
	struct sbuf *idx;
	struct pl_err *err;
	struct anchor *anchors;
	size_t n_anchors, copied;
	char ptr[512]; /* the JSON Pointer of the value being read */
};

/* Fails with "FILE:LINE:COL: FIELD: msg" for the value at y->ptr standing at mark. */
static int fail_at(struct yj *y, const yaml_mark_t *mark, const char *fmt, ...) PL_PRINTF(3, 4);
static int fail_at(struct yj *y, const yaml_mark_t *mark, const char *fmt, ...)
{
	struct sbuf one;
	char where[512], msg[900];
	va_list ap;

	sbuf_init(&one);
	jsonpos_index_init(&one);
	jsonpos_index_add(&one, y->ptr, (int)mark->line + 1, (int)mark->column + 1);
	jsonpos_where(where, sizeof(where), y->file, one.buf, one.len, y->ptr);
	sbuf_release(&one);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_err_set(y->err, PL_E_INPUT, where, "%s", msg);
}

/* The length a UTF-8 sequence claims by its first byte (1 for a byte that starts none). */
static size_t utf8_claim(unsigned char b)
{
	if (b >= 0xC0 && b < 0xE0)
		return 2;
	if (b >= 0xE0 && b < 0xF0)
		return 3;
	if (b >= 0xF0 && b < 0xF8)
		return 4;
	return 1;
}

/* Line and column (from 1) of the character holding byte offset of UTF-8 text, counted as
 * libyaml counts its marks: characters, not bytes; breaks at LF, CR, CRLF, NEL, LS and PS;
 * a leading byte order mark is not a character. A reader error's offset may fall inside the
 * bad sequence (a wrong trailing byte): the character is the one whose first byte claims it. */
static void utf8_mark(const unsigned char *t, size_t len, size_t offset, size_t *line, size_t *col)
{
	size_t i = 0, n;

	*line = 1;
	*col = 1;
	if (len >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF)
		i = 3;
	for (; i < len && i < offset; i += n) {
		n = utf8_claim(t[i]);
		if (i + n > offset)
			break;
		if (t[i] == '\n' || (t[i] == '\r' && (i + 1 >= len || t[i + 1] != '\n')) ||
		    (n == 2 && t[i] == 0xC2 && t[i + 1] == 0x85) ||
		    (n == 3 && t[i] == 0xE2 && t[i + 1] == 0x80 &&
		     (t[i + 2] == 0xA8 || t[i + 2] == 0xA9))) {
			(*line)++;
			*col = 1;
		} else if (t[i] != '\r') {
			(*col)++;
		}
	}
}

static int syntax_error(struct yj *y)
{
	const yaml_parser_t *p = &y->parser;
	char where[512];
	size_t line, col;

	if (p->error == YAML_MEMORY_ERROR)
		abort(); /* out of memory, as everywhere */
	if (p->error == YAML_READER_ERROR) {
		/* libyaml gives a byte offset here, no mark; UTF-16 text (a BOM FF FE or FE FF)
		 * is not scanned for lines and keeps the offset */
		if (y->len >= 2 && ((y->text[0] == 0xFF && y->text[1] == 0xFE) ||
				    (y->text[0] == 0xFE && y->text[1] == 0xFF)))
			return pl_err_set(y->err, PL_E_INPUT, y->file,
					  "invalid YAML: %s at byte %zu (YAML text is UTF-8 or "
					  "UTF-16)",
					  p->problem ? p->problem : "unreadable text",
					  p->problem_offset);
		utf8_mark(y->text, y->len, p->problem_offset, &line, &col);
		snprintf(where, sizeof(where), "%s:%zu:%zu", y->file, line, col);
		return pl_err_set(y->err, PL_E_INPUT, where,
				  "invalid YAML: %s (YAML text is UTF-8 or UTF-16)",
				  p->problem ? p->problem : "unreadable text");
	}
	snprintf(where, sizeof(where), "%s:%zu:%zu", y->file, p->problem_mark.line + 1,
		 p->problem_mark.column + 1);
	return pl_err_set(y->err, PL_E_INPUT, where, "invalid YAML: %s%s%s",
			  p->problem ? p->problem : "syntax error", p->context ? " " : "",
			  p->context ? p->context : "");
}

static int next(struct yj *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->parser, ev))
		return syntax_error(y);
	return 0;
}

static int match_digits(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int is_float(const char *s)
{
	size_t ip = 0, fp = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char)*s)) {
		s++;
		ip++;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			s++;
			fp++;
		}
		if (!ip && !fp)
			return 0;
	} else if (!ip) {
		return 0;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!match_digits(s, "0123456789"))
			return 0;
		return 1;
	}
	return *s == '\0';
}

static int one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* Types a plain scalar by the core schema; want, when not NULL, is the tag's type ("int",
 * "float", "bool", "null") the value must have. */
static const char *const trues[] = { "true", "True", "TRUE", NULL };

/* What the core schema makes of a plain scalar: "null", "bool", "int", "float", "inf" (.inf,
 * .nan: no JSON number) or "str". */
static const char *core_type(const char *s, size_t len)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const infs[] = { ".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
					    "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
					    ".NaN",  ".NAN",  NULL };

	if (strlen(s) != len)
		return "str";
	if (one_of(s, nulls))
		return "null";
	if (one_of(s, trues) || one_of(s, falses))
		return "bool";
	if (match_digits(s[0] == '-' || s[0] == '+' ? s + 1 : s, "0123456789") ||
	    (!strncmp(s, "0o", 2) && match_digits(s + 2, "01234567")) ||
	    (!strncmp(s, "0x", 2) && match_digits(s + 2, "0123456789abcdefABCDEF")))
		return "int";
	if (is_float(s))
		return "float";
	if (one_of(s, infs))
		return "inf";
	return "str";
}

static json_t *plain(struct yj *y, const yaml_event_t *ev, const char *want)
{
	const char *s = (const char *)ev->data.scalar.value;
	const yaml_mark_t *m = &ev->start_mark;
	const char *type = core_type(s, ev->data.scalar.length);
	json_t *v = NULL;

	if (!strcmp(type, "inf")) {
		fail_at(y, m, "\"%s\" is not a number JSON can hold", s);
		return NULL;
	}
	if (want && strcmp(want, type) && !(!strcmp(want, "float") && !strcmp(type, "int"))) {
		fail_at(y, m, "\"%s\" is not a valid !!%s", s, want);
		return NULL;
	}
	if (!strcmp(type, "null"))
		return json_null();
	if (!strcmp(type, "bool"))
		return json_boolean(one_of(s, trues));
	if (!strcmp(type, "int") && !(want && !strcmp(want, "float"))) {
		int base = !strncmp(s, "0o", 2) ? 8 : !strncmp(s, "0x", 2) ? 16 : 10;
		char *end;
		long long n;

		errno = 0;
		n = strtoll(base == 10 ? s : s + 2, &end, base);
		if (errno == ERANGE || *end) {
			fail_at(y, m, "integer \"%s\" is out of range", s);
			return NULL;
		}
		return json_integer(n);
	}
	if (!strcmp(type, "int") || !strcmp(type, "float")) {
		double d = strtod(s, NULL);

		if (!isfinite(d)) {
			fail_at(y, m, "number \"%s\" is out of range", s);
			return NULL;
		}
		return json_real(d);
	}
	v = json_stringn(s, ev->data.scalar.length);
	if (!v)
		fail_at(y, m, "string is not valid UTF-8");
	return v;
}

static json_t *scalar(struct yj *y, const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *want = NULL;
	json_t *v;

	if (tag && strcmp(tag, "!")) {
		if (!strncmp(tag, YJ_TAG, strlen(YJ_TAG)) &&
		    one_of(tag + strlen(YJ_TAG),
			   (const char *const[]){ "str", "int", "float", "bool", "null", NULL }))
			want = tag + strlen(YJ_TAG);
		else {
			fail_at(y, &ev->start_mark, "unsupported YAML tag \"%s\"", tag);
			return NULL;
		}
	}
	if ((want && strcmp(want, "str")) ||
	    (!want && !tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE))
		return plain(y, ev, want);
	v = json_stringn((const char *)ev->data.scalar.value, ev->data.scalar.length);
	if (!v)
		fail_at(y, &ev->start_mark, "string is not valid UTF-8");
	return v;
}

static size_t json_depth(const json_t *v, size_t *count)
{
	size_t i, d = 0, sub;
	const char *key;
	json_t *e;

	(*count)++;
	if (json_is_array(v))
		json_array_foreach(v, i, e)
		{
			sub = json_depth(e, count);
			d = sub > d ? sub : d;
		}
	else if (json_is_object(v))
		json_object_foreach((json_t *)v, key, e)
		{
			sub = json_depth(e, count);
			d = sub > d ? sub : d;
		}
	return d + (json_is_array(v) || json_is_object(v));
}

static void anchor_add(struct yj *y, const yaml_char_t *name, json_t *v)
{
	struct anchor *a;

	y->anchors = xrealloc(y->anchors, (y->n_anchors + 1) * sizeof(*y->anchors));
	a = &y->anchors[y->n_anchors++];
	a->name = xstrdup((const char *)name);
	a->value = json_incref(v);
	a->count = 0;
	a->depth = json_depth(v, &a->count);
}

static json_t *alias(struct yj *y, const yaml_event_t *ev, size_t depth)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t i;

	for (i = y->n_anchors; i-- > 0;) {
		const struct anchor *a = &y->anchors[i];

		if (strcmp(a->name, name))
			continue;
		if (depth + a->depth > YJ_MAX_DEPTH) {
			fail_at(y, &ev->start_mark, "alias *%s nests deeper than %d levels", name,
				YJ_MAX_DEPTH);
			return NULL;
		}
		y->copied += a->count;
		if (y->copied > YJ_MAX_COPIED) {
			fail_at(y, &ev->start_mark, "aliases copy more than %d values",
				YJ_MAX_COPIED);
			return NULL;
		}
		return json_deep_copy(a->value);
	}
	fail_at(y, &ev->start_mark, "unknown alias *%s (an anchor &%s must come first)", name,
		name);
	return NULL;
}

static json_t *node(struct yj *y, yaml_event_t *ev, size_t depth);

static json_t *sequence(struct yj *y, size_t depth)
{
	json_t *arr = json_array();
	size_t n = strlen(y->ptr), i;
	yaml_event_t ev;

	for (i = 0;; i++) {
		json_t *v;

		if (next(y, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		jsonpos_push_index(y->ptr, sizeof(y->ptr), i);
		v = node(y, &ev, depth + 1);
		y->ptr[n] = '\0';
		if (!v)
			goto fail;
		json_array_append_new(arr, v);
	}
fail:
	json_decref(arr);
	return NULL;
}

static json_t *mapping(struct yj *y, size_t depth)
{
	json_t *obj = json_object();
	size_t n = strlen(y->ptr);
	yaml_event_t ev;
	char *key = NULL;
	int bad;

	for (;;) {
		json_t *v;

		if (next(y, &ev) < 0)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return obj;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			fail_at(y, &ev.start_mark,
				"a mapping key must be a plain or quoted string");
			yaml_event_delete(&ev);
			goto fail;
		}
		key = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
		jsonpos_push_key(y->ptr, sizeof(y->ptr), key);
		bad = 0;
		if (strlen(key) != ev.data.scalar.length)
			bad = fail_at(y, &ev.start_mark, "a mapping key contains a NUL character");
		else if (json_object_get(obj, key))
			bad = fail_at(y, &ev.start_mark, "duplicate key \"%s\"", key);
		yaml_event_delete(&ev);
		if (bad < 0 || next(y, &ev) < 0)
			goto fail;
		v = node(y, &ev, depth + 1);
		y->ptr[n] = '\0';
		if (!v)
			goto fail;
		json_object_set_new(obj, key, v);
		free(key);
		key = NULL;
	}
fail:
	free(key);
	y->ptr[n] = '\0';
	json_decref(obj);
	return NULL;
}

/* Converts the node that ev starts (ev is consumed). Records its position under y->ptr. */
static json_t *node(struct yj *y, yaml_event_t *ev, size_t depth)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	json_t *v = NULL;

	jsonpos_index_add(y->idx, y->ptr, (int)ev->start_mark.line + 1,
			  (int)ev->start_mark.column + 1);
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		v = alias(y, ev, depth);
		break;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		v = scalar(y, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int seq = ev->type == YAML_SEQUENCE_START_EVENT;

		anchor = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
		tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
		if (tag && strcmp((const char *)tag, seq ? YJ_TAG "seq" : YJ_TAG "map") &&
		    strcmp((const char *)tag, "!")) {
			fail_at(y, &ev->start_mark, "unsupported YAML tag \"%s\"",
				(const char *)tag);
			break;
		}
		if (depth >= YJ_MAX_DEPTH) {
			fail_at(y, &ev->start_mark, "nested deeper than %d levels", YJ_MAX_DEPTH);
			break;
		}
		v = seq ? sequence(y, depth) : mapping(y, depth);
		break;
	}
	default:
		fail_at(y, &ev->start_mark, "unexpected YAML event");
		break;
	}
	if (v && anchor)
		anchor_add(y, anchor, v);
	yaml_event_delete(ev);
	return v;
}

int yamljson_is_yaml(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcasecmp(path + n - 5, ".yaml")) ||
	       (n > 4 && !strcasecmp(path + n - 4, ".yml"));
}

json_t *yamljson_parse(const char *file, const char *text, size_t len, struct sbuf *idx,
		       struct pl_err *err)
{
	struct yj y;
	yaml_event_t ev;
	json_t *root = NULL;
	size_t i;

	memset(&y, 0, sizeof(y));
	y.file = file;
	y.text = (const unsigned char *)text;
	y.len = len;
	y.idx = idx;
	y.err = err;
	if (!yaml_parser_initialize(&y.parser))
		abort(); /* out of memory, as everywhere */
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
	if (next(&y, &ev) < 0)
		goto out;
	yaml_event_delete(&ev); /* STREAM-START */
	if (next(&y, &ev) < 0)
		goto out;
	if (ev.type != YAML_DOCUMENT_START_EVENT) {
		pl_err_set(err, PL_E_INPUT, file, "no YAML document (the file is empty)");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if (next(&y, &ev) < 0)
		goto out;
	root = node(&y, &ev, 0);
	if (!root || next(&y, &ev) < 0) /* DOCUMENT-END */
		goto fail;
	yaml_event_delete(&ev);
	if (next(&y, &ev) < 0)
		goto fail;
	if (ev.type == YAML_DOCUMENT_START_EVENT) {
		y.ptr[0] = '\0';
		fail_at(&y, &ev.start_mark,
			"a second YAML document (\"---\"): the file must hold one document");
		yaml_event_delete(&ev);
		goto fail;
	}
	yaml_event_delete(&ev);
	goto out;
fail:
	json_decref(root);
	root = NULL;
out:
	for (i = 0; i < y.n_anchors; i++) {
		free(y.anchors[i].name);
		json_decref(y.anchors[i].value);
	}
	free(y.anchors);
	yaml_parser_delete(&y.parser);
	return root;
}

int yamljson_load(struct jsonfile *f, const char *path, size_t max_bytes, struct pl_err *err)
{
	struct sbuf idx;
	char *yaml = NULL;
	size_t len;

	memset(f, 0, sizeof(*f));
	if (fileio_read_all(path, max_bytes, &yaml, &len, err) < 0)
		return -1;
	sbuf_init(&idx);
	jsonpos_index_init(&idx);
	f->root = yamljson_parse(path, yaml, len, &idx, err);
	free(yaml);
	if (!f->root) {
		sbuf_release(&idx);
		return -1;
	}
	f->path = xstrdup(path);
	f->text = sbuf_detach(&idx, &f->len);
	f->loc.file = f->path;
	f->loc.text = f->text;
	f->loc.text_len = f->len;
	return 0;
}

/* ---- writing ---------------------------------------------------------------------------- */

static int put(void *data, unsigned char *buf, size_t size)
{
	sbuf_add(data, buf, size);
	return 1;
}

static void emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(e, ev))
		abort(); /* only for a broken event sequence or no memory: a bug, not input */
}

static void emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style))
		abort();
	emit(e, &ev);
}

static void emit_value(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	char num[64];
	const char *key;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 json_object_size(v)
								 ? YAML_BLOCK_MAPPING_STYLE
								 : YAML_FLOW_MAPPING_STYLE))
			abort();
		emit(e, &ev);
		json_object_foreach((json_t *)v, key, m)
		{
			json_t *k = json_string(key);

			emit_value(e, k);
			json_decref(k);
			emit_value(e, m);
		}
		if (!yaml_mapping_end_event_initialize(&ev))
			abort();
		emit(e, &ev);
		break;
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  json_array_size(v)
								  ? YAML_BLOCK_SEQUENCE_STYLE
								  : YAML_FLOW_SEQUENCE_STYLE))
			abort();
		emit(e, &ev);
		json_array_foreach(v, i, m) emit_value(e, m);
		if (!yaml_sequence_end_event_initialize(&ev))
			abort();
		emit(e, &ev);
		break;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

		/* a string the core schema would read as another type is quoted; text on
		 * several lines is a literal block (libyaml quotes what a style cannot hold) */
		if (strcmp(core_type(s, len), "str"))
			style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
		else if (memchr(s, '\n', len))
			style = YAML_LITERAL_SCALAR_STYLE;
		emit_scalar(e, s, len, style);
		break;
	}
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_REAL:
		/* the shortest of 15 or 17 digits that reads back the same double */
		snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		if (strtod(num, NULL) != json_real_value(v))
			snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		if (!strpbrk(num, ".eE"))
			snprintf(num + strlen(num), sizeof(num) - strlen(num), ".0");
		emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		emit_scalar(e, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5,
			    YAML_PLAIN_SCALAR_STYLE);
		break;
	default:
		emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
		break;
	}
}

void yamljson_emit(const json_t *v, struct sbuf *out)
{
	yaml_emitter_t e;
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&e))
		abort(); /* out of memory, as everywhere */
	yaml_emitter_set_output(&e, put, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, 100);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
		abort();
	emit(&e, &ev);
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
		abort();
	emit(&e, &ev);
	emit_value(&e, v);
	if (!yaml_document_end_event_initialize(&ev, 1))
		abort();
	emit(&e, &ev);
	if (!yaml_stream_end_event_initialize(&ev))
		abort();
	emit(&e, &ev);
	yaml_emitter_delete(&e);
}
