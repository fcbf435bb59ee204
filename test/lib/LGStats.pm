# LGStats.pm: what the pool_stats tests (test/integration/pool_stats_*.t)
# share: psql sessions held open in the background, ended in a chosen way;
# single connection attempts whose outcome is recorded as the client saw
# it; and pool_stats rows as hashes.
#
#   session(%o)             a psql kept connected (o: port, db, user, app,
#                           options => PGOPTIONS); returns a handle once the
#                           server answered, or undef with $@ set when the
#                           connection was refused
#   query($s, $sql)         run sql in the session, its output lines
#   close_session($s)       end it as a client does (Terminate)
#   kill_client($s)         kill the psql: the connection just closes
#   attempt(%o)             connect, run SELECT 1, disconnect: '' on
#                           success, else the server's error message
#   rows($port, $where)     { "database|role|application" => {column => value} }
#                           of pool_stats WHERE $where, as postgres
#   row_text($row, @cols)   "col=value ..." of the columns, for is()
package LGStats;

use strict;
use warnings;
use Exporter 'import';
use File::Temp ();
use IPC::Open2;
use POSIX ();
use LG qw(psql run_cmd wait_until);

our @EXPORT_OK = qw(session query close_session kill_client attempt rows row_text);

my @open;

sub _conn_args {
	my (%o) = @_;
	return ('-h', $ENV{PGHOST}, '-p', $o{port} // $ENV{PGPORT},
		'-U', $o{user} // $ENV{PGUSER}, '-d', $o{db} // $ENV{PGDATABASE});
}

sub session {
	my (%o) = @_;
	local $ENV{PGAPPNAME} = $o{app} // '';
	local $ENV{PGOPTIONS} = $o{options} if defined $o{options};
	my $err = File::Temp->new(DIR => $ENV{LG_TMP});
	open(my $saved, '>&', \*STDERR) or die $!;
	open(STDERR, '>', $err->filename) or die $!;
	my $pid = open2(my $out, my $in, 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=0',
		_conn_args(%o));
	open(STDERR, '>&', $saved) or die $!;
	select((select($in), $| = 1)[0]);
	my $s = { pid => $pid, in => $in, out => $out, err => $err };
	my @r = query($s, q{SELECT 'lg-ready'});
	if (!@r || $r[0] ne 'lg-ready') {
		waitpid($pid, 0);
		$@ = do { local (@ARGV, $/) = ($err->filename); <> } // '';
		return undef;
	}
	push @open, $s;
	return $s;
}

# the lines the statements print, up to a marker echoed after them
sub query {
	my ($s, $sql) = @_;
	my $fh = $s->{in};
	print $fh "$sql;\n\\echo lg-done\n" or return ();
	my @lines;
	my $out = $s->{out};
	while (defined(my $l = <$out>)) {
		chomp $l;
		return @lines if $l eq 'lg-done';
		push @lines, $l;
	}
	return @lines;
}

sub _forget {
	my ($s) = @_;
	@open = grep { $_ != $s } @open;
}

sub close_session {
	my ($s) = @_;
	close $s->{in};
	waitpid($s->{pid}, 0);
	_forget($s);
}

sub kill_client {
	my ($s) = @_;
	kill 'KILL', $s->{pid};
	waitpid($s->{pid}, 0);
	_forget($s);
}

END {
	local $?;
	close_session($_) for @open;
}

sub attempt {
	my (%o) = @_;
	my %env = (PGAPPNAME => $o{app} // '');
	$env{PGOPTIONS} = $o{options} if defined $o{options};
	my ($rc, $out, $err) = run_cmd(['psql', '-X', '-q', '-A', '-t', '-c', 'SELECT 1', _conn_args(%o)],
		env => \%env);
	return '' if $rc == 0;
	$err =~ s/^psql: (?:error: )?//;
	$err =~ s/^.*?FATAL:  //s;
	$err =~ s/\n.*//s;
	return $err;
}

my @COLUMNS = qw(database role application_name connections peak_connections peak_at sessions_opened
	ended_normal ended_client_gone ended_fatal ended_terminated ended_idle_session_timeout
	ended_idle_in_transaction_timeout ended_transaction_timeout session_time
	refused_too_many_clients refused_reserved refused_role_limit refused_database_limit
	refused_authentication refused_other last_refused_at commits rollbacks handoffs
	transaction_time active_time idle_in_transaction_time longest_transaction_time
	longest_idle_in_transaction_time errors_prepared_missing errors_prepared_exists errors_cached_plan);

sub rows {
	my ($port, $where) = @_;
	my $cols = join(', ', map { "coalesce(${_}::text, 'NULL')" } @COLUMNS);
	my $out = psql("SELECT $cols FROM pool_stats WHERE $where", port => $port, app => 'lg-stats-reader');
	my %rows;
	for my $line (split /\n/, $out) {
		my @v = split /\|/, $line, -1;
		my %r;
		@r{@COLUMNS} = @v;
		$rows{"$r{database}|$r{role}|$r{application_name}"} = \%r;
	}
	return \%rows;
}

sub row_text {
	my ($row, @cols) = @_;
	return 'no row' unless $row;
	return join(' ', map { "$_=$row->{$_}" } @cols);
}

1;
