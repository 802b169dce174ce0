/* test_render_junit.c: JUnit XML: counts, escaping, determinism, and validity against Jenkins
 * xunit's junit-10.xsd (tests/fixtures/ci-schemas) with xmllint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *load(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/render/%s", PL_FIXTURES, name);
	return json_load_file(path, 0, NULL);
}

/* Runs xmllint --schema on file; returns its exit status, or -1 if xmllint is missing. */
static int xmllint(const char *file)
{
	char xsd[512];
	pid_t pid;
	int status;

	snprintf(xsd, sizeof(xsd), "%s/ci-schemas/jenkins-xunit-junit-10.xsd", PL_FIXTURES);
	pid = fork();
	if (pid == 0) {
		execlp("xmllint", "xmllint", "--noout", "--schema", xsd, file, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
}

static void test_valid(void **state)
{
	json_t *changed = load("report-changed.json"), *v1 = load("report-v1.json");
	json_t *clean = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:[{s:s,s:s}]}]}", "vendor", "v\"<&>",
				  "model", "m\xef\xbf\xbe\xef\xbf\xbf", "suite", "s", "verdict",
				  "no_change", "prompts", "id", "p1", "checks", "name",
				  "format json", "verdict", "pass");
	const json_t *reports[3];
	const char *names[3] = { "reports/2026-11-27/openai-prod-core.json", NULL,
				 "reports/2026-11-27/sim-core.json" };
	struct pl_err err = PL_ERR_INIT;
	struct sbuf a, b;
	char path[] = "/tmp/pl_test_junit.XXXXXX";
	int fd, rc;

	(void)state;
	assert_non_null(changed);
	reports[0] = changed;
	reports[1] = clean;
	reports[2] = v1;
	sbuf_init(&a);
	sbuf_init(&b);
	assert_int_equal(render_junit(reports, names, 3, &a, &err), 0);
	assert_int_equal(render_junit(reports, names, 3, &b, &err), 0);
	assert_string_equal(a.buf, b.buf);
	print_message("%s", a.buf);
	/* 1 decision + 5 checks, 1 decision + 1 check, 1 decision + 3 checks */
	assert_non_null(strstr(a.buf, "<testsuites name=\"plumbline\" tests=\"12\" failures=\"5\" "
				      "errors=\"1\">"));
	assert_non_null(strstr(a.buf, "<testsuite name=\"sim/sim-1/core\" tests=\"4\" "
				      "failures=\"2\""));
	assert_non_null(strstr(a.buf, "3 of 3 samples failed. score 0\n--- failed sample #0: not "
				      "valid "
				      "JSON: fenced code block ---\n```json"));
	assert_non_null(strstr(a.buf, "<failure type=\"behaviour_changed\""));
	/* U+FFFE and U+FFFF are not XML characters: U+FFFD in their place */
	assert_non_null(strstr(a.buf, "name=\"v&quot;&lt;&amp;&gt;/m\xef\xbf\xbd\xef\xbf\xbd/s\""));
	assert_non_null(strstr(a.buf, "<skipped message=\"no baseline yet\"/>"));
	assert_non_null(strstr(a.buf, "```json\n{&quot;capital&quot;"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, a.buf, a.len), (ssize_t)a.len);
	close(fd);
	rc = xmllint(path);
	if (rc < 0) {
		unlink(path);
		skip(); /* xmllint (libxml2-utils) is not installed */
	}
	assert_int_equal(rc, 0);
	/* and the schema check itself can fail: drop a required attribute */
	{
		const char *attr = " tests=\"6\"";
		char *at = strstr(a.buf, attr);
		struct sbuf broken;

		assert_non_null(at);
		sbuf_init(&broken);
		sbuf_add(&broken, a.buf, (size_t)(at - a.buf));
		sbuf_addstr(&broken, at + strlen(attr));
		assert_int_equal(fileio_write_atomic(path, broken.buf, broken.len, 0600, &err), 0);
		sbuf_release(&broken);
	}
	assert_int_not_equal(xmllint(path), 0);
	unlink(path);
	sbuf_release(&a);
	sbuf_release(&b);
	json_decref(changed);
	json_decref(clean);
	json_decref(v1);
}

/* A failed sample with no text is named as the Markdown names it ("(refused, no text)" when
 * the API flagged it, "(empty answer)" else), never an empty quote between the markers. */
static void test_empty_sample_named(void **state)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:[{s:s,s:s,s:[{s:i,s:s,s:s,s:b},"
			      "{s:i,s:s,s:s}]}]}]}",
			      "vendor", "v", "model", "m", "suite", "s", "verdict", "no_change",
			      "prompts", "id", "p1", "checks", "name", "length", "verdict", "fail",
			      "failed_samples", "sample", 0, "detail", "0 words, below 1", "text",
			      "", "refused", 1, "sample", 1, "detail", "0 words, below 1", "text",
			      "");
	const json_t *reports[1];
	struct pl_err err = PL_ERR_INIT;
	struct sbuf out;

	(void)state;
	assert_non_null(r);
	reports[0] = r;
	sbuf_init(&out);
	assert_int_equal(render_junit(reports, NULL, 1, &out, &err), 0);
	assert_non_null(strstr(out.buf,
			       "--- failed sample #0: 0 words, below 1 ---\n"
			       "(refused, no text)\n--- failed sample #1: 0 words, below 1 "
			       "---\n(empty answer)"));
	assert_string_equal(render_answer_text("", 1), "(refused, no text)");
	assert_string_equal(render_answer_text("", 0), "(empty answer)");
	assert_string_equal(render_answer_text(NULL, 0), "(no answer)");
	assert_string_equal(render_answer_text("Paris", 1), "Paris");
	sbuf_release(&out);
	json_decref(r);
}

/* Two checks of a prompt described alike get their ids in their names (CI could not tell a
 * passing one from a failing one); a check described alone keeps its plain name. */
static void test_names_unique(void **state)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,"
			      "s:s}]}]}",
			      "vendor", "v", "model", "m", "suite", "s", "verdict", "no_change",
			      "prompts", "id", "p1", "checks", "label", "contains_any 2 values",
			      "id", "P-any", "verdict", "pass", "label", "contains_any 2 values",
			      "id", "F-any", "verdict", "fail", "label", "format json", "id",
			      "json#2", "verdict", "pass");
	const json_t *reports[1] = { r };
	const char *names[1] = { "reports/2026-11-27/v-s.json" };
	struct pl_err err = PL_ERR_INIT;
	struct sbuf a;

	(void)state;
	sbuf_init(&a);
	assert_int_equal(render_junit(reports, names, 1, &a, &err), 0);
	assert_non_null(strstr(a.buf, "name=\"p1: contains_any 2 values [P-any]\""));
	assert_non_null(strstr(a.buf, "name=\"p1: contains_any 2 values [F-any]\""));
	assert_non_null(strstr(a.buf, "name=\"p1: format json\""));
	sbuf_release(&a);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_empty_sample_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
