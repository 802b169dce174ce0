/* log.c: timestamped, levelled log lines to a file or stderr, and the TTY-only progress line. */
#include "log.h"

#include "redact.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
	FILE *file; /* the log file, or NULL for stderr */
	FILE *test; /* log_set_stream override */
	int test_tty;
	double fixed_now;
	enum log_level level;
	int color;	  /* colour decided at log_open for the destination */
	int progress_on;  /* a progress line is drawn on stderr */
	double last_draw; /* monotonic seconds of the last draw */
	char progress[160];
	/* Without a TTY (cron, systemd) progress is logged as lines instead. */
	int lines_on;	/* a run's progress lines have started */
	int line_step;	/* the last tenth of the total logged */
	double line_at; /* wall seconds of the last progress line */
} g = { .level = LOG_INFO };

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static const char *const level_tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };
static const char *const level_colors[] = { "\033[2m", "\033[36m", "\033[33m", "\033[1;31m" };

int log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	if (!s)
		return -1;
	if (!strcmp(s, "warning")) {
		*out = LOG_WARN;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level l)
{
	return (unsigned)l < ARRAY_SIZE(level_names) ? level_names[l] : "?";
}

void log_opts_release(struct log_opts *o)
{
	if (!o)
		return;
	free(o->file);
	free(o->metrics_file);
	o->file = NULL;
	o->metrics_file = NULL;
}

int log_opts_parse(const struct jsonloc *loc, const char *pointer, const json_t *section,
		   struct log_opts *o, struct pl_err *err)
{
	static const char *const keys[] = { "file", "level", "color", "metrics_file", NULL };
	char *level = NULL, *color = NULL;
	int rc = -1;

	*o = (struct log_opts)LOG_OPTS_INIT;
	if (!section)
		return 0;
	if (json_check_keys(loc, pointer, section, keys, err) < 0 ||
	    json_get_str(loc, pointer, section, "file", 0, &o->file, err) < 0 ||
	    json_get_str(loc, pointer, section, "metrics_file", 0, &o->metrics_file, err) < 0 ||
	    json_get_str(loc, pointer, section, "level", 0, &level, err) < 0 ||
	    json_get_str(loc, pointer, section, "color", 0, &color, err) < 0)
		goto out;
	if (level && log_level_parse(level, &o->level) < 0) {
		json_fail(loc, pointer, "level", err,
			  "unknown level \"%s\" (expected debug, info, warn or error)", level);
		goto out;
	}
	if (!color || !strcmp(color, "auto")) {
		o->color = LOG_COLOR_AUTO;
	} else if (!strcmp(color, "never")) {
		o->color = LOG_COLOR_NEVER;
	} else if (!strcmp(color, "always")) {
		o->color = LOG_COLOR_ALWAYS;
	} else {
		json_fail(loc, pointer, "color", err,
			  "unknown colour mode \"%s\" (expected auto, never or always)", color);
		goto out;
	}
	rc = 0;
out:
	free(level);
	free(color);
	if (rc < 0)
		log_opts_release(o);
	return rc;
}

int log_use_color(int fd, enum log_color mode)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return 0;
	if (mode == LOG_COLOR_NEVER)
		return 0;
	if (mode == LOG_COLOR_ALWAYS)
		return 1;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fd) == 1;
}

/* "cannot write log file /var/log/plumbline/plumbline.log: Permission denied" */
static int cannot_write(const char *path, int e, struct pl_err *err)
{
	return pl_err_set(err, PL_E_IO, NULL, "cannot write log file %s: %s", path, strerror(e));
}

int log_open(const struct log_opts *o, struct pl_err *err)
{
	struct log_opts def = LOG_OPTS_INIT;
	int fd, e;

	log_close();
	if (!o)
		o = &def;
	g.level = o->level;
	if (o->file) {
		fd = open(o->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd < 0) {
			/* errno first: the colour test's isatty() sets it (ENOTTY) */
			e = errno;
			g.color = log_use_color(STDERR_FILENO, o->color);
			return cannot_write(o->file, e, err);
		}
		g.file = fdopen(fd, "a");
		if (!g.file) {
			e = errno;
			close(fd);
			return cannot_write(o->file, e, err);
		}
		g.color = log_use_color(fd, o->color);
	} else {
		g.color = log_use_color(STDERR_FILENO, o->color);
	}
	return 0;
}

void log_close(void)
{
	log_progress_end();
	if (g.file)
		fclose(g.file);
	g.file = NULL;
	g.level = LOG_INFO;
	g.color = 0;
}

void log_set_stream(FILE *f, int is_tty, double fixed_now)
{
	g.test = f;
	g.test_tty = is_tty;
	g.fixed_now = fixed_now;
	g.progress_on = 0;
	g.last_draw = 0;
}

static double now_wall(void)
{
	struct timeval tv;

	if (g.fixed_now > 0)
		return g.fixed_now;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static FILE *progress_stream(void)
{
	if (g.test)
		return g.test_tty ? g.test : NULL;
	return isatty(STDERR_FILENO) == 1 ? stderr : NULL;
}

/* The destination of log lines and whether the progress line shares it. */
static FILE *log_stream(int *shares_tty)
{
	if (g.test) {
		*shares_tty = g.test_tty;
		return g.test;
	}
	*shares_tty = !g.file && isatty(STDERR_FILENO) == 1;
	return g.file ? g.file : stderr;
}

void pl_log(enum log_level level, const char *fmt, ...)
{
	struct sbuf line;
	char stamp[40];
	double now;
	time_t secs;
	struct tm tm;
	va_list ap;
	FILE *f;
	int shares, color;

	if ((unsigned)level >= ARRAY_SIZE(level_names) || level < g.level)
		return;
	f = log_stream(&shares);
	color = g.test ? 0 : g.color;
	now = now_wall();
	secs = (time_t)now;
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	sbuf_init(&line);
	if (shares && g.progress_on)
		sbuf_addstr(&line, "\r\033[K");
	sbuf_addf(&line, "%s.%03dZ ", stamp, (int)((now - (double)secs) * 1000.0) % 1000);
	if (color)
		sbuf_addf(&line, "%s%s\033[0m ", level_colors[level], level_tags[level]);
	else
		sbuf_addf(&line, "%s ", level_tags[level]);
	va_start(ap, fmt);
	{
		char msg[2048];

		vsnprintf(msg, sizeof(msg), fmt, ap);
		sbuf_addstr(&line, msg);
	}
	va_end(ap);
	sbuf_addch(&line, '\n');
	redact_sbuf(&line);
	if (shares && g.progress_on)
		sbuf_addf(&line, "%s", g.progress);
	fwrite(line.buf, 1, line.len, f);
	fflush(f);
	sbuf_release(&line);
}

static void fmt_duration(char *buf, size_t len, double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, (t / 60) % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lds", t);
}

const char *log_progress_format(char *buf, size_t len, size_t done, size_t total, size_t errors,
				double elapsed_s)
{
	char eta[32] = "--";
	double rate = 0;
	int pct = total ? (int)((double)done * 100.0 / (double)total) : 100;
	int w = 1;
	size_t t;

	for (t = total; t >= 10; t /= 10)
		w++;
	if (elapsed_s > 0 && done > 0) {
		rate = (double)done / elapsed_s;
		fmt_duration(eta, sizeof(eta), done >= total ? 0 : (double)(total - done) / rate);
	}
	snprintf(buf, len, "[%*zu/%zu] %3d%%  %.1f req/s  ETA %s  errors %zu", w, done, total, pct,
		 rate, eta, errors);
	return buf;
}

/* No TTY: a log line at every tenth of the total and at least every PROGRESS_LINE_S, so an
 * unattended run's log shows it is alive and how far it got. */
#define PROGRESS_LINE_S 60.0

static void progress_line(size_t done, size_t total, size_t errors, double elapsed_s)
{
	int step = total ? (int)((double)done * 10.0 / (double)total) : 10;
	double t = now_wall();
	char buf[160];

	if (!g.lines_on) {
		g.lines_on = 1;
		g.line_step = 0;
		g.line_at = t;
	}
	if (step <= g.line_step && t - g.line_at < PROGRESS_LINE_S)
		return;
	g.line_step = step > g.line_step ? step : g.line_step;
	g.line_at = t;
	pl_log(LOG_INFO, "progress %s",
	       log_progress_format(buf, sizeof(buf), done, total, errors, elapsed_s));
}

void log_progress(size_t done, size_t total, size_t errors, double elapsed_s)
{
	FILE *f = progress_stream();
	double m;

	if (!f) {
		progress_line(done, total, errors, elapsed_s);
		return;
	}
	m = now_mono();
	if (g.progress_on && done < total && m - g.last_draw < 0.1)
		return;
	g.last_draw = m;
	log_progress_format(g.progress, sizeof(g.progress), done, total, errors, elapsed_s);
	fprintf(f, "\r\033[K%s", g.progress);
	fflush(f);
	g.progress_on = 1;
}

void log_progress_end(void)
{
	FILE *f = progress_stream();

	g.lines_on = 0;
	if (!g.progress_on)
		return;
	g.progress_on = 0;
	if (f) {
		fputc('\n', f);
		fflush(f);
	}
}

int log_to_file(void)
{
	return g.file != NULL;
}
