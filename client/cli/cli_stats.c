/*-------------------------------------------------------------------------
 *
 * cli_stats.c
 *	  The connection statistics (pool_stats and pool_stats_info(), see
 *	  docs/pool-stats.md) as top, health and metrics read them, and, where
 *	  they cannot be read, one sentence saying what they need: the C
 *	  extension (not the portable edition), of a version that has them (not
 *	  0.1.0 or 0.2.0), preloaded, with lifeguard.stats on.
 *
 * The cause columns of pool_stats are named once, here: ended_<cause>,
 * refused_<cause>, errors_<cause>; each <cause> is also the label value of
 * its Prometheus metric.  Times are read as the view gives them
 * (milliseconds), timestamps as seconds since the epoch.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

const char *const cli_stats_ended[CLI_ENDED_NUM] = {
	"normal", "client_gone", "fatal", "terminated", "idle_session_timeout",
	"idle_in_transaction_timeout", "transaction_timeout"
};

const char *const cli_stats_refused[CLI_REFUSED_NUM] = {
	"too_many_clients", "reserved", "role_limit", "database_limit", "authentication", "other"
};

const char *const cli_stats_errors[CLI_ERRORS_NUM] = {
	"prepared_missing", "prepared_exists", "cached_plan"
};

#define NEEDS "connection statistics (pool_stats: peaks, refusals, sessions and transactions by application) need the C extension, preloaded (shared_preload_libraries = 'lifeguard')"

/* seconds since the epoch of a column made by extract(epoch FROM ...); NAN when NULL */
static double
epoch(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

/* why pool_stats_info() raised 55000 here */
static void
why_unavailable(cli_db *db, const lg_error *err, char *why, size_t size)
{
	lg_error	e;
	PGresult   *res;

	if (cli_db_preloaded(db) == 0)
	{
		snprintf(why, size, NEEDS "; the server does not preload lifeguard: add lifeguard to shared_preload_libraries and restart the server");
		return;
	}
	res = cli_db_query(db, "SELECT current_setting('lifeguard.stats', true) = 'off'", 0, NULL, &e);
	if (res && PQgetvalue(res, 0, 0)[0] == 't')
		snprintf(why, size, "connection statistics are off on this server (lifeguard.stats = off): set lifeguard.stats = on and restart the server");
	else
	{
		lg_strbuf	sb;

		lg_strbuf_fixed(&sb, why, size);
		lg_strbuf_printf(&sb, "connection statistics cannot be read: %s", err->message);
	}
	PQclear(res);
}

int
cli_stats_info_read(cli_db *db, cli_stats_info *info)
{
	const char *params[1] = {db->schema};
	lg_error	err;
	PGresult   *res;
	char	   *sql;

	memset(info, 0, sizeof(*info));
	info->peak_at = NAN;
	if (strcmp(db->edition, "portable") == 0)
	{
		snprintf(info->unavailable, sizeof(info->unavailable),
				 NEEDS "; the portable edition in schema %s has none", db->schema_name);
		return EXIT_OK;
	}
	/* 0.1.0 and 0.2.0 have no pool_stats (the library may be newer) */
	res = cli_db_query(db,
					   "SELECT count(*) FROM pg_catalog.pg_proc"
					   " WHERE pronamespace = $1::regnamespace AND proname = 'pool_stats_info'",
					   1, params, &err);
	if (res == NULL)
		return cli_db_query_failed(db, "looking up pool_stats_info()", &err);
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0)
	{
		PQclear(res);
		snprintf(info->unavailable, sizeof(info->unavailable),
				 "connection statistics (pool_stats) need a newer lifeguard: the extension in schema %s is %s; run ALTER EXTENSION lifeguard UPDATE",
				 db->schema_name, db->ext_version);
		return EXIT_OK;
	}
	PQclear(res);

	sql = cli_db_sql(db,
					 "SELECT entries, max_entries, overflowed, extract(epoch FROM since),"
					 "       connections, peak_connections, extract(epoch FROM peak_at)"
					 "  FROM %s.pool_stats_info()");
	res = cli_db_query(db, sql, 0, NULL, &err);
	free(sql);
	if (res == NULL)
	{
		if (strcmp(err.sqlstate, "55000") != 0)
			return cli_db_query_failed(db, "reading pool_stats_info()", &err);
		why_unavailable(db, &err, info->unavailable, sizeof(info->unavailable));
		return EXIT_OK;
	}
	info->available = true;
	info->entries = atoi(PQgetvalue(res, 0, 0));
	info->max_entries = atoi(PQgetvalue(res, 0, 1));
	info->overflowed = atoll(PQgetvalue(res, 0, 2));
	info->since = epoch(res, 0, 3);
	info->connections = atoi(PQgetvalue(res, 0, 4));
	info->peak_connections = atoi(PQgetvalue(res, 0, 5));
	info->peak_at = epoch(res, 0, 6);
	PQclear(res);
	return EXIT_OK;
}

/* the columns read, in this order */
enum
{
	C_DATABASE, C_ROLE, C_APP, C_VISIBLE, C_CONNECTIONS, C_PEAK, C_PEAK_AT,
	C_SESSIONS_OPENED, C_SESSION_TIME, C_LAST_REFUSED_AT, C_COMMITS, C_ROLLBACKS,
	C_HANDOFFS, C_TRANSACTION_TIME, C_ACTIVE_TIME, C_IDLE_TIME, C_LONGEST_TRANSACTION,
	C_LONGEST_IDLE, C_ENDED, C_REFUSED = C_ENDED + CLI_ENDED_NUM,
	C_ERRORS = C_REFUSED + CLI_REFUSED_NUM
};

int
cli_stats_read(cli_db *db, cli_stats *stats)
{
	lg_strbuf	sb;
	lg_error	err;
	char	   *sql;
	PGresult   *res;
	int			n;

	memset(stats, 0, sizeof(*stats));
	lg_strbuf_init(&sb);
	lg_strbuf_puts(&sb,
				   "SELECT database, role, application_name, sessions_opened IS NOT NULL,"
				   " connections, peak_connections, extract(epoch FROM peak_at),"
				   " sessions_opened, session_time, extract(epoch FROM last_refused_at),"
				   " commits, rollbacks, handoffs, transaction_time, active_time,"
				   " idle_in_transaction_time, longest_transaction_time,"
				   " longest_idle_in_transaction_time");
	for (int i = 0; i < CLI_ENDED_NUM; i++)
		lg_strbuf_printf(&sb, ", ended_%s", cli_stats_ended[i]);
	for (int i = 0; i < CLI_REFUSED_NUM; i++)
		lg_strbuf_printf(&sb, ", refused_%s", cli_stats_refused[i]);
	for (int i = 0; i < CLI_ERRORS_NUM; i++)
		lg_strbuf_printf(&sb, ", errors_%s", cli_stats_errors[i]);
	lg_strbuf_puts(&sb, " FROM %s.pool_stats"
				   " ORDER BY database IS NULL, database, role, application_name");
	if (sb.oom)
	{
		lg_strbuf_free(&sb);
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	sql = cli_db_sql(db, sb.data);
	lg_strbuf_free(&sb);
	res = cli_db_query(db, sql, 0, NULL, &err);
	free(sql);
	if (res == NULL)
		return cli_db_query_failed(db, "reading pool_stats", &err);
	n = PQntuples(res);
	stats->rows = calloc(n > 0 ? n : 1, sizeof(cli_stats_row));
	if (stats->rows == NULL)
	{
		PQclear(res);
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	for (int i = 0; i < n; i++)
	{
		cli_stats_row *r = &stats->rows[i];

#define LL(col) atoll(PQgetvalue(res, i, (col)))
#define DBL(col) strtod(PQgetvalue(res, i, (col)), NULL)
		r->overflow = PQgetisnull(res, i, C_DATABASE);
		r->database = PQgetvalue(res, i, C_DATABASE);
		r->role = PQgetvalue(res, i, C_ROLE);
		r->application_name = PQgetvalue(res, i, C_APP);
		r->visible = PQgetvalue(res, i, C_VISIBLE)[0] == 't';
		r->connections = atoi(PQgetvalue(res, i, C_CONNECTIONS));
		r->peak_connections = atoi(PQgetvalue(res, i, C_PEAK));
		r->peak_at = epoch(res, i, C_PEAK_AT);
		r->last_refused_at = epoch(res, i, C_LAST_REFUSED_AT);
		if (!r->visible)
			continue;			/* only the names and connections */
		r->sessions_opened = LL(C_SESSIONS_OPENED);
		r->session_time = DBL(C_SESSION_TIME);
		r->commits = LL(C_COMMITS);
		r->rollbacks = LL(C_ROLLBACKS);
		r->handoffs = LL(C_HANDOFFS);
		r->transaction_time = DBL(C_TRANSACTION_TIME);
		r->active_time = DBL(C_ACTIVE_TIME);
		r->idle_in_transaction_time = DBL(C_IDLE_TIME);
		r->longest_transaction_time = DBL(C_LONGEST_TRANSACTION);
		r->longest_idle_in_transaction_time = DBL(C_LONGEST_IDLE);
		for (int k = 0; k < CLI_ENDED_NUM; k++)
			r->ended[k] = LL(C_ENDED + k);
		for (int k = 0; k < CLI_REFUSED_NUM; k++)
			r->refused[k] = LL(C_REFUSED + k);
		for (int k = 0; k < CLI_ERRORS_NUM; k++)
			r->errors[k] = LL(C_ERRORS + k);
#undef LL
#undef DBL
	}
	stats->nrows = n;
	stats->res = res;
	return EXIT_OK;
}

void
cli_stats_free(cli_stats *stats)
{
	free(stats->rows);
	PQclear(stats->res);
	memset(stats, 0, sizeof(*stats));
}

long long
cli_stats_refused_sum(const long long *refused, int n)
{
	long long	sum = 0;

	for (int k = 0; k < n; k++)
		sum += refused[k];
	return sum;
}

void
cli_stats_refused_list(const long long *refused, int n, lg_strbuf *sb)
{
	bool		first = true;

	for (int k = 0; k < n; k++)
		if (refused[k] > 0)
		{
			lg_strbuf_printf(sb, "%s%s %lld", first ? "" : ", ", cli_stats_refused[k], refused[k]);
			first = false;
		}
}
