/* test_sign.c: keys (O_EXCL, 0600, refusal of readable keys), minisign and raw signatures,
 * forgeries that must fail, BLAKE2b against OpenSSL, the "signing" config section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base64.h"
#include "blake2b.h"
#include "fileio.h"
#include "sign.h"
#include "testutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char dir[64];
	char sk[128], pk[128], pem[128], sk2[128], pk2[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pl_err err = PL_ERR_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/pl_test_sign.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sk, sizeof(f->sk), "%s/keys/plumbline.key", f->dir);
	snprintf(f->pk, sizeof(f->pk), "%s/keys/register.pub", f->dir);
	snprintf(f->pem, sizeof(f->pem), "%s/keys/register.pub.pem", f->dir);
	snprintf(f->sk2, sizeof(f->sk2), "%s/other.key", f->dir);
	snprintf(f->pk2, sizeof(f->pk2), "%s/other.pub", f->dir);
	if (sign_keygen(f->sk, f->pk, NULL, 0, &err) < 0 ||
	    sign_keygen(f->sk2, f->pk2, NULL, 0, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[160];

	unlink(f->sk), unlink(f->pk), unlink(f->pem), unlink(f->sk2), unlink(f->pk2);
	snprintf(path, sizeof(path), "%s.pem", f->pk2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/keys", f->dir);
	rmdir(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_blake2b(void **state)
{
	static const char b2_256_empty[] = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45c"
					   "df12fe3a8";
	unsigned char data[1000], mine[64], theirs[64];
	static const size_t lens[] = { 0, 1, 3, 127, 128, 129, 256, 1000 };
	char hex[65];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		blake2b_hash(mine, 64, data, lens[i]);
		EVP_Digest(data, lens[i], theirs, NULL, EVP_blake2b512(), NULL);
		assert_memory_equal(mine, theirs, 64);
	}
	blake2b_hash(mine, 32, "", 0);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mine[i]);
	assert_string_equal(hex, b2_256_empty);
}

static void test_key_files(void **state)
{
	struct fx *f = *state;
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k;
	struct stat st;

	assert_int_equal(stat(f->sk, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* never overwrites an existing secret key */
	assert_int_equal(sign_keygen(f->sk, f->pk, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "refusing to overwrite"));
	/* refuses a key readable by group */
	assert_int_equal(chmod(f->sk, 0640), 0);
	pl_err_init(&err);
	assert_null(sign_key_load(f->sk, &err));
	assert_non_null(strstr(err.msg, "accessible by group or others"));
	assert_int_equal(chmod(f->sk, 0600), 0);
	pl_err_init(&err);
	k = sign_key_load(f->sk, &err);
	assert_non_null(k);
	sign_key_free(k);
	assert_true(fileio_exists(f->pem));
}

/* A new key pair never replaces the public key the register and the reports verify with
 * (QA: 'keygen --secret-key second.key' overwrote register.pub), unless asked to; keygen
 * over an existing secret key writes its missing public files, never another key's. */
static void test_keygen_keeps_public_key(void **state)
{
	struct fx *f = *state;
	struct pl_err err = PL_ERR_INIT;
	char sk3[300], pem2[310], *before, *after;
	struct sign_pub *p1, *p2;

	snprintf(sk3, sizeof(sk3), "%s.third", f->sk);
	snprintf(pem2, sizeof(pem2), "%s.pem", f->pk2);
	before = tu_read(f->pk, NULL);
	assert_int_equal(sign_keygen(sk3, f->pk, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "refusing to overwrite an existing public key"));
	assert_non_null(strstr(err.where, f->pk));
	assert_false(fileio_exists(sk3));
	after = tu_read(f->pk, NULL);
	assert_string_equal(before, after);
	free(after);
	/* the PEM alone is protected too */
	assert_int_equal(rename(f->pk, sk3), 0);
	pl_err_init(&err);
	assert_int_equal(sign_keygen(f->sk2, f->pk, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "refusing to overwrite"));
	assert_int_equal(rename(sk3, f->pk), 0);
	/* the secret key exists: its public files are written where missing, never replaced
	 * by another key's without the flag; with it, they become its public half */
	assert_int_equal(unlink(f->pem), 0);
	pl_err_init(&err);
	assert_int_equal(sign_keygen(f->sk, f->pk, NULL, 0, &err), 1);
	assert_true(fileio_exists(f->pem));
	pl_err_init(&err);
	assert_int_equal(sign_keygen(f->sk, f->pk2, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "is not its public half"));
	pl_err_init(&err);
	assert_int_equal(sign_keygen(f->sk, f->pk2, pem2, SIGN_KEYGEN_REPLACE_PUBLIC, &err), 1);
	p1 = sign_pub_load(f->pk, &err);
	p2 = sign_pub_load(f->pk2, &err);
	assert_true(sign_pub_equal(p1, p2));
	sign_pub_free(p1);
	sign_pub_free(p2);
	/* put the fixture's second key back for the other tests */
	pl_err_init(&err);
	assert_int_equal(sign_keygen(f->sk2, f->pk2, pem2, SIGN_KEYGEN_REPLACE_PUBLIC, &err), 1);
	p1 = sign_pub_load(f->pk, &err);
	p2 = sign_pub_load(f->pk2, &err);
	assert_false(sign_pub_equal(p1, p2));
	sign_pub_free(p1);
	sign_pub_free(p2);
	free(before);
}

/* A secret key made by minisign 0.11 with -W (tests/fixtures/minisign/README): its checksum is
 * all zero, and minisign accepts it; so does plumbline. It signs what its public key verifies,
 * and minisign's own signature made with it verifies. A checksum that is set must match, and a
 * zero-checksum key whose secret does not give its public half is still refused. */
static void test_minisign_unencrypted_key(void **state)
{
	struct fx *f = *state;
	struct pl_err err = PL_ERR_INIT;
	char *text = NULL, *msg = NULL, *sig = NULL, path[200], *tc = NULL;
	size_t len, mlen, slen;
	unsigned char blob[158];
	struct sign_key *k;
	struct sign_pub *pub, *half;
	struct sbuf sb = SBUF_INIT, line = SBUF_INIT;

	assert_int_equal(fileio_read_all(PL_FIXTURES "/minisign/minisign-0.11-W.key", 4096, &text,
					 &len, &err),
			 0);
	snprintf(path, sizeof(path), "%s/ms.key", f->dir);
	assert_int_equal(fileio_write_atomic(path, text, len, 0600, &err), 0);
	k = sign_key_load(path, &err);
	if (!k)
		fail_msg("%s: %s", err.where, err.msg);
	pub = sign_pub_load(PL_FIXTURES "/minisign/minisign-0.11-W.pub", &err);
	assert_non_null(pub);
	half = sign_key_pub(k);
	assert_true(sign_pub_equal(pub, half));
	assert_int_equal(sign_minisig(k, "x", 1, "tc", &sb, &err), 0);
	assert_int_equal(sign_verify_minisig(pub, "x", 1, sb.buf, sb.len, NULL, &err), 0);
	assert_int_equal(
		fileio_read_all(PL_FIXTURES "/minisign/message.txt", 4096, &msg, &mlen, &err), 0);
	assert_int_equal(fileio_read_all(PL_FIXTURES "/minisign/message.txt.minisig", 4096, &sig,
					 &slen, &err),
			 0);
	assert_int_equal(sign_verify_minisig(pub, msg, mlen, sig, slen, &tc, &err), 0);
	assert_string_equal(tc, "fixture for test_sign");
	sign_key_free(k);

	/* the same key with a checksum set, but wrong: refused */
	assert_int_equal(base64_decode(strchr(text, '\n') + 1, 212, blob, sizeof(blob)), 0);
	blob[130] = 0x5a;
	sbuf_addstr(&line, "untrusted comment: x\n");
	base64_add(&line, blob, sizeof(blob));
	sbuf_addch(&line, '\n');
	assert_int_equal(fileio_write_atomic(path, line.buf, line.len, 0600, &err), 0);
	assert_null(sign_key_load(path, &err));
	assert_string_equal(err.msg, "secret key checksum does not match");
	/* a zero checksum does not hide a damaged secret */
	blob[130] = 0;
	blob[70] ^= 1;
	sbuf_reset(&line);
	sbuf_addstr(&line, "untrusted comment: x\n");
	base64_add(&line, blob, sizeof(blob));
	sbuf_addch(&line, '\n');
	assert_int_equal(fileio_write_atomic(path, line.buf, line.len, 0600, &err), 0);
	pl_err_init(&err);
	assert_null(sign_key_load(path, &err));
	assert_string_equal(err.msg, "secret key is inconsistent with its public half");
	unlink(path);
	sign_pub_free(pub);
	sign_pub_free(half);
	sbuf_release(&sb);
	sbuf_release(&line);
	free(text);
	free(msg);
	free(sig);
	free(tc);
}

static void test_minisig(void **state)
{
	struct fx *f = *state;
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k = sign_key_load(f->sk, &err);
	struct sign_pub *pub = sign_pub_load(f->pk, &err), *pem = sign_pub_load(f->pem, &err);
	struct sign_pub *other = sign_pub_load(f->pk2, &err);
	struct sign_pub *other_pem = NULL;
	char data[] = "{\"verdict\":\"changed\"}\n", *tc = NULL, id1[17], id2[17];
	struct sbuf sig;
	char path[256];

	assert_non_null(k);
	assert_non_null(pub);
	assert_non_null(pem);
	assert_non_null(other);
	snprintf(path, sizeof(path), "%s.pem", f->pk2);
	other_pem = sign_pub_load(path, &err);
	assert_non_null(other_pem);
	assert_string_not_equal(sign_pub_keyid(pub, id1), sign_pub_keyid(other, id2));
	sbuf_init(&sig);
	assert_int_equal(
		sign_minisig(k, data, strlen(data), "file:r.json\tregister_seq:4", &sig, &err), 0);
	assert_int_equal(sign_verify_minisig(pub, data, strlen(data), sig.buf, sig.len, &tc, &err),
			 0);
	assert_string_equal(tc, "file:r.json\tregister_seq:4");
	free(tc);
	assert_int_equal(sign_verify_minisig(pem, data, strlen(data), sig.buf, sig.len, NULL, &err),
			 0);
	/* forgery: a changed byte */
	data[2] = 'V';
	assert_int_equal(sign_verify_minisig(pub, data, strlen(data), sig.buf, sig.len, NULL, &err),
			 -1);
	assert_int_equal(err.code, PL_E_INTEGRITY);
	data[2] = 'v';
	/* forgery: a wrong key (by key id, and by signature when the id is unknown) */
	pl_err_init(&err);
	assert_int_equal(
		sign_verify_minisig(other, data, strlen(data), sig.buf, sig.len, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not by the public key"));
	pl_err_init(&err);
	assert_int_equal(sign_verify_minisig(other_pem, data, strlen(data), sig.buf, sig.len, NULL,
					     &err),
			 -1);
	assert_int_equal(err.code, PL_E_INTEGRITY);
	/* forgery: an edited trusted comment */
	pl_err_init(&err);
	*strstr(sig.buf, "seq:4") = 'S';
	assert_int_equal(sign_verify_minisig(pub, data, strlen(data), sig.buf, sig.len, NULL, &err),
			 -1);
	assert_non_null(strstr(err.msg, "trusted comment"));
	/* a multi-line trusted comment is refused */
	pl_err_init(&err);
	assert_int_equal(sign_minisig(k, data, 3, "a\nb", &sig, &err), -1);
	sbuf_release(&sig);
	sign_key_free(k);
	sign_pub_free(pub);
	sign_pub_free(pem);
	sign_pub_free(other);
	sign_pub_free(other_pem);
}

static void test_files(void **state)
{
	struct fx *f = *state;
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k = sign_key_load(f->sk, &err);
	struct sign_pub *pub = sign_pub_load(f->pk, &err);
	char path[200], raw[256], ms[256], *tc = NULL, field[80];
	const char *body = "{\"a\":1}\n";
	unsigned char sig[64];
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/report.json", f->dir);
	snprintf(raw, sizeof(raw), "%s.sig.raw", path);
	snprintf(ms, sizeof(ms), "%s.minisig", path);
	assert_int_equal(fileio_write_atomic(path, body, strlen(body), 0644, &err), 0);
	assert_int_equal(sign_file(k, path, "file:report.json\tsha256:00", &err), 0);
	assert_int_equal(sign_verify_file(pub, path, &tc, &err), 0);
	assert_int_equal(sign_tc_field(tc, "sha256", field, sizeof(field)), 0);
	assert_string_equal(field, "00");
	assert_int_equal(sign_tc_field(tc, "seq", field, sizeof(field)), -1);
	free(tc);
	/* forgery: a flipped bit in the raw signature */
	assert_int_equal(fileio_read_all(raw, 1024, &buf, &len, &err), 0);
	assert_int_equal(len, 64);
	memcpy(sig, buf, 64);
	free(buf);
	sig[10] ^= 1;
	assert_int_equal(fileio_write_atomic(raw, sig, 64, 0644, &err), 0);
	assert_int_equal(sign_verify_file(pub, path, NULL, &err), -1);
	assert_string_equal(err.where, raw);
	/* forgery: the report changed after signing */
	pl_err_init(&err);
	assert_int_equal(fileio_write_atomic(path, "{\"a\":2}\n", 8, 0644, &err), 0);
	assert_int_equal(sign_verify_file(pub, path, NULL, &err), -1);
	assert_string_equal(err.where, ms);
	unlink(path), unlink(raw), unlink(ms);
	sign_key_free(k);
	sign_pub_free(pub);
}

static void test_config(void **state)
{
	const char *text = "{\"secret_key\": \"k\", \"regsiter\": \"x\"}";
	struct jsonloc loc = { "plumbline.json", text, strlen(text) };
	struct pl_err err = PL_ERR_INIT;
	struct sign_config c;
	json_t *v = json_loads(text, 0, NULL);

	(void)state;
	assert_int_equal(sign_config_parse(&loc, "", v, "st", &c, &err), -1);
	assert_non_null(strstr(err.where, "plumbline.json:1:"));
	assert_non_null(strstr(err.where, "regsiter"));
	json_object_del(v, "regsiter");
	pl_err_init(&err);
	assert_int_equal(sign_config_parse(&loc, "", v, "st", &c, &err), 0);
	assert_string_equal(c.secret_key, "k");
	assert_string_equal(c.public_key, "st/register.pub");
	assert_string_equal(c.register_path, "st/register.jsonl");
	sign_config_release(&c);
	json_decref(v);
}

/* What a key rotation uses: the public key as the base64 line of its minisign file (and
 * back), the public files written over, and a secret key alone (O_EXCL, 0600). */
static void test_rotation_helpers(void **state)
{
	struct fx *f = *state;
	struct pl_err err = PL_ERR_INIT;
	struct sign_pub *p = sign_pub_load(f->pk, &err), *q, *r;
	struct sbuf b64 = SBUF_INIT;
	char path[200], path2[220], *text = NULL, id1[17], id2[17];
	struct sign_key *k;
	struct stat st;
	size_t len;

	assert_non_null(p);
	sign_pub_encode(p, &b64);
	assert_int_equal(fileio_read_all(f->pk, 4096, &text, &len, &err), 0);
	assert_non_null(strstr(text, b64.buf)); /* the file's second line */
	free(text);
	q = sign_pub_decode(b64.buf);
	assert_non_null(q);
	assert_true(sign_pub_equal(p, q));
	assert_string_equal(sign_pub_keyid(q, id1), sign_pub_keyid(p, id2));
	assert_null(sign_pub_decode("not base64"));
	assert_null(sign_pub_decode("RWQ=")); /* too short */
	assert_null(sign_pub_decode(NULL));
	/* written over another key's files */
	snprintf(path, sizeof(path), "%s/w.pub", f->dir);
	assert_int_equal(sign_pub_write(q, path, NULL, &err), 0);
	r = sign_pub_load(path, &err);
	assert_true(sign_pub_equal(r, p));
	sign_pub_free(r);
	snprintf(path2, sizeof(path2), "%s.pem", path);
	r = sign_pub_load(path2, &err);
	assert_true(sign_pub_equal(r, p));
	sign_pub_free(r);
	unlink(path);
	unlink(path2);
	/* a secret key alone: 0600, never over an existing file */
	snprintf(path, sizeof(path), "%s/next.key", f->dir);
	assert_int_equal(sign_keygen_secret(path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	k = sign_key_load(path, &err);
	assert_non_null(k);
	r = sign_key_pub(k);
	assert_false(sign_pub_equal(r, p));
	sign_pub_free(r);
	sign_key_free(k);
	assert_int_equal(sign_keygen_secret(path, &err), -1);
	assert_non_null(strstr(err.msg, "refusing to overwrite an existing secret key"));
	unlink(path);
	sign_pub_free(p);
	sign_pub_free(q);
	sbuf_release(&b64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blake2b),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_keygen_keeps_public_key),
		cmocka_unit_test(test_minisign_unencrypted_key),
		cmocka_unit_test(test_minisig),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_rotation_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
