/* evaluate.c: runs the suite's checks over tonight's samples, prompt by prompt. */
#include "evaluate.h"
#include "hex.h"
#include "refusal.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed decimals keep reports byte-identical across machines. */
static json_t *fixed4(double x)
{
	return json_real(round(x * 10000.0) / 10000.0);
}

/* A failing sample's quote: its first EVAL_QUOTE_BYTES bytes, never cutting a UTF-8
 * sequence, with the full text's length and SHA-256, and whether it was cut. */
static void quote_text(json_t *ex, const char *text)
{
	size_t n = strlen(text), cut = n;
	char sha[65];

	if (cut > EVAL_QUOTE_BYTES) {
		cut = EVAL_QUOTE_BYTES;
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--;
	}
	hex_sha256(text, n, sha);
	json_object_set_new(ex, "text", json_stringn(text, cut));
	json_object_set_new(ex, "bytes", json_integer((json_int_t)n));
	json_object_set_new(ex, "sha256", json_string(sha));
	json_object_set_new(ex, "truncated", json_boolean(cut < n));
}

/* What an embedding check says when evaluate gets no vectors at all. */
#define EVAL_NO_EMBEDDINGS "no embeddings computed (no \"embeddings\" config, or no baseline)"

/* The answer's measures for the latency and cost checks. */
static void measures(const struct sample *s, const struct vendor *v, struct check_input *in,
		     char *why, size_t len)
{
	in->has_latency = s->latency_ms >= 0;
	in->latency_ms = s->latency_ms;
	if (!v) {
		snprintf(why, len, "no vendor to price it");
	} else if (!v->has_prices) {
		snprintf(why, len, "vendor \"%s\" has no prices in the config (\"prices\")", v->id);
	} else if (s->prompt_tokens < 0 || s->completion_tokens < 0) {
		snprintf(why, len, "the answer has no token counts");
	} else {
		in->has_cost = 1;
		in->cost_usd = config_vendor_cost(v, s->prompt_tokens, s->completion_tokens);
		return;
	}
	in->cost_unknown = why;
}

static json_t *eval_check(const struct check *c, size_t ci, const struct eval_extra *x,
			  const struct prompt_samples *night, const char *const *base,
			  size_t n_base, size_t max_examples, struct eval_counts *counts,
			  int *failed, int *errored)
{
	size_t i, n = night ? night->n : 0, pass = 0, fail = 0, skip = 0, error = 0, scored = 0;
	double score_sum = 0, rate, min_rate = check_min_pass_rate(c);
	json_t *o = json_object(), *examples = json_array();
	struct check_result *res = xcalloc(n ? n : 1, sizeof(*res));
	struct check_result agg;
	const char *verdict;
	char unpriced[160], why[sizeof(agg.detail)];
	int aggregate;

	why[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct sample *s = &night->samples[i];
		struct check_input in = { .text = s->text,
					  .len = strlen(s->text),
					  .refused = s->refused || s->blocked,
					  .baseline = base,
					  .n_baseline = n_base,
					  .tool_calls = s->tool_calls };

		const struct eval_embeddings *emb = x ? x->emb : NULL;

		measures(s, x ? x->vendor : NULL, &in, unpriced, sizeof(unpriced));
		if (x && x->judged)
			in.judged = x->judged->lookup(x->judged->ctx, ci, s->index);
		in.embed_skip = emb ? emb->skip : EVAL_NO_EMBEDDINGS;
		if (emb && emb->dim) {
			in.dim = emb->dim;
			in.embedding = emb->night ? emb->night[i] : NULL;
			in.baseline_embeddings = emb->baseline;
			in.n_baseline_embeddings = emb->baseline ? n_base : 0;
		}
		check_eval(c, &in, &res[i]);
	}
	/* a per-prompt kind judges the answers together; it may re-mark them (check.h) */
	aggregate = check_aggregate(c, res, n, &agg) == 0;
	for (i = 0; i < n; i++) {
		const struct sample *s = &night->samples[i];
		const struct check_result *r = &res[i];

		switch (r->verdict) {
		case CHECK_PASS:
			pass++;
			break;
		case CHECK_FAIL:
			fail++;
			break;
		case CHECK_SKIP:
			skip++;
			break;
		default:
			error++;
			break;
		}
		if (!isnan(r->score)) {
			score_sum += r->score;
			scored++;
		}
		if ((r->verdict == CHECK_FAIL || r->verdict == CHECK_ERROR) &&
		    json_array_size(examples) < max_examples) {
			json_t *ex =
				json_pack("{s:i, s:s}", "sample", s->index, "detail", r->detail);

			quote_text(ex, s->text);
			if (s->refused || s->blocked) /* the API's flag: an empty text says why */
				json_object_set_new(ex, "refused", json_true());
			if (s->tool_calls) /* the calls a tool_call check (or a reader) judged */
				json_object_set(ex, "tool_calls", s->tool_calls);

			if (!isnan(r->score))
				json_object_set_new(ex, "score", fixed4(r->score));
			json_array_append_new(examples, ex);
		}
	}
	counts->pass += pass;
	counts->fail += fail;
	counts->skip += skip;
	counts->error += error;
	if (aggregate) {
		*failed = agg.verdict == CHECK_FAIL || agg.verdict == CHECK_ERROR;
		*errored = agg.verdict == CHECK_ERROR;
		verdict = check_verdict_name(agg.verdict);
	} else if (pass + fail + error == 0) {
		verdict = "skip";
		*failed = 0;
		/* why nothing was judged (no baseline answers, a vendor without prices): the
		 * first answer's reason, since skipped answers are not quoted */
		for (i = 0; i < n && !why[0]; i++)
			if (res[i].detail[0])
				snprintf(why, sizeof(why), "%s", res[i].detail);
	} else {
		/* An answer in error (a regex's match limit, a number no double holds) is not a
		 * pass: it counts against the pass rate. The check is "error" when the answers
		 * that were judged would have passed on their own. */
		rate = (double)pass / (double)(pass + fail + error);
		*failed = rate + 1e-12 < min_rate;
		verdict = *failed ? "fail" : "pass";
		if (*failed && (pass + fail == 0 ||
				(double)pass / (double)(pass + fail) + 1e-12 >= min_rate)) {
			verdict = "error";
			*errored = 1;
		}
		for (i = 0; i < n && !why[0] && !strcmp(verdict, "error"); i++)
			if (res[i].verdict == CHECK_ERROR)
				snprintf(why, sizeof(why), "%s", res[i].detail);
	}
	json_object_set_new(o, "id", json_string(check_id(c)));
	json_object_set_new(o, "kind", json_string(check_kind(c)));
	json_object_set_new(o, "label", json_string(check_label(c)));
	json_object_set_new(o, "pass", json_integer((json_int_t)pass));
	json_object_set_new(o, "fail", json_integer((json_int_t)fail));
	json_object_set_new(o, "skip", json_integer((json_int_t)skip));
	json_object_set_new(o, "error", json_integer((json_int_t)error));
	if (aggregate) {
		/* the prompt's figure (a percentile) and what it says, not a pass rate */
		if (!isnan(agg.score))
			json_object_set_new(o, "score", fixed4(agg.score));
		json_object_set_new(o, "detail", json_string(agg.detail));
	} else {
		json_object_set_new(o, "min_pass_rate", fixed4(min_rate));
		if (why[0])
			json_object_set_new(o, "detail", json_string(why));
	}
	/* a per-prompt check's score is its figure (renderings show it), not a mean */
	if (scored && !aggregate)
		json_object_set_new(o, "score_mean", fixed4(score_sum / (double)scored));
	json_object_set_new(o, "verdict", json_string(verdict));
	if (json_array_size(examples))
		json_object_set_new(o, "failed_samples", examples);
	else
		json_decref(examples);
	free(res);
	return o;
}

int evaluate_prompt_uses(const struct prompt *pr, const char *kind)
{
	size_t c;

	for (c = 0; c < pr->n_checks; c++)
		if (!strcmp(check_kind(pr->checks[c]), kind))
			return 1;
	return 0;
}

json_t *evaluate_prompt(const struct prompt *pr, const struct eval_extra *x,
			const struct prompt_samples *bs, const struct prompt_samples *ns,
			size_t max_examples, struct eval_counts *counts)
{
	const char **base = NULL;
	size_t n_base = bs ? bs->n : 0, refusals = 0, c, i;
	json_t *po = json_object(), *checks = json_array();
	const char *verdict;
	int prompt_failed = 0;

	if (n_base) {
		base = xcalloc(n_base, sizeof(*base));
		for (i = 0; i < n_base; i++)
			base[i] = bs->samples[i].text;
	}
	for (i = 0; ns && i < ns->n; i++) {
		const struct sample *sm = &ns->samples[i];

		refusals += (size_t)refusal_is(x ? x->refusal : NULL, sm->text, strlen(sm->text),
					       sm->refused, sm->blocked);
	}
	for (c = 0; c < pr->n_checks; c++) {
		int failed = 0, errored = 0;

		json_array_append_new(checks, eval_check(pr->checks[c], c, x, ns, base, n_base,
							 max_examples, counts, &failed, &errored));
		counts->checks_total++;
		counts->checks_errored += errored;
		if (failed) {
			counts->checks_failed++;
			prompt_failed = 1;
		}
	}
	counts->prompts_failed += prompt_failed;
	counts->samples += ns ? ns->n : 0;
	counts->faults += ns ? ns->faults : 0;
	counts->not_sent += ns ? ns->not_sent : 0;
	counts->vendor_faults += ns ? ns->faults - ns->own_faults : 0;
	counts->vendor_not_sent += ns ? ns->not_sent - ns->own_not_sent : 0;
	counts->retries += ns ? ns->retries : 0;
	counts->refusals += refusals;
	json_object_set_new(po, "id", json_string(pr->id));
	json_object_set_new(po, "samples", json_integer(ns ? (json_int_t)ns->n : 0));
	json_object_set_new(po, "baseline_samples", json_integer((json_int_t)n_base));
	/* as counts.faults: the requests sent that got no answer; not_sent apart */
	json_object_set_new(po, "faults",
			    json_integer(ns ? (json_int_t)(ns->faults - ns->not_sent) : 0));
	if (ns && ns->not_sent)
		json_object_set_new(po, "not_sent", json_integer((json_int_t)ns->not_sent));
	if (ns && ns->fault_kinds)
		json_object_set_new(po, "fault_kinds", json_string(ns->fault_kinds));
	json_object_set_new(po, "refusals", json_integer((json_int_t)refusals));
	json_object_set_new(po, "checks", checks);
	/* nothing answered: nothing passed; "skip", like each of its checks */
	verdict = prompt_failed ? "fail" : "pass";
	if (!ns || !ns->n)
		verdict = "skip";
	json_object_set_new(po, "verdict", json_string(verdict));
	free(base);
	return po;
}

void evaluate_checks_phrase(size_t failed, size_t total, size_t prompts_failed, char *buf,
			    size_t len)
{
	snprintf(buf, len, "%zu of %zu check%s failed on %zu prompt%s", failed, total,
		 total == 1 ? "" : "s", prompts_failed, prompts_failed == 1 ? "" : "s");
}

void evaluate_checks_said(size_t failed, size_t total, size_t prompts_failed, size_t answers,
			  char *buf, size_t len)
{
	if (!answers && total) {
		snprintf(buf, len, "checks not judged: no answers");
		return;
	}
	evaluate_checks_phrase(failed, total, prompts_failed, buf, len);
}

json_t *evaluate_suite(const struct suite *suite, const struct vendor *vendor,
		       const struct refusal *refusal, const struct sampleset *baseline,
		       const struct sampleset *night, size_t max_examples,
		       struct eval_counts *counts)
{
	const struct eval_extra x = { .vendor = vendor, .refusal = refusal };
	json_t *arr = json_array();
	size_t p;

	memset(counts, 0, sizeof(*counts));
	for (p = 0; p < suite->n_prompts; p++) {
		const struct prompt *pr = &suite->prompts[p];

		json_array_append_new(
			arr,
			evaluate_prompt(pr, &x, baseline ? sampleset_find(baseline, pr->id) : NULL,
					sampleset_find(night, pr->id), max_examples, counts));
	}
	return arr;
}

void evaluate_check_passes(const struct check *c, const struct prompt_samples *ps, size_t *pass,
			   size_t *judged)
{
	size_t i;

	*pass = *judged = 0;
	for (i = 0; ps && i < ps->n; i++) {
		const struct sample *sm = &ps->samples[i];
		/* no measures: latency and cost checks skip */
		struct check_input in = { .text = sm->text,
					  .len = strlen(sm->text),
					  .refused = sm->refused || sm->blocked,
					  .tool_calls = sm->tool_calls };
		struct check_result r;

		check_eval(c, &in, &r);
		if (r.verdict == CHECK_PASS || r.verdict == CHECK_FAIL) {
			(*judged)++;
			*pass += r.verdict == CHECK_PASS;
		}
	}
}

static json_int_t int_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

void evaluate_failed_checks(const json_t *entry, const struct prompt *pr,
			    const struct prompt_samples *bs, json_t *out)
{
	const char *prompt = json_string_value(json_object_get(entry, "id"));
	const json_t *c;
	size_t i, j;

	json_array_foreach(json_object_get(entry, "checks"), i, c)
	{
		const char *v = json_string_value(json_object_get(c, "verdict"));
		const char *id = json_string_value(json_object_get(c, "id"));
		json_t *o;

		if (!v || !id || (strcmp(v, "fail") && strcmp(v, "error")))
			continue;
		o = json_pack("{s:s,s:s,s:I,s:I}", "prompt", prompt ? prompt : "?", "check", id,
			      "pass", int_of(c, "pass"), "judged",
			      int_of(c, "pass") + int_of(c, "fail") + int_of(c, "error"));
		if (json_is_number(json_object_get(c, "min_pass_rate")))
			json_object_set(o, "min_pass_rate", json_object_get(c, "min_pass_rate"));
		for (j = 0; pr && bs && j < pr->n_checks; j++) {
			size_t pass, judged;

			if (strcmp(check_id(pr->checks[j]), id))
				continue;
			evaluate_check_passes(pr->checks[j], bs, &pass, &judged);
			if (judged) {
				json_object_set_new(o, "baseline_pass",
						    json_integer((json_int_t)pass));
				json_object_set_new(o, "baseline_judged",
						    json_integer((json_int_t)judged));
			}
			break;
		}
		json_array_append_new(out, o);
	}
}
