/* cmd_compare.c: `plumbline compare`: the same suites on two vendor entries (two models, or two
 * vendors) before an upgrade: the same checks and distribution tests, and a signed diff
 * report of what regressed, what improved, and what changed in format, length, refusals,
 * latency and cost. Exit 1 on a regression, so CI can gate the upgrade. */
#include "canon.h"
#include "cli.h"
#include "compare_stats.h"
#include "config.h"
#include "detect.h"
#include "evaluate.h"
#include "fileio.h"
#include "hex.h"
#include "lock.h"
#include "plan.h"
#include "register.h"
#include "render.h"
#include "rotate.h"
#include "session.h"
#include "sign.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_compare[] =
	"usage: plumbline compare --config FILE --vendor ID --against ID [--date YYYY-MM-DD]\n"
	"                         [--resume] [--force] [--markdown FILE] [--fdr Q]\n"
	"                         [--min-drop E] [--min-power P] [--samples N] [--dry-run]\n"
	"                         [--max-requests N] [--max-tokens N] [--max-cost X] SUITE...\n"
	"\n";

static const char usage_compare_tail[] =
	"\n"
	"Runs every SUITE on both vendor entries (--vendor: what you use now; --against: the\n"
	"candidate, e.g. a new model), applies the suites' checks to both, tests whether the\n"
	"answer distributions differ (the detection's tests, with --vendor as the reference), and\n"
	"writes REPORTS/compare/DATE/VENDOR-vs-AGAINST-SUITE.json. Each (prompt, check) pass rate\n"
	"and each prompt's refusal rate is compared with a one-sided Fisher exact test;\n"
	"Benjamini-Hochberg at --fdr Q (default 0.05) across all of them; a prompt regressed when\n"
	"a test survives it with the candidate worse by at least half of --min-drop E (default\n"
	"0.1, the smallest drop that matters). The verdict says \"safe to switch\" with the power\n"
	"to see a drop of E (a pass rate of 0.9 -> 0.9-E at the sample counts) when that power\n"
	"is at least --min-power P (default 0.8), \"inconclusive\" with the samples a side that\n"
	"would reach it when it is not (no regression found, but none could have been), or\n"
	"\"not safe\"\n"
	"with each regressed prompt: its rates, q-value and an answer from each side (rates are\n"
	"good rates: a check's pass rate, or not_refused, the share of answers not refused). The\n"
	"report also lists improvements, answers unlike today's (similarity checks), and the\n"
	"change in answer length, refusal rate, latency, tokens and cost. It is signed like run\n"
	"reports (REPORT.minisig, REPORT.sig.raw) when the signing key exists.\n"
	"--dry-run prints the plan (requests, tokens, cost, duration) and sends nothing;\n"
	"--max-requests N and --max-cost X stop sending there (budget; exit 3), as for run.\n"
	"\n"
	"Exit 0: safe to switch; 1: not safe (a prompt regressed); 2: usage or config error, or the\n"
	"pair's report of the date exists (--force replaces it); 3: the\n"
	"comparison could not complete (a vendor unreachable, fewer than 80% of a side's requests\n"
	"answered) or is inconclusive (its power below --min-power, or a prompt a side did not\n"
	"answer: no answers, or fewer than 80% of its samples; it is named, untested).\n";

struct cargs {
	const char *config, *vendor, *against, *date, *markdown;
	int resume, force;
	double fdr, min_drop, min_power;
	long long samples; /* > 0: every prompt sampled this often on each side */
	struct cli_budget budget;
	int first_suite;
};

const struct cli_option compare_options[] = {
	CLI_STRING(0, "config", struct cargs, config, "FILE", "the config file (JSON)"),
	CLI_STRING(0, "vendor", struct cargs, vendor, "ID",
		   "the vendor entry in use now (the reference)"),
	CLI_STRING(0, "against", struct cargs, against, "ID",
		   "the candidate entry (e.g. the new model)"),
	CLI_STRING(0, "date", struct cargs, date, "YYYY-MM-DD",
		   "the date the reports are filed under (default: today, UTC)"),
	CLI_BOOL(0, "resume", struct cargs, resume,
		 "continue a killed comparison without re-sending answered\nrequests"),
	CLI_BOOL(0, "force", struct cargs, force,
		 "compare again although a report of the date exists (the new\nreport "
		 "replaces it)"),
	CLI_STRING(0, "markdown", struct cargs, markdown, "FILE",
		   "also write a Markdown summary (pull requests, chat)"),
	CLI_DOUBLE(0, "fdr", struct cargs, fdr, "Q", 0.0001, 0.5, "0.0001..0.5",
		   "the false discovery rate of the regression tests (default\n0.05)"),
	CLI_DOUBLE(0, "min-drop", struct cargs, min_drop, "E", 0, 1, "0..1",
		   "the smallest drop in a pass or non-refusal rate that\nmatters (default 0.1)"),
	CLI_DOUBLE(0, "min-power", struct cargs, min_power, "P", 0, 1, "0..1",
		   "the power to see a drop of E a \"safe\" verdict needs\n(default 0.8); "
		   "below it the comparison is inconclusive\n(exit 3). 0 accepts a safe verdict "
		   "without that evidence"),
	CLI_INT(0, "samples", struct cargs, samples, "N", 1, 100000, "a whole number 1..100000",
		"sample every prompt N times on each side (default: the\n"
		"suite's samples; an inconclusive verdict says how many\nreach --min-power)"),
	CLI_BUDGET_OPTIONS(struct cargs, budget),
	CLI_END,
};

const struct cli_usage_part usage_compare_parts[] = {
	{ compare_options, usage_compare_tail },
	{ NULL, NULL },
};

/* --samples: enough answers on both sides for the power the verdict states (the suite's nightly
 * samples are sized for a night's detection, not for a two-sample test). */
static void set_samples(struct session *s, long long n)
{
	size_t i, j;

	for (i = 0; n > 0 && i < s->n_suites; i++)
		for (j = 0; j < s->suites[i]->n_prompts; j++)
			s->suites[i]->prompts[j].samples = (int)n;
}

/* Where compare_suite files the report of suite_id. */
static void report_path(char *buf, size_t len, const struct session *s, const struct cargs *a,
			const char *suite_id)
{
	snprintf(buf, len, "%s/compare/%s/%s-vs-%s-%s.json", s->cfg->reports_dir, a->date,
		 a->vendor, a->against, suite_id);
}

/* A compare report, once written (and signed), is evidence: a second comparison of the same
 * pair on the same date would replace it without a word. Refused, as run refuses a night that
 * has run, unless --force; --resume (or --force) finishes a killed comparison, whose journal
 * is still live (the reports it wrote are made again from the same answers). Returns 0 to go
 * on, -1 (err set, PL_E_USAGE, naming the existing report) to refuse. */
static int check_reports(const struct session *s, const struct cargs *a, struct pl_err *err)
{
	char path[1100], sig[1200];
	size_t i;

	snprintf(path, sizeof(path), "%s/journal/%s.jsonl", s->cfg->state_dir, s->plan.hash);
	if (a->force || (a->resume && fileio_exists(path)))
		return 0;
	for (i = 0; i < s->n_suites; i++) {
		report_path(path, sizeof(path), s, a, s->suites[i]->id);
		if (!fileio_exists(path))
			continue;
		snprintf(sig, sizeof(sig), "%s.minisig", path);
		return pl_err_set(err, PL_E_USAGE, path,
				  "%s vs %s was already compared on %s (its report is %s): give "
				  "another --date, or --force to replace it",
				  a->vendor, a->against, a->date,
				  fileio_exists(sig) ? "signed" : "written, not signed");
	}
	return 0;
}

/* Returns 0, -1 after the help was printed, or the exit code after a usage error (printed). */
static int parse(int argc, char **argv, struct cargs *a)
{
	int rc = EXIT_USAGE;

	memset(a, 0, sizeof(*a));
	a->fdr = CMP_DEFAULT_FDR;
	a->min_drop = CMP_DEFAULT_MIN_DROP;
	a->min_power = CMP_DEFAULT_MIN_POWER;
	a->first_suite = cli_parse_options("compare", argc, argv, compare_options, a, &rc);
	if (a->first_suite < 0)
		return rc == EXIT_OK ? -1 : rc;
	if (!a->config || !a->vendor || !a->against)
		return cli_usage_error("compare", "--config, --vendor and --against are required");
	if (!strcmp(a->vendor, a->against))
		return cli_usage_error("compare", "--vendor and --against name the same entry");
	if (a->date && register_parse_date(a->date) < 0)
		return cli_usage_error("compare", "--date expects YYYY-MM-DD");
	if (a->first_suite >= argc)
		return cli_usage_error("compare", "name at least one SUITE file");
	return 0;
}

static json_t *num4(double x)
{
	return json_real(round(x * 10000.0) / 10000.0);
}

struct side {
	double len_sum, lat_sum, refusals, n, fenced;
	long ptok, ctok;
	size_t no_usage; /* answers without token counts: their cost is unknown */
};

/* Adds ps's answers to s; refusals by the detection's classifier (its patterns or the API's
 * flags), as the refusal tests count them. */
static void measure(const struct detect_params *params, const struct prompt_samples *ps,
		    struct side *s)
{
	size_t i;

	for (i = 0; ps && i < ps->n; i++) {
		const struct sample *x = &ps->samples[i];

		s->len_sum += (double)strlen(x->text);
		s->lat_sum += x->latency_ms;
		s->refusals += compare_is_refusal(params, ps, i);
		s->fenced += !strncmp(x->text, "```", 3);
		if (x->prompt_tokens > 0)
			s->ptok += x->prompt_tokens;
		if (x->completion_tokens > 0)
			s->ctok += x->completion_tokens;
		s->no_usage += x->prompt_tokens < 0 || x->completion_tokens < 0;
		s->n++;
	}
}

static json_t *pair(double a, double b)
{
	return json_pack("{s:o, s:o}", "vendor", num4(a), "against", num4(b));
}

/* What s's answers cost at v's prices, or -1 when that is unknown (why says so, else ""): a
 * vendor without prices is not free, and an answer without token counts did not cost
 * nothing. An unknown cost is never 0: it would read as the cheaper side. */
static double side_cost(const struct side *s, const struct vendor *v, char *why, size_t len)
{
	why[0] = '\0';
	if (!v->has_prices) {
		snprintf(why, len, "vendor \"%s\" has no prices in the config (\"prices\")", v->id);
		return -1;
	}
	if (s->no_usage) {
		snprintf(why, len, "%zu of %.0f answers have no token counts", s->no_usage, s->n);
		return -1;
	}
	return config_vendor_cost(v, s->ptok, s->ctok);
}

static json_t *side_json(const struct side *s, const struct vendor *v)
{
	double n = s->n > 0 ? s->n : 1;
	char why[160];
	double cost = side_cost(s, v, why, sizeof(why));

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:s?}", "answers",
			 (json_int_t)s->n, "length_chars_mean", num4(s->len_sum / n),
			 "latency_ms_mean", num4(s->lat_sum / n), "refusal_rate",
			 num4(s->refusals / n), "fenced_rate", num4(s->fenced / n), "prompt_tokens",
			 (json_int_t)s->ptok, "completion_tokens", (json_int_t)s->ctok, "cost",
			 cost < 0 ? json_null() : json_real(stats_round(cost, 8)), "cost_unknown",
			 cost < 0 ? why : NULL);
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Similarity checks whose verdict differs (no reference on --vendor: skip there): the
 * candidate's answers unlike today's. Pass/fail checks are judged by stat_tests. */
static void diff_checks(const json_t *ea, const json_t *eb, json_t *diverged)
{
	const json_t *pa, *ca;
	size_t i, j;

	json_array_foreach(ea, i, pa)
	{
		const json_t *pb = json_array_get(eb, i);

		json_array_foreach(json_object_get(pa, "checks"), j, ca)
		{
			const json_t *cb = json_array_get(json_object_get(pb, "checks"), j);
			const char *va = sget(ca, "verdict"), *vb = sget(cb, "verdict");

			/* Only pass <-> fail is a verdict on the candidate. A similarity check has
			 * no reference on --vendor (skip) and goes to "diverged" instead. */
			if (!va || !vb || !strcmp(va, vb))
				continue;
			if (strcmp(vb, "fail") && strcmp(va, "fail"))
				continue;
			if (strcmp(va, "pass") && strcmp(vb, "pass")) {
				json_array_append_new(diverged,
						      json_pack("{s:s?, s:s, s:s, s:s}", "prompt",
								sget(pa, "id"), "check",
								render_check_name(ca), "vendor", va,
								"against", vb));
				continue;
			}
		}
	}
}

/* An answer quoted in the verdict: its first 100 bytes (cut on a UTF-8 boundary, "..." when
 * cut), control characters as spaces; an empty one as every rendering names it
 * (render_answer_text: "(refused, no text)" when the API flagged it refused or blocked). */
static json_t *quote_short(const char *text, int refused)
{
	size_t n = strlen(text), cut = n, i;
	struct sbuf sb;
	json_t *j;

	if (!n)
		return json_string(render_answer_text(text, refused));

	if (cut > 100) {
		cut = 100;
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--;
	}
	sbuf_init(&sb);
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)text[i];

		sbuf_addch(&sb, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (cut < n)
		sbuf_addstr(&sb, "...");
	j = json_string(sb.buf ? sb.buf : "");
	sbuf_release(&sb);
	return j ? j : json_string("");
}

/* An answer of ps for the verdict: a bad one (a failing sample of check c, or a refusal) when
 * bad, else a good one; the first answer when none is of that kind; "" when ps has none. */
static json_t *example(const struct detect_params *params, const struct prompt_samples *ps,
		       const json_t *c, int bad)
{
	const json_t *fs = c ? json_object_get(c, "failed_samples") : NULL;
	size_t i;

	if (!ps || !ps->n)
		return json_string("");
	/* a refusal reads the same in a check's row and in not_refused's, and as the run's
	 * reports quote it (render_answer_text) */
	if (c && bad && json_array_size(fs) && sget(json_array_get(fs, 0), "text"))
		return quote_short(sget(json_array_get(fs, 0), "text"),
				   json_is_true(json_object_get(json_array_get(fs, 0), "refused")));
	for (i = 0; !c && i < ps->n; i++) {
		const struct sample *sm = &ps->samples[i];

		if (compare_is_refusal(params, ps, i) != bad)
			continue;
		return quote_short(sm->text, sm->refused || sm->blocked);
	}
	if (c && !bad) {
		/* a sample not among the quoted failing ones */
		for (i = 0; i < ps->n; i++) {
			const json_t *f;
			size_t k;
			int failed = 0;

			json_array_foreach(fs, k, f)
				failed |= json_integer_value(json_object_get(f, "sample")) ==
					  ps->samples[i].index;
			if (!failed)
				return quote_short(ps->samples[i].text,
						   ps->samples[i].refused ||
							   ps->samples[i].blocked);
		}
	}
	return quote_short(ps->samples[0].text, ps->samples[0].refused || ps->samples[0].blocked);
}

/* The statistical verdict: one test per (prompt, check with pass/fail verdicts on both sides)
 * and per prompt's refusal rate (compare_stats.h). Appends every test to tests, the regressed and
 * improved ones (with an answer from each side) to regressed / improved. Returns the number of
 * prompts with a regressed test; sets *power, *m, *n_a and *n_b (the smallest sample counts of
 * the prompts compared: an untested prompt, untested[i] set, says nothing of the power). */
static size_t stat_tests(const struct suite *q, const struct sampleset *A,
			 const struct sampleset *B, const json_t *ea, const json_t *eb,
			 const struct detect_params *params, const struct cargs *a,
			 const unsigned char *untested, json_t *tests, json_t *regressed,
			 json_t *improved, double *power, size_t *m, size_t *n_a, size_t *n_b)
{
	struct cmp_params par = { a->fdr, a->min_drop };
	size_t cap = 0, n = 0, i, j, imp, prompts = 0, last = (size_t)-1;
	struct cmp_test *t;
	size_t *pi;
	const json_t **ca, **cb;

	for (i = 0; i < q->n_prompts; i++)
		cap += q->prompts[i].n_checks + 1;
	t = xcalloc(cap ? cap : 1, sizeof(*t));
	pi = xcalloc(cap ? cap : 1, sizeof(*pi));
	ca = xcalloc(cap ? cap : 1, sizeof(*ca));
	cb = xcalloc(cap ? cap : 1, sizeof(*cb));
	for (i = 0; i < q->n_prompts; i++) {
		const struct prompt_samples *sa = sampleset_find(A, q->prompts[i].id);
		const struct prompt_samples *sb = sampleset_find(B, q->prompts[i].id);
		const json_t *xa = json_object_get(json_array_get(ea, i), "checks");
		const json_t *xb = json_object_get(json_array_get(eb, i), "checks");

		for (j = 0; j < json_array_size(xa); j++) {
			const json_t *c1 = json_array_get(xa, j), *c2 = json_array_get(xb, j);
			json_int_t pa = json_integer_value(json_object_get(c1, "pass"));
			json_int_t fa = json_integer_value(json_object_get(c1, "fail"));
			json_int_t pb = json_integer_value(json_object_get(c2, "pass"));
			json_int_t fb = json_integer_value(json_object_get(c2, "fail"));

			if (pa + fa <= 0 || pb + fb <= 0)
				continue; /* skipped on a side (similarity checks on --vendor) */
			t[n].good_a = (size_t)pa;
			t[n].n_a = (size_t)(pa + fa);
			t[n].good_b = (size_t)pb;
			t[n].n_b = (size_t)(pb + fb);
			pi[n] = i;
			ca[n] = c1;
			cb[n++] = c2;
		}
		if (sa && sa->n && sb && sb->n) {
			t[n].good_a = compare_not_refused(params, sa);
			t[n].n_a = sa->n;
			t[n].good_b = compare_not_refused(params, sb);
			t[n].n_b = sb->n;
			pi[n] = i;
			ca[n] = cb[n] = NULL;
			n++;
		}
	}
	compare_decide(t, n, &par, &imp);
	*m = n;
	*n_a = *n_b = 0;
	for (i = 0; i < n; i++) {
		const struct prompt_samples *sa = sampleset_find(A, q->prompts[pi[i]].id);
		const struct prompt_samples *sb = sampleset_find(B, q->prompts[pi[i]].id);
		/* every rate is a good rate (lower is worse), so the refusal test's signal is
		 * named for what it counts: "refusal: 1.00 -> 0.30" read as fewer refusals */
		const char *signal = ca[i] ? render_check_name(ca[i]) : "not_refused";
		json_t *row;

		if (!untested[pi[i]] && (!*n_a || t[i].n_a < *n_a))
			*n_a = t[i].n_a;
		if (!untested[pi[i]] && (!*n_b || t[i].n_b < *n_b))
			*n_b = t[i].n_b;
		row = json_pack(
			"{s:s, s:s, s:{s:I, s:I}, s:{s:I, s:I}, s:o, s:o, s:o, s:o, s:o, s:o, "
			"s:b, s:b}",
			"prompt", q->prompts[pi[i]].id, "signal", signal, "vendor_counts", "good",
			(json_int_t)t[i].good_a, "n", (json_int_t)t[i].n_a, "against_counts",
			"good", (json_int_t)t[i].good_b, "n", (json_int_t)t[i].n_b, "vendor_rate",
			num4(t[i].rate_a), "against_rate", num4(t[i].rate_b), "p_worse",
			json_real(stats_round(t[i].p_worse, 8)), "q_worse",
			json_real(stats_round(t[i].q_worse, 8)), "p_better",
			json_real(stats_round(t[i].p_better, 8)), "q_better",
			json_real(stats_round(t[i].q_better, 8)), "regressed", t[i].regressed,
			"improved", t[i].improved);
		if (t[i].regressed || t[i].improved) {
			json_t *r = json_deep_copy(row);

			json_object_set_new(r, "vendor_example",
					    example(params, sa, ca[i], t[i].improved));
			json_object_set_new(r, "against_example",
					    example(params, sb, cb[i], t[i].regressed));
			json_array_append_new(t[i].regressed ? regressed : improved, r);
		}
		if (t[i].regressed && pi[i] != last) {
			prompts++;
			last = pi[i];
		}
		json_array_append_new(tests, row);
	}
	*power = compare_power(CMP_POWER_RATE, a->min_drop, *n_a, *n_b,
			       compare_power_alpha(a->fdr, n));
	free(t);
	free(pi);
	free(ca);
	free(cb);
	return prompts;
}

/* "; cost 0.012000 -> 0.034000 (+183%)" at the vendors' prices (a, b: side_cost); "unknown" for
 * a side whose cost is unknown, "; cost unknown" when neither is known: never 0 for a cost
 * that was not counted. */
static void cost_words(struct sbuf *sb, double a, double b)
{
	if (a < 0 && b < 0) {
		sbuf_addstr(sb, "; cost unknown");
		return;
	}
	sbuf_addstr(sb, "; cost ");
	if (a < 0)
		sbuf_addstr(sb, "unknown");
	else
		sbuf_addf(sb, "%.6f", a);
	if (b < 0)
		sbuf_addstr(sb, " -> unknown");
	else
		sbuf_addf(sb, " -> %.6f", b);
	if (a > 0 && b >= 0)
		sbuf_addf(sb, " (%+.0f%%)", 100.0 * (b - a) / a);
}

static void pct(struct sbuf *sb, const char *what, double a, double b, const char *unit)
{
	if (a <= 0 && b <= 0)
		return;
	if (a > 0)
		sbuf_addf(sb, "; %s %.0f%s -> %.0f%s (%+.0f%%)", what, a, unit, b, unit,
			  100.0 * (b - a) / a);
	else
		sbuf_addf(sb, "; %s %.0f%s -> %.0f%s", what, a, unit, b, unit);
}

/* Marks the prompts of q a side could not answer: no answers, or fewer than
 * SESSION_MIN_ANSWERED of its samples (the suite as a whole may still have enough). Such a prompt
 * was not compared, so a verdict of safe cannot stand on it: it is named in why ("longdoc: the
 * candidate answered 0 of 400: bad_request") and listed in the report's "untested". Returns the
 * number of untested prompts. */
static size_t find_untested(const struct suite *q, const struct sampleset *A,
			    const struct sampleset *B, unsigned char *untested, json_t *list,
			    struct sbuf *why)
{
	size_t i, k, n = 0;

	for (i = 0; i < q->n_prompts; i++) {
		for (k = 0; k < 2; k++) {
			const struct prompt_samples *ps =
				sampleset_find(k ? B : A, q->prompts[i].id);
			size_t got = ps ? ps->n : 0;
			size_t want = q->prompts[i].samples > 0 ? (size_t)q->prompts[i].samples : 1;
			const char *kinds = ps && ps->fault_kinds ? ps->fault_kinds : NULL;
			const char *who = k ? "the candidate" : "the current entry";

			if (got && (double)got >= SESSION_MIN_ANSWERED * (double)want)
				continue;
			if (!untested[i])
				n++;
			untested[i] = 1;
			sbuf_addf(why, "%s%s: %s answered %zu of %zu%s%s", why->len ? "; " : "",
				  q->prompts[i].id, who, got, want, kinds ? ": " : "",
				  kinds ? kinds : "");
			json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:s?}",
							      "prompt", q->prompts[i].id, "side",
							      k ? "against" : "vendor", "answered",
							      (json_int_t)got, "requested",
							      (json_int_t)want, "faults", kinds));
		}
	}
	return n;
}

/* The detection's verdict as compare reads it. The two sides are different models (or vendors),
 * so their model ids and fingerprints differ by design: stated as facts in sum ("model: X vs
 * Y"), never a difference in the answers. Answers differ when a test on the answers flagged
 * (the distance, a drift, a hard signal other than the id). No epoch wording: a comparison has
 * no nights. Returns 1 when the answers differ in distribution. */
static int distribution(const struct detect_outcome *det, const json_t *section, struct sbuf *sum)
{
	const json_t *c, *w;
	const char *sig;
	size_t i, k;
	int differ = 0;

	json_array_foreach(json_object_get(json_object_get(section, "hard"), "changes"), i, c)
	{
		sig = sget(c, "signal");
		if (!sig || (strcmp(sig, "model") && strcmp(sig, "fingerprint"))) {
			differ = 1;
			continue;
		}
		sbuf_addf(sum, "%s%s: ", sum->len ? "; " : "", sig);
		json_array_foreach(json_object_get(c, "was"), k, w)
			sbuf_addf(sum, "%s%s", k ? "," : "",
				  json_string_value(w) ? json_string_value(w) : "?");
		sbuf_addstr(sum, " vs ");
		json_array_foreach(json_object_get(c, "now"), k, w)
			sbuf_addf(sum, "%s%s", k ? "," : "",
				  json_string_value(w) ? json_string_value(w) : "?");
	}
	if (json_is_true(json_object_get(json_object_get(section, "decision"), "above")) ||
	    json_array_size(json_object_get(json_object_get(section, "distance"), "moved")) ||
	    json_array_size(json_object_get(json_object_get(section, "drift"), "flagged")))
		differ = 1;
	differ = differ && det->verdict == DETECT_CHANGED;
	sbuf_addf(sum, "%s%s", sum->len ? "; " : "",
		  differ				? "answers differ in distribution"
		  : det->verdict == DETECT_INSUFFICIENT ? "too few answers to test the distribution"
		  : det->verdict == DETECT_UNSTABLE
			  ? "answers too unstable to test the distribution"
			  : "answers alike in distribution");
	return differ;
}

/* Compares one suite. Returns 1 regression, 0 none, -1 incomplete (err set) . */
static int compare_suite(struct session *s, const struct cargs *a, const struct suite *q,
			 const char *date, struct sbuf *md, struct pl_err *err)
{
	const struct vendor *va = config_vendor(s->cfg, a->vendor);
	const struct vendor *vb = config_vendor(s->cfg, a->against);
	struct sampleset *A = session_set(s, a->vendor, q->id);
	struct sampleset *B = session_set(s, a->against, q->id);
	struct jsonloc cloc = config_loc(s->cfg), sloc = suite_loc(q);
	struct detect_params *params = NULL;
	struct detect_outcome det;
	struct eval_counts cA, cB;
	struct side sa, sb;
	json_t *ea = NULL, *eb = NULL, *section = NULL, *report = NULL, *prompts, *regressed,
	       *improved, *diverged, *tests, *untested_list;
	unsigned char *untested = NULL;
	size_t n_regressed = 0, m = 0, n_a = 0, n_b = 0, need = 0, n_untested = 0, compared = 0;
	double power = 0;
	int inconclusive = 0, differ = 0;
	char path[1024], hist[1024], sha[65], tcbuf[64];
	struct sbuf bytes, line, tc, unt, dist;
	struct sign_config sc;
	struct sign_key *key = NULL;
	size_t i;
	int rc = -1, rot_fd = -1;

	memset(&sc, 0, sizeof(sc));
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	memset(&det, 0, sizeof(det));
	sbuf_init(&bytes);
	sbuf_init(&line);
	sbuf_init(&tc);
	sbuf_init(&unt);
	sbuf_init(&dist);
	untested_list = json_array();
	regressed = json_array();
	improved = json_array();
	diverged = json_array();
	prompts = json_array();
	tests = json_array();
	for (i = 0; i < 2; i++) {
		const char *id = i ? a->against : a->vendor;
		size_t got, want;

		if (!session_answered_enough(s, id, q->id, &got, &want)) {
			const struct runner_vendor_stats *vs = session_vendor_stats(s, id);
			char why[320] = "";

			if (vs) /* as a night's incomplete_reason says it */
				runner_fault_describe(vs, why, sizeof(why));
			pl_err_set(err, PL_E_VENDOR, q->id,
				   "%s answered %zu of %zu requests: too few to compare (a "
				   "comparison needs %.0f%% of each side's requests answered)%s%s",
				   id, got, want, 100 * SESSION_MIN_ANSWERED,
				   why[0] ? "; most failed with " : "", why);
			goto out;
		}
	}
	untested = xcalloc(q->n_prompts ? q->n_prompts : 1, 1);
	n_untested = find_untested(q, A, B, untested, untested_list, &unt);
	compared = q->n_prompts - n_untested;
	params = detect_params_new(&cloc, s->cfg->detection, &sloc, q->detection, err);
	if (!params)
		goto out;
	ea = evaluate_suite(q, va, detect_params_refusal(params), NULL, A, 3, &cA);
	/* similarity checks: the candidate vs today's */
	eb = evaluate_suite(q, vb, detect_params_refusal(params), A, B, 3, &cB);
	diff_checks(ea, eb, diverged);
	n_regressed = stat_tests(q, A, B, ea, eb, params, a, untested, tests, regressed, improved,
				 &power, &m, &n_a, &n_b);
	snprintf(hist, sizeof(hist), "%s/compare/%s-vs-%s-%s.jsonl", s->cfg->state_dir, a->vendor,
		 a->against, q->id);
	if (detect_evaluate(params, A, B, hist, date, 1, &det, &section, err) < 0)
		goto out;
	for (i = 0; i < q->n_prompts; i++) {
		struct side pa, pb;

		memset(&pa, 0, sizeof(pa));
		memset(&pb, 0, sizeof(pb));
		measure(params, sampleset_find(A, q->prompts[i].id), &pa);
		measure(params, sampleset_find(B, q->prompts[i].id), &pb);
		measure(params, sampleset_find(A, q->prompts[i].id), &sa);
		measure(params, sampleset_find(B, q->prompts[i].id), &sb);
		json_array_append_new(prompts, json_pack("{s:s, s:o, s:o, s:o, s:o}", "id",
							 q->prompts[i].id, "length_chars_mean",
							 pair(pa.len_sum / (pa.n ? pa.n : 1),
							      pb.len_sum / (pb.n ? pb.n : 1)),
							 "refusal_rate",
							 pair(pa.refusals / (pa.n ? pa.n : 1),
							      pb.refusals / (pb.n ? pb.n : 1)),
							 "fenced_rate",
							 pair(pa.fenced / (pa.n ? pa.n : 1),
							      pb.fenced / (pb.n ? pb.n : 1)),
							 "latency_ms_mean",
							 pair(pa.lat_sum / (pa.n ? pa.n : 1),
							      pb.lat_sum / (pb.n ? pb.n : 1))));
	}
	sbuf_addf(&line, "%s [%s] vs %s [%s] on %s: ", a->vendor, va->model, a->against, vb->model,
		  q->id);
	/* no regression is evidence of safety only when one would have been seen, on every prompt:
	 * a prompt a side did not answer was not tested at all */
	inconclusive = !n_regressed && (n_untested || power < a->min_power);
	if (inconclusive && !n_untested)
		need = compare_samples_for_power(CMP_POWER_RATE, a->min_drop,
						 compare_power_alpha(a->fdr, m), a->min_power,
						 5000);
	if (n_regressed)
		sbuf_addf(&line, "not safe: %zu prompt%s regressed", n_regressed,
			  n_regressed == 1 ? "" : "s");
	if (n_regressed && n_untested)
		sbuf_addf(&line, "; %zu untested (%s)", n_untested, unt.buf);
	else if (n_untested)
		sbuf_addf(
			&line,
			"inconclusive: %zu prompt%s untested (%s); no other prompt regressed (%zu "
			"prompt%s compared, power %.2f at a drop of %.2g)",
			n_untested, n_untested == 1 ? "" : "s", unt.buf, compared,
			compared == 1 ? "" : "s", power, a->min_drop);
	else if (n_regressed)
		; /* said */
	else if (inconclusive && need <= 5000)
		sbuf_addf(&line,
			  "inconclusive: no prompt regressed, but the power to see a drop of %.2g "
			  "is %.2f, below --min-power %.2f (%zu and %zu samples a prompt): "
			  "--samples %zu reaches it",
			  a->min_drop, power, a->min_power, n_a, n_b, need);
	else if (inconclusive)
		sbuf_addf(&line,
			  "inconclusive: no prompt regressed, but the power to see a drop of %.2g "
			  "is %.2f, below --min-power %.2f (%zu and %zu samples a prompt; more "
			  "than 5000 a side would be needed)",
			  a->min_drop, power, a->min_power, n_a, n_b);
	else
		sbuf_addf(&line,
			  "safe to switch: no prompt regressed (%zu prompts, power %.2f at a drop "
			  "of %.2g)",
			  compared, power, a->min_drop);
	sbuf_addf(&line, "; %zu improved", json_array_size(improved));
	if (json_array_size(diverged))
		sbuf_addf(&line, ", %zu unlike today's answers", json_array_size(diverged));
	differ = distribution(&det, section, &dist);
	if (differ)
		sbuf_addstr(&line, "; answers differ in distribution");
	pct(&line, "length", sa.len_sum / (sa.n ? sa.n : 1), sb.len_sum / (sb.n ? sb.n : 1),
	    " chars");
	pct(&line, "latency", sa.lat_sum / (sa.n ? sa.n : 1), sb.lat_sum / (sb.n ? sb.n : 1),
	    " ms");
	if (sa.refusals != sb.refusals)
		sbuf_addf(&line, "; refusals %.0f -> %.0f", sa.refusals, sb.refusals);
	{
		char why[160];
		double ca = side_cost(&sa, va, why, sizeof(why));

		cost_words(&line, ca, side_cost(&sb, vb, why, sizeof(why)));
	}
	report = json_pack(
		"{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:o, "
		"s:o, s:o, s:o, s:{s:s, s:o, s:s, s:o}, s:o, s:{s:o, s:o}, s:{s:o, s:o}, "
		"s:{s:o, s:o, s:I, s:I, s:o, s:o, s:I, s:I, s:o, s:o}, s:o}",
		"format", "plumbline-compare/3", "date", date, "vendor", "id", va->id, "model",
		va->model, "against", "id", vb->id, "model", vb->model, "suite", "id", q->id,
		"path", q->path, "verdict",
		n_regressed    ? "not_safe"
		: inconclusive ? "inconclusive"
			       : "safe",
		"summary", line.buf, "regressed", regressed, "untested", untested_list, "improved",
		improved, "diverged", diverged, "distribution", "verdict",
		detect_verdict_name(differ || det.verdict != DETECT_CHANGED ? det.verdict
									    : DETECT_NO_CHANGE),
		"confidence", num4(det.confidence), "summary", dist.buf ? dist.buf : "", "detail",
		section ? json_incref(section) : json_null(), "prompts", prompts, "totals",
		"vendor", side_json(&sa, va), "against", side_json(&sb, vb), "checks", "vendor",
		json_incref(ea), "against", json_incref(eb), "statistics", "fdr", num4(a->fdr),
		"min_drop", num4(a->min_drop), "tests", (json_int_t)m, "prompts_compared",
		(json_int_t)compared, "power", num4(power), "power_rate", num4(CMP_POWER_RATE),
		"power_n_vendor", (json_int_t)n_a, "power_n_against", (json_int_t)n_b, "min_power",
		num4(a->min_power), "power_alpha",
		json_real(stats_round(compare_power_alpha(a->fdr, m), 8)), "tests", tests);
	/* stolen by the pack */
	regressed = improved = diverged = prompts = tests = untested_list = NULL;
	if (!report) {
		pl_err_set(err, PL_E_INTERNAL, q->id, "cannot build the compare report");
		goto out;
	}
	report_path(path, sizeof(path), s, a, q->id);
	if (canon_pretty(report, &bytes, err) < 0 ||
	    fileio_write_atomic(path, bytes.buf, bytes.len, 0644, err) < 0)
		goto out;
	hex_sha256(bytes.buf, bytes.len, sha);
	printf("%s\n", line.buf);
	if (md) { /* vendor text is inert in a pull request comment, as run --markdown makes it */
		sbuf_addstr(md, "- ");
		render_md_escape(md, line.buf, RENDER_MD_GITHUB, 0);
		sbuf_addstr(md, " (`");
		render_md_escape(md, path, RENDER_MD_CODE, 0);
		sbuf_addstr(md, "`)\n");
	}
	{
		const json_t *r;
		size_t k;

		json_array_foreach(json_object_get(report, "regressed"), k, r)
		{
			char row[2048], qb[16];

			snprintf(row, sizeof(row),
				 "regressed: %s %s: %.2f -> %.2f, q %s; %s: \"%s\"; %s: \"%s\"",
				 sget(r, "prompt"), sget(r, "signal"),
				 json_number_value(json_object_get(r, "vendor_rate")),
				 json_number_value(json_object_get(r, "against_rate")),
				 stats_format_p(json_number_value(json_object_get(r, "q_worse")),
						qb, sizeof(qb)),
				 a->vendor, sget(r, "vendor_example"), a->against,
				 sget(r, "against_example"));
			printf("  %s\n", row);
			if (md) {
				sbuf_addstr(md, "  - ");
				render_md_escape(md, row, RENDER_MD_GITHUB, 0);
				sbuf_addch(md, '\n');
			}
		}
	}
	printf("  report: %s\n", path);
	/* sign like run reports, when the key is there */
	{
		struct jsonloc l = config_loc(s->cfg);

		if (sign_config_parse(&l, "/signing", s->cfg->signing, s->cfg->state_dir, &sc,
				      err) < 0)
			goto out;
	}
	if (fileio_exists(sc.secret_key)) {
		time_t t = register_parse_date(date);

		/* signed with the key current when it is read: no rotation meanwhile */
		rot_fd = rotate_lock_shared(sc.register_path, err);
		key = rot_fd >= 0 ? sign_key_load(sc.secret_key, err) : NULL;
		if (!key)
			goto out;
		snprintf(tcbuf, sizeof(tcbuf), "%lld", (long long)(t < 0 ? 0 : t));
		sbuf_addf(&tc, "timestamp:%s\tfile:%s\tdate:%s\tkind:compare\tsha256:%s", tcbuf,
			  strrchr(path, '/') + 1, date, sha);
		if (sign_file(key, path, tc.buf, err) < 0)
			goto out;
		printf("  signed: %s.minisig, %s.sig.raw\n", path, path);
	} else {
		printf("  not signed: no secret key at %s (plumbline keygen)\n", sc.secret_key);
	}
	rc = n_regressed ? 1 : inconclusive ? 2 : 0;
out:
	json_decref(untested_list);
	free(untested);
	json_decref(tests);
	json_decref(regressed);
	json_decref(improved);
	json_decref(diverged);
	json_decref(prompts);
	json_decref(report);
	json_decref(ea);
	json_decref(eb);
	json_decref(section);
	detect_params_free(params);
	lock_file_release(rot_fd);
	sign_key_free(key);
	sign_config_release(&sc);
	sbuf_release(&bytes);
	sbuf_release(&line);
	sbuf_release(&tc);
	sbuf_release(&unt);
	sbuf_release(&dist);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct session_opts so;
	struct session s;
	struct cargs a;
	const char *ids[2];
	char today[16], where[256];
	struct sbuf md;
	size_t q;
	int rc, regressions = 0, incomplete = 0, inconclusive = 0;

	rc = parse(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	session_init(&s);
	sbuf_init(&md);
	memset(&so, 0, sizeof(so));
	so.resume = a.resume;
	so.progress = 1;
	cli_budget_apply(&a.budget, &so);
	ids[0] = a.vendor;
	ids[1] = a.against;
	if (session_load(&s, a.config, argv + a.first_suite, (size_t)(argc - a.first_suite), &err) <
	    0) {
		rc = cli_fail(&err);
		goto out;
	}
	set_samples(&s, a.samples);
	if ((a.budget.dry_run ? session_plan_keyless(&s, ids, 2, PLAN_COMPARE, &err)
			      : session_plan(&s, ids, 2, PLAN_COMPARE, &err)) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!a.date) {
		session_today(today, sizeof(today));
		a.date = today;
	}
	plan_set_night(&s.plan, a.date); /* in the journal: a killed compare names its date */
	/* a cost budget that cannot count a vendor's cost is refused, --dry-run too (as run does):
	 * the plan would show it as a budget that holds */
	if (plan_check_max_cost(&s.plan, so.max_cost > 0 ? so.max_cost : s.cfg->max_cost,
				config_budget_where(s.cfg, so.max_cost, where, sizeof(where)),
				&err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.budget.dry_run) {
		cli_print_plan(&s);
		rc = EXIT_OK;
		goto out;
	}
	if (check_reports(&s, &a, &err) < 0 || session_execute(&s, &so, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	sbuf_addf(&md, "### plumbline compare: %s vs %s (%s)\n\n", a.vendor, a.against, a.date);
	for (q = 0; q < s.n_suites; q++) {
		int r;

		pl_err_init(&err);
		r = compare_suite(&s, &a, s.suites[q], a.date, &md, &err);
		if (r < 0) {
			cli_fail(&err);
			incomplete++;
		}
		regressions += r == 1;
		inconclusive += r == 2;
	}
	if (a.markdown && fileio_write_atomic(a.markdown, md.buf, md.len, 0644, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	session_finish(&s, &err);
	rc = regressions ? EXIT_CHANGED : incomplete || inconclusive ? EXIT_INCOMPLETE : EXIT_OK;
out:
	sbuf_release(&md);
	session_release(&s);
	return rc;
}
