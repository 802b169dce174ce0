/* test_textsim.c: bit-parallel Levenshtein against a plain O(nm) DP on random strings (ASCII
 * and multi-byte UTF-8, across the 64-bit block boundary and beyond 1000 code points), token
 * Jaccard and n-gram cosine on known values. */
#include "textsim.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static size_t dp_levenshtein(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	size_t *prev = calloc(m + 1, sizeof(*prev)), *cur = calloc(m + 1, sizeof(*cur)), *t;
	size_t i, j, d;

	for (j = 0; j <= m; j++)
		prev[j] = j;
	for (i = 1; i <= n; i++) {
		cur[0] = i;
		for (j = 1; j <= m; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[m];
	free(prev);
	free(cur);
	return d;
}

static uint64_t rng = 88172645463325252ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Encodes code points as UTF-8 into buf; returns the byte length. */
static size_t encode(const uint32_t *cp, size_t n, char *buf)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		uint32_t c = cp[i];

		if (c < 0x80) {
			buf[k++] = (char)c;
		} else if (c < 0x800) {
			buf[k++] = (char)(0xC0 | (c >> 6));
			buf[k++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			buf[k++] = (char)(0xE0 | (c >> 12));
			buf[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
			buf[k++] = (char)(0x80 | (c & 0x3F));
		} else {
			buf[k++] = (char)(0xF0 | (c >> 18));
			buf[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
			buf[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
			buf[k++] = (char)(0x80 | (c & 0x3F));
		}
	}
	return k;
}

static const uint32_t alphabet[] = { 'a', 'b', 'c', 'd', ' ', 0xE9, 0x3B1, 0x4E2D, 0x1F600 };

/* b is a mutation of a (so distances are small and large alike). */
static void random_pair(uint32_t *a, size_t n, uint32_t *b, size_t *m, size_t maxm, int wide)
{
	size_t i, k = 0;
	size_t na = wide ? 9 : 4;

	for (i = 0; i < n; i++)
		a[i] = alphabet[next() % na];
	for (i = 0; i < n && k < maxm; i++) {
		uint32_t r = next() % 10;

		if (r == 0)
			continue; /* delete */
		if (r == 1 && k + 1 < maxm)
			b[k++] = alphabet[next() % na]; /* insert */
		b[k++] = r == 2 ? alphabet[next() % na] : a[i];
	}
	*m = k;
}

static void test_levenshtein_vs_dp(void **state)
{
	static const size_t lens[] = { 0, 1, 2, 5, 63, 64, 65, 100, 127, 128, 129, 300, 1000, 1500 };
	uint32_t *a = malloc(2000 * sizeof(*a)), *b = malloc(4000 * sizeof(*b));
	char *sa = malloc(8000), *sb = malloc(16000);
	size_t i, round;

	(void)state;
	for (round = 0; round < 3; round++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t n = lens[i], m, want, got, la, lb;
			double sim;

			random_pair(a, n, b, &m, 4000, round > 0);
			if (round == 2) /* unrelated strings of another length */
				random_pair(b, (n * 7) / 5 + 3, a, &n, 2000, 1);
			want = dp_levenshtein(a, n, b, m);
			got = textsim_levenshtein_cp(a, n, b, m);
			if (got != want)
				print_error("round %zu n=%zu m=%zu: got %zu want %zu\n", round, n,
					    m, got, want);
			assert_int_equal(got, want);
			assert_int_equal(textsim_levenshtein_cp(b, m, a, n), want);
			la = encode(a, n, sa);
			lb = encode(b, m, sb);
			sim = textsim_levenshtein(sa, la, sb, lb);
			if (n || m)
				assert_true(
					fabs(sim - (1.0 - (double)want / (double)(n > m ? n : m))) <
					1e-12);
		}
	free(a);
	free(b);
	free(sa);
	free(sb);
}

/* 14,000 distinct code points: the match table would exceed its dense limit, so the
 * per-column (sparse) path runs; it must agree with the DP too. */
static void test_levenshtein_many_distinct(void **state)
{
	size_t n = 14000, m = 0, i;
	uint32_t *a = malloc(n * sizeof(*a)), *b = malloc((n + 100) * sizeof(*b));

	(void)state;
	for (i = 0; i < n; i++)
		a[i] = 0x4E00 + (uint32_t)i;
	for (i = 0; i < n; i++) {
		uint32_t r = next() % 50;

		if (r == 0)
			continue;
		b[m++] = r == 1 ? 0x4E00 + next() % 14000 : a[i];
	}
	assert_int_equal(textsim_levenshtein_cp(a, n, b, m), dp_levenshtein(a, n, b, m));
	free(a);
	free(b);
}

static void test_levenshtein_known(void **state)
{
	(void)state;
	assert_true(fabs(textsim_levenshtein("kitten", 6, "sitting", 7) - (1.0 - 3.0 / 7)) < 1e-12);
	assert_true(textsim_levenshtein("", 0, "", 0) == 1.0);
	assert_true(textsim_levenshtein("abc", 3, "", 0) == 0.0);
	/* code points, not bytes: one substitution in 4 */
	assert_true(fabs(textsim_levenshtein("caf\xc3\xa9", 5, "cafe", 4) - 0.75) < 1e-12);
	/* invalid bytes count as one code point each and differ from each other */
	assert_true(fabs(textsim_levenshtein("\xff\xfe", 2, "\xff\xfd", 2) - 0.5) < 1e-12);
}

static void test_decode(void **state)
{
	uint32_t cp[8];

	(void)state;
	assert_int_equal(textsim_decode("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", 10, cp, 8), 4);
	assert_int_equal(cp[0], 'a');
	assert_int_equal(cp[1], 0xE9);
	assert_int_equal(cp[2], 0x4E2D);
	assert_int_equal(cp[3], 0x1F600);
	/* overlong "/" and a truncated sequence: byte by byte */
	assert_int_equal(textsim_decode("\xc0\xaf\xe4\xb8", 4, cp, 8), 4);
	assert_int_equal(cp[0], 0x110000u + 0xC0);
	assert_int_equal(textsim_decode("abc", 3, cp, 2), 2);
}

static void test_jaccard(void **state)
{
	(void)state;
	assert_true(textsim_jaccard("", 0, "", 0) == 1.0);
	assert_true(textsim_jaccard("a b", 3, "", 0) == 0.0);
	/* {the, cat, sat} vs {the, cat, ran}: 2/4 */
	assert_true(fabs(textsim_jaccard("The cat sat.", 12, "the CAT, ran", 12) - 0.5) < 1e-12);
	/* repeats do not count twice; Latin-1 capitals fold */
	assert_true(fabs(textsim_jaccard("\xc3\x89t\xc3\xa9 \xc3\xa9t\xc3\xa9", 11,
					 "\xc3\xa9t\xc3\xa9", 5) -
			 1.0) < 1e-12);
	assert_true(fabs(textsim_jaccard("a-b_c", 5, "a b_c", 5) - 1.0) < 1e-12);
}

static void test_ngram_cosine(void **state)
{
	(void)state;
	assert_true(textsim_ngram_cosine("", 0, "", 0, 3) == 1.0);
	assert_true(textsim_ngram_cosine("abc", 3, "", 0, 3) == 0.0);
	assert_true(fabs(textsim_ngram_cosine("abcd", 4, "abcd", 4, 3) - 1.0) < 1e-12);
	/* abcd: {abc, bcd}; bcde: {bcd, cde}: 1/2 */
	assert_true(fabs(textsim_ngram_cosine("abcd", 4, "bcde", 4, 3) - 0.5) < 1e-12);
	/* counts matter: aaaa = {aa:3}, aab = {aa:1, ab:1}: 3 / (3 * sqrt 2) */
	assert_true(fabs(textsim_ngram_cosine("aaaa", 4, "aab", 3, 2) - 1.0 / sqrt(2.0)) < 1e-12);
	/* shorter than n: one gram of the whole text */
	assert_true(fabs(textsim_ngram_cosine("ab", 2, "ab", 2, 3) - 1.0) < 1e-12);
	assert_true(textsim_ngram_cosine("ab", 2, "abc", 3, 3) == 0.0);
	/* n-grams are over code points: two 2-byte characters make one 2-gram */
	assert_true(fabs(textsim_ngram_cosine("\xc3\xa9\xc3\xa9", 4, "\xc3\xa9\xc3\xa9", 4, 2) -
			 1.0) < 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levenshtein_vs_dp),
		cmocka_unit_test(test_levenshtein_known),
		cmocka_unit_test(test_levenshtein_many_distinct),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_jaccard),
		cmocka_unit_test(test_ngram_cosine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
