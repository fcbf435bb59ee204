--
-- Session state and the current transaction, portable edition: what the
-- system views show of the current session.  Differences from the C
-- edition, all within the current transaction (between transactions, where
-- a pooler would hand the connection on, the results are the same):
-- pg_settings cannot tell SET LOCAL from SET, pg_locks cannot tell a
-- transaction-level advisory lock from a session-level one nor count how
-- often one is held, and pg_class cannot tell an ON COMMIT DROP temporary
-- table from a lasting one.  in_transaction_block compares the
-- transaction's start with the statement's.
--
-- The texts are the extension's (common/hazards.c), through build.sh:
-- pooling_hazard_texts() is generated, a NULL detail here is filled from it
-- by session_pooling_hazards(), and the @..._state_detail@ formats and
-- @tracked_parameters_default@ (lifeguard.tracked_parameters' default) are
-- put in by build.sh.  lifeguard.tracked_parameters is read when set, as a
-- placeholder setting (ALTER DATABASE ... SET) works without the library.
-- Temporary objects are named as lg_temp_object_kind() in
-- extension/session_state.c names them; a sequence owned by a column
-- (serial, identity) comes with its table.
--

CREATE FUNCTION session_pooling_state(OUT hazard text, OUT object text, OUT detail text)
RETURNS SETOF record
LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED
AS $$
	SELECT 'set', s.name,
	       pg_catalog.format(@set_state_detail@,
	                         ' to ''' || pg_catalog.current_setting(s.name) || '''')
	  FROM pg_catalog.pg_settings s
	 WHERE s.source = 'session'
	   AND lower(s.name) NOT IN ('transaction_isolation', 'transaction_read_only', 'transaction_deferrable')
	   AND lower(s.name) NOT IN (
	       SELECT lower(btrim(btrim(t, E' \t\r\n'), '"'))
	         FROM pg_catalog.regexp_split_to_table(
	              coalesce(pg_catalog.current_setting('lifeguard.tracked_parameters', true),
	                       @tracked_parameters_default@), ',') t)
	   AND s.name NOT LIKE 'lifeguard.%'
	UNION ALL
	SELECT 'advisory_lock',
	       CASE WHEN l.objsubid = 1 THEN ((l.classid::bigint << 32) | l.objid::bigint)::text
	            ELSE l.classid::integer::text || ',' || l.objid::integer::text END,
	       pg_catalog.format(@advisory_lock_state_detail@, l.mode)
	  FROM pg_catalog.pg_locks l
	 WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
	UNION ALL
	SELECT 'temp_table', o.name,
	       CASE WHEN o.kind <> 'table' THEN pg_catalog.format(@temp_object_state_detail@, o.kind) END
	  FROM (
		SELECT c.relname::text,
		       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
		                      WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
		                      WHEN 'c' THEN 'type' ELSE 'table' END
		  FROM pg_catalog.pg_class c
		 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema()
		   AND c.relkind NOT IN ('i', 'I', 't')
		   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
		                    WHERE c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::regclass
		                      AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
		                      AND d.deptype IN ('a', 'i'))
		UNION ALL
		SELECT t.typname::text, 'type'
		  FROM pg_catalog.pg_type t
		 WHERE t.typnamespace = pg_catalog.pg_my_temp_schema()
		   AND t.typrelid = 0 AND t.typcategory <> 'A'
		UNION ALL
		SELECT p.proname::text,
		       CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
		                      WHEN 'w' THEN 'aggregate' ELSE 'function' END
		  FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace = pg_catalog.pg_my_temp_schema()
	  ) o (name, kind)
$$;

CREATE FUNCTION txn_info(
	OUT backend_pid integer, OUT xid xid8, OUT xact_start timestamptz,
	OUT in_transaction_block boolean, OUT statements_in_transaction integer)
RETURNS record
LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED
AS $$
	SELECT pg_catalog.pg_backend_pid(), pg_catalog.pg_current_xact_id_if_assigned(),
	       pg_catalog.transaction_timestamp(),
	       pg_catalog.transaction_timestamp() < pg_catalog.statement_timestamp(),
	       NULL::integer
$$;
