# Transaction-pooling audit with real clients nobody here wrote: pgbench
# -M prepared, node-postgres named and unnamed queries, psql; through a
# real PgBouncer 1.18 in transaction mode (the failure the audit predicts,
# then enforcement); and 50 concurrent sessions giving exact totals.
use strict;
use warnings;
use Test::More;
use File::Temp;
use LG qw(psql psql_ok psql_err run_cmd start_pgbouncer stop_pgbouncer node_run);

sub audit {
	my ($app) = @_;
	return psql(qq{SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
	               FROM pooling_audit WHERE application_name = '$app'});
}

psql('SELECT pooling_audit_reset()');

# ---------------------------------------------------------------------------
# pgbench -M prepared: named protocol-level statements under "pgbench"
my $script = File::Temp->new(DIR => $ENV{LG_TMP}, SUFFIX => '.sql');
print $script "SELECT 1;\nSELECT 2;\n";
close $script;
chmod 0644, $script->filename;
my ($rc, $out, $err) = run_cmd(['pgbench', '-n', '-M', 'prepared', '-c', '2', '-t', '5',
	'-f', $script->filename], env => { PGAPPNAME => undef });
is($rc, 0, 'pgbench -M prepared ran') or diag $err;
is(audit('pgbench'), 'protocol_prepare=4',
	'pgbench -M prepared: protocol_prepare under application_name pgbench, once per statement and connection');
($rc, $out, $err) = run_cmd(['pgbench', '-n', '-M', 'extended', '-c', '2', '-t', '5',
	'-f', $script->filename], env => { PGAPPNAME => 'lg-pgbench-extended' });
is($rc, 0, 'pgbench -M extended ran') or diag $err;
is(audit('lg-pgbench-extended'), '', 'pgbench -M extended (unnamed statements) is not a hazard');

# ---------------------------------------------------------------------------
# node-postgres
($rc, $out, $err) = node_run('audit_node.js', 'named', 'lg-node-named');
is($rc, 0, 'node-postgres named query ran') or diag $err;
is(audit('lg-node-named'), 'protocol_prepare=1',
	'node-postgres { name, text }: protocol_prepare, once per connection');
like(psql(q{SELECT sample FROM pooling_audit WHERE application_name = 'lg-node-named'}),
	qr/^SELECT \$1::int \+ 1 AS n$/, 'the sample is the prepared text');
($rc, $out, $err) = node_run('audit_node.js', 'unnamed', 'lg-node-unnamed');
is($rc, 0, 'node-postgres unnamed queries ran') or diag $err;
is(audit('lg-node-unnamed'), '', 'node-postgres unnamed parameterised queries are not a hazard');

($rc, $out, $err) = node_run('audit_node.js', 'named', 'lg-node-safe',
	{ env => { PGOPTIONS => '-c lifeguard.protocol_prepared_statements=safe' } });
is($rc, 0, 'node-postgres named query ran with protocol_prepared_statements = safe') or diag $err;
is(audit('lg-node-safe'), '', 'protocol_prepared_statements = safe: named statements are not counted');

# ---------------------------------------------------------------------------
# psql
($rc, $out, $err) = run_cmd(['psql', '-X', '-q', '-c', q{SET search_path = public}, '-c', 'SET LOCAL work_mem = 1000'],
	env => { PGAPPNAME => undef });
is($rc, 0, 'psql ran');
is(audit('psql'), 'set=1', "psql's SET: set under application_name psql, SET LOCAL not counted");

my $warn = psql_err(q{SET lifeguard.enforce = warn; SET work_mem = '2MB'; SELECT 1/0});
like($warn, qr/WARNING:  session-level SET of "work_mem" breaks under transaction pooling/,
	'enforce = warn: a WARNING naming the hazard');
like($warn, qr/HINT:  Use SET LOCAL/, 'enforce = warn: with the hint');

# ---------------------------------------------------------------------------
# PgBouncer 1.18, transaction mode, one server connection
psql(q{DROP ROLE IF EXISTS lg_pooled; CREATE ROLE lg_pooled LOGIN;
       ALTER ROLE lg_pooled SET lifeguard.enforce = 'error'; GRANT CREATE ON SCHEMA public TO lg_pooled});
my $bouncer = start_pgbouncer(pool_mode => 'transaction', pool_size => 1, users => ['lg_pooled']);
my %pb = (port => $bouncer->{port}, host => '127.0.0.1');

psql(q{SET search_path = lg_leaked, public}, %pb, app => 'lg-app-a');
is(psql(q{SHOW search_path}, %pb, app => 'lg-app-b'), 'lg_leaked, public',
	'through PgBouncer: client A\'s session SET is seen by client B\'s transaction');
is(audit('lg-app-a'), 'set=1', 'the audit recorded it under client A\'s application_name');
is(audit('lg-app-b'), '', 'and nothing under client B');

my $e = psql_err(q{SET search_path = lg_leaked_again, public}, %pb, user => 'lg_pooled', app => 'lg-app-c');
like($e, qr/ERROR:  session-level SET of "search_path" breaks under transaction pooling \(lifeguard hazard "set"\)/,
	'with enforce = error the same SET gets the lifeguard error through PgBouncer');
like($e, qr/HINT:  Use SET LOCAL/, 'with the hint');
isnt(psql(q{SHOW search_path}, %pb, user => 'lg_pooled', app => 'lg-app-d'), 'lg_leaked_again, public',
	'the refused SET leaked nothing');
my ($rc2, $o2, $e2) = run_cmd(['psql', '-X', '-q', '-v', 'VERBOSITY=verbose', '-c', 'LISTEN lg_x'],
	env => { PGPORT => $bouncer->{port}, PGUSER => 'lg_pooled' });
like($e2, qr/ERROR:  0A000: LISTEN on channel "lg_x"/, 'SQLSTATE 0A000 through PgBouncer');
stop_pgbouncer($bouncer);
psql(q{REVOKE CREATE ON SCHEMA public FROM lg_pooled; DROP ROLE lg_pooled});

# ---------------------------------------------------------------------------
# 50 concurrent sessions: exact totals
my $conc = File::Temp->new(DIR => $ENV{LG_TMP}, SUFFIX => '.sql');
print $conc "SET work_mem = '5MB';\nSELECT set_config('search_path', 'public', false);\nSELECT pg_try_advisory_lock(:client_id);\nSELECT 1;\n";
close $conc;
chmod 0644, $conc->filename;
($rc, $out, $err) = run_cmd(['pgbench', '-n', '-c', '50', '-j', '2', '-t', '40', '-f', $conc->filename],
	env => { PGAPPNAME => 'lg-concurrent' });
is($rc, 0, 'pgbench: 50 concurrent sessions doing hazards') or diag $err;
is(audit('lg-concurrent'), 'advisory_lock=2000, set=4000', '50 sessions x 40 transactions: exact totals');

psql('SELECT pooling_audit_reset()');
done_testing();
