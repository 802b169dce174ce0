/* test_metrics.c: the Prometheus textfile: exact text for a small run, label escaping, atomic
 * write, and `promtool check metrics` (Debian package prometheus) accepting it; the test is
 * skipped, saying so, when promtool is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "metrics.h"

#include "fileio.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct metrics_row rows[] = {
	{ .vendor = "acme",
	  .model = "gpt-x",
	  .suite = "core",
	  .verdict = REPORT_CHANGED,
	  .changes = 2,
	  .checks_total = 40,
	  .checks_failed = 3,
	  .requests = 40,
	  .errors = 1,
	  .retries = 2,
	  .latency_sum_s = 18.5,
	  .latency_count = 40,
	  .latency_p50_s = 0.41,
	  .latency_p90_s = 0.9,
	  .latency_p99_s = 1.7 },
	{ .vendor = "we\"ird\\v\nendor",
	  .model = NULL,
	  .suite = "s",
	  .verdict = REPORT_INCOMPLETE,
	  .requests = 5,
	  .errors = 5,
	  .latency_p50_s = -1,
	  .latency_p90_s = -1,
	  .latency_p99_s = -1 },
};

static const struct metrics_run run = {
	.started = 1795737600, .finished = 1795737725, .exit_code = 1, .rows = rows, .n_rows = 2
};

static void test_render(void **state)
{
	struct sbuf out;

	(void)state;
	sbuf_init(&out);
	metrics_render(&run, &out);
	assert_non_null(strstr(out.buf, "# TYPE plumbline_last_run_timestamp_seconds gauge\n"
					"plumbline_last_run_timestamp_seconds 1795737725\n"));
	assert_non_null(strstr(out.buf, "plumbline_last_run_duration_seconds 125\n"));
	assert_non_null(strstr(out.buf, "plumbline_last_run_exit_code 1\n"));
	assert_non_null(strstr(out.buf, "plumbline_last_run_completed 1\n"));
	assert_non_null(strstr(out.buf, "plumbline_verdict{vendor=\"acme\",model=\"gpt-x\","
					"suite=\"core\",verdict=\"pass\"} 0\n"
					"plumbline_verdict{vendor=\"acme\",model=\"gpt-x\","
					"suite=\"core\",verdict=\"changed\"} 1\n"));
	assert_non_null(strstr(out.buf, "plumbline_changed_signals{vendor=\"acme\",model=\"gpt-x\","
					"suite=\"core\"} 2\n"));
	assert_non_null(strstr(out.buf, "plumbline_request_errors{vendor=\"acme\",model=\"gpt-x\","
					"suite=\"core\"} 1\n"));
	assert_non_null(strstr(out.buf, "# TYPE plumbline_request_latency_seconds summary\n"
					"plumbline_request_latency_seconds{vendor=\"acme\","
					"model=\"gpt-x\",suite=\"core\",quantile=\"0.5\"} "
					"0.410000\n"));
	assert_non_null(strstr(out.buf, "plumbline_request_latency_seconds_count{vendor=\"acme\","
					"model=\"gpt-x\",suite=\"core\"} 40\n"));
	/* The labels are the reports' verdict words, every one of them (no "ok", no
	 * "check_failures": a dashboard query reads like the report). */
	assert_non_null(strstr(out.buf, "suite=\"core\",verdict=\"checks_failed\"} 0\n"
					"plumbline_verdict{vendor=\"acme\",model=\"gpt-x\","
					"suite=\"core\",verdict=\"incomplete\"} 0\n"
					"plumbline_verdict{vendor=\"acme\",model=\"gpt-x\","
					"suite=\"core\",verdict=\"unstable\"} 0\n"));
	assert_null(strstr(out.buf, "verdict=\"ok\""));
	/* Escaped label values; unknown quantiles are left out. */
	assert_non_null(strstr(out.buf, "vendor=\"we\\\"ird\\\\v\\nendor\",model=\"\",suite=\"s\","
					"verdict=\"incomplete\"} 1\n"));
	assert_null(strstr(out.buf, "quantile=\"0.5\"} -1"));
	sbuf_release(&out);
}

static void test_empty_run(void **state)
{
	struct metrics_run r = { .started = 10, .finished = 5, .exit_code = 3 };
	struct sbuf out;

	(void)state;
	sbuf_init(&out);
	metrics_render(&r, &out);
	assert_non_null(strstr(out.buf, "plumbline_last_run_duration_seconds 0\n"));
	assert_non_null(strstr(out.buf, "plumbline_last_run_completed 0\n"));
	assert_null(strstr(out.buf, "plumbline_verdict"));
	sbuf_release(&out);
}

static int have_promtool(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("promtool", "promtool", "--version", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Runs `promtool check metrics < path`; returns its exit status; its output goes to out. */
static int promtool(const char *path, char *out, size_t len)
{
	int p[2], st;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		dup2(fd, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execlp("promtool", "promtool", "check", "metrics", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_promtool_accepts_file(void **state)
{
	char dir[] = "/tmp/pl_test_metrics_XXXXXX", path[128], out[4096];
	struct pl_err err = PL_ERR_INIT;
	char *text = NULL;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/textfile/plumbline.prom", dir);
	assert_int_equal(metrics_write(path, &run, &err), 0);
	assert_int_equal(fileio_read_all(path, 1 << 20, &text, NULL, &err), 0);
	assert_non_null(strstr(text, "plumbline_last_run_exit_code 1\n"));
	free(text);
	if (!have_promtool()) {
		unlink(path);
		print_message("SKIPPED: promtool not installed (apt-get install prometheus); "
			      "the file was not validated\n");
		skip();
	}
	rc = promtool(path, out, sizeof(out));
	if (rc != 0)
		fail_msg("promtool check metrics failed (%d):\n%s", rc, out);
	/* The check can fail: a broken file is rejected. */
	assert_int_equal(fileio_write_atomic(path, "plumbline_x{vendor=\"a} 1\n", 25, 0644, &err),
			 0);
	assert_int_not_equal(promtool(path, out, sizeof(out)), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/textfile", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_empty_run),
		cmocka_unit_test(test_promtool_accepts_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
