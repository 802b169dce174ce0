/* whatchanged.h: the answer to "what changed?" for a changed night, as data: per moved prompt,
 * worst first, at most WHATCHANGED_MAX of them, the prompt (id and the start of its text), a
 * typical baseline answer and a typical answer tonight, what moved in plain words ("answers
 * are 2.31x longer", "refusals 0% -> 12%", "JSON now wrapped in ``` fences", "model id A -> B",
 * "system fingerprint A -> B")
 * and the figures behind it (distance, p-value).
 *
 * Built once, in the judge layer, from the raw samples of both sides (lengths, refusal flags,
 * fence and JSON rates, returned model ids, typical answers) plus the detection section (its
 * per-prompt distances, p- and q-values and "moved" flags, read tolerantly: a section without
 * them still gives the block from the samples alone). The report carries the result as
 * "what_changed"; renderings and alerts read that array and never recompute it.
 *
 * Element of the array (reals rounded to 4 decimals; absent figures are left out):
 *   prompt, prompt_text, prompt_text_truncated,
 *   baseline / tonight: {answer, answer_bytes, answer_chars, answer_truncated,
 *                        answer_refused, answer_tail, example, samples, mean_chars,
 *                        refusal_rate, fenced_rate, json_rate, model, fingerprint},
 *   example_signal (the moved signal the two example answers show: "refusals", "fences",
 *   "json", "length"; absent: they are the typical answers),
 *   moved: [{signal, words, baseline, tonight}], words (the moved words joined by "; "),
 *   distance, p, q, flagged (the detector's decision moved the prompt; false: its figures
 *   moved within its usual variation, nearest the alarm), moved_prompts (how many prompts
 *   of the night are flagged, listed or not: the same in every entry).
 * Each side's example answer shows the first moved signal the answers can show: for a rate
 * that rose, a refusal (fenced answer, valid JSON) tonight and one without at baseline, the
 * other way round for one that fell ("example": "refusal", "not_refusal", "fenced",
 * "not_fenced", "json", "not_json"); for a length move the answer nearest each side's mean
 * length ("length") with its end in answer_tail (the last WHATCHANGED_TAIL bytes: longer
 * answers usually differ at their ends); else the typical answer ("typical", below).
 * Answers and prompt texts are vendor or suite text: raw (cut on a UTF-8 boundary), to be
 * escaped by whoever renders them. */
#ifndef PL_WHATCHANGED_H
#define PL_WHATCHANGED_H

#include "sampleset.h"
#include "suite.h"

#include <jansson.h>

#define WHATCHANGED_MAX	   5   /* prompts listed */
#define WHATCHANGED_QUOTE  600 /* bytes kept of a typical answer */
#define WHATCHANGED_PROMPT 200 /* bytes kept of a prompt's text */
#define WHATCHANGED_TAIL   200 /* bytes kept of the end of an answer (length moves) */

/* The accumulator: fed one prompt at a time (the nightly run never holds a night's answers),
 * keeping per prompt a few figures and the two typical answers cut to WHATCHANGED_QUOTE. */
struct whatchanged;

/* refusals: the classifier detection counts refusals with (detect_params_refusal; borrowed,
 * must outlive w; NULL: the API's refusal and block flags only), so "refusals 0% -> 30%" here
 * is the rate the detector judged. */
struct refusal;
struct whatchanged *whatchanged_new(const struct refusal *refusals);
/* Adds one prompt: pr gives the id and text (MUST); base and night may be NULL or empty.
 * Nothing of base or night is kept past the call. */
void whatchanged_add(struct whatchanged *w, const struct prompt *pr,
		     const struct prompt_samples *base, const struct prompt_samples *night);
/* The block (a new JSON array, possibly empty): the prompts the detector moved ("flagged":
 * by their distance, a changed rate or check pass rate of theirs, a changed pooled rate or a
 * changed model id / fingerprint their own answers show) and, after them, the prompts whose
 * samples show a clear move in the figures above within their usual variation (nearest the
 * alarm, not moved); worst first (flagged first, then larger distance, smaller p, then id),
 * at most WHATCHANGED_MAX. detection (borrowed) may be NULL (nothing is flagged). unlisted
 * (may be NULL) gets a new array of the ids of the moved prompts beyond WHATCHANGED_MAX,
 * worst first (the report's "what_changed_unlisted"). */
json_t *whatchanged_finish(const struct whatchanged *w, const json_t *detection, json_t **unlisted);
void whatchanged_free(struct whatchanged *w); /* NULL-safe */

/* The same over whole samplesets (suite order). baseline may be NULL. */
json_t *whatchanged_build(const struct suite *suite, const struct sampleset *baseline,
			  const struct sampleset *night, const json_t *detection,
			  const struct refusal *refusals);

/* The typical answer of a prompt's samples: the most frequent text when one occurs at least
 * twice, else the medoid (least total token-Jaccard distance to the others; ties: the lowest
 * sample). Returns an index into ps->samples, or -1 when there is none. */
long whatchanged_typical(const struct prompt_samples *ps);

#endif
