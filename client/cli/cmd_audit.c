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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hazards.h"
#include "quote.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* what the server's audit holds: pooling_audit_info() and pooling_audit */
typedef struct audit_report
{
	const char *database;
	PGresult   *info;			/* entries, max_entries, dropped, since */
	PGresult   *rows;			/* application_name, hazard, database, role,
								 * count, first_seen, last_seen, sample,
								 * client, hint, failures */
	int			nrows;
	int			napps;
	long long	dropped;
} audit_report;

enum
{
	COL_APP, COL_HAZARD, COL_DATABASE, COL_ROLE, COL_COUNT, COL_FIRST, COL_LAST, COL_SAMPLE,
	COL_CLIENT, COL_HINT, COL_FAILURES
};

/* does the installed extension (version v) have pooling_audit's client, hint and failures? */
static bool
has_clients(const char *v)
{
	return v != NULL && strcmp(v, "0.1.0") != 0 && strcmp(v, "0.2.0") != 0;
}

/*
 * Is s valid UTF-8?  A database in SQL_ASCII hands out whatever bytes were
 * stored, which JSON cannot carry.
 */
static bool
utf8_valid(const char *s)
{
	size_t		len = strlen(s);

	while (len > 0)
	{
		size_t		n = lg_utf8_char_len(s, len);

		if (n == 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}

/*
 * A field as printable UTF-8: itself when valid, else a malloc'd copy with
 * every non-ASCII byte as \xNN, and *problem set.  Never NULL.
 */
static char *
utf8_field(const char *s, const char **problem)
{
	char	   *out;
	char	   *p;

	if (utf8_valid(s))
		return strdup(s);
	*problem = "not valid UTF-8 (the database's encoding is SQL_ASCII?); bytes above 0x7f are shown as \\xNN";
	out = malloc(strlen(s) * 4 + 1);
	if (out == NULL)
		return NULL;
	p = out;
	for (const unsigned char *c = (const unsigned char *) s; *c; c++)
	{
		if (*c < 0x80)
			*p++ = (char) *c;
		else
			p += sprintf(p, "\\x%02x", *c);
	}
	*p = '\0';
	return out;
}

/* does row i start another application (NULL, unknown, is one too)? */
static bool
new_app(const audit_report *r, int i)
{
	if (i == 0)
		return true;
	if (PQgetisnull(r->rows, i, COL_APP) || PQgetisnull(r->rows, i - 1, COL_APP))
		return PQgetisnull(r->rows, i, COL_APP) != PQgetisnull(r->rows, i - 1, COL_APP);
	return strcmp(PQgetvalue(r->rows, i, COL_APP), PQgetvalue(r->rows, i - 1, COL_APP)) != 0;
}

/* Read the audit; on failure print one line and return the exit code. */
static int
audit_fetch(cli_db *db, audit_report *r)
{
	lg_error	err;
	char	   *sql;
	const char *what;
	const char *server_encoding;
	const char *client_encoding;

	memset(r, 0, sizeof(*r));
	if (strcmp(db->edition, "portable") == 0)
	{
		cli_error("the pooling audit needs the C extension; the portable edition in schema %s has none (run enforcement in CI against a database that has it)",
				  db->schema_name);
		return EXIT_USAGE;
	}
	/*
	 * JSON and the terminal want UTF-8, and the server converts to it; but
	 * a SQL_ASCII database refuses to send bytes that are not valid in the
	 * client's encoding, so there the CLI takes the bytes as they are and
	 * escapes what is not UTF-8 itself (utf8_field).
	 */
	server_encoding = PQparameterStatus(lg_conn_pgconn(db->conn), "server_encoding");
	client_encoding = (server_encoding && strcmp(server_encoding, "SQL_ASCII") == 0)
		? "SQL_ASCII" : "UTF8";
	if (PQsetClientEncoding(lg_conn_pgconn(db->conn), client_encoding) != 0)
	{
		cli_db_error(db, "could not set client_encoding to %s: %s", client_encoding,
					 PQerrorMessage(lg_conn_pgconn(db->conn)));
		return EXIT_CONNECT;
	}
	r->database = PQdb(lg_conn_pgconn(db->conn));

	what = "reading pooling_audit_info()";
	sql = cli_db_sql(db, "SELECT entries, max_entries, dropped, " TS("since")
					 " FROM %s.pooling_audit_info()");
	r->info = cli_db_query(db, sql, 0, NULL, &err);
	free(sql);
	if (r->info != NULL)
	{
		what = "reading pooling_audit";
		sql = cli_db_sql(db, has_clients(db->ext_version)
						 ? "SELECT application_name, hazard, database, role, count, "
						 TS("first_seen") ", " TS("last_seen") ", sample, client, hint, failures"
						 "  FROM %s.pooling_audit"
						 " ORDER BY application_name NULLS LAST, count DESC, hazard, database, role, client"
						 : "SELECT application_name, hazard, database, role, count, "
						 TS("first_seen") ", " TS("last_seen") ", sample, NULL, NULL, 0"
						 "  FROM %s.pooling_audit"
						 " ORDER BY application_name, count DESC, hazard, database, role");
		r->rows = cli_db_query(db, sql, 0, NULL, &err);
		free(sql);
	}
	if (r->info == NULL || r->rows == NULL)
	{
		PQclear(r->info);
		r->info = NULL;
		if (strcmp(err.sqlstate, "55000") == 0)
		{
			cli_error("the server does not preload lifeguard, so there is no pooling audit; add lifeguard to shared_preload_libraries and restart the server");
			return EXIT_USAGE;
		}
		return cli_db_query_failed(db, what, &err);
	}
	r->nrows = PQntuples(r->rows);
	r->dropped = atoll(PQgetvalue(r->info, 0, 2));
	for (int i = 0; i < r->nrows; i++)
		if (new_app(r, i))
			r->napps++;
	return EXIT_OK;
}

static void
audit_free(audit_report *r)
{
	PQclear(r->rows);
	PQclear(r->info);
}

/* the fix of row i: the server's hint, else the hazard table's */
static const char *
alternative(const audit_report *r, int i)
{
	const lg_hazard_text *t;

	if (!PQgetisnull(r->rows, i, COL_HINT))
		return PQgetvalue(r->rows, i, COL_HINT);
	t = lg_hazard_by_name(PQgetvalue(r->rows, i, COL_HAZARD));
	return t ? t->hint : NULL;
}

/* a string member; invalid UTF-8 is escaped and the problem recorded */
static void
json_set_text(json_t *o, const char *key, const char *value, const char **problem)
{
	char	   *v = utf8_field(value, problem);

	json_object_set_new(o, key, v ? json_string(v) : json_null());
	free(v);
}

/* One JSON object; every row is in it, whatever its bytes. */
static void
audit_render_json(const audit_report *r)
{
	json_t	   *o = json_object();
	json_t	   *apps = json_array();
	json_t	   *hazards = NULL;
	const char *problem = NULL;
	char	   *text;

	json_set_text(o, "database", r->database, &problem);
	json_object_set_new(o, "since", json_string(PQgetvalue(r->info, 0, 3)));
	json_object_set_new(o, "entries", json_integer(atoi(PQgetvalue(r->info, 0, 0))));
	json_object_set_new(o, "max_entries", json_integer(atoi(PQgetvalue(r->info, 0, 1))));
	json_object_set_new(o, "dropped", json_integer(r->dropped));
	json_object_set_new(o, "hazards_recorded", json_boolean(r->nrows > 0 || r->dropped > 0));
	for (int i = 0; i < r->nrows; i++)
	{
		const char *alt = alternative(r, i);
		json_t	   *h = json_object();

		problem = NULL;
		if (new_app(r, i))
		{
			json_t	   *app = json_object();

			hazards = json_array();
			if (PQgetisnull(r->rows, i, COL_APP))
				json_object_set_new(app, "application_name", json_null());
			else
				json_set_text(app, "application_name", PQgetvalue(r->rows, i, COL_APP), &problem);
			json_object_set_new(app, "hazards", hazards);
			json_array_append_new(apps, app);
		}
		json_set_text(h, "hazard", PQgetvalue(r->rows, i, COL_HAZARD), &problem);
		json_set_text(h, "database", PQgetvalue(r->rows, i, COL_DATABASE), &problem);
		json_set_text(h, "role", PQgetvalue(r->rows, i, COL_ROLE), &problem);
		json_object_set_new(h, "count", json_integer(atoll(PQgetvalue(r->rows, i, COL_COUNT))));
		json_object_set_new(h, "first_seen", json_string(PQgetvalue(r->rows, i, COL_FIRST)));
		json_object_set_new(h, "last_seen", json_string(PQgetvalue(r->rows, i, COL_LAST)));
		if (PQgetisnull(r->rows, i, COL_SAMPLE))
			json_object_set_new(h, "sample", json_null());
		else
			json_set_text(h, "sample", PQgetvalue(r->rows, i, COL_SAMPLE), &problem);
		if (PQgetisnull(r->rows, i, COL_CLIENT))
			json_object_set_new(h, "client", json_null());
		else
			json_set_text(h, "client", PQgetvalue(r->rows, i, COL_CLIENT), &problem);
		json_object_set_new(h, "failures", json_integer(atoll(PQgetvalue(r->rows, i, COL_FAILURES))));
		json_object_set_new(h, "safe_alternative", alt ? json_string(alt) : json_null());
		if (problem)
			json_object_set_new(h, "problem", json_string(problem));
		json_array_append_new(hazards, h);
	}
	json_object_set_new(o, "applications", apps);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* The report for a terminal, grouped by application. */
static void
audit_render_text(const audit_report *r)
{
	if (r->nrows == 0)
		printf("No pooling hazards recorded in database %s since %s",
			   r->database, PQgetvalue(r->info, 0, 3));
	else
		printf("%d pooling hazard%s recorded by %d application%s since %s",
			   r->nrows, r->nrows == 1 ? "" : "s", r->napps, r->napps == 1 ? "" : "s",
			   PQgetvalue(r->info, 0, 3));
	printf(" (%s of %s entries used, %lld dropped)\n",
		   PQgetvalue(r->info, 0, 0), PQgetvalue(r->info, 0, 1), r->dropped);
	if (r->dropped > 0)
		printf("Some hazards were not kept: raise lifeguard.audit_max_entries or call pooling_audit_reset().\n");
	for (int i = 0; i < r->nrows; i++)
	{
		const char *alt = alternative(r, i);
		const char *problem = NULL;
		long long	failures = atoll(PQgetvalue(r->rows, i, COL_FAILURES));
		char	   *f[COL_CLIENT + 1];

		for (int c = 0; c <= COL_CLIENT; c++)
			f[c] = PQgetisnull(r->rows, i, c) ? NULL
				: utf8_field(PQgetvalue(r->rows, i, c), &problem);
		if (new_app(r, i))
			printf("\n%s\n", f[COL_APP] == NULL ? "(application unknown: see docs/drivers.md)"
				   : f[COL_APP][0] ? f[COL_APP] : "(no application_name)");
		printf("  %-17s %8s x  last seen %s  (role %s, database %s%s%s)\n",
			   f[COL_HAZARD] ? f[COL_HAZARD] : "?", PQgetvalue(r->rows, i, COL_COUNT),
			   PQgetvalue(r->rows, i, COL_LAST), f[COL_ROLE] ? f[COL_ROLE] : "?",
			   f[COL_DATABASE] ? f[COL_DATABASE] : "?",
			   f[COL_CLIENT] ? ", client " : "", f[COL_CLIENT] ? f[COL_CLIENT] : "");
		if (f[COL_SAMPLE])
			printf("      first: %s\n", f[COL_SAMPLE]);
		if (failures > 0)
			printf("      failed: %lld prepared-statement error%s a pooler caused (26000, 42P05)\n",
				   failures, failures == 1 ? "" : "s");
		if (alt)
			printf("      instead: %s\n", alt);
		if (problem)
			printf("      note: %s\n", problem);
		for (int c = 0; c <= COL_CLIENT; c++)
			free(f[c]);
	}
}

int
cmd_audit(const cli_args *args, cli_db *db)
{
	audit_report r;
	int			rc;

	if ((rc = audit_fetch(db, &r)) != EXIT_OK)
		return rc;
	if (cli_given(args, AUDIT_JSON))
		audit_render_json(&r);
	else
		audit_render_text(&r);
	rc = (cli_given(args, AUDIT_FAIL_ON_HAZARDS) && (r.nrows > 0 || r.dropped > 0)) ?
		EXIT_CHECK : EXIT_OK;
	audit_free(&r);
	return rc;
}
