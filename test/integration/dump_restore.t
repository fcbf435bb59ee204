# dump_restore.t: pg_dump / restore round trips of databases that use
# lifeguard, with the extension in public and in a schema of its own; the
# custom format restored by pg_restore, the plain format by psql.  The
# restored database must have the same rows, the same extension (member by
# member, with a privilege the user granted on one of its functions), no
# configuration tables, and a working DEFAULT gen_prefixed_id('ws'), view
# over pool_usage and functions that call the extension; and a table keyed
# by the prefixed_id type, with its rows, order, DEFAULT and indexes.  pg_dump,
# pg_restore and psql are those of the server's major (the harness copies
# them into its private bin directory, LG_BINDIR).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use File::Temp qw(tempdir);
use LG qw(psql run_cmd control);
use LGExtension qw(same_members create_dependents check_dependents create_prefixed_dependents
	check_prefixed_dependents);

my $current = control()->{default_version};
my $bindir = $ENV{LG_BINDIR} or die "LG_BINDIR is not set (run through test/harness.sh)\n";
my $major = int(psql('SHOW server_version_num') / 10000);
for my $tool (qw(pg_dump pg_restore psql)) {
	my (undef, $out) = run_cmd(["$bindir/$tool", '--version']);
	like($out, qr/^\Q$tool\E \(PostgreSQL\) \Q$major\E[.\s]/, "$tool is of the server's major, $major");
}
my $dir = tempdir('dump.XXXXXX', DIR => $ENV{LG_TMP}, CLEANUP => 1);
my @conn = ('-h', $ENV{PGHOST}, '-p', $ENV{PGPORT}, '-U', $ENV{PGUSER});

psql('CREATE ROLE lg_dump_operator NOLOGIN', db => 'postgres');

for my $schema ('', 'ids') {
	my $where = $schema || 'public';
	my $s = $schema ? "$schema." : '';
	my %src = (db => "lg_dump_$where");
	psql("CREATE DATABASE $src{db}", db => 'postgres');
	psql($schema ? "CREATE SCHEMA $schema; CREATE EXTENSION lifeguard SCHEMA $schema" : 'CREATE EXTENSION lifeguard',
		%src);
	create_dependents($schema, %src);
	create_prefixed_dependents($schema, %src);
	psql("GRANT EXECUTE ON FUNCTION ${s}pooling_audit_reset() TO lg_dump_operator", %src);
	my $rows = psql('SELECT id, name FROM workspace ORDER BY id', %src);
	my $accounts = psql('SELECT id::text, workspace::text, name FROM account ORDER BY 1', %src);

	for my $format ('custom', 'plain') {
		my $name = "extension in $where, $format format";
		my %dst = (db => "lg_restore_${where}_$format");
		my $file = "$dir/$src{db}.$format";
		my ($rc, $out, $err) = run_cmd(["$bindir/pg_dump", @conn, '--format', $format, '--file', $file, $src{db}]);
		is($rc, 0, "$name: pg_dump") or diag($err);
		if ($format eq 'plain') {
			my $sql = do { local (@ARGV, $/) = $file; <> };
			like($sql, qr/^CREATE EXTENSION IF NOT EXISTS lifeguard WITH SCHEMA \Q$where\E;$/m,
				"$name: the dump creates the extension by name, schema and no version");
			unlike($sql, qr/^CREATE (?:OR REPLACE )?FUNCTION \Q$where\E\.gen_prefixed_id/m,
				"$name: ... not its objects");
		}
		psql("CREATE DATABASE $dst{db} TEMPLATE template0", db => 'postgres');
		($rc, $out, $err) = $format eq 'custom'
			? run_cmd(["$bindir/pg_restore", @conn, '--exit-on-error', '--dbname', $dst{db}, $file])
			: run_cmd(["$bindir/psql", '-X', '-q', @conn, '-v', 'ON_ERROR_STOP=1', '--dbname', $dst{db}, '--file', $file]);
		is($rc, 0, "$name: restored") or diag($err);
		is($err, '', "$name: restored without a message");

		is(psql(q{SELECT extversion || ' in ' || extnamespace::regnamespace || ', configuration tables '
			|| coalesce(extconfig::regclass[]::text, 'none') FROM pg_extension WHERE extname = 'lifeguard'}, %dst),
			"$current in $where, configuration tables none", "$name: the extension, no configuration tables");
		is(psql('SELECT id, name FROM workspace ORDER BY id', %dst), $rows, "$name: the rows");
		is(psql('SELECT id::text, workspace::text, name FROM account ORDER BY 1', %dst), $accounts,
			"$name: the rows keyed by prefixed_id");
		same_members("$name: the extension is the dumped one, member by member",
			{%src, label => 'dumped'}, {%dst, label => 'restored'});
		is(psql("SELECT has_function_privilege('lg_dump_operator', '${s}pooling_audit_reset()', 'EXECUTE')", %dst),
			't', "$name: the privilege granted on pooling_audit_reset()");
		check_dependents($name, $schema, %dst);
		check_prefixed_dependents($name, $schema, %dst);
		psql("DROP DATABASE $dst{db}", db => 'postgres');
	}
	psql("DROP DATABASE $src{db}", db => 'postgres');
}
psql('DROP ROLE lg_dump_operator', db => 'postgres');

done_testing();
