/* fuzz_probe.h: the shared libFuzzer driver for the probes' parse functions. The first input
 * byte picks the status, the content type and the prompt's stream / logprobs flags; the rest
 * is the body. Every input must parse without a crash, leak or sanitizer report, and the
 * answer must obey the contract (text set iff no fault; tool calls only on an answer). */
#ifndef PL_FUZZ_PROBE_H
#define PL_FUZZ_PROBE_H

#include "probe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_probe(const struct probe_ops *ops, const struct probe_target *t,
		       const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 200, 400, 401, 403, 404, 429,
					 200, 503, 529, 408, 424, 0,   500, 302 };
	static const char *const ctypes[] = { NULL, "application/json", "text/event-stream",
					      "application/x-ndjson",
					      "application/vnd.amazon.eventstream" };
	struct probe_header h[2] = { { (char *)"content-type", NULL },
				     { (char *)"retry-after", (char *)"2" } };
	struct probe_prompt p = { .temperature = -1 };
	struct probe_response r = { .latency_ms = 1, .ttfb_ms = 1 };
	struct probe_answer a;
	char *body;
	uint8_t sel;

	if (!size)
		return;
	sel = data[0];
	r.status = statuses[sel & 15];
	h[0].value = (char *)ctypes[(sel >> 4) % 5];
	r.headers = h[0].value ? h : h + 1;
	r.n_headers = h[0].value ? 2 : 1;
	p.stream = (sel >> 6) & 1;
	p.logprobs = sel >> 7;
	/* A copy without a NUL terminator so ASan sees any read past the body. */
	body = malloc(size - 1 ? size - 1 : 1);
	if (!body)
		return;
	memcpy(body, data + 1, size - 1);
	r.body = body;
	r.body_len = size - 1;
	probe_answer_init(&a);
	ops->parse(t, &p, &r, &a);
	if ((a.fault == PROBE_OK) != (a.text != NULL))
		abort();
	if (a.fault != PROBE_OK && !a.error_message && !a.error_type)
		abort();
	/* tool calls: none on a fault, else an array of {"name": string, "arguments"} */
	if (a.tool_calls && (a.fault != PROBE_OK || !json_is_array(a.tool_calls)))
		abort();
	{
		size_t i;
		json_t *c;

		json_array_foreach(a.tool_calls, i, c)
		{
			if (!json_is_string(json_object_get(c, "name")) ||
			    !json_object_get(c, "arguments"))
				abort();
		}
	}
	probe_answer_release(&a);
	free(body);
}

#endif
