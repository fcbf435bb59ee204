/*-------------------------------------------------------------------------
 *
 * cli_util.c
 *	  What every file of the CLI uses: one-line errors on stderr under the
 *	  name of the command that runs, bounded quoting of user input, the
 *	  exit code of a library status, and the forms of an address to listen
 *	  on.
 *
 * The command's name is set once, by the dispatcher, before the command
 * runs (as PostgreSQL's frontend programs set their progname for
 * pg_log_error).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *command_name;

void
cli_set_command(const char *name)
{
	command_name = name;
}

void
cli_error(const char *fmt,...)
{
	char		msg[1024];
	char	   *full = NULL;
	va_list		ap;

	/* a long message keeps its start and its end (the reason) */
	va_start(ap, fmt);
	if (vasprintf(&full, fmt, ap) < 0)
		full = NULL;
	va_end(ap);
	if (full == NULL)
	{
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	else
	{
		lg_message_fit(msg, sizeof(msg), full);
		free(full);
	}
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (command_name)
		fprintf(stderr, "lifeguard %s: %s\n", command_name, msg);
	else
		fprintf(stderr, "lifeguard: %s\n", msg);
}

int
cli_exit_code(lg_status st)
{
	switch (st)
	{
		case LG_OK:
			return EXIT_OK;
		case LG_ERR_CONFIG:
		case LG_ERR_MISUSE:
			return EXIT_USAGE;
		case LG_ERR_CONNECT:
		case LG_ERR_TIMEOUT:
		case LG_ERR_BROKEN:
			return EXIT_CONNECT;
		default:
			return EXIT_CHECK;
	}
}

const char *
cli_quote(char *buf, const char *s)
{
	size_t		len = strlen(s);

	return lg_quote_bounded(buf, s, len, lg_utf8_cliplen(s, len, LG_QUOTE_MAX));
}

bool
cli_address_parse(const char *s, char *host, size_t size, int *port, const char **why)
{
	const char *colon;
	const char *h = s;
	size_t		hlen;
	long		p = 0;

	if (s[0] == '[')
	{
		const char *close = strchr(s, ']');

		if (close == NULL)
		{
			*why = "no \"]\" after the IPv6 address";
			return false;
		}
		if (close[1] != ':')
		{
			*why = "no port after the IPv6 address";
			return false;
		}
		h = s + 1;
		hlen = (size_t) (close - h);
		colon = close + 1;
		if (hlen == 0)
		{
			*why = "an empty IPv6 address";
			return false;
		}
	}
	else
	{
		colon = strrchr(s, ':');
		if (colon == NULL)
		{
			*why = "no port";
			return false;
		}
		hlen = (size_t) (colon - s);
		if (memchr(s, ':', hlen) != NULL)
		{
			*why = "an IPv6 address needs brackets";
			return false;
		}
	}
	if (colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
	{
		*why = colon[1] == '\0' ? "no port" : "the port is not a number";
		return false;
	}
	for (const char *d = colon + 1; *d && p <= 65535; d++)
		p = p * 10 + (*d - '0');
	if (p < 1 || p > 65535)
	{
		*why = "port out of range";
		return false;
	}
	if (hlen + 1 > size)
	{
		*why = "the host name is too long";
		return false;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int) p;
	return true;
}
