# test/bench/lib.sh: sourced by the benchmarks.
#   q [psql args]      psql, unaligned, tuples only, stop on error
#   median             the median of the numbers on stdin, one per line
#   bench_ms_function  creates pg_temp_bench_ms(sql): the milliseconds one
#                      EXECUTE of sql takes, measured inside the server
#   interleaved NAME=SQL...
#                      ROUNDS rounds of every SQL in turn, each timed in
#                      the server (bench_ms_function first), then m_NAME,
#                      the median milliseconds of each
#   createid_ns        the nanoseconds one createId() of the reference
#                      package takes under node (nothing where there is no
#                      node: LG_NO_NODE=1, test/matrix.sh's roots)
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench_ms_function() {
	q <<'SQL'
CREATE OR REPLACE FUNCTION pg_temp_bench_ms(sql text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE sql;
	RETURN 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;
SQL
}

interleaved() {
	local -A runs=()
	local r pair
	for r in $(seq 1 "$ROUNDS"); do
		for pair in "$@"; do
			local sql="${pair#*=}"
			runs[${pair%%=*}]+="$(q -c "SELECT pg_temp_bench_ms('${sql//\'/\'\'}')")"$'\n'
		done
	done
	for pair in "$@"; do
		printf -v "m_${pair%%=*}" '%s' "$(printf '%s' "${runs[${pair%%=*}]}" | median)"
	done
}

createid_ns() {
	[ "${LG_NO_NODE:-0}" = 1 ] && return 0
	(cd "$LG_ROOT/test/integration" && node --input-type=module -e '
import { createId } from "@paralleldrive/cuid2";
const n = 200000;
for (let i = 0; i < 20000; i++) createId();          // warm up the JIT
const t0 = process.hrtime.bigint();
let x = 0;
for (let i = 0; i < n; i++) x += createId().length;
const t1 = process.hrtime.bigint();
if (x !== n * 24) throw new Error("unexpected id length");
console.log(Number(t1 - t0) / n);')
}
