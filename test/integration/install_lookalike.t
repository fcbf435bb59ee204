# CREATE EXTENSION lifeguard into a schema that already holds look-alikes
# of what the extension's SQL uses (current_database(), pool_usage(),
# current_setting(), pg_prepared_statements, a text = operator, a type
# named inet), then every object used with those look-alikes first on the
# search_path: every internal reference is schema-qualified, so none of
# them is picked up, at install time or when an SQL function runs.
use strict;
use warnings;
use Test::More;
use LG qw(psql psql_ok psql_err);

my $db = 'lg_lookalike';
psql("DROP DATABASE IF EXISTS $db");
psql("CREATE DATABASE $db");
END { eval { psql("DROP DATABASE IF EXISTS $db") } }

psql(q{
CREATE SCHEMA lg_look;
CREATE FUNCTION lg_look.current_database() RETURNS name LANGUAGE sql AS $$ SELECT 'lg_no_such_db'::name $$;
CREATE FUNCTION lg_look.pool_usage(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT 42 $$;
CREATE FUNCTION lg_look.current_setting(text, boolean) RETURNS text LANGUAGE sql AS $$ SELECT 'planted' $$;
CREATE TABLE lg_look.pg_prepared_statements (name text, from_sql boolean);
INSERT INTO lg_look.pg_prepared_statements VALUES ('planted', true);
CREATE FUNCTION lg_look.always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR lg_look.= (LEFTARG = text, RIGHTARG = text, FUNCTION = lg_look.always);
CREATE TYPE lg_look.inet AS (x integer);
}, db => $db);

ok(psql_ok('CREATE EXTENSION lifeguard SCHEMA lg_look', db => $db),
	'CREATE EXTENSION into a schema holding look-alikes')
	or diag psql_err('CREATE EXTENSION lifeguard SCHEMA lg_look', db => $db);

# the look-alikes first, pg_catalog after them
my $path = "SET search_path = lg_look, pg_catalog;\n";
is(psql($path . q{SELECT count(*) > 0 FROM pool_usage WHERE database OPERATOR(pg_catalog.=) pg_catalog.current_database()}, db => $db),
	't', 'the pool_usage view reads pool_usage(), not the look-alike');
is(psql($path . q{SELECT atttypid OPERATOR(pg_catalog.=) 'pg_catalog.inet'::pg_catalog.regtype FROM pg_catalog.pg_attribute
                  WHERE attrelid = 'lg_look.pool_usage'::pg_catalog.regclass AND attname = 'client_addr'}, db => $db),
	't', 'client_addr is pg_catalog.inet, not the look-alike type');
is(psql($path . q{SELECT pool_capacity(1, 10)::text}, db => $db),
	psql($path . qq{SELECT pool_capacity(1, 10, current_user, '$db')::text}, db => $db),
	"pool_capacity's default database is the real current_database()");
is(psql($path . q{PREPARE lg_p AS SELECT 1; LISTEN lg_c;
                  SELECT string_agg(hazard || ':' || object || ':' || (detail IS NOT NULL), ',' ORDER BY hazard)
                    FROM session_pooling_hazards()}, db => $db),
	'listen:lg_c:true,prepare:lg_p:true,set:search_path:true',
	'session_pooling_hazards(): the real pg_prepared_statements and settings, one detail per row');
is(psql($path . q{SELECT hint FROM pooling_hazard_texts() WHERE hazard OPERATOR(pg_catalog.=) 'listen'}, db => $db),
	'LISTEN on a direct, unpooled connection (DIRECT_URL).', 'pooling_hazard_texts() works');
like(psql($path . q{SELECT gen_prefixed_id('ws')}, db => $db), qr/^ws_[a-z][0-9a-z]{23}$/, 'gen_prefixed_id works');
is(psql($path . q{SELECT is_prefixed_id(gen_prefixed_id('ws'), 'ws')}, db => $db), 't', 'is_prefixed_id works');
ok(psql_ok($path . q{SELECT count(*) FROM pooling_audit; SELECT * FROM pooling_audit_info(); SELECT * FROM txn_info(); SELECT * FROM pool_headroom()}, db => $db),
	'pooling_audit, pooling_audit_info(), txn_info() and pool_headroom() work');
done_testing();
