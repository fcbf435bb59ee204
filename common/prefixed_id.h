/*-------------------------------------------------------------------------
 *
 * prefixed_id.h
 *	  The binary form of a prefixed id (prefix '_' CUID2), for the SQL type
 *	  prefixed_id: its encoding, decoding and order.
 *
 * Plain C with no PostgreSQL dependency (the fuzzers build it too).  The
 * encoding of a valid prefixed id of prefix length p and CUID2 length n:
 *
 *   byte 0          n (2 to 32)
 *   ceil(6p/8)      the prefix, six bits a character, most significant
 *   bytes           first: '0'-'9' are 1-10, '_' 11, 'a'-'z' 12-37,
 *                   zero bits after the last character
 *   body bytes(n)   the CUID2 read as one base36 number (its first
 *                   character, a letter, the digit 0 to 25), big-endian,
 *                   in the fewest bytes that hold 26 * 36^(n-1) values
 *
 * ws_ and a CUID2 of 24 characters take 1 + 2 + 16 = 19 bytes (20 with the
 * one-byte varlena header on disk, against 28 as text); every prefix of up
 * to 8 characters keeps a 24-character id within 24 bytes.  Each id has
 * exactly one encoding, so equality and hashing are on the bytes.  Two
 * encodings of the same CUID2 length and prefix compare as their bodies'
 * bytes, which is the order of the text form; any other pair is compared
 * as text (byte order, as COLLATE "C").
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_PREFIXED_ID_H
#define LIFEGUARD_PREFIXED_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cuid2.h"

/* a prefix of 63 characters takes 48 bytes; a CUID2 of 32, 21 */
#define LG_PREFIXED_ID_BINARY_MAX	(1 + 48 + 21)

/*
 * Encode a valid prefixed id (lg_prefixed_id_check said so, and gave
 * prefix_len) into out (LG_PREFIXED_ID_BINARY_MAX bytes); returns the
 * number of bytes written.
 */
extern size_t lg_prefixed_id_encode(const char *id, size_t len,
									size_t prefix_len, unsigned char *out);

/*
 * The text form of an encoding into out (LG_PREFIXED_ID_MAX bytes, not
 * terminated), its length into *out_len; false when the bytes are not the
 * encoding of a prefixed id.
 */
extern bool lg_prefixed_id_decode(const unsigned char *bin, size_t len,
								  char *out, size_t *out_len);

/* bytes of the body of a CUID2 of n characters (2 to 32) */
extern const unsigned char lg_prefixed_id_body_bytes[LG_CUID2_MAX_LENGTH + 1];

/* lg_prefixed_id_compare for encodings that differ in length or prefix */
extern int	lg_prefixed_id_compare_texts(const unsigned char *a, size_t alen,
										 const unsigned char *b, size_t blen);

/*
 * Compare two encodings as their text forms compare, byte by byte (a
 * shorter text that begins the other first): negative, 0 or positive.
 * Bytes that are not an encoding compare as bytes.  Inline for its common
 * case, one CUID2 length and one prefix: then the bodies decide, as
 * big-endian numbers, and the bytes after the length byte are compared
 * eight at a time; the first difference, if it is in the prefix, sends
 * the pair to lg_prefixed_id_compare_texts.
 */
static inline int
lg_prefixed_id_compare(const unsigned char *a, size_t alen,
					   const unsigned char *b, size_t blen)
{
	if (alen == blen && alen > 1 && a[0] == b[0] &&
		a[0] >= LG_CUID2_MIN_LENGTH && a[0] <= LG_CUID2_MAX_LENGTH &&
		alen > 1 + (size_t) lg_prefixed_id_body_bytes[a[0]])
	{
		size_t		head = alen - lg_prefixed_id_body_bytes[a[0]];
		size_t		i = 1;

		for (; i + 8 <= alen; i += 8)
		{
			uint64_t	x;
			uint64_t	y;

			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
			{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				if (i + (size_t) (__builtin_ctzll(x ^ y) / 8) < head)
					return lg_prefixed_id_compare_texts(a, alen, b, blen);
				x = __builtin_bswap64(x);
				y = __builtin_bswap64(y);
#else
				if (i + (size_t) (__builtin_clzll(x ^ y) / 8) < head)
					return lg_prefixed_id_compare_texts(a, alen, b, blen);
#endif
				return x < y ? -1 : 1;
			}
		}
		for (; i < alen; i++)
			if (a[i] != b[i])
			{
				if (i < head)
					return lg_prefixed_id_compare_texts(a, alen, b, blen);
				return a[i] < b[i] ? -1 : 1;
			}
		return 0;
	}
	return lg_prefixed_id_compare_texts(a, alen, b, blen);
}

#endif							/* LIFEGUARD_PREFIXED_ID_H */
