-- Enforcement that cannot be walked around (lifeguard.enforce = error):
-- every way of leaving session state is refused, at the statement or at
-- commit; a refused transaction leaves nothing behind; safe statements
-- pass; pooling_audit counts each refusal once, per application.
--
-- The refusals at commit need real commits, so they run in other sessions
-- (dblink) as lg_enf_user, whose lifeguard.enforce is "error" (ALTER ROLE;
-- an ordinary role also makes row-level security apply).  The objects
-- they use live in schema lg_enf, owned by that role.
\ir ../lib/pgtap_helpers.sql

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS lg_enf CASCADE;
DROP ROLE IF EXISTS lg_enf_user;
CREATE ROLE lg_enf_user LOGIN;
ALTER ROLE lg_enf_user SET lifeguard.enforce = error;
CREATE SCHEMA lg_enf AUTHORIZATION lg_enf_user;
RESET client_min_messages;

BEGIN;
SELECT plan(49);
SELECT pooling_audit_reset();

-- a connection: as lg_enf_user (enforce = error) or, with options, as postgres
CREATE FUNCTION pg_temp.conn(name text, app text, extra text DEFAULT 'user=lg_enf_user') RETURNS text
LANGUAGE sql AS $$
	SELECT dblink_connect(name, format('dbname=%s host=127.0.0.1 port=%s application_name=%s %s',
	                                   current_database(), current_setting('port'), app, extra))
$$;

-- run sql on a connection: 'ok', or SQLSTATE: message (a SELECT is run
-- as a subquery whose every column is used, as dblink_exec takes no rows)
CREATE FUNCTION pg_temp.run(conn text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
	IF sql ~* '^\s*SELECT' AND sql !~* '\mINTO\M' THEN
		PERFORM * FROM dblink(conn, format('SELECT s::text FROM (%s) s', sql)) AS t(x text);
	ELSE
		PERFORM dblink_exec(conn, sql);
	END IF;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ': ' || msg;
END $$;

-- a transaction on a connection: BEGIN, the statements, then COMMIT (or
-- what is given); the result of the last step
CREATE FUNCTION pg_temp.txn(conn text, stmts text[], finish text DEFAULT 'COMMIT') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text; s text;
BEGIN
	r := pg_temp.run(conn, 'BEGIN');
	FOREACH s IN ARRAY stmts LOOP
		r := pg_temp.run(conn, s);
		IF r <> 'ok' THEN
			PERFORM pg_temp.run(conn, 'ROLLBACK');
			RETURN 'statement ' || r;
		END IF;
	END LOOP;
	r := pg_temp.run(conn, finish);
	IF r <> 'ok' THEN
		RETURN 'commit ' || r;
	END IF;
	RETURN 'committed';
END $$;

-- the session state of a connection that a refused transaction must not leave
CREATE FUNCTION pg_temp.state(conn text) RETURNS text LANGUAGE sql AS $$
	SELECT s FROM dblink(conn, $q$
		SELECT concat_ws(' ',
			'locks=' || (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
			'prepared=' || (SELECT count(*) FROM pg_prepared_statements),
			'temp=' || (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema())
			         + (SELECT count(*) FROM pg_type WHERE typnamespace = pg_my_temp_schema())
			         + (SELECT count(*) FROM pg_proc WHERE pronamespace = pg_my_temp_schema()),
			'listen=' || (SELECT count(*) FROM pg_listening_channels()),
			'cursors=' || (SELECT count(*) FROM pg_cursors),
			'work_mem=' || current_setting('work_mem'),
			'hazards=' || (SELECT count(*) FROM session_pooling_hazards()))
	$q$) AS t(s text)
$$;

-- the refusal of a temporary object of a kind (table, view, ...)
CREATE FUNCTION pg_temp.temp_refused(kind text, obj text) RETURNS text LANGUAGE sql AS $$
	SELECT format('0A000: temporary %s "%s" outlives its transaction and breaks under transaction pooling (lifeguard hazard "temp_table")',
	              kind, obj)
$$;

CREATE FUNCTION pg_temp.audit(app text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
	  FROM pooling_audit WHERE application_name = app AND database = current_database()
$$;

------------------------------------------------------------------------
-- the objects (created and committed by lg_enf_user itself)
SELECT pg_temp.conn('setup', 'lg_enf_setup');
SELECT is(pg_temp.run('setup', $$
	CREATE TABLE lg_enf.t_lock (id int, k text DEFAULT pg_advisory_lock(101)::text);
	CREATE TABLE lg_enf.t_set (id int, k text DEFAULT set_config('work_mem', '2MB', false));
	CREATE TABLE lg_enf.t_rls (id int);
	INSERT INTO lg_enf.t_rls VALUES (1);
	ALTER TABLE lg_enf.t_rls ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
	CREATE POLICY p ON lg_enf.t_rls USING (pg_advisory_lock(102)::text IS NOT NULL);
	CREATE DOMAIN lg_enf.d AS int CHECK (set_config('work_mem', '3MB', false) IS NOT NULL);
	CREATE TABLE lg_enf.t_rule (a int);
	CREATE TABLE lg_enf.t_rule_log (k text);
	CREATE RULE r AS ON INSERT TO lg_enf.t_rule DO ALSO INSERT INTO lg_enf.t_rule_log VALUES (pg_advisory_lock(103)::text);
	CREATE OPERATOR lg_enf.### (RIGHTARG = bigint, FUNCTION = pg_advisory_lock);
	CREATE AGGREGATE lg_enf.lockagg(bigint) (SFUNC = int8larger, STYPE = bigint, FINALFUNC = pg_advisory_lock);
	CREATE FUNCTION lg_enf.argdef(a text DEFAULT set_config('work_mem', '5MB', false)) RETURNS text
		LANGUAGE plpgsql AS 'BEGIN RETURN a; END';
	CREATE FUNCTION lg_enf.atomic_set() RETURNS text LANGUAGE sql
		BEGIN ATOMIC SELECT set_config('work_mem', '5MB', false); SELECT 'x'; END;
	CREATE FUNCTION lg_enf.inlined() RETURNS text LANGUAGE sql
		AS $f$ SELECT set_config('work_mem', '8MB', false) $f$;
	CREATE PROCEDURE lg_enf.atomic_lock() LANGUAGE sql
		BEGIN ATOMIC SELECT pg_advisory_lock(106); END;
	CREATE FUNCTION lg_enf.with_set_clause() RETURNS text LANGUAGE plpgsql SET work_mem = '6MB'
		AS $f$ BEGIN SET work_mem = '7MB'; RETURN current_setting('work_mem'); END $f$;
	CREATE FUNCTION lg_enf.with_set_local() RETURNS text LANGUAGE plpgsql SET work_mem = '6MB'
		AS $f$ BEGIN SET LOCAL work_mem = '7MB'; RETURN current_setting('work_mem'); END $f$
$$), 'ok', 'lg_enf_user creates the objects (nothing in them runs)');
SELECT dblink_disconnect('setup');

------------------------------------------------------------------------
-- temporary objects without the TEMP keyword, and temporary views,
-- sequences, functions and types: refused by the statement
SELECT pg_temp.conn('t', 'lg_enf_temp');
SELECT pg_temp.state('t') AS clean \gset
SELECT is(pg_temp.txn('t', ARRAY['CREATE TEMP TABLE lg_seed (x int) ON COMMIT DROP']), 'committed',
          'CREATE TEMP TABLE ... ON COMMIT DROP passes');
SELECT n FROM dblink('t', 'SELECT nspname::text FROM pg_namespace WHERE oid = pg_my_temp_schema()') AS t(n text) \gset tempns_
SELECT is(pg_temp.txn('t', stmts), 'statement ' || pg_temp.temp_refused('table', obj), name)
  FROM (VALUES
	(ARRAY['SET LOCAL search_path = pg_temp, public', 'CREATE TABLE lg_t1 (a int)'], 'lg_t1',
	 'CREATE TABLE through search_path = pg_temp is refused'),
	(ARRAY[format('CREATE TABLE %I.lg_t2 (a int)', :'tempns_n')], 'lg_t2',
	 'CREATE TABLE pg_temp_N.name is refused'),
	(ARRAY['SET LOCAL search_path = pg_temp, public', 'SELECT 1 AS x INTO lg_t3'], 'lg_t3',
	 'SELECT ... INTO through search_path = pg_temp is refused'),
	(ARRAY['SET LOCAL search_path = pg_temp, public', 'CREATE TABLE lg_t4 AS SELECT 1 AS x'], 'lg_t4',
	 'CREATE TABLE AS through search_path = pg_temp is refused'),
	(ARRAY[format('CREATE TABLE %I.lg_t5 AS SELECT 1 AS x', :'tempns_n')], 'lg_t5',
	 'CREATE TABLE pg_temp_N.name AS is refused')
) AS t(stmts, obj, name);
SELECT is(pg_temp.run('t', stmt), pg_temp.temp_refused(kind, obj), name)
  FROM (VALUES
	('CREATE TEMP VIEW lg_v AS SELECT 1', 'view', 'lg_v',
	 'CREATE TEMP VIEW is refused, naming the kind of object'),
	('CREATE TEMP SEQUENCE lg_s', 'sequence', 'lg_s',
	 'CREATE TEMP SEQUENCE is refused'),
	('CREATE FUNCTION pg_temp.lg_f() RETURNS int LANGUAGE sql AS ''SELECT 1''', 'function', 'lg_f',
	 'a function in pg_temp is refused'),
	('CREATE TYPE pg_temp.lg_ty AS ENUM (''a'')', 'type', 'lg_ty',
	 'a type in pg_temp is refused')
) AS t(stmt, kind, obj, name);
SELECT is(pg_temp.state('t'), :'clean', 'the refused statements left nothing behind');
SELECT is(pg_temp.audit('lg_enf_temp'), 'temp_table=9', 'each refused temporary object is counted once');
SELECT dblink_disconnect('t');

------------------------------------------------------------------------
-- advisory locks and set_config(..., false) hidden from the statement:
-- refused at commit, and nothing is left
\set refused_lock '0A000: session-level advisory lock pg_advisory_lock() breaks under transaction pooling (lifeguard hazard "advisory_lock")'
\set refused_set '0A000: session-level SET of "work_mem" breaks under transaction pooling (lifeguard hazard "set")'
SELECT pg_temp.conn('h', 'lg_enf_hidden');
SELECT pg_temp.state('h') AS clean \gset
SELECT is(pg_temp.txn('h', ARRAY['INSERT INTO lg_enf.t_lock (id) VALUES (1)']),
          'commit ' || :'refused_lock',
          'an advisory lock in a column DEFAULT is refused at commit');
SELECT is(pg_temp.state('h'), :'clean', '... and the refused transaction left no lock');
SELECT is(pg_temp.txn('h', ARRAY['INSERT INTO lg_enf.t_set (id) VALUES (1)']),
          'commit ' || :'refused_set',
          'set_config(..., false) in a column DEFAULT is refused at commit');
SELECT is(pg_temp.state('h'), :'clean', '... and work_mem is unchanged');
SELECT is(pg_temp.txn('h', ARRAY[stmt]), 'commit ' || want, name)
  FROM (VALUES
	('SELECT * FROM lg_enf.t_rls', :'refused_lock',
	 'an advisory lock in a row-level-security policy is refused at commit'),
	('SELECT 1::lg_enf.d', :'refused_set',
	 'set_config(..., false) in a domain CHECK is refused at commit'),
	('INSERT INTO lg_enf.t_rule VALUES (1)', :'refused_lock',
	 'an advisory lock in a rule is refused at commit'),
	('SELECT OPERATOR(lg_enf.###) 104::bigint', :'refused_lock',
	 'an advisory lock as a user-defined operator is refused at commit'),
	('SELECT lg_enf.lockagg(x) FROM (VALUES (105::bigint)) v (x)', :'refused_lock',
	 'an advisory lock as an aggregate''s final function is refused at commit'),
	('SELECT lg_enf.argdef()', :'refused_set',
	 'set_config(..., false) in a function argument''s DEFAULT is refused at commit'),
	('SELECT lg_enf.atomic_set()', :'refused_set',
	 'set_config(..., false) in a BEGIN ATOMIC function body is refused at commit'),
	('SELECT lg_enf.inlined()', :'refused_set',
	 'set_config(..., false) in an inlined SQL function is refused at commit')
) AS t(stmt, want, name);
SELECT is(pg_temp.run('h', 'CALL lg_enf.atomic_lock()'),
          :'refused_lock',
          'an advisory lock in a BEGIN ATOMIC procedure body is refused at commit (single-statement transaction)');
SELECT is(pg_temp.txn('h', ARRAY['INSERT INTO lg_enf.t_lock (id) VALUES (2)'], 'PREPARE TRANSACTION ''lg_enf_x'''),
          'commit ' || :'refused_lock',
          'PREPARE TRANSACTION is refused like COMMIT');
SELECT is(pg_temp.state('h'), :'clean', 'none of the refused transactions left a lock or a setting');
-- session advisory locks survive ROLLBACK: under enforcement they do not
SELECT is(pg_temp.txn('h', ARRAY['INSERT INTO lg_enf.t_lock (id) VALUES (3)', 'INSERT INTO lg_enf.t_lock (id) VALUES (4)'], 'ROLLBACK'),
          'committed', 'a transaction that took a hidden session lock twice rolls back');
SELECT is(pg_temp.state('h'), :'clean', '... and ROLLBACK released the session lock it took');
-- a lock held before the transaction is not the transaction's doing
SELECT is(pg_temp.run('h', 'SELECT pg_advisory_xact_lock(107)'), 'ok', 'transaction-level advisory locks pass');
SELECT is(pg_temp.audit('lg_enf_hidden'), 'advisory_lock=7, set=5',
          'each transaction refused at commit is counted once, under its application');
SELECT dblink_disconnect('h');

------------------------------------------------------------------------
-- safe statements are not refused
SELECT pg_temp.conn('s', 'lg_enf_safe', 'user=postgres options=''-c lifeguard.enforce=error''');
SELECT is(pg_temp.run('s', $$SELECT set_config('lifeguard.enforce', 'error', false)$$), 'ok',
          'set_config(''lifeguard.enforce'', ..., false) is not refused, like SET lifeguard.enforce');
SELECT is(pg_temp.txn('s', ARRAY[$$SELECT set_config('lifeguard.protocol_prepared_statements', 'hazard', false)$$]), 'committed',
          '... at commit either');
SELECT is(pg_temp.run('s', 'SET ROLE lg_enf_user'),
          '0A000: session-level SET of "role" breaks under transaction pooling (lifeguard hazard "set")',
          'SET ROLE is refused');
SELECT is(pg_temp.run('s', 'SET SESSION AUTHORIZATION lg_enf_user'),
          '0A000: session-level SET of "session_authorization" breaks under transaction pooling (lifeguard hazard "set")',
          'SET SESSION AUTHORIZATION is refused');
SELECT is(pg_temp.txn('s', ARRAY['SELECT lg_enf.with_set_local()']), 'committed',
          'SET LOCAL inside a function with its own SET clause passes');
SELECT is(pg_temp.txn('s', ARRAY[$$SET LOCAL work_mem = '9MB'$$, $$SELECT set_config('work_mem', '9MB', true)$$,
                                 'SELECT pg_advisory_xact_lock(108)', 'CREATE TEMP TABLE lg_ok (x int) ON COMMIT DROP',
                                 'DECLARE c CURSOR FOR SELECT 1']), 'committed',
          'SET LOCAL, set_config(..., true), xact locks, ON COMMIT DROP, cursors without HOLD commit');
SELECT is(pg_temp.txn('s', ARRAY['CREATE TEMP TABLE lg_ok2 (id serial PRIMARY KEY, t text) ON COMMIT DROP',
                                 'ALTER TABLE lg_ok2 ADD COLUMN id2 bigserial, ADD COLUMN id3 int GENERATED ALWAYS AS IDENTITY',
                                 'ALTER TABLE lg_ok2 ALTER COLUMN t TYPE int USING 1',
                                 'CLUSTER lg_ok2 USING lg_ok2_pkey']), 'committed',
          'an ON COMMIT DROP table''s serial and identity sequences, and its rewrites, are part of it');
SELECT is(pg_temp.state('s'), :'clean', 'the safe transactions left nothing behind');
SELECT is(pg_temp.audit('lg_enf_safe'), 'set=2', 'nothing safe is counted (the two refused SETs are)');
-- a plain SET inside a function with a SET clause outlives the function
-- (PostgreSQL restores only SET LOCAL there), so it stays refused
SELECT is(pg_temp.run('s', 'SELECT lg_enf.with_set_clause()'),
          '0A000: session-level SET of "work_mem" breaks under transaction pooling (lifeguard hazard "set")',
          'SET inside a function with its own SET clause is refused ...');
SELECT is(pg_temp.run('s', 'SET lifeguard.enforce = off'), 'ok', 'with enforcement off');
SELECT is((SELECT w FROM dblink('s', 'SELECT lg_enf.with_set_clause() || '','' || current_setting(''work_mem'')') AS t(w text)),
          '7MB,7MB', '... because its value outlives the function');
SELECT dblink_disconnect('s');

------------------------------------------------------------------------
-- enforce = warn: the state stays, each hazard is reported once
SELECT pg_temp.conn('w', 'lg_enf_warn', 'user=postgres options=''-c lifeguard.enforce=warn''');
SELECT is(pg_temp.txn('w', ARRAY[$$SET work_mem = '1MB'$$]), 'committed', 'warn: SET commits');
SELECT is(pg_temp.txn('w', ARRAY['INSERT INTO lg_enf.t_set (id) VALUES (1)']), 'committed',
          'warn: a hidden set_config commits');
SELECT is(pg_temp.txn('w', ARRAY['INSERT INTO lg_enf.t_lock (id) VALUES (1)']), 'committed',
          'warn: a hidden advisory lock commits');
SELECT is(pg_temp.audit('lg_enf_warn'), 'advisory_lock=1, set=2',
          'warn: the SET counted by its statement is not counted again at commit; hidden ones once');
SELECT dblink_disconnect('w');

------------------------------------------------------------------------
-- session_pooling_hazards() lists temporary views, sequences, functions, types
CREATE TEMP VIEW lg_hv AS SELECT 1;
CREATE TEMP SEQUENCE lg_hs;
CREATE FUNCTION pg_temp.lg_hf() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TYPE pg_temp.lg_ht AS ENUM ('a');
SET LOCAL search_path = pg_temp, public;
CREATE TABLE lg_htab (x int);
RESET search_path;
SELECT is((SELECT string_agg(object || ': ' || detail, E'\n' ORDER BY object) FROM session_pooling_hazards()
            WHERE hazard = 'temp_table' AND object LIKE 'lg\_h%'),
          'lg_hf: temporary function outlives its transaction; drop it before the transaction that created it ends' || E'\n' ||
          'lg_hs: temporary sequence outlives its transaction; drop it before the transaction that created it ends' || E'\n' ||
          'lg_ht: temporary type outlives its transaction; drop it before the transaction that created it ends' || E'\n' ||
          'lg_htab: temporary table outlives its transaction; create it with ON COMMIT DROP inside the transaction' || E'\n' ||
          'lg_hv: temporary view outlives its transaction; drop it before the transaction that created it ends',
          'session_pooling_hazards() lists temporary views, sequences, functions, types and tables made without TEMP');

SELECT * FROM finish();
ROLLBACK;

SET client_min_messages = warning;
DROP SCHEMA lg_enf CASCADE;
DROP ROLE lg_enf_user;
