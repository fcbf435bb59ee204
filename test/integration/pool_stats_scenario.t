# pool_stats_scenario.t: the exact counts of a scripted day on a server of
# its own (max_connections = 20, superuser_reserved_connections = 3):
#
#  - lg-burst opens and closes 50 short sessions;
#  - lg-leak holds 5 connections idle in a transaction, then one is
#    terminated (pg_terminate_backend), one's client is killed, two roll
#    back and leave, and idle_in_transaction_session_timeout ends the last;
#  - idle_session_timeout ends lg-idle's session;
#  - the role lg_limited (CONNECTION LIMIT 2) is refused three times;
#  - max_connections is exhausted: regular roles are refused by the
#    reserved slots, then everyone with "too many clients already" (a
#    process without a PGPROC yet), each refusal under the startup
#    packet's application;
#  - through a real PgBouncer in transaction mode, two applications share
#    one server connection: a statement prepared by one is refused to the
#    other (42P05), and after the other's DEALLOCATE ALL the first one's
#    EXECUTE fails (26000); the server connection's session is PgBouncer's,
#    with no application_name, and each application's transactions, and
#    its handoffs, are its own;
#  - a cached plan whose result type changed fails.
#
# Every count is then compared, row by row, with what the clients saw; the
# rows survive a clean restart (and an immediate one), a crashed backend
# resets them, and lifeguard.stats_save = off does not keep them.
use strict;
use warnings;
use Test::More;
use LG qw(psql run_cmd wait_until start_cluster restart_cluster reconfigure_cluster
	start_pgbouncer stop_pgbouncer);
use LGStats qw(session query close_session kill_client attempt rows row_text);

my $c = start_cluster('stats-scenario', 'max_connections = 20', 'superuser_reserved_connections = 3');
my $port = $c->{port};
my %P = (port => $port);
my $db = $ENV{PGDATABASE};

psql(q{CREATE ROLE lg_app LOGIN; CREATE ROLE lg_limited LOGIN CONNECTION LIMIT 2}, %P);
psql(q{SELECT pool_stats_reset()}, %P);

# what the clients saw, per (role, application): sessions and refusals
my %seen;
sub saw {
	my ($role, $app, $outcome) = @_;
	my $k = "$db|$role|$app";
	if ($outcome eq '') { $seen{$k}{sessions_opened}++ }
	elsif ($outcome =~ /remaining connection slots are reserved/) { $seen{$k}{refused_reserved}++ }
	elsif ($outcome =~ /too many clients already/) { $seen{$k}{refused_too_many_clients}++ }
	elsif ($outcome =~ /too many connections for role/) { $seen{$k}{refused_role_limit}++ }
	else { die "unexpected outcome for $role/$app: $outcome\n" }
	return $outcome;
}
sub open_session {
	my (%o) = @_;
	my $s = session(port => $port, %o);
	saw($o{user}, $o{app}, $s ? '' : $@);
	return $s;
}
sub backends {
	my ($app, @cond) = @_;
	return psql(qq{SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'}
		. join('', map { " AND $_" } @cond), %P);
}
sub gone { my ($app) = @_; return wait_until(sub { backends($app) == 0 }, 30) }

# --- lg-burst: 50 short sessions
my $burst_failed = grep { saw('lg_app', 'lg-burst', attempt(port => $port, user => 'lg_app', app => 'lg-burst')) ne '' } 1 .. 50;
is($burst_failed, 0, 'lg-burst: 50 sessions opened and closed');

# --- lg-leak: 5 connections idle in a transaction
my @leak = map {
	open_session(user => 'lg_app', app => 'lg-leak',
		$_ == 5 ? (options => '-c idle_in_transaction_session_timeout=3000') : ())
} 1 .. 5;
my @leak_pids = map { query($_, 'BEGIN'); (query($_, 'SELECT pg_backend_pid()'))[0] } @leak;
ok(wait_until(sub { backends('lg-leak', q{state = 'idle in transaction'}) == 5 }, 10),
	'lg-leak holds 5 connections idle in transaction');
sleep 1;
psql("SELECT pg_terminate_backend($leak_pids[0])", %P);
ok(wait_until(sub { backends('lg-leak') == 4 }, 20), 'one terminated');
kill_client($leak[1]);
ok(wait_until(sub { backends('lg-leak') == 3 }, 20), 'one client killed');
for my $s (@leak[2, 3]) {
	query($s, 'ROLLBACK');
	close_session($s);
}
ok(wait_until(sub { backends('lg-leak') == 1 }, 20), 'two rolled back and left');
ok(gone('lg-leak'), 'idle_in_transaction_session_timeout ended the last one');
close_session($_) for @leak[0, 4];

# --- idle_session_timeout
my $idle = open_session(user => 'lg_app', app => 'lg-idle', options => '-c idle_session_timeout=500');
ok(gone('lg-idle'), 'idle_session_timeout ended lg-idle\'s session');
close_session($idle);

# --- CONNECTION LIMIT 2, refused three times
my @limited = map { open_session(user => 'lg_limited', app => 'lg-limited') } 1 .. 2;
for (1 .. 3) {
	like(saw('lg_limited', 'lg-limited', attempt(port => $port, user => 'lg_limited', app => 'lg-limited')),
		qr/too many connections for role "lg_limited"/, "lg_limited refused ($_)");
}
close_session($_) for @limited;
ok(gone('lg-limited'), 'lg_limited\'s sessions closed');

# --- max_connections exhausted: the reserved slots, then too many clients
my $monitor = open_session(user => 'postgres', app => 'lg-monitor');
ok(wait_until(sub { (query($monitor, q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'}))[0] == 1 }, 20),
	'only the monitor is connected');
my (@fill, $s);
push @fill, $s while $s = open_session(user => 'lg_app', app => 'lg-fill');
like($@, qr/remaining connection slots are reserved/, 'regular roles fill the slots up to the reserved ones (' . scalar(@fill) . ')');
my @storm = map { saw('lg_app', 'lg-storm', attempt(port => $port, user => 'lg_app', app => 'lg-storm')) } 1 .. 2;
like($_, qr/remaining connection slots are reserved/, 'lg-storm refused: reserved slots') for @storm;
push @fill, $s while $s = open_session(user => 'postgres', app => 'lg-fill-su');
like($@, qr/too many clients already/, 'a superuser takes the reserved slots, then there are none');
@storm = map { saw('lg_app', 'lg-storm', attempt(port => $port, user => 'lg_app', app => 'lg-storm')) } 1 .. 2;
push @storm, saw('postgres', 'lg-storm-su', attempt(port => $port, user => 'postgres', app => 'lg-storm-su'));
like($_, qr/too many clients already/, 'refused: too many clients already') for @storm;
close_session($_) for @fill, $monitor;
ok(wait_until(sub { psql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'lg-fill%'}, %P) == 0 }, 20),
	'the slots are free again');

# --- two applications sharing one PgBouncer server connection
my $bouncer = do { local $ENV{PGPORT} = $port; start_pgbouncer(pool_mode => 'transaction', pool_size => 1) };
sub via_bouncer {
	my ($app, $sql) = @_;
	my ($rc, $out, $err) = run_cmd(['psql', '-X', '-q', '-A', '-t', '-h', '127.0.0.1', '-p', $bouncer->{port},
		'-U', 'postgres', '-d', $db, '-c', $sql], env => { PGAPPNAME => $app });
	return $rc == 0 ? 'ok' : ($err =~ /ERROR:  (.*)/ ? $1 : $err);
}
is(via_bouncer('lg-pool-a', 'PREPARE lg_q AS SELECT 1'), 'ok', 'lg-pool-a prepares lg_q');
is(via_bouncer('lg-pool-b', 'PREPARE lg_q AS SELECT 2'), 'prepared statement "lg_q" already exists',
	'lg-pool-b, on the same server connection: 42P05');
is(via_bouncer('lg-pool-b', 'DEALLOCATE ALL'), 'ok', 'lg-pool-b deallocates everything');
is(via_bouncer('lg-pool-a', 'EXECUTE lg_q'), 'prepared statement "lg_q" does not exist',
	'lg-pool-a\'s statement is gone: 26000');
is(psql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name LIKE 'lg-pool-%'}, %P),
	1, 'one server connection served both');
stop_pgbouncer($bouncer);
ok(wait_until(sub { psql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'lg-pool-%'}, %P) == 0 }, 20),
	'PgBouncer closed its server connection');

# --- a cached plan whose result type changed
my ($rc, undef, $err) = run_cmd(['psql', '-X', '-q', '-p', $port, '-d', $db,
	'-c', 'CREATE TABLE lg_plan_t (a int)', '-c', 'PREPARE lg_p AS SELECT * FROM lg_plan_t',
	'-c', 'EXECUTE lg_p', '-c', 'ALTER TABLE lg_plan_t ADD COLUMN b int', '-c', 'EXECUTE lg_p'],
	env => { PGAPPNAME => 'lg-plan' });
like($err, qr/cached plan must not change result type/, 'lg-plan: cached plan must not change result type');
$seen{"$db|postgres|lg-plan"}{sessions_opened}++;
ok(gone('lg-plan'), 'lg-plan left');

# --- what pool_stats says
my @apps = qw(lg-burst lg-leak lg-idle lg-limited lg-monitor lg-fill lg-fill-su lg-storm lg-storm-su
	lg-pool-a lg-pool-b lg-plan);
my $got = rows($port, "database = '$db' AND (application_name IN (" . join(',', map { "'$_'" } @apps)
	. ") OR (application_name = '' AND role = 'postgres'))");

# the counts the scenario makes; sessions and refusals as the clients saw them
my %want = (
	'lg-burst'   => { commits => 50, rollbacks => 0, ended_normal => 50, peak_connections => 1 },
	'lg-leak'    => { commits => 5, rollbacks => 5, ended_normal => 2, ended_terminated => 1,
	                  ended_client_gone => 1, ended_idle_in_transaction_timeout => 1, peak_connections => 5 },
	'lg-idle'    => { commits => 1, ended_idle_session_timeout => 1, peak_connections => 1 },
	'lg-limited' => { commits => 2, ended_normal => 2, peak_connections => 2 },
	'lg-plan'    => { commits => 4, rollbacks => 1, errors_cached_plan => 1, ended_normal => 1 },
	'lg-pool-a'  => { commits => 1, rollbacks => 1, handoffs => 2, errors_prepared_missing => 1 },
	'lg-pool-b'  => { commits => 1, rollbacks => 1, handoffs => 1, errors_prepared_exists => 1 },
	# PgBouncer's server connection (how it ends is checked below)
	''           => { sessions_opened => 1, commits => 0, handoffs => 0, ended => 1 },
);
my @cols = qw(connections sessions_opened ended_normal ended_client_gone ended_fatal ended_terminated
	ended_idle_session_timeout ended_idle_in_transaction_timeout refused_too_many_clients refused_reserved
	refused_role_limit refused_database_limit refused_authentication refused_other commits rollbacks
	handoffs errors_prepared_missing errors_prepared_exists errors_cached_plan);
for my $k (sort keys %seen) {
	my (undef, $role, $app) = split /\|/, $k;
	next if $app =~ /^lg-(?:fill|monitor)/;
	$want{$app}{role} = $role;
	$want{$app}{$_} = $seen{$k}{$_} for keys %{ $seen{$k} };
}
$want{''}{role} = 'postgres';
for my $app (sort keys %want) {
	my $role = $want{$app}{role} // 'postgres';
	my $row = $got->{"$db|$role|$app"};
	# PgBouncer stopped with SIGTERM closes its server connection without a
	# Terminate before 1.23, with one (a safe shutdown) from 1.23 on
	my @c = $want{$app}{ended} ? grep { !/^ended_(?:normal|client_gone)$/ } @cols : @cols;
	my %expect = map { $_ => $want{$app}{$_} // 0 } @c;
	is(row_text($row, @c), row_text(\%expect, @c), "pool_stats row of $role/'$app'");
	is($row->{ended_normal} + $row->{ended_client_gone}, $want{$app}{ended},
		"... PgBouncer closed its server connection (ended_normal $row->{ended_normal}, ended_client_gone $row->{ended_client_gone})")
		if $want{$app}{ended};
	is($row->{peak_connections}, $want{$app}{peak_connections}, "... peak $want{$app}{peak_connections}")
		if defined $want{$app}{peak_connections};
}
# the fillers and the monitor: their sessions and the refusal that stopped
# them (the monitor's queries are its own affair)
for my $k (grep { /\|lg-(?:fill|monitor)/ } sort keys %seen) {
	my (undef, $role, $app) = split /\|/, $k;
	my @c = grep { $_ ne 'commits' || $app ne 'lg-monitor' } @cols;
	my %expect = map { $_ => $seen{$k}{$_} // 0 } @c;
	$expect{ended_normal} = $seen{$k}{sessions_opened} // 0;
	$expect{commits} = $seen{$k}{sessions_opened} // 0 if $app ne 'lg-monitor';
	is(row_text($got->{$k}, @c), row_text(\%expect, @c), "pool_stats row of $role/'$app'");
}
is($got->{"$db|lg_app|lg-fill"}{peak_connections}, $seen{"$db|lg_app|lg-fill"}{sessions_opened},
	'lg-fill: its peak is every filler at once');
my $leak = $got->{"$db|lg_app|lg-leak"};
cmp_ok($leak->{idle_in_transaction_time}, '>=', 4 * 1000 + 3000,
	'lg-leak: idle in transaction at least as long as it was held (ms)');
cmp_ok($leak->{longest_idle_in_transaction_time}, '>=', 3000, '... its longest at least the timeout');
cmp_ok(abs($leak->{transaction_time} - $leak->{active_time} - $leak->{idle_in_transaction_time}), '<', 0.01,
	'... transaction time = active + idle in transaction');
cmp_ok($got->{"$db|lg_app|lg-storm"}{last_refused_at}, 'ne', 'NULL', 'lg-storm: the time of its last refusal');
my $storm = $got->{"$db|lg_app|lg-storm"};
is("$storm->{refused_reserved}/$storm->{refused_too_many_clients}", '2/2',
	'lg-storm: refused twice for the reserved slots, twice with too many clients');
is(psql(q{SELECT peak_connections FROM pool_stats_info()}, %P), 1 + @fill,
	'the server\'s peak: the monitor and every filler at once');

# --- a clean restart keeps them; so does an immediate one
my $keep_where = "database = '$db' AND application_name LIKE 'lg-%' AND application_name NOT LIKE 'lg-stats%'";
my $snapshot = sub {
	my $r = rows($port, $keep_where);
	return join("\n", map { "$_: " . row_text($r->{$_}, @cols, qw(peak_connections peak_at session_time transaction_time)) } sort keys %$r);
};
my $before = $snapshot->();
my $since = psql(q{SELECT since FROM pool_stats_info()}, %P);
my ($r, $out, $e) = restart_cluster($c, '-m', 'fast');
is($r, 0, 'clean restart') or diag("$out$e");
is($snapshot->(), $before, 'a clean restart keeps every row');
is(psql(q{SELECT since FROM pool_stats_info()}, %P), $since, '... and the time of the last reset');
($r, $out, $e) = restart_cluster($c, '-m', 'immediate');
is($r, 0, 'immediate restart') or diag("$out$e");
is($snapshot->(), $before, 'an immediate shutdown writes them too, as pg_stat_statements\'s');

# --- a crash (a backend killed) resets them
my $victim = session(port => $port, user => 'lg_app', app => 'lg-victim');
my ($vpid) = query($victim, 'SELECT pg_backend_pid()');
kill 'KILL', $vpid;
kill_client($victim);
ok(wait_until(sub {
		my ($x, $n) = run_cmd(['psql', '-X', '-At', '-p', $port, '-d', $db, '-c',
			q{SELECT count(*) FROM pool_stats WHERE application_name = 'lg-burst'}]);
		return $x == 0 && $n =~ /^0$/ }, 60),
	'the server restarted after the crash');
is(psql("SELECT count(*) FROM pool_stats WHERE $keep_where", %P), 0, 'a crash resets pool_stats');
cmp_ok(psql(q{SELECT since FROM pool_stats_info()}, %P), 'gt', $since, '... since is the restart');

# --- lifeguard.stats_save = off keeps nothing
attempt(port => $port, app => 'lg-unsaved');
is(psql(q{SELECT sessions_opened FROM pool_stats WHERE application_name = 'lg-unsaved'}, %P), 1, 'a session counted');
($r, $out, $e) = reconfigure_cluster($c, 'lifeguard.stats_save' => q{'off'});
is($r, 0, 'restarted with lifeguard.stats_save = off') or diag("$out$e");
is(psql(q{SELECT count(*) FROM pool_stats WHERE application_name = 'lg-unsaved'}, %P), 0,
	'with lifeguard.stats_save = off a restart keeps nothing');

done_testing();
