/*-------------------------------------------------------------------------
 *
 * fuzz_prefixed_id.c
 *	  libFuzzer harness for the binary form of prefixed ids
 *	  (common/prefixed_id.c).  The input is split at its first newline into
 *	  two texts.  For each that lg_prefixed_id_check accepts, the encoding
 *	  decodes to the same text; two encodings compare as their texts
 *	  compare (byte order), and are equal exactly when the texts are.  Any
 *	  input read as an encoding either decodes to a valid prefixed id that
 *	  encodes back to the same bytes, or is refused.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prefixed_id.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static int
text_order(const char *a, size_t alen, const char *b, size_t blen)
{
	int			r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return sign(r);
	return (alen > blen) - (alen < blen);
}

/* encode s when it is a valid prefixed id; false otherwise */
static bool
encode(const char *s, size_t len, unsigned char *out, size_t *outlen)
{
	size_t		plen;
	lg_prefix_problem pp;
	lg_cuid2_problem cp;
	char		back[LG_PREFIXED_ID_MAX];
	size_t		blen;

	if (lg_prefixed_id_check(s, len, &plen, &pp, &cp) != LG_PREFIXED_ID_VALID)
		return false;
	*outlen = lg_prefixed_id_encode(s, len, plen, out);
	if (*outlen < 4 || *outlen > LG_PREFIXED_ID_BINARY_MAX)
		abort();
	if (!lg_prefixed_id_decode(out, *outlen, back, &blen) ||
		blen != len || memcmp(back, s, len) != 0)
		abort();
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a = (const char *) data;
	const char *nl = memchr(data, '\n', size);
	size_t		alen = nl ? (size_t) (nl - a) : size;
	const char *b = nl ? nl + 1 : a;
	size_t		blen = nl ? size - alen - 1 : size;
	unsigned char ea[LG_PREFIXED_ID_BINARY_MAX];
	unsigned char eb[LG_PREFIXED_ID_BINARY_MAX];
	size_t		ealen;
	size_t		eblen;
	bool		va = encode(a, alen, ea, &ealen);
	bool		vb = encode(b, blen, eb, &eblen);
	char		text[LG_PREFIXED_ID_MAX];
	size_t		tlen;

	if (va && vb)
	{
		int			c = sign(lg_prefixed_id_compare(ea, ealen, eb, eblen));

		if (c != text_order(a, alen, b, blen) ||
			c != -sign(lg_prefixed_id_compare(eb, eblen, ea, ealen)))
			abort();
		if ((c == 0) != (ealen == eblen && memcmp(ea, eb, ealen) == 0))
			abort();
	}

	/* the raw input as an encoding */
	if (lg_prefixed_id_decode(data, size, text, &tlen))
	{
		unsigned char again[LG_PREFIXED_ID_BINARY_MAX];
		size_t		againlen;

		if (!encode(text, tlen, again, &againlen) ||
			againlen != size || memcmp(again, data, size) != 0)
			abort();
	}
	return 0;
}
