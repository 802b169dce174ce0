/* collect.c: grouping final records by prompt and handing prompts over in suite order. */
#include "collect.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

/* A (vendor, suite): the groups [first, end) of the plan, handed over up to next. */
struct target {
	size_t first, end, next, hint;
};

struct collect {
	const struct plan *p;
	collect_fn fn;
	void *ctx;
	struct prompt_samples **pending; /* per group, while answers come in */
	int *got;			 /* final records per group; -1: handed over */
	struct target *t;
	size_t n_t;
	int failed, ready; /* ready: some prompt may be complete */
	struct pl_err err;
};

struct collect *collect_new(const struct plan *p, collect_fn fn, void *ctx)
{
	struct collect *c = xcalloc(1, sizeof(*c));
	size_t g;

	c->p = p;
	c->fn = fn;
	c->ctx = ctx;
	c->pending = xcalloc(p->n_groups + 1, sizeof(*c->pending));
	c->got = xcalloc(p->n_groups + 1, sizeof(*c->got));
	c->t = xcalloc(p->n_groups + 1, sizeof(*c->t));
	pl_err_init(&c->err);
	for (g = 0; g < p->n_groups; g++) {
		const struct plan_group *pg = &p->groups[g];

		if (!c->n_t || pg->vendor != p->groups[g - 1].vendor ||
		    pg->suite != p->groups[g - 1].suite) {
			c->t[c->n_t].first = c->t[c->n_t].next = c->t[c->n_t].hint = g;
			c->n_t++;
		}
		c->t[c->n_t - 1].end = g + 1;
	}
	return c;
}

void collect_free(struct collect *c)
{
	size_t g;

	if (!c)
		return;
	for (g = 0; g < c->p->n_groups; g++) {
		prompt_samples_release(c->pending[g]);
		free(c->pending[g]);
	}
	free(c->pending);
	free(c->got);
	free(c->t);
	free(c);
}

static int by_index(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* Hands over group g (complete or not). */
static void hand_over(struct collect *c, size_t g)
{
	struct prompt_samples *ps = c->pending[g], empty;

	c->pending[g] = NULL;
	c->got[g] = -1;
	if (!ps) {
		memset(&empty, 0, sizeof(empty));
		ps = &empty;
		ps->prompt_id = xstrdup(c->p->groups[g].prompt->id);
	} else if (ps->n > 1) {
		qsort(ps->samples, ps->n, sizeof(*ps->samples), by_index);
	}
	/* the callee owns ps; after a failure nobody takes it */
	if (c->failed)
		prompt_samples_release(ps);
	else if (c->fn(c->ctx, &c->p->groups[g], ps, &c->err) < 0)
		c->failed = 1;
	if (ps != &empty)
		free(ps);
}

/* Hands over the target's groups that are complete, in order, from its next one on. */
static void advance(struct collect *c, struct target *t)
{
	while (t->next < t->end && c->got[t->next] >= c->p->groups[t->next].n) {
		hand_over(c, t->next);
		t->next++;
	}
}

static void add(struct collect *c, size_t g, int sample, int attempts, const struct probe_answer *a)
{
	struct prompt_samples *ps;

	if (g >= c->p->n_groups || c->got[g] < 0 || c->got[g] >= c->p->groups[g].n)
		return; /* handed over already, or a duplicate record */
	ps = c->pending[g];
	if (!ps) {
		ps = c->pending[g] = xcalloc(1, sizeof(*ps));
		ps->prompt_id = xstrdup(c->p->groups[g].prompt->id);
	}
	sampleset_add_result(ps, sample, attempts, a);
	c->got[g]++;
	if (c->got[g] == c->p->groups[g].n)
		c->ready = 1;
}

void collect_idle(void *ctx)
{
	struct collect *c = ctx;
	size_t k;

	if (!c->ready)
		return;
	c->ready = 0;
	for (k = 0; k < c->n_t; k++)
		advance(c, &c->t[k]);
}

void collect_on_final(void *ctx, size_t item, int attempts, const struct probe_answer *a)
{
	struct collect *c = ctx;
	size_t g = plan_group_of(c->p, item);

	if (g < c->p->n_groups)
		add(c, g, (int)(item - c->p->groups[g].first), attempts, a);
}

int collect_record(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	struct collect *c = ctx;
	size_t k, g;

	(void)err;
	for (k = 0; k < c->n_t; k++) {
		struct target *t = &c->t[k];
		const struct plan_group *first = &c->p->groups[t->first];

		if (strcmp(first->vendor->id, r->vendor) || strcmp(first->suite->id, r->suite))
			continue;
		/* Journals are close to plan order: search on from the last prompt found, then
		 * from the target's start. */
		for (g = t->hint; g < t->end && strcmp(c->p->groups[g].prompt->id, r->prompt); g++)
			;
		if (g == t->end) {
			for (g = t->first;
			     g < t->hint && strcmp(c->p->groups[g].prompt->id, r->prompt); g++)
				;
			if (g == t->hint)
				return 0; /* not in the plan */
		}
		if (r->sample < 0 || r->sample >= c->p->groups[g].n)
			return 0;
		t->hint = g;
		add(c, g, r->sample, r->attempts, r->answer);
		return 0;
	}
	return 0;
}

int collect_final_record(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	return journal_rec_final(r) ? collect_record(ctx, r, err) : 0;
}

int collect_finish(struct collect *c, struct pl_err *err)
{
	size_t k;

	collect_idle(c);
	for (k = 0; k < c->n_t; k++) {
		struct target *t = &c->t[k];

		for (; t->next < t->end; t->next++)
			hand_over(c, t->next);
	}
	if (c->failed) {
		*err = c->err;
		return -1;
	}
	return 0;
}
