#!/usr/bin/env bash
# test/demo.d/20_pool.sh: pool visibility.  Three simulated application
# pools connect as role "shop" (dblink sessions from one psql): checkout-prod
# with idle connections and one idle in transaction that holds a row lock,
# billing-worker-prod with a running query and one waiting for that lock,
# reports-staging idle.  Then pool_usage, pool_headroom() and a
# pool_capacity() that does not fit.  Everything it made is removed at the end.
set -euo pipefail

printf '\n\033[1m== Pool visibility: pool_usage, pool_headroom(), pool_capacity(), pool_stats\033[0m\n\n'

psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off <<'SQL'
\o /dev/null
SELECT pool_stats_reset();
CREATE ROLE shop LOGIN CONNECTION LIMIT 40;
CREATE ROLE shop_cron LOGIN CONNECTION LIMIT 1;
CREATE TABLE demo_orders (id int PRIMARY KEY, status text);
INSERT INTO demo_orders VALUES (1, 'new'), (2, 'new');
GRANT ALL ON demo_orders TO shop;

CREATE FUNCTION pg_temp.open(name text, app text) RETURNS text LANGUAGE sql AS $$
	SELECT dblink_connect(name, format('host=127.0.0.1 port=%s dbname=%s user=shop application_name=%s',
	                                   current_setting('port'), current_database(), app))
$$;
-- checkout-prod: 4 idle, 1 idle in transaction holding the lock on order 1
SELECT pg_temp.open('checkout' || i, 'checkout-prod') FROM generate_series(1, 5) i;
SELECT dblink_exec('checkout5', 'BEGIN');
SELECT dblink_exec('checkout5', 'UPDATE demo_orders SET status = ''paid'' WHERE id = 1');
-- billing-worker-prod: 1 running, 1 waiting for order 1, 1 idle
SELECT pg_temp.open('billing' || i, 'billing-worker-prod') FROM generate_series(1, 3) i;
SELECT dblink_send_query('billing1', 'SELECT pg_sleep(30)');
SELECT dblink_send_query('billing2', 'UPDATE demo_orders SET status = ''billed'' WHERE id = 1');
-- reports-staging: 2 idle
SELECT pg_temp.open('reports' || i, 'reports-staging') FROM generate_series(1, 2) i;
DO $$
BEGIN
	FOR i IN 1..200 LOOP
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN EXISTS (SELECT FROM pg_stat_activity
		                   WHERE application_name = 'billing-worker-prod' AND wait_event_type = 'Lock');
		PERFORM pg_sleep(0.05);
	END LOOP;
END $$;
SELECT pg_sleep(1.5);
\o

\echo '-- three application pools, as the server sees them'
\set ECHO queries
SELECT application_name, role, client_addr, connections, active, idle,
       idle_in_transaction AS idle_in_tx, waiting,
       date_trunc('second', oldest_xact_age) AS oldest_xact,
       date_trunc('second', longest_idle_in_transaction) AS longest_idle_in_tx,
       date_trunc('second', longest_query) AS longest_query
  FROM pool_usage
 WHERE role = 'shop'
 ORDER BY application_name;
\echo
\echo '-- which application holds connections idle in transaction for more than a second?'
SELECT application_name, idle_in_transaction, longest_idle_in_transaction
  FROM pool_usage
 WHERE longest_idle_in_transaction > interval '1 second';
\echo
\echo '-- how many connection slots are left for roles without SUPERUSER?'
SELECT * FROM pool_headroom();

\echo
\echo '-- do 3 instances with a pool of 20 fit, as role shop (CONNECTION LIMIT 40, 10 held)?'
SELECT * FROM pool_capacity(3, 20, 'shop');
\set ECHO none

\o /dev/null
-- nightly-cron, as role shop_cron (CONNECTION LIMIT 1): its second and third connections are refused
SELECT dblink_connect('cron1', format('host=127.0.0.1 port=%s dbname=%s user=shop_cron application_name=nightly-cron',
                                      current_setting('port'), current_database()));
DO $$
BEGIN
	FOR i IN 1..2 LOOP
		BEGIN
			PERFORM dblink_connect('cron_extra', format('host=127.0.0.1 port=%s dbname=%s user=shop_cron application_name=nightly-cron',
			                                            current_setting('port'), current_database()));
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END LOOP;
END $$;
SELECT pg_sleep(0.5);
\o
\echo
\echo '-- what each pool did since the reset: peak, sessions, refusals (pool_stats; docs/pool-stats.md)'
\set ECHO queries
SELECT application_name, role, connections, peak_connections AS peak, sessions_opened AS opened,
       refused_role_limit AS refused_role_limit, commits
  FROM pool_stats
 WHERE role IN ('shop', 'shop_cron')
 ORDER BY application_name;
\set ECHO none

\o /dev/null
SELECT dblink_cancel_query('billing1');
SELECT dblink_exec('checkout5', 'ROLLBACK');
SELECT dblink_disconnect(c) FROM unnest(dblink_get_connections()) c;
DO $$
BEGIN
	FOR i IN 1..200 LOOP
		EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE usename IN ('shop', 'shop_cron'));
		PERFORM pg_sleep(0.05);
		PERFORM pg_stat_clear_snapshot();
	END LOOP;
END $$;
DROP TABLE demo_orders;
DROP ROLE shop;
DROP ROLE shop_cron;
SQL
