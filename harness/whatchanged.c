/* whatchanged.c: per moved prompt, what moved in plain words and the answers that show it,
 * from both sides' samples and the detection section (whatchanged.h). */
#include "whatchanged.h"
#include "refusal.h"
#include "sbuf.h"
#include "textsim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The medoid is looked for among the first samples only: quadratic in their number. */
#define TYPICAL_MAX_SAMPLES 64

/* A move is worth words when a rate moves by at least this much (absolute) ... */
#define RATE_STEP 0.10
/* ... or the mean length by at least this factor. */
#define LENGTH_FACTOR 1.25

/* The kinds of example answer a side keeps: the one shown is the one that shows the signal
 * that moved (a refusal on the side that refuses more, a fenced answer where fences grew, an
 * answer of the side's mean length with its end where the length moved), else the typical. */
enum ex_kind {
	EX_TYPICAL,
	EX_REFUSAL,
	EX_NOT_REFUSAL,
	EX_FENCED,
	EX_NOT_FENCED,
	EX_JSON,
	EX_NOT_JSON,
	EX_LENGTH,
	EX_N
};
/* As "example" in the data. */
static const char *const ex_names[EX_N] = { "typical",	  "refusal", "not_refusal", "fenced",
					    "not_fenced", "json",    "not_json",    "length" };

struct example {
	char *head; /* the answer, cut to WHATCHANGED_QUOTE; NULL: none of the kind */
	char *tail; /* its last WHATCHANGED_TAIL bytes (cut on a UTF-8 boundary) */
	size_t bytes, chars;
	int refused; /* the API flagged it */
};

struct side {
	size_t n;
	double mean_chars, refusal;
	double fenced, json; /* over the answers that are not refusals */
	char *model;	     /* the most frequent returned model; may be NULL */
	char *fingerprint;   /* the most frequent fingerprint; may be NULL */
	struct example ex[EX_N];
};

struct wc_prompt {
	char *id, *text;
	int text_cut;
	struct side b, t;
};

struct whatchanged {
	struct wc_prompt *p;
	size_t n, cap;
	const struct refusal *refusals; /* borrowed; NULL: the API's flags only */
};

static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static int fenced(const char *s)
{
	return !strncmp(skip_space(s), "```", 3);
}

/* 1 when the answer is a JSON object or array, once a fence around it is taken away. */
static int is_json(const char *s)
{
	const char *b = skip_space(s), *e;
	json_t *j;

	if (!strncmp(b, "```", 3)) {
		b = strchr(b, '\n');
		if (!b)
			return 0;
		e = strstr(b, "```");
		if (!e)
			e = b + strlen(b);
	} else {
		e = b + strlen(b);
	}
	j = json_loadb(b, (size_t)(e - b), 0, NULL);
	json_decref(j);
	return j != NULL;
}

long whatchanged_typical(const struct prompt_samples *ps)
{
	size_t n = ps ? ps->n : 0, i, j, best = 0, best_count = 0;
	double *sum, best_sum = INFINITY;
	long r = -1;

	if (n == 0)
		return -1;
	if (n > TYPICAL_MAX_SAMPLES)
		n = TYPICAL_MAX_SAMPLES;
	/* the most frequent text, when one repeats */
	for (i = 0; i < n; i++) {
		size_t c = 0;

		for (j = 0; j < n; j++)
			c += !strcmp(ps->samples[i].text, ps->samples[j].text);
		if (c > best_count) {
			best_count = c;
			best = i;
		}
	}
	if (best_count >= 2)
		return (long)best;
	sum = xcalloc(n, sizeof(*sum));
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			const char *a = ps->samples[i].text, *b = ps->samples[j].text;
			double d = 1.0 - textsim_jaccard(a, strlen(a), b, strlen(b));

			sum[i] += d;
			sum[j] += d;
		}
	for (i = 0; i < n; i++)
		if (sum[i] < best_sum) {
			best_sum = sum[i];
			r = (long)i;
		}
	free(sum);
	return r;
}

static const char *field(const struct sample *s, int fp)
{
	return fp ? s->fingerprint : s->model;
}

/* The most frequent non-NULL returned model (fp: fingerprint); ties: the first seen. */
static const char *top_value(const struct prompt_samples *ps, int fp)
{
	size_t i, j, best = 0;
	const char *m = NULL;

	for (i = 0; i < ps->n; i++) {
		const char *v = field(&ps->samples[i], fp);
		size_t c = 0;

		if (!v)
			continue;
		for (j = 0; j < ps->n; j++)
			c += field(&ps->samples[j], fp) && !strcmp(v, field(&ps->samples[j], fp));
		if (c > best) {
			best = c;
			m = v;
		}
	}
	return m;
}

static void example_keep(struct example *x, const struct sample *s)
{
	const char *a = s->text;
	size_t n = strlen(a), from = n > WHATCHANGED_TAIL ? n - WHATCHANGED_TAIL : 0;

	/* the tail starts on a character's first byte */
	while (from < n && ((unsigned char)a[from] & 0xC0) == 0x80)
		from++;
	x->bytes = n;
	x->chars = chars(a);
	x->refused = s->refused || s->blocked;
	x->head = xstrndup(a, utf8_cut(a, WHATCHANGED_QUOTE));
	x->tail = xstrdup(a + from);
}

/* Whether sample s is of kind k (EX_LENGTH and EX_TYPICAL: any). */
static int example_is(enum ex_kind k, const struct sample *s, const struct refusal *rf)
{
	switch (k) {
	case EX_REFUSAL:
		return refusal_is(rf, s->text, strlen(s->text), s->refused, s->blocked);
	case EX_NOT_REFUSAL:
		return !refusal_is(rf, s->text, strlen(s->text), s->refused, s->blocked);
	case EX_FENCED:
		return fenced(s->text);
	case EX_NOT_FENCED:
		return !fenced(s->text);
	case EX_JSON:
		return is_json(s->text);
	case EX_NOT_JSON:
		return !is_json(s->text);
	default:
		return 1;
	}
}

/* The side's examples of each kind: the typical answer (t) when it is one, else the first
 * sample that is; for EX_LENGTH the answer nearest the side's mean length (ties: the
 * first). */
static void examples_fill(struct side *sd, const struct prompt_samples *ps, long t,
			  const struct refusal *rf)
{
	size_t i, best = 0;
	double best_d = INFINITY;
	int k;

	for (k = EX_REFUSAL; k < EX_LENGTH; k++) {
		const struct sample *pick = NULL;

		if (t >= 0 && example_is((enum ex_kind)k, &ps->samples[t], rf))
			pick = &ps->samples[t];
		for (i = 0; !pick && i < ps->n; i++)
			if (example_is((enum ex_kind)k, &ps->samples[i], rf))
				pick = &ps->samples[i];
		if (pick)
			example_keep(&sd->ex[k], pick);
	}
	for (i = 0; i < ps->n; i++) {
		double d = fabs((double)chars(ps->samples[i].text) - sd->mean_chars);

		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	if (ps->n)
		example_keep(&sd->ex[EX_LENGTH], &ps->samples[best]);
}

static void side_fill(struct side *sd, const struct prompt_samples *ps, const struct refusal *rf)
{
	size_t i, len = 0, ref = 0, fen = 0, js = 0;
	long t;

	memset(sd, 0, sizeof(*sd));
	if (!ps || ps->n == 0)
		return;
	sd->n = ps->n;
	for (i = 0; i < ps->n; i++) {
		const struct sample *s = &ps->samples[i];

		len += chars(s->text);
		/* as detection counts them: the API's flags, or the refusal patterns; fences and
		 * JSON over the answers that are not refusals (a refusal is one move, not three) */
		if (refusal_is(rf, s->text, strlen(s->text), s->refused, s->blocked)) {
			ref++;
			continue;
		}
		fen += fenced(s->text);
		js += is_json(s->text);
	}
	sd->mean_chars = (double)len / (double)ps->n;
	sd->refusal = (double)ref / (double)ps->n;
	sd->fenced = ref < ps->n ? (double)fen / (double)(ps->n - ref) : 0;
	sd->json = ref < ps->n ? (double)js / (double)(ps->n - ref) : 0;
	if (top_value(ps, 0))
		sd->model = xstrdup(top_value(ps, 0));
	if (top_value(ps, 1))
		sd->fingerprint = xstrdup(top_value(ps, 1));
	t = whatchanged_typical(ps);
	if (t >= 0)
		example_keep(&sd->ex[EX_TYPICAL], &ps->samples[t]);
	examples_fill(sd, ps, t, rf);
}

static void side_release(struct side *sd)
{
	size_t k;

	free(sd->model);
	free(sd->fingerprint);
	for (k = 0; k < EX_N; k++) {
		free(sd->ex[k].head);
		free(sd->ex[k].tail);
	}
}

/* The prompt's own words: its last user message (else its last message). */
static const char *prompt_text(const struct prompt *pr)
{
	size_t i;

	for (i = pr->n_messages; i-- > 0;)
		if (pr->messages[i].role && !strcmp(pr->messages[i].role, "user"))
			return pr->messages[i].content ? pr->messages[i].content : "";
	return pr->n_messages && pr->messages[pr->n_messages - 1].content
		       ? pr->messages[pr->n_messages - 1].content
		       : "";
}

struct whatchanged *whatchanged_new(const struct refusal *refusals)
{
	struct whatchanged *w = xcalloc(1, sizeof(struct whatchanged));

	w->refusals = refusals;
	return w;
}

void whatchanged_add(struct whatchanged *w, const struct prompt *pr,
		     const struct prompt_samples *base, const struct prompt_samples *night)
{
	struct wc_prompt *p;
	const char *text = prompt_text(pr);
	size_t cut = utf8_cut(text, WHATCHANGED_PROMPT);

	if (w->n == w->cap) {
		w->cap = 2 * w->cap + 16;
		w->p = xrealloc(w->p, w->cap * sizeof(*w->p));
	}
	p = &w->p[w->n++];
	memset(p, 0, sizeof(*p));
	p->id = xstrdup(pr->id);
	p->text = xstrndup(text, cut);
	p->text_cut = cut < strlen(text);
	side_fill(&p->b, base, w->refusals);
	side_fill(&p->t, night, w->refusals);
}

void whatchanged_free(struct whatchanged *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++) {
		free(w->p[i].id);
		free(w->p[i].text);
		side_release(&w->p[i].b);
		side_release(&w->p[i].t);
	}
	free(w->p);
	free(w);
}

static json_t *fixed4(double x)
{
	return json_real(round(x * 10000.0) / 10000.0);
}

static double pct(double x)
{
	return round(100.0 * x);
}

static void moved(json_t *arr, const char *signal, const char *words, double b, double t)
{
	json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:o}", "signal", signal, "words", words,
					     "baseline", fixed4(b), "tonight", fixed4(t)));
}

/* What moved between the two sides, in words, into arr. */
static void moves(const struct wc_prompt *p, json_t *arr)
{
	const struct side *b = &p->b, *t = &p->t;
	char w[512];

	if (!b->n || !t->n)
		return;
	if (fabs(t->refusal - b->refusal) >= RATE_STEP) {
		snprintf(w, sizeof(w), "refusals %.0f%% -> %.0f%%", pct(b->refusal),
			 pct(t->refusal));
		moved(arr, "refusals", w, b->refusal, t->refusal);
	}
	if (fabs(t->fenced - b->fenced) >= 2 * RATE_STEP) {
		int grew = t->fenced > b->fenced;
		const char *what = (grew ? t->json : b->json) >= 0.5 ? "JSON" : "answers";

		if (grew && b->fenced == 0)
			snprintf(w, sizeof(w), "%s now wrapped in ``` fences (%.0f%% of answers)",
				 what, pct(t->fenced));
		else if (!grew && t->fenced == 0)
			snprintf(w, sizeof(w), "%s no longer wrapped in ``` fences (were %.0f%%)",
				 what, pct(b->fenced));
		else
			snprintf(w, sizeof(w), "``` fences %.0f%% -> %.0f%%", pct(b->fenced),
				 pct(t->fenced));
		moved(arr, "fences", w, b->fenced, t->fenced);
	}
	if (fabs(t->json - b->json) >= 2 * RATE_STEP) {
		snprintf(w, sizeof(w), "valid JSON %.0f%% -> %.0f%%", pct(b->json), pct(t->json));
		moved(arr, "json", w, b->json, t->json);
	}
	if (b->mean_chars > 0 && t->mean_chars >= LENGTH_FACTOR * b->mean_chars) {
		snprintf(w, sizeof(w), "answers are %.2fx longer (%.0f -> %.0f characters)",
			 t->mean_chars / b->mean_chars, b->mean_chars, t->mean_chars);
		moved(arr, "length", w, b->mean_chars, t->mean_chars);
	} else if (t->mean_chars > 0 && b->mean_chars >= LENGTH_FACTOR * t->mean_chars) {
		snprintf(w, sizeof(w), "answers are %.2fx shorter (%.0f -> %.0f characters)",
			 b->mean_chars / t->mean_chars, b->mean_chars, t->mean_chars);
		moved(arr, "length", w, b->mean_chars, t->mean_chars);
	} else if (b->mean_chars > 0 && t->mean_chars == 0) {
		snprintf(w, sizeof(w), "answers are now empty (were %.0f characters)",
			 b->mean_chars);
		moved(arr, "length", w, b->mean_chars, 0);
	} else if (b->mean_chars == 0 && t->mean_chars > 0) {
		snprintf(w, sizeof(w), "answers were empty, now %.0f characters", t->mean_chars);
		moved(arr, "length", w, 0, t->mean_chars);
	}
	if (b->model && t->model && strcmp(b->model, t->model)) {
		snprintf(w, sizeof(w), "model id %s -> %s", b->model, t->model);
		json_array_append_new(arr,
				      json_pack("{s:s,s:s,s:s,s:s}", "signal", "model", "words", w,
						"baseline", b->model, "tonight", t->model));
	}
	if (b->fingerprint && t->fingerprint && strcmp(b->fingerprint, t->fingerprint)) {
		snprintf(w, sizeof(w), "system fingerprint %s -> %s", b->fingerprint,
			 t->fingerprint);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s}", "signal", "fingerprint",
						     "words", w, "baseline", b->fingerprint,
						     "tonight", t->fingerprint));
	}
}

/* The example kind each side shows for the entry's first moved signal: the side where a rate
 * is higher shows an answer that has it, the other one that has not; a length move shows
 * answers of each side's mean length (with their ends). Else the typical answers. */
static const char *example_pick(const struct side *b, const struct side *t, const json_t *mv,
				enum ex_kind *kb, enum ex_kind *kt)
{
	const json_t *m;
	size_t i;

	*kb = *kt = EX_TYPICAL;
	json_array_foreach(mv, i, m)
	{
		const char *sig = json_string_value(json_object_get(m, "signal"));
		enum ex_kind yes = EX_TYPICAL, no = EX_TYPICAL;
		double rb = 0, rt = 0;

		if (!sig)
			continue;
		if (!strcmp(sig, "length")) {
			*kb = *kt = EX_LENGTH;
			return sig;
		}
		if (!strcmp(sig, "refusals")) {
			yes = EX_REFUSAL;
			no = EX_NOT_REFUSAL;
			rb = b->refusal;
			rt = t->refusal;
		} else if (!strcmp(sig, "fences")) {
			yes = EX_FENCED;
			no = EX_NOT_FENCED;
			rb = b->fenced;
			rt = t->fenced;
		} else if (!strcmp(sig, "json")) {
			yes = EX_JSON;
			no = EX_NOT_JSON;
			rb = b->json;
			rt = t->json;
		} else {
			continue;
		}
		*kt = rt > rb ? yes : no;
		*kb = rt > rb ? no : yes;
		if (!b->ex[*kb].head)
			*kb = EX_TYPICAL;
		if (!t->ex[*kt].head)
			*kt = EX_TYPICAL;
		return sig;
	}
	return NULL;
}

static json_t *side_json(const struct side *sd, enum ex_kind k)
{
	json_t *o = json_object();
	const struct example *x = &sd->ex[k];

	json_object_set_new(o, "samples", json_integer((json_int_t)sd->n));
	if (!sd->n)
		return o;
	json_object_set_new(o, "answer", json_string(x->head ? x->head : ""));
	json_object_set_new(o, "answer_bytes", json_integer((json_int_t)x->bytes));
	json_object_set_new(o, "answer_chars", json_integer((json_int_t)x->chars));
	json_object_set_new(o, "answer_refused", json_boolean(x->refused));
	json_object_set_new(o, "answer_truncated",
			    json_boolean(x->head && strlen(x->head) < x->bytes));
	/* a length move is seen at the end of the answers: their heads are often the same */
	if (k == EX_LENGTH && x->tail)
		json_object_set_new(o, "answer_tail", json_string(x->tail));
	json_object_set_new(o, "example", json_string(ex_names[k]));
	json_object_set_new(o, "mean_chars", fixed4(sd->mean_chars));
	json_object_set_new(o, "refusal_rate", fixed4(sd->refusal));
	json_object_set_new(o, "fenced_rate", fixed4(sd->fenced));
	json_object_set_new(o, "json_rate", fixed4(sd->json));
	if (sd->model)
		json_object_set_new(o, "model", json_string(sd->model));
	if (sd->fingerprint)
		json_object_set_new(o, "fingerprint", json_string(sd->fingerprint));
	return o;
}

/* The detection section's figures for one prompt (distance.prompts[]), or NULL. */
static const json_t *det_prompt(const json_t *detection, const char *id)
{
	const json_t *arr = json_object_get(json_object_get(detection, "distance"), "prompts"), *e;
	size_t i;

	json_array_foreach(arr, i, e)
	{
		const char *pid = json_string_value(json_object_get(e, "id"));

		if (pid && !strcmp(pid, id))
			return e;
	}
	return NULL;
}

/* A changed rate of the detection section ("refusal", "json", "fenced") as the signal of the
 * same move here ("refusals", "json", "fences"); NULL for others. */
static const char *rate_move(const char *rate)
{
	static const char *const map[][2] = { { "refusal", "refusals" },
					      { "json", "json" },
					      { "fenced", "fences" } };
	size_t i;

	for (i = 0; rate && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(rate, map[i][0]))
			return map[i][1];
	return NULL;
}

static int has_move(const json_t *mv, const char *signal)
{
	const json_t *m;
	size_t i;

	json_array_foreach(mv, i, m)
	{
		const char *s = json_string_value(json_object_get(m, "signal"));

		if (s && signal && !strcmp(s, signal))
			return 1;
	}
	return 0;
}

/* A signal changed over the prompts ("*") that the samples' figures do not show (JSON keys
 * off the baseline's): whether prompt id's own test of it is in the list, risen tonight (its
 * part of the change); its words are added to mv. */
static int own_part(const json_t *sig, const char *id, const char *signal, json_t *mv)
{
	const json_t *e;
	size_t i;

	json_array_foreach(sig, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "prompt"));
		const char *s = json_string_value(json_object_get(e, "signal"));
		const char *w = json_string_value(json_object_get(e, "words"));

		if (!p || !s || strcmp(p, id) || strcmp(s, signal) ||
		    json_number_value(json_object_get(e, "effect")) <= 0 ||
		    json_integer_value(json_object_get(e, "hits_night")) <= 0)
			continue;
		if (w && !has_move(mv, s))
			json_array_append_new(mv, json_pack("{s:s,s:s}", "signal", s, "words", w));
		return 1;
	}
	return 0;
}

/* Whether the detector's decision moved the prompt: its distance ("moved" flag, or its id in
 * distance.moved), a changed per-prompt signal of it (prompt_rates.signals[]: a rate or a
 * check's pass rate; the check's words are added to mv), a changed pooled rate
 * (prompt_rates "*", rates.X) this prompt's own answers moved on too (mv), or a changed hard
 * signal (model id, fingerprint) its answers show. A prompt whose figures moved within its
 * usual variation is not flagged: it is only near the alarm. */
static int det_flagged(const json_t *detection, const json_t *dp, const char *id, json_t *mv)
{
	const json_t *list = json_object_get(json_object_get(detection, "distance"), "moved"), *e;
	const json_t *sig = json_object_get(json_object_get(detection, "prompt_rates"), "signals");
	const json_t *rates = json_object_get(detection, "rates");
	const char *k;
	json_t *v;
	size_t i;
	int flagged = 0;

	if (json_is_true(json_object_get(dp, "moved")))
		flagged = 1;
	json_array_foreach(list, i, e)
	{
		if (json_is_string(e) && !strcmp(json_string_value(e), id))
			flagged = 1;
	}
	json_array_foreach(sig, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "prompt"));
		const char *s = json_string_value(json_object_get(e, "signal"));
		const char *w = json_string_value(json_object_get(e, "words"));

		if (!json_is_true(json_object_get(e, "changed")) || !p || !s)
			continue;
		if (!strcmp(p, id)) {
			flagged = 1;
			/* a check's pass rate: its words, the samples' figures do not say it */
			if (!rate_move(s) && w && !has_move(mv, s))
				json_array_append_new(mv, json_pack("{s:s,s:s}", "signal", s,
								    "words", w));
		} else if (!strcmp(p, "*") && has_move(mv, rate_move(s))) {
			flagged = 1;
		} else if (!strcmp(p, "*") && !rate_move(s)) {
			flagged |= own_part(sig, id, s, mv);
		}
	}
	json_object_foreach((json_t *)rates, k, v)
	{
		if (json_is_true(json_object_get(v, "changed")) && has_move(mv, rate_move(k)))
			flagged = 1;
	}
	if (json_is_true(json_object_get(json_object_get(detection, "hard"), "changed")) &&
	    (has_move(mv, "model") || has_move(mv, "fingerprint")))
		flagged = 1;
	return flagged;
}

struct cand {
	json_t *entry;
	int flagged;
	double distance, p;
	const char *id;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->flagged != y->flagged)
		return y->flagged - x->flagged;
	if (x->distance != y->distance)
		return x->distance < y->distance ? 1 : -1;
	if (x->p != y->p)
		return x->p > y->p ? 1 : -1;
	return strcmp(x->id, y->id);
}

static double num_or(const json_t *v, double dflt)
{
	return json_is_number(v) ? json_number_value(v) : dflt;
}

json_t *whatchanged_finish(const struct whatchanged *w, const json_t *detection, json_t **unlisted)
{
	struct cand *c = xcalloc(w->n + 1, sizeof(*c));
	json_t *out = json_array();
	size_t i, n = 0, n_moved = 0;

	if (unlisted)
		*unlisted = json_array();
	for (i = 0; i < w->n; i++) {
		const struct wc_prompt *p = &w->p[i];
		const json_t *dp = det_prompt(detection, p->id);
		json_t *mv = json_array(), *e, *v;
		struct sbuf words;
		size_t k;
		int flagged;
		enum ex_kind kb, kt;
		const char *ex_signal;

		moves(p, mv);
		flagged = det_flagged(detection, dp, p->id, mv);
		if (!flagged && !json_array_size(mv)) {
			json_decref(mv);
			continue;
		}
		n_moved += (size_t)flagged;
		if (!json_array_size(mv) && p->b.n && p->t.n)
			json_array_append_new(
				mv, json_pack("{s:s,s:s}", "signal", "distribution", "words",
					      "answers read differently (same length, rates "
					      "and model)"));
		sbuf_init(&words);
		json_array_foreach(mv, k, v)
		{
			sbuf_addf(&words, "%s%s", k ? "; " : "",
				  json_string_value(json_object_get(v, "words")));
		}
		ex_signal = example_pick(&p->b, &p->t, mv, &kb, &kt);
		e = json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:s,s:b}", "prompt", p->id, "prompt_text",
			      p->text, "prompt_text_truncated", p->text_cut, "baseline",
			      side_json(&p->b, kb), "tonight", side_json(&p->t, kt), "moved", mv,
			      "words", words.buf, "flagged", flagged);
		sbuf_release(&words);
		if (ex_signal)
			json_object_set_new(e, "example_signal", json_string(ex_signal));
		if (json_is_number(json_object_get(dp, "distance")))
			json_object_set_new(
				e, "distance",
				fixed4(json_number_value(json_object_get(dp, "distance"))));
		if (json_is_number(json_object_get(dp, "p")))
			json_object_set_new(e, "p",
					    fixed4(json_number_value(json_object_get(dp, "p"))));
		if (json_is_number(json_object_get(dp, "q")))
			json_object_set_new(e, "q",
					    fixed4(json_number_value(json_object_get(dp, "q"))));
		c[n].entry = e;
		c[n].flagged = flagged;
		c[n].distance = num_or(json_object_get(dp, "distance"), -1);
		c[n].p = num_or(json_object_get(dp, "p"), 2);
		c[n].id = p->id;
		n++;
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	for (i = 0; i < n; i++) {
		if (i < WHATCHANGED_MAX) {
			/* every entry says how many prompts moved: a rendering of the array
			 * alone can say how many it does not list */
			json_object_set_new(c[i].entry, "moved_prompts",
					    json_integer((json_int_t)n_moved));
			json_array_append_new(out, c[i].entry);
			continue;
		}
		if (unlisted && c[i].flagged)
			json_array_append_new(*unlisted, json_string(c[i].id));
		json_decref(c[i].entry);
	}
	free(c);
	return out;
}

json_t *whatchanged_build(const struct suite *suite, const struct sampleset *baseline,
			  const struct sampleset *night, const json_t *detection,
			  const struct refusal *refusals)
{
	struct whatchanged *w = whatchanged_new(refusals);
	json_t *r;
	size_t i;

	for (i = 0; i < suite->n_prompts; i++) {
		const struct prompt *pr = &suite->prompts[i];

		whatchanged_add(w, pr, baseline ? sampleset_find(baseline, pr->id) : NULL,
				sampleset_find(night, pr->id));
	}
	r = whatchanged_finish(w, detection, NULL);
	whatchanged_free(w);
	return r;
}
