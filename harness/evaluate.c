/* evaluate.c: runs the suite's checks over tonight's samples, prompt by prompt. */
#include "evaluate.h"
#include "hex.h"
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

static json_t *eval_check(const struct check *c, const struct prompt_samples *night,
			  const char *const *base, size_t n_base, size_t max_examples,
			  struct eval_counts *counts, int *failed)
{
	size_t i, pass = 0, fail = 0, skip = 0, error = 0, scored = 0;
	double score_sum = 0, rate, min_rate = check_min_pass_rate(c);
	json_t *o = json_object(), *examples = json_array();
	const char *verdict;

	for (i = 0; night && i < night->n; i++) {
		const struct sample *s = &night->samples[i];
		struct check_input in = { s->text, strlen(s->text), s->refused || s->blocked,
					  base,	   n_base,	    s->tool_calls };
		struct check_result r;

		memset(&r, 0, sizeof(r));
		r.score = NAN;
		check_eval(c, &in, &r);
		switch (r.verdict) {
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
		if (!isnan(r.score)) {
			score_sum += r.score;
			scored++;
		}
		if ((r.verdict == CHECK_FAIL || r.verdict == CHECK_ERROR) &&
		    json_array_size(examples) < max_examples) {
			json_t *ex =
				json_pack("{s:i, s:s}", "sample", s->index, "detail", r.detail);

			quote_text(ex, s->text);
			if (s->tool_calls) /* the calls a tool_call check (or a reader) judged */
				json_object_set(ex, "tool_calls", s->tool_calls);

			if (!isnan(r.score))
				json_object_set_new(ex, "score", fixed4(r.score));
			json_array_append_new(examples, ex);
		}
	}
	counts->pass += pass;
	counts->fail += fail;
	counts->skip += skip;
	counts->error += error;
	if (pass + fail == 0) {
		verdict = error ? "error" : "skip";
		*failed = 0;
	} else {
		rate = (double)pass / (double)(pass + fail);
		*failed = rate + 1e-12 < min_rate;
		verdict = *failed ? "fail" : "pass";
	}
	json_object_set_new(o, "id", json_string(check_id(c)));
	json_object_set_new(o, "kind", json_string(check_kind(c)));
	json_object_set_new(o, "label", json_string(check_label(c)));
	json_object_set_new(o, "pass", json_integer((json_int_t)pass));
	json_object_set_new(o, "fail", json_integer((json_int_t)fail));
	json_object_set_new(o, "skip", json_integer((json_int_t)skip));
	json_object_set_new(o, "error", json_integer((json_int_t)error));
	json_object_set_new(o, "min_pass_rate", fixed4(min_rate));
	if (scored)
		json_object_set_new(o, "score_mean", fixed4(score_sum / (double)scored));
	json_object_set_new(o, "verdict", json_string(verdict));
	if (json_array_size(examples))
		json_object_set_new(o, "failed_samples", examples);
	else
		json_decref(examples);
	return o;
}

json_t *evaluate_prompt(const struct prompt *pr, const struct prompt_samples *bs,
			const struct prompt_samples *ns, size_t max_examples,
			struct eval_counts *counts)
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
	for (i = 0; ns && i < ns->n; i++)
		refusals += ns->samples[i].refused || ns->samples[i].blocked;
	for (c = 0; c < pr->n_checks; c++) {
		int failed = 0;

		json_array_append_new(checks, eval_check(pr->checks[c], ns, base, n_base,
							 max_examples, counts, &failed));
		counts->checks_total++;
		if (failed) {
			counts->checks_failed++;
			prompt_failed = 1;
		}
	}
	counts->prompts_failed += prompt_failed;
	counts->samples += ns ? ns->n : 0;
	counts->faults += ns ? ns->faults : 0;
	counts->vendor_faults += ns ? ns->faults - ns->own_faults : 0;
	counts->refusals += refusals;
	json_object_set_new(po, "id", json_string(pr->id));
	json_object_set_new(po, "samples", json_integer(ns ? (json_int_t)ns->n : 0));
	json_object_set_new(po, "baseline_samples", json_integer((json_int_t)n_base));
	json_object_set_new(po, "faults", json_integer(ns ? (json_int_t)ns->faults : 0));
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

json_t *evaluate_suite(const struct suite *suite, const struct sampleset *baseline,
		       const struct sampleset *night, size_t max_examples,
		       struct eval_counts *counts)
{
	json_t *arr = json_array();
	size_t p;

	memset(counts, 0, sizeof(*counts));
	for (p = 0; p < suite->n_prompts; p++) {
		const struct prompt *pr = &suite->prompts[p];

		json_array_append_new(
			arr, evaluate_prompt(pr, baseline ? sampleset_find(baseline, pr->id) : NULL,
					     sampleset_find(night, pr->id), max_examples, counts));
	}
	return arr;
}
