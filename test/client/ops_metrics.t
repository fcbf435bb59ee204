# ops_metrics.t: `lifeguard metrics`.  The output is parsed by a strict
# parser of the Prometheus text exposition format (test/lib/LGMetrics.pm)
# and by promtool, and every sample is compared with the same facts read
# by SQL: pool_usage per application pool and state (and its longest idle
# in transaction), pool_headroom(), the connection limits, the pooling
# audit.  Sessions in known states (idle, idle in transaction, running,
# waiting on a lock) and an application_name with a double quote and a
# backslash make the numbers and the escaping worth checking.  Where the
# server has no connection statistics (not preloaded, the portable
# edition, an extension still at 0.2.0) the command says so once on
# stderr and by lifeguard_stats_available 0, and prints the rest.
# (ops_metrics_stats.t checks the pool_stats families, ops_metrics_listen.t
# the HTTP server.)
use strict;
use warnings;
use Test::More;
use LG qw(psql free_port run_cmd);
use LGClient qw(binaries sanitizer_clean);
use LGOps qw(session stop_sessions wait_states ops_cli);
use LGMetrics qw(parse_exposition promtool_check samples);

my $hidden_pid;
my $ODD = 'ops-metrics "odd" \\ name';
my $ASCII_ROLE = "ops-metrics-\xff\xfe-role";
my @ascii = ('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'ops_metrics_ascii');

psql('DROP DATABASE IF EXISTS ops_metrics_noext');
psql('DROP ROLE IF EXISTS ops_metrics_viewer; CREATE ROLE ops_metrics_viewer LOGIN', port => $ENV{LG_NOPRELOAD_PORT});
psql('CREATE DATABASE ops_metrics_noext');
# an extension still at 0.2.0, and the portable edition, on the preloaded cluster
psql('DROP DATABASE IF EXISTS ops_metrics_020; CREATE DATABASE ops_metrics_020');
psql(q{CREATE EXTENSION lifeguard VERSION '0.2.0'}, db => 'ops_metrics_020');
psql('DROP DATABASE IF EXISTS ops_metrics_portable; CREATE DATABASE ops_metrics_portable');
psql('DROP ROLE IF EXISTS ops_metrics_limited; CREATE ROLE ops_metrics_limited LOGIN CONNECTION LIMIT 7');
psql('DROP DATABASE IF EXISTS ops_metrics_limitdb; CREATE DATABASE ops_metrics_limitdb CONNECTION LIMIT 9');
psql('DROP TABLE IF EXISTS ops_metrics_t; CREATE TABLE ops_metrics_t (id int PRIMARY KEY, v int); INSERT INTO ops_metrics_t VALUES (1, 0)');

END {
	stop_sessions();
	eval { psql('DROP DATABASE IF EXISTS ops_metrics_noext');
psql('DROP ROLE IF EXISTS ops_metrics_viewer; CREATE ROLE ops_metrics_viewer LOGIN', port => $ENV{LG_NOPRELOAD_PORT}); psql('DROP TABLE IF EXISTS ops_metrics_t') };
	run_cmd([@ascii], stdin => qq{DROP ROLE IF EXISTS "$ASCII_ROLE"}, env => {PGCLIENTENCODING => 'SQL_ASCII'});
	eval { psql('DROP DATABASE IF EXISTS ops_metrics_ascii') };
	eval { psql('DROP DATABASE IF EXISTS ops_metrics_020'); psql('DROP DATABASE IF EXISTS ops_metrics_portable');
		psql('DROP DATABASE IF EXISTS ops_metrics_limitdb'); psql('DROP ROLE IF EXISTS ops_metrics_limited') };
}

# the parser itself must reject what it should
for my $bad (
	["x 1\n", 'no TYPE'],
	["# TYPE x gauge\n# HELP x h\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", 'duplicate'],
	["# HELP x h\n# TYPE x counter\nx 1\n", 'counter without _total'],
	["# HELP x h\n# TYPE x gauge\nx{a=\"\\q\"} 1\n", 'bad escape'],
	["# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n", 'unterminated'],
	["# HELP x h\n# TYPE x gauge\nx 1", 'no newline'],
	["# HELP x h\n# TYPE x gauge\nx one\n", 'bad value'],
) {
	ok(!eval { parse_exposition($bad->[0]); 1 }, "the parser rejects: $bad->[1]");
}

# ---------------------------------------------------------------------------
# sessions in known states, a hazard recorded by a known application

session(app => 'ops-metrics-idle', sql => 'SELECT 1;') for 1 .. 3;
session(app => 'ops-metrics-holder', sql => 'BEGIN; UPDATE ops_metrics_t SET v = v + 1 WHERE id = 1;');
wait_states({'ops-metrics-holder' => 'idle in transaction:1'}) or BAIL_OUT('holder not ready');
session(app => 'ops-metrics-busy', sql => 'SELECT pg_sleep(120);');
session(app => 'ops-metrics-busy', sql => 'UPDATE ops_metrics_t SET v = v + 1 WHERE id = 1;');
session(app => $ODD, sql => 'SELECT 1;');
psql('BEGIN; SET work_mem = \'8MB\'; COMMIT; SET work_mem = \'9MB\'; SELECT pg_advisory_lock(42)', app => 'ops-metrics-hazard');
ok(wait_states({'ops-metrics-idle' => 'idle:3', 'ops-metrics-holder' => 'idle in transaction:1',
	'ops-metrics-busy' => 'active:1,waiting:1', $ODD => 'idle:1'}), 'sessions in their states');

# facts by SQL, the way the metrics define them; the checking psql itself
# (application_name ops-metrics-check) is left out as the CLI leaves itself out
sub sql_facts {
	my (%o) = @_;
	my %pool;
	for (split /\n/, psql(q{
		SELECT database, role, application_name, coalesce(sum(active - waiting), 0),
		       coalesce(sum(waiting), 0), coalesce(sum(idle), 0),
		       coalesce(sum(idle_in_transaction), 0), coalesce(sum(idle_in_transaction_aborted), 0),
		       sum(connections) - coalesce(sum(active + idle + idle_in_transaction + idle_in_transaction_aborted), 0)
		  FROM pool_usage WHERE application_name <> 'ops-metrics-check' GROUP BY 1, 2, 3},
		app => 'ops-metrics-check', %o)) {
		my @f = split /\|/, $_, -1;
		my %s;
		@s{qw(active waiting idle idle_in_transaction idle_in_transaction_aborted other)} = @f[3 .. 8];
		$pool{join("\0", @f[0 .. 2])} = \%s;
	}
	my %h;
	@h{qw(max sres res inuse avail util)} = split /\|/, psql(
		'SELECT max_connections, superuser_reserved_connections, reserved_connections, in_use, available, utilization FROM pool_headroom()',
		app => 'ops-metrics-check', %o);
	return (\%pool, \%h);
}

# a role whose name is not UTF-8, in a SQL_ASCII database (which hands out
# its bytes as they are): the labels carry them as \xNN
psql('DROP DATABASE IF EXISTS ops_metrics_ascii');
psql(q{CREATE DATABASE ops_metrics_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0});
psql('CREATE EXTENSION lifeguard', db => 'ops_metrics_ascii');
my ($arc, undef, $aerr) = run_cmd([@ascii], stdin => qq{DROP ROLE IF EXISTS "$ASCII_ROLE"; CREATE ROLE "$ASCII_ROLE" LOGIN;},
	env => {PGCLIENTENCODING => 'SQL_ASCII'});
is($arc, 0, 'a role named with bytes that are not UTF-8') or diag $aerr;

my ($irc, undef, $ierr) = ops_cli('opt', {_db => 'ops_metrics_portable'}, 'install');
is($irc, 0, 'the portable edition installed with lifeguard install') or diag $ierr;

# the families of the connection statistics (ops_metrics_stats.t checks their samples)
my %STATS_TYPES = (lifeguard_stats_available => 'gauge',
	(map { ($_ => 'counter') } qw(lifeguard_sessions_opened_total lifeguard_sessions_ended_total
		lifeguard_session_time_seconds_total lifeguard_connections_refused_total lifeguard_transactions_total
		lifeguard_handoffs_total lifeguard_transaction_time_seconds_total lifeguard_active_time_seconds_total
		lifeguard_idle_in_transaction_time_seconds_total lifeguard_pooling_errors_total
		lifeguard_stats_overflowed_total)),
	(map { ($_ => 'gauge') } qw(lifeguard_connections lifeguard_peak_connections
		lifeguard_peak_connections_timestamp_seconds lifeguard_longest_transaction_seconds
		lifeguard_longest_idle_in_transaction_seconds lifeguard_last_refused_timestamp_seconds
		lifeguard_stats_applications lifeguard_stats_applications_other lifeguard_stats_entries
		lifeguard_stats_max_entries lifeguard_stats_reset_timestamp_seconds lifeguard_stats_peak_connections
		lifeguard_stats_peak_connections_timestamp_seconds)));

# where there are no connection statistics: the rest is there, promtool
# accepts it, lifeguard_stats_available is 0 and no pool_stats family is,
# and stderr has one line saying what is missing
sub no_stats {
	my ($v, $case, $out, $err, $m, $why) = @_;
	my ($prc, $pout) = promtool_check($out);
	is($prc, 0, "$v: $case: promtool check metrics accepts it") or diag $pout;
	is_deeply(samples($m, 'lifeguard_stats_available'), {'' => 0}, "$v: $case: lifeguard_stats_available 0");
	is_deeply([grep { $STATS_TYPES{$_} && $_ ne 'lifeguard_stats_available' } keys %{ $m ? $m->{families} : {} }], [],
		"$v: $case: no family of the connection statistics");
	like($m ? $m->{families}{lifeguard_stats_available}{help} : '', qr/need the C extension \(newer than 0\.2\.0\), preloaded/,
		"$v: $case: its HELP says what they need");
	like($err, qr/\Alifeguard metrics: [^\n]*$why\n\z/, "$v: $case: stderr says it once, one line");
}

for my $b (binaries()) {
	my $v = $b->[0];

	# --- preloaded ----------------------------------------------------------------
	my ($rc, $out, $err) = ops_cli($v, {}, 'metrics');
	is($rc, 0, "$v: exit 0") or diag $err;
	ok(sanitizer_clean($err), "$v: no sanitizer report");
	is($err, '', "$v: nothing on stderr");
	my ($pool, $h) = sql_facts();
	my $m = eval { parse_exposition($out) };
	ok($m, "$v: the output parses") or diag $@;
	if ($m) {
		my %types = map { $_ => $m->{families}{$_}{type} } keys %{ $m->{families} };
		is_deeply(\%types, {
			lifeguard_info => 'gauge',
			lifeguard_pool_connections => 'gauge', lifeguard_max_connections => 'gauge',
			lifeguard_superuser_reserved_connections => 'gauge', lifeguard_connections_in_use => 'gauge',
			lifeguard_connections_available => 'gauge', lifeguard_connections_utilization_ratio => 'gauge',
			lifeguard_preloaded => 'gauge', lifeguard_pooling_hazards_total => 'counter',
			lifeguard_pooling_audit_entries => 'gauge', lifeguard_pooling_audit_max_entries => 'gauge',
			lifeguard_pooling_audit_dropped_total => 'counter',
			# PostgreSQL 16 and later have reserved_connections
			($h->{res} ne '' ? (lifeguard_reserved_connections => 'gauge') : ()),
			# new since 0.2.0
			lifeguard_pool_longest_idle_in_transaction_seconds => 'gauge',
			lifeguard_role_connection_limit => 'gauge', lifeguard_database_connection_limit => 'gauge',
			%STATS_TYPES,
		}, "$v: the families and their types (reserved_connections where the server has it)");
		my ($prc, $pout) = promtool_check($out);
		is($prc, 0, "$v: promtool check metrics accepts it") or diag $pout;

		my %got_pool;
		my %got_haz;
		my %single;
		for my $s (@{ $m->{samples} }) {
			my ($name, $l, $val) = @$s;
			next if $STATS_TYPES{$name} && $name ne 'lifeguard_stats_available';	# ops_metrics_stats.t
			next if $name =~ /^lifeguard_(?:pool_longest_idle_in_transaction_seconds|role_connection_limit|database_connection_limit)$/;
			if ($name eq 'lifeguard_pool_connections') {
				is_deeply([sort keys %$l], [qw(application_name database role state)], "$v: pool labels")
					or next;
				$got_pool{join("\0", @$l{qw(database role application_name)})}{$l->{state}} = $val;
			} elsif ($name eq 'lifeguard_pooling_hazards_total') {
				is_deeply([sort keys %$l], [qw(application_name hazard)], "$v: hazard labels") or next;
				$got_haz{"$l->{application_name}\0$l->{hazard}"} = $val;
			} elsif ($name eq 'lifeguard_info') {
				is_deeply($l, {edition => 'extension', version => psql(q{SELECT extversion FROM pg_extension WHERE extname = 'lifeguard'})},
					"$v: lifeguard_info names the edition and version");
				is($val, 1, "$v: lifeguard_info is 1");
			} else {
				is_deeply($l, {}, "$v: $name has no labels");
				$single{$name} = $val;
			}
		}
		is_deeply(\%got_pool, $pool, "$v: every pool sample equals pool_usage by state (and no other)");
		ok(exists $got_pool{"$ENV{PGDATABASE}\0$ENV{PGUSER}\0$ODD"}, "$v: the odd application_name came through the escaping");
		is_deeply($got_pool{"$ENV{PGDATABASE}\0$ENV{PGUSER}\0ops-metrics-busy"},
			{active => 1, waiting => 1, idle => 0, idle_in_transaction => 0,
			 idle_in_transaction_aborted => 0, other => 0}, "$v: busy pool: one running, one waiting");
		is($got_pool{"$ENV{PGDATABASE}\0$ENV{PGUSER}\0ops-metrics-holder"}{idle_in_transaction}, 1,
			"$v: holder: idle in transaction");
		is($got_pool{"$ENV{PGDATABASE}\0$ENV{PGUSER}\0ops-metrics-idle"}{idle}, 3, "$v: three idle");
		like($out, qr/application_name="ops-metrics \\"odd\\" \\\\ name"/, "$v: escaped on the wire");

		is($single{lifeguard_max_connections}, $h->{max}, "$v: max_connections");
		is($single{lifeguard_superuser_reserved_connections}, $h->{sres}, "$v: superuser_reserved_connections");
		is($single{lifeguard_reserved_connections} // '', $h->{res}, "$v: reserved_connections (where the server has it)");
		is($single{lifeguard_connections_in_use}, $h->{inuse}, "$v: in_use");
		is($single{lifeguard_connections_available}, $h->{avail}, "$v: available");
		ok(abs($single{lifeguard_connections_utilization_ratio} - $h->{util} / 100) < 1e-6,
			"$v: utilization ratio");
		is($single{lifeguard_preloaded}, 1, "$v: preloaded");

		my %sql_haz = map { my @f = split /\|/, $_, -1; ("$f[0]\0$f[1]" => $f[2]) }
			split /\n/, psql('SELECT application_name, hazard, sum(count) FROM pooling_audit GROUP BY 1, 2');
		is_deeply(\%got_haz, \%sql_haz, "$v: every hazard sample equals pooling_audit");
		ok($got_haz{"ops-metrics-hazard\0set"} >= 1, "$v: the SET was counted");
		ok($got_haz{"ops-metrics-hazard\0advisory_lock"} >= 1, "$v: the advisory lock was counted");
		is($single{lifeguard_stats_available}, 1, "$v: the connection statistics are read");

		# the longest idle in transaction now, of the holder's pool only
		my $idle = samples($m, 'lifeguard_pool_longest_idle_in_transaction_seconds');
		my $holder = "application_name=ops-metrics-holder,database=$ENV{PGDATABASE},role=$ENV{PGUSER}";
		my $sql_idle = psql(q{SELECT extract(epoch FROM max(longest_idle_in_transaction)) FROM pool_usage
			WHERE application_name = 'ops-metrics-holder'});
		ok(defined $idle->{$holder} && $idle->{$holder} > 0 && $idle->{$holder} <= $sql_idle,
			"$v: the holder's longest idle in transaction ($idle->{$holder} s, then $sql_idle s by SQL)");
		ok(!exists $idle->{"application_name=ops-metrics-idle,database=$ENV{PGDATABASE},role=$ENV{PGUSER}"},
			"$v: no sample for a pool with no transaction open");
		# the connection limits: every login role and database that has one
		my %want_roles = map { ("role=$_->[0]" => $_->[1]) } map { [split /\|/] }
			split /\n/, psql('SELECT rolname, rolconnlimit FROM pg_roles WHERE rolcanlogin AND rolconnlimit >= 0');
		is_deeply(samples($m, 'lifeguard_role_connection_limit'), \%want_roles, "$v: the roles' CONNECTION LIMIT");
		is(samples($m, 'lifeguard_role_connection_limit')->{'role=ops_metrics_limited'}, 7, "$v: ops_metrics_limited's is 7");
		my %want_dbs = map { ("database=$_->[0]" => $_->[1]) } map { [split /\|/] }
			split /\n/, psql('SELECT datname, datconnlimit FROM pg_database WHERE datallowconn AND datconnlimit >= 0');
		is_deeply(samples($m, 'lifeguard_database_connection_limit'), \%want_dbs, "$v: the databases' CONNECTION LIMIT");
		is(samples($m, 'lifeguard_database_connection_limit')->{'database=ops_metrics_limitdb'}, 9, "$v: ops_metrics_limitdb's is 9");

		my ($entries, $maxe, $dropped) = split /\|/, psql('SELECT entries, max_entries, dropped FROM pooling_audit_info()');
		is($single{lifeguard_pooling_audit_entries}, $entries, "$v: audit entries");
		is($single{lifeguard_pooling_audit_max_entries}, $maxe, "$v: audit max_entries");
		is($single{lifeguard_pooling_audit_dropped_total}, $dropped, "$v: audit dropped");
	}

	# --- created but not preloaded ---------------------------------------------
	($rc, $out, $err) = ops_cli($v, {_port => $ENV{LG_NOPRELOAD_PORT}}, 'metrics');
	is($rc, 0, "$v: not preloaded: exit 0") or diag $err;
	$m = eval { parse_exposition($out) };
	ok($m, "$v: not preloaded: parses") or diag $@;
	ok($m && !$m->{families}{lifeguard_pooling_hazards_total}, "$v: not preloaded: no hazard family");
	like($out, qr/^lifeguard_preloaded 0$/m, "$v: not preloaded: lifeguard_preloaded 0");
	no_stats($v, 'not preloaded', $out, $err, $m, qr/the server does not preload lifeguard: add lifeguard to shared_preload_libraries and restart the server/);

	# --- 0.2.0, and the portable edition ------------------------------------------
	($rc, $out, $err) = ops_cli($v, {_db => 'ops_metrics_020'}, 'metrics');
	is($rc, 0, "$v: 0.2.0: exit 0") or diag $err;
	$m = eval { parse_exposition($out) };
	ok($m, "$v: 0.2.0: parses") or diag $@;
	is_deeply(samples($m, 'lifeguard_info'), {'edition=extension,version=0.2.0' => 1}, "$v: 0.2.0: lifeguard_info");
	ok($m && $m->{families}{lifeguard_pooling_hazards_total}, "$v: 0.2.0: the audit's families (preloaded)");
	no_stats($v, '0.2.0', $out, $err, $m, qr/need a newer lifeguard: the extension in schema public is 0\.2\.0; run ALTER EXTENSION lifeguard UPDATE/);

	($rc, $out, $err) = ops_cli($v, {_db => 'ops_metrics_portable'}, 'metrics');
	is($rc, 0, "$v: portable: exit 0") or diag $err;
	$m = eval { parse_exposition($out) };
	ok($m, "$v: portable: parses") or diag $@;
	is_deeply(samples($m, 'lifeguard_info'), {"edition=portable,version=$ENV{LG_VERSION}" => 1}, "$v: portable: lifeguard_info");
	ok($m && $m->{families}{lifeguard_pool_connections} && !$m->{families}{lifeguard_pooling_hazards_total},
		"$v: portable: pool usage, no audit");
	no_stats($v, 'portable', $out, $err, $m, qr/need the C extension, preloaded \(shared_preload_libraries = 'lifeguard'\); the portable edition in schema public has none/);
	my ($npool, $nh) = sql_facts(port => $ENV{LG_NOPRELOAD_PORT});
	like($out, qr/^lifeguard_max_connections $nh->{max}$/m, "$v: not preloaded: max_connections");

	# a role that may not see other roles' activity: their pools are all "other"
	$hidden_pid //= session(app => 'ops-metrics-hidden', sql => 'SELECT 1;', port => $ENV{LG_NOPRELOAD_PORT});
	ok(wait_states({'ops-metrics-hidden' => 'idle:1'}, port => $ENV{LG_NOPRELOAD_PORT}), "$v: hidden session idle");
	($rc, $out, $err) = ops_cli($v, {DATABASE_URL =>
		"postgresql://ops_metrics_viewer\@$ENV{PGHOST}:$ENV{LG_NOPRELOAD_PORT}/$ENV{PGDATABASE}"}, 'metrics');
	is($rc, 0, "$v: unprivileged: exit 0") or diag $err;
	$m = eval { parse_exposition($out) };
	ok($m, "$v: unprivileged: parses") or diag $@;
	my %hid = map { ($_->[1]{state} => $_->[2]) } grep { $_->[0] eq 'lifeguard_pool_connections'
		&& $_->[1]{application_name} eq 'ops-metrics-hidden' } @{ $m ? $m->{samples} : [] };
	is_deeply(\%hid, {active => 0, waiting => 0, idle => 0, idle_in_transaction => 0,
		idle_in_transaction_aborted => 0, other => 1}, "$v: unprivileged: another role's pool counts as other");
	($npool) = sql_facts(port => $ENV{LG_NOPRELOAD_PORT}, user => 'ops_metrics_viewer');
	is_deeply($npool->{"$ENV{PGDATABASE}\0$ENV{PGUSER}\0ops-metrics-hidden"}, \%hid,
		"$v: unprivileged: as SQL shows it to that role");

	# --- without the extension, cannot connect --------------------------------
	($rc, $out, $err) = ops_cli($v, {_db => 'ops_metrics_noext'}, 'metrics');
	is($rc, 2, "$v: no extension: exit 2");
	is($out, '', "$v: no extension: nothing on stdout");
	like($err, qr/\Alifeguard metrics: the lifeguard extension is not installed in database "ops_metrics_noext"; run CREATE EXTENSION lifeguard there first\n\z/,
		"$v: no extension: one line");
	my $port = free_port();
	($rc, $out, $err) = ops_cli($v, {DATABASE_URL => "postgresql://postgres:pw12345\@127.0.0.1:$port/x"}, 'metrics');
	is($rc, 3, "$v: cannot connect: exit 3");
	is($out, '', "$v: cannot connect: nothing on stdout");
	like($err, qr/\Alifeguard metrics: could not connect to .*\n\z/, "$v: cannot connect: one line");
	unlike($err, qr/pw12345/, "$v: cannot connect: no password");
	($rc, $out, $err) = ops_cli($v, {}, 'metrics', 'extra');
	is($rc, 2, "$v: extra argument: exit 2");
}

# --- names that are not UTF-8 (SQL_ASCII), after the rest (the session
# would be one more pool above) ----------------------------------------------
{
	local $ENV{PGCLIENTENCODING} = 'SQL_ASCII';
	local $ENV{PGUSER} = $ASCII_ROLE;
	session(app => 'ops-metrics-ascii', db => 'ops_metrics_ascii', sql => 'SELECT 1;');
}
ok(wait_states({'ops-metrics-ascii' => 'idle:1'}, db => 'ops_metrics_ascii'), 'SQL_ASCII: a session of the role');
for my $b (binaries()) {
	my $v = $b->[0];
	my ($rc, $out, $err) = ops_cli($v, {_db => 'ops_metrics_ascii'}, 'metrics');
	is($rc, 0, "$v: SQL_ASCII: exit 0") or diag $err;
	my ($arc2, $aout) = promtool_check($out);
	is($arc2, 0, "$v: SQL_ASCII: promtool check metrics accepts it (valid UTF-8)") or diag $aout;
	my $m = eval { parse_exposition($out) };
	ok($m, "$v: SQL_ASCII: parses") or diag $@;
	is(samples($m, 'lifeguard_pool_connections')->{"application_name=ops-metrics-ascii,database=ops_metrics_ascii,role=ops-metrics-\\xff\\xfe-role,state=idle"}, 1,
		"$v: SQL_ASCII: the role's bytes as \\xff\\xfe in lifeguard_pool_connections");
	is(samples($m, 'lifeguard_connections')->{"application=ops-metrics-ascii,database=ops_metrics_ascii,role=ops-metrics-\\xff\\xfe-role"}, 1,
		"$v: SQL_ASCII: and in lifeguard_connections");
}

done_testing();
