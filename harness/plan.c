/* plan.c: expanding config + suites into the groups of requests a run sends, their hash, and
 * finding an item's group. */
#include "plan.h"
#include "hex.h"
#include "probe.h"
#include "sbuf.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 of "mode=M\n", "night=YYYY-MM-DD\n" when the plan has a night, then one
 * "vendor/model/suite/prompt/sample\n" line per item, in plan order: journals name and check
 * resumes by this text, so it must never change. Fed line by line, so hashing needs no memory in
 * proportion to the plan. */
static void hash_plan(struct plan *p)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct sbuf sb;
	size_t g;
	int i, ok;

	sbuf_init(&sb);
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	sbuf_addf(&sb, "mode=%d\n", (int)p->mode);
	if (p->night[0])
		sbuf_addf(&sb, "night=%s\n", p->night);
	ok = ok && EVP_DigestUpdate(ctx, sb.buf, sb.len) == 1;
	for (g = 0; ok && g < p->n_groups; g++) {
		const struct plan_group *gr = &p->groups[g];

		for (i = 0; ok && i < gr->n; i++) {
			sbuf_reset(&sb);
			sbuf_addf(&sb, "%s/%s/%s/%s/%d\n", gr->vendor->id, gr->vendor->model,
				  gr->suite->id, gr->prompt->id, i);
			ok = EVP_DigestUpdate(ctx, sb.buf, sb.len) == 1;
		}
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	sbuf_release(&sb);
	if (!ok)
		abort(); /* out of memory, as everywhere */
	hex_encode(md, mdlen, p->hash);
}

/* Refuses, before anything is sent, a prompt that a vendor's probe cannot send (anthropic and
 * logprobs, bedrock and a seed, ...): every request of it would fail unsent. */
static int check_sendable(const struct plan *p, struct pl_err *err)
{
	size_t v, s, q;

	for (v = 0; v < p->n_vendors; v++) {
		const struct vendor *vd = p->vendors[v];
		const struct probe_ops *ops = probe_find(vd->probe);
		struct probe_target t = { 0 };

		if (!ops)
			continue; /* config_load refuses it; a config built in code may not */
		t.base_url = vd->base_url;
		t.model = vd->model;
		t.api_version = vd->api_version;
		t.region = vd->region;
		t.api = vd->api;
		for (s = 0; s < p->n_suites; s++)
			for (q = 0; q < p->suites[s]->n_prompts; q++) {
				const struct prompt *pr = &p->suites[s]->prompts[q];
				struct probe_prompt pp = { 0 };
				struct pl_err e = PL_ERR_INIT;
				char where[512];

				pp.temperature = pr->temperature;
				pp.max_tokens = pr->max_tokens;
				pp.has_seed = pr->has_seed;
				pp.seed = pr->seed;
				pp.logprobs = pr->logprobs;
				pp.top_logprobs = pr->top_logprobs;
				pp.schema = pr->response_schema;
				pp.stream = vd->stream;
				pp.tools = pr->tools;
				pp.tool_choice = pr->tool_choice;
				if (probe_check_prompt(ops, &t, &pp, &e) == 0)
					continue;
				return pl_err_set(
					err, PL_E_INPUT,
					suite_where(p->suites[s], pr, e.where[0] ? e.where : NULL,
						    where, sizeof(where)),
					"vendor \"%s\" (probe %s) cannot send prompt \"%s\": %s",
					vd->id, vd->probe, pr->id, e.msg);
			}
	}
	return 0;
}

int plan_build(struct plan *p, const struct config *c, const char *const *vendor_ids,
	       size_t n_vendor_ids, const struct suite *const *suites, size_t n_suites,
	       enum plan_mode mode, struct pl_err *err)
{
	size_t v, s, q, n_prompts = 0, g = 0, k = 0;

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->suites = suites;
	p->n_suites = n_suites;
	if (n_vendor_ids == 0) {
		/* the judge's entry grades answers: it is sent the suites only when named (or when
		 * it is the config's one vendor) */
		p->vendors = xcalloc(c->n_vendors ? c->n_vendors : 1, sizeof(*p->vendors));
		for (v = 0; v < c->n_vendors; v++)
			if (c->n_vendors == 1 || !c->judge_vendor ||
			    strcmp(c->vendors[v].id, c->judge_vendor))
				p->vendors[p->n_vendors++] = &c->vendors[v];
	} else {
		p->vendors = xcalloc(n_vendor_ids, sizeof(*p->vendors));
		for (v = 0; v < n_vendor_ids; v++) {
			const struct vendor *vd = config_vendor(c, vendor_ids[v]);

			if (!vd) {
				plan_release(p);
				return pl_err_set(err, PL_E_USAGE, c->path,
						  "no vendor with id \"%s\" in the config",
						  vendor_ids[v]);
			}
			for (s = 0; s < p->n_vendors; s++)
				if (p->vendors[s] == vd)
					break;
			if (s == p->n_vendors)
				p->vendors[p->n_vendors++] = vd;
		}
	}
	for (s = 0; s < n_suites; s++)
		n_prompts += suites[s]->n_prompts;
	p->n_groups = n_prompts * p->n_vendors;
	p->groups = xcalloc(p->n_groups ? p->n_groups : 1, sizeof(*p->groups));
	for (v = 0; v < p->n_vendors; v++)
		for (s = 0; s < n_suites; s++)
			for (q = 0; q < suites[s]->n_prompts; q++) {
				const struct prompt *pr = &suites[s]->prompts[q];
				int n = mode == PLAN_BASELINE ? pr->baseline_samples : pr->samples;
				struct plan_group *gr = &p->groups[g++];

				gr->vendor = p->vendors[v];
				gr->suite = suites[s];
				gr->prompt = pr;
				gr->first = k;
				gr->n = n > 0 ? n : 0;
				k += (size_t)gr->n;
			}
	p->n_items = k;
	if (check_sendable(p, err) < 0) {
		plan_release(p);
		return -1;
	}
	hash_plan(p);
	return 0;
}

void plan_set_night(struct plan *p, const char *night)
{
	snprintf(p->night, sizeof(p->night), "%s", night ? night : "");
	hash_plan(p);
}

void plan_filter(struct plan *p, int (*keep)(void *ctx, const struct plan_group *g), void *ctx)
{
	size_t g, k = 0;

	for (g = 0; g < p->n_groups; g++) {
		struct plan_group *gr = &p->groups[g];

		if (!keep(ctx, gr))
			gr->n = 0;
		gr->first = k;
		k += (size_t)gr->n;
	}
	p->n_items = k;
	hash_plan(p);
}

void plan_release(struct plan *p)
{
	if (!p)
		return;
	free(p->groups);
	free(p->vendors);
	memset(p, 0, sizeof(*p));
}

size_t plan_group_of(const struct plan *p, size_t item)
{
	size_t lo = 0, hi = p->n_groups, mid;

	if (item >= p->n_items)
		return p->n_groups;
	/* The last group starting at or before item: groups tile the items, so it holds item
	 * (an empty group shares its first with the next one, which comes after it). */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (p->groups[mid].first <= item)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void plan_item(const struct plan *p, size_t i, struct plan_item *out)
{
	size_t g = plan_group_of(p, i);
	const struct plan_group *gr;

	if (g >= p->n_groups) {
		memset(out, 0, sizeof(*out));
		out->sample = -1;
		return;
	}
	gr = &p->groups[g];
	out->vendor = gr->vendor;
	out->suite = gr->suite;
	out->prompt = gr->prompt;
	out->sample = (int)(i - gr->first);
}

int plan_check_max_cost(const struct plan *p, double max_cost, const char *what, struct pl_err *err)
{
	size_t i;

	for (i = 0; i < p->n_vendors; i++)
		if (config_vendor_cost_check(p->vendors[i], max_cost, what, err) < 0)
			return -1;
	return 0;
}
