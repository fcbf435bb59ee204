#!/usr/bin/env bash
# test/bench/ids.sh: the cost of prefixed CUID2 ids against peers measured
# in the same run, on the throwaway cluster (make bench BENCH=ids; make
# bench-matrix runs it on every major):
#  - in-process (test/bench/ids_core.c): one id against one SHA3-512
#    digest of the same input (the floor: the reference hashes once per
#    id), the SHA3-512 of OpenSSL, libgcrypt and nettle, the quick leading
#    digits against the whole base36 conversion, and the random source at
#    several buffer sizes;
#  - per call in the server: gen_prefixed_id('ws') against
#    gen_random_uuid() (and uuidv7() where the server has it, PostgreSQL
#    18), 1,000,000 calls per query, and the reference createId() under node;
#  - a 1,000,000-row INSERT into a table whose primary key defaults to each:
#    a text id, the prefixed_id type, uuid; the time, the index and table
#    sizes, and their ratios to uuid's.
# Rounds are interleaved and each figure is the median, with the range,
# because the machine is shared and noisy.  The goals (docs/sql.md) are
# printed next to the ratios; a benchmark reports, it does not fail.
set -euo pipefail
ROUNDS="${ROUNDS:-5}"
INS_ROUNDS="${INS_ROUNDS:-3}"
N="${N:-1000000}"
CORE_ROUNDS="${CORE_ROUNDS:-21}"

. "$LG_ROOT/test/bench/lib.sh"

# "median (lo-hi)" of the numbers on stdin
spread() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
	printf "%.1f (%.1f-%.1f)", m, a[1], a[NR] }'; }
# the ratio of each round's pair, a b a b ... on stdin: "median (lo-hi)"
ratios() { awk '{ v[NR] = $1 } END { for (i = 1; i < NR; i += 2) print v[i] / v[i + 1] }' | sort -g |
	awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
	printf "%.2f (%.2f-%.2f)", m, a[1], a[NR] }'; }
pairs() { paste -d '\n' <(printf '%s\n' "${!1}") <(printf '%s\n' "${!2}"); }

echo "ids benchmark: PostgreSQL $(q -c 'SHOW server_version')"

# ---------------------------------------------------------------- in-process
core="$LG_TMP/ids_core"
cc -O2 -I"$LG_ROOT/common" -o "$core" "$LG_ROOT/test/bench/ids_core.c" "$LG_ROOT/common/cuid2.c" \
	-lcrypto -lgcrypt -lnettle
core_out="$("$core" "$CORE_ROUNDS" 100000)"
echo "in-process, $CORE_ROUNDS interleaved rounds of 100,000 calls each:"
grep -v '^RESULT' <<<"$core_out"
result() { sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p; s/^RESULT $1=\([^ ]*\).*/\1/p" <<<"$core_out" | head -1; }
printf '  ratio id / one digest of the same input            %.2f (%.2f-%.2f)  (goal <= 1.30)\n' \
	"$(result id_per_digest)" "$(result id_per_digest_lo)" "$(result id_per_digest_hi)"
printf '  SHA3-512 per digest, against the one the core uses (OpenSSL, context reused):\n'
printf '    OpenSSL one-shot EVP_Digest %.2f, libgcrypt %.2f (handle reused %.2f), nettle %.2f\n' \
	"$(result sha3_openssl_oneshot_per_digest)" "$(result sha3_gcrypt_per_digest)" \
	"$(result sha3_gcrypt_handle_per_digest)" "$(result sha3_nettle_per_digest)"

# ---------------------------------------------------------------- per call
bench_ms_function
has_v7="$(q -c "SELECT to_regprocedure('uuidv7()') IS NOT NULL")"
declare -a gen uuid v7 base
for r in $(seq 1 "$ROUNDS"); do
	gen+=("$(q -c "SELECT pg_temp_bench_ms('SELECT count(gen_prefixed_id(''ws'')) FROM generate_series(1, $N)')")")
	uuid+=("$(q -c "SELECT pg_temp_bench_ms('SELECT count(gen_random_uuid()) FROM generate_series(1, $N)')")")
	if [ "$has_v7" = t ]; then
		v7+=("$(q -c "SELECT pg_temp_bench_ms('SELECT count(uuidv7()) FROM generate_series(1, $N)')")")
	fi
	base+=("$(q -c "SELECT pg_temp_bench_ms('SELECT count(g) FROM generate_series(1, $N) g')")")
done
per_call() { printf '%s\n' "${!1}" | awk -v n="$N" '{ print $1 * 1e6 / n }' | spread; }
echo "per call, $N calls per query, $ROUNDS interleaved rounds (ns, executor included):"
echo "  gen_prefixed_id('ws')      $(per_call 'gen[@]')"
echo "  gen_random_uuid()          $(per_call 'uuid[@]')"
if [ "$has_v7" = t ]; then echo "  uuidv7()                   $(per_call 'v7[@]')"; fi
echo "  executor alone (count(g))  $(per_call 'base[@]')"
echo "  ratio gen_prefixed_id / gen_random_uuid   $(pairs 'gen[@]' 'uuid[@]' | ratios)  (goal <= 1.00)"
if [ "$has_v7" = t ]; then echo "  ratio gen_prefixed_id / uuidv7            $(pairs 'gen[@]' 'v7[@]' | ratios)"; fi

# the reference package under node: per-id cost of createId(); not measured
# where there is no node (LG_NO_NODE=1: test/matrix.sh's roots)
if [ "${LG_NO_NODE:-0}" != 1 ]; then
	node_ns=$(createid_ns)
	m_gen=$(printf '%s\n' "${gen[@]}" | median)
	awk -v nn="$node_ns" -v g="$m_gen" -v n="$N" 'BEGIN {
		printf "  reference createId() under node %.1f ns/id: gen_prefixed_id is %.0fx faster\n", nn, nn / (g * 1e6 / n) }'
fi

# ---------------------------------------------------------------- INSERT
# each round inserts N rows into three fresh tables, in a rotating order,
# after a checkpoint; the primary key defaults to each generator
declare -a ins_text ins_pid ins_uuid
tables=(text pid uuid)
for r in $(seq 1 "$INS_ROUNDS"); do
	q -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS bench_ids_text, bench_ids_pid, bench_ids_uuid" \
	  -c "CREATE TABLE bench_ids_text (id text PRIMARY KEY DEFAULT gen_prefixed_id('ws'), n int)" \
	  -c "CREATE TABLE bench_ids_pid (id prefixed_id PRIMARY KEY DEFAULT gen_prefixed_id('ws'), n int)" \
	  -c "CREATE TABLE bench_ids_uuid (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int)" >/dev/null
	for k in 0 1 2; do
		t="${tables[$(( (k + r) % 3 ))]}"
		q -c "CHECKPOINT" >/dev/null
		ms="$(q -c "SELECT pg_temp_bench_ms('INSERT INTO bench_ids_$t (n) SELECT g FROM generate_series(1, $N) g')")"
		case "$t" in
			text) ins_text+=("$ms") ;;
			pid) ins_pid+=("$ms") ;;
			uuid) ins_uuid+=("$ms") ;;
		esac
	done
done
size() { q -c "SELECT pg_relation_size('$1')"; }
declare -A idx tbl
for t in "${tables[@]}"; do
	idx[$t]="$(size "bench_ids_${t}_pkey")"
	tbl[$t]="$(size "bench_ids_$t")"
done
q -c "DROP TABLE bench_ids_text, bench_ids_pid, bench_ids_uuid" -c "DROP FUNCTION pg_temp_bench_ms(text)" >/dev/null
echo "INSERT of $N rows, primary key DEFAULT each, $INS_ROUNDS interleaved rounds (ms):"
echo "  id text DEFAULT gen_prefixed_id('ws')         $(printf '%s\n' "${ins_text[@]}" | spread)"
echo "  id prefixed_id DEFAULT gen_prefixed_id('ws')  $(printf '%s\n' "${ins_pid[@]}" | spread)"
echo "  id uuid DEFAULT gen_random_uuid()             $(printf '%s\n' "${ins_uuid[@]}" | spread)"
echo "  ratio text / uuid          $(pairs 'ins_text[@]' 'ins_uuid[@]' | ratios)  (goal <= 1.15)"
echo "  ratio prefixed_id / uuid   $(pairs 'ins_pid[@]' 'ins_uuid[@]' | ratios)  (goal <= 1.05)"
for t in "${tables[@]}"; do
	awk -v t="$t" -v i="${idx[$t]}" -v h="${tbl[$t]}" -v ui="${idx[uuid]}" -v uh="${tbl[uuid]}" 'BEGIN {
		printf "  %-11s index %7.1f MB (%.2fx uuid'"'"'s)   table %7.1f MB (%.2fx)\n", t, i / 1048576, i / ui, h / 1048576, h / uh }'
done
echo "  (goal: the prefixed_id index <= 1.25x uuid's)"

# ---------------------------------------------------------------- instructions
# The same INSERTs counted in instructions per row under callgrind, in
# single-user mode on a scratch data directory, which the machine's noise
# does not reach: N_CG and 2 * N_CG rows, so that start-up cancels out
# (BENCH_CALLGRIND=0 skips).  callgrind's CPU has no AVX-512, and it counts
# instructions, not their cost: a ratio of work, next to the ratio of time.
[ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null || exit 0
N_CG="${BENCH_CALLGRIND_N:-20000}"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cg="$LG_TMP/bench_ids_cg"
mkdir -p "$cg"; [ "$(id -u)" -eq 0 ] && chown postgres "$cg"
(cd "$LG_TMP" && as_pg "$LG_BINDIR/initdb" -D "$cg/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null)
instr() { # key-type default rows
	local f="$cg/run"
	printf 'CREATE EXTENSION lifeguard;\nCREATE TABLE b (id %s PRIMARY KEY DEFAULT %s, n int);\nINSERT INTO b (n) SELECT g FROM generate_series(1, %d) g;\n' \
		"$1" "$2" "$3" > "$f.sql"
	chmod 644 "$f.sql"
	rm -rf "$cg/copy"
	cp -a "$cg/data" "$cg/copy"
	(cd "$LG_TMP" && as_pg valgrind --tool=callgrind --callgrind-out-file="$f.out" \
		"$LG_BINDIR/postgres" --single -D "$cg/copy" -c fsync=off postgres < "$f.sql" > "$f.log" 2>&1) \
		|| { tail -5 "$f.log" >&2; return 1; }
	sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$f.out" | head -1
}
declare -A per_row
for k in "text gen_prefixed_id('ws')" "prefixed_id gen_prefixed_id('ws')" "uuid gen_random_uuid()"; do
	ty="${k%% *}"
	a="$(instr "$ty" "${k#* }" "$N_CG")"
	b="$(instr "$ty" "${k#* }" $((2 * N_CG)))"
	per_row[$ty]=$(( (b - a) / N_CG ))
done
echo "INSERT, instructions per row (callgrind, single-user mode, $N_CG vs $((2 * N_CG)) rows):"
for ty in text prefixed_id uuid; do
	awk -v t="$ty" -v i="${per_row[$ty]}" -v u="${per_row[uuid]}" 'BEGIN { printf "  id %-12s %7d  (%.3fx uuid'"'"'s)\n", t, i, i / u }'
done
