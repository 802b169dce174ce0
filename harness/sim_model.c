/* sim_model.c: the simulated model: per-prompt answer distributions derived from hashes,
 * moved a little each night, sampled with temperature, and altered by the named drifts. */
#include "sim_model.h"
#include "sim_judge.h"

#include "hash.h"
#include "rng.h"
#include "sbuf.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SWAP_SALT     0x5a17c0ffee15bad5ull
#define FP_SALT	      0x0f1e2d3c4b5a6978ull
#define NIGHT_SCALE   4.0  /* logit sd per unit of night_noise */
#define UNSTABLE_SD   1.5  /* logit sd of an unstable endpoint's nights */
#define T0_EFFECTIVE  0.15 /* temperature 0 is not quite deterministic on real APIs */
#define BASE_REFUSAL  0.01
#define DRIFT_REFUSAL 0.40
#define MAX_CAND      6
#define BACKEND_SALT  0xbac0e7d5ull
#define BACKEND_SD    0.4 /* logit sd of a second backend's fixed differences */
#define EXTRA_SALT    0xe17aull
#define PNOISE_SALT   0x9e015eull

static const char *const drift_names[] = {
	"longer", "fenced",	  "model", "refusals", "fingerprint", "wording", "tokenizer",
	"swap",	  "refusal-text", "fence", "no-tools", "tool-args",   "field",
};

static const char refusal_text[] = "I'm sorry, but I can't help with that.";
/* a refusal in the answer's text alone, as OpenAI's chat models often send it (the API's
 * refusal field empty): the text_refusals knob and the "refusal-text" drift */
static const char text_refusal[] = "I'm sorry, but I can't help with that request.";

/* ---- hashing and random numbers ---- */

/* FNV-1a 64 of s; NULL hashes as "". */
static uint64_t fnv(const char *s)
{
	return hash_fnv1a_str(s ? s : "");
}

/* Not rng_below(): scaling the unit draw is what the simulator always did, and its pinned
 * answers (tests, benchmarks, the demo) depend on this exact sequence. */
static size_t scaled_below(struct rng *r, size_t n)
{
	return n ? (size_t)(rng_unit(r) * (double)n) % n : 0;
}

static double gauss(struct rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* ---- the per-prompt context ---- */

struct gen {
	const struct sim_knobs *k;
	struct rng shape; /* the prompt's fixed structure (which words, which templates) */
	struct rng night; /* tonight's small moves of the probabilities */
	struct rng draw;  /* this sample's choices */
	double temp;	  /* effective temperature, > 0 */
	double night_sd;
	char topic[2][32];
	double remix;	    /* knob remix */
	int on_backend;	    /* knob backend set: offsets from the backend stream */
	struct rng backend; /* the backend's fixed differences (consumed like night) */
};

static void backend_offsets(struct gen *g, double *logit, size_t n);
static void remix_mass(double *p, size_t n, double share);

/* Makes n logits for a slot (fixed per prompt), moves them for tonight, and samples one index
 * with the temperature. The shape and night streams are consumed the same way for every
 * sample, so a prompt's distribution is the same across samples of one night. */
static size_t pick(struct gen *g, size_t n)
{
	double logit[MAX_CAND], p[MAX_CAND], sum = 0, acc = 0, u, top;
	size_t i;

	if (n > MAX_CAND)
		n = MAX_CAND;
	if (n <= 1)
		return 0;
	logit[0] = 0;
	for (i = 1; i < n; i++)
		logit[i] = logit[i - 1] - (0.6 + 2.0 * rng_unit(&g->shape));
	for (i = 0; i < n; i++)
		logit[i] += g->night_sd * gauss(&g->night);
	if (g->on_backend)
		backend_offsets(g, logit, n);
	top = logit[0];
	for (i = 1; i < n; i++)
		if (logit[i] > top)
			top = logit[i];
	for (i = 0; i < n; i++) {
		p[i] = exp((logit[i] - top) / g->temp);
		sum += p[i];
	}
	if (g->remix > 0) {
		for (i = 0; i < n; i++)
			p[i] /= sum;
		sum = 1;
		remix_mass(p, n, g->remix);
	}
	u = rng_unit(&g->draw) * sum;
	for (i = 0; i < n; i++) {
		acc += p[i];
		if (u < acc)
			return i;
	}
	return n - 1;
}

/* ---- word banks ---- */

static const char *const one_words[] = {
	"Paris",   "Blue",    "Seven",	  "Yes",	 "No",	     "Mercury",	 "Oxygen",
	"Jupiter", "Tokyo",   "Canberra", "Forty-two",	 "Twelve",   "Green",	 "Hydrogen",
	"Nile",	   "Everest", "Python",	  "Shakespeare", "Einstein", "Positive", "Negative",
	"Neutral", "Monday",  "Triangle", "Dolphin",	 "Iron",     "Berlin",	 "Ottawa",
};

/* A few facts, so short questions get the answer a reader expects. */
static const struct fact {
	const char *key;
	const char *answer;
} facts[] = {
	{ "france", "Paris" },
	{ "japan", "Tokyo" },
	{ "germany", "Berlin" },
	{ "canada", "Ottawa" },
	{ "australia", "Canberra" },
	{ "italy", "Rome" },
	{ "largest planet", "Jupiter" },
	{ "2+2", "4" },
	{ "2 + 2", "4" },
	{ "sky", "Blue" },
	{ "hamlet", "Shakespeare" },
	{ "relativity", "Einstein" },
	{ "h2o", "Water" },
	{ "red planet", "Mars" },
	{ "longest river", "Nile" },
	{ "tallest mountain", "Everest" },
};

static const char *const product_names[] = {
	"Desk Lamp",	 "Coffee Mug", "Wireless Mouse", "Notebook",	   "Water Bottle",
	"Running Shoes", "Backpack",   "Headphones",	 "Office Chair",   "Phone Case",
	"Tea Kettle",	 "Yoga Mat",   "Umbrella",	 "Desk Organizer", "USB Cable",
};

static const double prices[] = { 9.99, 12.5, 14.99, 19.99, 24.0, 29.95, 39.99, 49.0, 79.99 };

/* Synonym groups for template slots; the first member is not special. */
static const char *const syn_adj[][4] = {
	{ "important", "significant", "essential", "crucial" },
	{ "simple", "straightforward", "easy", "clear" },
	{ "common", "widespread", "frequent", "typical" },
	{ "useful", "helpful", "valuable", "practical" },
	{ "complex", "complicated", "intricate", "involved" },
};
static const char *const syn_verb[][4] = {
	{ "helps", "allows", "enables", "lets" },
	{ "shows", "demonstrates", "illustrates", "reveals" },
	{ "improves", "enhances", "strengthens", "boosts" },
	{ "requires", "needs", "demands", "calls for" },
};
static const char *const syn_noun[][4] = {
	{ "approach", "method", "technique", "strategy" },
	{ "result", "outcome", "effect", "consequence" },
	{ "idea", "concept", "notion", "principle" },
	{ "people", "users", "teams", "individuals" },
	{ "process", "procedure", "workflow", "routine" },
};
static const char *const syn_conn[][4] = {
	{ "In addition,", "Moreover,", "Also,", "Furthermore," },
	{ "However,", "That said,", "Still,", "On the other hand," },
	{ "Overall,", "In summary,", "All in all,", "In short," },
};

/* Templates: %T topic, %A adjective, %V verb, %N noun, %C connector. */
static const char *const templates[] = {
	"%T is a %A %N that %V %N to work better.",
	"%C %T %V %N understand the %A parts of the %N.",
	"A %A %N for %T usually %V careful planning.",
	"%C the %N behind %T is %A and %V good %N.",
	"Many %N find %T %A because it %V a %A %N.",
	"%C choosing the right %N %V %N get a %A %N.",
	"The %A thing about %T is that it %V a %N.",
	"%C %T %V a %A %N over time.",
	"To get started with %T, pick a %A %N that %V %N.",
	"%C a %A %N %V %N avoid mistakes with %T.",
};
/* Templates only the "wording" drift uses: the same ideas, said differently. */
static const char *const reworded[] = {
	"When it comes to %T, one could say the %N is rather %A.",
	"Put differently, %T tends to be %A for most %N.",
	"It is worth noting that %T, as a %N, is %A.",
	"From a practical point of view, %T remains %A.",
	"Broadly speaking, the %N of %T is %A.",
};
static const char *const longer_tail[] = {
	"This matters because small details often change the %N.",
	"%C it is worth reviewing the %N regularly.",
	"Keep in mind that every %N is a little different.",
};

/* ---- generators ---- */

static void add_slot(struct gen *g, struct sbuf *sb, char kind)
{
	const char *const(*grp)[4] = NULL;
	size_t ng = 0, gi, wi;

	switch (kind) {
	case 'A':
		grp = syn_adj;
		ng = ARRAY_SIZE(syn_adj);
		break;
	case 'V':
		grp = syn_verb;
		ng = ARRAY_SIZE(syn_verb);
		break;
	case 'N':
		grp = syn_noun;
		ng = ARRAY_SIZE(syn_noun);
		break;
	case 'C':
		grp = syn_conn;
		ng = ARRAY_SIZE(syn_conn);
		break;
	case 'T':
		sbuf_addstr(sb, g->topic[scaled_below(&g->shape, 2)]);
		return;
	default:
		sbuf_addch(sb, '%');
		sbuf_addch(sb, kind);
		return;
	}
	gi = scaled_below(&g->shape, ng);
	wi = pick(g, 4);
	sbuf_addstr(sb, grp[gi][wi]);
}

/* "a important" -> "an important": templates do not know which synonym comes next. */
static void fix_articles(struct sbuf *sb, size_t from)
{
	for (size_t i = from; i + 2 < sb->len; i++) {
		int at_word = i == from || sb->buf[i - 1] == ' ';

		if (at_word && (sb->buf[i] == 'a' || sb->buf[i] == 'A') && sb->buf[i + 1] == ' ' &&
		    strchr("aeiouAEIOU", sb->buf[i + 2])) {
			sbuf_addch(sb, ' '); /* room for the 'n' */
			memmove(sb->buf + i + 2, sb->buf + i + 1, sb->len - i - 2);
			sb->buf[i + 1] = 'n';
		}
	}
}

static void add_sentence(struct gen *g, struct sbuf *sb, const char *tpl)
{
	size_t start = sb->len;

	if (sb->len)
		sbuf_addch(sb, ' ');
	start = sb->len;
	for (const char *p = tpl; *p; p++) {
		if (*p == '%' && p[1]) {
			add_slot(g, sb, p[1]);
			p++;
		} else {
			sbuf_addch(sb, *p);
		}
	}
	if (start < sb->len)
		sb->buf[start] = (char)toupper((unsigned char)sb->buf[start]);
	fix_articles(sb, start);
}

static void gen_long(struct gen *g, struct sbuf *sb, int reword, int longer)
{
	size_t n = 3 + scaled_below(&g->shape, 3), i;

	for (i = 0; i < n; i++) {
		const char *tpl = templates[scaled_below(&g->shape, ARRAY_SIZE(templates))];

		if (reword && i % 2 == 0)
			tpl = reworded[(i / 2 + scaled_below(&g->shape, 5)) % ARRAY_SIZE(reworded)];
		add_sentence(g, sb, tpl);
	}
	if (longer)
		for (i = 0; i < (n + 1) / 2; i++)
			add_sentence(g, sb, longer_tail[i % ARRAY_SIZE(longer_tail)]);
}

static const char *known_fact(const char *q)
{
	char low[512];
	size_t i;

	for (i = 0; q && q[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)q[i]);
	low[i] = '\0';
	for (i = 0; i < ARRAY_SIZE(facts); i++)
		if (strstr(low, facts[i].key))
			return facts[i].answer;
	return NULL;
}

static void gen_short(struct gen *g, struct sbuf *sb, const char *q, int reword, int longer)
{
	const char *w = one_words[scaled_below(&g->shape, ARRAY_SIZE(one_words))];
	const char *alt = one_words[scaled_below(&g->shape, ARRAY_SIZE(one_words))];
	const char *fact = known_fact(q);

	/* a swapped model still knows the facts, but says them its own way */
	if (fact)
		w = fact;
	char low[32];
	size_t i;

	for (i = 0; w[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)w[i]);
	low[i] = '\0';
	switch (pick(g, 5)) {
	case 0:
		sbuf_addstr(sb, w);
		break;
	case 1:
		sbuf_addf(sb, "%s.", w);
		break;
	case 2:
		sbuf_addstr(sb, low);
		break;
	case 3:
		sbuf_addf(sb, "The answer is %s.", w);
		break;
	default:
		sbuf_addstr(sb, alt);
		break;
	}
	if (reword) {
		sbuf_reset(sb);
		sbuf_addf(sb, "It would be %s.", w);
	}
	if (longer)
		sbuf_addstr(sb, " That is my final answer.");
}

static void gen_json(struct gen *g, struct sbuf *sb, int reword, int longer, int fenced,
		     int renamed)
{
	const char *price = renamed ? "price_usd" : "price";

	const char *name = product_names[scaled_below(&g->shape, ARRAY_SIZE(product_names))];
	size_t pi = scaled_below(&g->shape, ARRAY_SIZE(prices) - 2);
	const char *variant[] = { "", "Classic ", "Premium " };
	size_t v = pick(g, 3), p = pick(g, 3), s = pick(g, 2);

	if (fenced)
		sbuf_addstr(sb, "```json\n");
	if (reword)
		sbuf_addf(sb, "{\"name\": \"%s%s\", \"%s\": %.2f, \"currency\": \"USD\", ", name,
			  " (new)", price, prices[pi + p]);
	else
		sbuf_addf(sb, "{\"name\": \"%s%s\", \"%s\": %.2f, \"currency\": \"USD\", ",
			  variant[v], name, price, prices[pi + p]);
	sbuf_addf(sb, "\"in_stock\": %s", s ? "false" : "true");
	if (longer)
		sbuf_addf(sb, ", \"description\": \"A %s that is practical for everyday use.\"",
			  name);
	sbuf_addch(sb, '}');
	if (fenced)
		sbuf_addstr(sb, "\n```");
}

/* ---- helpers ---- */

static long count_words(const char *s)
{
	long n = 0;
	int in = 0;

	for (; s && *s; s++) {
		if (isspace((unsigned char)*s)) {
			in = 0;
		} else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

static long tokens_of(long words, double per_word)
{
	return (long)(words * per_word + 0.5);
}

static int is_stopword(const char *w, size_t n)
{
	static const char *const stop[] = {
		"explain",   "describe",  "sentences", "sentence", "please", "answer",
		"following", "question",  "paragraph", "words",	   "write",  "briefly",
		"summarize", "summarise", "short",     "about",	   "which",  "should",
		"would",     "could",	  "there",     "their",	   "these",  "those",
	};

	for (size_t i = 0; i < ARRAY_SIZE(stop); i++)
		if (strlen(stop[i]) == n && !strncasecmp(w, stop[i], n))
			return 1;
	return 0;
}

/* The two longest alphabetic words of text (lower case), or stock topics. */
static void find_topics(const char *text, char topic[2][32])
{
	size_t best[2] = { 0, 0 };

	snprintf(topic[0], 32, "%s", "this topic");
	snprintf(topic[1], 32, "%s", "the subject");
	while (text && *text) {
		const char *w;
		size_t n = 0;

		while (*text && !isalpha((unsigned char)*text))
			text++;
		w = text;
		while (isalpha((unsigned char)text[n]))
			n++;
		text += n;
		if (n < 5 || n > 30 || is_stopword(w, n))
			continue;
		if (n > best[0]) {
			memcpy(topic[1], topic[0], 32);
			best[1] = best[0];
			best[0] = n;
			for (size_t i = 0; i < n; i++)
				topic[0][i] = (char)tolower((unsigned char)w[i]);
			topic[0][n] = '\0';
		} else if (n > best[1] && strncasecmp(w, topic[0], n) != 0) {
			best[1] = n;
			for (size_t i = 0; i < n; i++)
				topic[1][i] = (char)tolower((unsigned char)w[i]);
			topic[1][n] = '\0';
		}
	}
	if (!best[1])
		memcpy(topic[1], topic[0], 32);
}

static int wants_json(const char *s)
{
	return s && (strstr(s, "JSON") || strstr(s, "json"));
}

static int looks_harmful(const char *s)
{
	static const char *const bad[] = { "weapon", "bomb", "malware", "poison", "steal" };

	for (size_t i = 0; s && i < ARRAY_SIZE(bad); i++)
		if (strstr(s, bad[i]))
			return 1;
	return 0;
}

/* Short questions get one-word answers; requests for prose never do. */
static int is_short(const char *s)
{
	static const char *const prose[] = { "xplain", "escribe", "sentence", "paragraph",
					     "ummari", "why ",	  "how " };
	size_t i;

	if (!s)
		return 1;
	if (strstr(s, "one word") || strstr(s, "single word"))
		return 1;
	for (i = 0; i < ARRAY_SIZE(prose); i++)
		if (strstr(s, prose[i]))
			return 0;
	return count_words(s) <= 12;
}

static void truncate_tokens(struct sbuf *sb, long max_tokens)
{
	long keep = (long)(max_tokens / 1.3), n = 0;
	int in = 0;

	if (keep < 1)
		keep = 1;
	for (size_t i = 0; i < sb->len; i++) {
		if (isspace((unsigned char)sb->buf[i])) {
			in = 0;
		} else if (!in) {
			in = 1;
			if (++n > keep) {
				while (i > 0 && isspace((unsigned char)sb->buf[i - 1]))
					i--;
				sb->len = i;
				sb->buf[i] = '\0';
				return;
			}
		}
	}
}

/* ---- realistic-scenario knobs (remix, backend, prompt_noise, lengthen) ---- */

/* A second backend: fixed logit offsets per prompt and choice, the same every night. */
static void backend_offsets(struct gen *g, double *logit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		logit[i] += BACKEND_SD * gauss(&g->backend);
}

/* Moves `share` of probability (at most all of it) from the likeliest option to the
 * runner-up: on a one-choice answer the total variation is exactly that amount. n >= 2. */
static void remix_mass(double *p, size_t n, double share)
{
	size_t top = 0, next, i;
	double moved;

	for (i = 1; i < n; i++)
		if (p[i] > p[top])
			top = i;
	next = top ? 0 : 1;
	for (i = 0; i < n; i++)
		if (i != top && p[i] > p[next])
			next = i;
	moved = share < p[top] ? share : p[top];
	p[top] -= moved;
	p[next] += moved;
}

/* The per-prompt, per-night factor on the night noise: exp(sd * N(0, 1)). */
static double prompt_noise_factor(const struct sim_knobs *k, uint64_t prompt_ident)
{
	struct rng r;

	rng_seed(&r, rng_mix(rng_mix(prompt_ident, PNOISE_SALT), (uint64_t)(unsigned)k->night));
	return exp(k->prompt_noise * gauss(&r));
}

static void scenario_setup(struct gen *g, const struct sim_knobs *k, uint64_t prompt_ident)
{
	g->remix = k->remix;
	g->on_backend = k->backend != 0;
	if (g->on_backend)
		rng_seed(&g->backend, rng_mix(prompt_ident, BACKEND_SALT + (uint64_t)k->backend));
}

/* Appends closing sentences until the prose is about `share` longer. */
static void lengthen_prose(struct sbuf *sb, double share)
{
	static const char *const tail[] = {
		"It depends on the team.",
		"Start small and adjust.",
		"Details vary by project.",
	};
	size_t target = sb->len + (size_t)((double)sb->len * share + 0.5), i = 0;

	while (sb->len < target)
		sbuf_addf(sb, " %s", tail[i++ % ARRAY_SIZE(tail)]);
}

/* ---- public ---- */

void sim_knobs_init(struct sim_knobs *k)
{
	memset(k, 0, sizeof(*k));
	k->night_noise = 0.05;
	k->drift_strength = 0.1;
}

int sim_drift_parse(const char *names, unsigned *bits)
{
	unsigned b = 0;
	const char *p = names;

	while (p && *p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < ARRAY_SIZE(drift_names); i++)
			if (n && strlen(drift_names[i]) == n && !strncmp(p, drift_names[i], n))
				break;
		if (n && i == ARRAY_SIZE(drift_names))
			return -1;
		if (n)
			b |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	*bits = b;
	return 0;
}

const char *const *sim_drift_names(size_t *n)
{
	*n = ARRAY_SIZE(drift_names);
	return drift_names;
}

const char *sim_refusal_text(void)
{
	return refusal_text;
}

const char *sim_text_refusal_text(void)
{
	return text_refusal;
}

void sim_model_answer(const struct sim_knobs *k, const char *model, const struct sim_msg *msgs,
		      size_t n_msgs, double temperature, int max_tokens,
		      unsigned long long sample_seed, struct sim_answer *out)
{
	struct gen g;
	struct sbuf sb;
	uint64_t ident, ph = 0xabcdefull;
	const char *user = NULL;
	long words = 0;
	unsigned d = k->drifts;
	double u_refuse, u_reword;
	struct rng side, extra;
	double u_text, u_fence, u_plain, u_dfence, u_field;

	memset(out, 0, sizeof(*out));
	if (!model || !*model)
		model = "sim-1";
	for (size_t i = 0; i < n_msgs; i++) {
		ph = rng_mix(ph, fnv(msgs[i].role));
		ph = rng_mix(ph, fnv(msgs[i].content));
		words += count_words(msgs[i].content);
		if (msgs[i].role && !strcmp(msgs[i].role, "user"))
			user = msgs[i].content;
	}
	if (!user && n_msgs)
		user = msgs[n_msgs - 1].content;
	/* a plumbline judge prompt gets the judge's verdict, the same on every night and drift */
	sbuf_init(&sb);
	if (sim_judge_answer(user, &sb)) {
		out->finish_reason = "stop";
		out->completion_tokens = tokens_of(count_words(sb.buf), 1.3);
		out->prompt_tokens = tokens_of(words, 1.3) + 3 * (long)n_msgs;
		out->text = sbuf_detach(&sb, NULL);
		out->model = model;
		snprintf(out->fp_buf, sizeof(out->fp_buf), "fp_%010llx",
			 (unsigned long long)(rng_mix(k->seed, 1) & 0xffffffffffull));
		out->fingerprint = out->fp_buf;
		return;
	}
	sbuf_release(&sb);

	ident = rng_mix(k->seed, fnv(model));
	memset(&g, 0, sizeof(g));
	g.k = k;
	rng_seed(&g.shape, rng_mix(d & SIM_DRIFT_SWAP ? ident ^ SWAP_SALT : ident, ph));
	rng_seed(&g.night,
		 rng_mix(rng_mix(ident, ph), 0x6e69676874ull + (uint64_t)(unsigned)k->night));
	rng_seed(&g.draw, rng_mix(rng_mix(ident, ph), rng_mix((uint64_t)k->night, sample_seed)));
	rng_seed(&side, rng_mix(rng_mix(ident, ph), rng_mix(sample_seed, 0x51de)));
	g.temp = temperature > 0 ? temperature : T0_EFFECTIVE;
	g.night_sd = k->night_noise * NIGHT_SCALE;
	if (k->prompt_noise > 0)
		g.night_sd *= prompt_noise_factor(k, rng_mix(ident, ph));
	if (k->unstable && g.night_sd < UNSTABLE_SD)
		g.night_sd = UNSTABLE_SD;
	find_topics(user, g.topic);
	scenario_setup(&g, k, rng_mix(ident, ph));
	/* a stream of its own, so the other knobs' answers stay exactly as they were */
	rng_seed(&extra, rng_mix(rng_mix(ident, ph), rng_mix(sample_seed, EXTRA_SALT)));
	u_text = rng_unit(&extra);
	u_fence = rng_unit(&extra);

	u_refuse = rng_unit(&side);
	u_reword = rng_unit(&side);
	/* drawn after the others, so the older drifts answer as they always did */
	u_plain = rng_unit(&side);
	u_dfence = rng_unit(&side);
	u_field = rng_unit(&side);
	sbuf_init(&sb);
	if (looks_harmful(user) && u_refuse < 0.95) {
		sbuf_addstr(&sb, refusal_text);
		out->refused = 1;
		out->prompt_blocked = 1;
	} else if ((d & SIM_DRIFT_REFUSALS && u_refuse < DRIFT_REFUSAL) ||
		   (temperature > 0 && !wants_json(user) && u_refuse < BASE_REFUSAL)) {
		sbuf_addstr(&sb, refusal_text);
		out->refused = 1;
	} else if (u_text < k->text_refusals ||
		   (d & SIM_DRIFT_REFUSAL_TEXT && u_plain < k->drift_strength)) {
		sbuf_addstr(&sb, text_refusal); /* a refusal the API does not flag */
	} else {
		int reword = d & SIM_DRIFT_WORDING && u_reword < k->drift_strength;
		int longer = !!(d & SIM_DRIFT_LONGER);

		if (wants_json(user))
			gen_json(&g, &sb, reword, longer,
				 d & SIM_DRIFT_FENCED || u_fence < k->fence_share ||
					 (d & SIM_DRIFT_FENCE && u_dfence < k->drift_strength),
				 d & SIM_DRIFT_FIELD && u_field < k->drift_strength);
		else if (is_short(user))
			gen_short(&g, &sb, user, reword, longer);
		else
			gen_long(&g, &sb, reword, longer);
		if (k->lengthen > 0 && !wants_json(user) && !is_short(user))
			lengthen_prose(&sb, k->lengthen);
	}
	out->finish_reason = "stop";
	if (max_tokens > 0 && tokens_of(count_words(sb.buf), 1.3) > max_tokens) {
		truncate_tokens(&sb, max_tokens);
		out->finish_reason = "length";
	}
	out->completion_tokens = tokens_of(count_words(sb.buf), 1.3);
	if (out->completion_tokens < 1)
		out->completion_tokens = 1;
	out->text = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	if (d & SIM_DRIFT_TOKENIZER)
		out->prompt_tokens = tokens_of(words, 1.45) + 3 * (long)n_msgs + 1;
	else
		out->prompt_tokens = tokens_of(words, 1.3) + 3 * (long)n_msgs;

	if (d & SIM_DRIFT_MODEL) {
		snprintf(out->model_buf, sizeof(out->model_buf), "%s-2025-06-30", model);
		out->model = out->model_buf;
	} else {
		out->model = model;
	}
	snprintf(out->fp_buf, sizeof(out->fp_buf), "fp_%010llx",
		 (unsigned long long)(rng_mix(k->seed, d & SIM_DRIFT_FINGERPRINT ? FP_SALT : 1) &
				      0xffffffffffull));
	out->fingerprint = out->fp_buf;
}

void sim_answer_release(struct sim_answer *a)
{
	if (!a)
		return;
	free(a->text);
	a->text = NULL;
	json_decref(a->tool_calls);
	a->tool_calls = NULL;
}
