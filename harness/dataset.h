/* dataset.h: rows of values for a suite prompt, from a CSV file (RFC 4180) or JSON Lines, and
 * the {{ name }} templating that makes one prompt of each row (promptfoo's test datasets).
 *
 * Errors name the file and line ("suites/rows.csv:7: ..."), PL_E_INPUT. Every value is valid
 * UTF-8 without NUL bytes, so it can go into a JSON string as it is. */
#ifndef PL_DATASET_H
#define PL_DATASET_H

#include "err.h"
#include "sbuf.h"

#define DATASET_MAX_BYTES (16u << 20)
#define DATASET_MAX_ROWS  100000u

struct dataset_row {
	size_t line;   /* the 1-based line of the file the row starts on */
	size_t n;      /* columns */
	char **names;  /* column names (a CSV's header, a JSON object's keys); owned */
	char **values; /* owned */
};

struct dataset {
	char *path; /* as given, for messages */
	struct dataset_row *rows;
	size_t n_rows; /* at least 1 once loaded */
};

/* Reads path as CSV (name ending ".csv") or JSON Lines (".jsonl", ".ndjson") into d (which
 * needs no initialisation and is released on failure). Returns 0, or -1 with err set. */
int dataset_load(struct dataset *d, const char *path, struct pl_err *err);

/* The same from text (len bytes, need not be NUL-terminated); path names it in errors.
 * CSV: a header line of unique, non-empty column names, then rows with as many fields; fields
 * separated by commas, records by CRLF or LF; a field in double quotes may hold commas, line
 * breaks and doubled quotes; blank lines are skipped; a UTF-8 byte order mark is ignored.
 * JSON Lines: one object per line (blank lines skipped) whose values are strings, numbers
 * (written as JavaScript writes them: 0.5, 1e+21) or booleans ("true", "false"). */
int dataset_parse_csv(struct dataset *d, const char *path, const char *text, size_t len,
		      struct pl_err *err);
int dataset_parse_jsonl(struct dataset *d, const char *path, const char *text, size_t len,
			struct pl_err *err);

/* Frees d's contents (NULL-safe) and leaves it empty. */
void dataset_release(struct dataset *d);

/* The value of the column `name` in row (borrowed), or NULL when the row has none. */
const char *dataset_value(const struct dataset_row *row, const char *name);

/* Appends text (len bytes) to out with every {{name}} (spaces or tabs inside the braces
 * allowed, as in promptfoo's Nunjucks: {{ name }}) replaced by the row's value, as is. Braces
 * around anything other than a name ([A-Za-z_][A-Za-z0-9_.-]*) are kept as written, so JSON
 * in a prompt is safe. Returns 0, or -1 with err set (PL_E_INPUT, where "PATH:LINE" of the
 * row) for a name the row lacks or a Nunjucks filter ({{ name | upper }}), which is not
 * supported. */
int dataset_expand(const struct dataset *d, const struct dataset_row *row, const char *text,
		   size_t len, struct sbuf *out, struct pl_err *err);

#endif
