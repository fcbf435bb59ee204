// audit_node.js: node-postgres (the pinned `pg`) doing what applications do.
//   node audit_node.js named APP     a named query ({ name, text }), twice
//   node audit_node.js unnamed APP   parameterised queries without a name
//   node audit_node.js empty APP     a named query with an empty text; prints
//                                    {"error": message or null, "prepared": N}
//                                    (N: pg_prepared_statements afterwards)
//   node audit_node.js empty-rollback APP  the same in a transaction that
//                                    rolls back, then SELECT 1; same output
//   node audit_node.js steps APP JSON  run the steps of JSON in order, each
//                                    { "name": ..., "text": ..., "values": [...] }
//                                    (a named statement when name is given);
//                                    prints a JSON array, per step "ok" or
//                                    the SQLSTATE (and the hint, when the
//                                    step has "hint": true), then the names
//                                    in pg_prepared_statements
// Connection from the PG* environment variables.
'use strict';
const { Client } = require('pg');

async function main() {
	const [mode, app] = process.argv.slice(2);
	const client = new Client({ application_name: app });
	await client.connect();
	try {
		if (mode === 'named') {
			for (let i = 0; i < 2; i++) {
				const r = await client.query({ name: 'lg-fetch-one', text: 'SELECT $1::int + 1 AS n', values: [i] });
				if (r.rows[0].n !== i + 1) throw new Error('bad result');
			}
		} else if (mode === 'unnamed') {
			for (let i = 0; i < 3; i++) {
				const r = await client.query('SELECT $1::int + 1 AS n', [i]);
				if (r.rows[0].n !== i + 1) throw new Error('bad result');
			}
			await client.query('SELECT 1');
		} else if (mode === 'empty') {
			let error = null;
			try {
				await client.query({ name: 'lg-empty', text: '' });
			} catch (e) {
				error = e.message;
			}
			const r = await client.query('SELECT count(*)::int AS n FROM pg_prepared_statements');
			console.log(JSON.stringify({ error, prepared: r.rows[0].n }));
		} else if (mode === 'empty-rollback') {
			// the same inside a transaction that rolls back, then one more
			// transaction; prints {"error": that one's error, "prepared": N}
			await client.query('BEGIN');
			await client.query({ name: 'lg-empty', text: '' });
			await client.query('ROLLBACK');
			let error = null;
			try {
				await client.query('SELECT 1');
			} catch (e) {
				error = e.message;
			}
			const r = await client.query('SELECT count(*)::int AS n FROM pg_prepared_statements');
			console.log(JSON.stringify({ error, prepared: r.rows[0].n }));
		} else if (mode === 'steps') {
			const results = [];
			for (const step of JSON.parse(process.argv[4])) {
				try {
					await client.query(step);
					results.push('ok');
				} catch (e) {
					results.push((e.code || e.message) + (step.hint && e.hint ? ' ' + e.hint : ''));
				}
			}
			const r = await client.query('SELECT coalesce(string_agg(name, \',\' ORDER BY name), \'\') AS n FROM pg_prepared_statements');
			results.push(r.rows[0].n);
			console.log(JSON.stringify(results));
		} else {
			throw new Error('usage: audit_node.js named|unnamed|empty|empty-rollback|steps APP [JSON]');
		}
	} finally {
		await client.end();
	}
}

main().catch((e) => { console.error(e.message); process.exit(1); });
