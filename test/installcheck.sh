#!/usr/bin/env bash
# test/installcheck.sh: `make installcheck`, the PGXS convention packagers
# and pg_buildext use: after `make install`, the pgTAP suite against the
# running server that the usual PG* variables (PGHOST, PGPORT, PGUSER)
# name.  It starts no cluster of its own.
#
# It creates a scratch database (LG_INSTALLCHECK_DB, default
# lifeguard_installcheck; dropped again on every exit path) with the
# extensions pgtap, dblink and lifeguard, then runs with pg_prove:
#   test/sql/*.sql            when the server preloads lifeguard
#                             (shared_preload_libraries)
#   test/sql_nopreload/*.sql  when it does not
# The role must be a superuser (the tests create roles), and the server
# must accept the tests' dblink connections to 127.0.0.1 on its own port
# from those roles without a password.  pg_prove's flags can be added in
# LG_PROVE_ARGS (test/harness.sh adds -v to count the tests).
set -euo pipefail

LG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB="${LG_INSTALLCHECK_DB:-lifeguard_installcheck}"
read -r -a PROVE_ARGS <<< "${LG_PROVE_ARGS:-}"

q() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

preload="$(q -d postgres -c "SELECT 'lifeguard' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','))")"
if [ "$preload" = t ]; then
	dir=test/sql
	echo "installcheck: the server preloads lifeguard: $dir" >&2
else
	dir=test/sql_nopreload
	echo "installcheck: the server does not preload lifeguard: $dir (add lifeguard to shared_preload_libraries for the full suite)" >&2
fi

cleanup() { q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" -c "CREATE DATABASE \"$DB\"" >/dev/null
q -d "$DB" -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION dblink' -c 'CREATE EXTENSION lifeguard' >/dev/null

PGDATABASE="$DB" pg_prove "${PROVE_ARGS[@]}" --ext .sql "$LG_ROOT/$dir"/*.sql
