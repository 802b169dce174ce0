/* alert_secrets.c: a channel's secrets (webhook URLs, HMAC keys, SMTP passwords) read from the
 * environment variables the config names, only when sending, and wiped after use. */
#include "alert.h"
#include "alert_int.h"

#include "http.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void wipe_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void alert_channel_wipe_secrets(struct alert_channel *ch)
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
		return pl_err_set(err, PL_E_INPUT, where, "environment variable %s is %s", var,
				  v ? "empty" : "not set");
	}
	*out = xstrdup(v);
	return 0;
}

int alert_load_secrets(struct alert_channel *ch, struct pl_err *err)
{
	char *url = NULL;
	size_t i;

	if (ch->url_env) {
		const char *why;

		if (getenv_copy(ch->name, ch->url_env, 1, &url, err) < 0)
			return -1;
		/* a bad URL fails the same way on every attempt: an error of the setup, found
		 * here (and by `plumbline check`), never retried */
		why = http_url_problem(url, 0);
		if (why) {
			char where[300];

			wipe_free(url);
			snprintf(where, sizeof(where), "alert channel \"%s\"", ch->name);
			return pl_err_set(err, PL_E_INPUT, where,
					  "environment variable %s does not hold a usable URL: it "
					  "%s",
					  ch->url_env, why);
		}
		free(ch->url);
		ch->url = url;
	}
	for (i = 0; i < ALERT_MAX_SECRETS; i++) {
		if (getenv_copy(ch->name, ch->secret_env[i], 1, &ch->secret[i], err) < 0) {
			alert_channel_wipe_secrets(ch);
			return -1;
		}
	}
	return 0;
}

int alert_channel_check_url(const struct alert_channel *ch, struct pl_err *err)
{
	const char *url = ch->url_env ? getenv(ch->url_env) : NULL, *why;
	char where[300];

	if (!url || !*url)
		return 0; /* unset: the run says so; check may run without the secrets */
	why = http_url_problem(url, 0);
	if (!why)
		return 0;
	snprintf(where, sizeof(where), "alert channel \"%s\"", ch->name);
	return pl_err_set(err, PL_E_INPUT, where,
			  "environment variable %s does not hold a usable URL: it %s", ch->url_env,
			  why);
}

int alerts_check_urls(const struct alerts *a, struct pl_err *err)
{
	size_t i;

	for (i = 0; a && i < a->n; i++)
		if (alert_channel_check_url(&a->ch[i], err) < 0)
			return -1;
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
		rc = alert_load_secrets(&tmp, err);
		alert_channel_wipe_secrets(&tmp);
		if (rc < 0)
			return -1;
	}
	return 0;
}
