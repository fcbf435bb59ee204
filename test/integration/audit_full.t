# The pooling audit's table when full: new keys are counted in dropped, one
# WARNING is logged, existing counts keep counting.  Restarts the cluster
# with lifeguard.audit_max_entries = 10, and back.
use strict;
use warnings;
use Test::More;
use LG qw(psql run_cmd as_pg_cmd);

my $log = "$ENV{LG_DATA}/../server.log";

sub restart {
	my ($rc, $out, $err) = run_cmd([as_pg_cmd(), "$ENV{LG_BINDIR}/pg_ctl", '-D', $ENV{LG_DATA},
		'-l', $log, '-w', '-t', '120', 'restart']);
	die "restart failed: $err $out" if $rc != 0;
}

sub count_full_warnings {
	open my $fh, '<', $log or return 0;
	my $n = grep { /WARNING:  lifeguard pooling audit is full: 10 entries/ } <$fh>;
	return $n;
}

psql('ALTER SYSTEM SET lifeguard.audit_max_entries = 10', db => 'postgres');
restart();
is(psql('SHOW lifeguard.audit_max_entries'), '10', 'restarted with audit_max_entries = 10');
psql('SELECT pooling_audit_reset()');
my $before = count_full_warnings();

for my $i (1 .. 12) {
	psql(q{SET work_mem = '3MB'}, app => "lg-full-$i");
}
psql(q{SET work_mem = '3MB'}, app => 'lg-full-1');
psql(q{SET work_mem = '3MB'}, app => 'lg-full-13');

is(psql('SELECT entries || \'/\' || max_entries || \' dropped \' || dropped FROM pooling_audit_info()'),
	'10/10 dropped 3', 'ten entries kept, three events of new keys dropped');
is(psql(q{SELECT count FROM pooling_audit WHERE application_name = 'lg-full-1'}), '2',
	'an existing key keeps counting when the table is full');
is(psql(q{SELECT count(*) FROM pooling_audit WHERE application_name IN ('lg-full-11', 'lg-full-12', 'lg-full-13')}), '0',
	'keys that did not fit are not in the table');
is(count_full_warnings() - $before, 1, 'one WARNING logged, not one per dropped event');

psql('SELECT pooling_audit_reset()');
is(psql('SELECT entries || \' \' || dropped FROM pooling_audit_info()'), '0 0', 'reset clears entries and dropped');
psql(q{SET work_mem = '3MB'}, app => 'lg-full-1');
is(psql(q{SELECT count FROM pooling_audit WHERE application_name = 'lg-full-1'}), '1', 'counting starts again after reset');

psql('ALTER SYSTEM RESET lifeguard.audit_max_entries', db => 'postgres');
restart();
is(psql('SHOW lifeguard.audit_max_entries'), '1000', 'restored');
done_testing();
