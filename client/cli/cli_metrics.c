/*-------------------------------------------------------------------------
 *
 * cli_metrics.c
 *	  The Prometheus text exposition (version 0.0.4) of `lifeguard metrics`:
 *	  pool usage (pool_usage, by application_name as it is now), connection
 *	  headroom and limits, the pooling audit, and the connection statistics
 *	  (pool_stats, by database, role and application since the last reset),
 *	  built from a database cli_db has open and found lifeguard in.  The
 *	  command prints it (cmd_metrics.c) or serves it over HTTP.
 *
 * Every metric family has its HELP and TYPE lines and one sample per label
 * set; label values are escaped (backslash, double quote, newline, and a
 * byte that is not UTF-8 as \xNN); counters end in _total, times are in
 * seconds.
 *
 * Applications.  The pool_stats families carry the label application, of
 * which there are at most max_applications values besides "other": the
 * most active applications (sessions opened, transactions, refusals and
 * connections open, summed over their rows) keep their names, and the
 * rows of every other application of a database and role are summed into
 * application="other" (the overflow row of pool_stats, which has no names,
 * goes to database="", role="", application="other").  Counters of "other"
 * are sums; of its gauges, connections is the sum, peaks and longest times
 * the highest of its rows, the last refusal the latest.  With keep set (a
 * server that scrapes again and again), an application that got its name
 * keeps it until the statistics are reset, so that the counters of
 * "other" only ever grow; without it the choice is made afresh each time.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define OTHER "other"

/* ------------------------------------------------------------------------
 * writing
 * ------------------------------------------------------------------------
 */

/* a label value, escaped as the exposition format wants */
static void
label_value(lg_strbuf *b, const char *value)
{
	size_t		len = strlen(value);

	for (size_t i = 0; i < len;)
	{
		size_t		n = lg_utf8_char_len(value + i, len - i);

		if (value[i] == '\\')
			lg_strbuf_puts(b, "\\\\");
		else if (value[i] == '"')
			lg_strbuf_puts(b, "\\\"");
		else if (value[i] == '\n')
			lg_strbuf_puts(b, "\\n");
		else if (n == 0)
		{
			/* not UTF-8 (a SQL_ASCII database): the byte as \xNN */
			lg_strbuf_printf(b, "\\\\x%02x", (unsigned char) value[i]);
			n = 1;
		}
		else
			lg_strbuf_putn(b, value + i, n);
		i += n > 0 ? n : 1;
	}
}

static void
ob_label(lg_strbuf *b, const char *name, const char *value, bool last)
{
	lg_strbuf_printf(b, "%s=\"", name);
	label_value(b, value);
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

/* a number of seconds, or a timestamp: as exact as a double prints */
#define SECONDS "%.15g"

/* ------------------------------------------------------------------------
 * pool usage, headroom, limits, the pooling audit
 * ------------------------------------------------------------------------
 */

static int
pool_families(cli_db *db, lg_strbuf *b, int *preloaded)
{
	cli_pool_row *rows;
	int			nrows;
	cli_headroom hr;
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

	*preloaded = cli_db_preloaded(db);
	single(b, "lifeguard_preloaded", "gauge",
		   "1 when the server loads lifeguard through shared_preload_libraries (the pooling audit works), else 0.",
		   "%d", *preloaded == 1 ? 1 : 0);

	/* what is new comes after the families of 0.2.0 */
	family(b, "lifeguard_pool_longest_idle_in_transaction_seconds", "gauge",
		   "The longest a client backend of the application pool has been idle in its open transaction, now (pool_usage.longest_idle_in_transaction; pools with none, or not visible to the scraping role, have no sample).");
	for (int i = 0; i < nrows; i++)
	{
		const cli_pool_row *r = &rows[i];

		if (r->longest_idle_in_transaction < 0)
			continue;
		lg_strbuf_printf(b, "lifeguard_pool_longest_idle_in_transaction_seconds{");
		ob_label(b, "database", r->database, false);
		ob_label(b, "role", r->role, false);
		ob_label(b, "application_name", r->application_name, true);
		lg_strbuf_printf(b, "} " SECONDS "\n", r->longest_idle_in_transaction);
	}
	free(rows);
	return EXIT_OK;
}

/* the rows of res of kind ('r' or 'd') as the family name, labelled label */
static void
limit_family(lg_strbuf *b, const PGresult *res, char kind, const char *name,
			 const char *label, const char *helptext)
{
	family(b, name, "gauge", helptext);
	for (int i = 0; i < PQntuples(res); i++)
		if (PQgetvalue(res, i, 0)[0] == kind)
		{
			lg_strbuf_printf(b, "%s{", name);
			ob_label(b, label, PQgetvalue(res, i, 1), true);
			lg_strbuf_printf(b, "} %s\n", PQgetvalue(res, i, 2));
		}
}

/* the CONNECTION LIMIT of login roles and of databases that have one */
static int
limit_families(cli_db *db, lg_strbuf *b)
{
	lg_error	err;
	PGresult   *res = cli_db_query(db,
								   "SELECT 'r', rolname, rolconnlimit FROM pg_catalog.pg_roles"
								   " WHERE rolcanlogin AND rolconnlimit >= 0"
								   " UNION ALL "
								   "SELECT 'd', datname, datconnlimit FROM pg_catalog.pg_database"
								   " WHERE datallowconn AND datconnlimit >= 0"
								   " ORDER BY 1 DESC, 2", 0, NULL, &err);

	if (res == NULL)
		return cli_db_query_failed(db, "reading the connection limits", &err);
	limit_family(b, res, 'r', "lifeguard_role_connection_limit", "role",
				 "The CONNECTION LIMIT of each login role that has one (pg_roles.rolconnlimit); superusers are not held to it.");
	limit_family(b, res, 'd', "lifeguard_database_connection_limit", "database",
				 "The CONNECTION LIMIT of each database that has one (pg_database.datconnlimit); superusers are not held to it.");
	PQclear(res);
	return EXIT_OK;
}

static int
audit_families(cli_db *db, lg_strbuf *b)
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
	return EXIT_OK;
}

/* ------------------------------------------------------------------------
 * pool_stats: which applications keep their names
 * ------------------------------------------------------------------------
 */

typedef struct app_rank
{
	const char *name;
	long long	activity;
} app_rank;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const app_rank *) a)->name, ((const app_rank *) b)->name);
}

/* most active first, then by name */
static int
cmp_rank(const void *a, const void *b)
{
	const app_rank *x = a;
	const app_rank *y = b;

	if (x->activity != y->activity)
		return x->activity > y->activity ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool
in_sorted(char *const *names, int n, const char *name)
{
	return n > 0 && bsearch(&name, names, (size_t) n, sizeof(char *), cmp_str) != NULL;
}

/*
 * The applications of stats that keep their names into st->kept (sorted),
 * and how many applications there are in all; false when out of memory.
 */
static bool
choose_applications(cli_metrics *st, const cli_stats *stats, double since, int *napps)
{
	app_rank   *apps = calloc((size_t) stats->nrows + 1, sizeof(app_rank));
	int			n = 0;
	int			nkept = 0;
	char	  **kept;

	*napps = 0;
	if (apps == NULL)
		return false;
	/* each row's activity, then the rows of one application added up */
	for (int i = 0; i < stats->nrows; i++)
	{
		const cli_stats_row *r = &stats->rows[i];

		if (r->overflow)
			continue;
		apps[n].name = r->application_name;
		apps[n++].activity = r->sessions_opened + r->commits + r->rollbacks +
			cli_stats_refused_sum(r->refused, CLI_REFUSED_NUM) + r->connections;
	}
	qsort(apps, (size_t) n, sizeof(app_rank), cmp_name);
	for (int i = 0; i < n; i++)
	{
		if (*napps > 0 && strcmp(apps[*napps - 1].name, apps[i].name) == 0)
			apps[*napps - 1].activity += apps[i].activity;
		else
			apps[(*napps)++] = apps[i];
	}
	n = *napps;
	qsort(apps, (size_t) n, sizeof(app_rank), cmp_rank);

	/* those kept from earlier scrapes first, unless the statistics were reset */
	kept = calloc((size_t) (st->max_applications > 0 ? st->max_applications : 1), sizeof(char *));
	if (kept == NULL)
	{
		free(apps);
		return false;
	}
	if (st->keep && st->kept_since == since)
		for (int i = 0; i < st->nkept && nkept < st->max_applications; i++)
			kept[nkept++] = st->kept[i];
	else
		for (int i = 0; i < st->nkept; i++)
			free(st->kept[i]);
	free(st->kept);
	st->kept = kept;
	st->nkept = nkept;
	qsort(st->kept, (size_t) nkept, sizeof(char *), cmp_str);
	/* then the most active of the others (distinct names) while there is room */
	for (int i = 0; i < n && st->nkept < st->max_applications; i++)
	{
		if (in_sorted(st->kept, nkept, apps[i].name))
			continue;
		if ((st->kept[st->nkept] = strdup(apps[i].name)) == NULL)
		{
			free(apps);
			return false;
		}
		st->nkept++;
	}
	qsort(st->kept, (size_t) st->nkept, sizeof(char *), cmp_str);
	st->kept_since = since;
	free(apps);
	return true;
}

/* ------------------------------------------------------------------------
 * pool_stats: the groups and their families
 * ------------------------------------------------------------------------
 */

/* the rows of one database, role and application (or "other"), added up */
typedef struct group
{
	const char *database;
	const char *role;
	const char *application;
	bool		visible;		/* at least one row's counters were visible */
	cli_stats_row sum;			/* counters summed; gauges as the header says */
} group;

static int
cmp_group(const void *a, const void *b)
{
	const group *x = a;
	const group *y = b;
	int			c;

	if ((c = strcmp(x->database, y->database)) != 0)
		return c;
	if ((c = strcmp(x->role, y->role)) != 0)
		return c;
	/* "other" after the named ones */
	if ((x->application == NULL) != (y->application == NULL))
		return x->application == NULL ? 1 : -1;
	return x->application ? strcmp(x->application, y->application) : 0;
}

static void
add_row(group *g, const cli_stats_row *r)
{
	cli_stats_row *s = &g->sum;

	s->connections += r->connections;
	if (!r->visible)
		return;
	if (!g->visible || r->peak_connections > s->peak_connections ||
		(r->peak_connections == s->peak_connections && !isnan(r->peak_at) &&
		 (isnan(s->peak_at) || r->peak_at < s->peak_at)))
	{
		s->peak_connections = r->peak_connections;
		s->peak_at = r->peak_at;
	}
	if (!isnan(r->last_refused_at) && (isnan(s->last_refused_at) || r->last_refused_at > s->last_refused_at))
		s->last_refused_at = r->last_refused_at;
	if (!g->visible || r->longest_transaction_time > s->longest_transaction_time)
		s->longest_transaction_time = r->longest_transaction_time;
	if (!g->visible || r->longest_idle_in_transaction_time > s->longest_idle_in_transaction_time)
		s->longest_idle_in_transaction_time = r->longest_idle_in_transaction_time;
	s->sessions_opened += r->sessions_opened;
	for (int k = 0; k < CLI_ENDED_NUM; k++)
		s->ended[k] += r->ended[k];
	for (int k = 0; k < CLI_REFUSED_NUM; k++)
		s->refused[k] += r->refused[k];
	for (int k = 0; k < CLI_ERRORS_NUM; k++)
		s->errors[k] += r->errors[k];
	s->commits += r->commits;
	s->rollbacks += r->rollbacks;
	s->handoffs += r->handoffs;
	s->session_time += r->session_time;
	s->transaction_time += r->transaction_time;
	s->active_time += r->active_time;
	s->idle_in_transaction_time += r->idle_in_transaction_time;
	g->visible = true;
}

/*
 * The groups of stats (malloc'd, sorted; *ngroups of them): a row whose
 * application is not kept goes to its database and role's "other".
 */
static group *
make_groups(const cli_metrics *st, const cli_stats *stats, int *ngroups)
{
	group	   *g = calloc((size_t) stats->nrows + 1, sizeof(group));
	int			n = 0;

	if (g == NULL)
		return NULL;
	for (int i = 0; i < stats->nrows; i++)
	{
		const cli_stats_row *r = &stats->rows[i];

		g[i].database = r->overflow ? "" : r->database;
		g[i].role = r->overflow ? "" : r->role;
		g[i].application = (!r->overflow && in_sorted(st->kept, st->nkept, r->application_name))
			? r->application_name : NULL;
		g[i].sum.peak_at = NAN;
		g[i].sum.last_refused_at = NAN;
		add_row(&g[i], r);
	}
	qsort(g, (size_t) stats->nrows, sizeof(group), cmp_group);
	/* merge neighbours of the same key */
	for (int i = 0; i < stats->nrows; i++)
	{
		if (n > 0 && cmp_group(&g[n - 1], &g[i]) == 0)
		{
			/* add row i's sums as a row: its gauges and counters alike */
			cli_stats_row r = g[i].sum;

			r.visible = g[i].visible;
			add_row(&g[n - 1], &r);
		}
		else
			g[n++] = g[i];
	}
	*ngroups = n;
	return g;
}

static void
group_labels(lg_strbuf *b, const char *name, const group *g, bool last)
{
	lg_strbuf_printf(b, "%s{", name);
	ob_label(b, "database", g->database, false);
	ob_label(b, "role", g->role, false);
	ob_label(b, "application", g->application ? g->application : OTHER, last);
}

/* what a family shows of a group; false: no sample */
typedef bool (*group_value) (const group *g, int k, char *buf, size_t size);

#define COUNTER_VALUE(fn, expr) \
static bool \
fn(const group *g, int k, char *buf, size_t size) \
{ \
	(void) k; \
	if (!g->visible) \
		return false; \
	snprintf(buf, size, "%lld", (long long) (expr)); \
	return true; \
}
#define SECONDS_VALUE(fn, expr) \
static bool \
fn(const group *g, int k, char *buf, size_t size) \
{ \
	(void) k; \
	if (!g->visible) \
		return false; \
	snprintf(buf, size, SECONDS, (expr) / 1000.0); \
	return true; \
}

COUNTER_VALUE(v_sessions_opened, g->sum.sessions_opened)
COUNTER_VALUE(v_ended, g->sum.ended[k])
COUNTER_VALUE(v_refused, g->sum.refused[k])
COUNTER_VALUE(v_transactions, k == 0 ? g->sum.commits : g->sum.rollbacks)
COUNTER_VALUE(v_handoffs, g->sum.handoffs)
COUNTER_VALUE(v_errors, g->sum.errors[k])
COUNTER_VALUE(v_peak, g->sum.peak_connections)
SECONDS_VALUE(v_session_time, g->sum.session_time)
SECONDS_VALUE(v_transaction_time, g->sum.transaction_time)
SECONDS_VALUE(v_active_time, g->sum.active_time)
SECONDS_VALUE(v_idle_time, g->sum.idle_in_transaction_time)
SECONDS_VALUE(v_longest_transaction, g->sum.longest_transaction_time)
SECONDS_VALUE(v_longest_idle, g->sum.longest_idle_in_transaction_time)

static bool
v_connections(const group *g, int k, char *buf, size_t size)
{
	(void) k;
	snprintf(buf, size, "%d", g->sum.connections);
	return true;
}

/* a timestamp in seconds since the epoch; none when NAN */
static bool
timestamp_value(const group *g, double t, char *buf, size_t size)
{
	if (!g->visible || isnan(t))
		return false;
	snprintf(buf, size, "%.3f", t);
	return true;
}

static bool
v_peak_at(const group *g, int k, char *buf, size_t size)
{
	(void) k;
	return timestamp_value(g, g->sum.peak_at, buf, size);
}

static bool
v_last_refused_at(const group *g, int k, char *buf, size_t size)
{
	(void) k;
	return timestamp_value(g, g->sum.last_refused_at, buf, size);
}

static const char *const outcomes[] = {"commit", "rollback"};

/* one family of the pool_stats groups; with a cause label when causes */
typedef struct stats_family
{
	const char *name;
	const char *type;
	const char *help;
	group_value value;
	const char *label;			/* the cause label's name, or NULL */
	const char *const *causes;
	int			ncauses;
} stats_family;

#define STATS_ROW " of each database, role and application since pool_stats_reset() (pool_stats"
#define OTHER_SUM "; for application=\"other\", the sum of its applications"
#define OTHER_MAX "; for application=\"other\", the highest of its applications'"

static const stats_family stats_families[] = {
	{"lifeguard_sessions_opened_total", "counter",
		"Sessions opened" STATS_ROW ".sessions_opened).", v_sessions_opened, NULL, NULL, 0},
	{"lifeguard_sessions_ended_total", "counter",
		"Sessions ended" STATS_ROW ".ended_*), by cause: normal (the client's Terminate), client_gone (closed without one), fatal, terminated (SIGTERM: pg_terminate_backend() or a shutdown), idle_session_timeout, idle_in_transaction_timeout, transaction_timeout (PostgreSQL 17 and later).",
	v_ended, "cause", cli_stats_ended, CLI_ENDED_NUM},
	{"lifeguard_session_time_seconds_total", "counter",
		"Total duration of the sessions that ended" STATS_ROW ".session_time).", v_session_time, NULL, NULL, 0},
	{"lifeguard_connections_refused_total", "counter",
		"Connection attempts the server refused" STATS_ROW ".refused_*), under the startup packet's names, by cause: too_many_clients (max_connections), reserved (only reserved slots left), role_limit and database_limit (CONNECTION LIMIT), authentication, other.",
	v_refused, "cause", cli_stats_refused, CLI_REFUSED_NUM},
	{"lifeguard_transactions_total", "counter",
		"Transactions" STATS_ROW ".commits and .rollbacks), under the application current when each started, by outcome: commit, rollback.",
	v_transactions, "outcome", outcomes, 2},
	{"lifeguard_handoffs_total", "counter",
		"Transactions that only changed application_name to this application's, as PgBouncer does when it hands a server connection over" STATS_ROW ".handoffs).",
	v_handoffs, NULL, NULL, 0},
	{"lifeguard_transaction_time_seconds_total", "counter",
		"Total time of the transactions, from start to commit or rollback: how long they held a server connection" STATS_ROW ".transaction_time).",
	v_transaction_time, NULL, NULL, 0},
	{"lifeguard_active_time_seconds_total", "counter",
		"The part of the transaction time spent running statements" STATS_ROW ".active_time).",
	v_active_time, NULL, NULL, 0},
	{"lifeguard_idle_in_transaction_time_seconds_total", "counter",
		"The part of the transaction time spent idle in transaction, waiting for the client" STATS_ROW ".idle_in_transaction_time).",
	v_idle_time, NULL, NULL, 0},
	{"lifeguard_pooling_errors_total", "counter",
		"Errors that show a pooler breaking the application" STATS_ROW ".errors_*), by error: prepared_missing (26000), prepared_exists (42P05), cached_plan (cached plan must not change result type).",
	v_errors, "error", cli_stats_errors, CLI_ERRORS_NUM},
	{"lifeguard_connections", "gauge",
		"Sessions open now of each database, role and application (pool_stats.connections" OTHER_SUM ").",
	v_connections, NULL, NULL, 0},
	{"lifeguard_peak_connections", "gauge",
		"The most sessions open at once" STATS_ROW ".peak_connections" OTHER_MAX ", not the peak of their sum).",
	v_peak, NULL, NULL, 0},
	{"lifeguard_peak_connections_timestamp_seconds", "gauge",
		"When lifeguard_peak_connections was first reached, in seconds since the epoch (pool_stats.peak_at).",
	v_peak_at, NULL, NULL, 0},
	{"lifeguard_longest_transaction_seconds", "gauge",
		"The longest transaction" STATS_ROW ".longest_transaction_time" OTHER_MAX ").",
	v_longest_transaction, NULL, NULL, 0},
	{"lifeguard_longest_idle_in_transaction_seconds", "gauge",
		"The most idle-in-transaction time of one transaction" STATS_ROW ".longest_idle_in_transaction_time" OTHER_MAX ").",
	v_longest_idle, NULL, NULL, 0},
	{"lifeguard_last_refused_timestamp_seconds", "gauge",
		"When a connection was last refused, in seconds since the epoch (pool_stats.last_refused_at; for application=\"other\", the latest of its applications'; no sample before the first refusal).",
	v_last_refused_at, NULL, NULL, 0},
};

static void
write_stats_family(lg_strbuf *b, const stats_family *f, const group *groups, int ngroups)
{
	char		value[64];

	family(b, f->name, f->type, f->help);
	for (int i = 0; i < ngroups; i++)
	{
		const group *g = &groups[i];

		for (int k = 0; k < (f->label ? f->ncauses : 1); k++)
		{
			if (!f->value(g, k, value, sizeof(value)))
				break;
			group_labels(b, f->name, g, f->label == NULL);
			if (f->label)
				ob_label(b, f->label, f->causes[k], true);
			lg_strbuf_printf(b, "} %s\n", value);
		}
	}
}

static int
stats_families_write(cli_db *db, cli_metrics *st, lg_strbuf *b)
{
	cli_stats_info info;
	cli_stats	stats;
	group	   *groups;
	int			ngroups;
	int			napps;
	int			rc;

	if ((rc = cli_stats_info_read(db, &info)) != EXIT_OK)
		return rc;
	family(b, "lifeguard_stats_available", "gauge",
		   "1 when the connection statistics (pool_stats) are read; 0 when the server cannot give them: they need the C extension (newer than 0.2.0), preloaded (shared_preload_libraries = 'lifeguard'), with lifeguard.stats = on.");
	lg_strbuf_printf(b, "lifeguard_stats_available %d\n", info.available ? 1 : 0);
	if (!info.available)
	{
		snprintf(st->notice, sizeof(st->notice), "%s", info.unavailable);
		return EXIT_OK;
	}
	st->notice[0] = '\0';
	if ((rc = cli_stats_read(db, &stats)) != EXIT_OK)
		return rc;
	if (!choose_applications(st, &stats, info.since, &napps) ||
		(groups = make_groups(st, &stats, &ngroups)) == NULL)
	{
		cli_stats_free(&stats);
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	for (size_t f = 0; f < sizeof(stats_families) / sizeof(stats_families[0]); f++)
		write_stats_family(b, &stats_families[f], groups, ngroups);
	free(groups);
	cli_stats_free(&stats);

	single(b, "lifeguard_stats_applications", "gauge",
		   "Applications in pool_stats (distinct application_name values).", "%d", napps);
	single(b, "lifeguard_stats_applications_other", "gauge",
		   "Applications of pool_stats summed into application=\"other\" (beyond --max-applications).",
		   "%d", napps - st->nkept);
	single(b, "lifeguard_stats_entries", "gauge",
		   "Rows of pool_stats in shared memory (pool_stats_info().entries).", "%d", info.entries);
	single(b, "lifeguard_stats_max_entries", "gauge",
		   "lifeguard.stats_max_entries.", "%d", info.max_entries);
	single(b, "lifeguard_stats_overflowed_total", "counter",
		   "Times a new row of pool_stats did not fit and its counts went to the overflow row (database=\"\", role=\"\", application=\"other\").",
		   "%lld", info.overflowed);
	single(b, "lifeguard_stats_reset_timestamp_seconds", "gauge",
		   "When pool_stats was last reset (or first counted), in seconds since the epoch (pool_stats_info().since).",
		   "%.3f", info.since);
	family(b, "lifeguard_stats_peak_connections", "gauge",
		   "The most client sessions open at once on the server since the reset (pool_stats_info().peak_connections).");
	lg_strbuf_printf(b, "lifeguard_stats_peak_connections %d\n", info.peak_connections);
	family(b, "lifeguard_stats_peak_connections_timestamp_seconds", "gauge",
		   "When lifeguard_stats_peak_connections was first reached, in seconds since the epoch (pool_stats_info().peak_at).");
	if (!isnan(info.peak_at))
		lg_strbuf_printf(b, "lifeguard_stats_peak_connections_timestamp_seconds %.3f\n", info.peak_at);
	return EXIT_OK;
}

/* ------------------------------------------------------------------------
 * the whole
 * ------------------------------------------------------------------------
 */

void
cli_metrics_init(cli_metrics *st, int max_applications, bool keep)
{
	memset(st, 0, sizeof(*st));
	st->max_applications = max_applications;
	st->keep = keep;
	st->kept_since = NAN;
}

void
cli_metrics_free(cli_metrics *st)
{
	for (int i = 0; i < st->nkept; i++)
		free(st->kept[i]);
	free(st->kept);
	st->kept = NULL;
	st->nkept = 0;
}

int
cli_metrics_exposition(cli_db *db, cli_metrics *st, lg_strbuf *b)
{
	int			preloaded;
	int			rc;

	if ((rc = cli_db_client_utf8(db)) != EXIT_OK ||
		(rc = pool_families(db, b, &preloaded)) != EXIT_OK)
		return rc;
	/* the portable edition has no pooling audit, preloaded or not */
	if (preloaded == 1 && strcmp(db->edition, "extension") == 0 &&
		(rc = audit_families(db, b)) != EXIT_OK)
		return rc;
	if ((rc = limit_families(db, b)) != EXIT_OK ||
		(rc = stats_families_write(db, st, b)) != EXIT_OK)
		return rc;
	if (b->oom)
	{
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	return EXIT_OK;
}
