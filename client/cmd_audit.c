/*-------------------------------------------------------------------------
 *
 * cmd_audit.c
 *	  lifeguard audit: the server's transaction-pooling audit (the view
 *	  pooling_audit and pooling_audit_info()) as a report grouped by
 *	  application: each hazard with its count, when it was last seen, the
 *	  first statement seen, and the safe alternative.
 *
 * With --fail-on-hazards the exit code is 1 when any hazard was recorded
 * (a row of pooling_audit, or hazards dropped because the table was full),
 * so the command can gate CI.  Exit 2 when lifeguard is not installed or
 * not preloaded (the server raises SQLSTATE 55000 then).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define CMD "audit"

/*
 * The safe alternative to each hazard of the contract.  The server says
 * the same in the hint of the error that lifeguard.enforce = error raises;
 * pooling_audit has no column for it, so the table lives here too.
 */
static const struct
{
	const char *hazard;
	const char *alternative;
}			alternatives[] = {
	{"set", "Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default."},
	{"prepare", "Run the statement directly or as an unnamed statement of the extended protocol; behind PgBouncer 1.21 or later, use protocol-level prepared statements with max_prepared_statements."},
	{"protocol_prepare", "Use unnamed statements (for example pgbench -M extended, or node-postgres queries without a name), or PgBouncer 1.21 or later with max_prepared_statements > 0 and lifeguard.protocol_prepared_statements = safe."},
	{"listen", "LISTEN on a direct, unpooled connection (DIRECT_URL)."},
	{"advisory_lock", "Use pg_advisory_xact_lock() or pg_try_advisory_xact_lock() inside a transaction."},
	{"temp_table", "Create it inside a transaction with ON COMMIT DROP."},
	{"with_hold_cursor", "Declare the cursor without WITH HOLD and fetch from it inside one transaction."},
	{"load", "Load the library for every session with session_preload_libraries or shared_preload_libraries."},
};

const char *
cli_hazard_alternative(const char *hazard)
{
	for (size_t i = 0; i < sizeof(alternatives) / sizeof(alternatives[0]); i++)
		if (strcmp(hazard, alternatives[i].hazard) == 0)
			return alternatives[i].alternative;
	return NULL;
}

static void
help(void)
{
	printf("Usage: lifeguard audit [--json] [--fail-on-hazards]\n"
		   "\n"
		   "Report what the server's pooling audit recorded: per application, every\n"
		   "action that breaks under transaction pooling, how often, when it was last\n"
		   "seen, and what to do instead.  Needs shared_preload_libraries = 'lifeguard'.\n"
		   "\n"
		   "Options:\n"
		   "  --json             one JSON object\n"
		   "  --fail-on-hazards  exit 1 when any hazard was recorded (for CI)\n"
		   "  --help             this help\n"
		   "\n"
		   "Exit codes: 0 ok, 1 hazards recorded (with --fail-on-hazards), 2 bad usage\n"
		   "or configuration, lifeguard not installed or not preloaded, 3 cannot connect.\n");
}

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static int
run(cli_db *db, bool as_json, bool fail_on_hazards)
{
	lg_error	err;
	PGresult   *info;
	PGresult   *res;
	char	   *sql;
	int			n;
	long long	dropped;
	int			napps = 0;
	int			rc;

	if ((rc = cli_db_require_extension(db)) != EXIT_OK)
		return rc;
	if (strcmp(db->edition, "portable") == 0)
	{
		cli_error(CMD, "the pooling audit needs the C extension; the portable edition in schema %s has none (run enforcement in CI against a database that has it)",
				  db->schema_name);
		return EXIT_USAGE;
	}

	sql = cli_db_sql(db, "SELECT entries, max_entries, dropped, " TS("since")
					 " FROM %s.pooling_audit_info()");
	info = cli_db_query(db, sql, 0, NULL, &err);
	free(sql);
	if (info == NULL)
	{
		if (strcmp(err.sqlstate, "55000") == 0)
		{
			cli_error(CMD, "the server does not preload lifeguard, so there is no pooling audit; add lifeguard to shared_preload_libraries and restart the server");
			return EXIT_USAGE;
		}
		return cli_db_query_failed(db, "reading pooling_audit_info()", &err);
	}
	sql = cli_db_sql(db,
					 "SELECT application_name, hazard, database, role, count, "
					 TS("first_seen") ", " TS("last_seen") ", sample"
					 "  FROM %s.pooling_audit"
					 " ORDER BY application_name, count DESC, hazard, database, role");
	res = cli_db_query(db, sql, 0, NULL, &err);
	free(sql);
	if (res == NULL)
	{
		PQclear(info);
		if (strcmp(err.sqlstate, "55000") == 0)
		{
			cli_error(CMD, "the server does not preload lifeguard, so there is no pooling audit; add lifeguard to shared_preload_libraries and restart the server");
			return EXIT_USAGE;
		}
		return cli_db_query_failed(db, "reading pooling_audit", &err);
	}
	n = PQntuples(res);
	dropped = atoll(PQgetvalue(info, 0, 2));
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) != 0)
			napps++;

	if (as_json)
	{
		json_t	   *o = json_object();
		json_t	   *apps = json_array();
		json_t	   *app = NULL;
		json_t	   *hazards = NULL;
		char	   *text;

		json_object_set_new(o, "database", json_string(PQdb(lg_conn_pgconn(db->conn))));
		json_object_set_new(o, "since", json_string(PQgetvalue(info, 0, 3)));
		json_object_set_new(o, "entries", json_integer(atoi(PQgetvalue(info, 0, 0))));
		json_object_set_new(o, "max_entries", json_integer(atoi(PQgetvalue(info, 0, 1))));
		json_object_set_new(o, "dropped", json_integer(dropped));
		json_object_set_new(o, "hazards_recorded", json_boolean(n > 0 || dropped > 0));
		for (int i = 0; i < n; i++)
		{
			const char *alt = cli_hazard_alternative(PQgetvalue(res, i, 1));

			if (i == 0 || strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) != 0)
			{
				app = json_object();
				hazards = json_array();
				json_object_set_new(app, "application_name", json_string(PQgetvalue(res, i, 0)));
				json_object_set_new(app, "hazards", hazards);
				json_array_append_new(apps, app);
			}
			json_array_append_new(hazards,
								  json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:o}",
											"hazard", PQgetvalue(res, i, 1),
											"database", PQgetvalue(res, i, 2),
											"role", PQgetvalue(res, i, 3),
											"count", (json_int_t) atoll(PQgetvalue(res, i, 4)),
											"first_seen", PQgetvalue(res, i, 5),
											"last_seen", PQgetvalue(res, i, 6),
											"sample", PQgetisnull(res, i, 7) ? json_null() :
											json_string(PQgetvalue(res, i, 7)),
											"safe_alternative", alt ? json_string(alt) : json_null()));
		}
		json_object_set_new(o, "applications", apps);
		text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(o);
	}
	else
	{
		if (n == 0)
			printf("No pooling hazards recorded in database %s since %s",
				   PQdb(lg_conn_pgconn(db->conn)), PQgetvalue(info, 0, 3));
		else
			printf("%d pooling hazard%s recorded by %d application%s since %s",
				   n, n == 1 ? "" : "s", napps, napps == 1 ? "" : "s",
				   PQgetvalue(info, 0, 3));
		printf(" (%s of %s entries used, %lld dropped)\n",
			   PQgetvalue(info, 0, 0), PQgetvalue(info, 0, 1), dropped);
		if (dropped > 0)
			printf("Some hazards were not kept: raise lifeguard.audit_max_entries or call pooling_audit_reset().\n");
		for (int i = 0; i < n; i++)
		{
			const char *alt = cli_hazard_alternative(PQgetvalue(res, i, 1));

			if (i == 0 || strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) != 0)
				printf("\n%s\n", PQgetvalue(res, i, 0)[0] ? PQgetvalue(res, i, 0) :
					   "(no application_name)");
			printf("  %-17s %8s x  last seen %s  (role %s, database %s)\n",
				   PQgetvalue(res, i, 1), PQgetvalue(res, i, 4), PQgetvalue(res, i, 6),
				   PQgetvalue(res, i, 3), PQgetvalue(res, i, 2));
			if (!PQgetisnull(res, i, 7))
				printf("      first: %s\n", PQgetvalue(res, i, 7));
			if (alt)
				printf("      instead: %s\n", alt);
		}
	}
	rc = (fail_on_hazards && (n > 0 || dropped > 0)) ? EXIT_CHECK : EXIT_OK;
	PQclear(res);
	PQclear(info);
	return rc;
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"fail-on-hazards", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	bool		as_json = false;
	bool		fail_on_hazards = false;
	cli_db		db;
	int			c;
	int			rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
	{
		switch (c)
		{
			case 'j':
				as_json = true;
				break;
			case 'f':
				fail_on_hazards = true;
				break;
			case 'h':
				help();
				return EXIT_OK;
			default:
				return cli_bad_option(CMD, c, argc, argv);
		}
	}
	if ((rc = cli_no_arguments(CMD, argc, argv)) != EXIT_OK)
		return rc;
	if ((rc = cli_db_open(CMD, &db)) != EXIT_OK)
		return rc;
	rc = run(&db, as_json, fail_on_hazards);
	cli_db_close(&db);
	return rc;
}
