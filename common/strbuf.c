/*-------------------------------------------------------------------------
 *
 * strbuf.c
 *	  The string buffer (see strbuf.h).
 *
 * Plain C with no PostgreSQL dependency; no shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lg_strbuf_fixed(lg_strbuf *sb, char *buf, size_t size)
{
	memset(sb, 0, sizeof(*sb));
	sb->data = buf;
	sb->size = size;
	if (size > 0)
		buf[0] = '\0';
}

void
lg_strbuf_init(lg_strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->grows = true;
}

void
lg_strbuf_free(lg_strbuf *sb)
{
	if (sb->grows && sb->data != NULL)
	{
		explicit_bzero(sb->data, sb->size);
		free(sb->data);
	}
	lg_strbuf_init(sb);
}

/*
 * Room for n more bytes and the terminator in a growing buffer: a new block,
 * the text moved, the old block wiped (it may hold a secret).
 */
static bool
reserve(lg_strbuf *sb, size_t n)
{
	size_t		size;
	char	   *data;

	if (sb->oom)
		return false;
	if (sb->len + n < sb->size)
		return true;
	size = sb->size * 2 + n + 256;
	if ((data = malloc(size)) == NULL)
	{
		sb->oom = true;
		return false;
	}
	if (sb->data != NULL)
	{
		memcpy(data, sb->data, sb->len + 1);
		explicit_bzero(sb->data, sb->size);
		free(sb->data);
	}
	else
		data[0] = '\0';
	sb->data = data;
	sb->size = size;
	return true;
}

void
lg_strbuf_putn(lg_strbuf *sb, const char *s, size_t n)
{
	if (sb->grows)
	{
		if (!reserve(sb, n))
			return;
		memcpy(sb->data + sb->len, s, n);
		sb->len += n;
		sb->data[sb->len] = '\0';
		return;
	}
	/* fixed: what fits, and the count of everything */
	if (sb->len + 1 < sb->size)
	{
		size_t		room = sb->size - 1 - sb->len;

		memcpy(sb->data + sb->len, s, n < room ? n : room);
	}
	sb->len += n;
	if (sb->size > 0)
		sb->data[sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
}

void
lg_strbuf_puts(lg_strbuf *sb, const char *s)
{
	lg_strbuf_putn(sb, s, strlen(s));
}

void
lg_strbuf_printf(lg_strbuf *sb, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (sb->grows && !reserve(sb, (size_t) n)))
		return;
	if (sb->len < sb->size)
	{
		va_start(ap, fmt);
		vsnprintf(sb->data + sb->len, sb->size - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t) n;
}

void
lg_strbuf_put_pct(lg_strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			*p == '~')
			lg_strbuf_putn(sb, (const char *) p, 1);
		else
		{
			char		e[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			lg_strbuf_putn(sb, e, 3);
		}
	}
}

void
lg_strbuf_put_list(lg_strbuf *sb, const char *const *items)
{
	for (int i = 0; items[i] != NULL; i++)
	{
		if (i > 0)
			lg_strbuf_puts(sb, items[i + 1] == NULL ? " or " : ", ");
		lg_strbuf_puts(sb, items[i]);
	}
}

void
lg_strbuf_put_uri_start(lg_strbuf *sb, const char *user, const char *password,
						bool mask_password)
{
	lg_strbuf_puts(sb, "postgresql://");
	if (user == NULL && password == NULL)
		return;
	if (user)
		lg_strbuf_put_pct(sb, user);
	if (password)
	{
		lg_strbuf_puts(sb, ":");
		if (mask_password)
			lg_strbuf_puts(sb, "****");
		else
			lg_strbuf_put_pct(sb, password);
	}
	lg_strbuf_puts(sb, "@");
}
