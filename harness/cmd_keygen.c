/* cmd_keygen.c: `plumbline keygen`: creates the Ed25519 key pair that signs reports and the
 * register's checkpoints. */
#include "cli.h"
#include "rotate.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_keygen[] =
	"usage: plumbline keygen [--config FILE] [--secret-key PATH] [--public-key PATH]\n"
	"                        [--replace-public-key]\n"
	"       plumbline keygen --rotate [--reason TEXT] [--config FILE] [--secret-key PATH]\n"
	"                        [--public-key PATH] [--register PATH]\n"
	"\n";

static const char usage_keygen_tail[] =
	"\n"
	"Creates an Ed25519 key pair in minisign's formats:\n"
	"  secret key  (default STATE_DIR/plumbline.key, mode 0600, never overwritten; stored\n"
	"              unencrypted so nightly runs can sign unattended: keep it on a protected "
	"host)\n"
	"  public key  (default STATE_DIR/register.pub, for `minisign -Vm REPORT -p "
	"register.pub`)\n"
	"  public PEM  (the public key path + \".pem\", for `openssl pkeyutl -verify -rawin`)\n"
	"Paths come from the config's \"signing\" section (secret_key, public_key); the options\n"
	"override it. Without --config, STATE_DIR is .plumbline.\n"
	"An existing public key is never replaced (the register and the signed reports verify\n"
	"with it) unless --replace-public-key is given. Over an existing secret key no key is\n"
	"made: its public files are written where they are missing (an interrupted keygen),\n"
	"and with --replace-public-key where they hold another key.\n"
	"\n"
	"--rotate hands the register over to a new key: it makes a new key pair, appends one\n"
	"register entry (key_rotation: old and new key ids, the new public key, date, reason)\n"
	"signed by the old key and by the new one, signs the checkpoint with the new key,\n"
	"keeps the old public files as PUBLIC.OLDKEY and PUBLIC.OLDKEY.pem, writes the new\n"
	"ones, and puts the new secret key in place (the old one is overwritten and removed).\n"
	"Auditors keep the public key they hold: 'plumbline verify' follows the rotation\n"
	"through the register. It refuses while a run is signing. Run again after a crash, it\n"
	"finishes the rotation the register already names (runs refuse until then).\n";

struct keygen_args {
	const char *config, *sk, *pk, *reg, *reason;
	int replace_public, rotate;
};

const struct cli_option keygen_options[] = {
	CLI_STRING(0, "config", struct keygen_args, config, "FILE",
		   "the config file (its \"signing\" section and state_dir)"),
	CLI_STRING(0, "secret-key", struct keygen_args, sk, "PATH",
		   "where to write the secret key"),
	CLI_STRING(0, "public-key", struct keygen_args, pk, "PATH",
		   "where to write the public key (and PATH.pem)"),
	CLI_BOOL(0, "replace-public-key", struct keygen_args, replace_public,
		 "replace an existing public key (and PEM): the register and\nthe reports "
		 "signed before no longer verify with it"),
	CLI_BOOL(0, "rotate", struct keygen_args, rotate,
		 "hand the register over to a new key (a signed register entry)"),
	CLI_STRING(0, "reason", struct keygen_args, reason, "TEXT",
		   "--rotate: why (recorded in the entry)"),
	CLI_STRING(0, "register", struct keygen_args, reg, "PATH",
		   "--rotate: the register (default STATE_DIR/register.jsonl)"),
	CLI_END,
};

/* `keygen --rotate`: prints what changed and what auditors do. */
static int rotate(const struct keygen_args *ka, const struct sign_config *sc)
{
	struct pl_err err = PL_ERR_INIT;
	struct rotate_paths p;
	struct rotate_result res;

	p.secret_key = ka->sk ? ka->sk : sc->secret_key;
	p.public_key = ka->pk ? ka->pk : sc->public_key;
	p.register_path = ka->reg ? ka->reg : sc->register_path;
	if (rotate_key(&p, ka->reason, &res, &err) < 0)
		return cli_fail(&err);
	if (res.finished)
		printf("finished the interrupted rotation: key %s -> %s (register entry #%lld)\n",
		       res.old_key, res.new_key, res.seq);
	else
		printf("rotated: key %s -> %s (register entry #%lld)\n", res.old_key, res.new_key,
		       res.seq);
	printf("secret key: %s (key %s, mode 0600; the old key was overwritten and removed)\n",
	       p.secret_key, res.new_key);
	printf("public key: %s and %s.pem (key %s)", p.public_key, p.public_key, res.new_key);
	if (res.old_public_kept)
		printf("; the old key's kept as %s.%s and %s.%s.pem", p.public_key, res.old_key,
		       p.public_key, res.old_key);
	printf("\nauditors keep the public key they hold: 'plumbline verify --public-key THAT.pub "
	       "--register ...' follows the rotation; 'minisign -Vm REPORT -p %s' checks the "
	       "reports signed from now on\n",
	       p.public_key);
	return EXIT_OK;
}

const struct cli_usage_part usage_keygen_parts[] = {
	{ keygen_options, usage_keygen_tail },
	{ NULL, NULL },
};

int cmd_keygen(int argc, char **argv)
{
	struct sign_config sc;
	struct pl_err err = PL_ERR_INIT;
	const char *config = NULL, *sk = NULL, *pk = NULL;
	struct sign_key *k = NULL;
	struct sign_pub *pub = NULL;
	char id[17];
	struct keygen_args ka;
	int first, made, rc = EXIT_USAGE;

	memset(&sc, 0, sizeof(sc));
	memset(&ka, 0, sizeof(ka));
	first = cli_parse_options("keygen", argc, argv, keygen_options, &ka, &rc);
	if (first < 0)
		return rc;
	if (first < argc)
		return cli_usage_error("keygen", "unexpected argument '%s'", argv[first]);
	config = ka.config;
	sk = ka.sk;
	pk = ka.pk;
	if (!ka.rotate && (ka.reason || ka.reg))
		return cli_usage_error("keygen", "--reason and --register go with --rotate");
	if (ka.rotate && ka.replace_public)
		return cli_usage_error("keygen", "--rotate and --replace-public-key: give one");
	if (config ? cli_signing_config(config, &sc, NULL, &err) < 0
		   : sign_config_parse(NULL, "", NULL, NULL, &sc, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (ka.rotate) {
		rc = rotate(&ka, &sc);
		goto out;
	}
	made = sign_keygen(sk ? sk : sc.secret_key, pk ? pk : sc.public_key, NULL,
			   ka.replace_public ? SIGN_KEYGEN_REPLACE_PUBLIC : 0, &err);
	if (made < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	/* read it back: proves the file is usable before anyone relies on it */
	k = sign_key_load(sk ? sk : sc.secret_key, &err);
	pub = k ? sign_key_pub(k) : NULL;
	if (!pub) {
		rc = cli_fail(&err);
		goto out;
	}
	if (made == 1)
		printf("the secret key existed: its public key was written from it\n");
	printf("secret key: %s (mode 0600; keep it private)\n", sk ? sk : sc.secret_key);
	printf("public key: %s and %s.pem\n", pk ? pk : sc.public_key, pk ? pk : sc.public_key);
	printf("key id:     %s\n", sign_pub_keyid(pub, id));
	rc = EXIT_OK;
out:
	sign_pub_free(pub);
	sign_key_free(k);
	sign_config_release(&sc);
	return rc;
}
