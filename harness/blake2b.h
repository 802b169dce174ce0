/* blake2b.h: unkeyed BLAKE2b (RFC 7693) with outlen 1..64. OpenSSL 3.0 offers only the fixed
 * 64-byte variant, and minisign's secret-key checksum is BLAKE2b-256; the tests check it against
 * OpenSSL's BLAKE2B-512. */
#ifndef PL_BLAKE2B_H
#define PL_BLAKE2B_H

#include <stddef.h>

/* Writes the outlen-byte digest of data[0..len) to out; does nothing if outlen is not 1..64. */
void blake2b_hash(unsigned char *out, size_t outlen, const void *data, size_t len);

#endif
