/* hash.c: FNV-1a 64 and the string and integer maps of hash.h. */
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

void hmap64_init(struct hmap64 *m)
{
	m->e = NULL;
	m->cap = 0;
	m->n = 0;
}

void hmap64_release(struct hmap64 *m)
{
	free(m->e);
	hmap64_init(m);
}

/* The home slot of key: one round of MurmurHash3's finaliser, so keys that differ only in
 * their low bits (aligned pointers, counters) land far apart. m->cap > 0. */
static size_t hmap64_home(const struct hmap64 *m, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (m->cap - 1);
}

/* The slot holding key, or the empty slot where it would go; m->cap > 0. */
static size_t hmap64_slot(const struct hmap64 *m, uint64_t key)
{
	size_t i = hmap64_home(m, key);

	while (m->e[i].used && m->e[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void hmap64_grow(struct hmap64 *m)
{
	struct hmap64 bigger = { NULL, m->cap ? m->cap * 2 : 16, 0 };
	size_t i;

	bigger.e = xcalloc(bigger.cap, sizeof(*bigger.e));
	for (i = 0; i < m->cap; i++)
		if (m->e[i].used)
			bigger.e[hmap64_slot(&bigger, m->e[i].key)] = m->e[i];
	bigger.n = m->n;
	free(m->e);
	*m = bigger;
}

size_t *hmap64_ref(struct hmap64 *m, uint64_t key, size_t init)
{
	size_t i = 0;

	if (m->cap) {
		i = hmap64_slot(m, key);
		if (m->e[i].used)
			return &m->e[i].val;
	}
	/* (n + 1) / cap > 0.5 */
	if (!m->cap || (m->n + 1) * 2 > m->cap) {
		hmap64_grow(m);
		i = hmap64_slot(m, key);
	}
	m->e[i].key = key;
	m->e[i].val = init;
	m->e[i].used = 1;
	m->n++;
	return &m->e[i].val;
}

void hmap64_put(struct hmap64 *m, uint64_t key, size_t val)
{
	*hmap64_ref(m, key, val) = val;
}

int hmap64_get(const struct hmap64 *m, uint64_t key, size_t *val)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = hmap64_slot(m, key);
	if (!m->e[i].used)
		return 0;
	if (val)
		*val = m->e[i].val;
	return 1;
}

int hmap64_del(struct hmap64 *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j, home;

	if (!m->cap)
		return 0;
	i = hmap64_slot(m, key);
	if (!m->e[i].used)
		return 0;
	/* Backward shift: each later entry of the run moves into the hole unless its home lies
	 * cyclically in (hole, its slot], where a lookup would then miss it. */
	for (j = (i + 1) & mask; m->e[j].used; j = (j + 1) & mask) {
		home = hmap64_home(m, m->e[j].key);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->e[i] = m->e[j];
			i = j;
		}
	}
	m->e[i].used = 0;
	m->n--;
	return 1;
}
