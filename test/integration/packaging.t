# packaging.t: META.json follows PGXN meta-spec 1.0.0 (the required keys,
# their types and formats), agrees with lifeguard.control, and `make
# install` put every file the extension needs where PostgreSQL looks.
# lifeguard.control is the one place the release version is written: the
# copies that cannot be made from it (META.json, the CHANGELOG heading) must
# agree with it, and no source, build or test file may spell it out.
use strict;
use warnings;
use Test::More;
use File::Find;
use JSON::PP;
use LG qw(psql control);

my $root = $ENV{LG_ROOT};
my $meta = do {
	local $/;
	open my $fh, '<', "$root/META.json" or die $!;
	JSON::PP->new->decode(<$fh>);
};
my %control = %{ control() };
my $semver = qr/^\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+)?$/;

# meta-spec 1.0.0 required keys
for my $k (qw(name abstract version maintainer license provides meta-spec)) {
	ok(exists $meta->{$k}, "META.json has $k");
}
is($meta->{'meta-spec'}{version}, '1.0.0', 'meta-spec version is 1.0.0');
like($meta->{name}, qr/^[^\/\\\s]{2,}$/, 'name is a valid distribution name');
like($meta->{version}, $semver, 'version is a semantic version');
ok(!ref $meta->{abstract} && length $meta->{abstract}, 'abstract is a string');
ok(ref $meta->{maintainer} eq 'ARRAY' && @{ $meta->{maintainer} }, 'maintainer is a non-empty list');
ok(grep({ $meta->{license} eq $_ } qw(postgresql bsd mit apache_2_0 gpl_3 lgpl_3_0 artistic_2)),
	'license is one of the spec\'s license strings');
ok(grep({ $meta->{release_status} eq $_ } qw(stable testing unstable)), 'release_status is valid');
for my $ext (sort keys %{ $meta->{provides} }) {
	my $p = $meta->{provides}{$ext};
	ok(-f "$root/$p->{docfile}", "provides.$ext.docfile exists");
	like($p->{version}, $semver, "provides.$ext.version is a semantic version");
	like($p->{file}, qr{^sql/\Q$ext\E--\Q$p->{version}\E\.sql$}, "provides.$ext.file is the install script");
}
like($meta->{prereqs}{runtime}{requires}{PostgreSQL}, $semver, 'a runtime prerequisite on PostgreSQL');
ok(ref $meta->{tags} eq 'ARRAY' && @{ $meta->{tags} }, 'tags');
ok($meta->{resources}{repository}{url}, 'resources.repository');

# lifeguard.control
ok($control{comment}, 'control: comment');
is($control{default_version}, $meta->{version}, 'control default_version equals META.json version');
is($meta->{provides}{lifeguard}{version}, $meta->{version}, 'provides version equals the release version');
is($control{module_pathname}, '$libdir/lifeguard', 'control: module_pathname');

# the CHANGELOG's newest section is the release
my ($newest) = do {
	open my $fh, '<', "$root/CHANGELOG.md" or die $!;
	map { /^## (\S+)/ ? $1 : () } <$fh>;
};
is($newest, $control{default_version}, 'the newest CHANGELOG section is the control file\'s version');

# no other copy of the version: the client's Makefile, its header and the
# tests read lifeguard.control (version.mk, client/include/lifeguard_version.h made
# from it, LG::control).  Files named after a version (install and upgrade
# scripts, the portable edition's generated script, the old install scripts
# kept as fixtures) and the files made from
# the control file are not sources.
my $version = $control{default_version};
my $source = qr{(?:\.(?:c|h|t|pm|pl|sh|js|mjs|cjs|sql|mk|control|in)|/Makefile|/\.ci/run)$};
my $not_source = qr{^(?:lifeguard\.control|client/include/lifeguard_version\.h|sql/lifeguard--[^/]*\.sql|sql/portable/lifeguard_portable--[^/]*\.sql)$};
my @copies;
find({ no_chdir => 1, wanted => sub {
	return if $File::Find::name eq $root;
	my $rel = substr($File::Find::name, length($root) + 1);
	if (-d $_) {
		$File::Find::prune = 1 if $rel =~ m{(?:^|/)(?:\.git|node_modules|build-[^/]*|fixtures)$};
		return;
	}
	return unless "/$rel" =~ $source && $rel !~ $not_source;
	open my $fh, '<', $_ or die "$rel: $!";
	while (my $line = <$fh>) {
		push @copies, "$rel:$.: $line" if $line =~ /(?<![\d.])\Q$version\E(?!\.?\d)/;
	}
} }, $root);
ok(!@copies, "no source, build or test file spells out the version $version") or diag(join '', @copies);

# the installed extension
is(psql(q{SELECT default_version FROM pg_available_extensions WHERE name = 'lifeguard'}),
	$meta->{version}, 'the server sees the installed version');
is(psql(q{SELECT extversion FROM pg_extension WHERE extname = 'lifeguard'}), $meta->{version},
	'CREATE EXTENSION installed that version');
is(psql(q{SELECT count(*) FROM pg_proc WHERE probin IS NOT NULL AND probin <> '$libdir/lifeguard'
	AND oid IN (SELECT objid FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lifeguard'))}),
	0, 'every C function loads $libdir/lifeguard');
is(psql(q{SELECT coalesce(string_agg(proname || ' -> ' || prosrc, ', '), '') FROM pg_proc
	WHERE probin = '$libdir/lifeguard' AND prosrc <> 'lifeguard_' || proname
	AND oid IN (SELECT objid FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lifeguard'))}),
	'', 'every C function is lifeguard_<its SQL name> in the library');
ok(-f "$ENV{LG_INSTALL}" . `pg_config --docdir` =~ s/\s+$//r . '/extension/README.md'
	|| -f "$ENV{LG_INSTALL}" . `pg_config --sharedir` =~ s/\s+$//r . '/doc/extension/README.md',
	'make install installed the README as documentation');

# every difference between PostgreSQL majors lives in extension/compat.h
my @version_tests = grep { !m{/compat\.h:} }
	split /\n/, `grep -rn PG_VERSION_NUM $root/extension $root/common`;
is_deeply(\@version_tests, [], 'PG_VERSION_NUM is tested only in extension/compat.h');

done_testing();
