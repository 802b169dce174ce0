/* detect_words.c: the words of the baseline's answers to one prompt (lower-cased letters and
 * digits, with how many answers use each), for telling a long answer that says something new. */
#include "detect.h"
#include "detect_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t word_hash(const char *w, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)w[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t vocab_slot(const struct vocab *v, const char *w, size_t n)
{
	size_t i = word_hash(w, n) & (v->cap - 1);

	while (v->word[i] && (strlen(v->word[i]) != n || memcmp(v->word[i], w, n)))
		i = (i + 1) & (v->cap - 1);
	return i;
}

static void vocab_grow(struct vocab *v)
{
	struct vocab b = { NULL, NULL, v->cap ? v->cap * 2 : 256, 0 };
	size_t i;

	b.word = xcalloc(b.cap, sizeof(*b.word));
	b.count = xcalloc(b.cap, sizeof(*b.count));
	for (i = 0; i < v->cap; i++)
		if (v->word[i]) {
			size_t k = vocab_slot(&b, v->word[i], strlen(v->word[i]));

			b.word[k] = v->word[i];
			b.count[k] = v->count[i];
			b.n++;
		}
	free(v->word);
	free(v->count);
	*v = b;
}

/* Calls fn for each distinct lower-cased word (letters and digits) of text. */
static int each_word(const char *text, int (*fn)(void *ctx, const char *w, size_t n), void *ctx)
{
	char buf[64];
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
	struct vocab *v;
	struct vocab local;
};

static int add_word(void *ctx, const char *w, size_t n)
{
	struct seen *s = ctx;
	size_t k;

	if ((s->local.n + 1) * 2 > s->local.cap)
		vocab_grow(&s->local);
	k = vocab_slot(&s->local, w, n);
	if (s->local.word[k])
		return 0;
	s->local.word[k] = xstrndup(w, n);
	s->local.n++;
	if ((s->v->n + 1) * 2 > s->v->cap)
		vocab_grow(s->v);
	k = vocab_slot(s->v, w, n);
	if (!s->v->word[k]) {
		s->v->word[k] = xstrndup(w, n);
		s->v->n++;
	}
	s->v->count[k]++;
	return 0;
}

void detect_vocab_release(struct vocab *v)
{
	size_t i;

	for (i = 0; i < v->cap; i++)
		free(v->word[i]);
	free(v->word);
	free(v->count);
	memset(v, 0, sizeof(*v));
}

void detect_vocab_build(struct vocab *v, const struct prompt_samples *ref)
{
	size_t k;

	memset(v, 0, sizeof(*v));
	vocab_grow(v);
	for (k = 0; ref && k < ref->n; k++) {
		struct seen s = { v, { NULL, NULL, 0, 0 } };

		vocab_grow(&s.local);
		each_word(ref->samples[k].text, add_word, &s);
		detect_vocab_release(&s.local);
	}
}

struct novel_word {
	const struct vocab *v;
	int self; /* the answer is one of the baseline's: a word only it uses is novel */
};

static int word_is_new(void *ctx, const char *w, size_t n)
{
	const struct novel_word *nw = ctx;
	size_t k = vocab_slot(nw->v, w, n);
	unsigned c = nw->v->word[k] ? nw->v->count[k] : 0;

	return c <= (unsigned)nw->self;
}

int detect_vocab_new_word(const struct vocab *v, const char *text, int self)
{
	struct novel_word nw = { v, self };

	return each_word(text, word_is_new, &nw);
}
