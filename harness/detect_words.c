/* detect_words.c: the words of the baseline's answers to one prompt (lower-cased letters and
 * digits, with how many answers use each), for telling a long answer that says something new. */
#include "detect.h"
#include "detect_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 64 /* longer words are cut (each_word) */

/* w[0..n) as a string in buf (n <= WORD_MAX). */
static const char *word_str(char buf[WORD_MAX + 1], const char *w, size_t n)
{
	memcpy(buf, w, n);
	buf[n] = '\0';
	return buf;
}

/* Calls fn for each distinct lower-cased word (letters and digits) of text. */
static int each_word(const char *text, int (*fn)(void *ctx, const char *w, size_t n), void *ctx)
{
	char buf[WORD_MAX];
	const char *t = text;

	while (*t) {
		size_t n = 0;

		while (*t && !isalnum((unsigned char)*t))
			t++;
		while (*t && isalnum((unsigned char)*t)) {
			if (n < sizeof(buf))
				buf[n++] = (char)tolower((unsigned char)*t);
			t++;
		}
		if (n && fn(ctx, buf, n))
			return 1;
	}
	return 0;
}

/* Words already counted for the current answer, so an answer counts each word once. */
struct seen {
	struct hmap *v;
	struct hmap local;
};

static int add_word(void *ctx, const char *w, size_t n)
{
	struct seen *s = ctx;
	char buf[WORD_MAX + 1];
	const char *key = word_str(buf, w, n);
	size_t c = 0;

	if (hmap_get(&s->local, key, NULL))
		return 0;
	hmap_put(&s->local, key, 1);
	hmap_get(s->v, key, &c);
	hmap_put(s->v, key, c + 1);
	return 0;
}

void detect_vocab_release(struct vocab *v)
{
	hmap_release(&v->words);
}

void detect_vocab_build(struct vocab *v, const struct prompt_samples *ref)
{
	size_t k;

	hmap_init(&v->words);
	for (k = 0; ref && k < ref->n; k++) {
		struct seen s = { &v->words, HMAP_INIT };

		each_word(ref->samples[k].text, add_word, &s);
		hmap_release(&s.local);
	}
}

struct novel_word {
	const struct vocab *v;
	int self; /* the answer is one of the baseline's: a word only it uses is novel */
};

static int word_is_new(void *ctx, const char *w, size_t n)
{
	const struct novel_word *nw = ctx;
	char buf[WORD_MAX + 1];
	size_t c = 0;

	hmap_get(&nw->v->words, word_str(buf, w, n), &c);
	return c <= (size_t)nw->self;
}

int detect_vocab_new_word(const struct vocab *v, const char *text, int self)
{
	struct novel_word nw = { v, self };

	return each_word(text, word_is_new, &nw);
}

struct new_words {
	const struct vocab *v;
	struct seen s; /* counts into the caller's map, each word once an answer */
};

static int count_new(void *ctx, const char *w, size_t n)
{
	struct new_words *nw = ctx;
	char buf[WORD_MAX + 1];

	if (hmap_get(&nw->v->words, word_str(buf, w, n), NULL))
		return 0;
	return add_word(&nw->s, w, n);
}

void detect_vocab_new_words(const struct vocab *v, const char *text, struct hmap *out)
{
	struct new_words nw = { v, { out, HMAP_INIT } };

	each_word(text, count_new, &nw);
	hmap_release(&nw.s.local);
}
