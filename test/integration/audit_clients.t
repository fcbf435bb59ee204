# Transaction-pooling audit with real clients nobody here wrote: pgbench
# -M prepared, node-postgres named and unnamed queries, psql; through a
# real PgBouncer in transaction mode (the failure the audit predicts, then
# enforcement, and the pooler's own restoring SETs, which are not hazards);
# and 50 concurrent sessions giving exact totals.
use strict;
use warnings;
use Test::More;
use File::Temp;
use IO::Socket::INET;
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
# PgBouncer, transaction mode, one server connection.  What leaks between
# clients and what the pooler restores depends on the server (the
# parameters it reports: PostgreSQL 18 reports search_path) and on the
# pooler (PgBouncer 1.20+ also tracks its track_extra_parameters), so the
# test asks both rather than assuming one version's behaviour.

# the parameters the server reports (ParameterStatus) to a new connection
sub parameter_status {
	my ($port, $user) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
		or die "connect to $port: $!\n";
	my $body = pack('N', 196608) . "user\0$user\0database\0$ENV{PGDATABASE}\0\0";
	print $sock pack('N', 4 + length $body) . $body;
	my %status;
	while (1) {
		read($sock, my $head, 5) == 5 or die "ParameterStatus probe: connection closed\n";
		my ($type, $len) = unpack('aN', $head);
		my $msg = '';
		read($sock, $msg, $len - 4) == $len - 4 or die "ParameterStatus probe: short message\n" if $len > 4;
		die "ParameterStatus probe: the server wants a password\n" if $type eq 'R' && unpack('N', $msg) != 0;
		die "ParameterStatus probe: error $msg\n" if $type eq 'E';
		if ($type eq 'S') { my ($k, $v) = split /\0/, $msg, 3; $status{lc $k} = $v }
		last if $type eq 'Z';
	}
	print $sock "X" . pack('N', 4);
	close $sock;
	return \%status;
}

# PgBouncer's settings from its admin console (SHOW CONFIG: key, value, ...)
sub bouncer_config {
	my ($b) = @_;
	my %config;
	for (split /\n/, psql('SHOW CONFIG', port => $b->{port}, host => '127.0.0.1', db => 'pgbouncer')) {
		my ($k, $v) = split /\|/, $_, 3;
		$config{$k} = $v;
	}
	return \%config;
}

my $reported = parameter_status($ENV{PGPORT}, $ENV{PGUSER});
ok(exists $reported->{datestyle} && exists $reported->{application_name},
	'the server reports DateStyle and application_name (the probe works)');

psql(q{DROP ROLE IF EXISTS lg_pooled; CREATE ROLE lg_pooled LOGIN;
       ALTER ROLE lg_pooled SET lifeguard.enforce = 'error'; GRANT CREATE ON SCHEMA public TO lg_pooled});
my $bouncer = start_pgbouncer(pool_mode => 'transaction', pool_size => 1, users => ['lg_pooled']);
my %pb = (port => $bouncer->{port}, host => '127.0.0.1');
my $config = bouncer_config($bouncer);
ok(exists $config->{pool_mode} && $config->{pool_mode} eq 'transaction', 'SHOW CONFIG on the admin console works');
# a parameter PgBouncer tracks must also be reported by the server
my %pooler_tracks = map { (lc($_) => 1) } grep { exists $reported->{lc $_} }
	split /\s*,\s*/, $config->{track_extra_parameters} // '';
# (value as written in SET, as SHOW prints it) for each candidate
my %leak_values = (search_path => [['lg_leaked, public', 'lg_leaked, public'], ['lg_leaked_again, public', 'lg_leaked_again, public']],
	statement_timeout => [[4242, '4242ms'], [4343, '4343ms']]);
my ($leaky) = grep { !$pooler_tracks{$_} } qw(search_path statement_timeout);
note("the server reports search_path: " . (exists $reported->{search_path} ? 'yes' : 'no')
	. "; this PgBouncer tracks it: " . ($pooler_tracks{search_path} ? 'yes' : 'no')
	. "; the leak is shown with $leaky");

psql(qq{SET $leaky = $leak_values{$leaky}[0][0]}, %pb, app => 'lg-app-a');
is(psql(qq{SHOW $leaky}, %pb, app => 'lg-app-b'), $leak_values{$leaky}[0][1],
	"through PgBouncer: client A's session SET of $leaky (not tracked by the pooler) is seen by client B's transaction");
is(audit('lg-app-a'), 'set=1', 'the audit recorded it under client A\'s application_name');
is(audit('lg-app-b'), '', 'and nothing under client B');

my $e = psql_err(qq{SET $leaky = $leak_values{$leaky}[1][0]}, %pb, user => 'lg_pooled', app => 'lg-app-c');
like($e, qr/ERROR:  session-level SET of "\Q$leaky\E" breaks under transaction pooling \(lifeguard hazard "set"\)/,
	'with enforce = error the same SET gets the lifeguard error through PgBouncer');
like($e, qr/HINT:  Use SET LOCAL/, 'with the hint');
isnt(psql(qq{SHOW $leaky}, %pb, user => 'lg_pooled', app => 'lg-app-d'), $leak_values{$leaky}[1][1],
	'the refused SET leaked nothing');
my ($rc2, $o2, $e2) = run_cmd(['psql', '-X', '-q', '-v', 'VERBOSITY=verbose', '-c', 'LISTEN lg_x'],
	env => { PGPORT => $bouncer->{port}, PGUSER => 'lg_pooled' });
like($e2, qr/ERROR:  0A000: LISTEN on channel "lg_x"/, 'SQLSTATE 0A000 through PgBouncer');
stop_pgbouncer($bouncer);
psql(q{REVOKE CREATE ON SCHEMA public FROM lg_pooled; DROP ROLE lg_pooled});

# ---------------------------------------------------------------------------
# The pooler's own restoring SET of a parameter it tracks is not a hazard.
# With track_extra_parameters (PgBouncer 1.20+) the test configures the
# pooler to track IntervalStyle and lists it in lifeguard.tracked_parameters;
# an older PgBouncer tracks DateStyle anyway.  A control role with an empty
# lifeguard.tracked_parameters shows that the pooler's SETs reach the server.
my ($restored, $restore_value, $extra) = exists $config->{track_extra_parameters}
	? ('IntervalStyle', 'iso_8601', "track_extra_parameters = IntervalStyle\n")
	: ('DateStyle', 'SQL, DMY', '');
ok(exists $reported->{lc $restored}, "the server reports $restored, so a pooler can track it");
my $default_tracked = psql(q{SELECT reset_val FROM pg_settings WHERE name = 'lifeguard.tracked_parameters'});
my $tracked = $extra ? "$default_tracked, $restored" : $default_tracked;
psql(qq{DROP ROLE IF EXISTS lg_restore; CREATE ROLE lg_restore LOGIN;
        ALTER ROLE lg_restore SET lifeguard.tracked_parameters = '$tracked';
        DROP ROLE IF EXISTS lg_restore_none; CREATE ROLE lg_restore_none LOGIN;
        ALTER ROLE lg_restore_none SET lifeguard.tracked_parameters = ''});
my $baseline = psql(qq{SHOW $restored});
my $restorer = start_pgbouncer(pool_mode => 'transaction', pool_size => 1,
	users => ['lg_restore', 'lg_restore_none'], extra => $extra);
my %rb = (port => $restorer->{port}, host => '127.0.0.1');
psql('SELECT pooling_audit_reset()');
for my $role (qw(lg_restore lg_restore_none)) {
	psql(qq{SET $restored = '$restore_value'}, %rb, user => $role, app => 'lg-restore-a');
	is(psql(qq{SHOW $restored}, %rb, user => $role, app => 'lg-restore-b'), $baseline,
		"$role: PgBouncer restored client B's own $restored on the shared server connection");
	psql('SELECT 1', %rb, user => $role, app => 'lg-restore-a');
}
my $sets = sub {
	psql(qq{SELECT coalesce(sum(count), 0) FROM pooling_audit WHERE role = '$_[0]' AND hazard = 'set'});
};
cmp_ok($sets->('lg_restore_none'), '>', 1,
	'control: with nothing listed, the pooler\'s restoring SETs are counted besides the client\'s one SET');
is($sets->('lg_restore'), 0,
	"with $restored in lifeguard.tracked_parameters neither the client's SET nor the pooler's restoring SETs are counted");
stop_pgbouncer($restorer);
psql(q{DROP ROLE lg_restore; DROP ROLE lg_restore_none});

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
