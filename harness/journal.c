/* journal.c: the append-only results journal (JSON Lines) and its resume index. */
#include "journal.h"
#include "fileio.h"
#include "hash.h"
#include "redact.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_LINE_MAX (64u << 20)

/* Keys are "vendor\x1fsuite\x1fprompt\x1fsample" in hmaps (hash.h): the done set (value 1) and,
 * in journal_read, each item's last line number. */

static void make_key(struct sbuf *sb, const char *v, const char *s, const char *p, int i)
{
	sbuf_reset(sb);
	sbuf_addf(sb, "%s\x1f%s\x1f%s\x1f%d", v, s, p, i);
}

struct journal {
	char *path;
	int fd;
	struct hmap done;
	size_t count;
	struct sbuf line, key;
};

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static void set_long(json_t *o, const char *k, long v)
{
	if (v >= 0)
		json_object_set_new(o, k, json_integer(v));
}

/* Milliseconds as integers keep journals and reports identical across machines. */
static void set_ms(json_t *o, const char *k, double v)
{
	if (v >= 0)
		json_object_set_new(o, k, json_integer((json_int_t)(v + 0.5)));
}

json_t *journal_answer_to_json(const struct probe_answer *a)
{
	json_t *o = json_object(), *r;
	size_t i;

	json_object_set_new(o, "fault", json_string(probe_fault_name(a->fault)));
	if (a->status)
		json_object_set_new(o, "status", json_integer(a->status));
	set_long(o, "retry_after_ms", a->retry_after_ms);
	set_str(o, "error_type", a->error_type);
	set_str(o, "error_message", a->error_message);
	set_str(o, "text", a->text);
	if (a->refused)
		json_object_set_new(o, "refused", json_true());
	if (a->blocked)
		json_object_set_new(o, "blocked", json_true());
	set_str(o, "block_reason", a->block_reason);
	set_str(o, "finish_reason", a->finish_reason);
	set_str(o, "model", a->model);
	set_str(o, "fingerprint", a->fingerprint);
	set_str(o, "response_id", a->response_id);
	set_long(o, "prompt_tokens", a->prompt_tokens);
	set_long(o, "completion_tokens", a->completion_tokens);
	set_long(o, "total_tokens", a->total_tokens);
	set_ms(o, "latency_ms", a->latency_ms);
	set_ms(o, "ttft_ms", a->ttft_ms);
	if (a->n_headers) {
		json_t *h = json_object();

		for (i = 0; i < a->n_headers; i++)
			json_object_set_new(h, a->headers[i].name,
					    json_string(a->headers[i].value));
		json_object_set_new(o, "headers", h);
	}
	if (a->logprobs)
		json_object_set(o, "logprobs", a->logprobs);
	if (a->tool_calls)
		json_object_set(o, "tool_calls", a->tool_calls);
	/* Whatever a vendor sent is stored only through the redactor. */
	r = redact_json(o);
	json_decref(o);
	return r;
}

static enum probe_fault fault_from_name(const char *s)
{
	int f;

	for (f = PROBE_OK; f <= PROBE_FAULT_STREAM; f++)
		if (!strcmp(probe_fault_name((enum probe_fault)f), s))
			return (enum probe_fault)f;
	return PROBE_FAULT_MALFORMED;
}

static char *dup_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? xstrndup(json_string_value(v), json_string_length(v)) : NULL;
}

/* A journal is a file on disk: its numbers are clamped like a vendor's (probe_count_of). */
static long get_long(const json_t *o, const char *k)
{
	return probe_count_of(json_object_get(o, k));
}

int journal_answer_from_json(const json_t *o, struct probe_answer *a, struct pl_err *err)
{
	const json_t *f = json_object_get(o, "fault"), *h;
	const char *k;
	json_t *v;

	probe_answer_init(a);
	if (!json_is_object(o) || !json_is_string(f))
		return pl_err_set(err, PL_E_INPUT, NULL, "answer record lacks \"fault\"");
	a->fault = fault_from_name(json_string_value(f));
	a->status = get_long(o, "status") < 0 ? 0 : get_long(o, "status");
	a->retry_after_ms = get_long(o, "retry_after_ms");
	a->error_type = dup_str(o, "error_type");
	a->error_message = dup_str(o, "error_message");
	a->text = dup_str(o, "text");
	a->refused = json_is_true(json_object_get(o, "refused"));
	a->blocked = json_is_true(json_object_get(o, "blocked"));
	a->block_reason = dup_str(o, "block_reason");
	a->finish_reason = dup_str(o, "finish_reason");
	a->model = dup_str(o, "model");
	a->fingerprint = dup_str(o, "fingerprint");
	a->response_id = dup_str(o, "response_id");
	a->prompt_tokens = get_long(o, "prompt_tokens");
	a->completion_tokens = get_long(o, "completion_tokens");
	a->total_tokens = get_long(o, "total_tokens");
	a->latency_ms = probe_ms_clamp((double)get_long(o, "latency_ms"));
	a->ttft_ms = probe_ms_clamp((double)get_long(o, "ttft_ms"));
	a->retry_after_ms = probe_ms_long((double)a->retry_after_ms);
	if (a->fault == PROBE_OK && !a->text)
		a->text = xstrdup("");
	h = json_object_get(o, "headers");
	if (json_is_object(h)) {
		a->headers = xcalloc(json_object_size(h) + 1, sizeof(*a->headers));
		json_object_foreach((json_t *)h, k, v)
		{
			if (!json_is_string(v))
				continue;
			a->headers[a->n_headers].name = xstrdup(k);
			a->headers[a->n_headers].value = xstrdup(json_string_value(v));
			a->n_headers++;
		}
	}
	if (json_object_get(o, "logprobs"))
		a->logprobs = json_incref(json_object_get(o, "logprobs"));
	/* journals written before tool calls were kept have none */
	if (json_is_array(json_object_get(o, "tool_calls")))
		a->tool_calls = json_incref(json_object_get(o, "tool_calls"));
	return 0;
}

static int write_line(struct journal *j, json_t *o, struct pl_err *err)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (!s)
		return pl_err_set(err, PL_E_INTERNAL, j->path, "cannot encode a journal record");
	sbuf_reset(&j->line);
	sbuf_addstr(&j->line, s);
	sbuf_addch(&j->line, '\n');
	free(s);
	/* No fsync per record: a killed process loses nothing the kernel has; journal_close
	 * syncs. Power loss may cost the last records, which a resume sends again. */
	if (j->fd < 0) {
		/* never through a link planted in the state folder (O_NOFOLLOW), nor in a
		 * linked journal folder */
		if (fileio_check_dirs(j->path, 2, err) < 0)
			return -1;
		j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (j->fd < 0 && errno == ELOOP)
			return pl_err_set(err, PL_E_IO, j->path,
					  "is a symbolic link: plumbline does not follow links "
					  "in its folders");
		if (j->fd < 0)
			return pl_err_errno(err, PL_E_IO, j->path, "cannot open journal");
	}
	rc = fileio_write_all(j->fd, j->line.buf, j->line.len);
	if (rc < 0)
		return pl_err_errno(err, PL_E_IO, j->path, "cannot append to journal");
	return 0;
}

int journal_rec_final(const struct journal_rec *r)
{
	/* An item never sent (attempts 0: its vendor was given up first) is sent on resume, and
	 * so is one refused for our key (a new key may have come since); a vendor's final
	 * answer (content filter, bad request, malformed) stays. */
	return r->answer->fault == PROBE_OK ||
	       (!probe_fault_retryable(r->answer->fault) && r->answer->fault != PROBE_FAULT_AUTH &&
		r->attempts > 0);
}

static int index_existing(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	struct journal *j = ctx;

	(void)err;
	j->count++;
	if (journal_rec_final(r)) {
		make_key(&j->key, r->vendor, r->suite, r->prompt, r->sample);
		hmap_put(&j->done, j->key.buf, 1);
	}
	return 0;
}

/* The last '\n' in buf[0..n), or NULL. */
static char *memrchr_nl(char *buf, size_t n)
{
	while (n-- > 0)
		if (buf[n] == '\n')
			return buf + n;
	return NULL;
}

/* Cuts a torn last line (a write cut short by a crash or a full disk) off the journal, so the
 * records a resumed run appends start on a line of their own. */
static int drop_torn_tail(const char *path, struct pl_err *err)
{
	char buf[4096];
	off_t end, pos;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW), rc = -1;

	if (fd < 0)
		return pl_err_errno(err, PL_E_IO, path, "cannot open journal");
	end = lseek(fd, 0, SEEK_END);
	for (pos = end; pos > 0;) {
		size_t n = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		char *nl;

		if (pread(fd, buf, n, pos - (off_t)n) != (ssize_t)n) {
			pl_err_errno(err, PL_E_IO, path, "cannot read journal");
			goto out;
		}
		nl = memrchr_nl(buf, n);
		if (nl) {
			pos = pos - (off_t)n + (nl - buf) + 1;
			break;
		}
		pos -= (off_t)n;
	}
	if (end > 0 && pos < end && (ftruncate(fd, pos) < 0 || fsync(fd) < 0)) {
		pl_err_errno(err, PL_E_IO, path, "cannot cut the torn last line of the journal");
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* 1 when path holds at least one complete line (the header). A run killed while creating
 * its journal leaves none: nothing was answered yet, so resuming starts afresh. */
static int has_header(const char *path)
{
	FILE *f = fileio_fopen_read(path);
	int c = EOF;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF && c != '\n')
		;
	fclose(f);
	return c == '\n';
}

struct journal *journal_open(const char *path, const char *run_id, const char *plan_hash,
			     const char *mode, int resume, struct pl_err *err)
{
	return journal_open_night(path, run_id, plan_hash, mode, NULL, resume, err);
}

struct journal *journal_open_night(const char *path, const char *run_id, const char *plan_hash,
				   const char *mode, const char *night, int resume,
				   struct pl_err *err)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	json_t *hdr = NULL;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	j->path = xstrdup(path);
	j->fd = -1;
	hmap_init(&j->done);
	sbuf_init(&j->line);
	sbuf_init(&j->key);
	if (resume && fileio_exists(path) && has_header(path)) {
		const json_t *ph;

		if (journal_read(path, index_existing, j, &hdr, err) < 0)
			goto fail;
		ph = json_object_get(hdr, "plan");
		if (!json_is_string(ph) || strcmp(json_string_value(ph), plan_hash)) {
			pl_err_set(err, PL_E_USAGE, path,
				   "cannot resume: the journal belongs to a different plan (other "
				   "vendors, suites or sample counts)");
			goto fail;
		}
		if (drop_torn_tail(path, err) < 0)
			goto fail;
		json_decref(hdr);
		return j;
	}
	if (fileio_exists(path) && unlink(path) < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot replace the journal");
		goto fail;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	hdr = json_pack("{s:i, s:s, s:s, s:s, s:s}", "journal", 1, "run", run_id, "plan", plan_hash,
			"mode", mode, "started", when);
	if (hdr && night)
		json_object_set_new(hdr, "night", json_string(night));
	{
		/* The header is written atomically (with the directories): a journal exists
		 * complete with its header or not at all. Records are appended after it. */
		char *line = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
		struct sbuf sb;
		int rc;

		sbuf_init(&sb);
		sbuf_addstr(&sb, line ? line : "");
		sbuf_addch(&sb, '\n');
		free(line);
		rc = fileio_write_atomic(path, sb.buf, sb.len, 0644, err);
		sbuf_release(&sb);
		if (rc < 0)
			goto fail;
	}
	json_decref(hdr);
	return j;
fail:
	json_decref(hdr);
	journal_close(j);
	return NULL;
}

int journal_append(struct journal *j, const struct journal_rec *r, struct pl_err *err)
{
	json_t *o = json_object();
	int rc;

	json_object_set_new(o, "vendor", json_string(r->vendor));
	json_object_set_new(o, "suite", json_string(r->suite));
	json_object_set_new(o, "prompt", json_string(r->prompt));
	json_object_set_new(o, "sample", json_integer(r->sample));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	json_object_set_new(o, "answer", journal_answer_to_json(r->answer));
	rc = write_line(j, o, err);
	json_decref(o);
	/* Records appended now are not indexed: the runner asks journal_done once per item,
	 * before sending it, so only the records of a resumed journal matter. That keeps memory
	 * flat however many requests a run sends. */
	if (rc == 0)
		j->count++;
	return rc;
}

int journal_done(const struct journal *j, const char *vendor, const char *suite, const char *prompt,
		 int sample)
{
	struct sbuf key;
	int has;

	sbuf_init(&key);
	make_key(&key, vendor, suite, prompt, sample);
	has = hmap_get(&j->done, key.buf, NULL);
	sbuf_release(&key);
	return has;
}

size_t journal_count(const struct journal *j)
{
	return j->count;
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0) {
		fdatasync(j->fd);
		close(j->fd);
	}
	hmap_release(&j->done);
	sbuf_release(&j->line);
	sbuf_release(&j->key);
	free(j->path);
	free(j);
}

/* Reads one line (any length up to JOURNAL_LINE_MAX); returns 1 for a complete line, 0 at EOF
 * or for a torn (unterminated) last line. */
static int read_line(FILE *f, struct sbuf *sb)
{
	int c;

	sbuf_reset(sb);
	while ((c = getc(f)) != EOF) {
		if (c == '\n')
			return 1;
		if (sb->len < JOURNAL_LINE_MAX)
			sbuf_addch(sb, (char)c);
	}
	return 0;
}

/* Pass 1 of journal_read: for every item, the line number of its last record (a resumed run
 * may have re-sent an item whose first record was a retryable fault: the last record wins). */
static void last_lines(FILE *f, struct hmap *last)
{
	struct sbuf line, key;
	size_t lineno = 0;

	sbuf_init(&line);
	sbuf_init(&key);
	while (read_line(f, &line)) {
		json_t *o = ++lineno > 1 ? json_loadb(line.buf, line.len, 0, NULL) : NULL;
		const char *v, *s, *p;

		if (!o)
			continue;
		v = json_string_value(json_object_get(o, "vendor"));
		s = json_string_value(json_object_get(o, "suite"));
		p = json_string_value(json_object_get(o, "prompt"));
		if (v && s && p) {
			make_key(&key, v, s, p,
				 (int)json_integer_value(json_object_get(o, "sample")));
			hmap_put(last, key.buf, lineno);
		}
		json_decref(o);
	}
	sbuf_release(&line);
	sbuf_release(&key);
}

/* True when the record at lineno is superseded by a later one for the same item. */
static int superseded(const struct hmap *last, const struct journal_rec *r, size_t lineno,
		      struct sbuf *key)
{
	size_t at = 0;

	make_key(key, r->vendor, r->suite, r->prompt, r->sample);
	return hmap_get(last, key->buf, &at) && at > lineno;
}

int journal_read(const char *path, journal_fn fn, void *ctx, json_t **header, struct pl_err *err)
{
	FILE *f = fileio_fopen_read(path);
	struct sbuf line, key;
	struct hmap last = HMAP_INIT;
	size_t lineno = 0;
	int rc = -1;

	if (header)
		*header = NULL;
	if (!f)
		return pl_err_errno(err, PL_E_INPUT, path, "cannot open journal");
	last_lines(f, &last);
	rewind(f);
	sbuf_init(&line);
	sbuf_init(&key);
	while (read_line(f, &line)) {
		json_error_t je;
		json_t *o;
		struct journal_rec r;
		struct probe_answer a;
		char where[600];
		int frc;

		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		o = json_loadb(line.buf, line.len, 0, &je);
		if (!o) {
			pl_err_set(err, PL_E_INPUT, where, "corrupt journal line: %s", je.text);
			goto out;
		}
		if (lineno == 1) {
			if (!json_is_integer(json_object_get(o, "journal"))) {
				json_decref(o);
				pl_err_set(err, PL_E_INPUT, where, "not a plumbline journal");
				goto out;
			}
			if (header)
				*header = o;
			else
				json_decref(o);
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.vendor = json_string_value(json_object_get(o, "vendor"));
		r.suite = json_string_value(json_object_get(o, "suite"));
		r.prompt = json_string_value(json_object_get(o, "prompt"));
		r.sample = (int)json_integer_value(json_object_get(o, "sample"));
		r.attempts = (int)json_integer_value(json_object_get(o, "attempts"));
		if (!r.vendor || !r.suite || !r.prompt ||
		    journal_answer_from_json(json_object_get(o, "answer"), &a, err) < 0) {
			json_decref(o);
			pl_err_set(err, PL_E_INPUT, where, "journal record lacks a field");
			goto out;
		}
		r.answer = &a;
		frc = 0;
		if (!superseded(&last, &r, lineno, &key))
			frc = fn(ctx, &r, err);
		probe_answer_release(&a);
		json_decref(o);
		if (frc < 0)
			goto out;
	}
	if (lineno == 0) {
		pl_err_set(err, PL_E_INPUT, path, "empty journal");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && header) {
		json_decref(*header);
		*header = NULL;
	}
	sbuf_release(&line);
	sbuf_release(&key);
	hmap_release(&last);
	fclose(f);
	return rc;
}
