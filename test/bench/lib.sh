# test/bench/lib.sh: sourced by the benchmarks.
#   q [psql args]      psql, unaligned, tuples only, stop on error
#   median             the median of the numbers on stdin, one per line
#   bench_ms_function  creates pg_temp_bench_ms(sql): the milliseconds one
#                      EXECUTE of sql takes, measured inside the server
#   interleaved_ms ROUNDS SQL...
#                      runs the statements in turn, ROUNDS times (so that
#                      the machine's noise falls on each alike), and prints
#                      the median milliseconds of each (pg_temp_bench_ms),
#                      in order, on one line
#   createid_ns        nanoseconds per id of the reference package's
#                      createId() (@paralleldrive/cuid2) under node
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

interleaved_ms() {
	local rounds="$1" dir r i sql
	shift
	dir="$(mktemp -d "$LG_TMP/bench.XXXXXX")"
	for r in $(seq 1 "$rounds"); do
		i=0
		for sql in "$@"; do
			echo "SELECT pg_temp_bench_ms(:'sql')" | q -v sql="$sql" >> "$dir/$i"
			i=$((i + 1))
		done
	done
	for i in $(seq 0 $(($# - 1))); do median < "$dir/$i"; done | paste -sd ' '
	rm -rf "$dir"
}

createid_ns() {
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
