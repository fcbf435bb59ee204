/*-------------------------------------------------------------------------
 *
 * fuzz_cuid2_hash.c
 *	  libFuzzer harness for lg_cuid2_hash (the reference hash(): SHA3-512
 *	  in base36, first digit dropped): any input gives 1 to 100 base36
 *	  digits, the same for the same input.
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
	return 0;
}
