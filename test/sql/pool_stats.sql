-- pool_stats: the objects, their columns, privileges and settings; what
-- dblink sessions under distinct application_names add (sessions and how
-- they end, commits and rollbacks, idle-in-transaction time, an aborted
-- block's time until its ROLLBACK, the pooler errors 26000, 42P05 and
-- "cached plan must not change result type", handoffs: a transaction that
-- only sets application_name); refusals by cause, under the startup
-- packet's names; privacy as pg_stat_activity's; reset.
--
-- The roles and the database the refusals need are made outside the test's
-- transaction (a dblink session must see them), and dropped at the end.
\ir ../lib/pgtap_helpers.sql

SET client_min_messages = warning;
DROP ROLE IF EXISTS lg_stats_alice;
DROP ROLE IF EXISTS lg_stats_bob;
DROP ROLE IF EXISTS lg_stats_nologin;
DROP ROLE IF EXISTS lg_stats_limited;
DROP DATABASE IF EXISTS lg_stats_closed;
CREATE ROLE lg_stats_alice LOGIN;
CREATE ROLE lg_stats_bob LOGIN;
CREATE ROLE lg_stats_nologin NOLOGIN;
CREATE ROLE lg_stats_limited LOGIN CONNECTION LIMIT 0;
CREATE DATABASE lg_stats_closed CONNECTION LIMIT 0;
DROP TABLE IF EXISTS lg_stats_plan;
RESET client_min_messages;

-- transaction_timeout exists from PostgreSQL 17 on
SELECT current_setting('server_version_num')::int >= 170000 AS has_transaction_timeout \gset

BEGIN;
SELECT plan(66 + CASE WHEN :'has_transaction_timeout' THEN 1 ELSE 0 END);

-- the counts of one row, as text
CREATE FUNCTION pg_temp.counts(app text, usr text DEFAULT 'postgres', db text DEFAULT current_database())
RETURNS text LANGUAGE sql AS $$
	SELECT coalesce((SELECT format('conn=%s opened=%s normal=%s terminated=%s idle_session=%s idle_in_xact=%s commits=%s rollbacks=%s handoffs=%s missing=%s exists=%s cached=%s',
	                               connections, sessions_opened, ended_normal, ended_terminated,
	                               ended_idle_session_timeout, ended_idle_in_transaction_timeout,
	                               commits, rollbacks, handoffs, errors_prepared_missing,
	                               errors_prepared_exists, errors_cached_plan)
	                   FROM pool_stats WHERE database = db AND role = usr AND application_name = app), 'no row')
$$;

-- the error of a connection attempt as usr, under app, to db
CREATE FUNCTION pg_temp.connect_err(usr text, app text, db text DEFAULT current_database())
RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.err(format('SELECT dblink_connect(%L, %L)', 'lg_r', pg_temp.conninfo(usr, app, db)))
$$;

CREATE FUNCTION pg_temp.refusals(app text, usr text, db text DEFAULT current_database())
RETURNS text LANGUAGE sql AS $$
	SELECT coalesce((SELECT format('too_many=%s reserved=%s role=%s database=%s authentication=%s other=%s opened=%s at=%s',
	                               refused_too_many_clients, refused_reserved, refused_role_limit,
	                               refused_database_limit, refused_authentication, refused_other,
	                               sessions_opened, last_refused_at IS NOT NULL)
	                   FROM pool_stats WHERE database = db AND role = usr AND application_name = app), 'no row')
$$;

------------------------------------------------------------------------
-- objects, privileges, settings
SELECT has_view('pool_stats');
SELECT has_function('pool_stats', ARRAY[]::text[]);
SELECT has_function('pool_stats_info', ARRAY[]::text[]);
SELECT has_function('pool_stats_reset', ARRAY[]::text[]);
SELECT is(pg_temp.columns('pool_stats'),
          'database name, role name, application_name text, connections integer, peak_connections integer, peak_at timestamp with time zone, '
          'sessions_opened bigint, ended_normal bigint, ended_client_gone bigint, ended_fatal bigint, ended_terminated bigint, '
          'ended_idle_session_timeout bigint, ended_idle_in_transaction_timeout bigint, ended_transaction_timeout bigint, '
          'session_time double precision, refused_too_many_clients bigint, refused_reserved bigint, refused_role_limit bigint, '
          'refused_database_limit bigint, refused_authentication bigint, refused_other bigint, last_refused_at timestamp with time zone, '
          'commits bigint, rollbacks bigint, handoffs bigint, transaction_time double precision, active_time double precision, '
          'idle_in_transaction_time double precision, longest_transaction_time double precision, '
          'longest_idle_in_transaction_time double precision, errors_prepared_missing bigint, errors_prepared_exists bigint, '
          'errors_cached_plan bigint',
          'pool_stats has the columns of docs/pool-stats.md');
SELECT is(pg_get_function_arguments('pool_stats_info()'::regprocedure),
          'OUT entries integer, OUT max_entries integer, OUT overflowed bigint, OUT since timestamp with time zone, '
          'OUT connections integer, OUT peak_connections integer, OUT peak_at timestamp with time zone',
          'pool_stats_info() has the columns of docs/pool-stats.md');
SELECT ok(has_table_privilege('public', 'pool_stats', 'SELECT'), 'pool_stats is readable by PUBLIC');
SELECT ok(has_function_privilege('public', 'pool_stats_info()', 'EXECUTE'), 'pool_stats_info() is executable by PUBLIC');
SELECT ok(NOT has_function_privilege('public', 'pool_stats_reset()', 'EXECUTE'),
          'pool_stats_reset() is not executable by PUBLIC');
SELECT is((SELECT setting || ' ' || context FROM pg_settings WHERE name = 'lifeguard.stats'),
          'on postmaster', 'lifeguard.stats: on, needs a restart');
SELECT is((SELECT setting || ' ' || context || ' ' || min_val || '..' || max_val FROM pg_settings WHERE name = 'lifeguard.stats_max_entries'),
          '1000 postmaster 10..100000', 'lifeguard.stats_max_entries: 1000 (10 to 100000), needs a restart');
SELECT is((SELECT setting || ' ' || context FROM pg_settings WHERE name = 'lifeguard.stats_save'),
          'on sighup', 'lifeguard.stats_save: on, reloadable');
SELECT is((SELECT max_entries FROM pool_stats_info()), 1000, 'pool_stats_info() reports max_entries');

------------------------------------------------------------------------
-- transactions and their times
SELECT dblink_connect('lg_a', pg_temp.conninfo('postgres', 'lg-tap-a'));
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT * FROM dblink('lg_a', 'SELECT 1') AS t(x int);
SELECT dblink_exec('lg_a', 'COMMIT');
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT * FROM dblink('lg_a', 'SELECT 1') AS t(x int);
SELECT dblink_exec('lg_a', 'ROLLBACK');
SELECT * FROM dblink('lg_a', 'SELECT 1') AS t(x int);
SELECT is(pg_temp.counts('lg-tap-a'),
          'conn=1 opened=1 normal=0 terminated=0 idle_session=0 idle_in_xact=0 commits=2 rollbacks=1 handoffs=0 missing=0 exists=0 cached=0',
          'a session: one connection, two commits and a rollback, counted as they end');
SELECT is((SELECT peak_connections || ' ' || (peak_at IS NOT NULL) FROM pool_stats WHERE application_name = 'lg-tap-a'),
          '1 true', 'its peak, and when');

-- idle in a transaction block, from BEGIN to COMMIT
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT * FROM dblink('lg_a', 'SELECT 1') AS t(x int);
SELECT pg_sleep(0.3);
SELECT dblink_exec('lg_a', 'COMMIT');
SELECT ok((SELECT longest_idle_in_transaction_time >= 300 AND idle_in_transaction_time >= 300
                  AND longest_transaction_time >= 300 FROM pool_stats WHERE application_name = 'lg-tap-a'),
          'idle in transaction for as long as the client waited (ms)');
SELECT ok((SELECT abs(transaction_time - active_time - idle_in_transaction_time) < 0.001
             FROM pool_stats WHERE application_name = 'lg-tap-a'),
          'transaction time = active time + idle in transaction');

-- an error in a block: a rollback at once, its time runs on until ROLLBACK
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT is(dblink_exec('lg_a', 'SELECT 1/0', false), 'ERROR', 'an error in a transaction block');
SELECT is((SELECT rollbacks FROM pool_stats WHERE application_name = 'lg-tap-a'), 2::bigint,
          'the aborted block is a rollback at once');
SELECT pg_sleep(0.5);
SELECT dblink_exec('lg_a', 'ROLLBACK');
SELECT ok((SELECT longest_transaction_time >= 500 AND longest_idle_in_transaction_time >= 500
             FROM pool_stats WHERE application_name = 'lg-tap-a'),
          'its time until the ROLLBACK is counted, idle in transaction (aborted) included');
SELECT is((SELECT rollbacks FROM pool_stats WHERE application_name = 'lg-tap-a'), 2::bigint,
          '... and the ROLLBACK is no second one');

------------------------------------------------------------------------
-- the errors a pooler causes
SELECT is(dblink_exec('lg_a', 'EXECUTE lg_stats_nope', false), 'ERROR', 'EXECUTE of a statement never prepared');
SELECT dblink_exec('lg_a', 'PREPARE lg_stats_twice AS SELECT 1');
SELECT is(dblink_exec('lg_a', 'PREPARE lg_stats_twice AS SELECT 1', false), 'ERROR', 'PREPARE of a name taken');
SELECT dblink_exec('lg_a', 'CREATE TABLE lg_stats_plan (a int)');
SELECT dblink_exec('lg_a', 'PREPARE lg_stats_p AS SELECT * FROM lg_stats_plan');
SELECT * FROM dblink('lg_a', 'EXECUTE lg_stats_p') AS t(a int);
SELECT dblink_exec('lg_a', 'ALTER TABLE lg_stats_plan ADD COLUMN b int');
SELECT is(dblink_exec('lg_a', 'EXECUTE lg_stats_p', false), 'ERROR', 'a cached plan whose result type changed');
SELECT is(pg_temp.counts('lg-tap-a'),
          'conn=1 opened=1 normal=0 terminated=0 idle_session=0 idle_in_xact=0 commits=8 rollbacks=5 handoffs=0 missing=1 exists=1 cached=1',
          '26000, 42P05 and the cached plan, each with its rollback');

------------------------------------------------------------------------
-- application_name: transactions go to the one they started with
SELECT dblink_exec('lg_a', 'SET application_name = ''lg-tap-b''');
SELECT is(pg_temp.counts('lg-tap-b'),
          'conn=0 opened=0 normal=0 terminated=0 idle_session=0 idle_in_xact=0 commits=0 rollbacks=0 handoffs=1 missing=0 exists=0 cached=0',
          'a transaction that only sets application_name: a handoff to the new name, no commit');
SELECT * FROM dblink('lg_a', 'SELECT 1') AS t(x int);
SELECT is((SELECT commits FROM pool_stats WHERE application_name = 'lg-tap-b'), 1::bigint,
          'the next transaction is the new name''s');
SELECT is((SELECT commits || ' ' || connections FROM pool_stats WHERE application_name = 'lg-tap-a'), '8 1',
          'the session stays the name it started with');
SELECT * FROM dblink('lg_a', 'SET application_name = ''lg-tap-c''; SELECT 1') AS t(x int);
SELECT is((SELECT commits || ' ' || handoffs FROM pool_stats WHERE application_name = 'lg-tap-b'), '2 1',
          'a SET and a query in one transaction: a transaction of the name it started with');
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT dblink_exec('lg_a', 'SET application_name = ''lg-tap-d''');
SELECT dblink_exec('lg_a', 'COMMIT');
SELECT is((SELECT commits || ' ' || handoffs FROM pool_stats WHERE application_name = 'lg-tap-c'), '1 0',
          'BEGIN; SET application_name; COMMIT: a transaction of the name it started with');
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT dblink_exec('lg_a', 'SET LOCAL application_name = ''lg-tap-e''');
SELECT * FROM dblink('lg_a', 'SELECT 1') AS t(x int);
SELECT dblink_exec('lg_a', 'COMMIT');
SELECT dblink_exec('lg_a', 'SET application_name = ''lg-tap-d''');
SELECT is(pg_temp.counts('lg-tap-d'),
          'conn=0 opened=0 normal=0 terminated=0 idle_session=0 idle_in_xact=0 commits=2 rollbacks=0 handoffs=0 missing=0 exists=0 cached=0',
          'SET LOCAL: the name from before; a SET to the same name: no handoff');
SELECT is(pg_temp.counts('lg-tap-e'), 'no row', 'a name set locally never gets a row');
SELECT dblink_exec('lg_a', 'RESET application_name');
SELECT is((SELECT handoffs FROM pool_stats WHERE application_name = 'lg-tap-a'), 1::bigint,
          'RESET application_name: back to the startup name, a handoff');
SELECT dblink_exec('lg_a', 'BEGIN');
SELECT dblink_exec('lg_a', 'COMMIT AND CHAIN');
SELECT pg_sleep(0.8);
SELECT dblink_exec('lg_a', 'COMMIT');
SELECT ok((SELECT commits = 10 AND longest_idle_in_transaction_time >= 800 FROM pool_stats WHERE application_name = 'lg-tap-a'),
          'COMMIT AND CHAIN: the chained block is a transaction, with its idle time');

------------------------------------------------------------------------
-- how sessions end
SELECT dblink_disconnect('lg_a');
SELECT ok(pg_temp.wait_until($$SELECT ended_normal = 1 FROM pool_stats WHERE application_name = 'lg-tap-a'$$),
          'a client that says goodbye: ended_normal');
SELECT is(pg_temp.counts('lg-tap-a'),
          'conn=0 opened=1 normal=1 terminated=0 idle_session=0 idle_in_xact=0 commits=10 rollbacks=5 handoffs=1 missing=1 exists=1 cached=1',
          'the session''s row: opened once, ended once, under its startup name');
SELECT ok((SELECT session_time > 0 FROM pool_stats WHERE application_name = 'lg-tap-a'), 'its session time');

SELECT dblink_connect('lg_t', pg_temp.conninfo('postgres', 'lg-tap-term'));
SELECT pg_terminate_backend(pid) FROM dblink('lg_t', 'SELECT pg_backend_pid()') AS t(pid int);
SELECT ok(pg_temp.wait_until($$SELECT ended_terminated = 1 FROM pool_stats WHERE application_name = 'lg-tap-term'$$),
          'pg_terminate_backend: ended_terminated');
SELECT dblink_disconnect('lg_t');

SELECT dblink_connect('lg_i', pg_temp.conninfo('postgres', 'lg-tap-idle', opts => 'options=-cidle_session_timeout=100'));
SELECT ok(pg_temp.wait_until($$SELECT ended_idle_session_timeout = 1 FROM pool_stats WHERE application_name = 'lg-tap-idle'$$),
          'idle_session_timeout: ended_idle_session_timeout');
SELECT dblink_disconnect('lg_i');

SELECT dblink_connect('lg_x', pg_temp.conninfo('postgres', 'lg-tap-idlex', opts => 'options=-cidle_in_transaction_session_timeout=100'));
SELECT dblink_exec('lg_x', 'BEGIN');
SELECT ok(pg_temp.wait_until($$SELECT ended_idle_in_transaction_timeout = 1 FROM pool_stats WHERE application_name = 'lg-tap-idlex'$$),
          'idle_in_transaction_session_timeout: ended_idle_in_transaction_timeout');
SELECT is((SELECT rollbacks || ' ' || (longest_idle_in_transaction_time >= 100) FROM pool_stats WHERE application_name = 'lg-tap-idlex'),
          '1 true', '... its transaction a rollback, idle until the timeout (the server''s own count misses that wait)');
SELECT dblink_disconnect('lg_x');

\if :has_transaction_timeout
SELECT dblink_connect('lg_tt', pg_temp.conninfo('postgres', 'lg-tap-txnt', opts => 'options=-ctransaction_timeout=100'));
SELECT dblink_exec('lg_tt', 'BEGIN');
SELECT ok(pg_temp.wait_until($$SELECT ended_transaction_timeout = 1 FROM pool_stats WHERE application_name = 'lg-tap-txnt'$$),
          'transaction_timeout (PostgreSQL 17+): ended_transaction_timeout');
SELECT dblink_disconnect('lg_tt');
\endif

------------------------------------------------------------------------
-- refusals, under the startup packet's names
SELECT matches(pg_temp.connect_err(usr, 'lg-tap-refused', db), error, what || ' is refused')
  FROM (VALUES (1, 'lg_stats_limited', current_database(), 'too many connections for role', 'a role with CONNECTION LIMIT 0'),
               (2, 'lg_stats_alice', 'lg_stats_closed', 'too many connections for database', 'a database with CONNECTION LIMIT 0'),
               (3, 'lg_stats_nologin', current_database(), 'not permitted to log in', 'a NOLOGIN role'),
               (4, 'lg_stats_nobody', current_database(), 'does not exist', 'a role that does not exist'),
               (5, 'postgres', 'lg_stats_nodb', 'does not exist', 'a database that does not exist'))
       AS attempt(n, usr, db, error, what)
 ORDER BY n;
-- each under the names the client sent, with the time of the last
SELECT is(pg_temp.refusals('lg-tap-refused', usr, db), 'too_many=0 reserved=0 ' || counts || ' opened=0 at=t',
          format('%s: %s', usr, what))
  FROM (VALUES (1, 'lg_stats_limited', current_database(), 'role=1 database=0 authentication=0 other=0', 'refused_role_limit'),
               (2, 'lg_stats_alice', 'lg_stats_closed', 'role=0 database=1 authentication=0 other=0', 'refused_database_limit, in that database''s row'),
               (3, 'lg_stats_nologin', current_database(), 'role=0 database=0 authentication=1 other=0', 'refused_authentication (28000)'),
               (4, 'lg_stats_nobody', current_database(), 'role=0 database=0 authentication=1 other=0', 'refused_authentication (28000)'),
               (5, 'postgres', 'lg_stats_nodb', 'role=0 database=0 authentication=0 other=1', 'refused_other'))
       AS refusal(n, usr, db, counts, what)
 ORDER BY n;

------------------------------------------------------------------------
-- privacy, as pg_stat_activity's
SELECT dblink_connect('lg_al', pg_temp.conninfo('lg_stats_alice', 'lg-tap-alice'));
SELECT * FROM dblink('lg_al', 'SELECT 1') AS t(x int);
SET ROLE lg_stats_bob;
SELECT is((SELECT format('%s %s %s %s %s %s', role, application_name, connections, sessions_opened, commits, peak_at)
             FROM pool_stats WHERE application_name = 'lg-tap-alice'),
          'lg_stats_alice lg-tap-alice 1   ',
          'another role: the names and the open connections, no counts');
SELECT is((SELECT count(*) FROM pool_stats WHERE application_name = 'lg-tap-alice' AND num_nulls(
             peak_connections, peak_at, sessions_opened, ended_normal, ended_client_gone, ended_fatal, ended_terminated,
             ended_idle_session_timeout, ended_idle_in_transaction_timeout, ended_transaction_timeout, session_time,
             refused_too_many_clients, refused_reserved, refused_role_limit, refused_database_limit, refused_authentication,
             refused_other, last_refused_at, commits, rollbacks, handoffs, transaction_time, active_time,
             idle_in_transaction_time, longest_transaction_time, longest_idle_in_transaction_time,
             errors_prepared_missing, errors_prepared_exists, errors_cached_plan) = 29), 1::bigint,
          '... every counter NULL');
SELECT is((SELECT sessions_opened FROM pool_stats WHERE application_name = 'lg-tap-refused' AND role = 'lg_stats_nobody'),
          NULL, 'the row of a role that does not exist: only for pg_read_all_stats');
SELECT is(pg_temp.err('SELECT pool_stats_reset()', ''), '42501: permission denied for function pool_stats_reset',
          'pool_stats_reset() is refused to a role without the grant');
RESET ROLE;
SET ROLE lg_stats_alice;
SELECT is((SELECT format('%s %s', sessions_opened, commits) FROM pool_stats WHERE application_name = 'lg-tap-alice'),
          '1 1', 'its own role sees its counts');
RESET ROLE;
GRANT pg_read_all_stats TO lg_stats_bob;
SET ROLE lg_stats_bob;
SELECT is((SELECT format('%s %s', sessions_opened, commits) FROM pool_stats WHERE application_name = 'lg-tap-alice'),
          '1 1', 'a member of pg_read_all_stats sees every count');
SELECT is((SELECT sessions_opened FROM pool_stats WHERE application_name = 'lg-tap-refused' AND role = 'lg_stats_nobody'),
          0::bigint, '... the row of a role that does not exist too');
RESET ROLE;
REVOKE pg_read_all_stats FROM lg_stats_bob;
SELECT dblink_disconnect('lg_al');
SELECT ok(pg_temp.wait_until($$SELECT connections = 0 FROM pool_stats WHERE application_name = 'lg-tap-alice'$$),
          'alice''s session ended');

------------------------------------------------------------------------
-- the server's totals, and reset
SELECT ok((SELECT connections >= 1 AND peak_connections >= connections AND peak_at IS NOT NULL FROM pool_stats_info()),
          'pool_stats_info(): the client connections open now and at their peak');
SELECT ok((SELECT entries > 0 AND overflowed = 0 FROM pool_stats_info()), 'pool_stats_info(): entries, nothing overflowed');
SELECT pool_stats_reset();
SELECT is((SELECT count(*) FROM pool_stats WHERE application_name LIKE 'lg-tap-%'), 0::bigint,
          'a reset removes the rows without connections');
SELECT is((SELECT format('%s %s %s %s', connections, sessions_opened, commits, peak_connections)
             FROM pool_stats WHERE database = current_database() AND application_name = current_setting('application_name')),
          '1 0 0 1', 'this session''s row stays: its connection, the new peak, every count zero');
SELECT ok((SELECT since > now() - interval '1 minute' AND overflowed = 0
             AND peak_connections = connections FROM pool_stats_info()),
          'pool_stats_info(): since the reset, the peak is what is open');
SELECT dblink_connect('lg_z', pg_temp.conninfo('postgres', 'lg-tap-z'));
SELECT * FROM dblink('lg_z', 'SELECT 1') AS t(x int);
SELECT dblink_disconnect('lg_z');
SELECT ok(pg_temp.wait_until($$SELECT ended_normal = 1 FROM pool_stats WHERE application_name = 'lg-tap-z'$$),
          'counting starts again after a reset');
SELECT is(pg_temp.counts('lg-tap-z'),
          'conn=0 opened=1 normal=1 terminated=0 idle_session=0 idle_in_xact=0 commits=1 rollbacks=0 handoffs=0 missing=0 exists=0 cached=0',
          '... exactly');

SELECT * FROM finish();
ROLLBACK;

SET client_min_messages = warning;
DROP TABLE IF EXISTS lg_stats_plan;
DROP DATABASE lg_stats_closed;
DROP ROLE lg_stats_alice;
DROP ROLE lg_stats_bob;
DROP ROLE lg_stats_nologin;
DROP ROLE lg_stats_limited;
