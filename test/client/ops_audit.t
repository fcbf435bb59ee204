# ops_audit.t: `lifeguard audit`.  After pooling_audit_reset() nothing is
# recorded and --fail-on-hazards exits 0; after hazards recorded by two
# applications it exits 1, and the JSON report is checked field by field
# against pooling_audit and pooling_audit_info().  The cluster that does not
# preload lifeguard and a database without the extension exit 2; nothing
# listening exits 3.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(psql free_port);
use LGClient qw(binaries sanitizer_clean);
use LGOps qw(ops_cli);

my $json = JSON::PP->new;
my $TS = q{to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')};

psql('DROP DATABASE IF EXISTS ops_audit_noext');
psql('CREATE DATABASE ops_audit_noext');
END { eval { psql('DROP DATABASE IF EXISTS ops_audit_noext') } }

# a SQL_ASCII database and a role whose name is not valid UTF-8 (0xe9), for
# rows the CLI cannot print as they are
sub ascii_sql {
	my ($sql, %o) = @_;
	my ($rc, $out, $err) = LG::run_cmd(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
		'-d', 'ops_audit_ascii', ($o{user} ? ('-U', $o{user}) : ())],
		stdin => $sql, env => {PGCLIENTENCODING => 'SQL_ASCII', PGAPPNAME => $o{app}});
	die "psql failed: $err" if $rc != 0;
	return $out;
}
psql('DROP DATABASE IF EXISTS ops_audit_ascii');
psql(q{CREATE DATABASE ops_audit_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0});
ascii_sql(qq{DROP ROLE IF EXISTS "ops_caf\xe9"; CREATE ROLE "ops_caf\xe9" LOGIN; CREATE EXTENSION lifeguard});
END { eval { ascii_sql(qq{DROP ROLE IF EXISTS "ops_caf\xe9"}); psql('DROP DATABASE IF EXISTS ops_audit_ascii') } }

# the safe alternatives the report must give (the hazards of docs/transaction-pooling.md)
my %alternative = (
	set => qr/SET LOCAL/, prepare => qr/unnamed statement/, protocol_prepare => qr/unnamed statements/,
	listen => qr/direct, unpooled connection/, advisory_lock => qr/pg_advisory_xact_lock/,
	temp_table => qr/ON COMMIT DROP/, with_hold_cursor => qr/without WITH HOLD/,
	load => qr/session_preload_libraries/,
);

for my $variant (binaries()) {
	my $v = $variant->[0];

	# --- nothing recorded -------------------------------------------------------
	psql('SELECT pooling_audit_reset()');
	my ($rc, $out, $err) = ops_cli($v, {}, 'audit', '--fail-on-hazards');
	is($rc, 0, "$v: clean: --fail-on-hazards exits 0") or diag $err;
	ok(sanitizer_clean($err), "$v: no sanitizer report");
	like($out, qr/\ANo pooling hazards recorded in database \Q$ENV{PGDATABASE}\E since \S+ \(0 of \d+ entries used, 0 dropped\)\n\z/,
		"$v: clean: one line");
	($rc, $out, $err) = ops_cli($v, {}, 'audit', '--json');
	is($rc, 0, "$v: clean json: exit 0");
	my $o = $json->decode($out);
	is_deeply($o->{applications}, [], "$v: clean json: no applications");
	ok(JSON::PP::is_bool($o->{hazards_recorded}) && !$o->{hazards_recorded}, "$v: clean json: hazards_recorded false");

	# --- hazards recorded by two applications -----------------------------------
	psql(q{SET work_mem = '8MB'; SET work_mem = '9MB'; SELECT pg_advisory_lock(7); SELECT pg_advisory_unlock(7)},
		app => 'ops-audit-web');
	psql(q{LISTEN ops_audit_channel; CREATE TEMP TABLE ops_audit_tmp (a int)}, app => 'ops-audit-worker');
	($rc, $out, $err) = ops_cli($v, {}, 'audit');
	is($rc, 0, "$v: hazards without --fail-on-hazards: exit 0") or diag $err;
	($rc, $out, $err) = ops_cli($v, {}, 'audit', '--fail-on-hazards');
	is($rc, 1, "$v: hazards with --fail-on-hazards: exit 1");
	like($out, qr/^\d+ pooling hazards? recorded by \d+ applications? since /, "$v: text: summary first");
	like($out, qr/^ops-audit-web\n  set\s+2 x  last seen \S+  \(role \Q$ENV{PGUSER}\E, database \Q$ENV{PGDATABASE}\E\)\n      first: .*\n      instead: .*SET LOCAL/m,
		"$v: text: ops-audit-web, set twice, with the alternative");
	like($out, qr/^ops-audit-worker\n/m, "$v: text: ops-audit-worker");

	($rc, $out, $err) = ops_cli($v, {}, 'audit', '--json', '--fail-on-hazards');
	is($rc, 1, "$v: json: exit 1");
	$o = eval { $json->decode($out) };
	ok($o, "$v: json parses") or diag $out;
	my ($entries, $maxe, $dropped, $since) = split /\|/,
		psql("SELECT entries, max_entries, dropped, " . sprintf($TS, 'since') . " FROM pooling_audit_info()");
	is($o->{database}, $ENV{PGDATABASE}, "$v: json: database");
	is($o->{entries}, $entries, "$v: json: entries");
	is($o->{max_entries}, $maxe, "$v: json: max_entries");
	is($o->{dropped}, $dropped, "$v: json: dropped");
	is($o->{since}, $since, "$v: json: since");
	ok($o->{hazards_recorded}, "$v: json: hazards_recorded");

	my @rows = map { [split /\|/, $_, -1] } split /\n/, psql(
		"SELECT application_name, hazard, database, role, count, " . sprintf($TS, 'first_seen') . ", "
		. sprintf($TS, 'last_seen') . ", coalesce(sample, '<null>'), coalesce(client, '<null>'), failures, hint"
		. " FROM pooling_audit ORDER BY application_name NULLS LAST, count DESC, hazard, database, role, client");
	my @expect;
	for my $r (@rows) {
		push @expect, {application_name => $r->[0], hazards => []}
			if !@expect || $expect[-1]{application_name} ne $r->[0];
		push @{ $expect[-1]{hazards} }, {hazard => $r->[1], database => $r->[2], role => $r->[3],
			count => $r->[4], first_seen => $r->[5], last_seen => $r->[6],
			sample => $r->[7] eq '<null>' ? undef : $r->[7],
			client => $r->[8] eq '<null>' ? undef : $r->[8], failures => $r->[9],
			safe_alternative => $r->[10]};
	}
	my @got = map { {application_name => $_->{application_name}, hazards => $_->{hazards}} }
		@{ $o->{applications} };
	is_deeply(\@got, \@expect,
		"$v: json: every hazard as pooling_audit has it (client, failures, the server's hint), grouped by application");
	my %byapp = map { $_->{application_name} => { map { $_->{hazard} => $_ } @{ $_->{hazards} } } }
		@{ $o->{applications} };
	is($byapp{'ops-audit-web'}{set}{count}, 2, "$v: json: two SETs");
	ok($byapp{'ops-audit-web'}{advisory_lock}, "$v: json: the advisory lock");
	ok($byapp{'ops-audit-worker'}{listen}, "$v: json: the LISTEN");
	ok($byapp{'ops-audit-worker'}{temp_table}, "$v: json: the temp table");
	# one source of truth: the alternative is the hint the server gives
	# when lifeguard.enforce = error refuses the same statement
	for my $h (['ops-audit-web', 'set', q{SET work_mem = '8MB'}],
			['ops-audit-web', 'advisory_lock', 'SELECT pg_advisory_lock(7)'],
			['ops-audit-worker', 'listen', 'LISTEN ops_audit_channel'],
			['ops-audit-worker', 'temp_table', 'CREATE TEMP TABLE ops_audit_tmp (a int)']) {
		my ($prc, undef, $perr) = LG::run_cmd(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', $h->[2]],
			env => {PGOPTIONS => '-c lifeguard.enforce=error', PGAPPNAME => 'ops-audit-enforced'});
		my ($hint) = $perr =~ /^HINT:\s+(.*)$/m;
		ok($prc != 0 && defined $hint, "$v: enforce=error refuses $h->[1] with a hint") or diag $perr;
		is($byapp{$h->[0]}{$h->[1]}{safe_alternative}, $hint, "$v: $h->[1]: the alternative is the server's hint");
	}
	for my $app (values %byapp) {
		for my $h (values %$app) {
			like($h->{safe_alternative} // '', $alternative{$h->{hazard}},
				"$v: json: safe alternative for $h->{hazard}");
		}
	}

	# one source of truth: every alternative is the hint of the hazard table
	my %table = map { split /\|/, $_, 2 } split /\n/, psql('SELECT hazard, hint FROM pooling_hazard_texts()');
	is_deeply([sort keys %table], [sort keys %alternative], "$v: the hazard table has the contract's hazards");
	for my $app (values %byapp) {
		for my $h (values %$app) {
			is($h->{safe_alternative}, $table{$h->{hazard}}, "$v: json: $h->{hazard}: the alternative is the table's hint");
		}
	}

	# --- a row that is not valid UTF-8 is printed, with the problem stated --
	ascii_sql(q{SET work_mem = '1MB'}, user => "ops_caf\xe9", app => 'ops-audit-bytes');
	($rc, $out, $err) = ops_cli($v, {_db => 'ops_audit_ascii'}, 'audit', '--json');
	is($rc, 0, "$v: SQL_ASCII database: exit 0") or diag $err;
	$o = eval { $json->decode($out) };
	my ($bytes) = grep { $_->{application_name} eq 'ops-audit-bytes' } @{ $o->{applications} || [] };
	ok($bytes, "$v: json: the row whose role name is not UTF-8 is not dropped");
	is($bytes && $bytes->{hazards}[0]{role}, 'ops_caf\\xe9', "$v: json: its bytes are shown as \\xNN");
	like($bytes ? $bytes->{hazards}[0]{problem} // '' : '', qr/^not valid UTF-8/, "$v: json: with the problem stated");
	is(scalar(map { @{ $_->{hazards} } } @{ $o->{applications} || [] }),
		psql(q{SELECT count(*) FROM pooling_audit}), "$v: json: every row of pooling_audit");
	($rc, $out, $err) = ops_cli($v, {_db => 'ops_audit_ascii'}, 'audit');
	like($out, qr/^ops-audit-bytes\n  set .*\(role ops_caf\\xe9, .*\n(?:      .*\n)*      note: not valid UTF-8/m,
		"$v: text: the row, its bytes as \\xNN, and a note");

	# --- a driver's hazard: its client, its own fix; the failures a pooler caused
	psql(q{SET extra_float_digits = 3}, app => 'ops-audit-jdbc');
	LG::run_cmd(['psql', '-X', '-q', '-c', 'EXECUTE ops_audit_gone'], env => {PGAPPNAME => 'ops-audit-jdbc'});
	($rc, $out, $err) = ops_cli($v, {}, 'audit');
	like($out, qr/^\(application unknown: see docs\/drivers.md\)\n  set\s+\d+ x  last seen \S+  \(role \S+, database \S+, client pgjdbc\)\n      first: SET extra_float_digits = 3\n      instead: pgjdbc: add assumeMinServerVersion=9\.0/m,
		"$v: text: pgjdbc's connect-time SET, sent before it names its application: the driver named, its own fix as what to do instead");
	like($out, qr/^  prepare\s+0 x  .*\n      first: prepared statement "ops_audit_gone" does not exist\n      failed: 1 prepared-statement error a pooler caused \(26000, 42P05\)\n/m,
		"$v: text: a failure with no statement of its own: counted, with the error as its sample");
	($rc, $out, $err) = ops_cli($v, {}, 'audit', '--json');
	$o = eval { $json->decode($out) } || {};
	my ($unknown) = grep { !defined $_->{application_name} } @{ $o->{applications} || [] };
	my ($jdbc) = grep { ($_->{application_name} // '') eq 'ops-audit-jdbc' } @{ $o->{applications} || [] };
	my %uh = map { $_->{hazard} => $_ } @{ $unknown ? $unknown->{hazards} : [] };
	my %jh = map { $_->{hazard} => $_ } @{ $jdbc ? $jdbc->{hazards} : [] };
	is($uh{set} && $uh{set}{client}, 'pgjdbc', "$v: json: client, under application_name null");
	is($jh{prepare} && $jh{prepare}{failures}, 1, "$v: json: failures");
	psql('SELECT pooling_audit_reset()');

	# --- not preloaded, no extension, cannot connect, bad usage -------------------
	($rc, $out, $err) = ops_cli($v, {_port => $ENV{LG_NOPRELOAD_PORT}}, 'audit');
	is($rc, 2, "$v: not preloaded: exit 2");
	is($out, '', "$v: not preloaded: nothing on stdout");
	like($err, qr/\Alifeguard audit: the server does not preload lifeguard, so there is no pooling audit; add lifeguard to shared_preload_libraries and restart the server\n\z/,
		"$v: not preloaded: one clear line");
	($rc, $out, $err) = ops_cli($v, {_port => $ENV{LG_NOPRELOAD_PORT}}, 'audit', '--fail-on-hazards', '--json');
	is($rc, 2, "$v: not preloaded, --fail-on-hazards: still exit 2");
	($rc, $out, $err) = ops_cli($v, {_db => 'ops_audit_noext'}, 'audit');
	is($rc, 2, "$v: no extension: exit 2");
	like($err, qr/\Alifeguard audit: the lifeguard extension is not installed in database "ops_audit_noext"/,
		"$v: no extension: one line");
	my $port = free_port();
	($rc, $out, $err) = ops_cli($v, {DATABASE_URL => "postgresql://postgres:auditpw99\@127.0.0.1:$port/x"}, 'audit');
	is($rc, 3, "$v: cannot connect: exit 3");
	like($err, qr/\Alifeguard audit: could not connect to postgresql:\/\/postgres:\*\*\*\*\@.*\n\z/, "$v: cannot connect: one line");
	unlike($err, qr/auditpw99/, "$v: cannot connect: no password");
	($rc, $out, $err) = ops_cli($v, {}, 'audit', '--bogus');
	is($rc, 2, "$v: unknown option: exit 2");
}
psql('SELECT pooling_audit_reset()');

done_testing();
