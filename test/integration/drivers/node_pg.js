// node_pg.js: node-postgres (the pinned `pg`) running the workload of
// workload.js.  node-postgres prepares only queries given a name.
//   default: the query is a named query ({ name, text, values }), as
//            node-postgres's documentation shows for prepared statements:
//            parsed once per connection as that name, then only bound
//   safe:    the same query without a name: the unnamed statement
// Usage: node node_pg.js CONNINFO APPLICATION_NAME default|safe pooled
'use strict';
const { Client } = require('pg');
const workload = require('./workload');

workload.main(async () => {
	const { conninfo, app, config } = workload.args('node_pg.js');
	const open = async () => {
		const c = new Client({ connectionString: conninfo, application_name: app });
		await c.connect();
		return c;
	};
	const clients = [['c1', await open()], ['c2', await open()]];
	const holder = await open();
	const name = config === 'default' ? { name: 'lg-sum' } : {};
	const add = async (c, a, b) =>
		(await c.query({ ...name, text: 'SELECT $1::int + $2::int AS n', values: [a, b] })).rows[0].n;
	await workload.pooled(clients,
		() => holder.query('BEGIN; SELECT 1'),
		() => holder.query('COMMIT'),
		add);
	await Promise.all([...clients.map(([, c]) => c.end()), holder.end()]);
});
