
--
-- Prefixed CUID2 ids (extension/ids.c, common/cuid2.c)
--

CREATE FUNCTION gen_prefixed_id(prefix text, length integer DEFAULT 24)
RETURNS text
AS 'MODULE_PATHNAME', 'lifeguard_gen_prefixed_id'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION gen_prefixed_id(text, integer) IS
'prefix || ''_'' || a CUID2 of the given length, made as @paralleldrive/cuid2 makes it';

CREATE FUNCTION gen_cuid2(length integer DEFAULT 24)
RETURNS text
AS 'MODULE_PATHNAME', 'lifeguard_gen_cuid2'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION gen_cuid2(integer) IS
'a CUID2 of the given length (2 to 32), made as @paralleldrive/cuid2 makes it';

CREATE FUNCTION is_cuid2(id text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_is_cuid2'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION is_cuid2(text) IS
'true when id is 2 to 32 characters matching ^[a-z][0-9a-z]+$ (the reference isCuid)';

CREATE FUNCTION is_prefixed_id(id text, prefix text DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_is_prefixed_id'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;

COMMENT ON FUNCTION is_prefixed_id(text, text) IS
'true when id is a valid prefix, ''_'' and a valid CUID2; with prefix, that prefix';

CREATE FUNCTION prefixed_id_prefix(id text)
RETURNS text
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_prefix'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION prefixed_id_prefix(text) IS
'the prefix of a prefixed id (the part before the last ''_''), or NULL when id is not one';

CREATE FUNCTION cuid2_hash(input text)
RETURNS text
AS 'MODULE_PATHNAME', 'lifeguard_cuid2_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cuid2_hash(text) IS
'the @paralleldrive/cuid2 hash(): SHA3-512 of the UTF-8 bytes as a base36 number, first digit dropped';

CREATE FUNCTION cuid2_fingerprint()
RETURNS text
AS 'MODULE_PATHNAME', 'lifeguard_cuid2_fingerprint'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cuid2_fingerprint() IS
'diagnostic: the CUID2 fingerprint of the calling process';

REVOKE ALL ON FUNCTION cuid2_fingerprint() FROM PUBLIC;
