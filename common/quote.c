/*-------------------------------------------------------------------------
 *
 * quote.c
 *	  Bounded quoting of user input in messages (see quote.h).
 *
 * Plain C with no PostgreSQL dependency; no shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "quote.h"

#include <string.h>

size_t
lg_utf8_cliplen(const char *s, size_t len, size_t max)
{
	size_t		n;

	if (len <= max)
		return len;
	n = max;
	/* back off to the first byte of the character that does not fit */
	while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

const char *
lg_quote_bounded(char *buf, const char *s, size_t len, size_t clip)
{
	if (clip > LG_QUOTE_MAX)
		clip = LG_QUOTE_MAX;
	if (clip > len)
		clip = len;
	memcpy(buf, s, clip);
	if (clip < len)
	{
		memcpy(buf + clip, "...", 4);
		return buf;
	}
	buf[clip] = '\0';
	return buf;
}
