/* bench_scenarios.c: false alarms and detection of plumbline's detection on realistic vendor
 * scenarios (tests/support/scenario.h): changes confined to a few prompts, plain-text
 * refusals, partial fences, slightly longer prose, one-token labels, two serving backends,
 * lumpy nights; on the simulated model and on independent categorical distributions. Uses
 * only detect.h (detect_begin/add/end), so it measures whatever the detector is.
 *
 * usage: bench_scenarios [--trials N] [--history N] [--null-history N] [--only NAME,...]
 *                        [--settings JSON] [--hold] [--late N] [--base N]
 * Counts stages, as the goals are worded: suspicions and confirmed false alarms per 100
 * unchanged nights, over all of them and over those with at least 10 nights of history before
 * them (the goals' condition: the steady state, after the cold start's stricter rules),
 * unstable nights and their onsets, first-night suspicion, confirmation by the second night,
 * an alarm (suspected or confirmed) by the second night, a revert recognised at once.
 * Each trial: a new endpoint (another model), a baseline of 30 samples a prompt (--base N: N,
 * as a first night of monitoring taken for the baseline would give), --history
 * unchanged nights (default 12; --null-history, default 30, for the unchanged scenarios, so
 * that their steady state has nights enough), then two nights with the change (unchanged for
 * the null scenarios) and a night with the change taken back (a revert: counted where the change
 * was confirmed, as recognised when that night raises no alarm in the state the endpoint was in
 * before the change: e1 unless an earlier change, true or false, was confirmed; --hold keeps the
 * change on the third night instead, and the last column then counts confirmed changes wrongly
 * taken for a return to the state before them, and those that night alarms on; --late N keeps
 * the change N nights, a state of its own, and takes it back for 4: is the return recognised
 * on one of them, and does one alarm? A table after the first then counts, over the nights the
 * confirmed change holds before that, each one taken for the state before it and each alarm).
 * 25 prompts x 10
 * samples a night at temperature 0.7. Default 10 trials (about a minute on 2 busy cores); the
 * measurement is --trials 40. Prints markdown tables. Every figure is fixed by seeds. */
#include "detect.h"
#include "sampleset.h"
#include "sbuf.h"
#include "scenario.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_SAMPLES 10
#define N_BASE	  30
#define MAX_NAMES 8
#define STEADY	  10 /* nights of history from which a night counts as the steady state */

struct verdicts {
	const char *name[MAX_NAMES];
	int n[MAX_NAMES];
	size_t len;
	int total;
};

static void count(struct verdicts *v, enum detect_verdict verdict)
{
	const char *name = detect_verdict_name(verdict);
	size_t i;

	v->total++;
	for (i = 0; i < v->len; i++) {
		if (!strcmp(v->name[i], name)) {
			v->n[i]++;
			return;
		}
	}
	if (v->len < MAX_NAMES) {
		v->name[v->len] = name;
		v->n[v->len++] = 1;
	}
}

static int count_of(const struct verdicts *v, const char *name)
{
	for (size_t i = 0; i < v->len; i++)
		if (!strcmp(v->name[i], name))
			return v->n[i];
	return 0;
}

/* PL_BENCH_DEBUG=2: each prompt's evidence (distance or mix, unseen answers) with p <= 0.05
 * on the night; 3: every prompt's. */
static void debug_prompts(const json_t *sec)
{
	const json_t *pr = json_object_get(json_object_get(sec, "distance"), "prompts"), *o, *e;
	size_t i, k;

	json_array_foreach(pr, i, o)
	{
		json_array_foreach(json_object_get(o, "evidence"), k, e)
		{
			if (json_number_value(json_object_get(e, "p")) > 0.05 &&
			    strcmp(getenv("PL_BENCH_DEBUG"), "3"))
				continue;
			printf("    %s %s d %.3f usual %.3f effect %.3f margin %.3f p %.4f q %.4f "
			       "over %d perm p %.4f\n",
			       json_string_value(json_object_get(o, "id")),
			       json_string_value(json_object_get(e, "signal")),
			       json_number_value(json_object_get(o, "distance")),
			       json_number_value(json_object_get(o, "usual")),
			       json_number_value(json_object_get(e, "effect")),
			       json_number_value(json_object_get(e, "margin")),
			       json_number_value(json_object_get(e, "p")),
			       json_number_value(json_object_get(e, "q")),
			       json_is_true(json_object_get(e, "over")),
			       json_number_value(json_object_get(o, "p")));
		}
	}
}

/* PL_BENCH_DEBUG=2: the suite spread and the prompts' overdispersion, the novel rate and the
 * night's rate tests with q <= 0.2 (3: all) with their counts (detect_rates.c). */
static void debug_rates(const json_t *sec)
{
	const json_t *pr = json_object_get(sec, "prompt_rates"), *o;
	size_t i;

	printf("    rate tests %lld\n",
	       (long long)json_integer_value(json_object_get(pr, "tests")));
	{
		const json_t *dec = json_object_get(sec, "decision");

		printf("    suite spread %.4f overdispersion %.2f\n",
		       json_number_value(json_object_get(dec, "spread")),
		       json_number_value(json_object_get(dec, "overdispersion")));
	}
	{
		const json_t *nv = json_object_get(json_object_get(sec, "rates"), "novel");

		printf("    novel %.3f center %.3f margin %.3f changed %d\n",
		       json_number_value(json_object_get(nv, "night")),
		       json_number_value(json_object_get(nv, "center")),
		       json_number_value(json_object_get(nv, "margin")),
		       json_is_true(json_object_get(nv, "changed")));
	}
	json_array_foreach(json_object_get(pr, "signals"), i, o)
	{
		if (json_number_value(json_object_get(o, "q")) > 0.2 &&
		    getenv("PL_BENCH_DEBUG")[0] < '3')
			continue;
		printf("    rate %s %s %s p %.5f q %.5f effect %.3f margin %.3f hr %lld/%lld hn %lld/%lld\n",
		       json_string_value(json_object_get(o, "prompt")),
		       json_string_value(json_object_get(o, "signal")),
		       json_string_value(json_object_get(o, "words")),
		       json_number_value(json_object_get(o, "p")),
		       json_number_value(json_object_get(o, "q")),
		       json_number_value(json_object_get(o, "effect")),
		       json_number_value(json_object_get(o, "margin")),
		       (long long)json_integer_value(json_object_get(o, "hits_reference")),
		       (long long)json_integer_value(json_object_get(o, "n_reference")),
		       (long long)json_integer_value(json_object_get(o, "hits_night")),
		       (long long)json_integer_value(json_object_get(o, "n_night")));
	}
}

/* One night through detect.h's streaming interface: every baseline prompt in baseline order
 * (the night's samplesets hold the same prompts in the same order). Fills *stage, *onset and
 * epoch (the epoch after tonight); *latency: a latency drift reported. */
static enum detect_verdict judge(const struct detect_params *prm, const struct sampleset *base,
				 const struct sampleset *night, const char *hist, int id,
				 enum detect_stage *stage, int *onset, int *latency, char *epoch,
				 size_t len)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	struct detect_run *r;
	json_t *sec = NULL;
	char nid[32];
	size_t p;

	snprintf(nid, sizeof(nid), "night-%04d", id);
	r = detect_begin(prm, base->n_prompts, hist, nid, 0, &err);
	if (!r) {
		fprintf(stderr, "bench_scenarios: %s: %s\n", err.where, err.msg);
		exit(1);
	}
	for (p = 0; p < base->n_prompts; p++)
		detect_add(r, p, &base->prompts[p],
			   sampleset_find(night, base->prompts[p].prompt_id));
	if (detect_end(r, &o, &sec, &err)) {
		fprintf(stderr, "bench_scenarios: %s: %s\n", err.where, err.msg);
		exit(1);
	}
	if (getenv("PL_BENCH_DEBUG")) {
		const json_t *dec = json_object_get(sec, "decision");

		printf("  [%s] %s (%s): %s\n", nid, detect_verdict_name(o.verdict),
		       detect_stage_name(o.stage), o.summary);
		/* which paths fired: the suite's mean (its deviation in spreads), the prompts,
		 * unseen answers alone */
		printf("    paths: suite %d (%.2f spreads) prompts %lld novel %d inflation %.2f "
		       "dispersion %.2f\n",
		       json_is_true(json_object_get(dec, "suite_above")),
		       json_number_value(json_object_get(dec, "deviation")) /
			       fmax(json_number_value(json_object_get(dec, "spread")), 1e-9),
		       (long long)json_integer_value(json_object_get(dec, "prompts_over")),
		       json_is_true(json_object_get(dec, "novel_alone")),
		       json_number_value(json_object_get(dec, "inflation")),
		       json_number_value(json_object_get(dec, "dispersion")));
	}
	if (getenv("PL_BENCH_DEBUG") && getenv("PL_BENCH_DEBUG")[0] >= '2')
		debug_prompts(sec);
	if (getenv("PL_BENCH_DEBUG") && getenv("PL_BENCH_DEBUG")[0] >= '2')
		debug_rates(sec);
	*stage = o.stage;
	*onset = o.verdict == DETECT_UNSTABLE && o.unstable_onset;
	*latency = json_array_size(json_object_get(json_object_get(sec, "drift"), "latency")) > 0;
	snprintf(epoch, len, "%s", o.epoch);
	json_decref(sec);
	detect_run_free(r);
	return o.verdict;
}

/* Bands of a night's noise factor (scenario_noise_factor: 1 is a typical lumpy night), for
 * where the steady state's suspicions fall. */
#define N_BANDS 4
static const double band_lo[N_BANDS] = { 0, 1.4, 2, 3 };

static int band_of(double f)
{
	int b = N_BANDS - 1;

	while (b > 0 && f < band_lo[b])
		b--;
	return b;
}

struct result {
	struct verdicts quiet;	/* every unchanged night */
	struct verdicts first;	/* the change's first night */
	struct verdicts second; /* its second night */
	int suspected;		/* unchanged nights with a suspicion (exit 1) */
	int confirmed;		/* unchanged nights that confirmed one (exit 1 again) */
	int retracted;		/* unchanged nights that retracted one (exit 0) */
	int unstable_onsets;	/* unchanged nights reported as an unstable episode's onset */
	int latency;		/* unchanged nights that reported a latency drift (no alarm) */
	int first_suspected;	/* the change's first night: suspected or confirmed (exit 1) */
	int by_second;		/* confirmed on the change's first or second night */
	int steady;		/* unchanged nights with STEADY nights of history or more */
	int steady_suspected;	/* of which with a suspicion */
	int steady_confirmed;	/* of which confirming one */
	int night1;		/* suspicions on the first night after the baseline */
	int bad;		/* suspicions on bad nights (lumpy noise at least twice usual) */
	int band_n[N_BANDS];	/* steady unchanged nights by noise factor (band_of) */
	int band_sus[N_BANDS];	/* of which with a suspicion */
	int alarmed;		/* changes alarmed on their first or second night */
	int reverts;		/* confirmed changes taken back on a third night */
	int back;		/* of which no alarm, in the state before the change */
	int third_alarm;	/* of which an alarm (exit 1) */
	int held;		/* --late: nights 3 to N of a confirmed change that holds */
	int held_back;		/* of which taken for the state before it (no alarm) */
	int held_alarm;		/* of which an alarm (exit 1: the change is no news) */
	int trials;
};

/* --hold: the third night keeps the change (is a change that holds ever taken for a return?) */
static int hold;
/* --late N: the change holds N nights (a state of its own by then), then is taken back for
 * LATE_BACK nights: is the return recognised on one of them? */
static int late;
#define LATE_BACK 4
/* --base N: the baseline's samples a prompt (the replays took their first night, 10) */
static int n_base = N_BASE;

static void run_trial(const struct detect_params *prm, const struct scenario *sc,
		      unsigned long long trial, int history, const char *dir, struct result *res)
{
	struct sampleset *base = scenario_night(sc, trial, 0, 0, (size_t)n_base);
	char hist[512], epoch[64], before[64] = "e1";
	enum detect_stage s1 = DETECT_STAGE_NONE;
	int n, change = sc->change != SCEN_NONE, confirmed = 0, got_back = 0, back_alarm = 0;
	int span = late ? late : 2, backs = late ? LATE_BACK : 1;

	snprintf(hist, sizeof(hist), "%s/%s-%llu.jsonl", dir, sc->name, trial);
	/* a change scenario's third night (--late: the night after its span) takes it back */
	for (n = 1; n <= history + (change ? span + backs : 2); n++) {
		int changed = change && n > history && (n <= history + span || hold);
		double noise = scenario_noise_factor(sc, trial, n);
		struct sampleset *s = scenario_night(sc, trial, n, changed, N_SAMPLES);
		enum detect_stage st;
		enum detect_verdict v;
		int onset, back, lat;

		if (changed && getenv("PL_BENCH_DEBUG") &&
		    (sc->change == SCEN_MOVE_PROMPTS || sc->change == SCEN_NEW_ANSWER)) {
			printf("  moved:");
			for (size_t p = 0; p < SCEN_PROMPTS; p++)
				if (scenario_touches(sc, trial, p))
					printf(" p%02zu", p);
			printf("\n");
		}
		if (getenv("PL_BENCH_DEBUG"))
			printf("  night %d: noise factor %.2f\n", n, noise);
		v = judge(prm, base, s, hist, n, &st, &onset, &lat, epoch, sizeof(epoch));
		if (getenv("PL_BENCH_DEBUG"))
			printf("    state: %s (before the change: %s)%s\n", epoch, before,
			       confirmed && n > history + 2 && n <= history + span ? " held" : "");
		/* the revert: no alarm, in the state before the change */
		back = v != DETECT_CHANGED && !strcmp(epoch, before);
		/* the state before the change: the last unchanged night's, a suspicion aside (its
		 * tentative epoch is no state until confirmed) */
		if (n <= history && st != DETECT_STAGE_SUSPECTED)
			snprintf(before, sizeof(before), "%s", epoch);
		int sus = v == DETECT_CHANGED && st != DETECT_STAGE_CONFIRMED;

		sampleset_free(s);
		if (n > history + span) {
			got_back |= back;
			back_alarm |= v == DETECT_CHANGED;
		} else if (!changed) {
			count(&res->quiet, v);
			res->suspected += sus;
			res->confirmed += v == DETECT_CHANGED && st == DETECT_STAGE_CONFIRMED;
			res->retracted += st == DETECT_STAGE_RETRACTED;
			res->unstable_onsets += onset; /* reported onsets (detect.h) */
			res->latency += lat;
			res->night1 += n == 1 && sus;
			if (n - 1 >= STEADY) {
				int b = band_of(noise);

				res->band_n[b]++;
				res->band_sus[b] += sus;
				res->steady++;
				res->steady_suspected += sus;
				res->steady_confirmed += v == DETECT_CHANGED &&
							 st == DETECT_STAGE_CONFIRMED;
			}
			res->bad += noise >= 2 && sus;
		} else if (n == history + 1) {
			count(&res->first, v);
			res->first_suspected += v == DETECT_CHANGED;
			res->alarmed += v == DETECT_CHANGED;
			s1 = v == DETECT_CHANGED ? st : DETECT_STAGE_NONE;
		} else if (n == history + 2) {
			count(&res->second, v);
			res->alarmed += s1 == DETECT_STAGE_NONE && v == DETECT_CHANGED;
			confirmed = s1 == DETECT_STAGE_CONFIRMED ||
				    (v == DETECT_CHANGED && st == DETECT_STAGE_CONFIRMED);
			res->by_second += confirmed;
		} else if (confirmed) {
			/* --late: the change's state holds; every night of it counts */
			res->held++;
			res->held_back += back;
			res->held_alarm += v == DETECT_CHANGED;
		}
	}
	res->reverts += confirmed;
	res->back += confirmed && got_back;
	res->third_alarm += confirmed && back_alarm;
	res->trials++;
	sampleset_free(base);
}

/* "unstable 2 (1.4)": the verdicts other than no_change and changed, count and per 100. */
static void others(const struct verdicts *v, char *buf, size_t len)
{
	size_t i, at = 0;

	buf[0] = '\0';
	for (i = 0; i < v->len && at < len; i++) {
		if (!strcmp(v->name[i], "no_change") || !strcmp(v->name[i], "changed"))
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s %d (%.1f)", at ? ", " : "",
				       v->name[i], v->n[i],
				       v->total ? 100.0 * v->n[i] / v->total : 0.0);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static double per100(int k, int n)
{
	return n ? 100.0 * k / n : 0.0;
}

static void print_row(const struct scenario *sc, const struct result *r)
{
	char o_first[128];
	int nq = r->quiet.total, un = count_of(&r->quiet, "unstable");

	printf("| %s | %s | %d | %d (%.1f) | %d (%.1f) | %d: %d (%.1f) / %d (%.1f) | %d / %d | %d "
	       "(%.1f) / %d |",
	       sc->name, sc->what, nq, r->suspected, per100(r->suspected, nq), r->confirmed,
	       per100(r->confirmed, nq), r->steady, r->steady_suspected,
	       per100(r->steady_suspected, r->steady), r->steady_confirmed,
	       per100(r->steady_confirmed, r->steady), r->night1, r->bad, un, per100(un, nq),
	       r->unstable_onsets);
	if (sc->change == SCEN_NONE) {
		printf(" - | - | - | - | - |\n");
	} else {
		others(&r->first, o_first, sizeof(o_first));
		printf(" %d/%d (%.0f%%) | %s | %d/%d (%.0f%%) | %d/%d (%.0f%%) | %d/%d",
		       r->first_suspected, r->trials, per100(r->first_suspected, r->trials),
		       o_first, r->by_second, r->trials, per100(r->by_second, r->trials),
		       r->alarmed, r->trials, per100(r->alarmed, r->trials), r->back, r->reverts);
		if (hold || late)
			printf("; alarmed %d", r->third_alarm);
		printf(" |\n");
	}
	fflush(stdout);
}

/* The unchanged lumpy scenarios' steady-state suspicions by how noisy the night was: a
 * detector whose false alarms crowd onto the noisy nights is not judging a prompt against
 * the night it is on. */
static void print_bands(const struct scenario *list, size_t n_list, const char *only,
			const struct result *res)
{
	size_t s;
	int b, any = 0;

	for (s = 0; s < n_list; s++) {
		if (!tu_listed(only, list[s].name) || list[s].change != SCEN_NONE ||
		    list[s].noise != SCEN_LUMPY)
			continue;
		if (!any++) {
			printf("\nsteady unchanged nights by noise factor (1: a typical night; "
			       "scenario.c): nights: suspicions (per 100)\n\n| scenario |");
			for (b = 0; b < N_BANDS; b++) {
				if (b + 1 < N_BANDS)
					printf(" %.1f to %.1f |", band_lo[b], band_lo[b + 1]);
				else
					printf(" %.1f and over |", band_lo[b]);
			}
			printf("\n|---|");
			for (b = 0; b < N_BANDS; b++)
				printf("---|");
			printf("\n");
		}
		printf("| %s |", list[s].name);
		for (b = 0; b < N_BANDS; b++)
			printf(" %d: %d (%.1f) |", res[s].band_n[b], res[s].band_sus[b],
			       per100(res[s].band_sus[b], res[s].band_n[b]));
		printf("\n");
	}
}

/* Latency drifts reported on unchanged nights: every scenario's answers carry latencies
 * that wander as a shared fleet's do (scenario.c), and a report is no alarm. */
static void print_latency(const struct scenario *list, size_t n_list, const char *only,
			  const struct result *res)
{
	int k = 0, n = 0;
	size_t s;

	for (s = 0; s < n_list; s++) {
		if (!tu_listed(only, list[s].name))
			continue;
		k += res[s].latency;
		n += res[s].quiet.total;
	}
	printf("\nlatency drift reported (no alarm) on %d of %d unchanged nights (%.1f per 100); "
	       "every scenario's answers carry latencies that wander with the vendor's load\n",
	       k, n, per100(k, n));
}

/* --late N: the nights a confirmed change holds before it is taken back (its third to Nth),
 * each one a chance to take the held state for the one before it (the return test,
 * detect_cusum_back) or to alarm on it again. Summed over the change scenarios, by family. */
static void print_held(const struct scenario *list, size_t n_list, const char *only,
		       const struct result *res)
{
	int n[2] = { 0, 0 }, back[2] = { 0, 0 }, alarm[2] = { 0, 0 }, f;
	size_t s;

	printf("\nnights 3 to %d of a confirmed change that holds: nights: taken for the state "
	       "before it (per 100) / alarms (per 100)\n\n| scenario | held nights |\n|---|---|\n",
	       late);
	for (s = 0; s < n_list; s++) {
		if (!tu_listed(only, list[s].name) || list[s].change == SCEN_NONE)
			continue;
		f = !strncmp(list[s].name, "ext-", 4);
		n[f] += res[s].held;
		back[f] += res[s].held_back;
		alarm[f] += res[s].held_alarm;
		printf("| %s | %d: %d (%.1f) / %d (%.1f) |\n", list[s].name, res[s].held,
		       res[s].held_back, per100(res[s].held_back, res[s].held), res[s].held_alarm,
		       per100(res[s].held_alarm, res[s].held));
	}
	for (f = 0; f < 2; f++)
		printf("| %s | %d: %d (%.1f) / %d (%.1f) |\n",
		       f ? "all `ext`" : "all `sim`, `cat`, `labels`", n[f], back[f],
		       per100(back[f], n[f]), alarm[f], per100(alarm[f], n[f]));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_params *prm = NULL;
	json_t *settings = NULL;
	const struct scenario *list;
	const char *only = NULL;
	int trials = 10, history = 12, null_history = 30, i, t;
	size_t n_list, s;
	double t0 = now_s();
	char *dir = NULL;
	struct result *res;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trials") && i + 1 < argc) {
			trials = tu_count_arg(argv[++i], trials);
		} else if (!strcmp(argv[i], "--history") && i + 1 < argc) {
			history = tu_count_arg(argv[++i], history);
		} else if (!strcmp(argv[i], "--null-history") && i + 1 < argc) {
			null_history = tu_count_arg(argv[++i], null_history);
		} else if (!strcmp(argv[i], "--hold")) {
			hold = 1;
		} else if (!strcmp(argv[i], "--late") && i + 1 < argc) {
			late = tu_count_arg(argv[++i], 2);
			if (late < 2)
				late = 2;
		} else if (!strcmp(argv[i], "--base") && i + 1 < argc) {
			n_base = tu_count_arg(argv[++i], n_base);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--settings") && i + 1 < argc) {
			json_decref(settings);
			settings = json_loads(argv[++i], 0, NULL);
			if (!settings) {
				fprintf(stderr, "bench_scenarios: --settings: not JSON\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: bench_scenarios [--trials N] [--history N] "
					"[--null-history N] [--only NAME,...] [--settings JSON] "
					"[--hold] [--late N] [--base N]\n");
			json_decref(settings);
			return 2;
		}
	}
	prm = detect_params_new(NULL, settings, NULL, NULL, &err);
	json_decref(settings);
	if (!prm) {
		fprintf(stderr, "bench_scenarios: --settings: %s: %s\n", err.where, err.msg);
		return 2;
	}
	dir = tu_tmpdir();
	list = scenario_list(&n_list);
	printf("plumbline detection on realistic scenarios: %d trials each (a new endpoint per "
	       "trial), %d prompts x %d samples a night at T %.1f, baseline %d samples a prompt, "
	       "%d unchanged nights of history, then the change on %d nights (unchanged scenarios: "
	       "%d + 2 nights)\n\n",
	       trials, SCEN_PROMPTS, N_SAMPLES, SCEN_TEMP, n_base, history, late ? late : 2,
	       null_history);
	if (late)
		printf("--late %d: the change holds %d nights, then is taken back for %d nights; "
		       "the last column counts the confirmed changes whose return one of those "
		       "nights recognises (no alarm, the state before the change), and those on "
		       "which one of them raises an alarm\n\n",
		       late, late, LATE_BACK);
	if (hold)
		printf("--hold: the change holds on the third night too; the last column counts "
		       "the confirmed changes that night wrongly takes for the state before them, "
		       "and those on which it raises an alarm (exit 1: the change is no news)\n\n");
	printf("| scenario | what | unchanged nights | suspicions (per 100) | confirmed false "
	       "alarms (per 100) | with %d+ nights of history: nights: suspicions (per 100) / "
	       "confirmed (per 100) | suspicions on night 1 / on bad nights | unstable nights (per "
	       "100) / onsets | first night: suspected | first night: other verdicts | confirmed "
	       "by second night | alarmed (suspected or confirmed) by the second night | taken "
	       "back: the state before it again at once (of confirmed) |\n"
	       "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
	       STEADY);
	res = xcalloc(n_list ? n_list : 1, sizeof(*res));
	for (s = 0; s < n_list; s++) {
		if (!tu_listed(only, list[s].name))
			continue;
		for (t = 0; t < trials; t++)
			run_trial(prm, &list[s], (unsigned long long)t + 1,
				  list[s].change == SCEN_NONE ? null_history : history, dir,
				  &res[s]);
		print_row(&list[s], &res[s]);
	}
	print_bands(list, n_list, only, res);
	if (late > 2)
		print_held(list, n_list, only, res);
	print_latency(list, n_list, only, res);
	free(res);
	printf("\nbenchmark wall time: %.0f s\n", now_s() - t0);
	tu_rmrf(dir);
	free(dir);
	detect_params_free(prm);
	return 0;
}
