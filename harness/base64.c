/* base64.c: base64 (RFC 4648, padded) through OpenSSL's EVP block coder, for minisign's key
 * and signature lines and the register's signatures. */
#include "base64.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

void base64_add(struct sbuf *out, const unsigned char *data, size_t len)
{
	size_t need = 4 * ((len + 2) / 3) + 1;

	sbuf_grow(out, need);
	out->len += (size_t)EVP_EncodeBlock((unsigned char *)out->buf + out->len, data, (int)len);
	out->buf[out->len] = '\0';
}

int base64_decode(const char *s, size_t len, unsigned char *out, size_t want)
{
	unsigned char *tmp;
	size_t pad = 0;
	int n, rc = -1;

	while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (len == 0 || len % 4 || len > 4096)
		return -1;
	if (s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	tmp = xmalloc(len);
	n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	if (n >= 0 && (size_t)n - pad == want) {
		memcpy(out, tmp, want);
		rc = 0;
	}
	OPENSSL_cleanse(tmp, len);
	free(tmp);
	return rc;
}
