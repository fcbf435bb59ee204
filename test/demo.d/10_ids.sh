#!/usr/bin/env bash
# demo screen 1: prefixed CUID2 ids made in the database
set -euo pipefail
source "$LG_ROOT/test/demo_lib.sh"

screen "Prefixed CUID2 ids, made in the database"
say "The same ids as @paralleldrive/cuid2's createId(), behind a prefix, from a column DEFAULT."
show "CREATE EXTENSION lifeguard;"
show "CREATE TABLE workshop (id text PRIMARY KEY DEFAULT gen_prefixed_id('ws'), name text NOT NULL);"
show "INSERT INTO workshop (name) VALUES ('Pottery'), ('Welding'), ('Bookbinding') RETURNING id, name;"
show "SELECT id, is_prefixed_id(id, 'ws') AS valid, prefixed_id_prefix(id) AS prefix, length(id) FROM workshop;"
show "SELECT gen_cuid2() AS cuid2, gen_cuid2(10) AS short, gen_prefixed_id('ses', 32) AS long_session_id;"
show "SELECT is_cuid2('not a cuid') AS garbage, is_prefixed_id('ws_a1b2', 'wm') AS wrong_prefix, prefixed_id_prefix('nope') AS no_prefix;"
say "A bad prefix is an error with SQLSTATE 22023 and the rule in the detail:"
show_err "SELECT gen_prefixed_id('Workshop');"
say "For a table of hundreds of millions of rows, the prefixed_id type keeps the same text form in 20 bytes:"
show "CREATE TABLE booking (id prefixed_id PRIMARY KEY DEFAULT gen_prefixed_id('bk'), seat int);"
show "INSERT INTO booking (seat) SELECT g FROM generate_series(1, 3) g RETURNING id, pg_column_size(id) AS bytes, pg_column_size(id::text) AS as_text;"
show "SELECT id FROM booking ORDER BY id LIMIT 1;"
show_err "INSERT INTO booking (id) VALUES ('bk_NotAnId');"
