/* sim_judge.h: the simulator's deterministic LLM judge. A chat request whose user message is a
 * plumbline judge prompt (judge_prompt.h: it starts with "plumbline-rubric/" or
 * "plumbline-same-meaning/") is answered with the strict verdict {"pass": bool, "reason": str}
 * instead of a sampled answer, on every wire format, whatever the drifts:
 *  - rubric: the rubric's key words are its capitalised words after the first (names: "Paris",
 *    "France"), else its words of five letters or more; the answer passes when it holds at
 *    least one of them as a whole word, case-insensitively;
 *  - same_meaning: the answer passes when at least half of the shorter text's distinct words
 *    (lower case, letters and digits) are in the other (the overlap coefficient >= 0.5).
 * The simulator reads the prompt as a model would (its own reading of the delimiters): a prompt
 * it cannot read is answered with prose, which the judge client must treat as a fault. */
#ifndef PL_SIM_JUDGE_H
#define PL_SIM_JUDGE_H

#include "sbuf.h"

/* 1 when user is a judge prompt: the verdict (or, for a prompt it cannot read, a sentence of
 * prose) is appended to out; 0 otherwise (out untouched). user may be NULL. */
int sim_judge_answer(const char *user, struct sbuf *out);

#endif
