#!/usr/bin/env bash
# test/demo.d/50_ops.sh: the operations commands, last screen of the tour.
# Two demo applications hold connections (checkout-prod: three idle and one
# idle in transaction holding a row lock; billing-worker-prod: one running a
# query, one waiting for that lock) and record two pooling hazards; then
# `lifeguard health`, `lifeguard audit` and a one-shot `lifeguard top`
# (stdout is not a terminal, so it prints one snapshot).  Everything it
# made is removed at the end.
set -euo pipefail

LIFEGUARD="${LG_CLI:-$LG_ROOT/client/lifeguard}"
export DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${PGDATABASE}"
export APP_NAME=checkout APP_ENV=production
unset NODE_ENV DIRECT_URL DATABASE_DRIVER DATABASE_POOL_MODE DATABASE_POOL_MAX
pids=()

cleanup() {
	psql -X -q -o /dev/null -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	                             WHERE application_name IN ('checkout-prod', 'billing-worker-prod')
	                               AND pid <> pg_backend_pid()" || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	psql -X -q -o /dev/null -c 'DROP TABLE IF EXISTS demo_ops_orders' || true
}
trap cleanup EXIT

# one connection of application $1 that runs $2 and then stays open
hold() {
	( printf '%s\n' "$2"; sleep 60 ) |
		PGAPPNAME="$1" psql -X -q -o /dev/null 2>/dev/null &
	pids+=($!)
}

# wait until pg_stat_activity shows what the sessions were asked to do
settle() {
	for _ in $(seq 200); do
		[ "$(psql -X -A -t -c "SELECT count(*) FROM pg_stat_activity
		      WHERE application_name = 'billing-worker-prod' AND wait_event_type = 'Lock'")" = 1 ] && return 0
		sleep 0.05
	done
	echo "50_ops.sh: the demo sessions did not settle" >&2
	return 1
}

printf '\n\033[1m== Operations: lifeguard health, lifeguard audit, lifeguard top\033[0m\n\n'

psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE TABLE demo_ops_orders (id int PRIMARY KEY, status text);
                                  INSERT INTO demo_ops_orders VALUES (1, '"'new'"')'
for _ in 1 2 3; do hold checkout-prod 'SELECT 1;'; done
hold checkout-prod "BEGIN; UPDATE demo_ops_orders SET status = 'paid' WHERE id = 1;"
sleep 0.3
hold billing-worker-prod 'SELECT pg_sleep(60);'
hold billing-worker-prod "UPDATE demo_ops_orders SET status = 'billed' WHERE id = 1;"
settle

# two hazards, as an application would make them behind a transaction pooler
PGAPPNAME=checkout-prod psql -X -q -o /dev/null -c "SET statement_timeout = '5s'" -c 'SELECT pg_advisory_lock(42)'

echo "\$ DATABASE_URL=$DATABASE_URL APP_NAME=$APP_NAME APP_ENV=$APP_ENV lifeguard health --instances 4"
rc=0
"$LIFEGUARD" health --instances 4 || rc=$?
echo "(exit code $rc)"
echo
echo '$ lifeguard audit'
rc=0
"$LIFEGUARD" audit || rc=$?
echo "(exit code $rc)"
echo
echo '$ lifeguard top     # stdout is not a terminal: one snapshot'
"$LIFEGUARD" top
