/*-------------------------------------------------------------------------
 *
 * cli_db.c
 *	  What the commands that use the database (health, audit, top,
 *	  metrics, install) share: connecting with the resolved configuration
 *	  through a pool of one connection (so the connect deadline and
 *	  application_name apply), running queries and scripts, finding the
 *	  schema the lifeguard extension lives in, finding out whether the
 *	  server preloads lifeguard, and the one-line errors, with every secret
 *	  of the configuration hidden.
 *
 * Every lifeguard object is called schema-qualified with the schema from
 * pg_extension.extnamespace, quoted with quote_ident(), so that a
 * search_path without that schema (or with a look-alike earlier in it)
 * changes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cli_db_error(cli_db *db, const char *fmt,...)
{
	va_list		ap;

	char	   *full = NULL;
	int			len;

	va_start(ap, fmt);
	len = vasprintf(&full, fmt, ap);
	va_end(ap);
	if (len < 0)
	{
		cli_error("out of memory");
		return;
	}
	for (char *p = full; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* every secret of the configuration hidden, then the middle cut */
	if (db->config)
	{
		size_t		size = 4 * (size_t) len + 64;
		char	   *scrubbed = malloc(size);

		if (scrubbed == NULL)
		{
			free(full);
			cli_error("out of memory");
			return;
		}
		memcpy(scrubbed, full, (size_t) len + 1);
		lg_config_redact(db->config, scrubbed, size);
		free(full);
		full = scrubbed;
	}
	lg_message_fit(db->last_error, sizeof(db->last_error), full);
	free(full);
	if (!db->quiet)
		cli_error("%s", db->last_error);
}

int
cli_db_open(cli_db *db)
{
	int			rc = cli_db_init(db);

	return rc == EXIT_OK ? cli_db_connect(db) : rc;
}

int
cli_db_init(cli_db *db)
{
	lg_error	err;
	lg_status	st;
	size_t		need;

	memset(db, 0, sizeof(*db));
	st = lg_config_resolve(NULL, 0, &db->config, &err);
	if (st != LG_OK)
	{
		cli_error("%s", err.message);
		return cli_exit_code(st);
	}
	need = lg_config_format_url(db->config, false, NULL, 0);
	if ((db->url = malloc(need + 1)) == NULL)
	{
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	lg_config_format_url(db->config, false, db->url, need + 1);

	st = lg_pool_create(db->config, &db->pool, &err);
	if (st != LG_OK)
	{
		cli_error("%s", err.message);
		return EXIT_CHECK;
	}
	return EXIT_OK;
}

int
cli_db_connect(cli_db *db)
{
	lg_error	err;
	lg_status	st;
	double		start;

	if (db->conn)
		lg_pool_release(db->pool, db->conn);
	db->conn = NULL;
	start = cli_now_ms();
	st = lg_pool_acquire(db->pool, &db->conn, &err);
	db->connect_ms = cli_now_ms() - start;
	if (st != LG_OK)
	{
		const char *reason = err.message;

		if (strncmp(reason, "could not connect: ", 19) == 0)
			reason += 19;
		else if (strncmp(reason, "could not connect to ", 21) == 0)
			reason += 21;
		db->conn = NULL;
		cli_db_error(db, "could not connect to %s: %s", db->url, reason);
		return EXIT_CONNECT;
	}
	return EXIT_OK;
}

int
cli_db_client_utf8(cli_db *db)
{
	PGconn	   *pg = lg_conn_pgconn(db->conn);
	const char *server_encoding = PQparameterStatus(pg, "server_encoding");
	const char *want = (server_encoding && strcmp(server_encoding, "SQL_ASCII") == 0)
		? "SQL_ASCII" : "UTF8";

	/* a connection kept from an earlier call has it already */
	if (strcmp(pg_encoding_to_char(PQclientEncoding(pg)), want) == 0)
		return EXIT_OK;
	if (PQsetClientEncoding(pg, want) != 0)
	{
		cli_db_error(db, "could not set client_encoding to %s: %s", want, PQerrorMessage(pg));
		return EXIT_CONNECT;
	}
	return EXIT_OK;
}

void
cli_db_close(cli_db *db)
{
	if (db->conn)
		lg_pool_release(db->pool, db->conn);
	if (db->pool)
		lg_pool_destroy(db->pool);
	if (db->config)
		lg_config_free(db->config);
	free(db->url);
	free(db->schema);
	free(db->ext_version);
	db->conn = NULL;
	db->pool = NULL;
	db->config = NULL;
	db->url = NULL;
	db->schema = NULL;
	db->ext_version = NULL;
}

PGresult *
cli_db_query(cli_db *db, const char *sql, int nparams,
			 const char *const *params, lg_error *err)
{
	PGresult   *res = NULL;

	if (lg_conn_query(db->conn, sql, nparams, params, &res, err) != LG_OK)
		return NULL;
	return res;
}

bool
cli_db_exec(cli_db *db, const char *sql, lg_error *err)
{
	PGconn	   *pg = lg_conn_pgconn(db->conn);
	PGresult   *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	char	   *full = NULL;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
	{
		PQclear(res);
		return true;
	}
	memset(err, 0, sizeof(*err));
	err->status = PQstatus(pg) == CONNECTION_OK ? LG_ERR_QUERY : LG_ERR_BROKEN;
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "");
	if (asprintf(&full, "%s%s%s%s", msg ? msg : PQerrorMessage(pg),
				 hint ? " (" : "", hint ? hint : "", hint ? ")" : "") < 0)
		full = NULL;
	/* a long message keeps its start and its end */
	lg_message_fit(err->message, sizeof(err->message), full ? full : "out of memory");
	free(full);
	for (size_t n = strlen(err->message); n > 0 && err->message[n - 1] == '\n'; n--)
		err->message[n - 1] = '\0';
	PQclear(res);
	return false;
}

int
cli_db_query_failed(cli_db *db, const char *what, const lg_error *err)
{
	cli_db_error(db, "%s failed: %s", what, err->message);
	return err->status == LG_ERR_BROKEN ? EXIT_CONNECT : EXIT_CHECK;
}

char *
cli_db_sql(cli_db *db, const char *fmt)
{
	/* fmt contains one %s per schema reference: at most 4 */
	size_t		n = strlen(fmt) + 4 * strlen(db->schema) + 1;
	char	   *sql = malloc(n);

	if (sql == NULL)
	{
		cli_error("out of memory");
		exit(EXIT_CHECK);
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(sql, n, fmt, db->schema, db->schema, db->schema, db->schema);
#pragma GCC diagnostic pop
	return sql;
}

/* lifeguard's edition found in a schema: what cli_db keeps of it */
static int
found(cli_db *db, const char *edition, const char *schema, const char *name,
	  const char *version)
{
	db->schema = strdup(schema);
	db->ext_version = strdup(version);
	snprintf(db->schema_name, sizeof(db->schema_name), "%s", name);
	if (db->schema == NULL || db->ext_version == NULL)
	{
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	db->edition = edition;
	return EXIT_OK;
}

/* at most one row of sql: *res, NULL when none; or the error, reported */
static int
lookup(cli_db *db, const char *what, const char *sql, PGresult **res)
{
	lg_error	err;

	if ((*res = cli_db_query(db, sql, 0, NULL, &err)) == NULL)
		return cli_db_query_failed(db, what, &err);
	if (PQntuples(*res) == 0)
	{
		PQclear(*res);
		*res = NULL;
	}
	return EXIT_OK;
}

/*
 * The extension, else the portable edition (lifeguard install): the schema
 * of its version function, the first one on the search path if there are
 * several, and the version it returns.
 */
int
cli_db_find_extension(cli_db *db)
{
	PGresult   *res;
	PGresult   *version = NULL;
	char		sql[256];
	int			rc;

	/* what an earlier call found (a server that keeps a connection asks again) */
	free(db->schema);
	free(db->ext_version);
	db->schema = NULL;
	db->ext_version = NULL;
	db->edition = NULL;
	db->schema_name[0] = '\0';
	rc = lookup(db, "looking up the lifeguard extension",
				"SELECT quote_ident(n.nspname), n.nspname, e.extversion"
				"  FROM pg_catalog.pg_extension e"
				"  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
				" WHERE e.extname = 'lifeguard'", &res);
	if (rc == EXIT_OK && res != NULL)
	{
		rc = found(db, "extension", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
				   PQgetvalue(res, 0, 2));
		PQclear(res);
		return rc;
	}
	if (rc == EXIT_OK)
		rc = lookup(db, "looking up lifeguard's portable edition",
					"SELECT quote_ident(n.nspname), n.nspname"
					"  FROM pg_catalog.pg_proc p"
					"  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
					" WHERE p.proname = 'lifeguard_portable_version' AND p.pronargs = 0"
					" ORDER BY n.nspname = ANY (pg_catalog.current_schemas(false)) DESC, n.nspname"
					" LIMIT 1", &res);
	if (rc != EXIT_OK || res == NULL)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT %s.lifeguard_portable_version()", PQgetvalue(res, 0, 0));
	rc = lookup(db, "reading the portable edition's version", sql, &version);
	if (rc == EXIT_OK && version != NULL)
		rc = found(db, "portable", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
				   PQgetvalue(version, 0, 0));
	PQclear(version);
	PQclear(res);
	return rc;
}

int
cli_db_require_extension(cli_db *db)
{
	int			rc = cli_db_find_extension(db);

	if (rc != EXIT_OK)
		return rc;
	if (db->schema == NULL)
	{
		cli_db_error(db, "the lifeguard extension is not installed in database \"%s\"; run CREATE EXTENSION lifeguard there first",
					 PQdb(lg_conn_pgconn(db->conn)));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * Whether an entry of shared_preload_libraries names lifeguard: "lifeguard",
 * "$libdir/lifeguard", "/some/path/lifeguard.so", quoted or not.
 */
static bool
library_is_lifeguard(const char *item, size_t len)
{
	const char *slash;
	size_t		n;

	while (len > 0 && (*item == ' ' || *item == '\t'))
		item++, len--;
	while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
		len--;
	if (len >= 2 && item[0] == '"' && item[len - 1] == '"')
		item++, len -= 2;
	slash = memrchr(item, '/', len);
	if (slash)
	{
		len -= (size_t) (slash + 1 - item);
		item = slash + 1;
	}
	n = strlen("lifeguard");
	if (len == n + 3 && memcmp(item + n, ".so", 3) == 0)
		len = n;
	return len == n && memcmp(item, "lifeguard", n) == 0;
}

bool
cli_preload_list_has_lifeguard(const char *list)
{
	const char *p = list;

	for (;;)
	{
		const char *end = p;
		bool		quoted = false;

		while (*end && (quoted || *end != ','))
		{
			if (*end == '"')
				quoted = !quoted;
			end++;
		}
		if (library_is_lifeguard(p, (size_t) (end - p)))
			return true;
		if (*end == '\0')
			return false;
		p = end + 1;
	}
}

int
cli_db_preloaded(cli_db *db)
{
	lg_error	err;
	PGresult   *res;
	int			result = -1;

	/* the audit functions know best: they raise 55000 when not preloaded */
	if (db->schema)
	{
		char	   *sql = cli_db_sql(db, "SELECT entries FROM %s.pooling_audit_info()");

		res = cli_db_query(db, sql, 0, NULL, &err);
		free(sql);
		if (res)
		{
			PQclear(res);
			return 1;
		}
		if (strcmp(err.sqlstate, "55000") == 0)
			return 0;
		if (err.status == LG_ERR_BROKEN)
			return -1;
	}

	/* else the setting, which only privileged roles may read */
	res = cli_db_query(db,
					   "SELECT setting FROM pg_catalog.pg_settings"
					   " WHERE name = 'shared_preload_libraries'",
					   0, NULL, &err);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		result = cli_preload_list_has_lifeguard(PQgetvalue(res, 0, 0)) ? 1 : 0;
	PQclear(res);
	return result;
}

/* ------------------------------------------------------------------------
 * pool snapshot (top, metrics)
 * ------------------------------------------------------------------------
 */

/*
 * One row per application pool (database, role, application_name), client
 * addresses summed, without this command's own backend (which is running
 * this query, so it is one "active" connection of its own group).
 * running = active minus waiting; other = connections in no visible state;
 * the longest idle in transaction now of those visible, in seconds.
 */
#define POOL_SQL \
	"WITH u AS (" \
	"  SELECT database, role, application_name," \
	"         sum(connections)::int AS connections, sum(active)::int AS active," \
	"         sum(idle)::int AS idle, sum(idle_in_transaction)::int AS idle_in_transaction," \
	"         sum(idle_in_transaction_aborted)::int AS idle_in_transaction_aborted," \
	"         sum(waiting)::int AS waiting, bool_and(active IS NOT NULL) AS visible," \
	"         extract(epoch FROM max(longest_idle_in_transaction)) AS longest_idle" \
	"    FROM %s.pool_usage GROUP BY 1, 2, 3), " \
	"s AS (" \
	"  SELECT database, role, application_name, visible," \
	"         connections - me AS connections, active - me AS active, idle," \
	"         idle_in_transaction, idle_in_transaction_aborted, waiting, longest_idle" \
	"    FROM u, LATERAL (SELECT (database = current_database() AND role = session_user" \
	"                             AND application_name = current_setting('application_name'))::int AS me) m) " \
	"SELECT database, role, application_name, connections," \
	"       coalesce(active - waiting, 0), coalesce(waiting, 0), coalesce(idle, 0)," \
	"       coalesce(idle_in_transaction, 0), coalesce(idle_in_transaction_aborted, 0)," \
	"       connections - coalesce(active + idle + idle_in_transaction + idle_in_transaction_aborted, 0)," \
	"       visible, longest_idle" \
	"  FROM s WHERE connections > 0" \
	" ORDER BY connections DESC, database, role, application_name"

int
cli_pool_snapshot(cli_db *db, cli_pool_row **rows, int *nrows,
				  cli_headroom *headroom)
{
	lg_error	err;
	PGresult   *res;
	char	   *sql;
	int			n;

	*rows = NULL;
	*nrows = 0;
	sql = cli_db_sql(db, POOL_SQL);
	res = cli_db_query(db, sql, 0, NULL, &err);
	free(sql);
	if (res == NULL)
		return cli_db_query_failed(db, "reading pool_usage", &err);
	n = PQntuples(res);
	*rows = calloc(n > 0 ? n : 1, sizeof(cli_pool_row));
	if (*rows == NULL)
	{
		PQclear(res);
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	for (int i = 0; i < n; i++)
	{
		cli_pool_row *r = &(*rows)[i];

		snprintf(r->database, sizeof(r->database), "%s", PQgetvalue(res, i, 0));
		snprintf(r->role, sizeof(r->role), "%s", PQgetvalue(res, i, 1));
		snprintf(r->application_name, sizeof(r->application_name), "%s", PQgetvalue(res, i, 2));
		r->connections = atoi(PQgetvalue(res, i, 3));
		r->running = atoi(PQgetvalue(res, i, 4));
		r->waiting = atoi(PQgetvalue(res, i, 5));
		r->idle = atoi(PQgetvalue(res, i, 6));
		r->idle_in_transaction = atoi(PQgetvalue(res, i, 7));
		r->idle_in_transaction_aborted = atoi(PQgetvalue(res, i, 8));
		r->other = atoi(PQgetvalue(res, i, 9));
		r->visible = PQgetvalue(res, i, 10)[0] == 't';
		r->longest_idle_in_transaction = PQgetisnull(res, i, 11) ? -1 : atof(PQgetvalue(res, i, 11));
	}
	*nrows = n;
	PQclear(res);

	if (headroom && !cli_headroom_read(db, headroom, &err))
	{
		free(*rows);
		*rows = NULL;
		return cli_db_query_failed(db, "reading pool_headroom()", &err);
	}
	return EXIT_OK;
}

bool
cli_headroom_read(cli_db *db, cli_headroom *headroom, lg_error *err)
{
	char	   *sql = cli_db_sql(db,
								 "SELECT max_connections, superuser_reserved_connections,"
								 "       reserved_connections, in_use, available, utilization"
								 "  FROM %s.pool_headroom()");
	PGresult   *res = cli_db_query(db, sql, 0, NULL, err);

	free(sql);
	if (res == NULL)
		return false;
	headroom->max_connections = atoi(PQgetvalue(res, 0, 0));
	headroom->superuser_reserved_connections = atoi(PQgetvalue(res, 0, 1));
	headroom->reserved_known = !PQgetisnull(res, 0, 2);
	headroom->reserved_connections = atoi(PQgetvalue(res, 0, 2));
	headroom->in_use = atoi(PQgetvalue(res, 0, 3));
	headroom->available = atoi(PQgetvalue(res, 0, 4));
	headroom->utilization = atof(PQgetvalue(res, 0, 5));
	PQclear(res);
	return true;
}
