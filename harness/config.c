/* config.c: loading and validating the config file; reading API keys from env or 0600 files. */
#include "config.h"
#include "fileio.h"
#include "jsonpos.h"
#include "probe.h"
#include "redact.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (4u << 20)

static const char *const top_keys[] = { "description", "vendors",    "paths",  "detection",
					"alerts",      "signing",    "budget", "logging",
					"judge",       "embeddings", NULL };
static const char *const embeddings_keys[] = { "vendor", "model", NULL };
static const char *const path_keys[] = { "baselines", "reports", "state", NULL };
static const char *const vendor_keys[] = { "id",	  "probe",	  "base_url",
					   "model",	  "api",	  "api_version",
					   "region",	  "api_key_env",  "api_key_file",
					   "ca_file",	  "timeout_ms",	  "connect_timeout_ms",
					   "concurrency", "retries",	  "max_response_bytes",
					   "rpm",	  "tpm",	  "stream",
					   "prices",	  "description",  "max_outage",
					   "max_wait",	  "max_duration", "probe_interval",
					   NULL };
static const char *const budget_keys[] = { "max_requests", "max_tokens", "max_cost", "max_duration",
					   NULL };
static const char *const price_keys[] = { "input_per_mtok", "output_per_mtok", NULL };
static const char *const judge_keys[] = { "vendor", "model", NULL };

int config_valid_id(const char *s)
{
	const char *p;

	if (!s || !*s || strlen(s) > 64)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return s[0] != '.';
}

/* A portable environment variable name: [A-Za-z_][A-Za-z0-9_]{0,127}. */
static int valid_env_name(const char *s)
{
	size_t i;

	if (!*s || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= 128 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
				  (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Whether a valid name may be printed: some keys (hex, base64 without '+' or '/') are valid
 * names too. A name with an underscore or without digits is printed; "a3f09c..." is not. */
static int printable_env_name(const char *s)
{
	return strchr(s, '_') || !strpbrk(s, "0123456789");
}

int config_env_name_printable(const char *name)
{
	return printable_env_name(name);
}

/* 1 if the key holds a control character (CR, LF, NUL-free text only): sent in a header, it
 * would start a new header line. */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int parse_prices(const struct jsonloc *loc, const char *ptr, const json_t *o,
			struct vendor *v, struct pl_err *err)
{
	if (json_check_keys(loc, ptr, o, price_keys, err) < 0)
		return -1;
	if (json_get_num(loc, ptr, o, "input_per_mtok", 0, 1e6, 0, &v->price_in_per_mtok, err) <
		    0 ||
	    json_get_num(loc, ptr, o, "output_per_mtok", 0, 1e6, 0, &v->price_out_per_mtok, err) <
		    0)
		return -1;
	return 0;
}

/* A vendor setting (key, value NULL when absent) that the vendor's probe does not read (flag,
 * PROBE_F_API_VERSION or PROBE_F_REGION) is refused, naming the probes that read it: left in, it
 * would look like it does something. */
static int check_unused_key(const struct jsonloc *loc, const char *ptr, const struct vendor *v,
			    const char *key, const char *value, unsigned flag, struct pl_err *err)
{
	const struct probe_ops *ops = probe_find(v->probe);
	const struct probe_ops *const *list;
	struct sbuf users = SBUF_INIT;
	size_t i, n;

	if (!value || (ops->flags & flag))
		return 0;
	list = probe_list(&n);
	for (i = 0; i < n; i++)
		if (list[i]->flags & flag)
			sbuf_addf(&users, "%s%s", users.len ? ", " : "", list[i]->name);
	json_fail(loc, ptr, key, err,
		  "probe %s does not use \"%s\" (it is used only by probe%s %s): remove it",
		  v->probe, key, strchr(users.buf, ',') ? "s" : "", users.buf);
	sbuf_release(&users);
	return -1;
}

/* What the vendor's probe says of its settings: the "api" it takes (the probe's variants) and
 * what its check_target refuses (Bedrock's region), located at the key at fault. */
static int check_probe_keys(const struct jsonloc *loc, const char *ptr, struct vendor *v,
			    struct pl_err *err)
{
	const struct probe_ops *ops = probe_find(v->probe);
	struct probe_target t = { 0 };
	struct pl_err e = PL_ERR_INIT;

	if (strncmp(v->base_url, "http://", 7) && strncmp(v->base_url, "https://", 8))
		return json_fail(loc, ptr, "base_url", err,
				 "expected an http:// or https:// URL, got \"%s\"", v->base_url);
	while (strlen(v->base_url) > 8 && v->base_url[strlen(v->base_url) - 1] == '/')
		v->base_url[strlen(v->base_url) - 1] = '\0';
	if (probe_check_api(ops, v->api, &e) < 0)
		return json_fail(loc, ptr, "api", err, "%s", e.msg);
	if (check_unused_key(loc, ptr, v, "api_version", v->api_version, PROBE_F_API_VERSION, err) <
		    0 ||
	    check_unused_key(loc, ptr, v, "region", v->region, PROBE_F_REGION, err) < 0)
		return -1;
	if (!ops->check_target)
		return 0;
	t.base_url = v->base_url;
	t.model = v->model;
	t.api_version = v->api_version;
	t.region = v->region;
	t.api = v->api;
	if (ops->check_target(&t, &e) < 0)
		return json_fail(loc, ptr, e.where[0] ? e.where : NULL, err, "%s", e.msg);
	return 0;
}

static int parse_vendor(const struct jsonloc *loc, const char *ptr, const json_t *o,
			struct vendor *v, struct pl_err *err)
{
	long long n;
	char sub[512];
	const json_t *prices;

	if (json_check_keys(loc, ptr, o, vendor_keys, err) < 0)
		return -1;
	if (json_get_str(loc, ptr, o, "id", 1, &v->id, err) < 0 ||
	    json_get_str(loc, ptr, o, "probe", 1, &v->probe, err) < 0 ||
	    json_get_str(loc, ptr, o, "base_url", 1, &v->base_url, err) < 0 ||
	    json_get_str(loc, ptr, o, "model", 1, &v->model, err) < 0 ||
	    json_get_str(loc, ptr, o, "api", 0, &v->api, err) < 0 ||
	    json_get_str(loc, ptr, o, "api_version", 0, &v->api_version, err) < 0 ||
	    json_get_str(loc, ptr, o, "region", 0, &v->region, err) < 0 ||
	    json_get_str(loc, ptr, o, "api_key_env", 0, &v->api_key_env, err) < 0 ||
	    json_get_str(loc, ptr, o, "api_key_file", 0, &v->api_key_file, err) < 0 ||
	    json_get_str(loc, ptr, o, "ca_file", 0, &v->ca_file, err) < 0)
		return -1;
	/* an empty model would be sent as such: every request of the night refused by the
	 * vendor (or, for Azure and Bedrock, a URL without its deployment or modelId) */
	if (!v->model[strspn(v->model, " \t")])
		return json_fail(loc, ptr, "model", err,
				 "expected a non-empty model name (Azure: the deployment; Bedrock: "
				 "the modelId), got \"%s\"",
				 v->model);
	if (!config_valid_id(v->id))
		return json_fail(loc, ptr, "id", err,
				 "invalid vendor id \"%s\" (expected letters, digits, '.', '_', "
				 "'-')",
				 v->id);
	if (!probe_find(v->probe)) {
		struct sbuf names;
		const struct probe_ops *const *list;
		size_t i, np;

		sbuf_init(&names);
		list = probe_list(&np);
		for (i = 0; i < np; i++)
			sbuf_addf(&names, "%s%s", i ? ", " : "", list[i]->name);
		json_fail(loc, ptr, "probe", err, "unknown probe \"%s\" (expected one of: %s)",
			  v->probe, names.buf);
		sbuf_release(&names);
		return -1;
	}
	if (check_probe_keys(loc, ptr, v, err) < 0)
		return -1;
	if (v->api_key_env && v->api_key_file)
		return json_fail(loc, ptr, "api_key_file", err,
				 "give either api_key_env or api_key_file, not both");
	/* The value is never quoted: a key pasted here instead of a name must not be echoed. */
	if (v->api_key_env && !valid_env_name(v->api_key_env))
		return json_fail(loc, ptr, "api_key_env", err,
				 "expected the NAME of an environment variable (letters, digits, "
				 "'_'; not starting with a digit), not the key itself (the value "
				 "is "
				 "not shown)");
	if (json_get_int(loc, ptr, o, "timeout_ms", 100, 3600000, 60000, &n, err) < 0)
		return -1;
	v->timeout_ms = (long)n;
	if (json_get_int(loc, ptr, o, "connect_timeout_ms", 10, 600000, 10000, &n, err) < 0)
		return -1;
	v->connect_timeout_ms = (long)n;
	if (json_get_int(loc, ptr, o, "concurrency", 1, 1024, 4, &n, err) < 0)
		return -1;
	v->concurrency = (int)n;
	if (json_get_int(loc, ptr, o, "retries", 0, 20, 4, &n, err) < 0)
		return -1;
	v->retries = (int)n;
	if (json_get_int(loc, ptr, o, "max_response_bytes", 1024, 1LL << 30, 8LL << 20, &n, err) <
	    0)
		return -1;
	v->max_response_bytes = (long)n;
	if (json_get_num(loc, ptr, o, "rpm", 0, 1e9, 0, &v->rpm, err) < 0 ||
	    json_get_num(loc, ptr, o, "tpm", 0, 1e12, 0, &v->tpm, err) < 0 ||
	    json_get_bool(loc, ptr, o, "stream", 0, &v->stream, err) < 0)
		return -1;
	if (json_get_num(loc, ptr, o, "max_outage", 0, 86400, 300, &v->max_outage_s, err) < 0 ||
	    json_get_num(loc, ptr, o, "probe_interval", 0.1, 3600, 30, &v->probe_interval_s, err) <
		    0 ||
	    json_get_num(loc, ptr, o, "max_wait", 1, 86400, 300, &v->max_wait_s, err) < 0 ||
	    json_get_num(loc, ptr, o, "max_duration", 0, 604800, 0, &v->max_duration_s, err) < 0)
		return -1;
	prices = json_object_get(o, "prices");
	if (prices) {
		snprintf(sub, sizeof(sub), "%s", ptr);
		jsonpos_push_key(sub, sizeof(sub), "prices");
		if (parse_prices(loc, sub, prices, v, err) < 0)
			return -1;
		/* an empty object prices nothing; 0 given explicitly is free (a local model) */
		v->has_prices = json_object_size(prices) > 0;
	}
	return 0;
}

static int parse_paths(struct config *c, const struct jsonloc *loc, struct pl_err *err)
{
	const json_t *p = json_object_get(c->root, "paths");

	if (p) {
		if (json_check_keys(loc, "/paths", p, path_keys, err) < 0 ||
		    json_get_str(loc, "/paths", p, "baselines", 0, &c->baselines_dir, err) < 0 ||
		    json_get_str(loc, "/paths", p, "reports", 0, &c->reports_dir, err) < 0 ||
		    json_get_str(loc, "/paths", p, "state", 0, &c->state_dir, err) < 0)
			return -1;
	}
	if (!c->baselines_dir)
		c->baselines_dir = xstrdup("baselines");
	if (!c->reports_dir)
		c->reports_dir = xstrdup("reports");
	if (!c->state_dir)
		c->state_dir = xstrdup(".plumbline");
	return 0;
}

static int parse_vendors(struct config *c, const struct jsonloc *loc, struct pl_err *err)
{
	const json_t *arr = json_object_get(c->root, "vendors");
	size_t i, j;

	if (!arr)
		return json_fail(loc, "", NULL, err, "missing required key \"vendors\"");
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return json_fail(loc, "/vendors", NULL, err,
				 "expected a non-empty array of vendor entries");
	c->n_vendors = json_array_size(arr);
	c->vendors = xcalloc(c->n_vendors, sizeof(*c->vendors));
	for (i = 0; i < c->n_vendors; i++) {
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/vendors/%zu", i);
		if (parse_vendor(loc, ptr, json_array_get(arr, i), &c->vendors[i], err) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (!strcmp(c->vendors[j].id, c->vendors[i].id))
				return json_fail(loc, ptr, "id", err, "duplicate vendor id \"%s\"",
						 c->vendors[i].id);
	}
	return 0;
}

static int parse_budget(struct config *c, const struct jsonloc *loc, struct pl_err *err)
{
	const json_t *b = c->budget;

	if (!b)
		return 0;
	if (json_check_keys(loc, "/budget", b, budget_keys, err) < 0 ||
	    json_get_int(loc, "/budget", b, "max_requests", 0, 1LL << 40, 0, &c->max_requests,
			 err) < 0 ||
	    json_get_int(loc, "/budget", b, "max_tokens", 0, 1LL << 50, 0, &c->max_tokens, err) <
		    0 ||
	    json_get_num(loc, "/budget", b, "max_cost", 0, 1e12, 0, &c->max_cost, err) < 0 ||
	    json_get_num(loc, "/budget", b, "max_duration", 0, 604800, 0, &c->max_duration, err) <
		    0)
		return -1;
	return 0;
}

/* "judge": {"vendor": ID, "model": M}: the vendor entry (and model, default the entry's own)
 * that grades rubric and same_meaning checks. */
static int parse_judge(struct config *c, const struct jsonloc *loc, struct pl_err *err)
{
	const json_t *j = json_object_get(c->root, "judge");

	if (!j)
		return 0;
	if (!json_is_object(j))
		return json_fail(loc, "/judge", NULL, err, "expected an object, got %s",
				 json_type_name(j));
	if (json_check_keys(loc, "/judge", j, judge_keys, err) < 0 ||
	    json_get_str(loc, "/judge", j, "vendor", 1, &c->judge_vendor, err) < 0 ||
	    json_get_str(loc, "/judge", j, "model", 0, &c->judge_model, err) < 0)
		return -1;
	if (!config_vendor(c, c->judge_vendor))
		return json_fail(loc, "/judge", "vendor", err, "no vendor entry has the id \"%s\"",
				 c->judge_vendor);
	if (c->judge_model && !*c->judge_model)
		return json_fail(loc, "/judge", "model", err, "expected a non-empty string");
	return 0;
}

/* A price left out would count as 0: the vendor's cost half counted, neither right nor
 * "unknown". Both are given (0 for a free model), or none; the embeddings vendor alone has
 * only an input price (an embedding has no completion tokens). */
static int check_prices(const struct config *c, const struct jsonloc *loc, struct pl_err *err)
{
	const json_t *vendors = json_object_get(c->root, "vendors");
	char ptr[64];
	size_t i, k;

	for (i = 0; i < c->n_vendors; i++) {
		const json_t *pr = json_object_get(json_array_get(vendors, i), "prices");

		if (!json_object_size(pr))
			continue;
		for (k = 0; price_keys[k]; k++) {
			if (json_object_get(pr, price_keys[k]))
				continue;
			if (k == 1 && c->embed_vendor && !strcmp(c->embed_vendor, c->vendors[i].id))
				continue;
			snprintf(ptr, sizeof(ptr), "/vendors/%zu/prices", i);
			return json_fail(loc, ptr, NULL, err,
					 "missing \"%s\" (give both prices, 0 for a free model; "
					 "a price left out is not 0)",
					 price_keys[k]);
		}
	}
	return 0;
}

static int parse_embeddings(struct config *c, const struct jsonloc *loc, struct pl_err *err)
{
	const json_t *e = json_object_get(c->root, "embeddings");
	const struct vendor *v;
	const struct probe_ops *ops;
	struct sbuf ids;
	size_t i;

	if (!e)
		return 0;
	if (!json_is_object(e))
		return json_fail(loc, "/embeddings", NULL, err, "expected an object, got %s",
				 json_type_name(e));
	if (json_check_keys(loc, "/embeddings", e, embeddings_keys, err) < 0 ||
	    json_get_str(loc, "/embeddings", e, "vendor", 1, &c->embed_vendor, err) < 0 ||
	    json_get_str(loc, "/embeddings", e, "model", 1, &c->embed_model, err) < 0)
		return -1;
	v = config_vendor(c, c->embed_vendor);
	if (!v) {
		sbuf_init(&ids);
		for (i = 0; i < c->n_vendors; i++)
			sbuf_addf(&ids, "%s%s", i ? ", " : "", c->vendors[i].id);
		json_fail(loc, "/embeddings", "vendor", err,
			  "unknown vendor \"%s\" (expected the id of a vendor entry: %s)",
			  c->embed_vendor, ids.buf);
		sbuf_release(&ids);
		return -1;
	}
	ops = probe_find(v->probe);
	if (!ops || !ops->build_embed)
		return json_fail(loc, "/embeddings", "vendor", err,
				 "vendor \"%s\" uses probe \"%s\", which has no embeddings API "
				 "(use an openai, azure-openai, gemini, ollama or bedrock vendor)",
				 v->id, v->probe);
	if (!*c->embed_model)
		return json_fail(loc, "/embeddings", "model", err, "expected a model name");
	return 0;
}

static json_t *section(const json_t *root, const struct jsonloc *loc, const char *name,
		       struct pl_err *err)
{
	json_t *s = json_object_get(root, name);
	char ptr[64];

	if (s && !json_is_object(s)) {
		snprintf(ptr, sizeof(ptr), "/%s", name);
		json_fail(loc, ptr, NULL, err, "expected an object, got %s", json_type_name(s));
		return NULL;
	}
	return s;
}

struct config *config_load(const char *path, struct pl_err *err)
{
	struct config *c = xcalloc(1, sizeof(*c));
	struct jsonfile f;
	struct jsonloc loc;

	if (jsonfile_load(&f, path, CONFIG_MAX_BYTES, err) < 0) {
		free(c);
		return NULL;
	}
	c->path = f.path;
	c->text = f.text;
	c->text_len = f.len;
	c->root = f.root;
	loc.file = c->path;
	loc.text = c->text;
	loc.text_len = c->text_len;
	if (json_check_keys(&loc, "", c->root, top_keys, err) < 0 ||
	    parse_vendors(c, &loc, err) < 0 || parse_paths(c, &loc, err) < 0)
		goto fail;
	c->detection = section(c->root, &loc, "detection", err);
	c->alerts = section(c->root, &loc, "alerts", err);
	c->signing = section(c->root, &loc, "signing", err);
	c->budget = section(c->root, &loc, "budget", err);
	c->logging = section(c->root, &loc, "logging", err);
	if (pl_err_isset(err) || parse_budget(c, &loc, err) < 0 || parse_judge(c, &loc, err) < 0 ||
	    parse_embeddings(c, &loc, err) < 0 || check_prices(c, &loc, err) < 0)
		goto fail;
	return c;
fail:
	config_free(c);
	return NULL;
}

struct jsonloc config_loc(const struct config *c)
{
	struct jsonloc loc = { c->path, c->text, c->text_len };

	return loc;
}

const char *config_where(const struct config *c, const char *pointer, char *buf, size_t len)
{
	return jsonpos_where(buf, len, c->path, c->text, c->text_len, pointer);
}

const char *config_budget_where(const struct config *c, double cli_max_cost, char *buf, size_t len)
{
	if (cli_max_cost > 0)
		return "--max-cost";
	return config_where(c, "/budget/max_cost", buf, len);
}

const struct vendor *config_vendor(const struct config *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n_vendors; i++)
		if (!strcmp(c->vendors[i].id, id))
			return &c->vendors[i];
	return NULL;
}

static void free_secret(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* Reads a key file: must be a regular file readable by its owner only. */
static int read_key_file(const struct vendor *v, char **out, struct pl_err *err)
{
	char where[256], *text = NULL;
	struct stat st;
	size_t len;

	snprintf(where, sizeof(where), "vendor \"%s\"", v->id);
	if (stat(v->api_key_file, &st) < 0)
		return pl_err_errno(err, PL_E_INPUT, where, "cannot read api_key_file \"%s\"",
				    v->api_key_file);
	if (!S_ISREG(st.st_mode))
		return pl_err_set(err, PL_E_INPUT, where, "api_key_file \"%s\" is not a file",
				  v->api_key_file);
	if (st.st_mode & 077)
		return pl_err_set(err, PL_E_INPUT, where,
				  "api_key_file \"%s\" is readable by others (mode %03o); "
				  "run: chmod 600 %s",
				  v->api_key_file, (unsigned)(st.st_mode & 0777), v->api_key_file);
	if (fileio_read_all(v->api_key_file, 64 * 1024, &text, &len, err) < 0)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (len == 0) {
		free(text);
		return pl_err_set(err, PL_E_INPUT, where, "api_key_file \"%s\" is empty",
				  v->api_key_file);
	}
	*out = text;
	return 0;
}

static int selected(const char *id, const char *const *ids, size_t n)
{
	size_t i;

	if (!ids || n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

int config_load_secrets(struct config *c, const char *const *vendor_ids, size_t n,
			struct pl_err *err)
{
	size_t i;

	for (i = 0; i < c->n_vendors; i++) {
		struct vendor *v = &c->vendors[i];
		char where[256];
		const char *val;

		if (!selected(v->id, vendor_ids, n) || v->api_key)
			continue;
		snprintf(where, sizeof(where), "vendor \"%s\"", v->id);
		if (v->api_key_file) {
			if (read_key_file(v, &v->api_key, err) < 0)
				return -1;
			redact_add_credential(v->api_key);
			if (has_control(v->api_key)) {
				free_secret(v->api_key);
				v->api_key = NULL;
				return pl_err_set(err, PL_E_INPUT, where,
						  "the key in api_key_file \"%s\" holds a control "
						  "character (CR, LF, tab, ...); refused",
						  v->api_key_file);
			}
			continue;
		}
		if (!v->api_key_env)
			continue;
		val = getenv(v->api_key_env);
		if (!val || !*val) {
			if (printable_env_name(v->api_key_env))
				return pl_err_set(err, PL_E_INPUT, where,
						  "environment variable %s is %s (it must hold the "
						  "API key)",
						  v->api_key_env, val ? "empty" : "not set");
			return pl_err_set(err, PL_E_INPUT, where,
					  "the environment variable named by api_key_env is %s "
					  "(the name is not shown: it looks like a key)",
					  val ? "empty" : "not set");
		}
		redact_add_credential(val);
		if (has_control(val))
			return pl_err_set(err, PL_E_INPUT, where,
					  "the key in environment variable %s holds a control "
					  "character (CR, LF, tab, ...); refused",
					  printable_env_name(v->api_key_env) ? v->api_key_env
									     : "(not shown)");
		v->api_key = xstrdup(val);
	}
	return 0;
}

void config_free(struct config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_vendors; i++) {
		struct vendor *v = &c->vendors[i];

		free(v->id);
		free(v->probe);
		free(v->base_url);
		free(v->model);
		free(v->api);
		free(v->api_version);
		free(v->region);
		free(v->api_key_env);
		free(v->api_key_file);
		free(v->ca_file);
		free_secret(v->api_key);
	}
	free(c->vendors);
	free(c->baselines_dir);
	free(c->reports_dir);
	free(c->state_dir);
	free(c->judge_vendor);
	free(c->judge_model);
	free(c->embed_vendor);
	free(c->embed_model);
	json_decref(c->root);
	free(c->text);
	free(c->path);
	free(c);
}

double config_vendor_cost(const struct vendor *v, long prompt_tokens, long completion_tokens)
{
	return ((double)(prompt_tokens > 0 ? prompt_tokens : 0) * v->price_in_per_mtok +
		(double)(completion_tokens > 0 ? completion_tokens : 0) * v->price_out_per_mtok) /
	       1e6;
}

int config_vendor_cost_check(const struct vendor *v, double max_cost, const char *what,
			     struct pl_err *err)
{
	if (max_cost <= 0 || v->has_prices)
		return 0;
	return pl_err_set(err, PL_E_USAGE, what,
			  "vendor \"%s\" has no prices in the config, so its cost is unknown and "
			  "a cost budget (%.4f) cannot stop it: give it \"prices\": "
			  "{\"input_per_mtok\": X, \"output_per_mtok\": Y} (0 for a free model) "
			  "or drop the cost budget",
			  v->id, max_cost);
}
