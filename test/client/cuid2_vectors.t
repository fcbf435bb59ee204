# cuid2_vectors.t: lifeguard's CUID2 core (common/cuid2.c) against vectors
# recorded from the reference package, test/fixtures/cuid2_vectors.txt:
# hash() of every recorded input and whole ids composed from recorded time,
# letter, salt, counter and fingerprint.  test/integration/ids_reference.t
# checks the file against the reference itself under node.  Needs neither a
# server nor node, so test/matrix.sh also runs it where libcrypto is OpenSSL
# 1.1.1; it then checks the `lifeguard id` CLI built against the same core.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;

my $root = $ENV{LG_ROOT} // "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);

sub run {
	my ($argv, $stdin) = @_;
	my $in = "$tmp/in";
	open my $fh, '>', $in or die $!;
	print $fh $stdin // '';
	close $fh;
	my $cmd = join(' ', map { "'$_'" } @$argv) . " < '$in' 2> '$tmp/err'";
	my $out = `$cmd`;
	my $rc = $? >> 8;
	open my $fe, '<', "$tmp/err" or die $!;
	my $err = do { local $/; <$fe> } // '';
	return ($rc, $out, $err);
}

my (@hash_in, @hash_want, @id_in, @id_want);
open my $fh, '<', "$root/test/fixtures/cuid2_vectors.txt" or die "cuid2_vectors.txt: $!";
while (my $line = <$fh>) {
	next if $line =~ /^#/;
	# "hash INPUT HASH", or "id TIME LETTER SALT COUNTER FINGERPRINT LENGTH ID"
	if ($line =~ /^hash (\S+) (\S+)$/) {
		push @hash_in, $1;
		push @hash_want, $2;
	} elsif ($line =~ /^id ((?:\S+ ){5}\S+) (\S+)$/) {
		push @id_in, $1;
		push @id_want, $2;
	} else {
		BAIL_OUT("cuid2_vectors.txt line $.: not a vector");
	}
}

cmp_ok(scalar(@hash_in), '>=', 150, 'at least 150 recorded hashes');
cmp_ok(scalar(@id_in), '>=', 62, 'at least 62 recorded ids');

my $bin = "$tmp/cuid2_compose";
my ($rc, $out, $err) = run(['cc', '-O2', '-Wall', '-Wextra', '-Werror', "-I$root/common", '-o', $bin,
	"$root/test/integration/cuid2_compose.c", "$root/common/cuid2.c", '-lcrypto']);
is($rc, 0, 'built the core test driver with -Werror') or diag $err;

($rc, $out, $err) = run([$bin, 'hash'], join('', map { "$_\n" } @hash_in));
is($rc, 0, 'the core hashed every input') or diag $err;
my @got = split /\n/, $out;
my @diff = grep { ($got[$_] // '') ne $hash_want[$_] } 0 .. $#hash_in;
is(scalar(@diff), 0, 'hash() equals the reference on all ' . scalar(@hash_in) . ' recorded inputs')
	or diag "first difference at input $diff[0] ($hash_in[$diff[0]]): got " . ($got[$diff[0]] // '(none)');

($rc, $out, $err) = run([$bin], join('', map { "$_\n" } @id_in));
is($rc, 0, 'the core composed every case') or diag $err;
@got = split /\n/, $out;
@diff = grep { ($got[$_] // '') ne $id_want[$_] } 0 .. $#id_in;
is(scalar(@diff), 0, 'the core composes the reference id in all ' . scalar(@id_in) . ' recorded cases')
	or diag "first difference at case $diff[0]: got " . ($got[$diff[0]] // '(none)') . ", want $id_want[$diff[0]]";

# the CLI, built against the same core and libcrypto
my $cli = $ENV{LG_CLI} // "$root/client/lifeguard";
ok(-x $cli, "the lifeguard CLI is built ($cli)");
($rc, $out, $err) = run(['env', '-i', "PATH=$ENV{PATH}", $cli, 'id', 'ws', '-n', '500']);
is($rc, 0, 'lifeguard id ws -n 500: exit 0') or diag $err;
my @ids = split /\n/, $out;
is(scalar(grep { /^ws_[a-z][0-9a-z]{23}$/ } @ids), 500, 'lifeguard id: 500 ids, each ws_ + 24 CUID2 characters');
my %seen = map { $_ => 1 } @ids;
is(scalar(keys %seen), 500, 'lifeguard id: no duplicates');

done_testing();
