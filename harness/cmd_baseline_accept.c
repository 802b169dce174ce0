/* cmd_baseline_accept.c: `plumbline baseline accept`: after a detected change, makes the run's
 * answers the new baseline and records the decision (who, when, why, which report and epoch,
 * old and new baseline hashes) as a signed register entry. The answers are exactly those the
 * report judged (the journal whose SHA-256 the signed report names), filled up to the suite's
 * baseline_samples with --top-up; the old baseline is replaced atomically. */
#include "baseline.h"
#include "cli.h"
#include "config.h"
#include "fileio.h"
#include "journal.h"
#include "lock.h"
#include "register.h"
#include "rotate.h"
#include "sampleset.h"
#include "session.h"
#include "sign.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A prompt's share of baseline_samples that must be answered (as for `baseline record`). */
#define ACCEPT_MIN_ANSWERED 0.9

struct accept_args {
	const char *config, *report, *reason, *by, *journal, *suite;
	int top_up;
};

const struct cli_option baseline_accept_options[] = {
	CLI_STRING('c', "config", struct accept_args, config, "FILE", "the config file"),
	CLI_STRING(0, "report", struct accept_args, report, "REPORT",
		   "the run's report whose answers become the baseline"),
	CLI_STRING(0, "reason", struct accept_args, reason, "TEXT",
		   "why (entered in the register; not empty)"),
	CLI_STRING(0, "by", struct accept_args, by, "NAME", "who decided (default: the user)"),
	CLI_BOOL(0, "top-up", struct accept_args, top_up,
		 "sample the vendor for the answers beyond the night's"),
	CLI_STRING(0, "suite", struct accept_args, suite, "FILE",
		   "the suite, when the path the report names has moved"),
	CLI_STRING(0, "journal", struct accept_args, journal, "FILE",
		   "the journal to take (the one the report names)"),
	CLI_END,
};

static int parse(int argc, char **argv, struct accept_args *a)
{
	int rc = EXIT_USAGE, first;

	memset(a, 0, sizeof(*a));
	first = cli_parse_options("baseline accept", argc, argv, baseline_accept_options, a, &rc);
	if (first < 0)
		return rc;
	if (first < argc)
		return cli_usage_error("baseline accept", "unexpected argument '%s'", argv[first]);
	if (!a->config || !a->report || !a->reason || !*a->reason)
		return cli_usage_error("baseline", "accept needs --config FILE, --report REPORT "
						   "and --reason TEXT");
	return 0;
}

static const char *who(const char *by)
{
	struct passwd *pw;
	const char *u;

	if (by && *by)
		return by;
	u = getenv("USER");
	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

/* The run's answers must be the ones the report judged: the same sample count per prompt, and
 * every failing sample the report quotes (by index) has the same text. */
static int matches_report(const struct sampleset *s, const json_t *report, const char *journal,
			  struct pl_err *err)
{
	const json_t *p, *c, *ex;
	size_t i, j, k, m;

	json_array_foreach(json_object_get(report, "prompts"), i, p)
	{
		const char *id = json_string_value(json_object_get(p, "id"));
		const struct prompt_samples *ps = id ? sampleset_find(s, id) : NULL;
		json_int_t want = json_integer_value(json_object_get(p, "samples"));

		if ((ps ? (json_int_t)ps->n : 0) != want)
			return pl_err_set(err, PL_E_INPUT, journal,
					  "journal holds %zu answers for prompt \"%s\", the report "
					  "%lld",
					  ps ? ps->n : 0, id ? id : "?", (long long)want);
		json_array_foreach(json_object_get(p, "checks"), j, c)
			json_array_foreach(json_object_get(c, "failed_samples"), k, ex)
		{
			json_int_t idx = json_integer_value(json_object_get(ex, "sample"));
			const char *text = json_string_value(json_object_get(ex, "text"));
			int found = 0;

			for (m = 0; ps && m < ps->n && text; m++)
				found |= ps->samples[m].index == idx &&
					 !strcmp(ps->samples[m].text, text);
			if (text && !found)
				return pl_err_set(err, PL_E_INPUT, journal,
						  "sample %lld of prompt \"%s\" differs from "
						  "the one the report quotes",
						  (long long)idx, id ? id : "?");
		}
	}
	return 0;
}

static int name_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

static int file_sha(const char *path, char hex[65], struct pl_err *err);

/* Finds the journal of the run that wrote the report and loads vendor/suite's answers from it.
 * The report names the live journal ("<plan>.jsonl", the plan naming its night); a finished
 * run archives it as journal/done/<when>-<plan:12>.jsonl. Only the journal whose SHA-256 is
 * the one the signed report binds (run.journal_sha256) is taken: any other file, planted or
 * from another night, is passed over, and without it accept refuses. */
static struct sampleset *load_answers(const struct config *cfg, const char *given,
				      const char *run_id, const char *want_sha, const char *vendor,
				      const char *suite, const json_t *report, char **used,
				      struct pl_err *err)
{
	struct sbuf dir;
	char hash12[13], **cand = NULL;
	size_t n_cand = 0, c, i, live = 0;
	struct sampleset *found = NULL;
	struct pl_err last = PL_ERR_INIT;
	struct dirent *e;
	DIR *d;

	sbuf_init(&dir);
	*used = NULL;
	if (given) {
		cand = xcalloc(1, sizeof(*cand));
		cand[n_cand++] = xstrdup(given);
	} else {
		sbuf_addf(&dir, "%s/journal/%s", cfg->state_dir, run_id);
		if (fileio_exists(dir.buf)) {
			cand = xrealloc(cand, (n_cand + 1) * sizeof(*cand));
			cand[n_cand++] = xstrdup(dir.buf);
			live = 1;
		}
		snprintf(hash12, sizeof(hash12), "%.12s", run_id);
		sbuf_reset(&dir);
		sbuf_addf(&dir, "%s/journal/done", cfg->state_dir);
		d = opendir(dir.buf);
		while (d && (e = readdir(d))) {
			size_t n = strlen(e->d_name);
			struct sbuf f;

			if (n < 19 || strncmp(e->d_name + n - 18, hash12, 12) ||
			    strcmp(e->d_name + n - 6, ".jsonl"))
				continue;
			sbuf_init(&f);
			sbuf_addf(&f, "%s/%s", dir.buf, e->d_name);
			cand = xrealloc(cand, (n_cand + 1) * sizeof(*cand));
			cand[n_cand++] = sbuf_detach(&f, NULL);
			sbuf_release(&f);
		}
		if (d)
			closedir(d);
		/* the live journal (if any) first, then the archives newest first */
		if (n_cand > live)
			qsort(cand + live, n_cand - live, sizeof(*cand), name_desc);
	}
	pl_err_set(&last, PL_E_INPUT, NULL, "none has sha256 %.16s…", want_sha);
	for (c = 0; c < n_cand && !found; c++) {
		struct sampleset **sets = NULL;
		size_t n_sets = 0;
		char sha[65];

		if (file_sha(cand[c], sha, &last) < 0 || strcmp(sha, want_sha)) {
			if (given) {
				pl_err_init(&last);
				pl_err_set(&last, PL_E_INPUT, cand[c],
					   "not the journal the report judged (its sha256 is not "
					   "the report's run.journal_sha256)");
			}
			continue;
		}
		pl_err_init(&last);
		if (sampleset_from_journal(cand[c], &sets, &n_sets, &last) < 0)
			continue;
		for (i = 0; i < n_sets; i++) {
			if (!found && !strcmp(sets[i]->vendor, vendor) &&
			    !strcmp(sets[i]->suite, suite) &&
			    matches_report(sets[i], report, cand[c], &last) == 0) {
				found = sets[i];
				*used = xstrdup(cand[c]);
				continue;
			}
			sampleset_free(sets[i]);
		}
		free(sets);
	}
	if (!found) {
		if (!n_cand)
			pl_err_set(err, PL_E_INPUT, dir.buf,
				   "no journal of run %s is left; name it with --journal FILE",
				   run_id);
		else if (given)
			*err = last;
		else
			pl_err_set(err, PL_E_INPUT, last.where[0] ? last.where : dir.buf,
				   "no journal holds the answers this report judged (%s); name it "
				   "with --journal FILE",
				   last.msg[0] ? last.msg : "none found");
	}
	for (c = 0; c < n_cand; c++)
		free(cand[c]);
	free(cand);
	sbuf_release(&dir);
	return found;
}

static int file_sha(const char *path, char hex[65], struct pl_err *err)
{
	if (!fileio_exists(path)) {
		hex[0] = '\0';
		return 0;
	}
	return sign_sha256_file(path, hex, err);
}

/* Keeps the baseline about to be replaced as keep (a hard link, else a copy). The baseline
 * itself is not moved: the new one is renamed over it, so a kill at any point leaves one. */
static int keep_old(const char *bpath, const char *keep, struct pl_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (link(bpath, keep) == 0 || errno == EEXIST) /* named by its hash: the same bytes */
		return 0;
	if (fileio_read_all(bpath, (size_t)1 << 30, &buf, &len, err) < 0)
		return -1;
	rc = fileio_write_atomic(keep, buf, len, 0644, err);
	free(buf);
	return rc;
}

struct copy_ctx {
	struct journal *j;
	const char *vendor, *suite;
	size_t answers; /* the night's answers copied (not sent again) */
};

static int copy_rec(void *ctx, const struct journal_rec *r, struct pl_err *err)
{
	struct copy_ctx *c = ctx;

	if (strcmp(r->vendor, c->vendor) || strcmp(r->suite, c->suite))
		return 0;
	c->answers += r->answer && r->answer->fault == PROBE_OK;
	return journal_append(c->j, r, err);
}

/* Fills the accepted night's answers up to each prompt's baseline_samples, the way `baseline
 * record` samples (same seeds, the config's budgets): a baseline plan of the vendor and suite,
 * named with the night, gets a journal that starts with the night's records, and the runner
 * sends only the samples they lack. Returns the full set (model unset), or NULL with err set. */
static struct sampleset *top_up(const struct accept_args *a, const char *suite_path,
				const char *vendor, const char *suite, const char *night,
				const char *journal, struct pl_err *err)
{
	struct session s;
	struct session_opts so;
	struct journal *j = NULL;
	struct copy_ctx cc;
	struct sbuf path;
	struct sampleset *set = NULL;
	const char *vid = vendor;
	char *suites[1];
	size_t i;

	session_init(&s);
	sbuf_init(&path);
	suites[0] = (char *)suite_path;
	if (session_load(&s, a->config, suites, 1, err) < 0 ||
	    session_plan(&s, &vid, 1, PLAN_BASELINE, err) < 0)
		goto out;
	plan_set_night(&s.plan, night);
	sbuf_addf(&path, "%s/journal/%s.jsonl", s.cfg->state_dir, s.plan.hash);
	j = journal_open_night(path.buf, "accept", s.plan.hash, "baseline", night, 0, err);
	if (!j)
		goto out;
	cc.j = j;
	cc.vendor = vendor;
	cc.suite = suite;
	cc.answers = 0;
	if (journal_read(journal, copy_rec, &cc, NULL, err) < 0)
		goto out;
	journal_close(j);
	j = NULL;
	memset(&so, 0, sizeof(so));
	so.resume = 1;
	so.progress = 1;
	fprintf(stderr,
		"plumbline: topping the baseline up: %zu more requests to %s (%zu of its %zu samples "
		"are the night's answers)\n",
		s.plan.n_items > cc.answers ? s.plan.n_items - cc.answers : 0, vendor, cc.answers,
		s.plan.n_items);
	if (session_execute(&s, &so, err) < 0)
		goto out;
	if (s.stats.budget_hit) {
		pl_err_set(err, PL_E_VENDOR, path.buf,
			   "the top-up stopped: budget reached (%s); run the same command again to "
			   "continue it",
			   s.stats.budget_reason);
		goto out;
	}
	for (i = 0; i < s.n_sets; i++)
		if (!strcmp(s.sets[i]->vendor, vendor) && !strcmp(s.sets[i]->suite, suite)) {
			set = s.sets[i];
			s.sets[i] = NULL;
		}
	if (!set) {
		pl_err_set(err, PL_E_VENDOR, path.buf, "the top-up got no answer");
		goto out;
	}
	if (session_finish(&s, err) < 0) {
		sampleset_free(set);
		set = NULL;
	}
out:
	journal_close(j);
	sbuf_release(&path);
	session_release(&s);
	return set;
}

/* The first suite prompt without answers, or with fewer than share x its baseline_samples,
 * or NULL. */
static const struct prompt *short_prompt(const struct suite *su, const struct sampleset *set,
					 double share, size_t *have)
{
	size_t q;

	for (q = 0; q < su->n_prompts; q++) {
		const struct prompt *pr = &su->prompts[q];
		const struct prompt_samples *ps = sampleset_find(set, pr->id);

		*have = ps ? ps->n : 0;
		if (!*have || (double)*have < share * (double)pr->baseline_samples - 1e-9)
			return pr;
	}
	return NULL;
}

/* Appends s to sb quoted for a POSIX shell. */
static void add_quoted(struct sbuf *sb, const char *s)
{
	sbuf_addch(sb, '\'');
	for (; *s; s++)
		if (*s == '\'')
			sbuf_addstr(sb, "'\\''");
		else
			sbuf_addch(sb, *s);
	sbuf_addch(sb, '\'');
}

/* A report signed before a key rotation (keygen --rotate): its key is retired, kept beside
 * the public key as PUB.KEYID. Tries each kept key on the report; one that verifies it must
 * be the register's key at the report's entry (register_seq in its trusted comment), and the
 * register, verified from that key through its rotations, must be signed by pub now: a copy
 * of a retired key signs no report the register does not hold. Returns 0 (*tc set), or -1
 * (the caller's error, the current key's failure, stands). */
static int by_retired_key(const struct sign_config *sc, const struct sign_pub *pub,
			  const char *report, char **tc)
{
	char *dir = xstrdup(sc->public_key), *slash = strrchr(dir, '/'), path[4096], seqs[32];
	const char *base = slash ? slash + 1 : sc->public_key;
	size_t blen = strlen(base);
	struct dirent *de;
	DIR *d;
	int rc = -1;

	if (slash)
		*slash = 0;
	d = opendir(slash ? dir : ".");
	while (d && rc < 0 && (de = readdir(d))) {
		struct pl_err ignore = PL_ERR_INIT;
		struct reg_verify_result res;
		struct reg_keys *keys = NULL;
		struct sign_pub *old;
		size_t n;
		char *t = NULL;

		if (strncmp(de->d_name, base, blen) || de->d_name[blen] != '.' ||
		    strlen(de->d_name + blen + 1) != 16)
			continue; /* PUB.KEYID, not PUB.pem nor PUB.KEYID.pem */
		snprintf(path, sizeof(path), "%s/%s", slash ? dir : ".", de->d_name);
		old = sign_pub_load(path, &ignore);
		if (old && sign_verify_file(old, report, &t, &ignore) == 0 &&
		    sign_tc_field(t, "register_seq", seqs, sizeof(seqs)) == 0 &&
		    register_verify_keys(sc->register_path, old, NULL, &res, &keys, &ignore) == 0 &&
		    (n = register_keys_count(keys)) > 1 &&
		    sign_pub_equal(register_keys_get(keys, n - 1, NULL, NULL), pub) &&
		    sign_pub_equal(register_keys_at(keys, strtoll(seqs, NULL, 10)), old)) {
			free(*tc);
			*tc = t;
			t = NULL;
			rc = 0;
		}
		free(t);
		register_keys_free(keys);
		sign_pub_free(old);
	}
	if (d)
		closedir(d);
	free(dir);
	return rc;
}

int cmd_baseline_accept(int argc, char **argv)
{
	struct accept_args a;
	struct pl_err err = PL_ERR_INIT;
	struct config *cfg = NULL;
	struct sign_config sc;
	struct jsonloc loc;
	struct jsonfile rep;
	struct sign_key *key = NULL;
	struct sign_pub *pub = NULL;
	struct reg *reg = NULL;
	int rot_fd = -1;
	struct sampleset *set = NULL;
	struct suite *su = NULL;
	char *tc = NULL, *journal = NULL, seqs[32], *end, rsha[65], old_sha[65], new_sha[65];
	char bpath[1024], now[32], keep[1200];
	const char *vendor_id, *suite_id, *run_id, *verdict, *epoch, *jsha, *night, *suite_path;
	const struct vendor *v;
	const struct prompt *pr;
	const json_t *run;
	size_t have, before = 0, q;
	long topped = 0;
	struct reg_decision_entry d;
	long long seq;
	int rc;

	memset(&sc, 0, sizeof(sc));
	memset(&rep, 0, sizeof(rep));
	rc = parse(argc, argv, &a);
	if (rc)
		return rc;
	rc = EXIT_INCOMPLETE;
	cfg = cli_config_load(a.config, &err);
	if (!cfg)
		goto fail;
	loc.file = cfg->path;
	loc.text = cfg->text;
	loc.text_len = cfg->text_len;
	if (sign_config_parse(&loc, "/signing", cfg->signing, cfg->state_dir, &sc, &err) < 0 ||
	    jsonfile_load(&rep, a.report, (size_t)64 << 20, &err) < 0)
		goto fail;
	vendor_id = json_string_value(json_object_get(json_object_get(rep.root, "vendor"), "id"));
	suite_id = json_string_value(json_object_get(json_object_get(rep.root, "suite"), "id"));
	run_id = json_string_value(json_object_get(json_object_get(rep.root, "run"), "id"));
	verdict = json_string_value(json_object_get(rep.root, "verdict"));
	epoch = json_string_value(json_object_get(json_object_get(rep.root, "detection"), "epoch"));
	run = json_object_get(rep.root, "run");
	jsha = json_string_value(json_object_get(run, "journal_sha256"));
	night = json_string_value(json_object_get(run, "date"));
	suite_path = a.suite ? a.suite
			     : json_string_value(
				       json_object_get(json_object_get(rep.root, "suite"), "path"));
	if (!vendor_id || !suite_id || !run_id || !verdict || !night ||
	    !session_valid_date(night) || strchr(run_id, '/') || run_id[0] == '.') {
		pl_err_set(&err, PL_E_INPUT, a.report, "not a plumbline run report");
		goto fail;
	}
	if (!jsha || strlen(jsha) != 64) {
		pl_err_set(&err, PL_E_INPUT, a.report,
			   "the report does not bind the answers it judged (no "
			   "run.journal_sha256: written by an older plumbline); run the night "
			   "again and accept that report");
		goto fail;
	}
	if (!strcmp(verdict, "incomplete")) {
		pl_err_set(&err, PL_E_INPUT, a.report,
			   "the run was incomplete: its answers cannot become a baseline");
		goto fail;
	}
	v = config_vendor(cfg, vendor_id);
	if (!v) {
		pl_err_set(&err, PL_E_INPUT, a.report, "vendor \"%s\" is not in %s", vendor_id,
			   cfg->path);
		goto fail;
	}
	/* Only a report that verifies can be accepted: the decision cites its signature. */
	pub = sign_pub_load(sc.public_key, &err);
	if (!pub)
		goto fail;
	if (sign_verify_file(pub, a.report, &tc, &err) < 0) {
		if (by_retired_key(&sc, pub, a.report, &tc) < 0)
			goto fail;
		pl_err_init(&err); /* signed before a key rotation, by the key of its entry */
	}
	if (sign_tc_field(tc, "register_seq", seqs, sizeof(seqs)) < 0) {
		pl_err_set(&err, PL_E_INTEGRITY, a.report, "the signature names no register entry");
		goto fail;
	}
	seq = strtoll(seqs, &end, 10);
	if (file_sha(a.report, rsha, &err) < 0)
		goto fail;
	set = load_answers(cfg, a.journal, run_id, jsha, vendor_id, suite_id, rep.root, &journal,
			   &err);
	if (!set)
		goto fail;
	/* A baseline holds baseline_samples answers per prompt: a night's few answers would
	 * make detection call a stable endpoint unstable for weeks, and a prompt without
	 * answers would get an empty baseline. */
	if (!suite_path || !fileio_exists(suite_path)) {
		pl_err_set(&err, PL_E_INPUT, suite_path ? suite_path : a.report,
			   "the suite file the report names is not there; name it with --suite "
			   "FILE");
		goto fail;
	}
	su = suite_load(suite_path, &err);
	if (!su)
		goto fail;
	if (strcmp(su->id, suite_id)) {
		pl_err_set(&err, PL_E_INPUT, su->path, "suite id \"%s\", the report's is \"%s\"",
			   su->id, suite_id);
		goto fail;
	}
	pr = short_prompt(su, set, 1.0, &have);
	if (pr && !a.top_up) {
		struct sbuf cmd;

		sbuf_init(&cmd);
		sbuf_addstr(&cmd, "plumbline baseline accept --config ");
		add_quoted(&cmd, a.config);
		sbuf_addstr(&cmd, " --report ");
		add_quoted(&cmd, a.report);
		sbuf_addstr(&cmd, " --reason ");
		add_quoted(&cmd, a.reason);
		if (a.by) {
			sbuf_addstr(&cmd, " --by ");
			add_quoted(&cmd, a.by);
		}
		sbuf_addstr(&cmd, " --top-up");
		pl_err_set(&err, PL_E_INPUT, a.report,
			   "prompt \"%s\" has %zu answers that night, a baseline needs %d "
			   "(baseline_samples): sample the rest from the vendor (budgets apply) "
			   "with: %s",
			   pr->id, have, pr->baseline_samples, cmd.buf);
		sbuf_release(&cmd);
		goto fail;
	}
	if (pr) {
		struct sampleset *full;

		for (q = 0; q < set->n_prompts; q++)
			before += set->prompts[q].n;
		full = top_up(&a, su->path, vendor_id, suite_id, night, journal, &err);
		if (!full)
			goto fail;
		sampleset_free(set);
		set = full;
		for (q = 0; q < set->n_prompts; q++)
			topped += (long)set->prompts[q].n;
		topped -= (long)before;
	}
	/* A top-up short of answers (vendor faults) leaves no short or empty baseline either;
	 * as with `baseline record`, 90% of the samples answered is enough. */
	pr = short_prompt(su, set, ACCEPT_MIN_ANSWERED, &have);
	if (pr) {
		pl_err_set(&err, PL_E_VENDOR, a.report,
			   "prompt \"%s\" has only %zu of the %d answers a baseline needs (vendor "
			   "faults in the top-up): the baseline is unchanged; run the command "
			   "again",
			   pr->id, have, pr->baseline_samples);
		goto fail;
	}
	free(set->model);
	set->model = xstrdup(v->model);
	session_stamp_requests(set, su);
	/* Verify the register before touching the baseline (the append locks it again). A
	 * key rotation finishes first, and none starts until the decision is recorded: else the
	 * baseline would be replaced and the decision refused, signed by a retired key. */
	rot_fd = rotate_lock_shared(sc.register_path, &err);
	if (rot_fd < 0)
		goto fail;
	key = sign_key_load(sc.secret_key, &err);
	reg = key ? register_open(sc.register_path, key, &err) : NULL;
	if (!reg)
		goto fail;
	baseline_path(bpath, sizeof(bpath), cfg->baselines_dir, vendor_id, v->model, suite_id);
	if (file_sha(bpath, old_sha, &err) < 0)
		goto fail;
	session_now(now, sizeof(now));
	if (old_sha[0]) { /* the replaced baseline stays beside it, named by its hash */
		snprintf(keep, sizeof(keep), "%s.%.12s.replaced", bpath, old_sha);
		if (keep_old(bpath, keep, &err) < 0)
			goto fail;
	}
	if (baseline_write(bpath, set, now, &err) < 0 || file_sha(bpath, new_sha, &err) < 0)
		goto fail;
	{
		/* The baseline is already replaced: the decision must still be recorded, so a
		 * history that cannot be moved is only a warning here. */
		struct pl_err herr = PL_ERR_INIT;
		char msg[1600];

		/* the accepted behaviour keeps its epoch ID under the new baseline */
		if (session_restart_history(cfg, v, suite_id, epoch, keep, sizeof(keep), &herr) < 0)
			fprintf(stderr, "plumbline: warning: %s\n",
				pl_err_str(&herr, msg, sizeof(msg)));
	}
	memset(&d, 0, sizeof(d));
	d.date = now;
	/* the decision is about the accepted run's night, which a backfill makes differ from
	 * today (the date stays the wall clock) */
	night = json_string_value(json_object_get(json_object_get(rep.root, "run"), "date"));
	d.night = night && strlen(night) == 10 && register_parse_date(night) >= 0 ? night : NULL;
	d.action = "accept";
	d.by = who(a.by);
	d.reason = a.reason;
	d.vendor = vendor_id;
	d.model = v->model;
	d.suite = suite_id;
	d.accepts_seq = *end ? -1 : seq;
	d.report = a.report;
	d.report_sha256 = rsha;
	d.epoch = epoch;
	d.old_baseline_sha256 = old_sha[0] ? old_sha : NULL;
	d.new_baseline_sha256 = new_sha;
	d.journal_sha256 = jsha;
	d.topped_up = topped;
	seq = register_append_decision(reg, &d, &err);
	if (seq < 0)
		goto fail;
	printf("accepted %s/%s [%s] from %s (register entry #%s) as the new baseline\n"
	       "  baseline: %s (sha256 %.16s…, was %.16s…)\n"
	       "  decision: register entry #%lld by %s: \"%s\"\n",
	       vendor_id, suite_id, v->model, a.report, seqs, bpath, new_sha,
	       old_sha[0] ? old_sha : "none", seq, d.by, a.reason);
	rc = EXIT_OK;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	sampleset_free(set);
	suite_free(su);
	free(journal);
	free(tc);
	register_close(reg);
	lock_file_release(rot_fd);
	sign_key_free(key);
	sign_pub_free(pub);
	jsonfile_release(&rep);
	sign_config_release(&sc);
	config_free(cfg);
	return rc;
}
