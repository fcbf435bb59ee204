# config.t: `lifeguard config` resolution table and bad inputs.
#
# Every case runs twice: with the optimised CLI and with the AddressSanitizer
# + UBSan build (any sanitizer finding makes the exit code 99).  The process
# environment is cleared of every variable the shim reads; each case sets
# its own.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use LG qw(run_cmd);
use LGClient qw(binaries lg_env cli sanitizer_clean);

my $json = JSON::PP->new;

my $PLAIN = 'postgresql://app:hunter2@db.internal:5432/appdb';
my $NEON = 'postgresql://neon:hunter2@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb';
my $NEON_POOLER = 'postgresql://neon:hunter2@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb';
my $BOUNCER = 'postgresql://app:hunter2@bouncer.internal:6432/appdb';

# [name, {env}, [args], {expected json fields}]
my @table = (
	['plain host, defaults (development)', {DATABASE_URL => $PLAIN}, [], {
		source => 'DATABASE_URL', url => 'postgresql://app:****@db.internal:5432/appdb',
		host => 'db.internal', port => 5432, database => 'appdb', user => 'app',
		environment => 'development', driver => 'pg', pool_mode => 'session',
		max => 5, idle_timeout_ms => 30000, connect_timeout_ms => 10000,
		health_check_after_ms => 1000, max_lifetime_ms => 1800000,
		keepalive => 0, sslmode => 'prefer', application_name => 'app-dev',
		prepared_statements => 1, session_settings => 1, statement_cache => 0 }],
	['the health check and lifetime are the same in every profile', {DATABASE_URL => $PLAIN, APP_ENV => 'production'}, [], {
		health_check_after_ms => 1000, max_lifetime_ms => 1800000 }],
	['DATABASE_POOL_HEALTH_CHECK_AFTER=0: at every checkout', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => '0'}, [], {
		health_check_after_ms => 0 }],
	['DATABASE_POOL_HEALTH_CHECK_AFTER at its bound', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => '86400000'}, [], {
		health_check_after_ms => 86400000 }],
	['DATABASE_POOL_MAX_LIFETIME=0: no limit', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '0'}, [], {
		max_lifetime_ms => 0 }],
	['DATABASE_POOL_MAX_LIFETIME at its bound', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '604800000'}, [], {
		max_lifetime_ms => 604800000 }],
	['DATABASE_STATEMENT_CACHE=on in session pooling', {DATABASE_URL => $PLAIN, DATABASE_STATEMENT_CACHE => 'on'}, [], {
		pool_mode => 'session', statement_cache => 1 }],
	['DATABASE_STATEMENT_CACHE=off', {DATABASE_URL => $PLAIN, DATABASE_STATEMENT_CACHE => 'off'}, [], {
		statement_cache => 0 }],
	# the profiles of docs/client.md: max, idle timeout, connect timeout,
	# keepalive, application_name's suffix
	(map { my ($env, $max, $idle, $connect, $ka, $suffix) = @$_;
		["profile $env", {DATABASE_URL => $PLAIN, APP_ENV => $env}, [], {
			environment => $env, max => $max, idle_timeout_ms => $idle,
			connect_timeout_ms => $connect, keepalive => $ka, application_name => "app-$suffix" }] }
		['production', 20, 30000, 10000, 1, 'prod'], ['staging', 15, 30000, 10000, 1, 'staging'],
		['development', 5, 30000, 10000, 0, 'dev'], ['test', 3, 5000, 5000, 0, 'test']),
	['NODE_ENV when APP_ENV is unset', {DATABASE_URL => $PLAIN, NODE_ENV => 'test'}, [], {
		environment => 'test', max => 3 }],
	['APP_ENV wins over NODE_ENV', {DATABASE_URL => $PLAIN, APP_ENV => 'staging', NODE_ENV => 'test'}, [], {
		environment => 'staging', max => 15 }],
	['NODE_ENV is not read when APP_ENV is set, valid or not', {DATABASE_URL => $PLAIN, APP_ENV => 'staging', NODE_ENV => 'qa'}, [], {
		environment => 'staging', max => 15 }],
	['APP_NAME', {DATABASE_URL => $PLAIN, APP_NAME => 'billing', APP_ENV => 'production'}, [], {
		application_name => 'billing-prod' }],
	['DATABASE_POOL_MAX override', {DATABASE_URL => $PLAIN, APP_ENV => 'production', DATABASE_POOL_MAX => '7'}, [], {
		max => 7, idle_timeout_ms => 30000, connect_timeout_ms => 10000 }],
	['DATABASE_POOL_IDLE_TIMEOUT override', {DATABASE_URL => $PLAIN, DATABASE_POOL_IDLE_TIMEOUT => '1234'}, [], {
		idle_timeout_ms => 1234, max => 5 }],
	['DATABASE_CONNECTION_TIMEOUT override', {DATABASE_URL => $PLAIN, DATABASE_CONNECTION_TIMEOUT => '1500'}, [], {
		connect_timeout_ms => 1500 }],
	['all three overrides on the test profile', {DATABASE_URL => $PLAIN, APP_ENV => 'test',
		DATABASE_POOL_MAX => '10000', DATABASE_POOL_IDLE_TIMEOUT => '86400000',
		DATABASE_CONNECTION_TIMEOUT => '3600000'}, [], {
		max => 10000, idle_timeout_ms => 86400000, connect_timeout_ms => 3600000 }],
	['URL connect_timeout in seconds', {DATABASE_URL => "$PLAIN?connect_timeout=3"}, [], {
		connect_timeout_ms => 3000 }],
	['DATABASE_CONNECTION_TIMEOUT beats the URL', {DATABASE_URL => "$PLAIN?connect_timeout=3",
		DATABASE_CONNECTION_TIMEOUT => '250'}, [], { connect_timeout_ms => 250 }],
	['*.neon.tech host', {DATABASE_URL => $NEON}, [], {
		driver => 'neon', pool_mode => 'session', sslmode => 'require',
		prepared_statements => 1 }],
	['Neon host in capitals', {DATABASE_URL => 'postgresql://u@EP-X-1.US-EAST-2.AWS.NEON.TECH/db'}, [], {
		driver => 'neon', pool_mode => 'session' }],
	['Neon -pooler host', {DATABASE_URL => $NEON_POOLER}, [], {
		driver => 'neon', pool_mode => 'transaction', sslmode => 'require',
		prepared_statements => 0, session_settings => 0 }],
	['Neon with sslmode=verify-full kept', {DATABASE_URL => "$NEON?sslmode=verify-full"}, [], {
		driver => 'neon', sslmode => 'verify-full' }],
	['a host merely containing neon is not Neon', {DATABASE_URL => 'postgresql://u@neon.tech.example.com/db'}, [], {
		driver => 'pg' }],
	['-pooler outside neon.tech is not Neon', {DATABASE_URL => 'postgresql://u@db-pooler.internal/db'}, [], {
		driver => 'pg', pool_mode => 'session' }],
	['port 6432', {DATABASE_URL => $BOUNCER}, [], {
		driver => 'pgbouncer', pool_mode => 'transaction', prepared_statements => 0,
		port => 6432 }],
	['pgbouncer=true is detected and stripped', {DATABASE_URL => 'postgresql://app:hunter2@db.internal:5432/appdb?pgbouncer=true&sslmode=disable'}, [], {
		driver => 'pgbouncer', pool_mode => 'transaction', sslmode => 'disable',
		url => 'postgresql://app:****@db.internal:5432/appdb?sslmode=disable' }],
	['pgbouncer=false is stripped, nothing detected', {DATABASE_URL => "$PLAIN?pgbouncer=false"}, [], {
		driver => 'pg', pool_mode => 'session', url => 'postgresql://app:****@db.internal:5432/appdb' }],
	['Neon -pooler with pgbouncer=true (Prisma)', {DATABASE_URL => "$NEON_POOLER?pgbouncer=true"}, [], {
		driver => 'neon', pool_mode => 'transaction' }],
	['a second host on 6432', {DATABASE_URL => 'postgresql://u@h1:5432,h2:6432/db'}, [], {
		driver => 'pgbouncer', host => 'h1,h2', port => 5432 }],
	['DATABASE_DRIVER=auto', {DATABASE_URL => $BOUNCER, DATABASE_DRIVER => 'auto'}, [], {
		driver => 'pgbouncer' }],
	['DATABASE_DRIVER=pg on port 6432', {DATABASE_URL => $BOUNCER, DATABASE_DRIVER => 'pg'}, [], {
		driver => 'pg', pool_mode => 'session' }],
	['DATABASE_DRIVER=neon on a plain host', {DATABASE_URL => $PLAIN, DATABASE_DRIVER => 'neon'}, [], {
		driver => 'neon', pool_mode => 'session', sslmode => 'require' }],
	['DATABASE_DRIVER=pgbouncer on 5432', {DATABASE_URL => $PLAIN, DATABASE_DRIVER => 'pgbouncer'}, [], {
		driver => 'pgbouncer', pool_mode => 'transaction' }],
	['NEON_DATABASE=true', {DATABASE_URL => $PLAIN, NEON_DATABASE => 'true'}, [], {
		driver => 'neon', sslmode => 'require' }],
	['NEON_DATABASE=false', {DATABASE_URL => $PLAIN, NEON_DATABASE => 'false'}, [], {
		driver => 'pg' }],
	['NEON_DATABASE=true with DATABASE_DRIVER=neon', {DATABASE_URL => $PLAIN, NEON_DATABASE => 'true', DATABASE_DRIVER => 'neon'}, [], {
		driver => 'neon' }],
	['DATABASE_POOL_MODE=transaction on a plain host', {DATABASE_URL => $PLAIN, DATABASE_POOL_MODE => 'transaction'}, [], {
		driver => 'pg', pool_mode => 'transaction', prepared_statements => 0 }],
	['DATABASE_POOL_MODE=session on PgBouncer', {DATABASE_URL => $BOUNCER, DATABASE_POOL_MODE => 'session'}, [], {
		driver => 'pgbouncer', pool_mode => 'session', prepared_statements => 1 }],
	['DATABASE_POOL_MODE=session on a Neon pooler', {DATABASE_URL => $NEON_POOLER, DATABASE_POOL_MODE => 'session'}, [], {
		driver => 'neon', pool_mode => 'session' }],
	['DIRECT_URL when DATABASE_URL is unset', {DIRECT_URL => $PLAIN}, [], {
		source => 'DIRECT_URL', driver => 'pg' }],
	['DATABASE_URL wins without --direct', {DATABASE_URL => $BOUNCER, DIRECT_URL => $PLAIN}, [], {
		source => 'DATABASE_URL', driver => 'pgbouncer', port => 6432 }],
	['--direct with DIRECT_URL', {DATABASE_URL => $BOUNCER, DIRECT_URL => $PLAIN}, ['--direct'], {
		source => 'DIRECT_URL', driver => 'pg', pool_mode => 'session', port => 5432,
		host => 'db.internal' }],
	['--direct without DIRECT_URL, plain host', {DATABASE_URL => $PLAIN}, ['--direct'], {
		source => 'DATABASE_URL', driver => 'pg', pool_mode => 'session', host => 'db.internal' }],
	['--direct without DIRECT_URL, Neon pooler: the host minus -pooler', {DATABASE_URL => $NEON_POOLER}, ['--direct'], {
		source => 'DATABASE_URL', driver => 'neon', pool_mode => 'session',
		host => 'ep-cool-darkness-123456.us-east-2.aws.neon.tech', sslmode => 'require',
		prepared_statements => 1,
		url => 'postgresql://neon:****@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb' }],
	['--direct with DIRECT_URL on Neon', {DATABASE_URL => $NEON_POOLER, DIRECT_URL => $NEON}, ['--direct'], {
		source => 'DIRECT_URL', driver => 'neon', pool_mode => 'session' }],
	['--direct ignores DATABASE_POOL_MODE', {DATABASE_URL => $PLAIN, DIRECT_URL => $PLAIN, DATABASE_POOL_MODE => 'transaction'}, ['--direct'], {
		pool_mode => 'session', prepared_statements => 1 }],
	['key=value connection string', {DATABASE_URL => 'host=db.internal port=6432 dbname=appdb user=app password=hunter2'}, [], {
		driver => 'pgbouncer', host => 'db.internal', database => 'appdb', user => 'app',
		url => 'user=app password=**** dbname=appdb host=db.internal port=6432' }],
	['the URL application_name wins', {DATABASE_URL => "$PLAIN?application_name=worker"}, [], {
		application_name => 'worker' }],
	['the URL keepalives wins', {DATABASE_URL => "$PLAIN?keepalives=1"}, [], {
		keepalive => 1 }],
	['IPv6 host', {DATABASE_URL => 'postgresql://u@[::1]:5433/db'}, [], {
		host => '::1', port => 5433, url => 'postgresql://u@[::1]:5433/db' }],
	['IPv6 hosts with a zone and an IPv4 tail', {DATABASE_URL => 'postgresql://u@[fe80::1%25eth0]:5433,[::ffff:10.0.0.1]/db'}, [], {
		host => 'fe80::1%eth0,::ffff:10.0.0.1',
		url => 'postgresql://u@[fe80::1%25eth0]:5433,[::ffff:10.0.0.1]/db' }],
	['Unix socket directory', {DATABASE_URL => 'postgresql:///db?host=/var/run/postgresql'}, [], {
		host => '/var/run/postgresql', database => 'db', driver => 'pg' }],
	['a password given as a query parameter is redacted', {DATABASE_URL => 'postgresql://u@h/db?password=hunter2&sslmode=require'}, [], {
		url => 'postgresql://u:****@h/db?sslmode=require' }],
	['password percent-encoding kept in the url', {DATABASE_URL => 'postgresql://u:p%40ss@h/db'}, ['--show-password'], {
		url => 'postgresql://u:p%40ss@h/db' }],
);

# [name, {env}, [args], exit, qr/stderr/]
my @bad = (
	['a bracketed host that is no IPv6 address', {DATABASE_URL => 'postgresql://[/?sslpassword=Brk1Secret&/]/db'}, [], 2, qr/^lifeguard config: invalid DATABASE_URL: host 1 is in brackets, which hold an IPv6 address, but it contains "\/", which no IPv6 address does$/],
	['the second host in brackets, with a space', {DATABASE_URL => 'postgresql://h1,[::1 x]/db'}, [], 2, qr/^lifeguard config: invalid DATABASE_URL: host 2 is in brackets, which hold an IPv6 address, but it contains " ", which no IPv6 address does$/],
	['no URL at all', {}, [], 2, qr/^lifeguard config: no connection string: set DATABASE_URL \(or DIRECT_URL\)$/],
	['empty DATABASE_URL', {DATABASE_URL => ''}, [], 2, qr/invalid DATABASE_URL "": empty/],
	['empty DIRECT_URL', {DIRECT_URL => ''}, [], 2, qr/invalid DIRECT_URL "": empty/],
	['non-numeric max', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => 'abc'}, [], 2, qr/invalid DATABASE_POOL_MAX "abc": not a whole number; expected an integer from 1 to 10000/],
	['negative max', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '-1'}, [], 2, qr/invalid DATABASE_POOL_MAX "-1": negative/],
	['zero max (node-postgres would make it 10)', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '0'}, [], 2, qr/invalid DATABASE_POOL_MAX "0": zero/],
	['overflowing max', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '99999999999999999999999'}, [], 2, qr/invalid DATABASE_POOL_MAX "99999999999999999999999": out of range/],
	['max above 10000', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '10001'}, [], 2, qr/invalid DATABASE_POOL_MAX "10001": out of range; expected an integer from 1 to 10000/],
	['max with a space', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => ' 5'}, [], 2, qr/invalid DATABASE_POOL_MAX " 5": not a whole number/],
	['max with a decimal point', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '5.0'}, [], 2, qr/invalid DATABASE_POOL_MAX "5\.0": not a whole number/],
	['max with a plus sign', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '+5'}, [], 2, qr/invalid DATABASE_POOL_MAX "\+5": not a whole number/],
	['empty max', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => ''}, [], 2, qr/invalid DATABASE_POOL_MAX "": empty/],
	['zero idle timeout', {DATABASE_URL => $PLAIN, DATABASE_POOL_IDLE_TIMEOUT => '0'}, [], 2, qr/invalid DATABASE_POOL_IDLE_TIMEOUT "0": zero/],
	['idle timeout with a unit', {DATABASE_URL => $PLAIN, DATABASE_POOL_IDLE_TIMEOUT => '30s'}, [], 2, qr/invalid DATABASE_POOL_IDLE_TIMEOUT "30s": not a whole number/],
	['idle timeout above one day', {DATABASE_URL => $PLAIN, DATABASE_POOL_IDLE_TIMEOUT => '86400001'}, [], 2, qr/invalid DATABASE_POOL_IDLE_TIMEOUT "86400001": out of range; expected an integer from 1 to 86400000/],
	['negative health check threshold', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => '-1'}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_HEALTH_CHECK_AFTER "-1": negative; expected an integer from 0 to 86400000$/],
	['health check threshold with a unit', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => '1s'}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_HEALTH_CHECK_AFTER "1s": not a whole number; expected an integer from 0 to 86400000$/],
	['empty health check threshold', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => ''}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_HEALTH_CHECK_AFTER "": empty; expected an integer from 0 to 86400000$/],
	['health check threshold above one day', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => '86400001'}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_HEALTH_CHECK_AFTER "86400001": out of range; expected an integer from 0 to 86400000$/],
	['health check threshold off', {DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => 'off'}, [], 2, qr/invalid DATABASE_POOL_HEALTH_CHECK_AFTER "off": not a whole number/],
	['negative lifetime', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '-1800000'}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_MAX_LIFETIME "-1800000": negative; expected an integer from 0 to 604800000$/],
	['lifetime with a unit', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '30m'}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_MAX_LIFETIME "30m": not a whole number; expected an integer from 0 to 604800000$/],
	['lifetime with a decimal point', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '1800.5'}, [], 2, qr/invalid DATABASE_POOL_MAX_LIFETIME "1800\.5": not a whole number/],
	['empty lifetime', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => ''}, [], 2, qr/invalid DATABASE_POOL_MAX_LIFETIME "": empty/],
	['lifetime above one week', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '604800001'}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_MAX_LIFETIME "604800001": out of range; expected an integer from 0 to 604800000$/],
	['lifetime beyond 64 bits', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '99999999999999999999999'}, [], 2, qr/invalid DATABASE_POOL_MAX_LIFETIME "99999999999999999999999": out of range/],
	['negative connect timeout', {DATABASE_URL => $PLAIN, DATABASE_CONNECTION_TIMEOUT => '-5'}, [], 2, qr/invalid DATABASE_CONNECTION_TIMEOUT "-5": negative/],
	['zero connect timeout', {DATABASE_URL => $PLAIN, DATABASE_CONNECTION_TIMEOUT => '0'}, [], 2, qr/invalid DATABASE_CONNECTION_TIMEOUT "0": zero/],
	['connect timeout in exponent form', {DATABASE_URL => $PLAIN, DATABASE_CONNECTION_TIMEOUT => '1e3'}, [], 2, qr/invalid DATABASE_CONNECTION_TIMEOUT "1e3": not a whole number/],
	['connect timeout beyond 32 bits', {DATABASE_URL => $PLAIN, DATABASE_CONNECTION_TIMEOUT => '4294967296'}, [], 2, qr/invalid DATABASE_CONNECTION_TIMEOUT "4294967296": out of range/],
	['unknown APP_ENV', {DATABASE_URL => $PLAIN, APP_ENV => 'prod'}, [], 2, qr/invalid APP_ENV "prod": unknown environment; expected production, staging, development or test/],
	['APP_ENV in capitals', {DATABASE_URL => $PLAIN, APP_ENV => 'Production'}, [], 2, qr/invalid APP_ENV "Production": unknown environment/],
	['unknown NODE_ENV', {DATABASE_URL => $PLAIN, NODE_ENV => 'qa'}, [], 2, qr/invalid NODE_ENV "qa": unknown environment/],
	['a long APP_ENV is quoted up to 100 bytes', {DATABASE_URL => $PLAIN, APP_ENV => 'x' x 5000}, [], 2, qr/^lifeguard config: invalid APP_ENV "x{100}\.\.\.": unknown environment; expected production, staging, development or test$/],
	['a long DATABASE_POOL_MAX is quoted up to 100 bytes', {DATABASE_URL => $PLAIN, DATABASE_POOL_MAX => '9' x 5000}, [], 2, qr/^lifeguard config: invalid DATABASE_POOL_MAX "9{100}\.\.\.": out of range; expected an integer from 1 to 10000$/],
	['empty APP_ENV', {DATABASE_URL => $PLAIN, APP_ENV => ''}, [], 2, qr/invalid APP_ENV "": unknown environment/],
	['unknown driver', {DATABASE_URL => $PLAIN, DATABASE_DRIVER => 'mysql'}, [], 2, qr/invalid DATABASE_DRIVER "mysql": unknown driver; expected auto, pg, neon or pgbouncer/],
	['driver in capitals', {DATABASE_URL => $PLAIN, DATABASE_DRIVER => 'Neon'}, [], 2, qr/invalid DATABASE_DRIVER "Neon": unknown driver/],
	['NEON_DATABASE=yes', {DATABASE_URL => $PLAIN, NEON_DATABASE => 'yes'}, [], 2, qr/invalid NEON_DATABASE "yes": expected true or false/],
	['NEON_DATABASE=true with DATABASE_DRIVER=pgbouncer', {DATABASE_URL => $PLAIN, NEON_DATABASE => 'true', DATABASE_DRIVER => 'pgbouncer'}, [], 2, qr/invalid DATABASE_DRIVER "pgbouncer": conflicts with NEON_DATABASE=true/],
	['unknown statement cache setting', {DATABASE_URL => $PLAIN, DATABASE_STATEMENT_CACHE => 'yes'}, [], 2, qr/^lifeguard config: invalid DATABASE_STATEMENT_CACHE "yes": expected on or off$/],
	['statement cache under transaction pooling', {DATABASE_URL => $BOUNCER, DATABASE_STATEMENT_CACHE => 'on'}, [], 2, qr/^lifeguard config: invalid DATABASE_STATEMENT_CACHE "on": the pool mode is transaction, where named prepared statements break; use off$/],
	['unknown pool mode', {DATABASE_URL => $PLAIN, DATABASE_POOL_MODE => 'statement'}, [], 2, qr/invalid DATABASE_POOL_MODE "statement": unknown pool mode; expected session or transaction/],
	['port out of range', {DATABASE_URL => 'postgresql://u:hunter2@h:99999/db'}, [], 2, qr/invalid DATABASE_URL "postgresql:\/\/u:\*\*\*\*\@h:99999\/db": port "99999" is not a number from 1 to 65535/],
	['non-numeric port', {DATABASE_URL => 'postgresql://u@h:abc/db'}, [], 2, qr/port "abc" is not a number/],
	['not a postgres URL', {DATABASE_URL => 'mysql://h/db'}, [], 2, qr/invalid DATABASE_URL "mysql:\/\/h\/db": missing "=" after/],
	['unknown URI parameter', {DATABASE_URL => 'postgresql://u@h/db?schema=public'}, [], 2, qr/^lifeguard config: invalid DATABASE_URL "postgresql:\/\/u\@h\/db\?schema=\*\*\*\*": invalid URI query parameter: "schema"$/],
	['bad percent-encoding in the password', {DATABASE_URL => 'postgresql://u:hunter2%zz@h/db'}, [], 2, qr/^lifeguard config: invalid DATABASE_URL "postgresql:\/\/u:\*\*\*\*\@h\/db": invalid percent-encoded token: "\*\*\*\*"$/],
	['bad URI with a password parameter', {DATABASE_URL => 'postgresql://u@h/db?password=hunter2&schema=x'}, [], 2, qr/^lifeguard config: invalid DATABASE_URL "postgresql:\/\/u\@h\/db\?password=\*\*\*\*&schema=\*\*\*\*": invalid URI query parameter: "schema"$/],
	['broken key=value string with a password', {DATABASE_URL => 'host=h password=hunter2 oops'}, [], 2, qr/^lifeguard config: invalid DATABASE_URL "host=h password=\*\*\*\* \*\*\*\*": missing "=" after "\*\*\*\*"/],
	['sslmode=disable on Neon', {DATABASE_URL => "$NEON?sslmode=disable"}, [], 2, qr/invalid DATABASE_URL "postgresql:\/\/neon:\*\*\*\*\@ep-cool-darkness-123456\.us-east-2\.aws\.neon\.tech\/neondb\?sslmode=disable": sslmode=disable on a Neon host; Neon requires TLS/],
	['sslmode=prefer on Neon', {DATABASE_URL => "$NEON_POOLER?sslmode=prefer"}, [], 2, qr/sslmode=prefer on a Neon host; Neon requires TLS/],
	['sslmode=disable with NEON_DATABASE=true', {DATABASE_URL => "$PLAIN?sslmode=disable", NEON_DATABASE => 'true'}, [], 2, qr/sslmode=disable on a Neon host/],
	['unknown sslmode', {DATABASE_URL => "$PLAIN?sslmode=required"}, [], 2, qr/invalid DATABASE_URL "postgresql:\/\/app:\*\*\*\*\@db\.internal:5432\/appdb\?sslmode=required": unknown sslmode "required"; expected disable, allow, prefer, require, verify-ca or verify-full/],
	['pgbouncer=yes', {DATABASE_URL => "$PLAIN?pgbouncer=yes"}, [], 2, qr/invalid DATABASE_URL: query parameter "pgbouncer=yes"; pgbouncer must be true or false/],
	['options under transaction pooling', {DATABASE_URL => "$BOUNCER?options=-c%20search_path%3Dapp"}, [], 2, qr/invalid DATABASE_URL: options="-c search_path=app" in transaction pooling/],
	['--direct through PgBouncer without DIRECT_URL', {DATABASE_URL => $BOUNCER}, ['--direct'], 2, qr/invalid DATABASE_URL "postgresql:\/\/app:\*\*\*\*\@bouncer\.internal:6432\/appdb" for --direct: it goes through a PgBouncer pooler and DIRECT_URL is not set/],
	['--direct through a transaction pooler (DATABASE_POOL_MODE) without DIRECT_URL', {DATABASE_URL => $PLAIN, DATABASE_POOL_MODE => 'transaction'}, ['--direct'], 2, qr/for --direct: it goes through a transaction pooler and DIRECT_URL is not set/],
	['--direct with a DIRECT_URL that is a Neon pooler', {DATABASE_URL => $PLAIN, DIRECT_URL => $NEON_POOLER}, ['--direct'], 2, qr/invalid DIRECT_URL "postgresql:\/\/neon:\*\*\*\*\@ep-cool-darkness-123456-pooler\.us-east-2\.aws\.neon\.tech\/neondb": it points at a pooler \(a -pooler host\); DIRECT_URL must be the unpooled connection/],
	['--direct with a DIRECT_URL on port 6432', {DATABASE_URL => $PLAIN, DIRECT_URL => $BOUNCER}, ['--direct'], 2, qr/invalid DIRECT_URL .*: it points at a pooler \(port 6432\)/],
	['APP_NAME too long', {DATABASE_URL => $PLAIN, APP_NAME => 'a' x 60}, [], 2, qr/invalid APP_NAME "a{60}": too long/],
	['APP_NAME not ASCII', {DATABASE_URL => $PLAIN, APP_NAME => "caf\xc3\xa9"}, [], 2, qr/invalid APP_NAME: contains a character outside printable ASCII/],
	['empty APP_NAME', {DATABASE_URL => $PLAIN, APP_NAME => ''}, [], 2, qr/invalid APP_NAME "": empty/],
	['keepalives=2 in the URL', {DATABASE_URL => "$PLAIN?keepalives=2"}, [], 2, qr/keepalives must be 0 or 1/],
	['connect_timeout=0 in the URL', {DATABASE_URL => "$PLAIN?connect_timeout=0"}, [], 2, qr/invalid connect_timeout of DATABASE_URL "0": zero/],
	['a user name that is not UTF-8', {DIRECT_URL => 'postgresql://u%FF@h/db'}, [], 2, qr/^lifeguard config: invalid DIRECT_URL: a value in it is not valid UTF-8$/],
	['unknown format', {DATABASE_URL => $PLAIN}, ['--format', 'yaml'], 2, qr/invalid --format "yaml": expected text, json, env, conninfo or node-pg/],
	['--format without a value', {DATABASE_URL => $PLAIN}, ['--format'], 2, qr/option "--format" needs a value/],
	['unknown option', {DATABASE_URL => $PLAIN}, ['--bogus'], 2, qr/unknown option "--bogus"/],
	['unexpected argument', {DATABASE_URL => $PLAIN}, ['extra'], 2, qr/unexpected argument "extra"/],
);

for my $b (binaries()) {
	my ($variant) = @$b;

	for my $case (@table) {
		my ($name, $env, $args, $want) = @$case;
		my ($rc, $out, $err) = cli($variant, lg_env(%$env), 'config', '--format', 'json', @$args);
		is($rc, 0, "[$variant] $name: exit 0") or diag($err);
		ok(sanitizer_clean($err), "[$variant] $name: sanitizer clean") or diag($err);
		my $got = eval { $json->decode($out) } || {};
		for my $k (sort keys %$want) {
			my $g = $got->{$k};
			$g = ($g ? 1 : 0) if JSON::PP::is_bool($g);
			is($g, $want->{$k}, "[$variant] $name: $k");
		}
		unlike($out, qr/hunter2/, "[$variant] $name: no password")
			unless grep { $_ eq '--show-password' } @$args;
	}

	for my $case (@bad) {
		my ($name, $env, $args, $code, $re) = @$case;
		my ($rc, $out, $err) = cli($variant, lg_env(%$env), 'config', @$args);
		is($rc, $code, "[$variant] bad input, $name: exit $code");
		like($err, $re, "[$variant] bad input, $name: message");
		like($err, qr/\A[^\n]*\n\z/, "[$variant] bad input, $name: one line on stderr");
		is($out, '', "[$variant] bad input, $name: nothing on stdout");
		unlike($err, qr/hunter2/, "[$variant] bad input, $name: no password");
	}

	# every output format, with and without the password
	my $env = lg_env(DATABASE_URL => "$PLAIN?sslmode=require", APP_ENV => 'staging',
		DATABASE_CONNECTION_TIMEOUT => '1500');
	for my $fmt (qw(text json env conninfo node-pg)) {
		my ($rc, $out, $err) = cli($variant, $env, 'config', '--format', $fmt);
		is($rc, 0, "[$variant] --format $fmt: exit 0");
		ok(sanitizer_clean($err), "[$variant] --format $fmt: sanitizer clean") or diag($err);
		unlike($out, qr/hunter2/, "[$variant] --format $fmt: password redacted");
		($rc, $out, $err) = cli($variant, $env, 'config', '--format', $fmt, '--show-password');
		is($rc, 0, "[$variant] --format $fmt --show-password: exit 0");
		like($out, qr/hunter2/, "[$variant] --format $fmt --show-password: password shown");
	}

	# text: one "key value" line per field
	my ($rc, $out) = cli($variant, $env, 'config');
	like($out, qr/^driver\s+pg$/m, "[$variant] text: driver");
	like($out, qr/^application_name\s+app-staging$/m, "[$variant] text: application_name");
	like($out, qr/^url\s+postgresql:\/\/app:\*\*\*\*\@db\.internal:5432\/appdb\?sslmode=require$/m,
		"[$variant] text: redacted url");

	# conninfo: libpq's parameters; connect_timeout in whole seconds, rounded up
	($rc, $out) = cli($variant, $env, 'config', '--format', 'conninfo');
	chomp $out;
	my %kv = map { split /=/, $_, 2 } split / /, $out;
	is($kv{application_name}, 'app-staging', "[$variant] conninfo: application_name");
	is($kv{sslmode}, 'require', "[$variant] conninfo: sslmode");
	is($kv{keepalives}, '1', "[$variant] conninfo: keepalives");
	is($kv{connect_timeout}, '2', "[$variant] conninfo: 1500 ms rounds up to 2 s");
	ok(!exists $kv{password}, "[$variant] conninfo: no password");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => $PLAIN, DATABASE_CONNECTION_TIMEOUT => '500'),
		'config', '--format', 'conninfo');
	like($out, qr/connect_timeout=2\b/, "[$variant] conninfo: 500 ms becomes libpq's minimum 2 s");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => "host='/tmp/my dir' dbname=x"),
		'config', '--format', 'conninfo', '--show-password');
	like($out, qr/host='\/tmp\/my dir'/, "[$variant] conninfo: values with spaces quoted");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => "host=h dbname=x password='it\\'s'"),
		'config', '--format', 'conninfo', '--show-password');
	like($out, qr/password='it\\'s'/, "[$variant] conninfo: quotes escaped");

	# env: shell assignments that a shell can evaluate
	($rc, $out) = cli($variant, $env, 'config', '--format', 'env');
	my ($src) = grep { /^LIFEGUARD_MAX=/ } split /\n/, $out;
	is($src, "LIFEGUARD_MAX='15'", "[$variant] env: LIFEGUARD_MAX");
	my ($sh_rc, $sh_out) = run_cmd(['sh', '-c', 'eval "$(cat)"; echo "$PGAPPNAME|$PGHOST|$PGSSLMODE|$PGCONNECT_TIMEOUT|$LIFEGUARD_DRIVER|${PGPASSWORD-unset}"'],
		stdin => $out);
	is($sh_out, "app-staging|db.internal|require|2|pg|unset\n", "[$variant] env: evaluates in sh");

	# node-pg: explicit, nonzero values; ssl follows sslmode
	($rc, $out) = cli($variant, $env, 'config', '--format', 'node-pg');
	my $o = $json->decode($out);
	is($o->{max}, 15, "[$variant] node-pg: max");
	is($o->{idleTimeoutMillis}, 30000, "[$variant] node-pg: idleTimeoutMillis");
	is($o->{connectionTimeoutMillis}, 1500, "[$variant] node-pg: connectionTimeoutMillis");
	is($o->{application_name}, 'app-staging', "[$variant] node-pg: application_name");
	ok(JSON::PP::is_bool($o->{keepAlive}) && $o->{keepAlive}, "[$variant] node-pg: keepAlive true");
	is($o->{maxLifetimeSeconds}, 1800, "[$variant] node-pg: maxLifetimeSeconds (the default 30 minutes)");
	is_deeply($o->{ssl}, {rejectUnauthorized => JSON::PP::false}, "[$variant] node-pg: require encrypts without verifying");
	ok(!exists $o->{connectionString} && !exists $o->{password}, "[$variant] node-pg: no connectionString without --show-password");
	($rc, $out) = cli($variant, $env, 'config', '--format', 'node-pg', '--show-password');
	$o = $json->decode($out);
	is($o->{connectionString}, 'postgresql://app:hunter2@db.internal:5432/appdb',
		"[$variant] node-pg: connectionString with --show-password, no libpq-only parameters");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => $PLAIN), 'config', '--format', 'node-pg');
	$o = $json->decode($out);
	ok(JSON::PP::is_bool($o->{ssl}) && !$o->{ssl}, "[$variant] node-pg: sslmode prefer gives ssl false");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => "$NEON?sslmode=verify-full"), 'config', '--format', 'node-pg');
	$o = $json->decode($out);
	ok(JSON::PP::is_bool($o->{ssl}) && $o->{ssl}, "[$variant] node-pg: verify-full gives ssl true");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '1500'), 'config', '--format', 'node-pg');
	$o = $json->decode($out);
	is($o->{maxLifetimeSeconds}, 2, "[$variant] node-pg: maxLifetimeSeconds in whole seconds, rounded up");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '0'), 'config', '--format', 'node-pg');
	$o = $json->decode($out);
	ok(!exists $o->{maxLifetimeSeconds}, "[$variant] node-pg: no maxLifetimeSeconds without a lifetime (node-postgres's default)");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => $PLAIN, DATABASE_POOL_HEALTH_CHECK_AFTER => '250'), 'config', '--format', 'env');
	like($out, qr/^LIFEGUARD_HEALTH_CHECK_AFTER_MS='250'$/m, "[$variant] env: LIFEGUARD_HEALTH_CHECK_AFTER_MS");
	like($out, qr/^LIFEGUARD_MAX_LIFETIME_MS='1800000'$/m, "[$variant] env: LIFEGUARD_MAX_LIFETIME_MS");
	($rc, $out) = cli($variant, lg_env(DATABASE_URL => $PLAIN, DATABASE_POOL_MAX_LIFETIME => '60000'), 'config');
	like($out, qr/^health_check_after_ms\s+1000$/m, "[$variant] text: health_check_after_ms");
	like($out, qr/^max_lifetime_ms\s+60000$/m, "[$variant] text: max_lifetime_ms");

	# the library resolves from an explicit array, ignoring the process
	# environment (which here says something else entirely)
	my $proc = lg_env(DATABASE_URL => $BOUNCER, APP_ENV => 'production', DATABASE_POOL_MAX => 'junk',
		APP_NAME => 'process');
	my ($arc, $aout, $aerr) = LGClient::program($variant, 'pool_test', $proc, 'resolve',
		"DATABASE_URL=$NEON_POOLER", 'APP_ENV=test', 'APP_NAME=array', 'DATABASE_POOL_MAX=2');
	is($arc, 0, "[$variant] lg_config_resolve(array): exit 0") or diag($aerr);
	ok(sanitizer_clean($aerr), "[$variant] lg_config_resolve(array): sanitizer clean") or diag($aerr);
	like($aout, qr/^driver=neon\npool_mode=transaction\nmax=2\n/m, "[$variant] lg_config_resolve(array): the array's URL and override");
	like($aout, qr/^application_name=array-test$/m, "[$variant] lg_config_resolve(array): the array's APP_NAME and APP_ENV");
	($arc, $aout) = LGClient::program($variant, 'pool_test', $proc, 'resolve');
	like($aout, qr/^message=no connection string: set DATABASE_URL \(or DIRECT_URL\)$/m,
		"[$variant] lg_config_resolve(empty array): the process's DATABASE_URL is not used");
	($arc, $aout) = LGClient::program($variant, 'pool_test', $proc, 'resolve', "DATABASE_URL=$PLAIN", 'DATABASE_POOL_MAX=0');
	like($aout, qr/^status=config\nmessage=invalid DATABASE_POOL_MAX "0": zero/m, "[$variant] lg_config_resolve(array): errors");
	($arc, $aout) = LGClient::program($variant, 'pool_test', $proc, 'resolve', '--direct', "DATABASE_URL=$NEON_POOLER");
	like($aout, qr/^host=ep-cool-darkness-123456\.us-east-2\.aws\.neon\.tech$/m, "[$variant] lg_config_resolve(array, LG_CONFIG_DIRECT)");

	# help and dispatch
	for my $cmd (['config', '--help'], ['id', '--help'], ['--help'], ['help', 'config']) {
		my ($hrc, $hout, $herr) = cli($variant, lg_env(), @$cmd);
		is($hrc, 0, "[$variant] lifeguard @$cmd: exit 0");
		like($hout, qr/Usage:/, "[$variant] lifeguard @$cmd: usage");
	}
	my ($nrc, $nout, $nerr) = cli($variant, lg_env());
	is($nrc, 2, "[$variant] lifeguard without a command: exit 2");
	($nrc, $nout, $nerr) = cli($variant, lg_env(), 'frobnicate');
	is($nrc, 2, "[$variant] unknown command: exit 2");
	like($nerr, qr/^lifeguard: unknown command "frobnicate"/, "[$variant] unknown command: message");
}

done_testing();
