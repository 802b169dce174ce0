/* hash.c: FNV-1a 64 and the string map of hash.h. */
#include "hash.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

uint64_t hash_fnv1a_add(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t hash_fnv1a(const void *data, size_t len)
{
	return hash_fnv1a_add(HASH_FNV1A_INIT, data, len);
}

uint64_t hash_fnv1a_str(const char *s)
{
	return hash_fnv1a(s, strlen(s));
}

void hmap_init(struct hmap *m)
{
	m->keys = NULL;
	m->vals = NULL;
	m->cap = 0;
	m->n = 0;
}

void hmap_release(struct hmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	hmap_init(m);
}

/* The slot holding key, or the empty slot where it would go; m->cap > 0. */
static size_t hmap_slot(const struct hmap *m, const char *key)
{
	size_t i = hash_fnv1a_str(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void hmap_grow(struct hmap *m)
{
	struct hmap bigger = { NULL, NULL, m->cap ? m->cap * 2 : 16, 0 };
	size_t i, at;

	bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = xcalloc(bigger.cap, sizeof(*bigger.vals));
	for (i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			at = hmap_slot(&bigger, m->keys[i]);
			bigger.keys[at] = m->keys[i]; /* moved, not copied */
			bigger.vals[at] = m->vals[i];
			bigger.n++;
		}
	free(m->keys);
	free(m->vals);
	*m = bigger;
}

void hmap_put(struct hmap *m, const char *key, size_t val)
{
	size_t i;

	if (m->cap) {
		i = hmap_slot(m, key);
		if (m->keys[i]) {
			m->vals[i] = val;
			return;
		}
	}
	/* (n + 1) / cap > 0.7 */
	if (!m->cap || (m->n + 1) * 10 > m->cap * 7)
		hmap_grow(m);
	i = hmap_slot(m, key);
	m->keys[i] = xstrdup(key);
	m->vals[i] = val;
	m->n++;
}

int hmap_get(const struct hmap *m, const char *key, size_t *val)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = hmap_slot(m, key);
	if (!m->keys[i])
		return 0;
	if (val)
		*val = m->vals[i];
	return 1;
}
