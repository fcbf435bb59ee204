# prefixed_id_copy.t: the binary format of the prefixed_id type (send and
# receive), through COPY ... (FORMAT binary) with psql's \copy, whose files
# hold each field as the type's binary form:
#  - 10,000 ids of every CUID2 length and several prefixes go out in binary
#    and come back equal;
#  - the binary form is the text form's bytes, as text's is: the file of the
#    prefixed_id column is the file of the same ids as text, byte for byte,
#    and each loads into a column of the other type;
#  - a bad id in a binary file is refused as the text input refuses it
#    (SQLSTATE 22023, the message and the detail), and nothing is loaded.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use LG qw(psql run_cmd);

my $dir = tempdir('copy.XXXXXX', DIR => $ENV{LG_TMP}, CLEANUP => 1);
chmod 0755, $dir;
my %db = (db => 'lg_prefixed_id_copy');
psql("DROP DATABASE IF EXISTS $db{db}", db => 'postgres');
psql("CREATE DATABASE $db{db}", db => 'postgres');
psql('CREATE EXTENSION lifeguard', %db);
psql(q{CREATE TABLE src (n int, id prefixed_id, t text);
	INSERT INTO src (n, t) SELECT g, gen_prefixed_id((ARRAY['ws', 'ws_x', 'a', 'my_ws2', repeat('q', 63)])[1 + g % 5], 2 + g % 31)
	  FROM generate_series(1, 10000) g;
	UPDATE src SET id = t;
	CREATE TABLE dst (n int, id prefixed_id);
	CREATE TABLE dst_text (n int, t text);}, %db);

sub copy {
	my ($cmd) = @_;
	return run_cmd(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $db{db}, '-c', $cmd]);
}
sub slurp { my ($f) = @_; open my $fh, '<:raw', $f or die "$f: $!"; local $/; <$fh> }

my ($rc, $out, $err) = copy("\\copy (SELECT n, id FROM src ORDER BY n) TO '$dir/id.bin' (FORMAT binary)");
is($rc, 0, 'COPY of the prefixed_id column TO a binary file') or diag $err;
($rc, $out, $err) = copy("\\copy (SELECT n, t FROM src ORDER BY n) TO '$dir/text.bin' (FORMAT binary)");
is($rc, 0, 'COPY of the same ids as text TO a binary file') or diag $err;
ok(-s "$dir/id.bin" > 10000 * 20, 'the file holds the ids');
ok(slurp("$dir/id.bin") eq slurp("$dir/text.bin"), 'the two files are the same bytes: the binary form is the text\'s');

($rc, $out, $err) = copy("\\copy dst FROM '$dir/id.bin' (FORMAT binary)");
is($rc, 0, 'COPY FROM the binary file into a prefixed_id column') or diag $err;
is(psql('SELECT count(*) FROM src JOIN dst USING (n) WHERE src.id = dst.id AND dst.id::text = src.t', %db), 10000,
	'all 10,000 ids came back equal');
psql('TRUNCATE dst', %db);
($rc, $out, $err) = copy("\\copy dst FROM '$dir/text.bin' (FORMAT binary)");
is($rc, 0, 'the text column\'s binary file loads into a prefixed_id column') or diag $err;
($rc, $out, $err) = copy("\\copy dst_text FROM '$dir/id.bin' (FORMAT binary)");
is($rc, 0, '... and the prefixed_id column\'s into a text column') or diag $err;
is(psql('SELECT count(*) FROM src JOIN dst USING (n) JOIN dst_text USING (n) WHERE dst.id = src.id AND dst_text.t = src.t', %db),
	10000, '... each with the same 10,000 ids');

# a bad id, written as text in binary
psql(q{CREATE TABLE bad (n int, t text); INSERT INTO bad VALUES (1, 'ws_abc'), (2, 'ws_Abc')}, %db);
($rc, $out, $err) = copy("\\copy bad TO '$dir/bad.bin' (FORMAT binary)");
is($rc, 0, 'a binary file with a bad id') or diag $err;
psql('TRUNCATE dst', %db);
($rc, $out, $err) = copy("\\copy dst FROM '$dir/bad.bin' (FORMAT binary)");
isnt($rc, 0, 'COPY FROM it into a prefixed_id column fails');
like($err, qr/^ERROR:  invalid prefixed id "ws_Abc"\nDETAIL:  The CUID2 does not start with a lowercase ASCII letter\. A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits\.\nCONTEXT:  COPY dst, line 2, column id\n/,
	'... with the text input\'s message and detail, naming the line and column');
is(psql(q{SELECT count(*) FROM dst}, %db), 0, '... and loads nothing');
($rc, $out, $err) = run_cmd(['psql', '-X', '-q', '-d', $db{db}, '-c', '\set VERBOSITY verbose',
	'-c', "\\copy dst FROM '$dir/bad.bin' (FORMAT binary)"]);
like($err, qr/^ERROR:  22023: invalid prefixed id/, '... SQLSTATE 22023');

psql("DROP DATABASE $db{db}", db => 'postgres');
done_testing();
