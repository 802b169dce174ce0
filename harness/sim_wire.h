/* sim_wire.h: the simulator's wire formats (internal to sim.c and sim_wire_*.c). Each vendor
 * format is a const table of functions: it recognises its paths, checks credentials, turns a
 * request body into a normalised sim_req, and renders answers and errors the way that vendor
 * does. Wire functions do no I/O; sim.c owns the sockets, timing, faults and counting.
 *
 * Adding a format: write harness/sim_wire_<name>.c with `const struct sim_wire sim_wire_<name>`,
 * declare it below and add it to the table in sim.c (most specific paths first). */
#ifndef PL_SIM_WIRE_H
#define PL_SIM_WIRE_H

#include "sbuf.h"
#include "sim_model.h"

#include <jansson.h>

#define SIM_MAX_MSGS 64
#define SIM_MAX_HDRS 24

/* A request as the model sees it. Strings borrow from `body` (kept alive by sim.c) or from the
 * fixed buffers here. */
struct sim_req {
	const char *model;
	struct sim_msg msgs[SIM_MAX_MSGS];
	size_t n_msgs;
	double temperature; /* 1.0 when absent, as at the real vendors */
	int max_tokens;	    /* 0 = no limit */
	int has_seed;
	unsigned long long seed;
	int stream;
	int include_usage;    /* OpenAI stream_options.include_usage */
	int stream_array;     /* Gemini streamGenerateContent without alt=sse: one JSON array */
	char path_model[128]; /* model, deployment or model id taken from the URL */
	char *owned[SIM_MAX_MSGS]; /* joined content parts; freed by sim_req_release */
	size_t n_owned;
	/* The tools offered, [{"name", "parameters"}] (sim_req_add_tool); owned; NULL: none.
	 * tool_choice: "auto" (also when absent), "none", "required" or "tool" (tool_name). */
	json_t *tools;
	const char *tool_choice;
	char tool_name[72];
};

struct sim_hdr {
	char name[48];
	char value[192];
};

struct sim_reply {
	unsigned status;
	const char *content_type; /* static */
	struct sbuf body;
	struct sim_hdr hdrs[SIM_MAX_HDRS];
	size_t n_hdrs;
};

/* What the server knows about this request besides the answer. */
struct sim_meta {
	unsigned long long req_no; /* 1-based, over the server's life */
	char request_id[48];	   /* "req_<32 hex>", deterministic */
	long created;		   /* unix time, deterministic (depends on the night) */
	long limit_requests, remaining_requests, limit_tokens, remaining_tokens;
	long reset_requests_ms;
	int latency_ms;
};

/* Request accessors, so wire code stays free of libmicrohttpd. */
struct sim_http {
	const char *method;
	const char *url;				     /* path without the query */
	const char *(*header)(void *conn, const char *name); /* NULL when absent */
	const char *(*query)(void *conn, const char *name);  /* NULL when absent */
	void *conn;
};

struct sim_wire {
	const char *name;
	/* 1 if this format serves (method, path). MUST be set. */
	int (*match)(const char *method, const char *path);
	/* 0 if the credentials are acceptable; else fills r with the vendor's 401/403 and returns
	 * -1. key: the exact key demanded (--require-key) or NULL for "any non-empty". MUST be set.
	 */
	int (*auth)(const struct sim_http *h, const char *key, struct sim_reply *r);
	/* Fills rq from the URL and the parsed body (borrowed). On a bad request fills r with the
	 * vendor's 400 and returns -1. MUST be set. */
	int (*parse)(const struct sim_http *h, json_t *body, struct sim_req *rq,
		     struct sim_reply *r);
	/* Renders a successful answer (streamed when rq->stream). MUST be set. */
	void (*render)(const struct sim_req *rq, const struct sim_answer *a,
		       const struct sim_meta *m, struct sim_reply *r);
	/* Renders an error the way this vendor does. kind: "rate_limit", "server", "overloaded",
	 * "unavailable", "not_found", "bad_request", "auth", "too_large". MUST be set. */
	void (*error)(unsigned status, const char *kind, const char *msg, struct sim_reply *r);
	/* Adds this vendor's usual headers (versions, rate limits) to every reply. May be NULL. */
	void (*headers)(const struct sim_meta *m, struct sim_reply *r);
	/* Cuts a rendered stream in r after about half its events and appends this vendor's
	 * in-stream error event. MUST be set for formats that stream. */
	void (*stream_error)(struct sim_reply *r);
	/* Embeddings; both NULL for a vendor without an embeddings API. embed_match: 1 if
	 * (method, path) is this format's embeddings endpoint. embed: renders the vectors of the
	 * body's texts (sim_embed_vector), or the vendor's 400 for a body without texts. */
	int (*embed_match)(const char *method, const char *path);
	void (*embed)(const struct sim_http *h, json_t *body, struct sim_reply *r);
};

extern const struct sim_wire sim_wire_openai;
extern const struct sim_wire sim_wire_responses;
extern const struct sim_wire sim_wire_azure;
extern const struct sim_wire sim_wire_anthropic;
extern const struct sim_wire sim_wire_gemini;
extern const struct sim_wire sim_wire_ollama;
extern const struct sim_wire sim_wire_bedrock;

/* OpenAI's auth ("Authorization: Bearer"), error envelope and headers, shared with the
 * Responses API and used for unknown paths (sim_wire_openai.c). */
int sim_openai_auth(const struct sim_http *h, const char *key, struct sim_reply *r);
void sim_openai_error(unsigned status, const char *kind, const char *msg, struct sim_reply *r);
void sim_openai_headers(const struct sim_meta *m, struct sim_reply *r);
void sim_openai_stream_error(struct sim_reply *r);
/* Reads a chat completions body whose "messages" is a non-empty array: the messages, the
 * sampling fields (max_completion_tokens, else max_tokens) and stream_options.include_usage.
 * Returns 0, or -1 after replying 400 to a message without a role or usable content. */
int sim_openai_chat_body(json_t *body, struct sim_req *rq, struct sim_reply *r);

/* OpenAI's /embeddings reply for "input" (a string or an array of strings) with model; a 400
 * when input has no texts. Shared with Azure. */
void sim_openai_embed_reply(json_t *input, const char *model, struct sim_reply *r);

/* The simulator's embeddings: deterministic, SIM_EMBED_DIM floats, L2-normalised; word and
 * character-trigram features of the lower-cased text hashed into the dimensions with a sign,
 * so texts sharing words and spellings lie close (cosine near 1) and unrelated texts near 0.
 * An empty text is the first unit vector. Returns a new JSON array. */
#define SIM_EMBED_DIM 256
json_t *sim_embed_vector(const char *text);
/* The tokens an embeddings request is billed for: about four bytes a token, at least one. */
long sim_embed_tokens(const char *text);

/* Shared helpers (sim_wire.c). */
void sim_reply_init(struct sim_reply *r);
void sim_reply_release(struct sim_reply *r);
void sim_reply_header(struct sim_reply *r, const char *name, const char *fmt, ...) PL_PRINTF(3, 4);
/* Sets status, content type and a JSON body (stolen reference). */
void sim_reply_json(struct sim_reply *r, unsigned status, json_t *body);
/* Reads the common sampling fields: temperature, seed, stream; max_tokens from `max_key`. */
void sim_req_sampling(json_t *body, const char *max_key, struct sim_req *rq);
void sim_req_release(struct sim_req *rq); /* NULL-safe */
/* Appends one message; content may be a string or an array of parts with "text" members.
 * Returns -1 (and fills nothing) when content has no text at all. */
int sim_req_add_msg(struct sim_req *rq, const char *role, json_t *content);
/* Adds a tool offered by the request (name must be a string; params may be NULL). */
void sim_req_add_tool(struct sim_req *rq, const json_t *name, const json_t *params);
/* Sets the tool choice: choice one of "auto", "none", "required", "tool" (static); name
 * (may be NULL) the tool for "tool". */
void sim_req_tool_choice(struct sim_req *rq, const char *choice, const char *name);
/* Reads OpenAI-style tools[] ({"type":"function","function":{name, parameters}}, or with
 * flat the Responses API's {"type":"function", name, parameters}) and tool_choice ("auto",
 * "none", "required", {"type":"function","function":{"name"}} or {"type":"function","name"}). */
void sim_req_openai_tools(json_t *body, int flat, struct sim_req *rq);
/* The arguments of call i of a->tool_calls as compact JSON text (a new string). */
char *sim_call_args(const struct sim_answer *a, size_t i);
/* The name of call i (borrowed). */
const char *sim_call_name(const struct sim_answer *a, size_t i);
/* a->tool_calls as [{outer: {"name": N, args_key: the arguments object}}] (Gemini's
 * functionCall parts, Ollama's tool_calls). Returns a new reference. */
json_t *sim_calls_named(const struct sim_answer *a, const char *outer, const char *args_key);
/* Splits text into stream pieces of about one word each: calls fn for each piece. */
void sim_split_words(const char *text, void (*fn)(void *arg, const char *piece, size_t len),
		     void *arg);
/* Appends one SSE event ("event: NAME\n" when name is not NULL, then "data: JSON\n\n");
 * steals data. */
void sim_sse(struct sbuf *sb, const char *name, json_t *data);
/* Formats unix time t as "2025-06-15T00:00:00Z" (frac: add ".000000" microseconds). */
void sim_iso_time(long t, int frac, char *buf, size_t sz);
/* Checks a key taken from a header: missing/empty -> 1, wrong (key given) -> 2, fine -> 0. */
int sim_key_check(const char *got, const char *key);
/* Cuts sb after the last event separator `sep` ("\n\n" for SSE, "\n" for NDJSON) that lies
 * in its first half (keeps at least one event). */
void sim_cut_half(struct sbuf *sb, const char *sep);
/* Copies the URL segment after `prefix` up to `stop` (e.g. ':' or '/') into out. Returns 0 if the
 * prefix matched and the segment is non-empty. */
int sim_path_segment(const char *path, const char *prefix, char stop, char *out, size_t outsz);

#endif
