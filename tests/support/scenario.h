/* scenario.h: realistic vendor scenarios for the detection benchmark (bench_scenarios) and
 * their tests. Three families: "sim" drives the simulated model (sim_model) with its realistic
 * knobs; "cat" is written independently of it: answers drawn from explicit per-prompt
 * categorical distributions with its own noise; "ext" (scenario_ext.c) is written blind to the
 * detector, from how commercial endpoints behave. Detection sees them only through samplesets.
 *
 * A scenario is an endpoint observed night after night: night 0 is the baseline's night,
 * later nights are either unchanged or carry the scenario's change. Every figure is fixed by
 * (scenario, trial, night, sample): a trial is another model with other prompts' mixes. */
#ifndef PL_SCENARIO_H
#define PL_SCENARIO_H

#include "sampleset.h"

#include <stddef.h>

#define SCEN_PROMPTS	  25  /* prompts a night */
#define SCEN_TEMP	  0.7 /* sampling temperature (sim family) */
#define SCEN_MOVE_TV	  0.5 /* total variation of a prompt the "prompts" change moves */
#define SCEN_MAX_OPT	  5   /* options of one part of a cat answer */
#define SCEN_TEXT_REFUSAL "I'm sorry, but I can't help with that request."

enum scen_family {
	SCEN_SIM,	 /* sim_model: 10 one-word, 10 prose and 5 JSON prompts */
	SCEN_CAT,	 /* explicit distributions: 8 one-token labels, 7 short, 5 prose, 5 JSON */
	SCEN_CAT_LABELS, /* explicit distributions: 25 one-token classification prompts */
	SCEN_EXT,	 /* scenario_ext.c: 6 labels, 6 short facts, 7 prose, 6 JSON prompts */
};

enum scen_noise {
	SCEN_QUIET,  /* the same small night-to-night noise every night and prompt */
	SCEN_LUMPY,  /* heavy-tailed nights (some bad nights at 3x) and per-prompt noise */
	SCEN_STILL,  /* no night-to-night noise: nights differ by their sampling alone */
	SCEN_WILD,   /* every night WILD_FACTOR times a typical night's noise, from the first: an
		      * endpoint that wanders (the simulator's --unstable) */
	SCEN_DRIFT,  /* ext: noise that lasts (AR(1) on the logits, 0.7 from night to night) */
	SCEN_WEEKLY, /* ext: weekend nights served another way, plus quiet noise */
	SCEN_HETERO, /* ext: each prompt its own noise size, and rare nights where one or two
		      * prompts go far off on their own */
};

enum scen_change {
	SCEN_NONE,	   /* an unchanged endpoint: every night is a false-alarm chance */
	SCEN_MOVE_PROMPTS, /* `amount` prompts (chosen per trial) move by SCEN_MOVE_TV */
	SCEN_TEXT_REFUSE,  /* `amount` of answers become SCEN_TEXT_REFUSAL (not flagged) */
	SCEN_FENCE,	   /* `amount` of JSON answers wrapped in ```json fences (sim only) */
	SCEN_LONGER,	   /* prose answers about `amount` longer (sim only) */
	SCEN_RARE_LABEL,   /* `amount` of each prompt's mass moves to its rarest option (cat) */
	SCEN_NEW_ANSWER,   /* `amount` prompts: SCEN_MOVE_TV of the likeliest option's mass goes
			    * to an answer never given before (cat) */
	SCEN_SHIFT,	   /* `amount` prompts answer as a new version would (TV 0.3-0.6, ext) */
	SCEN_ROLLOUT,	   /* `amount` of requests go to a new model that differs on most
			    * prompts (ext) */
	SCEN_TOPIC_REFUSE, /* the sensitive topic's prompts refuse in plain text, 40-90% (ext) */
	SCEN_FENCE_SOME,   /* `amount` of 2 JSON prompts' answers in ```json fences (ext) */
	SCEN_PREAMBLE,	   /* `amount` of prose answers gain a preamble and an offer (ext) */
	SCEN_JSON_FIELD,   /* `amount` of one JSON prompt's answers rename or drop a field (ext) */
};

struct scenario {
	const char *name; /* short, for --only and the table */
	const char *what; /* one line for the table */
	enum scen_family family;
	enum scen_noise noise;
	int backends; /* two serving states with slightly different mixes, one a night (ext: 3
		       * states of unequal frequency) */
	enum scen_change change;
	double amount;
};

/* The benchmark's scenarios, in table order. */
const struct scenario *scenario_list(size_t *n);
/* The text of prompt p (0..24) of the sim family, also bench_detect's suite: 10 one-word
 * questions, 10 prose prompts, 5 JSON prompts. */
void scenario_sim_prompt(size_t p, char *buf, size_t len);

/* How noisy a night is relative to a typical one (always 1 for SCEN_QUIET, 0 for SCEN_STILL). */
double scenario_noise_factor(const struct scenario *sc, unsigned long long trial, int night);
/* The serving state (0 or 1; ext: 0..2) on a night; always 0 without backends. */
int scenario_backend(const struct scenario *sc, unsigned long long trial, int night);
/* Whether the change touches prompt p: for SCEN_MOVE_PROMPTS exactly `amount` prompts,
 * chosen per trial; for the other changes every prompt it can apply to. */
int scenario_touches(const struct scenario *sc, unsigned long long trial, size_t p);
/* One night's answers: SCEN_PROMPTS prompts ("p00".."p24") x n samples; changed: the change
 * applies tonight. Every answer has a latency that wanders as a shared fleet's does, whatever
 * the scenario (scenario.c). Returns a new sampleset (vendor "scen"). */
struct sampleset *scenario_night(const struct scenario *sc, unsigned long long trial, int night,
				 int changed, size_t n);

/* Cat families: the distribution of prompt p's answers on a night, for tests. An answer is
 * the concatenation of parts; fills texts/probs of part `part` (texts borrowed until the next
 * call) and returns its number of options (0 past the last part). */
size_t scenario_cat_part(const struct scenario *sc, unsigned long long trial, int night,
			 int changed, size_t p, size_t part, const char **texts, double *probs);

/* Cat families: which option of part 0 (in scenario_cat_part's order) an answer of prompt p
 * shows; -1 for none (a refusal). */
int scenario_cat_option(const struct scenario *sc, unsigned long long trial, size_t p,
			const char *text);
/* Cat families, for bench_bound: the log-probability of a night's answers to prompt p whose
 * part-0 options have counts[] (scenario_cat_part's order), given the prompt's definition
 * (changed by the scenario's change or not), the night's noise factor and serving state, and
 * marginal over the prompt's own noise that night (Monte Carlo over `draws` draws, the same
 * draws for both definitions). */
double scenario_cat_loglik(const struct scenario *sc, unsigned long long trial, int night,
			   int changed, size_t p, const unsigned *counts, size_t draws);

#endif
