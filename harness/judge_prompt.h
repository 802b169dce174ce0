/* judge_prompt.h: the prompts plumbline sends to an LLM judge (versioned templates) and the
 * parser of the judge's verdicts. Pure: the judge client (judge_client.c) sends them.
 *
 * A judge prompt is one user message. Its first line is the template's version
 * ("plumbline-rubric/1"), which the simulator's judge recognises; then the instructions, then
 * the graded texts, each between a BEGIN and an END line carrying a tag derived from the
 * text's own SHA-256, so an answer cannot close its block early and every instruction inside
 * it is data. The judge answers with one JSON object {"pass": bool, "reason": string}.
 *
 * A template's text never changes under the same version: a new wording is a new version, so
 * cached verdicts (keyed by the prompt's hash) and stored reports stay comparable. */
#ifndef PL_JUDGE_PROMPT_H
#define PL_JUDGE_PROMPT_H

#include "err.h"

#include <stddef.h>

enum judge_kind {
	JUDGE_RUBRIC,	    /* does the answer satisfy the rubric? */
	JUDGE_SAME_MEANING, /* does the answer mean the same as the reference answer? */
};

/* The versions, the first line of every prompt of the template. */
#define JUDGE_RUBRIC_VERSION	   "plumbline-rubric/1"
#define JUDGE_SAME_MEANING_VERSION "plumbline-same-meaning/1"

/* Longest reason kept from a verdict (bytes, cut on a UTF-8 boundary). */
#define JUDGE_REASON_MAX 300

const char *judge_template_version(enum judge_kind k); /* static string */
/* SHA-256 (hex) of the template's fixed text (its version line and instructions). */
void judge_template_sha256(enum judge_kind k, char out[65]);

/* The judge prompt for answer (len bytes) against criterion: the rubric (JUDGE_RUBRIC) or the
 * reference answer (JUDGE_SAME_MEANING). Returns a new string. */
char *judge_prompt_build(enum judge_kind k, const char *criterion, const char *answer,
			 size_t answer_len);
/* The prompt's hash without the graded answer: SHA-256 (hex) of judge_prompt_build with an
 * empty answer. With the judge model and the answer's SHA-256 it keys the verdict cache. */
void judge_prompt_sha256(enum judge_kind k, const char *criterion, char out[65]);

/* Parses a judge's reply: exactly one JSON object {"pass": true|false, "reason": "..."}
 * (nothing else, no other key), optionally inside one ```/```json fence. Anything else
 * (prose around it, a missing or mistyped field, two objects) is an error: a verdict that
 * cannot be read is never a pass. Returns 0 with *pass and *reason (a new string, control
 * characters replaced by spaces, at most JUDGE_REASON_MAX bytes), or -1 with err set
 * (PL_E_VENDOR, "unreadable verdict: ..."). */
int judge_verdict_parse(const char *text, size_t len, int *pass, char **reason, struct pl_err *err);

/* Cuts an incomplete UTF-8 sequence off the end of s, as a snprintf into a fixed buffer may
 * leave one (report strings must be valid UTF-8). */
void judge_utf8_cut(char *s);

/* The baseline answer same_meaning compares with: the most common of base[0..n) (exact text,
 * surrounding white space ignored), the earliest on a tie. Returns its index; n must be > 0. */
size_t judge_reference(const char *const *base, size_t n);

#endif
