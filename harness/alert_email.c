/* alert_email.c: e-mail through SMTP (the HTTP module's one-request path). TLS is required
 * (STARTTLS for smtp://, implicit TLS for smtps://); "tls": "none" is accepted only for a loopback
 * server. The user name and password come from the variables named by username_env / password_env.
 */
#include "alert.h"

#include "hex.h"
#include "http.h"
#include "jsonpos.h"
#include "render.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EMAIL_TLS_REQUIRED = 0, EMAIL_TLS_NONE = 1 };

/* The channel's own settings (ch->priv). The user name and password are ch->secret[0] and
 * ch->secret[1], read from username_env / password_env only while sending. */
struct email {
	char *from;
	char **to;
	size_t n_to;
	int tls; /* EMAIL_TLS_* */
};

static void email_release(void *priv)
{
	struct email *e = priv;
	size_t i;

	if (!e)
		return;
	free(e->from);
	for (i = 0; i < e->n_to; i++)
		free(e->to[i]);
	free(e->to);
	free(e);
}

static const char *const email_keys[] = { "url",	  "from", "to",	     "username_env",
					  "password_env", "tls",  "ca_file", NULL };

static int loopback_url(const char *url)
{
	const char *h = strstr(url, "://");
	size_t i;
	static const char *const hosts[] = { "127.0.0.1", "localhost", "[::1]" };

	if (!h)
		return 0;
	h += 3;
	for (i = 0; i < ARRAY_SIZE(hosts); i++) {
		size_t n = strlen(hosts[i]);

		if (!strncmp(h, hosts[i], n) && (h[n] == ':' || h[n] == '/' || h[n] == '\0'))
			return 1;
	}
	return 0;
}

/* An address is one line without CR/LF, '<' or '>', with an '@'. */
static int address_ok(const char *s)
{
	return s && strchr(s, '@') && !strpbrk(s, "\r\n<>,; \t");
}

static int email_parse(struct alert_channel *ch, const struct jsonloc *loc, const char *pointer,
		       const json_t *obj, struct pl_err *err)
{
	const json_t *to = json_object_get(obj, "to"), *v;
	struct email *e = xcalloc(1, sizeof(*e));
	char *tls = NULL, ptr[512];
	size_t i;
	int rc = -1;

	ch->priv = e;
	if (json_get_str(loc, pointer, obj, "url", 1, &ch->url, err) < 0 ||
	    json_get_str(loc, pointer, obj, "from", 1, &e->from, err) < 0 ||
	    json_get_str(loc, pointer, obj, "username_env", 0, &ch->secret_env[0], err) < 0 ||
	    json_get_str(loc, pointer, obj, "password_env", 0, &ch->secret_env[1], err) < 0 ||
	    json_get_str(loc, pointer, obj, "ca_file", 0, &ch->ca_file, err) < 0 ||
	    json_get_str(loc, pointer, obj, "tls", 0, &tls, err) < 0)
		goto out;
	if (strncmp(ch->url, "smtp://", 7) && strncmp(ch->url, "smtps://", 8)) {
		json_fail(loc, pointer, "url", err,
			  "expected an smtp:// (STARTTLS) or smtps:// (TLS) URL");
		goto out;
	}
	if (strchr(ch->url, '@')) {
		json_fail(loc, pointer, "url", err,
			  "credentials do not belong in the URL; use username_env and "
			  "password_env");
		goto out;
	}
	if (http_url_problem(ch->url, 1)) {
		json_fail(loc, pointer, "url", err, "%s", http_url_problem(ch->url, 1));
		goto out;
	}
	if (!address_ok(e->from)) {
		json_fail(loc, pointer, "from", err, "expected one e-mail address");
		goto out;
	}
	if (!tls || !strcmp(tls, "required")) {
		e->tls = EMAIL_TLS_REQUIRED;
	} else if (!strcmp(tls, "none")) {
		if (!loopback_url(ch->url)) {
			json_fail(loc, pointer, "tls", err,
				  "\"none\" is allowed only for a server on 127.0.0.1 or "
				  "localhost; SMTP credentials must not cross a network in clear");
			goto out;
		}
		e->tls = EMAIL_TLS_NONE;
	} else {
		json_fail(loc, pointer, "tls", err, "expected \"required\" or \"none\"");
		goto out;
	}
	if ((ch->secret_env[0] == NULL) != (ch->secret_env[1] == NULL)) {
		json_fail(loc, pointer, ch->secret_env[0] ? "password_env" : "username_env", err,
			  "set both \"username_env\" and \"password_env\", or neither");
		goto out;
	}
	if (!json_is_array(to) || json_array_size(to) == 0) {
		json_fail(loc, pointer, "to", err, "expected a non-empty array of addresses");
		goto out;
	}
	e->to = xcalloc(json_array_size(to), sizeof(*e->to));
	json_array_foreach(to, i, v)
	{
		snprintf(ptr, sizeof(ptr), "%s", pointer);
		jsonpos_push_key(ptr, sizeof(ptr), "to");
		jsonpos_push_index(ptr, sizeof(ptr), i);
		if (!address_ok(json_string_value(v))) {
			json_fail(loc, ptr, NULL, err, "expected one e-mail address");
			goto out;
		}
		e->to[e->n_to++] = xstrdup(json_string_value(v));
	}
	rc = 0;
out:
	free(tls);
	return rc;
}

/* Header values are one line: CR and LF would let a vendor name inject headers. */
static void header_value(struct sbuf *sb, const char *s)
{
	const unsigned char *p;
	int ascii = 1;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			ascii = 0;
	if (ascii) {
		/* folded at a space before a line passes 78 characters (RFC 5322 2.1.1, 2.2.3):
		 * the column counts from the header's own start, "Subject: " included */
		const char *nl = sb->len ? strrchr(sb->buf, '\n') : NULL;
		size_t col = nl ? sb->len - (size_t)(nl + 1 - sb->buf) : sb->len;

		while (*s) {
			size_t w = strcspn(s + 1, " ") + 1; /* the next word, with its space */

			if (*s == ' ' && col > 1 && col + w > 78) {
				sbuf_addstr(sb, "\r\n");
				col = 0;
			}
			for (; w && *s; w--, s++, col++)
				sbuf_addch(sb, *s == '\r' || *s == '\n' ? ' ' : *s);
		}
		return;
	}
	/* RFC 2047 encoded-word, base64, split so that no word exceeds 75 characters. */
	while (*s) {
		unsigned char out[80];
		size_t n = strlen(s), take = n < 42 ? n : 42;

		while (take < n && ((unsigned char)s[take] & 0xC0) == 0x80)
			take--; /* do not split a UTF-8 sequence */
		EVP_EncodeBlock(out, (const unsigned char *)s, (int)take);
		sbuf_addf(sb,
			  "%s=?UTF-8?B?%s?=", sb->len && sb->buf[sb->len - 1] != ' ' ? "\r\n " : "",
			  out);
		s += take;
	}
}

static void body_line(struct sbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			sbuf_addstr(sb, "\r\n");
		else if (*s != '\r')
			sbuf_addch(sb, *s);
	}
	sbuf_addstr(sb, "\r\n");
}

static int email_build(const struct alert_channel *ch, const struct alert_event *ev, time_t now,
		       struct alert_msg *m, struct pl_err *err)
{
	const struct email *e = ch->priv;
	json_t *facts = json_array(), *f;
	char title[256], date[64], *url = alert_report_url(ch, ev);
	char digest[65];
	struct sbuf line;
	struct tm tm;
	size_t i;

	(void)err;
	sbuf_init(&line);
	alert_title(ev, title, sizeof(title));
	snprintf(m->subject, sizeof(m->subject), "%s", title);
	snprintf(m->content_type, sizeof(m->content_type), "text/plain");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	sbuf_addf(&m->body, "Date: %s\r\nFrom: <%s>\r\nTo: ", date, e->from);
	for (i = 0; i < e->n_to; i++)
		sbuf_addf(&m->body, "%s<%s>", i ? ", " : "", e->to[i]);
	sbuf_addstr(&m->body, "\r\nSubject: ");
	header_value(&m->body, title);
	sbuf_addstr(&m->body, "\r\n");
	sbuf_addf(&line, "%s|%lld|%s", title, (long long)now, e->from);
	hex_sha256(line.buf, line.len, digest);
	digest[24] = '\0'; /* 96 bits are unique enough for a Message-ID */
	sbuf_addf(&m->body, "Message-ID: <%s.%lld@plumbline.invalid>\r\n", digest, (long long)now);
	sbuf_addf(&m->body,
		  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: 8bit\r\nX-Plumbline-Kind: %s\r\n"
		  "X-Plumbline-Event: %s\r\n",
		  alert_kind_name(ev->kind), alert_event_name(ev));
	if (alert_stage(ev))
		sbuf_addf(&m->body, "X-Plumbline-Stage: %s\r\n", alert_stage(ev));
	if (ev->kind == ALERT_RECOVERED)
		sbuf_addf(&m->body, "X-Plumbline-Problem: %s\r\n", alert_kind_name(ev->problem));
	sbuf_addstr(&m->body, "\r\n");

	if (ev->kind == ALERT_TEST)
		body_line(&m->body, "This is a test message from `plumbline alert test`: the "
				    "channel works.");
	else
		body_line(&m->body, ev->summary ? ev->summary : title);
	sbuf_addstr(&m->body, "\r\n");
	alert_facts(ev, facts);
	json_array_foreach(facts, i, f)
	{
		sbuf_reset(&line);
		sbuf_addf(&line, "%-11s %s", json_string_value(json_array_get(f, 0)),
			  json_string_value(json_array_get(f, 1)));
		body_line(&m->body, line.buf);
	}
	if (ev->n_signals) {
		sbuf_addstr(&m->body, "\r\nSignals that moved:\r\n");
		for (i = 0; i < ev->n_signals; i++) {
			sbuf_reset(&line);
			sbuf_addf(&line, "  - %s", ev->signals[i]);
			body_line(&m->body, line.buf);
		}
	}
	if (json_array_size(ev->what_changed)) {
		sbuf_reset(&line);
		sbuf_addch(&line, '\n');
		render_whatchanged_text(ev->what_changed, &line);
		while (line.len && line.buf[line.len - 1] == '\n')
			line.buf[--line.len] = '\0';
		body_line(&m->body, line.buf);
	}
	if (ev->report_path) {
		sbuf_reset(&line);
		sbuf_addf(&line, "\nSigned report: %s", ev->report_path);
		body_line(&m->body, line.buf);
	}
	if (url) {
		sbuf_reset(&line);
		sbuf_addf(&line, "Link: %s", url);
		body_line(&m->body, line.buf);
	}
	body_line(&m->body, "\n-- \nplumbline " PL_VERSION);
	json_decref(facts);
	free(url);
	sbuf_release(&line);
	return 0;
}

static int email_send(const struct alert_channel *ch, const struct alert_msg *m, int *retryable,
		      long *retry_after_ms, struct pl_err *err)
{
	const struct email *e = ch->priv;
	struct http_once rq = { 0 };
	struct http_once_result res;
	char where[300];
	int rc;

	snprintf(where, sizeof(where), "alert channel \"%s\"", ch->name);
	rq.url = ch->url;
	rq.smtp = 1;
	rq.body = m->body.buf;
	rq.body_len = m->body.len;
	rq.mail_from = e->from;
	rq.mail_rcpt = (const char *const *)e->to;
	rq.n_rcpt = e->n_to;
	rq.username = ch->secret[0];
	rq.password = ch->secret[1];
	/* Only a loopback server may be spoken to in clear (email_parse checks it). */
	rq.smtp_cleartext = e->tls == EMAIL_TLS_NONE;
	rq.timeout_ms = ch->timeout_ms;
	rq.ca_file = ch->ca_file;
	rc = http_once(&rq, where, &res, err);
	*retryable = res.retryable;
	*retry_after_ms = 0;
	return rc;
}

const struct alert_ops alert_email = {
	.name = "email",
	.keys = email_keys,
	.parse = email_parse,
	.release = email_release,
	.build = email_build,
	.send = email_send,
};
