# client_node_pg.t: `lifeguard config --format node-pg` used as is by the
# pinned node-postgres (pg 8.23.1): new Pool(JSON.parse(output)) against the
# test cluster.  The pool it builds uses the application_name and max that
# lifeguard resolved, as the server sees it.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(node_run);
use LGClient qw(lg_env cli url_for);

for my $show (0, 1) {
	my $label = $show ? 'with --show-password (connectionString)' : 'without the password (host, port, user, database)';
	my $env = lg_env(DATABASE_URL => url_for(), APP_NAME => 'nodeapp', APP_ENV => 'staging',
		DATABASE_POOL_MAX => 6, DATABASE_CONNECTION_TIMEOUT => 4000, DATABASE_POOL_MAX_LIFETIME => 90000);
	my ($rc, $cfg, $err) = cli('opt', $env, 'config', '--format', 'node-pg', $show ? ('--show-password') : ());
	is($rc, 0, "$label: lifeguard config exit 0") or diag($err);
	my $opts = decode_json($cfg);
	is(exists $opts->{connectionString} ? 1 : 0, $show, "$label: connectionString present only with --show-password");

	# node sees none of the shim's variables: only the options object
	my %node_env = (%$env, PGAPPNAME => undef, PGHOST => undef, PGPORT => undef,
		PGDATABASE => undef, PGUSER => undef);
	my ($nrc, $out, $nerr) = node_run('client_node_pg.js', 10, { stdin => $cfg, env => \%node_env });
	is($nrc, 0, "$label: node exit 0") or diag($nerr);
	my $r = eval { decode_json($out) } || {};
	is($r->{application_name}, 'nodeapp-staging', "$label: the server sees lifeguard's application_name");
	is($r->{server_port}, $ENV{PGPORT}, "$label: connected to the test cluster");
	is($r->{max}, 6, "$label: pool.options.max is lifeguard's max");
	is($r->{idleTimeoutMillis}, 30000, "$label: idleTimeoutMillis");
	is($r->{connectionTimeoutMillis}, 4000, "$label: connectionTimeoutMillis");
	ok($r->{keepAlive}, "$label: keepAlive (staging profile)");
	is($r->{maxLifetimeSeconds}, 90, "$label: maxLifetimeSeconds is lifeguard's DATABASE_POOL_MAX_LIFETIME");
	is($r->{server_peak}, 6, "$label: 10 concurrent queries opened exactly max=6 server connections");
	is($r->{total_count}, 6, "$label: pool.totalCount");
}

done_testing();
