/* test_log.c: log line format, levels, colour rules (NO_COLOR, TTY) and the progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "log.h"

#include "fileio.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2026-11-27T09:38:03.250Z */
#define FIXED_NOW 1795772283.25

static char *slurp(FILE *f)
{
	long n;
	char *buf;

	fflush(f);
	n = ftell(f);
	buf = calloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	return buf;
}

static void test_line_format_and_levels(void **state)
{
	FILE *f = tmpfile();
	char *out;

	(void)state;
	assert_non_null(f);
	log_set_stream(f, 0, FIXED_NOW);
	log_info("run %s started", "nightly");
	log_debug("not shown at the default level");
	log_warn("vendor \"%s\" is slow", "acme");
	log_error("cannot write %d files", 2);
	out = slurp(f);
	assert_string_equal(out, "2026-11-27T09:38:03.250Z INFO  run nightly started\n"
				 "2026-11-27T09:38:03.250Z WARN  vendor \"acme\" is slow\n"
				 "2026-11-27T09:38:03.250Z ERROR cannot write 2 files\n");
	free(out);
	fclose(f);
	log_set_stream(NULL, 0, 0);
}

static void test_level_parse(void **state)
{
	enum log_level l = LOG_INFO;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_DEBUG);
	assert_int_equal(log_level_parse("warning", &l), 0);
	assert_int_equal(l, LOG_WARN);
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, LOG_ERROR);
	assert_int_equal(log_level_parse("loud", &l), -1);
	assert_int_equal(log_level_parse(NULL, &l), -1);
	assert_string_equal(log_level_name(LOG_WARN), "warn");
}

static void test_level_filter_from_file(void **state)
{
	char path[] = "/tmp/pl_test_log_XXXXXX";
	struct log_opts o = LOG_OPTS_INIT;
	struct pl_err err = PL_ERR_INIT;
	char *text = NULL;
	regex_t re;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	o.file = path;
	o.level = LOG_WARN;
	o.color = LOG_COLOR_ALWAYS; /* a file is no TTY, but ALWAYS forces it */
	setenv("NO_COLOR", "1", 1); /* ... and NO_COLOR wins over ALWAYS */
	assert_int_equal(log_open(&o, &err), 0);
	log_info("hidden");
	log_warn("shown %d", 1);
	log_close();
	unsetenv("NO_COLOR");
	assert_int_equal(fileio_read_all(path, 4096, &text, NULL, &err), 0);
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}"
				 "Z "
				 "WARN  shown 1\n$",
				 REG_EXTENDED),
			 0);
	assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	free(text);
	unlink(path);
}

static void test_open_failure_names_file(void **state)
{
	struct log_opts o = LOG_OPTS_INIT;
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	o.file = "/nonexistent-dir/plumbline.log";
	/* the reason is open()'s, not the ENOTTY the colour test's isatty() leaves in errno
	 * when stderr is no terminal ("Inappropriate ioctl for device") */
	o.color = LOG_COLOR_AUTO;
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_int_equal(log_open(&o, &err), -1);
	assert_int_equal(err.code, PL_E_IO);
	assert_string_equal(err.msg, "cannot write log file /nonexistent-dir/plumbline.log: No "
				     "such file or directory");
	log_close();
}

static void test_color_rules(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_int_equal(log_use_color(p[1], LOG_COLOR_AUTO), 0); /* a pipe is no TTY */
	assert_int_equal(log_use_color(p[1], LOG_COLOR_ALWAYS), 1);
	assert_int_equal(log_use_color(p[1], LOG_COLOR_NEVER), 0);
	setenv("NO_COLOR", "", 1); /* empty: not set, per no-color.org */
	assert_int_equal(log_use_color(p[1], LOG_COLOR_ALWAYS), 1);
	setenv("NO_COLOR", "yes", 1);
	assert_int_equal(log_use_color(p[1], LOG_COLOR_ALWAYS), 0);
	unsetenv("NO_COLOR");
	close(p[0]);
	close(p[1]);
}

static void test_progress_format(void **state)
{
	char buf[160];

	(void)state;
	assert_string_equal(log_progress_format(buf, sizeof(buf), 0, 400, 0, 0.0), "[  0/400]   0% "
										   " 0.0 req/s  "
										   "ETA --  errors "
										   "0");
	assert_string_equal(log_progress_format(buf, sizeof(buf), 120, 400, 3, 30.0), "[120/400]  "
										      "30%  4.0 "
										      "req/s  ETA "
										      "1m10s  "
										      "errors 3");
	assert_string_equal(log_progress_format(buf, sizeof(buf), 10, 40000, 0, 1.0), "[   "
										      "10/40000]   "
										      "0%  10.0 "
										      "req/s  ETA "
										      "1h06m  "
										      "errors 0");
	assert_string_equal(log_progress_format(buf, sizeof(buf), 7, 7, 1, 2.0), "[7/7] 100%  3.5 "
										 "req/s  ETA 0s  "
										 "errors 1");
}

/* No TTY (cron): no drawn line, no escape codes, but a log line at every tenth of the run
 * and at least every 60 s. */
static void test_progress_lines_without_tty(void **state)
{
	FILE *f = tmpfile();
	char *out;

	(void)state;
	log_set_stream(f, 0, FIXED_NOW);
	log_progress(0, 40, 0, 0.0);  /* the start: nothing yet */
	log_progress(3, 40, 0, 1.0);  /* under 10% */
	log_progress(4, 40, 0, 2.0);  /* 10% */
	log_progress(5, 40, 0, 2.5);  /* same tenth */
	log_progress(13, 40, 1, 4.0); /* 32%: one line, not one per tenth passed */
	log_info("plain");
	log_set_stream(f, 0, FIXED_NOW + 59.0);
	log_progress(14, 40, 1, 63.0); /* same tenth, 59 s after the last line: nothing */
	log_set_stream(f, 0, FIXED_NOW + 61.0);
	log_progress(14, 40, 1, 65.0); /* 61 s: a line */
	log_progress(40, 40, 1, 70.0); /* the end */
	log_progress_end();
	log_progress(1, 4, 0, 1.0); /* a new run starts counting again */
	log_progress_end();
	out = slurp(f);
	assert_string_equal(out, "2026-11-27T09:38:03.250Z INFO  progress [ 4/40]  10%  2.0 req/s  "
				 "ETA 18s  errors 0\n"
				 "2026-11-27T09:38:03.250Z INFO  progress [13/40]  32%  3.2 req/s  "
				 "ETA 8s  errors 1\n"
				 "2026-11-27T09:38:03.250Z INFO  plain\n"
				 "2026-11-27T09:39:04.250Z INFO  progress [14/40]  35%  0.2 req/s  "
				 "ETA 2m01s  errors 1\n"
				 "2026-11-27T09:39:04.250Z INFO  progress [40/40] 100%  0.6 req/s  "
				 "ETA 0s  errors 1\n"
				 "2026-11-27T09:39:04.250Z INFO  progress [1/4]  25%  1.0 req/s  "
				 "ETA 3s  errors 0\n");
	free(out);
	fclose(f);
	log_set_stream(NULL, 0, 0);
}

static void test_progress_redrawn_around_log_lines(void **state)
{
	FILE *f = tmpfile();
	char *out;

	(void)state;
	log_set_stream(f, 1, FIXED_NOW);
	log_progress(1, 4, 0, 1.0);
	log_info("retrying");
	log_progress(4, 4, 1, 2.0); /* done == total always draws */
	log_progress_end();
	out = slurp(f);
	assert_string_equal(out, "\r\033[K[1/4]  25%  1.0 req/s  ETA 3s  errors 0"
				 "\r\033[K2026-11-27T09:38:03.250Z INFO  retrying\n"
				 "[1/4]  25%  1.0 req/s  ETA 3s  errors 0"
				 "\r\033[K[4/4] 100%  2.0 req/s  ETA 0s  errors 1\n");
	free(out);
	fclose(f);
	log_set_stream(NULL, 0, 0);
}

static int parse_section(const char *text, struct log_opts *o, struct pl_err *err)
{
	struct jsonloc loc = { "cfg.json", text, strlen(text) };
	json_t *root = json_parse_text(&loc, err);
	int rc;

	assert_non_null(root);
	rc = log_opts_parse(&loc, "/logging", json_object_get(root, "logging"), o, err);
	json_decref(root);
	return rc;
}

static void test_opts_parse(void **state)
{
	struct log_opts o = LOG_OPTS_INIT;
	struct pl_err err = PL_ERR_INIT;
	char buf[1600];

	(void)state;
	assert_int_equal(parse_section("{\"logging\": {\"file\": \"/var/log/pl.log\", "
				       "\"level\": \"warn\", \"color\": \"never\", "
				       "\"metrics_file\": \"/m/pl.prom\"}}",
				       &o, &err),
			 0);
	assert_string_equal(o.file, "/var/log/pl.log");
	assert_string_equal(o.metrics_file, "/m/pl.prom");
	assert_int_equal(o.level, LOG_WARN);
	assert_int_equal(o.color, LOG_COLOR_NEVER);
	log_opts_release(&o);

	assert_int_equal(parse_section("{\"logging\": {\n  \"levle\": \"warn\"}}", &o, &err), -1);
	assert_int_equal(err.code, PL_E_INPUT);
	assert_string_equal(pl_err_str(&err, buf, sizeof(buf)), "cfg.json:2:12: logging.levle: "
								"unknown key \"levle\" (expected "
								"one of: "
								"file, level, color, "
								"metrics_file)");
	pl_err_init(&err);
	assert_int_equal(parse_section("{\"logging\": {\"level\": \"loud\"}}", &o, &err), -1);
	assert_non_null(strstr(pl_err_str(&err, buf, sizeof(buf)), "logging.level: unknown level "
								   "\"loud\" (expected debug, "
								   "info, warn or error)"));
	assert_null(o.file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format_and_levels),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_level_filter_from_file),
		cmocka_unit_test(test_open_failure_names_file),
		cmocka_unit_test(test_color_rules),
		cmocka_unit_test(test_progress_format),
		cmocka_unit_test(test_progress_lines_without_tty),
		cmocka_unit_test(test_progress_redrawn_around_log_lines),
		cmocka_unit_test(test_opts_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
