/* cmd_doctor.c: `plumbline doctor`: a checklist of everything a night needs (a valid config and
 * suites, every API key, baselines, writable folders, the signing key, alert channels), one
 * ok/FAIL line each with the fix; --send also makes one tiny request per vendor (through the
 * runner, the one HTTP path) and sends one test alert. */
#include "alert.h"
#include "baseline.h"
#include "cli.h"
#include "config.h"
#include "detect.h"
#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "plan.h"
#include "probe.h"
#include "redact.h"
#include "register.h"
#include "runner.h"
#include "sbuf.h"
#include "sign.h"
#include "suite.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char usage_doctor[] =
	"usage: plumbline doctor --config FILE [--send] [SUITE...]\n"
	"\n"
	"Checks that everything a night needs is in place and prints one line per check, ok\n"
	"or FAIL, with the fix under each failure: the config and every SUITE are valid, every\n"
	"vendor's API key variable is set (all missing ones are named at once; never a value),\n"
	"key files are mode 0600, a baseline exists for every SUITE and vendor, the state,\n"
	"reports, baselines and register folders are writable, the signing key exists and the\n"
	"public key is its pair, the register verifies with the public key, the alert\n"
	"channels are valid and their variables set. Sends nothing unless --send.\n"
	"\n";

static const char usage_doctor_tail[] =
	"\n"
	"exit: 0 every check passed; 1 a check failed; 2 usage error, or the config or a suite\n"
	"      is not valid (nothing else can be checked then).\n";

struct doctor_args {
	const char *config_path;
	int send;
};

const struct cli_option doctor_options[] = {
	CLI_STRING('c', "config", struct doctor_args, config_path, "FILE", "the config file"),
	CLI_BOOL(0, "send", struct doctor_args, send,
		 "also send one tiny request to every vendor (max_tokens 8)\nand one test "
		 "message to every alert channel"),
	CLI_END,
};

const struct cli_usage_part usage_doctor_parts[] = {
	{ doctor_options, usage_doctor_tail },
	{ NULL, NULL },
};

/* The checklist being printed. */
struct doctor {
	const char *config_path;
	size_t ok, failed;
	struct sbuf missing_env; /* "A, B": the API key variables not set */
};

static void item_ok(struct doctor *d, const char *fmt, ...) PL_PRINTF(2, 3);
static void item_ok(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	printf("ok    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	d->ok++;
}

/* A failed check: the line, then its fix (both redacted: a message may quote a vendor). */
static void item_fail(struct doctor *d, const char *fix, const char *fmt, ...) PL_PRINTF(3, 4);
static void item_fail(struct doctor *d, const char *fix, const char *fmt, ...)
{
	struct sbuf line = SBUF_INIT;
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sbuf_addstr(&line, text);
	redact_sbuf(&line);
	printf("FAIL  %s\n", line.buf);
	if (fix)
		printf("      fix: %s\n", fix);
	sbuf_release(&line);
	d->failed++;
}

static void item_info(const char *fmt, ...) PL_PRINTF(1, 2);
static void item_info(const char *fmt, ...)
{
	va_list ap;

	printf("--    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The config and its sections, as `plumbline check` validates them (cli_config_load). */
static int check_config(struct doctor *d, struct config **out, struct alerts **alerts,
			struct sign_config *sc, struct pl_err *err)
{
	struct config *cfg = cli_config_load(d->config_path, err);
	struct jsonloc loc;

	*out = cfg;
	if (!cfg)
		return -1;
	loc = config_loc(cfg);
	if (sign_config_parse(&loc, "/signing", cfg->signing, cfg->state_dir, sc, err) < 0)
		return -1;
	*alerts = alerts_new(&loc, "/alerts", cfg->alerts, err);
	if (!*alerts)
		return -1;
	item_ok(d, "config %s is valid (%zu vendor%s)", d->config_path, cfg->n_vendors,
		cfg->n_vendors == 1 ? "" : "s");
	return 0;
}

static int check_suites(struct doctor *d, const struct config *cfg, char **paths, size_t n,
			struct suite **suites, struct pl_err *err)
{
	struct jsonloc cloc = config_loc(cfg);
	size_t i;

	for (i = 0; i < n; i++) {
		suites[i] = suite_load(paths[i], err);
		if (!suites[i])
			return -1;
		if (suites[i]->detection) {
			struct jsonloc sloc = suite_loc(suites[i]);
			struct detect_params *dp = detect_params_new(&cloc, cfg->detection, &sloc,
								     suites[i]->detection, err);

			if (!dp)
				return -1;
			detect_params_free(dp);
		}
		item_ok(d, "suite %s is valid (\"%s\", %zu prompt%s)", paths[i], suites[i]->id,
			suites[i]->n_prompts, suites[i]->n_prompts == 1 ? "" : "s");
	}
	return 0;
}

/* 1 if name is already an item of the ", "-separated list. */
static int listed(const struct sbuf *list, const char *name)
{
	const char *p = list->buf;
	size_t n = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == list->buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* Every vendor's key: the variable set, or the key file readable by its owner only. The key
 * is read (config_load_secrets checks it as a run would) but never shown. */
static void check_keys(struct doctor *d, struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_vendors; i++) {
		struct vendor *v = &cfg->vendors[i];
		const char *id = v->id;
		struct pl_err err = PL_ERR_INIT;
		char fix[512], buf[1600];

		if (v->api_key_env && !(getenv(v->api_key_env) && *getenv(v->api_key_env))) {
			const char *name = config_env_name_printable(v->api_key_env)
						   ? v->api_key_env
						   : "(the variable api_key_env names: not shown, "
						     "it looks like a key)";

			snprintf(fix, sizeof(fix),
				 "export %s=... with the vendor's API key (never in the config)",
				 name);
			item_fail(d, fix, "API key of vendor \"%s\": %s is not set", id, name);
			if (!listed(&d->missing_env, name))
				sbuf_addf(&d->missing_env, "%s%s", d->missing_env.len ? ", " : "",
					  name);
			continue;
		}
		if (!v->api_key_env && !v->api_key_file) {
			item_ok(d,
				"vendor \"%s\" needs no API key (no api_key_env or api_key_file)",
				id);
			continue;
		}
		if (config_load_secrets(cfg, &id, 1, &err) < 0) {
			snprintf(fix, sizeof(fix),
				 v->api_key_file
					 ? "chmod 600 the key file and make sure it holds the key"
					 : "export the key again, without control characters");
			item_fail(d, fix, "API key of vendor \"%s\": %s", id,
				  pl_err_str(&err, buf, sizeof(buf)));
			continue;
		}
		if (v->api_key_file)
			item_ok(d, "API key of vendor \"%s\": key file %s (mode 0600)", id,
				v->api_key_file);
		else
			item_ok(d, "API key of vendor \"%s\": %s is set", id,
				config_env_name_printable(v->api_key_env) ? v->api_key_env
									  : "its variable");
	}
}

static void check_baselines(struct doctor *d, const struct config *cfg, struct suite **suites,
			    size_t n)
{
	size_t i, s;

	if (n == 0) {
		item_info("baselines not checked: name the SUITE files after the options");
		return;
	}
	for (i = 0; i < cfg->n_vendors; i++)
		for (s = 0; s < n; s++) {
			const struct vendor *v = &cfg->vendors[i];
			struct pl_err err = PL_ERR_INIT;
			struct baseline_reader *r;
			char path[1024], fix[1600], buf[1600];

			baseline_path(path, sizeof(path), cfg->baselines_dir, v->id, v->model,
				      suites[s]->id);
			if (!fileio_exists(path)) {
				snprintf(fix, sizeof(fix),
					 "plumbline baseline record --config %s --vendor %s %s",
					 d->config_path, v->id, suites[s]->path);
				item_fail(d, fix,
					  "baseline of vendor \"%s\", suite \"%s\": %s is missing",
					  v->id, suites[s]->id, path);
				continue;
			}
			r = baseline_open(path, &err);
			if (!r) {
				snprintf(fix, sizeof(fix),
					 "record it again: plumbline baseline record --config %s "
					 "--vendor %s %s",
					 d->config_path, v->id, suites[s]->path);
				item_fail(d, fix, "baseline of vendor \"%s\", suite \"%s\": %s",
					  v->id, suites[s]->id, pl_err_str(&err, buf, sizeof(buf)));
				continue;
			}
			item_ok(d, "baseline of vendor \"%s\", suite \"%s\": %s (%zu prompts)",
				v->id, suites[s]->id, path, baseline_count(r));
			baseline_close(r);
		}
}

/* Cuts p (a path) back to the nearest folder that exists: "/", or "." for a relative path. */
static void nearest_existing(struct sbuf *p)
{
	struct stat st;
	char *slash;

	while (stat(p->buf, &st) != 0) {
		slash = strrchr(p->buf, '/');
		if (!slash) {
			sbuf_reset(p);
			sbuf_addstr(p, ".");
			return;
		}
		slash[slash == p->buf] = '\0';
		p->len = strlen(p->buf);
	}
}

/* Whether a file can be created in dir: by creating (and removing) one when dir exists, else
 * by the permissions of the nearest folder above it that exists (it will be created). */
static void check_folder(struct doctor *d, const char *what, const char *dir)
{
	struct sbuf p = SBUF_INIT, fix = SBUF_INIT;
	struct stat st;
	int fd;

	sbuf_addstr(&p, dir);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			sbuf_addf(&fix, "move the file %s away, or set another path", dir);
			item_fail(d, fix.buf, "%s folder %s is not a folder", what, dir);
			goto out;
		}
		sbuf_addstr(&p, "/.plumbline-doctor.XXXXXX");
		fd = mkstemp(p.buf);
		if (fd < 0) {
			sbuf_addf(&fix, "make %s writable for this user (chown or chmod u+w)", dir);
			item_fail(d, fix.buf, "%s folder %s is not writable: %s", what, dir,
				  strerror(errno));
			goto out;
		}
		close(fd);
		unlink(p.buf);
		item_ok(d, "%s folder %s is writable", what, dir);
		goto out;
	}
	nearest_existing(&p);
	if (access(p.buf, W_OK | X_OK) != 0) {
		sbuf_addf(&fix, "create %s, writable for this user", dir);
		item_fail(d, fix.buf, "%s folder %s does not exist and %s is not writable", what,
			  dir, p.buf);
		goto out;
	}
	item_ok(d, "%s folder %s will be created (in %s, writable)", what, dir, p.buf);
out:
	sbuf_release(&p);
	sbuf_release(&fix);
}

static void check_folders(struct doctor *d, const struct config *cfg, const struct sign_config *sc)
{
	char *reg = xstrdup(sc->register_path), *slash = strrchr(reg, '/');

	if (slash)
		*slash = '\0';
	check_folder(d, "state", cfg->state_dir);
	check_folder(d, "reports", cfg->reports_dir);
	check_folder(d, "baselines", cfg->baselines_dir);
	if (strcmp(slash ? reg : ".", cfg->state_dir))
		check_folder(d, "register", slash ? reg : ".");
	free(reg);
}

/* The register verifies with the public key (when there is one). */
static void check_register(struct doctor *d, const struct sign_config *sc,
			   const struct sign_pub *pub)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct sbuf ck = SBUF_INIT;
	char fix[1200], buf[1600];

	sbuf_addf(&ck, "%s.checkpoint", sc->register_path);
	if (!fileio_exists(sc->register_path) && !fileio_exists(ck.buf)) {
		item_ok(d, "register %s: none yet (the first signed run starts it)",
			sc->register_path);
	} else if (register_verify(sc->register_path, pub, NULL, &res, &err) < 0) {
		snprintf(fix, sizeof(fix),
			 "plumbline register verify --config %s names what does not verify; an "
			 "edited register is evidence: keep it and restore a copy",
			 d->config_path);
		item_fail(d, fix, "register does not verify with the public key %s: %s",
			  sc->public_key, pl_err_str(&err, buf, sizeof(buf)));
	} else {
		item_ok(d,
			"register %s verifies with the public key (%zu entries, checkpoint "
			"signed %s)",
			sc->register_path, res.entries, res.checkpoint_date);
	}
	sbuf_release(&ck);
}

/* A register a key rotation handed over from the secret key to another key: the rotation was
 * interrupted (or a retired key restored), and runs refuse the key. Returns 1 when reported. */
static int rotation_interrupted(struct doctor *d, const struct sign_config *sc,
				const struct sign_pub *half)
{
	struct pl_err err = PL_ERR_INIT;
	char fix[1200], id[17], now[17];

	if (!fileio_exists(sc->register_path) ||
	    register_key_now(sc->register_path, half, now, &err) < 0 ||
	    !strcmp(now, sign_pub_keyid(half, id)))
		return 0;
	snprintf(fix, sizeof(fix),
		 "plumbline keygen --rotate --config %s (finishes the interrupted rotation from "
		 "%s.next)",
		 d->config_path, sc->secret_key);
	item_fail(d, fix,
		  "the register %s was handed over to key %s by a key rotation, but the secret "
		  "key %s is key %s, which it retired: runs refuse it",
		  sc->register_path, now, sc->secret_key, id);
	return 1;
}

static void check_signing(struct doctor *d, const struct sign_config *sc)
{
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k = NULL;
	struct sign_pub *pub = NULL, *half = NULL;
	char fix[1200], buf[1600], id1[17], id2[17];

	if (!fileio_exists(sc->secret_key)) {
		snprintf(fix, sizeof(fix), "plumbline keygen --config %s", d->config_path);
		item_fail(d, fix, "signing key %s is missing (reports would not be signed)",
			  sc->secret_key);
		goto out;
	}
	k = sign_key_load(sc->secret_key, &err);
	if (!k) {
		snprintf(fix, sizeof(fix),
			 "chmod 600 %s, or move it away and run: plumbline "
			 "keygen --config %s",
			 sc->secret_key, d->config_path);
		item_fail(d, fix, "signing key: %s", pl_err_str(&err, buf, sizeof(buf)));
		goto out;
	}
	half = sign_key_pub(k);
	if (rotation_interrupted(d, sc, half))
		goto out;
	if (!fileio_exists(sc->public_key)) {
		snprintf(fix, sizeof(fix), "restore %s (the public half of %s) from its backup",
			 sc->public_key, sc->secret_key);
		item_fail(d, fix, "public key %s is missing (nobody could verify the reports)",
			  sc->public_key);
		goto out;
	}
	pub = sign_pub_load(sc->public_key, &err);
	if (!pub) {
		snprintf(fix, sizeof(fix), "restore %s (the public half of %s) from its backup",
			 sc->public_key, sc->secret_key);
		item_fail(d, fix, "public key: %s", pl_err_str(&err, buf, sizeof(buf)));
		goto out;
	}
	if (!sign_pub_equal(pub, half)) {
		snprintf(fix, sizeof(fix),
			 "find out which is right: 'plumbline register verify --config %s' "
			 "checks the register with the public key; restore the other from its "
			 "backup (a public key written over by mistake: 'plumbline keygen "
			 "--config %s --replace-public-key' writes it from the secret key)",
			 d->config_path, d->config_path);
		item_fail(d, fix,
			  "the secret key %s (key %s) and the public key %s (key %s) are not a "
			  "pair: nothing it signs would verify",
			  sc->secret_key, sign_pub_keyid(half, id1), sc->public_key,
			  sign_pub_keyid(pub, id2)[0] ? id2 : "pem");
		goto out;
	}
	item_ok(d, "signing key %s (mode 0600) and public key %s (key %s) are a pair",
		sc->secret_key, sc->public_key, sign_pub_keyid(half, id1));
	check_register(d, sc, pub);
out:
	sign_pub_free(half);
	sign_pub_free(pub);
	sign_key_free(k);
}

/* Every channel's variables, all of them named at once. A channel that is not ready is turned
 * off for --send. Returns the channels ready to send. */
static size_t check_alerts(struct doctor *d, struct alerts *a)
{
	size_t i, k, ready = 0;

	if (alerts_count(a) == 0) {
		item_ok(d, "alerts: no channel configured (optional; see plumbline-config(5))");
		return 0;
	}
	for (i = 0; i < alerts_count(a); i++) {
		const struct alert_channel *ch = alerts_channel(a, i);
		const char *vars[1 + ALERT_MAX_SECRETS];
		struct sbuf missing = SBUF_INIT, fix = SBUF_INIT;
		struct pl_err err = PL_ERR_INIT;
		char msg[1024];
		size_t n = 0;

		if (!ch->url && ch->url_env)
			vars[n++] = ch->url_env;
		for (k = 0; k < ALERT_MAX_SECRETS; k++)
			if (ch->secret_env[k])
				vars[n++] = ch->secret_env[k];
		for (k = 0; k < n; k++)
			if (!getenv(vars[k]) || !*getenv(vars[k]))
				sbuf_addf(&missing, "%s%s", missing.len ? ", " : "", vars[k]);
		if (missing.len) {
			sbuf_addf(&fix,
				  "export %s (the channel's secrets come from the environment)",
				  missing.buf);
			item_fail(d, fix.buf, "alert channel \"%s\" (%s): not set: %s", ch->name,
				  ch->ops->name, missing.buf);
			alerts_enable(a, i, 0);
		} else if (alert_channel_check_url(ch, &err) < 0) {
			pl_err_str(&err, msg, sizeof(msg));
			item_fail(d, "export the channel's full https:// URL", "%s", msg);
			alerts_enable(a, i, 0);
		} else {
			item_ok(d, "alert channel \"%s\" (%s) is valid", ch->name, ch->ops->name);
			ready++;
		}
		sbuf_release(&missing);
		sbuf_release(&fix);
	}
	return ready;
}

/* ---- --send ---- */

struct probe_result {
	int done;
	enum probe_fault fault;
	long status;
	double latency_ms;
	char *model, *message;
};

struct send_ctx {
	const struct plan *plan;
	struct probe_result *res; /* one per plan vendor */
};

static void on_final(void *ctx, size_t item, int attempts, const struct probe_answer *a)
{
	struct send_ctx *s = ctx;
	struct plan_item it;
	size_t v;

	(void)attempts;
	plan_item(s->plan, item, &it);
	for (v = 0; v < s->plan->n_vendors; v++)
		if (s->plan->vendors[v] == it.vendor)
			break;
	if (v == s->plan->n_vendors)
		return;
	s->res[v].done = 1;
	s->res[v].fault = a->fault;
	s->res[v].status = a->status;
	s->res[v].latency_ms = a->latency_ms;
	s->res[v].model = a->model ? xstrdup(a->model) : NULL;
	s->res[v].message = a->error_message ? xstrdup(a->error_message) : NULL;
}

static const char *fault_fix(enum probe_fault f)
{
	switch (f) {
	case PROBE_FAULT_AUTH: /* auth_fix names the variable or file */
		return "check the vendor's API key";
	case PROBE_FAULT_REQUEST:
	case PROBE_FAULT_CONTENT_FILTER:
		return "check the vendor's model, api and api_version in the config";
	case PROBE_FAULT_NETWORK:
	case PROBE_FAULT_TIMEOUT:
		return "check base_url and that this host can reach it";
	case PROBE_FAULT_MALFORMED:
	case PROBE_FAULT_STREAM:
		return "check that probe and base_url name the vendor's wire format";
	default:
		return "try again later: the vendor is limiting or failing requests";
	}
}

/* The fix of an auth failure (HTTP 401/403) of vendor v, into buf: where its key comes from
 * (the variable's name, unless it looks like a key itself, or the key file; never the key) and
 * what to check there. 401: the key was not recognised; 403: recognised, not allowed. */
static const char *auth_fix(const struct vendor *v, long status, char *buf, size_t len)
{
	const char *what = status == 403 ? "may use this model and endpoint (403: the key was "
					   "recognised but not allowed; check its project, "
					   "permissions, billing and region)"
					 : "is valid, current (not revoked or expired) and "
					   "issued for this base_url";
	const char *sigv4 =
		(probe_find(v->probe)->flags & PROBE_F_SIGV4)
			? "; with ACCESS_KEY_ID:SECRET_ACCESS_KEY credentials, also region and "
			  "this host's clock (SigV4 signatures expire)"
			: "";

	if (v->api_key_file)
		snprintf(buf, len, "check that the key in api_key_file %s %s%s", v->api_key_file,
			 what, sigv4);
	else if (v->api_key_env && config_env_name_printable(v->api_key_env))
		snprintf(buf, len, "check that the key in environment variable %s %s%s",
			 v->api_key_env, what, sigv4);
	else if (v->api_key_env)
		snprintf(buf, len,
			 "check that the key in the environment variable named by api_key_env "
			 "(the name is not shown: it looks like a key) %s%s",
			 what, sigv4);
	else
		snprintf(buf, len,
			 "vendor \"%s\" sends no key: set its api_key_env (the NAME of the "
			 "variable that holds the key) or api_key_file (a 0600 file) in the config",
			 v->id);
	return buf;
}

/* A suite of one prompt, built here: "Reply with the word ok." with max_tokens 8, once. */
static struct suite *tiny_suite(void)
{
	struct suite *s = xcalloc(1, sizeof(*s));
	struct prompt *p;

	s->id = xstrdup("doctor");
	s->path = xstrdup("(doctor --send)");
	s->prompts = xcalloc(1, sizeof(*s->prompts));
	s->n_prompts = 1;
	p = &s->prompts[0];
	p->id = xstrdup("ping");
	p->messages = xcalloc(1, sizeof(*p->messages));
	p->messages[0].role = xstrdup("user");
	p->messages[0].content = xstrdup("Reply with the word ok.");
	p->n_messages = 1;
	p->temperature = -1;
	p->max_tokens = 8;
	p->samples = 1;
	p->baseline_samples = 1;
	return s;
}

/* One request per vendor whose key is there, through the runner (retries off, the journal in
 * a folder of its own that is removed after). */
static void send_requests(struct doctor *d, struct config *cfg)
{
	struct pl_err err = PL_ERR_INIT;
	struct suite *s = tiny_suite();
	const struct suite *suites[1];
	const char **ids = xcalloc(cfg->n_vendors + 1, sizeof(*ids));
	struct plan plan;
	struct runner_opts ro;
	struct runner_stats st;
	struct journal *j = NULL;
	struct send_ctx sc = { NULL, NULL };
	struct sbuf jpath = SBUF_INIT;
	char tmpl[4096], buf[1600];
	const char *tmpdir = getenv("TMPDIR");
	size_t i, n = 0;

	memset(&plan, 0, sizeof(plan));
	memset(&st, 0, sizeof(st));
	suites[0] = s;
	tmpl[0] = '\0';
	for (i = 0; i < cfg->n_vendors; i++) {
		struct vendor *v = &cfg->vendors[i];

		if (v->api_key_env || v->api_key_file) {
			struct pl_err e = PL_ERR_INIT;
			const char *id = v->id;

			if (config_load_secrets(cfg, &id, 1, &e) < 0) {
				item_fail(d, "see the API key line above",
					  "request to vendor \"%s\": not sent (no usable key)",
					  v->id);
				continue;
			}
		}
		v->retries = 0; /* one request, whatever happens */
		ids[n++] = v->id;
	}
	if (n == 0)
		goto out;
	if (plan_build(&plan, cfg, ids, n, suites, 1, PLAN_NIGHTLY, &err) < 0)
		goto fail;
	snprintf(tmpl, sizeof(tmpl), "%s/plumbline-doctor.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmpl)) {
		pl_err_errno(&err, PL_E_IO, tmpl, "cannot create a temporary folder");
		tmpl[0] = '\0';
		goto fail;
	}
	sbuf_addf(&jpath, "%s/journal.jsonl", tmpl);
	j = journal_open(jpath.buf, "doctor", plan.hash, "nightly", 0, &err);
	if (!j)
		goto fail;
	sc.plan = &plan;
	sc.res = xcalloc(plan.n_vendors + 1, sizeof(*sc.res));
	memset(&ro, 0, sizeof(ro));
	ro.max_requests = (long)plan.n_items;
	ro.on_final = on_final;
	ro.final_ctx = &sc;
	if (runner_run(&plan, j, &ro, &st, &err) < 0)
		goto fail;
	for (i = 0; i < plan.n_vendors; i++) {
		const struct probe_result *r = &sc.res[i];
		const char *id = plan.vendors[i]->id, *fix = fault_fix(r->fault);
		char fbuf[1024];

		/* an auth failure's fix names where the key comes from; a 401/403 whose body the
		 * probe read as another fault (a proxy's error shape) is about the key too */
		if (r->done &&
		    (r->fault == PROBE_FAULT_AUTH || r->status == 401 || r->status == 403))
			fix = auth_fix(plan.vendors[i], r->status, fbuf, sizeof(fbuf));
		if (!r->done)
			item_fail(d, "check base_url and that this host can reach it",
				  "request to vendor \"%s\": no answer", id);
		else if (r->fault != PROBE_OK && r->status > 0)
			item_fail(d, fix, "request to vendor \"%s\": %s (HTTP %ld)%s%s", id,
				  probe_fault_name(r->fault), r->status, r->message ? ": " : "",
				  r->message ? r->message : "");
		else if (r->fault != PROBE_OK)
			item_fail(d, fix, "request to vendor \"%s\": %s%s%s", id,
				  probe_fault_name(r->fault), r->message ? ": " : "",
				  r->message ? r->message : "");
		else
			item_ok(d, "request to vendor \"%s\": answered in %.0f ms (model %s)", id,
				r->latency_ms, r->model ? r->model : "not named");
	}
	goto out;
fail:
	item_fail(d, NULL, "requests not sent: %s", pl_err_str(&err, buf, sizeof(buf)));
out:
	journal_close(j);
	if (jpath.len)
		unlink(jpath.buf);
	if (tmpl[0])
		rmdir(tmpl);
	for (i = 0; sc.res && i < plan.n_vendors; i++) {
		free(sc.res[i].model);
		free(sc.res[i].message);
	}
	free(sc.res);
	runner_stats_release(&st);
	plan_release(&plan);
	sbuf_release(&jpath);
	suite_free(s);
	free(ids);
}

/* One test message to every channel whose variables are set: what `plumbline alert test`
 * sends. */
static void send_alert(struct doctor *d, struct alerts *a)
{
	static const char *const outcome[] = { "sent", "skipped", "skipped (duplicate)", "FAILED" };
	struct alert_event ev = { .kind = ALERT_TEST };
	struct pl_err err = PL_ERR_INIT;
	size_t i;

	ev.summary = "This is a test message from plumbline doctor --send.";
	alerts_dispatch(a, &ev, NULL, &err);
	for (i = 0; i < alerts_count(a); i++) {
		const struct alert_channel *ch = alerts_channel(a, i);
		int attempts = 0;
		enum alert_outcome o = alerts_outcome(a, i, &attempts);

		if (o == ALERT_SENT)
			item_ok(d, "test alert to \"%s\" (%s): sent", ch->name, ch->ops->name);
		else if (o == ALERT_FAILED)
			item_fail(
				d,
				"check the channel's URL and secrets (the log lines above say why)",
				"test alert to \"%s\" (%s): %s after %d attempt%s", ch->name,
				ch->ops->name, outcome[o], attempts, attempts == 1 ? "" : "s");
	}
}

int cmd_doctor(int argc, char **argv)
{
	struct pl_err err = PL_ERR_INIT;
	struct doctor_args da = { NULL, 0 };
	struct doctor d;
	struct config *cfg = NULL;
	struct alerts *alerts = NULL;
	struct sign_config sc;
	struct suite **suites = NULL;
	size_t n_suites = 0, i, ready;
	int first, rc = EXIT_USAGE;
	char buf[1600];

	memset(&d, 0, sizeof(d));
	memset(&sc, 0, sizeof(sc));
	sbuf_init(&d.missing_env);
	first = cli_parse_options("doctor", argc, argv, doctor_options, &da, &rc);
	if (first < 0)
		goto out;
	if (!da.config_path) {
		rc = cli_usage_error("doctor", "--config FILE is required");
		goto out;
	}
	d.config_path = da.config_path;
	log_open(NULL, NULL);
	n_suites = (size_t)(argc - first);
	suites = xcalloc(n_suites + 1, sizeof(*suites));
	if (check_config(&d, &cfg, &alerts, &sc, &err) < 0 ||
	    check_suites(&d, cfg, argv + first, n_suites, suites, &err) < 0) {
		item_fail(&d,
			  "correct the file at the place named (plumbline check shows the same)",
			  "%s", pl_err_str(&err, buf, sizeof(buf)));
		rc = EXIT_USAGE;
		goto out;
	}
	check_keys(&d, cfg);
	check_baselines(&d, cfg, suites, n_suites);
	check_folders(&d, cfg, &sc);
	check_signing(&d, &sc);
	ready = check_alerts(&d, alerts);
	if (da.send) {
		send_requests(&d, cfg);
		if (ready)
			send_alert(&d, alerts);
	}
	printf("\n");
	if (d.missing_env.len)
		printf("API key variables not set: %s\n", d.missing_env.buf);
	if (d.failed)
		printf("%zu of %zu checks failed\n", d.failed, d.ok + d.failed);
	else
		printf("all %zu checks passed%s\n", d.ok,
		       da.send ? "" : " (--send also tries each vendor and alert channel)");
	rc = d.failed ? EXIT_CHANGED : EXIT_OK;
out:
	for (i = 0; suites && i < n_suites; i++)
		suite_free(suites[i]);
	free(suites);
	sign_config_release(&sc);
	alerts_free(alerts);
	config_free(cfg);
	sbuf_release(&d.missing_env);
	log_close();
	return rc;
}
