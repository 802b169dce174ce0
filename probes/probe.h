/* probe.h: the one interface every vendor adapter fills in.
 *
 * A probe translates. It turns a prompt into an HTTP request and an HTTP response into a
 * normalised answer. It does no I/O, keeps no state between calls and never links libcurl: the
 * runner (harness/http.c) owns the network. That keeps probes testable on recorded responses and
 * fuzzable.
 *
 * Ownership: everything a probe puts in a struct probe_request or struct probe_answer is heap
 * memory owned by that struct and released by probe_request_release / probe_answer_release. The
 * inputs (target, prompt, response) are borrowed for the duration of the call.
 *
 * Adding a new probe (CONTRIBUTING.md lists every file):
 *  1. probes/<name>.c defines `const struct probe_ops probe_<name> = { .name = "<name>", ... };`
 *     with designated initializers; build and parse MUST be set, the rest may be NULL. Set
 *     .flags (the vendor keys it reads too) and .temperature_max from the vendor's API
 *     reference; build calls probe_check_prompt first. Add it to the probes layer in
 *     CMakeLists.txt.
 *  2. Declare it below and add it to the registry in probes/probe.c.
 *  3. tests/unit/test_probe_<name>.c parses the vendor's real responses copied into
 *     tests/fixtures/vendors/<name>/ (with SOURCES) and checks the extracted fields;
 *     tests/fuzz/fuzz_probe_<name>.c fuzzes parse.
 *  4. The simulator learns the wire format: harness/sim_wire_<name>.c (declared in sim_wire.h,
 *     registered in the wires table of harness/sim.c, and in the sim layer of CMakeLists.txt).
 *  5. README.md's vendor table and harness/plumbline.1 name the new "probe" value.
 */
#ifndef PL_PROBE_H
#define PL_PROBE_H

#include "err.h"

#include <jansson.h>

struct sbuf;

/* Capability flags: what a probe's wire format supports. */
#define PROBE_F_SEED	 (1u << 0) /* honours a sampling seed */
#define PROBE_F_LOGPROBS (1u << 1) /* can return token logprobs */
#define PROBE_F_STREAM	 (1u << 2) /* can stream (probe_prompt.stream) */
#define PROBE_F_SCHEMA	 (1u << 3) /* can ask for structured output against a JSON Schema */
#define PROBE_F_SIGV4	 (1u << 4) /* the request must be signed with AWS SigV4 by the runner */
/* The vendor settings a probe reads: a vendor entry giving one its probe does not read is a
 * config error (config_load), not a setting silently ignored. */
#define PROBE_F_API_VERSION (1u << 5) /* reads probe_target.api_version */
#define PROBE_F_REGION	    (1u << 6) /* reads probe_target.region */

/* Where and what to ask: filled from the config's vendor entry. All borrowed. */
struct probe_target {
	const char *base_url;	 /* e.g. "https://api.openai.com/v1" (no trailing slash) */
	const char *model;	 /* the model (or Bedrock modelId, Azure deployment) */
	const char *api_key;	 /* the secret; may be NULL for keyless local servers */
	const char *api_version; /* Azure "api-version", Anthropic "anthropic-version"
				    (PROBE_F_API_VERSION); may be NULL */
	const char *region;	 /* Bedrock: AWS region (PROBE_F_REGION); may be NULL */
	const char *api; /* variant within a probe, e.g. "responses" for OpenAI; may be NULL */
};

struct probe_message {
	const char *role; /* "system", "user" or "assistant" */
	const char *content;
};

/* What to send: one prompt, one sample. All borrowed. */
struct probe_prompt {
	const struct probe_message *messages;
	size_t n_messages;
	double temperature; /* < 0: leave to the vendor's default */
	int max_tokens;	    /* <= 0: leave to the vendor's default */
	int has_seed;
	long long seed;
	int logprobs;	      /* ask for token logprobs (PROBE_F_LOGPROBS) */
	int top_logprobs;     /* 0..20 */
	const json_t *schema; /* ask for structured output (PROBE_F_SCHEMA); may be NULL */
	int stream;	      /* ask for a streamed answer (PROBE_F_STREAM) */
	/* Tools the model may call, in plumbline's neutral form: an array of {"name",
	 * "description" (may be absent), "parameters" (a JSON Schema object)}; NULL for none. */
	const json_t *tools;
	/* With tools: "auto", "none", "required" or {"name": N} (that tool); NULL = "auto". A
	 * probe whose wire cannot say a choice fails build with PL_E_INPUT naming it. */
	const json_t *tool_choice;
};

struct probe_header {
	char *name; /* lower case */
	char *value;
};

/* The HTTP request a probe builds. The runner sends it as is. */
struct probe_request {
	char *method; /* "POST" or "GET" */
	char *url;
	struct probe_header *headers; /* includes the credential header; never log them */
	size_t n_headers;
	char *body;
	size_t body_len;
	/* AWS SigV4 (PROBE_F_SIGV4): the scope "aws:amz:REGION:SERVICE" (libcurl's provider
	 * form) and the key pair "ACCESS_KEY_ID:SECRET_ACCESS_KEY"; NULL otherwise. Secret. The
	 * runner signs at send time with probe_sign_request (probes/sigv4.h), which adds the
	 * host, x-amz-date, x-amz-security-token and authorization headers. */
	char *sigv4_provider;
	char *sigv4_userpwd;
	/* AWS session token for SigV4 (signed and sent as x-amz-security-token); may be NULL. */
	char *sigv4_session_token;
};

/* The HTTP response as the runner received it. Borrowed by parse. */
struct probe_response {
	long status; /* HTTP status; 0 when no response arrived */
	const struct probe_header *headers;
	size_t n_headers;
	const char *body; /* whole body (for streams: every event, as received) */
	size_t body_len;
	double latency_ms; /* request sent -> last byte */
	double ttfb_ms;	   /* request sent -> first body byte; < 0 if unknown */
};

/* How a request failed. PROBE_OK means the answer is a real answer (which may be a refusal
 * or a block: those are behaviour, not faults). Every probe classifies the same way. */
enum probe_fault {
	PROBE_OK = 0,
	PROBE_FAULT_AUTH,	    /* 401/403: key missing, wrong, or not allowed */
	PROBE_FAULT_RATE_LIMIT,	    /* 429 / throttling; retry_after_ms when the vendor says */
	PROBE_FAULT_OVERLOADED,	    /* 529 overloaded, 503 "unavailable" */
	PROBE_FAULT_SERVER,	    /* other 5xx */
	PROBE_FAULT_TIMEOUT,	    /* set by the runner: no (complete) answer in time */
	PROBE_FAULT_NETWORK,	    /* set by the runner: connect/reset/TLS failure */
	PROBE_FAULT_MALFORMED,	    /* 2xx whose body lacks a required field or is not JSON */
	PROBE_FAULT_CONTENT_FILTER, /* the vendor's filter rejected the request (e.g. Azure 400) */
	PROBE_FAULT_REQUEST,	    /* other 4xx: bad request, unknown model */
	PROBE_FAULT_STREAM,	    /* a stream that stopped early or carried an error event */
};

/* True for faults worth retrying (rate limit, overloaded, server, timeout, network, stream). */
int probe_fault_retryable(enum probe_fault f);
const char *probe_fault_name(enum probe_fault f); /* "rate_limit", ... ("ok" for PROBE_OK) */

/* The normalised answer. Every probe fills the same fields; unknown wire fields are ignored. */
struct probe_answer {
	enum probe_fault fault;
	long status;
	long retry_after_ms; /* from Retry-After, retry-after-ms or a RetryInfo body; -1 if none */
	char *error_type;    /* vendor's error code/type, e.g. "rate_limit_error"; may be NULL */
	char *error_message; /* vendor's message (never contains the request); may be NULL */

	char *text;	     /* assembled answer text ("" when none); NULL only on a fault */
	int refused;	     /* the model refused (OpenAI refusal, Anthropic stop_reason refusal) */
	int blocked;	     /* the vendor's safety layer blocked it (Gemini blockReason, ...) */
	char *block_reason;  /* refusal text or block reason; may be NULL */
	char *finish_reason; /* vendor's own word: "stop", "length", "end_turn", "SAFETY", ... */
	char *model;	     /* returned model name / version */
	char *fingerprint;   /* system_fingerprint, modelVersion, ...; may be NULL */
	char *response_id;   /* may be NULL */
	long prompt_tokens;  /* -1 if unknown */
	long completion_tokens;
	long total_tokens;
	double latency_ms;
	double ttft_ms; /* time to first token when streamed; -1 otherwise */
	/* Kept response headers that identify versions or rate limits (openai-version,
	 * x-ratelimit-*, anthropic-ratelimit-*, request ids), lower-case names, sorted. */
	struct probe_header *headers;
	size_t n_headers;
	json_t *logprobs; /* owned reference; NULL unless asked for and returned */
	/* The tool calls of the answer, in answer order: an array of {"name": str, "arguments":
	 * object}; where the vendor's arguments text is not a JSON object, "arguments" is that
	 * text (a string) and "arguments_invalid": true. Owned reference; NULL when none. */
	json_t *tool_calls;
};

/* Embedding vectors a probe parsed: n rows of dim floats, row i for input text i. Owned;
 * released by probe_vectors_release. */
struct probe_vectors {
	float *v; /* n * dim */
	size_t n, dim;
};

struct probe_ops {
	const char *name; /* MUST be set: the config's "probe" value */
	unsigned flags;	  /* PROBE_F_* */
	/* MUST be set. Builds the request for one sample. Returns 0, or -1 with err set
	 * (PL_E_INPUT: the prompt asks for something this vendor cannot do). */
	int (*build)(const struct probe_target *t, const struct probe_prompt *p,
		     struct probe_request *out, struct pl_err *err);
	/* MUST be set. Parses a response (any status) into out, which the caller zeroed with
	 * probe_answer_init. Never fails: every problem becomes out->fault. */
	void (*parse)(const struct probe_target *t, const struct probe_prompt *p,
		      const struct probe_response *r, struct probe_answer *out);
	/* MAY be NULL (the vendor has no embeddings API; build_embed, parse_embed and
	 * embed_batch are set together). Builds one embeddings request for texts[0..n), n at
	 * most embed_batch(t). Returns 0, or -1 with err set (PL_E_INPUT). */
	int (*build_embed)(const struct probe_target *t, const char *const *texts, size_t n,
			   struct probe_request *out, struct pl_err *err);
	/* Parses an embeddings response for n texts: out gets n vectors of one dimension, a the
	 * fault, status, retry delay, error and a->prompt_tokens (-1 unknown), as parse does
	 * (a zeroed by probe_answer_init; a->text stays NULL). Never fails. */
	void (*parse_embed)(const struct probe_target *t, size_t n, const struct probe_response *r,
			    struct probe_answer *a, struct probe_vectors *out);
	/* The most texts one request may carry, as the vendor documents it. */
	size_t (*embed_batch)(const struct probe_target *t);
	/* MAY be NULL: the probe speaks one wire format and a vendor entry may not give "api".
	 * Otherwise the values the config's "api" accepts, NULL-terminated, the default first
	 * (what an absent "api" means). config_load refuses any other (probe_check_api). */
	const char *const *apis;
	/* MAY be NULL. Checks a vendor entry's settings as the config gives them (t->api_key is
	 * NULL: keys are read later), so a setting every request would fail on is a config
	 * error, not a night of unsent requests. Returns 0, or -1 with err set (PL_E_INPUT),
	 * err->where the vendor key at fault ("region"). Pure. */
	int (*check_target)(const struct probe_target *t, struct pl_err *err);
	/* MAY be NULL (the probe can send any prompt). Whether build would refuse p for what the
	 * prompt asks (a seed, logprobs, a schema, a tool_choice), whatever the key: returns 0,
	 * or -1 with err set (PL_E_INPUT), err->where the suite key that asks for it ("seed",
	 * "logprobs", "response_schema", "tool_choice"). Reads p's options, not its messages
	 * (plans check prompts before building any). Pure; build calls it first, so the two
	 * never disagree. */
	int (*check_prompt)(const struct probe_target *t, const struct probe_prompt *p,
			    struct pl_err *err);
	/* The highest temperature the vendor's API accepts (its range is 0 to this), as its API
	 * reference documents it; probe_check_prompt refuses a higher one. 0: the API documents
	 * no upper bound (the suite's own 0..2 still holds). */
	double temperature_max;
};

extern const struct probe_ops probe_openai;
extern const struct probe_ops probe_azure_openai;
extern const struct probe_ops probe_anthropic;
extern const struct probe_ops probe_gemini;
extern const struct probe_ops probe_ollama;
extern const struct probe_ops probe_bedrock;

/* Finds a probe by name; NULL if none. */
const struct probe_ops *probe_find(const char *name);
/* The registered probes, for help texts and tests. */
const struct probe_ops *const *probe_list(size_t *n);
/* Whether ops takes api (NULL: absent, always taken) as its "api": returns 0, or -1 with
 * err set (PL_E_INPUT, where NULL) saying which values it takes, or that it takes none. */
int probe_check_api(const struct probe_ops *ops, const char *api, struct pl_err *err);
/* Whether ops can send p to t: p's temperature within 0..ops->temperature_max (err->where
 * "temperature"), then ops->check_prompt when set (see struct probe_ops). Every build calls it
 * first, so a plan's check and the request built never disagree. */
int probe_check_prompt(const struct probe_ops *ops, const struct probe_target *t,
		       const struct probe_prompt *p, struct pl_err *err);

void probe_request_init(struct probe_request *r);
void probe_request_release(struct probe_request *r); /* wipes secrets before freeing */
void probe_request_add_header(struct probe_request *r, const char *name, const char *value);
/* Sets r->body (and body_len) to body serialised compactly. Steals body. Returns 0, or -1
 * with PL_E_INTERNAL when jansson cannot encode it. */
int probe_request_set_body(struct probe_request *r, json_t *body, struct pl_err *err);
void probe_answer_init(struct probe_answer *a);
void probe_answer_release(struct probe_answer *a);

/* Helpers shared by the probes. */
/* Case-insensitive header lookup; NULL if absent. */
const char *probe_header_get(const struct probe_header *h, size_t n, const char *name);
/* Retry delay in ms from Retry-After (seconds or HTTP date) / retry-after-ms; -1 if none. */
long probe_retry_after_ms(const struct probe_response *r);
/* Copies the headers worth keeping (versions, rate limits, request ids) into a. */
void probe_keep_headers(struct probe_answer *a, const struct probe_response *r);
/* Classifies by status when the body says nothing better (401/403 auth, 429 rate limit,
 * 529/503 overloaded, 5xx server, other 4xx request). */
enum probe_fault probe_fault_from_status(long status);
/* One vendor error code (error.type, an exception name, a google.rpc status) and its fault. */
struct probe_fault_code {
	const char *code;
	enum probe_fault fault;
};
/* The fault map[0..n) gives code (may be NULL), or dflt when code is not in it. */
enum probe_fault probe_fault_by_code(const struct probe_fault_code *map, size_t n, const char *code,
				     enum probe_fault dflt);
/* Adds a synthetic kept header (e.g. "x-plumbline-ollama-eval-duration-ns") for vendor
 * facts that have no field of their own; keeps a->headers sorted. */
void probe_answer_add_header(struct probe_answer *a, const char *name, const char *value);
/* Appends a tool call to a->tool_calls (created on first use). args is the vendor's arguments
 * object (borrowed; NULL or JSON null: {}). */
void probe_answer_add_call(struct probe_answer *a, const char *name, const json_t *args);
/* The same from the arguments as JSON text (OpenAI's wire): an empty text is {}; a text that
 * is not a JSON object is kept as a string with "arguments_invalid": true. */
void probe_answer_add_call_text(struct probe_answer *a, const char *name, const char *args,
				size_t len);
/* Tool calls assembled from a stream: per index, the name and the arguments' fragments
 * (OpenAI tool_calls deltas, Anthropic input_json_delta, Bedrock toolUse deltas). */
struct probe_call_part {
	long index;
	char *name;
	char *args; /* the fragments so far, NUL-terminated */
	size_t len, cap;
};
struct probe_calls {
	struct probe_call_part *v;
	size_t n;
};
void probe_calls_init(struct probe_calls *c);
/* Adds to call `index` (new on first sight): its name when not known yet (name may be NULL)
 * and an arguments fragment (frag may be NULL). */
void probe_calls_add(struct probe_calls *c, long index, const char *name, const char *frag,
		     size_t len);
/* Moves the calls, in index order, into a (probe_answer_add_call_text) unless a is a fault;
 * releases c. */
void probe_calls_end(struct probe_calls *c, struct probe_answer *a);
struct sbuf;
/* The vendor's answer text as the answer keeps it: a copy of len bytes (or the sbuf's
 * contents, which it releases) with each U+0000 replaced by U+FFFD. The text is a C string
 * from here on; cut at a NUL, whatever followed it would be hidden from every check. */
char *probe_text_dup(const char *s, size_t len);
char *probe_text_detach(struct sbuf *sb);
/* The text of p's system messages, in order, joined by newlines, into out (left empty when p
 * has none): for the vendors whose system prompt is a top-level field, not a message. */
void probe_system_text(const struct probe_prompt *p, struct sbuf *out);
/* The tool_choice of p as "auto", "none", "required" or "tool" (then *name is the tool's
 * name, borrowed from p). */
const char *probe_tool_choice(const struct probe_prompt *p, const char **name);
/* One tool of p->tools as a vendor's declaration: {"name", "description" (when given), schema_key:
 * the parameters schema} in that order; schema_key NULL leaves the schema out. Returns a new
 * reference. */
json_t *probe_tool_decl(const json_t *tool, const char *schema_key);
/* A copy of the tool's "parameters" schema, or {"type": "object", "properties": {}} when it has
 * none. Returns a new reference. */
json_t *probe_tool_params(const json_t *tool);
/* Sets out->fault and replaces error_type / error_message (either may be NULL). */
void probe_set_fault(struct probe_answer *a, enum probe_fault f, const char *type, const char *fmt,
		     ...) PL_PRINTF(4, 5);
/* Fills the fields every parse starts with: status, latency, kept headers, retry delay. */
void probe_answer_begin(struct probe_answer *a, const struct probe_response *r);
/* Parses the body as a JSON object; NULL if it is not one. Returns a new reference. */
json_t *probe_json_body(const struct probe_response *r);
/* Parses a vendor's JSON (a body, a stream event) with JSON_ALLOW_NUL and flags. An unpaired
 * UTF-16 surrogate escape ("\ud83d" alone: half an emoji a token-by-token server cut in
 * two), which jansson refuses, is read as U+FFFD, as a NUL is, instead of losing the answer.
 * Returns a new reference or NULL. */
json_t *probe_json_load(const char *buf, size_t len, size_t flags);
/* The stream_error fault of stream event i whose data is not a JSON object: "the stream was
 * cut off in event i" when the body ended inside it (unterminated), else "stream event i: data
 * is not a json object". */
void probe_stream_bad_event(struct probe_answer *a, size_t i, int unterminated);
/* A copy of obj[key] when it is a string, else NULL. obj may be NULL. */
char *probe_json_str(const json_t *obj, const char *key);
/* True when v is a JSON string equal to s. v may be NULL. */
int probe_json_str_is(const json_t *v, const char *s);
/* obj[key] when it is an integer >= 0 (at most PROBE_COUNT_MAX, below), else -1. obj may
 * be NULL. */
long probe_json_count(const json_t *obj, const char *key);

/* Vendor numbers are untrusted, and so are the journals and baselines that keep them: every
 * count and duration is read through these, so no sum of them overflows a long and no
 * out-of-range double is converted to an integer. */
#define PROBE_COUNT_MAX (1L << 50)	   /* tokens: larger counts are clamped to this */
#define PROBE_MS_MAX	(7.0 * 86400000.0) /* durations: a week */
/* A JSON number as a count: -1 unless a number >= 0 (a real is truncated), at most
 * PROBE_COUNT_MAX. NULL gives -1. */
long probe_count_of(const json_t *v);
/* A duration: -1 unless finite and >= 0, at most PROBE_MS_MAX. */
double probe_ms_clamp(double ms);
/* The same, rounded down to a whole number of milliseconds. */
long probe_ms_long(double ms);
/* Clamps what a probe (or a journal read back) put in a: token counts as probe_count_of
 * (negative -> -1), latency and ttft as probe_ms_clamp, retry_after_ms likewise. */
void probe_answer_clamp(struct probe_answer *a);
/* Takes every registered secret (redact.h) out of every string a probe filled in a: texts,
 * error, model, fingerprint, ids, kept header names and values, logprobs. The runner calls it
 * on each answer before anything stores or counts it. */
void probe_answer_redact(struct probe_answer *a);
/* True when the response (or, if none, the prompt) says the body is an event stream. */
int probe_is_stream(const struct probe_prompt *p, const struct probe_response *r,
		    const char *content_type);

/* The common steps of a parse, in the order they are called:
 *   probe_answer_begin; a non-2xx status -> the vendor's error body; probe_is_stream -> the
 *   vendor's stream parser, which ends with probe_stream_end; else probe_parse_body and the
 *   vendor's JSON (or error object) reader; always probe_parse_end. */
/* Parses a 2xx body as a JSON object (a new reference); NULL with PROBE_FAULT_MALFORMED
 * "body is not a json object" set when it is not one. */
json_t *probe_parse_body(const struct probe_response *r, struct probe_answer *a);
/* Ends a stream parse. Unless a fault is set already, a stream that did not reach its terminal
 * event (!ended) becomes PROBE_FAULT_STREAM with the message missing; otherwise the assembled
 * text moves into a->text and ttft_ms is the time to the first byte. The caller still
 * releases text. */
void probe_stream_end(struct probe_answer *a, const struct probe_response *r, struct sbuf *text,
		      int ended, const char *missing);
/* Embeddings. The first step of every parse_embed: fills a's common fields; a non-2xx
 * response is classified by the probe's own parse (its error bodies are the chat API's) and
 * NULL returned; else the body as a JSON object (a new reference), or NULL with
 * PROBE_FAULT_MALFORMED. */
json_t *probe_embed_begin(const struct probe_ops *ops, const struct probe_target *t,
			  const struct probe_response *r, struct probe_answer *a);
/* Appends the JSON array of numbers row as the next vector of out: every row has the first
 * row's dimension (1..PROBE_EMBED_DIM_MAX) and finite values. Returns 0, or -1 with a's fault
 * set (PROBE_FAULT_MALFORMED, naming what). */
int probe_vectors_add(struct probe_vectors *out, const json_t *row, struct probe_answer *a);
/* The last step: fewer or more vectors than n texts is PROBE_FAULT_MALFORMED; a faulted
 * answer leaves out empty. Steals root (may be NULL). */
void probe_embed_end(struct probe_answer *a, size_t n, struct probe_vectors *out, json_t *root);
void probe_vectors_release(struct probe_vectors *v); /* NULL-safe; zeroes it */
#define PROBE_EMBED_DIM_MAX 16384

/* Ends every parse: a faulted answer has no text (a->text is NULL exactly on a fault). Steals
 * root (may be NULL). */
void probe_parse_end(struct probe_answer *a, json_t *root);

#endif
