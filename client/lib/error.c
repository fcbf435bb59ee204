/*-------------------------------------------------------------------------
 *
 * error.c
 *	  Error reporting shared by liblifeguard's sources: the status names,
 *	  lg_fail, and messages made to fit a buffer, keeping their start and
 *	  their end (where libpq puts the reason).
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *
lg_status_name(lg_status status)
{
	switch (status)
	{
		case LG_OK:
			return "ok";
		case LG_ERR_CONFIG:
			return "config";
		case LG_ERR_CONNECT:
			return "connect";
		case LG_ERR_TIMEOUT:
			return "timeout";
		case LG_ERR_QUERY:
			return "query";
		case LG_ERR_BROKEN:
			return "broken";
		case LG_ERR_MISUSE:
			return "misuse";
		case LG_ERR_CLOSED:
			return "closed";
		case LG_ERR_INTERNAL:
			return "internal";
	}
	return "unknown";
}

/*
 * Collapse a libpq message (which may span lines and end in a newline) into
 * one line: line breaks become "; ", the trailing ones go.
 */
void
lg_one_line(char *s)
{
	char	   *o = s;
	size_t		len;

	for (char *p = s; *p; p++)
	{
		if (*p == '\n' || *p == '\r')
		{
			/*
			 * A run of line breaks and indentation becomes "; " (or " " when
			 * the run is one character: the output never outgrows the
			 * input); breaks at the end are dropped.
			 */
			char	   *q = p;

			while (*q == '\n' || *q == '\r' || *q == '\t' || *q == ' ')
				q++;
			if (*q != '\0' && o != s)
			{
				if (q - p >= 2)
					*o++ = ';';
				*o++ = ' ';
			}
			p = q - 1;
			continue;
		}
		*o++ = (*p == '\t') ? ' ' : *p;
	}
	*o = '\0';
	len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		s[--len] = '\0';
}

lg_status
lg_fail(lg_error *err, lg_status status, const char *fmt,...)
{
	va_list		ap;
	char	   *full;
	int			len;

	if (err == NULL)
		return status;
	err->status = status;
	err->sqlstate[0] = '\0';
	err->statement_sent = false;
	va_start(ap, fmt);
	len = vasprintf(&full, fmt, ap);
	va_end(ap);
	if (len < 0)
	{
		/* out of memory: what fits, cut at the end */
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		lg_one_line(err->message);
		return status;
	}
	/* a long message loses its middle, not its end (the reason) */
	lg_one_line(full);
	lg_message_fit(err->message, sizeof(err->message), full);
	explicit_bzero(full, (size_t) len);
	free(full);
	return status;
}

/*
 * Copy src into dst (size bytes).  When it does not fit, keep its start
 * and its end, which holds the reason in libpq's messages, joined by
 * " ... "; cuts fall between UTF-8 characters.
 */
void
lg_message_fit(char *dst, size_t size, const char *src)
{
	static const char gap[] = " ... ";
	size_t		len = strlen(src);
	size_t		head;
	size_t		tail;

	if (size == 0)
		return;
	if (len < size)
	{
		memmove(dst, src, len + 1);
		return;
	}
	if (size < sizeof(gap) + 2)
	{
		memmove(dst, src, size - 1);
		dst[size - 1] = '\0';
		return;
	}
	/* a third for the start, the rest for the end */
	head = (size - sizeof(gap)) / 3;
	tail = size - sizeof(gap) - head;
	while (head > 0 && ((unsigned char) src[head] & 0xC0) == 0x80)
		head--;
	while (tail > 0 && ((unsigned char) src[len - tail] & 0xC0) == 0x80)
		tail--;
	{
		char	   *tmp = malloc(size);

		if (tmp == NULL)
		{
			memmove(dst, src + len - (size - 1), size);
			return;
		}
		memcpy(tmp, src, head);
		memcpy(tmp + head, gap, sizeof(gap) - 1);
		memcpy(tmp + head + sizeof(gap) - 1, src + len - tail, tail);
		tmp[head + sizeof(gap) - 1 + tail] = '\0';
		memcpy(dst, tmp, head + sizeof(gap) + tail);
		free(tmp);
	}
}
