/* log.h: the run log (timestamps + levels, to a file or stderr) and the TTY progress line.
 *
 * One process-wide logger: commands set it up once (log_open) from the config's "logging"
 * section and the command line; any module may then call pl_log(). Before log_open, messages
 * of level info and above go to stderr without colour.
 *
 * Line format: "2026-11-27T09:38:03.123Z LEVEL message\n" (UTC, ISO 8601, milliseconds).
 * Colour is used only when the destination is a TTY, NO_COLOR is unset or empty, and TERM is
 * not "dumb" (https://no-color.org). The progress line is drawn on stderr only when stderr is a
 * TTY; log lines written to the same TTY erase it first and redraw it after. Without a TTY,
 * progress is logged as lines instead (log_progress).
 *
 * Messages never contain secrets: callers pass names of variables, never their values. */
#ifndef PL_LOG_H
#define PL_LOG_H

#include "err.h"
#include "jsonx.h"

#include <jansson.h>
#include <stdio.h>

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

enum log_color {
	LOG_COLOR_AUTO = 0, /* colour on a TTY unless NO_COLOR */
	LOG_COLOR_NEVER,
	LOG_COLOR_ALWAYS, /* still off when NO_COLOR is set */
};

struct log_opts {
	char *file;	      /* append here (0640, created); NULL = stderr */
	enum log_level level; /* lowest level written; default LOG_INFO */
	enum log_color color; /* default LOG_COLOR_AUTO */
	char *metrics_file;   /* Prometheus textfile (see metrics.h); NULL = none */
};

#define LOG_OPTS_INIT                                \
	{                                            \
		NULL, LOG_INFO, LOG_COLOR_AUTO, NULL \
	}

/* Validates the config's "logging" section (borrowed; may be NULL = defaults) strictly:
 * {"file": PATH, "level": "debug|info|warn|error", "color": "auto|never|always",
 *  "metrics_file": PATH}. Unknown keys are errors. Fills o (release with log_opts_release).
 * Returns 0, or -1 with err set (PL_E_INPUT, "FILE:LINE:COL: logging.level: ..."). */
int log_opts_parse(const struct jsonloc *loc, const char *pointer, const json_t *section,
		   struct log_opts *o, struct pl_err *err);
void log_opts_release(struct log_opts *o);
/* Parses "debug", "info", "warn" (or "warning"), "error". Returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level l);

/* Sets up the process logger. o may be NULL (stderr, info, auto colour). Opening the file
 * fails with PL_E_IO naming it; the logger then stays on stderr. */
int log_open(const struct log_opts *o, struct pl_err *err);
/* Ends any progress line, closes the log file, returns to the default (stderr). */
void log_close(void);

void pl_log(enum log_level level, const char *fmt, ...) PL_PRINTF(2, 3);
#define log_debug(...) pl_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  pl_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  pl_log(LOG_WARN, __VA_ARGS__)
#define log_error(...) pl_log(LOG_ERROR, __VA_ARGS__)

/* 1 when colour would be used on a stream with this fd under the given mode (reads NO_COLOR
 * and TERM from the environment). */
int log_use_color(int fd, enum log_color mode);

/* Formats the progress line (no CR, no escape codes) into buf, e.g.
 * "[ 120/400]  30%  4.2 req/s  ETA 1m07s  errors 3". rate and ETA are shown once elapsed_s > 0
 * and done > 0, "ETA --" before. Returns buf. */
const char *log_progress_format(char *buf, size_t len, size_t done, size_t total, size_t errors,
				double elapsed_s);
/* Draws (or redraws) the progress line on stderr when stderr is a TTY. Otherwise (cron,
 * systemd) it logs "progress [ 120/400]  30% ..." as an info line each time another tenth of
 * the total is done, and at least every 60 s while the run goes on. Callers may call it as
 * often as they like; it redraws at most every 100 ms and always when done == total. */
void log_progress(size_t done, size_t total, size_t errors, double elapsed_s);
/* Ends the progress line (newline) if one is drawn; the next log_progress starts a new run. */
void log_progress_end(void);

/* 1 when log lines go to the log file (logging.file), not to stderr. */
int log_to_file(void);

/* Test hook: write log lines to f instead of the configured destination (NULL restores), with
 * a fixed "now" (0 = real clock) so output is reproducible. */
void log_set_stream(FILE *f, int is_tty, double fixed_now);

#endif
