/* embed.h: the embeddings client (the I/O step of embedding_similarity): sends answers to the
 * config's "embeddings" endpoint through its vendor's probe (build_embed / parse_embed) over
 * the one HTTP module, in batches of the size the vendor documents, with retries (full jitter
 * backoff that honours Retry-After, up to 5 s a wait and 20 s of waiting a batch: the nightly
 * run embeds between turns of its event loop, holding the judged vendors' transfers meanwhile)
 * and the vendor's rpm, and keeps every vector in a cache
 * keyed by the text's SHA-256, so a text is embedded once per run. It also reads and writes a
 * baseline's stored embeddings ("<baseline>.embeddings.json" next to "<baseline>.json").
 *
 * Its faults are the embeddings endpoint's, never the judged vendor's: they reach no journal,
 * no sampleset and no availability figure; a prompt whose answers could not be embedded has
 * its embedding checks skipped with the reason. Requests, tokens and cost are counted in
 * struct embed_stats (the report's "embeddings" section) and stop at the run's budgets. */
#ifndef PL_EMBED_H
#define PL_EMBED_H

#include "config.h"
#include "err.h"

#define EMBED_STORE_FORMAT "plumbline-embeddings/1"

struct embedder;

struct embed_stats {
	size_t requests; /* HTTP requests sent (retries included) */
	size_t texts;	 /* texts embedded by a request */
	size_t cached;	 /* texts not sent: cached (stored baseline, earlier answers) or repeated */
	size_t faults;	 /* requests that ended in a fault (retried or not) */
	long tokens;	 /* billed tokens, where the vendor says; else estimated (bytes / 4) */
	double cost;	 /* from the embeddings vendor's input price */
};

/* Limits on the embedder's own requests, tokens and cost; 0 = none. */
struct embed_budget {
	long max_requests, max_tokens;
	double max_cost;
};

/* Returns a new embedder for cfg's "embeddings" (cfg->embed_vendor must be set), with the
 * vendor's key read (config_load_secrets). A cost budget with an unpriced embeddings vendor is
 * PL_E_USAGE (config_vendor_cost_check). NULL with err set. cfg is borrowed for the
 * embedder's life. */
struct embedder *embedder_new(struct config *cfg, const struct embed_budget *b, struct pl_err *err);
void embedder_free(struct embedder *e); /* NULL-safe */

/* The vectors of texts[0..n) into rows[0..n) (borrowed from e, valid until embedder_free; a
 * row is NULL for an empty text). Texts already cached cost nothing. Returns 0, or -1 with err
 * set (PL_E_VENDOR: the endpoint failed after its retries, or a budget was reached) and the
 * rows that could be filled filled. After an auth fault every later call fails at once. */
int embedder_embed(struct embedder *e, const char *const *texts, size_t n, const float **rows,
		   struct pl_err *err);
/* The cached vector of text, or NULL. */
const float *embedder_lookup(const struct embedder *e, const char *text);
size_t embedder_dim(const struct embedder *e); /* 0 until the first vector */
const struct embed_stats *embedder_stats(const struct embedder *e);
/* {"vendor", "model", "dim", "requests", "texts", "cached", "faults", "tokens", "cost"}: the
 * report's "embeddings" section. A new reference. */
json_t *embedder_report(const struct embedder *e);

/* "<dir>/<vendor>/<model>/<suite>.embeddings.json" from a baseline path "....json". */
const char *embed_store_path(const char *baseline_path, char *buf, size_t len);
/* Reads the stored embeddings at path into e's cache when they were made with e's vendor and
 * model (else, or when there is no file, reads nothing). Returns the number of vectors read
 * (*stale = 1 when a file of another model was ignored), or -1 with err set (a malformed file:
 * PL_E_INPUT naming it). */
long embed_store_load(struct embedder *e, const char *path, int *stale, struct pl_err *err);
/* Writes path atomically: e's vendor, model and dim, and per prompt id the vectors of its
 * texts (ids[i] and texts[i] pairs, n of them; texts without a vector are left out), sorted
 * by prompt id and text hash, floats with 9 significant digits. Returns 0 or -1 with err. */
int embed_store_write(const struct embedder *e, const char *path, const char *const *ids,
		      const char *const *texts, size_t n, struct pl_err *err);

/* The vectors of a baseline's answers, stored next to it: reads the store (embed_store_load),
 * embeds the answers it lacks of the suite's prompts that have an embedding_similarity check
 * (every prompt when all is set) and writes the store again when anything was missing or it
 * was made by another model. A failure of the endpoint is not an error: it is said in skip
 * (NUL-terminated, skip_len bytes; "" when none) and nothing is written. Returns 0, or -1 with
 * err set (an unreadable baseline or store, a failed write). */
struct baseline_reader;
struct suite;
int embed_baseline_store(struct embedder *e, struct baseline_reader *r, const char *baseline_path,
			 const struct suite *su, int all, char *skip, size_t skip_len,
			 struct pl_err *err);

#endif
