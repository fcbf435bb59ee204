-- test/lib/pgtap_helpers.sql: what every pgTAP file (test/sql,
-- test/sql_nopreload) shares, included first with
-- \ir ../lib/pgtap_helpers.sql.  Not a test itself: pg_prove is given only
-- test/sql/*.sql and test/sql_nopreload/*.sql.
--
-- psql settings: stop at the first error (a file cut short then fails its
-- plan), and print rows as bare values for pgTAP's output.
--
-- Functions, temporary (pg_temp), so they go with the file's session:
--
-- pg_temp.err(sql [, fields]): 'no error', or the error that running sql
--   raised, as 'SQLSTATE: message | field | ...' with the fields named in
--   fields ('detail', 'hint', comma-separated); by default those in the
--   psql variable err_fields, which a file may set before including this
--   one (\set err_fields hint), else detail and hint.
-- pg_temp.wait_until(cond): runs the query cond, with a fresh statistics
--   snapshot each time, until it returns true: true, or false and a
--   WARNING after 10 s.
-- pg_temp.conninfo(usr, app [, db [, opts]]): a connection string (for
--   dblink) to this cluster as the role usr, under the application_name
--   app, to the database db (default: this one), with the further
--   key=value options opts.
-- pg_temp.end_sessions(app_like): ends the other sessions whose
--   application_name is LIKE app_like (left by an interrupted run) and
--   waits until they are gone: true, or false after 10 s.
-- pg_temp.columns(rel): the columns of the relation rel as
--   'name type, ...' in their order, as docs/sql.md lists them.
-- pg_temp.session_hazards(): session_pooling_hazards() less the tests'
--   own temporary objects: pgTAP's tables (named __...) and these
--   functions.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
\if :{?err_fields}
\else
\set err_fields detail,hint
\endif

CREATE FUNCTION pg_temp.err(sql text, fields text DEFAULT :'err_fields') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hint text; r text; f text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
	                        hint = PG_EXCEPTION_HINT;
	r := st || ': ' || msg;
	FOREACH f IN ARRAY string_to_array(fields, ',') LOOP
		CASE f
			WHEN 'detail' THEN r := r || ' | ' || coalesce(det, '');
			WHEN 'hint' THEN r := r || ' | ' || coalesce(hint, '');
		END CASE;
	END LOOP;
	RETURN r;
END $$;

CREATE FUNCTION pg_temp.wait_until(cond text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE done boolean;
BEGIN
	FOR i IN 1..400 LOOP
		PERFORM pg_stat_clear_snapshot();
		EXECUTE cond INTO done;
		IF done THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.025);
	END LOOP;
	RAISE WARNING 'timed out waiting for: %', cond;
	RETURN false;
END $$;

CREATE FUNCTION pg_temp.conninfo(usr text, app text, db text DEFAULT current_database(),
                                  opts text DEFAULT '')
RETURNS text LANGUAGE sql AS $$
	SELECT format('host=127.0.0.1 port=%s dbname=%s user=%s application_name=%s %s',
	              current_setting('port'), db, usr, app, opts)
$$;

CREATE FUNCTION pg_temp.end_sessions(app_like text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
	  WHERE application_name LIKE app_like AND pid <> pg_backend_pid();
	RETURN pg_temp.wait_until(format('SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name LIKE %L',
	                                 app_like));
END $$;

CREATE FUNCTION pg_temp.columns(rel regclass) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
	  FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
$$;

CREATE FUNCTION pg_temp.session_hazards(OUT hazard text, OUT object text, OUT detail text)
RETURNS SETOF record LANGUAGE sql AS $$
	SELECT * FROM session_pooling_hazards()
	 WHERE object NOT LIKE '\_\_%'
	   AND object NOT IN ('err', 'wait_until', 'conninfo', 'end_sessions', 'columns', 'session_hazards')
$$;
