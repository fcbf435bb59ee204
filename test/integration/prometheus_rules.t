# prometheus_rules.t: the alerting rules shipped for the exporter
# (prometheus/lifeguard.rules.yml) with Debian's promtool: they load
# (`promtool check rules`), they pass their unit tests
# (test/prometheus/lifeguard.rules.test.yml, `promtool test rules`), and
# those tests can fail: a wrong expectation fails them, and so does a rule
# with another threshold.  Every alert has a test in which it fires, and
# every metric the rules use is one docs/cli.md lists.
# (test/integration/prometheus.t loads the same rules into a real
# Prometheus that scrapes the exporter.)
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use LG qw(run_cmd);

my $root = $ENV{LG_ROOT};
my $rules = "$root/prometheus/lifeguard.rules.yml";
my $tests = "$root/test/prometheus/lifeguard.rules.test.yml";
sub slurp { my ($f) = @_; local (@ARGV, $/) = ($f); return scalar <> }

my ($rc, $out, $err) = run_cmd(['promtool', 'check', 'rules', $rules]);
is($rc, 0, 'promtool check rules: exit 0') or diag("$out$err");
my @alerts = slurp($rules) =~ /^\s*- alert: (\w+)$/mg;
like($out, qr/SUCCESS: ${\ scalar @alerts} rules found/, "promtool check rules: the " . @alerts . " alerts");

($rc, $out, $err) = run_cmd(['promtool', 'test', 'rules', $tests]);
is($rc, 0, 'promtool test rules: exit 0') or diag("$out$err");
like($out, qr/SUCCESS/, 'promtool test rules: SUCCESS');

# every alert fires in some test case (a non-empty exp_alerts)
my $t = slurp($tests);
for my $a (@alerts) {
	like($t, qr/alertname: \Q$a\E\n\s+exp_alerts:\n\s+- exp_labels:/, "$a has a test in which it fires");
}

# the tests fail when an expectation or a rule is changed
my $dir = tempdir('rules.XXXXXX', DIR => $ENV{LG_TMP}, CLEANUP => 1);
sub write_file { my ($f, $s) = @_; open my $fh, '>', $f or die "$f: $!"; print $fh $s; close $fh }
(my $wrong = $t) =~ s{\.\./\.\./prometheus/lifeguard\.rules\.yml}{$rules};
$wrong =~ s/summary: "role web uses 100% of its CONNECTION LIMIT"/summary: "role web uses 99% of its CONNECTION LIMIT"/
	or die 'the expectation to change is not in the tests';
write_file("$dir/wrong_expectation.yml", $wrong);
($rc, $out, $err) = run_cmd(['promtool', 'test', 'rules', "$dir/wrong_expectation.yml"]);
is($rc, 1, 'a wrong expectation: promtool test rules fails');
like($out . $err, qr/FAILED.*LifeguardRoleNearConnectionLimit/s, 'a wrong expectation: the alert named');

(my $other = slurp($rules)) =~ s/lifeguard_connections_utilization_ratio > 0\.9/lifeguard_connections_utilization_ratio > 0.96/
	or die 'the threshold to change is not in the rules';
write_file("$dir/lifeguard.rules.yml", $other);
(my $tests_other = $t) =~ s{\.\./\.\./prometheus/lifeguard\.rules\.yml}{$dir/lifeguard.rules.yml};
write_file("$dir/other_threshold.yml", $tests_other);
($rc, $out, $err) = run_cmd(['promtool', 'test', 'rules', "$dir/other_threshold.yml"]);
is($rc, 1, 'a rule with another threshold: promtool test rules fails');
like($out . $err, qr/FAILED.*LifeguardServerNearConnectionLimit/s, 'another threshold: the alert named');

# the metrics the rules use are documented (docs/cli.md's table of metrics)
my $cli_md = slurp("$root/docs/cli.md");
my %used = map { $_ => 1 } slurp($rules) =~ /\b(lifeguard_[a-z_]+)\b/g;
ok(scalar(keys %used) >= 8, 'the rules use the exporter\'s metrics');
for my $m (sort keys %used) {
	like($cli_md, qr/`\Q$m\E`/, "$m is documented in docs/cli.md");
}

done_testing();
