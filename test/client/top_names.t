# top_names.t: role and database names may hold any character; `lifeguard
# top` shows a control character (C0, DEL, C1) of a name as '?', so that a
# name cannot move the cursor, colour the screen or break a row.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use LG qw(psql wait_until);
use LGClient qw(binaries sanitizer_clean);
use LGOps qw(session stop_sessions ops_cli);

my $role = "r\e[31m\nx";			# ESC and a newline
my $db = "d\tb\r\xc2\x9b";			# a tab, a carriage return, U+009B (C1 CSI)
my $app = 'top-names-app';
(my $qrole = $role) =~ s/"/""/g;
(my $qdb = $db) =~ s/"/""/g;

psql(qq{DROP DATABASE IF EXISTS "$qdb"}, db => 'postgres');
psql(qq{DROP ROLE IF EXISTS "$qrole"}, db => 'postgres');
psql(qq{CREATE ROLE "$qrole" LOGIN}, db => 'postgres');
psql(qq{CREATE DATABASE "$qdb"}, db => 'postgres');
END {
	stop_sessions();
	eval {
		psql(qq{DROP DATABASE IF EXISTS "$qdb"}, db => 'postgres');
		psql(qq{DROP ROLE IF EXISTS "$qrole"}, db => 'postgres');
	};
}

session(app => $app, user => $role, db => $db, sql => 'SELECT 1;');
ok(wait_until(sub { psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'") == 1 }, 20),
	'a session of the role with control characters in its name');

for my $b (binaries()) {
	my ($variant) = @$b;
	my ($rc, $out, $err) = ops_cli($variant, {}, 'top');
	is($rc, 0, "[$variant] top: exit 0") or diag($err);
	ok(sanitizer_clean($err), "[$variant] top: sanitizer clean") or diag($err);
	unlike($out, qr/[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]/, "[$variant] top: no control character in the output");
	my @lines = grep { /^\Q$app\E / } split /\n/, $out;
	is(scalar(@lines), 1, "[$variant] top: the pool is one row") or diag($out);
	like($lines[0] // '', qr/^\Q$app\E\s+\Qr?[31m?x\E\@\Qd?b??\E\s+1\//,
		"[$variant] top: role and database shown with '?' for each control character");
}

done_testing();
