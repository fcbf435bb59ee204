# Enforcement against a real client: node-postgres preparing a named
# statement whose query is empty.  PostgreSQL stores it without analyzing
# anything, so no statement-level detector sees it; the commit-time check
# (extension/audit_commit.c) refuses the transaction and deallocates it.
use strict;
use warnings;
use Test::More;
use JSON::PP qw(decode_json);
use LG qw(psql node_run);

sub audit {
	my ($app) = @_;
	return psql(qq{SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
	               FROM pooling_audit WHERE application_name = '$app'});
}

psql('SELECT pooling_audit_reset()');

# without enforcement the empty named statement stays: it is session state
my ($rc, $out, $err) = node_run('audit_node.js', 'empty', 'lg-enf-empty-off');
is($rc, 0, 'node-postgres ran an empty named query') or diag $err;
is_deeply(decode_json($out), { error => undef, prepared => 1 },
	'without enforcement the empty named statement outlives its transaction');

# under enforce = error the commit is refused and the statement is gone
($rc, $out, $err) = node_run('audit_node.js', 'empty', 'lg-enf-empty',
	{ env => { PGOPTIONS => '-c lifeguard.enforce=error' } });
is($rc, 0, 'node-postgres ran an empty named query under enforce = error') or diag $err;
my $r = decode_json($out);
is($r->{error}, 'named prepared statement breaks under transaction pooling (lifeguard hazard "protocol_prepare")',
	'the transaction that prepared it is refused at commit');
is($r->{prepared}, 0, 'the refused statement was deallocated');
is(audit('lg-enf-empty'), 'protocol_prepare=1', 'the refusal is counted once');

# prepared in a transaction that rolls back: the next commit's check finds
# it (refusing that transaction) and deallocates it
($rc, $out, $err) = node_run('audit_node.js', 'empty-rollback', 'lg-enf-empty-rb',
	{ env => { PGOPTIONS => '-c lifeguard.enforce=error' } });
is($rc, 0, 'node-postgres ran an empty named query in a rolled-back transaction') or diag $err;
is_deeply(decode_json($out),
	{ error => 'named prepared statement breaks under transaction pooling (lifeguard hazard "protocol_prepare")', prepared => 0 },
	'the next transaction is refused and the statement deallocated');
is(audit('lg-enf-empty-rb'), 'protocol_prepare=1', '... counted once');

# protocol_prepared_statements = safe: allowed, and not counted
($rc, $out, $err) = node_run('audit_node.js', 'empty', 'lg-enf-empty-safe',
	{ env => { PGOPTIONS => '-c lifeguard.enforce=error -c lifeguard.protocol_prepared_statements=safe' } });
is($rc, 0, 'node-postgres ran with protocol_prepared_statements = safe') or diag $err;
is_deeply(decode_json($out), { error => undef, prepared => 1 },
	'with protocol_prepared_statements = safe the statement is allowed');
is(audit('lg-enf-empty-safe'), '', '... and not counted');

done_testing();
