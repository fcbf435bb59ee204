# ops_metrics_listen.t: `lifeguard metrics --listen HOST:PORT`, the
# exporter, against a cluster of this test's own (it is stopped, started
# and restarted under the exporter), with the optimised and the ASan
# builds.  GET /metrics answers the exposition (promtool accepts it), HEAD
# its headers; other paths are 404, other methods 405.  It keeps one
# connection to the server across scrapes; while the server is down a
# scrape answers 503 with the reason in one line (logged once, not at
# every scrape), and the first scrape after the server is back answers
# 200; a restart or a terminated backend between scrapes costs no failed
# scrape.  A database without lifeguard is a 503 until the extension is
# created.  SIGTERM and SIGINT stop it with exit 0.  A bad HOST:PORT is
# exit 2 with one line, a port in use exit 1 with one line.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use LG qw(psql free_port start_cluster stop_cluster restart_cluster wait_until run_cmd);
use LGClient qw(binaries sanitizer_clean url_for lg_env cli);
use LGMetrics qw(parse_exposition promtool_check samples start_exporter stop_exporter http_get);

my $c = start_cluster('ops_metrics_listen');
my %P = (port => $c->{port});
psql('CREATE DATABASE ops_ml_noext', %P);
my $APP = 'ops-ml-exporter';
my $exporter;

END {
	local $?;
	stop_exporter($exporter) if $exporter;
}

sub log_of { my ($e) = @_; return do { local (@ARGV, $/) = ($e->{err}); <> } // '' }

# the exporter's backends on the server: their pids
sub backends {
	my $pids = psql(qq{SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity
		WHERE application_name = '$APP-dev'}, %P);
	return $pids;
}

for my $b (binaries()) {
	my $v = $b->[0];
	psql('SELECT pool_stats_reset()', %P);
	$exporter = start_exporter($v, {APP_NAME => $APP, DATABASE_URL => url_for(port => $c->{port})});
	like(log_of($exporter), qr/\Alifeguard metrics: serving http:\/\/127\.0\.0\.1:$exporter->{port}\/metrics until SIGINT or SIGTERM\n\z/,
		"$v: one line says where it serves");

	# --- the exposition ---------------------------------------------------------
	my ($st, $body, $h) = http_get($exporter->{url});
	is($st, 200, "$v: GET /metrics: 200");
	is($h->{'content-type'}, 'text/plain; version=0.0.4; charset=utf-8', "$v: the exposition's content type");
	my $m = eval { parse_exposition($body) };
	ok($m, "$v: it parses") or diag $@;
	my ($prc, $pout) = promtool_check($body);
	is($prc, 0, "$v: promtool check metrics accepts it") or diag $pout;
	is_deeply(samples($m, 'lifeguard_stats_available'), {'' => 1}, "$v: with the connection statistics");
	my $first = backends();
	like($first, qr/^\d+$/, "$v: one connection to the server ($first)");
	my $same = 1;
	for (1 .. 5) {
		($st) = http_get($exporter->{url});
		$same &&= $st == 200 && backends() eq $first;
	}
	ok($same, "$v: five more scrapes on the same connection");
	my $sessions = samples(parse_exposition((http_get($exporter->{url}))[1]), 'lifeguard_sessions_opened_total');
	is($sessions->{"application=$APP-dev,database=$ENV{PGDATABASE},role=$ENV{PGUSER}"}, 1,
		"$v: pool_stats agrees: one session of the exporter");

	($st, $body, $h) = http_get($exporter->{url}, method => 'HEAD');
	is($st, 200, "$v: HEAD /metrics: 200");
	is($body, '', "$v: HEAD: no body");
	ok($h->{'content-length'} > 1000, "$v: HEAD: the length of the exposition");
	($st, $body) = http_get("http://127.0.0.1:$exporter->{port}/");
	is($st, 404, "$v: GET /: 404");
	is($body, "not found: the one path served is /metrics\n", "$v: 404: says which path is served");
	($st) = http_get("http://127.0.0.1:$exporter->{port}/metrics/x");
	is($st, 404, "$v: GET /metrics/x: 404");
	for my $method (qw(POST PUT DELETE)) {
		($st, $body, $h) = http_get($exporter->{url}, method => $method);
		is($st, 405, "$v: $method /metrics: 405");
		is($h->{allow}, 'GET, HEAD', "$v: $method: Allow: GET, HEAD");
	}

	# --- the server goes away and comes back --------------------------------------
	my ($rc, $out, $err) = stop_cluster($c);
	is($rc, 0, "$v: the server stopped") or diag $err;
	for my $i (1 .. 3) {
		($st, $body) = http_get($exporter->{url});
		is($st, 503, "$v: scrape $i while the server is down: 503");
		like($body, qr{\Acould not connect to postgresql://postgres\@127\.0\.0\.1:$c->{port}/\S+: [^\n]*Connection refused[^\n]*\n\z},
			"$v: 503: the reason, one line");
	}
	my @down = log_of($exporter) =~ /(could not connect to [^\n]*\(scrapes answer 503 until it is solved\))$/mg;
	is(scalar @down, 1, "$v: logged once for three failed scrapes");
	($rc, $out, $err) = restart_cluster($c);
	is($rc, 0, "$v: the server is back") or diag $err;
	($st, $body) = http_get($exporter->{url});
	is($st, 200, "$v: the first scrape after it is back: 200");
	like(log_of($exporter), qr/^lifeguard metrics: metrics served again \(postgresql:\/\/postgres\@127\.0\.0\.1:$c->{port}\/\S+\)$/m,
		"$v: logged when served again");
	$first = backends();

	# a restart between two scrapes: the kept connection is found lost, and
	# the same scrape connects again
	($rc, $out, $err) = restart_cluster($c, '-m', 'fast');
	is($rc, 0, "$v: restarted") or diag $err;
	($st) = http_get($exporter->{url});
	is($st, 200, "$v: the first scrape after a restart: 200");
	my $after = backends();
	ok($after =~ /^\d+$/ && $after ne $first, "$v: on a new connection ($first, then $after)");
	psql("SELECT pg_terminate_backend($after)", %P);
	wait_until(sub { backends() eq '' }, 10);
	($st) = http_get($exporter->{url});
	is($st, 200, "$v: after its backend was terminated: 200");
	like(backends(), qr/^\d+$/, "$v: again one connection");
	unlike(log_of($exporter), qr/Sanitizer|runtime error/, "$v: no sanitizer report");
	my $ec = stop_exporter($exporter, $v eq 'opt' ? 'TERM' : 'INT');
	is($ec, 0, "$v: stopped by SIG" . ($v eq 'opt' ? 'TERM' : 'INT') . ": exit 0");
	like(log_of($exporter), qr/^lifeguard metrics: stopped by SIG(?:TERM|INT)\n\z/m, "$v: says so last");
	undef $exporter;

	# --- no lifeguard in the database, then created -----------------------------
	$exporter = start_exporter($v, {APP_NAME => $APP, DATABASE_URL => url_for(port => $c->{port}, db => 'ops_ml_noext')});
	($st, $body) = http_get($exporter->{url});
	is($st, 503, "$v: no extension: 503");
	is($body, qq{the lifeguard extension is not installed in database "ops_ml_noext"; run CREATE EXTENSION lifeguard there first\n},
		"$v: no extension: says so");
	psql('CREATE EXTENSION lifeguard', %P, db => 'ops_ml_noext');
	($st) = http_get($exporter->{url});
	is($st, 200, "$v: once created: 200");
	psql('DROP EXTENSION lifeguard', %P, db => 'ops_ml_noext');
	stop_exporter($exporter);
	undef $exporter;

	# --- bad addresses, a port in use ------------------------------------------------
	my $bin = $v eq 'asan' ? 'asan' : 'opt';
	for my $case (
		['127.0.0.1', 'no port'],
		['127.0.0.1:', 'no port'],
		['127.0.0.1:0', 'port out of range'],
		['127.0.0.1:65536', 'port out of range'],
		['127.0.0.1:http', 'the port is not a number'],
		['::1:9187', 'an IPv6 address needs brackets'],
		['[::1', 'no "]" after the IPv6 address'],
		['[::1]', 'no port after the IPv6 address'],
		['[]:9187', 'an empty IPv6 address'],
	) {
		my ($addr, $why) = @$case;
		($rc, $out, $err) = cli($bin, lg_env(DATABASE_URL => url_for(port => $c->{port})), 'metrics', '--listen', $addr);
		is($rc, 2, "$v: --listen $addr: exit 2");
		is($err, qq{lifeguard metrics: invalid --listen "$addr": $why; expected HOST:PORT, [IPV6]:PORT or :PORT with a port from 1 to 65535\n},
			"$v: --listen $addr: $why");
	}
	($rc, $out, $err) = cli($bin, lg_env(DATABASE_URL => url_for(port => $c->{port})), 'metrics', '--listen',
		'no-such-host.invalid:9187');
	is($rc, 2, "$v: a host that does not resolve: exit 2");
	like($err, qr/\Alifeguard metrics: invalid --listen "no-such-host\.invalid:9187": could not resolve host "no-such-host\.invalid": [^\n]+\n\z/,
		"$v: a host that does not resolve: one line");
	my $port = free_port();
	my $taken = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 1, Proto => 'tcp')
		or die "listen: $!";
	($rc, $out, $err) = cli($bin, lg_env(DATABASE_URL => url_for(port => $c->{port})), 'metrics', '--listen',
		"127.0.0.1:$port");
	is($rc, 1, "$v: a port in use: exit 1");
	is($err, "lifeguard metrics: could not listen on 127.0.0.1:$port: Address already in use\n", "$v: a port in use: one line");
	close $taken;
	# a bad configuration is found before listening
	($rc, $out, $err) = cli($bin, lg_env(DATABASE_URL => url_for(port => $c->{port}), APP_ENV => 'bogus'),
		'metrics', '--listen', "127.0.0.1:$port");
	is($rc, 2, "$v: a bad APP_ENV: exit 2");
	like($err, qr/\Alifeguard metrics: invalid APP_ENV "bogus": [^\n]*\n\z/, "$v: a bad APP_ENV: one line");
}

# nothing listening at the server's address, from the start, with a password
# in the URL: 503 without it
my $nothing = free_port();
$exporter = start_exporter('opt', {APP_NAME => $APP, DATABASE_URL => "postgresql://postgres:exp0rtersecret\@127.0.0.1:$nothing/x"});
my ($st0, $body0) = http_get($exporter->{url});
is($st0, 503, 'a server not there from the start: 503');
like($body0, qr{\Acould not connect to postgresql://postgres:\*\*\*\*\@127\.0\.0\.1:$nothing/x: [^\n]*\n\z}, '503: the reason, the password hidden');
unlike($body0 . log_of($exporter), qr/exp0rtersecret/, 'the password is neither in the answer nor in the log');
like(log_of($exporter), qr/could not connect to [^\n]*\(scrapes answer 503 until it is solved\)\n/, 'logged at the start');
is(stop_exporter($exporter), 0, 'stopped');
undef $exporter;

# ":PORT" is every address: 127.0.0.1 reaches it
$exporter = start_exporter('opt', {APP_NAME => $APP, DATABASE_URL => url_for(port => $c->{port}), _any => 1});
my ($st) = http_get($exporter->{url});
is($st, 200, ':PORT: reached on 127.0.0.1');
like(log_of($exporter), qr/serving http:\/\/(?:\[::\]|0\.0\.0\.0):$exporter->{port}\/metrics/, ':PORT: listens on every address');
is(stop_exporter($exporter), 0, ':PORT: stopped');
undef $exporter;

done_testing();
