/* sign.h: Ed25519 signatures (OpenSSL 3 EVP) in minisign's formats, plus raw signatures that
 * `openssl pkeyutl -verify -rawin` checks. Auditors need only the public key and stock tools.
 *
 * Files (for a report R):
 *   R.minisig  minisign signature: algorithm "ED" (Ed25519 over BLAKE2b-512(R)), and a global
 *              signature over sig || trusted comment, so the trusted comment (which binds R to
 *              its register entry) cannot be altered. `minisign -Vm R -p register.pub`.
 *   R.sig.raw  64 bytes: pure Ed25519 over R's exact bytes.
 *              `openssl pkeyutl -verify -pubin -inkey register.pub.pem -rawin -in R
 *               -sigfile R.sig.raw`.
 * Key files:
 *   secret key: minisign's secret key format, unencrypted (KDF bytes zero, as `minisign -W`
 *               writes), created with O_EXCL and mode 0600. sign_key_load refuses a file that
 *               group or others can access. Secret bytes are wiped (OPENSSL_cleanse).
 *   public key: minisign's public key format ("untrusted comment: ..." + base64 line).
 *   public PEM: SubjectPublicKeyInfo PEM for openssl.
 *
 * Ownership: sign_key_* and sign_pub_* objects are heap objects (x_new/x_free style); borrowed
 * arguments are never kept. All functions return 0 / -1 with err set unless noted: PL_E_IO for
 * file system failures, PL_E_INPUT for malformed key or signature files, PL_E_INTEGRITY when
 * a signature does not verify. */
#ifndef PL_SIGN_H
#define PL_SIGN_H

#include "err.h"
#include "jsonx.h"
#include "sbuf.h"

#include <jansson.h>

#define SIGN_KEYID_LEN	 8
#define SIGN_SIG_LEN	 64
#define SIGN_PK_LEN	 32
#define SIGN_COMMENT_MAX 1024 /* minisign's limit on a comment line */

struct sign_key; /* a secret key (with its public half and key id) */
struct sign_pub; /* a public key; key id unknown when loaded from PEM */

/* The config's "signing" section. Paths default to files in the state directory
 * (config "paths.state", default ".plumbline"). */
struct sign_config {
	char *secret_key;    /* default STATE/plumbline.key */
	char *public_key;    /* default STATE/register.pub (the PEM beside it: register.pub.pem) */
	char *register_path; /* default STATE/register.jsonl */
};

/* Parses the "signing" section (section may be NULL: all defaults). Keys: "secret_key",
 * "public_key", "register"; unknown keys are errors naming loc:pointer. state_dir gives the
 * defaults (NULL: ".plumbline"). Returns 0 or -1 (PL_E_INPUT). */
int sign_config_parse(const struct jsonloc *loc, const char *pointer, const json_t *section,
		      const char *state_dir, struct sign_config *out, struct pl_err *err);
void sign_config_release(struct sign_config *c); /* NULL-safe */
/* Creates a new key pair: the secret key at sk_path (O_EXCL, 0600: an existing file is never
 * overwritten), the minisign public key at pk_path and its PEM at pem_path (pem_path may be
 * NULL: then pk_path + ".pem"). Public files are written atomically (0644), after the secret
 * key: a crash leaves no secret key, or the secret key without its public files.
 * An existing public key (or PEM) is never replaced, as the register and the signed reports
 * verify with it, unless flags has SIGN_KEYGEN_REPLACE_PUBLIC. When sk_path exists no key is
 * made: its public files are written where they are missing (an interrupted keygen), or
 * replaced with SIGN_KEYGEN_REPLACE_PUBLIC when they hold another key; with nothing to write
 * it fails ("refusing to overwrite an existing secret key").
 * Returns 0 (a new pair), 1 (the public files of the existing secret key were written), or
 * -1 with err set (PL_E_IO for a refusal). */
#define SIGN_KEYGEN_REPLACE_PUBLIC 0x1u
int sign_keygen(const char *sk_path, const char *pk_path, const char *pem_path, unsigned flags,
		struct pl_err *err);

/* Creates a new secret key at sk_path only (O_EXCL, 0600, synced; an existing file is never
 * overwritten), for a key rotation: the public files are the rotation's to write. Returns 0 or
 * -1 with err set (PL_E_IO). */
int sign_keygen_secret(const char *sk_path, struct pl_err *err);

/* Writes p's public files: the minisign public key at pk_path and its PEM at pem_path (NULL:
 * pk_path + ".pem"), each atomically (0644), replacing what is there. Returns 0 or -1. */
int sign_pub_write(const struct sign_pub *p, const char *pk_path, const char *pem_path,
		   struct pl_err *err);

/* Loads a secret key written by sign_keygen or `minisign -G -W`. Refuses a file whose mode
 * lets group or others access it, an encrypted key, a bad checksum, and a secret key whose
 * public half is not the one derived from it. An all-zero checksum is accepted, as minisign
 * accepts it: minisign 0.11 writes one for an unencrypted key (-W) and checks the checksum only
 * when it decrypts a key. Returns a new key or NULL. */
struct sign_key *sign_key_load(const char *path, struct pl_err *err);
void sign_key_free(struct sign_key *k); /* NULL-safe; wipes the secret */
/* The key's public half (a new object). */
struct sign_pub *sign_key_pub(const struct sign_key *k);

/* Loads a public key: minisign format, or PEM (detected by "-----BEGIN"). */
struct sign_pub *sign_pub_load(const char *path, struct pl_err *err);
struct sign_pub *sign_pub_from_raw(const unsigned char pk[SIGN_PK_LEN],
				   const unsigned char *keyid /* may be NULL */);
void sign_pub_free(struct sign_pub *p); /* NULL-safe */
struct sign_pub *sign_pub_dup(const struct sign_pub *p);
/* The key as the base64 line of a minisign public key file ("Ed" + key id + key): appended to
 * out. p must have a key id. */
void sign_pub_encode(const struct sign_pub *p, struct sbuf *out);
/* The reverse: a new key (with its key id), or NULL when b64 is not such a line. */
struct sign_pub *sign_pub_decode(const char *b64);
/* 1 when a and b are the same Ed25519 key (key ids are not compared: a PEM has none). */
int sign_pub_equal(const struct sign_pub *a, const struct sign_pub *b);
/* Key id as minisign prints it (16 upper-case hex digits); "" when unknown. */
const char *sign_pub_keyid(const struct sign_pub *p, char buf[17]);

/* Pure Ed25519 over data. */
int sign_raw(const struct sign_key *k, const void *data, size_t len,
	     unsigned char sig[SIGN_SIG_LEN], struct pl_err *err);
int sign_verify_raw(const struct sign_pub *p, const void *data, size_t len,
		    const unsigned char sig[SIGN_SIG_LEN], struct pl_err *err);

/* Appends a minisign signature file's text for data to out. trusted_comment must be a single
 * line (no CR/LF) of at most SIGN_COMMENT_MAX - 20 bytes. */
int sign_minisig(const struct sign_key *k, const void *data, size_t len,
		 const char *trusted_comment, struct sbuf *out, struct pl_err *err);
/* Verifies a minisign signature text over data (both signatures). On success, if tc is not
 * NULL, *tc is a new copy of the trusted comment (caller frees). Legacy "Ed" (not prehashed)
 * signatures are accepted too. */
int sign_verify_minisig(const struct sign_pub *p, const void *data, size_t len, const char *sigtext,
			size_t siglen, char **tc, struct pl_err *err);

/* Signs the file at path (its bytes as they are on disk now): writes path.minisig and
 * path.sig.raw, each atomically (0644). Returns 0 or -1. */
int sign_file(const struct sign_key *k, const char *path, const char *trusted_comment,
	      struct pl_err *err);
/* Verifies path against path.minisig (required) and path.sig.raw (checked when present).
 * *tc as in sign_verify_minisig. err names the file that failed. */
int sign_verify_file(const struct sign_pub *p, const char *path, char **tc, struct pl_err *err);

/* Reads one "key:value" field from a tab-separated trusted comment into buf ("" if absent).
 * Returns 0 if found, -1 if not. */
int sign_tc_field(const char *tc, const char *key, char *buf, size_t len);

/* SHA-256 of a file's bytes. Returns 0 or -1. */
int sign_sha256_file(const char *path, char hex[65], struct pl_err *err);

#endif
