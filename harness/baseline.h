/* baseline.h: stored baselines, baselines/<vendor>/<model>/<suite>.json: every sample per
 * prompt and what the vendor reported with it. Pretty-printed with sorted keys and prompts
 * sorted by id, so an engineer can review a baseline change as a diff. Written atomically. */
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
/* Loads a baseline; a missing file is PL_E_INPUT "no baseline ... run baseline record".
 * Returns a new sampleset or NULL with err set. */
struct sampleset *baseline_load(const char *path, struct pl_err *err);

#endif
