/*-------------------------------------------------------------------------
 *
 * cli_util.c
 *	  What every file of the CLI uses: one-line errors on stderr under the
 *	  name of the command that runs, bounded quoting of user input, and the
 *	  exit code of a library status.
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
