#!/usr/bin/env bash
# test/bench/ids.sh: cost of gen_prefixed_id against peers measured in the
# same run: gen_random_uuid() in the same server, the reference
# @paralleldrive/cuid2 createId() under node, and a 1,000,000-row INSERT
# whose primary key defaults to each.  Runs are interleaved and the median
# of each is reported, because the machine is shared and noisy.
set -euo pipefail
ROUNDS="${ROUNDS:-5}"
N="${N:-1000000}"

. "$LG_ROOT/test/bench/lib.sh"

bench_ms_function

medians=$(interleaved_ms "$ROUNDS" \
	"SELECT count(gen_prefixed_id('ws')) FROM generate_series(1, $N)" \
	"SELECT count(gen_random_uuid()) FROM generate_series(1, $N)" \
	"SELECT count(g) FROM generate_series(1, $N) g")
read -r m_gen m_uuid m_base <<< "$medians"

# the reference package under node: per-id cost of createId(); not measured
# where there is no node (LG_NO_NODE=1: test/matrix.sh's roots)
node_ns=
[ "${LG_NO_NODE:-0}" = 1 ] || node_ns=$(createid_ns)

# INSERT of N rows, primary key defaulting to each generator
declare -a ins_id ins_uuid
INS_ROUNDS="${INS_ROUNDS:-3}"
for r in $(seq 1 "$INS_ROUNDS"); do
	q -c "DROP TABLE IF EXISTS bench_ids_cuid, bench_ids_uuid" \
	  -c "CREATE TABLE bench_ids_cuid (id text PRIMARY KEY DEFAULT gen_prefixed_id('ws'), n int)" \
	  -c "CREATE TABLE bench_ids_uuid (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int)" \
	  -c "CHECKPOINT" >/dev/null
	ins_id+=("$(q -c "SELECT pg_temp_bench_ms('INSERT INTO bench_ids_cuid (n) SELECT g FROM generate_series(1, $N) g')")")
	ins_uuid+=("$(q -c "SELECT pg_temp_bench_ms('INSERT INTO bench_ids_uuid (n) SELECT g FROM generate_series(1, $N) g')")")
done
sizes=$(q -c "SELECT pg_size_pretty(pg_total_relation_size('bench_ids_cuid')) || ' vs ' || pg_size_pretty(pg_total_relation_size('bench_ids_uuid'))")
q -c "DROP TABLE bench_ids_cuid, bench_ids_uuid" -c "DROP FUNCTION pg_temp_bench_ms(text)" >/dev/null
m_ins_id=$(printf '%s\n' "${ins_id[@]}" | median)
m_ins_uuid=$(printf '%s\n' "${ins_uuid[@]}" | median)

awk -v n="$N" -v g="$m_gen" -v u="$m_uuid" -v b="$m_base" -v nn="$node_ns" \
    -v ii="$m_ins_id" -v iu="$m_ins_uuid" -v sizes="$sizes" -v rounds="$ROUNDS" 'BEGIN {
	printf "ids benchmark: %d ids per query, median of %d interleaved rounds\n", n, rounds
	printf "  SELECT count(gen_prefixed_id(%cws%c))  %9.1f ms  (%6.1f ns/id)\n", 39, 39, g, g * 1e6 / n
	printf "  SELECT count(gen_random_uuid())      %9.1f ms  (%6.1f ns/id)\n", u, u * 1e6 / n
	printf "  SELECT count(g) (executor baseline)  %9.1f ms\n", b
	if (nn != "") printf "  reference createId() under node      %9.1f ns/id\n", nn
	printf "  ratio gen_prefixed_id / gen_random_uuid            %.2fx (goal <= 0.50x)\n", g / u
	printf "  ratio, executor baseline subtracted from both     %.2fx\n", (g - b) / (u - b)
	if (nn != "") printf "  speed-up per id over the reference package         %.0fx (goal >= 200x)\n", nn / (g * 1e6 / n)
	else printf "  speed-up over the reference package: not measured (no node here)\n"
	printf "  INSERT %d rows, PK DEFAULT gen_prefixed_id  %9.1f ms\n", n, ii
	printf "  INSERT %d rows, PK DEFAULT gen_random_uuid  %9.1f ms\n", n, iu
	printf "  ratio INSERT prefixed id / uuid                    %.2fx  (table+index size %s)\n", ii / iu, sizes
}'
