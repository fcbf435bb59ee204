# pool.t: liblifeguard's pool against the test cluster, through the C
# program pool_test (test/client/pool_test.c), in the optimised and the
# ASan+UBSan builds, and the core cases again under ThreadSanitizer.  The server itself counts the pool's connections (by
# application_name in pg_stat_activity).
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use IO::Socket::UNIX;
use IO::Select;
use POSIX ();
use Time::HiRes qw(sleep time);
use LG qw(psql free_port wait_until start_cluster restart_cluster);
use LGClient qw(binaries lg_env program url_for sanitizer_clean);

# the connection pool_test counts the pool's server connections on
sub monitor_of {
	my ($port) = @_;
	return "host=$ENV{PGHOST} port=$port dbname=$ENV{PGDATABASE} user=$ENV{PGUSER} application_name=lg-monitor";
}
my $MONITOR = monitor_of($ENV{PGPORT});

sub kv {
	my ($out) = @_;
	my %h;
	for (split /\n/, $out) {
		$h{$1} = $2 if /^([a-z_]+)=(.*)$/ && !exists $h{$1};
	}
	return \%h;
}

sub errors_of {
	my ($out) = @_;
	return map { /^error=\d+ x (.*)$/ ? $1 : () } split /\n/, $out;
}

# Every pool test runs over TCP (PGHOST is 127.0.0.1) and over the Unix
# socket of the same cluster; $URL is the current one.
use constant TRANSPORTS => qw(tcp unix);
my $URL;

# the test cluster's URL over a transport, with extra query parameters
sub url_of {
	my ($transport, %q) = @_;
	my $port = delete $q{port} // $ENV{PGPORT};
	my $db = delete $q{db} // $ENV{PGDATABASE};
	my $host = delete $q{host} // ($transport eq 'unix' ? $ENV{LG_SOCKDIR} : '127.0.0.1');
	my @q = map { "$_=$q{$_}" } sort keys %q;
	return "postgresql://$ENV{PGUSER}\@$host:$port/$db" . (@q ? '?' . join('&', @q) : '')
		if $transport eq 'tcp';
	return "postgresql://$ENV{PGUSER}\@/$db?" . join('&', "host=$host", "port=$port", @q);
}

sub env_for {
	my (%o) = @_;
	return lg_env(DATABASE_URL => $URL, APP_ENV => 'test', %o,
		LG_MONITOR_CONNINFO => $MONITOR);
}

# start pool_test in the background; returns (pid, output file)
sub spawn {
	my ($variant, $env, @args) = @_;
	my $dir = $variant eq 'asan' ? 'build-asan' : 'build-opt';
	my $out = "$ENV{LG_TMP}/pool_test.$$." . int(rand(1e9));
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		while (my ($k, $v) = each %$env) {
			if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
		}
		open STDOUT, '>', $out or die $!;
		open STDERR, '>', "$out.err" or die $!;
		exec "$ENV{LG_ROOT}/client/$dir/pool_test", @args or POSIX::_exit(127);
	}
	return ($pid, $out);
}

sub finish {
	my ($pid, $out) = @_;
	waitpid($pid, 0);
	my $rc = $? >> 8;
	local $/;
	open my $f, '<', $out or die $!;
	my $o = <$f>;
	open my $e, '<', "$out.err" or die $!;
	my $err = <$e>;
	return ($rc, $o, $err);
}

# a call on a connection that the server closed: lost before the statement
# was sent, or after; the FATAL message, or only the closed socket when the
# client was between reads
my $LOST = qr/^broken: connection lost (before the statement was sent|after the statement was sent; it may have run): (FATAL:\s+terminating connection due to administrator command|server closed the connection unexpectedly|the server closed the connection)/;

sub slurp {
	my ($file) = @_;
	open my $f, '<', $file or return '';
	local $/;
	return <$f> // '';
}

# A relay in front of the test cluster, listening over a transport; on
# SIGUSR1 it stops relaying the connections it has (holding them open, like
# a NAT that dropped their state), while new ones are relayed.  Returns
# (pid, url).
sub start_relay {
	my ($tr) = @_;
	my $port = free_port();
	my $dir = "$ENV{LG_RUNDIR}/relay-$$-$port";
	mkdir $dir if $tr eq 'unix';
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		my $l = $tr eq 'unix'
			? IO::Socket::UNIX->new(Local => "$dir/.s.PGSQL.$port", Listen => 16)
			: IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 16, ReuseAddr => 1);
		POSIX::_exit(1) unless $l;
		my (%peer, @held);
		my $freeze = 0;
		$SIG{USR1} = sub { $freeze = 1 };
		my $sel = IO::Select->new($l);
		for (;;) {
			if ($freeze) {
				for my $s ($sel->handles) {
					next if $s == $l;
					push @held, $s;
					$sel->remove($s);
				}
				$freeze = 0;
			}
			for my $s ($sel->can_read(0.05)) {
				if ($s == $l) {
					my $c = $l->accept or next;
					my $u = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{PGPORT});
					unless ($u) { close $c; next }
					$peer{$c} = $u;
					$peer{$u} = $c;
					$sel->add($c, $u);
					next;
				}
				my $o = $peer{$s} or next;
				my $n = sysread($s, my $buf, 65536);
				if (!$n) {
					$sel->remove($s, $o);
					delete @peer{$s, $o};
					close $s;
					close $o;
					next;
				}
				syswrite($o, $buf);
			}
		}
	}
	open my $pf, '>', "$ENV{LG_RUNDIR}/relay.$pid.pid" or die $!;
	print $pf $pid;
	close $pf;
	my $probe = $tr eq 'unix'
		? sub { IO::Socket::UNIX->new(Peer => "$dir/.s.PGSQL.$port") }
		: sub { IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) };
	wait_until($probe, 10) or die "the relay did not start\n";
	return ($pid, url_of($tr, host => ($tr eq 'unix' ? $dir : '127.0.0.1'), port => $port));
}

sub stop_relay {
	my ($pid) = @_;
	kill 'KILL', $pid;
	waitpid($pid, 0);
	unlink "$ENV{LG_RUNDIR}/relay.$pid.pid";
}

# A cluster of this test's own (LG::start_cluster), started once, for the
# restart tests: the shared one is never restarted.
my $own;
sub own_cluster {
	return $own //= start_cluster('pool', 'max_connections = 40', 'shared_buffers = 16MB',
		"shared_preload_libraries = ''");
}

sub app_backends {
	my ($app) = @_;
	return psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'");
}

for my $b (binaries()) {
for my $tr (TRANSPORTS) {
	my ($bin) = @$b;
	my $v = "$bin-$tr";
	$URL = url_of($tr);

	# --- 4x oversubscribed load: never more server connections than max
	{
		my $env = env_for(APP_NAME => "lgload$v", DATABASE_POOL_MAX => 4,
			DATABASE_CONNECTION_TIMEOUT => 20000);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'load', 16, 3);
		my $r = kv($out);
		is($rc, 0, "[$v] load: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] load: sanitizer clean") or diag($err);
		cmp_ok($r->{ops}, '>', 100, "[$v] load: 16 threads ran queries ($r->{ops})");
		is($r->{errors}, 0, "[$v] load: no errors") or diag(join("\n", errors_of($out)));
		cmp_ok($r->{max_server_conns}, '<=', 4, "[$v] load: the server never saw more than max=4 connections ($r->{max_server_conns})");
		cmp_ok($r->{max_server_conns}, '>=', 2, "[$v] load: the pool did use several connections");
		cmp_ok($r->{max_pool_open}, '<=', 4, "[$v] load: the pool never counted more than 4");
		is($r->{created}, $r->{open} + $r->{closed}, "[$v] load: created = open + closed");
		is($r->{in_use}, 0, "[$v] load: nothing in use at the end");
		is($r->{server_after_destroy}, 0, "[$v] load: lg_pool_destroy closed every server connection");
	}

	# --- the idle timeout closes connections
	{
		my $env = env_for(APP_NAME => "lgidle$v", DATABASE_POOL_MAX => 3,
			DATABASE_POOL_IDLE_TIMEOUT => 800);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'idle');
		my $r = kv($out);
		is($rc, 0, "[$v] idle: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] idle: sanitizer clean") or diag($err);
		is($r->{server_before}, 3, "[$v] idle: 3 server connections after use");
		is($r->{pool_idle_before}, 3, "[$v] idle: 3 idle in the pool");
		is($r->{server_half}, 3, "[$v] idle: still 3 halfway through the idle timeout");
		is($r->{server_after}, 0, "[$v] idle: none on the server after the idle timeout");
		is($r->{pool_open_after}, 0, "[$v] idle: none open in the pool");
		is($r->{pool_idle_closed}, 3, "[$v] idle: stats count 3 closed by the idle timeout");
		is($r->{reacquired}, 1, "[$v] idle: a new connection is opened on demand");
		is($r->{final_created}, 4, "[$v] idle: 4 connections created in all");
	}

	# --- acquire timeout when the pool is exhausted; hand-off to a waiter
	{
		my $env = env_for(APP_NAME => "lgacq$v", DATABASE_POOL_MAX => 2,
			DATABASE_CONNECTION_TIMEOUT => 600);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'acquire-timeout');
		my $r = kv($out);
		is($rc, 0, "[$v] acquire timeout: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] acquire timeout: sanitizer clean") or diag($err);
		is($r->{status}, 'timeout', "[$v] acquire timeout: status");
		cmp_ok($r->{elapsed_ms}, '>=', 600, "[$v] acquire timeout: not before 600 ms ($r->{elapsed_ms})");
		cmp_ok($r->{elapsed_ms}, '<', 700, "[$v] acquire timeout: within 100 ms of it");
		is($r->{message}, 'timed out after 600 ms waiting for a pool connection: all 2 in use (max 2), 0 other callers waiting',
			"[$v] acquire timeout: message");
		is($r->{handoff_status}, 'ok', "[$v] a waiter gets a released connection");
		cmp_ok($r->{handoff_elapsed_ms}, '>=', $r->{handoff_after_ms} - 5, "[$v] hand-off: after the release");
		cmp_ok($r->{handoff_elapsed_ms}, '<', $r->{handoff_after_ms} + 100, "[$v] hand-off: promptly");
		is($r->{final_timeouts}, 1, "[$v] acquire timeout: stats count it");
		is($r->{final_created}, 2, "[$v] acquire timeout: no connection beyond max");
	}

	# --- the connect deadline, in milliseconds, against a silent listener
	{
		my $port = free_port();
		# over the Unix socket: a socket file in a directory of its own
		my $sdir = "$ENV{LG_RUNDIR}/silent-$$-$port";
		mkdir $sdir if $tr eq 'unix';
		my $sfile = "$sdir/.s.PGSQL.$port";
		my $surl = url_of($tr, host => ($tr eq 'unix' ? $sdir : '127.0.0.1'), port => $port, db => 'x');
		my $target = $tr eq 'unix' ? "$sdir:$port" : "127.0.0.1:$port";
		my $connect = sub {
			return $tr eq 'unix' ? IO::Socket::UNIX->new(Peer => $sfile)
				: IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
		};
		my $lpid = fork // die;
		if ($lpid == 0) {
			my $l = $tr eq 'unix'
				? IO::Socket::UNIX->new(Local => $sfile, Listen => 16)
				: IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
					Listen => 16, ReuseAddr => 1);
			POSIX::_exit(1) unless $l;
			my @held;
			while (my $c = $l->accept) { push @held, $c }	# accept, never answer
			POSIX::_exit(0);
		}
		open my $pf, '>', "$ENV{LG_RUNDIR}/silent-listener.$lpid.pid";
		print $pf $lpid;
		close $pf;
		wait_until($connect, 5);
		for my $ms (1500, 250) {
			my $env = env_for(DATABASE_URL => $surl,
				DATABASE_CONNECTION_TIMEOUT => $ms, LG_MONITOR_CONNINFO => undef);
			my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'connect-deadline');
			my $r = kv($out);
			is($rc, 0, "[$v] connect deadline $ms ms: exit 0") or diag("$out\n$err");
			ok(sanitizer_clean($err), "[$v] connect deadline: sanitizer clean") or diag($err);
			is($r->{status}, 'connect', "[$v] connect deadline $ms ms: status");
			cmp_ok($r->{elapsed_ms}, '>=', $ms, "[$v] connect deadline $ms ms: not before ($r->{elapsed_ms})");
			cmp_ok($r->{elapsed_ms}, '<', $ms + 100, "[$v] connect deadline $ms ms: within 100 ms");
			is($r->{message}, "could not connect to $target: no answer within the connection timeout of $ms ms",
				"[$v] connect deadline: message");
			is($r->{final_connect_failures}, 1, "[$v] connect deadline: stats");
			is($r->{final_open}, 0, "[$v] connect deadline: no connection left open");
		}
		kill 'KILL', $lpid;
		waitpid($lpid, 0);
		unlink "$ENV{LG_RUNDIR}/silent-listener.$lpid.pid";

		# nothing listening: a clear error, at once
		my $env = env_for(DATABASE_URL => $surl, LG_MONITOR_CONNINFO => undef);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'connect-deadline');
		my $r = kv($out);
		is($r->{status}, 'connect', "[$v] connection refused: status");
		# libpq 14 and later name the server; libpq 13 (Debian 11, RHEL 8) did not
		my $refused = $tr eq 'unix'
			? qr/^could not connect: (?:connection to server on socket "\Q$sfile\E" failed: |could not connect to server: )Connection refused/
			: qr/^could not connect: (?:connection to server at "127\.0\.0\.1", port $port failed: |could not connect to server: )Connection refused/;
		like($r->{message}, $refused, "[$v] connection refused: libpq's message on one line");
		cmp_ok($r->{elapsed_ms}, '<', 1000, "[$v] connection refused: no waiting");
	}

	# --- nothing is handed out dirty; the transaction helper
	{
		my $env = env_for(APP_NAME => "lgdirty$v", DATABASE_POOL_MAX => 1);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'dirty');
		my $r = kv($out);
		is($rc, 0, "[$v] dirty: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] dirty: sanitizer clean") or diag($err);
		is($r->{open_same_backend}, 1, "[$v] released inside a transaction: the connection is reused");
		is($r->{open_txn_status}, 0, "[$v] ... idle, not in a transaction");
		is($r->{open_table_gone}, 1, "[$v] ... its uncommitted table rolled back");
		is($r->{open_setting}, '[]', "[$v] ... its SET LOCAL gone");
		is($r->{failed_status}, 'query', "[$v] failed statement: a query error");
		is($r->{failed_sqlstate}, '22012', "[$v] failed statement: SQLSTATE");
		like($r->{failed_message}, qr/^ERROR:\s+division by zero$/, "[$v] failed statement: message");
		is($r->{failed_txn_status}, 3, "[$v] failed transaction before release");
		is($r->{after_failed_ok}, 1, "[$v] released inside a failed transaction: the next caller's query works");
		is($r->{busy_other_backend}, 1, "[$v] released with a query running: closed, a new connection given");
		is($r->{txn_commit_status}, 'ok', "[$v] transaction helper commits");
		is($r->{txn_callback_status}, 'query', "[$v] transaction helper: the callback's error");
		is($r->{txn_callback_message}, 'the callback failed on purpose', "[$v] transaction helper: its message");
		is($r->{txn_ignored_status}, 'query', "[$v] transaction helper: COMMIT of a failed transaction is an error");
		like($r->{txn_ignored_message}, qr/rolled back instead of committed/, "[$v] ... saying so");
		is($r->{txn_rows}, '1', "[$v] transaction helper: only the committed row exists");
		is($r->{final_rolled_back}, 2, "[$v] stats: the two rollbacks on release counted");
		is($r->{final_discarded}, 1, "[$v] stats: the busy connection discarded");
		is($r->{server_after_destroy}, 0, "[$v] dirty: nothing left on the server");
	}

	# --- session pooling prepares each statement once per connection;
	# transaction pooling never does
	{
		my ($rc, $out, $err) = program($bin, 'pool_test', env_for(APP_NAME => "lgcache$v", DATABASE_POOL_MAX => 1,
			DATABASE_STATEMENT_CACHE => 'on'), 'statement-cache');
		my $r = kv($out);
		is($rc, 0, "[$v] statement cache: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] statement cache: sanitizer clean") or diag($err);
		is($r->{cached_select}, 1, "[$v] session pooling: a repeated statement is prepared once, as lg_<n>");
		is($r->{after_deallocate_ok}, 1, "[$v] session pooling: DEALLOCATE ALL by the application is survived");
		is($r->{stale_plan_ok}, 1, "[$v] session pooling: a cached SELECT * survives ALTER TABLE");
		is($r->{syntax_status}, 'query', "[$v] session pooling: a syntax error is the statement's error");
		is($r->{syntax_sqlstate}, '42601', "[$v] ... with its SQLSTATE");
		is($r->{user_execute_status}, 'query', "[$v] session pooling: the application's own EXECUTE of a missing statement fails");
		is($r->{user_execute_sqlstate}, '26000', "[$v] ... with its SQLSTATE");
		# after DEALLOCATE ALL a new generation: CREATE, SELECT * (prepared
		# again when stale), ALTER, the EXECUTE (it parses; it fails when
		# run), DROP, the count itself; not SELEC, which does not parse
		is($r->{cached_total}, 6, "[$v] session pooling: statements cached, unparsable ones not kept");
		# session pooling without DATABASE_STATEMENT_CACHE=on: the default
		# is unnamed statements only, so lifeguard's audit sees nothing
		($rc, $out, $err) = program($bin, 'pool_test', env_for(APP_NAME => "lgcached$v", DATABASE_POOL_MAX => 1), 'statement-cache');
		$r = kv($out);
		is($rc, 0, "[$v] statement cache off by default: exit 0") or diag("$out\n$err");
		is($r->{cached_select}, 0, "[$v] session pooling, cache off (default): no named statement on the server");
		is($r->{cached_total}, 0, "[$v] session pooling, cache off (default): none at all");
		is($r->{stale_plan_ok}, 1, "[$v] session pooling, cache off (default): queries work");
		($rc, $out, $err) = program($bin, 'pool_test', env_for(APP_NAME => "lgcachet$v", DATABASE_POOL_MAX => 1,
			DATABASE_POOL_MODE => 'transaction'), 'statement-cache');
		$r = kv($out);
		is($rc, 0, "[$v] statement cache, transaction pooling: exit 0") or diag("$out\n$err");
		is($r->{cached_select}, 0, "[$v] transaction pooling: no named statement on the server");
		is($r->{cached_total}, 0, "[$v] transaction pooling: none at all");
		is($r->{stale_plan_ok}, 1, "[$v] transaction pooling: queries work");
	}

	# --- pg_terminate_backend of pool connections during load
	{
		my $app = "lgterm$v";
		my $env = env_for(APP_NAME => $app, DATABASE_POOL_MAX => 4,
			DATABASE_CONNECTION_TIMEOUT => 5000);
		my ($pid, $file) = spawn($bin, $env, 'load', 12, 4);
		ok(wait_until(sub { -s $file }, 20), "[$v] terminate: load started");
		sleep 0.5;
		my $killed = 0;
		for (1 .. 6) {
			$killed += psql("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${app}-test') t");
			sleep 0.4;
		}
		my ($rc, $out, $err) = finish($pid, $file);
		my $r = kv($out);
		is($rc, 0, "[$v] terminate: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] terminate: sanitizer clean") or diag($err);
		cmp_ok($killed, '>', 0, "[$v] terminate: backends were terminated ($killed)");
		cmp_ok($r->{errors}, '>', 0, "[$v] terminate: some calls failed ($r->{errors})");
		is($r->{errors_unclear}, 0, "[$v] terminate: every failed call has a message");
		# the FATAL message, or only the closed socket when the client was
		# between reads
		# a connect that meets the server as it goes down or comes up
		# may see the socket refused, reset, or the server's own FATAL
		my @unexpected = grep {
			!/$LOST/
		} errors_of($out);
		is_deeply(\@unexpected, [], "[$v] terminate: every error says the connection was terminated");
		is($r->{recovered}, 1, "[$v] terminate: the pool recovers");
		cmp_ok($r->{max_server_conns}, '<=', 4, "[$v] terminate: never more than max on the server");
		cmp_ok($r->{discarded}, '>', 0, "[$v] terminate: broken connections discarded");
		is($r->{in_use}, 0, "[$v] terminate: nothing leaked in use");
		is($r->{created}, $r->{open} + $r->{closed}, "[$v] terminate: created = open + closed");
		is($r->{server_after_destroy}, 0, "[$v] terminate: nothing left on the server");
	}

	# --- a server restart during load (of the test's own cluster)
	{
		my $c = own_cluster();
		my $app = "lgrestart$v";
		my $env = env_for(APP_NAME => $app, DATABASE_POOL_MAX => 4,
			DATABASE_CONNECTION_TIMEOUT => 2000, DATABASE_URL => url_of($tr, port => $c->{port}));
		$env->{LG_MONITOR_CONNINFO} = monitor_of($c->{port});
		my ($pid, $file) = spawn($bin, $env, 'load', 12, 5);
		ok(wait_until(sub { -s $file }, 20), "[$v] restart: load started");
		sleep 1;
		my ($prc, $pout, $perr) = restart_cluster($c, '-m', 'fast');
		is($prc, 0, "[$v] restart: pg_ctl restart") or diag("$pout$perr");
		my ($rc, $out, $err) = finish($pid, $file);
		my $r = kv($out);
		is($rc, 0, "[$v] restart: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] restart: sanitizer clean") or diag($err);
		cmp_ok($r->{errors}, '>', 0, "[$v] restart: some calls failed ($r->{errors})");
		is($r->{errors_unclear}, 0, "[$v] restart: every failed call has a message");
		my @unexpected = grep {
			!/$LOST/
			&& !/^connect: could not connect: connection to server (at "#+\.#\.#\.#", port #+|on socket "[^"]+") failed: (Connection refused|Connection reset by peer|No such file or directory|FATAL:\s+the database system is (shutting down|starting up)|server closed the connection unexpectedly)/
			&& !/^timeout: timed out after 2000 ms waiting for a pool connection/
		} errors_of($out);
		is_deeply(\@unexpected, [], "[$v] restart: every error is a clear connection error")
			or diag(join("\n", errors_of($out)));
		is($r->{recovered}, 1, "[$v] restart: the pool recovers");
		cmp_ok($r->{ops}, '>', 0, "[$v] restart: queries ran");
		cmp_ok($r->{max_server_conns}, '<=', 4, "[$v] restart: never more than max on the server");
		is($r->{in_use}, 0, "[$v] restart: nothing leaked in use");
		is($r->{created}, $r->{open} + $r->{closed}, "[$v] restart: created = open + closed");
		is($r->{server_after_destroy}, 0, "[$v] restart: nothing left on the server");
		ok(wait_until(sub { eval { psql('SELECT 1', port => $c->{port}) } }, 30), "[$v] restart: the cluster is up again");
	}
	# --- a backend terminated while its connection sat idle in the pool:
	# the next acquire and query succeed (issue 13's reproduction), by the
	# check on the socket alone (no round trip within the threshold) and
	# with the default threshold
	for my $after (86400000, undef) {
		my $what = defined $after ? 'socket check only' : 'default threshold';
		my $env = env_for(APP_NAME => "lglost$v", DATABASE_POOL_MAX => 1,
			DATABASE_POOL_HEALTH_CHECK_AFTER => $after);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'idle-lost');
		my $r = kv($out);
		is($rc, 0, "[$v] terminated while idle, $what: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] terminated while idle: sanitizer clean") or diag($err);
		is($r->{terminated}, 1, "[$v] terminated while idle: the backend was terminated and is gone");
		is($r->{second_call_ok}, 1, "[$v] terminated while idle, $what: the next acquire and query succeed")
			or diag($r->{second_call_error});
		is($r->{new_backend}, 1, "[$v] terminated while idle: on a new connection");
		is($r->{final_discarded}, 1, "[$v] terminated while idle: the dead one discarded");
		is($r->{final_health_checks}, 0, "[$v] terminated while idle, $what: found without a round trip");
		unlike($err, qr/FATAL/, "[$v] terminated while idle: the server's FATAL not printed on stderr");
	}

	# --- the server's idle_session_timeout (500 ms) closes every idle
	# connection during a 1 s pause: every call after it succeeds
	{
		my $env = env_for(APP_NAME => "lgist$v", DATABASE_POOL_MAX => 3,
			DATABASE_URL => url_of($tr, options => '-c%20idle_session_timeout%3D500'));
		my $go = "$ENV{LG_RUNDIR}/go.$$." . int(rand(1e9));
		my ($pid, $file) = spawn($bin, $env, 'idle-wait', 3, $go);
		ok(wait_until(sub { slurp($file) =~ /^ready=1$/m }, 20), "[$v] idle_session_timeout: 3 connections idle");
		sleep 1;
		is(app_backends("lgist$v-test"), 0, "[$v] idle_session_timeout: the server closed them all");
		open my $g, '>', $go or die $!;
		close $g;
		my ($rc, $out, $err) = finish($pid, $file);
		unlink $go;
		my $r = kv($out);
		is($rc, 0, "[$v] idle_session_timeout: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] idle_session_timeout: sanitizer clean") or diag($err);
		is($r->{calls}, 9, "[$v] idle_session_timeout: 9 calls after the pause");
		is($r->{failures}, 0, "[$v] idle_session_timeout: every call succeeds") or diag($out);
		is($r->{final_discarded}, 3, "[$v] idle_session_timeout: the 3 closed connections discarded");
		is($r->{final_created}, 6, "[$v] idle_session_timeout: and replaced");
	}

	# --- the pool's own cluster restarted while the pool is idle: the first
	# call after the server accepts connections succeeds
	{
		my $c = own_cluster();
		my $env = env_for(APP_NAME => "lgidlerestart$v", DATABASE_POOL_MAX => 3,
			DATABASE_URL => url_of($tr, port => $c->{port}, db => 'postgres'),
			LG_MONITOR_CONNINFO => undef);
		my $go = "$ENV{LG_RUNDIR}/go.$$." . int(rand(1e9));
		my ($pid, $file) = spawn($bin, $env, 'idle-wait', 3, $go);
		ok(wait_until(sub { slurp($file) =~ /^ready=1$/m }, 20), "[$v] restart while idle: 3 connections idle");
		my ($prc, $pout, $perr) = restart_cluster($c, '-m', 'fast');
		is($prc, 0, "[$v] restart while idle: pg_ctl restart -w (returns once the server accepts connections)")
			or diag("$pout$perr");
		open my $g, '>', $go or die $!;
		close $g;
		my ($rc, $out, $err) = finish($pid, $file);
		unlink $go;
		my $r = kv($out);
		is($rc, 0, "[$v] restart while idle: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] restart while idle: sanitizer clean") or diag($err);
		is($r->{failures}, 0, "[$v] restart while idle: the first call and every one after succeed") or diag($out);
		is($r->{calls}, 9, "[$v] restart while idle: 9 calls");
		is($r->{final_discarded}, 3, "[$v] restart while idle: the 3 old connections discarded");
	}

	# --- a server gone silent (no answer, no close: a NAT that dropped the
	# connection's state): the round trip after the idle threshold gets
	# half of what is left of the acquire deadline, then the connection is
	# replaced within the other half
	{
		my ($relay, $rurl) = start_relay($tr);
		my $env = env_for(APP_NAME => "lgsilent$v", DATABASE_POOL_MAX => 1, DATABASE_URL => $rurl,
			DATABASE_POOL_HEALTH_CHECK_AFTER => 100, DATABASE_CONNECTION_TIMEOUT => 2000);
		my $go = "$ENV{LG_RUNDIR}/go.$$." . int(rand(1e9));
		my ($pid, $file) = spawn($bin, $env, 'silent', $go);
		ok(wait_until(sub { slurp($file) =~ /^ready=1$/m }, 20), "[$v] silent server: a connection idle");
		kill 'USR1', $relay;
		sleep 0.3;
		open my $g, '>', $go or die $!;
		close $g;
		my ($rc, $out, $err) = finish($pid, $file);
		unlink $go;
		stop_relay($relay);
		my $r = kv($out);
		is($rc, 0, "[$v] silent server: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] silent server: sanitizer clean") or diag($err);
		is($r->{call_ok}, 1, "[$v] silent server: the call succeeds") or diag($r->{call_error});
		is($r->{new_backend}, 1, "[$v] silent server: on a new connection");
		cmp_ok($r->{elapsed_ms}, '>=', 990, "[$v] silent server: after the round trip's 1000 ms ($r->{elapsed_ms})");
		cmp_ok($r->{elapsed_ms}, '<', 2000, "[$v] silent server: within the acquire deadline");
		is($r->{final_health_checks}, 1, "[$v] silent server: one round trip");
		is($r->{final_discarded}, 1, "[$v] silent server: the silent connection discarded");
	}

	# --- rotation by DATABASE_POOL_MAX_LIFETIME: new backends, no call fails;
	# a connection in use is never closed, one past its lifetime is closed
	# at release
	{
		my $env = env_for(APP_NAME => "lglife$v", DATABASE_POOL_MAX => 2,
			DATABASE_POOL_MAX_LIFETIME => 300);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'lifetime', 2000);
		my $r = kv($out);
		is($rc, 0, "[$v] lifetime: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] lifetime: sanitizer clean") or diag($err);
		cmp_ok($r->{calls}, '>', 50, "[$v] lifetime: calls made for 2 s ($r->{calls})");
		is($r->{failures}, 0, "[$v] lifetime: no call failed") or diag($out);
		# 2 connections living 270-300 ms each over 2 s
		cmp_ok($r->{distinct_backends}, '>=', 5, "[$v] lifetime: rotation seen as new backend pids ($r->{distinct_backends})");
		cmp_ok($r->{distinct_backends}, '<=', 2 * int(2000 / 270) + 2, "[$v] lifetime: not more than the lifetime explains");
		is($r->{held_past_lifetime_ok}, 1, "[$v] lifetime: a connection in use past its lifetime keeps working, on the same backend");
		is($r->{after_release_new_backend}, 1, "[$v] lifetime: closed at its release");
		is($r->{open_after_idle_lifetime}, 0, "[$v] lifetime: an idle connection closed at the end of its lifetime, with no call");
		cmp_ok($r->{final_lifetime_closed}, '>=', $r->{distinct_backends} - 2, "[$v] lifetime: stats count the closings");
		is($r->{final_discarded}, 0, "[$v] lifetime: nothing discarded as broken");
	}

	# --- a connection lost during a call: whether the statement was sent
	{
		my $env = env_for(APP_NAME => "lglostcall$v", DATABASE_POOL_MAX => 1);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'lost-call');
		my $r = kv($out);
		is($rc, 0, "[$v] lost call: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] lost call: sanitizer clean") or diag($err);
		is($r->{after_status}, 'broken', "[$v] lost after sending: broken");
		is($r->{after_sent}, 1, "[$v] lost after sending: statement_sent");
		like($r->{after_message}, qr/^connection lost after the statement was sent; it may have run: (FATAL:\s+terminating connection due to administrator command|server closed the connection unexpectedly)/,
			"[$v] lost after sending: message");
		is($r->{again_status}, 'broken', "[$v] the next call on it: broken");
		is($r->{again_sent}, 0, "[$v] the next call on it: not sent");
		like($r->{again_message}, qr/^connection lost before the statement was sent: /, "[$v] the next call on it: message");
		is($r->{terminated}, 1, "[$v] lost before sending: the held connection's backend terminated");
		is($r->{before_status}, 'broken', "[$v] lost before sending: broken");
		is($r->{before_sent}, 0, "[$v] lost before sending: not sent");
		like($r->{before_message}, qr/^connection lost before the statement was sent: FATAL:\s+terminating connection due to administrator command$/,
			"[$v] lost before sending: message");
		is($r->{txn_before_status}, 'broken', "[$v] COMMIT on a connection lost in a transaction: broken");
		is($r->{txn_before_sent}, 0, "[$v] COMMIT on a connection lost in a transaction: not sent");
		is($r->{query_status}, 'query', "[$v] a server error: query");
		is($r->{query_sent}, 0, "[$v] a server error: statement_sent false");
		is($r->{recovered}, 1, "[$v] lost call: the pool gives a working connection afterwards");
		is($r->{final_discarded}, 3, "[$v] lost call: the 3 lost connections discarded at release");
	}

	# --- the round trip at checkout: not for a connection used a moment
	# ago, yes after DATABASE_POOL_HEALTH_CHECK_AFTER (default 1000 ms) idle,
	# at every checkout with 0
	{
		my $env = env_for(APP_NAME => "lghc$v", DATABASE_POOL_MAX => 1);
		my ($rc, $out, $err) = program($bin, 'pool_test', $env, 'health-check');
		my $r = kv($out);
		is($rc, 0, "[$v] health check: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] health check: sanitizer clean") or diag($err);
		is($r->{checks_after_quick}, 0, "[$v] health check: none for a connection used a moment ago");
		is($r->{checks_after_idle}, 1, "[$v] health check: a round trip after 1.1 s idle (default 1000 ms)");
		is($r->{checks_after_traffic}, 2, "[$v] health check: a round trip when something arrived while idle (a notification)");
		($rc, $out, $err) = program($bin, 'pool_test', env_for(APP_NAME => "lghc0$v", DATABASE_POOL_MAX => 1,
			DATABASE_POOL_HEALTH_CHECK_AFTER => 0), 'health-check');
		$r = kv($out);
		is($rc, 0, "[$v] health check 0: exit 0") or diag("$out\n$err");
		is($r->{checks_after_quick}, 4, "[$v] health check 0: a round trip at every checkout of an idle connection");
		is($r->{checks_after_idle}, 5, "[$v] health check 0: and after the pause");
		is($r->{checks_after_traffic}, 7, "[$v] health check 0: and at each later checkout");
		($rc, $out, $err) = program($bin, 'pool_test', env_for(APP_NAME => "lghc2$v", DATABASE_POOL_MAX => 1,
			DATABASE_POOL_HEALTH_CHECK_AFTER => 2000), 'health-check');
		$r = kv($out);
		is($r->{checks_after_idle}, 0, "[$v] health check 2000: none after 1.1 s idle");
		is($r->{checks_after_traffic}, 1, "[$v] health check 2000: one when a notification arrived while idle");
	}
}
}

# --- ThreadSanitizer: the pool's locking under concurrent load, hand-off,
# timeouts, the idle reaper, and rotation by lifetime (checkout, release and
# the reaper closing connections at once)
for my $tr (TRANSPORTS) {
	my $v = "tsan-$tr";
	$URL = url_of($tr);
	my ($rc, $out, $err) = program('tsan', 'pool_test', env_for(APP_NAME => "lgtsan$tr", DATABASE_POOL_MAX => 4,
		DATABASE_CONNECTION_TIMEOUT => 20000), 'load', 12, 3);
	my $r = kv($out);
	is($rc, 0, "[$v] load: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[$v] load: no data race") or diag($err);
	is($r->{errors}, 0, "[$v] load: no errors");
	cmp_ok($r->{max_server_conns}, '<=', 4, "[$v] load: never more than max");
	($rc, $out, $err) = program('tsan', 'pool_test', env_for(APP_NAME => "lgtsanacq$tr", DATABASE_POOL_MAX => 2,
		DATABASE_CONNECTION_TIMEOUT => 600), 'acquire-timeout');
	is($rc, 0, "[$v] acquire timeout and hand-off: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[$v] acquire timeout and hand-off: no data race") or diag($err);
	like($out, qr/^status=timeout$/m, "[$v] acquire timeout");
	like($out, qr/^handoff_status=ok$/m, "[$v] hand-off");
	($rc, $out, $err) = program('tsan', 'pool_test', env_for(APP_NAME => "lgtsanidle$tr", DATABASE_POOL_MAX => 3,
		DATABASE_POOL_IDLE_TIMEOUT => 400), 'idle');
	is($rc, 0, "[$v] idle reaper: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[$v] idle reaper: no data race") or diag($err);
	like($out, qr/^server_after=0$/m, "[$v] idle reaper closed the connections");
	($rc, $out, $err) = program('tsan', 'pool_test', env_for(APP_NAME => "lgtsanlife$tr", DATABASE_POOL_MAX => 2,
		DATABASE_POOL_MAX_LIFETIME => 200, DATABASE_POOL_IDLE_TIMEOUT => 150), 'lifetime', 1500);
	is($rc, 0, "[$v] lifetime: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[$v] lifetime: no data race") or diag($err);
	like($out, qr/^failures=0$/m, "[$v] lifetime: no call failed");
}

done_testing();
