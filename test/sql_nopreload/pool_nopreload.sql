-- Pool visibility without shared_preload_libraries: pool_usage and
-- pool_headroom() read the server's backend status, which needs no
-- preloading (test/sql/pool_usage.sql checks them in depth).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET application_name = 'lg_t_nopreload';
BEGIN;
SELECT * FROM no_plan();

SELECT is((SELECT connections FROM pool_usage WHERE application_name = 'lg_t_nopreload'), 1,
	'without preloading: pool_usage counts this session under its application_name');
SELECT ok((SELECT in_use > 0 AND available >= 0 FROM pool_headroom()),
	'without preloading: pool_headroom() reports connections in use');

SELECT * FROM finish();
ROLLBACK;
