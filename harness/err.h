/* err.h: the one error convention. Functions return 0 on success or -1 after filling a
 * caller-owned struct pl_err. The first error wins: later pl_err_set calls on an already-set
 * error do nothing, so the innermost (most precise) cause is what the user reads.
 *
 * Messages are lower case, say what is wrong, quote the subject, and never contain a secret or
 * a request body. `where` names the place: "suites/core.json:14:9: prompts[3].checks[0].pattern"
 * or "vendor \"openai-prod\"". */
#ifndef PL_ERR_H
#define PL_ERR_H

#include "pl.h"

enum pl_ecode {
	PL_E_NONE = 0,
	PL_E_USAGE,	/* bad command line */
	PL_E_INPUT,	/* bad config, suite, baseline or other user file */
	PL_E_VENDOR,	/* the vendor could not be used: unreachable, auth, budget */
	PL_E_IO,	/* local file system or OS failure */
	PL_E_INTEGRITY, /* a signature, hash chain or proof does not verify */
	PL_E_INTERNAL,	/* a bug or resource exhaustion */
};

struct pl_err {
	enum pl_ecode code;
	char where[512];
	char msg[1024];
};

#define PL_ERR_INIT               \
	{                         \
		PL_E_NONE, "", "" \
	}

void pl_err_init(struct pl_err *e);
/* Records the error unless one is already set. Returns -1 so callers can `return pl_err_set(...)`.
 * `where` may be NULL. `e` may be NULL (the error is then dropped). */
int pl_err_set(struct pl_err *e, enum pl_ecode code, const char *where, const char *fmt, ...)
	PL_PRINTF(4, 5);
/* Like pl_err_set, with errno's text appended as ": <strerror>". */
int pl_err_errno(struct pl_err *e, enum pl_ecode code, const char *where, const char *fmt, ...)
	PL_PRINTF(4, 5);
int pl_err_isset(const struct pl_err *e);
/* Formats "where: msg" (or just "msg") into buf; returns buf. */
const char *pl_err_str(const struct pl_err *e, char *buf, size_t len);

#endif
