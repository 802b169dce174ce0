/* render.h: renderings people read: a Markdown summary of a run report (pull requests, chat),
 * JUnit XML for CI (valid against Jenkins xunit's junit-10.xsd), and a self-contained HTML
 * stability report over the vendor register (inline SVG charts; no external assets, no
 * scripts). All three are deterministic: the same input gives byte-identical output.
 *
 * The run report (report.h, "plumbline-report/1") is read tolerantly; absent fields are left
 * out. Fields used (either spelling):
 *   vendor.id | vendor, vendor.model | model, suite.id | suite, run.date | date,
 *   detection.epoch | epoch, verdict, summary
 *   prompts[]: id, checks[]: label|name|id|kind|type, verdict ("pass" "fail" "skip" "error"),
 *              score_mean|score, pass, fail, detail,
 *              failed_samples[]: sample, text, detail, refused   (also prompt-level, with
 *              "check")
 *   metadata_changes[]: field, baseline, tonight|now
 *   counts|stats: planned|requests, answers, faults, refusals, latency_p50_ms, cost
 * json_t arguments are borrowed. Output is appended to a caller-owned sbuf. */
#ifndef PL_RENDER_H
#define PL_RENDER_H

#include "err.h"
#include "sbuf.h"

struct reg_summary;

#include <jansson.h>
#include <time.h>

/* The report's vendor id, model, suite id, date, epoch, whichever spelling it uses; NULL when
 * absent. what: "vendor" "model" "suite" "date" "epoch". */
const char *render_report_field(const json_t *report, const char *what);
/* A check's display name (label, name, id, kind or type). */
const char *render_check_name(const json_t *check);
/* An answer as every rendering quotes it: its text; for an empty one "(refused, no text)" when
 * refused (the API flagged it refused or blocked) else "(empty answer)"; for NULL "(no
 * answer)". Returns text or a static string. */
const char *render_answer_text(const char *text, int refused);

/* Calls fn(prompt, check, ctx) for every check of report (a run report with its "prompts")
 * that did not pass, verdict "fail" or "error", in the report's order (prompt by prompt),
 * until fn returns non-zero; fn may be NULL (count only). Returns how many such checks the
 * report has, past a stop too. The Markdown report's table and `plumbline run`'s console
 * list are made from it. prompt and check are borrowed. */
size_t render_failed_checks(const json_t *report,
			    int (*fn)(const json_t *prompt, const json_t *check, void *ctx),
			    void *ctx);

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
	/* Where the page goes and where relative report paths start, both absolute: links are
	 * then made relative to out_dir, so they work wherever the page is written (out_dir
	 * NULL: report_base + the entry's report path). */
	const char *out_dir, *cwd;
	/* What each change was, in plain words: {"SEQ": "answers got longer"} from the changed
	 * night's report (render_whatchanged_gist); borrowed; may be NULL (the entry's summary
	 * is used). */
	const json_t *change_words;
	/* What was verified (above); NULL: the page says it was NOT verified, on every page. */
	const struct render_register_proof *proof;
};

/* What the report files a register names were found to be (render_register_proof.reports). */
enum render_reports {
	RENDER_REPORTS_NOT_CHECKED = 0, /* --entries-only: said so, not a failure */
	RENDER_REPORTS_INTACT,		/* every one there with its entry's SHA-256 */
	RENDER_REPORTS_DAMAGED,		/* some missing or altered: report_problems names them */
	RENDER_REPORTS_NO_FOLDER,	/* the reports folder does not exist: none checked */
};

/* What was verified before a register is rendered (`register show`, `register report`): the
 * renderers state it at the top, or, when the register was not verified, say so in a banner
 * on every page. Strings are borrowed. */
struct render_register_proof {
	int verified;		/* 1: register_verify passed over exactly the entries rendered */
	const char *why;	/* not verified: the verification error (may be NULL) */
	const char *path;	/* the register file */
	size_t entries;		/* entries verified */
	const char *key_id;	/* the public key's id (hex); may be NULL */
	size_t checkpoint_size; /* the signed checkpoint's tree size */
	const char *root_hex;	/* and its root */
	const char *checkpoint_date;
	size_t saved_size; /* saved_checked: a saved checkpoint (--checkpoint) the register */
	int saved_checked; /* was proved to extend, and its size */
	/* The report files the run entries name, checked as `register verify` does
	 * (register_check_reports): */
	enum render_reports reports;
	const char *reports_dir;       /* the folder checked */
	size_t reports_ok;	       /* files there with their entry's SHA-256 */
	size_t reports_failed;	       /* files missing or altered */
	const char *reports_why;       /* RENDER_REPORTS_NO_FOLDER: why none was checked */
	const json_t *report_problems; /* {"SEQ": {"problem", "label", "file", "why"}} as
					  register_check_reports fills it; may be NULL */
	size_t unchecked; /* entries before the handover to the trusted key (a later key than
			     the register's first): their signatures were not checked */
	const char *unchecked_key; /* the key that signed them; may be NULL */
	size_t unchecked_from;	   /* ... from this entry on (earlier rotations: those before
				      it by the keys they retired); 0 when none */
};

/* entry's report problem in p->report_problems (borrowed: "label" says it in a few words,
 * "file" names the file), or NULL when its report is intact or was not checked. p may be
 * NULL. */
const json_t *render_report_problem(const struct render_register_proof *p, const json_t *entry);
/* Appends the warning that report files are missing or altered, or could not be checked (the
 * folder is missing), as "*** " lines: with brief 0, every affected entry (#SEQ, night,
 * vendor/model suite, the label, the file); with brief 1, one closing line. Nothing when the
 * reports are intact or were not checked (--entries-only). */
void render_register_reports_text(const struct render_register_proof *p, const json_t *entries,
				  int brief, struct sbuf *out);

/* Appends what proof says was verified, as text lines (entries, the nights they cover, the
 * key id, the checkpoint's size and root), or the NOT VERIFIED banner; entries (a register_load
 * array) give the first and last night. proof NULL is "not verified". */
/* The first and last night of entries (a register_load array): "" when there is none. */
void render_register_period(const json_t *entries, char first[11], char last[11]);
void render_register_proof_text(const struct render_register_proof *proof, const json_t *entries,
				struct sbuf *out);

/* The HTML stability report over register entries (a register_load array). */
int render_html_register(const json_t *entries, const struct render_html_opts *o, struct sbuf *out,
			 struct pl_err *err);

/* Appends the `register show` text over register entries (a register_load array): a table of
 * register_summarise's rows (now is the reference time for the 30/90-day windows), then the
 * changes and decisions in the order of their nights. proof (may be NULL) marks the rows and
 * the changes whose report file is missing or altered (render_report_problem). */
void render_register_show(const json_t *entries, const struct render_register_proof *proof,
			  time_t now, struct sbuf *out);

/* When a decision entry was made, from its signed "date" (the wall clock at the decision, not
 * the night it is about): "2026-11-04 09:12:30 UTC", a bare day alone, or "date not recorded"
 * when the entry has no well-formed date. Plain text, safe to write into HTML. */
void render_decision_date(const json_t *entry, struct sbuf *out);

/* One vendor/model's stability in plain words (raw: escape to show), over the nights its
 * runs observed, never counted to today: "stable over 3 observed nights since 2026-11-03,
 * last observed 2026-11-06; 1 night suspected and retracted the next night, not counted
 * (2026-11-05); 1 night not observed (2026-11-07: incomplete)". with_blips 0 leaves out the
 * retracted nights' clause, for a text that lists the retracted suspicions itself. */
void render_register_stability(const struct reg_summary *s, int with_blips, struct sbuf *out);

/* The Markdown dialects render_md_escape writes for. */
enum render_md_flavor {
	RENDER_MD_GITHUB,    /* GitHub Markdown, one line (table cells, summaries) */
	RENDER_MD_CODE,	     /* inside a `code span`: backticks become ', one line */
	RENDER_MD_SLACK,     /* Slack mrkdwn (keeps line breaks) */
	RENDER_MD_SLACK_URL, /* the URL of a Slack <url|text> link */
	RENDER_MD_TEAMS,     /* Teams Adaptive Card TextBlock markdown (keeps line breaks) */
};

/* Appends s as inert literal text: the one escaping used for every Markdown-like text built
 * from report or vendor fields (render_md.c, alert_slack.c, alert_teams.c). Links and images
 * cannot form ('[' ']' escaped), nor emphasis, strike-through or code ('*', '~', '`', and '_'
 * unless inside a word), table cells stay whole ('|'), HTML cannot start ('<' as &lt;, in GitHub
 * Markdown and Teams alike). In Teams '&' and '>' are entities too (&amp; &gt;: every card field,
 * title, facts and body, goes through this one function, so a literal "&lt;" stays text), and '`'
 * is plain text (TextBlocks have no code spans: it is neither markup nor escaped). In Slack, '&'
 * '<' '>' become entities (so "<url|text>", "<!channel>",
 * "<@U1>" cannot form), formatting characters get a zero-width space before them, and "@here",
 * "@channel" one after the '@'. Control characters are dropped (line breaks become spaces where one
 * line is needed). max > 0: at most max bytes are appended, cut between characters with "…". s may
 * be NULL. */
void render_md_escape(struct sbuf *out, const char *s, enum render_md_flavor f, size_t max);

/* The report's "what_changed" array (whatchanged.h: the moved prompts, worst first, then
 * those nearest the alarm that did not move, each with the prompt, what moved in words with its
 * figures, a typical baseline and tonight answer), rendered and never recomputed: the moved
 * prompts are counted in the heading (with "+N more moved prompts" the array does not list),
 * the others said apart ("nearest the alarm, not moved") and never called moved; nothing is
 * appended for an empty or absent array. Vendor and suite text is made inert for the target and
 * cut: _text for a terminal (control characters become spaces, so escape sequences cannot pass),
 * _md for GitHub Markdown, Slack mrkdwn or Teams markdown (flavor f; quotes of answers cut to
 * quote_max bytes), _html for an HTML page. */
void render_whatchanged_text(const json_t *wc, struct sbuf *out);
void render_whatchanged_md(const json_t *wc, enum render_md_flavor f, size_t quote_max,
			   struct sbuf *out);
void render_whatchanged_html(const json_t *wc, struct sbuf *out);
/* The gist of the block in a few plain words, raw (escape to show): the distinct signals that
 * moved, first seen first: "answers got longer, model id A -> B". Nothing for an empty array. */
void render_whatchanged_gist(const json_t *wc, struct sbuf *out);
/* The parts of render_whatchanged_md, for messages that need each prompt in its own block
 * (Slack sections, Teams TextBlocks): the heading line, and entry e (number i from 0). */
void render_whatchanged_md_head(const json_t *wc, enum render_md_flavor f, struct sbuf *out);
void render_whatchanged_md_entry(const json_t *e, size_t i, enum render_md_flavor f,
				 size_t quote_max, struct sbuf *out);

/* The HTML page of one run report (REPORT.html beside REPORT.json, written by the run): the
 * verdict and summary, what changed, the counts, the failed checks when the report carries its
 * prompts, and the vendor metadata that moved. Self-contained (no scripts, no external
 * assets), prints on A4. Returns 0 or -1 (PL_E_INPUT: not a report object). */
int render_html_report(const json_t *report, struct sbuf *out, struct pl_err *err);

/* Escapes text for HTML/XML element content and attribute values (& < > " '). Invalid UTF-8
 * and control characters XML 1.0 forbids are replaced with U+FFFD. */
void render_xml_escape(struct sbuf *out, const char *s);

#endif
