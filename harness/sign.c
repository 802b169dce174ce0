/* sign.c: Ed25519 keys and signatures in minisign's formats, and raw signatures for openssl. */
#include "sign.h"
#include "base64.h"
#include "blake2b.h"
#include "fileio.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#define SK_SEED_LEN 32
/* minisign secret key blob: sig_alg(2) kdf_alg(2) chk_alg(2) salt(32) ops(8) mem(8)
 * keynum(8) sk(64) chk(32) */
#define SKBLOB_LEN  (2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32)
#define PKBLOB_LEN  (2 + 8 + 32)
#define SIGBLOB_LEN (2 + 8 + 64)
#define KEYFILE_MAX 4096

struct sign_key {
	unsigned char seed[SK_SEED_LEN];
	unsigned char pk[SIGN_PK_LEN];
	unsigned char keyid[SIGN_KEYID_LEN];
	EVP_PKEY *pkey;
};

struct sign_pub {
	unsigned char pk[SIGN_PK_LEN];
	unsigned char keyid[SIGN_KEYID_LEN];
	int has_keyid;
	EVP_PKEY *pkey;
};

/* ---- small helpers ---- */

int sign_sha256_file(const char *path, char hex[65], struct pl_err *err)
{
	char *buf = NULL;
	size_t len;

	if (fileio_read_all(path, (size_t)1 << 30, &buf, &len, err) < 0)
		return -1;
	hex_sha256(buf, len, hex);
	free(buf);
	return 0;
}

static void keyid_hex(const unsigned char id[SIGN_KEYID_LEN], char buf[17])
{
	uint64_t v = 0;
	int i;

	/* minisign prints the little-endian 64-bit value */
	for (i = SIGN_KEYID_LEN - 1; i >= 0; i--)
		v = (v << 8) | id[i];
	snprintf(buf, 17, "%016" PRIX64, v);
}

/* Splits text into at most n lines (without their newlines). Returns the count. */
static size_t split_lines(const char *text, size_t len, const char **lines, size_t *lens, size_t n)
{
	size_t count = 0, start = 0, i;

	for (i = 0; i <= len && count < n; i++) {
		if (i == len || text[i] == '\n') {
			if (i == len && i == start)
				break;
			lines[count] = text + start;
			lens[count] = i - start;
			if (lens[count] && lines[count][lens[count] - 1] == '\r')
				lens[count]--;
			count++;
			start = i + 1;
		}
	}
	return count;
}

static int has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static EVP_PKEY *pkey_from_seed(const unsigned char seed[SK_SEED_LEN])
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, SK_SEED_LEN);
}

static int ed_sign(EVP_PKEY *pkey, const void *data, size_t len, unsigned char sig[64],
		   struct pl_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = SIGN_SIG_LEN;
	int ok;

	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, data, len) == 1 && siglen == SIGN_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : pl_err_set(err, PL_E_INTERNAL, NULL, "ed25519 signing failed");
}

static int ed_verify(EVP_PKEY *pkey, const void *data, size_t len, const unsigned char sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, SIGN_SIG_LEN, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* ---- config ---- */

static char *join(const char *dir, const char *name)
{
	struct sbuf sb;
	char *out;

	sbuf_init(&sb);
	sbuf_addf(&sb, "%s/%s", dir, name);
	out = xstrdup(sb.buf);
	sbuf_release(&sb);
	return out;
}

int sign_config_parse(const struct jsonloc *loc, const char *pointer, const json_t *section,
		      const char *state_dir, struct sign_config *out, struct pl_err *err)
{
	static const char *const allowed[] = { "secret_key", "public_key", "register", NULL };
	const char *dir = state_dir ? state_dir : ".plumbline";

	memset(out, 0, sizeof(*out));
	if (section) {
		if (json_check_keys(loc, pointer, section, allowed, err) < 0 ||
		    json_get_str(loc, pointer, section, "secret_key", 0, &out->secret_key, err) <
			    0 ||
		    json_get_str(loc, pointer, section, "public_key", 0, &out->public_key, err) <
			    0 ||
		    json_get_str(loc, pointer, section, "register", 0, &out->register_path, err) <
			    0) {
			sign_config_release(out);
			return -1;
		}
	}
	if (!out->secret_key)
		out->secret_key = join(dir, "plumbline.key");
	if (!out->public_key)
		out->public_key = join(dir, "register.pub");
	if (!out->register_path)
		out->register_path = join(dir, "register.jsonl");
	return 0;
}

void sign_config_release(struct sign_config *c)
{
	if (!c)
		return;
	free(c->secret_key);
	free(c->public_key);
	free(c->register_path);
	memset(c, 0, sizeof(*c));
}

/* ---- keys ---- */

static void sk_checksum(const unsigned char *blob, unsigned char chk[32])
{
	unsigned char in[2 + 8 + 64];

	memcpy(in, blob, 2);		   /* sig_alg */
	memcpy(in + 2, blob + 54, 8 + 64); /* keynum, sk */
	blake2b_hash(chk, 32, in, sizeof(in));
	OPENSSL_cleanse(in, sizeof(in));
}

/* Writes the secret key without ever leaving a torn one at path: the bytes go to a private
 * temp file (0600, O_EXCL) in the same directory, are synced, and are then linked to path,
 * which fails if path exists, so an existing key is never overwritten. A crash leaves no key
 * (keygen can be run again) or the whole key, plus at worst a stray PATH.tmp-* file. */
static int write_secret_file(const char *path, const char *data, size_t len, struct pl_err *err)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct sbuf tmp;
	int fd = -1, dfd, rc = -1;

	sbuf_init(&tmp);
	if (slash) {
		*slash = '\0';
		if (*dir && fileio_mkdirs(dir, err) < 0)
			goto out;
	}
	sbuf_addf(&tmp, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp.buf); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot create secret key file");
		goto out;
	}
	if (fchmod(fd, 0600) < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot set mode 0600");
		goto out;
	}
	if (fileio_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot write secret key");
		goto out;
	}
	if (link(tmp.buf, path) < 0) {
		pl_err_errno(err, PL_E_IO, path,
			     errno == EEXIST ? "refusing to overwrite an existing secret key"
					     : "cannot create secret key file");
		goto out;
	}
	dfd = open(slash && *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp.buf);
	}
	sbuf_release(&tmp);
	free(dir);
	return rc;
}

/* The public key file's text (minisign) and its PEM, appended to pk and pem. */
static int pub_texts(const struct sign_pub *p, struct sbuf *pk, struct sbuf *pem,
		     struct pl_err *err)
{
	unsigned char blob[PKBLOB_LEN];
	char id[17];
	BIO *bio = NULL;
	char *data;
	long len;
	int rc = -1;

	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, p->keyid, 8);
	memcpy(blob + 10, p->pk, 32);
	keyid_hex(p->keyid, id);
	sbuf_addf(pk, "untrusted comment: minisign public key %s\n", id);
	base64_add(pk, blob, sizeof(blob));
	sbuf_addch(pk, '\n');
	bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_PUBKEY(bio, p->pkey) != 1) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "cannot encode the public key as pem");
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	sbuf_add(pem, data, (size_t)len);
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

/* A public key file that exists and does not hold p (or cannot be read as a key). */
static int pub_file_differs(const char *path, const struct sign_pub *p)
{
	struct pl_err ignore = PL_ERR_INIT;
	struct sign_pub *have;
	int differs;

	if (!fileio_exists(path))
		return 0;
	have = sign_pub_load(path, &ignore);
	differs = !have || !sign_pub_equal(have, p);
	sign_pub_free(have);
	return differs;
}

struct sign_pub *sign_pub_from_raw(const unsigned char pk[SIGN_PK_LEN], const unsigned char *keyid)
{
	struct sign_pub *p;
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, SIGN_PK_LEN);

	if (!pkey)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->pkey = pkey;
	memcpy(p->pk, pk, SIGN_PK_LEN);
	if (keyid) {
		memcpy(p->keyid, keyid, SIGN_KEYID_LEN);
		p->has_keyid = 1;
	}
	return p;
}

struct sign_pub *sign_pub_dup(const struct sign_pub *p)
{
	return p ? sign_pub_from_raw(p->pk, p->has_keyid ? p->keyid : NULL) : NULL;
}

void sign_pub_encode(const struct sign_pub *p, struct sbuf *out)
{
	unsigned char blob[PKBLOB_LEN];

	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, p->keyid, 8);
	memcpy(blob + 10, p->pk, 32);
	base64_add(out, blob, sizeof(blob));
}

struct sign_pub *sign_pub_decode(const char *b64)
{
	unsigned char blob[PKBLOB_LEN];

	if (!b64 || base64_decode(b64, strlen(b64), blob, sizeof(blob)) < 0 ||
	    memcmp(blob, "Ed", 2))
		return NULL;
	return sign_pub_from_raw(blob + 10, blob + 2);
}

int sign_pub_write(const struct sign_pub *p, const char *pk_path, const char *pem_path,
		   struct pl_err *err)
{
	struct sbuf pk, pem, pem_default;
	int rc = -1;

	sbuf_init(&pk);
	sbuf_init(&pem);
	sbuf_init(&pem_default);
	if (!pem_path) {
		sbuf_addf(&pem_default, "%s.pem", pk_path);
		pem_path = pem_default.buf;
	}
	if (pub_texts(p, &pk, &pem, err) == 0 &&
	    fileio_write_atomic(pk_path, pk.buf, pk.len, 0644, err) == 0 &&
	    fileio_write_atomic(pem_path, pem.buf, pem.len, 0644, err) == 0)
		rc = 0;
	sbuf_release(&pk);
	sbuf_release(&pem);
	sbuf_release(&pem_default);
	return rc;
}

void sign_pub_free(struct sign_pub *p)
{
	if (!p)
		return;
	EVP_PKEY_free(p->pkey);
	free(p);
}

const char *sign_pub_keyid(const struct sign_pub *p, char buf[17])
{
	buf[0] = '\0';
	if (p && p->has_keyid)
		keyid_hex(p->keyid, buf);
	return buf;
}

int sign_pub_equal(const struct sign_pub *a, const struct sign_pub *b)
{
	return a && b && !CRYPTO_memcmp(a->pk, b->pk, SIGN_PK_LEN);
}

struct sign_pub *sign_key_pub(const struct sign_key *k)
{
	return sign_pub_from_raw(k->pk, k->keyid);
}

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

/* keygen over an existing secret key: writes its public files where they are missing (a keygen
 * interrupted after the secret key), or replaced when they hold another key and flags allow
 * it. Returns 1 when a file was written, or -1 (nothing to do: the pair exists). */
static int complete_public(const char *sk_path, const char *pk_path, const char *pem_path,
			   unsigned flags, struct pl_err *err)
{
	struct sign_key *k = sign_key_load(sk_path, err);
	struct sign_pub *pub = k ? sign_key_pub(k) : NULL;
	struct sbuf pk, pem;
	int rc = -1, want_pk, want_pem;

	sbuf_init(&pk);
	sbuf_init(&pem);
	if (!pub)
		goto out;
	want_pk = !fileio_exists(pk_path);
	want_pem = !fileio_exists(pem_path);
	if (!want_pk && pub_file_differs(pk_path, pub)) {
		if (!(flags & SIGN_KEYGEN_REPLACE_PUBLIC)) {
			pl_err_set(err, PL_E_IO, pk_path,
				   "refusing to overwrite an existing secret key (%s), and this "
				   "public key is not its public half",
				   sk_path);
			goto out;
		}
		want_pk = 1;
	}
	if (!want_pem && pub_file_differs(pem_path, pub)) {
		if (!(flags & SIGN_KEYGEN_REPLACE_PUBLIC)) {
			pl_err_set(err, PL_E_IO, pem_path,
				   "refusing to overwrite an existing secret key (%s), and this "
				   "public key is not its public half",
				   sk_path);
			goto out;
		}
		want_pem = 1;
	}
	if (!want_pk && !want_pem) {
		pl_err_set(err, PL_E_IO, sk_path, "refusing to overwrite an existing secret key");
		goto out;
	}
	if (pub_texts(pub, &pk, &pem, err) < 0 ||
	    (want_pk && fileio_write_atomic(pk_path, pk.buf, pk.len, 0644, err) < 0) ||
	    (want_pem && fileio_write_atomic(pem_path, pem.buf, pem.len, 0644, err) < 0))
		goto out;
	rc = 1;
out:
	sbuf_release(&pk);
	sbuf_release(&pem);
	sign_pub_free(pub);
	sign_key_free(k);
	return rc;
}

/* Makes a new key in k and its secret key file's text (minisign's format, unencrypted) in sb.
 * The caller wipes both. Returns 0 or -1. */
static int new_secret(struct sign_key *k, struct sbuf *sb, struct pl_err *err)
{
	unsigned char blob[SKBLOB_LEN];
	size_t pklen = SIGN_PK_LEN;
	int rc = -1;

	memset(blob, 0, sizeof(blob));
	if (RAND_priv_bytes(k->seed, sizeof(k->seed)) != 1 ||
	    RAND_bytes(k->keyid, sizeof(k->keyid)) != 1) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "the random number generator failed");
		goto out;
	}
	k->pkey = pkey_from_seed(k->seed);
	if (!k->pkey || EVP_PKEY_get_raw_public_key(k->pkey, k->pk, &pklen) != 1) {
		pl_err_set(err, PL_E_INTERNAL, NULL, "cannot derive the ed25519 public key");
		goto out;
	}
	/* sig_alg "Ed", kdf_alg 0,0 (unencrypted), chk_alg "B2"; salt and limits stay zero. */
	memcpy(blob, "Ed", 2);
	memcpy(blob + 4, "B2", 2);
	memcpy(blob + 54, k->keyid, 8);
	memcpy(blob + 62, k->seed, 32);
	memcpy(blob + 94, k->pk, 32);
	sk_checksum(blob, blob + 126);
	sbuf_addstr(sb, "untrusted comment: minisign secret key (unencrypted)\n");
	base64_add(sb, blob, sizeof(blob));
	sbuf_addch(sb, '\n');
	rc = 0;
out:
	OPENSSL_cleanse(blob, sizeof(blob));
	return rc;
}

int sign_keygen_secret(const char *sk_path, struct pl_err *err)
{
	struct sign_key k;
	struct sbuf sb;
	int rc;

	memset(&k, 0, sizeof(k));
	sbuf_init(&sb);
	rc = new_secret(&k, &sb, err) < 0 ? -1 : write_secret_file(sk_path, sb.buf, sb.len, err);
	OPENSSL_cleanse(sb.buf, sb.cap);
	sbuf_release(&sb);
	EVP_PKEY_free(k.pkey);
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

int sign_keygen(const char *sk_path, const char *pk_path, const char *pem_path, unsigned flags,
		struct pl_err *err)
{
	struct sign_key k;
	struct sign_pub *pub = NULL;
	struct sbuf sb, pem_default, pk_text, pem_text;
	struct fileio_atomic pk_file = { -1, NULL, NULL }, pem_file = { -1, NULL, NULL };
	char id[17];
	int rc = -1;

	memset(&k, 0, sizeof(k));
	sbuf_init(&sb);
	sbuf_init(&pem_default);
	sbuf_init(&pk_text);
	sbuf_init(&pem_text);
	if (!pem_path) {
		sbuf_addf(&pem_default, "%s.pem", pk_path);
		pem_path = pem_default.buf;
	}
	if (fileio_exists(sk_path)) {
		rc = complete_public(sk_path, pk_path, pem_path, flags, err);
		goto out;
	}
	/* The register and every signed report verify with the public key: a new pair never
	 * replaces it unless asked to. */
	if (!(flags & SIGN_KEYGEN_REPLACE_PUBLIC) &&
	    (fileio_exists(pk_path) || fileio_exists(pem_path))) {
		const char *have = fileio_exists(pk_path) ? pk_path : pem_path;
		struct pl_err ignore = PL_ERR_INIT;
		struct sign_pub *old = sign_pub_load(have, &ignore);
		struct sbuf which = SBUF_INIT;

		if (old && sign_pub_keyid(old, id)[0])
			sbuf_addf(&which, " (key %s)", id);
		pl_err_set(err, PL_E_IO, have,
			   "refusing to overwrite an existing public key%s: the register and the "
			   "signed reports verify with it. Move it aside to start a new register "
			   "with a new key, or replace it on purpose with --replace-public-key",
			   which.len ? which.buf : "");
		sbuf_release(&which);
		sign_pub_free(old);
		goto out;
	}
	if (new_secret(&k, &sb, err) < 0)
		goto out;
	pub = sign_key_pub(&k);
	/* The public files are written to temp files first (a folder that cannot take them
	 * fails before any secret exists), the secret key appears whole, then the public files
	 * take their names. A crash leaves no secret key (keygen runs again), or the secret key
	 * without its public files (keygen then writes them from it: complete_public). */
	if (!pub || pub_texts(pub, &pk_text, &pem_text, err) < 0 ||
	    fileio_atomic_open(&pk_file, pk_path, 0644, err) < 0 ||
	    fileio_atomic_write(&pk_file, pk_text.buf, pk_text.len, err) < 0 ||
	    fileio_atomic_open(&pem_file, pem_path, 0644, err) < 0 ||
	    fileio_atomic_write(&pem_file, pem_text.buf, pem_text.len, err) < 0) {
		if (!pl_err_isset(err))
			pl_err_set(err, PL_E_INTERNAL, pk_path, "cannot write the public key");
		goto out;
	}
	if (write_secret_file(sk_path, sb.buf, sb.len, err) < 0 ||
	    fileio_atomic_commit(&pk_file, err) < 0 || fileio_atomic_commit(&pem_file, err) < 0)
		goto out;
	rc = 0;
out:
	fileio_atomic_abort(&pk_file);
	fileio_atomic_abort(&pem_file);
	OPENSSL_cleanse(sb.buf, sb.cap);
	sbuf_release(&sb);
	sbuf_release(&pem_default);
	sbuf_release(&pk_text);
	sbuf_release(&pem_text);
	sign_pub_free(pub);
	EVP_PKEY_free(k.pkey);
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

static int all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Reads a small key file; secret files must not be accessible to group or others. */
static int read_key_file(const char *path, int secret, char *buf, size_t *len, struct pl_err *err)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | (secret ? O_NOFOLLOW : 0));
	if (fd < 0)
		return pl_err_errno(err, errno == ENOENT ? PL_E_INPUT : PL_E_IO, path,
				    "cannot open %s key", secret ? "secret" : "public");
	if (fstat(fd, &st) < 0) {
		pl_err_errno(err, PL_E_IO, path, "cannot stat key file");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pl_err_set(err, PL_E_INPUT, path, "key file is not a regular file");
		goto out;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		pl_err_set(err, PL_E_INPUT, path,
			   "secret key file is accessible by group or others (mode %04o); "
			   "run 'chmod 600' on it",
			   (unsigned)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		n = read(fd, buf + off, KEYFILE_MAX - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err_errno(err, PL_E_IO, path, "cannot read key file");
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off >= KEYFILE_MAX - 1) {
			pl_err_set(err, PL_E_INPUT, path, "key file is too large");
			goto out;
		}
	}
	buf[off] = '\0';
	*len = off;
	rc = 0;
out:
	close(fd);
	return rc;
}

struct sign_key *sign_key_load(const char *path, struct pl_err *err)
{
	char text[KEYFILE_MAX];
	unsigned char blob[SKBLOB_LEN], chk[32];
	const char *lines[2];
	size_t lens[2], len = 0, pklen = SIGN_PK_LEN;
	struct sign_key *k = NULL;
	int ok = 0;

	if (read_key_file(path, 1, text, &len, err) < 0)
		return NULL;
	if (split_lines(text, len, lines, lens, 2) != 2 ||
	    !has_prefix(lines[0], lens[0], "untrusted comment: ") ||
	    base64_decode(lines[1], lens[1], blob, sizeof(blob)) < 0) {
		pl_err_set(err, PL_E_INPUT, path, "not a minisign secret key file");
		goto out;
	}
	if (memcmp(blob, "Ed", 2) || memcmp(blob + 4, "B2", 2)) {
		pl_err_set(err, PL_E_INPUT, path, "unsupported secret key algorithm");
		goto out;
	}
	if (blob[2] || blob[3]) {
		pl_err_set(err, PL_E_INPUT, path,
			   "password-protected secret keys are not supported (unattended "
			   "signing); create one with 'plumbline keygen' or 'minisign -G -W'");
		goto out;
	}
	/* minisign checks the checksum only when it decrypts a key; for an unencrypted one
	 * 0.11's 'minisign -G -W' writes 32 zero bytes, and minisign signs with it. Such a key is
	 * accepted as minisign accepts it (the public-half check below still catches a damaged
	 * key); a checksum that is set must match. */
	sk_checksum(blob, chk);
	if (CRYPTO_memcmp(chk, blob + 126, 32) && !all_zero(blob + 126, 32)) {
		pl_err_set(err, PL_E_INPUT, path, "secret key checksum does not match");
		goto out;
	}
	k = xcalloc(1, sizeof(*k));
	memcpy(k->keyid, blob + 54, 8);
	memcpy(k->seed, blob + 62, 32);
	k->pkey = pkey_from_seed(k->seed);
	if (!k->pkey || EVP_PKEY_get_raw_public_key(k->pkey, k->pk, &pklen) != 1 ||
	    CRYPTO_memcmp(k->pk, blob + 94, 32)) {
		pl_err_set(err, PL_E_INPUT, path,
			   "secret key is inconsistent with its public half");
		goto out;
	}
	ok = 1;
out:
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(blob, sizeof(blob));
	if (!ok) {
		sign_key_free(k);
		k = NULL;
	}
	return k;
}

struct sign_pub *sign_pub_load(const char *path, struct pl_err *err)
{
	char text[KEYFILE_MAX];
	unsigned char blob[PKBLOB_LEN], raw[SIGN_PK_LEN];
	const char *lines[2];
	size_t lens[2], len = 0, rawlen = sizeof(raw);
	struct sign_pub *p = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;

	if (read_key_file(path, 0, text, &len, err) < 0)
		return NULL;
	if (strstr(text, "-----BEGIN PUBLIC KEY-----")) {
		bio = BIO_new_mem_buf(text, (int)len);
		pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
		if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
		    EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1) {
			pl_err_set(err, PL_E_INPUT, path, "not an ed25519 public key (pem)");
			goto out;
		}
		p = sign_pub_from_raw(raw, NULL);
		goto out;
	}
	if (split_lines(text, len, lines, lens, 2) != 2 ||
	    !has_prefix(lines[0], lens[0], "untrusted comment: ") ||
	    base64_decode(lines[1], lens[1], blob, sizeof(blob)) < 0 || memcmp(blob, "Ed", 2)) {
		pl_err_set(err, PL_E_INPUT, path, "not a minisign public key file");
		goto out;
	}
	p = sign_pub_from_raw(blob + 10, blob + 2);
	if (!p)
		pl_err_set(err, PL_E_INPUT, path, "not a valid ed25519 public key");
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return p;
}

/* ---- signatures ---- */

int sign_raw(const struct sign_key *k, const void *data, size_t len,
	     unsigned char sig[SIGN_SIG_LEN], struct pl_err *err)
{
	return ed_sign(k->pkey, data, len, sig, err);
}

int sign_verify_raw(const struct sign_pub *p, const void *data, size_t len,
		    const unsigned char sig[SIGN_SIG_LEN], struct pl_err *err)
{
	if (ed_verify(p->pkey, data, len, sig) < 0)
		return pl_err_set(err, PL_E_INTEGRITY, NULL,
				  "ed25519 signature does not verify with this public key");
	return 0;
}

static int blake2b512(const void *data, size_t len, unsigned char out[64], struct pl_err *err)
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_blake2b512(), NULL) != 1 || n != 64)
		return pl_err_set(err, PL_E_INTERNAL, NULL, "blake2b-512 failed");
	return 0;
}

static int tc_ok(const char *tc)
{
	return strlen(tc) <= SIGN_COMMENT_MAX - 20 && !strpbrk(tc, "\r\n");
}

int sign_minisig(const struct sign_key *k, const void *data, size_t len,
		 const char *trusted_comment, struct sbuf *out, struct pl_err *err)
{
	unsigned char hash[64], blob[SIGBLOB_LEN], global[SIGN_SIG_LEN];
	unsigned char *gmsg = NULL;
	size_t tclen = strlen(trusted_comment);
	int rc = -1;

	if (!tc_ok(trusted_comment))
		return pl_err_set(err, PL_E_INTERNAL, NULL,
				  "trusted comment must be one line of at most %d bytes",
				  SIGN_COMMENT_MAX - 20);
	memcpy(blob, "ED", 2);
	memcpy(blob + 2, k->keyid, 8);
	if (blake2b512(data, len, hash, err) < 0 || ed_sign(k->pkey, hash, 64, blob + 10, err) < 0)
		goto out;
	gmsg = xmalloc(SIGN_SIG_LEN + tclen);
	memcpy(gmsg, blob + 10, SIGN_SIG_LEN);
	memcpy(gmsg + SIGN_SIG_LEN, trusted_comment, tclen);
	if (ed_sign(k->pkey, gmsg, SIGN_SIG_LEN + tclen, global, err) < 0)
		goto out;
	sbuf_addstr(out, "untrusted comment: signature from plumbline secret key\n");
	base64_add(out, blob, sizeof(blob));
	sbuf_addf(out, "\ntrusted comment: %s\n", trusted_comment);
	base64_add(out, global, sizeof(global));
	sbuf_addch(out, '\n');
	rc = 0;
out:
	free(gmsg);
	return rc;
}

int sign_verify_minisig(const struct sign_pub *p, const void *data, size_t len, const char *sigtext,
			size_t siglen, char **tc, struct pl_err *err)
{
	const char *lines[4], *tcs;
	size_t lens[4], tclen;
	unsigned char blob[SIGBLOB_LEN], global[SIGN_SIG_LEN], hash[64];
	unsigned char *gmsg = NULL;
	char want[17], got[17];
	int rc = -1;

	if (tc)
		*tc = NULL;
	if (split_lines(sigtext, siglen, lines, lens, 4) != 4 ||
	    !has_prefix(lines[0], lens[0], "untrusted comment: ") ||
	    !has_prefix(lines[2], lens[2], "trusted comment: ") ||
	    base64_decode(lines[1], lens[1], blob, sizeof(blob)) < 0 ||
	    base64_decode(lines[3], lens[3], global, sizeof(global)) < 0)
		return pl_err_set(err, PL_E_INPUT, NULL, "not a minisign signature");
	if (p->has_keyid && memcmp(blob + 2, p->keyid, 8)) {
		keyid_hex(blob + 2, got);
		keyid_hex(p->keyid, want);
		return pl_err_set(err, PL_E_INTEGRITY, NULL,
				  "signed by key %s, not by the public key %s", got, want);
	}
	if (!memcmp(blob, "ED", 2)) {
		if (blake2b512(data, len, hash, err) < 0)
			return -1;
		if (ed_verify(p->pkey, hash, 64, blob + 10) < 0)
			return pl_err_set(err, PL_E_INTEGRITY, NULL,
					  "signature does not verify: the file was changed or "
					  "signed by another key");
	} else if (!memcmp(blob, "Ed", 2)) {
		if (ed_verify(p->pkey, data, len, blob + 10) < 0)
			return pl_err_set(err, PL_E_INTEGRITY, NULL,
					  "signature does not verify: the file was changed or "
					  "signed by another key");
	} else {
		return pl_err_set(err, PL_E_INPUT, NULL, "unsupported signature algorithm");
	}
	tcs = lines[2] + strlen("trusted comment: ");
	tclen = lens[2] - strlen("trusted comment: ");
	gmsg = xmalloc(SIGN_SIG_LEN + tclen);
	memcpy(gmsg, blob + 10, SIGN_SIG_LEN);
	memcpy(gmsg + SIGN_SIG_LEN, tcs, tclen);
	if (ed_verify(p->pkey, gmsg, SIGN_SIG_LEN + tclen, global) < 0) {
		pl_err_set(err, PL_E_INTEGRITY, NULL,
			   "the trusted comment's signature does not verify: the comment was "
			   "changed");
		goto out;
	}
	if (tc)
		*tc = xstrndup(tcs, tclen);
	rc = 0;
out:
	free(gmsg);
	return rc;
}

int sign_file(const struct sign_key *k, const char *path, const char *trusted_comment,
	      struct pl_err *err)
{
	unsigned char raw[SIGN_SIG_LEN];
	struct sbuf sig, name;
	char *data = NULL;
	size_t len;
	int rc = -1;

	sbuf_init(&sig);
	sbuf_init(&name);
	if (fileio_read_all(path, (size_t)1 << 30, &data, &len, err) < 0)
		goto out;
	if (sign_minisig(k, data, len, trusted_comment, &sig, err) < 0 ||
	    sign_raw(k, data, len, raw, err) < 0)
		goto out;
	sbuf_addf(&name, "%s.minisig", path);
	if (fileio_write_atomic(name.buf, sig.buf, sig.len, 0644, err) < 0)
		goto out;
	sbuf_reset(&name);
	sbuf_addf(&name, "%s.sig.raw", path);
	if (fileio_write_atomic(name.buf, raw, sizeof(raw), 0644, err) < 0)
		goto out;
	rc = 0;
out:
	free(data);
	sbuf_release(&sig);
	sbuf_release(&name);
	return rc;
}

/* Names the signature file in an error raised without a place. */
static void blame(struct pl_err *err, const char *file)
{
	if (err && !err->where[0])
		snprintf(err->where, sizeof(err->where), "%s", file);
}

int sign_verify_file(const struct sign_pub *p, const char *path, char **tc, struct pl_err *err)
{
	struct sbuf name;
	char *data = NULL, *sig = NULL, *raw = NULL;
	size_t len, siglen, rawlen;
	int rc = -1;

	if (tc)
		*tc = NULL;
	sbuf_init(&name);
	if (fileio_read_all(path, (size_t)1 << 30, &data, &len, err) < 0)
		goto out;
	sbuf_addf(&name, "%s.minisig", path);
	if (fileio_read_all(name.buf, 65536, &sig, &siglen, err) < 0)
		goto out;
	if (sign_verify_minisig(p, data, len, sig, siglen, tc, err) < 0) {
		blame(err, name.buf);
		goto out;
	}
	sbuf_reset(&name);
	sbuf_addf(&name, "%s.sig.raw", path);
	if (fileio_exists(name.buf)) {
		if (fileio_read_all(name.buf, 1024, &raw, &rawlen, err) < 0)
			goto out;
		if (rawlen != SIGN_SIG_LEN) {
			pl_err_set(err, PL_E_INPUT, name.buf, "raw signature is not 64 bytes");
			goto out;
		}
		if (sign_verify_raw(p, data, len, (unsigned char *)raw, err) < 0) {
			blame(err, name.buf);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0 && tc && *tc) {
		free(*tc);
		*tc = NULL;
	}
	free(data);
	free(sig);
	free(raw);
	sbuf_release(&name);
	return rc;
}

int sign_tc_field(const char *tc, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = tc;

	buf[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, '\t');
		size_t flen = end ? (size_t)(end - p) : strlen(p);

		if (flen > klen && !strncmp(p, key, klen) && p[klen] == ':') {
			snprintf(buf, len, "%.*s", (int)(flen - klen - 1), p + klen + 1);
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}
