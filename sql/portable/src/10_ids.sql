--
-- Prefixed CUID2 ids, portable edition: PL/pgSQL and SQL on pgcrypto's
-- digest(..., 'sha3-512') and gen_random_bytes().  The same algorithm as
-- common/cuid2.c: an id of length n is a random letter followed by
-- characters 1..n-1 of hash(time36 + salt + count36 + fingerprint).
--
-- Per-backend state.  Parallel workers and read-only transactions (and
-- standbys) can write no sequence, table or setting, and a session-level
-- set_config would itself be a transaction-pooling hazard.  So the state
-- lives in the plan cache: cuid2_new_backend_state() is marked IMMUTABLE,
-- and cuid2_backend_state() calls it with no arguments, so the planner
-- evaluates it once when it plans that expression in a backend (or worker)
-- and keeps the result in that backend's cached plan.  It returns the
-- fingerprint (hash of the server address, postmaster start, backend pid,
-- the time and 32 random base36 digits, first 32 characters) and the
-- counter's offset (a random start below 476782367 less the time in
-- microseconds when it was made); the counter of an id is that offset plus
-- the current time in microseconds, so it starts at a random value and
-- advances with every id a backend makes.  A replanned expression (after a
-- catalog invalidation) simply starts a fresh state, as a new process
-- would.  Nothing is kept in the session, so nothing breaks under
-- transaction pooling: clients that share a backend share its state, and
-- its counter still advances.
--

-- @portable-only
CREATE FUNCTION cuid2_base36_12(c bigint)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 131621703842267136 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 3656158440062976 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 101559956668416 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 2821109907456 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 78364164096 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 2176782336 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 60466176 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 1679616 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 46656 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 1296 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c / 36 % 36)::int + 1, 1)
	    || substr('0123456789abcdefghijklmnopqrstuvwxyz', (c % 36)::int + 1, 1)
$$;

COMMENT ON FUNCTION cuid2_base36_12(bigint) IS
'internal to the portable ids: twelve base36 digits of 0 <= c < 36^12';

-- @portable-only
CREATE FUNCTION cuid2_digest_number(d bytea)
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	b bit(512) := ('x' || pg_catalog.encode(d, 'hex'))::bit(512);
BEGIN
	RETURN ((((((((substring(b FROM 1 FOR 8)::bigint::numeric * 72057594037927936
		+ substring(b FROM 9 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 65 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 121 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 177 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 233 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 289 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 345 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 401 FOR 56)::bigint) * 72057594037927936
		+ substring(b FROM 457 FOR 56)::bigint;
END
$$;

COMMENT ON FUNCTION cuid2_digest_number(bytea) IS
'internal to the portable ids: a 64-byte digest read as a big-endian number';

-- @portable-only
CREATE FUNCTION cuid2_new_backend_state()
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	r bit(384) := ('x' || pg_catalog.encode(@pgcrypto@.gen_random_bytes(48), 'hex'))::bit(384);
	entropy text := '';
	start_us bigint := (extract(epoch FROM pg_catalog.clock_timestamp()) * 1000000)::bigint;
	identity text;
	c bigint;
BEGIN
	-- 32 random base36 digits, from eleven 32-bit values (mod 36^3, bias < 2^-17)
	FOR i IN 0..10 LOOP
		c := substring(r FROM 32 * i + 1 FOR 32)::bigint % 46656;
		entropy := entropy || right(@extschema@.cuid2_base36_12(c), 3);
	END LOOP;
	identity := concat_ws(':', pg_catalog.inet_server_addr(), pg_catalog.inet_server_port(),
						  pg_catalog.pg_postmaster_start_time(), pg_catalog.pg_backend_pid(), start_us);
	RETURN left(@extschema@.cuid2_hash(identity || left(entropy, 32)), 32)
		|| ((substring(r FROM 353 FOR 32)::bigint % 476782367) - start_us)::text;
END
$$;

COMMENT ON FUNCTION cuid2_new_backend_state() IS
'internal to the portable ids: a new fingerprint and counter offset; IMMUTABLE only so that cuid2_backend_state() keeps one per backend in its plan';

-- @portable-only
CREATE FUNCTION cuid2_backend_state()
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
AS $$
BEGIN
	-- folded when this expression is planned: once per backend (see above)
	RETURN @extschema@.cuid2_new_backend_state();
END
$$;

COMMENT ON FUNCTION cuid2_backend_state() IS
'internal to the portable ids: the calling backend''s fingerprint and counter offset (see the Managed PostgreSQL guide)';

CREATE FUNCTION gen_prefixed_id(prefix text, length integer DEFAULT 24)
RETURNS text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE
AS $$
DECLARE
	problem text;
BEGIN
	IF prefix !~ '^[a-z]([a-z0-9_]*[a-z0-9])?$' OR octet_length(prefix) > 63 THEN
		problem := CASE
			WHEN prefix = '' THEN 'The prefix is empty.'
			WHEN octet_length(prefix) > 63 THEN 'The prefix is longer than 63 characters.'
			WHEN prefix !~ '^[a-z]' THEN 'The prefix does not start with a lowercase ASCII letter.'
			WHEN prefix ~ '[^a-z0-9_]' THEN 'The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore.'
			ELSE 'The prefix ends with an underscore.' END;
		RAISE EXCEPTION 'invalid prefix "%"', prefix
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = problem || ' A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.';
	END IF;
	RETURN prefix || '_' || @extschema@.gen_cuid2(length);
END
$$;

CREATE FUNCTION gen_cuid2(length integer DEFAULT 24)
RETURNS text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE
AS $$
DECLARE
	state text := @extschema@.cuid2_backend_state();
	r bit(416);
	now_us bigint;
	c1 bigint;
	c2 bigint;
	c3 bigint;
	n numeric;
	digits integer;
	salt text;
	input text;
BEGIN
	IF length < 2 OR length > 32 THEN
		RAISE EXCEPTION 'invalid CUID2 length %', length
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The length must be between 2 and 32.';
	END IF;
	-- (cuid2_base36_12 is inlined only when its argument is a variable)
	r := ('x' || pg_catalog.encode(@pgcrypto@.gen_random_bytes(52), 'hex'))::bit(416);
	now_us := (extract(epoch FROM pg_catalog.clock_timestamp()) * 1000000)::bigint;
	-- the salt: six groups of six base36 digits, each a 63-bit random value mod 36^6
	c1 := (substring(r FROM 33 FOR 63)::bigint % 2176782336) * 2176782336 + substring(r FROM 96 FOR 63)::bigint % 2176782336;
	c2 := (substring(r FROM 159 FOR 63)::bigint % 2176782336) * 2176782336 + substring(r FROM 222 FOR 63)::bigint % 2176782336;
	c3 := (substring(r FROM 285 FOR 63)::bigint % 2176782336) * 2176782336 + substring(r FROM 348 FOR 63)::bigint % 2176782336;
	salt := right(@extschema@.cuid2_base36_12(c1) || @extschema@.cuid2_base36_12(c2) || @extschema@.cuid2_base36_12(c3), length);
	-- time36 + salt + count36 + fingerprint
	c1 := now_us / 1000;
	c2 := substr(state, 33)::bigint + now_us;
	input := ltrim(@extschema@.cuid2_base36_12(c1), '0') || salt
		|| ltrim(@extschema@.cuid2_base36_12(c2), '0') || left(state, 32);
	n := @extschema@.cuid2_digest_number(@pgcrypto@.digest(input, 'sha3-512'));
	-- digits of the hash: 100 or 99 for all but a 1/36^2 share of digests
	IF n >= 36::numeric ^ 99 THEN
		digits := 100;
	ELSE
		digits := 99;
		WHILE digits > 0 AND n < 36::numeric ^ (digits - 1) LOOP
			digits := digits - 1;
		END LOOP;
	END IF;
	IF digits < length + 1 THEN
		RAISE EXCEPTION 'could not compute SHA3-512 for a CUID2'
			USING ERRCODE = 'internal_error';
	END IF;
	-- characters 2..length of the base36 number: the reference drops the
	-- first digit in hash() and the next one when it puts the letter first
	n := mod(div(n, 36::numeric ^ (digits - length - 1)), 36::numeric ^ (length - 1));
	c1 := div(n, 22452257707354557240087211123792674816);
	c2 := mod(div(n, 4738381338321616896), 4738381338321616896);
	c3 := mod(n, 4738381338321616896);
	RETURN chr(97 + ((substring(r FROM 1 FOR 32)::bigint * 26) >> 32)::integer)
		|| right(@extschema@.cuid2_base36_12(c1) || @extschema@.cuid2_base36_12(c2)
				 || @extschema@.cuid2_base36_12(c3), length - 1);
END
$$;

CREATE FUNCTION is_cuid2(id text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT id ~ '^[a-z][0-9a-z]{1,31}$'
$$;

CREATE FUNCTION is_prefixed_id(id text, prefix text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
AS $$
	SELECT CASE WHEN id IS NOT NULL THEN
		coalesce(substring(id FROM '^([a-z](?:[a-z0-9_]{0,61}[a-z0-9])?)_[a-z][0-9a-z]{1,31}$')
		         = coalesce(prefix, substring(id FROM '^([a-z](?:[a-z0-9_]{0,61}[a-z0-9])?)_[a-z][0-9a-z]{1,31}$')),
		         false)
	END
$$;

CREATE FUNCTION prefixed_id_prefix(id text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT substring(id FROM '^([a-z](?:[a-z0-9_]{0,61}[a-z0-9])?)_[a-z][0-9a-z]{1,31}$')
$$;

CREATE FUNCTION cuid2_hash(input text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
	n numeric := @extschema@.cuid2_digest_number(@pgcrypto@.digest(pg_catalog.convert_to(input, 'UTF8'), 'sha3-512'));
	s text := '';
	c bigint;
BEGIN
	WHILE n > 0 LOOP
		c := mod(n, 4738381338321616896);
		s := @extschema@.cuid2_base36_12(c) || s;
		n := div(n, 4738381338321616896);
	END LOOP;
	-- no leading zeros, then the first digit dropped ("0" for zero leaves "")
	RETURN substr(ltrim(s, '0'), 2);
END
$$;

CREATE FUNCTION cuid2_fingerprint()
RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
AS $$
	SELECT left(@extschema@.cuid2_backend_state(), 32)
$$;
