/* check_format.c: the format checks: "json" (the answer parses as JSON, optionally inside one
 * ```json fenced block) and "json_schema" (it also validates against a compiled schema). */
#include "check.h"
#include "jsonschema.h"
#include "sbuf.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct format_state {
	int fenced;
	struct jsonschema *schema; /* NULL for "json" */
	char *warnings;		   /* check_ops.warnings; NULL for none */
};

static void format_release(void *state)
{
	struct format_state *f = state;

	if (!f)
		return;
	jsonschema_free(f->schema);
	free(f->warnings);
	free(f);
}

static const char *const json_keys[] = { "type", "id", "min_pass_rate", "fenced", NULL };
static const char *const schema_keys[] = { "type",   "id",     "min_pass_rate",
					   "fenced", "schema", "format_assert",
					   NULL };

static void *json_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			  struct pl_err *err)
{
	struct format_state *f = NULL;

	if (json_check_keys(loc, pointer, spec, json_keys, err) < 0)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	if (json_get_bool(loc, pointer, spec, "fenced", 0, &f->fenced, err) < 0) {
		format_release(f);
		return NULL;
	}
	return f;
}

static void *schema_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			    struct pl_err *err)
{
	struct format_state *f = NULL;
	struct jsonschema_opts opts = { 0 };
	struct pl_err serr = PL_ERR_INIT;
	const json_t *schema = json_object_get(spec, "schema");
	struct sbuf at;

	if (json_check_keys(loc, pointer, spec, schema_keys, err) < 0)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	if (json_get_bool(loc, pointer, spec, "fenced", 0, &f->fenced, err) < 0 ||
	    json_get_bool(loc, pointer, spec, "format_assert", 0, &opts.format_assert, err) < 0)
		goto fail;
	if (!schema) {
		json_fail(loc, pointer, "schema", err, "missing schema");
		goto fail;
	}
	if (!json_is_object(schema) && !json_is_boolean(schema)) {
		json_fail(loc, pointer, "schema", err, "expected a schema object or boolean");
		goto fail;
	}
	f->schema = jsonschema_compile(schema, &opts, &serr);
	if (!f->schema) {
		/* Point at the offending part of the schema inside the suite file. */
		sbuf_init(&at);
		sbuf_addf(&at, "%s/schema%s", pointer ? pointer : "", serr.where);
		json_fail(loc, at.buf, NULL, err, "invalid schema: %s", serr.msg);
		sbuf_release(&at);
		goto fail;
	}
	{
		struct sbuf w = SBUF_INIT;

		sbuf_init(&at);
		sbuf_addf(&at, "%s/schema", pointer ? pointer : "");
		jsonschema_typo_lines(schema, &opts, loc, at.buf, &w);
		if (w.len)
			f->warnings = sbuf_detach(&w, NULL);
		sbuf_release(&w);
		sbuf_release(&at);
	}
	return f;
fail:
	format_release(f);
	return NULL;
}

/* Finds the JSON text: the trimmed answer, or with fenced, the body of a ``` or ```json block
 * that makes up the whole trimmed answer. */
static void body(const struct format_state *f, const char *text, size_t len, const char **b,
		 size_t *blen)
{
	const char *s = text, *e = text + len, *nl, *close;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*b = s;
	*blen = (size_t)(e - s);
	if (!f->fenced || e - s < 6 || strncmp(s, "```", 3) || strncmp(e - 3, "```", 3))
		return;
	nl = memchr(s, '\n', (size_t)(e - s));
	if (!nl || nl >= e - 3)
		return;
	/* The info string must be empty or "json" (any case). */
	{
		const char *info = s + 3, *ie = nl;

		while (info < ie && isspace((unsigned char)*info))
			info++;
		while (ie > info && isspace((unsigned char)ie[-1]))
			ie--;
		if (ie != info && !(ie - info == 4 && !strncasecmp(info, "json", 4)))
			return;
	}
	close = e - 3;
	*b = nl + 1;
	*blen = (size_t)(close - (nl + 1));
}

static json_t *parse(const struct format_state *f, const struct check_input *in,
		     struct check_result *out)
{
	const char *b;
	size_t blen;
	json_error_t jerr;
	json_t *v;

	body(f, in->text, in->len, &b, &blen);
	v = json_loadb(b, blen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	/* JSON sets no limit on numbers: an integer beyond 64 bits (an order number, a snowflake
	 * ID) is valid JSON, read as a double (exact to 2^53, integral above it). */
	if (!v && json_error_code(&jerr) == json_error_numeric_overflow)
		v = json_loadb(b, blen, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
			       &jerr);
	if (!v && json_error_code(&jerr) == json_error_numeric_overflow) {
		/* 1e400 is valid JSON too, but no double holds it: not the vendor's fault */
		out->verdict = CHECK_ERROR;
		out->score = 0.0;
		snprintf(out->detail, sizeof(out->detail),
			 "answer is JSON, but the number at line %d column %d is beyond a double's "
			 "range: it cannot be judged",
			 jerr.line, jerr.column);
		return NULL;
	}
	if (!v) {
		out->verdict = CHECK_FAIL;
		out->score = 0.0;
		snprintf(out->detail, sizeof(out->detail),
			 "answer is not JSON%s: line %d column %d: %s",
			 f->fenced ? "" : " (fenced blocks not accepted)", jerr.line, jerr.column,
			 jerr.text);
	}
	return v;
}

static void json_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	json_t *v = parse(state, in, out);

	if (!v)
		return;
	out->verdict = CHECK_PASS;
	out->score = 1.0;
	json_decref(v);
}

static void schema_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct format_state *f = state;
	struct jsonschema_result res;
	json_t *v = parse(f, in, out);
	char line[512];
	size_t i, n;

	if (!v)
		return;
	if (jsonschema_validate(f->schema, v, &res) && !res.unevaluated[0]) {
		out->verdict = CHECK_PASS;
		out->score = 1.0;
		goto out;
	}
	if (res.unevaluated[0]) { /* neither valid nor invalid: a regex hit its match limit */
		out->verdict = CHECK_ERROR;
		snprintf(out->detail, sizeof(out->detail), "schema not evaluated: %.220s",
			 res.unevaluated);
		goto out;
	}
	out->verdict = CHECK_FAIL;
	out->score = 0.0;
	n = res.n_errors < JSONSCHEMA_MAX_ERRORS ? res.n_errors : JSONSCHEMA_MAX_ERRORS;
	for (i = 0; i < n; i++) {
		size_t used = strlen(out->detail);

		jsonschema_error_str(&res.errors[i], line, sizeof(line));
		snprintf(out->detail + used, sizeof(out->detail) - used, "%s%s", i ? "; " : "",
			 line);
	}
	if (res.n_errors > 1 && strlen(out->detail) + 1 >= sizeof(out->detail)) {
		char tail[40];
		int tl = snprintf(tail, sizeof(tail), "... (%zu%s errors)", res.n_errors,
				  res.n_errors >= JSONSCHEMA_MAX_ERRORS ? "+" : "");

		memcpy(out->detail + sizeof(out->detail) - (size_t)tl - 1, tail, (size_t)tl + 1);
	}
out:
	json_decref(v);
}

static void json_describe(const void *state, char *buf, size_t len)
{
	const struct format_state *f = state;

	snprintf(buf, len, "json%s", f->fenced ? " (fenced ok)" : "");
}

static const char *schema_warnings(const void *state)
{
	const struct format_state *f = state;

	return f->warnings;
}

static void schema_describe(const void *state, char *buf, size_t len)
{
	const struct format_state *f = state;

	snprintf(buf, len, "json_schema%s", f->fenced ? " (fenced ok)" : "");
}

/* The starter example both kinds share (`plumbline init`). */
static const char format_example_prompt[] =
	"{\"id\": \"product-json\", \"description\": \"A structured answer: the json check wants "
	"valid JSON, the json_schema check these keys and types.\", \"prompt\": \"Return a JSON "
	"object describing a product with the keys name (string), price (number), currency (ISO "
	"code) and in_stock (boolean). Return only the JSON.\"}";

const struct check_ops check_json_ops = {
	.name = "json",
	.compile = json_compile,
	.eval = json_eval,
	.release = format_release,
	.describe = json_describe,
	.example_prompt = format_example_prompt,
	.example = "{\"type\": \"json\"}",
};

const struct check_ops check_json_schema_ops = {
	.name = "json_schema",
	.compile = schema_compile,
	.eval = schema_eval,
	.release = format_release,
	.describe = schema_describe,
	.warnings = schema_warnings,
	.example_prompt = format_example_prompt,
	.example = "{\"type\": \"json_schema\", \"schema\": {\"type\": \"object\", "
		   "\"required\": [\"name\", \"price\", \"currency\", \"in_stock\"], "
		   "\"properties\": {\"name\": {\"type\": \"string\", \"minLength\": 1}, "
		   "\"price\": {\"type\": \"number\", \"exclusiveMinimum\": 0}, "
		   "\"currency\": {\"type\": \"string\", \"pattern\": \"^[A-Z]{3}$\"}, "
		   "\"in_stock\": {\"type\": \"boolean\"}}}}",
};
