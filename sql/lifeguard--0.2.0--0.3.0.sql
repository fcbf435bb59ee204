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
