# shared_cluster.t: no test changes the configuration of a cluster that
# other tests run on.  A test that needs server settings of its own starts
# a cluster of its own (LG::start_cluster, test/lib/cluster.sh), so outside
# that helper no test file runs ALTER SYSTEM, pg_reload_conf() or pg_ctl,
# signals a postmaster, or looks for the shared cluster's configuration
# files (data_directory, config_file, hba_file, a postgresql.conf under
# LG_DATA; its server log may be read), and a page of the
# documentation whose examples (run by docs.t) change server settings runs
# on a cluster of docs.t's own.  Read from the files' text, comments left
# out; the harness also checks, after the tests, that no shared cluster was
# restarted, reloaded or reconfigured.
use strict;
use warnings;
use Test::More;
use File::Find;

my $root = $ENV{LG_ROOT};

my @rules = (
	['ALTER SYSTEM', qr/\bALTER\s+SYSTEM\b/i],
	['pg_reload_conf()', qr/\bpg_reload_conf\b/i],
	['pg_ctl', qr{/pg_ctl\b|['"]pg_ctl['"]|\bpg_ctl\s+-}],
	['a signal to a postmaster', qr/\bSIGHUP\b|\bkill\s+-(?:HUP|1)\b|\bkill\s*\(?\s*['"]?(?:HUP|1)['"]?\s*,/],
	['the shared cluster\'s configuration files',
		qr/\b(?:data_directory|config_file|hba_file|ident_file)\b|\bLG_DATA\b.*\b(?:postgresql(?:\.auto)?|pg_hba|pg_ident)\.conf\b/],
);

# the rules' names a line breaks
sub broken {
	my ($line) = @_;
	return map { $line =~ $_->[1] ? $_->[0] : () } @rules;
}

# the rules catch what the tests did before they had clusters of their own
for my $case (
	[q{psql('ALTER SYSTEM SET lifeguard.audit_max_entries = 10', db => 'postgres');}, 'ALTER SYSTEM'],
	[q{psql("alter system set shared_preload_libraries = $list");}, 'ALTER SYSTEM'],
	[q{	my ($rc, $out, $err) = run_cmd([as_pg_cmd(), "$ENV{LG_BINDIR}/pg_ctl", '-D', $ENV{LG_DATA},}, 'pg_ctl'],
	[q{		@runas, "$ENV{LG_BINDIR}/pg_ctl", '-D', $c->{data}, '-l', $c->{log}, @args]);}, 'pg_ctl'],
	[q{(cd "$LG_TMP" && as_pg pg_ctl -D "$d" reload)}, 'pg_ctl'],
	[q{SELECT pg_reload_conf();}, 'pg_reload_conf()'],
	[q{kill 'HUP', $postmaster_pid;}, 'a signal to a postmaster'],
	[q{		unlink "$ENV{LG_DATA}/postgresql.auto.conf";}, 'the shared cluster\'s configuration files'],
	[q{my $conf = psql('SHOW config_file');}, 'the shared cluster\'s configuration files'],
) {
	my ($line, $rule) = @$case;
	ok((grep { $_ eq $rule } broken($line)), "the rule on $rule catches: $line");
}
is_deeply([broken(q{		is($prc, 0, "[$v] restart: pg_ctl restart") or diag("$pout$perr");})], [],
	'a test\'s name that mentions pg_ctl breaks no rule');
is_deeply([broken(q{my $SERVER_LOG = dirname($ENV{LG_DATA}) . '/server.log';})], [],
	'reading the shared cluster\'s server log breaks no rule');

# every test file but the helper and the harness that uses it
my %exempt = map { $_ => 1 } qw(test/lib/cluster.sh test/harness.sh test/matrix.sh
	test/integration/shared_cluster.t);
my (%found, $files);
find({ no_chdir => 1, wanted => sub {
	my $rel = substr($File::Find::name, length($root) + 1);
	if (-d $_) {
		$File::Find::prune = 1 if $rel =~ m{(?:^|/)(?:node_modules|fixtures)$};
		return;
	}
	return unless $rel =~ m{\.(?:t|pm|sql|sh|c|h|js|mjs|cjs)$} && !$exempt{$rel};
	$files++;
	open my $fh, '<', $_ or die "$rel: $!";
	my $in_c_comment = 0;
	while (my $line = <$fh>) {
		# whole-line comments: #, --, // and /* ... */
		if ($in_c_comment) {
			$in_c_comment = 0 if $line =~ m{\*/};
			next;
		}
		if ($line =~ m{^\s*/\*} && $line !~ m{\*/}) {
			$in_c_comment = 1;
			next;
		}
		next if $line =~ m{^\s*(?:#|--|//|/\*)};
		push @{ $found{$_} }, "$rel:$.: $line" for broken($line);
	}
} }, "$root/test");

cmp_ok($files, '>', 50, "read the test files ($files)");

# the documentation's sql examples run too (docs.t): a page whose examples
# change the server's settings asks for a cluster of docs.t's own
my $settings = qr/\bALTER\s+SYSTEM\b|\bpg_reload_conf\b/i;
my @pages = ('README.md', map { substr($_, length($root) + 1) } glob("$root/docs/*.md"));
my (@unmarked, $changing);
for my $page (@pages) {
	open my $fh, '<', "$root/$page" or die "$page: $!";
	my $text = do { local $/; <$fh> };
	my $changes = grep { /$settings/ } $text =~ /^```sql\n(.*?)^```/msg;
	$changing++ if $changes;
	push @unmarked, $page if $changes && $text !~ /<!--\s*docs-test:\s*own-cluster\s*-->/;
}
ok($changing, 'a page shows how to change a server setting (docs/audit-settings.md)');
ok(!@unmarked, 'every page whose sql examples change server settings runs on a cluster of its own (<!-- docs-test: own-cluster -->)')
	or diag("@unmarked");
for my $rule (@rules) {
	my @lines = @{ $found{ $rule->[0] } // [] };
	ok(!@lines, "no test file outside test/lib/cluster.sh uses $rule->[0]") or diag(join '', @lines);
}
done_testing();
