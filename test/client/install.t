# install.t: `make install` of the client (DESTDIR honoured), the
# pkg-config file, the exported symbols of the shared library, and the
# documented example (test/client/example.c) built against the installed
# header and library, shared and static, and run against the test cluster.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use LG qw(run_cmd control);
use LGClient qw(build_client lg_env url_for);

my $version = control()->{default_version};
build_client();
my $dest = tempdir('install.XXXXXX', DIR => $ENV{LG_TMP}, CLEANUP => 1);
my ($rc, $out, $err) = run_cmd(['make', '-C', "$ENV{LG_ROOT}/client", '-s', 'install',
	"DESTDIR=$dest", 'prefix=/opt/lg']);
is($rc, 0, 'make install DESTDIR=... prefix=/opt/lg') or diag("$out$err");
my $p = "$dest/opt/lg";
ok(-x "$p/bin/lifeguard", 'bin/lifeguard');
ok(-f "$p/include/lifeguard.h", 'include/lifeguard.h');
ok(-f "$p/include/lifeguard_version.h", 'include/lifeguard_version.h (included by lifeguard.h)');
ok(-f "$p/lib/liblifeguard.a", 'lib/liblifeguard.a');
ok(-f "$p/lib/liblifeguard.so.0", 'lib/liblifeguard.so.0');
is(readlink("$p/lib/liblifeguard.so"), 'liblifeguard.so.0', 'lib/liblifeguard.so -> liblifeguard.so.0');
ok(-f "$p/lib/pkgconfig/lifeguard.pc", 'lib/pkgconfig/lifeguard.pc');
my $rules = do { local (@ARGV, $/) = "$ENV{LG_ROOT}/prometheus/lifeguard.rules.yml"; <> };
my $installed_rules = do { local (@ARGV, $/) = "$p/share/lifeguard/prometheus/lifeguard.rules.yml"; <> };
is($installed_rules, $rules, 'share/lifeguard/prometheus/lifeguard.rules.yml: the Prometheus alerting rules');

# pkg-config: the installed prefix, libpq carried along
my %pc = (PKG_CONFIG_PATH => "$p/lib/pkgconfig");
($rc, $out) = run_cmd(['pkg-config', '--cflags', '--libs', 'lifeguard'], env => \%pc);
like($out, qr{-I/opt/lg/include}, 'pkg-config --cflags: the include directory');
like($out, qr{-L/opt/lg/lib -llifeguard}, 'pkg-config --libs: -llifeguard');
like($out, qr{-lpq}, 'pkg-config --libs: libpq (lifeguard.h exposes PGresult)');
($rc, $out) = run_cmd(['pkg-config', '--modversion', 'lifeguard'], env => \%pc);
is($out, "$version\n", 'pkg-config --modversion: the control file\'s version');

# LG_VERSION of the installed header, and the installed CLI's --version
($rc, $out, $err) = run_cmd(['sh', '-c', "echo '#include <lifeguard.h>' | cc -E -dM -I$p/include "
	. "\$(pkg-config --cflags libpq) - | grep ' LG_VERSION '"]);
is($out, "#define LG_VERSION \"$version\"\n", 'the installed lifeguard.h: LG_VERSION is the control file\'s version')
	or diag($err);
($rc, $out) = run_cmd(["$p/bin/lifeguard", '--version']);
is($out, "lifeguard $version\n", 'lifeguard --version: the control file\'s version');

# the soname, and only the public API exported
($rc, $out) = run_cmd(['sh', '-c', "objdump -p $p/lib/liblifeguard.so.0 | grep SONAME"]);
like($out, qr/SONAME\s+liblifeguard\.so\.0/, 'SONAME liblifeguard.so.0');
($rc, $out) = run_cmd(['nm', '-D', '--defined-only', "$p/lib/liblifeguard.so.0"]);
my @exported = map { /\s[TD]\s(\S+)$/ ? $1 : () } split /\n/, $out;
my @header = do {
	open my $h, '<', "$ENV{LG_ROOT}/client/include/lifeguard.h" or die $!;
	map { /^extern\s[^(]*?[\s*](lg_[a-z0-9_]+)\(/ ? $1 : () } <$h>;
};
is_deeply([sort @exported], [sort @header], 'exported symbols = the functions of lifeguard.h (' . scalar(@header) . ')');
ok(!grep({ /^lg_cuid2_init$|^lg_fail$|^lg_connect$/ } @exported), 'internal functions stay hidden');

# the example, shared and static, against the cluster
my $cflags = "-Wall -Wextra -Werror -I$p/include " . `pkg-config --cflags libpq`;
chomp $cflags;
for my $kind ('shared', 'static') {
	my $bin = "$dest/example-$kind";
	my $link = $kind eq 'shared' ? "-L$p/lib -llifeguard -lpq" : "$p/lib/liblifeguard.a -lpq -lcrypto -pthread";
	($rc, $out, $err) = run_cmd(['sh', '-c', "cc $cflags -o $bin $ENV{LG_ROOT}/test/client/example.c $link"]);
	is($rc, 0, "example.c builds against the installed $kind library") or diag("$out$err");
	($rc, $out, $err) = run_cmd([$bin], env => {%{ lg_env(DATABASE_URL => url_for(), APP_NAME => 'example') },
		LD_LIBRARY_PATH => "$p/lib"});
	is($rc, 0, "example ($kind) runs") or diag("$out$err");
	like($out, qr/^driver=pg pool_mode=session max=5 application_name=example-dev$/m, "example ($kind): resolved configuration");
	like($out, qr/^stored=ord_[a-z][0-9a-z]{23} valid=t$/m, "example ($kind): committed a client-made id that SQL accepts");
}

# a bad environment reaches the example as the library's error
($rc, $out, $err) = run_cmd(["$dest/example-shared"], env => {%{ lg_env(DATABASE_URL => url_for(),
	DATABASE_POOL_MAX => '0') }, LD_LIBRARY_PATH => "$p/lib"});
is($rc, 2, 'example: configuration error exit 2');
is($err, "configuration: invalid DATABASE_POOL_MAX \"0\": zero; expected an integer from 1 to 10000\n", 'example: the message');

done_testing();
