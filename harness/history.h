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

/* Replaces the lines of night `night` (their "night" member) with one record (an object,
 * borrowed), where the first of them stood, or before the first line of a later night when
 * that comes first (history_drop_after's order: a backfilled night takes its place among the
 * dated nights), else at the end. A night run again (--force, or --resume after a crash once
 * its line was written) keeps one line per night. Torn lines are dropped; every other line is kept
 * byte for byte. The file is rewritten atomically. Returns 0, or -1 with err set. */
int history_replace_night(const char *path, const char *night, const json_t *record,
			  struct pl_err *err);

/* Removes from records (a history_load array) the nights named `night`; returns how many. */
size_t history_drop_night(json_t *records, const char *night);
/* Removes from records (a history_load array) the nights after `night`: when both are ISO
 * dates (YYYY-MM-DD, as `run` names nights), those of a later date; nights named otherwise
 * have no order. Returns how many. */
size_t history_drop_after(json_t *records, const char *night);

/* The epoch registry of the endpoint, beside its history: "<history without .jsonl>.epochs.json",
 * {"baseline": ID of the epoch the current baseline shows (absent until known), "epochs":
 * [{"id", "since" (the night that opened it), "last" (its latest night), "nights", "hard"
 * (the hard signals of its latest night), "sketch" (that night's answer sketch)}, ...]}.
 * A new baseline moves the history aside but keeps the registry, so an epoch keeps its ID
 * across accepts and a new epoch's ID is never one used before. */
void history_epochs_path(struct sbuf *out, const char *history_path);
/* Reads the registry of the history at history_path into a new object. When its file is
 * missing, it is built from the history's nights `records` (borrowed; the history as
 * history_load gives it, written before registries existed): its epochs in order of first
 * appearance with the hard signals of their latest night and no sketch, the baseline e1;
 * no nights give {"epochs": []}. A file that is not such an object is an error (PL_E_INPUT).
 * Returns 0, or -1 with err set. */
int history_epochs_load(const char *history_path, const json_t *records, json_t **reg,
			struct pl_err *err);
/* Writes the registry (borrowed) atomically (0644, sorted keys). Returns 0, or -1 with err
 * set. */
int history_epochs_save(const char *history_path, const json_t *reg, struct pl_err *err);
/* The entry of epoch id in the registry (borrowed), or NULL. */
json_t *history_epochs_find(const json_t *reg, const char *id);

/* Sets out to <state_dir>/history/<vendor>/<model>/<suite>.jsonl; characters outside
 * [A-Za-z0-9._-] in the three names become '_' and a leading '.' becomes '_', so a name
 * cannot leave the directory. */
void history_path(struct sbuf *out, const char *state_dir, const char *vendor, const char *model,
		  const char *suite);

#endif
