# The pooling audit's table when full: new keys are counted in dropped, one
# WARNING is logged, existing counts keep counting.  On a cluster of its own
# (LG::start_cluster), restarted with lifeguard.audit_max_entries = 10, and
# back.
use strict;
use warnings;
use Test::More;
use LG qw(psql start_cluster reconfigure_cluster);

my $c = start_cluster('audit_full');
my %on = (port => $c->{port});

sub reconfigure {
	my ($rc, $out, $err) = reconfigure_cluster($c, @_);
	die "restart failed: $err $out" if $rc != 0;
}

sub count_full_warnings {
	open my $fh, '<', $c->{log} or return 0;
	my $n = grep { /WARNING:  lifeguard pooling audit is full: 10 entries/ } <$fh>;
	return $n;
}

reconfigure('lifeguard.audit_max_entries' => 10);
is(psql('SHOW lifeguard.audit_max_entries', %on), '10', 'restarted with audit_max_entries = 10');
psql('SELECT pooling_audit_reset()', %on);
my $before = count_full_warnings();

for my $i (1 .. 12) {
	psql(q{SET work_mem = '3MB'}, %on, app => "lg-full-$i");
}
psql(q{SET work_mem = '3MB'}, %on, app => 'lg-full-1');
psql(q{SET work_mem = '3MB'}, %on, app => 'lg-full-13');

is(psql('SELECT entries || \'/\' || max_entries || \' dropped \' || dropped FROM pooling_audit_info()', %on),
	'10/10 dropped 3', 'ten entries kept, three events of new keys dropped');
is(psql(q{SELECT count FROM pooling_audit WHERE application_name = 'lg-full-1'}, %on), '2',
	'an existing key keeps counting when the table is full');
is(psql(q{SELECT count(*) FROM pooling_audit WHERE application_name IN ('lg-full-11', 'lg-full-12', 'lg-full-13')}, %on), '0',
	'keys that did not fit are not in the table');
is(count_full_warnings() - $before, 1, 'one WARNING logged, not one per dropped event');

psql('SELECT pooling_audit_reset()', %on);
is(psql('SELECT entries || \' \' || dropped FROM pooling_audit_info()', %on), '0 0', 'reset clears entries and dropped');
psql(q{SET work_mem = '3MB'}, %on, app => 'lg-full-1');
is(psql(q{SELECT count FROM pooling_audit WHERE application_name = 'lg-full-1'}, %on), '1', 'counting starts again after reset');

reconfigure('lifeguard.audit_max_entries' => undef);
is(psql('SHOW lifeguard.audit_max_entries', %on), '1000', 'restored');
done_testing();
