-- pool_capacity(): the truth table of doc/pool.md against real sessions,
-- role and database connection limits, and bad input.
--
-- "held" connections are client backends other than the calling session;
-- every expectation below is computed from pg_stat_activity in the same
-- snapshot, never hard-coded to the cluster's current load.  A role and a
-- database with sessions of their own must be committed: an autocommit
-- dblink session creates them, and they are dropped after the ROLLBACK.  Connection limits
-- are changed inside this file's transaction (pool_capacity reads them
-- through the catalog of the calling transaction) and rolled back.
\ir ../lib/pgtap_helpers.sql

BEGIN;
SELECT plan(48);

-- pool_capacity as one line of text
CREATE FUNCTION pg_temp.cap(instances int, pool_max int, r name, d name DEFAULT current_database())
RETURNS text LANGUAGE sql AS $$
	SELECT format('fits=%s needed=%s available=%s limited_by=%s suggested=%s',
	              fits::text, needed, available, limited_by, suggested_pool_max)
	  FROM pool_capacity(instances, pool_max, r, d)
$$;

-- what the truth table expects: the smallest limit, computed from the
-- settings and pg_stat_activity (client backends other than this session)
CREATE FUNCTION pg_temp.expect(instances int, pool_max int, r name, d name DEFAULT current_database())
RETURNS text LANGUAGE sql AS $$
	WITH held AS (
		SELECT count(*) AS total,
		       count(*) FILTER (WHERE usename = r) AS of_role,
		       count(*) FILTER (WHERE datname = d) AS of_db
		  FROM pg_stat_activity
		 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),
	rl AS (SELECT rolsuper, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = r),
	dl AS (SELECT datallowconn, datconnlimit FROM pg_database WHERE datname = d),
	limits AS (
		SELECT 3 AS rank, 'max_connections' AS name,
		       current_setting('max_connections')::int - held.total
		       - CASE WHEN rl.rolsuper THEN 0
		              ELSE current_setting('superuser_reserved_connections')::int END AS n
		  FROM held, rl
		UNION ALL
		SELECT 2, 'database connection limit',
		       CASE WHEN NOT dl.datallowconn THEN 0 ELSE dl.datconnlimit - held.of_db END
		  FROM held, rl, dl
		 WHERE NOT dl.datallowconn OR (NOT rl.rolsuper AND dl.datconnlimit >= 0)
		UNION ALL
		SELECT 1, 'role connection limit',
		       CASE WHEN NOT rl.rolcanlogin THEN 0 ELSE rl.rolconnlimit - held.of_role END
		  FROM held, rl
		 WHERE NOT rl.rolcanlogin OR (NOT rl.rolsuper AND rl.rolconnlimit >= 0)),
	best AS (SELECT greatest(n, 0) AS n, name FROM limits ORDER BY n, rank LIMIT 1)
	SELECT format('fits=%s needed=%s available=%s limited_by=%s suggested=%s',
	              (instances * pool_max <= n)::text, instances * pool_max, n, name, n / instances)
	  FROM best
$$;

------------------------------------------------------------------------
-- the documented signature (docs/sql.md)
SELECT has_function('pool_capacity', ARRAY['integer', 'integer', 'name', 'name']);
SELECT is(
	(SELECT pg_get_function_arguments('pool_capacity(integer, integer, name, name)'::regprocedure)),
	'instances integer, pool_max integer, role name DEFAULT CURRENT_USER, database name DEFAULT current_database(), '
	'OUT fits boolean, OUT needed integer, OUT available integer, OUT limited_by text, OUT suggested_pool_max integer',
	'pool_capacity has the signature of docs/sql.md');
SELECT ok(NOT (SELECT prosecdef FROM pg_proc WHERE oid = 'pool_capacity(integer, integer, name, name)'::regprocedure),
	'pool_capacity is not SECURITY DEFINER');

------------------------------------------------------------------------
-- bad input
SELECT is(pg_temp.err(sql), want, name)
  FROM (VALUES
	('SELECT * FROM pool_capacity(0, 10)',
	 '22023: invalid number of instances: 0 | The number of application instances, each with its own pool, must be at least 1. | ',
	 'instances 0'),
	('SELECT * FROM pool_capacity(-3, 10)',
	 '22023: invalid number of instances: -3 | The number of application instances, each with its own pool, must be at least 1. | ',
	 'instances -3'),
	('SELECT * FROM pool_capacity(2, 0)',
	 '22023: invalid pool size: 0 | The largest number of connections in one instance''s pool must be at least 1. | ',
	 'pool_max 0'),
	('SELECT * FROM pool_capacity(2, -1)',
	 '22023: invalid pool size: -1 | The largest number of connections in one instance''s pool must be at least 1. | ',
	 'pool_max -1'),
	('SELECT * FROM pool_capacity(100000, 100000)',
	 '22003: instances * pool_max is out of range for type integer | 100000 instances with a pool of 100000 connections each need more than 2147483647 connections. | ',
	 'instances * pool_max overflows'),
	($$SELECT * FROM pool_capacity(2, 10, 'lg_t_no_such_role')$$,
	 '42704: role "lg_t_no_such_role" does not exist |  | Pass the role the application''s pools connect as.',
	 'unknown role'),
	($$SELECT * FROM pool_capacity(2, 10, current_user, 'lg_t_no_such_db')$$,
	 '42704: database "lg_t_no_such_db" does not exist |  | Pass the database the application''s pools connect to.',
	 'unknown database'),
	('SELECT * FROM pool_capacity(NULL, 10)',
	 '22004: instances must not be null |  | ',
	 'NULL instances'),
	('SELECT * FROM pool_capacity(1, NULL)',
	 '22004: pool_max must not be null |  | ',
	 'NULL pool_max'),
	('SELECT * FROM pool_capacity(1, 1, NULL)',
	 '22004: role must not be null |  | Omit role or database to use the current ones.',
	 'NULL role'),
	('SELECT * FROM pool_capacity(1, 1, current_user, NULL)',
	 '22004: database must not be null |  | Omit role or database to use the current ones.',
	 'NULL database')
) AS t(sql, want, name);

------------------------------------------------------------------------
-- set-up: a role and a database with sessions of their own
SELECT ok(pg_temp.end_sessions('lg\_c\_%'), 'no sessions of an earlier run are left');
SELECT dblink_connect('lg_admin', pg_temp.conninfo('postgres', 'lg_c_admin'));
SELECT dblink_exec('lg_admin', 'DROP DATABASE IF EXISTS lg_c_db');
SELECT dblink_exec('lg_admin', 'DROP ROLE IF EXISTS lg_c_app');
SELECT dblink_exec('lg_admin', 'CREATE ROLE lg_c_app LOGIN');
SELECT dblink_exec('lg_admin', 'CREATE DATABASE lg_c_db');

-- lg_c_app holds 2 connections here and 1 in lg_c_db; postgres holds 1 more in lg_c_db
SELECT dblink_connect('app1', pg_temp.conninfo('lg_c_app', 'lg_c_app'));
SELECT dblink_connect('app2', pg_temp.conninfo('lg_c_app', 'lg_c_app'));
SELECT dblink_connect('app3', pg_temp.conninfo('lg_c_app', 'lg_c_app', 'lg_c_db'));
SELECT dblink_connect('other1', pg_temp.conninfo('postgres', 'lg_c_other', 'lg_c_db'));
SELECT pg_stat_clear_snapshot();
SELECT is((SELECT count(*)::int FROM pg_stat_activity WHERE application_name IN ('lg_c_app', 'lg_c_other')), 4,
	'four sessions are connected');

-- fixed roles for the cases that need no sessions
CREATE ROLE lg_c_nologin NOLOGIN;
CREATE ROLE lg_c_super SUPERUSER LOGIN CONNECTION LIMIT 1;

------------------------------------------------------------------------
-- the truth table: each case against the expectation computed in SQL,
-- plus a hand-checked value where the case fixes one
SELECT pg_stat_clear_snapshot();

-- no role or database limit: max_connections less the superuser slots
SELECT is(pg_temp.cap(2, 10, 'lg_c_app'), pg_temp.expect(2, 10, 'lg_c_app'), 'no limits');
SELECT is((SELECT limited_by FROM pool_capacity(2, 10, 'lg_c_app')), 'max_connections', 'no limits: max_connections');
SELECT is((SELECT available FROM pool_capacity(1, 1, 'lg_c_app')),
          current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
          - (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),
	'no limits: available = max_connections - superuser_reserved_connections - held');
-- a superuser may use the reserved slots
SELECT is((SELECT available FROM pool_capacity(1, 1, 'postgres')),
          current_setting('max_connections')::int
          - (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),
	'superuser: available = max_connections - held');
SELECT is(pg_temp.cap(1, 1, 'postgres'), pg_temp.expect(1, 1, 'postgres'), 'superuser');
-- the defaults are current_user and current_database()
SELECT is(pg_temp.cap(3, 5, current_user), (SELECT format('fits=%s needed=%s available=%s limited_by=%s suggested=%s',
                                                         fits::text, needed, available, limited_by, suggested_pool_max)
                                             FROM pool_capacity(3, 5)),
	'defaults: current_user, current_database()');
-- more than max_connections: does not fit, with the largest pool that would
SELECT is(pg_temp.cap(7, 100, 'lg_c_app'), pg_temp.expect(7, 100, 'lg_c_app'), 'too many for max_connections');
SELECT is((SELECT format('%s %s', fits::text, (suggested_pool_max * 7 <= available AND (suggested_pool_max + 1) * 7 > available)::text)
             FROM pool_capacity(7, 100, 'lg_c_app')),
	'false true', 'too many: suggested_pool_max is the largest that fits');

-- the role's limit counts the role's connections in every database (3)
ALTER ROLE lg_c_app CONNECTION LIMIT 10;
SELECT is(pg_temp.cap(2, 3, 'lg_c_app'), 'fits=true needed=6 available=7 limited_by=role connection limit suggested=3',
	'role limit 10, 3 held: 6 fit');
SELECT is(pg_temp.cap(2, 4, 'lg_c_app'), 'fits=false needed=8 available=7 limited_by=role connection limit suggested=3',
	'role limit 10, 3 held: 8 do not fit');
SELECT is(pg_temp.cap(1, 7, 'lg_c_app'), 'fits=true needed=7 available=7 limited_by=role connection limit suggested=7',
	'role limit: exactly available fits');
SELECT is(pg_temp.cap(2, 4, 'lg_c_app'), pg_temp.expect(2, 4, 'lg_c_app'), 'role limit: as computed in SQL');
ALTER ROLE lg_c_app CONNECTION LIMIT 2;
SELECT is(pg_temp.cap(3, 1, 'lg_c_app'), 'fits=false needed=3 available=0 limited_by=role connection limit suggested=0',
	'role limit below what it holds: nothing available');
ALTER ROLE lg_c_app CONNECTION LIMIT 0;
SELECT is(pg_temp.cap(1, 1, 'lg_c_app'), 'fits=false needed=1 available=0 limited_by=role connection limit suggested=0',
	'role limit 0');
ALTER ROLE lg_c_app CONNECTION LIMIT -1;
SELECT is((SELECT limited_by FROM pool_capacity(1, 1, 'lg_c_app')), 'max_connections', 'role limit -1: no limit');
-- a superuser's limit does not apply; a role without LOGIN has none to use
SELECT is(pg_temp.cap(2, 2, 'lg_c_super'), pg_temp.expect(2, 2, 'lg_c_super'), 'superuser with a limit');
SELECT is((SELECT limited_by FROM pool_capacity(2, 2, 'lg_c_super')), 'max_connections', 'superuser: its limit is ignored');
SELECT is(pg_temp.cap(1, 1, 'lg_c_nologin'), 'fits=false needed=1 available=0 limited_by=role connection limit suggested=0',
	'NOLOGIN role: nothing available');

-- the database's limit counts every role's connections in it (2)
ALTER DATABASE lg_c_db CONNECTION LIMIT 7;
SELECT is(pg_temp.cap(5, 1, 'lg_c_app', 'lg_c_db'), 'fits=true needed=5 available=5 limited_by=database connection limit suggested=1',
	'database limit 7, 2 held: 5 instances of 1 fit');
SELECT is(pg_temp.cap(2, 3, 'lg_c_app', 'lg_c_db'), 'fits=false needed=6 available=5 limited_by=database connection limit suggested=2',
	'database limit 7, 2 held: 6 do not fit');
SELECT is(pg_temp.cap(2, 3, 'lg_c_app', 'lg_c_db'), pg_temp.expect(2, 3, 'lg_c_app', 'lg_c_db'), 'database limit: as computed in SQL');
SELECT is((SELECT limited_by FROM pool_capacity(2, 3, 'lg_c_app')), 'max_connections',
	'another database''s limit does not apply');
SELECT is((SELECT limited_by FROM pool_capacity(2, 3, 'postgres', 'lg_c_db')), 'max_connections',
	'a superuser is not held to the database limit');
-- both limits: the smaller wins; on a tie the role's
ALTER ROLE lg_c_app CONNECTION LIMIT 5;
SELECT is(pg_temp.cap(1, 1, 'lg_c_app', 'lg_c_db'), 'fits=true needed=1 available=2 limited_by=role connection limit suggested=2',
	'role limit 5 (2 left) under database limit 7 (5 left): role');
ALTER ROLE lg_c_app CONNECTION LIMIT 20;
SELECT is(pg_temp.cap(1, 1, 'lg_c_app', 'lg_c_db'), 'fits=true needed=1 available=5 limited_by=database connection limit suggested=5',
	'role limit 20 (17 left) over database limit 7 (5 left): database');
ALTER ROLE lg_c_app CONNECTION LIMIT 8;
SELECT is(pg_temp.cap(1, 1, 'lg_c_app', 'lg_c_db'), 'fits=true needed=1 available=5 limited_by=role connection limit suggested=5',
	'role and database both leave 5: role');
SELECT is(pg_temp.cap(1, 1, 'lg_c_app', 'lg_c_db'), pg_temp.expect(1, 1, 'lg_c_app', 'lg_c_db'), 'tie: as computed in SQL');
ALTER ROLE lg_c_app CONNECTION LIMIT -1;
-- a database that does not allow connections
SELECT is(pg_temp.cap(1, 1, 'lg_c_app', 'template0'), 'fits=false needed=1 available=0 limited_by=database connection limit suggested=0',
	'template0 (ALLOW_CONNECTIONS false): nothing available');
SELECT is(pg_temp.cap(1, 1, 'postgres', 'template0'), 'fits=false needed=1 available=0 limited_by=database connection limit suggested=0',
	'template0: not for a superuser either');

-- the calling session is not held: a limit on this database of its client
-- backends, this session included, leaves exactly one connection
SELECT pg_stat_clear_snapshot();
SELECT format('ALTER DATABASE %I CONNECTION LIMIT %s', current_database(),
              (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                 AND backend_type = 'client backend')) \gexec
SELECT is(pg_temp.cap(1, 1, 'lg_c_app'), 'fits=true needed=1 available=1 limited_by=database connection limit suggested=1',
	'the calling session does not count as held');
SELECT format('ALTER DATABASE %I CONNECTION LIMIT -1', current_database()) \gexec

-- held connections change with the sessions: close one of lg_c_app's
ALTER ROLE lg_c_app CONNECTION LIMIT 10;
SELECT dblink_disconnect('app1');
SELECT ok(pg_temp.wait_until($$SELECT count(*) = 2 FROM pg_stat_activity WHERE usename = 'lg_c_app'$$),
	'one session of lg_c_app ended');
SELECT is(pg_temp.cap(2, 4, 'lg_c_app'), 'fits=true needed=8 available=8 limited_by=role connection limit suggested=4',
	'role limit 10, 2 held: 8 fit');
ALTER ROLE lg_c_app CONNECTION LIMIT -1;

SELECT dblink_disconnect(c) FROM unnest(ARRAY['app2', 'app3', 'other1', 'lg_admin']) c;

SELECT * FROM finish();
ROLLBACK;

-- clean up what the autocommit session made, once this transaction (which
-- altered them) is over
DROP DATABASE lg_c_db WITH (FORCE);
DROP ROLE lg_c_app;
