/* session.c: config + suites -> plan -> runner -> journal -> samplesets, shared by commands. */
#include "session.h"
#include "cli.h"
#include "fileio.h"
#include "history.h"
#include "log.h"
#include "report.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
}

/* Every vendor of the config with every suite: one report file each (report_names_check). */
static int session_names_check(const struct session *s, struct pl_err *err)
{
	const char **ids = xcalloc(s->n_suites + 1, sizeof(*ids));
	size_t i;
	int rc;

	for (i = 0; i < s->n_suites; i++)
		ids[i] = s->suites[i]->id;
	rc = report_names_check(s->cfg, ids, s->n_suites, s->cfg->path, err);
	free(ids);
	return rc;
}

int session_load(struct session *s, const char *config_path, char *const *suites, size_t n_suites,
		 struct pl_err *err)
{
	size_t i, j;

	s->cfg = cli_config_load(config_path, err);
	if (!s->cfg)
		return -1;
	s->suites = xcalloc(n_suites + 1, sizeof(*s->suites));
	for (i = 0; i < n_suites; i++) {
		s->suites[i] = suite_load(suites[i], err);
		if (!s->suites[i])
			return -1;
		s->n_suites++;
		for (j = 0; j < i; j++)
			if (!strcmp(s->suites[j]->id, s->suites[i]->id))
				return pl_err_set(err, PL_E_USAGE, suites[i],
						  "suite id \"%s\" is also used by %s",
						  s->suites[i]->id, s->suites[j]->path);
	}
	return session_names_check(s, err);
}

int session_plan_keyless(struct session *s, const char *const *vendor_ids, size_t n_vendor_ids,
			 enum plan_mode mode, struct pl_err *err)
{
	return plan_build(&s->plan, s->cfg, vendor_ids, n_vendor_ids,
			  (const struct suite *const *)s->suites, s->n_suites, mode, err);
}

int session_plan(struct session *s, const char *const *vendor_ids, size_t n_vendor_ids,
		 enum plan_mode mode, struct pl_err *err)
{
	const char **ids;
	size_t i;
	int rc;

	if (session_plan_keyless(s, vendor_ids, n_vendor_ids, mode, err) < 0)
		return -1;
	ids = xcalloc(s->plan.n_vendors + 1, sizeof(*ids));
	for (i = 0; i < s->plan.n_vendors; i++)
		ids[i] = s->plan.vendors[i]->id;
	rc = config_load_secrets(s->cfg, ids, s->plan.n_vendors, err);
	free(ids);
	return rc;
}

static void progress(void *ctx, const struct runner_progress *p)
{
	(void)ctx;
	log_progress(p->done, p->total, p->errors, p->elapsed_s);
}

int session_execute(struct session *s, const struct session_opts *o, struct pl_err *err)
{
	struct runner_opts ro;
	struct journal *j;
	struct sbuf path;
	char runid[64], when[32], where[512];
	int rc;

	if (o->close_journal && o->collect) {
		s->journal_path = xstrdup(o->close_journal);
		if (journal_read(s->journal_path, collect_record, o->collect, NULL, err) < 0)
			return -1;
		return collect_finish(o->collect, err);
	}
	/* every sending command: a cost budget must be able to count every vendor's cost */
	if (plan_check_max_cost(&s->plan, o->max_cost > 0 ? o->max_cost : s->cfg->max_cost,
				config_budget_where(s->cfg, o->max_cost, where, sizeof(where)),
				err) < 0)
		return -1;
	sbuf_init(&path);
	sbuf_addf(&path, "%s/journal/%s.jsonl", s->cfg->state_dir, s->plan.hash);
	s->journal_path = sbuf_detach(&path, NULL);
	sbuf_release(&path);
	session_now(when, sizeof(when));
	snprintf(runid, sizeof(runid), "%s-%.8s", when, s->plan.hash);
	j = journal_open_night(s->journal_path, runid, s->plan.hash,
			       s->plan.mode == PLAN_BASELINE  ? "baseline"
			       : s->plan.mode == PLAN_COMPARE ? "compare"
							      : "nightly",
			       s->plan.night[0] ? s->plan.night : NULL, o->resume, err);
	if (!j)
		return -1;
	memset(&ro, 0, sizeof(ro));
	ro.record_dir = o->record_dir;
	ro.replay_dir = o->replay_dir;
	/* The config's budget holds unless the command line sets a budget of its own. */
	ro.max_requests = o->max_requests ? o->max_requests : (long)s->cfg->max_requests;
	ro.max_tokens = o->max_tokens ? o->max_tokens : (long)s->cfg->max_tokens;
	ro.max_cost = o->max_cost > 0 ? o->max_cost : s->cfg->max_cost;
	ro.max_duration_s = s->cfg->max_duration;
	if (o->progress && !getenv("PLUMBLINE_NO_PROGRESS"))
		ro.progress = progress; /* drawn only when stderr is a terminal */
	if (o->collect) {
		ro.on_final = collect_on_final;
		ro.final_ctx = o->collect;
		ro.on_idle = collect_idle;
		ro.idle_ctx = o->collect;
		/* what a resumed journal already holds is judged with the rest: its final records
		 * (the rest are sent again; counting them too counted an item twice) */
		if (o->resume && journal_count(j) &&
		    journal_read(s->journal_path, collect_final_record, o->collect, NULL, err) <
			    0) {
			journal_close(j);
			return -1;
		}
	}
	rc = runner_run(&s->plan, j, &ro, &s->stats, err);
	if (ro.progress)
		log_progress_end(); /* a budget stop ends before done == total */
	journal_close(j);
	if (rc < 0)
		return -1;
	if (o->collect)
		return collect_finish(o->collect, err);
	return sampleset_from_journal(s->journal_path, &s->sets, &s->n_sets, err);
}

struct sampleset *session_set(const struct session *s, const char *vendor, const char *suite)
{
	size_t i;

	for (i = 0; i < s->n_sets; i++)
		if (!strcmp(s->sets[i]->vendor, vendor) && !strcmp(s->sets[i]->suite, suite))
			return s->sets[i];
	return NULL;
}

void session_stamp_requests(struct sampleset *set, const struct suite *su)
{
	size_t i;

	for (i = 0; i < set->n_prompts; i++) {
		const struct prompt *pr = suite_prompt(su, set->prompts[i].prompt_id);

		if (pr)
			memcpy(set->prompts[i].request_sha256, pr->request_sha256,
			       sizeof(pr->request_sha256));
	}
}

size_t session_planned(const struct session *s, const char *vendor, const char *suite)
{
	const struct plan_group *g;
	size_t i, n = 0;

	for (i = 0; i < s->plan.n_groups; i++) {
		g = &s->plan.groups[i];
		if (!strcmp(g->vendor->id, vendor) && !strcmp(g->suite->id, suite))
			n += (size_t)g->n;
	}
	return n;
}

int session_answered_enough(const struct session *s, const char *vendor, const char *suite,
			    size_t *answered, size_t *planned)
{
	const struct sampleset *set = session_set(s, vendor, suite);
	size_t i, n = 0, want = session_planned(s, vendor, suite);

	for (i = 0; set && i < set->n_prompts; i++)
		n += set->prompts[i].n;
	if (answered)
		*answered = n;
	if (planned)
		*planned = want;
	return n > 0 && (double)n >= SESSION_MIN_ANSWERED * (double)want;
}

const struct runner_vendor_stats *session_vendor_stats(const struct session *s, const char *vendor)
{
	size_t i;

	for (i = 0; i < s->stats.n_vendors; i++)
		if (s->stats.vendors[i].vendor && !strcmp(s->stats.vendors[i].vendor, vendor))
			return &s->stats.vendors[i];
	return NULL;
}

int session_finish(struct session *s, struct pl_err *err)
{
	struct sbuf done;
	char when[32];
	int rc = 0;

	if (!s->journal_path)
		return 0;
	sbuf_init(&done);
	sbuf_addf(&done, "%s/journal/done", s->cfg->state_dir);
	if (fileio_mkdirs(done.buf, err) < 0) {
		rc = -1;
		goto out;
	}
	session_now(when, sizeof(when));
	sbuf_addf(&done, "/%s-%.12s.jsonl", when, s->plan.hash);
	if (rename(s->journal_path, done.buf) < 0)
		rc = pl_err_errno(err, PL_E_IO, s->journal_path, "cannot archive the journal");
out:
	sbuf_release(&done);
	return rc;
}

void session_release(struct session *s)
{
	size_t i;

	for (i = 0; i < s->n_sets; i++)
		sampleset_free(s->sets[i]);
	free(s->sets);
	runner_stats_release(&s->stats);
	plan_release(&s->plan);
	for (i = 0; i < s->n_suites; i++)
		suite_free(s->suites[i]);
	free(s->suites);
	free(s->journal_path);
	config_free(s->cfg);
	memset(s, 0, sizeof(*s));
}

void session_today(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

int session_valid_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int i, y = 0, m, d, leap;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	for (i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

void session_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *session_history_path(const struct config *cfg, const struct vendor *v,
				 const char *suite, char *buf, size_t len)
{
	struct sbuf p;

	sbuf_init(&p);
	history_path(&p, cfg->state_dir, v->id, v->model, suite);
	snprintf(buf, len, "%s", p.buf);
	sbuf_release(&p);
	return buf;
}

/* Hands the registry over to a new baseline showing `epoch` (NULL: not known yet). A
 * registry still to be built from a history written before registries existed is built
 * first, so the history's epochs keep their IDs. */
static int rebase_epochs(const char *hist, const char *epoch, struct pl_err *err)
{
	struct sbuf reg_path;
	json_t *recs = NULL, *reg = NULL;
	int rc = -1;

	sbuf_init(&reg_path);
	history_epochs_path(&reg_path, hist);
	if (!fileio_exists(reg_path.buf) && !fileio_exists(hist) && !epoch) {
		rc = 0; /* nothing known of this endpoint yet */
		goto out;
	}
	if (history_load(hist, &recs, NULL, err) || history_epochs_load(hist, recs, &reg, err))
		goto out;
	if (epoch)
		json_object_set_new(reg, "baseline", json_string(epoch));
	else
		json_object_del(reg, "baseline");
	rc = history_epochs_save(hist, reg, err);
out:
	json_decref(recs);
	json_decref(reg);
	sbuf_release(&reg_path);
	return rc;
}

int session_restart_history(const struct config *cfg, const struct vendor *v, const char *suite,
			    const char *epoch, char *moved_to, size_t len, struct pl_err *err)
{
	char hist[1024], stamp[32];

	session_history_path(cfg, v, suite, hist, sizeof(hist));
	if (rebase_epochs(hist, epoch, err) < 0)
		return -1;
	if (!fileio_exists(hist))
		return 0;
	session_now(stamp, sizeof(stamp));
	snprintf(moved_to, len, "%s.before-%s", hist, stamp);
	if (rename(hist, moved_to) < 0)
		return pl_err_errno(err, PL_E_IO, hist, "cannot move the detection history aside");
	return 1;
}
