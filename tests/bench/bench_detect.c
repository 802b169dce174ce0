/* bench_detect.c: false alarms, detection and compute time of plumbline's detection on the
 * simulated vendor (sim_model) with realistic night-to-night variation, side by side with
 * naive methods (exact match, a fixed similarity threshold per answer, a plain permutation
 * test without history). Prints a table; not a timed test.
 *
 * usage: bench_detect [--nights N] [--trials N] [--quick] [--settings JSON] [--night-noise X]
 *                     [--only NAME]
 * (--settings: a "detection" object, e.g. '{"kernel": "ngram"}'; --only: the drift cases whose
 * name starts with NAME, e.g. "fence")
 * The figures are deterministic (fixed seeds) except the compute times. */
#include "detect.h"
#include "history.h"
#include "rng.h"
#include "sampleset.h"
#include "scenario.h"
#include "testutil.h"
#include "sbuf.h"
#include "sim_model.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N_PROMPTS 25
#define N_SAMPLES 10
#define N_BASE	  50

static char prompt_text[N_PROMPTS][160];

static void make_prompts(void)
{
	size_t p;

	for (p = 0; p < N_PROMPTS; p++)
		scenario_sim_prompt(p, prompt_text[p], sizeof(prompt_text[0]));
}

static void add_sample(struct prompt_samples *ps, const struct sim_answer *a, int idx)
{
	struct sample *s;

	ps->samples = xrealloc(ps->samples, (ps->n + 1) * sizeof(*ps->samples));
	s = &ps->samples[ps->n++];
	memset(s, 0, sizeof(*s));
	s->index = idx;
	s->text = xstrdup(a->text ? a->text : "");
	s->refused = a->refused;
	s->finish_reason = a->finish_reason ? xstrdup(a->finish_reason) : NULL;
	s->model = a->model ? xstrdup(a->model) : NULL;
	s->fingerprint = a->fingerprint ? xstrdup(a->fingerprint) : NULL;
	s->prompt_tokens = a->prompt_tokens;
	s->completion_tokens = a->completion_tokens;
	s->latency_ms = -1;
	s->ttft_ms = -1;
}

static double night_noise = 0.05; /* --night-noise */

/* A change confined to a few prompts moves these first (prompts whose answers the "swap"
 * drift moves entirely), and half of their answers: their answer mix moves by a total
 * variation of about 0.5, the rest of the suite not at all. */
static const size_t confined_order[] = { 6, 7, 8, 10, 11, 12 };

static int is_confined(size_t p, size_t confined)
{
	size_t i;

	for (i = 0; i < confined && i < ARRAY_SIZE(confined_order); i++)
		if (confined_order[i] == p)
			return 1;
	return 0;
}

/* One night of the simulated vendor: every prompt sampled n times; when `confined` is not 0
 * the drifts apply only to half the answers of that many prompts (confined_order). */
static struct sampleset *run_night_in(int night, unsigned drifts, size_t confined, double temp,
				      size_t n, unsigned long long salt)
{
	struct sampleset *s = sampleset_new("sim", "sim-1", "bench");
	struct sim_knobs k;
	size_t p, i;

	sim_knobs_init(&k);
	k.seed = 42;
	k.night = night;
	k.night_noise = night_noise;
	for (p = 0; p < N_PROMPTS; p++) {
		char id[16];
		struct prompt_samples *ps;
		struct sim_msg msg = { "user", prompt_text[p] };

		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		for (i = 0; i < n; i++) {
			k.drifts = !confined || (is_confined(p, confined) && i % 2) ? drifts : 0;
			struct sim_answer a;

			sim_model_answer(&k, "sim-1", &msg, 1, temp, 256,
					 salt * 1000003ULL + (unsigned long long)night * 1009 + i,
					 &a);
			add_sample(ps, &a, (int)i);
			sim_answer_release(&a);
		}
	}
	return s;
}

static struct sampleset *run_night(int night, unsigned drifts, double temp, size_t n,
				   unsigned long long salt)
{
	return run_night_in(night, drifts, 0, temp, n, salt);
}

/* ---- naive methods -------------------------------------------------------------------- */

static int trimmed_eq(const char *a, const char *b)
{
	while (*a == ' ' || *a == '\n')
		a++;
	while (*b == ' ' || *b == '\n')
		b++;
	return !strcmp(a, b);
}

/* Exact match: any answer that is not one of the baseline's answers. */
static int naive_exact(const struct sampleset *base, const struct sampleset *night)
{
	size_t p, i, j;

	for (p = 0; p < night->n_prompts; p++) {
		const struct prompt_samples *a = &base->prompts[p], *b = &night->prompts[p];

		for (i = 0; i < b->n; i++) {
			int seen = 0;

			for (j = 0; j < a->n && !seen; j++)
				seen = trimmed_eq(a->samples[j].text, b->samples[i].text);
			if (!seen)
				return 1;
		}
	}
	return 0;
}

static double ngram_sim(const char *x, const char *y)
{
	size_t nx, ny, lens[2];
	uint32_t *cx = stats_codepoints(x, &nx), *cy = stats_codepoints(y, &ny);
	const uint32_t *cps[2] = { cx, cy };
	double K[4];

	lens[0] = nx;
	lens[1] = ny;
	stats_kernel_matrix(STATS_K_NGRAM, cps, lens, 2, 3, K);
	free(cx);
	free(cy);
	return K[1];
}

/* Golden-answer similarity: each answer against the baseline's first answer of the prompt,
 * character-trigram cosine, fail below the threshold; alarm when more than `share` fail. */
static int naive_similarity(const struct sampleset *base, const struct sampleset *night,
			    double threshold, double share)
{
	size_t p, i, fails = 0, total = 0;

	for (p = 0; p < night->n_prompts; p++) {
		const struct prompt_samples *a = &base->prompts[p], *b = &night->prompts[p];

		for (i = 0; i < b->n && a->n; i++) {
			total++;
			fails += ngram_sim(a->samples[0].text, b->samples[i].text) < threshold;
		}
	}
	return total && (double)fails / (double)total > share;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(getenv("PL_BENCH_CPU") ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- plumbline ------------------------------------------------------------------------ */

struct eval_out {
	enum detect_verdict v;
	enum detect_stage stage;
	double p;
};

static double eval_secs; /* time spent in detect_evaluate on the false-alarm nights */

static struct eval_out evaluate(const struct detect_params *prm, const struct sampleset *base,
				const struct sampleset *night, const char *hist, int id, int dry)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_outcome o;
	json_t *sec = NULL;
	char nid[32];
	struct eval_out r = { DETECT_INSUFFICIENT, DETECT_STAGE_NONE, 1 };

	snprintf(nid, sizeof(nid), "night-%04d", id);
	if (detect_evaluate(prm, base, night, hist, nid, dry, &o, &sec, &err)) {
		fprintf(stderr, "bench_detect: %s: %s\n", err.where, err.msg);
		exit(1);
	}
	r.v = o.verdict;
	r.stage = o.stage;
	if (getenv("PL_BENCH_DEBUG"))
		printf("  [%s] %s\n", nid, o.summary);
	r.p = json_number_value(json_object_get(json_object_get(sec, "distance"), "p"));
	json_decref(sec);
	return r;
}

struct drift_case {
	const char *name;
	unsigned bits;
	size_t confined; /* 0: every prompt; else only the first this many */
};

static const struct drift_case drift_cases[] = {
	{ "wording 0.1", SIM_DRIFT_WORDING, 0 },
	{ "swap", SIM_DRIFT_SWAP, 0 },
	{ "longer", SIM_DRIFT_LONGER, 0 },
	{ "refusals", SIM_DRIFT_REFUSALS, 0 },
	{ "fenced", SIM_DRIFT_FENCED, 0 },
	{ "model", SIM_DRIFT_MODEL, 0 },
	{ "fingerprint", SIM_DRIFT_FINGERPRINT, 0 },
	{ "tokenizer", SIM_DRIFT_TOKENIZER, 0 },
	{ "refusal-text 0.1", SIM_DRIFT_REFUSAL_TEXT, 0 },
	{ "fence 0.1", SIM_DRIFT_FENCE, 0 },
	{ "swap, 2 of 25 prompts (TV ~0.5)", SIM_DRIFT_SWAP, 2 },
	{ "swap, 6 of 25 prompts (TV ~0.5)", SIM_DRIFT_SWAP, 6 },
};

struct tally {
	int pl, exact, sim, perm, unstable, n;
	int suspected, confirmed, retracted;
};

/* Removes a history and the epoch registry beside it (a fresh endpoint). */
static void forget(const char *hist)
{
	struct sbuf reg;

	sbuf_init(&reg);
	history_epochs_path(&reg, hist);
	unlink(hist);
	unlink(reg.buf);
	sbuf_release(&reg);
}

static void false_alarms(const struct detect_params *prm, double temp, int nights, const char *dir,
			 struct tally *t)
{
	struct sampleset *base = run_night(0, 0, temp, N_BASE, 1);
	char hist[512];
	int n;

	snprintf(hist, sizeof(hist), "%s/fa-%g.jsonl", dir, temp);
	forget(hist);
	memset(t, 0, sizeof(*t));
	for (n = 1; n <= nights; n++) {
		struct sampleset *s = run_night(n, 0, temp, N_SAMPLES, 2);
		double t0 = now_s();
		struct eval_out r = evaluate(prm, base, s, hist, n, 0);

		eval_secs += now_s() - t0;
		t->pl += r.v == DETECT_CHANGED;
		t->suspected += r.stage == DETECT_STAGE_SUSPECTED;
		t->confirmed += r.stage == DETECT_STAGE_CONFIRMED;
		t->retracted += r.stage == DETECT_STAGE_RETRACTED;
		t->unstable += r.v == DETECT_UNSTABLE;
		t->perm += r.p <= 0.01;
		t->exact += naive_exact(base, s);
		t->sim += naive_similarity(base, s, 0.7, 0.0);
		t->n++;
		sampleset_free(s);
	}
	sampleset_free(base);
	forget(hist);
}

/* Each trial: `hist_nights` quiet nights of history, then the drift's first night. Trials
 * reuse a few histories and evaluate drift nights without recording them (dry). */
static void detection(const struct detect_params *prm, double temp, const struct drift_case *dc,
		      int trials, int hist_nights, const char *dir, struct tally *t)
{
	struct sampleset *base = run_night(0, 0, temp, N_BASE, 1);
	int h, tr = 0, histories = 4;

	memset(t, 0, sizeof(*t));
	for (h = 0; h < histories; h++) {
		char hist[512];
		int n, k;

		snprintf(hist, sizeof(hist), "%s/det-%d.jsonl", dir, h);
		forget(hist);
		for (n = 1; n <= hist_nights; n++) {
			struct sampleset *s = run_night(1000 * h + n, 0, temp, N_SAMPLES, 3 + h);

			evaluate(prm, base, s, hist, n, 0);
			sampleset_free(s);
		}
		for (k = 0; k < (trials + histories - 1) / histories && tr < trials; k++, tr++) {
			int night = 1000 * h + hist_nights + 1 + k;
			struct sampleset *s =
				run_night_in(night, dc->bits, dc->confined, temp, N_SAMPLES, 3 + h);
			struct eval_out r = evaluate(prm, base, s, hist, night, 1);

			t->pl += r.v == DETECT_CHANGED;
			t->perm += r.p <= 0.01;
			t->exact += naive_exact(base, s);
			t->sim += naive_similarity(base, s, 0.7, 0.0);
			t->n++;
			sampleset_free(s);
		}
		forget(hist);
	}
	sampleset_free(base);
}

/* 50 prompts x 10 samples x 1,000-character answers, 1,000 permutations. */
static void compute_time(const struct detect_params *prm, size_t n_base, double *secs)
{
	static const char *const w[] = { "alpha", "beta", "gamma", "delta", "epsilon",
					 "zeta",  "eta",  "theta", "iota",  "kappa" };
	struct sampleset *a = sampleset_new("x", "m", "s"), *b = sampleset_new("x", "m", "s");
	struct rng g;
	struct sbuf sb;
	size_t p, i;
	double t0;

	sbuf_init(&sb);
	rng_seed(&g, 5);
	for (p = 0; p < 50; p++) {
		char id[16];
		struct prompt_samples *pa, *pb;

		snprintf(id, sizeof(id), "p%02zu", p);
		pa = sampleset_prompt(a, id);
		pb = sampleset_prompt(b, id);
		for (i = 0; i < n_base + 10; i++) {
			struct sim_answer ans = { 0 };

			sbuf_reset(&sb);
			while (sb.len < 1000)
				sbuf_addf(&sb, "%s ", w[rng_below(&g, 10)]);
			sb.len = 1000;
			sb.buf[1000] = 0;
			ans.text = sb.buf;
			ans.finish_reason = "stop";
			ans.model = "m";
			ans.prompt_tokens = 10;
			add_sample(i < n_base ? pa : pb, &ans, (int)i);
		}
	}
	t0 = now_s();
	evaluate(prm, a, b, "/nonexistent-bench-dir/h.jsonl", 1, 1);
	*secs = now_s() - t0;
	sbuf_release(&sb);
	sampleset_free(a);
	sampleset_free(b);
}

static const char *pct(int k, int n, char *buf, size_t len)
{
	snprintf(buf, len, "%d/%d (%.0f%%)", k, n, n ? 100.0 * k / n : 0);
	return buf;
}

int main(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct detect_params *prm = NULL;
	json_t *settings = NULL;
	int nights = 200, trials = 40, hist_nights = 14, i;
	double temps[] = { 0.7, 0 }, secs10, secs100, t0 = now_s();
	char dir[] = "/tmp/pl_bench_detect_XXXXXX";
	char b1[32], b2[32], b3[32], b4[32];
	const char *only = NULL;
	size_t ti, d;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--nights") && i + 1 < argc)
			nights = tu_count_arg(argv[++i], nights);
		else if (!strcmp(argv[i], "--trials") && i + 1 < argc)
			trials = tu_count_arg(argv[++i], trials);
		else if (!strcmp(argv[i], "--settings") && i + 1 < argc) {
			json_decref(settings);
			settings = json_loads(argv[++i], 0, NULL);
			if (!settings) {
				fprintf(stderr, "bench_detect: --settings: not JSON\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--night-noise") && i + 1 < argc) {
			night_noise = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--quick")) {
			nights = 40;
			trials = 8;
		}
	}
	prm = detect_params_new(NULL, settings, NULL, NULL, &err);
	json_decref(settings);
	if (!prm) {
		fprintf(stderr, "bench_detect: --settings: %s: %s\n", err.where, err.msg);
		return 2;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_detect: setup failed\n");
		return 1;
	}
	make_prompts();
	printf("plumbline detection benchmark: simulated vendor (night_noise %g), %d prompts x "
	       "%d samples a night, baseline %d samples a prompt, default detection settings\n\n",
	       night_noise, N_PROMPTS, N_SAMPLES, N_BASE);
	printf("False alarms on an unchanged vendor (%d nights; goal <= 1 per 100 nights)\n",
	       nights);
	printf("| temperature | plumbline (nights exit 1) | suspected | confirmed | retracted | "
	       "unstable | exact match | similarity < 0.7 | permutation p <= 0.01 |\n"
	       "|---|---|---|---|---|---|---|---|---|\n");
	for (ti = 0; ti < ARRAY_SIZE(temps); ti++) {
		struct tally t;

		false_alarms(prm, temps[ti], nights, dir, &t);
		printf("| %.1f | %s | %d | %d | %d | %d | %s | %s | %s |\n", temps[ti],
		       pct(t.pl, t.n, b1, sizeof(b1)), t.suspected, t.confirmed, t.retracted,
		       t.unstable, pct(t.exact, t.n, b2, sizeof(b2)),
		       pct(t.sim, t.n, b3, sizeof(b3)), pct(t.perm, t.n, b4, sizeof(b4)));
		fflush(stdout);
	}
	printf("\nDetection on the drift's first night (%d trials, %d nights of history each; "
	       "goal >= 95%% for wording 0.1, 100%% for swap and hard signals)\n",
	       trials, hist_nights);
	printf("| temperature | drift | plumbline | exact match | similarity < 0.7 | "
	       "permutation p <= 0.01 |\n|---|---|---|---|---|---|\n");
	for (ti = 0; ti < ARRAY_SIZE(temps); ti++) {
		for (d = 0; d < ARRAY_SIZE(drift_cases); d++) {
			struct tally t;

			if (only && strncmp(drift_cases[d].name, only, strlen(only)))
				continue;
			detection(prm, temps[ti], &drift_cases[d], trials, hist_nights, dir, &t);
			printf("| %.1f | %s | %s | %s | %s | %s |\n", temps[ti],
			       drift_cases[d].name, pct(t.pl, t.n, b1, sizeof(b1)),
			       pct(t.exact, t.n, b2, sizeof(b2)), pct(t.sim, t.n, b3, sizeof(b3)),
			       pct(t.perm, t.n, b4, sizeof(b4)));
			fflush(stdout);
		}
	}
	printf("\nDetection CPU per unchanged night (25 prompts, growing history): %.1f ms\n",
	       1000 * eval_secs / (2.0 * nights));
	compute_time(prm, 10, &secs10);
	compute_time(prm, 100, &secs100);
	printf("\nCompute time, 50 prompts x 1,000-character answers, 1,000 permutations "
	       "(goal well under a second)\n| baseline x night samples | seconds |\n|---|---|\n"
	       "| 10 x 10 | %.3f |\n| 100 x 10 | %.3f |\n",
	       secs10, secs100);
	printf("\nbenchmark wall time: %.1f s\n", now_s() - t0);
	rmdir(dir);
	detect_params_free(prm);
	return 0;
}
