/* cmd_register.c: `plumbline register show|verify|prove|report|add`: the vendor register. */
#include "canon.h"
#include "cli.h"
#include "fileio.h"
#include "register.h"
#include "render.h"
#include "sign.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_register[] =
	"usage: plumbline register show    [COMMON]\n"
	"       plumbline register verify  [COMMON] [--checkpoint SAVED]\n"
	"       plumbline register prove   [COMMON] (--entry SEQ | --consistency OLD_SIZE)\n"
	"       plumbline register prove   [COMMON] --check PROOF.json [--checkpoint SAVED |\n"
	"                                  --root HEX]\n"
	"       plumbline register report  [COMMON] --html [--out FILE] [--title TEXT]\n"
	"       plumbline register add     [COMMON] --secret-key PATH REPORT --vendor ID\n"
	"                                  --model NAME --suite ID --verdict V [--epoch E]\n"
	"                                  [--new-epoch] [--date ISO] [--night YYYY-MM-DD]\n"
	"                                  [--report-path REL] [--summary TEXT]\n"
	"                                  [--availability 0..1] [--latency-ms MS]\n"
	"COMMON: [--config FILE] [--register PATH] [--public-key PATH]\n"
	"\n"
	"The register (default STATE_DIR/register.jsonl) is append-only JSON Lines: one signed\n"
	"entry per run per vendor/model/suite, and one per decision ('baseline accept'), each\n"
	"with the SHA-256 of the previous entry. After every append a checkpoint (tree size +\n"
	"RFC 6962 Merkle root, signed) is written to REGISTER.checkpoint.\n"
	"\n"
	"  show     per vendor/model: current epoch, last change, changes in the last 30/90\n"
	"           days, availability, median latency; then every change and decision.\n"
	"  verify   checks every entry's signature, sequence number and hash chain, and the\n"
	"           signed checkpoint; names the first entry that does not verify. With\n"
	"           --checkpoint, also proves the register extends a checkpoint saved earlier\n"
	"           (this catches a rollback). Exit 1 when anything does not verify.\n"
	"  prove    prints an inclusion proof for entry SEQ, or a consistency proof from the\n"
	"           tree of OLD_SIZE entries to today's (JSON); --check verifies a proof file\n"
	"           against the register's signed checkpoint (signature checked), a saved one\n"
	"           (--checkpoint), or a root you trust given with --root HEX.\n"
	"  report   writes the self-contained HTML stability report (stdout or --out).\n"
	"  add      signs REPORT (REPORT.minisig, REPORT.sig.raw) and appends its run entry:\n"
	"           what 'plumbline run' does after each report, for reports made elsewhere.\n"
	"           --date is the entry's time (default now), --night the night it is about\n"
	"           (default: --date's day), --report-path its path relative to the reports\n"
	"           folder (default: REPORT's last two components, NIGHT/FILE).\n";

struct opts {
	const char *config, *reg, *pub, *checkpoint, *out, *title, *check, *sk;
	const char *report, *vendor, *model, *suite, *verdict, *epoch, *date, *summary;
	const char *night, *report_path, *root;
	long long entry, consistency;
	double availability, latency;
	int html, new_epoch;
};

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->entry = o->consistency = -1;
	o->availability = o->latency = -1;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (!strcmp(a, "--html")) {
			o->html = 1;
			continue;
		}
		if (!strcmp(a, "--new-epoch")) {
			o->new_epoch = 1;
			continue;
		}
		if (a[0] != '-') {
			if (o->report)
				return cli_usage_error("register", "unexpected argument '%s'", a);
			o->report = a;
			continue;
		}
		if (!v)
			return cli_usage_error("register", "option '%s' needs a value", a);
		i++;
		if (!strcmp(a, "--entry") || !strcmp(a, "--consistency")) {
			long long n;

			if (cli_parse_ll(v, 0, LLONG_MAX, &n) < 0)
				return cli_usage_error(
					"register", "%s wants a whole number >= 0, got '%s'", a, v);
			*(!strcmp(a, "--entry") ? &o->entry : &o->consistency) = n;
			continue;
		}
		if (!strcmp(a, "--availability")) {
			if (cli_parse_double(v, 0, 1, &o->availability) < 0)
				return cli_usage_error("register",
						       "%s wants a number 0..1, got '%s'", a, v);
			continue;
		}
		if (!strcmp(a, "--latency-ms")) {
			if (cli_parse_double(v, 0, 86400000, &o->latency) < 0)
				return cli_usage_error("register",
						       "%s wants milliseconds 0..86400000, got "
						       "'%s'",
						       a, v);
			continue;
		}
		slot = !strcmp(a, "--config")	     ? &o->config
		       : !strcmp(a, "--register")    ? &o->reg
		       : !strcmp(a, "--public-key")  ? &o->pub
		       : !strcmp(a, "--checkpoint")  ? &o->checkpoint
		       : !strcmp(a, "--out")	     ? &o->out
		       : !strcmp(a, "--title")	     ? &o->title
		       : !strcmp(a, "--check")	     ? &o->check
		       : !strcmp(a, "--secret-key")  ? &o->sk
		       : !strcmp(a, "--vendor")	     ? &o->vendor
		       : !strcmp(a, "--model")	     ? &o->model
		       : !strcmp(a, "--suite")	     ? &o->suite
		       : !strcmp(a, "--verdict")     ? &o->verdict
		       : !strcmp(a, "--epoch")	     ? &o->epoch
		       : !strcmp(a, "--date")	     ? &o->date
		       : !strcmp(a, "--night")	     ? &o->night
		       : !strcmp(a, "--report-path") ? &o->report_path
		       : !strcmp(a, "--root")	     ? &o->root
		       : !strcmp(a, "--summary")     ? &o->summary
						     : NULL;
		if (!slot)
			return cli_usage_error("register", "unknown option '%s'", a);
		*slot = v;
	}
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

/* A proof is checked against a root the user trusts: the signed checkpoint (the register's
 * latest, or one saved earlier), or --root HEX. */
static int do_check(const struct opts *o, const char *reg, const struct sign_pub *pub)
{
	struct pl_err err = PL_ERR_INIT;
	struct jsonfile f;
	struct merkle_hash root;
	size_t size = 0;
	char hex[65], *cp = NULL;
	const char *against;
	int rc;

	memset(&f, 0, sizeof(f));
	if (o->root) {
		if (merkle_from_hex(o->root, &root) < 0)
			return cli_usage_error("register", "--root wants a 64-digit sha-256 hex "
							   "root");
		against = "the root given with --root";
	} else {
		struct sbuf sb;

		sbuf_init(&sb);
		sbuf_addf(&sb, "%s.checkpoint", reg);
		cp = sbuf_detach(&sb, NULL);
		against = o->checkpoint ? o->checkpoint : cp;
		if (register_read_checkpoint(against, pub, &size, &root, &err) < 0) {
			if (err.code == PL_E_INPUT && !fileio_exists(against))
				err.code = PL_E_INTEGRITY; /* no signed root: nothing to trust */
			rc = cli_fail(&err);
			goto out;
		}
	}
	if (jsonfile_load(&f, o->check, 1 << 20, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
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
	long long seq;
	int rc;

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
	k = sign_key_load(skpath, &err);
	r = k ? register_open(reg, k, &err) : NULL;
	seq = r ? register_sign_and_append(r, k, &e, &err) : -1;
	if (seq < 0) {
		rc = cli_fail(&err);
	} else {
		printf("signed %s; register entry #%lld\n", o->report, seq);
		rc = EXIT_OK;
	}
	register_close(r);
	sign_key_free(k);
	return rc;
}

/* {"SEQ": words} for every change in the register: the gist of its report's "what_changed",
 * read from the report file the entry names (skipped when it is gone or has none). */
static json_t *change_words(const json_t *entries)
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
		ev = json_string_value(json_object_get(events, key));
		if (!ev || strcmp(ev, "change") || !report)
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

static int do_report(const struct opts *o, const char *reg)
{
	struct pl_err err = PL_ERR_INIT;
	struct render_html_opts ho;
	json_t *entries = NULL, *words = NULL;
	struct sbuf sb, dir;
	char cwd[PATH_MAX];
	int rc = EXIT_OK;

	if (!o->html)
		return cli_usage_error("register", "report needs --html");
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
	if (register_load(reg, &entries, &err) == 0) {
		words = change_words(entries);
		ho.change_words = words;
	}
	if (!words || render_html_register(entries, &ho, &sb, &err) < 0 ||
	    (o->out && fileio_write_atomic(o->out, sb.buf, sb.len, 0644, &err) < 0)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (o->out)
		printf("wrote %s\n", o->out);
	else
		fwrite(sb.buf, 1, sb.len, stdout);
out:
	json_decref(entries);
	json_decref(words);
	sbuf_release(&sb);
	sbuf_release(&dir);
	return rc;
}

int cmd_register(int argc, char **argv)
{
	struct sign_config sc;
	struct pl_err err = PL_ERR_INIT;
	struct sign_pub *pub = NULL;
	struct reg_verify_result res;
	const char *sub = argc > 1 ? argv[1] : NULL, *reg;
	struct opts o;
	int rc;

	memset(&sc, 0, sizeof(sc));
	if (!sub)
		return cli_usage_error("register", "which: show, verify, prove, report or add?");
	rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (o.config ? cli_signing_config(o.config, &sc, &err) < 0
		     : sign_config_parse(NULL, "", NULL, NULL, &sc, &err) < 0)
		return cli_fail(&err);
	reg = o.reg ? o.reg : sc.register_path;
	if (!strcmp(sub, "show")) {
		json_t *entries = NULL;
		struct sbuf sb;

		if (register_load(reg, &entries, &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
		sbuf_init(&sb);
		render_register_show(entries, time(NULL), &sb);
		fputs(sb.buf, stdout);
		sbuf_release(&sb);
		json_decref(entries);
		rc = EXIT_OK;
	} else if (!strcmp(sub, "report")) {
		rc = do_report(&o, reg);
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
		if (register_verify(reg, pub, o.checkpoint, &res, &err) < 0) {
			rc = cli_fail(&err);
			goto out;
		}
		printf("ok: %s: %zu entries (%zu runs, %zu decisions)\n", reg, res.entries,
		       res.runs, res.decisions);
		printf("checkpoint: size %zu, root %s, signed %s\n", res.checkpoint_size,
		       res.root_hex, res.checkpoint_date);
		if (res.old_checkpoint_checked)
			printf("extends the saved checkpoint of size %zu\n",
			       res.old_checkpoint_size);
		rc = EXIT_OK;
	} else {
		rc = cli_usage_error("register", "unknown subcommand '%s'", sub);
	}
out:
	sign_pub_free(pub);
	sign_config_release(&sc);
	return rc;
}
