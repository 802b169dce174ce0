/* test_http.c: the HTTP layer against a test-local server: headers lower-cased, timings,
 * connection reuse, the size cap, refused connections and timeouts as probe faults. */
#include "http.h"
#include "sbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
	struct MHD_Daemon *d;
	unsigned short port;
	int connections;
	char method[16];
	char custom[64];
	char auth[512];
	char amz_date[64];
	char amz_token[64];
	char body[256];
} srv;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)c;
	(void)socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		srv.connections++;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static char big[8192];
	struct MHD_Response *r;
	const char *v, *body = "{\"ok\":true}";
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!*con_cls) {
		*con_cls = (void *)1;
		srv.body[0] = '\0';
		return MHD_YES;
	}
	if (*upload_size) {
		snprintf(srv.body, sizeof(srv.body), "%.*s", (int)*upload_size, upload);
		*upload_size = 0;
		return MHD_YES;
	}
	snprintf(srv.method, sizeof(srv.method), "%s", method);
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Custom");
	snprintf(srv.custom, sizeof(srv.custom), "%s", v ? v : "");
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	snprintf(srv.auth, sizeof(srv.auth), "%s", v ? v : "");
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Date");
	snprintf(srv.amz_date, sizeof(srv.amz_date), "%s", v ? v : "");
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Security-Token");
	snprintf(srv.amz_token, sizeof(srv.amz_token), "%s", v ? v : "");
	if (!strcmp(url, "/slow"))
		usleep(1500000);
	if (!strcmp(url, "/big")) {
		memset(big, 'b', sizeof(big) - 1);
		body = big;
	}
	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "X-RateLimit-Remaining-Requests", " 42 ");
	MHD_add_response_header(r, "OpenAI-Version", "2020-10-01");
	ret = MHD_queue_response(c, !strcmp(url, "/teapot") ? 418 : 200, r);
	MHD_destroy_response(r);
	return ret;
}

static int setup(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
				 NULL, NULL, handle, NULL, MHD_OPTION_NOTIFY_CONNECTION,
				 on_connection, NULL, MHD_OPTION_END);
	if (!srv.d)
		return -1;
	srv.port = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	MHD_stop_daemon(srv.d);
	return 0;
}

struct got {
	int n;
	struct http_xfer *last;
};

static void done(void *ctx, struct http_xfer *x, void *user)
{
	struct got *g = ctx;

	(void)user;
	g->n++;
	g->last = x;
}

/* Sends one request through h with x and waits for it. */
static void send_one(struct http *h, struct http_xfer *x, const char *path, const char *method,
		     const struct http_opts *o, int port)
{
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	struct got g = { 0, NULL };
	char url[128];
	int i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	probe_request_init(&rq);
	rq.method = xstrdup(method);
	rq.url = xstrdup(url);
	rq.body = xstrdup("{\"q\":1}");
	rq.body_len = strlen(rq.body);
	probe_request_add_header(&rq, "x-custom", "hello");
	probe_request_add_header(&rq, "authorization", "Bearer sk-1");
	assert_int_equal(http_start(h, x, &rq, o, NULL, &err), 0);
	for (i = 0; i < 500 && !g.n; i++)
		assert_true(http_poll(h, 20, done, &g, &err) >= 0);
	assert_int_equal(g.n, 1);
	assert_ptr_equal(g.last, x);
	probe_request_release(&rq);
}

static void test_response_headers_timings_and_reuse(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct http *h = http_new(&err);
	struct http_xfer *x = http_xfer_new();
	struct http_opts o = { 5000, 2000, 1 << 20, NULL };
	const struct probe_response *r;
	int i;

	(void)state;
	assert_non_null(h);
	srv.connections = 0;
	for (i = 0; i < 5; i++) {
		send_one(h, x, "/teapot", "POST", &o, srv.port);
		r = http_xfer_response(x);
		assert_int_equal(http_xfer_fault(x), PROBE_OK);
		assert_int_equal(r->status, 418);
		assert_string_equal(r->body, "{\"ok\":true}");
		assert_string_equal(probe_header_get(r->headers, r->n_headers,
						     "x-ratelimit-remaining-requests"),
				    "42");
		assert_non_null(probe_header_get(r->headers, r->n_headers, "openai-version"));
		assert_true(r->latency_ms > 0);
		assert_true(r->ttfb_ms > 0 && r->ttfb_ms <= r->latency_ms);
	}
	/* Every header name is lower case. */
	for (i = 0; i < (int)r->n_headers; i++) {
		const char *p;

		for (p = r->headers[i].name; *p; p++)
			assert_false(*p >= 'A' && *p <= 'Z');
	}
	assert_string_equal(srv.method, "POST");
	assert_string_equal(srv.custom, "hello");
	assert_string_equal(srv.body, "{\"q\":1}");
	/* One connection for five requests. */
	assert_int_equal(srv.connections, 1);
	send_one(h, x, "/", "GET", &o, srv.port);
	assert_string_equal(srv.method, "GET");
	http_xfer_free(x);
	http_free(h);
}

static void test_size_cap(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct http *h = http_new(&err);
	struct http_xfer *x = http_xfer_new();
	struct http_opts o = { 5000, 2000, 100, NULL };

	(void)state;
	send_one(h, x, "/big", "POST", &o, srv.port);
	assert_int_equal(http_xfer_fault(x), PROBE_FAULT_MALFORMED);
	assert_string_equal(http_xfer_error(x), "response larger than 100 bytes");
	assert_int_equal(http_xfer_response(x)->status, 0);
	assert_false(http_xfer_connect_failed(x));
	http_xfer_free(x);
	http_free(h);
}

static void test_refused_and_timeout(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct http *h = http_new(&err);
	struct http_xfer *x = http_xfer_new();
	struct http_opts o = { 300, 2000, 1000, NULL };

	(void)state;
	send_one(h, x, "/", "POST", &o, 1);
	assert_int_equal(http_xfer_fault(x), PROBE_FAULT_NETWORK);
	assert_true(http_xfer_connect_failed(x));
	assert_non_null(strstr(http_xfer_error(x), "connection failed"));

	send_one(h, x, "/slow", "POST", &o, srv.port);
	assert_int_equal(http_xfer_fault(x), PROBE_FAULT_TIMEOUT);
	assert_false(http_xfer_connect_failed(x));
	assert_string_equal(http_xfer_error(x), "no complete answer within 300 ms");
	http_xfer_free(x);
	http_free(h);
}

static void test_sigv4_signed_by_libcurl(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct http *h = http_new(&err);
	struct http_xfer *x = http_xfer_new();
	struct http_opts o = { 5000, 2000, 1 << 20, NULL };
	struct probe_request rq;
	struct got g = { 0, NULL };
	char url[128];
	int i;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/model/m/converse", srv.port);
	probe_request_init(&rq);
	rq.method = xstrdup("POST");
	rq.url = xstrdup(url);
	rq.body = xstrdup("{}");
	rq.body_len = 2;
	probe_request_add_header(&rq, "content-type", "application/json");
	rq.sigv4_provider = xstrdup("aws:amz:us-east-1:bedrock");
	rq.sigv4_userpwd = xstrdup("AKIDEXAMPLE:wJalrXUtnFEMI");
	rq.sigv4_session_token = xstrdup("session-token-1");
	assert_int_equal(http_start(h, x, &rq, &o, NULL, &err), 0);
	for (i = 0; i < 500 && !g.n; i++)
		assert_true(http_poll(h, 20, done, &g, &err) >= 0);
	assert_int_equal(http_xfer_fault(x), PROBE_OK);
	assert_non_null(strstr(srv.auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
	assert_non_null(strstr(srv.auth, "/us-east-1/bedrock/aws4_request"));
	assert_non_null(strstr(srv.auth, "Signature="));
	assert_null(strstr(srv.auth, "wJalrXUtnFEMI"));
	assert_int_equal(strlen(srv.amz_date), 16); /* 20240101T000000Z */
	assert_string_equal(srv.amz_token, "session-token-1");
	probe_request_release(&rq);
	http_xfer_free(x);
	http_free(h);
}

/* The shared retry wait: full jitter under an exponential ceiling, Retry-After honoured, both
 * capped. */
static void test_backoff(void **state)
{
	(void)state;
	/* unit 0.5 of 500 ms, 1000 ms, 2000 ms, then the 3000 ms cap */
	assert_true(http_backoff_s(0.5, 500, 3000, 1, -1) == 0.25);
	assert_true(http_backoff_s(0.5, 500, 3000, 2, -1) == 0.5);
	assert_true(http_backoff_s(0.5, 500, 3000, 3, -1) == 1.0);
	assert_true(http_backoff_s(0.5, 500, 3000, 4, -1) == 1.5);
	assert_true(http_backoff_s(0.5, 500, 3000, 1000, -1) == 1.5);
	/* Retry-After raises a shorter wait, never above the cap; a shorter one does not lower it
	 */
	assert_true(http_backoff_s(0.5, 500, 3000, 1, 2000) == 2.0);
	assert_true(http_backoff_s(0.5, 500, 3000, 1, 9000) == 3.0);
	assert_true(http_backoff_s(0.5, 500, 3000, 3, 100) == 1.0);
	assert_true(http_backoff_s(0.0, 500, 3000, 3, -1) == 0.0);
}

static void test_secret_headers(void **state)
{
	static const struct {
		const char *name;
		int secret;
	} cases[] = {
		{ "Authorization", 1 },
		{ "api-key", 1 },
		{ "x-api-key", 1 },
		{ "x-goog-api-key", 1 },
		{ "X-Amz-Security-Token", 1 },
		{ "cookie", 1 },
		{ "x-client-secret", 1 },
		{ "content-type", 0 },
		{ "anthropic-version", 0 },
		{ "accept", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (http_header_is_secret(cases[i].name) != cases[i].secret)
			fail_msg("%s: want %d", cases[i].name, cases[i].secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_response_headers_timings_and_reuse),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_refused_and_timeout),
		cmocka_unit_test(test_sigv4_signed_by_libcurl),
		cmocka_unit_test(test_secret_headers),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
