# LGClient.pm: helpers for the tests that run the client (test/client,
# test/integration client_*.t and docs.t).  Builds the client, its
# AddressSanitizer + UBSan variant, the ThreadSanitizer pool test program
# and the C test programs (make -C client all asan tsan check-programs),
# and runs every binary with the sanitizers set to stop at the first
# finding.
package LGClient;

use strict;
use warnings;
use Exporter 'import';
use LG qw(run_cmd);

our @EXPORT_OK = qw(build_client binaries lg_env cli program url_for
	sanitizer_clean client_vars);

my $root = $ENV{LG_ROOT} or die "LG_ROOT is not set\n";

# any sanitizer finding aborts the program with exit code 99
$ENV{ASAN_OPTIONS} = 'halt_on_error=1:abort_on_error=0:exitcode=99:detect_leaks=1:'
	. 'strict_string_checks=1:detect_stack_use_after_return=1';
$ENV{UBSAN_OPTIONS} = 'halt_on_error=1:print_stacktrace=1:exitcode=99';
$ENV{LSAN_OPTIONS} = 'exitcode=99';
$ENV{TSAN_OPTIONS} = 'halt_on_error=1:exitcode=99';

my $built;

sub build_client {
	return if $built;
	my ($rc, $out, $err) = run_cmd(['make', '-C', "$root/client", '-s', 'WERROR=1',
		'all', 'asan', 'tsan', 'check-programs']);
	die "building the client failed:\n$out$err" if $rc != 0;
	$built = 1;
}

# [label, directory] of the two builds: optimised and sanitized
sub binaries {
	build_client();
	return (['opt', "$root/client/build-opt"], ['asan', "$root/client/build-asan"]);
}

# every variable the shim reads, from its one table (`lifeguard config
# --list-variables`, the CLI the harness built)
my @client_vars;
sub client_vars {
	return @client_vars if @client_vars;
	my $bin = $ENV{LG_CLI} // "$root/client/lifeguard";
	build_client() unless -x $bin;
	my ($rc, $out, $err) = run_cmd([$bin, 'config', '--list-variables']);
	die "lifeguard config --list-variables failed ($rc): $err" if $rc != 0;
	@client_vars = map { (split /\t/)[0] } split /\n/, $out;
	die "lifeguard config --list-variables listed no variable\n" unless @client_vars;
	return @client_vars;
}

# env for run_cmd: every client variable cleared, then %set
sub lg_env {
	my (%set) = @_;
	my %env = map { $_ => undef } client_vars();
	$env{$_} = $set{$_} for keys %set;
	return \%env;
}

# cli($variant, \%env, @args) -> (exit, stdout, stderr)
sub cli {
	my ($variant, $env, @args) = @_;
	build_client();
	my $bin = $variant eq 'asan' ? "$root/client/build-asan/lifeguard" : "$root/client/lifeguard";
	return run_cmd([$bin, @args], env => $env);
}

# program($variant, $name, \%env, @args) -> (exit, stdout, stderr)
sub program {
	my ($variant, $name, $env, @args) = @_;
	build_client();
	my $dir = {opt => 'build-opt', asan => 'build-asan', tsan => 'build-tsan'}->{$variant};
	return run_cmd(["$root/client/$dir/$name", @args], env => $env);
}

# a DATABASE_URL for the test cluster (or another port)
sub url_for {
	my (%o) = @_;
	my $port = $o{port} // $ENV{PGPORT};
	my $db = $o{db} // $ENV{PGDATABASE};
	my $q = $o{query} ? "?$o{query}" : '';
	return "postgresql://$ENV{PGUSER}\@$ENV{PGHOST}:$port/$db$q";
}

# no sanitizer report in a stderr text
sub sanitizer_clean {
	my ($stderr) = @_;
	return $stderr !~ /Sanitizer|runtime error:/;
}

1;
