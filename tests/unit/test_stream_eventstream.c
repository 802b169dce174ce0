/* test_stream_eventstream.c: the AWS event-stream decoder (probes/stream_eventstream.c) on the
 * recorded Bedrock ConverseStream body and on damaged copies of it. */
#include "test_probe_fixture.h"
#include "stream_eventstream.h"

#define BIN "bedrock/converse-stream-body.eventstream.bin"

static void test_recorded(void **state)
{
	struct es_stream s;
	size_t len, i, deltas = 0;
	char *body = fx_read(BIN, &len);

	(void)state;
	es_stream_init(&s);
	assert_int_equal(es_parse(body, len, &s), 0);
	assert_string_equal(s.error, "");
	/* 33 frames: messageStart, 29 contentBlockDelta, contentBlockStop, messageStop, metadata.
	 */
	assert_int_equal(s.n, 33);
	assert_string_equal(s.frames[0].event_type, "messageStart");
	assert_string_equal(s.frames[31].event_type, "messageStop");
	assert_string_equal(s.frames[32].event_type, "metadata");
	for (i = 0; i < s.n; i++) {
		assert_string_equal(s.frames[i].message_type, "event");
		assert_null(s.frames[i].exception_type);
		assert_true(s.frames[i].payload_len > 0);
		assert_int_equal(s.frames[i].payload[0], '{');
		if (!strcmp(s.frames[i].event_type, "contentBlockDelta"))
			deltas++;
	}
	assert_int_equal(deltas, 29);
	es_stream_release(&s);
	free(body);
}

/* Every damage is caught: prelude CRC, message CRC, a cut, an impossible length. */
static void test_damaged(void **state)
{
	struct es_stream s;
	size_t len;
	char *body = fx_read(BIN, &len);

	(void)state;
	es_stream_init(&s);
	body[9] ^= 0x10; /* prelude CRC of frame 0 */
	assert_int_equal(es_parse(body, len, &s), -1);
	assert_string_equal(s.error, "frame 0: prelude crc mismatch");
	assert_int_equal(s.n, 0);
	body[9] ^= 0x10;
	es_stream_release(&s);

	body[20] ^= 0x01; /* a header byte of frame 0: message CRC */
	assert_int_equal(es_parse(body, len, &s), -1);
	assert_string_equal(s.error, "frame 0: message crc mismatch");
	body[20] ^= 0x01;
	es_stream_release(&s);

	assert_int_equal(es_parse(body, len - 1, &s), -1);
	assert_int_equal(s.n, 32);
	assert_non_null(strstr(s.error, "frame 32: cut"));
	es_stream_release(&s);

	assert_int_equal(es_parse(body, 5, &s), -1);
	assert_string_equal(s.error, "frame 0: cut in its prelude");
	es_stream_release(&s);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
