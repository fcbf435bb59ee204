-- Transaction-pooling audit: every hazard detected and every safe twin
-- not, in session_pooling_hazards() and in pooling_audit (exact counts,
-- application_name attribution), privacy of the sample, reset, info,
-- enforcement messages and SQLSTATEs, txn_info().
\set err_fields hint
\ir ../lib/pgtap_helpers.sql

-- roles for the privacy checks (roles are global: made outside the test's
-- transaction so that a dblink session can log in as them)
SET client_min_messages = warning;
DROP ROLE IF EXISTS lg_audit_alice;
DROP ROLE IF EXISTS lg_audit_bob;
CREATE ROLE lg_audit_alice LOGIN;
CREATE ROLE lg_audit_bob LOGIN;
RESET client_min_messages;

BEGIN;
SELECT plan(86);

-- this session's hazards, without the tests' own temporary objects
-- (pg_temp.session_hazards()) and these helper functions (temporary
-- functions are session state too)
CREATE FUNCTION pg_temp.hazards() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(hazard || ':' || object, ', ' ORDER BY hazard, object), '')
	  FROM pg_temp.session_hazards()
	 WHERE object NOT IN ('hazards', 'audit')
$$;

-- the audit's counts under one application_name
CREATE FUNCTION pg_temp.audit(app text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
	  FROM pooling_audit WHERE application_name = app AND database = current_database()
$$;

------------------------------------------------------------------------
-- objects and privileges
SELECT has_function('session_pooling_hazards', ARRAY[]::text[]);
SELECT has_view('pooling_audit');
SELECT has_function('pooling_audit_info', ARRAY[]::text[]);
SELECT has_function('pooling_audit_reset', ARRAY[]::text[]);
SELECT has_function('txn_info', ARRAY[]::text[]);
SELECT is(pg_temp.columns('pooling_audit'),
          'database name, role name, application_name text, hazard text, count bigint, first_seen timestamp with time zone, last_seen timestamp with time zone, sample text, client text, hint text, failures bigint',
          'pooling_audit has the columns of docs/sql.md');
SELECT ok(NOT has_function_privilege('public', 'pooling_audit_reset()', 'EXECUTE'),
          'pooling_audit_reset() is not executable by PUBLIC');
SELECT ok(has_function_privilege('public', 'pooling_audit_info()', 'EXECUTE'),
          'pooling_audit_info() is executable by PUBLIC');
SELECT is(current_setting('lifeguard.audit'), 'on', 'lifeguard.audit defaults to on');
SELECT is(current_setting('lifeguard.enforce'), 'off', 'lifeguard.enforce defaults to off');
SELECT is(current_setting('lifeguard.audit_max_entries'), '1000', 'lifeguard.audit_max_entries defaults to 1000');
SELECT is(current_setting('lifeguard.protocol_prepared_statements'), 'hazard', 'protocol prepared statements are a hazard by default');
SELECT is((SELECT context FROM pg_settings WHERE name = 'lifeguard.enforce'), 'superuser', 'lifeguard.enforce is superuser-set');
SELECT is((SELECT context FROM pg_settings WHERE name = 'lifeguard.audit_max_entries'), 'postmaster', 'lifeguard.audit_max_entries needs a restart');

------------------------------------------------------------------------
-- reset and info
SELECT pooling_audit_reset();
SELECT is((SELECT entries FROM pooling_audit_info()), 0, 'after a reset the table is empty');
SELECT is((SELECT dropped FROM pooling_audit_info()), 0::bigint, 'after a reset nothing is dropped');
SELECT is((SELECT max_entries FROM pooling_audit_info()), 1000, 'info reports max_entries');
SELECT ok((SELECT since FROM pooling_audit_info()) <= clock_timestamp()
          AND (SELECT since FROM pooling_audit_info()) > clock_timestamp() - interval '1 minute',
          'info reports since = the reset');

------------------------------------------------------------------------
-- safe twins: none of these is a hazard
SET application_name = 'lg_audit_safe';
SET LOCAL work_mem = '8MB';
SELECT set_config('work_mem', '9MB', true);
SELECT pg_advisory_xact_lock(1);
SELECT pg_try_advisory_xact_lock(2);
SELECT pg_advisory_xact_lock_shared(3);
CREATE TEMP TABLE lg_safe_tmp (x int) ON COMMIT DROP;
CREATE TEMP TABLE lg_safe_tmp2 ON COMMIT DROP AS SELECT 1 AS x;
DECLARE lg_safe_cur CURSOR FOR SELECT 1;
CLOSE lg_safe_cur;
SET TimeZone = 'UTC';
SET datestyle = 'ISO, MDY';
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT set_config('application_name', 'lg_audit_safe', false);
SET transaction_read_only = off;
SELECT 1;
INSERT INTO lg_safe_tmp VALUES (1);

SELECT is(pg_temp.audit('lg_audit_safe'), '', 'no safe twin is counted in pooling_audit');
SELECT is(pg_temp.hazards(), '', 'no safe twin is listed by session_pooling_hazards()');

------------------------------------------------------------------------
-- every hazard, once or twice, under application_name lg_audit_haz
SET application_name = 'lg_audit_haz';
SET work_mem = '7MB';
SELECT set_config('search_path', 'public', false);
SET ROLE postgres;
PREPARE lg_p1 AS SELECT 1;
LISTEN lg_chan;
SELECT pg_advisory_lock(42);
SELECT pg_try_advisory_lock_shared(43);
SELECT pg_advisory_lock(44, 45);
CREATE TEMP TABLE lg_haz_tmp (x int);
CREATE TEMP TABLE lg_haz_tmp2 AS SELECT 1 AS x;
DECLARE lg_hold CURSOR WITH HOLD FOR SELECT 1;
LOAD 'lifeguard';
SET application_name = 'lg_audit_other';
SET maintenance_work_mem = '70MB';

SELECT is(pg_temp.audit('lg_audit_haz'),
          'advisory_lock=3, listen=1, load=1, prepare=1, set=3, temp_table=2, with_hold_cursor=1',
          'pooling_audit counts every hazard exactly, under the application_name of the time');
SELECT is(pg_temp.audit('lg_audit_other'), 'set=1',
          'a hazard after SET application_name is attributed to the new name');
SELECT is((SELECT string_agg(DISTINCT role::text, ',') FROM pooling_audit WHERE application_name = 'lg_audit_haz'),
          'postgres', 'role is the session role');
SELECT is((SELECT sample FROM pooling_audit WHERE application_name = 'lg_audit_haz' AND hazard = 'listen'),
          'LISTEN lg_chan', 'the sample is the statement');
SELECT is((SELECT sample FROM pooling_audit WHERE application_name = 'lg_audit_haz' AND hazard = 'set'),
          'SET work_mem = ''7MB''', 'the sample is the first statement seen');
SELECT ok((SELECT bool_and(first_seen <= last_seen AND last_seen <= clock_timestamp()) FROM pooling_audit
            WHERE application_name = 'lg_audit_haz'), 'first_seen <= last_seen <= now');

SELECT is(pg_temp.hazards(),
          'advisory_lock:42, advisory_lock:43, advisory_lock:44,45, prepare:lg_p1, '
          || 'set:maintenance_work_mem, set:role, set:search_path, set:work_mem, '
          || 'temp_table:lg_haz_tmp, temp_table:lg_haz_tmp2, with_hold_cursor:lg_hold',
          'session_pooling_hazards() lists the session''s lasting state');
-- a LISTEN takes effect at commit, so another session shows it
SELECT dblink_connect('lg_l', 'dbname=' || current_database() || ' host=127.0.0.1 port=' || current_setting('port'));
SELECT dblink_exec('lg_l', 'LISTEN lg_chan2');
SELECT is((SELECT h FROM dblink('lg_l', $$SELECT string_agg(hazard || ':' || object, ',') FROM session_pooling_hazards()$$) AS t(h text)),
          'listen:lg_chan2', 'session_pooling_hazards() lists LISTEN channels');
SELECT dblink_disconnect('lg_l');
SELECT is((SELECT detail FROM session_pooling_hazards() WHERE object = 'work_mem'),
          'set at session level to ''7MB''; use SET LOCAL inside the transaction or ALTER ROLE ... SET',
          'the detail names the value and the safe alternative');

-- every detail comes from the hazard table (pooling_hazard_texts())
SELECT is((SELECT string_agg(h.hazard || ':' || (h.detail = t.detail)::text, ', ' ORDER BY h.hazard)
             FROM (SELECT DISTINCT hazard, detail FROM session_pooling_hazards()
                    WHERE hazard IN ('prepare', 'temp_table', 'with_hold_cursor')
                      AND object LIKE 'lg\_%') h
             JOIN pooling_hazard_texts() t USING (hazard)),
          'prepare:true, temp_table:true, with_hold_cursor:true',
          'session_pooling_hazards() takes its fixed details from the hazard table');
SELECT is((SELECT string_agg(hazard, ',' ORDER BY hazard) FROM pooling_hazard_texts()),
          'advisory_lock,listen,load,prepare,protocol_prepare,set,temp_table,with_hold_cursor',
          'pooling_hazard_texts() lists the contract''s hazards');
SELECT is((SELECT count(*)::int FROM pooling_hazard_texts() WHERE hint IS NULL OR hint = ''), 0,
          'every hazard has a safe alternative');

-- the session lock taken twice counts twice; an xact lock on the same key is not session state
SELECT pg_advisory_lock(42);
SELECT pg_advisory_xact_lock(50);
SELECT is((SELECT detail FROM session_pooling_hazards() WHERE object = '42'),
          'ExclusiveLock held at session level (2 times); use pg_advisory_xact_lock() inside a transaction',
          'session advisory lock counts are exact');
SELECT is((SELECT count(*)::int FROM session_pooling_hazards() WHERE object = '50'), 0,
          'an xact-level advisory lock is not listed');
SELECT pg_advisory_unlock(42);
SELECT pg_advisory_unlock(42);
SELECT pg_advisory_unlock_shared(43);
SELECT pg_advisory_unlock(44, 45);
UNLISTEN *;
DEALLOCATE lg_p1;
CLOSE lg_hold;
DROP TABLE lg_haz_tmp, lg_haz_tmp2;
SELECT is(pg_temp.hazards(), 'set:maintenance_work_mem, set:role, set:search_path, set:work_mem',
          'released state is no longer listed');

-- protocol_prepared_statements = safe hides protocol-level statements
-- (the SQL-level PREPARE stays a hazard)
PREPARE lg_p2 AS SELECT 2;
SET LOCAL lifeguard.protocol_prepared_statements = safe;
SELECT is((SELECT count(*)::int FROM session_pooling_hazards() WHERE hazard = 'prepare'), 1,
          'SQL PREPARE is a hazard whatever protocol_prepared_statements says');
DEALLOCATE lg_p2;

------------------------------------------------------------------------
-- more forms, each counted exactly
SET application_name = 'lg_audit_forms';
SELECT set_config('work_mem', '4MB', 1 = 2);
SELECT set_config('work_mem', '4MB', NULL);
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET SESSION AUTHORIZATION DEFAULT;
RESET work_mem;
RESET TimeZone;
CREATE TEMP TABLE lg_forms_del (x int) ON COMMIT DELETE ROWS;
SELECT 1 AS x INTO TEMP lg_forms_into;
CREATE TABLE pg_temp.lg_forms_q (x int);
EXPLAIN SELECT pg_advisory_lock(99);
EXPLAIN ANALYZE SELECT pg_advisory_lock(98);
SELECT x FROM (SELECT pg_try_advisory_lock(97) AS x) s WHERE EXISTS (SELECT pg_advisory_lock(96));
CREATE FUNCTION lg_locker() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_lock(95); END $$;
SELECT lg_locker();
SELECT lg_locker();
SELECT PG_CATALOG."pg_advisory_lock"(94);
SELECT Set_Config('work_mem', '4MB', FALSE);
SELECT is(pg_temp.audit('lg_audit_forms'), 'advisory_lock=5, set=4, temp_table=3',
          'non-constant and NULL is_local, SESSION CHARACTERISTICS; ON COMMIT DELETE ROWS, SELECT INTO TEMP, pg_temp.name; EXPLAIN with or without ANALYZE, subqueries, PL/pgSQL once per plan, qualified, quoted and mixed-case names (SESSION AUTHORIZATION DEFAULT and RESET go back to the start: no hazard)');
SET application_name = 'lg_audit_off';
SET LOCAL lifeguard.audit = off;
SET work_mem = '4MB';
SET LOCAL lifeguard.audit = on;
SELECT is(pg_temp.audit('lg_audit_off'), '', 'lifeguard.audit = off records nothing');

-- every kind of temporary object, with or without the TEMP keyword, is
-- counted once, with enforcement off too; a table's serial sequence and an
-- ON COMMIT DROP table are not
SET application_name = 'lg_audit_tempkinds';
SET LOCAL search_path = pg_temp, public;
CREATE TABLE lg_tk1 (x int);
SELECT 1 AS x INTO lg_tk2;
SET LOCAL search_path TO DEFAULT;
CREATE TEMP VIEW lg_tk3 AS SELECT 1;
CREATE TEMP SEQUENCE lg_tk4;
CREATE FUNCTION pg_temp.lg_tk5() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TYPE pg_temp.lg_tk6 AS ENUM ('a');
CREATE TEMP TABLE lg_tk7 (id serial) ON COMMIT DROP;
SELECT is(pg_temp.audit('lg_audit_tempkinds'), 'temp_table=6',
          'tables through search_path and SELECT INTO, temporary views, sequences, functions, types: once each');

------------------------------------------------------------------------
-- privacy of the sample
SELECT dblink_connect('lg_alice', 'dbname=' || current_database() || ' user=lg_audit_alice host=127.0.0.1 port=' || current_setting('port'));
SELECT dblink_exec('lg_alice', 'SET application_name = ''lg_audit_priv''');
SELECT dblink_exec('lg_alice', 'SET work_mem = ''5MB''');
SELECT is((SELECT count::int FROM pooling_audit WHERE application_name = 'lg_audit_priv' AND role = 'lg_audit_alice'), 1,
          'another role''s hazard is recorded under that role');
SELECT is((SELECT sample FROM pooling_audit WHERE application_name = 'lg_audit_priv'), 'SET work_mem = ''5MB''',
          'a superuser sees the sample');
SET LOCAL ROLE lg_audit_bob;
SELECT is((SELECT sample FROM pooling_audit WHERE application_name = 'lg_audit_priv'), NULL,
          'another role sees no sample');
SELECT is((SELECT count::int FROM pooling_audit WHERE application_name = 'lg_audit_priv'), 1,
          'another role still sees the count');
SELECT is(pg_temp.err('SELECT pooling_audit_reset()'),
          '42501: permission denied for function pooling_audit_reset | ',
          'pooling_audit_reset() is refused to an ordinary role');
RESET ROLE;
SET LOCAL ROLE lg_audit_alice;
SELECT is((SELECT sample FROM pooling_audit WHERE application_name = 'lg_audit_priv'), 'SET work_mem = ''5MB''',
          'the same role sees its sample');
RESET ROLE;
GRANT pg_read_all_stats TO lg_audit_bob;
SET LOCAL ROLE lg_audit_bob;
SELECT is((SELECT sample FROM pooling_audit WHERE application_name = 'lg_audit_priv'), 'SET work_mem = ''5MB''',
          'a member of pg_read_all_stats sees the sample');
RESET ROLE;
SELECT dblink_disconnect('lg_alice');

------------------------------------------------------------------------
-- txn_info()
SELECT is((SELECT backend_pid FROM txn_info()), pg_backend_pid(), 'backend_pid');
SELECT is((SELECT in_transaction_block FROM txn_info()), true, 'in_transaction_block in a block');
SELECT is((SELECT xact_start FROM txn_info()), transaction_timestamp(), 'xact_start');
SELECT dblink_connect('lg_tx', 'dbname=' || current_database() || ' host=127.0.0.1 port=' || current_setting('port'));
SELECT is((SELECT s FROM dblink('lg_tx', 'SELECT statements_in_transaction FROM txn_info()') AS t(s int)), 1,
          'a single statement is one statement in its transaction');
SELECT is((SELECT row(x IS NULL, b)::text FROM dblink('lg_tx', 'SELECT xid, in_transaction_block FROM txn_info()') AS t(x xid8, b bool)),
          '(t,f)', 'outside a block: no xid, not in a block');
SELECT dblink_exec('lg_tx', 'BEGIN');
SELECT dblink_exec('lg_tx', 'CREATE TEMP TABLE t (x int) ON COMMIT DROP');
SELECT dblink_exec('lg_tx', 'INSERT INTO t VALUES (1)');
SELECT dblink_exec('lg_tx', 'INSERT INTO t VALUES (2)');
SELECT is((SELECT row(s, b, x IS NOT NULL)::text FROM dblink('lg_tx', 'SELECT statements_in_transaction, in_transaction_block, xid FROM txn_info()') AS t(s int, b bool, x xid8)),
          '(4,t,t)', 'BEGIN; CREATE; INSERT; INSERT; txn_info(): four statements, in a block, with an xid');
SELECT dblink_exec('lg_tx', 'COMMIT');
SELECT is((SELECT s FROM dblink('lg_tx', 'SELECT statements_in_transaction FROM txn_info()') AS t(s int)), 1,
          'the count restarts in the next transaction');
SELECT dblink_disconnect('lg_tx');

------------------------------------------------------------------------
-- enforcement
SET application_name = 'lg_audit_enforce';
SET LOCAL lifeguard.enforce = 'error';
SELECT is(pg_temp.err($$SET work_mem = '1MB'$$),
          '0A000: session-level SET of "work_mem" breaks under transaction pooling (lifeguard hazard "set") | Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default.',
          'enforce = error refuses SET with 0A000 and the hint');
SELECT is(pg_temp.err($$SELECT set_config('search_path', 'public', false)$$),
          '0A000: session-level SET of "search_path" breaks under transaction pooling (lifeguard hazard "set") | Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default.',
          'set_config(..., false) is refused');
SELECT is(pg_temp.err($$SELECT pg_advisory_lock(7)$$),
          '0A000: session-level advisory lock pg_advisory_lock() breaks under transaction pooling (lifeguard hazard "advisory_lock") | Use pg_advisory_xact_lock() or pg_try_advisory_xact_lock() inside a transaction.',
          'pg_advisory_lock is refused');
SELECT is(pg_temp.err($$SELECT pg_try_advisory_lock(7)$$) LIKE '0A000: session-level advisory lock pg_try_advisory_lock() %', true,
          'pg_try_advisory_lock is refused');
SELECT is(pg_temp.err($$PREPARE lg_p3 AS SELECT 1$$),
          '0A000: PREPARE of "lg_p3" breaks under transaction pooling (lifeguard hazard "prepare") | Run the statement directly or as an unnamed statement of the extended protocol; behind PgBouncer 1.21 or later, use protocol-level prepared statements with max_prepared_statements.',
          'PREPARE is refused');
SELECT is(pg_temp.err($$LISTEN lg_c2$$),
          '0A000: LISTEN on channel "lg_c2" breaks under transaction pooling (lifeguard hazard "listen") | LISTEN on a direct, unpooled connection (DIRECT_URL).',
          'LISTEN is refused');
SELECT is(pg_temp.err($$CREATE TEMP TABLE lg_t3 (x int)$$),
          '0A000: temporary table "lg_t3" outlives its transaction and breaks under transaction pooling (lifeguard hazard "temp_table") | Create it inside a transaction with ON COMMIT DROP.',
          'CREATE TEMP TABLE is refused');
SELECT is(pg_temp.err($$DECLARE lg_c3 CURSOR WITH HOLD FOR SELECT 1$$),
          '0A000: cursor "lg_c3" WITH HOLD breaks under transaction pooling (lifeguard hazard "with_hold_cursor") | Declare the cursor without WITH HOLD and fetch from it inside one transaction.',
          'DECLARE ... WITH HOLD is refused');
SELECT is(pg_temp.err($$LOAD 'lifeguard'$$),
          '0A000: LOAD of "lifeguard" breaks under transaction pooling (lifeguard hazard "load") | Load the library for every session with session_preload_libraries or shared_preload_libraries.',
          'LOAD is refused');
SELECT is(pg_temp.err($$SET LOCAL work_mem = '2MB'$$), 'no error', 'SET LOCAL passes under enforce = error');
SELECT is(pg_temp.err($$SELECT pg_advisory_xact_lock(8)$$), 'no error', 'pg_advisory_xact_lock passes');
SELECT is(pg_temp.err($$CREATE TEMP TABLE lg_t4 (x int) ON COMMIT DROP$$), 'no error', 'ON COMMIT DROP passes');
SELECT is(pg_temp.err($$SET application_name = 'lg_audit_enforce'$$), 'no error', 'tracked parameters pass');
SELECT is(pg_temp.audit('lg_audit_enforce'),
          'advisory_lock=2, listen=1, load=1, prepare=1, set=2, temp_table=1, with_hold_cursor=1',
          'refused statements are counted');
SELECT is(split_part(pg_temp.err(format('LISTEN %I', 'lg_c9')), ' | ', 2),
          (SELECT hint FROM pooling_hazard_texts() WHERE hazard = 'listen'),
          'the hint of the refusal is the hazard table''s');
-- what is only analyzed, not run, is neither refused nor counted
SET application_name = 'lg_audit_ddl';
SELECT is(pg_temp.err($$CREATE VIEW lg_v AS SELECT set_config('work_mem', '1MB', false), pg_try_advisory_lock(1)$$),
          'no error', 'CREATE VIEW over set_config(..., false) and pg_try_advisory_lock passes (nothing runs)');
-- (two statements, so the planner cannot inline it: inlined SQL
-- functions are a documented blind spot)
SELECT is(pg_temp.err($$CREATE FUNCTION lg_f() RETURNS text LANGUAGE sql AS 'SELECT 1; SELECT set_config(''work_mem'', ''1MB'', false)'$$),
          'no error', 'CREATE FUNCTION whose SQL body calls set_config(..., false) passes (validated, not run)');
SELECT is(pg_temp.err($$SELECT lg_f()$$),
          '0A000: session-level SET of "work_mem" breaks under transaction pooling (lifeguard hazard "set") | Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default.',
          '... but calling that function is refused');
SET application_name = 'lg_audit_enforce';
-- a Unicode-escaped name does not hide the call
SELECT is(pg_temp.err($$SELECT U&"set\005fconfig"('work_mem', '2MB', false)$$),
          '0A000: session-level SET of "work_mem" breaks under transaction pooling (lifeguard hazard "set") | Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default.',
          'U&"set\005fconfig"(..., false) is refused like set_config');
-- EXPLAIN ANALYZE runs CREATE TEMP TABLE AS; plain EXPLAIN does not
SELECT is(pg_temp.err($$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) CREATE TEMP TABLE lg_t5 AS SELECT 1 AS x$$),
          '0A000: temporary table "lg_t5" outlives its transaction and breaks under transaction pooling (lifeguard hazard "temp_table") | Create it inside a transaction with ON COMMIT DROP.',
          'EXPLAIN ANALYZE CREATE TEMP TABLE AS is refused');
SELECT is(pg_temp.err($$EXPLAIN CREATE TEMP TABLE lg_t6 AS SELECT 1 AS x$$), 'no error',
          'plain EXPLAIN CREATE TEMP TABLE AS passes (nothing is created)');
-- lifeguard's own settings are not hazards: a superuser can turn enforcement off
SELECT is(pg_temp.err($$SET lifeguard.enforce = 'warn'$$), 'no error',
          'SET lifeguard.enforce is not refused under enforce = error');
SET LOCAL lifeguard.enforce = 'error';
SET LOCAL lifeguard.enforce = 'warn';
SELECT is(pg_temp.err($$SET work_mem = '3MB'$$), 'no error', 'enforce = warn lets the statement run');
SET LOCAL lifeguard.enforce = 'off';

-- enforce is superuser-set, per role and database
SET LOCAL ROLE lg_audit_bob;
SELECT is(pg_temp.err($$SET lifeguard.enforce = 'off'$$),
          '42501: permission denied to set parameter "lifeguard.enforce" | ',
          'an ordinary role cannot change lifeguard.enforce');
RESET ROLE;

------------------------------------------------------------------------
-- lifeguard.tracked_parameters: what the pooler tracks and restores
SET application_name = 'lg_audit_tracked';
SELECT is(current_setting('lifeguard.tracked_parameters'),
          'client_encoding, DateStyle, TimeZone, standard_conforming_strings, application_name',
          'tracked_parameters defaults to what every PgBouncer since 1.18 tracks');
SELECT is((SELECT context FROM pg_settings WHERE name = 'lifeguard.tracked_parameters'), 'superuser',
          'lifeguard.tracked_parameters is superuser-set');
SET IntervalStyle = 'iso_8601';
SET SEARCH_PATH = public;
SELECT is(pg_temp.audit('lg_audit_tracked'), 'set=2',
          'by default IntervalStyle (tracked only by PgBouncer 1.20+) and search_path are hazards');
-- PgBouncer 1.20+ with track_extra_parameters = IntervalStyle, search_path
SET LOCAL lifeguard.tracked_parameters = 'client_encoding, DateStyle, TimeZone, standard_conforming_strings, application_name, intervalstyle, "Search_Path"';
SET IntervalStyle = 'sql_standard';
SET search_path = public;
SELECT set_config('SEARCH_PATH', 'public', false);
SET TimeZone = 'UTC';
-- PgBouncer's own restoring SET: several in one query, names as it spells them
SELECT dblink_connect('lg_tp', 'dbname=' || current_database() || ' host=127.0.0.1 port=' || current_setting('port'));
SELECT dblink_exec('lg_tp', $$SET lifeguard.tracked_parameters = 'DateStyle, application_name, search_path'; SET application_name = 'lg_audit_tracked'$$);
SELECT dblink_exec('lg_tp', $$SET DateStyle='ISO, MDY';SET search_path='"$user", public';SET application_name='lg_audit_tracked';$$);
SELECT is(pg_temp.audit('lg_audit_tracked'), 'set=2',
          'a listed parameter is not a hazard, in any case, quoted or not, whoever sets it');
SELECT is((SELECT count(*)::int FROM session_pooling_hazards() WHERE object IN ('IntervalStyle', 'search_path', 'TimeZone')), 0,
          'session_pooling_hazards() does not list tracked parameters');
SELECT dblink_exec('lg_tp', $$SET lifeguard.tracked_parameters = ''; SET TimeZone = 'Asia/Tokyo'$$);
SELECT dblink_disconnect('lg_tp');
SELECT is(pg_temp.audit('lg_audit_tracked'), 'set=3', 'an empty list tracks nothing: every session-level SET is a hazard');
SELECT is(pg_temp.err($$SET lifeguard.tracked_parameters = 'TimeZone,,DateStyle'$$),
          '22023: invalid value for parameter "lifeguard.tracked_parameters": "TimeZone,,DateStyle" | Give a comma-separated list of parameter names, for example "client_encoding, DateStyle, TimeZone, standard_conforming_strings, application_name".',
          'a malformed list is refused with 22023 and a hint');
SELECT is(pg_temp.err($$SET lifeguard.tracked_parameters = '"TimeZone'$$) LIKE '22023: invalid value for parameter "lifeguard.tracked_parameters"%', true,
          'an unterminated quote is refused');
SET LOCAL ROLE lg_audit_bob;
SELECT is(pg_temp.err($$SET lifeguard.tracked_parameters = 'work_mem'$$),
          '42501: permission denied to set parameter "lifeguard.tracked_parameters" | ',
          'an ordinary role cannot change lifeguard.tracked_parameters');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

DROP ROLE lg_audit_alice;
DROP ROLE lg_audit_bob;
