/* pl.h: the first include of every plumbline file: feature macros and attribute macros only. */
#ifndef PL_H
#define PL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__) || defined(__clang__)
#define PL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PL_UNUSED	__attribute__((unused))
#define PL_NORETURN	__attribute__((noreturn))
#define PL_WARN_UNUSED	__attribute__((warn_unused_result))
#else
#define PL_PRINTF(f, a)
#define PL_UNUSED
#define PL_NORETURN
#define PL_WARN_UNUSED
#endif

#ifndef PL_VERSION
#define PL_VERSION "0.0.0"
#endif

#endif
