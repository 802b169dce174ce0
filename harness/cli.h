/* cli.h: the command table and the exit codes. Only the CLI layer (cli.c and cmd_*.c) maps
 * results to exit codes; nothing below it calls exit().
 *
 * Exit codes (documented in `plumbline help` and the README):
 *   0  no change detected and every check passed
 *   1  a change was detected, or checks failed (compare: a regression)
 *   2  usage, config or suite error (nothing was sent)
 *   3  the run could not complete: vendor unreachable, authentication, budget reached, I/O,
 *      a register that does not verify (verify itself reports that with 1)
 *
 * Adding a command: write harness/cmd_<name>.c with `int cmd_<name>(int argc, char **argv)`
 * (argv[0] is the command name) and its usage text, declare it here, add a row to the table in
 * cli.c (kept sorted). */
#ifndef PL_CLI_H
#define PL_CLI_H

#include "err.h"

enum pl_exit {
	EXIT_OK = 0,
	EXIT_CHANGED = 1,
	EXIT_USAGE = 2,
	EXIT_INCOMPLETE = 3,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line for `plumbline help` */
	const char *usage;   /* full text for `plumbline help NAME` and `NAME --help` */
};

int cli_main(int argc, char **argv);
const struct cmd *cli_find(const char *name);
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
/* Reads only "paths.state" and "signing" from a config file (commands that need no vendor: keygen,
 * verify, register); the whole file is validated all the same. Returns 0 or -1 (PL_E_INPUT naming
 * FILE:LINE:COL). */
struct sign_config;
int cli_signing_config(const char *config_path, struct sign_config *out, struct pl_err *err);

int cmd_alert(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_baseline_accept(int argc, char **argv); /* `baseline accept`, see cmd_baseline.c */
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_help(int argc, char **argv);
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

#endif
