/* cli.c: git-style command table, help, and the mapping from errors to exit codes. */
#include "cli.h"
#include "config.h"
#include "http.h"
#include "redact.h"
#include "sbuf.h"
#include "sign.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd commands[] = {
	{ "alert", cmd_alert, "send a test message to every configured alert channel",
	  usage_alert },
	{ "baseline", cmd_baseline, "record a baseline, or accept a run's answers as the new one",
	  usage_baseline },
	{ "check", cmd_check, "validate the config and suites; calls no vendor", usage_check },
	{ "compare", cmd_compare, "run the same suites on two vendor entries before an upgrade",
	  usage_compare },
	{ "demo", cmd_demo, "offline tour against the built-in simulated vendor", usage_demo },
	{ "help", cmd_help, "show help for plumbline or one command", usage_help },
	{ "keygen", cmd_keygen, "create the Ed25519 key pair that signs reports", usage_keygen },
	{ "register", cmd_register, "show, verify, prove or render the vendor register",
	  usage_register },
	{ "run", cmd_run, "run suites, compare with the baselines, report and alert", usage_run },
	{ "simulate", cmd_simulate, "serve the simulated vendor on 127.0.0.1", usage_simulate },
	{ "verify", cmd_verify, "verify signed reports and the register with the public key",
	  usage_verify },
	{ "version", cmd_version, "print the version", usage_version },
};

const char usage_help[] = "usage: plumbline help [COMMAND]\n"
			  "\n"
			  "Without COMMAND, lists the commands and the exit codes.\n";

const char usage_version[] = "usage: plumbline version  (or plumbline --version)\n";

static const char exit_codes[] = "exit codes:\n"
				 "  0  no change detected and every check passed\n"
				 "  1  a change was detected, or checks failed (compare: a "
				 "regression)\n"
				 "  2  usage, config or suite error (nothing was sent)\n"
				 "  3  the run could not complete: vendor outage (circuit "
				 "open past max_outage), authentication, budget, I/O\n";

const struct cmd *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void list_commands(FILE *f)
{
	size_t i;

	fprintf(f, "usage: plumbline [--version] [--help] COMMAND [ARGS]\n\n"
		   "plumbline tells you, with proof, when an AI vendor's model starts behaving\n"
		   "differently.\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n%s\n'plumbline help COMMAND' or 'plumbline COMMAND --help' for details.\n",
		exit_codes);
}

int cli_print_usage(const char *name)
{
	const struct cmd *c = cli_find(name);

	if (!c)
		return cli_usage_error("help", "unknown command '%s'", name);
	fputs(c->usage, stdout);
	if (strcmp(name, "help") && strcmp(name, "version"))
		printf("\n%s", exit_codes);
	return EXIT_OK;
}

int cmd_help(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		list_commands(stdout);
		return EXIT_OK;
	}
	return cli_print_usage(argv[1]);
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("plumbline %s\n", PL_VERSION);
	return EXIT_OK;
}

int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

/* strto* skip leading blanks and stop at trailing text; an option value has neither. */
static int whole_token(const char *s)
{
	return s && *s && !isspace((unsigned char)*s);
}

int cli_parse_ll(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!whole_token(s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!whole_token(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* !(v >= lo && v <= hi) also refuses NaN */
	if (errno || end == s || *end || !isfinite(v) || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!whole_token(s) || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int cli_signing_config(const char *config_path, struct sign_config *out, struct pl_err *err)
{
	struct config *cfg;
	struct jsonloc loc;
	int rc;

	memset(out, 0, sizeof(*out));
	/* The whole config is validated: a typo elsewhere is still a typo. */
	cfg = config_load(config_path, err);
	if (!cfg)
		return -1;
	loc = config_loc(cfg);
	rc = sign_config_parse(&loc, "/signing", cfg->signing, cfg->state_dir, out, err);
	config_free(cfg);
	return rc;
}

int cli_exit_for(const struct pl_err *err)
{
	switch (err->code) {
	case PL_E_NONE:
		return EXIT_OK;
	case PL_E_USAGE:
	case PL_E_INPUT:
		return EXIT_USAGE;
	case PL_E_INTEGRITY:
		return EXIT_CHANGED;
	default:
		return EXIT_INCOMPLETE;
	}
}

int cli_fail(const struct pl_err *err)
{
	char buf[1600];
	struct sbuf msg;

	sbuf_init(&msg);
	sbuf_addstr(&msg, pl_err_str(err, buf, sizeof(buf)));
	redact_sbuf(&msg);
	fprintf(stderr, "plumbline: %s\n", msg.buf);
	sbuf_release(&msg);
	return cli_exit_for(err);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "plumbline %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'plumbline help %s')\n", cmd);
	return EXIT_USAGE;
}

int cli_main(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	const struct cmd *c;
	int rc;

	if (argc < 2) {
		list_commands(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	c = cli_find(argv[1]);
	if (!c)
		return cli_usage_error(argv[1], "unknown command (see 'plumbline help')");
	if (c->fn != cmd_help && cli_wants_help(argc - 1, argv + 1))
		return cli_print_usage(c->name);
	/* --version must stay fast: libcurl is initialised only for real commands. */
	if (http_global_init(&err) < 0)
		return cli_fail(&err);
	rc = c->fn(argc - 1, argv + 1);
	http_global_cleanup();
	return rc;
}
