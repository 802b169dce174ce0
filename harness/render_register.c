/* render_register.c: the `register show` text: one line per vendor/model (epoch, last change,
 * changes in 30 and 90 days, availability, p50 latency, runs that stand), then the changes and
 * decisions in the order of the nights they are about. */
#include "register.h"
#include "render.h"

#include <stdio.h>
#include <string.h>

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void date_only(const char *iso, char buf[11])
{
	snprintf(buf, 11, "%s", iso && *iso ? iso : "-");
}

void render_decision_date(const json_t *entry, struct sbuf *out)
{
	const char *d = sget(entry, "date");
	time_t t = register_parse_date(d);
	char buf[32];
	struct tm tm;

	if (t < 0) {
		sbuf_addstr(out, "date not recorded");
		return;
	}
	gmtime_r(&t, &tm);
	/* a bare day says no more than the day: no made-up midnight */
	strftime(buf, sizeof(buf), strlen(d) == 10 ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S UTC", &tm);
	sbuf_addstr(out, buf);
}

void render_register_stability(const struct reg_summary *s, int with_blips, struct sbuf *out)
{
	const char *since = s->stable_since ? s->stable_since : "-";

	if (s->observed_nights)
		sbuf_addf(out, "stable over %d observed night%s since %s", s->observed_nights,
			  s->observed_nights == 1 ? "" : "s", since);
	else
		sbuf_addf(out, "no night observed as stable since %s", since);
	if (s->pending_since)
		sbuf_addf(out, " until a change was suspected on %s (pending)", s->pending_since);
	sbuf_addf(out, ", last observed %s", s->last_observed ? s->last_observed : "never");
	if (with_blips && s->blip_nights)
		sbuf_addf(out,
			  "; %d night%s suspected and retracted the next night, not counted (%s)",
			  s->blip_nights, s->blip_nights == 1 ? "" : "s", s->blips);
	if (s->gap_nights)
		sbuf_addf(out, "; %d night%s not observed (%s)", s->gap_nights,
			  s->gap_nights == 1 ? "" : "s", s->gaps ? s->gaps : "");
}

void render_register_period(const json_t *entries, char first[11], char last[11])
{
	const json_t *e;
	size_t i;

	first[0] = last[0] = '\0';
	json_array_foreach(entries, i, e)
	{
		char night[11];

		register_entry_night(e, night);
		if (!night[0])
			continue;
		if (!first[0] || strcmp(night, first) < 0)
			snprintf(first, 11, "%s", night);
		if (strcmp(night, last) > 0)
			snprintf(last, 11, "%s", night);
	}
}

const json_t *render_report_problem(const struct render_register_proof *p, const json_t *entry)
{
	const char *type = sget(entry, "type");
	char key[32];

	if (!p || !p->report_problems || !type || strcmp(type, "run"))
		return NULL;
	snprintf(key, sizeof(key), "%lld",
		 (long long)json_integer_value(json_object_get(entry, "seq")));
	return json_object_get(p->report_problems, key);
}

void render_register_reports_text(const struct render_register_proof *p, const json_t *entries,
				  int brief, struct sbuf *out)
{
	const json_t *e;
	size_t i;

	if (!p || (p->reports != RENDER_REPORTS_DAMAGED && p->reports != RENDER_REPORTS_NO_FOLDER))
		return;
	if (p->reports == RENDER_REPORTS_NO_FOLDER) {
		sbuf_addf(out,
			  "*** REPORT FILES NOT CHECKED: %s; the evidence the entries name is "
			  "missing\n",
			  p->reports_why ? p->reports_why : "the reports folder does not exist");
		return;
	}
	if (brief) {
		sbuf_addf(out,
			  "*** %zu registered report file%s missing or altered (listed at the "
			  "top): the evidence of %s is not intact\n",
			  p->reports_failed, p->reports_failed == 1 ? "" : "s",
			  p->reports_failed == 1 ? "that run" : "those runs");
		return;
	}
	sbuf_addf(out,
		  "*** REPORT FILES MISSING OR ALTERED: %zu of the %zu report files in %s the "
		  "register names; the evidence of these runs is not intact:\n",
		  p->reports_failed, p->reports_failed + p->reports_ok,
		  p->reports_dir ? p->reports_dir : "-");
	json_array_foreach(entries, i, e)
	{
		const json_t *pr = render_report_problem(p, e);
		char night[11];

		if (!pr)
			continue;
		register_entry_night(e, night);
		sbuf_addf(out, "***   #%-4lld %s  %s/%s %s: %s (%s)\n",
			  (long long)json_integer_value(json_object_get(e, "seq")),
			  night[0] ? night : "-", sget(e, "vendor") ? sget(e, "vendor") : "?",
			  sget(e, "model") ? sget(e, "model") : "?",
			  sget(e, "suite") ? sget(e, "suite") : "", sget(pr, "label"),
			  sget(pr, "file"));
	}
}

/* The "reports:" line of what was verified. */
static void reports_line(const struct render_register_proof *p, struct sbuf *out)
{
	switch (p->reports) {
	case RENDER_REPORTS_NOT_CHECKED:
		sbuf_addstr(out,
			    "  reports:    not checked (--entries-only): the entries alone were "
			    "verified, not that the report files they name exist and match "
			    "them\n");
		break;
	case RENDER_REPORTS_INTACT:
		sbuf_addf(out,
			  "  reports:    %zu report files in %s exist and match their entries' "
			  "SHA-256\n",
			  p->reports_ok, p->reports_dir ? p->reports_dir : "-");
		break;
	case RENDER_REPORTS_DAMAGED:
		sbuf_addf(out,
			  "  reports:    NOT INTACT: %zu of %zu report files in %s missing or "
			  "altered (listed below)\n",
			  p->reports_failed, p->reports_failed + p->reports_ok,
			  p->reports_dir ? p->reports_dir : "-");
		break;
	case RENDER_REPORTS_NO_FOLDER:
		sbuf_addf(out,
			  "  reports:    NOT CHECKED: the reports folder %s does not exist "
			  "(missing evidence)\n",
			  p->reports_dir ? p->reports_dir : "-");
		break;
	}
}

/* The key rotations among entries: one line each, "  rotation:   #SEQ DATE: OLD -> NEW: reason". */
static void rotations_text(const json_t *entries, struct sbuf *out)
{
	const json_t *e;
	size_t i;

	json_array_foreach(entries, i, e)
	{
		const char *t = sget(e, "type");

		if (!t || strcmp(t, "key_rotation"))
			continue;
		sbuf_addf(out, "  rotation:   #%lld ",
			  (long long)json_integer_value(json_object_get(e, "seq")));
		render_decision_date(e, out);
		sbuf_addf(out, ": key %s -> %s", sget(e, "old_key") ? sget(e, "old_key") : "?",
			  sget(e, "new_key") ? sget(e, "new_key") : "?");
		if (sget(e, "reason"))
			sbuf_addf(out, ": \"%s\"", sget(e, "reason"));
		sbuf_addch(out, '\n');
	}
}

void render_register_proof_text(const struct render_register_proof *p, const json_t *entries,
				struct sbuf *out)
{
	char first[11], last[11];

	if (!p || !p->verified) {
		sbuf_addstr(out, "*** NOT VERIFIED: ");
		if (p && p->why)
			sbuf_addf(out, "the register does not verify: %s\n*** ", p->why);
		sbuf_addstr(out, "what follows may be edited, truncated or forged; do not rely on "
				 "it (--unverified)\n");
		render_register_reports_text(p, entries, 0, out);
		return;
	}
	render_register_period(entries, first, last);
	sbuf_addf(out, "verified: %s (as 'plumbline register verify' does)\n", p->path);
	if (p->unchecked && p->unchecked < p->entries)
		sbuf_addf(out,
			  "  entries:    %zu, every sequence number and hash-chain link checked, "
			  "the signatures from #%zu on\n",
			  p->entries, p->unchecked);
	else if (p->unchecked)
		sbuf_addf(out,
			  "  entries:    %zu, every sequence number and hash-chain link checked, "
			  "no signature (below)\n",
			  p->entries);
	else
		sbuf_addf(out,
			  "  entries:    %zu, every signature, sequence number and hash-chain link "
			  "checked\n",
			  p->entries);
	sbuf_addf(out, "  nights:     %s to %s\n", first[0] ? first : "-", last[0] ? last : "-");
	sbuf_addf(out, "  key:        %s\n", p->key_id ? p->key_id : "-");
	rotations_text(entries, out);
	if (p->unchecked && p->unchecked_from)
		sbuf_addf(out,
			  "  not checked: the signatures of entries #0 to #%zu, by key %s (#%zu "
			  "on; those before by the keys earlier rotations retired) before the "
			  "register was handed over to the trusted key (verify them with the "
			  "original public key)\n",
			  p->unchecked - 1, p->unchecked_key ? p->unchecked_key : "-",
			  p->unchecked_from);
	else if (p->unchecked)
		sbuf_addf(out,
			  "  not checked: the signatures of entries #0 to #%zu, by key %s before "
			  "the register was handed over to the trusted key (verify them with the "
			  "original public key)\n",
			  p->unchecked - 1, p->unchecked_key ? p->unchecked_key : "-");
	sbuf_addf(out, "  checkpoint: size %zu, root %s, signed %s\n", p->checkpoint_size,
		  p->root_hex ? p->root_hex : "-", p->checkpoint_date ? p->checkpoint_date : "-");
	if (p->saved_checked)
		sbuf_addf(out, "  extends the saved checkpoint of size %zu\n", p->saved_size);
	else
		sbuf_addstr(out, "  not checked against a saved checkpoint (a rollback to an older "
				 "signed state is caught only with --checkpoint SAVED)\n");
	reports_line(p, out);
	render_register_reports_text(p, entries, 0, out);
	sbuf_addch(out, '\n');
}

/* What a run did, in capitals for the eye: a change once (on its first night, with the night
 * that confirmed it), its confirmation, a suspicion pending or retracted, a return. */
static void event_words(struct sbuf *out, const json_t *ev)
{
	const char *kind = sget(ev, "event"), *ln = sget(ev, "link_night");
	long long link = json_is_integer(json_object_get(ev, "link"))
				 ? (long long)json_integer_value(json_object_get(ev, "link"))
				 : -1;

	if (!strcmp(kind, "change")) {
		sbuf_addstr(out, "CHANGED");
		if (link >= 0)
			sbuf_addf(out, " (suspected; confirmed %s by #%lld)", ln, link);
		else if (sget(ev, "confirmed_night"))
			sbuf_addstr(out, " (confirmed)");
		else if (json_is_true(json_object_get(ev, "accepted")))
			sbuf_addstr(out, " (suspected; accepted before a night confirmed it)");
	} else if (!strcmp(kind, "confirmation")) {
		sbuf_addstr(out, "CONFIRMED the change");
		if (link >= 0)
			sbuf_addf(out, " suspected %s (#%lld), counted there", ln, link);
	} else if (!strcmp(kind, "pending")) {
		sbuf_addstr(out, "SUSPECTED change, pending (not yet confirmed or retracted)");
	} else if (!strcmp(kind, "suspicion_retracted")) {
		sbuf_addstr(out, "SUSPECTED, RETRACTED");
		if (link >= 0)
			sbuf_addf(out, " %s by #%lld", ln, link);
		sbuf_addstr(out, ": not a change");
	} else if (!strcmp(kind, "replaced")) {
		sbuf_addf(out, "REPLACED by #%lld, a later run of the night (--force): not counted",
			  link);
	} else if (!strcmp(kind, "retraction")) {
		sbuf_addstr(out, "RETRACTED the suspicion");
		if (link >= 0)
			sbuf_addf(out, " of %s (#%lld)", ln, link);
	} else {
		sbuf_addstr(out, "RETURNED to an earlier behaviour");
	}
}

/* " (report PATH)" after a run's line, with what is wrong with the file when it is missing
 * or altered (pr); a replaced run's file holds the later run's report, so it is named as that,
 * with the SHA-256 of the report this run registered. */
static void report_words(struct sbuf *out, const json_t *e, const json_t *ev, const json_t *pr)
{
	const char *kind = sget(ev, "event"), *report = sget(e, "report");

	if (kind && !strcmp(kind, "replaced")) {
		sbuf_addf(out,
			  " (its report file %s now holds #%lld's report; this run's was "
			  "SHA-256 %s)\n",
			  report ? report : "-",
			  (long long)json_integer_value(json_object_get(ev, "link")),
			  sget(e, "report_sha256") ? sget(e, "report_sha256") : "-");
		return;
	}
	if (pr) /* the file checked (--reports DIR), not the path the entry recorded */
		sbuf_addf(out, " (report %s: %s)\n",
			  sget(pr, "file") ? sget(pr, "file")
			  : report	   ? report
					   : "-",
			  sget(pr, "label"));
	else
		sbuf_addf(out, " (report %s)\n", report ? report : "-");
}

/* How many of s's vendor/model's runs have a report file missing or altered. */
static size_t bad_reports(const struct render_register_proof *proof, const json_t *entries,
			  const struct reg_summary *s)
{
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(entries, i, e)
	{
		const char *v = sget(e, "vendor"), *m = sget(e, "model");

		if (v && m && !strcmp(v, s->vendor) && !strcmp(m, s->model) &&
		    render_report_problem(proof, e))
			n++;
	}
	return n;
}

void render_register_show(const json_t *entries, const struct render_register_proof *proof,
			  time_t now, struct sbuf *out)
{
	struct reg_summary *s = NULL;
	json_t *order, *events;
	size_t n = 0, i;
	const json_t *e;
	char d[11], name[160], avail[16], lat[24];
	int any = 0;
	size_t bad;

	register_summarise(entries, now, &s, &n);
	if (!n) {
		sbuf_addstr(out, "the register is empty\n");
		return;
	}
	sbuf_addf(out, "%-36s %-14s %-11s %4s %4s %7s %10s %5s\n", "vendor/model", "epoch",
		  "last change", "30d", "90d", "avail", "p50 ms", "runs");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/%s", s[i].vendor, s[i].model);
		date_only(s[i].last_change, d);
		if (s[i].availability >= 0)
			snprintf(avail, sizeof(avail), "%.1f%%", 100 * s[i].availability);
		else
			snprintf(avail, sizeof(avail), "-");
		if (s[i].latency_p50_ms >= 0)
			snprintf(lat, sizeof(lat), "%.0f", s[i].latency_p50_ms);
		else
			snprintf(lat, sizeof(lat), "-");
		sbuf_addf(out, "%-36s %-14s %-11s %4d %4d %7s %10s %5zu", name,
			  s[i].epoch ? s[i].epoch : "-", d, s[i].changes_30d, s[i].changes_90d,
			  avail, lat, s[i].runs);
		/* runs are the nights' runs that stand; a night run again is one run */
		if (s[i].replaced)
			sbuf_addf(out, " (+%zu replaced, not counted)", s[i].replaced);
		bad = bad_reports(proof, entries, &s[i]);
		if (bad)
			sbuf_addf(out, " (%zu report%s missing or altered)", bad,
				  bad == 1 ? "" : "s");
		sbuf_addch(out, '\n');
	}
	/* stability over the nights observed, never to today */
	sbuf_addstr(out, "\nstability:\n");
	for (i = 0; i < n; i++) {
		sbuf_addf(out, "  %s/%s: ", s[i].vendor, s[i].model);
		render_register_stability(&s[i], 1, out);
		sbuf_addch(out, '\n');
	}
	/* changes and decisions in the order of the nights they are about (a backfilled night
	 * among its neighbours), then in register order */
	order = register_by_night(entries);
	events = register_events(entries);
	json_array_foreach(order, i, e)
	{
		const char *type = sget(e, "type"), *ev;
		json_int_t seq = json_integer_value(json_object_get(e, "seq"));
		char night[11];
		struct sbuf what;

		if (!type)
			continue;
		register_entry_night(e, night);
		ev = register_event_kind(events, e);
		if (!strcmp(type, "run") && ev) {
			if (!any++)
				sbuf_addstr(out, "\nchanges and decisions:\n");
			date_only(night, d);
			sbuf_init(&what);
			event_words(&what, register_event(events, e));
			sbuf_addf(out, "  #%-4lld %s  %s/%s %s: %s%s%s", (long long)seq, d,
				  sget(e, "vendor"), sget(e, "model"),
				  sget(e, "suite") ? sget(e, "suite") : "", what.buf,
				  sget(e, "summary") ? ": " : "",
				  sget(e, "summary") ? sget(e, "summary") : "");
			report_words(out, e, register_event(events, e),
				     render_report_problem(proof, e));
			sbuf_release(&what);
		} else if (!strcmp(type, "key_rotation")) {
			if (!any++)
				sbuf_addstr(out, "\nchanges and decisions:\n");
			date_only(night, d);
			sbuf_addf(out,
				  "  #%-4lld %s  KEY ROTATION: the register is signed by key %s "
				  "from here on, no longer by %s; rotated ",
				  (long long)seq, d, sget(e, "new_key") ? sget(e, "new_key") : "?",
				  sget(e, "old_key") ? sget(e, "old_key") : "?");
			render_decision_date(e, out);
			if (sget(e, "reason"))
				sbuf_addf(out, ": \"%s\"", sget(e, "reason"));
			sbuf_addch(out, '\n');
		} else if (!strcmp(type, "decision")) {
			const json_t *acc = json_object_get(e, "accepts_seq");
			long long first =
				json_is_integer(acc)
					? register_event_first(events, json_integer_value(acc))
					: -1;

			if (!any++)
				sbuf_addstr(out, "\nchanges and decisions:\n");
			date_only(night, d);
			sbuf_addf(out, "  #%-4lld %s  %s/%s %s: DECISION %s by %s, decided ",
				  (long long)seq, d, sget(e, "vendor"), sget(e, "model"),
				  sget(e, "suite") ? sget(e, "suite") : "",
				  sget(e, "action") ? sget(e, "action") : "?",
				  sget(e, "by") ? sget(e, "by") : "?");
			render_decision_date(e, out);
			sbuf_addf(out, ": \"%s\"", sget(e, "reason") ? sget(e, "reason") : "");
			if (json_is_integer(acc))
				sbuf_addf(out, " (accepts run #%lld",
					  (long long)json_integer_value(acc));
			if (sget(e, "epoch"))
				sbuf_addf(out, "%sepoch %s", json_is_integer(acc) ? ", " : " (",
					  sget(e, "epoch"));
			/* accepting a confirmation (or retraction) accepts its first night's */
			if (first >= 0 && first != json_integer_value(acc)) {
				char key[32];
				const json_t *fe;

				snprintf(key, sizeof(key), "%lld", first);
				fe = json_object_get(events, key);
				sbuf_addf(out, ": the %s of %s, #%lld",
					  !strcmp(sget(fe, "event"), "change") ? "change"
									       : "suspicion",
					  sget(fe, "night"), first);
			}
			if (json_is_integer(acc) || sget(e, "epoch"))
				sbuf_addch(out, ')');
			sbuf_addch(out, '\n');
		}
	}
	json_decref(order);
	json_decref(events);
	register_summaries_free(s, n);
}
