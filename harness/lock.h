/* lock.h: one lock per vendor/suite under the state dir, so two overlapping runs never work on
 * the same vendor and suite.
 *
 * The lock is STATE_DIR/locks/NAME.lock. It is created complete or not at all: the content
 * ("pid N\nproc_start T\nstarted ISO8601\nhost H\n") is written to a temp file made with
 * O_CREAT|O_EXCL, which is then link()ed to the lock name (link fails with EEXIST when the lock
 * is held, atomically, also on NFS). A lock whose holder is gone (same host, the pid is dead or
 * now belongs to a process started at another time) is stale and is taken over under an
 * flock()ed guard file (NAME.lock.guard) after re-reading it, so two runs that find the same
 * stale lock cannot both take it.
 *
 * A lock is released by lock_release (unlinks it) or by the holder dying (the next run sees a
 * stale lock). Locks are advisory: they protect plumbline against itself. */
#ifndef PL_LOCK_H
#define PL_LOCK_H

#include "err.h"

#include <sys/types.h>

struct lock;

/* What the lock file says about its holder. */
struct lock_holder {
	long pid;
	unsigned long long proc_start; /* /proc/PID/stat starttime, 0 if unknown */
	char started[40];	       /* ISO 8601 UTC */
	char host[256];
};

/* Makes a lock name from parts: "openai-prod" + "core" -> "openai-prod.core". Characters other
 * than [A-Za-z0-9._-] become '_'. Returns buf. */
const char *lock_name(char *buf, size_t len, const char *vendor, const char *suite);

/* Takes STATE_DIR/locks/NAME.lock, waiting up to wait_s seconds (0 = try once) while another
 * live process holds it. On success *out is the caller's (lock_release). When it stays held:
 * returns -1 with err set (PL_E_VENDOR, so the CLI exits 3), the message naming the holder's
 * pid and start time, and fills *holder when holder is not NULL. Other failures: PL_E_IO. */
int lock_acquire(const char *state_dir, const char *name, double wait_s, struct lock **out,
		 struct lock_holder *holder, struct pl_err *err);
/* Removes the lock if this process still holds it, and frees l. NULL-safe. */
void lock_release(struct lock *l);
const char *lock_path(const struct lock *l);

/* Several locks at once (a run over several vendors and suites): takes them in sorted name
 * order, so two runs over overlapping sets cannot deadlock, sharing one wait_s deadline. On
 * failure the ones already taken are released and err says which lock is held by whom. */
struct lockset;
int lock_acquire_all(const char *state_dir, const char *const *names, size_t n, double wait_s,
		     struct lockset **out, struct lock_holder *holder, struct pl_err *err);
void lock_release_all(struct lockset *s); /* NULL-safe */

/* The one flock routine: opens (creating it, never through a symbolic link) the guard file at
 * path and waits for an exclusive flock on it. Returns the descriptor (closing it releases the
 * lock: lock_file_release), or -1 with err set (PL_E_IO naming path). For short critical
 * sections between processes: the alert state, the register, a stale lock's take-over. */
int lock_file_acquire(const char *path, struct pl_err *err);
/* The same with flags: LOCK_FILE_SHARED takes a shared flock (many holders, no exclusive one);
 * LOCK_FILE_NOWAIT fails at once when it is held (PL_E_VENDOR, "held by another process"). */
#define LOCK_FILE_SHARED 0x1u
#define LOCK_FILE_NOWAIT 0x2u
int lock_file_acquire_mode(const char *path, unsigned flags, struct pl_err *err);
void lock_file_release(int fd); /* -1 is a no-op */

/* Reads a lock file. Returns 0, or -1 (absent, unreadable or malformed). */
int lock_read(const char *path, struct lock_holder *h);
/* 1 if the holder still runs (or may: another host, or no permission to tell), 0 if dead. */
int lock_holder_alive(const struct lock_holder *h);

#endif
