/* test_jsonpos.c: JSON Pointer positions and the FILE:LINE:COL: field format. */
#include "testutil.h"
#include "jsonpos.h"

#include <string.h>

static const char doc[] = "{\n"
			  "  \"vendors\": [\n"
			  "    {\"id\": \"a\"},\n"
			  "    {\"id\": \"b\", \"x/y\": {\"k~\": 7}}\n"
			  "  ],\n"
			  "  \"s\": \"q\\\"uote]\"\n"
			  "}\n";

static void test_find(void **state)
{
	static const struct {
		const char *ptr;
		int line, col;
	} cases[] = {
		{ "", 1, 1 },
		{ "/vendors", 2, 14 },
		{ "/vendors/0", 3, 5 },
		{ "/vendors/1/id", 4, 12 },
		{ "/vendors/1/x~1y/k~0", 4, 31 },
		{ "/vendors/1/missing", 4, 5 }, /* deepest enclosing value */
		{ "/vendors/9", 2, 14 },
		{ "/s", 6, 8 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int line = 0, col = 0;

		assert_int_equal(jsonpos_find(doc, strlen(doc), cases[i].ptr, &line, &col), 0);
		if (line != cases[i].line || col != cases[i].col)
			fail_msg("%s: got %d:%d, want %d:%d", cases[i].ptr, line, col,
				 cases[i].line, cases[i].col);
	}
}

static void test_where(void **state)
{
	char buf[256], ptr[128] = "";

	(void)state;
	jsonpos_push_key(ptr, sizeof(ptr), "vendors");
	jsonpos_push_index(ptr, sizeof(ptr), 1);
	jsonpos_push_key(ptr, sizeof(ptr), "id");
	assert_string_equal(ptr, "/vendors/1/id");
	jsonpos_where(buf, sizeof(buf), "c.json", doc, strlen(doc), ptr);
	assert_string_equal(buf, "c.json:4:12: vendors[1].id");
	jsonpos_where(buf, sizeof(buf), "c.json", NULL, 0, ptr);
	assert_string_equal(buf, "c.json: vendors[1].id");
	ptr[0] = '\0';
	jsonpos_push_key(ptr, sizeof(ptr), "a/b~c");
	assert_string_equal(ptr, "/a~1b~0c");
}

static void test_not_json(void **state)
{
	int line, col;

	(void)state;
	assert_int_equal(jsonpos_find("{\"a\": [1, 2", 11, "/a/5", &line, &col), 0);
	assert_int_equal(jsonpos_find("{\"a\": \"unterminated", 19, "/a/b", &line, &col), 0);
}

/* A position index (a YAML file's) answers with the positions it recorded; an entry that is
 * not "LINE:COL" with both from 1 (a damaged index) is no position, and the lookup falls back
 * to the deepest ancestor recorded, as for a pointer the index lacks. */
static void test_index_positions(void **state)
{
	static const char idx[] = "\0jsonpos-index\0"
				  "\0"
				  "2:1\0"
				  "/a\0"
				  "7:5\0"
				  "/a/b\0"
				  "0:3\0"
				  "/a/c\0"
				  "99999999999:1\0"
				  "/a/d\0"
				  "-4:2\0"
				  "/a/e\0"
				  "3:4x\0"
				  "/a/f\0"
				  "12:9";
	/* damaged entries, and the last one without its NUL (the text ends there: not read past) */
	static const char *const damaged[] = { "/a/b", "/a/c", "/a/d", "/a/e", "/a/f" };
	int line = 0, col = 0;
	size_t i;

	(void)state;
	assert_true(jsonpos_is_index(idx, sizeof(idx) - 1));
	assert_int_equal(jsonpos_find(idx, sizeof(idx) - 1, "/a", &line, &col), 0);
	assert_int_equal(line, 7);
	assert_int_equal(col, 5);
	/* each damaged entry: the parent's position */
	for (i = 0; i < ARRAY_SIZE(damaged); i++) {
		line = col = 0;
		assert_int_equal(jsonpos_find(idx, sizeof(idx) - 1, damaged[i], &line, &col), 0);
		assert_int_equal(line, 7);
		assert_int_equal(col, 5);
	}
	assert_int_equal(jsonpos_find(idx, sizeof(idx) - 1, "/z", &line, &col), 0);
	assert_int_equal(line, 2);
	assert_int_equal(col, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_index_positions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
