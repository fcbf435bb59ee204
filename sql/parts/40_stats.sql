--
-- Connection statistics (extension/stats_*.c)
--
-- Cumulative counters since the last pool_stats_reset(), per database, role
-- and application_name, kept in shared memory when lifeguard is preloaded.
-- Readable by everyone under pg_stat_activity's privacy rule: a row's
-- counters are NULL for a caller without the privileges of its role or of
-- pg_read_all_stats.
--

CREATE FUNCTION pool_stats(
	OUT database name, OUT role name, OUT application_name text,
	OUT connections integer, OUT peak_connections integer, OUT peak_at timestamptz,
	OUT sessions_opened bigint,
	OUT ended_normal bigint, OUT ended_client_gone bigint, OUT ended_fatal bigint,
	OUT ended_terminated bigint, OUT ended_idle_session_timeout bigint,
	OUT ended_idle_in_transaction_timeout bigint, OUT ended_transaction_timeout bigint,
	OUT session_time double precision,
	OUT refused_too_many_clients bigint, OUT refused_reserved bigint,
	OUT refused_role_limit bigint, OUT refused_database_limit bigint,
	OUT refused_authentication bigint, OUT refused_other bigint,
	OUT last_refused_at timestamptz,
	OUT commits bigint, OUT rollbacks bigint, OUT handoffs bigint,
	OUT transaction_time double precision, OUT active_time double precision,
	OUT idle_in_transaction_time double precision,
	OUT longest_transaction_time double precision,
	OUT longest_idle_in_transaction_time double precision,
	OUT errors_prepared_missing bigint, OUT errors_prepared_exists bigint,
	OUT errors_cached_plan bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pool_stats'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION pool_stats() IS
'sessions, refusals and transactions per database, role and application_name since the last reset; counters are NULL for roles whose activity the caller may not see';

CREATE VIEW pool_stats AS SELECT * FROM @extschema@.pool_stats();

COMMENT ON VIEW pool_stats IS
'sessions, refusals and transactions per database, role and application_name since the last reset; counters are NULL for roles whose activity the caller may not see';

GRANT SELECT ON pool_stats TO PUBLIC;

CREATE FUNCTION pool_stats_info(
	OUT entries integer, OUT max_entries integer, OUT overflowed bigint,
	OUT since timestamptz, OUT connections integer, OUT peak_connections integer,
	OUT peak_at timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'lifeguard_pool_stats_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pool_stats_info() IS
'the pool_stats table: rows in use, lifeguard.stats_max_entries, events of rows that did not fit (counted in the overflow row), since when, and the client connections open now and at their peak';

CREATE FUNCTION pool_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'lifeguard_pool_stats_reset'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION pool_stats_reset() IS
'zero every pool_stats counter (open connections stay counted)';

REVOKE ALL ON FUNCTION pool_stats_reset() FROM PUBLIC;
