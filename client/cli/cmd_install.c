/*-------------------------------------------------------------------------
 *
 * cmd_install.c
 *	  lifeguard install [--schema NAME]: install or upgrade the portable
 *	  edition (sql/portable, docs/managed-postgresql.md) over DATABASE_URL,
 *	  for servers that accept no C extension.  The script is the body of
 *	  sql/portable/lifeguard_portable--<version>.sql, embedded at build
 *	  time (portable_sql.c), so the binary needs no file of the source tree.
 *	  Everything runs in one transaction, through cli_db's helpers: it
 *	  installs completely or not at all.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One line for a failed statement.  Missing privileges, and an object of
 * the same name in the way, are a configuration problem, like a bad URL.
 */
static int
install_failed(cli_db *db, const char *what, const lg_error *err)
{
	int			rc = cli_db_query_failed(db, what, err);

	if (strcmp(err->sqlstate, "42501") == 0 || strcmp(err->sqlstate, "42710") == 0)
		return EXIT_USAGE;
	return rc;
}

/* the portable version installed in schema, or "" when none (malloc'd) */
static char *
installed_version(cli_db *db, const char *schema)
{
	const char *params[1] = {schema};
	lg_error	err;
	PGresult   *res;
	char	   *v = NULL;

	res = cli_db_query(db,
					   "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p"
					   " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
					   " WHERE n.nspname = $1 AND p.proname = 'lifeguard_portable_version' AND p.pronargs = 0"
					   "   AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')"
					   "   AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')",
					   1, params, &err);
	if (res != NULL && PQntuples(res) == 1)
	{
		char		sql[512];

		snprintf(sql, sizeof(sql), "SELECT %s", PQgetvalue(res, 0, 0));
		PQclear(res);
		res = cli_db_query(db, sql, 0, NULL, &err);
		if (res != NULL && PQntuples(res) == 1)
			v = strdup(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return v ? v : strdup("");
}

int
cmd_install(const cli_args *args, cli_db *db)
{
	const char *schema = cli_text(args, INSTALL_SCHEMA);
	const char *params[1] = {schema};
	const char *dbname = PQdb(lg_conn_pgconn(db->conn));
	char	   *before = NULL;
	char	   *after = NULL;
	lg_error	err;
	PGresult   *res;
	int			rc = EXIT_OK;

	if (!cli_db_exec(db, "BEGIN", &err))
		return install_failed(db, "BEGIN", &err);
	before = installed_version(db, schema);
	res = cli_db_query(db, "SELECT pg_catalog.set_config('lifeguard_portable.install_schema', $1, true)",
					   1, params, &err);
	if (res == NULL)
		rc = install_failed(db, "setting the schema", &err);
	else
	{
		PQclear(res);
		if (!cli_db_exec(db, cli_portable_sql, &err))
			rc = install_failed(db, "installing the portable edition", &err);
	}
	if (rc != EXIT_OK)
	{
		cli_db_exec(db, "ROLLBACK", &err);
		free(before);
		return rc;
	}
	after = installed_version(db, schema);
	if (!cli_db_exec(db, "COMMIT", &err))
		rc = install_failed(db, "COMMIT", &err);
	else if (before == NULL || after == NULL)
	{
		cli_error("out of memory");
		rc = EXIT_CHECK;
	}
	else if (before[0] == '\0')
		printf("installed lifeguard's portable edition %s into schema %s of database %s\n",
			   after, schema, dbname);
	else if (strcmp(before, after) == 0)
		printf("reinstalled lifeguard's portable edition %s in schema %s of database %s (it was already there)\n",
			   after, schema, dbname);
	else
		printf("upgraded lifeguard's portable edition in schema %s of database %s from %s to %s\n",
			   schema, dbname, before, after);
	free(before);
	free(after);
	return rc;
}
