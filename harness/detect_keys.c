/* detect_keys.c: the shape of a prompt's JSON answers, the key paths each one uses ("name",
 * "items[].sku"): an answer that renames or drops a field is told from one that only says
 * other values. A vendor's JSON that loses a field breaks the parser downstream even when
 * every answer is still valid JSON. */
#include "detect_int.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whitespace JSON may start with. */
static const char *skip_ws(const char *t, const char *end)
{
	while (t < end && (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t'))
		t++;
	return t;
}

json_t *detect_json_doc(const char *t, size_t n)
{
	const char *s = skip_ws(t, t + n);

	if (s == t + n || (*s != '{' && *s != '['))
		return NULL;
	return json_loadb(s, n - (size_t)(s - t), 0, NULL);
}

json_t *detect_answer_json(const char *text, int *fenced)
{
	const char *open = strstr(text, "```"), *body, *close;
	json_t *doc;

	*fenced = 0;
	/* a ``` block anywhere in the answer whose body is JSON */
	while (open) {
		body = strchr(open + 3, '\n');
		if (!body)
			break;
		close = strstr(body + 1, "```");
		if (!close)
			break;
		doc = detect_json_doc(body + 1, (size_t)(close - body - 1));
		if (doc) {
			*fenced = 1;
			return doc;
		}
		open = strstr(close + 3, "```");
	}
	return detect_json_doc(text, strlen(text));
}

/* Adds every key path of v under prefix (its text in sb) to out: an object's keys joined by
 * ".", an array's elements under "[]" (one shape for all of them). */
static void paths_of(const json_t *v, struct sbuf *sb, struct hmap *out)
{
	size_t len = sb->len, i;
	const char *key;
	const json_t *x;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x)
		{
			if (len)
				sbuf_addch(sb, '.');
			sbuf_addstr(sb, key);
			hmap_put(out, sb->buf, 1);
			paths_of(x, sb, out);
			sbuf_setlen(sb, len);
		}
	} else if (json_is_array(v)) {
		sbuf_addstr(sb, "[]");
		json_array_foreach(v, i, x)
		{
			paths_of(x, sb, out);
		}
		sbuf_setlen(sb, len);
	}
}

static void paths(const json_t *doc, struct hmap *out)
{
	struct sbuf sb = SBUF_INIT;

	hmap_init(out);
	paths_of(doc, &sb, out);
	sbuf_release(&sb);
}

void detect_keys_init(struct keyset *ks)
{
	memset(ks, 0, sizeof(*ks));
	hmap_init(&ks->paths);
}

void detect_keys_add(struct keyset *ks, const json_t *doc)
{
	struct hmap *one;
	size_t k;

	ks->answers++;
	if (!doc)
		return;
	if (ks->docs == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 16;
		ks->each = xrealloc(ks->each, ks->cap * sizeof(*ks->each));
	}
	one = &ks->each[ks->docs++];
	paths(doc, one);
	for (k = 0; k < one->cap; k++) {
		size_t c = 0;

		if (!one->keys[k])
			continue;
		hmap_get(&ks->paths, one->keys[k], &c);
		hmap_put(&ks->paths, one->keys[k], c + 1);
	}
}

int detect_keys_judged(const struct keyset *ks)
{
	return ks->docs && 2 * ks->docs > ks->answers;
}

/* Counts key (a path, "+" new or "-" gone) once more in off. */
static void note(struct hmap *off, char sign, const char *key)
{
	struct sbuf sb = SBUF_INIT;
	size_t c = 0;

	sbuf_addch(&sb, sign);
	sbuf_addstr(&sb, key);
	hmap_get(off, sb.buf, &c);
	hmap_put(off, sb.buf, c + 1);
	sbuf_release(&sb);
}

/* Whether an answer's paths (one) are off ks's: a path no other answer has (self: one is
 * one of ks's answers), or without one every other answer has. */
static int off_paths(const struct keyset *ks, const struct hmap *one, int self, struct hmap *off)
{
	size_t others = ks->docs - (self ? 1 : 0), k, c;
	int odd = 0;

	/* one answer alone has no others */
	if (!others)
		return 0;
	for (k = 0; k < one->cap; k++) {
		if (!one->keys[k])
			continue;
		c = 0;
		hmap_get(&ks->paths, one->keys[k], &c);
		if (c > (size_t)(self != 0))
			continue;
		odd = 1; /* a key no other answer had */
		if (off)
			note(off, '+', one->keys[k]);
	}
	for (k = 0; k < ks->paths.cap; k++) {
		if (!ks->paths.keys[k] || ks->paths.vals[k] != others ||
		    hmap_get(one, ks->paths.keys[k], NULL))
			continue;
		odd = 1; /* without a key every other answer had */
		if (off)
			note(off, '-', ks->paths.keys[k]);
	}
	return odd;
}

size_t detect_keys_self(const struct keyset *ks)
{
	size_t i, n = 0;

	for (i = 0; i < ks->docs; i++)
		n += (size_t)off_paths(ks, &ks->each[i], 1, NULL);
	return n;
}

int detect_keys_off(const struct keyset *ks, const json_t *doc, struct hmap *off)
{
	struct hmap one;
	int odd;

	paths(doc, &one);
	odd = off_paths(ks, &one, 0, off);
	hmap_release(&one);
	return odd;
}

void detect_keys_release(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->docs; i++)
		hmap_release(&ks->each[i]);
	free(ks->each);
	hmap_release(&ks->paths);
	memset(ks, 0, sizeof(*ks));
}

/* by count, then name: the words are the same whatever order the map holds them in */
struct off_key {
	const char *key;
	size_t n;
};

static int by_count(const void *x, const void *y)
{
	const struct off_key *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

void detect_keys_words(const struct hmap *off, char *buf, size_t len)
{
	struct off_key *ok = xcalloc(off->n + 1, sizeof(*ok));
	size_t i, n = 0, used = 0;

	for (i = 0; i < off->cap; i++) {
		if (!off->keys[i])
			continue;
		ok[n].key = off->keys[i];
		ok[n++].n = off->vals[i];
	}
	qsort(ok, n, sizeof(*ok), by_count);
	buf[0] = '\0';
	for (i = 0; i < n && i < 3; i++) {
		int k = snprintf(buf + used, len - used, "%s\"%.32s\" %s in %zu", i ? ", " : "",
				 ok[i].key + 1, ok[i].key[0] == '+' ? "new" : "missing", ok[i].n);

		if (k < 0 || (size_t)k >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)k;
	}
	free(ok);
}
