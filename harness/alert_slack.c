/* alert_slack.c: Slack incoming webhook, as a Block Kit message (header, summary, fields,
 * signals, report link) with a plain-text fallback. The webhook URL is a secret: only url_env. */
#include "alert.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Block Kit limits (api.slack.com/reference/block-kit/blocks). */
#define SLACK_HEADER_MAX 150
#define SLACK_TEXT_MAX	 3000
#define SLACK_FIELD_MAX	 2000
#define SLACK_FIELDS_MAX 10

static const char *const slack_keys[] = { "url_env", "ca_file", NULL };

static int slack_parse(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		       const json_t *obj, struct pl_err *err)
{
	return alert_parse_url(ch, loc, pointer, obj, 1, err);
}

/* mrkdwn text from report and vendor fields: inert (render.h: entities, no formatting, no
 * mentions, no links). */
static void mrkdwn(struct sbuf *sb, const char *s, size_t max)
{
	render_md_escape(sb, s, RENDER_MD_SLACK, max);
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static char *cut_utf8(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return xstrdup(s);
	n = max - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	{
		char *r = xmalloc(n + 4);

		memcpy(r, s, n);
		memcpy(r + n, "...", 4);
		return r;
	}
}

static json_t *text_obj(const char *type, const char *text)
{
	return json_pack("{s:s,s:s}", "type", type, "text", text);
}

static int slack_build(const struct alert_channel *ch, const struct alert_event *ev, time_t now,
		       struct alert_msg *m, struct pl_err *err)
{
	json_t *root, *blocks, *fields, *facts = json_array(), *f;
	char title[256], stamp[40], *header, *url = alert_report_url(ch, ev);
	struct sbuf sb;
	size_t i;

	(void)err;
	sbuf_init(&sb);
	alert_title(ev, title, sizeof(title));
	alert_time(now, stamp, sizeof(stamp));
	snprintf(m->subject, sizeof(m->subject), "%s", title);
	header = cut_utf8(title, SLACK_HEADER_MAX);
	blocks = json_array();
	json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "header", "text",
						text_obj("plain_text", header)));

	if (ev->kind == ALERT_TEST)
		sbuf_addstr(&sb, "This is a test message from `plumbline alert test`: the channel "
				 "works.");
	else
		mrkdwn(&sb, ev->summary ? ev->summary : title, SLACK_TEXT_MAX);
	json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "section", "text",
						text_obj("mrkdwn", sb.buf)));

	alert_facts(ev, facts);
	fields = json_array();
	json_array_foreach(facts, i, f)
	{
		if (i >= SLACK_FIELDS_MAX)
			break;
		sbuf_reset(&sb);
		sbuf_addch(&sb, '*');
		mrkdwn(&sb, json_string_value(json_array_get(f, 0)), 100);
		sbuf_addstr(&sb, "*\n");
		mrkdwn(&sb, json_string_value(json_array_get(f, 1)), SLACK_FIELD_MAX - 110);
		json_array_append_new(fields, text_obj("mrkdwn", sb.buf));
	}
	if (json_array_size(fields))
		json_array_append_new(blocks,
				      json_pack("{s:s,s:o}", "type", "section", "fields", fields));
	else
		json_decref(fields);

	if (ev->n_signals) {
		sbuf_reset(&sb);
		sbuf_addstr(&sb, "*Signals that moved*");
		for (i = 0; i < ev->n_signals && sb.len < SLACK_TEXT_MAX - 200; i++) {
			sbuf_addstr(&sb, "\n\xe2\x80\xa2 "); /* bullet */
			mrkdwn(&sb, ev->signals[i], 150);
		}
		json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "section", "text",
							text_obj("mrkdwn", sb.buf)));
	}

	/* what changed, one section per prompt (a section holds at most 3000 characters) */
	if (json_array_size(ev->what_changed)) {
		const json_t *e;

		sbuf_reset(&sb);
		render_whatchanged_md_head(ev->what_changed, RENDER_MD_SLACK, &sb);
		json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "section", "text",
							text_obj("mrkdwn", sb.buf)));
		json_array_foreach(ev->what_changed, i, e)
		{
			char *cut;

			sbuf_reset(&sb);
			render_whatchanged_md_entry(e, i, RENDER_MD_SLACK, 200, &sb);
			cut = cut_utf8(sb.buf, SLACK_TEXT_MAX);
			json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "section",
								"text", text_obj("mrkdwn", cut)));
			free(cut);
		}
	}

	sbuf_reset(&sb);
	if (url) {
		/* <url|text>: the URL must not carry '|' or '>' (it is ours, but be safe). */
		sbuf_addstr(&sb, "Signed report: <");
		render_md_escape(&sb, url, RENDER_MD_SLACK_URL, 1500);
		sbuf_addstr(&sb, "|");
		mrkdwn(&sb, ev->report_path, 500);
		sbuf_addstr(&sb, ">");
	} else if (ev->report_path) {
		sbuf_addstr(&sb, "Signed report: `");
		mrkdwn(&sb, ev->report_path, 1500);
		sbuf_addstr(&sb, "`");
	}
	sbuf_addf(&sb, "%s%s", sb.len ? " | " : "", stamp);
	json_array_append_new(blocks, json_pack("{s:s,s:[o]}", "type", "context", "elements",
						text_obj("mrkdwn", sb.buf)));

	/* The fallback text is mrkdwn too (notifications): "<!channel>" must not form there. */
	sbuf_reset(&sb);
	mrkdwn(&sb, title, SLACK_TEXT_MAX);
	root = json_pack("{s:s,s:o}", "text", sb.buf, "blocks", blocks);
	alert_msg_add_json(m, root, JSON_COMPACT);
	json_decref(facts);
	free(header);
	free(url);
	sbuf_release(&sb);
	return 0;
}

const struct alert_ops alert_slack = {
	.name = "slack",
	.keys = slack_keys,
	.parse = slack_parse,
	.build = slack_build,
	.send = NULL, /* HTTP POST; Slack answers 200 "ok" */
};
