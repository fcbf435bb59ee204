# audit_names.t: what the audit tells from what the server sees, through
# node-postgres speaking the extended protocol with the statement names
# each driver uses (test/integration/drivers.t runs the real drivers):
#
#  - a named protocol statement is recorded when its transaction ends, with
#    the client its name tells (common/clients.c) and that client's fix as
#    the hint;
#  - PgBouncer's own statements (PGBOUNCER_N, 1.21+ with
#    max_prepared_statements) are no hazard, and are never refused;
#  - a statement that ends a transaction (pgjdbc prepares COMMIT and
#    ROLLBACK) is recorded but never refused, so that a failed transaction
#    can always be ended;
#  - going back to the session's start (RESET, RESET ALL, DISCARD ALL, SET
#    ... TO DEFAULT, a SET to the value the role and database give) is no
#    hazard; a hazard after a RESET ALL goes to the application that sent
#    it, not to the empty name the reset left;
#  - prepared-statement failures (26000, 42P05) are counted next to their
#    cause.
use strict;
use warnings;
use Test::More;
use JSON::PP qw(decode_json encode_json);
use LG qw(psql node_run);

psql('SELECT pooling_audit_reset()');

# the audit's rows of one application: hazard/client=count (failures)
sub audit {
	my ($app) = @_;
	return psql(qq{SELECT coalesce(string_agg(hazard || '/' || coalesce(client, '-') || '=' || count
	                                         || CASE WHEN failures > 0 THEN ' failures=' || failures ELSE '' END,
	                                         ', ' ORDER BY hazard, client), '')
	                 FROM pooling_audit WHERE application_name = '$app'});
}

# run steps through node-postgres; returns the per-step results and the
# names left in pg_prepared_statements
sub steps {
	my ($app, $steps, %o) = @_;
	my %env = %{ $o{env} || {} };
	my ($rc, $out, $err) = node_run('audit_node.js', 'steps', $app, encode_json($steps), { env => \%env });
	die "audit_node.js steps failed: $err\n" if $rc != 0;
	return decode_json($out);
}

my $error = { PGOPTIONS => '-c lifeguard.enforce=error' };

# --- the client from the statement's name, its fix as the hint
my $r = steps('lg-names-psycopg', [{ name => '_pg3_0', text => 'SELECT $1::int AS n', values => [1] },
	{ name => '_pg3_0', text => 'SELECT $1::int AS n', values => [2] }]);
is_deeply($r, ['ok', 'ok', '_pg3_0'], 'psycopg 3\'s statement name, prepared once and run twice');
is(audit('lg-names-psycopg'), 'protocol_prepare/psycopg 3=1', 'recorded once, as psycopg 3\'s');
like(psql(q{SELECT hint FROM pooling_audit WHERE application_name = 'lg-names-psycopg'}),
	qr/prepare_threshold=None/, 'the hint is psycopg 3\'s own option');
is(psql(q{SELECT sample FROM pooling_audit WHERE application_name = 'lg-names-psycopg'}),
	'SELECT $1::int AS n', 'the sample is the statement');
steps('lg-names-other', [{ name => 'lg_mine', text => 'SELECT 1' }]);
is(audit('lg-names-other'), 'protocol_prepare/-=1', 'a name no driver uses: the client is unknown (NULL)');
is(psql(q{SELECT hint FROM pooling_audit WHERE application_name = 'lg-names-other'}),
	psql(q{SELECT hint FROM pooling_hazard_texts() WHERE hazard = 'protocol_prepare'}),
	'... and the hint is the hazard\'s own');

# --- under enforce = error the statement is refused at its Parse, before
# it exists (its name is not known then: the hazard's own hint)
$r = steps('lg-names-refused', [{ name => 'lrupsc_1_0', text => 'SELECT 1', hint => JSON::PP::true },
	{ name => 'lrupsc_1_0', text => 'SELECT 1' }, { text => 'SELECT 2' }], env => $error);
like($r->[0], qr/^0A000 .*unnamed statements/, 'enforce = error refuses the named statement at its Parse');
is_deeply([@$r[1 .. 3]], ['0A000', 'ok', ''], '... every time, and no statement exists');
is(audit('lg-names-refused'), 'protocol_prepare/-=2', 'each refusal is counted');

# --- PgBouncer's own statements
$r = steps('lg-names-pgbouncer', [{ name => 'PGBOUNCER_12', text => 'SELECT $1::int', values => [3] },
	{ name => 'PGBOUNCER_12', text => 'SELECT $1::int', values => [4] }]);
is_deeply($r, ['ok', 'ok', 'PGBOUNCER_12'], 'PGBOUNCER_N statements');
is(audit('lg-names-pgbouncer'), '', '... are never recorded');
$r = steps('lg-names-pgbouncer-enf', [{ name => 'PGBOUNCER_13', text => 'SELECT 1' }],
	env => { PGOPTIONS => '-c lifeguard.enforce=error -c lifeguard.protocol_prepared_statements=safe' });
is_deeply($r, ['ok', 'PGBOUNCER_13'], 'under enforcement behind such a PgBouncer, protocol_prepared_statements = safe lets them through');

# --- what ends a transaction is never refused
$r = steps('lg-names-jdbc', [{ text => 'BEGIN' }, { text => 'SELECT 1/0' }, { text => 'SELECT 1' },
	{ name => 'S_2', text => 'ROLLBACK' }, { text => 'SELECT 1' },
	{ text => 'BEGIN' }, { name => 'S_3', text => 'COMMIT' }, { text => 'SELECT 2' }], env => $error);
is_deeply($r, ['ok', '22012', '25P02', 'ok', 'ok', 'ok', 'ok', 'ok', 'S_2,S_3'],
	'a failed transaction ends with a named ROLLBACK, and a named COMMIT commits, under enforce = error');
is(audit('lg-names-jdbc'), 'protocol_prepare/pgjdbc=2', 'both are recorded, as pgjdbc\'s, never refused');

# --- back to the start is no hazard
$r = steps('lg-names-baseline', [{ text => q{SET work_mem = '4MB'} }, { text => 'SET work_mem TO DEFAULT' },
	{ text => q{SET work_mem = '8MB'} }, { text => 'RESET work_mem' }, { text => q{SET statement_timeout = '1s'} },
	{ text => 'RESET ALL' }, { text => q{SET work_mem = '8MB'} }, { text => 'DISCARD ALL' },
	{ text => 'SET SESSION AUTHORIZATION DEFAULT' }, { text => 'RESET ROLE' }], env => $error);
is_deeply($r, ['ok', 'ok', '0A000', 'ok', '0A000', 'ok', '0A000', 'ok', 'ok', 'ok', ''],
	'under enforce = error, every way back to the start passes, a change is refused');
is(audit('lg-names-baseline'), 'set/-=3', 'only the three changes are counted');

# a SET to the value the role already gives every connection
psql(q{CREATE ROLE lg_names_ar LOGIN});
psql(q{ALTER ROLE lg_names_ar SET client_min_messages = warning});
psql(q{ALTER ROLE lg_names_ar SET lifeguard.enforce = error});
$r = steps('lg-names-role', [{ text => q{SET client_min_messages TO 'warning'} }, { text => q{SET client_min_messages TO 'error'} }],
	env => { PGUSER => 'lg_names_ar' });
is_deeply($r, ['ok', '0A000', ''], 'a SET to the role\'s own default passes, another value is refused');
psql(q{DROP ROLE lg_names_ar});

# --- attribution: what follows RESET ALL in the same query is the sender's
$r = steps('lg-names-attr', [{ text => q{RESET ALL; SET work_mem = '9MB'} }]);
is_deeply($r, ['ok', ''], 'RESET ALL then a SET in one query');
is(audit('lg-names-attr'), 'set/-=1', 'the SET is recorded under the application that sent it');
is(audit(''), '', '... not under the empty name the reset left');
# after the reset's message, an empty name it left is no name: unknown
psql(q{CREATE ROLE lg_names_reset LOGIN});
steps('', [{ text => q{SET application_name = 'lg-names-before'} }, { text => 'RESET ALL' },
	{ text => q{SET work_mem = '10MB'} }, { text => q{SET application_name = 'lg-names-after'} },
	{ text => q{SET work_mem = '11MB'} }], env => { PGUSER => 'lg_names_reset' });
is(psql(q{SELECT string_agg(coalesce(application_name, 'NULL') || '=' || count, ', ' ORDER BY application_name NULLS FIRST)
            FROM pooling_audit WHERE role = 'lg_names_reset'}), 'NULL=1, lg-names-after=1',
	'after RESET ALL left no name, the next hazard is the unknown application\'s, until a name is set');
psql(q{DROP ROLE lg_names_reset});

# --- failures a pooler causes, next to their cause
$r = steps('lg-names-fail', [{ name => '_pg3_1', text => 'SELECT 1' }, { text => 'EXECUTE lg_nope' },
	{ text => 'PREPARE lg_twice AS SELECT 1' }, { text => 'PREPARE lg_twice AS SELECT 1' }]);
is_deeply($r, ['ok', '26000', 'ok', '42P05', '_pg3_1,lg_twice'], 'a missing and a duplicate prepared statement');
is(audit('lg-names-fail'), 'prepare/-=2 failures=2, protocol_prepare/psycopg 3=1',
	'both failures are counted with the application\'s SQL-level cause');

# --- the table of clients: every documented name is told right
my %examples = ('_pg3_12' => 'psycopg 3', '__asyncpg_stmt_1f__' => 'asyncpg', 'lrupsc_3_17' => 'pgx v4',
	'stmtcache_0123456789abcdef0123456789abcdef0123456789abcdef' => 'pgx v5', 'stmtcache_12' => 'pgx v5',
	'sqlx_s_4' => 'sqlx', 'ecto_insert_users_3' => 'Ecto', 'ecto_42' => 'Ecto', 'pdo_stmt_0000001a' => 'PHP PDO',
	'_p3' => 'Npgsql', '_auto7' => 'Npgsql', 'P_0' => 'pgbench', 'S_23' => 'pgjdbc', 'a12' => 'ActiveRecord',
	's5' => 'tokio-postgres or Prisma', '17' => 'lib/pq', 'z3yqurj398k2' => 'postgres.js');
my $i = 0;
for my $name (sort keys %examples) {
	steps('lg-names-table-' . $i++, [{ name => $name, text => 'SELECT 1' }]);
}
$i = 0;
for my $name (sort keys %examples) {
	is(audit('lg-names-table-' . $i++), "protocol_prepare/$examples{$name}=1", "$name is $examples{$name}'s");
}
steps('lg-names-table-none', [{ name => 'ws_Fetch', text => 'SELECT 1' }, { name => 'lgfetchone', text => 'SELECT 1' },
	{ name => 'S_x', text => 'SELECT 1' }]);
is(audit('lg-names-table-none'), 'protocol_prepare/-=3', 'names no driver makes are nobody\'s');
is(psql(q{SELECT count(DISTINCT client) FROM pooling_client_texts()}), scalar(keys %{ { map { $_ => 1 } values %examples } }) + 1,
	'pooling_client_texts() lists every client above and PgBouncer');

# --- a driver's connect-time SET: its client and fix; sent before the
# driver names its application, so under none (behind a pooler the name
# would be the connection's previous client's)
psql(q{CREATE ROLE lg_names_jdbc LOGIN});
$r = steps('', [{ text => 'SET extra_float_digits = 3' }, { text => q{SET application_name = 'lg-names-jdbc-app'} },
	{ text => 'SELECT 1' }, { text => q{SET application_name = 'lg-names-jdbc-prev'} }, { text => 'SET extra_float_digits = 3' }],
	env => { PGUSER => 'lg_names_jdbc' });
is(psql(q{SELECT string_agg(coalesce(application_name, 'NULL') || '/' || client || '=' || count, ', ' ORDER BY application_name NULLS LAST)
            FROM pooling_audit WHERE role = 'lg_names_jdbc'}),
	'NULL/pgjdbc=2',
	'pgjdbc\'s SET extra_float_digits, sent before pgjdbc names its application: recorded as pgjdbc\'s, under no application');
like(psql(q{SELECT DISTINCT hint FROM pooling_audit WHERE role = 'lg_names_jdbc'}), qr/assumeMinServerVersion=9\.0/,
	'the hint names assumeMinServerVersion');
psql(q{DROP ROLE lg_names_jdbc});

done_testing();
