/*-------------------------------------------------------------------------
 *
 * cmd_install.c
 *	  lifeguard install [--schema NAME]: install or upgrade the portable
 *	  edition (sql/portable, docs/managed-postgresql.md) over DATABASE_URL,
 *	  for servers that accept no C extension.  The script is the body of
 *	  sql/portable/lifeguard_portable--<version>.sql, embedded at build
 *	  time (portable_sql.c), so the binary needs no file of the source tree.
 *	  Everything runs in one transaction: it installs completely or not at
 *	  all.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "install"

static void
help(void)
{
	printf("Usage: lifeguard install [--schema NAME]\n"
		   "\n"
		   "Install (or upgrade, or reinstall) lifeguard's portable edition %s into\n"
		   "schema NAME (default public) of the database DATABASE_URL names, in\n"
		   "one transaction: the ids, pool visibility, session_pooling_hazards()\n"
		   "and txn_info() in SQL and PL/pgSQL on pgcrypto, for managed servers\n"
		   "that accept no C extension.  The schema is created when missing, and\n"
		   "pgcrypto in it when it is not installed.  The pooling audit needs the\n"
		   "C extension and is not part of it.\n"
		   "\n"
		   "Options:\n"
		   "  --schema NAME  the schema (default public)\n"
		   "  --help         this help\n"
		   "Exit codes: 0 installed, 2 bad usage, configuration or privileges,\n"
		   "1 the server refused the script, 3 cannot connect.\n", cli_portable_version);
}

/* one-line report of a failed statement: message, then detail and hint */
static int
report_failure(cli_db *db, const char *what, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	bool		privileges = state && strcmp(state, "42501") == 0;

	cli_db_error(db, "%s failed: %s%s%s%s", what,
				 msg ? msg : PQerrorMessage(lg_conn_pgconn(db->conn)),
				 hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	/* missing privileges are a configuration problem, like a bad URL */
	return privileges || (state && strcmp(state, "42710") == 0) ? EXIT_USAGE : EXIT_CHECK;
}

/* the portable version installed in schema, or "" when none (malloc'd) */
static char *
installed_version(PGconn *conn, const char *schema)
{
	const char *params[1] = {schema};
	PGresult   *res;
	char	   *v = NULL;

	res = PQexecParams(conn,
					   "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p"
					   " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
					   " WHERE n.nspname = $1 AND p.proname = 'lifeguard_portable_version' AND p.pronargs = 0"
					   "   AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')"
					   "   AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		char		sql[512];

		snprintf(sql, sizeof(sql), "SELECT %s", PQgetvalue(res, 0, 0));
		PQclear(res);
		res = PQexec(conn, sql);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			v = strdup(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return v ? v : strdup("");
}

int
cmd_install(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"schema", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *schema = "public";
	cli_db		db;
	PGconn	   *conn;
	PGresult   *res;
	char	   *before = NULL;
	char	   *after = NULL;
	const char *params[1];
	int			ch;
	int			rc;

	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1)
	{
		switch (ch)
		{
			case 's':
				schema = optarg;
				break;
			case 'h':
				help();
				return EXIT_OK;
			default:
				return cli_bad_option(CMD, ch, argc, argv);
		}
	}
	if ((rc = cli_no_arguments(CMD, argc, argv)) != EXIT_OK)
		return rc;
	if (schema[0] == '\0' || strlen(schema) > 63)
	{
		char		q[LG_QUOTE_BUFSIZE];

		cli_error(CMD, "invalid schema name \"%s\": it must be 1 to 63 bytes", cli_quote(q, schema));
		return EXIT_USAGE;
	}

	if ((rc = cli_db_open(CMD, &db)) != EXIT_OK)
		return rc;
	conn = lg_conn_pgconn(db.conn);

	res = PQexec(conn, "BEGIN");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		rc = report_failure(&db, "BEGIN", res);
		goto done;
	}
	PQclear(res);
	before = installed_version(conn, schema);
	params[0] = schema;
	res = PQexecParams(conn, "SELECT pg_catalog.set_config('lifeguard_portable.install_schema', $1, true)",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		rc = report_failure(&db, "setting the schema", res);
		goto rollback;
	}
	PQclear(res);
	res = PQexec(conn, cli_portable_sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		rc = report_failure(&db, "installing the portable edition", res);
		goto rollback;
	}
	PQclear(res);
	after = installed_version(conn, schema);
	res = PQexec(conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		rc = report_failure(&db, "COMMIT", res);
		goto done;
	}
	if (before[0] == '\0')
		printf("installed lifeguard's portable edition %s into schema %s of database %s\n",
			   after, schema, PQdb(conn));
	else if (strcmp(before, after) == 0)
		printf("reinstalled lifeguard's portable edition %s in schema %s of database %s (it was already there)\n",
			   after, schema, PQdb(conn));
	else
		printf("upgraded lifeguard's portable edition in schema %s of database %s from %s to %s\n",
			   schema, PQdb(conn), before, after);
	rc = EXIT_OK;
	goto done;

rollback:
	PQclear(res);
	res = PQexec(conn, "ROLLBACK");
done:
	PQclear(res);
	free(before);
	free(after);
	cli_db_close(&db);
	return rc;
}
