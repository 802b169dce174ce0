/* plan.h: what a run will send: one item per (vendor, suite, prompt, sample), in a stable order
 * (vendor, suite, prompt, sample), each with its deterministic seed. The plan stores one group
 * per (vendor, suite, prompt), not one record per request, so its size does not grow with the
 * number of samples. The plan is pure data built from the config and the suites; it sends
 * nothing. */
#ifndef PL_PLAN_H
#define PL_PLAN_H

#include "config.h"
#include "suite.h"

enum plan_mode {
	PLAN_NIGHTLY,  /* prompt->samples per prompt */
	PLAN_BASELINE, /* prompt->baseline_samples per prompt */
	PLAN_COMPARE,  /* as nightly, for `compare` (its journal says so) */
};

/* One request of the plan, as plan_item() describes it. */
struct plan_item {
	const struct vendor *vendor; /* borrowed from the config */
	const struct suite *suite;   /* borrowed */
	const struct prompt *prompt; /* borrowed */
	int sample;		     /* 0-based */
};

/* The samples of one (vendor, suite, prompt): items first .. first + n - 1 are its samples
 * 0 .. n - 1. Groups are in plan order and tile the items: groups[g + 1].first ==
 * groups[g].first + groups[g].n. n may be 0 (a prompt with no samples in this mode, possible
 * only for suites built in code): such a group holds no item. */
struct plan_group {
	const struct vendor *vendor; /* borrowed from the config */
	const struct suite *suite;   /* borrowed */
	const struct prompt *prompt; /* borrowed */
	size_t first;
	int n;
};

struct plan {
	struct plan_group *groups; /* one per (vendor, suite, prompt), in plan order */
	size_t n_groups;
	size_t n_items;		       /* sum of the groups' n */
	const struct vendor **vendors; /* the selected vendors, in config order */
	size_t n_vendors;
	const struct suite *const *suites;
	size_t n_suites;
	enum plan_mode mode;
	char night[11]; /* the night a nightly run stands for ("" when none, see plan_set_night) */
	char hash[65];	/* SHA-256 hex over the plan's identity: resumes must match it */
};

/* Builds the plan for the given vendors (n_vendors 0: all in the config but the judge's entry,
 * config "judge", unless it is the only one) and suites.
 * Returns 0, or -1 with err set (PL_E_USAGE: unknown vendor id; PL_E_INPUT: a prompt asks one
 * of the vendors for something its probe cannot do, probe_check_prompt: logprobs of anthropic,
 * a seed of bedrock, ...; located at the suite key that asks for it, suite_where). */
int plan_build(struct plan *p, const struct config *c, const char *const *vendor_ids,
	       size_t n_vendor_ids, const struct suite *const *suites, size_t n_suites,
	       enum plan_mode mode, struct pl_err *err);
void plan_release(struct plan *p);

/* Keeps only the groups keep(ctx, group) answers 1 for: the others are left with no item
 * (n = 0), the items are tiled again and the plan hashed again (a dropped group is not part of
 * it, as if it had no samples). For the vendor/suite pairs a run cannot judge (no baseline) and
 * the prompts `baseline record --prompt` records. */
void plan_filter(struct plan *p, int (*keep)(void *ctx, const struct plan_group *g), void *ctx);

/* Makes the night (YYYY-MM-DD; NULL or "": none) part of the plan's identity and hashes it
 * again: each night of the same plan gets its own journal, and a resume continues only the
 * night it names. A plan without a night hashes as it always did. */
void plan_set_night(struct plan *p, const char *night);

/* A cost budget needs every vendor's prices: a vendor without them (config "prices") would
 * count as free and never stop. Returns 0 when max_cost is 0 (no budget) or every vendor of
 * the plan has prices; otherwise -1 with err set (PL_E_USAGE) naming the first unpriced
 * vendor and `what` (the option or config key that asked for the budget, e.g. "--max-cost").
 * Every command that takes a cost budget calls it before sending anything. */
int plan_check_max_cost(const struct plan *p, double max_cost, const char *what,
			struct pl_err *err);

/* Fills *out with item i (i < p->n_items) in O(log n_groups). An i out of range gives NULL
 * pointers and sample -1. Walk a range of items through the groups rather than calling this
 * for each one. */
void plan_item(const struct plan *p, size_t i, struct plan_item *out);

/* Index of the group holding item (item < p->n_items; never a group with n == 0), in
 * O(log n_groups); p->n_groups when item is out of range. */
size_t plan_group_of(const struct plan *p, size_t item);

#endif
