#!/usr/bin/env bash
# 40_client.sh: the client shim.  `lifeguard config` turns DATABASE_URL and
# a few variables into a driver mode and pool settings, refuses bad values,
# and hands node-postgres a ready Pool configuration; `lifeguard id` makes
# the same ids as gen_prefixed_id.
set -euo pipefail
LG="${LG_CLI:-$LG_ROOT/client/lifeguard}"
LOCAL="postgresql://$PGUSER@$PGHOST:$PGPORT/$PGDATABASE"

show() { # env assignments... -- command...
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	printf '\n$ %slifeguard %s\n' "${envs[*]:+${envs[*]} }" "$*"
	env -u DATABASE_URL -u DIRECT_URL -u APP_ENV -u NODE_ENV "${envs[@]}" "$LG" "$@" || printf '(exit %d)\n' "$?"
}

printf '\n\033[1m== The client shim: one resolution of DATABASE_URL for every runtime\033[0m\n'

show "DATABASE_URL=$LOCAL" APP_NAME=shop -- config
show DATABASE_URL='postgresql://shop:s3cret@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb' \
	APP_ENV=production APP_NAME=shop -- config --format json
show DATABASE_URL='postgresql://shop:s3cret@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb' \
	APP_ENV=production -- config --direct --format conninfo
show DATABASE_URL='postgresql://shop:s3cret@bouncer.internal:6432/shop' APP_ENV=staging -- config --format env

printf '\n\033[1m== Bad values are errors, never silent defaults (node-postgres would turn max 0 into 10)\033[0m\n'
show "DATABASE_URL=$LOCAL" DATABASE_POOL_MAX=0 -- config
show DATABASE_URL='postgresql://shop:s3cret@ep-x.us-east-2.aws.neon.tech/neondb?sslmode=disable' -- config
show APP_ENV=prod "DATABASE_URL=$LOCAL" -- config

printf '\n\033[1m== node-postgres: new Pool(JSON.parse(lifeguard config --format node-pg))\033[0m\n'
show "DATABASE_URL=$LOCAL" APP_NAME=shop APP_ENV=staging DATABASE_POOL_MAX=6 -- config --format node-pg
printf '\n$ node -e "new Pool(options).query(\\"SELECT current_setting(\x27application_name\x27)\\")"\n'
env -u DATABASE_URL DATABASE_URL="$LOCAL" APP_NAME=shop APP_ENV=staging DATABASE_POOL_MAX=6 \
	"$LG" config --format node-pg |
	(cd "$LG_ROOT/test/integration" && node -e '
		const { Pool } = require("pg");
		let s = ""; process.stdin.on("data", (d) => s += d).on("end", async () => {
			const pool = new Pool(JSON.parse(s));
			const r = await pool.query("SELECT current_setting($1) AS application_name", ["application_name"]);
			console.log(`server sees application_name = ${r.rows[0].application_name}; pool.options.max = ${pool.options.max}`);
			await pool.end();
		});')

printf '\n\033[1m== Prefixed CUID2 ids, client-side and in SQL\033[0m\n'
show -- id ws -n 3
show -- id Ws
printf '\n$ psql -c "SELECT is_prefixed_id(<the id above>, %s)"\n' "'ws'"
id="$("$LG" id ws)"
psql -X -A -t -c "SELECT '$id' AS id, is_prefixed_id('$id', 'ws') AS valid"
