# multihost.t: host lists as libpq accepts them (a host without a port
# gets the default port), every host shown by `lifeguard config`; and a
# connection error longer than the message buffers keeps its end (the
# reason) with its middle shortened.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use FindBin;
use lib $FindBin::Bin;
use LG qw(free_port);
use LGClient qw(binaries lg_env cli sanitizer_clean);

my $json = JSON::PP->new;
my $closed = free_port();

# [DATABASE_URL, url shown, host, port]
my @ok = (
	['postgresql://u@h1,h2:5432/db', 'postgresql://u@h1,h2:5432/db', 'h1,h2', 5432],
	['postgresql://u@h1:5433,h2/db', 'postgresql://u@h1:5433,h2/db', 'h1,h2', 5433],
	['postgresql://u@h1,h2,h3:6000/db', 'postgresql://u@h1,h2,h3:6000/db', 'h1,h2,h3', 5432],
	['host=h1,h2 port=,5432 dbname=db', 'dbname=db host=h1,h2 port=,5432', 'h1,h2', 5432],
	['host=h1,h2 port=5433, dbname=db', 'dbname=db host=h1,h2 port=5433,', 'h1,h2', 5433],
);

for my $b (binaries()) {
	my ($variant) = @$b;
	for my $case (@ok) {
		my ($url, $shown, $host, $port) = @$case;
		my ($rc, $out, $err) = cli($variant, lg_env(DATABASE_URL => $url), 'config', '--format', 'json');
		is($rc, 0, "[$variant] $url: accepted") or diag($err);
		my $o = eval { $json->decode($out) } || {};
		is($o->{url}, $shown, "[$variant] $url: every host in the url");
		is($o->{host}, $host, "[$variant] $url: host");
		is($o->{port}, $port, "[$variant] $url: first port");
		($rc, $out) = cli($variant, lg_env(DATABASE_URL => $url), 'config');
		like($out, qr/^url\s+\Q$shown\E$/m, "[$variant] $url: text shows every host");
	}
	my ($rc, $out, $err) = cli($variant, lg_env(DATABASE_URL => 'host=h1,h2 port=,abc'), 'config');
	is($rc, 2, "[$variant] a bad port in a list: exit 2");
	like($err, qr/port "abc" is not a number from 1 to 65535/, "[$variant] a bad port in a list: named");

	# a real connection: the first host has no port (libpq's default 5432,
	# where nothing of ours listens), the second is the test cluster
	($rc, $out, $err) = cli($variant,
		lg_env(DATABASE_URL => "host=127.0.0.1,127.0.0.1 port=,$ENV{PGPORT} dbname=$ENV{PGDATABASE} user=$ENV{PGUSER}"),
		'health', '--json');
	is($rc, 0, "[$variant] health over a host list with an empty port: exit 0") or diag("$out$err");

	# a connection error longer than 1 KB: twelve refusing hosts, then the
	# test cluster without the database; the reason is at the end
	my $hosts = join(',', ('127.0.0.1') x 13);
	my $ports = join(',', ($closed) x 12, $ENV{PGPORT});
	my $db = 'no_such_database_the_reason_is_here';
	($rc, $out, $err) = cli($variant,
		lg_env(DATABASE_URL => "host=$hosts port=$ports dbname=$db user=$ENV{PGUSER}"), 'health');
	is($rc, 3, "[$variant] long connection error: exit 3");
	ok(sanitizer_clean($err), "[$variant] long connection error: sanitizer clean") or diag($err);
	like($err, qr/\A[^\n]*\n\z/, "[$variant] long connection error: one line");
	like($err, qr/^lifeguard health: could not connect to /, "[$variant] long connection error: the start kept");
	like($err, qr/database "\Q$db\E" does not exist\n\z/, "[$variant] long connection error: the reason kept at the end")
		or diag($err);
	like($err, qr/ \.\.\. /, "[$variant] long connection error: the middle shortened");
	cmp_ok(length($err), '<=', 1024, "[$variant] long connection error: at most 1 KB");
}

done_testing();
