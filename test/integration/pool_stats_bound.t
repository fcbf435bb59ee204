# pool_stats_bound.t: the table's bound, on a server of its own
# (lifeguard.stats_max_entries = 10, max_connections = 5, no reserved
# slots).
#
#  - rows beyond the bound go to one overflow row, counted in
#    pool_stats_info().overflowed, with one LOG until the next reset; rows
#    that fit keep counting; the overflow row's counts are shown only to
#    pg_read_all_stats; a reset frees the rows;
#  - a flood of refusals from processes without a PGPROC (max_connections
#    exhausted), 80 of them under 80 applications and 10 more under one,
#    goes through the lock-free buffer into the rows and the overflow row:
#    none is lost;
#  - with password authentication, a wrong password is a refusal and a
#    client that leaves at the password prompt (libpq's first attempt
#    without a password) is none;
#  - with lifeguard.stats = off there is nothing, and the functions say so.
use strict;
use warnings;
use Test::More;
use LG qw(psql run_cmd wait_until start_cluster restart_cluster reconfigure_cluster);
use LGStats qw(session query close_session attempt rows row_text);

my $c = start_cluster('stats-bound', 'lifeguard.stats_max_entries = 10', 'max_connections = 5',
	'superuser_reserved_connections = 0');
my $port = $c->{port};
my %P = (port => $port, app => 'lg-check');
my $db = $ENV{PGDATABASE};

sub full_logs {
	open my $fh, '<', $c->{log} or return 0;
	return scalar grep { /LOG:  lifeguard pool_stats is full: 10 rows/ } <$fh>;
}
my $overflow_sql = "SELECT format('%s %s %s %s', sessions_opened, ended_normal, commits, connections) FROM pool_stats WHERE database IS NULL";

psql(q{CREATE ROLE lg_bound_reader LOGIN}, %P);
psql(q{SELECT pool_stats_reset()}, %P);
is(psql(q{SELECT entries || ' ' || max_entries || ' ' || overflowed FROM pool_stats_info()}, %P), '1 10 0',
	'after a reset: only the open session\'s row');

# --- rows beyond the bound
is(attempt(port => $port, app => "lg-bound-$_"), '', "lg-bound-$_ connects") for 1 .. 12;
is(psql(q{SELECT entries || ' ' || overflowed FROM pool_stats_info()}, %P), '10 3',
	'ten rows kept; three sessions of new rows overflowed');
is(psql(q{SELECT string_agg(application_name, ',' ORDER BY application_name COLLATE "C") FROM pool_stats WHERE application_name LIKE 'lg-bound-%'}, %P),
	join(',', sort map { "lg-bound-$_" } 1 .. 9), 'the first nine new rows are in the table');
is(psql($overflow_sql, %P), '3 3 3 0', 'the overflow row holds the other three sessions and their commits');
is(full_logs(), 1, 'one LOG says the table is full');
is(attempt(port => $port, app => 'lg-bound-1'), '', 'a row in the table keeps counting');
is(attempt(port => $port, app => 'lg-bound-13'), '', 'another new row');
is(psql(q{SELECT sessions_opened FROM pool_stats WHERE application_name = 'lg-bound-1'}, %P), 2, 'lg-bound-1: 2 sessions');
is(psql($overflow_sql, %P), '4 4 4 0', 'the new row\'s session overflowed too');
is(psql(q{SELECT overflowed FROM pool_stats_info()}, %P), 4, 'overflowed: 4');
is(full_logs(), 1, '... still one LOG');
is(psql(q{SELECT sum(sessions_opened) FROM pool_stats WHERE application_name LIKE 'lg-bound-%' OR database IS NULL}, %P),
	14, 'nothing is lost: 14 sessions in the rows and the overflow row');
is(psql(q{SELECT format('[%s] [%s] [%s] %s %s', database, role, application_name, sessions_opened, connections) FROM pool_stats WHERE database IS NULL},
	port => $port, user => 'lg_bound_reader'), '[] [] []  1',
	'a role without pg_read_all_stats sees the overflow row\'s connections (its own, which overflowed), not its counts');

psql(q{SELECT pool_stats_reset()}, %P);
is(psql(q{SELECT entries || ' ' || overflowed || ' ' || (SELECT count(*) FROM pool_stats WHERE database IS NULL) FROM pool_stats_info()}, %P),
	'1 0 0', 'a reset frees the rows and empties the overflow row');
is(attempt(port => $port, app => 'lg-bound-13'), '', 'lg-bound-13 connects again');
is(psql(q{SELECT sessions_opened FROM pool_stats WHERE application_name = 'lg-bound-13'}, %P), 1, '... and now has a row of its own');
is(attempt(port => $port, app => "lg-bound-x$_"), '', "lg-bound-x$_ connects") for 1 .. 10;
is(full_logs(), 2, 'full again after the reset: one more LOG');

# --- a flood of refusals without a PGPROC
psql(q{SELECT pool_stats_reset()}, %P);
is(attempt(port => $port, app => 'lg-flood-same'), '', 'lg-flood-same has a row');
# (a session that just ended may hold its slot a moment longer)
my @hold;
for (1 .. 100) {
	last if @hold == 5;
	my $s = session(port => $port, app => 'lg-hold');
	$s ? push(@hold, $s) : select(undef, undef, undef, 0.1);
}
is(scalar(@hold), 5, 'five sessions hold every connection slot');
my $refused = 0;
for my $i (1 .. 10) {
	$refused++ if attempt(port => $port, app => 'lg-flood-same') =~ /too many clients already/;
}
for my $i (1 .. 80) {
	$refused++ if attempt(port => $port, app => "lg-flood-$i") =~ /too many clients already/;
}
is($refused, 90, '90 connections refused: too many clients');
close_session($_) for @hold;
ok(wait_until(sub { psql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lg-hold'}, %P) == 0 }, 20),
	'the slots are free');
is(psql(q{SELECT refused_too_many_clients FROM pool_stats WHERE application_name = 'lg-flood-same'}, %P), 10,
	'one application refused ten times: 10');
is(psql(q{SELECT sum(refused_too_many_clients) FROM pool_stats WHERE application_name LIKE 'lg-flood-%' OR database IS NULL}, %P),
	90, 'every refusal is counted, in a row or in the overflow row');
cmp_ok(psql(q{SELECT refused_too_many_clients FROM pool_stats WHERE database IS NULL}, %P), '>', 0,
	'what did not fit is in the overflow row');
is(psql(q{SELECT count(*) FROM pool_stats WHERE application_name LIKE 'lg-flood-%' AND last_refused_at IS NULL}, %P), 0,
	'each flooded row has the time of its refusal');

# --- password authentication: a wrong password, and the password prompt
psql(q{CREATE ROLE lg_pw LOGIN PASSWORD 'lg-secret'}, %P);
{
	my $hba = "$c->{data}/pg_hba.conf";
	open my $in, '<', $hba or die "$hba: $!";
	my $rules = do { local $/; <$in> };
	close $in;
	open my $out, '>', $hba or die "$hba: $!";
	print $out "host all lg_pw 127.0.0.1/32 scram-sha-256\n$rules";
	close $out;
}
my ($rc, $out, $err) = restart_cluster($c);
is($rc, 0, 'restarted with password authentication for lg_pw') or diag("$out$err");
sub as_pw {
	my (%env) = @_;
	my ($r, $o, $e) = run_cmd(['psql', '-X', '-w', '-A', '-t', '-h', '127.0.0.1', '-p', $port, '-U', 'lg_pw',
		'-d', $db, '-c', 'SELECT 1'], env => { PGAPPNAME => 'lg-pw', PGPASSWORD => undef, %env });
	return $r == 0 ? 'ok' : $e;
}
psql(q{SELECT pool_stats_reset()}, %P);
like(as_pw(), qr/no password supplied/, 'a client without a password leaves at the prompt');
like(as_pw(PGPASSWORD => 'wrong'), qr/password authentication failed/, 'a wrong password is refused');
is(as_pw(PGPASSWORD => 'lg-secret'), 'ok', 'the right password connects');
is(psql(q{SELECT format('%s %s', refused_authentication, sessions_opened) FROM pool_stats WHERE role = 'lg_pw'}, %P),
	'1 1', 'one refusal (the wrong password; the prompt is none) and one session');

# --- lifeguard.stats = off
($rc, $out, $err) = reconfigure_cluster($c, 'lifeguard.stats' => q{'off'});
is($rc, 0, 'restarted with lifeguard.stats = off') or diag("$out$err");
like(LG::psql_err(q{SELECT * FROM pool_stats}, %P),
	qr/ERROR:  pool_stats\(\) requires lifeguard\.stats to be on\nHINT:  Set lifeguard\.stats = on in postgresql\.conf and restart the server\./,
	'pool_stats: 55000, lifeguard.stats is off');
is(psql(q{SELECT count(*) >= 0 FROM pooling_audit}, %P), 't', 'the audit works without the statistics');

done_testing();
