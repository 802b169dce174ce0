/* report.h: the per-run, per-vendor, per-suite report: reports/<date>/<vendor>-<suite>.json.
 *
 * A report says, per prompt, each check with its score and verdict, the samples that failed,
 * the vendor metadata that changed, the faults, and the detection decision. It is serialised
 * deterministically (sorted keys, integers and fixed decimals only), so the same run data give
 * byte-identical reports and a signature over its exact bytes means something. The signature,
 * the register entry and the renderings are separate files that refer to the report by its
 * SHA-256. */
#ifndef PL_REPORT_H
#define PL_REPORT_H

#include "config.h"
#include "detect.h"
#include "evaluate.h"
#include "sampleset.h"
#include "suite.h"
#include "whatchanged.h"

#include <jansson.h>

#define REPORT_FORMAT "plumbline-report/1"
/* Failing samples quoted per check. */
#define REPORT_MAX_EXAMPLES 3

enum report_verdict {
	REPORT_PASS = 0,      /* no change, every check passed */
	REPORT_CHANGED,	      /* detection says the vendor changed */
	REPORT_CHECKS_FAILED, /* no change detected, but checks failed */
	REPORT_INCOMPLETE,    /* too few answers to judge (faults, budget, vendor down) */
	REPORT_UNSTABLE,      /* the endpoint varies too much to judge */
};

struct report_input {
	const char *run_id;
	const char *journal_sha256; /* the journal holding the answers judged; may be NULL */
	const char *date;	    /* the night, YYYY-MM-DD */
	const char *mode;	    /* "nightly" */
	const struct vendor *vendor;
	const struct suite *suite;
	const struct sampleset *baseline; /* may be NULL */
	const char *baseline_path;
	const struct sampleset *night;
	size_t planned;		       /* requests planned for this vendor/suite */
	const char *incomplete_reason; /* non-NULL: the run could not complete (budget, ...) */
	const struct detect_outcome *detect; /* may be NULL (no baseline) */
	json_t *detect_section;		     /* borrowed; may be NULL */
	double min_answered;		     /* below this share of answers: incomplete */
	/* The vendor's outage during the run, or NULL: "outage" object of the report (borrowed,
	 * see README "Vendor outages") and its one-line description, added to the summary line
	 * unless it is the incomplete_reason already. */
	const json_t *outage;
	const char *outage_summary;
	/* Added to the summary line ("; NOTE"), e.g. the prompts not judged against the baseline
	 * (the run's "suite edited: ..."); may be NULL. */
	const char *note;
	/* "What changed?" (whatchanged.h: whatchanged_build, or whatchanged_finish prompt by
	 * prompt), borrowed; written as the report's "what_changed" on a changed night; may be
	 * NULL (none written). */
	const json_t *what_changed;
	/* The ids of the moved prompts "what_changed" does not list (whatchanged_finish's
	 * unlisted), written as "what_changed_unlisted" beside it; borrowed; may be NULL. */
	const json_t *what_changed_unlisted;
	/* The LLM judge's figures for the judged checks (judge_client.h: judge_tally_json),
	 * written as the report's "judge"; borrowed; NULL when no check was judged. */
	const json_t *judge;
	/* The embeddings client's figures (embed.h: embedder_report), written as the report's
	 * "embeddings"; borrowed; may be NULL (none written). */
	const json_t *embeddings;
	/* The refusal classifier counts.refusals is counted with (detection's,
	 * detect_params_refusal; borrowed); NULL: the API's refusal and block flags only. */
	const struct refusal *refusal;
};

struct report_summary {
	enum report_verdict verdict;
	struct eval_counts counts;
	char line[768]; /* one line for the terminal and alerts */
};

/* Builds the report document (a new reference) and its summary. */
json_t *report_build(const struct report_input *in, struct report_summary *sum);
/* Deterministic bytes of a report (caller frees); ends with a newline. */
char *report_serialize(const json_t *report, size_t *len);
/* "<dir>/<date>/<vendor>-<suite>.json" */
const char *report_path(char *buf, size_t len, const char *dir, const char *date,
			const char *vendor, const char *suite);
/* Two pairs that would write one report file ("acme" with suite "x-demo" and "acme-x" with
 * "demo": acme-x-demo.json) are refused: every vendor of the config with every suite id given
 * (where: the error's location). */
int report_names_check(const struct config *cfg, const char *const *suite_ids, size_t n,
		       const char *where, struct pl_err *err);
/* The report at path (if any) is another pair's, by its vendor and suite ids: an error naming
 * both (a run of the other pair on the same night wrote it). 0 if absent or vendor/suite's. */
int report_owner_check(const char *path, const char *vendor, const char *suite, struct pl_err *err);
/* Writes the report atomically and returns its SHA-256 (hex) in sha256_hex (65 bytes). */
int report_write(const char *path, const json_t *report, char *sha256_hex, struct pl_err *err);
const char *report_verdict_name(enum report_verdict v);

/* The nightly run writes its report prompt by prompt, never holding every entry: each judged
 * prompt's entry goes to a temporary spool file, and finish writes the report atomically with
 * exactly the bytes report_serialize would give for the same data (same order: add the prompts
 * in suite order). Memory: the vendor metadata sets and the counts, not the entries. */
struct report_stream;
/* has_baseline: a baseline is compared with (the report's "baseline" is null otherwise). */
struct report_stream *report_stream_new(int has_baseline, struct pl_err *err);
/* The counts evaluate_prompt adds to (zeroed by new). */
struct eval_counts *report_stream_counts(struct report_stream *rs);
/* Adds the next prompt's entry (from evaluate_prompt; consumed, also on error) and the vendor
 * metadata of its samples (base, night: may be NULL). */
int report_stream_add(struct report_stream *rs, json_t *entry, const struct prompt_samples *base,
		      const struct prompt_samples *night, struct pl_err *err);
/* The metadata of a baseline prompt the suite no longer has (report_build counts every
 * baseline sample). */
void report_stream_add_baseline(struct report_stream *rs, const struct prompt_samples *base);
/* Writes the report to path atomically; in gives everything but the samples (in->baseline,
 * in->night and in->suite's prompts are not read). Fills sha256_hex (65 bytes) and sum;
 * *head (may be NULL) gets the report without its "prompts" (a new reference). */
int report_stream_finish(struct report_stream *rs, const struct report_input *in, const char *path,
			 char *sha256_hex, struct report_summary *sum, json_t **head,
			 struct pl_err *err);
void report_stream_free(struct report_stream *rs); /* NULL-safe */

#endif
