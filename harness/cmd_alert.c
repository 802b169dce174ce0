/* cmd_alert.c: `plumbline alert test`: sends a test message to every configured channel, so
 * the webhook URLs, keys and SMTP credentials can be checked before the first night. */
#include "cli.h"

#include "alert.h"
#include "config.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_alert[] =
	"usage: plumbline alert test --config FILE [--channel NAME]...\n"
	"\n"
	"Sends a test message to every alert channel configured in the \"alerts\" section of\n"
	"FILE (or only to the named channels) and prints, per channel, whether it arrived.\n"
	"Secrets (webhook URLs, HMAC keys, SMTP passwords) are read from the environment\n"
	"variables the config names; they are never printed.\n"
	"\n"
	"options:\n";

static const char usage_alert_tail[] =
	"\n"
	"exit: 0 every channel got the message; 2 usage or config error, or no channel;\n"
	"      3 a channel could not be reached (see the log lines above the table).\n";

struct alert_args {
	const char *config;
	struct cli_strings channels;
};

const struct cli_option alert_test_options[] = {
	CLI_STRING(0, "config", struct alert_args, config, "FILE", "the plumbline config (JSON)"),
	CLI_STRING_LIST(0, "channel", struct alert_args, channels, "NAME",
			"only this channel (its \"name\", or its type when unnamed);\n"
			"repeatable"),
	CLI_END,
};

const struct cli_usage_part usage_alert_parts[] = {
	{ alert_test_options, usage_alert_tail },
	{ NULL, NULL },
};

static const char *const outcome_names[] = { "sent", "skipped", "skipped (duplicate)", "FAILED" };

static int selected(const char *name, const char **names, size_t n)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

/* Returns 0, -1 after the help was printed, or the exit code after a usage error (printed). */
static int parse(int argc, char **argv, struct alert_args *aa)
{
	int rc = EXIT_USAGE, first;

	first = cli_parse_options("alert", argc, argv, alert_test_options, aa, &rc);
	if (first < 0)
		return rc == EXIT_OK ? -1 : rc;
	if (first < argc)
		return cli_usage_error("alert", "unexpected argument '%s'", argv[first]);
	if (aa->channels.n > 32)
		return cli_usage_error("alert", "too many --channel options");
	if (!aa->config)
		return cli_usage_error("alert", "missing --config FILE");
	return 0;
}

static int alert_test(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct config *cfg = NULL;
	struct alerts *a = NULL;
	struct alert_event ev = { .kind = ALERT_TEST };
	struct alert_args aa = { NULL, { NULL, 0 } };
	const char *config, **names;
	size_t n_names, i, sent = 0, failed = 0;
	struct jsonloc loc;
	int rc;

	rc = parse(argc, argv, &aa);
	if (rc) {
		free(aa.channels.v);
		return rc < 0 ? EXIT_OK : rc;
	}
	rc = EXIT_USAGE;
	config = aa.config;
	names = aa.channels.v;
	n_names = aa.channels.n;
	log_open(NULL, NULL);
	cfg = cli_config_load(config, &err);
	if (!cfg) {
		rc = cli_fail(&err);
		goto out;
	}
	loc = config_loc(cfg);
	a = alerts_new(&loc, "/alerts", cfg->alerts, &err);
	if (!a) {
		rc = cli_fail(&err);
		goto out;
	}
	if (alerts_count(a) == 0) {
		fprintf(stderr,
			"plumbline: %s: no alert channels configured (\"alerts\": "
			"{\"channels\": [...]})\n",
			config);
		goto out;
	}
	for (i = 0; i < n_names; i++) {
		size_t j;
		int found = 0;

		for (j = 0; j < alerts_count(a); j++)
			found |= !strcmp(alerts_channel(a, j)->name, names[i]);
		if (!found) {
			cli_usage_error("alert", "no channel named '%s' in %s", names[i], config);
			goto out;
		}
	}
	for (i = 0; i < alerts_count(a); i++)
		alerts_enable(a, i, selected(alerts_channel(a, i)->name, names, n_names));
	ev.summary = "This is a test message from plumbline alert test.";
	alerts_dispatch(a, &ev, NULL, &err);
	for (i = 0; i < alerts_count(a); i++) {
		const struct alert_channel *ch = alerts_channel(a, i);
		int attempts = 0;
		enum alert_outcome o = alerts_outcome(a, i, &attempts);

		if (!selected(ch->name, names, n_names))
			continue;
		printf("%-16s %-8s %s", ch->name, ch->ops->name, outcome_names[o]);
		if (attempts)
			printf(" (%d attempt%s)", attempts, attempts == 1 ? "" : "s");
		printf("\n");
		sent += o == ALERT_SENT;
		failed += o == ALERT_FAILED;
	}
	rc = failed ? EXIT_INCOMPLETE : EXIT_OK;
	if (failed)
		fprintf(stderr, "plumbline: %zu of %zu channels failed\n", failed, sent + failed);
out:
	alerts_free(a);
	config_free(cfg);
	log_close();
	free(aa.channels.v);
	return rc;
}

int cmd_alert(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("alert", "missing subcommand (try 'plumbline alert test')");
	if (!strcmp(argv[1], "test"))
		return alert_test(argc - 1, argv + 1);
	return cli_usage_error("alert", "unknown subcommand '%s'", argv[1]);
}
