/*-------------------------------------------------------------------------
 *
 * fuzz_cuid2_hash.c
 *	  libFuzzer harness for lg_cuid2_hash (the reference hash(): SHA3-512
 *	  in base36, first digit dropped): any input gives 1 to 100 base36
 *	  digits, the same for the same input.  And for the quick leading
 *	  digits of a digest: the input's first 64 bytes (zero-padded), read
 *	  as a digest, have the leading digits of their whole conversion, and
 *	  an id's digits (2 to length) are those of the whole conversion, or
 *	  the quick methods decline.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuid2.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		a[LG_CUID2_HASH_MAX + 1];
	char		b[LG_CUID2_HASH_MAX + 1];
	size_t		alen = 0;
	size_t		blen = 0;

	if (lg_cuid2_hash(data, size, a, &alen) != LG_CUID2_OK ||
		lg_cuid2_hash(data, size, b, &blen) != LG_CUID2_OK)
		abort();
	if (alen < 1 || alen > LG_CUID2_HASH_MAX || alen != blen ||
		strlen(a) != alen || memcmp(a, b, alen) != 0)
		abort();
	for (size_t i = 0; i < alen; i++)
		if (!((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z')))
			abort();

	{
		unsigned char digest[LG_CUID2_DIGEST_BYTES] = {0};
		char		all[LG_CUID2_HASH_MAX + 1];
		char		quick[LG_CUID2_MAX_LENGTH + 1];
		int			count = 1 + (size > 0 ? data[0] : 0) % (LG_CUID2_MAX_LENGTH + 1);
		size_t		n;

		memcpy(digest, data, size < sizeof(digest) ? size : sizeof(digest));
		n = lg_cuid2_digest_base36(digest, all);
		if (n < 1 || n > LG_CUID2_HASH_MAX || strlen(all) != n)
			abort();
		if (lg_cuid2_digest_leading(digest, count, quick) &&
			(n < (size_t) count || memcmp(quick, all, (size_t) count) != 0))
			abort();
		if (count >= LG_CUID2_MIN_LENGTH && count <= LG_CUID2_MAX_LENGTH &&
			lg_cuid2_digest_id_digits(digest, count, quick) &&
			(n < (size_t) count + 1 || memcmp(quick, all + 2, (size_t) count - 1) != 0))
			abort();
	}
	return 0;
}
