/* render_md.c: the Markdown summary of a run report, for pull requests and chat. */
#include "canon.h"
#include "evaluate.h"
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define CELL_MAX   160 /* bytes of free text per table cell */
#define REASON_MAX 800 /* bytes of an incomplete report's reason */

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

const char *render_report_field(const json_t *r, const char *what)
{
	static const struct {
		const char *what, *flat, *obj, *key;
	} map[] = {
		{ "vendor", "vendor", "vendor", "id" },	    { "model", "model", "vendor", "model" },
		{ "suite", "suite", "suite", "id" },	    { "date", "date", "run", "date" },
		{ "epoch", "epoch", "detection", "epoch" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (strcmp(map[i].what, what))
			continue;
		if (sget(r, map[i].flat))
			return sget(r, map[i].flat);
		return sget(json_object_get(r, map[i].obj), map[i].key);
	}
	return NULL;
}

const char *render_check_name(const json_t *c)
{
	static const char *const keys[] = { "label", "name", "id", "kind", "type" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (sget(c, keys[i]))
			return sget(c, keys[i]);
	return "check";
}

const char *render_answer_text(const char *text, int refused)
{
	if (!text)
		return "(no answer)";
	if (!*text)
		return refused ? "(refused, no text)" : "(empty answer)";
	return text;
}

/* A check's detail: its own, or its first failed sample's. */
static const char *check_detail(const json_t *c)
{
	if (sget(c, "detail"))
		return sget(c, "detail");
	return sget(json_array_get(json_object_get(c, "failed_samples"), 0), "detail");
}

/* A failed sample the report quotes in part: its full length and hash, so a reader knows
 * the quote is not the whole answer and can match it to the journal. */
static void quoted_note(struct sbuf *out, const json_t *c)
{
	const json_t *s = json_array_get(json_object_get(c, "failed_samples"), 0);
	const char *sha = sget(s, "sha256");

	if (!json_is_true(json_object_get(s, "truncated")))
		return;
	sbuf_addf(out, " (sample quoted in part: %lld bytes",
		  (long long)json_integer_value(json_object_get(s, "bytes")));
	if (sha && strlen(sha) == 64)
		sbuf_addf(out, ", sha256 %.12s…", sha);
	sbuf_addstr(out, ")");
}

/* The first failed sample's answer, when the detail does not quote it already (regex,
 * json_schema and similarity details say what failed, not what was answered): "; answer:
 * “…”", or "(refused, no text)" / "(empty answer)" for an answer with no text. */
static void answer_note(struct sbuf *out, const json_t *c)
{
	const json_t *s = json_array_get(json_object_get(c, "failed_samples"), 0);
	const char *text = sget(s, "text"), *detail = check_detail(c);
	char probe[41];

	if (!s || !json_is_string(json_object_get(s, "text")))
		return;
	if (*text) {
		snprintf(probe, sizeof(probe), "%s", text);
		if (detail && strstr(detail, probe))
			return;
		sbuf_addstr(out, "; answer: “");
		render_md_escape(out, text, RENDER_MD_GITHUB, 200);
		sbuf_addstr(out, "”");
		return;
	}
	sbuf_addstr(out, "; answer: ");
	sbuf_addstr(out, render_answer_text(text, json_is_true(json_object_get(s, "refused"))));
}

/* How many checks of prompt p read as check c does. */
static size_t same_name(const json_t *p, const json_t *c)
{
	const json_t *o;
	size_t i, n = 0;

	json_array_foreach(json_object_get(p, "checks"), i, o)
	{
		n += !strcmp(render_check_name(o), render_check_name(c));
	}
	return n;
}

#define ZWSP "\xe2\x80\x8b" /* U+200B: breaks Slack's formatting, invisible */

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

/* One character of s at p (prev: the one before, or 0) for flavor f. */
static void escape_char(struct sbuf *out, const unsigned char *p, unsigned char prev,
			enum render_md_flavor f)
{
	unsigned char c = *p;
	int md = f == RENDER_MD_GITHUB || f == RENDER_MD_TEAMS;
	int slack = f == RENDER_MD_SLACK;
	int intraword = word_char(prev) && word_char(p[1]);

	if (c == '\n' || c == '\r' || c == '\t') {
		sbuf_addch(out, c == '\n' && (slack || f == RENDER_MD_TEAMS) ? '\n' : ' ');
		return;
	}
	if (c < 0x20 || c == 0x7f)
		return;
	if (f == RENDER_MD_CODE) {
		sbuf_addch(out, c == '`' ? '\'' : (char)c);
		return;
	}
	if (f == RENDER_MD_SLACK_URL || slack) {
		if (c == '&')
			sbuf_addstr(out, "&amp;");
		else if (c == '<')
			sbuf_addstr(out, "&lt;");
		else if (c == '>')
			sbuf_addstr(out, "&gt;");
		else if (c == '|' && f == RENDER_MD_SLACK_URL)
			sbuf_addstr(out, "%7C");
		else if (slack && (c == '*' || c == '~' || c == '`' || (c == '_' && !intraword)))
			sbuf_addf(out, ZWSP "%c", c);
		else if (slack && c == '@' && !word_char(prev) && word_char(p[1]))
			sbuf_addstr(out, "@" ZWSP);
		else
			sbuf_addch(out, (char)c);
		return;
	}
	/* Teams TextBlocks have no code spans: a backtick is plain text there, and "\\`" could
	 * show its backslash */
	if (md &&
	    (c == '\\' || (c == '`' && f != RENDER_MD_TEAMS) || c == '*' || c == '[' || c == ']' ||
	     c == '|' || c == '~' || (c == '_' && !intraword) || (c == '!' && p[1] == '['))) {
		sbuf_addch(out, '\\');
		sbuf_addch(out, (char)c);
	} else if (c == '<' && md) { /* GitHub and Teams: no HTML tag can start */
		sbuf_addstr(out, "&lt;");
	} else if (f == RENDER_MD_TEAMS && (c == '&' || c == '>')) {
		/* Teams reads entities: a literal "&lt;" must stay text, and '>' goes as '<' does,
		 * so every Teams field reads alike */
		sbuf_addstr(out, c == '&' ? "&amp;" : "&gt;");
	} else {
		sbuf_addch(out, (char)c);
	}
}

void render_md_escape(struct sbuf *out, const char *s, enum render_md_flavor f, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = out->len, cut = out->len;
	unsigned char prev = 0;

	for (; p && *p; prev = *p, p++) {
		/* the last place a cut may go: between characters, leaving room for the "…" */
		if ((*p & 0xc0) != 0x80 && out->len - start + 3 <= max)
			cut = out->len;
		if ((*p & 0xc0) == 0x80)
			sbuf_addch(out, (char)*p);
		else
			escape_char(out, p, prev, f);
		if (max && out->len - start > max) {
			out->len = cut;
			out->buf[cut] = '\0';
			sbuf_addstr(out, "…");
			return;
		}
	}
}

/* Table-cell text: one line, inert, cut at CELL_MAX bytes. */
static void cell(struct sbuf *out, const char *s)
{
	render_md_escape(out, s, RENDER_MD_GITHUB, CELL_MAX);
}

static void any_value(struct sbuf *out, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		cell(out, json_string_value(v));
		return;
	}
	if (!v) {
		sbuf_addstr(out, "-");
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	cell(out, s);
	free(s);
}

static const char *verdict_label(const char *v)
{
	if (!v)
		return "UNKNOWN";
	if (!strcmp(v, "changed"))
		return "🔴 CHANGED";
	if (!strcmp(v, "no_change"))
		return "🟢 no change";
	if (!strcmp(v, "pass"))
		return "🟢 pass";
	if (!strcmp(v, "checks_failed"))
		return "🔴 checks failed";
	if (!strcmp(v, "incomplete"))
		return "🟠 incomplete";
	if (!strcmp(v, "unstable"))
		return "🟠 unstable";
	if (!strcmp(v, "insufficient"))
		return "🟠 insufficient data";
	return v;
}

static void stat_num(struct sbuf *out, const json_t *stats, const char *k, const char *label,
		     const char *unit)
{
	const json_t *v = json_object_get(stats, k);

	if (!json_is_number(v))
		return;
	if (json_is_integer(v))
		sbuf_addf(out, "%s %lld%s · ", label, (long long)json_integer_value(v), unit);
	else
		sbuf_addf(out, "%s %.1f%s · ", label, json_number_value(v), unit);
}

size_t render_failed_checks(const json_t *report,
			    int (*fn)(const json_t *prompt, const json_t *check, void *ctx),
			    void *ctx)
{
	const json_t *p, *c;
	size_t i, j, n = 0;
	int stopped = 0;

	json_array_foreach(json_object_get(report, "prompts"), i, p)
		json_array_foreach(json_object_get(p, "checks"), j, c)
	{
		const char *v = sget(c, "verdict");

		if (!v || (strcmp(v, "fail") && strcmp(v, "error")))
			continue;
		n++;
		if (!stopped && fn)
			stopped = fn(p, c, ctx);
	}
	return n;
}

#define MD_ROWS_MAX 50 /* a summary, not the report: the rest is counted */

struct md_rows {
	struct sbuf *out;
	size_t rows;
};

/* One row of the failed checks' table; stops at MD_ROWS_MAX. */
static int md_row(const json_t *p, const json_t *c, void *ctx)
{
	struct md_rows *mr = ctx;
	struct sbuf *out = mr->out;
	const char *v = sget(c, "verdict");
	const json_t *score = json_object_get(c, "score_mean");
	char num[40];

	if (!score)
		score = json_object_get(c, "score");
	sbuf_addstr(out, "| ");
	cell(out, sget(p, "id"));
	sbuf_addstr(out, " | ");
	cell(out, render_check_name(c));
	/* two checks of one kind on a prompt read alike: their ids tell them apart */
	if (sget(c, "id") && strcmp(sget(c, "id"), render_check_name(c)) && same_name(p, c) > 1) {
		sbuf_addstr(out, " \\[");
		cell(out, sget(c, "id"));
		sbuf_addstr(out, "\\]");
	}
	sbuf_addf(out, " | %s | ", !strcmp(v, "fail") ? "❌ fail" : "⚠️ error");
	if (json_is_number(score) && canon_number(json_number_value(score), num, sizeof(num)) > 0)
		sbuf_addstr(out, num);
	else
		sbuf_addstr(out, "-");
	sbuf_addstr(out, " | ");
	cell(out, check_detail(c));
	if (json_is_integer(json_object_get(c, "fail")) &&
	    json_integer_value(json_object_get(c, "fail")) +
			    json_integer_value(json_object_get(c, "pass")) >
		    0)
		sbuf_addf(out, " (%lld of %lld samples failed)",
			  (long long)json_integer_value(json_object_get(c, "fail")),
			  (long long)(json_integer_value(json_object_get(c, "fail")) +
				      json_integer_value(json_object_get(c, "pass"))));
	answer_note(out, c);
	quoted_note(out, c);
	sbuf_addstr(out, " |\n");
	return ++mr->rows >= MD_ROWS_MAX;
}

int render_md_report(const json_t *r, struct sbuf *out, struct pl_err *err)
{
	const json_t *prompts = json_object_get(r, "prompts"), *p, *c;
	const json_t *meta = json_object_get(r, "metadata_changes"), *stats;
	const json_t *counts = json_object_get(r, "counts");
	size_t i, j, n_checks = 0, n_failed = 0, n_err = 0, n_pfailed = 0;
	char phrase[128];

	if (!json_is_object(r))
		return pl_err_set(err, PL_E_INPUT, NULL, "the report is not a json object");
	json_array_foreach(prompts, i, p)
	{
		size_t before = n_failed;

		json_array_foreach(json_object_get(p, "checks"), j, c)
		{
			const char *v = sget(c, "verdict");

			n_checks++;
			n_failed += v && !strcmp(v, "fail");
			n_err += v && !strcmp(v, "error");
		}
		n_pfailed += n_failed > before;
	}
	/* the report's own counts, when it has them: one counting (evaluate.h) everywhere */
	if (json_is_integer(json_object_get(counts, "checks_total"))) {
		n_checks = (size_t)json_integer_value(json_object_get(counts, "checks_total"));
		n_failed = (size_t)json_integer_value(json_object_get(counts, "checks_failed"));
		n_pfailed = (size_t)json_integer_value(json_object_get(counts, "prompts_failed"));
	}
	/* an outage: no answer to judge (a report without counts is taken as answered) */
	evaluate_checks_said(
		n_failed, n_checks, n_pfailed,
		json_is_integer(json_object_get(counts, "answers"))
			? (size_t)json_integer_value(json_object_get(counts, "answers"))
			: 1,
		phrase, sizeof(phrase));
	sbuf_addstr(out, "### plumbline: ");
	cell(out, render_report_field(r, "vendor"));
	sbuf_addstr(out, " / ");
	cell(out, render_report_field(r, "model"));
	sbuf_addstr(out, " / ");
	cell(out, render_report_field(r, "suite"));
	sbuf_addf(out, ": **%s**\n\n", verdict_label(sget(r, "verdict")));
	if (sget(r, "summary")) {
		sbuf_addstr(out, "> ");
		cell(out, sget(r, "summary"));
		sbuf_addstr(out, "\n\n");
	}
	/* the summary line is cut like any cell; why a night is incomplete is not */
	if (sget(r, "incomplete_reason")) {
		sbuf_addstr(out, "Incomplete: ");
		render_md_escape(out, sget(r, "incomplete_reason"), RENDER_MD_GITHUB, REASON_MAX);
		sbuf_addstr(out, "\n\n");
	}
	if (json_array_size(json_object_get(r, "what_changed"))) {
		render_whatchanged_md(json_object_get(r, "what_changed"), RENDER_MD_GITHUB, 300,
				      out);
		sbuf_addch(out, '\n');
	}
	sbuf_addf(out, "%zu prompts; %s", json_array_size(prompts), phrase);
	if (n_err)
		sbuf_addf(out, "; %zu could not be evaluated", n_err);
	sbuf_addch(out, '.');
	if (render_report_field(r, "date")) {
		sbuf_addstr(out, " Run ");
		cell(out, render_report_field(r, "date"));
		sbuf_addch(out, '.');
	}
	if (render_report_field(r, "epoch")) {
		sbuf_addstr(out, " Epoch `");
		render_md_escape(out, render_report_field(r, "epoch"), RENDER_MD_CODE, CELL_MAX);
		sbuf_addstr(out, "`.");
	}
	sbuf_addstr(out, "\n\n");
	if (n_failed + n_err) {
		struct md_rows mr = { out, 0 };

		sbuf_addstr(out, "| prompt | check | verdict | score | detail |\n"
				 "|---|---|---|---:|---|\n");
		render_failed_checks(r, md_row, &mr);
		if (mr.rows >= MD_ROWS_MAX && n_failed + n_err > mr.rows)
			sbuf_addf(out, "\n…and %zu more; see the report.\n",
				  n_failed + n_err - mr.rows);
		sbuf_addch(out, '\n');
	}
	if (json_array_size(meta)) {
		sbuf_addstr(out, "**What the vendor reports changed**\n\n"
				 "| field | baseline | now |\n|---|---|---|\n");
		json_array_foreach(meta, i, c)
		{
			sbuf_addstr(out, "| ");
			cell(out, sget(c, "field"));
			sbuf_addstr(out, " | ");
			any_value(out, json_object_get(c, "baseline"));
			sbuf_addstr(out, " | ");
			any_value(out, json_object_get(c, "tonight") ? json_object_get(c, "tonight")
								     : json_object_get(c, "now"));
			sbuf_addstr(out, " |\n");
		}
		sbuf_addch(out, '\n');
	}
	stats = json_object_get(r, "stats");
	if (!stats)
		stats = json_object_get(r, "counts");
	if (json_is_object(stats)) {
		size_t before = out->len;

		stat_num(out, stats, "planned", "planned", "");
		stat_num(out, stats, "requests", "requests", "");
		stat_num(out, stats, "answers", "answers", "");
		stat_num(out, stats, "faults", "faults", "");
		stat_num(out, stats, "refusals", "refusals", "");
		stat_num(out, stats, "latency_p50_ms", "latency p50", " ms");
		stat_num(out, stats, "latency_p95_ms", "p95", " ms");
		stat_num(out, stats, "cost", "cost", "");
		if (out->len > before) {
			out->len -= strlen(" · ");
			out->buf[out->len] = '\0';
			sbuf_addstr(out, "\n\n");
		}
	}
	return 0;
}
