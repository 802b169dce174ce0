/* report.c: assembling, serialising and writing the per-vendor, per-suite run report. */
#include "report.h"
#include "fileio.h"
#include "hex.h"
#include "sbuf.h"

#include <math.h>
#include <openssl/evp.h>
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

/* What the vendor reported: returned models, fingerprints, finish reasons, each a set (a JSON
 * object used as a set) filled prompt by prompt and turned into sorted arrays at the end. */
struct meta_sets {
	json_t *models, *fps, *finish;
};

static void meta_init(struct meta_sets *m)
{
	m->models = json_object();
	m->fps = json_object();
	m->finish = json_object();
}

static void meta_add(struct meta_sets *m, const struct prompt_samples *ps)
{
	size_t i;

	for (i = 0; ps && i < ps->n; i++) {
		collect(m->models, ps->samples[i].model);
		collect(m->fps, ps->samples[i].fingerprint);
		collect(m->finish, ps->samples[i].finish_reason);
	}
}

/* Consumes the sets. */
static json_t *meta_json(struct meta_sets *m)
{
	json_t *o = json_pack("{s:o, s:o, s:o}", "models", set_to_array(m->models), "fingerprints",
			      set_to_array(m->fps), "finish_reasons", set_to_array(m->finish));

	m->models = m->fps = m->finish = NULL;
	return o;
}

static void meta_release(struct meta_sets *m)
{
	json_decref(m->models);
	json_decref(m->fps);
	json_decref(m->finish);
	m->models = m->fps = m->finish = NULL;
}

static json_t *vendor_meta(const struct sampleset *s)
{
	struct meta_sets m;
	size_t p;

	meta_init(&m);
	for (p = 0; s && p < s->n_prompts; p++)
		meta_add(&m, &s->prompts[p]);
	return meta_json(&m);
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

/* Everything but the prompts: the verdict, the summary line, the counts, both sides' metadata
 * (consumed) and the detection section. has_baseline: a baseline was compared with. */
static json_t *report_head(const struct report_input *in, int has_baseline, json_t *bmeta,
			   json_t *nmeta, struct report_summary *sum)
{
	json_t *r, *changes, *counts;
	const struct eval_counts *c = &sum->counts;
	double answered_share;
	struct sbuf line;

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
	if (in->detect && in->detect->stage == DETECT_STAGE_RETRACTED)
		sbuf_addstr(&line, "; retracted: last night's suspected change did not hold");
	if (in->detect && in->detect->verdict != DETECT_CHANGED && in->detect->returned_epoch)
		sbuf_addf(&line, "; back at known state %s", in->detect->epoch);
	/* an unstable endpoint is told once: later nights of the episode say since when */
	if (in->detect && in->detect->verdict == DETECT_UNSTABLE && !in->detect->unstable_onset &&
	    in->detect->unstable_since[0])
		sbuf_addf(&line, " (since %s, reported then)", in->detect->unstable_since);
	if (in->detect && in->detect->multi_state && in->detect->states[0])
		sbuf_addf(&line, " (multi-state: %s)", in->detect->states);
	if (c->checks_failed) {
		char phrase[128];

		evaluate_checks_phrase(c->checks_failed, c->checks_total, c->prompts_failed, phrase,
				       sizeof(phrase));
		sbuf_addf(&line, "; %s", phrase);
		if (c->checks_errored)
			sbuf_addf(&line, " (%zu could not be evaluated: verdict error)",
				  c->checks_errored);
	}
	/* (not "vendor faults": a refused key or a bad request is ours, and counts.vendor_faults
	 * leaves them out) */
	if (c->faults > c->not_sent)
		sbuf_addf(&line, "; %zu request%s failed", c->faults - c->not_sent,
			  c->faults - c->not_sent == 1 ? "" : "s");
	if (c->not_sent)
		sbuf_addf(&line, "; %zu not sent", c->not_sent);
	if (in->outage_summary && *in->outage_summary &&
	    (!in->incomplete_reason || !strstr(in->incomplete_reason, in->outage_summary)))
		sbuf_addf(&line, "; %s", in->outage_summary);
	if (in->note && *in->note)
		sbuf_addf(&line, "; %s", in->note);
	snprintf(sum->line, sizeof(sum->line), "%s", line.buf);
	sbuf_release(&line);

	/* faults: planned requests sent that got no answer (as the log and the metrics count
	 * them); the ones never sent are not_sent, apart */
	counts = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "planned",
			   (json_int_t)in->planned, "answers", (json_int_t)c->samples, "faults",
			   (json_int_t)(c->faults - c->not_sent), "refusals",
			   (json_int_t)c->refusals, "checks_pass", (json_int_t)c->pass,
			   "checks_fail", (json_int_t)c->fail, "checks_error", (json_int_t)c->error,
			   "checks_skip", (json_int_t)c->skip, "checks_failed",
			   (json_int_t)c->checks_failed, "answered_share", fixed4(answered_share));
	/* the one count of checks (evaluate.h), and of faults those held against the vendor
	 * (not our key or request) */
	json_object_set_new(counts, "checks_total", json_integer((json_int_t)c->checks_total));
	json_object_set_new(counts, "prompts_failed", json_integer((json_int_t)c->prompts_failed));
	json_object_set_new(counts, "checks_errored", json_integer((json_int_t)c->checks_errored));
	json_object_set_new(counts, "vendor_faults",
			    json_integer((json_int_t)(c->vendor_faults - c->vendor_not_sent)));
	json_object_set_new(counts, "not_sent", json_integer((json_int_t)c->not_sent));
	/* the suite's retries: HTTP requests after each of its requests' first */
	json_object_set_new(counts, "retries", json_integer((json_int_t)c->retries));
	r = json_object();
	json_object_set_new(r, "format", json_string(REPORT_FORMAT));
	json_object_set_new(r, "run",
			    json_pack("{s:s, s:s, s:s}", "id", in->run_id, "date", in->date, "mode",
				      in->mode));
	/* binds the report to the exact answers it judged (baseline accept takes only those) */
	if (in->journal_sha256)
		json_object_set_new(json_object_get(r, "run"), "journal_sha256",
				    json_string(in->journal_sha256));
	json_object_set_new(r, "vendor",
			    json_pack("{s:s, s:s, s:s, s:s}", "id", in->vendor->id, "probe",
				      in->vendor->probe, "model", in->vendor->model, "base_url",
				      in->vendor->base_url));
	json_object_set_new(r, "suite",
			    json_pack("{s:s, s:s}", "id", in->suite->id, "path", in->suite->path));
	json_object_set_new(r, "baseline",
			    has_baseline ? json_pack("{s:s, s:o}", "path",
						     in->baseline_path ? in->baseline_path : "",
						     "metadata", bmeta)
					 : json_null());
	if (!has_baseline)
		json_decref(bmeta);
	json_object_set_new(r, "tonight", json_pack("{s:o}", "metadata", nmeta));
	json_object_set_new(r, "metadata_changes", changes);
	json_object_set_new(r, "verdict", json_string(report_verdict_name(sum->verdict)));
	json_object_set_new(r, "summary", json_string(sum->line));
	if (in->incomplete_reason)
		json_object_set_new(r, "incomplete_reason", json_string(in->incomplete_reason));
	json_object_set_new(r, "counts", counts);
	if (in->outage)
		json_object_set_new(r, "outage", json_deep_copy(in->outage));
	if (in->judge)
		json_object_set_new(r, "judge", json_deep_copy(in->judge));
	if (in->embeddings)
		json_object_set_new(r, "embeddings", json_deep_copy(in->embeddings));
	if (in->detect) {
		/* a shallow copy: the section's members are shared, only the top keys are set */
		json_t *d = in->detect_section ? json_copy(in->detect_section) : json_object();

		json_object_set_new(d, "verdict",
				    json_string(detect_verdict_name(in->detect->verdict)));
		json_object_set_new(d, "confidence", fixed4(in->detect->confidence));
		json_object_set_new(d, "stage", json_string(detect_stage_name(in->detect->stage)));
		json_object_set_new(d, "summary", json_string(in->detect->summary));
		if (in->detect->epoch[0])
			json_object_set_new(d, "epoch", json_string(in->detect->epoch));
		json_object_set_new(r, "detection", d);
	}
	if (sum->verdict == REPORT_CHANGED && in->what_changed)
		json_object_set_new(r, "what_changed", json_deep_copy(in->what_changed));
	if (sum->verdict == REPORT_CHANGED && in->what_changed &&
	    json_array_size(in->what_changed_unlisted))
		json_object_set_new(r, "what_changed_unlisted",
				    json_deep_copy(in->what_changed_unlisted));
	return r;
}

json_t *report_build(const struct report_input *in, struct report_summary *sum)
{
	json_t *prompts, *r;

	memset(sum, 0, sizeof(*sum));
	prompts = evaluate_suite(in->suite, in->vendor, in->refusal, in->baseline, in->night,
				 REPORT_MAX_EXAMPLES, &sum->counts);
	r = report_head(in, in->baseline != NULL, vendor_meta(in->baseline), vendor_meta(in->night),
			sum);
	json_object_set_new(r, "prompts", prompts);
	return r;
}

/* Sorted keys; reals are rounded to 4 decimals before they get here, so 10 significant digits
 * print them exactly the same on every IEEE-754 machine. */
#define REPORT_DUMP_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))

char *report_serialize(const json_t *report, size_t *len)
{
	char *s = json_dumps(report, REPORT_DUMP_FLAGS);
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

static int clash_err(struct pl_err *err, const char *where, const char *v1, const char *s1,
		     const char *v2, const char *s2)
{
	return pl_err_set(err, PL_E_USAGE, where,
			  "vendor \"%s\" with suite \"%s\" and vendor \"%s\" with suite \"%s\" "
			  "would write the same report file (NIGHT/%s-%s.json): rename one of "
			  "these ids",
			  v1, s1, v2, s2, v1, s1);
}

int report_names_check(const struct config *cfg, const char *const *suite_ids, size_t n,
		       const char *where, struct pl_err *err)
{
	size_t a, b, s, t;
	char x[160], y[160];

	for (a = 0; a < cfg->n_vendors; a++)
		for (b = 0; b < cfg->n_vendors; b++) {
			if (a == b)
				continue;
			for (s = 0; s < n; s++)
				for (t = 0; t < n; t++) {
					snprintf(x, sizeof(x), "%s-%s", cfg->vendors[a].id,
						 suite_ids[s]);
					snprintf(y, sizeof(y), "%s-%s", cfg->vendors[b].id,
						 suite_ids[t]);
					if (!strcmp(x, y))
						return clash_err(err, where, cfg->vendors[a].id,
								 suite_ids[s], cfg->vendors[b].id,
								 suite_ids[t]);
				}
		}
	return 0;
}

int report_owner_check(const char *path, const char *vendor, const char *suite, struct pl_err *err)
{
	json_t *r = json_load_file(path, 0, NULL);
	const char *v = json_string_value(json_object_get(json_object_get(r, "vendor"), "id"));
	const char *s = json_string_value(json_object_get(json_object_get(r, "suite"), "id"));
	int rc = 0;

	/* absent or unreadable: not another pair's (reading it is others' business) */
	if (v && s && (strcmp(v, vendor) || strcmp(s, suite)))
		rc = clash_err(err, path, vendor, suite, v, s);
	json_decref(r);
	return rc;
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

/* ---- the report written prompt by prompt ---------------------------------------------- */

struct report_stream {
	FILE *spool; /* the prompt entries, already indented for their place */
	size_t n;
	struct eval_counts counts;
	struct meta_sets base, night;
	int has_baseline;
};

struct report_stream *report_stream_new(int has_baseline, struct pl_err *err)
{
	struct report_stream *rs = xcalloc(1, sizeof(*rs));

	rs->spool = tmpfile();
	if (!rs->spool) {
		pl_err_errno(err, PL_E_IO, NULL, "cannot create a temporary file for the report");
		free(rs);
		return NULL;
	}
	rs->has_baseline = has_baseline;
	meta_init(&rs->base);
	meta_init(&rs->night);
	return rs;
}

struct eval_counts *report_stream_counts(struct report_stream *rs)
{
	return &rs->counts;
}

int report_stream_add(struct report_stream *rs, json_t *entry, const struct prompt_samples *base,
		      const struct prompt_samples *night, struct pl_err *err)
{
	char *text = json_dumps(entry, REPORT_DUMP_FLAGS), *p;
	int bad;

	json_decref(entry);
	if (!text)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "cannot encode a report entry");
	/* an element of a top-level array sits four spaces in */
	bad = fputs(rs->n ? ",\n    " : "\n    ", rs->spool) == EOF;
	for (p = text; !bad && *p; p++)
		bad = putc(*p, rs->spool) == EOF || (*p == '\n' && fputs("    ", rs->spool) == EOF);
	free(text);
	if (bad)
		return pl_err_errno(err, PL_E_IO, NULL, "cannot write the report's temporary file");
	rs->n++;
	meta_add(&rs->base, base);
	meta_add(&rs->night, night);
	return 0;
}

void report_stream_add_baseline(struct report_stream *rs, const struct prompt_samples *base)
{
	meta_add(&rs->base, base);
}

/* The report file being written and its running hash. */
struct rout {
	struct fileio_atomic f;
	EVP_MD_CTX *md;
	struct pl_err *err;
	int failed;
	/* json_dump_callback filter: bytes to drop at the start, bytes held back at the end */
	size_t skip;
	char tail[2];
	size_t n_tail, hold;
};

static int put(struct rout *o, const void *data, size_t len);

static int puts_(struct rout *o, const char *s)
{
	return put(o, s, strlen(s));
}

static int put(struct rout *o, const void *data, size_t len)
{
	if (o->failed)
		return -1;
	if (fileio_atomic_write(&o->f, data, len, o->err) < 0) {
		o->failed = 1;
		return -1;
	}
	if (EVP_DigestUpdate(o->md, data, len) != 1) {
		o->failed = 1;
		return pl_err_set(o->err, PL_E_INTERNAL, NULL, "sha-256 failed");
	}
	return 0;
}

/* json_dump_callback sink: drops the first o->skip bytes and holds back the last o->hold,
 * so the two halves of the top-level object join around the streamed "prompts". */
static int put_cb(const char *buf, size_t size, void *data)
{
	struct rout *o = data;
	size_t cut, emit, from_tail, i;
	char keep[2];

	cut = size < o->skip ? size : o->skip;
	buf += cut;
	size -= cut;
	o->skip -= cut;
	if (o->n_tail + size <= o->hold) {
		memcpy(o->tail + o->n_tail, buf, size);
		o->n_tail += size;
		return 0;
	}
	/* emit all but the last `hold` bytes of (tail, buf); keep those as the new tail */
	emit = o->n_tail + size - o->hold;
	from_tail = emit < o->n_tail ? emit : o->n_tail;
	if (from_tail && put(o, o->tail, from_tail) < 0)
		return -1;
	if (emit > from_tail && put(o, buf, emit - from_tail) < 0)
		return -1;
	for (i = 0; i < o->hold; i++) {
		size_t at = emit + i; /* position in (tail, buf) */

		keep[i] = at < o->n_tail ? o->tail[at] : buf[at - o->n_tail];
	}
	memcpy(o->tail, keep, o->hold);
	o->n_tail = o->hold;
	return 0;
}

/* Dumps the members of head for which (strcmp(key, "prompts") < 0) == before, as
 * report_serialize would print them inside the whole object. */
static int dump_half(struct rout *o, const json_t *head, int before)
{
	json_t *half = json_object();
	const char *k;
	json_t *v;
	int rc;

	json_object_foreach((json_t *)head, k, v)
	{
		if ((strcmp(k, "prompts") < 0) == before)
			json_object_set(half, k, v);
	}
	/* the first half ends before its closing "\n}"; the second starts after its "{\n" */
	o->skip = before ? 0 : 2;
	o->hold = before ? 2 : 0;
	o->n_tail = 0;
	rc = json_dump_callback(half, put_cb, o, REPORT_DUMP_FLAGS);
	json_decref(half);
	if (rc != 0 || o->failed) {
		if (!o->failed)
			pl_err_set(o->err, PL_E_INTERNAL, NULL, "cannot encode the report");
		return -1;
	}
	if (before && (o->n_tail != 2 || memcmp(o->tail, "\n}", 2)))
		return pl_err_set(o->err, PL_E_INTERNAL, NULL, "unexpected report layout");
	return 0;
}

int report_stream_finish(struct report_stream *rs, const struct report_input *in, const char *path,
			 char *sha256_hex, struct report_summary *sum, json_t **head_out,
			 struct pl_err *err)
{
	struct rout o;
	unsigned char digest[EVP_MAX_MD_SIZE], buf[65536];
	unsigned dlen = 0;
	json_t *head;
	size_t n;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.f.fd = -1;
	o.err = err;
	o.md = EVP_MD_CTX_new();
	memset(sum, 0, sizeof(*sum));
	sum->counts = rs->counts;
	head = report_head(in, rs->has_baseline, meta_json(&rs->base), meta_json(&rs->night), sum);
	if (!o.md || EVP_DigestInit_ex(o.md, EVP_sha256(), NULL) != 1) {
		pl_err_set(err, PL_E_INTERNAL, path, "sha-256 failed");
		goto out;
	}
	if (fflush(rs->spool) == EOF || fseek(rs->spool, 0, SEEK_SET) != 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot read the report's temporary file");
		goto out;
	}
	/* {head members before "prompts", "prompts": [spooled entries], the others}: the bytes
	 * report_serialize gives, without the whole text in memory */
	if (fileio_atomic_open(&o.f, path, 0644, err) < 0 || dump_half(&o, head, 1) < 0 ||
	    puts_(&o, ",\n  \"prompts\": [") < 0)
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), rs->spool)) > 0)
		if (put(&o, buf, n) < 0)
			goto out;
	if (ferror(rs->spool)) {
		pl_err_errno(err, PL_E_IO, path, "cannot read the report's temporary file");
		goto out;
	}
	if (puts_(&o, rs->n ? "\n  ],\n" : "],\n") < 0 || dump_half(&o, head, 0) < 0 ||
	    puts_(&o, "\n") < 0 || fileio_atomic_commit(&o.f, err) < 0)
		goto out;
	if (EVP_DigestFinal_ex(o.md, digest, &dlen) != 1) {
		pl_err_set(err, PL_E_INTERNAL, path, "sha-256 failed");
		goto out;
	}
	if (sha256_hex)
		hex_encode(digest, dlen, sha256_hex);
	if (head_out) {
		*head_out = head;
		head = NULL;
	}
	rc = 0;
out:
	fileio_atomic_abort(&o.f);
	EVP_MD_CTX_free(o.md);
	json_decref(head);
	return rc;
}

void report_stream_free(struct report_stream *rs)
{
	if (!rs)
		return;
	if (rs->spool)
		fclose(rs->spool);
	meta_release(&rs->base);
	meta_release(&rs->night);
	free(rs);
}
