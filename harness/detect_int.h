/* detect_int.h: what the detection files share and nobody else sees: the settings
 * (detect_params.c parses them), the baseline's word set (detect_words.c), the state of one
 * night's evaluation and the decision detect.c takes, which detect_text.c puts into words. */
#ifndef PL_DETECT_INT_H
#define PL_DETECT_INT_H

#include "detect.h"
#include "hash.h"
#include "refusal.h"
#include "fingerprint.h"
#include "history.h"
#include "sbuf.h"
#include "stats.h"

#include <jansson.h>
#include <stddef.h>

enum dist_choice { DIST_AUTO = 0, DIST_TV, DIST_MMD, DIST_EMBEDDING };

struct detect_params {
	long long permutations, seed, window, exclude_recent, min_history, persistence;
	long long ngram, pad_len, long_len, prompt_min;
	double alpha, fdr, abs_margin, rel_margin, sigmas, tv_share, rate_margin, novel_margin;
	double cusum_k, cusum_h, detectable, min_answered, logprob_margin;
	double over_sampling;	 /* unstable_over_sampling */
	struct refusal *refusal; /* the refusal classifier's patterns (owned) */
	double prompt_alpha, prompt_floor, prompt_sigmas;
	double rate_alpha; /* the per-prompt rate tests' level once there is history */
	enum dist_choice distance;
	enum stats_kernel kernel;
	enum fp_norm norm;
	int cusum, logprobs;
};

enum { R_REFUSAL, R_JSON, R_TRUNCATED, R_NOVEL, R_N };

struct rates {
	size_t hit[R_N], n;
};

/* Per-prompt rates (detect_rates.c): refusals (the classifier or the API's flags), answers that
 * are valid JSON, JSON in ``` fences, novel answers (detect.c's is_novel: saying what the
 * baseline never said; counted by detect.c, which has the baseline's words) and, on a JSON
 * prompt, JSON answers whose keys are not the baseline's (detect_keys_off). */
enum { RS_REFUSAL, RS_JSON, RS_FENCED, RS_NOVEL, RS_KEYS, RS_N };
/* "refusal", "json", "fenced", "novel", "json_keys" */
extern const char *const detect_rate_signals[RS_N];

struct rate_counts {
	size_t n, hit[RS_N];
	size_t novel_n; /* the answers whose novelty was counted: RS_NOVEL's (0: none) */
	size_t keys_n;	/* the JSON answers whose keys were compared: RS_KEYS's (0: none) */
};

/* Whether signal counts against the baseline's answers (novel words, JSON keys) rather than
 * on each answer alone: no state but the baseline's has a rate of it of its own (the
 * registry keeps none), and a history line without it did not count it. */
int detect_rates_against_baseline(int signal);

/* ---- the shape of JSON answers (detect_keys.c) ---- */

/* [t, t + n) as JSON when, past JSON's white space, it is an object or an array (a bare
 * number or string is an answer, not a document); NULL otherwise. The caller decrefs. */
json_t *detect_json_doc(const char *t, size_t n);
/* An answer's JSON: the body of the first ``` block that is a JSON object or array (*fenced
 * 1), else the answer itself when it is one; NULL when neither. The caller decrefs. */
json_t *detect_answer_json(const char *text, int *fenced);

/* The key paths of the baseline's JSON answers to one prompt ("name", "items[].sku"), with
 * how many answers use each, of docs JSON answers among `answers` that are not refusals (each:
 * every JSON answer's own paths). Embedded: detect_keys_init / detect_keys_release. */
struct keyset {
	struct hmap paths;
	size_t docs, answers;
	struct hmap *each;
	size_t cap;
};

void detect_keys_init(struct keyset *ks);
void detect_keys_release(struct keyset *ks);
/* Adds one of the baseline's answers that is not a refusal: doc, its JSON (NULL: not JSON). */
void detect_keys_add(struct keyset *ks, const json_t *doc);
/* Whether the prompt is a JSON prompt, whose answers' keys are judged: most of its baseline's
 * answers that are not refusals are JSON. */
int detect_keys_judged(const struct keyset *ks);
/* The baseline's JSON answers off the others' keys: a key path no other has, or without one
 * every other has (one answer alone: none). */
size_t detect_keys_self(const struct keyset *ks);
/* Whether tonight's JSON document doc has a key path none of ks's answers has, or lacks one
 * all of them have; off (may be NULL) counts each such path, "+path" (new) or "-path"
 * (missing). */
int detect_keys_off(const struct keyset *ks, const json_t *doc, struct hmap *off);
/* The paths most often off in off, in words: `"price_usd" new in 2, "price" missing in 2`. */
void detect_keys_words(const struct hmap *off, char *buf, size_t len);

/* The answers a signal judges out of n (hits of RS_REFUSAL among them): a refusal is the
 * refusal signal's, so valid JSON and fences are rates over the answers that are not refusals
 * (a JSON prompt that starts refusing is one change, not a refusal and a format change). */
size_t detect_rates_judged(int signal, size_t n, size_t refusals);

struct slot;
/* Whether prompt w's novel answers are a rate of its own (RS_NOVEL): not a categorical
 * prompt's, whose answers never given are their own evidence, against its whole reference
 * (novel_evidence in detect.c). Known once detect_add has chosen w's distance. */
int detect_rates_counts_novel(const struct slot *w);

/* One check's passes on one prompt: of the answers it judged (pass or fail). */
struct check_counts {
	char *id;			/* the check's id, owned */
	struct rate_counts base, night; /* hit[0]: passes */
};

/* One rate of one prompt, tonight against its reference. */
struct rate_test {
	int signal;	   /* RS_*, or RS_N: a check's pass rate */
	const char *check; /* RS_N: the check's id (borrowed) */
	size_t n_ref, hits_ref, n_night, hits_night;
	double before, now; /* the reference's rate, tonight's */
	double effect;	    /* now - before */
	double margin;	    /* the prompt's own night-to-night variation beyond sampling noise */
	double p;	    /* Fisher's exact test, two-sided */
	double p_min;	    /* the least p the test can give with these margins */
	char words[96];	    /* "refusals 0% -> 12%" */
};

/* The words of the baseline's answers to one prompt, with how many answers use each: a map
 * (hash.h) from the word to its count. */
struct vocab {
	struct hmap words;
};

struct level {
	double center, spread; /* spread < 0: not enough history */
	double rms;	       /* root mean square of the pooled deviations (heavy tails) */
	size_t nights;	       /* nights in the epoch's window */
	size_t pooled;	       /* nights behind the spread */
};

/* One piece of per-prompt evidence: a test of one signal of one prompt ("distance"; further
 * signals, e.g. a prompt's refusal or format rate, add their own with detect_evidence_add).
 * p is the test's p-value against the prompt's own usual value (its trailing nights, or
 * sampling noise before there are enough); effect is tonight minus that usual value and
 * margin the least effect that counts as a change (sigmas of the prompt's night-to-night
 * spread, with a floor), both in the signal's units. detect_evidence_combine fills q and
 * over. */
struct evidence {
	const char *signal; /* static */
	double p, effect, margin;
	double q;	/* Benjamini-Hochberg adjusted over every piece of evidence of the night */
	int over;	/* q <= the night's level and effect > margin: this prompt moved */
	int level;	/* 0: judged at prompt_alpha (history), 1: at alpha (cold start) */
	int discounted; /* p is UNSTABLE_DISCOUNT times the prompt's own (unstable episode) */
};

#define DETECT_MAX_EVIDENCE 6

/* What a night keeps of one baseline prompt once detect_add returns: small figures only. */
struct slot {
	char *id;			      /* NULL: never added (not answered tonight) */
	struct rate_counts rc_base, rc_night; /* per-prompt rates (detect_rates.c) */
	char keys_off[120]; /* tonight's JSON keys off the baseline's, in words (detect_keys_words)
			     */
	struct check_counts *chk; /* per check: pass rates (detect_add_checks) */
	size_t n_chk;
	enum stats_dist dist;
	size_t n_a, n_b; /* n_b: 0 when the stratum sits out */
	size_t n_night;	 /* tonight's answers */
	struct stats_perm_result res;
	struct evidence ev[DETECT_MAX_EVIDENCE];
	size_t n_ev;
	struct level lv;	      /* the prompt's distance over its trailing nights */
	json_t *mix_base, *mix_night; /* categorical prompts: answer counts by answer hash */
	struct novelty {	      /* categorical prompts: answers unseen in the reference */
		size_t k, n;	      /* tonight's unseen answers, of n */
		size_t hk, hn;	      /* the same over the window's nights (leave one out) */
		double rms;	      /* root mean square of those nights' unseen shares */
		json_t *unseen;	      /* tonight's unseen answers: counts by hash */
	} nov;
	double stat; /* tonight's per-prompt statistic (distance or mix) */
	/* the history's judgement of it: the spread tonight's deviation is standardised by
	 * (widened for the night) and the degrees of freedom of its t tail; df 0: none */
	double scale, df;
	/* categorical prompts: the reference tonight is judged against (the baseline's answers
	 * and the window's nights', counts by hash), the Pearson dispersion of the window's
	 * nights against it (mix_dispersion), and whether tonight's p-value is the sampling
	 * model's (mix_model_p, drawn with the run's dispersion) rather than a t tail */
	json_t *mix_ref;
	double mix_phi;
	int modelled;
	double mix_fl; /* categorical prompts: the mix statistic's sampling noise (mix_floor) */
	json_t *texts; /* tonight's answers as compared (normal form): kept by a suspected
			* night's history line (suspect_answers) for the next night */
	/* tonight against the suspected night's answers (last night's suspicion only):
	 * has_pair 0 when not compared; pair_null: its B permuted distances */
	int has_pair;
	struct stats_perm_result pair;
	double *pair_null;
};

struct detect_run {
	const struct detect_params *p;
	double overdispersion; /* the prompts' (spread / sampling noise)^2, median (decide) */
	size_t od_prompts;     /* of how many prompts (0: none had a spread yet) */
	double dispersion;     /* the categorical prompts' (prompt_evidence; 0: none) */
	double inflation;      /* how much wider than usual the prompts' deviations are tonight */
	/* tonight is unstable or an episode is under way (decide): a wandering endpoint's
	 * nights bring new answers by the handful, so novel answers are no rate of it */
	int wandering;
	/* tonight's new words (not in their prompt's baseline) of the novel answers of the
	 * prompts whose novelty counts: how many prompts use each, and how many answers */
	struct hmap nw_prompts, nw_answers;
	char *history_path, *night_id;
	int dry, ended;
	const char *misuse; /* a contract broken by a detect_add call; reported by detect_end */
	const struct detect_vectors *vec; /* detect_add_embedded's, during the call only */
	struct slot *w;			  /* one per baseline position */
	size_t n_w, active;
	size_t asked, answered;	    /* baseline prompts in tonight's suite; those with an answer */
	int enough;		    /* active meets min_answered: the distance can be judged */
	double *null_sums, obs_sum; /* the suite's permutation null, summed over strata */
	struct stats_perm_result suite;
	double *q;
	struct fingerprint_acc *fp_night, *fp_base;
	json_t *recs, *hard_now, *hard_base, *sketch, *sketch_base, *hard_changes;
	json_t *reg;	    /* the endpoint's epoch registry (history.h) */
	json_t *reg_before; /* the registry before tonight (saved beside it at commit) */
	int rerun;	    /* the history had tonight's night already: it is replaced */
	int backfill;	    /* the history has nights after tonight's: judged without them,
			     * its line put in its place, the registry left as it is */
	int defer;	    /* detect_defer_commit: detect_end keeps tonight's entry */
	json_t *commit_rec; /* tonight's history entry, not yet written (detect_commit) */
	char commit_epoch[64], commit_since[64];
	int commit_new_epoch;
	struct epoch_info *eps; /* the history's epochs, then the registry's others (nights 0) */
	size_t n_eps, skipped;
	const char *cur_epoch;
	char suspect[32];	/* last night's suspected epoch, to confirm or retract ("" none) */
	char suspect_night[64]; /* the night it was suspected */
	const json_t *suspect_answers; /* its answers, by prompt (in recs); NULL: not kept */
	char base_epoch[32]; /* the epoch the baseline shows ("" until known: detect_end) */
	struct rates r_base, r_night;
	double len_sum, *lat;
	size_t len_n, n_lat, cap_lat, samples;
	double lp_sum;
	size_t lp_n;
	double mean_len, lat50, lat95, lp_stat;
};

struct decision {
	int cold, above, consecutive, stat_change, rate_change, drift, unstable, hard, lp_change;
	int prompts_over; /* prompts whose evidence says they moved (detect_evidence_combine) */
	int suite_above;  /* the suite's mean distance is over its margin */
	int confirming;	  /* prompts last night's suspicion named, still over (tested alone) */
	int novel_alone;  /* one prompt's unseen answers are enough alone (evidence_alone) */
	int mix_alone;	  /* one modelled prompt's mix is enough alone (evidence_alone) */
	int watching;	  /* prompts last night watched, moved when tested alone (watch_test) */
	int watch_of;	  /* of how many watched prompts judged tonight */
	json_t *watched;  /* tonight's watched prompts (watch_set; NULL: none) */
	enum detect_stage stage;
	int multi_state;
	json_t *states; /* the known states (epoch IDs) a multi-state endpoint serves */
	struct level lv;
	double margin, dev, conf, spread;
	json_t *rates, *cusum, *drifted, *moved, *logprobs;
	/* latency series whose CUSUM tripped: [{"series", "night", "usual", "up"}]. Reported,
	 * never an alarm: latency follows the vendor's load, not its model (run_cusum) */
	json_t *lat_drifted;
	json_t *prompt_rates; /* detect_rates_judge: the per-prompt rate tests */
	json_t *rate_named;   /* the rate tests that changed: [{"signal", "prompt", "up"}] */
	int rate_suspected;   /* a per-prompt rate test at the fdr level (not yet a verdict) */
	char epoch[64], since[64];
	int new_epoch, returned;
	int unstable_onset;	 /* unstable tonight, a new episode (unstable_episode) */
	char unstable_since[64]; /* the night the unstable episode began */
	int rates_confirmed;	 /* rates a suspicion named, still beyond their margins */
	/* tonight is not the suspected state (wanders): over w_n prompts that moved, tonight's
	 * mean distance from the suspected night's answers w_s (from the baseline's w_b),
	 * stratified permutation p w_p; w_n 0: not compared */
	int wandered;
	size_t w_n;
	double w_s, w_b, w_p;
	/* tonight's alarm is a change the suspected night did not show (rates alone, none of
	 * them the suspicion's): a suspicion of its own, replacing last night's */
	int resuspected;
};

/* Adds one piece of evidence to a prompt's slot (ignored when DETECT_MAX_EVIDENCE are there).
 * level: 0 when p is calibrated against the prompt's own nights, 1 when only against sampling
 * noise (judged at the stricter alpha). */
void detect_evidence_add(struct slot *sl, const char *signal, double p, double effect,
			 double margin, int level);
/* Combines the evidence of n slots. A piece is significant when its Benjamini-Hochberg q
 * over every piece of evidence of the night (one family) is at most its level's alpha
 * (prompt_alpha, or alpha in cold start), or, for r >= 2, when its prompt is among the r
 * with the smallest p-values (each prompt's smallest, Bonferroni over its signals) and
 * Wilkinson's test of the r-th smallest (the chance that r of the prompts' uniform p-values
 * are that small) is at most prompt_alpha. It is "over" when significant and its effect
 * exceeds its margin. Returns the number of slots with a piece over. */
size_t detect_evidence_combine(struct slot *w, size_t n, double prompt_alpha, double alpha,
			       size_t r);

/* detect_words.c: builds v from the baseline answers ref (NULL: empty) and releases it; whether
 * text uses a word v's answers never use (self: text is one of them, so a word only it uses
 * counts as new). */
void detect_vocab_build(struct vocab *v, const struct prompt_samples *ref);
void detect_vocab_release(struct vocab *v);
int detect_vocab_new_word(const struct vocab *v, const char *text, int self);
/* Adds 1 to out's count of each distinct word of text that v lacks (tonight's new words). */
void detect_vocab_new_words(const struct vocab *v, const char *text, struct hmap *out);

/* detect.c: the usable records of an epoch's trailing window (indices into recs; a new array of
 * *n), the window every level is judged on. */
size_t *detect_window(const struct detect_params *p, const json_t *recs, const char *epoch,
		      size_t *n);
/* detect.c: the nights a return to the state before the current epoch is judged on, their
 * evidence added up (detect_cusum_back): the usable nights of the epoch's latest run in the
 * history (indices into recs, oldest first; a new array of *n), the nights since the endpoint
 * last entered its state, the most recent too, at most `window` of them. NULL (*n 0) while
 * the epoch has fewer than min_history nights in its window: a young epoch's return is
 * judged on tonight alone. */
size_t *detect_epoch_run(const struct detect_run *ev, size_t *n);
/* A return judged on evidence that adds up over nights (Page's CUSUM): llr[0..n), each
 * night's log-likelihood ratio of the state before over the current one, oldest first,
 * tonight's last. 1 when tonight's ratio favours the state before and the CUSUM
 * S_j = max(0, S_j-1 + min(llr[j], h / 2)) reaches h = log DETECT_RETURN_ARL tonight.
 * Were the two states' answers known exactly, a state that holds would reach h no more than
 * once in DETECT_RETURN_ARL nights on average (Page; the ratios' expectation is negative
 * under it): the false-return control of a state that holds many nights, where a test of
 * each night alone has a chance of a false return every night. A return that shows a little
 * each night is recognised when the nights add up. The states are estimated from their
 * pooled nights, so this is a bound to measure against, not a guarantee: a label those
 * nights happen never to have shown, answered twice tonight, makes one night's ratio 10^4 on
 * its own (labels-move2, --late 12 --hold). Hence the cap: a return rests on two nights at
 * least. */
#define DETECT_RETURN_ARL 100.0
int detect_cusum_back(const double *llr, size_t n);

/* detect_rates.c: counts one prompt's answers (NULL: none) into out. With ks, the JSON
 * prompt's keys too: base, ps is the baseline, whose answers go into ks (and its own answers
 * off the others' keys into out); else ps is tonight's, judged against ks when it is a JSON
 * prompt's, each path off counted in off (may be NULL). */
void detect_rates_count(const struct detect_params *p, const struct prompt_samples *ps,
			struct keyset *ks, int base, struct rate_counts *out, struct hmap *off);
/* Tests one prompt's rates: tonight's counts against the reference's, each signal's margin
 * margin[k] (NULL: 0). Fills out[0..RS_N) with the tests that can come out significant (a hit
 * and a miss somewhere) and returns their number; 0 when either side has no answer. */
size_t detect_rates_prompt(const struct rate_counts *ref, const double *margin,
			   const struct rate_counts *night, struct rate_test *out);
/* The plain words of a rate's move ("refusals 0% -> 12%", "JSON now wrapped in ``` fences in
 * 10% of answers"). */
void detect_rates_words(int signal, double before, double now, char *buf, size_t len);
/* Judges every prompt's rates (and each signal over prompts) against the reference: the
 * baseline (in the baseline's epoch) and the epoch's window of nights. A test's q: for a
 * signal no prompt's reference ever varied on, its tests' exact min-p adjustment (stats_minp)
 * times the number of such signals; for the others, Benjamini-Hochberg over them. A rate
 * changed when its q <= alpha (rate_alpha once the reference has min_history nights) and it
 * moved beyond its margin (suspected: q <= fdr). Sets
 * d->rate_change (or leaves it), d->rate_suspected, d->rate_named (new: the changed tests),
 * d->prompt_rates (new) and the refusal/json/fenced entries of d->rates, and novel_by_prompt
 * when novel answers were judged over the prompts tonight (beside the pooled novel rate's own
 * rule, detect.c). A young epoch's rates are also tested against the state it came from (see
 * detect_rates.c, parent_tests). */
void detect_rates_judge(const struct detect_run *ev, struct decision *d);
/* 1 when tonight's rates, tested as detect_rates_judge tests them but against `epoch`'s
 * reference (its window of nights, and the baseline in the baseline's epoch), moved at the
 * suspicion level (q <= fdr beyond the margin): tonight is not that epoch's state (a state
 * must show a rate to explain it; one or two nights of it rarely reach alpha). */
int detect_rates_off(const struct detect_run *ev, const char *epoch);
/* 1 when every rate test that changed tonight (d->rate_named) moved since the suspected night
 * (the history's last line): none of them the suspicion named, and each one's rate that
 * night, over its prompts, nearer the state before's (the current epoch's reference) than
 * tonight's. A noisy night suspected, then a change the next night, is a change of that next
 * night, not the suspected one confirmed. 0 when no rate test changed. */
int detect_rates_since_suspect(const struct detect_run *ev, const struct decision *d);
/* The night that opened the current epoch: the first night of its latest run of nights in
 * the history (for an epoch a suspicion opened, that night: its `from`,
 * `suspected_prompts`, `suspected_rates`); when a retraction or a return began that run,
 * the suspicion that opened the epoch in an earlier one, if the next night confirmed it and
 * the endpoint is in no unstable episode; NULL when the history has none. */
const json_t *detect_epoch_first(const struct detect_run *ev);
/* Whether the rates an epoch's suspicion named (`named`: its suspected_rates) moved back
 * tonight towards the state `prev` it came from: every one nearer prev's rate than the
 * epoch's, and, in an epoch younger than min_history nights, one at least away from the
 * epoch's beyond its sampling noise (Fisher, at fdr); in an older one, the log-likelihood
 * ratios of the two states' rates added up over the nights since the endpoint entered it
 * (detect_cusum_back): a state that holds many nights has many nights on which a rate of
 * 10% may show none by chance. match_older then judges tonight against prev's state. Each
 * signal is judged once, on its named prompts' counts pooled: ten answers of one prompt
 * cannot show a rate of 10% falling back to 0%, the same fall over twenty prompts can. 0 when
 * nothing is named. */
int detect_rates_back(const struct detect_run *ev, const json_t *named, const char *prev);
/* 1 when `epoch` explains tonight's moved rates: for every rate test suspected against the
 * current epoch (q <= fdr beyond the margin; checks aside), that epoch's reference rate of the
 * prompt (or of every prompt, for a test over prompts) is nearer tonight's than the current
 * epoch's is. A state that never fenced or refused explains no fences or refusals, however
 * few nights it has (too few for detect_rates_off to see it off). */
int detect_rates_explained(const struct detect_run *ev, const char *epoch);
/* The night after a suspicion raised by rate tests (its history line's suspected_rates: the
 * signal, the prompt or "*" for every prompt, the direction): each named rate is a hypothesis
 * fixed before tonight's answers, tested alone against the current epoch's reference by the
 * one-sided exact test in its direction (mid-p; over the prompts for "*"), at fdr / k for k
 * named. Marks those still moved beyond their margin changed in d->rates (words) and returns
 * how many are. */
int detect_rates_confirm(const struct detect_run *ev, struct decision *d);
/* Releases what detect_add_checks keeps in a slot. */
void detect_rates_slot_release(struct slot *w);
/* Tonight's per-prompt counts for the history record ({id: {"n", signal: hits}}; new). */
json_t *detect_rates_record(const struct detect_run *ev);

/* detect_text.c: the plain-words statement of what the suite can detect (appended to sb), and
 * the one-line summary of the verdict v (into buf). */
void detect_plan_text(const struct detect_run *ev, const struct decision *d, size_t samples,
		      struct sbuf *sb);
/* Prompt i's evidence of signal ("novel", "mix") that alarms alone; NULL: none (detect.c). */
const struct evidence *detect_alone_evidence(const struct detect_run *ev, size_t i,
					     const char *signal);
void detect_summary_text(const struct detect_run *ev, const struct decision *d,
			 enum detect_verdict v, char *buf, size_t len);

#endif
