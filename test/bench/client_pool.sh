#!/usr/bin/env bash
# test/bench/client_pool.sh: liblifeguard's pool against node-postgres and
# pgbench, in one run against the same server.
#
#   8 threads, primary-key SELECT on pgbench_accounts, for LG_BENCH_SECONDS
#   (default 10) each:
#     lifeguard      liblifeguard pool, max 8 (test/client/pool_bench.c),
#                    as configured by default: unnamed statements only
#     lifeguard/cache  the same with DATABASE_STATEMENT_CACHE=on: each
#                    statement prepared once per connection (session
#                    pooling only; opt-in, see the README)
#     node-postgres  pg 8.23.1 Pool, max 8 (test/integration/client_pool_bench.js)
#     pgbench        pgbench -S -c 8 -j 8: no pool at all, the ceiling
#                    (simple protocol), and -M extended, the protocol of the
#                    default unnamed statements
#   then the uncontended acquire+release cost of the lifeguard pool, with the
#   checkout check at its default (DATABASE_POOL_HEALTH_CHECK_AFTER=1000: a
#   peek at the socket of a connection used a moment ago, no round trip).
#
# The default lifeguard pool and pgbench -M extended, the pair the 0.95x goal
# compares, run in LG_BENCH_ROUNDS (default 3) alternating rounds: on a
# shared machine the load changes from one phase to the next, and a ratio
# of two phases run back to back is the least affected.  The ratio reported
# is the median of the rounds' ratios (each round's is printed too).
#
# Goal: lifeguard (default) >= 1.5x node-postgres, >= 0.95x pgbench -S -M
# extended (the same protocol without a pool) and >= 0.9x pgbench -S.
set -euo pipefail

SECONDS_EACH="${LG_BENCH_SECONDS:-10}"
ROUNDS="${LG_BENCH_ROUNDS:-3}"
SCALE="${LG_BENCH_SCALE:-10}"
ROWS=$((SCALE * 100000))
DB=lg_bench_client
URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$DB"

make -C "$LG_ROOT/client" -s check-programs

echo "== client_pool: preparing pgbench tables (scale $SCALE, $ROWS rows)"
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
pgbench -i -q -s "$SCALE" "$DB" >/dev/null 2>&1
psql -X -q -d "$DB" -c "VACUUM ANALYZE" >/dev/null

value() { sed -n "s/^$1=//p"; }

lg_tps_all=()
pgbx_tps_all=()
ratios=()
lg_ns_all=()
for round in $(seq 1 "$ROUNDS"); do
	echo "== round $round/$ROUNDS: lifeguard pool (max 8), 8 threads, default: unnamed statements only, ${SECONDS_EACH}s"
	lg_out="$(env DATABASE_URL="$URL" APP_NAME=bench-lifeguard DATABASE_POOL_MAX=8 \
		"$LG_ROOT/client/build-opt/pool_bench" 8 "$SECONDS_EACH" "$ROWS")"
	echo "$lg_out" | sed 's/^/   /'
	t="$(echo "$lg_out" | value tps)"
	lg_tps_all+=("$t")
	lg_ns_all+=("$(echo "$lg_out" | value acquire_release_ns)")

	echo "== round $round/$ROUNDS: pgbench -S -M extended -c 8 -j 8, ${SECONDS_EACH}s (the protocol of unnamed statements)"
	pgbx_out="$(pgbench -n -S -M extended -c 8 -j 8 -T "$SECONDS_EACH" "$DB" 2>&1)"
	x="$(echo "$pgbx_out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')"
	echo "   tps=${x%.*}"
	pgbx_tps_all+=("$x")
	ratios+=("$(awk -v a="$t" -v b="$x" 'BEGIN { printf "%.3f", a / b }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
lg_tps="$(median "${lg_tps_all[@]}")"
pgbx_tps="$(median "${pgbx_tps_all[@]}")"
lg_ratio_x="$(median "${ratios[@]}")"
lg_ns="$(median "${lg_ns_all[@]}")"

echo "== lifeguard pool (max 8), DATABASE_STATEMENT_CACHE=on (named statements, session pooling), ${SECONDS_EACH}s"
lgc_out="$(env DATABASE_URL="$URL" APP_NAME=bench-lifeguard DATABASE_POOL_MAX=8 \
	DATABASE_STATEMENT_CACHE=on "$LG_ROOT/client/build-opt/pool_bench" 8 "$SECONDS_EACH" "$ROWS")"
echo "$lgc_out" | grep -v acquire_release | sed 's/^/   /'
lgc_tps="$(echo "$lgc_out" | value tps)"

echo "== node-postgres Pool (max 8), 8 concurrent loops, ${SECONDS_EACH}s"
node_out="$(cd "$LG_ROOT/test/integration" && env DATABASE_URL="$URL" \
	node client_pool_bench.js 8 "$SECONDS_EACH" "$ROWS")"
echo "$node_out" | sed 's/^/   /'
node_tps="$(echo "$node_out" | value tps)"

echo "== pgbench -S -c 8 -j 8, ${SECONDS_EACH}s (no pool: the ceiling)"
pgb_out="$(pgbench -n -S -c 8 -j 8 -T "$SECONDS_EACH" "$DB" 2>&1)"
pgb_tps="$(echo "$pgb_out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')"
echo "   tps=${pgb_tps%.*}"

psql -X -q -d postgres -c "DROP DATABASE $DB"

echo "== client_pool results"
awk -v lg="$lg_tps" -v lgc="$lgc_tps" -v node="$node_tps" -v pgb="$pgb_tps" -v pgbx="$pgbx_tps" -v ns="$lg_ns" \
	-v rx="$lg_ratio_x" -v rounds="${ratios[*]}" -v nss="${lg_ns_all[*]}" 'BEGIN {
	printf "   lifeguard pool (default, unnamed)  %8.0f tps (median of the rounds)\n", lg
	printf "   lifeguard pool, statement cache on %8.0f tps\n", lgc
	printf "   node-postgres Pool                 %8.0f tps\n", node
	printf "   pgbench -S                         %8.0f tps\n", pgb
	printf "   pgbench -S -M extended             %8.0f tps (median of the rounds)\n", pgbx
	printf "   lifeguard / node-postgres = %.2fx (goal >= 1.5x); with the statement cache %.2fx\n", lg / node, lgc / node
	printf "   lifeguard / pgbench       = %.2fx (goal >= 0.9x); with the statement cache %.2fx\n", lg / pgb, lgc / pgb
	printf "   lifeguard / pgbench -M extended (same protocol as the default) = %.2fx, median of the rounds %s (goal >= 0.95x)\n", rx, rounds
	printf "   uncontended acquire+release (checkout check on, default): %.0f ns (median; rounds %s)\n", ns, nss
}'
