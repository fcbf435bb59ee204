-- Transaction-pooling audit without shared_preload_libraries: the shared
-- table's functions refuse with 55000 and a hint, session_pooling_hazards()
-- and txn_info() still work.  test/harness.sh also runs this file against
-- the portable edition (a cluster without the C library), which has no
-- pooling audit at all: the intended difference is checked under \if.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT * FROM no_plan();

CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; hint text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN st || ': ' || msg || ' | ' || coalesce(hint, '');
END $$;

-- the edition under test
SELECT to_regproc('lifeguard_portable_version') IS NOT NULL AS portable \gset

SELECT is(current_setting('shared_preload_libraries'), '', 'this cluster does not preload lifeguard');
\if :portable
-- intended difference: the portable edition has no pooling audit (it needs
-- the server's hooks), so none of its objects exists
SELECT hasnt_view('pooling_audit', 'portable edition: no pooling_audit view');
SELECT hasnt_function('pooling_audit_info', 'portable edition: no pooling_audit_info()');
SELECT hasnt_function('pooling_audit_reset', 'portable edition: no pooling_audit_reset()');
\else
SELECT is(pg_temp.err('SELECT * FROM pooling_audit'),
          '55000: pooling_audit() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          'pooling_audit: 55000 with the hint');
SELECT is(pg_temp.err('SELECT * FROM pooling_audit_info()'),
          '55000: pooling_audit_info() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          'pooling_audit_info: 55000 with the hint');
SELECT is(pg_temp.err('SELECT pooling_audit_reset()'),
          '55000: pooling_audit_reset() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          'pooling_audit_reset: 55000 with the hint');
\endif

SET work_mem = '6MB';
SELECT pg_advisory_lock(77);
SELECT is((SELECT string_agg(hazard || ':' || object, ', ' ORDER BY hazard, object)
             FROM session_pooling_hazards() WHERE object NOT LIKE '\_\_%'),
          'advisory_lock:77, set:work_mem',
          'session_pooling_hazards() works without preloading');
SELECT pg_advisory_unlock(77);

SELECT is((SELECT row(backend_pid = pg_backend_pid(), in_transaction_block, statements_in_transaction IS NULL)::text FROM txn_info()),
          '(t,t,t)', 'txn_info() works; statements_in_transaction is NULL without preloading');

SELECT * FROM finish();
ROLLBACK;
