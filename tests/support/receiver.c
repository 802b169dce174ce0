/* receiver.c: loopback HTTP receiver (libmicrohttpd) and minimal SMTP server for tests. */
#include "receiver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sbuf.h"

/* ---- HTTP ---- */

struct receiver {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	int *statuses;
	size_t n_statuses;
	int final_status;
	char *retry_after;
	struct receiver_req *reqs;
	size_t n, cap;
};

struct conn {
	struct sbuf body;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct sbuf *sb = cls;
	const char *k;

	(void)kind;
	for (k = key; *k; k++)
		sbuf_addch(sb, (char)tolower((unsigned char)*k));
	sbuf_addf(sb, ": %s\n", value ? value : "");
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct receiver *r = cls;
	struct conn *cc = *con_cls;
	struct MHD_Response *resp;
	struct receiver_req q;
	struct sbuf hdrs;
	enum MHD_Result ret;
	int status;

	(void)version;
	if (!cc) {
		cc = xcalloc(1, sizeof(*cc));
		sbuf_init(&cc->body);
		*con_cls = cc;
		return MHD_YES;
	}
	if (*upload_size) {
		sbuf_add(&cc->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	sbuf_init(&hdrs);
	MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &hdrs);
	q.method = xstrdup(method);
	q.path = xstrdup(url);
	q.headers = sbuf_detach(&hdrs, NULL);
	sbuf_release(&hdrs); /* detach leaves an empty, allocated buffer */
	q.body = sbuf_detach(&cc->body, &q.body_len);
	pthread_mutex_lock(&r->mu);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->reqs = xrealloc(r->reqs, r->cap * sizeof(*r->reqs));
	}
	status = r->n < r->n_statuses ? r->statuses[r->n] : r->final_status;
	r->reqs[r->n++] = q;
	pthread_mutex_unlock(&r->mu);

	resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	if ((status == 429 || status == 503) && r->retry_after)
		MHD_add_response_header(resp, "Retry-After", r->retry_after);
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode code)
{
	struct conn *cc = *con_cls;

	(void)cls;
	(void)c;
	(void)code;
	if (cc) {
		sbuf_release(&cc->body);
		free(cc);
		*con_cls = NULL;
	}
}

struct receiver *receiver_start(const int *statuses, size_t n, int final_status,
				const char *retry_after)
{
	struct receiver *r = xcalloc(1, sizeof(*r));
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	pthread_mutex_init(&r->mu, NULL);
	if (n) {
		r->statuses = xcalloc(n, sizeof(*statuses));
		memcpy(r->statuses, statuses, n * sizeof(*statuses));
	}
	r->n_statuses = n;
	r->final_status = final_status;
	r->retry_after = retry_after ? xstrdup(retry_after) : NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				on_request, r, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	if (!r->d) {
		receiver_stop(r);
		return NULL;
	}
	info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
	r->port = info ? info->port : 0;
	return r;
}

int receiver_port(const struct receiver *r)
{
	return r->port;
}

const char *receiver_url(const struct receiver *r, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "http://127.0.0.1:%d%s", r->port, path ? path : "/");
	return buf;
}

size_t receiver_count(struct receiver *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

const struct receiver_req *receiver_get(struct receiver *r, size_t i)
{
	const struct receiver_req *q = NULL;

	pthread_mutex_lock(&r->mu);
	if (i < r->n)
		q = &r->reqs[i];
	pthread_mutex_unlock(&r->mu);
	return q;
}

const char *receiver_header(const struct receiver_req *q, const char *name, char *buf, size_t len)
{
	const char *p = q->headers;
	size_t n = strlen(name);

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (!nl)
			break;
		if (!strncmp(p, name, n) && p[n] == ':' && p[n + 1] == ' ') {
			snprintf(buf, len, "%.*s", (int)(nl - p - n - 2), p + n + 2);
			return buf;
		}
		p = nl + 1;
	}
	return NULL;
}

void receiver_stop(struct receiver *r)
{
	size_t i;

	if (!r)
		return;
	if (r->d)
		MHD_stop_daemon(r->d);
	for (i = 0; i < r->n; i++) {
		free(r->reqs[i].method);
		free(r->reqs[i].path);
		free(r->reqs[i].headers);
		free(r->reqs[i].body);
	}
	free(r->reqs);
	free(r->statuses);
	free(r->retry_after);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* ---- SMTP ---- */

struct smtp_server {
	int fd;
	int port;
	enum smtp_mode mode;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int sessions;
	int stop;
	struct sbuf transcript, data, auth;
};

static int send_line(int fd, const char *s)
{
	size_t len = strlen(s);

	return write(fd, s, len) == (ssize_t)len ? 0 : -1;
}

/* Reads one CRLF-terminated line (without the CRLF) into line; buffered in in. */
static int read_line(int fd, struct sbuf *in, struct sbuf *line)
{
	for (;;) {
		char *nl = memchr(in->buf, '\n', in->len);
		char chunk[4096];
		ssize_t n;

		if (nl) {
			size_t k = (size_t)(nl - in->buf);

			sbuf_reset(line);
			sbuf_add(line, in->buf, k && in->buf[k - 1] == '\r' ? k - 1 : k);
			memmove(in->buf, nl + 1, in->len - k - 1);
			in->len -= k + 1;
			in->buf[in->len] = '\0';
			return 0;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		sbuf_add(in, chunk, (size_t)n);
	}
}

static void decode_plain(struct smtp_server *s, const char *b64)
{
	unsigned char out[512];
	size_t blen = strlen(b64), len, i, first = 0, second = 0;
	int n, zeros = 0;

	if (blen == 0 || blen > 600)
		return;
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)blen);
	if (n < 0)
		return;
	len = (size_t)n;
	for (i = blen; i > 0 && b64[i - 1] == '='; i--)
		len--; /* EVP_DecodeBlock counts the padding as bytes */
	/* authzid \0 authcid \0 passwd -> "authcid:passwd" */
	for (i = 0; i < len; i++) {
		if (out[i] != 0)
			continue;
		if (zeros == 0)
			first = i;
		else if (zeros == 1)
			second = i;
		zeros++;
	}
	sbuf_reset(&s->auth);
	if (zeros != 2)
		return;
	sbuf_add(&s->auth, out + first + 1, second - first - 1);
	sbuf_addch(&s->auth, ':');
	sbuf_add(&s->auth, out + second + 1, len - second - 1);
}

static void session(struct smtp_server *s, int c)
{
	struct sbuf in, line;

	sbuf_init(&in);
	sbuf_init(&line);
	send_line(c, "220 127.0.0.1 ESMTP plumbline-test\r\n");
	while (read_line(c, &in, &line) == 0) {
		const char *l = line.buf;

		pthread_mutex_lock(&s->mu);
		sbuf_addf(&s->transcript, "%s\n", l);
		pthread_mutex_unlock(&s->mu);
		if (!strncasecmp(l, "EHLO", 4)) {
			send_line(c, "250-127.0.0.1\r\n");
			if (s->mode == SMTP_STARTTLS_REFUSED)
				send_line(c, "250-STARTTLS\r\n");
			send_line(c, "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
		} else if (!strncasecmp(l, "HELO", 4)) {
			send_line(c, "250 127.0.0.1\r\n");
		} else if (!strncasecmp(l, "STARTTLS", 8)) {
			send_line(c, "454 4.7.0 TLS not available\r\n");
		} else if (!strncasecmp(l, "AUTH PLAIN", 10)) {
			if (l[10] == ' ' && l[11]) {
				pthread_mutex_lock(&s->mu);
				decode_plain(s, l + 11);
				pthread_mutex_unlock(&s->mu);
			} else {
				send_line(c, "334 \r\n");
				if (read_line(c, &in, &line) < 0)
					break;
				pthread_mutex_lock(&s->mu);
				sbuf_addf(&s->transcript, "%s\n", line.buf);
				decode_plain(s, line.buf);
				pthread_mutex_unlock(&s->mu);
			}
			send_line(c, "235 2.7.0 Authentication successful\r\n");
		} else if (!strncasecmp(l, "MAIL FROM:", 10)) {
			send_line(c, "250 2.1.0 Ok\r\n");
		} else if (!strncasecmp(l, "RCPT TO:", 8)) {
			send_line(c, s->mode == SMTP_REJECT_RCPT ? "550 5.1.1 No such user\r\n"
								 : "250 2.1.5 Ok\r\n");
		} else if (!strcasecmp(l, "DATA")) {
			send_line(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
			pthread_mutex_lock(&s->mu);
			sbuf_reset(&s->data);
			pthread_mutex_unlock(&s->mu);
			while (read_line(c, &in, &line) == 0 && strcmp(line.buf, ".")) {
				const char *d = line.buf[0] == '.' ? line.buf + 1 : line.buf;

				pthread_mutex_lock(&s->mu);
				sbuf_addf(&s->data, "%s\r\n", d);
				pthread_mutex_unlock(&s->mu);
			}
			send_line(c, "250 2.0.0 Ok: queued\r\n");
		} else if (!strcasecmp(l, "QUIT")) {
			send_line(c, "221 2.0.0 Bye\r\n");
			break;
		} else if (!strcasecmp(l, "RSET") || !strcasecmp(l, "NOOP")) {
			send_line(c, "250 Ok\r\n");
		} else {
			send_line(c, "502 5.5.2 Command not recognized\r\n");
		}
	}
	sbuf_release(&in);
	sbuf_release(&line);
}

static void *smtp_loop(void *arg)
{
	struct smtp_server *s = arg;

	for (;;) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		int c, stop;

		pthread_mutex_lock(&s->mu);
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		session(s, c);
		close(c);
		pthread_mutex_lock(&s->mu);
		s->sessions++;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

struct smtp_server *smtp_server_start(enum smtp_mode mode)
{
	struct smtp_server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	s->mode = mode;
	sbuf_init(&s->transcript);
	sbuf_init(&s->data);
	sbuf_init(&s->auth);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->fd, 8) < 0 || getsockname(s->fd, (struct sockaddr *)&sa, &sl) < 0)
		goto fail;
	s->port = ntohs(sa.sin_port);
	if (pthread_create(&s->th, NULL, smtp_loop, s) != 0)
		goto fail;
	return s;
fail:
	if (s->fd >= 0)
		close(s->fd);
	sbuf_release(&s->transcript);
	sbuf_release(&s->data);
	sbuf_release(&s->auth);
	free(s);
	return NULL;
}

int smtp_server_port(const struct smtp_server *s)
{
	return s->port;
}

int smtp_server_wait(struct smtp_server *s, int sessions, int timeout_ms)
{
	struct timespec dl;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (s->sessions < sessions && rc == 0)
		rc = pthread_cond_timedwait(&s->cv, &s->mu, &dl);
	pthread_mutex_unlock(&s->mu);
	return s->sessions >= sessions ? 0 : -1;
}

const char *smtp_server_transcript(struct smtp_server *s)
{
	return s->transcript.buf;
}

const char *smtp_server_data(struct smtp_server *s)
{
	return s->data.buf;
}

const char *smtp_server_auth(struct smtp_server *s)
{
	return s->auth.buf;
}

void smtp_server_stop(struct smtp_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	close(s->fd);
	sbuf_release(&s->transcript);
	sbuf_release(&s->data);
	sbuf_release(&s->auth);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
