/* err.c: the first-error-wins error record used by every module. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pl_err_init(struct pl_err *e)
{
	if (!e)
		return;
	e->code = PL_E_NONE;
	e->where[0] = '\0';
	e->msg[0] = '\0';
}

static int vset(struct pl_err *e, enum pl_ecode code, const char *where, const char *suffix,
		const char *fmt, va_list ap) PL_PRINTF(5, 0);

static int vset(struct pl_err *e, enum pl_ecode code, const char *where, const char *suffix,
		const char *fmt, va_list ap)
{
	size_t n;

	if (!e || e->code != PL_E_NONE)
		return -1;
	e->code = code == PL_E_NONE ? PL_E_INTERNAL : code;
	snprintf(e->where, sizeof(e->where), "%s", where ? where : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (suffix) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", suffix);
	}
	return -1;
}

int pl_err_set(struct pl_err *e, enum pl_ecode code, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, code, where, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int pl_err_errno(struct pl_err *e, enum pl_ecode code, const char *where, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vset(e, code, where, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int pl_err_isset(const struct pl_err *e)
{
	return e && e->code != PL_E_NONE;
}

const char *pl_err_str(const struct pl_err *e, char *buf, size_t len)
{
	if (!e || e->code == PL_E_NONE)
		snprintf(buf, len, "no error");
	else if (e->where[0])
		snprintf(buf, len, "%s: %s", e->where, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
	return buf;
}
