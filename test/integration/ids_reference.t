# ids_reference.t: lifeguard's CUID2 against the reference package
# @paralleldrive/cuid2 (pinned in package-lock.json), run live under node.
#  - cuid2_hash() equals the reference hash() on 2,200 inputs: ASCII,
#    two-, three- and four-byte UTF-8, empty, and long ones;
#  - the core composes the same whole id as the reference init() from the
#    same time, letter, salt, counter and fingerprint (500 cases, every
#    length 2..32);
#  - ids made by the server pass the reference isCuid().
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(psql run_cmd node_run);

my $seed = $ENV{LG_SEED} // time;
srand($seed);
note "random seed $seed (set LG_SEED to repeat)";
my $json = JSON::PP->new->utf8->canonical;

sub rand_string {
	my ($len) = @_;
	my @ranges = ([0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xfffd], [0x10000, 0x1faff]);
	my $kind = int(rand(4));
	my $s = '';
	for (1 .. $len) {
		my $r = $kind == 0 ? $ranges[0] : $ranges[int(rand(@ranges))];
		$s .= chr($r->[0] + int(rand($r->[1] - $r->[0] + 1)));
	}
	return $s;
}

# ---------------------------------------------------------------- hash
my @inputs = ('', 'a', 'ws', ' ', "tab\there", "new\nline", '$J$', "\x{1F600}", "\x{65E5}\x{672C}");
push @inputs, rand_string(int(rand(120))) for 1 .. 2000;
push @inputs, rand_string(1000 + int(rand(9000))) for 1 .. 150;
push @inputs, 'x' x 100_000, "\x{1F600}" x 20_000;
# the SQL below quotes the list with $J$; keep that tag out of the inputs
@inputs = map { s/\$J\$/\$j\$/gr } @inputs;
cmp_ok(scalar(@inputs), '>=', 2000, 'at least 2,000 inputs');
ok((grep { /[^\x00-\x7f]/ } @inputs) > 1000, 'more than 1,000 of them are multi-byte UTF-8');

my ($rc, $out, $err) = node_run('cuid2_reference.mjs', 'hash', { stdin => $json->encode(\@inputs) });
is($rc, 0, 'reference hash() ran under node') or diag $err;
my $want = $json->decode($out);
is(scalar(@$want), scalar(@inputs), 'one reference hash per input');

my $got = psql('SELECT cuid2_hash(x) FROM json_array_elements_text($J$' . $json->encode(\@inputs)
	. '$J$::json) WITH ORDINALITY AS t(x, n) ORDER BY n');
my @got = split /\n/, $got, -1;
is(scalar(@got), scalar(@inputs), 'one cuid2_hash() per input');
my @diff = grep { ($got[$_] // '') ne $want->[$_] } 0 .. $#inputs;
is(scalar(@diff), 0, 'cuid2_hash() equals the reference hash() on all ' . scalar(@inputs) . ' inputs')
	or diag "first difference at input $diff[0]: got $got[$diff[0]], want $want->[$diff[0]]";

# ---------------------------------------------------------------- whole ids
my @b36 = ('0' .. '9', 'a' .. 'z');
my @cases;
for my $i (0 .. 499) {
	my $length = 2 + ($i % 31);
	push @cases, {
		time => int(rand(2**44)),
		letter => int(rand(26)),
		salt => [map { int(rand(36)) } 1 .. $length],
		counter => int(rand(2**40)),
		fingerprint => join('', map { $b36[int(rand(36))] } 1 .. 32),
		length => $length,
	};
}
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'ids', { stdin => $json->encode(\@cases) });
is($rc, 0, 'reference init() ran under node') or diag $err;
my $ref_ids = $json->decode($out);

my $bin = "$ENV{LG_TMP}/cuid2_compose";
($rc, $out, $err) = run_cmd(['cc', '-O2', "-I$ENV{LG_ROOT}/common", '-o', $bin,
	"$ENV{LG_ROOT}/test/integration/cuid2_compose.c", "$ENV{LG_ROOT}/common/cuid2.c", '-lcrypto']);
is($rc, 0, 'built the core test driver') or diag $err;
my $lines = join('', map {
	sprintf "%d %s %s %d %s %d\n", $_->{time}, chr(97 + $_->{letter}),
		join('', map { $b36[$_] } @{ $_->{salt} }), $_->{counter}, $_->{fingerprint}, $_->{length}
} @cases);
($rc, $out, $err) = run_cmd([$bin], stdin => $lines);
is($rc, 0, 'the core composed every case') or diag $err;
my @core_ids = split /\n/, $out;
is(scalar(@core_ids), scalar(@cases), 'one id per case');
@diff = grep { ($core_ids[$_] // '') ne $ref_ids->[$_] } 0 .. $#cases;
is(scalar(@diff), 0, 'the core composes the same id as the reference init() in all 500 cases')
	or diag "first difference at case $diff[0]: got $core_ids[$diff[0]], want $ref_ids->[$diff[0]]";
is_deeply([sort { $a <=> $b } keys %{ { map { (length($_) => 1) } @core_ids } }], [2 .. 32],
	'the cases cover every length from 2 to 32');

# ---------------------------------------------------------------- recorded vectors
# test/fixtures/cuid2_vectors.txt holds vectors recorded from the reference,
# for test/client/cuid2_vectors.t (no node there): every line must still be
# what the reference answers
my (@vin, @vhash, @vcases, @vids);
open my $vf, '<', "$ENV{LG_ROOT}/test/fixtures/cuid2_vectors.txt" or die "cuid2_vectors.txt: $!";
while (<$vf>) {
	next if /^#/;
	chomp;
	my @f = split / /;
	if ($f[0] eq 'hash') {
		my $s = $f[1] eq '-' ? '' : pack('H*', $f[1]);
		utf8::decode($s);
		push @vin, $s;
		push @vhash, $f[2];
	} else {
		push @vcases, { time => 0 + $f[1], letter => ord($f[2]) - 97,
			salt => [map { index(join('', @b36), $_) } split //, $f[3]],
			counter => 0 + $f[4], fingerprint => $f[5], length => 0 + $f[6] };
		push @vids, $f[7];
	}
}
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'hash', { stdin => $json->encode(\@vin) });
is($rc, 0, 'reference hash() of the recorded inputs') or diag $err;
is_deeply($json->decode($out), \@vhash, 'cuid2_vectors.txt: every recorded hash is the reference hash() (' . scalar(@vin) . ')');
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'ids', { stdin => $json->encode(\@vcases) });
is($rc, 0, 'reference init() of the recorded cases') or diag $err;
is_deeply($json->decode($out), \@vids, 'cuid2_vectors.txt: every recorded id is the reference init() (' . scalar(@vids) . ')');

# ---------------------------------------------------------------- isCuid
my @server = split /\n/, psql(q{SELECT gen_cuid2(2 + n % 31) FROM generate_series(0, 999) n
	UNION ALL SELECT substr(gen_prefixed_id('ws'), 4) FROM generate_series(1, 1000)});
($rc, $out, $err) = node_run('cuid2_reference.mjs', 'iscuid', { stdin => $json->encode(\@server) });
is($rc, 0, 'reference isCuid() ran under node') or diag $err;
my $valid = $json->decode($out);
is(scalar(grep { $_ } @$valid), 2000, 'all 2,000 server-made ids pass the reference isCuid()');

done_testing();
