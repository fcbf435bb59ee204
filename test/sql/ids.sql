-- Prefixed CUID2 ids: signatures, markings, shapes, errors, validators,
-- hash vectors from the reference package, distribution, per-backend state.
-- Runs against both editions (test/harness.sh also runs it on a cluster with
-- only the portable edition); every check holds for both.
\set err_fields detail
\ir ../lib/pgtap_helpers.sql

BEGIN;
SELECT plan(150);

------------------------------------------------------------------------
-- signatures and markings (docs/sql.md)
SELECT has_function('gen_prefixed_id', ARRAY['text', 'integer']);
SELECT has_function('gen_cuid2', ARRAY['integer']);
SELECT has_function('is_cuid2', ARRAY['text']);
SELECT has_function('is_prefixed_id', ARRAY['text', 'text']);
SELECT has_function('prefixed_id_prefix', ARRAY['text']);
SELECT has_function('cuid2_hash', ARRAY['text']);

SELECT is(
	(SELECT string_agg(format('%s %s %s %s %s', p.proname, p.provolatile, p.proisstrict, p.proparallel, p.pronargdefaults), ', ' ORDER BY p.proname)
	   FROM pg_proc p
	  WHERE p.oid IN ('gen_prefixed_id(text, integer)'::regprocedure, 'gen_cuid2(integer)'::regprocedure,
	                  'is_cuid2(text)'::regprocedure, 'is_prefixed_id(text, text)'::regprocedure,
	                  'prefixed_id_prefix(text)'::regprocedure, 'cuid2_hash(text)'::regprocedure)),
	'cuid2_hash i t s 0, gen_cuid2 v t s 1, gen_prefixed_id v t s 1, is_cuid2 i t s 0, is_prefixed_id i f s 1, prefixed_id_prefix i t s 0',
	'volatility, strictness, PARALLEL SAFE and defaults follow docs/sql.md');

SELECT ok(NOT has_function_privilege('public', 'cuid2_fingerprint()', 'EXECUTE')
          OR NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'cuid2_fingerprint'
                         AND proacl IS NULL),
          'cuid2_fingerprint() is not granted to PUBLIC');

------------------------------------------------------------------------
-- shapes
SELECT matches(gen_prefixed_id('ws'), '^ws_[a-z][0-9a-z]{23}$', 'gen_prefixed_id(ws): ws_ + 24-character CUID2');
SELECT matches(gen_prefixed_id('wst', 32), '^wst_[a-z][0-9a-z]{31}$', 'length 32');
SELECT matches(gen_prefixed_id('a', 2), '^a_[a-z][0-9a-z]$', 'length 2');
SELECT matches(gen_prefixed_id('my_ws9'), '^my_ws9_[a-z][0-9a-z]{23}$', 'prefix with underscore and digit');
SELECT matches(gen_prefixed_id(repeat('p', 63)), '^p{63}_[a-z][0-9a-z]{23}$', '63-character prefix');
SELECT matches(gen_cuid2(), '^[a-z][0-9a-z]{23}$', 'gen_cuid2(): 24 characters');
SELECT is(length(gen_cuid2(n)), n, 'gen_cuid2(' || n || ') has length ' || n) FROM generate_series(2, 32) n;
SELECT ok(is_cuid2(gen_cuid2()), 'gen_cuid2() passes is_cuid2');
SELECT ok(is_prefixed_id(gen_prefixed_id('ses'), 'ses'), 'gen_prefixed_id passes is_prefixed_id');
SELECT is((SELECT count(DISTINCT gen_prefixed_id('ws')) FROM generate_series(1, 100000))::int, 100000,
          '100,000 ids in one statement are distinct');
SELECT isnt(gen_cuid2(), gen_cuid2(), 'two calls differ');

-- usable as a column default
CREATE TEMP TABLE workshop (id text PRIMARY KEY DEFAULT gen_prefixed_id('ws'), name text);
INSERT INTO workshop (name) SELECT 'w' || i FROM generate_series(1, 1000) i;
SELECT is((SELECT count(*)::int FROM workshop WHERE is_prefixed_id(id, 'ws')), 1000,
          'a DEFAULT gen_prefixed_id(''ws'') column fills 1000 valid, distinct ids');

------------------------------------------------------------------------
-- NULL in, NULL out
SELECT is(gen_prefixed_id(NULL), NULL, 'gen_prefixed_id(NULL) is NULL');
SELECT is(gen_prefixed_id('ws', NULL), NULL, 'gen_prefixed_id(ws, NULL) is NULL');
SELECT is(gen_cuid2(NULL), NULL, 'gen_cuid2(NULL) is NULL');
SELECT is(is_cuid2(NULL), NULL, 'is_cuid2(NULL) is NULL');
SELECT is(is_prefixed_id(NULL), NULL, 'is_prefixed_id(NULL) is NULL');
SELECT is(is_prefixed_id(NULL, 'ws'), NULL, 'is_prefixed_id(NULL, ws) is NULL');
SELECT is(prefixed_id_prefix(NULL), NULL, 'prefixed_id_prefix(NULL) is NULL');
SELECT is(cuid2_hash(NULL), NULL, 'cuid2_hash(NULL) is NULL');

------------------------------------------------------------------------
-- bad input: SQLSTATE 22023, the value in the message, the rule in the detail
SELECT is(pg_temp.err(format('SELECT gen_prefixed_id(%L)', p)), e, 'bad prefix ' || quote_literal(p))
FROM (VALUES
	('', '22023: invalid prefix "" | The prefix is empty. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('Ws', '22023: invalid prefix "Ws" | The prefix does not start with a lowercase ASCII letter. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('wS', '22023: invalid prefix "wS" | The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('1ws', '22023: invalid prefix "1ws" | The prefix does not start with a lowercase ASCII letter. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('_ws', '22023: invalid prefix "_ws" | The prefix does not start with a lowercase ASCII letter. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('ws_', '22023: invalid prefix "ws_" | The prefix ends with an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('w-s', '22023: invalid prefix "w-s" | The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('w s', '22023: invalid prefix "w s" | The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	(' ws', '22023: invalid prefix " ws" | The prefix does not start with a lowercase ASCII letter. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('wé', '22023: invalid prefix "wé" | The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	('éws', '22023: invalid prefix "éws" | The prefix does not start with a lowercase ASCII letter. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.'),
	(repeat('p', 64), '22023: invalid prefix "' || repeat('p', 64) || '" | The prefix is longer than 63 characters. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.')
) AS t(p, e);

-- a message quotes at most 100 bytes of a bad value, on a character boundary
SELECT is(pg_temp.err($$SELECT gen_prefixed_id(repeat('a', 100 * 1024 * 1024))$$),
          '22023: invalid prefix "' || repeat('a', 100) || '..." | The prefix is longer than 63 characters. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.',
          'a 100 MB prefix: the message quotes its first 100 bytes and "..."');
SELECT is(split_part(pg_temp.err($$SELECT gen_prefixed_id(repeat('日', 40))$$), ' | ', 1),
          '22023: invalid prefix "' || repeat('日', 33) || '..."',
          'the quote is cut on a character boundary (33 three-byte characters)');
SELECT is(split_part(pg_temp.err($$SELECT gen_prefixed_id(repeat('a', 99) || 'B')$$), ' | ', 1),
          '22023: invalid prefix "' || repeat('a', 99) || 'B"',
          'a value of exactly 100 bytes is quoted whole');

SELECT is(pg_temp.err(format('SELECT gen_prefixed_id(''ws'', %s)', n)),
          '22023: invalid CUID2 length ' || n || ' | The length must be between 2 and 32.',
          'gen_prefixed_id length ' || n || ' is rejected')
FROM unnest(ARRAY[-1, 0, 1, 33, 2147483647]) n;
SELECT is(pg_temp.err(format('SELECT gen_cuid2(%s)', n)),
          '22023: invalid CUID2 length ' || n || ' | The length must be between 2 and 32.',
          'gen_cuid2 length ' || n || ' is rejected')
FROM unnest(ARRAY[-2147483648, 1, 33]) n;

------------------------------------------------------------------------
-- validators never raise, on any text
SELECT is(pg_temp.err(format('SELECT is_cuid2(%L), is_prefixed_id(%L), is_prefixed_id(%L, %L), prefixed_id_prefix(%L)', s, s, s, s, s)),
          'no error', 'validators do not raise on ' || quote_literal(left(s, 20)))
FROM unnest(ARRAY['', '_', '__', 'a_', '_a', 'ws_', 'ws__abc', 'é_éé', repeat('x', 10000), repeat('_', 100),
                  E'\\x00', 'ws_' || repeat('a', 33), 'Ws_abc', '日本_語', chr(1) || '_ab']) s;

SELECT is(is_cuid2(s), want, 'is_cuid2(' || quote_literal(s) || ')')
FROM (VALUES ('ab', true), ('a1', true), ('a' || repeat('0', 31), true), ('a' || repeat('0', 32), false),
             ('a', false), ('', false), ('1a', false), ('Ab', false), ('aB', false), ('a_b', false),
             ('a-b', false), ('ab ', false), ('é1', false), ('zz9', true)) AS t(s, want);

SELECT is(is_prefixed_id(s, p), want, format('is_prefixed_id(%L, %L)', s, p))
FROM (VALUES ('ws_ab', NULL, true), ('ws_ab', 'ws', true), ('ws_ab', 'wm', false),
             ('my_ws_ab', NULL, true), ('my_ws_ab', 'my_ws', true), ('my_ws_ab', 'my', false),
             ('ws_a', NULL, false), ('ws_1ab', NULL, false), ('Ws_ab', NULL, false),
             ('ws__ab', NULL, false), ('_ws_ab', NULL, false), ('ws_ab_', NULL, false),
             ('wsab', NULL, false), ('ws_ab', 'WS', false), ('ws_ab', '', false),
             (repeat('p', 63) || '_ab', NULL, true), (repeat('p', 64) || '_ab', NULL, false),
             ('ws_a' || repeat('b', 31), NULL, true), ('ws_a' || repeat('b', 32), NULL, false)) AS t(s, p, want);

SELECT is(prefixed_id_prefix(s), want, format('prefixed_id_prefix(%L)', s))
FROM (VALUES ('ws_ab', 'ws'), ('my_ws_ab', 'my_ws'), ('wst_' || gen_cuid2(), 'wst'),
             ('ws_', NULL), ('ws_1a', NULL), ('nope', NULL), ('', NULL), ('_ab', NULL),
             ('ws__ab', NULL)) AS t(s, want);

------------------------------------------------------------------------
-- cuid2_hash: vectors computed with @paralleldrive/cuid2 3.3.0
-- (the integration test compares 2,000+ more inputs with the package live)
SELECT is(cuid2_hash(s), h, 'cuid2_hash(' || quote_literal(left(s, 10)) || ') matches the reference')
FROM (VALUES
	('', 'hwy9hczxnhp8h02w8vk5ozzfbicdzl7bm3tokbnp700ruweb66gvvn2smv2u019fy0avhunqj6eta7kgi9qwexyqb5aufudz52'),
	('a', 'ryviod0v9bkpq7jxvrxw0w61cix1tdaji5hl5k3so0yoba17dwgd6cbctzirb9fj11npon84pn1umtkvtub92h0sff1287f5ey'),
	('ws', '2arg5z3vmejgtbzx16grae4jh1zrfcp7139n1nmyzxsmp7treoot1547r0jp8z0q8a2e9bwmhjlssmdegbjidlgsuiiz54cholt'),
	('héllo', 'i6hlyrc8zr0lahg4oqf6w973fnv67rmvggtggss2jmrann17gfsrlagpyrnx3k9isl86zgzuh54gfdp1vvuc2x92bsigrldz6a'),
	('日本語', '8wvv6y5hx26jq9huuf73mhk6vwb495gohp6ayrtbfbwjvh53o17k9iyxpfx6k3hv6gjdrq8gcbm0vl8yyuoqn49rxlvfyek440'),
	(repeat('x', 200), 'a9qf4rxcjxzvds18zi08v6x6e9xyat3ggfj0wyf2uplug6ycgk9yoh1j403tot0kek8vm9xau08x4jastvt85ipsuxujetjzty')
) AS t(s, h);

------------------------------------------------------------------------
-- distribution, as the reference's own tests check it: over 100,000 ids,
-- each of the 36 symbols after the second character within +-10% of the
-- mean, and a 20-bucket histogram of the body's value within +-10%
CREATE TEMP TABLE dist AS SELECT gen_cuid2() AS id FROM generate_series(1, 100000);

SELECT is((SELECT count(*)::int FROM (
	SELECT substr(id, pos, 1) AS c, count(*) AS n
	  FROM dist, generate_series(3, 24) pos GROUP BY 1) s
	 WHERE n BETWEEN 0.9 * (100000 * 22 / 36.0) AND 1.1 * (100000 * 22 / 36.0)), 36,
	'all 36 symbols after the second character are within 10% of the mean');

-- value of the body (characters 2..11: the leading 10 base36 digits decide
-- the bucket) scaled into 20 buckets
CREATE FUNCTION pg_temp.b36(s text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT sum((strpos('0123456789abcdefghijklmnopqrstuvwxyz', substr(s, i, 1)) - 1)::numeric
	           * power(36::numeric, length(s) - i))
	  FROM generate_series(1, length(s)) i $$;
SELECT is((SELECT count(*)::int FROM (
	SELECT floor(pg_temp.b36(substr(id, 2, 10)) * 20 / power(36::numeric, 10)) AS bucket, count(*) AS n
	  FROM dist GROUP BY 1) s
	 WHERE n BETWEEN 0.9 * 5000 AND 1.1 * 5000), 20,
	'a 20-bucket histogram of the body is within 10% in every bucket');
SELECT is((SELECT count(DISTINCT left(id, 1))::int FROM dist), 26, 'the first letter takes all 26 values');

------------------------------------------------------------------------
-- per-process state: every backend has its own fingerprint, and the state
-- follows the process (a preloaded library sets up nothing random)
SELECT is(length(cuid2_fingerprint()), 32, 'the fingerprint has 32 characters');
SELECT is(cuid2_fingerprint(), cuid2_fingerprint(), 'the fingerprint is stable within a backend');

CREATE TEMP TABLE fps (fp text);
DO $$
BEGIN
	FOR i IN 1..20 LOOP
		PERFORM dblink_connect('fp' || i, 'dbname=' || current_database() || ' port=' || current_setting('port') || ' host=127.0.0.1 user=postgres');
	END LOOP;
	FOR i IN 1..20 LOOP
		INSERT INTO fps SELECT fp FROM dblink('fp' || i, 'SELECT gen_cuid2(), cuid2_fingerprint()') AS t(id text, fp text);
	END LOOP;
	FOR i IN 1..20 LOOP
		PERFORM dblink_disconnect('fp' || i);
	END LOOP;
END $$;
INSERT INTO fps VALUES (cuid2_fingerprint());
SELECT is((SELECT count(DISTINCT fp)::int FROM fps), 21, '21 backends of one preloaded postmaster have 21 distinct fingerprints');

SELECT * FROM finish();
ROLLBACK;
