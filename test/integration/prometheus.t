# prometheus.t: the exporter under the real Prometheus from Debian.  A
# cluster of this test's own; `lifeguard metrics --listen` on a free port;
# a Prometheus (as the postgres OS user when root, loopback only, a data
# directory under $LG_TMP, 1 s scrapes and rule evaluations, the shipped
# alerting rules loaded) scraping it.  Then a scenario with known counts:
#
#   prom-api      40 transactions committed
#   prom-worker   25 committed, 5 rolled back
#   prom-refused  refused 3 times by lg_prom_limited's CONNECTION LIMIT 2,
#                 which two sessions of prom-holder use
#
# each application having done a fifth of it before (so that its series
# exists before the scenario, and so that rate()'s extrapolation, which
# stops where a counter would reach zero, is the same for every series).  Prometheus's HTTP API then answers:
# the raw counters equal pool_stats read by SQL; the increase over the
# scenario (the counter now minus the counter at a time before it, no
# extrapolation) is exactly what the scenario did; rate(...[1m]) by
# application names exactly the applications that did something, with
# rates in the scenario's proportions (40 : 25 : 5, as the series share
# their scrapes) and increase(...[1m]) at least the scenario's counts (it
# extrapolates); the alert LifeguardConnectionsRefused fires for
# prom-refused and no one else; every metric the rules use is scraped.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);
use LG qw(psql run_cmd free_port start_cluster wait_until as_pg_cmd);
use LGClient qw(url_for);
use LGOps qw(session stop_sessions wait_states);
use LGStats qw(attempt);
use LGMetrics qw(parse_exposition promtool_check start_exporter stop_exporter http_get);

my $c = start_cluster('prometheus');
my %P = (port => $c->{port});
my $db = $ENV{PGDATABASE};
my ($exporter, $prom_pid);
my $json = JSON::PP->new;

END {
	local $?;
	if ($prom_pid) {
		kill 'TERM', $prom_pid;
		wait_until(sub { !kill(0, $prom_pid) }, 20);
	}
	stop_exporter($exporter) if $exporter;
	stop_sessions();
}

psql(q{CREATE ROLE lg_prom_limited LOGIN CONNECTION LIMIT 2;
	CREATE DATABASE lg_prom_limitdb CONNECTION LIMIT 50}, %P);
psql('SELECT pool_stats_reset()', %P, app => 'prom-check');

# before Prometheus starts: a fifth of the scenario each, and the sessions
# that hold the role's two slots (one idle in a transaction, for the idle
# gauge)
psql("BEGIN; SELECT 1; COMMIT;\n" x 8, %P, app => 'prom-api');
psql("BEGIN; SELECT 1; COMMIT;\n" x 5, %P, app => 'prom-worker');
psql('BEGIN; SELECT 1; ROLLBACK;', %P, app => 'prom-worker');
session(app => 'prom-holder', user => 'lg_prom_limited', port => $c->{port}, sql => 'SELECT 1;');
session(app => 'prom-holder', user => 'lg_prom_limited', port => $c->{port}, sql => 'BEGIN; SELECT 1;');
ok(wait_states({'prom-holder' => 'idle:1,idle in transaction:1'}, %P), 'prom-holder holds the role\'s two slots');
like(attempt(%P, app => 'prom-refused', user => 'lg_prom_limited'), qr/too many connections for role/,
	'prom-refused: refused once before');

# --- the exporter and Prometheus -------------------------------------------------

$exporter = start_exporter('opt', {APP_NAME => 'prom-exporter', DATABASE_URL => url_for(port => $c->{port})});
my ($st, $body) = http_get($exporter->{url});
is($st, 200, 'the exporter serves');
my ($prc, $pout) = promtool_check($body);
is($prc, 0, 'promtool check metrics accepts what it serves') or diag $pout;

my $dir = tempdir('prometheus.XXXXXX', DIR => "$ENV{LG_TMP}/run", CLEANUP => 0);
mkdir "$dir/data" or die $!;
my $rules = do { local (@ARGV, $/) = ("$ENV{LG_ROOT}/prometheus/lifeguard.rules.yml"); <> };
open my $fh, '>', "$dir/lifeguard.rules.yml" or die $!;
print $fh $rules;
close $fh;
my $prom_port = free_port();
open $fh, '>', "$dir/prometheus.yml" or die $!;
print $fh <<"YML";
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $dir/lifeguard.rules.yml
scrape_configs:
  - job_name: lifeguard
    static_configs:
      - targets: ['127.0.0.1:$exporter->{port}']
YML
close $fh;
run_cmd(['chown', '-R', 'postgres', $dir]) if $> == 0;
chmod 0755, $dir;
# its own pid (not runuser's) into a pid file the harness reads on exit
my $pidfile = "$ENV{LG_RUNDIR}/prometheus.$prom_port.pid";
my $launcher = fork // die "fork: $!";
if ($launcher == 0) {
	open STDIN, '<', '/dev/null';
	open STDOUT, '>>', "$dir/prometheus.log";
	open STDERR, '>&', \*STDOUT;
	POSIX::setsid();
	exec(as_pg_cmd(), 'sh', '-c', 'echo $$ > "$0"; exec "$@"', "$dir/pid", 'prometheus',
		"--config.file=$dir/prometheus.yml", "--storage.tsdb.path=$dir/data",
		"--web.listen-address=127.0.0.1:$prom_port", '--storage.tsdb.retention.time=1h',
		'--log.level=warn') or POSIX::_exit(127);
}
wait_until(sub { -s "$dir/pid" }, 20) or BAIL_OUT('prometheus did not start');
$prom_pid = do { local (@ARGV, $/) = ("$dir/pid"); <> };
chomp $prom_pid;
open $fh, '>', $pidfile or die $!;
print $fh "$prom_pid\n";
close $fh;
my $api = "http://127.0.0.1:$prom_port";
ok(wait_until(sub { (http_get("$api/-/ready"))[0] == 200 }, 30), 'Prometheus is ready')
	or BAIL_OUT("Prometheus is not ready:\n" . `cat $dir/prometheus.log`);

# an instant query: { "label=value,..." => value } (the metric's name left
# out unless keep_name)
sub query {
	my ($q, %o) = @_;
	my $keep = delete $o{keep_name};
	my $url = "$api/api/v1/query?" . HTTP::Tiny->new->www_form_urlencode({query => $q, %o});
	my ($s, $b) = http_get($url);
	my $r = eval { $json->decode($b) };
	die "query $q: $s $b\n" unless $s == 200 && $r && $r->{status} eq 'success';
	my %v;
	for (@{ $r->{data}{result} }) {
		my $l = $_->{metric};
		$v{join(',', map { "$_=$l->{$_}" } sort grep { $keep || $_ ne '__name__' } keys %$l)} = $_->{value}[1];
	}
	return \%v;
}
sub one { my ($q, %o) = @_; my $v = query($q, %o); return (values %$v)[0] }

ok(wait_until(sub { (one('up{job="lifeguard"}') // 0) == 1 }, 30), 'the exporter is up for Prometheus');
# three scrapes with the warm-ups in them, so that every series predates the scenario
my $API_C = 'lifeguard_transactions_total{application="prom-api",outcome="commit"}';
ok(wait_until(sub { (one("count_over_time(${API_C}[1m])") // 0) >= 3 }, 30), 'three scrapes before the scenario');

# --- the scenario -------------------------------------------------------------------------

my $t0 = time;
sleep 1.5;		# the scrapes at or before $t0 are done
psql("BEGIN; SELECT 1; COMMIT;\n" x 40, %P, app => 'prom-api');
psql(("BEGIN; SELECT 1; COMMIT;\n" x 25) . ("BEGIN; SELECT 1; ROLLBACK;\n" x 5), %P, app => 'prom-worker');
like(attempt(%P, app => 'prom-refused', user => 'lg_prom_limited'), qr/too many connections for role/,
	"prom-refused: refused") for 1 .. 3;

my %sql = map { my @f = split /\|/; ("$f[0]" => {commits => $f[1], rollbacks => $f[2], refused => $f[3]}) }
	split /\n/, psql(q{SELECT application_name, commits, rollbacks, refused_role_limit FROM pool_stats
		WHERE application_name IN ('prom-api', 'prom-worker', 'prom-refused')}, %P, app => 'prom-check');
is_deeply([@{ $sql{'prom-api'} }{qw(commits rollbacks)}], [48, 0], 'pool_stats: prom-api 48 commits (8 + 40)');
is_deeply([@{ $sql{'prom-worker'} }{qw(commits rollbacks)}], [30, 6], 'pool_stats: prom-worker 30 commits (5 + 25), 6 rollbacks (1 + 5)');
is($sql{'prom-refused'}{refused}, 4, 'pool_stats: prom-refused refused 4 times (1 + 3)');

my $REFUSED = 'lifeguard_connections_refused_total{application="prom-refused",cause="role_limit"}';
my %raw = (
	$API_C => $sql{'prom-api'}{commits},
	'lifeguard_transactions_total{application="prom-worker",outcome="commit"}' => $sql{'prom-worker'}{commits},
	'lifeguard_transactions_total{application="prom-worker",outcome="rollback"}' => $sql{'prom-worker'}{rollbacks},
	$REFUSED => $sql{'prom-refused'}{refused},
);
ok(wait_until(sub { !grep { (one($_) // -1) != $raw{$_} } keys %raw }, 30), 'Prometheus scraped the scenario');
my $now = time;
my %delta = ($API_C => 40, 'lifeguard_transactions_total{application="prom-worker",outcome="commit"}' => 25,
	'lifeguard_transactions_total{application="prom-worker",outcome="rollback"}' => 5, $REFUSED => 3);
for my $m (sort keys %raw) {
	is(one($m, time => $now), $raw{$m}, "raw counter $m = pool_stats' $raw{$m}");
	is(one("$m - $m @ $t0", time => $now), $delta{$m}, "$m now minus at the scenario's start: exactly $delta{$m}");
}

# rate() by application: which applications, and the proportions
my $rates = query('sum by (application) (rate(lifeguard_transactions_total{outcome="commit",application=~"prom-(?:api|worker|holder|refused)"}[1m])) > 0',
	time => $now);
is_deeply([sort keys %$rates], ['application=prom-api', 'application=prom-worker'],
	'rate(...[1m]) of commits by application: prom-api and prom-worker');
ok(abs($rates->{'application=prom-api'} / $rates->{'application=prom-worker'} - 40 / 25) < 1e-9,
	'their rates are as 40 to 25 (' . join(', ', map { "$_ $rates->{$_}/s" } sort keys %$rates) . ')');
my $rb = one('sum by (application) (rate(lifeguard_transactions_total{outcome="rollback",application="prom-worker"}[1m]))', time => $now);
ok(abs($rates->{'application=prom-worker'} / $rb - 25 / 5) < 1e-9, "prom-worker's rollbacks: 5 to its 25 commits");
my $refused_rates = query('sum by (application, cause) (rate(lifeguard_connections_refused_total[1m])) > 0', time => $now);
is_deeply([keys %$refused_rates], ['application=prom-refused,cause=role_limit'],
	'rate(...[1m]) of refusals by application and cause: prom-refused, role_limit, and no one else');
for my $m (sort keys %delta) {
	my $inc = one("increase(${m}[1m])", time => $now);
	ok($inc >= $delta{$m} - 1e-9 && $inc <= 1.5 * $delta{$m}, "increase(${m}[1m]) = $inc: at least $delta{$m}, extrapolated");
}

# the alert of the shipped rules
my $alerts;
ok(wait_until(sub {
	$alerts = query('ALERTS{alertname="LifeguardConnectionsRefused",alertstate="firing"}');
	return %$alerts > 0;
}, 30), 'LifeguardConnectionsRefused fires');
is_deeply([keys %$alerts], ["alertname=LifeguardConnectionsRefused,alertstate=firing,application=prom-refused,cause=role_limit,database=$db,instance=127.0.0.1:$exporter->{port},job=lifeguard,role=lg_prom_limited,severity=critical"],
	'for prom-refused, role_limit, and no one else');

# every metric the rules use is scraped
my %scraped = map { /__name__=(\w+)/ ? ($1 => 1) : () }
	keys %{ query('count by (__name__) ({__name__=~"lifeguard_.+"})', keep_name => 1) };
my %used = map { $_ => 1 } $rules =~ /\b(lifeguard_[a-z_]+)\b/g;
for (sort keys %used) {
	ok($scraped{$_}, "the rules' $_ is scraped");
}

# Prometheus stops on SIGTERM
kill 'TERM', $prom_pid;
ok(wait_until(sub { !kill(0, $prom_pid) }, 30), 'Prometheus stopped');
waitpid($launcher, 0);
undef $prom_pid;
unlink $pidfile;
is(stop_exporter($exporter), 0, 'the exporter stopped');
undef $exporter;

done_testing();
