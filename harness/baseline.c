/* baseline.c: reading and writing stored baselines. */
#include "baseline.h"
#include "fileio.h"
#include "jsonpos.h"
#include "jsonx.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASELINE_MAX_BYTES (512u << 20)

static void safe_name(struct sbuf *sb, const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		sbuf_addch(sb, '_');
	for (; *s; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ':' ||
			 c == '@';

		sbuf_addch(sb, ok ? c : '_');
	}
}

const char *baseline_path(char *buf, size_t len, const char *dir, const char *vendor,
			  const char *model, const char *suite)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "%s/", dir);
	safe_name(&sb, vendor);
	sbuf_addch(&sb, '/');
	safe_name(&sb, model);
	sbuf_addch(&sb, '/');
	safe_name(&sb, suite);
	sbuf_addstr(&sb, ".json");
	snprintf(buf, len, "%s", sb.buf);
	sbuf_release(&sb);
	return buf;
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(const struct prompt_samples *const *)a)->prompt_id,
		      (*(const struct prompt_samples *const *)b)->prompt_id);
}

/* One element of "prompts". */
static json_t *prompt_json(const struct prompt_samples *ps)
{
	json_t *p = json_object(), *samples = json_array();
	size_t j;

	for (j = 0; j < ps->n; j++)
		json_array_append_new(samples, sample_to_json(&ps->samples[j]));
	json_object_set_new(p, "id", json_string(ps->prompt_id));
	json_object_set_new(p, "samples", samples);
	if (ps->faults)
		json_object_set_new(p, "faults", json_integer((json_int_t)ps->faults));
	if (ps->request_sha256[0])
		json_object_set_new(p, "request_sha256", json_string(ps->request_sha256));
	return p;
}

char *baseline_serialize(const struct sampleset *s, const char *recorded_at)
{
	const struct prompt_samples **order;
	json_t *root, *prompts;
	char *text;
	size_t i;

	order = xcalloc(s->n_prompts + 1, sizeof(*order));
	for (i = 0; i < s->n_prompts; i++)
		order[i] = &s->prompts[i];
	qsort(order, s->n_prompts, sizeof(*order), by_id);
	prompts = json_array();
	for (i = 0; i < s->n_prompts; i++)
		json_array_append_new(prompts, prompt_json(order[i]));
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "format", BASELINE_FORMAT, "vendor",
			 s->vendor, "model", s->model ? s->model : "", "suite", s->suite,
			 "recorded_at", recorded_at, "prompts", prompts);
	if (s->night) /* recorded for a past night: recorded_at stays the wall clock */
		json_object_set_new(root, "night", json_string(s->night));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	free(order);
	return text;
}

int baseline_write(const char *path, const struct sampleset *s, const char *recorded_at,
		   struct pl_err *err)
{
	char *text = baseline_serialize(s, recorded_at);
	struct sbuf sb;
	int rc;

	if (!text)
		return pl_err_set(err, PL_E_INTERNAL, path, "cannot encode the baseline");
	sbuf_init(&sb);
	sbuf_addstr(&sb, text);
	sbuf_addch(&sb, '\n');
	rc = fileio_write_atomic(path, sb.buf, sb.len, 0644, err);
	sbuf_release(&sb);
	free(text);
	return rc;
}

static const char *const top_keys[] = { "format",      "vendor",  "model", "suite",
					"recorded_at", "prompts", "night", NULL };

/* A prompt's "request_sha256" (v may be NULL: unknown, out ""). Returns 0, or -1 when v is
 * not 64 lower-case hex digits. */
static int request_parse(const json_t *v, char out[65])
{
	const char *h = json_string_value(v);
	size_t i;

	out[0] = '\0';
	if (!v)
		return 0;
	if (!h || strlen(h) != 64)
		return -1;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return -1;
	memcpy(out, h, 65);
	return 0;
}

/* Parses one element of "prompts" (its text val) into ps (zeroed by the caller); the id is
 * checked by the caller. Errors name ptr ("/prompts/N") within loc. */
static int prompt_parse(const struct jsonloc *loc, const char *ptr, const char *val, size_t len,
			struct prompt_samples *ps, char **id_out, struct pl_err *err)
{
	const json_t *id, *samples;
	json_t *p;
	size_t j;
	int rc = -1;

	p = json_loadb(val, len, 0, NULL);
	id = json_object_get(p, "id");
	samples = json_object_get(p, "samples");
	if (!json_is_string(id) || !json_is_array(samples)) {
		json_fail(loc, ptr, NULL, err, "expected an object with \"id\" and \"samples\"");
		goto out;
	}
	*id_out = xstrdup(json_string_value(id));
	ps->faults = (size_t)json_integer_value(json_object_get(p, "faults"));
	if (request_parse(json_object_get(p, "request_sha256"), ps->request_sha256) < 0) {
		json_fail(loc, ptr, "request_sha256", err, "expected 64 lower-case hex digits");
		goto out;
	}
	ps->samples = xcalloc(json_array_size(samples) + 1, sizeof(*ps->samples));
	for (j = 0; j < json_array_size(samples); j++) {
		struct pl_err e2 = PL_ERR_INIT;

		if (sample_from_json(json_array_get(samples, j), &ps->samples[j], &e2) < 0) {
			char sptr[128];

			snprintf(sptr, sizeof(sptr), "%s/samples/%zu", ptr, j);
			json_fail(loc, sptr, NULL, err, "%s", e2.msg);
			goto out;
		}
		ps->samples[j].index = (int)j;
		ps->n++;
	}
	rc = 0;
out:
	json_decref(p);
	return rc;
}

/* ---- reading a baseline prompt by prompt ---------------------------------------------- */

struct bl_entry {
	char *id;
	char request[65]; /* "" when the baseline does not say */
	off_t off;
	size_t len;
};

struct bl_key {
	const char *id; /* borrowed from e[pos] */
	size_t pos;
};

struct baseline_reader {
	char *path;
	int fd;
	struct bl_entry *e; /* file order */
	size_t n, cap;
	struct bl_key *by_id; /* sorted by id, for lookups */
	char *vendor, *model, *suite;
};

struct bl_index {
	struct baseline_reader *r;
	const char *text; /* the whole file (second, located pass); NULL while streaming */
	off_t off;	  /* streaming: the file offset of the value handed to a callback */
	struct jsonloc loc;
	struct pl_err *err;
	int have_prompts;
	char *str[4];
};

struct id_scan {
	char *id;
	char request[65];
	int bad_request;
};

static int id_member(void *ctx, const char *key, const char *val, size_t len)
{
	struct id_scan *s = ctx;
	json_t *v;

	if (!strcmp(key, "request_sha256")) {
		v = json_loadb(val, len, JSON_DECODE_ANY, NULL);
		s->bad_request = request_parse(v, s->request) < 0;
		json_decref(v);
		return 0;
	}
	if (strcmp(key, "id") || s->id)
		return 0;
	v = json_loadb(val, len, JSON_DECODE_ANY, NULL);
	if (json_is_string(v))
		s->id = xstrdup(json_string_value(v));
	json_decref(v);
	return 0;
}

static int ix_prompt(void *ctx, size_t index, const char *val, size_t len)
{
	struct bl_index *x = ctx;
	struct id_scan s;
	char ptr[64];

	memset(&s, 0, sizeof(s));
	snprintf(ptr, sizeof(ptr), "/prompts/%zu", index);
	if (jsonpos_members(val, len, id_member, &s) != 0 || !s.id) {
		free(s.id);
		return json_fail(&x->loc, ptr, NULL, x->err,
				 "expected an object with \"id\" and \"samples\"");
	}
	if (s.bad_request) {
		free(s.id);
		return json_fail(&x->loc, ptr, "request_sha256", x->err,
				 "expected 64 lower-case hex digits");
	}
	if (x->r->n == x->r->cap) {
		x->r->cap = x->r->cap ? 2 * x->r->cap : 64;
		x->r->e = xrealloc(x->r->e, x->r->cap * sizeof(*x->r->e));
	}
	x->r->e[x->r->n].id = s.id;
	memcpy(x->r->e[x->r->n].request, s.request, sizeof(s.request));
	x->r->e[x->r->n].off = x->text ? (off_t)(val - x->text) : x->off;
	x->r->e[x->r->n].len = len;
	x->r->n++;
	return 0;
}

static int ix_member(void *ctx, const char *key, const char *val, size_t len)
{
	static const char *const strs[] = { "format", "vendor", "model", "suite" };
	struct bl_index *x = ctx;
	const char *const *k;
	json_t *v;
	size_t i;

	for (k = top_keys; *k && strcmp(*k, key); k++)
		;
	if (!*k) {
		struct sbuf list;

		sbuf_init(&list);
		for (k = top_keys; *k; k++)
			sbuf_addf(&list, "%s%s", k == top_keys ? "" : ", ", *k);
		json_fail(&x->loc, "", key, x->err, "unknown key \"%s\" (expected one of: %s)", key,
			  list.buf);
		sbuf_release(&list);
		return -1;
	}
	if (!strcmp(key, "prompts")) {
		if (x->have_prompts)
			return json_fail(&x->loc, "", "prompts", x->err,
					 "duplicate key \"prompts\"");
		x->have_prompts = 1;
		if (jsonpos_elements(val, len, ix_prompt, x) != 0)
			return pl_err_isset(x->err) ? -1
						    : json_fail(&x->loc, "", "prompts", x->err,
								"expected an array of prompts");
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(strs); i++) {
		if (strcmp(strs[i], key))
			continue;
		v = json_loadb(val, len, JSON_DECODE_ANY, NULL);
		if (!json_is_string(v)) {
			json_decref(v);
			return json_fail(&x->loc, "", key, x->err, "expected a string");
		}
		free(x->str[i]);
		x->str[i] = xstrdup(json_string_value(v));
		json_decref(v);
	}
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct bl_key *x = a, *y = b;

	return strcmp(x->id, y->id);
}

/* ---- the index pass, streamed --------------------------------------------------------- */

/* One JSON value being copied out of the stream: its bytes so far and where it stands. */
struct capture {
	struct sbuf v;
	int depth, in_str, esc;
};

/* Feeds one byte of a value. Returns 1 when the value is complete with this byte, 2 when it
 * was complete before it (a number or literal ends at a delimiter, which is not part of it and
 * must be read again by the caller), 0 otherwise. */
static int capture_byte(struct capture *c, int ch)
{
	if (c->in_str) {
		sbuf_addch(&c->v, (char)ch);
		if (c->esc)
			c->esc = 0;
		else if (ch == '\\')
			c->esc = 1;
		else if (ch == '"')
			c->in_str = 0;
		return !c->in_str && !c->depth;
	}
	if (!c->depth && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))
		return c->v.len ? 2 : 0; /* inside a value, white space is kept: offsets count it */
	if (!c->depth && c->v.len && (ch == ',' || ch == '}' || ch == ']'))
		return 2;
	sbuf_addch(&c->v, (char)ch);
	if (ch == '"')
		c->in_str = 1;
	else if (ch == '{' || ch == '[')
		c->depth++;
	else if (ch == '}' || ch == ']')
		return --c->depth <= 0;
	return 0;
}

static void capture_reset(struct capture *c)
{
	sbuf_reset(&c->v);
	c->depth = c->in_str = c->esc = 0;
}

enum ix_state {
	IX_START,     /* before the top-level '{' */
	IX_KEY,	      /* expecting a key or '}' */
	IX_KEY_STR,   /* inside a key */
	IX_COLON,     /* after a key */
	IX_VALUE,     /* a value starts */
	IX_CAPTURE,   /* copying a member's value */
	IX_ARR_START, /* "prompts": '[' seen, an element or ']' */
	IX_ELEM,      /* copying an element of "prompts" */
	IX_ARR_NEXT,  /* after an element: ',' or ']' */
	IX_NEXT,      /* after a member: ',' or '}' */
	IX_END,	      /* after the top-level '}' */
};

/* The index pass without the file in memory: reads it in chunks and holds only the value
 * being scanned (one prompt, or a header string); each is handed to ix_member / ix_prompt as
 * the whole-text pass would. Returns 0, or -1 (err set, unlocated, or PL_E_IO) when the file
 * is not a well-formed baseline: the caller then makes the located pass. */
static int index_stream(int fd, struct bl_index *x)
{
	struct capture c;
	enum ix_state st = IX_START;
	char key[256], buf[65536];
	size_t klen = 0, index = 0;
	off_t pos = 0, start = 0;
	int rc = -1, kesc = 0;

	memset(&c, 0, sizeof(c));
	sbuf_init(&c.v);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf)), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err_errno(x->err, PL_E_IO, x->loc.file, "cannot read");
			goto out;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++, pos++) {
			int ch = (unsigned char)buf[i],
			    ws = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
			int done;

			switch (st) {
			case IX_START:
				if (ws)
					break;
				if (ch != '{')
					goto out;
				st = IX_KEY;
				break;
			case IX_KEY:
				if (ws)
					break;
				if (ch == '}') {
					st = IX_END;
					break;
				}
				if (ch != '"')
					goto out;
				klen = 0;
				kesc = 0;
				st = IX_KEY_STR;
				break;
			case IX_KEY_STR:
				if (!kesc && ch == '"') {
					key[klen] = '\0';
					st = IX_COLON;
					break;
				}
				kesc = !kesc && ch == '\\';
				if (klen + 1 >= sizeof(key))
					goto out;
				key[klen++] = (char)ch;
				break;
			case IX_COLON:
				if (ws)
					break;
				if (ch != ':')
					goto out;
				st = IX_VALUE;
				break;
			case IX_VALUE:
				if (ws)
					break;
				if (!strcmp(key, "prompts") && ch == '[') {
					if (x->have_prompts)
						goto out;
					x->have_prompts = 1;
					st = IX_ARR_START;
					break;
				}
				capture_reset(&c);
				start = pos;
				st = IX_CAPTURE;
				/* fall through: the first byte of the value */
				/* FALLTHROUGH */
			case IX_CAPTURE:
				done = capture_byte(&c, ch);
				if (!done)
					break;
				x->off = start;
				if (ix_member(x, key, c.v.buf, c.v.len) != 0)
					goto out;
				st = IX_NEXT;
				if (done == 2)
					goto next;
				break;
			case IX_ARR_START:
			case IX_ARR_NEXT:
				if (ws)
					break;
				if (ch == ']') {
					st = IX_NEXT;
					break;
				}
				if (st == IX_ARR_NEXT) {
					if (ch != ',')
						goto out;
					st = IX_ARR_START;
					break;
				}
				capture_reset(&c);
				start = pos;
				st = IX_ELEM;
				/* FALLTHROUGH */
			case IX_ELEM:
				done = capture_byte(&c, ch);
				if (!done)
					break;
				x->off = start;
				if (ix_prompt(x, index++, c.v.buf, c.v.len) != 0)
					goto out;
				st = IX_ARR_NEXT;
				if (done == 2) {
					i--;
					pos--;
				}
				break;
			case IX_NEXT:
			next:
				if (ws)
					break;
				if (ch == ',')
					st = IX_KEY;
				else if (ch == '}')
					st = IX_END;
				else
					goto out;
				break;
			case IX_END:
				if (!ws)
					goto out;
				break;
			}
		}
	}
	rc = st == IX_END ? 0 : -1;
out:
	sbuf_release(&c.v);
	if (rc < 0 && !pl_err_isset(x->err))
		pl_err_set(x->err, PL_E_INPUT, x->loc.file, "not a plumbline baseline");
	return rc;
}

void baseline_close(struct baseline_reader *r)
{
	size_t i;

	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < r->n; i++)
		free(r->e[i].id);
	free(r->e);
	free(r->by_id);
	free(r->vendor);
	free(r->model);
	free(r->suite);
	free(r->path);
	free(r);
}

/* What the index pass must have found: the header strings, the prompts, unique ids (sorts the
 * lookup table). Returns 0 or -1 with err set (located when x->loc has the text). */
static int index_checks(struct baseline_reader *r, struct bl_index *x, struct pl_err *err)
{
	size_t i;

	if (!x->str[0])
		return json_fail(&x->loc, "", NULL, err, "missing required key \"format\"");
	if (strcmp(x->str[0], BASELINE_FORMAT))
		return json_fail(&x->loc, "", "format", err, "expected \"%s\"", BASELINE_FORMAT);
	if (!x->str[1] || !x->str[2] || !x->str[3])
		return json_fail(&x->loc, "", NULL, err, "missing required key \"%s\"",
				 !x->str[1]   ? "vendor"
				 : !x->str[2] ? "model"
					      : "suite");
	if (!x->have_prompts)
		return json_fail(&x->loc, "", NULL, err, "missing required key \"prompts\"");
	free(r->by_id);
	r->by_id = xcalloc(r->n + 1, sizeof(*r->by_id));
	for (i = 0; i < r->n; i++) {
		r->by_id[i].id = r->e[i].id;
		r->by_id[i].pos = i;
	}
	qsort(r->by_id, r->n, sizeof(*r->by_id), by_key);
	for (i = 1; i < r->n; i++)
		if (!strcmp(r->by_id[i - 1].id, r->by_id[i].id)) {
			char ptr[64];
			size_t a = r->by_id[i - 1].pos, b = r->by_id[i].pos, later = a > b ? a : b;

			snprintf(ptr, sizeof(ptr), "/prompts/%zu", later);
			return json_fail(&x->loc, ptr, "id", err, "duplicate prompt id \"%s\"",
					 r->e[later].id);
		}
	return 0;
}

/* Forgets what an index pass found (before the located pass). */
static void index_reset(struct baseline_reader *r, struct bl_index *x)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->e[i].id);
	r->n = 0;
	for (i = 0; i < 4; i++) {
		free(x->str[i]);
		x->str[i] = NULL;
	}
	x->have_prompts = 0;
}

/* The whole file in memory, for errors people can locate: only when the streamed pass failed.
 * Leaves err set (or, should the file have changed in between and now be fine, the index). */
static void index_located(struct baseline_reader *r, struct bl_index *x, struct pl_err *err)
{
	char *text = NULL;
	size_t len = 0;

	index_reset(r, x);
	pl_err_init(err);
	if (fileio_read_all(r->path, BASELINE_MAX_BYTES, &text, &len, err) < 0)
		return;
	x->text = text;
	x->loc.text = text;
	x->loc.text_len = len;
	if (jsonpos_members(text, len, ix_member, x) == -1 && !pl_err_isset(err)) {
		json_t *root = json_parse_text(&x->loc, err);

		if (root)
			json_fail(&x->loc, "", NULL, err, "expected a plumbline baseline object");
		json_decref(root);
	}
	if (!pl_err_isset(err))
		index_checks(r, x, err);
	x->text = x->loc.text = NULL;
	x->loc.text_len = 0;
	free(text);
}

struct baseline_reader *baseline_open(const char *path, struct pl_err *err)
{
	struct baseline_reader *r;
	struct bl_index x;
	struct stat st;
	size_t i;

	if (!fileio_exists(path)) {
		pl_err_set(err, PL_E_INPUT, path,
			   "no baseline here (record one with 'plumbline baseline record')");
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.err = err;
	x.loc.file = r->path;
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot open");
	} else if ((size_t)st.st_size > BASELINE_MAX_BYTES) {
		pl_err_set(err, PL_E_INPUT, path, "file is larger than %zu bytes",
			   (size_t)BASELINE_MAX_BYTES);
	} else if (index_stream(r->fd, &x) < 0 || index_checks(r, &x, err) < 0) {
		if (err->code != PL_E_IO)
			index_located(r, &x, err);
	}
	r->vendor = x.str[1];
	r->model = x.str[2];
	r->suite = x.str[3];
	x.str[1] = x.str[2] = x.str[3] = NULL;
	for (i = 0; i < 4; i++)
		free(x.str[i]);
	if (pl_err_isset(err)) {
		baseline_close(r);
		return NULL;
	}
	return r;
}

size_t baseline_count(const struct baseline_reader *r)
{
	return r->n;
}

const char *baseline_prompt_id(const struct baseline_reader *r, size_t i)
{
	return i < r->n ? r->e[i].id : NULL;
}

const char *baseline_prompt_request(const struct baseline_reader *r, size_t i)
{
	return i < r->n && r->e[i].request[0] ? r->e[i].request : NULL;
}

size_t baseline_find(const struct baseline_reader *r, const char *id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->by_id[mid].id, id);

		if (!c)
			return r->by_id[mid].pos;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return BASELINE_NONE;
}

int baseline_read_prompt(struct baseline_reader *r, size_t i, struct prompt_samples *ps,
			 struct pl_err *err)
{
	struct jsonloc loc;
	char *buf, *text = NULL, *id = NULL, ptr[64];
	size_t len = 0;
	ssize_t got;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if (i >= r->n)
		return pl_err_set(err, PL_E_INTERNAL, r->path, "no prompt %zu in the baseline", i);
	buf = xmalloc(r->e[i].len + 1);
	got = pread(r->fd, buf, r->e[i].len, r->e[i].off);
	if (got != (ssize_t)r->e[i].len) {
		free(buf);
		return pl_err_errno(err, PL_E_IO, r->path, "cannot read (changed while in use?)");
	}
	snprintf(ptr, sizeof(ptr), "/prompts/%zu", i);
	memset(&loc, 0, sizeof(loc));
	loc.file = r->path;
	rc = prompt_parse(&loc, ptr, buf, r->e[i].len, ps, &id, err);
	free(buf);
	if (rc == 0 && strcmp(id, r->e[i].id))
		rc = pl_err_set(err, PL_E_IO, r->path, "changed while in use");
	if (rc < 0 && err->code != PL_E_IO &&
	    fileio_read_all(r->path, BASELINE_MAX_BYTES, &text, &len, NULL) == 0) {
		/* Located errors need the whole text: only on this path. */
		struct pl_err e2 = PL_ERR_INIT;

		loc.text = text;
		loc.text_len = len;
		prompt_samples_release(ps);
		free(id);
		id = NULL;
		if (prompt_parse(&loc, ptr, text + r->e[i].off, r->e[i].len, ps, &id, &e2) < 0)
			*err = e2;
	}
	free(text);
	if (rc < 0) {
		free(id);
		prompt_samples_release(ps);
		return -1;
	}
	ps->prompt_id = id;
	return 0;
}

struct sampleset *baseline_load(const char *path, struct pl_err *err)
{
	struct baseline_reader *r = baseline_open(path, err);
	struct sampleset *s;
	size_t i;

	if (!r)
		return NULL;
	s = sampleset_new(r->vendor, r->model, r->suite);
	for (i = 0; i < r->n; i++) {
		struct prompt_samples one, *ps;

		if (baseline_read_prompt(r, i, &one, err) < 0) {
			sampleset_free(s);
			s = NULL;
			break;
		}
		ps = sampleset_prompt(s, one.prompt_id);
		ps->samples = one.samples;
		ps->n = one.n;
		ps->faults = one.faults;
		memcpy(ps->request_sha256, one.request_sha256, sizeof(ps->request_sha256));
		one.samples = NULL;
		one.n = 0;
		prompt_samples_release(&one);
	}
	baseline_close(r);
	return s;
}

/* ---- replacing some prompts of a baseline --------------------------------------------- */

struct splice {
	struct sbuf out;
	const char *sep; /* between two elements */
	size_t sep_len;
	const char *indent; /* the white space an element's lines start with */
	size_t indent_len;
	int first;
};

static void splice_raw(struct splice *sp, const char *text, size_t len)
{
	if (!sp->first)
		sbuf_add(&sp->out, sp->sep, sp->sep_len);
	sp->first = 0;
	sbuf_add(&sp->out, text, len);
}

/* A new element, laid out as baseline_serialize lays out its elements. */
static void splice_new(struct splice *sp, const struct prompt_samples *ps, const char *recorded_at)
{
	json_t *p = prompt_json(ps);
	char *text, *c;

	json_object_set_new(p, "recorded_at", json_string(recorded_at));
	text = json_dumps(p, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(p);
	if (!text)
		abort(); /* out of memory, as everywhere */
	if (!sp->first)
		sbuf_add(&sp->out, sp->sep, sp->sep_len);
	sp->first = 0;
	for (c = text; *c; c++) {
		sbuf_addch(&sp->out, *c);
		if (*c == '\n')
			sbuf_add(&sp->out, sp->indent, sp->indent_len);
	}
	free(text);
}

static int cmp_ps_id(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct prompt_samples *const *)elem)->prompt_id);
}

int baseline_update(const char *path, const struct sampleset *s, const char *recorded_at,
		    struct pl_err *err)
{
	struct baseline_reader *r;
	const struct prompt_samples **add = NULL, **hit;
	unsigned char *placed = NULL;
	struct splice sp;
	char *text = NULL;
	size_t len = 0, i, k, end, ind;
	json_t *check = NULL;
	struct sbuf sep;
	int rc = -1;

	memset(&sp, 0, sizeof(sp));
	sbuf_init(&sp.out);
	sbuf_init(&sep);
	sp.first = 1;
	r = baseline_open(path, err);
	if (!r)
		goto out;
	if (!r->n) {
		pl_err_set(
			err, PL_E_INPUT, path,
			"the baseline has no prompts: record the whole suite (without --prompt)");
		goto out;
	}
	if (fileio_read_all(path, BASELINE_MAX_BYTES, &text, &len, err) < 0)
		goto out;
	for (i = 0; i < r->n; i++)
		if ((size_t)r->e[i].off + r->e[i].len > len) {
			pl_err_set(err, PL_E_IO, path, "changed while in use");
			goto out;
		}
	add = xcalloc(s->n_prompts + 1, sizeof(*add));
	placed = xcalloc(s->n_prompts + 1, 1);
	for (i = 0; i < s->n_prompts; i++)
		add[i] = &s->prompts[i];
	qsort(add, s->n_prompts, sizeof(*add), by_id);
	ind = (size_t)r->e[0].off;
	while (ind > 0 && (text[ind - 1] == ' ' || text[ind - 1] == '\t'))
		ind--;
	sp.indent = text + ind;
	sp.indent_len = (size_t)r->e[0].off - ind;
	end = (size_t)r->e[0].off + r->e[0].len;
	if (r->n > 1) {
		sp.sep = text + end;
		sp.sep_len = (size_t)r->e[1].off - end;
	} else { /* one element: the layout baseline_serialize gives */
		sbuf_addstr(&sep, ",\n");
		sbuf_add(&sep, sp.indent, sp.indent_len);
		sp.sep = sep.buf;
		sp.sep_len = sep.len;
	}
	sbuf_add(&sp.out, text, (size_t)r->e[0].off);
	for (i = 0; i < r->n; i++) {
		/* new prompts go where their id sorts (the file is sorted by id) */
		for (k = 0; k < s->n_prompts && strcmp(add[k]->prompt_id, r->e[i].id) < 0; k++)
			if (!placed[k] && baseline_find(r, add[k]->prompt_id) == BASELINE_NONE) {
				splice_new(&sp, add[k], recorded_at);
				placed[k] = 1;
			}
		hit = bsearch(r->e[i].id, add, s->n_prompts, sizeof(*add), cmp_ps_id);
		if (hit) {
			splice_new(&sp, *hit, recorded_at);
			placed[hit - add] = 1;
		} else {
			splice_raw(&sp, text + r->e[i].off, r->e[i].len);
		}
	}
	for (k = 0; k < s->n_prompts; k++)
		if (!placed[k])
			splice_new(&sp, add[k], recorded_at);
	end = (size_t)r->e[r->n - 1].off + r->e[r->n - 1].len;
	sbuf_add(&sp.out, text + end, len - end);
	/* never write what would not load */
	check = json_loadb(sp.out.buf, sp.out.len, 0, NULL);
	if (!check) {
		pl_err_set(err, PL_E_INTERNAL, path, "cannot splice the new prompts in");
		goto out;
	}
	rc = fileio_write_atomic(path, sp.out.buf, sp.out.len, 0644, err);
out:
	json_decref(check);
	sbuf_release(&sp.out);
	sbuf_release(&sep);
	free(add);
	free(placed);
	free(text);
	baseline_close(r);
	return rc;
}
