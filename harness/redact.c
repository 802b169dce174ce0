/* redact.c: the process-wide secret set and the one matcher every stored vendor byte passes
 * through (see redact.h for what matches). */
#include "redact.h"
#include "hex.h"
#include "sbuf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* One way a secret may appear: escaped (literal, \u, %XX per character) or exact (base64). */
struct pattern {
	char *text;
	size_t len;
	int escaped;
	const char *alphabet; /* base64: the characters that may neighbour a match */
};

static struct {
	struct pattern *p;
	size_t n, cap;
	int at_exit;
} g;

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void redact_clear(void)
{
	size_t i;

	for (i = 0; i < g.n; i++) {
		OPENSSL_cleanse(g.p[i].text, g.p[i].len);
		free(g.p[i].text);
	}
	free(g.p);
	g.p = NULL;
	g.n = g.cap = 0;
}

static void add_pattern(const char *text, size_t len, int escaped, const char *alphabet)
{
	size_t i;

	for (i = 0; i < g.n; i++)
		if (g.p[i].len == len && !memcmp(g.p[i].text, text, len))
			return;
	if (g.n == g.cap) {
		g.cap = g.cap ? 2 * g.cap : 16;
		g.p = xrealloc(g.p, g.cap * sizeof(*g.p));
	}
	g.p[g.n].text = xstrndup(text, len);
	g.p[g.n].len = len;
	g.p[g.n].escaped = escaped;
	g.p[g.n].alphabet = alphabet;
	g.n++;
}

/* The whole base64 groups of secret bytes at each alignment (3 of them), in both alphabets.
 * A group shorter than 6 bytes (8 characters) would match too much unrelated base64. */
static void add_base64(const char *s, size_t n)
{
	unsigned char out[4 * 1024 / 3 + 8];
	size_t skip, m;
	int k, len;

	for (skip = 0; skip < 3; skip++) {
		if (n < skip + 6 || n - skip > 1024)
			continue;
		m = (n - skip) / 3 * 3;
		len = EVP_EncodeBlock(out, (const unsigned char *)s + skip, (int)m);
		add_pattern((const char *)out, (size_t)len, 0, b64_std);
		for (k = 0; k < len; k++)
			if (out[k] == '+')
				out[k] = '-';
			else if (out[k] == '/')
				out[k] = '_';
		add_pattern((const char *)out, (size_t)len, 0, b64_url);
		OPENSSL_cleanse(out, sizeof(out));
	}
}

void redact_add(const char *secret)
{
	size_t n;

	if (!secret)
		return;
	n = strlen(secret);
	if (n < REDACT_MIN_LEN)
		return;
	if (!g.at_exit) {
		g.at_exit = 1;
		atexit(redact_clear);
	}
	add_pattern(secret, n, 1, NULL);
	add_base64(secret, n);
}

void redact_add_credential(const char *key)
{
	const char *p, *colon;

	if (!key)
		return;
	redact_add(key);
	if (!strchr(key, ':'))
		return;
	for (p = key;; p = colon + 1) {
		char *part;

		colon = strchr(p, ':');
		part = xstrndup(p, colon ? (size_t)(colon - p) : strlen(p));
		redact_add(part);
		OPENSSL_cleanse(part, strlen(part));
		free(part);
		if (!colon)
			break;
	}
}

static int hex2(const char *p)
{
	int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);

	return lo < 0 ? -1 : hi * 16 + lo;
}

/* How many bytes of b[k..len) spell the character c: itself, %XX, or a JSON escape ("\uXXXX",
 * "\/", "\"", "\\") behind one or more backslashes. 0 if none. */
static size_t char_at(const char *b, size_t len, size_t k, unsigned char c)
{
	size_t bs = 0, m;

	if ((unsigned char)b[k] == c)
		return 1;
	if (b[k] == '%')
		return k + 2 < len && hex2(b + k + 1) == c ? 3 : 0;
	while (k + bs < len && b[k + bs] == '\\')
		bs++;
	if (!bs)
		return 0;
	m = k + bs;
	if (c == '\\')
		return bs >= 2 ? 2 : 0;
	if (m < len && (unsigned char)b[m] == c && (c == '/' || c == '"'))
		return bs + 1;
	if (c < 0x80 && m + 4 < len && b[m] == 'u' && hex2(b + m + 1) == 0 && hex2(b + m + 3) == c)
		return bs + 5;
	return 0;
}

static size_t match_escaped(const char *b, size_t len, size_t i, const struct pattern *p)
{
	size_t j, k = i, w;

	for (j = 0; j < p->len; j++) {
		if (k >= len)
			return 0;
		w = char_at(b, len, k, (unsigned char)p->text[j]);
		if (!w)
			return 0;
		k += w;
	}
	return k - i;
}

static int in_alphabet(const char *alphabet, char c)
{
	return c && strchr(alphabet, c) != NULL;
}

size_t redact_sbuf(struct sbuf *sb)
{
	struct sbuf out;
	size_t i = 0, from = 0, keep = 0, hits = 0, w, k, e;

	if (!g.n || !sb->len)
		return 0;
	sbuf_init(&out);
	while (i < sb->len) {
		const struct pattern *p = NULL;

		w = 0;
		for (k = 0; k < g.n && !w; k++) {
			p = &g.p[k];
			if (p->escaped)
				w = match_escaped(sb->buf, sb->len, i, p);
			else if (sb->len - i >= p->len && !memcmp(sb->buf + i, p->text, p->len))
				w = p->len;
		}
		if (!w) {
			i++;
			continue;
		}
		hits++;
		sbuf_add(&out, sb->buf + from, i - from);
		e = i + w;
		if (!p->escaped) {
			/* The characters around whole groups carry bits of the secret too. */
			for (k = 0; k < 3 && out.len > keep &&
				    in_alphabet(p->alphabet, out.buf[out.len - 1]);
			     k++)
				out.len--;
			for (k = 0; k < 3 && e < sb->len && in_alphabet(p->alphabet, sb->buf[e]);
			     k++)
				e++;
			while (e < sb->len && sb->buf[e] == '=')
				e++;
			if (out.cap)
				out.buf[out.len] = '\0';
		}
		sbuf_addstr(&out, REDACT_MARK);
		keep = out.len;
		i = from = e;
	}
	if (!hits) {
		sbuf_release(&out);
		return 0;
	}
	sbuf_add(&out, sb->buf + from, sb->len - from);
	OPENSSL_cleanse(sb->buf, sb->len);
	sbuf_release(sb);
	*sb = out;
	return hits;
}

size_t redact_str(char **s)
{
	struct sbuf sb;
	size_t hits;

	if (!*s || !g.n)
		return 0;
	sbuf_init(&sb);
	sbuf_addstr(&sb, *s);
	hits = redact_sbuf(&sb);
	if (hits) {
		free(*s);
		*s = sbuf_detach(&sb, NULL);
	}
	sbuf_release(&sb);
	return hits;
}

/* Redacted copy of a string (NULL when nothing matched). */
static char *redacted_copy(const char *s, size_t len)
{
	struct sbuf sb;
	char *r = NULL;

	sbuf_init(&sb);
	sbuf_add(&sb, s, len);
	if (redact_sbuf(&sb))
		r = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	return r;
}

json_t *redact_json(json_t *v)
{
	json_t *out, *x, *rx;
	const char *key;
	char *r;
	size_t i;
	int changed = 0;

	if (!v || !g.n)
		return json_incref(v);
	switch (json_typeof(v)) {
	case JSON_STRING:
		r = redacted_copy(json_string_value(v), json_string_length(v));
		if (!r)
			return json_incref(v);
		out = json_string(r);
		free(r);
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, x)
		{
			rx = redact_json(x);
			changed |= rx != x;
			json_array_append_new(out, rx);
		}
		break;
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach(v, key, x)
		{
			rx = redact_json(x);
			changed |= rx != x;
			r = redacted_copy(key, strlen(key));
			changed |= r != NULL;
			json_object_set_new(out, r ? r : key, rx);
			free(r);
		}
		break;
	default:
		return json_incref(v);
	}
	if (changed)
		return out;
	json_decref(out);
	return json_incref(v);
}
