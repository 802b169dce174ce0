/* collect.h: hands a run's answers over prompt by prompt, as they come in.
 *
 * The runner reports each final record (runner_opts.on_final: collect_on_final); collect groups
 * them by (vendor, suite, prompt) and, once every planned request of a prompt is final, hands
 * that prompt's samples to the caller, in suite order within each (vendor, suite), so checks,
 * detection and the report can work on one prompt while the next ones are still being
 * answered. Memory: the prompts still waiting for answers (about the runner's concurrency),
 * not the run. */
#ifndef PL_COLLECT_H
#define PL_COLLECT_H

#include "err.h"
#include "journal.h"
#include "plan.h"
#include "sampleset.h"

struct collect;

/* Called once per plan group, in plan order within each (vendor, suite). ps holds the
 * prompt's answers sorted by sample index and its fault count (ps->n may be 0: nothing
 * answered); the callee owns it (release with prompt_samples_release). Returns 0, or -1 with
 * err set: the collector then hands over nothing more and collect_finish returns the error. */
typedef int (*collect_fn)(void *ctx, const struct plan_group *g, struct prompt_samples *ps,
			  struct pl_err *err);

struct collect *collect_new(const struct plan *p, collect_fn fn, void *ctx);
void collect_free(struct collect *c); /* NULL-safe */

/* For runner_opts.on_final (ctx: the collector): takes note of the answer. */
void collect_on_final(void *c, size_t item, int attempts, const struct probe_answer *a);
/* For runner_opts.on_idle: hands over the prompts that are complete (in order), after the
 * runner sent its next requests, so judging never delays a request. */
void collect_idle(void *c);

/* Feeds a record a resumed journal already held (a journal_fn: journal_read(path,
 * collect_record, c, ...)). Records of items outside the plan are ignored. */
int collect_record(void *c, const struct journal_rec *r, struct pl_err *err);
/* The same for a journal being resumed: only its final records (journal_rec_final); the
 * others are sent again. */
int collect_final_record(void *c, const struct journal_rec *r, struct pl_err *err);

/* After the run: hands over, in order, every prompt not handed over yet, also those that will
 * get no more answers (budget reached, vendor down). Returns 0, or -1 with the first error of
 * the callback. */
int collect_finish(struct collect *c, struct pl_err *err);

#endif
