# ops_metrics_stats.t: the connection statistics in `lifeguard metrics`, on
# a cluster of this test's own (its pool_stats reset first, so that every
# application is one of the test's).  Six applications with known
# activity:
#
#   ops-ms-a   postgres   one session, 300 commits and 3 rollbacks
#   ops-ms-b   postgres   two sessions, 200 commits
#   ops-ms-c   ops_ms_r2  five sessions of one commit, one with an error
#   ops-ms-d   ops_ms_r2  three sessions, one still open, one with a 0.2 s
#                         transaction
#   ops-ms-e   ops_ms_r3  the one session its role's CONNECTION LIMIT 1 allows,
#                         still open
#   ops-ms-f   ops_ms_r3  refused twice by that limit
#
# With the default --max-applications every application keeps its name,
# and every sample of every pool_stats family equals pool_stats read by
# SQL.  With --max-applications 2 the two most active keep their names and
# the others of each database and role are summed as application="other":
# counters and connections summed, peaks and longest times the highest,
# the last refusal the latest, again compared with SQL.  Then the server
# (--listen): an application that got its name keeps it while a busier one
# appears (so that "other" only grows), until pool_stats_reset().
use strict;
use warnings;
use Test::More;
use List::Util qw(max sum0);
use LG qw(psql start_cluster wait_until);
use LGClient qw(binaries sanitizer_clean url_for);
use LGOps qw(session stop_sessions wait_states ops_cli);
use LGStats qw(attempt);
use LGMetrics qw(parse_exposition promtool_check samples start_exporter stop_exporter http_get);

my $c = start_cluster('ops_metrics_stats');
my %P = (port => $c->{port});
my $db = $ENV{PGDATABASE};
my $CHECK = 'ops-ms-check';
my %CLI_ENV = (_port => $c->{port}, APP_NAME => 'ops-ms-cli');
my $CLI_APP = 'ops-ms-cli-dev';
my $exporter;

END {
	local $?;
	stop_exporter($exporter) if $exporter;
	stop_sessions();
}

psql(q{CREATE ROLE ops_ms_r2 LOGIN; CREATE ROLE ops_ms_r3 LOGIN CONNECTION LIMIT 1}, %P);
psql(q{SELECT pool_stats_reset()}, %P, app => $CHECK);

sub run_psql {
	my ($app, $user, $sql) = @_;
	psql($sql, %P, app => $app, user => $user);
}
run_psql('ops-ms-a', 'postgres', join('', ("SELECT 1;\n") x 300, ("BEGIN; SELECT 1; ROLLBACK;\n") x 3));
run_psql('ops-ms-b', 'postgres', "SELECT 1;\n" x 100) for 1 .. 2;
run_psql('ops-ms-c', 'ops_ms_r2', 'SELECT 1;') for 1 .. 4;
ok(!eval { run_psql('ops-ms-c', 'ops_ms_r2', 'SELECT 1/0;'); 1 }, 'ops-ms-c: an error');
run_psql('ops-ms-d', 'ops_ms_r2', 'SELECT 1;');
run_psql('ops-ms-d', 'ops_ms_r2', 'BEGIN; SELECT pg_sleep(0.2); COMMIT;');
session(app => 'ops-ms-d', user => 'ops_ms_r2', port => $c->{port}, sql => 'SELECT 1;');
session(app => 'ops-ms-e', user => 'ops_ms_r3', port => $c->{port}, sql => 'SELECT 1;');
ok(wait_states({'ops-ms-d' => 'idle:1', 'ops-ms-e' => 'idle:1'}, %P), 'ops-ms-d and ops-ms-e hold a session each');
like(attempt(%P, app => 'ops-ms-f', user => 'ops_ms_r3'), qr/too many connections for role "ops_ms_r3"/, 'ops-ms-f refused')
	for 1 .. 2;
my @APPS = map { "ops-ms-$_" } qw(a b c d e f);
my %QUIET = map { $_ => 1 } @APPS;		# whose rows no longer change

# ---------------------------------------------------------------------------
# pool_stats by SQL, and what the exposition must say of a group of rows

my @COUNTERS = qw(sessions_opened commits rollbacks handoffs session_time transaction_time active_time
	idle_in_transaction_time);
my @ENDED = qw(normal client_gone fatal terminated idle_session_timeout idle_in_transaction_timeout
	transaction_timeout);
my @REFUSED = qw(too_many_clients reserved role_limit database_limit authentication other);
my @ERRORS = qw(prepared_missing prepared_exists cached_plan);
my @COLS = (qw(database role application_name connections peak_connections peak_at last_refused_at
	longest_transaction_time longest_idle_in_transaction_time), @COUNTERS,
	(map { "ended_$_" } @ENDED), (map { "refused_$_" } @REFUSED), (map { "errors_$_" } @ERRORS));

sub sql_rows {
	my $cols = join(', ', map { /_at$/ ? "coalesce(extract(epoch FROM $_)::text, '')" : "$_" } @COLS);
	my @rows;
	for (split /\n/, psql("SELECT $cols FROM pool_stats WHERE database IS NOT NULL", %P, app => $CHECK)) {
		my %r;
		@r{@COLS} = split /\|/, $_, -1;
		push @rows, \%r;
	}
	return @rows;
}

# the samples of one group (database, role, application label) of rows
sub expected {
	my ($app, @rows) = @_;
	my %e;
	my %base = (application => $app, database => $rows[0]{database}, role => $rows[0]{role});
	# labels as samples() writes them: sorted by name
	my $L = sub { my %l = (%base, @_); join(',', map { "$_=$l{$_}" } sort keys %l) };
	my $l = $L->();
	my $s = sub { my ($k) = @_; sum0(map { $_->{$k} } @rows) };
	my $peak = max(map { $_->{peak_connections} } @rows);
	my ($peak_row) = sort { $a->{peak_at} <=> $b->{peak_at} }
		grep { $_->{peak_connections} == $peak && $_->{peak_at} ne '' } @rows;
	my @refused_at = grep { $_ ne '' } map { $_->{last_refused_at} } @rows;
	$e{"lifeguard_sessions_opened_total\0$l"} = $s->('sessions_opened');
	$e{"lifeguard_sessions_ended_total\0" . $L->(cause => $_)} = $s->("ended_$_") for @ENDED;
	$e{"lifeguard_connections_refused_total\0" . $L->(cause => $_)} = $s->("refused_$_") for @REFUSED;
	$e{"lifeguard_pooling_errors_total\0" . $L->(error => $_)} = $s->("errors_$_") for @ERRORS;
	$e{"lifeguard_transactions_total\0" . $L->(outcome => 'commit')} = $s->('commits');
	$e{"lifeguard_transactions_total\0" . $L->(outcome => 'rollback')} = $s->('rollbacks');
	$e{"lifeguard_handoffs_total\0$l"} = $s->('handoffs');
	$e{"lifeguard_${_}_seconds_total\0$l"} = $s->($_) / 1000 for qw(session_time transaction_time active_time
		idle_in_transaction_time);
	$e{"lifeguard_connections\0$l"} = $s->('connections');
	$e{"lifeguard_peak_connections\0$l"} = $peak;
	$e{"lifeguard_peak_connections_timestamp_seconds\0$l"} = $peak_row->{peak_at} if $peak_row;
	$e{"lifeguard_longest_transaction_seconds\0$l"} = max(map { $_->{longest_transaction_time} } @rows) / 1000;
	$e{"lifeguard_longest_idle_in_transaction_seconds\0$l"} =
		max(map { $_->{longest_idle_in_transaction_time} } @rows) / 1000;
	$e{"lifeguard_last_refused_timestamp_seconds\0$l"} = max(@refused_at) if @refused_at;
	return %e;
}

my @FAMILIES = qw(lifeguard_sessions_opened_total lifeguard_sessions_ended_total
	lifeguard_session_time_seconds_total lifeguard_connections_refused_total lifeguard_transactions_total
	lifeguard_handoffs_total lifeguard_transaction_time_seconds_total lifeguard_active_time_seconds_total
	lifeguard_idle_in_transaction_time_seconds_total lifeguard_pooling_errors_total lifeguard_connections
	lifeguard_peak_connections lifeguard_peak_connections_timestamp_seconds
	lifeguard_longest_transaction_seconds lifeguard_longest_idle_in_transaction_seconds
	lifeguard_last_refused_timestamp_seconds);

# the samples of the exposition for one group's labels
sub got {
	my ($m, $app, $database, $role) = @_;
	my %g;
	for my $f (@FAMILIES) {
		my $s = samples($m, $f);
		for (keys %$s) {
			my %l = map { split /=/, $_, 2 } split /,/;
			next unless $l{application} eq $app && $l{database} eq $database && $l{role} eq $role;
			$g{"$f\0$_"} = $s->{$_};
		}
	}
	return %g;
}

sub same_samples {
	my ($got, $want, $name) = @_;
	my @bad;
	for my $k (sort(keys %{ { %$got, %$want } })) {
		my ($g, $w) = ($got->{$k}, $want->{$k});
		next if defined $g && defined $w && abs($g - $w) <= 1e-3 + 1e-9 * abs($w);
		push @bad, ($k =~ s/\0/ /r) . ': got ' . ($g // 'none') . ', want ' . ($w // 'none');
	}
	ok(!@bad, $name) or diag(join("\n", @bad));
}

sub scrape {
	my ($v, @args) = @_;
	my ($rc, $out, $err) = ops_cli($v, \%CLI_ENV, 'metrics', @args);
	is($rc, 0, "$v: metrics @args: exit 0") or diag $err;
	ok(sanitizer_clean($err), "$v: metrics @args: no sanitizer report");
	is($err, '', "$v: metrics @args: nothing on stderr");
	my ($prc, $pout) = promtool_check($out);
	is($prc, 0, "$v: metrics @args: promtool check metrics accepts it") or diag $pout;
	my $m = eval { parse_exposition($out) };
	ok($m, "$v: metrics @args: parses") or diag $@;
	return $m;
}

# the check application and the CLI's exist before the first comparison
psql('SELECT 1', %P, app => $CHECK);
ops_cli('opt', \%CLI_ENV, 'metrics');

for my $b (binaries()) {
	my $v = $b->[0];

	# --- every application by its name -------------------------------------
	my $m = scrape($v);
	my @rows = sql_rows();
	my %apps = map { $_->{application_name} => 1 } @rows;
	is(samples($m, 'lifeguard_stats_applications')->{''}, scalar(keys %apps), "$v: lifeguard_stats_applications");
	is(samples($m, 'lifeguard_stats_applications_other')->{''}, 0, "$v: no application summed as other");
	for my $app (@APPS) {
		my @mine = grep { $_->{application_name} eq $app } @rows;
		is(scalar @mine, 1, "$v: one row of $app");
		my %want = expected($app, @mine);
		my %got = got($m, $app, $mine[0]{database}, $mine[0]{role});
		same_samples(\%got, \%want, "$v: $app: every sample equals pool_stats");
	}
	my %a = got($m, 'ops-ms-a', $db, 'postgres');
	is($a{"lifeguard_transactions_total\0application=ops-ms-a,database=$db,outcome=commit,role=postgres"}, 300,
		"$v: ops-ms-a: 300 commits");
	is($a{"lifeguard_transactions_total\0application=ops-ms-a,database=$db,outcome=rollback,role=postgres"}, 3,
		"$v: ops-ms-a: 3 rollbacks");
	my %f = got($m, 'ops-ms-f', $db, 'ops_ms_r3');
	is($f{"lifeguard_connections_refused_total\0application=ops-ms-f,cause=role_limit,database=$db,role=ops_ms_r3"}, 2,
		"$v: ops-ms-f: refused twice by the role's limit");
	ok($f{"lifeguard_last_refused_timestamp_seconds\0application=ops-ms-f,database=$db,role=ops_ms_r3"} > 1.7e9,
		"$v: ops-ms-f: when it was last refused");
	my %d = got($m, 'ops-ms-d', $db, 'ops_ms_r2');
	ok($d{"lifeguard_longest_transaction_seconds\0application=ops-ms-d,database=$db,role=ops_ms_r2"} >= 0.2,
		"$v: ops-ms-d: its 0.2 s transaction");
	my ($entries, $maxe, $overflowed, $since, $peak) = split /\|/,
		psql('SELECT entries, max_entries, overflowed, extract(epoch FROM since), peak_connections FROM pool_stats_info()', %P);
	is(samples($m, 'lifeguard_stats_entries')->{''}, $entries, "$v: lifeguard_stats_entries");
	is(samples($m, 'lifeguard_stats_max_entries')->{''}, $maxe, "$v: lifeguard_stats_max_entries");
	is(samples($m, 'lifeguard_stats_overflowed_total')->{''}, $overflowed, "$v: lifeguard_stats_overflowed_total");
	ok(abs(samples($m, 'lifeguard_stats_reset_timestamp_seconds')->{''} - $since) < 0.001,
		"$v: lifeguard_stats_reset_timestamp_seconds");
	is(samples($m, 'lifeguard_stats_peak_connections')->{''}, $peak, "$v: lifeguard_stats_peak_connections");

	# --- at most two by name, the others summed ---------------------------------
	$m = scrape($v, '--max-applications', 2);
	@rows = sql_rows();
	%apps = map { $_->{application_name} => 1 } @rows;
	my %named = map { my %l = map { split /=/, $_, 2 } split /,/; ($l{application} => 1) }
		keys %{ samples($m, 'lifeguard_sessions_opened_total') };
	is_deeply(\%named, {'ops-ms-a' => 1, 'ops-ms-b' => 1, other => 1}, "$v: the two most active keep their names");
	is(samples($m, 'lifeguard_stats_applications_other')->{''}, scalar(keys %apps) - 2,
		"$v: the other applications are counted");
	for my $app (qw(ops-ms-a ops-ms-b)) {
		my %want = expected($app, grep { $_->{application_name} eq $app } @rows);
		my %got = got($m, $app, $db, 'postgres');
		same_samples(\%got, \%want, "$v: --max-applications 2: $app as before");
	}
	for my $role (qw(ops_ms_r2 ops_ms_r3)) {
		my @mine = grep { $_->{role} eq $role } @rows;
		ok(@mine == 2 && !grep({ !$QUIET{$_->{application_name}} } @mine), "$v: ${role}: two quiet applications");
		my %want = expected('other', @mine);
		my %got = got($m, 'other', $db, $role);
		same_samples(\%got, \%want, "$v: --max-applications 2: ${role}'s applications summed as other");
	}
	my %r3 = got($m, 'other', $db, 'ops_ms_r3');
	my $l3 = "application=other,database=$db,role=ops_ms_r3";
	is($r3{"lifeguard_connections\0$l3"}, 1, "$v: ops_ms_r3's other: ops-ms-e's connection");
	is($r3{"lifeguard_connections_refused_total\0application=other,cause=role_limit,database=$db,role=ops_ms_r3"}, 2, "$v: ops_ms_r3's other: ops-ms-f's refusals");
	is($r3{"lifeguard_peak_connections\0$l3"}, 1, "$v: ops_ms_r3's other: the highest peak");
	my %other = got($m, 'other', $db, 'postgres');
	ok($other{"lifeguard_sessions_opened_total\0application=other,database=$db,role=postgres"} >= 2,
		"$v: postgres's other holds the CLI's and the check's sessions");

	# --max-applications 0: every application is other
	$m = scrape($v, '--max-applications', 0);
	%named = map { my %l = map { split /=/, $_, 2 } split /,/; ($l{application} => 1) }
		keys %{ samples($m, 'lifeguard_sessions_opened_total') };
	is_deeply(\%named, {other => 1}, "$v: --max-applications 0: only other");
	my ($rc, $out, $err) = ops_cli($v, \%CLI_ENV, 'metrics', '--max-applications', 10001);
	is($rc, 2, "$v: --max-applications 10001: exit 2");
	like($err, qr/\Alifeguard metrics: invalid --max-applications "10001": out of range; expected an integer from 0 to 10000\n\z/,
		"$v: --max-applications 10001: the message");
}

# ---------------------------------------------------------------------------
# served: the names chosen stay until a reset

sub named_in {
	my ($text) = @_;
	my $m = parse_exposition($text);
	my %named = map { my %l = map { split /=/, $_, 2 } split /,/; ($l{application} => 1) }
		keys %{ samples($m, 'lifeguard_sessions_opened_total') };
	return join(',', sort keys %named);
}

$exporter = start_exporter('asan', {APP_NAME => 'ops-ms-cli', DATABASE_URL => url_for(port => $c->{port})},
	'--max-applications', 2);
my ($st, $body) = http_get($exporter->{url});
is($st, 200, 'served: 200');
is(named_in($body), 'ops-ms-a,ops-ms-b,other', 'served: the two most active are named');
# a busier application appears
run_psql('ops-ms-g', 'postgres', "SELECT 1;\n" x 1000);
my ($rc1, $once) = ops_cli('opt', \%CLI_ENV, 'metrics', '--max-applications', 2);
is(named_in($once), 'ops-ms-a,ops-ms-g,other', 'printed once: the two most active now');
($st, $body) = http_get($exporter->{url});
is(named_in($body), 'ops-ms-a,ops-ms-b,other', 'served: the names stay; ops-ms-g is in other');
my $m = parse_exposition($body);
my $other = samples($m, 'lifeguard_transactions_total')->{"application=other,database=$db,outcome=commit,role=postgres"};
ok($other >= 1000, "served: other's commits grew by ops-ms-g's ($other)");
# a reset: rows without a connection go, the names are chosen again
psql('SELECT pool_stats_reset()', %P, app => $CHECK);
($st, $body) = http_get($exporter->{url});
is($st, 200, 'served after a reset: 200');
my $after = named_in($body);
unlike($after, qr/ops-ms-a|ops-ms-b|ops-ms-g/, "served after a reset: chosen again among the rows left ($after)");
my $ec = stop_exporter($exporter, 'INT');
undef $exporter;
is($ec, 0, 'the exporter stops on SIGINT with exit 0');

done_testing();
