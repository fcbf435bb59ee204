# pgtap_plans.t: every pgTAP file (test/sql, test/sql_nopreload) declares
# its plan before its first test, so a file that stops early fails.
#
# Read from the files: one SELECT plan(...) and no no_plan(); a file that
# checks :portable (it also runs against the portable edition, with other
# tests) computes its plan from :portable; each includes
# test/lib/pgtap_helpers.sql, which sets ON_ERROR_STOP.  Run, on clusters
# of this test's own (one preloading lifeguard, one not, as the shared
# ones): each file cut short in the middle fails by its plan, whether an
# error stops it there or the rest is skipped and finish() still runs
# (which no_plan() would let pass).  That every plan matches its whole
# file is checked by every run of the suite.
use strict;
use warnings;
use Test::More;
use File::Path qw(make_path);
use LG qw(run_cmd start_cluster);

my $root = $ENV{LG_ROOT};
my @files = map { glob "$root/test/$_/*.sql" } qw(sql sql_nopreload);
cmp_ok(scalar @files, '>=', 7, 'the pgTAP files (' . scalar(@files) . ')');

sub lines_of {
	my ($f) = @_;
	open my $fh, '<', $f or die "$f: $!";
	return <$fh>;
}

# the statements a cut can go before: top-level tests between the plan
# and finish(), outside \if blocks and dollar quotes
sub cut_points {
	my (@lines) = @_;
	my ($depth, $quote, $planned, @at) = (0, undef, 0);
	for my $i (0 .. $#lines) {
		my $l = $lines[$i];
		if (!defined $quote) {
			$depth++ if $l =~ /^\\if\b/;
			$depth-- if $l =~ /^\\endif\b/;
			last if $l =~ /^SELECT \* FROM finish\(\);/;
			$planned = 1 if $l =~ /^SELECT plan\(/;
			push @at, $i if $planned && $depth == 0
				&& $l =~ /^SELECT (?:is|isnt|ok|matches|set_eq|has_\w+|hasnt_\w+)\(/;
		}
		while ($l =~ /\$([A-Za-z_]*)\$/g) {
			if (!defined $quote) { $quote = $1 }
			elsif ($quote eq $1) { undef $quote }
		}
	}
	return @at;
}

my %cut;
for my $f (@files) {
	my $rel = substr($f, length($root) + 1);
	my @lines = lines_of($f);
	my @plan = grep { /^SELECT plan\(/ } @lines;
	is(scalar @plan, 1, "$rel: one SELECT plan(...)");
	ok(!grep({ /\bno_plan\s*\(/ } @lines), "$rel: no no_plan()");
	ok(scalar(grep { m{^\\ir \.\./lib/pgtap_helpers\.sql$} } @lines), "$rel: includes test/lib/pgtap_helpers.sql (ON_ERROR_STOP)");
	if (grep { /^\\if :portable\b/ } @lines) {
		like($plan[0] // '', qr/:'portable'/, "$rel: checks :portable, so its plan is computed from it");
	}
	my @at = cut_points(@lines);
	cmp_ok(scalar @at, '>=', 2, "$rel: tests to cut between");
	$cut{$f} = [\@lines, $at[@at / 2]];
}
# the helpers are no test
my @helper = lines_of("$root/test/lib/pgtap_helpers.sql");
ok(!grep({ /\bplan\s*\(|\bfinish\s*\(/ } @helper), 'test/lib/pgtap_helpers.sql runs no test');

# cut-short copies, next to a copy of the helpers so that \ir finds them
my $dir = "$ENV{LG_TMP}/pgtap_plans-$$";
make_path("$dir/lib", "$dir/sql", "$dir/sql_nopreload");
run_cmd(['cp', "$root/test/lib/pgtap_helpers.sql", "$dir/lib/"]);

my %cluster = (
	sql => start_cluster('pgtap_plans'),
	sql_nopreload => start_cluster('pgtap_plans_nopreload', "shared_preload_libraries = ''"),
);

for my $f (@files) {
	my ($lines, $at) = @{ $cut{$f} };
	my ($sub, $name) = $f =~ m{/(sql|sql_nopreload)/([^/]+)$};
	my $rel = "test/$sub/$name";
	my ($finish) = grep { $lines->[$_] =~ /^SELECT \* FROM finish\(\);/ } 0 .. $#$lines;
	my %variant = (
		error => [@$lines[0 .. $at - 1], "SELECT lg_cut_short();\n", @$lines[$at .. $#$lines]],
		skip => [@$lines[0 .. $at - 1], "\\if false\n", @$lines[$at .. $finish - 1], "\\endif\n",
			@$lines[$finish .. $#$lines]],
	);
	for my $v (qw(error skip)) {
		my $copy = "$dir/$sub/$v-$name";
		open my $fh, '>', $copy or die "$copy: $!";
		print $fh @{ $variant{$v} };
		close $fh;
		my ($rc, $out, $err) = run_cmd(['pg_prove', '--ext', '.sql', $copy],
			env => { PGPORT => $cluster{$sub}{port} });
		my $what = $v eq 'error' ? 'an error in the middle' : 'the second half skipped, finish() run';
		isnt($rc, 0, "$rel, $what: fails");
		my ($planned, $ran) = "$out$err" =~ /planned (\d+) tests? but ran (\d+)/;
		ok(defined $ran && $ran > 0 && $ran < $planned, "$rel, $what: by its plan ("
			. ($planned // '?') . " planned, " . ($ran // '?') . " ran)") or diag("$out$err");
		unlike($out, qr/^not ok/m, "$rel, $what: every test that ran passed");
	}
}

done_testing();
