# layers.t: the shape between the C files holds.
#
#  - Layers: within each part of the tree (the extension with the common/
#    files it links; the client library, client/lib, with the common/ files
#    it links; the CLI, client/cli), a file calls only files
#    below it, so no two files call each other, directly or round a circle.
#    The graph is read from the built objects (nm): file A depends on file
#    B when A uses a symbol B defines.  A failure names every circle and
#    the symbols that close it.
#  - The client's parts apart: no source of the CLI includes a header of
#    the library's own (client/lib, lg_internal.h): only the public header
#    lifeguard.h (and lifeguard_version.h), the CLI's own headers, common/
#    ones and the system's.
#  - Exports: the extension's shared library exports only what PostgreSQL
#    looks up (_PG_init, Pg_magic_func, and each C function an install or
#    upgrade script names, with its pg_finfo_ record), and every other
#    external name of its objects starts with lg_, so that no other
#    module's symbol can interpose on ours (PostgreSQL loads libraries with
#    RTLD_GLOBAL).
#
# It reads the objects the harness built in the tree, so it runs after the
# build, on every major of the matrix too.
use strict;
use warnings;
use Test::More;
use LG ();

my $root = $ENV{LG_ROOT} or die "LG_ROOT is not set (run through test/harness.sh)\n";

# the parts and their objects; the client's are the optimised build's
my @parts = (
	['extension', [glob("$root/extension/*.o"), glob("$root/common/*.o")]],
	['client library', [glob("$root/client/build-opt/lib/*.o"), glob("$root/client/build-opt/common/*.o")]],
	['CLI', [glob("$root/client/build-opt/cli/*.o")]],
);

# nm of one object: (defined external symbols, undefined symbols)
sub symbols {
	my ($obj) = @_;
	my (%def, %undef);
	open(my $nm, '-|', 'nm', '-P', $obj) or die "nm $obj: $!";
	while (<$nm>) {
		my ($sym, $type) = split ' ';
		next unless defined $type;
		if ($type eq 'U') { $undef{$sym} = 1 }
		elsif ($type =~ /^[BDRTCGSV]$/) { $def{$sym} = 1 }
	}
	close $nm or die "nm $obj failed\n";
	return (\%def, \%undef);
}

sub name_of {
	my ($p) = @_;
	$p =~ s{^\Q$root\E/}{};
	$p =~ s{^client/build-opt/common/}{common/};
	$p =~ s{^client/build-opt/}{client/};
	$p =~ s{\.o$}{.c};
	return $p;
}

# strongly connected components of more than one file (Tarjan)
sub circles {
	my ($edges) = @_;
	my ($index, @stack, %on, %idx, %low, @sccs) = (0);
	my $visit;
	$visit = sub {
		my ($v) = @_;
		$idx{$v} = $low{$v} = $index++;
		push @stack, $v;
		$on{$v} = 1;
		for my $w (sort keys %{ $edges->{$v} || {} }) {
			if (!exists $idx{$w}) { $visit->($w); $low{$v} = $low{$w} if $low{$w} < $low{$v} }
			elsif ($on{$w}) { $low{$v} = $idx{$w} if $idx{$w} < $low{$v} }
		}
		if ($low{$v} == $idx{$v}) {
			my @scc;
			my $w;
			do { $w = pop @stack; $on{$w} = 0; push @scc, $w } while ($w ne $v);
			push @sccs, [sort @scc] if @scc > 1;
		}
	};
	$visit->($_) for grep { !exists $idx{$_} } sort keys %$edges;
	return @sccs;
}

for my $part (@parts) {
	my ($label, $objs) = @$part;
	ok(scalar(@$objs) >= 2, "$label: objects to read (" . scalar(@$objs) . ')') or next;
	my (%defined_by, %uses);
	for my $o (@$objs) {
		my ($def, $undef) = symbols($o);
		my $f = name_of($o);
		$defined_by{$_} = $f for keys %$def;
		$uses{$f} = $undef;
	}
	my %edges;
	for my $f (keys %uses) {
		$edges{$f} ||= {};
		for my $sym (keys %{ $uses{$f} }) {
			my $g = $defined_by{$sym};
			next if !defined $g || $g eq $f;
			push @{ $edges{$f}{$g} }, $sym;
		}
	}
	my @circles = circles(\%edges);
	ok(!@circles, "$label: no two files call each other, directly or round a circle") or do {
		for my $scc (@circles) {
			my %in = map { $_ => 1 } @$scc;
			diag("circle: " . join(', ', @$scc));
			for my $f (@$scc) {
				for my $g (sort grep { $in{$_} } keys %{ $edges{$f} }) {
					diag("  $f -> $g: " . join(' ', sort @{ $edges{$f}{$g} }));
				}
			}
		}
	};
}

# --- the client's parts apart

# what a CLI source may include with quotes: its own folder's headers, the
# public header's folder, common/
my %may_include = map { (s{.*/}{}r) => 1 }
	glob("$root/client/cli/*.h"), glob("$root/client/include/*.h"), glob("$root/common/*.h");
$may_include{'lifeguard_version.h'} = 1;	# generated into client/include
my @cli_sources = (glob("$root/client/cli/*.c"), glob("$root/client/cli/*.h"));
ok(@cli_sources >= 3, 'CLI sources to read (' . scalar(@cli_sources) . ')');
# and never one of the library's own, however spelt
my %library_own = map { (s{.*/}{}r) => 1 } glob("$root/client/lib/*.h");
ok(keys %library_own, 'the library has headers of its own: ' . join(' ', sort keys %library_own));
my @private;
for my $f (@cli_sources) {
	open(my $fh, '<', $f) or die "$f: $!";
	while (<$fh>) {
		next unless /^\s*#\s*include\s*([<"])([^">]+)[">]/;
		my ($quoted, $h) = ($1 eq '"', $2);
		push @private, name_of($f) . ":$.: $h"
			if $library_own{ $h =~ s{.*/}{}r } || ($quoted && !$may_include{$h});
	}
}
is_deeply(\@private, [], 'no CLI source includes a header of the library\'s own (only lifeguard.h, the CLI\'s and common/ headers)')
	or diag(join "\n", @private);
ok(-f "$root/client/lib/lg_internal.h" && !-e "$root/client/include/lg_internal.h",
	'the library\'s private header is in client/lib, not beside the public one');

# --- the extension's exports

my $so = "$root/lifeguard.so";
ok(-f $so, 'the extension library is built') or done_testing(), exit;

# what PostgreSQL looks up: the module's entry points and every C function
# an install or upgrade script (this release's, or an earlier release's kept
# in test/fixtures, for databases not updated yet) names
my %wanted = map { $_ => 1 } qw(_PG_init Pg_magic_func);
for my $script (glob("$root/sql/parts/*.sql"), glob("$root/sql/lifeguard--*--*.sql"),
	glob("$root/test/fixtures/lifeguard--*.sql")) {
	open(my $fh, '<', $script) or die "$script: $!";
	local $/;
	my $sql = <$fh>;
	$wanted{$_} = $wanted{"pg_finfo_$_"} = 1 for $sql =~ /'MODULE_PATHNAME'\s*,\s*'([A-Za-z0-9_]+)'/g;
}
ok(keys(%wanted) > 10, 'entry points named by the scripts: ' . (keys(%wanted) - 2) / 2);

my @exported;
open(my $nm, '-|', 'nm', '-D', '-P', '--defined-only', $so) or die "nm: $!";
while (<$nm>) {
	my ($sym, $type) = split ' ';
	next if $type eq 'A' || $sym =~ /^_(?:init|fini|edata|end|_bss_start)$/;
	push @exported, $sym;
}
close $nm;
my @extra = sort grep { !$wanted{$_} } @exported;
my @missing = sort grep { my $w = $_; !grep { $_ eq $w } @exported } keys %wanted;
is_deeply(\@extra, [], 'the library exports nothing PostgreSQL does not look up')
	or diag('exported besides the entry points: ' . join(' ', @extra));
is_deeply(\@missing, [], 'the library exports every entry point the scripts name')
	or diag('missing: ' . join(' ', @missing));

my @unprefixed;
for my $o (glob("$root/extension/*.o"), glob("$root/common/*.o")) {
	my ($def) = symbols($o);
	push @unprefixed, map { name_of($o) . ": $_" } sort grep { !$wanted{$_} && !/^lg_/ } keys %$def;
}
is_deeply(\@unprefixed, [], 'every other external name of the extension starts with lg_')
	or diag(join "\n", @unprefixed);

done_testing();
