/* jsonschema.c: JSON Schema (Draft 2020-12, draft-07) compiled to a tree of nodes and evaluated
 * over jansson values; references resolved at compile time, annotations for unevaluated*. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "jsonschema.h"
#include "hash.h"
#include "jsonpos.h"
#include "jsonx.h"
#include "sbuf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_BASE   "https://plumbline.invalid/schema.json"
#define MAX_DEPTH      200 /* evaluation depth: stops reference loops such as {"$ref": "#"} */
#define RE_MATCH_LIMIT 1000000u
#define RE_DEPTH_LIMIT 10000u

/* Dialects. D2020_NOVAL: 2020-12 under a custom meta-schema whose "$vocabulary" leaves out the
 * validation vocabulary (then type, enum, minimum, required... are not assertions). */
enum { D2020 = 1, D7 = 2, D2020_NOVAL = 3 };

#define META_2020   "https://json-schema.org/draft/2020-12/schema"
#define VOCAB_VALID "https://json-schema.org/draft/2020-12/vocab/validation"

enum {
	T_NULL = 1 << 0,
	T_BOOLEAN = 1 << 1,
	T_OBJECT = 1 << 2,
	T_ARRAY = 1 << 3,
	T_NUMBER = 1 << 4,
	T_STRING = 1 << 5,
	T_INTEGER = 1 << 6,
};

static const char *const type_names[] = { "null",   "boolean", "object", "array",
					  "number", "string",  "integer" };

struct node;

struct pattern {
	pcre2_code *re;
	char *src;
};

struct pprop {
	struct pattern pat;
	struct node *n;
};

struct dynanchor {
	char *name;
	const json_t *schema;
	struct node *node;
};

/* A schema resource: a document root or a subschema with its own "$id". */
struct res {
	char *uri; /* absolute, without fragment */
	const json_t *root;
	int draft;
	struct dynanchor *dyn;
	size_t n_dyn;
};

/* What the scan learnt about one subschema (keyed by its json_t address). */
struct slot {
	const json_t *schema;
	char *base; /* base URI in effect */
	size_t res; /* index into js->res */
	int draft;
	char *ptr; /* where it is, for error messages */
	struct node *node;
};

struct node {
	int boolean; /* 1 for true/false schemas: then only `value` counts */
	int value;
	int draft;
	size_t res;
	const char *ptr;

	unsigned types;
	const json_t *enum_, *const_;
	struct node *ref, *dynref;
	char *dynref_name; /* set when $dynamicRef's target is a $dynamicAnchor */

	struct node **all_of, **any_of, **one_of;
	size_t n_all_of, n_any_of, n_one_of;
	struct node *not_, *if_, *then_, *else_;

	/* objects */
	json_t *prop_index; /* key -> integer index into props */
	struct node **props;
	size_t n_props;
	struct pprop *pprops;
	size_t n_pprops;
	struct node *addl_props, *prop_names, *uneval_props;
	const json_t *required;	    /* array of strings */
	const json_t *dep_required; /* object: key -> array of strings */
	json_t *dep_schema_index;   /* key -> integer index into dep_schemas */
	struct node **dep_schemas;
	size_t n_dep_schemas;
	long long min_props, max_props; /* -1 absent */

	/* arrays */
	struct node **prefix;
	size_t n_prefix;
	struct node *items; /* for items after the prefix */
	struct node *contains, *uneval_items;
	long long min_contains, max_contains, min_items, max_items;
	int unique;

	/* strings */
	long long min_len, max_len;
	struct pattern pattern;
	char *format;

	/* numbers */
	const json_t *minimum, *maximum, *ex_minimum, *ex_maximum, *multiple_of;

	struct node *next_alloc; /* all nodes, for freeing */
	int mark;		 /* in_place_cycle: 0 new, 1 on the path, 2 done */
};

struct jsonschema {
	const struct jsonschema_opts *opts; /* only during compile */
	struct jsonschema_opts o;
	json_t *docs; /* array: the root schema and loaded documents (owned) */
	json_t *uris; /* absolute URI (with fragment for anchors) -> slot index */
	struct slot **slots;
	size_t n_slots, cap_slots;
	struct hmap64 map; /* a schema's address (json_t *) -> its index in slots */
	struct res *res;
	size_t n_res, cap_res;
	struct node *nodes;
	struct node *root;
	pcre2_match_context *mctx;
	int format_assert;
};

/* ---- small helpers ---- */

static int fail(struct pl_err *err, const char *ptr, const char *kw, const char *fmt, ...)
	PL_PRINTF(4, 5);

static int fail(struct pl_err *err, const char *ptr, const char *kw, const char *fmt, ...)
{
	char where[512], msg[512];
	va_list ap;

	snprintf(where, sizeof(where), "%s%s%s", ptr ? ptr : "", kw ? "/" : "", kw ? kw : "");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_err_set(err, PL_E_INPUT, where, "%s", msg);
}

static struct slot *slot_find(const struct jsonschema *js, const json_t *s)
{
	size_t i;

	return hmap64_get(&js->map, (uintptr_t)s, &i) ? js->slots[i] : NULL;
}

static struct slot *slot_add(struct jsonschema *js, const json_t *s, const char *base, size_t res,
			     int draft, const char *ptr)
{
	struct slot *sl = slot_find(js, s);

	if (sl)
		return sl;
	sl = xcalloc(1, sizeof(*sl));
	sl->schema = s;
	sl->base = xstrdup(base);
	sl->res = res;
	sl->draft = draft;
	sl->ptr = xstrdup(ptr);
	hmap64_put(&js->map, (uintptr_t)s, js->n_slots);
	if (js->n_slots == js->cap_slots) {
		js->cap_slots = js->cap_slots ? js->cap_slots * 2 : 64;
		js->slots = xrealloc(js->slots, js->cap_slots * sizeof(*js->slots));
	}
	js->slots[js->n_slots++] = sl;
	return sl;
}

static size_t res_add(struct jsonschema *js, const char *uri, const json_t *root, int draft)
{
	struct res *r;

	if (js->n_res == js->cap_res) {
		js->cap_res = js->cap_res ? js->cap_res * 2 : 8;
		js->res = xrealloc(js->res, js->cap_res * sizeof(*js->res));
	}
	r = &js->res[js->n_res];
	memset(r, 0, sizeof(*r));
	r->uri = xstrdup(uri);
	r->root = root;
	r->draft = draft;
	return js->n_res++;
}

/* sbuf_detach leaves a fresh buffer behind: release it too. */
static char *detach(struct sbuf *sb)
{
	char *s = sbuf_detach(sb, NULL);

	sbuf_release(sb);
	return s;
}

/* ---- URIs (RFC 3986 reference resolution) ---- */

struct uri {
	char *scheme, *auth, *path, *query, *frag; /* NULL when absent */
};

static void uri_release(struct uri *u)
{
	free(u->scheme);
	free(u->auth);
	free(u->path);
	free(u->query);
	free(u->frag);
}

static void uri_parse(const char *s, struct uri *u)
{
	const char *p = s, *e;

	memset(u, 0, sizeof(*u));
	e = p;
	while (*e && (isalnum((unsigned char)*e) || *e == '+' || *e == '-' || *e == '.'))
		e++;
	if (*e == ':' && e > p && isalpha((unsigned char)*p)) {
		u->scheme = xstrndup(p, (size_t)(e - p));
		p = e + 1;
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		e = p + strcspn(p, "/?#");
		u->auth = xstrndup(p, (size_t)(e - p));
		p = e;
	}
	e = p + strcspn(p, "?#");
	u->path = xstrndup(p, (size_t)(e - p));
	p = e;
	if (*p == '?') {
		e = p + 1 + strcspn(p + 1, "#");
		u->query = xstrndup(p + 1, (size_t)(e - p - 1));
		p = e;
	}
	if (*p == '#')
		u->frag = xstrdup(p + 1);
}

static char *remove_dots(const char *in)
{
	struct sbuf out;
	const char *p = in;

	sbuf_init(&out);
	while (*p) {
		if (!strncmp(p, "../", 3)) {
			p += 3;
		} else if (!strncmp(p, "./", 2)) {
			p += 2;
		} else if (!strncmp(p, "/./", 3)) {
			p += 2;
		} else if (!strcmp(p, "/.")) {
			p += 1;
			sbuf_addch(&out, '/');
			break;
		} else if (!strncmp(p, "/../", 4) || !strcmp(p, "/..")) {
			char *slash;

			p += 3;
			out.buf[out.len] = '\0';
			slash = strrchr(out.buf, '/');
			out.len = slash ? (size_t)(slash - out.buf) : 0;
			out.buf[out.len] = '\0';
			if (!*p) {
				sbuf_addch(&out, '/');
				break;
			}
		} else if (!strcmp(p, ".") || !strcmp(p, "..")) {
			break;
		} else {
			size_t n = strcspn(p + 1, "/") + 1;

			sbuf_add(&out, p, n);
			p += n;
		}
	}
	return detach(&out);
}

/* Resolves ref against base; returns a new string. */
static char *uri_resolve(const char *base, const char *ref)
{
	struct uri b, r, t = { 0 };
	struct sbuf out;

	uri_parse(base, &b);
	uri_parse(ref, &r);
	if (r.scheme) {
		t.scheme = xstrdup(r.scheme);
		t.auth = r.auth ? xstrdup(r.auth) : NULL;
		t.path = remove_dots(r.path);
		t.query = r.query ? xstrdup(r.query) : NULL;
	} else {
		if (r.auth) {
			t.auth = xstrdup(r.auth);
			t.path = remove_dots(r.path);
			t.query = r.query ? xstrdup(r.query) : NULL;
		} else {
			if (!*r.path) {
				t.path = xstrdup(b.path);
				t.query = r.query   ? xstrdup(r.query)
					  : b.query ? xstrdup(b.query)
						    : NULL;
			} else {
				if (r.path[0] == '/') {
					t.path = remove_dots(r.path);
				} else {
					struct sbuf m;
					const char *slash = strrchr(b.path, '/');

					sbuf_init(&m);
					if (b.auth && !*b.path)
						sbuf_addch(&m, '/');
					else if (slash)
						sbuf_add(&m, b.path, (size_t)(slash - b.path) + 1);
					sbuf_addstr(&m, r.path);
					t.path = remove_dots(m.buf);
					sbuf_release(&m);
				}
				t.query = r.query ? xstrdup(r.query) : NULL;
			}
			t.auth = b.auth ? xstrdup(b.auth) : NULL;
		}
		t.scheme = b.scheme ? xstrdup(b.scheme) : NULL;
	}
	t.frag = r.frag ? xstrdup(r.frag) : NULL;
	sbuf_init(&out);
	if (t.scheme)
		sbuf_addf(&out, "%s:", t.scheme);
	if (t.auth)
		sbuf_addf(&out, "//%s", t.auth);
	sbuf_addstr(&out, t.path);
	if (t.query)
		sbuf_addf(&out, "?%s", t.query);
	if (t.frag)
		sbuf_addf(&out, "#%s", t.frag);
	uri_release(&b);
	uri_release(&r);
	uri_release(&t);
	return detach(&out);
}

/* Splits uri at '#': returns the document part (new string) and points *frag into uri. */
static char *uri_split(const char *uri, const char **frag)
{
	const char *h = strchr(uri, '#');

	*frag = h ? h + 1 : "";
	return h ? xstrndup(uri, (size_t)(h - uri)) : xstrdup(uri);
}

/* ---- scanning: find resources, anchors and the base URI of every subschema ---- */

static int draft_of(const json_t *s, int inherited)
{
	const json_t *v = json_is_object(s) ? json_object_get(s, "$schema") : NULL;
	const char *str;

	if (!json_is_string(v))
		return inherited;
	str = json_string_value(v);
	if (strstr(str, "draft-07") || strstr(str, "draft-06") || strstr(str, "draft-04"))
		return D7;
	if (strstr(str, "2020-12") || strstr(str, "2019-09"))
		return D2020;
	return inherited;
}

static void uri_register(struct jsonschema *js, const char *uri, size_t slot_index)
{
	if (!json_object_get(js->uris, uri))
		json_object_set_new(js->uris, uri, json_integer((json_int_t)slot_index));
}

static const char *const kw_single[] = { "additionalProperties",
					 "additionalItems",
					 "contains",
					 "propertyNames",
					 "not",
					 "if",
					 "then",
					 "else",
					 "unevaluatedItems",
					 "unevaluatedProperties",
					 "contentSchema",
					 "items",
					 NULL };
static const char *const kw_array[] = { "allOf", "anyOf", "oneOf", "prefixItems", "items", NULL };
static const char *const kw_map[] = { "properties",  "patternProperties", "$defs",
				      "definitions", "dependentSchemas",  "dependencies",
				      NULL };

static int add_document(struct jsonschema *js, json_t *doc, const char *uri, int draft,
			const char *ptr, struct pl_err *err);

/* A "$schema" naming a custom meta-schema: when its "$vocabulary" lacks the validation
 * vocabulary, the schema's dialect becomes D2020_NOVAL. The meta-schema is found among known
 * documents or through the loader; one that cannot be found leaves the dialect as it was. */
static int custom_dialect(struct jsonschema *js, const json_t *s, int *draft, const char *ptr,
			  struct pl_err *err)
{
	const json_t *v = json_is_object(s) ? json_object_get(s, "$schema") : NULL, *idx, *vocab;
	const char *frag;
	char *doc;
	int rc = 0;

	if (!json_is_string(v))
		return 0;
	doc = uri_split(json_string_value(v), &frag);
	if (strstr(doc, "json-schema.org/")) { /* the standard meta-schemas: every vocabulary */
		free(doc);
		return 0;
	}
	idx = json_object_get(js->uris, doc);
	if (!idx && js->o.load) {
		struct pl_err lerr = PL_ERR_INIT;
		json_t *meta = js->o.load(js->o.load_ctx, doc, &lerr);

		if (meta) {
			rc = add_document(js, meta, doc, D2020, ptr, err);
			json_decref(meta);
			idx = rc < 0 ? NULL : json_object_get(js->uris, doc);
		}
	}
	if (idx) {
		vocab = json_object_get(js->slots[json_integer_value(idx)]->schema, "$vocabulary");
		if (json_is_object(vocab) && !json_object_get(vocab, VOCAB_VALID))
			*draft = D2020_NOVAL;
	}
	free(doc);
	return rc;
}

/* Calls fn on every subschema of s where a draft reads one (kw_single, kw_array, kw_map),
 * with its JSON Pointer below ptr; stops at the first fn < 0 and returns it, else 0. */
typedef int (*subschema_fn)(void *ctx, const json_t *sub, const char *ptr);

static int each_subschema(const json_t *s, const char *ptr, subschema_fn fn, void *ctx)
{
	const json_t *sub, *v;
	const char *key;
	char child[1024];
	size_t i, j;

	for (i = 0; kw_single[i]; i++) {
		sub = json_object_get(s, kw_single[i]);
		if (!sub || json_is_array(sub))
			continue;
		snprintf(child, sizeof(child), "%s", ptr);
		jsonpos_push_key(child, sizeof(child), kw_single[i]);
		if (fn(ctx, sub, child) < 0)
			return -1;
	}
	for (i = 0; kw_array[i]; i++) {
		sub = json_object_get(s, kw_array[i]);
		if (!json_is_array(sub))
			continue;
		json_array_foreach(sub, j, v)
		{
			snprintf(child, sizeof(child), "%s", ptr);
			jsonpos_push_key(child, sizeof(child), kw_array[i]);
			jsonpos_push_index(child, sizeof(child), j);
			if (fn(ctx, v, child) < 0)
				return -1;
		}
	}
	for (i = 0; kw_map[i]; i++) {
		sub = json_object_get(s, kw_map[i]);
		if (!json_is_object(sub))
			continue;
		json_object_foreach((json_t *)sub, key, v)
		{
			snprintf(child, sizeof(child), "%s", ptr);
			jsonpos_push_key(child, sizeof(child), kw_map[i]);
			jsonpos_push_key(child, sizeof(child), key);
			if (fn(ctx, v, child) < 0)
				return -1;
		}
	}
	return 0;
}

struct scan_ctx {
	struct jsonschema *js;
	const char *base;
	size_t res;
	int draft;
	struct pl_err *err;
};

static int scan(struct jsonschema *js, const json_t *s, const char *base, size_t res, int draft,
		const char *ptr, struct pl_err *err);

static int scan_sub(void *ctx, const json_t *sub, const char *ptr)
{
	struct scan_ctx *c = ctx;

	return scan(c->js, sub, c->base, c->res, c->draft, ptr, c->err);
}

static int scan(struct jsonschema *js, const json_t *s, const char *base, size_t res, int draft,
		const char *ptr, struct pl_err *err)
{
	char *newbase = NULL;
	const json_t *id, *anchor;
	struct slot *sl;
	size_t k;
	int rc = -1;

	if (!json_is_object(s) && !json_is_boolean(s))
		return 0;
	if (slot_find(js, s))
		return 0;
	draft = draft_of(s, draft);
	if (draft != D7 && custom_dialect(js, s, &draft, ptr, err) < 0)
		return -1;
	if (json_is_boolean(s)) {
		slot_add(js, s, base, res, draft, ptr);
		return 0;
	}
	id = json_object_get(s, "$id");
	/* draft-07: a "$ref" makes every sibling, "$id" included, be ignored. */
	if (draft == D7 && json_object_get(s, "$ref"))
		id = NULL;
	if (id && !json_is_string(id))
		return fail(err, ptr, "$id", "expected a string");
	if (id) {
		const char *frag;
		char *doc;
		int has_frag;

		newbase = uri_resolve(base, json_string_value(id));
		doc = uri_split(newbase, &frag);
		has_frag = *frag != '\0'; /* frag points into newbase, replaced below */
		if (has_frag && draft != D7) {
			free(doc);
			rc = fail(err, ptr, "$id", "\"%s\" must not have a fragment",
				  json_string_value(id));
			goto out;
		}
		if (*doc && strcmp(doc, base) && json_string_value(id)[0] != '#') {
			res = res_add(js, doc, s, draft);
			free(newbase);
			newbase = xstrdup(doc);
		} else {
			free(newbase);
			newbase = xstrdup(base);
		}
		sl = slot_add(js, s, newbase, res, draft, ptr);
		if (json_string_value(id)[0] != '#') /* "#name" ids are anchors only */
			uri_register(js, doc, js->n_slots - 1);
		if (has_frag) { /* draft-07 "$id": "#name" or "uri#name" */
			char *full = uri_resolve(newbase, json_string_value(id));

			uri_register(js, full, js->n_slots - 1);
			free(full);
		}
		free(doc);
	} else {
		newbase = xstrdup(base);
		sl = slot_add(js, s, newbase, res, draft, ptr);
	}
	(void)sl;
	k = js->n_slots - 1;
	if (draft != D7) {
		anchor = json_object_get(s, "$anchor");
		if (anchor && json_is_string(anchor)) {
			struct sbuf full;

			sbuf_init(&full);
			sbuf_addf(&full, "%s#%s", newbase, json_string_value(anchor));
			uri_register(js, full.buf, k);
			sbuf_release(&full);
		}
		anchor = json_object_get(s, "$dynamicAnchor");
		if (anchor && json_is_string(anchor)) {
			struct res *r = &js->res[res];
			struct sbuf full;

			sbuf_init(&full);
			sbuf_addf(&full, "%s#%s", newbase, json_string_value(anchor));
			uri_register(js, full.buf, k);
			sbuf_release(&full);
			r->dyn = xrealloc(r->dyn, (r->n_dyn + 1) * sizeof(*r->dyn));
			r->dyn[r->n_dyn].name = xstrdup(json_string_value(anchor));
			r->dyn[r->n_dyn].schema = s;
			r->dyn[r->n_dyn].node = NULL;
			r->n_dyn++;
		}
	}
	{
		struct scan_ctx c = { js, newbase, res, draft, err };

		if (each_subschema(s, ptr, scan_sub, &c) < 0)
			goto out;
	}
	rc = 0;
out:
	free(newbase);
	return rc;
}

/* Adds a document (root schema or loaded remote) under uri and scans it. */
static int add_document(struct jsonschema *js, json_t *doc, const char *uri, int draft,
			const char *ptr, struct pl_err *err)
{
	size_t r, before = js->n_slots;

	json_array_append(js->docs, doc);
	draft = draft_of(doc, draft);
	r = res_add(js, uri, doc, draft);
	if (scan(js, doc, uri, r, draft, ptr, err) < 0)
		return -1;
	if (js->n_slots > before)
		uri_register(js, uri, before);
	return 0;
}

/* ---- compiling ---- */

static struct node *compile_at(struct jsonschema *js, const json_t *s, const char *ptr,
			       const char *kw, const char *key, long idx, struct pl_err *err);
#define compile_schema(js, s, err) compile_at(js, s, "", NULL, NULL, -1, err)

static char *pct_decode(const char *s)
{
	struct sbuf out;

	sbuf_init(&out);
	while (*s) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };

			sbuf_addch(&out, (char)strtol(hex, NULL, 16));
			s += 3;
		} else {
			sbuf_addch(&out, *s++);
		}
	}
	return detach(&out);
}

/* Follows a JSON Pointer (already percent-decoded) from root; NULL when it does not exist. */
static const json_t *follow_pointer(const json_t *root, const char *ptr)
{
	const json_t *cur = root;
	struct sbuf tok;

	sbuf_init(&tok);
	while (cur && *ptr == '/') {
		const char *e = strchr(ptr + 1, '/');
		size_t n = e ? (size_t)(e - ptr - 1) : strlen(ptr + 1), i;

		sbuf_reset(&tok);
		for (i = 0; i < n; i++) {
			char c = ptr[1 + i];

			if (c == '~' && i + 1 < n && (ptr[2 + i] == '0' || ptr[2 + i] == '1')) {
				sbuf_addch(&tok, ptr[2 + i] == '0' ? '~' : '/');
				i++;
			} else {
				sbuf_addch(&tok, c);
			}
		}
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok.buf);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long idx = strtoul(tok.buf, &end, 10);

			cur = (*tok.buf && !*end) ? json_array_get(cur, idx) : NULL;
		} else {
			cur = NULL;
		}
		ptr += n + 1;
	}
	sbuf_release(&tok);
	return *ptr ? NULL : cur;
}

/* Finds the schema a reference names; loads its document if needed. On success *is_dynamic
 * says whether the target is a "$dynamicAnchor" (for $dynamicRef). */
static struct node *resolve_ref(struct jsonschema *js, const struct slot *from, const char *kw,
				const char *ref, int *is_dynamic, struct pl_err *err)
{
	char *full = uri_resolve(from->base, ref), *doc = NULL, *frag_dec = NULL;
	const char *frag;
	const json_t *idx, *target = NULL;
	struct slot *tsl = NULL, *rsl;
	struct node *n = NULL;

	*is_dynamic = 0;
	doc = uri_split(full, &frag);
	idx = json_object_get(js->uris, doc);
	if (!idx && js->o.load) {
		struct pl_err lerr = PL_ERR_INIT;
		json_t *loaded = js->o.load(js->o.load_ctx, doc, &lerr);

		if (!loaded) {
			fail(err, from->ptr, kw, "cannot load \"%s\": %s", doc, lerr.msg);
			goto out;
		}
		if (add_document(js, loaded, doc, from->draft, doc, err) < 0) {
			json_decref(loaded);
			goto out;
		}
		json_decref(loaded);
		idx = json_object_get(js->uris, doc);
	}
	if (!idx) {
		fail(err, from->ptr, kw, "unresolved reference \"%s\"", ref);
		goto out;
	}
	rsl = js->slots[json_integer_value(idx)];
	if (!*frag) {
		tsl = rsl;
	} else if (*frag == '/') {
		frag_dec = pct_decode(frag);
		target = follow_pointer(rsl->schema, frag_dec);
		if (!target || (!json_is_object(target) && !json_is_boolean(target))) {
			fail(err, from->ptr, kw, "reference \"%s\" points to no schema", ref);
			goto out;
		}
		tsl = slot_find(js, target);
		if (!tsl) { /* a schema where no keyword puts one: scan it in place */
			char p[1024];

			snprintf(p, sizeof(p), "%s#%s", rsl->base, frag_dec);
			if (scan(js, target, rsl->base, rsl->res, rsl->draft, p, err) < 0)
				goto out;
			tsl = slot_find(js, target);
		}
	} else {
		idx = json_object_get(js->uris, full);
		if (!idx) {
			fail(err, from->ptr, kw, "unresolved reference \"%s\"", ref);
			goto out;
		}
		tsl = js->slots[json_integer_value(idx)];
		if (json_is_object(tsl->schema)) {
			const json_t *da = json_object_get(tsl->schema, "$dynamicAnchor");

			*is_dynamic = json_is_string(da) && !strcmp(json_string_value(da), frag);
		}
	}
	n = compile_schema(js, tsl->schema, err);
out:
	free(full);
	free(doc);
	free(frag_dec);
	return n;
}

static int get_count(const json_t *s, const char *kw, const char *ptr, long long *out,
		     struct pl_err *err)
{
	const json_t *v = json_object_get(s, kw);
	double d;

	*out = -1;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return 0;
	}
	d = json_is_real(v) ? json_real_value(v) : -1;
	if (d >= 0 && d == floor(d) && d < 9e18) {
		*out = (long long)d;
		return 0;
	}
	return fail(err, ptr, kw, "expected a non-negative integer");
}

static int get_number(const json_t *s, const char *kw, const char *ptr, const json_t **out,
		      struct pl_err *err)
{
	const json_t *v = json_object_get(s, kw);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_number(v))
		return fail(err, ptr, kw, "expected a number");
	*out = v;
	return 0;
}

static int type_bit(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if (!strcmp(name, type_names[i]))
			return 1 << i;
	return 0;
}

/* Rewrites an ECMA-262 pattern for PCRE2: \s and \S become ECMA's white space set. */
#define ECMA_WS                                                                               \
	"\\t\\n\\u000B\\f\\r\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F" \
	"\\u3000\\uFEFF"

/* ECMA's long General_Category names and "gc=" / "sc=" forms, which PCRE2 10.42 lacks. */
static const char *const gc_names[][2] = {
	{ "Letter", "L" },
	{ "Cased_Letter", "L&" },
	{ "Uppercase_Letter", "Lu" },
	{ "Lowercase_Letter", "Ll" },
	{ "Titlecase_Letter", "Lt" },
	{ "Modifier_Letter", "Lm" },
	{ "Other_Letter", "Lo" },
	{ "Mark", "M" },
	{ "Nonspacing_Mark", "Mn" },
	{ "Spacing_Mark", "Mc" },
	{ "Enclosing_Mark", "Me" },
	{ "Number", "N" },
	{ "Decimal_Number", "Nd" },
	{ "digit", "Nd" },
	{ "Letter_Number", "Nl" },
	{ "Other_Number", "No" },
	{ "Punctuation", "P" },
	{ "punct", "P" },
	{ "Connector_Punctuation", "Pc" },
	{ "Dash_Punctuation", "Pd" },
	{ "Open_Punctuation", "Ps" },
	{ "Close_Punctuation", "Pe" },
	{ "Initial_Punctuation", "Pi" },
	{ "Final_Punctuation", "Pf" },
	{ "Other_Punctuation", "Po" },
	{ "Symbol", "S" },
	{ "Math_Symbol", "Sm" },
	{ "Currency_Symbol", "Sc" },
	{ "Modifier_Symbol", "Sk" },
	{ "Other_Symbol", "So" },
	{ "Separator", "Z" },
	{ "Space_Separator", "Zs" },
	{ "Line_Separator", "Zl" },
	{ "Paragraph_Separator", "Zp" },
	{ "Other", "C" },
	{ "Control", "Cc" },
	{ "cntrl", "Cc" },
	{ "Format", "Cf" },
	{ "Unassigned", "Cn" },
	{ "Private_Use", "Co" },
	{ "Surrogate", "Cs" },
};

/* Writes \p{NAME} for the ECMA property name[0..n) and returns the position after '}'. */
static const char *property(struct sbuf *out, char p, const char *name, size_t n, const char *close)
{
	size_t i;

	if (n > 3 && (!strncmp(name, "gc=", 3) || !strncmp(name, "sc=", 3))) {
		name += 3;
		n -= 3;
	} else if (n > 17 && !strncmp(name, "General_Category=", 17)) {
		name += 17;
		n -= 17;
	} else if (n > 7 && !strncmp(name, "Script=", 7)) {
		name += 7;
		n -= 7;
	}
	for (i = 0; i < ARRAY_SIZE(gc_names); i++)
		if (strlen(gc_names[i][0]) == n && !strncmp(gc_names[i][0], name, n)) {
			sbuf_addf(out, "\\%c{%s}", p, gc_names[i][1]);
			return close + 1;
		}
	sbuf_addf(out, "\\%c{%.*s}", p, (int)n, name);
	return close + 1;
}

static char *ecma_rewrite(const char *p, size_t len)
{
	struct sbuf out;
	size_t i;
	int in_class = 0;

	sbuf_init(&out);
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\\' && i + 2 < len && (p[i + 1] == 'p' || p[i + 1] == 'P') &&
		    p[i + 2] == '{') {
			const char *close = memchr(p + i + 3, '}', len - i - 3);

			if (close) {
				i = property(&out, p[i + 1], p + i + 3, (size_t)(close - p - i - 3),
					     close) -
				    p - 1;
				continue;
			}
		}
		if (c == '\\' && i + 1 < len) {
			char e = p[i + 1];

			if (e == 's' && !in_class)
				sbuf_addstr(&out, "[" ECMA_WS "]");
			else if (e == 'S' && !in_class)
				sbuf_addstr(&out, "[^" ECMA_WS "]");
			else if (e == 's')
				sbuf_addstr(&out, ECMA_WS);
			else
				sbuf_add(&out, p + i, 2);
			i++;
			continue;
		}
		sbuf_addch(&out, c);
		if (!in_class && c == '[') {
			in_class = 1;
			/* "[]" and "[^]" close at once (PCRE2_ALLOW_EMPTY_CLASS). */
			if (i + 1 < len && p[i + 1] == '^') {
				sbuf_addch(&out, '^');
				i++;
			}
			if (i + 1 < len && p[i + 1] == ']') {
				sbuf_addch(&out, ']');
				i++;
				in_class = 0;
			}
		} else if (in_class && c == ']') {
			in_class = 0;
		}
	}
	return detach(&out);
}

static int pattern_compile(struct pattern *pat, const json_t *v, const char *ptr, const char *kw,
			   struct pl_err *err)
{
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	char *src = ecma_rewrite(json_string_value(v), json_string_length(v));
	int ecode;
	PCRE2_SIZE eoff;
	PCRE2_UCHAR msg[200];

	pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);
	pcre2_set_newline(cctx, PCRE2_NEWLINE_ANY);
	pat->re = pcre2_compile((PCRE2_SPTR)src, strlen(src),
				PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS |
					PCRE2_ALT_BSUX,
				&ecode, &eoff, cctx);
	pcre2_compile_context_free(cctx);
	free(src);
	if (!pat->re) {
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return fail(err, ptr, kw, "invalid regex \"%s\": %s", json_string_value(v),
			    (const char *)msg);
	}
	pat->src = xstrdup(json_string_value(v));
	return 0;
}

static int compile_list(struct jsonschema *js, const json_t *s, const char *kw, const char *ptr,
			struct node ***out, size_t *n, struct pl_err *err)
{
	const json_t *a = json_object_get(s, kw), *v;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) ||
	    (json_array_size(a) == 0 && strcmp(kw, "prefixItems") && strcmp(kw, "items")))
		return fail(err, ptr, kw, "expected a non-empty array of schemas");
	*out = xcalloc(json_array_size(a) + 1, sizeof(**out));
	*n = json_array_size(a);
	json_array_foreach(a, i, v)
	{
		(*out)[i] = compile_at(js, v, ptr, kw, NULL, (long)i, err);
		if (!(*out)[i])
			return -1;
	}
	return 0;
}

static int compile_one(struct jsonschema *js, const json_t *s, const char *kw, struct node **out,
		       struct pl_err *err)
{
	const json_t *v = json_object_get(s, kw);
	const struct slot *parent = slot_find(js, s);

	*out = NULL;
	if (!v)
		return 0;
	*out = compile_at(js, v, parent ? parent->ptr : "", kw, NULL, -1, err);
	return *out ? 0 : -1;
}

static int string_array(const json_t *a, const char *ptr, const char *kw, struct pl_err *err)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(a))
		return fail(err, ptr, kw, "expected an array of strings");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return fail(err, ptr, kw, "expected an array of strings");
	}
	return 0;
}

static int compile_object_kws(struct jsonschema *js, struct node *n, const json_t *s,
			      const char *ptr, struct pl_err *err)
{
	const json_t *v, *sub;
	const char *key;
	size_t i;

	v = json_object_get(s, "properties");
	if (v) {
		if (!json_is_object(v))
			return fail(err, ptr, "properties", "expected an object");
		n->prop_index = json_object();
		n->props = xcalloc(json_object_size(v) + 1, sizeof(*n->props));
		json_object_foreach((json_t *)v, key, sub)
		{
			json_object_set_new(n->prop_index, key,
					    json_integer((json_int_t)n->n_props));
			n->props[n->n_props] = compile_at(js, sub, ptr, "properties", key, -1, err);
			if (!n->props[n->n_props++])
				return -1;
		}
	}
	v = json_object_get(s, "patternProperties");
	if (v) {
		if (!json_is_object(v))
			return fail(err, ptr, "patternProperties", "expected an object");
		n->pprops = xcalloc(json_object_size(v) + 1, sizeof(*n->pprops));
		json_object_foreach((json_t *)v, key, sub)
		{
			json_t *ks = json_string(key);
			int rc = ks ? pattern_compile(&n->pprops[n->n_pprops].pat, ks, ptr,
						      "patternProperties", err)
				    : fail(err, ptr, "patternProperties", "bad key");

			json_decref(ks);
			if (rc < 0)
				return -1;
			n->pprops[n->n_pprops].n =
				compile_at(js, sub, ptr, "patternProperties", key, -1, err);
			if (!n->pprops[n->n_pprops++].n)
				return -1;
		}
	}
	if (compile_one(js, s, "additionalProperties", &n->addl_props, err) < 0 ||
	    compile_one(js, s, "propertyNames", &n->prop_names, err) < 0)
		return -1;
	if (n->draft != D7 &&
	    compile_one(js, s, "unevaluatedProperties", &n->uneval_props, err) < 0)
		return -1;
	v = json_object_get(s, "required");
	if (v) {
		if (string_array(v, ptr, "required", err) < 0)
			return -1;
		n->required = v;
	}
	if (get_count(s, "minProperties", ptr, &n->min_props, err) < 0 ||
	    get_count(s, "maxProperties", ptr, &n->max_props, err) < 0)
		return -1;
	/* dependentRequired / dependentSchemas (2020-12), dependencies (draft-07) */
	v = json_object_get(s, n->draft == D7 ? "dependencies" : "dependentRequired");
	if (v && !json_is_object(v))
		return fail(err, ptr, n->draft == D7 ? "dependencies" : "dependentRequired",
			    "expected an object");
	if (v) {
		json_t *req = json_object();

		n->dep_schema_index = json_object();
		json_object_foreach((json_t *)v, key, sub)
		{
			if (json_is_array(sub)) {
				if (string_array(sub, ptr, "dependentRequired", err) < 0) {
					json_decref(req);
					return -1;
				}
				json_object_set(req, key, (json_t *)sub);
			} else if (n->draft == D7) {
				json_object_set_new(n->dep_schema_index, key,
						    json_integer((json_int_t)n->n_dep_schemas));
				n->dep_schemas =
					xrealloc(n->dep_schemas,
						 (n->n_dep_schemas + 1) * sizeof(*n->dep_schemas));
				n->dep_schemas[n->n_dep_schemas] =
					compile_at(js, sub, ptr, "dependencies", key, -1, err);
				if (!n->dep_schemas[n->n_dep_schemas++]) {
					json_decref(req);
					return -1;
				}
			} else {
				json_decref(req);
				return fail(err, ptr, "dependentRequired",
					    "expected arrays of strings");
			}
		}
		/* Kept alive by the schema owner list: store in docs. */
		json_array_append_new(js->docs, req);
		n->dep_required = req;
	}
	v = n->draft == D7 ? NULL : json_object_get(s, "dependentSchemas");
	if (v) {
		if (!json_is_object(v))
			return fail(err, ptr, "dependentSchemas", "expected an object");
		if (!n->dep_schema_index)
			n->dep_schema_index = json_object();
		json_object_foreach((json_t *)v, key, sub)
		{
			json_object_set_new(n->dep_schema_index, key,
					    json_integer((json_int_t)n->n_dep_schemas));
			n->dep_schemas = xrealloc(n->dep_schemas,
						  (n->n_dep_schemas + 1) * sizeof(*n->dep_schemas));
			n->dep_schemas[n->n_dep_schemas] =
				compile_at(js, sub, ptr, "dependentSchemas", key, -1, err);
			if (!n->dep_schemas[n->n_dep_schemas++])
				return -1;
		}
	}
	(void)i;
	return 0;
}

static int compile_array_kws(struct jsonschema *js, struct node *n, const json_t *s,
			     const char *ptr, struct pl_err *err)
{
	const json_t *items = json_object_get(s, "items"), *v;

	if (n->draft == D7 || json_is_array(items)) {
		/* draft-07: items is a schema (all items) or an array (a tuple, then
		 * additionalItems) */
		if (json_is_array(items)) {
			if (compile_list(js, s, "items", ptr, &n->prefix, &n->n_prefix, err) < 0 ||
			    compile_one(js, s, "additionalItems", &n->items, err) < 0)
				return -1;
		} else if (compile_one(js, s, "items", &n->items, err) < 0) {
			return -1;
		}
	} else {
		if (compile_list(js, s, "prefixItems", ptr, &n->prefix, &n->n_prefix, err) < 0 ||
		    compile_one(js, s, "items", &n->items, err) < 0 ||
		    compile_one(js, s, "unevaluatedItems", &n->uneval_items, err) < 0)
			return -1;
	}
	if (compile_one(js, s, "contains", &n->contains, err) < 0)
		return -1;
	if (get_count(s, "minItems", ptr, &n->min_items, err) < 0 ||
	    get_count(s, "maxItems", ptr, &n->max_items, err) < 0)
		return -1;
	n->min_contains = n->max_contains = -1;
	if (n->draft != D7 && (get_count(s, "minContains", ptr, &n->min_contains, err) < 0 ||
			       get_count(s, "maxContains", ptr, &n->max_contains, err) < 0))
		return -1;
	v = json_object_get(s, "uniqueItems");
	if (v && !json_is_boolean(v))
		return fail(err, ptr, "uniqueItems", "expected a boolean");
	n->unique = json_is_true(v);
	return 0;
}

static int compile_keywords(struct jsonschema *js, struct node *n, const json_t *s,
			    const struct slot *sl, struct pl_err *err)
{
	const char *ptr = sl->ptr;
	const json_t *v, *t;
	size_t i;
	int dyn;

	v = json_object_get(s, "$ref");
	if (v) {
		if (!json_is_string(v))
			return fail(err, ptr, "$ref", "expected a string");
		n->ref = resolve_ref(js, sl, "$ref", json_string_value(v), &dyn, err);
		if (!n->ref)
			return -1;
		if (n->draft == D7)
			return 0; /* draft-07: siblings of $ref are ignored */
	}
	v = json_object_get(s, "$dynamicRef");
	if (v && n->draft != D7) {
		const char *h;

		if (!json_is_string(v))
			return fail(err, ptr, "$dynamicRef", "expected a string");
		n->dynref = resolve_ref(js, sl, "$dynamicRef", json_string_value(v), &dyn, err);
		if (!n->dynref)
			return -1;
		h = strchr(json_string_value(v), '#');
		if (dyn && h)
			n->dynref_name = xstrdup(h + 1);
	}
	v = json_object_get(s, "type");
	if (v) {
		if (json_is_string(v)) {
			n->types = (unsigned)type_bit(json_string_value(v));
			if (!n->types)
				return fail(err, ptr, "type", "unknown type \"%s\"",
					    json_string_value(v));
		} else if (json_is_array(v)) {
			json_array_foreach(v, i, t)
			{
				int b = json_is_string(t) ? type_bit(json_string_value(t)) : 0;

				if (!b)
					return fail(err, ptr, "type", "unknown type in array");
				n->types |= (unsigned)b;
			}
			if (!n->types)
				n->types = 0x80; /* "type": [] matches nothing */
		} else {
			return fail(err, ptr, "type", "expected a string or an array of strings");
		}
	}
	v = json_object_get(s, "enum");
	if (v) {
		if (!json_is_array(v))
			return fail(err, ptr, "enum", "expected an array");
		n->enum_ = v;
	}
	n->const_ = json_object_get(s, "const");
	if (compile_list(js, s, "allOf", ptr, &n->all_of, &n->n_all_of, err) < 0 ||
	    compile_list(js, s, "anyOf", ptr, &n->any_of, &n->n_any_of, err) < 0 ||
	    compile_list(js, s, "oneOf", ptr, &n->one_of, &n->n_one_of, err) < 0 ||
	    compile_one(js, s, "not", &n->not_, err) < 0 ||
	    compile_one(js, s, "if", &n->if_, err) < 0 ||
	    compile_one(js, s, "then", &n->then_, err) < 0 ||
	    compile_one(js, s, "else", &n->else_, err) < 0)
		return -1;
	if (compile_object_kws(js, n, s, ptr, err) < 0 || compile_array_kws(js, n, s, ptr, err) < 0)
		return -1;
	if (get_count(s, "minLength", ptr, &n->min_len, err) < 0 ||
	    get_count(s, "maxLength", ptr, &n->max_len, err) < 0)
		return -1;
	v = json_object_get(s, "pattern");
	if (v) {
		if (!json_is_string(v))
			return fail(err, ptr, "pattern", "expected a string");
		if (pattern_compile(&n->pattern, v, ptr, "pattern", err) < 0)
			return -1;
	}
	v = json_object_get(s, "format");
	if (v) {
		if (!json_is_string(v))
			return fail(err, ptr, "format", "expected a string");
		n->format = xstrdup(json_string_value(v));
	}
	if (get_number(s, "minimum", ptr, &n->minimum, err) < 0 ||
	    get_number(s, "maximum", ptr, &n->maximum, err) < 0 ||
	    get_number(s, "exclusiveMinimum", ptr, &n->ex_minimum, err) < 0 ||
	    get_number(s, "exclusiveMaximum", ptr, &n->ex_maximum, err) < 0 ||
	    get_number(s, "multipleOf", ptr, &n->multiple_of, err) < 0)
		return -1;
	if (n->multiple_of && json_number_value(n->multiple_of) <= 0)
		return fail(err, ptr, "multipleOf", "expected a number greater than 0");
	if (n->draft == D2020_NOVAL) { /* the validation vocabulary is off: no assertions */
		n->types = 0;
		n->enum_ = n->const_ = NULL;
		n->minimum = n->maximum = n->ex_minimum = n->ex_maximum = n->multiple_of = NULL;
		n->min_len = n->max_len = n->min_items = n->max_items = -1;
		n->min_props = n->max_props = n->min_contains = n->max_contains = -1;
		n->unique = 0;
		n->required = n->dep_required = NULL;
		pcre2_code_free(n->pattern.re);
		n->pattern.re = NULL;
	}
	return 0;
}

/* Compiles the subschema s (memoised). ptr/kw/key/idx say where it stands for the error when
 * s is not a schema at all (the scan skipped it, so it has no slot). */
static struct node *compile_at(struct jsonschema *js, const json_t *s, const char *ptr,
			       const char *kw, const char *key, long idx, struct pl_err *err)
{
	struct slot *sl = slot_find(js, s);
	struct node *n;
	char where[1024];

	if (!json_is_object(s) && !json_is_boolean(s)) {
		snprintf(where, sizeof(where), "%s", ptr);
		if (kw)
			jsonpos_push_key(where, sizeof(where), kw);
		if (key)
			jsonpos_push_key(where, sizeof(where), key);
		if (idx >= 0)
			jsonpos_push_index(where, sizeof(where), (size_t)idx);
		fail(err, where, NULL, "expected a schema (an object or a boolean)");
		return NULL;
	}
	if (!sl) /* defensive: every schema position was scanned */
		sl = slot_add(js, s, DEFAULT_BASE, 0, D2020, ptr);
	if (sl->node)
		return sl->node;
	n = xcalloc(1, sizeof(*n));
	n->next_alloc = js->nodes;
	js->nodes = n;
	sl->node = n;
	n->draft = sl->draft;
	n->res = sl->res;
	n->ptr = sl->ptr;
	n->min_props = n->max_props = n->min_items = n->max_items = -1;
	n->min_len = n->max_len = n->min_contains = n->max_contains = -1;
	if (json_is_boolean(s)) {
		n->boolean = 1;
		n->value = json_is_true(s);
		return n;
	}
	if (compile_keywords(js, n, s, sl, err) < 0)
		return NULL;
	return n;
}

static void node_free(struct node *n)
{
	size_t i;

	free(n->dynref_name);
	free(n->all_of);
	free(n->any_of);
	free(n->one_of);
	json_decref(n->prop_index);
	free(n->props);
	for (i = 0; i < n->n_pprops; i++) {
		pcre2_code_free(n->pprops[i].pat.re);
		free(n->pprops[i].pat.src);
	}
	free(n->pprops);
	json_decref(n->dep_schema_index);
	free(n->dep_schemas);
	free(n->prefix);
	pcre2_code_free(n->pattern.re);
	free(n->pattern.src);
	free(n->format);
	free(n);
}

void jsonschema_free(struct jsonschema *js)
{
	size_t i, k;
	struct node *n, *next;

	if (!js)
		return;
	for (n = js->nodes; n; n = next) {
		next = n->next_alloc;
		node_free(n);
	}
	for (i = 0; i < js->n_slots; i++) {
		free(js->slots[i]->base);
		free(js->slots[i]->ptr);
		free(js->slots[i]);
	}
	free(js->slots);
	hmap64_release(&js->map);
	for (i = 0; i < js->n_res; i++) {
		for (k = 0; k < js->res[i].n_dyn; k++)
			free(js->res[i].dyn[k].name);
		free(js->res[i].dyn);
		free(js->res[i].uri);
	}
	free(js->res);
	json_decref(js->uris);
	json_decref(js->docs);
	pcre2_match_context_free(js->mctx);
	free(js);
}

/* Finds a loop of subschemas applied to the same value ($ref, allOf, anyOf, oneOf, not, if,
 * then, else, dependentSchemas): {"$ref": "#"} beside another keyword, or a -> b -> a in $defs.
 * Such a schema never finishes on any value; it is the suite author's mistake, so it is an
 * error when the suite loads, not a failed answer every night. ($dynamicRef is resolved at
 * evaluation time: the depth limit still guards it.) */
static const struct node *in_place_cycle(struct node *n)
{
	struct node *const single[] = { n->ref, n->not_, n->if_, n->then_, n->else_ };
	struct node **const lists[] = { n->all_of, n->any_of, n->one_of, n->dep_schemas };
	const size_t counts[] = { n->n_all_of, n->n_any_of, n->n_one_of, n->n_dep_schemas };
	const struct node *hit = NULL;
	size_t i, k;

	if (n->mark == 1)
		return n;
	if (n->mark == 2 || n->boolean)
		return NULL;
	n->mark = 1;
	for (i = 0; !hit && i < sizeof(single) / sizeof(single[0]); i++)
		if (single[i])
			hit = in_place_cycle(single[i]);
	for (i = 0; !hit && i < sizeof(lists) / sizeof(lists[0]); i++)
		for (k = 0; !hit && k < counts[i]; k++)
			if (lists[i][k])
				hit = in_place_cycle(lists[i][k]);
	n->mark = 2;
	return hit;
}

struct jsonschema *jsonschema_compile(const json_t *schema, const struct jsonschema_opts *opts,
				      struct pl_err *err)
{
	struct jsonschema *js = xcalloc(1, sizeof(*js));
	int draft = opts && opts->draft == JSONSCHEMA_DRAFT_7 ? D7 : D2020;
	size_t i, k;

	if (opts)
		js->o = *opts;
	js->format_assert = js->o.format_assert;
	js->docs = json_array();
	js->uris = json_object();
	js->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(js->mctx, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(js->mctx, RE_DEPTH_LIMIT);
	if (!json_is_object(schema) && !json_is_boolean(schema)) {
		fail(err, "", NULL, "expected a schema (an object or a boolean)");
		goto fail;
	}
	if (add_document(js, (json_t *)schema, DEFAULT_BASE, draft, "", err) < 0)
		goto fail;
	js->root = compile_schema(js, schema, err);
	if (!js->root)
		goto fail;
	/* Dynamic anchors are looked up at evaluation time: compile them all now. Loading
	 * a document while compiling may add resources, so loop on the count. */
	for (i = 0; i < js->n_res; i++)
		for (k = 0; k < js->res[i].n_dyn; k++) {
			struct node *n = compile_schema(js, js->res[i].dyn[k].schema, err);

			if (!n)
				goto fail;
			js->res[i].dyn[k].node = n;
		}
	{
		/* from the root first, so a loop through it is named where the user reads it */
		const struct node *loop = in_place_cycle(js->root);
		struct node *n;

		for (n = js->nodes; n && !loop; n = n->next_alloc)
			loop = in_place_cycle(n);
		if (loop) {
			fail(err, loop->ptr, NULL,
			     "the schema applies itself to the same value without end ($ref, "
			     "allOf, anyOf, oneOf, not, if/then/else or dependentSchemas lead back "
			     "here without descending into a property or an item)");
			goto fail;
		}
	}
	js->o.load = NULL;
	js->o.load_ctx = NULL;
	return js;
fail:
	jsonschema_free(js);
	return NULL;
}

/* ---- evaluation ---- */

struct vctx {
	const struct jsonschema *js;
	struct jsonschema_result *res;
	int mute;
	int depth;
	size_t scope[MAX_DEPTH + 1];
	size_t n_scope;
	char path[1024];
	char unevaluated[256]; /* the first regex that hit its match limit (jsonschema.h) */
};

/* Evaluated properties (by the instance object's iteration index) or items (by index). */
struct evald {
	unsigned char *bits;
	size_t n;
};

static void ev_init(struct evald *ev, const json_t *inst)
{
	ev->n = json_is_object(inst)  ? json_object_size(inst)
		: json_is_array(inst) ? json_array_size(inst)
				      : 0;
	ev->bits = ev->n ? xcalloc(ev->n, 1) : NULL;
}

static void ev_merge(struct evald *into, const struct evald *from)
{
	size_t i;

	if (!into)
		return;
	for (i = 0; i < into->n && i < from->n; i++)
		into->bits[i] |= from->bits[i];
}

static void ev_release(struct evald *ev)
{
	free(ev->bits);
	ev->bits = NULL;
}

/* Whether errors are being recorded (else the caller may stop at the first failure). */
static int collecting(const struct vctx *v)
{
	return !v->mute && v->res && v->res->n_errors < JSONSCHEMA_MAX_ERRORS;
}

static void report(struct vctx *v, const char *kw, const char *fmt, ...) PL_PRINTF(3, 4);

static void report(struct vctx *v, const char *kw, const char *fmt, ...)
{
	struct jsonschema_error *e;
	va_list ap;

	if (!collecting(v))
		return;
	e = &v->res->errors[v->res->n_errors++];
	snprintf(e->path, sizeof(e->path), "%.199s", v->path);
	snprintf(e->keyword, sizeof(e->keyword), "%s", kw);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static int is_integral(const json_t *x)
{
	double d;

	if (json_is_integer(x))
		return 1;
	if (!json_is_real(x))
		return 0;
	d = json_real_value(x);
	return isfinite(d) && d == floor(d);
}

static const char *type_of(const json_t *x)
{
	switch (json_typeof(x)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return is_integral(x) ? "integer" : "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static int num_cmp(const json_t *a, const json_t *b)
{
	double x, y;

	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t i = json_integer_value(a), j = json_integer_value(b);

		return i < j ? -1 : i > j;
	}
	x = json_number_value(a);
	y = json_number_value(b);
	return x < y ? -1 : x > y;
}

static int equal(const json_t *a, const json_t *b)
{
	const char *key;
	const json_t *va;
	size_t i;

	if (json_is_number(a) && json_is_number(b))
		return num_cmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, key, va)
		{
			const json_t *vb = json_object_get(b, key);

			if (!vb || !equal(va, vb))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* uniqueItems in O(n log n): items are sorted by a hash that agrees with equal() (numbers by
 * their double value, so 1 and 1.0 hash alike; objects whatever their key order), and only
 * items with the same hash are compared. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	return mix64(hash_fnv1a(s, n) ^ n);
}

static uint64_t hash_value(const json_t *v)
{
	const char *key;
	const json_t *x;
	uint64_t h, bits;
	double d;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
	case JSON_REAL:
		d = json_number_value(v);
		if (d == 0)
			d = 0; /* -0.0 equals 0 */
		memcpy(&bits, &d, sizeof(bits));
		return mix64(bits ^ 0x1111);
	case JSON_STRING:
		return hash_bytes(json_string_value(v), json_string_length(v));
	case JSON_ARRAY:
		h = 0x2222 + json_array_size(v);
		json_array_foreach((json_t *)v, i, x) h = mix64(h ^ hash_value(x));
		return h;
	case JSON_OBJECT:
		/* a sum does not depend on the key order */
		h = 0x3333 + json_object_size(v);
		json_object_foreach((json_t *)v, key, x)
			h += mix64(hash_bytes(key, strlen(key)) ^ hash_value(x));
		return mix64(h);
	default:
		return mix64((uint64_t)json_typeof(v) + 0x4444);
	}
}

struct hashed {
	uint64_t h;
	size_t i;
};

static int hashed_cmp(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The first pair of equal items (smallest first index, then second), as a pairwise scan
 * finds it. Returns 1 and sets *first < *second, or 0 when the items are unique. */
static int find_duplicate(const json_t *arr, size_t *first, size_t *second)
{
	size_t n = json_array_size(arr), k, a, b, end;
	struct hashed *hs;
	int found = 0;

	if (n < 2)
		return 0;
	hs = xmalloc(n * sizeof(*hs));
	for (k = 0; k < n; k++) {
		hs[k].h = hash_value(json_array_get(arr, k));
		hs[k].i = k;
	}
	qsort(hs, n, sizeof(*hs), hashed_cmp);
	for (k = 0; k < n; k = end) {
		for (end = k + 1; end < n && hs[end].h == hs[k].h; end++)
			;
		/* within a run of one hash, indices ascend: the first equal pair is its smallest */
		for (a = k; a + 1 < end; a++) {
			for (b = a + 1; b < end; b++)
				if (equal(json_array_get(arr, hs[a].i),
					  json_array_get(arr, hs[b].i)))
					break;
			if (b < end) {
				if (!found || hs[a].i < *first ||
				    (hs[a].i == *first && hs[b].i < *second)) {
					*first = hs[a].i;
					*second = hs[b].i;
				}
				found = 1;
				break;
			}
		}
	}
	free(hs);
	return found;
}

static size_t utf8_len(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* 1 match, 0 no match, -1 limit or error: the first such one is kept in v->unevaluated, since
 * the instance is then neither valid nor invalid. */
static int re_match(struct vctx *v, const struct pattern *p, const char *s, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	PCRE2_UCHAR emsg[120];
	int rc = PCRE2_ERROR_NOMEMORY;

	if (md)
		rc = pcre2_match(p->re, (PCRE2_SPTR)s, len, 0, 0, md, v->js->mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (!v->unevaluated[0]) {
		pcre2_get_error_message(rc, emsg, sizeof(emsg));
		snprintf(v->unevaluated, sizeof(v->unevaluated),
			 "%.80s: regex /%.80s/ not evaluated: %.60s", *v->path ? v->path : "/",
			 p->src, (const char *)emsg);
	}
	return -1;
}

/* ---- format assertions (only with format_assert) ---- */

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int fmt_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, leap;

	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
	    !digits(s + 8, 2))
		return 0;
	y = num2(s) * 100 + num2(s + 2);
	m = num2(s + 5);
	d = num2(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); leap second 60 allowed at 23:59 UTC. */
static int fmt_time(const char *s, size_t n)
{
	size_t i = 8;
	int h, m, sec, oh = 0, om = 0, sign = 0, utc_min;

	if (n < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2) || !digits(s + 3, 2) ||
	    !digits(s + 6, 2))
		return 0;
	h = num2(s);
	m = num2(s + 3);
	sec = num2(s + 6);
	if (h > 23 || m > 59 || sec > 60)
		return 0;
	if (s[i] == '.') {
		size_t st = ++i;

		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == st)
			return 0;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2) || !digits(s + i + 4, 2))
			return 0;
		oh = num2(s + i + 1);
		om = num2(s + i + 4);
		if (oh > 23 || om > 59)
			return 0;
		i += 6;
	} else {
		return 0;
	}
	if (i != n)
		return 0;
	if (sec == 60) {
		utc_min = ((h * 60 + m) - sign * (oh * 60 + om) + 1440) % 1440;
		return utc_min == 23 * 60 + 59;
	}
	return 1;
}

static int fmt_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] == 'T' || s[10] == 't') && fmt_date(s, 10) &&
	       fmt_time(s + 11, n - 11);
}

static int fmt_hostname(const char *s, size_t n)
{
	size_t i = 0, lab;

	if (n == 0 || n > 253)
		return 0;
	while (i < n) {
		lab = 0;
		while (i + lab < n && s[i + lab] != '.') {
			char c = s[i + lab];

			if (!isalnum((unsigned char)c) && c != '-')
				return 0;
			lab++;
		}
		if (lab == 0 || lab > 63 || s[i] == '-' || s[i + lab - 1] == '-')
			return 0;
		/* "xn--" labels are IDNA A-labels; other "??--" labels are reserved. */
		if (lab >= 4 && s[i + 2] == '-' && s[i + 3] == '-' && strncasecmp(s + i, "xn", 2))
			return 0;
		i += lab;
		if (i < n) {
			i++;
			if (i == n)
				return 0;
		}
	}
	return 1;
}

static int fmt_email(const char *s, size_t n)
{
	const char *at = NULL;
	size_t i, local;

	for (i = n; i > 0; i--) /* the last '@': a quoted local part may hold one */
		if (s[i - 1] == '@') {
			at = s + i - 1;
			break;
		}
	if (!at || at == s)
		return 0;
	local = (size_t)(at - s);
	if (s[0] == '"') { /* quoted-string: printable ASCII, \ and " escaped */
		if (local < 2 || s[local - 1] != '"')
			return 0;
		for (i = 1; i + 1 < local; i++) {
			if (s[i] == '\\') {
				i++;
				if (i + 1 >= local)
					return 0;
			} else if (s[i] == '"' || (unsigned char)s[i] < 0x20 ||
				   (unsigned char)s[i] > 0x7E) {
				return 0;
			}
		}
	} else {
		if (s[0] == '.' || s[local - 1] == '.')
			return 0;
		for (i = 0; i < local; i++) {
			if (s[i] == '.' && s[i + 1] == '.')
				return 0;
			if (!isalnum((unsigned char)s[i]) && !strchr("!#$%&'*+-/=?^_`{|}~.", s[i]))
				return 0;
		}
	}
	if (at[1] == '[') { /* address literal */
		char buf[64];
		size_t m = n - local - 1;

		if (m < 3 || s[n - 1] != ']' || m - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, at + 2, m - 2);
		buf[m - 2] = '\0';
		if (!strncmp(buf, "IPv6:", 5)) {
			unsigned char a[16];

			return inet_pton(AF_INET6, buf + 5, a) == 1;
		} else {
			unsigned char a[4];

			return inet_pton(AF_INET, buf, a) == 1;
		}
	}
	return fmt_hostname(at + 1, n - local - 1);
}

static int fmt_ipv4(const char *s, size_t n)
{
	char buf[16];
	unsigned char a[4];
	size_t i;

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++) /* inet_pton already rejects leading zeros */
		if (!isdigit((unsigned char)buf[i]) && buf[i] != '.')
			return 0;
	return inet_pton(AF_INET, buf, a) == 1;
}

static int fmt_ipv6(const char *s, size_t n)
{
	char buf[64];
	unsigned char a[16];
	size_t i;

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)buf[i]) && buf[i] != ':' && buf[i] != '.')
			return 0;
	return inet_pton(AF_INET6, buf, a) == 1;
}

static int fmt_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Characters of RFC 3986 classes, "%XX" escapes allowed when pct. */
static int uri_chars(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return 0;
			i += 2;
		} else if (!isalnum(c) && !strchr("-._~!$&'()*+,;=", c) && !strchr(extra, c)) {
			return 0;
		}
	}
	return 1;
}

/* An absolute URI (RFC 3986): scheme ":" ["//" authority] path ["?" query] ["#" fragment]. */
static int fmt_uri(const char *s, size_t n)
{
	size_t i = 0, e;

	if (n == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	while (i < n && (isalnum((unsigned char)s[i]) || strchr("+-.", s[i])))
		i++;
	if (i >= n || s[i] != ':')
		return 0;
	i++;
	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		const char *auth = s + i + 2, *at, *host, *hend, *colon;
		size_t alen;

		i += 2;
		e = i;
		while (e < n && !strchr("/?#", s[e]))
			e++;
		alen = e - i;
		at = memchr(auth, '@', alen);
		if (at && !uri_chars(auth, (size_t)(at - auth), ":"))
			return 0;
		host = at ? at + 1 : auth;
		hend = auth + alen;
		if (host < hend && *host == '[') {
			const char *close = memchr(host, ']', (size_t)(hend - host));
			char buf[64];
			unsigned char a6[16];

			if (!close || (size_t)(close - host - 1) >= sizeof(buf))
				return 0;
			memcpy(buf, host + 1, (size_t)(close - host - 1));
			buf[close - host - 1] = '\0';
			if (buf[0] != 'v' && buf[0] != 'V' && inet_pton(AF_INET6, buf, a6) != 1)
				return 0;
			colon = close + 1 < hend ? close + 1 : NULL;
			if (colon && *colon != ':')
				return 0;
		} else {
			colon = memchr(host, ':', (size_t)(hend - host));
			if (!uri_chars(host, (size_t)((colon ? colon : hend) - host), ""))
				return 0;
		}
		if (colon && !digits(colon + 1, (size_t)(hend - colon - 1)))
			return 0;
		i = e;
	}
	e = i;
	while (e < n && !strchr("?#", s[e]))
		e++;
	if (!uri_chars(s + i, e - i, ":@/"))
		return 0;
	if (e < n && s[e] == '?') {
		i = e + 1;
		e = i;
		while (e < n && s[e] != '#')
			e++;
		if (!uri_chars(s + i, e - i, ":@/?"))
			return 0;
	}
	if (e < n && s[e] == '#' && !uri_chars(s + e + 1, n - e - 1, ":@/?"))
		return 0;
	return 1;
}

/* 1 when s is valid for format (unknown formats are always valid: annotations only). */
static int format_ok(const char *format, const char *s, size_t n)
{
	static const struct {
		const char *name;
		int (*fn)(const char *, size_t);
	} formats[] = {
		{ "date", fmt_date },	{ "date-time", fmt_date_time },
		{ "email", fmt_email }, { "hostname", fmt_hostname },
		{ "ipv4", fmt_ipv4 },	{ "ipv6", fmt_ipv6 },
		{ "time", fmt_time },	{ "uri", fmt_uri },
		{ "uuid", fmt_uuid },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(format, formats[i].name))
			return formats[i].fn(s, n);
	return 1;
}

static int eval(struct vctx *v, const struct node *n, const json_t *inst, struct evald *ev);

/* Evaluates a subschema at a child path (key or index) with its own annotation record. */
static int eval_child(struct vctx *v, const struct node *n, const json_t *inst, const char *key,
		      size_t index)
{
	size_t save = strlen(v->path);
	int ok;

	if (key)
		jsonpos_push_key(v->path, sizeof(v->path), key);
	else
		jsonpos_push_index(v->path, sizeof(v->path), index);
	ok = eval(v, n, inst, NULL);
	v->path[save] = '\0';
	return ok;
}

/* Evaluates an in-place subschema; its annotations join ev when it passes. */
static int eval_inplace(struct vctx *v, const struct node *n, const json_t *inst, struct evald *ev)
{
	struct evald sub = { 0 };
	int ok;

	if (ev)
		ev_init(&sub, inst);
	ok = eval(v, n, inst, ev ? &sub : NULL);
	if (ok && ev)
		ev_merge(ev, &sub);
	ev_release(&sub);
	return ok;
}

static int eval_muted(struct vctx *v, const struct node *n, const json_t *inst, struct evald *ev)
{
	int ok;

	v->mute++;
	ok = eval_inplace(v, n, inst, ev);
	v->mute--;
	return ok;
}

static int eval_object(struct vctx *v, const struct node *n, const json_t *inst, struct evald *ev)
{
	const char *key;
	const json_t *val, *x;
	size_t i, k, size = json_object_size(inst);
	int ok = 1;

	if (n->min_props >= 0 && size < (size_t)n->min_props) {
		report(v, "minProperties", "expected at least %lld properties, got %zu",
		       n->min_props, size);
		ok = 0;
	}
	if (n->max_props >= 0 && size > (size_t)n->max_props) {
		report(v, "maxProperties", "expected at most %lld properties, got %zu",
		       n->max_props, size);
		ok = 0;
	}
	if (n->required)
		json_array_foreach(n->required, i, x)
		{
			if (!json_object_get(inst, json_string_value(x))) {
				report(v, "required", "missing required property \"%s\"",
				       json_string_value(x));
				ok = 0;
			}
		}
	if (n->dep_required) {
		const json_t *deps;

		json_object_foreach((json_t *)n->dep_required, key, deps)
		{
			if (!json_object_get(inst, key))
				continue;
			json_array_foreach(deps, k, x)
			{
				if (!json_object_get(inst, json_string_value(x))) {
					report(v, "dependentRequired",
					       "property \"%s\" requires property \"%s\"", key,
					       json_string_value(x));
					ok = 0;
				}
			}
		}
	}
	if (!ok && !collecting(v))
		return 0;
	i = 0;
	json_object_foreach((json_t *)inst, key, val)
	{
		int matched = 0;
		const json_t *idx;

		if (n->prop_index) {
			idx = json_object_get(n->prop_index, key);
			if (idx) {
				matched = 1;
				if (!eval_child(v, n->props[json_integer_value(idx)], val, key, 0))
					ok = 0;
			}
		}
		for (k = 0; k < n->n_pprops; k++) {
			int m = re_match(v, &n->pprops[k].pat, key, strlen(key));

			if (m < 0) {
				report(v, "patternProperties", "regex /%s/ hit its match limit",
				       n->pprops[k].pat.src);
				ok = 0;
			}
			if (m > 0) {
				matched = 1;
				if (!eval_child(v, n->pprops[k].n, val, key, 0))
					ok = 0;
			}
		}
		if (!matched && n->addl_props) {
			matched = 1;
			if (n->addl_props->boolean && !n->addl_props->value) {
				report(v, "additionalProperties", "property \"%s\" is not allowed",
				       key);
				ok = 0;
			} else if (!eval_child(v, n->addl_props, val, key, 0)) {
				ok = 0;
			}
		}
		if (matched && ev)
			ev->bits[i] = 1;
		if (n->prop_names) {
			json_t *name = json_stringn(key, strlen(key));

			if (!eval_muted(v, n->prop_names, name, NULL)) {
				report(v, "propertyNames", "property name \"%s\" is not valid",
				       key);
				ok = 0;
			}
			json_decref(name);
		}
		if (n->dep_schema_index) {
			idx = json_object_get(n->dep_schema_index, key);
			if (idx &&
			    !eval_inplace(v, n->dep_schemas[json_integer_value(idx)], inst, ev))
				ok = 0;
		}
		if (!ok && !collecting(v))
			return 0;
		i++;
	}
	return ok;
}

static int eval_array(struct vctx *v, const struct node *n, const json_t *inst, struct evald *ev)
{
	size_t i, size = json_array_size(inst), matches = 0;
	const json_t *x;
	int ok = 1;

	if (n->min_items >= 0 && size < (size_t)n->min_items) {
		report(v, "minItems", "expected at least %lld items, got %zu", n->min_items, size);
		ok = 0;
	}
	if (n->max_items >= 0 && size > (size_t)n->max_items) {
		report(v, "maxItems", "expected at most %lld items, got %zu", n->max_items, size);
		ok = 0;
	}
	if (n->unique && ok) {
		size_t a = 0, b = 0;

		if (find_duplicate(inst, &a, &b)) {
			report(v, "uniqueItems", "items %zu and %zu are equal", a, b);
			ok = 0;
		}
	}
	if (!ok && !collecting(v))
		return 0;
	json_array_foreach(inst, i, x)
	{
		const struct node *sub = i < n->n_prefix ? n->prefix[i] : n->items;

		if (!sub)
			continue;
		if (ev)
			ev->bits[i] = 1;
		if (sub->boolean && !sub->value) {
			report(v, i < n->n_prefix ? "prefixItems" : "items",
			       "item %zu is not allowed", i);
			ok = 0;
		} else if (!eval_child(v, sub, x, NULL, i)) {
			ok = 0;
		}
		if (!ok && !collecting(v))
			return 0;
	}
	if (n->contains) {
		json_array_foreach(inst, i, x)
		{
			if (eval_muted(v, n->contains, x, NULL)) {
				matches++;
				if (ev && n->draft != D7)
					ev->bits[i] = 1;
			}
		}
		if (n->min_contains >= 0 ? matches < (size_t)n->min_contains : matches == 0) {
			report(v, "contains",
			       n->min_contains >= 0 ? "expected at least %lld items to match "
						      "contains, got %zu"
						    : "no item matches contains (%lld, %zu)",
			       n->min_contains >= 0 ? n->min_contains : 1, matches);
			ok = 0;
		}
		if (n->max_contains >= 0 && matches > (size_t)n->max_contains) {
			report(v, "maxContains",
			       "expected at most %lld items to match contains, got %zu",
			       n->max_contains, matches);
			ok = 0;
		}
	}
	return ok;
}

static int eval_string(struct vctx *v, const struct node *n, const json_t *inst)
{
	const char *s = json_string_value(inst);
	size_t blen = json_string_length(inst), len;
	int ok = 1;

	if (n->min_len >= 0 || n->max_len >= 0) {
		len = utf8_len(s, blen);
		if (n->min_len >= 0 && len < (size_t)n->min_len) {
			report(v, "minLength", "expected at least %lld characters, got %zu",
			       n->min_len, len);
			ok = 0;
		}
		if (n->max_len >= 0 && len > (size_t)n->max_len) {
			report(v, "maxLength", "expected at most %lld characters, got %zu",
			       n->max_len, len);
			ok = 0;
		}
	}
	if (n->pattern.re) {
		int m = re_match(v, &n->pattern, s, blen);

		if (m < 0) {
			report(v, "pattern", "regex /%.80s/ hit its match limit", n->pattern.src);
			ok = 0;
		} else if (m == 0) {
			report(v, "pattern", "does not match /%.80s/", n->pattern.src);
			ok = 0;
		}
	}
	if (n->format && v->js->format_assert && !format_ok(n->format, s, blen)) {
		report(v, "format", "not a valid %s", n->format);
		ok = 0;
	}
	return ok;
}

static int eval_number(struct vctx *v, const struct node *n, const json_t *inst)
{
	int ok = 1;

	if (n->minimum && num_cmp(inst, n->minimum) < 0) {
		report(v, "minimum", "expected a number >= %g, got %g",
		       json_number_value(n->minimum), json_number_value(inst));
		ok = 0;
	}
	if (n->maximum && num_cmp(inst, n->maximum) > 0) {
		report(v, "maximum", "expected a number <= %g, got %g",
		       json_number_value(n->maximum), json_number_value(inst));
		ok = 0;
	}
	if (n->ex_minimum && num_cmp(inst, n->ex_minimum) <= 0) {
		report(v, "exclusiveMinimum", "expected a number > %g, got %g",
		       json_number_value(n->ex_minimum), json_number_value(inst));
		ok = 0;
	}
	if (n->ex_maximum && num_cmp(inst, n->ex_maximum) >= 0) {
		report(v, "exclusiveMaximum", "expected a number < %g, got %g",
		       json_number_value(n->ex_maximum), json_number_value(inst));
		ok = 0;
	}
	if (n->multiple_of) {
		int mult;

		if (json_is_integer(inst) && json_is_integer(n->multiple_of)) {
			mult = json_integer_value(inst) % json_integer_value(n->multiple_of) == 0;
		} else {
			double q = json_number_value(inst) / json_number_value(n->multiple_of);

			/* An overflowing quotient is "not a multiple" (the suite's rule). */
			mult = isfinite(q) && fabs(q - nearbyint(q)) < 1e-9;
		}
		if (!mult) {
			report(v, "multipleOf", "%g is not a multiple of %g",
			       json_number_value(inst), json_number_value(n->multiple_of));
			ok = 0;
		}
	}
	return ok;
}

static int eval_type(struct vctx *v, const struct node *n, const json_t *inst)
{
	unsigned t = n->types;
	int ok;
	char want[96] = "";
	size_t i;

	switch (json_typeof(inst)) {
	case JSON_OBJECT:
		ok = t & T_OBJECT;
		break;
	case JSON_ARRAY:
		ok = t & T_ARRAY;
		break;
	case JSON_STRING:
		ok = t & T_STRING;
		break;
	case JSON_INTEGER:
		ok = t & (T_NUMBER | T_INTEGER);
		break;
	case JSON_REAL:
		ok = (t & T_NUMBER) || ((t & T_INTEGER) && is_integral(inst));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		ok = t & T_BOOLEAN;
		break;
	default:
		ok = t & T_NULL;
		break;
	}
	if (ok)
		return 1;
	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if (t & (1u << i)) {
			size_t used = strlen(want);

			snprintf(want + used, sizeof(want) - used, "%s%s", used ? " or " : "",
				 type_names[i]);
		}
	report(v, "type", "expected %s, got %s", *want ? want : "nothing", type_of(inst));
	return 0;
}

static const struct node *dynamic_target(const struct vctx *v, const struct node *n)
{
	size_t i, k;

	if (!n->dynref_name)
		return n->dynref;
	for (i = 0; i < v->n_scope; i++) {
		const struct res *r = &v->js->res[v->scope[i]];

		for (k = 0; k < r->n_dyn; k++)
			if (!strcmp(r->dyn[k].name, n->dynref_name) && r->dyn[k].node)
				return r->dyn[k].node;
	}
	return n->dynref;
}

static int eval_applicators(struct vctx *v, const struct node *n, const json_t *inst,
			    struct evald *ev)
{
	size_t i, passed = 0;
	int ok = 1;

	if (n->ref && !eval_inplace(v, n->ref, inst, ev))
		ok = 0;
	if (n->dynref && !eval_inplace(v, dynamic_target(v, n), inst, ev))
		ok = 0;
	if (!ok && !collecting(v))
		return 0;
	for (i = 0; i < n->n_all_of; i++)
		if (!eval_inplace(v, n->all_of[i], inst, ev)) {
			ok = 0;
			if (!collecting(v))
				return 0;
		}
	if (n->n_any_of) {
		for (i = 0; i < n->n_any_of; i++)
			if (eval_muted(v, n->any_of[i], inst, ev)) {
				passed++;
				if (!ev)
					break;
			}
		if (!passed) {
			report(v, "anyOf", "matches none of the %zu anyOf schemas", n->n_any_of);
			ok = 0;
		}
	}
	if (n->n_one_of) {
		struct evald first = { 0 };
		size_t which[2] = { 0, 0 };

		passed = 0;
		for (i = 0; i < n->n_one_of && passed < 2; i++) {
			struct evald sub = { 0 };

			if (ev)
				ev_init(&sub, inst);
			if (eval_muted(v, n->one_of[i], inst, ev ? &sub : NULL)) {
				which[passed++] = i;
				if (passed == 1) {
					first = sub;
					continue;
				}
			}
			ev_release(&sub);
		}
		if (passed == 1 && ev)
			ev_merge(ev, &first);
		ev_release(&first);
		if (passed == 0) {
			report(v, "oneOf", "matches none of the %zu oneOf schemas", n->n_one_of);
			ok = 0;
		} else if (passed > 1) {
			report(v, "oneOf",
			       "matches oneOf schemas %zu and %zu, expected exactly one", which[0],
			       which[1]);
			ok = 0;
		}
	}
	if (n->not_ && eval_muted(v, n->not_, inst, NULL)) {
		report(v, "not", "must not match the \"not\" schema");
		ok = 0;
	}
	if (n->if_) {
		if (eval_muted(v, n->if_, inst, ev)) {
			if (n->then_ && !eval_inplace(v, n->then_, inst, ev))
				ok = 0;
		} else if (n->else_ && !eval_inplace(v, n->else_, inst, ev)) {
			ok = 0;
		}
	}
	return ok;
}

static int eval_unevaluated(struct vctx *v, const struct node *n, const json_t *inst,
			    struct evald *ev)
{
	const char *key;
	const json_t *val;
	size_t i = 0;
	int ok = 1;

	if (n->uneval_props && json_is_object(inst)) {
		json_object_foreach((json_t *)inst, key, val)
		{
			if (!ev->bits[i]) {
				if (n->uneval_props->boolean && !n->uneval_props->value) {
					report(v, "unevaluatedProperties",
					       "property \"%s\" is not allowed", key);
					ok = 0;
				} else if (!eval_child(v, n->uneval_props, val, key, 0)) {
					ok = 0;
				}
				ev->bits[i] = 1;
			}
			i++;
		}
	}
	if (n->uneval_items && json_is_array(inst)) {
		json_array_foreach(inst, i, val)
		{
			if (ev->bits[i])
				continue;
			if (n->uneval_items->boolean && !n->uneval_items->value) {
				report(v, "unevaluatedItems", "item %zu is not allowed", i);
				ok = 0;
			} else if (!eval_child(v, n->uneval_items, val, NULL, i)) {
				ok = 0;
			}
			ev->bits[i] = 1;
		}
	}
	return ok;
}

static int eval(struct vctx *v, const struct node *n, const json_t *inst, struct evald *ev)
{
	struct evald local = { 0 };
	int ok = 1, pushed = 0;

	if (n->boolean) {
		if (!n->value)
			report(v, "false", "no value is allowed here");
		return n->value;
	}
	if (v->depth >= MAX_DEPTH) {
		report(v, "$ref", "schema recursion deeper than %d levels", MAX_DEPTH);
		return 0;
	}
	v->depth++;
	if (v->n_scope == 0 || v->scope[v->n_scope - 1] != n->res) {
		v->scope[v->n_scope++] = n->res;
		pushed = 1;
	}
	if (!ev && ((n->uneval_props && json_is_object(inst)) ||
		    (n->uneval_items && json_is_array(inst)))) {
		ev_init(&local, inst);
		ev = &local;
	}
	if (n->types && !eval_type(v, n, inst))
		ok = 0;
	if (n->const_ && !equal(inst, n->const_)) {
		report(v, "const", "value differs from the constant");
		ok = 0;
	}
	if (n->enum_) {
		size_t i;
		const json_t *x;
		int found = 0;

		json_array_foreach(n->enum_, i, x)
		{
			if (equal(inst, x)) {
				found = 1;
				break;
			}
		}
		if (!found) {
			report(v, "enum", "value is not one of the %zu allowed values",
			       json_array_size(n->enum_));
			ok = 0;
		}
	}
	if (!ok && !collecting(v))
		goto out;
	if (json_is_object(inst) && !eval_object(v, n, inst, ev))
		ok = 0;
	else if (json_is_array(inst) && !eval_array(v, n, inst, ev))
		ok = 0;
	else if (json_is_string(inst) && !eval_string(v, n, inst))
		ok = 0;
	else if (json_is_number(inst) && !eval_number(v, n, inst))
		ok = 0;
	if (!ok && !collecting(v))
		goto out;
	if (!eval_applicators(v, n, inst, ev))
		ok = 0;
	if (!ok && !collecting(v))
		goto out;
	if ((n->uneval_props || n->uneval_items) && !eval_unevaluated(v, n, inst, ev))
		ok = 0;
out:
	ev_release(&local);
	if (pushed)
		v->n_scope--;
	v->depth--;
	return ok;
}

int jsonschema_validate(const struct jsonschema *s, const json_t *instance,
			struct jsonschema_result *res)
{
	struct vctx *v = xcalloc(1, sizeof(*v));
	int ok;

	v->js = s;
	v->res = res;
	if (res) {
		res->valid = 0;
		res->n_errors = 0;
		res->unevaluated[0] = '\0';
	}
	ok = eval(v, s->root, instance, NULL);
	if (res) {
		res->valid = ok;
		snprintf(res->unevaluated, sizeof(res->unevaluated), "%s", v->unevaluated);
		if (!ok && res->n_errors == 0) /* defensive: never "invalid" without a reason */
			report(v, "schema", "value does not match the schema");
	}
	free(v);
	return ok;
}

const char *jsonschema_error_str(const struct jsonschema_error *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s (%s)", *e->path ? e->path : "/", e->msg, e->keyword);
	return buf;
}

/* ---- likely misspelled keywords ---- */

/* The keywords of each draft (2020-12: core, applicator, unevaluated, validation, meta-data,
 * format-annotation, content vocabularies; draft-07: its meta-schema's). */
static const char *const kw_2020[] = { "$schema",
				       "$id",
				       "$ref",
				       "$anchor",
				       "$dynamicRef",
				       "$dynamicAnchor",
				       "$vocabulary",
				       "$comment",
				       "$defs",
				       "allOf",
				       "anyOf",
				       "oneOf",
				       "not",
				       "if",
				       "then",
				       "else",
				       "dependentSchemas",
				       "prefixItems",
				       "items",
				       "contains",
				       "properties",
				       "patternProperties",
				       "additionalProperties",
				       "propertyNames",
				       "unevaluatedItems",
				       "unevaluatedProperties",
				       "type",
				       "const",
				       "enum",
				       "multipleOf",
				       "maximum",
				       "exclusiveMaximum",
				       "minimum",
				       "exclusiveMinimum",
				       "maxLength",
				       "minLength",
				       "pattern",
				       "maxItems",
				       "minItems",
				       "uniqueItems",
				       "maxContains",
				       "minContains",
				       "maxProperties",
				       "minProperties",
				       "required",
				       "dependentRequired",
				       "title",
				       "description",
				       "default",
				       "deprecated",
				       "readOnly",
				       "writeOnly",
				       "examples",
				       "format",
				       "contentEncoding",
				       "contentMediaType",
				       "contentSchema",
				       NULL };
static const char *const kw_7[] = { "$schema",
				    "$id",
				    "$ref",
				    "$comment",
				    "definitions",
				    "type",
				    "enum",
				    "const",
				    "multipleOf",
				    "maximum",
				    "exclusiveMaximum",
				    "minimum",
				    "exclusiveMinimum",
				    "maxLength",
				    "minLength",
				    "pattern",
				    "items",
				    "additionalItems",
				    "maxItems",
				    "minItems",
				    "uniqueItems",
				    "contains",
				    "maxProperties",
				    "minProperties",
				    "required",
				    "properties",
				    "patternProperties",
				    "additionalProperties",
				    "dependencies",
				    "propertyNames",
				    "if",
				    "then",
				    "else",
				    "allOf",
				    "anyOf",
				    "oneOf",
				    "not",
				    "format",
				    "contentMediaType",
				    "contentEncoding",
				    "title",
				    "description",
				    "default",
				    "readOnly",
				    "writeOnly",
				    "examples",
				    NULL };
/* Keywords of other drafts and of OpenAPI that sit near one of the above ("id": "if",
 * "example": "examples"): deliberate, not misspelled. */
static const char *const kw_elsewhere[] = { "id", "example", "$recursiveRef", "$recursiveAnchor",
					    NULL };

static int in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* Damerau-Levenshtein distance (optimal string alignment: adjacent transpositions) between
 * a and b, bytes; at most cap + 1 (stops early past cap, and for keys longer than 31). */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[32][32];

	if (la > 31 || lb > 31 || (la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

struct typos_ctx {
	int draft;
	jsonschema_typo_fn fn;
	void *ctx;
};

static void typos_at(const json_t *s, int draft, const char *ptr, jsonschema_typo_fn fn, void *ctx);

static int typos_sub(void *ctx, const json_t *sub, const char *ptr)
{
	struct typos_ctx *c = ctx;

	typos_at(sub, c->draft, ptr, c->fn, c->ctx);
	return 0;
}

static void typos_at(const json_t *s, int draft, const char *ptr, jsonschema_typo_fn fn, void *ctx)
{
	const char *const *known;
	const json_t *v;
	const char *key;
	char child[1024];
	size_t i;

	if (!json_is_object(s))
		return;
	draft = draft_of(s, draft);
	known = draft == D7 ? kw_7 : kw_2020;
	json_object_foreach((json_t *)s, key, v)
	{
		const char *best = NULL;
		size_t best_d = 3;

		if (in_list(kw_2020, key) || in_list(kw_7, key) || in_list(kw_elsewhere, key))
			continue;
		for (i = 0; known[i]; i++) {
			size_t cap = strlen(known[i]) <= 4 ? 1 : 2;
			size_t dist = edit_distance(key, known[i], cap);

			if (dist <= cap && dist < best_d) {
				best = known[i];
				best_d = dist;
			}
		}
		if (!best)
			continue;
		snprintf(child, sizeof(child), "%s", ptr);
		jsonpos_push_key(child, sizeof(child), key);
		fn(ctx, child, key, best);
	}
	/* then the subschemas, where the draft reads them (as scan goes) */
	{
		struct typos_ctx c = { draft, fn, ctx };

		each_subschema(s, ptr, typos_sub, &c);
	}
}

void jsonschema_typos(const json_t *schema, const struct jsonschema_opts *opts,
		      jsonschema_typo_fn fn, void *ctx)
{
	typos_at(schema, opts && opts->draft == JSONSCHEMA_DRAFT_7 ? D7 : D2020, "", fn, ctx);
}

struct typo_lines {
	const struct jsonloc *loc;
	const char *pointer; /* the schema's, in the file */
	struct sbuf *out;
};

/* jsonschema_typos' callback for jsonschema_typo_lines: one located warning line. */
static void typo_line(void *ctx, const char *pointer, const char *key, const char *keyword)
{
	const struct typo_lines *t = ctx;
	char where[1024];
	struct sbuf at = SBUF_INIT;

	sbuf_addf(&at, "%s%s", t->pointer, pointer);
	jsonpos_where(where, sizeof(where), t->loc->file, t->loc->text, t->loc->text_len, at.buf);
	sbuf_addf(t->out,
		  "%s: unknown schema keyword \"%s\" (did you mean \"%s\"?): JSON Schema "
		  "ignores unknown keywords, so it checks nothing\n",
		  where, key, keyword);
	sbuf_release(&at);
}

void jsonschema_typo_lines(const json_t *schema, const struct jsonschema_opts *opts,
			   const struct jsonloc *loc, const char *pointer, struct sbuf *out)
{
	struct typo_lines t = { loc, pointer ? pointer : "", out };

	jsonschema_typos(schema, opts, typo_line, &t);
}
