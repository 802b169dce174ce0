/* alert_teams.c: Microsoft Teams through a Workflows ("Post to a channel when a webhook request
 * is received") webhook: a message with one Adaptive Card attachment (TextBlocks, a FactSet,
 * an Action.OpenUrl to the report). The URL is a secret: only url_env. */
#include "alert.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const teams_keys[] = { "url_env", "ca_file", NULL };

static int teams_parse(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		       const json_t *obj, struct pl_err *err)
{
	return alert_parse_url(ch, loc, pointer, obj, 1, err);
}

/* Every text field of the card (TextBlocks, fact titles and values) goes through this one
 * escaping, render_md_escape's Teams flavor (render.h): inert, entities for & < >, backticks as
 * plain text; the what_changed blocks are rendered with the same flavor. */
static json_t *md_string(const char *text)
{
	struct sbuf sb;
	json_t *s;

	sbuf_init(&sb);
	render_md_escape(&sb, text, RENDER_MD_TEAMS, 0);
	s = json_string(sb.buf);
	sbuf_release(&sb);
	return s;
}

static json_t *text_block(const char *text, const char *size, const char *weight, const char *color)
{
	json_t *b =
		json_pack("{s:s,s:o,s:b}", "type", "TextBlock", "text", md_string(text), "wrap", 1);

	if (size)
		json_object_set_new(b, "size", json_string(size));
	if (weight)
		json_object_set_new(b, "weight", json_string(weight));
	if (color)
		json_object_set_new(b, "color", json_string(color));
	return b;
}

static int teams_build(const struct alert_channel *ch, const struct alert_event *ev, time_t now,
		       struct alert_msg *m, struct pl_err *err)
{
	json_t *facts = json_array(), *body = json_array(), *factset = json_array(), *card, *root,
	       *f;
	char title[256], stamp[40], *url = alert_report_url(ch, ev);
	struct sbuf sb;
	size_t i;

	(void)err;
	sbuf_init(&sb);
	alert_title(ev, title, sizeof(title));
	alert_time(now, stamp, sizeof(stamp));
	snprintf(m->subject, sizeof(m->subject), "%s", title);

	json_array_append_new(body,
			      text_block(title, "Medium", "Bolder",
					 ev->kind == ALERT_TEST || ev->kind == ALERT_RECOVERED ||
							 ev->retracted
						 ? "Good"
						 : "Attention"));
	json_array_append_new(body, text_block(ev->kind == ALERT_TEST
						       ? "This is a test message from plumbline "
							 "alert test: the "
							 "channel works."
						       : (ev->summary ? ev->summary : title),
					       NULL, NULL, NULL));
	alert_facts(ev, facts);
	json_array_foreach(facts, i, f)
	{
		json_array_append_new(
			factset,
			json_pack("{s:o,s:o}", "title",
				  md_string(json_string_value(json_array_get(f, 0))), "value",
				  md_string(json_string_value(json_array_get(f, 1)))));
	}
	if (ev->report_path)
		json_array_append_new(factset, json_pack("{s:o,s:o}", "title", md_string("Report"),
							 "value", md_string(ev->report_path)));
	json_array_append_new(factset, json_pack("{s:o,s:o}", "title", md_string("Time"), "value",
						 md_string(stamp)));
	json_array_append_new(body, json_pack("{s:s,s:o}", "type", "FactSet", "facts", factset));
	if (ev->n_signals) {
		/* the list's markup is ours; each signal is escaped on its own */
		sbuf_addstr(&sb, "Signals that moved:");
		for (i = 0; i < ev->n_signals; i++) {
			sbuf_addstr(&sb, "\n- ");
			render_md_escape(&sb, ev->signals[i], RENDER_MD_TEAMS, 150);
		}
		json_array_append_new(body, json_pack("{s:s,s:s,s:b}", "type", "TextBlock", "text",
						      sb.buf, "wrap", 1));
	}
	if (json_array_size(ev->what_changed)) {
		const json_t *e;

		/* already escaped for the card's markdown by the renderer */
		sbuf_reset(&sb);
		render_whatchanged_md_head(ev->what_changed, RENDER_MD_TEAMS, &sb);
		json_array_append_new(body,
				      json_pack("{s:s,s:s,s:b,s:s}", "type", "TextBlock", "text",
						sb.buf, "wrap", 1, "weight", "Bolder"));
		json_array_foreach(ev->what_changed, i, e)
		{
			sbuf_reset(&sb);
			render_whatchanged_md_entry(e, i, RENDER_MD_TEAMS, 300, &sb);
			json_array_append_new(body, json_pack("{s:s,s:s,s:b}", "type", "TextBlock",
							      "text", sb.buf, "wrap", 1));
		}
	}
	card = json_pack("{s:s,s:s,s:s,s:o,s:{s:s}}", "$schema",
			 "http://adaptivecards.io/schemas/adaptive-card.json", "type",
			 "AdaptiveCard", "version", "1.4", "body", body, "msteams", "width",
			 "Full");
	if (url)
		json_object_set_new(card, "actions",
				    json_pack("[{s:s,s:s,s:s}]", "type", "Action.OpenUrl", "title",
					      "Open the signed report", "url", url));
	root = json_pack("{s:s,s:[{s:s,s:n,s:o}]}", "type", "message", "attachments", "contentType",
			 "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
	alert_msg_add_json(m, root, JSON_COMPACT);
	json_decref(facts);
	free(url);
	sbuf_release(&sb);
	return 0;
}

const struct alert_ops alert_teams = {
	.name = "teams",
	.keys = teams_keys,
	.parse = teams_parse,
	.build = teams_build,
	.send = NULL, /* HTTP POST; the workflow answers 202 Accepted */
};
