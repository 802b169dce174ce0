/* cmd_keygen.c: `plumbline keygen`: creates the Ed25519 key pair that signs reports and the
 * register's checkpoints. */
#include "cli.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_keygen[] =
	"usage: plumbline keygen [--config FILE] [--secret-key PATH] [--public-key PATH]\n"
	"                        [--replace-public-key]\n"
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
	"and with --replace-public-key where they hold another key.\n";

struct keygen_args {
	const char *config, *sk, *pk;
	int replace_public;
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
	CLI_END,
};

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
	if (config ? cli_signing_config(config, &sc, NULL, &err) < 0
		   : sign_config_parse(NULL, "", NULL, NULL, &sc, &err) < 0) {
		rc = cli_fail(&err);
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
