/* bench_textsim.c: Levenshtein (bit-parallel), Jaccard and 3-gram cosine throughput on pairs of
 * 1,000-character answers (mixed ASCII and multi-byte UTF-8). Usage: bench_textsim [pairs] */
#include "textsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const words[] = {
	"the",		"model", "answer", "capital",	  "Paris",
	"is",		"of",	 "France", "caf\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87",
	"na\xc3\xafve", "data"
};

/* Writes about 1,000 code points of random words into buf; returns the byte length. */
static size_t sentence(char *buf, size_t cap, unsigned *seed)
{
	size_t len = 0, cps = 0;

	while (cps < 1000) {
		const char *w = words[rand_r(seed) % (sizeof(words) / sizeof(words[0]))];
		size_t wl = strlen(w), i;

		if (len + wl + 2 >= cap)
			break;
		memcpy(buf + len, w, wl);
		for (i = 0; i < wl; i++)
			cps += ((unsigned char)w[i] & 0xC0) != 0x80;
		len += wl;
		buf[len++] = ' ';
		cps++;
	}
	buf[len] = '\0';
	return len;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000, i;
	unsigned seed = 42;
	char a[8192], b[8192];
	size_t la = sentence(a, sizeof(a), &seed);
	double t0, t, sum = 0;

	for (i = 0; i < 3; i++) {
		const char *name = i == 0 ? "levenshtein" : i == 1 ? "jaccard" : "ngram_cosine(3)";
		long k;

		t0 = now();
		for (k = 0; k < n; k++) {
			size_t lb;

			seed = (unsigned)k;
			lb = sentence(b, sizeof(b), &seed);
			if (i == 0)
				sum += textsim_levenshtein(a, la, b, lb);
			else if (i == 1)
				sum += textsim_jaccard(a, la, b, lb);
			else
				sum += textsim_ngram_cosine(a, la, b, lb, 3);
		}
		t = now() - t0;
		printf("%-16s %ld pairs of ~1000 code points: %.3f s, %.0f pairs/s, %.1f us/pair\n",
		       name, n, t, (double)n / t, 1e6 * t / (double)n);
	}
	printf("(checksum %.3f)\n", sum);
	return 0;
}
