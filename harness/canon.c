/* canon.c: RFC 8785 canonical JSON and its pretty, equally deterministic, sibling. */
#include "canon.h"
#include "fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ---- */

int canon_number(double d, char *buf, size_t len)
{
	char tmp[40], digits[20];
	int prec, k = 0, n, i;
	long exp10;
	size_t pos = 0;
	const char *p;
	char *end;

	if (!isfinite(d) || len < 32)
		return -1;
	if (d == 0) /* also -0, which ECMAScript prints as "0" */
		return snprintf(buf, len, "0");
	if (d < 0)
		buf[pos++] = '-';
	d = fabs(d);
	/* The shortest precision whose correctly rounded digits read back to d. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	for (p = tmp; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[k++] = *p;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	exp10 = strtol(p + 1, &end, 10);
	n = (int)exp10 + 1; /* position of the decimal point relative to the digits */
	if (k <= n && n <= 21) {
		for (i = 0; i < k; i++)
			buf[pos++] = digits[i];
		for (i = k; i < n; i++)
			buf[pos++] = '0';
	} else if (0 < n && n <= 21) {
		for (i = 0; i < k; i++) {
			if (i == n)
				buf[pos++] = '.';
			buf[pos++] = digits[i];
		}
	} else if (-6 < n && n <= 0) {
		buf[pos++] = '0';
		buf[pos++] = '.';
		for (i = 0; i < -n; i++)
			buf[pos++] = '0';
		for (i = 0; i < k; i++)
			buf[pos++] = digits[i];
	} else {
		buf[pos++] = digits[0];
		if (k > 1) {
			buf[pos++] = '.';
			for (i = 1; i < k; i++)
				buf[pos++] = digits[i];
		}
		pos += (size_t)snprintf(buf + pos, len - pos, "e%c%d", n - 1 < 0 ? '-' : '+',
					abs(n - 1));
	}
	buf[pos] = '\0';
	return (int)pos;
}

/* ---- strings ---- */

/* Decodes one UTF-8 sequence at s[*i] (strictly: no overlongs, surrogates or > U+10FFFF).
 * Returns the code point and advances *i, or -1. */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	long cp, min;
	size_t n, j;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (*i + n >= len)
		return -1;
	for (j = 1; j <= n; j++) {
		if ((s[*i + j] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + j] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += n + 1;
	return cp;
}

int canon_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *ua = (const unsigned char *)a, *ub = (const unsigned char *)b;
	size_t i = 0, j = 0;
	unsigned pa = 0, pb = 0; /* pending low surrogates */

	while ((i < alen || pa) && (j < blen || pb)) {
		unsigned x, y;
		long cp;

		if (pa) {
			x = pa, pa = 0;
		} else {
			cp = utf8_next(ua, alen, &i);
			if (cp < 0) /* invalid input: fall back to byte order */
				return memcmp(a, b, alen < blen ? alen : blen);
			if (cp >= 0x10000) {
				x = 0xd800 + (unsigned)((cp - 0x10000) >> 10);
				pa = 0xdc00 + (unsigned)((cp - 0x10000) & 0x3ff);
			} else {
				x = (unsigned)cp;
			}
		}
		if (pb) {
			y = pb, pb = 0;
		} else {
			cp = utf8_next(ub, blen, &j);
			if (cp < 0)
				return memcmp(a, b, alen < blen ? alen : blen);
			if (cp >= 0x10000) {
				y = 0xd800 + (unsigned)((cp - 0x10000) >> 10);
				pb = 0xdc00 + (unsigned)((cp - 0x10000) & 0x3ff);
			} else {
				y = (unsigned)cp;
			}
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	if ((i < alen || pa) == (j < blen || pb))
		return 0;
	return (i < alen || pa) ? 1 : -1;
}

static int put_string(struct sbuf *out, const char *s, size_t len, struct pl_err *err)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start;

	sbuf_addch(out, '"');
	while (i < len) {
		unsigned char c = u[i];

		if (c >= 0x80) {
			start = i;
			if (utf8_next(u, len, &i) < 0)
				return pl_err_set(err, PL_E_INPUT, NULL,
						  "string is not valid utf-8 at byte %zu", start);
			sbuf_add(out, s + start, i - start);
			continue;
		}
		i++;
		switch (c) {
		case '"':
			sbuf_addstr(out, "\\\"");
			break;
		case '\\':
			sbuf_addstr(out, "\\\\");
			break;
		case '\b':
			sbuf_addstr(out, "\\b");
			break;
		case '\f':
			sbuf_addstr(out, "\\f");
			break;
		case '\n':
			sbuf_addstr(out, "\\n");
			break;
		case '\r':
			sbuf_addstr(out, "\\r");
			break;
		case '\t':
			sbuf_addstr(out, "\\t");
			break;
		default:
			if (c < 0x20) {
				char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

				sbuf_addstr(out, esc);
			} else {
				sbuf_addch(out, (char)c);
			}
		}
	}
	sbuf_addch(out, '"');
	return 0;
}

/* ---- values ---- */

struct kv {
	const char *key;
	size_t len;
	json_t *val;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	return canon_key_cmp(x->key, x->len, y->key, y->len);
}

static void indent(struct sbuf *out, int depth)
{
	sbuf_addch(out, '\n');
	while (depth-- > 0)
		sbuf_addstr(out, "  ");
}

#define MAX_INT_EXACT 9007199254740992LL /* 2^53 */

/* 1 if n's digits are the ECMAScript form of the double nearest n, i.e. what canon_number
 * writes for that double: then the text reads back as the same number. True for every
 * integer up to 2^53 and for the integers canon_number writes for larger doubles. */
static int jcs_integer(json_int_t n)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "%lld", (long long)n);
	return canon_number((double)n, b, sizeof(b)) >= 0 && !strcmp(a, b);
}

static int put_value(const json_t *v, struct sbuf *out, int pretty, int depth, struct pl_err *err);

static int put_object(const json_t *v, struct sbuf *out, int pretty, int depth, struct pl_err *err)
{
	struct kv *kvs;
	const char *key;
	size_t n = json_object_size(v), i = 0;
	json_t *val;
	int rc = -1;

	if (n == 0) {
		sbuf_addstr(out, "{}");
		return 0;
	}
	kvs = xcalloc(n, sizeof(*kvs));
	json_object_foreach((json_t *)v, key, val)
	{
		kvs[i].key = key;
		kvs[i].len = strlen(key);
		kvs[i].val = val;
		i++;
	}
	qsort(kvs, n, sizeof(*kvs), kv_cmp);
	sbuf_addch(out, '{');
	for (i = 0; i < n; i++) {
		if (i)
			sbuf_addch(out, ',');
		if (pretty)
			indent(out, depth + 1);
		if (put_string(out, kvs[i].key, kvs[i].len, err) < 0)
			goto out;
		sbuf_addstr(out, pretty ? ": " : ":");
		if (put_value(kvs[i].val, out, pretty, depth + 1, err) < 0)
			goto out;
	}
	if (pretty)
		indent(out, depth);
	sbuf_addch(out, '}');
	rc = 0;
out:
	free(kvs);
	return rc;
}

static int put_value(const json_t *v, struct sbuf *out, int pretty, int depth, struct pl_err *err)
{
	char num[40];
	size_t i;

	if (depth > 512)
		return pl_err_set(err, PL_E_INPUT, NULL, "json nested deeper than 512 levels");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(v, out, pretty, depth, err);
	case JSON_ARRAY:
		if (json_array_size(v) == 0) {
			sbuf_addstr(out, "[]");
			return 0;
		}
		sbuf_addch(out, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				sbuf_addch(out, ',');
			if (pretty)
				indent(out, depth + 1);
			if (put_value(json_array_get(v, i), out, pretty, depth + 1, err) < 0)
				return -1;
		}
		if (pretty)
			indent(out, depth);
		sbuf_addch(out, ']');
		return 0;
	case JSON_STRING:
		return put_string(out, json_string_value(v), json_string_length(v), err);
	case JSON_INTEGER: {
		json_int_t n = json_integer_value(v);

		/* Beyond 2^53 an integer is a JCS number only if it is written the way
		 * canon_number writes its double, so JCS text reads back and canonicalises to the
		 * same bytes; others (2^53 + 1) would change value. */
		if (!pretty && (n > MAX_INT_EXACT || n < -MAX_INT_EXACT) && !jcs_integer(n))
			return pl_err_set(err, PL_E_INPUT, NULL,
					  "integer %lld cannot be represented exactly in jcs",
					  (long long)n);
		sbuf_addf(out, "%lld", (long long)n);
		return 0;
	}
	case JSON_REAL:
		if (canon_number(json_real_value(v), num, sizeof(num)) < 0)
			return pl_err_set(err, PL_E_INPUT, NULL, "number is not finite");
		sbuf_addstr(out, num);
		return 0;
	case JSON_TRUE:
		sbuf_addstr(out, "true");
		return 0;
	case JSON_FALSE:
		sbuf_addstr(out, "false");
		return 0;
	case JSON_NULL:
		sbuf_addstr(out, "null");
		return 0;
	}
	return pl_err_set(err, PL_E_INTERNAL, NULL, "unknown json type");
}

int canon_jcs(const json_t *v, struct sbuf *out, struct pl_err *err)
{
	if (!v)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "no json value to canonicalise");
	return put_value(v, out, 0, 0, err);
}

int canon_pretty(const json_t *v, struct sbuf *out, struct pl_err *err)
{
	if (!v)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "no json value to canonicalise");
	if (put_value(v, out, 1, 0, err) < 0)
		return -1;
	sbuf_addch(out, '\n');
	return 0;
}

int canon_write_file(const char *path, const json_t *v, int pretty, unsigned mode,
		     struct pl_err *err)
{
	struct sbuf sb;
	int rc;

	sbuf_init(&sb);
	rc = pretty ? canon_pretty(v, &sb, err) : canon_jcs(v, &sb, err);
	if (rc == 0)
		rc = fileio_write_atomic(path, sb.buf, sb.len, (mode_t)mode, err);
	sbuf_release(&sb);
	return rc;
}

int canon_scalar_text(const json_t *v, struct sbuf *out)
{
	char num[40];

	if (json_is_string(v))
		sbuf_add(out, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		sbuf_addf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v) && canon_number(json_real_value(v), num, sizeof(num)) >= 0)
		sbuf_addstr(out, num);
	else if (json_is_boolean(v))
		sbuf_addstr(out, json_is_true(v) ? "true" : "false");
	else
		return -1;
	return 0;
}
