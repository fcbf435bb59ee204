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

/* how many of the arrays' slots a row may fill */
#define NUM_NAMES \
	((int) (sizeof(((lg_client_text *) 0)->statement_names) / sizeof(const char *)))
#define NUM_CONNECT \
	((int) (sizeof(((lg_client_text *) 0)->connect_statements) / sizeof(const char *)))

const lg_client_text lg_client_texts[] = {
	[LG_CLIENT_UNKNOWN] = {"unknown"},

	/* PgBouncer 1.21+ with max_prepared_statements: its own, and safe */
	[LG_CLIENT_POOLER] = {
		"PgBouncer", {"PGBOUNCER_#"},
	},

	/* the names no one else uses first, the short ambiguous ones last */
	{
		"psycopg 3", {"_pg3_#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "psycopg 3: connect with prepare_threshold=None, so that it never prepares named statements.",
		},
	},
	{
		"asyncpg", {"__asyncpg_stmt_%__"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "asyncpg: connect (and create_pool) with statement_cache_size=0, so that every statement is unnamed.",
		},
	},
	{
		"pgx v4", {"lrupsc_#_#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "pgx v4: add statement_cache_mode=describe (or prefer_simple_protocol=true) to the connection string, so that statements are unnamed.",
		},
	},
	{
		"pgx v5", {"stmtcache_%"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "pgx v5: add default_query_exec_mode=cache_describe (or exec, or simple_protocol) to the connection string, so that statements are unnamed.",
		},
	},
	{
		"sqlx", {"sqlx_s_#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "sqlx: run the queries with .persistent(false), so that they are unnamed.",
		},
	},
	{
		"Ecto", {"ecto_+"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "Ecto (Postgrex): set prepare: :unnamed in the repository's configuration.",
		},
	},
	{
		"PHP PDO", {"pdo_stmt_%"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "PHP PDO: set PDO::ATTR_EMULATE_PREPARES (or PDO::PGSQL_ATTR_DISABLE_PREPARES) to true.",
		},
	},
	{
		"Npgsql", {"_p#", "_auto#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "Npgsql: do not call Prepare() and keep Max Auto Prepare at 0 (with No Reset On Close=true behind PgBouncer).",
		},
	},
	{
		"pgbench", {"P_#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "pgbench: use -M extended (unnamed statements) or -M simple.",
		},
	},
	{
		"pgjdbc", {"S_#"},
		.application_name = "PostgreSQL JDBC Driver",
		.names_itself_late = true,
		.connect_statements = {"SET extra_float_digits = 3"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "pgjdbc: add prepareThreshold=0 (or preferQueryMode=simple) to the connection URL, so that no statement, COMMIT and ROLLBACK included, is named.",
			[AUDIT_HAZARD_SET] = "pgjdbc: add assumeMinServerVersion=9.0 to the connection URL, so that extra_float_digits and application_name travel in the startup packet instead of a SET (behind PgBouncer, list extra_float_digits in ignore_startup_parameters).",
		},
	},
	{
		"ActiveRecord", {"a#"},
		.connect_statements = {
			"SET client_min_messages TO 'warning'",
			"SET intervalstyle = iso_8601",
		},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "ActiveRecord: set prepared_statements: false in database.yml.",
			[AUDIT_HAZARD_SET] = "ActiveRecord's connect-time settings: make them the role's defaults with ALTER ROLE ... SET client_min_messages = warning, intervalstyle = iso_8601; a SET to the role's default leaves nothing behind.",
		},
	},
	{
		"tokio-postgres or Prisma", {"s#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "tokio-postgres: use query_typed or simple_query, which send unnamed statements; Prisma: add pgbouncer=true to the connection URL (PgBouncer before 1.21).",
		},
	},
	{
		"lib/pq", {"#"},
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "lib/pq: do not use db.Prepare; Query and Exec with arguments send unnamed statements.",
		},
	},
	{
		"postgres.js", {"~"},
		.application_name = "postgres.js",
		.hint = {
			[AUDIT_HAZARD_PROTOCOL_PREPARE] = "postgres.js: pass prepare: false to postgres(), so that statements are unnamed.",
		},
	},
};

const int	lg_num_clients = sizeof(lg_client_texts) / sizeof(lg_client_texts[0]);

/* how many characters of class cls (see clients.h) start s */
static int
span(const char *s, char cls)
{
	int			n = 0;

	for (;; n++)
	{
		unsigned char c = (unsigned char) s[n];
		bool		digit = c >= '0' && c <= '9';
		bool		ok;

		if (cls == '#')
			ok = digit;
		else if (cls == '%')
			ok = digit || (c >= 'a' && c <= 'f');
		else if (cls == '*')
			ok = digit || (c >= 'a' && c <= 'z');
		else
			ok = digit || (c >= 'a' && c <= 'z') || c == '_';
		if (!ok)
			return n;
	}
}

/* a random base-36 string and a decimal counter (postgres.js) */
static bool
random_and_counter(const char *name)
{
	size_t		n = strlen(name);
	bool		letter = false;

	if (n < 9 || (size_t) span(name, '*') != n || name[n - 1] < '0' || name[n - 1] > '9')
		return false;
	for (size_t i = 0; i < n; i++)
		letter |= name[i] >= 'a' && name[i] <= 'z';
	return letter;
}

/*
 * A class takes the longest run it can: no pattern here puts after a
 * class a literal the class contains.
 */
bool
lg_client_name_matches(const char *pattern, const char *name)
{
	const char *p = pattern;
	const char *s = name;

	if (strcmp(pattern, "~") == 0)
		return random_and_counter(name);
	while (*p)
	{
		if (*p == '#' || *p == '%' || *p == '*' || *p == '+')
		{
			int			n = span(s, *p);

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
		for (int k = 0; k < NUM_NAMES && lg_client_texts[i].statement_names[k]; k++)
		{
			if (lg_client_name_matches(lg_client_texts[i].statement_names[k], name))
				return i;
		}
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
		for (int k = 0; k < NUM_CONNECT && lg_client_texts[i].connect_statements[k] != NULL; k++)
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
