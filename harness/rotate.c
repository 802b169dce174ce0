/* rotate.c: signing-key rotation and the recovery of one a crash interrupted (see rotate.h). */
#include "rotate.h"
#include "fileio.h"
#include "lock.h"
#include "register.h"
#include "sbuf.h"
#include "sign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* path + a + b (b may be NULL): a new string. */
static char *with_suffix(const char *path, const char *a, const char *b)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addstr(&sb, path);
	sbuf_addstr(&sb, a);
	if (b)
		sbuf_addstr(&sb, b);
	return sbuf_detach(&sb, NULL);
}

static void sync_dir_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash)
		*slash = '\0';
	fd = open(slash && *dir ? dir : (slash ? "/" : "."), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Overwrites a secret key file with zeros, syncs it and removes it (best effort on file
 * systems that write elsewhere: copy-on-write, flash). Missing is fine. */
static void wipe(const char *path)
{
	char zeros[4096];
	struct stat st;
	off_t left;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	memset(zeros, 0, sizeof(zeros));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		for (left = st.st_size; left > 0; left -= (off_t)sizeof(zeros))
			if (fileio_write_all(fd, zeros,
					     left < (off_t)sizeof(zeros) ? (size_t)left
									 : sizeof(zeros)) < 0)
				break;
		fsync(fd);
	}
	close(fd);
	unlink(path);
	sync_dir_of(path);
}

/* Wipes SECRET.retired-* files a crash left behind (step 4 interrupted): a retired key never
 * signs again, so none of them is needed. */
static void wipe_retired(const char *sk)
{
	char *dir = xstrdup(sk), *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : sk;
	struct sbuf prefix, file;
	struct dirent *e;
	DIR *d;

	if (slash)
		*slash = '\0';
	d = opendir(slash ? (*dir ? dir : "/") : ".");
	sbuf_init(&prefix);
	sbuf_init(&file);
	sbuf_addf(&prefix, "%s.retired-", base);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix.buf, prefix.len))
			continue;
		sbuf_reset(&file);
		sbuf_addf(&file, "%s/%s", slash ? (*dir ? dir : "") : ".", e->d_name);
		wipe(file.buf);
	}
	if (d)
		closedir(d);
	sbuf_release(&prefix);
	sbuf_release(&file);
	free(dir);
}

/* Keeps the old public file at path as path.KEYID (when it holds the old key and no such copy
 * exists). Returns 1 when kept (or already kept), 0 when there was nothing to keep, -1. */
static int keep_public(const char *path, const struct sign_pub *old, const char *old_id,
		       struct pl_err *err)
{
	struct pl_err ignore = PL_ERR_INIT;
	struct sign_pub *have = NULL;
	char *dest = NULL, *text = NULL;
	size_t len;
	int rc = 0;

	if (!fileio_exists(path))
		return 0;
	have = sign_pub_load(path, &ignore);
	if (!sign_pub_equal(have, old))
		goto out; /* already the new key (a finished step), or not ours */
	dest = with_suffix(path, ".", old_id);
	if (fileio_exists(dest)) {
		rc = 1;
		goto out;
	}
	if (fileio_read_all(path, 65536, &text, &len, err) < 0 ||
	    fileio_write_atomic(dest, text, len, 0644, err) < 0)
		rc = -1;
	else
		rc = 1;
out:
	free(text);
	free(dest);
	sign_pub_free(have);
	return rc;
}

/* Steps 3 and 4: the public files, then the secret key. */
static int install(const struct rotate_paths *p, const struct sign_pub *oldp,
		   const struct sign_pub *newp, const char *next, struct rotate_result *out,
		   struct pl_err *err)
{
	char *pem = with_suffix(p->public_key, ".pem", NULL), *pem_keep = NULL, *retired = NULL;
	int kept, rc = -1;

	kept = keep_public(p->public_key, oldp, out->old_key, err);
	if (kept < 0)
		goto out;
	/* the PEM's copy is PUBLIC.KEYID.pem: the PEM beside the kept PUBLIC.KEYID */
	if (fileio_exists(pem)) {
		struct pl_err ignore = PL_ERR_INIT;
		struct sign_pub *have = sign_pub_load(pem, &ignore);
		char *text = NULL;
		size_t len;

		pem_keep = with_suffix(p->public_key, ".", out->old_key);
		{
			char *t = with_suffix(pem_keep, ".pem", NULL);

			free(pem_keep);
			pem_keep = t;
		}
		if (sign_pub_equal(have, oldp) && !fileio_exists(pem_keep) &&
		    (fileio_read_all(pem, 65536, &text, &len, err) < 0 ||
		     fileio_write_atomic(pem_keep, text, len, 0644, err) < 0)) {
			free(text);
			sign_pub_free(have);
			goto out;
		}
		free(text);
		sign_pub_free(have);
	}
	if (kept == 0) {
		/* no public file held the old key (deleted, or a finished step): its copy comes
		 * from the secret key, as baseline accept and auditors look for PUBLIC.KEYID */
		char *keep = with_suffix(p->public_key, ".", out->old_key);

		if (!fileio_exists(keep) && sign_pub_write(oldp, keep, NULL, err) < 0) {
			free(keep);
			goto out;
		}
		kept = fileio_exists(keep);
		free(keep);
	}
	out->old_public_kept = kept > 0;
	if (sign_pub_write(newp, p->public_key, pem, err) < 0)
		goto out;
	/* the old key stays linked under another name until the new one holds the name: the
	 * secret key is always one of the two */
	retired = with_suffix(p->secret_key, ".retired-", out->old_key);
	if (link(p->secret_key, retired) < 0 && errno != EEXIST) {
		pl_err_errno(err, PL_E_IO, retired, "cannot set the old secret key aside");
		goto out;
	}
	if (rename(next, p->secret_key) < 0) {
		pl_err_errno(err, PL_E_IO, p->secret_key,
			     "cannot put the new secret key %s in place", next);
		goto out;
	}
	sync_dir_of(p->secret_key);
	wipe(retired);
	rc = 0;
out:
	free(retired);
	free(pem_keep);
	free(pem);
	return rc;
}

/* The public key file must hold the old key, or the new one (a rotation interrupted after
 * step 3): another key there would be written over without being kept. */
static int public_is_ours(const char *path, const struct sign_pub *oldp, const struct sign_pub *cur,
			  struct pl_err *err)
{
	struct pl_err ignore = PL_ERR_INIT;
	struct sign_pub *have;
	char id[17], want[17];
	int ok;

	if (!fileio_exists(path))
		return 0;
	have = sign_pub_load(path, &ignore);
	ok = sign_pub_equal(have, oldp) || sign_pub_equal(have, cur);
	if (!ok)
		pl_err_set(err, PL_E_IO, path,
			   "holds key %s, not the secret key's public half %s: the rotation would "
			   "write over it; find out which is right first ('plumbline doctor')",
			   have ? sign_pub_keyid(have, id) : "(unreadable)",
			   sign_pub_keyid(oldp, want));
	sign_pub_free(have);
	return ok ? 0 : -1;
}

int rotate_lock_shared(const char *register_path, struct pl_err *err)
{
	char *path = with_suffix(register_path, ".rotate.lock", NULL);
	char *dir = xstrdup(register_path), *slash = strrchr(dir, '/');
	int fd = -1;

	if (slash)
		*slash = '\0';
	if ((!slash || !*dir || fileio_mkdirs(dir, err) == 0) &&
	    fileio_check_dirs(path, 1, err) == 0)
		fd = lock_file_acquire_mode(path, LOCK_FILE_SHARED, err);
	free(dir);
	free(path);
	return fd;
}

int rotate_key(const struct rotate_paths *p, const char *reason, struct rotate_result *out,
	       struct pl_err *err)
{
	char *lock_path = with_suffix(p->register_path, ".rotate.lock", NULL);
	char *next = with_suffix(p->secret_key, ".next", NULL);
	struct sign_key *old = NULL, *neu = NULL;
	struct sign_pub *oldp = NULL, *newp = NULL;
	const struct sign_pub *cur;
	struct reg *r = NULL;
	long long rot;
	char id[17];
	int lock_fd = -1, rc = -1;

	memset(out, 0, sizeof(*out));
	out->seq = -1;
	if (fileio_check_dirs(lock_path, 1, err) < 0)
		goto out;
	lock_fd = lock_file_acquire_mode(lock_path, LOCK_FILE_NOWAIT, err);
	if (lock_fd < 0) {
		if (err->code == PL_E_VENDOR) {
			pl_err_init(err); /* the first error wins: this one says more */
			pl_err_set(err, PL_E_VENDOR, lock_path,
				   "a run (or another rotation) is signing with the key now: "
				   "rotate when it has finished");
		}
		goto out;
	}
	old = sign_key_load(p->secret_key, err);
	if (!old)
		goto out;
	oldp = sign_key_pub(old);
	sign_pub_keyid(oldp, out->old_key);
	if (!fileio_exists(p->register_path)) {
		pl_err_set(err, PL_E_IO, p->register_path,
			   "the register does not exist: there is nothing to hand over (a new "
			   "register starts with 'plumbline keygen')");
		goto out;
	}
	r = register_open_flags(p->register_path, old, REGISTER_OPEN_HANDED_OVER, err);
	if (!r || public_is_ours(p->public_key, oldp, register_current_key(r, NULL), err) < 0)
		goto out;
	wipe_retired(p->secret_key);
	cur = register_current_key(r, &rot);
	if (!sign_pub_equal(cur, oldp)) {
		/* step 2 was done: finish with the new key it named, which must be SECRET.next */
		sign_pub_keyid(cur, out->new_key);
		out->seq = rot;
		out->finished = 1;
		if (!fileio_exists(next)) {
			pl_err_set(err, PL_E_IO, next,
				   "register entry #%lld handed the register over to key %s, but "
				   "its secret key is not here (%s is the old key %s): the new "
				   "key is lost, so the register cannot be extended: close it "
				   "(see 'Changing, losing or revoking a key' in the README)",
				   rot, out->new_key, p->secret_key, out->old_key);
			goto out;
		}
		neu = sign_key_load(next, err);
		if (!neu)
			goto out;
		newp = sign_key_pub(neu);
		if (!sign_pub_equal(newp, cur)) {
			pl_err_set(err, PL_E_IO, next,
				   "holds key %s, but register entry #%lld handed the register "
				   "over to key %s: this is not its key; restore that key's "
				   "secret key file as %s",
				   sign_pub_keyid(newp, id), rot, out->new_key, next);
			goto out;
		}
		if (register_finish_rotation(r, neu, err) < 0)
			goto out;
	} else {
		/* a SECRET.next that no entry names was never used: step 1 of a rotation that
		 * died before its entry */
		if (fileio_exists(next))
			wipe(next);
		if (sign_keygen_secret(next, err) < 0)
			goto out;
		neu = sign_key_load(next, err);
		if (!neu)
			goto out;
		newp = sign_key_pub(neu);
		sign_pub_keyid(newp, out->new_key);
		out->seq = register_append_rotation(r, neu, reason, NULL, err);
		if (out->seq < 0)
			goto out;
	}
	if (install(p, oldp, newp, next, out, err) < 0)
		goto out;
	rc = 0;
out:
	register_close(r);
	sign_pub_free(oldp);
	sign_pub_free(newp);
	sign_key_free(old);
	sign_key_free(neu);
	lock_file_release(lock_fd);
	free(lock_path);
	free(next);
	return rc;
}
