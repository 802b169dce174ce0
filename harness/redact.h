/* redact.h: the one choke point that takes secrets out of every byte plumbline stores or prints
 * from a vendor (answers, logprobs, kept headers, error bodies, recordings, log lines, errors).
 *
 * A process-wide set of secrets (base layer: it knows no vendor format; an answer is
 * redacted field by field by probe_answer_redact, probes/probe.h). config_load_secrets and
 * runner_run register each vendor key
 * with redact_add_credential, which also registers each ':'-separated part of a composite
 * credential (Bedrock "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]": the vendor may echo
 * any one part alone). Every sink then passes what it keeps through redact_*: the runner
 * (answers, before journals, baselines, reports and alerts see them), journal_answer_to_json
 * (journal and baseline records), record_save (raw exchanges), pl_log and cli_fail.
 *
 * A secret matches literally, with any of its characters JSON-escaped ("\u0073", "\/",
 * also behind extra backslashes as in JSON inside a JSON string) or URL-encoded ("%73"), and
 * base64-encoded (standard and URL-safe alphabets) at each of the three byte alignments, where
 * the base64 characters that partly depend on the secret go too. Every match becomes
 * REDACT_MARK. Secrets (and parts) shorter than REDACT_MIN_LEN bytes are not registered.
 *
 * Threads: register before starting threads that redact; redacting only reads the set. */
#ifndef PL_REDACT_H
#define PL_REDACT_H

#include <jansson.h>
#include <stddef.h>

struct sbuf;

#define REDACT_MARK    "[redacted]"
#define REDACT_MIN_LEN 4

/* Registers secret (copied; wiped at exit). NULL, short and known secrets are ignored. */
void redact_add(const char *secret);
/* Registers key and, when it holds ':', each ':'-separated part. key may be NULL. */
void redact_add_credential(const char *key);
/* Wipes and forgets every registered secret (tests). */
void redact_clear(void);

/* Replaces every match in sb (binary safe). Returns the number of matches. */
size_t redact_sbuf(struct sbuf *sb);
/* Same for the NUL-terminated heap string *s (may be NULL): replaced by a new string when
 * something matched. Returns the number of matches. */
size_t redact_str(char **s);
/* A redacted copy of v (strings and object keys, at any depth): a new reference, or v itself
 * with one more reference when nothing matched. v may be NULL (returns NULL). Borrows v. */
json_t *redact_json(json_t *v);

#endif
