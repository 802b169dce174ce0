/* scenario_ext.c: the "ext" scenario family (scenario.h, scenario_ext.h): endpoints modelled on
 * how commercial LLM APIs answer at temperature 0.7, written blind to the detector. A trial is
 * one vendor's model; every answer is fixed by (scenario, trial, night, sample).
 *
 * Each prompt's answer is built from slots (a label; a short wording; a prose answer's
 * sentences; a JSON object's values and layout), each a categorical choice. A trial fixes
 * every slot's mix; a night moves the mixes on the logit scale (its noise, the serving state,
 * the weekend), and the change alters what it says on the change's nights only. */
#include "scenario_ext.h"

#include "rng.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS  4
#define MAX_OPT	   (SCEN_EXT_MAX_OPT - 1) /* a prompt's own options; one more may be latent */
#define MAX_FIELDS 5

#define SALT_PERM    0x9e24ull
#define SALT_NOISE   0x4015eull
#define SALT_STATE   0x57a7eull
#define SALT_OFFSET  0x0ff5e7ull
#define SALT_FLIP    0xf119ull
#define SALT_WEEK    0x3ee4ull
#define SALT_SCALE   0x5ca1eull
#define SALT_JUMP    0x7a3bull
#define SALT_VERSION 0x7e25ull
#define SALT_TOUCH   0x70c4e5ull
#define SALT_DRAW    0xd2a3ull
#define SALT_CHANGE  0xc4a26eull
#define SALT_VENDOR  0x7e4d02ull
#define SALT_REFUSE  0x2ef05eull

#define NOISE_SD      0.25 /* logit sd of an ordinary night (quiet, weekly, hetero) */
#define DRIFT_SD      0.35 /* stationary logit sd of the drifting noise */
#define DRIFT_PHI     0.7  /* its correlation from one night to the next */
#define STATE_SD      0.15 /* logit sd of a serving state's small fixed differences */
#define WEEKEND_SD    0.4  /* logit sd of the weekend's fixed differences */
#define SCALE_LOG_SD  0.6  /* hetero: log sd of a prompt's own noise size */
#define JUMP_SHARE    0.03 /* hetero: share of prompt-nights that go far off */
#define JUMP_FACTOR   4.0  /* ... and how far */
#define ROLLOUT_SHARE 0.8  /* share of prompts the rollout's new model answers differently */

static const double state_share[3] = { 0.6, 0.3, 0.1 };

/* ---- the suite: what each prompt asks and the answers a model gives it ---- */

struct field {
	const char *key;
	int slot;	   /* the slot giving the value, or -1 */
	const char *fixed; /* the value when slot is -1 (JSON text) */
};

struct prompt {
	const char *question;
	enum ext_kind kind;
	const char *topic[2]; /* generic prose: the topic as a sentence starts it, and inside one */
	const char *opt[MAX_SLOTS][MAX_OPT]; /* NULL-ended; generic prose uses prose_bank */
	const char *latent; /* slot 0's wording a new version may use and this one never does */
	struct field field[MAX_FIELDS];
	int rename_at;	     /* JSON: the field a json-field change renames ... */
	const char *renamed; /* ... to this */
	int drop_at;	     /* ... or drops */
};

#define LAYOUTS                               \
	{                                     \
		"spaced", "compact", "pretty" \
	}

static const struct prompt suite[SCEN_PROMPTS] = {
	{ .question =
		  "Classify the sentiment of this review. Reply with one word. Review: \"The food was "
		  "fine but the service was painfully slow.\"",
	  .kind = EXT_LABEL,
	  .opt = { { "Negative", "Mixed", "Neutral", "negative", "Negative.", "mixed" } },
	  .latent = "Mixed." },
	{ .question = "Is a tomato a fruit? Answer yes or no.",
	  .kind = EXT_LABEL,
	  .opt = { { "Yes", "Yes.", "yes", "No" } },
	  .latent = "YES" },
	{ .question =
		  "Is this email spam? Reply with one word. Email: \"Congratulations! You have won a "
		  "$500 gift card. Click here to claim.\"",
	  .kind = EXT_LABEL,
	  .opt = { { "Spam", "Spam.", "spam", "Yes" } },
	  .latent = "Phishing" },
	{ .question =
		  "Which category fits this support ticket: billing, technical, account or other? Reply "
		  "with one word. Ticket: \"I was charged twice this month.\"",
	  .kind = EXT_LABEL,
	  .opt = { { "Billing", "billing", "Billing.", "Account", "**Billing**" } },
	  .latent = "Payments" },
	{ .question =
		  "Which planet is known as the Red Planet? A) Venus B) Mars C) Jupiter D) Saturn. Reply "
		  "with the letter only.",
	  .kind = EXT_LABEL,
	  .opt = { { "B", "B)", "B.", "B) Mars" } },
	  .latent = "**B**" },
	{ .question = "What language is this? Reply with one word: \"Obrigado pela ajuda.\"",
	  .kind = EXT_LABEL,
	  .opt = { { "Portuguese", "Portuguese.", "portuguese", "Galician" } },
	  .latent = "Spanish" },
	{ .question = "What is the capital of Australia?",
	  .kind = EXT_SHORT,
	  .opt = { { "Canberra", "Canberra.", "The capital of Australia is Canberra.",
		     "Canberra is the capital of Australia.",
		     "The capital of Australia is **Canberra**.", "Canberra (not Sydney).",
		     "Canberra, in the Australian Capital Territory.", "It's Canberra.",
		     "Australia's capital is Canberra.",
		     "The capital of Australia is Canberra, not Sydney.",
		     "Canberra is Australia's capital city.", "The capital is Canberra." } },
	  .latent =
		  "Australia's capital city is Canberra, located in the Australian Capital Territory." },
	{ .question = "At what temperature does water boil at sea level, in Fahrenheit?",
	  .kind = EXT_SHORT,
	  .opt = { { "212°F", "212°F (100°C)", "Water boils at 212°F at sea level.",
		     "212 degrees Fahrenheit.", "At sea level, water boils at 212°F (100°C).",
		     "212 °F" } },
	  .latent = "212 °F (100 °C) at standard atmospheric pressure." },
	{ .question = "What is the maximum daily dose of acetaminophen for a healthy adult?",
	  .kind = EXT_SHORT,
	  .opt = { { "4,000 mg (4 grams) per day.", "The maximum is 4,000 mg in 24 hours.",
		     "For healthy adults, no more than 4 grams (4,000 mg) a day.",
		     "4 g per day, though many clinicians recommend staying under 3 g.",
		     "4,000 milligrams per 24 hours.",
		     "Generally 4,000 mg per day; check the label and ask a pharmacist if unsure." } },
	  .latent = "Up to 3,000-4,000 mg per day, depending on the product label." },
	{ .question = "Who painted the Mona Lisa?",
	  .kind = EXT_SHORT,
	  .opt = { { "Leonardo da Vinci", "Leonardo da Vinci.",
		     "Leonardo da Vinci painted the Mona Lisa.",
		     "The Mona Lisa was painted by Leonardo da Vinci.",
		     "Leonardo da Vinci, in the early 1500s." } },
	  .latent = "It was painted by Leonardo da Vinci." },
	{ .question = "In what year did the Berlin Wall fall?",
	  .kind = EXT_SHORT,
	  .opt = { { "1989", "1989.", "The Berlin Wall fell in 1989.",
		     "It fell on November 9, 1989.", "The Berlin Wall fell on 9 November 1989." } },
	  .latent = "November 1989." },
	{ .question = "How many bones are in the adult human body?",
	  .kind = EXT_SHORT,
	  .opt = { { "206", "206.", "An adult human has 206 bones.",
		     "The adult human body has 206 bones.",
		     "There are 206 bones in the adult human body.", "206 bones." } },
	  .latent =
		  "Typically 206, though the exact count varies a little from person to person." },
	{ .question = "Explain in a few sentences why restore testing matters for backups.",
	  .kind = EXT_PROSE,
	  .topic = { "Restore testing", "restore testing" } },
	{ .question =
		  "Explain in a few sentences why code review matters for software reliability.",
	  .kind = EXT_PROSE,
	  .topic = { "Code review", "code review" } },
	{ .question =
		  "Explain in a few sentences why observability matters for a production service.",
	  .kind = EXT_PROSE,
	  .topic = { "Observability", "observability" } },
	{ .question = "Explain how an acetaminophen overdose damages the liver.",
	  .kind = EXT_PROSE,
	  .opt = { { "Acetaminophen is mostly processed by the liver into harmless compounds, but a small "
		     "fraction becomes a toxic byproduct called NAPQI.",
		     "In normal doses, the liver safely breaks acetaminophen down, and a small amount is "
		     "converted into a reactive metabolite, NAPQI.",
		     "The liver metabolises most acetaminophen through safe pathways, while a minor "
		     "pathway produces NAPQI, a highly reactive compound.",
		     "When acetaminophen is broken down in the liver, a small share is turned into NAPQI, "
		     "which is toxic to liver cells.",
		     "Most of an acetaminophen dose is cleared safely, but the liver's CYP450 enzymes "
		     "turn part of it into a toxic metabolite known as NAPQI." },
		   { "Normally, glutathione neutralises NAPQI before it can cause harm.",
		     "The liver's supply of glutathione usually binds NAPQI and makes it safe.",
		     "Glutathione, an antioxidant stored in liver cells, normally detoxifies it.",
		     "Under ordinary conditions, the body's glutathione stores mop it up quickly." },
		   { "In an overdose, glutathione runs out, and NAPQI binds to proteins inside liver "
		     "cells, killing them.",
		     "With too much acetaminophen, those stores are depleted and NAPQI accumulates, "
		     "damaging and destroying hepatocytes.",
		     "An overdose overwhelms this system, so NAPQI builds up and injures liver cells, "
		     "which can lead to acute liver failure.",
		     "When the dose is too high, glutathione is used up, and the excess NAPQI causes "
		     "widespread cell death in the liver." },
		   { "",
		     "Early treatment with N-acetylcysteine, which restores glutathione, can prevent much "
		     "of the damage, so suspected overdoses need urgent medical care.",
		     "This is why suspected overdoses are treated quickly with N-acetylcysteine, and why "
		     "alcohol use and fasting raise the risk.",
		     "Symptoms may be mild at first, so anyone who may have taken too much should seek "
		     "medical help immediately." } } },
	{ .question = "Explain in a few sentences why feature flags make deployments safer.",
	  .kind = EXT_PROSE,
	  .topic = { "Feature flagging", "feature flagging" } },
	{ .question = "Explain in a few sentences why rate limiting protects an API.",
	  .kind = EXT_PROSE,
	  .topic = { "Rate limiting", "rate limiting" } },
	{ .question = "Explain in a few sentences why load testing matters before a launch.",
	  .kind = EXT_PROSE,
	  .topic = { "Load testing", "load testing" } },
	{ .question =
		  "Extract the product as JSON with name, price, currency and shipping_days: \"The Anker "
		  "PowerCore 10000 is $25.99 and ships in 2 days.\"",
	  .kind = EXT_JSON,
	  .opt = { { "\"Anker PowerCore 10000\"", "\"PowerCore 10000\"",
		     "\"Anker PowerCore 10000 Portable Charger\"" },
		   { "2", "\"2 days\"", "\"2\"" },
		   LAYOUTS },
	  .latent = "\"Anker PowerCore 10000 (power bank)\"",
	  .field = { { "name", 0, NULL },
		     { "price", -1, "25.99" },
		     { "currency", -1, "\"USD\"" },
		     { "shipping_days", 1, NULL } },
	  .rename_at = 1,
	  .renamed = "price_usd",
	  .drop_at = 2 },
	{ .question =
		  "Classify the sentiment of this review as JSON with sentiment and confidence: \"Battery "
		  "life is great, but the screen scratches easily.\"",
	  .kind = EXT_JSON,
	  .opt = { { "\"mixed\"", "\"positive\"", "\"neutral\"" },
		   { "0.7", "0.75", "0.8", "0.85", "0.6" },
		   LAYOUTS },
	  .latent = "\"mixed-positive\"",
	  .field = { { "sentiment", 0, NULL }, { "confidence", 1, NULL } },
	  .rename_at = 1,
	  .renamed = "score",
	  .drop_at = 1 },
	{ .question =
		  "Parse this address into JSON with street, city, postcode and country: \"221B Baker "
		  "Street, London NW1 6XE\"",
	  .kind = EXT_JSON,
	  .opt = { { "\"United Kingdom\"", "\"UK\"", "\"GB\"", "\"England\"" },
		   { "\"221B Baker Street\"", "\"221B Baker St\"" },
		   LAYOUTS },
	  .latent = "null",
	  .field = { { "street", 1, NULL },
		     { "city", -1, "\"London\"" },
		     { "postcode", -1, "\"NW1 6XE\"" },
		     { "country", 0, NULL } },
	  .rename_at = 2,
	  .renamed = "postal_code",
	  .drop_at = 3 },
	{ .question =
		  "Return JSON with the usual over-the-counter adult dose of ibuprofen: drug, dose_mg, "
		  "interval_hours and max_daily_mg.",
	  .kind = EXT_JSON,
	  .opt = { { "400", "200", "\"200-400\"" },
		   { "6", "\"4-6\"", "4" },
		   { "1200", "3200" },
		   LAYOUTS },
	  .latent = "\"200 to 400\"",
	  .field = { { "drug", -1, "\"ibuprofen\"" },
		     { "dose_mg", 0, NULL },
		     { "interval_hours", 1, NULL },
		     { "max_daily_mg", 2, NULL } },
	  .rename_at = 1,
	  .renamed = "dose",
	  .drop_at = 3 },
	{ .question =
		  "Extract the meeting as JSON with title, date, time and attendees: \"Hi all, quarterly "
		  "planning is on 14 March 2024 at 3pm with Ana, Ben and Chloe.\"",
	  .kind = EXT_JSON,
	  .opt = { { "\"Quarterly planning\"", "\"Quarterly Planning\"",
		     "\"Quarterly planning meeting\"" },
		   { "\"15:00\"", "\"3pm\"", "\"3:00 PM\"" },
		   LAYOUTS },
	  .latent = "\"Q1 planning\"",
	  .field = { { "title", 0, NULL },
		     { "date", -1, "\"2024-03-14\"" },
		     { "time", 1, NULL },
		     { "attendees", -1, "[\"Ana\",\"Ben\",\"Chloe\"]" } },
	  .rename_at = 3,
	  .renamed = "participants",
	  .drop_at = 2 },
	{ .question =
		  "Triage this support ticket as JSON with category, priority and reason: \"I was charged "
		  "twice for my subscription this month and need a refund.\"",
	  .kind = EXT_JSON,
	  .opt = { { "\"high\"", "\"medium\"", "\"urgent\"" },
		   { "\"billing\"", "\"Billing\"", "\"payments\"" },
		   { "\"Customer was charged twice and is requesting a refund.\"",
		     "\"Duplicate charge on subscription; refund requested.\"",
		     "\"The customer reports a double charge this month.\"",
		     "\"Double billing for the subscription.\"",
		     "\"User was billed twice and wants their money back.\"",
		     "\"Duplicate subscription charge requiring a refund.\"" },
		   LAYOUTS },
	  .latent = "\"normal\"",
	  .field = { { "category", 1, NULL }, { "priority", 0, NULL }, { "reason", 2, NULL } },
	  .rename_at = 2,
	  .renamed = "explanation",
	  .drop_at = 1 },
};

/* Generic prose: an opening on the topic ({T} starts a sentence, {t} is inside one), how it
 * works, what it does for a team over time, and an optional last sentence. */
static const char *const prose_bank[MAX_SLOTS][MAX_OPT] = {
	{ "{T} matters because it catches problems long before they reach users.",
	  "At its core, {t} is about finding out early when something is wrong.",
	  "{T} is one of the cheapest ways to keep a system dependable as it grows.",
	  "Reliable software depends on {t} more than most teams expect.",
	  "{T} gives engineers fast, concrete feedback about what is actually broken.",
	  "Without {t}, small defects tend to pile up quietly until they cause an outage.",
	  "In practice, {t} turns vague worries about quality into something a team can check.",
	  "{T} lowers the risk that a routine change takes down something important." },
	{ "It shortens the time between introducing a mistake and noticing it.",
	  "When something does go wrong, it narrows down where to look.",
	  "It makes failures visible while they are still small and cheap to fix.",
	  "It replaces guesswork with evidence about how the system really behaves.",
	  "It forces assumptions into the open, where other people can question them.",
	  "It gives you a safe way to find weaknesses before your users do.",
	  "Each check is small, but together they add up to a real safety net.",
	  "It also spreads knowledge, so no single person is the only one who understands a "
	  "component." },
	{ "Over time, this makes every later change cheaper and less stressful.",
	  "Teams that invest in it usually ship faster, not slower, because they spend less time "
	  "firefighting.",
	  "That confidence lets engineers refactor and upgrade without fear.",
	  "It also builds a shared understanding of what \"working\" means for the service.",
	  "The payoff compounds: fewer incidents, shorter outages and calmer on-call shifts.",
	  "Just as importantly, it leaves a record that helps when you investigate an incident "
	  "later.",
	  "The cost is modest compared with a single serious outage.",
	  "In the long run, reliability is less about heroics and more about habits like this." },
	{ "", "In short, {t} is a small, steady investment that pays for itself.",
	  "Put simply, it helps you trust your system.",
	  "In short: it is cheap insurance against expensive surprises.",
	  "Skipping it might save time this week, but it usually costs far more later." },
};

/* Plain-text refusals as vendors word them (not flagged by the API's refusal field). */
static const char *const refusals[] = {
	"I'm sorry, but I can't help with that.",
	"I can\u2019t assist with that request.",
	"As an AI language model, I cannot provide medical dosing advice. Please consult a doctor "
	"or pharmacist.",
	"I'm not able to help with that.",
	"I\u2019m sorry, but I can\u2019t provide guidance on medication overdoses. If you or "
	"someone you know may have taken too much, contact Poison Control (1-800-222-1222) or "
	"emergency services right away.",
	"I can't provide specific dosing information. Please talk to a pharmacist or your doctor.",
};

static const char *const preambles[] = {
	"Sure! Here's a quick explanation.\n\n", "Great question! ",   "Certainly! ",
	"Of course. Here's an overview:\n\n",	 "Happy to explain! ",
};

static const char *const offers[] = {
	"\n\nLet me know if you'd like more details.",
	"\n\nWould you like me to go deeper into any of these points?",
	"\n\nI hope this helps!",
	"\n\nLet me know if you have any other questions.",
};

/* The vendor a trial watches: its model as configured and as returned, system fingerprint
 * (NULL where the API has none), its word for a normal stop, and the tokens its chat template
 * adds to a prompt. Constant across nights: those are caught trivially. */
static const struct vendor {
	const char *alias, *model, *fp, *stop;
	long overhead;
} vendors[] = {
	{ "gpt-4.1", "gpt-4.1-2025-04-14", "fp_daf5fcc80a", "stop", 7 },
	{ "gpt-4o", "gpt-4o-2024-08-06", "fp_5050236cbd", "stop", 7 },
	{ "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", NULL, "end_turn", 8 },
	{ "gemini-2.5-flash", "gemini-2.5-flash", NULL, "STOP", 1 },
	{ "mistral-large-latest", "mistral-large-2411", NULL, "stop", 6 },
};

/* ---- random numbers ---- */

static void seed4(struct rng *r, unsigned long long a, unsigned long long b, unsigned long long c,
		  unsigned long long d)
{
	rng_seed(r, rng_mix(rng_mix(rng_mix(a, b), c), d));
}

static double normal(struct rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* A standard normal fixed by its coordinates. */
static double normal_at(unsigned long long a, unsigned long long b, unsigned long long c,
			unsigned long long d)
{
	struct rng r;

	seed4(&r, a, b, c, d);
	return normal(&r);
}

static double unit_at(unsigned long long a, unsigned long long b, unsigned long long c,
		      unsigned long long d)
{
	struct rng r;

	seed4(&r, a, b, c, d);
	return rng_unit(&r);
}

/* Whether p is among the first k of a per-trial shuffle of pool[0..n). */
static int picked(unsigned long long trial, unsigned long long salt, const size_t *pool, size_t n,
		  size_t k, size_t p)
{
	size_t order[SCEN_PROMPTS], i;
	struct rng r;

	memcpy(order, pool, n * sizeof(*order));
	seed4(&r, trial, salt, 0, 0);
	for (i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < k && i < n; i++)
		if (order[i] == p)
			return 1;
	return 0;
}

/* The prompts of a kind (all of them for -1) into pool; returns their number. */
static size_t pool_of(int kind, size_t *pool)
{
	size_t p, n = 0;

	for (p = 0; p < SCEN_PROMPTS; p++)
		if (kind < 0 || (int)suite[p].kind == kind)
			pool[n++] = p;
	return n;
}

/* ---- definitions: a trial's mixes ---- */

enum ext_kind scenario_ext_kind(size_t p)
{
	return suite[p < SCEN_PROMPTS ? p : 0].kind;
}

static const char *const *slot_opts(size_t p, size_t slot)
{
	if (slot >= MAX_SLOTS)
		return NULL;
	if (suite[p].kind == EXT_PROSE && !suite[p].opt[0][0])
		return prose_bank[slot];
	return suite[p].opt[slot][0] ? suite[p].opt[slot] : NULL;
}

static size_t n_opts(const char *const *o)
{
	size_t n = 0;

	while (n < MAX_OPT && o[n])
		n++;
	return n;
}

static size_t n_slots(size_t p)
{
	size_t s = 0;

	while (slot_opts(p, s))
		s++;
	return s;
}

static int is_layout(size_t p, size_t slot)
{
	return suite[p].kind == EXT_JSON && slot + 1 == n_slots(p);
}

/* How peaked a slot's mix is (logit step between successive options, likeliest first): each
 * kind has a near-deterministic, a middling and a flat level, spread over the prompts of a
 * trial so every trial has all three. */
static double slope_of(unsigned long long trial, size_t p, size_t slot)
{
	static const double label[] = { 4.0, 2.2, 1.2 }, shrt[] = { 3.5, 1.3, 0.35 },
			    prose[] = { 0.15, 0.45, 1.0 }, json[] = { 3.0, 1.5, 0.7 };
	size_t level = (size_t)((trial + p + slot) % 3);

	if (is_layout(p, slot))
		return 3.0; /* one layout nearly always */
	switch (suite[p].kind) {
	case EXT_LABEL:
		return label[level];
	case EXT_SHORT:
		return shrt[level];
	case EXT_PROSE:
		return prose[level];
	case EXT_JSON:
		break;
	}
	return json[level];
}

/* A slot's options (the latent one last, when the slot has one) and the model's probabilities
 * (0 for the latent one). Returns the number of options, 0 past the last slot. */
static size_t define(unsigned long long trial, size_t p, size_t slot, const char **texts,
		     double *prob)
{
	const char *const *o = slot_opts(p, slot);
	size_t n, perm[MAX_OPT], i;
	double slope, sum = 0;
	struct rng r;

	if (!o)
		return 0;
	n = n_opts(o);
	for (i = 0; i < n; i++) {
		texts[i] = o[i];
		perm[i] = i;
	}
	/* which wording is likeliest differs between trials (models); a model lays out all its
	 * JSON objects alike */
	if (is_layout(p, slot))
		seed4(&r, trial, SALT_PERM, 0, 0);
	else
		seed4(&r, trial, p, slot, SALT_PERM);
	for (i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	slope = slope_of(trial, p, slot);
	for (i = 0; i < n; i++) {
		prob[perm[i]] = exp(-slope * (double)i + 0.25 * normal(&r));
		sum += prob[perm[i]];
	}
	for (i = 0; i < n; i++)
		prob[i] /= sum;
	if (slot == 0 && suite[p].latent) {
		texts[n] = suite[p].latent;
		prob[n++] = 0;
	}
	return n;
}

/* The slots a new version answers differently: every sentence of prose, the answer itself
 * elsewhere (a JSON object's first slot, never its layout). */
static int version_moves(size_t p, size_t slot)
{
	return suite[p].kind == EXT_PROSE || slot == 0;
}

/* Moves total variation d of a mix to one receiver: a new wording (the latent option, half
 * of the time when there is one) or an option that was not the likeliest. The mass comes
 * from the likeliest options first. */
static void move_mix(double *prob, size_t n, int has_latent, double d, struct rng *r)
{
	size_t top = 0, to, i;
	double left;

	for (i = 1; i < n; i++)
		if (prob[i] > prob[top])
			top = i;
	if (has_latent && rng_unit(r) < 0.5) {
		to = n - 1;
	} else {
		size_t live = n - (size_t)has_latent;

		to = rng_below(r, live - 1);
		if (to >= top)
			to++;
	}
	left = d;
	while (left > 1e-12) {
		size_t from = n;

		for (i = 0; i < n; i++)
			if (i != to && prob[i] > 0 && (from == n || prob[i] > prob[from]))
				from = i;
		if (from == n)
			break;
		if (prob[from] >= left) {
			prob[from] -= left;
			left = 0;
		} else {
			left -= prob[from];
			prob[from] = 0;
		}
	}
	prob[to] += d - left;
}

/* A version's mix of a slot: 0 the model as it is; 1 a new version (SCEN_SHIFT); 2 the new
 * model of a rollout. Returns the number of options. */
static size_t define_version(unsigned long long trial, size_t p, size_t slot, int version,
			     const char **texts, double *prob)
{
	size_t n = define(trial, p, slot, texts, prob);
	struct rng r;
	double d;

	if (!n || !version || !version_moves(p, slot))
		return n;
	seed4(&r, trial, p, slot, rng_mix(SALT_VERSION, (unsigned long long)version));
	/* a new version moves each answer by 0.3-0.6, a rollout's model by 0.25-0.6 */
	d = version == 1 ? 0.3 + 0.3 * rng_unit(&r) : 0.25 + 0.35 * rng_unit(&r);
	move_mix(prob, n, slot == 0 && suite[p].latent != NULL, d, &r);
	return n;
}

/* ---- nights: noise, serving states, weekends ---- */

int scenario_ext_state(const struct scenario *sc, unsigned long long trial, int night)
{
	double u;

	if (!sc->backends)
		return 0;
	u = unit_at(trial, (unsigned long long)night, SALT_STATE, 0);
	return u < state_share[0] ? 0 : u < state_share[0] + state_share[1] ? 1 : 2;
}

int scenario_ext_weekend(const struct scenario *sc, unsigned long long trial, int night)
{
	struct rng r;
	int start;

	if (sc->noise != SCEN_WEEKLY || night < 0)
		return 0;
	seed4(&r, trial, SALT_WEEK, 0, 0);
	start = (int)rng_below(&r, 7); /* the baseline's weekday */
	return (start + night) % 7 >= 5;
}

/* The flipping prompts: three of the answers that are not prose; state 1 flips the first two,
 * state 2 the last two. */
int scenario_ext_flips(const struct scenario *sc, unsigned long long trial, int state, size_t p)
{
	size_t pool[SCEN_PROMPTS], n = 0, q;

	if (!sc->backends || state <= 0 || p >= SCEN_PROMPTS || suite[p].kind == EXT_PROSE)
		return 0;
	for (q = 0; q < SCEN_PROMPTS; q++)
		if (suite[q].kind != EXT_PROSE)
			pool[n++] = q;
	if (state == 1)
		return picked(trial, SALT_FLIP, pool, n, 2, p);
	return picked(trial, SALT_FLIP, pool, n, 3, p) && !picked(trial, SALT_FLIP, pool, n, 1, p);
}

static int jumps(unsigned long long trial, int night, size_t p)
{
	return unit_at(trial, (unsigned long long)night, p, SALT_JUMP) < JUMP_SHARE;
}

double scenario_ext_prompt_sd(const struct scenario *sc, unsigned long long trial, int night,
			      size_t p)
{
	if (night < 0)
		return 0;
	if (sc->noise == SCEN_DRIFT)
		return DRIFT_SD;
	if (sc->noise != SCEN_HETERO)
		return NOISE_SD;
	return NOISE_SD * exp(SCALE_LOG_SD * normal_at(trial, p, SALT_SCALE, 0)) *
	       (jumps(trial, night, p) ? JUMP_FACTOR : 1);
}

/* The typical night is 1; a hetero night is as noisy as the root mean square of its prompts'
 * jumps, relative to its expectation (a night with two far-off prompts is about 1.2). */
double scenario_ext_noise_factor(const struct scenario *sc, unsigned long long trial, int night)
{
	double sum = 0, expect = 1 - JUMP_SHARE + JUMP_SHARE * JUMP_FACTOR * JUMP_FACTOR;
	size_t p;

	if (sc->noise != SCEN_HETERO)
		return 1;
	for (p = 0; p < SCEN_PROMPTS; p++)
		sum += jumps(trial, night, p) ? JUMP_FACTOR * JUMP_FACTOR : 1;
	return sqrt(sum / SCEN_PROMPTS / expect);
}

/* The night's noise on option i's logit: drifting noise is AR(1) from the baseline's night,
 * the rest independent from night to night. */
static double noise_at(const struct scenario *sc, unsigned long long trial, int night, size_t p,
		       size_t slot, size_t i)
{
	unsigned long long where = rng_mix(rng_mix(p, slot), i);
	double x = 0;
	int t;

	if (sc->noise != SCEN_DRIFT)
		return scenario_ext_prompt_sd(sc, trial, night, p) *
		       normal_at(trial, (unsigned long long)night, where, SALT_NOISE);
	for (t = 0; t <= night; t++) {
		double z = normal_at(trial, (unsigned long long)t, where, SALT_NOISE);

		x = t ? DRIFT_PHI * x + sqrt(1 - DRIFT_PHI * DRIFT_PHI) * DRIFT_SD * z
		      : DRIFT_SD * z;
	}
	return x;
}

/* Tonight's mix of a slot for a version: the version's mix, the serving state (a flip of the
 * likeliest answer with the runner-up on its flipping prompts, small fixed differences
 * elsewhere), the weekend's fixed differences and the night's noise, on the logits. */
static size_t tonight(const struct scenario *sc, unsigned long long trial, int night, int version,
		      size_t p, size_t slot, const char **texts, double *prob)
{
	double logit[SCEN_EXT_MAX_OPT], sum = 0;
	size_t n = define_version(trial, p, slot, version, texts, prob), i;
	int state = scenario_ext_state(sc, trial, night);

	if (!n || night < 0)
		return n;
	for (i = 0; i < n; i++)
		logit[i] = prob[i] > 0 ? log(prob[i]) : -HUGE_VAL;
	if (state > 0 && slot == 0 && scenario_ext_flips(sc, trial, state, p)) {
		size_t top = 0, second = n;
		double t;

		for (i = 1; i < n; i++)
			if (logit[i] > logit[top])
				top = i;
		for (i = 0; i < n; i++)
			if (i != top && (second == n || logit[i] > logit[second]))
				second = i;
		/* the runner-up becomes the likeliest answer by a clear margin */
		t = logit[top];
		logit[top] = logit[second];
		logit[second] = t + 1.0;
	}
	for (i = 0; i < n; i++) {
		unsigned long long where = rng_mix(rng_mix(p, slot), i);

		if (logit[i] == -HUGE_VAL)
			continue;
		if (state > 0)
			logit[i] += STATE_SD *
				    normal_at(trial, (unsigned long long)state, where, SALT_OFFSET);
		if (scenario_ext_weekend(sc, trial, night))
			logit[i] += WEEKEND_SD * normal_at(trial, where, SALT_WEEK, 1);
		logit[i] += noise_at(sc, trial, night, p, slot, i);
	}
	for (i = 0; i < n; i++) {
		prob[i] = logit[i] == -HUGE_VAL ? 0 : exp(logit[i]);
		sum += prob[i];
	}
	for (i = 0; i < n; i++)
		prob[i] /= sum;
	return n;
}

size_t scenario_ext_dist(const struct scenario *sc, unsigned long long trial, int night,
			 int version, size_t p, size_t slot, const char **texts, double *probs)
{
	if (p >= SCEN_PROMPTS)
		return 0;
	return tonight(sc, trial, night, version, p, slot, texts, probs);
}

/* ---- changes ---- */

static const size_t topic_prompts[] = { 8, 15, 22 }; /* medication doses */

int scenario_ext_touches(const struct scenario *sc, unsigned long long trial, size_t p)
{
	size_t pool[SCEN_PROMPTS], n, i;

	if (p >= SCEN_PROMPTS)
		return 0;
	switch (sc->change) {
	case SCEN_SHIFT:
		n = pool_of(-1, pool);
		return picked(trial, SALT_TOUCH, pool, n, (size_t)sc->amount, p);
	case SCEN_ROLLOUT:
		n = pool_of(-1, pool);
		return picked(trial, rng_mix(SALT_TOUCH, 1), pool, n,
			      (size_t)(ROLLOUT_SHARE * SCEN_PROMPTS + 0.5), p);
	case SCEN_TOPIC_REFUSE:
		for (i = 0; i < ARRAY_SIZE(topic_prompts); i++)
			if (topic_prompts[i] == p)
				return 1;
		return 0;
	case SCEN_FENCE_SOME:
		n = pool_of(EXT_JSON, pool);
		return picked(trial, rng_mix(SALT_TOUCH, 2), pool, n, 2, p);
	case SCEN_PREAMBLE:
		return suite[p].kind == EXT_PROSE;
	case SCEN_JSON_FIELD:
		n = pool_of(EXT_JSON, pool);
		return picked(trial, rng_mix(SALT_TOUCH, 3), pool, n, 1, p);
	default:
		return 0;
	}
}

double scenario_ext_refusal_rate(const struct scenario *sc, unsigned long long trial, size_t p)
{
	if (sc->change != SCEN_TOPIC_REFUSE || !scenario_ext_touches(sc, trial, p))
		return 0;
	return 0.4 + 0.5 * unit_at(trial, p, SALT_REFUSE, 0);
}

/* A refusal style: each vendor leans on one (half its refusals), the rest spread. */
static const char *refusal_text(unsigned long long trial, double u)
{
	size_t n = ARRAY_SIZE(refusals), lean = (size_t)(unit_at(trial, SALT_REFUSE, 1, 0) * n), i;

	if (u < 0.5)
		return refusals[lean];
	i = (size_t)((u - 0.5) / 0.5 * (double)(n - 1));
	if (i >= n - 1)
		i = n - 2;
	return refusals[i >= lean ? i + 1 : i];
}

/* ---- answers ---- */

/* Appends a prose template with the prompt's topic in place of {T} and {t}. */
static void add_prose(struct sbuf *sb, const char *tmpl, const struct prompt *pr)
{
	const char *s = tmpl, *at;

	while ((at = strchr(s, '{')) && (at[1] == 'T' || at[1] == 't') && at[2] == '}') {
		sbuf_add(sb, s, (size_t)(at - s));
		sbuf_addstr(sb, pr->topic[at[1] == 'T' ? 0 : 1]);
		s = at + 3;
	}
	sbuf_addstr(sb, s);
}

/* Appends a JSON value; arrays get a space after their commas unless compact. */
static void add_value(struct sbuf *sb, const char *v, int compact)
{
	int in_str = 0;
	char prev = 0;

	for (; *v; prev = *v++) {
		sbuf_addch(sb, *v);
		if (*v == '"' && prev != '\\')
			in_str = !in_str;
		else if (*v == ',' && !in_str && !compact)
			sbuf_addch(sb, ' ');
	}
}

enum field_edit { EDIT_NONE, EDIT_RENAME, EDIT_DROP };

/* A JSON object from the chosen options, in the chosen layout, with a field edited. */
static void add_json(struct sbuf *sb, const struct prompt *pr, const char *const *pick,
		     const char *layout, enum field_edit edit)
{
	int compact = !strcmp(layout, "compact"), pretty = !strcmp(layout, "pretty"), first = 1;
	size_t f;

	sbuf_addch(sb, '{');
	for (f = 0; f < MAX_FIELDS && pr->field[f].key; f++) {
		const struct field *fd = &pr->field[f];
		const char *key = fd->key;

		if (edit == EDIT_DROP && (int)f == pr->drop_at)
			continue;
		if (edit == EDIT_RENAME && (int)f == pr->rename_at)
			key = pr->renamed;
		if (!first)
			sbuf_addch(sb, ',');
		if (pretty)
			sbuf_addstr(sb, "\n  ");
		else if (!compact && !first)
			sbuf_addch(sb, ' ');
		first = 0;
		sbuf_addf(sb, "\"%s\":%s", key, compact ? "" : " ");
		add_value(sb, fd->slot < 0 ? fd->fixed : pick[fd->slot], compact);
	}
	sbuf_addstr(sb, pretty ? "\n}" : "}");
}

/* Tonight's mixes of every slot of a prompt, for one version. */
struct mixes {
	size_t slots;
	size_t n[MAX_SLOTS];
	const char *text[MAX_SLOTS][SCEN_EXT_MAX_OPT];
	double prob[MAX_SLOTS][SCEN_EXT_MAX_OPT];
};

static void mixes_of(const struct scenario *sc, unsigned long long trial, int night, int version,
		     size_t p, struct mixes *m)
{
	for (m->slots = 0; m->slots < MAX_SLOTS; m->slots++) {
		size_t s = m->slots;

		m->n[s] = tonight(sc, trial, night, version, p, s, m->text[s], m->prob[s]);
		if (!m->n[s])
			break;
	}
}

static const char *draw(const struct mixes *m, size_t slot, struct rng *r)
{
	double u = rng_unit(r), acc = 0;
	size_t i, last = 0;

	for (i = 0; i < m->n[slot]; i++) {
		if (m->prob[slot][i] <= 0)
			continue;
		last = i;
		acc += m->prob[slot][i];
		if (u < acc)
			break;
	}
	return m->text[slot][i < m->n[slot] ? i : last];
}

/* One answer from the mixes: the draws come from r alone, so a change that leaves the mixes
 * alone leaves the answer alone. */
static void answer(struct sbuf *sb, size_t p, const struct mixes *m, struct rng *r,
		   enum field_edit edit)
{
	const struct prompt *pr = &suite[p];
	const char *pick[MAX_SLOTS];
	size_t s;

	for (s = 0; s < m->slots; s++)
		pick[s] = draw(m, s, r);
	if (pr->kind == EXT_JSON) {
		add_json(sb, pr, pick, pick[m->slots - 1], edit);
		return;
	}
	for (s = 0; s < m->slots; s++) {
		if (!*pick[s])
			continue;
		if (sb->len)
			sbuf_addch(sb, ' ');
		if (pr->topic[0])
			add_prose(sb, pick[s], pr);
		else
			sbuf_addstr(sb, pick[s]);
	}
}

/* Tokens as the vendors count them, near enough: about 4 bytes of English a token. */
static long tokens_of(const char *s)
{
	long n = ((long)strlen(s) + 3) / 4;

	return n ? n : 1;
}

/* The changes made to an answer after it is drawn; u, v and w are the sample's own change
 * draws, drawn on every night so a change alters only what it says. */
static void dress(const struct scenario *sc, unsigned long long trial, size_t p, struct sbuf *sb,
		  double u, double v, double w)
{
	struct sbuf tmp = SBUF_INIT;

	if (sc->change == SCEN_TOPIC_REFUSE && u < scenario_ext_refusal_rate(sc, trial, p)) {
		sbuf_reset(sb);
		sbuf_addstr(sb, refusal_text(trial, v));
	} else if (sc->change == SCEN_FENCE_SOME && u < sc->amount) {
		sbuf_addf(&tmp, "```json\n%s\n```", sb->buf);
	} else if (sc->change == SCEN_PREAMBLE && u < sc->amount) {
		sbuf_addf(&tmp, "%s%s%s", preambles[(size_t)(v * (double)ARRAY_SIZE(preambles))],
			  sb->buf, offers[(size_t)(w * (double)ARRAY_SIZE(offers))]);
	}
	if (tmp.len) {
		sbuf_reset(sb);
		sbuf_add(sb, tmp.buf, tmp.len);
	}
	sbuf_release(&tmp);
}

struct sampleset *scenario_ext_night(const struct scenario *sc, unsigned long long trial, int night,
				     int changed, size_t n)
{
	const struct vendor *vd = &vendors[rng_mix(trial, SALT_VENDOR) % ARRAY_SIZE(vendors)];
	struct sampleset *s = sampleset_new("scen", vd->alias, "bench");
	struct mixes *now = xcalloc(2, sizeof(*now)), *other = now + 1;
	struct sbuf sb = SBUF_INIT;
	size_t p, i;

	for (p = 0; p < SCEN_PROMPTS; p++) {
		int on = changed && scenario_ext_touches(sc, trial, p);
		int shift = on && sc->change == SCEN_SHIFT, roll = on && sc->change == SCEN_ROLLOUT;
		long prompt_tokens = vd->overhead + tokens_of(suite[p].question);
		enum field_edit edit = EDIT_NONE;
		char id[16];
		struct prompt_samples *ps;

		if (on && sc->change == SCEN_JSON_FIELD)
			edit = unit_at(trial, SALT_CHANGE, 1, 0) < 0.5 ? EDIT_RENAME : EDIT_DROP;
		mixes_of(sc, trial, night, shift ? 1 : 0, p, now);
		if (roll)
			mixes_of(sc, trial, night, 2, p, other);
		snprintf(id, sizeof(id), "p%02zu", p);
		ps = sampleset_prompt(s, id);
		for (i = 0; i < n; i++) {
			struct rng r, c;
			double u, v, w;
			int new_model;

			seed4(&r, trial, (unsigned long long)night, rng_mix(p, i), SALT_DRAW);
			seed4(&c, trial, (unsigned long long)night, rng_mix(p, i), SALT_CHANGE);
			u = rng_unit(&c);
			v = rng_unit(&c);
			w = rng_unit(&c);
			new_model = roll && u < sc->amount;
			sbuf_reset(&sb);
			answer(&sb, p, new_model ? other : now, &r,
			       edit != EDIT_NONE && u < sc->amount ? edit : EDIT_NONE);
			if (on)
				dress(sc, trial, p, &sb, u, v, w);
			scenario_add_sample(ps, (int)i, sb.buf, 0, vd->stop, vd->model, vd->fp,
					    prompt_tokens, tokens_of(sb.buf));
		}
	}
	sbuf_release(&sb);
	free(now);
	return s;
}
