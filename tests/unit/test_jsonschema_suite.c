/* test_jsonschema_suite.c: runs the official JSON Schema Test Suite (draft2020-12 and draft7,
 * not optional/) against jsonschema.c, prints pass counts per keyword file and per draft, and
 * fails when a draft falls below its floor, a test fails that is not in the known-failures
 * file, or a schema of those tests gets a typo warning (jsonschema_typos). Remote references to
 * http://localhost:1234/ are served from the copied remotes/. */
#include "jsonschema.h"
#include "sbuf.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SUITE_DIR  PL_FIXTURES "/json-schema-test-suite"
#define KNOWN_FILE PL_SOURCE_DIR "/tests/jsonschema/known_failures.txt"
#define FLOOR_FILE PL_SOURCE_DIR "/tests/jsonschema/floor.txt"
#define REMOTE	   "http://localhost:1234/"

#define META_DIR PL_FIXTURES "/json-schema-metaschemas"

static const struct {
	const char *prefix, *dir, *suffix;
} remotes[] = {
	{ REMOTE, SUITE_DIR "/remotes/", "" },
	{ "https://json-schema.org/draft/2020-12/", META_DIR "/draft2020-12/", ".json" },
	{ "http://json-schema.org/draft-07/", META_DIR "/draft-07", ".json" },
};

static json_t *load_remote(void *ctx, const char *uri, struct pl_err *err)
{
	char path[1024];
	json_error_t je;
	json_t *doc;
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(remotes) / sizeof(remotes[0]); i++)
		if (!strncmp(uri, remotes[i].prefix, strlen(remotes[i].prefix)))
			break;
	if (i == sizeof(remotes) / sizeof(remotes[0]))
		return pl_err_set(err, PL_E_INPUT, NULL, "no remote \"%s\"", uri), NULL;
	if (i == 2) /* only the draft-07 meta-schema itself */
		snprintf(path, sizeof(path), "%s%s", remotes[i].dir, remotes[i].suffix);
	else
		snprintf(path, sizeof(path), "%s%s%s", remotes[i].dir,
			 uri + strlen(remotes[i].prefix), remotes[i].suffix);
	doc = json_load_file(path, JSON_ALLOW_NUL, &je);
	if (!doc)
		pl_err_set(err, PL_E_INPUT, NULL, "cannot read %s: %s", path, je.text);
	return doc;
}

/* Likely misspellings jsonschema_typos reports in the suite's schemas: the test schemas are
 * spelled right (an unknown keyword there is meant to be ignored), so each is a false
 * warning `plumbline check` would print; there must be none. */
static size_t false_typos;

static void count_typo(void *ctx, const char *pointer, const char *key, const char *keyword)
{
	const char *where = ctx;

	false_typos++;
	printf("FALSE TYPO WARNING: %s: %s: \"%s\" (did you mean \"%s\"?)\n", where, pointer, key,
	       keyword);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Known failures: "draft/file.json | case | test | reason" lines. */
static json_t *known;	  /* key "draft/file | case | test" -> reason */
static json_t *seen;	  /* keys of known failures that did fail */
static size_t unexpected; /* failures not listed */

static void load_known(void)
{
	FILE *f = fopen(KNOWN_FILE, "r");
	char line[2048];

	known = json_object();
	seen = json_object();
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *last;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		last = strstr(line, " | ");
		if (last)
			last = strstr(last + 3, " | ");
		if (last)
			last = strstr(last + 3, " | ");
		if (!last)
			continue;
		*last = '\0';
		json_object_set_new(known, line, json_string(last + 3));
	}
	fclose(f);
}

static long floor_of(const char *draft)
{
	FILE *f = fopen(FLOOR_FILE, "r");
	char name[64];
	long n, found = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%63s %ld", name, &n) == 2)
		if (!strcmp(name, draft))
			found = n;
	fclose(f);
	return found;
}

static void record_failure(const char *draft, const char *file, const char *cdesc,
			   const char *tdesc, const char *why)
{
	struct sbuf key;

	sbuf_init(&key);
	sbuf_addf(&key, "%s/%s | %s | %s", draft, file, cdesc, tdesc);
	if (json_object_get(known, key.buf)) {
		json_object_set_new(seen, key.buf, json_true());
	} else {
		unexpected++;
		printf("UNEXPECTED FAIL: %s | %s\n", key.buf, why);
	}
	sbuf_release(&key);
}

/* informational: optional/ tests are counted and printed, never gating. */
static void run_file(const char *draft, const char *file, int informational, size_t *pass,
		     size_t *total)
{
	char path[1024];
	json_error_t je;
	json_t *cases, *c, *t;
	size_t i, j, fpass = 0, ftotal = 0;

	snprintf(path, sizeof(path), "%s/tests/%s/%s", SUITE_DIR, draft, file);
	cases = json_load_file(path, JSON_ALLOW_NUL, &je);
	if (!cases && informational) { /* e.g. bignum.json: beyond jansson's integers */
		printf("  %-34s (not loadable: %s)\n", file, je.text);
		return;
	}
	if (!cases)
		fail_msg("%s: %s", path, je.text);
	json_array_foreach(cases, i, c)
	{
		struct jsonschema_opts opts = { 0 };
		struct pl_err err = PL_ERR_INIT;
		struct jsonschema *js;
		const char *cdesc = json_string_value(json_object_get(c, "description"));

		opts.draft = strcmp(draft, "draft7") ? JSONSCHEMA_DRAFT_2020_12
						     : JSONSCHEMA_DRAFT_7;
		opts.load = load_remote;
		opts.format_assert = informational && !strncmp(file, "optional/format", 15);
		js = jsonschema_compile(json_object_get(c, "schema"), &opts, &err);
		if (!informational) {
			char where[512];

			snprintf(where, sizeof(where), "%s/%s | %s", draft, file, cdesc);
			jsonschema_typos(json_object_get(c, "schema"), &opts, count_typo, where);
		}
		json_array_foreach(json_object_get(c, "tests"), j, t)
		{
			const char *tdesc = json_string_value(json_object_get(t, "description"));
			int want = json_is_true(json_object_get(t, "valid"));
			struct jsonschema_result res;
			int got, fast;
			char why[1700];

			ftotal++;
			if (!js) {
				snprintf(why, sizeof(why), "compile: %s: %s", err.where, err.msg);
				if (!informational)
					record_failure(draft, file, cdesc, tdesc, why);
				continue;
			}
			got = jsonschema_validate(js, json_object_get(t, "data"), &res);
			fast = jsonschema_validate(js, json_object_get(t, "data"), NULL);
			/* The first-failure path must agree with the all-errors path, and an
			 * invalid verdict always carries a reason. */
			assert_int_equal(got, fast);
			assert_int_equal(got, res.valid);
			if (!got)
				assert_true(res.n_errors > 0);
			if (got == want) {
				fpass++;
				continue;
			}
			snprintf(why, sizeof(why), "expected %s, got %s%s%s",
				 want ? "valid" : "invalid", got ? "valid" : "invalid",
				 got ? "" : ": ", got ? "" : res.errors[0].msg);
			if (!informational)
				record_failure(draft, file, cdesc, tdesc, why);
			else if (getenv("PL_SUITE_VERBOSE"))
				printf("    optional fail: %s | %s | %s\n", cdesc, tdesc, why);
		}
		jsonschema_free(js);
	}
	json_decref(cases);
	printf("  %-34s %4zu / %4zu\n", file, fpass, ftotal);
	*pass += fpass;
	*total += ftotal;
}

static void run_draft(const char *draft)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i, pass = 0, total = 0;
	long floor_n = floor_of(draft);

	snprintf(dir, sizeof(dir), "%s/tests/%s", SUITE_DIR, draft);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 5 && !strcmp(e->d_name + len - 5, ".json")) {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	printf("%s:\n", draft);
	for (i = 0; i < n; i++) {
		run_file(draft, names[i], 0, &pass, &total);
		free(names[i]);
	}
	free(names);
	printf("%s total: %zu / %zu passed (%.2f%%), floor %ld\n", draft, pass, total,
	       100.0 * (double)pass / (double)total, floor_n);
	assert_true(total > 0);
	assert_true((long)pass >= floor_n);
}

/* Prints the optional/ counts (formats with format assertion on) for information. */
static void run_optional(const char *draft)
{
	static const char *const files[] = {
		"optional/ecmascript-regex.json", "optional/non-bmp-regex.json",
		"optional/float-overflow.json",	  "optional/format/date-time.json",
		"optional/format/date.json",	  "optional/format/time.json",
		"optional/format/email.json",	  "optional/format/hostname.json",
		"optional/format/ipv4.json",	  "optional/format/ipv6.json",
		"optional/format/uuid.json",	  "optional/format/uri.json",
	};
	char path[1024];
	size_t i, pass = 0, total = 0;

	printf("%s optional (informational, not gating):\n", draft);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/tests/%s/%s", SUITE_DIR, draft, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		fclose(f);
		run_file(draft, files[i], 1, &pass, &total);
	}
	printf("%s optional total: %zu / %zu\n", draft, pass, total);
}

static void test_optional(void **state)
{
	(void)state;
	run_optional("draft2020-12");
	run_optional("draft7");
}

static void test_draft2020_12(void **state)
{
	(void)state;
	run_draft("draft2020-12");
}

static void test_draft7(void **state)
{
	(void)state;
	run_draft("draft7");
}

static void test_known_failures_listed(void **state)
{
	const char *key;
	json_t *v;

	(void)state;
	json_object_foreach(known, key, v)
	{
		if (!json_object_get(seen, key))
			printf("note: known failure now passes (remove it): %s\n", key);
	}
	assert_int_equal(unexpected, 0);
}

/* No schema of the official suite (draft2020-12 and draft7, run above) gets a "did you mean"
 * warning: the typo check says nothing of correct schemas. */
static void test_no_false_typos(void **state)
{
	(void)state;
	printf("typo warnings on the official suite's schemas: %zu\n", false_typos);
	assert_int_equal(false_typos, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft2020_12),
		cmocka_unit_test(test_draft7),
		cmocka_unit_test(test_known_failures_listed),
		cmocka_unit_test(test_no_false_typos),
		cmocka_unit_test(test_optional),
	};
	int rc;

	load_known();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	json_decref(known);
	json_decref(seen);
	return rc;
}
