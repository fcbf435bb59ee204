-- The prefixed_id type: its objects and markings, the text form in and out
-- (every CUID2 length, short and long prefixes, the smallest and largest
-- bodies), its size, casts, the order of the text form (COLLATE "C") on
-- 20,000 generated ids and on prefixes that meet at an underscore, both
-- operator classes as the planner uses them (btree index and merge join,
-- hash index, hash join, hash aggregation and hash partitioning), the
-- binary send format, and errors (SQLSTATE, message, detail, hint), also
-- through pg_input_error_info() where there is one (PostgreSQL 16+).  The
-- binary receive side is test/integration/prefixed_id_copy.t's (COPY
-- BINARY through psql).
\ir ../lib/pgtap_helpers.sql

BEGIN;
SELECT plan(61);

-- the same for the type's input: softly, through pg_input_error_info(),
-- where the server has it (PostgreSQL 16+), else by casting
CREATE FUNCTION pg_temp.input_err(v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	IF current_setting('server_version_num')::int < 160000 THEN
		RETURN pg_temp.err(format('SELECT %L::prefixed_id', v));
	END IF;
	EXECUTE $q$SELECT coalesce(sql_error_code || ': ' || message || ' | ' || coalesce(detail, '') || ' | ' || coalesce(hint, ''),
	                           'no error') FROM pg_input_error_info($1, 'prefixed_id')$q$ INTO r USING v;
	RETURN r;
END $$;

-- the plan of a query, EXPLAIN (COSTS OFF)
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		r := r || l || E'\n';
	END LOOP;
	RETURN r;
END $$;

------------------------------------------------------------------------
-- objects and markings (docs/sql.md)
SELECT has_type('prefixed_id');
SELECT is(
	(SELECT string_agg(format('%s %s %s %s %s', p.proname, p.provolatile, p.proisstrict, p.proparallel, p.proleakproof), ', ' ORDER BY p.proname)
	   FROM pg_proc p
	  WHERE p.oid IN (SELECT objid FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lifeguard')
	                  AND classid = 'pg_proc'::regclass)
	    AND p.proname LIKE 'prefixed\_id%' AND p.proname <> 'prefixed_id_prefix'),
	'prefixed_id i t s f, prefixed_id_cmp i t s t, prefixed_id_eq i t s t, prefixed_id_ge i t s t, prefixed_id_gt i t s t, '
	'prefixed_id_hash i t s t, prefixed_id_hash_extended i t s t, prefixed_id_in i t s f, prefixed_id_le i t s t, '
	'prefixed_id_lt i t s t, prefixed_id_ne i t s t, prefixed_id_out i t s f, '
	'prefixed_id_recv i t s f, prefixed_id_send i t s f, prefixed_id_sortsupport i t s f, prefixed_id_to_text i t s f',
	'the functions of the type: immutable, strict, parallel safe; the comparisons and hashes leakproof');
SELECT is(
	(SELECT string_agg(format('%s -> %s: %s', castsource::regtype, casttarget::regtype, castcontext), ', ' ORDER BY castsource::regtype::text)
	   FROM pg_cast WHERE 'prefixed_id'::regtype IN (castsource, casttarget)),
	'character varying -> prefixed_id: a, prefixed_id -> text: a, text -> prefixed_id: a',
	'casts from text and varchar and to text, on assignment (none implicit)');
SELECT is(
	(SELECT string_agg(format('%s %s default %s', am.amname, c.opcname, c.opcdefault), ', ' ORDER BY am.amname)
	   FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod WHERE c.opcintype = 'prefixed_id'::regtype),
	'btree prefixed_id_ops default t, hash prefixed_id_ops default t',
	'default btree and hash operator classes');
SELECT is(
	(SELECT string_agg(format('%s %s', p.amprocnum, p.amproc::regproc), ', ' ORDER BY p.amprocnum)
	   FROM pg_amproc p JOIN pg_opfamily f ON f.oid = p.amprocfamily JOIN pg_am am ON am.oid = f.opfmethod
	  WHERE am.amname = 'btree' AND p.amproclefttype = 'prefixed_id'::regtype),
	'1 prefixed_id_cmp, 2 prefixed_id_sortsupport, 4 btequalimage',
	'btree support: comparison, sort support, and equal images (deduplication)');
SELECT is(
	(SELECT format('%s %s %s', typlen, typstorage, typcategory) FROM pg_type WHERE oid = 'prefixed_id'::regtype),
	'-1 e U', 'a varlena, stored inline uncompressed (storage external), a user-defined type category');

------------------------------------------------------------------------
-- the text form in and out
CREATE TEMP TABLE ids (t text, p text, n int);
-- 20,000 generated ids: prefixes that share their start or meet at '_',
-- a 63-character one, every CUID2 length
INSERT INTO ids (t)
SELECT gen_prefixed_id((ARRAY['ws', 'w', 'ws2', 'ws_x', 'wsa', 'ws0', 'my_ws', 'my_ws_a', 'a', 'z9', 'pppppppp',
                              'ws_x_y', repeat('q', 63)])[1 + g % 13], 2 + (g / 13) % 31)
  FROM generate_series(0, 19999) g;
-- the smallest and largest bodies of every length, and digits everywhere
INSERT INTO ids (t)
SELECT p || '_' || b
  FROM unnest(ARRAY['ws', 'ws_x', 'w']) p,
       generate_series(2, 32) n,
       LATERAL (VALUES ('a' || repeat('0', n - 1)), ('z' || repeat('z', n - 1)), ('a' || repeat('z', n - 1)),
                       ('z' || repeat('0', n - 1)), ('m' || repeat('9', n - 1)), (left('k0a9z' || repeat('5', 31), n))) v(b);
UPDATE ids SET p = prefixed_id_prefix(t), n = length(t) - length(prefixed_id_prefix(t)) - 1;
ALTER TABLE ids ADD COLUMN id prefixed_id;
UPDATE ids SET id = t;
ANALYZE ids;

SELECT is((SELECT count(*)::int FROM ids WHERE is_prefixed_id(t)), 20558, '20,558 valid prefixed ids to test with');
SELECT is((SELECT count(*)::int FROM ids WHERE id::text IS DISTINCT FROM t), 0,
          'every id reads back as its text (assigned from text, cast to text)');
SELECT is((SELECT count(*)::int FROM ids WHERE t::prefixed_id <> id OR prefixed_id(t) <> id
                                           OR (id::text)::prefixed_id <> id), 0,
          '... and the input, the cast and the function prefixed_id(text) give the same value');
SELECT is((SELECT count(DISTINCT n)::int FROM ids), 31, '... every CUID2 length from 2 to 32');

-- size on disk: a one-byte header, the length, six bits per prefix character,
-- and the body in ceil(log2(26 * 36^(n-1)) / 8) bytes
SELECT is((SELECT count(*)::int FROM ids
            WHERE pg_column_size(id) <> 1 + 1 + ceil(6 * length(p) / 8.0)
                                       + ceil(log(2, 26 * power(36::numeric, n - 1)) / 8)), 0,
          'every stored value has the size of the documented layout');
SELECT is((SELECT DISTINCT pg_column_size(id) FROM ids WHERE p = 'ws' AND n = 24), 20,
          'ws_ and 24 characters take 20 bytes (text: 28, uuid: 16)');
SELECT is((SELECT max(pg_column_size(id)) FROM ids WHERE length(p) <= 8 AND n = 24), 24,
          'every prefix of up to 8 characters with 24 characters fits in 24 bytes');

------------------------------------------------------------------------
-- order: the byte order of the text form, as COLLATE "C"
SELECT is((SELECT array_agg(t ORDER BY id) FROM ids), (SELECT array_agg(t ORDER BY t COLLATE "C") FROM ids),
          'ORDER BY prefixed_id (sort support) is ORDER BY the text COLLATE "C"');
CREATE TEMP TABLE pairs AS
	SELECT a.t AS ta, a.id AS ia, b.t AS tb, b.id AS ib
	  FROM (SELECT t, id FROM ids ORDER BY random() LIMIT 400) a,
	       (SELECT t, id FROM ids ORDER BY random() LIMIT 400) b;
SELECT is((SELECT count(*)::int FROM pairs
            WHERE (ia < ib) <> (ta < tb COLLATE "C") OR (ia <= ib) <> (ta <= tb COLLATE "C")
               OR (ia > ib) <> (ta > tb COLLATE "C") OR (ia >= ib) <> (ta >= tb COLLATE "C")
               OR (ia = ib) <> (ta = tb) OR (ia <> ib) <> (ta <> tb)
               OR sign(prefixed_id_cmp(ia, ib)) <> CASE WHEN ta < tb COLLATE "C" THEN -1 WHEN ta = tb THEN 0 ELSE 1 END), 0,
          'the six operators and prefixed_id_cmp agree with the text on 160,000 pairs');
SELECT is((SELECT string_agg(t, ' ' ORDER BY t::prefixed_id)
             FROM unnest(ARRAY['ws_ab', 'ws_x_ab', 'ws2_ab', 'wsa_ab', 'ws_ab0', 'ws_a0', 'ws0_zz', 'ws__', 'w_zz',
                               'ws_x_y_ab', 'ws_xa_ab', 'ws_x0_ab', 'ws_ay']) t WHERE is_prefixed_id(t)),
          'w_zz ws0_zz ws2_ab ws_a0 ws_ab ws_ab0 ws_ay ws_x0_ab ws_x_ab ws_x_y_ab ws_xa_ab wsa_ab',
          'prefixes that meet at an underscore sort as their text: digits < _ < letters, shorter first');

------------------------------------------------------------------------
-- the btree operator class: primary key, index scans, merge join
CREATE TEMP TABLE workshop (id prefixed_id PRIMARY KEY DEFAULT gen_prefixed_id('ws'), name text);
INSERT INTO workshop (name) SELECT 'w' || g FROM generate_series(1, 5000) g;
INSERT INTO workshop SELECT DISTINCT id, 'from ids' FROM ids WHERE p = 'ws' ON CONFLICT DO NOTHING;
ANALYZE workshop;
SELECT is((SELECT count(*)::int FROM workshop WHERE name ~ '^w[0-9]+$' AND is_prefixed_id(id::text, 'ws') AND length(id::text) = 27), 5000,
          'a DEFAULT gen_prefixed_id(''ws'') column of type prefixed_id fills itself (the cast from text on assignment)');
SELECT is(pg_temp.err($$INSERT INTO workshop SELECT id, 'again' FROM workshop WHERE name = 'w1'$$),
          '23505: duplicate key value violates unique constraint "workshop_pkey" | Key (id)=(' || (SELECT id::text FROM workshop WHERE name = 'w1') || ') already exists. | ',
          'the primary key refuses a duplicate, naming it in its text form');
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT matches(pg_temp.plan(
	$$SELECT name FROM workshop WHERE id = 'ws_abc'$$), 'Index Scan using workshop_pkey', 'equality uses the primary key');
SELECT matches(pg_temp.plan(
	$$SELECT id FROM workshop WHERE id >= 'ws_a0' AND id < 'ws_b0' ORDER BY id$$), 'Index (Only )?Scan using workshop_pkey',
	'a range with ORDER BY is an index scan, in index order');
SELECT is((SELECT array_agg(id::text ORDER BY id) FROM workshop WHERE id >= 'ws_a0' AND id < 'ws_b0'),
          (SELECT array_agg(id::text ORDER BY id::text COLLATE "C") FROM workshop WHERE id::text >= 'ws_a0' AND id::text < 'ws_b0'),
          '... and returns the rows of the text range, in text order');
SELECT is((SELECT name FROM workshop WHERE id = (SELECT id FROM workshop WHERE name = 'w4321')), 'w4321',
          'an index lookup finds its row');
RESET enable_seqscan;
RESET enable_bitmapscan;
CREATE TEMP TABLE visit (workshop_id prefixed_id, at int);
INSERT INTO visit SELECT id, g FROM workshop, generate_series(1, 2) g;
CREATE INDEX ON visit (workshop_id);
ANALYZE visit;
-- the plan and the rows of the join of workshop and visit with one join
-- method left (the others off, for this call only)
CREATE FUNCTION pg_temp.join_by(method text, OUT plan text, OUT n int) LANGUAGE plpgsql AS $$
DECLARE m text;
BEGIN
	FOREACH m IN ARRAY ARRAY['hashjoin', 'mergejoin', 'nestloop'] LOOP
		PERFORM set_config('enable_' || m, (m = method)::text, true);
	END LOOP;
	plan := pg_temp.plan('SELECT count(*) FROM workshop w JOIN visit v ON v.workshop_id = w.id');
	SELECT count(*) INTO n FROM workshop w JOIN visit v ON v.workshop_id = w.id;
	FOREACH m IN ARRAY ARRAY['hashjoin', 'mergejoin', 'nestloop'] LOOP
		PERFORM set_config('enable_' || m, 'on', true);
	END LOOP;
END $$;
SELECT matches((pg_temp.join_by('mergejoin')).plan, 'Merge Join', 'a join on prefixed_id can be a merge join');
SELECT is((pg_temp.join_by('mergejoin')).n, 2 * (SELECT count(*)::int FROM workshop), '... with every row');

------------------------------------------------------------------------
-- the hash operator class: hash join, hash index, hash aggregation, hash partitioning
SELECT matches((pg_temp.join_by('hashjoin')).plan, 'Hash Join', 'a join on prefixed_id can be a hash join');
SELECT is((pg_temp.join_by('hashjoin')).n, 2 * (SELECT count(*)::int FROM workshop), '... with every row');
CREATE INDEX visit_hash ON visit USING hash (workshop_id);
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
DROP INDEX visit_workshop_id_idx;
SELECT matches(pg_temp.plan(
	$$SELECT at FROM visit WHERE workshop_id = 'ws_abc'$$), 'Index Scan using visit_hash', 'equality uses a hash index');
SELECT is((SELECT array_agg(at ORDER BY at) FROM visit WHERE workshop_id = (SELECT id FROM workshop WHERE name = 'w17')), '{1,2}',
          '... and finds both rows');
RESET enable_seqscan;
RESET enable_bitmapscan;
SET LOCAL enable_sort = off;
SELECT matches(pg_temp.plan(
	$$SELECT workshop_id, count(*) FROM visit GROUP BY workshop_id$$), 'HashAggregate', 'GROUP BY can hash');
SELECT is((SELECT count(*)::int FROM (SELECT workshop_id FROM visit GROUP BY workshop_id HAVING count(*) = 2) s),
          (SELECT count(*)::int FROM workshop), '... one group of two per workshop');
RESET enable_sort;
SELECT is((SELECT count(*)::int FROM ids WHERE prefixed_id_hash(id) <> prefixed_id_hash(t::prefixed_id)
                                          OR prefixed_id_hash_extended(id, 7) <> prefixed_id_hash_extended(t::prefixed_id, 7)), 0,
          'the hashes are a function of the value');
SELECT is((SELECT count(DISTINCT prefixed_id_hash_extended(id, 0))::int FROM ids), (SELECT count(DISTINCT t)::int FROM ids),
          'no two of the 20,558 ids share a 64-bit hash');
CREATE TEMP TABLE part (id prefixed_id, n int) PARTITION BY HASH (id);
CREATE TEMP TABLE part0 PARTITION OF part FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TEMP TABLE part1 PARTITION OF part FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TEMP TABLE part2 PARTITION OF part FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TEMP TABLE part3 PARTITION OF part FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO part SELECT id, 1 FROM ids;
SELECT is((SELECT string_agg(c::text, ',') FROM (SELECT count(*) > 4000 c FROM part GROUP BY tableoid ORDER BY tableoid) s),
          'true,true,true,true', 'hash partitioning (prefixed_id_hash_extended) spreads the ids over the four partitions');
SELECT is((SELECT count(*)::int FROM part WHERE id = (SELECT id FROM ids ORDER BY t LIMIT 1)), 1,
          '... and finds each in its partition');

------------------------------------------------------------------------
-- casts
SELECT is(pg_temp.err($$SELECT count(*) FROM ids WHERE id = t$$),
          '42883: operator does not exist: prefixed_id = text |  | No operator matches the given name and argument types. You might need to add explicit type casts.',
          'no implicit cast: comparing with text needs one');
SELECT is((SELECT count(*)::int FROM ids WHERE id = t::prefixed_id AND id::text = t), 20558, '... either way');
CREATE TEMP TABLE texts (orig text, t text, v varchar(100));
INSERT INTO texts SELECT t, id, id FROM ids;
SELECT is((SELECT count(*)::int FROM texts WHERE t = orig AND v = orig), 20558,
          'a prefixed_id assigns to text and varchar columns');
INSERT INTO workshop (id, name) VALUES ('ws_by0varchar0cast'::varchar, 'varchar literal');
SELECT is((SELECT name FROM workshop WHERE id = 'ws_by0varchar0cast'), 'varchar literal',
          'varchar assigns to a prefixed_id column (a driver that sends varchar)');
SELECT is(NULL::text::prefixed_id, NULL, 'NULL casts to NULL');

------------------------------------------------------------------------
-- the binary send format: the text form's bytes, as text's
SELECT is((SELECT count(*)::int FROM ids WHERE prefixed_id_send(id) <> textsend(t)), 0,
          'prefixed_id_send gives the bytes textsend gives for the text form');

------------------------------------------------------------------------
-- bad input: SQLSTATE 22023, the value in the message, the rule in the detail, no hint
SELECT is(pg_temp.err(format('SELECT %L::prefixed_id', v)), e, 'input ' || quote_literal(v))
FROM (VALUES
	('wsabc', '22023: invalid prefixed id "wsabc" | The value has no underscore. A prefixed id is a prefix, an underscore and a CUID2. | '),
	('_abc', '22023: invalid prefixed id "_abc" | The prefix is empty. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore. | '),
	('Ws_abc', '22023: invalid prefixed id "Ws_abc" | The prefix does not start with a lowercase ASCII letter. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore. | '),
	('w-s_abc', '22023: invalid prefixed id "w-s_abc" | The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore. | '),
	('ws__abc', '22023: invalid prefixed id "ws__abc" | The prefix ends with an underscore. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore. | '),
	(repeat('p', 64) || '_abc', '22023: invalid prefixed id "' || repeat('p', 64) || '_abc" | The prefix is longer than 63 characters. A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore. | '),
	('ws_', '22023: invalid prefixed id "ws_" | The CUID2 is shorter than 2 characters. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('ws_a', '22023: invalid prefixed id "ws_a" | The CUID2 is shorter than 2 characters. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('ws_a' || repeat('b', 32), '22023: invalid prefixed id "ws_a' || repeat('b', 32) || '" | The CUID2 is longer than 32 characters. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('ws_1abc', '22023: invalid prefixed id "ws_1abc" | The CUID2 does not start with a lowercase ASCII letter. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('ws_abC', '22023: invalid prefixed id "ws_abC" | The CUID2 contains a character other than a lowercase ASCII letter or a digit. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('ws_ab ', '22023: invalid prefixed id "ws_ab " | The CUID2 contains a character other than a lowercase ASCII letter or a digit. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('ws_日本', '22023: invalid prefixed id "ws_日本" | The CUID2 does not start with a lowercase ASCII letter. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits. | '),
	('', '22023: invalid prefixed id "" | The value has no underscore. A prefixed id is a prefix, an underscore and a CUID2. | ')
) AS t(v, e);
SELECT is(pg_temp.err($$SELECT repeat('日', 40)::prefixed_id$$),
          '22023: invalid prefixed id "' || repeat('日', 33) || '..." | The value has no underscore. A prefixed id is a prefix, an underscore and a CUID2. | ',
          'the message quotes at most 100 bytes, cut on a character boundary');
SELECT is(pg_temp.err($$SELECT prefixed_id('ws_Abc')$$), pg_temp.err($$SELECT 'ws_Abc'::prefixed_id$$),
          'the cast from text reports the same error as the input');
SELECT is(pg_temp.err($$INSERT INTO workshop (id) VALUES ('ws-abc')$$),
          '22023: invalid prefixed id "ws-abc" | The value has no underscore. A prefixed id is a prefix, an underscore and a CUID2. | ',
          'so does an INSERT of a bad id');
SELECT is(pg_temp.input_err(v), pg_temp.err(format('SELECT %L::prefixed_id', v)),
          'the soft error of ' || quote_literal(v) || ' (pg_input_error_info, PostgreSQL 16+) is the error')
FROM unnest(ARRAY['ws', 'Ws_ab', 'ws_1']) v;
SELECT is(pg_temp.input_err('ws_ab'), 'no error', 'a valid id is valid input');

SELECT * FROM finish();
ROLLBACK;
