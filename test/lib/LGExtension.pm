# LGExtension.pm: what upgrade.t and dump_restore.t share.
#
#   members(%conn)           the lifeguard extension of one database as
#                            text: the extension's own settings and, for
#                            every member object, its definition, privileges
#                            (current and initial), columns and comments;
#                            a type's representation, an operator's
#                            function and properties, a cast's function and
#                            context, an operator class's operators and
#                            support functions
#   members_sql()            the query members() runs, for a caller that
#                            runs it inside a transaction of its own
#   same_members($name, \%a, \%b)
#                            a test that two databases have the same
#                            extension, with a unified diff when not
#   create_dependents($schema, %conn)
#                            the user objects that depend on the extension
#                            (a table whose DEFAULT is gen_prefixed_id('ws'),
#                            a CHECK and an index on lifeguard functions, a
#                            view over pool_usage, SQL-standard functions
#                            that call the extension), with five rows
#   check_dependents($name, $schema, %conn)
#                            tests that those objects still work
#   create_prefixed_dependents($schema, %conn), check_prefixed_dependents(...)
#                            the same for the prefixed_id type (since the
#                            release that added it): a table keyed by it
#                            with a DEFAULT, a hash index and a view, filled
#                            from the workspace ids
#
# %conn is what LG::psql takes (port, db).
package LGExtension;

use strict;
use warnings;
use Exporter 'import';
use File::Temp ();
use Test::More;
use LG qw(psql psql_err run_cmd);

our @EXPORT_OK = qw(members members_sql same_members create_dependents check_dependents
	create_prefixed_dependents check_prefixed_dependents);

# One line per fact, "object | fact: value", sorted.  Functions are compared
# both by pg_get_functiondef and fact by fact (so a diff names the fact);
# ACLs are sorted item by item, so the order of GRANTs does not matter.
# Names are printed relative to a fixed search_path, the same on both sides.
my $MEMBERS_SQL = <<'SQL';
SET search_path = pg_catalog;
WITH ext AS (
	SELECT e.* FROM pg_extension e WHERE e.extname = 'lifeguard'
), member AS (
	SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS name
	FROM pg_depend d JOIN ext ON d.refobjid = ext.oid
	WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
), proc AS (
	SELECT m.name, p.* FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
), rel AS (
	SELECT m.name, c.* FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
), typ AS (
	SELECT m.name, t.* FROM member m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
), opr AS (
	SELECT m.name, o.* FROM member m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
), cst AS (
	SELECT m.name, c.* FROM member m JOIN pg_cast c ON m.classid = 'pg_cast'::regclass AND c.oid = m.objid
), opc AS (
	SELECT m.name, c.* FROM member m JOIN pg_opclass c ON m.classid = 'pg_opclass'::regclass AND c.oid = m.objid
), facts(name, k, v) AS (
	SELECT 'extension', 'version', extversion FROM ext
	UNION ALL SELECT 'extension', 'schema', extnamespace::regnamespace::text FROM ext
	UNION ALL SELECT 'extension', 'relocatable', extrelocatable::text FROM ext
	UNION ALL SELECT 'extension', 'configuration tables', coalesce(extconfig::regclass[]::text, 'none') FROM ext
	UNION ALL SELECT 'extension', 'configuration conditions', coalesce(extcondition::text, 'none') FROM ext
	UNION ALL SELECT 'extension', 'comment', obj_description(oid, 'pg_extension') FROM ext
	UNION ALL SELECT 'extension', 'members', count(*)::text FROM member
	-- every member: what it is, its comments and its initial privileges
	UNION ALL SELECT m.name, 'identity', (pg_identify_object(m.classid, m.objid, 0)).identity FROM member m
	UNION ALL SELECT m.name, 'comment ' || d.objsubid, d.description
		FROM member m JOIN pg_description d ON d.classoid = m.classid AND d.objoid = m.objid
	UNION ALL SELECT m.name, 'initial privileges ' || ip.objsubid, ip.privtype::text || ' '
		|| (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(ip.initprivs) a)
		FROM member m JOIN pg_init_privs ip ON ip.classoid = m.classid AND ip.objoid = m.objid
	-- functions
	UNION ALL SELECT name, 'arguments', pg_get_function_arguments(oid) FROM proc
	UNION ALL SELECT name, 'result', pg_get_function_result(oid) FROM proc
	UNION ALL SELECT name, 'attributes', format('kind %s, volatility %s, parallel %s, strict %s, security definer %s, leakproof %s, returns set %s, cost %s, rows %s',
		prokind, provolatile, proparallel, proisstrict, prosecdef, proleakproof, proretset, procost, prorows) FROM proc
	UNION ALL SELECT name, 'language', (SELECT lanname FROM pg_language WHERE oid = prolang) FROM proc
	UNION ALL SELECT name, 'settings', coalesce(proconfig::text, 'none') FROM proc
	UNION ALL SELECT name, 'probin', coalesce(probin, 'none') FROM proc
	UNION ALL SELECT name, 'prosrc', prosrc FROM proc
	UNION ALL SELECT name, 'privileges', coalesce((SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(proacl) a), 'default') FROM proc
	UNION ALL SELECT name, 'definition', pg_get_functiondef(oid) FROM proc WHERE prokind IN ('f', 'p')
	-- views and other relations
	UNION ALL SELECT name, 'relation', format('kind %s, options %s', relkind, coalesce(reloptions::text, 'none')) FROM rel
	UNION ALL SELECT name, 'privileges', coalesce((SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(relacl) a), 'default') FROM rel
	UNION ALL SELECT name, 'view definition', pg_get_viewdef(oid, true) FROM rel WHERE relkind IN ('v', 'm')
	UNION ALL SELECT r.name, 'column ' || lpad(a.attnum::text, 4, '0'), format('%s %s%s, privileges %s', a.attname, format_type(a.atttypid, a.atttypmod),
			CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
			coalesce((SELECT string_agg(x::text, ' ' ORDER BY x::text) FROM unnest(a.attacl) x), 'default'))
		FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	-- types
	UNION ALL SELECT name, 'type', format('%s, kind %s', format_type(oid, NULL), typtype) FROM typ
	UNION ALL SELECT name, 'privileges', coalesce((SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(typacl) a), 'default') FROM typ
	UNION ALL SELECT t.name, 'attribute ' || lpad(a.attnum::text, 4, '0'), a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
		FROM typ t JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL SELECT t.name, 'labels', string_agg(e.enumlabel::text, ', ' ORDER BY e.enumsortorder)
		FROM typ t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.name
	UNION ALL SELECT name, 'representation', format('length %s, alignment %s, storage %s, category %s, preferred %s, collatable %s, io %s %s %s %s',
		typlen, typalign, typstorage, typcategory, typispreferred, typcollation <> 0, typinput, typoutput, typreceive, typsend)
		FROM typ WHERE typtype = 'b'
	-- operators, casts and operator classes
	UNION ALL SELECT name, 'operator', format('%s, commutator %s, negator %s, restrict %s, join %s, merges %s, hashes %s',
		oprcode, oprcom::regoperator, oprnegate::regoperator, oprrest, oprjoin, oprcanmerge, oprcanhash) FROM opr
	UNION ALL SELECT name, 'cast', format('function %s, context %s, method %s', castfunc::regprocedure, castcontext, castmethod) FROM cst
	UNION ALL SELECT name, 'operator class', format('type %s, default %s, family %s', opcintype::regtype, opcdefault,
		(SELECT opfname FROM pg_opfamily WHERE oid = opcfamily)) FROM opc
	UNION ALL SELECT c.name, 'member ' || a.amopstrategy, a.amopopr::regoperator::text FROM opc c JOIN pg_amop a ON a.amopfamily = c.opcfamily
	UNION ALL SELECT c.name, 'support ' || p.amprocnum, p.amproc::regprocedure::text FROM opc c JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
)
SELECT string_agg(name || ' | ' || k || ': ' || coalesce(v, 'NULL'), E'\n' ORDER BY name, k, v) FROM facts;
SQL

sub members_sql { return $MEMBERS_SQL }

sub members {
	my (%conn) = @_;
	return psql($MEMBERS_SQL, %conn) . "\n";
}

sub _diff {
	my ($x, $y, $xname, $yname) = @_;
	my @f = map { File::Temp->new(DIR => $ENV{LG_TMP}) } 1 .. 2;
	print { $f[0] } $x;
	print { $f[1] } $y;
	close $_ for @f;
	my (undef, $out) = run_cmd(['diff', '-u', '--label', $xname, '--label', $yname,
		$f[0]->filename, $f[1]->filename]);
	return $out;
}

# same_members($test_name, {port, db, label}, {port, db, label})
sub same_members {
	my ($name, $x, $y) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $mx = members(port => $x->{port}, db => $x->{db});
	my $my = members(port => $y->{port}, db => $y->{db});
	my $ok = ok($mx eq $my, $name);
	diag(_diff($mx, $my, $x->{label} // $x->{db}, $y->{label} // $y->{db})) unless $ok;
	return $ok;
}

# $schema is where the extension is ('' for the search_path)
sub create_dependents {
	my ($schema, %conn) = @_;
	my $s = $schema ? "$schema." : '';
	psql(<<"SQL", %conn);
CREATE TABLE workspace (
	id text PRIMARY KEY DEFAULT ${s}gen_prefixed_id('ws') CHECK (${s}is_prefixed_id(id, 'ws')),
	name text NOT NULL
);
CREATE INDEX workspace_prefix_idx ON workspace (${s}prefixed_id_prefix(id));
INSERT INTO workspace (name) SELECT 'w' || g FROM generate_series(1, 5) g;
CREATE VIEW my_pools AS
	SELECT database, application_name, connections FROM ${s}pool_usage;
CREATE FUNCTION new_workspace(name text) RETURNS text LANGUAGE sql
BEGIN ATOMIC
	INSERT INTO workspace (name) VALUES (new_workspace.name) RETURNING id;
END;
CREATE FUNCTION workspace_prefix(id text) RETURNS text LANGUAGE sql IMMUTABLE
	RETURN ${s}prefixed_id_prefix(id);
SQL
}

sub check_dependents {
	my ($name, $schema, %conn) = @_;
	my $s = $schema ? "$schema." : '';
	is(psql(q{SELECT count(*) FROM workspace WHERE id ~ '^ws_[a-z][0-9a-z]{23}$'}, %conn), 5,
		"$name: the rows made before are there");
	like(psql(q{INSERT INTO workspace (name) VALUES ('after') RETURNING id}, %conn),
		qr/^ws_[a-z][0-9a-z]{23}$/, "$name: DEFAULT gen_prefixed_id('ws') makes an id");
	like(psql(q{SELECT new_workspace('by function')}, %conn), qr/^ws_[a-z][0-9a-z]{23}$/,
		"$name: a SQL-standard function that inserts with the DEFAULT");
	like(psql_err(qq{INSERT INTO workspace (id, name) VALUES ('wx_' || ${s}gen_cuid2(), 'other prefix')}, %conn),
		qr/violates check constraint "workspace_id_check"/, "$name: the CHECK on is_prefixed_id(id, 'ws')");
	is(psql(q{SELECT count(DISTINCT workspace_prefix(id)) || ' ' || min(workspace_prefix(id)) FROM workspace}, %conn),
		'1 ws', "$name: a function over prefixed_id_prefix");
	my $by_prefix = "SELECT count(*) FROM workspace WHERE ${s}prefixed_id_prefix(id) = 'ws'";
	is(psql($by_prefix, %conn), 7, "$name: the rows by prefixed_id_prefix");
	like(psql("SET enable_seqscan = off; EXPLAIN (COSTS OFF) $by_prefix", %conn), qr/workspace_prefix_idx/,
		"$name: the index on prefixed_id_prefix(id) is used");
	ok(psql(q{SELECT connections >= 1 FROM my_pools WHERE database = current_database() AND application_name = 'psql'},
		%conn) =~ /^t/, "$name: the view over pool_usage");
}

# the prefixed_id type's operators are found through the search_path
sub _in_schema { my ($schema, $sql) = @_; return ($schema ? "SET search_path = public, $schema; " : '') . $sql }

sub create_prefixed_dependents {
	my ($schema, %conn) = @_;
	my $s = $schema ? "$schema." : '';
	psql(_in_schema($schema, <<"SQL"), %conn);
CREATE TABLE account (
	id ${s}prefixed_id PRIMARY KEY DEFAULT ${s}gen_prefixed_id('acct'),
	workspace ${s}prefixed_id NOT NULL,
	name text
);
CREATE INDEX account_workspace_hash ON account USING hash (workspace);
INSERT INTO account (workspace, name) SELECT id, 'a' || name FROM workspace;
CREATE VIEW account_names AS
	SELECT a.id::text AS id, w.name FROM account a JOIN workspace w ON w.id::${s}prefixed_id = a.workspace;
SQL
}

sub check_prefixed_dependents {
	my ($name, $schema, %conn) = @_;
	my $in = sub { _in_schema($schema, $_[0]) };
	is(psql($in->(q{SELECT count(*) >= 5 AND count(*) = count(w.id) FROM account a
		LEFT JOIN workspace w ON w.id = a.workspace::text AND a.name = 'a' || w.name}), %conn),
		't', "$name: the prefixed_id rows made before are there, each with its workspace");
	like(psql($in->(q{INSERT INTO account (workspace, name) SELECT id, 'new' FROM workspace LIMIT 1 RETURNING id}), %conn),
		qr/^acct_[a-z][0-9a-z]{23}$/, "$name: DEFAULT gen_prefixed_id('acct') fills a prefixed_id column");
	is(psql($in->(q{SELECT array_agg(id ORDER BY id)::text[] = array_agg(id::text ORDER BY id::text COLLATE "C") FROM account}), %conn),
		't', "$name: prefixed_id sorts as its text");
	like(psql($in->(q{SET enable_seqscan = off; SET enable_bitmapscan = off;
		EXPLAIN (COSTS OFF) SELECT name FROM account WHERE id = 'acct_abc'}), %conn), qr/Index Scan using account_pkey/,
		"$name: the prefixed_id primary key is used");
	like(psql($in->(q{SET enable_seqscan = off; SET enable_bitmapscan = off;
		EXPLAIN (COSTS OFF) SELECT name FROM account WHERE workspace = 'ws_abc'}), %conn), qr/Index Scan using account_workspace_hash/,
		"$name: the hash index on prefixed_id is used");
	is(psql(q{SELECT count(*) FILTER (WHERE id LIKE 'acct\_%') = (SELECT count(*) FROM account) FROM account_names}, %conn),
		't', "$name: the view over prefixed_id columns");
}

1;
