/*-------------------------------------------------------------------------
 *
 * prefixed_id.c
 *	  The binary form of a prefixed id: encoding, decoding and the order of
 *	  the text form.  The layout is described in prefixed_id.h.
 *
 * The prefix's six-bit code keeps the characters' order ('0' < '9' < '_'
 * < 'a' < 'z', as in ASCII) and leaves 0 for "no character", so an
 * encoding's prefix length needs no byte of its own.  A body of n
 * characters is a number below 26 * 36^(n-1): written in a fixed number of
 * bytes for n, big-endian, the bodies of one length sort as their text.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "prefixed_id.h"

#include <stdint.h>
#include <string.h>

/*
 * Bytes of the body of a CUID2 of n characters, ceil(log2(26 * 36^(n-1)) /
 * 8); test/sql/prefixed_id.sql checks each size against that formula.
 */
const unsigned char lg_prefixed_id_body_bytes[LG_CUID2_MAX_LENGTH + 1] = {
	0, 0, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 9, 10, 11,
	11, 12, 13, 13, 14, 15, 15, 16, 17, 17, 18, 19, 19, 20, 20, 21
};

/* a body needs at most 165 bits: six 32-bit limbs */
#define BODY_LIMBS	6

/* the six-bit code of a prefix character, and back */
static inline unsigned int
prefix_code(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int) (c - '0') + 1;
	if (c == '_')
		return 11;
	return (unsigned int) (c - 'a') + 12;
}

static const char prefix_chars[] = "?0123456789_abcdefghijklmnopqrstuvwxyz";

/* the base36 value of a CUID2 character: '0'-'9' and 'a'-'z' */
static const unsigned char digit_values[256] = {
	['0'] = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	['a'] = 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
	28, 29, 30, 31, 32, 33, 34, 35
};

static inline uint32_t
digit_value(char c)
{
	return digit_values[(unsigned char) c];
}

#ifdef __SIZEOF_INT128__
/* w into out, most significant byte first */
static inline void
put_be64(uint64_t w, unsigned char *out)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(out, &w, 8);
}
#endif

size_t
lg_prefixed_id_encode(const char *id, size_t len, size_t prefix_len,
					  unsigned char *out)
{
	const char *body = id + prefix_len + 1;
	size_t		n = len - prefix_len - 1;
	size_t		bb = lg_prefixed_id_body_bytes[n];
	size_t		o = 1;
	uint32_t	acc = 0;
	int			bits = 0;
	uint32_t	limbs[BODY_LIMBS] = {0};	/* least significant first */
	size_t		i;
	size_t		k;

	out[0] = (unsigned char) n;
	/* the prefix, six bits a character */
	for (i = 0; i < prefix_len; i++)
	{
		acc = (acc << 6) | prefix_code(id[i]);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out[o++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (bits > 0)
		out[o++] = (unsigned char) (acc << (8 - bits));

#ifdef __SIZEOF_INT128__
	/*
	 * Up to 24 characters the body fits in 128 bits.  Four characters make
	 * a group (below 36^4) independently of the others; the groups are then
	 * joined, so the chain of dependent multiplications is short.
	 */
	if (n <= 24)
	{
		unsigned __int128 v = 0;
		unsigned char bytes[16];

		/* the letter's value is its base36 digit less 10 */
		i = 0;
		k = n % 4;
		if (k != 0)
		{
			uint64_t	g = digit_value(body[0]) - 10;

			for (i = 1; i < k; i++)
				g = g * 36 + digit_value(body[i]);
			v = g;
		}
		for (; i < n; i += 4)
		{
			uint64_t	g = (uint64_t) (digit_value(body[i]) - (i == 0 ? 10 : 0)) * 46656 +
				digit_value(body[i + 1]) * 1296 +
				digit_value(body[i + 2]) * 36 +
				digit_value(body[i + 3]);

			v = v * 1679616 + g;	/* 36^4 */
		}
		put_be64((uint64_t) (v >> 64), bytes);
		put_be64((uint64_t) v, bytes + 8);
		memcpy(out + o, bytes + 16 - bb, bb);
		return o + bb;
	}
#endif
	/* the body as a number, six digits (below 36^6 < 2^32) at a time */
	for (i = 0; i < n;)
	{
		size_t		chunk = i == 0 && n % 6 ? n % 6 : 6;
		uint32_t	v = 0;
		uint32_t	scale = 1;
		uint64_t	carry;

		for (k = 0; k < chunk; k++, i++)
		{
			v = v * 36 + (i == 0 ? digit_value(body[0]) - 10 : digit_value(body[i]));
			scale *= 36;
		}
		carry = v;
		for (k = 0; k < BODY_LIMBS; k++)
		{
			uint64_t	t = (uint64_t) limbs[k] * scale + carry;

			limbs[k] = (uint32_t) t;
			carry = t >> 32;
		}
	}
	for (k = 0; k < bb; k++)
		out[o + bb - 1 - k] = (unsigned char) (limbs[k / 4] >> (8 * (k % 4)));
	return o + bb;
}

/*
 * The prefix of an encoding into out; false when the bytes are not one.
 * *body_at receives where the body starts.
 */
static bool
decode_prefix(const unsigned char *bin, size_t len, char *out, size_t *plen,
			  size_t *body_at)
{
	size_t		n;
	size_t		pb;
	size_t		groups;
	size_t		p = 0;
	size_t		g;

	if (len < 1 + 1 + 2 || bin[0] < LG_CUID2_MIN_LENGTH || bin[0] > LG_CUID2_MAX_LENGTH)
		return false;
	n = bin[0];
	if (len <= 1 + (size_t) lg_prefixed_id_body_bytes[n])
		return false;
	pb = len - 1 - lg_prefixed_id_body_bytes[n];
	groups = pb * 8 / 6;
	for (g = 0; g < groups; g++)
	{
		size_t		bit = 6 * g;	/* first bit of the group */
		unsigned int two = ((unsigned int) bin[1 + bit / 8] << 8) |
			(bit / 8 + 1 < pb ? bin[1 + bit / 8 + 1] : 0);
		unsigned int code = (two >> (10 - bit % 8)) & 63;

		if (code == 0)
			break;
		if (code > 37 || p >= LG_PREFIX_MAX_LENGTH)
			return false;
		out[p++] = prefix_chars[code];
	}
	/* one encoding per id: no other bits set, no spare byte */
	if (p == 0 || (6 * p + 7) / 8 != pb)
		return false;
	if (6 * p % 8 != 0 && (bin[pb] & ((1u << (8 - 6 * p % 8)) - 1)) != 0)
		return false;
	if (lg_prefix_check(out, p) != LG_PREFIX_OK)
		return false;
	*plen = p;
	*body_at = 1 + pb;
	return true;
}

bool
lg_prefixed_id_decode(const unsigned char *bin, size_t len, char *out,
					  size_t *out_len)
{
	size_t		p;
	size_t		at;
	size_t		n;
	size_t		bb;
	uint32_t	limbs[BODY_LIMBS] = {0};	/* most significant first */
	char		digits[LG_CUID2_HASH_MAX];
	size_t		nd;
	size_t		k;

	if (!decode_prefix(bin, len, out, &p, &at))
		return false;
	n = bin[0];
	bb = lg_prefixed_id_body_bytes[n];
	for (k = 0; k < bb; k++)
		limbs[BODY_LIMBS - 1 - k / 4] |= (uint32_t) bin[at + bb - 1 - k] << (8 * (k % 4));
	nd = lg_base36_from_limbs(limbs, BODY_LIMBS, digits);
	if (nd > n || (nd == n && digits[0] > 'p'))
		return false;			/* not below 26 * 36^(n-1) */
	out[p] = '_';
	/* n digits, leading zeros included; the first is the letter's */
	memset(out + p + 1, '0', n - nd);
	memcpy(out + p + 1 + n - nd, digits, nd);
	{
		char	   *first = out + p + 1;

		*first = (char) ('a' + (*first <= '9' ? *first - '0' : *first - 'a' + 10));
	}
	*out_len = p + 1 + n;
	return true;
}

/* text order: the bytes of the shorter, then the shorter first */
static int
text_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int			r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* a text decoded from its binary form, or its prefix alone */
typedef struct Decoded
{
	char		text[LG_PREFIXED_ID_MAX];
	size_t		len;
} Decoded;

/* the order of the texts, from the whole texts */
static int
compare_decoded(const unsigned char *a, size_t alen,
				const unsigned char *b, size_t blen)
{
	Decoded		x;
	Decoded		y;

	if (!lg_prefixed_id_decode(a, alen, x.text, &x.len) ||
		!lg_prefixed_id_decode(b, blen, y.text, &y.len))
		return text_compare((const char *) a, alen, (const char *) b, blen);
	return text_compare(x.text, x.len, y.text, y.len);
}

int
lg_prefixed_id_compare_texts(const unsigned char *a, size_t alen,
							 const unsigned char *b, size_t blen)
{
	Decoded		x;
	Decoded		y;
	size_t		at;
	int			r;

	/*
	 * Different prefixes mostly differ within the shorter one, or where the
	 * shorter one's '_' meets the other's next character; else compare the
	 * whole texts.
	 */
	if (!decode_prefix(a, alen, x.text, &x.len, &at) ||
		!decode_prefix(b, blen, y.text, &y.len, &at))
		return compare_decoded(a, alen, b, blen);
	r = memcmp(x.text, y.text, x.len < y.len ? x.len : y.len);
	if (r != 0)
		return r;
	if (x.len < y.len && y.text[x.len] != '_')
		return '_' < y.text[x.len] ? -1 : 1;
	if (x.len > y.len && x.text[y.len] != '_')
		return x.text[y.len] < '_' ? -1 : 1;
	return compare_decoded(a, alen, b, blen);
}
