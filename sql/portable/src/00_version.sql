--
-- The portable edition's version: lifeguard install and lifeguard health
-- read it to tell the editions apart and to upgrade.
--

-- @portable-only
CREATE FUNCTION lifeguard_portable_version()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT '@version@'::text
$$;

COMMENT ON FUNCTION lifeguard_portable_version() IS
'the version of lifeguard''s portable edition installed in this schema';
