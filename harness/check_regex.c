/* check_regex.c: the "regex" check: the answer must (mode "match") or must not ("not_match")
 * contain a match of a PCRE2 pattern, compiled once, matched under match/depth/heap limits. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "check.h"
#include "sbuf.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits that stop catastrophic backtracking long before a run notices: a pattern like
 * (a+)+$ on 30 characters hits the match limit in well under a second. */
#define REGEX_MATCH_LIMIT 1000000u
#define REGEX_DEPTH_LIMIT 10000u
#define REGEX_HEAP_LIMIT  20000u /* KiB */

struct regex_state {
	pcre2_code *code;
	pcre2_match_context *mctx;
	int negate;
	char *pattern;
	char *shown;	/* the pattern with its control characters visible (check_visible) */
	char *warnings; /* check_ops.warnings; NULL for none */
	char flags[8];
};

static void regex_release(void *state)
{
	struct regex_state *r = state;

	if (!r)
		return;
	pcre2_code_free(r->code);
	pcre2_match_context_free(r->mctx);
	free(r->pattern);
	free(r->shown);
	free(r->warnings);
	free(r);
}

static const char *const regex_keys[] = { "type", "id", "min_pass_rate", "pattern", "flags",
					  "mode", NULL };

static void *regex_compile(const struct jsonloc *loc, const char *pointer, const json_t *spec,
			   struct pl_err *err)
{
	struct regex_state *r = NULL;
	char *flags = NULL, *mode = NULL;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	int ecode;
	PCRE2_SIZE eoff;
	PCRE2_UCHAR emsg[256];
	size_t i;

	if (json_check_keys(loc, pointer, spec, regex_keys, err) < 0)
		goto fail;
	r = xcalloc(1, sizeof(*r));
	if (json_get_str(loc, pointer, spec, "pattern", 1, &r->pattern, err) < 0 ||
	    json_get_str(loc, pointer, spec, "flags", 0, &flags, err) < 0 ||
	    json_get_str(loc, pointer, spec, "mode", 0, &mode, err) < 0)
		goto fail;
	if (mode && !strcmp(mode, "not_match")) {
		r->negate = 1;
	} else if (mode && strcmp(mode, "match")) {
		json_fail(loc, pointer, "mode", err,
			  "unknown mode \"%s\" (expected \"match\" or \"not_match\")", mode);
		goto fail;
	}
	for (i = 0; flags && flags[i]; i++) {
		uint32_t f;

		switch (flags[i]) {
		case 'i':
			f = PCRE2_CASELESS;
			break;
		case 'm':
			f = PCRE2_MULTILINE;
			break;
		case 's':
			f = PCRE2_DOTALL;
			break;
		case 'x':
			f = PCRE2_EXTENDED;
			break;
		case 'u':
			f = PCRE2_UCP;
			break;
		default:
			json_fail(loc, pointer, "flags", err,
				  "unknown flag '%c' (expected some of \"imsxu\")", flags[i]);
			goto fail;
		}
		if (opts & f) {
			json_fail(loc, pointer, "flags", err, "repeated flag '%c'", flags[i]);
			goto fail;
		}
		opts |= f;
		r->flags[strlen(r->flags)] = flags[i];
	}
	r->code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, opts, &ecode, &eoff,
				NULL);
	if (!r->code) {
		pcre2_get_error_message(ecode, emsg, sizeof(emsg));
		json_fail(loc, pointer, "pattern", err, "invalid regex at offset %zu: %s",
			  (size_t)eoff, (const char *)emsg);
		goto fail;
	}
	r->mctx = pcre2_match_context_create(NULL);
	if (!r->mctx) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(r->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(r->mctx, REGEX_HEAP_LIMIT);
	{
		struct sbuf sb;
		char at[512];

		sbuf_init(&sb);
		check_visible(&sb, r->pattern);
		r->shown = sbuf_detach(&sb, NULL);
		snprintf(at, sizeof(at), "%s/pattern", pointer ? pointer : "");
		if (check_pattern_warn(loc, at, r->pattern, &sb))
			r->warnings = sbuf_detach(&sb, NULL);
		sbuf_release(&sb);
	}
	free(flags);
	free(mode);
	return r;
fail:
	free(flags);
	free(mode);
	regex_release(r);
	return NULL;
}

static void regex_eval(const void *state, const struct check_input *in, struct check_result *out)
{
	const struct regex_state *r = state;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
	PCRE2_UCHAR emsg[160];
	int rc, found;

	if (!md) {
		out->verdict = CHECK_ERROR;
		snprintf(out->detail, sizeof(out->detail), "out of memory");
		return;
	}
	rc = pcre2_match(r->code, (PCRE2_SPTR)in->text, in->len, 0, 0, md, r->mctx);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
		pcre2_get_error_message(rc, emsg, sizeof(emsg));
		out->verdict = CHECK_ERROR;
		snprintf(out->detail, sizeof(out->detail), "regex /%.80s/ not evaluated: %.120s",
			 r->shown, (const char *)emsg);
		goto out;
	}
	found = rc >= 0;
	out->score = found != r->negate ? 1.0 : 0.0;
	if (found != r->negate) {
		out->verdict = CHECK_PASS;
	} else if (found) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t mlen = ov[1] - ov[0];

		out->verdict = CHECK_FAIL;
		snprintf(out->detail, sizeof(out->detail),
			 "answer matches /%.80s/ at offset %zu: \"%.*s%s\"", r->shown,
			 (size_t)ov[0], (int)(mlen > 60 ? 60 : mlen), in->text + ov[0],
			 mlen > 60 ? "..." : "");
	} else {
		out->verdict = CHECK_FAIL;
		snprintf(out->detail, sizeof(out->detail), "answer does not match /%.80s/%s",
			 r->shown, r->flags);
	}
out:
	pcre2_match_data_free(md);
}

static void regex_describe(const void *state, char *buf, size_t len)
{
	const struct regex_state *r = state;

	snprintf(buf, len, "regex %s /%.100s/%s", r->negate ? "not_match" : "match", r->shown,
		 r->flags);
}

static const char *regex_warnings(const void *state)
{
	const struct regex_state *r = state;

	return r->warnings;
}

/* The starter example regex and length share; identical in check_length.c (`plumbline init`). */
static const char capital_example_prompt[] =
	"{\"id\": \"capital\", \"description\": \"A one-word answer: the regex check wants "
	"Paris, the length check a few words at most.\", \"prompt\": \"What is the capital of "
	"France? Answer with one word.\", \"max_tokens\": 16}";

const struct check_ops check_regex_ops = {
	.name = "regex",
	.compile = regex_compile,
	.eval = regex_eval,
	.release = regex_release,
	.describe = regex_describe,
	.warnings = regex_warnings,
	.example_prompt = capital_example_prompt,
	.example = "{\"type\": \"regex\", \"pattern\": \"\\\\bParis\\\\b\", \"flags\": \"i\", "
		   "\"min_pass_rate\": 0.8}",
};
