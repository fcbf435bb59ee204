/*-------------------------------------------------------------------------
 *
 * quote.h
 *	  Bounded quoting of user input in messages: a message quotes at most
 *	  LG_QUOTE_MAX bytes of a bad value, so that a 100 MB argument does not
 *	  make a 100 MB error.  Used by the extension and the client alike.
 *
 * Plain C with no PostgreSQL dependency; no shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_QUOTE_H
#define LIFEGUARD_QUOTE_H

#include <stddef.h>

/* bytes of a value a message quotes at most */
#define LG_QUOTE_MAX		100
/* what lg_quote_bounded writes at most: the bytes, "...", the NUL */
#define LG_QUOTE_BUFSIZE	(LG_QUOTE_MAX + 4)

/*
 * The length of the longest prefix of s (len bytes) of at most max bytes
 * that does not cut a UTF-8 character.  The extension uses the server's
 * pg_mbcliplen instead, which knows the database's encoding.
 */
extern size_t lg_utf8_cliplen(const char *s, size_t len, size_t max);

/*
 * The length (1 to 4) of the UTF-8 character s starts with (len > 0 bytes
 * available), or 0 when s does not start with a valid one: a stray
 * continuation byte, a sequence cut short, an overlong form, a surrogate,
 * or beyond U+10FFFF.
 */
extern size_t lg_utf8_char_len(const char *s, size_t len);

/*
 * s (len bytes) for a message, into buf (LG_QUOTE_BUFSIZE bytes): its
 * first clip bytes (clip <= LG_QUOTE_MAX; a character boundary), followed
 * by "..." when that is not all of it.  Returns buf.
 */
extern const char *lg_quote_bounded(char *buf, const char *s, size_t len,
									size_t clip);

#endif							/* LIFEGUARD_QUOTE_H */
