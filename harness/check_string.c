/* check_string.c: the string checks "equals", "contains", "icontains", "not_contains",
 * "starts_with", "contains_any" and "contains_all". One compile and one eval, driven by a table
 * of modes: where a value must stand, whether case counts, and how several values combine. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "check.h"
#include "jsonpos.h"
#include "sbuf.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum str_where {
	AT_ANY,	  /* anywhere in the answer */
	AT_START, /* at its start */
	AT_WHOLE, /* the whole answer */
};

enum str_need {
	NEED_ONE,  /* the one "value" is found */
	NEED_NONE, /* the one "value" is not found */
	NEED_ANY,  /* at least one of "values" */
	NEED_ALL,  /* every one of "values" */
};

struct str_mode {
	const char *name;
	enum str_where where;
	enum str_need need;
	int caseless;		 /* icontains: always case-insensitive (no "case_sensitive" key) */
	const char *const *keys; /* the keys the kind accepts */
};

struct str_state {
	const struct str_mode *mode;
	int caseless, trim;
	size_t n;
	char **values;
	pcre2_code **codes; /* one literal pattern per value */
};

static const char *const equals_keys[] = { "type", "id", "min_pass_rate", "value", "case_sensitive",
					   "trim", NULL };
static const char *const contains_keys[] = { "type",	       "id", "min_pass_rate", "value",
					     "case_sensitive", NULL };
static const char *const icontains_keys[] = { "type", "id", "min_pass_rate", "value", NULL };
static const char *const many_keys[] = { "type",	   "id", "min_pass_rate", "value", "values",
					 "case_sensitive", NULL };

enum str_kind { K_EQUALS, K_CONTAINS, K_ICONTAINS, K_NOT_CONTAINS, K_STARTS_WITH, K_ANY, K_ALL };

static const struct str_mode modes[] = {
	[K_EQUALS] = { "equals", AT_WHOLE, NEED_ONE, 0, equals_keys },
	[K_CONTAINS] = { "contains", AT_ANY, NEED_ONE, 0, contains_keys },
	[K_ICONTAINS] = { "icontains", AT_ANY, NEED_ONE, 1, icontains_keys },
	[K_NOT_CONTAINS] = { "not_contains", AT_ANY, NEED_NONE, 0, contains_keys },
	[K_STARTS_WITH] = { "starts_with", AT_START, NEED_ONE, 0, equals_keys },
	[K_ANY] = { "contains_any", AT_ANY, NEED_ANY, 0, many_keys },
	[K_ALL] = { "contains_all", AT_ANY, NEED_ALL, 0, many_keys },
};

static void str_release(void *state)
{
	struct str_state *s = state;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->values[i]);
		pcre2_code_free(s->codes[i]);
	}
	free(s->values);
	free(s->codes);
	free(s);
}

static void add_value(struct str_state *s, const char *v)
{
	s->values = xrealloc(s->values, (s->n + 1) * sizeof(*s->values));
	s->codes = xrealloc(s->codes, (s->n + 1) * sizeof(*s->codes));
	s->values[s->n] = xstrdup(v);
	s->codes[s->n] = NULL;
	s->n++;
}

/* Reads "value" (a string; for the _any/_all kinds also an array, as promptfoo writes it) or
 * "values" (an array of strings) into s->values. */
static int read_values(const struct jsonloc *loc, const char *pointer, const json_t *spec,
		       struct str_state *s, struct pl_err *err)
{
	int many = s->mode->need == NEED_ANY || s->mode->need == NEED_ALL;
	const json_t *value = json_object_get(spec, "value"),
		     *values = json_object_get(spec, "values");
	const char *key = values ? "values" : "value";
	const json_t *v = values ? values : value;
	char ptr[512];
	size_t i;

	if (value && values)
		return json_fail(loc, pointer, "values", err,
				 "give either \"value\" or \"values\", not both");
	if (!v)
		return json_fail(loc, pointer, NULL, err, "missing required key \"%s\"",
				 many ? "values" : "value");
	if (json_is_string(v)) {
		/* the whole answer may be meant to be empty; a prefix or part never is */
		if (!json_string_length(v) && s->mode->where != AT_WHOLE)
			return json_fail(loc, pointer, key, err, "expected a non-empty string");
		add_value(s, json_string_value(v));
		return 0;
	}
	if (!many || !json_is_array(v))
		return json_fail(loc, pointer, key, err, "expected %s, got %s",
				 many ? "an array of strings" : "a string", json_type_name(v));
	if (!json_array_size(v))
		return json_fail(loc, pointer, key, err, "expected a non-empty array of strings");
	snprintf(ptr, sizeof(ptr), "%s", pointer);
	jsonpos_push_key(ptr, sizeof(ptr), key);
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		char eptr[512];

		snprintf(eptr, sizeof(eptr), "%s", ptr);
		jsonpos_push_index(eptr, sizeof(eptr), i);
		if (!json_is_string(e) || !json_string_length(e))
			return json_fail(loc, eptr, NULL, err,
					 "expected a non-empty string, got %s",
					 json_is_string(e) ? "an empty one" : json_type_name(e));
		add_value(s, json_string_value(e));
	}
	return 0;
}

static void *str_compile(const struct str_mode *mode, const struct jsonloc *loc,
			 const char *pointer, const json_t *spec, struct pl_err *err)
{
	struct str_state *s = xcalloc(1, sizeof(*s));
	uint32_t opts = PCRE2_LITERAL | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	int case_sensitive = 1;
	PCRE2_UCHAR emsg[160];
	PCRE2_SIZE eoff;
	int ecode;
	size_t i;

	s->mode = mode;
	if (json_check_keys(loc, pointer, spec, mode->keys, err) < 0 ||
	    json_get_bool(loc, pointer, spec, "case_sensitive", 1, &case_sensitive, err) < 0 ||
	    json_get_bool(loc, pointer, spec, "trim", 0, &s->trim, err) < 0 ||
	    read_values(loc, pointer, spec, s, err) < 0)
		goto fail;
	s->caseless = mode->caseless || !case_sensitive;
	if (s->caseless)
		opts |= PCRE2_CASELESS;
	if (mode->where != AT_ANY)
		opts |= PCRE2_ANCHORED;
	if (mode->where == AT_WHOLE)
		opts |= PCRE2_ENDANCHORED;
	for (i = 0; i < s->n; i++) {
		s->codes[i] = pcre2_compile((PCRE2_SPTR)s->values[i], strlen(s->values[i]), opts,
					    &ecode, &eoff, NULL);
		if (!s->codes[i]) { /* a literal always compiles: only memory can fail */
			pcre2_get_error_message(ecode, emsg, sizeof(emsg));
			pl_err_set(err, PL_E_INTERNAL, pointer, "%s", (const char *)emsg);
			goto fail;
		}
	}
	return s;
fail:
	str_release(s);
	return NULL;
}

static int is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Appends v quoted, control characters, quotes and backslashes escaped (so whitespace that
 * decides an "equals" shows), cut after max bytes at a UTF-8 boundary, to sb. */
static void add_quoted(struct sbuf *sb, const char *v, size_t len, size_t max)
{
	size_t n = len, i;

	if (n > max) {
		n = max;
		while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	sbuf_addch(sb, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\n')
			sbuf_addstr(sb, "\\n");
		else if (c == '\r')
			sbuf_addstr(sb, "\\r");
		else if (c == '\t')
			sbuf_addstr(sb, "\\t");
		else if (c == '"' || c == '\\')
			sbuf_addf(sb, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			sbuf_addf(sb, "\\x%02x", c);
		else
			sbuf_addch(sb, (char)c);
	}
	sbuf_addstr(sb, n < len ? "...\"" : "\"");
}

/* Copies src (len bytes) into buf, cut at a UTF-8 boundary when it does not fit: a detail
 * goes into the report's JSON, which takes only whole characters. */
static void copy_cut(char *buf, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		len = size - 1;
		while (len && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(buf, src, len);
	buf[len] = '\0';
}

static void str_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct str_state *s = state;
	const struct str_mode *m = s->mode;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	const char *text = in->text;
	size_t len = in->len, i, n_found = 0, at = 0;
	struct sbuf sb;
	int pass = 0, first_found = 0;

	sbuf_init(&sb);
	if (!md) {
		snprintf(out->detail, sizeof(out->detail), "out of memory");
		return;
	}
	if (s->trim) {
		while (len && is_blank(*text)) {
			text++;
			len--;
		}
		while (len && is_blank(text[len - 1]))
			len--;
	}
	for (i = 0; i < s->n; i++) {
		int rc = pcre2_match(s->codes[i], (PCRE2_SPTR)text, len, 0, 0, md, NULL);

		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR emsg[120];

			pcre2_get_error_message(rc, emsg, sizeof(emsg));
			out->verdict = CHECK_ERROR;
			snprintf(out->detail, sizeof(out->detail), "%s not evaluated: %s", m->name,
				 (const char *)emsg);
			goto out;
		}
		if (rc >= 0) {
			n_found++;
			if (i == 0) {
				first_found = 1;
				at = pcre2_get_ovector_pointer(md)[0];
			}
		}
	}
	switch (m->need) {
	case NEED_ONE:
	case NEED_ANY:
		pass = n_found > 0;
		break;
	case NEED_NONE:
		pass = !first_found;
		break;
	case NEED_ALL:
		pass = n_found == s->n;
		break;
	}
	out->score = m->need == NEED_ALL ? (double)n_found / (double)s->n : pass ? 1.0 : 0.0;
	out->verdict = pass ? CHECK_PASS : CHECK_FAIL;
	if (pass)
		goto out;
	switch (m->need) {
	case NEED_NONE:
		sbuf_addstr(&sb, "answer contains ");
		add_quoted(&sb, s->values[0], strlen(s->values[0]), 80);
		sbuf_addf(&sb, " at offset %zu", (size_t)(text - in->text) + at);
		break;
	case NEED_ONE:
		sbuf_addstr(&sb, m->where == AT_WHOLE	? "answer does not equal "
				 : m->where == AT_START ? "answer does not start with "
							: "answer does not contain ");
		add_quoted(&sb, s->values[0], strlen(s->values[0]), 80);
		break;
	case NEED_ANY:
	case NEED_ALL:
		if (m->need == NEED_ANY)
			sbuf_addstr(&sb, "answer contains none of ");
		else
			sbuf_addf(&sb, "answer lacks %zu of %zu values: ", s->n - n_found, s->n);
		for (i = 0; i < s->n && sb.len < 160; i++) {
			/* (re-matched here, on the failure path only, to name what is missing) */
			if (m->need == NEED_ALL &&
			    pcre2_match(s->codes[i], (PCRE2_SPTR)text, len, 0, 0, md, NULL) >= 0)
				continue;
			if (sb.buf[sb.len - 1] != ' ')
				sbuf_addstr(&sb, ", ");
			add_quoted(&sb, s->values[i], strlen(s->values[i]), 40);
		}
		if (i < s->n)
			sbuf_addstr(&sb, ", ...");
		break;
	}
	if (s->caseless)
		sbuf_addstr(&sb, " (any case)");
	if (m->need != NEED_NONE) {
		sbuf_addstr(&sb, ": ");
		add_quoted(&sb, text, len, 60);
	}
	copy_cut(out->detail, sizeof(out->detail), sb.buf, sb.len);
out:
	pcre2_match_data_free(md);
	sbuf_release(&sb);
}

static void str_describe(const void *state, char *buf, size_t len)
{
	const struct str_state *s = state;
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "%s ", s->mode->name);
	if (s->n > 1)
		sbuf_addf(&sb, "%zu values: ", s->n);
	add_quoted(&sb, s->values[0], strlen(s->values[0]), 60);
	if (s->n > 1)
		sbuf_addstr(&sb, ", ...");
	if (s->caseless && !s->mode->caseless)
		sbuf_addstr(&sb, " (any case)");
	if (s->trim)
		sbuf_addstr(&sb, " (trimmed)");
	copy_cut(buf, len, sb.buf, sb.len);
	sbuf_release(&sb);
}

static void *equals_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err)
{
	return str_compile(&modes[K_EQUALS], loc, pointer, spec, err);
}

static void *contains_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			      struct pl_err *err)
{
	return str_compile(&modes[K_CONTAINS], loc, pointer, spec, err);
}

static void *icontains_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			       struct pl_err *err)
{
	return str_compile(&modes[K_ICONTAINS], loc, pointer, spec, err);
}

static void *not_contains_compile(const struct jsonloc *loc, const char *pointer,
				  const json_t *spec, struct pl_err *err)
{
	return str_compile(&modes[K_NOT_CONTAINS], loc, pointer, spec, err);
}

static void *starts_with_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
				 struct pl_err *err)
{
	return str_compile(&modes[K_STARTS_WITH], loc, pointer, spec, err);
}

static void *contains_any_compile(const struct jsonloc *loc, const char *pointer,
				  const json_t *spec, struct pl_err *err)
{
	return str_compile(&modes[K_ANY], loc, pointer, spec, err);
}

static void *contains_all_compile(const struct jsonloc *loc, const char *pointer,
				  const json_t *spec, struct pl_err *err)
{
	return str_compile(&modes[K_ALL], loc, pointer, spec, err);
}

/* Starter examples (`plumbline init`): kinds that share a prompt share its text. */
static const char weekday_example_prompt[] =
	"{\"id\": \"weekday\", \"description\": \"A fact in a sentence: contains and icontains "
	"want Tuesday, not_contains no other day, starts_with the opening the prompt asks "
	"for.\", \"prompt\": \"Which day of the week comes after Monday? Start your answer with "
	"'Answer:'.\", \"max_tokens\": 40}";
static const char ok_example_prompt[] =
	"{\"id\": \"ok-only\", \"description\": \"An exact answer: equals wants OK and nothing "
	"else (surrounding whitespace aside).\", \"prompt\": \"Reply with exactly the word OK and "
	"nothing else.\", \"max_tokens\": 8}";
static const char colours_example_prompt[] =
	"{\"id\": \"colours\", \"description\": \"A list: contains_all wants every primary "
	"colour of light, contains_any at least one, in any case.\", \"prompt\": \"Name the three "
	"primary colours of light, separated by commas.\", \"max_tokens\": 40}";

const struct check_ops check_equals_ops = {
	.name = "equals",
	.compile = equals_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = ok_example_prompt,
	.example = "{\"type\": \"equals\", \"value\": \"OK\", \"trim\": true}",
};

const struct check_ops check_contains_ops = {
	.name = "contains",
	.compile = contains_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = weekday_example_prompt,
	.example = "{\"type\": \"contains\", \"value\": \"Tuesday\"}",
};

const struct check_ops check_icontains_ops = {
	.name = "icontains",
	.compile = icontains_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = weekday_example_prompt,
	.example = "{\"type\": \"icontains\", \"value\": \"tuesday\"}",
};

const struct check_ops check_not_contains_ops = {
	.name = "not_contains",
	.compile = not_contains_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = weekday_example_prompt,
	.example = "{\"type\": \"not_contains\", \"value\": \"Wednesday\"}",
};

const struct check_ops check_starts_with_ops = {
	.name = "starts_with",
	.compile = starts_with_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = weekday_example_prompt,
	.example = "{\"type\": \"starts_with\", \"value\": \"Answer:\", \"trim\": true}",
};

const struct check_ops check_contains_any_ops = {
	.name = "contains_any",
	.compile = contains_any_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = colours_example_prompt,
	.example = "{\"type\": \"contains_any\", \"values\": [\"red\", \"green\", \"blue\"], "
		   "\"case_sensitive\": false}",
};

const struct check_ops check_contains_all_ops = {
	.name = "contains_all",
	.compile = contains_all_compile,
	.eval = str_eval,
	.release = str_release,
	.describe = str_describe,
	.example_prompt = colours_example_prompt,
	.example = "{\"type\": \"contains_all\", \"values\": [\"red\", \"green\", \"blue\"], "
		   "\"case_sensitive\": false}",
};
