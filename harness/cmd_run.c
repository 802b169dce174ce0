/* cmd_run.c: `plumbline run`: the nightly job. Sends the suites, compares with the baselines,
 * decides whether each vendor changed, writes reports, and maps the outcome to an exit code. */
#include "baseline.h"
#include "cli.h"
#include "detect.h"
#include "embed.h"
#include "evaluate.h"
#include "judge_client.h"
#include "lock.h"
#include "log.h"
#include "publish.h"
#include "redact.h"
#include "render.h"
#include "fileio.h"
#include "report.h"
#include "sbuf.h"
#include "session.h"
#include "sign.h"
#include "whatchanged.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char usage_run[] =
	"usage: plumbline run --config FILE [--vendor ID]... [options] SUITE...\n"
	"\n"
	"Sends every prompt of each SUITE to each vendor (all vendors of the config unless\n"
	"--vendor is given), compares the answers with the stored baselines, decides whether\n"
	"the vendor changed, writes reports/<date>/<vendor>-<suite>.json and prints a summary;\n"
	"under it, when checks failed, the first 5 failing checks (check id, prompt id, pass\n"
	"rate) and \"+N more\" (not with --quiet).\n"
	"\n";

static const char usage_run_tail[] =
	"\n"
	"Reports are signed and entered in the vendor register when a signing key exists (see\n"
	"'plumbline keygen'). Once signing is set up (a \"signing\" section, or the register,\n"
	"its checkpoint or the public key exists), a missing or unreadable secret key stops\n"
	"the run before anything is sent (exit 3). Alerts go to the channels of the config's\n"
	"\"alerts\" section.\n"
	"A night whose run did not finish (killed, or stopped by an error) is reported as\n"
	"incomplete by the next run of the same\n"
	"vendors and suites, unless it is finished first with --date NIGHT --resume.\n";

/* A vendor/suite with fewer answers than this share of its plan is "incomplete". */

struct run_args {
	const char *config_path;
	struct cli_strings vendors;
	const char *date;
	char *const *suites;
	size_t n_suites;
	int quiet, force;
	double lock_wait;
	struct cli_budget budget;
	const char *markdown, *junit;
	struct session_opts so;
};

/* The budget ranges are the config's budget ranges. */
const struct cli_option run_options[] = {
	CLI_STRING('c', "config", struct run_args, config_path, "FILE", "the config file"),
	CLI_STRING_LIST('v', "vendor", struct run_args, vendors, "ID",
			"run only this vendor entry (repeatable)"),
	CLI_STRING(0, "date", struct run_args, date, "YYYY-MM-DD",
		   "the night this run stands for (default: today, UTC)"),
	CLI_BOOL(0, "resume", struct run_args, so.resume,
		 "continue the killed run of that night without re-sending\nanswered requests"),
	CLI_BOOL(0, "force", struct run_args, force,
		 "run a night again although its report exists (the new\nreport replaces it; "
		 "the register records the re-run)"),
	CLI_STRING(0, "record", struct run_args, so.record_dir, "DIR",
		   "also save every raw exchange (without credentials) under DIR"),
	CLI_STRING(0, "replay", struct run_args, so.replay_dir, "DIR",
		   "answer from recordings made with --record (no network)"),
	CLI_BUDGET_OPTIONS(struct run_args, budget),
	CLI_DOUBLE(0, "lock-wait", struct run_args, lock_wait, "SECS", 0, 604800,
		   "seconds 0..604800",
		   "wait up to SECS for another run of the same vendor/suite\n(default 0: exit 3 "
		   "at once, naming the other run's pid)"),
	CLI_STRING(0, "markdown", struct run_args, markdown, "FILE",
		   "also write a Markdown summary (pull requests, chat)"),
	CLI_STRING(0, "junit", struct run_args, junit, "FILE",
		   "also write JUnit XML (one test case per prompt and check)"),
	CLI_BOOL('q', "quiet", struct run_args, quiet,
		 "print only changes, errors and the onset of instability"),
	CLI_END,
};

const struct cli_usage_part usage_run_parts[] = {
	{ run_options, usage_run_tail },
	{ NULL, NULL },
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	int rc = EXIT_USAGE, first;

	first = cli_parse_options("run", argc, argv, run_options, a, &rc);
	if (first < 0)
		return rc;
	if (a->date && !session_valid_date(a->date))
		return cli_usage_error("run", "--date expects a calendar date YYYY-MM-DD");
	if (a->date) {
		/* a night is run on its day or after it (a typo of the year would put a night
		 * ahead of every night to come); a day of slack for time zones */
		char tomorrow[16];
		time_t t = time(NULL) + 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
		if (strcmp(a->date, tomorrow) > 0)
			return cli_usage_error(
				"run",
				"--date %s is in the future (tomorrow is %s, UTC): a "
				"night is run on its day or after it",
				a->date, tomorrow);
	}
	cli_budget_apply(&a->budget, &a->so);
	if (!a->config_path)
		return cli_usage_error("run", "--config FILE is required");
	if (first >= argc)
		return cli_usage_error("run", "name at least one SUITE file");
	a->suites = argv + first;
	a->n_suites = (size_t)(argc - first);
	return 0;
}

/* Everything judged for one (vendor, suite). Prompts are judged one at a time as their
 * answers come in (on_prompt); judge finishes what they left. */
struct target {
	const struct vendor *vendor;
	const struct suite *suite;
	struct detect_params *params;
	struct baseline_reader *baseline;
	char baseline_path[1024];
	/* Filled prompt by prompt. */
	struct report_stream *rs;
	struct detect_run *drun;
	unsigned char *seen;	/* per baseline prompt: judged tonight */
	struct whatchanged *wc; /* "what changed?" figures, prompt by prompt */
	double *lat;		/* tonight's latencies (register and metrics figures) */
	size_t n_lat, cap_lat, answers;
	/* Prompts run but not judged against the baseline (format checks only): edited since
	 * their baseline (another request hash), or new (not in the baseline). */
	struct cli_strings edited, unbaselined;
	struct cli_strings failing; /* those of them whose format checks failed tonight */
	size_t faults;		    /* requests of tonight's journal that ended in a fault */
	size_t not_sent;	    /* ... of which were given up without being sent */
	struct judge_tally jtally;  /* what the LLM judge did for the judged checks */
	int judged;		    /* the suite has judged checks */
	/* A suite with judged checks is judged after the run (judge_deferred): asking the LLM
	 * judge while the runner waits would hold back its requests and stretch the latencies
	 * it measures. Its prompts wait here, in order. */
	struct prompt_samples *deferred;
	const struct prompt **deferred_pr;
	size_t n_deferred, cap_deferred;
	/* embedding_similarity: the run's embeddings client (shared, borrowed; NULL when the
	 * suite has no such check or the config no "embeddings") and why a prompt has no
	 * vectors when it has none */
	struct embedder *emb;
	char embed_skip[512];
	char embed_fail[512]; /* why tonight's answers of the prompt judged now have no vectors */
	/* Filled by judge. */
	json_t *report; /* without its prompts (see report_stream_finish) */
	struct detect_outcome det;
	int have_detect;
	json_t *what_changed; /* the report's "what_changed" (changed nights); may be NULL */
	/* tonight's failed checks of the counted prompts, as alerts name them
	 * (evaluate_failed_checks); NULL until the first */
	json_t *failed_checks;
	char report_path[1024];
	char sha[65];
	char summary[768];
	const char *signals[16];
	char signal_buf[16][64];
	size_t n_signals;
};

/* A vendor/suite pair without a baseline: not run, reported with the command that records
 * it; the other pairs go on without it. */
struct missing {
	const struct vendor *vendor;
	const struct suite *suite;
	char path[1024];
};

struct missing_list {
	struct missing *v;
	size_t n;
};

/* plan_filter: the groups of pairs that have a baseline. */
static int keep_baselined(void *ctx, const struct plan_group *g)
{
	const struct missing_list *m = ctx;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].vendor == g->vendor && m->v[i].suite == g->suite)
			return 0;
	return 1;
}

/* One target per (vendor, suite) that has a baseline (opened unless need_baselines is 0); the
 * pairs without one go to *miss and out of the plan. */
static int prepare(struct session *s, int need_baselines, struct target **out, size_t *n,
		   struct missing_list *miss, struct pl_err *err)
{
	struct jsonloc cloc = config_loc(s->cfg);
	struct target *t;
	size_t v, q, k = 0;

	t = xcalloc(s->plan.n_vendors * s->n_suites + 1, sizeof(*t));
	*out = t;
	miss->v = xcalloc(s->plan.n_vendors * s->n_suites + 1, sizeof(*miss->v));
	miss->n = 0;
	for (v = 0; v < s->plan.n_vendors; v++)
		for (q = 0; q < s->n_suites; q++) {
			struct jsonloc sloc = suite_loc(s->suites[q]);
			const struct vendor *vd = s->plan.vendors[v];
			char path[1024];

			baseline_path(path, sizeof(path), s->cfg->baselines_dir, vd->id, vd->model,
				      s->suites[q]->id);
			if (!fileio_exists(path)) {
				struct missing *m = &miss->v[miss->n++];

				m->vendor = vd;
				m->suite = s->suites[q];
				snprintf(m->path, sizeof(m->path), "%s", path);
				continue;
			}
			*n = k + 1;
			t[k].vendor = vd;
			t[k].suite = s->suites[q];
			snprintf(t[k].baseline_path, sizeof(t[k].baseline_path), "%s", path);
			t[k].params = detect_params_new(&cloc, s->cfg->detection, &sloc,
							s->suites[q]->detection, err);
			if (!t[k].params)
				return -1;
			if (need_baselines) {
				t[k].baseline = baseline_open(t[k].baseline_path, err);
				if (!t[k].baseline)
					return -1;
			}
			k++;
		}
	if (miss->n)
		plan_filter(&s->plan, keep_baselined, miss);
	return 0;
}

/* "V/S: not baselined", with the command that records it. */
static void print_missing(const struct run_args *a, const struct missing_list *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		printf("%s/%s [%s]: not baselined: no baseline at %s; record it with 'plumbline "
		       "baseline record --config %s --vendor %s %s'\n",
		       m->v[i].vendor->id, m->v[i].suite->id, m->v[i].vendor->model, m->v[i].path,
		       a->config_path, m->v[i].vendor->id, m->v[i].suite->path);
}

/* A baseline recorded before request hashes were kept cannot tell an edited prompt from a
 * vendor change: said once per baseline, judged as before. */
static void warn_unknown_hashes(const struct run_args *a, const struct target *t, size_t n)
{
	size_t i, p;

	for (i = 0; i < n; i++) {
		size_t nb = baseline_count(t[i].baseline);

		for (p = 0; p < nb; p++)
			if (!baseline_prompt_request(t[i].baseline, p))
				break;
		if (p == nb)
			continue;
		fprintf(stderr,
			"plumbline: warning: %s was recorded without request hashes: an edited "
			"prompt cannot be told from a vendor change; re-record it with 'plumbline "
			"baseline record --config %s --vendor %s %s'\n",
			t[i].baseline_path, a->config_path, t[i].vendor->id, t[i].suite->path);
	}
}

static void strings_add(struct cli_strings *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static void strings_free(struct cli_strings *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free((char *)l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Opens each target's report and detection before the first answer arrives. */
static int start_targets(struct session *s, struct target *t, size_t n, const char *date,
			 struct pl_err *err)
{
	char hist[1024];
	size_t i;

	for (i = 0; i < n; i++) {
		t[i].rs = report_stream_new(1, err);
		if (!t[i].rs)
			return -1;
		session_history_path(s->cfg, t[i].vendor, t[i].suite->id, hist, sizeof(hist));
		t[i].drun = detect_begin(t[i].params, baseline_count(t[i].baseline), hist, date, 0,
					 err);
		if (!t[i].drun)
			return -1;
		t[i].seen = xcalloc(baseline_count(t[i].baseline) + 1, 1);
		t[i].wc = whatchanged_new(detect_params_refusal(t[i].params));
	}
	return 0;
}

/* Evaluates a prompt's checks, asking the LLM judge first for the judged ones (jc NULL: the
 * suite has none). */
static json_t *evaluate_judged(struct target *t, struct judge_client *jc, const struct prompt *pr,
			       const struct prompt_samples *bs, const struct prompt_samples *ns,
			       const struct eval_embeddings *emb, struct eval_counts *counts)
{
	struct judge_verdicts jv;
	struct eval_judged ej = { judge_verdicts_lookup, &jv };
	struct eval_extra x = { .vendor = t->vendor,
				.emb = emb,
				.refusal = detect_params_refusal(t->params) };
	json_t *entry;

	if (!jc)
		return evaluate_prompt(pr, &x, bs, ns, REPORT_MAX_EXAMPLES, counts);
	judge_client_prompt(jc, pr, bs, ns, &jv, &t->jtally);
	x.judged = &ej;
	entry = evaluate_prompt(pr, &x, bs, ns, REPORT_MAX_EXAMPLES, counts);
	judge_verdicts_annotate(&jv, entry);
	judge_verdicts_release(&jv);
	return entry;
}

/* The prompt's answers need vectors: an embedding check, or detection by embeddings. */
static int wants_vectors(const struct target *t, const struct prompt *pr)
{
	return evaluate_prompt_uses(pr, "embedding_similarity") ||
	       detect_params_embedding(t->params);
}

/* Texts of a group of samples, borrowed. */
static const char **sample_texts(const struct prompt_samples *ps)
{
	const char **v = xcalloc((ps ? ps->n : 0) + 1, sizeof(*v));
	size_t i;

	for (i = 0; ps && i < ps->n; i++)
		v[i] = ps->samples[i].text;
	return v;
}

/* The baseline's vectors (embed_baseline_store): of every prompt with an embedding check,
 * or of every prompt when detection compares embeddings. A failure of the embeddings
 * endpoint is no error of the run: the embedding checks are skipped, saying why. */
static int embed_baseline(struct target *t, struct pl_err *err)
{
	return embed_baseline_store(t->emb, t->baseline, t->baseline_path, t->suite,
				    detect_params_embedding(t->params), t->embed_skip,
				    sizeof(t->embed_skip), err);
}

/* A prompt's vectors for evaluate: the baseline's from the cache, tonight's embedded now.
 */
static void prompt_embeddings(struct target *t, const struct prompt *pr,
			      const struct prompt_samples *bs, const struct prompt_samples *ps,
			      const float ***brows, const float ***nrows,
			      struct eval_embeddings *emb)
{
	const char **texts = sample_texts(ps);
	struct pl_err e2 = PL_ERR_INIT;
	size_t i;

	memset(emb, 0, sizeof(*emb));
	emb->skip = t->embed_skip[0] ? t->embed_skip : "no embeddings were computed";
	if (!t->emb || !wants_vectors(t, pr) || t->embed_skip[0]) {
		free(texts);
		return;
	}
	*brows = xcalloc((bs ? bs->n : 0) + 1, sizeof(**brows));
	*nrows = xcalloc((ps ? ps->n : 0) + 1, sizeof(**nrows));
	for (i = 0; bs && i < bs->n; i++)
		(*brows)[i] = embedder_lookup(t->emb, bs->samples[i].text);
	if (ps && ps->n && embedder_embed(t->emb, texts, ps->n, *nrows, &e2) < 0) {
		/* the prompt's embedding checks are skipped, saying why */
		pl_err_str(&e2, t->embed_fail, sizeof(t->embed_fail));
		emb->skip = t->embed_fail;
	}
	emb->dim = embedder_dim(t->emb);
	emb->night = *nrows;
	emb->baseline = *brows;
	free(texts);
}

/* The embeddings client, when a suite has an embedding_similarity check (*out stays NULL
 * otherwise), and the baselines' vectors. Without an "embeddings" config, or under --replay
 * (which sends nothing), the checks are skipped, saying why. */
static int setup_embeddings(struct session *s, const struct run_args *a, struct target *t, size_t n,
			    struct embedder **out, struct pl_err *err)
{
	struct embed_budget b;
	const char *why = NULL;
	size_t i, p;
	int uses = 0;

	*out = NULL;
	for (i = 0; i < n; i++) {
		if (detect_params_embedding(t[i].params) && !s->cfg->embed_vendor)
			return pl_err_set(err, PL_E_INPUT, s->cfg->path,
					  "detection distance \"embedding\" (suite \"%s\") needs "
					  "the config's \"embeddings\" endpoint",
					  t[i].suite->id);
		for (p = 0; p < t[i].suite->n_prompts && !uses; p++)
			uses = wants_vectors(&t[i], &t[i].suite->prompts[p]);
	}
	if (!uses)
		return 0;
	if (!s->cfg->embed_vendor)
		why = "no embeddings: the config has no \"embeddings\" section";
	else if (a->so.replay_dir)
		why = "no embeddings: --replay sends nothing to the embeddings endpoint";
	if (why) {
		for (i = 0; i < n; i++)
			snprintf(t[i].embed_skip, sizeof(t[i].embed_skip), "%s", why);
		return 0;
	}
	b.max_requests = a->so.max_requests > 0 ? a->so.max_requests : (long)s->cfg->max_requests;
	b.max_tokens = a->so.max_tokens > 0 ? a->so.max_tokens : (long)s->cfg->max_tokens;
	b.max_cost = a->so.max_cost > 0 ? a->so.max_cost : s->cfg->max_cost;
	*out = embedder_new(s->cfg, &b, err);
	if (!*out)
		return -1;
	for (i = 0; i < n; i++) {
		t[i].emb = *out;
		if (embed_baseline(&t[i], err) < 0)
			return -1;
	}
	return 0;
}

/* Judges one prompt of one target and frees its answers: checks, the report entry and the
 * detection figures. */
static int judge_prompt(struct target *t, struct judge_client *jc, const struct prompt *pr,
			struct prompt_samples *ps, struct pl_err *err)
{
	struct prompt_samples bs;
	size_t bi = baseline_find(t->baseline, pr->id), i;
	const char *status = NULL, *was;
	struct eval_embeddings emb;
	const float **brows = NULL, **nrows = NULL;
	json_t *entry;
	int rc = -1;

	memset(&bs, 0, sizeof(bs));
	memset(&emb, 0, sizeof(emb));
	if (bi != BASELINE_NONE) {
		if (t->seen[bi]) {
			pl_err_set(err, PL_E_INTERNAL, t->baseline_path,
				   "prompt \"%s\" judged twice", pr->id);
			goto out;
		}
		t->seen[bi] = 1;
		was = baseline_prompt_request(t->baseline, bi);
		if (was && strcmp(was, pr->request_sha256)) {
			/* the suite's own edit: the old answers say nothing about this
			 * request */
			status = "edited";
			strings_add(&t->edited, pr->id);
			bi = BASELINE_NONE;
		} else if (baseline_read_prompt(t->baseline, bi, &bs, err) < 0) {
			goto out;
		}
	} else {
		status = "not_baselined";
		strings_add(&t->unbaselined, pr->id);
	}
	/* A prompt without a baseline of its own request is run and its format checks are
	 * reported, but nothing compares it with a baseline (no similarity, no detection),
	 * and its checks do not decide the verdict: the night is incomplete for it (exit 3)
	 * until it is recorded. */
	if (status) {
		struct eval_counts own, *c = report_stream_counts(t->rs);

		memset(&own, 0, sizeof(own));
		entry = evaluate_judged(t, jc, pr, NULL, ps, NULL, &own);
		c->pass += own.pass;
		c->fail += own.fail;
		c->skip += own.skip;
		c->error += own.error;
		c->samples += own.samples;
		c->faults += own.faults;
		c->not_sent += own.not_sent;
		c->vendor_faults += own.vendor_faults;
		c->vendor_not_sent += own.vendor_not_sent;
		c->refusals += own.refusals;
		if (own.prompts_failed)
			strings_add(&t->failing, pr->id);
		json_object_set_new(entry, "baseline_status", json_string(status));
	} else {
		prompt_embeddings(t, pr, &bs, ps, &brows, &nrows, &emb);
		entry = evaluate_judged(t, jc, pr, &bs, ps, &emb, report_stream_counts(t->rs));
		/* the checks counted tonight: alerts name the failed ones */
		if (!t->failed_checks)
			t->failed_checks = json_array();
		evaluate_failed_checks(entry, pr, bi != BASELINE_NONE ? &bs : NULL,
				       t->failed_checks);
	}
	if (report_stream_add(t->rs, entry, bi != BASELINE_NONE ? &bs : NULL, ps, err) < 0)
		goto out;
	if (!status) {
		struct detect_vectors vec = { emb.dim, brows, nrows };

		detect_add_embedded(t->drun, bi, &bs, ps, &vec);
		/* the checks' pass rates, per prompt against the baseline's */
		detect_add_checks(t->drun, bi, pr->checks, pr->n_checks, &bs, ps);
	}
	whatchanged_add(t->wc, pr, bi != BASELINE_NONE ? &bs : NULL, ps);
	if (t->n_lat + ps->n > t->cap_lat) {
		t->cap_lat = 2 * (t->n_lat + ps->n) + 16;
		t->lat = xrealloc(t->lat, t->cap_lat * sizeof(*t->lat));
	}
	for (i = 0; i < ps->n; i++)
		if (ps->samples[i].latency_ms >= 0)
			t->lat[t->n_lat++] = ps->samples[i].latency_ms;
	t->answers += ps->n;
	t->faults += ps->faults;
	t->not_sent += ps->not_sent;
	rc = 0;
out:
	free(brows);
	free(nrows);
	prompt_samples_release(&bs);
	return rc;
}

struct run_ctx {
	struct session *s;
	struct target *t;
	size_t n;
	struct judge_client *jc; /* NULL: no suite has judged checks */
};

/* collect_fn: a prompt's answers are all in. */
static int on_prompt(void *ctx, const struct plan_group *g, struct prompt_samples *ps,
		     struct pl_err *err)
{
	struct run_ctx *rc = ctx;
	size_t i;
	int r = 0;

	for (i = 0; i < rc->n; i++)
		if (rc->t[i].vendor == g->vendor && rc->t[i].suite == g->suite)
			break;
	if (i < rc->n && rc->t[i].judged && rc->jc) {
		struct target *t = &rc->t[i];

		if (t->n_deferred == t->cap_deferred) {
			t->cap_deferred = 2 * t->cap_deferred + 8;
			t->deferred = xrealloc(t->deferred, t->cap_deferred * sizeof(*t->deferred));
			t->deferred_pr =
				xrealloc(t->deferred_pr, t->cap_deferred * sizeof(*t->deferred_pr));
		}
		t->deferred_pr[t->n_deferred] = g->prompt;
		t->deferred[t->n_deferred++] = *ps; /* taken over */
		memset(ps, 0, sizeof(*ps));
	} else if (i < rc->n) {
		r = judge_prompt(&rc->t[i], NULL, g->prompt, ps, err);
	}
	prompt_samples_release(ps);
	return r;
}

/* After the run: the prompts of the suites with judged checks, in order, with the judge. */
static int judge_deferred(struct run_ctx *rc, struct pl_err *err)
{
	size_t i, k;
	int r = 0;

	for (i = 0; i < rc->n; i++) {
		struct target *t = &rc->t[i];

		for (k = 0; k < t->n_deferred; k++) {
			if (r == 0)
				r = judge_prompt(t, rc->jc, t->deferred_pr[k], &t->deferred[k],
						 err);
			prompt_samples_release(&t->deferred[k]);
		}
		t->n_deferred = 0;
	}
	return r;
}

/* Baseline prompts tonight's suite does not have still count for detection (the baseline's
 * own rates) and for the report's baseline metadata. */
static int judge_rest(struct target *t, struct pl_err *err)
{
	size_t i, n = baseline_count(t->baseline);

	for (i = 0; i < n; i++) {
		struct prompt_samples bs;

		if (t->seen[i])
			continue;
		if (baseline_read_prompt(t->baseline, i, &bs, err) < 0)
			return -1;
		detect_add(t->drun, i, &bs, NULL);
		report_stream_add_baseline(t->rs, &bs);
		prompt_samples_release(&bs);
		t->seen[i] = 1;
	}
	return 0;
}

/* One lock per (vendor, suite), all taken at once in sorted order: two runs over
 * overlapping sets cannot deadlock. */
static int lock_targets(const struct session *s, const struct target *t, size_t n, double wait_s,
			struct lockset **locks, struct pl_err *err)
{
	char(*names)[256] = xcalloc(n + 1, sizeof(*names));
	const char **ptrs = xcalloc(n + 1, sizeof(*ptrs));
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		lock_name(names[i], sizeof(names[i]), t[i].vendor->id, t[i].suite->id);
		ptrs[i] = names[i];
	}
	rc = lock_acquire_all(s->cfg->state_dir, ptrs, n, wait_s, locks, NULL, err);
	free(ptrs);
	free(names);
	return rc;
}

static void release_targets(struct target *t, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		detect_params_free(t[i].params);
		baseline_close(t[i].baseline);
		report_stream_free(t[i].rs);
		detect_run_free(t[i].drun);
		free(t[i].seen);
		free(t[i].lat);
		whatchanged_free(t[i].wc);
		json_decref(t[i].what_changed);
		json_decref(t[i].failed_checks);
		json_decref(t[i].report);
		strings_free(&t[i].edited);
		strings_free(&t[i].unbaselined);
		strings_free(&t[i].failing);
		for (k = 0; k < t[i].n_deferred; k++)
			prompt_samples_release(&t[i].deferred[k]);
		free(t[i].deferred);
		free(t[i].deferred_pr);
	}
	free(t);
}

/* Why a target is incomplete, or NULL when it is not: how many of its requests failed, with
 * the fault most of the vendor's failed requests ended with and its first (redacted)
 * message
 * ("50 of 50 requests failed: network (connection failed: Could not resolve host: ...)"),
 * and what stopped the vendor (an outage); failed authentication, the one cause the user
 * must fix, comes first. */
static const char *incomplete_reason(const struct session *s, const struct target *t,
				     size_t planned, char *buf, size_t len)
{
	const struct runner_vendor_stats *vs = session_vendor_stats(s, t->vendor->id);
	const char *head = NULL;
	char fault[320] = "";
	struct sbuf sb;

	if (s->stats.budget_hit) {
		snprintf(buf, len, "budget reached: %s", s->stats.budget_reason);
		return buf;
	}
	if (vs && vs->stop_reason[0])
		head = vs->stop_reason;
	else if (vs && vs->circuit_open)
		head = "vendor unreachable";
	/* Few enough faults leave the night complete: nothing to explain. */
	if (!head && (!t->faults || (double)t->answers >= SESSION_MIN_ANSWERED * (double)planned))
		return NULL;
	if (vs)
		runner_fault_describe(vs, fault, sizeof(fault));
	sbuf_init(&sb);
	if (head && vs->auth_failed)
		sbuf_addf(&sb, "%s; ", head);
	if (t->faults > t->not_sent)
		sbuf_addf(&sb, "%zu of %zu requests failed%s%s; ", t->faults - t->not_sent, planned,
			  fault[0] ? ": " : "", fault);
	/* an outage's summary (the head) says how many it left unsent */
	if (t->not_sent && !(head && vs->outage.not_sent))
		sbuf_addf(&sb, "%zu not sent; ", t->not_sent);
	if (head && !vs->auth_failed)
		sbuf_addf(&sb, "%s; ", head);
	sb.len -= 2; /* the last "; " (head or faults is there) */
	sb.buf[sb.len] = '\0';
	redact_sbuf(&sb);
	snprintf(buf, len, "%s", sb.buf);
	sbuf_release(&sb);
	return buf;
}

static json_t *iso_time(time_t t)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The report's "outage" object (README "Vendor outages"); NULL when the circuit never
 * opened. The message was redacted by the runner. */
static json_t *outage_json(const struct runner_outage *o, const char *summary)
{
	if (!o->opened)
		return NULL;
	return json_pack("{s:s, s:o, s:s, s:o, s:o, s:i, s:b, s:i, s:i, s:i, s:s}", "kind", o->kind,
			 "status", o->status > 0 ? json_integer(o->status) : json_null(), "message",
			 o->message, "first_seen", iso_time(o->first_seen), "last_seen",
			 iso_time(o->last_seen), "times_opened", (json_int_t)o->opened, "recovered",
			 o->recovered, "probes", (json_int_t)o->probes, "circuit_open_seconds",
			 (json_int_t)llround(o->open_s), "not_sent", (json_int_t)o->not_sent,
			 "summary", summary);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Latency figures of tonight's answers for the register and the metrics. */
static void latency_figures(struct target *t, struct publish_item *it)
{
	double *v = t->lat;
	size_t i, n = t->n_lat;

	it->latency_p50_ms = it->latency_p90_ms = it->latency_p95_ms = it->latency_p99_ms = -1;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		it->latency_sum_ms += v[i];
	qsort(v, n, sizeof(*v), cmp_double);
	it->latency_p50_ms = v[(size_t)floor(0.50 * (double)(n - 1))];
	it->latency_p90_ms = v[(size_t)floor(0.90 * (double)(n - 1))];
	it->latency_p95_ms = v[(size_t)floor(0.95 * (double)(n - 1))];
	it->latency_p99_ms = v[(size_t)floor(0.99 * (double)(n - 1))];
	it->latency_count = n;
}

static void add_signal(struct target *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_signals; i++)
		if (!strcmp(t->signals[i], name))
			return;
	if (t->n_signals >= ARRAY_SIZE(t->signals))
		return;
	snprintf(t->signal_buf[t->n_signals], sizeof(t->signal_buf[0]), "%s", name);
	t->signals[t->n_signals] = t->signal_buf[t->n_signals];
	t->n_signals++;
}

/* Which signals moved, in words, from the report's detection section and checks. */
static void collect_signals(struct target *t, const json_t *report)
{
	const json_t *det = json_object_get(report, "detection"), *v, *rates;
	const char *k;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(det, "hard"), "changes"), i, v)
	{
		const char *sig = json_string_value(json_object_get(v, "signal"));

		if (sig && !strncmp(sig, "prompt_tokens", 13))
			sig = "prompt token counts";
		if (sig)
			add_signal(t, sig);
	}
	if (json_array_size(json_object_get(json_object_get(det, "distance"), "moved")))
		add_signal(t, "answer distribution");
	rates = json_object_get(det, "rates");
	json_object_foreach((json_t *)rates, k, v)
	{
		char name[64];

		if (!json_is_true(json_object_get(v, "changed")))
			continue;
		/* novel answers judged over the prompts are the novel rate's signal too */
		snprintf(name, sizeof(name), "%s rate", strcmp(k, "novel_by_prompt") ? k : "novel");
		add_signal(t, name);
	}
	if (json_integer_value(json_object_get(json_object_get(report, "counts"), "checks_failed")))
		add_signal(t, "check failures");
}

/* One night judged: tonight's run, or the night a killed run left (its journal read as it
 * is, nothing sent). */
struct pass {
	const char *date;
	const char *killed_reason; /* non-NULL: a killed night, reported as incomplete */
	char journal_sha[65];	   /* the journal's answers, bound into reports and entries */
	int forced;
};

/* REPORT.html beside REPORT.json: the night for people (what changed first), from the
 * report without its prompts (the signed JSON holds every prompt's figures). */
static int write_report_html(const struct target *t, struct pl_err *err)
{
	struct sbuf out, path;
	size_t n = strlen(t->report_path);
	int rc;

	sbuf_init(&out);
	sbuf_init(&path);
	sbuf_add(&path, t->report_path,
		 n > 5 && !strcmp(t->report_path + n - 5, ".json") ? n - 5 : n);
	sbuf_addstr(&path, ".html");
	rc = render_html_report(t->report, &out, err);
	if (rc == 0)
		rc = fileio_write_atomic(path.buf, out.buf, out.len, 0644, err);
	sbuf_release(&out);
	sbuf_release(&path);
	return rc;
}

/* Finishes one target once the run is over: detection's decision, the report, its signature
 * and register entry; fills it. */
static int judge(struct session *s, struct target *t, struct judge_client *jc, struct publish *pub,
		 const struct pass *ps, struct publish_item *it, struct report_summary *sum,
		 struct pl_err *err)
{
	const char *date = ps->date;
	const struct runner_vendor_stats *vs = session_vendor_stats(s, t->vendor->id);
	struct report_input in;
	json_t *section = NULL, *outage = NULL, *wc = NULL, *wc_more = NULL, *jfig = NULL,
	       *emb_json = NULL;
	char reason[768], outage_line[256];
	struct sbuf note = SBUF_INIT;
	size_t i;
	int rc = -1;

	memset(&in, 0, sizeof(in));
	memset(it, 0, sizeof(*it));
	for (i = 0; i < t->edited.n; i++)
		sbuf_addf(&note, "%s%s", i ? ", " : "suite edited: ", t->edited.v[i]);
	for (i = 0; i < t->unbaselined.n; i++)
		sbuf_addf(&note, "%s%s",
			  i	     ? ", "
			  : note.len ? "; not baselined: "
				     : "not baselined: ",
			  t->unbaselined.v[i]);
	/* the judge's failures are its own, never the vendor's: said, not counted */
	if (t->jtally.unavailable)
		sbuf_addf(&note, "%sjudge unavailable for %zu verdict%s: %s", note.len ? "; " : "",
			  t->jtally.unavailable, t->jtally.unavailable == 1 ? "" : "s",
			  t->jtally.unavailable_reason);
	if (t->judged && jc)
		in.judge = jfig = judge_tally_json(jc, &t->jtally);
	in.note = note.buf;
	in.planned = session_planned(s, t->vendor->id, t->suite->id);
	in.incomplete_reason =
		ps->killed_reason ? ps->killed_reason
				  : incomplete_reason(s, t, in.planned, reason, sizeof(reason));
	if (vs && vs->outage.opened) {
		in.outage_summary =
			runner_outage_describe(&vs->outage, outage_line, sizeof(outage_line));
		in.outage = outage = outage_json(&vs->outage, outage_line);
	}
	in.min_answered = SESSION_MIN_ANSWERED;
	if (judge_rest(t, err) < 0)
		goto out;
	/* Too few answers say nothing about behaviour; they must not enter the history. */
	if (!in.incomplete_reason &&
	    (double)t->answers >= SESSION_MIN_ANSWERED * (double)in.planned) {
		/* the history gets the night once its signed report is registered (below): a
		 * night whose evidence could not be written is not judged history */
		detect_defer_commit(t->drun);
		if (detect_end(t->drun, &t->det, &section, err) < 0)
			goto out;
		t->have_detect = 1;
	}
	/* what moved, per prompt, once: the report carries it and everything else reads it
	 */
	if (t->have_detect && t->det.verdict == DETECT_CHANGED)
		wc = whatchanged_finish(t->wc, section, &wc_more);
	whatchanged_free(t->wc);
	t->wc = NULL;
	in.what_changed = wc;
	in.what_changed_unlisted = wc_more;
	in.run_id = s->journal_path ? strrchr(s->journal_path, '/') + 1 : "run";
	in.journal_sha256 = ps->journal_sha[0] ? ps->journal_sha : NULL;
	in.date = date;
	in.mode = "nightly";
	in.vendor = t->vendor;
	in.suite = t->suite;
	in.baseline_path = t->baseline_path;
	in.detect = t->have_detect ? &t->det : NULL;
	in.refusal = detect_params_refusal(t->params);
	in.detect_section = section;
	if (t->emb)
		in.embeddings = emb_json = embedder_report(t->emb);
	report_path(t->report_path, sizeof(t->report_path), s->cfg->reports_dir, date,
		    t->vendor->id, t->suite->id);
	if (report_stream_finish(t->rs, &in, t->report_path, t->sha, sum, &t->report, err) < 0)
		goto out;
	report_stream_free(t->rs);
	t->rs = NULL;
	snprintf(t->summary, sizeof(t->summary), "%s", sum->line);
	collect_signals(t, t->report);
	t->what_changed = json_incref(json_object_get(t->report, "what_changed"));
	if (write_report_html(t, err) < 0)
		goto out;
	/* the head (its detection section lists every prompt) is not needed any more */
	json_decref(t->report);
	t->report = NULL;

	it->vendor = t->vendor;
	it->suite = t->suite->id;
	it->report_path = t->report_path;
	it->report_sha256 = t->sha;
	it->verdict = sum->verdict;
	it->detect = t->have_detect ? &t->det : NULL;
	it->summary = t->summary;
	it->incomplete_reason = in.incomplete_reason ? xstrdup(in.incomplete_reason) : NULL;
	it->planned = in.planned;
	it->sent = sum->counts.samples + sum->counts.faults - sum->counts.not_sent;
	it->answers = sum->counts.samples;
	it->faults = sum->counts.faults - sum->counts.not_sent;
	it->not_sent = sum->counts.not_sent;
	it->retries = sum->counts.retries;
	it->vendor_faults = sum->counts.vendor_faults;
	it->checks_total = sum->counts.checks_total;
	it->checks_failed = sum->counts.checks_failed;
	it->prompts_failed = sum->counts.prompts_failed;
	it->what_changed = t->what_changed;
	it->failed_checks = t->failed_checks;
	it->signals = t->signals;
	it->n_signals = t->n_signals;
	it->journal_sha256 = in.journal_sha256;
	it->forced = ps->forced;
	latency_figures(t, it);
	if (publish_report(pub, date, it, err) < 0 || detect_commit(t->drun, err) < 0)
		goto out;
	rc = 0;
out:
	detect_run_free(t->drun);
	t->drun = NULL;
	sbuf_release(&note);
	json_decref(emb_json);
	json_decref(section);
	json_decref(outage);
	json_decref(wc);
	json_decref(wc_more);
	json_decref(jfig);
	return rc;
}

/* A vendor/suite whose night a stopped run had already published (signed and registered: it
 * stopped after the register entry, before the journal was closed). --resume does not judge it
 * again, which would add a second entry and replace the first's report: its item for the
 * alerts and metrics is read back from its report. Returns 0, or -1 with err set. */
static int published_item(struct target *t, const char *path, struct publish_item *it,
			  struct pl_err *err)
{
	json_error_t je;
	json_t *r = json_load_file(path, 0, &je);
	const json_t *det, *c, *pe;
	const char *v, *stage;
	size_t k2;
	int k;

	if (!r)
		return pl_err_set(err, PL_E_IO, path, "cannot read back: %s", je.text);
	snprintf(t->report_path, sizeof(t->report_path), "%s", path);
	if (sign_sha256_file(path, t->sha, err) < 0) {
		json_decref(r);
		return -1;
	}
	snprintf(t->summary, sizeof(t->summary), "%s",
		 json_string_value(json_object_get(r, "summary"))
			 ? json_string_value(json_object_get(r, "summary"))
			 : "");
	collect_signals(t, r);
	t->what_changed = json_incref(json_object_get(r, "what_changed"));
	det = json_object_get(r, "detection");
	memset(&t->det, 0, sizeof(t->det));
	t->have_detect = json_is_object(det);
	if (t->have_detect) {
		const json_t *ep = json_object_get(det, "epoch");

		t->det.confidence = json_number_value(json_object_get(det, "confidence"));
		snprintf(t->det.epoch, sizeof(t->det.epoch), "%s",
			 json_string_value(json_object_get(ep, "id"))
				 ? json_string_value(json_object_get(ep, "id"))
				 : "");
		t->det.new_epoch = json_is_true(json_object_get(ep, "new"));
		t->det.returned_epoch = json_is_true(json_object_get(ep, "returned"));
		snprintf(t->det.suspected_night, sizeof(t->det.suspected_night), "%s",
			 json_string_value(json_object_get(det, "suspected_night"))
				 ? json_string_value(json_object_get(det, "suspected_night"))
				 : "");
		stage = json_string_value(json_object_get(det, "stage"));
		for (k = DETECT_STAGE_NONE; stage && k <= DETECT_STAGE_RETRACTED; k++)
			if (!strcmp(stage, detect_stage_name((enum detect_stage)k)))
				t->det.stage = (enum detect_stage)k;
	}
	memset(it, 0, sizeof(*it));
	v = json_string_value(json_object_get(r, "verdict"));
	it->verdict = REPORT_INCOMPLETE;
	for (k = REPORT_PASS; v && k <= REPORT_UNSTABLE; k++)
		if (!strcmp(v, report_verdict_name((enum report_verdict)k)))
			it->verdict = (enum report_verdict)k;
	c = json_object_get(r, "counts");
	it->vendor = t->vendor;
	it->suite = t->suite->id;
	it->report_path = t->report_path;
	it->report_sha256 = t->sha;
	it->detect = t->have_detect ? &t->det : NULL;
	it->summary = t->summary;
	if (json_string_value(json_object_get(r, "incomplete_reason")))
		it->incomplete_reason =
			xstrdup(json_string_value(json_object_get(r, "incomplete_reason")));
	it->planned = (size_t)json_integer_value(json_object_get(c, "planned"));
	it->answers = (size_t)json_integer_value(json_object_get(c, "answers"));
	it->not_sent = (size_t)json_integer_value(json_object_get(c, "not_sent"));
	it->retries = (size_t)json_integer_value(json_object_get(c, "retries"));
	/* the report's faults are requests sent that got no answer (never-sent ones apart) */
	it->faults = (size_t)json_integer_value(json_object_get(c, "faults"));
	it->sent = it->answers + it->faults;
	it->vendor_faults = (size_t)json_integer_value(json_object_get(c, "vendor_faults"));
	it->checks_total = (size_t)json_integer_value(json_object_get(c, "checks_total"));
	it->checks_failed = (size_t)json_integer_value(json_object_get(c, "checks_failed"));
	it->prompts_failed = (size_t)json_integer_value(json_object_get(c, "prompts_failed"));
	it->what_changed = t->what_changed;
	/* the failed checks of the counted prompts (a prompt not baselined is not counted) */
	json_decref(t->failed_checks);
	t->failed_checks = json_array();
	json_array_foreach(json_object_get(r, "prompts"), k2, pe)
	{
		if (!json_object_get(pe, "baseline_status"))
			evaluate_failed_checks(pe, NULL, NULL, t->failed_checks);
	}
	it->failed_checks = t->failed_checks;
	it->signals = t->signals;
	it->n_signals = t->n_signals;
	it->register_seq = -1;
	json_decref(r);
	return 0;
}

/* The history's line of a published night (the run may have stopped before writing it): the
 * night's decision again, from the same answers against the same history (a line the run
 * did write is replaced by the same decision). Returns 0, or -1 with err set. */
static int history_from_published(struct target *t, const struct publish_item *it,
				  struct pl_err *err)
{
	struct detect_outcome o;
	json_t *sec = NULL;
	int rc = 0;

	if (it->verdict != REPORT_INCOMPLETE && t->have_detect && t->drun) {
		detect_defer_commit(t->drun);
		rc = judge_rest(t, err) < 0 || detect_end(t->drun, &o, &sec, err) < 0 ||
				     detect_commit(t->drun, err) < 0
			     ? -1
			     : 0;
		json_decref(sec);
	}
	detect_run_free(t->drun);
	t->drun = NULL;
	return rc;
}

/* The Markdown and JUnit renderings of every report of the run, written atomically. The
 * reports were streamed to disk; they are read back whole only for these. */
static int write_renderings(const struct run_args *a, const struct target *t, size_t n,
			    struct pl_err *err)
{
	json_t **reports;
	const char **names;
	struct sbuf out;
	size_t i;
	int rc = 0;

	if (!a->markdown && !a->junit)
		return 0;
	reports = xcalloc(n + 1, sizeof(*reports));
	names = xcalloc(n + 1, sizeof(*names));
	for (i = 0; i < n && rc == 0; i++) {
		json_error_t je;

		names[i] = t[i].report_path;
		reports[i] = json_load_file(t[i].report_path, 0, &je);
		if (!reports[i])
			rc = pl_err_set(err, PL_E_IO, t[i].report_path, "cannot read back: %s",
					je.text);
	}
	sbuf_init(&out);
	if (a->markdown && rc == 0) {
		for (i = 0; i < n && rc == 0; i++)
			rc = render_md_report(reports[i], &out, err);
		if (rc == 0)
			rc = fileio_write_atomic(a->markdown, out.buf, out.len, 0644, err);
	}
	if (a->junit && rc == 0) {
		sbuf_reset(&out);
		rc = render_junit((const json_t *const *)reports, (const char *const *)names, n,
				  &out, err);
		if (rc == 0)
			rc = fileio_write_atomic(a->junit, out.buf, out.len, 0644, err);
	}
	sbuf_release(&out);
	for (i = 0; i < n; i++)
		json_decref(reports[i]);
	free(reports);
	free(names);
	return rc;
}

#define FAILED_SHOWN 5 /* failing checks printed under the summary; the rest are counted */

struct failed_shown {
	const struct target *t;
	size_t shown;
};

/* One failing (prompt, check) under the summary: its check id, prompt id and pass rate. */
static int print_failed_check(const json_t *p, const json_t *c, void *ctx)
{
	struct failed_shown *fs = ctx;
	const char *id = json_string_value(json_object_get(c, "id"));
	const char *v = json_string_value(json_object_get(c, "verdict"));
	json_int_t pass = json_integer_value(json_object_get(c, "pass"));
	json_int_t n = pass + json_integer_value(json_object_get(c, "fail")) +
		       json_integer_value(json_object_get(c, "error"));
	const json_t *min = json_object_get(c, "min_pass_rate");

	if (!fs->shown)
		printf("failing checks:\n");
	printf("  %s/%s: check %s on prompt %s: ", fs->t->vendor->id, fs->t->suite->id,
	       id ? id : render_check_name(c), json_string_value(json_object_get(p, "id")));
	if (n > 0) {
		printf("pass rate %.0f%% (%lld of %lld samples)", 100.0 * (double)pass / (double)n,
		       (long long)pass, (long long)n);
		if (json_is_number(min))
			printf(", needs %.0f%%", 100.0 * json_number_value(min));
	} else {
		printf("%s", v && !strcmp(v, "error") ? "could not be evaluated" : "failed");
	}
	printf("\n");
	return ++fs->shown >= FAILED_SHOWN;
}

/* Under the summary: the night's first few failing checks, read from the reports as the
 * Markdown report lists them (render_failed_checks), then how many more. */
static void print_failed_checks(const struct target *t, const struct publish_item *items, size_t n)
{
	struct failed_shown fs = { NULL, 0 };
	size_t i, total = 0;

	for (i = 0; i < n; i++) {
		json_t *r;

		if (!items[i].checks_failed)
			continue;
		r = json_load_file(t[i].report_path, 0, NULL);
		fs.t = &t[i];
		total += render_failed_checks(
			r, fs.shown < FAILED_SHOWN ? print_failed_check : NULL, &fs);
		json_decref(r);
	}
	if (total > fs.shown)
		printf("  +%zu more (see the reports)\n", total - fs.shown);
}

static const char *failing_note(const struct target *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->failing.n; i++)
		if (!strcmp(t->failing.v[i], id))
			return " (a format check failed tonight, not counted in the verdict until "
			       "the prompt is baselined: see the report)";
	return "";
}

static void print_result(const struct target *t, const struct publish_item *it,
			 const struct run_args *a)
{
	size_t i;
	/* an unstable endpoint is told on the night its episode begins, not every night */
	int nothing_new = it->verdict == REPORT_PASS || (it->verdict == REPORT_UNSTABLE &&
							 it->detect && !it->detect->unstable_onset);

	if (a->quiet && nothing_new && !t->edited.n && !t->unbaselined.n)
		return;
	printf("%s\n  report: %s\n", t->summary, t->report_path);
	if (json_array_size(t->what_changed)) {
		struct sbuf sb;

		sbuf_init(&sb);
		render_whatchanged_text(t->what_changed, &sb);
		fputs(sb.buf, stdout);
		sbuf_release(&sb);
	}
	if (it->register_seq >= 0)
		printf("  signed: %s.minisig, register entry %lld\n", t->report_path,
		       it->register_seq);
	for (i = 0; i < t->edited.n; i++)
		printf("  suite edited: prompt %s changed since its baseline%s; re-record it with "
		       "'plumbline baseline record --config %s --vendor %s --prompt %s %s'\n",
		       t->edited.v[i], failing_note(t, t->edited.v[i]), a->config_path,
		       t->vendor->id, t->edited.v[i], t->suite->path);
	for (i = 0; i < t->unbaselined.n; i++)
		printf("  not baselined: prompt %s is not in the baseline%s; record it with "
		       "'plumbline baseline record --config %s --vendor %s --prompt %s %s'\n",
		       t->unbaselined.v[i], failing_note(t, t->unbaselined.v[i]), a->config_path,
		       t->vendor->id, t->unbaselined.v[i], t->suite->path);
}

/* A vendor without prices would show a cost of 0 and pass every cost budget: say so at the
 * start of every run (and in `plumbline check`). */
static void warn_unpriced(const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n_vendors; i++)
		if (!p->vendors[i]->has_prices)
			fprintf(stderr, "plumbline: warning: vendor \"%s\" %s\n", p->vendors[i]->id,
				CONFIG_UNPRICED_WARNING);
}

/* The log file records the run as well as its alerts: what it plans, how each vendor did,
 * and how it ended (log_to_file). Without one, the summary printed on stdout says it
 * already. */
static void log_plan(const struct session *s, const char *date)
{
	struct sbuf suites, vendors;
	size_t i;

	sbuf_init(&suites);
	sbuf_init(&vendors);
	for (i = 0; i < s->n_suites; i++)
		sbuf_addf(&suites, "%s%s", i ? ", " : "", s->suites[i]->id);
	for (i = 0; i < s->plan.n_vendors; i++)
		sbuf_addf(&vendors, "%s%s", i ? ", " : "", s->plan.vendors[i]->id);
	log_info("run started: night %s, plan %.12s: %zu suite%s (%s), %zu vendor%s (%s), %zu "
		 "requests",
		 date, s->plan.hash, s->n_suites, s->n_suites == 1 ? "" : "s", suites.buf,
		 s->plan.n_vendors, s->plan.n_vendors == 1 ? "" : "s", vendors.buf,
		 s->plan.n_items);
	sbuf_release(&suites);
	sbuf_release(&vendors);
}

static void log_vendors(const struct session *s)
{
	char fault[320], cost[32];
	size_t i;

	for (i = 0; i < s->stats.n_vendors; i++) {
		const struct runner_vendor_stats *vs = &s->stats.vendors[i];
		const struct vendor *vd = s->plan.vendors[i];

		runner_fault_describe(vs, fault, sizeof(fault));
		if (vd->has_prices)
			snprintf(cost, sizeof(cost), "%.4f", vs->cost);
		else
			snprintf(cost, sizeof(cost), "unknown");
		/* requests as the metrics and the report count them (planned ones); attempts are
		 * HTTP requests, retries included */
		pl_log(vs->faults || vs->stop_reason[0] ? LOG_WARN : LOG_INFO,
		       "vendor %s: %zu requests sent (%zu attempts, %zu retries), %zu answered, %zu "
		       "failed, %zu not sent, cost %s%s%s%s%s",
		       vs->vendor, vs->answers + vs->faults - vs->unreachable, vs->requests,
		       vs->retries, vs->answers, vs->faults - vs->unreachable, vs->unreachable,
		       cost, vs->stop_reason[0] ? "; stopped: " : "", vs->stop_reason,
		       fault[0] ? "; most faults: " : "", fault);
	}
}

/* The first line of a journal as a JSON object, or NULL. */
static json_t *journal_header(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *h = NULL;

	if (!f)
		return NULL;
	n = getline(&line, &cap, f);
	if (n > 0)
		h = json_loadb(line, (size_t)n, 0, NULL);
	free(line);
	fclose(f);
	if (h && !json_is_object(h)) {
		json_decref(h);
		h = NULL;
	}
	return h;
}

/* A journal a killed nightly run left in <state>/journal/: its night, and whether it is a
 * night of this very plan (the same vendors and suites). */
struct leftover {
	char *path;
	char night[11];
};

static int cmp_leftover(const void *a, const void *b)
{
	return strcmp(((const struct leftover *)a)->night, ((const struct leftover *)b)->night);
}

/* Finds the journals killed runs left. The nights of this plan are returned (oldest first)
 * to be reported as incomplete; the others are kept and named, with the command that
 * finishes them. Journals from before the night was part of the plan are dated by their
 * start. */
static void find_leftovers(struct session *s, const struct run_args *a, struct leftover **out,
			   size_t *n)
{
	struct sbuf dir, f;
	struct dirent *e;
	DIR *d;

	*out = NULL;
	*n = 0;
	sbuf_init(&dir);
	sbuf_init(&f);
	sbuf_addf(&dir, "%s/journal", s->cfg->state_dir);
	d = opendir(dir.buf);
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		json_t *h;
		const char *mode, *night, *started, *plan;
		char day[11];
		int legacy, ours;

		if (len < 7 || strcmp(e->d_name + len - 6, ".jsonl"))
			continue;
		sbuf_reset(&f);
		sbuf_addf(&f, "%s/%s", dir.buf, e->d_name);
		if (!strncmp(e->d_name, s->plan.hash, 64))
			continue; /* tonight's own journal: --resume continues it */
		h = journal_header(f.buf);
		mode = json_string_value(json_object_get(h, "mode"));
		night = json_string_value(json_object_get(h, "night"));
		started = json_string_value(json_object_get(h, "started"));
		plan = json_string_value(json_object_get(h, "plan"));
		legacy = !night;
		snprintf(day, sizeof(day), "%s", night ? night : started ? started : "");
		if (mode && !strcmp(mode, "compare") && !legacy && session_valid_date(day)) {
			fprintf(stderr,
				"plumbline: warning: %s: a compare of %s has not finished; if it "
				"was killed, finish it with 'plumbline compare --date %s --resume' "
				"and that compare's arguments\n",
				f.buf, day, day);
			json_decref(h);
			continue;
		}
		if (!mode || strcmp(mode, "nightly") || !plan || !session_valid_date(day)) {
			json_decref(h);
			continue; /* a baseline recording's journal, or not a journal */
		}
		plan_set_night(&s->plan, legacy ? NULL : day);
		ours = !strcmp(s->plan.hash, plan) && strcmp(day, a->date);
		plan_set_night(&s->plan, a->date);
		if (ours) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[*n].path = xstrdup(f.buf);
			memcpy((*out)[*n].night, day, sizeof(day));
			(*n)++;
		} else {
			fprintf(stderr,
				"plumbline: warning: %s: a run of night %s (other vendors or "
				"suites) "
				"has not finished; if it was killed, finish it with 'plumbline run "
				"--date %s --resume' and that run's arguments\n",
				f.buf, day, day);
		}
		json_decref(h);
	}
	if (d)
		closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_leftover);
	sbuf_release(&dir);
	sbuf_release(&f);
}

/* 1 when a suite of the session has checks the LLM judge grades. */
static int needs_judge(const struct session *s)
{
	size_t i;

	for (i = 0; i < s->n_suites; i++)
		if (judge_suite_needs(s->suites[i]))
			return 1;
	return 0;
}

/* A cost budget must count the judge's cost too: an unpriced judge is refused like an
 * unpriced vendor (before anything is sent). */
static int check_judge_cost(const struct session *s, const struct run_args *a, struct pl_err *err)
{
	double max_cost = a->so.max_cost > 0 ? a->so.max_cost : s->cfg->max_cost;
	char where[512];

	if (max_cost <= 0 || !s->cfg->judge_vendor || !needs_judge(s))
		return 0;
	return config_vendor_cost_check(
		config_vendor(s->cfg, s->cfg->judge_vendor), max_cost,
		config_budget_where(s->cfg, a->so.max_cost, where, sizeof(where)), err);
}

/* The LLM judge of the targets whose suite has judged checks (they are marked); *jc stays
 * NULL when none has. It is asked after the run, within what the run's budget leaves. */
static int open_judge(struct session *s, const struct run_args *a, struct target *t, size_t n,
		      struct judge_client **jc, struct pl_err *err)
{
	struct judge_budget b;
	size_t i, need = 0;

	*jc = NULL;
	for (i = 0; i < n; i++) {
		t[i].judged = judge_suite_needs(t[i].suite);
		need += (size_t)t[i].judged;
	}
	if (!need)
		return 0;
	memset(&b, 0, sizeof(b));
	b.max_requests = a->so.max_requests ? a->so.max_requests : (long)s->cfg->max_requests;
	b.max_tokens = a->so.max_tokens ? a->so.max_tokens : (long)s->cfg->max_tokens;
	b.max_cost = a->so.max_cost > 0 ? a->so.max_cost : s->cfg->max_cost;
	b.run = &s->stats;
	*jc = judge_client_new(s->cfg, &b, err);
	return *jc ? 0 : -1;
}

/* The judge's new verdicts are kept for the next run; a cache that cannot be written only
 * costs requests then. */
static void save_judge(struct judge_client *jc)
{
	struct pl_err err = PL_ERR_INIT;
	char msg[1600];

	if (jc && judge_client_save(jc, &err) < 0)
		fprintf(stderr, "plumbline: warning: the judge's cache was not saved: %s\n",
			pl_err_str(&err, msg, sizeof(msg)));
}

/* Reports a night whose run was killed, from the answers its journal holds (nothing is
 * sent), as incomplete, signed and registered, logged and alerted (on_incomplete) as any
 * incomplete night; then archives the journal. Targets whose report of that night exists
 * (the killed run got that far) are left as they are. */
static int report_killed_night(const struct run_args *a, struct publish *pub,
			       const struct leftover *lo, struct pl_err *err)
{
	struct session s;
	struct session_opts so;
	struct target *t = NULL;
	struct collect *col = NULL;
	struct judge_client *jc = NULL;
	struct missing_list miss = { NULL, 0 };
	struct run_ctx rctx;
	struct pass ps;
	struct publish_item *items = NULL;
	char reason[160], path[1024];
	size_t n = 0, n_items = 0, i;
	int rc = -1;

	session_init(&s);
	memset(&ps, 0, sizeof(ps));
	ps.date = lo->night;
	snprintf(reason, sizeof(reason),
		 "the run did not finish (killed, or stopped by an error: see the log); "
		 "reported by the run of %s",
		 a->date);
	ps.killed_reason = reason;
	if (session_load(&s, a->config_path, a->suites, a->n_suites, err) < 0 ||
	    session_plan(&s, a->vendors.v, a->vendors.n, PLAN_NIGHTLY, err) < 0)
		goto out;
	plan_set_night(&s.plan, lo->night);
	if (prepare(&s, 1, &t, &n, &miss, err) < 0 || start_targets(&s, t, n, lo->night, err) < 0 ||
	    open_judge(&s, a, t, n, &jc, err) < 0)
		goto out;
	rctx.s = &s;
	rctx.t = t;
	rctx.n = n;
	rctx.jc = jc;
	so = a->so;
	so.collect = col = collect_new(&s.plan, on_prompt, &rctx);
	so.close_journal = lo->path;
	if (session_execute(&s, &so, err) < 0 || judge_deferred(&rctx, err) < 0 ||
	    sign_sha256_file(s.journal_path, ps.journal_sha, err) < 0)
		goto out;
	fprintf(stderr,
		"plumbline: the run of night %s did not finish (killed, or stopped by an error: "
		"see the log): %s\n",
		lo->night, lo->path);
	items = xcalloc(n + 1, sizeof(*items));
	for (i = 0; i < n; i++) {
		struct publish_item *it = &items[n_items];
		struct report_summary sum;
		long long seq;
		int done;

		report_path(path, sizeof(path), s.cfg->reports_dir, lo->night, t[i].vendor->id,
			    t[i].suite->id);
		/* a report the killed run wrote and registered stands (its history line and
		 * alerts are finished from it, as --resume does); one it wrote but could not
		 * register (it stopped between the two) is judged again */
		done = publish_is_registered(pub, lo->night, t[i].vendor->id, t[i].suite->id, path,
					     &seq, err);
		if (done < 0)
			goto out;
		n_items++;
		if (done) {
			if (published_item(&t[i], path, it, err) < 0 ||
			    history_from_published(&t[i], it, err) < 0)
				goto out;
			continue;
		}
		if (judge(&s, &t[i], jc, pub, &ps, it, &sum, err) < 0)
			goto out;
		print_result(&t[i], it, a);
		if (log_to_file())
			pl_log(LOG_WARN, "night %s: %s", lo->night, t[i].summary);
	}
	save_judge(jc);
	if (session_finish(&s, err) < 0)
		goto out;
	{
		struct pl_err aerr = PL_ERR_INIT;

		publish_alerts(pub, items, n_items, &aerr); /* failures are logged, never fatal */
	}
	rc = 0;
out:
	for (i = 0; i < n_items; i++)
		free((char *)items[i].incomplete_reason);
	free(items);
	free(miss.v);
	collect_free(col);
	judge_client_free(jc);
	release_targets(t, n);
	session_release(&s);
	return rc;
}

/* A night is run once: a second run would replace its signed report and add the night to
 * the history again. --force allows it (the register entry says so); --resume finishes the
 * night's killed run. Returns 0 to go on, 1 when --resume has nothing left to do, -1 (err
 * set, PL_E_USAGE) to refuse. */
static int check_night(const struct session *s, const struct target *t, size_t n,
		       const struct run_args *a, struct pl_err *err)
{
	char live[1100], path[1024];
	size_t i, done = 0;
	int signed_;

	snprintf(live, sizeof(live), "%s/journal/%s.jsonl", s->cfg->state_dir, s->plan.hash);
	if (fileio_exists(live)) {
		if (a->so.resume || a->force)
			return 0;
		return pl_err_set(err, PL_E_USAGE, live,
				  "the run of night %s did not finish (killed, or stopped by an "
				  "error): finish it "
				  "with --resume, or run the night again with --force",
				  a->date);
	}
	for (i = 0; i < n; i++) {
		report_path(path, sizeof(path), s->cfg->reports_dir, a->date, t[i].vendor->id,
			    t[i].suite->id);
		if (!fileio_exists(path))
			continue;
		/* another pair's report of the night (its run named other suites): not ours to
		 * resume, nor to overwrite with --force */
		if (report_owner_check(path, t[i].vendor->id, t[i].suite->id, err) < 0)
			return -1;
		done++;
	}
	if (!done || a->force)
		return 0;
	if (a->so.resume && done == n)
		return 1;
	snprintf(live, sizeof(live), "%s.minisig", path);
	signed_ = fileio_exists(live);
	return pl_err_set(err, PL_E_USAGE, path,
			  "night %s was already run (its report is %s): give another --date, or "
			  "--force to run it again%s",
			  a->date, signed_ ? "signed and registered" : "written, not signed",
			  signed_ ? " (the register records it)" : "");
}

/* A run that stopped on an error after it started work (a report that could not be written, a
 * register append that failed) is told as any night that could not complete: the vendor/suites
 * not yet judged are incomplete with the error as their reason, alerted (on_incomplete), and the
 * metrics file says the run's exit code. items has room for n targets, the first n_done
 * filled; err (not changed) is why the run stopped. */
static void tell_stopped(struct publish *pub, struct target *t, size_t n,
			 struct publish_item *items, size_t n_done, const struct pl_err *why,
			 time_t started, int rc)
{
	struct pl_err e = PL_ERR_INIT;
	char reason[1700], msg[1600];
	size_t i;

	snprintf(reason, sizeof(reason), "the run stopped: %s",
		 pl_err_isset(why) ? pl_err_str(why, msg, sizeof(msg)) : "an error (see the log)");
	for (i = n_done; i < n; i++) {
		struct publish_item *it = &items[i];

		free((char *)it->incomplete_reason);
		memset(it, 0, sizeof(*it));
		it->vendor = t[i].vendor;
		it->suite = t[i].suite->id;
		it->verdict = REPORT_INCOMPLETE;
		it->incomplete_reason = xstrdup(reason);
		it->summary = it->incomplete_reason;
		it->register_seq = -1;
		it->latency_p50_ms = it->latency_p90_ms = it->latency_p95_ms = it->latency_p99_ms =
			-1;
	}
	publish_alerts(pub, items, n, &e); /* failures are logged, never fatal */
	pl_err_init(&e);
	if (publish_metrics(pub, items, n, started, rc, &e) < 0) {
		char buf[1600];

		fprintf(stderr, "plumbline: %s\n", pl_err_str(&e, buf, sizeof(buf)));
	}
}

/* What --resume says of a night whose reports all exist (check_night returned 1): finished,
 * nothing to resume and nothing sent, and which of its reports say incomplete (a night
 * killed and then reported by a later run counts as finished too: its answers are not
 * resumed). Exit 0 as documented (README "Crash safety": a resume after any kill completes). */
static void say_finished(const struct session *s, const struct target *t, size_t n,
			 const char *date)
{
	char path[1024];
	const char *v;
	struct sbuf inc;
	size_t i, k = 0;

	sbuf_init(&inc);
	for (i = 0; i < n; i++) {
		json_t *r;

		report_path(path, sizeof(path), s->cfg->reports_dir, date, t[i].vendor->id,
			    t[i].suite->id);
		r = json_load_file(path, 0, NULL);
		v = json_string_value(json_object_get(r, "verdict"));
		if (v && !strcmp(v, "incomplete"))
			sbuf_addf(&inc, "%s%s/%s", k++ ? ", " : "", t[i].vendor->id,
				  t[i].suite->id);
		json_decref(r);
	}
	if (k)
		printf("night %s is already finished: its reports exist, %s reported incomplete "
		       "(what was not answered then is not resumed); nothing to resume, nothing "
		       "sent (--force runs the night again)\n",
		       date, inc.buf);
	else
		printf("night %s is already finished: its reports exist; nothing to resume, "
		       "nothing sent (--force runs the night again)\n",
		       date);
	sbuf_release(&inc);
}

int cmd_run(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT, aerr = PL_ERR_INIT;
	struct run_args a;
	struct session s;
	struct publish *pub = NULL;
	struct lockset *locks = NULL;
	struct target *targets = NULL;
	struct publish_item *items = NULL;
	struct collect *collect = NULL;
	struct judge_client *jc = NULL;
	struct embedder *emb = NULL;
	struct leftover *left = NULL;
	struct missing_list miss = { NULL, 0 };
	struct run_ctx rctx;
	struct pass ps;
	size_t n_targets = 0, n_left = 0, i, changed = 0, failed = 0, incomplete = 0, unjudged = 0;
	size_t n_done = 0;		 /* targets whose item is filled */
	struct sbuf stopped = SBUF_INIT; /* the nights of stopped runs this run reported */
	int working = 0, told = 0;
	char today[16], where[512];
	time_t started = time(NULL);
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&ps, 0, sizeof(ps));
	a.so.progress = 1;
	session_init(&s);
	rc = parse_args(argc, argv, &a);
	if (rc)
		goto out;
	if (!a.date) {
		session_today(today, sizeof(today));
		a.date = today;
	}
	ps.date = a.date;
	ps.forced = a.force;
	if (session_load(&s, a.config_path, a.suites, a.n_suites, &err) < 0 ||
	    (a.budget.dry_run
		     ? session_plan_keyless(&s, a.vendors.v, a.vendors.n, PLAN_NIGHTLY, &err)
		     : session_plan(&s, a.vendors.v, a.vendors.n, PLAN_NIGHTLY, &err)) < 0 ||
	    prepare(&s, !a.budget.dry_run, &targets, &n_targets, &miss, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	plan_set_night(&s.plan, a.date);
	/* A pair without a baseline stops only itself: named now, with the command that
	 * records it; the night is incomplete (exit 3) unless another pair changed. */
	print_missing(&a, &miss);
	warn_unpriced(&s.plan);
	/* a cost budget that cannot count a vendor's cost is refused before anything is
	 * sent */
	if (plan_check_max_cost(&s.plan, a.so.max_cost, "--max-cost", &err) < 0 ||
	    (a.so.max_cost <= 0 &&
	     plan_check_max_cost(&s.plan, s.cfg->max_cost,
				 config_budget_where(s.cfg, 0, where, sizeof(where)), &err) < 0) ||
	    check_judge_cost(&s, &a, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.budget.dry_run) {
		cli_print_plan(&s);
		rc = EXIT_OK;
		goto out;
	}
	pub = publish_open(s.cfg, &err); /* from here on the log file records why a run ends */
	if (pub && !n_targets) {
		pl_err_set(&err, PL_E_VENDOR, NULL,
			   "nothing to run: no vendor/suite has a baseline");
		printf("%s\n", err.msg);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	if (pub)
		warn_unknown_hashes(&a, targets, n_targets);
	if (!pub || lock_targets(&s, targets, n_targets, a.lock_wait, &locks, &err) < 0) {
		rc = cli_fail(&err);
		/* A register that does not verify stops the night (it is never extended):
		 * the run could not complete, which is not "the vendor changed". */
		if (err.code == PL_E_INTEGRITY)
			rc = EXIT_INCOMPLETE;
		goto out;
	}
	rc = check_night(&s, targets, n_targets, &a, &err);
	if (rc) {
		if (rc > 0)
			say_finished(&s, targets, n_targets, a.date);
		rc = rc > 0 ? EXIT_OK : cli_fail(&err);
		goto out;
	}
	working = 1; /* from here on a failure is told: metrics and an incomplete alert */
	if (log_to_file())
		log_plan(&s, a.date);
	/* A killed night is never lost: it is reported (incomplete) before tonight's run.
	 */
	find_leftovers(&s, &a, &left, &n_left);
	for (i = 0; i < n_left; i++) {
		char msg[1600];

		/* A journal that cannot be reported (damaged) is kept and named; it must
		 * not stop every night after it. */
		pl_err_init(&err);
		if (report_killed_night(&a, pub, &left[i], &err) < 0)
			fprintf(stderr,
				"plumbline: warning: the killed run of night %s could not be "
				"reported; its journal is kept: %s\n",
				left[i].night, pl_err_str(&err, msg, sizeof(msg)));
		else
			sbuf_addf(&stopped, "%s%s", stopped.len ? ", " : "", left[i].night);
	}
	pl_err_init(&err);
	if (start_targets(&s, targets, n_targets, a.date, &err) < 0 ||
	    open_judge(&s, &a, targets, n_targets, &jc, &err) < 0 ||
	    setup_embeddings(&s, &a, targets, n_targets, &emb, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	rctx.s = &s;
	rctx.t = targets;
	rctx.n = n_targets;
	rctx.jc = jc;
	a.so.collect = collect = collect_new(&s.plan, on_prompt, &rctx);
	/* --quiet: no progress on the console; a log file still gets it */
	a.so.progress = !a.quiet || log_to_file();
	if (session_execute(&s, &a.so, &err) < 0 || judge_deferred(&rctx, &err) < 0 ||
	    sign_sha256_file(s.journal_path, ps.journal_sha, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (log_to_file())
		log_vendors(&s);
	items = xcalloc(n_targets + 1, sizeof(*items));
	for (i = 0; i < n_targets; i++) {
		struct report_summary sum;
		int done = 0;

		if (a.so.resume) {
			char path[1024];
			long long seq;

			report_path(path, sizeof(path), s.cfg->reports_dir, a.date,
				    targets[i].vendor->id, targets[i].suite->id);
			done = publish_is_registered(pub, a.date, targets[i].vendor->id,
						     targets[i].suite->id, path, &seq, &err);
			if (done < 0 ||
			    (done && (published_item(&targets[i], path, &items[i], &err) < 0 ||
				      history_from_published(&targets[i], &items[i], &err) < 0))) {
				rc = cli_fail(&err);
				goto out;
			}
			if (done) {
				char entry[48] = "";

				if (seq >= 0)
					snprintf(entry, sizeof(entry), ", register entry #%lld",
						 seq);
				sum.verdict = items[i].verdict;
				printf("%s (published before the run stopped%s: not judged again)\n",
				       targets[i].summary, entry);
				if (log_to_file())
					pl_log(LOG_INFO,
					       "%s (published before the run stopped%s: not judged "
					       "again)",
					       targets[i].summary, entry);
			}
		}
		if (!done) {
			if (judge(&s, &targets[i], jc, pub, &ps, &items[i], &sum, &err) < 0) {
				rc = cli_fail(&err);
				goto out;
			}
			print_result(&targets[i], &items[i], &a);
			if (log_to_file())
				pl_log(sum.verdict == REPORT_PASS ? LOG_INFO : LOG_WARN, "%s",
				       targets[i].summary);
		}
		changed += sum.verdict == REPORT_CHANGED;
		failed += sum.verdict == REPORT_CHECKS_FAILED;
		incomplete += sum.verdict == REPORT_INCOMPLETE;
		unjudged += targets[i].edited.n || targets[i].unbaselined.n;
		n_done = i + 1;
	}
	save_judge(jc);
	if (write_renderings(&a, targets, n_targets, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!publish_signing(pub) && !a.quiet)
		printf("note: reports are not signed (create a key with 'plumbline keygen --config "
		       "%s')\n",
		       a.config_path);
	if (session_finish(&s, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	/* A change is what the nightly job exists to find: it wins over an incomplete
	 * vendor. A pair or prompt without a baseline was not judged: never a silent pass.
	 */
	rc = changed || failed			? EXIT_CHANGED
	     : incomplete || miss.n || unjudged ? EXIT_INCOMPLETE
						: EXIT_OK;
	/* Evidence is on disk: now tell people. A failed alert is logged, never fatal. */
	pl_err_init(&err);
	pl_err_init(&aerr);
	publish_alerts(pub, items, n_targets, &aerr);
	told = 1;
	if (publish_metrics(pub, items, n_targets, started, rc, &err) < 0)
		cli_fail(&err);
	if (!a.quiet || rc != EXIT_OK) {
		printf("%zu changed, %zu with failed checks, %zu incomplete, %zu unchanged",
		       changed, failed, incomplete, n_targets - changed - failed - incomplete);
		if (miss.n)
			printf(", %zu not baselined", miss.n);
		if (unjudged)
			printf(", %zu with prompts not judged (edited or new)", unjudged);
		/* the nights before tonight this run reported: counted apart, said */
		if (stopped.len)
			printf("; and the stopped run of night %s, reported incomplete",
			       stopped.buf);
		printf("\n");
	}
	if (!a.quiet)
		print_failed_checks(targets, items, n_targets);
	/* a channel that did not take its alert is said, not only logged: the next run sends
	 * it again */
	if (pl_err_isset(&aerr)) {
		char why[1600];

		fprintf(stderr, "plumbline: alert not delivered: %s; the next run sends it again\n",
			pl_err_str(&aerr, why, sizeof(why)));
	}
out:
	if (pub && working && !told) {
		if (!items)
			items = xcalloc(n_targets + 1, sizeof(*items));
		tell_stopped(pub, targets, n_targets, items, n_done, &err, started, rc);
	}
	if (pub && log_to_file() && rc != EXIT_OK && rc != EXIT_CHANGED && pl_err_isset(&err)) {
		char why[1600];

		pl_log(LOG_ERROR, "%s", pl_err_str(&err, why, sizeof(why)));
	}
	if (pub && log_to_file()) /* the run's end is recorded whatever ended it */
		pl_log(rc == EXIT_OK || rc == EXIT_CHANGED ? LOG_INFO : LOG_WARN,
		       "run finished: night %s, exit %d (%zu changed, %zu with failed checks, %zu "
		       "incomplete%s%s) in %.0f s",
		       a.date, rc, changed, failed, incomplete,
		       stopped.len ? "; the stopped run of night " : "",
		       stopped.len ? stopped.buf : "", difftime(time(NULL), started));
	free(miss.v);
	sbuf_release(&stopped);
	for (i = 0; i < n_left; i++)
		free(left[i].path);
	free(left);
	for (i = 0; items && i < n_targets; i++)
		free((char *)items[i].incomplete_reason);
	free(items);
	publish_close(pub);
	lock_release_all(locks);
	collect_free(collect);
	judge_client_free(jc);
	release_targets(targets, n_targets);
	embedder_free(emb);
	session_release(&s);
	free(a.vendors.v);
	return rc;
}
