# LGOps.pm: helpers for the tests of the operations commands (ops_*.t):
# background psql sessions that hold connections in a given state, a fake
# server that rejects every password, and running the CLI against a
# database of the test clusters.
package LGOps;

use strict;
use warnings;
use Exporter 'import';
use IO::Socket::INET;
use POSIX ();
use LG qw(psql run_cmd free_port wait_until);
use LGClient qw(lg_env cli url_for);

our @EXPORT_OK = qw(session stop_sessions wait_states ops_cli reject_password_server
	stop_reject_server);

my @sessions;

# session(app => NAME, sql => TEXT, port => P, db => D, user => U): a psql
# that runs sql and then keeps its connection open (its stdin stays open)
# until stop_sessions().  Returns its pid.
sub session {
	my (%o) = @_;
	my @cmd = ('psql', '-X', '-q', '-o', '/dev/null',
		'-h', $ENV{PGHOST}, '-p', $o{port} // $ENV{PGPORT},
		'-U', $o{user} // $ENV{PGUSER}, '-d', $o{db} // $ENV{PGDATABASE});
	local $ENV{PGAPPNAME} = $o{app};
	my $pid = open(my $fh, '|-', 'sh', '-c', 'exec "$@" 2>/dev/null', 'sh', @cmd)
		// die "psql: $!";
	select((select($fh), $| = 1)[0]);
	print $fh $o{sql} // '', "\n";
	push @sessions, [$pid, $fh, $o{app}, $o{port} // $ENV{PGPORT}];
	return $pid;
}

# end the sessions and their backends (a backend sleeping in pg_sleep
# would outlive its client otherwise)
sub stop_sessions {
	my %by_port;
	push @{ $by_port{$_->[3]} }, $_->[2] for @sessions;
	for my $port (keys %by_port) {
		my $apps = join(',', map { "'$_'" } @{ $by_port{$port} });
		psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN ($apps)",
			port => $port);
		wait_until(sub {
			psql("SELECT count(*) FROM pg_stat_activity WHERE application_name IN ($apps)",
				port => $port) == 0 }, 20);
	}
	for my $s (@sessions) {
		kill 'TERM', $s->[0];
	}
	for my $s (@sessions) {
		waitpid($s->[0], 0);
	}
	@sessions = ();
}

# wait_states({app => "state:n,..."}) until pg_stat_activity shows, for
# each application_name, that many backends in each state ("waiting" for
# wait_event_type Lock).  Returns true when it did within 20 seconds.
sub wait_states {
	my ($want, %o) = @_;
	my $apps = join(',', map { "'$_'" } sort keys %$want);
	return wait_until(sub {
		my $got = psql(qq{
			SELECT application_name || '=' || string_agg(s, ',' ORDER BY s)
			  FROM (SELECT application_name,
			               CASE WHEN wait_event_type = 'Lock' THEN 'waiting' ELSE state END
			               || ':' || count(*) AS s
			          FROM pg_stat_activity WHERE application_name IN ($apps)
			         GROUP BY 1, CASE WHEN wait_event_type = 'Lock' THEN 'waiting' ELSE state END) x
			 GROUP BY application_name}, %o);
		my %got = map { split /=/, $_, 2 } split /\n/, $got;
		for (keys %$want) {
			return 0 unless ($got{$_} // '') eq join(',', sort split /,/, $want->{$_});
		}
		return 1;
	}, 20);
}

# ops_cli($variant, {env overrides}, @args) with DATABASE_URL of the test
# cluster (port/db from the overrides' _port/_db) unless given.
sub ops_cli {
	my ($variant, $env, @args) = @_;
	my %e = %$env;
	my $port = delete $e{_port};
	my $db = delete $e{_db};
	$e{DATABASE_URL} //= url_for(port => $port, db => $db);
	return cli($variant, lg_env(%e), @args);
}

# A TCP server that speaks just enough of the protocol to ask for a
# cleartext password and reject it with SQLSTATE 28P01, as a server with
# password authentication does.  Returns {port, pid, file} where file gets
# the passwords it received.
sub reject_password_server {
	my $port = free_port();
	my $file = "$ENV{LG_TMP}/reject.$port";
	my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
		Proto => 'tcp', Listen => 5, ReuseAddr => 1) or die "listen: $!";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		while (my $c = $srv->accept) {
			my $read = sub {
				my ($n) = @_;
				my $buf = '';
				while (length($buf) < $n) {
					my $r = sysread($c, $buf, $n - length($buf), length($buf));
					return undef unless $r;
				}
				return $buf;
			};
			my $startup;
			for (1 .. 3) {
				my $len = $read->(4) // last;
				my $body = $read->(unpack('N', $len) - 4) // last;
				my $code = unpack('N', $body);
				if ($code == 80877103 || $code == 80877104) {
					syswrite($c, 'N');	# no SSL, no GSS encryption
					next;
				}
				$startup = $body;
				last;
			}
			if (defined $startup) {
				syswrite($c, 'R' . pack('NN', 8, 3));	# AuthenticationCleartextPassword
				my $type = $read->(1);
				if (defined $type && $type eq 'p') {
					my $len = unpack('N', $read->(4) // "\0\0\0\4");
					my $pw = $read->($len - 4) // '';
					$pw =~ s/\0$//;
					open my $fh, '>>', $file;
					print $fh "$pw\n";
					close $fh;
				}
				my $fields = "SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"postgres\"\0\0";
				syswrite($c, 'E' . pack('N', 4 + length $fields) . $fields);
			}
			close $c;
		}
		POSIX::_exit(0);
	}
	close $srv;
	open my $pf, '>', "$ENV{LG_RUNDIR}/reject.$port.pid";
	print $pf "$pid\n";
	close $pf;
	return {port => $port, pid => $pid, file => $file};
}

sub stop_reject_server {
	my ($s) = @_;
	return unless $s && $s->{pid};
	kill 'TERM', $s->{pid};
	waitpid($s->{pid}, 0);
	unlink "$ENV{LG_RUNDIR}/reject.$s->{port}.pid";
	delete $s->{pid};
}

1;
