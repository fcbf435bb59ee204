-- Transaction-pooling audit without shared_preload_libraries: the shared
-- table's functions refuse with 55000 and a hint, session_pooling_hazards()
-- and txn_info() still work.  test/harness.sh also runs this file against
-- the portable edition (a cluster without the C library), which has no
-- pooling audit at all: the intended difference is checked under \if.
\set err_fields hint
\ir ../lib/pgtap_helpers.sql

BEGIN;
-- the edition under test, and the plan in it: 5 tests in both, 3 in
-- either branch of the first \if :portable, 2 in the second's C branch
SELECT to_regproc('lifeguard_portable_version') IS NOT NULL AS portable \gset
SELECT plan(5 + 3 + CASE WHEN :'portable'::boolean THEN 0 ELSE 2 END);

SELECT is(current_setting('shared_preload_libraries'), '', 'this cluster does not preload lifeguard');
\if :portable
-- intended difference: the portable edition has no pooling audit (it needs
-- the server's hooks), so none of its objects exists
SELECT hasnt_view('pooling_audit', 'portable edition: no pooling_audit view');
SELECT hasnt_function('pooling_audit_info', 'portable edition: no pooling_audit_info()');
SELECT hasnt_function('pooling_audit_reset', 'portable edition: no pooling_audit_reset()');
\else
SELECT is(pg_temp.err(sql),
          '55000: ' || f || '() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          f || ': 55000 with the hint')
  FROM (VALUES ('SELECT * FROM pooling_audit', 'pooling_audit'),
               ('SELECT * FROM pooling_audit_info()', 'pooling_audit_info'),
               ('SELECT pooling_audit_reset()', 'pooling_audit_reset')) AS t(sql, f);
\endif

SET work_mem = '6MB';
SELECT pg_advisory_lock(77);
SELECT is((SELECT string_agg(hazard || ':' || object, ', ' ORDER BY hazard, object)
             FROM pg_temp.session_hazards()),
          'advisory_lock:77, set:work_mem',
          'session_pooling_hazards() works without preloading');
SELECT pg_advisory_unlock(77);

-- lifeguard.tracked_parameters: its default (in the portable edition, where
-- no library defines the setting, the default the script was built with),
-- then a value set as a placeholder would be by ALTER DATABASE ... SET
SET application_name = 'lg_np'; SET TimeZone = 'UTC'; SET IntervalStyle = 'iso_8601';
SELECT is((SELECT string_agg(object, ', ' ORDER BY lower(object))
             FROM session_pooling_hazards() WHERE hazard = 'set'),
          'IntervalStyle, work_mem',
          'the lifeguard.tracked_parameters default: application_name and TimeZone are no hazard');
SET LOCAL lifeguard.tracked_parameters = 'work_mem , "IntervalStyle"';
SELECT is((SELECT string_agg(object, ', ' ORDER BY lower(object))
             FROM session_pooling_hazards() WHERE hazard = 'set'),
          'application_name, TimeZone',
          'lifeguard.tracked_parameters when set: its names, trimmed, case-insensitively');

SELECT is((SELECT row(backend_pid = pg_backend_pid(), in_transaction_block, statements_in_transaction IS NULL)::text FROM txn_info()),
          '(t,t,t)', 'txn_info() works; statements_in_transaction is NULL without preloading');

-- enforcement, with its commit-time check, works in a session that loads
-- lifeguard without preloading (here by session_preload_libraries);
-- intended difference: the portable edition has no enforcement (no library
-- to load)
\if :portable
\else
SELECT dblink_connect('np', format('dbname=%s host=127.0.0.1 port=%s options=''-c session_preload_libraries=lifeguard -c lifeguard.enforce=error''',
                                   current_database(), current_setting('port')));
SELECT dblink_exec('np', 'CREATE TABLE lg_np_t (id int, k text DEFAULT pg_advisory_lock(111)::text)');
SELECT is((SELECT r FROM (SELECT pg_temp.err($$SELECT dblink_exec('np', 'INSERT INTO lg_np_t (id) VALUES (1)')$$) AS r) s),
          '0A000: session-level advisory lock pg_advisory_lock() breaks under transaction pooling (lifeguard hazard "advisory_lock") | Use pg_advisory_xact_lock() or pg_try_advisory_xact_lock() inside a transaction.',
          'without preloading, a hidden session advisory lock is refused at commit');
SELECT is((SELECT n FROM dblink('np', $$SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()$$) AS t(n int)),
          0, '... and no lock is left');
SELECT dblink_exec('np', 'DROP TABLE lg_np_t');
SELECT dblink_disconnect('np');
\endif

SELECT * FROM finish();
ROLLBACK;
