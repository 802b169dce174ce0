/* check_tool_call.c: the "tool_call" check: the answer called a tool (optionally the named one)
 * whose arguments validate against "arguments_schema" and contain "arguments" (a deep subset). */
#include "check.h"
#include "jsonschema.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tool_state {
	char *name;		   /* NULL: any tool */
	struct jsonschema *schema; /* NULL: any arguments */
	json_t *args;		   /* the subset the arguments must contain; may be NULL */
	char *warnings;		   /* check_ops.warnings; NULL for none */
};

static const char *const tool_keys[] = {
	"type", "id", "min_pass_rate", "name", "arguments_schema", "arguments", NULL
};

static void tool_release(void *state)
{
	struct tool_state *t = state;

	if (!t)
		return;
	free(t->name);
	jsonschema_free(t->schema);
	json_decref(t->args);
	free(t->warnings);
	free(t);
}

static void *tool_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			  struct pl_err *err)
{
	struct jsonschema_opts opts = { 0 };
	struct pl_err serr = PL_ERR_INIT;
	const json_t *schema = json_object_get(spec, "arguments_schema");
	const json_t *args = json_object_get(spec, "arguments");
	struct tool_state *t = NULL;
	struct sbuf at;

	if (json_check_keys(loc, pointer, spec, tool_keys, err) < 0)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	if (json_get_str(loc, pointer, spec, "name", 0, &t->name, err) < 0)
		goto fail;
	if (t->name && !*t->name) {
		json_fail(loc, pointer, "name", err, "expected a non-empty tool name");
		goto fail;
	}
	if (schema && !json_is_object(schema) && !json_is_boolean(schema)) {
		json_fail(loc, pointer, "arguments_schema", err,
			  "expected a schema object or boolean, got %s", json_type_name(schema));
		goto fail;
	}
	if (schema) {
		t->schema = jsonschema_compile(schema, &opts, &serr);
		if (!t->schema) {
			sbuf_init(&at);
			sbuf_addf(&at, "%s/arguments_schema%s", pointer ? pointer : "", serr.where);
			json_fail(loc, at.buf, NULL, err, "invalid schema: %s", serr.msg);
			sbuf_release(&at);
			goto fail;
		}
		/* legal but likely wrong: a misspelled keyword checks nothing */
		{
			struct sbuf w = SBUF_INIT;

			sbuf_init(&at);
			sbuf_addf(&at, "%s/arguments_schema", pointer ? pointer : "");
			jsonschema_typo_lines(schema, &opts, loc, at.buf, &w);
			if (w.len)
				t->warnings = sbuf_detach(&w, NULL);
			sbuf_release(&w);
			sbuf_release(&at);
		}
	}
	if (args && !json_is_object(args)) {
		json_fail(loc, pointer, "arguments", err, "expected an object, got %s",
			  json_type_name(args));
		goto fail;
	}
	if (args)
		t->args = json_deep_copy(args);
	return t;
fail:
	tool_release(t);
	return NULL;
}

/* Every key of want is in got with a matching value: objects recursively, numbers by value
 * (1 matches 1.0), arrays element by element with the same length, the rest equal. */
static int subset(const json_t *want, const json_t *got)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_number(want) && json_is_number(got))
		return json_number_value(want) == json_number_value(got);
	if (json_is_object(want)) {
		if (!json_is_object(got))
			return 0;
		json_object_foreach((json_t *)want, key, v)
		{
			if (!subset(v, json_object_get(got, key)))
				return 0;
		}
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(got) || json_array_size(got) != json_array_size(want))
			return 0;
		json_array_foreach((json_t *)want, i, v)
		{
			if (!subset(v, json_array_get(got, i)))
				return 0;
		}
		return 1;
	}
	return got && json_equal((json_t *)want, (json_t *)got);
}

/* The first key of want got lacks or differs in (for the detail line); "" if none. */
static void first_mismatch(const json_t *want, const json_t *got, char *buf, size_t len)
{
	const char *key;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach((json_t *)want, key, v)
	{
		const json_t *g = json_object_get(got, key);
		char *gs, *ws;

		if (subset(v, g))
			continue;
		ws = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		gs = g ? json_dumps(g, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		snprintf(buf, len, "\"%s\" is %s, not %s", key, gs ? gs : "missing", ws ? ws : "?");
		free(ws);
		free(gs);
		return;
	}
}

/* Checks one call; returns 1 when it passes, else fills why: 0 when it fails, -1 when it
 * could not be judged (a schema regex hit its match limit, and nothing else fails it). */
static int call_passes(const struct tool_state *t, const json_t *call, char *why, size_t len)
{
	const json_t *args = json_object_get(call, "arguments");
	const char *name = json_string_value(json_object_get(call, "name"));
	struct jsonschema_result res;
	char msg[160];
	int valid = 1;

	res.unevaluated[0] = '\0';
	if (json_is_true(json_object_get(call, "arguments_invalid")) || !json_is_object(args)) {
		snprintf(why, len, "the arguments of %s are not a JSON object", name ? name : "?");
		return 0;
	}
	if (t->schema)
		valid = jsonschema_validate(t->schema, args, &res);
	if (!valid && !res.unevaluated[0]) {
		snprintf(why, len, "the arguments of %s do not match the schema: %s",
			 name ? name : "?",
			 res.n_errors ? jsonschema_error_str(&res.errors[0], msg, sizeof(msg))
				      : "invalid");
		return 0;
	}
	if (t->args && !subset(t->args, args)) {
		first_mismatch(t->args, args, msg, sizeof(msg));
		snprintf(why, len, "the arguments of %s differ: %s", name ? name : "?", msg);
		return 0;
	}
	if (res.unevaluated[0]) {
		snprintf(why, len, "the arguments of %s not evaluated: %s", name ? name : "?",
			 res.unevaluated);
		return -1;
	}
	return 1;
}

static void tool_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct tool_state *t = state;
	const json_t *call;
	struct sbuf names;
	size_t i, named = 0;
	char why[sizeof(out->detail)], undecided[sizeof(out->detail)];
	int rc;

	out->score = 0.0;
	out->verdict = CHECK_FAIL;
	if (!json_array_size(in->tool_calls)) {
		snprintf(out->detail, sizeof(out->detail), "no tool call%s%s (the answer is text)",
			 t->name ? ": expected " : "", t->name ? t->name : "");
		return;
	}
	undecided[0] = '\0';
	sbuf_init(&names);
	json_array_foreach(in->tool_calls, i, call)
	{
		const char *name = json_string_value(json_object_get(call, "name"));

		if (t->name && (!name || strcmp(name, t->name))) {
			sbuf_addf(&names, "%s%s", names.len ? ", " : "", name ? name : "?");
			continue;
		}
		/* the detail names the first failing call when none passes */
		rc = call_passes(t, call, why, sizeof(why));
		if (rc > 0) {
			out->verdict = CHECK_PASS;
			out->score = 1.0;
			out->detail[0] = '\0';
			named++;
			break;
		}
		if (rc < 0 && !undecided[0])
			snprintf(undecided, sizeof(undecided), "%s", why);
		if (!named++)
			snprintf(out->detail, sizeof(out->detail), "%s", why);
	}
	/* no call passed and one could not be judged: not a fail either */
	if (out->verdict != CHECK_PASS && undecided[0]) {
		out->verdict = CHECK_ERROR;
		out->score = NAN;
		snprintf(out->detail, sizeof(out->detail), "%s", undecided);
	}
	if (!named && t->name)
		snprintf(out->detail, sizeof(out->detail), "called %s, not %s", names.buf, t->name);
	sbuf_release(&names);
}

static void tool_describe(const void *state, char *buf, size_t len)
{
	const struct tool_state *t = state;

	snprintf(buf, len, "tool_call %s%s%s", t->name ? t->name : "(any)",
		 t->schema ? " schema" : "", t->args ? " arguments" : "");
}

static const char *tool_warnings(const void *state)
{
	const struct tool_state *t = state;

	return t->warnings;
}

static const char *tool_name(const void *state)
{
	const struct tool_state *t = state;

	return t->name;
}

const struct check_ops check_tool_call_ops = {
	.name = "tool_call",
	.compile = tool_compile,
	.eval = tool_eval,
	.release = tool_release,
	.describe = tool_describe,
	.needs_tools = 1,
	.tool_name = tool_name,
	.warnings = tool_warnings,
	.example_prompt =
		"{\"id\": \"weather_tool\", \"description\": \"The model should call the tool, "
		"with the city from the question.\", \"prompt\": \"Use the tool: what is the weather "
		"in Paris?\", \"max_tokens\": 200, \"tools\": [{\"name\": \"get_weather\", "
		"\"description\": \"Current weather for a city.\", \"parameters\": {\"type\": "
		"\"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": "
		"[\"city\"]}}]}",
	.example = "{\"type\": \"tool_call\", \"name\": \"get_weather\", \"arguments_schema\": "
		   "{\"type\": \"object\", \"required\": [\"city\"]}, \"arguments\": {\"city\": "
		   "\"Paris\"}}",
};
