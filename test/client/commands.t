# commands.t: one table of commands and options (client/cli/main.c) drives
# the parsing, the help and the documented synopsis.  `lifeguard
# --list-commands` (the table's usage lines), the usage lines of `lifeguard
# --help` and of every `lifeguard CMD --help`, docs/cli.md's synopsis and
# the CLI block of docs/design.md are the same lines; -h, --help and
# `lifeguard help CMD` work on every command; and every command quotes a
# bad option or value with the bounded quoting, in one message style.
use strict;
use warnings;
use Test::More;
use LGClient qw(binaries lg_env cli sanitizer_clean);

my $root = $ENV{LG_ROOT};

# the lines of the first fenced block after the line matching $after
sub doc_block {
	my ($path, $after) = @_;
	open my $fh, '<', "$root/$path" or die "$path: $!";
	my ($seen, $in, @lines) = (0, 0);
	while (<$fh>) {
		chomp;
		if (!$seen) { $seen = 1 if /$after/; next }
		if (!$in) { $in = 1 if /^```/; next }
		last if /^```/;
		push @lines, $_;
	}
	return @lines;
}

my @cli_md = doc_block('docs/cli.md', qr/^# The `lifeguard` CLI/);
my @design_md = doc_block('docs/design.md', qr/^### CLI$/);

for my $b (binaries()) {
	my ($v) = @$b;

	my ($rc, $out, $err) = cli($v, lg_env(), '--list-commands');
	is($rc, 0, "[$v] --list-commands: exit 0");
	my @table = split /\n/, $out;
	is(scalar(grep { /^lifeguard [a-z]+(?: |$)/ } @table), scalar(@table), "[$v] --list-commands: a usage line each")
		or diag($out);
	my @names;
	for (@table) { my ($n) = /^lifeguard ([a-z]+)/; push @names, $n unless grep { $_ eq $n } @names }
	is_deeply(\@names, [qw(config id health audit top metrics install)], "[$v] the commands, in the table's order");

	is_deeply(\@cli_md, \@table, "[$v] docs/cli.md's synopsis is the table's usage lines");
	is_deeply(\@design_md, \@table, "[$v] docs/design.md's CLI block is the table's usage lines");

	# lifeguard --help: the same usage lines, and every command with a summary
	($rc, $out, $err) = cli($v, lg_env(), '--help');
	is($rc, 0, "[$v] --help: exit 0");
	my ($usage) = $out =~ /\nUsage:\n(.*?)\n\n/s;
	is_deeply([map { s/^  //r } split /\n/, $usage // ''], \@table, "[$v] --help: the table's usage lines");
	my ($list) = $out =~ /\nCommands:\n(.*?)\n\n/s;
	is_deeply([map { /^  ([a-z]+) +\S/ ? $1 : "?$_" } split /\n/, $list // ''], \@names,
		"[$v] --help: every command, with its summary");
	my ($hrc, $hout) = cli($v, lg_env(), 'help');
	is($hrc, 0, "[$v] help: exit 0");
	is($hout, $out, "[$v] help: the same as --help");

	for my $name (@names) {
		my @mine = grep { /^lifeguard \Q$name\E(?: |$)/ } @table;
		my ($hrc1, $help, $herr) = cli($v, lg_env(), $name, '--help');
		is($hrc1, 0, "[$v] $name --help: exit 0");
		is($herr, '', "[$v] $name --help: nothing on stderr");
		my @usage = map { s/^(?:Usage:| {6}) //r } grep { /^(?:Usage:| {6}) lifeguard / } split /\n/, $help;
		is_deeply(\@usage, \@mine, "[$v] $name --help: its usage lines are the table's");
		like($help, qr/\nOptions:\n(?:  .*\n)*  -h, --help +this help\n/, "[$v] $name --help: its options, -h and --help among them");
		like($help, qr/\nExit codes: /, "[$v] $name --help: its exit codes");
		for my $opt (map { /(--[a-z-]+)/g } @mine) {
			like($help, qr/^  (?:-., )?\Q$opt\E\b/m, "[$v] $name --help: $opt is explained");
		}
		my ($hrc2, $short) = cli($v, lg_env(), $name, '-h');
		is($hrc2, 0, "[$v] $name -h: exit 0");
		is($short, $help, "[$v] $name -h: the same help");
		my ($hrc3, $via) = cli($v, lg_env(), 'help', $name);
		is($hrc3, 0, "[$v] help $name: exit 0");
		is($via, $help, "[$v] help $name: the same help");

		# bad options, the same way everywhere, quoted up to 100 bytes
		my @before = $mine[0] =~ /^lifeguard \Q$name\E ([A-Z]+)\b/ ? ('ws') : ();
		my ($usage0) = $mine[0] =~ /^lifeguard (.*)$/;
		($rc, $out, $err) = cli($v, lg_env(), $name, @before, '--frob' . 'x' x 100_000);
		is($rc, 2, "[$v] $name with a 100 kB unknown option: exit 2");
		ok(sanitizer_clean($err), "[$v] $name: sanitizer clean") or diag($err);
		is($err, "lifeguard $name: unknown option \"--frob" . 'x' x 94 . "...\" (usage: lifeguard $usage0)\n",
			"[$v] $name: the option quoted up to 100 bytes, then the usage");
		is($out, '', "[$v] $name with an unknown option: nothing on stdout");
		($rc, $out, $err) = cli($v, lg_env(), $name, @before, 'extra', 'more');
		is($rc, 2, "[$v] $name with an extra argument: exit 2");
		is($err, "lifeguard $name: unexpected argument \"extra\" (usage: lifeguard $usage0)\n",
			"[$v] $name: the extra argument named, then the usage");

		# every option that takes a value, given 100 kB
		while ($mine[0] =~ /\[(-{1,2}[a-z-]+) ([A-Z]+|[a-z-]+(?:\|[a-z-]+)+)[\] ]/g) {
			my $opt = $1;
			($rc, $out, $err) = cli($v, lg_env(), $name, @before, $opt, '9' x 100_000);
			is($rc, 2, "[$v] $name $opt with a 100 kB value: exit 2");
			like($err, qr/\Alifeguard \Q$name\E: invalid \Q$opt\E "9{100}\.\.\.": [^\n]*; expected [^\n]+\n\z|\Alifeguard \Q$name\E: invalid \Q$opt\E "9{100}\.\.\.": expected [^\n]+\n\z/,
				"[$v] $name $opt: the value quoted up to 100 bytes, and what was expected");
			($rc, $out, $err) = cli($v, lg_env(), $name, @before, $opt);
			is($rc, 2, "[$v] $name $opt without a value: exit 2");
			is($err, "lifeguard $name: option \"$opt\" needs a value (usage: lifeguard $usage0)\n",
				"[$v] $name $opt without a value: the message");
		}
	}

	($rc, $out, $err) = cli($v, lg_env(), 'help', 'frobnicate');
	is($rc, 2, "[$v] help of an unknown command: exit 2");
	like($err, qr/^lifeguard: unknown command "frobnicate"/, "[$v] help of an unknown command: the message");
}

done_testing();
