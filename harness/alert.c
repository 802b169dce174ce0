/* alert.c: the "alerts" section, the alert decision, per-epoch deduplication with a cooldown,
 * and delivery with retries and backoff (the generic HTTP POST lives here too). */
#include "alert.h"

#include "fileio.h"
#include "http.h"
#include "lock.h"
#include "jsonpos.h"
#include "log.h"

#include <errno.h>
#include <unistd.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct alert_ops *const channel_types[] = {
	&alert_email,
	&alert_slack,
	&alert_teams,
	&alert_webhook,
};

struct alerts {
	struct alert_channel *ch;
	size_t n;
	double min_confidence;	     /* change alerts below this are noise */
	long long min_failed_checks; /* check-failure alerts need at least this many ... */
	double min_failed_fraction;  /* ... and at least this share of the checks */
	int on_incomplete;
	double cooldown_s;
	long long retries;
	long long backoff_ms;
	long long max_backoff_ms;
	enum alert_outcome *outcomes;
	int *attempts;
	unsigned char *off; /* alerts_enable(..., 0) */
};

static const char *const kind_names[] = { "none", "change", "check_failures", "incomplete",
					  "test" };

const char *alert_kind_name(enum alert_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

void alert_msg_init(struct alert_msg *m)
{
	sbuf_init(&m->body);
	sbuf_init(&m->headers);
	m->subject[0] = '\0';
	snprintf(m->content_type, sizeof(m->content_type), "application/json");
}

void alert_msg_release(struct alert_msg *m)
{
	if (!m)
		return;
	sbuf_release(&m->body);
	sbuf_release(&m->headers);
}

void alert_msg_add_json(struct alert_msg *m, json_t *root, size_t flags)
{
	char *dump = json_dumps(root, flags);

	json_decref(root);
	sbuf_addstr(&m->body, dump);
	free(dump);
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static void channel_wipe_secrets(struct alert_channel *ch)
{
	size_t i;

	if (ch->url_env) {
		wipe_free(ch->url); /* came from the environment: a secret */
		ch->url = NULL;
	}
	for (i = 0; i < ALERT_MAX_SECRETS; i++) {
		wipe_free(ch->secret[i]);
		ch->secret[i] = NULL;
	}
}

static void channel_release(struct alert_channel *ch)
{
	size_t i;

	channel_wipe_secrets(ch);
	free(ch->url);
	free(ch->name);
	free(ch->url_env);
	for (i = 0; i < ALERT_MAX_SECRETS; i++)
		free(ch->secret_env[i]);
	free(ch->ca_file);
	if (ch->ops && ch->ops->release)
		ch->ops->release(ch->priv);
	free(ch->report_url_base);
}

void alerts_free(struct alerts *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		channel_release(&a->ch[i]);
	free(a->ch);
	free(a->outcomes);
	free(a->attempts);
	free(a->off);
	free(a);
}

size_t alerts_count(const struct alerts *a)
{
	return a ? a->n : 0;
}

const struct alert_channel *alerts_channel(const struct alerts *a, size_t i)
{
	return a && i < a->n ? &a->ch[i] : NULL;
}

enum alert_outcome alerts_outcome(const struct alerts *a, size_t i, int *attempts)
{
	if (attempts)
		*attempts = a && i < a->n ? a->attempts[i] : 0;
	return a && i < a->n ? a->outcomes[i] : ALERT_SKIPPED_NOT_WANTED;
}

void alerts_enable(struct alerts *a, size_t i, int on)
{
	if (a && i < a->n)
		a->off[i] = !on;
}

/* ---- config ---- */

static const struct alert_ops *find_type(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(channel_types); i++)
		if (!strcmp(channel_types[i]->name, name))
			return channel_types[i];
	return NULL;
}

static int parse_on(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		    const json_t *obj, struct pl_err *err)
{
	const json_t *on = json_object_get(obj, "on"), *v;
	char ptr[512];
	size_t i;

	ch->kinds = (1u << ALERT_CHANGE) | (1u << ALERT_CHECK_FAILURES) | (1u << ALERT_INCOMPLETE);
	if (!on)
		return 0;
	if (!json_is_array(on))
		return json_fail(loc, pointer, "on", err, "expected an array, got %s",
				 json_type_name(on));
	ch->kinds = 0;
	json_array_foreach(on, i, v)
	{
		const char *s = json_string_value(v);
		int k;

		snprintf(ptr, sizeof(ptr), "%s", pointer);
		jsonpos_push_key(ptr, sizeof(ptr), "on");
		jsonpos_push_index(ptr, sizeof(ptr), i);
		for (k = ALERT_CHANGE; k <= ALERT_INCOMPLETE; k++)
			if (s && !strcmp(s, kind_names[k]))
				break;
		if (k > ALERT_INCOMPLETE)
			return json_fail(loc, ptr, NULL, err,
					 "expected \"change\", \"check_failures\" or "
					 "\"incomplete\"");
		ch->kinds |= 1u << k;
	}
	return 0;
}

static int env_name_ok(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int parse_channel(struct alerts *a, struct alert_channel *ch, const struct jsonloc *loc,
			 const char *pointer, const json_t *obj, struct pl_err *err)
{
	const char *keys[24];
	char *type = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (!json_is_object(obj))
		return json_fail(loc, pointer, NULL, err, "expected an object, got %s",
				 json_type_name(obj));
	if (json_get_str(loc, pointer, obj, "type", 1, &type, err) < 0)
		goto out;
	ch->ops = find_type(type);
	if (!ch->ops) {
		json_fail(loc, pointer, "type", err,
			  "unknown channel type \"%s\" (expected email, slack, teams or webhook)",
			  type);
		goto out;
	}
	keys[n++] = "type";
	keys[n++] = "name";
	keys[n++] = "on";
	for (i = 0; ch->ops->keys[i] && n < ARRAY_SIZE(keys) - 1; i++)
		keys[n++] = ch->ops->keys[i];
	keys[n] = NULL;
	if (json_check_keys(loc, pointer, obj, keys, err) < 0 ||
	    json_get_str(loc, pointer, obj, "name", 0, &ch->name, err) < 0 ||
	    parse_on(ch, loc, pointer, obj, err) < 0)
		goto out;
	if (!ch->name)
		ch->name = xstrdup(type);
	if (ch->ops->parse && ch->ops->parse(ch, loc, pointer, obj, err) < 0)
		goto out;
	if (ch->url_env && !env_name_ok(ch->url_env)) {
		json_fail(loc, pointer, "url_env", err,
			  "expected the name of an environment variable, got \"%s\"", ch->url_env);
		goto out;
	}
	ch->timeout_ms = 0;
	(void)a;
	rc = 0;
out:
	free(type);
	return rc;
}

int alert_parse_url(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		    const json_t *obj, int secret_urls, struct pl_err *err)
{
	if (json_get_str(loc, pointer, obj, "url_env", 0, &ch->url_env, err) < 0 ||
	    json_get_str(loc, pointer, obj, "ca_file", 0, &ch->ca_file, err) < 0)
		return -1;
	if (!secret_urls && json_get_str(loc, pointer, obj, "url", 0, &ch->url, err) < 0)
		return -1;
	if (ch->url && ch->url_env)
		return json_fail(loc, pointer, "url", err, "set \"url\" or \"url_env\", not both");
	if (!ch->url && !ch->url_env)
		return json_fail(loc, pointer, NULL, err,
				 secret_urls ? "missing \"url_env\" (the name of the environment "
					       "variable holding the webhook URL)"
					     : "missing \"url\" or \"url_env\"");
	if (ch->url && strncmp(ch->url, "https://", 8) && strncmp(ch->url, "http://", 7))
		return json_fail(loc, pointer, "url", err, "expected an http:// or https:// URL");
	return 0;
}

struct alerts *alerts_new(const struct jsonloc *loc, const char *pointer, const json_t *section,
			  struct pl_err *err)
{
	static const char *const keys[] = { "channels",
					    "min_confidence",
					    "min_failed_checks",
					    "min_failed_fraction",
					    "on_incomplete",
					    "cooldown_hours",
					    "report_url_base",
					    "retries",
					    "backoff_ms",
					    "timeout_ms",
					    NULL };
	struct alerts *a = xcalloc(1, sizeof(*a));
	const json_t *chans;
	char ptr[512], *base = NULL;
	double cooldown_h = 24;
	long long timeout_ms = 10000;
	size_t i, j;

	a->min_confidence = 0.95;
	a->min_failed_checks = 1;
	a->min_failed_fraction = 0.1;
	a->on_incomplete = 1;
	a->retries = 3;
	a->backoff_ms = 1000;
	a->max_backoff_ms = 30000;
	if (!section)
		goto done;
	if (json_check_keys(loc, pointer, section, keys, err) < 0 ||
	    json_get_num(loc, pointer, section, "min_confidence", 0, 1, 0.95, &a->min_confidence,
			 err) < 0 ||
	    json_get_int(loc, pointer, section, "min_failed_checks", 1, 1000000, 1,
			 &a->min_failed_checks, err) < 0 ||
	    json_get_num(loc, pointer, section, "min_failed_fraction", 0, 1, 0.1,
			 &a->min_failed_fraction, err) < 0 ||
	    json_get_bool(loc, pointer, section, "on_incomplete", 1, &a->on_incomplete, err) < 0 ||
	    json_get_num(loc, pointer, section, "cooldown_hours", 0, 24 * 365, 24, &cooldown_h,
			 err) < 0 ||
	    json_get_str(loc, pointer, section, "report_url_base", 0, &base, err) < 0 ||
	    json_get_int(loc, pointer, section, "retries", 0, 10, 3, &a->retries, err) < 0 ||
	    json_get_int(loc, pointer, section, "backoff_ms", 0, 600000, 1000, &a->backoff_ms,
			 err) < 0 ||
	    json_get_int(loc, pointer, section, "timeout_ms", 100, 600000, 10000, &timeout_ms,
			 err) < 0)
		goto fail;
	a->cooldown_s = cooldown_h * 3600.0;
	chans = json_object_get(section, "channels");
	if (!chans) {
		json_fail(loc, pointer, NULL, err, "missing \"channels\" (an array of channels)");
		goto fail;
	}
	if (!json_is_array(chans)) {
		json_fail(loc, pointer, "channels", err, "expected an array, got %s",
			  json_type_name(chans));
		goto fail;
	}
	a->ch = xcalloc(json_array_size(chans) + 1, sizeof(*a->ch));
	for (i = 0; i < json_array_size(chans); i++) {
		struct alert_channel *ch = &a->ch[i];

		snprintf(ptr, sizeof(ptr), "%s", pointer);
		jsonpos_push_key(ptr, sizeof(ptr), "channels");
		jsonpos_push_index(ptr, sizeof(ptr), i);
		a->n = i + 1;
		if (parse_channel(a, ch, loc, ptr, json_array_get(chans, i), err) < 0)
			goto fail;
		ch->timeout_ms = (long)timeout_ms;
		ch->report_url_base = base ? xstrdup(base) : NULL;
		for (j = 0; j < i; j++) {
			if (!strcmp(a->ch[j].name, ch->name)) {
				json_fail(loc, ptr, "name", err,
					  "duplicate channel name \"%s\" (give each channel of "
					  "one type its own \"name\")",
					  ch->name);
				goto fail;
			}
		}
	}
done:
	free(base);
	a->outcomes = xcalloc(a->n + 1, sizeof(*a->outcomes));
	a->attempts = xcalloc(a->n + 1, sizeof(*a->attempts));
	a->off = xcalloc(a->n + 1, 1);
	for (i = 0; i < a->n; i++)
		a->outcomes[i] = ALERT_SKIPPED_NOT_WANTED;
	return a;
fail:
	free(base);
	alerts_free(a);
	return NULL;
}

/* ---- secrets ---- */

static int getenv_copy(const char *chname, const char *var, int required, char **out,
		       struct pl_err *err)
{
	const char *v;
	char where[300];

	*out = NULL;
	if (!var)
		return 0;
	v = getenv(var);
	if (!v || !*v) {
		if (!required)
			return 0;
		snprintf(where, sizeof(where), "alert channel \"%s\"", chname);
		return pl_err_set(err, PL_E_INPUT, where, "environment variable %s is not set",
				  var);
	}
	*out = xstrdup(v);
	return 0;
}

static int load_secrets(struct alert_channel *ch, struct pl_err *err)
{
	char *url = NULL;
	size_t i;

	if (ch->url_env) {
		if (getenv_copy(ch->name, ch->url_env, 1, &url, err) < 0)
			return -1;
		free(ch->url);
		ch->url = url;
	}
	for (i = 0; i < ALERT_MAX_SECRETS; i++) {
		if (getenv_copy(ch->name, ch->secret_env[i], 1, &ch->secret[i], err) < 0) {
			channel_wipe_secrets(ch);
			return -1;
		}
	}
	return 0;
}

int alerts_check_env(const struct alerts *a, struct pl_err *err)
{
	size_t i, k;

	for (i = 0; a && i < a->n; i++) {
		struct alert_channel tmp = a->ch[i];
		int rc;

		/* Load into a copy so the config stays secret-free; wipe at once. */
		tmp.url = NULL;
		for (k = 0; k < ALERT_MAX_SECRETS; k++)
			tmp.secret[k] = NULL;
		rc = load_secrets(&tmp, err);
		channel_wipe_secrets(&tmp);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- the decision ---- */

int alerts_wanted(const struct alerts *a, const struct alert_event *ev)
{
	if (!a)
		return 0;
	switch (ev->kind) {
	case ALERT_CHANGE:
		return ev->confidence >= a->min_confidence;
	case ALERT_CHECK_FAILURES:
		if (ev->checks_total == 0 || (long long)ev->checks_failed < a->min_failed_checks)
			return 0;
		return (double)ev->checks_failed / (double)ev->checks_total >=
		       a->min_failed_fraction;
	case ALERT_INCOMPLETE:
		return a->on_incomplete;
	case ALERT_TEST:
		return 1;
	default:
		return 0;
	}
}

/* ---- deduplication state ---- */

static char *state_path(const char *state_dir)
{
	struct sbuf p;
	char *r;

	sbuf_init(&p);
	sbuf_addf(&p, "%s/alerts/state.json", state_dir);
	r = sbuf_detach(&p, NULL);
	sbuf_release(&p); /* detach leaves an empty, allocated buffer */
	return r;
}

static json_t *state_load(const char *path)
{
	struct pl_err e = PL_ERR_INIT;
	json_t *root = NULL, *entries;
	char *text = NULL;
	size_t len;

	if (fileio_read_all(path, 16 << 20, &text, &len, &e) == 0)
		root = json_loadb(text, len, 0, NULL);
	free(text);
	if (root && !json_is_object(json_object_get(root, "entries"))) {
		json_decref(root);
		root = NULL;
	}
	if (!root) {
		/* Absent, or unreadable: start afresh (at worst one duplicate alert). */
		if (fileio_exists(path))
			log_warn("alert: dedup state %s is unreadable; starting afresh", path);
		root = json_pack("{s:i}", "version", 1);
		entries = json_object();
		json_object_set_new(root, "entries", entries);
	}
	return root;
}

static void dedup_key(const struct alert_event *ev, const struct alert_channel *ch, struct sbuf *k)
{
	sbuf_reset(k);
	sbuf_addf(k, "%s/%s/%s|%s|%s", ev->vendor ? ev->vendor : "-", ev->model ? ev->model : "-",
		  ev->suite ? ev->suite : "-", alert_kind_name(ev->kind), ch->name);
}

/* 1 if an alert for this key was already sent and this one is a duplicate. */
static int is_duplicate(const struct alerts *a, const json_t *entry, const struct alert_event *ev,
			time_t now)
{
	const char *epoch;
	double since;

	if (!entry || ev->kind == ALERT_TEST)
		return 0;
	epoch = json_string_value(json_object_get(entry, "epoch"));
	since = difftime(now, (time_t)json_integer_value(json_object_get(entry, "sent_unix")));
	switch (ev->kind) {
	case ALERT_CHANGE:
		/* Once per epoch; a change without an epoch falls back to the cooldown. */
		if (ev->epoch && epoch)
			return !strcmp(epoch, ev->epoch);
		return since < a->cooldown_s;
	case ALERT_CHECK_FAILURES:
		if (ev->epoch && epoch && strcmp(epoch, ev->epoch))
			return 0;
		return since < a->cooldown_s;
	default:
		return since < a->cooldown_s;
	}
}

/* Merges our new entries into the state on disk and writes it back, under an flock so that
 * runs on other vendors/suites dispatching at the same time do not lose each other's entries. */
static int state_save(const char *spath, const json_t *ours, struct pl_err *err)
{
	struct sbuf lockpath;
	json_t *disk = NULL;
	char *text = NULL;
	int fd = -1, rc = -1;

	sbuf_init(&lockpath);
	sbuf_addstr(&lockpath, spath);
	*strrchr(lockpath.buf, '/') = '\0'; /* spath is STATE_DIR/alerts/state.json */
	if (fileio_mkdirs(lockpath.buf, err) < 0)
		goto out;
	sbuf_reset(&lockpath);
	sbuf_addf(&lockpath, "%s.lock", spath);
	fd = lock_file_acquire(lockpath.buf, err);
	if (fd < 0)
		goto out;
	disk = state_load(spath);
	json_object_update(json_object_get(disk, "entries"), (json_t *)ours);
	text = json_dumps(disk, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		pl_err_set(err, PL_E_INTERNAL, spath, "cannot serialise alert state");
		goto out;
	}
	rc = fileio_write_atomic(spath, text, strlen(text), 0644, err);
out:
	lock_file_release(fd);
	free(text);
	json_decref(disk);
	sbuf_release(&lockpath);
	return rc;
}

/* ---- delivery ---- */

/* Posts m to ch's URL (through the HTTP module's one-request path). */
static int http_post(const struct alert_channel *ch, const struct alert_msg *m, int *retryable,
		     long *retry_after_ms, struct pl_err *err)
{
	struct http_once rq = { 0 };
	struct http_once_result res;
	const char **lines = NULL;
	char where[300];
	size_t n = 1;
	const char *p, *nl;
	struct sbuf all = SBUF_INIT;
	int rc;

	snprintf(where, sizeof(where), "alert channel \"%s\"", ch->name);
	/* One "Name: value" line each: the content type, then the message's own headers. */
	sbuf_addf(&all, "Content-Type: %s\n%s", m->content_type, m->headers.buf);
	for (p = all.buf; *p; p++)
		n += *p == '\n';
	lines = xcalloc(n, sizeof(*lines));
	n = 0;
	for (p = all.buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		all.buf[nl - all.buf] = '\0';
		lines[n++] = p;
	}
	rq.url = ch->url;
	rq.body = m->body.buf;
	rq.body_len = m->body.len;
	rq.headers = lines;
	rq.n_headers = n;
	rq.timeout_ms = ch->timeout_ms;
	rq.ca_file = ch->ca_file;
	rc = http_once(&rq, where, &res, err);
	*retryable = res.retryable;
	*retry_after_ms = res.retry_after_ms > 0 ? res.retry_after_ms : 0;
	free(lines);
	sbuf_release(&all);
	return rc;
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sends m on ch with retries; returns 0 or -1 with err set; *attempts counts the tries. */
static int deliver(const struct alerts *a, struct alert_channel *ch, const struct alert_msg *m,
		   int *attempts, struct pl_err *err)
{
	long long attempt, max = a->retries + 1;
	int rc = -1;

	*attempts = 0;
	for (attempt = 1; attempt <= max; attempt++) {
		struct pl_err e = PL_ERR_INIT;
		long retry_after = 0, wait;
		int retryable = 0;
		char buf[1600];

		*attempts = (int)attempt;
		if (ch->ops->send)
			rc = ch->ops->send(ch, m, &retryable, &retry_after, &e);
		else
			rc = http_post(ch, m, &retryable, &retry_after, &e);
		if (rc == 0)
			return 0;
		pl_err_str(&e, buf, sizeof(buf));
		if (!retryable || attempt == max) {
			log_error("%s (attempt %lld of %lld, giving up)", buf, attempt, max);
			pl_err_set(err, e.code, e.where, "%s (after %lld attempts)", e.msg,
				   attempt);
			return -1;
		}
		wait = (long)(a->backoff_ms * (1LL << (attempt - 1 < 16 ? attempt - 1 : 16)));
		if (wait > a->max_backoff_ms)
			wait = (long)a->max_backoff_ms;
		if (retry_after > wait)
			wait = retry_after < 60000 ? retry_after : 60000;
		log_warn("%s (attempt %lld of %lld); retrying in %.2f s", buf, attempt, max,
			 (double)wait / 1000.0);
		sleep_ms(wait);
	}
	return rc;
}

int alerts_dispatch(struct alerts *a, const struct alert_event *ev, const char *state_dir,
		    struct pl_err *err)
{
	struct sbuf key;
	json_t *state = NULL, *entries = NULL, *ours;
	char *spath = NULL, stamp[40];
	time_t now = ev->when ? ev->when : time(NULL);
	int rc = 0;
	size_t i;

	if (!a || a->n == 0)
		return 0;
	ours = json_object(); /* after the early return, or a run without channels leaks it */
	sbuf_init(&key);
	for (i = 0; i < a->n; i++) {
		a->outcomes[i] = ALERT_SKIPPED_NOT_WANTED;
		a->attempts[i] = 0;
	}
	if (!alerts_wanted(a, ev)) {
		if (ev->kind != ALERT_NONE)
			log_info("alert: %s for %s is below the alert thresholds; not sent",
				 alert_kind_name(ev->kind), ev->vendor ? ev->vendor : "-");
		goto out;
	}
	if (state_dir && ev->kind != ALERT_TEST) {
		spath = state_path(state_dir);
		state = state_load(spath);
		entries = json_object_get(state, "entries");
	}
	alert_time(now, stamp, sizeof(stamp));
	for (i = 0; i < a->n; i++) {
		struct alert_channel *ch = &a->ch[i];
		struct alert_msg m;
		struct pl_err e = PL_ERR_INIT;
		json_t *entry = NULL;

		if (a->off[i] || (ev->kind != ALERT_TEST && !(ch->kinds & (1u << ev->kind))))
			continue;
		if (entries) {
			dedup_key(ev, ch, &key);
			entry = json_object_get(entries, key.buf);
			if (is_duplicate(a, entry, ev, now)) {
				a->outcomes[i] = ALERT_SKIPPED_DUPLICATE;
				log_info("alert: %s for %s already sent to \"%s\"; not repeated",
					 alert_kind_name(ev->kind), key.buf, ch->name);
				continue;
			}
		}
		alert_msg_init(&m);
		/* The message carries the sending time (the signature's freshness); dedup
		 * uses the event's. */
		if (load_secrets(ch, &e) == 0 && ch->ops->build(ch, ev, time(NULL), &m, &e) == 0 &&
		    deliver(a, ch, &m, &a->attempts[i], &e) == 0) {
			a->outcomes[i] = ALERT_SENT;
			log_info("alert: sent %s to \"%s\" (%s)", alert_kind_name(ev->kind),
				 ch->name, ch->ops->name);
			if (entries)
				json_object_set_new(ours, key.buf,
						    json_pack("{s:s?,s:s,s:I}", "epoch", ev->epoch,
							      "sent", stamp, "sent_unix",
							      (json_int_t)now));
		} else {
			char buf[1600];

			a->outcomes[i] = ALERT_FAILED;
			if (a->attempts[i] == 0)
				log_error("%s", pl_err_str(&e, buf, sizeof(buf)));
			pl_err_set(err, e.code, e.where, "%s", e.msg);
			rc = -1;
		}
		channel_wipe_secrets(ch);
		alert_msg_release(&m);
	}
	if (json_object_size(ours)) {
		struct pl_err e = PL_ERR_INIT;

		if (state_save(spath, ours, &e) < 0) {
			char buf[1600];

			log_error("alert: cannot save dedup state: %s",
				  pl_err_str(&e, buf, sizeof(buf)));
			pl_err_set(err, e.code, e.where, "cannot save alert state: %s", e.msg);
			rc = -1;
		}
	}
out:
	json_decref(ours);
	json_decref(state);
	free(spath);
	sbuf_release(&key);
	return rc;
}

/* ---- helpers for the channels ---- */

void alert_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void alert_title(const struct alert_event *ev, char *buf, size_t len)
{
	const char *v = ev->vendor ? ev->vendor : "?";
	const char *m = ev->model ? ev->model : "?";
	const char *s = ev->suite ? ev->suite : "?";

	switch (ev->kind) {
	case ALERT_CHANGE:
		snprintf(buf, len, "plumbline: %s/%s changed on suite %s (confidence %.2f)", v, m,
			 s, ev->confidence);
		break;
	case ALERT_CHECK_FAILURES:
		snprintf(buf, len, "plumbline: %zu of %zu checks failed for %s/%s on suite %s",
			 ev->checks_failed, ev->checks_total, v, m, s);
		break;
	case ALERT_INCOMPLETE:
		snprintf(buf, len, "plumbline: the run for %s/%s on suite %s could not complete", v,
			 m, s);
		break;
	case ALERT_TEST:
		snprintf(buf, len, "plumbline: test alert");
		break;
	default:
		snprintf(buf, len, "plumbline: no change");
		break;
	}
}

char *alert_report_url(const struct alert_channel *ch, const struct alert_event *ev)
{
	struct sbuf u;
	char *r;
	size_t n;

	if (!ch->report_url_base || !ev->report_path)
		return NULL;
	sbuf_init(&u);
	sbuf_addstr(&u, ch->report_url_base);
	n = strlen(ch->report_url_base);
	if (n && ch->report_url_base[n - 1] != '/' && ev->report_path[0] != '/')
		sbuf_addch(&u, '/');
	sbuf_addstr(&u, ev->report_path[0] == '/' && n && ch->report_url_base[n - 1] == '/'
				? ev->report_path + 1
				: ev->report_path);
	r = sbuf_detach(&u, NULL);
	sbuf_release(&u); /* detach leaves an empty, allocated buffer */
	return r;
}

static void fact(json_t *arr, const char *label, const char *value)
{
	json_array_append_new(arr, json_pack("[ss]", label, value));
}

void alert_facts(const struct alert_event *ev, json_t *arr)
{
	char buf[64];

	if (ev->vendor)
		fact(arr, "Vendor", ev->vendor);
	if (ev->model)
		fact(arr, "Model", ev->model);
	if (ev->suite)
		fact(arr, "Suite", ev->suite);
	if (ev->kind == ALERT_CHANGE) {
		snprintf(buf, sizeof(buf), "%.2f", ev->confidence);
		fact(arr, "Confidence", buf);
	}
	if (ev->epoch)
		fact(arr, "Epoch", ev->epoch);
	if (ev->checks_total) {
		snprintf(buf, sizeof(buf), "%zu of %zu failed", ev->checks_failed,
			 ev->checks_total);
		fact(arr, "Checks", buf);
	}
	if (ev->requests) {
		snprintf(buf, sizeof(buf), "%zu (%zu errors)", ev->requests, ev->errors);
		fact(arr, "Requests", buf);
	}
	if (ev->reason)
		fact(arr, "Reason", ev->reason);
}
