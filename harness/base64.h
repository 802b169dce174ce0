/* base64.h: base64 (RFC 4648, padded), shared by the signatures (sign.c) and the register. */
#ifndef PL_BASE64_H
#define PL_BASE64_H

#include "sbuf.h"

#include <stddef.h>

/* Appends the base64 encoding of data[0..len) to out. */
void base64_add(struct sbuf *out, const unsigned char *data, size_t len);
/* Decodes exactly `want` bytes of base64 from s[0..len) (trailing CR and spaces ignored).
 * Returns 0 only when s decodes to exactly `want` bytes, else -1. */
int base64_decode(const char *s, size_t len, unsigned char *out, size_t want);

#endif
