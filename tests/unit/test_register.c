/* test_register.c: the signed, hash-chained, Merkle-checkpointed register: appends, reports
 * bound by trusted comments, proofs, `show`, determinism, and forgeries that must fail and
 * name the entry (edited, deleted, reordered, inserted, truncated, replaced checkpoint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "hex.h"
#include "canon.h"
#include "base64.h"
#include "register.h"
#include "render.h"
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], sk[128], pk[128], sk2[128], pk2[128];
static struct sign_key *key, *key2;
static struct sign_pub *pub;

static char *path_in(const char *name)
{
	static char bufs[8][256];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 256, "%s/%s", dir, name);
	return b;
}

static void put(const char *path, const char *text, size_t len)
{
	struct pl_err err = PL_ERR_INIT;

	assert_int_equal(fileio_write_atomic(path, text, len, 0644, &err), 0);
}

static char *get(const char *path, size_t *len)
{
	struct pl_err err = PL_ERR_INIT;
	char *buf = NULL;

	assert_int_equal(fileio_read_all(path, 1 << 24, &buf, len, &err), 0);
	return buf;
}

static void copy(const char *from, const char *to)
{
	size_t len;
	char *b = get(from, &len);

	put(to, b, len);
	free(b);
}

static int setup(void **state)
{
	struct pl_err err = PL_ERR_INIT;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pl_test_register.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sk, sizeof(sk), "%s/k.key", dir);
	snprintf(pk, sizeof(pk), "%s/k.pub", dir);
	snprintf(sk2, sizeof(sk2), "%s/k2.key", dir);
	snprintf(pk2, sizeof(pk2), "%s/k2.pub", dir);
	if (sign_keygen(sk, pk, NULL, 0, &err) < 0 || sign_keygen(sk2, pk2, NULL, 0, &err) < 0)
		return -1;
	key = sign_key_load(sk, &err);
	key2 = sign_key_load(sk2, &err);
	pub = sign_pub_load(pk, &err);
	return key && key2 && pub ? 0 : -1;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	sign_key_free(key);
	sign_key_free(key2);
	sign_pub_free(pub);
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Builds a register at reg with 4 runs and 1 decision; saves the checkpoint after 2 entries
 * as reg.ck2. */
static void build(const char *reg, const struct sign_key *k)
{
	static const char *const verdicts[] = { "no_change", "no_change", "changed", "no_change" };
	struct pl_err err = PL_ERR_INIT;
	struct reg *r = register_open(reg, k, &err);
	char report[300], ck[300], ck2[300], date[32], ep[16];
	struct reg_decision_entry d;
	int i;

	assert_non_null(r);
	for (i = 0; i < 4; i++) {
		struct reg_run_entry e;
		char body[64];

		memset(&e, 0, sizeof(e));
		snprintf(report, sizeof(report), "%s.r%d.json", reg, i);
		snprintf(body, sizeof(body), "{\"night\":%d}\n", i);
		put(report, body, strlen(body));
		snprintf(date, sizeof(date), "2026-11-%02dT02:00:00Z", 20 + i);
		snprintf(ep, sizeof(ep), "e%d", i >= 2 ? 2 : 1);
		e.date = date;
		e.vendor = "openai-prod";
		e.model = "gpt-4o";
		e.suite = "core";
		e.verdict = verdicts[i];
		e.epoch = ep;
		e.new_epoch = i == 2;
		e.summary = i == 2 ? "answers 40% longer" : NULL;
		e.report = report;
		e.availability = 0.9 + 0.025 * i;
		e.latency_p50_ms = 800 + 10 * i;
		e.latency_p95_ms = -1;
		assert_int_equal(register_sign_and_append(r, k, &e, &err), i);
		if (i == 1) {
			snprintf(ck, sizeof(ck), "%s.checkpoint", reg);
			snprintf(ck2, sizeof(ck2), "%s.ck2", reg);
			copy(ck, ck2);
		}
	}
	memset(&d, 0, sizeof(d));
	d.date = "2026-11-24T09:00:00Z";
	d.action = "accept";
	d.by = "alice";
	d.reason = "longer answers are fine";
	d.vendor = "openai-prod";
	d.model = "gpt-4o";
	d.suite = "core";
	d.accepts_seq = 2;
	d.epoch = "e2";
	d.old_baseline_sha256 = "aa";
	d.new_baseline_sha256 = "bb";
	assert_int_equal(register_append_decision(r, &d, &err), 4);
	assert_int_equal(register_next_seq(r), 5);
	register_close(r);
}

static void test_append_verify(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	const char *reg = path_in("a/register.jsonl");
	char report[300], *tc = NULL, field[80], sha[65];
	struct reg *r;

	(void)state;
	build(reg, key);
	assert_int_equal(register_verify(reg, pub, NULL, &res, &err), 0);
	assert_int_equal(res.entries, 5);
	assert_int_equal(res.runs, 4);
	assert_int_equal(res.decisions, 1);
	assert_int_equal(res.checkpoint_size, 5);
	{ /* counts said in words, one of a kind singular (was "1 decisions") */
		struct sbuf sb = SBUF_INIT;
		struct reg_verify_result one = res;

		register_describe_counts(&res, &sb);
		assert_string_equal(sb.buf, "5 entries (4 runs, 1 decision)");
		sbuf_release(&sb);
		one.entries = one.runs = 1;
		one.decisions = 0;
		sbuf_init(&sb);
		register_describe_counts(&one, &sb);
		assert_string_equal(sb.buf, "1 entry (1 run, 0 decisions)");
		sbuf_release(&sb);
	}
	/* the saved checkpoint after 2 entries is consistent with today's */
	snprintf(report, sizeof(report), "%s.ck2", reg);
	assert_int_equal(register_verify(reg, pub, report, &res, &err), 0);
	assert_int_equal(res.old_checkpoint_size, 2);
	/* the report's trusted comment binds it to its entry */
	snprintf(report, sizeof(report), "%s.r2.json", reg);
	assert_int_equal(sign_verify_file(pub, report, &tc, &err), 0);
	assert_int_equal(sign_tc_field(tc, "register_seq", field, sizeof(field)), 0);
	assert_string_equal(field, "2");
	assert_int_equal(sign_sha256_file(report, sha, &err), 0);
	assert_int_equal(sign_tc_field(tc, "sha256", field, sizeof(field)), 0);
	assert_string_equal(field, sha);
	assert_int_equal(sign_tc_field(tc, "file", field, sizeof(field)), 0);
	assert_string_equal(field, "register.jsonl.r2.json");
	free(tc);
	/* reopening continues the sequence */
	r = register_open(reg, key, &err);
	assert_non_null(r);
	assert_int_equal(register_next_seq(r), 5);
	register_close(r);
	/* another key cannot extend it */
	r = register_open(reg, key2, &err);
	assert_null(r);
	assert_int_equal(err.code, PL_E_INTEGRITY);
}

/* A register signed by another key than the trusted one says which key signed it (the key
 * its checkpoint names), not "edited or forged" (QA: after keygen replaced register.pub,
 * every honest entry was called edited or forged); an edited entry still is one. */
static void test_other_key_named(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct sign_pub *pub2;
	char *reg = path_in("otherkey.jsonl"), want[200], id1[17], id2[17], *text, *at;
	size_t len;

	(void)state;
	build(reg, key2);
	pub2 = sign_pub_load(pk2, &err);
	assert_non_null(pub2);
	snprintf(want, sizeof(want),
		 "signature does not verify: signed by key %s (the key the register's checkpoint "
		 "names), not by the trusted public key %s",
		 sign_pub_keyid(pub2, id2), sign_pub_keyid(pub, id1));
	assert_int_equal(register_verify(reg, pub, NULL, &res, &err), -1);
	assert_string_equal(err.msg, want);
	assert_non_null(strstr(err.where, ": entry 0"));
	/* the checkpoint alone, signed by the other key */
	pl_err_init(&err);
	assert_int_equal(register_verify(reg, pub2, NULL, &res, &err), 0);
	{
		size_t size;
		struct merkle_hash root;
		char ck[300];

		snprintf(ck, sizeof(ck), "%s.checkpoint", reg);
		assert_int_equal(register_read_checkpoint(ck, pub, &size, &root, &err), -1);
		snprintf(
			want, sizeof(want),
			"checkpoint signature does not verify: signed by key %s, not by the trusted "
			"public key %s",
			id2, id1);
		assert_string_equal(err.msg, want);
	}
	/* an edited entry of a register the trusted key signed is still an edit */
	/* read here, not by get(): GCC -O3 takes the inlined get()'s local for the buffer
	 * (-Wdangling-pointer) */
	text = NULL;
	pl_err_init(&err);
	assert_int_equal(fileio_read_all(reg, 1 << 24, &text, &len, &err), 0);
	at = strstr(text, "\"no_change\"");
	assert_non_null(at);
	at[9] = '3'; /* "no_change" -> "no_chang3" */
	put(reg, text, len);
	free(text);
	pl_err_init(&err);
	assert_int_equal(register_verify(reg, pub2, NULL, &res, &err), -1);
	assert_string_equal(err.msg, "signature does not verify: the entry was edited or forged");
	sign_pub_free(pub2);
}

static long long append_night(struct reg *r, const char *reg, const char *vendor, int night,
			      struct pl_err *err)
{
	struct reg_run_entry e;
	char report[300], body[64];

	memset(&e, 0, sizeof(e));
	snprintf(report, sizeof(report), "%s.%s%d.json", reg, vendor, night);
	snprintf(body, sizeof(body), "{\"night\":%d}\n", night);
	put(report, body, strlen(body));
	e.date = "2026-11-20T02:00:00Z";
	e.vendor = vendor;
	e.model = "m";
	e.suite = "core";
	e.verdict = "no_change";
	e.report = report;
	e.availability = 1;
	e.latency_p50_ms = -1;
	e.latency_p95_ms = -1;
	return register_sign_and_append(r, key, &e, err);
}

/* Runs on other vendors share the register: two open at once (a slow night and a quick one)
 * both append, each after the other's entries, and the register verifies. Before, the first
 * held the register's lock from open to close, and the second waited for the whole night. */
static void test_two_writers(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	const char *reg = path_in("two/register.jsonl");
	struct reg *slow, *fast;
	size_t len;
	char *text;

	(void)state;
	slow = register_open(reg, key, &err);
	assert_non_null(slow);
	fast = register_open(reg, key, &err); /* does not wait for slow to close */
	assert_non_null(fast);
	assert_int_equal(append_night(fast, reg, "fast", 1, &err), 0);
	assert_int_equal(append_night(slow, reg, "slow", 1, &err), 1);
	assert_int_equal(append_night(fast, reg, "fast", 2, &err), 2);
	assert_int_equal(register_next_seq(slow), 2); /* it has seen fast's entries since */
	assert_int_equal(append_night(slow, reg, "slow", 2, &err), 3);
	assert_int_equal(register_verify(reg, pub, NULL, &res, &err), 0);
	assert_int_equal(res.entries, 4);
	assert_int_equal(res.checkpoint_size, 4);
	/* An entry it verified that changes before its next append is caught, not extended. */
	text = get(reg, &len);
	text[10] ^= 1;
	put(reg, text, len);
	free(text);
	pl_err_init(&err);
	assert_true(append_night(fast, reg, "fast", 3, &err) < 0);
	assert_int_equal(err.code, PL_E_INTEGRITY);
	assert_non_null(strstr(err.where, "entry 0"));
	register_close(slow);
	register_close(fast);
}

static void test_deterministic(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	const char *a = path_in("d1/register.jsonl"), *b = path_in("d2/register.jsonl");
	struct reg_run_entry e;
	size_t la, lb;
	char *ta, *tb;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		struct reg *r = register_open(pass ? b : a, key, &err);

		assert_non_null(r);
		memset(&e, 0, sizeof(e));
		e.date = "2026-11-27T02:00:00Z";
		e.vendor = "v";
		e.model = "m";
		e.suite = "s";
		e.verdict = "no_change";
		e.report = "reports/2026-11-27/v-s.json";
		e.report_sha256 = "00";
		e.availability = 0.5;
		e.latency_p50_ms = 1234.5;
		assert_int_equal(register_append_run(r, &e, &err), 0);
		register_close(r);
	}
	ta = get(a, &la);
	tb = get(b, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ta, tb, la);
	assert_non_null(strstr(ta, "\"availability\":0.5,"));
	free(ta);
	free(tb);
}

/* Applies an edit to a copy of the good register and expects verify to fail with where/msg. */
static void expect_forgery(const char *name, char *(*edit)(char *text, size_t *len),
			   const char *want_where, const char *want_msg)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	const char *good = path_in("a/register.jsonl");
	char bad[200], bad_ck[300], good_ck[300], *text;
	size_t len;

	snprintf(bad, sizeof(bad), "%s/forged-%s.jsonl", dir, name);
	snprintf(bad_ck, sizeof(bad_ck), "%s.checkpoint", bad);
	snprintf(good_ck, sizeof(good_ck), "%s.checkpoint", good);
	copy(good_ck, bad_ck);
	text = get(good, &len);
	text = edit(text, &len);
	put(bad, text, len);
	free(text);
	assert_int_equal(register_verify(bad, pub, NULL, &res, &err), -1);
	print_message("%s: %s: %s\n", name, err.where, err.msg);
	assert_int_equal(err.code, PL_E_INTEGRITY);
	assert_non_null(strstr(err.where, want_where));
	assert_non_null(strstr(err.msg, want_msg));
}

/* line i (0-based) start and length */
static char *line_at(char *text, int i, size_t *ll)
{
	char *p = text;

	while (i-- > 0)
		p = strchr(p, '\n') + 1;
	*ll = (size_t)(strchr(p, '\n') - p) + 1;
	return p;
}

static char *edit_byte(char *t, size_t *len)
{
	char *p = strstr(t, "\"changed\"");

	(void)len;
	p[1] = 'k'; /* "kchanged" is still canonical JSON, but not what was signed */
	return t;
}

static char *delete_line(char *t, size_t *len)
{
	size_t ll;
	char *p = line_at(t, 1, &ll);

	memmove(p, p + ll, *len - (size_t)(p - t) - ll);
	*len -= ll;
	return t;
}

static char *swap_lines(char *t, size_t *len)
{
	size_t l1, l2;
	char *p1 = line_at(t, 1, &l1), *p2 = line_at(t, 2, &l2), *tmp = malloc(l1 + l2);

	(void)len;
	memcpy(tmp, p2, l2);
	memcpy(tmp + l2, p1, l1);
	memcpy(p1, tmp, l1 + l2);
	free(tmp);
	return t;
}

static char *insert_line(char *t, size_t *len)
{
	size_t ll;
	char *p = line_at(t, 1, &ll), *n = malloc(*len + ll);
	size_t off = (size_t)(p - t) + ll;

	memcpy(n, t, off); /* duplicates entry 1 (a validly signed line) after itself */
	memcpy(n + off, p, ll);
	memcpy(n + off + ll, t + off, *len - off);
	*len += ll;
	free(t);
	return n;
}

static char *truncate_last(char *t, size_t *len)
{
	size_t ll;

	line_at(t, 4, &ll);
	*len -= ll;
	return t;
}

static char *tear_last(char *t, size_t *len)
{
	*len -= 5;
	return t;
}

static void test_forgeries(void **state)
{
	(void)state;
	expect_forgery("edited", edit_byte, ":3: entry 2", "signature does not verify");
	expect_forgery("deleted", delete_line, ":2: entry 1", "has seq 2");
	expect_forgery("reordered", swap_lines, ":2: entry 1", "has seq 2");
	expect_forgery("inserted", insert_line, ":3: entry 2", "has seq 1");
	expect_forgery("truncated", truncate_last, ".checkpoint", "truncated");
	expect_forgery("torn", tear_last, ":5: entry 4", "incomplete last line");
}

static void test_bad_checkpoints(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	const char *good = path_in("a/register.jsonl");
	const char *other = path_in("o/register.jsonl");
	char ck[300], ck2[300], octk[300], saved[300];

	(void)state;
	snprintf(ck, sizeof(ck), "%s.checkpoint", good);
	snprintf(ck2, sizeof(ck2), "%s.ck2", good);
	snprintf(saved, sizeof(saved), "%s.saved", good);
	copy(ck, saved);
	/* replaced by an older, genuinely signed checkpoint */
	copy(ck2, ck);
	assert_int_equal(register_verify(good, pub, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "added without signing"));
	/* replaced by one signed with another key */
	build(other, key2);
	snprintf(octk, sizeof(octk), "%s.checkpoint", other);
	copy(octk, ck);
	pl_err_init(&err);
	assert_int_equal(register_verify(good, pub, NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg, "checkpoint signature does not verify"));
	copy(saved, ck);
	pl_err_init(&err);
	assert_int_equal(register_verify(good, pub, NULL, &res, &err), 0);
	/* history rewritten by an insider holding the key: a saved checkpoint catches it */
	{
		const char *alt = path_in("alt/register.jsonl");
		struct reg *r = register_open(alt, key, &err);
		struct reg_run_entry e;
		int i;

		memset(&e, 0, sizeof(e));
		e.vendor = "openai-prod", e.model = "gpt-4o", e.suite = "core";
		e.verdict = "no_change", e.report = "x", e.report_sha256 = "11";
		e.availability = e.latency_p50_ms = e.latency_p95_ms = -1;
		for (i = 0; i < 5; i++)
			assert_true(register_append_run(r, &e, &err) >= 0);
		register_close(r);
		pl_err_init(&err);
		assert_int_equal(register_verify(alt, pub, ck2, &res, &err), -1);
		assert_non_null(strstr(err.msg, "its first 2 entries were changed"));
	}
}

static void test_proofs(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	const char *good = path_in("a/register.jsonl");
	json_t *p;
	long long seq;
	size_t m, size;
	struct merkle_hash root;
	char ck[300];

	(void)state;
	snprintf(ck, sizeof(ck), "%s.checkpoint", good);
	assert_int_equal(register_read_checkpoint(ck, pub, &size, &root, &err), 0);
	assert_int_equal(size, 5);
	for (seq = 0; seq < 5; seq++) {
		assert_int_equal(register_prove_inclusion(good, pub, seq, &p, &err), 0);
		assert_int_equal(register_check_proof(p, &root, size, &err), 0);
		/* a proof for another seq must not verify */
		json_object_set_new(p, "seq", json_integer((seq + 1) % 5));
		assert_int_equal(register_check_proof(p, &root, size, NULL), -1);
		json_decref(p);
	}
	for (m = 1; m <= 5; m++) {
		assert_int_equal(register_prove_consistency(good, pub, m, &p, &err), 0);
		assert_int_equal(register_check_proof(p, &root, size, &err), 0);
		if (m < 5) {
			json_object_set_new(p, "old_root",
					    json_string("00000000000000000000000000"
							"00000000000000000000000000"
							"000000000000"));
			assert_int_equal(register_check_proof(p, &root, size, NULL), -1);
		}
		json_decref(p);
	}
	assert_int_equal(register_prove_inclusion(good, pub, 5, &p, &err), -1);
	/* forgery: a made-up one-leaf tree (its leaf is its root, no proof needed) is
	 * consistent with itself, but its root is not the signed checkpoint's */
	p = json_pack("{s:s, s:i, s:i, s:s, s:s, s:[]}", "type", "inclusion", "seq", 0, "tree_size",
		      1, "leaf_hash",
		      "ab00000000000000000000000000000000000000000000000000000000000000", "root",
		      "ab00000000000000000000000000000000000000000000000000000000000000", "proof");
	pl_err_init(&err);
	assert_int_equal(register_check_proof(p, &root, size, &err), -1);
	assert_non_null(strstr(err.msg, "not the trusted"));
	/* nor is a genuine proof of an older tree accepted as the signed tree's */
	json_decref(p);
	assert_int_equal(register_prove_consistency(good, pub, 2, &p, &err), 0);
	json_object_set_new(p, "new_size", json_integer(4));
	assert_int_equal(register_check_proof(p, &root, size, NULL), -1);
	json_decref(p);
}

static void test_show(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	const char *good = path_in("a/register.jsonl");
	struct reg_summary *s;
	json_t *entries;
	struct sbuf sb;
	size_t n;

	(void)state;
	assert_int_equal(register_load(good, &entries, &err), 0);
	assert_int_equal(json_array_size(entries), 5);
	register_summarise(entries, register_parse_date("2026-11-30"), &s, &n);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].epoch, "e2");
	assert_string_equal(s[0].last_change, "2026-11-22"); /* the night */
	assert_int_equal(s[0].changes_30d, 1);
	assert_int_equal(s[0].runs, 4);
	assert_int_equal(s[0].decisions, 1);
	assert_true(s[0].availability > 0.9374 && s[0].availability < 0.9376);
	assert_true(s[0].latency_p50_ms == 815);
	register_summaries_free(s, n);
	/* 100 days later, the change is outside both windows */
	register_summarise(entries, register_parse_date("2027-03-10"), &s, &n);
	assert_int_equal(s[0].changes_90d, 0);
	assert_true(s[0].availability < 0);
	register_summaries_free(s, n);
	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-30"), &sb);
	print_message("%s", sb.buf);
	assert_non_null(strstr(sb.buf, "openai-prod/gpt-4o"));
	assert_non_null(strstr(sb.buf, "CHANGED: answers 40% longer"));
	/* the decision's own time (its signed date), not only the night it is about */
	assert_non_null(strstr(sb.buf, "DECISION accept by alice, decided 2026-11-24 09:00:00 UTC: "
				       "\"longer answers are fine\" (accepts run #2, epoch e2)"));
	sbuf_release(&sb);
	json_decref(entries);
}

/* A backfilled night (made later, about an earlier night) is listed and counted by its night;
 * entries older than "night" fall back to their date. */
static void test_show_by_night(void **state)
{
	json_t *entries = json_pack("[{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
				    " {s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
				    " {s:i, s:s, s:s, s:s, s:s, s:s, s:s}]",
				    "seq", 0, "type", "run", "date", "2026-11-20T02:00:00Z",
				    "night", "2026-11-20", "vendor", "v", "model", "m", "suite",
				    "core", "verdict", "changed", "seq", 1, "type", "run", "date",
				    "2026-11-28T09:00:00Z", "night", "2026-11-10", "vendor", "v",
				    "model", "m", "suite", "core", "verdict", "changed", "seq", 2,
				    "type", "run", "date", "2026-11-15T02:00:00Z", "vendor", "v",
				    "model", "m", "suite", "core", "verdict", "changed");
	struct reg_summary *sum;
	struct sbuf sb;
	const char *a, *b, *c;
	size_t n;

	(void)state;
	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-12-15"), &sb);
	a = strstr(sb.buf, "#1    2026-11-10");
	b = strstr(sb.buf, "#2    2026-11-15");
	c = strstr(sb.buf, "#0    2026-11-20");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	/* the backfilled change is 35 days old by its night: outside the 30-day window */
	register_summarise(entries, register_parse_date("2026-12-15"), &sum, &n);
	assert_int_equal(n, 1);
	assert_int_equal(sum[0].changes_30d, 2); /* #0 and #2 */
	assert_int_equal(sum[0].changes_90d, 3);
	assert_string_equal(sum[0].last_change, "2026-11-20");
	register_summaries_free(sum, n);
	sbuf_release(&sb);
	json_decref(entries);
}

/* QA's w4 register is tests/fixtures/render/register-w4.json: a change suspected 11-03 and
 * confirmed 11-04 (accepted by alice against the confirming run), a suspicion 11-05 retracted
 * 11-06, a night the vendor was down (11-07). RUN writes such an entry. */
#define RUN(SEQ, NIGHT, VERDICT, EXTRA)                                                          \
	"{\"seq\": " #SEQ ", \"type\": \"run\", \"night\": \"" NIGHT "\", \"vendor\": \"v\","    \
	" \"model\": \"m\", \"suite\": \"s\", \"verdict\": \"" VERDICT "\", \"summary\": \"x\"," \
	" \"report\": \"r/" NIGHT ".json\"" EXTRA "}"

static const char *event_of(const json_t *ev, const char *seq, const char *field)
{
	const char *v = json_string_value(json_object_get(json_object_get(ev, seq), field));

	return v ? v : "(none)";
}

/* QA: nights 11-01..03 at e1, a change suspected 11-04 and confirmed 11-05 (e2), 11-06 at e2,
 * then 10-20 backfilled at e1 (detection, run after the change, marked it returned_epoch).
 * The current epoch is the latest night's (e2), and the backfilled night, before the change,
 * is no return. On the old code: epoch e1 (the last appended) and "#6 2026-10-20 RETURNED". */
#define EP(E) ", \"epoch\": \"" E "\""
/* clang-format off */
static const char backfill_register[] = "["
	RUN(0, "2026-11-01", "pass", EP("e1")) ","
	RUN(1, "2026-11-02", "pass", EP("e1")) ","
	RUN(2, "2026-11-03", "pass", EP("e1")) ","
	RUN(3, "2026-11-04", "changed", EP("e2") ", \"stage\": \"suspected\"") ","
	RUN(4, "2026-11-05", "changed", EP("e2") ", \"stage\": \"confirmed\", \"new_epoch\": true") ","
	RUN(5, "2026-11-06", "checks_failed", EP("e2")) ","
	RUN(6, "2026-10-20", "pass", EP("e1") ", \"returned_epoch\": true") "]";
/* clang-format on */

static void test_backfill_not_return(void **state)
{
	json_t *entries = json_loads(backfill_register, 0, NULL), *ev;
	struct render_html_opts ho;
	struct pl_err err = PL_ERR_INIT;
	struct reg_summary *s;
	struct sbuf sb;
	size_t n;

	(void)state;
	assert_non_null(entries);
	ev = register_events(entries);
	assert_string_equal(event_of(ev, "3", "event"), "change");
	assert_string_equal(event_of(ev, "6", "event"), "(none)");
	json_decref(ev);
	register_summarise(entries, register_parse_date("2026-11-20"), &s, &n);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].epoch, "e2");
	assert_int_equal(s[0].returns_90d, 0);
	assert_string_equal(s[0].last_change, "2026-11-04");
	register_summaries_free(s, n);
	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-20"), &sb);
	print_message("%s", sb.buf);
	assert_null(strstr(sb.buf, "RETURNED"));
	assert_non_null(strstr(sb.buf, "v/m                                  e2 "));
	sbuf_release(&sb);
	/* the HTML page, likewise */
	memset(&ho, 0, sizeof(ho));
	ho.now = register_parse_date("2026-11-20");
	sbuf_init(&sb);
	assert_int_equal(render_html_register(entries, &ho, &sb, &err), 0);
	assert_null(strstr(sb.buf, "returned to an earlier behaviour"));
	assert_non_null(strstr(sb.buf, "</a></td><td>e2</td>"));
	sbuf_release(&sb);
	/* a backfilled night that is at another epoch than the night before it is a return */
	json_array_append_new(entries, json_loads(RUN(7, "2026-11-07", "pass",
						      EP("e1") ", \"returned_epoch\": true"),
						  0, NULL));
	ev = register_events(entries);
	assert_string_equal(event_of(ev, "7", "event"), "return");
	json_decref(ev);
	json_decref(entries);
}

/* A suspicion in place of an open one (detection: a change the night after a noisy
 * suspicion is its own): the first is withdrawn by the second, which the next night confirms;
 * one change, dated by the second. On the old code the first stayed "pending" for ever. */
/* clang-format off */
static const char resuspected_register[] = "["
	RUN(0, "2026-11-01", "pass", EP("e1")) ","
	RUN(1, "2026-11-02", "changed", EP("e2") ", \"stage\": \"suspected\"") ","
	RUN(2, "2026-11-03", "changed", EP("e3") ", \"stage\": \"suspected\"") ","
	RUN(3, "2026-11-04", "changed", EP("e3") ", \"stage\": \"confirmed\", \"new_epoch\": true") "]";
/* clang-format on */

static void test_events_suspicion_in_place(void **state)
{
	json_t *entries = json_loads(resuspected_register, 0, NULL), *ev;
	struct reg_summary *s;
	struct sbuf sb;
	size_t n;

	(void)state;
	assert_non_null(entries);
	ev = register_events(entries);
	assert_string_equal(event_of(ev, "1", "event"), "suspicion_retracted");
	assert_string_equal(event_of(ev, "1", "link_night"), "2026-11-03");
	assert_string_equal(event_of(ev, "2", "event"), "change");
	assert_string_equal(event_of(ev, "2", "confirmed_night"), "2026-11-04");
	assert_string_equal(event_of(ev, "3", "event"), "confirmation");
	json_decref(ev);
	register_summarise(entries, register_parse_date("2026-11-20"), &s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].changes_30d, 1);
	assert_string_equal(s[0].last_change, "2026-11-03");
	register_summaries_free(s, n);
	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-20"), &sb);
	assert_null(strstr(sb.buf, "pending"));
	sbuf_release(&sb);
	json_decref(entries);
}

/* A change is counted once, by its first (suspected) night, and shown as confirmed; a
 * retracted suspicion is no change and its retraction no return; the accept decision is shown
 * against the change it covers. The suspected night of a retraction (a one-night blip) is
 * observed but not a stable night (before: "stable over 4 observed nights"). On the old code: 3
 * changes (11-03, 11-04, 11-05), the last on the retracted night, and the retraction a "return". */
static void test_events_stages(void **state)
{
	json_t *entries = json_load_file(tu_fixture("render/register-w4.json"), 0, NULL), *ev;
	struct reg_summary *s;
	struct sbuf sb;
	size_t n;

	(void)state;
	assert_non_null(entries);
	ev = register_events(entries);
	assert_int_equal(json_object_size(ev), 4);
	assert_string_equal(event_of(ev, "2", "event"), "change");
	assert_string_equal(event_of(ev, "2", "confirmed_night"), "2026-11-04");
	assert_string_equal(event_of(ev, "3", "event"), "confirmation");
	assert_string_equal(event_of(ev, "3", "link_night"), "2026-11-03");
	assert_string_equal(event_of(ev, "5", "event"), "suspicion_retracted");
	assert_string_equal(event_of(ev, "5", "link_night"), "2026-11-06");
	assert_string_equal(event_of(ev, "6", "event"), "retraction");
	json_decref(ev);

	register_summarise(entries, register_parse_date("2026-11-20"), &s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].changes_30d, 1);
	assert_int_equal(s[0].changes_90d, 1);
	assert_string_equal(s[0].last_change, "2026-11-03");
	assert_int_equal(s[0].returns_90d, 0);
	assert_string_equal(s[0].last_event, "2026-11-03");
	register_summaries_free(s, n);

	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-20"), &sb);
	print_message("%s", sb.buf);
	assert_string_equal(
		strchr(sb.buf, '\n') + 1,
		"v/m                                  e2             2026-11-03     1    1       -  "
		"        -     7\n"
		"\n"
		"stability:\n"
		"  v/m: stable over 3 observed nights since 2026-11-03, last observed 2026-11-06; 1 "
		"night suspected and retracted the next night, not counted (2026-11-05); 1 night "
		"not observed (2026-11-07: incomplete)\n"
		"\n"
		"changes and decisions:\n"
		"  #2    2026-11-03  v/m s: CHANGED (suspected; confirmed 2026-11-04 by #3): x "
		"(report r/2026-11-03.json)\n"
		"  #3    2026-11-04  v/m s: CONFIRMED the change suspected 2026-11-03 (#2), "
		"counted there: x (report r/2026-11-04.json)\n"
		/* an entry without a date does not get one made up */
		"  #4    2026-11-04  v/m s: DECISION accept by alice, decided date not recorded: "
		"\"fine\" (accepts run #3, "
		"epoch e2: the change of 2026-11-03, #2)\n"
		"  #5    2026-11-05  v/m s: SUSPECTED, RETRACTED 2026-11-06 by #6: not a change: x "
		"(report r/2026-11-05.json)\n"
		"  #6    2026-11-06  v/m s: RETRACTED the suspicion of 2026-11-05 (#5): x (report "
		"r/2026-11-06.json)\n");
	sbuf_release(&sb);
	json_decref(entries);
}

static const char pending_text[] = "[" RUN(0, "2026-11-01", "pass", ", \"epoch\": \"e1\"") "," RUN(
	1, "2026-11-02", "changed",
	", \"epoch\": \"e2\", \"stage\": \"suspected\"") "," RUN(2, "2026-11-03", "incomplete",
								 ", \"epoch\": \"e1\"") "]";

/* A suspicion that no judged night has confirmed or retracted yet (the night after could not
 * be judged) is pending: neither a change nor a retraction. */
static void test_events_pending(void **state)
{
	json_t *entries = json_loads(pending_text, 0, NULL), *ev;
	struct reg_summary *s;
	struct sbuf sb;
	size_t n;

	(void)state;
	assert_non_null(entries);
	ev = register_events(entries);
	assert_int_equal(json_object_size(ev), 1);
	assert_string_equal(event_of(ev, "1", "event"), "pending");
	json_decref(ev);
	register_summarise(entries, register_parse_date("2026-11-20"), &s, &n);
	assert_int_equal(s[0].changes_90d, 0);
	assert_int_equal(s[0].returns_90d, 0);
	assert_null(s[0].last_change);
	register_summaries_free(s, n);
	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-20"), &sb);
	assert_non_null(strstr(sb.buf,
			       "\n  #1    2026-11-02  v/m s: SUSPECTED change, pending (not "
			       "yet confirmed or retracted): x (report r/2026-11-02.json)\n"));
	/* the pending night ends the stable nights; the night after, incomplete, is a gap */
	assert_non_null(strstr(sb.buf, "\n  v/m: stable over 1 observed night since 2026-11-01 "
				       "until a change was suspected on 2026-11-02 (pending), last "
				       "observed 2026-11-02; 1 night not observed (2026-11-03: "
				       "incomplete)\n"));
	assert_null(strstr(sb.buf, "CHANGED"));
	assert_null(strstr(sb.buf, "RETURNED"));
	sbuf_release(&sb);
	json_decref(entries);
}

/* A night run twice (tests/fixtures/render/register-forced.json): #2 suspected a change on
 * 2026-11-03, `run --force` ran the night again (#3, no change) and wrote its report over #2's
 * file. #2 is shown as replaced and counted nowhere: 4 runs (+1 replaced), availability and
 * latency the standing runs'; its line names the file as #3's now and gives #2's own SHA-256.
 * On the old code: 5 runs, availability 0.9, and "(report r/2026-11-03/v-s.json)" for #2. */
static void test_show_replaced(void **state)
{
	json_t *entries = json_load_file(tu_fixture("render/register-forced.json"), 0, NULL), *ev;
	struct reg_summary *s;
	struct sbuf sb;
	size_t n;

	(void)state;
	assert_non_null(entries);
	ev = register_events(entries);
	assert_string_equal(event_of(ev, "2", "event"), "replaced");
	json_decref(ev);
	register_summarise(entries, register_parse_date("2026-11-20"), &s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].runs, 4);
	assert_int_equal(s[0].replaced, 1);
	assert_true(s[0].availability == 1.0);
	assert_true(s[0].latency_p50_ms == 100);
	assert_string_equal(s[0].epoch, "e1");
	assert_int_equal(s[0].observed_nights, 4);
	register_summaries_free(s, n);

	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-20"), &sb);
	print_message("%s", sb.buf);
	assert_non_null(strstr(sb.buf,
			       "\nv/m                                  e1             -    "
			       "          0    0  100.0%        100     4 (+1 replaced, not "
			       "counted)\n"));
	assert_non_null(strstr(sb.buf,
			       "\n  #2    2026-11-03  v/m s: REPLACED by #3, a later run "
			       "of the night (--force): not counted: changed: JSON now "
			       "wrapped in fences; suspected: epoch e2 unless tomorrow "
			       "retracts it (its report file r/2026-11-03/v-s.json now holds "
			       "#3's report; this run's was SHA-256 "
			       "deaddeaddeaddeaddeaddeaddeaddeaddeaddeaddeaddeaddeaddeaddeaddead)"
			       "\n"));
	assert_null(strstr(sb.buf, "(report r/2026-11-03/v-s.json)"));
	sbuf_release(&sb);
	json_decref(entries);
}

/* Counts the occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* register_check_reports names each entry whose report file is missing or altered, and
 * `register show` and the HTML report mark those entries (the line or row, the summary, a
 * banner), not only `register verify`. */
static void test_report_problems(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg *r;
	struct reg_reports_result rr;
	struct render_register_proof proof;
	struct render_html_opts ho;
	json_t *entries = NULL, *problems = json_object();
	char reports[300], file[3][400], rel[64], night[11];
	const char *reg = path_in("rp.jsonl");
	struct sbuf sb;
	FILE *f;
	int i;

	(void)state;
	snprintf(reports, sizeof(reports), "%s/rp-reports", dir);
	r = register_open(reg, key, &err);
	assert_non_null(r);
	for (i = 0; i < 3; i++) {
		struct reg_run_entry e;
		char sub[360], body[64];

		snprintf(night, sizeof(night), "2026-11-%02d", i + 1);
		snprintf(sub, sizeof(sub), "%s/%s", reports, night);
		assert_int_equal(fileio_mkdirs(sub, &err), 0);
		snprintf(rel, sizeof(rel), "%s/v-core.json", night);
		snprintf(file[i], sizeof(file[i]), "%s/%s", reports, rel);
		snprintf(body, sizeof(body), "{\"night\":%d}\n", i);
		put(file[i], body, strlen(body));
		memset(&e, 0, sizeof(e));
		e.night = night;
		e.vendor = "v";
		e.model = "m";
		e.suite = "core";
		e.verdict = i == 1 ? "changed" : "no_change";
		e.epoch = i >= 1 ? "e2" : "e1";
		e.new_epoch = i == 1;
		e.report = file[i];
		e.report_path = rel;
		e.availability = e.latency_p50_ms = e.latency_p95_ms = -1;
		assert_int_equal(register_sign_and_append(r, key, &e, &err), i);
	}
	register_close(r);
	assert_int_equal(register_load(reg, &entries, &err), 0);

	/* intact: nothing named */
	assert_int_equal(register_check_reports(entries, reports, problems, &rr, &err), 0);
	assert_int_equal(rr.checked, 3);
	assert_int_equal(json_object_size(problems), 0);

	/* night 1 deleted, night 2 edited */
	assert_int_equal(unlink(file[0]), 0);
	f = fopen(file[1], "a");
	assert_non_null(f);
	fputs(" ", f);
	fclose(f);
	assert_int_equal(register_check_reports(entries, reports, problems, &rr, &err), -1);
	assert_int_equal(err.code, PL_E_INTEGRITY);
	assert_int_equal(rr.checked, 1);
	assert_int_equal(rr.failed, 2);
	assert_int_equal(json_object_size(problems), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(problems, "0"), "problem")),
		"missing");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(problems, "0"), "label")),
		"report missing");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(problems, "0"), "file")),
		file[0]);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(problems, "1"), "problem")),
		"altered");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(problems, "1"), "label")),
		"report altered: sha256 differs");
	assert_null(json_object_get(problems, "2"));

	memset(&proof, 0, sizeof(proof));
	proof.verified = 1;
	proof.path = reg;
	proof.entries = 3;
	proof.reports = RENDER_REPORTS_DAMAGED;
	proof.reports_dir = reports;
	proof.reports_ok = rr.checked;
	proof.reports_failed = rr.failed;
	proof.report_problems = problems;

	/* show: the summary line, each entry, the summary row, the change's line */
	sbuf_init(&sb);
	render_register_proof_text(&proof, entries, &sb);
	render_register_show(entries, &proof, register_parse_date("2026-11-20"), &sb);
	print_message("%s", sb.buf);
	assert_non_null(strstr(sb.buf, "  reports:    NOT INTACT: 2 of 3 report files in "));
	assert_non_null(strstr(sb.buf, "\n***   #0    2026-11-01  v/m core: report missing ("));
	assert_non_null(strstr(sb.buf, "\n***   #1    2026-11-02  v/m core: report altered: "
				       "sha256 differs ("));
	assert_null(strstr(sb.buf, "#2    2026-11-03  v/m core: report"));
	assert_non_null(strstr(sb.buf, "     3 (2 reports missing or altered)\n"));
	assert_non_null(
		strstr(sb.buf, "2026-11-02/v-core.json: report altered: sha256 differs)\n"));
	sbuf_release(&sb);
	/* the same register without the check says nothing of the reports */
	sbuf_init(&sb);
	render_register_show(entries, NULL, register_parse_date("2026-11-20"), &sb);
	assert_null(strstr(sb.buf, "missing or altered"));
	sbuf_release(&sb);

	/* HTML: the rows marked, a banner at the top, on the vendor/model's page, at the end */
	memset(&ho, 0, sizeof(ho));
	ho.now = register_parse_date("2026-11-20");
	ho.proof = &proof;
	sbuf_init(&sb);
	assert_int_equal(render_html_register(entries, &ho, &sb, &err), 0);
	assert_int_equal(count_of(sb.buf, "class=\"evidence\">REPORTS MISSING OR ALTERED"), 3);
	assert_non_null(strstr(sb.buf, "<tr id=\"run-0\" class=\"badreport\">"));
	assert_non_null(strstr(sb.buf, "<tr id=\"run-1\" class=\"badreport\">"));
	assert_null(strstr(sb.buf, "<tr id=\"run-2\" class=\"badreport\">"));
	assert_int_equal(count_of(sb.buf, "<b class=\"badmark\">&#9888; report missing</b>"), 1);
	assert_int_equal(
		count_of(sb.buf, "<b class=\"badmark\">&#9888; report altered: sha256 differs</b>"),
		1);
	assert_non_null(strstr(sb.buf, "2 of 3 missing or altered"));
	sbuf_release(&sb);
	/* reports intact: no banner, no mark */
	proof.reports = RENDER_REPORTS_INTACT;
	proof.reports_failed = 0;
	proof.report_problems = NULL;
	sbuf_init(&sb);
	assert_int_equal(render_html_register(entries, &ho, &sb, &err), 0);
	assert_null(strstr(sb.buf, "class=\"evidence\""));
	assert_null(strstr(sb.buf, "class=\"badreport\""));
	assert_non_null(strstr(sb.buf, "exist and have the SHA-256 their entries record"));
	sbuf_release(&sb);

	json_decref(problems);
	json_decref(entries);
}

/* ---- key rotation ---- */

/* One run entry signed by r's current key. */
static void rot_run(struct reg *r, const struct sign_key *k, const char *reg, int night)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_run_entry e;
	char report[300], body[64], date[32];

	memset(&e, 0, sizeof(e));
	snprintf(report, sizeof(report), "%s.n%d.json", reg, night);
	snprintf(body, sizeof(body), "{\"night\":%d}\n", night);
	put(report, body, strlen(body));
	snprintf(date, sizeof(date), "2026-11-%02dT02:00:00Z", night);
	e.date = date;
	e.vendor = "v";
	e.model = "m";
	e.suite = "s";
	e.verdict = "no_change";
	e.report = report;
	e.availability = e.latency_p50_ms = e.latency_p95_ms = -1;
	assert_true(register_sign_and_append(r, k, &e, &err) >= 0);
}

/* A register key -> key2 -> key3: entries 0-1 by key, rotation #2, 3-4 by key2, rotation #5,
 * 6 by key3. */
static void build_rotated(const char *reg, struct sign_key *k3)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg *r = register_open(reg, key, &err);

	assert_non_null(r);
	rot_run(r, key, reg, 1);
	rot_run(r, key, reg, 2);
	assert_int_equal(
		register_append_rotation(r, key2, "scheduled", "2026-11-03T09:00:00Z", &err), 2);
	rot_run(r, key2, reg, 4);
	rot_run(r, key2, reg, 5);
	assert_int_equal(register_append_rotation(r, k3, "staff left", NULL, &err), 5);
	rot_run(r, k3, reg, 7);
	register_close(r);
}

static struct sign_key *third_key(void)
{
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k;

	if (!fileio_exists(path_in("k3.key")))
		assert_int_equal(sign_keygen(path_in("k3.key"), path_in("k3.pub"), NULL, 0, &err),
				 0);
	k = sign_key_load(path_in("k3.key"), &err);
	assert_non_null(k);
	return k;
}

/* Rotations chain: the original key verifies all of it, each entry with the key current at
 * it and each checkpoint with the key current at its size; a later key alone verifies from
 * its handover on and says which entries it could not check. */
static void test_rotation_chain(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct reg_keys *keys = NULL;
	struct sign_key *k3 = third_key();
	struct sign_pub *p2 = sign_key_pub(key2), *p3 = sign_key_pub(k3);
	const char *reg = path_in("rot/register.jsonl");
	char id[17], ck2[300];
	long long from, rot;
	struct reg *r;
	struct sbuf sb = SBUF_INIT;

	(void)state;
	build_rotated(reg, k3);
	assert_int_equal(register_verify_keys(reg, pub, NULL, &res, &keys, &err), 0);
	assert_int_equal(res.entries, 7);
	assert_int_equal(res.runs, 5);
	assert_int_equal(res.rotations, 2);
	assert_int_equal(res.unchecked, 0);
	assert_string_equal(res.current_key, sign_pub_keyid(p3, id));
	assert_int_equal(register_keys_count(keys), 3);
	assert_true(sign_pub_equal(register_keys_at(keys, 2), pub)); /* the rotation: old key */
	assert_true(sign_pub_equal(register_keys_at(keys, 3), p2));
	assert_true(sign_pub_equal(register_keys_at(keys, 6), p3));
	assert_true(sign_pub_equal(register_keys_get(keys, 1, &from, &rot), p2));
	assert_int_equal(from, 3);
	assert_int_equal(rot, 2);
	register_keys_free(keys);
	/* the checkpoint is the newest key's */
	snprintf(ck2, sizeof(ck2), "%s.checkpoint", reg);
	{
		size_t size;
		struct merkle_hash root;

		assert_int_equal(register_read_checkpoint(ck2, p3, &size, &root, &err), 0);
		assert_int_equal(size, 7);
	}
	/* the middle key alone: from its handover (#2) on */
	assert_int_equal(register_verify(reg, p2, NULL, &res, &err), 0);
	assert_int_equal(res.unchecked, 3);
	assert_int_equal(res.unchecked_from, 0); /* #0 to #2: all the first key's */
	/* the newest key alone */
	assert_int_equal(register_verify(reg, p3, NULL, &res, &err), 0);
	assert_int_equal(res.unchecked, 6);
	assert_string_equal(res.unchecked_key, sign_pub_keyid(p2, id));
	register_describe_unchecked(&res, &sb);
	assert_non_null(strstr(sb.buf, "not checked: the signatures of entries #0 to #5 by key "));
	/* #0 to #2 were the first key's, not p2's (QA: an auditor tried p2 on them) */
	assert_int_equal(res.unchecked_from, 3);
	assert_non_null(strstr(sb.buf, " (#3 on; those before by the keys earlier rotations "
				       "retired)"));
	sbuf_release(&sb);
	/* a retired key cannot extend it: refused naming the rotation and both keys */
	pl_err_init(&err);
	r = register_open(reg, key2, &err);
	assert_null(r);
	assert_int_equal(err.code, PL_E_IO);
	assert_non_null(strstr(err.msg, "register entry #5 (a key rotation) hands the register "
					"over to key "));
	assert_non_null(strstr(err.msg, "--rotate' finishes it"));
	/* the current key extends it, and reopening continues */
	pl_err_init(&err);
	r = register_open(reg, k3, &err);
	assert_non_null(r);
	rot_run(r, k3, reg, 8);
	register_close(r);
	assert_int_equal(register_verify(reg, pub, NULL, &res, &err), 0);
	assert_int_equal(res.entries, 8);
	sign_pub_free(p2);
	sign_pub_free(p3);
	sign_key_free(k3);
}

/* Appends a hand-made line as the next entry of reg (seq, prev filled in), signed by signer;
 * a rotation line gets new_key_sig by cosigner over the same bytes. */
static void forge_append(const char *reg, json_t *o, const struct sign_key *signer,
			 const struct sign_key *cosigner)
{
	struct pl_err err = PL_ERR_INIT;
	unsigned char sig[SIGN_SIG_LEN];
	struct sbuf sb = SBUF_INIT, b64 = SBUF_INIT;
	char *text, *last, prev[65];
	size_t len, n = 0, i;

	text = get(reg, &len);
	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	last = text + len - 1;
	while (last > text && last[-1] != '\n')
		last--;
	hex_sha256(last, (size_t)(text + len - 1 - last), prev);
	json_object_set_new(o, "seq", json_integer((json_int_t)n));
	json_object_set_new(o, "prev", json_string(prev));
	assert_int_equal(canon_jcs(o, &sb, &err), 0);
	assert_int_equal(sign_raw(signer, sb.buf, sb.len, sig, &err), 0);
	base64_add(&b64, sig, sizeof(sig));
	json_object_set_new(o, "sig", json_string(b64.buf));
	if (cosigner) {
		assert_int_equal(sign_raw(cosigner, sb.buf, sb.len, sig, &err), 0);
		sbuf_reset(&b64);
		base64_add(&b64, sig, sizeof(sig));
		json_object_set_new(o, "new_key_sig", json_string(b64.buf));
	}
	sbuf_reset(&sb);
	assert_int_equal(canon_jcs(o, &sb, &err), 0);
	sbuf_addch(&sb, '\n');
	assert_int_equal(fileio_append(reg, sb.buf, sb.len, 0644, &err), 0);
	json_decref(o);
	free(text);
	sbuf_release(&sb);
	sbuf_release(&b64);
}

static json_t *rotation_obj(const struct sign_pub *oldp, const struct sign_pub *newp)
{
	struct sbuf b64 = SBUF_INIT;
	char id[17];
	json_t *o = json_object();

	sign_pub_encode(newp, &b64);
	json_object_set_new(o, "type", json_string("key_rotation"));
	json_object_set_new(o, "date", json_string("2026-11-09T00:00:00Z"));
	json_object_set_new(o, "night", json_string("2026-11-09"));
	json_object_set_new(o, "old_key", json_string(sign_pub_keyid(oldp, id)));
	json_object_set_new(o, "new_key", json_string(sign_pub_keyid(newp, id)));
	json_object_set_new(o, "new_public_key", json_string(b64.buf));
	sbuf_release(&b64);
	return o;
}

/* Forged rotations fail, naming the entry: one the current key did not sign (a retired key
 * after its rotation), one whose new-key signature is wrong, an edited one, one moved, and an
 * entry the retired key signed after the handover. */
static void test_rotation_forgeries(void **state)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct sign_key *k3 = third_key();
	struct sign_pub *p2 = sign_key_pub(key2), *p3 = sign_key_pub(k3);
	const char *base = path_in("rotf/register.jsonl");
	char reg[300], msg[400], id[17], ck[300], ck2[320], *text, *at;
	size_t len;
	int i;

	(void)state;
	/* files are read with fileio_read_all here, not get(): GCC -O3 takes the inlined get()'s
	 * local for the buffer (-Wdangling-pointer) */
	build_rotated(base, k3); /* 7 entries, current key k3 */
	snprintf(ck, sizeof(ck), "%s.checkpoint", base);
	for (i = 0; i < 6; i++) {
		snprintf(reg, sizeof(reg), "%s.f%d", base, i);
		copy(base, reg);
		snprintf(ck2, sizeof(ck2), "%s.checkpoint", reg);
		copy(ck, ck2);
		pl_err_init(&err);
		switch (i) {
		case 0: /* the retired key2 hands over to a key of its choosing */
			forge_append(reg, rotation_obj(p2, pub), key2, key);
			snprintf(msg, sizeof(msg), "%s:8: entry 7", reg);
			break;
		case 1: /* signed by the current key, but new_key_sig is not the new key's */
			forge_append(reg, rotation_obj(p3, p2), k3, k3);
			snprintf(msg, sizeof(msg), "%s:8: entry 7", reg);
			break;
		case 2: /* the reason of rotation #5 edited */
			text = NULL;
			assert_int_equal(fileio_read_all(reg, 1 << 24, &text, &len, &err), 0);
			at = strstr(text, "staff left");
			assert_non_null(at);
			at[0] = 'S';
			put(reg, text, len);
			free(text);
			snprintf(msg, sizeof(msg), "%s:6: entry 5", reg);
			break;
		case 3: /* old_key names another key than the one that signs it */
			forge_append(reg, rotation_obj(p2, pub), k3, key);
			snprintf(msg, sizeof(msg), "%s:8: entry 7", reg);
			break;
		case 4: { /* the retired key2 signs a run after the handover */
			json_t *o = json_pack("{s:s, s:s, s:s}", "type", "run", "date",
					      "2026-11-09T00:00:00Z", "vendor", "v");

			forge_append(reg, o, key2, NULL);
			snprintf(msg, sizeof(msg), "%s:8: entry 7", reg);
			break;
		}
		case 5: /* new_key edited to name another key than new_public_key */
			text = NULL;
			assert_int_equal(fileio_read_all(reg, 1 << 24, &text, &len, &err), 0);
			at = strstr(text, "\"new_key\":\"");
			assert_non_null(at);
			at += 11;
			at[0] = at[0] == 'A' ? 'B' : 'A';
			put(reg, text, len);
			free(text);
			snprintf(msg, sizeof(msg), "%s:3: entry 2", reg);
			break;
		}
		assert_int_equal(register_verify(reg, pub, NULL, &res, &err), -1);
		printf("forged %d: %s: %s\n", i, err.where, err.msg);
		assert_string_equal(err.where, msg);
		assert_int_equal(err.code, PL_E_INTEGRITY);
		if (i == 1)
			assert_non_null(strstr(err.msg, "new_key_sig) does not verify"));
		if (i == 3) {
			snprintf(msg, sizeof(msg), "names old key %s", sign_pub_keyid(p2, id));
			assert_non_null(strstr(err.msg, msg));
		}
		if (i == 4) {
			snprintf(msg, sizeof(msg), "not by the key it was handed over to, %s",
				 sign_pub_keyid(p3, id));
			assert_non_null(strstr(err.msg, msg));
		}
	}
	/* a rotation entry moved: the chain names it */
	snprintf(reg, sizeof(reg), "%s.moved", base);
	snprintf(ck2, sizeof(ck2), "%s.checkpoint", reg);
	copy(ck, ck2);
	text = NULL;
	assert_int_equal(fileio_read_all(base, 1 << 24, &text, &len, &err), 0);
	{
		char *l[8], *p = text, *out = xcalloc(1, len + 1);
		int n = 0, j;

		while (n < 7 && p < text + len) {
			l[n++] = p;
			p = strchr(p, '\n') + 1;
		}
		/* entries 0, 1, 5 (a rotation), 2, 3, 4, 6 */
		for (j = 0; j < 7; j++) {
			int k = j == 2 ? 5 : j >= 3 && j <= 5 ? j - 1 : j;
			char *e = strchr(l[k], '\n');

			strncat(out, l[k], (size_t)(e - l[k]) + 1);
		}
		put(reg, out, len);
		free(out);
	}
	free(text);
	pl_err_init(&err);
	assert_int_equal(register_verify(reg, pub, NULL, &res, &err), -1);
	snprintf(msg, sizeof(msg), "%s:3: entry 2", reg);
	assert_string_equal(err.where, msg);
	sign_pub_free(p2);
	sign_pub_free(p3);
	sign_key_free(k3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_key_named),
		cmocka_unit_test(test_append_verify),
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_forgeries),
		cmocka_unit_test(test_bad_checkpoints),
		cmocka_unit_test(test_proofs),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_show_by_night),
		cmocka_unit_test(test_events_stages),
		cmocka_unit_test(test_events_suspicion_in_place),
		cmocka_unit_test(test_backfill_not_return),
		cmocka_unit_test(test_events_pending),
		cmocka_unit_test(test_show_replaced),
		cmocka_unit_test(test_report_problems),
		cmocka_unit_test(test_rotation_chain),
		cmocka_unit_test(test_rotation_forgeries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
