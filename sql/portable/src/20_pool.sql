--
-- Pool visibility, portable edition: the same grouping as
-- extension/pool_usage.c, in SQL over pg_stat_get_activity(), which applies
-- the same privacy rule (HAS_PGSTAT_PERMISSIONS) with the caller's
-- privileges.  Lock waiters come from wait_event_type = 'Lock'.
--
-- One difference: for a backend whose activity the caller may not see,
-- PostgreSQL hides its backend_type too, so every such backend with a role
-- and a database counts as a client backend (a parallel worker or a
-- logical walsender of a role the caller may not see is counted; the C
-- edition reads the type).
--

-- @portable-only
CREATE FUNCTION pool_is_client_backend(backend_type text, role oid, database oid)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT backend_type = 'client backend'
	    OR (backend_type IS NULL AND role IS NOT NULL AND database IS NOT NULL)
$$;

COMMENT ON FUNCTION pool_is_client_backend(text, oid, oid) IS
'internal to the portable pool visibility: is a row of pg_stat_get_activity() a client backend (see the Managed PostgreSQL guide)';

-- @portable-only
CREATE FUNCTION pool_age(since timestamptz, now timestamptz)
RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT now - least(since, now)
$$;

COMMENT ON FUNCTION pool_age(timestamptz, timestamptz) IS
'internal to the portable pool visibility: now - since, never negative, NULL for NULL';


CREATE FUNCTION pool_usage(
	OUT database name,
	OUT role name,
	OUT application_name text,
	OUT client_addr inet,
	OUT connections integer,
	OUT active integer,
	OUT idle integer,
	OUT idle_in_transaction integer,
	OUT idle_in_transaction_aborted integer,
	OUT waiting integer,
	OUT oldest_xact_age interval,
	OUT longest_idle_in_transaction interval,
	OUT longest_query interval)
RETURNS SETOF record
LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED ROWS 20
AS $$
	WITH t (now) AS MATERIALIZED (SELECT pg_catalog.clock_timestamp())
	SELECT d.datname, r.rolname, coalesce(a.application_name, ''), a.client_addr,
	       count(*)::integer,
	       CASE WHEN a.visible THEN count(*) FILTER (WHERE a.state IN ('active', 'fastpath function call'))::integer END,
	       CASE WHEN a.visible THEN count(*) FILTER (WHERE a.state = 'idle')::integer END,
	       CASE WHEN a.visible THEN count(*) FILTER (WHERE a.state = 'idle in transaction')::integer END,
	       CASE WHEN a.visible THEN count(*) FILTER (WHERE a.state = 'idle in transaction (aborted)')::integer END,
	       CASE WHEN a.visible THEN count(*) FILTER (WHERE a.state IN ('active', 'fastpath function call')
	                                                  AND a.wait_event_type = 'Lock')::integer END,
	       CASE WHEN a.visible THEN @extschema@.pool_age(min(a.xact_start), t.now) END,
	       CASE WHEN a.visible THEN @extschema@.pool_age(min(a.state_change) FILTER (WHERE a.state LIKE 'idle in transaction%'), t.now) END,
	       CASE WHEN a.visible THEN @extschema@.pool_age(min(a.query_start) FILTER (WHERE a.state IN ('active', 'fastpath function call')), t.now) END
	  FROM (SELECT s.*,
	               pg_catalog.pg_has_role(s.usesysid, 'USAGE')
	               OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') AS visible
	          FROM pg_catalog.pg_stat_get_activity(NULL) s
	         WHERE @extschema@.pool_is_client_backend(s.backend_type, s.usesysid, s.datid) AND s.pid > 0) a
	  LEFT JOIN pg_catalog.pg_database d ON d.oid = a.datid
	  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
	 CROSS JOIN t
	 GROUP BY d.datname, r.rolname, a.application_name, a.client_addr, a.visible, t.now
$$;

CREATE FUNCTION pool_headroom(
	OUT max_connections integer,
	OUT superuser_reserved_connections integer,
	OUT reserved_connections integer,
	OUT in_use integer,
	OUT available integer,
	OUT utilization numeric)
RETURNS record
LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED
AS $$
	SELECT m, s, CASE WHEN pg_catalog.current_setting('server_version_num')::integer >= 160000 THEN r END,
	       n, greatest(m - s - r - n, 0),
	       CASE WHEN m - s - r > 0 THEN round(n * 100::numeric / (m - s - r), 1) END
	  FROM (SELECT pg_catalog.current_setting('max_connections')::integer,
	               pg_catalog.current_setting('superuser_reserved_connections')::integer,
	               coalesce(nullif(pg_catalog.current_setting('reserved_connections', true), '')::integer, 0),
	               (SELECT count(*)::integer FROM pg_catalog.pg_stat_get_activity(NULL) a
	                 WHERE @extschema@.pool_is_client_backend(a.backend_type, a.usesysid, a.datid) AND a.pid > 0)) x (m, s, r, n)
$$;

CREATE FUNCTION pool_capacity(
	instances integer,
	pool_max integer,
	role name DEFAULT current_user,
	database name DEFAULT current_database(),
	OUT fits boolean,
	OUT needed integer,
	OUT available integer,
	OUT limited_by text,
	OUT suggested_pool_max integer)
RETURNS record
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED
AS $$
DECLARE
	rol record;
	db record;
	lim record;
	total integer;
	of_role integer;
	of_database integer;
BEGIN
	IF instances IS NULL OR pool_max IS NULL THEN
		RAISE EXCEPTION '% must not be null', CASE WHEN instances IS NULL THEN 'instances' ELSE 'pool_max' END
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF role IS NULL OR database IS NULL THEN
		RAISE EXCEPTION '% must not be null', CASE WHEN role IS NULL THEN 'role' ELSE 'database' END
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Omit role or database to use the current ones.';
	END IF;
	IF instances < 1 THEN
		RAISE EXCEPTION 'invalid number of instances: %', instances
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The number of application instances, each with its own pool, must be at least 1.';
	END IF;
	IF pool_max < 1 THEN
		RAISE EXCEPTION 'invalid pool size: %', pool_max
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The largest number of connections in one instance''s pool must be at least 1.';
	END IF;
	IF instances::bigint * pool_max > 2147483647 THEN
		RAISE EXCEPTION 'instances * pool_max is out of range for type integer'
			USING ERRCODE = 'numeric_value_out_of_range',
				  DETAIL = format('%s instances with a pool of %s connections each need more than 2147483647 connections.',
								  instances, pool_max);
	END IF;
	needed := instances * pool_max;
	-- (no row: a record of NULLs)
	SELECT r.oid, r.rolsuper, r.rolcanlogin, r.rolconnlimit INTO rol
	  FROM pg_catalog.pg_roles r WHERE r.rolname = pool_capacity.role;
	-- datconnlimit -2 marks a database left invalid by an interrupted DROP
	SELECT d.oid, d.datallowconn AND d.datconnlimit <> -2 AS allowed, d.datconnlimit INTO db
	  FROM pg_catalog.pg_database d WHERE d.datname = pool_capacity.database;
	IF rol.oid IS NULL OR db.oid IS NULL THEN
		RAISE EXCEPTION '% "%" does not exist',
				CASE WHEN rol.oid IS NULL THEN 'role' ELSE 'database' END,
				CASE WHEN rol.oid IS NULL THEN pool_capacity.role ELSE pool_capacity.database END
			USING ERRCODE = 'undefined_object',
				  HINT = CASE WHEN rol.oid IS NULL THEN 'Pass the role the application''s pools connect as.'
						 ELSE 'Pass the database the application''s pools connect to.' END;
	END IF;
	SELECT count(*), count(*) FILTER (WHERE a.usesysid = rol.oid), count(*) FILTER (WHERE a.datid = db.oid)
	  INTO total, of_role, of_database
	  FROM pg_catalog.pg_stat_get_activity(NULL) a
	 WHERE @extschema@.pool_is_client_backend(a.backend_type, a.usesysid, a.datid) AND a.pid > 0
	   AND a.pid <> pg_catalog.pg_backend_pid();
	-- max_connections, less the slots this role may not use
	available := pg_catalog.current_setting('max_connections')::integer - total;
	IF NOT rol.rolsuper THEN
		available := available - pg_catalog.current_setting('superuser_reserved_connections')::integer;
		IF pg_catalog.current_setting('server_version_num')::integer >= 160000
		   AND NOT pg_catalog.pg_has_role(rol.oid, 'pg_use_reserved_connections', 'USAGE') THEN
			available := available - pg_catalog.current_setting('reserved_connections')::integer;
		END IF;
	END IF;
	limited_by := 'max_connections';
	-- the database's limit, then the role's (it wins a tie); a superuser
	-- has neither, but still needs a database that allows connections and
	-- a role that can log in
	FOR lim IN SELECT l.* FROM (VALUES
			(1, 'database connection limit', db.allowed, db.datconnlimit, of_database),
			(2, 'role connection limit', rol.rolcanlogin, rol.rolconnlimit, of_role))
			AS l(n, name, allowed, connlimit, used) ORDER BY l.n
	LOOP
		IF NOT lim.allowed THEN
			available := 0;
			limited_by := lim.name;
		ELSIF NOT rol.rolsuper AND lim.connlimit >= 0 AND lim.connlimit - lim.used <= available THEN
			available := lim.connlimit - lim.used;
			limited_by := lim.name;
		END IF;
	END LOOP;
	available := greatest(available, 0);
	fits := needed <= available;
	suggested_pool_max := available / instances;
	RETURN;
END
$$;
