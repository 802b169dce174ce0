/* plan.h: what a run will send: one item per (vendor, suite, prompt, sample), in a stable order
 * (vendor, suite, prompt, sample), each with its deterministic seed.
 * The plan is pure data built from the config and the suites; it sends nothing. */
#ifndef PL_PLAN_H
#define PL_PLAN_H

#include "config.h"
#include "suite.h"

enum plan_mode {
	PLAN_NIGHTLY,  /* prompt->samples per prompt */
	PLAN_BASELINE, /* prompt->baseline_samples per prompt */
};

struct plan_item {
	const struct vendor *vendor; /* borrowed from the config */
	const struct suite *suite;   /* borrowed */
	const struct prompt *prompt; /* borrowed */
	int sample;		     /* 0-based */
};

struct plan {
	struct plan_item *items;
	size_t n_items;
	const struct vendor **vendors; /* the selected vendors, in config order */
	size_t n_vendors;
	const struct suite *const *suites;
	size_t n_suites;
	enum plan_mode mode;
	char hash[65]; /* SHA-256 hex over the plan's identity: resumes must match it */
};

/* Builds the plan for the given vendors (n_vendors 0: all in the config) and suites.
 * Returns 0, or -1 with err set (PL_E_USAGE: unknown vendor id). */
int plan_build(struct plan *p, const struct config *c, const char *const *vendor_ids,
	       size_t n_vendor_ids, const struct suite *const *suites, size_t n_suites,
	       enum plan_mode mode, struct pl_err *err);
void plan_release(struct plan *p);

#endif
