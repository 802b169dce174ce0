/* alert_config.c: the config's "alerts" section: thresholds, cooldown, retries, and each
 * channel's common keys ("type", "name", "on", the URL) before its type parses its own. Reads no
 * secret. */
#include "alert.h"
#include "alert_int.h"

#include "http.h"
#include "jsonpos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_on(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		    const json_t *obj, struct pl_err *err)
{
	const json_t *on = json_object_get(obj, "on"), *v;
	char ptr[512];
	size_t i;

	ch->kinds = (1u << ALERT_CHANGE) | (1u << ALERT_CHECK_FAILURES) | (1u << ALERT_INCOMPLETE) |
		    (1u << ALERT_RECOVERED);
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
		for (k = ALERT_CHANGE; k <= ALERT_RECOVERED; k++)
			if (s && !strcmp(s, alert_kind_name((enum alert_kind)k)))
				break;
		if (k > ALERT_RECOVERED)
			return json_fail(loc, ptr, NULL, err,
					 "expected \"change\", \"check_failures\", "
					 "\"incomplete\" or \"recovered\"");
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
	ch->ops = alert_find_type(type);
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
	if (ch->url && http_url_problem(ch->url, 0))
		return json_fail(loc, pointer, "url", err, "%s", http_url_problem(ch->url, 0));
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
	/* links are the base joined with NIGHT/FILE: a query or fragment would swallow them */
	if (base && http_link_base_problem(base)) {
		json_fail(loc, pointer, "report_url_base", err, "%s", http_link_base_problem(base));
		goto fail;
	}
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
	a->failures = xcalloc(a->n + 1, sizeof(*a->failures));
	a->off = xcalloc(a->n + 1, 1);
	for (i = 0; i < a->n; i++)
		a->outcomes[i] = ALERT_SKIPPED_NOT_WANTED;
	return a;
fail:
	free(base);
	alerts_free(a);
	return NULL;
}
