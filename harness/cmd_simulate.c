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
	"\n";

static const char usage_simulate_tail[] =
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

struct sim_args {
	const char *drift, *fault, *format, *require_key;
	const char *port_file, *tls_cert, *tls_key;
	long long port, latency_ms, token_ms, night, slow_ms, rpm, tpm;
	double drift_strength, fault_rate, fault_for_s, night_noise;
	unsigned long long seed;
	int unstable;
};

/* Every number goes through the CLI's one parser (finite, whole, in range). */
const struct cli_option simulate_options[] = {
	CLI_INT(0, "port", struct sim_args, port, "N", 0, 65535, "0..65535",
		"port to listen on; 0 (default) picks a free one"),
	CLI_STRING(0, "port-file", struct sim_args, port_file, "PATH",
		   "write the bound port to PATH (for scripts)"),
	CLI_INT(0, "latency", struct sim_args, latency_ms, "MS", 0, 3600000,
		"milliseconds 0..3600000", "answer MS milliseconds after each request arrives"),
	CLI_INT(0, "token-ms", struct sim_args, token_ms, "MS", 0, 60000, "milliseconds 0..60000",
		"streams: MS milliseconds between events (default 0)"),
	CLI_STRING(0, "drift", struct sim_args, drift, "NAMES",
		   "behaviour changes, comma-separated: longer, fenced, model,\n"
		   "refusals, fingerprint, wording, tokenizer, swap,\n"
		   "refusal-text, fence, no-tools, tool-args, field"),
	CLI_DOUBLE(0, "drift-strength", struct sim_args, drift_strength, "X", 0, 1, "0..1",
		   "share of answers the 'wording', 'refusal-text', 'fence' and\n"
		   "'field' drifts alter (default 0.1)"),
	CLI_STRING(0, "fault", struct sim_args, fault, "NAME",
		   "429, 429-noretry, 500, 502-html, 503, 529, slow,\n"
		   "slow-headers, timeout (no answer for --slow-ms, then\n"
		   "closed), truncated, reset (TCP RST), empty-reply (closed\n"
		   "without an answer), wrong-content-type, stream-error,\n"
		   "echo-key (a vendor that repeats the credentials it got)"),
	CLI_DOUBLE(0, "fault-rate", struct sim_args, fault_rate, "R", 0, 1, "0..1",
		   "share of requests faulted, 0..1 (default 1)"),
	CLI_DOUBLE(0, "fault-for", struct sim_args, fault_for_s, "SECS", 0.001, 1e7, "seconds > 0",
		   "fault only in the first SECS seconds, then recover (an\n"
		   "outage that ends; default: for ever)"),
	CLI_INT(0, "slow-ms", struct sim_args, slow_ms, "MS", 1, 86400000,
		"milliseconds 1..86400000", "how long slow faults last (default 120000)"),
	CLI_U64(0, "seed", struct sim_args, seed, "N", "a whole number >= 0",
		"the simulated model's identity (default 0)"),
	CLI_INT(0, "night", struct sim_args, night, "N", 0, INT_MAX, "a whole number >= 0",
		"night index: moves answer probabilities a little (default 0)"),
	CLI_DOUBLE(0, "night-noise", struct sim_args, night_noise, "X", 0, 10, "0..10",
		   "how much a night moves them (default 0.05; 0 = none)"),
	CLI_BOOL(0, "unstable", struct sim_args, unstable,
		 "nights vary a lot (an endpoint too noisy to judge)"),
	CLI_STRING(0, "format", struct sim_args, format, "NAME",
		   "serve only this wire format (default: every format, by path)"),
	CLI_STRING(0, "require-key", struct sim_args, require_key, "KEY",
		   "demand exactly this API key (default: any non-empty key)"),
	CLI_INT(0, "rate-limit-rpm", struct sim_args, rpm, "N", 1, 1000000, "1..1000000",
		"answer 429 + Retry-After beyond N requests per minute"),
	CLI_INT(0, "rate-limit-tpm", struct sim_args, tpm, "N", 1, 1000000000, "1..1000000000",
		"answer 429 + Retry-After beyond N tokens (prompt + answer) per\nminute"),
	CLI_STRING(0, "tls-cert", struct sim_args, tls_cert, "PEM",
		   "serve HTTPS with this certificate (and --tls-key PEM), e.g. to\n"
		   "test that a self-signed certificate is rejected"),
	CLI_STRING(0, "tls-key", struct sim_args, tls_key, "PEM",
		   "the certificate's private key (with --tls-cert)"),
	CLI_END,
};

const struct cli_usage_part usage_simulate_parts[] = {
	{ simulate_options, usage_simulate_tail },
	{ NULL, NULL },
};

/* Parses argv into o (its defaults set) and a's file names. Returns 0, -1 after the help was
 * printed, or the exit code after a usage error (printed). */
static int parse_args(int argc, char **argv, struct sim_opts *o, struct sim_args *a)
{
	int rc = EXIT_USAGE, first;

	memset(a, 0, sizeof(*a));
	a->port = o->port;
	a->latency_ms = o->latency_ms;
	a->token_ms = o->token_ms;
	a->night = o->knobs.night;
	a->slow_ms = o->slow_ms;
	a->rpm = o->rate_limit_rpm;
	a->tpm = o->rate_limit_tpm;
	a->drift_strength = o->knobs.drift_strength;
	a->fault_rate = o->fault_rate;
	a->fault_for_s = o->fault_for_s;
	a->night_noise = o->knobs.night_noise;
	a->seed = o->knobs.seed;
	a->unstable = o->knobs.unstable;
	first = cli_parse_options("simulate", argc, argv, simulate_options, a, &rc);
	if (first < 0)
		return rc == EXIT_OK ? -1 : rc;
	if (first < argc)
		return cli_usage_error("simulate", "unexpected argument '%s'", argv[first]);
	if (a->drift && sim_drift_parse(a->drift, &o->knobs.drifts) != 0)
		return cli_usage_error("simulate", "unknown drift in '%s'", a->drift);
	if (a->fault && sim_fault_parse(a->fault, &o->fault) != 0)
		return cli_usage_error("simulate", "unknown fault '%s'", a->fault);
	if (a->require_key && !*a->require_key)
		return cli_usage_error("simulate", "--require-key wants a non-empty key");
	o->port = (int)a->port;
	o->latency_ms = (int)a->latency_ms;
	o->token_ms = (int)a->token_ms;
	o->knobs.night = (int)a->night;
	o->slow_ms = (int)a->slow_ms;
	o->rate_limit_rpm = (long)a->rpm;
	o->rate_limit_tpm = (long)a->tpm;
	o->knobs.drift_strength = a->drift_strength;
	o->fault_rate = a->fault_rate;
	o->fault_for_s = a->fault_for_s;
	o->knobs.night_noise = a->night_noise;
	o->knobs.seed = a->seed;
	o->knobs.unstable = a->unstable;
	o->format = a->format;
	o->require_key = a->require_key;
	return 0;
}

/* Starts the server and waits for SIGINT/SIGTERM. Returns the exit code. */
static int serve(struct sim_opts *o, const struct sim_args *f)
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
	struct sim_args f;
	char *cert = NULL, *key = NULL;
	size_t key_len = 0;
	int rc;

	sim_opts_init(&o);
	rc = parse_args(argc, argv, &o, &f);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
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
