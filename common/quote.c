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

size_t
lg_utf8_char_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		n;
	unsigned int cp;

	if (u[0] < 0x80)
		return 1;
	if ((u[0] & 0xe0) == 0xc0)
		n = 2, cp = u[0] & 0x1f;
	else if ((u[0] & 0xf0) == 0xe0)
		n = 3, cp = u[0] & 0x0f;
	else if ((u[0] & 0xf8) == 0xf0)
		n = 4, cp = u[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++)
	{
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		(cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
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
