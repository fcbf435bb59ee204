-- lifeguard--0.1.0--0.2.0.sql: upgrade from 0.1.0 (ALTER EXTENSION lifeguard UPDATE)
--
-- Every change 0.2.0 makes to the extension's SQL objects is repeated here,
-- so that an upgraded database ends with the same objects as a fresh
-- CREATE EXTENSION lifeguard (test/integration/upgrade.t compares the two).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION lifeguard UPDATE" to load this file. \quit

-- enforcement (issue 10): session_pooling_state() also lists temporary views,
-- sequences, types and functions
COMMENT ON FUNCTION session_pooling_state() IS
'internal to session_pooling_hazards(): session-level parameters, session advisory locks, lasting temporary tables, views, sequences, types and functions';
