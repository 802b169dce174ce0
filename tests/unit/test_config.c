/* test_config.c: config validation (located errors, unknown keys) and secret loading. */
#include "testutil.h"
#include "config.h"
#include "jsonx.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char good[] = "{\n"
			   "  \"vendors\": [\n"
			   "    {\"id\": \"a\", \"probe\": \"openai\", \"base_url\": "
			   "\"https://api.example.com/v1/\",\n"
			   "     \"model\": \"m1\", \"api_key_env\": \"PLTEST_KEY\", \"rpm\": "
			   "60},\n"
			   "    {\"id\": \"b\", \"probe\": \"openai\", \"base_url\": "
			   "\"http://127.0.0.1:9/v1\", \"model\": \"m2\"}\n"
			   "  ],\n"
			   "  \"paths\": {\"reports\": \"out\"}\n"
			   "}\n";

static void test_good_config(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "c.json", good);
	struct config *c = config_load(path, &err);
	const struct vendor *v;

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->n_vendors, 2);
	v = config_vendor(c, "a");
	assert_non_null(v);
	assert_string_equal(v->base_url, "https://api.example.com/v1"); /* slash trimmed */
	assert_int_equal(v->concurrency, 4);
	assert_int_equal(v->timeout_ms, 60000);
	assert_true(v->rpm == 60);
	/* outages: probe every 30 s for up to 5 minutes, waits capped at 5 minutes */
	assert_true(v->max_outage_s == 300 && v->probe_interval_s == 30);
	assert_true(v->max_wait_s == 300 && v->max_duration_s == 0 && c->max_duration == 0);
	assert_string_equal(c->reports_dir, "out");
	assert_string_equal(c->baselines_dir, "baselines");
	assert_null(config_vendor(c, "zzz"));
	assert_null(c->judge_vendor); /* no "judge": no judged checks can run */
	config_free(c);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* "judge" names the grading vendor entry; the model defaults to the entry's own. */
static void test_judge(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(),
	     *path = tu_write(dir, "c.json",
			      "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", "
			      "\"base_url\": \"https://x\", \"model\": \"m\"}],\n"
			      " \"judge\": {\"vendor\": \"a\", \"model\": \"grader\"}}\n");
	struct config *c = config_load(path, &err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->judge_vendor, "a");
	assert_string_equal(c->judge_model, "grader");
	config_free(c);
	free(path);
	path = tu_write(dir, "c.json",
			"{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": "
			"\"https://x\", \"model\": \"m\"}], \"judge\": {\"vendor\": \"a\"}}\n");
	c = config_load(path, &err);
	assert_non_null(c);
	assert_null(c->judge_model);
	config_free(c);
	tu_rmrf(dir);
	free(path);
	free(dir);
}

/* Each bad config and the exact error it must give. */
static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\", \"concurency\": 3}]}",
	  "c.json:1:98: vendors[0].concurency: unknown key \"concurency\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"nope\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}]}",
	  "c.json:1:35: vendors[0].probe: unknown probe \"nope\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"ftp://x\", "
	  "\"model\": \"m\"}]}",
	  "c.json:1:57: vendors[0].base_url: expected an http:// or https:// URL" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\", \"concurrency\": \"4\"}]}",
	  "c.json:1:99: vendors[0].concurrency: expected an integer, got a string" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\", \"concurrency\": 0}]}",
	  "vendors[0].concurrency: expected an integer from 1 to 1024, got 0" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\"}]}",
	  "c.json:1:14: vendors[0]: missing required key \"model\"" },
	/* an empty model is sent as such: every request refused */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"\"}]}",
	  "c.json:2:12: vendors[0].model: expected a non-empty model name (Azure: the deployment; "
	  "Bedrock: the modelId), got \"\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\", \"base_url\": \"http://x\",\n"
	  "  \"region\": \"us-east-1\", \"model\": \" \"}]}",
	  "c.json:2:35: vendors[0].model: expected a non-empty model name" },
	{ "{\"vendors\": []}", "c.json:1:13: vendors: expected a non-empty array" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\", \"max_outage\": -1}]}",
	  "vendors[0].max_outage: expected a number from 0 to 86400, got -1" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\", \"probe_interval\": 0}]}",
	  "vendors[0].probe_interval: expected a number from 0.1 to 3600, got 0" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\", \"max_wait\": \"5m\"}]}",
	  "vendors[0].max_wait: expected a number, got a string" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}], \"budget\": {\"max_duration\": -5}}",
	  "budget.max_duration: expected a number from 0 to 604800, got -5" },
	{ "{}", "c.json:1:1: missing required key \"vendors\"" },
	{ "{\"vendors\": [1,]}", "c.json:1:16: invalid JSON" },
	{ "", "c.json:1:0: invalid JSON" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}, {\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://y\", "
	  "\"model\": \"m\"}]}",
	  "vendors[1].id: duplicate vendor id \"a\"" },
	{ "{\"vendors\": [{\"id\": \"a b\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}]}",
	  "vendors[0].id: invalid vendor id \"a b\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}], \"alerts\": []}",
	  "c.json:1:96: alerts: expected an object, got an array" },
	/* "judge" names a vendor entry of the config; its keys are checked */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}], \"judge\": {\"vendor\": \"b\"}}",
	  "c.json:1:106: judge.vendor: no vendor entry has the id \"b\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}], \"judge\": {\"model\": \"j\"}}",
	  "c.json:1:95: judge: missing required key \"vendor\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}], \"judge\": {\"vendor\": \"a\", \"temperature\": 0}}",
	  "judge.temperature: unknown key \"temperature\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\", "
	  "\"model\": \"m\"}], \"judge\": \"a\"}",
	  "c.json:1:95: judge: expected an object, got a string" },
	/* "embeddings": a vendor entry whose probe has an embeddings API, and a model */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"anthropic\", \"base_url\": \"http://h\", \"model\": \"m\"}], \"embeddings\": {\"vendor\": \"a\", \"model\": \"e\"}}",
	  "embeddings.vendor: vendor \"a\" uses probe \"anthropic\", which has no embeddings API" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"anthropic\", \"base_url\": \"http://h\", \"model\": \"m\"}], \"embeddings\": {\"vendor\": \"b\", \"model\": \"e\"}}",
	  "embeddings.vendor: unknown vendor \"b\" (expected the id of a vendor entry: a)" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"anthropic\", \"base_url\": \"http://h\", \"model\": \"m\"}], \"embeddings\": {\"vendor\": \"a\"}}",
	  "embeddings: missing required key \"model\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"anthropic\", \"base_url\": \"http://h\", \"model\": \"m\"}], \"embeddings\": [1]}",
	  "embeddings: expected an object, got an array" },
	/* "api": one of the probe's variants; a probe without variants takes none */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"api\": \"respones\"}]}",
	  "c.json:2:24: vendors[0].api: unknown api \"respones\" for probe openai (expected one of: "
	  "chat, responses)" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"azure-openai\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"api\": \"responses\"}]}",
	  "c.json:2:24: vendors[0].api: unknown api \"responses\" for probe azure-openai (it has no "
	  "api variants: remove \"api\")" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"anthropic\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"api\": \"responses\"}]}",
	  "c.json:2:24: vendors[0].api: unknown api \"responses\" for probe anthropic" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"gemini\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"api\": \"chat\"}]}",
	  "c.json:2:24: vendors[0].api: unknown api \"chat\" for probe gemini" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"ollama\", \"base_url\": \"http://x\",\n"
	  "  \"model\": \"m\", \"api\": \"chat\"}]}",
	  "c.json:2:24: vendors[0].api: unknown api \"chat\" for probe ollama" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\", \"base_url\": \"http://x\",\n"
	  "  \"model\": \"m\", \"region\": \"us-east-1\", \"api\": \"converse\"}]}",
	  "c.json:2:47: vendors[0].api: unknown api \"converse\" for probe bedrock" },
	/* bedrock: a region, and the region of an AWS endpoint given as base_url */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\",\n"
	  "  \"base_url\": \"https://bedrock-runtime.us-east-1.amazonaws.com\", \"model\": \"m\"}]}",
	  "c.json:1:14: vendors[0].region: missing required key \"region\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\", \"base_url\": \"http://127.0.0.1:9\",\n"
	  "  \"model\": \"m\", \"region\": \"\"}]}",
	  "c.json:2:27: vendors[0].region: expected an AWS region such as \"us-east-1\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\",\n"
	  "  \"base_url\": \"https://bedrock-runtime.us-east-1.amazonaws.com\", \"model\": \"m\",\n"
	  "  \"region\": \"eu-west-1\"}]}",
	  "c.json:3:13: vendors[0].region: region \"eu-west-1\" is not the region of base_url's host "
	  "(\"us-east-1\"): AWS would refuse every signature" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\",\n"
	  "  \"base_url\": \"https://Bedrock-Runtime-FIPS.us-gov-west-1.amazonaws.com:443/\",\n"
	  "  \"model\": \"m\", \"region\": \"us-east-1\"}]}",
	  "vendors[0].region: region \"us-east-1\" is not the region of base_url's host "
	  "(\"us-gov-west-1\")" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\", \"base_url\": \"http://127.0.0.1:9\",\n"
	  "  \"model\": \"m\", \"region\": \"us:east\"}]}",
	  "vendors[0].region: expected an AWS region such as \"us-east-1\"" },
	/* a setting the probe does not read is refused, naming the probes that read it */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"region\": \"us-east-1\"}]}",
	  "c.json:2:27: vendors[0].region: probe openai does not use \"region\" (it is used only by "
	  "probe bedrock): remove it" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"anthropic\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"region\": \"us-east-1\"}]}",
	  "vendors[0].region: probe anthropic does not use \"region\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"azure-openai\", \"base_url\": "
	  "\"https://x\",\n  \"model\": \"m\", \"region\": \"eastus\"}]}",
	  "vendors[0].region: probe azure-openai does not use \"region\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"gemini\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"api_version\": \"v1\"}]}",
	  "c.json:2:32: vendors[0].api_version: probe gemini does not use \"api_version\" (it is used "
	  "only by probes azure-openai, anthropic): remove it" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"api_version\": \"2024-10-21\"}]}",
	  "vendors[0].api_version: probe openai does not use \"api_version\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"ollama\", \"base_url\": \"http://x\",\n"
	  "  \"model\": \"m\", \"api_version\": \"1\"}]}",
	  "vendors[0].api_version: probe ollama does not use \"api_version\"" },
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"bedrock\", \"base_url\": \"http://x\",\n"
	  "  \"model\": \"m\", \"region\": \"us-east-1\", \"api_version\": \"1\"}]}",
	  "vendors[0].api_version: probe bedrock does not use \"api_version\"" },
	/* a price left out is not 0: the cost would be counted half */
	{ "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": \"https://x\",\n"
	  "  \"model\": \"m\", \"prices\": {\"input_per_mtok\": 3}}]}",
	  "c.json:2:27: vendors[0].prices: missing \"output_per_mtok\" (give both prices, 0 "
	  "for a free model; a price left out is not 0)" },
};

static void test_bad_configs(void **state)
{
	char *dir = tu_tmpdir();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		char *path = tu_write(dir, "c.json", bad[i].text), full[2048], msg[1600];
		struct config *c;

		c = config_load(path, &err);
		if (c)
			fail_msg("case %zu: loaded, want error '%s'", i, bad[i].want);
		assert_int_equal(err.code, PL_E_INPUT);
		pl_err_str(&err, msg, sizeof(msg));
		/* The path prefix is the temp dir; compare from the file name on. */
		snprintf(full, sizeof(full), "%s",
			 strstr(msg, "c.json") ? strstr(msg, "c.json") : msg);
		if (!strstr(full, bad[i].want))
			fail_msg("case %zu:\n got  %s\n want %s", i, full, bad[i].want);
		free(path);
	}
	tu_rmrf(dir);
	free(dir);
}

static void test_secrets(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path = tu_write(dir, "c.json", good), *keyfile, cfgtext[1024];
	struct config *c;

	(void)state;
	unsetenv("PLTEST_KEY");
	c = config_load(path, &err);
	assert_non_null(c);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), -1);
	assert_string_equal(err.where, "vendor \"a\"");
	assert_non_null(strstr(err.msg, "PLTEST_KEY is not set"));
	/* set but empty is said as such (it is not "not set": a wrapper exported it blank) */
	setenv("PLTEST_KEY", "", 1);
	pl_err_init(&err);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "environment variable PLTEST_KEY is empty"));
	unsetenv("PLTEST_KEY");
	/* Only selected vendors need keys. */
	pl_err_init(&err);
	{
		const char *ids[] = { "b" };

		assert_int_equal(config_load_secrets(c, ids, 1, &err), 0);
	}
	setenv("PLTEST_KEY", "sk-test-canary", 1);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), 0);
	assert_string_equal(config_vendor(c, "a")->api_key, "sk-test-canary");
	config_free(c);
	unsetenv("PLTEST_KEY");

	/* A key file must be 0600. */
	keyfile = tu_write(dir, "key", "sk-from-file\n");
	snprintf(cfgtext, sizeof(cfgtext),
		 "{\"vendors\": [{\"id\": \"f\", \"probe\": \"openai\", \"base_url\": "
		 "\"https://x\", "
		 "\"model\": \"m\", \"api_key_file\": \"%s\"}]}",
		 keyfile);
	free(path);
	path = tu_write(dir, "c2.json", cfgtext);
	c = config_load(path, &err);
	assert_non_null(c);
	chmod(keyfile, 0644);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "readable by others"));
	assert_null(strstr(err.msg, "sk-from-file"));
	pl_err_init(&err);
	chmod(keyfile, 0600);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), 0);
	assert_string_equal(config_vendor(c, "f")->api_key, "sk-from-file");
	config_free(c);
	tu_rmrf(dir);
	free(keyfile);
	free(path);
	free(dir);
}

/* A key pasted into api_key_env is refused without being printed; a key that happens to be a
 * valid name is not printed when it is missing; a key holding CR/LF (a header injection) is
 * refused, from the environment and from a key file. */
static void test_key_hygiene(void **state)
{
	static const char pasted[] = "fake-pasted-key/def+ghiJKL";
	static const char hexkey[] = "a3f09c1d2e4b5a6978c0d1e2f3a4b5c6";
	struct pl_err err = PL_ERR_INIT;
	char *dir = tu_tmpdir(), *path, *keyfile, text[1024], msg[1600];
	struct config *c;

	(void)state;
	snprintf(text, sizeof(text),
		 "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": "
		 "\"https://x\", \"model\": \"m\", \"api_key_env\": \"%s\"}]}",
		 pasted);
	path = tu_write(dir, "c.json", text);
	assert_null(config_load(path, &err));
	pl_err_str(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "vendors[0].api_key_env: expected the NAME"));
	assert_null(strstr(msg, "fake-pasted"));
	assert_null(strstr(msg, "ghiJKL"));
	free(path);

	/* a valid name that looks like a key: not shown when the variable is missing */
	pl_err_init(&err);
	snprintf(text, sizeof(text),
		 "{\"vendors\": [{\"id\": \"a\", \"probe\": \"openai\", \"base_url\": "
		 "\"https://x\", \"model\": \"m\", \"api_key_env\": \"%s\"}]}",
		 hexkey);
	path = tu_write(dir, "c.json", text);
	c = config_load(path, &err);
	assert_non_null(c);
	unsetenv(hexkey);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), -1);
	pl_err_str(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "not set"));
	assert_null(strstr(msg, "a3f09c1d"));
	config_free(c);
	free(path);

	/* CR/LF in the key from the environment */
	pl_err_init(&err);
	path = tu_write(dir, "c.json", good);
	c = config_load(path, &err);
	assert_non_null(c);
	setenv("PLTEST_KEY", "fake-crlf-canary\r\nX-Injected: 1", 1);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), -1);
	pl_err_str(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "PLTEST_KEY holds a control character"));
	assert_null(strstr(msg, "canary"));
	assert_null(config_vendor(c, "a")->api_key);
	unsetenv("PLTEST_KEY");
	config_free(c);
	free(path);

	/* ... and from a key file (a trailing newline is fine, an inner one is not) */
	pl_err_init(&err);
	keyfile = tu_write(dir, "key", "fake-file-canary\nX-Injected: 1\n");
	chmod(keyfile, 0600);
	snprintf(text, sizeof(text),
		 "{\"vendors\": [{\"id\": \"f\", \"probe\": \"openai\", \"base_url\": "
		 "\"https://x\", \"model\": \"m\", \"api_key_file\": \"%s\"}]}",
		 keyfile);
	path = tu_write(dir, "c2.json", text);
	c = config_load(path, &err);
	assert_non_null(c);
	assert_int_equal(config_load_secrets(c, NULL, 0, &err), -1);
	pl_err_str(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "holds a control character"));
	assert_null(strstr(msg, "canary"));
	assert_null(config_vendor(c, "f")->api_key);
	config_free(c);
	tu_rmrf(dir);
	free(keyfile);
	free(path);
	free(dir);
}

/* the kind of value an error message names, a missing one too (not a NULL dereference) */
static void test_type_names(void **state)
{
	json_t *v = json_pack("{s:i, s:f, s:b, s:n}", "i", 1, "f", 0.5, "b", 1, "n");

	(void)state;
	assert_non_null(v);
	assert_string_equal(json_type_name(v), "an object");
	assert_string_equal(json_type_name(json_object_get(v, "i")), "an integer");
	assert_string_equal(json_type_name(json_object_get(v, "f")), "a number");
	assert_string_equal(json_type_name(json_object_get(v, "b")), "a boolean");
	assert_string_equal(json_type_name(json_object_get(v, "n")), "null");
	assert_string_equal(json_type_name(json_object_get(v, "missing")), "nothing");
	json_decref(v);
}

/* The values the probes take are still taken: every "api" a probe lists, a bedrock region
 * that is its endpoint's (or any region with a base_url that is not an AWS host), and the
 * api_version of the probes that send one. */
static void test_probe_keys_accepted(void **state)
{
	static const char *const vendors[] = {
		"\"probe\": \"openai\", \"base_url\": \"https://x\", \"api\": \"chat\"",
		"\"probe\": \"openai\", \"base_url\": \"https://x\", \"api\": \"responses\"",
		"\"probe\": \"bedrock\", \"base_url\": "
		"\"https://bedrock-runtime.eu-west-1.amazonaws.com/\", \"region\": \"eu-west-1\"",
		"\"probe\": \"bedrock\", \"base_url\": \"http://127.0.0.1:9\", \"region\": "
		"\"us-east-1\"",
		"\"probe\": \"bedrock\", \"base_url\": \"https://vpce-1.bedrock-runtime.us-east-1."
		"vpce.amazonaws.com\", \"region\": \"us-east-1\"",
		/* the probes that read api_version */
		"\"probe\": \"azure-openai\", \"base_url\": \"https://x\", \"api_version\": "
		"\"2024-10-21\"",
		"\"probe\": \"anthropic\", \"base_url\": \"https://x\", \"api_version\": "
		"\"2023-06-01\"",
	};
	char *dir = tu_tmpdir();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		struct pl_err err = PL_ERR_INIT;
		char text[1024], *path;
		struct config *c;

		snprintf(text, sizeof(text),
			 "{\"vendors\": [{\"id\": \"a\", \"model\": \"m\", %s}]}", vendors[i]);
		path = tu_write(dir, "c.json", text);
		c = config_load(path, &err);
		if (!c)
			fail_msg("case %zu: %s: %s", i, err.where, err.msg);
		config_free(c);
		free(path);
	}
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_config),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_key_hygiene),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_probe_keys_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
