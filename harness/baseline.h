/* baseline.h: stored baselines, baselines/<vendor>/<model>/<suite>.json: every sample per
 * prompt and what the vendor reported with it. Pretty-printed with sorted keys and prompts
 * sorted by id, so an engineer can review a baseline change as a diff. Written atomically.
 * Each prompt keeps the hash of the request it was recorded with ("request_sha256", see
 * suite_request_hash); older baselines lack it and still load. */
#ifndef PL_BASELINE_H
#define PL_BASELINE_H

#include "err.h"
#include "sampleset.h"

#define BASELINE_FORMAT "plumbline-baseline/1"

/* Builds "<dir>/<vendor>/<model>/<suite>.json" into buf (model made file-name safe). */
const char *baseline_path(char *buf, size_t len, const char *dir, const char *vendor,
			  const char *model, const char *suite);
/* Serialises s (vendor, model, suite must be set) with recorded_at (ISO 8601). Returns a new
 * string (caller frees). */
char *baseline_serialize(const struct sampleset *s, const char *recorded_at);
/* Writes s to path atomically (0644). */
int baseline_write(const char *path, const struct sampleset *s, const char *recorded_at,
		   struct pl_err *err);
/* Adds the prompts of s to the baseline at path or replaces those it has (by id), each with
 * "recorded_at"; every other byte of the file stays as it was (the other prompts, the header).
 * Written atomically. Returns 0, or -1 with err set (PL_E_INPUT: no baseline at path, or one
 * without prompts). */
int baseline_update(const char *path, const struct sampleset *s, const char *recorded_at,
		    struct pl_err *err);
/* Loads a baseline; a missing file is PL_E_INPUT "no baseline ... run baseline record".
 * Returns a new sampleset or NULL with err set. */
struct sampleset *baseline_load(const char *path, struct pl_err *err);

/* A baseline read one prompt at a time (the nightly run): open checks the file's shape and
 * keeps, per prompt, only its id and where its text lies in the file; read_prompt parses one
 * prompt from disk when it is needed. Memory: the index, never the samples of every prompt.
 * Errors are located like baseline_load's. A sample the index pass could not check (a
 * malformed sample of a hand-edited file) is reported when its prompt is read. */
struct baseline_reader;
#define BASELINE_NONE ((size_t)-1)
struct baseline_reader *baseline_open(const char *path, struct pl_err *err);
void baseline_close(struct baseline_reader *r); /* NULL-safe */
/* Prompts in file order: count, and the id at a position. */
size_t baseline_count(const struct baseline_reader *r);
const char *baseline_prompt_id(const struct baseline_reader *r, size_t i);
/* The request hash prompt i was recorded with ("request_sha256"), or NULL when the baseline
 * does not say (recorded before plumbline kept it). */
const char *baseline_prompt_request(const struct baseline_reader *r, size_t i);
/* The position of a prompt id, or BASELINE_NONE. O(log n). */
size_t baseline_find(const struct baseline_reader *r, const char *id);
/* Reads prompt i into ps (filled; release with prompt_samples_release). Returns 0, or -1 with
 * err set. */
int baseline_read_prompt(struct baseline_reader *r, size_t i, struct prompt_samples *ps,
			 struct pl_err *err);

#endif
