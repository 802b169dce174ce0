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

#include <jansson.h>

#define REPORT_FORMAT "plumbline-report/1"

enum report_verdict {
	REPORT_PASS = 0,      /* no change, every check passed */
	REPORT_CHANGED,	      /* detection says the vendor changed */
	REPORT_CHECKS_FAILED, /* no change detected, but checks failed */
	REPORT_INCOMPLETE,    /* too few answers to judge (faults, budget, vendor down) */
	REPORT_UNSTABLE,      /* the endpoint varies too much to judge */
};

struct report_input {
	const char *run_id;
	const char *date; /* the night, YYYY-MM-DD */
	const char *mode; /* "nightly" */
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
/* Writes the report atomically and returns its SHA-256 (hex) in sha256_hex (65 bytes). */
int report_write(const char *path, const json_t *report, char *sha256_hex, struct pl_err *err);
const char *report_verdict_name(enum report_verdict v);

#endif
