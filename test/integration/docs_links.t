# docs_links.t: every relative link of README.md and docs/*.md names a file
# of the repository and, with #anchor, a heading of that page (GitHub's
# anchors: lower case, punctuation dropped, spaces as hyphens).
use strict;
use warnings;
use Test::More;

my $root = $ENV{LG_ROOT};
my @pages = ("$root/README.md", glob("$root/docs/*.md"));

sub slurp { local $/; open my $fh, '<', $_[0] or die "$_[0]: $!"; return <$fh> }

sub anchors {
	my ($file) = @_;
	my %a;
	my $in_code = 0;
	for (split /\n/, slurp($file)) {
		$in_code = !$in_code if /^```/;
		next if $in_code || !/^#+\s+(.*)$/;
		my $h = lc $1;
		$h =~ s/[^\w\- ]//g;
		$h =~ tr/ /-/;
		$a{$h} = 1;
	}
	return \%a;
}

my $links = 0;
for my $page (@pages) {
	(my $dir = $page) =~ s{/[^/]+$}{};
	(my $name = $page) =~ s{^\Q$root\E/}{};
	my $text = slurp($page);
	$text =~ s/^```.*?^```//gms;	# links in code blocks are not links
	while ($text =~ /\]\(([^)\s]+)\)/g) {
		my $target = $1;
		next if $target =~ m{^(?:https?|mailto):};
		my ($path, $anchor) = split /#/, $target, 2;
		my $file = length $path ? "$dir/$path" : $page;
		$links++;
		ok(-e $file, "$name: link $target names an existing file") or next;
		next unless defined $anchor && $file =~ /\.md$/;
		ok(anchors($file)->{$anchor}, "$name: link $target names a heading");
	}
}
cmp_ok($links, '>', 50, "the pages link to each other ($links links)");

done_testing();
