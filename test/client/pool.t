# pool.t: liblifeguard's pool against the test cluster, through the C
# program pool_test (test/client/pool_test.c), in the optimised and the
# ASan+UBSan builds, and the core cases again under ThreadSanitizer.  The server itself counts the pool's connections (by
# application_name in pg_stat_activity).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);
use LG qw(psql run_cmd free_port wait_until);
use LGClient qw(binaries lg_env program url_for sanitizer_clean);

my $MONITOR = "host=$ENV{PGHOST} port=$ENV{PGPORT} dbname=$ENV{PGDATABASE} user=$ENV{PGUSER} application_name=lg-monitor";

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

sub env_for {
	my (%o) = @_;
	return lg_env(DATABASE_URL => url_for(), APP_ENV => 'test', %o,
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

sub app_backends {
	my ($app) = @_;
	return psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'");
}

for my $b (binaries()) {
	my ($v) = @$b;

	# --- 4x oversubscribed load: never more server connections than max
	{
		my $env = env_for(APP_NAME => "lgload$v", DATABASE_POOL_MAX => 4,
			DATABASE_CONNECTION_TIMEOUT => 20000);
		my ($rc, $out, $err) = program($v, 'pool_test', $env, 'load', 16, 3);
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
		my ($rc, $out, $err) = program($v, 'pool_test', $env, 'idle');
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
		my ($rc, $out, $err) = program($v, 'pool_test', $env, 'acquire-timeout');
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
		my $lpid = fork // die;
		if ($lpid == 0) {
			my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
				Listen => 16, ReuseAddr => 1) or POSIX::_exit(1);
			my @held;
			while (my $c = $l->accept) { push @held, $c }	# accept, never answer
			POSIX::_exit(0);
		}
		open my $pf, '>', "$ENV{LG_RUNDIR}/silent-listener.$lpid.pid";
		print $pf $lpid;
		close $pf;
		wait_until(sub { IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) }, 5);
		for my $ms (1500, 250) {
			my $env = env_for(DATABASE_URL => "postgresql://postgres\@127.0.0.1:$port/x",
				DATABASE_CONNECTION_TIMEOUT => $ms, LG_MONITOR_CONNINFO => undef);
			my ($rc, $out, $err) = program($v, 'pool_test', $env, 'connect-deadline');
			my $r = kv($out);
			is($rc, 0, "[$v] connect deadline $ms ms: exit 0") or diag("$out\n$err");
			ok(sanitizer_clean($err), "[$v] connect deadline: sanitizer clean") or diag($err);
			is($r->{status}, 'connect', "[$v] connect deadline $ms ms: status");
			cmp_ok($r->{elapsed_ms}, '>=', $ms, "[$v] connect deadline $ms ms: not before ($r->{elapsed_ms})");
			cmp_ok($r->{elapsed_ms}, '<', $ms + 100, "[$v] connect deadline $ms ms: within 100 ms");
			is($r->{message}, "could not connect to 127.0.0.1:$port: no answer within the connection timeout of $ms ms",
				"[$v] connect deadline: message");
			is($r->{final_connect_failures}, 1, "[$v] connect deadline: stats");
			is($r->{final_open}, 0, "[$v] connect deadline: no connection left open");
		}
		kill 'KILL', $lpid;
		waitpid($lpid, 0);
		unlink "$ENV{LG_RUNDIR}/silent-listener.$lpid.pid";

		# nothing listening: a clear error, at once
		my $env = env_for(DATABASE_URL => "postgresql://postgres\@127.0.0.1:$port/x",
			LG_MONITOR_CONNINFO => undef);
		my ($rc, $out, $err) = program($v, 'pool_test', $env, 'connect-deadline');
		my $r = kv($out);
		is($r->{status}, 'connect', "[$v] connection refused: status");
		# libpq 14 and later name the server; libpq 13 (Debian 11, RHEL 8) did not
		like($r->{message}, qr/^could not connect: (?:connection to server at "127\.0\.0\.1", port $port failed: |could not connect to server: )Connection refused/,
			"[$v] connection refused: libpq's message on one line");
		cmp_ok($r->{elapsed_ms}, '<', 1000, "[$v] connection refused: no waiting");
	}

	# --- nothing is handed out dirty; the transaction helper
	{
		my $env = env_for(APP_NAME => "lgdirty$v", DATABASE_POOL_MAX => 1);
		my ($rc, $out, $err) = program($v, 'pool_test', $env, 'dirty');
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
		my ($rc, $out, $err) = program($v, 'pool_test', env_for(APP_NAME => "lgcache$v", DATABASE_POOL_MAX => 1,
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
		($rc, $out, $err) = program($v, 'pool_test', env_for(APP_NAME => "lgcached$v", DATABASE_POOL_MAX => 1), 'statement-cache');
		$r = kv($out);
		is($rc, 0, "[$v] statement cache off by default: exit 0") or diag("$out\n$err");
		is($r->{cached_select}, 0, "[$v] session pooling, cache off (default): no named statement on the server");
		is($r->{cached_total}, 0, "[$v] session pooling, cache off (default): none at all");
		is($r->{stale_plan_ok}, 1, "[$v] session pooling, cache off (default): queries work");
		($rc, $out, $err) = program($v, 'pool_test', env_for(APP_NAME => "lgcachet$v", DATABASE_POOL_MAX => 1,
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
		my ($pid, $file) = spawn($v, $env, 'load', 12, 4);
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
		my @unexpected = grep {
			!/^broken: connection lost: (FATAL:\s+terminating connection due to administrator command|server closed the connection unexpectedly)/
		} errors_of($out);
		is_deeply(\@unexpected, [], "[$v] terminate: every error says the connection was terminated");
		is($r->{recovered}, 1, "[$v] terminate: the pool recovers");
		cmp_ok($r->{max_server_conns}, '<=', 4, "[$v] terminate: never more than max on the server");
		cmp_ok($r->{discarded}, '>', 0, "[$v] terminate: broken connections discarded");
		is($r->{in_use}, 0, "[$v] terminate: nothing leaked in use");
		is($r->{created}, $r->{open} + $r->{closed}, "[$v] terminate: created = open + closed");
		is($r->{server_after_destroy}, 0, "[$v] terminate: nothing left on the server");
	}

	# --- a server restart during load
	{
		my $app = "lgrestart$v";
		my $env = env_for(APP_NAME => $app, DATABASE_POOL_MAX => 4,
			DATABASE_CONNECTION_TIMEOUT => 2000);
		my ($pid, $file) = spawn($v, $env, 'load', 12, 5);
		ok(wait_until(sub { -s $file }, 20), "[$v] restart: load started");
		sleep 1;
		my $log = "$ENV{LG_DATA}/../server.log";
		my @runas = $ENV{LG_RUNAS} ? split(' ', $ENV{LG_RUNAS}) : ();
		my ($prc, $pout, $perr) = run_cmd(['sh', '-c', 'cd "$LG_TMP" && exec "$@"', 'sh',
			@runas, "$ENV{LG_BINDIR}/pg_ctl", '-D', $ENV{LG_DATA}, '-l', $log, '-m', 'fast', '-w', '-t', '60', 'restart']);
		is($prc, 0, "[$v] restart: pg_ctl restart") or diag("$pout$perr");
		my ($rc, $out, $err) = finish($pid, $file);
		my $r = kv($out);
		is($rc, 0, "[$v] restart: exit 0") or diag("$out\n$err");
		ok(sanitizer_clean($err), "[$v] restart: sanitizer clean") or diag($err);
		cmp_ok($r->{errors}, '>', 0, "[$v] restart: some calls failed ($r->{errors})");
		is($r->{errors_unclear}, 0, "[$v] restart: every failed call has a message");
		my @unexpected = grep {
			!/^broken: connection lost: (FATAL:\s+terminating connection due to administrator command|server closed the connection unexpectedly)/
			&& !/^connect: could not connect: connection to server at "#+\.#\.#\.#", port #+ failed: (Connection refused|FATAL:\s+the database system is (shutting down|starting up)|server closed the connection unexpectedly)/
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
		ok(wait_until(sub { eval { psql('SELECT 1') } }, 30), "[$v] restart: the cluster is up again");
	}
}

# --- ThreadSanitizer: the pool's locking under concurrent load, hand-off,
# timeouts and the idle reaper
{
	my $v = 'tsan';
	my ($rc, $out, $err) = program($v, 'pool_test', env_for(APP_NAME => 'lgtsan', DATABASE_POOL_MAX => 4,
		DATABASE_CONNECTION_TIMEOUT => 20000), 'load', 12, 3);
	my $r = kv($out);
	is($rc, 0, "[tsan] load: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[tsan] load: no data race") or diag($err);
	is($r->{errors}, 0, "[tsan] load: no errors");
	cmp_ok($r->{max_server_conns}, '<=', 4, "[tsan] load: never more than max");
	($rc, $out, $err) = program($v, 'pool_test', env_for(APP_NAME => 'lgtsanacq', DATABASE_POOL_MAX => 2,
		DATABASE_CONNECTION_TIMEOUT => 600), 'acquire-timeout');
	is($rc, 0, "[tsan] acquire timeout and hand-off: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[tsan] acquire timeout and hand-off: no data race") or diag($err);
	like($out, qr/^status=timeout$/m, "[tsan] acquire timeout");
	like($out, qr/^handoff_status=ok$/m, "[tsan] hand-off");
	($rc, $out, $err) = program($v, 'pool_test', env_for(APP_NAME => 'lgtsanidle', DATABASE_POOL_MAX => 3,
		DATABASE_POOL_IDLE_TIMEOUT => 400), 'idle');
	is($rc, 0, "[tsan] idle reaper: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[tsan] idle reaper: no data race") or diag($err);
	like($out, qr/^server_after=0$/m, "[tsan] idle reaper closed the connections");
}

done_testing();
