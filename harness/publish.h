/* publish.h: what happens to a run's reports after they are written: each report is signed and
 * entered in the vendor register, alerts go to the product channel, and the Prometheus
 * textfile is rewritten. Everything that can be wrong with these settings (signing keys,
 * alert channels, logging) is checked by publish_open, before a single request is sent.
 *
 * Order per run: publish_open ... publish_report for every report (sign + register) ...
 * publish_alerts (only after every report and register entry is on disk, so a failing alert
 * channel never loses evidence) ... publish_metrics ... publish_close. */
#ifndef PL_PUBLISH_H
#define PL_PUBLISH_H

#include "config.h"
#include "detect.h"
#include "report.h"

#include <time.h>

struct publish;

/* What one (vendor, suite) of the run produced; every pointer borrowed. */
struct publish_item {
	const struct vendor *vendor;
	const char *suite;
	const char *report_path;
	const char *report_sha256;
	enum report_verdict verdict;
	const struct detect_outcome *detect; /* may be NULL */
	const char *summary;
	const char *incomplete_reason; /* may be NULL */
	/* planned items; sent: those sent (answered or failed); faults: sent ones that failed;
	 * not_sent: given up without being sent (the vendor stopped or was declared down) */
	size_t planned, sent, answers, faults, not_sent, retries;
	size_t vendor_faults; /* faults held against the vendor (report counts.vendor_faults) */
	/* checks counted as evaluate.h defines them: (prompt, check) pairs */
	size_t checks_total, checks_failed, prompts_failed;
	const json_t *what_changed; /* the report's "what_changed"; borrowed; may be NULL */
	/* tonight's failed checks (evaluate_failed_checks); borrowed; may be NULL */
	const json_t *failed_checks;
	double latency_p50_ms, latency_p90_ms, latency_p95_ms, latency_p99_ms, latency_sum_ms;
	size_t latency_count;
	const char *const *signals; /* what moved, for alerts */
	size_t n_signals;
	long long register_seq;	    /* filled by publish_report: -1 when not registered */
	const char *journal_sha256; /* the answers the report judged; may be NULL */
	int forced;		    /* --force ran the night again */
	/* --force: the run it replaces had its change suspected (publish_report fills it):
	 * the channel that was told the suspicion hears it withdrawn, unless this run suspects
	 * or confirms a change again */
	int replaced_suspicion;
};

/* Validates the config's signing, alerts and logging sections and opens the register (verified
 * now; locked again at each append) when a secret key is configured or present. Returns a new
 * publisher or NULL with err set. */
struct publish *publish_open(const struct config *cfg, struct pl_err *err);
/* Validates the signing, alerts and logging sections only (for `plumbline check`): opens no
 * file, reads no secret. */
int publish_validate(const struct config *cfg, struct pl_err *err);
/* 1 when reports are signed and registered. */
int publish_signing(const struct publish *p);
/* Whether the report at report_path (night date, vendor, suite) was published: it exists and,
 * when reports are signed, a run entry of the register for that night, vendor and suite holds
 * its hash (then *seq is that entry's number, else -1). A report written but never registered
 * (the run stopped between the two) is not published. Returns 1, 0, or -1 with err set (the
 * register could not be read). */
int publish_is_registered(const struct publish *p, const char *date, const char *vendor,
			  const char *suite, const char *report_path, long long *seq,
			  struct pl_err *err);
/* Signs the report and appends its run entry; fills item->register_seq. */
int publish_report(struct publish *p, const char *date, struct publish_item *item,
		   struct pl_err *err);
/* Sends the alerts the items deserve. Failures are logged and returned (PL_E_VENDOR) but the
 * caller's exit code stays what the run decided. */
int publish_alerts(struct publish *p, const struct publish_item *items, size_t n,
		   struct pl_err *err);
/* Rewrites the metrics file, when one is configured. */
int publish_metrics(struct publish *p, const struct publish_item *items, size_t n, time_t started,
		    int exit_code, struct pl_err *err);
void publish_close(struct publish *p); /* NULL-safe */

#endif
