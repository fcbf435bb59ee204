# LGMetrics.pm: what the tests of `lifeguard metrics` share (ops_metrics*.t,
# test/integration/prometheus.t): a strict parser of the Prometheus text
# exposition format (written here, so that it does not trust the code under
# test), promtool's own check of it, and the exporter run in the background.
#
#   parse_exposition($text)   {families => {name => {type, help}},
#                             samples => [[name, {labels}, value]]}, or dies
#                             with the line at fault
#   promtool_check($text)     (exit code, output) of `promtool check metrics`
#   samples($m, $name)        { "l1=v1,l2=v2" (sorted) => value } of a family
#   start_exporter($variant, \%env, @args)
#                             `lifeguard metrics --listen` on a free port of
#                             127.0.0.1 (or, with env's _any, ":PORT"):
#                             {pid, port, url, err (its stderr file)} once it
#                             serves; its pid file is under $LG_RUNDIR, so the
#                             harness stops it on every exit path
#   stop_exporter($e, $signal) -> its exit code
#   http_get($url, method => M) (status, body, headers) with HTTP::Tiny
package LGMetrics;

use strict;
use warnings;
use Exporter 'import';
use HTTP::Tiny;
use POSIX ();
use LG qw(run_cmd free_port wait_until);
use LGClient qw(lg_env url_for);

our @EXPORT_OK = qw(parse_exposition promtool_check samples start_exporter stop_exporter
	http_get);

my $root = $ENV{LG_ROOT};

sub parse_exposition {
	my ($text) = @_;
	my (%fam, @samples, %seen, %done, $current);
	die "no final newline\n" unless $text =~ /\n\z/;
	my $n = 0;
	for my $line (split /\n/, $text) {
		$n++;
		die "line $n: empty line\n" if $line eq '';
		if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/) {
			my ($name, $help) = ($1, $2);
			die "line $n: second HELP for $name\n" if defined $fam{$name}{help};
			die "line $n: bad escape in HELP\n" if $help =~ /\\(?![\\n])/;
			die "line $n: family $name comes back after others\n" if $done{$name};
			$done{$current} = 1 if defined $current && $current ne $name;
			$current = $name;
			$fam{$name}{help} = $help;
			next;
		}
		if ($line =~ /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/) {
			my ($name, $type) = ($1, $2);
			die "line $n: second TYPE for $name\n" if defined $fam{$name}{type};
			die "line $n: TYPE after samples of $name\n" if grep { $_->[0] eq $name } @samples;
			die "line $n: family $name comes back after others\n" if $done{$name};
			$done{$current} = 1 if defined $current && $current ne $name;
			$current = $name;
			$fam{$name}{type} = $type;
			next;
		}
		die "line $n: a comment that is neither HELP nor TYPE: $line\n" if $line =~ /^#/;
		$line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(.*)$/ or die "line $n: no metric name: $line\n";
		my ($name, $rest) = ($1, $2);
		my %labels;
		if ($rest =~ s/^\{//) {
			until ($rest =~ s/^\}//) {
				$rest =~ s/^([a-zA-Z_][a-zA-Z0-9_]*)="// or die "line $n: bad label: $line\n";
				my $lname = $1;
				my $val = '';
				while (1) {
					if ($rest =~ s/^\\(.)//) {
						my $c = $1;
						$val .= $c eq 'n' ? "\n" : $c eq '\\' ? '\\' : $c eq '"' ? '"'
							: die "line $n: bad escape \\$c\n";
					} elsif ($rest =~ s/^"//) {
						last;
					} elsif ($rest =~ s/^([^"\\]+)//) {
						$val .= $1;
					} else {
						die "line $n: unterminated label value\n";
					}
				}
				die "line $n: label $lname twice\n" if exists $labels{$lname};
				$labels{$lname} = $val;
				$rest =~ s/^,(?=[a-zA-Z_])// or $rest =~ /^\}/ or die "line $n: bad label separator: $line\n";
			}
		}
		$rest =~ /^ (-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[+-]Inf)$/
			or die "line $n: bad value: $line\n";
		my $value = $1;
		die "line $n: sample $name without TYPE\n" unless $fam{$name}{type};
		die "line $n: sample $name is not of the current family $current\n" unless $name eq $current;
		die "line $n: counter $name does not end in _total\n"
			if $fam{$name}{type} eq 'counter' && $name !~ /_total$/;
		my $key = join("\0", $name, map { "$_=$labels{$_}" } sort keys %labels);
		die "line $n: duplicate label set for $name\n" if $seen{$key}++;
		push @samples, [$name, \%labels, $value];
	}
	for (keys %fam) {
		die "family $_ without HELP\n" unless defined $fam{$_}{help};
		die "family $_ without TYPE\n" unless defined $fam{$_}{type};
	}
	return {families => \%fam, samples => \@samples};
}


sub promtool_check {
	my ($text) = @_;
	my ($rc, $out, $err) = run_cmd(['promtool', 'check', 'metrics'], stdin => $text);
	return ($rc, $out . $err);
}

sub samples {
	my ($m, $name) = @_;
	my %s;
	for (@{ $m->{samples} }) {
		next unless $_->[0] eq $name;
		my $l = $_->[1];
		$s{join(',', map { "$_=$l->{$_}" } sort keys %$l)} = $_->[2];
	}
	return \%s;
}

sub http_get {
	my ($url, %o) = @_;
	my $r = HTTP::Tiny->new(timeout => 30)->request($o{method} // 'GET', $url);
	return ($r->{status}, $r->{content} // '', $r->{headers});
}

sub start_exporter {
	my ($variant, $env, @args) = @_;
	my $bin = $variant eq 'asan' ? "$root/client/build-asan/lifeguard" : "$root/client/lifeguard";
	my $port = free_port();
	my $err = "$ENV{LG_TMP}/exporter.$port.err";
	my %e = %$env;
	my $address = delete $e{_any} ? ":$port" : "127.0.0.1:$port";
	$e{DATABASE_URL} //= url_for();
	my $envs = lg_env(%e);
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		while (my ($k, $v) = each %$envs) {
			if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
		}
		open STDIN, '<', '/dev/null' or die $!;
		open STDOUT, '>', "$err.out" or die $!;
		open STDERR, '>', $err or die $!;
		exec { $bin } $bin, 'metrics', '--listen', $address, @args
			or POSIX::_exit(127);
	}
	open my $pf, '>', "$ENV{LG_RUNDIR}/exporter.$port.pid" or die $!;
	print $pf "$pid\n";
	close $pf;
	my $e = {pid => $pid, port => $port, url => "http://127.0.0.1:$port/metrics", err => $err};
	wait_until(sub {
		my $s = -e $err ? do { local (@ARGV, $/) = ($err); <> } // '' : '';
		return $s =~ /serving http:/ || waitpid($pid, POSIX::WNOHANG()) != 0;
	}, 30) or die "the exporter did not start\n";
	return $e;
}

sub stop_exporter {
	my ($e, $signal) = @_;
	return undef unless $e && $e->{pid};
	kill $signal // 'TERM', $e->{pid};
	my $rc;
	wait_until(sub { my $w = waitpid($e->{pid}, POSIX::WNOHANG()); $rc = $? >> 8 if $w > 0; return $w != 0 }, 30);
	unlink "$ENV{LG_RUNDIR}/exporter.$e->{port}.pid";
	delete $e->{pid};
	return $rc;
}

1;
