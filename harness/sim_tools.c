/* sim_tools.c: the simulated model's tool calls: deterministic arguments that satisfy the
 * offered tool's schema, drawn from the prompt, and the drifts that change them. */
#include "sim_model.h"

#include "sbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The last user message's text ("" when none). */
static const char *last_user(const struct sim_msg *msgs, size_t n)
{
	while (n--)
		if (msgs[n].role && !strcmp(msgs[n].role, "user") && msgs[n].content)
			return msgs[n].content;
	return "";
}

/* The last word starting with a capital letter, else the last word, without the punctuation
 * around it ("What is the weather in Paris today?" -> "Paris"). */
static char *pick_word(const char *text)
{
	const char *p = text, *best = NULL, *last = NULL;
	size_t best_n = 0, last_n = 0;

	while (*p) {
		const char *w;
		size_t n;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		w = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '\''))
			p++;
		n = (size_t)(p - w);
		if (!n)
			continue;
		last = w;
		last_n = n;
		/* the first word of the text is capitalised anyway: not a name */
		if (w != text && isupper((unsigned char)*w)) {
			best = w;
			best_n = n;
		}
	}
	if (best)
		return xstrndup(best, best_n);
	return last ? xstrndup(last, last_n) : xstrdup("x");
}

static long word_count(const char *text)
{
	long n = 0;
	int in = 0;

	for (; *text; text++) {
		int w = !isspace((unsigned char)*text);

		n += w && !in;
		in = w;
	}
	return n;
}

/* A value for a property of schema prop (drifted when drift). */
static json_t *value_for(const json_t *prop, const char *text, int drift)
{
	const json_t *en = json_object_get(prop, "enum"), *type = json_object_get(prop, "type");
	const char *t = json_string_value(type);
	json_t *v;

	if (json_is_array(type)) /* ["string", "null"]: the first */
		t = json_string_value(json_array_get(type, 0));
	if (json_is_array(en) && json_array_size(en))
		return json_deep_copy(json_array_get(en, drift ? json_array_size(en) - 1 : 0));
	if (json_object_get(prop, "const"))
		return json_deep_copy(json_object_get(prop, "const"));
	if (!t || !strcmp(t, "string")) {
		char *w = pick_word(text);
		struct sbuf sb;
		size_t i;

		sbuf_init(&sb);
		sbuf_addstr(&sb, w);
		if (drift) {
			int changed = 0;

			for (i = 0; i < sb.len; i++) {
				char u = (char)toupper((unsigned char)sb.buf[i]);

				changed |= u != sb.buf[i];
				sb.buf[i] = u;
			}
			if (!changed)
				sbuf_addstr(&sb, "_2");
		}
		v = json_string(sb.buf);
		sbuf_release(&sb);
		free(w);
		return v ? v : json_string("x");
	}
	if (!strcmp(t, "integer") || !strcmp(t, "number"))
		return json_integer(word_count(text) + (drift ? 1 : 0));
	if (!strcmp(t, "boolean"))
		return json_boolean(!drift);
	if (!strcmp(t, "array"))
		return json_array();
	if (!strcmp(t, "null"))
		return json_null();
	return json_object();
}

static json_t *arguments(const json_t *schema, const char *text, int drift)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *req = json_object_get(schema, "required"), *v;
	json_t *args = json_object();
	const char *key;
	size_t i;

	if (json_is_array(req) && json_array_size(req)) {
		json_array_foreach(req, i, v)
		{
			if (json_is_string(v))
				json_object_set_new(
					args, json_string_value(v),
					value_for(json_object_get(props, json_string_value(v)),
						  text, drift));
		}
		return args;
	}
	json_object_foreach((json_t *)props, key, v)
		json_object_set_new(args, key, value_for(v, text, drift));
	return args;
}

void sim_model_tool_call(const struct sim_knobs *k, const json_t *tools, const char *choice,
			 const char *name, const struct sim_msg *msgs, size_t n_msgs,
			 struct sim_answer *a)
{
	const json_t *tool = json_array_get(tools, 0), *t;
	size_t i;

	if (!tool || (choice && !strcmp(choice, "none")) || (k->drifts & SIM_DRIFT_NO_TOOLS))
		return;
	/* a blocked prompt or the "refusals" drift still refuses; the rare chance refusal of a
	 * benign prompt does not happen when a tool answers it */
	if (a->refused && (a->prompt_blocked || (k->drifts & SIM_DRIFT_REFUSALS)))
		return;
	a->refused = 0;
	if (choice && !strcmp(choice, "tool") && name)
		json_array_foreach(tools, i, t)
		{
			const char *tn = json_string_value(json_object_get(t, "name"));

			if (tn && !strcmp(tn, name))
				tool = t;
		}
	json_decref(a->tool_calls);
	a->tool_calls =
		json_pack("[{s:O,s:o}]", "name", json_object_get(tool, "name"), "arguments",
			  arguments(json_object_get(tool, "parameters"), last_user(msgs, n_msgs),
				    (k->drifts & SIM_DRIFT_TOOL_ARGS) != 0));
	free(a->text);
	a->text = xstrdup("");
}
