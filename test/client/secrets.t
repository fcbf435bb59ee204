# secrets.t: no secret in any output.  A corpus of hostile connection
# strings, as an attacker (or a careless copy from another tool's config)
# would write them, each run through every command and output format:
# config (text, json, env, conninfo, node-pg), health (text and --json),
# audit (text and --json), top, metrics and id.  For each run: the exit
# code, that an error names the offending part (parameter, key, scheme,
# port, host), and that no secret byte sequence (as written or
# percent-decoded) appears in stdout or stderr.
#
# Hosts are 127.0.0.1 on a closed port (connections are refused at once),
# or a fake server that asks for a password and rejects it (LGOps), so
# that libpq's own messages about the attempt are checked too.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use LG qw(free_port);
use LGClient qw(binaries lg_env cli sanitizer_clean);
use LGOps qw(reject_password_server stop_reject_server);

my $H = '127.0.0.1';
my $P = free_port();				# nothing listens there
my $P2 = free_port();
my $rej = reject_password_server();
my $R = $rej->{port};
END { local $?; stop_reject_server($rej) }

my $long = 'a' x 250;

# [name, {env}, [secrets], config exit, qr/what an error names/,
#  connect exit (health, audit, top, metrics), qr/what their error names/]
# (an undef regex: no error expected)
my $REFUSED = qr/could not connect to .*127\.0\.0\.1/;
# a string the shim accepts: config exits 0, a connecting command 3 (the
# connection refused, unless another reason is given)
sub accepted {
	my ($name, $env, $secrets, $conn_re) = @_;
	return [$name, $env, $secrets, 0, undef, 3, $conn_re // $REFUSED];
}
my @corpus = (
	accepted('URI password', {DATABASE_URL => "postgresql://u:S3cretPw1\@$H:$P/db"},
		['S3cretPw1']),
	accepted('postgres:// scheme', {DATABASE_URL => "postgres://u:Sch45Secret\@$H:$P/db"},
		['Sch45Secret']),
	accepted('sslpassword in a URI query', {DATABASE_URL => "postgresql://u\@$H:$P/db?sslpassword=SslPw2Secret"},
		['SslPw2Secret']),
	accepted('sslpassword in key=value', {DATABASE_URL => "host=$H port=$P sslpassword=SslPw3Secret"},
		['SslPw3Secret']),
	accepted('key=value password', {DATABASE_URL => "host=$H port=$P user=u password=KvPw4Secret"},
		['KvPw4Secret']),
	accepted('quoted key=value password with spaces', {DATABASE_URL => "password='Kv Pw5 Secret' host=$H port=$P"},
		['Kv Pw5 Secret', 'Pw5']),
	accepted('key=value password with an escaped quote', {DATABASE_URL => "host=$H port=$P password='it\\'sPw6Secret'"},
		["it'sPw6Secret", 'sPw6Secret']),
	accepted('a raw @ in the password', {DATABASE_URL => "postgresql://app:Zq7\@part2Secret\@$H:$P/db"},
		['Zq7@part2Secret', 'part2Secret', 'Zq7%40part2Secret']),
	accepted('two raw @ in the password', {DATABASE_URL => "postgresql://app:a8\@b8\@c8Secret\@$H:$P/db"},
		['a8@b8@c8Secret', 'b8@c8Secret', 'c8Secret']),
	['misspelled key Password=', {DATABASE_URL => "host=$H Password=MisPw9Secret"},
		['MisPw9Secret'], 2, qr/invalid connection option "Password"/, 2, qr/invalid connection option "Password"/],
	['misspelled key passwd=', {DATABASE_URL => "passwd=MisPw10Secret host=$H"},
		['MisPw10Secret'], 2, qr/invalid connection option "passwd"/, 2, qr/"passwd"/],
	['misspelled key in a URI query', {DATABASE_URL => "postgresql://u\@$H:$P/db?pasword=MisPw11Secret"},
		['MisPw11Secret'], 2, qr/invalid URI query parameter: "pasword"/, 2, qr/"pasword"/],
	['an unknown parameter next to a password (Prisma schema=)', {DATABASE_URL => "postgresql://u:Pw12Secret\@$H:$P/db?schema=public"},
		['Pw12Secret'], 2, qr/invalid URI query parameter: "schema"/, 2, qr/"schema"/],
	['a password parameter does not hide which parameter is wrong', {DATABASE_URL => "postgresql://u\@$H:$P/db?password=Pw13Secret&sslmod=require"},
		['Pw13Secret'], 2, qr/invalid URI query parameter: "sslmod"/, 2, qr/"sslmod"/],
	['mysql:// URL', {DATABASE_URL => "mysql://root:My14Secret\@$H:3306/db"},
		['My14Secret', 'root:My14Secret'], 2, qr/scheme "mysql" is not postgresql:\/\//, 2, qr/scheme "mysql"/],
	['redis:// URL with an empty user', {DATABASE_URL => "redis://:Redis15Secret\@$H:6379"},
		['Redis15Secret'], 2, qr/scheme "redis"/, 2, qr/scheme "redis"/],
	['https:// URL with a token as user', {DATABASE_URL => 'https://ghp_Token16Secret@github.com/x'},
		['ghp_Token16Secret'], 2, qr/scheme "https"/, 2, qr/scheme "https"/],
	['jdbc:postgresql:// URL', {DATABASE_URL => "jdbc:postgresql://u:Jdbc17Secret\@$H:$P/db"},
		['Jdbc17Secret'], 2, qr/scheme "jdbc:postgresql"/, 2, qr/scheme "jdbc:postgresql"/],
	['mongodb+srv:// URL', {DATABASE_URL => 'mongodb+srv://u:Mongo18Secret@cluster0.example.net/db'},
		['Mongo18Secret'], 2, qr/scheme "mongodb\+srv"/, 2, qr/scheme "mongodb\+srv"/],
	['upper-case scheme', {DATABASE_URL => "POSTGRESQL://u:Upper19Secret\@$H:$P/db"},
		['Upper19Secret'], 2, qr/scheme "POSTGRESQL"/, 2, qr/scheme "POSTGRESQL"/],
	['bad percent-encoding in the password', {DATABASE_URL => "postgresql://u:Pct20Secret%zz\@$H:$P/db"},
		['Pct20Secret'], 2, qr/invalid percent-encoded token/, 2, qr/invalid percent-encoded token/],
	['%00 in the password', {DATABASE_URL => "postgresql://u:Nul21Secret%00\@$H:$P/db"},
		['Nul21Secret'], 2, qr/forbidden value %00/, 2, qr/forbidden value %00/],
	['pgbouncer=yes next to a password', {DATABASE_URL => "postgresql://u:Pgb22Secret\@$H:$P/db?pgbouncer=yes"},
		['Pgb22Secret'], 2, qr/"pgbouncer=yes"/, 2, qr/"pgbouncer=yes"/],
	['port out of range next to a password', {DATABASE_URL => "postgresql://u:Port23Secret\@$H:99999/db"},
		['Port23Secret'], 2, qr/port "99999" is not a number/, 2, qr/port "99999"/],
	['non-numeric port next to a password', {DATABASE_URL => "postgresql://u:Port24Secret\@$H:abc/db"},
		['Port24Secret'], 2, qr/port "abc" is not a number/, 2, qr/port "abc"/],
	['unknown sslmode next to an sslpassword', {DATABASE_URL => "postgresql://u\@$H:$P/db?sslmode=required&sslpassword=Ssl25Secret"},
		['Ssl25Secret'], 2, qr/unknown sslmode "required"/, 2, qr/sslmode "required"/],
	['keepalives=2 next to a key=value password', {DATABASE_URL => "host=$H port=$P password=Ka26Secret keepalives=2"},
		['Ka26Secret'], 2, qr/keepalives must be 0 or 1/, 2, qr/keepalives/],
	['unterminated quote in a password', {DATABASE_URL => "host=$H password='Quote27Secret"},
		['Quote27Secret'], 2, qr/unterminated quoted string/, 2, qr/unterminated/],
	['unquoted password with a space', {DATABASE_URL => "host=$H password=Space28 Secret28Tail"},
		['Space28', 'Secret28Tail'], 2, qr/missing "=" after/, 2, qr/missing "="/],
	['a raw / in the password', {DATABASE_URL => "postgresql://u:Slash29/Secret\@$H:$P/db"},
		['Slash29', 'Slash29/Secret'], 2, qr/ambiguous; percent-encode a "\/" in the password as %2F/, 2, qr/%2F/],
	# characters a URI's password holds as they are: the password whole, and
	# its start (libpq's parser must not stop there)
	(map { my ($name, $pw, $start) = @$_;
		accepted($name, {DATABASE_URL => "postgresql://u:$pw\@$H:$P/db"}, [$pw, $start]) }
		['a raw ? in the password', 'Q30?Secret', 'Q30'], ['a raw # in the password', 'H31#Secret', 'H31'],
		['a : in the password', 'Col32:Secret', 'Col32'], ['& in the password', 'Amp46&Secret', 'Amp46']),
	accepted('multi-host with a password', {DATABASE_URL => "postgresql://u:Multi33Secret\@$H:$P,$H:$P2/db"},
		['Multi33Secret']),
	accepted('multi-host, a host without a port, with a password', {DATABASE_URL => "postgresql://u:Multi34Secret\@$H:$P,$H/db", PGPORT => $P2},
		['Multi34Secret']),
	['a URL with a password as the database name', {DATABASE_URL => "host=$H port=$P dbname=postgresql://u:Inner35Secret\@x/db"},
		['Inner35Secret'], 2, qr/the value of dbname is a URL with user info/, 2, qr/dbname/],
	['a URL nested deeper than is read, next to a bad parameter', {DATABASE_URL => "postgresql://u\@$H:$P/db?dbname=a://x/?v%3Db://x/?v%3Dc://x/?v%3Dmysql://u:Deep51Secret%40x&bogus=1"},
		['Deep51Secret'], 2, qr/invalid URI query parameter: "bogus"/, 2, qr/"bogus"/],
	['startup options in transaction pooling next to a password', {DATABASE_URL => "postgresql://u:Opt36Secret\@$H:6432/db?options=-c%20x%3Dy"},
		['Opt36Secret'], 2, qr/options="-c x=y" in transaction pooling/, 2, qr/options=/],
	accepted('DIRECT_URL with a password', {DIRECT_URL => "postgresql://u:Dir37Secret\@$H:$P/db"},
		['Dir37Secret']),
	accepted('a server that rejects the password', {DATABASE_URL => "postgresql://postgres:Rej38Secret\@$H:$R/db"},
		['Rej38Secret'], qr/password authentication failed/),
	accepted('a server that rejects the password, key=value with sslpassword', {DATABASE_URL => "host=$H port=$R user=postgres password=Rej39Secret sslpassword=Ssl39Secret"},
		['Rej39Secret', 'Ssl39Secret'], qr/password authentication failed/),
	accepted('a percent-encoded password', {DATABASE_URL => "postgresql://u:Enc40%21Secret\@$H:$P/db"},
		['Enc40%21Secret', 'Enc40!Secret']),
	['a long URL with a password and a bad parameter', {DATABASE_URL => "postgresql://u:Long41Secret\@$H:$P/db?application_name=$long&bogus=1"},
		['Long41Secret'], 2, qr/invalid URI query parameter: "bogus"/, 2, qr/"bogus"/],
	['an unterminated IPv6 address', {DATABASE_URL => 'postgresql://u:V6Secret42@[::1/db'},
		['V6Secret42'], 2, qr/IPv6/, 2, qr/IPv6/],
	['an sslpassword inside a bracketed host', {DATABASE_URL => "postgresql://[/?sslpassword=Brk52Secret&/]:$P/db"},
		['Brk52Secret'], 2, qr/host 1 is in brackets, which hold an IPv6 address, but it contains "\/"/, 2, qr/in brackets/],
	['a trailing word after a password', {DATABASE_URL => "host=$H password=Tail43Secret port"},
		['Tail43Secret'], 2, qr/missing "=" after "port"/, 2, qr/"port"/],
	accepted('the password given twice', {DATABASE_URL => "password=Dup44Secret password=Dup44Other host=$H port=$P"},
		['Dup44Secret', 'Dup44Other']),
	accepted('a password in both the user info and the query', {DATABASE_URL => "postgresql://u:Both47Secret\@$H:$P/db?password=Both47Other"},
		['Both47Secret', 'Both47Other']),
	['an ssl key password next to an unknown sslmode (key=value)', {DATABASE_URL => "host=$H sslpassword='Ssl48 Secret' sslmode=bogus"},
		['Ssl48 Secret', 'Ssl48'], 2, qr/unknown sslmode "bogus"/, 2, qr/sslmode "bogus"/],
	['a URL with user info as a parameter value, next to a bad parameter', {DATABASE_URL => "postgresql://u\@$H:$P/db?dbname=mysql://u:Nest49Secret\@x&bogus=1"},
		['Nest49Secret'], 2, qr/invalid URI query parameter: "bogus"/, 2, qr/"bogus"/],
	['the same, percent-encoded', {DATABASE_URL => "postgresql://u\@$H:$P/db?dbname=mysql%3A%2F%2Fu%3ANest50Secret%40x&bogus=1"},
		['Nest50Secret'], 2, qr/invalid URI query parameter: "bogus"/, 2, qr/"bogus"/],
);

cmp_ok(scalar(@corpus), '>=', 40, 'the corpus has at least 40 hostile connection strings');

# every run of a case: [label, args]
my @runs = (
	(map { ["config --format $_", ['config', '--format', $_]] } qw(text json env conninfo node-pg)),
	['health', ['health']],
	['health --json', ['health', '--json']],
	['audit', ['audit']],
	['audit --json', ['audit', '--json']],
	['top', ['top']],
	['metrics', ['metrics']],
	['id', ['id', 'sec', '-n', '2']],
);

for my $b (binaries()) {
	my ($variant) = @$b;
	for my $case (@corpus) {
		my ($name, $env, $secrets, $cfg_rc, $cfg_re, $conn_rc, $conn_re) = @$case;
		for my $run (@runs) {
			my ($label, $args) = @$run;
			my ($rc, $out, $err) = cli($variant, lg_env(%$env), @$args);
			my ($want_rc, $want_re);
			if ($label =~ /^config/) {
				($want_rc, $want_re) = ($cfg_rc, $cfg_re);
			} elsif ($label eq 'id') {
				($want_rc, $want_re) = (0, undef);
			} else {
				($want_rc, $want_re) = ($conn_rc, $conn_re);
			}
			my $t = "[$variant] $name: $label";
			is($rc, $want_rc, "$t: exit $want_rc") or diag("stdout: $out\nstderr: $err");
			ok(sanitizer_clean($err), "$t: sanitizer clean") or diag($err);
			like($err . $out, $want_re, "$t: the message names what is wrong") if $want_re;
			my @leaks = grep { index($out, $_) >= 0 || index($err, $_) >= 0 } @$secrets;
			is("@leaks", '', "$t: no secret in stdout or stderr")
				or diag("stdout: $out\nstderr: $err");
		}
		# --show-password shows them: the redaction is not a blanket
		if ($cfg_rc == 0) {
			my ($rc, $out) = cli($variant, lg_env(%$env), 'config', '--format', 'conninfo', '--show-password');
			ok(scalar(grep { index($out, $_) >= 0 } @$secrets), "[$variant] $name: --show-password shows the secret")
				or diag($out);
		}
	}
}

done_testing();
