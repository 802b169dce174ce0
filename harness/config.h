/* config.h: the config file (JSON): vendor entries, paths, limits and the sections other
 * modules own (detection, alerts, signing, budget).
 *
 * The config never holds a secret: a vendor names the environment variable (api_key_env) or a
 * 0600 file (api_key_file) that does. config_load_secrets reads them after validation, before
 * any request, and reports a missing one by the variable's name.
 *
 * Unknown keys are errors everywhere, so a typo cannot pass silently. Errors name the file,
 * line, column and field ("plumbline.json:12:5: vendors[0].concurency: unknown key").
 *
 * Sections owned by other modules are kept as borrowed json_t (config owns the reference) and
 * validated by their modules, which sit above config in the layers: commands load a config
 * with cli_config_load (cli.h), which calls config_load and then those modules, never with
 * config_load alone. */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include "err.h"

#include "jsonx.h"

#include <jansson.h>

struct vendor {
	char *id;		   /* unique, [A-Za-z0-9._-]+ */
	char *probe;		   /* probe name, e.g. "openai" */
	char *base_url;		   /* no trailing slash */
	char *model;		   /* model / deployment / modelId */
	char *api;		   /* probe variant ("chat", "responses"); may be NULL */
	char *api_version;	   /* may be NULL */
	char *region;		   /* may be NULL */
	char *api_key_env;	   /* name of the env var holding the key; may be NULL (keyless) */
	char *api_key_file;	   /* path of a 0600 file holding the key; may be NULL */
	char *ca_file;		   /* extra CA bundle for a private endpoint; may be NULL */
	long timeout_ms;	   /* whole request; default 60000 */
	long connect_timeout_ms;   /* default 10000 */
	int concurrency;	   /* parallel requests; default 4 */
	int retries;		   /* retries after the first attempt; default 4 */
	long max_response_bytes;   /* default 8 MiB */
	double rpm;		   /* requests per minute; 0 = unlimited */
	double tpm;		   /* tokens per minute; 0 = unlimited */
	int stream;		   /* ask for streamed answers; default 0 */
	double price_in_per_mtok;  /* price per million prompt tokens; 0 = unknown */
	double price_out_per_mtok; /* price per million completion tokens */
	int has_prices;		   /* "prices" gives at least one price (0 = free); without
				      it the vendor's cost is unknown (plan_check_max_cost) */
	/* Outages (runner.h). A zeroed struct (tests) gives up at once and caps waits at 300 s. */
	double max_outage_s;	 /* open circuit: probe this long before giving up; default 300 */
	double probe_interval_s; /* open circuit: one probe request this often; default 30 */
	double max_wait_s;	 /* longest rate-limit wait before giving up; default 300 */
	double max_duration_s;	 /* the vendor's wall-clock budget; 0 = none */
	/* Filled by config_load_secrets; wiped by config_free. Never print it. */
	char *api_key;
};

struct config {
	char *path; /* the file it came from */
	char *text; /* its text, for error positions */
	size_t text_len;
	json_t *root; /* owned */

	struct vendor *vendors;
	size_t n_vendors;

	char *baselines_dir; /* default "baselines" (relative to the current directory) */
	char *reports_dir;   /* default "reports" */
	char *state_dir;     /* journals, history, locks; default ".plumbline" */

	/* "budget": limits for one run; 0 = none. The command line may lower them. */
	long long max_requests, max_tokens;
	double max_cost;
	double max_duration; /* seconds of wall clock for the whole run */

	/* "judge": the vendor entry (an id of vendors) and model that grade judged checks
	 * (rubric, same_meaning); NULL when absent. judge_model NULL: the entry's model. */
	char *judge_vendor;
	char *judge_model;
	/* "embeddings": the endpoint embedding_similarity uses: a vendor entry of this config
	 * (its base_url, key, retries, rpm and prices) whose probe has an embeddings API, and the
	 * embeddings model, which replaces the entry's model. Both NULL when absent. */
	char *embed_vendor;
	char *embed_model;

	/* Sections owned by other modules: borrowed from root, NULL when absent. */
	json_t *detection;
	json_t *alerts;
	json_t *signing;
	json_t *budget;
	json_t *logging;
};

/* Loads and validates path. Returns a new config, or NULL with err set (PL_E_INPUT). */
struct config *config_load(const char *path, struct pl_err *err);
/* Reads every selected vendor's key (vendor_ids NULL: all) from its env var or 0600 file.
 * A missing key is PL_E_INPUT naming the variable; a readable-by-others key file is refused. */
int config_load_secrets(struct config *c, const char *const *vendor_ids, size_t n,
			struct pl_err *err);
void config_free(struct config *c); /* NULL-safe; wipes keys */

/* The config file as a jsonloc, for sections validated by other modules. */
struct jsonloc config_loc(const struct config *c);
/* 1 if s is a valid vendor/suite/prompt id: [A-Za-z0-9._-]{1,64}, not starting with '.'. */
int config_valid_id(const char *s);

/* 1 if the name of a key's environment variable may be printed: some keys are valid variable
 * names too (hex, base64 without '+' or '/'), and a key pasted in place of a name must not be
 * echoed. A name with an underscore or without digits is printed. */
int config_env_name_printable(const char *name);

const struct vendor *config_vendor(const struct config *c, const char *id);

/* The one pricing of plumbline: what prompt_tokens and completion_tokens cost (USD, say) at
 * the vendor's prices; a negative count (unknown) counts as 0, and so does a vendor without
 * prices (has_prices tells whether the figure means anything). Budgets, estimates, compare
 * and the "cost" check all use it. */
double config_vendor_cost(const struct vendor *v, long prompt_tokens, long completion_tokens);

/* What a warning says after "vendor \"ID\" " when the vendor has no prices. */
#define CONFIG_UNPRICED_WARNING                                                            \
	"has no prices in the config (\"prices\"): its cost is unknown and a cost budget " \
	"cannot stop it"

/* A cost budget (max_cost > 0) needs the vendor's prices: without them its cost is unknown and
 * the budget could never stop it. Returns 0, or -1 with err set (PL_E_USAGE, where = `what`,
 * the option or key that set the budget: "--max-cost", or config_budget_where's
 * "FILE:LINE:COL: budget.max_cost") naming the vendor.
 * For a plan's vendors call plan_check_max_cost (plan.h). */
int config_vendor_cost_check(const struct vendor *v, double max_cost, const char *what,
			     struct pl_err *err);

/* Builds "FILE:LINE:COL: field" for a JSON Pointer into the config, for error messages. */
const char *config_where(const struct config *c, const char *pointer, char *buf, size_t len);

/* The `what` of config_vendor_cost_check for the run's cost budget: "--max-cost" when
 * cli_max_cost > 0 (the option set it), else where the config's budget.max_cost stands
 * ("FILE:LINE:COL: budget.max_cost", written into buf). Returns a static string or buf. */
const char *config_budget_where(const struct config *c, double cli_max_cost, char *buf, size_t len);

#endif
