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

CREATE FUNCTION session_pooling_state(OUT hazard text, OUT object text, OUT detail text)
RETURNS SETOF record
LANGUAGE sql VOLATILE STRICT PARALLEL RESTRICTED
AS $$
	SELECT 'set', s.name,
	       'set at session level to ''' || pg_catalog.current_setting(s.name) || '''; use SET LOCAL inside the transaction or ALTER ROLE ... SET'
	  FROM pg_catalog.pg_settings s
	 WHERE s.source = 'session'
	   AND lower(s.name) NOT IN ('client_encoding', 'datestyle', 'intervalstyle', 'timezone',
	                             'standard_conforming_strings', 'application_name',
	                             'transaction_isolation', 'transaction_read_only', 'transaction_deferrable')
	   AND s.name NOT LIKE 'lifeguard.%'
	UNION ALL
	SELECT 'advisory_lock',
	       CASE WHEN l.objsubid = 1 THEN ((l.classid::bigint << 32) | l.objid::bigint)::text
	            ELSE l.classid::integer::text || ',' || l.objid::integer::text END,
	       l.mode || ' held at session level; use pg_advisory_xact_lock() inside a transaction'
	  FROM pg_catalog.pg_locks l
	 WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
	UNION ALL
	SELECT 'temp_table', c.relname::text,
	       'temporary table outlives its transaction; create it with ON COMMIT DROP inside the transaction'
	  FROM pg_catalog.pg_class c
	 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relkind IN ('r', 'p')
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
