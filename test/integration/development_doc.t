# development_doc.t: docs/development.md, the one description of the
# source's layout and the one home of its recipes, stays true:
#
#  - its layout table names every top-level folder of the tree and every
#    folder of test/, and every path it names exists;
#  - every path its recipes name (a `...` span with a /) exists, and every
#    name they give as a function or an array (`x_y()`, `x_y[]`) is in the
#    C source or, for a function, the SQL install script;
#  - no other page describes the layout or repeats a recipe: design.md and
#    environment.md point here.
use strict;
use warnings;
use Test::More;
use LG ();

my $root = $ENV{LG_ROOT} or die "LG_ROOT is not set (run through test/harness.sh)\n";
sub slurp { my ($f) = @_; open my $fh, '<', "$root/$f" or die "$f: $!\n"; local $/; return <$fh> }
my $doc = slurp('docs/development.md');

# the tracked files, as git has them
my @files = split /\n/, `git -C '$root' ls-files`;
ok(scalar(@files) > 100, 'the tracked files: ' . scalar(@files));
my %dirs;
for (@files) { $dirs{$1} = 1 if m{^([^/]+)/}; $dirs{"test/$1"} = 1 if m{^test/([^/]+)/}; }

my ($layout) = $doc =~ /^## Layout\n(.*?)^## /ms;
ok($layout, 'development.md has a Layout section');
my @rows = $layout =~ /^\| `([^`]+)` \|/mg;
for my $d (sort keys %dirs) {
	ok((grep { $_ eq "$d/" || index($_, "$d/") == 0 } @rows), "the layout names $d/");
}
for my $p (@rows) {
	(my $glob = $p) =~ s/<[^>]+>/*/g;
	my @m = glob("$root/$glob");
	ok(@m && -e $m[0], "the layout's $p exists");
}

# the paths and C names of the whole page
my %seen;
for my $span ($doc =~ /`([^`\n]+)`/g) {
	next if $seen{$span}++;
	if ($span =~ m{^((?:extension|common|client|sql|test|fuzz|docs)/[A-Za-z0-9_./-]*?)(?:[:(].*)?$}) {
		my $path = $1;
		(my $glob = $path) =~ s/<[^>]+>|(?<![A-Za-z])[A-Z]{2,}(?![a-z])/*/g;
		next if $glob =~ /\*/ && $glob !~ m{^[^*]+\*};
		my @m = glob("$root/$glob");
		ok((@m && -e $m[0]) || -e "$root/$path", "development.md names $path, which exists");
	}
	elsif ($span =~ /^([a-z][a-z0-9]*_[a-z0-9_]*)(\(\)|\[\])$/) {
		# a C function or array of the source, or an SQL function (not one
		# of PostgreSQL's own)
		my ($name, $kind) = ($1, $2);
		next if $name =~ /^pg_|^(?:gen_random_uuid|set_config|current_setting)$/;
		my $pattern = $kind eq '()' ? qr/\b\Q$name\E\(/ : qr/\b\Q$name\E\[/;
		my @def = grep { (m{^(?:extension|common|client)/.*\.[ch]$} || ($kind eq '()' && m{^sql/parts/}))
			&& slurp($_) =~ $pattern } @files;
		ok(scalar(@def), "development.md names $name$kind, which the source has");
	}
}

# one home: the other pages point here
like(slurp('docs/design.md'), qr/^## Layout\n\nWhere each part of the source lives.*?\(development\.md#layout\)/ms,
	'design.md points to development.md for the layout');
unlike(slurp('docs/design.md'), qr/^```\nMakefile\s/m, '... and has no copy of it');
like(slurp('docs/environment.md'), qr/^## Adding a variable\n\nThe recipe is in \[development\.md\]\(development\.md#adding-an-environment-variable\)\.$/m,
	'environment.md points to development.md for the recipe');
unlike(slurp('README.md'), qr/^\| `extension\/` \|/m, 'the README does not describe the layout');

done_testing();
