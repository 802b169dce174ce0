/* fingerprint.c: hard signals, answer sketches and epochs of a vendor's behaviour. */
#include "fingerprint.h"
#include "hash.h"
#include "sbuf.h"
#include "stats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fingerprint_trim(const char *s, size_t *len)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

uint64_t fingerprint_answer_hash(const char *s)
{
	/* FNV-1a from offset basis 1469598103934665603 (the decimal basis 14695981039346656037
	 * missing its last digit), not hash.h's: these values are in baselines' sketches. */
	return hash_fnv1a_add(1469598103934665603ULL, s, strlen(s));
}

const char *const fingerprint_norm_names[] = { "none", "trim", "whitespace", "lower", NULL };

char *fingerprint_normalize(const char *s, enum fp_norm m)
{
	size_t n, i, o = 0;
	const char *t;
	char *out;

	if (m == FP_NORM_NONE)
		return xstrdup(s);
	t = fingerprint_trim(s, &n);
	if (m == FP_NORM_TRIM)
		return xstrndup(t, n);
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (isspace(c)) {
			/* trimmed: a run inside is always followed by a non-space */
			if (!o || out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = (char)(m == FP_NORM_LOWER ? tolower(c) : c);
	}
	out[o] = 0;
	return out;
}

/* Adds str to the array unless present; the array is sorted at the end. */
static void set_add(json_t *arr, const char *str)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (!strcmp(json_string_value(v), str))
			return;
	}
	json_array_append_new(arr, json_string(str));
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

static json_t *set_sorted(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v = xmalloc((n ? n : 1) * sizeof(*v)), *out = json_array();

	for (i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof(*v), cmp_json_str);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

static int version_header(const char *name)
{
	char low[128];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = 0;
	if (strstr(low, "ratelimit") || strstr(low, "rate-limit") || strstr(low, "request-id") ||
	    !strcmp(low, "date"))
		return 0;
	return strstr(low, "version") || strstr(low, "model") || strstr(low, "fingerprint") ||
	       strstr(low, "build");
}

static long modal_tokens(const struct prompt_samples *ps)
{
	long best = -1;
	size_t i, j, best_n = 0;

	for (i = 0; i < ps->n; i++) {
		size_t c = 0;

		if (ps->samples[i].prompt_tokens < 0)
			continue;
		for (j = 0; j < ps->n; j++)
			c += ps->samples[j].prompt_tokens == ps->samples[i].prompt_tokens;
		/* ties go to the smaller count, so the result does not depend on order */
		if (c > best_n || (c == best_n && ps->samples[i].prompt_tokens < best)) {
			best_n = c;
			best = ps->samples[i].prompt_tokens;
		}
	}
	return best;
}

struct fingerprint_acc {
	json_t *models, *fps, *hdrs; /* distinct values, sorted when the JSON is made */
	json_t *toks;		     /* {prompt: most common prompt-token count} */
	json_t *sketch;		     /* {prompt: sketch entry}, or NULL when not kept */
	int logprobs;
};

struct fingerprint_acc *fingerprint_acc_new(int sketch)
{
	struct fingerprint_acc *a = xcalloc(1, sizeof(*a));

	a->models = json_array();
	a->fps = json_array();
	a->hdrs = json_array();
	a->toks = json_object();
	a->sketch = sketch ? json_object() : NULL;
	return a;
}

void fingerprint_acc_free(struct fingerprint_acc *a)
{
	if (!a)
		return;
	json_decref(a->models);
	json_decref(a->fps);
	json_decref(a->hdrs);
	json_decref(a->toks);
	json_decref(a->sketch);
	free(a);
}

/* The sketch entry of one prompt's answers; NULL when it has none. */
static json_t *sketch_entry(const struct prompt_samples *ps)
{
	uint64_t *h, mode = 0;
	size_t best = 0, i, j;
	double len = 0;
	char hex[17];

	if (!ps->n)
		return NULL;
	h = xmalloc(ps->n * sizeof(*h));
	for (i = 0; i < ps->n; i++) {
		size_t n;

		h[i] = fingerprint_answer_hash(ps->samples[i].text);
		free(stats_codepoints(ps->samples[i].text, &n));
		len += (double)n;
	}
	for (i = 0; i < ps->n; i++) {
		size_t c = 0;

		for (j = 0; j < ps->n; j++)
			c += h[j] == h[i];
		if (c > best || (c == best && h[i] < mode)) {
			best = c;
			mode = h[i];
		}
	}
	free(h);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)mode);
	return json_pack("{s:s,s:f,s:f}", "mode", hex, "share",
			 stats_round((double)best / (double)ps->n, 4), "len",
			 stats_round(len / (double)ps->n, 1));
}

void fingerprint_acc_add(struct fingerprint_acc *a, const struct prompt_samples *ps)
{
	long t = modal_tokens(ps);
	size_t i;

	if (t >= 0)
		json_object_set_new(a->toks, ps->prompt_id, json_integer(t));
	for (i = 0; i < ps->n; i++) {
		const struct sample *sm = &ps->samples[i];
		const char *name;
		json_t *v;

		if (sm->model)
			set_add(a->models, sm->model);
		if (sm->fingerprint)
			set_add(a->fps, sm->fingerprint);
		if (sm->logprobs && !json_is_null(sm->logprobs))
			a->logprobs = 1;
		if (!json_is_object(sm->headers))
			continue;
		json_object_foreach(sm->headers, name, v)
		{
			char buf[512];

			if (!json_is_string(v) || !version_header(name))
				continue;
			snprintf(buf, sizeof(buf), "%s=%s", name, json_string_value(v));
			set_add(a->hdrs, buf);
		}
	}
	if (a->sketch) {
		json_t *e = sketch_entry(ps);

		if (e)
			json_object_set_new(a->sketch, ps->prompt_id, e);
	}
}

json_t *fingerprint_acc_hard(const struct fingerprint_acc *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "models", set_sorted(json_copy(a->models)));
	json_object_set_new(o, "fingerprints", set_sorted(json_copy(a->fps)));
	json_object_set_new(o, "headers", set_sorted(json_copy(a->hdrs)));
	json_object_set_new(o, "prompt_tokens", json_incref(a->toks));
	json_object_set_new(o, "logprobs", json_boolean(a->logprobs));
	return o;
}

json_t *fingerprint_acc_sketch(const struct fingerprint_acc *a)
{
	return a->sketch ? json_incref(a->sketch) : json_object();
}

/* The accumulator over a whole sampleset (for the callers that hold one). */
static struct fingerprint_acc *acc_over(const struct sampleset *s, int sketch)
{
	struct fingerprint_acc *a = fingerprint_acc_new(sketch);
	size_t p;

	for (p = 0; p < s->n_prompts; p++)
		fingerprint_acc_add(a, &s->prompts[p]);
	return a;
}

json_t *fingerprint_hard(const struct sampleset *s)
{
	struct fingerprint_acc *a = acc_over(s, 0);
	json_t *o = fingerprint_acc_hard(a);

	fingerprint_acc_free(a);
	return o;
}

static int known_value(const json_t *known, const char *key, const char *val)
{
	size_t i, j;
	json_t *h, *v;

	json_array_foreach(known, i, h)
	{
		json_array_foreach(json_object_get(h, key), j, v)
		{
			if (json_is_string(v) && !strcmp(json_string_value(v), val))
				return 1;
		}
	}
	return 0;
}

static void add_change(json_t *changes, const char *signal, json_t *was, json_t *now)
{
	if (!changes) {
		json_decref(was);
		json_decref(now);
		return;
	}
	json_array_append_new(changes, json_pack("{s:s,s:o,s:o}", "signal", signal, "was",
						 was ? was : json_null(), "now", now));
}

/* Union of the known values of one set-valued signal, for the "was" of a change. */
static json_t *known_union(const json_t *known, const char *key)
{
	json_t *u = json_array(), *h, *v;
	size_t i, j;

	json_array_foreach(known, i, h)
	{
		json_array_foreach(json_object_get(h, key), j, v)
		{
			if (json_is_string(v))
				set_add(u, json_string_value(v));
		}
	}
	return set_sorted(u);
}

static int diff_set(const json_t *known, const json_t *now, const char *key, const char *signal,
		    json_t *changes)
{
	json_t *v, *fresh = json_array();
	size_t i;

	json_array_foreach(json_object_get(now, key), i, v)
	{
		if (json_is_string(v) && !known_value(known, key, json_string_value(v)))
			json_array_append(fresh, v);
	}
	if (!json_array_size(fresh)) {
		json_decref(fresh);
		return 0;
	}
	add_change(changes, signal, known_union(known, key), fresh);
	return 1;
}

int fingerprint_hard_diff(const json_t *known, const json_t *now, json_t *changes)
{
	size_t nk = json_array_size(known);
	const json_t *last = nk ? json_array_get(known, nk - 1) : NULL;
	int n = 0;
	const char *pid;
	json_t *v;

	if (!nk)
		return 0;
	n += diff_set(known, now, "models", "model", changes);
	n += diff_set(known, now, "fingerprints", "fingerprint", changes);
	n += diff_set(known, now, "headers", "version_headers", changes);
	json_object_foreach(json_object_get(now, "prompt_tokens"), pid, v)
	{
		const json_t *was = NULL;
		size_t i;

		/* the latest known count of this prompt */
		for (i = nk; i-- > 0 && !was;)
			was = json_object_get(json_object_get(json_array_get(known, i), "prompt_"
											"tokens"),
					      pid);
		if (!json_is_integer(was) || json_integer_value(was) == json_integer_value(v))
			continue;
		{
			char sig[300];

			snprintf(sig, sizeof(sig), "prompt_tokens:%s", pid);
			add_change(changes, sig, json_incref((json_t *)was), json_incref(v));
		}
		n++;
	}
	if (json_is_boolean(json_object_get(last, "logprobs")) &&
	    json_is_true(json_object_get(last, "logprobs")) !=
		    json_is_true(json_object_get(now, "logprobs"))) {
		add_change(changes, "logprobs", json_incref(json_object_get(last, "logprobs")),
			   json_incref(json_object_get(now, "logprobs")));
		n++;
	}
	return n;
}

json_t *fingerprint_sketch(const struct sampleset *s)
{
	struct fingerprint_acc *a = acc_over(s, 1);
	json_t *o = fingerprint_acc_sketch(a);

	fingerprint_acc_free(a);
	return o;
}

double fingerprint_sketch_agreement(const json_t *a, const json_t *b)
{
	size_t shared = 0, agree = 0;
	const char *pid;
	json_t *va;

	json_object_foreach((json_t *)a, pid, va)
	{
		const json_t *vb = json_object_get(b, pid);
		const char *ma = json_string_value(json_object_get(va, "mode"));
		const char *mb = json_string_value(json_object_get(vb, "mode"));

		if (!ma || !mb)
			continue;
		shared++;
		agree += !strcmp(ma, mb);
	}
	return shared ? (double)agree / (double)shared : 1;
}

int fingerprint_sketch_same(const json_t *was, const json_t *now)
{
	size_t decisive = 0, agree = 0, shared = 0;
	double len_was = 0, len_now = 0;
	const char *pid;
	json_t *va;

	json_object_foreach((json_t *)was, pid, va)
	{
		const json_t *vb = json_object_get(now, pid);
		const char *ma = json_string_value(json_object_get(va, "mode"));
		const char *mb = json_string_value(json_object_get(vb, "mode"));

		if (!ma || !mb)
			continue;
		shared++;
		len_was += json_number_value(json_object_get(va, "len"));
		len_now += json_number_value(json_object_get(vb, "len"));
		if (json_number_value(json_object_get(va, "share")) > 0.5 &&
		    json_number_value(json_object_get(vb, "share")) > 0.5) {
			decisive++;
			agree += !strcmp(ma, mb);
		}
	}
	if (!shared || !decisive || (double)agree < 0.8 * (double)decisive)
		return 0;
	return fabs(len_now - len_was) <= 0.25 * fmax(len_was, len_now);
}

void fingerprint_epoch_next(const struct epoch_info *eps, size_t n, char *buf, size_t len)
{
	unsigned long max = 1, v;
	size_t i;

	for (i = 0; i < n; i++) {
		char *end;

		if (eps[i].id[0] != 'e')
			continue;
		v = strtoul(eps[i].id + 1, &end, 10);
		if (!*end && v > max)
			max = v;
	}
	snprintf(buf, len, "e%lu", max + 1);
}

void fingerprint_epochs(const json_t *records, struct epoch_info **out, size_t *n)
{
	struct epoch_info *e = NULL;
	size_t cnt = 0, i, j;
	json_t *r;

	json_array_foreach(records, i, r)
	{
		const char *id = json_string_value(json_object_get(r, "epoch"));
		const char *night = json_string_value(json_object_get(r, "night"));

		if (!id)
			id = "e1";
		for (j = 0; j < cnt && strcmp(e[j].id, id); j++)
			;
		if (j == cnt) {
			e = xrealloc(e, (cnt + 1) * sizeof(*e));
			memset(&e[cnt], 0, sizeof(*e));
			snprintf(e[cnt].id, sizeof(e[cnt].id), "%s", id);
			snprintf(e[cnt].since, sizeof(e[cnt].since), "%s", night ? night : "");
			cnt++;
		}
		e[j].last = i;
		e[j].nights++;
	}
	*out = e;
	*n = cnt;
}
