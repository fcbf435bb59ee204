# id.t: `lifeguard id` and the library's CUID2 calls, checked against the
# rules of the SQL functions (is_prefixed_id in the test cluster) and their
# error messages.  Runs the optimised and the ASan+UBSan builds.
use strict;
use warnings;
use Test::More;
use LG qw(psql psql_err);
use LGClient qw(binaries lg_env cli program sanitizer_clean);

for my $b (binaries()) {
	my ($v) = @$b;

	my ($rc, $out, $err) = cli($v, lg_env(), 'id', 'ws', '-n', '1000');
	is($rc, 0, "[$v] id ws -n 1000: exit 0");
	ok(sanitizer_clean($err), "[$v] id: sanitizer clean") or diag($err);
	my @ids = split /\n/, $out;
	is(scalar @ids, 1000, "[$v] 1000 ids");
	is(scalar(grep { /^ws_[a-z][0-9a-z]{23}$/ } @ids), 1000, "[$v] every id is ws_ + 24 CUID2 characters");
	my %seen = map { $_ => 1 } @ids;
	is(scalar keys %seen, 1000, "[$v] no duplicates");
	my $list = join(',', map { "'$_'" } @ids);
	is(psql("SELECT count(*) FILTER (WHERE is_prefixed_id(x, 'ws')) FROM unnest(ARRAY[$list]) AS x"),
		'1000', "[$v] the SQL function is_prefixed_id accepts every id");

	($rc, $out) = cli($v, lg_env(), 'id', 'user_account', '--length', '10');
	like($out, qr/^user_account_[a-z][0-9a-z]{9}\n\z/, "[$v] --length 10, prefix with an underscore");
	($rc, $out) = cli($v, lg_env(), 'id', 'a', '--length', '2', '-n', '3');
	like($out, qr/\A(?:a_[a-z][0-9a-z]\n){3}\z/, "[$v] --length 2");
	($rc, $out) = cli($v, lg_env(), 'id', 'x' x 63, '--length', '32');
	like($out, qr/^x{63}_[a-z][0-9a-z]{31}\n\z/, "[$v] longest prefix, longest id");

	# the same messages as the SQL function
	for my $p ('Ws', 'ws_', '1ws', 'w-s', 'x' x 64) {
		my $sql = psql_err("SELECT gen_prefixed_id('$p')");
		my ($msg) = $sql =~ /ERROR:\s+(.*)/;
		my ($detail) = $sql =~ /DETAIL:\s+(.*)/;
		($rc, $out, $err) = cli($v, lg_env(), 'id', $p);
		is($rc, 2, "[$v] bad prefix '$p': exit 2");
		is($err, "lifeguard id: $msg: $detail\n", "[$v] bad prefix '$p': the SQL function's message and detail");
	}

	my @bad = (
		[[], qr/^lifeguard id: missing PREFIX/],
		[[''], qr/^lifeguard id: invalid prefix "": The prefix is empty\./],
		[['ws', '-n', '0'], qr/^lifeguard id: invalid -n "0": out of range; expected an integer from 1 to 1000000$/],
		[['ws', '-n', 'abc'], qr/^lifeguard id: invalid -n "abc": not a whole number/],
		[['ws', '-n', '1000001'], qr/^lifeguard id: invalid -n "1000001": out of range/],
		[['ws', '-n', '-3'], qr/^lifeguard id: invalid -n "-3": not a whole number/],
		[['ws', '--length', '1'], qr/^lifeguard id: invalid --length "1": out of range; expected an integer from 2 to 32$/],
		[['ws', '--length', '33'], qr/^lifeguard id: invalid --length "33": out of range/],
		[['ws', '--length', '99999999999999999999'], qr/^lifeguard id: invalid --length "99999999999999999999": out of range/],
		[['ws', '--length'], qr/^lifeguard id: option "--length" needs a value/],
		[['ws', 'extra'], qr/^lifeguard id: unexpected argument "extra"/],
		[['ws', '--frob'], qr/^lifeguard id: unknown option "--frob"/],
	);
	for my $case (@bad) {
		my ($args, $re) = @$case;
		($rc, $out, $err) = cli($v, lg_env(), 'id', @$args);
		is($rc, 2, "[$v] id @$args: exit 2");
		like($err, $re, "[$v] id @$args: message");
		like($err, qr/\A[^\n]*\n\z/, "[$v] id @$args: one line");
		is($out, '', "[$v] id @$args: nothing on stdout");
	}

	# user input is quoted up to 100 bytes (whole UTF-8 characters), then "..."
	my @long = (
		['a 100 kB prefix', ['a' x 100_000], qr/^lifeguard id: invalid prefix "a{100}\.\.\.": The prefix is longer than 63 characters\.[^\n]{0,200}$/],
		['a prefix of 2-byte characters', ["\xc3\xa9" x 80], qr/^lifeguard id: invalid prefix "(?:\xc3\xa9){50}\.\.\.": /],
		['a prefix of 3-byte characters', ["\xe6\x97\xa5" x 40], qr/^lifeguard id: invalid prefix "(?:\xe6\x97\xa5){33}\.\.\.": /],
		['a 100 kB extra argument', ['ws', 'x' x 100_000], qr/^lifeguard id: unexpected argument "x{100}\.\.\." \(usage/],
		['a 100 kB -n', ['ws', '-n', '9' x 100_000], qr/^lifeguard id: invalid -n "9{100}\.\.\.": out of range/],
		['a 100 kB option', ['ws', '--frob' . 'x' x 100_000], qr/^lifeguard id: unknown option "--frobx{94}\.\.\." /],
	);
	for my $case (@long) {
		my ($name, $args, $re) = @$case;
		($rc, $out, $err) = cli($v, lg_env(), 'id', @$args);
		is($rc, 2, "[$v] id with $name: exit 2");
		like($err, $re, "[$v] id with $name: the message quotes 100 bytes at most");
		ok(length($err) < 400, "[$v] id with $name: a short message");
	}

	# the library calls from 8 threads: valid, unique, errors reported
	($rc, $out, $err) = program($v, 'pool_test', lg_env(), 'ids', '8', '5000');
	is($rc, 0, "[$v] lg_id_generate from 8 threads: exit 0") or diag($err);
	ok(sanitizer_clean($err), "[$v] ids: sanitizer clean") or diag($err);
	like($out, qr/^ids=40000$/m, "[$v] 40000 ids");
	like($out, qr/^bad=0$/m, "[$v] every id valid");
	like($out, qr/^duplicates=0$/m, "[$v] no duplicates across threads");
	like($out, qr/^small_buffer_status=misuse$/m, "[$v] a short buffer is refused");
	like($out, qr/^bad_prefix_message=invalid prefix "Ws": The prefix does not start with a lowercase ASCII letter\./m,
		"[$v] library prefix error");
	like($out, qr/^bad_length_message=invalid CUID2 length 33: the length must be between 2 and 32$/m,
		"[$v] library length error");
}

done_testing();
