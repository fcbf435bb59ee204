#!/usr/bin/env bash
# test/bench/pool_usage.sh: SELECT * FROM pool_usage against the same
# grouping written in SQL over pg_stat_activity, with 50, 150 and 250 extra
# connections open (idle, active, idle in transaction and waiting on a lock,
# under ten application_names).  Both queries run through pgbench in the same
# run, alternating, each with a fresh backend status snapshot per statement;
# the best of three rounds of each is printed with the ratio, and the time
# each added backend costs between two steps (which should stay flat: both
# are linear in the number of backends).
#
# The connections are dblink sessions held by one psql coprocess.  On every
# exit path the script terminates every backend whose application_name
# starts with lg_bench (the holder and its sessions, sleeping ones included)
# and waits until they are gone.
set -euo pipefail

: "${LG_TMP:?run me through test/harness.sh bench pool_usage}"
PGBENCH="$(command -v pgbench || echo "$(pg_config --bindir)/pgbench")"
TX=${POOL_BENCH_TX:-200}
ROUNDS=${POOL_BENCH_ROUNDS:-3}
work="$(mktemp -d "$LG_TMP/bench-pool.XXXXXX")"

cat > "$work/pool_usage.sql" <<'SQL'
SELECT * FROM pool_usage;
SQL
cat > "$work/sql_equivalent.sql" <<'SQL'
SELECT d.datname AS database, a.usename AS role, a.application_name, a.client_addr,
       count(*)::int AS connections,
       count(*) FILTER (WHERE a.state IN ('active', 'fastpath function call'))::int AS active,
       count(*) FILTER (WHERE a.state = 'idle')::int AS idle,
       count(*) FILTER (WHERE a.state = 'idle in transaction')::int AS idle_in_transaction,
       count(*) FILTER (WHERE a.state = 'idle in transaction (aborted)')::int AS idle_in_transaction_aborted,
       count(*) FILTER (WHERE a.state = 'active' AND a.wait_event_type = 'Lock')::int AS waiting,
       clock_timestamp() - min(a.xact_start) AS oldest_xact_age,
       clock_timestamp() - min(a.state_change) FILTER (WHERE a.state LIKE 'idle in transaction%') AS longest_idle_in_transaction,
       clock_timestamp() - min(a.query_start) FILTER (WHERE a.state = 'active') AS longest_query
  FROM pg_stat_activity a LEFT JOIN pg_database d ON d.oid = a.datid
 WHERE a.backend_type = 'client backend'
 GROUP BY 1, 2, 3, 4;
SQL

cleanup() {
	set +e
	if [ -n "${HOLDER_PID:-}" ]; then
		exec {HOLDER_IN}>&- 2>/dev/null
	fi
	psql -X -q -At >/dev/null 2>&1 <<-'SQL'
		SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		 WHERE application_name LIKE 'lg\_bench%' AND pid <> pg_backend_pid();
		DO $$
		BEGIN
			FOR i IN 1..200 LOOP
				PERFORM pg_stat_clear_snapshot();
				EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name LIKE 'lg\_bench%');
				PERFORM pg_sleep(0.05);
			END LOOP;
		END $$;
	SQL
	if [ -n "${HOLDER_PID:-}" ]; then
		wait "$HOLDER_PID" 2>/dev/null
	fi
	local left
	left="$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'lg\_bench%'")"
	echo "connections left open by the benchmark: $left"
	rm -rf "$work"
}
trap cleanup EXIT

# the holder: one psql session whose dblink connections are the load
coproc HOLDER { psql -X -q -At -v ON_ERROR_STOP=1 2>&1; }
HOLDER_IN=${HOLDER[1]}
HOLDER_OUT=${HOLDER[0]}

holder() { # run SQL in the holder and wait for it to finish
	printf '%s\n\\echo __done__\n' "$1" >&"$HOLDER_IN"
	local line
	while IFS= read -r line <&"$HOLDER_OUT"; do
		[ "$line" = __done__ ] && return 0
		case "$line" in *ERROR*|*FATAL*) echo "holder: $line" >&2; exit 1 ;; esac
	done
	echo "holder: psql ended" >&2
	exit 1
}

holder "SET application_name = 'lg_bench-holder';
\\o /dev/null
CREATE FUNCTION pg_temp.open_sessions(first int, last int) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	FOR i IN first..last LOOP
		PERFORM dblink_connect('c' || i,
			format('host=127.0.0.1 port=%s dbname=%s user=postgres application_name=lg_bench-app-%s',
			       current_setting('port'), current_database(), i % 10));
		CASE
			WHEN i = 0 THEN PERFORM * FROM dblink('c0', 'SELECT pg_advisory_lock(4711)') AS t(x text);
			WHEN i % 25 = 0 THEN PERFORM dblink_send_query('c' || i, 'SELECT pg_advisory_lock(4711)');
			WHEN i % 5 IN (0, 1) THEN PERFORM dblink_send_query('c' || i, 'SELECT pg_sleep(3600)');
			WHEN i % 5 = 2 THEN PERFORM dblink_exec('c' || i, 'BEGIN');
			ELSE NULL;
		END CASE;
	END LOOP;
END \$\$;
\\o"

measure() { # file -> best average latency in ms over ROUNDS
	"$PGBENCH" -n -t "$TX" -f "$1" 2>/dev/null | sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
}

printf '\n%-9s %14s %18s %8s %24s %18s\n' backends 'pool_usage ms' 'SQL (GROUP BY) ms' ratio 'pool_usage us/added be' 'SQL us/added be'
opened=-1
prev_n='' prev_a='' prev_b=''
for target in 50 150 250; do
	holder "SELECT pg_temp.open_sessions($((opened + 1)), $((target - 1)));"
	opened=$((target - 1))
	backends="$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")"
	best_a='' best_b=''
	for _ in $(seq "$ROUNDS"); do
		a="$(measure "$work/pool_usage.sql")"
		b="$(measure "$work/sql_equivalent.sql")"
		best_a="$(printf '%s\n%s\n' "$a" "$best_a" | sed '/^$/d' | sort -g | head -1)"
		best_b="$(printf '%s\n%s\n' "$b" "$best_b" | sed '/^$/d' | sort -g | head -1)"
	done
	awk -v n="$backends" -v a="$best_a" -v b="$best_b" -v pn="$prev_n" -v pa="$prev_a" -v pb="$prev_b" 'BEGIN {
		if (pn == "")
			printf "%-9d %14.3f %18.3f %7.2fx %24s %18s\n", n, a, b, b / a, "-", "-"
		else
			printf "%-9d %14.3f %18.3f %7.2fx %24.2f %18.2f\n", n, a, b, b / a,
				(a - pa) * 1000 / (n - pn), (b - pb) * 1000 / (n - pn) }'
	prev_n=$backends prev_a=$best_a prev_b=$best_b
done
printf '\nratio = SQL / pool_usage (above 1: pool_usage is faster); %s statements per measurement, best of %s\n' "$TX" "$ROUNDS"
psql -X -c "SELECT application_name, connections, active, idle, idle_in_transaction, waiting
              FROM pool_usage WHERE application_name LIKE 'lg\_bench%' ORDER BY 1"
