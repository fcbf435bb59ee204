# portable.t: the portable edition (sql/portable, docs/managed-postgresql.md).
#  - the committed script is what sql/portable/build.sh makes;
#  - lifeguard install into a fresh database, again into the same one, and
#    as a role without CREATE on the schema (a clear error, exit 2);
#  - cuid2_hash() equals the C edition's and the reference hash() on 2,000+
#    inputs (ASCII, multi-byte UTF-8, empty, long);
#  - the portable generator composes the reference init()'s id from the same
#    time, letter, salt, counter and fingerprint (500 cases, lengths 2..32);
#  - ids of either edition and of the reference createId() pass each other's
#    validators;
#  - no duplicate among 1,000,000 portable ids from 4 concurrent sessions,
#    two of them through a real PgBouncer in transaction mode (several
#    clients sharing one backend);
#  - pooling_hazard_texts() equals the C edition's; session_pooling_hazards()
#    lists temporary objects of every kind and session-level SETs as the C
#    edition does, honouring lifeguard.tracked_parameters (its default, and
#    a database's setting);
#  - health, metrics and audit recognise the portable edition.
# The portable database lives on the test cluster, without CREATE EXTENSION
# lifeguard: its functions are the script's, not the C library's.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(psql psql_err run_cmd node_run start_pgbouncer control);

my $root = $ENV{LG_ROOT};
my $version = control()->{default_version};
my $script = "$root/sql/portable/lifeguard_portable--$version.sql";
my $cli = $ENV{LG_CLI} or die "LG_CLI is not set\n";
my $json = JSON::PP->new->utf8->canonical;
my $db = 'lg_portable';
my $url = "postgresql://$ENV{PGUSER}\@$ENV{PGHOST}:$ENV{PGPORT}/$db";

# ---------------------------------------------------------------- the script
my ($rc, $out, $err) = run_cmd(['sh', "$root/sql/portable/build.sh", $version]);
is($rc, 0, 'build.sh ran') or diag $err;
my $committed = do { open my $f, '<', $script or die "$script: $!"; local $/; <$f> };
ok($out eq $committed, "the committed $script is what the build makes (run make)");

# ---------------------------------------------------------------- install
psql("DROP DATABASE IF EXISTS $db", db => 'postgres');
psql("DROP ROLE IF EXISTS lg_portable_plain");
psql("CREATE DATABASE $db", db => 'postgres');
psql("CREATE ROLE lg_portable_plain LOGIN");
($rc, $out, $err) = run_cmd([$cli, 'install', '--schema', 'app'], env => { DATABASE_URL => $url });
is($rc, 0, 'install into a fresh database: exit 0') or diag $err;
is($out, "installed lifeguard's portable edition $version into schema app of database $db\n", '... and says so');
($rc, $out, $err) = run_cmd([$cli, 'install', '--schema', 'app'], env => { DATABASE_URL => $url });
is($rc, 0, 'install again: exit 0') or diag $err;
like($out, qr/^reinstalled lifeguard's portable edition \Q$version\E in schema app/, '... and says it was there');
($rc, $out, $err) = run_cmd(['psql', '-X', '-q', '-d', $db, '-v', 'schema=app2', '-f', $script]);
is($rc, 0, 'psql -f of the script into another schema') or diag $err;
($rc, $out, $err) = run_cmd([$cli, 'install', '--schema', 'app'],
	env => { DATABASE_URL => "postgresql://lg_portable_plain\@$ENV{PGHOST}:$ENV{PGPORT}/$db" });
is($rc, 2, 'a role without CREATE on the schema: exit 2');
is($err, qq{lifeguard install: installing the portable edition failed: permission denied to create functions in schema "app" (Install as the schema's owner or as a role with CREATE on it, or choose another schema.)\n},
	'... with a clear message');
is(psql(q{SELECT count(*) FROM pg_extension WHERE extname = 'lifeguard'}, db => $db), 0,
	'the portable database has no lifeguard extension');
is(psql(q{SELECT app.lifeguard_portable_version()}, db => $db), $version, 'lifeguard_portable_version()');
is(psql(q{SELECT string_agg(format('%s %s %s %s %s', p.proname, p.provolatile, p.proisstrict, p.proparallel, p.pronargdefaults), ', ' ORDER BY p.proname)
	FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace AND p.proname IN ('gen_prefixed_id', 'gen_cuid2', 'is_cuid2',
	'is_prefixed_id', 'prefixed_id_prefix', 'cuid2_hash', 'pool_usage', 'pool_headroom', 'pool_capacity', 'session_pooling_hazards', 'pooling_hazard_texts', 'txn_info')}, db => $db),
	psql(q{SELECT string_agg(format('%s %s %s %s %s', p.proname, p.provolatile, p.proisstrict, p.proparallel, p.pronargdefaults), ', ' ORDER BY p.proname)
	FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname IN ('gen_prefixed_id', 'gen_cuid2', 'is_cuid2',
	'is_prefixed_id', 'prefixed_id_prefix', 'cuid2_hash', 'pool_usage', 'pool_headroom', 'pool_capacity', 'session_pooling_hazards', 'pooling_hazard_texts', 'txn_info')}),
	'volatility, strictness, parallel safety and defaults equal the C edition\'s');

# ---------------------------------------------------------------- cuid2_hash
my $seed = $ENV{LG_SEED} // time;
srand($seed);
note "random seed $seed";
sub rand_string {
	my ($len) = @_;
	my @ranges = ([0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xfffd], [0x10000, 0x1faff]);
	my $kind = int(rand(3));
	return join '', map { my $r = $kind == 0 ? $ranges[0] : $ranges[int(rand(@ranges))];
		chr($r->[0] + int(rand($r->[1] - $r->[0] + 1))) } 1 .. $len;
}
my @inputs = ('', 'a', 'ws', "\x{1F600}");
push @inputs, rand_string(int(rand(100))) for 1 .. 2000;
push @inputs, rand_string(2000 + int(rand(3000))) for 1 .. 20;
@inputs = map { s/\$J\$/\$j\$/gr } @inputs;
my $list = '$J$' . $json->encode(\@inputs) . '$J$::json';
my @c = split /\n/, psql("SELECT cuid2_hash(x) FROM json_array_elements_text($list) WITH ORDINALITY t(x, n) ORDER BY n"), -1;
my @p = split /\n/, psql("SELECT app.cuid2_hash(x) FROM json_array_elements_text($list) WITH ORDINALITY t(x, n) ORDER BY n", db => $db), -1;
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'hash', { stdin => $json->encode(\@inputs) });
is($rc, 0, 'reference hash() ran') or diag $err;
my $ref = $json->decode($out);
is(scalar(@p), scalar(@inputs), 'one portable hash per input');
is(scalar(grep { ($p[$_] // '') ne ($c[$_] // '') } 0 .. $#inputs), 0,
	'portable cuid2_hash() equals the C edition\'s on all ' . scalar(@inputs) . ' inputs');
is(scalar(grep { ($p[$_] // '') ne $ref->[$_] } 0 .. $#inputs), 0,
	'portable cuid2_hash() equals the reference hash() on all ' . scalar(@inputs) . ' inputs');

# ---------------------------------------------------------------- whole ids
# The reference init() composes an id from a time, letter, salt, counter and
# fingerprint; the portable generator's digit extraction (cuid2_make's
# 'digits' mode, the same code path as gen_prefixed_id after the hash
# input is built) must give the same id for the same hash input.
my @b36 = ('0' .. '9', 'a' .. 'z');
sub base36 { my ($v) = @_; my $s = ''; do { $s = $b36[$v % 36] . $s; $v = int($v / 36) } while $v > 0; $s }
my (@cases, @compose);
for my $i (0 .. 499) {
	my $length = 2 + ($i % 31);
	my $c = { time => int(rand(2**44)), letter => int(rand(26)), salt => [map { int(rand(36)) } 1 .. $length],
		counter => int(rand(2**40)), fingerprint => join('', map { $b36[int(rand(36))] } 1 .. 32), length => $length };
	push @cases, $c;
	push @compose, [base36($c->{time}) . join('', map { $b36[$_] } @{ $c->{salt} }) . base36($c->{counter}) . $c->{fingerprint},
		$length, chr(97 + $c->{letter})];
}
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'ids', { stdin => $json->encode(\@cases) });
is($rc, 0, 'reference init() ran') or diag $err;
my $ref_ids = $json->decode($out);
my @mine = split /\n/, psql("SELECT x->>2 || app.cuid2_make(x->>0, (x->>1)::int, 'digits') FROM json_array_elements(\$J\$"
	. $json->encode(\@compose) . "\$J\$::json) WITH ORDINALITY t(x, n) ORDER BY n", db => $db);
my @bad = grep { ($mine[$_] // '') ne $ref_ids->[$_] } 0 .. $#cases;
is(scalar(@bad), 0, 'the portable generator makes the reference init()\'s id from the same inputs in all 500 cases, lengths 2 to 32')
	or diag "first difference at case $bad[0]: got $mine[$bad[0]], want $ref_ids->[$bad[0]]";

# ---------------------------------------------------------------- validators
my @pids = split /\n/, psql(q{SELECT app.gen_cuid2(2 + n % 31) FROM generate_series(0, 999) n
	UNION ALL SELECT substr(app.gen_prefixed_id('ws'), 4) FROM generate_series(1, 1000)}, db => $db);
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'iscuid', { stdin => $json->encode(\@pids) });
is(scalar(grep { $_ } @{ $json->decode($out) }), 2000, 'all 2,000 portable ids pass the reference isCuid()');
my $plist = '$J$' . $json->encode(\@pids) . '$J$::json';
is(psql("SELECT count(*) FILTER (WHERE is_cuid2(x)) FROM json_array_elements_text($plist) x"), 2000,
	'all 2,000 portable ids pass the C edition\'s is_cuid2()');
is(psql("SELECT count(*) FILTER (WHERE is_prefixed_id('ws_' || x, 'ws')) FROM json_array_elements_text($plist) x"), 2000,
	'... and, prefixed, its is_prefixed_id()');
my @cids = split /\n/, psql(q{SELECT gen_prefixed_id('ws', 2 + n % 31) FROM generate_series(0, 999) n});
my $clist = '$J$' . $json->encode(\@cids) . '$J$::json';
is(psql("SELECT count(*) FILTER (WHERE app.is_prefixed_id(x, 'ws') AND app.prefixed_id_prefix(x) = 'ws') FROM json_array_elements_text($clist) x", db => $db),
	1000, 'all 1,000 C edition ids pass the portable is_prefixed_id()');
# the reference createId() (node resolves the package from test/integration)
($rc, $out, $err) = run_cmd(['sh', '-c', "cd '$root/test/integration' && exec node --input-type=module -e "
	. q{'import { createId } from "@paralleldrive/cuid2"; for (let i = 0; i < 1000; i++) console.log(createId());'}]);
my @rids = split /\n/, $out;
is(scalar(@rids), 1000, 'the reference createId() made 1,000 ids') or diag $err;
my $rlist = '$J$' . $json->encode(\@rids) . '$J$::json';
is(psql("SELECT count(*) FILTER (WHERE app.is_cuid2(x) AND app.is_prefixed_id('ws_' || x, 'ws')) FROM json_array_elements_text($rlist) x", db => $db),
	1000, 'all 1,000 reference ids pass the portable validators');
is(psql("SELECT count(*) FILTER (WHERE is_cuid2(x) AND prefixed_id_prefix('ws_' || x) = 'ws') FROM json_array_elements_text($rlist) x"),
	1000, 'all 1,000 reference ids pass the C edition\'s validators');

# ---------------------------------------------------------------- concurrency
my $per = 250_000;
psql('CREATE UNLOGGED TABLE conc (id text, source text, backend int)', db => $db);
my $bouncer = start_pgbouncer(pool_mode => 'transaction', pool_size => 1, dbname => $db);
my @kids;
for my $s (1 .. 4) {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		my @conn = $s <= 2 ? ('-d', $db) : ('-d', "host=127.0.0.1 port=$bouncer->{port} dbname=$db user=$ENV{PGUSER}");
		# through the bouncer: many short transactions, so the two clients
		# take turns on its one server connection
		my $batches = $s <= 2 ? 1 : 50;
		my $n = $per / $batches;
		my $sql = join '', map { "INSERT INTO conc SELECT app.gen_prefixed_id('ws'), 'session $s', pg_backend_pid() FROM generate_series(1, $n);\n" } 1 .. $batches;
		my ($r, undef, $e) = run_cmd(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', @conn], stdin => $sql);
		print STDERR $e if $r;
		exit($r ? 1 : 0);
	}
	push @kids, $pid;
}
my $failed = 0;
for (@kids) { waitpid($_, 0); $failed++ if $? }
is($failed, 0, 'four concurrent sessions each made 250,000 ids');
is(psql('SELECT count(*) FROM conc', db => $db), 4 * $per, '1,000,000 portable ids');
is(psql('SELECT count(*) - count(DISTINCT id) FROM conc', db => $db), 0, 'no duplicate among them');
is(psql(q{SELECT count(DISTINCT backend) FROM conc WHERE source IN ('session 3', 'session 4')}, db => $db), 1,
	'the two PgBouncer clients shared one server backend');
is(psql(q{SELECT count(*) FROM conc WHERE NOT app.is_prefixed_id(id, 'ws')}, db => $db), 0, 'every id is valid');

# ---------------------------------------------------------------- hazards
# the texts are generated from common/hazards.c: the same rows as the C
# function's; the state the two editions list between transactions is the
# same, texts included
is(psql(q{SELECT string_agg(format('%s|%s|%s', hazard, hint, coalesce(detail, '(null)')), E'\n') FROM app.pooling_hazard_texts()}, db => $db),
	psql(q{SELECT string_agg(format('%s|%s|%s', hazard, hint, coalesce(detail, '(null)')), E'\n') FROM pooling_hazard_texts()}),
	'pooling_hazard_texts() of the portable edition equals the C edition\'s, row for row');
my $temp_objects = q{
	CREATE TEMP VIEW lg_tv AS SELECT 1 AS x;
	CREATE TEMP SEQUENCE lg_ts;
	CREATE FUNCTION pg_temp.lg_tf() RETURNS int LANGUAGE sql AS 'SELECT 1';
	CREATE TYPE pg_temp.lg_tt AS ENUM ('a');
	CREATE TYPE pg_temp.lg_tc AS (a int);
	CREATE TEMP TABLE lg_tser (id serial, j int GENERATED ALWAYS AS IDENTITY);
	SELECT string_agg(format('%s|%s|%s', hazard, object, detail), E'\n' ORDER BY object) FROM SCHEMA.session_pooling_hazards() WHERE hazard = 'temp_table';
};
my $c_temp = psql($temp_objects =~ s/SCHEMA/public/r);
is(psql($temp_objects =~ s/SCHEMA/app/r, db => $db), $c_temp,
	'session_pooling_hazards(): a temporary view, sequence, function, enum and composite type, a table with serial and identity columns: as the C edition lists them');
like($c_temp, qr/\Atemp_table\|lg_tc\|temporary type outlives [^\n]*\ntemp_table\|lg_tf\|temporary function [^\n]*\ntemp_table\|lg_ts\|temporary sequence [^\n]*\ntemp_table\|lg_tser\|temporary table [^\n]*\ntemp_table\|lg_tt\|temporary type [^\n]*\ntemp_table\|lg_tv\|temporary view [^\n]*\z/,
	'... each with its kind; the columns\' sequences are not listed');
# the default: the C library's boot value, which build.sh put in the portable
# session_pooling_state() (the library is preloaded on this cluster, so there
# both editions read the setting; set it to that default, as the cluster's
# configuration may differ; audit_nopreload.sql checks the portable edition
# without the library)
my $boot = psql(q{SELECT boot_val FROM pg_settings WHERE name = 'lifeguard.tracked_parameters'});
is(psql(qq{SELECT strpos(prosrc, quote_literal('$boot')) > 0 FROM pg_proc WHERE oid = 'app.session_pooling_state'::regproc}, db => $db),
	't', "the portable session_pooling_state() falls back on the C edition's default, $boot");
my $sets = q{
	SET lifeguard.tracked_parameters = BOOT;
	SET application_name = 'lg_set'; SET TimeZone = 'UTC'; SET IntervalStyle = 'iso_8601'; SET work_mem = '5MB';
	SELECT string_agg(format('%s|%s|%s', hazard, object, detail), E'\n' ORDER BY object) FROM SCHEMA.session_pooling_hazards() WHERE hazard = 'set';
} =~ s/BOOT/'$boot'/r;
my $c_sets = psql($sets =~ s/SCHEMA/public/r);
is(psql($sets =~ s/SCHEMA/app/r, db => $db), $c_sets,
	'session_pooling_hazards(): session-level SETs as the C edition lists them');
like($c_sets, qr/\Aset\|IntervalStyle\|set at session level to 'iso_8601'; [^\n]*\nset\|work_mem\|[^\n]*\z/,
	'... with that default, application_name and TimeZone are no hazard');
psql(qq{ALTER DATABASE $db SET lifeguard.tracked_parameters = 'work_mem, "IntervalStyle"'}, db => 'postgres');
is(join(',', sort map { (split /\|/)[1] } split /\n/, psql($sets =~ s/SET lifeguard\.tracked_parameters[^;]*;//r =~ s/SCHEMA/app/r, db => $db)),
	'TimeZone,application_name', 'a database\'s lifeguard.tracked_parameters is honoured');
psql(qq{ALTER DATABASE $db RESET lifeguard.tracked_parameters}, db => 'postgres');

# ---------------------------------------------------------------- the CLI sees it
($rc, $out, $err) = run_cmd([$cli, 'health', '--json'], env => { DATABASE_URL => $url . '?options=-csearch_path%3Dapp' });
my $h = eval { $json->decode($out) } // {};
is($h->{edition}, 'portable', 'health --json: edition portable') or diag "$out$err";
is($h->{extension_version}, $version, 'health --json: its version');
($rc, $out, $err) = run_cmd([$cli, 'metrics'], env => { DATABASE_URL => $url });
like($out, qr/^lifeguard_info\{edition="portable",version="\Q$version\E"\} 1$/m, 'metrics: lifeguard_info with edition portable');
($rc, $out, $err) = run_cmd([$cli, 'audit'], env => { DATABASE_URL => $url });
is($rc, 2, 'audit on the portable edition: exit 2');
like($err, qr/^lifeguard audit: the pooling audit needs the C extension; .*run enforcement in CI against a database that has it\)\n\z/, '... saying why');

psql("DROP DATABASE $db WITH (FORCE)", db => 'postgres');
psql('DROP ROLE lg_portable_plain');
done_testing();
