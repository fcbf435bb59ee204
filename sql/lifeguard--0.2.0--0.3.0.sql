-- lifeguard--0.2.0--0.3.0.sql: upgrade from 0.2.0 (ALTER EXTENSION lifeguard UPDATE)
--
-- Every change 0.3.0 makes to the extension's SQL objects is repeated here,
-- so that an upgraded database ends with the same objects as a fresh
-- CREATE EXTENSION lifeguard (test/integration/upgrade.t compares the two).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION lifeguard UPDATE" to load this file. \quit

-- pooling_audit gains the client that sent each hazard, its fix (the hint)
-- and the prepared-statement failures a pooler caused; as
-- pg_stat_statements does, the view and its function are made again (a
-- view of yours over pooling_audit must be dropped before the update and
-- made again after it: docs/upgrading.md)
ALTER EXTENSION lifeguard DROP VIEW pooling_audit;
DROP VIEW pooling_audit;
ALTER EXTENSION lifeguard DROP FUNCTION pooling_audit();
DROP FUNCTION pooling_audit();

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

-- the table of client drivers (common/clients.c)
CREATE FUNCTION pooling_client_texts(
	OUT client text, OUT statement_names text[], OUT application_name text,
	OUT connect_statements text[], OUT hazard text, OUT hint text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pooling_client_texts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pooling_client_texts() IS
'the client drivers pooling_audit can tell apart (by the names of their prepared statements, their default application_name, their connect-time statements), one row per hazard each has its own fix for';

-- connection statistics: pool_stats, pool_stats_info(), pool_stats_reset()
-- (extension/stats_*.c; the same objects as sql/parts/40_stats.sql)
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
