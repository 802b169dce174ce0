/* test_sigv4.c: the SigV4 signer (probes/sigv4.c) against every header-signing vector of the AWS
 * suites (the original suite as kept by botocore, the aws-c-auth suite) and of botocore-signed
 * Bedrock requests, byte for byte (canonical request, string to sign, Authorization); then
 * probe_sign_request on requests the bedrock probe builds, and forgery checks. Replaces
 * test_probe_sigv4.c, which showed libcurl 7.88's CURLOPT_AWS_SIGV4 matching 22 of these 36
 * botocore-layout vectors (not the Bedrock one): plumbline no longer signs with libcurl. */
#include "sigv4.h"
#include "test_probe_fixture.h"

#include "http.h"
#include "sim.h"

#include <dirent.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#define AKID	  "AKIDEXAMPLE"
#define SECRET	  "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_2015	  ((time_t)1440938160) /* 2015-08-30T12:36:00Z, the suites' signing time */
#define MAX_CASES 64
#define SIG_DIR	  FX_DIR "aws-sigv4/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb;
	char buf[4096], *out;
	size_t n;

	if (!f)
		return NULL;
	sbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	out = sbuf_detach(&sb, NULL);
	sbuf_release(&sb);
	return out ? out : xstrdup("");
}

static void path_fmt(char *buf, size_t len, const char *fmt, ...) PL_PRINTF(3, 4);

static void path_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		fail_msg("path too long: %s", buf);
}

/* A raw HTTP request as the suites write it: request line (the target may hold a raw space),
 * "Name:value" lines, continuation lines starting with white space (kept, with their line
 * break, for the signer to fold), a blank line, the body. */
struct raw_req {
	char *method;
	char *target;
	struct probe_header *h;
	size_t nh;
	const char *body;
	size_t body_len;
	char *text;
};

static void raw_parse(struct raw_req *r, char *text)
{
	char *line = text, *eol, *sp, *last;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->text = text;
	eol = strchr(line, '\n');
	assert_non_null(eol);
	*eol = '\0';
	if (eol > line && eol[-1] == '\r')
		eol[-1] = '\0';
	sp = strchr(line, ' ');
	last = strrchr(line, ' ');
	assert_true(sp && last && last > sp);
	r->method = xstrndup(line, (size_t)(sp - line));
	r->target = xstrndup(sp + 1, (size_t)(last - sp - 1));
	r->body = "";
	for (line = eol + 1; *line; line = eol + 1) {
		char *colon;

		eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line) - 1 + 1;
		n = (size_t)(eol - line);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0) {
			r->body = *eol ? eol + 1 : eol;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			struct sbuf sb;

			assert_true(r->nh > 0);
			sbuf_init(&sb);
			sbuf_addf(&sb, "%s\n%.*s", r->h[r->nh - 1].value, (int)n, line);
			free(r->h[r->nh - 1].value);
			r->h[r->nh - 1].value = sbuf_detach(&sb, NULL);
			sbuf_release(&sb);
		} else {
			colon = memchr(line, ':', n);
			assert_non_null(colon);
			r->h = xrealloc(r->h, (r->nh + 1) * sizeof(*r->h));
			r->h[r->nh].name = xstrndup(line, (size_t)(colon - line));
			r->h[r->nh].value = xstrndup(colon + 1, n - (size_t)(colon - line) - 1);
			r->nh++;
		}
		if (!*eol)
			break;
	}
	r->body_len = strlen(r->body);
}

static void raw_release(struct raw_req *r)
{
	size_t i;

	for (i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].value);
	}
	free(r->h);
	free(r->method);
	free(r->target);
	free(r->text);
}

/* The expected outputs of one vector; NULL when the suite does not give one. */
struct expect {
	char *creq, *sts, *authz;
};

struct vcase {
	char name[256];
	char dir[1024];
	char base[256];
	int layout_v4; /* aws-c-auth layout (context.json, request.txt, header-*.txt) */
	const char *service;
};

static struct vcase cases[MAX_CASES];
static size_t n_cases;

/* Collects every directory holding <name>.req (botocore layout) or context.json (v4 layout),
 * recursively, sorted by name. */
static void collect(const char *dir, const char *rel, const char *service)
{
	struct dirent **ents = NULL;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		char sub[1024], subrel[256], probe1[1200], probe2[1200];
		struct stat st;
		const char *nm = ents[i]->d_name;

		if (nm[0] != '.') {
			path_fmt(sub, sizeof(sub), "%s/%s", dir, nm);
			path_fmt(subrel, sizeof(subrel), "%s%s%s", rel, *rel ? "/" : "", nm);
			path_fmt(probe1, sizeof(probe1), "%s/%s.req", sub, nm);
			path_fmt(probe2, sizeof(probe2), "%s/context.json", sub);
			if (!stat(sub, &st) && S_ISDIR(st.st_mode)) {
				int v1 = !stat(probe1, &st), v4 = !stat(probe2, &st);

				if (v1 || v4) {
					assert_true(n_cases < MAX_CASES);
					snprintf(cases[n_cases].name, sizeof(cases[0].name), "%s",
						 subrel);
					snprintf(cases[n_cases].dir, sizeof(cases[0].dir), "%s",
						 sub);
					snprintf(cases[n_cases].base, sizeof(cases[0].base), "%s",
						 nm);
					cases[n_cases].layout_v4 = v4;
					cases[n_cases].service = service;
					n_cases++;
				}
				collect(sub, subrel, service);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

static time_t parse_iso(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_true(end && !*end);
	return timegm(&tm);
}

/* Loads one case's request, parameters and expected outputs. Strings go into the holders so
 * the caller frees them. */
static void load_case(const struct vcase *c, struct raw_req *rr, struct sigv4_params *p,
		      struct expect *ex, json_t **ctx)
{
	char path[1400];
	char *text;

	memset(p, 0, sizeof(*p));
	memset(ex, 0, sizeof(*ex));
	*ctx = NULL;
	if (!c->layout_v4) {
		char *tok;

		path_fmt(path, sizeof(path), "%s/%s.req", c->dir, c->base);
		text = slurp(path);
		assert_non_null(text);
		raw_parse(rr, text);
		path_fmt(path, sizeof(path), "%s/%s.creq", c->dir, c->base);
		ex->creq = slurp(path);
		path_fmt(path, sizeof(path), "%s/%s.sts", c->dir, c->base);
		ex->sts = slurp(path);
		path_fmt(path, sizeof(path), "%s/%s.authz", c->dir, c->base);
		ex->authz = slurp(path);
		p->access_key_id = AKID;
		p->secret_access_key = SECRET;
		p->region = "us-east-1";
		p->service = c->service;
		p->when = T_2015;
		/* The suite gives the session token only in the canonical request (botocore's
		 * own runner takes it from there too): it is an input the .req does not carry. */
		tok = ex->creq ? strstr(ex->creq, "\nx-amz-security-token:") : NULL;
		if (tok) {
			tok += strlen("\nx-amz-security-token:");
			*ctx = json_stringn(tok, strcspn(tok, "\n"));
			p->session_token = json_string_value(*ctx);
		}
		return;
	}
	path_fmt(path, sizeof(path), "%s/request.txt", c->dir);
	text = slurp(path);
	assert_non_null(text);
	raw_parse(rr, text);
	path_fmt(path, sizeof(path), "%s/header-canonical-request.txt", c->dir);
	ex->creq = slurp(path);
	path_fmt(path, sizeof(path), "%s/header-string-to-sign.txt", c->dir);
	ex->sts = slurp(path);
	path_fmt(path, sizeof(path), "%s/header-signed-request.txt", c->dir);
	text = slurp(path);
	assert_non_null(text);
	{
		char *a = strstr(text, "\nAuthorization:");

		assert_non_null(a);
		a += strlen("\nAuthorization:");
		ex->authz = xstrndup(a, strcspn(a, "\r\n"));
		free(text);
	}
	path_fmt(path, sizeof(path), "%s/context.json", c->dir);
	*ctx = json_load_file(path, 0, NULL);
	assert_non_null(*ctx);
	p->access_key_id =
		json_string_value(json_object_get(json_object_get(*ctx, "credentials"), "access_"
											"key_id"));
	p->secret_access_key =
		json_string_value(json_object_get(json_object_get(*ctx, "credentials"), "secret_"
											"access_"
											"key"));
	p->session_token =
		json_string_value(json_object_get(json_object_get(*ctx, "credentials"), "token"));
	p->region = json_string_value(json_object_get(*ctx, "region"));
	p->service = json_string_value(json_object_get(*ctx, "service"));
	p->when = parse_iso(json_string_value(json_object_get(*ctx, "timestamp")));
	if (json_is_false(json_object_get(*ctx, "normalize")))
		p->flags |= SIGV4_F_NO_NORMALIZE;
	if (json_is_true(json_object_get(*ctx, "sign_body")))
		p->flags |= SIGV4_F_SIGN_BODY;
	if (json_is_true(json_object_get(*ctx, "omit_session_token")))
		p->flags |= SIGV4_F_UNSIGNED_TOKEN;
}

static int same(const char *what, const char *want, const char *got)
{
	if (!want)
		return 1;
	if (got && !strcmp(want, got))
		return 1;
	printf("    %s differs\n    want: %s\n    got:  %s\n", what, want, got ? got : "(none)");
	return 0;
}

/* Runs one suite directory; returns how many vectors match all their outputs. */
static size_t run_suite(const char *dir, const char *label, const char *service, size_t *total)
{
	size_t i, ok = 0;

	n_cases = 0;
	collect(dir, "", service);
	printf("%s:\n", label);
	for (i = 0; i < n_cases; i++) {
		struct raw_req rr;
		struct sigv4_params p;
		struct sigv4_result res;
		struct sigv4_request rq;
		struct expect ex;
		struct pl_err err = PL_ERR_INIT;
		json_t *ctx;
		int good;

		load_case(&cases[i], &rr, &p, &ex, &ctx);
		rq.method = rr.method;
		rq.target = rr.target;
		rq.headers = rr.h;
		rq.n_headers = rr.nh;
		rq.body = rr.body;
		rq.body_len = rr.body_len;
		sigv4_result_init(&res);
		good = sigv4_sign(&rq, &p, &res, &err) == 0;
		if (!good)
			printf("    error: %s\n", err.msg);
		/* Every vector gives the canonical request and the Authorization header. */
		good = good && ex.creq && ex.authz;
		good = good && same("canonical request", ex.creq, res.canonical_request);
		good = good && same("string to sign", ex.sts, res.string_to_sign);
		good = good && same("authorization", ex.authz, res.authorization);
		printf("  %-44s %s\n", cases[i].name, good ? "ok" : "FAIL");
		ok += good;
		sigv4_result_release(&res);
		raw_release(&rr);
		free(ex.creq);
		free(ex.sts);
		free(ex.authz);
		json_decref(ctx);
	}
	printf("%s: %zu of %zu vectors pass\n", label, ok, n_cases);
	*total = n_cases;
	return ok;
}

/* Every header-signing vector of every suite passes; the counts guard against a suite that
 * silently loses cases. */
static void test_vectors(void **state)
{
	static const struct {
		const char *dir, *label, *service;
		size_t expected;
	} suites[] = {
		{ SIG_DIR "aws4_testsuite-botocore", "aws4_testsuite-botocore", "service", 34 },
		{ SIG_DIR "v4", "v4 (aws-c-auth, header signing)", "service", 38 },
		{ SIG_DIR "bedrock-botocore", "bedrock-botocore", "bedrock", 2 },
		{ SIG_DIR "bedrock-probe", "bedrock-probe (botocore)", "bedrock", 4 },
	};
	size_t i, n, ok;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		ok = run_suite(suites[i].dir, suites[i].label, suites[i].service, &n);
		assert_int_equal(n, suites[i].expected);
		assert_int_equal(ok, n);
	}
}

static const struct probe_message hi_msg[] = { { "user", "Hi" } };

/* Builds the bedrock probe's request for "Hi" and signs it at when. */
static void build_signed(const char *base, const char *model, const char *region, const char *key,
			 int stream, time_t when, struct probe_request *rq)
{
	struct probe_target t = {
		.base_url = base, .model = model, .api_key = key, .region = region
	};
	struct probe_prompt pp = {
		.messages = hi_msg, .n_messages = 1, .temperature = -1, .stream = stream
	};
	struct pl_err err = PL_ERR_INIT;

	probe_request_init(rq);
	assert_int_equal(probe_bedrock.build(&t, &pp, rq, &err), 0);
	assert_int_equal(probe_sign_request(rq, when, &err), 0);
}

static size_t count_header(const struct probe_request *rq, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < rq->n_headers; i++)
		n += !strcmp(rq->headers[i].name, name);
	return n;
}

static const char *signed_line(const char *text, const char *name)
{
	static char buf[1024];
	const char *p = strstr(text, name);

	assert_non_null(p);
	p += strlen(name);
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "\r\n"), p);
	return buf;
}

/* End to end without the network: the probe builds, probe_sign_request signs, and the result is
 * what botocore signed for the same request (bedrock-probe vectors, which also hold the body). */
static void test_probe_vectors(void **state)
{
	static const char *const names[] = { "probe-converse", "probe-converse-stream-token",
					     "probe-converse-arn", "probe-converse-loopback" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char path[512], key[512];
		json_t *ctx, *cred;
		char *signed_req, *request;
		const char *tok, *body;
		struct probe_request rq;

		path_fmt(path, sizeof(path), "%sbedrock-probe/%s/context.json", SIG_DIR, names[i]);
		ctx = json_load_file(path, 0, NULL);
		assert_non_null(ctx);
		cred = json_object_get(ctx, "credentials");
		tok = json_string_value(json_object_get(cred, "token"));
		path_fmt(key, sizeof(key), "%s:%s%s%s",
			 json_string_value(json_object_get(cred, "access_key_id")),
			 json_string_value(json_object_get(cred, "secret_access_key")),
			 tok ? ":" : "", tok ? tok : "");
		build_signed(json_string_value(json_object_get(ctx, "base_url")),
			     json_string_value(json_object_get(ctx, "model")),
			     json_string_value(json_object_get(ctx, "region")), key,
			     json_is_true(json_object_get(ctx, "stream")), T_2015, &rq);
		path_fmt(path, sizeof(path), "%sbedrock-probe/%s/header-signed-request.txt",
			 SIG_DIR, names[i]);
		signed_req = slurp(path);
		path_fmt(path, sizeof(path), "%sbedrock-probe/%s/request.txt", SIG_DIR, names[i]);
		request = slurp(path);
		assert_true(signed_req && request);
		/* The vector is the probe's request: same path, same body. */
		assert_non_null(strstr(request, strstr(rq.url, "/model/")));
		body = strstr(request, "\n\n");
		assert_non_null(body);
		assert_string_equal(body + 2, rq.body);
		assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "authorization"),
				    signed_line(signed_req, "\nAuthorization:"));
		assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "x-amz-date"), "2015"
											      "0830"
											      "T123"
											      "600"
											      "Z");
		assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "host"),
				    signed_line(request, "\nhost:"));
		if (tok)
			assert_string_equal(probe_header_get(rq.headers, rq.n_headers,
							     "x-amz-security-token"),
					    tok);
		else
			assert_int_equal(count_header(&rq, "x-amz-security-token"), 0);
		printf("  %-32s probe request signed as botocore signs it\n", names[i]);
		probe_request_release(&rq);
		free(signed_req);
		free(request);
		json_decref(ctx);
	}
}

/* The brief's case: a modelId with ':' ("%3A" in the URL, "%253A" signed). The probe's request
 * without its accept header is exactly bedrock-botocore/bedrock-converse. */
static void test_bedrock_botocore_vector(void **state)
{
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	char *want;
	size_t i, k = 0;

	(void)state;
	build_signed("https://example.amazonaws.com", "us.amazon.nova-micro-v1:0", "us-east-1",
		     AKID ":" SECRET, 0, T_2015, &rq);
	assert_string_equal(rq.url, "https://example.amazonaws.com/model/"
				    "us.amazon.nova-micro-v1%3A0/converse");
	for (i = 0; i < rq.n_headers; i++) {
		if (!strcmp(rq.headers[i].name, "accept")) {
			free(rq.headers[i].name);
			free(rq.headers[i].value);
			continue;
		}
		rq.headers[k++] = rq.headers[i];
	}
	rq.n_headers = k;
	assert_int_equal(probe_sign_request(&rq, T_2015, &err), 0);
	want = slurp(SIG_DIR "bedrock-botocore/bedrock-converse/bedrock-converse.authz");
	assert_non_null(want);
	assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "authorization"), want);
	free(want);
	probe_request_release(&rq);
}

/* A retry signs again: one of each signing header, the new date, a new signature; the same
 * time gives the same signature. */
static void test_resign(void **state)
{
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	char *first;

	(void)state;
	build_signed(NULL, "amazon.titan-text-express-v1", "eu-central-1",
		     AKID ":" SECRET ":SESSIONTOKEN", 0, T_2015, &rq);
	first = xstrdup(probe_header_get(rq.headers, rq.n_headers, "authorization"));
	assert_int_equal(probe_sign_request(&rq, T_2015 + 3600, &err), 0);
	assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "x-amz-date"), "20150830T133"
										      "600Z");
	assert_string_not_equal(probe_header_get(rq.headers, rq.n_headers, "authorization"), first);
	assert_int_equal(probe_sign_request(&rq, T_2015, &err), 0);
	assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "authorization"), first);
	assert_string_equal(probe_header_get(rq.headers, rq.n_headers, "host"), "bedrock-runtime."
										"eu-central-1."
										"amazonaws.com");
	assert_int_equal(count_header(&rq, "authorization"), 1);
	assert_int_equal(count_header(&rq, "x-amz-date"), 1);
	assert_int_equal(count_header(&rq, "host"), 1);
	assert_int_equal(count_header(&rq, "x-amz-security-token"), 1);
	assert_int_equal(count_header(&rq, "content-type"), 1);
	assert_non_null(strstr(first, "SignedHeaders=accept;content-type;host;x-amz-date;"
				      "x-amz-security-token, "));
	free(first);
	probe_request_release(&rq);
}

/* Forgery: any change to what was signed (body byte, model, secret, date, region, session
 * token) gives another signature, so AWS would refuse the altered request. */
static void test_forgery(void **state)
{
	static const struct {
		const char *model, *region, *key;
		time_t when;
		int flip_body;
	} alt[] = {
		{ "us.amazon.nova-micro-v1:0", "us-east-1", AKID ":" SECRET, T_2015, 1 },
		{ "us.amazon.nova-micro-v1:1", "us-east-1", AKID ":" SECRET, T_2015, 0 },
		{ "us.amazon.nova-micro-v1:0", "us-east-1", AKID ":" SECRET "x", T_2015, 0 },
		{ "us.amazon.nova-micro-v1:0", "us-east-1", AKID ":" SECRET, T_2015 + 1, 0 },
		{ "us.amazon.nova-micro-v1:0", "us-west-2", AKID ":" SECRET, T_2015, 0 },
		{ "us.amazon.nova-micro-v1:0", "us-east-1", AKID ":" SECRET ":tok", T_2015, 0 },
	};
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	char *base;
	size_t i;

	(void)state;
	build_signed("https://example.amazonaws.com", alt[0].model, "us-east-1", AKID ":" SECRET, 0,
		     T_2015, &rq);
	base = xstrdup(probe_header_get(rq.headers, rq.n_headers, "authorization"));
	probe_request_release(&rq);
	for (i = 0; i < ARRAY_SIZE(alt); i++) {
		build_signed("https://example.amazonaws.com", alt[i].model, alt[i].region,
			     alt[i].key, 0, alt[i].when, &rq);
		if (alt[i].flip_body) {
			rq.body[rq.body_len - 3] ^= 1;
			assert_int_equal(probe_sign_request(&rq, alt[i].when, &err), 0);
		}
		assert_string_not_equal(probe_header_get(rq.headers, rq.n_headers, "authorization"),
					base);
		probe_request_release(&rq);
	}
	free(base);
}

/* Bad inputs fail with a message that never holds the secret; unsigned requests are left as
 * they are. */
static void test_errors(void **state)
{
	static const struct {
		const char *provider, *userpwd, *url, *msg;
	} bad[] = {
		{ "aws:amz:us-east-1", AKID ":" SECRET, "https://h/x",
		  "sigv4: provider \"aws:amz:us-east-1\" is not \"aws:amz:REGION:SERVICE\"" },
		{ "aws:amz::bedrock", AKID ":" SECRET, "https://h/x",
		  "sigv4: provider \"aws:amz::bedrock\" is not \"aws:amz:REGION:SERVICE\"" },
		{ "aws:amz:us-east-1:bedrock", SECRET, "https://h/x",
		  "sigv4: key pair must be ACCESS_KEY_ID:SECRET_ACCESS_KEY" },
		{ "aws:amz:us-east-1:bedrock", AKID ":", "https://h/x",
		  "sigv4: key pair must be ACCESS_KEY_ID:SECRET_ACCESS_KEY" },
		{ "aws:amz:us-east-1:bedrock", AKID ":" SECRET, "h/x",
		  "sigv4: cannot find the host in the url" },
		{ "aws:amz:us-east-1:bedrock", AKID ":" SECRET, "https:///x",
		  "sigv4: cannot find the host in the url" },
	};
	struct sigv4_params p = { .access_key_id = AKID,
				  .secret_access_key = SECRET,
				  .region = "us-east-1",
				  .service = "s",
				  .when = T_2015 };
	struct sigv4_request sr = { .method = "GET", .target = "/" };
	struct sigv4_result res;
	struct probe_request rq;
	struct pl_err err = PL_ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pl_err_init(&err);
		probe_request_init(&rq);
		rq.method = xstrdup("POST");
		rq.url = xstrdup(bad[i].url);
		rq.sigv4_provider = xstrdup(bad[i].provider);
		rq.sigv4_userpwd = xstrdup(bad[i].userpwd);
		assert_int_equal(probe_sign_request(&rq, T_2015, &err), -1);
		assert_string_equal(err.msg, bad[i].msg);
		assert_null(strstr(err.msg, SECRET));
		assert_int_equal(err.code, PL_E_INPUT);
		probe_request_release(&rq);
	}
	/* No host header. */
	pl_err_init(&err);
	sigv4_result_init(&res);
	assert_int_equal(sigv4_sign(&sr, &p, &res, &err), -1);
	assert_string_equal(err.msg, "sigv4: the request has no host header");
	assert_null(res.authorization);
	/* No secret. */
	pl_err_init(&err);
	p.secret_access_key = "";
	assert_int_equal(sigv4_sign(&sr, &p, &res, &err), -1);
	assert_string_equal(err.msg, "sigv4: missing access key id or secret key");
	sigv4_result_release(&res);
	/* A bearer-key request is not touched. */
	probe_request_init(&rq);
	probe_request_add_header(&rq, "authorization", "Bearer k");
	assert_int_equal(probe_sign_request(&rq, T_2015, &err), 0);
	assert_int_equal(rq.n_headers, 1);
	probe_request_release(&rq);
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* S3's rules (no normalisation, one encoding) and the default rule on the same path, and the
 * secret never appears in what the signer exposes. */
static void test_path_rules(void **state)
{
	static const struct probe_header h[] = { { "Host", "example.amazonaws.com" } };
	struct sigv4_params p = { .access_key_id = AKID,
				  .secret_access_key = SECRET,
				  .region = "us-east-1",
				  .service = "s3",
				  .when = T_2015 };
	struct sigv4_request sr = {
		.method = "GET", .target = "/a//b/./%3A c?b=2&a=%7e&a", .headers = h, .n_headers = 1
	};
	struct sigv4_result res;
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	sigv4_result_init(&res);
	p.flags = SIGV4_F_NO_NORMALIZE | SIGV4_F_SINGLE_ENCODE | SIGV4_F_SIGN_BODY;
	assert_int_equal(sigv4_sign(&sr, &p, &res, &err), 0);
	assert_prefix(res.canonical_request, "GET\n/a//b/./%3A%20c\na=&a=~&b=2\n");
	assert_non_null(strstr(res.canonical_request, "\nx-amz-content-sha256:"
						      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
						      "649b934ca495991b7852b855\n"));
	assert_true(res.sign_body);
	p.flags = 0;
	assert_int_equal(sigv4_sign(&sr, &p, &res, &err), 0);
	assert_prefix(res.canonical_request, "GET\n/a/b/%253A%20c\na=&a=~&b=2\n");
	assert_null(strstr(res.canonical_request, SECRET));
	assert_null(strstr(res.string_to_sign, SECRET));
	assert_null(strstr(res.authorization, SECRET));
	sigv4_result_release(&res);
}

/* What the capture server saw: the raw request target, every header, the body. */
struct seen {
	char target[1024];
	char method[16];
	struct probe_header h[32];
	size_t nh;
	struct sbuf body;
};

static enum MHD_Result keep_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct seen *s = cls;

	(void)kind;
	if (s->nh < ARRAY_SIZE(s->h)) {
		s->h[s->nh].name = xstrdup(k);
		s->h[s->nh].value = xstrdup(v ? v : "");
		s->nh++;
	}
	return MHD_YES;
}

/* Keeps the target as it arrived ("%3A" stays), which is what AWS verifies. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static enum MHD_Result capture(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	static int marker;
	struct seen *s = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	if (!*con_cls) {
		*con_cls = &marker;
		snprintf(s->target, sizeof(s->target), "%s", url);
		snprintf(s->method, sizeof(s->method), "%s", method);
		MHD_get_connection_values(c, MHD_HEADER_KIND, keep_header, s);
		return MHD_YES;
	}
	if (*upload_size) {
		sbuf_add(&s->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *ctx, struct http_xfer *x, void *user)
{
	(void)x;
	(void)user;
	*(int *)ctx = 1;
}

/* Sends rq with the runner's http module (which signs it) and waits for the answer. */
static void send_once(struct probe_request *rq, struct http_xfer *x)
{
	struct http_opts o = { .timeout_ms = 10000 };
	struct pl_err err = PL_ERR_INIT;
	struct http *h = http_new(&err);
	int done = 0, i;

	assert_non_null(h);
	assert_int_equal(http_start(h, x, rq, &o, NULL, &err), 0);
	for (i = 0; i < 200 && !done; i++)
		assert_true(http_poll(h, 50, on_done, &done, &err) >= 0);
	assert_true(done);
	assert_int_equal(http_xfer_fault(x), PROBE_OK);
	http_free(h);
}

/* On the wire: what libcurl sent (target, signed headers, body) re-signs to the Authorization
 * it carried, so no header was rewritten after signing. AWS checks exactly this. */
static void test_wire(void **state)
{
	struct sockaddr_in sin;
	struct MHD_Daemon *d;
	struct seen s;
	struct probe_request rq;
	struct http_xfer *x = http_xfer_new();
	struct sigv4_request sr;
	struct sigv4_params p = { .access_key_id = AKID,
				  .secret_access_key = SECRET,
				  .session_token = "TOKEN/+=",
				  .region = "us-west-2",
				  .service = "bedrock" };
	struct sigv4_result res;
	struct pl_err err = PL_ERR_INIT;
	struct probe_header signed_h[32];
	char base[64], *names, *name, *save = NULL;
	const char *authz, *date;
	struct tm tm;
	size_t i, n = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	sbuf_init(&s.body);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, capture, &s,
			     MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape,
			     NULL, MHD_OPTION_END);
	assert_non_null(d);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 (unsigned)MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	build_signed(base, "us.amazon.nova-micro-v1:0", "us-west-2", AKID ":" SECRET ":TOKEN/+=", 0,
		     T_2015, &rq);
	send_once(&rq, x); /* signs again, for now */
	MHD_stop_daemon(d);

	assert_string_equal(s.target, "/model/us.amazon.nova-micro-v1%3A0/converse");
	authz = probe_header_get(s.h, s.nh, "authorization");
	date = probe_header_get(s.h, s.nh, "x-amz-date");
	assert_true(authz && date);
	assert_string_equal(probe_header_get(s.h, s.nh, "x-amz-security-token"), "TOKEN/+=");
	/* Only the headers listed in SignedHeaders take part, as on the AWS side. */
	names = xstrdup(strstr(authz, "SignedHeaders=") + strlen("SignedHeaders="));
	names[strcspn(names, ",")] = '\0';
	assert_string_equal(names, "accept;content-type;host;x-amz-date;x-amz-security-token");
	for (name = strtok_r(names, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
		signed_h[n].name = name;
		signed_h[n].value = (char *)probe_header_get(s.h, s.nh, name);
		assert_non_null(signed_h[n].value);
		n++;
	}
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(date, "%Y%m%dT%H%M%SZ", &tm));
	p.when = timegm(&tm);
	sr.method = s.method;
	sr.target = s.target;
	sr.headers = signed_h;
	sr.n_headers = n;
	sr.body = s.body.buf;
	sr.body_len = s.body.len;
	sigv4_result_init(&res);
	assert_int_equal(sigv4_sign(&sr, &p, &res, &err), 0);
	assert_string_equal(res.authorization, authz);
	assert_string_equal(s.body.buf, rq.body);
	sigv4_result_release(&res);
	free(names);
	for (i = 0; i < s.nh; i++) {
		free(s.h[i].name);
		free(s.h[i].value);
	}
	sbuf_release(&s.body);
	probe_request_release(&rq);
	http_xfer_free(x);
}

/* The simulator's bedrock path (which checks the access key id, not the signature) accepts
 * the signed request and the probe reads its answer. */
static void test_sim_accepts(void **state)
{
	struct sim_opts o;
	struct sim *sim;
	struct probe_request rq;
	struct probe_answer a;
	struct probe_target t = { .model = "us.amazon.nova-micro-v1:0", .region = "us-east-1" };
	struct probe_prompt pp = { .messages = hi_msg, .n_messages = 1, .temperature = -1 };
	struct http_xfer *x = http_xfer_new();
	struct pl_err err = PL_ERR_INIT;
	char base[64];
	int port = 0;

	(void)state;
	sim_opts_init(&o);
	o.require_key = AKID;
	sim = sim_start(&o, &port, &err);
	assert_non_null(sim);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	build_signed(base, t.model, "us-east-1", AKID ":" SECRET, 0, T_2015, &rq);
	send_once(&rq, x);
	assert_int_equal(http_xfer_response(x)->status, 200);
	probe_answer_init(&a);
	probe_bedrock.parse(&t, &pp, http_xfer_response(x), &a);
	assert_int_equal(a.fault, PROBE_OK);
	assert_non_null(a.text);
	assert_true(strlen(a.text) > 0);
	probe_answer_release(&a);
	probe_request_release(&rq);

	/* A wrong access key id is refused as an auth fault. */
	build_signed(base, t.model, "us-east-1", "AKIDWRONG:" SECRET, 0, T_2015, &rq);
	send_once(&rq, x);
	assert_int_equal(http_xfer_response(x)->status, 403);
	probe_request_release(&rq);
	http_xfer_free(x);
	sim_stop(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_probe_vectors),
		cmocka_unit_test(test_bedrock_botocore_vector),
		cmocka_unit_test(test_resign),
		cmocka_unit_test(test_forgery),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_path_rules),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_sim_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
