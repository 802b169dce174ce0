/* baseline.c: reading and writing stored baselines. */
#include "baseline.h"
#include "fileio.h"
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

struct sampleset *baseline_load(const char *path, struct pl_err *err)
{
	struct sampleset *s = NULL;
	struct jsonfile f;
	const json_t *prompts, *fmt;
	char *vendor = NULL, *model = NULL, *suite = NULL;
	size_t i, j;

	if (!fileio_exists(path)) {
		pl_err_set(err, PL_E_INPUT, path,
			   "no baseline here (record one with 'plumbline baseline record')");
		return NULL;
	}
	if (jsonfile_load(&f, path, BASELINE_MAX_BYTES, err) < 0)
		return NULL;
	if (json_check_keys(&f.loc, "", f.root, top_keys, err) < 0)
		goto fail;
	fmt = json_object_get(f.root, "format");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), BASELINE_FORMAT)) {
		json_fail(&f.loc, "", "format", err, "expected \"%s\"", BASELINE_FORMAT);
		goto fail;
	}
	if (json_get_str(&f.loc, "", f.root, "vendor", 1, &vendor, err) < 0 ||
	    json_get_str(&f.loc, "", f.root, "model", 1, &model, err) < 0 ||
	    json_get_str(&f.loc, "", f.root, "suite", 1, &suite, err) < 0)
		goto fail;
	prompts = json_object_get(f.root, "prompts");
	if (!json_is_array(prompts)) {
		json_fail(&f.loc, "", "prompts", err, "expected an array of prompts");
		goto fail;
	}
	s = sampleset_new(vendor, model, suite);
	for (i = 0; i < json_array_size(prompts); i++) {
		const json_t *p = json_array_get(prompts, i), *id, *samples;
		struct prompt_samples *ps;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/prompts/%zu", i);
		id = json_object_get(p, "id");
		samples = json_object_get(p, "samples");
		if (!json_is_string(id) || !json_is_array(samples)) {
			json_fail(&f.loc, ptr, NULL, err,
				  "expected an object with \"id\" and \"samples\"");
			goto fail;
		}
		if (sampleset_find(s, json_string_value(id))) {
			json_fail(&f.loc, ptr, "id", err, "duplicate prompt id \"%s\"",
				  json_string_value(id));
			goto fail;
		}
		ps = sampleset_prompt(s, json_string_value(id));
		ps->faults = (size_t)json_integer_value(json_object_get(p, "faults"));
		ps->samples = xcalloc(json_array_size(samples) + 1, sizeof(*ps->samples));
		for (j = 0; j < json_array_size(samples); j++) {
			struct pl_err e2 = PL_ERR_INIT;

			if (sample_from_json(json_array_get(samples, j), &ps->samples[j], &e2) <
			    0) {
				char sptr[128];

				snprintf(sptr, sizeof(sptr), "%s/samples/%zu", ptr, j);
				json_fail(&f.loc, sptr, NULL, err, "%s", e2.msg);
				goto fail;
			}
			ps->samples[j].index = (int)j;
			ps->n++;
		}
	}
	free(vendor);
	free(model);
	free(suite);
	jsonfile_release(&f);
	return s;
fail:
	sampleset_free(s);
	free(vendor);
	free(model);
	free(suite);
	jsonfile_release(&f);
	return NULL;
}
