-- Pool visibility: pool_usage and pool_headroom() against real sessions.
--
-- dblink opens extra sessions under distinct application_names and puts
-- them in known states: idle, idle in transaction, idle in an aborted
-- transaction, active (an asynchronous pg_sleep) and waiting on a lock held
-- by another session.  Rows are compared with exact counts, with the same
-- grouping done in SQL over pg_stat_activity, and, for privacy, as an
-- unprivileged role and as a member of pg_read_all_stats.
--
-- The backend status snapshot is kept for a whole transaction (as for
-- pg_stat_activity), so the checks below call pg_stat_clear_snapshot()
-- before reading.  The roles this file needs must be committed for their
-- dblink sessions to log in: an autocommit dblink session creates them and
-- drops them at the end.
\ir ../lib/pgtap_helpers.sql

BEGIN;
SELECT plan(40);

-- one pool_usage row of this database as text, for exact comparisons
CREATE FUNCTION pg_temp.row_of(app text) RETURNS text LANGUAGE sql AS $$
	SELECT format('%s %s %s conn=%s active=%s idle=%s iit=%s aborted=%s waiting=%s',
	              role, application_name, coalesce(host(client_addr), '-'), connections,
	              coalesce(active::text, '-'), coalesce(idle::text, '-'),
	              coalesce(idle_in_transaction::text, '-'),
	              coalesce(idle_in_transaction_aborted::text, '-'), coalesce(waiting::text, '-'))
	  FROM pool_usage WHERE database = current_database() AND application_name = app
$$;

-- which of an application's intervals (oldest_xact_age,
-- longest_idle_in_transaction, longest_query) are NULL, as t or f
CREATE FUNCTION pg_temp.nulls_of(app text) RETURNS text LANGUAGE sql AS $$
	SELECT format('%s %s %s', oldest_xact_age IS NULL, longest_idle_in_transaction IS NULL,
	              longest_query IS NULL)
	  FROM pool_usage WHERE application_name = app
$$;

CREATE TEMP TABLE marks (name text PRIMARY KEY, at timestamptz NOT NULL);

------------------------------------------------------------------------
-- the documented columns, types, markings (docs/sql.md)
SELECT has_view('pool_usage');
SELECT has_function('pool_usage', ARRAY[]::text[]);
SELECT has_function('pool_headroom', ARRAY[]::text[]);
SELECT is(
	pg_temp.columns('pool_usage'),
	'database name, role name, application_name text, client_addr inet, connections integer, '
	'active integer, idle integer, idle_in_transaction integer, idle_in_transaction_aborted integer, '
	'waiting integer, oldest_xact_age interval, longest_idle_in_transaction interval, longest_query interval',
	'pool_usage has the columns of docs/sql.md');
SELECT is(
	(SELECT pg_get_function_arguments('pool_headroom()'::regprocedure)),
	'OUT max_connections integer, OUT superuser_reserved_connections integer, OUT reserved_connections integer, '
	'OUT in_use integer, OUT available integer, OUT utilization numeric',
	'pool_headroom() returns the columns of docs/sql.md');
SELECT is(
	(SELECT count(*)::int FROM pg_proc
	  WHERE proname IN ('pool_usage', 'pool_headroom', 'pool_capacity') AND prosecdef),
	0, 'no SECURITY DEFINER');
SELECT ok(has_table_privilege('public', 'pool_usage', 'SELECT'), 'PUBLIC may read pool_usage');

------------------------------------------------------------------------
-- set-up: no sessions left over from an interrupted run, roles (committed),
-- then the simulated application pools
SELECT ok(pg_temp.end_sessions('lg\_t\_%'), 'no sessions of an earlier run are left');
SELECT dblink_connect('lg_admin', pg_temp.conninfo('postgres', 'lg_t_admin'));
SELECT dblink_exec('lg_admin', 'DROP ROLE IF EXISTS lg_t_pool_plain, lg_t_pool_stats');
SELECT dblink_exec('lg_admin', 'CREATE ROLE lg_t_pool_plain LOGIN');
SELECT dblink_exec('lg_admin', 'CREATE ROLE lg_t_pool_stats LOGIN IN ROLE pg_read_all_stats');

-- lg_t_web: two idle connections and one idle in transaction
INSERT INTO marks VALUES ('web', clock_timestamp());
SELECT dblink_connect('web1', pg_temp.conninfo('postgres', 'lg_t_web'));
SELECT dblink_connect('web2', pg_temp.conninfo('postgres', 'lg_t_web'));
SELECT dblink_connect('web3', pg_temp.conninfo('postgres', 'lg_t_web'));
SELECT dblink_exec('web3', 'BEGIN');

-- lg_t_cron: one idle connection that holds a session advisory lock
SELECT dblink_connect('cron1', pg_temp.conninfo('postgres', 'lg_t_cron'));
SELECT * FROM dblink('cron1', 'SELECT pg_advisory_lock(727001)::text') AS t(x text);

-- lg_t_worker: one running a query, one waiting for cron's lock, one idle
-- in an aborted transaction
INSERT INTO marks VALUES ('worker', clock_timestamp());
SELECT dblink_connect('worker1', pg_temp.conninfo('postgres', 'lg_t_worker'));
SELECT dblink_connect('worker2', pg_temp.conninfo('postgres', 'lg_t_worker'));
SELECT dblink_connect('worker3', pg_temp.conninfo('postgres', 'lg_t_worker'));
SELECT dblink_send_query('worker1', 'SELECT pg_sleep(60)');
SELECT dblink_send_query('worker2', 'SELECT pg_advisory_lock(727001)');
SELECT dblink_exec('worker3', 'BEGIN');
SET LOCAL client_min_messages = warning;
SELECT dblink_exec('worker3', 'SELECT 1/0', false);
RESET client_min_messages;

-- lg_t_own: an idle session of the unprivileged role
SELECT dblink_connect('own1', pg_temp.conninfo('lg_t_pool_plain', 'lg_t_own'));

SELECT ok(pg_temp.wait_until($$
	SELECT count(*) FILTER (WHERE application_name = 'lg_t_worker' AND state = 'active'
	                          AND query LIKE '%pg_sleep%') = 1
	   AND count(*) FILTER (WHERE application_name = 'lg_t_worker' AND wait_event_type = 'Lock') = 1
	   AND count(*) FILTER (WHERE application_name = 'lg_t_worker'
	                          AND state = 'idle in transaction (aborted)') = 1
	  FROM pg_stat_activity$$), 'the sessions reached their states');
-- let the intervals grow past a known floor
SELECT pg_sleep(0.3);
SELECT pg_stat_clear_snapshot();

------------------------------------------------------------------------
-- exact counts per row (as superuser: everything visible)
SELECT is(pg_temp.row_of('lg_t_web'),
	'postgres lg_t_web 127.0.0.1 conn=3 active=0 idle=2 iit=1 aborted=0 waiting=0', 'lg_t_web row');
SELECT is(pg_temp.row_of('lg_t_worker'),
	'postgres lg_t_worker 127.0.0.1 conn=3 active=2 idle=0 iit=0 aborted=1 waiting=1', 'lg_t_worker row');
SELECT is(pg_temp.row_of('lg_t_cron'),
	'postgres lg_t_cron 127.0.0.1 conn=1 active=0 idle=1 iit=0 aborted=0 waiting=0', 'lg_t_cron row');
SELECT is(pg_temp.row_of('lg_t_own'),
	'lg_t_pool_plain lg_t_own 127.0.0.1 conn=1 active=0 idle=1 iit=0 aborted=0 waiting=0', 'lg_t_own row');
SELECT is((SELECT count(*)::int FROM pool_usage WHERE application_name LIKE 'lg\_t\_%'), 5,
	'one row per application (plus the admin session)');

-- the calling session is a client backend too, and it is active
SELECT is((SELECT active FROM pool_usage WHERE application_name = current_setting('application_name')
             AND database = current_database() AND role = session_user), 1,
	'the calling session counts as active');

-- the intervals: NULL where no backend qualifies, else between a floor
-- (the sleep above) and the time since the sessions were opened
SELECT is(pg_temp.nulls_of('lg_t_web'), 'f f t', 'lg_t_web: transaction and idle-in-transaction ages, no query');
SELECT ok((SELECT oldest_xact_age >= interval '0.3 s'
                  AND oldest_xact_age <= clock_timestamp() - (SELECT at FROM marks WHERE name = 'web')
                  AND longest_idle_in_transaction >= interval '0.3 s'
                  AND longest_idle_in_transaction <= oldest_xact_age
             FROM pool_usage WHERE application_name = 'lg_t_web'),
	'lg_t_web: the ages are plausible');
SELECT is(pg_temp.nulls_of('lg_t_worker'), 'f f f', 'lg_t_worker: all three intervals');
SELECT ok((SELECT longest_query >= interval '0.3 s'
                  AND longest_query <= clock_timestamp() - (SELECT at FROM marks WHERE name = 'worker')
                  AND oldest_xact_age >= longest_query
                  AND longest_idle_in_transaction >= interval '0.3 s'
                  AND longest_idle_in_transaction <= clock_timestamp() - (SELECT at FROM marks WHERE name = 'worker')
             FROM pool_usage WHERE application_name = 'lg_t_worker'),
	'lg_t_worker: the ages are plausible');
SELECT is(pg_temp.nulls_of('lg_t_cron'), 't t t', 'lg_t_cron (idle): no intervals');

-- the same ages, computed in SQL from pg_stat_activity in the same snapshot
SELECT ok((SELECT abs(extract(epoch FROM u.longest_query - (clock_timestamp() - min(a.query_start)))) < 1
             FROM pool_usage u, pg_stat_activity a
            WHERE u.application_name = 'lg_t_worker' AND a.application_name = 'lg_t_worker'
              AND a.state = 'active'
            GROUP BY u.longest_query),
	'longest_query matches pg_stat_activity');

-- the whole view equals the same grouping done in SQL over pg_stat_activity
SELECT pg_stat_clear_snapshot();
SELECT set_eq(
	$$SELECT database, role, application_name, client_addr, connections, active, idle,
	         idle_in_transaction, idle_in_transaction_aborted, waiting,
	         oldest_xact_age IS NULL AS no_xact, longest_idle_in_transaction IS NULL AS no_iit,
	         longest_query IS NULL AS no_query
	    FROM pool_usage$$,
	$$SELECT datname, usename, application_name, client_addr, count(*)::int AS connections,
	         count(*) FILTER (WHERE state IN ('active', 'fastpath function call'))::int AS active,
	         count(*) FILTER (WHERE state = 'idle')::int AS idle,
	         count(*) FILTER (WHERE state = 'idle in transaction')::int AS iit,
	         count(*) FILTER (WHERE state = 'idle in transaction (aborted)')::int AS aborted,
	         count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')::int AS waiting,
	         min(xact_start) IS NULL AS no_xact,
	         min(state_change) FILTER (WHERE state LIKE 'idle in transaction%') IS NULL AS no_iit,
	         min(query_start) FILTER (WHERE state = 'active') IS NULL AS no_query
	    FROM pg_stat_activity WHERE backend_type = 'client backend'
	   GROUP BY 1, 2, 3, 4$$,
	'pool_usage equals the GROUP BY over pg_stat_activity');

------------------------------------------------------------------------
-- privacy: an unprivileged role sees only connection counts of other roles
SELECT pg_stat_clear_snapshot();
CREATE TEMP TABLE client_backends AS
	SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend';
GRANT SELECT ON client_backends TO PUBLIC;
-- the snapshot stays: what a role may see is decided when it is read
SET LOCAL ROLE lg_t_pool_plain;
SELECT is(pg_temp.row_of('lg_t_web'),
	'postgres lg_t_web - conn=3 active=- idle=- iit=- aborted=- waiting=-',
	'unprivileged: another role''s row has only connections');
SELECT is(pg_temp.row_of('lg_t_worker'),
	'postgres lg_t_worker - conn=3 active=- idle=- iit=- aborted=- waiting=-',
	'unprivileged: also while active, waiting and aborted');
SELECT is((SELECT format('%s %s %s', oldest_xact_age, longest_idle_in_transaction, longest_query)
             FROM pool_usage WHERE application_name = 'lg_t_worker'),
	'  ', 'unprivileged: another role''s intervals are NULL');
SELECT is(pg_temp.row_of('lg_t_own'),
	'lg_t_pool_plain lg_t_own 127.0.0.1 conn=1 active=0 idle=1 iit=0 aborted=0 waiting=0',
	'unprivileged: its own role''s row is complete');
SELECT is((SELECT count(*)::int FROM pool_usage() WHERE role = 'postgres' AND client_addr IS NOT NULL), 0,
	'unprivileged: no client_addr of another role, through the function too');
SELECT is((SELECT sum(connections)::int FROM pool_usage),
          (SELECT n FROM client_backends),
	'unprivileged: every connection is still counted');
RESET ROLE;

-- a member of pg_read_all_stats sees everything
SET LOCAL ROLE lg_t_pool_stats;
SELECT pg_stat_clear_snapshot();
SELECT is(pg_temp.row_of('lg_t_worker'),
	'postgres lg_t_worker 127.0.0.1 conn=3 active=2 idle=0 iit=0 aborted=1 waiting=1',
	'pg_read_all_stats: another role''s row is complete');
SELECT ok((SELECT oldest_xact_age IS NOT NULL AND longest_query IS NOT NULL
             FROM pool_usage WHERE application_name = 'lg_t_worker'),
	'pg_read_all_stats: with its intervals');
RESET ROLE;

------------------------------------------------------------------------
-- states change: release the lock, end the sleep, end the transactions
SELECT * FROM dblink('cron1', 'SELECT pg_advisory_unlock(727001)') AS t(x boolean);
SELECT dblink_cancel_query('worker1');
SET LOCAL client_min_messages = warning;
SELECT * FROM dblink_get_result('worker1', false) AS t(x text);
SELECT * FROM dblink_get_result('worker1', false) AS t(x text);
RESET client_min_messages;
-- a query sent asynchronously is done once dblink_get_result returns no set
SELECT * FROM dblink_get_result('worker2') AS t(x text);
SELECT * FROM dblink_get_result('worker2') AS t(x text);
SELECT * FROM dblink('worker2', 'SELECT pg_advisory_unlock(727001)') AS t(x boolean);
SELECT dblink_exec('worker3', 'ROLLBACK');
SELECT dblink_exec('web3', 'COMMIT');
SELECT ok(pg_temp.wait_until($$
	SELECT count(*) = 6 FROM pg_stat_activity
	 WHERE application_name IN ('lg_t_web', 'lg_t_worker') AND state = 'idle'$$),
	'the sessions went idle');
SELECT is(pg_temp.row_of('lg_t_worker'),
	'postgres lg_t_worker 127.0.0.1 conn=3 active=0 idle=3 iit=0 aborted=0 waiting=0',
	'lg_t_worker row after its sessions went idle');
SELECT is((SELECT format('%s %s %s', oldest_xact_age, longest_idle_in_transaction, longest_query)
             FROM pool_usage WHERE application_name = 'lg_t_web'),
	'  ', 'no intervals once idle');

-- disconnect: the rows go away
SELECT dblink_disconnect(c) FROM unnest(ARRAY['web1', 'web2', 'web3', 'cron1', 'worker1',
                                              'worker2', 'worker3', 'own1']) c;
SELECT ok(pg_temp.wait_until($$
	SELECT count(*) = 0 FROM pg_stat_activity
	 WHERE application_name IN ('lg_t_web', 'lg_t_worker', 'lg_t_cron', 'lg_t_own')$$),
	'the sessions ended');
SELECT is((SELECT count(*)::int FROM pool_usage WHERE application_name LIKE 'lg\_t\_%'), 1,
	'only the admin session''s row is left');

------------------------------------------------------------------------
-- pool_headroom() against the settings and pg_stat_activity
SELECT pg_stat_clear_snapshot();
SELECT is(
	(SELECT format('%s %s %s %s %s %s', max_connections, superuser_reserved_connections,
	               coalesce(reserved_connections::text, 'NULL'), in_use, available, utilization)
	   FROM pool_headroom()),
	(SELECT format('%s %s %s %s %s %s', m, s, CASE WHEN current_setting('server_version_num')::int >= 160000
	                                             THEN r::text ELSE 'NULL' END,
	               n, greatest(m - s - r - n, 0), round(n * 100.0 / (m - s - r), 1))
	   FROM (SELECT current_setting('max_connections')::int m,
	                current_setting('superuser_reserved_connections')::int s,
	                coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0) r,
	                (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') n) x),
	'pool_headroom(): settings, in_use, available and utilization');
SELECT is((SELECT in_use FROM pool_headroom()),
          (SELECT sum(connections)::int FROM pool_usage),
	'in_use is the sum of pool_usage.connections');

-- the caller's own sessions count: open three more
SELECT dblink_connect('extra' || i, pg_temp.conninfo('postgres', 'lg_t_extra')) FROM generate_series(1, 3) i;
SELECT pg_stat_clear_snapshot();
CREATE TEMP TABLE h1 AS SELECT * FROM pool_headroom();
SELECT dblink_disconnect('extra' || i) FROM generate_series(1, 3) i;
SELECT ok(pg_temp.wait_until($$SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'lg_t_extra'$$),
	'the extra sessions ended');
SELECT is((SELECT h1.in_use - h2.in_use FROM h1, pool_headroom() h2), 3,
	'three more sessions: in_use grows by three');
SELECT is((SELECT h2.available - h1.available FROM h1, pool_headroom() h2), 3,
	'three more sessions: available shrinks by three');

------------------------------------------------------------------------
-- clean up what the autocommit session made
SELECT dblink_exec('lg_admin', 'DROP ROLE lg_t_pool_plain, lg_t_pool_stats');
SELECT dblink_disconnect('lg_admin');

SELECT * FROM finish();
ROLLBACK;
