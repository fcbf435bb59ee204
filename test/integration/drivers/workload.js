// workload.js: workload.py's workload for the node drivers (postgres.js,
// node-postgres); drivers.t describes it and what the programs print.
'use strict';

const ROUNDS = 8;
const CALLS = 6;

function args(script) {
	const a = process.argv.slice(2);
	if (a.length !== 4 || !['default', 'safe'].includes(a[2]) || a[3] !== 'pooled') {
		console.error(`usage: ${script} CONNINFO APPLICATION_NAME default|safe pooled`);
		process.exit(2);
	}
	return { conninfo: a[0], app: a[1], config: a[2] };
}

// what one call came to: 'ok' when sum(a, b) gave a + b, 'wrong' when
// something else, else the error's SQLSTATE ('client-error' without one)
async function outcome(sum, a, b) {
	try {
		return (await sum()) === a + b ? 'ok' : 'wrong';
	} catch (e) {
		return e.code || 'client-error';
	}
}

// clients: [[label, connection]]; hold()/release(): the holder's
// transaction; add(connection, a, b) -> the server's a + b, as the driver
// returns it
async function pooled(clients, hold, release, add) {
	let calls = 0;
	let ok = 0;
	for (let round = 0; round < ROUNDS; round++) {
		const holding = round % 2 === 1;
		if (holding) await hold();
		for (const [label, conn] of clients) {
			for (let i = 0; i < CALLS; i++) {
				const r = await outcome(() => add(conn, round, i), round, i);
				calls++;
				if (r === 'ok') ok++;
				console.log(`call ${label} ${round} ${i} ${r}`);
			}
		}
		if (holding) await release();
	}
	console.log(`total ${calls} ok ${ok} err ${calls - ok}`);
}

function main(run) {
	run().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
}

module.exports = { args, pooled, main };
