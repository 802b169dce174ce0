/* fileio.h: the one place files are read whole and written atomically.
 * Every baseline, report, register, checkpoint and key goes through fileio_write_atomic: a temp
 * file beside the target (O_CREAT|O_EXCL|O_NOFOLLOW), write, fsync, rename over the target, fsync
 * the directory. A crash at any point leaves either the old file or the new one. */
#ifndef PL_FILEIO_H
#define PL_FILEIO_H

#include "err.h"

#include <stdio.h>
#include <sys/types.h>

/* Writes len bytes of data to path atomically with the given mode (e.g. 0644, 0600) less the
 * umask, as open(2) does (a replaced file gets the new mode too). Creates missing parent
 * directories (0755). Returns 0, or -1 with err set (PL_E_IO). */
int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			struct pl_err *err);

/* The same, for a file written piece by piece (a report streamed prompt by prompt): open
 * creates the temp file beside path, write appends to it, commit fsyncs it, renames it over
 * path and fsyncs the directory. abort (also after a failed write or commit; NULL-safe and
 * idempotent) removes the temp file. Nothing is visible at path before commit succeeds. */
struct fileio_atomic {
	int fd;
	char *path, *tmp;
};
int fileio_atomic_open(struct fileio_atomic *a, const char *path, mode_t mode, struct pl_err *err);
int fileio_atomic_write(struct fileio_atomic *a, const void *data, size_t len, struct pl_err *err);
int fileio_atomic_commit(struct fileio_atomic *a, struct pl_err *err);
void fileio_atomic_abort(struct fileio_atomic *a);

/* Reads a whole file into a new NUL-terminated buffer (caller frees *out). Files larger than
 * max_bytes are refused (PL_E_INPUT) so a stray multi-gigabyte file cannot exhaust memory.
 * Returns 0, or -1 with err set. */
int fileio_read_all(const char *path, size_t max_bytes, char **out, size_t *len,
		    struct pl_err *err);

/* mkdir -p with mode 0755. Returns 0, or -1 with err set. */
int fileio_mkdirs(const char *dir, struct pl_err *err);

/* Appends data to path (O_APPEND|O_CREAT|O_NOFOLLOW, mode), then fdatasync. For journals and logs
 * that grow line by line; a crash may leave a torn last line, which readers must skip. */
int fileio_append(const char *path, const void *data, size_t len, mode_t mode, struct pl_err *err);

/* Refuses (PL_E_IO, "... is a symbolic link") when any of the `levels` folders nearest to
 * path (its parent, the parent's parent, ...) is a symbolic link: plumbline never creates
 * files through a linked folder planted under its state, reports or baselines folders. A
 * missing folder is fine (it will be created as a real one). Every write in this module
 * checks the parent (levels 1) and opens with O_NOFOLLOW, so a link planted where a file is
 * expected is refused too, never followed. Returns 0 or -1 with err set. */
int fileio_check_dirs(const char *path, int levels, struct pl_err *err);

/* Refuses path when it is a symbolic link (dangling or not), for a file that is read before it
 * is written (the register, its checkpoint): reading follows links, the O_NOFOLLOW write does
 * not, and a run must not find that out after its report is signed. Returns 0 (absent, or no
 * link) or -1 with err set. */
int fileio_check_not_link(const char *path, struct pl_err *err);

/* Opens path for reading without following a symbolic link (O_NOFOLLOW), as a stdio stream
 * ("re"). Returns the stream, or NULL with errno set (ELOOP for a link). */
FILE *fileio_fopen_read(const char *path);

/* Writes all of data to fd, retrying on EINTR and short writes. Returns 0 or -1 (errno). */
int fileio_write_all(int fd, const void *data, size_t len);

/* Returns 1 if path exists, 0 if not. */
int fileio_exists(const char *path);

/* path made absolute as the user named it: relative to the working directory as the shell
 * names it ($PWD when it is "."), "." and ".." resolved by the text, no symbolic link followed
 * (realpath would give a linked file's target's name: a link named after one night would read
 * as the night it points to). A new string: free() it. */
char *fileio_abspath_named(const char *path);

#endif
