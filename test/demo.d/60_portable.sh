#!/usr/bin/env bash
# make demo, screen 6: the portable edition, for a managed server that
# accepts no C extension: `lifeguard install` puts the same SQL API into a
# database over DATABASE_URL, and the same schema works against it.
set -euo pipefail
. "$LG_ROOT/test/demo_lib.sh"

db=lifeguard_demo_portable
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS '"$db"'" >/dev/null 2>&1 || true' EXIT
export DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$db"

screen "Portable edition: the same SQL API where no C extension can be installed"
say "Neon, RDS, Cloud SQL and the like accept pgcrypto, not C extensions. One command installs"
say "the ids, pool visibility, session_pooling_hazards() and txn_info() in SQL and PL/pgSQL:"
echo
printf '%s$ lifeguard install --schema lifeguard%s\n' "$dim" "$off"
"$LG_CLI" install --schema lifeguard
echo
say "A migration written against the extension runs unchanged:"
PGDATABASE=$db psql -X -q -P pager=off -P footer=off -v ON_ERROR_STOP=1 <<'SQL'
\echo '=> CREATE TABLE workshop (id text PRIMARY KEY DEFAULT gen_prefixed_id(''ws''), name text); INSERT ... RETURNING'
SET search_path = public, lifeguard;
CREATE TABLE workshop (id text PRIMARY KEY DEFAULT gen_prefixed_id('ws'), name text);
INSERT INTO workshop (name) VALUES ('Pottery'), ('Weaving') RETURNING id, is_prefixed_id(id, 'ws') AS valid;
SELECT lifeguard_portable_version() AS portable_version;
SQL
echo
say "The pooling audit and enforcement need the server's hooks, so the CLI says so (exit 2):"
printf '%s$ lifeguard audit%s\n' "$dim" "$off"
rc=0; "$LG_CLI" audit || rc=$?
echo "(exit $rc)"
