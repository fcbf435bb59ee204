# docs.t: the examples of README.md and docs/*.md run, so the documentation
# cannot drift from the code.  The conventions (which blocks run, how
# expected output and expected errors are marked, how varying values are
# written) are in docs/development.md, "Documentation examples"; in short:
#
#   ```sql                 runs, in order, in one psql session per page, in a
#                          fresh database with CREATE EXTENSION lifeguard;
#                          "-- error: SQLSTATE" as first line: must fail so
#   ```text output         right after a sql block: its expected psql output
#                          ("…" in a cell matches any text, a line "…" any
#                          number of lines)
#   ```sh                  "$ [VAR=value ...] lifeguard ..." lines run with
#                          DATABASE_URL set to that database; exit 0, or N
#                          when the line ends in "# exit N"
#   ```LANG file=PATH      the block is the end of the file PATH
#
# A page may ask for another database with <!-- docs-test: no-extension -->
# or <!-- docs-test: no-preload -->, and a page whose examples change the
# server's settings (ALTER SYSTEM) for a cluster of this test's own with
# <!-- docs-test: own-cluster -->: the shared clusters are never
# reconfigured.
use strict;
use warnings;
use utf8;
use Test::More;
use File::Basename qw(basename dirname);
use LG qw(psql run_cmd start_cluster);
use LGClient qw(lg_env url_for);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $root = $ENV{LG_ROOT} or die "LG_ROOT is not set\n";
my $cli = $ENV{LG_CLI} // "$root/client/lifeguard";
-x $cli or BAIL_OUT("the lifeguard CLI is not built ($cli); run through test/harness.sh");

my @pages = ('README.md', map { 'docs/' . basename($_) } sort glob("$root/docs/*.md"));
ok(@pages > 1, 'pages found: ' . join(', ', @pages));

# ---------------------------------------------------------------------------
# parsing

# parse_page($path) -> ({options}, [blocks]); a block is {info, lang, attrs,
# text, line}
sub parse_page {
	my ($path) = @_;
	open my $fh, '<:encoding(UTF-8)', "$root/$path" or die "$path: $!\n";
	my @lines = <$fh>;
	close $fh;
	my (%options, @blocks, $open);
	for my $i (0 .. $#lines) {
		my $l = $lines[$i];
		if ($open) {
			if ($l =~ /^\Q$open->{fence}\E\s*$/) {
				push @blocks, $open;
				undef $open;
			} else {
				$open->{text} .= $l;
			}
			next;
		}
		$options{$_} = 1 for $l =~ /<!--\s*docs-test:\s*([a-z-]+)\s*-->/g;
		if ($l =~ /^(```+|~~~+)\s*([^\s`]*)\s*(.*?)\s*$/) {
			my ($fence, $lang, $rest) = ($1, $2, $3);
			my %attrs = map { /^([a-z]+)=(.*)$/ ? ($1 => $2) : ($_ => 1) } split ' ', $rest;
			$open = {fence => $fence, lang => $lang, attrs => \%attrs, text => '',
				line => $i + 1};
		}
	}
	die "$path: a code block opened at line $open->{line} is not closed\n" if $open;
	return (\%options, \@blocks);
}

# ---------------------------------------------------------------------------
# output matching

# psql output as lines of trimmed cells; separator lines as one token
sub normalise {
	my ($text) = @_;
	my @lines = split /\n/, $text, -1;
	s/\s+$// for @lines;
	shift @lines while @lines && $lines[0] eq '';
	pop @lines while @lines && $lines[-1] eq '';
	return map {
		/^[-+]+$/ && /-/ ? ['<separator>'] : [map { s/^\s+|\s+$//gr } split /\|/, $_, -1]
	} @lines;
}

sub output_matches {
	my ($expected, $actual) = @_;
	my $re = '';
	for my $cells (normalise($expected)) {
		if (@$cells == 1 && $cells->[0] eq '…') {
			$re .= '(?:[^\n]*\n)*?';
			next;
		}
		$re .= join(quotemeta(' | '),
			map { join('[^|\n]*', map { quotemeta } split /…/, $_, -1) } @$cells) . '\n';
	}
	my $got = join('', map { join(' | ', @$_) . "\n" } normalise($actual));
	return $got =~ /\A$re\z/;
}

# ---------------------------------------------------------------------------
# running a page

sub roles { return { map { $_ => 1 } split /\n/, psql('SELECT rolname FROM pg_roles', db => 'postgres', @_) } }

# the port of the cluster a page runs on
my %own;
sub port_for {
	my ($options) = @_;
	my $preload = !$options->{'no-preload'};
	return $preload ? $ENV{PGPORT} : $ENV{LG_NOPRELOAD_PORT} unless $options->{'own-cluster'};
	$own{$preload} //= start_cluster('docs', $preload ? () : ("shared_preload_libraries = ''"));
	return $own{$preload}{port};
}

sub run_page {
	my ($page) = @_;
	my ($options, $blocks) = parse_page($page);
	my $port = port_for($options);
	(my $db = "lg_docs_$page") =~ s/[^a-z0-9]+/_/gi;
	$db = lc $db;
	my $roles_before = roles(port => $port);
	psql(qq{DROP DATABASE IF EXISTS "$db"}, db => 'postgres', port => $port);
	psql(qq{CREATE DATABASE "$db"}, db => 'postgres', port => $port);
	psql('CREATE EXTENSION lifeguard', db => $db, port => $port) unless $options->{'no-extension'};

	# sql blocks, with their expected error and output
	my @sql;
	for my $i (0 .. $#$blocks) {
		my $b = $blocks->[$i];
		if ($b->{lang} eq 'text' && $b->{attrs}{output}) {
			my $prev = $i > 0 ? $blocks->[$i - 1] : undef;
			fail("$page:$b->{line}: a text output block follows the sql block it belongs to")
				unless $prev && $prev->{lang} eq 'sql';
			next;
		}
		next unless $b->{lang} eq 'sql';
		my $next = $blocks->[$i + 1];
		$b->{output} = $next->{text} if $next && $next->{lang} eq 'text' && $next->{attrs}{output};
		$b->{error} = $1 if $b->{text} =~ /\A--\s*error:\s*([0-9A-Z]{5})\s*\n/;
		my @stmt = grep { !/^\s*(--.*)?$/ } split /\n/, $b->{text};
		if (!@stmt || ($stmt[-1] !~ /;\s*(--.*)?$/ && $stmt[-1] !~ /^\s*\\/)) {
			fail("$page:$b->{line}: the sql block ends with a complete statement (;)");
			next;
		}
		push @sql, $b;
	}
	if (@sql) {
		my $script = '';
		for my $n (0 .. $#sql) {
			$script .= "\\set LAST_ERROR_SQLSTATE 00000\n\\echo '\@\@docs-block $n begin'\n"
				. $sql[$n]{text} . "\\echo '\@\@docs-block $n end' :LAST_ERROR_SQLSTATE\n";
		}
		# stderr into stdout: psql flushes stdout before each message, so
		# errors and notices stay in place
		my ($rc, $out) = run_cmd(['sh', '-c', 'exec "$@" 2>&1', 'sh', 'psql', '-X', '-q',
			'-h', $ENV{PGHOST}, '-p', $port, '-U', $ENV{PGUSER}, '-d', $db],
			stdin => $script, env => {PGAPPNAME => 'lifeguard-docs', LC_ALL => 'C.UTF-8',
				PGOPTIONS => undef, PGTZ => 'UTC'});
		utf8::decode($out);
		for my $n (0 .. $#sql) {
			my $b = $sql[$n];
			my $where = "$page:$b->{line}";
			if ($out !~ /^\@\@docs-block $n begin\n(.*?)^\@\@docs-block $n end (\S+)\n/ms) {
				fail("$where: the sql block ran to its end") or diag($out);
				next;
			}
			my ($got, $sqlstate) = ($1, $2);
			if ($b->{error}) {
				is($sqlstate, $b->{error}, "$where: fails with SQLSTATE $b->{error}") or diag($got);
			} else {
				is($sqlstate, '00000', "$where: runs without error") or diag($got);
			}
			if (defined $b->{output}) {
				ok(output_matches($b->{output}, $got), "$where: the output is as shown")
					or diag("expected:\n$b->{output}\ngot:\n$got");
			}
		}
	}

	# $ lifeguard ... lines of sh blocks
	my %env = %{ lg_env(DATABASE_URL => url_for(db => $db, port => $port)) };
	$env{PATH} = dirname($cli) . ":$ENV{PATH}";
	for my $b (grep { $_->{lang} eq 'sh' } @$blocks) {
		my @lines = split /\n/, $b->{text};
		while (@lines) {
			my $line = shift @lines;
			next unless $line =~ s/^\$ //;
			$line .= "\n" . shift(@lines) while $line =~ /\\$/ && @lines;
			my $want = $line =~ /#\s*exit\s+(\d+)\s*$/ ? $1 : 0;
			my $flat = $line =~ s/\\\n\s*/ /gr;
			my $where = "$page:$b->{line}: \$ $flat";
			if ($flat !~ /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*lifeguard(?:\s|$)/) {
				fail("$where: a \$ line of an sh block runs lifeguard (use a console block for other commands)");
				next;
			}
			my ($rc, $out, $err) = run_cmd(['timeout', '120', 'sh', '-c', $line], env => \%env);
			is($rc, $want, "$where: exit $want") or diag("$out$err");
		}
	}

	# code blocks that are the end of a file of the tree
	for my $b (grep { $_->{attrs}{file} } @$blocks) {
		my $path = $b->{attrs}{file};
		my $text = '';
		if (open my $fh, '<:encoding(UTF-8)', "$root/$path") {
			local $/;
			$text = <$fh>;
		}
		ok(length($b->{text}) && substr($text, -length($b->{text})) eq $b->{text},
			"$page:$b->{line}: the block is the end of $path");
	}

	psql(qq{DROP DATABASE "$db" WITH (FORCE)}, db => 'postgres', port => $port);
	my $roles_after = roles(port => $port);
	psql(qq{DROP ROLE "$_"}, db => 'postgres', port => $port)
		for grep { !$roles_before->{$_} } sort keys %$roles_after;
	return scalar(@sql);
}

my $blocks = 0;
$blocks += run_page($_) for @pages;
ok($blocks >= 10, "sql blocks run: $blocks");

# the examples record hazards in the pooling audit; leave it empty for the
# tests that follow
psql('SELECT pooling_audit_reset()');

done_testing();
