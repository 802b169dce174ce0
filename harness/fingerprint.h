/* fingerprint.h: the behaviour fingerprint of one night (hard signals plus compact sketches of
 * the answer distributions) and the epochs it is grouped into.
 *
 * Hard signals are facts the vendor reports, compared without statistics: returned model
 * names, system fingerprints, each prompt's prompt-token count (same input, so a change means
 * a new tokenizer or a hidden system prompt), version headers, logprob availability.
 * An epoch is a behaviour: "e1" holds the first baseline; a confirmed change opens "e2" (the
 * ID) on that night (the date); a night that matches an older epoch again is a return to it.
 * Every night record of the history names its epoch; the registry beside it (history.h) keeps
 * the epochs across new baselines.
 * All json_t results are new references (the caller owns them); arguments are borrowed. */
#ifndef PL_FINGERPRINT_H
#define PL_FINGERPRINT_H

#include "sampleset.h"

#include <jansson.h>

/* Hard signals as {"models": [sorted distinct], "fingerprints": [...], "headers": ["name=value"
 * of version headers, sorted], "prompt_tokens": {prompt: most common count}, "logprobs": bool}.
 * Version headers: names containing "version", "model", "fingerprint" or "build", except
 * rate-limit, request-id and date headers, which change on every request. */
json_t *fingerprint_hard(const struct sampleset *s);

/* Compares tonight's hard signals with what is known of an epoch: `known` is an array of hard
 * objects (the baseline's and/or earlier nights'); a model name, fingerprint or header value
 * never seen in any of them is a change, as is a prompt-token count or logprob availability
 * different from the last known one. Appends {"signal", "was", "now"} objects to `changes`
 * (may be NULL) and returns the number of changed signals. */
int fingerprint_hard_diff(const json_t *known, const json_t *now, json_t *changes);

/* Sketch of the answers: {prompt: {"mode": 16 hex digits of the most common answer's hash,
 * "share": its share, "len": mean length in code points}}. Answers are compared as given:
 * a caller that compares normal forms (fingerprint_normalize) hands those in. */
json_t *fingerprint_sketch(const struct sampleset *s);
/* Share of the prompts present in both sketches whose most common answers agree (0..1);
 * 1 when no prompt is shared. */
double fingerprint_sketch_agreement(const json_t *a, const json_t *b);

/* Whether two sketches show the same behaviour, for an epoch whose nights were measured
 * against another baseline (their distances cannot be compared with tonight's): the prompts
 * both answer mostly one way (share above one half on both sides) must exist and at least
 * 80% of them give the same most common answer, and the mean answer length over the shared
 * prompts may differ by at most 25%. */
int fingerprint_sketch_same(const json_t *was, const json_t *now);

/* The same hard signals and sketch built one prompt at a time, so a night's answers need not
 * be held together: new (sketch: also keep the sketch), add each prompt once (in any order:
 * the JSON is the same up to the order of object keys; nothing of ps is kept), then make the
 * JSON as often as wanted (new references, equal to fingerprint_hard / fingerprint_sketch of
 * a sampleset holding the prompts added). fingerprint_acc_sketch gives {} without sketch.
 * The per-prompt maps ("prompt_tokens", the sketch) are shared with the accumulator, not
 * copied (one entry per prompt, at the night's memory peak): read them, change nothing, and
 * add no prompt after making the JSON.
 * Memory: the distinct model, fingerprint and header values, and O(1) per prompt. */
struct fingerprint_acc;
struct fingerprint_acc *fingerprint_acc_new(int sketch);
void fingerprint_acc_add(struct fingerprint_acc *a, const struct prompt_samples *ps);
json_t *fingerprint_acc_hard(const struct fingerprint_acc *a);
json_t *fingerprint_acc_sketch(const struct fingerprint_acc *a);
void fingerprint_acc_free(struct fingerprint_acc *a); /* NULL-safe */

struct epoch_info {
	char id[32];	/* "e1", "e2", ... */
	char since[64]; /* the night that opened it */
	size_t last;	/* index in the history of its latest night */
	size_t nights;
};
/* Lists the epochs named by the history records, in order of first appearance (*out is a
 * new array of *n; free() it). Records without an epoch count as "e1". */
void fingerprint_epochs(const json_t *records, struct epoch_info **out, size_t *n);
/* The ID of a new epoch: one above the highest "e<N>" among eps (e1 always counts as taken,
 * it is the baseline's). */
void fingerprint_epoch_next(const struct epoch_info *eps, size_t n, char *buf, size_t len);

/* Trims surrounding white space. Returns the start and sets *len. */
const char *fingerprint_trim(const char *s, size_t *len);
/* 64-bit FNV-1a of the answer's bytes, as given, from offset basis 1469598103934665603 (not
 * the standard one): baselines store these values, so they never change. */
uint64_t fingerprint_answer_hash(const char *s);

/* The normal form answers are compared in (a suite's detection setting "normalize"). By
 * default none: for one-token answers " It" and "It" are different tokens, so what the vendor
 * returned is compared byte for byte. FP_NORM_TRIM drops surrounding white space;
 * FP_NORM_SPACE also turns each run of white space inside into one space; FP_NORM_LOWER
 * also lower-cases ASCII letters. */
enum fp_norm { FP_NORM_NONE = 0, FP_NORM_TRIM, FP_NORM_SPACE, FP_NORM_LOWER };
/* The setting's values, indexed by enum fp_norm, NULL-terminated. */
extern const char *const fingerprint_norm_names[];
/* The normal form of s (a new string: free() it). */
char *fingerprint_normalize(const char *s, enum fp_norm m);

#endif
