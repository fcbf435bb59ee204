-- lifeguard--<version>.sql: made by the Makefile from the files in sql/parts

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION lifeguard" to load this file. \quit
