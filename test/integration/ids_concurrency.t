# ids_concurrency.t: generator state is per process.  1,000,000 ids made by
# four concurrent backends and by the workers of a parallel query, all
# forked from the same preloading postmaster, contain no duplicate; every
# process has its own fingerprint.
use strict;
use warnings;
use Test::More;
use LG qw(psql run_cmd);

my $per = 200_000;
psql(q{DROP TABLE IF EXISTS conc_ids, conc_fps, conc_src;
	CREATE UNLOGGED TABLE conc_ids (id text, source text);
	CREATE UNLOGGED TABLE conc_fps (fp text, pid int, source text);
	CREATE UNLOGGED TABLE conc_src AS SELECT g FROM generate_series(1, 200000) g;
	ANALYZE conc_src;});

# four backends at once
my @pids;
for my $b (1 .. 4) {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		my ($rc, undef, $err) = run_cmd(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c',
			"INSERT INTO conc_fps SELECT cuid2_fingerprint(), pg_backend_pid(), 'backend $b';
			 INSERT INTO conc_ids SELECT gen_prefixed_id('ws'), 'backend $b' FROM generate_series(1, $per)"]);
		print STDERR $err if $rc;
		exit($rc ? 1 : 0);
	}
	push @pids, $pid;
}
# and a parallel query at the same time, its ids made in the workers
my $parallel_plan = psql(q{SET max_parallel_workers_per_gather = 4;
	SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
	SET min_parallel_table_scan_size = 0; SET parallel_leader_participation = off;
	EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	CREATE UNLOGGED TABLE conc_parallel AS
		SELECT gen_prefixed_id('ws') AS id, cuid2_fingerprint() AS fp FROM conc_src;});
my $failed = 0;
for (@pids) { waitpid($_, 0); $failed++ if $? }
is($failed, 0, 'four concurrent backends each inserted 200,000 ids');

my ($launched) = $parallel_plan =~ /Workers Launched: (\d+)/;
cmp_ok($launched // 0, '>=', 2, "the parallel query ran in @{[ $launched // 0 ]} workers");
is(psql('SELECT count(DISTINCT fp) FROM conc_parallel'), $launched // -1,
	'each parallel worker had its own fingerprint');
psql(q{INSERT INTO conc_ids SELECT id, 'parallel' FROM conc_parallel;
	INSERT INTO conc_fps SELECT DISTINCT fp, NULL::int, 'parallel' FROM conc_parallel});

is(psql('SELECT count(*) FROM conc_ids'), 4 * $per + 200_000, '1,000,000 ids in all');
is(psql('SELECT count(*) - count(DISTINCT id) FROM conc_ids'), 0, 'no duplicate among 1,000,000 ids');
is(psql(q{SELECT count(*) FROM conc_ids WHERE NOT is_prefixed_id(id, 'ws')}), 0, 'every id is valid');
is(psql('SELECT count(DISTINCT fp) = count(*) FROM conc_fps'), 't',
	'no two processes (4 backends, the workers) shared a fingerprint');

psql('DROP TABLE conc_ids, conc_fps, conc_src, conc_parallel');
done_testing();
