/* promptfoo.c: a promptfoo config converted into a plumbline suite (prompts x tests, {{vars}}
 * filled, assertions mapped to check kinds, the rest named with its line and skipped). */
#include "promptfoo.h"
#include "canon.h"
#include "check.h"
#include "jsonpos.h"
#include "yamljson.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct conv {
	const struct jsonloc *loc;
	struct sbuf *notes;
	size_t *skipped;
	int quiet; /* defaultTest's assertions, converted again for every test: named once */
	/* the current test's vars that cannot fill a placeholder (a list, a file): name ->
	 * {"why": text, "ptr": where it is set} */
	const json_t *unusable;
	/* the current test's options that change what its assertions see (the test's over
	 * defaultTest's): where "transform" (or "postprocess"), "rubricPrompt" and "provider"
	 * are set, "" when not */
	char xform[512], rubric[512], provider[512];
	/* options.prefix and suffix (the test's over defaultTest's, as promptfoo merges them):
	 * added to each prompt's raw text before its vars are filled; borrowed, NULL: none */
	const char *prefix, *suffix;
	const struct promptfoo_files *files; /* NULL: file:// values are skipped */
	int literal; /* the value came from a file: its {{ }} are not templates */
};

static int line_of(const struct conv *c, const char *ptr)
{
	int line = 0, col = 0;

	if (!c->loc->text || jsonpos_find(c->loc->text, c->loc->text_len, ptr, &line, &col) < 0)
		return 0;
	return line;
}

static void vline(struct conv *c, const char *ptr, const char *prefix, const char *suffix,
		  const char *fmt, va_list ap) PL_PRINTF(5, 0);
static void vline(struct conv *c, const char *ptr, const char *prefix, const char *suffix,
		  const char *fmt, va_list ap)
{
	char msg[900], *p;
	int line = line_of(c, ptr);

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (p = msg; *p; p++) /* one line each, whatever the config's text holds */
		if ((unsigned char)*p < 0x20)
			*p = '?';
	if (line > 0)
		sbuf_addf(c->notes, "%s:%d: %s%s%s\n", c->loc->file, line, prefix, msg, suffix);
	else
		sbuf_addf(c->notes, "%s: %s%s%s\n", c->loc->file, prefix, msg, suffix);
}

/* "FILE:LINE: MSG; skipped", counted. */
static int skip(struct conv *c, const char *ptr, const char *fmt, ...) PL_PRINTF(3, 4);
static int skip(struct conv *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return -1;
	va_start(ap, fmt);
	vline(c, ptr, "", "; skipped", fmt, ap);
	va_end(ap);
	(*c->skipped)++;
	return -1;
}

/* "FILE:LINE: note: MSG": converted, but not exactly, or ignored on purpose. */
static void note(struct conv *c, const char *ptr, const char *fmt, ...) PL_PRINTF(3, 4);
static void note(struct conv *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	vline(c, ptr, "note: ", "", fmt, ap);
	va_end(ap);
}

static void sub(char *out, size_t len, const char *ptr, const char *key)
{
	snprintf(out, len, "%s", ptr);
	jsonpos_push_key(out, len, key);
}

static int name_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_';
}

static int is_ident(const char *s, size_t n)
{
	size_t i;

	if (!n || !name_start(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* user.name, items[0], a.b["c"]: a name, then access into it */
static int is_access(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_.[]'\"", s[i])))
			return 0;
	return memchr(s, '.', n) || memchr(s, '[', n);
}

void promptfoo_placeholder_name(const char *placeholder, char *buf, size_t len)
{
	const char *a = placeholder, *b;

	if (!strncmp(a, "{{", 2))
		a += 2;
	while (isspace((unsigned char)*a))
		a++;
	for (b = a; name_start(*b) || (b > a && isdigit((unsigned char)*b)); b++)
		;
	snprintf(buf, len, "%.*s", (int)(b - a), a);
}

/* The first Nunjucks tag of s ("{% ... %}" or "{# ... #}", closed), its length in *n; NULL
 * when s has none. */
static const char *find_tag(const char *s, size_t *n)
{
	const char *t, *close;

	for (t = strchr(s, '{'); t; t = strchr(t + 1, '{')) {
		if (t[1] != '%' && t[1] != '#')
			continue;
		close = strstr(t + 2, t[1] == '%' ? "%}" : "#}");
		if (close) {
			*n = (size_t)(close + 2 - t);
			return t;
		}
	}
	return NULL;
}

/* 1 when s holds a template promptfoo would fill: a tag, or "{{" around something that starts
 * with a name and is closed. */
static int has_template(const char *s)
{
	const char *open, *a;
	size_t n;

	if (find_tag(s, &n))
		return 1;
	for (open = strstr(s, "{{"); open; open = strstr(open + 2, "{{")) {
		for (a = open + 2; isspace((unsigned char)*a); a++)
			;
		if (name_start(*a) && strstr(a, "}}"))
			return 1;
	}
	return 0;
}

char *promptfoo_render(const char *tmpl, const json_t *vars, char **bad, enum promptfoo_bad *why)
{
	struct sbuf sb;
	const char *p = tmpl, *tag;
	size_t tag_len;

	*bad = NULL;
	*why = PF_BAD_UNSET;
	tag = find_tag(tmpl, &tag_len);
	if (tag) {
		*bad = xstrndup(tag, tag_len);
		*why = PF_BAD_TAG;
		return NULL;
	}
	sbuf_init(&sb);
	for (;;) {
		const char *open = strstr(p, "{{"), *close, *a, *b;
		const json_t *v;
		size_t n;

		if (!open) {
			sbuf_addstr(&sb, p);
			break;
		}
		sbuf_add(&sb, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		if (!close) {
			*bad = xstrdup(open);
			*why = PF_BAD_UNCLOSED;
			goto fail;
		}
		for (a = open + 2; a < close && isspace((unsigned char)*a); a++)
			;
		for (b = close; b > a && isspace((unsigned char)b[-1]); b--)
			;
		n = (size_t)(b - a);
		if (!n || !name_start(*a)) { /* not a template: kept as written */
			sbuf_add(&sb, open, (size_t)(close + 2 - open));
			p = close + 2;
			continue;
		}
		if (!is_ident(a, n)) {
			*bad = xstrndup(open, (size_t)(close + 2 - open));
			*why = memchr(a, '|', n) ? PF_BAD_FILTER
			       : is_access(a, n) ? PF_BAD_DOTTED
						 : PF_BAD_EXPR;
			goto fail;
		}
		{
			char *name = xstrndup(a, n);

			v = json_object_get(vars, name);
			free(name);
		}
		if (!json_is_string(v)) {
			*bad = xstrndup(open, (size_t)(close + 2 - open));
			goto fail;
		}
		if (has_template(json_string_value(v))) {
			*bad = xstrndup(open, (size_t)(close + 2 - open));
			*why = PF_BAD_IN_VALUE;
			goto fail;
		}
		sbuf_add(&sb, json_string_value(v), json_string_length(v));
		p = close + 2;
	}
	return sbuf_detach(&sb, NULL);
fail:
	sbuf_release(&sb);
	return NULL;
}

/* Why bad (a placeholder promptfoo_render refused for why) cannot be filled, as the end of a
 * sentence "... uses {{ x }}<this>", into buf. */
static const char *bad_reason(const struct conv *c, const char *bad, enum promptfoo_bad why,
			      char *buf, size_t len)
{
	char name[128];
	const json_t *u;

	switch (why) {
	case PF_BAD_FILTER:
		return ": template filters are not supported (only {{ name }} is filled)";
	case PF_BAD_DOTTED:
		return ": dotted access into a var is not supported (only {{ name }} is filled)";
	case PF_BAD_EXPR:
		return ": template expressions are not supported (only {{ name }} is filled)";
	case PF_BAD_UNCLOSED:
		return ": its {{ is not closed";
	case PF_BAD_TAG:
		return ": template tags ({% if %}, {% for %}, {# #}) are not supported (only "
		       "{{ name }} is filled)";
	case PF_BAD_IN_VALUE:
		promptfoo_placeholder_name(bad, name, sizeof(name));
		snprintf(buf, len,
			 ", and var '%s' holds a template, which promptfoo fills and plumbline "
			 "does not (only {{ name }} in prompts and values is filled)",
			 name);
		return buf;
	case PF_BAD_UNSET:
		break;
	}
	promptfoo_placeholder_name(bad, name, sizeof(name));
	u = json_object_get(c->unusable, name);
	if (u) {
		snprintf(buf, len, ", and var '%s' %s", name,
			 json_string_value(json_object_get(u, "why")));
		return buf;
	}
	return ", which the test's vars do not set";
}

/* A var's value as promptfoo puts it in a prompt: scalars as JavaScript's String() writes them
 * (canon_scalar_text: 0.1, not 0.10000000000000001; 1, not 1.0), null and objects as JSON
 * text. NULL for a list (promptfoo runs the test once per element). */
static json_t *var_text(const json_t *v)
{
	struct sbuf sb;
	char *s;
	json_t *out;

	if (json_is_string(v))
		return json_incref((json_t *)v);
	if (json_is_array(v))
		return NULL;
	sbuf_init(&sb);
	if (!canon_scalar_text(v, &sb)) {
		out = json_stringn(sb.buf, sb.len);
		sbuf_release(&sb);
		return out;
	}
	sbuf_release(&sb);
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		abort(); /* out of memory, as everywhere */
	out = json_string(s);
	free(s);
	return out;
}

/* defaults' vars, then the test's over them, into a new object of strings; the vars that
 * cannot fill a placeholder (a list, a file) go into *unusable instead (see struct conv): they
 * matter only when something uses them. */
static json_t *merge_vars(struct conv *c, const json_t *defaults, const char *dptr,
			  const json_t *test, const char *tptr, size_t ti, json_t **unusable)
{
	const json_t *srcs[2] = { json_object_get(defaults, "vars"),
				  json_object_get(test, "vars") };
	const char *ptrs[2] = { dptr, tptr };
	json_t *out = json_object();
	size_t s;

	*unusable = json_object();
	for (s = 0; s < 2; s++) {
		const char *key;
		json_t *v;
		char vptr[512];

		if (!srcs[s])
			continue;
		sub(vptr, sizeof(vptr), ptrs[s], "vars");
		if (!json_is_object(srcs[s])) {
			skip(c, vptr, "test %zu: vars from a file or a list are not imported",
			     ti + 1);
			goto fail;
		}
		json_object_foreach((json_t *)srcs[s], key, v)
		{
			json_t *t = var_text(v);
			char kptr[512];

			if (!t || !strncmp(json_string_value(t), "file://", 7)) {
				const char *why =
					t ? "comes from a file: paste its text into the config"
					  : "is a list (promptfoo runs the test once per value); "
					    "write one test per value";

				json_decref(t);
				sub(kptr, sizeof(kptr), vptr, key);
				json_object_set_new(*unusable, key,
						    json_pack("{s:s, s:s}", "why", why, "ptr",
							      kptr));
				json_object_del(out, key);
				continue;
			}
			json_object_set_new(out, key, t);
			json_object_del(*unusable, key);
		}
	}
	return out;
fail:
	json_decref(*unusable);
	*unusable = NULL;
	json_decref(out);
	return NULL;
}

/* 1 when text has a placeholder that starts with the var name ({{ name }}, {{ name | f }}). */
static int uses_var(const char *text, const char *name)
{
	const char *p;
	char got[128];

	for (p = text ? strstr(text, "{{") : NULL; p; p = strstr(p + 2, "{{")) {
		promptfoo_placeholder_name(p, got, sizeof(got));
		if (!strcmp(got, name))
			return 1;
	}
	return 0;
}

/* The assertion's "value" as a string with the vars filled in; NULL (after naming it) when it
 * is not a string or names an unknown var. */
static char *value_text(struct conv *c, const json_t *a, const char *ptr, const char *type,
			const json_t *vars)
{
	json_t *v = json_object_get(a, "value"), *num = NULL;
	char *out, *bad = NULL, reason[300];
	enum promptfoo_bad why;

	if (json_is_number(v)) /* "value: 42" is text to promptfoo */
		v = num = var_text(v);
	if (!json_is_string(v)) {
		skip(c, ptr, "assert type '%s' without a text value has no plumbline equivalent",
		     type);
		return NULL;
	}
	out = c->literal ? xstrdup(json_string_value(v))
			 : promptfoo_render(json_string_value(v), vars, &bad, &why);
	json_decref(num);
	if (!out) {
		skip(c, ptr, "assert type '%s' uses %s%s", type, bad,
		     bad_reason(c, bad, why, reason, sizeof(reason)));
		free(bad);
	}
	return out;
}

/* contains-any/-all: "value" as a list of strings, or one string of comma-separated values. */
static json_t *value_list(struct conv *c, const json_t *a, const char *ptr, const char *type,
			  const json_t *vars)
{
	const json_t *v = json_object_get(a, "value");
	json_t *out = json_array();
	size_t i;

	if (json_is_array(v) && json_array_size(v) > 0) {
		for (i = 0; i < json_array_size(v); i++) {
			const json_t *e = json_array_get(v, i);
			char *bad = NULL, *s, reason[300];
			enum promptfoo_bad why;

			if (!json_is_string(e)) {
				skip(c, ptr, "assert type '%s': value %zu is not text", type,
				     i + 1);
				goto fail;
			}
			s = c->literal ? xstrdup(json_string_value(e))
				       : promptfoo_render(json_string_value(e), vars, &bad, &why);
			if (!s) {
				skip(c, ptr, "assert type '%s' uses %s%s", type, bad,
				     bad_reason(c, bad, why, reason, sizeof(reason)));
				free(bad);
				goto fail;
			}
			json_array_append_new(out, json_string(s));
			free(s);
		}
		return out;
	}
	if (json_is_string(v)) {
		char *s = value_text(c, a, ptr, type, vars), *p, *comma;

		if (!s)
			goto fail;
		for (p = s;; p = comma + 1) {
			char *b, *e;

			comma = strchr(p, ',');
			e = comma ? comma : p + strlen(p);
			for (b = p; b < e && isspace((unsigned char)*b); b++)
				;
			while (e > b && isspace((unsigned char)e[-1]))
				e--;
			if (e > b)
				json_array_append_new(out, json_stringn(b, (size_t)(e - b)));
			if (!comma)
				break;
		}
		free(s);
		if (json_array_size(out) > 0)
			return out;
	}
	skip(c, ptr, "assert type '%s' without a list of values has no plumbline equivalent", type);
fail:
	json_decref(out);
	return NULL;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* "the test's options.transform" / "defaultTest's options.postprocess" from where it is set. */
static const char *options_name(const char *ptr, char *buf, size_t len)
{
	const char *k = strrchr(ptr, '/');

	snprintf(buf, len, "%s's options.%s",
		 strncmp(ptr, "/defaultTest", 12) ? "the test" : "defaultTest", k ? k + 1 : ptr);
	return buf;
}

/* The options of defaultTest, then of the test (index ti, at tptr; NULL: none), into c's
 * xform, rubric, provider, prefix and suffix; any other option is noted (defaultTest's once).
 * Returns 0, or -1 when the test is skipped (a prefix or suffix that is not a string). */
static int read_options(struct conv *c, const json_t *defaults, const json_t *test,
			const char *tptr, size_t ti)
{
	const json_t *srcs[2] = { json_object_get(defaults, "options"),
				  json_object_get(test, "options") };
	const char *ptrs[2] = { "/defaultTest", tptr };
	size_t s;

	c->xform[0] = c->rubric[0] = c->provider[0] = '\0';
	c->prefix = c->suffix = NULL;
	for (s = 0; s < 2; s++) {
		const char *key;
		json_t *v;
		char optr[512], kptr[512];
		int quiet = c->quiet;

		if (!srcs[s])
			continue;
		sub(optr, sizeof(optr), ptrs[s], "options");
		c->quiet = s == 0 && ti > 0; /* defaultTest's: named once */
		if (!json_is_object(srcs[s])) {
			note(c, optr, "options that are not an object are not imported");
			c->quiet = quiet;
			continue;
		}
		json_object_foreach((json_t *)srcs[s], key, v)
		{
			sub(kptr, sizeof(kptr), optr, key);
			if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
				continue;
			if (!strcmp(key, "transform") || !strcmp(key, "postprocess")) {
				snprintf(c->xform, sizeof(c->xform), "%s", kptr);
			} else if (!strcmp(key, "rubricPrompt")) {
				snprintf(c->rubric, sizeof(c->rubric), "%s", kptr);
			} else if (!strcmp(key, "provider")) {
				snprintf(c->provider, sizeof(c->provider), "%s", kptr);
			} else if (!strcmp(key, "prefix") || !strcmp(key, "suffix")) {
				/* promptfoo: raw = prefix + prompt + suffix, then the vars */
				if (!json_is_string(v)) {
					c->quiet = quiet;
					return skip(
						c, kptr,
						"test %zu: options.%s is not a string (expected "
						"the text promptfoo adds to the prompt)",
						ti + 1, key);
				}
				*(key[0] == 'p' ? &c->prefix : &c->suffix) = json_string_value(v);
			} else {
				note(c, kptr, "%s option '%s' is not imported",
				     s ? "test" : "defaultTest", key);
			}
		}
		c->quiet = quiet;
	}
	return 0;
}

/* Appends to checks the check(s) doing what assertion a does. Returns 0, or -1 when skipped. */
static int map_assert_value(struct conv *c, const json_t *a, const char *ptr, const json_t *vars,
			    json_t *checks)
{
	const char *type = json_string_value(json_object_get(a, "type")), *base;
	const json_t *thr = json_object_get(a, "threshold"), *value, *weight, *metric;
	json_t *list, *chk;
	char *text = NULL, key[600];
	int neg, ci, graded;
	size_t i;

	if (!json_is_object(a) || !type)
		return skip(c, ptr, "an assertion without a \"type\" has no plumbline equivalent");
	weight = json_object_get(a, "weight");
	if (json_is_number(weight) && json_number_value(weight) == 0) {
		note(c, ptr,
		     "assert type '%s' has weight 0, so promptfoo does not count it toward pass or "
		     "fail; not imported",
		     type);
		return 0;
	}
	if (json_object_get(a, "transform"))
		return skip(c, ptr, "assert type '%s' with a transform has no plumbline equivalent",
			    type);
	if (c->xform[0] && strcmp(type, "cost") && strcmp(type, "latency")) /* they see no text */
		return skip(c, ptr,
			    "assert type '%s' runs on the answer as %s (line %d) changes it, which "
			    "plumbline does not do",
			    type, options_name(c->xform, key, sizeof(key)), line_of(c, c->xform));
	neg = !strncmp(type, "not-", 4);
	base = neg ? type + 4 : type;
	graded = !neg && (!strcmp(base, "llm-rubric") || !strcmp(base, "similar"));
	if (!neg && !strcmp(base, "llm-rubric") &&
	    (json_object_get(a, "rubricPrompt") || c->rubric[0]))
		return skip(c, ptr,
			    "assert type 'llm-rubric' with its own rubricPrompt%s has no plumbline "
			    "equivalent (plumbline's judge asks with its own prompt)",
			    json_object_get(a, "rubricPrompt") ? "" : " (from the test's options)");
	value = json_object_get(a, "value");
	ci = base[0] == 'i';
	if (!strcmp(base, "equals") && !neg && (json_is_object(value) || json_is_array(value))) {
		/* deep equality of the answer's JSON: a schema with "const" */
		json_array_append_new(checks, json_pack("{s:s, s:{s:O}}", "type", "json_schema",
							"schema", "const", value));
	} else if (!strcmp(base, "equals") && !neg) {
		if (!(text = value_text(c, a, ptr, type, vars)))
			return -1;
		json_array_append_new(checks,
				      json_pack("{s:s, s:s}", "type", "equals", "value", text));
	} else if (!strcmp(base, "contains") || !strcmp(base, "icontains")) {
		if (!(text = value_text(c, a, ptr, type, vars)))
			return -1;
		chk = json_pack("{s:s, s:s}", "type", neg ? "not_contains" : base, "value", text);
		if (neg && ci)
			json_object_set_new(chk, "case_sensitive", json_false());
		json_array_append_new(checks, chk);
	} else if ((!strcmp(base, "contains-any") || !strcmp(base, "icontains-any") ||
		    !strcmp(base, "contains-all") || !strcmp(base, "icontains-all")) &&
		   !(neg && strstr(base, "-all"))) {
		int all = strstr(base, "-all") != NULL;

		if (!(list = value_list(c, a, ptr, type, vars)))
			return -1;
		/* not-contains-any: none of them, one not_contains each */
		for (i = 0; i < (neg ? json_array_size(list) : 1); i++) {
			if (neg)
				chk = json_pack("{s:s, s:O}", "type", "not_contains", "value",
						json_array_get(list, i));
			else
				chk = json_pack("{s:s, s:O}", "type",
						all ? "contains_all" : "contains_any", "values",
						list);
			if (ci)
				json_object_set_new(chk, "case_sensitive", json_false());
			json_array_append_new(checks, chk);
		}
		json_decref(list);
	} else if (!strcmp(base, "starts-with") && !neg) {
		if (!(text = value_text(c, a, ptr, type, vars)))
			return -1;
		json_array_append_new(checks, json_pack("{s:s, s:s}", "type", "starts_with",
							"value", text));
	} else if (!strcmp(base, "regex")) {
		if (!(text = value_text(c, a, ptr, type, vars)))
			return -1;
		chk = json_pack("{s:s, s:s}", "type", "regex", "pattern", text);
		if (neg)
			json_object_set_new(chk, "mode", json_string("not_match"));
		json_array_append_new(checks, chk);
	} else if ((!strcmp(base, "is-json") || !strcmp(base, "contains-json")) && !neg) {
		int contains = base[0] == 'c';

		if (value && !json_is_object(value))
			return skip(c, ptr,
				    "assert type '%s' with a schema from a file has no plumbline "
				    "equivalent (paste the schema as its value)",
				    type);
		chk = value ? json_pack("{s:s, s:O}", "type", "json_schema", "schema", value)
			    : json_pack("{s:s}", "type", "json");
		if (contains) {
			json_object_set_new(chk, "fenced", json_true());
			note(c, ptr,
			     "assert type 'contains-json' becomes %s with fenced: true (the answer "
			     "is JSON, or one fenced JSON block; not JSON anywhere in the text)",
			     value ? "json_schema" : "json");
		}
		json_array_append_new(checks, chk);
	} else if (!strcmp(base, "similar") && !neg) {
		double t = json_is_number(thr) ? json_number_value(thr) : 0.75;

		json_array_append_new(checks, json_pack("{s:s, s:f}", "type",
							"embedding_similarity", "threshold", t));
		note(c, ptr,
		     "assert type 'similar' becomes embedding_similarity >= %g to the baseline "
		     "answers (its value is not compared)",
		     t);
	} else if (!strcmp(base, "llm-rubric") && !neg) {
		if (!(text = value_text(c, a, ptr, type, vars)))
			return -1;
		json_array_append_new(checks,
				      json_pack("{s:s, s:s}", "type", "rubric", "rubric", text));
	} else if (!strcmp(base, "levenshtein") && !neg) {
		double d = json_is_number(thr) ? json_number_value(thr) : 5, t;
		size_t len;

		if (!(text = value_text(c, a, ptr, type, vars)))
			return -1;
		len = utf8_chars(text);
		t = len ? floor((1.0 - d / (double)len) * 1000.0) / 1000.0 : 0;
		t = t < 0 ? 0 : t;
		json_array_append_new(checks, json_pack("{s:s, s:s, s:f}", "type", "similarity",
							"metric", "levenshtein", "threshold", t));
		note(c, ptr,
		     "assert type 'levenshtein' (distance <= %g from a %zu-character value) becomes "
		     "similarity levenshtein >= %g to the baseline answers",
		     d, len, t);
	} else if (!strcmp(base, "cost") && !neg && json_is_number(thr)) {
		json_array_append_new(checks,
				      json_pack("{s:s, s:O}", "type", "cost", "max_usd", thr));
	} else if (!strcmp(base, "latency") && !neg && json_is_number(thr)) {
		json_array_append_new(checks,
				      json_pack("{s:s, s:O}", "type", "latency", "p95_ms", thr));
		note(c, ptr,
		     "assert type 'latency' (every answer within %g ms) becomes latency p95_ms: "
		     "%g (the 95th percentile of the prompt's answers)",
		     json_number_value(thr), json_number_value(thr));
	} else if ((!strcmp(base, "cost") || !strcmp(base, "latency")) && !neg) {
		return skip(c, ptr, "assert type '%s' needs a threshold (%s), as in promptfoo",
			    type,
			    base[0] == 'c' ? "the most USD an answer may cost" : "milliseconds");
	} else if (!strcmp(base, "is-refusal")) {
		json_array_append_new(checks, json_pack("{s:s}", "type",
							neg ? "not_refusal" : "is_refusal"));
	} else {
		return skip(c, ptr, "assert type '%s' has no plumbline equivalent", type);
	}
	free(text);
	if (weight && !(json_is_number(weight) && json_number_value(weight) == 1))
		note(c, ptr,
		     "assert type '%s': its weight is not imported (plumbline judges each check by "
		     "itself)",
		     type);
	metric = json_object_get(a, "metric");
	if (metric)
		note(c, ptr,
		     "assert type '%s': its metric '%s' is not imported (plumbline reports each "
		     "check by itself)",
		     type, json_is_string(metric) ? json_string_value(metric) : "?");
	if (graded && (json_object_get(a, "provider") || c->provider[0]))
		note(c, ptr,
		     "assert type '%s' is graded by the %s of plumbline's config, not by the "
		     "provider given%s",
		     type, base[0] == 'l' ? "judge" : "embeddings",
		     json_object_get(a, "provider") ? "" : " in the test's options");
	return 0;
}

/* The value of a "file://PATH" assertion as promptfoo reads it: a .txt file's text (trimmed),
 * a .json or .yaml file's value. NULL (named, skipped) for a script, another kind of file or a
 * file that cannot be read. */
static json_t *file_value(struct conv *c, const char *ptr, const char *type, const char *ref)
{
	const char *path = ref + 7, *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	struct pl_err err = PL_ERR_INIT;
	char ext[16], *text = NULL;
	size_t len = 0, n;
	json_t *v = NULL;

	n = dot && (!slash || dot > slash) ? strcspn(dot, ":") : 0;
	snprintf(ext, sizeof(ext), "%.*s", (int)(n < sizeof(ext) ? n : 0), dot ? dot : "");
	if (!strcmp(ext, ".js") || !strcmp(ext, ".cjs") || !strcmp(ext, ".mjs") ||
	    !strcmp(ext, ".ts") || !strcmp(ext, ".py")) {
		skip(c, ptr,
		     "assert type '%s' with a value from a script (%.200s) has no plumbline "
		     "equivalent",
		     type, ref);
		return NULL;
	}
	if (strcmp(ext, ".txt") && strcmp(ext, ".json") && strcmp(ext, ".yaml") &&
	    strcmp(ext, ".yml")) {
		skip(c, ptr,
		     "assert type '%s': %.200s: promptfoo reads only .txt, .json, .yaml and .yml "
		     "files as values",
		     type, ref);
		return NULL;
	}
	if (!c->files || !c->files->read) {
		skip(c, ptr, "assert type '%s' with a value from a file (%.200s) is not imported",
		     type, ref);
		return NULL;
	}
	if (c->files->read(c->files->ctx, path, &text, &len, &err) < 0) {
		skip(c, ptr, "assert type '%s': %.200s: %s: %s", type, ref, err.where, err.msg);
		return NULL;
	}
	if (!strcmp(ext, ".txt")) {
		const char *a = text, *b = text + len;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		v = json_stringn(a, (size_t)(b - a));
		if (!v)
			skip(c, ptr, "assert type '%s': %.200s is not UTF-8 text", type, ref);
	} else if (!strcmp(ext, ".json")) {
		json_error_t je;

		v = json_loadb(text, len, JSON_DECODE_ANY, &je);
		if (!v)
			skip(c, ptr, "assert type '%s': %.200s:%d:%d: invalid JSON: %s", type, ref,
			     je.line, je.column, je.text);
	} else {
		struct sbuf idx;

		sbuf_init(&idx);
		jsonpos_index_init(&idx);
		v = yamljson_parse(path, text, len, &idx, &err);
		if (!v)
			skip(c, ptr, "assert type '%s': %s: %s", type, err.where, err.msg);
		sbuf_release(&idx);
	}
	free(text);
	return v;
}

/* Appends to checks the check(s) doing what assertion a does, its "file://" value read first.
 * Returns 0, or -1 when skipped. */
static int map_assert(struct conv *c, const json_t *a, const char *ptr, const json_t *vars,
		      json_t *checks)
{
	const json_t *v = json_object_get(a, "value");
	const char *type = json_string_value(json_object_get(a, "type"));
	json_t *copy, *loaded;
	int rc;

	static const char *const with_value[] = { "equals",	   "contains",	    "icontains",
						  "contains-any",  "icontains-any", "contains-all",
						  "icontains-all", "starts-with",   "regex",
						  "is-json",	   "contains-json", "llm-rubric",
						  "similar",	   "levenshtein",   NULL };
	const char *const *k;

	if (!json_is_string(v) || strncmp(json_string_value(v), "file://", 7) || !type)
		return map_assert_value(c, a, ptr, vars, checks);
	for (k = with_value; *k && strcmp(*k, strncmp(type, "not-", 4) ? type : type + 4); k++)
		;
	if (!*k) /* a type with no equivalent: named as such, whatever its value */
		return map_assert_value(c, a, ptr, vars, checks);
	if (!(loaded = file_value(c, ptr, type, json_string_value(v))))
		return -1;
	copy = json_deep_copy(a);
	json_object_set_new(copy, "value", loaded);
	c->literal = 1;
	rc = map_assert_value(c, copy, ptr, vars, checks);
	c->literal = 0;
	json_decref(copy);
	return rc;
}

/* Appends the checks of list (an "assert" array at ptr) to checks; skipped ones are named. */
static void map_asserts(struct conv *c, const json_t *list, const char *ptr, const json_t *vars,
			json_t *checks)
{
	char aptr[512];
	size_t i;

	if (!list)
		return;
	if (!json_is_array(list)) {
		skip(c, ptr, "\"assert\" is not a list of assertions");
		return;
	}
	for (i = 0; i < json_array_size(list); i++) {
		size_t before = json_array_size(checks), k;

		snprintf(aptr, sizeof(aptr), "%s", ptr);
		jsonpos_push_index(aptr, sizeof(aptr), i);
		if (map_assert(c, json_array_get(list, i), aptr, vars, checks) < 0)
			continue;
		/* each check as `plumbline check` compiles it: never write one it refuses */
		for (k = before; k < json_array_size(checks); k++) {
			struct jsonloc loc = { .file = "" };
			struct pl_err err = PL_ERR_INIT;
			struct check *chk =
				check_compile(&loc, "", json_array_get(checks, k), &err);
			const json_t *type = json_object_get(json_array_get(list, i), "type");

			if (chk) {
				check_free(chk);
				continue;
			}
			while (json_array_size(checks) > before)
				json_array_remove(checks, json_array_size(checks) - 1);
			skip(c, aptr, "assert type '%s' becomes a check plumbline refuses (%s%s%s)",
			     json_string_value(type), err.where[0] == ':' ? err.where + 2 : "",
			     err.where[0] == ':' ? ": " : "", err.msg);
			break;
		}
	}
}

struct pf_prompt {
	size_t index; /* in the config's prompts, for the id */
	const char *text;
	char ptr[64];
};

/* The config's prompts that can be imported, into *out (borrowed texts). */
static int read_prompts(struct conv *c, const json_t *root, struct pf_prompt **out, size_t *n,
			struct pl_err *err)
{
	const json_t *ps = json_object_get(root, "prompts");
	size_t i, count;

	*out = NULL;
	*n = 0;
	if (!ps)
		return json_fail(c->loc, "", NULL, err, "missing required key \"prompts\"");
	if (!json_is_string(ps) && !json_is_array(ps))
		return json_fail(c->loc, "/prompts", NULL, err,
				 "expected a prompt or a list of prompts, got %s",
				 json_type_name(ps));
	count = json_is_array(ps) ? json_array_size(ps) : 1;
	*out = xcalloc(count + 1, sizeof(**out));
	for (i = 0; i < count; i++) {
		const json_t *p = json_is_array(ps) ? json_array_get(ps, i) : ps;
		struct pf_prompt *q = &(*out)[*n];
		const char *text;

		if (json_is_array(ps))
			snprintf(q->ptr, sizeof(q->ptr), "/prompts/%zu", i);
		else
			snprintf(q->ptr, sizeof(q->ptr), "/prompts");
		if (json_is_object(p) && json_is_string(json_object_get(p, "raw")))
			text = json_string_value(json_object_get(p, "raw"));
		else if (json_is_object(p) && json_is_string(json_object_get(p, "id")))
			text = json_string_value(json_object_get(p, "id"));
		else
			text = json_string_value(p);
		if (!text) {
			skip(c, q->ptr, "prompt %zu is neither text nor {raw: text}", i + 1);
			continue;
		}
		if (!strncmp(text, "file://", 7)) {
			skip(c, q->ptr,
			     "prompt %zu comes from a file (%.200s): paste its text into prompts",
			     i + 1, text);
			continue;
		}
		q->index = i;
		q->text = text;
		(*n)++;
	}
	return 0;
}

/* A promptfoo chat prompt: a JSON list of {role, content} in the prompt text. */
static json_t *chat_messages(const char *text)
{
	json_t *arr;
	size_t i;

	while (isspace((unsigned char)*text))
		text++;
	if (*text != '[')
		return NULL;
	arr = json_loads(text, 0, NULL);
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		goto no;
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *m = json_array_get(arr, i);
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!role || !json_is_string(json_object_get(m, "content")) ||
		    json_object_size(m) != 2 ||
		    (strcmp(role, "system") && strcmp(role, "user") && strcmp(role, "assistant")))
			goto no;
	}
	return arr;
no:
	json_decref(arr);
	return NULL;
}

/* The plumbline prompt for (p, test): text or messages with the vars filled; NULL (named) when
 * a placeholder has no value. */
static json_t *make_prompt(struct conv *c, const struct pf_prompt *p, const char *id,
			   const char *tptr, const json_t *vars, const char *description)
{
	struct sbuf raw = SBUF_INIT;
	json_t *out = json_object(), *chat;
	char *bad = NULL, *s, reason[300];
	enum promptfoo_bad why = PF_BAD_UNSET;
	size_t i;

	/* as promptfoo: the options' prefix and suffix around the raw prompt (a chat prompt
	 * with either is plain text there too) */
	sbuf_addf(&raw, "%s%s%s", c->prefix ? c->prefix : "", p->text, c->suffix ? c->suffix : "");
	chat = chat_messages(raw.buf);
	json_object_set_new(out, "id", json_string(id));
	if (description)
		json_object_set_new(out, "description", json_string(description));
	if (chat) {
		for (i = 0; i < json_array_size(chat); i++) {
			json_t *m = json_array_get(chat, i);

			s = promptfoo_render(json_string_value(json_object_get(m, "content")), vars,
					     &bad, &why);
			if (!s)
				goto bad;
			json_object_set_new(m, "content", json_string(s));
			free(s);
		}
		json_object_set_new(out, "messages", chat);
		chat = NULL;
	} else {
		s = promptfoo_render(raw.buf, vars, &bad, &why);
		if (!s)
			goto bad;
		json_object_set_new(out, "prompt", json_string(s));
		free(s);
	}
	sbuf_release(&raw);
	return out;
bad:
	sbuf_release(&raw);
	skip(c, tptr, "%s: prompt %zu uses %s%s", id, p->index + 1, bad,
	     bad_reason(c, bad, why, reason, sizeof(reason)));
	free(bad);
	json_decref(chat);
	json_decref(out);
	return NULL;
}

static void note_keys(struct conv *c, const json_t *obj, const char *ptr, const char *const *known,
		      const char *what)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		const char *const *k;
		char kptr[512];

		(void)v;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (*k)
			continue;
		sub(kptr, sizeof(kptr), ptr, key);
		if (!strcmp(key, "providers"))
			note(c, kptr,
			     "providers are not imported: plumbline's vendors are in its config "
			     "(plumbline-config(5))");
		else if (!ptr[0] && !strcmp(key, "scenarios"))
			/* tests left out: counted, not merely noted (exit 1) */
			skip(c, kptr,
			     "scenarios are not imported (each config x tests pair is a test): "
			     "write them as tests");
		else
			note(c, kptr, "%s '%s' is not imported", what, key);
	}
}

/* A var that cannot fill a placeholder (a list, a file) and that a prompt uses skips the
 * test (named at the var, once); one no prompt uses is ignored (noted). Assertions that use
 * one are skipped one by one (bad_reason). Returns 0, or -1 when the test is skipped. */
static int unused_or_skip(struct conv *c, const json_t *unusable, const struct pf_prompt *prompts,
			  size_t n_prompts, size_t ti)
{
	const char *key;
	json_t *u;
	size_t p;

	json_object_foreach((json_t *)unusable, key, u)
	{
		const char *why = json_string_value(json_object_get(u, "why"));
		const char *ptr = json_string_value(json_object_get(u, "ptr"));

		for (p = 0; p < n_prompts && !uses_var(prompts[p].text, key); p++)
			;
		if (p < n_prompts)
			return skip(c, ptr, "test %zu: var '%s' %s", ti + 1, key, why);
		if (strncmp(ptr, "/defaultTest", 12))
			note(c, ptr, "test %zu: var '%s' is not used by the prompts; ignored",
			     ti + 1, key);
		else if (ti == 0) /* the same for every test: once */
			note(c, ptr, "defaultTest's var '%s' is not used by the prompts; ignored",
			     key);
	}
	return 0;
}

json_t *promptfoo_convert(const struct jsonloc *loc, const json_t *root, const char *suite_id,
			  const struct promptfoo_files *files, struct sbuf *notes, size_t *skipped,
			  struct pl_err *err)
{
	static const char *const top_keys[] = { "description", "prompts", "tests", "defaultTest",
						NULL };
	static const char *const test_keys[] = { "description", "vars", "assert", "options", NULL };
	struct conv c = { .loc = loc, .notes = notes, .skipped = skipped, .files = files };
	const json_t *tests, *defaults, *desc;
	struct pf_prompt *prompts = NULL;
	json_t *suite = NULL, *out = json_array();
	size_t n_prompts = 0, n_tests, p, t;

	*skipped = 0;
	if (!json_is_object(root)) {
		json_fail(loc, "", NULL, err, "expected a promptfoo config (an object), got %s",
			  json_type_name(root));
		goto out;
	}
	note_keys(&c, root, "", top_keys, "section");
	defaults = json_object_get(root, "defaultTest");
	if (defaults && !json_is_object(defaults)) {
		json_fail(loc, "/defaultTest", NULL, err,
			  "expected an object (defaultTest from a file is not imported)");
		goto out;
	}
	if (defaults)
		note_keys(&c, defaults, "/defaultTest", test_keys, "defaultTest key");
	tests = json_object_get(root, "tests");
	if (tests && !json_is_array(tests)) {
		json_fail(loc, "/tests", NULL, err,
			  "expected a list of tests (tests from a file are not imported: list "
			  "them in the config)");
		goto out;
	}
	if (read_prompts(&c, root, &prompts, &n_prompts, err) < 0)
		goto out;
	n_tests = tests && json_array_size(tests) ? json_array_size(tests) : 1;
	for (t = 0; t < n_tests; t++) {
		const json_t *test = tests ? json_array_get(tests, t) : NULL;
		json_t *vars, *checks, *unusable = NULL;
		char tptr[64] = "", aptr[512];
		const char *tdesc;

		if (tests && json_array_size(tests)) {
			snprintf(tptr, sizeof(tptr), "/tests/%zu", t);
			if (!json_is_object(test)) {
				skip(&c, tptr, "test %zu is not an object", t + 1);
				continue;
			}
			note_keys(&c, test, tptr, test_keys, "test key");
		}
		vars = merge_vars(&c, defaults, "/defaultTest", test, tptr, t, &unusable);
		if (!vars)
			continue;
		if (unused_or_skip(&c, unusable, prompts, n_prompts, t) < 0) {
			json_decref(unusable);
			json_decref(vars);
			continue;
		}
		c.unusable = unusable;
		if (read_options(&c, defaults, test, tptr, t) < 0) {
			c.unusable = NULL;
			json_decref(unusable);
			json_decref(vars);
			continue;
		}
		checks = json_array();
		sub(aptr, sizeof(aptr), "/defaultTest", "assert");
		/* named once, unless the test's own options change what they see */
		c.quiet = t > 0 && !(c.xform[0] && strncmp(c.xform, "/defaultTest", 12)) &&
			  !(c.rubric[0] && strncmp(c.rubric, "/defaultTest", 12));
		map_asserts(&c, json_object_get(defaults, "assert"), aptr, vars, checks);
		c.quiet = 0;
		sub(aptr, sizeof(aptr), tptr, "assert");
		map_asserts(&c, json_object_get(test, "assert"), aptr, vars, checks);
		tdesc = json_string_value(json_object_get(test, "description"));
		for (p = 0; p < n_prompts; p++) {
			char id[64];
			json_t *q;

			if (tests && json_array_size(tests))
				snprintf(id, sizeof(id), "p%zu-t%zu", prompts[p].index + 1, t + 1);
			else
				snprintf(id, sizeof(id), "p%zu", prompts[p].index + 1);
			q = make_prompt(&c, &prompts[p], id, tptr[0] ? tptr : prompts[p].ptr, vars,
					tdesc);
			if (!q)
				continue;
			if (json_array_size(checks))
				json_object_set_new(q, "checks", json_deep_copy(checks));
			json_array_append_new(out, q);
		}
		json_decref(checks);
		json_decref(vars);
		c.unusable = NULL;
		json_decref(unusable);
	}
	if (!json_array_size(out)) {
		json_fail(loc, "/prompts", NULL, err, "no prompt could be imported");
		goto out;
	}
	desc = json_object_get(root, "description");
	suite = json_pack("{s:s}", "id", suite_id);
	if (json_is_string(desc))
		json_object_set(suite, "description", (json_t *)desc);
	else
		json_object_set_new(suite, "description",
				    json_sprintf("imported from promptfoo %s", loc->file));
	json_object_set(suite, "prompts", out);
out:
	json_decref(out);
	free(prompts);
	return suite;
}
