/* cmd_compare.c: `plumbline compare`: the same suites on two vendor entries (two models, or two
 * vendors) before an upgrade: the same checks and distribution tests, and a signed diff
 * report of what regressed, what improved, and what changed in format, length, refusals,
 * latency and cost. Exit 1 on a regression, so CI can gate the upgrade. */
#include "canon.h"
#include "cli.h"
#include "config.h"
#include "detect.h"
#include "evaluate.h"
#include "fileio.h"
#include "hex.h"
#include "register.h"
#include "render.h"
#include "session.h"
#include "sign.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_compare[] =
	"usage: plumbline compare --config FILE --vendor ID --against ID [--date YYYY-MM-DD]\n"
	"                         [--resume] [--markdown FILE] [--dry-run]\n"
	"                         [--max-requests N] [--max-tokens N] [--max-cost X] SUITE...\n"
	"\n";

static const char usage_compare_tail[] =
	"\n"
	"Runs every SUITE on both vendor entries (--vendor: what you use now; --against: the\n"
	"candidate, e.g. a new model), applies the suites' checks to both, tests whether the\n"
	"answer distributions differ (the detection's tests, with --vendor as the reference), and\n"
	"writes REPORTS/compare/DATE/VENDOR-vs-AGAINST-SUITE.json: which prompts regressed (a\n"
	"check passes on --vendor and fails on --against), which improved, which answers are\n"
	"unlike today's (similarity checks, measured against --vendor's answers), and the change "
	"in\n"
	"answer length, refusal rate, latency, tokens and cost. The report is signed like run\n"
	"reports (REPORT.minisig, REPORT.sig.raw) when the signing key exists.\n"
	"--dry-run prints the plan (requests, tokens, cost, duration) and sends nothing;\n"
	"--max-requests N and --max-cost X stop sending there (budget; exit 3), as for run.\n"
	"\n"
	"Exit 0: no regression; 1: at least one regression; 2: usage or config error; 3: the\n"
	"comparison could not complete (a vendor unreachable, too few answers).\n";

struct cargs {
	const char *config, *vendor, *against, *date, *markdown;
	int resume;
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
	CLI_STRING(0, "markdown", struct cargs, markdown, "FILE",
		   "also write a Markdown summary (pull requests, chat)"),
	CLI_BUDGET_OPTIONS(struct cargs, budget),
	CLI_END,
};

const struct cli_usage_part usage_compare_parts[] = {
	{ compare_options, usage_compare_tail },
	{ NULL, NULL },
};

/* Returns 0, -1 after the help was printed, or the exit code after a usage error (printed). */
static int parse(int argc, char **argv, struct cargs *a)
{
	int rc = EXIT_USAGE;

	memset(a, 0, sizeof(*a));
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
};

static void measure(const struct prompt_samples *ps, struct side *s)
{
	size_t i;

	for (i = 0; ps && i < ps->n; i++) {
		const struct sample *x = &ps->samples[i];

		s->len_sum += (double)strlen(x->text);
		s->lat_sum += x->latency_ms;
		s->refusals += x->refused || x->blocked;
		s->fenced += !strncmp(x->text, "```", 3);
		if (x->prompt_tokens > 0)
			s->ptok += x->prompt_tokens;
		if (x->completion_tokens > 0)
			s->ctok += x->completion_tokens;
		s->n++;
	}
}

static json_t *pair(double a, double b)
{
	return json_pack("{s:o, s:o}", "vendor", num4(a), "against", num4(b));
}

static json_t *side_json(const struct side *s, const struct vendor *v)
{
	double n = s->n > 0 ? s->n : 1;
	double cost =
		((double)s->ptok * v->price_in_per_mtok + (double)s->ctok * v->price_out_per_mtok) /
		1e6;

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o}", "answers", (json_int_t)s->n,
			 "length_chars_mean", num4(s->len_sum / n), "latency_ms_mean",
			 num4(s->lat_sum / n), "refusal_rate", num4(s->refusals / n), "fenced_rate",
			 num4(s->fenced / n), "prompt_tokens", (json_int_t)s->ptok,
			 "completion_tokens", (json_int_t)s->ctok, "cost", num4(cost));
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Regressed / improved (prompt, check) pairs from the two evaluations. */
static void diff_checks(const json_t *ea, const json_t *eb, json_t *regressed, json_t *improved,
			json_t *diverged)
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
			json_t *row;
			const json_t *fs;

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
			row = json_pack("{s:s?, s:s, s:s, s:s}", "prompt", sget(pa, "id"), "check",
					render_check_name(ca), "vendor", va, "against", vb);
			fs = json_object_get(!strcmp(vb, "fail") ? cb : ca, "failed_samples");
			if (json_array_size(fs))
				json_object_set(row, "example", json_array_get(fs, 0));
			json_array_append_new(!strcmp(vb, "fail") ? regressed : improved, row);
		}
	}
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
	       *improved, *diverged;
	char path[1024], hist[1024], sha[65], tcbuf[64];
	struct sbuf bytes, line, tc;
	struct sign_config sc;
	struct sign_key *key = NULL;
	size_t i;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	memset(&det, 0, sizeof(det));
	sbuf_init(&bytes);
	sbuf_init(&line);
	sbuf_init(&tc);
	regressed = json_array();
	improved = json_array();
	diverged = json_array();
	prompts = json_array();
	if (!A || !B) {
		pl_err_set(err, PL_E_VENDOR, q->id, "no answers from %s",
			   !A ? a->vendor : a->against);
		goto out;
	}
	ea = evaluate_suite(q, NULL, A, 3, &cA);
	eb = evaluate_suite(q, A, B, 3, &cB); /* similarity checks: the candidate vs today's */
	diff_checks(ea, eb, regressed, improved, diverged);
	params = detect_params_new(&cloc, s->cfg->detection, &sloc, q->detection, err);
	snprintf(hist, sizeof(hist), "%s/compare/%s-vs-%s-%s.jsonl", s->cfg->state_dir, a->vendor,
		 a->against, q->id);
	if (!params || detect_evaluate(params, A, B, hist, date, 1, &det, &section, err) < 0)
		goto out;
	for (i = 0; i < q->n_prompts; i++) {
		struct side pa, pb;

		memset(&pa, 0, sizeof(pa));
		memset(&pb, 0, sizeof(pb));
		measure(sampleset_find(A, q->prompts[i].id), &pa);
		measure(sampleset_find(B, q->prompts[i].id), &pb);
		measure(sampleset_find(A, q->prompts[i].id), &sa);
		measure(sampleset_find(B, q->prompts[i].id), &sb);
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
	sbuf_addf(&line, "%s [%s] vs %s [%s] on %s: %s: %zu regressed, %zu improved", a->vendor,
		  va->model, a->against, vb->model, q->id,
		  json_array_size(regressed) ? "REGRESSION" : "no regression",
		  json_array_size(regressed), json_array_size(improved));
	if (json_array_size(diverged))
		sbuf_addf(&line, ", %zu unlike today's answers", json_array_size(diverged));
	if (det.verdict == DETECT_CHANGED)
		sbuf_addstr(&line, "; answers differ in distribution");
	pct(&line, "length", sa.len_sum / (sa.n ? sa.n : 1), sb.len_sum / (sb.n ? sb.n : 1),
	    " chars");
	pct(&line, "latency", sa.lat_sum / (sa.n ? sa.n : 1), sb.lat_sum / (sb.n ? sb.n : 1),
	    " ms");
	if (sa.refusals != sb.refusals)
		sbuf_addf(&line, "; refusals %.0f -> %.0f", sa.refusals, sb.refusals);
	report = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:o, "
			   "s:o, s:o, s:{s:s, s:o, s:s, s:o}, s:o, s:{s:o, s:o}, s:{s:o, s:o}}",
			   "format", "plumbline-compare/1", "date", date, "vendor", "id", va->id,
			   "model", va->model, "against", "id", vb->id, "model", vb->model, "suite",
			   "id", q->id, "path", q->path, "verdict",
			   json_array_size(regressed) ? "regression" : "no_regression", "summary",
			   line.buf, "regressed", regressed, "improved", improved, "diverged",
			   diverged, "distribution", "verdict", detect_verdict_name(det.verdict),
			   "confidence", num4(det.confidence), "summary", det.summary, "detail",
			   section ? json_incref(section) : json_null(), "prompts", prompts,
			   "totals", "vendor", side_json(&sa, va), "against", side_json(&sb, vb),
			   "checks", "vendor", json_incref(ea), "against", json_incref(eb));
	regressed = improved = diverged = prompts = NULL; /* stolen by the pack */
	if (!report) {
		pl_err_set(err, PL_E_INTERNAL, q->id, "cannot build the compare report");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/compare/%s/%s-vs-%s-%s.json", s->cfg->reports_dir, date,
		 a->vendor, a->against, q->id);
	if (canon_pretty(report, &bytes, err) < 0 ||
	    fileio_write_atomic(path, bytes.buf, bytes.len, 0644, err) < 0)
		goto out;
	hex_sha256(bytes.buf, bytes.len, sha);
	printf("%s\n  report: %s\n", line.buf, path);
	if (md)
		sbuf_addf(md, "- %s (`%s`)\n", line.buf, path);
	/* sign like run reports, when the key is there */
	{
		struct jsonloc l = config_loc(s->cfg);

		if (sign_config_parse(&l, "/signing", s->cfg->signing, s->cfg->state_dir, &sc,
				      err) < 0)
			goto out;
	}
	if (fileio_exists(sc.secret_key)) {
		time_t t = register_parse_date(date);

		key = sign_key_load(sc.secret_key, err);
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
	rc = json_array_size(json_object_get(report, "regressed")) ? 1 : 0;
out:
	json_decref(regressed);
	json_decref(improved);
	json_decref(diverged);
	json_decref(prompts);
	json_decref(report);
	json_decref(ea);
	json_decref(eb);
	json_decref(section);
	detect_params_free(params);
	sign_key_free(key);
	sign_config_release(&sc);
	sbuf_release(&bytes);
	sbuf_release(&line);
	sbuf_release(&tc);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct session_opts so;
	struct session s;
	struct cargs a;
	const char *ids[2];
	char today[16];
	struct sbuf md;
	size_t q;
	int rc, regressions = 0, incomplete = 0;

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
		    0 ||
	    (a.budget.dry_run ? session_plan_keyless(&s, ids, 2, PLAN_NIGHTLY, &err)
			      : session_plan(&s, ids, 2, PLAN_NIGHTLY, &err)) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.budget.dry_run) {
		cli_print_plan(&s);
		rc = EXIT_OK;
		goto out;
	}
	if (session_execute(&s, &so, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!a.date) {
		session_today(today, sizeof(today));
		a.date = today;
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
		regressions += r > 0;
	}
	if (a.markdown && fileio_write_atomic(a.markdown, md.buf, md.len, 0644, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	session_finish(&s, &err);
	rc = regressions ? EXIT_CHANGED : incomplete ? EXIT_INCOMPLETE : EXIT_OK;
out:
	sbuf_release(&md);
	session_release(&s);
	return rc;
}
