// SPDX-License-Identifier: GPL-2.0
/* SHA-256 for "nnmemctl demo" (see sha256.h), from OpenSSL's libcrypto. */
#include <openssl/evp.h>

#include "sha256.h"

void nnmemctl_sha256_hex(const void *data, size_t len,
			 char hex[NNMEMCTL_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32) {
		hex[0] = '\0';	/* matches no recorded digest */
		return;
	}
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}
