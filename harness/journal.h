/* journal.h: the results journal: JSON Lines, one line per finished request, appended (and
 * fdatasync'ed) as answers arrive, so a killed run keeps everything it got.
 *
 * Line 1 is a header: {"journal":1,"run":RUN_ID,"plan":PLAN_HASH,"mode":"nightly",
 * "started":ISO8601} and, for a nightly run, "night":"YYYY-MM-DD" (the --date it stands for;
 * journals written before the night was part of the plan lack it). Every other line is a record:
 * {"vendor":ID,"suite":ID,"prompt":ID,"sample":N,"attempts":N,"answer":{...normalised...}}.
 * A torn last line (crash mid-write) is ignored by readers. Records never hold secrets or
 * request headers. */
#ifndef PL_JOURNAL_H
#define PL_JOURNAL_H

#include "err.h"
#include "probe.h"

#include <jansson.h>

struct journal;

struct journal_rec {
	const char *vendor; /* borrowed */
	const char *suite;
	const char *prompt;
	int sample;
	int attempts;
	const struct probe_answer *answer; /* borrowed */
};

/* Opens path for appending. With resume, an existing journal whose header's plan hash matches
 * is continued (journal_done answers which items it already holds); a different plan is an
 * error. Without resume, an existing file is replaced. Returns NULL with err set. */
struct journal *journal_open(const char *path, const char *run_id, const char *plan_hash,
			     const char *mode, int resume, struct pl_err *err);
/* The same, writing "night" (may be NULL: none) into a new journal's header. */
struct journal *journal_open_night(const char *path, const char *run_id, const char *plan_hash,
				   const char *mode, const char *night, int resume,
				   struct pl_err *err);
int journal_append(struct journal *j, const struct journal_rec *r, struct pl_err *err);
/* Whether a record is final, kept on resume: an answer, or a fault sending again would not
 * mend (content filter, bad request, malformed). Not final, and sent again by a resumed run:
 * retryable faults (rate limits, overloads, 5xx, timeouts, network), an item never sent
 * (attempts 0: its vendor was given up first) and an auth fault (the key may be mended). */
int journal_rec_final(const struct journal_rec *r);
/* 1 if the journal held a final record (journal_rec_final) for the item when it was opened
 * for resuming. Records appended since are not indexed (memory stays flat). */
int journal_done(const struct journal *j, const char *vendor, const char *suite, const char *prompt,
		 int sample);
size_t journal_count(const struct journal *j);
const char *journal_path(const struct journal *j);
void journal_close(struct journal *j); /* NULL-safe */

/* Reading: calls fn for every complete record in file order. The answer passed to fn is
 * borrowed for the call. fn returns 0 to go on, -1 to stop (the error it set is returned). */
typedef int (*journal_fn)(void *ctx, const struct journal_rec *r, struct pl_err *err);
int journal_read(const char *path, journal_fn fn, void *ctx, json_t **header, struct pl_err *err);

/* Normalised answer <-> JSON (shared with baselines and recordings). New / filled objects. */
json_t *journal_answer_to_json(const struct probe_answer *a);
int journal_answer_from_json(const json_t *o, struct probe_answer *a, struct pl_err *err);

#endif
