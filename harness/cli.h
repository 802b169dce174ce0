/* cli.h: the command table and the exit codes. Only the CLI layer (cli.c and cmd_*.c) maps
 * results to exit codes; nothing below it calls exit().
 *
 * Exit codes (documented in `plumbline help` and the README):
 *   0  no change detected and every check passed
 *   1  a change was detected, or checks failed (compare: not safe to switch)
 *   2  usage, config or suite error (nothing was sent)
 *   3  the run could not complete: vendor unreachable, authentication, budget reached, I/O,
 *      a register that does not verify (verify itself reports that with 1), a vendor/suite or
 *      prompt not baselined (run)
 *
 * Adding a command: write harness/cmd_<name>.c with `int cmd_<name>(int argc, char **argv)`
 * (argv[0] is the command name) and its usage text, declare it here, add a row to the table in
 * cli.c (kept sorted). */
#ifndef PL_CLI_H
#define PL_CLI_H

#include "err.h"
#include "sbuf.h"

#include <stddef.h>

enum pl_exit {
	EXIT_OK = 0,
	EXIT_CHANGED = 1,
	EXIT_USAGE = 2,
	EXIT_INCOMPLETE = 3,
};

/* Option tables (git's parse-options in spirit): one table per command drives both the parser
 * and the OPTIONS block of its usage text, so the two cannot drift. `offset` is the offset of
 * the target field in the struct the caller hands to cli_parse_options (offsetof), so a table
 * is a constant the help printer can share. Targets by type:
 *   CLI_OPT_BOOL         int, set to 1
 *   CLI_OPT_STRING       const char *, the last one given wins
 *   CLI_OPT_STRING_LIST  struct cli_strings, repeatable, in order (the caller frees .v)
 *   CLI_OPT_INT          long long, a whole number within [min, max] (cli_parse_ll; a bound at
 *                        or beyond +-2^63, e.g. (double)LLONG_MAX, stands for LLONG_MAX/MIN)
 *   CLI_OPT_U64          unsigned long long, digits only, any 64-bit value (cli_parse_u64)
 *   CLI_OPT_DOUBLE       double, finite, within [min, max] (cli_parse_double)
 * A range error reads "--NAME wants WANT, got 'VALUE'"; WANT is `want` if set, else "a whole
 * number MIN..MAX", "a whole number 0..18446744073709551615" or "a number MIN..MAX". A help text
 * may hold '\n': continuation lines are indented to the help column. The table ends with
 * CLI_OPT_END. */
enum cli_opt_type {
	CLI_OPT_END = 0,
	CLI_OPT_BOOL,
	CLI_OPT_STRING,
	CLI_OPT_STRING_LIST,
	CLI_OPT_INT,
	CLI_OPT_DOUBLE,
	CLI_OPT_U64,
};

struct cli_strings {
	const char **v;
	size_t n;
};

struct cli_option {
	enum cli_opt_type type;
	char short_name; /* 0: none */
	const char *long_name;
	size_t offset;
	const char *argname; /* NULL for CLI_OPT_BOOL */
	const char *help;
	double min, max;  /* CLI_OPT_INT and CLI_OPT_DOUBLE */
	const char *want; /* optional range text for the error message */
};

#define CLI_BOOL(s, l, st, f, h)                                               \
	{                                                                      \
		CLI_OPT_BOOL, (s), (l), offsetof(st, f), NULL, (h), 0, 0, NULL \
	}
#define CLI_STRING(s, l, st, f, a, h)                                           \
	{                                                                       \
		CLI_OPT_STRING, (s), (l), offsetof(st, f), (a), (h), 0, 0, NULL \
	}
#define CLI_STRING_LIST(s, l, st, f, a, h)                                           \
	{                                                                            \
		CLI_OPT_STRING_LIST, (s), (l), offsetof(st, f), (a), (h), 0, 0, NULL \
	}
#define CLI_INT(s, l, st, f, a, lo, hi, w, h)                                     \
	{                                                                         \
		CLI_OPT_INT, (s), (l), offsetof(st, f), (a), (h), (lo), (hi), (w) \
	}
#define CLI_DOUBLE(s, l, st, f, a, lo, hi, w, h)                                     \
	{                                                                            \
		CLI_OPT_DOUBLE, (s), (l), offsetof(st, f), (a), (h), (lo), (hi), (w) \
	}
#define CLI_U64(s, l, st, f, a, w, h)                                       \
	{                                                                   \
		CLI_OPT_U64, (s), (l), offsetof(st, f), (a), (h), 0, 0, (w) \
	}
#define CLI_END                                                 \
	{                                                       \
		CLI_OPT_END, 0, NULL, 0, NULL, NULL, 0, 0, NULL \
	}

/* The plan and budget options every sending command shares (run, baseline record): one
 * block of rows for their tables, so the flags and their help read the same everywhere.
 * CLI_BUDGET_OPTIONS(st, f) expands to the rows for a struct cli_budget member f of st. */
struct cli_budget {
	int dry_run;
	long long max_requests, max_tokens;
	double max_cost;
};

#define CLI_BUDGET_OPTIONS(st, f)                                                                  \
	CLI_BOOL(0, "dry-run", st, f.dry_run,                                                      \
		 "print the plan (requests, tokens, cost, duration); send nothing"),               \
		CLI_INT(0, "max-requests", st, f.max_requests, "N", 0, 1LL << 40,                  \
			"a whole number 0..2^40",                                                  \
			"stop sending after N requests (budget; exit 3)"),                         \
		CLI_INT(0, "max-tokens", st, f.max_tokens, "N", 0, 1LL << 50,                      \
			"a whole number 0..2^50", "stop sending after N tokens (budget; exit 3)"), \
		CLI_DOUBLE(0, "max-cost", st, f.max_cost, "X", 0, 1e12, "a number 0..1e12",        \
			   "stop sending after an estimated cost of X (budget; exit 3)")

struct session;
struct session_opts;
/* Copies the budget into the session options (0: no limit). */
void cli_budget_apply(const struct cli_budget *b, struct session_opts *so);
/* --dry-run: prints the session's plan (requests, tokens, cost, duration per vendor) on
 * stdout. */
void cli_print_plan(const struct session *s);

/* Parses argv[1..argc-1] against opts into the struct at base: "--name value", "--name=value",
 * "-x value", "-xvalue", clustered short booleans ("-qn"), "--" (the rest is positional) and
 * "-h"/"--help" (prints cmd's usage). Options and positionals may be mixed; argv is reordered so
 * the positionals come last, in their order. Returns the index of the first positional (argc if
 * none), or -1 with *exit_code set: EXIT_USAGE after an error printed as cli_usage_error does
 * ("plumbline CMD: --max-cost wants ..."), EXIT_OK after the help was printed. */
int cli_parse_options(const char *cmd, int argc, char **argv, const struct cli_option *opts,
		      void *base, int *exit_code);
/* Appends the OPTIONS block for opts to out: one line per option, "  -c, --config FILE" padded
 * to a common column, then the help. */
void cli_usage_options(struct sbuf *out, const struct cli_option *opts);

/* The generated part of a usage text: an options block, then text (either may be NULL). */
struct cli_usage_part {
	const struct cli_option *opts;
	const char *text;
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line for `plumbline help` */
	/* `plumbline help NAME` and `NAME --help` print usage, then each of parts (when set; ends
	 * with a part whose opts and text are NULL) */
	const char *usage;
	const struct cli_usage_part *parts;
};

int cli_main(int argc, char **argv);
const struct cmd *cli_find(const char *name);
/* The command table, sorted by name. */
const struct cmd *cli_commands(size_t *n);
/* The hidden `plumbline --list-options [COMMAND]` the shell completions call (cmd_complete.c):
 * without COMMAND the command names, else the command's subcommands and then its long options,
 * one per line. */
int cli_list_options(int argc, char **argv);
/* Prints "plumbline: <where>: <msg>" to stderr and returns the exit code for err's class. */
int cli_fail(const struct pl_err *err);
/* Maps an error class to an exit code (PL_E_INPUT/PL_E_USAGE -> 2, others -> 3). */
int cli_exit_for(const struct pl_err *err);
/* Prints a usage error for cmd and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PL_PRINTF(2, 3);
/* 1 if argv contains -h or --help (before a "--"); the command then prints its usage. */
int cli_wants_help(int argc, char **argv);
/* Numeric option values, for every command: the whole string is one number (no blanks, no
 * trailing text), finite, within [lo, hi]; cli_parse_ll wants a whole number (decimal digits
 * with an optional sign), cli_parse_u64 digits only. Return 0, or -1 leaving *out unchanged;
 * the caller prints the usage error naming the option and the range. */
int cli_parse_ll(const char *s, long long lo, long long hi, long long *out);
int cli_parse_double(const char *s, double lo, double hi, double *out);
int cli_parse_u64(const char *s, unsigned long long *out);
int cli_print_usage(const char *cmd);
/* Loads a config file and validates all of it: config_load's own keys, and the sections other
 * modules own (detection, signing, logging, alerts), as `run` would read them. Every command
 * that reads a config loads it here, never with config_load directly (tests/lint.sh checks),
 * so no command accepts a config another refuses. Returns a new config, or NULL with err set
 * (PL_E_INPUT naming FILE:LINE:COL). */
struct config;
struct config *cli_config_load(const char *config_path, struct pl_err *err);
/* Reads only "paths.state" and "signing" from a config file (commands that need no vendor: keygen,
 * verify, register); the whole file is validated all the same. reports_dir, when not NULL, gets
 * the config's reports folder ("paths.reports", default "reports"; the caller's to free).
 * Returns 0 or -1 (PL_E_INPUT naming FILE:LINE:COL). */
struct sign_config;
int cli_signing_config(const char *config_path, struct sign_config *out, char **reports_dir,
		       struct pl_err *err);

int cmd_alert(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_baseline_accept(int argc, char **argv); /* `baseline accept`, see cmd_baseline.c */
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* Usage texts live beside their commands. */
extern const char usage_alert[], usage_baseline[], usage_check[], usage_compare[], usage_demo[],
	usage_help[], usage_keygen[], usage_register[], usage_run[], usage_simulate[],
	usage_verify[], usage_version[];
/* The usage parts of the commands (their options come from a table). */
extern const struct cli_usage_part usage_alert_parts[], usage_baseline_parts[], usage_check_parts[],
	usage_compare_parts[], usage_demo_parts[], usage_keygen_parts[], usage_register_parts[],
	usage_run_parts[], usage_simulate_parts[], usage_verify_parts[];
extern const char usage_doctor[], usage_init[];
extern const struct cli_usage_part usage_doctor_parts[], usage_init_parts[];
extern const struct cli_option doctor_options[], init_options[];
extern const char usage_import[];
extern const struct cli_usage_part usage_import_parts[];
extern const struct cli_option import_options[];
/* The tables themselves, for the check that the man page names every option. */
extern const struct cli_option alert_test_options[], baseline_record_options[],
	baseline_accept_options[], check_options[], compare_options[], demo_options[],
	keygen_options[], register_options[], run_options[], simulate_options[], verify_options[];

#endif
