/* textsim.c: Levenshtein (Myers/Hyyrö bit-vectors, multi-word blocks), token Jaccard, n-gram
 * cosine over UTF-8 text. */
#include "textsim.h"
#include "sbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WBITS 64
/* Largest dense match table (words): 16 MiB. Above it, match vectors are built per column. */
#ifndef PEQ_DENSE_MAX
#define PEQ_DENSE_MAX ((size_t)1 << 21)
#endif

size_t textsim_decode(const char *s, size_t len, uint32_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t k, need;

		if (c < 0x80) {
			out[n++] = c;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			out[n++] = 0x110000u + c;
			i++;
			continue;
		}
		for (k = 1; k <= need; k++) {
			if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
				break;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		/* Reject truncated, overlong, surrogate and out-of-range forms byte by byte. */
		if (k <= need || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
			out[n++] = 0x110000u + c;
			i++;
			continue;
		}
		out[n++] = cp;
		i += need + 1;
	}
	return n;
}

static uint32_t *decode_new(const char *s, size_t len, size_t *n)
{
	size_t max = len < TEXTSIM_MAX_CP ? len : TEXTSIM_MAX_CP;
	uint32_t *cp = xmalloc((max ? max : 1) * sizeof(*cp));

	*n = textsim_decode(s, len, cp, max);
	return cp;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of code point c among the pattern's sorted distinct code points, or -1. */
static long find_cp(const uint32_t *alpha, size_t k, uint32_t c)
{
	size_t lo = 0, hi = k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (alpha[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k && alpha[lo] == c ? (long)lo : -1;
}

/* One column step of one 64-row block (Hyyrö 2003, as in edlib). hin/hout are the horizontal
 * deltas (-1, 0, +1) entering the block's top row and leaving its row `out_bit`. */
static int block_step(uint64_t *pv, uint64_t *mv, uint64_t eq, int hin, unsigned out_bit)
{
	uint64_t Pv = *pv, Mv = *mv;
	uint64_t hneg = hin < 0 ? 1 : 0;
	uint64_t Xv = eq | Mv;
	uint64_t Xh, Ph, Mh;
	int hout;

	eq |= hneg;
	Xh = (((eq & Pv) + Pv) ^ Pv) | eq;
	Ph = Mv | ~(Xh | Pv);
	Mh = Pv & Xh;
	hout = (int)((Ph >> out_bit) & 1) - (int)((Mh >> out_bit) & 1);
	Ph <<= 1;
	Mh <<= 1;
	Mh |= hneg;
	Ph |= hin > 0 ? 1 : 0;
	*pv = Mh | ~(Xv | Ph);
	*mv = Ph & Xv;
	return hout;
}

size_t textsim_levenshtein_cp(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	const uint32_t *pat = a, *txt = b;
	size_t plen = n, tlen = m, k = 0, nb, i, j, bl;
	uint32_t *alpha = NULL;
	uint64_t *peq = NULL, *pv = NULL, *mv = NULL, *col = NULL;
	size_t *start = NULL, *pos = NULL, *fill = NULL;
	size_t score;
	unsigned last_bit;

	if (n > m) { /* the shorter string is the pattern: fewer blocks */
		pat = b;
		plen = m;
		txt = a;
		tlen = n;
	}
	if (plen == 0)
		return tlen;
	alpha = xmalloc(plen * sizeof(*alpha));
	memcpy(alpha, pat, plen * sizeof(*alpha));
	qsort(alpha, plen, sizeof(*alpha), cmp_u32);
	for (i = 0; i < plen; i++)
		if (k == 0 || alpha[k - 1] != alpha[i])
			alpha[k++] = alpha[i];
	nb = (plen + WBITS - 1) / WBITS;
	if (k * nb <= PEQ_DENSE_MAX) {
		peq = xcalloc(k * nb, sizeof(*peq));
		for (i = 0; i < plen; i++) {
			long c = find_cp(alpha, k, pat[i]);

			peq[(size_t)c * nb + i / WBITS] |= (uint64_t)1 << (i % WBITS);
		}
	} else {
		/* Many distinct code points in a long pattern: a dense table would need
		 * k * nb words, so keep each code point's positions and build its bit-vector
		 * per column instead (at most twice the work of the block loop). */
		start = xcalloc(k + 1, sizeof(*start));
		pos = xmalloc(plen * sizeof(*pos));
		col = xcalloc(nb, sizeof(*col));
		for (i = 0; i < plen; i++)
			start[find_cp(alpha, k, pat[i]) + 1]++;
		for (i = 0; i < k; i++)
			start[i + 1] += start[i];
		fill = xmalloc(k * sizeof(*fill));
		memcpy(fill, start, k * sizeof(*fill));
		for (i = 0; i < plen; i++)
			pos[fill[find_cp(alpha, k, pat[i])]++] = i;
		free(fill);
	}
	pv = xmalloc(nb * sizeof(*pv));
	mv = xcalloc(nb, sizeof(*mv));
	for (bl = 0; bl < nb; bl++)
		pv[bl] = ~(uint64_t)0;
	score = plen;
	last_bit = (unsigned)((plen - 1) % WBITS);
	for (j = 0; j < tlen; j++) {
		long c = find_cp(alpha, k, txt[j]);
		const uint64_t *eq = NULL;
		int h = 1; /* top row D[0][j] = j: horizontal delta +1 */

		if (c >= 0 && peq) {
			eq = peq + (size_t)c * nb;
		} else if (c >= 0) {
			for (i = start[c]; i < start[c + 1]; i++)
				col[pos[i] / WBITS] |= (uint64_t)1 << (pos[i] % WBITS);
			eq = col;
		}
		for (bl = 0; bl < nb; bl++)
			h = block_step(&pv[bl], &mv[bl], eq ? eq[bl] : 0, h,
				       bl + 1 == nb ? last_bit : WBITS - 1);
		score = (size_t)((long long)score + h);
		if (col && eq == col)
			for (i = start[c]; i < start[c + 1]; i++)
				col[pos[i] / WBITS] = 0;
	}
	free(start);
	free(pos);
	free(col);
	free(alpha);
	free(peq);
	free(pv);
	free(mv);
	return score;
}

double textsim_levenshtein(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n, m, d, mx;
	uint32_t *ca = decode_new(a, alen, &n);
	uint32_t *cb = decode_new(b, blen, &m);
	double sim;

	mx = n > m ? n : m;
	if (mx == 0) {
		sim = 1.0;
	} else {
		d = textsim_levenshtein_cp(ca, n, cb, m);
		sim = 1.0 - (double)d / (double)mx;
	}
	free(ca);
	free(cb);
	return sim;
}

/* Token separators: whitespace and punctuation, ASCII and the common Unicode blocks. */
static int is_sep(uint32_t c)
{
	if (c < 0x80)
		return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			 (c >= 'A' && c <= 'Z') || c == '_');
	if (c == 0x85 || c == 0xA0 || c == 0x1680 ||
	    (c >= 0xA1 && c <= 0xBF && c != 0xAA && c != 0xB2 && c != 0xB3 && c != 0xB5 &&
	     c != 0xB9 && c != 0xBA && c != 0xBC && c != 0xBD && c != 0xBE) ||
	    c == 0xD7 || c == 0xF7)
		return 1;
	if (c >= 0x2000 && c <= 0x206F) /* General Punctuation, incl. spaces */
		return 1;
	if (c >= 0x3000 && c <= 0x303F) /* CJK symbols and punctuation */
		return 1;
	if (c == 0xFEFF || (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20))
		return 1;
	return 0;
}

static uint32_t lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

/* 64-bit FNV-1a over code points: token and n-gram identities (collisions are negligible at
 * the sizes of LLM answers and would only nudge a score). Not hash.h's byte FNV-1a: it XORs
 * whole uint32_t code points and starts from basis 1469598103934665603 (the standard decimal
 * basis missing its last digit); kept, as scores must not move. */
static uint64_t fnv(const uint32_t *cp, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= cp[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted hashes of the lower-cased tokens of s (with repeats); returns the count. */
static size_t tokens(const char *s, size_t len, uint64_t **out)
{
	size_t n, i, start = 0, nt = 0;
	uint32_t *cp = decode_new(s, len, &n);
	uint64_t *h = xmalloc((n + 1) * sizeof(*h));
	int in = 0;

	for (i = 0; i <= n; i++) {
		int sep = i == n || is_sep(cp[i]);

		if (!sep) {
			cp[i] = lower(cp[i]);
			if (!in)
				start = i;
			in = 1;
		} else if (in) {
			h[nt++] = fnv(cp + start, i - start);
			in = 0;
		}
	}
	qsort(h, nt, sizeof(*h), cmp_u64);
	free(cp);
	*out = h;
	return nt;
}

static size_t uniq(uint64_t *h, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (k == 0 || h[k - 1] != h[i])
			h[k++] = h[i];
	return k;
}

double textsim_jaccard(const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t *ha, *hb;
	size_t na, nb, i = 0, j = 0, inter = 0;
	double sim;

	na = tokens(a, alen, &ha);
	nb = tokens(b, blen, &hb);
	na = uniq(ha, na);
	nb = uniq(hb, nb);
	while (i < na && j < nb) {
		if (ha[i] == hb[j]) {
			inter++;
			i++;
			j++;
		} else if (ha[i] < hb[j]) {
			i++;
		} else {
			j++;
		}
	}
	sim = na + nb == 0 ? 1.0 : (double)inter / (double)(na + nb - inter);
	free(ha);
	free(hb);
	return sim;
}

/* Sorted hashes of the character n-grams of s (with repeats); returns the count. */
static size_t ngrams(const char *s, size_t len, int n, uint64_t **out)
{
	size_t ncp, i, ng;
	uint32_t *cp = decode_new(s, len, &ncp);
	uint64_t *h;

	if (ncp == 0)
		ng = 0;
	else if (ncp < (size_t)n)
		ng = 1;
	else
		ng = ncp - (size_t)n + 1;
	h = xmalloc((ng ? ng : 1) * sizeof(*h));
	if (ng == 1 && ncp < (size_t)n)
		h[0] = fnv(cp, ncp);
	else
		for (i = 0; i < ng; i++)
			h[i] = fnv(cp + i, (size_t)n);
	qsort(h, ng, sizeof(*h), cmp_u64);
	free(cp);
	*out = h;
	return ng;
}

/* Sum of squared run lengths of a sorted array: |v|^2 of its count vector. */
static double sq_norm(const uint64_t *h, size_t n)
{
	double s = 0;
	size_t i = 0;

	while (i < n) {
		size_t r = 1;

		while (i + r < n && h[i + r] == h[i])
			r++;
		s += (double)r * (double)r;
		i += r;
	}
	return s;
}

double textsim_ngram_cosine(const char *a, size_t alen, const char *b, size_t blen, int n)
{
	uint64_t *ha, *hb;
	size_t na, nb, i = 0, j = 0;
	double dot = 0, sim;

	if (n < 1)
		n = 1;
	na = ngrams(a, alen, n, &ha);
	nb = ngrams(b, blen, n, &hb);
	if (na == 0 || nb == 0) {
		sim = na == nb ? 1.0 : 0.0;
		goto out;
	}
	while (i < na && j < nb) {
		if (ha[i] < hb[j]) {
			i++;
		} else if (ha[i] > hb[j]) {
			j++;
		} else {
			size_t ri = 1, rj = 1;

			while (i + ri < na && ha[i + ri] == ha[i])
				ri++;
			while (j + rj < nb && hb[j + rj] == hb[j])
				rj++;
			dot += (double)ri * (double)rj;
			i += ri;
			j += rj;
		}
	}
	sim = dot / sqrt(sq_norm(ha, na) * sq_norm(hb, nb));
	if (sim > 1.0)
		sim = 1.0;
out:
	free(ha);
	free(hb);
	return sim;
}
