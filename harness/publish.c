/* publish.c: signing reports, the register entry, alerts and metrics after a run. */
#include "publish.h"
#include "alert.h"
#include "fileio.h"
#include "lock.h"
#include "log.h"
#include "metrics.h"
#include "register.h"
#include "rotate.h"
#include "sign.h"
#include "sbuf.h"

#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct publish {
	const struct config *cfg;
	struct sign_config sc;
	struct sign_key *key;
	struct reg *reg;
	int rotate_fd; /* held shared while this run may sign: no key rotation meanwhile */
	struct alerts *alerts;
	struct log_opts log;
};

/* Finds a run report under reports_dir (REPORTS/DATE/NAME.json) whose signature binds it to
 * a register entry (register_seq in its trusted comment); its path goes into found. */
static int registered_report(const char *reports_dir, struct sbuf *found)
{
	static const char ext[] = ".json.minisig";
	const size_t n_ext = sizeof(ext) - 1;
	DIR *d = opendir(reports_dir), *nd;
	struct dirent *e, *f;
	struct sbuf sig;
	int hit = 0;

	sbuf_init(&sig);
	while (d && !hit && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "compare"))
			continue;
		sbuf_reset(&sig);
		sbuf_addf(&sig, "%s/%s", reports_dir, e->d_name);
		nd = opendir(sig.buf);
		while (nd && !hit && (f = readdir(nd))) {
			struct pl_err ignore = PL_ERR_INIT;
			size_t n = strlen(f->d_name), len = 0;
			char *text = NULL;

			if (n <= n_ext || strcmp(f->d_name + n - n_ext, ext))
				continue;
			sbuf_reset(&sig);
			sbuf_addf(&sig, "%s/%s/%s", reports_dir, e->d_name, f->d_name);
			if (fileio_read_all(sig.buf, 4096, &text, &len, &ignore) == 0 &&
			    strstr(text, "register_seq:")) {
				hit = 1;
				sbuf_reset(found);
				sbuf_add(found, sig.buf, sig.len - strlen(".minisig"));
			}
			free(text);
		}
		if (nd)
			closedir(nd);
	}
	if (d)
		closedir(d);
	sbuf_release(&sig);
	return hit;
}

/* A register missing together with its checkpoint is new only where no report was ever signed
 * into one: else both were deleted (or lost), and starting again at entry 0 would erase the
 * record without a word. */
static int register_missing(const struct config *cfg, const struct sign_config *sc,
			    struct pl_err *err)
{
	struct sbuf ck, found;
	struct stat st;
	int rc = 0;

	sbuf_init(&ck);
	sbuf_init(&found);
	sbuf_addf(&ck, "%s.checkpoint", sc->register_path);
	/* lstat: a link in the register's place (dangling too) is register_open's to refuse */
	if (lstat(sc->register_path, &st) < 0 && lstat(ck.buf, &st) < 0 &&
	    registered_report(cfg->reports_dir, &found))
		rc = pl_err_set(err, PL_E_INTEGRITY, sc->register_path,
				"the register and its checkpoint are missing, but %s is signed as "
				"an entry of a register: restore both from a copy (a saved "
				"checkpoint proves the restored register extends it: 'plumbline "
				"register verify --checkpoint SAVED'); to start a new register on "
				"purpose, first move the signed reports out of %s",
				found.buf, cfg->reports_dir);
	sbuf_release(&ck);
	sbuf_release(&found);
	return rc;
}

/* The latest run entry of (night, vendor, suite) in entries (a register_load array), of the
 * report whose hash is sha when sha is not NULL; NULL when there is none. *seq: its number. */
static const json_t *night_run(const json_t *entries, const char *night, const char *vendor,
			       const char *suite, const char *sha, long long *seq)
{
	const json_t *e, *found = NULL;
	size_t i;

	json_array_foreach(entries, i, e)
	{
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *v = json_string_value(json_object_get(e, "vendor"));
		const char *s = json_string_value(json_object_get(e, "suite"));
		const char *h = json_string_value(json_object_get(e, "report_sha256"));
		char n[11];

		register_entry_night(e, n);
		if (t && !strcmp(t, "run") && v && !strcmp(v, vendor) && s && !strcmp(s, suite) &&
		    !strcmp(n, night) && (!sha || (h && !strcmp(h, sha)))) {
			found = e;
			*seq = (long long)i;
		}
	}
	return found;
}

int publish_is_registered(const struct publish *p, const char *date, const char *vendor,
			  const char *suite, const char *report_path, long long *seq,
			  struct pl_err *err)
{
	json_t *entries = NULL;
	char sha[65];
	int found;

	*seq = -1;
	if (!fileio_exists(report_path))
		return 0;
	if (!p->reg)
		return 1;
	if (sign_sha256_file(report_path, sha, err) < 0 ||
	    register_load(p->sc.register_path, &entries, err) < 0)
		return -1;
	found = night_run(entries, date, vendor, suite, sha, seq) != NULL;
	json_decref(entries);
	return found;
}

/* Whether reports are expected to be signed, and why (into why): the config has a "signing"
 * section, the secret key exists, or signing was set up here before: the register, its
 * checkpoint or the public key exists (a moved or lost secret key must not turn signing off). */
static int signing_expected(const struct config *cfg, const struct sign_config *sc,
			    struct sbuf *why)
{
	struct sbuf ck;
	struct stat st;

	sbuf_init(&ck);
	sbuf_addf(&ck, "%s.checkpoint", sc->register_path);
	if (lstat(sc->register_path, &st) == 0)
		sbuf_addf(why, "the register %s exists", sc->register_path);
	else if (lstat(ck.buf, &st) == 0)
		sbuf_addf(why, "the register's checkpoint %s exists", ck.buf);
	else if (cfg->signing)
		sbuf_addf(why, "the config's \"signing\" section names it");
	else if (fileio_exists(sc->public_key))
		sbuf_addf(why, "the public key %s exists (a key pair was made here)",
			  sc->public_key);
	sbuf_release(&ck);
	return why->len || fileio_exists(sc->secret_key);
}

struct publish *publish_open(const struct config *cfg, struct pl_err *err)
{
	struct publish *p = xcalloc(1, sizeof(*p));
	struct jsonloc loc = config_loc(cfg);
	struct log_opts lo = LOG_OPTS_INIT;
	struct sbuf why = SBUF_INIT;

	p->cfg = cfg;
	p->log = lo;
	p->rotate_fd = -1;
	if (sign_config_parse(&loc, "/signing", cfg->signing, cfg->state_dir, &p->sc, err) < 0 ||
	    log_opts_parse(&loc, "/logging", cfg->logging, &p->log, err) < 0)
		goto fail;
	p->alerts = alerts_new(&loc, "/alerts", cfg->alerts, err);
	if (!p->alerts)
		goto fail;
	if (signing_expected(cfg, &p->sc, &why)) {
		/* Signing is expected: a missing or unreadable key fails the run before anything
		 * is sent, never a silent unsigned report and a night missing from the register. */
		if (!fileio_exists(p->sc.secret_key)) {
			pl_err_set(err, PL_E_IO, p->sc.secret_key,
				   "the secret key does not exist, but %s: the night would go "
				   "unsigned and missing from the register: restore the key from "
				   "its backup (or fix signing.secret_key in %s)",
				   why.buf, cfg->path);
			goto fail;
		}
		/* before the key is read: a rotation in progress finishes first */
		p->rotate_fd = rotate_lock_shared(p->sc.register_path, err);
		if (p->rotate_fd < 0)
			goto fail;
		p->key = sign_key_load(p->sc.secret_key, err);
		if (!p->key || register_missing(cfg, &p->sc, err) < 0)
			goto fail;
		p->reg = register_open(p->sc.register_path, p->key, err);
		if (!p->reg)
			goto fail;
	}
	if (log_open(&p->log, err) < 0)
		goto fail;
	sbuf_release(&why);
	return p;
fail:
	sbuf_release(&why);
	publish_close(p);
	return NULL;
}

int publish_validate(const struct config *cfg, struct pl_err *err)
{
	struct jsonloc loc = config_loc(cfg);
	struct sign_config sc;
	struct log_opts lo = LOG_OPTS_INIT;
	struct alerts *al;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	if (sign_config_parse(&loc, "/signing", cfg->signing, cfg->state_dir, &sc, err) < 0 ||
	    log_opts_parse(&loc, "/logging", cfg->logging, &lo, err) < 0)
		goto out;
	al = alerts_new(&loc, "/alerts", cfg->alerts, err);
	if (!al)
		goto out;
	alerts_free(al);
	rc = 0;
out:
	sign_config_release(&sc);
	log_opts_release(&lo);
	return rc;
}

int publish_signing(const struct publish *p)
{
	return p->reg != NULL;
}

/* Whether the latest run entry of (night, vendor, suite) in the register had its change
 * suspected: the run a --force run replaces. */
static int replaced_was_suspected(const struct publish *p, const char *night, const char *vendor,
				  const char *suite)
{
	struct pl_err e = PL_ERR_INIT;
	json_t *entries = NULL;
	const char *st;
	long long seq;
	int suspected;

	if (register_load(p->sc.register_path, &entries, &e) < 0)
		return 0;
	st = json_string_value(
		json_object_get(night_run(entries, night, vendor, suite, NULL, &seq), "stage"));
	suspected = st && !strcmp(st, "suspected");
	json_decref(entries);
	return suspected;
}

int publish_report(struct publish *p, const char *date, struct publish_item *it, struct pl_err *err)
{
	struct reg_run_entry e;
	long long seq;

	it->register_seq = -1;
	if (!p->reg)
		return 0;
	if (it->forced)
		it->replaced_suspicion = replaced_was_suspected(p, date, it->vendor->id, it->suite);
	/* The entry's date is the wall clock (signed timestamps never go back, even for a
	 * backfilled night); the night it stands for (--date) is kept apart. */
	memset(&e, 0, sizeof(e));
	e.date = NULL;
	e.night = date;
	e.vendor = it->vendor->id;
	e.model = it->vendor->model;
	e.suite = it->suite;
	e.verdict = report_verdict_name(it->verdict);
	e.epoch = it->detect && it->detect->epoch[0] ? it->detect->epoch : NULL;
	e.new_epoch = it->detect ? it->detect->new_epoch : 0;
	e.returned_epoch = it->detect ? it->detect->returned_epoch : 0;
	e.stage = it->detect && it->detect->stage != DETECT_STAGE_NONE
			  ? detect_stage_name(it->detect->stage)
			  : NULL;
	e.summary = it->summary;
	e.report = it->report_path;
	e.report_sha256 = it->report_sha256;
	/* Availability holds only the vendor's faults against it: requests a budget stopped
	 * were never sent, and our own faults (a revoked key, a bad request) are not its. */
	e.availability = it->answers + it->vendor_faults
				 ? (double)it->answers / (double)(it->answers + it->vendor_faults)
				 : -1;
	e.latency_p50_ms = it->latency_p50_ms;
	e.latency_p95_ms = it->latency_p95_ms;
	e.journal_sha256 = it->journal_sha256;
	e.forced = it->forced;
	seq = register_sign_and_append(p->reg, p->key, &e, err);
	if (seq < 0)
		return -1;
	it->register_seq = seq;
	return 0;
}

static int withdraws_suspicion(const struct publish_item *it)
{
	return it->replaced_suspicion && it->verdict != REPORT_CHANGED &&
	       it->verdict != REPORT_INCOMPLETE;
}

static enum alert_kind alert_kind_for(const struct publish_item *it)
{
	/* last night's alert withdrawn: told on the channel that carried it */
	if (it->detect && it->detect->stage == DETECT_STAGE_RETRACTED &&
	    it->verdict != REPORT_INCOMPLETE)
		return ALERT_CHANGE;
	/* a suspected night run again (--force) that does not suspect it again withdraws it */
	if (withdraws_suspicion(it))
		return ALERT_CHANGE;
	switch (it->verdict) {
	case REPORT_CHANGED:
		return ALERT_CHANGE;
	case REPORT_CHECKS_FAILED:
		return ALERT_CHECK_FAILURES;
	case REPORT_INCOMPLETE:
		return ALERT_INCOMPLETE;
	default:
		return ALERT_NONE;
	}
}

int publish_alerts(struct publish *p, const struct publish_item *items, size_t n,
		   struct pl_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		const struct publish_item *it = &items[i];
		struct alert_event ev;
		struct pl_err e2 = PL_ERR_INIT;
		char night[16];

		memset(&ev, 0, sizeof(ev));
		/* ALERT_NONE too: a quiet night still sends what a channel missed before */
		ev.kind = alert_kind_for(it);
		ev.vendor = it->vendor->id;
		ev.model = it->vendor->model;
		ev.suite = it->suite;
		ev.signals = it->signals;
		ev.n_signals = it->n_signals;
		ev.confidence = it->detect ? it->detect->confidence : 0;
		ev.retracted = (it->detect && it->detect->stage == DETECT_STAGE_RETRACTED) ||
			       withdraws_suspicion(it);
		ev.stage = it->detect && (it->detect->stage == DETECT_STAGE_SUSPECTED ||
					  it->detect->stage == DETECT_STAGE_CONFIRMED)
				   ? detect_stage_name(it->detect->stage)
				   : NULL;
		ev.epoch = it->detect && it->detect->epoch[0] ? it->detect->epoch : NULL;
		ev.report_path = it->report_path;
		/* the night a retraction withdraws: the detector's, or this very night when a
		 * suspected night run again (--force) withdraws its own suspicion */
		if (ev.retracted && it->detect && it->detect->suspected_night[0])
			ev.suspected_night = it->detect->suspected_night;
		else if (ev.retracted && withdraws_suspicion(it)) {
			alert_night(&ev, time(NULL), night, sizeof(night));
			ev.suspected_night = night;
		}
		ev.summary = it->summary;
		ev.reason = it->incomplete_reason;
		ev.checks_total = it->checks_total;
		ev.checks_failed = it->checks_failed;
		ev.prompts_failed = it->prompts_failed;
		ev.what_changed = it->what_changed;
		ev.failed_checks = it->failed_checks;
		ev.planned = it->planned;
		ev.requests = it->sent;
		ev.answers = it->answers;
		ev.errors = it->faults;
		ev.not_sent = it->not_sent;
		ev.vendor_faults = it->vendor_faults;
		if (alerts_dispatch(p->alerts, &ev, p->cfg->state_dir, &e2) < 0) {
			char buf[1600];

			pl_log(LOG_ERROR, "alert delivery failed: %s",
			       pl_err_str(&e2, buf, sizeof(buf)));
			if (!pl_err_isset(err))
				*err = e2;
			rc = -1;
		}
	}
	return rc;
}

int publish_metrics(struct publish *p, const struct publish_item *items, size_t n, time_t started,
		    int exit_code, struct pl_err *err)
{
	struct metrics_row *rows;
	struct metrics_run run;
	const char **chans;
	size_t i, *fails;
	int rc;

	if (!p->log.metrics_file)
		return 0;
	rows = xcalloc(n + 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		const struct publish_item *it = &items[i];

		rows[i].vendor = it->vendor->id;
		rows[i].model = it->vendor->model;
		rows[i].suite = it->suite;
		rows[i].verdict = it->verdict;
		rows[i].changes = it->n_signals;
		rows[i].checks_total = it->checks_total;
		rows[i].checks_failed = it->checks_failed;
		rows[i].requests = it->sent;
		rows[i].not_sent = it->not_sent;
		rows[i].errors = it->faults;
		rows[i].retries = it->retries;
		rows[i].latency_sum_s = it->latency_sum_ms / 1000.0;
		rows[i].latency_count = it->latency_count;
		rows[i].latency_p50_s = it->latency_p50_ms < 0 ? -1 : it->latency_p50_ms / 1000.0;
		rows[i].latency_p90_s = it->latency_p90_ms < 0 ? -1 : it->latency_p90_ms / 1000.0;
		rows[i].latency_p99_s = it->latency_p99_ms < 0 ? -1 : it->latency_p99_ms / 1000.0;
	}
	memset(&run, 0, sizeof(run));
	run.started = started;
	run.finished = time(NULL);
	run.exit_code = exit_code;
	run.rows = rows;
	run.n_rows = n;
	run.n_alert_channels = alerts_count(p->alerts);
	chans = xcalloc(run.n_alert_channels + 1, sizeof(*chans));
	fails = xcalloc(run.n_alert_channels + 1, sizeof(*fails));
	for (i = 0; i < run.n_alert_channels; i++) {
		chans[i] = alerts_channel(p->alerts, i)->name;
		fails[i] = alerts_failures(p->alerts, i);
	}
	run.alert_channels = chans;
	run.alert_failures = fails;
	rc = metrics_write(p->log.metrics_file, &run, err);
	free(chans);
	free(fails);
	free(rows);
	return rc;
}

void publish_close(struct publish *p)
{
	if (!p)
		return;
	register_close(p->reg);
	sign_key_free(p->key);
	lock_file_release(p->rotate_fd);
	alerts_free(p->alerts);
	sign_config_release(&p->sc);
	log_opts_release(&p->log);
	log_close();
	free(p);
}
