/* hex.h: lower-case hex encoding and SHA-256 as hex: the one copy for every layer (probes
 * sign with it, the harness names reports, register entries and recordings with it). */
#ifndef PL_HEX_H
#define PL_HEX_H

#include "pl.h"

/* Writes the n bytes of in as 2n lower-case hex digits and a NUL: out holds 2n + 1 bytes. */
void hex_encode(const void *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1 when c is not one. */
int hex_digit(char c);

/* SHA-256 of data (may be NULL when len is 0) as 64 lower-case hex digits and a NUL. Returns
 * 0, or -1 (out is then "") if OpenSSL could not compute it. */
int hex_sha256(const void *data, size_t len, char out[65]);

#endif
