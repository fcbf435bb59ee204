
--
-- The prefixed_id type: a prefixed CUID2 id stored in binary, read and
-- written as its text form (extension/prefixed_id.c, common/prefixed_id.c)
--

CREATE TYPE prefixed_id;

CREATE FUNCTION prefixed_id_in(cstring)
RETURNS prefixed_id
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION prefixed_id_out(prefixed_id)
RETURNS cstring
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION prefixed_id_recv(internal)
RETURNS prefixed_id
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION prefixed_id_send(prefixed_id)
RETURNS bytea
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE prefixed_id (
	INPUT = prefixed_id_in,
	OUTPUT = prefixed_id_out,
	RECEIVE = prefixed_id_recv,
	SEND = prefixed_id_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = external
);

COMMENT ON TYPE prefixed_id IS
'a prefixed CUID2 id (prefix, ''_'', CUID2) stored in binary: the text form in and out, ordered as the text form is by COLLATE "C"';

-- casts: from text and varchar when assigned (a DEFAULT gen_prefixed_id(...),
-- a parameter sent as text), to text when assigned
CREATE FUNCTION prefixed_id(text)
RETURNS prefixed_id
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION prefixed_id_to_text(prefixed_id)
RETURNS text
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_to_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (text AS prefixed_id) WITH FUNCTION prefixed_id(text) AS ASSIGNMENT;
CREATE CAST (varchar AS prefixed_id) WITH FUNCTION prefixed_id(text) AS ASSIGNMENT;
CREATE CAST (prefixed_id AS text) WITH FUNCTION prefixed_id_to_text(prefixed_id) AS ASSIGNMENT;

-- comparison: the byte order of the text forms; never raises
CREATE FUNCTION prefixed_id_eq(prefixed_id, prefixed_id)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_ne(prefixed_id, prefixed_id)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_lt(prefixed_id, prefixed_id)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_le(prefixed_id, prefixed_id)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_gt(prefixed_id, prefixed_id)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_ge(prefixed_id, prefixed_id)
RETURNS boolean
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_cmp(prefixed_id, prefixed_id)
RETURNS integer
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_sortsupport(internal)
RETURNS void
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_sortsupport'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION prefixed_id_hash(prefixed_id)
RETURNS integer
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION prefixed_id_hash_extended(prefixed_id, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lifeguard_prefixed_id_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR = (
	LEFTARG = prefixed_id, RIGHTARG = prefixed_id, FUNCTION = prefixed_id_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);

CREATE OPERATOR <> (
	LEFTARG = prefixed_id, RIGHTARG = prefixed_id, FUNCTION = prefixed_id_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR < (
	LEFTARG = prefixed_id, RIGHTARG = prefixed_id, FUNCTION = prefixed_id_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR <= (
	LEFTARG = prefixed_id, RIGHTARG = prefixed_id, FUNCTION = prefixed_id_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR > (
	LEFTARG = prefixed_id, RIGHTARG = prefixed_id, FUNCTION = prefixed_id_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR >= (
	LEFTARG = prefixed_id, RIGHTARG = prefixed_id, FUNCTION = prefixed_id_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);

-- btree: equality is of the bytes, so deduplication may be used
CREATE OPERATOR CLASS prefixed_id_ops
DEFAULT FOR TYPE prefixed_id USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 prefixed_id_cmp(prefixed_id, prefixed_id),
	FUNCTION 2 prefixed_id_sortsupport(internal),
	FUNCTION 4 btequalimage(oid);

CREATE OPERATOR CLASS prefixed_id_ops
DEFAULT FOR TYPE prefixed_id USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 prefixed_id_hash(prefixed_id),
	FUNCTION 2 prefixed_id_hash_extended(prefixed_id, bigint);
