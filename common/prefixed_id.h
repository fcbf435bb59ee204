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

/*
 * Compare two encodings as their text forms compare, byte by byte (a
 * shorter text that begins the other first): negative, 0 or positive.
 * Bytes that are not an encoding compare as bytes.
 */
extern int	lg_prefixed_id_compare(const unsigned char *a, size_t alen,
								   const unsigned char *b, size_t blen);

#endif							/* LIFEGUARD_PREFIXED_ID_H */
