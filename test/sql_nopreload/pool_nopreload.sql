-- Pool visibility without shared_preload_libraries: pool_usage and
-- pool_headroom() read the server's backend status, which needs no
-- preloading (test/sql/pool_usage.sql checks them in depth).
\ir ../lib/pgtap_helpers.sql

SET application_name = 'lg_t_nopreload';
BEGIN;
SELECT plan(2);

SELECT is((SELECT connections FROM pool_usage WHERE application_name = 'lg_t_nopreload'), 1,
	'without preloading: pool_usage counts this session under its application_name');
SELECT ok((SELECT in_use > 0 AND available >= 0 FROM pool_headroom()),
	'without preloading: pool_headroom() reports connections in use');

SELECT * FROM finish();
ROLLBACK;
