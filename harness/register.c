/* register.c: the append-only, signed, Merkle-checkpointed vendor register. */
#include "register.h"
#include "base64.h"
#include "canon.h"
#include "fileio.h"
#include "hex.h"
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REGISTER_MAX ((size_t)1 << 30)
#define ZERO_HASH    "0000000000000000000000000000000000000000000000000000000000000000"

/* The keys that signed a register, in order: v[i].pub signs the entries from v[i].from on (and
 * a checkpoint of size >= from) up to the next one's from. v[0] is the trusted key; it signs
 * from entry 0, or, when a rotation entry handed the register over to it, from the entry after
 * that one (the entries before need an earlier key: see scan.start). */
struct keyspan {
	long long from;
	long long rotation; /* the rotation entry that handed over to it; -1: the trusted key */
	struct sign_pub *pub;
};

struct reg_keys {
	struct keyspan *v;
	size_t n;
};

struct reg {
	char *path;
	char *lock_path;
	const struct sign_key *key; /* borrowed; NULL: read-only */
	unsigned flags;		    /* REGISTER_OPEN_* */
	struct reg_keys keys;	    /* as the last verification found them */
	int lock_fd;		    /* held only while verifying or appending */
	struct merkle_hash *leaves;
	size_t n;
	char prev_hex[65]; /* SHA-256 of the last line */
};

struct ckpt {
	size_t size;
	struct merkle_hash root;
	char date[32];
};

/* ---- dates ---- */

time_t register_parse_date(const char *iso)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0;

	if (!iso)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
	    iso[n]) {
		n = 0;
		if (sscanf(iso, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || iso[n])
			return -1;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

void register_format_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- checkpoints ---- */

static char *ckpt_path(const char *path)
{
	struct sbuf sb;
	char *out;

	sbuf_init(&sb);
	sbuf_addf(&sb, "%s.checkpoint", path);
	out = xstrdup(sb.buf);
	sbuf_release(&sb);
	return out;
}

static int ckpt_write(const struct reg *r, struct pl_err *err)
{
	struct sign_pub *pub = sign_key_pub(r->key);
	struct merkle_hash root;
	unsigned char sig[SIGN_SIG_LEN];
	char hex[65], date[32], id[17], *cp = ckpt_path(r->path);
	struct sbuf sb;
	int rc = -1;

	sbuf_init(&sb);
	merkle_root(r->leaves, r->n, &root);
	merkle_hex(&root, hex);
	register_format_date(time(NULL), date, sizeof(date));
	sbuf_addf(&sb, "plumbline register checkpoint v1\nsize %zu\nroot %s\ndate %s\nkey %s\n",
		  r->n, hex, date, sign_pub_keyid(pub, id));
	if (sign_raw(r->key, sb.buf, sb.len, sig, err) < 0)
		goto out;
	sbuf_addstr(&sb, "sig ");
	base64_add(&sb, sig, sizeof(sig));
	sbuf_addch(&sb, '\n');
	rc = fileio_write_atomic(cp, sb.buf, sb.len, 0644, err);
out:
	sign_pub_free(pub);
	sbuf_release(&sb);
	free(cp);
	return rc;
}

/* Reads and verifies a checkpoint file. Returns 0, or -1 (PL_E_INTEGRITY when its signature
 * fails, PL_E_INPUT when malformed). */
static int ckpt_read(const char *file, const struct sign_pub *pub, struct ckpt *c,
		     struct pl_err *err)
{
	char *text = NULL, *sigline, hex[80];
	unsigned char sig[SIGN_SIG_LEN];
	size_t len, body_len;
	unsigned long long size;
	char *nl;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (fileio_read_all(file, 65536, &text, &len, err) < 0)
		return -1;
	sigline = strstr(text, "\nsig ");
	if (strncmp(text, "plumbline register checkpoint v1\n", 33) || !sigline ||
	    sscanf(text, "plumbline register checkpoint v1\nsize %llu\nroot %70s\ndate %31s", &size,
		   hex, c->date) != 3 ||
	    merkle_from_hex(hex, &c->root) < 0) {
		pl_err_set(err, PL_E_INPUT, file, "not a plumbline register checkpoint");
		goto out;
	}
	body_len = (size_t)(sigline - text) + 1;
	sigline += 5;
	nl = strchr(sigline, '\n');
	if (!nl || base64_decode(sigline, (size_t)(nl - sigline), sig, sizeof(sig)) < 0) {
		pl_err_set(err, PL_E_INPUT, file, "checkpoint signature is malformed");
		goto out;
	}
	if (sign_verify_raw(pub, text, body_len, sig, NULL) < 0) {
		char claimed[40] = "", id[17];
		const char *k = strstr(text, "\nkey ");

		if (k && k < sigline)
			sscanf(k, "\nkey %16[0-9A-F]", claimed);
		if (claimed[0] && sign_pub_keyid(pub, id)[0] && strcmp(claimed, id))
			pl_err_set(err, PL_E_INTEGRITY, file,
				   "checkpoint signature does not verify: signed by key %s, not "
				   "by the trusted public key %s",
				   claimed, id);
		else
			pl_err_set(err, PL_E_INTEGRITY, file,
				   "checkpoint signature does not verify with the public key: the "
				   "checkpoint was replaced or edited");
		goto out;
	}
	c->size = (size_t)size;
	rc = 0;
out:
	free(text);
	return rc;
}

int register_read_checkpoint(const char *file, const struct sign_pub *pub, size_t *size,
			     struct merkle_hash *root, struct pl_err *err)
{
	struct ckpt c;

	if (ckpt_read(file, pub, &c, err) < 0)
		return -1;
	*size = c.size;
	*root = c.root;
	return 0;
}

/* 1 when line (len bytes) contains mark. */
static int line_has(const char *line, size_t len, const char *mark)
{
	size_t m = strlen(mark), i;

	for (i = 0; i + m <= len; i++)
		if (line[i] == mark[0] && !memcmp(line + i, mark, m))
			return 1;
	return 0;
}

/* ---- the keys of a register ---- */

static void keys_push(struct reg_keys *k, long long from, long long rotation, struct sign_pub *pub)
{
	k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
	k->v[k->n].from = from;
	k->v[k->n].rotation = rotation;
	k->v[k->n].pub = pub;
	k->n++;
}

static void keys_release(struct reg_keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		sign_pub_free(k->v[i].pub);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* The key that signs entry seq, and a checkpoint of size seq; NULL before the first key's
 * span (entries before the handover to the trusted key). */
static const struct sign_pub *keys_at(const struct reg_keys *k, long long seq)
{
	const struct sign_pub *p = NULL;
	size_t i;

	for (i = 0; i < k->n && k->v[i].from <= seq; i++)
		p = k->v[i].pub;
	return p;
}

const struct sign_pub *register_keys_at(const struct reg_keys *k, long long seq)
{
	return k ? keys_at(k, seq) : NULL;
}

size_t register_keys_count(const struct reg_keys *k)
{
	return k ? k->n : 0;
}

const struct sign_pub *register_keys_get(const struct reg_keys *k, size_t i, long long *from,
					 long long *rotation)
{
	if (!k || i >= k->n)
		return NULL;
	if (from)
		*from = k->v[i].from;
	if (rotation)
		*rotation = k->v[i].rotation;
	return k->v[i].pub;
}

void register_keys_free(struct reg_keys *k)
{
	if (!k)
		return;
	keys_release(k);
	free(k);
}

/* ---- scanning and verifying entries ---- */

/* A rotation entry as read before verification: only to name the key that should have signed
 * an entry that does not verify. */
struct claim {
	size_t idx;
	char old_key[17];
};

struct scan {
	char claimed[17]; /* the key id the checkpoint names (unverified; "" when none) */
	struct claim *claims;
	size_t n_claims;
	struct reg_keys keys;
	size_t start;	    /* the first entry whose signature the trusted key's chain covers:
			       0, or the one after the rotation entry that handed over to it */
	char start_key[17]; /* the key that signed the entries before start (that rotation's
			       old_key) */
	size_t rotations;   /* rotation entries verified */
	struct merkle_hash *leaves;
	size_t n;
	char last_hex[65];
	size_t runs, decisions;
	int unsealed; /* verify_all: one verified entry past a valid checkpoint (see below) */
};

static void scan_release(struct scan *s)
{
	free(s->leaves);
	free(s->claims);
	keys_release(&s->keys);
	memset(s, 0, sizeof(*s));
}

/* The key id that should have signed entry idx by what the register says (unverified): the
 * old key of the first rotation entry at or after it, else the key the checkpoint names. */
static const char *claimed_for(const struct scan *s, size_t idx, long long *rotation)
{
	size_t i;

	*rotation = -1;
	for (i = 0; i < s->n_claims; i++)
		if (s->claims[i].idx >= idx) {
			*rotation = (long long)s->claims[i].idx;
			return s->claims[i].old_key;
		}
	return s->claimed;
}

static int entry_fail(struct pl_err *err, const char *path, size_t line, size_t idx,
		      const char *msg)
{
	char where[600];

	snprintf(where, sizeof(where), "%s:%zu: entry %zu", path, line, idx);
	return pl_err_set(err, PL_E_INTEGRITY, where, "%s", msg);
}

/* Checks a rotation entry (obj, entry idx) whose signed bytes are signed: the keys it names,
 * and new_key_sig, the new key's signature over the same bytes (its holder agreed). pub is
 * the key that signed it (NULL: not known, before the trusted key's span). The new key signs
 * the entries after it: pushed to s->keys when idx >= s->start (the handover to the trusted
 * key itself starts the chain). Returns 0 or -1. */
static int check_rotation(const char *path, size_t idx, const json_t *obj,
			  const struct sbuf *signed_bytes, const struct sign_pub *pub,
			  struct scan *s, struct pl_err *err)
{
	const char *old_key = json_string_value(json_object_get(obj, "old_key"));
	const char *new_key = json_string_value(json_object_get(obj, "new_key"));
	const char *b64 = json_string_value(json_object_get(obj, "new_key_sig"));
	struct sign_pub *np =
		sign_pub_decode(json_string_value(json_object_get(obj, "new_public_key")));
	unsigned char sig[SIGN_SIG_LEN];
	char id[17], msg[300];
	int rc = -1;

	if (!old_key || !new_key || !np || strcmp(sign_pub_keyid(np, id), new_key)) {
		entry_fail(err, path, idx + 1, idx,
			   "key rotation: old_key, new_key or new_public_key is missing or "
			   "malformed, or new_public_key is not the key new_key names: the entry "
			   "was forged or edited");
		goto out;
	}
	if (pub && sign_pub_keyid(pub, id)[0] && strcmp(id, old_key)) {
		snprintf(msg, sizeof(msg),
			 "key rotation: names old key %s, but the key that signs the register "
			 "here is %s: the entry was forged",
			 old_key, id);
		entry_fail(err, path, idx + 1, idx, msg);
		goto out;
	}
	if (pub && sign_pub_equal(pub, np)) {
		entry_fail(err, path, idx + 1, idx,
			   "key rotation: hands the register over to the key that already signs "
			   "it");
		goto out;
	}
	if (!b64 || base64_decode(b64, strlen(b64), sig, sizeof(sig)) < 0 ||
	    sign_verify_raw(np, signed_bytes->buf, signed_bytes->len, sig, NULL) < 0) {
		snprintf(msg, sizeof(msg),
			 "key rotation: the new key's signature (new_key_sig) does not verify "
			 "with new key %s: the entry was forged or edited",
			 new_key);
		entry_fail(err, path, idx + 1, idx, msg);
		goto out;
	}
	s->rotations++;
	if (idx >= s->start) {
		keys_push(&s->keys, (long long)idx + 1, (long long)idx, np);
		np = NULL;
	}
	rc = 0;
out:
	sign_pub_free(np);
	return rc;
}

/* When a key the register retired (an earlier key of s->keys) made sig over the signed bytes:
 * writes why (naming it, the rotation that retired it and the key that should have signed)
 * and returns 1. */
static int retired_signer(const struct scan *s, const struct sign_pub *pub,
			  const struct sbuf *signed_bytes, const unsigned char *sig, char *why,
			  size_t len)
{
	char a[17], b[17];
	size_t i;

	for (i = 0; i + 1 < s->keys.n; i++) {
		const struct keyspan *k = &s->keys.v[i];

		if (sign_pub_equal(k->pub, pub) ||
		    sign_verify_raw(k->pub, signed_bytes->buf, signed_bytes->len, sig, NULL) < 0)
			continue;
		snprintf(why, len,
			 "signature does not verify: signed by key %s, which rotation entry #%lld "
			 "retired, not by the key it was handed over to, %s: a retired key signed "
			 "this entry",
			 sign_pub_keyid(k->pub, a), s->keys.v[i + 1].rotation,
			 sign_pub_keyid(pub, b));
		return 1;
	}
	return 0;
}

/* Checks one line (without newline) as entry number idx. pub is the key that signed it; NULL
 * when it is not known (entries before the handover to the trusted key): then its signature
 * is not checked, only its place in the chain (its bytes are covered by the checkpoint the
 * trusted key signs). */
static int check_entry(const char *path, size_t idx, const char *line, size_t len,
		       const char *prev_hex, const struct sign_pub *pub, struct scan *s,
		       struct pl_err *err)
{
	json_t *obj = NULL, *copy = NULL;
	struct sbuf sb;
	unsigned char sig[SIGN_SIG_LEN];
	const char *sig_b64, *prev, *type;
	json_int_t seq;
	char msg[160];
	int rc = -1, rotation;

	sbuf_init(&sb);
	obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(obj)) {
		entry_fail(err, path, idx + 1, idx, "not a json object: the line was edited");
		goto out;
	}
	if (canon_jcs(obj, &sb, NULL) < 0 || sb.len != len || memcmp(sb.buf, line, len)) {
		entry_fail(err, path, idx + 1, idx, "not in canonical form: the line was edited");
		goto out;
	}
	type = json_string_value(json_object_get(obj, "type"));
	rotation = type && !strcmp(type, "key_rotation");
	sig_b64 = json_string_value(json_object_get(obj, "sig"));
	copy = json_deep_copy(obj);
	json_object_del(copy, "sig");
	/* both keys of a rotation sign the same bytes: the entry without either signature */
	if (rotation)
		json_object_del(copy, "new_key_sig");
	sbuf_reset(&sb);
	if (!sig_b64 || canon_jcs(copy, &sb, NULL) < 0 ||
	    base64_decode(sig_b64, strlen(sig_b64), sig, sizeof(sig)) < 0 ||
	    (pub && sign_verify_raw(pub, sb.buf, sb.len, sig, NULL) < 0)) {
		long long rot;
		const char *claimed = claimed_for(s, idx, &rot);
		char id[17], why[300], by[80] = "the register's checkpoint";

		/* the register names the key that signed it (a rotation entry's old key, else
		 * the checkpoint's): another key than the trusted one is not an edit */
		if (rot >= 0)
			snprintf(by, sizeof(by), "rotation entry #%lld", rot);
		if (pub && retired_signer(s, pub, &sb, sig, why, sizeof(why))) {
			entry_fail(err, path, idx + 1, idx, why);
		} else if (claimed[0] && pub && sign_pub_keyid(pub, id)[0] && strcmp(claimed, id)) {
			snprintf(why, sizeof(why),
				 "signature does not verify: signed by key %s (the key %s names), "
				 "not by the %s %s",
				 claimed, by,
				 s->keys.n < 2 ? "trusted public key"
					       : "key it was handed over to,",
				 id);
			entry_fail(err, path, idx + 1, idx, why);
		} else {
			entry_fail(err, path, idx + 1, idx,
				   "signature does not verify: the entry was edited or forged");
		}
		goto out;
	}
	seq = json_integer_value(json_object_get(obj, "seq"));
	if (!json_is_integer(json_object_get(obj, "seq")) || seq != (json_int_t)idx) {
		snprintf(msg, sizeof(msg),
			 "has seq %lld: an entry was deleted, inserted or reordered before it",
			 (long long)seq);
		entry_fail(err, path, idx + 1, idx, msg);
		goto out;
	}
	prev = json_string_value(json_object_get(obj, "prev"));
	if (!prev || strcmp(prev, prev_hex)) {
		entry_fail(err, path, idx + 1, idx,
			   "prev does not match the hash of the entry before it: that entry was "
			   "changed, removed or moved");
		goto out;
	}
	if (rotation && check_rotation(path, idx, obj, &sb, pub, s, err) < 0)
		goto out;
	if (type && !strcmp(type, "run"))
		s->runs++;
	else if (type && !strcmp(type, "decision"))
		s->decisions++;
	rc = 0;
out:
	json_decref(obj);
	json_decref(copy);
	sbuf_release(&sb);
	return rc;
}

/* The key id the checkpoint of the register at path names ("key KEYID"), unverified: only to
 * tell a register signed by another key from an edited one. "" when there is none. */
static void ckpt_claimed_key(const char *path, char id[17])
{
	struct pl_err ignore = PL_ERR_INIT;
	char *cp = ckpt_path(path), *text = NULL, *k;
	size_t len;

	id[0] = '\0';
	if (fileio_exists(cp) && fileio_read_all(cp, 65536, &text, &len, &ignore) == 0) {
		k = strstr(text, "\nkey ");
		if (k && strspn(k + 5, "0123456789ABCDEF") == 16)
			snprintf(id, 17, "%.16s", k + 5);
	}
	free(text);
	free(cp);
}

/* Before verifying: the rotation entries the register holds (claims, to name the key an entry
 * should have been signed with), and where the trusted key's chain starts: entry 0 when the
 * trusted key signed it, else the entry after the first rotation entry that hands the register
 * over to the trusted key (an auditor who holds only a later key). */
/* 1 when the entry line (len bytes) carries a signature of pub over its signed bytes. */
static int signed_by(const char *line, size_t len, const struct sign_pub *pub)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	const char *b64 = json_string_value(json_object_get(o, "sig"));
	unsigned char sig[SIGN_SIG_LEN];
	struct sbuf sb = SBUF_INIT;
	int ok;

	json_object_del(o, "new_key_sig");
	ok = b64 && base64_decode(b64, strlen(b64), sig, sizeof(sig)) == 0 &&
	     json_object_del(o, "sig") == 0 && canon_jcs(o, &sb, NULL) == 0 &&
	     sign_verify_raw(pub, sb.buf, sb.len, sig, NULL) == 0;
	sbuf_release(&sb);
	json_decref(o);
	return ok;
}

static void prescan(const char *text, size_t len, const struct sign_pub *trusted, struct scan *s)
{
	static const char mark[] = "\"type\":\"key_rotation\"";
	const char *p, *nl;
	size_t idx = 0;
	int found = 0;

	/* the register's first key is trusted from entry 0, whatever a rotation names */
	nl = memchr(text, '\n', len);
	if (nl && signed_by(text, (size_t)(nl - text), trusted))
		found = 1;
	for (p = text; p < text + len; p = nl + 1, idx++) {
		json_t *o;
		struct sign_pub *np;
		const char *old;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			break;
		if (!line_has(p, (size_t)(nl - p), mark))
			continue;
		o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		old = json_string_value(json_object_get(o, "old_key"));
		s->claims = xrealloc(s->claims, (s->n_claims + 1) * sizeof(*s->claims));
		s->claims[s->n_claims].idx = idx;
		snprintf(s->claims[s->n_claims].old_key, 17, "%s",
			 old && strlen(old) == 16 ? old : "");
		s->n_claims++;
		np = sign_pub_decode(json_string_value(json_object_get(o, "new_public_key")));
		if (!found && sign_pub_equal(np, trusted)) {
			found = 1;
			s->start = idx + 1;
			snprintf(s->start_key, sizeof(s->start_key), "%s", old ? old : "");
		}
		sign_pub_free(np);
		json_decref(o);
	}
}

/* Reads and verifies every entry of path (a missing file is empty). The first n_known entries
 * were verified before (known: their leaf hashes): each must be byte for byte the same, which
 * its leaf hash shows without checking its signature again (a rotation among them is read
 * again for the key it hands over to). */
static int scan_entries(const char *path, const struct sign_pub *pub,
			const struct merkle_hash *known, size_t n_known, struct scan *s,
			struct pl_err *err)
{
	char *text = NULL, *p, *nl;
	size_t len = 0, idx = 0;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	snprintf(s->last_hex, sizeof(s->last_hex), "%s", ZERO_HASH);
	keys_push(&s->keys, 0, -1, sign_pub_dup(pub));
	if (!fileio_exists(path))
		return 0;
	ckpt_claimed_key(path, s->claimed);
	if (fileio_read_all(path, REGISTER_MAX, &text, &len, err) < 0)
		return -1;
	prescan(text, len, pub, s);
	s->keys.v[0].from = (long long)s->start;
	for (p = text; p < text + len; p = nl + 1, idx++) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl) {
			entry_fail(err, path, idx + 1, idx,
				   "incomplete last line (interrupted append, or truncated)");
			goto out;
		}
		s->leaves = xrealloc(s->leaves, (idx + 1) * sizeof(*s->leaves));
		merkle_leaf_hash(p, (size_t)(nl - p), &s->leaves[idx]);
		if (idx < n_known && memcmp(s->leaves[idx].h, known[idx].h, MERKLE_HASH_LEN)) {
			entry_fail(err, path, idx + 1, idx,
				   "changed since this run verified the register");
			goto out;
		}
		if ((idx >= n_known || line_has(p, (size_t)(nl - p), "\"key_rotation\"")) &&
		    check_entry(path, idx, p, (size_t)(nl - p), s->last_hex,
				keys_at(&s->keys, (long long)idx), s, err) < 0)
			goto out;
		hex_sha256(p, (size_t)(nl - p), s->last_hex);
		s->n = idx + 1;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* Reads and verifies a checkpoint of the register s scanned with the key that signs a
 * checkpoint of its size: the key current after that many entries. One that covers entries
 * before the handover to the trusted key cannot be checked with it. */
static int ckpt_read_keys(const char *file, const struct scan *s, struct ckpt *c,
			  struct pl_err *err)
{
	unsigned long long size = 0;
	const struct sign_pub *k;
	char *text = NULL;
	size_t len;

	if (fileio_read_all(file, 65536, &text, &len, err) < 0)
		return -1;
	if (sscanf(text, "plumbline register checkpoint v1\nsize %llu", &size) != 1)
		size = 0; /* malformed: ckpt_read says so */
	free(text);
	if (size > s->n)
		size = s->n;
	k = keys_at(&s->keys, (long long)size);
	if (!k)
		return pl_err_set(
			err, PL_E_INTEGRITY, file,
			"the checkpoint covers %llu entries, signed before the register was "
			"handed over to the trusted public key (rotation entry #%zu): it "
			"verifies only with the earlier key %s (the original public key)",
			size, s->start - 1, s->start_key);
	return ckpt_read(file, k, c, err);
}

/* Verifies entries and the checkpoint together (known, n_known: scan_entries). */
static int verify_from(const char *path, const struct sign_pub *pub,
		       const struct merkle_hash *known, size_t n_known, struct scan *s,
		       struct ckpt *c, struct pl_err *err)
{
	char *cp = ckpt_path(path);
	struct merkle_hash root;
	int rc = -1;

	if (scan_entries(path, pub, known, n_known, s, err) < 0)
		goto out;
	if (!fileio_exists(cp)) {
		if (s->n) {
			pl_err_set(err, PL_E_INTEGRITY, cp,
				   "the register has %zu entries but no signed checkpoint", s->n);
			goto out;
		}
		memset(c, 0, sizeof(*c));
		merkle_root(NULL, 0, &c->root);
		rc = 0;
		goto out;
	}
	if (ckpt_read_keys(cp, s, c, err) < 0)
		goto out;
	if (c->size != s->n) {
		char where[600];

		/* An append writes the entry, then the checkpoint: a crash in between leaves one
		 * signed, chained entry past a checkpoint that is right for the others. */
		if (c->size + 1 == s->n) {
			merkle_root(s->leaves, c->size, &root);
			s->unsealed = !memcmp(root.h, c->root.h, MERKLE_HASH_LEN);
		}

		snprintf(where, sizeof(where), "%s", cp);
		pl_err_set(err, PL_E_INTEGRITY, where,
			   c->size < s->n ? "the signed checkpoint covers %zu entries but the "
					    "register has %zu: entries were added without signing"
					  : "the signed checkpoint covers %zu entries but the "
					    "register has %zu: the register was truncated",
			   c->size, s->n);
		goto out;
	}
	merkle_root(s->leaves, s->n, &root);
	if (memcmp(root.h, c->root.h, MERKLE_HASH_LEN)) {
		pl_err_set(err, PL_E_INTEGRITY, cp,
			   "the register's merkle root does not match the signed checkpoint");
		goto out;
	}
	rc = 0;
out:
	free(cp);
	return rc;
}

static int verify_all(const char *path, const struct sign_pub *pub, struct scan *s, struct ckpt *c,
		      struct pl_err *err)
{
	return verify_from(path, pub, NULL, 0, s, c, err);
}

static void reg_unlock(struct reg *r)
{
	lock_file_release(r->lock_fd);
	r->lock_fd = -1;
}

/* The register's current key is not the secret key (pub): a rotation entry handed the
 * register over from it to another key. */
static int handed_over_error(const struct reg *r, const struct sign_pub *pub, struct pl_err *err)
{
	const struct keyspan *last = &r->keys.v[r->keys.n - 1];
	char to[17], from[17];

	return pl_err_set(err, PL_E_IO, r->path,
			  "register entry #%lld (a key rotation) hands the register over to key "
			  "%s, but the secret key is key %s, which it retired: the rotation was "
			  "interrupted before the new key was put in place ('plumbline keygen "
			  "--rotate' finishes it), or a retired key was restored; a retired key "
			  "never signs again",
			  last->rotation, sign_pub_keyid(last->pub, to), sign_pub_keyid(pub, from));
}

/* Takes the register's lock and verifies what it holds now: the entries this process verified
 * before must be unchanged, and those another run appended since are verified as any (runs
 * on other vendors or suites share the register, so it is locked only while one of them
 * verifies or appends, never for a whole night). A run killed between its entry and the
 * checkpoint is sealed here. */
static int reg_lock(struct reg *r, size_t n_known, struct pl_err *err)
{
	struct sign_pub *pub = NULL;
	struct pl_err why = PL_ERR_INIT;
	struct scan s;
	struct ckpt c;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	r->lock_fd = lock_file_acquire(r->lock_path, err);
	if (r->lock_fd < 0)
		return -1;
	if (!r->key)
		return 0;
	pub = sign_key_pub(r->key);
	if (verify_from(r->path, pub, r->leaves, n_known, &s, &c, &why) < 0 && !s.unsealed) {
		pl_err_set(err, why.code, why.where[0] ? why.where : NULL, "%s", why.msg);
		pl_err_set(err, PL_E_INTEGRITY, r->path, "register does not verify");
		goto out;
	}
	free(r->leaves);
	r->leaves = s.leaves;
	r->n = s.n;
	memcpy(r->prev_hex, s.last_hex, sizeof(r->prev_hex));
	s.leaves = NULL;
	keys_release(&r->keys);
	r->keys = s.keys;
	memset(&s.keys, 0, sizeof(s.keys));
	if (!sign_pub_equal(keys_at(&r->keys, (long long)r->n), pub)) {
		if (!(r->flags & REGISTER_OPEN_HANDED_OVER)) {
			handed_over_error(r, pub, err);
			goto out;
		}
	} else if (s.unsealed && ckpt_write(r, err) < 0) {
		goto out;
	}
	rc = 0;
out:
	scan_release(&s);
	sign_pub_free(pub);
	if (rc < 0)
		reg_unlock(r);
	return rc;
}

/* ---- open / append ---- */

struct reg *register_open(const char *path, const struct sign_key *key, struct pl_err *err)
{
	return register_open_flags(path, key, 0, err);
}

struct reg *register_open_flags(const char *path, const struct sign_key *key, unsigned flags,
				struct pl_err *err)
{
	struct reg *r = xcalloc(1, sizeof(*r));
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct sbuf lock;

	sbuf_init(&lock);
	r->lock_fd = -1;
	r->path = xstrdup(path);
	r->key = key;
	r->flags = flags;
	if (slash) {
		*slash = '\0';
		if (*dir && fileio_mkdirs(dir, err) < 0)
			goto fail;
	}
	sbuf_addf(&lock, "%s.lock", path);
	r->lock_path = sbuf_detach(&lock, NULL);
	if (fileio_check_dirs(path, 1, err) < 0 || fileio_check_not_link(path, err) < 0)
		goto fail;
	{
		char *cp = ckpt_path(path);
		int bad = fileio_check_not_link(cp, err) < 0;

		free(cp);
		if (bad)
			goto fail;
	}
	/* Verified now, before anything is sent; each append locks and looks again. */
	if (reg_lock(r, 0, err) < 0)
		goto fail;
	reg_unlock(r);
	free(dir);
	return r;
fail:
	free(dir);
	register_close(r);
	return NULL;
}

void register_close(struct reg *r)
{
	if (!r)
		return;
	reg_unlock(r);
	keys_release(&r->keys);
	free(r->leaves);
	free(r->lock_path);
	free(r->path);
	free(r);
}

size_t register_size(const struct reg *r)
{
	return r->n;
}

long long register_next_seq(const struct reg *r)
{
	return (long long)r->n;
}

/* Seals obj (stolen) as the next entry: seq, prev, sig; appends it and the checkpoint. A key
 * rotation has a cosigner, the new key: it signs the same bytes ("new_key_sig"), signs the
 * checkpoint after the entry, and signs the register from then on (r->key). */
static long long append_signed(struct reg *r, json_t *obj, const struct sign_key *cosigner,
			       struct pl_err *err)
{
	unsigned char sig[SIGN_SIG_LEN];
	struct sign_pub *pub = NULL;
	struct sbuf sb, b64;
	long long seq = -1;
	int own_lock = r->lock_fd < 0; /* else the caller holds it (sign_and_append) */

	sbuf_init(&sb);
	sbuf_init(&b64);
	if (!r->key) {
		pl_err_set(err, PL_E_INTERNAL, r->path, "register opened without a signing key");
		own_lock = 0;
		goto out;
	}
	if (own_lock && reg_lock(r, r->n, err) < 0) {
		own_lock = 0;
		goto out;
	}
	pub = sign_key_pub(r->key);
	if (!sign_pub_equal(keys_at(&r->keys, (long long)r->n), pub)) {
		handed_over_error(r, pub, err);
		goto out;
	}
	json_object_set_new(obj, "seq", json_integer((json_int_t)r->n));
	json_object_set_new(obj, "prev", json_string(r->prev_hex));
	if (canon_jcs(obj, &sb, err) < 0 || sign_raw(r->key, sb.buf, sb.len, sig, err) < 0)
		goto out;
	base64_add(&b64, sig, sizeof(sig));
	json_object_set_new(obj, "sig", json_string(b64.buf));
	if (cosigner) {
		if (sign_raw(cosigner, sb.buf, sb.len, sig, err) < 0)
			goto out;
		sbuf_reset(&b64);
		base64_add(&b64, sig, sizeof(sig));
		json_object_set_new(obj, "new_key_sig", json_string(b64.buf));
	}
	sbuf_reset(&sb);
	if (canon_jcs(obj, &sb, err) < 0)
		goto out;
	r->leaves = xrealloc(r->leaves, (r->n + 1) * sizeof(*r->leaves));
	merkle_leaf_hash(sb.buf, sb.len, &r->leaves[r->n]);
	hex_sha256(sb.buf, sb.len, r->prev_hex);
	sbuf_addch(&sb, '\n');
	if (fileio_append(r->path, sb.buf, sb.len, 0644, err) < 0)
		goto out;
	r->n++;
	if (cosigner) {
		keys_push(&r->keys, (long long)r->n, (long long)r->n - 1, sign_key_pub(cosigner));
		r->key = cosigner;
	}
	if (ckpt_write(r, err) < 0)
		goto out;
	seq = (long long)r->n - 1;
out:
	if (own_lock)
		reg_unlock(r);
	sign_pub_free(pub);
	json_decref(obj);
	sbuf_release(&sb);
	sbuf_release(&b64);
	return seq;
}

static long long append_obj(struct reg *r, json_t *obj, struct pl_err *err)
{
	return append_signed(r, obj, NULL, err);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static void set_num(json_t *o, const char *k, double v)
{
	if (v >= 0 && isfinite(v))
		json_object_set_new(o, k, json_real(v));
}

static void set_date(json_t *o, const char *date)
{
	char now[32];

	if (!date) {
		register_format_date(time(NULL), now, sizeof(now));
		date = now;
	}
	json_object_set_new(o, "date", json_string(date));
}

/* "night": the given day, else the day of the entry's date (already set in o). */
static int set_night(json_t *o, const char *night, struct pl_err *err, const char *path)
{
	char day[11];

	if (night) {
		if (strlen(night) != 10 || register_parse_date(night) < 0)
			return pl_err_set(err, PL_E_INTERNAL, path, "bad night \"%s\"", night);
		json_object_set_new(o, "night", json_string(night));
		return 0;
	}
	snprintf(day, sizeof(day), "%s", json_string_value(json_object_get(o, "date")));
	json_object_set_new(o, "night", json_string(day));
	return 0;
}

/* The default report_path: the last two components of the report's path (REPORTS/NIGHT/
 * VENDOR-SUITE.json gives NIGHT/VENDOR-SUITE.json), or its name alone. */
static const char *tail_path(const char *path, int parts)
{
	const char *p = path + strlen(path);
	int seen = 0;

	while (p > path) {
		if (p[-1] == '/' && ++seen == parts)
			return p;
		p--;
	}
	return path;
}

static const char *default_rel(const char *report)
{
	const char *t = tail_path(report, 2);

	while (!strncmp(t, "./", 2))
		t += 2;
	return t;
}

/* Non-empty and valid UTF-8 (what a json string can hold). */
static int valid_str(const char *s)
{
	json_t *j;

	if (!s || !*s)
		return 0;
	j = json_string(s);
	json_decref(j);
	return j != NULL;
}

long long register_append_run(struct reg *r, const struct reg_run_entry *e, struct pl_err *err)
{
	char sha[65];
	json_t *o;

	if (!valid_str(e->vendor) || !valid_str(e->model) || !valid_str(e->suite) ||
	    !valid_str(e->verdict) || !valid_str(e->report))
		return pl_err_set(err, PL_E_INTERNAL, r->path,
				  "run entry lacks vendor, model, suite, verdict or report");
	if (e->date && register_parse_date(e->date) < 0)
		return pl_err_set(err, PL_E_INTERNAL, r->path, "bad date \"%s\"", e->date);
	if (!e->report_sha256 && sign_sha256_file(e->report, sha, err) < 0)
		return -1;
	o = json_object();
	json_object_set_new(o, "type", json_string("run"));
	set_date(o, e->date);
	if (set_night(o, e->night, err, r->path) < 0) {
		json_decref(o);
		return -1;
	}
	set_str(o, "vendor", e->vendor);
	set_str(o, "model", e->model);
	set_str(o, "suite", e->suite);
	set_str(o, "verdict", e->verdict);
	set_str(o, "epoch", e->epoch);
	json_object_set_new(o, "new_epoch", json_boolean(e->new_epoch));
	set_str(o, "summary", e->summary);
	set_str(o, "report", e->report);
	set_str(o, "report_path", e->report_path ? e->report_path : default_rel(e->report));
	set_str(o, "report_sha256", e->report_sha256 ? e->report_sha256 : sha);
	set_num(o, "availability", e->availability);
	set_num(o, "latency_p50_ms", e->latency_p50_ms);
	set_num(o, "latency_p95_ms", e->latency_p95_ms);
	set_str(o, "journal_sha256", e->journal_sha256);
	if (e->forced)
		json_object_set_new(o, "forced", json_true());
	if (e->returned_epoch)
		json_object_set_new(o, "returned_epoch", json_true());
	set_str(o, "stage", e->stage);
	return append_obj(r, o, err);
}

long long register_append_decision(struct reg *r, const struct reg_decision_entry *e,
				   struct pl_err *err)
{
	json_t *o;

	if (!valid_str(e->action) || !valid_str(e->by) || !valid_str(e->reason) ||
	    !valid_str(e->vendor) || !valid_str(e->model) || !valid_str(e->suite) ||
	    !valid_str(e->new_baseline_sha256))
		return pl_err_set(err, PL_E_INTERNAL, r->path,
				  "decision entry lacks action, by, reason, vendor, model, suite "
				  "or new baseline hash");
	o = json_object();
	json_object_set_new(o, "type", json_string("decision"));
	set_date(o, e->date);
	if (set_night(o, e->night, err, r->path) < 0) {
		json_decref(o);
		return -1;
	}
	set_str(o, "action", e->action);
	set_str(o, "by", e->by);
	set_str(o, "reason", e->reason);
	set_str(o, "vendor", e->vendor);
	set_str(o, "model", e->model);
	set_str(o, "suite", e->suite);
	if (e->accepts_seq >= 0)
		json_object_set_new(o, "accepts_seq", json_integer(e->accepts_seq));
	set_str(o, "report", e->report);
	set_str(o, "report_sha256", e->report_sha256);
	set_str(o, "epoch", e->epoch);
	set_str(o, "old_baseline_sha256", e->old_baseline_sha256);
	set_str(o, "new_baseline_sha256", e->new_baseline_sha256);
	set_str(o, "journal_sha256", e->journal_sha256);
	if (e->topped_up > 0)
		json_object_set_new(o, "topped_up", json_integer(e->topped_up));
	return append_obj(r, o, err);
}

long long register_append_rotation(struct reg *r, const struct sign_key *new_key,
				   const char *reason, const char *date, struct pl_err *err)
{
	struct sign_pub *oldp, *newp;
	struct sbuf b64;
	char id[17];
	json_t *o;

	if (!r->key || !new_key)
		return pl_err_set(err, PL_E_INTERNAL, r->path, "a key rotation needs both keys");
	if (date && register_parse_date(date) < 0)
		return pl_err_set(err, PL_E_INTERNAL, r->path, "bad date \"%s\"", date);
	if (reason && !valid_str(reason))
		return pl_err_set(err, PL_E_INPUT, r->path,
				  "the reason must be non-empty UTF-8 text");
	oldp = sign_key_pub(r->key);
	newp = sign_key_pub(new_key);
	sbuf_init(&b64);
	sign_pub_encode(newp, &b64);
	o = json_object();
	json_object_set_new(o, "type", json_string("key_rotation"));
	set_date(o, date);
	set_night(o, NULL, err, r->path);
	json_object_set_new(o, "old_key", json_string(sign_pub_keyid(oldp, id)));
	json_object_set_new(o, "new_key", json_string(sign_pub_keyid(newp, id)));
	json_object_set_new(o, "new_public_key", json_string(b64.buf));
	set_str(o, "reason", reason);
	sbuf_release(&b64);
	sign_pub_free(oldp);
	sign_pub_free(newp);
	return append_signed(r, o, new_key, err);
}

const struct sign_pub *register_current_key(const struct reg *r, long long *rotation)
{
	const struct keyspan *last = r->keys.n ? &r->keys.v[r->keys.n - 1] : NULL;

	if (rotation)
		*rotation = last ? last->rotation : -1;
	return last ? last->pub : NULL;
}

int register_finish_rotation(struct reg *r, const struct sign_key *new_key, struct pl_err *err)
{
	struct sign_pub *np = sign_key_pub(new_key);
	char id[17], want[17];
	int rc = -1;

	if (reg_lock(r, r->n, err) < 0)
		goto out;
	if (!sign_pub_equal(keys_at(&r->keys, (long long)r->n), np)) {
		pl_err_set(err, PL_E_IO, r->path,
			   "the register's current key is %s, not the new key %s: there is no "
			   "interrupted rotation to this key to finish",
			   sign_pub_keyid(keys_at(&r->keys, (long long)r->n), want),
			   sign_pub_keyid(np, id));
	} else {
		/* the checkpoint after the rotation entry is the new key's (a crash may have
		 * left the one before it, signed by the old key) */
		r->key = new_key;
		rc = ckpt_write(r, err);
	}
	reg_unlock(r);
out:
	sign_pub_free(np);
	return rc;
}

static void add_field(struct sbuf *out, const char *key, const char *val)
{
	const char *p;

	if (out->len)
		sbuf_addch(out, '\t');
	sbuf_addf(out, "%s:", key);
	for (p = val ? val : ""; *p; p++)
		sbuf_addch(out, ((unsigned char)*p < 0x20 || *p == 0x7f) ? '_' : *p);
}

void register_trusted_comment(struct sbuf *out, const struct reg_run_entry *e, long long seq,
			      const char *sha256_hex)
{
	const char *base = strrchr(e->report, '/');
	char num[32], now[32];
	time_t t = e->date ? register_parse_date(e->date) : time(NULL);

	sbuf_reset(out);
	if (!e->date)
		register_format_date(t, now, sizeof(now));
	snprintf(num, sizeof(num), "%lld", (long long)t);
	add_field(out, "timestamp", num);
	add_field(out, "file", base ? base + 1 : e->report);
	add_field(out, "date", e->date ? e->date : now);
	snprintf(num, sizeof(num), "%lld", seq);
	add_field(out, "register_seq", num);
	add_field(out, "sha256", sha256_hex);
	if (e->night)
		add_field(out, "night", e->night);
	add_field(out, "path", e->report_path ? e->report_path : default_rel(e->report));
	add_field(out, "vendor", e->vendor);
	add_field(out, "model", e->model);
	add_field(out, "suite", e->suite);
	if (out->len > SIGN_COMMENT_MAX - 20) { /* long names: keep the binding fields */
		out->len = SIGN_COMMENT_MAX - 20;
		out->buf[out->len] = '\0';
	}
}

long long register_sign_and_append(struct reg *r, const struct sign_key *key,
				   const struct reg_run_entry *e, struct pl_err *err)
{
	struct reg_run_entry copy = *e;
	char sha[65], now[32], night[11];
	struct sbuf tc;
	long long seq = -1;

	sbuf_init(&tc);
	if (!copy.date) { /* one date for the comment and the entry */
		register_format_date(time(NULL), now, sizeof(now));
		copy.date = now;
	}
	if (!copy.night) {					    /* and one night */
		snprintf(night, sizeof(night), "%.10s", copy.date); /* the day of the date */
		copy.night = night;
	}
	if (sign_sha256_file(e->report, sha, err) < 0)
		goto out;
	copy.report_sha256 = sha;
	/* Locked from here to the append, so the next seq is the one this entry gets. */
	if (reg_lock(r, r->n, err) < 0)
		goto out;
	register_trusted_comment(&tc, &copy, register_next_seq(r), sha);
	if (sign_file(key, e->report, tc.buf, err) >= 0)
		seq = register_append_run(r, &copy, err);
	reg_unlock(r);
out:
	sbuf_release(&tc);
	return seq;
}

/* ---- verification and proofs ---- */

/* 1 when the register at path holds a key rotation entry (unverified: a hint). */
static int has_rotation(const char *path)
{
	struct pl_err ignore = PL_ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	int has;

	has = fileio_read_all(path, REGISTER_MAX, &text, &len, &ignore) == 0 &&
	      line_has(text, len, "\"type\":\"key_rotation\"");
	free(text);
	return has;
}

int register_key_now(const char *path, const struct sign_pub *pub, char id[17], struct pl_err *err)
{
	struct pl_err why = PL_ERR_INIT;
	struct scan s;
	struct ckpt c;
	int rc = -1;

	id[0] = '\0';
	/* a crash between an entry and its checkpoint is not tampering: the next append seals
	 * it */
	if (verify_all(path, pub, &s, &c, &why) < 0 && !s.unsealed) {
		*err = why;
		goto out;
	}
	sign_pub_keyid(keys_at(&s.keys, (long long)s.n), id);
	rc = 0;
out:
	scan_release(&s);
	return rc;
}

int register_read_checkpoint_of(const char *file, const char *reg, const struct sign_pub *pub,
				size_t *size, struct merkle_hash *root, struct pl_err *err)
{
	struct pl_err first = PL_ERR_INIT;
	struct scan s;
	struct ckpt c, mine;
	int rc = -1;

	if (register_read_checkpoint(file, pub, size, root, &first) == 0)
		return 0;
	if (!fileio_exists(reg) || !has_rotation(reg)) {
		*err = first;
		return -1;
	}
	/* signed by another key: the one the register's rotations made current at its size */
	if (verify_all(reg, pub, &s, &mine, err) == 0 && ckpt_read_keys(file, &s, &c, err) == 0) {
		*size = c.size;
		*root = c.root;
		rc = 0;
	}
	scan_release(&s);
	return rc;
}

int register_verify(const char *path, const struct sign_pub *pub, const char *old_checkpoint,
		    struct reg_verify_result *out, struct pl_err *err)
{
	return register_verify_keys(path, pub, old_checkpoint, out, NULL, err);
}

int register_verify_keys(const char *path, const struct sign_pub *pub, const char *old_checkpoint,
			 struct reg_verify_result *out, struct reg_keys **keys, struct pl_err *err)
{
	struct scan s;
	struct ckpt c, old;
	struct merkle_hash *proof = NULL;
	size_t plen = 0, i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	/* verify_all treats a missing file as a new, empty register (what register_open needs);
	 * for verify a missing register or checkpoint is missing evidence. */
	if (!fileio_exists(path)) {
		pl_err_set(err, PL_E_INTEGRITY, path,
			   "the register does not exist: nothing to verify (it was deleted, or "
			   "the path is wrong)");
		goto out;
	}
	{
		char *cp = ckpt_path(path);
		int have = fileio_exists(cp);

		if (!have)
			pl_err_set(err, PL_E_INTEGRITY, cp,
				   "the register has no signed checkpoint (it was deleted)");
		free(cp);
		if (!have)
			goto out;
	}
	if (verify_all(path, pub, &s, &c, err) < 0)
		goto out;
	out->entries = s.n;
	out->runs = s.runs;
	out->decisions = s.decisions;
	out->rotations = s.rotations;
	out->unchecked = s.start;
	snprintf(out->unchecked_key, sizeof(out->unchecked_key), "%s", s.start_key);
	out->unchecked_from = 0;
	for (i = 0; i < s.n_claims; i++) {
		/* an earlier rotation: the handover's old key signs only from after it */
		if (s.claims[i].idx + 1 < s.start && s.claims[i].idx + 1 > out->unchecked_from)
			out->unchecked_from = s.claims[i].idx + 1;
	}
	sign_pub_keyid(keys_at(&s.keys, (long long)s.n), out->current_key);
	out->checkpoint_size = c.size;
	merkle_hex(&c.root, out->root_hex);
	snprintf(out->checkpoint_date, sizeof(out->checkpoint_date), "%s", c.date);
	if (old_checkpoint) {
		if (ckpt_read_keys(old_checkpoint, &s, &old, err) < 0)
			goto out;
		if (old.size > s.n) {
			pl_err_set(err, PL_E_INTEGRITY, old_checkpoint,
				   "the saved checkpoint covers %zu entries but the register has "
				   "only %zu: the register was rolled back",
				   old.size, s.n);
			goto out;
		}
		if (old.size > 0) {
			struct pl_err why = PL_ERR_INIT;

			if (merkle_consistency_proof(s.leaves, s.n, old.size, &proof, &plen, &why) <
				    0 ||
			    merkle_verify_consistency(old.size, s.n, &old.root, &c.root, proof,
						      plen, &why) < 0) {
				pl_err_set(err, PL_E_INTEGRITY, old_checkpoint,
					   "the register is not an extension of this saved "
					   "checkpoint: its first %zu entries were changed (%s)",
					   old.size, why.msg);
				goto out;
			}
		}
		out->old_checkpoint_checked = 1;
		out->old_checkpoint_size = old.size;
	}
	if (keys) {
		*keys = xcalloc(1, sizeof(**keys));
		**keys = s.keys;
		memset(&s.keys, 0, sizeof(s.keys));
	}
	rc = 0;
out:
	free(proof);
	scan_release(&s);
	return rc;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

void register_describe_counts(const struct reg_verify_result *res, struct sbuf *out)
{
	sbuf_addf(out, "%zu entr%s (%zu run%s, %zu decision%s", res->entries,
		  res->entries == 1 ? "y" : "ies", res->runs, plural(res->runs), res->decisions,
		  plural(res->decisions));
	if (res->rotations)
		sbuf_addf(out, ", %zu key rotation%s: signed by key %s now", res->rotations,
			  plural(res->rotations), res->current_key);
	sbuf_addch(out, ')');
}

void register_describe_unchecked(const struct reg_verify_result *res, struct sbuf *out)
{
	if (!res->unchecked)
		return;
	sbuf_addf(out, "not checked: the signatures of entries #0 to #%zu by key %s",
		  res->unchecked - 1, res->unchecked_key);
	if (res->unchecked_from)
		sbuf_addf(out, " (#%zu on; those before by the keys earlier rotations retired)",
			  res->unchecked_from);
	sbuf_addf(out,
		  ", the key before rotation entry #%zu handed the register over to the trusted "
		  "key (its new-key signature was checked): verify them with the original public "
		  "key; their bytes are covered only by the hash chain and the checkpoint the "
		  "trusted key signed\n",
		  res->unchecked - 1);
}

static const char *sget(const json_t *o, const char *k);

void register_entry_night(const json_t *entry, char buf[11])
{
	const char *n = json_string_value(json_object_get(entry, "night"));

	if (!n)
		n = json_string_value(json_object_get(entry, "date"));
	snprintf(buf, 11, "%s", n ? n : "");
}

/* 1 when path ends with tail at a component boundary ("a/b/c" ends with "b/c", not "/c"). */
static int ends_with_path(const char *path, const char *tail)
{
	size_t a = strlen(path), b = strlen(tail);

	if (!b || b > a || strcmp(path + a - b, tail))
		return 0;
	return a == b || path[a - b - 1] == '/';
}

static int tc_differs(const char *tc, const char *key, const char *want)
{
	char got[SIGN_COMMENT_MAX];

	if (!tc || sign_tc_field(tc, key, got, sizeof(got)) < 0 || !want)
		return 0; /* older comments lack night and path */
	return strcmp(got, want) != 0;
}

/* The first run entry after seq for the same report path (a --force re-run of the night);
 * -1 when none. */
static long long replaced_by(const json_t *entries, long long seq, const char *rel)
{
	size_t i;

	for (i = (size_t)seq + 1; rel && i < json_array_size(entries); i++) {
		const json_t *o = json_array_get(entries, i);
		const char *t = sget(o, "type"), *p = sget(o, "report_path");

		if (t && !strcmp(t, "run") && p && !strcmp(p, rel))
			return (long long)i;
	}
	return -1;
}

int register_check_report(const json_t *entries, long long seq, const char *file, const char *sha,
			  const char *tc, struct pl_err *err)
{
	const json_t *e = json_array_get(entries, (size_t)seq);
	const char *type = sget(e, "type"), *rsha = sget(e, "report_sha256");
	const char *rel = sget(e, "report_path"), *rep = sget(e, "report");
	char *have = fileio_abspath_named(file);
	long long later;
	int rc = -1;

	if (!type || strcmp(type, "run")) {
		pl_err_set(err, PL_E_INTEGRITY, file, "register entry #%lld is not a run entry",
			   seq);
	} else if (!rsha || strcmp(rsha, sha)) {
		pl_err_set(err, PL_E_INTEGRITY, file,
			   "register entry #%lld records another report hash (%s): this is not "
			   "the report it registered",
			   seq, rsha ? rsha : "none");
	} else if (rel && !ends_with_path(have, rel)) {
		pl_err_set(err, PL_E_INTEGRITY, file,
			   "register entry #%lld is the report at \"%s\" (night %s, %s/%s): this "
			   "file is at another path, an old report copied over a newer one?",
			   seq, rel, sget(e, "night") ? sget(e, "night") : "?",
			   sget(e, "vendor") ? sget(e, "vendor") : "?",
			   sget(e, "suite") ? sget(e, "suite") : "?");
	} else if (!rel && (!rep || !ends_with_path(have, tail_path(rep, 2)))) {
		/* an entry older than report_path: its night folder and name */
		pl_err_set(err, PL_E_INTEGRITY, file,
			   "register entry #%lld names another report file (\"%s\")", seq,
			   rep ? rep : "none");
	} else if (tc_differs(tc, "date", sget(e, "date")) ||
		   tc_differs(tc, "night", sget(e, "night")) || tc_differs(tc, "path", rel)) {
		pl_err_set(err, PL_E_INTEGRITY, file,
			   "the signed comment's date, night or path differs from register "
			   "entry #%lld",
			   seq);
	} else if ((later = replaced_by(entries, seq, rel)) >= 0) {
		pl_err_set(err, PL_E_INTEGRITY, file,
			   "register entry #%lld (night %s) was replaced by entry #%lld, a later "
			   "run of the same night%s: this is the report it replaced, not the "
			   "current one",
			   seq, sget(e, "night") ? sget(e, "night") : "?", later,
			   json_is_true(json_object_get(json_array_get(entries, (size_t)later),
							"forced"))
				   ? " (--force)"
				   : "");
	} else {
		rc = 0;
	}
	free(have);
	return rc;
}

/* The report path of run entry e relative to the reports folder: its report_path, or for an
 * entry older than report_path the last two components of its report (NIGHT/FILE). */
static const char *entry_rel(const json_t *e)
{
	const char *rel = sget(e, "report_path"), *rep = sget(e, "report");

	if (rel)
		return rel;
	return rep ? default_rel(rep) : NULL;
}

/* {report path: index of the last run entry naming it}: an earlier run entry with the same
 * path was re-run (--force) and its report written over by the later one's. */
static json_t *last_runs(const json_t *entries)
{
	json_t *last = json_object();
	size_t i;

	for (i = 0; i < json_array_size(entries); i++) {
		const json_t *o = json_array_get(entries, i);
		const char *t = sget(o, "type"), *p = entry_rel(o);

		if (t && !strcmp(t, "run") && p)
			json_object_set_new(last, p, json_integer((json_int_t)i));
	}
	return last;
}

/* What is wrong with run entry e's report file at file (a message into why, and the short
 * label and kind register_check_reports hands out per entry), or 0 when it is there with the
 * entry's SHA-256. */
static int report_problem(const json_t *e, const char *file, char *why, size_t len,
			  const char **kind, const char **label)
{
	struct pl_err herr = PL_ERR_INIT;
	const char *want = sget(e, "report_sha256");
	struct stat st;
	char sha[65];

	if (lstat(file, &st) < 0) {
		snprintf(why, len, "does not exist (deleted?): missing evidence");
		*kind = "missing";
		*label = "report missing";
		return 1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		snprintf(why, len, "is not a regular file");
		*kind = "not_file";
		*label = "report not a regular file";
		return 1;
	}
	if (sign_sha256_file(file, sha, &herr) < 0) {
		/* the error's own text may be long: the reason is enough here */
		snprintf(why, len, "cannot be read (%.200s)", herr.msg);
		*kind = "unreadable";
		*label = "report unreadable";
		return 1;
	}
	if (!want || strcmp(want, sha)) {
		snprintf(why, len,
			 "has SHA-256 %s, the entry records %s: the report was altered or "
			 "replaced",
			 sha, want ? want : "none");
		*kind = "altered";
		*label = "report altered: sha256 differs";
		return 1;
	}
	return 0;
}

int register_check_reports(const json_t *entries, const char *reports_dir, json_t *problems,
			   struct reg_reports_result *out, struct pl_err *err)
{
	struct stat st;
	struct sbuf file;
	json_t *last;
	size_t i, bad = 0, dir_len;
	char why[400];

	memset(out, 0, sizeof(*out));
	if (stat(reports_dir, &st) < 0)
		return pl_err_set(err, PL_E_INTEGRITY, reports_dir,
				  "the reports folder does not exist, so the report files the "
				  "register names cannot be checked (missing evidence): give "
				  "--reports DIR, or --entries-only to verify the entries alone");
	if (!S_ISDIR(st.st_mode))
		return pl_err_set(err, PL_E_USAGE, reports_dir,
				  "is not a folder: name the reports folder (the one holding "
				  "NIGHT/VENDOR-SUITE.json)");
	/* a folder given as "reports/" names its files "reports/NIGHT/...", not "reports//..." */
	dir_len = strlen(reports_dir);
	while (dir_len > 1 && reports_dir[dir_len - 1] == '/')
		dir_len--;
	sbuf_init(&file);
	last = last_runs(entries);
	for (i = 0; i < json_array_size(entries); i++) {
		const json_t *e = json_array_get(entries, i);
		const char *t = sget(e, "type"), *rel = entry_rel(e), *kind, *label;
		char night[11];

		if (!t || strcmp(t, "run"))
			continue;
		if (!rel) {
			rel = "(none)";
		} else if (json_integer_value(json_object_get(last, rel)) != (json_int_t)i) {
			out->replaced++;
			continue;
		}
		sbuf_reset(&file);
		sbuf_addf(&file, "%.*s/%s", (int)dir_len, reports_dir, rel);
		if (!report_problem(e, file.buf, why, sizeof(why), &kind, &label)) {
			out->checked++;
			continue;
		}
		if (problems) {
			char key[32];

			snprintf(key, sizeof(key), "%lld",
				 (long long)json_integer_value(json_object_get(e, "seq")));
			json_object_set_new(problems, key,
					    json_pack("{s:s, s:s, s:s, s:s}", "problem", kind,
						      "label", label, "file", file.buf, "why",
						      why));
		}
		if (!bad++) {
			register_entry_night(e, night);
			pl_err_set(err, PL_E_INTEGRITY, file.buf,
				   "the report of register entry #%lld (night %s, %s/%s) %s",
				   (long long)json_integer_value(json_object_get(e, "seq")),
				   night[0] ? night : "?",
				   sget(e, "vendor") ? sget(e, "vendor") : "?",
				   sget(e, "suite") ? sget(e, "suite") : "?", why);
		}
	}
	out->failed = bad;
	if (bad > 1) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n,
			 "; %zu more registered report file%s missing or altered", bad - 1,
			 bad == 2 ? " is" : "s are");
	}
	sbuf_release(&file);
	json_decref(last);
	return bad ? -1 : 0;
}

/* Binds entries (parsed by register_load, after register_verify) to what was verified: the
 * first res->entries of them, in canonical form, must hash to the signed checkpoint's root,
 * so an edit between the two reads is refused; entries appended since are left out. */
int register_bind_checkpoint(json_t *entries, const struct reg_verify_result *res, const char *reg,
			     struct pl_err *err)
{
	struct merkle_hash *leaves, root;
	char hex[65];
	struct sbuf sb;
	size_t i;
	int rc = -1;

	while (json_array_size(entries) > res->entries)
		json_array_remove(entries, json_array_size(entries) - 1);
	leaves = xcalloc(res->entries + 1, sizeof(*leaves));
	sbuf_init(&sb);
	for (i = 0; i < json_array_size(entries); i++) {
		sbuf_reset(&sb);
		if (canon_jcs(json_array_get(entries, i), &sb, NULL) < 0)
			break;
		merkle_leaf_hash(sb.buf, sb.len, &leaves[i]);
	}
	merkle_root(leaves, i, &root);
	merkle_hex(&root, hex);
	if (i != res->entries || strcmp(hex, res->root_hex))
		pl_err_set(err, PL_E_INTEGRITY, reg,
			   "the register changed between its verification and its reading: run "
			   "again");
	else
		rc = 0;
	sbuf_release(&sb);
	free(leaves);
	return rc;
}

int register_load(const char *path, json_t **entries, struct pl_err *err)
{
	char *text = NULL, *p, *nl;
	size_t len = 0, line = 1;
	json_t *arr = json_array();
	int rc = -1;

	*entries = NULL;
	if (fileio_exists(path) && fileio_read_all(path, REGISTER_MAX, &text, &len, err) < 0)
		goto out;
	for (p = text; p && p < text + len; p = nl + 1, line++) {
		json_t *o;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			break; /* a torn last line: verify reports it */
		o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (!json_is_object(o)) {
			char where[600];

			json_decref(o);
			snprintf(where, sizeof(where), "%s:%zu", path, line);
			pl_err_set(err, PL_E_INPUT, where, "register entry is not a json object");
			goto out;
		}
		json_array_append_new(arr, o);
	}
	*entries = arr;
	arr = NULL;
	rc = 0;
out:
	json_decref(arr);
	free(text);
	return rc;
}

static json_t *hex_array(const struct merkle_hash *h, size_t n)
{
	json_t *a = json_array();
	char hex[65];
	size_t i;

	for (i = 0; i < n; i++) {
		merkle_hex(&h[i], hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

static json_t *hex_str(const struct merkle_hash *h)
{
	char hex[65];

	merkle_hex(h, hex);
	return json_string(hex);
}

int register_prove_inclusion(const char *path, const struct sign_pub *pub, long long seq,
			     json_t **out, struct pl_err *err)
{
	struct scan s;
	struct ckpt c;
	struct merkle_hash *proof = NULL;
	size_t plen = 0;
	int rc = -1;

	*out = NULL;
	if (verify_all(path, pub, &s, &c, err) < 0)
		goto out;
	if (seq < 0 || (size_t)seq >= s.n) {
		pl_err_set(err, PL_E_INPUT, path, "no entry %lld (the register has %zu)", seq, s.n);
		goto out;
	}
	if (merkle_inclusion_proof(s.leaves, s.n, (size_t)seq, &proof, &plen, err) < 0)
		goto out;
	*out = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o}", "type", "inclusion", "seq",
			 (json_int_t)seq, "tree_size", (json_int_t)s.n, "leaf_hash",
			 hex_str(&s.leaves[seq]), "root", hex_str(&c.root), "proof",
			 hex_array(proof, plen));
	rc = 0;
out:
	free(proof);
	scan_release(&s);
	return rc;
}

int register_prove_consistency(const char *path, const struct sign_pub *pub, size_t old_size,
			       json_t **out, struct pl_err *err)
{
	struct scan s;
	struct ckpt c;
	struct merkle_hash *proof = NULL, old_root;
	size_t plen = 0;
	int rc = -1;

	*out = NULL;
	if (verify_all(path, pub, &s, &c, err) < 0)
		goto out;
	if (merkle_consistency_proof(s.leaves, s.n, old_size, &proof, &plen, err) < 0)
		goto out;
	merkle_root(s.leaves, old_size, &old_root);
	*out = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o}", "type", "consistency", "old_size",
			 (json_int_t)old_size, "new_size", (json_int_t)s.n, "old_root",
			 hex_str(&old_root), "new_root", hex_str(&c.root), "proof",
			 hex_array(proof, plen));
	rc = 0;
out:
	free(proof);
	scan_release(&s);
	return rc;
}

static int hex_field(const json_t *o, const char *k, struct merkle_hash *h)
{
	return merkle_from_hex(json_string_value(json_object_get(o, k)), h);
}

int register_check_proof(const json_t *p, const struct merkle_hash *root, size_t want_size,
			 struct pl_err *err)
{
	const char *type = json_string_value(json_object_get(p, "type"));
	const json_t *arr = json_object_get(p, "proof"), *v;
	struct merkle_hash *proof = NULL, a, b;
	size_t n = json_array_size(arr), i;
	int rc = -1;

	proof = xcalloc(n + 1, sizeof(*proof));
	json_array_foreach(arr, i, v)
	{
		if (merkle_from_hex(json_string_value(v), &proof[i]) < 0) {
			pl_err_set(err, PL_E_INPUT, NULL, "proof[%zu] is not a sha-256 hex hash",
				   i);
			goto out;
		}
	}
	if (type && !strcmp(type, "inclusion")) {
		json_int_t seq = json_integer_value(json_object_get(p, "seq"));
		json_int_t size = json_integer_value(json_object_get(p, "tree_size"));

		if (hex_field(p, "leaf_hash", &a) < 0 || hex_field(p, "root", &b) < 0 || seq < 0 ||
		    size < 1) {
			pl_err_set(err, PL_E_INPUT, NULL, "malformed inclusion proof");
			goto out;
		}
		if (memcmp(b.h, root->h, MERKLE_HASH_LEN) ||
		    (want_size && (size_t)size != want_size)) {
			pl_err_set(err, PL_E_INTEGRITY, NULL,
				   "the proof's root or tree size is not the trusted (signed) one");
			goto out;
		}
		rc = merkle_verify_inclusion((size_t)seq, (size_t)size, &a, proof, n, &b, err);
	} else if (type && !strcmp(type, "consistency")) {
		json_int_t s1 = json_integer_value(json_object_get(p, "old_size"));
		json_int_t s2 = json_integer_value(json_object_get(p, "new_size"));

		if (hex_field(p, "old_root", &a) < 0 || hex_field(p, "new_root", &b) < 0 ||
		    s1 < 1 || s2 < s1) {
			pl_err_set(err, PL_E_INPUT, NULL, "malformed consistency proof");
			goto out;
		}
		if (memcmp(b.h, root->h, MERKLE_HASH_LEN) ||
		    (want_size && (size_t)s2 != want_size)) {
			pl_err_set(err, PL_E_INTEGRITY, NULL,
				   "the proof's new root or size is not the trusted (signed) one");
			goto out;
		}
		rc = merkle_verify_consistency((size_t)s1, (size_t)s2, &a, &b, proof, n, err);
	} else {
		pl_err_set(err, PL_E_INPUT, NULL, "unknown proof type");
	}
out:
	free(proof);
	return rc;
}

/* ---- summaries ---- */

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int sum_cmp(const void *a, const void *b)
{
	const struct reg_summary *x = a, *y = b;
	int c = strcmp(x->vendor, y->vendor);

	return c ? c : strcmp(x->model, y->model);
}

static void set_dup(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

static void event_set(json_t *out, long long seq, const char *kind, const char *night,
		      long long link, const char *link_night)
{
	char key[32];
	json_t *o = json_pack("{s:s, s:s}", "event", kind, "night", night);

	if (link >= 0) {
		json_object_set_new(o, "link", json_integer(link));
		json_object_set_new(o, "link_night", json_string(link_night));
	}
	snprintf(key, sizeof(key), "%lld", seq);
	json_object_set_new(out, key, o);
}

json_t *register_events(const json_t *entries)
{
	json_t *byn = register_by_night(entries), *state = json_object(), *out = json_object();
	json_t *accepted = json_object(), *latest = json_object(), *st2;
	const json_t *e;
	const char *k2;
	size_t i;

	/* each report path's latest run: a --force run of a night replaces the runs before it */
	json_array_foreach(entries, i, e)
	{
		if (sget(e, "type") && !strcmp(sget(e, "type"), "run") && sget(e, "report_path"))
			json_object_set(latest, sget(e, "report_path"), json_object_get(e, "seq"));
	}
	/* the runs a person accepted (baseline accept): a suspicion accepted is confirmed by
	 * that decision, as the detection history starts again from it */
	json_array_foreach(entries, i, e)
	{
		const json_t *acc = json_object_get(e, "accepts_seq");
		char k[32];

		if (!sget(e, "type") || strcmp(sget(e, "type"), "decision") || !sget(e, "action") ||
		    strcmp(sget(e, "action"), "accept") || !json_is_integer(acc))
			continue;
		snprintf(k, sizeof(k), "%lld", (long long)json_integer_value(acc));
		json_object_set_new(accepted, k, json_true());
	}
	json_array_foreach(byn, i, e)
	{
		const char *type = sget(e, "type"), *ep = sget(e, "epoch"), *v = sget(e, "verdict");
		const char *stage = sget(e, "stage"), *prev;
		long long seq = (long long)json_integer_value(json_object_get(e, "seq")), open;
		json_t *st;
		char key[1024], night[11], open_night[11];

		if (!type || strcmp(type, "run") || !sget(e, "vendor") || !sget(e, "model"))
			continue;
		register_entry_night(e, night);
		if (sget(e, "report_path")) {
			const json_t *l = json_object_get(latest, sget(e, "report_path"));

			if (json_is_integer(l) && json_integer_value(l) > seq) {
				/* no event of its own: the night is the later run's */
				event_set(out, seq, "replaced", night, json_integer_value(l),
					  night);
				continue;
			}
		}
		snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", sget(e, "vendor"), sget(e, "model"),
			 sget(e, "suite") ? sget(e, "suite") : "");
		st = json_object_get(state, key);
		if (!st) {
			st = json_object();
			json_object_set_new(st, "seen", json_object());
			json_object_set_new(state, key, st);
		}
		prev = sget(st, "prev");
		/* the suspicion waiting for its verdict (a night that cannot be judged keeps it) */
		open = json_is_integer(json_object_get(st, "open"))
			       ? (long long)json_integer_value(json_object_get(st, "open"))
			       : -1;
		snprintf(open_night, sizeof(open_night), "%s",
			 sget(st, "open_night") ? sget(st, "open_night") : "");
		if (open >= 0 &&
		    !(stage && (!strcmp(stage, "confirmed") || !strcmp(stage, "retracted")))) {
			char k[32];

			snprintf(k, sizeof(k), "%lld", open);
			if (json_object_get(accepted, k)) {
				/* accepted before a night could confirm it: the accept confirmed
				 * it, and the history that judges tonight starts from it */
				event_set(out, open, "change", open_night, -1, NULL);
				json_object_set_new(json_object_get(out, k), "accepted",
						    json_true());
				if (sget(st, "open_epoch"))
					json_object_set(st, "prev",
							json_object_get(st, "open_epoch"));
				prev = sget(st, "prev");
				json_object_del(st, "open");
				open = -1;
			}
		}
		if (stage && !strcmp(stage, "suspected")) {
			/* a suspicion in place of an open one (a change the night after a noisy
			 * suspicion is its own): the open one is withdrawn by it */
			if (open >= 0)
				event_set(out, open, "suspicion_retracted", open_night, seq, night);
			/* tentative: its epoch is known from now on, but not the behaviour yet */
			event_set(out, seq, "pending", night, -1, NULL);
			json_object_set_new(st, "open", json_integer(seq));
			json_object_set_new(st, "open_night", json_string(night));
			if (ep) {
				json_object_set_new(st, "open_epoch", json_string(ep));
				json_object_set_new(json_object_get(st, "seen"), ep, json_true());
			} else {
				json_object_del(st, "open_epoch");
			}
			continue;
		}
		if (stage && !strcmp(stage, "confirmed")) {
			/* the change is the suspected night's; tonight confirms it */
			if (open >= 0) {
				event_set(out, open, "change", open_night, seq, night);
				event_set(out, seq, "confirmation", night, open, open_night);
			} else {
				event_set(out, seq, "change", night, -1, NULL);
			}
			snprintf(key, sizeof(key), "%lld", open >= 0 ? open : seq);
			json_object_set_new(json_object_get(out, key), "confirmed_night",
					    json_string(night));
		} else if (stage && !strcmp(stage, "retracted")) {
			/* back at the behaviour before the suspicion: it never moved */
			if (open >= 0) {
				event_set(out, open, "suspicion_retracted", open_night, seq, night);
				event_set(out, seq, "retraction", night, open, open_night);
			} else {
				event_set(out, seq, "retraction", night, -1, NULL);
			}
		} else if ((json_is_true(json_object_get(e, "returned_epoch")) && prev &&
			    (!ep || strcmp(ep, prev))) ||
			   (ep && prev && strcmp(ep, prev) &&
			    json_object_get(json_object_get(st, "seen"), ep) &&
			    !json_is_true(json_object_get(e, "new_epoch")))) {
			/* judged in night order: returned_epoch was set against the nights run
			 * before it, so a night backfilled after a change is a return only when
			 * the night before it had another epoch */
			event_set(out, seq, "return", night, -1, NULL);
		} else if (json_is_true(json_object_get(e, "new_epoch")) ||
			   (v && !strcmp(v, "changed"))) {
			/* an entry from before stages: each changed night is a change */
			event_set(out, seq, "change", night, -1, NULL);
		}
		if (stage && (!strcmp(stage, "confirmed") || !strcmp(stage, "retracted"))) {
			json_object_del(st, "open");
			json_object_del(st, "open_night");
		}
		if (ep) {
			json_object_set_new(json_object_get(st, "seen"), ep, json_true());
			json_object_set_new(st, "prev", json_string(ep));
		}
	}
	/* a suspicion still open at the end, but accepted: confirmed by the decision */
	json_object_foreach(state, k2, st2)
	{
		const json_t *o2 = json_object_get(st2, "open");
		char k[32];

		if (!json_is_integer(o2))
			continue;
		snprintf(k, sizeof(k), "%lld", (long long)json_integer_value(o2));
		if (!json_object_get(accepted, k))
			continue;
		event_set(out, json_integer_value(o2), "change", sget(st2, "open_night"), -1, NULL);
		json_object_set_new(json_object_get(out, k), "accepted", json_true());
	}
	json_decref(accepted);
	json_decref(latest);
	json_decref(state);
	json_decref(byn);
	return out;
}

const json_t *register_event(const json_t *events, const json_t *entry)
{
	char key[32];

	snprintf(key, sizeof(key), "%lld",
		 (long long)json_integer_value(json_object_get(entry, "seq")));
	return json_object_get(events, key);
}

long long register_event_first(const json_t *events, long long seq)
{
	char key[32];
	const json_t *ev;
	const char *kind;

	snprintf(key, sizeof(key), "%lld", seq);
	ev = json_object_get(events, key);
	kind = sget(ev, "event");
	if (!kind || !strcmp(kind, "return") || !strcmp(kind, "replaced"))
		return -1;
	if (!strcmp(kind, "confirmation") || !strcmp(kind, "retraction"))
		return json_is_integer(json_object_get(ev, "link"))
			       ? (long long)json_integer_value(json_object_get(ev, "link"))
			       : -1;
	return seq;
}

const char *register_event_kind(const json_t *events, const json_t *entry)
{
	return sget(register_event(events, entry), "event");
}

/* A run's verdict judged the night: it can tell stable from changed. */
static int verdict_judged(const char *v)
{
	return v && strcmp(v, "incomplete") && strcmp(v, "unstable");
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* s's stability over the nights its runs observed (register.h): never counted to today, a
 * night without a judged run is a gap, not a stable night. */
static void stability(struct reg_summary *s, const json_t *entries, const json_t *events)
{
	json_t *nights = json_object(), *v;
	const json_t *e;
	const char **keys, *k;
	size_t i, nk = 0;
	struct sbuf gaps, blips;

	set_dup(&s->stable_since, s->last_event ? s->last_event : s->first_run);
	json_array_foreach(entries, i, e)
	{
		const char *type = sget(e, "type"), *ev;
		char night[11];
		json_t *o;

		if (!type || strcmp(type, "run") || !sget(e, "vendor") || !sget(e, "model") ||
		    strcmp(s->vendor, sget(e, "vendor")) || strcmp(s->model, sget(e, "model")))
			continue;
		register_entry_night(e, night);
		if (!night[0] || !s->stable_since || strcmp(night, s->stable_since) < 0)
			continue;
		ev = register_event_kind(events, e);
		/* a replaced run's verdict is not the night's: the later run's is */
		if (ev && !strcmp(ev, "replaced"))
			continue;
		if (ev && !strcmp(ev, "pending") &&
		    (!s->pending_since || strcmp(night, s->pending_since) < 0))
			set_dup(&s->pending_since, night);
		o = json_object_get(nights, night);
		if (!o) {
			o = json_object();
			json_object_set_new(nights, night, o);
		}
		if (ev && !strcmp(ev, "suspicion_retracted"))
			json_object_set_new(o, "blip", json_true());
		if (verdict_judged(sget(e, "verdict")))
			json_object_set_new(o, "judged", json_true());
		else if (!json_object_get(o, "verdict"))
			json_object_set_new(o, "verdict",
					    json_string(sget(e, "verdict") ? sget(e, "verdict")
									   : "no verdict"));
	}
	keys = xcalloc(json_object_size(nights) + 1, sizeof(*keys));
	json_object_foreach(nights, k, v) keys[nk++] = k;
	if (nk)
		qsort(keys, nk, sizeof(*keys), str_cmp);
	sbuf_init(&gaps);
	sbuf_init(&blips);
	for (i = 0; i < nk; i++) {
		const json_t *o = json_object_get(nights, keys[i]);

		if (json_is_true(json_object_get(o, "judged"))) {
			set_dup(&s->last_observed, keys[i]);
			if (s->pending_since && strcmp(keys[i], s->pending_since) >= 0)
				continue;
			/* a one-night blip was observed, but it was not a stable night */
			if (!json_is_true(json_object_get(o, "blip")))
				s->observed_nights++;
			else if (s->blip_nights++ < 5)
				sbuf_addf(&blips, "%s%s", blips.len ? "; " : "", keys[i]);
			else if (s->blip_nights == 6)
				sbuf_addstr(&blips, ", ...");
			continue;
		}
		if (s->gap_nights++ < 5)
			sbuf_addf(&gaps, "%s%s: %s", gaps.len ? "; " : "", keys[i],
				  sget(o, "verdict"));
		else if (s->gap_nights == 6)
			sbuf_addstr(&gaps, ", ...");
	}
	s->gaps = gaps.len ? sbuf_detach(&gaps, NULL) : NULL;
	s->blips = blips.len ? sbuf_detach(&blips, NULL) : NULL;
	sbuf_release(&gaps);
	sbuf_release(&blips);
	free(keys);
	json_decref(nights);
}

int register_summarise(const json_t *entries, time_t now, struct reg_summary **out, size_t *n)
{
	json_t *events;
	struct reg_summary *sums = NULL;
	size_t ns = 0, i, j;
	const json_t *e;

	json_array_foreach(entries, i, e)
	{
		const char *vendor = sget(e, "vendor"), *model = sget(e, "model");

		if (!vendor || !model)
			continue;
		for (j = 0; j < ns; j++)
			if (!strcmp(sums[j].vendor, vendor) && !strcmp(sums[j].model, model))
				break;
		if (j == ns) {
			sums = xrealloc(sums, (ns + 1) * sizeof(*sums));
			memset(&sums[ns], 0, sizeof(*sums));
			sums[ns].vendor = xstrdup(vendor);
			sums[ns].model = xstrdup(model);
			ns++;
		}
	}
	events = register_events(entries);
	for (j = 0; j < ns; j++) {
		struct reg_summary *s = &sums[j];
		double avail_sum = 0, *lat = xcalloc(json_array_size(entries) + 1, sizeof(double));
		size_t avail_n = 0, lat_n = 0;
		char epoch_night[11] = ""; /* the night the current epoch was read from */

		json_array_foreach(entries, i, e)
		{
			const char *type = sget(e, "type");
			char date[11]; /* the night: a backfilled night counts where it belongs */
			time_t t;
			double age;
			const char *ev;

			register_entry_night(e, date);
			t = register_parse_date(date);
			age = t < 0 ? 1e12 : difftime(now, t) / 86400.0;

			if (strcmp(s->vendor, sget(e, "vendor") ? sget(e, "vendor") : "") ||
			    strcmp(s->model, sget(e, "model") ? sget(e, "model") : ""))
				continue;
			if (type && !strcmp(type, "decision")) {
				s->decisions++;
				continue;
			}
			/* the night is the later run's: its report replaced this one's file */
			ev = register_event_kind(events, e);
			if (ev && !strcmp(ev, "replaced")) {
				s->replaced++;
				continue;
			}
			s->runs++;
			if (!s->last_run || strcmp(date, s->last_run) >= 0)
				set_dup(&s->last_run, date);
			/* the latest night's epoch, not the last appended: a backfilled night
			 * is not the current behaviour */
			if (sget(e, "epoch") && strcmp(date, epoch_night) >= 0) {
				set_dup(&s->epoch, sget(e, "epoch"));
				snprintf(epoch_night, sizeof(epoch_night), "%s", date);
			}
			if (!s->first_run || strcmp(date, s->first_run) < 0)
				set_dup(&s->first_run, date);
			/* a change counts once, on its first night; its confirmation, a
			 * suspicion retracted or pending, and a retraction do not move it */
			if (ev && (!strcmp(ev, "change") || !strcmp(ev, "return")) &&
			    (!s->last_event || strcmp(date, s->last_event) >= 0))
				set_dup(&s->last_event, date);
			if (ev && !strcmp(ev, "change")) {
				if (!s->last_change || strcmp(date, s->last_change) >= 0)
					set_dup(&s->last_change, date);
				s->changes_30d += age <= 30;
				s->changes_90d += age <= 90;
			} else if (ev && !strcmp(ev, "return")) {
				s->returns_90d += age <= 90;
			} else if (ev && !strcmp(ev, "suspicion_retracted")) {
				s->retracted_90d += age <= 90;
			} else if (ev && !strcmp(ev, "pending")) {
				s->pending++;
			}
			if (age <= 30) {
				const json_t *a = json_object_get(e, "availability");
				const json_t *l = json_object_get(e, "latency_p50_ms");

				if (json_is_number(a)) {
					avail_sum += json_number_value(a);
					avail_n++;
				}
				if (json_is_number(l))
					lat[lat_n++] = json_number_value(l);
			}
		}
		stability(s, entries, events);
		s->availability = avail_n ? avail_sum / (double)avail_n : -1;
		if (lat_n) {
			qsort(lat, lat_n, sizeof(double), dcmp);
			s->latency_p50_ms = lat_n % 2 ? lat[lat_n / 2]
						      : (lat[lat_n / 2 - 1] + lat[lat_n / 2]) / 2;
		} else {
			s->latency_p50_ms = -1;
		}
		free(lat);
	}
	json_decref(events);
	if (ns)
		qsort(sums, ns, sizeof(*sums), sum_cmp);
	*out = sums;
	*n = ns;
	return 0;
}

void register_summaries_free(struct reg_summary *s, size_t n)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		free(s[i].vendor);
		free(s[i].model);
		free(s[i].epoch);
		free(s[i].last_change);
		free(s[i].last_run);
		free(s[i].last_event);
		free(s[i].first_run);
		free(s[i].stable_since);
		free(s[i].last_observed);
		free(s[i].pending_since);
		free(s[i].gaps);
		free(s[i].blips);
	}
	free(s);
}

struct by_night {
	char night[11];
	size_t i;
};

static int by_night_cmp(const void *a, const void *b)
{
	const struct by_night *x = a, *y = b;
	int c = strcmp(x->night, y->night);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

json_t *register_by_night(const json_t *entries)
{
	size_t n = json_array_size(entries), i;
	struct by_night *order = xcalloc(n + 1, sizeof(*order));
	json_t *out = json_array();

	for (i = 0; i < n; i++) {
		register_entry_night(json_array_get(entries, i), order[i].night);
		order[i].i = i;
	}
	if (n)
		qsort(order, n, sizeof(*order), by_night_cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, json_array_get(entries, order[i].i));
	free(order);
	return out;
}
