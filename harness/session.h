/* session.h: the steps every sending command shares (run, baseline record, compare, demo):
 * load the config and suites, read the keys, build the plan, send it through the runner into
 * a journal, and group the journal's answers into samplesets. Commands print; a session does
 * not (progress goes through the runner's callback). */
#ifndef PL_SESSION_H
#define PL_SESSION_H

#include "collect.h"
#include "config.h"
#include "plan.h"
#include "runner.h"
#include "sampleset.h"
#include "suite.h"

struct session {
	struct config *cfg;
	struct suite **suites;
	size_t n_suites;
	struct plan plan;
	char *journal_path;
	struct runner_stats stats;
	struct sampleset **sets; /* one per (vendor, suite) that got any record */
	size_t n_sets;
};

struct session_opts {
	int resume;		/* continue the journal of the same plan */
	const char *record_dir; /* may be NULL */
	const char *replay_dir; /* answer from recordings instead of the network; may be NULL */
	int progress;		/* print a progress line on stderr when it is a terminal */
	long max_requests, max_tokens;
	double max_cost;
	/* When set, answers are handed over prompt by prompt while the run goes (collect.h; a
	 * resumed journal's records first), collect_finish is called at the end, and no
	 * samplesets are built: nothing holds every answer. */
	struct collect *collect;
	/* When set (with collect), nothing is sent: the answers of this journal, left by a run
	 * that was killed, are handed over as they are, so the night can be reported (as
	 * incomplete) and the journal archived by session_finish. */
	const char *close_journal;
};

void session_init(struct session *s);
/* Loads the config and the suites (exit 2 class errors). */
int session_load(struct session *s, const char *config_path, char *const *suites, size_t n_suites,
		 struct pl_err *err);
/* Builds the plan for the given vendors and reads their keys. */
int session_plan(struct session *s, const char *const *vendor_ids, size_t n_vendor_ids,
		 enum plan_mode mode, struct pl_err *err);
/* Builds the plan only, reading no key: for what sends nothing (`run --dry-run`). */
int session_plan_keyless(struct session *s, const char *const *vendor_ids, size_t n_vendor_ids,
			 enum plan_mode mode, struct pl_err *err);
/* Sends the plan (journal under the state dir, named by the plan hash) and groups answers.
 * A cost budget (o->max_cost, else the config's) with a vendor without prices is refused
 * first (plan_check_max_cost: PL_E_USAGE); nothing is sent. */
int session_execute(struct session *s, const struct session_opts *o, struct pl_err *err);
/* The sampleset of (vendor, suite), or NULL when nothing was recorded for it. */
struct sampleset *session_set(const struct session *s, const char *vendor, const char *suite);
/* Planned requests for (vendor, suite). */
size_t session_planned(const struct session *s, const char *vendor, const char *suite);
/* Below this share of its planned requests answered, a vendor/suite is incomplete: a night is
 * not judged (run) and two models are not compared (compare). */
#define SESSION_MIN_ANSWERED 0.8
/* Whether (vendor, suite) has at least SESSION_MIN_ANSWERED of its planned requests answered;
 * *answered and *planned get the counts (either may be NULL). */
int session_answered_enough(const struct session *s, const char *vendor, const char *suite,
			    size_t *answered, size_t *planned);
/* The runner's statistics for a vendor, or NULL. */
const struct runner_vendor_stats *session_vendor_stats(const struct session *s, const char *vendor);
/* Marks the journal finished: moves it to <state>/journal/done/. */
int session_finish(struct session *s, struct pl_err *err);
void session_release(struct session *s);

/* Gives each prompt of set (a baseline about to be written) the request hash of the suite's
 * prompt of the same id (suite_request_hash), so a later run tells an edited prompt from a
 * vendor change. Prompts the suite lacks keep theirs. */
void session_stamp_requests(struct sampleset *set, const struct suite *su);

/* "<state>/history/<vendor>/<model>/<suite>.jsonl": the detection history of an endpoint. */
const char *session_history_path(const struct config *cfg, const struct vendor *v,
				 const char *suite, char *buf, size_t len);

/* A new baseline starts the endpoint's detection history again: distances measured against
 * the old baseline say nothing about the new one. Moves the history aside to
 * "<history>.before-<now>" (kept for audits) and writes that name into moved_to. The epoch
 * registry stays (history.h: IDs are kept across baselines); it records `epoch`, the epoch
 * the new baseline shows (accept: the accepted report's), or, when NULL (a recorded
 * baseline), that it is not known yet (the first night finds it). Returns 1 when a history
 * was moved, 0 when there was none, -1 with err set (PL_E_IO, PL_E_INPUT for a registry
 * that cannot be read). */
int session_restart_history(const struct config *cfg, const struct vendor *v, const char *suite,
			    const char *epoch, char *moved_to, size_t len, struct pl_err *err);

/* UTC date "YYYY-MM-DD" and timestamp "YYYY-MM-DDTHH:MM:SSZ" of now. */
void session_today(char *buf, size_t len);
void session_now(char *buf, size_t len);
/* 1 when s is a real calendar date "YYYY-MM-DD" (years 1970-9999), else 0: a night's date
 * names files and register entries, so nothing else may pass. */
int session_valid_date(const char *s);

#endif
