# pool_stats_names.t: the names a row is keyed by, as clients send them.
#
#  - application_name of maximum length, longer, and in other encodings:
#    the row's name is what pg_stat_activity shows (the server cleans a
#    name to printable ASCII and keeps 63 bytes of it);
#  - PgBouncer's application_name_add_host suffix (" - host:port", in
#    each of its forms) is not part of the name, set by a client or by a
#    real PgBouncer, for sessions, transactions and refusals alike;
#    anything else after " - " is;
#  - role names in UTF-8 read the same as pg_roles shows them, in a UTF-8
#    and in a LATIN1 database; a refused name that is not valid UTF-8 is
#    shown with \xNN;
#  - a protocol violation ends a session as ended_fatal.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use LG qw(psql run_cmd wait_until start_pgbouncer stop_pgbouncer);
use LGStats qw(session query close_session attempt rows);

my $db = $ENV{PGDATABASE};
psql(q{SELECT pool_stats_reset()});

sub count_for {
	my ($col, $app, %o) = @_;
	my $role = $o{role} // 'postgres';
	(my $q = $app) =~ s/'/''/g;
	(my $r = $role) =~ s/'/''/g;
	return psql(qq{SELECT coalesce((SELECT $col FROM pool_stats WHERE database = '$db'
		AND role = '$r' AND application_name = '$q'), -1)});
}

# the application_name pg_stat_activity shows for a session that sent app
sub seen_as {
	my ($app, %o) = @_;
	my $s = session(app => $app, %o) or die "session: $@";
	my ($name) = query($s, q{SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()});
	close_session($s);
	return $name;
}

# --- length and encodings
my @names = (
	['63 bytes', 'lg-' . ('n' x 60)],
	['100 bytes', 'lg-long-' . ('x' x 92)],
	['UTF-8', "lg-caf\xc3\xa9-\xe2\x82\xac"],
	['LATIN1', "lg-caf\xe9", { options => '-c client_encoding=LATIN1' }],
	['non-ASCII, 63 bytes', 'lg-' . ("\xc3\xa9" x 30)],
);
for my $n (@names) {
	my ($what, $app, $o) = @$n;
	my $shown = seen_as($app, %{ $o // {} });
	like($shown, qr/^[\x20-\x7e]{1,63}$/, "$what: pg_stat_activity shows printable ASCII, at most 63 bytes");
	ok(wait_until(sub { count_for('ended_normal', $shown) == 1 }, 10), "$what: one session ended");
	is(count_for('sessions_opened', $shown), 1, "$what: the row is named as pg_stat_activity shows it");
}
is(seen_as('lg-' . ('n' x 60)), 'lg-' . ('n' x 60), 'a name of 63 bytes is kept whole');

# --- PgBouncer's suffix, sent by a client
my %suffixed = (
	'lg-sfx4 - 10.1.2.3:5432'         => 'lg-sfx4',
	'lg-sfx6 - [::1]:6432'            => 'lg-sfx6',
	'lg-sfx6z - [fe80::1%eth0]:6432'  => 'lg-sfx6z',
	'lg-sfxu - unix(4242@web-1):6432' => 'lg-sfxu',
	'lg-sfxs - unix:6432'             => 'lg-sfxs',
	'lg-two - a - 127.0.0.1:1'        => 'lg-two - a',
	'lg-nosfx - here'                 => 'lg-nosfx - here',
	'lg-noport - 1.2.3.4'             => 'lg-noport - 1.2.3.4',
	'lg-badport - 1.2.3.4:123456'     => 'lg-badport - 1.2.3.4:123456',
);
for my $app (sort keys %suffixed) {
	is(attempt(app => $app), '', "'$app' connects");
}
for my $app (sort keys %suffixed) {
	ok(wait_until(sub { count_for('ended_normal', $suffixed{$app}) == 1 }, 10),
		"'$app' is counted as '$suffixed{$app}'");
}
is(psql(q{SELECT count(*) FROM pool_stats WHERE application_name LIKE 'lg-sfx% - %'}), 0,
	'no row keeps an address');
like(attempt(app => 'lg-sfxr - 10.0.0.1:1', user => 'lg_stats_nobody'), qr/does not exist/,
	'a refused connection with the suffix');
is(count_for('refused_authentication', 'lg-sfxr', role => 'lg_stats_nobody'), 1, '... is refused as lg-sfxr');

# --- a real PgBouncer with application_name_add_host = 1
my $bouncer = start_pgbouncer(pool_mode => 'transaction', pool_size => 1, extra => "application_name_add_host = 1\n");
sub via_bouncer {
	my ($app, $sql) = @_;
	my ($rc, $out, $err) = run_cmd(['psql', '-X', '-q', '-A', '-t', '-h', '127.0.0.1', '-p', $bouncer->{port},
		'-U', 'postgres', '-d', $db, '-c', $sql], env => { PGAPPNAME => $app });
	die "through PgBouncer: $err" if $rc != 0;
	chomp $out;
	return $out;
}
my $long = 'lg-b' . ('y' x 59);
like(via_bouncer('lg-bhost', q{SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()}),
	qr/^lg-bhost - 127\.0\.0\.1:\d+$/, 'PgBouncer appends the client\'s address');
via_bouncer('lg-bhost', 'SELECT 1');
like(via_bouncer($long, q{SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()}),
	qr/^\Q$long\E$/, 'a 63-byte name and the address: pg_stat_activity keeps the name\'s 63 bytes');
is(count_for('commits', 'lg-bhost') . ' ' . count_for('handoffs', 'lg-bhost'), '2 2',
	'lg-bhost from two client ports: one row, each connection\'s SET a handoff, each query a commit');
is(count_for('commits', $long) . ' ' . count_for('handoffs', $long), '1 1', 'the 63-byte name keeps its row');
stop_pgbouncer($bouncer);

# --- role names in other encodings
psql(qq{CREATE ROLE "lg_r\xc3\xb4le" LOGIN});
is(attempt(user => "lg_r\xc3\xb4le", app => 'lg-enc-role'), '', 'a role named in UTF-8 connects');
ok(wait_until(sub { count_for('ended_normal', 'lg-enc-role', role => "lg_r\xc3\xb4le") == 1 }, 10),
	'its row is under its name');
psql(q{DROP DATABASE IF EXISTS lg_stats_latin1}, db => 'postgres');
psql(q{CREATE DATABASE lg_stats_latin1 ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'}, db => 'postgres');
psql(q{CREATE EXTENSION lifeguard}, db => 'lg_stats_latin1');
is(psql(q{SELECT role FROM pool_stats WHERE application_name = 'lg-enc-role'}, db => 'lg_stats_latin1'),
	psql(q{SELECT rolname FROM pg_roles WHERE rolname LIKE 'lg_r%le'}, db => 'lg_stats_latin1'),
	'read in a LATIN1 database, the role is what pg_roles shows there');
like(attempt(user => "lg_\xff", app => 'lg-enc-bad'), qr/does not exist/, 'a role name that is not UTF-8 is refused');
is(psql(q{SELECT role FROM pool_stats WHERE application_name = 'lg-enc-bad'}), 'lg_\\xff',
	'... and shown with \\xNN for the invalid byte');
psql(q{DROP DATABASE lg_stats_latin1}, db => 'postgres');
psql(qq{DROP ROLE "lg_r\xc3\xb4le"});

# --- a protocol violation: FATAL 08P01, ended_fatal
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{PGPORT}, Proto => 'tcp')
	or die "connect: $!";
my $params = join('', map { "$_\0" } user => 'postgres', database => $db, application_name => 'lg-proto') . "\0";
print $sock pack('NN', 8 + length($params), 196608) . $params;
my $buf = '';
until ($buf =~ /Z\0\0\0\x05I/) {
	my $n = sysread($sock, $buf, 4096, length $buf) or last;
}
like($buf, qr/Z\0\0\0\x05I/, 'a raw connection is ready for a query');
print $sock pack('aN', "\xf0", 4);
sysread($sock, $buf, 4096);
close $sock;
ok(wait_until(sub { count_for('ended_fatal', 'lg-proto') == 1 }, 10), 'an invalid message type: ended_fatal');

done_testing();
