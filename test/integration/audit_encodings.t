# Samples of the pooling audit across database and client encodings.  The
# audit's table is shared by every database: a sample recorded in a LATIN1
# or SQL_ASCII database must be readable from a UTF8 database and from any
# client encoding (before, reading it failed with SQLSTATE 22021 for every
# other client), with what cannot be converted shown as \xNN.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode qw(encode decode);
use LG qw(psql run_cmd);

my %db = (latin1 => 'lg_enc_latin1', ascii => 'lg_enc_ascii', utf8 => $ENV{PGDATABASE});
for (['latin1', 'LATIN1'], ['ascii', 'SQL_ASCII']) {
	psql("DROP DATABASE IF EXISTS $db{$_->[0]}");
	psql("CREATE DATABASE $db{$_->[0]} ENCODING '$_->[1]' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
	psql('CREATE EXTENSION lifeguard', db => $db{$_->[0]});
}
END { eval { psql("DROP DATABASE IF EXISTS $db{$_}") for qw(latin1 ascii) } }

# run SQL (given as bytes) in a database with a client encoding; returns
# (exit code, stdout bytes, stderr)
sub run_sql {
	my ($db, $client_encoding, $sql) = @_;
	return run_cmd(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', $db],
		stdin => $sql, env => { PGCLIENTENCODING => $client_encoding, PGAPPNAME => undef });
}

psql('SELECT pooling_audit_reset()');
# LATIN1 database, UTF8 client: the server stores LATIN1 bytes
my ($rc, $out, $err) = run_sql($db{latin1}, 'UTF8',
	encode('UTF-8', "SET application_name = 'lg-enc-latin1'; SET work_mem = '8MB' /* café */;"));
is($rc, 0, 'a hazard recorded in a LATIN1 database') or diag $err;
# SQL_ASCII database: bytes of no known encoding, one not valid UTF-8 (0xe9)
# and one valid UTF-8 character (ü)
($rc, $out, $err) = run_sql($db{ascii}, 'SQL_ASCII',
	"SET application_name = 'lg-enc-ascii'; SET work_mem = '8MB' /* caf\xe9 " . encode('UTF-8', 'ü') . " */;");
is($rc, 0, 'a hazard recorded in a SQL_ASCII database') or diag $err;
# UTF8 database: characters LATIN1 cannot hold
($rc, $out, $err) = run_sql($db{utf8}, 'UTF8',
	encode('UTF-8', "SET application_name = 'lg-enc-utf8'; SET work_mem = '8MB' /* 日本 café */;"));
is($rc, 0, 'a hazard recorded in a UTF8 database') or diag $err;

my $q = q{SELECT application_name || ': ' || sample FROM pooling_audit WHERE application_name LIKE 'lg-enc-%' ORDER BY 1};
my %expect = (
	# reader database => client encoding => rows (as characters); the bytes
	# of a SQL_ASCII database are read as the client's encoding
	utf8 => { UTF8 => ["lg-enc-ascii: SET work_mem = '8MB' /* caf\\xe9 ü */",
			"lg-enc-latin1: SET work_mem = '8MB' /* café */",
			"lg-enc-utf8: SET work_mem = '8MB' /* 日本 café */"],
		LATIN1 => ["lg-enc-ascii: SET work_mem = '8MB' /* café Ã¼ */",
			"lg-enc-latin1: SET work_mem = '8MB' /* café */",
			"lg-enc-utf8: SET work_mem = '8MB' /* \\xe6\\x97\\xa5\\xe6\\x9c\\xac café */"] },
	latin1 => { UTF8 => ["lg-enc-ascii: SET work_mem = '8MB' /* caf\\xe9 ü */",
			"lg-enc-latin1: SET work_mem = '8MB' /* café */",
			"lg-enc-utf8: SET work_mem = '8MB' /* \\xe6\\x97\\xa5\\xe6\\x9c\\xac café */"],
		LATIN1 => ["lg-enc-ascii: SET work_mem = '8MB' /* café Ã¼ */",
			"lg-enc-latin1: SET work_mem = '8MB' /* café */",
			"lg-enc-utf8: SET work_mem = '8MB' /* \\xe6\\x97\\xa5\\xe6\\x9c\\xac café */"] },
	ascii => { UTF8 => ["lg-enc-ascii: SET work_mem = '8MB' /* caf\\xe9 ü */",
			"lg-enc-latin1: SET work_mem = '8MB' /* café */",
			"lg-enc-utf8: SET work_mem = '8MB' /* 日本 café */"] },
);
for my $reader (sort keys %expect) {
	for my $ce (sort keys %{ $expect{$reader} }) {
		($rc, $out, $err) = run_sql($db{$reader}, $ce, $q);
		is($rc, 0, "$reader database, client_encoding $ce: pooling_audit can be read") or diag $err;
		my $perl_enc = $ce eq 'UTF8' ? 'UTF-8' : 'iso-8859-1';
		is_deeply([split /\n/, decode($perl_enc, $out)], $expect{$reader}{$ce},
			"$reader database, client_encoding $ce: every sample converted, the rest as \\xNN");
		($rc, $out, $err) = run_sql($db{$reader}, $ce, 'SELECT * FROM pooling_audit');
		is($rc, 0, "$reader database, client_encoding $ce: SELECT * FROM pooling_audit") or diag $err;
	}
}
# a SQL_ASCII client of a SQL_ASCII database gets the bytes as recorded
($rc, $out, $err) = run_sql($db{ascii}, 'SQL_ASCII',
	q{SELECT sample FROM pooling_audit WHERE application_name = 'lg-enc-latin1'});
is($out, "SET work_mem = '8MB' /* caf\xe9 */\n", 'SQL_ASCII reader and client: the recorded bytes');

psql('SELECT pooling_audit_reset()');
done_testing();
