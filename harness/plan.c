/* plan.c: expanding config + suites into the list of requests a run sends. */
#include "plan.h"
#include "hex.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hash_plan(struct plan *p)
{
	struct sbuf sb;
	size_t k;

	sbuf_init(&sb);
	sbuf_addf(&sb, "mode=%d\n", (int)p->mode);
	for (k = 0; k < p->n_items; k++) {
		const struct plan_item *it = &p->items[k];

		sbuf_addf(&sb, "%s/%s/%s/%s/%d\n", it->vendor->id, it->vendor->model, it->suite->id,
			  it->prompt->id, it->sample);
	}
	if (hex_sha256(sb.buf, sb.len, p->hash) < 0)
		abort(); /* out of memory, as everywhere */
	sbuf_release(&sb);
}

int plan_build(struct plan *p, const struct config *c, const char *const *vendor_ids,
	       size_t n_vendor_ids, const struct suite *const *suites, size_t n_suites,
	       enum plan_mode mode, struct pl_err *err)
{
	size_t v, s, q, total = 0, k = 0;
	int i;

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->suites = suites;
	p->n_suites = n_suites;
	if (n_vendor_ids == 0) {
		p->n_vendors = c->n_vendors;
		p->vendors = xcalloc(c->n_vendors, sizeof(*p->vendors));
		for (v = 0; v < c->n_vendors; v++)
			p->vendors[v] = &c->vendors[v];
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
		for (q = 0; q < suites[s]->n_prompts; q++) {
			const struct prompt *pr = &suites[s]->prompts[q];

			total += (size_t)(mode == PLAN_BASELINE ? pr->baseline_samples
								: pr->samples);
		}
	total *= p->n_vendors;
	p->items = xcalloc(total ? total : 1, sizeof(*p->items));
	for (v = 0; v < p->n_vendors; v++)
		for (s = 0; s < n_suites; s++)
			for (q = 0; q < suites[s]->n_prompts; q++) {
				const struct prompt *pr = &suites[s]->prompts[q];
				int n = mode == PLAN_BASELINE ? pr->baseline_samples : pr->samples;

				for (i = 0; i < n; i++) {
					p->items[k].vendor = p->vendors[v];
					p->items[k].suite = suites[s];
					p->items[k].prompt = pr;
					p->items[k].sample = i;
					k++;
				}
			}
	p->n_items = k;
	hash_plan(p);
	return 0;
}

void plan_release(struct plan *p)
{
	if (!p)
		return;
	free(p->items);
	free(p->vendors);
	memset(p, 0, sizeof(*p));
}
