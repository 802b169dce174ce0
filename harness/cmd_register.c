/* cmd_register.c: `plumbline register show|verify|prove|report|add`: the vendor register. */
#include "canon.h"
#include "cli.h"
#include "fileio.h"
#include "lock.h"
#include "register.h"
#include "render.h"
#include "rotate.h"
#include "sign.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_register[] =
	"usage: plumbline register show    [COMMON] [--checkpoint SAVED] [--unverified]\n"
	"                                  [--reports DIR | --entries-only]\n"
	"       plumbline register verify  [COMMON] [--checkpoint SAVED]\n"
	"                                  [--reports DIR | --entries-only]\n"
	"       plumbline register prove   [COMMON] (--entry SEQ | --consistency OLD_SIZE)\n"
	"       plumbline register prove   [COMMON] --check PROOF.json [--checkpoint SAVED |\n"
	"                                  --root HEX]\n"
	"       plumbline register report  [COMMON] --html [--out FILE] [--title TEXT]\n"
	"                                  [--checkpoint SAVED] [--unverified]\n"
	"                                  [--reports DIR | --entries-only]\n"
	"       plumbline register add     [COMMON] --secret-key PATH REPORT --vendor ID\n"
	"                                  --model NAME --suite ID --verdict V [--epoch E]\n"
	"                                  [--new-epoch] [--date ISO] [--night YYYY-MM-DD]\n"
	"                                  [--report-path REL] [--summary TEXT]\n"
	"                                  [--availability 0..1] [--latency-ms MS]\n"
	"COMMON: [--config FILE] [--register PATH] [--public-key PATH]\n"
	"\n";

static const char usage_register_tail[] =
	"\n"
	"The register (default STATE_DIR/register.jsonl) is append-only JSON Lines: one signed\n"
	"entry per run per vendor/model/suite, one per decision ('baseline accept') and one per\n"
	"key rotation ('keygen --rotate'), each with the SHA-256 of the previous entry. After\n"
	"every append a checkpoint (tree size + RFC 6962 Merkle root, signed) is written to\n"
	"REGISTER.checkpoint. Verification follows key rotations from the public key given.\n"
	"\n"
	"  show and report verify the register first, as verify does (with --checkpoint, that\n"
	"           it extends the saved one), and say what they verified: the entries, the\n"
	"           nights they cover, the key id, the checkpoint's size and root. A register\n"
	"           that does not verify is refused (exit 1, the verification error), and a\n"
	"           missing one is an error, never 'empty'; --unverified renders it anyway\n"
	"           under a NOT VERIFIED banner (on every page of the HTML report), exit 1.\n"
	"           They check the report files as verify does (--reports DIR, else the\n"
	"           config's paths.reports, else ./reports): an entry whose report is\n"
	"           missing or altered is marked ('report missing', 'report altered: sha256\n"
	"           differs') on its line or row, in the summary and in a banner, and the\n"
	"           command exits 1 although it rendered (so does a missing reports\n"
	"           folder); --entries-only leaves the files out and says so (exit 0).\n"
	"  show     per vendor/model: current epoch, last change, changes in the last 30/90\n"
	"           days, availability, median latency; then every change and decision. A\n"
	"           change counts once, on the night it was first suspected, once confirmed;\n"
	"           suspicions retracted or still pending are listed, never counted.\n"
	"           Stability is over the nights observed, never to today: nights with a\n"
	"           judged run since the last change, the last one observed, and the nights\n"
	"           not observed (incomplete or unstable) as gaps.\n"
	"  verify   checks every entry's signature, sequence number and hash chain, and the\n"
	"           signed checkpoint; names the first entry that does not verify, and the\n"
	"           key that signed it when that is another key than the trusted one. With\n"
	"           --checkpoint, also proves the register extends a checkpoint saved earlier\n"
	"           (this catches a rollback). Then checks the report files: every run\n"
	"           entry's report is in the reports folder (--reports DIR, else the config's\n"
	"           paths.reports, else ./reports) with the entry's SHA-256; a deleted or\n"
	"           altered report fails, naming the file and its night. --entries-only\n"
	"           verifies the entries alone (an auditor who has only the register); the\n"
	"           output says which was verified. Exit 1 when anything does not verify or\n"
	"           the reports folder is missing.\n"
	"  prove    prints an inclusion proof for entry SEQ, or a consistency proof from the\n"
	"           tree of OLD_SIZE entries to today's (JSON); --check verifies a proof file\n"
	"           against the register's signed checkpoint (signature checked), a saved one\n"
	"           (--checkpoint), or a root you trust given with --root HEX. A consistency\n"
	"           proof is checked against either tree: a saved OLD checkpoint (or --root)\n"
	"           for its old tree, the register's signed checkpoint for its new one; both\n"
	"           trees' sizes and roots are printed.\n"
	"  report   writes the self-contained HTML stability report (stdout or --out).\n"
	"  add      signs REPORT (REPORT.minisig, REPORT.sig.raw) and appends its run entry:\n"
	"           what 'plumbline run' does after each report, for reports made elsewhere.\n"
	"           --date is the entry's time (default now), --night the night it is about\n"
	"           (default: --date's day), --report-path its path relative to the reports\n"
	"           folder (default: REPORT's last two components, NIGHT/FILE).\n";

struct opts {
	const char *config, *reg, *pub, *checkpoint, *out, *title, *check, *sk;
	const char *report, *vendor, *model, *suite, *verdict, *epoch, *date, *summary;
	const char *night, *report_path, *root, *reports;
	long long entry, consistency;
	double availability, latency;
	int html, new_epoch, unverified, entries_only;
};

/* Every option of every subcommand: each subcommand reads the ones it needs. */
const struct cli_option register_options[] = {
	CLI_STRING(0, "config", struct opts, config, "FILE",
		   "the config file (its \"signing\" section and state_dir)"),
	CLI_STRING(0, "register", struct opts, reg, "PATH",
		   "the register (default STATE_DIR/register.jsonl)"),
	CLI_STRING(0, "public-key", struct opts, pub, "PATH",
		   "the public key (default STATE_DIR/register.pub)"),
	CLI_STRING(0, "checkpoint", struct opts, checkpoint, "SAVED",
		   "verify, show, report, prove --check: a checkpoint saved earlier"),
	CLI_INT(0, "entry", struct opts, entry, "SEQ", 0, (double)LLONG_MAX, "a whole number >= 0",
		"prove: an inclusion proof for entry SEQ"),
	CLI_INT(0, "consistency", struct opts, consistency, "OLD_SIZE", 0, (double)LLONG_MAX,
		"a whole number >= 0",
		"prove: a consistency proof from the tree of OLD_SIZE entries"),
	CLI_STRING(0, "check", struct opts, check, "PROOF.json",
		   "prove: verify this proof file (against the signed checkpoint)"),
	CLI_STRING(0, "root", struct opts, root, "HEX",
		   "prove --check: against this trusted sha-256 root instead"),
	CLI_STRING(0, "reports", struct opts, reports, "DIR",
		   "verify, show, report: the reports folder whose files the entries name "
		   "(default: the config's paths.reports, else ./reports)"),
	CLI_BOOL(0, "entries-only", struct opts, entries_only,
		 "verify, show, report: the entries alone, without the report files they "
		 "name"),
	CLI_BOOL(0, "html", struct opts, html, "report: the HTML stability report"),
	CLI_STRING(0, "out", struct opts, out, "FILE", "report: write it here (default stdout)"),
	CLI_STRING(0, "title", struct opts, title, "TEXT", "report: its title"),
	CLI_BOOL(0, "unverified", struct opts, unverified,
		 "show, report: render a register that does not verify, under a NOT VERIFIED "
		 "banner"),
	CLI_STRING(0, "secret-key", struct opts, sk, "PATH",
		   "add: the signing key (default STATE_DIR/plumbline.key)"),
	CLI_STRING(0, "vendor", struct opts, vendor, "ID", "add: the entry's vendor"),
	CLI_STRING(0, "model", struct opts, model, "NAME", "add: the entry's model"),
	CLI_STRING(0, "suite", struct opts, suite, "ID", "add: the entry's suite"),
	CLI_STRING(0, "verdict", struct opts, verdict, "V", "add: the entry's verdict"),
	CLI_STRING(0, "epoch", struct opts, epoch, "E", "add: the entry's epoch"),
	CLI_BOOL(0, "new-epoch", struct opts, new_epoch, "add: the entry starts a new epoch"),
	CLI_STRING(0, "date", struct opts, date, "ISO",
		   "add: the entry's time, YYYY-MM-DDTHH:MM:SSZ (default now)"),
	CLI_STRING(
		0, "night", struct opts, night, "YYYY-MM-DD",
		"add: the night it is about (default: a plumbline report's run.date, else --date's day)"),
	CLI_STRING(0, "report-path", struct opts, report_path, "REL",
		   "add: REPORT's path relative to the reports folder"),
	CLI_STRING(0, "summary", struct opts, summary, "TEXT", "add: the entry's summary"),
	CLI_DOUBLE(0, "availability", struct opts, availability, "A", 0, 1, NULL,
		   "add: the night's availability, 0..1"),
	CLI_DOUBLE(0, "latency-ms", struct opts, latency, "MS", 0, 86400000,
		   "milliseconds 0..86400000", "add: the night's median latency"),
	CLI_END,
};

const struct cli_usage_part usage_register_parts[] = {
	{ register_options, usage_register_tail },
	{ NULL, NULL },
};

/* argv[1] is the subcommand. Returns 0, -1 after the help was printed, or the exit code
 * after a usage error (printed). */
static int parse(int argc, char **argv, struct opts *o)
{
	int rc = EXIT_USAGE, first;

	memset(o, 0, sizeof(*o));
	o->entry = o->consistency = -1;
	o->availability = o->latency = -1;
	first = cli_parse_options("register", argc - 1, argv + 1, register_options, o, &rc);
	if (first < 0)
		return rc == EXIT_OK ? -1 : rc;
	first++; /* an index into argv */
	if (first < argc)
		o->report = argv[first];
	if (first + 1 < argc)
		return cli_usage_error("register", "unexpected argument '%s'", argv[first + 1]);
	return 0;
}

static int print_json(const json_t *v)
{
	struct sbuf sb;
	struct pl_err err = PL_ERR_INIT;

	sbuf_init(&sb);
	if (canon_pretty(v, &sb, &err) < 0) {
		sbuf_release(&sb);
		return cli_fail(&err);
	}
	fputs(sb.buf, stdout);
	sbuf_release(&sb);
	return EXIT_OK;
}

static int do_prove(const struct opts *o, const char *reg, const struct sign_pub *pub)
{
	struct pl_err err = PL_ERR_INIT;
	json_t *p = NULL;
	int rc;

	if (o->entry >= 0)
		rc = register_prove_inclusion(reg, pub, o->entry, &p, &err);
	else
		rc = register_prove_consistency(reg, pub, (size_t)o->consistency, &p, &err);
	if (rc < 0)
		return cli_fail(&err);
	rc = print_json(p);
	json_decref(p);
	return rc;
}

/* One side (old or new tree) of a consistency proof and what vouches for it. */
struct side {
	size_t size;
	struct merkle_hash root;
	char hex[65];
	const char *by; /* what it was checked against; NULL: the proof's own, unchecked */
};

/* Reads a proof's side (PREFIX_size, PREFIX_root). Returns 0 or -1. */
static int proof_side(const json_t *p, const char *prefix, struct side *s)
{
	char k[32];
	const json_t *size;

	memset(s, 0, sizeof(*s));
	snprintf(k, sizeof(k), "%s_size", prefix);
	size = json_object_get(p, k);
	snprintf(k, sizeof(k), "%s_root", prefix);
	if (!json_is_integer(size) || json_integer_value(size) < 1 ||
	    merkle_from_hex(json_string_value(json_object_get(p, k)), &s->root) < 0)
		return -1;
	s->size = (size_t)json_integer_value(size);
	merkle_hex(&s->root, s->hex);
	return 0;
}

/* A consistency proof ties an old tree to a new one: each side is anchored by what the user
 * trusts that matches it (a saved checkpoint is usually the auditor's OLD one), the new side
 * also by the register's signed checkpoint when there is one; at least one side must be
 * anchored, and both are printed. */
static int check_consistency(const struct opts *o, const json_t *p, const char *reg, const char *cp,
			     const struct sign_pub *pub, struct pl_err *err)
{
	struct side old, neu;
	struct merkle_hash root;
	size_t size = 0;
	char hex[65];

	if (proof_side(p, "old", &old) < 0 || proof_side(p, "new", &neu) < 0 || neu.size < old.size)
		return pl_err_set(err, PL_E_INPUT, o->check, "malformed consistency proof");
	if (o->root) {
		if (merkle_from_hex(o->root, &root) < 0)
			return pl_err_set(err, PL_E_USAGE, NULL,
					  "--root wants a 64-digit sha-256 hex root");
		merkle_hex(&root, hex);
		if (!strcmp(hex, old.hex))
			old.by = "the root given with --root";
		else if (!strcmp(hex, neu.hex))
			neu.by = "the root given with --root";
		else
			return pl_err_set(err, PL_E_INTEGRITY, o->check,
					  "the root given with --root is neither the proof's old "
					  "root nor its new one");
	}
	if (o->checkpoint) {
		if (register_read_checkpoint_of(o->checkpoint, reg, pub, &size, &root, err) < 0)
			return -1;
		merkle_hex(&root, hex);
		if (size == old.size && !strcmp(hex, old.hex))
			old.by = o->checkpoint;
		else if (size == neu.size && !strcmp(hex, neu.hex))
			neu.by = o->checkpoint;
		else
			return pl_err_set(
				err, PL_E_INTEGRITY, o->checkpoint,
				"the saved checkpoint (size %zu, root %s) is neither the "
				"proof's old tree (size %zu, root %s) nor its new one (size "
				"%zu, root %s)",
				size, hex, old.size, old.hex, neu.size, neu.hex);
	}
	/* the new tree is the register's today when its signed checkpoint is at hand */
	if (!neu.by && pub && fileio_exists(cp)) {
		if (register_read_checkpoint_of(cp, reg, pub, &size, &root, err) < 0)
			return -1;
		merkle_hex(&root, hex);
		if (size != neu.size || strcmp(hex, neu.hex))
			return pl_err_set(err, PL_E_INTEGRITY, o->check,
					  "the proof's new tree (size %zu, root %s) is not the "
					  "register's signed checkpoint %s (size %zu, root %s)",
					  neu.size, neu.hex, cp, size, hex);
		neu.by = cp;
	}
	if (!old.by && !neu.by)
		return pl_err_set(err, PL_E_INTEGRITY, cp,
				  "no signed checkpoint to check the proof against (give "
				  "--checkpoint SAVED or --root HEX)");
	if (register_check_proof(p, &neu.root, neu.size, err) < 0)
		return -1;
	printf("ok: %s: the consistency proof verifies: the tree of %zu entries (root %s) is "
	       "the start of the tree of %zu entries (root %s)\n",
	       o->check, old.size, old.hex, neu.size, neu.hex);
	printf("  old: size %zu, root %s: %s%s\n", old.size, old.hex,
	       old.by ? "matches " : "the proof's own (not checked against a checkpoint)",
	       old.by ? old.by : "");
	printf("  new: size %zu, root %s: %s%s\n", neu.size, neu.hex,
	       neu.by ? "matches " : "the proof's own (not checked against a checkpoint)",
	       neu.by ? neu.by : "");
	return 0;
}

/* A proof is checked against a root the user trusts: the signed checkpoint (the register's
 * latest, or one saved earlier), or --root HEX; a consistency proof against either tree. */
static int do_check(const struct opts *o, const char *reg, const struct sign_pub *pub)
{
	struct pl_err err = PL_ERR_INIT;
	struct jsonfile f;
	struct merkle_hash root;
	size_t size = 0;
	char hex[65], *cp = NULL;
	const char *against, *type;
	struct sbuf sb;
	int rc;

	memset(&f, 0, sizeof(f));
	sbuf_init(&sb);
	sbuf_addf(&sb, "%s.checkpoint", reg);
	cp = sbuf_detach(&sb, NULL);
	if (jsonfile_load(&f, o->check, 1 << 20, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	type = json_string_value(json_object_get(f.root, "type"));
	if (type && !strcmp(type, "consistency")) {
		if (check_consistency(o, f.root, reg, cp, pub, &err) < 0) {
			if (!err.where[0])
				snprintf(err.where, sizeof(err.where), "%s", o->check);
			rc = err.code == PL_E_USAGE ? cli_usage_error("register", "%s", err.msg)
						    : cli_fail(&err);
		} else {
			rc = EXIT_OK;
		}
		goto out;
	}
	if (o->root) {
		if (merkle_from_hex(o->root, &root) < 0) {
			rc = cli_usage_error("register", "--root wants a 64-digit sha-256 hex "
							 "root");
			goto out;
		}
		against = "the root given with --root";
	} else {
		against = o->checkpoint ? o->checkpoint : cp;
		if (register_read_checkpoint_of(against, reg, pub, &size, &root, &err) < 0) {
			if (err.code == PL_E_INPUT && !fileio_exists(against))
				err.code = PL_E_INTEGRITY; /* no signed root: nothing to trust */
			rc = cli_fail(&err);
			goto out;
		}
	}
	merkle_hex(&root, hex);
	if (register_check_proof(f.root, &root, size, &err) < 0) {
		if (!err.where[0])
			snprintf(err.where, sizeof(err.where), "%s", o->check);
		rc = cli_fail(&err);
	} else {
		if (o->root)
			printf("ok: %s: the proof verifies against root %s (given with --root, "
			       "not a signed checkpoint)\n",
			       o->check, hex);
		else
			printf("ok: %s: the proof verifies against the signed checkpoint %s (size "
			       "%zu, root %s)\n",
			       o->check, against, size, hex);
		rc = EXIT_OK;
	}
out:
	jsonfile_release(&f);
	free(cp);
	return rc;
}

static int do_add(const struct opts *o, const char *reg, const char *skpath)
{
	struct pl_err err = PL_ERR_INIT;
	struct sign_key *k = NULL;
	struct reg *r = NULL;
	struct reg_run_entry e;
	json_t *rj;
	const char *rnight;
	long long seq;
	int rc, rot_fd;

	if (!o->report || !o->vendor || !o->model || !o->suite || !o->verdict)
		return cli_usage_error("register", "add needs REPORT, --vendor, --model, --suite "
						   "and --verdict");
	if (o->date && register_parse_date(o->date) < 0)
		return cli_usage_error("register", "--date wants YYYY-MM-DDTHH:MM:SSZ");
	if (o->night && (strlen(o->night) != 10 || register_parse_date(o->night) < 0))
		return cli_usage_error("register", "--night wants YYYY-MM-DD");
	memset(&e, 0, sizeof(e));
	e.date = o->date;
	e.night = o->night;
	/* a plumbline report says its night (run.date): the entry is about that night, not
	 * today's (--night must agree with it) */
	rj = json_load_file(o->report, 0, NULL);
	rnight = json_string_value(json_object_get(json_object_get(rj, "run"), "date"));
	if (rnight && (strlen(rnight) != 10 || register_parse_date(rnight) < 0))
		rnight = NULL;
	if (rnight && o->night && strcmp(rnight, o->night)) {
		rc = cli_usage_error("register",
				     "--night %s: the report is of night %s (its run.date)",
				     o->night, rnight);
		json_decref(rj);
		return rc;
	}
	if (rnight)
		e.night = rnight;
	e.report_path = o->report_path;
	e.vendor = o->vendor;
	e.model = o->model;
	e.suite = o->suite;
	e.verdict = o->verdict;
	e.epoch = o->epoch;
	e.new_epoch = o->new_epoch;
	e.summary = o->summary;
	e.report = o->report;
	e.availability = o->availability;
	e.latency_p50_ms = o->latency;
	e.latency_p95_ms = -1;
	/* a key rotation finishes first, and none starts until the entry is appended */
	rot_fd = rotate_lock_shared(reg, &err);
	k = rot_fd >= 0 ? sign_key_load(skpath, &err) : NULL;
	r = k ? register_open(reg, k, &err) : NULL;
	seq = r ? register_sign_and_append(r, k, &e, &err) : -1;
	if (seq < 0) {
		rc = cli_fail(&err);
	} else {
		printf("signed %s; register entry #%lld\n", o->report, seq);
		rc = EXIT_OK;
	}
	register_close(r);
	lock_file_release(rot_fd);
	sign_key_free(k);
	json_decref(rj);
	return rc;
}

/* What show and report render from: the entries, and what was verified of them. */
struct verified {
	json_t *entries;
	json_t *problems; /* register_check_reports' per-entry findings */
	struct render_register_proof proof;
	struct reg_verify_result res;
	struct reg_reports_result rr;
	char key_id[17];
	char why[1600];
	char reports_why[1600];
};

static void verified_release(struct verified *v)
{
	json_decref(v->entries);
	json_decref(v->problems);
	v->entries = v->problems = NULL;
}

/* Checks the report files the entries name as `register verify` does (unless
 * --entries-only) and puts what was found in v->proof. A missing or altered report, or a
 * missing reports folder, is missing evidence: the renderers mark it and the command exits 1
 * (check_reports returns 1); a reports_dir that is not a folder is a usage error (returns
 * EXIT_USAGE after the error was printed). Returns 0 when the reports are intact or not
 * checked. */
static int check_reports(const struct opts *o, const char *reports_dir, struct verified *v)
{
	struct pl_err err = PL_ERR_INIT;

	v->proof.reports_dir = reports_dir;
	if (o->entries_only) {
		v->proof.reports = RENDER_REPORTS_NOT_CHECKED;
		return 0;
	}
	v->problems = json_object();
	v->proof.report_problems = v->problems;
	if (register_check_reports(v->entries, reports_dir, v->problems, &v->rr, &err) == 0) {
		v->proof.reports = RENDER_REPORTS_INTACT;
		v->proof.reports_ok = v->rr.checked;
		return 0;
	}
	if (err.code == PL_E_USAGE)
		return cli_fail(&err); /* EXIT_USAGE */
	pl_err_str(&err, v->reports_why, sizeof(v->reports_why));
	/* said on stderr too: a page written with --out prints nothing else */
	fprintf(stderr, "plumbline: EVIDENCE NOT INTACT: %s\n", v->reports_why);
	v->proof.reports_why = v->reports_why;
	v->proof.reports_ok = v->rr.checked;
	v->proof.reports_failed = v->rr.failed;
	v->proof.reports = v->rr.failed ? RENDER_REPORTS_DAMAGED : RENDER_REPORTS_NO_FOLDER;
	return 1;
}

/* Loads the register for show and report after verifying it as `register verify` does
 * (with o->checkpoint: that it extends the saved one), then checks the report files its
 * entries name in reports_dir (check_reports). A register that does not verify is refused,
 * unless o->unverified: then it is loaded and v->proof says why it did not verify. A missing
 * register is an error either way. Returns the exit code: with v->entries set, the register
 * is to be rendered, and EXIT_CHANGED says the command must fail all the same (not verified,
 * or report files missing or altered); with v->entries NULL, an error was printed. */
static int load_verified(const struct opts *o, const struct sign_config *sc, const char *reg,
			 const char *reports_dir, struct verified *v)
{
	struct pl_err err = PL_ERR_INIT, lerr = PL_ERR_INIT;
	struct sign_pub *pub = NULL;
	int rc = EXIT_OK, ok;

	memset(v, 0, sizeof(*v));
	pub = sign_pub_load(o->pub ? o->pub : sc->public_key, &err);
	ok = pub && register_verify(reg, pub, o->checkpoint, &v->res, &err) == 0;
	if (pub)
		sign_pub_keyid(pub, v->key_id);
	if (!ok && (!o->unverified || !fileio_exists(reg))) {
		rc = cli_fail(&err);
		goto fail;
	}
	if (register_load(reg, &v->entries, &lerr) < 0 ||
	    (ok && register_bind_checkpoint(v->entries, &v->res, reg, &lerr) < 0)) {
		rc = cli_fail(&lerr);
		goto fail;
	}
	v->proof.verified = ok;
	v->proof.path = reg;
	if (!ok) {
		pl_err_str(&err, v->why, sizeof(v->why));
		v->proof.why = v->why;
		fprintf(stderr, "plumbline: NOT VERIFIED (--unverified): %s\n", v->why);
	} else {
		v->proof.entries = v->res.entries;
		v->proof.key_id = v->key_id;
		v->proof.checkpoint_size = v->res.checkpoint_size;
		v->proof.root_hex = v->res.root_hex;
		v->proof.checkpoint_date = v->res.checkpoint_date;
		v->proof.saved_checked = v->res.old_checkpoint_checked;
		v->proof.saved_size = v->res.old_checkpoint_size;
		v->proof.unchecked = v->res.unchecked;
		v->proof.unchecked_key = v->res.unchecked_key;
		v->proof.unchecked_from = v->res.unchecked_from;
	}
	/* the entries of an unverified register name report files too: said all the same */
	rc = check_reports(o, reports_dir, v);
	if (rc > 1)
		goto fail;
	rc = ok && !rc ? EXIT_OK : EXIT_CHANGED;
	sign_pub_free(pub);
	return rc;
fail:
	verified_release(v);
	sign_pub_free(pub);
	return rc;
}

/* {"SEQ": words} for every change and suspicion in the register (register_events: a change's
 * first night, a suspicion pending or retracted): the gist of its report's "what_changed",
 * read from the report file the entry names (skipped when it is gone or has none, or when
 * problems, register_check_reports' findings, says it is missing or altered: words from a
 * file that is not the signed report are never shown as what changed). */
static json_t *change_words(const json_t *entries, const json_t *problems)
{
	json_t *events = register_events(entries), *words = json_object();
	const json_t *e;
	size_t i;

	json_array_foreach(entries, i, e)
	{
		char key[32];
		const char *ev, *report = json_string_value(json_object_get(e, "report"));
		json_t *r;
		struct sbuf sb;

		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(e, "seq")));
		ev = register_event_kind(events, e);
		if (!ev || !report || json_object_get(problems, key) ||
		    (strcmp(ev, "change") && strcmp(ev, "pending") &&
		     strcmp(ev, "suspicion_retracted")))
			continue;
		r = json_load_file(report, 0, NULL);
		sbuf_init(&sb);
		render_whatchanged_gist(json_object_get(r, "what_changed"), &sb);
		if (sb.len)
			json_object_set_new(words, key, json_string(sb.buf));
		sbuf_release(&sb);
		json_decref(r);
	}
	json_decref(events);
	return words;
}

static int do_report(const struct opts *o, const struct sign_config *sc, const char *reg,
		     const char *reports_dir)
{
	struct pl_err err = PL_ERR_INIT;
	struct render_html_opts ho;
	struct verified v;
	json_t *words = NULL;
	struct sbuf sb, dir;
	char cwd[PATH_MAX];
	int rc = EXIT_OK;

	if (!o->html)
		return cli_usage_error("register", "report needs --html");
	rc = load_verified(o, sc, reg, reports_dir, &v);
	if (!v.entries)
		return rc;
	sbuf_init(&sb);
	memset(&ho, 0, sizeof(ho));
	ho.title = o->title;
	ho.now = time(NULL);
	/* links relative to where the page is written: they work wherever --out puts it */
	sbuf_init(&dir);
	if (getcwd(cwd, sizeof(cwd))) {
		const char *slash = o->out ? strrchr(o->out, '/') : NULL;

		if (slash)
			sbuf_add(&dir, o->out, (size_t)(slash - o->out) + (slash == o->out));
		else
			sbuf_addstr(&dir, ".");
		ho.cwd = cwd;
		ho.out_dir = dir.buf;
	}
	ho.proof = &v.proof;
	words = change_words(v.entries, v.problems);
	ho.change_words = words;
	if (render_html_register(v.entries, &ho, &sb, &err) < 0 ||
	    (o->out && fileio_write_atomic(o->out, sb.buf, sb.len, 0644, &err) < 0)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (o->out)
		printf("wrote %s\n", o->out);
	else
		fwrite(sb.buf, 1, sb.len, stdout);
	/* rendered, but it did not verify or report files are missing or altered: the exit
	 * code (load_verified's) still says so */
out:
	verified_release(&v);
	json_decref(words);
	sbuf_release(&sb);
	sbuf_release(&dir);
	return rc;
}

/* `register verify`: the entries (signatures, chain, checkpoint), then, unless
 * --entries-only, the report files they name in reports_dir. The output says which. */
static int do_verify(const struct opts *o, const char *reg, const char *reports_dir,
		     const struct sign_pub *pub)
{
	struct pl_err err = PL_ERR_INIT;
	struct reg_verify_result res;
	struct reg_reports_result rr;
	json_t *entries = NULL;
	int rc = EXIT_OK;

	if (register_verify(reg, pub, o->checkpoint, &res, &err) < 0)
		return cli_fail(&err);
	if (!o->entries_only &&
	    (register_load(reg, &entries, &err) < 0 ||
	     register_bind_checkpoint(entries, &res, reg, &err) < 0 ||
	     register_check_reports(entries, reports_dir, NULL, &rr, &err) < 0)) {
		rc = cli_fail(&err); /* 2 for a --reports that is not a folder */
		goto out;
	}
	{
		struct sbuf sb = SBUF_INIT;

		register_describe_counts(&res, &sb);
		printf("ok: %s: %s\n", reg, sb.buf);
		sbuf_release(&sb);
	}
	printf("checkpoint: size %zu, root %s, signed %s\n", res.checkpoint_size, res.root_hex,
	       res.checkpoint_date);
	if (res.old_checkpoint_checked)
		printf("extends the saved checkpoint of size %zu\n", res.old_checkpoint_size);
	{
		struct sbuf sb = SBUF_INIT;

		register_describe_unchecked(&res, &sb);
		fputs(sb.buf, stdout);
		sbuf_release(&sb);
	}
	if (o->entries_only)
		printf("reports: not checked (--entries-only): the entries alone were verified, "
		       "not that the report files they name exist and match them\n");
	else
		printf("reports: %zu report files in %s exist and match their entries' "
		       "SHA-256%s\n",
		       rr.checked, reports_dir,
		       rr.replaced ? " (runs replaced by a later run of their night are checked "
				     "as that run)"
				   : "");
out:
	json_decref(entries);
	return rc;
}

int cmd_register(int argc, char **argv)
{
	struct sign_config sc;
	struct pl_err err = PL_ERR_INIT;
	struct sign_pub *pub = NULL;
	const char *sub = argc > 1 ? argv[1] : NULL, *reg;
	char *reports_dir = NULL;
	struct opts o;
	int rc;

	memset(&sc, 0, sizeof(sc));
	if (!sub)
		return cli_usage_error("register", "which: show, verify, prove, report or add?");
	rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (o.config ? cli_signing_config(o.config, &sc, &reports_dir, &err) < 0
		     : sign_config_parse(NULL, "", NULL, NULL, &sc, &err) < 0)
		return cli_fail(&err);
	if (!reports_dir)
		reports_dir = xstrdup("reports"); /* a config's default */
	reg = o.reg ? o.reg : sc.register_path;
	if ((!strcmp(sub, "show") || !strcmp(sub, "report") || !strcmp(sub, "verify")) &&
	    o.entries_only && o.reports) {
		rc = cli_usage_error("register", "--reports and --entries-only: give one");
		goto out;
	}
	if (!strcmp(sub, "show")) {
		struct verified v;
		struct sbuf sb;

		rc = load_verified(&o, &sc, reg, o.reports ? o.reports : reports_dir, &v);
		if (!v.entries)
			goto out;
		sbuf_init(&sb);
		render_register_proof_text(&v.proof, v.entries, &sb);
		render_register_show(v.entries, &v.proof, time(NULL), &sb);
		/* unverified: the banner closes the text too; so does the evidence's */
		if (!v.proof.verified)
			render_register_proof_text(&v.proof, v.entries, &sb);
		else
			render_register_reports_text(&v.proof, v.entries, 1, &sb);
		fputs(sb.buf, stdout);
		sbuf_release(&sb);
		verified_release(&v);
		/* rendered, but it did not verify or report files are missing or altered: the
		 * exit code (load_verified's) still says so */
	} else if (!strcmp(sub, "report")) {
		rc = do_report(&o, &sc, reg, o.reports ? o.reports : reports_dir);
	} else if (!strcmp(sub, "add")) {
		rc = do_add(&o, reg, o.sk ? o.sk : sc.secret_key);
	} else if (!strcmp(sub, "verify") || !strcmp(sub, "prove")) {
		/* a proof checked against --root needs no key */
		if (!(o.check && o.root))
			pub = sign_pub_load(o.pub ? o.pub : sc.public_key, &err);
		if (!pub && !(o.check && o.root)) {
			rc = cli_fail(&err);
			goto out;
		}
		if (!strcmp(sub, "prove") && o.check) {
			rc = do_check(&o, reg, pub);
			goto out;
		}
		if (!strcmp(sub, "prove")) {
			if ((o.entry < 0) == (o.consistency < 0)) {
				rc = cli_usage_error("register", "prove needs --entry SEQ or "
								 "--consistency SIZE");
				goto out;
			}
			rc = do_prove(&o, reg, pub);
			goto out;
		}
		rc = do_verify(&o, reg, o.reports ? o.reports : reports_dir, pub);
	} else {
		rc = cli_usage_error("register", "unknown subcommand '%s'", sub);
	}
out:
	free(reports_dir);
	sign_pub_free(pub);
	sign_config_release(&sc);
	return rc;
}
