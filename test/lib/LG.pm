# LG.pm: helpers for lifeguard's TAP tests (test/client, test/integration).
#
# The harness (test/harness.sh) has already started a throwaway cluster and
# exported PGHOST, PGPORT, PGUSER, PGDATABASE and the LG_* variables; these
# helpers read them.  Everything a test starts (PgBouncer, node, a cluster
# of its own) is stopped by the test's END block, and the harness kills
# whatever is left under $LG_TMP on exit.
package LG;

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(psql psql_ok psql_err run_cmd free_port start_pgbouncer
	stop_pgbouncer node_run wait_until as_pg_cmd control start_cluster
	restart_cluster reconfigure_cluster stop_cluster);

die "LG.pm: run through test/harness.sh (PGPORT and LG_TMP are not set)\n"
	unless $ENV{PGPORT} && $ENV{LG_TMP};

# run_cmd(\@argv, stdin => STRING, env => {K => V|undef}) -> (exit, stdout,
# stderr).  Output goes through files, so neither stream can block the other.
sub run_cmd {
	my ($argv, %o) = @_;
	my $in = File::Temp->new(DIR => $ENV{LG_TMP});
	my $out = File::Temp->new(DIR => $ENV{LG_TMP});
	my $err = File::Temp->new(DIR => $ENV{LG_TMP});
	print $in $o{stdin} if defined $o{stdin};
	close $in;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		while (my ($k, $v) = each %{ $o{env} || {} }) {
			if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
		}
		open STDIN, '<', $in->filename or die $!;
		open STDOUT, '>', $out->filename or die $!;
		open STDERR, '>', $err->filename or die $!;
		exec { $argv->[0] } @$argv or do { print STDERR "exec $argv->[0]: $!\n"; POSIX::_exit(127) };
	}
	waitpid($pid, 0);
	my $rc = $? >> 8;
	local $/;
	open my $fo, '<', $out->filename or die $!;
	open my $fe, '<', $err->filename or die $!;
	my $stdout = <$fo> // '';
	my $stderr = <$fe> // '';
	return ($rc, $stdout, $stderr);
}

# psql($sql, %opts) -> stdout (unaligned, tuples only, '|' separated);
# dies on error.  opts: port, db, user, app (application_name), conninfo
sub psql {
	my ($sql, %o) = @_;
	my ($rc, $out, $err) = _psql($sql, %o);
	die "psql failed ($rc): $err\nSQL: $sql\n" if $rc != 0;
	chomp $out;
	return $out;
}

# psql_ok($sql, %opts) -> true when it succeeded
sub psql_ok {
	my ($rc) = _psql(@_);
	return $rc == 0;
}

# psql_err($sql, %opts) -> stderr text ('' when it succeeded)
sub psql_err {
	my ($rc, $out, $err) = _psql(@_);
	return $rc == 0 ? '' : $err;
}

sub _psql {
	my ($sql, %o) = @_;
	my @conn;
	if ($o{conninfo}) {
		@conn = ('-d', $o{conninfo});
	} else {
		push @conn, '-p', $o{port} if $o{port};
		push @conn, '-h', $o{host} if $o{host};
		push @conn, '-U', $o{user} if $o{user};
		push @conn, '-d', $o{db} if $o{db};
	}
	my %env;
	$env{PGAPPNAME} = $o{app} if defined $o{app};
	return run_cmd(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', @conn],
		stdin => $sql, env => \%env);
}

sub free_port {
	for (1 .. 100) {
		my $p = 20000 + int(rand(40000));
		my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $p,
			Proto => 'tcp', Listen => 1) or next;
		close $s;
		return $p;
	}
	die "no free port\n";
}

# wait_until(sub {...}, timeout_seconds) -> true if the sub became true
sub wait_until {
	my ($cond, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	while (time < $deadline) {
		return 1 if $cond->();
		sleep 0.05;
	}
	return 0;
}

# the command prefix to run something as the cluster's OS user
sub as_pg_cmd {
	return $> == 0 ? ('runuser', '-u', 'postgres', '--') : ();
}

# start_pgbouncer(pool_mode => 'transaction', extra => "key = value\n", ...)
# -> { port, dir, pid }.  A PgBouncer 1.18 in front of the test cluster,
# trust auth, on a free port, as the postgres OS user when root.
sub start_pgbouncer {
	my (%o) = @_;
	my $mode = $o{pool_mode} // 'transaction';
	my $port = free_port();
	my $dir = tempdir("pgbouncer.XXXXXX", DIR => "$ENV{LG_TMP}/run", CLEANUP => 0);
	chmod 0777, $dir;
	my $db = $o{dbname} // $ENV{PGDATABASE};
	open my $fh, '>', "$dir/pgbouncer.ini" or die $!;
	print $fh <<"INI";
[databases]
* = host=127.0.0.1 port=$ENV{PGPORT}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = $mode
default_pool_size = @{[ $o{pool_size} // 2 ]}
max_client_conn = @{[ $o{max_client_conn} // 200 ]}
ignore_startup_parameters = extra_float_digits,options
server_reset_query = DISCARD ALL
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = postgres
INI
	print $fh $o{extra} if $o{extra};
	close $fh;
	open $fh, '>', "$dir/userlist.txt" or die $!;
	print $fh qq{"postgres" ""\n};
	print $fh qq{"$_" ""\n} for @{ $o{users} || [] };
	close $fh;
	chmod 0666, "$dir/pgbouncer.ini", "$dir/userlist.txt";
	my ($rc, $out, $err) = run_cmd([as_pg_cmd(), 'pgbouncer', '-d', "$dir/pgbouncer.ini"]);
	die "pgbouncer did not start: $err $out\n" if $rc != 0;
	wait_until(sub { -s "$dir/pgbouncer.pid" }, 10) or die "pgbouncer wrote no pid file\n";
	# the harness kills anything listed as $LG_TMP/run/*.pid on exit
	symlink "$dir/pgbouncer.pid", "$ENV{LG_TMP}/run/" . ($dir =~ s{.*/}{}r) . ".pid";
	my $pid = do { local (@ARGV, $/) = "$dir/pgbouncer.pid"; <> };
	chomp $pid;
	wait_until(sub {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
		close $s if $s;
		return $s;
	}, 10) or die "pgbouncer is not listening on $port\n";
	return { port => $port, dir => $dir, pid => $pid };
}

sub stop_pgbouncer {
	my ($b) = @_;
	return unless $b && $b->{pid};
	kill 'TERM', $b->{pid};
	wait_until(sub { !kill(0, $b->{pid}) }, 10);
	delete $b->{pid};
}

# node_run($script_in_test_integration, @args) -> (exit, stdout, stderr),
# run from test/integration so the pinned node_modules resolve
sub node_run {
	my ($script, @args) = @_;
	my %o = (@args && ref $args[-1] eq 'HASH') ? %{ pop @args } : ();
	my $dir = "$ENV{LG_ROOT}/test/integration";
	return run_cmd(['node', "$dir/$script", @args], %o);
}

# Clusters of a test's own, for a test that needs server settings of its
# own: the shared clusters (PGPORT, LG_NOPRELOAD_PORT) are never restarted
# or reconfigured by a test (test/lib/cluster.sh makes and refuses that;
# the harness checks it after the tests).
#
# start_cluster(NAME, SETTING...) -> { name, port, data, log }: a new
# cluster set up as the shared preloaded one (lifeguard preloaded, the
# database PGDATABASE with pgtap, dblink and lifeguard), then the SETTING
# lines ("name = value"), which win.  Stopped in END, and by the harness
# on every exit path.
my @clusters;
my $clusters_started = 0;

sub _cluster_sh {
	return run_cmd(['bash', "$ENV{LG_ROOT}/test/lib/cluster.sh", @_]);
}

sub start_cluster {
	my ($name, @settings) = @_;
	my $id = "$name-$$-" . ++$clusters_started;
	my ($rc, $out, $err) = _cluster_sh('start', $id, "shared_preload_libraries = 'lifeguard'", @settings);
	die "cluster $name did not start: $err$out\n" if $rc != 0;
	my ($port, $data, $log) = split ' ', $out;
	my $c = { name => $name, port => $port, data => $data, log => $log, pid => $$ };
	push @clusters, $c;
	return $c;
}

# restart_cluster($c, PG_CTL_OPTION...) -> (exit, stdout, stderr); also
# starts one that stop_cluster stopped (and END stops it again)
sub restart_cluster {
	my ($c, @options) = @_;
	push @clusters, $c unless grep { $_ == $c } @clusters;
	return _cluster_sh('restart', $c->{data}, @options);
}

# reconfigure_cluster($c, name => value, ...) -> (exit, stdout, stderr):
# ALTER SYSTEM SET name = value (value as SQL: 10, 'on'; undef: ALTER
# SYSTEM RESET name) on $c, then a restart
sub reconfigure_cluster {
	my ($c, @pairs) = @_;
	my @set;
	while (my ($k, $v) = splice @pairs, 0, 2) {
		push @set, defined $v ? "$k=$v" : $k;
	}
	return _cluster_sh('set', $c->{data}, @set);
}

sub stop_cluster {
	my ($c) = @_;
	@clusters = grep { $_ != $c } @clusters;
	return _cluster_sh('stop', $c->{data});
}

# (only in the process that started them, not in a forked child)
END {
	local $?;
	my @mine = grep { $_->{pid} == $$ } @clusters;
	stop_cluster($_) for @mine;
}

# control() -> { key => value } of lifeguard.control.  Its default_version
# is the release version: the one place it is written (issue 12), so tests
# compare with it instead of a literal.
sub control {
	open my $fh, '<', "$ENV{LG_ROOT}/lifeguard.control" or die "lifeguard.control: $!\n";
	my %c = map { /^\s*(\w+)\s*=\s*'?([^']*)'?\s*$/ ? ($1 => $2) : () } <$fh>;
	die "lifeguard.control has no default_version\n" unless $c{default_version};
	return \%c;
}

1;
