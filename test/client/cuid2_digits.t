# cuid2_digits.t: the parts of lifeguard's CUID2 core that make an id
# without the reference's whole conversion, through test/client/
# cuid2_digits.c:
#  - the quick leading digits of a digest (lg_cuid2_digest_leading) and an
#    id's digits (lg_cuid2_digest_id_digits, the digits 2 to length) equal
#    the whole conversion's on 1,000,000 pseudo-random digests, every count
#    from 1 to 33 and length from 2 to 32;
#  - the whole conversion equals Math::BigInt's base 36 on edge and
#    adversarial digests: the quick method answers right where the digits
#    after the first 36 (of the digest as a 100-digit number) start with
#    eight zeros or z's, and declines where they start with ten (closer
#    than 2^-48 to a boundary: a margin over its approximation's error);
#  - lg_cuid2_generate makes the id lg_cuid2_compose makes from the same
#    time, letter, salt, counter and fingerprint, for every length, drawing
#    the letter and salt from known random bytes (a rejected word first),
#    and its base36 counter carries ("zz" then "100").
# Needs neither a server nor node, so test/matrix.sh runs it against
# OpenSSL 1.1.1 too.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use Math::BigInt;

my $root = $ENV{LG_ROOT} // "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);

# run(\@argv, stdin text) -> (exit code, stdout, stderr), through files
sub run {
	my ($argv, $stdin) = @_;
	open my $in, '>', "$tmp/stdin" or die $!;
	print $in $stdin // '';
	close $in;
	my $out = qx{@{[ join ' ', map { "'$_'" } @$argv ]} < '$tmp/stdin' 2> '$tmp/stderr'};
	my $rc = $? >> 8;
	my $err = do { local (@ARGV, $/) = "$tmp/stderr"; <> } // '';
	return ($rc, $out, $err);
}

my $bin = "$tmp/cuid2_digits";
my ($rc, $out, $err) = run(['cc', '-O2', '-Wall', '-Wextra', '-Werror', "-I$root/common", '-o', $bin,
	"$root/test/client/cuid2_digits.c", "$root/common/cuid2.c", '-lcrypto']);
is($rc, 0, 'built the driver with -Werror') or diag $err;

# ---------------------------------------------------------------- random digests
my $seed = $ENV{LG_SEED} // time;
note "seed $seed (set LG_SEED to repeat)";
($rc, $out, $err) = run([$bin, 'random', 1_000_000, $seed]);
is($rc, 0, 'the random digests ran') or diag $err;
my ($checked, $quick, $fallback, $id, $id_fallback, $wrong) =
	$out =~ /^checked (\d+) quick (\d+) fallback (\d+) id (\d+) id_fallback (\d+) wrong (\d+)$/;
is($wrong, 0, 'the quick leading digits and an id\'s digits equal the whole conversion on 1,000,000 digests, counts 1 to 33, lengths 2 to 32');
cmp_ok($quick, '>=', 999_990, "the quick leading digits answered for $quick of them (declined $fallback)");
# an id's digits decline numbers of fewer than 99 digits, one in 41
cmp_ok($id, '>=', 0.95 * ($id + $id_fallback), "an id's digits answered for $id of " . ($id + $id_fallback) . " (declined $id_fallback)");

# ---------------------------------------------------------------- edge digests
my $two512 = Math::BigInt->new(2)->bpow(512);
sub pow36 { Math::BigInt->new(36)->bpow($_[0]) }
sub hex512 { my $h = $_[0]->as_hex =~ s/^0x//r; ('0' x (128 - length $h)) . $h }
sub base36 { lc $_[0]->to_base(36) }

my @edge = map { Math::BigInt->new($_) } 0, 1, 35, 36;
push @edge, $two512->copy->bsub(1), pow36(99)->bsub(1), pow36(99), pow36(98), pow36(98)->bsub(1),
	pow36(94)->bsub(1), pow36(93), pow36(93)->bsub(1);
# numbers of 60 to 65 digits: as a 100-digit number, the first 35 to 40 are zeros
push @edge, map { (pow36($_), pow36($_ + 1)->bsub(1), pow36($_)->bmul(7)->badd(5)) } 59 .. 64;
# a random number of d digits, the first nonzero
sub random_digits {
	my ($d) = @_;
	my @b36 = ('0' .. '9', 'a' .. 'z');
	return Math::BigInt->from_base(join('', $b36[1 + int(rand(35))], map { $b36[int(rand(36))] } 2 .. $d), 36);
}
srand($seed);
# near a boundary: the quick method reads the digest as a number of 100
# digits (a leading zero when it has 99) and decides its first 36 (39 when
# they might not be enough); so: 36 digits A (with the leading zero), then
# eight or ten zeros or z's, then more
my (@near, @nearer);
for my $i (1 .. 200) {
	my $digits = $i % 2 ? 99 : 100;
	my $lead = $digits - 64;	# A's digits without the leading zero
	my $a = random_digits($lead);
	# with 100 digits, below 2^512: A starts with "10"
	$a = Math::BigInt->from_base('10' . substr(base36(random_digits($lead - 1)), 1), 36) if $digits == 100;
	for my $run (8, 10) {
		my $rest = $digits - $lead - $run;
		my $tail = random_digits($rest);
		my $up = $a->copy->bmul(pow36($digits - $lead))->badd($tail);		# A 000...0 tail
		my $down = $a->copy->bmul(pow36($digits - $lead))->bsub($tail);	# (A-1) zzz...z ...
		push @{ $run == 8 ? \@near : \@nearer }, grep { $_->bcmp($two512) < 0 } $up, $down;
	}
}
# and for an id's digits, which after the number's first two take 24 (length
# 24) or 36 (length 32): 26 or 38 digits, then eight or ten zeros or z's
my (@id_near, @id_case);
for my $i (1 .. 100) {
	my $digits = $i % 2 ? 99 : 100;
	for my $len (24, 32) {
		my $lead = $len == 24 ? 26 : 38;
		my $a = random_digits($lead);
		$a = Math::BigInt->from_base('10' . substr(base36(random_digits($lead - 1)), 1), 36) if $digits == 100;
		for my $run (8, 10) {
			my $tail = random_digits($digits - $lead - $run);
			for my $n ($a->copy->bmul(pow36($digits - $lead))->badd($tail), $a->copy->bmul(pow36($digits - $lead))->bsub($tail)) {
				next if $n->bcmp($two512) >= 0;
				push @id_near, $n;
				push @id_case, [$len, $run];
			}
		}
	}
}
my @all = (@edge, @near, @nearer, @id_near);
($rc, $out, $err) = run([$bin, 'digests'], join('', map { hex512($_) . "\n" } @all));
is($rc, 0, 'the edge digests ran') or diag $err;
my @lines = split /\n/, $out;
is(scalar(@lines), scalar(@all), 'one answer per digest');
my @counts = (33, 25, 3, 1);
my @id_lengths = (32, 24);
my (@bad_whole, @bad_quick, @answered_near, @declined_nearer, @id_wrong_decision);
for my $k (0 .. $#all) {
	my ($whole, @q) = split / /, $lines[$k] // '';
	my $want = base36($all[$k]);
	push @bad_whole, $k if ($whole // '') ne $want;
	for my $c (0 .. $#counts) {
		my $q = $q[$c] // '';
		push @bad_quick, "$k/$counts[$c]" if $q ne '-' && $q ne substr($want, 0, $counts[$c]);
	}
	for my $c (0 .. $#id_lengths) {
		my $q = $q[@counts + $c] // '';
		push @bad_quick, "$k/id$id_lengths[$c]" if $q ne '-' && $q ne substr($want, 2, $id_lengths[$c] - 1);
	}
	push @answered_near, $k if $k >= @edge && $k < @edge + @near && !grep { $_ eq '-' } @q[0, 1, 4, 5];
	push @declined_nearer, $k if $k >= @edge + @near && $k < @edge + @near + @nearer && !grep { $_ ne '-' } @q[0, 1];
	if ($k >= @edge + @near + @nearer) {
		my $j = $k - @edge - @near - @nearer;
		my ($len, $run) = @{ $id_case[$j] };
		my $q = $q[$len == 32 ? 4 : 5];
		push @id_wrong_decision, $k if ($run == 8) != ($q ne '-');
	}
}
is(scalar(@bad_whole), 0, 'the whole conversion equals Math::BigInt on all ' . scalar(@all) . ' edge digests')
	or diag "first: $all[$bad_whole[0]]";
is(scalar(@bad_quick), 0, 'every quick answer is right (first 33, 25, 3 and 1 digits; an id\'s for lengths 32 and 24)')
	or diag "first: $bad_quick[0]";
is(scalar(@answered_near), scalar(@near),
	'the quick method answers where eight zeros or z\'s follow the first 36 digits (' . scalar(@near) . ')');
is(scalar(@declined_nearer), scalar(@nearer),
	'... and declines where ten do (' . scalar(@nearer) . ')');
ok(scalar(grep { $_->bcmp(pow36(93)) < 0 } @edge) >= 18, 'the edge digests include numbers of fewer than 94 digits');
is(scalar(@id_wrong_decision), 0, 'an id\'s digits are answered where eight zeros or z\'s follow the digits it takes, '
	. 'and declined where ten do (' . scalar(@id_near) . ')');

# ---------------------------------------------------------------- generate
($rc, $out, $err) = run([$bin, 'generate']);
is($rc, 0, 'generate ran') or diag $err;
my @gen = split /\n/, $out;
is(scalar(@gen), 3 * 6 * 31, 'three random fills, six counters, every length 2 to 32');
is(scalar(grep { /^ok / } @gen), scalar(@gen),
	'lg_cuid2_generate makes lg_cuid2_compose\'s id from the same inputs, every time')
	or diag(join "\n", grep { !/^ok / } @gen);
my %after = map { /counter (\S+) length 2: \S+, then (\S+)$/ ? ($1 => $2) : () } @gen;
is_deeply(\%after, { '7ab' => '7ac', a9 => 'aa', a9z => 'aa0', zz => '100', '9zzz' => 'a000', 0 => '1' },
	'the base36 counter counts on: 7ab 7ac, a9 aa, a9z aa0, zz 100, 9zzz a000, 0 1');
my %letters = map { /fill (\S+) counter \S+ length \d+: (.)/ ? ("$1 $2" => 1) : () } @gen;
my $m = pow36(10)->bmul(26);
my %want_letters = map { my $w = Math::BigInt->from_hex($_ x 8);
	("$_ " . chr(97 + $w->copy->bmod($m)->bmod(26)->numify) => 1) } qw(00 01 a7);
is_deeply(\%letters, \%want_letters,
	'the letter is the first word kept (the all-ones one is rejected) mod 26*36^10 mod 26');

done_testing();
