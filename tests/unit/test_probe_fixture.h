/* test_probe_fixture.h: loads a recorded vendor exchange (body + optional headers file) from
 * tests/fixtures/vendors and runs a probe's parse on it; shared by the test_probe_*.c tests. */
#ifndef PL_TEST_PROBE_FIXTURE_H
#define PL_TEST_PROBE_FIXTURE_H

#include "probe.h"
#include "sbuf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FX_DIR PL_FIXTURES "/vendors/"

struct fx {
	char *body;
	size_t len;
	struct probe_header *h;
	size_t nh;
	long status;
};

static PL_UNUSED char *fx_read(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	struct sbuf sb;
	char buf[8192];
	size_t n;

	snprintf(path, sizeof(path), "%s%s", FX_DIR, rel);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	sbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	return sbuf_detach(&sb, len);
}

static PL_UNUSED void fx_add_header(struct fx *x, const char *name, const char *value)
{
	x->h = xrealloc(x->h, (x->nh + 1) * sizeof(*x->h));
	x->h[x->nh].name = xstrdup(name);
	x->h[x->nh].value = xstrdup(value);
	x->nh++;
}

/* headers_rel (may be NULL): {"status_code": N, "headers": [[name, value], ...]}. */
static PL_UNUSED void fx_load(struct fx *x, const char *body_rel, const char *headers_rel,
			      long status)
{
	memset(x, 0, sizeof(*x));
	x->body = fx_read(body_rel, &x->len);
	x->status = status;
	if (headers_rel) {
		size_t len, i;
		char *text = fx_read(headers_rel, &len);
		json_t *root = json_loadb(text, len, 0, NULL), *pair;

		assert_non_null(root);
		if (json_is_integer(json_object_get(root, "status_code")))
			x->status = (long)json_integer_value(json_object_get(root, "status_code"));
		json_array_foreach(json_object_get(root, "headers"), i, pair)
			fx_add_header(x, json_string_value(json_array_get(pair, 0)),
				      json_string_value(json_array_get(pair, 1)));
		json_decref(root);
		free(text);
	}
}

static PL_UNUSED void fx_release(struct fx *x)
{
	size_t i;

	for (i = 0; i < x->nh; i++) {
		free(x->h[i].name);
		free(x->h[i].value);
	}
	free(x->h);
	free(x->body);
	memset(x, 0, sizeof(*x));
}

static PL_UNUSED void fx_parse(const struct probe_ops *ops, const struct probe_target *t,
			       const struct probe_prompt *p, const struct fx *x,
			       struct probe_answer *a)
{
	struct probe_response r = {
		.status = x->status,
		.headers = x->h,
		.n_headers = x->nh,
		.body = x->body,
		.body_len = x->len,
		.latency_ms = 123.0,
		.ttfb_ms = 45.0,
	};

	probe_answer_init(a);
	ops->parse(t, p, &r, a);
}

static PL_UNUSED const char *fx_kept(const struct probe_answer *a, const char *name)
{
	return probe_header_get(a->headers, a->n_headers, name);
}

/* Compares a possibly-NULL string with an expected possibly-NULL one. */
static PL_UNUSED void fx_str_eq(const char *got, const char *want, const char *what,
				const char *file)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(got, want))
		fail_msg("%s: %s: got \"%s\", want \"%s\"", file, what, got ? got : "(null)",
			 want ? want : "(null)");
}

/* The text starts with want and is exactly len bytes long. */
static PL_UNUSED void fx_text(const char *got, const char *want, size_t len, const char *file)
{
	if (!got)
		fail_msg("%s: text is NULL", file);
	if (strncmp(got, want, strlen(want)) || strlen(got) != len)
		fail_msg("%s: text: got \"%s\" (%zu bytes), want \"%s...\" (%zu bytes)", file, got,
			 strlen(got), want, len);
}

#endif
