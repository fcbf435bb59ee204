/*-------------------------------------------------------------------------
 *
 * cmd_metrics.c
 *	  lifeguard metrics: pool usage, connection headroom and the pooling
 *	  audit in the Prometheus text exposition format (version 0.0.4), for
 *	  a node_exporter textfile collector or any scraper that runs commands.
 *
 * Every metric family has its HELP and TYPE lines and one sample per label
 * set; label values are escaped (backslash, double quote, newline);
 * counters end in _total.  The output is built completely before it is
 * written, so a failure never leaves half a file: nothing goes to stdout
 * and the exit code says why.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* a label value, escaped as the exposition format wants */
static void
ob_label(lg_strbuf *b, const char *name, const char *value, bool last)
{
	lg_strbuf_printf(b, "%s=\"", name);
	for (const char *p = value; *p; p++)
	{
		if (*p == '\\')
			lg_strbuf_puts(b, "\\\\");
		else if (*p == '"')
			lg_strbuf_puts(b, "\\\"");
		else if (*p == '\n')
			lg_strbuf_puts(b, "\\n");
		else
			lg_strbuf_putn(b, p, 1);
	}
	lg_strbuf_puts(b, last ? "\"" : "\",");
}

static void
family(lg_strbuf *b, const char *name, const char *type, const char *helptext)
{
	lg_strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, helptext, name, type);
}

/* a family of one sample without labels, its value formatted by fmt */
static void
single(lg_strbuf *b, const char *name, const char *type, const char *helptext,
	   const char *fmt,...)
	__attribute__((format(printf, 5, 6)));

static void
single(lg_strbuf *b, const char *name, const char *type, const char *helptext,
	   const char *fmt,...)
{
	char		value[64];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	family(b, name, type, helptext);
	lg_strbuf_printf(b, "%s %s\n", name, value);
}

/* the exposition into b; returns the exit code */
static int
exposition(cli_db *db, lg_strbuf *b)
{
	cli_pool_row *rows;
	int			nrows;
	cli_headroom hr;
	int			preloaded;
	int			rc;
	static const char *const states[] = {
		"active", "waiting", "idle", "idle_in_transaction",
		"idle_in_transaction_aborted", "other"
	};

	if ((rc = cli_pool_snapshot(db, &rows, &nrows, &hr)) != EXIT_OK)
		return rc;

	family(b, "lifeguard_info", "gauge",
		   "lifeguard in the scraped database: edition (extension, or portable for the SQL-only edition without the pooling audit) and version; always 1.");
	lg_strbuf_printf(b, "lifeguard_info{edition=\"%s\",version=\"%s\"} 1\n", db->edition, db->ext_version);
	family(b, "lifeguard_pool_connections", "gauge",
		   "Client backends per application pool (pool_usage summed over client addresses, without this scrape's own connection) by state: active (running, not waiting on a lock), waiting (on a lock), idle, idle_in_transaction, idle_in_transaction_aborted, other (starting, or not visible to the scraping role).");
	for (int i = 0; i < nrows; i++)
	{
		const cli_pool_row *r = &rows[i];
		const int	values[] = {r->running, r->waiting, r->idle,
			r->idle_in_transaction, r->idle_in_transaction_aborted, r->other};

		for (int s = 0; s < 6; s++)
		{
			lg_strbuf_printf(b, "lifeguard_pool_connections{");
			ob_label(b, "database", r->database, false);
			ob_label(b, "role", r->role, false);
			ob_label(b, "application_name", r->application_name, false);
			ob_label(b, "state", states[s], true);
			lg_strbuf_printf(b, "} %d\n", values[s]);
		}
	}
	free(rows);

	single(b, "lifeguard_max_connections", "gauge", "The server's max_connections.",
		   "%d", hr.max_connections);
	single(b, "lifeguard_superuser_reserved_connections", "gauge",
		   "The server's superuser_reserved_connections.", "%d", hr.superuser_reserved_connections);
	if (hr.reserved_known)
		single(b, "lifeguard_reserved_connections", "gauge",
			   "The server's reserved_connections (PostgreSQL 16 and later).", "%d",
			   hr.reserved_connections);
	single(b, "lifeguard_connections_in_use", "gauge",
		   "Client backends connected (pool_headroom().in_use).", "%d", hr.in_use);
	single(b, "lifeguard_connections_available", "gauge",
		   "Connection slots still open to roles without reserved-slot privileges (pool_headroom().available).",
		   "%d", hr.available);
	single(b, "lifeguard_connections_utilization_ratio", "gauge",
		   "Share of the slots open to regular roles that are in use (pool_headroom().utilization / 100).",
		   "%.6g", hr.utilization / 100.0);

	preloaded = cli_db_preloaded(db);
	single(b, "lifeguard_preloaded", "gauge",
		   "1 when the server loads lifeguard through shared_preload_libraries (the pooling audit works), else 0.",
		   "%d", preloaded == 1 ? 1 : 0);

	/* the portable edition has no pooling audit, preloaded or not */
	if (preloaded == 1 && strcmp(db->edition, "extension") == 0)
	{
		lg_error	err;
		PGresult   *res;
		char	   *sql;

		sql = cli_db_sql(db,
						 "SELECT application_name, hazard, sum(count)::bigint"
						 "  FROM %s.pooling_audit GROUP BY 1, 2 ORDER BY 1, 2");
		res = cli_db_query(db, sql, 0, NULL, &err);
		free(sql);
		if (res == NULL)
			return cli_db_query_failed(db, "reading pooling_audit", &err);
		family(b, "lifeguard_pooling_hazards_total", "counter",
			   "Actions that break under transaction pooling, recorded by the pooling audit, per application and hazard (summed over databases and roles; reset by pooling_audit_reset() and server restarts).");
		for (int i = 0; i < PQntuples(res); i++)
		{
			lg_strbuf_printf(b, "lifeguard_pooling_hazards_total{");
			ob_label(b, "application_name", PQgetvalue(res, i, 0), false);
			ob_label(b, "hazard", PQgetvalue(res, i, 1), true);
			lg_strbuf_printf(b, "} %s\n", PQgetvalue(res, i, 2));
		}
		PQclear(res);

		sql = cli_db_sql(db, "SELECT entries, max_entries, dropped FROM %s.pooling_audit_info()");
		res = cli_db_query(db, sql, 0, NULL, &err);
		free(sql);
		if (res == NULL)
			return cli_db_query_failed(db, "reading pooling_audit_info()", &err);
		single(b, "lifeguard_pooling_audit_entries", "gauge",
			   "Rows of the pooling audit in shared memory.", "%s", PQgetvalue(res, 0, 0));
		single(b, "lifeguard_pooling_audit_max_entries", "gauge",
			   "lifeguard.audit_max_entries.", "%s", PQgetvalue(res, 0, 1));
		single(b, "lifeguard_pooling_audit_dropped_total", "counter",
			   "Hazards not recorded because the audit table was full.", "%s", PQgetvalue(res, 0, 2));
		PQclear(res);
	}
	return EXIT_OK;
}

int
cmd_metrics(const cli_args *args, cli_db *db)
{
	lg_strbuf	b;
	int			rc;

	(void) args;
	lg_strbuf_init(&b);
	rc = exposition(db, &b);
	if (rc == EXIT_OK && b.oom)
	{
		cli_error("out of memory");
		rc = EXIT_CHECK;
	}
	if (rc == EXIT_OK && b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	lg_strbuf_free(&b);
	if (rc == EXIT_OK && fflush(stdout) != 0)
	{
		cli_error("could not write the metrics to standard output");
		return EXIT_CHECK;
	}
	return rc;
}
