// postgresjs.js: postgres.js (the pinned `postgres`, test/integration/
// package.json) running the workload of workload.js.
//   default: prepare true (postgres.js's default): every query, its own
//            type lookup at connect included, is a named statement; the
//            name is a random base-36 string per connection (reset on
//            reconnect) followed by a decimal counter.  A query whose
//            prepared statement is missing (26000, routine
//            FetchPreparedStatement) is retried once unprepared, so the
//            client may see no error where the server logged one.
//   safe:    prepare: false, what postgres.js's documentation gives for
//            PgBouncer in transaction mode: unnamed statements only
// Usage: node postgresjs.js CONNINFO APPLICATION_NAME default|safe pooled
'use strict';
const postgres = require('postgres');
const workload = require('./workload');

// postgres.js fetches the array types at connect with a query of its own;
// when that fails (a named statement refused), the rejection reaches no
// caller: report it, and let the calls report what they get
process.on('unhandledRejection', (e) => console.error(`connect-time query failed: ${e.code || e.message}`));

workload.main(async () => {
	const { conninfo, app, config } = workload.args('postgresjs.js');
	// one connection per client: max 1 in each instance
	const open = (prepare) => postgres(conninfo, { max: 1, prepare, onnotice: () => {},
		connection: { application_name: app } });
	const prepare = config === 'default';
	const clients = [['c1', open(prepare)], ['c2', open(prepare)]];
	const holder = await open(false).reserve();
	const add = async (sql, a, b) => (await sql`SELECT ${a}::int + ${b}::int AS n`)[0].n;
	await workload.pooled(clients,
		() => holder.unsafe('BEGIN; SELECT 1'),
		() => holder.unsafe('COMMIT'),
		add);
	holder.release();
	await Promise.all(clients.map(([, sql]) => sql.end()));
	process.exit(0);
});
