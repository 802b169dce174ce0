/* test_history.c: the nightly history file: append, load, torn lines, safe paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fileio.h"
#include "history.h"
#include "testutil.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_append_load(void **state)
{
	char dir[] = "/tmp/pl_test_history_XXXXXX", path[256], sub[256];
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *r;
	size_t skipped = 9;
	char *text = NULL;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a", dir);
	snprintf(path, sizeof(path), "%s/a/h.jsonl", dir);
	/* a missing file is an empty history */
	assert_int_equal(history_load(path, &recs, &skipped, &err), 0);
	assert_int_equal(json_array_size(recs), 0);
	assert_int_equal(skipped, 0);
	json_decref(recs);

	r = json_pack("{s:s,s:f,s:s}", "night", "n1", "stat", 0.25, "epoch", "e1");
	assert_int_equal(history_append(path, r, &err), 0); /* creates the directory */
	json_decref(r);
	r = json_pack("{s:s,s:f}", "night", "n2", "stat", 0.5);
	assert_int_equal(history_append(path, r, &err), 0);
	json_decref(r);
	assert_int_equal(fileio_read_all(path, 1 << 20, &text, &len, &err), 0);
	/* compact lines with sorted keys */
	assert_string_equal(text, "{\"epoch\":\"e1\",\"night\":\"n1\",\"stat\":0.25}\n"
				  "{\"night\":\"n2\",\"stat\":0.5}\n");
	free(text);

	/* a crash leaves a torn line: it is skipped, and the next append starts a new line */
	assert_int_equal(fileio_append(path, "{\"night\":\"n3\",\"st", 17, 0644, &err), 0);
	assert_int_equal(history_load(path, &recs, &skipped, &err), 0);
	assert_int_equal(json_array_size(recs), 2);
	assert_int_equal(skipped, 1);
	json_decref(recs);
	r = json_pack("{s:s}", "night", "n4");
	assert_int_equal(history_append(path, r, &err), 0);
	json_decref(r);
	assert_int_equal(history_load(path, &recs, &skipped, &err), 0);
	assert_int_equal(json_array_size(recs), 3);
	assert_int_equal(skipped, 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 2), "night")),
			    "n4");
	json_decref(recs);

	/* not an object: refused */
	r = json_array();
	assert_int_equal(history_append(path, r, &err), -1);
	json_decref(r);

	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* A night run again: its line is replaced where it stood (one line a night), every other
 * line kept byte for byte, torn lines dropped; a night the history lacks goes at the end. */
static void test_replace_night(void **state)
{
	char dir[] = "/tmp/pl_test_history_XXXXXX", path[256];
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *r;
	char *text = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.jsonl", dir);
	assert_int_equal(
		fileio_append(path,
			      "{\"night\":\"n1\", \"x\": 1}\n{\"night\":\"n2\",\"x\":2}\n"
			      "{\"torn\n{\"night\":\"n2\",\"x\":3}\n{\"night\":\"n3\",\"x\":4}\n",
			      93, 0644, &err),
		0);
	r = json_pack("{s:s,s:i}", "night", "n2", "x", 9);
	assert_int_equal(history_replace_night(path, "n2", r, &err), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "{\"night\":\"n1\", \"x\": 1}\n{\"night\":\"n2\",\"x\":9}\n"
				  "{\"night\":\"n3\",\"x\":4}\n");
	free(text);
	json_object_set_new(r, "night", json_string("n4"));
	assert_int_equal(history_replace_night(path, "n4", r, &err), 0);
	assert_int_equal(history_load(path, &recs, NULL, &err), 0);
	assert_int_equal(json_array_size(recs), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 3), "night")),
			    "n4");
	/* the nights of a name leave a loaded history */
	assert_int_equal(history_drop_night(recs, "n2"), 1);
	assert_int_equal(history_drop_night(recs, "n9"), 0);
	assert_int_equal(json_array_size(recs), 3);
	json_decref(recs);
	json_decref(r);
	unlink(path);
	rmdir(dir);
}

/* A backfilled night (one earlier than the history's latest) takes its place in night order,
 * whether the history had its line (replaced there) or not (put before the first later
 * night); the nights of a later date leave a loaded history (history_drop_after). */
static void test_backfill_night(void **state)
{
	char dir[] = "/tmp/pl_test_history_XXXXXX", path[256];
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *r;
	char *text = NULL;
	static const char lines[] = "{\"night\":\"2026-03-01\"}\n{\"night\":\"2026-03-02\"}\n"
				    "{\"night\":\"2026-03-04\"}\n{\"night\":\"2026-03-05\"}\n";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.jsonl", dir);
	assert_int_equal(fileio_append(path, lines, strlen(lines), 0644, &err), 0);
	r = json_pack("{s:s,s:i}", "night", "2026-03-03", "x", 1);
	assert_int_equal(history_replace_night(path, "2026-03-03", r, &err), 0);
	json_object_set_new(r, "night", json_string("2026-03-02"));
	assert_int_equal(history_replace_night(path, "2026-03-02", r, &err), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "{\"night\":\"2026-03-01\"}\n{\"night\":\"2026-03-02\",\"x\":1}\n"
				  "{\"night\":\"2026-03-03\",\"x\":1}\n{\"night\":\"2026-03-04\"}\n"
				  "{\"night\":\"2026-03-05\"}\n");
	free(text);
	assert_int_equal(history_load(path, &recs, NULL, &err), 0);
	assert_int_equal(history_drop_after(recs, "2026-03-06"), 0);
	assert_int_equal(history_drop_after(recs, "2026-03-03"), 2);
	assert_int_equal(json_array_size(recs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 2), "night")),
			    "2026-03-03");
	/* nights named otherwise than by a date have no order */
	assert_int_equal(history_drop_after(recs, "night-001"), 0);
	json_decref(recs);
	json_decref(r);
	unlink(path);
	rmdir(dir);
}

static void test_unreadable(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL;

	(void)state;
	/* a directory where the file should be */
	assert_int_equal(history_load("/tmp", &recs, NULL, &err), -1);
	assert_null(recs);
	assert_true(pl_err_isset(&err));
}

/* Nights of a large suite: lines far longer than any read buffer load whole, one at a time;
 * the per-prompt answer sketch stays in the file but is not loaded. */
static void test_long_lines_without_sketch(void **state)
{
	char dir[] = "/tmp/pl_test_history_XXXXXX", path[256];
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *rec, *sketch;
	size_t i, k, skipped = 9;
	char id[32];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.jsonl", dir);
	for (k = 0; k < 3; k++) {
		sketch = json_object();
		for (i = 0; i < 5000; i++) {
			snprintf(id, sizeof(id), "prompt-%05zu", i);
			json_object_set_new(sketch, id,
					    json_pack("{s:s,s:f,s:i}", "mode", "0123456789abcdef",
						      "share", 0.5, "len", (int)i));
		}
		rec = json_pack("{s:s,s:f,s:o,s:{s:[s]}}", "night", k == 0 ? "n1" : "n2", "stat",
				0.25 + (double)k, "sketch", sketch, "hard", "models", "m-1");
		assert_int_equal(history_append(path, rec, &err), 0);
		json_decref(rec);
	}
	assert_int_equal(history_load(path, &recs, &skipped, &err), 0);
	assert_int_equal(json_array_size(recs), 3);
	assert_int_equal(skipped, 0);
	for (k = 0; k < 3; k++) {
		rec = json_array_get(recs, k);
		assert_null(json_object_get(rec, "sketch"));
		assert_true(json_real_value(json_object_get(rec, "stat")) == 0.25 + (double)k);
		assert_string_equal(
			json_string_value(json_array_get(
				json_object_get(json_object_get(rec, "hard"), "models"), 0)),
			"m-1");
	}
	json_decref(recs);
	unlink(path);
	rmdir(dir);
}

static void test_path(void **state)
{
	struct sbuf sb;

	(void)state;
	sbuf_init(&sb);
	history_path(&sb, "/var/lib/pl", "openai-prod", "gpt-4o-2024-08-06", "core");
	assert_string_equal(sb.buf, "/var/lib/pl/history/openai-prod/gpt-4o-2024-08-06/core.jsonl");
	/* names cannot leave the directory */
	history_path(&sb, "s", "../etc", "a/b", ".hidden");
	assert_string_equal(sb.buf, "s/history/_._etc/a_b/_hidden.jsonl");
	history_path(&sb, NULL, "", "m", "x y");
	assert_string_equal(sb.buf, ".plumbline/history/_/m/x_y.jsonl");
	sbuf_release(&sb);
}

/* The epoch registry: a history written before registries existed still loads (its epochs,
 * dated and with their latest hard signals, the baseline e1); a saved registry loads back;
 * one that is not a registry is an error naming the file. */
static void test_epochs(void **state)
{
	char dir[] = "/tmp/pl_test_history_XXXXXX", path[256], reg_path[300];
	static const char *const lines[] = {
		"{\"night\":\"d1\",\"epoch\":\"e1\",\"stat\":0.1,\"hard\":{\"models\":[\"a\"]}}",
		"{\"night\":\"d2\",\"epoch\":\"e2\",\"stat\":0.5,\"hard\":{\"models\":[\"b\"]}}",
		"{\"night\":\"d3\",\"epoch\":\"e1\",\"stat\":0.1,\"hard\":{\"models\":[\"c\"]}}",
	};
	struct pl_err err = PL_ERR_INIT;
	json_t *recs = NULL, *reg = NULL, *again = NULL, *e;
	struct sbuf sb;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/core.jsonl", dir);
	sbuf_init(&sb);
	history_epochs_path(&sb, path);
	snprintf(reg_path, sizeof(reg_path), "%s", sb.buf);
	assert_string_equal(reg_path + strlen(dir), "/core.epochs.json");
	/* nothing known yet */
	assert_int_equal(history_load(path, &recs, NULL, &err), 0);
	assert_int_equal(history_epochs_load(path, recs, &reg, &err), 0);
	assert_int_equal(json_array_size(json_object_get(reg, "epochs")), 0);
	assert_null(json_object_get(reg, "baseline"));
	json_decref(reg);
	json_decref(recs);
	for (i = 0; i < 3; i++) {
		json_t *r = json_loads(lines[i], 0, NULL);

		assert_int_equal(history_append(path, r, &err), 0);
		json_decref(r);
	}
	assert_int_equal(history_load(path, &recs, NULL, &err), 0);
	assert_int_equal(history_epochs_load(path, recs, &reg, &err), 0);
	assert_string_equal(json_string_value(json_object_get(reg, "baseline")), "e1");
	assert_int_equal(json_array_size(json_object_get(reg, "epochs")), 2);
	e = history_epochs_find(reg, "e1");
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "since")), "d1");
	assert_string_equal(json_string_value(json_object_get(e, "last")), "d3");
	assert_int_equal(json_integer_value(json_object_get(e, "nights")), 2);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(e, "hard"), "models"), 0)),
			    "c");
	e = history_epochs_find(reg, "e2");
	assert_string_equal(json_string_value(json_object_get(e, "since")), "d2");
	assert_null(history_epochs_find(reg, "e3"));
	/* saved, it is read back as it was, whatever the history says now */
	json_object_set_new(reg, "baseline", json_string("e2"));
	assert_int_equal(history_epochs_save(path, reg, &err), 0);
	unlink(path);
	assert_int_equal(history_epochs_load(path, NULL, &again, &err), 0);
	assert_true(json_equal(reg, again));
	json_decref(again);
	/* not a registry */
	assert_int_equal(fileio_write_atomic(reg_path, "{\"epochs\": 3}", 13, 0644, &err), 0);
	assert_int_equal(history_epochs_load(path, NULL, &again, &err), -1);
	assert_null(again);
	assert_int_equal(err.code, PL_E_INPUT);
	assert_non_null(strstr(err.where, "core.epochs.json"));
	sbuf_release(&sb);
	json_decref(reg);
	json_decref(recs);
	unlink(reg_path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_load),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_replace_night),
		cmocka_unit_test(test_backfill_night),
		cmocka_unit_test(test_long_lines_without_sketch),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_epochs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
