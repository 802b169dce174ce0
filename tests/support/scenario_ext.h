/* scenario_ext.h: the "ext" scenario family (scenario_ext.c), internal to tests/support and its
 * tests. scenario.c dispatches to it for SCEN_EXT; tests read the family's definitions here. */
#ifndef PL_SCENARIO_EXT_H
#define PL_SCENARIO_EXT_H

#include "scenario.h"

#include <stddef.h>

/* What a prompt asks for: p00-p05 one-word labels, p06-p11 short facts, p12-p18 prose,
 * p19-p24 JSON objects. p08, p15 and p22 are on one sensitive topic (medication doses). */
enum ext_kind { EXT_LABEL, EXT_SHORT, EXT_PROSE, EXT_JSON };

enum ext_kind scenario_ext_kind(size_t p);

/* scenario.h's functions for SCEN_EXT scenarios. The serving state is 0..2 for scenarios with
 * backends (3 states, 60/30/10% of nights), else 0. */
struct sampleset *scenario_ext_night(const struct scenario *sc, unsigned long long trial, int night,
				     int changed, size_t n);
double scenario_ext_noise_factor(const struct scenario *sc, unsigned long long trial, int night);
int scenario_ext_state(const struct scenario *sc, unsigned long long trial, int night);
int scenario_ext_touches(const struct scenario *sc, unsigned long long trial, size_t p);

/* For tests. Whether a night is served the weekend way (SCEN_WEEKLY; 0 for other noise). */
int scenario_ext_weekend(const struct scenario *sc, unsigned long long trial, int night);
/* Whether serving state `state` flips prompt p's likeliest answer (scenarios with backends). */
int scenario_ext_flips(const struct scenario *sc, unsigned long long trial, int state, size_t p);
/* The logit noise sd of prompt p on a night (before the serving state and weekend offsets). */
double scenario_ext_prompt_sd(const struct scenario *sc, unsigned long long trial, int night,
			      size_t p);
/* The share of prompt p's answers a topic-refusal change turns into refusals (0 untouched). */
double scenario_ext_refusal_rate(const struct scenario *sc, unsigned long long trial, size_t p);
/* The distribution of slot `slot` of prompt p's answers on a night (night < 0: the prompt's
 * definition without any night's noise, state or weekend). version 0: the model as it is; 1:
 * the changed model of SCEN_SHIFT (any prompt, touched or not); 2: the new model of
 * SCEN_ROLLOUT. Fills texts (borrowed, static) and probs with up to SCEN_EXT_MAX_OPT options
 * and returns their number; 0 past the last slot. For labels and short facts, slot 0's texts
 * are whole answers; a JSON prompt's last slot is its layout. */
#define SCEN_EXT_MAX_OPT 13
size_t scenario_ext_dist(const struct scenario *sc, unsigned long long trial, int night,
			 int version, size_t p, size_t slot, const char **texts, double *probs);

/* Shared with scenario.c: appends a sample (copies every string; fp may be NULL). */
void scenario_add_sample(struct prompt_samples *ps, int idx, const char *text, int refused,
			 const char *finish, const char *model, const char *fp, long prompt_tokens,
			 long completion_tokens);

#endif
