/* test_merkle.c: RFC 6962 trees against the transparency-dev vectors (tests/fixtures/merkle):
 * roots for sizes 0..8, every inclusion and consistency vector (including the must-fail ones),
 * and our generated proofs against the vectors' proofs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "merkle.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct merkle_hash leaves[8];
static struct merkle_hash roots[9];
static size_t n_leaves;

/* Proof nodes must be 32 bytes. Roots and leaf hashes in some vectors are short stand-ins
 * ("don't care"): those are zero-padded so they compare equal only to themselves. */
static int decode(const json_t *v, struct merkle_hash *out, int pad_short);

static int from_b64(const json_t *v, struct merkle_hash *out)
{
	return decode(v, out, 0);
}

static int root_b64(const json_t *v, struct merkle_hash *out)
{
	return decode(v, out, 1);
}

static int decode(const json_t *v, struct merkle_hash *out, int pad_short)
{
	unsigned char buf[128];
	const char *s = json_string_value(v);
	size_t len, pad = 0;
	int n;

	if (!s)
		return -1;
	len = strlen(s);
	if (len == 0 || len % 4 || len > 96)
		return -1;
	pad = (s[len - 1] == '=') + (s[len - 2] == '=');
	n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n - pad > MERKLE_HASH_LEN)
		return -1;
	if ((size_t)n - pad != MERKLE_HASH_LEN && !pad_short)
		return -1;
	memset(out->h, 0, MERKLE_HASH_LEN);
	memcpy(out->h, buf, (size_t)n - pad);
	return 0;
}

static int load_roots(void **state)
{
	char path[512];
	json_t *root, *v;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/merkle/roots.json", PL_FIXTURES);
	root = json_load_file(path, 0, NULL);
	if (!root)
		return -1;
	json_array_foreach(json_object_get(root, "leaf_inputs_hex"), i, v)
	{
		const char *hex = json_string_value(v);
		unsigned char data[64];
		size_t j, len = strlen(hex) / 2;

		for (j = 0; j < len; j++) {
			unsigned x;

			sscanf(hex + 2 * j, "%2x", &x);
			data[j] = (unsigned char)x;
		}
		merkle_leaf_hash(data, len, &leaves[i]);
		n_leaves++;
	}
	json_array_foreach(json_object_get(root, "root_hashes_hex_by_tree_size"), i, v)
		merkle_from_hex(json_string_value(v), &roots[i]);
	json_decref(root);
	return 0;
}

static void test_roots(void **state)
{
	struct merkle_hash r;
	size_t n;

	(void)state;
	assert_int_equal(n_leaves, 8);
	for (n = 0; n <= 8; n++) {
		merkle_root(leaves, n, &r);
		assert_memory_equal(r.h, roots[n].h, MERKLE_HASH_LEN);
	}
}

static void test_generated_proofs(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct merkle_hash *proof, bad;
	size_t n, m, len;

	(void)state;
	for (n = 1; n <= 8; n++) {
		for (m = 0; m < n; m++) {
			assert_int_equal(merkle_inclusion_proof(leaves, n, m, &proof, &len, &err),
					 0);
			assert_int_equal(merkle_verify_inclusion(m, n, &leaves[m], proof, len,
								 &roots[n], &err),
					 0);
			/* the wrong leaf must fail */
			assert_int_equal(merkle_verify_inclusion(m, n, &leaves[(m + 1) % 8], proof,
								 len, &roots[n], NULL),
					 -1);
			free(proof);
		}
		for (m = 1; m <= n; m++) {
			assert_int_equal(merkle_consistency_proof(leaves, n, m, &proof, &len, &err),
					 0);
			assert_int_equal(merkle_verify_consistency(m, n, &roots[m], &roots[n],
								   proof, len, &err),
					 0);
			if (m < n) {
				bad = roots[m];
				bad.h[0] ^= 1;
				assert_int_equal(merkle_verify_consistency(m, n, &bad, &roots[n],
									   proof, len, NULL),
						 -1);
			}
			free(proof);
		}
	}
	assert_int_equal(merkle_inclusion_proof(leaves, 3, 3, &proof, &len, &err), -1);
}

static size_t n_vectors, n_must_fail, n_compared;

static void run_vector(const char *path)
{
	/* leafIdx may be 2^64-1: read numbers as doubles and reject what size_t cannot hold */
	json_t *v = json_load_file(path, JSON_DECODE_INT_AS_REAL, NULL), *pv, *x;
	struct merkle_hash *proof = NULL, a, b, c;
	size_t len = 0, i;
	int want_err, bad = 0, got;
	struct pl_err err = PL_ERR_INIT;

	assert_non_null(v);
	want_err = json_is_true(json_object_get(v, "wantErr"));
	pv = json_object_get(v, "proof");
	if (json_is_array(pv)) {
		proof = calloc(json_array_size(pv) + 1, sizeof(*proof));
		json_array_foreach(pv, i, x) bad |= from_b64(x, &proof[len++]) < 0;
	}
	if (json_object_get(v, "leafIdx")) {
		double idx = json_number_value(json_object_get(v, "leafIdx"));
		double size = json_number_value(json_object_get(v, "treeSize"));

		bad |= root_b64(json_object_get(v, "root"), &a) < 0;
		bad |= root_b64(json_object_get(v, "leafHash"), &b) < 0;
		bad |= idx < 0 || size < 0 || idx > 1e15 || size > 1e15;
		got = bad ? -1
			  : merkle_verify_inclusion((size_t)idx, (size_t)size, &b, proof, len, &a,
						    &err);
		/* our own proof for the same tree must be the vector's proof */
		if (!want_err && size >= 1 && size <= 8 &&
		    !memcmp(a.h, roots[(size_t)size].h, 32)) {
			struct merkle_hash *mine;
			size_t mlen;

			assert_int_equal(merkle_inclusion_proof(leaves, (size_t)size, (size_t)idx,
								&mine, &mlen, &err),
					 0);
			assert_int_equal(mlen, len);
			if (len)
				assert_memory_equal(mine, proof, len * sizeof(*proof));
			free(mine);
			n_compared++;
		}
	} else {
		double s1 = json_number_value(json_object_get(v, "size1"));
		double s2 = json_number_value(json_object_get(v, "size2"));

		bad |= root_b64(json_object_get(v, "root1"), &a) < 0;
		bad |= root_b64(json_object_get(v, "root2"), &c) < 0;
		bad |= s1 < 0 || s2 < 0 || s1 > 1e15 || s2 > 1e15;
		got = bad ? -1
			  : merkle_verify_consistency((size_t)s1, (size_t)s2, &a, &c, proof, len,
						      &err);
		if (!want_err && s1 >= 1 && s2 <= 8 && !memcmp(c.h, roots[(size_t)s2].h, 32)) {
			struct merkle_hash *mine;
			size_t mlen;

			assert_int_equal(merkle_consistency_proof(leaves, (size_t)s2, (size_t)s1,
								  &mine, &mlen, &err),
					 0);
			assert_int_equal(mlen, len);
			if (len)
				assert_memory_equal(mine, proof, len * sizeof(*proof));
			free(mine);
			n_compared++;
		}
	}
	if ((got < 0) != want_err)
		fail_msg("%s: want %s, got %s (%s)", path, want_err ? "error" : "ok",
			 got < 0 ? "error" : "ok", err.msg);
	n_vectors++;
	n_must_fail += (size_t)want_err;
	free(proof);
	json_decref(v);
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];
	struct stat st;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode))
			walk(path);
		else if (strstr(e->d_name, ".json"))
			run_vector(path);
	}
	closedir(d);
}

static void test_vectors(void **state)
{
	char dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/merkle/testdata", PL_FIXTURES);
	walk(dir);
	print_message("%zu vectors (%zu must fail), %zu proofs compared with ours\n", n_vectors,
		      n_must_fail, n_compared);
	assert_true(n_vectors > 100);
	assert_true(n_must_fail > 50);
	assert_true(n_compared >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_generated_proofs),
		cmocka_unit_test(test_vectors),
	};
	return cmocka_run_group_tests(tests, load_roots, NULL);
}
