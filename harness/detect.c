/* detect.c: decides "changed" from a baseline, tonight's samples and the endpoint's history:
 * hard signals, per-prompt distances with a stratified permutation test, rates, slow drift
 * (CUSUM), epochs, and a plain-words statement of what the suite can detect. Prompts are taken
 * one at a time (detect_add) and reduced at once to a few figures each; detect_end decides.
 * The settings are parsed in detect_params.c, the baseline's word set is detect_words.c, the
 * plain-words text detect_text.c (detect_int.h is what they share). */
#include "detect.h"
#include "detect_int.h"
#include "fingerprint.h"
#include "fileio.h"
#include "history.h"
#include "refusal.h"
#include "rng.h"
#include "sbuf.h"
#include "stats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC 4 /* decimals of every number in reports and history */
/* Latencies are whole milliseconds and move with the network and the load of the machine
 * measuring them: a drift is judged against a spread of at least 5% or this many ms, so a
 * fast endpoint's wobble of a few ms is never a slow drift. */
#define LATENCY_FLOOR_MS 5.0
/* The standard normal's 99th percentile: a permutation null's upper tail in its units. */
#define Z99 2.3263
/* Nights of the current epoch a prompt's centre needs once its spread is known. */
#define PROMPT_MIN_NIGHTS 2
/* Prompts with a spread a night's inflation needs (below it: 1). */
#define PROMPT_MIN_INFLATION 8
#define MEDIAN_ABS_Z	     0.6745
/* The pool's tail fit: least pool, least exceedances, least scale (in spreads). */
#define TAIL_MIN_POOL 50
#define TAIL_MIN_K    10
#define TAIL_MIN_BETA 0.25
/* Draws behind a categorical prompt's sampling noise (mix_floor). */
#define MIX_FLOOR_DRAWS 400
/* Draws of a categorical prompt's overdispersed multinomial null (mix_model_p), and the
 * share of the reference under which answers are counted together in its dispersion
 * (mix_dispersion: Pearson's statistic wants expected counts of about one and more). */
#define MIX_MODEL_DRAWS 2000
#define MIX_RARE	0.1
#define MIX_MODEL_SALT	7
/* The endpoint's dispersion (mix_dispersion_median, widened for the night) up to which its
 * categorical prompts are judged by their sampling model (mix_model_p) rather than by the t
 * tail of their own spreads. Measured on the benchmark's unchanged endpoints (nights 10 to
 * 14, 40 each): 94% of nights that differ by sampling alone are at most 1.3 (median 1.06),
 * 78% of quiet nights (median 1.21), 31% of lumpy ones (median 1.39). Where nights vary more,
 * one model of the wandering for every prompt is wrong for most of them: a lumpy endpoint's
 * prompts each wander in their own way, and a move of a calm one went unseen. At 1.15 (a
 * third of quiet nights) a quiet endpoint's prompts were judged by a dozen nights' t tails
 * on the rest: more false alarms and fewer moves seen (DETECTION-ROUNDS). */
#define MIX_MODEL_MAX_DISP 1.3
/* A night without an alarm watches its prompts whose p-values come out at most WATCH_P, when
 * prompt_min of them do (at most WATCH_MAX, the smallest): the next night tests them alone
 * (watch_set, watch_test). */
#define WATCH_P	  0.1
#define WATCH_MAX 5
/* During an unstable episode a prompt's distance p-value counts this many times over
 * (discount_distances). */
#define UNSTABLE_DISCOUNT 10.0
/* A prompt's unseen answers alarm alone at q <= prompt_alpha times this (novel_alone). */
#define NOVEL_ALONE 0.01
/* A prompt's mix judged by the sampling model alarms alone at q <= prompt_alpha times this
 * (mix_alone). */
#define MIX_ALONE 1.0

const char *detect_verdict_name(enum detect_verdict v)
{
	switch (v) {
	case DETECT_NO_CHANGE:
		return "no_change";
	case DETECT_CHANGED:
		return "changed";
	case DETECT_UNSTABLE:
		return "unstable";
	case DETECT_INSUFFICIENT:
		return "insufficient";
	}
	return "unknown";
}

const char *detect_stage_name(enum detect_stage s)
{
	switch (s) {
	case DETECT_STAGE_NONE:
		return "none";
	case DETECT_STAGE_SUSPECTED:
		return "suspected";
	case DETECT_STAGE_CONFIRMED:
		return "confirmed";
	case DETECT_STAGE_RETRACTED:
		return "retracted";
	}
	return "unknown";
}

static json_t *num(double x)
{
	return json_real(stats_round(x, DEC));
}

/* ---- per-prompt distances ---------------------------------------------------------- */

/* One prompt's stratum while detect_add builds and tests it (freed before detect_add returns). */
struct pwork {
	const struct prompt_samples *a, *b; /* baseline, tonight (b may be NULL) */
	struct stats_stratum st;
	unsigned *labels;
	double *K;
	size_t L;
	int fixed; /* st.dist and L (when not 0) are given: another reference's, not a's */
};

static size_t cp_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Answers arrive in the suite's normal form (detect_add): compared byte for byte. */
static int same_answer(const char *x, const char *y)
{
	return !strcmp(x, y);
}

static const struct sample *pooled(const struct pwork *w, size_t i)
{
	return i < w->st.n_a ? &w->a->samples[i] : &w->b->samples[i - w->st.n_a];
}

/* TV for categorical answers (few distinct answers, not long), MMD for text. */
static enum stats_dist choose_dist(const struct detect_params *p, const struct prompt_samples *a)
{
	size_t distinct = 0, i, j;
	double *lens, med;

	if (p->distance == DIST_TV)
		return STATS_TV;
	if (p->distance == DIST_MMD)
		return STATS_MMD;
	if (!a->n)
		return STATS_TV;
	lens = xmalloc(a->n * sizeof(*lens));
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < i && !same_answer(a->samples[i].text, a->samples[j].text); j++)
			;
		distinct += j == i;
		lens[i] = (double)cp_len(a->samples[i].text);
	}
	med = stats_median(lens, a->n);
	free(lens);
	if ((double)distinct <= p->tv_share * (double)a->n && med <= (double)p->long_len)
		return STATS_TV;
	return STATS_MMD;
}

/* The cosine of two rows (0 when either is zero). */
static double row_cosine(const float *x, const float *y, size_t dim)
{
	double d = 0, nx = 0, ny = 0;
	size_t i;

	for (i = 0; i < dim; i++) {
		d += (double)x[i] * y[i];
		nx += (double)x[i] * x[i];
		ny += (double)y[i] * y[i];
	}
	return nx > 0 && ny > 0 ? d / sqrt(nx * ny) : 0;
}

/* "distance": "embedding": the cosine kernel over the answers' vectors, so the MMD is the
 * distance between the two groups' mean directions. An empty answer has no vector: it is a
 * direction of its own (1 with another empty answer, 0 with the rest, still a kernel). Every
 * other answer needs its vector; without them the prompt has no distance tonight (n_b 0: it
 * sits out). */
static void pwork_embedded(const struct detect_vectors *vec, struct pwork *w)
{
	size_t N = w->st.n_a + w->st.n_b, i, j;
	const float **rows;

	w->st.dist = STATS_MMD;
	if (!w->st.n_a || !w->st.n_b)
		return;
	rows = xcalloc(N, sizeof(*rows));
	for (i = 0; vec && vec->dim && vec->base && vec->night && i < N; i++)
		rows[i] = i < w->st.n_a ? vec->base[i] : vec->night[i - w->st.n_a];
	for (i = 0; i < N && (rows[i] || !pooled(w, i)->text[0]); i++)
		;
	if (i < N) {
		w->st.n_b = 0;
		free(rows);
		return;
	}
	w->K = xmalloc(N * N * sizeof(*w->K));
	for (i = 0; i < N; i++)
		for (j = i; j < N; j++)
			w->K[i * N + j] = w->K[j * N + i] =
				i == j		       ? 1.0
				: !rows[i] || !rows[j] ? (!rows[i] && !rows[j] ? 1.0 : 0.0)
						       : row_cosine(rows[i], rows[j], vec->dim);
	w->st.K = w->K;
	free(rows);
}

static void pwork_build(const struct detect_params *p, const struct detect_vectors *vec,
			struct pwork *w)
{
	size_t N, i, j;

	if (p->distance == DIST_EMBEDDING) {
		w->st.n_a = w->a->n;
		w->st.n_b = w->b ? w->b->n : 0;
		pwork_embedded(vec, w);
		return;
	}
	if (!w->fixed)
		w->st.dist = choose_dist(p, w->a);
	w->st.n_a = w->a->n;
	w->st.n_b = w->b ? w->b->n : 0;
	N = w->st.n_a + w->st.n_b;
	if (!w->st.n_a || !w->st.n_b)
		return;
	if (w->st.dist == STATS_TV) {
		w->labels = xcalloc(N, sizeof(*w->labels));
		for (i = 0; i < N; i++) {
			for (j = 0; j < i && !same_answer(pooled(w, i)->text, pooled(w, j)->text);
			     j++)
				;
			w->labels[i] = j < i ? w->labels[j] : (unsigned)w->st.k++;
		}
		w->st.labels = w->labels;
		return;
	} else {
		uint32_t **cps = xcalloc(N, sizeof(*cps));
		size_t *lens = xcalloc(N, sizeof(*lens)), maxa = 1;

		for (i = 0; i < N; i++) {
			cps[i] = stats_codepoints(pooled(w, i)->text, &lens[i]);
			if (i < w->st.n_a && lens[i] > maxa)
				maxa = lens[i];
		}
		/* L: the longest baseline answer, at most pad_len, so the kernel's scale suits
		 * the prompt and stays the same from night to night. */
		if (!w->fixed || !w->L)
			w->L = maxa < (size_t)p->pad_len ? maxa : (size_t)p->pad_len;
		w->K = xmalloc(N * N * sizeof(*w->K));
		stats_kernel_matrix(p->kernel, (const uint32_t *const *)cps, lens, N,
				    p->kernel == STATS_K_NGRAM ? (size_t)p->ngram : w->L, w->K);
		w->st.K = w->K;
		for (i = 0; i < N; i++)
			free(cps[i]);
		free(cps);
		free(lens);
	}
}

/* ---- rates ------------------------------------------------------------------------- */

static const char *const rate_names[R_N] = { "refusal", "json", "truncated", "novel" };

/* Whether an answer is a bare JSON object or array (the pooled rate; fenced JSON is the
 * per-prompt rates'). */
static int parses_json(const char *text)
{
	json_t *v = detect_json_doc(text, strlen(text));

	json_decref(v);
	return v != NULL;
}

/* Novel answers: tonight's answers that say something the baseline never said for the prompt.
 * A short answer is novel when its normal form never occurs among the baseline's answers; a
 * long one (prose, where nearly every sampled answer is a new combination) when it uses a word
 * the baseline's answers never use. For the baseline itself, an answer is novel when it alone
 * says it (Good-Turing: the chance that the next answer is one not seen before). Noise moves
 * probability among known answers and known words; a changed model says new things. */
#define NOVEL_LONG_CHARS 80

static int is_novel(const struct prompt_samples *ref, const struct vocab *v,
		    const struct sample *sm, const struct sample *self)
{
	size_t k, n = strlen(sm->text);

	if (n > NOVEL_LONG_CHARS && v) { /* v is built whenever ref is */
		return detect_vocab_new_word(v, sm->text, self != NULL);
	}
	for (k = 0; ref && k < ref->n; k++) {
		if (&ref->samples[k] != self && same_answer(ref->samples[k].text, sm->text))
			return 0;
	}
	return 1;
}

/* Counts one prompt's answers s against its baseline answers ref (NULL when the baseline lacks
 * the prompt; v: ref's vocabulary, NULL with ref). self: s is ref, counted for the baseline's
 * own rates. Whole-number counts: the order prompts arrive in does not matter. With raw (s as
 * the vendor returned it) and novel, *novel gets the novel answers that are not refusals (a
 * refusal is the refusal signal's, judged on what the vendor said): the prompt's own novel
 * rate; words (may be NULL) the count of answers using each of their new words. */
static void rates_add(const struct detect_params *p, const struct prompt_samples *s,
		      const struct prompt_samples *ref, const struct vocab *v, int self,
		      struct rates *r, const struct prompt_samples *raw, size_t *novel,
		      struct hmap *words)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct sample *sm = &s->samples[i], *rs = raw ? &raw->samples[i] : NULL;
		int nov = ref && is_novel(ref, v, sm, self ? sm : NULL);

		r->n++;
		r->hit[R_REFUSAL] += (size_t)refusal_is(p->refusal, sm->text, strlen(sm->text),
							sm->refused, sm->blocked);
		r->hit[R_JSON] += parses_json(sm->text);
		r->hit[R_TRUNCATED] += sm->finish_reason && !strcmp(sm->finish_reason, "length");
		r->hit[R_NOVEL] += (size_t)nov;
		if (nov && rs && novel &&
		    !refusal_is(p->refusal, rs->text, strlen(rs->text), rs->refused, rs->blocked)) {
			(*novel)++;
			if (words && strlen(sm->text) > NOVEL_LONG_CHARS)
				detect_vocab_new_words(v, sm->text, words);
		}
	}
}

static double rate_of(const struct rates *r, int k)
{
	return r->n ? (double)r->hit[k] / (double)r->n : 0;
}

/* ---- history ----------------------------------------------------------------------- */

static const char *rec_epoch(const json_t *r)
{
	const char *e = json_string_value(json_object_get(r, "epoch"));

	return e ? e : "e1";
}

static int rec_usable(const json_t *r)
{
	const char *v = json_string_value(json_object_get(r, "verdict"));

	return json_is_number(json_object_get(r, "stat")) && !(v && !strcmp(v, "insufficient"));
}

/* A number at a dotted path of one record ("stat", "rates.refusal"); NAN when absent. */
static double rec_num(const json_t *r, const char *path)
{
	char buf[64];
	const char *dot = strchr(path, '.');
	const json_t *v;

	if (!dot) {
		v = json_object_get(r, path);
	} else {
		snprintf(buf, sizeof(buf), "%.*s", (int)(dot - path), path);
		v = json_object_get(json_object_get(r, buf), dot + 1);
	}
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The index of id in ids[0..n), or n. */
static size_t ids_find(const char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n && strcmp(ids[i], id); i++)
		;
	return i;
}

/* Marks on_trial[i] for the records of epoch's runs that began with a return from a young
 * epoch an earlier night confirmed (a change, not a retracted blip, with fewer than
 * min_history usable nights: its return judged on one night alone) and have lasted fewer
 * than min_history nights (tonight's run, or one the endpoint left again). One pass over the
 * history. Returns how many. */
static size_t runs_on_trial(const struct detect_params *p, const json_t *recs, const char *epoch,
			    unsigned char *on_trial)
{
	size_t total = json_array_size(recs), i, k, start = 0, cnt = 0, n_ids = 0, e;
	const char **ids = xmalloc((total + 1) * sizeof(*ids));
	size_t *nights = xcalloc(total + 1, sizeof(*nights));
	unsigned char *confirmed = xcalloc(total + 1, 1);
	const char *prev = NULL;
	int trial = 0;

	for (i = 0; i <= total; i++) {
		const json_t *r = i < total ? json_array_get(recs, i) : NULL;
		const char *id = r ? rec_epoch(r) : NULL;
		const char *stage = json_string_value(json_object_get(r, "stage"));
		int in = id && !strcmp(id, epoch), was = prev && !strcmp(prev, epoch);

		if (in && !was) {
			start = i;
			e = prev ? ids_find(ids, n_ids, prev) : n_ids;
			trial = e < n_ids && json_is_true(json_object_get(r, "returned")) &&
				confirmed[e] && nights[e] < (size_t)p->min_history;
		}
		if (!in && was && trial && i - start < (size_t)p->min_history) {
			for (k = start; k < i; k++)
				on_trial[k] = 1;
			cnt += i - start;
		}
		if (!id)
			continue;
		e = ids_find(ids, n_ids, id);
		if (e == n_ids)
			ids[n_ids++] = id;
		nights[e] += rec_usable(r);
		confirmed[e] |= stage && !strcmp(stage, detect_stage_name(DETECT_STAGE_CONFIRMED));
		prev = id;
	}
	free(ids);
	free(nights);
	free(confirmed);
	return cnt;
}

/* The trailing window of one epoch: indices of its usable records, the most recent
 * `exclude_recent` left out when enough remain. A return to an older state from a young
 * confirmed change (fewer than min_history nights: its return judged on tonight alone, not
 * on its nights' evidence added up) is on trial until it has held min_history nights: its
 * nights stay out of the state's window while min_history nights remain without them. A change
 * taken for a return (a night of two moved prompts near the old state by chance) would otherwise
 * lend the old state its answers, and the nights after, the change's, would look like the state's
 * own (bench_scenarios --late 20: ext-json-field held at the state before for 13 and 16 nights
 * running, its JSON keys' test switched off by the keys the returned nights brought in). A
 * real return loses nothing but the nights' freshness: the state's nights before the change
 * are its own. After an older change they are older, and on an endpoint whose nights drift
 * that cost alarms (--late 12: one of the four nights after the return alarming on 86 of 507
 * changes, 79 before; 80 with young changes alone on trial). Returns a new array of *n
 * indices. */
static size_t *epoch_window(const struct detect_params *p, const json_t *recs, const char *epoch,
			    size_t *n)
{
	size_t total = json_array_size(recs), cnt = 0, i, keep, drop, excl, n_usable = 0;
	size_t *idx = xmalloc((total ? total : 1) * sizeof(*idx));
	unsigned char *on_trial = xcalloc(total + 1, 1);

	/* nights on trial stay out only while min_history usable nights remain without them */
	if (runs_on_trial(p, recs, epoch, on_trial)) {
		for (i = 0; i < total; i++) {
			const json_t *r = json_array_get(recs, i);

			n_usable += rec_usable(r) && !strcmp(rec_epoch(r), epoch) && !on_trial[i];
		}
		if (n_usable < (size_t)p->min_history)
			memset(on_trial, 0, total + 1);
	}
	for (i = 0; i < total; i++) {
		const json_t *r = json_array_get(recs, i);

		if (rec_usable(r) && !strcmp(rec_epoch(r), epoch) && !on_trial[i])
			idx[cnt++] = i;
	}
	free(on_trial);
	/* The most recent nights are left out only as far as as many remain: the nights in use
	 * never go down as nights come in (they went 1, 2, 1, 2, 3 when the recent ones were
	 * dropped as soon as there were more). */
	excl = (size_t)p->exclude_recent;
	keep = cnt > excl ? cnt - excl : 0;
	if (keep < (cnt < excl ? cnt : excl))
		keep = cnt < excl ? cnt : excl;
	drop = cnt - keep;
	if (keep > (size_t)p->window)
		keep = (size_t)p->window;
	memmove(idx, idx + (cnt - drop - keep), keep * sizeof(*idx));
	*n = keep;
	return idx;
}

size_t *detect_window(const struct detect_params *p, const json_t *recs, const char *epoch,
		      size_t *n)
{
	return epoch_window(p, recs, epoch, n);
}

size_t *detect_epoch_run(const struct detect_run *ev, size_t *n)
{
	size_t i = json_array_size(ev->recs), cnt = 0, *idx;

	*n = 0;
	free(epoch_window(ev->p, ev->recs, ev->cur_epoch, &cnt));
	if (cnt < (size_t)ev->p->min_history)
		return NULL; /* young: a return is judged on tonight alone */
	cnt = 0;
	idx = xmalloc((i ? i : 1) * sizeof(*idx));
	while (i-- > 0 && cnt < (size_t)ev->p->window) {
		const json_t *r = json_array_get(ev->recs, i);

		if (strcmp(rec_epoch(r), ev->cur_epoch))
			break;
		if (rec_usable(r))
			idx[cnt++] = i;
	}
	for (i = 0; i < cnt / 2; i++) {
		size_t t = idx[i];

		idx[i] = idx[cnt - 1 - i];
		idx[cnt - 1 - i] = t;
	}
	*n = cnt;
	return idx;
}

int detect_cusum_back(const double *llr, size_t n)
{
	double h = log(DETECT_RETURN_ARL), s = 0;
	size_t j;

	/* a night adds half the level at most: a return rests on two nights at least, not on
	 * one night's few answers that the state's pooled nights happen never to have shown */
	for (j = 0; j < n; j++)
		s = fmax(0, s + fmin(llr[j], h / 2));
	return n && llr[n - 1] > 0 && s >= h * (1 - 1e-9);
}

/* Centre of one epoch's window, and the endpoint's night-to-night spread pooled over all
 * epochs (deviations from each epoch's own median), for the series at `path`. */
static void series_level(const struct detect_params *p, const json_t *recs, const char *epoch,
			 const char *path, struct level *lv)
{
	struct epoch_info *eps = NULL;
	size_t n_eps = 0, e, i, n, nd = 0;
	size_t *idx = epoch_window(p, recs, epoch, &n);
	double *x = xmalloc((json_array_size(recs) + 1) * sizeof(*x));
	double *dev = xmalloc((json_array_size(recs) + 1) * sizeof(*dev));
	size_t m = 0;

	for (i = 0; i < n; i++) {
		double v = rec_num(json_array_get(recs, idx[i]), path);

		if (!isnan(v))
			x[m++] = v;
	}
	lv->center = stats_median(x, m);
	lv->nights = m;
	free(idx);
	fingerprint_epochs(recs, &eps, &n_eps);
	for (e = 0; e < n_eps; e++) {
		size_t k = 0, j;
		double med;

		idx = epoch_window(p, recs, eps[e].id, &n);
		for (j = 0; j < n; j++) {
			double v = rec_num(json_array_get(recs, idx[j]), path);

			if (!isnan(v))
				x[k++] = v;
		}
		med = stats_median(x, k);
		for (j = 0; j < k; j++)
			dev[nd++] = fabs(x[j] - med);
		free(idx);
	}
	lv->pooled = nd;
	lv->spread = nd >= (size_t)p->min_history ? 1.4826 * stats_median(dev, nd) : -1;
	lv->rms = 0;
	for (i = 0; i < nd; i++)
		lv->rms += dev[i] * dev[i];
	lv->rms = nd ? sqrt(lv->rms / (double)nd) : 0;
	free(eps);
	free(x);
	free(dev);
}

/* The hard objects known for an epoch: the baseline's for the baseline's epoch, then its
 * nights'. */
static json_t *epoch_known(const struct detect_params *p, const json_t *recs, const char *epoch,
			   const char *base_epoch, const json_t *base_hard)
{
	json_t *known = json_array(), *r;
	size_t i, n = json_array_size(recs), from = 0, cnt = 0;

	if (!strcmp(epoch, base_epoch))
		json_array_append(known, (json_t *)base_hard);
	for (i = n; i-- > 0;) {
		r = json_array_get(recs, i);
		if (!strcmp(rec_epoch(r), epoch) && ++cnt > (size_t)p->window) {
			from = i + 1;
			break;
		}
	}
	for (i = from; i < n; i++) {
		r = json_array_get(recs, i);
		if (!strcmp(rec_epoch(r), epoch) && json_is_object(json_object_get(r, "hard")))
			json_array_append(known, json_object_get(r, "hard"));
	}
	return known;
}

/* The least change of a series that counts: `sigmas` night-to-night spreads once the
 * endpoint has shown them (relative to its own history), at least rel_margin of the usual
 * value; abs_margin only while there is no such spread (cold start, spread < 0 or judged
 * against sampling noise alone: `cold`). */
static double margin_for(const struct detect_params *p, double center, double spread, int cold)
{
	double m = cold ? p->abs_margin : 0;

	if (p->rel_margin * center > m)
		m = p->rel_margin * center;
	if (spread >= 0 && p->sigmas * spread > m)
		m = p->sigmas * spread;
	return m;
}

/* ---- per-prompt evidence ----------------------------------------------------------- */

void detect_evidence_add(struct slot *sl, const char *signal, double p, double effect,
			 double margin, int level)
{
	struct evidence *e;

	if (sl->n_ev >= DETECT_MAX_EVIDENCE)
		return;
	e = &sl->ev[sl->n_ev++];
	memset(e, 0, sizeof(*e));
	e->signal = signal;
	e->p = p;
	e->effect = effect;
	e->margin = margin;
	e->q = 1;
	e->level = level;
}

/* P(at least r of m independent uniform p-values are at most t): Wilkinson's test of the r-th
 * smallest p-value. */
static double wilkinson(size_t m, size_t r, double t)
{
	double term, below = 0;
	size_t i;

	if (t >= 1 || r == 0)
		return 1;
	if (r > m)
		return 1;
	term = pow(1 - t, (double)m);
	for (i = 0; i < r; i++) {
		below += term;
		term *= (double)(m - i) / (double)(i + 1) * t / (1 - t);
	}
	return fmin(1, fmax(0, 1 - below));
}

static int cmp_double(const void *a, const void *b);
static void tail_fit(const double *pool, size_t n, double min_beta, size_t *k, double *u,
		     double *beta);

size_t detect_evidence_combine(struct slot *w, size_t n, double prompt_alpha, double alpha,
			       size_t r)
{
	size_t total = 0, i, k, j = 0, moved = 0, m = 0;
	double *pv, *q, *best, pr = 0, wk = 1;

	for (i = 0; i < n; i++)
		total += w[i].n_ev;
	if (!total)
		return 0;
	pv = xmalloc(total * sizeof(*pv));
	q = xmalloc(total * sizeof(*q));
	best = xmalloc(n * sizeof(*best));
	for (i = 0; i < n; i++) {
		for (k = 0; k < w[i].n_ev; k++)
			pv[j++] = w[i].ev[k].p;
		if (w[i].n_ev && !w[i].ev[0].level) {
			/* a prompt's smallest p-value, Bonferroni over its signals */
			double b = 1;

			for (k = 0; k < w[i].n_ev; k++)
				b = fmin(b, w[i].ev[k].p * (double)w[i].n_ev);
			best[m++] = fmin(1, b);
		}
	}
	/* one family: every signal of every prompt, so adding signals or prompts never raises
	 * the chance of a false alarm on a quiet night above the level */
	stats_bh(pv, total, q);
	/* and the r-th smallest prompt p-value against r of m uniforms (Wilkinson): r prompts
	 * moving together are less likely by chance than one, which BH alone cannot use */
	if (r >= 2 && m >= r) {
		qsort(best, m, sizeof(*best), cmp_double);
		pr = best[r - 1];
		wk = wilkinson(m, r, pr);
	}
	for (i = 0, j = 0; i < n; i++) {
		int any = 0;

		for (k = 0; k < w[i].n_ev; k++) {
			struct evidence *e = &w[i].ev[k];
			int sig;

			e->q = q[j++];
			sig = e->q <= (e->level ? alpha : prompt_alpha);
			if (!e->level && wk <= prompt_alpha && e->p * (double)w[i].n_ev <= pr)
				sig = 1;
			e->over = sig && e->effect > e->margin;
			any |= e->over;
		}
		moved += any;
	}
	free(pv);
	free(q);
	free(best);
	return moved;
}

/* Prompt id's distance on one night; NAN when the night did not judge it. */
static double prompt_num(const json_t *rec, const char *id)
{
	const json_t *v = json_object_get(json_object_get(rec, "prompts"), id);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The median of prompt id's distances over the nights idx[0..n) (x: scratch of n); fills *m
 * with how many had one. */
static double prompt_median(const json_t *recs, const size_t *idx, size_t n, const char *id,
			    double *x, size_t *m)
{
	size_t j;

	*m = 0;
	for (j = 0; j < n; j++) {
		double v = prompt_num(json_array_get(recs, idx[j]), id);

		if (!isnan(v))
			x[(*m)++] = v;
	}
	return stats_median(x, *m);
}

/* Total variation between counts a (n_a answers) and ref minus `minus` (NULL: nothing; n_ref
 * answers after the subtraction), both {hash: count}. */
static double mix_tv(const json_t *a, double n_a, const json_t *ref, const json_t *minus,
		     double n_ref)
{
	const char *k;
	json_t *v;
	double tv = 0;

	if (n_a <= 0 || n_ref <= 0)
		return 0;
	json_object_foreach((json_t *)ref, k, v)
	{
		double x = (double)json_integer_value(json_object_get(a, k)) / n_a;
		double y = ((double)json_integer_value(v) -
			    (double)json_integer_value(json_object_get(minus, k))) /
			   n_ref;

		tv += fabs(x - y);
	}
	json_object_foreach((json_t *)a, k, v)
	{
		if (!json_object_get(ref, k))
			tv += (double)json_integer_value(v) / n_a;
	}
	return tv / 2;
}

/* How many of the answers a (counts by hash) the reference ref minus `minus` (NULL:
 * nothing) never gave; those answers' counts go to keep (NULL: nowhere). */
static double mix_unseen(const json_t *a, const json_t *ref, const json_t *minus, json_t *keep)
{
	const char *k;
	json_t *v;
	double n = 0;

	json_object_foreach((json_t *)a, k, v)
	{
		if (json_integer_value(json_object_get(ref, k)) -
			    json_integer_value(json_object_get(minus, k)) >
		    0)
			continue;
		n += (double)json_integer_value(v);
		if (keep)
			json_object_set(keep, k, v);
	}
	return n;
}

/* Adds the answer counts o ({hash: count}; NULL: none) to pool. */
static void mix_add(json_t *pool, const json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		json_int_t c = json_integer_value(json_object_get(pool, k));

		json_object_set_new(pool, k, json_integer(c + json_integer_value(v)));
	}
}

static double mix_n(const json_t *o)
{
	const char *k;
	json_t *v;
	double n = 0;

	json_object_foreach((json_t *)o, k, v) n += (double)json_integer_value(v);
	return n;
}

/* A spread's floor from a null distribution's mean, SD and 99th percentile: the larger of
 * the SD and the upper tail in normal SDs (TV and MMD are skewed: the SD alone understates
 * how far sampling noise goes). */
static double sampling_floor(double mean, double sd, double q99)
{
	return fmax(sd, (q99 - mean) / Z99);
}

/* A prompt's sampling noise as its permutation test measured it (sampling_floor). */
static double perm_floor(const struct slot *sl)
{
	return sampling_floor(sl->res.null_mean, sl->res.null_sd, sl->res.null_q99);
}

/* The reference's answer counts ({hash: count}) in its order; *k of them. */
static size_t *ref_counts(const json_t *ref, size_t *k)
{
	size_t *rc = xmalloc((json_object_size(ref) + 1) * sizeof(*rc));
	const char *key;
	json_t *v;

	*k = 0;
	json_object_foreach((json_t *)ref, key, v) rc[(*k)++] = (size_t)json_integer_value(v);
	return rc;
}

/* Draws n answers into c[0..k) from the mix of the reference counts rc (n_ref in all): a
 * multinomial for rho 0, else a Dirichlet-multinomial of intra-night correlation rho (< 1) by
 * Polya's urn, each answer drawn making itself likelier. w: scratch of k. */
static void mix_draw(struct rng *r, const size_t *rc, size_t k, double n_ref, size_t n, double rho,
		     double *w, size_t *c)
{
	double conc = rho > 0 ? (1 - rho) / rho : 1, total = conc; /* the urn's initial weight */
	size_t i, a;

	memset(c, 0, k * sizeof(*c));
	for (i = 0; i < k; i++)
		w[i] = (double)rc[i] / n_ref * conc;
	for (a = 0; a < n; a++) {
		double u = rng_unit(r) * total, acc = 0;

		for (i = 0; i + 1 < k; i++) {
			acc += w[i];
			if (u < acc)
				break;
		}
		c[i]++;
		if (rho > 0) {
			w[i] += 1;
			total += 1;
		}
	}
}

/* The total variation between n answers drawn from the reference's mix (ref, n_ref answers,
 * not empty) and that mix, over draws draws seeded by seed, intra-night correlation rho
 * (mix_draw; 0: multinomial). A new array of draws values. */
static double *mix_tv_draws(const json_t *ref, double n_ref, size_t n, double rho, size_t draws,
			    uint64_t seed)
{
	size_t k, b, *rc, *c;
	double *tv = xmalloc((draws + 1) * sizeof(*tv)), *w;
	struct rng r;

	rc = ref_counts(ref, &k);
	c = xmalloc(k * sizeof(*c));
	w = xmalloc(k * sizeof(*w));
	rng_seed(&r, seed);
	for (b = 0; b < draws; b++) {
		mix_draw(&r, rc, k, n_ref, n, rho, w, c);
		tv[b] = stats_tv_counts(c, n, rc, (size_t)n_ref, k);
	}
	free(rc);
	free(c);
	free(w);
	return tv;
}

/* The sampling noise of a categorical prompt's mix statistic (sampling_floor): the total
 * variation between n answers drawn from the reference's mix (ref, n_ref answers) and that
 * mix, over draws draws. */
static double mix_floor(const json_t *ref, double n_ref, double n, size_t draws, uint64_t seed)
{
	double *tv, mean, sd, q99;

	if (n < 1 || n_ref < 1 || !json_object_size(ref) || !draws)
		return 0;
	tv = mix_tv_draws(ref, n_ref, (size_t)n, 0, draws, seed);
	stats_null_summary(tv, draws, &mean, &sd, &q99);
	free(tv);
	return sampling_floor(mean, sd, q99);
}

/* How much the window's nights of a categorical prompt vary beyond multinomial sampling:
 * Pearson's statistic of each night's answers against the reference without that night,
 * summed over the nights, over its degrees of freedom (the answers under MIX_RARE of the
 * reference, and those it never gave, counted as one). About 1 when nights differ by
 * sampling alone; 1 + (n - 1) rho for n answers a night whose mix wanders as a Dirichlet of
 * intra-night correlation rho. */
static double mix_dispersion(const json_t *ref, double n_ref, const json_t *const *night, size_t m)
{
	double x2 = 0, df = 0;
	size_t j;

	for (j = 0; j < m; j++) {
		double n_j = mix_n(night[j]), nr = n_ref - n_j, p_rest = 0, x_rest = n_j;
		size_t bins = 0;
		const char *k;
		json_t *v;

		if (nr <= 0 || n_j <= 0)
			continue;
		json_object_foreach((json_t *)ref, k, v)
		{
			double x = (double)json_integer_value(json_object_get(night[j], k));
			double pi = ((double)json_integer_value(v) - x) / nr;

			if (pi < MIX_RARE) {
				p_rest += pi;
				continue;
			}
			x2 += (x - n_j * pi) * (x - n_j * pi) / (n_j * pi);
			x_rest -= x;
			bins++;
		}
		if (p_rest > 0) {
			x2 += (x_rest - n_j * p_rest) * (x_rest - n_j * p_rest) / (n_j * p_rest);
			bins++;
		}
		if (bins > 1)
			df += (double)(bins - 1);
	}
	return df > 0 ? x2 / df : 1;
}

/* The chance that n answers drawn from the reference's mix (ref, n_ref answers) are at least
 * stat from it in total variation, when a night's mix wanders with dispersion phi (>= 1): a
 * Dirichlet-multinomial of intra-night correlation (phi - 1) / (n - 1), drawn by Polya's urn
 * (1: multinomial). The share of draws as far out (with the +1 correction) and, beyond the
 * farthest, an exponential fitted to the largest tenth (peaks over a threshold). */
static double mix_model_p(const json_t *ref, double n_ref, double n, double stat, double phi,
			  uint64_t seed)
{
	size_t b, ge = 0, tk;
	double *tv, rho = n > 1 && phi > 1 ? fmin((phi - 1) / (n - 1), 0.999) : 0, tu, tb, pv;

	if (n < 1 || n_ref < 1 || !json_object_size(ref))
		return 1;
	tv = mix_tv_draws(ref, n_ref, (size_t)n, rho, MIX_MODEL_DRAWS, seed);
	for (b = 0; b < MIX_MODEL_DRAWS; b++)
		ge += tv[b] >= stat - 1e-12;
	pv = (double)(1 + ge) / (double)(1 + MIX_MODEL_DRAWS);
	qsort(tv, MIX_MODEL_DRAWS, sizeof(*tv), cmp_double);
	tail_fit(tv, MIX_MODEL_DRAWS, 1e-3, &tk, &tu, &tb);
	if (tk && stat > tv[MIX_MODEL_DRAWS - 1])
		pv = (double)tk / (double)(1 + MIX_MODEL_DRAWS) * exp(-(stat - tu) / tb);
	free(tv);
	return pv;
}

/* A categorical prompt's mix tonight against its reference: the epoch's trailing nights'
 * answers (the window), pooled with the baseline's in the baseline's state, so neither the
 * baseline's own night nor its sampling noise sets the reference. In a later state the
 * baseline's answers are another state's: a fifth of the reference after two weeks, they
 * made a return to them half known to it (bench_scenarios --late 12: cat-move2-still's
 * return recognised on 8 of 18 confirmed changes with them, 17 without); they still count
 * as answers given before (unseen answers). The statistic is the total variation between
 * tonight's answers and the reference; its usual value and spread come from the window's
 * nights, each against the reference without itself (leave one out), so the night-to-night
 * variation of the prompt's mix is in them. Fills sl->stat, sl->lv and x[0..*m) (the
 * nights' statistics); returns 0 (nothing filled but *m) when fewer than min_history of
 * the window's nights kept the prompt's answers. */
static int mix_level(const struct detect_run *ev, struct slot *sl, const size_t *cur, size_t n_cur,
		     double *x, size_t *m)
{
	int is_e1 = !strcmp(ev->cur_epoch, ev->base_epoch); /* the baseline's state */
	json_t *ref = is_e1 ? json_deep_copy(sl->mix_base) : json_object();
	json_t *known;
	const json_t **night = xcalloc(n_cur ? n_cur : 1, sizeof(*night));
	double n_ref, *dev;
	size_t j, nd = 0;
	double sq = 0;

	*m = 0;
	for (j = 0; j < n_cur; j++) {
		const json_t *o = json_object_get(
			json_object_get(json_array_get(ev->recs, cur[j]), "answers"), sl->id);

		if (!json_is_object(o) || !json_object_size(o))
			continue;
		night[(*m)++] = o;
		mix_add(ref, o);
	}
	if (*m < (size_t)ev->p->min_history) {
		json_decref(ref);
		free(night);
		return 0;
	}
	n_ref = mix_n(ref);
	/* answers given before: the reference's, and the baseline's in any state (an answer
	 * the endpoint gave in another state is no new wording); in the baseline's state that
	 * is the reference itself, read only */
	if (is_e1) {
		known = json_incref(ref);
	} else {
		known = json_deep_copy(ref);
		mix_add(known, sl->mix_base);
	}
	sl->nov.k = sl->nov.n = sl->nov.hk = sl->nov.hn = 0;
	for (j = 0; j < *m; j++) {
		double n_j = mix_n(night[j]), k_j = mix_unseen(night[j], known, night[j], NULL);

		x[j] = mix_tv(night[j], n_j, ref, night[j], n_ref - n_j);
		sl->nov.hk += (size_t)k_j;
		sl->nov.hn += (size_t)n_j;
		sq += n_j > 0 ? (k_j / n_j) * (k_j / n_j) : 0;
	}
	sl->nov.rms = sqrt(sq / (double)*m);
	sq = 0;
	json_decref(sl->nov.unseen);
	sl->nov.unseen = json_object();
	sl->nov.k = (size_t)mix_unseen(sl->mix_night, known, NULL, sl->nov.unseen);
	json_decref(known);
	sl->nov.n = (size_t)mix_n(sl->mix_night);
	sl->stat = mix_tv(sl->mix_night, mix_n(sl->mix_night), ref, NULL, n_ref);
	sl->mix_fl = n_ref > 0 && json_object_size(ref)
			     ? mix_floor(ref, n_ref, mix_n(sl->mix_night), MIX_FLOOR_DRAWS,
					 rng_mix((uint64_t)ev->p->seed, (uint64_t)(sl - ev->w)))
			     : 0;
	sl->mix_phi = mix_dispersion(ref, n_ref, night, *m);
	json_decref(sl->mix_ref);
	sl->mix_ref = json_incref(ref);
	sl->lv.center = stats_median(x, *m);
	sl->lv.nights = *m;
	sl->lv.pooled = *m;
	dev = xmalloc(*m * sizeof(*dev));
	for (j = 0; j < *m; j++) {
		dev[nd] = fabs(x[j] - sl->lv.center);
		sq += dev[nd] * dev[nd];
		nd++;
	}
	sl->lv.spread = fmax(1.4826 * stats_median(dev, nd), sqrt(sq / (double)nd));
	free(dev);
	free(night);
	json_decref(ref);
	return 1;
}

/* The upper tail of the ordinary nights' standardised deviations (pool, sorted, n of them)
 * as an exponential beyond its k-th largest value u, with scale beta the mean excess over
 * u of the k largest (peaks over a threshold, generalised Pareto of shape 0): a p-value
 * beyond the largest ordinary value without assuming a normal tail. *k = 0: too few. */
static void tail_fit(const double *pool, size_t n, double min_beta, size_t *k, double *u,
		     double *beta)
{
	size_t i;
	double sum = 0;

	*k = 0;
	*u = INFINITY;
	*beta = 1;
	if (n < TAIL_MIN_POOL)
		return;
	*k = n / 10 > TAIL_MIN_K ? n / 10 : TAIL_MIN_K;
	*u = pool[n - *k];
	for (i = n - *k; i < n; i++)
		sum += pool[i] - *u;
	*beta = fmax(sum / (double)*k, min_beta);
}

/* How much wider tonight's spread is than usual across all prompts (genomic control, Devlin
 * and Roeder 1999): the median of tonight's standardised deviations |z| over the prompts,
 * against 0.6745, the median |z| when each prompt's spread is its standard deviation (the
 * ordinary nights' own deviations, measured from their own median, understate it and tie at
 * 0 for a distance with few values); never below 1. A night on
 * which every prompt wanders further (a bad serving night) widens each prompt's spread by
 * it; a change confined to a few prompts leaves the median where it was. Measured, it rarely
 * acts: a spread is at least the prompt's sampling noise and its root mean square deviation,
 * so the ordinary median |z| sits well below 0.6745, and on simulated nights three to five
 * times noisier than usual the median inflation is 1.18 (README, "Where the steady state's
 * suspicions fall"; against the endpoint's own nights instead it trades power for false
 * alarms). sp: each prompt's spread (< 0: none). */
static double night_inflation(const struct detect_run *ev, const double *sp)
{
	double *z = xmalloc((ev->n_w + 1) * sizeof(*z)), now;
	size_t i, m = 0;

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *sl = &ev->w[i];

		if (sl->n_b && sp[i] > 0)
			z[m++] = fabs(sl->stat - sl->lv.center) / sp[i];
	}
	now = stats_median(z, m);
	free(z);
	if (m < PROMPT_MIN_INFLATION)
		return 1;
	/* |z| of a calibrated spread has median 0.6745 (the normal's quartile) */
	return now > MEDIAN_ABS_Z ? now / MEDIAN_ABS_Z : 1;
}

/* A categorical prompt's answers that its reference (the baseline and the window's nights)
 * never gave: their share tonight against the share each of the window's nights showed
 * against the reference without itself, by Fisher's exact test (one-sided: more unseen
 * answers than usual). A new wording taking a share of a prompt's answers is a change the
 * total variation sees only as a shift of mass; a rare answer the reference happened to
 * miss is in the nights' shares too. The margin is prompt_sigmas times the nights' root
 * mean square share, widened as the night is (lambda), at least prompt_floor. */
static void novel_evidence(const struct detect_params *p, struct slot *sl, double lambda)
{
	const struct novelty *nv = &sl->nov;
	double pv, effect;

	size_t all = nv->k + nv->hk, top = all < nv->n ? all : nv->n;

	if (!nv->n || !nv->hn)
		return;
	/* a test that cannot come out significant whatever tonight's share (too few unseen
	 * answers in all, given the margins) is left out of the family (Tarone 1990) */
	if (stats_fisher_greater(top, nv->n - top, all - top, nv->hn - (all - top)) >
	    p->prompt_alpha)
		return;
	pv = stats_fisher_greater(nv->k, nv->n - nv->k, nv->hk, nv->hn - nv->hk);
	effect = (double)nv->k / (double)nv->n - (double)nv->hk / (double)nv->hn;
	detect_evidence_add(sl, "novel", pv, effect,
			    fmax(p->prompt_floor, p->prompt_sigmas * nv->rms * lambda), 0);
}

/* How far beyond their sampling noise the prompts' nights vary (overdispersion): the median
 * over the prompts with a spread of their own of (spread / sampling noise)^2, the sampling
 * noise being the prompt's permutation SD or its permutation null's upper tail, the floor
 * prompt_evidence puts under the spread; 1 (no more than sampling) when no prompt has a
 * spread yet. The median of some 25 prompts, each over a dozen nights, is steady where one
 * spread from a dozen nights is not: on unchanged simulated endpoints it is about 0.5 on still
 * nights and 0.8 on lumpy ones (99th percentile 1.2 to 1.8, largest 2.8 in 3,000 nights); a
 * vendor whose every answer wanders gives 3 and more. */
static double prompts_overdispersion(struct detect_run *ev)
{
	double *r = xmalloc((ev->n_w + 1) * sizeof(*r)), phi;
	size_t i, m = 0;

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *sl = &ev->w[i];
		double fl = perm_floor(sl);

		if (sl->n_b && sl->lv.spread >= 0 && fl > 0)
			r[m++] = (sl->lv.spread / fl) * (sl->lv.spread / fl);
	}
	phi = m ? stats_median(r, m) : 1;
	free(r);
	ev->od_prompts = m;
	return phi;
}

/* The endpoint's dispersion: the median over its categorical prompts (mixed) of each one's
 * over the window's nights (mix_dispersion). One prompt's, from a dozen nights of ten
 * answers, goes from 0.5 to 2 on nights that differ by sampling alone; the median over 25
 * is steady. A prompt that wanders more than the endpoint's others is held to its own nights
 * by the pool of ordinary deviations (prompt_evidence). 0: no categorical prompt. */
static double mix_dispersion_median(const struct detect_run *ev, const char *mixed)
{
	double *d = xmalloc((ev->n_w + 1) * sizeof(*d)), med;
	size_t i, m = 0;

	for (i = 0; i < ev->n_w; i++)
		if (mixed[i])
			d[m++] = ev->w[i].mix_phi;
	med = m ? stats_median(d, m) : 0;
	free(d);
	return med;
}

/* Each judged prompt as a stratum of its own: its distance tonight against its own trailing
 * nights in the current epoch (centre: their median; spread: the night-to-night MAD pooled
 * over epochs as series_level does, never below tonight's sampling noise, widened by
 * sqrt(1 + 1/m) for an estimate from m nights). The evidence is the normal tail of the
 * standardised deviation, with the permutation p when that is larger than fdr (a prompt that
 * does not differ from the baseline beyond sampling noise has not moved); the margin is
 * prompt_sigmas spreads, at least prompt_floor. Before min_history nights the evidence is the
 * permutation p alone, judged at alpha. */
static void prompt_evidence(struct detect_run *ev)
{
	const struct detect_params *p = ev->p;
	struct epoch_info *eps = NULL;
	size_t n_eps = 0, e, i, j, n_cur, n_pool = 0, cap = json_array_size(ev->recs) + 1;
	size_t **win, *n_win, *cur;
	double *x = xmalloc(cap * sizeof(*x)), *dev = xmalloc(cap * sizeof(*dev));
	double *sp = xcalloc(ev->n_w ? ev->n_w : 1, sizeof(*sp)), *pool, lambda, phi;
	char *mixed = xcalloc(ev->n_w ? ev->n_w : 1, 1);
	size_t tail_k;
	double tail_u, tail_beta;
	int is_e1 = !strcmp(ev->cur_epoch, ev->base_epoch);

	fingerprint_epochs(ev->recs, &eps, &n_eps);
	win = xcalloc(n_eps ? n_eps : 1, sizeof(*win));
	n_win = xcalloc(n_eps ? n_eps : 1, sizeof(*n_win));
	for (e = 0; e < n_eps; e++)
		win[e] = epoch_window(p, ev->recs, eps[e].id, &n_win[e]);
	cur = epoch_window(p, ev->recs, ev->cur_epoch, &n_cur);
	pool = xmalloc((ev->n_w * cap + 1) * sizeof(*pool));
	/* each prompt's level, and the standardised deviations of its trailing nights (the
	 * pool: how far out the endpoint's prompts go on ordinary nights) */
	for (i = 0; i < ev->n_w; i++) {
		struct slot *sl = &ev->w[i];
		size_t m, nd = 0, k;
		double sq = 0;

		sp[i] = -1;
		if (!sl->n_b)
			continue;
		if (sl->mix_night && mix_level(ev, sl, cur, n_cur, x, &m)) {
			mixed[i] = 1;
			/* never below the mix statistic's own sampling noise (mix_floor); the
			 * permutation test's is the noise of 10 answers against the baseline's 30,
			 * larger than against a reference of the baseline and the window's nights,
			 * and on still nights it made the mix's p-values conservative */
			sp[i] = fmax(sl->lv.spread, sl->mix_fl) * sqrt(1 + 1 / (double)m);
			for (j = 0; j < m && sp[i] > 0; j++) {
				double z = (x[j] - sl->lv.center) / sp[i];

				pool[n_pool++] = is_e1 ? z : fabs(z);
			}
			continue;
		}
		sl->lv.center = prompt_median(ev->recs, cur, n_cur, sl->id, x, &m);
		sl->lv.nights = m;
		if (!m)
			sl->lv.center = sl->res.null_mean; /* sampling noise alone */
		for (e = 0; e < n_eps; e++) {
			double med =
				prompt_median(ev->recs, win[e], n_win[e], sl->id, dev + nd, &k);

			for (j = 0; j < k; j++)
				dev[nd + j] = fabs(dev[nd + j] - med);
			nd += k;
		}
		sl->lv.pooled = nd;
		sl->lv.spread = -1;
		/* the spread is the endpoint's (pooled over its epochs), the centre the epoch's: a
		 * new epoch of two nights is judged on the spread its earlier epochs showed */
		if (nd < (size_t)p->min_history || m < PROMPT_MIN_NIGHTS)
			continue;
		/* the larger of the MAD and the root mean square deviation: a prompt whose answers
		 * flip on a few nights (the MAD of a distance that is mostly 0 is 0) keeps them in
		 * its spread */
		for (j = 0; j < nd; j++)
			sq += dev[j] * dev[j];
		sl->lv.spread = fmax(1.4826 * stats_median(dev, nd), sqrt(sq / (double)nd));
		sp[i] = fmax(sl->lv.spread, perm_floor(sl)) * sqrt(1 + 1 / (double)m);
		/* A later epoch younger than min_history has too few nights to show how far
		 * out its prompts go, and their deviations from their own median understate it
		 * (that median is fitted to them: two nights lie half their difference from
		 * it). The endpoint's nights over every epoch show it: their deviations join
		 * the pool. (bench_scenarios --late 20: nights 3 to 9 of a change that held
		 * raised two to three times the alarms of the nights after.) */
		if (!is_e1 && m < (size_t)p->min_history) {
			for (j = 0; j < nd && sp[i] > 0; j++)
				pool[n_pool++] = dev[j] / sp[i];
			continue;
		}
		prompt_median(ev->recs, cur, n_cur, sl->id, x, &m);
		for (j = 0; j < m && sp[i] > 0; j++) {
			double z = (x[j] - sl->lv.center) / sp[i];

			pool[n_pool++] = is_e1 ? z : fabs(z);
		}
	}
	qsort(pool, n_pool, sizeof(*pool), cmp_double);
	ev->overdispersion = prompts_overdispersion(ev);
	lambda = ev->inflation = night_inflation(ev, sp);
	tail_fit(pool, n_pool, TAIL_MIN_BETA, &tail_k, &tail_u, &tail_beta);
	/* the endpoint's dispersion, widened for the night as the spreads are: at most
	 * MIX_MODEL_MAX_DISP, its categorical prompts are judged by their sampling model */
	phi = mix_dispersion_median(ev, mixed);
	phi = ev->dispersion = phi > 0 ? fmax(1, phi * lambda * lambda) : 0;
	for (i = 0; i < ev->n_w; i++) {
		struct slot *sl = &ev->w[i];
		double effect = sl->stat - sl->lv.center, pv, s, seen = 0;
		size_t lo = 0, hi = n_pool;

		if (!sl->n_b)
			continue;
		if (!is_e1)
			effect = fabs(effect); /* away from a later epoch's usual, either way */
		if (sp[i] < 0) {
			s = (sl->lv.nights ? sqrt(2) : 1) * sl->res.null_sd;
			detect_evidence_add(sl, "distance", sl->res.p, effect,
					    fmax(p->prompt_floor, p->prompt_sigmas * s), 1);
			continue;
		}
		s = sp[i] * lambda;
		sl->scale = s;
		if (mixed[i] && phi <= MIX_MODEL_MAX_DISP) {
			/* a categorical prompt: its answers as draws of its reference's mix,
			 * overdispersed as the endpoint's nights are (mix_model_p) */
			sl->modelled = 1;
			pv = mix_model_p(sl->mix_ref, mix_n(sl->mix_ref), mix_n(sl->mix_night),
					 sl->stat, phi,
					 rng_mix((uint64_t)p->seed, MIX_MODEL_SALT + (uint64_t)i));
		} else {
			/* the spread is an estimate from the prompt's own nights: Student's t of
			 * as many degrees of freedom, not the normal tail (a dozen nights
			 * understate how far out a night goes by chance) */
			sl->df = (double)(sl->lv.pooled > 2 ? sl->lv.pooled - 1 : 1);
			pv = s > 0 ? stats_t_sf(effect / s, sl->df) : (effect > 0 ? 0 : 1);
			/* two-sided in a later epoch, as its effect is (the pool's share is) */
			if (!is_e1)
				pv = fmin(1, 2 * pv);
		}
		/* as far out as some ordinary prompt-nights went: their share is the p-value */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (pool[mid] < effect / s)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (s > 0 && lo < n_pool)
			seen = (double)(1 + n_pool - lo) / (double)(1 + n_pool);
		/* beyond the pool's upper tail: its exponential extrapolation (peaks over a
		 * threshold), not the normal tail, where nights are heavier-tailed than normal */
		if (s > 0 && tail_k && effect / s > tail_u)
			seen = fmax(seen, (double)tail_k / (double)(1 + n_pool) *
						  exp(-(effect / s - tail_u) / tail_beta));
		pv = fmax(pv, seen);
		/* against the baseline alone, a prompt that does not differ beyond sampling noise
		 * has not moved (the mix is calibrated on its own nights, sampling noise in them)
		 */
		if (!mixed[i] && is_e1 && sl->res.p > p->fdr)
			pv = fmax(pv, sl->res.p);
		detect_evidence_add(sl, mixed[i] ? "mix" : "distance", pv, effect,
				    fmax(p->prompt_floor, p->prompt_sigmas * s), 0);
		if (mixed[i])
			novel_evidence(p, sl, lambda);
	}
	for (e = 0; e < n_eps; e++)
		free(win[e]);
	free(win);
	free(n_win);
	free(cur);
	free(eps);
	free(x);
	free(dev);
	free(sp);
	free(mixed);
	free(pool);
}

/* The share of a categorical prompt's answers tonight that its reference never gave (its
 * unseen answers) and the nights idx[0..n) (and the baseline, with_base) never gave either. */
static double unseen_share(const struct detect_run *ev, const struct slot *sl, const size_t *idx,
			   size_t n, int with_base)
{
	const char *k;
	json_t *v;
	double unseen = 0;
	size_t j;

	json_object_foreach(sl->nov.unseen, k, v)
	{
		int seen = with_base && json_integer_value(json_object_get(sl->mix_base, k)) > 0;

		for (j = 0; j < n && !seen; j++)
			seen = json_integer_value(json_object_get(
				       json_object_get(
					       json_object_get(json_array_get(ev->recs, idx[j]),
							       "answers"),
					       sl->id),
				       k)) > 0;
		unseen += seen ? 0 : (double)json_integer_value(v);
	}
	return sl->nov.n ? unseen / (double)sl->nov.n : 0;
}

/* Whether the prompts that moved tonight sit at epoch's usual distances (within each
 * prompt's margin): a known state must explain them too, not only the suite's mean. As for
 * an alarm, it takes prompt_min prompts outside to say no; when fewer prompts are over (one
 * prompt's unseen answers or mix alarms alone, evidence_alone), it takes all of them: a state
 * that matches the suite's mean does not explain the prompt that raised the alarm. A prompt
 * counts once, whatever number of its signals are off. A state of fewer nights than
 * min_history is judged on the nights it has. */
static int prompts_match(const struct detect_run *ev, const char *epoch)
{
	size_t n, i, k, m, off = 0, over = 0, need = (size_t)ev->p->prompt_min;
	size_t *idx = epoch_window(ev->p, ev->recs, epoch, &n);
	double *x = xmalloc((n ? n : 1) * sizeof(*x));

	/* a state of fewer nights is judged on the nights it has: a one-night blip's state
	 * must not explain tonight's moved prompts by its mean distance alone */
	for (i = 0; i < ev->n_w && n; i++) {
		const struct slot *sl = &ev->w[i];
		int is_over = 0, is_off = 0;

		for (k = 0; k < sl->n_ev; k++) {
			double c;

			if (!sl->ev[k].over)
				continue;
			is_over = 1;
			if (!strcmp(sl->ev[k].signal, "novel")) {
				/* answers the state never gave in its nights are not that state */
				is_off |= unseen_share(ev, sl, idx, n,
						       !strcmp(epoch, ev->base_epoch)) >
					  sl->ev[k].margin;
				continue;
			}
			if (strcmp(sl->ev[k].signal, "distance") && strcmp(sl->ev[k].signal, "mix"))
				continue;
			c = prompt_median(ev->recs, idx, n, sl->id, x, &m);
			is_off |= !m || fabs(sl->res.obs - c) > sl->ev[k].margin;
		}
		over += (size_t)is_over;
		off += (size_t)is_off;
	}
	free(idx);
	free(x);
	if (over && over < need)
		need = over;
	return off < need;
}

/* ---- the evaluation ---------------------------------------------------------------- */

void detect_run_free(struct detect_run *ev)
{
	size_t i;

	if (!ev)
		return;
	for (i = 0; i < ev->n_w; i++) {
		free(ev->w[i].id);
		json_decref(ev->w[i].texts);
		free(ev->w[i].pair_null);
		json_decref(ev->w[i].mix_base);
		json_decref(ev->w[i].mix_night);
		json_decref(ev->w[i].mix_ref);
		json_decref(ev->w[i].nov.unseen);
		detect_rates_slot_release(&ev->w[i]);
	}
	free(ev->w);
	hmap_release(&ev->nw_prompts);
	hmap_release(&ev->nw_answers);
	free(ev->null_sums);
	free(ev->q);
	free(ev->lat);
	free(ev->eps);
	free(ev->history_path);
	free(ev->night_id);
	fingerprint_acc_free(ev->fp_night);
	fingerprint_acc_free(ev->fp_base);
	json_decref(ev->recs);
	json_decref(ev->hard_now);
	json_decref(ev->hard_base);
	json_decref(ev->sketch);
	json_decref(ev->sketch_base);
	json_decref(ev->reg);
	json_decref(ev->reg_before);
	json_decref(ev->commit_rec);
	json_decref(ev->hard_changes);
	free(ev);
}

/* Length and latency figures of tonight's answers to one prompt. The mean length is that of
 * the answers that are not refusals: refusals are a rate of their own, and a vendor that
 * starts refusing (short answers) must not also slide the length series (one change, one
 * signal). */
static void figures_add(struct detect_run *ev, const struct prompt_samples *night)
{
	size_t i;

	if (night->n > ev->samples)
		ev->samples = night->n;
	for (i = 0; i < night->n; i++) {
		const struct sample *sm = &night->samples[i];

		/* a sum of whole numbers: exact, whatever order prompts arrive in */
		if (!refusal_is(ev->p->refusal, sm->text, strlen(sm->text), sm->refused,
				sm->blocked)) {
			ev->len_sum += (double)cp_len(sm->text);
			ev->len_n++;
		}
		if (sm->latency_ms > 0) {
			if (ev->n_lat == ev->cap_lat) {
				ev->cap_lat = ev->cap_lat ? ev->cap_lat * 2 : 256;
				ev->lat = xrealloc(ev->lat, ev->cap_lat * sizeof(*ev->lat));
			}
			ev->lat[ev->n_lat++] = sm->latency_ms;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void figures_finish(struct detect_run *ev)
{
	size_t nl = ev->n_lat;

	ev->mean_len = ev->len_n ? ev->len_sum / (double)ev->len_n : 0;
	ev->lat50 = ev->lat95 = 0;
	if (nl) {
		/* nearest-rank percentiles */
		qsort(ev->lat, nl, sizeof(*ev->lat), cmp_double);
		ev->lat50 = ev->lat[(size_t)ceil(0.50 * (double)nl) - 1];
		ev->lat95 = ev->lat[(size_t)ceil(0.95 * (double)nl) - 1];
	}
}

/* Builds baseline prompt i's stratum, runs its permutation test into the suite's null sums,
 * and keeps its figures in slot i. */
/* A categorical prompt's answers as counts by answer ({hash: n}; 8 hex digits of the FNV-1a
 * hash of the answer's normal form): what the history keeps of a night's mix. */
static json_t *mix_counts(const struct prompt_samples *ps)
{
	json_t *o = json_object();
	char key[16];
	size_t i;

	for (i = 0; ps && i < ps->n; i++) {
		json_int_t c;

		snprintf(key, sizeof(key), "%08x",
			 (unsigned)(hash_fnv1a_str(ps->samples[i].text) & 0xffffffffu));
		c = json_integer_value(json_object_get(o, key));
		json_object_set_new(o, key, json_integer(c + 1));
	}
	return o;
}

/* Tonight against last night's answers when last night suspected a change (kept in its
 * history line, suspect_answers): the same distance as against the baseline (its kind and
 * Hamming length), with its own permutation null, so stage_decide can tell a new state that
 * holds from an endpoint that wanders (wanders). */
static void pair_add(struct detect_run *ev, size_t i, const struct pwork *wb,
		     const struct prompt_samples *night)
{
	struct slot *sl = &ev->w[i];
	const json_t *arr = json_object_get(ev->suspect_answers, sl->id);
	size_t n = json_array_size(arr), k, B = (size_t)ev->p->permutations;
	struct prompt_samples ps;
	struct pwork w;

	if (!n || !json_is_string(json_array_get(arr, 0)))
		return;
	memset(&ps, 0, sizeof(ps));
	ps.prompt_id = sl->id;
	ps.samples = xcalloc(n, sizeof(*ps.samples));
	for (k = 0; k < n; k++) {
		const char *t = json_string_value(json_array_get(arr, k));

		ps.samples[k].index = (int)k;
		ps.samples[k].text = (char *)(t ? t : "");
	}
	ps.n = n;
	memset(&w, 0, sizeof(w));
	w.a = &ps;
	w.b = night;
	w.fixed = 1;
	w.st.dist = wb->st.dist;
	w.L = wb->L;
	pwork_build(ev->p, NULL, &w);
	if (w.st.n_a && w.st.n_b && (w.st.dist == STATS_TV || (w.st.n_a >= 2 && w.st.n_b >= 2))) {
		sl->pair_null = xcalloc(B, sizeof(*sl->pair_null));
		/* its own seed: not the baseline test's permutations again */
		sl->has_pair = stats_perm_stratum(&w.st, i, B, (uint64_t)ev->p->seed + 0x5eed,
						  &sl->pair, sl->pair_null);
	}
	free(w.labels);
	free(w.K);
	free(ps.samples);
}

static void distance_add(struct detect_run *ev, size_t i, const struct prompt_samples *base,
			 const struct prompt_samples *night)
{
	struct slot *sl = &ev->w[i];
	struct pwork w;

	memset(&w, 0, sizeof(w));
	w.a = base;
	w.b = night;
	pwork_build(ev->p, ev->vec, &w);
	ev->asked += night != NULL;
	ev->answered += night && night->n;
	if (w.st.n_a && w.st.n_b && (w.st.dist == STATS_TV || (w.st.n_a >= 2 && w.st.n_b >= 2)))
		ev->active++;
	else
		w.st.n_b = 0; /* too few answers: the stratum sits out */
	if (stats_perm_stratum(&w.st, i, (size_t)ev->p->permutations, (uint64_t)ev->p->seed,
			       &sl->res, ev->null_sums))
		ev->obs_sum += sl->res.obs;
	sl->dist = w.st.dist;
	sl->n_a = w.st.n_a;
	sl->n_b = w.st.n_b;
	sl->n_night = night ? night->n : 0;
	sl->stat = sl->res.obs;
	if (w.st.dist == STATS_TV && w.st.n_b) {
		sl->mix_base = mix_counts(base);
		sl->mix_night = mix_counts(night);
	}
	if (w.st.n_b && ev->p->distance != DIST_EMBEDDING) {
		size_t k;

		sl->texts = json_array();
		for (k = 0; k < night->n; k++)
			json_array_append_new(sl->texts, json_string(night->samples[k].text));
		pair_add(ev, i, &w, night);
	}
	free(w.labels);
	free(w.K);
}

/* The suite's permutation result and the Benjamini-Hochberg q of every baseline prompt (a
 * prompt never added keeps p = 1). */
static void distances_finish(struct detect_run *ev)
{
	size_t i;
	double *pv = xcalloc(ev->n_w ? ev->n_w : 1, sizeof(*pv));

	stats_perm_suite(ev->null_sums, (size_t)ev->p->permutations, ev->obs_sum, ev->active,
			 &ev->suite);
	ev->q = xcalloc(ev->n_w ? ev->n_w : 1, sizeof(*ev->q));
	for (i = 0; i < ev->n_w; i++)
		pv[i] = ev->w[i].res.p;
	stats_bh(pv, ev->n_w, ev->q);
	free(pv);
}

/* ---- logprob test ------------------------------------------------------------------ */

/* Adds the first token's distribution of one answer's logprobs to acc ({token: summed
 * probability}). Accepts OpenAI's {"content": [...]} or the bare array; each position is
 * {"token", "logprob", "top_logprobs": [{"token", "logprob"}]}. Returns 1 when it added. */
static int first_token_add(const json_t *lp, json_t *acc)
{
	const json_t *arr = json_is_object(lp) ? json_object_get(lp, "content") : lp;
	const json_t *first = json_array_get(arr, 0), *top, *t;
	size_t i;

	if (!json_is_object(first))
		return 0;
	top = json_object_get(first, "top_logprobs");
	if (!json_is_array(top) || !json_array_size(top))
		top = NULL;
	for (i = 0; i < (top ? json_array_size(top) : 1); i++) {
		const json_t *e = top ? json_array_get(top, i) : first;
		const char *tok = json_string_value(json_object_get(e, "token"));

		t = json_object_get(e, "logprob");
		if (!tok || !json_is_number(t))
			continue;
		/* a logprob is <= 0; a vendor's larger one would make exp() overflow */
		json_object_set_new(acc, tok,
				    json_real(json_number_value(json_object_get(acc, tok)) +
					      exp(fmin(json_number_value(t), 0))));
	}
	return 1;
}

static size_t first_token_dist(const struct prompt_samples *ps, json_t *acc)
{
	size_t i, n = 0;

	for (i = 0; ps && i < ps->n; i++) {
		if (ps->samples[i].logprobs)
			n += (size_t)first_token_add(ps->samples[i].logprobs, acc);
	}
	return n;
}

/* The logprob statistic is the mean over prompts of the total-variation distance between the
 * baseline's and tonight's average first-token distributions (the mass outside the top tokens
 * counts as one "other" token). One sample already carries the whole distribution, so this is
 * far cheaper per unit of power than comparing sampled answers. logprob_add adds one prompt's
 * distance when both sides have logprobs. */
static void logprob_add(struct detect_run *ev, const struct prompt_samples *base,
			const struct prompt_samples *night)
{
	json_t *a = json_object(), *b = json_object(), *v;
	size_t na = first_token_dist(base, a), nb = first_token_dist(night, b);
	double tv = 0, ma = 0, mb = 0;
	const char *tok;

	if (na && nb) {
		json_object_foreach(a, tok, v)
		{
			double pa = json_number_value(v) / (double)na;
			double pb = json_number_value(json_object_get(b, tok)) / (double)nb;

			tv += fabs(pa - pb);
			ma += pa;
		}
		json_object_foreach(b, tok, v)
		{
			double pb = json_number_value(v) / (double)nb;

			mb += pb;
			if (!json_object_get(a, tok))
				tv += pb;
		}
		tv += fabs(fmax(0, 1 - ma) - fmax(0, 1 - mb));
		ev->lp_sum += 0.5 * tv;
		ev->lp_n++;
	}
	json_decref(a);
	json_decref(b);
}

/* How much wider than the endpoint's spread a deviation dev of tonight's from the current
 * epoch's centre (lv) goes by chance while that epoch is younger than min_history. Its centre
 * is the median of its few nights, off by about a spread over sqrt(nights), so a new night
 * differs from it by sqrt(1 + 1/nights) spreads. The cold start widens the baseline's young
 * epoch so (decide); a later epoch's spread is the endpoint's, pooled over its epochs, so it
 * is not cold, but its centre is as young. Only a deviation away from the baseline (dev > 0:
 * further from it, or more answers it never gave) is widened: that is where a noisy night
 * goes, and where a new alarm would come from; a night back towards the baseline is a return
 * in the making, which must match the state it returns to on every prompt and rate
 * (epoch_matches), so its margin stays as it was. 1 for the baseline's epoch and an epoch of
 * min_history nights. (bench_scenarios --late 20: a held change's nights 3 to 9 alarmed on
 * the mean distance and the novel rate alone several times as often as later nights;
 * tests/bench/DETECTION-ROUNDS.md, "A young later epoch's centre".) */
static double young_widening(const struct detect_run *ev, const struct level *lv, double dev)
{
	if (dev <= 0 || !strcmp(ev->cur_epoch, ev->base_epoch) || !lv->nights ||
	    lv->nights >= (size_t)ev->p->min_history)
		return 1;
	return sqrt(1 + 1 / (double)lv->nights);
}

/* Whether tonight's rate k is off for an epoch: judged against the epoch's nights once
 * there are any (margin: the larger of the rate's margin and `sigmas` spreads, the spread
 * never below the binomial sampling noise), else against the baseline with Fisher's exact
 * test at the conservative alpha. Fills the centre, margin and Fisher p used. */
static int rate_off(const struct detect_run *ev, int k, const char *epoch, double *center,
		    double *m, double *fp)
{
	const struct detect_params *p = ev->p;
	char path[64];
	struct level lv;
	double now = rate_of(&ev->r_night, k), base = rate_of(&ev->r_base, k);
	double rm = k == R_NOVEL ? p->novel_margin : p->rate_margin;
	size_t a = ev->r_base.hit[k], b = ev->r_base.n - a, c = ev->r_night.hit[k],
	       d = ev->r_night.n - c;
	int is_e1 = !strcmp(epoch, ev->base_epoch); /* the baseline's epoch */

	snprintf(path, sizeof(path), "rates.%s", rate_names[k]);
	series_level(p, ev->recs, epoch, path, &lv);
	*fp = stats_fisher_exact(a, b, c, d);
	if (lv.nights) {
		double pc = fmin(fmax(lv.center, 1.0 / (double)(ev->r_night.n + 1)), 1);
		double se = sqrt(pc * (1 - pc) / (double)(ev->r_night.n ? ev->r_night.n : 1));
		double spread = lv.spread >= 0 ? fmax(lv.spread, se) : sqrt(2) * se;

		*center = lv.center;
		if (!strcmp(epoch, ev->cur_epoch))
			spread *= young_widening(ev, &lv, now - lv.center);
		*m = fmax(rm, p->sigmas * spread);
		return fabs(now - lv.center) > *m && (lv.spread >= 0 || !is_e1 || *fp <= p->alpha);
	}
	*center = base;
	*m = rm;
	return *fp <= p->alpha && fabs(now - base) >= rm;
}

static json_t *judge_rate(struct detect_run *ev, int k, int *changed)
{
	double center, m, fp;
	int ch = rate_off(ev, k, ev->cur_epoch, &center, &m, &fp);

	*changed |= ch;
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:b}", "baseline", num(rate_of(&ev->r_base, k)),
			 "night", num(rate_of(&ev->r_night, k)), "center", num(center), "margin",
			 num(m), "p", num(fp), "changed", ch);
}

static const char *const cusum_series[] = { "stat", "mean_len", "rates.refusal", "latency_p50",
					    "latency_p95" };

static double series_now(const struct detect_run *ev, size_t i)
{
	switch (i) {
	case 0:
		return ev->suite.obs;
	case 1:
		return ev->mean_len;
	case 2:
		return rate_of(&ev->r_night, R_REFUSAL);
	case 3:
		return ev->lat50;
	default:
		return ev->lat95;
	}
}

/* Two-sided CUSUM over the nightly series of the current epoch, standardised by the
 * epoch's centre and the pooled spread; the running sums are carried in the history.
 * The behaviour series (the suite statistic, mean length, refusal rate) alarm when they trip.
 * The latency series are reported (d->lat_drifted), never an alarm: a vendor's latency
 * follows its load, which lasts for days (weeks of a busier fleet, weekends, incidents), so
 * a CUSUM of it trips on an unchanged model about twice in a hundred nights (bench_scenarios,
 * whose answers carry such latencies); a bound users care about is a latency check's job. */
static void run_cusum(struct detect_run *ev, struct decision *d)
{
	const struct detect_params *p = ev->p;
	const json_t *last = NULL, *r;
	size_t i, n = json_array_size(ev->recs);

	d->cusum = json_object();
	d->drifted = json_array();
	d->lat_drifted = json_array();
	for (i = n; i-- > 0 && !last;) {
		r = json_array_get(ev->recs, i);
		if (rec_usable(r) && !strcmp(rec_epoch(r), ev->cur_epoch))
			last = r;
	}
	for (i = 0; i < ARRAY_SIZE(cusum_series); i++) {
		const json_t *prev =
			json_object_get(json_object_get(last, "cusum"), cusum_series[i]);
		double hi = json_number_value(json_array_get(prev, 0));
		double lo = json_number_value(json_array_get(prev, 1));
		double now = series_now(ev, i), floor, z;
		struct level lv;
		int alarm;

		if (!p->cusum || d->cold)
			continue;
		series_level(p, ev->recs, ev->cur_epoch, cusum_series[i], &lv);
		/* not on an epoch younger than min_history (at least 3): the median of its few
		 * nights is no level to add a slide up from (a new epoch's second and third
		 * nights drifted from it by chance) */
		if (lv.spread < 0 || lv.nights < (size_t)p->min_history ||
		    (now <= 0 && lv.center <= 0))
			continue;
		/* a floor on the spread: an endpoint that never varied must not turn a tiny
		 * wobble into a huge z */
		floor = i == 0	 ? fmax(p->abs_margin / (p->sigmas > 0 ? p->sigmas : 1),
					ev->suite.null_sd)
			: i == 2 ? p->rate_margin / (p->sigmas > 0 ? p->sigmas : 1)
			: i >= 3 ? fmax(0.05 * fabs(lv.center), LATENCY_FLOOR_MS)
				 : 0.02 * fabs(lv.center) + 1e-9;
		z = (now - lv.center) / (lv.spread > floor ? lv.spread : floor);
		/* winsorised: one wild night must not trip a detector meant for slow slides
		 * (single nights are the margin test's job) */
		z = fmax(-3, fmin(3, z));
		alarm = stats_cusum_step(&hi, &lo, z, p->cusum_k, p->cusum_h);
		if (alarm && i >= 3)
			json_array_append_new(d->lat_drifted,
					      json_pack("{s:s,s:o,s:o,s:b}", "series",
							cusum_series[i], "night", num(now), "usual",
							num(lv.center), "up", now > lv.center));
		else if (alarm)
			json_array_append_new(d->drifted, json_string(cusum_series[i]));
		json_object_set_new(d->cusum, cusum_series[i],
				    json_pack("[o,o]", num(alarm ? 0 : hi), num(alarm ? 0 : lo)));
	}
	d->drift = json_array_size(d->drifted) > 0;
}

/* Prompt i's evidence of signal `signal` ("novel" or "mix") that is beyond doubt on its own,
 * over its margin; NULL: none. prompt_min guards against one prompt's mix wandering on a
 * lumpy night, its p-value from a dozen of its own nights. Two kinds of evidence need no
 * second prompt:
 * - "novel": a share of answers the prompt never gave in its baseline or any trailing
 *   night, that far beyond its nights' own share, is a new behaviour, however few prompts
 *   show it (novel_alone, at q <= prompt_alpha * NOVEL_ALONE);
 * - "mix" on a modelled prompt: its p-value comes from draws of its reference's mix
 *   wandering as the endpoint's nights do (mix_model_p), so one prompt at BH q <=
 *   prompt_alpha is a false alarm on at most prompt_alpha of unchanged nights, the level
 *   of the rule for prompt_min prompts (mix_alone, at prompt_alpha * MIX_ALONE), when
 *   none of tonight's answers is one the reference never gave: its model draws none of
 *   those, so a few new wordings would come out beyond any p; they are the unseen answers'
 *   evidence, at its own level. */
const struct evidence *detect_alone_evidence(const struct detect_run *ev, size_t i,
					     const char *signal)
{
	const struct slot *sl = &ev->w[i];
	int mix = !strcmp(signal, "mix");
	double q_max = ev->p->prompt_alpha * (mix ? MIX_ALONE : NOVEL_ALONE);
	size_t k;

	if (mix && (!sl->modelled || sl->nov.k))
		return NULL;
	for (k = 0; k < sl->n_ev; k++)
		if (sl->ev[k].over && sl->ev[k].q <= q_max && !strcmp(sl->ev[k].signal, signal))
			return &sl->ev[k];
	return NULL;
}

/* Whether one prompt's evidence of signal `signal` is enough alone (detect_alone_evidence). */
static int evidence_alone(const struct detect_run *ev, const char *signal)
{
	size_t i;

	for (i = 0; i < ev->n_w; i++)
		if (detect_alone_evidence(ev, i, signal))
			return 1;
	return 0;
}

/* Whether the JSON array of prompt IDs names id. */
static int names_prompt(const json_t *named, const char *id)
{
	const json_t *v;
	size_t j;

	json_array_foreach(named, j, v)
	{
		if (json_is_string(v) && !strcmp(json_string_value(v), id))
			return 1;
	}
	return 0;
}

/* A prompt's smallest p-value over its signals judged against its own nights, Bonferroni
 * over them (at most 1), among the pieces that moved beyond their margin (beyond_margin) or
 * up at all; *which: that piece (SIZE_MAX: none, p 1). */
static double prompt_p(const struct slot *sl, int beyond_margin, size_t *which)
{
	double best = 1;
	size_t k;

	*which = SIZE_MAX;
	if (!sl->n_ev || sl->ev[0].level)
		return 1;
	for (k = 0; k < sl->n_ev; k++) {
		const struct evidence *e = &sl->ev[k];

		if (e->effect <= (beyond_margin ? e->margin : 0))
			continue;
		if (e->p * (double)sl->n_ev < best) {
			best = e->p * (double)sl->n_ev;
			*which = k;
		}
	}
	return fmin(1, best);
}

struct ranked {
	double p;
	size_t i, piece; /* the slot, and its piece behind p (prompt_p) */
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->p, y = ((const struct ranked *)b)->p;

	return (x > y) - (x < y);
}

/* The prompts a night without an alarm watches: those whose p-value (prompt_p, moved up at
 * all) is at most WATCH_P, the WATCH_MAX smallest, when prompt_min of them are (a new array);
 * NULL when fewer are. A change confined to a few prompts is often short of the alarm on its
 * first night, its prompts near the top all the same; which ones they are is fixed tonight,
 * before tomorrow's answers, so tomorrow tests them alone (watch_test) as a suspicion's
 * prompts are tested. */
static json_t *watch_set(const struct detect_run *ev)
{
	struct ranked *v = xmalloc((ev->n_w + 1) * sizeof(*v));
	size_t i, m = 0, c = 0, r = (size_t)ev->p->prompt_min;
	json_t *out = NULL;

	for (i = 0; i < ev->n_w; i++) {
		if (!ev->w[i].n_ev || ev->w[i].ev[0].level)
			continue;
		v[m].p = prompt_p(&ev->w[i], 0, &v[m].piece);
		v[m++].i = i;
	}
	qsort(v, m, sizeof(*v), cmp_ranked);
	while (c < m && c < WATCH_MAX && v[c].p <= WATCH_P)
		c++;
	if (r >= 1 && c >= r) {
		out = json_array();
		for (i = 0; i < c; i++)
			json_array_append_new(out, json_string(ev->w[v[i].i].id));
	}
	free(v);
	return out;
}

/* The night after a watch (its history line's watched_prompts) with no suspicion pending: the
 * k watched prompts, a family fixed before tonight's answers, tested alone: Wilkinson's test
 * of the prompt_min-th smallest of their p-values (prompt_p, beyond the margin) over k, at
 * prompt_alpha. Marks the prompts at or below it moved and returns how many (0: the test
 * fails); *added counts those not already over, *of the watched prompts judged tonight. */
static int watch_test(struct detect_run *ev, int *added, int *of)
{
	size_t n = json_array_size(ev->recs), i, k = 0, r = (size_t)ev->p->prompt_min;
	const json_t *last = n ? json_array_get(ev->recs, n - 1) : NULL;
	const json_t *named = json_object_get(last, "watched_prompts");
	struct ranked *v;
	int moved = 0;

	*added = *of = 0;
	if (ev->suspect[0] || !json_array_size(named) || r < 1)
		return 0;
	v = xmalloc((ev->n_w + 1) * sizeof(*v));
	for (i = 0; i < ev->n_w; i++) {
		if (!ev->w[i].n_ev || ev->w[i].ev[0].level || !names_prompt(named, ev->w[i].id))
			continue;
		v[k].p = prompt_p(&ev->w[i], 1, &v[k].piece);
		v[k++].i = i;
	}
	qsort(v, k, sizeof(*v), cmp_ranked);
	*of = (int)k;
	if (k >= r && v[r - 1].p < 1 && wilkinson(k, r, v[r - 1].p) <= ev->p->prompt_alpha) {
		for (i = 0; i < k && v[i].p <= v[r - 1].p; i++) {
			struct evidence *e = &ev->w[v[i].i].ev[v[i].piece];

			*added += !e->over;
			e->over = 1;
			moved++;
		}
	}
	free(v);
	return moved;
}

/* The night after a suspicion raised by per-prompt evidence: the prompts it named are a
 * hypothesis fixed before tonight's answers, so each is tested alone (Bonferroni over them,
 * not Benjamini-Hochberg over every prompt): one still beyond its margin at p <=
 * prompt_alpha / k keeps the suspicion standing. Under no change the chance of that is at most
 * prompt_alpha. Marks those prompts over (*added: how many were not yet); returns how many of
 * them are over. */
static int confirm_prompts(struct detect_run *ev, int *added)
{
	size_t n = json_array_size(ev->recs), i, k;
	const json_t *last = n ? json_array_get(ev->recs, n - 1) : NULL;
	const json_t *named = json_object_get(last, "suspected_prompts");
	int still = 0;

	*added = 0;
	if (!ev->suspect[0] || !json_array_size(named))
		return 0;
	k = json_array_size(named);
	for (i = 0; i < ev->n_w; i++) {
		struct slot *sl = &ev->w[i];
		int over = 0, was;
		size_t x;

		if (!sl->n_ev || sl->ev[0].level || !names_prompt(named, sl->id))
			continue;
		/* each named prompt is one test tonight (at fdr over the k named, as the named
		 * rates are: a hypothesis fixed the night before), Bonferroni over its signals */
		for (x = 0; x < sl->n_ev; x++)
			over |= sl->ev[x].over;
		was = over;
		if (!over && prompt_p(sl, 1, &x) <= ev->p->fdr / (double)k)
			over = sl->ev[x].over = 1;
		*added += over && !was;
		still += over;
	}
	return still;
}

static int consecutive_above(const struct detect_run *ev)
{
	size_t n = json_array_size(ev->recs);
	const json_t *last = n ? json_array_get(ev->recs, n - 1) : NULL;

	/* last night's suspected epoch is not the current one, yet its count carries on */
	if (!last || (strcmp(rec_epoch(last), ev->cur_epoch) && !ev->suspect[0]))
		return 0;
	return (int)json_integer_value(json_object_get(last, "above"));
}

/* Finds an epoch without nights in this history (one from before the baseline) whose
 * behaviour the given hard signals and sketch show: its hard signals known, its sketch the
 * same (fingerprint_sketch_same; distances measured against another baseline say nothing
 * about tonight's), the best agreeing one. Returns its index in ev->eps or -1. */
static int match_registry(const struct detect_run *ev, const json_t *hard, const json_t *sketch)
{
	double best_agree = -1;
	int best = -1;
	size_t e;

	for (e = 0; e < ev->n_eps; e++) {
		const json_t *ent = history_epochs_find(ev->reg, ev->eps[e].id);
		json_t *eh = json_object_get(ent, "hard"), *es = json_object_get(ent, "sketch");
		json_t *known;
		double agree;
		int diff;

		if (ev->eps[e].nights || !strcmp(ev->eps[e].id, ev->cur_epoch) ||
		    !json_is_object(eh) || !json_is_object(es))
			continue;
		known = json_pack("[O]", eh);
		diff = fingerprint_hard_diff(known, hard, NULL);
		json_decref(known);
		if (diff || !fingerprint_sketch_same(es, sketch))
			continue;
		agree = fingerprint_sketch_agreement(es, sketch);
		if (agree >= best_agree) {
			best_agree = agree;
			best = (int)e;
		}
	}
	return best;
}

/* Whether tonight matches epoch e of this history: hard signals known there, statistic,
 * rates and each prompt's rates within its margins. */
static int epoch_matches(struct detect_run *ev, const struct decision *d, size_t e)
{
	struct level lv;
	json_t *known;
	int hard, off = 0;
	double c, m, fp;
	size_t k;

	if (!strcmp(ev->eps[e].id, ev->cur_epoch))
		return 0;
	series_level(ev->p, ev->recs, ev->eps[e].id, "stat", &lv);
	if (!lv.nights)
		return 0;
	known = epoch_known(ev->p, ev->recs, ev->eps[e].id, ev->base_epoch, ev->hard_base);
	hard = fingerprint_hard_diff(known, ev->hard_now, NULL);
	json_decref(known);
	if (hard)
		return 0;
	if (ev->enough &&
	    (fabs(ev->suite.obs - lv.center) > margin_for(ev->p, lv.center, d->spread, d->cold) ||
	     !prompts_match(ev, ev->eps[e].id)))
		return 0;
	for (k = 0; k < R_N && !off; k++)
		off = rate_off(ev, (int)k, ev->eps[e].id, &c, &m, &fp);
	/* and each prompt's rates (refusals in plain text, fences) as that epoch had them */
	return !off && !detect_rates_off(ev, ev->eps[e].id) &&
	       detect_rates_explained(ev, ev->eps[e].id);
}

/* Finds an older epoch tonight matches (epoch_matches): first the state the current epoch
 * came from (its first night's `from`), then this history's others, newest first, else one
 * from before the baseline (match_registry). Returns its index or -1. On an endpoint whose
 * nights wander, a one-night state (a retracted suspicion) can match as well as the state
 * the endpoint left: a change taken back is back at that state, not at the blip. */
static int match_older(struct detect_run *ev, const struct decision *d)
{
	const char *from = json_string_value(json_object_get(detect_epoch_first(ev), "from"));
	size_t e;

	for (e = 0; from && e < ev->n_eps; e++)
		if (!strcmp(ev->eps[e].id, from) && epoch_matches(ev, d, e))
			return (int)e;
	for (e = ev->n_eps; e-- > 0;)
		if (!(from && !strcmp(ev->eps[e].id, from)) && epoch_matches(ev, d, e))
			return (int)e;
	e = (size_t)match_registry(ev, ev->hard_now, ev->sketch);
	/* the baseline's epoch before it has nights: its baseline's rates too */
	if (e != (size_t)-1 &&
	    (detect_rates_off(ev, ev->eps[e].id) || !detect_rates_explained(ev, ev->eps[e].id)))
		return -1;
	return (int)e;
}

/* The logprob test (suite option "logprobs"): tonight's logprob statistic against the
 * epoch's nights (margin: logprob_margin or `sigmas` spreads), or against logprob_margin
 * alone before there is history. */
static void judge_logprobs(struct detect_run *ev, struct decision *d)
{
	const struct detect_params *p = ev->p;
	struct level lv;
	size_t n = ev->lp_n;
	double m = p->logprob_margin;

	/* -1: no prompt has logprobs on both sides */
	ev->lp_stat = n ? ev->lp_sum / (double)n : -1;
	if (ev->lp_stat < 0) {
		d->logprobs = json_pack("{s:I}", "prompts", (json_int_t)0);
		return;
	}
	series_level(p, ev->recs, ev->cur_epoch, "logprob", &lv);
	if (lv.nights && lv.spread >= 0)
		m = fmax(m, p->sigmas * lv.spread);
	d->lp_change = ev->lp_stat - (lv.nights ? lv.center : 0) > m;
	d->logprobs = json_pack("{s:I,s:o,s:o,s:o,s:b}", "prompts", (json_int_t)n, "stat",
				num(ev->lp_stat), "center", num(lv.nights ? lv.center : 0),
				"margin", num(m), "changed", d->lp_change);
}

static const json_t *recent_unstable(const struct detect_run *ev);

/* The night that opened the current epoch (detect_int.h). */
const json_t *detect_epoch_first(const struct detect_run *ev)
{
	size_t i = json_array_size(ev->recs);
	const json_t *first = NULL;
	const char *stage;

	for (; i > 0; i--) {
		const json_t *r = json_array_get(ev->recs, i - 1);

		if (strcmp(rec_epoch(r), ev->cur_epoch))
			break;
		first = r;
	}
	/* a run a retraction or a return began (a lumpy night's suspicion, retracted, leaves the
	 * epoch for a night): the suspicion that opened the epoch, in an earlier run, when the
	 * next night confirmed it (a state, not a night's blip) and the endpoint is in no
	 * unstable episode (its nights wander: no state to go back to). Its return is to the
	 * state that suspicion left, judged on what it named; the run's first night names none
	 * (bench_scenarios --late 12: sim-fence10's return recognised on 15 of 40 confirmed
	 * changes from the run's first night, 32 from the opening) */
	if ((first && json_object_get(first, "from")) || recent_unstable(ev))
		return first;
	for (; i > 0; i--) {
		const json_t *r = json_array_get(ev->recs, i - 1);
		const json_t *next = json_array_get(ev->recs, i);

		if (strcmp(rec_epoch(r), ev->cur_epoch) || !json_object_get(r, "from"))
			continue;
		stage = json_string_value(json_object_get(next, "stage"));
		if (next && !strcmp(rec_epoch(next), ev->cur_epoch) && stage &&
		    !strcmp(stage, detect_stage_name(DETECT_STAGE_CONFIRMED)))
			return r;
		break;
	}
	return first;
}

/* Adds one window's answer counts of prompt id to pool ({hash: count}). */
static void pool_answers(const json_t *recs, const size_t *idx, size_t n, const char *id,
			 json_t *pool)
{
	size_t j;

	for (j = 0; j < n; j++)
		mix_add(pool,
			json_object_get(json_object_get(json_array_get(recs, idx[j]), "answers"),
					id));
}

/* Tonight's answers' log-likelihood under a state's pooled answers (smoothed by half an
 * answer over the k answers either state or tonight gave). */
static double pool_loglik(const json_t *night, const json_t *pool, double k)
{
	double n = mix_n(pool), ll = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)night, key, v) ll +=
		(double)json_integer_value(v) *
		log(((double)json_integer_value(json_object_get(pool, key)) + 0.5) / (n + 0.5 * k));
	return ll;
}

/* A night's answers (counts by hash) log-likelihood ratio under two states' pooled answers,
 * a's over b's, each smoothed by half an answer over the answers any of the three gave. */
static double mix_llr(const json_t *night, const json_t *a, const json_t *b)
{
	json_t *all = json_deep_copy(a);
	double k, llr;

	json_object_update(all, (json_t *)b);
	json_object_update(all, (json_t *)night);
	k = (double)json_object_size(all);
	llr = pool_loglik(night, a, k) - pool_loglik(night, b, k);
	json_decref(all);
	return llr;
}

/* Which of two states a categorical prompt's answers tonight are likelier under: the state
 * before a young epoch (its window's answers, and the baseline's when it is the baseline's
 * state) or the young epoch (its nights' answers). 1: the state before, 0: the young epoch,
 * -1: not categorical or no answers kept. *llr: the log-likelihood ratio, the state before's
 * over the young epoch's (0 with -1). The answers' mix, not their distance from the
 * baseline: ten answers of a mix that moved come out at the old state's usual distance
 * now and then, seldom likelier under its mix. With run (n_run nights, detect_epoch_run), each
 * of those nights' ratio is added to llr_run[j] too. */
static int likelier_before(const struct detect_run *ev, const struct slot *sl, const size_t *old,
			   size_t np, const size_t *cur, size_t nc, const char *prev, double *llr,
			   const size_t *run, size_t n_run, double *llr_run)
{
	json_t *a, *b, *m;
	size_t j;
	int r = -1;

	*llr = 0;
	if (!json_object_size(sl->mix_night))
		return -1;
	a = !strcmp(prev, ev->base_epoch) && sl->mix_base ? json_deep_copy(sl->mix_base)
							  : json_object();
	b = json_object();
	pool_answers(ev->recs, old, np, sl->id, a);
	pool_answers(ev->recs, cur, nc, sl->id, b);
	if (json_object_size(a) && json_object_size(b)) {
		*llr = mix_llr(sl->mix_night, a, b);
		r = *llr >= 0;
		for (j = 0; j < n_run; j++) {
			m = json_object_get(json_object_get(json_array_get(ev->recs, run[j]),
							    "answers"),
					    sl->id);
			if (json_object_size(m))
				llr_run[j] += mix_llr(m, a, b);
		}
	}
	json_decref(a);
	json_decref(b);
	return r;
}

/* The prompts that made the young epoch: those its suspicion named (`suspected_prompts` on its
 * first night) and those that confirmed it (`confirmed_prompts`). A suspicion raised on a lumpy
 * night may name a prompt that moved by its own noise and be confirmed the next night by the
 * prompts that did change: judged on the suspicion's alone, a change that holds looked taken
 * back. A new array. */
static json_t *epoch_named(const struct detect_run *ev, const json_t *first)
{
	json_t *named = json_array(), *id;
	size_t i = json_array_size(ev->recs), j, k;

	json_array_extend(named, json_object_get(first, "suspected_prompts"));
	while (i-- > 0) {
		const json_t *r = json_array_get(ev->recs, i);

		if (strcmp(rec_epoch(r), ev->cur_epoch))
			break;
		json_array_foreach(json_object_get(r, "confirmed_prompts"), j, id)
		{
			int have = 0;

			for (k = 0; k < json_array_size(named) && !have; k++)
				have = json_equal(json_array_get(named, k), id);
			if (!have)
				json_array_append(named, id);
		}
	}
	return named;
}

#define BACK_LR 1000.0

/* Tonight's evidence of the prompts named (named_back): of those that tell the two states
 * apart, how many, how many are nearer prev, how many are categorical and how many of the
 * others are nearer, and the categorical ones' log-likelihood ratio summed (prev's over the
 * epoch's). With run (n_run nights, detect_epoch_run), each of those nights' categorical
 * ratio is added to llr_run[j] too. */
struct named_tonight {
	size_t apart, nearer, cat, other_near;
	double llr;
};

static void named_judge(const struct detect_run *ev, const json_t *named, const char *prev,
			const size_t *run, size_t n_run, double *llr_run, struct named_tonight *t)
{
	size_t i, j, nc, np, m1, m2;
	const json_t *id;
	size_t *cur = epoch_window(ev->p, ev->recs, ev->cur_epoch, &nc);
	size_t *old = epoch_window(ev->p, ev->recs, prev, &np);
	double *x = xmalloc((nc + np + 1) * sizeof(*x)), llr;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ev->n_w; i++) {
		const struct slot *sl = &ev->w[i];
		double mc, mp;
		int listed = 0, like;

		json_array_foreach(named, j, id)
			listed |= json_is_string(id) && !strcmp(json_string_value(id), sl->id);
		if (!listed || !sl->n_b)
			continue;
		mc = prompt_median(ev->recs, cur, nc, sl->id, x, &m1);
		mp = prompt_median(ev->recs, old, np, sl->id, x, &m2);
		if (!m1 || !m2 || fabs(mc - mp) <= ev->p->prompt_floor)
			continue;
		t->apart++;
		like = likelier_before(ev, sl, old, np, cur, nc, prev, &llr, run, n_run, llr_run);
		if (like >= 0) {
			t->nearer += (size_t)like;
			t->cat++;
			t->llr += llr;
		} else if (fabs(sl->res.obs - mp) < fabs(sl->res.obs - mc) &&
			   fabs(sl->res.obs - mc) > ev->p->prompt_floor) {
			t->nearer++;
			t->other_near++;
		}
	}
	free(cur);
	free(old);
	free(x);
}

/* Whether the prompts that made the epoch (epoch_named) are back at the state prev it came
 * from, of those that the two states tell apart (usual distances from the baseline more than
 * prompt_floor apart): a categorical prompt's answers tonight likelier under the old state's
 * (likelier_before), any other's distance nearer the old state's usual distance than the
 * epoch's, by more than prompt_floor from the latter. Back: every one is; or every one that is
 * not categorical is, and the categorical ones' answers together are at least BACK_LR times
 * likelier under the old state (the product of their likelihood ratios): a suspicion raised on
 * a lumpy night may name a prompt that moved by its own noise, which need not come back with
 * the change. When every one is categorical, their answers together decide (BACK_LR): each
 * likelier under the old state is not enough, a young epoch's state being estimated from a
 * few nights (two moved prompts' ten answers each came out 100 to 130 times likelier under
 * the state before on the third night of a change that holds,
 * test_young_hold_not_back). Young or not: a state of two weeks taken back moves its few
 * prompts no further against that state's nights than the change moved them against the
 * baseline's, too few for an alarm on most nights (bench_scenarios --late 12: cat-new2's
 * return recognised within four nights on 26 of 37 confirmed changes when a young epoch alone
 * was judged so). An epoch with min_history nights of its own has many nights on which its
 * prompts may look back by chance: there the categorical ones' evidence adds up over the
 * nights since the endpoint entered it (detect_cusum_back) in place of tonight's alone.
 * 1: back, 0: not, -1: none tells the states apart. */
static int named_back(const struct detect_run *ev, const json_t *named, const char *prev)
{
	size_t n_run, *run = detect_epoch_run(ev, &n_run);
	double *llr_run = run ? xcalloc(n_run + 1, sizeof(*llr_run)) : NULL;
	struct named_tonight t;
	int r;

	named_judge(ev, named, prev, run, n_run, llr_run, &t);
	if (!t.apart)
		r = -1;
	else if (run && t.cat) {
		llr_run[n_run] = t.llr;
		r = t.other_near == t.apart - t.cat && detect_cusum_back(llr_run, n_run + 1);
	} else
		/* each one nearer is enough only beside prompts that are not categorical */
		r = (t.cat < t.apart && t.nearer == t.apart) ||
		    (t.cat && t.other_near == t.apart - t.cat && t.llr > log(BACK_LR));
	free(run);
	free(llr_run);
	return r;
}

/* The rates of a suspicion (suspected_rates) but novel answers: beside named prompts a weak
 * signal, which falls back by itself the night after it was named (a new array). */
static json_t *rates_but_novel(const json_t *rates)
{
	json_t *out = json_array(), *o;
	size_t i;

	json_array_foreach(rates, i, o)
	{
		const char *sig = json_string_value(json_object_get(o, "signal"));

		if (!sig || strcmp(sig, detect_rate_signals[RS_NOVEL]))
			json_array_append(out, o);
	}
	return out;
}

/* Whether tonight is back at the state the epoch came from: the epoch's first night (its
 * suspicion, detect_epoch_first) names that state (`from`), and each prompt that made the
 * epoch is back (named_back), or the rates it named are. A change confined to a few prompts,
 * taken back, moves too few prompts against a young epoch's short history, or a later
 * state's own spreads, to raise an alarm; it is a return all the same. Fills prev (the old
 * state's ID). */
static int taken_back(const struct detect_run *ev, char *prev, size_t len)
{
	const json_t *first = detect_epoch_first(ev), *rates;
	json_t *named, *strong;
	int back;

	if (!json_is_string(json_object_get(first, "from")))
		return 0;
	snprintf(prev, len, "%s", json_string_value(json_object_get(first, "from")));
	rates = json_object_get(first, "suspected_rates");
	named = epoch_named(ev, first);
	/* a suspicion raised by rates: those rates back where they were */
	if (!json_array_size(named)) {
		json_decref(named);
		return detect_rates_back(ev, rates, prev);
	}
	back = named_back(ev, named, prev);
	json_decref(named);
	/* beside named prompts, the rates it named but novel answers: those fall back by
	 * themselves (a change of two prompts' answers says a few new words the night it is
	 * named, fewer the next), and a change that holds was taken for a return */
	strong = rates_but_novel(rates);
	/* named prompts whose usual distances do not tell the two states apart (a few refusals
	 * move a prompt's distance less than prompt_floor) leave it to the rates it named; a
	 * suspicion raised by prompts and rates together: either back will do (a prompt named on
	 * a lumpy night may have moved by its own noise, not with the change); the night must
	 * still match that state (match_older) */
	if (back < 0)
		back = 0;
	back = back || (json_array_size(strong) && detect_rates_back(ev, strong, prev));
	json_decref(strong);
	return back;
}

/* Whether tonight still shows the current epoch's change against the state it came from
 * (prev): the categorical prompts that made it (epoch_named) answer at least BACK_LR times
 * likelier under the epoch's nights than under that state's. A night over its margins
 * against a state that holds (a lumpy night's other prompts) may match the state before it
 * on the whole, two moved prompts being too few to tell; their answers tell it. */
static int still_changed(const struct detect_run *ev, const char *prev)
{
	const json_t *first = detect_epoch_first(ev);
	const char *from = json_string_value(json_object_get(first, "from"));
	json_t *named;
	struct named_tonight t = { 0 };

	if (!from || strcmp(from, prev))
		return 0;
	named = epoch_named(ev, first);
	if (json_array_size(named))
		named_judge(ev, named, prev, NULL, 0, NULL, &t);
	json_decref(named);
	return t.llr < -log(BACK_LR);
}

/* Whether tonight, still changed against the state before last night's suspicion, is not
 * the state suspected: over the prompts that moved (tonight's, or named by the suspicion),
 * tonight's answers differ from the suspected night's beyond sampling noise (stratified
 * permutation p <= fdr), and the prompts far from both nights (each prompt's lesser excess
 * over sampling noise, from the suspected night's answers and from the baseline's) make at
 * least WANDER_SHARE of how far tonight is from the baseline over them. A new state holds
 * from one night to the next (its prompts near the suspected night's answers), a change
 * partly taken back has prompts near the baseline's; an endpoint whose answers wander is
 * as far from last night as from its baseline on every prompt. Fills d->w_* (w_n 0: no
 * prompt could be compared). */
#define WANDER_SHARE 0.5
static int wanders(const struct detect_run *ev, struct decision *d)
{
	size_t n = json_array_size(ev->recs), B = (size_t)ev->p->permutations, i, b;
	const json_t *named =
		json_object_get(n ? json_array_get(ev->recs, n - 1) : NULL, "suspected_prompts");
	double *sums = xcalloc(B, sizeof(*sums)), obs = 0, es = 0, eb = 0, ob = 0, xs, xb, u;
	size_t nc, m, *cur = epoch_window(ev->p, ev->recs, ev->cur_epoch, &nc);
	double *x = xmalloc((nc + 1) * sizeof(*x));
	struct stats_perm_result r;

	d->w_n = 0;
	for (i = 0; i < ev->n_w; i++) {
		const struct slot *sl = &ev->w[i];

		if (!sl->has_pair || !sl->n_b ||
		    !(names_prompt(d->moved, sl->id) || names_prompt(named, sl->id)))
			continue;
		for (b = 0; b < B; b++)
			sums[b] += sl->pair_null[b];
		obs += sl->pair.obs;
		ob += sl->res.obs;
		/* beyond what an ordinary night of the state before gives: its usual distance
		 * from the baseline (two nights of one state differ by their serving noise as
		 * well as by sampling), or sampling noise alone before it has two nights */
		u = prompt_median(ev->recs, cur, nc, sl->id, x, &m);
		if (m < 2)
			u = 0;
		xs = fmax(sl->pair.obs - fmax(sl->pair.null_mean, u), 0);
		xb = fmax(sl->res.obs - fmax(sl->res.null_mean, u), 0);
		/* far from both: a prompt back at the baseline's answers (a partial return) or
		 * at the suspected night's (the new state) is no wandering */
		es += fmin(xs, xb);
		eb += xb;
		d->w_n++;
	}
	if (d->w_n) {
		stats_perm_suite(sums, B, obs, d->w_n, &r);
		d->w_s = r.obs;
		d->w_b = ob / (double)d->w_n;
		d->w_p = r.p;
	}
	free(sums);
	free(cur);
	free(x);
	return d->w_n && eb > 0 && d->w_p <= ev->p->fdr && es >= WANDER_SHARE * eb;
}

/* Suspected, confirmed, retracted. A night over its margins against the current state is a
 * change only when it is no state the endpoint has shown before (match_older: one of this
 * history's epochs, or the registry's): a return to a known state is no alarm, and marks the
 * endpoint multi-state. A new state is suspected on its first night (a tentative epoch); the
 * next night, judged against the state before it, confirms it (still changed: the epoch
 * stands, dated by the suspected night) or retracts it (back at the old state; the one night
 * stays in the registry as a state the endpoint has shown). */
static void stage_decide(struct detect_run *ev, struct decision *d)
{
	int alarm = d->hard || d->stat_change || d->drift, e;
	char prev[64];

	if (!alarm) {
		if (ev->suspect[0]) {
			d->stage = DETECT_STAGE_RETRACTED;
			return;
		}
		/* a young epoch taken back: the state it came from, if tonight matches it */
		if (taken_back(ev, prev, sizeof(prev))) {
			e = match_older(ev, d);
			if (e >= 0 && !strcmp(ev->eps[e].id, prev)) {
				d->returned = d->multi_state = 1;
				snprintf(d->epoch, sizeof(d->epoch), "%s", ev->eps[e].id);
				snprintf(d->since, sizeof(d->since), "%s", ev->eps[e].since);
			}
		}
		return;
	}
	e = match_older(ev, d);
	/* the state before the current epoch's change, while the prompts that made it still show
	 * the change: not that state (a lumpy night of a change that holds, over its margins
	 * against it, was taken for a return: labels-move2 with --late 12 --hold) */
	if (e >= 0 && !ev->suspect[0] && still_changed(ev, ev->eps[e].id))
		e = -1;
	if (e >= 0 && !(ev->suspect[0] && !strcmp(ev->eps[e].id, ev->suspect))) {
		d->returned = d->multi_state = 1;
		d->stage = ev->suspect[0] ? DETECT_STAGE_RETRACTED : DETECT_STAGE_NONE;
		snprintf(d->epoch, sizeof(d->epoch), "%s", ev->eps[e].id);
		snprintf(d->since, sizeof(d->since), "%s", ev->eps[e].since);
		return;
	}
	/* a suspicion not borne out by a hard signal or the rates it named, before the
	 * endpoint's own night-to-night variation can be measured (no prompt has min_history
	 * nights: cold start): tonight must be the state suspected, not one more night of an
	 * endpoint that wanders (an unstable night, which retracts it). Once that variation is
	 * measured, an endpoint that wanders is unstable by it, and a night far from both the
	 * suspected night and the state before is a change all the same. */
	if (ev->suspect[0] && !ev->od_prompts && !d->hard && !d->rates_confirmed &&
	    wanders(ev, d)) {
		d->wandered = d->unstable = 1;
		d->stage = DETECT_STAGE_RETRACTED;
		return;
	}
	d->new_epoch = 1;
	/* last night suspected on noise, tonight a change of its own: tonight's alarm rests on
	 * rates alone that moved since that night (detect_rates_since_suspect). Confirmed, the
	 * change would be dated by a night without it, and its epoch's reference (that night and
	 * tonight) would be off against the nights after, a new suspicion each time. */
	if (ev->suspect[0] && !d->hard && !d->above && !d->drift && !d->lp_change &&
	    !d->rates_confirmed && d->rate_change && detect_rates_since_suspect(ev, d)) {
		d->resuspected = 1;
		d->stage = DETECT_STAGE_SUSPECTED;
		/* an epoch of its own: the suspected night stays a one-night state, as a
		 * retracted one does, out of this one's reference */
		fingerprint_epoch_next(ev->eps, ev->n_eps, d->epoch, sizeof(d->epoch));
		snprintf(d->since, sizeof(d->since), "%s", ev->night_id);
		return;
	}
	if (ev->suspect[0]) {
		d->stage = DETECT_STAGE_CONFIRMED;
		snprintf(d->epoch, sizeof(d->epoch), "%s", ev->suspect);
		snprintf(d->since, sizeof(d->since), "%s", ev->suspect_night);
		return;
	}
	d->stage = DETECT_STAGE_SUSPECTED;
	fingerprint_epoch_next(ev->eps, ev->n_eps, d->epoch, sizeof(d->epoch));
	snprintf(d->since, sizeof(d->since), "%s", ev->night_id);
}

/* The latest of the last min_history nights of the history that was unstable (nights too young
 * to measure the prompts' variation not counted); NULL: none. */
static const json_t *recent_unstable(const struct detect_run *ev)
{
	size_t n = json_array_size(ev->recs), i, k = (size_t)ev->p->min_history, seen = 0;

	for (i = n; i-- > 0 && seen < (k ? k : 1) && n - i <= (size_t)ev->p->window;) {
		const json_t *r = json_array_get(ev->recs, i);
		const char *v = json_string_value(json_object_get(r, "verdict"));
		const json_t *od = json_object_get(r, "overdispersion");

		if (v && !strcmp(v, detect_verdict_name(DETECT_UNSTABLE)))
			return r;
		/* a night too young to measure its prompts' own variation (null: no prompt had
		 * min_history nights) neither ends an episode nor counts towards its end: an
		 * endpoint found wandering on its second night is the same episode once its
		 * variation can be measured (lines written before carry no such key: counted) */
		seen += !json_is_null(od);
	}
	return NULL;
}

/* A multi-state endpoint (tonight, or a night of the last `window`, returned to a known
 * state): the states it served over those nights, in order of first appearance. */
static void states_list(const struct detect_run *ev, struct decision *d)
{
	size_t n = json_array_size(ev->recs), i, j, from;
	const char *id;
	json_t *s;

	from = n > (size_t)ev->p->window ? n - (size_t)ev->p->window : 0;
	for (i = from; i < n && !d->multi_state; i++)
		d->multi_state =
			json_is_true(json_object_get(json_array_get(ev->recs, i), "returned"));
	d->states = json_array();
	if (!d->multi_state)
		return;
	for (i = from; i <= n; i++) {
		int seen = 0;

		id = i < n ? rec_epoch(json_array_get(ev->recs, i)) : d->epoch;
		json_array_foreach(d->states, j, s) seen |= !strcmp(json_string_value(s), id);
		if (!seen)
			json_array_append_new(d->states, json_string(id));
	}
}

/* On an endpoint in an unstable episode (tonight unstable, or a night among the last
 * min_history), a prompt's distance from its own nights is weak evidence: the nights wander
 * by more than a window of them measures (a wandering endpoint's prompts come out two at a
 * time beyond their spreads on about 5 of 100 nights, bench_scenarios' sim-wild and
 * cat-wild). Its p-value counts UNSTABLE_DISCOUNT times over (Bonferroni-like: the level
 * for distances is a tenth); answers the prompt never gave (novel), the rates and the hard
 * signals are judged as on any night. */
static void discount_distances(struct detect_run *ev)
{
	size_t i, k;

	for (i = 0; i < ev->n_w; i++)
		for (k = 0; k < ev->w[i].n_ev; k++) {
			struct evidence *e = &ev->w[i].ev[k];

			if (!e->level && strcmp(e->signal, "novel")) {
				e->p = fmin(1, e->p * UNSTABLE_DISCOUNT);
				e->discounted = 1;
			}
		}
}

static void decide(struct detect_run *ev, struct decision *d)
{
	const struct detect_params *p = ev->p;
	int is_e1 = !strcmp(ev->cur_epoch, ev->base_epoch); /* the baseline's epoch */
	json_t *known;
	int added, wide = 0, episode; /* episode: an unstable night among the last min_history */
	double line;		      /* the overdispersion an unstable night is over */
	size_t i, k;

	known = epoch_known(p, ev->recs, ev->cur_epoch, ev->base_epoch, ev->hard_base);
	ev->hard_changes = json_array();
	d->hard = fingerprint_hard_diff(known, ev->hard_now, ev->hard_changes) > 0;
	json_decref(known);

	series_level(p, ev->recs, ev->cur_epoch, "stat", &d->lv);
	d->cold = d->lv.spread < 0 || !d->lv.nights;
	if (!d->lv.nights)
		d->lv.center = ev->suite.null_mean; /* sampling noise alone */
	d->dev = ev->suite.obs - d->lv.center;
	/* The spread never goes below tonight's sampling noise (the permutation SD): a short
	 * history underestimates it. Against a single earlier night, the difference of two
	 * noisy values varies sqrt(2) times as much. */
	if (!d->cold)
		d->spread = fmax(d->lv.spread, ev->suite.null_sd);
	else if (d->lv.nights)
		d->spread = sqrt(2) * ev->suite.null_sd;
	else
		d->spread = -1; /* the permutation test's p-value speaks for sampling noise */
	d->margin = margin_for(p, d->lv.center, d->spread, d->cold);
	if (d->cold) {
		/* Before the endpoint has shown its own night-to-night variation, the baseline is
		 * one night: tonight differs from it by that night's serving noise too, which
		 * sampling noise says nothing of. So in cold start the suite's distance must at
		 * least double what sampling noise alone gives, and exceed `sigmas` spreads of the
		 * nights there are (two or more), widened for so short an estimate. */
		d->margin = fmax(d->margin, ev->suite.null_mean);
		if (d->lv.nights >= 2)
			d->margin = fmax(d->margin, p->sigmas * d->lv.rms *
							    sqrt(1 + 1 / (double)d->lv.nights));
		d->above = (is_e1 ? d->dev > d->margin : fabs(d->dev) > d->margin) &&
			   (!is_e1 || ev->suite.p <= p->alpha);
		d->conf = 1 - ev->suite.p;
	} else {
		double z = d->spread > 0 ? fabs(d->dev) / d->spread : INFINITY;

		d->above = is_e1 ? d->dev > d->margin : fabs(d->dev) > d->margin;
		d->conf = erf(z / sqrt(2));
		/* unstable (decided below, once the prompts' own spreads are known): the suite
		 * cannot see a change the size of detectable_shift ... */
		wide = p->sigmas * d->spread > p->detectable;
		/* the margin is judged in the larger of the robust spread and the root mean square
		 * deviation: nights far out now and then (lumpy serving) widen it, while the
		 * robust spread alone says whether the suite can see detectable_shift */
		d->spread = fmax(d->spread, d->lv.rms);
		d->margin = margin_for(p, d->lv.center,
				       d->spread * young_widening(ev, &d->lv, d->dev), 0);
		d->above = is_e1 ? d->dev > d->margin : fabs(d->dev) > d->margin;
	}
	/* each prompt against its own nights: a change confined to a few prompts drowns in the
	 * suite's mean distance */
	prompt_evidence(ev);
	/* ... and the prompts' nights vary clearly beyond their sampling noise (their median
	 * (spread / sampling noise)^2 is over unstable_over_sampling squared). Sampling noise is
	 * the suite's (too few answers), not the endpoint's: an endpoint that gives the same mix
	 * every night is not unstable however few answers judge it; nor is one whose nights vary
	 * as much as sampling again, which its prompts' own spreads judge. The suite's spread
	 * cannot tell: from a dozen nights it comes out twice the sampling noise by chance, and
	 * every prompt may wander while their mean distance stays put. An episode under way
	 * (recent_unstable) goes on while the median is over unstable_over_sampling (not
	 * squared): the median of a few prompts wanders across one line from night to night. */
	episode = recent_unstable(ev) != NULL;
	line = episode ? p->over_sampling : p->over_sampling * p->over_sampling;
	d->unstable = wide && ev->overdispersion > line;
	ev->wandering = d->unstable || episode;
	if (ev->wandering)
		discount_distances(ev);
	d->prompts_over = (int)detect_evidence_combine(ev->w, ev->n_w, p->prompt_alpha, p->alpha,
						       (size_t)p->prompt_min);
	d->suite_above = d->above;
	d->confirming = confirm_prompts(ev, &added);
	d->prompts_over += added;
	d->watching = watch_test(ev, &added, &d->watch_of);
	d->prompts_over += added;
	/* not on an endpoint too noisy to judge: its nights bring new answers by the handful */
	d->novel_alone = !d->unstable && evidence_alone(ev, "novel");
	d->mix_alone = !d->unstable && evidence_alone(ev, "mix");
	d->above = d->suite_above || d->prompts_over >= p->prompt_min || d->confirming ||
		   d->watching || d->novel_alone || d->mix_alone;
	d->rates = json_object();
	for (k = 0; k < R_N; k++) {
		int pooled = 0; /* refusals and JSON are judged per prompt (detect_rates.c) */

		json_object_set_new(d->rates, rate_names[k],
				    judge_rate(ev, (int)k,
					       k == R_REFUSAL || k == R_JSON ? &pooled
									     : &d->rate_change));
	}
	detect_rates_judge(ev, d);
	d->rates_confirmed = detect_rates_confirm(ev, d) > 0;
	d->rate_change |= d->rates_confirmed;
	if (p->logprobs)
		judge_logprobs(ev, d);
	d->consecutive = (d->above || d->rate_change || d->lp_change) ? consecutive_above(ev) + 1
								      : 0;
	d->stat_change = d->consecutive >= p->persistence;
	run_cusum(ev, d);
	if (!ev->enough) {
		/* Too few prompts to judge the distance: its figures say nothing tonight. The hard
		 * signals above still count (they need one answer, not a sample). */
		d->above = d->stat_change = d->rate_change = d->lp_change = d->drift = 0;
		d->suite_above = d->prompts_over = d->novel_alone = d->mix_alone = 0;
		d->consecutive = 0;
	}

	/* the moved prompts: those over their own margins, else those the permutation test
	 * names at fdr */
	d->moved = json_array();
	for (i = 0; i < ev->n_w; i++) {
		int over = 0;

		for (k = 0; k < ev->w[i].n_ev; k++)
			over |= ev->w[i].ev[k].over;
		if (d->prompts_over ? over : ev->w[i].n_b && ev->q[i] <= p->fdr)
			json_array_append_new(d->moved, json_string(ev->w[i].id));
	}

	snprintf(d->epoch, sizeof(d->epoch), "%s", ev->cur_epoch);
	for (i = 0; i < ev->n_eps; i++) {
		if (!strcmp(ev->eps[i].id, ev->cur_epoch))
			snprintf(d->since, sizeof(d->since), "%s", ev->eps[i].since);
	}
	stage_decide(ev, d);
	/* no alarm tonight: the prompts to test alone tomorrow */
	if (d->stage == DETECT_STAGE_NONE && !d->above && !d->returned && ev->enough)
		d->watched = watch_set(ev);
	states_list(ev, d);
}

static void decision_release(struct decision *d)
{
	json_decref(d->watched);
	json_decref(d->rates);
	json_decref(d->cusum);
	json_decref(d->drifted);
	json_decref(d->lat_drifted);
	json_decref(d->moved);
	json_decref(d->logprobs);
	json_decref(d->prompt_rates);
	json_decref(d->rate_named);
	json_decref(d->states);
}

static json_t *prompts_json(const struct detect_run *ev)
{
	json_t *arr = json_array(), *o;
	size_t i, k;

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];

		if (!w->id)
			continue; /* never added: nothing known of it but its absence */
		o = json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:b}", "id", w->id, "kind",
			      w->dist == STATS_TV ? "tv" : "mmd", "n_baseline", (json_int_t)w->n_a,
			      "n_night", (json_int_t)w->n_night, "distance", num(w->res.obs),
			      "noise", num(w->res.null_mean), "p", num(w->res.p), "q",
			      num(ev->q[i]), "moved", w->n_b && ev->q[i] <= ev->p->fdr);
		if (w->n_ev) {
			json_t *evs = json_array();
			int over = 0;

			for (k = 0; k < w->n_ev; k++) {
				const struct evidence *e = &w->ev[k];

				json_t *eo = json_pack("{s:s,s:o,s:o,s:o,s:o,s:b}", "signal",
						       e->signal, "p", num(e->p), "q", num(e->q),
						       "effect", num(e->effect), "margin",
						       num(e->margin), "over", e->over);

				if (e->discounted)
					json_object_set_new(eo, "discounted",
							    json_real(UNSTABLE_DISCOUNT));
				json_array_append_new(evs, eo);
				over |= e->over;
			}
			json_object_set_new(o, "usual", num(w->lv.center));
			json_object_set_new(o, "history_nights",
					    json_integer((json_int_t)w->lv.nights));
			if (w->df > 0 || w->modelled)
				json_object_set_new(o, "spread", num(w->scale));
			if (w->df > 0)
				json_object_set_new(o, "df", num(w->df));
			if (w->modelled)
				json_object_set_new(o, "dispersion", num(ev->dispersion));
			json_object_set_new(o, "evidence", evs);
			json_object_set_new(o, "over", json_boolean(over));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *record_json(const struct detect_run *ev, const struct decision *d, const char *night,
			   enum detect_verdict v)
{
	json_t *rec = json_object(), *pr = json_object(), *rates = json_object(),
	       *mix = json_object();
	size_t i;

	for (i = 0; i < ev->n_w; i++) {
		if (ev->w[i].n_b)
			json_object_set_new(pr, ev->w[i].id, num(ev->w[i].res.obs));
	}
	for (i = 0; i < R_N; i++)
		json_object_set_new(rates, rate_names[i], num(rate_of(&ev->r_night, (int)i)));
	json_object_set_new(rec, "night", json_string(night));
	json_object_set_new(rec, "epoch", json_string(d->epoch));
	json_object_set_new(rec, "verdict", json_string(detect_verdict_name(v)));
	/* null when the distance was not judged: such a night is no level for later ones */
	json_object_set_new(rec, "stat", ev->enough ? num(ev->suite.obs) : json_null());
	json_object_set_new(rec, "noise", num(ev->suite.null_mean));
	json_object_set_new(rec, "p", num(ev->suite.p));
	json_object_set_new(rec, "prompts", pr);
	for (i = 0; i < ev->n_w; i++) {
		if (ev->w[i].mix_night)
			json_object_set_new(mix, ev->w[i].id, json_incref(ev->w[i].mix_night));
	}
	json_object_set_new(rec, "answers", mix);
	json_object_set_new(rec, "rates", rates);
	json_object_set_new(rec, "prompt_rates", detect_rates_record(ev));
	json_object_set_new(rec, "mean_len", num(ev->mean_len));
	json_object_set_new(rec, "overdispersion",
			    ev->od_prompts ? num(ev->overdispersion) : json_null());
	if (d->logprobs && ev->lp_stat >= 0)
		json_object_set_new(rec, "logprob", num(ev->lp_stat));
	json_object_set_new(rec, "latency_p50", num(ev->lat50));
	json_object_set_new(rec, "latency_p95", num(ev->lat95));
	json_object_set_new(rec, "hard", json_incref(ev->hard_now));
	json_object_set_new(rec, "sketch", json_incref(ev->sketch));
	json_object_set_new(rec, "cusum", json_incref(d->cusum));
	/* a new or returned epoch starts counting afresh (a suspected one once confirmed) */
	json_object_set_new(rec, "above",
			    json_integer((d->new_epoch || d->returned) &&
							 d->stage != DETECT_STAGE_SUSPECTED
						 ? 0
						 : d->consecutive));
	if (d->stage != DETECT_STAGE_NONE)
		json_object_set_new(rec, "stage", json_string(detect_stage_name(d->stage)));
	if (d->stage == DETECT_STAGE_SUSPECTED)
		json_object_set_new(rec, "from", json_string(ev->cur_epoch));
	/* the prompts a per-prompt suspicion named: tomorrow tests them alone */
	if (d->stage == DETECT_STAGE_SUSPECTED && d->prompts_over)
		json_object_set_new(rec, "suspected_prompts", json_incref(d->moved));
	/* and those that confirmed it: a return is judged on both (epoch_named) */
	if (d->stage == DETECT_STAGE_CONFIRMED && d->prompts_over)
		json_object_set_new(rec, "confirmed_prompts", json_incref(d->moved));
	/* the suspected state's answers: the next night is compared with them (wanders, in
	 * cold start only: once the prompts' variation is measured they are not used) */
	if (d->stage == DETECT_STAGE_SUSPECTED && !ev->od_prompts) {
		json_t *sa = json_object();

		for (i = 0; i < ev->n_w; i++) {
			if (ev->w[i].texts)
				json_object_set(sa, ev->w[i].id, ev->w[i].texts);
		}
		json_object_set_new(rec, "suspect_answers", sa);
	}
	/* and the rates that raised it */
	if (d->stage == DETECT_STAGE_SUSPECTED && json_array_size(d->rate_named))
		json_object_set_new(rec, "suspected_rates", json_incref(d->rate_named));
	/* and the prompts a night without an alarm watches: tomorrow tests them alone */
	if (d->watched && v == DETECT_NO_CHANGE)
		json_object_set_new(rec, "watched_prompts", json_incref(d->watched));
	if (d->returned)
		json_object_set_new(rec, "returned", json_true());
	if (v == DETECT_UNSTABLE)
		json_object_set_new(rec, "unstable_since", json_string(d->unstable_since));
	return rec;
}

/* Adds to ev->eps the registry's epochs this history has no night of (nights 0), and dates
 * every epoch by the night that first opened it. */
static void epochs_merge(struct detect_run *ev)
{
	json_t *e;
	size_t i, j;

	json_array_foreach(json_object_get(ev->reg, "epochs"), i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *since = json_string_value(json_object_get(e, "since"));

		for (j = 0; j < ev->n_eps && strcmp(ev->eps[j].id, id); j++)
			;
		if (j == ev->n_eps) {
			ev->eps = xrealloc(ev->eps, (ev->n_eps + 1) * sizeof(*ev->eps));
			memset(&ev->eps[j], 0, sizeof(*ev->eps));
			snprintf(ev->eps[j].id, sizeof(ev->eps[j].id), "%s", id);
			ev->n_eps++;
		}
		if (since)
			snprintf(ev->eps[j].since, sizeof(ev->eps[j].since), "%s", since);
	}
}

/* Adds epoch id to ev->eps (dated by since) unless it is there. */
static void epochs_add(struct detect_run *ev, const char *id, const char *since)
{
	size_t j;

	for (j = 0; j < ev->n_eps; j++)
		if (!strcmp(ev->eps[j].id, id))
			return;
	ev->eps = xrealloc(ev->eps, (ev->n_eps + 1) * sizeof(*ev->eps));
	memset(&ev->eps[j], 0, sizeof(*ev->eps));
	snprintf(ev->eps[j].id, sizeof(ev->eps[j].id), "%s", id);
	snprintf(ev->eps[j].since, sizeof(ev->eps[j].since), "%s", since);
	ev->n_eps++;
}

/* A new baseline of unknown behaviour (recorded, not accepted): the epoch its answers show,
 * an earlier one when they match it (match_registry), else a new ID. */
static void base_epoch_find(struct detect_run *ev)
{
	int e = match_registry(ev, ev->hard_base, ev->sketch_base);

	if (e >= 0)
		snprintf(ev->base_epoch, sizeof(ev->base_epoch), "%s", ev->eps[e].id);
	else
		fingerprint_epoch_next(ev->eps, ev->n_eps, ev->base_epoch, sizeof(ev->base_epoch));
}

/* Records tonight in the epoch registry: the baseline's epoch, and tonight's epoch with its
 * latest night, hard signals and sketch. */
/* The registry before a night, beside the registry: "<registry>.prev", {"night", "registry"}.
 * A night run again starts from it, so its first run's epochs and counts are not taken as
 * what the endpoint did before it. */
static void registry_prev_path(struct sbuf *out, const char *history_path)
{
	history_epochs_path(out, history_path);
	sbuf_addstr(out, ".prev");
}

static int registry_prev_save(struct detect_run *ev, struct pl_err *err)
{
	struct sbuf path;
	json_t *o = json_pack("{s:s,s:O}", "night", ev->night_id, "registry", ev->reg_before);
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	sbuf_init(&path);
	registry_prev_path(&path, ev->history_path);
	rc = fileio_write_atomic(path.buf, text, strlen(text), 0644, err);
	sbuf_release(&path);
	free(text);
	json_decref(o);
	return rc;
}

/* A night run again: the registry as it was before that night's first run, when it was
 * saved (else the registry as it is). */
static void registry_prev_load(struct detect_run *ev)
{
	struct sbuf path;
	char *text = NULL;
	size_t len;
	json_t *o = NULL, *reg;
	struct pl_err e = PL_ERR_INIT;

	sbuf_init(&path);
	registry_prev_path(&path, ev->history_path);
	if (fileio_exists(path.buf) && fileio_read_all(path.buf, 64 << 20, &text, &len, &e) == 0)
		o = json_loadb(text, len, 0, NULL);
	reg = json_object_get(o, "registry");
	if (json_is_string(json_object_get(o, "night")) &&
	    !strcmp(json_string_value(json_object_get(o, "night")), ev->night_id) &&
	    json_is_array(json_object_get(reg, "epochs"))) {
		json_decref(ev->reg);
		ev->reg = json_incref(reg);
	}
	json_decref(o);
	free(text);
	sbuf_release(&path);
}

/* A backfilled night is judged with the epochs known before it: those a later night opened
 * (dated on or after it; the baseline's apart) are dropped from ev->reg, so tonight is never
 * "back at" a state the endpoint had not yet shown. Their IDs stay in ev->eps, taken. The
 * registry is not written for such a night (commit_night). */
static void registry_before_night(struct detect_run *ev)
{
	json_t *list = json_object_get(ev->reg, "epochs");
	const char *base = json_string_value(json_object_get(ev->reg, "baseline"));
	size_t i = 0;

	while (i < json_array_size(list)) {
		const json_t *e = json_array_get(list, i);
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *since = json_string_value(json_object_get(e, "since"));

		if (since && strcmp(since, ev->night_id) >= 0 && !(id && base && !strcmp(id, base)))
			json_array_remove(list, i);
		else
			i++;
	}
}

/* The epoch's per-prompt rates in the registry, "rates": {prompt: {"n", "refusal", "json",
 * "fenced"}}, tonight's counts added to half the earlier ones (about two nights' weight): a
 * reference for the epoch's rates once a new baseline has moved its nights aside, so a return
 * to it after an accept is judged by its rates too (detect_rates_explained). */
static void registry_rates_add(json_t *e, const json_t *tonight)
{
	json_t *rates = json_object_get(e, "rates"), *o, *v;
	const char *id, *k;

	if (!json_is_object(tonight))
		return;
	if (!json_is_object(rates)) {
		rates = json_object();
		json_object_set_new(e, "rates", rates);
	}
	json_object_foreach(rates, id, o) /* the earlier nights count half */
		json_object_foreach(o, k, v)
			json_object_set_new(o, k, json_real(json_number_value(v) / 2));
	json_object_foreach((json_t *)tonight, id, v)
	{
		size_t s;

		o = json_object_get(rates, id);
		if (!o) {
			o = json_object();
			json_object_set_new(rates, id, o);
		}
		json_object_set_new(o, "n",
				    json_real(json_number_value(json_object_get(o, "n")) +
					      json_number_value(json_object_get(v, "n"))));
		for (s = 0; s < RS_N; s++) {
			/* novel answers and JSON keys count against the baseline's: no state's
			 * own */
			if (detect_rates_against_baseline((int)s))
				continue;
			json_object_set_new(o, detect_rate_signals[s],
					    json_real(json_number_value(json_object_get(
							      o, detect_rate_signals[s])) +
						      json_number_value(json_object_get(
							      v, detect_rate_signals[s]))));
		}
	}
}

static int registry_update(struct detect_run *ev, const char *epoch, int new_epoch,
			   const char *since, struct pl_err *err)
{
	json_t *list = json_object_get(ev->reg, "epochs"), *e;

	json_object_set_new(ev->reg, "baseline", json_string(ev->base_epoch));
	if (!history_epochs_find(ev->reg, ev->base_epoch))
		json_array_append_new(list, json_pack("{s:s,s:s,s:i,s:O,s:O}", "id", ev->base_epoch,
						      "since", ev->night_id, "nights", 0, "hard",
						      ev->hard_base, "sketch", ev->sketch_base));
	e = history_epochs_find(ev->reg, epoch);
	if (!e) {
		e = json_pack("{s:s,s:s,s:i}", "id", epoch, "since",
			      new_epoch || !since[0] ? ev->night_id : since, "nights", 0);
		json_array_append_new(list, e);
	}
	json_object_set_new(e, "last", json_string(ev->night_id));
	json_object_set_new(e, "nights",
			    json_integer(json_integer_value(json_object_get(e, "nights")) + 1));
	json_object_set(e, "hard", ev->hard_now);
	json_object_set(e, "sketch", ev->sketch);
	registry_rates_add(e, json_object_get(ev->commit_rec, "prompt_rates"));
	if (registry_prev_save(ev, err) < 0)
		return -1;
	return history_epochs_save(ev->history_path, ev->reg, err);
}

/* Writes tonight's history entry (replacing the night's earlier one when it is run again)
 * and the registry. */
static int commit_night(struct detect_run *ev, struct pl_err *err)
{
	json_t *rec = ev->commit_rec;
	int rc;

	if (!rec)
		return 0;
	rc = ev->rerun || ev->backfill
		     ? history_replace_night(ev->history_path, ev->night_id, rec, err)
		     : history_append(ev->history_path, rec, err);
	/* the registry (and its snapshot) hold the endpoint's state as of its latest night: an
	 * earlier night's run leaves them as they are */
	if (rc == 0 && !ev->backfill)
		rc = registry_update(ev, ev->commit_epoch, ev->commit_new_epoch, ev->commit_since,
				     err);
	ev->commit_rec = NULL;
	json_decref(rec);
	return rc;
}

void detect_defer_commit(struct detect_run *r)
{
	r->defer = 1;
}

int detect_commit(struct detect_run *r, struct pl_err *err)
{
	return r ? commit_night(r, err) : 0;
}

/* Last night suspected a change: tonight is judged against the state before it ("from"),
 * to confirm or retract it. */
static void suspect_load(struct detect_run *ev)
{
	size_t n = json_array_size(ev->recs);
	const json_t *last = n ? json_array_get(ev->recs, n - 1) : NULL;
	const char *stage = json_string_value(json_object_get(last, "stage"));
	const char *from = json_string_value(json_object_get(last, "from"));
	const char *night = json_string_value(json_object_get(last, "night"));

	if (!stage || strcmp(stage, "suspected") || !from)
		return;
	snprintf(ev->suspect, sizeof(ev->suspect), "%s", rec_epoch(last));
	snprintf(ev->suspect_night, sizeof(ev->suspect_night), "%s", night ? night : "");
	ev->suspect_answers = json_object_get(last, "suspect_answers");
	ev->cur_epoch = from;
}

struct detect_run *detect_begin(const struct detect_params *p, size_t n_base,
				const char *history_path, const char *night_id, int dry,
				struct pl_err *err)
{
	struct detect_run *ev;
	size_t i;

	if (!p || !history_path || !night_id) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "detect_begin: missing argument");
		return NULL;
	}
	ev = xcalloc(1, sizeof(*ev));
	ev->p = p;
	ev->dry = dry;
	ev->history_path = xstrdup(history_path);
	ev->night_id = xstrdup(night_id);
	ev->n_w = n_base;
	ev->w = xcalloc(n_base ? n_base : 1, sizeof(*ev->w));
	for (i = 0; i < n_base; i++)
		ev->w[i].res.p = 1;
	ev->null_sums =
		xcalloc(p->permutations ? (size_t)p->permutations : 1, sizeof(*ev->null_sums));
	ev->fp_night = fingerprint_acc_new(1);
	ev->fp_base = fingerprint_acc_new(1);
	if (history_load(history_path, &ev->recs, &ev->skipped, err)) {
		detect_run_free(ev);
		return NULL;
	}
	/* a night run again is judged against the nights before it, not its first run */
	ev->rerun = history_drop_night(ev->recs, night_id) > 0;
	/* nor against the nights after it: a night that is not the latest (a backfill, or
	 * --force on an earlier night) is judged as it was, on the nights before it */
	ev->backfill = history_drop_after(ev->recs, night_id) > 0;
	if (history_epochs_load(history_path, ev->recs, &ev->reg, err)) {
		detect_run_free(ev);
		return NULL;
	}
	/* the snapshot is the registry before the latest night: a backfilled night's is lost */
	if (ev->rerun && !ev->backfill)
		registry_prev_load(ev);
	ev->reg_before = json_deep_copy(ev->reg);
	fingerprint_epochs(ev->recs, &ev->eps, &ev->n_eps);
	epochs_merge(ev); /* every ID the registry knows: a new epoch never takes a later one's */
	if (ev->backfill)
		registry_before_night(ev);
	if (json_is_string(json_object_get(ev->reg, "baseline")))
		snprintf(ev->base_epoch, sizeof(ev->base_epoch), "%s",
			 json_string_value(json_object_get(ev->reg, "baseline")));
	else if (!json_array_size(json_object_get(ev->reg, "epochs")))
		snprintf(ev->base_epoch, sizeof(ev->base_epoch), "e1"); /* the first baseline */
	/* else a new baseline of unknown behaviour: found by detect_end (base_epoch_find) */
	ev->cur_epoch = json_array_size(ev->recs)
				? rec_epoch(json_array_get(ev->recs, json_array_size(ev->recs) - 1))
				: ev->base_epoch;
	suspect_load(ev);
	return ev;
}

static int has_calls(const struct prompt_samples *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->samples[i].tool_calls)
			return 1;
	return 0;
}

/* A prompt's answers in the suite's normal form ("normalize"): a copy of ps whose texts are
 * the normal forms of the answers with their tool calls (sample_answer_text; only the texts
 * and the array are owned), kept in buf; ps itself when answers are compared as the vendor
 * returned them and call no tool (or ps is NULL). */
static const struct prompt_samples *normal_form(const struct detect_params *p,
						const struct prompt_samples *ps,
						struct prompt_samples *buf)
{
	size_t i;

	if (!ps || (p->norm == FP_NORM_NONE && !has_calls(ps)))
		return ps;
	*buf = *ps;
	buf->samples = xmalloc((ps->n ? ps->n : 1) * sizeof(*buf->samples));
	for (i = 0; i < ps->n; i++) {
		char *t = sample_answer_text(&ps->samples[i]);

		buf->samples[i] = ps->samples[i];
		buf->samples[i].text = fingerprint_normalize(t, p->norm);
		free(t);
	}
	return buf;
}

static void normal_release(const struct prompt_samples *nf, struct prompt_samples *buf)
{
	size_t i;

	if (nf != buf)
		return;
	for (i = 0; i < buf->n; i++)
		free(buf->samples[i].text);
	free(buf->samples);
}

/* detect_add on answers in the suite's normal form (figures and logprobs: as returned; rb and
 * rn: the baseline's and tonight's answers as returned, for the per-prompt novel rate). */
static void add_normal(struct detect_run *ev, size_t base_index, const struct prompt_samples *base,
		       const struct prompt_samples *night, const struct prompt_samples *rb,
		       const struct prompt_samples *rn)
{
	struct hmap words = HMAP_INIT;
	struct slot *w;
	struct vocab v;
	size_t i;
	int novel;

	if (base_index == DETECT_NOT_IN_BASELINE) {
		fingerprint_acc_add(ev->fp_night, night);
		rates_add(ev->p, night, NULL, NULL, 0, &ev->r_night, NULL, NULL, NULL);
		return;
	}
	w = &ev->w[base_index];
	w->id = xstrdup(base->prompt_id);
	distance_add(ev, base_index, base, night);
	/* a prompt's novel answers as a rate of its own (detect_rates_counts_novel): a change of
	 * a few prompts' wording is diluted in the pooled rate */
	novel = night && detect_rates_counts_novel(w);
	fingerprint_acc_add(ev->fp_base, base);
	detect_vocab_build(&v, base);
	rates_add(ev->p, base, base, &v, 1, &ev->r_base, rb,
		  novel ? &w->rc_base.hit[RS_NOVEL] : NULL, NULL);
	if (night) {
		fingerprint_acc_add(ev->fp_night, night);
		rates_add(ev->p, night, base, &v, 0, &ev->r_night, rn,
			  novel ? &w->rc_night.hit[RS_NOVEL] : NULL, novel ? &words : NULL);
	}
	detect_vocab_release(&v);
	if (!novel)
		return;
	w->rc_base.novel_n =
		detect_rates_judged(RS_NOVEL, w->rc_base.n, w->rc_base.hit[RS_REFUSAL]);
	w->rc_night.novel_n =
		detect_rates_judged(RS_NOVEL, w->rc_night.n, w->rc_night.hit[RS_REFUSAL]);
	for (i = 0; i < words.cap; i++) {
		size_t c = 0;

		if (!words.keys[i])
			continue;
		hmap_get(&ev->nw_prompts, words.keys[i], &c);
		hmap_put(&ev->nw_prompts, words.keys[i], c + 1);
		c = 0;
		hmap_get(&ev->nw_answers, words.keys[i], &c);
		hmap_put(&ev->nw_answers, words.keys[i], c + words.vals[i]);
	}
	hmap_release(&words);
}

int detect_params_embedding(const struct detect_params *p)
{
	return p->distance == DIST_EMBEDDING;
}

/* A prompt's per-prompt rates, the baseline's and tonight's, of what the vendor returned; on
 * a JSON prompt its JSON answers' keys against the baseline's too (a categorical prompt's
 * judged only where they never varied: rates_test in detect_rates.c). */
static void rates_count(const struct detect_run *ev, struct slot *w,
			const struct prompt_samples *base, const struct prompt_samples *night)
{
	struct hmap off = HMAP_INIT;
	struct keyset ks;

	detect_keys_init(&ks);
	detect_rates_count(ev->p, base, &ks, 1, &w->rc_base, NULL);
	detect_rates_count(ev->p, night, &ks, 0, &w->rc_night, &off);
	detect_keys_words(&off, w->keys_off, sizeof(w->keys_off));
	hmap_release(&off);
	detect_keys_release(&ks);
}

void detect_add(struct detect_run *ev, size_t base_index, const struct prompt_samples *base,
		const struct prompt_samples *night)
{
	detect_add_embedded(ev, base_index, base, night, NULL);
}

void detect_add_embedded(struct detect_run *ev, size_t base_index,
			 const struct prompt_samples *base, const struct prompt_samples *night,
			 const struct detect_vectors *vec)
{
	struct prompt_samples bbuf, nbuf;
	const struct prompt_samples *nb, *nn;

	if (ev->ended) {
		ev->misuse = "detect_add: called after detect_end";
		return;
	}
	if (base_index == DETECT_NOT_IN_BASELINE && !night)
		return;
	if (base_index != DETECT_NOT_IN_BASELINE) {
		if (base_index >= ev->n_w || !base) {
			ev->misuse = "detect_add: baseline index out of range or baseline prompt "
				     "missing";
			return;
		}
		if (ev->w[base_index].id) {
			ev->misuse = "detect_add: baseline prompt added twice";
			return;
		}
	}
	if (base_index != DETECT_NOT_IN_BASELINE) /* rates of what the vendor returned */
		rates_count(ev, &ev->w[base_index], base, night);
	nb = normal_form(ev->p, base_index == DETECT_NOT_IN_BASELINE ? NULL : base, &bbuf);
	nn = normal_form(ev->p, night, &nbuf);
	ev->vec = vec;
	add_normal(ev, base_index, nb, nn, base, night);
	ev->vec = NULL;
	normal_release(nb, &bbuf);
	normal_release(nn, &nbuf);
	if (night)
		figures_add(ev, night); /* lengths and latencies of what the vendor returned */
	if (base_index != DETECT_NOT_IN_BASELINE && ev->p->logprobs)
		logprob_add(ev, base, night);
}

/* An unstable night starts a new episode (an onset, the night to tell) unless one of the last
 * min_history nights of the history was unstable too: an endpoint that stays noisy, or
 * flickers across the line, is reported once, and again only after min_history nights that
 * were not unstable. Sets d->unstable_onset and d->unstable_since. */
static void unstable_episode(const struct detect_run *ev, struct decision *d)
{
	const json_t *r = recent_unstable(ev);
	const char *since = json_string_value(json_object_get(r, "unstable_since"));
	const char *night = json_string_value(json_object_get(r, "night"));

	d->unstable_onset = !r;
	snprintf(d->unstable_since, sizeof(d->unstable_since), "%s",
		 !r	 ? ev->night_id
		 : since ? since
		 : night ? night
			 : "");
}

/* "e1,e2" from the states array (cut at len). */
static void states_text(const json_t *states, char *buf, size_t len)
{
	struct sbuf sb;
	json_t *s;
	size_t i;

	sbuf_init(&sb);
	json_array_foreach(states, i, s) sbuf_addf(&sb, "%s%s", i ? "," : "", json_string_value(s));
	snprintf(buf, len, "%s", sb.buf);
	sbuf_release(&sb);
}

int detect_end(struct detect_run *ev, struct detect_outcome *out, json_t **section,
	       struct pl_err *err)
{
	const struct detect_params *p = ev->p;
	const char *night_id = ev->night_id;
	struct decision d;
	enum detect_verdict v;
	json_t *sec = NULL;
	struct sbuf plan;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	memset(out, 0, sizeof(*out));
	sbuf_init(&plan);
	*section = NULL;
	if (ev->ended || ev->misuse) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "%s",
			   ev->misuse ? ev->misuse : "detect_end: called twice");
		goto out;
	}
	ev->ended = 1;
	ev->hard_now = fingerprint_acc_hard(ev->fp_night);
	ev->hard_base = fingerprint_acc_hard(ev->fp_base);
	ev->sketch = fingerprint_acc_sketch(ev->fp_night);
	ev->sketch_base = fingerprint_acc_sketch(ev->fp_base);
	if (!ev->base_epoch[0])
		base_epoch_find(ev);
	epochs_add(ev, ev->base_epoch, ev->night_id);
	figures_finish(ev);
	distances_finish(ev);
	ev->enough = ev->active && (double)ev->active >= p->min_answered * (double)ev->n_w;
	decide(ev, &d);

	/* Hard signals first: a changed model id, fingerprint or prompt token count needs one
	 * answer, so too few answers for the distance never hides it. */
	/* A change (suspected or confirmed) is a new state: a return to a known one is not.
	 * Hard signals first: a changed model id, fingerprint or prompt token count needs one
	 * answer, so too few answers for the distance never hides it. */
	if (d.stage == DETECT_STAGE_SUSPECTED || d.stage == DETECT_STAGE_CONFIRMED)
		v = DETECT_CHANGED;
	else if (!ev->enough && !d.returned)
		v = DETECT_INSUFFICIENT;
	else if (d.unstable && !d.returned)
		v = DETECT_UNSTABLE;
	else
		v = DETECT_NO_CHANGE;
	if (v == DETECT_INSUFFICIENT || v == DETECT_UNSTABLE) {
		/* no epoch move on nights that cannot be judged; a suspicion waits for a night
		 * that can (an unstable one retracts it: nothing stood out) */
		d.new_epoch = d.returned = 0;
		if (v == DETECT_INSUFFICIENT)
			d.stage = DETECT_STAGE_NONE;
		snprintf(d.epoch, sizeof(d.epoch), "%s", ev->cur_epoch);
	}
	if (v == DETECT_UNSTABLE)
		unstable_episode(ev, &d);

	out->verdict = v;
	out->hard_change = d.hard;
	out->confidence = stats_round(d.hard ? 1 : d.conf, DEC);
	/* the epoch is new once confirmed; a suspected one is tentative */
	out->new_epoch = d.new_epoch && d.stage != DETECT_STAGE_SUSPECTED;
	out->returned_epoch = d.returned;
	out->stage = d.stage;
	out->multi_state = d.multi_state;
	out->unstable_onset = d.unstable_onset;
	snprintf(out->unstable_since, sizeof(out->unstable_since), "%s", d.unstable_since);
	snprintf(out->suspected_night, sizeof(out->suspected_night), "%s",
		 d.stage == DETECT_STAGE_RETRACTED ? ev->suspect_night : "");
	states_text(d.states, out->states, sizeof(out->states));
	snprintf(out->epoch, sizeof(out->epoch), "%s", d.epoch);
	detect_summary_text(ev, &d, v, out->summary, sizeof(out->summary));
	detect_plan_text(ev, &d, ev->samples, &plan);

	sec = json_object();
	json_object_set_new(sec, "verdict", json_string(detect_verdict_name(v)));
	json_object_set_new(sec, "summary", json_string(out->summary));
	json_object_set_new(sec, "confidence", num(out->confidence));
	json_object_set_new(sec, "night", json_string(night_id));
	json_object_set_new(sec, "plan", json_string(plan.buf));
	json_object_set_new(sec, "epoch",
			    json_pack("{s:s,s:s,s:b,s:b,s:s,s:s,s:b,s:O}", "id", d.epoch, "since",
				      d.since[0] ? d.since : night_id, "new", out->new_epoch,
				      "returned", d.returned, "previous", ev->cur_epoch, "stage",
				      detect_stage_name(d.stage), "multi_state", d.multi_state,
				      "states", d.states));
	json_object_set_new(sec, "stage", json_string(detect_stage_name(d.stage)));
	/* the night a retraction withdraws: the alert names it */
	if (out->suspected_night[0])
		json_object_set_new(sec, "suspected_night", json_string(out->suspected_night));
	if (v == DETECT_UNSTABLE)
		json_object_set_new(sec, "unstable",
				    json_pack("{s:b,s:s}", "onset", d.unstable_onset, "since",
					      d.unstable_since));
	json_object_set_new(sec, "hard",
			    json_pack("{s:b,s:O,s:O}", "changed", d.hard, "changes",
				      ev->hard_changes, "now", ev->hard_now));
	json_object_set_new(sec, "distance",
			    json_pack("{s:o,s:o,s:o,s:I,s:I,s:o,s:O}", "stat", num(ev->suite.obs),
				      "noise", num(ev->suite.null_mean), "p", num(ev->suite.p),
				      "permutations", (json_int_t)p->permutations, "active_prompts",
				      (json_int_t)ev->active, "prompts", prompts_json(ev), "moved",
				      d.moved));
	json_object_set_new(sec, "decision",
			    json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:b,s:I,s:I,s:o,s:I}",
				      "mode", d.cold ? "cold_start" : "history", "history_nights",
				      (json_int_t)d.lv.nights, "pooled_nights",
				      (json_int_t)d.lv.pooled, "center", num(d.lv.center), "spread",
				      num(d.spread < 0 ? 0 : d.spread), "margin", num(d.margin),
				      "threshold", num(d.lv.center + d.margin), "deviation",
				      num(d.dev), "above", d.above, "consecutive",
				      (json_int_t)d.consecutive, "persistence",
				      (json_int_t)p->persistence, "alpha", num(p->alpha),
				      "skipped_history_lines", (json_int_t)ev->skipped));
	json_object_set_new(json_object_get(sec, "decision"), "prompts_over",
			    json_integer(d.prompts_over));
	json_object_set_new(json_object_get(sec, "decision"), "suite_above",
			    json_boolean(d.suite_above));
	json_object_set_new(json_object_get(sec, "decision"), "novel_alone",
			    json_boolean(d.novel_alone));
	json_object_set_new(json_object_get(sec, "decision"), "mix_alone",
			    json_boolean(d.mix_alone));
	/* last night's suspicion against tonight's answers (wanders) */
	if (d.w_n)
		json_object_set_new(json_object_get(sec, "decision"), "suspect_compared",
				    json_pack("{s:I,s:o,s:o,s:o,s:b}", "prompts", (json_int_t)d.w_n,
					      "from_suspected", num(d.w_s), "from_baseline",
					      num(d.w_b), "p", num(d.w_p), "wanders", d.wandered));
	/* last night's watched prompts tested alone (moved: how many), and tonight's watch */
	json_object_set_new(json_object_get(sec, "decision"), "watch_moved",
			    json_integer(d.watching));
	if (d.watched && v == DETECT_NO_CHANGE)
		json_object_set_new(json_object_get(sec, "decision"), "watched",
				    json_incref(d.watched));
	json_object_set_new(json_object_get(sec, "decision"), "prompt_alpha", num(p->prompt_alpha));
	/* how far beyond sampling noise the prompts' nights vary: unstable needs it over
	 * unstable_over_sampling squared */
	json_object_set_new(json_object_get(sec, "decision"), "overdispersion",
			    num(ev->overdispersion));
	/* how much wider than their usual the prompts' deviations are tonight (the median
	 * |z| over the normal's, at least 1): their spreads and margins are widened by it */
	if (ev->inflation > 0)
		json_object_set_new(json_object_get(sec, "decision"), "inflation",
				    num(ev->inflation));
	/* the Pearson dispersion of the categorical prompts' nights, the night's (0: none) */
	if (ev->dispersion > 0)
		json_object_set_new(json_object_get(sec, "decision"), "dispersion",
				    num(ev->dispersion));
	json_object_set_new(sec, "rates", json_incref(d.rates));
	json_object_set_new(sec, "prompt_rates", json_incref(d.prompt_rates));
	if (d.logprobs)
		json_object_set_new(sec, "logprobs", json_incref(d.logprobs));
	json_object_set_new(sec, "drift",
			    json_pack("{s:O,s:O,s:O}", "cusum", d.cusum, "flagged", d.drifted,
				      "latency", d.lat_drifted));
	json_object_set_new(sec, "figures",
			    json_pack("{s:o,s:o,s:o}", "mean_len", num(ev->mean_len), "latency_p50",
				      num(ev->lat50), "latency_p95", num(ev->lat95)));

	if (!ev->dry && v != DETECT_INSUFFICIENT) {
		ev->commit_rec = record_json(ev, &d, night_id, v);
		snprintf(ev->commit_epoch, sizeof(ev->commit_epoch), "%s", d.epoch);
		snprintf(ev->commit_since, sizeof(ev->commit_since), "%s", d.since);
		ev->commit_new_epoch = d.new_epoch;
		if (!ev->defer && commit_night(ev, err) < 0)
			goto out;
	}
	*section = sec;
	sec = NULL;
	rc = 0;
out:
	json_decref(sec);
	sbuf_release(&plan);
	decision_release(&d);
	return rc;
}

int detect_evaluate(const struct detect_params *p, const struct sampleset *baseline,
		    const struct sampleset *night, const char *history_path, const char *night_id,
		    int dry, struct detect_outcome *out, json_t **section, struct pl_err *err)
{
	struct detect_run *r;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	*section = NULL;
	if (!p || !baseline || !night || !history_path || !night_id) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "detect_evaluate: missing argument");
		return -1;
	}
	r = detect_begin(p, baseline->n_prompts, history_path, night_id, dry, err);
	if (!r)
		return -1;
	for (i = 0; i < baseline->n_prompts; i++)
		detect_add(r, i, &baseline->prompts[i],
			   sampleset_find(night, baseline->prompts[i].prompt_id));
	for (i = 0; i < night->n_prompts; i++) {
		if (!sampleset_find(baseline, night->prompts[i].prompt_id))
			detect_add(r, DETECT_NOT_IN_BASELINE, NULL, &night->prompts[i]);
	}
	rc = detect_end(r, out, section, err);
	detect_run_free(r);
	return rc;
}
