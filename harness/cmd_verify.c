/* cmd_verify.c: `plumbline verify`: checks signed reports and the register with the public key
 * only: no network, no secret. */
#include "cli.h"
#include "register.h"
#include "fileio.h"
#include "sbuf.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char usage_verify[] =
	"usage: plumbline verify [--config FILE] [--public-key PATH] [--register PATH]\n"
	"                        [--checkpoint SAVED] [--no-register]\n"
	"                        [--reports DIR | --entries-only] FILE...\n"
	"\n";

static const char usage_verify_tail[] =
	"\n"
	"Verifies each FILE with the public key only (no network, no secret):\n"
	"  a report (any file with FILE.minisig beside it): the minisign signature and its\n"
	"    trusted comment, FILE.sig.raw when present, the SHA-256 in the comment, and that\n"
	"    register entry #register_seq is this report: its SHA-256, its path relative to the\n"
	"    reports folder (NIGHT/VENDOR-SUITE.json: an old report copied over a newer one\n"
	"    fails), and the comment's date and night. A missing register fails; --no-register\n"
	"    checks the signature alone (and says so);\n"
	"  a register (*.jsonl): every entry's signature, sequence and hash chain, and the signed\n"
	"    checkpoint, then that every run entry's report file is in the reports folder\n"
	"    (--reports DIR, else the config's paths.reports, else ./reports) with the entry's\n"
	"    SHA-256: a deleted or altered report fails, naming the file and its night.\n"
	"    --entries-only verifies the entries alone, and says so (see 'plumbline register\n"
	"    verify').\n"
	"Key rotations (plumbline keygen --rotate) are followed from the public key given: keep\n"
	"the one you were given first. A report signed after a rotation verifies through its\n"
	"register entry, with the key that signed that entry.\n"
	"The public key and register default to the config's \"signing\" section\n"
	"(STATE_DIR/register.pub, STATE_DIR/register.jsonl).\n"
	"Exit 0 when everything verifies, 1 when anything does not or evidence is missing (a\n"
	"FILE, its .minisig, the register or its checkpoint, a registered report or the reports\n"
	"folder), 2 on usage or config errors (a FILE or --reports that is not what it should\n"
	"be, no public key).\n"
	"\n"
	"The same checks with stock tools:\n"
	"  minisign -Vm REPORT -p register.pub\n"
	"  openssl pkeyutl -verify -pubin -inkey register.pub.pem -rawin -in REPORT \\\n"
	"          -sigfile REPORT.sig.raw\n";

struct verify_args {
	const char *config, *pub, *reg, *checkpoint, *reports;
	int no_register, entries_only;
};

const struct cli_option verify_options[] = {
	CLI_STRING(0, "config", struct verify_args, config, "FILE",
		   "the config file (its \"signing\" section and state_dir)"),
	CLI_STRING(0, "public-key", struct verify_args, pub, "PATH",
		   "the public key (default STATE_DIR/register.pub)"),
	CLI_STRING(0, "register", struct verify_args, reg, "PATH",
		   "the register (default STATE_DIR/register.jsonl)"),
	CLI_STRING(0, "checkpoint", struct verify_args, checkpoint, "SAVED",
		   "also prove the register extends this checkpoint saved earlier"),
	CLI_BOOL(0, "no-register", struct verify_args, no_register,
		 "check a report's signature alone, without its register entry"),
	CLI_STRING(0, "reports", struct verify_args, reports, "DIR",
		   "a register FILE: the reports folder whose files its entries name (default: "
		   "the config's paths.reports)"),
	CLI_BOOL(0, "entries-only", struct verify_args, entries_only,
		 "a register FILE: verify its entries alone, without the report files"),
	CLI_END,
};

const struct cli_usage_part usage_verify_parts[] = {
	{ verify_options, usage_verify_tail },
	{ NULL, NULL },
};

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The documented exit codes: a FILE that is a directory is a usage error (2); a report, or
 * the .minisig beside it, that does not exist is missing evidence and fails (1). Returns 0,
 * or -1 with err set. */
static int evidence_missing(const char *f, struct pl_err *err)
{
	struct stat st;
	struct sbuf sig;
	int rc = 0;

	if (stat(f, &st) == 0 && S_ISDIR(st.st_mode))
		return pl_err_set(err, PL_E_USAGE, f,
				  "is a directory: name the reports and the register (e.g. "
				  "reports/*/*.json)");
	if (!fileio_exists(f))
		return pl_err_set(err, PL_E_INTEGRITY, f,
				  "does not exist: missing evidence (was the report deleted?)");
	sbuf_init(&sig);
	sbuf_addf(&sig, "%s.minisig", f);
	if (!fileio_exists(sig.buf))
		rc = pl_err_set(err, PL_E_INTEGRITY, sig.buf,
				"does not exist: the report is not signed, or its signature "
				"was deleted (missing evidence)");
	sbuf_release(&sig);
	return rc;
}

static void print_unchecked(const struct reg_verify_result *res)
{
	struct sbuf sb;

	sbuf_init(&sb);
	register_describe_unchecked(res, &sb);
	fputs(sb.buf, stdout);
	sbuf_release(&sb);
}

/* A register named as FILE: its entries, then (unless --entries-only) the report files they
 * name in reports_dir; prints what was verified. Returns 0, or the exit code after the error
 * was printed. */
static int verify_register(const char *f, const struct verify_args *va, const char *reports_dir,
			   const struct sign_pub *pub)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct reg_reports_result rr;
	json_t *entries = NULL;
	int rc = EXIT_OK;

	if (register_verify(f, pub, va->checkpoint, &res, &err) < 0 ||
	    (!va->entries_only &&
	     (register_load(f, &entries, &err) < 0 ||
	      register_bind_checkpoint(entries, &res, f, &err) < 0 ||
	      register_check_reports(entries, reports_dir, NULL, &rr, &err) < 0))) {
		rc = cli_fail(&err);
		goto out;
	}
	{
		struct sbuf sb = SBUF_INIT;

		register_describe_counts(&res, &sb);
		printf("ok: %s: %s", f, sb.buf);
		sbuf_release(&sb);
	}
	printf(", checkpoint size %zu root %s; ", res.checkpoint_size, res.root_hex);
	if (va->entries_only)
		printf("report files not checked (--entries-only): the entries alone were "
		       "verified\n");
	else
		printf("%zu report files in %s exist and match their entries\n", rr.checked,
		       reports_dir);
	print_unchecked(&res);
out:
	json_decref(entries);
	return rc;
}

/* Checks that the register's entry #seq is this report. entries is the loaded register. */
static int check_entry(const json_t *entries, const char *file, const char *tc, const char *sha,
		       long long *seqp, struct pl_err *err)
{
	char seqs[32], *end;
	const json_t *e;
	long long seq;

	if (sign_tc_field(tc, "register_seq", seqs, sizeof(seqs)) < 0)
		return pl_err_set(err, PL_E_INTEGRITY, file,
				  "the trusted comment names no register entry");
	seq = strtoll(seqs, &end, 10);
	e = json_array_get(entries, (size_t)seq);
	if (*end || seq < 0 || !e)
		return pl_err_set(err, PL_E_INTEGRITY, file,
				  "register entry #%s named by the signature does not exist", seqs);
	*seqp = seq;
	return register_check_report(entries, seq, file, sha, tc, err);
}

/* The register for the reports named (verified once, with the trusted key): 1 verified, -1
 * failed (the error printed). */
struct vreg {
	int state; /* 0 not yet */
	json_t *entries;
	struct reg_keys *keys;
	struct reg_verify_result res;
};

static int vreg_load(struct vreg *v, const char *regpath, const struct sign_pub *pub,
		     const char *saved)
{
	struct pl_err rerr = PL_ERR_INIT;

	if (v->state)
		return v->state;
	v->state = register_verify_keys(regpath, pub, saved, &v->res, &v->keys, &rerr) == 0 &&
				   register_load(regpath, &v->entries, &rerr) == 0
			   ? 1
			   : -1;
	if (v->state < 0)
		cli_fail(&rerr);
	return v->state;
}

/* A report that does not verify with the trusted key may be signed by a key the register
 * was handed over to (a key rotation): tries each of them. Returns the key that verifies it
 * (borrowed from v), or NULL (err: the trusted key's failure). */
static const struct sign_pub *by_rotated_key(struct vreg *v, const char *f, char **tc)
{
	const struct sign_pub *k;
	size_t i;

	for (i = 1; (k = register_keys_get(v->keys, i, NULL, NULL)); i++) {
		struct pl_err ignore = PL_ERR_INIT;

		if (sign_verify_file(k, f, tc, &ignore) == 0)
			return k;
	}
	return NULL;
}

/* The key that signed the report must be the one that signed its register entry: a report
 * signed by a retired key (after the rotation that retired it) is not evidence. */
static int same_key_as_entry(const struct vreg *v, const char *f, long long seq,
			     const struct sign_pub *used, struct pl_err *err)
{
	const struct sign_pub *k = register_keys_at(v->keys, seq);
	char a[17], b[17];

	if (!k)
		return pl_err_set(
			err, PL_E_INTEGRITY, f,
			"register entry #%lld precedes the register's handover to the "
			"trusted public key (rotation entry #%zu): this report is verified "
			"with the earlier key %s (give the original public key)",
			seq, v->res.unchecked - 1, v->res.unchecked_key);
	if (!sign_pub_equal(k, used))
		return pl_err_set(
			err, PL_E_INTEGRITY, f,
			"signed by key %s, but register entry #%lld was signed by key %s: "
			"a key the register had retired (key rotation) signed this report",
			sign_pub_keyid(used, a), seq, sign_pub_keyid(k, b));
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct sign_config sc;
	struct pl_err err = PL_ERR_INIT;
	struct verify_args va;
	const char *regpath, *saved;
	struct sign_pub *pub = NULL;
	struct vreg vr;
	int first, rc = EXIT_USAGE;
	char **files;
	size_t n_files, fi;
	int no_register;
	char *reports_dir = NULL;

	memset(&sc, 0, sizeof(sc));
	memset(&va, 0, sizeof(va));
	memset(&vr, 0, sizeof(vr));
	first = cli_parse_options("verify", argc, argv, verify_options, &va, &rc);
	if (first < 0)
		return rc;
	if (first >= argc)
		return cli_usage_error("verify", "no FILE to verify");
	if (va.reports && va.entries_only)
		return cli_usage_error("verify", "--reports and --entries-only: give one");
	files = argv + first;
	n_files = (size_t)(argc - first);
	regpath = va.reg;
	saved = va.checkpoint;
	no_register = va.no_register;
	rc = EXIT_OK;
	if (va.config ? cli_signing_config(va.config, &sc, &reports_dir, &err) < 0
		      : sign_config_parse(NULL, "", NULL, NULL, &sc, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	pub = sign_pub_load(va.pub ? va.pub : sc.public_key, &err);
	if (!pub) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!regpath)
		regpath = sc.register_path;
	if (!reports_dir)
		reports_dir = xstrdup("reports"); /* a config's default */
	for (fi = 0; fi < n_files; fi++) {
		const char *f = files[fi];
		const struct sign_pub *used = pub;
		long long seqn = -1;
		char *tc = NULL, sha[65], tcsha[80], id[17], tcfile[256];

		pl_err_init(&err);
		if (ends_with(f, ".jsonl")) {
			int c = verify_register(f, &va, va.reports ? va.reports : reports_dir, pub);

			rc = rc == EXIT_USAGE || c == EXIT_OK ? rc : c;
			continue;
		}
		if (evidence_missing(f, &err) == 0 && sign_verify_file(pub, f, &tc, &err) < 0 &&
		    !no_register && fileio_exists(regpath) &&
		    vreg_load(&vr, regpath, pub, saved) > 0) {
			/* signed by a key the register was handed over to? */
			used = by_rotated_key(&vr, f, &tc);
			if (used)
				pl_err_init(&err);
			else
				used = pub;
		}
		if (pl_err_isset(&err) || sign_sha256_file(f, sha, &err) < 0) {
			int c = cli_fail(&err);

			rc = rc == EXIT_USAGE ? rc : c;
			continue;
		}
		sign_tc_field(tc, "sha256", tcsha, sizeof(tcsha));
		sign_tc_field(tc, "file", tcfile, sizeof(tcfile));
		if (tcfile[0] && strcmp(tcfile, base_name(f))) {
			pl_err_set(&err, PL_E_INTEGRITY, f,
				   "the signature was made for the file \"%s\": this report was "
				   "renamed or swapped",
				   tcfile);
		} else if (strcmp(tcsha, sha)) {
			pl_err_set(&err, PL_E_INTEGRITY, f,
				   "the signed comment records sha256 %s, the file has %s", tcsha,
				   sha);
		} else if (!no_register && strstr(tc, "register_seq:") && !fileio_exists(regpath)) {
			/* the signature names a register entry: without the register that claim
			 * is unchecked, which is a failure unless asked for */
			pl_err_set(&err, PL_E_INTEGRITY, f,
				   "the register %s does not exist, so the entry this report names "
				   "cannot be checked (--no-register checks the signature alone)",
				   regpath);
		} else if (!no_register && strstr(tc, "register_seq:")) {
			if (vreg_load(&vr, regpath, pub, saved) < 0)
				pl_err_set(&err, PL_E_INTEGRITY, f,
					   "signature is valid but the register does not verify");
			else if (check_entry(vr.entries, f, tc, sha, &seqn, &err) == 0)
				same_key_as_entry(&vr, f, seqn, used, &err);
		}
		if (pl_err_isset(&err)) {
			int c = cli_fail(&err);

			rc = rc == EXIT_USAGE ? rc : c;
		} else {
			char seq[32] = "", date[40] = "", night[16] = "";

			sign_tc_field(tc, "register_seq", seq, sizeof(seq));
			sign_tc_field(tc, "date", date, sizeof(date));
			sign_tc_field(tc, "night", night, sizeof(night));
			printf("ok: %s: signed by key %s%s; %s%s%s%s%s%s\n", f,
			       sign_pub_keyid(used, id)[0] ? id : "(pem)",
			       used != pub
				       ? " (the register was handed over to it from the trusted "
					 "key by a key rotation)"
				       : "",
			       date, night[0] ? ", night " : "", night,
			       seq[0] ? ", register entry #" : "", seq,
			       !seq[0]	     ? ""
			       : no_register ? " (register not checked: --no-register)"
					     : " (register verified)");
		}
		free(tc);
	}
out:
	if (vr.state > 0)
		print_unchecked(&vr.res);
	free(reports_dir);
	json_decref(vr.entries);
	register_keys_free(vr.keys);
	sign_pub_free(pub);
	sign_config_release(&sc);
	return rc;
}
