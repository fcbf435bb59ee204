/*-------------------------------------------------------------------------
 *
 * clients.c
 *	  The one table of client drivers (see clients.h): how the server can
 *	  tell each one apart, and what fixes each hazard it causes.  Every
 *	  statement-name pattern and connect-time statement was checked against
 *	  the driver's source (references in docs/drivers.md).
 *
 * Constant data and pure functions; no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "clients.h"

#include <ctype.h>
#include <string.h>

const lg_client_text lg_client_texts[] = {
	[LG_CLIENT_UNKNOWN] = {"unknown"},
	[LG_CLIENT_POOLER] = {
		"PgBouncer",
		.statement_names = "PGBOUNCER_#",
	},
	{
		"psycopg 3",
		.statement_names = "_pg3_#",
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "psycopg 3: connect with prepare_threshold=None (psycopg.connect(..., prepare_threshold=None)), so that it never prepares named statements.",
		},
	},
	{
		"pgx v4",
		.statement_names = "lrupsc_#_#",
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "pgx v4: set statement_cache_mode=describe in the connection string (or PreferSimpleProtocol), so that it never prepares named statements.",
		},
	},
};

const int	lg_num_clients = sizeof(lg_client_texts) / sizeof(lg_client_texts[0]);

/* one or more characters of a class at s; returns how many */
static int
span(const char *s, char cls)
{
	int			n = 0;

	for (;; n++)
	{
		unsigned char c = (unsigned char) s[n];
		bool		ok;

		if (cls == '#')
			ok = c >= '0' && c <= '9';
		else if (cls == '%')
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		else
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
		if (!ok)
			return n;
	}
}

bool
lg_client_name_matches(const char *pattern, const char *name)
{
	const char *p = pattern;
	const char *s = name;

	while (*p)
	{
		if (*p == '#' || *p == '%' || *p == '*')
		{
			int			n = span(s, *p);

			/*
			 * A class is followed by a literal or by the end: take the
			 * longest run, then give back what the literal needs (a class
			 * never contains the literal after it in any pattern here,
			 * except '*' before a letter or digit, which the patterns
			 * avoid).
			 */
			if (n == 0)
				return false;
			s += n;
			p++;
			continue;
		}
		if (*s != *p)
			return false;
		s++;
		p++;
	}
	return *s == '\0';
}

lg_client
lg_client_by_statement_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return LG_CLIENT_UNKNOWN;
	for (int i = 1; i < lg_num_clients; i++)
	{
		const char *pattern = lg_client_texts[i].statement_names;

		if (pattern != NULL && lg_client_name_matches(pattern, name))
			return i;
	}
	return LG_CLIENT_UNKNOWN;
}

/*
 * Compare statement text (len bytes) with a connect-time statement:
 * ignoring case, with every run of white space as one blank, and without
 * a final semicolon or leading and trailing white space.
 */
static bool
same_statement(const char *text, int len, const char *expected)
{
	const char *end = text + len;
	const char *e = expected;

	while (text < end && isspace((unsigned char) *text))
		text++;
	while (end > text && (isspace((unsigned char) end[-1]) || end[-1] == ';'))
		end--;
	while (text < end)
	{
		if (isspace((unsigned char) *text))
		{
			while (text < end && isspace((unsigned char) *text))
				text++;
			if (*e != ' ')
				return false;
			e++;
			continue;
		}
		if (tolower((unsigned char) *text) != tolower((unsigned char) *e))
			return false;
		text++;
		e++;
	}
	return *e == '\0';
}

lg_client
lg_client_by_connect_statement(const char *text, int len)
{
	if (text == NULL)
		return LG_CLIENT_UNKNOWN;
	if (len <= 0)
		len = (int) strlen(text);
	for (int i = 1; i < lg_num_clients; i++)
	{
		for (int k = 0; lg_client_texts[i].connect_statements[k] != NULL; k++)
		{
			if (same_statement(text, len, lg_client_texts[i].connect_statements[k]))
				return i;
		}
	}
	return LG_CLIENT_UNKNOWN;
}

lg_client
lg_client_by_application_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return LG_CLIENT_UNKNOWN;
	for (int i = 1; i < lg_num_clients; i++)
	{
		const char *app = lg_client_texts[i].application_name;

		if (app != NULL && strcmp(app, name) == 0)
			return i;
	}
	return LG_CLIENT_UNKNOWN;
}

lg_client
lg_client_by_name(const char *name)
{
	for (int i = 1; i < lg_num_clients; i++)
	{
		if (strcmp(lg_client_texts[i].name, name) == 0)
			return i;
	}
	return LG_CLIENT_UNKNOWN;
}

const char *
lg_client_hint(lg_client client, AuditHazard hazard)
{
	if (client > 0 && client < lg_num_clients &&
		lg_client_texts[client].hint[hazard] != NULL)
		return lg_client_texts[client].hint[hazard];
	return lg_hazard_texts[hazard].hint;
}
