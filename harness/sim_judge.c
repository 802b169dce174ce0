/* sim_judge.c: the simulator's judge: deterministic verdicts on plumbline's judge prompts. */
#include "sim_judge.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RUBRIC_PREFIX "plumbline-rubric/"
#define SAME_PREFIX   "plumbline-same-meaning/"
#define MAX_WORDS     256

/* The text between "-----BEGIN NAME TAG-----\n" and "\n-----END NAME TAG-----" (a new
 * string), or NULL when the block is not there. */
static char *block(const char *p, const char *name)
{
	char begin[64], end[96];
	const char *b, *nl, *e;
	size_t tag_len;

	snprintf(begin, sizeof(begin), "-----BEGIN %s ", name);
	b = strstr(p, begin);
	if (!b)
		return NULL;
	b += strlen(begin);
	nl = strchr(b, '\n');
	if (!nl || nl - b < 6 || strncmp(nl - 5, "-----", 5))
		return NULL;
	tag_len = (size_t)(nl - 5 - b);
	if (tag_len > 40)
		return NULL;
	snprintf(end, sizeof(end), "\n-----END %s %.*s-----", name, (int)tag_len, b);
	/* the text is followed by "\n" and the END line (an empty text too) */
	e = strstr(nl, end);
	if (!e)
		return NULL;
	return e == nl ? xstrdup("") : xstrndup(nl + 1, (size_t)(e - nl - 1));
}

/* The distinct lower-case words (letters and digits) of s, at most MAX_WORDS. */
static size_t words_of(const char *s, char **w, size_t max)
{
	size_t n = 0, i;

	while (*s && n < max) {
		const char *b;

		while (*s && !isalnum((unsigned char)*s))
			s++;
		b = s;
		while (isalnum((unsigned char)*s))
			s++;
		if (s == b)
			break;
		for (i = 0; i < n; i++)
			if (strlen(w[i]) == (size_t)(s - b) &&
			    !strncasecmp(w[i], b, (size_t)(s - b)))
				break;
		if (i < n)
			continue;
		w[n] = xstrndup(b, (size_t)(s - b));
		for (i = 0; w[n][i]; i++)
			w[n][i] = (char)tolower((unsigned char)w[n][i]);
		n++;
	}
	return n;
}

static void free_words(char **w, size_t n)
{
	while (n)
		free(w[--n]);
}

static int has_word(char *const *w, size_t n, const char *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(w[i], x))
			return 1;
	return 0;
}

/* The rubric's key words (see the header), as pointers into a copy the caller frees: with
 * capitalised, the capitalised words after the first; else the words of five or more
 * characters. */
static size_t pick_words(char *copy, const char **keys, size_t max, int capitalised)
{
	size_t n = 0, pos = 0;
	char *p = copy;

	while (*p && n < max) {
		char *b;
		int keep;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		b = p;
		while (isalnum((unsigned char)*p))
			p++;
		if (p == b)
			break;
		if (*p)
			*p++ = '\0';
		if (capitalised)
			keep = pos++ > 0 && isupper((unsigned char)b[0]);
		else
			keep = strlen(b) >= 5;
		if (keep)
			keys[n++] = b;
	}
	return n;
}

static void verdict(struct sbuf *out, int pass, const char *reason)
{
	json_t *v = json_pack("{s:b, s:s}", "pass", pass, "reason", reason);
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

	sbuf_addstr(out, text);
	free(text);
	json_decref(v);
}

static void judge_rubric(const char *rubric, const char *answer, struct sbuf *out)
{
	char *copy = xstrdup(rubric), *aw[MAX_WORDS];
	const char *keys[32];
	size_t nk, na = words_of(answer, aw, MAX_WORDS), i;
	struct sbuf why = SBUF_INIT;
	int pass = 0;

	nk = pick_words(copy, keys, ARRAY_SIZE(keys), 1);
	if (!nk) {
		free(copy);
		copy = xstrdup(rubric);
		nk = pick_words(copy, keys, ARRAY_SIZE(keys), 0);
	}
	for (i = 0; i < nk && !pass; i++)
		if (has_word(aw, na, keys[i])) {
			pass = 1;
			sbuf_addf(&why, "the answer mentions %s", keys[i]);
		}
	if (!pass) {
		sbuf_addstr(&why, "the answer mentions none of:");
		for (i = 0; i < nk; i++)
			sbuf_addf(&why, " %s", keys[i]);
	}
	verdict(out, pass, why.buf);
	sbuf_release(&why);
	free_words(aw, na);
	free(copy);
}

static void judge_same(const char *reference, const char *answer, struct sbuf *out)
{
	char *rw[MAX_WORDS], *aw[MAX_WORDS];
	size_t nr = words_of(reference, rw, MAX_WORDS), na = words_of(answer, aw, MAX_WORDS);
	size_t i, common = 0, shorter = nr < na ? nr : na;
	struct sbuf why = SBUF_INIT;
	int pass;

	for (i = 0; i < na; i++)
		common += has_word(rw, nr, aw[i]);
	pass = shorter > 0 && 2 * common >= shorter;
	sbuf_addf(&why, "the answers share %zu of %zu words", common, shorter);
	verdict(out, pass, why.buf);
	sbuf_release(&why);
	free_words(rw, nr);
	free_words(aw, na);
}

int sim_judge_answer(const char *user, struct sbuf *out)
{
	int same;
	char *criterion, *answer;

	if (!user)
		return 0;
	same = !strncmp(user, SAME_PREFIX, strlen(SAME_PREFIX));
	if (!same && strncmp(user, RUBRIC_PREFIX, strlen(RUBRIC_PREFIX)))
		return 0;
	criterion = block(user, same ? "REFERENCE" : "RUBRIC");
	answer = block(user, "ANSWER");
	if (!criterion || !answer)
		sbuf_addstr(out, "I could not find the texts to grade in this prompt.");
	else if (same)
		judge_same(criterion, answer, out);
	else
		judge_rubric(criterion, answer, out);
	free(criterion);
	free(answer);
	return 1;
}
