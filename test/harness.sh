#!/usr/bin/env bash
# test/harness.sh: the one place that sets up lifeguard's throwaway world.
#
#   bash test/harness.sh test            everything `make test` runs
#   bash test/harness.sh run FILE...     only these tests (.sql: pg_prove,
#                                        .t: prove) on a fresh cluster;
#                                        portable:FILE.sql against the
#                                        portable edition
#   bash test/harness.sh demo            the tour (`make demo`)
#   bash test/harness.sh bench [NAME...] benchmarks under test/bench
#   bash test/harness.sh shell           a cluster and a shell on it
#   bash test/harness.sh matrix          what test/matrix.sh runs in each
#                                        root: everything that needs no node
#   bash test/harness.sh major           the PostgreSQL major it would use
#
# What it does, in order: installs any missing Debian package (as root;
# otherwise prints the apt-get line and stops), installs the pinned npm
# peers, builds with -Werror, installs the extension and the client into a
# private copy of the PostgreSQL tree under a temp directory (as
# PostgreSQL's own `make check` does, so the system installation and any
# running cluster are never touched), starts a throwaway cluster on a free
# port with shared_preload_libraries = 'lifeguard' (as the postgres OS user
# when run as root), runs the tests, and on every exit path (success,
# failure, Ctrl-C, TERM) stops every process it started and removes the
# temp directory.
#
# Tests find their world in the environment: PGHOST, PGPORT, PGUSER,
# PGDATABASE, and the LG_* variables set in start_world below.

set -Eeuo pipefail

LG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LG_ROOT
# the release version, from lifeguard.control (the one place it is written),
# for the scripts the harness runs (the portable edition's script name)
LG_VERSION="$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$LG_ROOT/lifeguard.control")"
export LG_VERSION

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'harness: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# which PostgreSQL
#
# The major is, in this order: the one PG_CONFIG (if set) describes;
# LG_PG_MAJOR; the newest one installed here with its server and its
# development files (14 or later); the one Debian's `postgresql` package
# depends on (what `apt-get install postgresql` would install).  Its
# binaries (psql, pgbench, pg_config) come first on PATH.

LG_PG_MIN_MAJOR=14

discover_pg_major() {
	local m d
	if [ -n "${PG_CONFIG:-}" ]; then
		"$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p'
		return
	fi
	if [ -n "${LG_PG_MAJOR:-}" ]; then
		echo "$LG_PG_MAJOR"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/[0-9]* 2>/dev/null | sort -t/ -k5 -n -r); do
		m="${d##*/}"
		if [ "$m" -ge "$LG_PG_MIN_MAJOR" ] && [ -x "$d/bin/postgres" ] && [ -x "$d/bin/pg_config" ]; then
			echo "$m"
			return
		fi
	done
	m="$(apt-cache depends postgresql 2>/dev/null | sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -1)"
	if [ -z "$m" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >/dev/null
		m="$(apt-cache depends postgresql 2>/dev/null | sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -1)"
	fi
	echo "$m"
}

PG_MAJOR="$(discover_pg_major)"
# `harness.sh major`: the major it would use, supported or not
if [ "${1:-}" = major ]; then echo "$PG_MAJOR"; exit 0; fi
[ -n "$PG_MAJOR" ] || die "no PostgreSQL found: none installed, and apt knows no postgresql package (set PG_CONFIG or LG_PG_MAJOR)"
[ "$PG_MAJOR" -ge "$LG_PG_MIN_MAJOR" ] || die "PostgreSQL $PG_MAJOR is not supported (lifeguard needs $LG_PG_MIN_MAJOR or later)"
export PG_MAJOR
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}"
export PATH="/usr/lib/postgresql/$PG_MAJOR/bin:$PATH"

# ---------------------------------------------------------------------------
# packages

DEB_PACKAGES=(
	build-essential pkg-config
	"postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" libpq-dev
	"postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl
	pgbouncer libssl-dev libjansson-dev libncurses-dev libkrb5-dev libmicrohttpd-dev
	libgcrypt20-dev nettle-dev prometheus
	tmux valgrind procps iproute2 util-linux
	clang libclang-rt-dev
)

# the real client drivers test/integration/drivers.t runs through PgBouncer
# (with node-postgres and postgres.js from npm): installed with the node
# peers, so not in matrix mode (LG_NO_NODE=1), which runs neither
DRIVER_PACKAGES=(
	python3-psycopg python3-psycopg2 python3-asyncpg
	libpostgresql-jdbc-java default-jdk-headless
	ruby-pg ruby-activerecord
	golang-go golang-github-jackc-pgx-v4-dev
)

ensure_packages() {
	local missing=() p wanted=("${DEB_PACKAGES[@]}")
	[ "${LG_NO_NODE:-0}" = 1 ] || wanted+=("${DRIVER_PACKAGES[@]}")
	for p in "${wanted[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if [ "${LG_NO_NODE:-0}" != 1 ]; then
		command -v node >/dev/null 2>&1 || missing+=(nodejs)
		command -v npm >/dev/null 2>&1 || missing+=(npm)
	fi
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		printf 'harness: missing packages; install them with:\n  sudo apt-get update && sudo apt-get install -y %s\n' "${missing[*]}" >&2
		exit 1
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# pgbouncer's package starts its own service when it can; keep it from
	# starting anything on this machine (policy-rc.d exit 101 = forbidden)
	local policy=/usr/sbin/policy-rc.d created_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		created_policy=1
	fi
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
}

# the pinned npm peers (node-postgres, @paralleldrive/cuid2)
ensure_node_modules() {
	local dir="$LG_ROOT/test/integration"
	[ "${LG_NO_NODE:-0}" = 1 ] && return 0
	[ -f "$dir/package-lock.json" ] || return 0
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		log "installing the pinned npm peers (npm ci)"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	fi
}

# ---------------------------------------------------------------------------
# build and private installation

build_and_install() {
	log "building with -Werror"
	make -C "$LG_ROOT" -s PG_CONFIG="$PG_CONFIG" WERROR=1 >/dev/null
	# the release version, as the build reads it from lifeguard.control
	# (version.mk); the Perl tests ask LG::control
	LG_VERSION="$(printf 'version:\n\t@echo $(LG_VERSION)\n' |
		make -s --no-print-directory -C "$LG_ROOT" -f version.mk -f -)"
	export LG_VERSION
	PGBIN="$("$PG_CONFIG" --bindir)"
	PGSHARE="$("$PG_CONFIG" --sharedir)"
	PGPKGLIB="$("$PG_CONFIG" --pkglibdir)"
	LG_INSTALL="$LG_TMP/install"
	log "installing into $LG_INSTALL"
	make -C "$LG_ROOT" -s PG_CONFIG="$PG_CONFIG" install DESTDIR="$LG_INSTALL" >/dev/null
	# the server binaries are copied (PostgreSQL finds its share and lib
	# directories relative to its own executable); the rest of the tree is
	# symlinked around what `make install` put there, never over it
	mkdir -p "$LG_INSTALL$PGBIN" "$LG_INSTALL$PGSHARE" "$LG_INSTALL$PGPKGLIB"
	local b
	for b in postgres initdb pg_ctl pg_dump pg_restore psql; do
		cp -n "$PGBIN/$b" "$LG_INSTALL$PGBIN/$b"
	done
	cp -rsn "$PGSHARE/." "$LG_INSTALL$PGSHARE/"
	cp -rsn "$PGPKGLIB/." "$LG_INSTALL$PGPKGLIB/"
	# earlier releases' install scripts (test/fixtures), for the upgrade
	# tests: into this private tree only (rm first: never write through a
	# symlink that cp -rsn made into the system's tree)
	for b in "$LG_ROOT"/test/fixtures/lifeguard--*.sql; do
		[ -e "$b" ] || continue
		rm -f "$LG_INSTALL$PGSHARE/extension/${b##*/}"
		cp "$b" "$LG_INSTALL$PGSHARE/extension/"
	done
	chmod -R a+rX "$LG_TMP"
	export LG_BINDIR="$LG_INSTALL$PGBIN"
	export LG_INSTALL
	# the client CLI and library, when built, are used from the tree
	if [ -x "$LG_ROOT/client/lifeguard" ]; then
		export LG_CLI="$LG_ROOT/client/lifeguard"
	fi
}

# ---------------------------------------------------------------------------
# clusters: made, started and stopped by test/lib/cluster.sh (as_pg,
# start_cluster, create_test_db, share_cluster, stop_clusters), which
# tests also use for clusters of their own

. "$LG_ROOT/test/lib/cluster.sh"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "${LG_TMP:-}" ] && [ -d "$LG_TMP" ]; then
		# PgBouncers and other helpers that tests started write pid files
		# named *.pid under $LG_TMP/run
		local f
		for f in "$LG_TMP"/run/*.pid; do
			[ -f "$f" ] || continue
			kill "$(cat "$f")" 2>/dev/null
		done
		stop_clusters
		# anything still running from our tree (a node peer, a pgbouncer)
		pkill -f -- "$LG_TMP" 2>/dev/null
		sleep 0.2
		pkill -9 -f -- "$LG_TMP" 2>/dev/null
		if [ "${LG_KEEP:-0}" = 1 ]; then
			echo "harness: kept $LG_TMP" >&2
		else
			rm -rf "$LG_TMP"
		fi
	fi
	exit "$rc"
}

# The shared clusters stay as start_world made them: no test restarts,
# reloads or reconfigures them (a test that needs settings of its own
# starts a cluster of its own, LG::start_cluster).  Each one's postmaster
# start time, configuration load time and postgresql.auto.conf entries are
# recorded once it is set up, and compared after the tests.
shared_cluster_state() { # PORT
	psql -X -A -t -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -c \
		"SELECT pg_postmaster_start_time(), pg_conf_load_time(),
		        (SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%/postgresql.auto.conf')" 2>&1
}

record_shared_cluster() { # PORT
	echo "$1 $(shared_cluster_state "$1")" >> "$LG_TMP/clusters.state"
}

check_shared_clusters() {
	local port want got rc=0
	while read -r port want; do
		got="$(shared_cluster_state "$port")" || true
		if [ "$got" != "$want" ]; then
			log "a test restarted, reloaded or reconfigured the shared cluster on port $port (set up: $want; now: $got)"
			rc=1
		fi
	done < "$LG_TMP/clusters.state"
	return "$rc"
}

# start_world: temp directory, private install, the preloaded cluster and a
# second cluster without preloading; exports what tests read.
start_world() {
	LG_TMP="$(mktemp -d /tmp/lifeguard-test.XXXXXX)"
	export LG_TMP
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	chmod 755 "$LG_TMP"
	mkdir -p "$LG_TMP/sock" "$LG_TMP/run"
	chmod 1777 "$LG_TMP/sock" "$LG_TMP/run"
	build_and_install

	log "starting a throwaway cluster (shared_preload_libraries = 'lifeguard')"
	start_cluster main "shared_preload_libraries = 'lifeguard'"
	share_cluster "$CLUSTER_DATA"
	create_test_db "$CLUSTER_PORT" pgtap dblink lifeguard
	record_shared_cluster "$CLUSTER_PORT"
	export PGHOST=127.0.0.1 PGPORT="$CLUSTER_PORT" PGUSER=postgres PGDATABASE="$LG_TEST_DB"
	export LG_DATA="$CLUSTER_DATA" LG_SOCKDIR="$LG_TMP/sock" LG_RUNDIR="$LG_TMP/run"
	unset PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE PGAPPNAME DATABASE_URL DIRECT_URL || true

	if [ "${1:-}" = with-nopreload ]; then
		log "starting a second throwaway cluster without preloading"
		start_cluster nopreload
		share_cluster "$CLUSTER_DATA"
		create_test_db "$CLUSTER_PORT" pgtap dblink lifeguard
		record_shared_cluster "$CLUSTER_PORT"
		export LG_NOPRELOAD_PORT="$CLUSTER_PORT"
	fi
	export LG_ROOT LG_RUNAS="$( [ "$(id -u)" -eq 0 ] && echo 'runuser -u postgres --' || true)"
}

# start_portable_cluster: a cluster from a copy of the PostgreSQL tree that
# has no lifeguard files at all (no lifeguard.so, no extension script), with
# only the portable edition's script loaded (docs/managed-postgresql.md), as
# on a managed service; exports LG_PORTABLE_PORT.
start_portable_cluster() {
	local tree="$LG_TMP/portable-install" saved_bindir="$LG_BINDIR" b
	mkdir -p "$tree$PGBIN" "$tree$PGSHARE" "$tree$PGPKGLIB"
	for b in postgres initdb pg_ctl; do cp -n "$PGBIN/$b" "$tree$PGBIN/$b"; done
	cp -rsn "$PGSHARE/." "$tree$PGSHARE/"
	cp -rsn "$PGPKGLIB/." "$tree$PGPKGLIB/"
	find "$tree" -name 'lifeguard*' -exec rm -f {} +
	chmod -R a+rX "$tree"
	log "starting a cluster without the C library (the portable edition)"
	LG_BINDIR="$tree$PGBIN"
	start_cluster portable
	LG_BINDIR="$saved_bindir"
	share_cluster "$CLUSTER_DATA"
	create_test_db "$CLUSTER_PORT" pgtap dblink
	export LG_PORTABLE_PORT="$CLUSTER_PORT"
	psql -X -q -p "$LG_PORTABLE_PORT" -v ON_ERROR_STOP=1 -v schema=public \
		-f "$LG_ROOT/sql/portable/lifeguard_portable--$LG_VERSION.sql" >/dev/null
	record_shared_cluster "$LG_PORTABLE_PORT"
}

# the pgTAP files that also run against the portable edition (each states
# its intended differences where it checks :portable)
PORTABLE_PGTAP=(test/sql/ids.sql test/sql/pool_usage.sql test/sql/pool_capacity.sql
	test/sql_nopreload/audit_nopreload.sql)

run_pgtap_portable() {
	[ $# -gt 0 ] || return 0
	PGPORT="$LG_PORTABLE_PORT" pg_prove --ext .sql "$@"
}

# ---------------------------------------------------------------------------
# running tests

# make installcheck (test/installcheck.sh) against the cluster PGPORT names
installcheck() {
	make -C "$LG_ROOT" -s --no-print-directory PG_CONFIG="$PG_CONFIG" installcheck
}

run_pgtap() { # files...
	[ $# -gt 0 ] || return 0
	pg_prove --ext .sql "$@"
}

run_pgtap_nopreload() {
	[ $# -gt 0 ] || return 0
	PGPORT="$LG_NOPRELOAD_PORT" pg_prove --ext .sql "$@"
}

run_tap() {
	[ $# -gt 0 ] || return 0
	prove -I"$LG_ROOT/test/lib" "$@"
}

collect() { # dir ext
	local f
	for f in "$LG_ROOT/$1"/*"$2"; do
		[ -e "$f" ] && printf '%s\n' "$f"
	done
	return 0
}

cmd_test() {
	ensure_packages
	ensure_node_modules
	start_world with-nopreload
	local failed=0
	local tap
	mapfile -t tap < <(collect test/client .t; collect test/integration .t)
	log "pgTAP tests: make installcheck against the preloaded cluster"
	installcheck || failed=1
	log "pgTAP tests: make installcheck against the cluster without preloading"
	PGPORT="$LG_NOPRELOAD_PORT" installcheck || failed=1
	log "TAP tests (prove): client and integration"
	run_tap "${tap[@]}" || failed=1
	start_portable_cluster
	log "pgTAP tests (pg_prove), portable edition on a cluster without the C library"
	run_pgtap_portable "${PORTABLE_PGTAP[@]/#/$LG_ROOT/}" || failed=1
	check_shared_clusters || failed=1
	log "fuzzing (fuzz/run.sh, ${LG_FUZZ_SECONDS:-12} s per harness)"
	bash "$LG_ROOT/fuzz/run.sh" "${LG_FUZZ_SECONDS:-12}" || failed=1
	if [ "$failed" -ne 0 ]; then
		log "FAILED"
		exit 1
	fi
	log "all tests passed"
}

cmd_run() {
	ensure_packages
	ensure_node_modules
	start_world with-nopreload
	local failed=0 f
	for f in "$@"; do
		case "$f" in
			portable:*.sql)
				[ -n "${LG_PORTABLE_PORT:-}" ] || start_portable_cluster
				run_pgtap_portable "${f#portable:}" || failed=1 ;;
			*test/sql_nopreload/*.sql) run_pgtap_nopreload "$f" || failed=1 ;;
			*.sql) run_pgtap "$f" || failed=1 ;;
			*.t) run_tap "$f" || failed=1 ;;
			*) die "do not know how to run $f" ;;
		esac
	done
	check_shared_clusters || failed=1
	exit "$failed"
}

# ---------------------------------------------------------------------------
# matrix mode (test/matrix.sh runs it in each root, and on the host)
#
# Runs everything that needs no node: the whole pgTAP suite with and without
# preloading, the client TAP tests that need no node, the pgbench
# -M prepared audit check and, with PgBouncer 1.21+, the PGBOUNCER_N check
# (pgbouncer_check).  The rule for "needs node": a test that calls node_run (test/lib/LG.pm's one way of running node) needs it.  Writes one
# line, key=value, to $LG_MATRIX_RESULT:
#   major=17 build=ok pgtap=314/314 client=ok:N audit=ok pgbouncer=ok|n/a

matrix_result() { # key value
	[ -n "${LG_MATRIX_RESULT:-}" ] || return 0
	local f="$LG_MATRIX_RESULT"
	touch "$f"
	sed -i "/^$1=/d" "$f"
	echo "$1=$2" >> "$f"
}

# pgtap_counted LOG: make installcheck with pg_prove -v against the cluster
# PGPORT names, its output in LOG; prints passed/total where total is the
# sum of the plans
pgtap_counted() {
	local log="$1"; shift
	local rc=0
	LG_PROVE_ARGS=-v installcheck > "$log" 2>&1 || rc=$?
	# the failures and the summary, not every passing line
	grep -E '^not ok |^#  +(Failed|got|expected)|^Files=|^Result:|Dubious|^Failed|^installcheck:|^psql:|ERROR|^(DETAIL|HINT|CONTEXT):' "$log" >&2 || true
	awk '/^ok [0-9]+/ { p++ } /^1\.\.[0-9]+$/ { sub(/^1\.\./, ""); t += $0 }
		END { printf "%d/%d\n", p, t }' "$log"
	return "$rc"
}

# tests in DIR (extension EXT) that need no node
collect_no_node() { # dir ext
	local f
	while read -r f; do
		grep -q 'node_run' "$f" || printf '%s\n' "$f"
	done < <(collect "$1" "$2")
}

# the client under clang -Werror, when the server was built with clang
# (Makefile.global's CLANG, used for the JIT bitcode); in a copy
build_client_clang() {
	local clang
	clang="$(sed -n 's/^CLANG *= *//p' "$(dirname "$("$PG_CONFIG" --pgxs)")/../Makefile.global")"
	[ -n "$clang" ] && [ -x "$clang" ] || return 0
	log "building the client with $clang -Werror"
	mkdir -p "$LG_TMP/clang"
	# what client/Makefile reads besides client/: common/, the version
	# (version.mk, lifeguard.control) and the portable script it embeds
	mkdir -p "$LG_TMP/clang/sql"
	cp -r "$LG_ROOT/client" "$LG_ROOT/common" "$LG_ROOT/version.mk" "$LG_ROOT/lifeguard.control" "$LG_TMP/clang/"
	cp -r "$LG_ROOT/sql/portable" "$LG_TMP/clang/sql/"
	make -C "$LG_TMP/clang/client" -s CC="$clang" PG_CONFIG="$PG_CONFIG" WERROR=1 clean all >/dev/null
}

# pgbench -M prepared must appear in pooling_audit as protocol_prepare,
# once per statement and connection
audit_check() {
	local script="$LG_TMP/audit_check.sql" got
	printf 'SELECT 1;\nSELECT 2;\n' > "$script"
	chmod 644 "$script"
	psql -X -q -v ON_ERROR_STOP=1 -c 'SELECT pooling_audit_reset()' >/dev/null
	PGAPPNAME=lg-matrix-pgbench pgbench -n -M prepared -c 2 -t 5 -f "$script" >/dev/null
	got="$(psql -X -A -t -v ON_ERROR_STOP=1 -c "SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
		FROM pooling_audit WHERE application_name = 'lg-matrix-pgbench'")"
	log "audit check: pgbench -M prepared -c 2 on two statements: '$got' (want 'protocol_prepare=4')"
	[ "$got" = "protocol_prepare=4" ]
}

# PgBouncer 1.21 or later with max_prepared_statements > 0 renames the
# clients' protocol-level statements: what reaches the server is PgBouncer's
# PGBOUNCER_N, not pgbench -M prepared's P_N.  A PgBouncer in front of the
# cluster (transaction mode, one server connection, so a psql through it
# sees the same server connection's pg_prepared_statements), pgbench
# -M prepared through it; logs what pooling_audit recorded for them.  Sets
# PGBOUNCER_CHECK to ok, n/a (a PgBouncer before 1.21, which cannot) or FAIL.
pgbouncer_check() {
	local script="$LG_TMP/pgbouncer_check.sql" port pid ver names audit
	ver="$(pgbouncer --version | sed -n 's/^PgBouncer \([0-9][0-9.]*\).*/\1/p')"
	if [ -z "$ver" ] || [ "$(printf '%s\n1.21\n' "$ver" | sort -V | head -1)" != 1.21 ]; then
		log "PgBouncer ${ver:-?}: no max_prepared_statements (1.21+), PGBOUNCER_N check skipped"
		PGBOUNCER_CHECK=n/a
		return 0
	fi
	PGBOUNCER_CHECK=FAIL
	# test/lib/LG.pm's PgBouncer (the one every TAP test starts), with one
	# server connection; its pid file is under $LG_TMP/run, so it is killed
	# on every exit path
	read -r port pid < <(perl -I"$LG_ROOT/test/lib" -MLG -e '
		my $b = LG::start_pgbouncer(pool_size => 1, users => [grep { $_ ne "postgres" } $ENV{PGUSER}],
			extra => "max_prepared_statements = 10\n");
		print "$b->{port} $b->{pid}\n"') || return 1
	printf 'SELECT 1;\nSELECT 2;\n' > "$script"
	chmod 644 "$script"
	psql -X -q -v ON_ERROR_STOP=1 -c 'SELECT pooling_audit_reset()' >/dev/null
	PGAPPNAME=lg-matrix-pgbouncer-n pgbench -n -M prepared -c 2 -t 5 -h 127.0.0.1 -p "$port" -f "$script" >/dev/null || return 1
	names="$(psql -X -A -t -h 127.0.0.1 -p "$port" -c "SELECT string_agg(name, ',' ORDER BY name) FROM pg_prepared_statements")"
	audit="$(psql -X -A -t -v ON_ERROR_STOP=1 -c "SELECT coalesce(string_agg(hazard || '=' || count, ', ' ORDER BY hazard), '')
		FROM pooling_audit WHERE application_name = 'lg-matrix-pgbouncer-n'")"
	kill "$pid" 2>/dev/null
	log "PgBouncer $ver, max_prepared_statements = 10: pgbench -M prepared's statements on the server: '$names' (want 'PGBOUNCER_1,PGBOUNCER_2'); pooling_audit: '$audit' (want '': the pooler's own statements are no hazard)"
	[ "$names" = "PGBOUNCER_1,PGBOUNCER_2" ] && [ -z "$audit" ] && PGBOUNCER_CHECK=ok
}

cmd_matrix() {
	export LG_NO_NODE=1
	matrix_result major "$PG_MAJOR"
	matrix_result build FAIL
	ensure_packages
	matrix_result version "$("$PG_CONFIG" --version | awk '{ print $2 }')"
	start_world with-nopreload
	build_client_clang
	matrix_result build ok
	local failed=0 tap counts
	# the client tests that need no node, the layering and exports of what
	# this major built, and pool_stats' tests with real peers (PgBouncer,
	# pgbench, clusters of their own), whose figures must be the same on
	# every major
	mapfile -t tap < <(collect_no_node test/client .t; echo "$LG_ROOT/test/integration/layers.t";
		printf '%s\n' "$LG_ROOT"/test/integration/pool_stats_*.t)
	log "pgTAP tests (pg_prove), preloaded cluster and without preloading"
	local p1 p2 rc1=0 rc2=0
	p1="$(pgtap_counted "$LG_TMP/pgtap.log")" || rc1=1
	p2="$(PGPORT="$LG_NOPRELOAD_PORT" pgtap_counted "$LG_TMP/pgtap_nopreload.log")" || rc2=1
	counts="$(( ${p1%/*} + ${p2%/*} ))/$(( ${p1#*/} + ${p2#*/} ))"
	if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ] || [ "${counts%/*}" != "${counts#*/}" ]; then
		failed=1; counts="$counts FAIL"
	fi
	matrix_result pgtap "$counts"
	log "client TAP tests that need no node: ${tap[*]##*/}"
	if run_tap "${tap[@]}" 2>&1 | tee "$LG_TMP/client.log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		matrix_result client "ok:$(sed -n 's/.*Tests=\([0-9]*\),.*/\1/p' "$LG_TMP/client.log")"
	else
		matrix_result client FAIL; failed=1
	fi
	if audit_check; then matrix_result audit ok; else matrix_result audit FAIL; failed=1; fi
	pgbouncer_check || true
	matrix_result pgbouncer "$PGBOUNCER_CHECK"
	[ "$PGBOUNCER_CHECK" != FAIL ] || failed=1
	check_shared_clusters || failed=1
	exit "$failed"
}

cmd_demo() {
	ensure_packages
	ensure_node_modules
	start_world
	# the tour runs in its own database and creates the extension itself
	psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE lifeguard_demo" >/dev/null
	export PGDATABASE=lifeguard_demo
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION dblink" >/dev/null
	bash "$LG_ROOT/test/demo.sh"
}

cmd_bench() {
	ensure_packages
	ensure_node_modules
	start_world
	local names=("$@") b
	if [ ${#names[@]} -eq 0 ]; then
		for b in "$LG_ROOT"/test/bench/*.sh; do [ "$(basename "$b")" = lib.sh ] || names+=("$(basename "$b" .sh)"); done
	fi
	for b in "${names[@]}"; do
		log "benchmark: $b"
		bash "$LG_ROOT/test/bench/$b.sh"
	done
}

cmd_shell() {
	ensure_packages
	ensure_node_modules
	start_world with-nopreload
	log "cluster on port $PGPORT (no-preload cluster on $LG_NOPRELOAD_PORT); exit the shell to clean up"
	"${SHELL:-bash}" -i || true
}

case "${1:-}" in
	test) shift; cmd_test "$@" ;;
	run) shift; cmd_run "$@" ;;
	demo) shift; cmd_demo "$@" ;;
	bench) shift; cmd_bench "$@" ;;
	shell) shift; cmd_shell "$@" ;;
	matrix) shift; cmd_matrix "$@" ;;
	*) echo "usage: bash test/harness.sh test|run FILE...|demo|bench [NAME...]|shell|matrix|major" >&2; exit 2 ;;
esac
