/* cli.c: git-style command table, help, and the mapping from errors to exit codes. */
#include "cli.h"
#include "config.h"
#include "detect.h"
#include "http.h"
#include "publish.h"
#include "redact.h"
#include "sbuf.h"
#include "session.h"
#include "sign.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd commands[] = {
	{ "alert", cmd_alert, "send a test message to every configured alert channel", usage_alert,
	  usage_alert_parts },
	{ "baseline", cmd_baseline, "record a baseline, or accept a run's answers as the new one",
	  usage_baseline, usage_baseline_parts },
	{ "check", cmd_check, "validate the config and suites; calls no vendor", usage_check,
	  usage_check_parts },
	{ "compare", cmd_compare, "run the same suites on two vendor entries before an upgrade",
	  usage_compare, usage_compare_parts },
	{ "demo", cmd_demo, "offline tour against the built-in simulated vendor", usage_demo,
	  usage_demo_parts },
	{ "doctor", cmd_doctor, "check that everything a night needs is in place", usage_doctor,
	  usage_doctor_parts },
	{ "help", cmd_help, "show help for plumbline or one command", usage_help, NULL },
	{ "import", cmd_import, "convert a promptfoo config into a suite", usage_import,
	  usage_import_parts },
	{ "init", cmd_init, "write a starter config and suite (the first hour)", usage_init,
	  usage_init_parts },
	{ "keygen", cmd_keygen, "create the Ed25519 key pair that signs reports", usage_keygen,
	  usage_keygen_parts },
	{ "register", cmd_register, "show, verify, prove or render the vendor register",
	  usage_register, usage_register_parts },
	{ "run", cmd_run, "run suites, compare with the baselines, report and alert", usage_run,
	  usage_run_parts },
	{ "simulate", cmd_simulate, "serve the simulated vendor on 127.0.0.1", usage_simulate,
	  usage_simulate_parts },
	{ "verify", cmd_verify, "verify signed reports and the register with the public key",
	  usage_verify, usage_verify_parts },
	{ "version", cmd_version, "print the version", usage_version, NULL },
};

const char usage_help[] = "usage: plumbline help [COMMAND]\n"
			  "\n"
			  "Without COMMAND, lists the commands and the exit codes.\n";

const char usage_version[] = "usage: plumbline version  (or plumbline --version)\n";

static const char exit_codes[] = "exit codes:\n"
				 "  0  no change detected and every check passed\n"
				 "  1  a change was detected, or checks failed (compare: not "
				 "safe to switch)\n"
				 "  2  usage, config or suite error (nothing was sent)\n"
				 "  3  the run could not complete: vendor outage (circuit "
				 "open past max_outage), authentication, budget, I/O;\n"
				 "     run: a vendor/suite or prompt not baselined\n";

const struct cmd *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

const struct cmd *cli_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
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

/* 1 when text has a line of its own exit codes ("exit codes:" or "exit: 0 ..."). */
static int has_exit_line(const char *text)
{
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "exit codes:", 11) || !strncmp(p, "exit: ", 6))
			return 1;
	return 0;
}

/* 1 when the command's help tells its own exit codes: the generic table would contradict
 * them (import's 1 is "some were skipped", not "a change was detected"). */
static int own_exit_codes(const struct cmd *c)
{
	const struct cli_usage_part *p;

	if (has_exit_line(c->usage))
		return 1;
	for (p = c->parts; p && (p->opts || p->text); p++)
		if (has_exit_line(p->text))
			return 1;
	return 0;
}

int cli_print_usage(const char *name)
{
	const struct cmd *c = cli_find(name);
	const struct cli_usage_part *p;

	if (!c) {
		fprintf(stderr, "plumbline help: unknown command '%s'\n", name);
		list_commands(stderr);
		return EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	for (p = c->parts; p && (p->opts || p->text); p++) {
		if (p->opts) {
			struct sbuf o;

			sbuf_init(&o);
			cli_usage_options(&o, p->opts);
			fputs(o.buf, stdout);
			sbuf_release(&o);
		}
		if (p->text)
			fputs(p->text, stdout);
	}
	if (strcmp(name, "help") && strcmp(name, "version") && !own_exit_codes(c))
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

/* "  -c, --config FILE" or "      --date YYYY-MM-DD" */
static void option_left(struct sbuf *out, const struct cli_option *o)
{
	if (o->short_name)
		sbuf_addf(out, "  -%c, --%s", o->short_name, o->long_name);
	else
		sbuf_addf(out, "      --%s", o->long_name);
	if (o->argname)
		sbuf_addf(out, " %s", o->argname);
}

void cli_usage_options(struct sbuf *out, const struct cli_option *opts)
{
	const struct cli_option *o;
	struct sbuf left;
	size_t width = 0;

	sbuf_init(&left);
	for (o = opts; o->type != CLI_OPT_END; o++) {
		sbuf_reset(&left);
		option_left(&left, o);
		if (left.len > width)
			width = left.len;
	}
	width += 2;
	for (o = opts; o->type != CLI_OPT_END; o++) {
		const char *h = o->help, *nl;

		sbuf_reset(&left);
		option_left(&left, o);
		sbuf_addf(out, "%-*s", (int)width, left.buf);
		while ((nl = strchr(h, '\n'))) {
			sbuf_add(out, h, (size_t)(nl - h));
			sbuf_addf(out, "\n%*s", (int)width, "");
			h = nl + 1;
		}
		sbuf_addf(out, "%s\n", h);
	}
	sbuf_release(&left);
}

/* A CLI_OPT_INT bound: (double)LLONG_MAX is 2^63, which does not convert back. */
static long long ll_bound(double b)
{
	if (b >= 9223372036854775807.0)
		return LLONG_MAX;
	if (b <= -9223372036854775807.0)
		return LLONG_MIN;
	return (long long)b;
}

static int option_range_error(const char *cmd, const struct cli_option *o, const char *val)
{
	if (o->want)
		return cli_usage_error(cmd, "--%s wants %s, got '%s'", o->long_name, o->want, val);
	if (o->type == CLI_OPT_INT)
		return cli_usage_error(cmd, "--%s wants a whole number %lld..%lld, got '%s'",
				       o->long_name, ll_bound(o->min), ll_bound(o->max), val);
	if (o->type == CLI_OPT_U64)
		return cli_usage_error(cmd, "--%s wants a whole number 0..%llu, got '%s'",
				       o->long_name, ULLONG_MAX, val);
	return cli_usage_error(cmd, "--%s wants a number %g..%g, got '%s'", o->long_name, o->min,
			       o->max, val);
}

/* Stores val (NULL for a boolean) into o's field; returns 0 or EXIT_USAGE (printed). */
static int option_store(const char *cmd, const struct cli_option *o, const char *val, void *base)
{
	char *field = (char *)base + o->offset;
	unsigned long long u;
	long long ll;
	double d;

	switch (o->type) {
	case CLI_OPT_BOOL:
		*(int *)(void *)field = 1;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)(void *)field = val;
		return 0;
	case CLI_OPT_STRING_LIST: {
		struct cli_strings *l = (struct cli_strings *)(void *)field;

		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = val;
		return 0;
	}
	case CLI_OPT_INT:
		if (cli_parse_ll(val, ll_bound(o->min), ll_bound(o->max), &ll) < 0)
			return option_range_error(cmd, o, val);
		*(long long *)(void *)field = ll;
		return 0;
	case CLI_OPT_DOUBLE:
		if (cli_parse_double(val, o->min, o->max, &d) < 0)
			return option_range_error(cmd, o, val);
		*(double *)(void *)field = d;
		return 0;
	case CLI_OPT_U64:
		if (cli_parse_u64(val, &u) < 0)
			return option_range_error(cmd, o, val);
		*(unsigned long long *)(void *)field = u;
		return 0;
	case CLI_OPT_END:
		break;
	}
	return cli_usage_error(cmd, "internal: bad option table");
}

static const struct cli_option *find_long(const struct cli_option *opts, const char *name,
					  size_t len)
{
	for (; opts->type != CLI_OPT_END; opts++)
		if (strlen(opts->long_name) == len && !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *opts, char c)
{
	for (; opts->type != CLI_OPT_END; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static int print_help(const char *cmd)
{
	char name[64];
	size_t n = strcspn(cmd, " ");

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, cmd, n);
	name[n] = '\0';
	return cli_print_usage(name);
}

/* Parses one option word at argv[*i] (advancing *i past a separate value); 0 or an exit code
 * (-1 stands for "help printed"). */
static int parse_one(const char *cmd, int argc, char **argv, int *i, const struct cli_option *opts,
		     void *base)
{
	const char *arg = argv[*i];
	const struct cli_option *o;

	if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
		return -1;
	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		o = find_long(opts, name, len);
		if (!o)
			return cli_usage_error(cmd, "unknown option '--%.*s'", (int)len, name);
		if (o->type == CLI_OPT_BOOL) {
			if (eq)
				return cli_usage_error(cmd, "--%s takes no value", o->long_name);
			return option_store(cmd, o, NULL, base);
		}
		if (eq)
			return option_store(cmd, o, eq + 1, base);
		if (*i + 1 >= argc)
			return cli_usage_error(cmd, "--%s needs a value (%s)", o->long_name,
					       o->argname);
		return option_store(cmd, o, argv[++*i], base);
	}
	/* short options: "-qn" (booleans), "-c FILE", "-cFILE" */
	for (arg++; *arg; arg++) {
		int rc;

		o = find_short(opts, *arg);
		if (!o)
			return cli_usage_error(cmd, "unknown option '-%c'", *arg);
		if (o->type == CLI_OPT_BOOL) {
			rc = option_store(cmd, o, NULL, base);
			if (rc)
				return rc;
			continue;
		}
		if (arg[1])
			return option_store(cmd, o, arg + 1, base);
		if (*i + 1 >= argc)
			return cli_usage_error(cmd, "-%c needs a value (%s)", o->short_name,
					       o->argname);
		return option_store(cmd, o, argv[++*i], base);
	}
	return 0;
}

int cli_parse_options(const char *cmd, int argc, char **argv, const struct cli_option *opts,
		      void *base, int *exit_code)
{
	char **pos = xcalloc((size_t)argc + 1, sizeof(*pos));
	int i, n_pos = 0, n_opt = 1, rc = 0, first = -1;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int at = i;

		if (!strcmp(arg, "--")) {
			for (i++; i < argc; i++)
				pos[n_pos++] = argv[i];
			break;
		}
		if (arg[0] != '-' || !arg[1]) { /* "-" alone is a positional (stdin) */
			pos[n_pos++] = argv[i];
			continue;
		}
		rc = parse_one(cmd, argc, argv, &i, opts, base);
		if (rc == -1) {
			*exit_code = print_help(cmd);
			goto out;
		}
		if (rc) {
			*exit_code = rc;
			goto out;
		}
		/* keep the option words, in order, before the positionals */
		for (; at <= i; at++)
			argv[n_opt++] = argv[at];
	}
	memcpy(argv + n_opt, pos, (size_t)n_pos * sizeof(*pos));
	first = n_opt;
out:
	free(pos);
	return first;
}

void cli_budget_apply(const struct cli_budget *b, struct session_opts *so)
{
	so->max_requests = (long)b->max_requests;
	so->max_tokens = (long)b->max_tokens;
	so->max_cost = b->max_cost;
}

void cli_print_plan(const struct session *s)
{
	struct runner_estimate est;
	char cost[64];
	size_t i;

	runner_dry_run(&s->plan, NULL, &est);
	printf("plan %.12s: %zu requests\n", s->plan.hash, s->plan.n_items);
	for (i = 0; i < est.n_vendors; i++) {
		const struct runner_vendor_estimate *e = &est.vendors[i];

		/* a vendor without prices is not free: its cost is unknown */
		if (e->cost_known)
			snprintf(cost, sizeof(cost), "~%.4f", e->cost);
		else
			snprintf(cost, sizeof(cost), "unknown");
		printf("  %-20s %6zu requests  ~%ld prompt + ~%ld completion tokens  %s cost  "
		       "~%.0f s\n",
		       e->vendor, e->requests, e->prompt_tokens, e->completion_tokens, cost,
		       e->duration_s);
	}
	if (!est.unpriced)
		snprintf(cost, sizeof(cost), "~%.4f", est.cost);
	else if (est.unpriced == est.n_vendors)
		snprintf(cost, sizeof(cost), "unknown");
	else
		snprintf(cost, sizeof(cost), "~%.4f + unknown", est.cost);
	printf("  %-20s %6zu requests  ~%ld tokens  %s cost  ~%.0f s (vendors in parallel)\n",
	       "total", est.requests, est.tokens, cost, est.duration_s);
	runner_estimate_release(&est);
}

/* Each vendor's base_url as libcurl reads it (http_base_url_problem): no user name or password,
 * query or fragment. The error never repeats the URL: it may hold a password. */
static int check_base_urls(const struct config *cfg, const struct jsonloc *loc, struct pl_err *err)
{
	char ptr[64];
	size_t i;

	for (i = 0; i < cfg->n_vendors; i++) {
		const char *why = http_base_url_problem(cfg->vendors[i].base_url);

		if (!why)
			continue;
		snprintf(ptr, sizeof(ptr), "/vendors/%zu", i);
		return json_fail(loc, ptr, "base_url", err, "%s", why);
	}
	return 0;
}

struct config *cli_config_load(const char *config_path, struct pl_err *err)
{
	struct config *cfg = config_load(config_path, err);
	struct detect_params *dp;
	struct jsonloc loc;

	if (!cfg)
		return NULL;
	/* config is below the modules that own these sections (layers in CMakeLists.txt), so
	 * they are validated here, by the modules themselves */
	loc = config_loc(cfg);
	dp = detect_params_new(&loc, cfg->detection, NULL, NULL, err);
	if (!dp || check_base_urls(cfg, &loc, err) < 0 || publish_validate(cfg, err) < 0) {
		config_free(cfg);
		cfg = NULL;
	}
	detect_params_free(dp);
	return cfg;
}

int cli_signing_config(const char *config_path, struct sign_config *out, char **reports_dir,
		       struct pl_err *err)
{
	struct config *cfg;
	struct jsonloc loc;
	int rc;

	memset(out, 0, sizeof(*out));
	/* The whole config is validated: a typo elsewhere is still a typo. */
	cfg = cli_config_load(config_path, err);
	if (!cfg)
		return -1;
	loc = config_loc(cfg);
	rc = sign_config_parse(&loc, "/signing", cfg->signing, cfg->state_dir, out, err);
	if (rc == 0 && reports_dir)
		*reports_dir = xstrdup(cfg->reports_dir);
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
	if (!strcmp(argv[1], "--list-options"))
		return cli_list_options(argc - 1, argv + 1);
	c = cli_find(argv[1]);
	if (!c) {
		fprintf(stderr, "plumbline: unknown command '%s'\n", argv[1]);
		list_commands(stderr);
		return EXIT_USAGE;
	}
	if (c->fn != cmd_help && cli_wants_help(argc - 1, argv + 1))
		return cli_print_usage(c->name);
	/* --version must stay fast: libcurl is initialised only for real commands. */
	if (http_global_init(&err) < 0)
		return cli_fail(&err);
	rc = c->fn(argc - 1, argv + 1);
	http_global_cleanup();
	return rc;
}
