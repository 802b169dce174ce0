/* render.h: renderings people read: a Markdown summary of a run report (pull requests, chat),
 * JUnit XML for CI (valid against Jenkins xunit's junit-10.xsd), and a self-contained HTML
 * stability report over the vendor register (inline SVG charts; no external assets, no
 * scripts). All three are deterministic: the same input gives byte-identical output.
 *
 * The run report is read tolerantly (absent fields are left out). Fields used:
 *   vendor, model, suite, date, verdict, summary, epoch         strings
 *   prompts[]: id, verdict, checks[]: name|type, verdict ("pass" "fail" "skip" "error"),
 *              score (number), detail; failed_samples[]: text, check, detail
 *   metadata_changes[]: field, baseline, now                     (what the vendor reported)
 *   stats: requests, answers, faults, latency_p50_ms, latency_p95_ms, cost
 * json_t arguments are borrowed. Output is appended to a caller-owned sbuf. */
#ifndef PL_RENDER_H
#define PL_RENDER_H

#include "err.h"
#include "sbuf.h"

#include <jansson.h>
#include <time.h>

/* Markdown summary of one run report. Returns 0 or -1 (PL_E_INPUT: not a report object). */
int render_md_report(const json_t *report, struct sbuf *out, struct pl_err *err);

/* JUnit XML: one <testsuite> per report (name vendor/model/suite), one <testcase> per prompt
 * and check; failed checks become <failure>, errors <error>, skips <skipped/>. `names` gives
 * each report's file name for the classname (may be NULL). Returns 0 or -1. */
int render_junit(const json_t *const *reports, const char *const *names, size_t n, struct sbuf *out,
		 struct pl_err *err);

struct render_html_opts {
	const char *title;	 /* NULL: "Vendor stability report" */
	time_t now;		 /* reference time for the 30/90-day windows and the footer */
	const char *report_base; /* prefix for links to reports (e.g. "../"); NULL: "" */
};

/* The HTML stability report over register entries (a register_load array). */
int render_html_register(const json_t *entries, const struct render_html_opts *o, struct sbuf *out,
			 struct pl_err *err);

/* Escapes text for HTML/XML element content and attribute values (& < > " '). Invalid UTF-8
 * and control characters XML 1.0 forbids are replaced with U+FFFD. */
void render_xml_escape(struct sbuf *out, const char *s);

#endif
