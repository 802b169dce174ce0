/* rotate.h: signing-key rotation: hands the register over from the secret key to a new key
 * with one register entry, and finishes a rotation a crash interrupted.
 *
 * The steps, each safe to die after:
 *   1. the new secret key is written to SECRET.next (O_EXCL, 0600, synced);
 *   2. the rotation entry is appended (register_append_rotation: signed by the old key and the
 *      new one) and the checkpoint after it is signed by the new key;
 *   3. the old public files are kept as PUBLIC.KEYID and PUBLIC.KEYID.pem (KEYID: the old
 *      key's id), and the new ones written to PUBLIC and PUBLIC.pem (atomically);
 *   4. SECRET.next is renamed over SECRET (atomic: the secret key is the old one or the new
 *      one, never neither); the old key, linked to SECRET.retired-KEYID just before, is then
 *      overwritten with zeros and removed: a retired key never signs again.
 * Before step 2 nothing was announced: a SECRET.next left over is not the register's and is
 * removed by the next rotation. From step 2 on the register's current key is the new one while
 * SECRET may still be the old one: register_open refuses the old key (runs stop, naming the
 * entry), and rotate_key finishes steps 2-4 from SECRET.next.
 *
 * The rotation holds REGISTER.rotate.lock exclusively (taken without waiting: a run that is
 * signing holds it shared, see rotate_lock_shared) and the register's own lock while it
 * appends. */
#ifndef PL_ROTATE_H
#define PL_ROTATE_H

#include "err.h"

struct rotate_paths {
	const char *secret_key;	   /* MUST */
	const char *public_key;	   /* MUST; its PEM is public_key + ".pem" */
	const char *register_path; /* MUST */
};

struct rotate_result {
	char old_key[17], new_key[17];
	long long seq;	     /* the rotation entry */
	int finished;	     /* 1: an interrupted rotation was finished (no new key was made) */
	int old_public_kept; /* the old public files were kept as PUBLIC.OLDKEY(.pem) */
};

/* Rotates the key (reason may be NULL), or finishes an interrupted rotation. Refuses while a
 * run holds the rotation lock, a register that does not verify with the secret key's public
 * half, and an interrupted rotation whose new key (SECRET.next) is gone or is not the key the
 * register was handed over to, each with an error saying what to do. Returns 0 or -1 with err
 * set (PL_E_IO, PL_E_VENDOR for the lock held, PL_E_INTEGRITY for a register that does not
 * verify). */
int rotate_key(const struct rotate_paths *p, const char *reason, struct rotate_result *out,
	       struct pl_err *err);

/* What a run holds while it may sign (shared: runs share it, a rotation waits for none of them
 * but fails while one holds it). Returns the descriptor (lock_file_release), or -1 with err
 * set. */
int rotate_lock_shared(const char *register_path, struct pl_err *err);

#endif
