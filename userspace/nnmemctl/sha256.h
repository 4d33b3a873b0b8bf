/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4, OpenSSL's libcrypto) of a buffer, for "nnmemctl demo" to
 * check the example's output against examples/residual_block.sha256.
 */
#ifndef NNMEMCTL_SHA256_H
#define NNMEMCTL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NNMEMCTL_SHA256_HEX	65	/* 64 hex digits and the NUL */

/* The digest of @len bytes at @data as 64 lowercase hex digits in @hex. */
void nnmemctl_sha256_hex(const void *data, size_t len,
			 char hex[NNMEMCTL_SHA256_HEX]);

#endif /* NNMEMCTL_SHA256_H */
