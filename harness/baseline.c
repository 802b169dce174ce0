/* baseline.c: reading and writing stored baselines. */
#include "baseline.h"
#include "fileio.h"
#include "jsonpos.h"
#include "jsonx.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASELINE_MAX_BYTES (512u << 20)

static void safe_name(struct sbuf *sb, const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		sbuf_addch(sb, '_');
	for (; *s; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ':' ||
			 c == '@';

		sbuf_addch(sb, ok ? c : '_');
	}
}

const char *baseline_path(char *buf, size_t len, const char *dir, const char *vendor,
			  const char *model, const char *suite)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "%s/", dir);
	safe_name(&sb, vendor);
	sbuf_addch(&sb, '/');
	safe_name(&sb, model);
	sbuf_addch(&sb, '/');
	safe_name(&sb, suite);
	sbuf_addstr(&sb, ".json");
	snprintf(buf, len, "%s", sb.buf);
	sbuf_release(&sb);
	return buf;
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(const struct prompt_samples *const *)a)->prompt_id,
		      (*(const struct prompt_samples *const *)b)->prompt_id);
}

char *baseline_serialize(const struct sampleset *s, const char *recorded_at)
{
	const struct prompt_samples **order;
	json_t *root, *prompts;
	char *text;
	size_t i, j;

	order = xcalloc(s->n_prompts + 1, sizeof(*order));
	for (i = 0; i < s->n_prompts; i++)
		order[i] = &s->prompts[i];
	qsort(order, s->n_prompts, sizeof(*order), by_id);
	prompts = json_array();
	for (i = 0; i < s->n_prompts; i++) {
		json_t *p = json_object(), *samples = json_array();

		for (j = 0; j < order[i]->n; j++)
			json_array_append_new(samples, sample_to_json(&order[i]->samples[j]));
		json_object_set_new(p, "id", json_string(order[i]->prompt_id));
		json_object_set_new(p, "samples", samples);
		if (order[i]->faults)
			json_object_set_new(p, "faults",
					    json_integer((json_int_t)order[i]->faults));
		json_array_append_new(prompts, p);
	}
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "format", BASELINE_FORMAT, "vendor",
			 s->vendor, "model", s->model ? s->model : "", "suite", s->suite,
			 "recorded_at", recorded_at, "prompts", prompts);
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	free(order);
	return text;
}

int baseline_write(const char *path, const struct sampleset *s, const char *recorded_at,
		   struct pl_err *err)
{
	char *text = baseline_serialize(s, recorded_at);
	struct sbuf sb;
	int rc;

	if (!text)
		return pl_err_set(err, PL_E_INTERNAL, path, "cannot encode the baseline");
	sbuf_init(&sb);
	sbuf_addstr(&sb, text);
	sbuf_addch(&sb, '\n');
	rc = fileio_write_atomic(path, sb.buf, sb.len, 0644, err);
	sbuf_release(&sb);
	free(text);
	return rc;
}

static const char *const top_keys[] = { "format",      "vendor",  "model", "suite",
					"recorded_at", "prompts", NULL };

/* Baselines can be large (thousands of prompts x tens of samples): they are parsed one prompt
 * at a time, so a whole file's JSON tree never exists in memory (issue 7). */
struct bl_load {
	struct jsonloc loc;
	struct sampleset *s;
	char *str[4]; /* format, vendor, model, suite */
	int have_prompts;
	struct pl_err *err;
};

static int bl_prompt(void *ctx, size_t index, const char *val, size_t len)
{
	struct bl_load *b = ctx;
	const json_t *id, *samples;
	struct prompt_samples *ps;
	json_t *p;
	char ptr[64];
	size_t j;
	int rc = -1;

	snprintf(ptr, sizeof(ptr), "/prompts/%zu", index);
	p = json_loadb(val, len, 0, NULL);
	id = json_object_get(p, "id");
	samples = json_object_get(p, "samples");
	if (!json_is_string(id) || !json_is_array(samples)) {
		json_fail(&b->loc, ptr, NULL, b->err,
			  "expected an object with \"id\" and \"samples\"");
		goto out;
	}
	if (sampleset_find(b->s, json_string_value(id))) {
		json_fail(&b->loc, ptr, "id", b->err, "duplicate prompt id \"%s\"",
			  json_string_value(id));
		goto out;
	}
	ps = sampleset_prompt(b->s, json_string_value(id));
	ps->faults = (size_t)json_integer_value(json_object_get(p, "faults"));
	ps->samples = xcalloc(json_array_size(samples) + 1, sizeof(*ps->samples));
	for (j = 0; j < json_array_size(samples); j++) {
		struct pl_err e2 = PL_ERR_INIT;

		if (sample_from_json(json_array_get(samples, j), &ps->samples[j], &e2) < 0) {
			char sptr[128];

			snprintf(sptr, sizeof(sptr), "%s/samples/%zu", ptr, j);
			json_fail(&b->loc, sptr, NULL, b->err, "%s", e2.msg);
			goto out;
		}
		ps->samples[j].index = (int)j;
		ps->n++;
	}
	rc = 0;
out:
	json_decref(p);
	return rc;
}

static int bl_member(void *ctx, const char *key, const char *val, size_t len)
{
	static const char *const strs[] = { "format", "vendor", "model", "suite" };
	struct bl_load *b = ctx;
	const char *const *k;
	json_t *v;
	size_t i;

	for (k = top_keys; *k && strcmp(*k, key); k++)
		;
	if (!*k) {
		struct sbuf list;

		sbuf_init(&list);
		for (k = top_keys; *k; k++)
			sbuf_addf(&list, "%s%s", k == top_keys ? "" : ", ", *k);
		json_fail(&b->loc, "", key, b->err, "unknown key \"%s\" (expected one of: %s)", key,
			  list.buf);
		sbuf_release(&list);
		return -1;
	}
	if (!strcmp(key, "prompts")) {
		if (b->have_prompts)
			return json_fail(&b->loc, "", "prompts", b->err,
					 "duplicate key \"prompts\"");
		b->have_prompts = 1;
		b->s = sampleset_new("", NULL, "");
		if (jsonpos_elements(val, len, bl_prompt, b) != 0)
			return json_fail(&b->loc, "", "prompts", b->err,
					 "expected an array of prompts");
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(strs); i++) {
		if (strcmp(strs[i], key))
			continue;
		v = json_loadb(val, len, JSON_DECODE_ANY, NULL);
		if (!json_is_string(v)) {
			json_decref(v);
			return json_fail(&b->loc, "", key, b->err, "expected a string");
		}
		free(b->str[i]);
		b->str[i] = xstrdup(json_string_value(v));
		json_decref(v);
	}
	return 0;
}

struct sampleset *baseline_load(const char *path, struct pl_err *err)
{
	struct bl_load b;
	char *text = NULL;
	size_t len = 0, i;
	int rc;

	memset(&b, 0, sizeof(b));
	b.err = err;
	if (!fileio_exists(path)) {
		pl_err_set(err, PL_E_INPUT, path,
			   "no baseline here (record one with 'plumbline baseline record')");
		return NULL;
	}
	if (fileio_read_all(path, BASELINE_MAX_BYTES, &text, &len, err) < 0)
		return NULL;
	b.loc.file = path;
	b.loc.text = text;
	b.loc.text_len = len;
	rc = jsonpos_members(text, len, bl_member, &b);
	if (rc == -1 && !pl_err_isset(err)) {
		/* Not an object as far as the scan can tell: let jansson say exactly where. */
		json_t *root = json_parse_text(&b.loc, err);

		if (root)
			json_fail(&b.loc, "", NULL, err, "expected a plumbline baseline object");
		json_decref(root);
	}
	if (pl_err_isset(err))
		goto fail;
	if (!b.str[0]) {
		json_fail(&b.loc, "", NULL, err, "missing required key \"format\"");
		goto fail;
	}
	if (strcmp(b.str[0], BASELINE_FORMAT)) {
		json_fail(&b.loc, "", "format", err, "expected \"%s\"", BASELINE_FORMAT);
		goto fail;
	}
	for (i = 1; i < 4; i++)
		if (!b.str[i]) {
			json_fail(&b.loc, "", NULL, err, "missing required key \"%s\"",
				  i == 1   ? "vendor"
				  : i == 2 ? "model"
					   : "suite");
			goto fail;
		}
	if (!b.have_prompts) {
		json_fail(&b.loc, "", NULL, err, "missing required key \"prompts\"");
		goto fail;
	}
	free(b.s->vendor);
	free(b.s->suite);
	b.s->vendor = b.str[1];
	b.s->model = b.str[2];
	b.s->suite = b.str[3];
	free(b.str[0]);
	free(text);
	return b.s;
fail:
	sampleset_free(b.s);
	for (i = 0; i < 4; i++)
		free(b.str[i]);
	free(text);
	return NULL;
}
