/* history.h: the nightly statistics of one vendor/model/suite, kept as JSON Lines under the
 * state directory (<state>/history/<vendor>/<model>/<suite>.jsonl), one object per night,
 * oldest first. Detection judges tonight against this record of the endpoint's own
 * night-to-night variation. Written only by appending (fileio_append): a crash can leave a
 * torn last line, which readers skip. */
#ifndef PL_HISTORY_H
#define PL_HISTORY_H

#include "err.h"
#include "sbuf.h"

#include <jansson.h>

/* Reads the history at path into a new JSON array of the night objects (oldest first). A
 * missing file is an empty history. Lines that are not a JSON object (a torn last line, a
 * line cut by a crash before a later append) are skipped and counted in *skipped (may be
 * NULL). Each night's answer sketch ("sketch": one entry per prompt, kept in the file for
 * audits) is dropped on loading: decisions do not read it, and with thousands of prompts it
 * would be most of the memory a long history takes. Returns 0, or -1 with err set. */
int history_load(const char *path, json_t **records, size_t *skipped, struct pl_err *err);

/* Appends one record (an object, borrowed) as a compact line with sorted keys. If the file
 * ends in a torn line, a newline is written first so the new record stands on its own line.
 * Creates the file (0644) and its directories when missing. Returns 0, or -1 with err set. */
int history_append(const char *path, const json_t *record, struct pl_err *err);

/* Sets out to <state_dir>/history/<vendor>/<model>/<suite>.jsonl; characters outside
 * [A-Za-z0-9._-] in the three names become '_' and a leading '.' becomes '_', so a name
 * cannot leave the directory. */
void history_path(struct sbuf *out, const char *state_dir, const char *vendor, const char *model,
		  const char *suite);

#endif
