/* test_runner.c: the runner against a test-local HTTP server (libmicrohttpd) with a fake probe:
 * retries and Retry-After, rpm held as the server sees it, 429 storms, a dead vendor beside a
 * live one, budgets, the size cap, timeouts, resume, seeds, progress and record/replay. */
#include "journal.h"
#include "plan.h"
#include "runner.h"
#include "sbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the fake vendor: behaviour chosen by the URL path ------------------------------------ */

#define MAX_SEEN 4096

static struct server {
	struct MHD_Daemon *d;
	unsigned short port;
	pthread_mutex_t mu;
	int requests;		  /* every request received */
	int storm_left;		  /* /storm: answer 429 while > 0 */
	int flaky_left;		  /* /flaky: answer 429 + Retry-After: 1 while > 0 */
	double seen_at[MAX_SEEN]; /* arrival times */
	long long seeds[MAX_SEEN];
	int in_flight, max_in_flight;
	char auth_seen[128];
	double down_until; /* /down: 529 overloaded until then */
} srv;

struct conn {
	struct sbuf body;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
			     const char *h1, const char *v1)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "X-Test-Version", "Sim-1");
	if (h1 && strchr(v1, ';')) { /* "remaining;reset" */
		char rem[32];

		snprintf(rem, sizeof(rem), "%.*s", (int)(strchr(v1, ';') - v1), v1);
		MHD_add_response_header(r, h1, rem);
		MHD_add_response_header(r, "X-RateLimit-Reset-Requests", strchr(v1, ';') + 1);
	} else if (h1) {
		MHD_add_response_header(r, h1, v1);
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct conn *cn = *con_cls;
	json_t *req;
	long long seed = -1;
	char big[4096], out[256];
	const char *auth;
	int n, storm = 0, flaky = 0, down;
	enum MHD_Result ret;

	(void)cls;
	(void)method;
	(void)version;
	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		sbuf_init(&cn->body);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		sbuf_add(&cn->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	req = json_loads(cn->body.buf, 0, NULL);
	if (json_is_integer(json_object_get(req, "seed")))
		seed = json_integer_value(json_object_get(req, "seed"));
	json_decref(req);
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	pthread_mutex_lock(&srv.mu);
	n = srv.requests++;
	if (n < MAX_SEEN) {
		srv.seen_at[n] = mono();
		srv.seeds[n] = seed;
	}
	if (auth)
		snprintf(srv.auth_seen, sizeof(srv.auth_seen), "%s", auth);
	if (!strcmp(url, "/storm") && srv.storm_left > 0) {
		srv.storm_left--;
		storm = 1;
	}
	if (!strcmp(url, "/flaky") && srv.flaky_left > 0) {
		srv.flaky_left--;
		flaky = 1;
	}
	down = !strcmp(url, "/down") && mono() < srv.down_until;
	srv.in_flight++;
	if (srv.in_flight > srv.max_in_flight)
		srv.max_in_flight = srv.in_flight;
	pthread_mutex_unlock(&srv.mu);

	if (!strcmp(url, "/slow") || !strcmp(url, "/wait50"))
		usleep(!strcmp(url, "/slow") ? 1000000 : 50000);
	if (down) {
		ret = reply(c, 529, "{\"error\":\"overloaded\"}", NULL, NULL);
	} else if (!strcmp(url, "/auth") || (!strcmp(url, "/auth2") && n % 2 == 0)) {
		/* a wrong key (/auth2: every other request, as if two keys took turns) */
		ret = reply(c, 401, "{\"error\":\"bad key\"}", NULL, NULL);
	} else if (!strcmp(url, "/p30") && ((unsigned)n * 2654435761u >> 8) % 100 < 30) {
		ret = reply(c, 500, "{\"error\":\"oops\"}", NULL, NULL);
	} else if (!strcmp(url, "/stall")) {
		/* none left until a reset a century away: a wait no run may sit out */
		snprintf(out, sizeof(out), "{\"text\":\"answer seed %lld\",\"pt\":10,\"ct\":5}",
			 seed);
		ret = reply(c, 200, out, "X-RateLimit-Remaining-Requests", "0;999999h");
	} else if (storm) {
		ret = reply(c, 429, "{\"error\":\"slow down\"}", NULL, NULL);
	} else if (flaky) {
		ret = reply(c, 429, "{\"error\":\"slow down\"}", "Retry-After", "1");
	} else if (!strcmp(url, "/big")) {
		memset(big, 'x', sizeof(big));
		big[sizeof(big) - 1] = '\0';
		ret = reply(c, 200, big, NULL, NULL);
	} else if (!strcmp(url, "/bad")) {
		ret = reply(c, 400, "{\"error\":\"bad\"}", NULL, NULL);
	} else if (!strcmp(url, "/huge")) {
		/* a hostile or broken vendor: usage of 2^63-1 tokens each way */
		ret = reply(c, 200,
			    "{\"text\":\"x\",\"pt\":9223372036854775807,"
			    "\"ct\":9223372036854775807}",
			    NULL, NULL);
	} else {
		snprintf(out, sizeof(out), "{\"text\":\"answer seed %lld\",\"pt\":10,\"ct\":5}",
			 seed);
		ret = reply(c, 200, out, "X-RateLimit-Remaining-Requests", "1000");
	}
	pthread_mutex_lock(&srv.mu);
	srv.in_flight--;
	pthread_mutex_unlock(&srv.mu);
	return ret;
}

static void done_conn(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode tc)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)tc;
	if (!cn)
		return;
	sbuf_release(&cn->body);
	free(cn);
	*con_cls = NULL;
}

static int server_start(void **state)
{
	const union MHD_DaemonInfo *info;

	(void)state;
	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
				 NULL, NULL, handle, NULL, MHD_OPTION_NOTIFY_COMPLETED, done_conn,
				 NULL, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!srv.d)
		return -1;
	info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
	srv.port = info->port;
	return 0;
}

static int server_stop(void **state)
{
	(void)state;
	MHD_stop_daemon(srv.d);
	pthread_mutex_destroy(&srv.mu);
	return 0;
}

static void server_reset(void)
{
	pthread_mutex_lock(&srv.mu);
	srv.requests = 0;
	srv.storm_left = 0;
	srv.flaky_left = 0;
	srv.max_in_flight = 0;
	srv.auth_seen[0] = '\0';
	srv.down_until = 0;
	pthread_mutex_unlock(&srv.mu);
}

/* ---- the fake probe: {"prompt":..,"seed":N} -> {"text":..,"pt":N,"ct":N} ------------------ */

static int fake_build(const struct probe_target *t, const struct probe_prompt *p,
		      struct probe_request *out, struct pl_err *err)
{
	json_t *o = json_object();
	struct sbuf s;

	if (p->n_messages && !strcmp(p->messages[0].content, "unbuildable")) {
		json_decref(o);
		return pl_err_set(err, PL_E_INPUT, NULL, "this vendor cannot do that");
	}
	json_object_set_new(o, "prompt", json_string(p->messages[0].content));
	if (p->has_seed)
		json_object_set_new(o, "seed", json_integer(p->seed));
	out->method = xstrdup("POST");
	out->url = xstrdup(t->base_url);
	out->body = json_dumps(o, JSON_COMPACT);
	out->body_len = strlen(out->body);
	json_decref(o);
	probe_request_add_header(out, "content-type", "application/json");
	if (t->api_key) {
		sbuf_init(&s);
		sbuf_addf(&s, "Bearer %s", t->api_key);
		probe_request_add_header(out, "authorization", s.buf);
		sbuf_release(&s);
	}
	return 0;
}

static void fake_parse(const struct probe_target *t, const struct probe_prompt *p,
		       const struct probe_response *r, struct probe_answer *out)
{
	json_t *o;

	(void)t;
	(void)p;
	out->status = r->status;
	out->latency_ms = r->latency_ms;
	probe_keep_headers(out, r);
	if (r->status != 200) {
		out->fault = probe_fault_from_status(r->status);
		out->retry_after_ms = probe_retry_after_ms(r);
		out->error_message = xstrdup("http error");
		return;
	}
	o = json_loadb(r->body, r->body_len, 0, NULL);
	if (!json_is_string(json_object_get(o, "text"))) {
		out->fault = PROBE_FAULT_MALFORMED;
		json_decref(o);
		return;
	}
	out->text = xstrdup(json_string_value(json_object_get(o, "text")));
	out->prompt_tokens = (long)json_integer_value(json_object_get(o, "pt"));
	out->completion_tokens = (long)json_integer_value(json_object_get(o, "ct"));
	/* like a probe that trusts the vendor: the runner must clamp what comes out */
	out->total_tokens = out->prompt_tokens > LONG_MAX - out->completion_tokens
				    ? LONG_MAX
				    : out->prompt_tokens + out->completion_tokens;
	json_decref(o);
}

static const struct probe_ops fake_probe = {
	.name = "fake",
	.flags = PROBE_F_SEED,
	.build = fake_build,
	.parse = fake_parse,
};

static const struct probe_ops *fake_lookup(const char *name)
{
	return strcmp(name, "fake") ? NULL : &fake_probe;
}

/* ---- test-local plans ----------------------------------------------------------------------- */

#define MAX_V 3

struct fixture {
	struct vendor v[MAX_V];
	char urls[MAX_V][128];
	const struct vendor *vp[MAX_V];
	struct message msg;
	struct prompt prompts[8];
	char ids[8][16];
	struct suite suite;
	const struct suite *suites[1];
	struct plan_group groups[MAX_V * 8];
	struct plan plan;
	char dir[64];
	char jpath[128];
};

static void vendor_init(struct fixture *f, int i, const char *id, const char *path)
{
	struct vendor *v = &f->v[i];

	memset(v, 0, sizeof(*v));
	if (path[0] == ':') /* a port of its own: ":1" is a closed port */
		snprintf(f->urls[i], sizeof(f->urls[i]), "http://127.0.0.1%s/x", path);
	else
		snprintf(f->urls[i], sizeof(f->urls[i]), "http://127.0.0.1:%u%s", srv.port, path);
	v->id = (char *)id;
	v->probe = (char *)"fake";
	v->base_url = f->urls[i];
	v->model = (char *)"m";
	v->timeout_ms = 5000;
	v->connect_timeout_ms = 2000;
	v->concurrency = 4;
	v->retries = 2;
	v->max_response_bytes = 1 << 20;
	v->api_key = (char *)"fake-test-key-SECRET-0123456789";
	f->vp[i] = v;
}

/* n_vendors vendors (set up by the caller with vendor_init), n_prompts prompts x samples. */
static void plan_make(struct fixture *f, size_t n_vendors, int n_prompts, int samples)
{
	size_t k, n = 0, g = 0;
	int i;

	f->msg.role = (char *)"user";
	f->msg.content = (char *)"say hello";
	for (i = 0; i < n_prompts; i++) {
		memset(&f->prompts[i], 0, sizeof(f->prompts[i]));
		snprintf(f->ids[i], sizeof(f->ids[i]), "p%d", i);
		f->prompts[i].id = f->ids[i];
		f->prompts[i].messages = &f->msg;
		f->prompts[i].n_messages = 1;
		f->prompts[i].temperature = -1;
		f->prompts[i].max_tokens = 20;
		f->prompts[i].has_seed = 1;
		f->prompts[i].seed = 1000 * (i + 1);
		f->prompts[i].samples = samples;
	}
	memset(&f->suite, 0, sizeof(f->suite));
	f->suite.id = (char *)"s";
	f->suite.prompts = f->prompts;
	f->suite.n_prompts = (size_t)n_prompts;
	f->suites[0] = &f->suite;
	memset(&f->plan, 0, sizeof(f->plan));
	for (k = 0; k < n_vendors; k++)
		for (i = 0; i < n_prompts; i++) {
			f->groups[g].vendor = f->vp[k];
			f->groups[g].suite = &f->suite;
			f->groups[g].prompt = &f->prompts[i];
			f->groups[g].first = n;
			f->groups[g].n = samples;
			n += (size_t)samples;
			g++;
		}
	f->plan.groups = f->groups;
	f->plan.n_groups = g;
	f->plan.n_items = n;
	f->plan.vendors = f->vp;
	f->plan.n_vendors = n_vendors;
	f->plan.suites = f->suites;
	f->plan.n_suites = 1;
	snprintf(f->plan.hash, sizeof(f->plan.hash), "%064d", 7);
	snprintf(f->dir, sizeof(f->dir), "/tmp/pl-runner-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->jpath, sizeof(f->jpath), "%s/journal.jsonl", f->dir);
}

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	for (e = readdir(d); e; e = readdir(d)) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void plan_done(struct fixture *f)
{
	rm_rf(f->dir);
}

static int run(struct fixture *f, struct runner_opts *o, int resume, struct runner_stats *st)
{
	struct pl_err err = PL_ERR_INIT;
	struct journal *j;
	int rc;

	o->probe_lookup = fake_lookup;
	if (!o->seed)
		o->seed = 42;
	if (!o->backoff_base_ms)
		o->backoff_base_ms = 50;
	j = journal_open(f->jpath, "run-1", f->plan.hash, "nightly", resume, &err);
	assert_non_null(j);
	rc = runner_run(&f->plan, j, o, st, &err);
	if (rc)
		fprintf(stderr, "runner: %s: %s\n", err.where, err.msg);
	journal_close(j);
	return rc;
}

/* The journal, read back. */
struct recs {
	int n, ok, faults;
	char vendor[256][16];
	char prompt[256][16];
	int sample[256];
	int attempts[256];
	enum probe_fault fault[256];
	char msg[256][96];
	char text[256][64];
};

static int collect(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	struct recs *rs = ctx;
	int i = rs->n;

	(void)err;
	if (i >= 256)
		return 0;
	snprintf(rs->vendor[i], sizeof(rs->vendor[i]), "%s", r->vendor);
	snprintf(rs->prompt[i], sizeof(rs->prompt[i]), "%s", r->prompt);
	rs->sample[i] = r->sample;
	rs->attempts[i] = r->attempts;
	rs->fault[i] = r->answer->fault;
	snprintf(rs->msg[i], sizeof(rs->msg[i]), "%s",
		 r->answer->error_message ? r->answer->error_message : "");
	snprintf(rs->text[i], sizeof(rs->text[i]), "%s", r->answer->text ? r->answer->text : "");
	if (r->answer->fault == PROBE_OK)
		rs->ok++;
	else
		rs->faults++;
	rs->n++;
	return 0;
}

static void read_journal(struct fixture *f, struct recs *rs)
{
	struct pl_err err = PL_ERR_INIT;

	memset(rs, 0, sizeof(*rs));
	assert_int_equal(journal_read(f->jpath, collect, rs, NULL, &err), 0);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_all_answered_with_concurrency(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/wait50");
	f.v[0].concurrency = 4;
	plan_make(&f, 1, 4, 4);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 16);
	assert_int_equal(rs.ok, 16);
	assert_int_equal(st.answered, 16);
	assert_int_equal(st.sent, 16);
	assert_int_equal(st.vendors[0].prompt_tokens, 160);
	assert_int_equal(st.vendors[0].completion_tokens, 80);
	/* 16 answers of 50 ms through 4 slots: parallel, never more than 4 at once. */
	assert_int_equal(srv.max_in_flight, 4);
	assert_true(st.wall_s < 0.8);
	/* The key reached the server but the journal never holds it. */
	assert_string_equal(srv.auth_seen, "Bearer fake-test-key-SECRET-0123456789");
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_seeds_are_prompt_seed_plus_sample(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	long long want[3] = { 1000, 1001, 1002 };
	int i, k, found;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	plan_make(&f, 1, 1, 3);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_int_equal(srv.requests, 3);
	for (k = 0; k < 3; k++) {
		found = 0;
		for (i = 0; i < 3; i++)
			found |= srv.seeds[i] == want[k];
		assert_true(found);
	}
	runner_stats_release(&st);
	/* Without a seed in the prompt, none is sent. */
	server_reset();
	f.prompts[0].has_seed = 0;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(srv.seeds[i], -1);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_retry_honours_retry_after(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	srv.flaky_left = 1;
	vendor_init(&f, 0, "v", "/flaky");
	plan_make(&f, 1, 1, 1);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 10; /* jitter alone would retry within 10 ms */
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.fault[0], PROBE_OK);
	assert_int_equal(rs.attempts[0], 2);
	assert_int_equal(srv.requests, 2);
	/* Retry-After: 1 is a minimum. */
	assert_true(srv.seen_at[1] - srv.seen_at[0] >= 0.95);
	assert_int_equal(st.vendors[0].retries, 1);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_retries_exhausted_and_non_retryable(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	srv.storm_left = 100;
	vendor_init(&f, 0, "v", "/storm");
	vendor_init(&f, 1, "w", "/bad");
	f.v[0].retries = 2;
	plan_make(&f, 2, 1, 1);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 10;
	o.backoff_max_ms = 100;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 2);
	/* 429 three times (1 + 2 retries), then final; 400 is final at once. */
	assert_int_equal(srv.requests, 4);
	assert_int_equal(st.vendors[0].requests, 3);
	assert_int_equal(st.vendors[1].requests, 1);
	assert_int_equal(st.faults, 2);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_rpm_held_as_server_sees_it(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	double rate;
	int n;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	f.v[0].rpm = 1200; /* 20 per second */
	f.v[0].concurrency = 8;
	plan_make(&f, 1, 8, 5);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	n = srv.requests;
	assert_int_equal(n, 40);
	rate = (double)(n - 1) / (srv.seen_at[n - 1] - srv.seen_at[0]);
	print_message("rpm 1200: server saw %.2f req/s (limit 20.00)\n", rate);
	/* The limit must hold (never more than 5% over). A starved client (this machine is
	 * shared) may fall short of it, so the lower bound only checks the pacing is sane. */
	assert_true(rate <= 20.0 * 1.05);
	assert_true(rate >= 20.0 * 0.70);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_tpm_held_as_server_sees_it(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	double rate;
	int n;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	/* 300 tokens a second; each request is estimated at 24 tokens but uses 15 (the server's
	 * usage): corrected by usage, 20 requests a second. */
	f.v[0].tpm = 18000;
	f.v[0].concurrency = 8;
	plan_make(&f, 1, 8, 5);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	n = srv.requests;
	assert_int_equal(n, 40);
	rate = 15.0 * (double)(n - 1) / (srv.seen_at[n - 1] - srv.seen_at[0]);
	print_message("tpm 18000: server saw %.1f tokens/s (limit 300.0)\n", rate);
	assert_true(rate <= 300.0 * 1.05);
	assert_true(rate >= 300.0 * 0.70); /* see test_rpm_held_as_server_sees_it */
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_429_storm_slows_down_and_completes(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	srv.storm_left = 12;
	vendor_init(&f, 0, "v", "/storm");
	f.v[0].concurrency = 8;
	f.v[0].retries = 6;
	plan_make(&f, 1, 4, 4);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 20;
	o.backoff_max_ms = 400;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 16);
	assert_int_equal(rs.ok, 16);
	assert_int_equal(st.vendors[0].retries, 12);
	/* 429s without Retry-After pause the vendor (0.5 s) and halve its concurrency. */
	assert_true(st.wall_s >= 0.5);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_dead_vendor_circuit_others_complete(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	int i, unreach = 0, dead = 0;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "dead", ":1");
	vendor_init(&f, 1, "live", "/wait50");
	f.v[0].retries = 4;
	plan_make(&f, 2, 8, 5);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 100;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 80);
	for (i = 0; i < rs.n; i++) {
		if (strcmp(rs.vendor[i], "dead"))
			continue;
		dead++;
		assert_int_equal(rs.fault[i], PROBE_FAULT_NETWORK);
		unreach += !strcmp(rs.msg[i], "vendor unreachable (circuit open)");
	}
	assert_int_equal(dead, 40);
	assert_true(unreach >= 30);
	assert_true(st.vendors[0].circuit_open);
	assert_int_equal(st.vendors[1].answers, 40);
	assert_true(st.vendors[0].requests <= 10); /* it stopped sending early */
	assert_int_equal(st.unreachable, (size_t)unreach);
	assert_true(st.wall_s < 3.0);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_budget_stops_sending(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	plan_make(&f, 1, 5, 4);
	memset(&o, 0, sizeof(o));
	o.max_requests = 7;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(srv.requests, 7);
	assert_int_equal(rs.n, 7);
	assert_true(st.budget_hit);
	assert_non_null(strstr(st.budget_reason, "max_requests 7"));
	runner_stats_release(&st);

	/* Cost: 1 $/Mtok in, 2 $/Mtok out; each request is estimated at 4 + 20 tokens and
	 * answers 10 + 5: the budget stops before it would be exceeded. */
	server_reset();
	f.v[0].price_in_per_mtok = 1e6;	 /* 1 $ per prompt token, to make it visible */
	f.v[0].price_out_per_mtok = 2e6; /* 2 $ per completion token */
	f.v[0].concurrency = 1;
	memset(&o, 0, sizeof(o));
	o.max_cost = 100;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_true(st.budget_hit);
	assert_non_null(strstr(st.budget_reason, "cost"));
	/* each answer costs 10 + 10 = 20; estimate 4 + 40 = 44: 3 answers (60) + 44 > 100 */
	assert_int_equal(srv.requests, 3);
	assert_true(st.vendors[0].cost <= 100.0);
	runner_stats_release(&st);

	/* Tokens. */
	server_reset();
	memset(&o, 0, sizeof(o));
	o.max_tokens = 50; /* 15 per answer, 24 estimated */
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_true(st.budget_hit);
	assert_int_equal(srv.requests, 2);
	runner_stats_release(&st);
	plan_done(&f);
}

/* Usage of 2^63-1 tokens neither overflows the budget's sum (which then wrapped negative and
 * let every request through) nor the vendor's totals: counts are clamped, sums saturate. */
static void test_budget_huge_usage(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/huge");
	f.v[0].concurrency = 1;
	plan_make(&f, 1, 5, 4);
	memset(&o, 0, sizeof(o));
	o.max_tokens = 1000;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_true(st.budget_hit);
	assert_non_null(strstr(st.budget_reason, "max_tokens 1000"));
	assert_int_equal(srv.requests, 1);
	assert_int_equal(st.vendors[0].prompt_tokens, PROBE_COUNT_MAX);
	assert_int_equal(st.vendors[0].completion_tokens, PROBE_COUNT_MAX);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_response_size_cap(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/big");
	f.v[0].max_response_bytes = 1000;
	plan_make(&f, 1, 1, 1);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.fault[0], PROBE_FAULT_MALFORMED);
	assert_string_equal(rs.msg[0], "response larger than 1000 bytes");
	assert_int_equal(srv.requests, 1); /* not retried */
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_timeout(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/slow");
	f.v[0].timeout_ms = 300;
	f.v[0].retries = 1;
	plan_make(&f, 1, 1, 1);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 10;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.fault[0], PROBE_FAULT_TIMEOUT);
	assert_int_equal(rs.attempts[0], 2);
	assert_string_equal(rs.msg[0], "no complete answer within 300 ms");
	assert_true(st.wall_s < 1.5);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_resume_skips_done(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	plan_make(&f, 1, 3, 3);
	memset(&o, 0, sizeof(o));
	o.max_requests = 4;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_int_equal(srv.requests, 4);
	runner_stats_release(&st);
	/* Resume without a budget: only the 5 missing items are sent. */
	server_reset();
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 1, &st), 0);
	assert_int_equal(st.skipped_resumed, 4);
	assert_int_equal(st.sent, 5);
	assert_int_equal(srv.requests, 5);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 9);
	assert_int_equal(rs.ok, 9);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_unbuildable_prompt_is_a_fault_not_a_stop(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	struct message bad = { (char *)"user", (char *)"unbuildable" };

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	plan_make(&f, 1, 2, 1);
	f.prompts[1].messages = &bad;
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.ok, 1);
	assert_int_equal(srv.requests, 1);
	runner_stats_release(&st);
	plan_done(&f);
}

struct pcount {
	int calls;
	double last;
	double min_gap;
	size_t final_done;
};

static void on_progress(void *ctx, const struct runner_progress *p)
{
	struct pcount *pc = ctx;

	if (pc->calls && p->elapsed_s - pc->last < pc->min_gap && p->done != p->total)
		pc->min_gap = p->elapsed_s - pc->last;
	pc->last = p->elapsed_s;
	pc->calls++;
	pc->final_done = p->done;
}

static void test_progress_throttled(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct pcount pc = { 0, 0, 1e9, 0 };

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/wait50");
	f.v[0].concurrency = 2;
	plan_make(&f, 1, 4, 4);
	memset(&o, 0, sizeof(o));
	o.progress = on_progress;
	o.progress_ctx = &pc;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	/* 16 answers at 2 x 50 ms: about 0.4 s, so 1-3 calls, never closer than 200 ms. */
	assert_true(pc.calls >= 1 && pc.calls <= 4);
	assert_true(pc.min_gap >= 0.199);
	assert_int_equal(pc.final_done, 16);
	runner_stats_release(&st);
	plan_done(&f);
}

static int file_has(const char *path, const char *needle)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = fopen(path, "rb");
	int has;

	assert_non_null(fp);
	buf = calloc(1, 1 << 20);
	len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	has = strstr(buf, needle) != NULL;
	free(buf);
	return has;
}

static void test_record_replay_round_trip(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs1, rs2;
	char rec[160], p[512];
	DIR *d;
	struct dirent *e;
	int files = 0, i;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	plan_make(&f, 1, 2, 2);
	snprintf(rec, sizeof(rec), "%s/rec", f.dir);
	memset(&o, 0, sizeof(o));
	o.record_dir = rec;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	runner_stats_release(&st);
	read_journal(&f, &rs1);
	assert_int_equal(rs1.ok, 4);

	d = opendir(rec);
	assert_non_null(d);
	for (e = readdir(d); e; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		snprintf(p, sizeof(p), "%s/%s", rec, e->d_name);
		assert_false(file_has(p, "SECRET"));
		assert_false(file_has(p, "authorization"));
		assert_false(file_has(p, "Bearer"));
		assert_true(file_has(p, "\"x-test-version\": \"Sim-1\""));
	}
	closedir(d);
	assert_int_equal(files, 4);

	/* Replay: nothing reaches the server, the answers are the same. */
	server_reset();
	memset(&o, 0, sizeof(o));
	o.replay_dir = rec;
	f.v[0].api_key = (char *)"another-key-entirely";
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_int_equal(srv.requests, 0);
	read_journal(&f, &rs2);
	assert_int_equal(rs2.ok, 4);
	for (i = 0; i < 4; i++) {
		int k, same = 0;

		for (k = 0; k < 4; k++)
			same |= !strcmp(rs1.text[k], rs2.text[i]);
		assert_true(same);
	}
	runner_stats_release(&st);

	/* A request that was never recorded is a fault, not a hang. */
	f.prompts[0].seed = 77;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs2);
	assert_int_equal(rs2.ok, 2);
	assert_int_equal(rs2.faults, 2);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_dry_run(void **state)
{
	struct fixture f;
	struct runner_estimate e;

	(void)state;
	vendor_init(&f, 0, "a", "/ok");
	vendor_init(&f, 1, "b", "/ok");
	f.v[0].rpm = 60;
	f.v[1].tpm = 6000;
	f.v[1].concurrency = 10;
	f.v[1].price_in_per_mtok = 2;
	f.v[1].price_out_per_mtok = 8;
	plan_make(&f, 2, 5, 2);
	assert_int_equal(runner_dry_run(&f.plan, NULL, &e), 0);
	assert_int_equal(e.n_vendors, 2);
	assert_int_equal(e.requests, 20);
	assert_int_equal(e.vendors[0].requests, 10);
	/* "say hello" = 9 chars + 4 per message -> 13 / 4 + 1 = 4 prompt tokens; max_tokens 20 */
	assert_int_equal(e.vendors[1].prompt_tokens, 40);
	assert_int_equal(e.vendors[1].completion_tokens, 200);
	assert_true(e.vendors[0].duration_s > 9.99 && e.vendors[0].duration_s < 10.01);
	assert_true(e.vendors[1].duration_s > 2.39 && e.vendors[1].duration_s < 2.41);
	assert_true(e.vendors[1].cost > 0.00167 && e.vendors[1].cost < 0.00169);
	assert_true(e.duration_s > 9.99 && e.duration_s < 10.01);
	runner_estimate_release(&e);
	plan_done(&f);
}

/* on_final, counted per plan item. */
struct finals {
	int calls[256];
	enum probe_fault fault[256];
	int attempts[256];
	char text[256][64];
	int total;
	int idles, idle_seen_partial; /* on_idle calls; one of them saw some but not all finals */
	size_t n_items;
};

static void on_idle(void *ctx)
{
	struct finals *fc = ctx;

	fc->idles++;
	if (fc->total > 0 && (size_t)fc->total < fc->n_items)
		fc->idle_seen_partial = 1;
}

static void on_final(void *ctx, size_t item, int attempts, const struct probe_answer *a)
{
	struct finals *fc = ctx;

	assert_true(item < 256);
	fc->calls[item]++;
	fc->attempts[item] = attempts;
	fc->fault[item] = a->fault;
	snprintf(fc->text[item], sizeof(fc->text[item]), "%s", a->text ? a->text : "");
	fc->total++;
}

/* The plan index of a journal record. */
static size_t item_of(const struct plan *p, const struct recs *rs, int r)
{
	struct plan_item it;
	size_t i;

	for (i = 0; i < p->n_items; i++) {
		plan_item(p, i, &it);
		if (!strcmp(it.vendor->id, rs->vendor[r]) &&
		    !strcmp(it.prompt->id, rs->prompt[r]) && it.sample == rs->sample[r])
			return i;
	}
	fail_msg("record %d (%s/%s/%d) is not in the plan", r, rs->vendor[r], rs->prompt[r],
		 rs->sample[r]);
	return 0;
}

/* Every journal record was reported once, with its answer; nothing else was reported. */
static void finals_match_journal(const struct fixture *f, const struct finals *fc,
				 const struct recs *rs)
{
	int seen[256] = { 0 }, r;
	size_t i;

	assert_int_equal(fc->total, rs->n);
	for (r = 0; r < rs->n; r++) {
		i = item_of(&f->plan, rs, r);
		assert_int_equal(fc->calls[i], 1);
		assert_int_equal(fc->fault[i], rs->fault[r]);
		assert_string_equal(fc->text[i], rs->text[r]);
		seen[i]++;
	}
	for (i = 0; i < f->plan.n_items; i++)
		assert_int_equal(fc->calls[i], seen[i]);
}

static void test_on_final_once_per_item(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	struct finals fc;
	struct message bad = { (char *)"user", (char *)"unbuildable" };
	size_t i;

	(void)state;
	server_reset();
	srv.flaky_left = 3;
	vendor_init(&f, 0, "flaky", "/flaky"); /* 429 + Retry-After: 1, then answers */
	vendor_init(&f, 1, "bad", "/bad");     /* final faults at once */
	vendor_init(&f, 2, "dead", ":1");      /* connection refused: circuit opens */
	f.v[0].retries = 3;
	f.v[2].concurrency = 1;
	plan_make(&f, 3, 3, 2);
	f.prompts[2].messages = &bad; /* a fault before sending, for every vendor */
	memset(&o, 0, sizeof(o));
	memset(&fc, 0, sizeof(fc));
	o.backoff_base_ms = 10;
	o.circuit_threshold = 2;
	o.on_final = on_final;
	o.final_ctx = &fc;
	o.on_idle = on_idle;
	o.idle_ctx = &fc;
	fc.n_items = f.plan.n_items;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 18);
	/* the caller gets turns while the run goes, not only at its end */
	assert_true(fc.idles > 1);
	assert_true(fc.idle_seen_partial);
	assert_int_equal(st.vendors[0].retries, 3);
	assert_true(st.vendors[2].circuit_open);
	assert_true(st.unreachable > 0);
	for (i = 0; i < f.plan.n_items; i++)
		assert_int_equal(fc.calls[i], 1);
	finals_match_journal(&f, &fc, &rs);
	/* Items 0-3 are the flaky vendor's answers, 4-5 its unbuildable prompt. */
	for (i = 0; i < 4; i++) {
		assert_int_equal(fc.fault[i], PROBE_OK);
		assert_non_null(strstr(fc.text[i], "answer seed"));
	}
	assert_int_equal(fc.fault[4], PROBE_FAULT_REQUEST);
	assert_int_equal(fc.fault[6], PROBE_FAULT_REQUEST); /* 400 */
	assert_int_equal(fc.fault[17], PROBE_FAULT_NETWORK);
	runner_stats_release(&st);
	plan_done(&f);
}

static void test_on_final_budget_and_resume(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	struct finals fc;
	size_t i;
	int before[256];

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/ok");
	plan_make(&f, 1, 5, 4);
	memset(&o, 0, sizeof(o));
	memset(&fc, 0, sizeof(fc));
	o.max_requests = 7;
	o.on_final = on_final;
	o.final_ctx = &fc;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_true(st.budget_hit);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 7);
	assert_int_equal(fc.total, 7);
	finals_match_journal(&f, &fc, &rs); /* the 13 items never sent are not reported */
	runner_stats_release(&st);

	/* Resume: the 7 journaled items are skipped, not reported; the 13 others are. */
	memcpy(before, fc.calls, sizeof(before));
	memset(&fc, 0, sizeof(fc));
	memset(&o, 0, sizeof(o));
	o.on_final = on_final;
	o.final_ctx = &fc;
	assert_int_equal(run(&f, &o, 1, &st), 0);
	assert_int_equal(st.skipped_resumed, 7);
	assert_int_equal(fc.total, 13);
	for (i = 0; i < f.plan.n_items; i++)
		assert_int_equal(fc.calls[i] + before[i], 1);
	runner_stats_release(&st);
	plan_done(&f);
}

/* A vendor overloaded (529) for the first second: its circuit opens, one probe goes out every
 * 0.2 s, the first answer closes it, and the night completes: every item answered, none lost
 * to the outage (the old runner retried 3 times and journaled the rest as faults). The first
 * request goes alone (the auth circuit's warm-up), then the 529 pauses the vendor 0.5 s: 3
 * failures in a row open the circuit well inside the second. */
static void test_outage_recovers_night_completes(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	const struct runner_outage *ou;
	char line[256];

	(void)state;
	server_reset();
	srv.down_until = mono() + 1.0;
	vendor_init(&f, 0, "v", "/down");
	f.v[0].retries = 3;
	f.v[0].max_outage_s = 10;
	f.v[0].probe_interval_s = 0.2;
	plan_make(&f, 1, 4, 5);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 20;
	o.outage_threshold = 3;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 20);
	assert_int_equal(rs.ok, 20);
	ou = &st.vendors[0].outage;
	assert_true(ou->opened >= 1);
	assert_true(ou->recovered);
	assert_true(ou->probes >= 1);
	assert_string_equal(ou->kind, "overloaded");
	assert_int_equal(ou->status, 529);
	assert_string_equal(ou->message, "http error");
	assert_true(ou->first_seen > 0 && ou->last_seen >= ou->first_seen);
	assert_int_equal(ou->not_sent, 0);
	assert_false(st.vendors[0].circuit_open);
	assert_string_equal(st.vendors[0].stop_reason, "");
	assert_non_null(strstr(runner_outage_describe(ou, line, sizeof(line)), "vendor outage: "
									       "HTTP 529 "
									       "overloaded from "));
	assert_non_null(strstr(line, "recovered after"));
	/* while it was open the vendor got probes, not the night's requests */
	assert_true(st.vendors[0].requests < 20 * 4);
	runner_stats_release(&st);
	plan_done(&f);
}

/* A vendor overloaded for good: after max_outage its remaining items are journaled without
 * being sent, with the outage's fault and a reason naming it, while the other vendor
 * completes; the run takes about max_outage, not retries x items. */
static void test_outage_gives_up_after_max_outage(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	const struct runner_outage *ou;
	int i, not_sent = 0;

	(void)state;
	server_reset();
	srv.down_until = mono() + 3600;
	vendor_init(&f, 0, "down", "/down");
	vendor_init(&f, 1, "live", "/ok");
	f.v[0].retries = 3;
	f.v[0].max_outage_s = 0.6;
	f.v[0].probe_interval_s = 0.2;
	plan_make(&f, 2, 8, 5);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 20;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 80);
	for (i = 0; i < rs.n; i++) {
		if (strcmp(rs.vendor[i], "down"))
			continue;
		assert_int_equal(rs.fault[i], PROBE_FAULT_OVERLOADED);
		not_sent += !strcmp(rs.msg[i], "not sent: vendor outage (circuit open)");
	}
	assert_int_equal(st.vendors[1].answers, 40);
	assert_int_equal(st.vendors[0].answers, 0);
	ou = &st.vendors[0].outage;
	assert_true(ou->opened >= 1);
	assert_false(ou->recovered);
	assert_true(ou->probes >= 2);
	assert_true(not_sent > 0);
	assert_int_equal(ou->not_sent, (size_t)not_sent);
	assert_int_equal(st.vendors[0].unreachable, (size_t)not_sent);
	assert_true(st.vendors[0].circuit_open);
	assert_non_null(strstr(st.vendors[0].stop_reason, "vendor outage: HTTP 529 overloaded"));
	assert_non_null(strstr(st.vendors[0].stop_reason, "requests not sent)"));
	assert_true(st.vendors[0].requests < 40);
	/* one meaning per word: requests are attempts, retries the attempts after an item's
	 * first; the items sent are the ones that failed here (the log says the same) */
	assert_true(st.vendors[0].faults > st.vendors[0].unreachable);
	assert_int_equal(st.vendors[0].requests - st.vendors[0].retries,
			 st.vendors[0].answers + st.vendors[0].faults - st.vendors[0].unreachable);
	assert_true(st.wall_s < 5.0);
	runner_stats_release(&st);
	plan_done(&f);
}

/* Rate-limit headers asking for a wait of 999999 hours: the vendor is given up at once with
 * the reason (the old runner paused 120 s per request, for ever, holding the lock). */
static void test_huge_ratelimit_reset_capped(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	int i, waited = 0;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/stall");
	vendor_init(&f, 1, "live", "/ok");
	f.v[0].concurrency = 1;
	plan_make(&f, 2, 4, 3);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 24);
	for (i = 0; i < rs.n; i++)
		if (!strcmp(rs.vendor[i], "v") && rs.fault[i] != PROBE_OK) {
			assert_int_equal(rs.fault[i], PROBE_FAULT_RATE_LIMIT);
			assert_string_equal(rs.msg[i], "not sent: rate-limit wait over max_wait");
			waited++;
		}
	assert_int_equal(st.vendors[0].answers, 1);
	assert_int_equal(waited, 11);
	assert_int_equal(st.vendors[1].answers, 12);
	assert_non_null(strstr(st.vendors[0].stop_reason, "over max_wait 300 s"));
	assert_int_equal(st.vendors[0].outage.opened, 0);
	assert_true(st.wall_s < 10.0);
	runner_stats_release(&st);
	plan_done(&f);
}

/* A vendor's own max_duration stops it (its other items journaled, not sent); the run's
 * max_duration is a budget like the others. */
static void test_max_duration(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	int i, not_sent = 0;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/slow"); /* one second per answer */
	f.v[0].concurrency = 1;
	f.v[0].max_duration_s = 0.5;
	plan_make(&f, 1, 2, 2);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 4);
	assert_int_equal(rs.ok, 1); /* the one in flight */
	for (i = 0; i < rs.n; i++)
		not_sent += !strcmp(rs.msg[i], "not sent: vendor max_duration reached");
	assert_int_equal(not_sent, 3);
	assert_string_equal(st.vendors[0].stop_reason, "vendor time budget reached (max_duration 0 "
						       "s)");
	assert_true(st.wall_s < 3.0);
	runner_stats_release(&st);
	plan_done(&f);

	server_reset();
	vendor_init(&f, 0, "v", "/slow");
	f.v[0].concurrency = 1;
	plan_make(&f, 1, 2, 2);
	memset(&o, 0, sizeof(o));
	o.max_duration_s = 0.5;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_true(st.budget_hit);
	assert_string_equal(st.budget_reason, "time budget reached (max_duration 0 s)");
	assert_int_equal(st.sent, 1);
	runner_stats_release(&st);
	plan_done(&f);
}

/* 30% of requests fail with 500: retries carry the night, the circuit never opens. */
static void test_partial_outage_no_circuit(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/p30");
	f.v[0].retries = 8;
	f.v[0].max_outage_s = 60;
	plan_make(&f, 1, 8, 8);
	memset(&o, 0, sizeof(o));
	o.backoff_base_ms = 10;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 64);
	assert_int_equal(rs.ok, 64);
	assert_int_equal(st.vendors[0].outage.opened, 0);
	assert_true(st.vendors[0].retries > 0);
	runner_stats_release(&st);
	plan_done(&f);
}

/* A wrong key: every request is refused (401). After 3 in a row with no answer the vendor is
 * stopped for the night: the first request goes alone and after an auth fault one at a time,
 * so 3 requests reach the server, not a wave of `concurrency`; the rest are journaled as not
 * sent, and the reason names the key's variable (never the key). The old runner sent all 20. */
static void test_auth_circuit_stops_vendor(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;
	struct finals fc;
	char want[256], buf[320];
	int i, sent = 0, unsent = 0;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/auth");
	f.v[0].concurrency = 8;
	f.v[0].api_key_env = (char *)"ACME_API_KEY";
	plan_make(&f, 1, 4, 5);
	memset(&o, 0, sizeof(o));
	memset(&fc, 0, sizeof(fc));
	o.on_final = on_final;
	o.final_ctx = &fc;
	assert_int_equal(run(&f, &o, 0, &st), 0);
	/* the caller is told which items were never sent (attempts 0) */
	for (i = 0; i < 20; i++) {
		assert_int_equal(fc.calls[i], 1);
		sent += fc.attempts[i] > 0;
		unsent += fc.attempts[i] == 0;
	}
	assert_int_equal(sent, 3);
	assert_int_equal(unsent, 17);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 20);
	assert_int_equal(rs.ok, 0);
	for (i = 0; i < rs.n; i++)
		assert_int_equal(rs.fault[i], PROBE_FAULT_AUTH);
	assert_int_equal(srv.requests, 3);
	assert_int_equal(srv.max_in_flight, 1);
	assert_int_equal(st.vendors[0].requests, 3);
	assert_int_equal(st.vendors[0].unreachable, 17);
	assert_true(st.vendors[0].auth_failed);
	snprintf(want, sizeof(want),
		 "authentication failed (HTTP 401 from 127.0.0.1:%u): check ACME_API_KEY",
		 srv.port);
	assert_string_equal(st.vendors[0].stop_reason, want);
	assert_int_equal(st.vendors[0].by_fault[PROBE_FAULT_AUTH].n, 20);
	assert_string_equal(runner_fault_describe(&st.vendors[0], buf, sizeof(buf)),
			    "auth (HTTP 401: http error)");
	runner_stats_release(&st);
	plan_done(&f);
}

/* Auth faults with answers between them never stop the vendor: the circuit counts faults in a
 * row with no answer. Every item gets one request (auth faults are not retried). One request
 * at a time, so the answers do come between the faults: with four in flight, three 401s could
 * finish before the 200s sent between them, a row of faults with no answer (seen under ASan). */
static void test_auth_faults_between_answers_no_circuit(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	struct recs rs;

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/auth2");
	f.v[0].concurrency = 1;
	plan_make(&f, 1, 4, 5);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	read_journal(&f, &rs);
	assert_int_equal(rs.n, 20);
	assert_int_equal(rs.ok, 10);
	assert_int_equal(srv.requests, 20);
	assert_false(st.vendors[0].auth_failed);
	assert_string_equal(st.vendors[0].stop_reason, "");
	assert_int_equal(st.vendors[0].by_fault[PROBE_FAULT_AUTH].n, 10);
	runner_stats_release(&st);
	plan_done(&f);
}

/* A host that does not resolve: the items' fault keeps libcurl's own words, and the fault
 * summary quotes them. */
static void test_dns_failure_message_kept(void **state)
{
	struct fixture f;
	struct runner_opts o;
	struct runner_stats st;
	char buf[320];

	(void)state;
	server_reset();
	vendor_init(&f, 0, "v", "/x");
	snprintf(f.urls[0], sizeof(f.urls[0]), "http://api.example.invalid/v1");
	f.v[0].retries = 0;
	plan_make(&f, 1, 2, 2);
	memset(&o, 0, sizeof(o));
	assert_int_equal(run(&f, &o, 0, &st), 0);
	assert_int_equal(st.answered, 0);
	assert_int_equal(st.vendors[0].by_fault[PROBE_FAULT_NETWORK].n, 4);
	runner_fault_describe(&st.vendors[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "network ("));
	assert_non_null(strstr(buf, "Could not resolve host: api.example.invalid"));
	runner_stats_release(&st);
	plan_done(&f);
}

/* An outage of errors inside 200 answers (Ollama's {"error": ...}) is not "HTTP 200 server
 * error", which reads as a contradiction. */
static void test_outage_words_in_200(void **state)
{
	struct runner_outage o;
	char line[400];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.opened = 1;
	o.status = 200;
	snprintf(o.kind, sizeof(o.kind), "server_error");
	o.first_seen = o.last_seen = 1;
	assert_non_null(strstr(runner_outage_describe(&o, line, sizeof(line)),
			       "vendor outage: server error (an error in HTTP 200 answers) from "));
	o.status = 502;
	assert_non_null(strstr(runner_outage_describe(&o, line, sizeof(line)),
			       "vendor outage: HTTP 502 server error from "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_answered_with_concurrency),
		cmocka_unit_test(test_seeds_are_prompt_seed_plus_sample),
		cmocka_unit_test(test_budget_huge_usage),
		cmocka_unit_test(test_retry_honours_retry_after),
		cmocka_unit_test(test_retries_exhausted_and_non_retryable),
		cmocka_unit_test(test_rpm_held_as_server_sees_it),
		cmocka_unit_test(test_tpm_held_as_server_sees_it),
		cmocka_unit_test(test_429_storm_slows_down_and_completes),
		cmocka_unit_test(test_dead_vendor_circuit_others_complete),
		cmocka_unit_test(test_budget_stops_sending),
		cmocka_unit_test(test_response_size_cap),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_resume_skips_done),
		cmocka_unit_test(test_unbuildable_prompt_is_a_fault_not_a_stop),
		cmocka_unit_test(test_progress_throttled),
		cmocka_unit_test(test_record_replay_round_trip),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_on_final_once_per_item),
		cmocka_unit_test(test_on_final_budget_and_resume),
		cmocka_unit_test(test_outage_recovers_night_completes),
		cmocka_unit_test(test_outage_gives_up_after_max_outage),
		cmocka_unit_test(test_huge_ratelimit_reset_capped),
		cmocka_unit_test(test_max_duration),
		cmocka_unit_test(test_partial_outage_no_circuit),
		cmocka_unit_test(test_auth_circuit_stops_vendor),
		cmocka_unit_test(test_outage_words_in_200),
		cmocka_unit_test(test_auth_faults_between_answers_no_circuit),
		cmocka_unit_test(test_dns_failure_message_kept),
	};

	return cmocka_run_group_tests(tests, server_start, server_stop);
}
