/* cmd_alert.c: `plumbline alert test`: sends a test message to every configured channel, so
 * the webhook URLs, keys and SMTP credentials can be checked before the first night. */
#include "cli.h"

#include "alert.h"
#include "config.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

const char usage_alert[] =
	"usage: plumbline alert test --config FILE [--channel NAME]...\n"
	"\n"
	"Sends a test message to every alert channel configured in the \"alerts\" section of\n"
	"FILE (or only to the named channels) and prints, per channel, whether it arrived.\n"
	"Secrets (webhook URLs, HMAC keys, SMTP passwords) are read from the environment\n"
	"variables the config names; they are never printed.\n"
	"\n"
	"options:\n"
	"  --config FILE    the plumbline config (JSON)\n"
	"  --channel NAME   only this channel (its \"name\", or its type when unnamed)\n"
	"\n"
	"exit: 0 every channel got the message; 2 usage or config error, or no channel;\n"
	"      3 a channel could not be reached (see the log lines above the table).\n";

static const char *const outcome_names[] = { "sent", "skipped", "skipped (duplicate)", "FAILED" };

static int selected(const char *name, char **names, size_t n)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static int alert_test(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct config *cfg = NULL;
	struct alerts *a = NULL;
	struct alert_event ev = { .kind = ALERT_TEST };
	const char *config = NULL;
	char *names[32];
	size_t n_names = 0, i, sent = 0, failed = 0;
	struct jsonloc loc;
	int rc = EXIT_USAGE, k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--config") && k + 1 < argc) {
			config = argv[++k];
		} else if (!strcmp(argv[k], "--channel") && k + 1 < argc) {
			if (n_names == ARRAY_SIZE(names))
				return cli_usage_error("alert", "too many --channel options");
			names[n_names++] = argv[++k];
		} else {
			return cli_usage_error("alert", "unexpected argument '%s'", argv[k]);
		}
	}
	if (!config)
		return cli_usage_error("alert", "missing --config FILE");
	log_open(NULL, NULL);
	cfg = config_load(config, &err);
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
