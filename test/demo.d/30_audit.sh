#!/usr/bin/env bash
# make demo, screen 3: the transaction-pooling audit.  Two applications
# talk to the same database: "billing" leaves state on its session,
# "catalog" does not.  The audit tells them apart; then enforcement
# refuses billing's hazard with a hint.
set -euo pipefail

b() { printf '\033[1m%s\033[0m\n' "$*"; }
run() { # app sql
	printf '\033[36m[%s]\033[0m %s\n' "$1" "$2"
	PGAPPNAME="$1" psql -X -q -v ON_ERROR_STOP=0 -c "$2" 2>&1 | sed 's/^/    /' || true
}

b "== Transaction-pooling audit: what breaks behind PgBouncer (transaction mode)"
psql -X -q -c 'SELECT pooling_audit_reset()' >/dev/null
echo
b "-- billing: session SET, a named PREPARE, a session advisory lock, a temp table"
run billing "SET search_path = billing, public"
run billing "PREPARE invoice(int) AS SELECT \$1 * 2"
run billing "SELECT pg_advisory_lock(42)"
run billing "CREATE TEMP TABLE scratch (id int)"
echo
b "-- catalog: the safe twins"
run catalog "BEGIN; SET LOCAL search_path = catalog, public; SELECT pg_advisory_xact_lock(42); CREATE TEMP TABLE scratch (id int) ON COMMIT DROP; COMMIT"
run catalog "SELECT set_config('app.tenant', 'acme', true)"
echo
b "-- what the audit saw"
psql -X -c "SELECT application_name, hazard, count, sample FROM pooling_audit
            WHERE application_name IN ('billing', 'catalog') ORDER BY 1, 2"
psql -X -c "SELECT v.app AS application_name, coalesce(sum(a.count), 0) AS hazards,
                   CASE WHEN sum(a.count) > 0 THEN 'breaks under transaction pooling' ELSE 'clean' END AS verdict
              FROM (VALUES ('billing'), ('catalog')) v (app)
              LEFT JOIN pooling_audit a ON a.application_name = v.app
             GROUP BY v.app ORDER BY 1"
psql -X -c "SELECT * FROM pooling_audit_info()"
echo
b "-- which driver, and its fix: the names of prepared statements tell drivers apart"
node "$LG_ROOT/test/integration/audit_node.js" steps orders \
	'[{"name":"_pg3_0","text":"SELECT $1::int","values":[1]},{"name":"S_1","text":"SELECT 2"},{"text":"RESET ALL"},{"text":"SET work_mem TO DEFAULT"}]' >/dev/null
echo "orders (psycopg 3 and pgjdbc statements; then RESET ALL and SET work_mem TO DEFAULT, which go back to the start)"
psql -X -c "SELECT hazard, client, count, hint FROM pooling_audit WHERE application_name = 'orders' ORDER BY client"
echo
b "-- one session's state right now: session_pooling_hazards()"
PGAPPNAME=billing psql -X -q <<'SQL'
\echo SET statement_timeout = '5s'; SELECT pg_advisory_lock(7); DECLARE c CURSOR WITH HOLD FOR SELECT 1;
SET statement_timeout = '5s';
\o /dev/null
SELECT pg_advisory_lock(7);
\o
DECLARE c CURSOR WITH HOLD FOR SELECT 1;
SELECT * FROM session_pooling_hazards();
SQL
echo
b "-- turn enforcement on for the development database, as CI would"
psql -X -q -c "ALTER DATABASE $PGDATABASE SET lifeguard.enforce = 'error'"
echo "ALTER DATABASE $PGDATABASE SET lifeguard.enforce = 'error';"
run billing "SET search_path = billing, public"
run billing "SELECT pg_advisory_lock(42)"
run catalog "BEGIN; SET LOCAL search_path = catalog, public; SELECT pg_advisory_xact_lock(42); COMMIT"
echo
b "-- a hazard no statement names: a column DEFAULT that takes a session lock is refused at commit"
psql -X -q -c "CREATE TABLE lg_demo_jobs (id int, claim text DEFAULT pg_advisory_lock(7)::text)"
run billing "INSERT INTO lg_demo_jobs (id) VALUES (1)"
run billing "SELECT count(*) AS jobs, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS advisory_locks_left FROM lg_demo_jobs"
psql -X -q -c "DROP TABLE lg_demo_jobs"
psql -X -q -c "ALTER DATABASE $PGDATABASE RESET lifeguard.enforce"
echo
b "-- txn_info(): did the driver's transaction run as one?"
psql -X -q -c "BEGIN" -c "SELECT 1" -c "SELECT 2" \
	-c "SELECT backend_pid > 0 AS has_pid, xid, in_transaction_block, statements_in_transaction FROM txn_info()" -c "COMMIT"
