/* hash.h: 64-bit FNV-1a, a string-keyed and an integer-keyed open-addressing map: the one copy
 * for every layer (journal keys, sample-set ids, fingerprints of answers, words of a vocabulary,
 * simulator seeds and request counts, compiled schemas by address). FNV-1a values reach files and
 * seeds (answer fingerprints, simulated answers), so never change the arithmetic: tests pin the
 * standard vectors. */
#ifndef PL_HASH_H
#define PL_HASH_H

#include "pl.h"

/* The FNV-1a 64 offset basis: the state before any byte. */
#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* Continues FNV-1a state h over the len bytes of data (may be NULL when len is 0): each byte,
 * as unsigned char, is XORed in and the state multiplied by the FNV prime 0x100000001b3.
 * hash_fnv1a_add(HASH_FNV1A_INIT, d, n) == hash_fnv1a(d, n). */
uint64_t hash_fnv1a_add(uint64_t h, const void *data, size_t len);

/* FNV-1a 64 of len bytes: "" gives 0xcbf29ce484222325, "a" 0xaf63dc4c8601ec8c. */
uint64_t hash_fnv1a(const void *data, size_t len);

/* FNV-1a 64 of the bytes of the string s (not NULL), without its terminating NUL. */
uint64_t hash_fnv1a_str(const char *s);

/* A map from strings to size_t values: open addressing, linear probing, a power-of-two
 * capacity that doubles when an insertion would pass 70% load. The map owns copies of its
 * keys (the caller's strings may go away); values are plain numbers (an index, a count, a
 * line number). Embedded: hmap_init / hmap_release. Allocation failure aborts the process,
 * as everywhere (sbuf.h), so no function here fails. */
struct hmap {
	char **keys;   /* cap slots, NULL when empty; owned */
	size_t *vals;  /* cap values, parallel to keys */
	size_t cap, n; /* capacity (0 or a power of two) and the number of keys */
};

/* An initialised, empty map, as a declaration's initialiser: struct hmap m = HMAP_INIT; */
#define HMAP_INIT                \
	{                        \
		NULL, NULL, 0, 0 \
	}

void hmap_init(struct hmap *m);	   /* empty; owns no memory until the first put */
void hmap_release(struct hmap *m); /* frees keys and slots; m may then be used again */

/* Sets key's value to val: adds a copy of key, or overwrites the value of a key present. */
void hmap_put(struct hmap *m, const char *key, size_t val);

/* Returns 1 and stores key's value in *val (val may be NULL), or 0 (and *val untouched) when
 * key is absent. */
int hmap_get(const struct hmap *m, const char *key, size_t *val);

/* A map from uint64 keys (every value, 0 included: a pointer as uintptr_t, a hash) to size_t
 * values: open addressing, linear probing on a mixed key (so aligned pointers and sequential
 * numbers spread), a power-of-two capacity that doubles when an insertion would pass 50% load,
 * deletion by backward shift (no tombstones). Embedded: hmap64_init / hmap64_release.
 * Allocation failure aborts the process, so no function here fails. */
struct hmap64_entry {
	uint64_t key;
	size_t val;
	int used;
};

struct hmap64 {
	struct hmap64_entry *e; /* cap entries; owned */
	size_t cap, n;		/* capacity (0 or a power of two) and the number of keys */
};

#define HMAP64_INIT        \
	{                  \
		NULL, 0, 0 \
	}

void hmap64_init(struct hmap64 *m);    /* empty; owns no memory until the first insertion */
void hmap64_release(struct hmap64 *m); /* frees the entries; m may then be used again */

/* Sets key's value to val (adds key, or overwrites the value of a key present). */
void hmap64_put(struct hmap64 *m, uint64_t key, size_t val);

/* Returns 1 and stores key's value in *val (val may be NULL), or 0 (*val untouched). */
int hmap64_get(const struct hmap64 *m, uint64_t key, size_t *val);

/* Returns the address of key's value, adding key with the value init when absent (a counter:
 * (*hmap64_ref(m, k, 0))++). The address is valid until the next put, ref or del on m. */
size_t *hmap64_ref(struct hmap64 *m, uint64_t key, size_t init);

/* Removes key; returns 1, or 0 when key was absent. */
int hmap64_del(struct hmap64 *m, uint64_t key);

#endif
