/* test_record.c: recordings keep no credential, key on the credential-free request, and
 * replay byte for byte (binary bodies included). */
#include "record.h"
#include "fileio.h"
#include "sbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY "fake-live-key-abcdef0123456789"

static void make_request(struct probe_request *rq, const char *auth, const char *body)
{
	probe_request_init(rq);
	rq->method = xstrdup("POST");
	rq->url = xstrdup("https://api.example.test/v1/chat?key=" KEY "&alt=sse");
	probe_request_add_header(rq, "content-type", "application/json");
	probe_request_add_header(rq, "authorization", auth);
	probe_request_add_header(rq, "x-api-key", KEY);
	probe_request_add_header(rq, "x-goog-api-key", KEY);
	probe_request_add_header(rq, "api-key", KEY);
	rq->body = xstrdup(body);
	rq->body_len = strlen(body);
}

static void tmpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/pl-record-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	for (e = d ? readdir(d) : NULL; e; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void test_key_ignores_credentials(void **state)
{
	struct probe_request a, b, c;
	char ka[65], kb[65], kc[65];

	(void)state;
	make_request(&a, "Bearer " KEY, "{\"seed\":1}");
	make_request(&b, "Bearer other-key-9999", "{\"seed\":1}");
	make_request(&c, "Bearer " KEY, "{\"seed\":2}");
	free(b.url);
	b.url = xstrdup("https://api.example.test/v1/chat?key=zzz&alt=sse");
	record_key(&a, ka);
	record_key(&b, kb);
	record_key(&c, kc);
	assert_int_equal(strlen(ka), 64);
	assert_string_equal(ka, kb);
	assert_string_not_equal(ka, kc);
	probe_request_release(&a);
	probe_request_release(&b);
	probe_request_release(&c);
}

/* A SigV4 request is signed when it is sent: the recording (made after signing) and the
 * replay lookup (before signing) must find the same key. */
static void test_key_ignores_sigv4_send_headers(void **state)
{
	struct probe_request a, b;
	char ka[65], kb[65];

	(void)state;
	make_request(&a, "Bearer " KEY, "{\"seed\":1}");
	make_request(&b, "Bearer " KEY, "{\"seed\":1}");
	probe_request_add_header(&b, "x-amz-date", "20260101T000000Z");
	probe_request_add_header(&b, "host", "bedrock-runtime.us-east-1.amazonaws.com");
	record_key(&a, ka);
	record_key(&b, kb);
	assert_string_equal(ka, kb);
	probe_request_release(&a);
	probe_request_release(&b);
}

static void test_save_has_no_credentials(void **state)
{
	struct probe_request rq;
	struct probe_header rh[] = {
		{ (char *)"x-request-id", (char *)"req_1" },
		{ (char *)"set-cookie", (char *)"session=abc" },
	};
	/* A vendor that echoes the key in an error body: it is blanked too. */
	const char *body = "{\"error\":\"bad key " KEY "\"}";
	struct probe_response resp = { 401, rh, 2, body, strlen(body), 12.5, 3.0 };
	struct pl_err err = PL_ERR_INIT;
	char dir[64], key[65], path[256], *text = NULL;
	size_t len = 0;
	struct stat sb;

	(void)state;
	tmpdir(dir, sizeof(dir));
	make_request(&rq, "Bearer " KEY, "{\"messages\":[]}");
	assert_int_equal(record_save(dir, &rq, 3, &resp, KEY, &err), 0);
	record_key(&rq, key);
	snprintf(path, sizeof(path), "%s/%s-3.json", dir, key);
	assert_int_equal(fileio_read_all(path, 1 << 20, &text, &len, &err), 0);
	assert_null(strstr(text, KEY));
	assert_null(strstr(text, "abcdef0123456789"));
	assert_null(strstr(text, "authorization"));
	assert_null(strstr(text, "x-api-key"));
	assert_null(strstr(text, "api-key"));
	assert_null(strstr(text, "session=abc"));
	assert_non_null(strstr(text, "https://api.example.test/v1/chat?alt=sse"));
	assert_non_null(strstr(text, "bad key [redacted]"));
	assert_non_null(strstr(text, "req_1"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(text);
	probe_request_release(&rq);
	rm_dir(dir);
}

static void test_replay_round_trip_binary(void **state)
{
	struct probe_request rq, other;
	struct probe_header rh[] = { { (char *)"content-type", (char *)"application/vnd" } };
	static const char bin[] = { 'a', '\0', (char)0xff, (char)0xfe, 'z', (char)0x80 };
	struct probe_response resp = { 200, rh, 1, bin, sizeof(bin), 40.0, 7.0 };
	struct record_reply rep;
	struct pl_err err = PL_ERR_INIT;
	char dir[64];

	(void)state;
	tmpdir(dir, sizeof(dir));
	make_request(&rq, "Bearer " KEY, "{\"x\":1}");
	assert_int_equal(record_save(dir, &rq, 0, &resp, KEY, &err), 0);
	assert_int_equal(record_load(dir, &rq, 0, &rep, &err), 0);
	assert_int_equal(rep.resp.status, 200);
	assert_int_equal(rep.resp.body_len, sizeof(bin));
	assert_memory_equal(rep.resp.body, bin, sizeof(bin));
	assert_int_equal(rep.resp.n_headers, 1);
	assert_string_equal(rep.resp.headers[0].value, "application/vnd");
	assert_true(rep.resp.latency_ms == 40.0);
	record_reply_release(&rep);
	/* Sample 5 was not recorded: sample 0 answers for it. */
	assert_int_equal(record_load(dir, &rq, 5, &rep, &err), 0);
	record_reply_release(&rep);
	/* Another request has no recording. */
	make_request(&other, "Bearer " KEY, "{\"x\":2}");
	assert_int_equal(record_load(dir, &other, 0, &rep, &err), 1);
	assert_false(pl_err_isset(&err));
	probe_request_release(&other);
	probe_request_release(&rq);
	rm_dir(dir);
}

static void test_corrupt_recording_is_an_error(void **state)
{
	struct probe_request rq;
	struct record_reply rep;
	struct pl_err err = PL_ERR_INIT;
	char dir[64], key[65], path[256];

	(void)state;
	tmpdir(dir, sizeof(dir));
	make_request(&rq, "Bearer " KEY, "{}");
	record_key(&rq, key);
	snprintf(path, sizeof(path), "%s/%s-0.json", dir, key);
	assert_int_equal(fileio_write_atomic(path, "{\"response\":{}}", 15, 0600, &err), 0);
	assert_int_equal(record_load(dir, &rq, 0, &rep, &err), -1);
	assert_string_equal(err.msg, "not a recording");
	assert_string_equal(err.where, path);
	probe_request_release(&rq);
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_ignores_credentials),
		cmocka_unit_test(test_key_ignores_sigv4_send_headers),
		cmocka_unit_test(test_save_has_no_credentials),
		cmocka_unit_test(test_replay_round_trip_binary),
		cmocka_unit_test(test_corrupt_recording_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
