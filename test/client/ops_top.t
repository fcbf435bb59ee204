# ops_top.t: `lifeguard top`.  Sessions of two application pools in known
# states; the one-shot plain-text snapshot when stdout is not a terminal;
# then the live view in a real terminal (tmux, 160 x 30): capture the pane,
# check the bars and counts of both pools, press q, check the exit code.
# Beside each bar, the pool's peak since the reset, when it was, and the
# connections refused, as pool_stats has them; an application refused
# (here: a role that does not exist, twice) and not connected has a row of
# its own.  Where there are no connection statistics (not preloaded, the
# portable edition) a line says what they need.  Without the extension:
# exit 2; cannot connect: exit 3.
use strict;
use warnings;
use Test::More;
use LG qw(psql free_port wait_until run_cmd);
use LGClient qw(binaries sanitizer_clean url_for);
use LGOps qw(session stop_sessions wait_states ops_cli);
use LGStats qw(attempt);

my $root = $ENV{LG_ROOT};
my $socket = "lg-ops-top-$$";
my $tmux_started;

psql('DROP DATABASE IF EXISTS ops_top_noext');
psql('CREATE DATABASE ops_top_noext');
psql('DROP DATABASE IF EXISTS ops_top_portable; CREATE DATABASE ops_top_portable');
psql('DROP TABLE IF EXISTS ops_top_t; CREATE TABLE ops_top_t (id int PRIMARY KEY, v int); INSERT INTO ops_top_t VALUES (1, 0)');

END {
	run_cmd(['tmux', '-L', $socket, 'kill-server']) if $tmux_started;
	stop_sessions();
	eval { psql('DROP DATABASE IF EXISTS ops_top_noext'); psql('DROP TABLE IF EXISTS ops_top_t');
		psql('DROP DATABASE IF EXISTS ops_top_portable') };
}

# the pool of the resolved configuration: APP_NAME=ops-top-checkout in
# development gives application_name ops-top-checkout-dev; max 8
my %env = (APP_NAME => 'ops-top-checkout', DATABASE_POOL_MAX => 8);
my $CHECKOUT = 'ops-top-checkout-dev';
my $BILLING = 'ops-top-billing';

session(app => $CHECKOUT, sql => 'SELECT 1;') for 1 .. 3;
session(app => $CHECKOUT, sql => 'BEGIN; UPDATE ops_top_t SET v = v + 1 WHERE id = 1;');
wait_states({$CHECKOUT => 'idle:3,idle in transaction:1'}) or BAIL_OUT('checkout sessions not ready');
session(app => $BILLING, sql => 'SELECT pg_sleep(120);');
session(app => $BILLING, sql => 'UPDATE ops_top_t SET v = v + 1 WHERE id = 1;');
ok(wait_states({$CHECKOUT => 'idle:3,idle in transaction:1', $BILLING => 'active:1,waiting:1'}),
	'sessions in their states');

# the expected bar: cumulative counts rounded to the width, each non-empty
# state at least one character (the rule of the documentation)
sub expected_bar {
	my ($width, $max, @counts) = @_;	# run, wait, idle-tx, idle, other
	my @marks = ('#', 'W', 'T', '-', '?');
	my ($cum, $pos, $bar) = (0, 0, '');
	for my $i (0 .. 4) {
		$cum += $counts[$i];
		my $end = int((($cum > $max ? $max : $cum) * $width + int($max / 2)) / $max);
		$end = $pos + 1 if $counts[$i] > 0 && $end <= $pos && $pos < $width;
		$end = $width if $end > $width;
		next if $end <= $pos;
		$bar .= $marks[$i] x ($end - $pos);
		$pos = $end;
	}
	$bar .= '.' x ($width - $pos);
	return $bar;
}

my $avail = psql('SELECT available FROM pool_headroom()');

# an application refused twice (a role that does not exist), connected never
my $REFUSED = 'ops-top-refused';
like(attempt(app => $REFUSED, user => 'ops_top_nope'), qr/role "ops_top_nope" does not exist/, "$REFUSED refused")
	for 1 .. 2;
my ($irc, undef, $ierr) = ops_cli('opt', {_db => 'ops_top_portable'}, 'install');
is($irc, 0, 'the portable edition installed') or diag $ierr;

# what pool_stats says of an application: its peak, when (as top shows a
# time: HH:MM:SS today, else MM-DD, in local time) and its refusals
sub stats_of {
	my ($app, $role) = @_;
	my ($peak, $at, $refused) = split /\|/, psql(qq{SELECT peak_connections, coalesce(extract(epoch FROM peak_at)::text, ''),
		refused_too_many_clients + refused_reserved + refused_role_limit + refused_database_limit
		+ refused_authentication + refused_other
		  FROM pool_stats WHERE application_name = '$app' AND role = '$role' AND database = current_database()});
	my $when = '-';
	if ($at ne '') {
		my @t = localtime(int($at));
		my @now = localtime;
		$when = ($t[5] == $now[5] && $t[7] == $now[7]) ? sprintf('%02d:%02d:%02d', @t[2, 1, 0])
			: sprintf('%02d-%02d', $t[4] + 1, $t[3]);
	}
	return ($peak, $when, $refused);
}

for my $variant (binaries()) {
	my $v = $variant->[0];

	# --- not a terminal: one snapshot ---------------------------------------------
	my ($rc, $out, $err) = ops_cli($v, \%env, 'top');
	is($rc, 0, "$v: snapshot: exit 0") or diag $err;
	ok(sanitizer_clean($err), "$v: snapshot: no sanitizer report");
	like($out, qr/\Aserver: \d+ connections in use, \d+ available to regular roles, max_connections \d+ \(\d+\.\d% used\)\n/,
		"$v: snapshot: headroom first");
	my $server_peak = psql(q{SELECT peak_connections FROM pool_stats_info()});
	like($out, qr/^since (?:\d\d:\d\d:\d\d|\d\d-\d\d) \(pool_stats_reset\): peak $server_peak connections at (?:\d\d:\d\d:\d\d|\d\d-\d\d); \d+ refused \([^)]*authentication \d+[^)]*\), the last at \d\d:\d\d:\d\d$/m,
		"$v: snapshot: the server's peak and the refusals since the reset");
	like($out, qr/^APPLICATION\s+ROLE\@DATABASE\s+CONN\/MAX PEAK AT\s+REFUSED POOL/m, "$v: snapshot: header");
	my ($co) = $out =~ /^(\Q$CHECKOUT\E .*)$/m;
	my ($bi) = $out =~ /^(\Q$BILLING\E .*)$/m;
	ok($co, "$v: snapshot: a line for $CHECKOUT") or diag $out;
	ok($bi, "$v: snapshot: a line for $BILLING");
	my $cobar = expected_bar(40, 8, 0, 0, 1, 3, 0);
	my ($cpeak, $cwhen, $crefused) = stats_of($CHECKOUT, $ENV{PGUSER});
	like($co // '', qr/ \s*4\/8\s+\Q$cpeak\E \Q$cwhen\E\s+\Q$crefused\E \Q$cobar\E  run 0 wait 0 idle-tx 1 idle 3$/,
		"$v: snapshot: $CHECKOUT: 4 of its max 8, peak $cpeak at $cwhen, $crefused refused, bar $cobar");
	ok($cpeak >= 4 && $crefused == 0, "$v: snapshot: ${CHECKOUT}'s peak is at least its 4 connections");
	# billing's max is its connections plus the available slots: the
	# snapshot's own connection is not one of billing's, so available is
	# what SQL saw give or take the checking psql
	my ($bpeak, $bwhen) = stats_of($BILLING, $ENV{PGUSER});
	like($bi // '', qr/ \s*2\/(\d+)\s+\Q$bpeak\E \Q$bwhen\E\s+0 ([#W.]{40})  run 1 wait 1 idle-tx 0 idle 0$/,
		"$v: snapshot: $BILLING: one running, one waiting, peak $bpeak at $bwhen");
	my ($re) = $out =~ /^(\Q$REFUSED\E .*)$/m;
	my (undef, undef, $rrefused) = stats_of($REFUSED, 'ops_top_nope');
	is($rrefused, 2, "$v: pool_stats: $REFUSED refused twice");
	like($re // '', qr/^\Q$REFUSED\E\s+ops_top_nope\@\Q$ENV{PGDATABASE}\E\s+0\/\d+\s+0 -\s+2 \.{40}  run 0 wait 0 idle-tx 0 idle 0$/,
		"$v: snapshot: $REFUSED: a row of its own, 2 refused") or diag $out;
	if (($bi // '') =~ / \s*2\/(\d+)\s+\S+ \S+\s+\d+ ([#W.]{40}) /) {
		my ($max, $bar) = ($1, $2);
		ok(abs($max - (2 + $avail)) <= 1, "$v: snapshot: $BILLING max is connections + available ($max)");
		is($bar, expected_bar(40, $max, 1, 1, 0, 0, 0), "$v: snapshot: $BILLING bar");
	}
	my @conns = map { /^\S+\s+\S+\s+(\d+)\// ? $1 : () } grep { /\/\d+ / } split /\n/, $out;
	my @pools = grep { $_ > 0 } @conns;
	is_deeply(\@pools, [sort { $b <=> $a } @pools], "$v: snapshot: the pools sorted by connections");
	is_deeply([@conns[@pools .. $#conns]], [(0) x (@conns - @pools)], "$v: snapshot: the refused without a connection after them");

	# --- the live view in tmux ------------------------------------------------------
	my $bin = $v eq 'asan' ? "$root/client/build-asan/lifeguard" : "$root/client/lifeguard";
	my $rcfile = "$ENV{LG_TMP}/top-rc.$v.$$";
	my $errfile = "$ENV{LG_TMP}/top-err.$v.$$";
	unlink $rcfile;
	my $envs = join(' ', map { "$_=$env{$_}" } sort keys %env);
	my $inner = "env -u APP_ENV -u NODE_ENV TERM=xterm-256color DATABASE_URL='" . url_for() . "' $envs "
		. "ASAN_OPTIONS='$ENV{ASAN_OPTIONS}' UBSAN_OPTIONS='$ENV{UBSAN_OPTIONS}' "
		. "$bin top --interval 1 2>$errfile; echo \$? > $rcfile";
	($rc, $out, $err) = run_cmd(['tmux', '-L', $socket, '-f', '/dev/null', 'new-session', '-d',
		'-x', '160', '-y', '30', 'sh', '-c', $inner]);
	$tmux_started = 1;
	is($rc, 0, "$v: tmux started") or diag $err;
	my $pane = '';
	my $seen = wait_until(sub {
		(undef, $pane) = run_cmd(['tmux', '-L', $socket, 'capture-pane', '-p']);
		return $pane =~ /\Q$CHECKOUT\E/ && $pane =~ /\Q$BILLING\E/;
	}, 20);
	ok($seen, "$v: live: both pools on screen") or diag $pane;
	like($pane, qr/^lifeguard top  postgresql:\/\/.*every 1s  q quits/m, "$v: live: title");
	like($pane, qr/^APPLICATION\s+ROLE\@DATABASE\s+CONN\/MAX PEAK AT\s+REFUSED POOL/m, "$v: live: header");
	# 160 columns leave 36 for the bar
	my $live_co = expected_bar(36, 8, 0, 0, 1, 3, 0);
	like($pane, qr/^\Q$CHECKOUT\E\s+\Q$ENV{PGUSER}\E\@\Q$ENV{PGDATABASE}\E\s+4\/8\s+\d+ \S+\s+0 \Q$live_co\E  run 0 wait 0 idle-tx 1 idle 3\s*$/m,
		"$v: live: $CHECKOUT bar $live_co");
	like($pane, qr/^\Q$BILLING\E\s+\S+\s+2\/\d+\s+\d+ \S+\s+0 #W\.{34}  run 1 wait 1 idle-tx 0 idle 0\s*$/m,
		"$v: live: $BILLING counts");
	like($pane, qr/^\Q$REFUSED\E\s+\S+\s+0\/\d+\s+0 -\s+2 \.{36}/m, "$v: live: $REFUSED, refused twice");
	like($pane, qr/^since \S+ \(pool_stats_reset\): peak \d+ connections at \S+; \d+ refused/m, "$v: live: the statistics line");
	# it refreshes in place: a new idle session shows up without a restart
	session(app => $CHECKOUT, sql => 'SELECT 1;');
	my $refreshed = wait_until(sub {
		(undef, $pane) = run_cmd(['tmux', '-L', $socket, 'capture-pane', '-p']);
		return $pane =~ /^\Q$CHECKOUT\E\s+\S+\s+5\/8 .* idle 4\s*$/m;
	}, 20);
	ok($refreshed, "$v: live: refreshed in place (5 connections)") or diag $pane;
	run_cmd(['tmux', '-L', $socket, 'send-keys', 'q']);
	ok(wait_until(sub { -s $rcfile }, 20), "$v: live: q quits");
	my $code = do { local (@ARGV, $/) = $rcfile; <> } // '';
	is($code, "0\n", "$v: live: exit 0");
	my $stderr = do { local (@ARGV, $/) = $errfile; <> } // '';
	is($stderr, '', "$v: live: nothing on stderr");
	run_cmd(['tmux', '-L', $socket, 'kill-server']);
	# back to 4 checkout sessions for the next variant
	psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$CHECKOUT' AND state = 'idle' LIMIT 1");
	ok(wait_states({$CHECKOUT => 'idle:3,idle in transaction:1'}), "$v: back to four");

	# --- without the extension, not preloaded, cannot connect ------------------
	($rc, $out, $err) = ops_cli($v, {%env, _db => 'ops_top_noext'}, 'top');
	is($rc, 2, "$v: no extension: exit 2");
	like($err, qr/\Alifeguard top: the lifeguard extension is not installed in database "ops_top_noext"; run CREATE EXTENSION lifeguard there first\n\z/,
		"$v: no extension: one line");
	($rc, $out, $err) = ops_cli($v, {%env, _port => $ENV{LG_NOPRELOAD_PORT}}, 'top');
	is($rc, 0, "$v: not preloaded: exit 0") or diag $err;
	like($out, qr/\Aserver: [^\n]*\npeaks and refusals: connection statistics \(pool_stats: [^\n]*\) need the C extension, preloaded \(shared_preload_libraries = 'lifeguard'\); the server does not preload lifeguard: add lifeguard to shared_preload_libraries and restart the server\n/,
		"$v: not preloaded: a snapshot that says what the statistics need");
	unlike($out, qr/^\S+\s+\S+\s+\d+\/\d+\s+(?!- - +- )/m, "$v: not preloaded: no peak or refusal shown");
	($rc, $out, $err) = ops_cli($v, {%env, _db => 'ops_top_portable'}, 'top');
	is($rc, 0, "$v: portable: exit 0") or diag $err;
	like($out, qr/^peaks and refusals: [^\n]*need the C extension[^\n]*; the portable edition in schema public has none$/m,
		"$v: portable: says what the statistics need");
	my $port = free_port();
	($rc, $out, $err) = ops_cli($v, {DATABASE_URL => "postgresql://postgres:topsecret1\@127.0.0.1:$port/x"}, 'top');
	is($rc, 3, "$v: cannot connect: exit 3");
	like($err, qr/\Alifeguard top: could not connect to .*\n\z/, "$v: cannot connect: one line");
	unlike($err, qr/topsecret1/, "$v: cannot connect: no password");
	($rc, $out, $err) = ops_cli($v, {}, 'top', '--interval', '0');
	is($rc, 2, "$v: --interval 0: exit 2");
	like($err, qr/invalid --interval "0"/, "$v: --interval 0: message");
}

done_testing();
