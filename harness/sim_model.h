/* sim_model.h: the simulated model behind `plumbline simulate`: deterministic, sampled answers
 * with realistic night-to-night variation, named drifts (behaviour changes) and an "unstable"
 * mode. The HTTP server (sim.c) wraps it in each vendor's wire format; the detection benchmark
 * calls it directly to simulate hundreds of nights without HTTP.
 *
 * Determinism: the same knobs, prompt, model, temperature and sample seed give the same answer,
 * on every machine. */
#ifndef PL_SIM_MODEL_H
#define PL_SIM_MODEL_H

#include "pl.h"

#include <jansson.h>

/* Named behaviour changes (--drift NAME, several with commas). */
#define SIM_DRIFT_LONGER      (1u << 0) /* "longer": answers grow by about half */
#define SIM_DRIFT_FENCED      (1u << 1) /* "fenced": JSON answers wrapped in ```json fences */
#define SIM_DRIFT_MODEL	      (1u << 2) /* "model": a different returned model name */
#define SIM_DRIFT_REFUSALS    (1u << 3) /* "refusals": many more refusals */
#define SIM_DRIFT_FINGERPRINT (1u << 4) /* "fingerprint": a different system_fingerprint */
#define SIM_DRIFT_WORDING     (1u << 5) /* "wording": a share of answers reworded (strength) */
#define SIM_DRIFT_TOKENIZER   (1u << 6) /* "tokenizer": prompt token counts change */
#define SIM_DRIFT_SWAP	      (1u << 7) /* "swap": a different model's answer distribution */
/* "refusal-text": a share (strength) of answers is the plain-text refusal "I'm sorry, but I
 * can't help with that request." with no refusal flag */
#define SIM_DRIFT_REFUSAL_TEXT (1u << 8)
#define SIM_DRIFT_FENCE	       (1u << 9) /* "fence": a share (strength) of JSON answers fenced */
/* "no-tools": offered tools, the model answers in text instead of calling one */
#define SIM_DRIFT_NO_TOOLS (1u << 10)
/* "tool-args": the tool call's arguments change (strings upper-cased, numbers + 1, booleans
 * negated, the last enum value instead of the first) */
#define SIM_DRIFT_TOOL_ARGS (1u << 11)
/* "field": a share (strength) of JSON answers call their "price" field "price_usd" */
#define SIM_DRIFT_FIELD (1u << 12)

struct sim_knobs {
	unsigned long long seed; /* --seed: the model's identity */
	int night;		 /* night index: moves answer probabilities a little */
	double night_noise;    /* how much a night moves them (0 = idealised null); 0.05 default */
	int unstable;	       /* an endpoint whose nights vary a lot */
	unsigned drifts;       /* SIM_DRIFT_* */
	double drift_strength; /* share of answers the "wording", "refusal-text", "fence" and
				* "field" drifts alter, 0..1 (default 0.1) */
	/* Knobs for realistic scenarios (tests/support/scenario.c, bench_scenarios); 0 = off,
	 * and with all of them off the answers are exactly those of the knobs above. */
	double remix;	      /* probability moved from each choice's likeliest option to the
			       * runner-up (0..1): a strong shift of the answer mix, no new answers */
	double text_refusals; /* share of answers that are a plain-text refusal, not flagged */
	double fence_share;   /* share of JSON answers wrapped in ```json fences */
	double lengthen;      /* prose answers grow by about this share of their length */
	int backend; /* serving state: 0, or another backend with a slightly different mix */
	double prompt_noise; /* sd of a log factor on night_noise, per prompt and night (lumpy) */
};

struct sim_msg {
	const char *role;
	const char *content;
};

struct sim_answer {
	char *text; /* owned */
	int refused;
	int prompt_blocked; /* refused because of the prompt itself (a filter would block it) */
	const char *finish_reason; /* static: "stop" or "length" */
	const char *model;	   /* borrowed from the request, or points into model_buf */
	const char *fingerprint;   /* points into fp_buf */
	long prompt_tokens;
	long completion_tokens;
	char model_buf[128];
	char fp_buf[24];
	/* the tool calls, [{"name", "arguments"}] (sim_model_tool_call); owned; NULL: none */
	json_t *tool_calls;
};

/* Sets the documented defaults: seed 0, night 0, night_noise 0.05, drift_strength 0.1. */
void sim_knobs_init(struct sim_knobs *k);

/* Parses "longer,fenced" into SIM_DRIFT_* bits; returns -1 on an unknown name. */
int sim_drift_parse(const char *names, unsigned *bits);
/* The list of drift names, for help texts and tests. */
const char *const *sim_drift_names(size_t *n);

/* Generates one sampled answer. `sample_seed` distinguishes samples of the same prompt (the
 * request's seed when given, mixed with a per-request counter otherwise). */
void sim_model_answer(const struct sim_knobs *k, const char *model, const struct sim_msg *msgs,
		      size_t n_msgs, double temperature, int max_tokens,
		      unsigned long long sample_seed, struct sim_answer *out);
void sim_answer_release(struct sim_answer *a); /* NULL-safe */
/* Makes a (an answer from sim_model_answer) a tool call when the request offered tools
 * (sim_tools.c). tools: [{"name", "parameters"}] (borrowed); choice: "auto", "none",
 * "required" or "tool" (then name is the tool). The call: the named tool, else the first; its
 * arguments fill the schema's required properties (all of them when none is required) from
 * the last user message: a string is its last capitalised word (else its last word), an enum
 * its first value, an integer or number the message's word count, a boolean true, an array
 * [] and an object {}. The text becomes "". No call for "none", a blocked prompt, under the
 * "refusals" drift when the answer refused, or under the "no-tools" drift; "tool-args" changes
 * the arguments (SIM_DRIFT_TOOL_ARGS). */
void sim_model_tool_call(const struct sim_knobs *k, const json_t *tools, const char *choice,
			 const char *name, const struct sim_msg *msgs, size_t n_msgs,
			 struct sim_answer *a);
/* The refusal sentence refused answers carry. */
const char *sim_refusal_text(void);
/* The plain-text refusal of the text_refusals knob (not flagged as a refusal). */
const char *sim_text_refusal_text(void);

/* Answer shapes, decided by the last user message:
 *  - it contains "JSON" or "json": a JSON object {"name": str, "price": number, "currency":
 *    "USD", "in_stock": bool} (with "description" under "longer"; in ```json fences under
 *    "fenced");
 *  - "one word", or twelve words or fewer without "explain", "describe", "sentence",
 *    "paragraph", "summari", "why ", "how ": a one-word answer in a few spellings
 *    ("Paris", "Paris.", ...);
 *  - otherwise: three to five sentences from templates with synonym choices.
 * At temperature 0 the mode is returned almost always; refusals are ~1% of non-JSON answers at
 * temperature > 0, 40% of all answers under "refusals", and ~95% for prompts naming weapons,
 * bombs, malware, poison or stealing (those set prompt_blocked). Prompt tokens are
 * round(words * 1.3) + 3 per message over all messages ("tokenizer": words * 1.45, + 1).
 * The model's identity is the seed and the requested model name together, so two model names
 * answer differently; "model" returns "<requested>-2025-06-30"; "fingerprint" another fp_ value;
 * "swap" another identity's distributions (same facts, other phrasings and templates).
 * A plumbline judge prompt is answered by the simulator's judge (sim_judge.h) instead. */

#endif
