/* cmd_init.c: `plumbline init [DIR]`: the first hour. Writes a starter config for the vendors
 * asked and a starter suite with one example of every registered check kind, then prints the
 * next commands (doctor, baseline record, run). Never overwrites a file unless --force. */
#include "check.h"
#include "cli.h"
#include "fileio.h"
#include "probe.h"
#include "sbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char usage_init[] =
	"usage: plumbline init [--vendor NAME]... [--force] [DIR]\n"
	"\n"
	"Writes DIR/plumbline.json, a starter config for the vendors named (default\n"
	"openai), and DIR/suites/starter.json, a starter suite with an example of\n"
	"every check kind, then prints the next commands: doctor, baseline record, "
	"run.\n"
	"DIR defaults to the current directory. Existing files are never replaced "
	"unless\n"
	"--force is given. The config's paths are relative: run plumbline from DIR.\n"
	"\n";

static const char usage_init_tail[] =
	"\n"
	"Vendors: openai, azure (azure-openai), anthropic, gemini, ollama, bedrock.\n"
	"Each entry gets the vendor's base_url, the environment variable that holds its key\n"
	"(api_key_env), an example model and example prices: set the model you use and the\n"
	"vendor's current prices. See plumbline-config(5) and plumbline-suite(5).\n";

struct init_args {
	struct cli_strings vendors;
	int force;
};

const struct cli_option init_options[] = {
	CLI_STRING_LIST(0, "vendor", struct init_args, vendors, "NAME",
			"configure this vendor (repeatable; default openai)"),
	CLI_BOOL(0, "force", struct init_args, force, "replace the files if they exist"),
	CLI_END,
};

const struct cli_usage_part usage_init_parts[] = {
	{ init_options, usage_init_tail },
	{ NULL, NULL },
};

/* One vendor's starter entry. Models and prices are examples, said so in the description. */
struct starter {
	const char *name;  /* --vendor NAME and the entry's id */
	const char *alias; /* another accepted NAME (the probe's own name); may be NULL */
	const char *probe;
	const char *base_url;
	const char *model;
	const char *api_version; /* may be NULL */
	const char *region;	 /* may be NULL */
	const char *api_key_env; /* NULL: a keyless local server */
	double price_in, price_out;
	const char *note;
};

static const struct starter starters[] = {
	{ "openai", NULL, "openai", "https://api.openai.com/v1", "gpt-4.1-2025-04-14", NULL, NULL,
	  "OPENAI_API_KEY", 2.0, 8.0,
	  "OpenAI Chat Completions. The key is read from $OPENAI_API_KEY. Model and prices are "
	  "examples: pin the model snapshot you ship with and copy the current prices (per "
	  "million tokens)." },
	{ "azure", "azure-openai", "azure-openai", "https://RESOURCE.openai.azure.com",
	  "DEPLOYMENT-NAME", "2024-10-21", NULL, "AZURE_OPENAI_API_KEY", 2.0, 8.0,
	  "Azure OpenAI. Replace RESOURCE in base_url and set model to your deployment's name. "
	  "The key is read from $AZURE_OPENAI_API_KEY. Prices are examples." },
	{ "anthropic", NULL, "anthropic", "https://api.anthropic.com/v1", "claude-sonnet-4-5",
	  "2023-06-01", NULL, "ANTHROPIC_API_KEY", 3.0, 15.0,
	  "Anthropic Messages API (api_version is the anthropic-version header). The key is "
	  "read from $ANTHROPIC_API_KEY. Model and prices are examples." },
	{ "gemini", NULL, "gemini", "https://generativelanguage.googleapis.com/v1beta",
	  "gemini-2.5-flash", NULL, NULL, "GEMINI_API_KEY", 0.3, 2.5,
	  "Google Gemini API. The key is read from $GEMINI_API_KEY (sent in a header, never in "
	  "the URL). Model and prices are examples." },
	{ "ollama", NULL, "ollama", "http://127.0.0.1:11434", "llama3.2", NULL, NULL, NULL, 0, 0,
	  "A local Ollama server (native /api/chat): no key. Set the model you pulled." },
	{ "bedrock", NULL, "bedrock", "https://bedrock-runtime.us-east-1.amazonaws.com",
	  "us.amazon.nova-micro-v1:0", NULL, "us-east-1", "BEDROCK_CREDENTIALS", 0.035, 0.14,
	  "AWS Bedrock Converse. $BEDROCK_CREDENTIALS holds ACCESS_KEY_ID:SECRET_ACCESS_KEY[:"
	  "SESSION_TOKEN] (signed with SigV4) or a Bedrock API key. base_url and region must "
	  "name the same region. Model and prices are examples." },
};

static const struct starter *find_starter(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(starters); i++)
		if (!strcmp(starters[i].name, name) ||
		    (starters[i].alias && !strcmp(starters[i].alias, name)))
			return &starters[i];
	return NULL;
}

static json_t *vendor_entry(const struct starter *st)
{
	json_t *v = json_object();

	json_object_set_new(v, "id", json_string(st->name));
	json_object_set_new(v, "description", json_string(st->note));
	json_object_set_new(v, "probe", json_string(st->probe));
	json_object_set_new(v, "base_url", json_string(st->base_url));
	json_object_set_new(v, "model", json_string(st->model));
	if (st->api_version)
		json_object_set_new(v, "api_version", json_string(st->api_version));
	if (st->region)
		json_object_set_new(v, "region", json_string(st->region));
	if (st->api_key_env)
		json_object_set_new(v, "api_key_env", json_string(st->api_key_env));
	json_object_set_new(v, "timeout_ms", json_integer(60000));
	json_object_set_new(v, "concurrency", json_integer(4));
	json_object_set_new(v, "retries", json_integer(4));
	json_object_set_new(v, "prices",
			    json_pack("{s:f, s:f}", "input_per_mtok", st->price_in,
				      "output_per_mtok", st->price_out));
	return v;
}

static json_t *starter_config(const struct starter *const *chosen, size_t n)
{
	json_t *root = json_object(), *vendors = json_array();
	size_t i;

	json_object_set_new(
		root, "description",
		json_string("Starter config written by `plumbline init`. Every key is described in "
			    "plumbline-config(5); unknown keys are errors, and \"description\" is "
			    "the only place for comments. API keys never go in this file: each "
			    "vendor names the environment variable that holds its key "
			    "(api_key_env). Paths are relative to the directory plumbline runs "
			    "in. Check it with: plumbline doctor --config plumbline.json "
			    "suites/starter.json"));
	for (i = 0; i < n; i++)
		json_array_append_new(vendors, vendor_entry(chosen[i]));
	json_object_set_new(root, "vendors", vendors);
	json_object_set_new(root, "paths",
			    json_pack("{s:s, s:s, s:s}", "baselines", "baselines", "reports",
				      "reports", "state", ".plumbline"));
	json_object_set_new(root, "signing",
			    json_pack("{s:s, s:s, s:s}", "secret_key", ".plumbline/plumbline.key",
				      "public_key", ".plumbline/register.pub", "register",
				      ".plumbline/register.jsonl"));
	json_object_set_new(root, "budget",
			    json_pack("{s:i, s:f}", "max_requests", 5000, "max_cost", 10.0));
	return root;
}

/* Adds the example of one check kind to prompts (grouped by the example prompt's id). */
static int add_example(json_t *prompts, const struct check_ops *k, struct pl_err *err)
{
	json_t *p = NULL, *check = NULL, *have = NULL, *checks;
	json_error_t jerr;
	const char *id;
	size_t i;
	int rc = -1;

	p = json_loads(k->example_prompt, 0, &jerr);
	check = json_loads(k->example, 0, &jerr);
	if (!json_is_object(p) || !json_is_object(check) ||
	    !json_is_string(json_object_get(p, "id"))) {
		pl_err_set(err, PL_E_INTERNAL, "init",
			   "the starter example of check kind \"%s\" is not a prompt and a check "
			   "object",
			   k->name);
		goto out;
	}
	id = json_string_value(json_object_get(p, "id"));
	for (i = 0; i < json_array_size(prompts); i++) {
		json_t *q = json_array_get(prompts, i);

		if (!strcmp(json_string_value(json_object_get(q, "id")), id))
			have = q;
	}
	if (!have) {
		have = p;
		json_object_set_new(have, "checks", json_array());
		json_array_append(prompts, have);
	}
	checks = json_object_get(have, "checks");
	json_array_append(checks, check);
	rc = 0;
out:
	json_decref(p);
	json_decref(check);
	return rc;
}

static json_t *starter_suite(struct pl_err *err)
{
	json_t *root = json_object(), *prompts = json_array();
	const struct check_ops *const *kinds;
	size_t n, i;

	json_object_set_new(root, "id", json_string("starter"));
	json_object_set_new(
		root, "description",
		json_string("Starter suite written by `plumbline init`: one example of every check "
			    "kind. Every key is described in plumbline-suite(5). Replace the "
			    "prompts with the ones your product depends on, keeping a few checks "
			    "on each."));
	json_object_set_new(root, "defaults",
			    json_pack("{s:f, s:i, s:i, s:i}", "temperature", 0.7, "max_tokens", 200,
				      "samples", 10, "baseline_samples", 30));
	kinds = check_kinds(&n);
	for (i = 0; i < n; i++) {
		if (!kinds[i]->example_prompt || !kinds[i]->example) {
			fprintf(stderr,
				"plumbline init: check kind \"%s\" has no starter example; it is "
				"not in the starter suite\n",
				kinds[i]->name);
			continue;
		}
		if (add_example(prompts, kinds[i], err) < 0) {
			json_decref(prompts);
			json_decref(root);
			return NULL;
		}
	}
	json_object_set_new(root, "prompts", prompts);
	return root;
}

/* 1 if something (a file, a directory, a dangling link) is at path. */
static int present(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

static int write_json(const char *path, const json_t *root, struct pl_err *err)
{
	char *text =
		json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	struct sbuf b = SBUF_INIT;
	int rc;

	if (!text)
		return pl_err_set(err, PL_E_INTERNAL, path, "cannot encode JSON");
	sbuf_addf(&b, "%s\n", text);
	free(text);
	rc = fileio_write_atomic(path, b.buf, b.len, 0644, err);
	sbuf_release(&b);
	return rc;
}

/* A word for the shell: quoted unless it is plain. */
static void shell_word(struct sbuf *out, const char *s)
{
	const char *p;

	if (*s &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,") ==
		    strlen(s)) {
		sbuf_addstr(out, s);
		return;
	}
	sbuf_addch(out, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			sbuf_addstr(out, "'\\''");
		else
			sbuf_addch(out, *p);
	}
	sbuf_addch(out, '\'');
}

int cmd_init(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct init_args a;
	const struct starter *chosen[ARRAY_SIZE(starters)];
	char cfg_path[4096], suite_path[4096];
	json_t *cfg = NULL, *suite = NULL;
	struct sbuf cd = SBUF_INIT;
	const char *dir = ".";
	size_t n = 0, i, j;
	int first, rc = EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	first = cli_parse_options("init", argc, argv, init_options, &a, &rc);
	if (first < 0)
		goto out;
	if (argc - first > 1) {
		rc = cli_usage_error("init", "give at most one DIR");
		goto out;
	}
	if (first < argc)
		dir = argv[first];
	for (i = 0; i < a.vendors.n; i++) {
		const struct starter *st = find_starter(a.vendors.v[i]);

		if (!st) {
			rc = cli_usage_error("init",
					     "unknown vendor '%s' (expected openai, azure, "
					     "anthropic, gemini, ollama or bedrock)",
					     a.vendors.v[i]);
			goto out;
		}
		for (j = 0; j < n && chosen[j] != st; j++)
			;
		if (j == n)
			chosen[n++] = st;
	}
	if (n == 0)
		chosen[n++] = &starters[0];
	snprintf(cfg_path, sizeof(cfg_path), "%s/plumbline.json", dir);
	snprintf(suite_path, sizeof(suite_path), "%s/suites/starter.json", dir);
	if (!a.force && (present(cfg_path) || present(suite_path))) {
		fprintf(stderr,
			"plumbline init: %s exists; nothing was written (--force replaces "
			"plumbline.json and suites/starter.json)\n",
			present(cfg_path) ? cfg_path : suite_path);
		rc = EXIT_USAGE;
		goto out;
	}
	cfg = starter_config(chosen, n);
	suite = starter_suite(&err);
	if (!suite || write_json(cfg_path, cfg, &err) < 0 ||
	    write_json(suite_path, suite, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	printf("wrote %s (%zu vendor%s) and %s (%zu prompts)\n", cfg_path, n, n == 1 ? "" : "s",
	       suite_path, json_array_size(json_object_get(suite, "prompts")));
	printf("\nnext:\n");
	if (strcmp(dir, ".")) {
		sbuf_addstr(&cd, "  cd ");
		shell_word(&cd, dir);
		printf("%s\n", cd.buf);
	}
	for (i = 0; i < n; i++)
		if (chosen[i]->api_key_env)
			printf("  export %s=...   # the key itself; never in the config\n",
			       chosen[i]->api_key_env);
	/* the config signs reports: run refuses to start without the key */
	printf("  plumbline keygen --config plumbline.json   # the key that signs reports\n");
	printf("  plumbline doctor --config plumbline.json suites/starter.json\n");
	for (i = 0; i < n; i++)
		printf("  plumbline baseline record --config plumbline.json --vendor %s "
		       "suites/starter.json\n",
		       chosen[i]->name);
	printf("  plumbline run --config plumbline.json suites/starter.json\n");
	rc = EXIT_OK;
out:
	free(a.vendors.v);
	json_decref(cfg);
	json_decref(suite);
	sbuf_release(&cd);
	return rc;
}
