/* detect_rates.c: per-prompt rates (refusals by the classifier or the API's flags, valid JSON,
 * JSON in ``` fences), each compared with the prompt's own reference (the baseline and the
 * epoch's recent nights) by Fisher's exact test, and over prompts by the exact stratified
 * test; a signal no prompt ever varied on adjusted by its tests' exact min-p (Bonferroni over
 * such signals), the others by Benjamini-Hochberg; margins from the prompt's own
 * night-to-night variation beyond sampling noise. */
#include "check.h"
#include "detect_int.h"
#include "evaluate.h"
#include "refusal.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC 4

const char *const detect_rate_signals[RS_N] = { "refusal", "json", "fenced", "novel", "json_keys" };

/* The signal a suspected rate names ({"signal": name, ...}); RS_N: none of ours. */
static int named_signal(const json_t *o)
{
	const char *sig = json_string_value(json_object_get(o, "signal"));
	int k;

	for (k = 0; k < RS_N && (!sig || strcmp(sig, detect_rate_signals[k])); k++)
		;
	return k;
}

static json_t *num(double x)
{
	return json_real(stats_round(x, DEC));
}

/* Whether a signal leaves refusals out of the answers it judges (detect_rates_judged). */
static int without_refusals(int signal)
{
	return signal == RS_JSON || signal == RS_FENCED || signal == RS_NOVEL;
}

int detect_rates_against_baseline(int signal)
{
	return signal == RS_NOVEL || signal == RS_KEYS;
}

int detect_rates_counts_novel(const struct slot *w)
{
	return w->dist != STATS_TV;
}

size_t detect_rates_judged(int signal, size_t n, size_t refusals)
{
	if (!without_refusals(signal))
		return n;
	return refusals < n ? n - refusals : 0;
}

/* One history line's counts of a prompt (e: its `prompt_rates` entry) for signal: its
 * answers, its hits and the answers the signal judges. 0 when the entry holds none or is
 * inconsistent. */
static int record_counts(const json_t *e, int signal, size_t *n, size_t *hits, size_t *judged_n)
{
	json_int_t c = json_integer_value(json_object_get(e, "n"));
	const json_t *hv = json_object_get(e, detect_rate_signals[signal]);
	json_int_t h = json_integer_value(hv);
	json_int_t r = json_integer_value(json_object_get(e, detect_rate_signals[RS_REFUSAL]));
	json_int_t j = json_integer_value(json_object_get(e, detect_rate_signals[RS_JSON]));

	/* novel answers and JSON keys are written whenever counted, 0 too: a line without them
	 * did not count them (a prompt they are not judged on, or a line older than the signal) */
	if (c <= 0 || h < 0 || h > c || r < 0 || r > c ||
	    (detect_rates_against_baseline(signal) && !hv))
		return 0;
	if (signal == RS_KEYS && (j < h || j > c))
		return 0;
	*n = (size_t)c;
	*hits = (size_t)h;
	/* JSON keys: of the JSON answers */
	*judged_n = signal == RS_KEYS ? (size_t)j
				      : detect_rates_judged(signal, (size_t)c, (size_t)r);
	return 1;
}

/* detect_rates_judged over counts c (novel answers: those counted, novel_n; JSON keys: the
 * JSON answers compared, keys_n). */
static size_t judged(const struct rate_counts *c, int signal)
{
	if (signal == RS_NOVEL)
		return c->novel_n;
	if (signal == RS_KEYS)
		return c->keys_n;
	return detect_rates_judged(signal, c->n, c->hit[RS_REFUSAL]);
}

/* The rate of signal in counts c (0 when it judged no answer). */
static double rate_in(const struct rate_counts *c, int signal)
{
	size_t n = judged(c, signal);

	return n ? (double)c->hit[signal] / (double)n : 0;
}

void detect_rates_count(const struct detect_params *p, const struct prompt_samples *ps,
			struct keyset *ks, int base, struct rate_counts *out, struct hmap *off)
{
	int keys = ks && !base && detect_keys_judged(ks);
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; ps && i < ps->n; i++) {
		const struct sample *sm = &ps->samples[i];
		int fenced;
		json_t *doc;

		out->n++;
		if (refusal_is(p->refusal, sm->text, strlen(sm->text), sm->refused, sm->blocked)) {
			out->hit[RS_REFUSAL]++;
			continue; /* judged by no other signal (detect_rates_judged) */
		}
		/* valid JSON, bare or fenced: a fence is the "fenced" signal's, so one change
		 * is one signal */
		doc = detect_answer_json(sm->text, &fenced);
		out->hit[RS_JSON] += doc != NULL;
		out->hit[RS_FENCED] += (size_t)fenced;
		if (ks && base)
			detect_keys_add(ks, doc);
		if (keys && doc) {
			out->keys_n++;
			out->hit[RS_KEYS] += (size_t)detect_keys_off(ks, doc, off);
		}
		json_decref(doc);
	}
	if (ks && base && detect_keys_judged(ks)) {
		out->keys_n = ks->docs;
		out->hit[RS_KEYS] = detect_keys_self(ks);
	}
}

/* Passes (hit[0]) of answers a check judged (n: pass or fail; a skip or an error is no
 * verdict on the answer). */
static void check_count(const struct check *c, const struct prompt_samples *ps,
			struct rate_counts *out)
{
	memset(out, 0, sizeof(*out));
	evaluate_check_passes(c, ps, &out->hit[0], &out->n);
}

void detect_add_checks(struct detect_run *ev, size_t base_index, struct check *const *checks,
		       size_t n_checks, const struct prompt_samples *base,
		       const struct prompt_samples *night)
{
	struct slot *w;
	size_t j;

	if (base_index == DETECT_NOT_IN_BASELINE || !base || !night || !night->n || ev->ended)
		return;
	if (base_index >= ev->n_w || !ev->w[base_index].id || ev->w[base_index].chk) {
		ev->misuse = "detect_add_checks: prompt not added, or its checks added twice";
		return;
	}
	w = &ev->w[base_index];
	w->chk = xcalloc(n_checks ? n_checks : 1, sizeof(*w->chk));
	for (j = 0; j < n_checks; j++) {
		struct check_counts *cc = &w->chk[w->n_chk];

		check_count(checks[j], base, &cc->base);
		check_count(checks[j], night, &cc->night);
		if (!cc->base.n || !cc->night.n)
			continue; /* no verdict on one side (similarity without a baseline list) */
		cc->id = xstrdup(check_id(checks[j]));
		w->n_chk++;
	}
}

void detect_rates_slot_release(struct slot *w)
{
	size_t j;

	for (j = 0; j < w->n_chk; j++)
		free(w->chk[j].id);
	free(w->chk);
	w->chk = NULL;
	w->n_chk = 0;
}

json_t *detect_rates_record(const struct detect_run *ev)
{
	json_t *all = json_object();
	size_t i, k;

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];
		json_t *o;

		if (!w->id || !w->rc_night.n)
			continue;
		o = json_pack("{s:I}", "n", (json_int_t)w->rc_night.n);
		for (k = 0; k < RS_N; k++) {
			if (w->rc_night.hit[k] || (k == RS_NOVEL && detect_rates_counts_novel(w)) ||
			    (k == RS_KEYS && w->rc_base.keys_n))
				json_object_set_new(o, detect_rate_signals[k],
						    json_integer((json_int_t)w->rc_night.hit[k]));
		}
		/* the checks' passes tonight, {id: [passes, judged]}: a later state's reference */
		if (w->n_chk) {
			json_t *c = json_object();

			for (k = 0; k < w->n_chk; k++)
				json_object_set_new(c, w->chk[k].id,
						    json_pack("[I,I]",
							      (json_int_t)w->chk[k].night.hit[0],
							      (json_int_t)w->chk[k].night.n));
			json_object_set_new(o, "checks", c);
		}
		json_object_set_new(all, w->id, o);
	}
	return all;
}

/* ---- one prompt against its reference ------------------------------------------------ */

/* The least p-value Fisher's test can give for tables with the margins of [[a, b], [c, d]]:
 * the p-value of one of the two extreme tables. */
static double min_attainable(size_t a, size_t b, size_t c, size_t d)
{
	size_t r1 = a + b, c1 = a + c, n = a + b + c + d;
	size_t lo = c1 + r1 > n ? c1 + r1 - n : 0, hi = r1 < c1 ? r1 : c1;
	double plo = stats_fisher_exact(lo, r1 - lo, c1 - lo, n - r1 - c1 + lo);
	double phi = stats_fisher_exact(hi, r1 - hi, c1 - hi, n - r1 - c1 + hi);

	return plo < phi ? plo : phi;
}

/* The same over strata: every stratum at its least, or every one at its greatest, a cell. */
static double min_attainable_strata(const struct stats_2x2 *st, size_t k)
{
	struct stats_2x2 *x = xcalloc(k + 1, sizeof(*x));
	double pm = 1, pe;
	size_t side, i;

	for (side = 0; side < 2; side++) {
		for (i = 0; i < k; i++) {
			size_t r1 = st[i].a + st[i].b, c1 = st[i].a + st[i].c;
			size_t n = r1 + st[i].c + st[i].d;
			size_t lo = c1 + r1 > n ? c1 + r1 - n : 0, hi = r1 < c1 ? r1 : c1;
			size_t v = side ? hi : lo;

			x[i].a = v;
			x[i].b = r1 - v;
			x[i].c = c1 - v;
			x[i].d = n - r1 - c1 + v;
		}
		pe = stats_fisher_strata(x, k);
		if (pe < pm)
			pm = pe;
	}
	free(x);
	return pm;
}

/* The prompt's reference counts (the baseline when tonight's epoch is the baseline's, plus the
 * epoch's recent nights) and its margin for each signal: `sigmas` times the night-to-night
 * standard deviation of its rate beyond binomial sampling noise (0 until min_history nights). */
struct reference {
	struct rate_counts c;
	double margin[RS_N];
	size_t nights;
	size_t counted[RS_N]; /* of them, the nights that counted the signal */
};

static void reference_build(const struct detect_run *ev, const char *epoch, const size_t *win,
			    size_t n_win, const struct slot *w, struct reference *ref)
{
	const struct detect_params *p = ev->p;
	double *x = xcalloc(n_win + 1, sizeof(*x)), nsum = 0;
	size_t i, k, m = 0;

	memset(ref, 0, sizeof(*ref));
	if (!strcmp(epoch, ev->base_epoch))
		ref->c = w->rc_base;
	for (k = 0; k < RS_N; k++) {
		double mean = 0, var = 0, binom;

		m = 0;
		nsum = 0;
		for (i = 0; i < n_win; i++) {
			const json_t *r = json_array_get(ev->recs, win[i]);
			const json_t *e =
				json_object_get(json_object_get(r, "prompt_rates"), w->id);
			size_t n, h, nk;

			if (!record_counts(e, (int)k, &n, &h, &nk))
				continue;
			if (!k) {
				ref->c.n += n;
				ref->nights++;
			}
			ref->c.hit[k] += h;
			ref->c.novel_n += k == RS_NOVEL ? nk : 0;
			ref->c.keys_n += k == RS_KEYS ? nk : 0;
			ref->counted[k]++;
			if (!nk)
				continue;
			x[m++] = (double)h / (double)nk;
			nsum += (double)nk;
		}
		if (m < (size_t)p->min_history)
			continue;
		for (i = 0; i < m; i++)
			mean += x[i] / (double)m;
		for (i = 0; i < m; i++)
			var += (x[i] - mean) * (x[i] - mean) / (double)(m - 1);
		binom = mean * (1 - mean) / (nsum / (double)m);
		ref->margin[k] = var > binom ? p->sigmas * sqrt(var - binom) : 0;
	}
	free(x);
}

static void pct(double r, char *buf, size_t len)
{
	if (r > 0 && r < 0.01)
		snprintf(buf, len, "%.1f%%", 100 * r);
	else
		snprintf(buf, len, "%.0f%%", 100 * r);
}

void detect_rates_words(int signal, double before, double now, char *buf, size_t len)
{
	char b[16], n[16];

	pct(before, b, sizeof(b));
	pct(now, n, sizeof(n));
	switch (signal) {
	case RS_REFUSAL:
		snprintf(buf, len, "refusals %s -> %s", b, n);
		break;
	case RS_JSON:
		snprintf(buf, len, "valid JSON %s -> %s", b, n);
		break;
	case RS_FENCED:
		if (before == 0 && now > 0)
			snprintf(buf, len, "JSON now wrapped in ``` fences in %s of answers", n);
		else
			snprintf(buf, len, "JSON in ``` fences %s -> %s", b, n);
		break;
	case RS_NOVEL:
		snprintf(buf, len, "answers saying what the baseline never said %s -> %s", b, n);
		break;
	case RS_KEYS:
		snprintf(buf, len, "JSON answers with keys unlike the baseline's %s -> %s", b, n);
		break;
	default:
		snprintf(buf, len, "passing %s -> %s", b, n);
	}
}

/* Fills rt for `signal` (a hits of n_ref in the reference, c of n_night tonight); 0 when the
 * test cannot come out significant: margins that allow one table only (no hit or no miss on
 * either side) give p = 1 whatever happens, left out of the multiple-testing count (Tarone). */
static int fill_test(int signal, size_t a, size_t n_ref, size_t c, size_t n_night, double margin,
		     struct rate_test *rt)
{
	size_t b = n_ref - a, d = n_night - c;

	if (!n_ref || !n_night || !(a + c) || !(b + d))
		return 0;
	memset(rt, 0, sizeof(*rt));
	rt->signal = signal;
	rt->n_ref = n_ref;
	rt->n_night = n_night;
	rt->hits_ref = a;
	rt->hits_night = c;
	rt->before = (double)a / (double)n_ref;
	rt->now = (double)c / (double)n_night;
	rt->effect = rt->now - rt->before;
	rt->margin = margin;
	rt->p = stats_fisher_exact(a, b, c, d);
	rt->p_min = min_attainable(a, b, c, d);
	detect_rates_words(signal, rt->before, rt->now, rt->words, sizeof(rt->words));
	return 1;
}

size_t detect_rates_prompt(const struct rate_counts *ref, const double *margin,
			   const struct rate_counts *night, struct rate_test *out)
{
	size_t k, t = 0;

	for (k = 0; k < RS_N; k++)
		t += (size_t)fill_test((int)k, ref->hit[k], judged(ref, (int)k), night->hit[k],
				       judged(night, (int)k), margin ? margin[k] : 0, &out[t]);
	return t;
}

/* A check's pass rate on one prompt tonight against the state's: the baseline's in the
 * baseline's state; in another (a change confirmed, or an earlier state come back) its window
 * of nights' passes (the history's prompt_rates.ID.checks), no test while it has none. A
 * check's pass rate that fell with a confirmed change is that state's rate, not a change every
 * night after it. */
static int check_test(const struct detect_run *ev, const char *epoch, const size_t *win,
		      size_t n_win, const char *prompt, const struct check_counts *cc,
		      struct rate_test *rt)
{
	char w[sizeof(rt->words)];
	size_t hits = cc->base.hit[0], n = cc->base.n, i;

	if (strcmp(epoch, ev->base_epoch)) {
		hits = n = 0;
		for (i = 0; i < n_win; i++) {
			const json_t *r = json_array_get(ev->recs, win[i]);
			const json_t *c = json_object_get(
				json_object_get(json_object_get(json_object_get(r, "prompt_rates"),
								prompt),
						"checks"),
				cc->id);
			json_int_t h = json_integer_value(json_array_get(c, 0));
			json_int_t m = json_integer_value(json_array_get(c, 1));

			if (m <= 0 || h < 0 || h > m)
				continue;
			hits += (size_t)h;
			n += (size_t)m;
		}
		if (!n)
			return 0;
	}
	if (!fill_test(RS_N, hits, n, cc->night.hit[0], cc->night.n, 0, rt))
		return 0;
	rt->check = cc->id;
	snprintf(w, sizeof(w), "%s", rt->words);
	snprintf(rt->words, sizeof(rt->words), "check %.40s %.40s", cc->id, w);
	return 1;
}

/* ---- the night's judgement ----------------------------------------------------------- */

struct entry {
	size_t order;	    /* position before sorting: ties keep it, so reports are stable */
	const char *prompt; /* NULL: every prompt (the stratified test) */
	size_t prompts;	    /* stratified: the prompts it combines */
	struct rate_test t;
	double q;
	int changed, suspected;
	const char *against; /* tested against this earlier state (parent_tests), else NULL */
};

static int by_p(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->t.p != b->t.p)
		return a->t.p < b->t.p ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

static json_t *entry_json(const struct entry *e)
{
	json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:s}",
			      "prompt", e->prompt ? e->prompt : "*", "signal",
			      e->t.signal < RS_N ? detect_rate_signals[e->t.signal] : "check",
			      "n_reference", (json_int_t)e->t.n_ref, "hits_reference",
			      (json_int_t)e->t.hits_ref, "n_night", (json_int_t)e->t.n_night,
			      "hits_night", (json_int_t)e->t.hits_night, "reference",
			      num(e->t.before), "night", num(e->t.now), "effect", num(e->t.effect),
			      "margin", num(e->t.margin), "p", num(e->t.p), "q", num(e->q),
			      "changed", e->changed, "suspected", e->suspected, "words",
			      e->t.words);

	if (e->t.check)
		json_object_set_new(o, "check", json_string(e->t.check));
	if (e->against)
		json_object_set_new(o, "against", json_string(e->against));
	return o;
}

/* Tonight's new words shared by prompts, for the words of a novel-answer change: a new way
 * of talking uses the same new words on many prompts ("sure", "here's"), where a prompt's
 * own new words are its topic's. At most 5, by prompts then answers then alphabet (stable):
 * ` (new words on 2 or more prompts: "sure" 7, "let" 5)`, or "" when none is shared. */
struct new_word {
	const char *w;
	size_t prompts, answers;
};

static int by_use(const void *x, const void *y)
{
	const struct new_word *a = x, *b = y;

	if (a->prompts != b->prompts)
		return a->prompts > b->prompts ? -1 : 1;
	if (a->answers != b->answers)
		return a->answers > b->answers ? -1 : 1;
	return strcmp(a->w, b->w);
}

static void shared_new_words(const struct detect_run *ev, char *buf, size_t len)
{
	struct new_word *nw = xcalloc(ev->nw_prompts.n + 1, sizeof(*nw));
	size_t i, n = 0, used;

	for (i = 0; i < ev->nw_prompts.cap; i++) {
		if (!ev->nw_prompts.keys[i] || ev->nw_prompts.vals[i] < 2)
			continue;
		nw[n].w = ev->nw_prompts.keys[i];
		nw[n].prompts = ev->nw_prompts.vals[i];
		hmap_get(&ev->nw_answers, nw[n].w, &nw[n].answers);
		n++;
	}
	qsort(nw, n, sizeof(*nw), by_use);
	buf[0] = '\0';
	for (i = used = 0; i < n && i < 5; i++) {
		int k = snprintf(buf + used, len - used, "%s\"%.24s\" %zu",
				 i ? ", " : " (new words on 2 or more prompts: ", nw[i].w,
				 nw[i].prompts);

		if (k < 0 || (size_t)k >= len - used - 1) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)k;
	}
	if (used)
		snprintf(buf + used, len - used, ")");
	free(nw);
}

/* Appends to words the JSON keys tonight's answers to prompt id (NULL: the first prompt with
 * any) have off the baseline's: ` ("price_usd" new in 2, "price" missing in 2)`. */
static void keys_words(const struct detect_run *ev, const char *id, char *words, size_t len)
{
	size_t i, used = strlen(words);

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];

		if (!w->id || !w->keys_off[0] || (id && strcmp(id, w->id)))
			continue;
		snprintf(words + used, len - used, " (%s)", w->keys_off);
		return;
	}
}

/* The night's rate tests against `epoch`'s reference (the baseline when it is the baseline's
 * epoch, plus its window of nights): every prompt's, each signal's over prompts, those that
 * can reach fdr kept, with q (see the two families below), changed and suspected set. Returns
 * the tests (a new array of *n, sorted by p); *changed and *suspected say whether any is;
 * tot_ref and tot_night get the pooled counts, *n_win the reference nights. */
static struct entry *rates_test(const struct detect_run *ev, const char *epoch, size_t *n_out,
				int *changed_out, int *suspected_out, struct rate_counts *tot_ref,
				struct rate_counts *tot_night, size_t *n_win_out)
{
	const struct detect_params *p = ev->p;
	struct entry *es;
	struct stats_2x2 *st;
	size_t n_win, i, k, j, n = 0, per_prompt, n_chk = 0;
	size_t *win = detect_window(p, ev->recs, epoch, &n_win);
	double *q, *pv, level;
	size_t nst[RS_N] = { 0 }, n_groups = 0;
	struct stats_minp *minp[RS_N + 1] = { NULL };
	int groups[RS_N + 1] = { 0 }, varied[RS_N] = { 0 };
	int changed = 0, suspected = 0;

	memset(tot_ref, 0, sizeof(*tot_ref));
	memset(tot_night, 0, sizeof(*tot_night));
	for (i = 0; i < ev->n_w; i++)
		n_chk += ev->w[i].n_chk;
	es = xcalloc(ev->n_w * RS_N + n_chk + RS_N + 1, sizeof(*es));
	st = xcalloc(ev->n_w + 1, sizeof(*st));
	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];
		struct reference ref;
		struct rate_test t[RS_N];
		size_t m;

		if (!w->id || !w->rc_night.n)
			continue;
		reference_build(ev, epoch, win, n_win, w, &ref);
		/* JSON keys: on a categorical prompt whose reference had answers with other keys,
		 * those are some of its answers, and its mix judges their share (their new
		 * ones too: answers never given); its keys are judged where they never varied */
		if (!detect_rates_counts_novel(w) && ref.c.hit[RS_KEYS]) {
			ref.c.keys_n = 0;
			ref.c.hit[RS_KEYS] = 0;
		}
		for (k = 0; k < RS_N; k++)
			varied[k] |= ref.c.hit[k] > 0 && ref.c.hit[k] < judged(&ref.c, (int)k);
		m = detect_rates_prompt(&ref.c, ref.margin, &w->rc_night, t);
		for (j = 0; j < m; j++) {
			/* novel answers: over the prompts only (a prompt's prose says a new word
			 * now and then, every prompt's that many more is a new way of talking),
			 * once min_history nights counted them (the baseline is one night's
			 * words), and not on a wandering endpoint (new answers by the handful) */
			if (t[j].signal == RS_NOVEL &&
			    (ev->wandering || ref.counted[RS_NOVEL] < (size_t)p->min_history))
				continue;
			/* JSON keys: against the baseline alone in cold start, as valid JSON
			 * and fences; but not against a history most of whose nights were
			 * counted before the signal was (an upgrade: its nights' own shapes
			 * unknown, the baseline's one night would judge them) */
			if (t[j].signal == RS_KEYS &&
			    (ev->wandering || (ref.counted[RS_KEYS] < ref.nights &&
					       ref.counted[RS_KEYS] < (size_t)p->min_history)))
				continue;
			es[n].prompt = w->id;
			es[n].t = t[j];
			n++;
		}
		for (j = 0; j < w->n_chk; j++) {
			es[n].prompt = w->id;
			n += (size_t)check_test(ev, epoch, win, n_win, w->id, &w->chk[j], &es[n].t);
		}
		if (!ref.c.n)
			continue;
		tot_ref->n += ref.c.n;
		tot_night->n += w->rc_night.n;
		tot_ref->novel_n += ref.c.novel_n;
		tot_night->novel_n += w->rc_night.novel_n;
		tot_ref->keys_n += ref.c.keys_n;
		tot_night->keys_n += w->rc_night.keys_n;
		for (k = 0; k < RS_N; k++) {
			tot_ref->hit[k] += ref.c.hit[k];
			tot_night->hit[k] += w->rc_night.hit[k];
		}
	}
	per_prompt = n;
	/* Over prompts: one stratified test a signal, when two or more prompts can inform it (a
	 * few answers of each of many prompts add up where no single prompt is conclusive). */
	for (k = 0; k < RS_N; k++) {
		struct entry *e = &es[n];

		for (j = 0, nst[k] = 0; j < per_prompt; j++) {
			if (es[j].t.signal != (int)k)
				continue;
			st[nst[k]].a = es[j].t.hits_ref;
			st[nst[k]].b = es[j].t.n_ref - es[j].t.hits_ref;
			st[nst[k]].c = es[j].t.hits_night;
			st[nst[k]].d = es[j].t.n_night - es[j].t.hits_night;
			nst[k]++;
		}
		/* a signal no prompt ever varied on: its tests' exact min-p law (below) */
		if (!varied[k] && n_win >= (size_t)p->min_history)
			minp[k] = stats_minp_new(st, nst[k], 1);
		if (nst[k] < 2)
			continue;
		memset(e, 0, sizeof(*e));
		e->prompts = nst[k];
		e->t.signal = (int)k;
		/* the rates of the prompts it combines */
		for (j = 0; j < nst[k]; j++) {
			e->t.n_ref += st[j].a + st[j].b;
			e->t.hits_ref += st[j].a;
			e->t.n_night += st[j].c + st[j].d;
			e->t.hits_night += st[j].c;
		}
		e->t.before = (double)e->t.hits_ref / (double)e->t.n_ref;
		e->t.now = (double)e->t.hits_night / (double)e->t.n_night;
		e->t.effect = e->t.now - e->t.before;
		/* the prompts' margins, weighted by their answers tonight */
		for (j = 0; j < per_prompt; j++) {
			if (es[j].t.signal == (int)k)
				e->t.margin += es[j].t.margin * (double)es[j].t.n_night /
					       (double)e->t.n_night;
		}
		e->t.p = stats_fisher_strata(st, nst[k]);
		e->t.p_min = min_attainable_strata(st, nst[k]);
		detect_rates_words((int)k, e->t.before, e->t.now, e->t.words, sizeof(e->t.words));
		n++;
	}
	/* Tests that cannot reach the fdr level even at their most extreme (a prompt with one
	 * refusal in all its answers) can never count; left out of the family, they cost the
	 * others nothing (Tarone 1990; Gilbert 2005). */
	for (i = j = 0; i < n; i++) {
		/* a prompt's novel answers: a stratum of the test over prompts only (above) */
		if (es[i].t.p_min <= p->fdr && !(es[i].prompt && es[i].t.signal == RS_NOVEL))
			es[j++] = es[i];
	}
	n = j;
	/* Two families. A signal no prompt has ever varied on (every prompt's reference all hits
	 * or all misses: no fence, or no invalid JSON, in the baseline and every trailing night)
	 * is a behaviour the endpoint never showed: its tests (its prompts' and the stratified
	 * one) are adjusted by their exact min-p (the chance that any of them comes out that
	 * small; tables that cannot get there cost nothing, the stratified test's overlap with
	 * its prompts is exact), Bonferroni over such signals. Under no change such a signal
	 * rarely has two hits at all, so this family spends its level almost never. The signals
	 * the endpoint does vary on (refusals now and then) and the checks keep
	 * Benjamini-Hochberg over their tests. */
	for (i = 0; i < n; i++) {
		if (es[i].t.signal < RS_N && minp[es[i].t.signal])
			groups[es[i].t.signal] = 1;
	}
	for (k = 0; k < RS_N; k++)
		n_groups += groups[k];
	pv = xcalloc(n + 1, sizeof(*pv));
	q = xcalloc(n + 1, sizeof(*q));
	for (i = j = 0; i < n; i++) {
		if (!groups[es[i].t.signal])
			pv[j++] = es[i].t.p;
	}
	stats_bh(pv, j, pv);
	for (i = j = 0; i < n; i++) {
		int k_i = es[i].t.signal;

		q[i] = groups[k_i]
			       ? fmin(1, (double)n_groups * stats_minp_adjust(minp[k_i], es[i].t.p))
			       : pv[j++];
	}
	free(pv);
	for (k = 0; k <= RS_N; k++)
		stats_minp_free(minp[k]);
	/* With min_history nights behind the reference its margins carry the prompts' own
	 * night-to-night wandering: judged at rate_alpha, a level of their own (exact tests of
	 * counts are calibrated as the distances' t-tests against a dozen nights are not);
	 * before that, at the conservative alpha. */
	level = n_win >= (size_t)p->min_history ? fmax(p->alpha, p->rate_alpha) : p->alpha;
	for (i = 0; i < n; i++) {
		/* a rate counted against the baseline's answers (novel answers, JSON keys off
		 * the baseline's) rises with a change, and fewer is no sign of one; in a later
		 * state a fall counts (its own rise, taken back) */
		int up = detect_rates_against_baseline(es[i].t.signal) &&
			 !strcmp(epoch, ev->base_epoch);
		int beyond = (up ? es[i].t.effect : fabs(es[i].t.effect)) > es[i].t.margin;

		es[i].order = i;
		es[i].q = q[i];
		es[i].changed = beyond && q[i] <= level;
		es[i].suspected = beyond && q[i] <= p->fdr;
		changed |= es[i].changed;
		suspected |= es[i].suspected;
	}
	qsort(es, n, sizeof(*es), by_p);
	free(q);
	free(win);
	free(st);
	*n_out = n;
	*changed_out = changed;
	*suspected_out = suspected;
	*n_win_out = n_win;
	return es;
}

int detect_rates_off(const struct detect_run *ev, const char *epoch)
{
	struct rate_counts tr, tn;
	size_t n, n_win;
	int changed, suspected;

	free(rates_test(ev, epoch, &n, &changed, &suspected, &tr, &tn, &n_win));
	return suspected;
}

/* The reference rate of `signal` in `epoch` (its window of nights, and the baseline in the
 * baseline's epoch) over one prompt (id) or every answered one (NULL); -1 without answers. */
/* The reference's hits and answers of `signal` over one prompt (id) or every answered one
 * (NULL), in epoch's window. */
static void reference_counts(const struct detect_run *ev, const char *epoch, const char *id,
			     int signal, size_t *hits, size_t *n)
{
	size_t n_win, i;
	size_t *win = detect_window(ev->p, ev->recs, epoch, &n_win);

	*hits = *n = 0;
	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];
		struct reference ref;

		if (!w->id || !w->rc_night.n || (id && strcmp(id, w->id)))
			continue;
		reference_build(ev, epoch, win, n_win, w, &ref);
		*hits += ref.c.hit[signal];
		*n += judged(&ref.c, signal);
	}
	free(win);
}

static double reference_rate(const struct detect_run *ev, const char *epoch, const char *id,
			     int signal)
{
	size_t hits, n, i;
	const json_t *rates;
	double rh = 0, rn = 0;

	reference_counts(ev, epoch, id, signal, &hits, &n);
	if (n)
		return (double)hits / (double)n;
	if (detect_rates_against_baseline(signal))
		return -1; /* the registry keeps none (registry_rates_add) */
	/* an epoch whose nights a new baseline moved aside: the rates the registry kept, over
	 * the prompt (id) or every prompt answered tonight (NULL) */
	rates = json_object_get(history_epochs_find(ev->reg, epoch), "rates");
	for (i = 0; signal < RS_N && i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];
		const json_t *o;

		if (!w->id || !w->rc_night.n || (id && strcmp(id, w->id)))
			continue;
		o = json_object_get(rates, w->id);
		rh += json_number_value(json_object_get(o, detect_rate_signals[signal]));
		rn += json_number_value(json_object_get(o, "n"));
		if (without_refusals(signal))
			rn -= json_number_value(
				json_object_get(o, detect_rate_signals[RS_REFUSAL]));
	}
	return rn > 0 ? rh / rn : -1;
}

/* Tonight's hits and answers of `signal` over one prompt (id) or every answered one (NULL). */
static void night_counts(const struct detect_run *ev, const char *id, int signal, size_t *hits,
			 size_t *n)
{
	size_t i;

	*hits = *n = 0;
	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];

		if (!w->id || (id && strcmp(id, w->id)))
			continue;
		*hits += w->rc_night.hit[signal];
		*n += judged(&w->rc_night, signal);
	}
}

/* Tonight's rate of `signal` over one prompt (id) or every answered one (NULL). */
static double night_rate(const struct detect_run *ev, const char *id, int signal)
{
	size_t hits, n;

	night_counts(ev, id, signal, &hits, &n);
	return n ? (double)hits / (double)n : 0;
}

/* One history line's (r) hits and judged answers of signal over prompt id (NULL: every prompt
 * answered tonight), added to *hits and *n. */
static void line_counts(const struct detect_run *ev, const json_t *r, const char *id, int signal,
			size_t *hits, size_t *n)
{
	const json_t *rates = json_object_get(r, "prompt_rates");
	size_t i, c, h, nk;

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];

		if (!w->id || !w->rc_night.n || (id && strcmp(id, w->id)))
			continue;
		if (record_counts(json_object_get(rates, w->id), signal, &c, &h, &nk))
			*hits += h, *n += nk;
	}
}

/* A named rate (o) read for signal k: whether it is pooled as k's named prompts are (one
 * entry over every prompt, "*", holds them all), and the prompt it names (NULL: every one). */
static int named_pooled(const json_t *o, size_t k, const int *all, const char **id)
{
	const char *pr = json_string_value(json_object_get(o, "prompt"));

	if ((size_t)named_signal(o) != k || all[k] != !strcmp(pr, "*"))
		return 0;
	*id = strcmp(pr, "*") ? pr : NULL;
	return 1;
}

int detect_rates_back(const struct detect_run *ev, const json_t *named, const char *prev)
{
	/* per signal, the named prompts' counts pooled: the young epoch's (c), prev's (p) and
	 * tonight's (n); a rate named over every prompt ("*") is that pool alone */
	size_t hc[RS_N] = { 0 }, nc[RS_N] = { 0 }, hp[RS_N] = { 0 }, np[RS_N] = { 0 };
	size_t hn[RS_N] = { 0 }, nn[RS_N] = { 0 }, i, j, k, back = 0, n_run;
	int all[RS_N] = { 0 }, listed[RS_N] = { 0 };
	const json_t *o;
	const char *pr;
	size_t *run;
	double *llr;

	json_array_foreach(named, i, o)
	{
		pr = json_string_value(json_object_get(o, "prompt"));
		k = (size_t)named_signal(o);
		if (k == RS_N || !pr)
			return 0;
		listed[k] = 1;
		all[k] |= !strcmp(pr, "*");
	}
	for (k = 0; k < RS_N; k++) {
		/* a prompt named beside "*" for its signal: the pool over every prompt holds its
		 * counts (named_pooled) */
		json_array_foreach(named, i, o)
		{
			size_t h, n;

			if (!named_pooled(o, k, all, &pr))
				continue;
			reference_counts(ev, ev->cur_epoch, pr, (int)k, &h, &n);
			hc[k] += h, nc[k] += n;
			reference_counts(ev, prev, pr, (int)k, &h, &n);
			hp[k] += h, np[k] += n;
			night_counts(ev, pr, (int)k, &h, &n);
			hn[k] += h, nn[k] += n;
		}
	}
	/* an epoch with min_history nights of its own: the return's evidence added up over the
	 * nights since the endpoint entered it (detect_cusum_back), each night's log-likelihood
	 * ratio of the two states' pooled rates (smoothed by half an answer); a younger one: a
	 * test of tonight alone (below) */
	run = detect_epoch_run(ev, &n_run);
	llr = run ? xcalloc(n_run + 1, sizeof(*llr)) : NULL;
	for (k = 0; k < RS_N; k++) {
		double rc, rp, rn, p, lh, lm;

		if (!listed[k])
			continue;
		if (!nc[k] || !np[k] || !nn[k])
			break;
		rc = (double)hc[k] / (double)nc[k];
		rp = (double)hp[k] / (double)np[k];
		rn = (double)hn[k] / (double)nn[k];
		/* every one nearer prev's rate than the epoch's ... */
		if (fabs(rn - rp) >= fabs(rn - rc))
			break;
		if (run) {
			rp = ((double)hp[k] + 0.5) / ((double)np[k] + 1);
			rc = ((double)hc[k] + 0.5) / ((double)nc[k] + 1);
			lh = log(rp / rc);
			lm = log((1 - rp) / (1 - rc));
			for (j = 0; j < n_run; j++) {
				size_t h = 0, n = 0;

				json_array_foreach(named, i, o)
				{
					if (named_pooled(o, k, all, &pr))
						line_counts(ev, json_array_get(ev->recs, run[j]),
							    pr, (int)k, &h, &n);
				}
				llr[j] += (double)h * lh + (double)(n - h) * lm;
			}
			llr[n_run] += (double)hn[k] * lh + (double)(nn[k] - hn[k]) * lm;
			continue;
		}
		/* ... and one at least back beyond the young epoch's sampling noise (a JSON rate
		 * that fell with the refusals in JSON answers has a few answers to show it): the
		 * one-sided mid-p in the direction back, as a suspicion's rates are confirmed (the
		 * exact p-value of a few hits falls far below its level: 6 fenced answers in 40
		 * over two nights and none in 20 tonight give 0.077, the mid-p 0.038) */
		{
			struct stats_2x2 t;

			t.a = rc > rn ? hc[k] : hn[k];
			t.b = rc > rn ? nc[k] - hc[k] : nn[k] - hn[k];
			t.c = rc > rn ? hn[k] : hc[k];
			t.d = rc > rn ? nn[k] - hn[k] : nc[k] - hc[k];
			p = stats_fisher_strata_mid_greater(&t, 1);
		}
		back += p <= ev->p->fdr;
	}
	if (k < RS_N) /* one not nearer prev's, or without answers */
		back = 0;
	else if (run)
		back = (size_t)detect_cusum_back(llr, n_run + 1);
	free(run);
	free(llr);
	return back > 0;
}

int detect_rates_since_suspect(const struct detect_run *ev, const struct decision *d)
{
	size_t n = json_array_size(ev->recs), i, k;
	const json_t *last = n ? json_array_get(ev->recs, n - 1) : NULL, *o, *s;
	const json_t *rates = json_object_get(last, "prompt_rates");

	if (!json_array_size(d->rate_named) || !json_is_object(rates))
		return 0;
	json_array_foreach(d->rate_named, i, o)
	{
		int sig = named_signal(o);
		const char *pr = json_string_value(json_object_get(o, "prompt"));
		size_t hits = 0, judged_n = 0;
		double before, now;

		if (sig >= RS_N)
			return 0;
		if (pr && !strcmp(pr, "*"))
			pr = NULL;
		/* a signal the suspicion named was there that night */
		json_array_foreach(json_object_get(last, "suspected_rates"), k, s)
		{
			if (named_signal(s) == sig)
				return 0;
		}
		/* that night's rate over the prompts tonight's test covers */
		line_counts(ev, last, pr, sig, &hits, &judged_n);
		before = reference_rate(ev, ev->cur_epoch, pr, sig);
		if (!judged_n || before < 0)
			return 0;
		now = night_rate(ev, pr, sig);
		if (fabs((double)hits / (double)judged_n - before) >=
		    fabs((double)hits / (double)judged_n - now))
			return 0;
	}
	return 1;
}

int detect_rates_explained(const struct detect_run *ev, const char *epoch)
{
	struct rate_counts tr, tn;
	size_t n, n_win, i;
	int changed, suspected, ok = 1;
	struct entry *es =
		rates_test(ev, ev->cur_epoch, &n, &changed, &suspected, &tr, &tn, &n_win);

	for (i = 0; i < n && ok; i++) {
		const struct entry *e = &es[i];
		double now, r_cur, r_ep;

		if (!e->suspected || e->t.signal >= RS_N)
			continue; /* checks: judged against the baseline, whatever the state */
		now = night_rate(ev, e->prompt, e->t.signal);
		r_cur = reference_rate(ev, ev->cur_epoch, e->prompt, e->t.signal);
		r_ep = reference_rate(ev, epoch, e->prompt, e->t.signal);
		if (r_ep < 0 && detect_rates_against_baseline(e->t.signal))
			continue; /* the registry keeps none: the other signals tell */
		ok = r_ep >= 0 && fabs(now - r_ep) < fabs(now - r_cur);
	}
	free(es);
	return ok;
}

/* A young epoch (not the baseline's, fewer than min_history nights in its window) has a few
 * nights' answers as its rates' reference, judged at alpha: a change two nights after another
 * (or after a false alarm confirmed) would be a cold start again. So tonight's rates are also
 * tested against the state the epoch came from (its first night's `from`), signal by signal
 * where the young epoch's own nights show that signal as that state had it (over the prompts,
 * Fisher's exact test two-sided, not off at fdr) and its suspicion did not name it: the
 * changed tests of those signals, a new array of *n_out (NULL, 0: none). */
static struct entry *parent_tests(const struct detect_run *ev, size_t n_win, size_t *n_out)
{
	const struct detect_params *p = ev->p;
	const json_t *first = detect_epoch_first(ev), *o;
	const char *prev = json_string_value(json_object_get(first, "from"));
	int same[RS_N] = { 0 }, changed, suspected;
	size_t i, j, k, n, nw;
	struct rate_counts tr, tn;
	struct entry *es;

	*n_out = 0;
	if (!strcmp(ev->cur_epoch, ev->base_epoch) || n_win >= (size_t)p->min_history || !prev ||
	    !strcmp(prev, ev->cur_epoch))
		return NULL;
	for (k = 0; k < RS_N; k++) {
		size_t hc, nc, hp, np;

		reference_counts(ev, ev->cur_epoch, NULL, (int)k, &hc, &nc);
		reference_counts(ev, prev, NULL, (int)k, &hp, &np);
		if (!nc || !np)
			continue;
		same[k] = stats_fisher_exact(hc, nc - hc, hp, np - hp) > p->fdr;
	}
	json_array_foreach(json_object_get(first, "suspected_rates"), i, o)
	{
		int s = named_signal(o);

		if (s < RS_N)
			same[s] = 0;
	}
	es = rates_test(ev, prev, &n, &changed, &suspected, &tr, &tn, &nw);
	for (i = j = 0; i < n; i++) {
		if (es[i].changed && es[i].t.signal < RS_N && same[es[i].t.signal]) {
			es[j] = es[i];
			es[j++].against = prev;
		}
	}
	*n_out = j;
	return es;
}

/* Novel answers suspected over the prompts: each prompt's own figures, its stratum of that
 * test (no test of its own: a prompt's prose says a new word now and then), appended to list
 * with "stratum": true, so the report says which prompts say the new things. */
static void novel_strata(const struct detect_run *ev, json_t *list)
{
	size_t n_win, i, j, m;
	size_t *win = detect_window(ev->p, ev->recs, ev->cur_epoch, &n_win);

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];
		struct rate_test t[RS_N];
		struct reference ref;
		struct entry e;

		if (!w->id || !w->rc_night.n)
			continue;
		reference_build(ev, ev->cur_epoch, win, n_win, w, &ref);
		m = detect_rates_prompt(&ref.c, ref.margin, &w->rc_night, t);
		for (j = 0; j < m; j++) {
			json_t *o;

			if (t[j].signal != RS_NOVEL)
				continue;
			memset(&e, 0, sizeof(e));
			e.prompt = w->id;
			e.t = t[j];
			e.q = 1;
			o = entry_json(&e);
			json_object_set_new(o, "stratum", json_true());
			json_array_append_new(list, o);
		}
	}
	free(win);
}

void detect_rates_judge(const struct detect_run *ev, struct decision *d)
{
	const struct detect_params *p = ev->p;
	struct rate_counts tot_ref[1], tot_night[1];
	size_t n, n_win, i, j, k;
	int changed, suspected, novel = 0;
	struct entry *es =
		rates_test(ev, ev->cur_epoch, &n, &changed, &suspected, tot_ref, tot_night, &n_win);
	json_t *list = json_array(), *r;
	size_t n_prev;
	struct entry *prev = parent_tests(ev, n_win, &n_prev);

	if (n_prev) {
		es = xrealloc(es, (n + n_prev) * sizeof(*es));
		for (i = 0; i < n_prev; i++) {
			es[n + i] = prev[i];
			es[n + i].order = n + i;
		}
		n += n_prev;
		changed = suspected = 1;
		qsort(es, n, sizeof(*es), by_p);
	}
	free(prev);
	for (i = 0; i < n; i++) {
		json_array_append_new(list, entry_json(&es[i]));
		novel |= es[i].t.signal == RS_NOVEL; /* judged over the prompts tonight */
	}

	/* The pooled figures of each signal say which changed, in the plain words of its most
	 * telling test. */
	for (k = 0; k <= RS_N; k++) {
		/* novel answers over the prompts beside the pooled novel rate's own rule */
		const char *name = k == RS_NOVEL ? "novel_by_prompt"
				   : k < RS_N	 ? detect_rate_signals[k]
						 : "check";
		const struct entry *best = NULL, *top = NULL;
		int ch = 0;

		for (i = 0; i < n && !ch; i++) {
			if (es[i].t.signal == (int)k && es[i].changed)
				best = &es[i];
			ch = best != NULL;
		}
		/* else the most telling suspected one: its words go to the summary as a
		 * suspicion */
		for (i = 0; i < n && !best; i++) {
			if (es[i].t.signal == (int)k && es[i].suspected)
				best = &es[i];
		}
		/* the prompt that tells most, named beside a change over prompts */
		for (i = 0; i < n && best && !top; i++) {
			if (es[i].t.signal == (int)k && es[i].prompt &&
			    (es[i].t.effect > 0) == (best->t.effect > 0))
				top = &es[i];
		}
		if (k == RS_N && !best)
			continue; /* checks' pass rates: an entry when one moved */
		if (k == RS_NOVEL && !novel)
			continue; /* not judged over the prompts tonight */
		if (k == RS_KEYS && !tot_night->keys_n)
			continue; /* no JSON prompt, or no JSON answer of one tonight */
		r = json_object_get(d->rates, name);
		if (!r && k == RS_N) {
			r = json_object();
			json_object_set_new(d->rates, name, r);
		} else if (!r) { /* a signal only per prompt: the pooled reference and night */
			r = json_pack("{s:o,s:o}", "reference", num(rate_in(tot_ref, (int)k)),
				      "night", num(rate_in(tot_night, (int)k)));
			json_object_set_new(d->rates, name, r);
		}
		json_object_set_new(r, "changed", json_boolean(ch));
		json_object_set_new(r, "suspected", json_boolean(best != NULL));
		json_object_set_new(r, "per_prompt", json_true());
		if (best) {
			char words[320], vs[80] = "", shared[160] = "";
			const char *tells = top ? top->prompt : NULL;

			if (best->against)
				snprintf(vs, sizeof(vs), " (against %s, the state before %s)",
					 best->against, ev->cur_epoch);
			if (best->prompt)
				snprintf(words, sizeof(words), "%s: %s%s", best->prompt,
					 best->t.words, vs);
			else if (top)
				snprintf(words, sizeof(words),
					 "%s over %zu prompts (most in %s: %s)%s", best->t.words,
					 best->prompts, top->prompt, top->t.words, vs);
			else {
				if (k == RS_NOVEL)
					shared_new_words(ev, shared, sizeof(shared));
				snprintf(words, sizeof(words), "%s over %zu prompts%s%s",
					 best->t.words, best->prompts, shared, vs);
			}
			if (k == RS_KEYS) /* the prompt that tells (NULL: the first with keys off)
					   */
				keys_words(ev, best->prompt ? best->prompt : tells, words,
					   sizeof(words));
			json_object_set_new(r, "words", json_string(words));
		}
	}
	for (i = 0; i < n; i++) {
		if (es[i].t.signal == RS_NOVEL && !es[i].prompt && es[i].suspected) {
			novel_strata(ev, list);
			break;
		}
	}
	/* the alarm's rate tests: a suspicion's hypothesis, tested alone tomorrow (a signal
	 * changed over the prompts is named once, "*": its prompts are where it shows) */
	d->rate_named = json_array();
	for (i = 0; i < n; i++) {
		int pooled = 0;

		for (j = 0; j < n && es[i].prompt; j++)
			pooled |= !es[j].prompt && es[j].changed &&
				  es[j].t.signal == es[i].t.signal;
		if (es[i].changed && es[i].t.signal < RS_N && !pooled)
			json_array_append_new(d->rate_named,
					      json_pack("{s:s,s:s,s:b}", "signal",
							detect_rate_signals[es[i].t.signal],
							"prompt", es[i].prompt ? es[i].prompt : "*",
							"up", es[i].t.effect > 0));
	}
	d->rate_change |= changed;
	d->rate_suspected = suspected;
	d->prompt_rates = json_pack("{s:I,s:I,s:o,s:o,s:b,s:b,s:o}", "tests", (json_int_t)n,
				    "reference_nights", (json_int_t)n_win, "alpha", num(p->alpha),
				    "fdr", num(p->fdr), "changed", changed, "suspected", suspected,
				    "signals", list);
	free(es);
}

/* One named rate, tonight against the current epoch's reference: the one-sided mid-p in the
 * named direction over its prompts (one, or for "*" every answered one that can inform it, as
 * the stratified test), and whether the move is beyond the prompts' margin. Fills words;
 * returns the mid-p (2 when nothing to test). */
static double named_test(const struct detect_run *ev, int s, const char *id, int up, int *beyond,
			 char *words, size_t len)
{
	size_t n_win, i, m = 0, hr = 0, nr = 0, hn = 0, nn = 0;
	size_t *win = detect_window(ev->p, ev->recs, ev->cur_epoch, &n_win);
	struct stats_2x2 *st = xcalloc(ev->n_w + 1, sizeof(*st));
	double margin = 0, before, now, pm = 2;

	for (i = 0; i < ev->n_w; i++) {
		const struct slot *w = &ev->w[i];
		struct reference ref;
		size_t a, b, c, d;

		if (!w->id || !w->rc_night.n || (strcmp(id, "*") && strcmp(id, w->id)))
			continue;
		reference_build(ev, ev->cur_epoch, win, n_win, w, &ref);
		if (!ref.c.n)
			continue;
		/* tonight the first row: "greater" is tonight's rate above the reference's */
		a = w->rc_night.hit[s];
		b = judged(&w->rc_night, s) - a;
		c = ref.c.hit[s];
		d = judged(&ref.c, s) - c;
		if (!(a + c) || !(b + d))
			continue; /* one possible table: no part in the test */
		st[m].a = up ? a : b;
		st[m].b = up ? b : a;
		st[m].c = up ? c : d;
		st[m].d = up ? d : c;
		m++;
		hn += a;
		nn += a + b;
		hr += c;
		nr += c + d;
		margin += ref.margin[s] * (double)(a + b);
	}
	*beyond = 0;
	if (m) {
		before = (double)hr / (double)nr;
		now = (double)hn / (double)nn;
		pm = stats_fisher_strata_mid_greater(st, m);
		*beyond = (up ? now - before : before - now) > margin / (double)nn;
		detect_rates_words(s, before, now, words, len);
	}
	free(st);
	free(win);
	return pm;
}

int detect_rates_confirm(const struct detect_run *ev, struct decision *d)
{
	size_t n = json_array_size(ev->recs), j, k;
	const json_t *last = n ? json_array_get(ev->recs, n - 1) : NULL;
	const json_t *named = json_object_get(last, "suspected_rates"), *o;
	int still = 0;

	if (!ev->suspect[0] || !json_array_size(named))
		return 0;
	k = json_array_size(named);
	json_array_foreach(named, j, o)
	{
		const char *sig = json_string_value(json_object_get(o, "signal"));
		const char *id = json_string_value(json_object_get(o, "prompt"));
		json_t *r;
		char words[96], all[200];
		int s, beyond;
		double pm;

		s = named_signal(o);
		if (s == RS_N || !id)
			continue;
		pm = named_test(ev, s, id, json_is_true(json_object_get(o, "up")), &beyond, words,
				sizeof(words));
		if (pm > ev->p->fdr / (double)k || !beyond)
			continue;
		still++;
		r = json_object_get(d->rates, sig);
		if (!r || json_is_true(json_object_get(r, "changed")))
			continue;
		if (strcmp(id, "*"))
			snprintf(all, sizeof(all), "%s: %s (the suspicion's, tested alone)", id,
				 words);
		else
			snprintf(all, sizeof(all), "%s (the suspicion's, tested alone)", words);
		json_object_set_new(r, "changed", json_true());
		json_object_set_new(r, "words", json_string(all));
	}
	return still;
}
