/* suite.c: loading and validating golden-prompt suite files; checks compile at load. */
#include "suite.h"
#include "canon.h"
#include "config.h"
#include "dataset.h"
#include "hex.h"
#include "jsonpos.h"
#include "jsonschema.h"
#include "jsonx.h"
#include "sbuf.h"
#include "yamljson.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SUITE_MAX_BYTES (16u << 20)

static const char *const suite_keys[] = { "id",	     "description", "defaults",
					  "prompts", "detection",   NULL };
static const char *const default_keys[] = { "temperature",  "max_tokens",	"seed",
					    "samples",	    "baseline_samples", "logprobs",
					    "top_logprobs", "system",		NULL };
static const char *const prompt_keys[] = { "id",
					   "description",
					   "messages",
					   "prompt",
					   "system",
					   "temperature",
					   "max_tokens",
					   "seed",
					   "samples",
					   "baseline_samples",
					   "logprobs",
					   "top_logprobs",
					   "response_schema",
					   "tools",
					   "tool_choice",
					   "checks",
					   "dataset",
					   NULL };
static const char *const message_keys[] = { "role", "content", NULL };
static const char *const tool_keys[] = { "name", "description", "parameters", NULL };

struct sampling {
	double temperature;
	long long max_tokens, seed, samples, baseline_samples, top_logprobs;
	int has_seed, logprobs;
	char *system;
};

/* Reads the sampling keys of obj over the values in *s (defaults, then per prompt). */
static int parse_sampling(const struct jsonloc *loc, const char *ptr, const json_t *obj,
			  struct sampling *s, struct pl_err *err)
{
	if (json_get_num(loc, ptr, obj, "temperature", 0, 2, s->temperature, &s->temperature, err) <
		    0 ||
	    json_get_int(loc, ptr, obj, "max_tokens", 1, 1000000, s->max_tokens, &s->max_tokens,
			 err) < 0 ||
	    json_get_int(loc, ptr, obj, "samples", 1, 10000, s->samples, &s->samples, err) < 0 ||
	    json_get_int(loc, ptr, obj, "baseline_samples", 1, 100000, s->baseline_samples,
			 &s->baseline_samples, err) < 0 ||
	    json_get_bool(loc, ptr, obj, "logprobs", s->logprobs, &s->logprobs, err) < 0 ||
	    json_get_int(loc, ptr, obj, "top_logprobs", 0, 20, s->top_logprobs, &s->top_logprobs,
			 err) < 0)
		return -1;
	if (json_object_get(obj, "seed")) {
		if (json_get_int(loc, ptr, obj, "seed", -(1LL << 53), 1LL << 53, 0, &s->seed, err) <
		    0)
			return -1;
		s->has_seed = 1;
	}
	if (json_object_get(obj, "system")) {
		char *sys;

		if (json_get_str(loc, ptr, obj, "system", 0, &sys, err) < 0)
			return -1;
		free(s->system);
		s->system = sys;
	}
	return 0;
}

static void add_message(struct prompt *p, const char *role, const char *content)
{
	p->messages = xrealloc(p->messages, (p->n_messages + 1) * sizeof(*p->messages));
	p->messages[p->n_messages].role = xstrdup(role);
	p->messages[p->n_messages].content = xstrdup(content);
	p->n_messages++;
}

static int parse_messages(const struct jsonloc *loc, const char *ptr, const json_t *obj,
			  struct prompt *p, const char *system, struct pl_err *err)
{
	const json_t *msgs = json_object_get(obj, "messages");
	const json_t *text = json_object_get(obj, "prompt");
	char mptr[512];
	size_t i;

	if (msgs && text)
		return json_fail(loc, ptr, "prompt", err,
				 "give either \"prompt\" or \"messages\", not both");
	if (!msgs && !text)
		return json_fail(loc, ptr, NULL, err,
				 "missing \"messages\" (or the \"prompt\" shorthand)");
	if (system && msgs)
		for (i = 0; i < json_array_size(msgs); i++) {
			const json_t *r = json_object_get(json_array_get(msgs, i), "role");

			if (json_is_string(r) && !strcmp(json_string_value(r), "system")) {
				system = NULL;
				break;
			}
		}
	if (system)
		add_message(p, "system", system);
	if (text) {
		if (!json_is_string(text))
			return json_fail(loc, ptr, "prompt", err, "expected a string, got %s",
					 json_type_name(text));
		add_message(p, "user", json_string_value(text));
		return 0;
	}
	if (!json_is_array(msgs) || json_array_size(msgs) == 0)
		return json_fail(loc, ptr, "messages", err,
				 "expected a non-empty array of {\"role\", \"content\"} objects");
	for (i = 0; i < json_array_size(msgs); i++) {
		const json_t *m = json_array_get(msgs, i);
		char *role = NULL, *content = NULL;
		int rc = -1;

		snprintf(mptr, sizeof(mptr), "%s", ptr);
		jsonpos_push_key(mptr, sizeof(mptr), "messages");
		jsonpos_push_index(mptr, sizeof(mptr), i);
		if (json_check_keys(loc, mptr, m, message_keys, err) < 0 ||
		    json_get_str(loc, mptr, m, "role", 1, &role, err) < 0 ||
		    json_get_str(loc, mptr, m, "content", 1, &content, err) < 0)
			goto next;
		if (strcmp(role, "system") && strcmp(role, "user") && strcmp(role, "assistant")) {
			json_fail(loc, mptr, "role", err,
				  "expected \"system\", \"user\" or \"assistant\", got \"%s\"",
				  role);
			goto next;
		}
		add_message(p, role, content);
		rc = 0;
	next:
		free(role);
		free(content);
		if (rc < 0)
			return -1;
	}
	if (strcmp(p->messages[p->n_messages - 1].role, "user"))
		return json_fail(loc, ptr, "messages", err,
				 "the last message must have role \"user\"");
	return 0;
}

/* A check of the answer's tool calls (check_needs_tools) on prompt p, at cptr: refused when
 * no answer could pass it: the prompt has no "tools", its "tool_choice" is "none" or forces
 * another tool, or the check names a tool "tools" does not declare. */
static int tools_fit(const struct jsonloc *loc, const char *ptr, const char *cptr,
		     const struct prompt *p, const struct check *c, struct pl_err *err)
{
	const char *name = check_tool_name(c), *forced;
	char at[512], choice[512];
	struct sbuf names;
	size_t j;
	int rc;

	if (!p->tools)
		return json_fail(loc, cptr, "type", err,
				 "a %s check needs \"tools\" on its prompt: without them no "
				 "answer has a tool call, so it could never pass",
				 check_kind(c));
	snprintf(at, sizeof(at), "%s", ptr);
	jsonpos_push_key(at, sizeof(at), "tool_choice");
	jsonpos_where(choice, sizeof(choice), loc->file, loc->text, loc->text_len, at);
	if (json_is_string(p->tool_choice) && !strcmp(json_string_value(p->tool_choice), "none"))
		return json_fail(loc, cptr, "type", err,
				 "a %s check needs a prompt that lets the model call a tool, but "
				 "%s is \"none\": no answer has a tool call, so it could never "
				 "pass (expected \"auto\", \"required\" or {\"name\": TOOL})",
				 check_kind(c), choice);
	if (!name)
		return 0;
	forced = json_string_value(json_object_get(p->tool_choice, "name"));
	if (forced && strcmp(forced, name))
		return json_fail(loc, cptr, "name", err,
				 "the check expects a call to \"%s\", but %s forces the tool "
				 "\"%s\", so it could never pass",
				 name, choice, forced);
	sbuf_init(&names);
	for (j = 0; j < json_array_size(p->tools); j++) {
		const char *t =
			json_string_value(json_object_get(json_array_get(p->tools, j), "name"));

		if (!strcmp(t, name)) {
			sbuf_release(&names);
			return 0;
		}
		sbuf_addf(&names, "%s\"%s\"", j ? ", " : "", t);
	}
	rc = json_fail(loc, cptr, "name", err,
		       "no tool named \"%s\" in the prompt's \"tools\", so it could never pass "
		       "(expected one of: %s)",
		       name, names.buf);
	sbuf_release(&names);
	return rc;
}

static int parse_checks(const struct jsonloc *loc, const char *ptr, const json_t *obj,
			struct prompt *p, struct pl_err *err)
{
	const json_t *arr = json_object_get(obj, "checks");
	char cptr[512];
	size_t i, j;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return json_fail(loc, ptr, "checks", err, "expected an array of checks, got %s",
				 json_type_name(arr));
	p->checks = xcalloc(json_array_size(arr) + 1, sizeof(*p->checks));
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(cptr, sizeof(cptr), "%s", ptr);
		jsonpos_push_key(cptr, sizeof(cptr), "checks");
		jsonpos_push_index(cptr, sizeof(cptr), i);
		p->checks[i] = check_compile(loc, cptr, json_array_get(arr, i), err);
		if (!p->checks[i])
			return -1;
		p->n_checks++;
		/* reports and JUnit tell a prompt's checks apart by id */
		for (j = 0; j < i; j++)
			if (!strcmp(check_id(p->checks[j]), check_id(p->checks[i]))) {
				char first[512], fptr[512];

				snprintf(fptr, sizeof(fptr), "%s", ptr);
				jsonpos_push_key(fptr, sizeof(fptr), "checks");
				jsonpos_push_index(fptr, sizeof(fptr), j);
				jsonpos_where(first, sizeof(first), loc->file, loc->text,
					      loc->text_len, fptr);
				return json_fail(
					loc, cptr,
					json_object_get(json_array_get(arr, i), "id") ? "id" : NULL,
					err, "duplicate check id \"%s\": %s has it too",
					check_id(p->checks[i]), first);
			}
		if (check_needs_tools(p->checks[i]) &&
		    tools_fit(loc, ptr, cptr, p, p->checks[i], err) < 0)
			return -1;
	}
	return 0;
}

/* A tool name as the vendors accept it: 1..64 of [A-Za-z0-9_-]. */
static int valid_tool_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_-") == n;
}

/* Compiles the schema at ptr/key (a tool's "parameters", a "response_schema") as the json_schema
 * check compiles its own: an invalid one is an error at the offending part of it. Returns 0, or
 * -1 with err set. */
static int compile_schema(const struct jsonloc *loc, const char *ptr, const char *key,
			  const json_t *schema, struct pl_err *err)
{
	struct jsonschema_opts opts = { 0 };
	struct pl_err serr = PL_ERR_INIT;
	struct jsonschema *js = jsonschema_compile(schema, &opts, &serr);
	struct sbuf at = SBUF_INIT;

	if (js) {
		jsonschema_free(js);
		return 0;
	}
	sbuf_addf(&at, "%s/%s%s", ptr, key, serr.where);
	json_fail(loc, at.buf, NULL, err, "invalid schema: %s", serr.msg);
	sbuf_release(&at);
	return -1;
}

/* One tools[i]: {name, description?, parameters?: a JSON Schema object} in the neutral form
 * the probes read. Returns a new object or NULL with err set. */
static json_t *parse_tool(const struct jsonloc *loc, const char *ptr, const json_t *t,
			  struct pl_err *err)
{
	const json_t *params = json_object_get(t, "parameters");
	char *name = NULL, *desc = NULL;
	json_t *out = NULL;

	if (json_check_keys(loc, ptr, t, tool_keys, err) < 0 ||
	    json_get_str(loc, ptr, t, "name", 1, &name, err) < 0 ||
	    json_get_str(loc, ptr, t, "description", 0, &desc, err) < 0)
		goto out;
	if (!valid_tool_name(name)) {
		json_fail(loc, ptr, "name", err,
			  "invalid tool name \"%s\" (expected 1 to 64 letters, digits, '_', '-')",
			  name);
		goto out;
	}
	if (params && !json_is_object(params)) {
		json_fail(loc, ptr, "parameters", err, "expected a JSON Schema object, got %s",
			  json_type_name(params));
		goto out;
	}
	if (params && compile_schema(loc, ptr, "parameters", params, err) < 0)
		goto out;
	out = json_pack("{s:s}", "name", name);
	if (desc)
		json_object_set_new(out, "description", json_string(desc));
	if (params)
		json_object_set_new(out, "parameters", json_deep_copy(params));
out:
	free(name);
	free(desc);
	return out;
}

/* "tools" (a non-empty array of tools with distinct names) and "tool_choice" ("auto", "none",
 * "required" or {"name": one of the tools}). */
static int parse_tools(const struct jsonloc *loc, const char *ptr, const json_t *obj,
		       struct prompt *p, struct pl_err *err)
{
	const json_t *arr = json_object_get(obj, "tools"), *choice = json_object_get(obj, "tool_"
											  "choice");
	char tptr[512];
	size_t i, j;

	if (!arr) {
		if (choice)
			return json_fail(loc, ptr, "tool_choice", err,
					 "a tool_choice needs \"tools\"");
		return 0;
	}
	if (!json_is_array(arr) || !json_array_size(arr))
		return json_fail(loc, ptr, "tools", err,
				 "expected a non-empty array of {\"name\", \"description\", "
				 "\"parameters\"} objects");
	p->tools = json_array();
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *t;

		snprintf(tptr, sizeof(tptr), "%s", ptr);
		jsonpos_push_key(tptr, sizeof(tptr), "tools");
		jsonpos_push_index(tptr, sizeof(tptr), i);
		t = parse_tool(loc, tptr, json_array_get(arr, i), err);
		if (!t)
			return -1;
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(t, "name"),
				       json_object_get(json_array_get(p->tools, j), "name"))) {
				json_decref(t);
				return json_fail(loc, tptr, "name", err,
						 "duplicate tool name \"%s\"",
						 json_string_value(json_object_get(
							 json_array_get(p->tools, j), "name")));
			}
		json_array_append_new(p->tools, t);
	}
	if (!choice)
		return 0;
	if (json_is_string(choice)) {
		const char *c = json_string_value(choice);

		if (strcmp(c, "auto") && strcmp(c, "none") && strcmp(c, "required"))
			return json_fail(loc, ptr, "tool_choice", err,
					 "expected \"auto\", \"none\", \"required\" or "
					 "{\"name\": TOOL}, got \"%s\"",
					 c);
		p->tool_choice = json_string(c);
		return 0;
	}
	snprintf(tptr, sizeof(tptr), "%s", ptr);
	jsonpos_push_key(tptr, sizeof(tptr), "tool_choice");
	if (!json_is_object(choice))
		return json_fail(loc, ptr, "tool_choice", err,
				 "expected \"auto\", \"none\", \"required\" or {\"name\": "
				 "TOOL}, got %s",
				 json_type_name(choice));
	{
		static const char *const choice_keys[] = { "name", NULL };
		char *name = NULL;
		int found = 0;

		if (json_check_keys(loc, tptr, choice, choice_keys, err) < 0 ||
		    json_get_str(loc, tptr, choice, "name", 1, &name, err) < 0)
			return -1;
		for (j = 0; j < json_array_size(p->tools); j++)
			found |= !strcmp(name, json_string_value(json_object_get(
						       json_array_get(p->tools, j), "name")));
		if (!found) {
			json_fail(loc, tptr, "name", err, "no tool named \"%s\" in \"tools\"",
				  name);
			free(name);
			return -1;
		}
		p->tool_choice = json_pack("{s:s}", "name", name);
		free(name);
	}
	return 0;
}

/* prompt->warnings of the prompt obj at ptr: likely misspelled keywords in the schemas it
 * sends (each tool's "parameters", "response_schema"); NULL for none. */
static char *schema_warnings(const struct jsonloc *loc, const char *ptr, const json_t *obj)
{
	struct sbuf w = SBUF_INIT, at = SBUF_INIT;
	const json_t *t;
	char *out = NULL;
	size_t i;

	json_array_foreach(json_object_get(obj, "tools"), i, t)
	{
		sbuf_reset(&at);
		sbuf_addf(&at, "%s/tools/%zu/parameters", ptr, i);
		jsonschema_typo_lines(json_object_get(t, "parameters"), NULL, loc, at.buf, &w);
	}
	sbuf_reset(&at);
	sbuf_addf(&at, "%s/response_schema", ptr);
	jsonschema_typo_lines(json_object_get(obj, "response_schema"), NULL, loc, at.buf, &w);
	if (w.len)
		out = sbuf_detach(&w, NULL);
	sbuf_release(&w);
	sbuf_release(&at);
	return out;
}

static int parse_prompt(const struct jsonloc *loc, const char *ptr, const json_t *obj,
			const struct sampling *defaults, struct prompt *p, struct pl_err *err)
{
	struct sampling s = *defaults;
	const json_t *schema;
	int rc = -1;

	s.system = defaults->system ? xstrdup(defaults->system) : NULL;
	if (json_check_keys(loc, ptr, obj, prompt_keys, err) < 0 ||
	    json_get_str(loc, ptr, obj, "id", 1, &p->id, err) < 0)
		goto out;
	if (!config_valid_id(p->id)) {
		json_fail(loc, ptr, "id", err,
			  "invalid prompt id \"%s\" (expected letters, digits, '.', '_', '-')",
			  p->id);
		goto out;
	}
	if (parse_sampling(loc, ptr, obj, &s, err) < 0 ||
	    parse_messages(loc, ptr, obj, p, s.system, err) < 0 ||
	    parse_tools(loc, ptr, obj, p, err) < 0 || parse_checks(loc, ptr, obj, p, err) < 0)
		goto out;
	p->temperature = s.temperature;
	p->max_tokens = (int)s.max_tokens;
	p->has_seed = s.has_seed;
	p->seed = s.seed;
	p->samples = (int)s.samples;
	p->baseline_samples = (int)s.baseline_samples;
	p->logprobs = s.logprobs;
	p->top_logprobs = (int)s.top_logprobs;
	schema = json_object_get(obj, "response_schema");
	if (schema) {
		if (!json_is_object(schema)) {
			json_fail(loc, ptr, "response_schema", err,
				  "expected a JSON Schema object, got %s", json_type_name(schema));
			goto out;
		}
		if (compile_schema(loc, ptr, "response_schema", schema, err) < 0)
			goto out;
		p->response_schema = json_incref((json_t *)schema);
	}
	p->warnings = schema_warnings(loc, ptr, obj);
	suite_request_hash(p, p->request_sha256);
	rc = 0;
out:
	free(s.system);
	return rc;
}

/* Where each loaded prompt came from, for the duplicate-id error: its element of "prompts"
 * and, for a dataset's row, the row's line in that file (0 otherwise). */
struct origin {
	size_t index, line;
};

/* A new zeroed prompt at the end of st->prompts (grown as datasets add rows). */
static struct prompt *new_prompt(struct suite *st, struct origin **orig, size_t *cap, size_t index,
				 size_t line)
{
	if (st->n_prompts == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		st->prompts = xrealloc(st->prompts, *cap * sizeof(*st->prompts));
		*orig = xrealloc(*orig, *cap * sizeof(**orig));
	}
	memset(&st->prompts[st->n_prompts], 0, sizeof(*st->prompts));
	(*orig)[st->n_prompts].index = index;
	(*orig)[st->n_prompts].line = line;
	st->prompts[st->n_prompts].origin = index;
	return &st->prompts[st->n_prompts++];
}

/* Expands the {{ name }} templates of the string v (at ptr) with the row, in place. */
static int expand_string(const struct jsonloc *loc, const char *ptr, json_t *v,
			 const struct dataset *ds, const struct dataset_row *row,
			 struct pl_err *err)
{
	struct pl_err terr = PL_ERR_INIT;
	struct sbuf sb = SBUF_INIT;
	int rc = 0;

	if (!strstr(json_string_value(v), "{{"))
		return 0;
	if (dataset_expand(ds, row, json_string_value(v), json_string_length(v), &sb, &terr) < 0)
		rc = json_fail(loc, ptr, NULL, err, "%s", terr.msg);
	else
		json_string_setn(v, sb.buf, sb.len);
	sbuf_release(&sb);
	return rc;
}

/* Expands every string in v (a check spec, at ptr, a buffer of ptr_len bytes), recursively. */
static int expand_all(const struct jsonloc *loc, char *ptr, size_t ptr_len, json_t *v,
		      const struct dataset *ds, const struct dataset_row *row, struct pl_err *err)
{
	size_t end = strlen(ptr), i;
	const char *key;
	json_t *e;
	int rc = 0;

	if (json_is_string(v))
		return expand_string(loc, ptr, v, ds, row, err);
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			jsonpos_push_index(ptr, ptr_len, i);
			rc = expand_all(loc, ptr, ptr_len, e, ds, row, err);
			ptr[end] = '\0';
			if (rc < 0)
				return -1;
		}
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, e)
		{
			jsonpos_push_key(ptr, ptr_len, key);
			rc = expand_all(loc, ptr, ptr_len, e, ds, row, err);
			ptr[end] = '\0';
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* A copy of the prompt obj (at ptr) for one row: id "ID-N" (N the 1-based row) or "ID-V" (V
 * the row's "id" column), {{ name }} expanded in the message texts and check specs. */
static json_t *row_prompt(const struct jsonloc *loc, const char *ptr, const json_t *obj,
			  const char *id, const struct dataset *ds, size_t r, struct pl_err *err)
{
	const struct dataset_row *row = &ds->rows[r];
	const char *rid = dataset_value(row, "id");
	static const char *const texts[] = { "prompt", "system" };
	json_t *copy = json_deep_copy(obj), *msgs, *m;
	char sub[512];
	struct sbuf sb = SBUF_INIT;
	size_t i;

	if (rid)
		sbuf_addf(&sb, "%s-%s", id, rid);
	else
		sbuf_addf(&sb, "%s-%zu", id, r + 1);
	if (rid && (!*rid || !config_valid_id(sb.buf))) {
		char where[512];

		snprintf(where, sizeof(where), "%s:%zu", ds->path, row->line);
		pl_err_set(err, PL_E_INPUT, where,
			   "row id \"%.100s\" makes prompt id \"%.200s\", which is not valid "
			   "(expected letters, digits, '.', '_', '-')",
			   rid, sb.buf);
		goto fail;
	}
	json_object_del(copy, "dataset");
	json_object_set_new(copy, "id", json_string(sb.buf));
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		json_t *v = json_object_get(copy, texts[i]);

		snprintf(sub, sizeof(sub), "%s", ptr);
		jsonpos_push_key(sub, sizeof(sub), texts[i]);
		if (json_is_string(v) && expand_string(loc, sub, v, ds, row, err) < 0)
			goto fail;
	}
	msgs = json_object_get(copy, "messages");
	json_array_foreach(msgs, i, m)
	{
		json_t *content = json_object_get(m, "content");

		snprintf(sub, sizeof(sub), "%s", ptr);
		jsonpos_push_key(sub, sizeof(sub), "messages");
		jsonpos_push_index(sub, sizeof(sub), i);
		jsonpos_push_key(sub, sizeof(sub), "content");
		if (json_is_string(content) && expand_string(loc, sub, content, ds, row, err) < 0)
			goto fail;
	}
	snprintf(sub, sizeof(sub), "%s", ptr);
	jsonpos_push_key(sub, sizeof(sub), "checks");
	if (json_object_get(copy, "checks") &&
	    expand_all(loc, sub, sizeof(sub), json_object_get(copy, "checks"), ds, row, err) < 0)
		goto fail;
	sbuf_release(&sb);
	return copy;
fail:
	sbuf_release(&sb);
	json_decref(copy);
	return NULL;
}

/* The dataset's path: as written when absolute, else relative to the suite file's folder. */
static char *dataset_path(const char *suite_path, const char *name)
{
	const char *slash = strrchr(suite_path, '/');
	struct sbuf sb = SBUF_INIT;

	if (name[0] == '/' || !slash)
		return xstrdup(name);
	sbuf_add(&sb, suite_path, (size_t)(slash - suite_path) + 1);
	sbuf_addstr(&sb, name);
	return sbuf_detach(&sb, NULL);
}

/* The prompt obj (at ptr, element index of "prompts") has a "dataset": one prompt per row. */
static int parse_dataset(struct suite *st, const struct jsonloc *loc, const char *ptr, size_t index,
			 const json_t *obj, const struct sampling *defaults, struct origin **orig,
			 size_t *cap, struct pl_err *err)
{
	struct dataset ds = { 0 };
	char *name = NULL, *id = NULL, *path = NULL;
	size_t r;
	int rc = -1;

	if (json_check_keys(loc, ptr, obj, prompt_keys, err) < 0 ||
	    json_get_str(loc, ptr, obj, "id", 1, &id, err) < 0 ||
	    json_get_str(loc, ptr, obj, "dataset", 1, &name, err) < 0)
		goto out;
	if (!config_valid_id(id)) {
		json_fail(loc, ptr, "id", err,
			  "invalid prompt id \"%s\" (expected letters, digits, '.', '_', '-')", id);
		goto out;
	}
	if (!*name) {
		json_fail(loc, ptr, "dataset", err, "expected the name of a .csv or .jsonl file");
		goto out;
	}
	path = dataset_path(st->path, name);
	/* a file that is not there is the suite's mistake: said at the suite's line */
	if (access(path, R_OK) < 0) {
		json_fail(loc, ptr, "dataset", err, "cannot read %s: %s%s", path, strerror(errno),
			  name[0] == '/' ? ""
					 : " (a dataset's path is relative to the suite's folder)");
		goto out;
	}
	if (dataset_load(&ds, path, err) < 0)
		goto out;
	for (r = 0; r < ds.n_rows; r++) {
		struct sampling s = *defaults;
		json_t *copy = row_prompt(loc, ptr, obj, id, &ds, r, err);
		struct prompt *p;
		int prc;

		if (!copy)
			goto out;
		/* the suite's default system message is a message of this prompt too */
		s.system = NULL;
		if (defaults->system && !json_object_get(obj, "system")) {
			json_t *sys = json_string(defaults->system);

			if (expand_string(loc, "/defaults/system", sys, &ds, &ds.rows[r], err) <
			    0) {
				json_decref(sys);
				json_decref(copy);
				goto out;
			}
			s.system = xstrdup(json_string_value(sys));
			json_decref(sys);
		}
		p = new_prompt(st, orig, cap, index, ds.rows[r].line);
		prc = parse_prompt(loc, ptr, copy, &s, p, err);
		free(s.system);
		json_decref(copy);
		if (prc < 0) {
			size_t n = strlen(err->msg);

			/* an error in the expanded prompt: say which row made it */
			snprintf(err->msg + n, sizeof(err->msg) - n, " (row %s:%zu)", ds.path,
				 ds.rows[r].line);
			goto out;
		}
	}
	rc = 0;
out:
	dataset_release(&ds);
	free(path);
	free(name);
	free(id);
	return rc;
}

struct id_at {
	const char *id;
	size_t at; /* index in st->prompts */
};

/* By id, then by position: equal ids sort in file order. */
static int cmp_id_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Fails on the first prompt (in file order) whose id an earlier one has. Sorting keeps this
 * O(n log n): a dataset can add thousands of prompts. */
static int check_unique_ids(const struct suite *st, const struct jsonloc *loc, const json_t *arr,
			    const struct origin *orig, struct pl_err *err)
{
	struct id_at *order = xcalloc(st->n_prompts + 1, sizeof(*order));
	size_t i, first = SIZE_MAX;
	int rc = 0;

	for (i = 0; i < st->n_prompts; i++) {
		order[i].id = st->prompts[i].id;
		order[i].at = i;
	}
	qsort(order, st->n_prompts, sizeof(*order), cmp_id_at);
	for (i = 1; i < st->n_prompts; i++)
		if (!strcmp(order[i].id, order[i - 1].id) && order[i].at < first)
			first = order[i].at;
	if (first != SIZE_MAX) {
		const struct origin *o = &orig[first];
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/prompts/%zu", o->index);
		if (o->line) {
			const json_t *name =
				json_object_get(json_array_get(arr, o->index), "dataset");
			char *path = dataset_path(st->path, json_string_value(name));

			json_fail(loc, ptr, "dataset", err,
				  "duplicate prompt id \"%s\" (row %s:%zu)", st->prompts[first].id,
				  path, o->line);
			free(path);
		} else
			json_fail(loc, ptr, "id", err, "duplicate prompt id \"%s\"",
				  st->prompts[first].id);
		rc = -1;
	}
	free(order);
	return rc;
}

static int parse_suite(struct suite *st, const struct jsonloc *loc, const json_t *root,
		       struct pl_err *err)
{
	struct sampling defaults = { -1, 0, 0, 10, 30, 0, 0, 0, NULL };
	struct origin *orig = NULL;
	const json_t *d, *arr;
	size_t i, cap = 0;
	int rc = -1;

	if (json_check_keys(loc, "", root, suite_keys, err) < 0 ||
	    json_get_str(loc, "", root, "id", 1, &st->id, err) < 0 ||
	    json_get_str(loc, "", root, "description", 0, &st->description, err) < 0)
		goto out;
	if (!config_valid_id(st->id)) {
		json_fail(loc, "", "id", err,
			  "invalid suite id \"%s\" (expected letters, digits, '.', '_', '-')",
			  st->id);
		goto out;
	}
	d = json_object_get(root, "defaults");
	if (d && (json_check_keys(loc, "/defaults", d, default_keys, err) < 0 ||
		  parse_sampling(loc, "/defaults", d, &defaults, err) < 0))
		goto out;
	if (json_object_get(root, "detection")) {
		st->detection = json_incref(json_object_get(root, "detection"));
		if (!json_is_object(st->detection)) {
			json_fail(loc, "/detection", NULL, err, "expected an object");
			goto out;
		}
	}
	arr = json_object_get(root, "prompts");
	if (!arr) {
		json_fail(loc, "", NULL, err, "missing required key \"prompts\"");
		goto out;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		json_fail(loc, "/prompts", NULL, err, "expected a non-empty array of prompts");
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *obj = json_array_get(arr, i);
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/prompts/%zu", i);
		if (json_is_object(obj) && json_object_get(obj, "dataset")) {
			if (parse_dataset(st, loc, ptr, i, obj, &defaults, &orig, &cap, err) < 0)
				goto out;
			continue;
		}
		if (parse_prompt(loc, ptr, obj, &defaults, new_prompt(st, &orig, &cap, i, 0), err) <
		    0)
			goto out;
	}
	if (check_unique_ids(st, loc, arr, orig, err) < 0)
		goto out;
	rc = 0;
out:
	free(orig);
	free(defaults.system);
	return rc;
}

struct suite *suite_load(const char *path, struct pl_err *err)
{
	struct suite *st = xcalloc(1, sizeof(*st));
	struct jsonfile f;
	int rc;

	/* A YAML suite's f.text is a position index (see yamljson.h), kept below like JSON text */
	if (yamljson_is_yaml(path))
		rc = yamljson_load(&f, path, SUITE_MAX_BYTES, err);
	else
		rc = jsonfile_load(&f, path, SUITE_MAX_BYTES, err);
	if (rc < 0) {
		free(st);
		return NULL;
	}
	st->path = xstrdup(path);
	if (parse_suite(st, &f.loc, f.root, err) < 0) {
		suite_free(st);
		jsonfile_release(&f);
		return NULL;
	}
	/* The text serves located errors found later: the detection section (detect_params_new)
	 * and what a vendor cannot send (plan_build, suite_where). */
	st->text = f.text;
	st->text_len = f.len;
	f.text = NULL;
	jsonfile_release(&f);
	return st;
}

static void prompt_release(struct prompt *p)
{
	size_t i;

	free(p->id);
	for (i = 0; i < p->n_messages; i++) {
		free(p->messages[i].role);
		free(p->messages[i].content);
	}
	free(p->messages);
	json_decref(p->response_schema);
	json_decref(p->tools);
	free(p->warnings);
	json_decref(p->tool_choice);
	for (i = 0; i < p->n_checks; i++)
		check_free(p->checks[i]);
	free(p->checks);
}

void suite_free(struct suite *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_prompts; i++)
		prompt_release(&s->prompts[i]);
	free(s->prompts);
	free(s->id);
	free(s->path);
	free(s->description);
	json_decref(s->detection);
	free(s->text);
	free(s);
}

struct jsonloc suite_loc(const struct suite *s)
{
	struct jsonloc loc = { s->path, s->text, s->text_len };

	return loc;
}

/* Whether the suite text has a value at ptr/key: jsonpos_find falls back to the enclosing
 * value when the key is missing, so the key is there when its position differs. */
static int has_key(const struct suite *s, const char *ptr, const char *key)
{
	char sub[512];
	int l1, c1, l2, c2;

	snprintf(sub, sizeof(sub), "%s", ptr);
	jsonpos_push_key(sub, sizeof(sub), key);
	return jsonpos_find(s->text, s->text_len, ptr, &l1, &c1) == 0 &&
	       jsonpos_find(s->text, s->text_len, sub, &l2, &c2) == 0 && (l1 != l2 || c1 != c2);
}

const char *suite_where(const struct suite *s, const struct prompt *p, const char *key, char *buf,
			size_t len)
{
	char ptr[512];

	snprintf(ptr, sizeof(ptr), "/prompts/%zu", p->origin);
	if (key && s->text && !has_key(s, ptr, key) && has_key(s, "/defaults", key))
		snprintf(ptr, sizeof(ptr), "/defaults");
	if (key)
		jsonpos_push_key(ptr, sizeof(ptr), key);
	return jsonpos_where(buf, len, s->path ? s->path : s->id, s->text, s->text_len, ptr);
}

const struct prompt *suite_prompt(const struct suite *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_prompts; i++)
		if (!strcmp(s->prompts[i].id, id))
			return &s->prompts[i];
	return NULL;
}

void suite_request_hash(const struct prompt *p, char out[65])
{
	struct pl_err jerr = PL_ERR_INIT;
	json_t *req = json_object(), *msgs = json_array();
	struct sbuf sb;
	size_t i;

	for (i = 0; i < p->n_messages; i++)
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", p->messages[i].role,
						      "content", p->messages[i].content));
	json_object_set_new(req, "messages", msgs);
	json_object_set_new(req, "temperature",
			    p->temperature < 0 ? json_null() : json_real(p->temperature));
	json_object_set_new(req, "max_tokens",
			    p->max_tokens <= 0 ? json_null() : json_integer(p->max_tokens));
	json_object_set_new(req, "seed", p->has_seed ? json_integer(p->seed) : json_null());
	json_object_set_new(req, "logprobs", json_boolean(p->logprobs));
	json_object_set_new(req, "top_logprobs", json_integer(p->top_logprobs));
	json_object_set_new(req, "response_schema",
			    p->response_schema ? json_incref(p->response_schema) : json_null());
	/* only when there are tools, so the hash of a prompt without them is what it was */
	if (p->tools) {
		json_object_set_new(req, "tools", json_incref(p->tools));
		json_object_set_new(req, "tool_choice",
				    p->tool_choice ? json_incref(p->tool_choice)
						   : json_string("auto"));
	}
	sbuf_init(&sb);
	if (canon_jcs(req, &sb, &jerr) < 0) {
		/* a schema integer beyond 2^53 has no RFC 8785 form: jansson's sorted compact
		 * text is just as stable, and a suite that loaded before must load still */
		char *text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);

		if (!text)
			abort(); /* out of memory, as everywhere */
		sbuf_reset(&sb);
		sbuf_addstr(&sb, text);
		free(text);
	}
	hex_sha256(sb.buf, sb.len, out);
	sbuf_release(&sb);
	json_decref(req);
}
