/* cmd_simulate.c: `plumbline simulate`: serves the simulated vendor on 127.0.0.1 until SIGINT or
 * SIGTERM. */
#include "cli.h"
#include "fileio.h"
#include "sim.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_simulate[] =
	"usage: plumbline simulate [--port N] [--port-file PATH] [--latency MS]\n"
	"                          [--drift NAME[,NAME]] [--drift-strength X]\n"
	"                          [--fault NAME] [--fault-rate R] [--fault-for SECS]\n"
	"                          [--slow-ms MS]\n"
	"                          [--token-ms MS] [--tls-cert PEM --tls-key PEM]\n"
	"                          [--seed N] [--night N] [--night-noise X] [--unstable]\n"
	"                          [--format openai|anthropic|gemini|ollama|bedrock|azure]\n"
	"                          [--require-key KEY] [--rate-limit-rpm N]\n"
	"                          [--rate-limit-tpm N]\n"
	"\n"
	"Serves a simulated LLM vendor on 127.0.0.1 (never another interface) until SIGINT or\n"
	"SIGTERM. Answers are sampled like a real model's and deterministic for a seed.\n"
	"\n"
	"  --port N            port to listen on; 0 (default) picks a free one\n"
	"  --port-file PATH    write the bound port to PATH (for scripts)\n"
	"  --latency MS        answer MS milliseconds after each request arrives\n"
	"  --token-ms MS       streams: MS milliseconds between events (default 0)\n"
	"  --drift NAMES       behaviour changes, comma-separated: longer, fenced, model,\n"
	"                      refusals, fingerprint, wording, tokenizer, swap,\n"
	"                      refusal-text, fence\n"
	"  --drift-strength X  share of answers the 'wording', 'refusal-text' and 'fence'\n"
	"                      drifts alter (default 0.1)\n"
	"  --fault NAME        429, 429-noretry, 500, 502-html, 503, 529, slow,\n"
	"                      slow-headers, timeout (no answer for --slow-ms, then\n"
	"                      closed), truncated, reset (TCP RST), empty-reply (closed\n"
	"                      without an answer), wrong-content-type, stream-error,\n"
	"                      echo-key (a vendor that repeats the credentials it got)\n"
	"  --fault-rate R      share of requests faulted, 0..1 (default 1)\n"
	"  --fault-for SECS    fault only in the first SECS seconds, then recover (an\n"
	"                      outage that ends; default: for ever)\n"
	"  --slow-ms MS        how long slow faults last (default 120000)\n"
	"  --seed N            the simulated model's identity (default 0)\n"
	"  --night N           night index: moves answer probabilities a little (default 0)\n"
	"  --night-noise X     how much a night moves them (default 0.05; 0 = none)\n"
	"  --unstable          nights vary a lot (an endpoint too noisy to judge)\n"
	"  --format NAME       serve only this wire format (default: every format, by path)\n"
	"  --require-key KEY   demand exactly this API key (default: any non-empty key)\n"
	"  --rate-limit-rpm N  answer 429 + Retry-After beyond N requests per minute\n"
	"  --rate-limit-tpm N  answer 429 + Retry-After beyond N tokens (prompt + answer) per\n"
	"                      minute\n"
	"  --tls-cert PEM      serve HTTPS with this certificate (and --tls-key PEM), e.g. to\n"
	"                      test that a self-signed certificate is rejected\n"
	"\n"
	"Formats, chosen by path (auth header in brackets; any non-empty key unless\n"
	"--require-key):\n"
	"  openai     POST /v1/chat/completions, /v1/responses   [Authorization: Bearer]\n"
	"  azure      POST /openai/deployments/D/chat/completions?api-version=V  [api-key]\n"
	"  anthropic  POST /v1/messages                [x-api-key, anthropic-version]\n"
	"  gemini     POST /v1beta/models/M:generateContent, :streamGenerateContent[?alt=sse]\n"
	"                                              [x-goog-api-key or ?key=]\n"
	"  ollama     POST /api/chat                   [none; Bearer with --require-key]\n"
	"  bedrock    POST /model/ID/converse, /model/ID/converse-stream\n"
	"                                              [SigV4 access key id or Bearer; not "
	"verified]\n"
	"GET /_sim/stats returns the request and token counters; POST /_sim/reset zeroes them.\n";

enum opt_id {
	O_DRIFT,
	O_DRIFT_STRENGTH,
	O_FAULT,
	O_FAULT_FOR,
	O_FAULT_RATE,
	O_FORMAT,
	O_LATENCY,
	O_NIGHT,
	O_NIGHT_NOISE,
	O_PORT,
	O_PORT_FILE,
	O_RATE_LIMIT_RPM,
	O_RATE_LIMIT_TPM,
	O_REQUIRE_KEY,
	O_SEED,
	O_SLOW_MS,
	O_TLS_CERT,
	O_TLS_KEY,
	O_TOKEN_MS,
	O_UNSTABLE,
};

static const struct opt {
	const char *name;
	enum opt_id id;
	int has_arg;
} opts[] = {
	{ "--drift", O_DRIFT, 1 },
	{ "--drift-strength", O_DRIFT_STRENGTH, 1 },
	{ "--fault", O_FAULT, 1 },
	{ "--fault-for", O_FAULT_FOR, 1 },
	{ "--fault-rate", O_FAULT_RATE, 1 },
	{ "--format", O_FORMAT, 1 },
	{ "--latency", O_LATENCY, 1 },
	{ "--night", O_NIGHT, 1 },
	{ "--night-noise", O_NIGHT_NOISE, 1 },
	{ "--port", O_PORT, 1 },
	{ "--port-file", O_PORT_FILE, 1 },
	{ "--rate-limit-rpm", O_RATE_LIMIT_RPM, 1 },
	{ "--rate-limit-tpm", O_RATE_LIMIT_TPM, 1 },
	{ "--require-key", O_REQUIRE_KEY, 1 },
	{ "--seed", O_SEED, 1 },
	{ "--slow-ms", O_SLOW_MS, 1 },
	{ "--tls-cert", O_TLS_CERT, 1 },
	{ "--tls-key", O_TLS_KEY, 1 },
	{ "--token-ms", O_TOKEN_MS, 1 },
	{ "--unstable", O_UNSTABLE, 0 },
};

/* Every number goes through the CLI's one parser (finite, whole, in range). */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	long long v;

	if (cli_parse_ll(s, lo, hi, &v) < 0)
		return -1;
	*out = (long)v;
	return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	return cli_parse_double(s, lo, hi, out);
}

struct files {
	const char *port_file;
	const char *tls_cert;
	const char *tls_key;
};

static int set_opt(struct sim_opts *o, const struct opt *op, const char *arg, struct files *f)
{
	long l;
	unsigned long long u;

	switch (op->id) {
	case O_DRIFT:
		if (sim_drift_parse(arg, &o->knobs.drifts) != 0)
			return cli_usage_error("simulate", "unknown drift in '%s'", arg);
		return 0;
	case O_DRIFT_STRENGTH:
		if (parse_double(arg, 0, 1, &o->knobs.drift_strength) != 0)
			return cli_usage_error("simulate", "--drift-strength wants 0..1, not '%s'",
					       arg);
		return 0;
	case O_FAULT:
		if (sim_fault_parse(arg, &o->fault) != 0)
			return cli_usage_error("simulate", "unknown fault '%s'", arg);
		return 0;
	case O_FAULT_FOR:
		if (parse_double(arg, 0.001, 1e7, &o->fault_for_s) != 0)
			return cli_usage_error("simulate",
					       "--fault-for wants seconds > 0, not '%s'", arg);
		return 0;
	case O_FAULT_RATE:
		if (parse_double(arg, 0, 1, &o->fault_rate) != 0)
			return cli_usage_error("simulate", "--fault-rate wants 0..1, not '%s'",
					       arg);
		return 0;
	case O_FORMAT:
		o->format = arg;
		return 0;
	case O_LATENCY:
		if (parse_long(arg, 0, 3600000, &l) != 0)
			return cli_usage_error("simulate", "--latency wants milliseconds, not '%s'",
					       arg);
		o->latency_ms = (int)l;
		return 0;
	case O_NIGHT:
		if (parse_long(arg, 0, INT_MAX, &l) != 0)
			return cli_usage_error("simulate", "--night wants a number >= 0, not '%s'",
					       arg);
		o->knobs.night = (int)l;
		return 0;
	case O_NIGHT_NOISE:
		if (parse_double(arg, 0, 10, &o->knobs.night_noise) != 0)
			return cli_usage_error("simulate", "--night-noise wants 0..10, not '%s'",
					       arg);
		return 0;
	case O_PORT:
		if (parse_long(arg, 0, 65535, &l) != 0)
			return cli_usage_error("simulate", "--port wants 0..65535, not '%s'", arg);
		o->port = (int)l;
		return 0;
	case O_PORT_FILE:
		f->port_file = arg;
		return 0;
	case O_TLS_CERT:
		f->tls_cert = arg;
		return 0;
	case O_TLS_KEY:
		f->tls_key = arg;
		return 0;
	case O_RATE_LIMIT_RPM:
		if (parse_long(arg, 1, 1000000, &l) != 0)
			return cli_usage_error("simulate",
					       "--rate-limit-rpm wants 1..1000000, not '%s'", arg);
		o->rate_limit_rpm = l;
		return 0;
	case O_RATE_LIMIT_TPM:
		if (parse_long(arg, 1, 1000000000, &l) != 0)
			return cli_usage_error(
				"simulate", "--rate-limit-tpm wants 1..1000000000, not '%s'", arg);
		o->rate_limit_tpm = l;
		return 0;
	case O_REQUIRE_KEY:
		if (!*arg)
			return cli_usage_error("simulate", "--require-key wants a non-empty key");
		o->require_key = arg;
		return 0;
	case O_SEED:
		if (cli_parse_u64(arg, &u) < 0)
			return cli_usage_error("simulate", "--seed wants a number, not '%s'", arg);
		o->knobs.seed = u;
		return 0;
	case O_SLOW_MS:
		if (parse_long(arg, 1, 86400000, &l) != 0)
			return cli_usage_error("simulate", "--slow-ms wants milliseconds, not '%s'",
					       arg);
		o->slow_ms = (int)l;
		return 0;
	case O_TOKEN_MS:
		if (parse_long(arg, 0, 60000, &l) != 0)
			return cli_usage_error("simulate",
					       "--token-ms wants milliseconds, not '%s'", arg);
		o->token_ms = (int)l;
		return 0;
	case O_UNSTABLE:
		o->knobs.unstable = 1;
		return 0;
	}
	return cli_usage_error("simulate", "internal: unhandled option");
}

static int parse_args(int argc, char **argv, struct sim_opts *o, struct files *f)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a), j;

		for (j = 0; j < ARRAY_SIZE(opts); j++)
			if (strlen(opts[j].name) == n && !strncmp(a, opts[j].name, n))
				break;
		if (j == ARRAY_SIZE(opts))
			return cli_usage_error("simulate", "unknown option '%s'", a);
		if (opts[j].has_arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_usage_error("simulate", "%s needs a value",
						       opts[j].name);
		} else if (eq) {
			return cli_usage_error("simulate", "%s takes no value", opts[j].name);
		}
		if (set_opt(o, &opts[j], val, f) != 0)
			return EXIT_USAGE;
	}
	return 0;
}

/* Starts the server and waits for SIGINT/SIGTERM. Returns the exit code. */
static int serve(struct sim_opts *o, const struct files *f)
{
	struct pl_err err = PL_ERR_INIT;
	struct sim *s;
	sigset_t set;
	int port = 0, sig = 0;

	/* Block the stop signals before any server thread exists, then wait for one here. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	s = sim_start(o, &port, &err);
	if (!s)
		return cli_fail(&err);
	/* the line first: a script that waits for the port file may then read it */
	printf("listening on %s://127.0.0.1:%d\n", o->tls_cert_pem ? "https" : "http", port);
	fflush(stdout);
	if (f->port_file) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d\n", port);

		if (fileio_write_atomic(f->port_file, buf, (size_t)n, 0644, &err) != 0) {
			sim_stop(s);
			return cli_fail(&err);
		}
	}
	while (sigwait(&set, &sig) != 0)
		;
	sim_stop(s);
	fprintf(stderr, "plumbline: simulate: stopped (signal %d)\n", sig);
	return EXIT_OK;
}

int cmd_simulate(int argc, char **argv)
{
	struct sim_opts o;
	struct pl_err err = PL_ERR_INIT;
	struct files f = { NULL, NULL, NULL };
	char *cert = NULL, *key = NULL;
	size_t key_len = 0;
	int rc;

	if (cli_wants_help(argc, argv))
		return cli_print_usage("simulate");
	sim_opts_init(&o);
	rc = parse_args(argc, argv, &o, &f);
	if (rc)
		return rc;
	if (!f.tls_cert != !f.tls_key)
		return cli_usage_error("simulate", "--tls-cert and --tls-key go together");
	if (f.tls_cert && (fileio_read_all(f.tls_cert, 1u << 20, &cert, NULL, &err) != 0 ||
			   fileio_read_all(f.tls_key, 1u << 20, &key, &key_len, &err) != 0)) {
		rc = cli_fail(&err);
		goto out;
	}
	o.tls_cert_pem = cert;
	o.tls_key_pem = key;
	rc = serve(&o, &f);
out:
	free(cert);
	if (key) {
		OPENSSL_cleanse(key, key_len);
		free(key);
	}
	return rc;
}
