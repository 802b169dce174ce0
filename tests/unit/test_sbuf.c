/* test_sbuf.c: the growable buffer: SBUF_INIT is the same empty buffer as sbuf_init, an empty
 * buffer owns nothing, appends keep it NUL-terminated, detach hands the bytes over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sbuf.h"

static void test_init_forms_agree(void **state)
{
	struct sbuf a = SBUF_INIT, b;

	(void)state;
	sbuf_init(&b);
	assert_ptr_equal(a.buf, b.buf);
	assert_int_equal(a.len, 0);
	assert_int_equal(a.cap, 0);
	assert_string_equal(a.buf, "");
	sbuf_release(&a); /* an empty buffer owns nothing: release is a no-op */
	assert_ptr_equal(a.buf, b.buf);
}

static void test_append_and_detach(void **state)
{
	struct sbuf a = SBUF_INIT;
	size_t len;
	char *p;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		sbuf_addf(&a, "%d,", i % 10);
	assert_int_equal(a.len, 2000);
	assert_int_equal(a.buf[a.len], '\0');
	assert_memory_equal(a.buf, "0,1,2,", 6);
	sbuf_setlen(&a, 4);
	assert_int_equal(a.len, 4);
	assert_string_equal(a.buf, "0,1,");
	sbuf_setlen(&a, 4); /* the same length: nothing cut */
	assert_string_equal(a.buf, "0,1,");
	sbuf_reset(&a);
	assert_int_equal(a.len, 0);
	assert_string_equal(a.buf, "");
	sbuf_setlen(&a, 0); /* an empty buffer stays empty */
	assert_string_equal(a.buf, "");
	sbuf_addstr(&a, "abc");
	sbuf_addch(&a, 'd');
	p = sbuf_detach(&a, &len);
	assert_int_equal(len, 4);
	assert_string_equal(p, "abcd");
	assert_int_equal(a.len, 0); /* left initialised and empty */
	assert_string_equal(a.buf, "");
	free(p);
	p = sbuf_detach(&a, &len); /* an empty buffer detaches a fresh empty string */
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_forms_agree),
		cmocka_unit_test(test_append_and_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
