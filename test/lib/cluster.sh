# test/lib/cluster.sh: the one place that makes, starts, reconfigures and
# stops the tests' throwaway PostgreSQL clusters.
#
# test/harness.sh sources it for the clusters it shares between tests (the
# preloaded one, the one without preloading, the portable edition's).  A
# test that needs server settings of its own gets a cluster of its own
# through it (LG::start_cluster in test/lib/LG.pm runs it as a command),
# and never changes a shared one:
#
#   bash test/lib/cluster.sh start NAME [SETTING...]
#        a new cluster like the shared preloaded one, then SETTING lines
#        ("name = value", which win), with the database lifeguard_test
#        holding pgtap, dblink and lifeguard; prints "PORT DATA LOG"
#   bash test/lib/cluster.sh restart DATA [PG_CTL_OPTION...]
#   bash test/lib/cluster.sh set DATA NAME=VALUE|NAME...
#        ALTER SYSTEM SET NAME = VALUE (VALUE as SQL, e.g. 'on' or 10),
#        or ALTER SYSTEM RESET NAME, then a restart
#   bash test/lib/cluster.sh stop DATA
#
# Each cluster lives in $LG_TMP/NAME (data/, server.log), is made with the
# private installation's binaries ($LG_BINDIR), runs as the postgres OS user
# when run as root, listens on 127.0.0.1 on a free port, and is listed in
# $LG_TMP/clusters, from which the harness's cleanup stops every cluster
# on every exit path.  The shared clusters are also listed in
# $LG_TMP/clusters.shared, and the commands refuse to restart, reconfigure
# or stop them.

# the database every cluster's tests run in (PGDATABASE)
LG_TEST_DB=lifeguard_test

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	perl -MIO::Socket::INET -e '
		for (1..50) {
			my $p = 20000 + int(rand(40000));
			my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p,
				Proto => "tcp", Listen => 1, ReuseAddr => 0) or next;
			close $s; print $p; exit 0;
		}
		exit 1;'
}

# pg_ctl DATA ARGS...: from $LG_TMP, which the cluster's OS user can read
cluster_ctl() {
	local data="$1"; shift
	(cd "$LG_TMP" && as_pg "$LG_BINDIR/pg_ctl" -D "$data" "$@")
}

# start_cluster NAME [SETTING...]: initdb and start; sets CLUSTER_PORT,
# CLUSTER_DATA, CLUSTER_LOG
start_cluster() {
	local name="$1"; shift
	local dir="$LG_TMP/$name" port s
	[ ! -e "$dir" ] || { echo "cluster.sh: $dir exists already" >&2; return 1; }
	port="$(free_port)" || { echo "cluster.sh: no free port" >&2; return 1; }
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	(cd "$LG_TMP" && as_pg "$LG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust \
		-E UTF8 --locale=C >"$dir/initdb.log" 2>&1) || { cat "$dir/initdb.log" >&2; echo "cluster.sh: initdb of $name failed" >&2; return 1; }
	{
		echo "port = $port"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$LG_TMP/sock'"
		echo "max_connections = 300"
		echo "shared_buffers = 128MB"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "max_worker_processes = 16"
		echo "max_parallel_workers = 8"
		echo "log_min_messages = warning"
		echo "log_line_prefix = '%m [%p] %a '"
		for s in "$@"; do echo "$s"; done
	} >> "$dir/data/postgresql.conf"
	echo "$dir/data" >> "$LG_TMP/clusters"
	cluster_ctl "$dir/data" -l "$dir/server.log" -w -t 120 start >/dev/null \
		|| { cat "$dir/server.log" >&2; echo "cluster.sh: cluster $name did not start" >&2; return 1; }
	CLUSTER_PORT="$port"
	CLUSTER_DATA="$dir/data"
	CLUSTER_LOG="$dir/server.log"
}

# create_test_db PORT [EXTENSION...]: the database lifeguard_test, with
# the extensions
create_test_db() {
	local port="$1" e; shift
	local args=()
	for e in "$@"; do args+=(-c "CREATE EXTENSION $e"); done
	psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE $LG_TEST_DB" >/dev/null
	[ $# -eq 0 ] || psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "$LG_TEST_DB" \
		-v ON_ERROR_STOP=1 "${args[@]}" >/dev/null
}

# the clusters other tests run on: never restarted, reconfigured or stopped
# by a test
share_cluster() {
	echo "$1" >> "$LG_TMP/clusters.shared"
}

stop_clusters() {
	[ -f "$LG_TMP/clusters" ] || return 0
	local d
	while read -r d; do
		[ -f "$d/postmaster.pid" ] || continue
		cluster_ctl "$d" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
	done < "$LG_TMP/clusters"
}

# run as a command: by a test, on a cluster of its own
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	: "${LG_TMP:?run through test/harness.sh}" "${LG_BINDIR:?run through test/harness.sh}"
	cmd="${1:-}"; shift || true
	own() { # DATA: one this file started, and not a shared one
		grep -qxF -- "$1" "$LG_TMP/clusters" 2>/dev/null \
			|| { echo "cluster.sh: $1 is not a cluster of the tests" >&2; exit 2; }
		if grep -qxF -- "$1" "$LG_TMP/clusters.shared" 2>/dev/null; then
			echo "cluster.sh: $1 is shared by the tests; start a cluster of your own (LG::start_cluster)" >&2
			exit 2
		fi
	}
	case "$cmd" in
		start)
			[ $# -ge 1 ] || { echo "usage: cluster.sh start NAME [SETTING...]" >&2; exit 2; }
			start_cluster "$@"
			create_test_db "$CLUSTER_PORT" pgtap dblink lifeguard
			echo "$CLUSTER_PORT $CLUSTER_DATA $CLUSTER_LOG" ;;
		restart)
			own "$1"
			data="$1"; shift
			cluster_ctl "$data" -l "$data/../server.log" -w -t 120 "$@" restart ;;
		set)
			own "$1"
			data="$1"; shift
			sql=()
			for s in "$@"; do
				case "$s" in
					*=*) sql+=(-c "ALTER SYSTEM SET ${s%%=*} = ${s#*=}") ;;
					*) sql+=(-c "ALTER SYSTEM RESET $s") ;;
				esac
			done
			psql -X -q -h 127.0.0.1 -p "$(sed -n 4p "$data/postmaster.pid")" -U postgres -d postgres \
				-v ON_ERROR_STOP=1 "${sql[@]}"
			cluster_ctl "$data" -l "$data/../server.log" -w -t 120 restart ;;
		stop)
			own "$1"
			cluster_ctl "$1" -m fast -w -t 60 stop ;;
		*)
			echo "usage: cluster.sh start NAME [SETTING...] | restart DATA [OPTION...] | set DATA NAME=VALUE|NAME... | stop DATA" >&2
			exit 2 ;;
	esac
fi
