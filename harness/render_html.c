/* render_html.c: the self-contained HTML stability report over the vendor register: per
 * vendor/model, changes over time, availability and latency as inline SVG; no scripts, no
 * external assets, so it opens offline years later exactly as it was signed. */
#include "evaluate.h"
#include "register.h"
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W     720
#define H     150
#define LEFT  56
#define RIGHT 16
#define TOP   14
#define BOT   26

/* Run verdicts that mean "nothing changed": "pass" (run reports) or "no_change" (detection). */
static int verdict_ok(const char *v)
{
	return !strcmp(v, "pass") || !strcmp(v, "no_change");
}

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;"
	"max-width:980px;padding:0 12px;color:#1d2430;background:#fff}"
	"h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px "
	"solid #d8dee6;padding-bottom:4px}h3{font-size:14px;margin:16px 0 4px;color:#4a5566}"
	"table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:4px "
	"8px;border-bottom:1px solid #e6eaf0;vertical-align:top}th{background:#f4f6f9;font-weight:"
	"600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".changed{color:#b42318;font-weight:600}.ok{color:#067647}.other{color:#8a5a00}"
	".muted{color:#6b7685}svg{display:block;margin:4px 0 12px;background:#fbfcfd;border:1px "
	"solid #e6eaf0}code{font-size:12px;background:#f4f6f9;padding:1px 4px}"
	"footer{margin-top:32px;font-size:12px;color:#6b7685}td:nth-child(2){white-space:nowrap}"
	"tr.replaced td{color:#6b7685;background:#f9fafb}"
	"svg{max-width:100%;height:auto}"
	"pre.answer{white-space:pre-wrap;word-break:break-word;margin:0;font-size:12px;"
	"max-height:18em;overflow:hidden}table.answers td{width:50%}.moved{margin:2px 0}"
	".lead{font-size:15px;background:#f4f6f9;border-left:4px solid #9aa5b4;padding:8px 12px}"
	"dl.glossary dt{font-weight:600;margin-top:6px}dl.glossary dd{margin:0 0 0 16px}"
	".unverified,.evidence{font-size:16px;font-weight:700;color:#fff;background:#b42318;"
	"padding:10px 14px;margin:12px 0;break-inside:avoid}.evidence ul{margin:6px 0 0;"
	"font-size:14px;font-weight:400}.evidence code{color:#1d2430}.evidence a{color:#fff}"
	"tr.badreport td{background:#fef3f2}"
	".badmark{color:#b42318;font-weight:700}"
	"@page{size:A4;margin:14mm}"
	"@media print{body{margin:0;max-width:none;font-size:10.5pt}a{color:inherit;"
	"text-decoration:none}h2{break-after:avoid}section.vm{break-before:page}"
	"svg,tr,li,.lead{break-inside:avoid}pre.answer{max-height:none}footer{break-before:avoid}}";

void render_xml_escape(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		unsigned char c = *p;
		size_t n = c < 0x80		? 1
			   : (c & 0xe0) == 0xc0 ? 2
			   : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4
						: 0;
		size_t i;
		int ok = n > 0;

		for (i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		/* XML 1.0 allows neither C0 controls (but tab and line breaks) nor U+FFFE and
		 * U+FFFF: one of them and a CI server rejects the whole JUnit file. */
		if (!ok || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f ||
		    (n == 3 && c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
			sbuf_addstr(out, "\xef\xbf\xbd"); /* U+FFFD */
			p += ok ? n : 1;
			continue;
		}
		switch (c) {
		case '&':
			sbuf_addstr(out, "&amp;");
			break;
		case '<':
			sbuf_addstr(out, "&lt;");
			break;
		case '>':
			sbuf_addstr(out, "&gt;");
			break;
		case '"':
			sbuf_addstr(out, "&quot;");
			break;
		case '\'':
			sbuf_addstr(out, "&#39;");
			break;
		default:
			sbuf_add(out, p, n);
		}
		p += n;
	}
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Entries are placed by the night they are about (a backfilled night where it belongs). */
static double night_t(const json_t *e)
{
	char night[11];

	register_entry_night(e, night);
	return (double)register_parse_date(night);
}

static void night_text(struct sbuf *out, const json_t *e)
{
	char night[11];

	register_entry_night(e, night);
	render_xml_escape(out, night);
}

static int same_vm(const json_t *e, const struct reg_summary *s)
{
	const char *v = sget(e, "vendor"), *m = sget(e, "model");

	return v && m && !strcmp(v, s->vendor) && !strcmp(m, s->model);
}

/* The entry's seq as an object key ("12"), in key. */
static const char *seq_key(const json_t *e, char key[32])
{
	snprintf(key, 32, "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
	return key;
}

struct span {
	double t0, t1;
};

static double xpos(const struct span *sp, double t)
{
	if (sp->t1 <= sp->t0)
		return LEFT + (W - LEFT - RIGHT) / 2.0;
	return LEFT + (t - sp->t0) / (sp->t1 - sp->t0) * (W - LEFT - RIGHT);
}

static void axis(struct sbuf *out, const struct span *sp, const char *label, const char *ylabel)
{
	char d0[32], d1[32];

	/* axis titles: nights along x, the measure up y */
	sbuf_addf(out,
		  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa5b4\"/>"
		  "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4a5566\" "
		  "text-anchor=\"middle\">night (UTC)</text>"
		  "<text transform=\"translate(12 %d) rotate(-90)\" font-size=\"11\" "
		  "fill=\"#4a5566\" text-anchor=\"middle\">",
		  LEFT, TOP, LEFT, H - BOT, (LEFT + W - RIGHT) / 2, H - 8, (TOP + H - BOT) / 2);
	render_xml_escape(out, ylabel);
	sbuf_addstr(out, "</text>");

	register_format_date((time_t)sp->t0, d0, sizeof(d0));
	register_format_date((time_t)sp->t1, d1, sizeof(d1));
	d0[10] = d1[10] = '\0';
	sbuf_addf(out,
		  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa5b4\"/>"
		  "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7685\">%s</text>"
		  "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7685\" "
		  "text-anchor=\"end\">%s</text>"
		  "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#4a5566\">",
		  LEFT, H - BOT, W - RIGHT, H - BOT, LEFT, H - 8, d0, W - RIGHT, H - 8, d1,
		  LEFT + 4, TOP);
	render_xml_escape(out, label);
	sbuf_addstr(out, "</text>");
}

/* The verdict timeline: one dot per run, a diamond per decision. */
static void timeline(struct sbuf *out, const json_t *entries, const struct reg_summary *s,
		     const struct span *sp, const json_t *events)
{
	const json_t *e;
	size_t i;
	int y = (H - BOT + TOP) / 2, big;

	sbuf_addf(out,
		  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		  "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"verdicts over time\">",
		  W, H, W, H);
	axis(out, sp,
	     "red = change, amber ring = suspicion retracted, purple ring = return, green = no "
	     "change, amber = other, diamond = decision",
	     "runs");
	sbuf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e6eaf0\"/>", LEFT,
		  y, W - RIGHT, y);
	json_array_foreach(entries, i, e)
	{
		const char *type = sget(e, "type"), *verdict = sget(e, "verdict"), *ev;
		double x = xpos(sp, (double)night_t(e));

		if (!same_vm(e, s) || !type)
			continue;
		if (!strcmp(type, "decision")) {
			sbuf_addf(out,
				  "<path d=\"M%.1f %d l7 7 l-7 7 l-7 -7 z\" fill=\"#1f6feb\">"
				  "<title>",
				  x, y - 30);
			night_text(out, e);
			sbuf_addstr(out, ": ");
			render_xml_escape(out, sget(e, "action"));
			sbuf_addstr(out, " by ");
			render_xml_escape(out, sget(e, "by"));
			sbuf_addstr(out, "</title></path>");
			continue;
		}
		ev = register_event_kind(events, e);
		/* the night's dot is the run that replaced it (listed in the runs table) */
		if (ev && !strcmp(ev, "replaced"))
			continue;
		if (ev && (!strcmp(ev, "return") || !strcmp(ev, "suspicion_retracted"))) {
			int ret = !strcmp(ev, "return");

			sbuf_addf(out,
				  "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\" fill=\"#fff\" "
				  "stroke=\"%s\" stroke-width=\"3\"><title>",
				  x, y, ret ? "#7a2fd0" : "#f79009");
			night_text(out, e);
			sbuf_addstr(out, " ");
			render_xml_escape(out, sget(e, "suite"));
			if (ret) {
				sbuf_addstr(out, ": returned to an earlier behaviour (epoch ");
				render_xml_escape(out, sget(e, "epoch"));
				sbuf_addstr(out, ")");
			} else {
				sbuf_addstr(out, ": a change suspected, retracted ");
				render_xml_escape(out,
						  sget(register_event(events, e), "link_night"));
				sbuf_addstr(out, " (not a change)");
			}
			sbuf_addstr(out, "</title></circle>");
			continue;
		}
		big = ev && (!strcmp(ev, "change") || !strcmp(ev, "confirmation") ||
			     !strcmp(ev, "pending"));
		sbuf_addf(out, "<circle cx=\"%.1f\" cy=\"%d\" r=\"%d\" fill=\"%s\"><title>", x, y,
			  big ? 7 : 5,
			  !verdict			 ? "#8a5a00"
			  : big && strcmp(ev, "pending") ? "#d92d20"
			  : big				 ? "#f79009"
			  : verdict_ok(verdict)		 ? "#12b76a"
							 : "#f79009");
		night_text(out, e);
		sbuf_addstr(out, " ");
		render_xml_escape(out, sget(e, "suite"));
		sbuf_addstr(out, ": ");
		render_xml_escape(out, verdict);
		if (ev && !strcmp(ev, "change"))
			sbuf_addstr(out, sget(register_event(events, e), "confirmed_night")
						 ? " (a change, confirmed)"
						 : " (a change)");
		else if (ev && !strcmp(ev, "confirmation"))
			sbuf_addstr(out, " (confirms the change suspected the night before)");
		else if (ev && !strcmp(ev, "pending"))
			sbuf_addstr(out, " (a change suspected, pending)");
		else if (ev && !strcmp(ev, "retraction"))
			sbuf_addstr(out, " (retracts the suspicion before)");
		sbuf_addstr(out, "</title></circle>");
	}
	sbuf_addstr(out, "</svg>\n");
}

/* True when e is a run of s's vendor and model with a number in field, not one a later run of
 * its night replaced; *v is it times scale. */
static int run_value(const json_t *e, const struct reg_summary *s, const json_t *events,
		     const char *field, double scale, double *v)
{
	const char *ev;

	if (!same_vm(e, s) || !json_is_number(json_object_get(e, field)))
		return 0;
	ev = register_event_kind(events, e);
	if (ev && !strcmp(ev, "replaced"))
		return 0;
	*v = json_number_value(json_object_get(e, field)) * scale;
	return 1;
}

static double ypos(double v, double ymin, double ymax)
{
	return (H - BOT) - (v - ymin) / (ymax - ymin) * (H - BOT - TOP - 18);
}

/* A line chart of one numeric field of the runs. scale multiplies the value for display. */
static void line_chart(struct sbuf *out, const json_t *entries, const struct reg_summary *s,
		       const json_t *events, const struct span *sp, const char *field,
		       const char *label, const char *ylabel, double scale, double ymin,
		       double ymax_hint, const char *unit)
{
	const json_t *e;
	size_t i, n = 0;
	double ymax = ymax_hint, v;
	struct sbuf dots;
	int first = 1;

	json_array_foreach(entries, i, e)
	{
		if (!run_value(e, s, events, field, scale, &v))
			continue;
		if (v > ymax)
			ymax = v;
		n++;
	}
	if (ymax <= ymin)
		ymax = ymin + 1;
	sbuf_addf(out,
		  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		  "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
		  W, H, W, H, label);
	axis(out, sp, label, ylabel);
	sbuf_addf(out,
		  "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7685\" "
		  "text-anchor=\"end\">%.0f%s</text>"
		  "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7685\" "
		  "text-anchor=\"end\">%.0f%s</text>",
		  LEFT - 6, TOP + 18, ymax, unit, LEFT - 6, H - BOT, ymin, unit);
	if (!n) {
		sbuf_addf(out,
			  "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#6b7685\">no "
			  "data</text>",
			  W / 2 - 20, H / 2);
		sbuf_addstr(out, "</svg>\n");
		return;
	}
	/* One pass: the line's points go out now, the dots (drawn over the line) after it. */
	sbuf_init(&dots);
	sbuf_addstr(out, "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"");
	json_array_foreach(entries, i, e)
	{
		double x, y;

		if (!run_value(e, s, events, field, scale, &v))
			continue;
		x = xpos(sp, (double)night_t(e));
		y = ypos(v, ymin, ymax);
		sbuf_addf(out, "%s%.1f,%.1f", first ? "" : " ", x, y);
		first = 0;
		sbuf_addf(&dots, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f6feb\"><title>",
			  x, y);
		night_text(&dots, e);
		sbuf_addf(&dots, ": %.1f%s</title></circle>", v, unit);
	}
	sbuf_addstr(out, "\"/>");
	sbuf_add(out, dots.buf, dots.len);
	sbuf_release(&dots);
	sbuf_addstr(out, "</svg>\n");
}

/* Appends path's components (absolute, or relative to cwd) to parts, resolving "." and
 * "..": parts is a JSON array of strings. */
static void path_parts(json_t *parts, const char *cwd, const char *path)
{
	const char *srcs[2] = { path[0] == '/' ? NULL : cwd, path };
	size_t k;

	for (k = 0; k < 2; k++) {
		const char *p = srcs[k];

		while (p && *p) {
			const char *q = strchr(p, '/');
			size_t n = q ? (size_t)(q - p) : strlen(p);

			if (n == 2 && !strncmp(p, "..", 2))
				json_array_remove(parts, json_array_size(parts)
								 ? json_array_size(parts) - 1
								 : 0);
			else if (n && !(n == 1 && *p == '.'))
				json_array_append_new(parts, json_stringn(p, n));
			p += n + (q != NULL);
		}
	}
}

/* Percent-encodes what a relative URL path must not carry raw. */
static void url_path(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c))
			sbuf_addch(out, (char)c);
		else
			sbuf_addf(out, "%%%02X", c);
	}
}

/* The href of report (+ suffix): relative to the page's directory when the options say where
 * it is, else base + report as it stands. */
static void href(struct sbuf *out, const struct render_html_opts *o, const char *report,
		 const char *suffix)
{
	json_t *to, *from;
	struct sbuf u;
	size_t i = 0, k;

	sbuf_init(&u);
	if (!o->out_dir || !o->cwd) {
		sbuf_addstr(&u, o->report_base ? o->report_base : "");
		sbuf_addstr(&u, report);
		sbuf_addstr(&u, suffix);
		render_xml_escape(out, u.buf);
		sbuf_release(&u);
		return;
	}
	to = json_array();
	from = json_array();
	path_parts(to, o->cwd, report);
	path_parts(from, o->cwd, o->out_dir);
	while (i < json_array_size(from) && i + 1 < json_array_size(to) &&
	       json_equal(json_array_get(from, i), json_array_get(to, i)))
		i++;
	for (k = i; k < json_array_size(from); k++)
		sbuf_addstr(&u, "../");
	for (k = i; k < json_array_size(to); k++)
		sbuf_addf(&u, "%s%s", k > i ? "/" : "", json_string_value(json_array_get(to, k)));
	sbuf_addstr(&u, suffix);
	{
		struct sbuf enc;

		sbuf_init(&enc);
		url_path(&enc, u.buf);
		render_xml_escape(out, enc.buf);
		sbuf_release(&enc);
	}
	sbuf_release(&u);
	json_decref(to);
	json_decref(from);
}

static void link(struct sbuf *out, const struct render_html_opts *o, const char *report,
		 const char *suffix, const char *text)
{
	sbuf_addstr(out, "<a href=\"");
	href(out, o, report, suffix);
	sbuf_addstr(out, "\">");
	sbuf_addstr(out, text);
	sbuf_addstr(out, "</a>");
}

/* REPORT.html for REPORT.json: the rendering the run writes beside the signed JSON. */
static void html_link(struct sbuf *out, const struct render_html_opts *o, const char *report)
{
	size_t n = strlen(report);
	char *stem = xstrndup(report, n > 5 && !strcmp(report + n - 5, ".json") ? n - 5 : n);

	link(out, o, stem, ".html", "report");
	free(stem);
}

/* A replaced run's evidence: its file now holds run by's report (a --force run of the night
 * wrote over it), so no link is offered as if it were this run's, only the SHA-256 of the
 * report it registered. */
static void replaced_evidence(struct sbuf *out, const json_t *e, long long by)
{
	const char *path = sget(e, "report_path") ? sget(e, "report_path") : sget(e, "report");

	sbuf_addstr(out, "<code title=\"SHA-256\">");
	render_xml_escape(out, sget(e, "report_sha256"));
	sbuf_addstr(out, "</code><br>this run's report, not linked: its file <code>");
	render_xml_escape(out, path);
	sbuf_addf(out, "</code> now holds <a href=\"#run-%lld\">entry #%lld</a>'s report", by, by);
}

/* The banner of a register rendered without verifying it (o->proof NULL or not verified):
 * at the top, on every vendor/model's page and above the footer. */
static void unverified_banner(struct sbuf *out, const struct render_html_opts *o)
{
	const struct render_register_proof *p = o->proof;

	if (p && p->verified)
		return;
	sbuf_addstr(out, "<div class=\"unverified\">NOT VERIFIED: ");
	if (p && p->why) {
		sbuf_addstr(out, "the register does not verify (");
		render_xml_escape(out, p->why);
		sbuf_addstr(out, "). ");
	} else {
		sbuf_addstr(out, "this page was written without verifying the register. ");
	}
	sbuf_addstr(out, "What it shows may be edited, truncated or forged: do not rely on "
			 "it.</div>\n");
}

/* The banner of report files missing or altered, or not checked for want of the reports
 * folder (nothing when they are intact or --entries-only left them out): at the top with
 * every affected run listed (list 1), on the page of a vendor/model with an affected run
 * (s: how many of its runs) and above the footer. */
static void evidence_banner(struct sbuf *out, const json_t *entries,
			    const struct render_html_opts *o, const struct reg_summary *s, int list)
{
	const struct render_register_proof *p = o->proof;
	const json_t *e;
	size_t i, n = 0;

	if (!p || (p->reports != RENDER_REPORTS_DAMAGED && p->reports != RENDER_REPORTS_NO_FOLDER))
		return;
	if (p->reports == RENDER_REPORTS_NO_FOLDER) {
		sbuf_addstr(out, "<div class=\"evidence\">REPORT FILES NOT CHECKED: ");
		render_xml_escape(out, p->reports_why ? p->reports_why
						      : "the reports folder does not exist");
		sbuf_addstr(out, ". The evidence the register names is missing.</div>\n");
		return;
	}
	json_array_foreach(entries, i, e)
	{
		if (render_report_problem(p, e) && (!s || same_vm(e, s)))
			n++;
	}
	if (s && !n)
		return;
	if (s) {
		sbuf_addf(
			out,
			"<div class=\"evidence\">REPORTS MISSING OR ALTERED: %zu of this "
			"vendor/model's signed report%s (marked in the runs below) %s not intact.</div>\n",
			n, n == 1 ? "" : "s", n == 1 ? "is" : "are");
		return;
	}
	sbuf_addf(out,
		  "<div class=\"evidence\">REPORTS MISSING OR ALTERED: %zu of the %zu signed "
		  "report files in <code>",
		  p->reports_failed, p->reports_failed + p->reports_ok);
	render_xml_escape(out, p->reports_dir);
	sbuf_addstr(out, "</code> that the register names are missing or do not have the SHA-256 "
			 "their entry records: the evidence of ");
	sbuf_addstr(out, p->reports_failed == 1 ? "that run" : "those runs");
	sbuf_addstr(out, " is not intact.");
	if (!list) {
		sbuf_addstr(out, "</div>\n");
		return;
	}
	sbuf_addstr(out, "<ul>\n");
	json_array_foreach(entries, i, e)
	{
		const json_t *pr = render_report_problem(p, e);

		if (!pr)
			continue;
		sbuf_addf(out, "<li><a href=\"#run-%lld\">#%lld</a> ",
			  (long long)json_integer_value(json_object_get(e, "seq")),
			  (long long)json_integer_value(json_object_get(e, "seq")));
		night_text(out, e);
		sbuf_addstr(out, ", ");
		render_xml_escape(out, sget(e, "vendor"));
		sbuf_addstr(out, " / ");
		render_xml_escape(out, sget(e, "model"));
		sbuf_addch(out, ' ');
		render_xml_escape(out, sget(e, "suite"));
		sbuf_addstr(out, ": <b>");
		render_xml_escape(out, sget(pr, "label"));
		sbuf_addstr(out, "</b> (<code>");
		render_xml_escape(out, sget(pr, "file"));
		sbuf_addstr(out, "</code>)</li>\n");
	}
	sbuf_addstr(out, "</ul></div>\n");
}

/* What the report files were found to be, for "What was verified". */
static void reports_words(struct sbuf *out, const struct render_register_proof *p)
{
	switch (p->reports) {
	case RENDER_REPORTS_NOT_CHECKED:
		sbuf_addstr(out, " The report files were <b>not checked</b> (<code>--entries-only"
				 "</code>): the entries alone were verified, not that the reports "
				 "they name exist and match them.");
		break;
	case RENDER_REPORTS_INTACT:
		sbuf_addf(out, " Its <b>%zu report files</b> in <code>", p->reports_ok);
		render_xml_escape(out, p->reports_dir);
		sbuf_addstr(out, "</code> exist and have the SHA-256 their entries record.");
		break;
	case RENDER_REPORTS_DAMAGED:
		sbuf_addf(out, " Its report files in <code>");
		render_xml_escape(out, p->reports_dir);
		sbuf_addf(out,
			  "</code>: <b class=\"badmark\">%zu of %zu missing or altered</b> "
			  "(listed below and marked in their rows).",
			  p->reports_failed, p->reports_failed + p->reports_ok);
		break;
	case RENDER_REPORTS_NO_FOLDER:
		sbuf_addstr(out, " Its report files were <b class=\"badmark\">not checked</b>: ");
		render_xml_escape(out, p->reports_why);
		sbuf_addch(out, '.');
		break;
	}
}

/* The key rotations: when the register was handed over from one key to the next. */
static void rotations_table(struct sbuf *out, const json_t *entries)
{
	const json_t *e;
	size_t i;
	int any = 0;

	json_array_foreach(entries, i, e)
	{
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *old = json_string_value(json_object_get(e, "old_key"));
		const char *neu = json_string_value(json_object_get(e, "new_key"));
		const char *why = json_string_value(json_object_get(e, "reason"));

		if (!t || strcmp(t, "key_rotation"))
			continue;
		if (!any++)
			sbuf_addstr(out, "<h3>signing key rotations</h3>\n<table><tr><th>#</th>"
					 "<th>rotated</th><th>old key</th><th>new key</th>"
					 "<th>reason</th></tr>\n");
		sbuf_addf(out, "<tr><td class=\"n\">%lld</td><td>",
			  (long long)json_integer_value(json_object_get(e, "seq")));
		render_decision_date(e, out);
		sbuf_addstr(out, "</td><td><code>");
		render_xml_escape(out, old ? old : "?");
		sbuf_addstr(out, "</code></td><td><code>");
		render_xml_escape(out, neu ? neu : "?");
		sbuf_addstr(out, "</code></td><td>");
		render_xml_escape(out, why ? why : "");
		sbuf_addstr(out, "</td></tr>\n");
	}
	if (any)
		sbuf_addstr(out,
			    "</table>\n<p>Entries after a rotation are signed by its new "
			    "key, which also signed the rotation; plumbline verify follows the "
			    "rotations from the public key you hold.</p>\n");
}

/* What was verified before the page was written: the entries, the nights they cover, the
 * key, the signed checkpoint, the report files. */
static void proof_section(struct sbuf *out, const json_t *entries, const struct render_html_opts *o)
{
	const struct render_register_proof *p = o->proof;
	char first[11], last[11];

	if (!p || !p->verified) {
		unverified_banner(out, o);
		evidence_banner(out, entries, o, NULL, 1);
		return;
	}
	render_register_period(entries, first, last);
	sbuf_addstr(out, "<h2>What was verified</h2>\n<p class=\"lead verified\">Before this "
			 "page was written, the register <code>");
	render_xml_escape(out, p->path);
	sbuf_addf(out,
		  "</code> was verified as <code>plumbline register verify</code> does: "
		  "<b>%zu entries</b> (",
		  p->entries);
	if (p->unchecked)
		sbuf_addf(out,
			  "every entry's sequence number and hash-chain link; the signatures "
			  "from #%zu on, see below",
			  p->unchecked);
	else
		sbuf_addstr(out, "every entry's signature, sequence number and hash-chain link");
	sbuf_addstr(out, "), covering the nights <b>");
	render_xml_escape(out, first[0] ? first : "-");
	sbuf_addstr(out, "</b> to <b>");
	render_xml_escape(out, last[0] ? last : "-");
	sbuf_addstr(out, "</b>, signed with the key <code>");
	render_xml_escape(out, p->key_id ? p->key_id : "-");
	sbuf_addf(out, "</code>; the signed checkpoint: size <b>%zu</b>, root <code>",
		  p->checkpoint_size);
	render_xml_escape(out, p->root_hex);
	sbuf_addstr(out, "</code>, signed ");
	render_xml_escape(out, p->checkpoint_date);
	if (p->saved_checked)
		sbuf_addf(out, "; it extends the saved checkpoint of size %zu", p->saved_size);
	else
		sbuf_addstr(out, "; not checked against a checkpoint saved earlier (a rollback to "
				 "an older signed state is caught with <code>--checkpoint "
				 "SAVED</code>)");
	sbuf_addch(out, '.');
	reports_words(out, p);
	sbuf_addstr(out, "</p>\n");
	if (p->unchecked) {
		sbuf_addf(out,
			  "<p class=\"lead\">Not checked: the signatures of entries #0 to #%zu, "
			  "made by the key <code>",
			  p->unchecked - 1);
		render_xml_escape(out, p->unchecked_key ? p->unchecked_key : "-");
		sbuf_addstr(out, "</code>");
		if (p->unchecked_from)
			sbuf_addf(out,
				  " (#%zu on; those before by the keys earlier rotations retired)",
				  p->unchecked_from);
		sbuf_addstr(out, " before the register was handed over to the trusted "
				 "key; verify them with the original public key.</p>\n");
	}
	rotations_table(out, entries);
	evidence_banner(out, entries, o, NULL, 1);
}

static void section(struct sbuf *out, const json_t *entries, const struct reg_summary *s,
		    const struct render_html_opts *o, const json_t *events)
{
	struct span sp = { 1e300, -1e300 };
	const json_t *e;
	size_t i;
	int decisions = 0;

	json_array_foreach(entries, i, e)
	{
		double t = (double)night_t(e);

		if (!same_vm(e, s) || t < 0)
			continue;
		if (t < sp.t0)
			sp.t0 = t;
		if (t > sp.t1)
			sp.t1 = t;
	}
	if (sp.t1 < sp.t0)
		sp.t0 = sp.t1 = (double)o->now;
	sbuf_addstr(out, "<section class=\"vm\">\n<h2 id=\"");
	render_xml_escape(out, s->vendor);
	sbuf_addch(out, '-');
	render_xml_escape(out, s->model);
	sbuf_addstr(out, "\">");
	render_xml_escape(out, s->vendor);
	sbuf_addstr(out, " / ");
	render_xml_escape(out, s->model);
	sbuf_addstr(out, "</h2>\n");
	unverified_banner(out, o);
	evidence_banner(out, entries, o, s, 0);
	timeline(out, entries, s, &sp, events);
	line_chart(out, entries, s, events, &sp, "availability",
		   "availability: answered / (answered + vendor faults), per run",
		   "availability (%)", 100, 0, 100, "%");
	line_chart(out, entries, s, events, &sp, "latency_p50_ms", "median latency per run",
		   "latency (ms)", 1, 0, 0, " ms");
	sbuf_addstr(out, "<h3>runs</h3>\n<table><tr><th>#</th><th>night</th><th>suite</th>"
			 "<th>verdict</th><th>epoch</th><th>summary</th><th>signed report</th>"
			 "</tr>\n");
	json_array_foreach(entries, i, e)
	{
		const char *type = sget(e, "type"), *verdict = sget(e, "verdict");
		const char *report = sget(e, "report");
		const json_t *ev = register_event(events, e),
			     *pr = render_report_problem(o->proof, e);
		long long seq = (long long)json_integer_value(json_object_get(e, "seq")), by = -1;

		if (!same_vm(e, s) || !type)
			continue;
		if (strcmp(type, "run")) {
			decisions++;
			continue;
		}
		if (sget(ev, "event") && !strcmp(sget(ev, "event"), "replaced"))
			by = (long long)json_integer_value(json_object_get(ev, "link"));
		sbuf_addf(out, "<tr id=\"run-%lld\"%s><td class=\"n\">%lld</td><td>", seq,
			  by >= 0 ? " class=\"replaced\""
			  : pr	  ? " class=\"badreport\""
				  : "",
			  seq);
		night_text(out, e);
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "suite"));
		if (by >= 0) {
			/* not counted: its verdict struck through, never red or green */
			sbuf_addstr(out, "</td><td><s>");
			render_xml_escape(out, verdict);
			sbuf_addf(out,
				  "</s> replaced by <a href=\"#run-%lld\">#%lld</a> (--force), "
				  "not counted",
				  by, by);
		} else {
			sbuf_addf(out, "</td><td class=\"%s\">",
				  !verdict			? "other"
				  : !strcmp(verdict, "changed") ? "changed"
				  : verdict_ok(verdict)		? "ok"
								: "other");
			render_xml_escape(out, verdict);
		}
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "epoch"));
		if (json_is_true(json_object_get(e, "new_epoch")))
			sbuf_addstr(out, " (new)");
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "summary"));
		sbuf_addstr(out, "</td><td>");
		if (pr) {
			/* the evidence this row links to is not what was signed */
			sbuf_addstr(out, "<b class=\"badmark\">&#9888; ");
			render_xml_escape(out, sget(pr, "label"));
			sbuf_addstr(out, "</b><br>");
		}
		if (report && by >= 0) {
			replaced_evidence(out, e, by);
		} else if (report) {
			html_link(out, o, report);
			sbuf_addstr(out, " · ");
			link(out, o, report, "", "signed JSON");
			sbuf_addstr(out, " · ");
			link(out, o, report, ".minisig", "minisig");
			sbuf_addstr(out, "<br><code title=\"SHA-256\">");
			render_xml_escape(out, sget(e, "report_sha256"));
			sbuf_addstr(out, "</code>");
		}
		sbuf_addstr(out, "</td></tr>\n");
	}
	sbuf_addstr(out, "</table>\n");
	if (!decisions) {
		sbuf_addstr(out, "</section>\n");
		return;
	}
	sbuf_addstr(out, "<h3>decisions</h3>\n<table><tr><th>#</th><th>night</th>"
			 "<th>decided</th><th>suite</th><th>decision</th><th>by</th>"
			 "<th>reason</th><th>accepts</th></tr>\n");
	json_array_foreach(entries, i, e)
	{
		const char *type = sget(e, "type");
		const json_t *acc = json_object_get(e, "accepts_seq");

		if (!same_vm(e, s) || !type || strcmp(type, "decision"))
			continue;
		sbuf_addf(out, "<tr><td class=\"n\">%lld</td><td>",
			  (long long)json_integer_value(json_object_get(e, "seq")));
		night_text(out, e);
		sbuf_addstr(out, "</td><td>");
		render_decision_date(e, out);
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "suite"));
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "action"));
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "by"));
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, sget(e, "reason"));
		sbuf_addstr(out, "</td><td>");
		if (json_is_integer(acc))
			sbuf_addf(out, "run #%lld ", (long long)json_integer_value(acc));
		if (sget(e, "epoch")) {
			sbuf_addstr(out, "epoch ");
			render_xml_escape(out, sget(e, "epoch"));
		}
		sbuf_addstr(out, "</td></tr>\n");
	}
	sbuf_addstr(out, "</table>\n");
	sbuf_addstr(out, "</section>\n");
}

/* Days from night (YYYY-MM-DD) to now, never negative; -1 when night is malformed. */
static long days_since(const char *night, time_t now)
{
	time_t t = night ? register_parse_date(night) : -1;
	double d;

	if (t < 0)
		return -1;
	d = difftime(now, t) / 86400.0;
	return d < 0 ? 0 : (long)d;
}

/* What a change was, in plain words: the report's gist (o->change_words), else the entry's
 * summary after "changed: ", cut. */
static void change_words(struct sbuf *out, const json_t *e, const struct render_html_opts *o)
{
	char key[32];
	const char *w = json_string_value(json_object_get(o->change_words, seq_key(e, key)));
	const char *sum = sget(e, "summary"), *p;
	struct sbuf cut;

	if (w && *w) {
		render_xml_escape(out, w);
		return;
	}
	if (!sum) {
		sbuf_addstr(out, "behaviour changed");
		return;
	}
	p = strstr(sum, "changed: ");
	p = p ? p + 9 : sum;
	sbuf_init(&cut);
	sbuf_add(&cut, p, strlen(p) > 120 ? 120 : strlen(p));
	while (cut.len && ((unsigned char)cut.buf[cut.len - 1] & 0xC0) == 0x80)
		cut.buf[--cut.len] = '\0';
	if (cut.len && ((unsigned char)cut.buf[cut.len - 1] & 0xC0) == 0xC0)
		cut.buf[--cut.len] = '\0';
	render_xml_escape(out, cut.buf);
	if (strlen(p) > 120)
		sbuf_addstr(out, "\xe2\x80\xa6");
	sbuf_release(&cut);
}

/* The decision that accepted the change (or suspicion) whose first night is run e: one whose
 * accepts_seq is e or a run of the same change (its confirmation, its retraction), else one
 * without accepts_seq for the same suite and epoch; NULL when none. */
static const json_t *acceptance(const json_t *entries, const json_t *e, const json_t *events)
{
	const json_t *d, *best = NULL;
	size_t i;

	json_array_foreach(entries, i, d)
	{
		const char *type = sget(d, "type"), *action = sget(d, "action");
		const json_t *acc = json_object_get(d, "accepts_seq");

		if (!type || strcmp(type, "decision") || !action || strcmp(action, "accept") ||
		    !sget(d, "vendor") || strcmp(sget(d, "vendor"), sget(e, "vendor")) ||
		    !sget(d, "model") || strcmp(sget(d, "model"), sget(e, "model")))
			continue;
		if (json_is_integer(acc) && register_event_first(events, json_integer_value(acc)) ==
						    json_integer_value(json_object_get(e, "seq")))
			return d;
		if (!json_is_integer(acc) && sget(d, "epoch") && sget(e, "epoch") &&
		    !strcmp(sget(d, "epoch"), sget(e, "epoch")) && sget(d, "suite") &&
		    sget(e, "suite") && !strcmp(sget(d, "suite"), sget(e, "suite")))
			best = d;
	}
	return best;
}

/* The acceptance of run e's change, or "not accepted yet". */
static void accepted_words(struct sbuf *out, const json_t *byn, const json_t *e,
			   const json_t *events, int say_not)
{
	const json_t *acc = acceptance(byn, e, events);

	if (acc) {
		sbuf_addstr(out, "; accepted by ");
		render_xml_escape(out, sget(acc, "by"));
		sbuf_addstr(out, ": \xe2\x80\x98");
		render_xml_escape(out, sget(acc, "reason"));
		sbuf_addstr(out, "\xe2\x80\x99");
	} else if (say_not) {
		sbuf_addstr(out, "; not accepted yet");
	}
}

/* The runs of s with event kind in the last 90 days, in night order: "D: words; ..." after
 * open (" (" first, "; " after), the words of each given by kind. Returns how many. */
static int event_list(struct sbuf *out, const json_t *byn, const struct reg_summary *s,
		      const struct render_html_opts *o, const json_t *events, const char *kind)
{
	const json_t *e;
	size_t i;
	int k = 0;

	json_array_foreach(byn, i, e)
	{
		const json_t *ev = register_event(events, e);
		char night[11];
		long age;

		register_entry_night(e, night);
		age = days_since(night, o->now);
		/* a pending suspicion is listed whatever its age: it is still open */
		if (!ev || strcmp(sget(ev, "event"), kind) || !same_vm(e, s) || age < 0 ||
		    (age > 90 && strcmp(kind, "pending")))
			continue;
		sbuf_addstr(out, k++ ? "; " : " (");
		render_xml_escape(out, night);
		sbuf_addstr(out, ": ");
		if (!strcmp(kind, "return")) {
			sbuf_addstr(out, "back to epoch ");
			render_xml_escape(out, sget(e, "epoch"));
			continue;
		}
		change_words(out, e, o);
		if (!strcmp(kind, "change") && sget(ev, "confirmed_night") &&
		    strcmp(sget(ev, "confirmed_night"), night)) {
			sbuf_addstr(out, ", confirmed ");
			render_xml_escape(out, sget(ev, "confirmed_night"));
		} else if (!strcmp(kind, "change") && sget(ev, "confirmed_night")) {
			sbuf_addstr(out, ", confirmed");
		} else if (!strcmp(kind, "suspicion_retracted") && sget(ev, "link_night")) {
			sbuf_addstr(out, ", retracted ");
			render_xml_escape(out, sget(ev, "link_night"));
		} else if (!strcmp(kind, "pending")) {
			sbuf_addstr(out, ", not yet confirmed or retracted");
		}
		accepted_words(out, byn, e, events, !strcmp(kind, "change"));
	}
	if (k)
		sbuf_addch(out, ')');
	return k;
}

/* The plain-language lead of one vendor/model: how long it has been stable, its changes and
 * returns in 90 days with their words and acceptances, availability and latency. */
static void plain_summary(struct sbuf *out, const json_t *byn, const struct reg_summary *s,
			  const struct render_html_opts *o, const json_t *events)
{
	struct sbuf st;

	sbuf_addstr(out, "<p class=\"lead summary\"><b>");
	render_xml_escape(out, s->vendor);
	sbuf_addstr(out, " / ");
	render_xml_escape(out, s->model);
	sbuf_addstr(out, "</b>: ");
	sbuf_init(&st);
	/* the retracted suspicions are listed below, with their words */
	render_register_stability(s, 0, &st);
	render_xml_escape(out, st.buf);
	sbuf_release(&st);
	sbuf_addf(out, "; %d behaviour change%s in 90 days", s->changes_90d,
		  s->changes_90d == 1 ? "" : "s");
	event_list(out, byn, s, o, events, "change");
	if (s->pending) {
		sbuf_addf(out, "; %d suspected change%s pending", s->pending,
			  s->pending == 1 ? "" : "s");
		event_list(out, byn, s, o, events, "pending");
	}
	if (s->retracted_90d) {
		sbuf_addf(out, "; %d suspected change%s retracted, not counted", s->retracted_90d,
			  s->retracted_90d == 1 ? "" : "s");
		event_list(out, byn, s, o, events, "suspicion_retracted");
	}
	if (s->returns_90d) {
		sbuf_addf(out, "; returned to an earlier behaviour %d time%s", s->returns_90d,
			  s->returns_90d == 1 ? "" : "s");
		event_list(out, byn, s, o, events, "return");
	}
	if (s->availability >= 0)
		sbuf_addf(out,
			  "; availability %.1f%% over 30 days (the mean of its runs' availability, "
			  "vendor faults only)",
			  100 * s->availability);
	if (s->latency_p50_ms >= 0)
		sbuf_addf(out, "; median latency %.0f ms", s->latency_p50_ms);
	sbuf_addstr(out, ".</p>\n");
}

static const char glossary[] =
	"<h2>Glossary</h2>\n<dl class=\"glossary\">\n"
	"<dt>behaviour change</dt><dd>the vendor's answers to the same prompts moved beyond "
	"their usual night-to-night variation (longer answers, more refusals, another format, "
	"another model id, different wording), or a hard signal moved (the returned model, "
	"fingerprint or token counts). A change is first <i>suspected</i> on the night it "
	"shows; the next night that can be judged <i>confirms</i> it (it starts a new epoch) "
	"or <i>retracts</i> it (a one-night blip: the vendor was back at its behaviour "
	"before). A confirmed change is counted once, dated by the night it was first "
	"suspected; a suspicion retracted is listed apart and never counted; one not yet "
	"confirmed or retracted is <i>pending</i>.</dd>\n"
	"<dt>epoch</dt><dd>a stretch of nights with one behaviour (e1, e2, ...).</dd>\n"
	"<dt>return to an earlier behaviour</dt><dd>the vendor went back to an epoch it had "
	"before (a rollback); shown as a return, not counted as a new change. A retraction is "
	"not a return: the behaviour never moved.</dd>\n"
	"<dt>accepted</dt><dd>a person reviewed a change and made it the new baseline "
	"(<code>plumbline baseline accept</code>), with the reason given; the decision is "
	"signed in the register.</dd>\n"
	"<dt>availability</dt><dd>of a run: its answered requests / (answered + vendor "
	"faults: server errors, overload, rate limits, timeouts, network failures, malformed "
	"answers). Our own faults are left out: a revoked or wrong key, a request the vendor "
	"rejected as malformed, a budget that stopped the run, a configuration error. The "
	"30-day figure is the mean of the runs' availability over the nights of the last 30 "
	"days (runs replaced by a later run of their night left out): each night weighs the "
	"same, however many requests it sent. A vendor that is down stops a run early, and "
	"the requests never sent are no faults; pooled over requests, such a night would "
	"hardly count.</dd>\n"
	"<dt>replaced run</dt><dd>a night run again (<code>plumbline run --force</code>): "
	"the later run's report replaced the earlier one's file and is the night's; the "
	"earlier run stays in the register, listed with the SHA-256 of the report it "
	"signed, but is not counted (not in runs, changes, availability or latency).</dd>\n"
	"<dt>median latency</dt><dd>the middle time to a complete answer in a run; the "
	"30-day figure is the median of the runs' medians.</dd>\n"
	"<dt>verdict</dt><dd>per run: <i>pass</i> or <i>no_change</i> (nothing moved), "
	"<i>changed</i>, <i>checks_failed</i> (the suite's own checks failed without a "
	"behaviour change), <i>incomplete</i> (too few answers to judge), <i>unstable</i> "
	"(the endpoint varies too much to judge).</dd>\n"
	"<dt>signed report</dt><dd>each run's report is a JSON file signed with Ed25519 "
	"(the .minisig beside it) and entered in a tamper-evident register; the report link "
	"opens its rendering.</dd>\n</dl>\n";

int render_html_register(const json_t *entries, const struct render_html_opts *o, struct sbuf *out,
			 struct pl_err *err)
{
	const char *title = o->title ? o->title : "Vendor stability report";
	struct reg_summary *s = NULL;
	json_t *byn, *events;
	const json_t *e;
	size_t n = 0, i, k, bad;
	char now[32];

	if (!json_is_array(entries))
		return pl_err_set(err, PL_E_INPUT, NULL, "register entries are not an array");
	register_summarise(entries, o->now, &s, &n);
	events = register_events(entries);
	byn = register_by_night(entries);
	register_format_date(o->now, now, sizeof(now));
	sbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, "
			 "initial-scale=1\">\n"
			 "<title>");
	render_xml_escape(out, title);
	sbuf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
	render_xml_escape(out, title);
	sbuf_addf(out,
		  "</h1>\n<p class=\"muted\">%zu register entries, %zu vendor/model pairs; "
		  "as of %s.</p>\n",
		  json_array_size(entries), n, now);
	proof_section(out, entries, o);
	sbuf_addstr(out, "<h2>Summary</h2>\n");
	for (i = 0; i < n; i++)
		plain_summary(out, byn, &s[i], o, events);
	sbuf_addstr(out, "<table><tr><th>vendor / model</th><th>epoch</th><th>last change</th>"
			 "<th>changes 30d</th><th>changes 90d</th><th>availability 30d (mean of "
			 "the runs, vendor faults only)</th>"
			 "<th>median latency 30d</th><th>runs</th><th>decisions</th></tr>\n");
	for (i = 0; i < n; i++) {
		sbuf_addstr(out, "<tr><td><a href=\"#");
		render_xml_escape(out, s[i].vendor);
		sbuf_addch(out, '-');
		render_xml_escape(out, s[i].model);
		sbuf_addstr(out, "\">");
		render_xml_escape(out, s[i].vendor);
		sbuf_addstr(out, " / ");
		render_xml_escape(out, s[i].model);
		sbuf_addstr(out, "</a></td><td>");
		render_xml_escape(out, s[i].epoch ? s[i].epoch : "-");
		sbuf_addstr(out, "</td><td>");
		render_xml_escape(out, s[i].last_change ? s[i].last_change : "-");
		sbuf_addf(out, "</td><td class=\"n%s\">%d</td><td class=\"n\">%d</td>",
			  s[i].changes_30d ? " changed" : "", s[i].changes_30d, s[i].changes_90d);
		if (s[i].availability >= 0)
			sbuf_addf(out, "<td class=\"n\">%.1f%%</td>", 100 * s[i].availability);
		else
			sbuf_addstr(out, "<td class=\"n\">-</td>");
		if (s[i].latency_p50_ms >= 0)
			sbuf_addf(out, "<td class=\"n\">%.0f ms</td>", s[i].latency_p50_ms);
		else
			sbuf_addstr(out, "<td class=\"n\">-</td>");
		/* the nights' runs that stand; a night run again (--force) is one run */
		sbuf_addf(out, "<td class=\"n\">%zu", s[i].runs);
		if (s[i].replaced)
			sbuf_addf(out, " <span class=\"muted\">(+%zu replaced, not counted)</span>",
				  s[i].replaced);
		bad = 0;
		json_array_foreach(entries, k, e)
		{
			if (same_vm(e, &s[i]) && render_report_problem(o->proof, e))
				bad++;
		}
		if (bad)
			sbuf_addf(
				out,
				" <span class=\"badmark\">(%zu report%s missing or altered)</span>",
				bad, bad == 1 ? "" : "s");
		sbuf_addf(out, "</td><td class=\"n\">%zu</td></tr>\n", s[i].decisions);
	}
	sbuf_addstr(out, "</table>\n");
	sbuf_addstr(out, glossary);
	for (i = 0; i < n; i++)
		section(out, byn, &s[i], o, events);
	json_decref(byn);
	json_decref(events);
	unverified_banner(out, o);
	evidence_banner(out, entries, o, NULL, 0);
	sbuf_addstr(out, "<footer>Every run report is signed (Ed25519, minisign format). Verify "
			 "one "
			 "with <code>minisign -Vm REPORT -p register.pub</code> or <code>openssl "
			 "pkeyutl -verify -pubin -inkey register.pub.pem -rawin -in REPORT "
			 "-sigfile "
			 "REPORT.sig.raw</code>, and the register with <code>plumbline register "
			 "verify</code>. This page has no scripts and loads nothing.</footer>\n"
			 "</body>\n</html>\n");
	register_summaries_free(s, n);
	return 0;
}

/* ---- one run report ------------------------------------------------------------------ */

static void page_head(struct sbuf *out, const char *title)
{
	sbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, "
			 "initial-scale=1\">\n<title>");
	render_xml_escape(out, title);
	sbuf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
}

static long long iget(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

int render_html_report(const json_t *r, struct sbuf *out, struct pl_err *err)
{
	const json_t *counts = json_object_get(r, "counts"), *p, *c, *mc;
	const char *verdict = sget(r, "verdict");
	struct sbuf title;
	char phrase[128];
	size_t i, j, failed_rows = 0;

	if (!json_is_object(r))
		return pl_err_set(err, PL_E_INPUT, NULL, "the report is not a json object");
	sbuf_init(&title);
	sbuf_addf(&title, "plumbline: %s / %s / %s, night %s",
		  render_report_field(r, "vendor") ? render_report_field(r, "vendor") : "?",
		  render_report_field(r, "model") ? render_report_field(r, "model") : "?",
		  render_report_field(r, "suite") ? render_report_field(r, "suite") : "?",
		  render_report_field(r, "date") ? render_report_field(r, "date") : "?");
	page_head(out, title.buf);
	sbuf_addstr(out, "<h1>");
	render_xml_escape(out, title.buf);
	sbuf_addstr(out, "</h1>\n<p class=\"lead\">verdict: <span class=\"");
	sbuf_addstr(out, !verdict		       ? "other"
			 : !strcmp(verdict, "changed") ? "changed"
			 : verdict_ok(verdict)	       ? "ok"
						       : "other");
	sbuf_addstr(out, "\">");
	render_xml_escape(out, verdict ? verdict : "unknown");
	sbuf_addstr(out, "</span><br>");
	render_xml_escape(out, sget(r, "summary"));
	sbuf_addstr(out, "</p>\n");
	render_whatchanged_html(json_object_get(r, "what_changed"), out);

	sbuf_addstr(out, "<h2>Counts</h2>\n<p>");
	evaluate_checks_said((size_t)iget(counts, "checks_failed"),
			     (size_t)iget(counts, "checks_total"),
			     (size_t)iget(counts, "prompts_failed"),
			     (size_t)iget(counts, "answers"), phrase, sizeof(phrase));
	render_xml_escape(out, phrase);
	sbuf_addf(out,
		  ". %lld of %lld planned requests answered; %lld vendor fault%s; %lld "
		  "refusal%s.</p>\n",
		  iget(counts, "answers"), iget(counts, "planned"), iget(counts, "vendor_faults"),
		  iget(counts, "vendor_faults") == 1 ? "" : "s", iget(counts, "refusals"),
		  iget(counts, "refusals") == 1 ? "" : "s");
	if (json_array_size(json_object_get(r, "metadata_changes"))) {
		sbuf_addstr(out, "<h2>Vendor metadata that moved</h2>\n<table><tr><th>field</th>"
				 "<th>baseline</th><th>tonight</th></tr>\n");
		json_array_foreach(json_object_get(r, "metadata_changes"), i, mc)
		{
			char *b = json_dumps(json_object_get(mc, "baseline"),
					     JSON_COMPACT | JSON_ENCODE_ANY),
			     *t = json_dumps(json_object_get(mc, "tonight"),
					     JSON_COMPACT | JSON_ENCODE_ANY);

			sbuf_addstr(out, "<tr><td>");
			render_xml_escape(out, sget(mc, "field"));
			sbuf_addstr(out, "</td><td><code>");
			render_xml_escape(out, b ? b : "");
			sbuf_addstr(out, "</code></td><td><code>");
			render_xml_escape(out, t ? t : "");
			sbuf_addstr(out, "</code></td></tr>\n");
			free(b);
			free(t);
		}
		sbuf_addstr(out, "</table>\n");
	}
	json_array_foreach(json_object_get(r, "prompts"), i, p)
		json_array_foreach(json_object_get(p, "checks"), j, c)
	{
		const char *v = sget(c, "verdict");

		if (!v || strcmp(v, "fail"))
			continue;
		if (!failed_rows++)
			sbuf_addstr(out, "<h2>Failed checks</h2>\n<table><tr><th>prompt</th>"
					 "<th>check</th><th>passed</th></tr>\n");
		sbuf_addstr(out, "<tr><td><code>");
		render_xml_escape(out, sget(p, "id"));
		sbuf_addstr(out, "</code></td><td>");
		render_xml_escape(out, render_check_name(c));
		sbuf_addf(out, "</td><td class=\"n\">%lld of %lld</td></tr>\n", iget(c, "pass"),
			  iget(c, "pass") + iget(c, "fail"));
	}
	if (failed_rows)
		sbuf_addstr(out, "</table>\n");
	sbuf_addstr(out, "<footer>The signed report is the JSON file of the same name (with its "
			 ".minisig); every figure here is read from it. This page has no scripts "
			 "and loads nothing.</footer>\n</body>\n</html>\n");
	sbuf_release(&title);
	return 0;
}
