# ops_health.t: `lifeguard health` against the preloaded cluster, the
# cluster where lifeguard is created but not preloaded, a database without
# the extension, the portable edition, nothing listening and a server that
# rejects the password.  The JSON output is checked field by field against
# SQL.  Connections refused for want of a slot since pool_stats_reset()
# (here: a role's CONNECTION LIMIT 1, twice) make it unhealthy, with the
# application refused most; a failed password is reported and is no
# problem.  Every case runs with the optimised CLI and with the
# AddressSanitizer + UBSan build.  (It resets pool_stats of the shared
# cluster, and leaves no refusal for want of a slot behind it.)
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(psql free_port start_cluster reconfigure_cluster);
use LGClient qw(binaries sanitizer_clean url_for);
use LGOps qw(ops_cli reject_password_server stop_reject_server session stop_sessions wait_states);
use LGStats qw(attempt);

my $json = JSON::PP->new;
my $reject;

psql('DROP DATABASE IF EXISTS ops_health_noext');
psql('CREATE DATABASE ops_health_noext');
psql('DROP DATABASE IF EXISTS ops_health_noext', port => $ENV{LG_NOPRELOAD_PORT});
psql('CREATE DATABASE ops_health_noext', port => $ENV{LG_NOPRELOAD_PORT});
psql("DROP ROLE IF EXISTS ops_health_limited");
psql("CREATE ROLE ops_health_limited LOGIN CONNECTION LIMIT 12");
psql("DROP ROLE IF EXISTS ops_health_one; CREATE ROLE ops_health_one LOGIN CONNECTION LIMIT 1");
psql('DROP DATABASE IF EXISTS ops_health_portable; CREATE DATABASE ops_health_portable');
psql('SELECT pool_stats_reset()');

END {
	stop_reject_server($reject);
	stop_sessions();
	eval { psql('DROP DATABASE IF EXISTS ops_health_noext'); psql('DROP ROLE IF EXISTS ops_health_limited');
		psql('DROP DATABASE IF EXISTS ops_health_portable'); psql('SELECT pool_stats_reset()');
		psql('DROP ROLE IF EXISTS ops_health_one') };
	eval { psql('DROP DATABASE IF EXISTS ops_health_noext', port => $ENV{LG_NOPRELOAD_PORT}) };
}

my $extversion = psql("SELECT extversion FROM pg_extension WHERE extname = 'lifeguard'");
my $server_version = psql('SHOW server_version');
my $server_version_num = psql('SHOW server_version_num');

sub health_json {
	my ($v, $env, @args) = @_;
	my ($rc, $out, $err) = ops_cli($v, $env, 'health', '--json', @args);
	my @lines = split /\n/, $out;
	my $o = eval { $json->decode($lines[0] // '') };
	return ($rc, $o, $err, scalar @lines);
}

my ($irc, undef, $ierr) = ops_cli('opt', {_db => 'ops_health_portable'}, 'install');
is($irc, 0, 'the portable edition installed') or diag $ierr;
# the one slot of ops_health_one, held
session(app => 'ops-health-holder', user => 'ops_health_one', sql => 'SELECT 1;');
ok(wait_states({'ops-health-holder' => 'idle:1'}), 'ops_health_one\'s one slot is held');

# pool_stats as health sums it: since, and the refusals by cause
my @CAUSES = qw(too_many_clients reserved role_limit database_limit authentication other);
sub sql_refused {
	my %r;
	@r{@CAUSES} = split /\|/, psql(join(', ', 'SELECT ' . join(', ', map { "coalesce(sum(refused_$_), 0)" } @CAUSES))
		. ' FROM pool_stats');
	return \%r;
}
my $SINCE = q{to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')};

for my $b (binaries()) {
	my $v = $b->[0];

	# --- preloaded cluster, extension installed --------------------------
	{
		my ($rc, $o, $err, $nlines) = health_json($v, {});
		is($rc, 0, "$v: healthy on the preloaded cluster") or diag $err;
		ok(sanitizer_clean($err), "$v: no sanitizer report");
		is($nlines, 1, "$v: one JSON line");
		is($o->{status}, 'healthy', "$v: status");
		ok($o->{healthy} && JSON::PP::is_bool($o->{healthy}), "$v: healthy is a true boolean");
		is($o->{exit_code}, 0, "$v: exit_code");
		like($o->{checked_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "$v: checked_at");
		is($o->{url}, url_for(), "$v: url");
		is($o->{application_name}, 'app-dev', "$v: application_name of the profile");
		ok($o->{connected}, "$v: connected");
		ok($o->{connect_ms} > 0 && $o->{connect_ms} < 10000, "$v: connect_ms $o->{connect_ms}");
		ok($o->{round_trip_ms} > 0 && $o->{round_trip_ms} < 10000, "$v: round_trip_ms $o->{round_trip_ms}");
		is($o->{server_version}, $server_version, "$v: server_version");
		is($o->{server_version_num}, $server_version_num, "$v: server_version_num");
		is($o->{database}, $ENV{PGDATABASE}, "$v: database");
		is($o->{user}, $ENV{PGUSER}, "$v: user");
		ok($o->{installed}, "$v: installed");
		is($o->{extension_version}, $extversion, "$v: extension_version");
		is($o->{schema}, 'public', "$v: schema");
		ok($o->{preloaded} && JSON::PP::is_bool($o->{preloaded}), "$v: preloaded");
		my ($max, $sres, $inuse, $avail, $util) = split /\|/,
			psql('SELECT max_connections, superuser_reserved_connections, in_use, available, utilization FROM pool_headroom()');
		is($o->{headroom}{max_connections}, $max, "$v: headroom.max_connections");
		is($o->{headroom}{superuser_reserved_connections}, $sres, "$v: headroom.superuser_reserved_connections");
		ok(exists $o->{headroom}{reserved_connections}, "$v: headroom.reserved_connections present");
		# psql's connection stands for the CLI's own: the counts match
		is($o->{headroom}{in_use}, $inuse, "$v: headroom.in_use");
		is($o->{headroom}{available}, $avail, "$v: headroom.available");
		ok(abs($o->{headroom}{utilization} - $util) < 1e-9, "$v: headroom.utilization")
			or diag "$o->{headroom}{utilization} vs $util";
		is($o->{capacity}, undef, "$v: no capacity without --instances");
		is_deeply($o->{problems}, [], "$v: no problems");
	}

	# --- refusals since the reset ---------------------------------------------
	{
		psql('SELECT pool_stats_reset()');
		like(attempt(app => 'ops-health-nope', user => 'ops_health_nope'), qr/does not exist/, "$v: a refused login");
		my ($rc, $o, $err) = health_json($v, {});
		is($rc, 0, "$v: a failed login is no problem") or diag explain $o->{problems};
		is($o->{stats}{available}, JSON::PP::true, "$v: stats.available");
		is($o->{stats}{since}, psql("SELECT $SINCE FROM pool_stats_info()"), "$v: stats.since");
		is_deeply($o->{stats}{refused_by_cause}, sql_refused(), "$v: stats.refused_by_cause as pool_stats sums them");
		is($o->{stats}{refused_by_cause}{authentication}, 1, "$v: the failed login");
		is($o->{stats}{refused_slots}, 0, "$v: no refusal for want of a slot");
		my ($trc, $out) = ops_cli($v, {}, 'health');
		like($out, qr/^  since reset: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: peak \d+ connections at \S+; 1 connections refused \(authentication 1\), the last at \S+$/m,
			"$v: text: the refusals since the reset");

		like(attempt(app => 'ops-health-refused', user => 'ops_health_one'), qr/too many connections for role "ops_health_one"/,
			"$v: refused by the role's limit") for 1 .. 2;
		($rc, $o, $err) = health_json($v, {});
		is($rc, 1, "$v: refused for want of a slot: exit 1");
		is($o->{status}, 'unhealthy', "$v: refused: unhealthy");
		my $since = psql("SELECT $SINCE FROM pool_stats_info()");
		my $last = psql(q{SELECT to_char(last_refused_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
			FROM pool_stats WHERE application_name = 'ops-health-refused'});
		is_deeply($o->{problems}, ["2 connections refused for want of a slot since $since (role_limit 2), the last at $last; the most: ops-health-refused (role ops_health_one, database $ENV{PGDATABASE}): 2"],
			"$v: refused: the problem, with the application refused most");
		is($o->{stats}{refused_slots}, 2, "$v: stats.refused_slots");
		is($o->{stats}{refused}, 3, "$v: stats.refused (with the failed login)");
		is($o->{stats}{last_refused_at}, $last, "$v: stats.last_refused_at");
		my ($app) = grep { ($_->{application_name} // '') eq 'ops-health-refused' } @{ $o->{stats}{applications_refused} };
		is_deeply($app, {database => $ENV{PGDATABASE}, role => 'ops_health_one', application_name => 'ops-health-refused',
			refused => 2, refused_slots => 2, last_refused_at => $last,
			by_cause => {too_many_clients => 0, reserved => 0, role_limit => 2, database_limit => 0, authentication => 0, other => 0}},
			"$v: stats.applications_refused: ops-health-refused");
		is(scalar @{ $o->{stats}{applications_refused} }, 2, "$v: stats.applications_refused: the two refused");
		($trc, $out) = ops_cli($v, {}, 'health');
		is($trc, 1, "$v: text: exit 1");
		like($out, qr/\Aunhealthy\n  problem:     2 connections refused for want of a slot since /, "$v: text: the problem first");
		psql('SELECT pool_stats_reset()');
		($rc, $o) = health_json($v, {});
		is($rc, 0, "$v: after pool_stats_reset(): healthy again");
		is($o->{stats}{refused}, 0, "$v: after the reset: nothing refused");
	}

	# --- text ------------------------------------------------------------------
	{
		my ($rc, $out, $err) = ops_cli($v, {}, 'health');
		is($rc, 0, "$v: text: exit 0");
		like($out, qr/\Ahealthy\n/, "$v: text: first line");
		like($out, qr/^  lifeguard:   \Q$extversion\E in schema public, preloaded$/m, "$v: text: lifeguard line");
		like($out, qr/^  version:     PostgreSQL \Q$server_version\E$/m, "$v: text: version");
		like($out, qr/^  headroom:    \d+ connections available to regular roles/m, "$v: text: headroom");
	}

	# --- --instances: fits, then does not fit (role connection limit 12) ---
	{
		my %env = (DATABASE_URL => "postgresql://ops_health_limited\@$ENV{PGHOST}:$ENV{PGPORT}/$ENV{PGDATABASE}",
			DATABASE_POOL_MAX => 5);
		my ($rc, $o, $err) = health_json($v, \%env, '--instances', 2);
		is($rc, 0, "$v: 2 x 5 fit in the role's limit of 12") or diag $err;
		my ($fits, $needed, $avail, $lim, $sugg) = split /\|/,
			psql('SELECT fits, needed, available, limited_by, suggested_pool_max FROM pool_capacity(2, 5)',
				user => 'ops_health_limited');
		is_deeply($o->{capacity}, {instances => 2, pool_max => 5, fits => JSON::PP::true,
			needed => $needed, available => $avail, limited_by => $lim,
			suggested_pool_max => $sugg}, "$v: capacity matches pool_capacity(2, 5)");
		is($fits, 't', "$v: SQL agrees it fits");

		($rc, $o, $err) = health_json($v, \%env, '--instances', 3);
		is($rc, 1, "$v: 3 x 5 do not fit: exit 1");
		($fits, $needed, $avail, $lim, $sugg) = split /\|/,
			psql('SELECT fits, needed, available, limited_by, suggested_pool_max FROM pool_capacity(3, 5)',
				user => 'ops_health_limited');
		is($fits, 'f', "$v: SQL agrees it does not fit");
		is_deeply($o->{capacity}, {instances => 3, pool_max => 5, fits => JSON::PP::false,
			needed => 15, available => $avail, limited_by => 'role connection limit',
			suggested_pool_max => $sugg}, "$v: capacity matches pool_capacity(3, 5)");
		is($o->{status}, 'unhealthy', "$v: status unhealthy");
		ok(!$o->{healthy}, "$v: healthy false");
		is(scalar @{ $o->{problems} }, 1, "$v: one problem");
		like($o->{problems}[0], qr/3 instances with a pool of 5 need 15 connections.*a pool max of $sugg would fit/,
			"$v: the problem names the suggestion");

		my ($trc, $out) = ops_cli($v, \%env, 'health', '--instances', 3);
		is($trc, 1, "$v: text: exit 1");
		like($out, qr/\Aunhealthy\n  problem:/, "$v: text: unhealthy first");
		like($out, qr/^  suggestion:  DATABASE_POOL_MAX=$sugg$/m, "$v: text: suggestion");
	}

	# --- created but not preloaded ------------------------------------------
	{
		my ($rc, $o, $err) = health_json($v, {_port => $ENV{LG_NOPRELOAD_PORT}});
		is($rc, 0, "$v: not preloaded: still healthy") or diag $err;
		ok($o->{installed}, "$v: not preloaded: installed");
		ok(JSON::PP::is_bool($o->{preloaded}) && !$o->{preloaded}, "$v: not preloaded: preloaded false");
		ok($o->{headroom}{available} > 0, "$v: not preloaded: headroom");
		is_deeply($o->{stats}, {available => JSON::PP::false, unavailable =>
			"connection statistics (pool_stats: peaks, refusals, sessions and transactions by application) need the C extension, preloaded (shared_preload_libraries = 'lifeguard'); the server does not preload lifeguard: add lifeguard to shared_preload_libraries and restart the server"},
			"$v: not preloaded: stats says what it needs");
		my ($trc, $out) = ops_cli($v, {_port => $ENV{LG_NOPRELOAD_PORT}}, 'health');
		like($out, qr/^  lifeguard:   .* not preloaded/m, "$v: text: not preloaded");
		like($out, qr/^  since reset: connection statistics \([^)]*\) need the C extension, preloaded/m,
			"$v: text: not preloaded: what the statistics need");
		($rc, $o) = health_json($v, {_db => 'ops_health_portable'});
		is($rc, 0, "$v: portable: healthy");
		like($o->{stats}{unavailable}, qr/need the C extension, .*; the portable edition in schema public has none$/,
			"$v: portable: stats says what it needs");
	}

	# --- without the extension ---------------------------------------------
	{
		my ($rc, $o, $err) = health_json($v, {_db => 'ops_health_noext'});
		is($rc, 0, "$v: no extension: healthy") or diag $err;
		ok(JSON::PP::is_bool($o->{installed}) && !$o->{installed}, "$v: no extension: installed false");
		is($o->{extension_version}, undef, "$v: no extension: extension_version null");
		is($o->{schema}, undef, "$v: no extension: schema null");
		is($o->{headroom}, undef, "$v: no extension: headroom null");
		ok(exists $o->{stats} && !defined $o->{stats}, "$v: no extension: stats null");
		ok($o->{preloaded}, "$v: no extension: the superuser still sees shared_preload_libraries");
		is($o->{database}, 'ops_health_noext', "$v: no extension: database");

		($rc, $o) = health_json($v, {_db => 'ops_health_noext', _port => $ENV{LG_NOPRELOAD_PORT}});
		is($rc, 0, "$v: no extension, not preloaded: healthy");
		ok(JSON::PP::is_bool($o->{preloaded}) && !$o->{preloaded},
			"$v: no extension, not preloaded: preloaded false from the setting");

		($rc, $o) = health_json($v, {_db => 'ops_health_noext'}, '--instances', 2);
		is($rc, 1, "$v: no extension: --instances cannot be checked: exit 1");
		like($o->{problems}[0], qr/not installed/, "$v: no extension: says why");
	}

	# --- --watch --count ----------------------------------------------------
	{
		my ($rc, $out, $err) = ops_cli($v, {}, 'health', '--json', '--watch', 1, '--count', 2);
		is($rc, 0, "$v: watch: exit 0") or diag $err;
		my @objs = map { $json->decode($_) } split /\n/, $out;
		is(scalar @objs, 2, "$v: watch: two checks");
		ok((grep { $_->{healthy} } @objs) == 2, "$v: watch: both healthy");
		($rc, $out) = ops_cli($v, {}, 'health', '--watch', 1, '--count', 2);
		is(scalar(() = $out =~ /^healthy$/mg), 2, "$v: watch text: two reports");
	}

	# --- cannot connect ----------------------------------------------------------
	{
		my $port = free_port();
		my ($rc, $out, $err) = ops_cli($v, {DATABASE_URL => "postgresql://postgres:s3cr3tpw\@127.0.0.1:$port/x"},
			'health');
		is($rc, 3, "$v: nothing listening: exit 3");
		is($out, '', "$v: nothing listening: nothing on stdout");
		like($err, qr{\Alifeguard health: could not connect to postgresql://postgres:\*\*\*\*\@127\.0\.0\.1:$port/x: .*Connection refused.*\n\z},
			"$v: nothing listening: one line with the libpq reason");
		unlike($err, qr/s3cr3tpw/, "$v: nothing listening: no password");

		($rc, $out, $err) = ops_cli($v, {DATABASE_URL => "postgresql://postgres:s3cr3tpw\@127.0.0.1:$port/x"},
			'health', '--json');
		is($rc, 3, "$v: json, nothing listening: exit 3");
		my $o = $json->decode($out);
		is($o->{status}, 'unreachable', "$v: json: status unreachable");
		ok(!$o->{connected}, "$v: json: connected false");
		like($o->{problems}[0], qr{^could not connect to postgresql://postgres:\*\*\*\*\@127\.0\.0\.1:$port/x: .*Connection refused},
			"$v: json: the reason in problems");
		unlike($out . $err, qr/s3cr3tpw/, "$v: json: no password");

		$reject //= reject_password_server();
		($rc, $out, $err) = ops_cli($v, {DATABASE_URL => "postgresql://postgres:s3cr3tpw\@127.0.0.1:$reject->{port}/x"},
			'health');
		is($rc, 3, "$v: wrong password: exit 3");
		like($err, qr{\Alifeguard health: could not connect to postgresql://postgres:\*\*\*\*\@127\.0\.0\.1:$reject->{port}/x: .*password authentication failed for user "postgres"\n\z},
			"$v: wrong password: one line with the server's reason");
		unlike($err, qr/s3cr3tpw/, "$v: wrong password: no password in the message");
		open my $fh, '<', $reject->{file};
		my @got = <$fh>;
		is($got[-1], "s3cr3tpw\n", "$v: the password did reach the server");
	}

	# --- bad usage ----------------------------------------------------------------
	for my $case (
		[['--instances', '0'], qr/invalid --instances "0"/],
		[['--instances', 'x'], qr/invalid --instances "x"/],
		[['--watch', '0'], qr/invalid --watch "0"/],
		[['--count', '2'], qr/--count needs --watch/],
		[['--bogus'], qr/unknown option "--bogus"/],
		[['extra'], qr/unexpected argument "extra"/],
	) {
		my ($rc, $out, $err) = ops_cli($v, {}, 'health', @{ $case->[0] });
		is($rc, 2, "$v: @{ $case->[0] }: exit 2");
		like($err, qr/\Alifeguard health: .*\n\z/, "$v: @{ $case->[0] }: one line");
		like($err, $case->[1], "$v: @{ $case->[0] }: message");
	}
	my ($rc, $out, $err) = ops_cli($v, {APP_ENV => 'bogus'}, 'health');
	is($rc, 2, "$v: bad APP_ENV: exit 2");
	like($err, qr/\Alifeguard health: .*APP_ENV.*\n\z/, "$v: bad APP_ENV: one line naming it");
}

# shared_preload_libraries in the other spellings PostgreSQL accepts: the
# database without the extension can only tell from the setting
# (ALTER SYSTEM quotes each element as needed: lifeguard.so becomes
# "lifeguard.so" in the setting).  On a cluster of this test's own
# (LG::start_cluster), set up as the shared preloaded one, which is never
# reconfigured.
my $own = start_cluster('ops_health');
psql('CREATE DATABASE ops_health_noext', port => $own->{port});
for my $list ("'\$libdir/lifeguard'", "'lifeguard.so'", "'plpgsql', '\$libdir/lifeguard'") {
	my ($rc, $out, $err) = reconfigure_cluster($own, shared_preload_libraries => $list);
	die "the cluster did not restart with shared_preload_libraries = $list: $err" if $rc != 0;
	my $setting = psql('SHOW shared_preload_libraries', port => $own->{port});
	pass("restarted with shared_preload_libraries = $setting");
	my ($hrc, $o) = health_json('opt', {_db => 'ops_health_noext', _port => $own->{port}});
	is($hrc, 0, "$setting: healthy");
	ok($o->{preloaded}, "$setting: preloaded read from the setting");
	my ($arc) = ops_cli('opt', {_port => $own->{port}}, 'audit');
	is($arc, 0, "$setting: the audit works (so the server did preload lifeguard)");
}
my ($rrc, undef, $rerr) = reconfigure_cluster($own, shared_preload_libraries => undef);
is($rrc, 0, 'restarted with the original setting') or diag $rerr;
is(psql('SHOW shared_preload_libraries', port => $own->{port}), 'lifeguard', 'back to the original setting');

done_testing();
