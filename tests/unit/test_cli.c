/* test_cli.c: the option tables: one table drives the parser (long, short, "=value", "--",
 * repeatable, missing values, unknown options, ranges, booleans) and the generated OPTIONS
 * block, and every option of a command's table is in the usage text and the man page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "sbuf.h"

struct args {
	const char *config;
	struct cli_strings vendors;
	int quiet, dry;
	long long n, entry;
	double cost;
	unsigned long long seed;
};

static const struct cli_option opts[] = {
	CLI_STRING('c', "config", struct args, config, "FILE", "the config file"),
	CLI_STRING_LIST('v', "vendor", struct args, vendors, "ID", "a vendor (repeatable)"),
	CLI_BOOL('q', "quiet", struct args, quiet, "quiet"),
	CLI_BOOL('n', "dry-run", struct args, dry, "plan only\nsecond line"),
	CLI_INT(0, "max-requests", struct args, n, "N", 0, 100, NULL, "at most N"),
	CLI_DOUBLE(0, "max-cost", struct args, cost, "X", 0, 1e12, "a number 0..1e12", "cost"),
	CLI_INT(0, "entry", struct args, entry, "SEQ", 0, (double)LLONG_MAX, NULL, "an entry"),
	CLI_U64(0, "seed", struct args, seed, "N", NULL, "a seed"),
	CLI_END,
};

static char stderr_text[4096];

/* Parses the NULL-terminated words into *a, keeping what the parser printed on stderr. */
static int parse(struct args *a, int *rc, char **words)
{
	char tmpl[] = "/tmp/test_cli.XXXXXX";
	int argc = 0, first, fd, saved;
	ssize_t n;

	while (words[argc])
		argc++;
	memset(a, 0, sizeof(*a));
	*rc = -100;
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	first = cli_parse_options("test", argc, words, opts, a, rc);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, stderr_text, sizeof(stderr_text) - 1);
	stderr_text[n > 0 ? n : 0] = '\0';
	close(fd);
	return first;
}

#define WORDS(...) ((char *[]){ "test", __VA_ARGS__, NULL })

static void test_long_short_and_equals(void **state)
{
	struct args a;
	int rc;
	char **w = WORDS("--config", "a.json", "s1", "-v", "x", "--vendor=y", "-vz", "-qn",
			 "--max-requests=7", "--max-cost", "2.5", "s2");

	(void)state;
	assert_int_equal(parse(&a, &rc, w), 11);
	assert_string_equal(a.config, "a.json");
	assert_int_equal(a.vendors.n, 3);
	assert_string_equal(a.vendors.v[0], "x");
	assert_string_equal(a.vendors.v[1], "y");
	assert_string_equal(a.vendors.v[2], "z");
	assert_int_equal(a.quiet, 1);
	assert_int_equal(a.dry, 1);
	assert_int_equal(a.n, 7);
	assert_true(a.cost == 2.5);
	/* the positionals are moved to the end, in their order */
	assert_string_equal(w[11], "s1");
	assert_string_equal(w[12], "s2");
	free(a.vendors.v);
}

static void test_double_dash_and_lone_dash(void **state)
{
	struct args a;
	int rc;
	char **w = WORDS("-c", "f", "--", "--quiet", "-");

	(void)state;
	assert_int_equal(parse(&a, &rc, w), 3);
	assert_int_equal(a.quiet, 0);
	assert_string_equal(w[3], "--quiet");
	assert_string_equal(w[4], "-");
	assert_int_equal(parse(&a, &rc, WORDS("-q")), 2); /* no positional: argc */
}

static void test_errors(void **state)
{
	struct args a;
	int rc;

	(void)state;
	assert_int_equal(parse(&a, &rc, WORDS("--bogus")), -1);
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(stderr_text, "plumbline test: unknown option '--bogus'"));
	assert_int_equal(parse(&a, &rc, WORDS("-x")), -1);
	assert_non_null(strstr(stderr_text, "unknown option '-x'"));
	assert_int_equal(parse(&a, &rc, WORDS("s", "--config")), -1);
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(stderr_text, "--config needs a value (FILE)"));
	assert_int_equal(parse(&a, &rc, WORDS("-c")), -1);
	assert_non_null(strstr(stderr_text, "-c needs a value"));
	assert_int_equal(parse(&a, &rc, WORDS("--quiet=1")), -1);
	assert_non_null(strstr(stderr_text, "--quiet takes no value"));
	/* ranges: the generated text, and the table's own */
	assert_int_equal(parse(&a, &rc, WORDS("--max-requests", "101")), -1);
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(stderr_text, "plumbline test: --max-requests wants a whole number "
					    "0..100, got '101'"));
	assert_int_equal(parse(&a, &rc, WORDS("--max-requests=1.5")), -1);
	assert_int_equal(parse(&a, &rc, WORDS("--max-requests", "-1")), -1);
	assert_int_equal(parse(&a, &rc, WORDS("--max-cost", "nan")), -1);
	assert_non_null(strstr(stderr_text, "--max-cost wants a number 0..1e12, got 'nan'"));
	assert_int_equal(parse(&a, &rc, WORDS("--max-cost", "inf")), -1);
	assert_int_equal(a.cost, 0);
}

/* LLONG_MAX as a bound is 2^63 as a double, which does not convert back to long long: the
 * whole range up to LLONG_MAX is accepted and named. A CLI_OPT_U64 takes any 64-bit value. */
static void test_64bit_bounds(void **state)
{
	struct args a;
	int rc;

	(void)state;
	assert_int_equal(parse(&a, &rc, WORDS("--entry", "9223372036854775807")), 3);
	assert_true(a.entry == LLONG_MAX);
	assert_int_equal(parse(&a, &rc, WORDS("--entry", "0")), 3);
	assert_int_equal(parse(&a, &rc, WORDS("--entry", "9223372036854775808")), -1);
	assert_non_null(strstr(stderr_text, "--entry wants a whole number 0..9223372036854775807, "
					    "got '9223372036854775808'"));
	assert_int_equal(parse(&a, &rc, WORDS("--entry", "-1")), -1);
	assert_int_equal(parse(&a, &rc, WORDS("--seed=18446744073709551615")), 2);
	assert_true(a.seed == ULLONG_MAX);
	assert_int_equal(parse(&a, &rc, WORDS("--seed", "18446744073709551616")), -1);
	assert_int_equal(rc, EXIT_USAGE);
	assert_non_null(strstr(stderr_text, "--seed wants a whole number 0..18446744073709551615, "
					    "got '18446744073709551616'"));
	assert_int_equal(parse(&a, &rc, WORDS("--seed", "-1")), -1);
	assert_int_equal(parse(&a, &rc, WORDS("--seed", " 1")), -1);
	assert_int_equal(parse(&a, &rc, WORDS("--seed", "1.5")), -1);
	assert_true(a.seed == 0);
}

static void test_usage_block(void **state)
{
	struct sbuf out = SBUF_INIT;
	const struct cli_option *o;

	(void)state;
	cli_usage_options(&out, opts);
	for (o = opts; o->type != CLI_OPT_END; o++) {
		char want[64];

		snprintf(want, sizeof(want), "--%s%s%s", o->long_name, o->argname ? " " : "",
			 o->argname ? o->argname : "");
		assert_non_null(strstr(out.buf, want));
		assert_non_null(strstr(out.buf, o->help[0] == 'p' ? "plan only" : o->help));
	}
	/* aligned: the longest left part ("      --max-requests N") plus two blanks */
	assert_non_null(strstr(out.buf, "  -c, --config FILE     the config file\n"));
	assert_non_null(strstr(out.buf, "      --max-requests N  at most N\n"));
	/* a continuation line is indented to the help column */
	assert_non_null(strstr(out.buf, "plan only\n                        second line\n"));
	sbuf_release(&out);
}

/* Every option of a converted command's tables is in its usage text (the table is one of the
 * command's usage parts) and in the command's section of the man page. */
static void test_tables_in_usage_and_man(void **state)
{
	static const struct {
		const char *cmd, *section;
		const struct cli_option *opts;
	} tables[] = {
		{ "run", "run", run_options },
		{ "baseline", "baseline record", baseline_record_options },
		{ "baseline", "baseline accept", baseline_accept_options },
		{ "check", "check", check_options },
		{ "keygen", "keygen", keygen_options },
		{ "init", "init", init_options },
		{ "doctor", "doctor", doctor_options },
		{ "compare", "compare", compare_options },
		{ "verify", "verify", verify_options },
		{ "register", "register", register_options },
		{ "alert", "alert test", alert_test_options },
		{ "simulate", "simulate", simulate_options },
		{ "demo", "demo", demo_options },
		{ "import", "import promptfoo", import_options },
	};
	struct sbuf man = SBUF_INIT, sect = SBUF_INIT;
	char buf[4096];
	size_t i, n;
	FILE *f;

	(void)state;
	f = fopen(PL_SOURCE_DIR "/harness/plumbline.1", "r");
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (i = 0; i < n; i++)
			if (!(buf[i] == '\\' && i + 1 < n && buf[i + 1] == '-'))
				sbuf_addch(&man, buf[i]); /* "\-" is "-" */
	fclose(f);
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		const struct cmd *c = cli_find(tables[i].cmd);
		const struct cli_usage_part *p;
		const struct cli_option *o;
		const char *sec, *end;
		char head[64];
		int in_usage = 0;

		assert_non_null(c);
		for (p = c->parts; p && (p->opts || p->text); p++)
			in_usage |= p->opts == tables[i].opts;
		assert_true(in_usage);
		/* the command's own section: from its .SS heading to the next one */
		snprintf(head, sizeof(head), ".SS \"plumbline %s ", tables[i].section);
		sec = strstr(man.buf, head);
		assert_non_null(sec);
		end = strstr(sec + 1, ".SS ");
		sbuf_reset(&sect);
		sbuf_add(&sect, sec, end ? (size_t)(end - sec) : strlen(sec));
		for (o = tables[i].opts; o->type != CLI_OPT_END; o++) {
			char want[64];

			snprintf(want, sizeof(want), "--%s", o->long_name);
			if (!strstr(sect.buf, want))
				fail_msg("%s: %s is not in its section of harness/plumbline.1",
					 tables[i].section, want);
		}
	}
	sbuf_release(&man);
	sbuf_release(&sect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_short_and_equals),
		cmocka_unit_test(test_double_dash_and_lone_dash),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_64bit_bounds),
		cmocka_unit_test(test_usage_block),
		cmocka_unit_test(test_tables_in_usage_and_man),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
