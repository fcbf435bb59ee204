-- lifeguard--0.2.0--0.3.0.sql: upgrade from 0.2.0 (ALTER EXTENSION lifeguard UPDATE)
--
-- Every change 0.3.0 makes to the extension's SQL objects is repeated here,
-- so that an upgraded database ends with the same objects as a fresh
-- CREATE EXTENSION lifeguard (test/integration/upgrade.t compares the two).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION lifeguard UPDATE" to load this file. \quit
