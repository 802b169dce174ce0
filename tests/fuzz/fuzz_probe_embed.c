/* fuzz_probe_embed.c: libFuzzer target for every probe's parse_embed. The first input byte
 * picks the probe (Bedrock twice: Titan and Cohere), the status and how many texts were
 * sent; the rest is the body. Every input must parse without a crash, leak or sanitizer
 * report, and the result must obey the contract: exactly n vectors of one dimension when there
 * is no fault, none (and a message) when there is. */
#include "probe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 200, 400, 401, 429, 500, 503 };
	static const struct {
		const struct probe_ops *ops;
		const char *model;
	} probes[] = {
		{ &probe_openai, "text-embedding-3-small" },
		{ &probe_azure_openai, "emb" },
		{ &probe_gemini, "text-embedding-004" },
		{ &probe_ollama, "all-minilm" },
		{ &probe_bedrock, "amazon.titan-embed-text-v2:0" },
		{ &probe_bedrock, "cohere.embed-english-v3" },
		{ &probe_openai, "text-embedding-3-small" },
		{ &probe_gemini, "text-embedding-004" },
	};
	struct probe_target t = { .base_url = "http://x", .region = "us-east-1" };
	struct probe_response r = { .latency_ms = 1, .ttfb_ms = 1 };
	struct probe_answer a;
	struct probe_vectors v;
	size_t n;
	char *body;
	uint8_t sel;

	if (!size)
		return 0;
	sel = data[0];
	t.model = probes[sel & 7].model;
	r.status = statuses[(sel >> 3) & 7];
	n = (size_t)(sel >> 6) + 1;
	/* A copy without a NUL terminator so ASan sees any read past the body. */
	body = malloc(size - 1 ? size - 1 : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	r.body = body;
	r.body_len = size - 1;
	probe_answer_init(&a);
	memset(&v, 0, sizeof(v));
	probes[sel & 7].ops->parse_embed(&t, n, &r, &a, &v);
	if (a.fault == PROBE_OK && (v.n != n || !v.v || !v.dim || v.dim > PROBE_EMBED_DIM_MAX))
		abort();
	if (a.fault != PROBE_OK && (v.n || v.v || (!a.error_message && !a.error_type)))
		abort();
	if (a.text)
		abort();
	probe_answer_release(&a);
	probe_vectors_release(&v);
	free(body);
	return 0;
}
