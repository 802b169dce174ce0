/* register.h: the vendor register: an append-only JSON Lines file (one entry per run per
 * vendor/model/suite, plus decision entries such as `baseline accept`), hash-chained, each
 * entry signed, with an RFC 6962 Merkle tree over the entries whose signed checkpoint (size +
 * root) is rewritten atomically after every append.
 *
 * Files: PATH (entries), PATH.checkpoint (latest signed tree head), PATH.lock (flock held by an
 * open struct reg so two runs cannot append at once).
 *
 * An entry is one line: the RFC 8785 (canon_jcs) text of an object with
 *   "seq"  0, 1, 2, ...                       "type"  "run" | "decision" | "key_rotation"
 *   "date" ISO 8601 UTC: when the entry was    "prev"  SHA-256 hex of the previous line's
 *          made (wall clock)
 *   "sig"  base64 Ed25519 over the JCS text            bytes (64 zeros for seq 0)
 *          of the entry without "sig"
 * plus the type's fields (see struct reg_run_entry / reg_decision_entry). The Merkle leaf of
 * an entry is its line without the newline. Entries made since the register kept nights apart
 * also carry "night" (YYYY-MM-DD, the night the entry is about: a backfilled night has an old
 * night and today's date), and run entries "report_path" (the report's path relative to the
 * reports folder, NIGHT/VENDOR-SUITE.json). Older entries lack them; readers fall back to the
 * date (see register_entry_night) and verify checks what an entry carries.
 *
 * Checkpoint file (text; signature = Ed25519 over every byte before the "sig " line):
 *   plumbline register checkpoint v1\n size N\n root HEX\n date ISO\n key KEYID\n sig BASE64\n
 *
 * A "key_rotation" entry (register_append_rotation) hands the register over to a new key:
 * "old_key", "new_key" (key ids), "new_public_key" (base64 minisign public key), "reason"
 * (optional), signed by the old key ("sig") and by the new one ("new_key_sig"), both over the
 * JCS text of the entry without either signature. Entries after it, and checkpoints of a size
 * past it, are signed by the new key. Verification follows the rotations from the trusted key;
 * a trusted key that a rotation introduced verifies from the entry after that rotation, the
 * entries before it counted as unchecked (their bytes are still covered by the hash chain and
 * the checkpoint the trusted key signs).
 *
 * What verify catches, naming the entry: an edited or forged entry (signature), a deleted,
 * inserted or reordered entry (seq and prev), entries appended without a checkpoint or a
 * truncated register (checkpoint size), a replaced checkpoint (its signature or root). A
 * rollback to an older, consistent state (truncate + restore an old checkpoint) is only caught
 * against a checkpoint saved earlier: `register verify --checkpoint SAVED` checks consistency.
 *
 * Ownership: struct reg is a heap object (register_open/register_close). Entry structs are
 * borrowed for the call. json_t results are new references (caller decrefs). */
#ifndef PL_REGISTER_H
#define PL_REGISTER_H

#include "err.h"
#include "merkle.h"
#include "sbuf.h"
#include "sign.h"

#include <jansson.h>
#include <time.h>

struct reg;

struct reg_run_entry {
	const char *date;	    /* ISO 8601 UTC ("2026-11-27T02:00:00Z"); NULL: now */
	const char *night;	    /* YYYY-MM-DD the run stands for; NULL: date's day */
	const char *vendor;	    /* MUST */
	const char *model;	    /* MUST */
	const char *suite;	    /* MUST */
	const char *verdict;	    /* MUST: detect_verdict_name() or "checks_failed" */
	const char *epoch;	    /* epoch id after this run; may be NULL */
	int new_epoch;		    /* this run opened a new epoch */
	const char *summary;	    /* one line; may be NULL */
	const char *report;	    /* MUST: the report's path, stored as given */
	const char *report_path;    /* relative to the reports folder; NULL: the last two
				       components of report (NIGHT/FILE), or its name */
	const char *report_sha256;  /* hex; NULL: computed from the report file */
	double availability;	    /* answered / requested, 0..1; < 0 unknown */
	double latency_p50_ms;	    /* < 0 unknown */
	double latency_p95_ms;	    /* < 0 unknown */
	const char *journal_sha256; /* the answers the report judged (its journal); may be NULL */
	int forced;		    /* the night was run again over an existing report (--force) */
	int returned_epoch;	    /* this run went back to an earlier epoch (detect.h), written as
				       "returned_epoch": true (a return, not a new change) */
	const char *stage;	    /* detect.h's stage: "suspected", "confirmed" or "retracted" (a
				     * retraction is a return to the behaviour before); NULL: none */
};

struct reg_decision_entry {
	const char *date;		    /* NULL: now */
	const char *night;		    /* YYYY-MM-DD it is about; NULL: date's day */
	const char *action;		    /* MUST: "accept" (baseline accepted) or "raise" */
	const char *by;			    /* MUST: who decided */
	const char *reason;		    /* MUST: why */
	const char *vendor, *model, *suite; /* MUST */
	long long accepts_seq;		    /* register seq of the run being accepted; -1 none */
	const char *report;		    /* that run's report path; may be NULL */
	const char *report_sha256;	    /* may be NULL */
	const char *epoch;		    /* the epoch accepted; may be NULL */
	const char *old_baseline_sha256;    /* may be NULL (no baseline before) */
	const char *new_baseline_sha256;    /* MUST */
	const char *journal_sha256; /* the journal the new baseline came from; may be NULL */
	long topped_up;		    /* answers sampled to fill the baseline up; <= 0 none */
};

/* Opens (creating on first append) the register at path. key signs entries and checkpoints;
 * it may be NULL for a read-only handle (appends then fail). Refuses to open a register whose
 * existing entries or checkpoint do not verify with key's public half, so a tampered register
 * is never extended; the one exception is a single verified entry past a valid checkpoint (a
 * crash between an append and its checkpoint), whose checkpoint it signs. The register's lock
 * (path.lock) is held only while it verifies and while an append runs: each append locks,
 * checks that the entries verified before are unchanged (by leaf hash), verifies the entries
 * other runs added since, appends and unlocks; so runs on other vendors share it.
 * Returns a new reg or NULL with err set. */
struct reg *register_open(const char *path, const struct sign_key *key, struct pl_err *err);
/* register_open also refuses a register a rotation entry handed over from key to another key
 * (an interrupted rotation, or a retired key restored): PL_E_IO naming the entry and both
 * keys. With REGISTER_OPEN_HANDED_OVER it opens one (appends are still refused): for
 * register_finish_rotation. */
#define REGISTER_OPEN_HANDED_OVER 0x1u
struct reg *register_open_flags(const char *path, const struct sign_key *key, unsigned flags,
				struct pl_err *err);
void register_close(struct reg *r); /* NULL-safe */
size_t register_size(const struct reg *r);
/* The sequence number the next append will get. */
long long register_next_seq(const struct reg *r);

/* Appends an entry, then rewrites the signed checkpoint. Returns the entry's seq (>= 0), or -1
 * with err set. */
long long register_append_run(struct reg *r, const struct reg_run_entry *e, struct pl_err *err);
long long register_append_decision(struct reg *r, const struct reg_decision_entry *e,
				   struct pl_err *err);

/* Key rotation: appends a "key_rotation" entry (date, night, old_key and new_key ids,
 * new_public_key: the base64 line of its minisign public key file, reason when not NULL)
 * signed ("sig") by the register's current key, r's, and, over the same bytes (the entry
 * without either signature), by new_key ("new_key_sig": its holder agreed). The checkpoint
 * after it is signed by new_key, which signs every later entry: r signs with new_key from now
 * on (borrowed: keep it alive while r is open). date NULL: now. Returns the entry's seq, or -1
 * with err set. */
long long register_append_rotation(struct reg *r, const struct sign_key *new_key,
				   const char *reason, const char *date, struct pl_err *err);
/* The key that signs the register's next entry, as the last verification found it (borrowed),
 * and the rotation entry that handed over to it (-1: none since the key r was opened with). */
const struct sign_pub *register_current_key(const struct reg *r, long long *rotation);
/* Finishes a rotation interrupted after its entry (r opened with REGISTER_OPEN_HANDED_OVER
 * and the old key): new_key must be the register's current key; writes the checkpoint signed
 * by it, and r signs with it from then on. Returns 0 or -1. */
int register_finish_rotation(struct reg *r, const struct sign_key *new_key, struct pl_err *err);

/* What `plumbline run` calls after writing a report's bytes: hashes the report, signs it
 * (REPORT.minisig with a trusted comment binding it to the register entry, REPORT.sig.raw),
 * and appends the run entry. Returns the seq, or -1 with err set. */
long long register_sign_and_append(struct reg *r, const struct sign_key *key,
				   const struct reg_run_entry *e, struct pl_err *err);

/* The trusted comment for a report: tab-separated "timestamp:UNIX file:BASENAME date:ISO
 * register_seq:N sha256:HEX night:DAY path:REL vendor:ID model:NAME suite:ID" (control
 * characters replaced). timestamp and date are the wall clock (never the backfilled night). */
void register_trusted_comment(struct sbuf *out, const struct reg_run_entry *e, long long seq,
			      const char *sha256_hex);

struct reg_verify_result {
	size_t entries;
	size_t runs, decisions;
	size_t checkpoint_size;
	char root_hex[65];
	char checkpoint_date[32];
	int old_checkpoint_checked; /* a saved checkpoint was proved consistent */
	size_t old_checkpoint_size;
	size_t rotations;	/* key rotation entries verified */
	size_t unchecked;	/* entries before the handover to the trusted key (a later key
				   than the register's first): their signatures were not
				   checked, only their hash chain and the checkpoint's root; 0
				   when the trusted key signs from entry 0 */
	char unchecked_key[17]; /* the key that signed them (the handover's old_key) */
	size_t unchecked_from;	/* ... from this entry on; the ones before it were signed by
				   the keys earlier rotations retired (0: none) */
	char current_key[17];	/* the key that signs the register now (after its rotations) */
};

/* The id of the key that signs the register's next entry, after its rotations, into id:
 * the entries verified with pub as register_verify does, but an entry a crash left without
 * its checkpoint is accepted, as register_open accepts it. Reads only. Returns 0, or -1 with
 * err set. */
int register_key_now(const char *path, const struct sign_pub *pub, char id[17], struct pl_err *err);

/* Appends what a verification counted: "5 entries (4 runs, 1 decision, 1 key rotation:
 * signed by key 9C04... now)", each count singular or plural as it is. */
void register_describe_counts(const struct reg_verify_result *res, struct sbuf *out);
/* When res says entries were not checked (res->unchecked: the trusted key is a later key than
 * the register's first), appends a line saying which, and what checks them; else nothing. */
void register_describe_unchecked(const struct reg_verify_result *res, struct sbuf *out);

/* The keys that signed a verified register, in order (register_verify_keys): the trusted one,
 * then each key a rotation entry handed the register over to. */
struct reg_keys;
/* The key that signed entry seq (and that signs a checkpoint of size seq): NULL for the
 * entries before the handover to the trusted key, whose key was not verified. Borrowed. */
const struct sign_pub *register_keys_at(const struct reg_keys *k, long long seq);
size_t register_keys_count(const struct reg_keys *k);
/* Key i (borrowed; NULL past the end): it signs from entry *from on; *rotation is the rotation
 * entry that handed over to it (-1: the trusted key). Either pointer may be NULL. */
const struct sign_pub *register_keys_get(const struct reg_keys *k, size_t i, long long *from,
					 long long *rotation);
void register_keys_free(struct reg_keys *k); /* NULL-safe */

/* Verifies the whole register with the public key only (see the list above). old_checkpoint
 * (a saved checkpoint file) may be NULL. A missing register or checkpoint is missing evidence
 * and fails. Returns 0, or -1 with err set: PL_E_INTEGRITY for tampering or a missing file,
 * err.where naming "PATH:LINE: entry N". */
int register_verify(const char *path, const struct sign_pub *pub, const char *old_checkpoint,
		    struct reg_verify_result *out, struct pl_err *err);
/* The same, and on success *keys (when keys is not NULL) is a new reg_keys of the register
 * (register_keys_free). */
int register_verify_keys(const char *path, const struct sign_pub *pub, const char *old_checkpoint,
			 struct reg_verify_result *out, struct reg_keys **keys, struct pl_err *err);

/* Checks that entry #seq of a verified register (entries, as register_load gives them) is the
 * signed report at file whose SHA-256 is sha256_hex and whose trusted comment is tc: a run
 * entry, the same hash, the file's path as named (symbolic links not followed: a link named
 * after one night to another night's report fails) ending in the entry's report_path (legacy
 * entries without one: the last two components of their "report"), the comment's date, night
 * and path equal to the entry's, and no later run entry for the same report_path (a --force
 * re-run replaced the report: this one is the old one). Returns 0, or -1 with err set
 * (PL_E_INTEGRITY, naming what differs). */
int register_check_report(const json_t *entries, long long seq, const char *file,
			  const char *sha256_hex, const char *tc, struct pl_err *err);

struct reg_reports_result {
	size_t checked;	 /* report files found with their entry's SHA-256 */
	size_t replaced; /* run entries a later run of the same night replaced (--force): their
			    file holds the later report, so it is checked against that entry */
	size_t failed;	 /* report files missing or altered */
};

/* Checks that the report file of every run entry of a verified register (entries, as
 * register_load gives them) is in reports_dir, at the entry's report_path (entries older than
 * report_path: the last two components of their "report"), with the entry's SHA-256. A run a
 * later run of the same report path replaced is not checked (out->replaced). problems, when
 * not NULL (a JSON object, borrowed), gets one member per run entry whose file is missing or
 * altered: "SEQ": {"problem": "missing" | "altered" | "not_file" | "unreadable", "label":
 * "report missing" | "report altered: sha256 differs" | ..., "file": the path checked, "why":
 * the longer reason}; what `register show` and the HTML report mark the entry's row with.
 * Returns 0, or -1 with err set naming the first file that is missing or altered, its entry
 * and night, and how many more there are (PL_E_INTEGRITY; also for a reports_dir that does
 * not exist: missing evidence, problems left empty), or PL_E_USAGE for a reports_dir that is
 * not a folder. */
int register_check_reports(const json_t *entries, const char *reports_dir, json_t *problems,
			   struct reg_reports_result *out, struct pl_err *err);

/* The night an entry is about: its "night", else the day of its "date" (older entries, whose
 * date was the night). Writes YYYY-MM-DD (or "" when neither) into buf[11]. */
void register_entry_night(const json_t *entry, char buf[11]);

/* The entries (borrowed from entries, new array) ordered by night, then by seq: where a
 * backfilled night belongs in a timeline. */
json_t *register_by_night(const json_t *entries);

/* Reads and verifies a signed checkpoint file (REGISTER.checkpoint, or one saved earlier).
 * Returns 0, or -1 with err set (PL_E_INTEGRITY: signature; PL_E_INPUT: malformed). */
int register_read_checkpoint(const char *file, const struct sign_pub *pub, size_t *size,
			     struct merkle_hash *root, struct pl_err *err);

/* The same for a checkpoint of the register reg (its own, or one saved earlier): when reg
 * exists it is verified with pub first, and the checkpoint with the key the register's
 * rotations made current at the checkpoint's size (reg missing: with pub). */
int register_read_checkpoint_of(const char *file, const char *reg, const struct sign_pub *pub,
				size_t *size, struct merkle_hash *root, struct pl_err *err);

/* Loads the entries (parsed, NOT verified) as a new JSON array. A missing file is an empty
 * register. */
int register_load(const char *path, json_t **entries, struct pl_err *err);
/* Binds entries (parsed by register_load, after register_verify gave res) to what was verified:
 * the first res->entries of them, in canonical form, must hash to the signed checkpoint's root
 * (else an integrity error naming reg: the register changed between the two reads); entries
 * appended since are dropped from the array. Returns 0 or -1. */
int register_bind_checkpoint(json_t *entries, const struct reg_verify_result *res, const char *reg,
			     struct pl_err *err);

/* Proofs, as new JSON objects (hex hashes), after verifying the register:
 * inclusion {"seq","tree_size","leaf_hash","root","proof":[...]}
 * consistency {"old_size","new_size","old_root","new_root","proof":[...]} */
int register_prove_inclusion(const char *path, const struct sign_pub *pub, long long seq,
			     json_t **out, struct pl_err *err);
int register_prove_consistency(const char *path, const struct sign_pub *pub, size_t old_size,
			       json_t **out, struct pl_err *err);
/* Checks a proof object made by the functions above against a trusted root: root (the
 * signed checkpoint's, or one the user gave) must be the proof's root (inclusion) or new
 * root (consistency), and size, when > 0, its tree size. A proof is never trusted from its
 * own fields alone (any leaf is the root of a one-leaf tree). Returns 0, or -1 with err set. */
int register_check_proof(const json_t *proof, const struct merkle_hash *root, size_t size,
			 struct pl_err *err);

/* Classifies the run entries of entries (a register_load array) by what each did to the
 * behaviour of its vendor/model/suite, taken in night order (register_by_night). Runs carry
 * detect.h's "stage": a change is suspected on its first night, and the next judged night
 * confirms or retracts it; a night that cannot be judged (incomplete) leaves it waiting.
 * Event kinds:
 *   "change"        a change, counted once, dated by its first night: the suspected run of a
 *                   change later confirmed (a confirmed run without a suspected one before it
 *                   is its own first night), a suspected run a decision accepted before a
 *                   night confirmed it ("accepted": true: `baseline accept` starts the
 *                   detection history again from it), or, in entries without "stage" (made before
 *                   stages), a new epoch or a "changed" verdict that is not a return
 *   "confirmation"  the run that confirmed a suspected change (the same change: not counted)
 *   "pending"       a suspicion that no later run confirmed or retracted yet
 *   "suspicion_retracted"  a suspicion the next judged night retracted: not a change
 *   "retraction"    the run that retracted it: the behaviour never moved, so neither a change
 *                   nor a return
 *   "return"        back to an earlier epoch: an epoch other than the one of the previous
 *                   night's run (night order), which the entry's "returned_epoch" says or
 *                   the same vendor/model/suite had before (a night backfilled after a
 *                   change, at the epoch of the nights around it, is no return)
 *   "replaced"      a run a later run of the same night and report path replaced (--force):
 *                   no event of its own; link is the run that replaced it
 * A new object {"SEQ": {"event": KIND, "night": N, "link": SEQ2, "link_night": N2}} holding
 * only the runs that are one of them. night is the run's own night; link the other run of
 * the pair (a change's confirmation, a confirmation's or a retraction's suspicion, a
 * retracted suspicion's retraction) and link_night its night; both absent when unpaired.
 * A confirmed change also has "confirmed_night", the night that confirmed it (its own for an
 * unpaired "confirmed" run); a change from before stages has none. */
json_t *register_events(const json_t *entries);
/* The kind of entry's event in events (register_events), or NULL when it has none. */
const char *register_event_kind(const json_t *events, const json_t *entry);
/* entry's event object in events (borrowed), or NULL. */
const json_t *register_event(const json_t *events, const json_t *entry);
/* The first night's run of the change or suspicion that run seq belongs to: seq itself for a
 * "change", "pending" or "suspicion_retracted", the suspicion (link) of a "confirmation" or a
 * "retraction"; -1 when seq has no such event. What a decision accepting run seq covers. */
long long register_event_first(const json_t *events, long long seq);

/* Per vendor/model figures for `register show` and the HTML report. Changes are
 * register_events' "change"s, each counted once by its first night: its confirmation, a
 * suspicion retracted (or still pending) and a return to an earlier behaviour are not
 * counted as one. A "replaced" run (its night run again with --force) counts only in
 * replaced: the night's figures are the later run's. */
struct reg_summary {
	char *vendor, *model;
	char *epoch;	   /* the latest night's run's epoch (not the last appended: a
			      backfilled night is not the current behaviour); may be NULL */
	char *last_change; /* first night of the latest change; may be NULL */
	char *last_run;	   /* night of the latest run */
	int changes_30d, changes_90d;
	int returns_90d;   /* returns to an earlier behaviour in 90 days */
	int retracted_90d; /* suspicions retracted in 90 days (not changes) */
	int pending;	   /* suspicions not yet confirmed or retracted */
	char *last_event;  /* night of the latest change or return; may be NULL */
	char *first_run;   /* night of the first run */
	/* Stability over the nights observed, never to today: a night is observed when one of
	 * its runs was judged (a verdict other than "incomplete" or "unstable"). */
	char *stable_since;    /* last_event, else first_run */
	char *last_observed;   /* the latest observed night; NULL: none */
	char *pending_since;   /* the first night since stable_since a change was suspected and
				  is still pending; NULL: none */
	int observed_nights;   /* observed nights from stable_since, before pending_since, that
				  are not blips */
	int blip_nights;       /* observed nights on which a change was suspected and the next
				  night retracted it: observed, not counted as stable */
	char *blips;	       /* those nights, "; "-separated, the first 5 and ", ..."; NULL */
	int gap_nights;	       /* nights from stable_since with runs, none of them judged */
	char *gaps;	       /* those nights, "D: verdict", "; "-separated, the first 5 and
				  ", ..."; NULL: none */
	double availability;   /* mean over the last 30 days' runs; < 0 unknown */
	double latency_p50_ms; /* median of the last 30 days' runs' p50; < 0 unknown */
	size_t runs;	       /* runs that stand (replaced ones are not counted) */
	size_t replaced;       /* runs a later run of the same night replaced (--force): in
				  no figure here, not in runs */
	size_t decisions;
};
/* Groups entries (a register_load array) by vendor/model, sorted by vendor then model. now is
 * the reference time for the 30/90-day windows. *out is a new array (register_summaries_free).
 */
int register_summarise(const json_t *entries, time_t now, struct reg_summary **out, size_t *n);
void register_summaries_free(struct reg_summary *s, size_t n);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" (or a bare date). Returns -1 when malformed. */
time_t register_parse_date(const char *iso);
/* Formats t as ISO 8601 UTC into buf (at least 21 bytes). */
void register_format_date(time_t t, char *buf, size_t len);

#endif
