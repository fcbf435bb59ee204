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
# Goal: lifeguard (default) >= 1.5x node-postgres, >= 0.95x pgbench -S -M
# extended (the same protocol without a pool) and >= 0.9x pgbench -S.
set -euo pipefail

SECONDS_EACH="${LG_BENCH_SECONDS:-10}"
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

echo "== lifeguard pool (max 8), 8 threads, default: unnamed statements only, ${SECONDS_EACH}s"
lg_out="$(env DATABASE_URL="$URL" APP_NAME=bench-lifeguard DATABASE_POOL_MAX=8 \
	"$LG_ROOT/client/build-opt/pool_bench" 8 "$SECONDS_EACH" "$ROWS")"
echo "$lg_out" | sed 's/^/   /'
lg_tps="$(echo "$lg_out" | value tps)"
lg_ns="$(echo "$lg_out" | value acquire_release_ns)"

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

echo "== pgbench -S -M extended -c 8 -j 8, ${SECONDS_EACH}s (the protocol of unnamed statements)"
pgbx_out="$(pgbench -n -S -M extended -c 8 -j 8 -T "$SECONDS_EACH" "$DB" 2>&1)"
pgbx_tps="$(echo "$pgbx_out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')"
echo "   tps=${pgbx_tps%.*}"

psql -X -q -d postgres -c "DROP DATABASE $DB"

echo "== client_pool results"
awk -v lg="$lg_tps" -v lgc="$lgc_tps" -v node="$node_tps" -v pgb="$pgb_tps" -v pgbx="$pgbx_tps" -v ns="$lg_ns" 'BEGIN {
	printf "   lifeguard pool (default, unnamed)  %8.0f tps\n", lg
	printf "   lifeguard pool, statement cache on %8.0f tps\n", lgc
	printf "   node-postgres Pool                 %8.0f tps\n", node
	printf "   pgbench -S                         %8.0f tps\n", pgb
	printf "   pgbench -S -M extended             %8.0f tps\n", pgbx
	printf "   lifeguard / node-postgres = %.2fx (goal >= 1.5x); with the statement cache %.2fx\n", lg / node, lgc / node
	printf "   lifeguard / pgbench       = %.2fx (goal >= 0.9x); with the statement cache %.2fx\n", lg / pgb, lgc / pgb
	printf "   lifeguard / pgbench -M extended (same protocol as the default) = %.2fx (goal >= 0.95x)\n", lg / pgbx
	printf "   uncontended acquire+release (checkout check on, default): %.0f ns\n", ns
}'
