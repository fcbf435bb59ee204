/*-------------------------------------------------------------------------
 *
 * pool_test.c
 *	  Drives liblifeguard's pool against a real server for the test/client .t files.
 *	  The configuration comes from the environment (DATABASE_URL and
 *	  friends, as an application would have it); LG_MONITOR_CONNINFO is a
 *	  separate connection that counts, on the server, the backends whose
 *	  application_name is the pool's.  Prints key=value lines; the .t files
 *	  make the assertions.
 *
 *	  pool_test load THREADS SECONDS    concurrent load, server-side count
 *	  pool_test idle                    idle timeout closes connections
 *	  pool_test acquire-timeout         exhausted pool, waiting, hand-off
 *	  pool_test connect-deadline        time to a connect failure
 *	  pool_test dirty                   nothing is reused dirty; txn helper
 *	  pool_test transaction-mode        what transaction pooling refuses
 *	  pool_test statement-cache         session mode's prepared statements
 *	  pool_test idle-lost               a backend terminated while idle
 *	  pool_test idle-wait N FILE        N idle connections; once FILE
 *	                                    exists (the .t restarted the
 *	                                    server), N rounds of calls
 *	  pool_test lifetime MS             rotation by DATABASE_POOL_MAX_LIFETIME
 *	  pool_test lost-call               lost before / after sending
 *	  pool_test health-check            when checkout makes a round trip
 *	  pool_test silent FILE             one idle connection; once FILE
 *	                                    exists (its server went silent),
 *	                                    a call, timed
 *	  pool_test ids THREADS N           CUID2 ids from many threads
 *	  pool_test resolve [--direct] NAME=VALUE...
 *	                                    lg_config_resolve on an explicit
 *	                                    array, whatever the process has
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lifeguard.h"

static lg_config *config;
static lg_pool *pool;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void
die(const char *what, const lg_error *err)
{
	printf("fatal=%s: %s\n", what, err ? err->message : "");
	fflush(stdout);
	exit(1);
}

/* ------------------------------------------------------------------------
 * the monitor: counts the pool's backends on the server
 * ------------------------------------------------------------------------
 */

static PGconn *monitor;

static int
server_count(void)
{
	const char *params[1] = {lg_config_application_name(config)};
	PGresult   *res;
	int			n = -1;

	for (int attempt = 0; attempt < 200; attempt++)
	{
		if (monitor == NULL || PQstatus(monitor) != CONNECTION_OK)
		{
			if (monitor)
				PQfinish(monitor);
			monitor = PQconnectdb(getenv("LG_MONITOR_CONNINFO"));
			if (PQstatus(monitor) != CONNECTION_OK)
			{
				sleep_ms(50);
				continue;
			}
		}
		res = PQexecParams(monitor,
						   "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
						   1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			n = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (n >= 0)
			return n;
	}
	return -1;
}

/* wait until the server count is at most want (backends exit async) */
static int
server_count_settle(int want, int timeout_ms)
{
	int64_t		end = now_ms() + timeout_ms;
	int			n;

	while ((n = server_count()) > want && now_ms() < end)
		sleep_ms(20);
	return n;
}

static void
print_stats(const char *prefix)
{
	lg_pool_stats s;
	lg_pool_upkeep_stats u;

	lg_pool_stats_get(pool, &s);
	lg_pool_upkeep_stats_get(pool, &u);
	printf("%sopen=%d\n%sidle=%d\n%sin_use=%d\n%sconnecting=%d\n%swaiting=%d\n"
		   "%screated=%llu\n%sclosed=%llu\n%stimeouts=%llu\n%sconnect_failures=%llu\n"
		   "%sdiscarded=%llu\n%srolled_back=%llu\n%sidle_closed=%llu\n"
		   "%slifetime_closed=%llu\n%shealth_checks=%llu\n",
		   prefix, s.open, prefix, s.idle, prefix, s.in_use, prefix, s.connecting,
		   prefix, s.waiting,
		   prefix, (unsigned long long) s.created, prefix, (unsigned long long) s.closed,
		   prefix, (unsigned long long) s.timeouts,
		   prefix, (unsigned long long) s.connect_failures,
		   prefix, (unsigned long long) s.discarded,
		   prefix, (unsigned long long) s.rolled_back,
		   prefix, (unsigned long long) s.idle_closed,
		   prefix, (unsigned long long) u.lifetime_closed,
		   prefix, (unsigned long long) u.health_checks);
}

/* ------------------------------------------------------------------------
 * load
 * ------------------------------------------------------------------------
 */

#define MAX_DISTINCT 32

static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char err_text[MAX_DISTINCT][LG_ERROR_MESSAGE_SIZE + 16];
static int	err_count[MAX_DISTINCT];
static int	ndistinct;
static atomic_int stop;
static atomic_long ops;
static atomic_long errors;
static atomic_long errors_unclear;
static atomic_int max_open;

static void
record_error(const lg_error *err)
{
	char		key[LG_ERROR_MESSAGE_SIZE + 16];
	int			i;

	atomic_fetch_add(&errors, 1);
	if (err->message[0] == '\0' || err->status == LG_OK)
		atomic_fetch_add(&errors_unclear, 1);
	/* digits vary (pids, ms); keep the shape */
	snprintf(key, sizeof(key), "%s: %s", lg_status_name(err->status), err->message);
	for (char *p = key; *p; p++)
		if (*p >= '0' && *p <= '9')
			*p = '#';
	pthread_mutex_lock(&err_lock);
	for (i = 0; i < ndistinct; i++)
		if (strcmp(err_text[i], key) == 0)
			break;
	if (i == ndistinct && ndistinct < MAX_DISTINCT)
		strcpy(err_text[ndistinct++], key);
	if (i < MAX_DISTINCT)
		err_count[i]++;
	pthread_mutex_unlock(&err_lock);
}

static lg_status
txn_body(lg_conn *c, void *arg, lg_error *err)
{
	const char *params[1] = {arg};

	return lg_conn_query(c, "SELECT $1::int + 1", 1, params, NULL, err);
}

static void *
worker(void *arg)
{
	long		id = (long) arg;
	long		i = 0;

	while (!atomic_load(&stop))
	{
		lg_conn    *c;
		lg_error	err;
		char		num[32];
		const char *params[1] = {num};
		lg_status	st;

		snprintf(num, sizeof(num), "%ld", id * 1000000 + i);
		if (i++ % 4 == 3)
			st = lg_pool_transaction(pool, txn_body, num, &err);
		else
		{
			st = lg_pool_acquire(pool, &c, &err);
			if (st == LG_OK)
			{
				st = lg_conn_query(c, "SELECT pg_backend_pid(), $1::int, pg_sleep(0.002)",
								   1, params, NULL, &err);
				lg_pool_release(pool, c);
			}
		}
		if (st == LG_OK)
			atomic_fetch_add(&ops, 1);
		else
		{
			record_error(&err);
			sleep_ms(5);
		}
	}
	return NULL;
}

static void *
sampler(void *arg)
{
	int		   *max_server = arg;

	while (!atomic_load(&stop))
	{
		lg_pool_stats s;
		int			n = server_count();

		if (n > *max_server)
			*max_server = n;
		lg_pool_stats_get(pool, &s);
		if (s.open + s.connecting > atomic_load(&max_open))
			atomic_store(&max_open, s.open + s.connecting);
		sleep_ms(5);
	}
	return NULL;
}

static int
run_load(int nthreads, int seconds)
{
	pthread_t  *threads = calloc((size_t) nthreads, sizeof(pthread_t));
	pthread_t	samp;
	int			max_server = 0;
	lg_conn    *c;
	lg_error	err;
	int			recovered = 0;
	int64_t		end;

	if (threads == NULL)
		die("out of memory", NULL);
	pthread_create(&samp, NULL, sampler, &max_server);
	for (long i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, worker, (void *) i);
	/* tell the .t when the load is running */
	printf("started=1\n");
	fflush(stdout);
	sleep_ms(seconds * 1000);
	atomic_store(&stop, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_join(samp, NULL);
	free(threads);

	/* the pool recovers: a query succeeds within 20 s (a restart) */
	end = now_ms() + 20000;
	while (!recovered && now_ms() < end)
	{
		if (lg_pool_acquire(pool, &c, &err) == LG_OK)
		{
			if (lg_conn_query(c, "SELECT 1", 0, NULL, NULL, &err) == LG_OK)
				recovered = 1;
			lg_pool_release(pool, c);
		}
		if (!recovered)
			sleep_ms(100);
	}

	printf("threads=%d\nmax=%d\nops=%ld\nerrors=%ld\nerrors_unclear=%ld\n"
		   "max_server_conns=%d\nmax_pool_open=%d\nrecovered=%d\n",
		   nthreads, lg_config_max(config), atomic_load(&ops),
		   atomic_load(&errors), atomic_load(&errors_unclear), max_server,
		   atomic_load(&max_open), recovered);
	for (int i = 0; i < ndistinct; i++)
		printf("error=%d x %s\n", err_count[i], err_text[i]);
	print_stats("");
	return 0;
}

/* ------------------------------------------------------------------------
 * idle timeout
 * ------------------------------------------------------------------------
 */

/* n connections of the pool in use at once, each after a query, released */
static void
fill_pool(lg_conn **c, int n)
{
	lg_error	err;

	for (int i = 0; i < n; i++)
		if (lg_pool_acquire(pool, &c[i], &err) != LG_OK ||
			lg_conn_query(c[i], "SELECT 1", 0, NULL, NULL, &err) != LG_OK)
			die("acquire", &err);
	for (int i = 0; i < n; i++)
		lg_pool_release(pool, c[i]);
}

static int
run_idle(void)
{
	lg_conn    *c[3];
	lg_error	err;
	int			n = lg_config_max(config) < 3 ? lg_config_max(config) : 3;
	int			idle_ms = lg_config_idle_timeout_ms(config);
	lg_pool_stats s;

	fill_pool(c, n);
	printf("opened=%d\n", n);
	printf("server_before=%d\n", server_count());
	lg_pool_stats_get(pool, &s);
	printf("pool_idle_before=%d\n", s.idle);
	/* still there halfway through the timeout */
	sleep_ms(idle_ms / 2);
	printf("server_half=%d\n", server_count());
	sleep_ms(idle_ms / 2 + 500);
	printf("server_after=%d\n", server_count_settle(0, 2000));
	lg_pool_stats_get(pool, &s);
	printf("pool_open_after=%d\npool_idle_closed=%llu\n", s.open,
		   (unsigned long long) s.idle_closed);
	if (lg_pool_acquire(pool, &c[0], &err) != LG_OK ||
		lg_conn_query(c[0], "SELECT 1", 0, NULL, NULL, &err) != LG_OK)
		die("reacquire", &err);
	lg_pool_release(pool, c[0]);
	printf("reacquired=1\n");
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * acquire timeout and hand-off
 * ------------------------------------------------------------------------
 */

typedef struct release_later
{
	lg_conn    *conn;
	int			after_ms;
} release_later;

static void *
releaser(void *arg)
{
	release_later *r = arg;

	sleep_ms(r->after_ms);
	lg_pool_release(pool, r->conn);
	return NULL;
}

static int
run_acquire_timeout(void)
{
	int			max = lg_config_max(config);
	lg_conn   **held = calloc((size_t) max, sizeof(lg_conn *));
	lg_conn    *extra;
	lg_error	err;
	int64_t		t0;
	lg_status	st;
	release_later r;
	pthread_t	th;

	for (int i = 0; i < max; i++)
		if (lg_pool_acquire(pool, &held[i], &err) != LG_OK)
			die("acquire", &err);
	t0 = now_ms();
	st = lg_pool_acquire(pool, &extra, &err);
	printf("timeout_ms=%d\nelapsed_ms=%lld\nstatus=%s\nmessage=%s\n",
		   lg_config_connect_timeout_ms(config), (long long) (now_ms() - t0),
		   lg_status_name(st), err.message);
	if (st == LG_OK)
		lg_pool_release(pool, extra);

	/* a waiter gets the connection that another thread releases */
	r.conn = held[0];
	r.after_ms = lg_config_connect_timeout_ms(config) / 3;
	pthread_create(&th, NULL, releaser, &r);
	t0 = now_ms();
	st = lg_pool_acquire(pool, &extra, &err);
	printf("handoff_after_ms=%d\nhandoff_elapsed_ms=%lld\nhandoff_status=%s\n",
		   r.after_ms, (long long) (now_ms() - t0), lg_status_name(st));
	pthread_join(th, NULL);
	if (st == LG_OK)
		held[0] = extra;
	for (int i = 0; i < max; i++)
		if (held[i])
			lg_pool_release(pool, held[i]);
	free(held);
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * connect deadline
 * ------------------------------------------------------------------------
 */

static int
run_connect_deadline(void)
{
	lg_conn    *c;
	lg_error	err;
	int64_t		t0 = now_ms();
	lg_status	st = lg_pool_acquire(pool, &c, &err);

	printf("timeout_ms=%d\nelapsed_ms=%lld\nstatus=%s\nmessage=%s\n",
		   lg_config_connect_timeout_ms(config), (long long) (now_ms() - t0),
		   lg_status_name(st), st == LG_OK ? "" : err.message);
	if (st == LG_OK)
		lg_pool_release(pool, c);
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * dirty connections and the transaction helper
 * ------------------------------------------------------------------------
 */

static char *
query_value(lg_conn *c, const char *sql)
{
	PGresult   *res;
	lg_error	err;
	char	   *v;

	if (lg_conn_query(c, sql, 0, NULL, &res, &err) != LG_OK)
		die(sql, &err);
	v = strdup(PQgetisnull(res, 0, 0) ? "NULL" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static lg_status
insert_ok(lg_conn *c, void *arg, lg_error *err)
{
	(void) arg;
	return lg_conn_query(c, "INSERT INTO lg_pool_test_txn VALUES (1)", 0, NULL, NULL, err);
}

static lg_status
insert_then_fail(lg_conn *c, void *arg, lg_error *err)
{
	lg_status	st = lg_conn_query(c, "INSERT INTO lg_pool_test_txn VALUES (2)", 0, NULL, NULL, err);

	(void) arg;
	if (st != LG_OK)
		return st;
	err->status = LG_ERR_QUERY;
	snprintf(err->message, sizeof(err->message), "the callback failed on purpose");
	return LG_ERR_QUERY;
}

static lg_status
ignore_failure(lg_conn *c, void *arg, lg_error *err)
{
	lg_error	ignored;

	(void) arg;
	(void) err;
	/* a failing statement whose error the callback ignores */
	lg_conn_query(c, "INSERT INTO lg_pool_test_txn VALUES (1/0)", 0, NULL, NULL, &ignored);
	return LG_OK;
}

static int
run_dirty(void)
{
	lg_conn    *c;
	lg_error	err;
	char	   *pid1,
			   *pid2,
			   *v;
	lg_status	st;

	if (lg_config_max(config) != 1)
		die("dirty needs DATABASE_POOL_MAX=1", NULL);

	/* an open transaction that created a table */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	pid1 = query_value(c, "SELECT pg_backend_pid()");
	if (lg_conn_query(c, "BEGIN", 0, NULL, NULL, &err) != LG_OK ||
		lg_conn_query(c, "CREATE TABLE lg_pool_test_dirty (x int)", 0, NULL, NULL, &err) != LG_OK ||
		lg_conn_set(c, "lifeguard_test.marker", "dirty", true, &err) != LG_OK)
		die("open transaction", &err);
	lg_pool_release(pool, c);
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	pid2 = query_value(c, "SELECT pg_backend_pid()");
	printf("open_same_backend=%d\n", strcmp(pid1, pid2) == 0);
	printf("open_txn_status=%d\n", (int) PQtransactionStatus(lg_conn_pgconn(c)));
	v = query_value(c, "SELECT to_regclass('lg_pool_test_dirty') IS NULL");
	printf("open_table_gone=%d\n", strcmp(v, "t") == 0);
	free(v);
	v = query_value(c, "SELECT coalesce(current_setting('lifeguard_test.marker', true), '')");
	printf("open_setting=[%s]\n", v);
	free(v);
	free(pid1);
	free(pid2);
	lg_pool_release(pool, c);

	/* a failed transaction */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	lg_conn_query(c, "BEGIN", 0, NULL, NULL, &err);
	st = lg_conn_query(c, "SELECT 1/0", 0, NULL, NULL, &err);
	printf("failed_status=%s\nfailed_sqlstate=%s\nfailed_message=%s\n",
		   lg_status_name(st), err.sqlstate, err.message);
	printf("failed_txn_status=%d\n", (int) PQtransactionStatus(lg_conn_pgconn(c)));
	lg_pool_release(pool, c);
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	st = lg_conn_query(c, "SELECT 1", 0, NULL, NULL, &err);
	printf("after_failed_ok=%d\n", st == LG_OK);
	lg_pool_release(pool, c);

	/* released with a query still running: closed, not reused */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	pid1 = query_value(c, "SELECT pg_backend_pid()");
	PQsendQuery(lg_conn_pgconn(c), "SELECT pg_sleep(0.3)");
	lg_pool_release(pool, c);
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	pid2 = query_value(c, "SELECT pg_backend_pid()");
	printf("busy_other_backend=%d\n", strcmp(pid1, pid2) != 0);
	free(pid1);
	free(pid2);
	lg_pool_release(pool, c);

	/* the transaction helper */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK ||
		lg_conn_query(c, "CREATE TABLE lg_pool_test_txn (x int CHECK (x > 0))", 0, NULL, NULL, &err) != LG_OK)
		die("create", &err);
	lg_pool_release(pool, c);
	st = lg_pool_transaction(pool, insert_ok, NULL, &err);
	printf("txn_commit_status=%s\n", lg_status_name(st));
	st = lg_pool_transaction(pool, insert_then_fail, NULL, &err);
	printf("txn_callback_status=%s\ntxn_callback_message=%s\n", lg_status_name(st), err.message);
	st = lg_pool_transaction(pool, ignore_failure, NULL, &err);
	printf("txn_ignored_status=%s\ntxn_ignored_message=%s\n", lg_status_name(st), err.message);
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	v = query_value(c, "SELECT string_agg(x::text, ',' ORDER BY x) FROM lg_pool_test_txn");
	printf("txn_rows=%s\n", v);
	free(v);
	lg_conn_query(c, "DROP TABLE lg_pool_test_txn", 0, NULL, NULL, &err);
	lg_pool_release(pool, c);
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * transaction pooling
 * ------------------------------------------------------------------------
 */

static lg_status
local_setting(lg_conn *c, void *arg, lg_error *err)
{
	PGresult   *res;
	lg_status	st;

	(void) arg;
	if ((st = lg_conn_set(c, "lifeguard_test.marker", "local", true, err)) != LG_OK)
		return st;
	if ((st = lg_conn_query(c, "SELECT current_setting('lifeguard_test.marker')", 0, NULL, &res, err)) != LG_OK)
		return st;
	printf("local_setting=%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return LG_OK;
}

static int
run_transaction_mode(void)
{
	lg_conn    *c;
	lg_error	err;
	lg_status	st;
	PGresult   *res;

	printf("driver=%s\npool_mode=%s\n", lg_driver_name(lg_config_driver(config)),
		   lg_pool_mode_name(lg_config_pool_mode(config)));
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	st = lg_conn_prepare(c, "s1", "SELECT 1", &err);
	printf("prepare_status=%s\nprepare_message=%s\n", lg_status_name(st), err.message);
	st = lg_conn_exec_prepared(c, "s1", 0, NULL, NULL, &err);
	printf("exec_prepared_status=%s\n", lg_status_name(st));
	st = lg_conn_set(c, "search_path", "nowhere", false, &err);
	printf("session_set_status=%s\nsession_set_message=%s\n", lg_status_name(st), err.message);
	st = lg_conn_query(c, "SELECT current_setting('application_name')", 0, NULL, &res, &err);
	if (st != LG_OK)
		die("application_name", &err);
	printf("server_application_name=%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	lg_pool_release(pool, c);
	st = lg_pool_transaction(pool, local_setting, NULL, &err);
	printf("local_set_status=%s\n", lg_status_name(st));
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * the statement cache of session pooling
 * ------------------------------------------------------------------------
 */

static lg_status
run_query(lg_conn *c, const char *sql, const char *param, lg_error *err)
{
	const char *params[1] = {param};

	return lg_conn_query(c, sql, param ? 1 : 0, param ? params : NULL, NULL, err);
}

static int
run_statement_cache(void)
{
	lg_conn    *c;
	lg_error	err;
	char	   *v;

	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	for (int i = 0; i < 3; i++)
		if (run_query(c, "SELECT $1::int", "7", &err) != LG_OK)
			die("select", &err);
	v = query_value(c, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'lg\\_%' AND statement = 'SELECT $1::int'");
	printf("cached_select=%s\n", v);
	free(v);

	/* the session loses every prepared statement */
	PQclear(PQexec(lg_conn_pgconn(c), "DEALLOCATE ALL"));
	printf("after_deallocate_ok=%d\n", run_query(c, "SELECT $1::int", "8", &err) == LG_OK);
	if (err.message[0] && err.status != LG_OK)
		printf("after_deallocate_error=%s\n", err.message);

	/* a cached SELECT * whose result type changes */
	if (run_query(c, "CREATE TABLE lg_pool_test_cache (a int)", NULL, &err) != LG_OK ||
		run_query(c, "SELECT * FROM lg_pool_test_cache", NULL, &err) != LG_OK ||
		run_query(c, "SELECT * FROM lg_pool_test_cache", NULL, &err) != LG_OK ||
		run_query(c, "ALTER TABLE lg_pool_test_cache ADD COLUMN b int", NULL, &err) != LG_OK)
		die("cache table", &err);
	printf("stale_plan_ok=%d\n", run_query(c, "SELECT * FROM lg_pool_test_cache", NULL, &err) == LG_OK);
	run_query(c, "DROP TABLE lg_pool_test_cache", NULL, &err);

	/* the application's own missing statement is its error */
	printf("user_execute_status=%s\n", lg_status_name(run_query(c, "EXECUTE app_no_such_statement", NULL, &err)));
	printf("user_execute_sqlstate=%s\n", err.sqlstate);

	/* statement errors are the statement's */
	printf("syntax_status=%s\n", lg_status_name(run_query(c, "SELEC 1", NULL, &err)));
	printf("syntax_sqlstate=%s\n", err.sqlstate);
	v = query_value(c, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'lg\\_%'");
	printf("cached_total=%s\n", v);
	free(v);
	lg_pool_release(pool, c);
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * connections whose server went away, rotation, lost calls
 * ------------------------------------------------------------------------
 */

/* the monitor runs sql with one parameter; returns the first value */
static char *
monitor_value(const char *sql, const char *param)
{
	const char *params[1] = {param};
	PGresult   *res;
	char	   *v;

	if (server_count() < 0)
		die("monitor", NULL);
	res = PQexecParams(monitor, sql, param ? 1 : 0, NULL, param ? params : NULL,
					   NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		printf("monitor_error=%s", PQerrorMessage(monitor));
		die(sql, NULL);
	}
	v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* terminate a backend and wait (5 s at most) until it is gone */
static int
terminate(const char *pid)
{
	char	   *v = monitor_value("SELECT pg_terminate_backend($1::int, 5000)", pid);
	int			ok = strcmp(v, "t") == 0;

	free(v);
	return ok;
}

/* say "ready=1", then wait (2 minutes at most) for the test to make file */
static void
ready_then_wait_for(const char *file)
{
	int64_t		t0 = now_ms();

	printf("ready=1\n");
	fflush(stdout);
	while (access(file, F_OK) != 0)
	{
		if (now_ms() - t0 > 120000)
			die("the go file never appeared", NULL);
		sleep_ms(10);
	}
}

/* acquire, run SELECT pg_backend_pid(), release; the pid or NULL */
static char *
call_pid(lg_error *err)
{
	lg_conn    *c;
	PGresult   *res;
	char	   *pid = NULL;

	if (lg_pool_acquire(pool, &c, err) != LG_OK)
		return NULL;
	if (lg_conn_query(c, "SELECT pg_backend_pid()", 0, NULL, &res, err) == LG_OK)
	{
		pid = strdup(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	lg_pool_release(pool, c);
	return pid;
}

/*
 * The reproduction of issue 13: max 1; acquire, query, release; the
 * backend terminated (and gone); acquire and query again.
 */
static int
run_idle_lost(void)
{
	lg_error	err;
	char	   *pid1,
			   *pid2;

	if ((pid1 = call_pid(&err)) == NULL)
		die("first call", &err);
	printf("terminated=%d\n", terminate(pid1));
	pid2 = call_pid(&err);
	printf("second_call_ok=%d\n", pid2 != NULL);
	if (pid2 == NULL)
		printf("second_call_error=%s: %s\n", lg_status_name(err.status), err.message);
	printf("new_backend=%d\n", pid2 != NULL && strcmp(pid1, pid2) != 0);
	free(pid1);
	free(pid2);
	print_stats("final_");
	return 0;
}

/*
 * n connections used and left idle; then, once file exists, n rounds of n
 * concurrent holders each running a query: every call must succeed.
 */
static int
run_idle_wait(int n, const char *file)
{
	lg_conn   **c = calloc((size_t) n, sizeof(lg_conn *));
	lg_error	err;
	int			failures = 0;

	fill_pool(c, n);
	ready_then_wait_for(file);
	for (int round = 0; round < n; round++)
	{
		int			got = 0;

		for (int i = 0; i < n; i++)
		{
			if (lg_pool_acquire(pool, &c[i], &err) != LG_OK)
			{
				failures++;
				printf("failure=%s: %s\n", lg_status_name(err.status), err.message);
				continue;
			}
			got = i + 1;
			if (lg_conn_query(c[i], "SELECT 1", 0, NULL, NULL, &err) != LG_OK)
			{
				failures++;
				printf("failure=%s: %s\n", lg_status_name(err.status), err.message);
			}
		}
		for (int i = 0; i < got; i++)
			if (c[i])
				lg_pool_release(pool, c[i]);
		memset(c, 0, sizeof(lg_conn *) * (size_t) n);
	}
	printf("calls=%d\nfailures=%d\n", n * n, failures);
	free(c);
	print_stats("final_");
	return 0;
}

#define MAX_PIDS 256

typedef struct pid_log
{
	pthread_mutex_t lock;
	int			npids;
	int			pids[MAX_PIDS];
	int64_t		end_ms;
	int			calls;
	int			failures;
} pid_log;

static void *
lifetime_worker(void *arg)
{
	pid_log    *log = arg;

	while (now_ms() < log->end_ms)
	{
		lg_error	err;
		char	   *pid = call_pid(&err);

		pthread_mutex_lock(&log->lock);
		log->calls++;
		if (pid == NULL)
		{
			log->failures++;
			printf("failure=%s: %s\n", lg_status_name(err.status), err.message);
		}
		else
		{
			int			p = atoi(pid),
						i;

			for (i = 0; i < log->npids; i++)
				if (log->pids[i] == p)
					break;
			if (i == log->npids && log->npids < MAX_PIDS)
				log->pids[log->npids++] = p;
		}
		pthread_mutex_unlock(&log->lock);
		free(pid);
		sleep_ms(5);
	}
	return NULL;
}

/*
 * Rotation: 2 threads make calls for ms milliseconds; the pool's
 * connections reach the end of their lifetime and are replaced.  Then a
 * connection held (and used) past its lifetime: never closed in use, and
 * closed at release.
 */
static int
run_lifetime(int ms)
{
	pid_log		log;
	pthread_t	th[2];
	lg_conn    *c;
	lg_error	err;
	PGresult   *res;
	char	   *held_pid,
			   *next_pid;
	int			held_ok = 1;
	int			lifetime = lg_config_max_lifetime_ms(config);
	lg_pool_stats s;

	memset(&log, 0, sizeof(log));
	pthread_mutex_init(&log.lock, NULL);
	log.end_ms = now_ms() + ms;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, lifetime_worker, &log);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&log.lock);
	lg_pool_stats_get(pool, &s);
	printf("calls=%d\nfailures=%d\ndistinct_backends=%d\nrotation_created=%llu\n",
		   log.calls, log.failures, log.npids, (unsigned long long) s.created);

	/* held for twice its lifetime, querying all along */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK ||
		lg_conn_query(c, "SELECT pg_backend_pid()", 0, NULL, &res, &err) != LG_OK)
		die("acquire", &err);
	held_pid = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	for (int64_t end = now_ms() + 2 * lifetime; now_ms() < end;)
	{
		if (lg_conn_query(c, "SELECT pg_backend_pid()", 0, NULL, &res, &err) != LG_OK)
		{
			held_ok = 0;
			printf("held_error=%s\n", err.message);
			break;
		}
		if (strcmp(PQgetvalue(res, 0, 0), held_pid) != 0)
			held_ok = 0;
		PQclear(res);
		sleep_ms(20);
	}
	lg_pool_release(pool, c);
	printf("held_past_lifetime_ok=%d\n", held_ok);
	next_pid = call_pid(&err);
	printf("after_release_new_backend=%d\n", next_pid && strcmp(next_pid, held_pid) != 0);
	/* idle, with no call at all: closed at the end of its lifetime */
	sleep_ms(2 * lifetime + 200);
	lg_pool_stats_get(pool, &s);
	printf("open_after_idle_lifetime=%d\n", s.open);
	free(held_pid);
	free(next_pid);
	print_stats("final_");
	return 0;
}

static void
print_error(const char *prefix, lg_status st, const lg_error *err)
{
	printf("%s_status=%s\n%s_sent=%d\n%s_message=%s\n", prefix, lg_status_name(st),
		   prefix, st == LG_OK ? -1 : (int) err->statement_sent, prefix,
		   st == LG_OK ? "" : err->message);
}

/*
 * A held connection whose backend is terminated from outside (after begin,
 * when not NULL): then the statement sql, its outcome printed as prefix.
 */
static void
lost_before(const char *prefix, const char *begin, const char *sql)
{
	lg_conn    *c;
	lg_error	err;
	PGresult   *res;
	char	   *pid;
	lg_status	st;

	if (lg_pool_acquire(pool, &c, &err) != LG_OK ||
		(begin && lg_conn_query(c, begin, 0, NULL, NULL, &err) != LG_OK) ||
		lg_conn_query(c, "SELECT pg_backend_pid()", 0, NULL, &res, &err) != LG_OK)
		die("acquire", &err);
	pid = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	printf("%sterminated=%d\n", begin ? "txn_" : "", terminate(pid));
	sleep_ms(5);
	st = lg_conn_query(c, sql, 0, NULL, NULL, &err);
	print_error(prefix, st, &err);
	lg_pool_release(pool, c);
	free(pid);
}

/*
 * A connection lost during a call: after the statement was sent (the
 * statement ends its own backend), and before (the backend of a held
 * connection terminated from outside).
 */
static int
run_lost_call(void)
{
	lg_conn    *c;
	lg_error	err;
	lg_status	st;

	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	st = lg_conn_query(c, "SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL, NULL, &err);
	print_error("after", st, &err);
	st = lg_conn_query(c, "SELECT 1", 0, NULL, NULL, &err);
	print_error("again", st, &err);
	lg_pool_release(pool, c);

	lost_before("before", NULL, "SELECT 1");
	/* in a transaction, the same */
	lost_before("txn_before", "BEGIN", "COMMIT");

	/* a server error is not a lost connection */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		die("acquire", &err);
	st = lg_conn_query(c, "SELECT 1/0", 0, NULL, NULL, &err);
	print_error("query", st, &err);
	lg_pool_release(pool, c);

	st = lg_pool_acquire(pool, &c, &err);
	if (st == LG_OK)
	{
		st = lg_conn_query(c, "SELECT 1", 0, NULL, NULL, &err);
		lg_pool_release(pool, c);
	}
	printf("recovered=%d\n", st == LG_OK);
	print_stats("final_");
	return 0;
}

/*
 * A connection used, then left idle; once file exists (the .t made its
 * server silent: no answer, no close), a call, timed.
 */
static int
run_silent(const char *file)
{
	lg_error	err;
	char	   *pid1,
			   *pid2;
	int64_t		t0;

	if ((pid1 = call_pid(&err)) == NULL)
		die("call", &err);
	ready_then_wait_for(file);
	t0 = now_ms();
	pid2 = call_pid(&err);
	printf("call_ok=%d\nelapsed_ms=%lld\nnew_backend=%d\n", pid2 != NULL,
		   (long long) (now_ms() - t0), pid2 && strcmp(pid1, pid2) != 0);
	if (pid2 == NULL)
		printf("call_error=%s: %s\n", lg_status_name(err.status), err.message);
	free(pid1);
	free(pid2);
	print_stats("final_");
	return 0;
}

static char *
call_pid_or_die(void)
{
	lg_error	err;
	char	   *pid = call_pid(&err);

	if (pid == NULL)
		die("call", &err);
	return pid;
}

/* a call, then the round trips of checkouts so far, as checks_after_WHEN */
static void
call_and_count_checks(const char *when)
{
	lg_pool_upkeep_stats s;

	free(call_pid_or_die());
	lg_pool_upkeep_stats_get(pool, &s);
	printf("checks_after_%s=%llu\n", when, (unsigned long long) s.health_checks);
}

/*
 * When checkout makes a round trip: 4 checkouts of a connection used a
 * moment ago, then one after it sat idle for 1.1 s.
 */
static int
run_health_check(void)
{
	lg_error	err;
	lg_conn    *c;

	for (int i = 0; i < 4; i++)
		free(call_pid_or_die());
	call_and_count_checks("quick");
	sleep_ms(1100);
	call_and_count_checks("idle");

	/* a notification arrives on the idle connection: traffic */
	if (lg_pool_acquire(pool, &c, &err) != LG_OK ||
		lg_conn_query(c, "LISTEN lg_health_check", 0, NULL, NULL, &err) != LG_OK)
		die("listen", &err);
	lg_pool_release(pool, c);
	free(monitor_value("SELECT pg_notify('lg_health_check', 'x')::text", NULL));
	sleep_ms(100);
	call_and_count_checks("traffic");
	print_stats("final_");
	return 0;
}

/* ------------------------------------------------------------------------
 * ids from many threads
 * ------------------------------------------------------------------------
 */

typedef struct id_job
{
	int			n;
	char	   *out;			/* n * LG_ID_BUFFER_SIZE */
	int			bad;
} id_job;

static void *
id_worker(void *arg)
{
	id_job	   *j = arg;
	lg_error	err;

	for (int i = 0; i < j->n; i++)
	{
		char	   *id = j->out + (size_t) i * LG_ID_BUFFER_SIZE;

		if (lg_id_generate("tst", 24, id, LG_ID_BUFFER_SIZE, &err) != LG_OK ||
			!lg_id_is_prefixed(id, "tst"))
			j->bad++;
	}
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
run_ids(int nthreads, int n)
{
	pthread_t  *th = calloc((size_t) nthreads, sizeof(pthread_t));
	id_job	   *jobs = calloc((size_t) nthreads, sizeof(id_job));
	char	   *all = calloc((size_t) nthreads * (size_t) n, LG_ID_BUFFER_SIZE);
	int			bad = 0;
	int			dups = 0;
	long		total = (long) nthreads * n;
	char		small[4];
	lg_error	err;
	lg_status	st;

	for (int i = 0; i < nthreads; i++)
	{
		jobs[i].n = n;
		jobs[i].out = all + (size_t) i * (size_t) n * LG_ID_BUFFER_SIZE;
		pthread_create(&th[i], NULL, id_worker, &jobs[i]);
	}
	for (int i = 0; i < nthreads; i++)
	{
		pthread_join(th[i], NULL);
		bad += jobs[i].bad;
	}
	qsort(all, (size_t) total, LG_ID_BUFFER_SIZE, cmp_str);
	for (long i = 1; i < total; i++)
		if (strcmp(all + i * LG_ID_BUFFER_SIZE, all + (i - 1) * LG_ID_BUFFER_SIZE) == 0)
			dups++;
	printf("ids=%ld\nbad=%d\nduplicates=%d\n", total, bad, dups);
	st = lg_id_cuid2(10, small, sizeof(small), &err);
	printf("small_buffer_status=%s\n", lg_status_name(st));
	st = lg_id_generate("Ws", 24, all, LG_ID_BUFFER_SIZE, &err);
	printf("bad_prefix_status=%s\nbad_prefix_message=%s\n", lg_status_name(st), err.message);
	st = lg_id_cuid2(33, all, LG_ID_BUFFER_SIZE, &err);
	printf("bad_length_message=%s\n", err.message);
	free(all);
	free(jobs);
	free(th);
	return 0;
}

/* lg_config_resolve with the variables of argv only */
static int
run_resolve(int argc, char **argv)
{
	const char **env = calloc((size_t) argc + 1, sizeof(char *));
	int			n = 0;
	int			options = 0;
	lg_config  *c;
	lg_error	err;

	for (int i = 0; i < argc; i++)
	{
		if (strcmp(argv[i], "--direct") == 0)
			options |= LG_CONFIG_DIRECT;
		else
			env[n++] = argv[i];
	}
	env[n] = NULL;
	if (lg_config_resolve(env, options, &c, &err) != LG_OK)
	{
		printf("status=%s\nmessage=%s\n", lg_status_name(err.status), err.message);
		free(env);
		return 0;
	}
	printf("status=ok\nsource=%s\nenvironment=%s\ndriver=%s\npool_mode=%s\nmax=%d\n"
		   "idle_timeout_ms=%d\nconnect_timeout_ms=%d\nkeepalive=%d\napplication_name=%s\n"
		   "host=%s\n",
		   lg_config_source(c), lg_environment_name(lg_config_environment(c)),
		   lg_driver_name(lg_config_driver(c)), lg_pool_mode_name(lg_config_pool_mode(c)),
		   lg_config_max(c), lg_config_idle_timeout_ms(c), lg_config_connect_timeout_ms(c),
		   lg_config_keepalive(c), lg_config_application_name(c),
		   lg_config_host(c) ? lg_config_host(c) : "(null)");
	lg_config_free(c);
	free(env);
	return 0;
}

/* the modes without arguments: the exit code of the one named, or -1 */
static int
run_plain_mode(const char *name)
{
	static const struct
	{
		const char *name;
		int			(*run) (void);
	}			modes[] = {
		{"idle", run_idle}, {"acquire-timeout", run_acquire_timeout},
		{"connect-deadline", run_connect_deadline}, {"dirty", run_dirty},
		{"transaction-mode", run_transaction_mode}, {"statement-cache", run_statement_cache},
		{"idle-lost", run_idle_lost}, {"lost-call", run_lost_call},
		{"health-check", run_health_check},
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(name, modes[i].name) == 0)
			return modes[i].run();
	return -1;
}

int
main(int argc, char **argv)
{
	lg_error	err;
	int			rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
	{
		fprintf(stderr, "usage: pool_test MODE [ARGS]\n");
		return 2;
	}
	if (strcmp(argv[1], "resolve") == 0)
		return run_resolve(argc - 2, argv + 2);
	if (strcmp(argv[1], "ids") == 0)
		return run_ids(argc > 2 ? atoi(argv[2]) : 4, argc > 3 ? atoi(argv[3]) : 10000);

	if (lg_config_resolve(NULL, 0, &config, &err) != LG_OK)
		die("config", &err);
	if (lg_pool_create(config, &pool, &err) != LG_OK)
		die("pool", &err);

	if ((rc = run_plain_mode(argv[1])) >= 0)
		;
	else if (strcmp(argv[1], "load") == 0 && argc == 4)
		rc = run_load(atoi(argv[2]), atoi(argv[3]));
	else if (strcmp(argv[1], "idle-wait") == 0 && argc == 4)
		rc = run_idle_wait(atoi(argv[2]), argv[3]);
	else if (strcmp(argv[1], "lifetime") == 0 && argc == 3)
		rc = run_lifetime(atoi(argv[2]));
	else if (strcmp(argv[1], "silent") == 0 && argc == 3)
		rc = run_silent(argv[2]);
	else
	{
		fprintf(stderr, "pool_test: unknown mode %s\n", argv[1]);
		rc = 2;
	}

	lg_pool_destroy(pool);
	if (getenv("LG_MONITOR_CONNINFO"))
		printf("server_after_destroy=%d\n", server_count_settle(0, 3000));
	if (monitor)
		PQfinish(monitor);
	lg_config_free(config);
	return rc;
}
