/* merkle.c: RFC 6962 Merkle tree hashes, proofs and their verification. */
#include "merkle.h"
#include "hex.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void merkle_leaf_hash(const void *data, size_t len, struct merkle_hash *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char prefix = 0x00;

	if (!ctx)
		abort();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, &prefix, 1);
	EVP_DigestUpdate(ctx, data, len);
	EVP_DigestFinal_ex(ctx, out->h, NULL);
	EVP_MD_CTX_free(ctx);
}

void merkle_node_hash(const struct merkle_hash *l, const struct merkle_hash *r,
		      struct merkle_hash *out)
{
	unsigned char buf[1 + 2 * MERKLE_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l->h, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, r->h, MERKLE_HASH_LEN);
	EVP_Digest(buf, sizeof(buf), out->h, NULL, EVP_sha256(), NULL);
}

/* The largest power of two smaller than n (n >= 2). */
static size_t split(size_t n)
{
	size_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

void merkle_root(const struct merkle_hash *leaves, size_t n, struct merkle_hash *out)
{
	struct merkle_hash l, r;
	size_t k;

	if (n == 0) {
		EVP_Digest("", 0, out->h, NULL, EVP_sha256(), NULL);
		return;
	}
	if (n == 1) {
		*out = leaves[0];
		return;
	}
	k = split(n);
	merkle_root(leaves, k, &l);
	merkle_root(leaves + k, n - k, &r);
	merkle_node_hash(&l, &r, out);
}

static void push(struct merkle_hash **proof, size_t *len, const struct merkle_hash *h)
{
	*proof = xrealloc(*proof, (*len + 1) * sizeof(**proof));
	(*proof)[(*len)++] = *h;
}

/* RFC 6962 2.1.1 PATH(m, D[n]) */
static void path(const struct merkle_hash *d, size_t n, size_t m, struct merkle_hash **proof,
		 size_t *len)
{
	struct merkle_hash h;
	size_t k;

	if (n <= 1)
		return;
	k = split(n);
	if (m < k) {
		path(d, k, m, proof, len);
		merkle_root(d + k, n - k, &h);
	} else {
		path(d + k, n - k, m - k, proof, len);
		merkle_root(d, k, &h);
	}
	push(proof, len, &h);
}

/* RFC 6962 2.1.2 SUBPROOF(m, D[n], b) */
static void subproof(const struct merkle_hash *d, size_t n, size_t m, int b,
		     struct merkle_hash **proof, size_t *len)
{
	struct merkle_hash h;
	size_t k;

	if (m == n) {
		if (!b) {
			merkle_root(d, n, &h);
			push(proof, len, &h);
		}
		return;
	}
	k = split(n);
	if (m <= k) {
		subproof(d, k, m, b, proof, len);
		merkle_root(d + k, n - k, &h);
	} else {
		subproof(d + k, n - k, m - k, 0, proof, len);
		merkle_root(d, k, &h);
	}
	push(proof, len, &h);
}

int merkle_inclusion_proof(const struct merkle_hash *leaves, size_t n, size_t index,
			   struct merkle_hash **proof, size_t *len, struct pl_err *err)
{
	*proof = NULL;
	*len = 0;
	if (index >= n)
		return pl_err_set(err, PL_E_INPUT, NULL,
				  "entry %zu is not in a register of %zu entries", index, n);
	path(leaves, n, index, proof, len);
	return 0;
}

int merkle_consistency_proof(const struct merkle_hash *leaves, size_t n, size_t m,
			     struct merkle_hash **proof, size_t *len, struct pl_err *err)
{
	*proof = NULL;
	*len = 0;
	if (m == 0 || m > n)
		return pl_err_set(err, PL_E_INPUT, NULL,
				  "no consistency proof from size %zu to size %zu", m, n);
	subproof(leaves, n, m, 1, proof, len);
	return 0;
}

static int heq(const struct merkle_hash *a, const struct merkle_hash *b)
{
	return !memcmp(a->h, b->h, MERKLE_HASH_LEN);
}

int merkle_verify_inclusion(size_t index, size_t size, const struct merkle_hash *leaf_hash,
			    const struct merkle_hash *proof, size_t len,
			    const struct merkle_hash *root, struct pl_err *err)
{
	struct merkle_hash r = *leaf_hash;
	size_t fn = index, sn, i;

	if (index >= size)
		return pl_err_set(err, PL_E_INTEGRITY, NULL, "index %zu is beyond tree size %zu",
				  index, size);
	sn = size - 1;
	for (i = 0; i < len; i++) {
		if (sn == 0)
			return pl_err_set(err, PL_E_INTEGRITY, NULL, "inclusion proof is too long");
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(&proof[i], &r, &r);
			if (!(fn & 1))
				while (fn && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			merkle_node_hash(&r, &proof[i], &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return pl_err_set(err, PL_E_INTEGRITY, NULL, "inclusion proof is too short");
	if (!heq(&r, root))
		return pl_err_set(err, PL_E_INTEGRITY, NULL,
				  "inclusion proof does not lead to the root");
	return 0;
}

int merkle_verify_consistency(size_t size1, size_t size2, const struct merkle_hash *root1,
			      const struct merkle_hash *root2, const struct merkle_hash *proof,
			      size_t len, struct pl_err *err)
{
	struct merkle_hash fr, sr;
	size_t fn, sn, i = 0;

	if (size2 < size1)
		return pl_err_set(err, PL_E_INTEGRITY, NULL, "tree shrank from %zu to %zu entries",
				  size1, size2);
	if (size1 == 0)
		return pl_err_set(err, PL_E_INTEGRITY, NULL,
				  "a consistency proof from the empty tree proves nothing");
	if (size1 == size2) {
		if (len)
			return pl_err_set(err, PL_E_INTEGRITY, NULL,
					  "consistency proof between equal sizes must be empty");
		if (!heq(root1, root2))
			return pl_err_set(err, PL_E_INTEGRITY, NULL,
					  "roots differ for the same tree size %zu", size1);
		return 0;
	}
	if (len == 0)
		return pl_err_set(err, PL_E_INTEGRITY, NULL, "consistency proof is empty");
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* When size1 is a power of two, the proof omits its root: it is the first node. */
	if ((size1 & (size1 - 1)) == 0) {
		fr = sr = *root1;
	} else {
		fr = sr = proof[0];
		i = 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return pl_err_set(err, PL_E_INTEGRITY, NULL,
					  "consistency proof is too long");
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(&proof[i], &fr, &fr);
			merkle_node_hash(&proof[i], &sr, &sr);
			if (!(fn & 1))
				while (fn && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			merkle_node_hash(&sr, &proof[i], &sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return pl_err_set(err, PL_E_INTEGRITY, NULL, "consistency proof is too short");
	if (!heq(&fr, root1))
		return pl_err_set(err, PL_E_INTEGRITY, NULL,
				  "consistency proof does not reproduce the old root: the first "
				  "%zu entries changed",
				  size1);
	if (!heq(&sr, root2))
		return pl_err_set(err, PL_E_INTEGRITY, NULL,
				  "consistency proof does not reproduce the new root");
	return 0;
}

void merkle_hex(const struct merkle_hash *h, char out[65])
{
	hex_encode(h->h, MERKLE_HASH_LEN, out);
}

int merkle_from_hex(const char *hex, struct merkle_hash *out)
{
	size_t i;

	if (!hex || strlen(hex) != 2 * MERKLE_HASH_LEN)
		return -1;
	for (i = 0; i < MERKLE_HASH_LEN; i++) {
		unsigned v = 0;
		int j;

		for (j = 0; j < 2; j++) {
			char c = hex[2 * i + (size_t)j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		out->h[i] = (unsigned char)v;
	}
	return 0;
}
