# test/bench/lib.sh: sourced by the benchmarks.
#   q [psql args]      psql, unaligned, tuples only, stop on error
#   median             the median of the numbers on stdin, one per line
#   bench_ms_function  creates pg_temp_bench_ms(sql): the milliseconds one
#                      EXECUTE of sql takes, measured inside the server
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
