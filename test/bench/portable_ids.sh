#!/usr/bin/env bash
# test/bench/portable_ids.sh: cost of the portable edition's gen_prefixed_id
# (sql/portable, PL/pgSQL on pgcrypto) against peers measured in the same
# run: the C edition's gen_prefixed_id and gen_random_uuid() in the same
# server, and the reference @paralleldrive/cuid2 createId() under node.
# The portable edition is installed into its own schema of the test
# database, beside the extension.  Runs are interleaved and the median of
# each is reported, because the machine is shared and noisy.
set -euo pipefail
ROUNDS="${ROUNDS:-5}"
N="${N:-100000}"

. "$LG_ROOT/test/bench/lib.sh"

q -v schema=lifeguard_portable_bench -f "$LG_ROOT/sql/portable/lifeguard_portable--$LG_VERSION.sql" >/dev/null

bench_ms_function

medians=$(interleaved_ms "$ROUNDS" \
	"SELECT count(lifeguard_portable_bench.gen_prefixed_id('ws')) FROM generate_series(1, $N)" \
	"SELECT count(public.gen_prefixed_id('ws')) FROM generate_series(1, $N)" \
	"SELECT count(gen_random_uuid()) FROM generate_series(1, $N)" \
	"SELECT count(g) FROM generate_series(1, $N) g")
read -r m_portable m_c m_uuid m_base <<< "$medians"

# the reference package under node: per-id cost of createId()
node_ns=$(createid_ns)

q -c "SET client_min_messages = warning" -c "DROP SCHEMA lifeguard_portable_bench CASCADE" -c "DROP FUNCTION pg_temp_bench_ms(text)" >/dev/null

awk -v n="$N" -v p="$m_portable" -v c="$m_c" -v u="$m_uuid" -v b="$m_base" -v nn="$node_ns" -v rounds="$ROUNDS" 'BEGIN {
	printf "portable ids benchmark: %d ids per query, median of %d interleaved rounds\n", n, rounds
	printf "  portable gen_prefixed_id(%cws%c)     %9.1f ms  (%8.1f ns/id)\n", 39, 39, p, p * 1e6 / n
	printf "  C edition gen_prefixed_id(%cws%c)    %9.1f ms  (%8.1f ns/id)\n", 39, 39, c, c * 1e6 / n
	printf "  gen_random_uuid()                  %9.1f ms  (%8.1f ns/id)\n", u, u * 1e6 / n
	printf "  SELECT count(g) (executor baseline) %8.1f ms\n", b
	printf "  reference createId() under node               (%8.1f ns/id)\n", nn
	printf "  ratio portable / C edition                %8.1fx\n", p / c
	printf "  ratio portable / gen_random_uuid          %8.1fx\n", p / u
	printf "  speed-up over the reference package        %7.2fx (goal >= 10x, i.e. <= 20 us/id)\n", nn / (p * 1e6 / n)
}'
