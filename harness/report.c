/* report.c: assembling, serialising and writing the per-vendor, per-suite run report. */
#include "report.h"
#include "fileio.h"
#include "hex.h"
#include "sbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *report_verdict_name(enum report_verdict v)
{
	static const char *const names[] = {
		[REPORT_PASS] = "pass",
		[REPORT_CHANGED] = "changed",
		[REPORT_CHECKS_FAILED] = "checks_failed",
		[REPORT_INCOMPLETE] = "incomplete",
		[REPORT_UNSTABLE] = "unstable",
	};

	return (size_t)v < ARRAY_SIZE(names) ? names[v] : "unknown";
}

/* Adds each distinct value of a sample field to a sorted set (JSON object used as a set). */
static void collect(json_t *set, const char *v)
{
	if (v)
		json_object_set_new(set, v, json_true());
}

static json_t *set_to_array(json_t *set)
{
	json_t *arr = json_array();
	const char *k;
	json_t *v;
	const char **keys = xcalloc(json_object_size(set) + 1, sizeof(char *));
	size_t n = 0, i;

	json_object_foreach(set, k, v)
	{
		(void)v;
		keys[n++] = k;
	}
	for (i = 1; i < n; i++) {
		const char *t = keys[i];
		size_t j = i;

		while (j > 0 && strcmp(keys[j - 1], t) > 0) {
			keys[j] = keys[j - 1];
			j--;
		}
		keys[j] = t;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(keys[i]));
	free(keys);
	json_decref(set);
	return arr;
}

/* What the vendor reported across a sampleset: returned models, fingerprints, finish
 * reasons. */
static json_t *vendor_meta(const struct sampleset *s)
{
	json_t *models = json_object(), *fps = json_object(), *finish = json_object();
	size_t p, i;

	for (p = 0; s && p < s->n_prompts; p++)
		for (i = 0; i < s->prompts[p].n; i++) {
			collect(models, s->prompts[p].samples[i].model);
			collect(fps, s->prompts[p].samples[i].fingerprint);
			collect(finish, s->prompts[p].samples[i].finish_reason);
		}
	return json_pack("{s:o, s:o, s:o}", "models", set_to_array(models), "fingerprints",
			 set_to_array(fps), "finish_reasons", set_to_array(finish));
}

static json_t *metadata_changes(json_t *base, json_t *night)
{
	static const char *const fields[] = { "models", "fingerprints" };
	json_t *changes = json_array();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *b = json_object_get(base, fields[i]),
		       *n = json_object_get(night, fields[i]);

		if (json_array_size(n) && !json_equal(b, n))
			json_array_append_new(changes,
					      json_pack("{s:s, s:O, s:O}", "field", fields[i],
							"baseline", b, "tonight", n));
	}
	return changes;
}

static json_t *fixed4(double x)
{
	return json_real(round(x * 10000.0) / 10000.0);
}

json_t *report_build(const struct report_input *in, struct report_summary *sum)
{
	json_t *r, *prompts, *bmeta, *nmeta, *changes, *counts;
	const struct eval_counts *c = &sum->counts;
	double answered_share;
	struct sbuf line;

	memset(sum, 0, sizeof(*sum));
	prompts = evaluate_suite(in->suite, in->baseline, in->night, 3, &sum->counts);
	bmeta = vendor_meta(in->baseline);
	nmeta = vendor_meta(in->night);
	changes = metadata_changes(bmeta, nmeta);
	answered_share = in->planned ? (double)c->samples / (double)in->planned : 1.0;

	if (in->incomplete_reason || answered_share + 1e-9 < in->min_answered)
		sum->verdict = REPORT_INCOMPLETE;
	else if (in->detect && in->detect->verdict == DETECT_CHANGED)
		sum->verdict = REPORT_CHANGED;
	else if (c->checks_failed)
		sum->verdict = REPORT_CHECKS_FAILED;
	else if (in->detect && in->detect->verdict == DETECT_UNSTABLE)
		sum->verdict = REPORT_UNSTABLE;
	else
		sum->verdict = REPORT_PASS;

	sbuf_init(&line);
	sbuf_addf(&line, "%s/%s [%s]: %s", in->vendor->id, in->suite->id, in->vendor->model,
		  report_verdict_name(sum->verdict));
	if (sum->verdict == REPORT_INCOMPLETE)
		sbuf_addf(&line, " (%s; %zu of %zu answered)",
			  in->incomplete_reason ? in->incomplete_reason : "too many vendor faults",
			  c->samples, in->planned);
	if (in->detect && in->detect->verdict == DETECT_CHANGED && in->detect->summary[0]) {
		const char *d = in->detect->summary;

		if (!strncmp(d, "changed: ", 9))
			d += 9;
		sbuf_addf(&line, ": %s", d);
	}
	if (c->checks_failed)
		sbuf_addf(&line, "; %zu check%s failed on %zu prompt%s", c->checks_failed,
			  c->checks_failed == 1 ? "" : "s", c->prompts_failed,
			  c->prompts_failed == 1 ? "" : "s");
	if (c->faults)
		sbuf_addf(&line, "; %zu vendor fault%s", c->faults, c->faults == 1 ? "" : "s");
	snprintf(sum->line, sizeof(sum->line), "%s", line.buf);
	sbuf_release(&line);

	counts = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "planned",
			   (json_int_t)in->planned, "answers", (json_int_t)c->samples, "faults",
			   (json_int_t)c->faults, "refusals", (json_int_t)c->refusals,
			   "checks_pass", (json_int_t)c->pass, "checks_fail", (json_int_t)c->fail,
			   "checks_error", (json_int_t)c->error, "checks_skip", (json_int_t)c->skip,
			   "checks_failed", (json_int_t)c->checks_failed, "answered_share",
			   fixed4(answered_share));
	r = json_object();
	json_object_set_new(r, "format", json_string(REPORT_FORMAT));
	json_object_set_new(r, "run",
			    json_pack("{s:s, s:s, s:s}", "id", in->run_id, "date", in->date, "mode",
				      in->mode));
	json_object_set_new(r, "vendor",
			    json_pack("{s:s, s:s, s:s, s:s}", "id", in->vendor->id, "probe",
				      in->vendor->probe, "model", in->vendor->model, "base_url",
				      in->vendor->base_url));
	json_object_set_new(r, "suite",
			    json_pack("{s:s, s:s}", "id", in->suite->id, "path", in->suite->path));
	json_object_set_new(r, "baseline",
			    in->baseline ? json_pack("{s:s, s:o}", "path",
						     in->baseline_path ? in->baseline_path : "",
						     "metadata", bmeta)
					 : json_null());
	if (!in->baseline)
		json_decref(bmeta);
	json_object_set_new(r, "tonight", json_pack("{s:o}", "metadata", nmeta));
	json_object_set_new(r, "metadata_changes", changes);
	json_object_set_new(r, "verdict", json_string(report_verdict_name(sum->verdict)));
	json_object_set_new(r, "summary", json_string(sum->line));
	if (in->incomplete_reason)
		json_object_set_new(r, "incomplete_reason", json_string(in->incomplete_reason));
	json_object_set_new(r, "counts", counts);
	json_object_set_new(r, "prompts", prompts);
	if (in->detect) {
		json_t *d = in->detect_section ? json_deep_copy(in->detect_section) : json_object();

		json_object_set_new(d, "verdict",
				    json_string(detect_verdict_name(in->detect->verdict)));
		json_object_set_new(d, "confidence", fixed4(in->detect->confidence));
		json_object_set_new(d, "summary", json_string(in->detect->summary));
		if (in->detect->epoch[0])
			json_object_set_new(d, "epoch", json_string(in->detect->epoch));
		json_object_set_new(r, "detection", d);
	}
	return r;
}

char *report_serialize(const json_t *report, size_t *len)
{
	/* Sorted keys; reals are rounded to 4 decimals before they get here, so 10 significant
	 * digits print them exactly the same on every IEEE-754 machine. */
	char *s = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	struct sbuf sb;

	if (!s)
		return NULL;
	sbuf_init(&sb);
	sbuf_addstr(&sb, s);
	sbuf_addch(&sb, '\n');
	free(s);
	return sbuf_detach(&sb, len);
}

const char *report_path(char *buf, size_t len, const char *dir, const char *date,
			const char *vendor, const char *suite)
{
	snprintf(buf, len, "%s/%s/%s-%s.json", dir, date, vendor, suite);
	return buf;
}

int report_write(const char *path, const json_t *report, char *sha256_hex, struct pl_err *err)
{
	size_t len;
	char *bytes = report_serialize(report, &len);
	int rc;

	if (!bytes)
		return pl_err_set(err, PL_E_INTERNAL, path, "cannot encode the report");
	rc = fileio_write_atomic(path, bytes, len, 0644, err);
	if (rc == 0 && sha256_hex)
		hex_sha256(bytes, len, sha256_hex);
	free(bytes);
	return rc;
}
