/* render_whatchanged.c: the report's "what_changed" block (whatchanged.h) as console text,
 * Markdown (GitHub, Slack mrkdwn, Teams) and HTML. Every rendering and alert reads the same
 * array and recomputes nothing; vendor text is escaped for its target and cut. */
#include "render.h"
#include "stats.h"

#include <stdio.h>
#include <string.h>

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* s with every line break, tab and control character made one space, cut to at most max
 * bytes on a UTF-8 boundary with "…" (max 0: whole). Terminal escapes cannot pass. */
static void one_line(struct sbuf *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t start = out->len;

	for (; *p; p++) {
		/* stop only before a character's first byte: a cut never splits one */
		if (max && (*p & 0xC0) != 0x80 && out->len - start >= max) {
			sbuf_addstr(out, "\xe2\x80\xa6");
			return;
		}
		if (*p < 0x20 || *p == 0x7f)
			sbuf_addch(out, ' ');
		else
			sbuf_addch(out, (char)*p);
	}
}

/* "distance 0.5320, p 0.001" from the entry's figures (p as stats_format_p prints it); "" when
 * it has none. */
static void figures(struct sbuf *out, const json_t *e)
{
	const json_t *d = json_object_get(e, "distance"), *p = json_object_get(e, "p");
	char pb[16];

	if (json_is_number(d))
		sbuf_addf(out, "distance %.4f", json_number_value(d));
	if (json_is_number(p))
		sbuf_addf(out, "%sp %s", json_is_number(d) ? ", " : "",
			  stats_format_p(json_number_value(p), pb, sizeof(pb)));
	if (!json_is_number(d) && !json_is_number(p))
		sbuf_addstr(out, json_is_true(json_object_get(e, "flagged"))
					 ? "flagged by detection"
					 : "from the samples");
}

static const char *answer(const json_t *e, const char *side)
{
	const json_t *s = json_object_get(e, side);

	return render_answer_text(sget(s, "answer"),
				  json_is_true(json_object_get(s, "answer_refused")));
}

/* What a side's example answer shows (whatchanged.h "example"), raw: "a refusal", "valid
 * JSON", "412 characters, its end"; "" for the typical answer. */
static void side_note(const json_t *e, const char *side, struct sbuf *out)
{
	static const char *const words[][2] = {
		{ "refusal", "a refusal" },    { "not_refusal", "not a refusal" },
		{ "fenced", "in ``` fences" }, { "not_fenced", "not in fences" },
		{ "json", "valid JSON" },      { "not_json", "not valid JSON" },
	};
	const json_t *s = json_object_get(e, side);
	const char *ex = sget(s, "example");
	size_t i;

	if (!ex)
		return;
	if (!strcmp(ex, "length")) {
		sbuf_addf(out, "%lld characters",
			  (long long)json_integer_value(json_object_get(s, "answer_chars")));
		return;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(ex, words[i][0]))
			sbuf_addstr(out, words[i][1]);
}

/* The text to quote of a side's example, raw, for a quote of at most max bytes: the answer,
 * or for a length move an answer longer than max, "…" and its end (the heads of longer and
 * shorter answers are often the same). */
static void side_quote(const json_t *e, const char *side, size_t max, struct sbuf *out)
{
	const json_t *s = json_object_get(e, side);
	const char *tail = sget(s, "answer_tail");
	size_t n, from;

	if (!tail || !json_is_integer(json_object_get(s, "answer_bytes")) ||
	    (size_t)json_integer_value(json_object_get(s, "answer_bytes")) <= max || max < 8) {
		sbuf_addstr(out, answer(e, side));
		return;
	}
	n = strlen(tail);
	from = n > max - 4 ? n - (max - 4) : 0;
	while (from < n && ((unsigned char)tail[from] & 0xC0) == 0x80)
		from++;
	sbuf_addstr(out, "\xe2\x80\xa6");
	sbuf_addstr(out, tail + from);
}

/* "(a refusal) " before a quote, or nothing. */
static void side_label(const json_t *e, const char *side, struct sbuf *out)
{
	size_t at = out->len;

	sbuf_addch(out, '(');
	side_note(e, side, out);
	if (out->len == at + 1) {
		out->len = at;
		out->buf[at] = '\0';
		return;
	}
	sbuf_addstr(out, ") ");
}

static int flagged(const json_t *e)
{
	return json_is_true(json_object_get(e, "flagged"));
}

/* The entries the detector moved (they come first). */
static size_t n_flagged(const json_t *wc)
{
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(wc, i, e)
	{
		n += (size_t)flagged(e);
	}
	return n;
}

/* The moved prompts the array does not list (the entries' "moved_prompts" less those it
 * lists; whatchanged.h), named in the report's "what_changed_unlisted". */
static size_t n_unlisted(const json_t *wc)
{
	const json_t *m = json_object_get(json_array_get(wc, 0), "moved_prompts");
	size_t listed = n_flagged(wc);

	if (!json_is_integer(m) || json_integer_value(m) <= (json_int_t)listed)
		return 0;
	return (size_t)json_integer_value(m) - listed;
}

/* The heading's words, raw: "2 moved prompts, worst first; +17 more moved prompts (see the
 * report JSON)", or "no prompt moved on its own" when none of the entries moved. */
static void head_words(const json_t *wc, struct sbuf *out)
{
	size_t f = n_flagged(wc), more = n_unlisted(wc);

	if (f)
		sbuf_addf(out, "%zu moved prompt%s, worst first", f, f == 1 ? "" : "s");
	else
		sbuf_addstr(out, "no single prompt moved");
	if (more)
		sbuf_addf(out, "; +%zu more moved prompt%s (see the report JSON)", more,
			  more == 1 ? "" : "s");
}

/* The heading of the entries after the moved ones, raw. */
static void near_words(const json_t *wc, struct sbuf *out)
{
	size_t n = json_array_size(wc) - n_flagged(wc);

	sbuf_addf(out, "%zu prompt%s whose figures moved within their usual variation", n,
		  n == 1 ? "" : "s");
}

#define NEAR_HEAD "nearest the alarm, not moved"

/* What the entry's words are said as: "moved" only for the prompts the detector moved. */
static const char *label(const json_t *e)
{
	return flagged(e) ? "moved" : "not moved";
}

static void text_side(struct sbuf *out, const json_t *e, const char *side, const char *lead)
{
	struct sbuf q;

	sbuf_init(&q);
	sbuf_addstr(out, lead);
	side_label(e, side, &q);
	one_line(out, q.buf, 0);
	sbuf_reset(&q);
	side_quote(e, side, 140, &q);
	sbuf_addch(out, '"');
	one_line(out, q.buf, 140);
	sbuf_addstr(out, "\"\n");
	sbuf_release(&q);
}

void render_whatchanged_text(const json_t *wc, struct sbuf *out)
{
	const json_t *e;
	struct sbuf w;
	size_t i;

	if (!json_array_size(wc))
		return;
	sbuf_init(&w);
	head_words(wc, &w);
	sbuf_addf(out, "  what changed (%s):\n", w.buf);
	json_array_foreach(wc, i, e)
	{
		if (!flagged(e) && (i == 0 || flagged(json_array_get(wc, i - 1)))) {
			sbuf_reset(&w);
			near_words(wc, &w);
			sbuf_addf(out, "  " NEAR_HEAD " (%s):\n", w.buf);
		}
		sbuf_addf(out, "  %zu. ", i + 1);
		one_line(out, sget(e, "prompt"), 80);
		sbuf_addstr(out, " \"");
		one_line(out, sget(e, "prompt_text"), 70);
		sbuf_addf(out, "\"\n     %s: ", label(e));
		one_line(out, sget(e, "words"), 300);
		sbuf_addstr(out, " (");
		figures(out, e);
		sbuf_addstr(out, ")\n");
		text_side(out, e, "baseline", "     baseline: ");
		text_side(out, e, "tonight", "     tonight:  ");
	}
	sbuf_release(&w);
}

/* s made one line (line breaks are not wanted inside a list item), then escaped for f. */
static void md_text(struct sbuf *out, const char *s, enum render_md_flavor f, size_t max)
{
	struct sbuf tmp;

	sbuf_init(&tmp);
	one_line(&tmp, s, 0);
	render_md_escape(out, tmp.buf, f, max);
	sbuf_release(&tmp);
}

/* A bold heading with its words in brackets: "**What changed** (2 moved prompts, ...)". */
static void md_heading(struct sbuf *out, enum render_md_flavor f, const char *title,
		       void (*words)(const json_t *, struct sbuf *), const json_t *wc,
		       const char *end)
{
	const char *b = f == RENDER_MD_SLACK ? "*" : "**";
	struct sbuf w;

	sbuf_init(&w);
	words(wc, &w);
	sbuf_addf(out, "%s%s%s (", b, title, b);
	render_md_escape(out, w.buf, f, 0);
	sbuf_addf(out, ")%s", end);
	sbuf_release(&w);
}

void render_whatchanged_md_head(const json_t *wc, enum render_md_flavor f, struct sbuf *out)
{
	md_heading(out, f, "What changed", head_words, wc, "\n");
}

void render_whatchanged_md(const json_t *wc, enum render_md_flavor f, size_t quote_max,
			   struct sbuf *out)
{
	const json_t *e;
	size_t i;

	if (!json_array_size(wc))
		return;
	render_whatchanged_md_head(wc, f, out);
	json_array_foreach(wc, i, e)
	{
		sbuf_addch(out, '\n');
		if (!flagged(e) && (i == 0 || flagged(json_array_get(wc, i - 1))))
			md_heading(out, f, "Nearest the alarm, not moved", near_words, wc, "\n\n");
		render_whatchanged_md_entry(e, i, f, quote_max, out);
	}
}

static void md_side(struct sbuf *out, const json_t *e, const char *side, enum render_md_flavor f,
		    size_t quote_max)
{
	const char *b = f == RENDER_MD_SLACK ? "*" : "**";
	const char *bullet = f == RENDER_MD_SLACK ? "\xe2\x80\xa2 " : "- ";
	struct sbuf q;

	sbuf_init(&q);
	sbuf_addf(out, "   %s%s%s:%s ", bullet, b, side, b);
	side_label(e, side, &q);
	md_text(out, q.buf, f, 0);
	sbuf_reset(&q);
	side_quote(e, side, quote_max ? quote_max : 600, &q);
	sbuf_addstr(out, "\xe2\x80\x9c");
	md_text(out, q.buf, f, quote_max);
	sbuf_addstr(out, "\xe2\x80\x9d\n");
	sbuf_release(&q);
}

void render_whatchanged_md_entry(const json_t *e, size_t i, enum render_md_flavor f,
				 size_t quote_max, struct sbuf *out)
{
	const char *b = f == RENDER_MD_SLACK ? "*" : "**";
	const char *bullet = f == RENDER_MD_SLACK ? "\xe2\x80\xa2 " : "- ";

	{
		struct sbuf fig;

		sbuf_init(&fig);
		figures(&fig, e);
		sbuf_addf(out, "%zu. ", i + 1);
		if (f == RENDER_MD_SLACK || f == RENDER_MD_TEAMS) {
			/* Slack and Teams cards have no inline code: a `span` shows its
			 * backticks, so the prompt is bold there */
			sbuf_addstr(out, b);
			md_text(out, sget(e, "prompt"), f, 100);
			sbuf_addstr(out, b);
		} else {
			sbuf_addch(out, '`');
			md_text(out, sget(e, "prompt"), RENDER_MD_CODE, 100);
			sbuf_addch(out, '`');
		}
		sbuf_addstr(out, ": \xe2\x80\x9c");
		md_text(out, sget(e, "prompt_text"), f, 100);
		sbuf_addf(out, "\xe2\x80\x9d\n   %s%s%s:%s ", bullet, b, label(e), b);
		md_text(out, sget(e, "words"), f, 400);
		sbuf_addstr(out, " (");
		md_text(out, fig.buf, f, 100);
		sbuf_addstr(out, ")\n");
		md_side(out, e, "baseline", f, quote_max);
		md_side(out, e, "tonight", f, quote_max);
		sbuf_release(&fig);
	}
}

/* Cuts s at max bytes on a UTF-8 boundary, escaped for HTML, with "…" when cut. */
static void html_cut(struct sbuf *out, const char *s, size_t max)
{
	struct sbuf tmp;
	size_t n = s ? strlen(s) : 0;

	sbuf_init(&tmp);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	sbuf_add(&tmp, s ? s : "", n);
	render_xml_escape(out, tmp.buf);
	if (s && n < strlen(s))
		sbuf_addstr(out, "\xe2\x80\xa6");
	sbuf_release(&tmp);
}

static void html_side(struct sbuf *out, const json_t *e, const char *side)
{
	const json_t *s = json_object_get(e, side);
	struct sbuf q;
	int special;

	sbuf_init(&q);
	side_note(e, side, &q);
	special = q.len > 0;
	sbuf_addstr(out, "<td>");
	if (special) {
		sbuf_addstr(out, "<span class=\"example\">");
		render_xml_escape(out, q.buf);
		sbuf_addstr(out, "</span>");
	}
	sbuf_reset(&q);
	side_quote(e, side, 600, &q);
	sbuf_addstr(out, "<pre class=\"answer\">");
	html_cut(out, q.buf, 600);
	if (json_is_true(json_object_get(s, "answer_truncated")) &&
	    !json_object_get(s, "answer_tail"))
		sbuf_addstr(out, "\xe2\x80\xa6");
	sbuf_addstr(out, "</pre>");
	sbuf_release(&q);
	if (json_is_integer(json_object_get(s, "samples")))
		sbuf_addf(out, "<span class=\"muted\">%s of %lld answer%s</span>",
			  special ? "one" : "typical",
			  (long long)json_integer_value(json_object_get(s, "samples")),
			  json_integer_value(json_object_get(s, "samples")) == 1 ? "" : "s");
	sbuf_addstr(out, "</td>");
}

static void html_entry(struct sbuf *out, const json_t *e)
{
	struct sbuf fig;

	sbuf_init(&fig);
	figures(&fig, e);
	sbuf_addstr(out, "<li><p><code>");
	html_cut(out, sget(e, "prompt"), 100);
	sbuf_addstr(out, "</code> <q>");
	html_cut(out, sget(e, "prompt_text"), 200);
	sbuf_addf(out, "</q></p>\n<p class=\"moved\"><b>%s:</b> ", label(e));
	html_cut(out, sget(e, "words"), 600);
	sbuf_addstr(out, " <span class=\"muted\">(");
	render_xml_escape(out, fig.buf);
	sbuf_addstr(out,
		    ")</span></p>\n<table class=\"answers\"><tr><th>baseline</th><th>tonight</th>"
		    "</tr><tr>");
	html_side(out, e, "baseline");
	html_side(out, e, "tonight");
	sbuf_addstr(out, "</tr></table></li>\n");
	sbuf_release(&fig);
}

void render_whatchanged_html(const json_t *wc, struct sbuf *out)
{
	const json_t *e;
	size_t i, f = n_flagged(wc), more = n_unlisted(wc);
	struct sbuf w;

	if (!json_array_size(wc))
		return;
	sbuf_init(&w);
	sbuf_addstr(out, "<section class=\"whatchanged\">\n<h2>What changed</h2>\n");
	if (f) {
		sbuf_addf(out,
			  "<p class=\"muted\">%zu prompt%s that moved, worst first; an answer of "
			  "each side that shows what moved (else a typical one).</p>\n<ol>\n",
			  f, f == 1 ? "" : "s");
		json_array_foreach(wc, i, e)
		{
			if (flagged(e))
				html_entry(out, e);
		}
		sbuf_addstr(out, "</ol>\n");
	} else {
		sbuf_addstr(out, "<p class=\"muted\">No single prompt moved.</p>\n");
	}
	if (more)
		sbuf_addf(out,
			  "<p class=\"more\">+%zu more moved prompt%s (see the report JSON: "
			  "<code>what_changed_unlisted</code>).</p>\n",
			  more, more == 1 ? "" : "s");
	if (f < json_array_size(wc)) {
		near_words(wc, &w);
		sbuf_addstr(out, "<h3>Nearest the alarm, not moved</h3>\n<p class=\"muted\">");
		render_xml_escape(out, w.buf);
		sbuf_addf(out, ": not a change.</p>\n<ol start=\"%zu\">\n", f + 1);
		json_array_foreach(wc, i, e)
		{
			if (!flagged(e))
				html_entry(out, e);
		}
		sbuf_addstr(out, "</ol>\n");
	}
	sbuf_addstr(out, "</section>\n");
	sbuf_release(&w);
}

void render_whatchanged_gist(const json_t *wc, struct sbuf *out)
{
	json_t *seen = json_object();
	const json_t *e, *m;
	size_t i, j, n = 0;
	/* what moved: the entries near the alarm are no change (unless none moved) */
	int only_flagged = n_flagged(wc) > 0;

	json_array_foreach(wc, i, e) json_array_foreach(json_object_get(e, "moved"), j, m)
	{
		const char *sig = sget(m, "signal"), *w = NULL;
		const json_t *b = json_object_get(m, "baseline"),
			     *t = json_object_get(m, "tonight");
		int up = json_is_number(b) && json_is_number(t) &&
			 json_number_value(t) > json_number_value(b);

		/* a check's pass rate is told with the checks, not as the answers' gist */
		if (!sig || json_object_get(seen, sig) || (only_flagged && !flagged(e)) ||
		    !strcmp(sig, "check"))
			continue;
		json_object_set_new(seen, sig, json_true());
		if (!strcmp(sig, "length"))
			w = up ? "answers got longer" : "answers got shorter";
		else if (!strcmp(sig, "refusals"))
			w = up ? "more refusals" : "fewer refusals";
		else if (!strcmp(sig, "fences"))
			w = up ? "answers wrapped in ``` fences" : "``` fences dropped";
		else if (!strcmp(sig, "json"))
			w = up ? "more valid JSON" : "less valid JSON";
		else if (!strcmp(sig, "distribution"))
			w = "answers worded differently";
		else
			w = sget(m, "words"); /* model id A -> B, system fingerprint A -> B */
		if (w)
			sbuf_addf(out, "%s%s", n++ ? ", " : "", w);
	}
	json_decref(seen);
}
