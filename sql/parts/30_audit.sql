
--
-- Transaction-pooling audit (extension/audit*.c)
--

CREATE FUNCTION session_pooling_state(OUT hazard text, OUT object text, OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_session_pooling_state'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION session_pooling_state() IS
'internal to session_pooling_hazards(): session-level parameters, session advisory locks, lasting temporary tables, views, sequences, types and functions';

CREATE FUNCTION pooling_hazard_texts(OUT hazard text, OUT hint text, OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pooling_hazard_texts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pooling_hazard_texts() IS
'every pooling hazard with its safe alternative (the hint lifeguard.enforce gives) and, where fixed, the detail session_pooling_hazards() gives';

CREATE FUNCTION session_pooling_hazards(OUT hazard text, OUT object text, OUT detail text)
RETURNS SETOF record
LANGUAGE sql VOLATILE PARALLEL RESTRICTED
AS $$
	SELECT s.hazard, s.object, coalesce(s.detail, t.detail)
	  FROM (
		SELECT CASE WHEN p.from_sql THEN 'prepare' ELSE 'protocol_prepare' END,
		       p.name, NULL::text
		  FROM pg_catalog.pg_prepared_statements p
		 WHERE p.from_sql
		    OR (pg_catalog.current_setting('lifeguard.protocol_prepared_statements', true)
		        OPERATOR(pg_catalog.=) 'safe') IS NOT TRUE
		UNION ALL
		SELECT 'listen', c, NULL
		  FROM pg_catalog.pg_listening_channels() c
		UNION ALL
		SELECT 'with_hold_cursor', c.name, NULL
		  FROM pg_catalog.pg_cursors c
		 WHERE c.is_holdable
		UNION ALL
		SELECT st.hazard, st.object, st.detail
		  FROM @extschema@.session_pooling_state() st
	  ) s (hazard, object, detail)
	  LEFT JOIN @extschema@.pooling_hazard_texts() t
	         ON t.hazard OPERATOR(pg_catalog.=) s.hazard
	 ORDER BY 1, 2
$$;

COMMENT ON FUNCTION session_pooling_hazards() IS
'the state of the current session that would break under transaction pooling now';

CREATE FUNCTION pooling_audit(
	OUT database name, OUT role name, OUT application_name text, OUT hazard text,
	OUT count bigint, OUT first_seen timestamptz, OUT last_seen timestamptz, OUT sample text,
	OUT client text, OUT hint text, OUT failures bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pooling_audit'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

CREATE VIEW pooling_audit AS SELECT * FROM @extschema@.pooling_audit();

COMMENT ON VIEW pooling_audit IS
'hazards under transaction pooling seen since the last reset, per database, role, application_name, hazard and client, with the fix and the failures a pooler caused';

GRANT SELECT ON pooling_audit TO PUBLIC;

CREATE FUNCTION pooling_client_texts(
	OUT client text, OUT statement_names text[], OUT application_name text,
	OUT connect_statements text[], OUT hazard text, OUT hint text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pooling_client_texts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pooling_client_texts() IS
'the client drivers pooling_audit can tell apart (by the names of their prepared statements, their default application_name, their connect-time statements), one row per hazard each has its own fix for';

CREATE FUNCTION pooling_audit_info(
	OUT entries integer, OUT max_entries integer, OUT dropped bigint, OUT since timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'lifeguard_pooling_audit_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pooling_audit_info() IS
'the pooling audit table: entries in use, lifeguard.audit_max_entries, events dropped because it was full, since when';

CREATE FUNCTION pooling_audit_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'lifeguard_pooling_audit_reset'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION pooling_audit_reset() IS
'forget every pooling audit entry and the dropped count';

REVOKE ALL ON FUNCTION pooling_audit_reset() FROM PUBLIC;

CREATE FUNCTION txn_info(
	OUT backend_pid integer, OUT xid xid8, OUT xact_start timestamptz,
	OUT in_transaction_block boolean, OUT statements_in_transaction integer)
RETURNS record
AS 'MODULE_PATHNAME', 'lifeguard_txn_info'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION txn_info() IS
'the current transaction: backend pid, xid if assigned, start, whether in a transaction block, top-level statements so far';
