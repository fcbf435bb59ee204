/*-------------------------------------------------------------------------
 *
 * cmd_health.c
 *	  lifeguard health: connect with the resolved configuration and report
 *	  connect and round-trip latency, the server version, whether lifeguard
 *	  is installed and preloaded, the server's connection headroom, the
 *	  connections the server refused since the last pool_stats_reset() and,
 *	  with --instances N, whether N pools of the configured size fit.
 *
 * Healthy means: connected within the connect timeout, "SELECT 1"
 * answered, and, when lifeguard is installed, pool_headroom() shows at
 * least one slot available to regular roles, pool_stats shows no
 * connection refused for want of a slot (max_connections, the reserved
 * slots, a role's or database's CONNECTION LIMIT) since its last reset,
 * and, with --instances, the pools fit (pool_capacity).  --instances needs
 * the extension: without it the check cannot be made and the result is
 * unhealthy.  Other refusals (a failed password) are reported, and are no
 * problem of the server's capacity.  Where there are no connection
 * statistics (the portable edition, without preloading) it says what they
 * need, and that is no problem either.
 *
 * Exit codes: 0 healthy, 1 unhealthy or does not fit, 2 bad usage or
 * configuration, 3 cannot connect.  With --watch, the exit code of the
 * last check.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#define MAX_PROBLEMS 8

typedef struct health
{
	bool		connected;
	double		connect_ms;
	double		round_trip_ms;
	char		server_version[64];
	int			server_version_num;
	char		database[64];
	char		user[64];
	bool		installed;
	char		ext_version[32];
	char		schema[64];
	char		edition[16];	/* "extension" or "portable" */
	int			preloaded;		/* 1, 0, -1 unknown */
	bool		have_headroom;
	cli_headroom headroom;
	bool		have_capacity;
	int			instances;
	int			pool_max;
	bool		fits;
	int			needed;
	int			available;
	char		limited_by[64];
	int			suggested_pool_max;
	bool		have_stats;		/* the stats check ran (lifeguard installed) */
	cli_stats_info stats;
	long long	refused[CLI_REFUSED_NUM];	/* summed over the visible rows */
	long long	refused_slots;
	double		last_refused_at;	/* NAN: none */
	int			hidden_rows;	/* rows whose counters the role may not see */
	char		most_refused[256];	/* "APP (role R, database D): N" */
	json_t	   *refused_apps;	/* [{database, role, application_name, ...}] */
	int			nproblems;
	char		problems[MAX_PROBLEMS][256];
} health;

static void
problem(health *h, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
problem(health *h, const char *fmt,...)
{
	va_list		ap;

	if (h->nproblems >= MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(h->problems[h->nproblems++], sizeof(h->problems[0]), fmt, ap);
	va_end(ap);
}

static void
timestamp_of(double epoch, char *buf, size_t size)
{
	time_t		t = (time_t) epoch;
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
json_time(double epoch)
{
	char		ts[32];

	if (isnan(epoch))
		return json_null();
	timestamp_of(epoch, ts, sizeof(ts));
	return json_string(ts);
}

/* "too_many_clients 3, role_limit 2" of the first n causes counted */
static void
refused_list(const long long *refused, int n, char *buf, size_t size)
{
	lg_strbuf	sb;

	lg_strbuf_fixed(&sb, buf, size);
	cli_stats_refused_list(refused, n, &sb);
}

/*
 * pool_stats: the refusals since the last reset, by cause and by the
 * applications refused; a problem when any was for want of a slot.
 */
static int
check_stats(cli_db *db, health *h)
{
	cli_stats	st;
	long long	most = 0;
	int			rc;

	if ((rc = cli_stats_info_read(db, &h->stats)) != EXIT_OK)
		return rc;
	h->have_stats = true;
	h->last_refused_at = NAN;
	if (!h->stats.available)
		return EXIT_OK;
	if ((rc = cli_stats_read(db, &st)) != EXIT_OK)
		return rc;
	h->refused_apps = json_array();
	for (int i = 0; i < st.nrows; i++)
	{
		const cli_stats_row *r = &st.rows[i];
		long long	all = cli_stats_refused_sum(r->refused, CLI_REFUSED_NUM);
		long long	slots = cli_stats_refused_sum(r->refused, CLI_REFUSED_SLOTS);
		json_t	   *causes;

		if (!r->visible)
		{
			h->hidden_rows++;
			continue;
		}
		for (int k = 0; k < CLI_REFUSED_NUM; k++)
			h->refused[k] += r->refused[k];
		h->refused_slots += slots;
		if (!isnan(r->last_refused_at) && (isnan(h->last_refused_at) || r->last_refused_at > h->last_refused_at))
			h->last_refused_at = r->last_refused_at;
		if (all == 0)
			continue;
		if (slots > most)
		{
			most = slots;
			if (r->overflow)
				snprintf(h->most_refused, sizeof(h->most_refused),
						 "the overflow row of pool_stats (applications beyond lifeguard.stats_max_entries): %lld", slots);
			else
				snprintf(h->most_refused, sizeof(h->most_refused), "%s (role %s, database %s): %lld",
						 r->application_name, r->role, r->database, slots);
		}
		causes = json_object();
		for (int k = 0; k < CLI_REFUSED_NUM; k++)
			json_object_set_new(causes, cli_stats_refused[k], json_integer(r->refused[k]));
		json_array_append_new(h->refused_apps,
							  json_pack("{s:o, s:o, s:o, s:I, s:I, s:o, s:o}",
										"database", r->overflow ? json_null() : json_string(r->database),
										"role", r->overflow ? json_null() : json_string(r->role),
										"application_name", r->overflow ? json_null() : json_string(r->application_name),
										"refused", (json_int_t) all,
										"refused_slots", (json_int_t) slots,
										"by_cause", causes,
										"last_refused_at", json_time(r->last_refused_at)));
	}
	cli_stats_free(&st);
	if (h->refused_slots > 0)
	{
		char		since[32];
		char		last[32];
		char		list[256];

		refused_list(h->refused, CLI_REFUSED_SLOTS, list, sizeof(list));
		timestamp_of(h->stats.since, since, sizeof(since));
		timestamp_of(h->last_refused_at, last, sizeof(last));
		problem(h, "%lld connections refused for want of a slot since %s (%s), the last at %s; the most: %s",
				h->refused_slots, since, list, last, h->most_refused);
	}
	return EXIT_OK;
}

/* One check; returns its exit code.  db is open. */
static int
check(cli_db *db, int instances, health *h)
{
	lg_error	err;
	PGresult   *res;
	PGconn	   *pg = lg_conn_pgconn(db->conn);
	double		start;
	int			rc;

	h->connected = true;
	h->connect_ms = db->connect_ms;
	snprintf(h->database, sizeof(h->database), "%s", PQdb(pg));
	snprintf(h->user, sizeof(h->user), "%s", PQuser(pg));
	snprintf(h->server_version, sizeof(h->server_version), "%s",
			 PQparameterStatus(pg, "server_version") ? PQparameterStatus(pg, "server_version") : "");
	h->server_version_num = PQserverVersion(pg);

	start = cli_now_ms();
	res = cli_db_query(db, "SELECT 1", 0, NULL, &err);
	h->round_trip_ms = cli_now_ms() - start;
	if (res == NULL)
	{
		if (err.status == LG_ERR_BROKEN)
			return cli_db_query_failed(db, "SELECT 1", &err);
		problem(h, "SELECT 1 failed: %s", err.message);
		return EXIT_CHECK;
	}
	PQclear(res);

	if ((rc = cli_db_find_extension(db)) != EXIT_OK)
		return rc;
	h->installed = db->schema != NULL;
	if (h->installed)
	{
		snprintf(h->ext_version, sizeof(h->ext_version), "%s", db->ext_version);
		snprintf(h->schema, sizeof(h->schema), "%s", db->schema_name);
		snprintf(h->edition, sizeof(h->edition), "%s", db->edition);
	}
	h->preloaded = cli_db_preloaded(db);

	if (h->installed)
	{
		if (!cli_headroom_read(db, &h->headroom, &err))
			problem(h, "pool_headroom() failed: %s", err.message);
		else
		{
			h->have_headroom = true;
			if (h->headroom.available <= 0)
				problem(h, "no connection slot left for regular roles (%d in use of max_connections %d)",
						h->headroom.in_use, h->headroom.max_connections);
		}
	}

	if (h->installed && (rc = check_stats(db, h)) != EXIT_OK)
		return rc;

	if (instances > 0)
	{
		h->instances = instances;
		h->pool_max = lg_config_max(db->config);
		if (!h->installed)
			problem(h, "cannot check --instances %d: the lifeguard extension is not installed in database \"%s\"",
					instances, h->database);
		else
		{
			char		inst[16];
			char		pmax[16];
			const char *params[2] = {inst, pmax};
			char	   *sql = cli_db_sql(db,
										 "SELECT fits, needed, available, limited_by, suggested_pool_max"
										 "  FROM %s.pool_capacity($1::int, $2::int)");

			snprintf(inst, sizeof(inst), "%d", instances);
			snprintf(pmax, sizeof(pmax), "%d", h->pool_max);
			res = cli_db_query(db, sql, 2, params, &err);
			free(sql);
			if (res == NULL)
				problem(h, "pool_capacity() failed: %s", err.message);
			else
			{
				h->have_capacity = true;
				h->fits = PQgetvalue(res, 0, 0)[0] == 't';
				h->needed = atoi(PQgetvalue(res, 0, 1));
				h->available = atoi(PQgetvalue(res, 0, 2));
				snprintf(h->limited_by, sizeof(h->limited_by), "%s", PQgetvalue(res, 0, 3));
				h->suggested_pool_max = atoi(PQgetvalue(res, 0, 4));
				PQclear(res);
				if (!h->fits)
					problem(h, "%d instances with a pool of %d need %d connections, but %d are available (limited by %s); a pool max of %d would fit",
							instances, h->pool_max, h->needed, h->available,
							h->limited_by, h->suggested_pool_max);
			}
		}
	}
	return h->nproblems > 0 ? EXIT_CHECK : EXIT_OK;
}

static void
timestamp(char *buf, size_t size)
{
	time_t		t = time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
str_or_null(bool ok, const char *s)
{
	return ok ? json_string(s) : json_null();
}

static json_t *
tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static void
print_json(const health *h, const char *url, const char *appname, int rc,
		   const char *connect_error)
{
	json_t	   *o = json_object();
	json_t	   *problems = json_array();
	char		ts[32];
	char	   *text;

	timestamp(ts, sizeof(ts));
	json_object_set_new(o, "status", json_string(rc == EXIT_OK ? "healthy" :
												 rc == EXIT_CONNECT ? "unreachable" : "unhealthy"));
	json_object_set_new(o, "healthy", json_boolean(rc == EXIT_OK));
	json_object_set_new(o, "exit_code", json_integer(rc));
	json_object_set_new(o, "checked_at", json_string(ts));
	json_object_set_new(o, "url", json_string(url));
	json_object_set_new(o, "application_name", json_string(appname));
	json_object_set_new(o, "connected", json_boolean(h->connected));
	json_object_set_new(o, "connect_ms", h->connected ? json_real(round(h->connect_ms * 1000) / 1000) : json_null());
	json_object_set_new(o, "round_trip_ms", h->connected ? json_real(round(h->round_trip_ms * 1000) / 1000) : json_null());
	json_object_set_new(o, "server_version", str_or_null(h->connected, h->server_version));
	json_object_set_new(o, "server_version_num",
						h->connected ? json_integer(h->server_version_num) : json_null());
	json_object_set_new(o, "database", str_or_null(h->connected, h->database));
	json_object_set_new(o, "user", str_or_null(h->connected, h->user));
	json_object_set_new(o, "installed", h->connected ? json_boolean(h->installed) : json_null());
	json_object_set_new(o, "extension_version", str_or_null(h->installed, h->ext_version));
	json_object_set_new(o, "schema", str_or_null(h->installed, h->schema));
	json_object_set_new(o, "edition", str_or_null(h->installed, h->edition));
	json_object_set_new(o, "preloaded", h->connected ? tristate(h->preloaded) : json_null());
	if (h->have_headroom)
	{
		const cli_headroom *r = &h->headroom;

		json_object_set_new(o, "headroom", json_pack("{s:i, s:i, s:o, s:i, s:i, s:f}",
													 "max_connections", r->max_connections,
													 "superuser_reserved_connections", r->superuser_reserved_connections,
													 "reserved_connections",
													 r->reserved_known ? json_integer(r->reserved_connections) : json_null(),
													 "in_use", r->in_use,
													 "available", r->available,
													 "utilization", r->utilization));
	}
	else
		json_object_set_new(o, "headroom", json_null());
	if (h->have_capacity)
		json_object_set_new(o, "capacity", json_pack("{s:i, s:i, s:b, s:i, s:i, s:s, s:i}",
													 "instances", h->instances,
													 "pool_max", h->pool_max,
													 "fits", h->fits,
													 "needed", h->needed,
													 "available", h->available,
													 "limited_by", h->limited_by,
													 "suggested_pool_max", h->suggested_pool_max));
	else
		json_object_set_new(o, "capacity", json_null());
	if (h->have_stats && h->stats.available)
	{
		json_t	   *causes = json_object();

		for (int k = 0; k < CLI_REFUSED_NUM; k++)
			json_object_set_new(causes, cli_stats_refused[k], json_integer(h->refused[k]));
		json_object_set_new(o, "stats",
							json_pack("{s:b, s:o, s:i, s:o, s:I, s:I, s:o, s:o, s:o, s:i}",
									  "available", 1,
									  "since", json_time(h->stats.since),
									  "peak_connections", h->stats.peak_connections,
									  "peak_at", json_time(h->stats.peak_at),
									  "refused", (json_int_t) cli_stats_refused_sum(h->refused, CLI_REFUSED_NUM),
									  "refused_slots", (json_int_t) h->refused_slots,
									  "refused_by_cause", causes,
									  "last_refused_at", json_time(h->last_refused_at),
									  "applications_refused", json_incref(h->refused_apps),
									  "hidden_rows", h->hidden_rows));
	}
	else if (h->have_stats)
		json_object_set_new(o, "stats", json_pack("{s:b, s:s}", "available", 0,
												  "unavailable", h->stats.unavailable));
	else
		json_object_set_new(o, "stats", json_null());
	if (connect_error)
		json_array_append_new(problems, json_string(connect_error));
	for (int i = 0; i < h->nproblems; i++)
		json_array_append_new(problems, json_string(h->problems[i]));
	json_object_set_new(o, "problems", problems);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

static void
print_text(const health *h, const char *url, const char *appname, int rc)
{
	printf("%s\n", rc == EXIT_OK ? "healthy" : "unhealthy");
	for (int i = 0; i < h->nproblems; i++)
		printf("  problem:     %s\n", h->problems[i]);
	printf("  server:      %s (application_name %s)\n", url, appname);
	printf("  connect:     %.1f ms\n", h->connect_ms);
	printf("  round trip:  %.1f ms\n", h->round_trip_ms);
	printf("  version:     PostgreSQL %s\n", h->server_version);
	if (h->installed)
		printf("  lifeguard:   %s%s in schema %s, %s\n", h->ext_version,
			   strcmp(h->edition, "portable") == 0 ? " (portable edition)" : "", h->schema,
			   strcmp(h->edition, "portable") == 0 ? "no pooling audit without the C extension" :
			   h->preloaded == 1 ? "preloaded" :
			   h->preloaded == 0 ? "not preloaded (no pooling audit)" :
			   "preloading unknown");
	else
		printf("  lifeguard:   not installed in database %s%s\n", h->database,
			   h->preloaded == 1 ? " (preloaded)" : "");
	if (h->have_headroom)
		printf("  headroom:    %d connections available to regular roles (%d in use, max_connections %d, %.1f%% used)\n",
			   h->headroom.available, h->headroom.in_use,
			   h->headroom.max_connections, h->headroom.utilization);
	if (h->have_stats && h->stats.available)
	{
		char		since[32];
		char		peak[32];
		char		last[32];
		char		list[256];

		timestamp_of(h->stats.since, since, sizeof(since));
		timestamp_of(h->stats.peak_at, peak, sizeof(peak));
		timestamp_of(h->last_refused_at, last, sizeof(last));
		refused_list(h->refused, CLI_REFUSED_NUM, list, sizeof(list));
		printf("  since reset: %s: peak %d connections%s%s; ", since, h->stats.peak_connections,
			   isnan(h->stats.peak_at) ? "" : " at ", isnan(h->stats.peak_at) ? "" : peak);
		if (cli_stats_refused_sum(h->refused, CLI_REFUSED_NUM) > 0)
			printf("%lld connections refused (%s), the last at %s", cli_stats_refused_sum(h->refused, CLI_REFUSED_NUM), list, last);
		else
			printf("no connection refused");
		if (h->hidden_rows > 0)
			printf(" (%d rows of roles this role may not see left out)", h->hidden_rows);
		printf("\n");
	}
	else if (h->have_stats)
		printf("  since reset: %s\n", h->stats.unavailable);
	if (h->have_capacity)
		printf("  capacity:    %d instances x pool max %d = %d needed, %d available to role %s (limited by %s): %s\n",
			   h->instances, h->pool_max, h->needed, h->available, h->user,
			   h->limited_by, h->fits ? "fits" : "does not fit");
	if (h->have_capacity && !h->fits)
		printf("  suggestion:  DATABASE_POOL_MAX=%d\n", h->suggested_pool_max);
}

/*
 * One check of an open database (or of one the dispatcher could not
 * connect to: the reason went to stderr, and the JSON object says
 * "unreachable"); returns its exit code.
 */
int
cmd_health(const cli_args *args, cli_db *db)
{
	bool		as_json = cli_given(args, HEALTH_JSON);
	const char *appname = lg_config_application_name(db->config);
	health		h;
	int			rc;

	memset(&h, 0, sizeof(h));
	h.preloaded = -1;
	if (!as_json && args->run > 1)
		printf("\n");			/* between the reports of --watch */
	if (db->conn == NULL)
	{
		if (as_json)
			print_json(&h, db->url, appname, EXIT_CONNECT, db->last_error);
		return EXIT_CONNECT;
	}
	rc = check(db, cli_given(args, HEALTH_INSTANCES) ? cli_number(args, HEALTH_INSTANCES) : 0, &h);
	if (rc == EXIT_OK || rc == EXIT_CHECK)
	{
		if (as_json)
			print_json(&h, db->url, appname, rc, NULL);
		else
			print_text(&h, db->url, appname, rc);
	}
	json_decref(h.refused_apps);
	return rc;
}
