#!/usr/bin/env bash
# test/bench/audit_overhead.sh: the cost of the audit's hooks, with
# enforcement off and on, and of the connection statistics (pool_stats).
#
# pgbench select-only (-S) and the default TPC-B-like script against the
# harness's cluster (lifeguard preloaded, lifeguard.audit = on), the same
# cluster with lifeguard.enforce = error (and protocol_prepared_statements =
# safe, as behind PgBouncer 1.21+, so that -M prepared is allowed), and a
# peer cluster started here with the same settings and without lifeguard,
# in the same run, interleaved ROUNDS times.  Prints each run's TPS, the
# median TPS per set-up and the ratios to the peer.  Single client, prepared protocol
# (-M simple is the other hot path; BENCH_MODE=simple selects it).  Then
# instructions per transaction under callgrind (BENCH_CALLGRIND=0 skips).
set -euo pipefail

ROUNDS="${BENCH_ROUNDS:-5}"
ENFORCE_OPTS='-c lifeguard.enforce=error -c lifeguard.protocol_prepared_statements=safe'
SECS="${BENCH_SECONDS:-8}"
MODE="${BENCH_MODE:-prepared}"

# the peer: a cluster with the harness's settings, without
# shared_preload_libraries (test/lib/cluster.sh: as_pg, start_cluster)
. "$LG_ROOT/test/lib/cluster.sh"
start_cluster bench_peer >/dev/null
peer="$LG_TMP/bench_peer" peer_port="$CLUSTER_PORT"

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
. "$LG_ROOT/test/bench/lib.sh"

for script in select-only tpcb-like; do
	args=(); [ "$script" = select-only ] && args=(-S)
	: > "$LG_TMP/bench_lg" ; : > "$LG_TMP/bench_lge" ; : > "$LG_TMP/bench_peer_tps"
	echo
	echo "== $script, -M $MODE, 1 client, ${SECS}s x $ROUNDS rounds, interleaved"
	for r in $(seq 1 "$ROUNDS"); do
		# rotate which set-up goes first in each round
		case $((r % 3)) in
			1) order=(lg lge peer) ;; 2) order=(peer lg lge) ;; *) order=(lge peer lg) ;;
		esac
		for who in "${order[@]}"; do
			case "$who" in
				lg) t="$(run "$PGPORT" "${args[@]}")"; echo "$t" >> "$LG_TMP/bench_lg" ;;
				lge) t="$(PGOPTIONS="$ENFORCE_OPTS" run "$PGPORT" "${args[@]}")"; echo "$t" >> "$LG_TMP/bench_lge" ;;
				peer) t="$(run "$peer_port" "${args[@]}")"; echo "$t" >> "$LG_TMP/bench_peer_tps" ;;
			esac
			printf '  round %d  %-9s %10.1f tps\n' "$r" "$who" "$t"
		done
	done
	lg="$(median < "$LG_TMP/bench_lg")"
	lge="$(median < "$LG_TMP/bench_lge")"
	pr="$(median < "$LG_TMP/bench_peer_tps")"
	awk -v a="$lg" -v e="$lge" -v b="$pr" -v s="$script" 'BEGIN {
		printf "  median: lifeguard %.1f tps, not loaded %.1f tps, ratio %.4f (overhead %+.2f%%)\n", a, b, a / b, (1 - a / b) * 100
		printf "  median: lifeguard, enforce = error %.1f tps, ratio %.4f (overhead %+.2f%%)\n", e, e / b, (1 - e / b) * 100 }'
done
# hint bits set and pages pruned once, before the data directory is copied
psql -X -q -p "$peer_port" -d lg_bench -c 'VACUUM ANALYZE' -c 'SELECT count(*) FROM pgbench_accounts' >/dev/null
cluster_ctl "$peer/data" -m fast -w stop >/dev/null

# Instructions per transaction under callgrind, single-user mode, on the
# peer's (stopped) data directory with the same postgres binary: with
# shared_preload_libraries = 'lifeguard' and lifeguard.stats = off (the
# audit alone), with the statistics on too (the default), with
# lifeguard.enforce = error (which adds the commit-time check of every
# transaction, prepared-statement table included), and without lifeguard.
# The single-user backend counts in pool_stats as a session, so its
# transactions take the statistics' path.  Statements go as
# simple queries, so every one is parsed (the audit's parse hook runs each
# time).  Startup is cancelled out by running N and 2N transactions.
[ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null || exit 0
N="${BENCH_CALLGRIND_N:-300}"
gen() { # kind count
	awk -v kind="$1" -v n="$2" 'BEGIN { srand(42);
		for (i = 0; i < n; i++) {
			aid = int(rand() * 500000) + 1; bid = int(rand() * 5) + 1; tid = int(rand() * 50) + 1; d = int(rand() * 10001) - 5000;
			if (kind == "select-only") print "SELECT abalance FROM pgbench_accounts WHERE aid = " aid ";";
			else {
				print "BEGIN;";
				print "UPDATE pgbench_accounts SET abalance = abalance + " d " WHERE aid = " aid ";";
				print "SELECT abalance FROM pgbench_accounts WHERE aid = " aid ";";
				print "UPDATE pgbench_tellers SET tbalance = tbalance + " d " WHERE tid = " tid ";";
				print "UPDATE pgbench_branches SET bbalance = bbalance + " d " WHERE bid = " bid ";";
				print "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (" tid ", " bid ", " aid ", " d ", CURRENT_TIMESTAMP);";
				print "END;";
			}
		} }'
}
instr() { # kind count preload(no|audit|yes|enforce)
	local f="$LG_RUNDIR/cg.$1.$2.$3" opts=()
	[ "$3" = audit ] && opts=(-c "shared_preload_libraries=lifeguard" -c "lifeguard.stats=off")
	[ "$3" = yes ] && opts=(-c "shared_preload_libraries=lifeguard")
	[ "$3" = enforce ] && opts=(-c "shared_preload_libraries=lifeguard" -c "lifeguard.enforce=error")
	gen "$1" "$2" > "$f.sql"
	chmod 644 "$f.sql"
	# every run starts from the same copy of the data directory
	rm -rf "$LG_RUNDIR/cgdata"
	cp -a "$peer/data" "$LG_RUNDIR/cgdata"
	(cd "$LG_TMP" && as_pg valgrind --tool=callgrind --callgrind-out-file="$f.out" \
		"$LG_BINDIR/postgres" --single -D "$LG_RUNDIR/cgdata" "${opts[@]}" -c fsync=off lg_bench \
		< "$f.sql" > "$f.log" 2>&1) || { tail -5 "$f.log" >&2; return 1; }
	sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$f.out" | head -1
}
echo
echo "== instructions per transaction (callgrind, single-user mode, $N vs $((2 * N)) transactions)"
for kind in select-only tpcb-like; do
	# the runs alternate between the set-ups, each on a fresh copy
	pr1="$(instr "$kind" "$N" no)"; au1="$(instr "$kind" "$N" audit)"; lg1="$(instr "$kind" "$N" yes)"; le1="$(instr "$kind" "$N" enforce)"
	pr2="$(instr "$kind" $((2 * N)) no)"; au2="$(instr "$kind" $((2 * N)) audit)"; lg2="$(instr "$kind" $((2 * N)) yes)"; le2="$(instr "$kind" $((2 * N)) enforce)"
	awk -v a1="$lg1" -v a2="$lg2" -v u1="$au1" -v u2="$au2" -v e1="$le1" -v e2="$le2" -v b1="$pr1" -v b2="$pr2" -v n="$N" -v k="$kind" 'BEGIN {
		a = (a2 - a1) / n; u = (u2 - u1) / n; e = (e2 - e1) / n; b = (b2 - b1) / n;
		printf "  %-11s not loaded %.0f instructions/transaction\n", k, b
		printf "  %-11s the audit (lifeguard.stats = off) %.0f, ratio %.4f (overhead %+.2f%%)\n", k, u, u / b, (u / b - 1) * 100
		printf "  %-11s the statistics on top of it %+.0f instructions/transaction (%+.2f%% of not loaded)\n", k, a - u, (a - u) / b * 100
		printf "  %-11s lifeguard, audit and statistics %.0f, ratio %.4f (overhead %+.2f%%)\n", k, a, a / b, (a / b - 1) * 100
		printf "  %-11s lifeguard, enforce = error %.0f instructions/transaction, ratio %.4f (overhead %+.2f%%)\n", k, e, e / b, (e / b - 1) * 100 }'
done
