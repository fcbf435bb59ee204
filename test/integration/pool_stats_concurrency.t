# pool_stats_concurrency.t: exact counts with 30 clients at once, and what
# a reset keeps.
#
# On a server of its own without autovacuum (whose workers' transactions
# pg_stat_database counts too), in a database of its own, two pgbench runs hammer the server at the
# same time: 15 clients that connect for every transaction (-C), and 15
# that keep their connection and run a commit and a rollback per script,
# while a reader polls pool_stats.  The rows must then hold exactly the
# sessions and transactions the runs made, agree with the server's own
# pg_stat_database, and never have gone down while the backends moved
# their counts from their slots into the table.  Then a reset with a
# session still open: that session's row stays with its connection, and
# what it does next is counted from zero.
use strict;
use warnings;
use Test::More;
use POSIX ();
use LG qw(psql run_cmd wait_until start_cluster);
use LGStats qw(session query close_session rows row_text);

my $c = start_cluster('stats-hammer', 'autovacuum = off');
my $port = $c->{port};
local $ENV{PGPORT} = $port;
my $db = 'lg_stats_hammer';
psql("CREATE DATABASE $db", db => 'postgres');
psql('CREATE EXTENSION lifeguard', db => $db);
ok(wait_until(sub { psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'") == 0 }, 30),
	'the database is made');
psql(q{SELECT pool_stats_reset()});
# the server's own counts before (pg_stat_database, read from another database)
my $server_counts = sub {
	return split /\|/, psql("SELECT sessions, xact_commit, xact_rollback FROM pg_stat_database WHERE datname = '$db'",
		db => 'postgres');
};
my @before = $server_counts->();

my $dir = "$ENV{LG_TMP}/run";
sub script {
	my ($name, $text) = @_;
	open my $fh, '>', "$dir/$name" or die $!;
	print $fh $text;
	close $fh;
	chmod 0644, "$dir/$name";
	return "$dir/$name";
}
my $per_connect = script('lg_hammer_c.sql', "BEGIN;\nSELECT 1;\nCOMMIT;\n");
my $kept = script('lg_hammer_t.sql', "SELECT 1;\nBEGIN;\nSELECT 1;\nROLLBACK;\n");

# a reader polls the sum of commits in the database while they run
my $reader = fork // die "fork: $!";
if ($reader == 0) {
	my ($last, $down, $reads) = (0, 0, 0);
	my $stop = "$dir/lg_hammer.stop";
	until (-e $stop) {
		my ($rc, $out) = run_cmd(['psql', '-X', '-A', '-t', '-p', $port, '-c',
			"SELECT coalesce(sum(commits + rollbacks), 0) FROM pool_stats WHERE database = '$db'"]);
		next if $rc != 0;
		chomp $out;
		$down++ if $out < $last;
		$last = $out;
		$reads++;
	}
	open my $fh, '>', "$dir/lg_hammer.reader" or die $!;
	print $fh "$reads $down\n";
	close $fh;
	POSIX::_exit(0);
}

my @runs = (
	[{ PGAPPNAME => 'lg-hammer-c' }, ['pgbench', '-n', '-C', '-c', 15, '-j', 3, '-t', 20, '-p', $port, '-f', $per_connect, $db]],
	[{ PGAPPNAME => 'lg-hammer-t' }, ['pgbench', '-n', '-c', 15, '-j', 3, '-t', 100, '-p', $port, '-f', $kept, $db]],
);
my @pids;
for my $r (@runs) {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		my ($rc, $out, $err) = run_cmd($r->[1], env => $r->[0]);
		print STDERR $err if $rc != 0;
		POSIX::_exit($rc);
	}
	push @pids, $pid;
}
for my $pid (@pids) {
	waitpid($pid, 0);
	is($? >> 8, 0, 'pgbench ran');
}
ok(wait_until(sub { psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'") == 0 }, 30),
	'every hammering session ended');
open my $stop, '>', "$dir/lg_hammer.stop" or die $!;
close $stop;
waitpid($reader, 0);
my ($reads, $down) = split ' ', do { local (@ARGV, $/) = ("$dir/lg_hammer.reader"); <> };
cmp_ok($reads, '>', 0, "the reader read pool_stats while they ran ($reads times)");
is($down, 0, '... and the counts never went down');

my $got = rows($port, "database = '$db'");
my @cols = qw(connections sessions_opened ended_normal ended_client_gone ended_fatal ended_terminated commits
	rollbacks handoffs refused_too_many_clients);
# pgbench opens one connection of its own first, and runs nothing in it
is(row_text($got->{"$db|postgres|lg-hammer-c"}, @cols),
	row_text({ connections => 0, sessions_opened => 301, ended_normal => 301, commits => 300, rollbacks => 0,
		map { $_ => 0 } qw(ended_client_gone ended_fatal ended_terminated handoffs refused_too_many_clients) }, @cols),
	'15 clients x 20 transactions, a connection each: 300 sessions and commits (and pgbench\'s own session)');
is(row_text($got->{"$db|postgres|lg-hammer-t"}, @cols),
	row_text({ connections => 0, sessions_opened => 16, ended_normal => 16, commits => 1500, rollbacks => 1500,
		map { $_ => 0 } qw(ended_client_gone ended_fatal ended_terminated handoffs refused_too_many_clients) }, @cols),
	'15 clients x 100 scripts on kept connections: 1500 commits, 1500 rollbacks');
cmp_ok($got->{"$db|postgres|lg-hammer-t"}{peak_connections}, '>=', 15, '... 15 of them at once');

# the server's own count of the database's sessions and transactions (each
# session's startup transaction is a commit there, not a transaction here)
my @after = $server_counts->();
my ($sessions, $commits, $rollbacks) = map { $after[$_] - $before[$_] } 0 .. 2;
my %sum;
for my $r (values %$got) {
	$sum{$_} += $r->{$_} for qw(sessions_opened commits rollbacks handoffs);
}
is($sum{sessions_opened}, $sessions, "as many sessions as pg_stat_database counts ($sessions)");
is($sum{commits} + $sum{handoffs} + $sum{sessions_opened}, $commits,
	'commits and handoffs, and a startup transaction per session, are pg_stat_database\'s xact_commit');
is($sum{rollbacks}, $rollbacks, 'rollbacks are its xact_rollback');

# --- a reset with a session open
my $live = session(db => $db, app => 'lg-hammer-live');
query($live, 'SELECT 1') for 1 .. 2;
is(psql(qq{SELECT commits || ' ' || connections FROM pool_stats WHERE database = '$db' AND application_name = 'lg-hammer-live'}),
	'3 1', 'a live session: its commits counted from its slot');
my $since = psql(q{SELECT since FROM pool_stats_info()});
psql(q{SELECT pool_stats_reset()});
cmp_ok(psql(q{SELECT since FROM pool_stats_info()}), 'gt', $since, 'a reset sets since');
is(psql("SELECT string_agg(application_name, ',' ORDER BY application_name) FROM pool_stats WHERE database = '$db'"),
	'lg-hammer-live', 'a reset keeps only the rows with connections open');
my @c2 = qw(connections peak_connections sessions_opened ended_normal commits rollbacks);
is(row_text(rows($port, "database = '$db'")->{"$db|postgres|lg-hammer-live"}, @c2),
	'connections=1 peak_connections=1 sessions_opened=0 ended_normal=0 commits=0 rollbacks=0',
	'... its connection stays, as the new peak; its counts are zero, the slot\'s included');
query($live, 'SELECT 1') for 1 .. 3;
close_session($live);
ok(wait_until(sub { psql("SELECT ended_normal FROM pool_stats WHERE database = '$db' AND application_name = 'lg-hammer-live'") == 1 }, 20),
	'the session ends');
is(row_text(rows($port, "database = '$db'")->{"$db|postgres|lg-hammer-live"}, @c2),
	'connections=0 peak_connections=1 sessions_opened=0 ended_normal=1 commits=3 rollbacks=0',
	'what it did after the reset is counted from zero: 3 commits, and its end');

done_testing();
