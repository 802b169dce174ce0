/* render_whatchanged.c: the report's "what_changed" block (whatchanged.h) as console text,
 * Markdown (GitHub, Slack mrkdwn, Teams) and HTML. Every rendering and alert reads the same
 * array and recomputes nothing; vendor text is escaped for its target and cut. */
#include "render.h"

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

/* "distance 0.5320, p 0.0010" from the entry's figures; "" when it has none. */
static void figures(struct sbuf *out, const json_t *e)
{
	const json_t *d = json_object_get(e, "distance"), *p = json_object_get(e, "p");

	if (json_is_number(d))
		sbuf_addf(out, "distance %.4f", json_number_value(d));
	if (json_is_number(p))
		sbuf_addf(out, "%sp %.4f", json_is_number(d) ? ", " : "", json_number_value(p));
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

void render_whatchanged_text(const json_t *wc, struct sbuf *out)
{
	const json_t *e;
	size_t i;

	if (!json_array_size(wc))
		return;
	sbuf_addf(out, "  what changed (%zu prompt%s, worst first):\n", json_array_size(wc),
		  json_array_size(wc) == 1 ? "" : "s");
	json_array_foreach(wc, i, e)
	{
		sbuf_addf(out, "  %zu. ", i + 1);
		one_line(out, sget(e, "prompt"), 80);
		sbuf_addstr(out, " \"");
		one_line(out, sget(e, "prompt_text"), 70);
		sbuf_addstr(out, "\"\n     moved: ");
		one_line(out, sget(e, "words"), 300);
		sbuf_addstr(out, " (");
		figures(out, e);
		sbuf_addstr(out, ")\n     baseline: \"");
		one_line(out, answer(e, "baseline"), 140);
		sbuf_addstr(out, "\"\n     tonight:  \"");
		one_line(out, answer(e, "tonight"), 140);
		sbuf_addstr(out, "\"\n");
	}
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

void render_whatchanged_md_head(const json_t *wc, enum render_md_flavor f, struct sbuf *out)
{
	const char *b = f == RENDER_MD_SLACK ? "*" : "**";

	sbuf_addf(out, "%sWhat changed%s (%zu prompt%s, worst first)\n", b, b, json_array_size(wc),
		  json_array_size(wc) == 1 ? "" : "s");
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
		render_whatchanged_md_entry(e, i, f, quote_max, out);
	}
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
		if (f == RENDER_MD_SLACK) {
			sbuf_addch(out, '*');
			md_text(out, sget(e, "prompt"), f, 100);
			sbuf_addch(out, '*');
		} else {
			sbuf_addch(out, '`');
			md_text(out, sget(e, "prompt"), RENDER_MD_CODE, 100);
			sbuf_addch(out, '`');
		}
		sbuf_addstr(out, ": \xe2\x80\x9c");
		md_text(out, sget(e, "prompt_text"), f, 100);
		sbuf_addf(out, "\xe2\x80\x9d\n   %s%smoved:%s ", bullet, b, b);
		md_text(out, sget(e, "words"), f, 400);
		sbuf_addstr(out, " (");
		md_text(out, fig.buf, f, 100);
		sbuf_addf(out, ")\n   %s%sbaseline:%s \xe2\x80\x9c", bullet, b, b);
		md_text(out, answer(e, "baseline"), f, quote_max);
		sbuf_addf(out, "\xe2\x80\x9d\n   %s%stonight:%s \xe2\x80\x9c", bullet, b, b);
		md_text(out, answer(e, "tonight"), f, quote_max);
		sbuf_addstr(out, "\xe2\x80\x9d\n");
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

	sbuf_addstr(out, "<td><pre class=\"answer\">");
	html_cut(out, answer(e, side), 600);
	if (json_is_true(json_object_get(s, "answer_truncated")))
		sbuf_addstr(out, "\xe2\x80\xa6");
	sbuf_addstr(out, "</pre>");
	if (json_is_integer(json_object_get(s, "samples")))
		sbuf_addf(out, "<span class=\"muted\">typical of %lld answer%s</span>",
			  (long long)json_integer_value(json_object_get(s, "samples")),
			  json_integer_value(json_object_get(s, "samples")) == 1 ? "" : "s");
	sbuf_addstr(out, "</td>");
}

void render_whatchanged_html(const json_t *wc, struct sbuf *out)
{
	const json_t *e;
	size_t i;

	if (!json_array_size(wc))
		return;
	sbuf_addf(out,
		  "<section class=\"whatchanged\">\n<h2>What changed</h2>\n<p class=\"muted\">%zu "
		  "prompt%s that moved, worst first; a typical answer of each side.</p>\n<ol>\n",
		  json_array_size(wc), json_array_size(wc) == 1 ? "" : "s");
	json_array_foreach(wc, i, e)
	{
		struct sbuf fig;

		sbuf_init(&fig);
		figures(&fig, e);
		sbuf_addstr(out, "<li><p><code>");
		html_cut(out, sget(e, "prompt"), 100);
		sbuf_addstr(out, "</code> <q>");
		html_cut(out, sget(e, "prompt_text"), 200);
		sbuf_addstr(out, "</q></p>\n<p class=\"moved\"><b>moved:</b> ");
		html_cut(out, sget(e, "words"), 600);
		sbuf_addstr(out, " <span class=\"muted\">(");
		render_xml_escape(out, fig.buf);
		sbuf_addstr(out, ")</span></p>\n<table class=\"answers\"><tr><th>baseline "
				 "(typical)</th><th>tonight (typical)</th></tr><tr>");
		html_side(out, e, "baseline");
		html_side(out, e, "tonight");
		sbuf_addstr(out, "</tr></table></li>\n");
		sbuf_release(&fig);
	}
	sbuf_addstr(out, "</ol>\n</section>\n");
}

void render_whatchanged_gist(const json_t *wc, struct sbuf *out)
{
	json_t *seen = json_object();
	const json_t *e, *m;
	size_t i, j, n = 0;

	json_array_foreach(wc, i, e) json_array_foreach(json_object_get(e, "moved"), j, m)
	{
		const char *sig = sget(m, "signal"), *w = NULL;
		const json_t *b = json_object_get(m, "baseline"),
			     *t = json_object_get(m, "tonight");
		int up = json_is_number(b) && json_is_number(t) &&
			 json_number_value(t) > json_number_value(b);

		if (!sig || json_object_get(seen, sig))
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
