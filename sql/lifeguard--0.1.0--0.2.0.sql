-- lifeguard--0.1.0--0.2.0.sql: upgrade from 0.1.0 (ALTER EXTENSION lifeguard UPDATE)
--
-- Every change 0.2.0 makes to the extension's SQL objects is repeated here,
-- so that an upgraded database ends with the same objects as a fresh
-- CREATE EXTENSION lifeguard (test/integration/upgrade.t compares the two).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION lifeguard UPDATE" to load this file. \quit

-- one table of hazards (common/hazards.c): pooling_hazard_texts() shows it,
-- and session_pooling_hazards() takes its details from it
CREATE FUNCTION pooling_hazard_texts(OUT hazard text, OUT hint text, OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pooling_hazard_texts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pooling_hazard_texts() IS
'every pooling hazard with its safe alternative (the hint lifeguard.enforce gives) and, where fixed, the detail session_pooling_hazards() gives';

CREATE OR REPLACE FUNCTION session_pooling_hazards(OUT hazard text, OUT object text, OUT detail text)
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

-- enforcement (issue 10): session_pooling_state() also lists temporary views,
-- sequences, types and functions
COMMENT ON FUNCTION session_pooling_state() IS
'internal to session_pooling_hazards(): session-level parameters, session advisory locks, lasting temporary tables, views, sequences, types and functions';

-- every C function is named lifeguard_<its SQL name>: session_pooling_state()
-- moves to its new C name (the old one stays in the library for 0.1.0)
CREATE OR REPLACE FUNCTION session_pooling_state(OUT hazard text, OUT object text, OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_session_pooling_state'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
