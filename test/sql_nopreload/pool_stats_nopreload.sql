-- pool_stats without shared_preload_libraries: there is no shared table,
-- so its functions refuse with SQLSTATE 55000 and a hint, and the settings
-- that need preloading are not defined.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(4);

CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; hint text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN st || ': ' || msg || ' | ' || coalesce(hint, '');
END $$;

SELECT is(pg_temp.err('SELECT * FROM pool_stats'),
          '55000: pool_stats() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          'pool_stats: 55000 with the hint');
SELECT is(pg_temp.err('SELECT * FROM pool_stats_info()'),
          '55000: pool_stats_info() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          'pool_stats_info(): 55000 with the hint');
SELECT is(pg_temp.err('SELECT pool_stats_reset()'),
          '55000: pool_stats_reset() requires lifeguard to be loaded via shared_preload_libraries | Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.',
          'pool_stats_reset(): 55000 with the hint');
SELECT is(current_setting('lifeguard.stats', true) || current_setting('lifeguard.stats_max_entries', true)
          || current_setting('lifeguard.stats_save', true), NULL,
          'lifeguard.stats, stats_max_entries and stats_save need preloading');

SELECT * FROM finish();
ROLLBACK;
