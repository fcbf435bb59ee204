# upgrade.t: ALTER EXTENSION lifeguard UPDATE from every earlier release
# whose install script is kept in test/fixtures (the harness copies them
# into its private installation only), on the preloaded cluster and on the
# one without preloading.  Objects that depend on the extension are made
# under the old version and must still work after the update, and the
# updated extension must be exactly a fresh CREATE EXTENSION lifeguard:
# every member object, its definition, privileges and comments (a release
# that changes the install script but forgets the upgrade script fails here,
# with a diff).  The types a release adds (such as prefixed_id) work in the
# updated database: a table keyed by one, filled from the old table's ids.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use LG qw(psql control);
use LGExtension qw(members members_sql same_members create_dependents check_dependents
	create_prefixed_dependents check_prefixed_dependents);

my $current = control()->{default_version};
my @old = sort map { m{/lifeguard--((?:(?!--)[^/])+)\.sql$} ? $1 : () }
	glob("$ENV{LG_ROOT}/test/fixtures/lifeguard--*.sql");
ok(scalar(@old), 'earlier releases to upgrade from: ' . join(', ', @old));
ok(!grep({ $_ eq $current } @old), "no fixture for the current version $current (sql/parts makes it)");

my @clusters = (['preloaded', $ENV{PGPORT}], ['not preloaded', $ENV{LG_NOPRELOAD_PORT}]);
die "LG_NOPRELOAD_PORT is not set (run through test/harness.sh)\n" unless $ENV{LG_NOPRELOAD_PORT};

for my $c (@clusters) {
	my ($cluster, $port) = @$c;
	my %fresh = (port => $port, db => 'lg_upgrade_fresh');
	psql("CREATE DATABASE $fresh{db}", port => $port, db => 'postgres');
	psql('CREATE EXTENSION lifeguard', %fresh);
	is(psql(q{SELECT extversion FROM pg_extension WHERE extname = 'lifeguard'}, %fresh), $current,
		"$cluster: a fresh CREATE EXTENSION installs $current");

	for my $from (@old) {
		my $name = "$cluster, from $from";
		my %db = (port => $port, db => 'lg_upgrade_from_' . ($from =~ tr/.-/__/r));
		psql("CREATE DATABASE $db{db}", port => $port, db => 'postgres');
		psql("CREATE EXTENSION lifeguard VERSION '$from'", %db);
		is(psql(q{SELECT extversion FROM pg_extension WHERE extname = 'lifeguard'}, %db), $from,
			"$name: CREATE EXTENSION lifeguard VERSION '$from'");
		like(psql(qq{SELECT path FROM pg_extension_update_paths('lifeguard')
			WHERE source = '$from' AND target = '$current'}, %db), qr/^\Q$from\E--(?:.+--)?\Q$current\E$/,
			"$name: an upgrade path to $current");

		create_dependents('', %db);
		my $rows = psql('SELECT id, name FROM workspace ORDER BY id', %db);
		like($rows, qr/\A(?:ws_[a-z][0-9a-z]{23}\|w\d\n?){5}\z/, "$name: the old version makes ids with this library");
		is(psql(q{SELECT count(*) FROM my_pools WHERE database = current_database()}, %db), 1,
			"$name: the old version's pool_usage works with this library");
		if ($cluster eq 'preloaded') {
			psql(q{SET application_name = 'lg-upgrade-old'; SET work_mem = '9MB'}, %db);
			is(psql(q{SELECT hazard || '=' || count FROM pooling_audit WHERE application_name = 'lg-upgrade-old' AND database = current_database()}, %db),
				'set=1', "$name: the old version's pooling_audit works with this library");
		}
		psql('ALTER EXTENSION lifeguard UPDATE', %db);
		is(psql(q{SELECT extversion FROM pg_extension WHERE extname = 'lifeguard'}, %db), $current,
			"$name: ALTER EXTENSION lifeguard UPDATE reaches $current");
		is(psql('SELECT id, name FROM workspace ORDER BY id', %db), $rows, "$name: the table's rows are unchanged");
		check_dependents($name, '', %db);
		create_prefixed_dependents('', %db);
		check_prefixed_dependents($name, '', %db);
		same_members("$name: the updated extension is a fresh CREATE EXTENSION lifeguard, object for object",
			{%db, label => "updated from $from"}, {%fresh, label => 'fresh install'});
		psql("DROP DATABASE $db{db}", port => $port, db => 'postgres');
	}

	# the comparison sees what an upgrade script can get wrong: each change,
	# made to the fresh database and rolled back, is a difference (a fact
	# that appears, changes or goes)
	my $baseline = members(%fresh);
	for my $change (
		['a privilege', 'REVOKE EXECUTE ON FUNCTION gen_cuid2(integer) FROM PUBLIC', qr/gen_cuid2.*privileges/],
		['a volatility', 'ALTER FUNCTION is_cuid2(text) STABLE', qr/is_cuid2.*attributes: .*volatility s/],
		['a comment', q{COMMENT ON VIEW pool_usage IS 'changed'}, qr/pool_usage \| comment 0: changed/],
		['a view', 'CREATE OR REPLACE VIEW pool_usage AS SELECT *, 1 AS extra FROM pool_usage()', qr/pool_usage \| column \d+: extra/],
		['a missing function', 'ALTER EXTENSION lifeguard DROP FUNCTION cuid2_hash(text); DROP FUNCTION cuid2_hash(text)',
			qr/extension \| members/],
		['an operator', 'ALTER OPERATOR = (prefixed_id, prefixed_id) SET (JOIN = scalarltjoinsel)', qr/=\(\S*prefixed_id,\S*prefixed_id\) \| operator: .*join scalarltjoinsel/],
		['an operator class', 'ALTER OPERATOR FAMILY prefixed_id_ops USING btree DROP FUNCTION 2 (prefixed_id, prefixed_id)',
			qr/prefixed_id_ops for access method btree \| support 2: \S*prefixed_id_sortsupport/],
		['a cast', 'ALTER EXTENSION lifeguard DROP CAST (varchar AS prefixed_id); DROP CAST (varchar AS prefixed_id)', qr/extension \| members/],
	) {
		my ($what, $sql, $shows) = @$change;
		my $changed = psql("BEGIN; $sql; " . members_sql() . ' ROLLBACK;', %fresh) . "\n";
		isnt($changed, $baseline, "$cluster: the comparison sees $what");
		my %base = map { $_ => 1 } split /\n/, $baseline;
		my %now = map { $_ => 1 } split /\n/, $changed;
		my @diff = ((grep { !$base{$_} } split /\n/, $changed), (grep { !$now{$_} } split /\n/, $baseline));
		ok(scalar(grep { /$shows/ } @diff), "$cluster: ... and names it")
			or diag(join "\n", @diff);
	}
	is(members(%fresh), $baseline, "$cluster: (the changes were rolled back)");
	psql("DROP DATABASE $fresh{db}", port => $port, db => 'postgres');
}

done_testing();
