# config_vars.t: one table of environment variables drives resolution, the
# help and the documentation.  `lifeguard config --list-variables`,
# `lifeguard config --help` and docs/environment.md name the same
# variables, and each one is read: an invalid value in it is an error that
# names it.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use LGClient qw(binaries lg_env cli);

my $root = $ENV{LG_ROOT};
my $URL = 'postgresql://app@db.internal:5432/appdb';

open my $fh, '<', "$root/docs/environment.md" or die "docs/environment.md: $!";
my @doc = map { /^\| `([A-Z_]+)` \|/ ? $1 : () } <$fh>;
close $fh;

for my $b (binaries()) {
	my ($variant) = @$b;
	my ($rc, $out, $err) = cli($variant, lg_env(), 'config', '--list-variables');
	is($rc, 0, "[$variant] --list-variables: exit 0");
	my @table = map { (split /\t/)[0] } split /\n/, $out;
	ok(scalar(@table) >= 12, "[$variant] --list-variables: the variables") or diag($out);
	ok((grep { $_ eq 'DATABASE_STATEMENT_CACHE' } @table), "[$variant] DATABASE_STATEMENT_CACHE is in the table");
	is_deeply(\@doc, \@table, "[$variant] docs/environment.md lists exactly the table's variables, in order");

	($rc, $out) = cli($variant, lg_env(), 'config', '--help');
	my ($envsec) = $out =~ /\nEnvironment:\n(.*?)\n\n/s;
	my @help = map { /^\s+([A-Z_]+)\s/ ? $1 : () } split /\n/, $envsec // '';
	is_deeply(\@help, \@table, "[$variant] config --help lists exactly the table's variables");

	# every variable of the table is read and validated
	for my $v (@table) {
		next if $v eq 'DATABASE_URL' || $v eq 'DIRECT_URL';
		($rc, $out, $err) = cli($variant, lg_env(DATABASE_URL => $URL, $v => "bogus\x01"), 'config');
		is($rc, 2, "[$variant] $v=bogus: exit 2");
		like($err, qr/^lifeguard config: invalid \Q$v\E\b/, "[$variant] $v=bogus: the error names $v");
	}
	($rc, $out, $err) = cli($variant, lg_env(DIRECT_URL => "bogus\x01"), 'config');
	like($err, qr/invalid DIRECT_URL/, "[$variant] DIRECT_URL is read");
	($rc, $out, $err) = cli($variant, lg_env(DATABASE_URL => "bogus\x01"), 'config');
	like($err, qr/invalid DATABASE_URL/, "[$variant] DATABASE_URL is read");
}

done_testing();
