/* sampleset.c: answers grouped by prompt, from a journal or a baseline file. */
#include "sampleset.h"
#include "canon.h"
#include "hash.h"
#include "journal.h"
#include "probe.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

struct sampleset *sampleset_new(const char *vendor, const char *model, const char *suite)
{
	struct sampleset *s = xcalloc(1, sizeof(*s));

	s->vendor = xstrdup(vendor);
	s->model = model ? xstrdup(model) : NULL;
	s->suite = xstrdup(suite);
	hmap_init(&s->index);
	return s;
}

void sample_release(struct sample *s)
{
	if (!s)
		return;
	free(s->text);
	free(s->finish_reason);
	free(s->model);
	free(s->fingerprint);
	json_decref(s->headers);
	json_decref(s->logprobs);
	json_decref(s->tool_calls);
	memset(s, 0, sizeof(*s));
}

void prompt_samples_release(struct prompt_samples *ps)
{
	size_t j;

	if (!ps)
		return;
	for (j = 0; j < ps->n; j++)
		sample_release(&ps->samples[j]);
	free(ps->samples);
	free(ps->prompt_id);
	free(ps->fault_kinds);
	memset(ps, 0, sizeof(*ps));
}

void sampleset_free(struct sampleset *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_prompts; i++)
		prompt_samples_release(&s->prompts[i]);
	free(s->prompts);
	hmap_release(&s->index);
	free(s->vendor);
	free(s->model);
	free(s->suite);
	free(s->night);
	free(s);
}

/* Position of id, or -1. */
static long find_pos(const struct sampleset *s, const char *id)
{
	size_t at;

	return hmap_get(&s->index, id, &at) ? (long)at : -1;
}

struct prompt_samples *sampleset_prompt(struct sampleset *s, const char *prompt_id)
{
	long at = find_pos(s, prompt_id);

	if (at >= 0)
		return &s->prompts[at];
	s->prompts = xrealloc(s->prompts, (s->n_prompts + 1) * sizeof(*s->prompts));
	memset(&s->prompts[s->n_prompts], 0, sizeof(*s->prompts));
	s->prompts[s->n_prompts].prompt_id = xstrdup(prompt_id);
	hmap_put(&s->index, prompt_id, s->n_prompts);
	return &s->prompts[s->n_prompts++];
}

const struct prompt_samples *sampleset_find(const struct sampleset *s, const char *prompt_id)
{
	long at = find_pos(s, prompt_id);

	return at >= 0 ? &s->prompts[at] : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void sampleset_add_answer(struct prompt_samples *ps, int index, const struct probe_answer *a)
{
	struct sample *s;
	size_t i;

	ps->samples = xrealloc(ps->samples, (ps->n + 1) * sizeof(*ps->samples));
	s = &ps->samples[ps->n++];
	memset(s, 0, sizeof(*s));
	s->index = index;
	s->text = xstrdup(a->text ? a->text : "");
	s->refused = a->refused;
	s->blocked = a->blocked;
	s->finish_reason = dup_or_null(a->finish_reason);
	s->model = dup_or_null(a->model);
	s->fingerprint = dup_or_null(a->fingerprint);
	s->prompt_tokens = a->prompt_tokens;
	s->completion_tokens = a->completion_tokens;
	s->latency_ms = a->latency_ms;
	s->ttft_ms = a->ttft_ms;
	if (a->n_headers) {
		s->headers = json_object();
		for (i = 0; i < a->n_headers; i++)
			json_object_set_new(s->headers, a->headers[i].name,
					    json_string(a->headers[i].value));
	}
	if (a->logprobs)
		s->logprobs = json_incref(a->logprobs);
	if (json_is_array(a->tool_calls) && json_array_size(a->tool_calls))
		s->tool_calls = json_incref(a->tool_calls);
}

void sampleset_add_fault(struct prompt_samples *ps, const char *fault_name, int sent)
{
	struct sbuf sb;
	const char *p;
	size_t n = strlen(fault_name);

	ps->faults++;
	if (!sent)
		ps->not_sent++;
	if (!strcmp(fault_name, "auth") || !strcmp(fault_name, "bad_request") ||
	    !strcmp(fault_name, "content_filter")) {
		ps->own_faults++;
		ps->own_not_sent += !sent;
	}
	if (ps->fault_kinds) {
		for (p = ps->fault_kinds; (p = strstr(p, fault_name)); p += n)
			if ((p == ps->fault_kinds || p[-1] == ',') && (p[n] == ',' || !p[n]))
				return;
	}
	sbuf_init(&sb);
	if (ps->fault_kinds)
		sbuf_addf(&sb, "%s,", ps->fault_kinds);
	sbuf_addstr(&sb, fault_name);
	free(ps->fault_kinds);
	ps->fault_kinds = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
}

void sampleset_add_result(struct prompt_samples *ps, int index, int attempts,
			  const struct probe_answer *a)
{
	if (a->fault == PROBE_OK)
		sampleset_add_answer(ps, index, a);
	else
		sampleset_add_fault(ps, probe_fault_name(a->fault), attempts > 0);
	ps->retries += attempts > 1 ? (size_t)(attempts - 1) : 0;
}

static int by_index(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

void sampleset_sort(struct sampleset *s)
{
	size_t i;

	for (i = 0; i < s->n_prompts; i++)
		if (s->prompts[i].n > 1)
			qsort(s->prompts[i].samples, s->prompts[i].n, sizeof(struct sample),
			      by_index);
}

struct group_ctx {
	struct sampleset **sets;
	size_t n;
};

static int group_rec(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	struct group_ctx *g = ctx;
	struct sampleset *set = NULL;
	size_t i;

	(void)err;
	for (i = g->n; i-- > 0;)
		if (!strcmp(g->sets[i]->vendor, r->vendor) &&
		    !strcmp(g->sets[i]->suite, r->suite)) {
			set = g->sets[i];
			break;
		}
	if (!set) {
		g->sets = xrealloc(g->sets, (g->n + 1) * sizeof(*g->sets));
		set = g->sets[g->n++] = sampleset_new(r->vendor, NULL, r->suite);
	}
	sampleset_add_result(sampleset_prompt(set, r->prompt), r->sample, r->attempts, r->answer);
	return 0;
}

int sampleset_from_journal(const char *journal_path, struct sampleset ***out, size_t *n,
			   struct pl_err *err)
{
	struct group_ctx g = { NULL, 0 };
	size_t i;

	*out = NULL;
	*n = 0;
	if (journal_read(journal_path, group_rec, &g, NULL, err) < 0) {
		for (i = 0; i < g.n; i++)
			sampleset_free(g.sets[i]);
		free(g.sets);
		return -1;
	}
	for (i = 0; i < g.n; i++)
		sampleset_sort(g.sets[i]);
	*out = g.sets;
	*n = g.n;
	return 0;
}

json_t *sample_to_json(const struct sample *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", json_string(s->text));
	if (s->refused)
		json_object_set_new(o, "refused", json_true());
	if (s->blocked)
		json_object_set_new(o, "blocked", json_true());
	if (s->finish_reason)
		json_object_set_new(o, "finish_reason", json_string(s->finish_reason));
	if (s->model)
		json_object_set_new(o, "model", json_string(s->model));
	if (s->fingerprint)
		json_object_set_new(o, "fingerprint", json_string(s->fingerprint));
	if (s->prompt_tokens >= 0)
		json_object_set_new(o, "prompt_tokens", json_integer(s->prompt_tokens));
	if (s->completion_tokens >= 0)
		json_object_set_new(o, "completion_tokens", json_integer(s->completion_tokens));
	if (s->latency_ms >= 0)
		json_object_set_new(o, "latency_ms",
				    json_integer((json_int_t)(s->latency_ms + 0.5)));
	if (s->ttft_ms >= 0)
		json_object_set_new(o, "ttft_ms", json_integer((json_int_t)(s->ttft_ms + 0.5)));
	if (s->headers)
		json_object_set(o, "headers", s->headers);
	if (s->logprobs)
		json_object_set(o, "logprobs", s->logprobs);
	if (s->tool_calls)
		json_object_set(o, "tool_calls", s->tool_calls);
	return o;
}

char *sample_answer_text(const struct sample *s)
{
	struct pl_err err = PL_ERR_INIT;
	struct sbuf sb;
	const json_t *c;
	size_t i;

	sbuf_init(&sb);
	sbuf_addstr(&sb, s->text ? s->text : "");
	json_array_foreach(s->tool_calls, i, c)
	{
		const json_t *name = json_object_get(c, "name");

		sbuf_addf(&sb, "\n[tool_call] %s ",
			  json_is_string(name) ? json_string_value(name) : "");
		/* a journal's numbers RFC 8785 cannot write: jansson's sorted text, as stable */
		if (canon_jcs(json_object_get(c, "arguments"), &sb, &err) < 0) {
			char *t = json_dumps(json_object_get(c, "arguments"),
					     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

			sbuf_addstr(&sb, t ? t : "null");
			free(t);
			pl_err_init(&err);
		}
	}
	return sbuf_detach(&sb, NULL);
}

/* Baselines are files on disk: counts are clamped like a vendor's (probe_count_of); a
 * negative, NaN or absent number is def. */
static long num_or(const json_t *o, const char *k, long def)
{
	long v = probe_count_of(json_object_get(o, k));

	return v < 0 ? def : v;
}

int sample_from_json(const json_t *o, struct sample *s, struct pl_err *err)
{
	const json_t *t = json_object_get(o, "text"), *v;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o) || !json_is_string(t))
		return pl_err_set(err, PL_E_INPUT, NULL, "expected a sample object with \"text\"");
	s->text = xstrndup(json_string_value(t), json_string_length(t));
	s->refused = json_is_true(json_object_get(o, "refused"));
	s->blocked = json_is_true(json_object_get(o, "blocked"));
	v = json_object_get(o, "finish_reason");
	s->finish_reason = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
	v = json_object_get(o, "model");
	s->model = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
	v = json_object_get(o, "fingerprint");
	s->fingerprint = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
	s->prompt_tokens = num_or(o, "prompt_tokens", -1);
	s->completion_tokens = num_or(o, "completion_tokens", -1);
	s->latency_ms = probe_ms_clamp((double)num_or(o, "latency_ms", -1));
	s->ttft_ms = probe_ms_clamp((double)num_or(o, "ttft_ms", -1));
	v = json_object_get(o, "headers");
	s->headers = json_is_object(v) ? json_incref((json_t *)v) : NULL;
	v = json_object_get(o, "logprobs");
	s->logprobs = v ? json_incref((json_t *)v) : NULL;
	v = json_object_get(o, "tool_calls"); /* absent in baselines recorded before tools */
	s->tool_calls = json_is_array(v) && json_array_size(v) ? json_incref((json_t *)v) : NULL;
	return 0;
}
