/* check.c: the table of check kinds and the generic compile/eval wrapper around them. */
#include "check.h"
#include "jsonpos.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry of check kinds (declared in check.h), sorted by name. */
static const struct check_ops *const kinds[] = {
	&check_contains_ops,
	&check_contains_all_ops,
	&check_contains_any_ops,
	&check_cost_ops,
	&check_embedding_similarity_ops,
	&check_equals_ops,
	&check_icontains_ops,
	&check_is_refusal_ops,
	&check_json_ops,
	&check_json_schema_ops,
	&check_latency_ops,
	&check_length_ops,
	&check_not_contains_ops,
	&check_not_refusal_ops,
	&check_regex_ops,
	&check_rubric_ops,
	&check_same_meaning_ops,
	&check_similarity_ops,
	&check_starts_with_ops,
	&check_tool_call_ops,
};

struct check {
	const struct check_ops *ops;
	void *state;
	char *id;
	char label[160];
	double min_pass_rate;
};

const struct check_ops *const *check_kinds(size_t *n)
{
	*n = ARRAY_SIZE(kinds);
	return kinds;
}

static const struct check_ops *find_kind(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

/* The index of the last reference token of pointer when it is a number, else 0. */
static unsigned long pointer_index(const char *pointer)
{
	const char *slash = pointer ? strrchr(pointer, '/') : NULL;
	char *end;
	unsigned long v;

	if (!slash || !slash[1])
		return 0;
	v = strtoul(slash + 1, &end, 10);
	return *end ? 0 : v;
}

/* 1 for a control character at s (C0 but tab, newline, carriage return; DEL; C1), its
 * length in *n. */
static int is_control(const unsigned char *s, size_t *n)
{
	*n = 1;
	if ((s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' && s[0] != '\r') || s[0] == 0x7F)
		return 1;
	if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) {
		*n = 2;
		return 1;
	}
	return 0;
}

/* The code point of the control character at s (is_control). */
static unsigned control_code(const unsigned char *s)
{
	return s[0] == 0xC2 ? s[1] : s[0];
}

void check_visible(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p; p += n) {
		if (*p == '\t' || *p == '\n' || *p == '\r') {
			sbuf_addch(sb, '\\');
			sbuf_addch(sb, *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r');
			n = 1;
		} else if (is_control(p, &n)) {
			sbuf_addf(sb, "\\x%02X", control_code(p));
		} else {
			sbuf_addch(sb, (char)*p);
		}
	}
}

/* The label with its control characters visible, cut at a UTF-8 boundary to fit. */
static void visible_label(char *label, size_t size)
{
	struct sbuf sb;
	size_t n;

	sbuf_init(&sb);
	check_visible(&sb, label);
	n = sb.len;
	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)sb.buf[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(label, sb.buf, n);
	label[n] = '\0';
	sbuf_release(&sb);
}

int check_pattern_warn(const struct jsonloc *loc, const char *pointer, const char *pattern,
		       struct sbuf *w)
{
	const unsigned char *p = (const unsigned char *)pattern;
	char where[1024];
	size_t n;
	unsigned code;

	for (; *p; p += n)
		if (is_control(p, &n))
			break;
	if (!*p)
		return 0;
	code = control_code(p);
	jsonpos_where(where, sizeof(where), loc->file, loc->text, loc->text_len, pointer);
	sbuf_addf(w, "%s: the pattern /", where);
	check_visible(w, pattern);
	sbuf_addf(w, "/ has a control character \\x%02X", code);
	if (code == 0x08)
		sbuf_addstr(w, " (a backspace): did you mean \\b, a word boundary? In JSON and "
			       "double-quoted YAML \"\\b\" is a backspace: write \"\\\\b\", "
			       "or quote the YAML with single quotes\n");
	else
		sbuf_addstr(w, ": a JSON or double-quoted YAML escape made it; write the "
			       "backslash twice (\"\\\\\") to give PCRE2 the escape, or "
			       "\\xHH to mean the character\n");
	return 1;
}

struct check *check_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err)
{
	struct check *c = NULL;
	const struct check_ops *ops;
	const json_t *type, *id;
	struct sbuf names;
	json_t *own = NULL;
	size_t i;

	sbuf_init(&names);

	if (!json_is_object(spec)) {
		json_fail(loc, pointer, NULL, err, "expected a check object, got %s",
			  json_is_array(spec) ? "an array" : "a scalar");
		goto out;
	}
	type = json_object_get(spec, "type");
	if (!type) {
		json_fail(loc, pointer, "type", err, "missing check type");
		goto out;
	}
	if (!json_is_string(type)) {
		json_fail(loc, pointer, "type", err, "expected a string");
		goto out;
	}
	ops = find_kind(json_string_value(type));
	if (!ops) {
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			sbuf_addf(&names, "%s%s", i ? ", " : "", kinds[i]->name);
		json_fail(loc, pointer, "type", err,
			  "unknown check type \"%s\" (expected one of: %s)",
			  json_string_value(type), names.buf);
		goto out;
	}
	id = json_object_get(spec, "id");
	if (id && (!json_is_string(id) || !json_string_length(id))) {
		json_fail(loc, pointer, "id", err, "expected a non-empty string");
		goto out;
	}
	/* a per-prompt kind's verdict is its bound on the answers taken together, not a rate */
	if (ops->aggregate && json_object_get(spec, "min_pass_rate")) {
		json_fail(loc, pointer, "min_pass_rate", err,
			  "min_pass_rate does not apply to a \"%s\" check: it judges the prompt's "
			  "answers together",
			  ops->name);
		goto out;
	}
	c = xcalloc(1, sizeof(*c));
	c->ops = ops;
	/* min_pass_rate is common to every kind judged answer by answer: read it here, hide it
	 * from the kind (whose key table still lists it, so an unknown key's error names it). */
	if (json_get_num(loc, pointer, spec, "min_pass_rate", 0, 1, 1, &c->min_pass_rate, err) <
	    0) {
		check_free(c);
		c = NULL;
		goto out;
	}
	own = json_copy((json_t *)spec);
	json_object_del(own, "min_pass_rate");
	c->state = ops->compile(loc, pointer, own, err);
	if (!c->state) {
		pl_err_set(err, PL_E_INTERNAL, pointer, "check \"%s\" failed to compile",
			   ops->name);
		check_free(c);
		c = NULL;
		goto out;
	}
	if (id) {
		c->id = xstrdup(json_string_value(id));
	} else {
		sbuf_reset(&names);
		sbuf_addf(&names, "%s#%lu", ops->name, pointer_index(pointer));
		c->id = sbuf_detach(&names, NULL);
		sbuf_release(&names);
	}
	if (ops->describe)
		ops->describe(c->state, c->label, sizeof(c->label));
	else
		snprintf(c->label, sizeof(c->label), "%s", ops->name);
	visible_label(c->label, sizeof(c->label));
out:
	json_decref(own);
	sbuf_release(&names);
	return c;
}

void check_eval(const struct check *c, const struct check_input *in, struct check_result *out)
{
	out->verdict = CHECK_ERROR;
	out->score = NAN;
	out->detail[0] = '\0';
	c->ops->eval(c->state, in, out);
}

int check_needs_tools(const struct check *c)
{
	return c->ops->needs_tools;
}

const char *check_tool_name(const struct check *c)
{
	return c->ops->tool_name ? c->ops->tool_name(c->state) : NULL;
}

const char *check_warnings(const struct check *c)
{
	const char *w = c->ops->warnings ? c->ops->warnings(c->state) : NULL;

	return w && *w ? w : NULL;
}

int check_is_aggregate(const struct check *c)
{
	return c->ops->aggregate != NULL;
}

int check_aggregate(const struct check *c, struct check_result *samples, size_t n,
		    struct check_result *out)
{
	if (!c->ops->aggregate)
		return -1;
	out->verdict = CHECK_ERROR;
	out->score = NAN;
	out->detail[0] = '\0';
	c->ops->aggregate(c->state, samples, n, out);
	return 0;
}

const char *check_kind(const struct check *c)
{
	return c->ops->name;
}

const char *check_label(const struct check *c)
{
	return c->label;
}

double check_min_pass_rate(const struct check *c)
{
	return c->min_pass_rate;
}

const char *check_id(const struct check *c)
{
	return c->id;
}

void check_free(struct check *c)
{
	if (!c)
		return;
	if (c->state)
		c->ops->release(c->state);
	free(c->id);
	free(c);
}

int check_judge_ask(const struct check *c, int *kind, const char **rubric)
{
	if (!c->ops->judge_ask)
		return 0;
	c->ops->judge_ask(c->state, kind, rubric);
	return 1;
}

const char *check_verdict_name(enum check_verdict v)
{
	switch (v) {
	case CHECK_PASS:
		return "pass";
	case CHECK_FAIL:
		return "fail";
	case CHECK_SKIP:
		return "skip";
	case CHECK_ERROR:
		return "error";
	}
	return "error";
}
