# drivers.t: the transaction-pooling audit with real client drivers, each
# in its default configuration and in the one its documentation gives for
# PgBouncer: psycopg 3, psycopg2, asyncpg (plain connections and
# create_pool), pgjdbc, ActiveRecord, pgx v4, postgres.js, node-postgres.
#
# The programs in test/integration/drivers run one workload (described in
# drivers/workload.py): two client connections run the same parameterised
# query, one autocommit transaction per call, while in every other round a
# third connection holds a transaction open, so that behind PgBouncer in
# transaction mode with two server connections a statement prepared on
# one server connection is executed on the other (26000) or prepared again
# where another client's statement of that name exists (42P05).  Each
# prints one line per call (ok or the SQLSTATE) and a total.
#
# For every driver and configuration, each under its own role (PgBouncer
# pools per role, so no two runs share a server connection):
#   - directly against the server: no error, and what pooling_audit
#     records under the run's application_name;
#   - through PgBouncer 1.18 (transaction mode, pool size 2): the SQLSTATEs
#     the client gets, the prepared-statement errors the server logs, and
#     the statement names in them (the driver's naming pattern);
#   - through PgBouncer under ALTER ROLE ... SET lifeguard.enforce = error:
#     the default is refused with 0A000 (at connect, for a driver whose
#     connect-time SET leaves state), the safe configuration runs with
#     zero errors;
#   - the client pooling_audit names, its fix as the hint, and the
#     prepared-statement failures a pooler caused counted next to them.
# At the end, issue 18's cases: a pool's RESET ALL is no hazard, a named
# ROLLBACK always ends a failed transaction, pgjdbc's connect-time SET is
# recorded under no application rather than the previous client's, a SET to
# the role's own default leaves no state.
use strict;
use warnings;
use Test::More;
use File::Basename qw(dirname);
use Time::HiRes qw(time);
use LG qw(psql run_cmd start_pgbouncer stop_pgbouncer node_run);

my $D = "$ENV{LG_ROOT}/test/integration/drivers";
my $PY = '/usr/bin/python3';     # Debian's python, where python3-psycopg & co. live
my $JAR = '/usr/share/java/postgresql.jar';
my $SERVER_LOG = dirname($ENV{LG_DATA}) . '/server.log';

# ---------------------------------------------------------------------------
# the compiled programs: pgjdbc's class and pgx v4's binary, built offline
# (Go against Debian's sources in GOPATH mode, with Go's build cache)
my $build = "$ENV{LG_TMP}/drivers";
mkdir $build;
my ($rc, $out, $err) = run_cmd(['javac', '-cp', $JAR, '-d', $build, "$D/Pgjdbc.java"]);
is($rc, 0, 'javac Pgjdbc.java') or BAIL_OUT("javac: $err");
($rc, $out, $err) = run_cmd(['go', 'build', '-o', "$build/pgx4", "$D/pgx4.go"],
	env => { GO111MODULE => 'off', GOPATH => '/usr/share/gocode', GOFLAGS => undef, GOPROXY => 'off',
		GOCACHE => $ENV{GOCACHE} // ($ENV{HOME} ? "$ENV{HOME}/.cache/go-build" : "$build/gocache") });
is($rc, 0, 'go build pgx4.go (offline, GOPATH=/usr/share/gocode)') or BAIL_OUT("go build: $err");

my %program = (
	psycopg3 => [$PY, "$D/psycopg3.py"],
	psycopg2 => [$PY, "$D/psycopg2_driver.py"],
	asyncpg => [$PY, "$D/asyncpg_driver.py"],
	pgjdbc => ['java', '-cp', "$JAR:$build", 'Pgjdbc'],
	activerecord => ['ruby', "$D/activerecord.rb"],
	pgx4 => ["$build/pgx4"],
	postgresjs => 'drivers/postgresjs.js',
	node_pg => 'drivers/node_pg.js',
);

# Each case: a program and workload, the client pooling_audit names (undef:
# none) and its hint; per configuration what is expected:
#   direct   pooling_audit under the run's application_name, run directly
#            (hazard=count, ...)
#   pooled   the SQLSTATEs the client gets through PgBouncer ('' none)
#   failed   whether the server logs prepared-statement errors then
#   enforced the SQLSTATEs under lifeguard.enforce = error ('' none), or
#            'connect': refused when it connects (its connect-time SETs)
my @cases = (
	{ label => 'psycopg 3', prog => 'psycopg3', workload => 'pooled', names => qr/^_pg3_\d+$/,
		client => 'psycopg 3', hint => qr/prepare_threshold=None/,
		default => { direct => 'protocol_prepare=2', pooled => '26000 42P05', failed => 1, enforced => '0A000' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	{ label => 'psycopg2', prog => 'psycopg2', workload => 'pooled',
		default => { direct => '', pooled => '', failed => 0, enforced => '' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	{ label => 'asyncpg', prog => 'asyncpg', workload => 'pooled', names => qr/^__asyncpg_stmt_[0-9a-f]+__$/,
		client => 'asyncpg', hint => qr/statement_cache_size=0/,
		default => { direct => 'protocol_prepare=2', pooled => '26000', failed => 1, enforced => '0A000' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	# the pool hands out its most recently released connection, so one of
	# its two connections runs every call; its release's RESET ALL is no
	# hazard; behind PgBouncer it clears the server connection's
	# application_name, and the server logs what follows under [unknown]
	{ label => 'asyncpg create_pool', prog => 'asyncpg', workload => 'pool', names => qr/^__asyncpg_stmt_[0-9a-f]+__$/,
		client => 'asyncpg', hint => qr/statement_cache_size=0/, log_app => '[unknown]',
		default => { direct => 'protocol_prepare=1', pooled => '26000', failed => 1, enforced => '0A000' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	# its connect-time SET extra_float_digits is recorded under no
	# application (it arrives before pgjdbc names itself): see the end
	{ label => 'pgjdbc', prog => 'pgjdbc', workload => 'pooled', names => qr/^S_\d+$/,
		client => 'pgjdbc', hint => qr/prepareThreshold=0/,
		default => { direct => 'protocol_prepare=2', pooled => '42P05', failed => 1, enforced => 'connect' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	{ label => 'pgjdbc transactions', prog => 'pgjdbc', workload => 'tx', names => qr/^S_\d+$/,
		client => 'pgjdbc', hint => qr/prepareThreshold=0/,
		# X/Y: the call failed with X, its ROLLBACK with Y; 08P01: a name
		# that is another client's statement on that server connection
		default => { direct => 'protocol_prepare=8', pooled => '08P01 25P02 25P02/42P05 42P05/42P05',
			failed => 1, enforced => 'connect' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	# ActiveRecord's connect-time SETs of parameters PgBouncer does not track
	# stay on the server connection: the next client of the pool sees them;
	# made the role's defaults they leave nothing (see the end)
	{ label => 'ActiveRecord', prog => 'activerecord', workload => 'pooled', names => qr/^a\d+$/,
		client => 'ActiveRecord', hint => qr/prepared_statements: false/,
		set_hint => qr/ALTER ROLE \.\.\. SET client_min_messages = warning, intervalstyle = iso_8601/,
		leaves => 'IntervalStyle=iso_8601 (session), client_min_messages=warning (session)',
		default => { direct => 'protocol_prepare=2, set=6', pooled => '26000 42P05', failed => 1, enforced => 'connect' },
		safe => { direct => 'set=6', pooled => '', failed => 0, enforced => 'connect' } },
	{ label => 'pgx v4', prog => 'pgx4', workload => 'pooled', names => qr/^lrupsc_\d+_\d+$/,
		client => 'pgx v4', hint => qr/statement_cache_mode=describe/,
		default => { direct => 'protocol_prepare=2', pooled => '26000', failed => 1, enforced => '0A000' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	{ label => 'postgres.js', prog => 'postgresjs', workload => 'pooled', names => qr/^[0-9a-z]{6,}\d+$/,
		client => 'postgres.js', hint => qr/prepare: false/,
		default => { direct => 'protocol_prepare=4', pooled => '', failed => 1, enforced => '0A000' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
	# the application's own name: no driver to tell, the hazard's own hint
	{ label => 'node-postgres', prog => 'node_pg', workload => 'pooled', names => qr/^lg-sum$/,
		client => undef, hint => qr/unnamed statements/,
		default => { direct => 'protocol_prepare=2', pooled => '26000 42P05', failed => 1, enforced => '0A000' },
		safe => { direct => '', pooled => '', failed => 0, enforced => '' } },
);

sub role_of { my ($c, $config, $suffix) = @_; return join '_', 'lg_drv', $c->{prog}, $c->{workload}, $config, $suffix // () }

# run(case, config, port, role, app) -> { rc, err, calls, ok, total, codes => 'a b', log => [[name, what]] }
sub run {
	my ($c, $config, $port, $role, $app) = @_;
	my $conninfo = "postgresql://$role\@127.0.0.1:$port/$ENV{PGDATABASE}";
	my $from = -s $SERVER_LOG;
	my $t0 = time;
	my $p = $program{ $c->{prog} };
	my ($rc, $out, $err) = ref $p
		? run_cmd([@$p, $conninfo, $app, $config, $c->{workload}])
		: node_run($p, $conninfo, $app, $config, $c->{workload});
	my $seconds = time - $t0;
	my %r = (rc => $rc, err => $err, calls => 0, ok => 0, total => 'none');
	my %codes;
	for (split /\n/, $out) {
		if (/^call \S+ \d+ \d+ (\S+)$/) { $r{calls}++; $1 eq 'ok' ? $r{ok}++ : $codes{$1}++ }
		elsif (/^total (\d+) ok (\d+) err (\d+)$/) { $r{total} = $1 }
	}
	$r{codes} = join ' ', sort keys %codes;
	$r{log} = server_log_errors($from, $app, $c->{log_app} // ());
	note(sprintf "%s: %d/%d ok, client SQLSTATEs '%s', %d prepared-statement errors in the server log, %.1f s",
		$app, $r{ok}, $r{calls}, join(' ', map { "${_}x$codes{$_}" } sort keys %codes), scalar @{ $r{log} }, $seconds);
	return \%r;
}

# the prepared-statement errors the server logged since offset FROM under
# one of APPS: [name, 'does not exist' | 'already exists']
sub server_log_errors {
	my ($from, @apps) = @_;
	my %app = map { ($_ => 1) } @apps;
	open my $fh, '<', $SERVER_LOG or die "$SERVER_LOG: $!\n";
	seek $fh, $from, 0;
	my @e;
	while (my $l = <$fh>) {
		push @e, [$2, $3] if $l =~ /\[\d+\] (\S*) ?ERROR:  prepared statement "([^"]*)" (does not exist|already exists)$/
			&& $app{$1};
	}
	return \@e;
}

sub audit {
	my ($role, $app) = @_;
	return psql(qq{SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
	               FROM (SELECT hazard, sum(count) AS count FROM pooling_audit
	                      WHERE role = '$role' AND application_name = '$app' AND count > 0
	                      GROUP BY hazard) h});
}

# the clients (NULL as '-') and hints of one hazard's rows, and their failures
sub recorded {
	my ($role, $app, $hazard) = @_;
	my ($clients, $hints, $failures) = split /\|/, psql(qq{SELECT string_agg(DISTINCT coalesce(client, '-'), ','),
	        string_agg(DISTINCT hint, ' / '), sum(failures)
	   FROM pooling_audit WHERE role = '$role' AND application_name IS NOT DISTINCT FROM $app AND hazard = '$hazard'}), -1;
	return { clients => $clients, hints => $hints, failures => $failures };
}

# every role the test uses, plain and under enforcement
my @roles;
for my $c (@cases) {
	push @roles, map { (role_of($c, $_), role_of($c, $_, 'enf')) } qw(default safe);
}
push @roles, 'lg_drv_pgjdbc_tx_startup_enf', 'lg_drv_activerecord_roledefaults_enf', 'lg_drv_pgjdbc_twoapps';
# the parameters PgBouncer 1.18 tracks are lifeguard's built-in default of
# lifeguard.tracked_parameters; each role gets it, whatever the cluster's
# configuration says (another test may have listed more)
my $tracked = psql(q{SELECT boot_val FROM pg_settings WHERE name = 'lifeguard.tracked_parameters'});
psql(join '', map { "DROP ROLE IF EXISTS $_; CREATE ROLE $_ LOGIN;\n"
	. "ALTER ROLE $_ SET lifeguard.tracked_parameters = '$tracked';\n" } @roles);
psql(join '', map { "ALTER ROLE $_ SET lifeguard.enforce = 'error';\n" } grep { /_enf$/ } @roles);
psql('SELECT pooling_audit_reset()');

my $bouncer = start_pgbouncer(pool_mode => 'transaction', pool_size => 2, users => \@roles);
my $bp = $bouncer->{port};

for my $c (@cases) {
	for my $config (qw(default safe)) {
		my $e = $c->{$config};
		my $t = "$c->{label} ($config)";
		my $role = role_of($c, $config);
		my $app = "lg-drv-$c->{prog}-$c->{workload}-$config";

		# directly against the server
		my $r = run($c, $config, $ENV{PGPORT}, $role, "$app-direct");
		is($r->{rc}, 0, "$t direct: ran") or diag($r->{err});
		is("$r->{ok}/$r->{calls}", '96/96', "$t direct: every call succeeded");
		is(audit($role, "$app-direct"), $e->{direct},
			"$t direct: pooling_audit under its application_name: '$e->{direct}'");
		if ($e->{direct} =~ /protocol_prepare/) {
			my $rec = recorded($role, "'$app-direct'", 'protocol_prepare');
			is($rec->{clients}, $c->{client} // '-', "$t direct: the client is " . ($c->{client} // 'unknown (NULL)'));
			like($rec->{hints}, $c->{hint}, "$t direct: the hint names its fix");
		}
		if ($e->{direct} =~ /set/ && $c->{set_hint}) {
			my $rec = recorded($role, "'$app-direct'", 'set');
			is($rec->{clients}, $c->{client}, "$t direct: its connect-time SETs are $c->{client}'s");
			like($rec->{hints}, $c->{set_hint}, "$t direct: ... and the hint says how to make them harmless");
		}

		# through PgBouncer
		$r = run($c, $config, $bp, $role, "$app-pooled");
		is($r->{rc}, 0, "$t through PgBouncer: ran") or diag($r->{err});
		is("$r->{calls}/$r->{total}", '96/96', "$t through PgBouncer: every call reported");
		is($r->{codes}, $e->{pooled}, "$t through PgBouncer: the client gets '$e->{pooled}'");
		if ($e->{failed}) {
			cmp_ok(scalar @{ $r->{log} }, '>', 0,
				"$t through PgBouncer: the server logs prepared statements missing or already there");
			my @bad = grep { $_->[0] !~ $c->{names} } @{ $r->{log} };
			is_deeply(\@bad, [], "$t through PgBouncer: every statement name is the driver's ($c->{names})");
		} else {
			is_deeply($r->{log}, [], "$t through PgBouncer: no prepared-statement error on the server");
		}
		if ($c->{leaves}) {
			is(psql(q{SELECT string_agg(name || '=' || setting || ' (' || source || ')', ', ' ORDER BY name)
			          FROM pg_settings WHERE name IN ('client_min_messages', 'IntervalStyle')},
				port => $bp, host => '127.0.0.1', user => $role, app => 'lg-drv-next-client'),
				$c->{leaves}, "$t through PgBouncer: the next client of the pool gets its settings");
		}
		if ($e->{direct} eq '') {
			is(audit($role, "$app-pooled"), '', "$t through PgBouncer: nothing recorded");
		} elsif ($e->{direct} =~ /protocol_prepare/ && !$c->{log_app}) {
			like(audit($role, "$app-pooled"), qr/^protocol_prepare=[1-9]/,
				"$t through PgBouncer: protocol_prepare recorded under its application_name");
			my $rec = recorded($role, "'$app-pooled'", 'protocol_prepare');
			is($rec->{clients}, $c->{client} // '-', "$t through PgBouncer: ... as " . ($c->{client} // 'nobody\'s') . ' statements');
			cmp_ok($rec->{failures}, '>', 0, "$t through PgBouncer: ... with the prepared-statement failures it caused");
		}

		# through PgBouncer, under lifeguard.enforce = error
		next unless defined $e->{enforced};
		$r = run($c, $config, $bp, role_of($c, $config, 'enf'), "$app-enforced");
		if ($e->{enforced} eq 'connect') {
			isnt($r->{rc}, 0, "$t enforced: cannot connect");
			like($r->{err}, qr/breaks under transaction pooling \(lifeguard hazard "set"\)/,
				"$t enforced: its connect-time SET is refused");
			next;
		}
		is($r->{rc}, 0, "$t enforced: ran") or diag($r->{err});
		is($r->{codes}, $e->{enforced}, "$t enforced: the client gets '$e->{enforced}'");
		if ($e->{enforced} eq '') {
			is("$r->{ok}/$r->{calls}", '96/96', "$t enforced: zero errors");
		}
	}
}

# ---------------------------------------------------------------------------
# issue 18's cases

# a pool's reset goes back to how the session started: no hazard, never
# refused (the cases above ran the pool under enforcement: 96/96)
is(psql(q{SELECT coalesce(sum(count), 0) FROM pooling_audit
          WHERE role IN ('lg_drv_asyncpg_pool_default', 'lg_drv_asyncpg_pool_safe') AND hazard = 'set'}), 0,
	"asyncpg create_pool: its release's RESET ALL is never recorded as set");
# behind PgBouncer the reset leaves the empty name, which PgBouncer then
# replays for that client: what follows is recorded under no application,
# never under the empty name (docs/drivers.md)
is(psql(q{SELECT coalesce(sum(count), 0) FROM pooling_audit
          WHERE role = 'lg_drv_asyncpg_pool_default' AND application_name = ''}), 0,
	'asyncpg create_pool through PgBouncer: nothing recorded under the empty application_name');
cmp_ok(psql(q{SELECT coalesce(sum(failures), 0) FROM pooling_audit
              WHERE role = 'lg_drv_asyncpg_pool_default' AND application_name IS NULL AND client = 'asyncpg'}), '>', 0,
	'... what follows the reset (its cached statements failing on the other server connection) is asyncpg\'s, under an unknown application')
	or diag(psql(q{SELECT coalesce(application_name, 'NULL'), hazard, coalesce(client, '-'), count, failures FROM pooling_audit
	               WHERE role = 'lg_drv_asyncpg_pool_default'}));

# a named ROLLBACK always ends a failed transaction under enforcement
{
	my ($c) = grep { $_->{workload} eq 'tx' } @cases;
	my $r = run($c, 'startup', $ENV{PGPORT}, 'lg_drv_pgjdbc_tx_startup_enf', 'lg-drv-pgjdbc-tx-startup-enforced');
	is($r->{rc}, 0, 'pgjdbc (prepareThreshold 5, assumeMinServerVersion) enforced: ran') or diag($r->{err});
	unlike($r->{codes}, qr/25P02/, '... no transaction is left unable to end: every refused one was rolled back');
	cmp_ok(psql(q{SELECT count(*) FROM pooling_audit WHERE role = 'lg_drv_pgjdbc_tx_startup_enf'
	              AND hazard = 'protocol_prepare' AND client = 'pgjdbc' AND sample IN ('COMMIT', 'ROLLBACK')}), '>', 0,
		'... its named COMMIT and ROLLBACK are recorded as pgjdbc\'s, never refused');
}

# pgjdbc's connect-time SET extra_float_digits arrives before pgjdbc names
# itself: recorded as pgjdbc's under no application, never under the one
# that used the server connection before
{
	my ($c) = grep { $_->{prog} eq 'pgjdbc' && $_->{workload} eq 'pooled' } @cases;
	run($c, 'no-prepare', $bp, 'lg_drv_pgjdbc_twoapps', "lg-drv-pgjdbc-app$_") for 1, 2;
	is(psql(q{SELECT string_agg(coalesce(application_name, 'NULL') || '/' || coalesce(client, '-') || ':' || count, ' '
	                            ORDER BY application_name NULLS FIRST)
	          FROM pooling_audit WHERE role = 'lg_drv_pgjdbc_twoapps' AND hazard = 'set'}), 'NULL/pgjdbc:4',
		'pgjdbc (prepareThreshold=0) through PgBouncer, two applications in turn: every SET extra_float_digits is pgjdbc\'s, none under another application');
	like(recorded('lg_drv_pgjdbc_twoapps', 'NULL', 'set')->{hints}, qr/assumeMinServerVersion=9\.0/,
		'... and the hint names assumeMinServerVersion=9.0');
}

# ActiveRecord's connect-time SETs made the role's defaults leave nothing:
# it connects and runs under enforcement
{
	psql(q{ALTER ROLE lg_drv_activerecord_roledefaults_enf SET client_min_messages = 'warning';
	       ALTER ROLE lg_drv_activerecord_roledefaults_enf SET intervalstyle = 'iso_8601'});
	my ($c) = grep { $_->{prog} eq 'activerecord' } @cases;
	my $r = run($c, 'safe', $bp, 'lg_drv_activerecord_roledefaults_enf', 'lg-drv-activerecord-roledefaults');
	is("$r->{rc} $r->{ok}/$r->{calls}", '0 96/96',
		"ActiveRecord (prepared_statements: false, its SETs as the role's defaults) enforced: connects and runs");
	is(audit('lg_drv_activerecord_roledefaults_enf', 'lg-drv-activerecord-roledefaults'), '', '... and nothing is recorded');
}

stop_pgbouncer($bouncer);
psql('SELECT pooling_audit_reset()');
psql(join '', map { "DROP ROLE $_;\n" } @roles);
done_testing();
