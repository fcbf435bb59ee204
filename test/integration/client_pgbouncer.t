# client_pgbouncer.t: liblifeguard through a real PgBouncer 1.18 in
# transaction mode.  The shim detects it (pgbouncer=true, or
# DATABASE_DRIVER=pgbouncer), refuses what transaction pooling breaks, and
# its pool runs parameterised queries through unnamed statements with no
# prepared-statement errors, under oversubscribed load.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(start_pgbouncer stop_pgbouncer);
use LGClient qw(binaries lg_env cli program url_for sanitizer_clean);

my $bouncer = start_pgbouncer(pool_mode => 'transaction', pool_size => 3);
my $MONITOR = "host=$ENV{PGHOST} port=$ENV{PGPORT} dbname=$ENV{PGDATABASE} user=$ENV{PGUSER} application_name=lg-monitor";
my $url = url_for(port => $bouncer->{port}, query => 'pgbouncer=true');

sub kv {
	my %h;
	for (split /\n/, $_[0]) { $h{$1} = $2 if /^([a-z_]+)=(.*)$/ && !exists $h{$1} }
	return \%h;
}

for my $b (binaries()) {
	my ($v) = @$b;

	# detection
	my ($rc, $out, $err) = cli($v, lg_env(DATABASE_URL => $url), 'config', '--format', 'json');
	is($rc, 0, "[$v] config: exit 0") or diag($err);
	my $c = decode_json($out);
	is($c->{driver}, 'pgbouncer', "[$v] pgbouncer=true: driver pgbouncer");
	is($c->{pool_mode}, 'transaction', "[$v] pgbouncer=true: transaction pooling");
	ok(!$c->{prepared_statements}, "[$v] no named prepared statements");
	unlike($c->{url}, qr/pgbouncer/, "[$v] pgbouncer=true removed before libpq");

	# what transaction pooling refuses, and application_name in the startup packet
	my $env = lg_env(DATABASE_URL => $url, APP_NAME => "lgbouncer$v", APP_ENV => 'test',
		LG_MONITOR_CONNINFO => $MONITOR);
	($rc, $out, $err) = program($v, 'pool_test', $env, 'transaction-mode');
	my $r = kv($out);
	is($rc, 0, "[$v] transaction-mode: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[$v] transaction-mode: sanitizer clean") or diag($err);
	is($r->{pool_mode}, 'transaction', "[$v] the library sees transaction pooling");
	is($r->{prepare_status}, 'misuse', "[$v] named PREPARE refused");
	like($r->{prepare_message}, qr/^named prepared statement "s1" refused: under transaction pooling/, "[$v] ... with a clear message");
	is($r->{exec_prepared_status}, 'misuse', "[$v] executing a named statement refused");
	is($r->{session_set_status}, 'misuse', "[$v] session-level SET refused");
	like($r->{session_set_message}, qr/session-level setting of "search_path" refused/, "[$v] ... with a clear message");
	is($r->{local_set_status}, 'ok', "[$v] SET LOCAL inside a transaction works");
	is($r->{local_setting}, 'local', "[$v] ... and is visible in it");
	is($r->{server_application_name}, "lgbouncer$v-test", "[$v] application_name reaches the server through PgBouncer");

	# oversubscribed load through PgBouncer: no prepared-statement errors
	$env = lg_env(DATABASE_URL => $url, APP_NAME => "lgbload$v", APP_ENV => 'test',
		DATABASE_POOL_MAX => 4, DATABASE_CONNECTION_TIMEOUT => 20000,
		LG_MONITOR_CONNINFO => $MONITOR);
	($rc, $out, $err) = program($v, 'pool_test', $env, 'load', 16, 3);
	$r = kv($out);
	is($rc, 0, "[$v] load through PgBouncer: exit 0") or diag("$out\n$err");
	ok(sanitizer_clean($err), "[$v] load: sanitizer clean") or diag($err);
	cmp_ok($r->{ops}, '>', 100, "[$v] load: queries ran ($r->{ops})");
	is($r->{errors}, 0, "[$v] load: no errors at all") or diag($out);
	unlike($out, qr/prepared statement/i, "[$v] load: no prepared-statement errors");
	cmp_ok($r->{max_pool_open}, '<=', 4, "[$v] load: at most max client connections to PgBouncer");
	cmp_ok($r->{max_server_conns}, '<=', 3, "[$v] load: PgBouncer's pool_size bounds the server connections");
	is($r->{in_use}, 0, "[$v] load: nothing in use at the end");
}

# DATABASE_DRIVER=pgbouncer when the URL does not say so
my ($rc, $out) = cli('opt', lg_env(DATABASE_URL => url_for(port => $bouncer->{port}),
	DATABASE_DRIVER => 'pgbouncer'), 'config', '--format', 'json');
my $c = decode_json($out);
is("$c->{driver}/$c->{pool_mode}", 'pgbouncer/transaction', 'DATABASE_DRIVER=pgbouncer');

stop_pgbouncer($bouncer);
done_testing();
