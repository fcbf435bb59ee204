#!/usr/bin/env bash
# test/bench/audit_overhead.sh: the cost of the audit's hooks.
#
# pgbench select-only (-S) and the default TPC-B-like script against the
# harness's cluster (lifeguard preloaded, lifeguard.audit = on) and against
# a peer cluster started here with the same settings and without lifeguard,
# in the same run, interleaved ROUNDS times.  Prints each run's TPS, the
# median TPS per cluster and the ratio.  Single client, prepared protocol
# (-M simple is the other hot path; BENCH_MODE=simple selects it).
set -euo pipefail

ROUNDS="${BENCH_ROUNDS:-5}"
SECS="${BENCH_SECONDS:-8}"
MODE="${BENCH_MODE:-prepared}"

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# the peer: same settings as the harness's cluster, no shared_preload_libraries
peer="$LG_TMP/bench_peer"
mkdir -p "$peer"; [ "$(id -u)" -eq 0 ] && chown postgres "$peer"
peer_port="$(perl -MIO::Socket::INET -e 'for(1..50){my $p=20000+int(rand(40000));my $s=IO::Socket::INET->new(LocalAddr=>"127.0.0.1",LocalPort=>$p,Proto=>"tcp",Listen=>1) or next;close $s;print $p;exit 0}exit 1')"
(cd "$LG_TMP" && as_pg "$LG_BINDIR/initdb" -D "$peer/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null)
grep -E '^(max_connections|shared_buffers|fsync|synchronous_commit|full_page_writes|log_min_messages) ' "$LG_DATA/postgresql.conf" >> "$peer/data/postgresql.conf"
{
	echo "port = $peer_port"
	echo "listen_addresses = '127.0.0.1'"
	echo "unix_socket_directories = '$LG_TMP/sock'"
} >> "$peer/data/postgresql.conf"
echo "$peer/data" >> "$LG_TMP/clusters"
(cd "$LG_TMP" && as_pg "$LG_BINDIR/pg_ctl" -D "$peer/data" -l "$peer/server.log" -w start >/dev/null)

echo "lifeguard cluster: port $PGPORT, shared_preload_libraries = '$(psql -XAtc 'SHOW shared_preload_libraries')', lifeguard.audit = $(psql -XAtc 'SHOW lifeguard.audit')"
echo "peer cluster:      port $peer_port, shared_preload_libraries = '$(psql -XAt -p "$peer_port" -d postgres -c 'SHOW shared_preload_libraries')'"
for port in "$PGPORT" "$peer_port"; do
	psql -X -q -p "$port" -d postgres -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS lg_bench' -c 'CREATE DATABASE lg_bench'
	pgbench -q -i -s 5 -p "$port" lg_bench >/dev/null 2>&1
	psql -X -q -p "$port" -d lg_bench -c 'VACUUM ANALYZE'
done

run() { # port extra-args... -> tps
	pgbench -n -M "$MODE" -c 1 -j 1 -T "$SECS" -p "$1" "${@:2}" lg_bench 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for script in select-only tpcb-like; do
	args=(); [ "$script" = select-only ] && args=(-S)
	: > "$LG_TMP/bench_lg" ; : > "$LG_TMP/bench_peer_tps"
	echo
	echo "== $script, -M $MODE, 1 client, ${SECS}s x $ROUNDS rounds, interleaved"
	for r in $(seq 1 "$ROUNDS"); do
		# alternate which cluster goes first in each round
		if [ $((r % 2)) -eq 1 ]; then order=(lg peer); else order=(peer lg); fi
		for who in "${order[@]}"; do
			if [ "$who" = lg ]; then
				t="$(run "$PGPORT" "${args[@]}")"; echo "$t" >> "$LG_TMP/bench_lg"
			else
				t="$(run "$peer_port" "${args[@]}")"; echo "$t" >> "$LG_TMP/bench_peer_tps"
			fi
			printf '  round %d  %-9s %10.1f tps\n' "$r" "$who" "$t"
		done
	done
	lg="$(median < "$LG_TMP/bench_lg")"
	pr="$(median < "$LG_TMP/bench_peer_tps")"
	awk -v a="$lg" -v b="$pr" -v s="$script" 'BEGIN {
		printf "  median: lifeguard %.1f tps, not loaded %.1f tps, ratio %.4f (overhead %+.2f%%)\n", a, b, a / b, (1 - a / b) * 100 }'
done
psql -X -q -p "$peer_port" -d postgres -c 'SELECT 1' >/dev/null
(cd "$LG_TMP" && as_pg "$LG_BINDIR/pg_ctl" -D "$peer/data" -m fast -w stop >/dev/null)
