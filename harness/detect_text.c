/* detect_text.c: detection in plain words: what the suite can detect (the plan) and the
 * one-line summary of the night's verdict. */
#include "detect.h"
#include "detect_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void detect_plan_text(const struct detect_run *ev, const struct decision *d, size_t samples,
		      struct sbuf *sb)
{
	const struct detect_params *p = ev->p;

	if (d->cold) {
		sbuf_addf(sb,
			  "no usable history yet (%zu of %lld nights): tonight is judged by "
			  "the permutation test at alpha %g; a shift of at least %.3f in mean "
			  "distance beyond sampling noise (%.3f) is reported the same night",
			  d->lv.pooled, p->min_history, p->alpha, d->margin, d->lv.center);
		return;
	}
	/* caught with 95% probability when the shift clears the margin by 1.645 spreads */
	sbuf_addf(sb,
		  "a shift of %.3f in mean distance (total variation for short answers, MMD for "
		  "text) would be caught the same night with 95%% probability (%zu prompts x "
		  "%zu samples; %zu nights of history; usual %.3f, night-to-night spread %.3f)",
		  d->margin + 1.645 * d->spread, ev->active, samples, d->lv.pooled, d->lv.center,
		  d->spread);
	if (d->unstable)
		sbuf_addf(sb, "; more than the configured detectable shift %.3f: unstable",
			  p->detectable);
}

/* "A of N prompts answered[ (M asked tonight)][, J with enough samples to judge the
 * distance]": N counts the baseline's prompts. */
static void answered_text(const struct detect_run *ev, struct sbuf *sb)
{
	sbuf_addf(sb, "%zu of %zu prompts answered", ev->answered, ev->n_w);
	if (ev->asked < ev->n_w)
		sbuf_addf(sb, " (%zu asked tonight)", ev->asked);
	if (ev->active < ev->answered)
		sbuf_addf(sb, ", %zu with enough samples to judge the distance", ev->active);
}

/* Cuts sb to at most max bytes at a space (or at a UTF-8 boundary when there is none near),
 * ending it with "...". */
static void cut_words(struct sbuf *sb, size_t max)
{
	size_t n = max > 3 ? max - 3 : 0, k;

	if (sb->len <= max)
		return;
	k = n;
	while (k > n / 2 && sb->buf[k] != ' ')
		k--;
	if (k > n / 2)
		n = k;
	while (n > 0 && ((unsigned char)sb->buf[n] & 0xC0) == 0x80)
		n--;
	while (n > 0 && strchr(" ,;:", sb->buf[n - 1]))
		n--;
	sbuf_setlen(sb, n);
	sbuf_addstr(sb, "...");
}

/* The summary line into buf (len bytes): head, then "; moved prompts: A B (+N more)" with as
 * many ids as fit (at most 5), then tail, which always survives whole (the stage and what to
 * expect of tomorrow); a head too long is cut at a word with "...". */
static void fit_line(struct sbuf *head, const json_t *moved, const struct sbuf *tail, char *buf,
		     size_t len)
{
	static const char label[] = "; moved prompts:";
	size_t n_moved = json_array_size(moved), room, i, shown = 0, reserve;
	struct sbuf ids = SBUF_INIT;

	room = len > tail->len + 1 ? len - 1 - tail->len : 0;
	/* keep room for the label, one id and the count of the others */
	reserve = n_moved ? sizeof(label) + 16 + 12 : 0;
	if (head->len + reserve > room)
		cut_words(head, room > reserve ? room - reserve : room / 2);
	for (i = 0; i < n_moved; i++) {
		const char *id = json_string_value(json_array_get(moved, i));
		size_t more = i + 1 < n_moved ? 14 : 0; /* " (+NNN more)" */

		if (i == 5 || head->len + sizeof(label) + ids.len + 1 + strlen(id) + more > room)
			break;
		sbuf_addf(&ids, " %s", id);
		shown++;
	}
	if (n_moved) {
		sbuf_addstr(head, label);
		sbuf_addstr(head, ids.buf);
		if (shown < n_moved)
			sbuf_addf(head, " (+%zu more)", n_moved - shown);
	}
	snprintf(buf, len, "%s%s", head->buf, tail->buf);
	sbuf_release(&ids);
}

void detect_summary_text(const struct detect_run *ev, const struct decision *d,
			 enum detect_verdict v, char *buf, size_t len)
{
	struct sbuf sb, tail;
	const json_t *moved = NULL;
	size_t i;

	sbuf_init(&sb);
	sbuf_init(&tail);
	if (v == DETECT_INSUFFICIENT) {
		sbuf_addstr(&sb, "insufficient answers: ");
		answered_text(ev, &sb);
	} else if (v == DETECT_CHANGED) {
		const char *sep = "";

		sbuf_addstr(&sb, "changed:");
		if (d->hard) {
			size_t toks = 0;
			json_t *c;

			json_array_foreach(ev->hard_changes, i, c)
			{
				const char *sig = json_string_value(json_object_get(c, "signal"));

				if (!strncmp(sig, "prompt_tokens:", 14)) {
					toks++;
					continue;
				}
				sbuf_addf(&sb, "%s %s", sep, sig);
				sep = ",";
			}
			if (toks) {
				sbuf_addf(&sb, "%s prompt token counts (%zu prompts)", sep, toks);
				sep = ",";
			}
		}
		if (d->stat_change && d->suite_above) {
			sbuf_addf(&sb, "%s mean distance %.4f (usual %.4f, margin %.4f)", sep,
				  ev->suite.obs, d->lv.center, d->margin);
			sep = ",";
		}
		if (d->stat_change && d->confirming && d->prompts_over < ev->p->prompt_min) {
			sbuf_addf(&sb,
				  "%s %d prompt%s the suspicion named still beyond %s own "
				  "night-to-night variation",
				  sep, d->confirming, d->confirming == 1 ? "" : "s",
				  d->confirming == 1 ? "its" : "their");
			sep = ",";
		} else if (d->stat_change && d->watching) {
			sbuf_addf(&sb,
				  "%s %d of the %d prompts watched last night beyond their own "
				  "night-to-night variation (tested alone)",
				  sep, d->watching, d->watch_of);
			sep = ",";
		} else if (d->stat_change && d->prompts_over >= ev->p->prompt_min) {
			sbuf_addf(&sb, "%s %d prompt%s beyond %s own night-to-night variation", sep,
				  d->prompts_over, d->prompts_over == 1 ? "" : "s",
				  d->prompts_over == 1 ? "its" : "their");
			sep = ",";
		}
		if (d->stat_change && d->novel_alone && d->prompts_over < ev->p->prompt_min) {
			for (i = 0; i < ev->n_w; i++) {
				const struct slot *sl = &ev->w[i];

				if (!detect_alone_evidence(ev, i, "novel"))
					continue;
				sbuf_addf(&sb, "%s %s: %zu of %zu answers never given before", sep,
					  sl->id, sl->nov.k, sl->nov.n);
				sep = ",";
			}
		}
		if (d->stat_change && d->mix_alone && !d->novel_alone && !d->confirming &&
		    !d->watching && d->prompts_over < ev->p->prompt_min) {
			for (i = 0; i < ev->n_w; i++) {
				const struct slot *sl = &ev->w[i];
				const struct evidence *e = detect_alone_evidence(ev, i, "mix");

				if (!e)
					continue;
				sbuf_addf(
					&sb,
					"%s %s: its answers' mix %.2f from its usual answers (total "
					"variation), where sampling gives p = %.2g",
					sep, sl->id, sl->stat, e->p);
				sep = ",";
			}
		}
		if (d->stat_change && d->rate_change) {
			const char *k;
			json_t *r;

			json_object_foreach(d->rates, k, r)
			{
				const char *w = json_string_value(json_object_get(r, "words"));

				if (!json_is_true(json_object_get(r, "changed")))
					continue;
				if (w) /* per-prompt rates: "p03: refusals 0% -> 12%" */
					sbuf_addf(&sb, "%s %s", sep, w);
				else
					sbuf_addf(&sb, "%s %s rate %.3f", sep, k,
						  json_number_value(json_object_get(r, "night")));
				sep = ",";
			}
		}
		if (d->stat_change && d->lp_change) {
			sbuf_addf(&sb, "%s logprob distance %.4f", sep, ev->lp_stat);
			sep = ",";
		}
		if (d->drift) {
			json_t *s;

			json_array_foreach(d->drifted, i, s)
			{
				sbuf_addf(&sb, "%s slow drift in %s", sep, json_string_value(s));
				sep = ",";
			}
		}
		/* the moved prompts go between the head and the stage clause, as many as the line
		 * holds (fit_line) */
		moved = d->moved;
		if (!ev->enough) {
			sbuf_addstr(&tail, "; distance not judged: ");
			answered_text(ev, &tail);
		}
		if (d->stage == DETECT_STAGE_CONFIRMED)
			sbuf_addf(&tail, "; confirmed: new epoch %s (since %s)", d->epoch,
				  d->since);
		else
			sbuf_addf(&tail, "; suspected: epoch %s unless tomorrow retracts it",
				  d->epoch);
		if (d->resuspected)
			sbuf_addf(&tail,
				  " (in place of the change suspected on %s: these rates moved "
				  "since)",
				  ev->suspect_night);
	} else if (v == DETECT_UNSTABLE && d->wandered) {
		char pb[16];

		sbuf_addf(&sb,
			  "retracted: the change suspected on %s did not hold: on the %zu prompts "
			  "that moved, tonight's answers differ from that night's (mean distance "
			  "%.4f, p %s) about as much as from the baseline's (%.4f); unstable "
			  "endpoint: its answers wander from night to night",
			  ev->suspect_night, d->w_n, d->w_s, stats_format_p(d->w_p, pb, sizeof(pb)),
			  d->w_b);
		if (!d->unstable_onset)
			sbuf_addf(&sb, "; unstable since %s (reported then)", d->unstable_since);
	} else if (v == DETECT_UNSTABLE) {
		if (d->stage == DETECT_STAGE_RETRACTED)
			sbuf_addf(&sb, "retracted: the change suspected on %s did not hold; ",
				  ev->suspect_night);
		sbuf_addf(&sb,
			  "unstable endpoint: its prompts vary from night to night %.1f times as "
			  "much as sampling explains (median); night-to-night spread %.4f of mean "
			  "distance; a change below %.4f cannot be told from noise",
			  sqrt(ev->overdispersion), d->spread, d->margin);
		if (!d->unstable_onset)
			sbuf_addf(&sb, "; unstable since %s (reported then)", d->unstable_since);
	} else {
		if (d->stage == DETECT_STAGE_RETRACTED)
			sbuf_addf(&sb, "retracted: the change suspected on %s did not hold; ",
				  ev->suspect_night);
		if (d->returned)
			sbuf_addf(&sb, "back at known state %s (since %s); ", d->epoch, d->since);
		sbuf_addf(&sb, "no change: mean distance %.4f (usual %.4f, margin %.4f)",
			  ev->suite.obs, d->lv.center, d->margin);
		if (d->consecutive && !d->returned)
			sbuf_addf(&sb, "; above the margin %d of %lld nights needed",
				  d->consecutive, ev->p->persistence);
		/* per-prompt rates at the fdr level, not at alpha: worth watching, no alarm (not
		 * the "suspected" stage, which is an alarm) */
		if (d->rate_suspected) {
			const char *k, *sep = "; watch (below the alarm level):";
			json_t *r;

			json_object_foreach(d->rates, k, r)
			{
				const char *w = json_string_value(json_object_get(r, "words"));

				if (w && json_is_true(json_object_get(r, "suspected"))) {
					sbuf_addf(&sb, "%s %s", sep, w);
					sep = ",";
				}
			}
		}
	}
	if (v != DETECT_INSUFFICIENT && json_array_size(d->lat_drifted)) {
		const char *sep = "; latency drifting (reported, not an alarm):";
		json_t *s;

		json_array_foreach(d->lat_drifted, i, s)
		{
			const char *series = json_string_value(json_object_get(s, "series"));

			sbuf_addf(&tail, "%s %s %.0f ms (usual %.0f ms)", sep,
				  !strcmp(series, "latency_p95") ? "p95" : "p50",
				  json_number_value(json_object_get(s, "night")),
				  json_number_value(json_object_get(s, "usual")));
			sep = ",";
		}
	}
	if (d->multi_state && json_array_size(d->states) > 1) {
		json_t *s;

		sbuf_addstr(&tail, "; multi-state endpoint, known states:");
		json_array_foreach(d->states, i, s)
			sbuf_addf(&tail, "%s %s", i ? "," : "", json_string_value(s));
	}
	fit_line(&sb, moved, &tail, buf, len);
	sbuf_release(&sb);
	sbuf_release(&tail);
}
