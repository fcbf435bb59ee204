# ops_top.t: `lifeguard top`.  Sessions of two application pools in known
# states; the one-shot plain-text snapshot when stdout is not a terminal;
# then the live view in a real terminal (tmux, 120 x 30): capture the pane,
# check the bars and counts of both pools, press q, check the exit code.
# Without the extension: exit 2; cannot connect: exit 3.
use strict;
use warnings;
use Test::More;
use LG qw(psql free_port wait_until run_cmd);
use LGClient qw(binaries sanitizer_clean url_for);
use LGOps qw(session stop_sessions wait_states ops_cli);

my $root = $ENV{LG_ROOT};
my $socket = "lg-ops-top-$$";
my $tmux_started;

psql('DROP DATABASE IF EXISTS ops_top_noext');
psql('CREATE DATABASE ops_top_noext');
psql('DROP TABLE IF EXISTS ops_top_t; CREATE TABLE ops_top_t (id int PRIMARY KEY, v int); INSERT INTO ops_top_t VALUES (1, 0)');

END {
	run_cmd(['tmux', '-L', $socket, 'kill-server']) if $tmux_started;
	stop_sessions();
	eval { psql('DROP DATABASE IF EXISTS ops_top_noext'); psql('DROP TABLE IF EXISTS ops_top_t') };
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

for my $variant (binaries()) {
	my $v = $variant->[0];

	# --- not a terminal: one snapshot ---------------------------------------------
	my ($rc, $out, $err) = ops_cli($v, \%env, 'top');
	is($rc, 0, "$v: snapshot: exit 0") or diag $err;
	ok(sanitizer_clean($err), "$v: snapshot: no sanitizer report");
	like($out, qr/\Aserver: \d+ connections in use, \d+ available to regular roles, max_connections \d+ \(\d+\.\d% used\)\n/,
		"$v: snapshot: headroom first");
	my ($co) = $out =~ /^(\Q$CHECKOUT\E .*)$/m;
	my ($bi) = $out =~ /^(\Q$BILLING\E .*)$/m;
	ok($co, "$v: snapshot: a line for $CHECKOUT") or diag $out;
	ok($bi, "$v: snapshot: a line for $BILLING");
	my $cobar = expected_bar(40, 8, 0, 0, 1, 3, 0);
	like($co // '', qr/ \s*4\/8\s+\Q$cobar\E  run 0 wait 0 idle-tx 1 idle 3$/,
		"$v: snapshot: $CHECKOUT: 4 of its max 8, bar $cobar");
	# billing's max is its connections plus the available slots: the
	# snapshot's own connection is not one of billing's, so available is
	# what SQL saw give or take the checking psql
	like($bi // '', qr/ \s*2\/(\d+)\s+([#W.]{40})  run 1 wait 1 idle-tx 0 idle 0$/,
		"$v: snapshot: $BILLING: one running, one waiting");
	if (($bi // '') =~ / \s*2\/(\d+)\s+([#W.]{40}) /) {
		my ($max, $bar) = ($1, $2);
		ok(abs($max - (2 + $avail)) <= 1, "$v: snapshot: $BILLING max is connections + available ($max)");
		is($bar, expected_bar(40, $max, 1, 1, 0, 0, 0), "$v: snapshot: $BILLING bar");
	}
	my @order = map { /^(\S+)/ ? $1 : () } grep { /\/\d+ / } split /\n/, $out;
	my @conns = map { /^\S+\s+\S+\s+(\d+)\// ? $1 : () } grep { /\/\d+ / } split /\n/, $out;
	is_deeply(\@conns, [sort { $b <=> $a } @conns], "$v: snapshot: sorted by connections");

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
		'-x', '120', '-y', '30', 'sh', '-c', $inner]);
	$tmux_started = 1;
	is($rc, 0, "$v: tmux started") or diag $err;
	my $pane = '';
	my $seen = wait_until(sub {
		(undef, $pane) = run_cmd(['tmux', '-L', $socket, 'capture-pane', '-p']);
		return $pane =~ /\Q$CHECKOUT\E/ && $pane =~ /\Q$BILLING\E/;
	}, 20);
	ok($seen, "$v: live: both pools on screen") or diag $pane;
	like($pane, qr/^lifeguard top  postgresql:\/\/.*every 1s  q quits/m, "$v: live: title");
	like($pane, qr/^APPLICATION\s+ROLE\@DATABASE\s+CONN\/MAX\s+POOL/m, "$v: live: header");
	# 120 columns leave 18 for the bar
	my $live_co = expected_bar(18, 8, 0, 0, 1, 3, 0);
	like($pane, qr/^\Q$CHECKOUT\E\s+\Q$ENV{PGUSER}\E\@\Q$ENV{PGDATABASE}\E\s+4\/8\s+\Q$live_co\E  run 0 wait 0 idle-tx 1 idle 3\s*$/m,
		"$v: live: $CHECKOUT bar $live_co");
	like($pane, qr/^\Q$BILLING\E\s+\S+\s+2\/\d+\s+#W\.{16}  run 1 wait 1 idle-tx 0 idle 0\s*$/m,
		"$v: live: $BILLING counts");
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
	like($out, qr/\Aserver: /, "$v: not preloaded: a snapshot");
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
