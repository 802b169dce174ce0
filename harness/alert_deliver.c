/* alert_deliver.c: delivery of a built message on one channel, with retries and exponential
 * backoff (Retry-After honoured, capped), through the channel's own send or the generic HTTP
 * POST. */
#include "alert.h"
#include "alert_int.h"

#include "http.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
int alert_deliver(const struct alerts *a, struct alert_channel *ch, const struct alert_msg *m,
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
