/* merkle.h: RFC 6962 (Certificate Transparency) Merkle trees over SHA-256: tree heads,
 * inclusion proofs and consistency proofs, and their verification (RFC 9162 2.1.3.2, 2.1.4.2).
 *
 * leaf hash = SHA-256(0x00 || entry bytes); node hash = SHA-256(0x01 || left || right);
 * the empty tree's root is SHA-256(""). Functions that build take the leaf HASHES (the caller
 * keeps them; the register keeps one per entry). Proofs are caller-freed arrays of hashes. */
#ifndef PL_MERKLE_H
#define PL_MERKLE_H

#include "err.h"

#define MERKLE_HASH_LEN 32

struct merkle_hash {
	unsigned char h[MERKLE_HASH_LEN];
};

void merkle_leaf_hash(const void *data, size_t len, struct merkle_hash *out);
void merkle_node_hash(const struct merkle_hash *l, const struct merkle_hash *r,
		      struct merkle_hash *out);

/* Root of the tree over leaves[0..n). */
void merkle_root(const struct merkle_hash *leaves, size_t n, struct merkle_hash *out);

/* Audit path for leaf `index` in the tree of size n (index < n). *proof is a new array (free()
 * it; NULL when *len is 0). Returns 0, or -1 (PL_E_INPUT) when index >= n. */
int merkle_inclusion_proof(const struct merkle_hash *leaves, size_t n, size_t index,
			   struct merkle_hash **proof, size_t *len, struct pl_err *err);
/* Consistency proof between the tree of size m and the tree of size n (0 < m <= n). */
int merkle_consistency_proof(const struct merkle_hash *leaves, size_t n, size_t m,
			     struct merkle_hash **proof, size_t *len, struct pl_err *err);

/* Verifies that leaf_hash is at index in the tree of `size` with the given root.
 * Returns 0, or -1 with err set (PL_E_INTEGRITY). */
int merkle_verify_inclusion(size_t index, size_t size, const struct merkle_hash *leaf_hash,
			    const struct merkle_hash *proof, size_t len,
			    const struct merkle_hash *root, struct pl_err *err);
/* Verifies that the tree (size1, root1) is a prefix of (size2, root2). size1 must be >= 1
 * (from the empty tree nothing is proved; callers treat that case themselves). 0 or -1. */
int merkle_verify_consistency(size_t size1, size_t size2, const struct merkle_hash *root1,
			      const struct merkle_hash *root2, const struct merkle_hash *proof,
			      size_t len, struct pl_err *err);

/* Lower-case hex (65 bytes with NUL) and back (returns 0 or -1). */
void merkle_hex(const struct merkle_hash *h, char out[65]);
int merkle_from_hex(const char *hex, struct merkle_hash *out);

#endif
