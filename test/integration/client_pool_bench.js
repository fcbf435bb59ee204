// client_pool_bench.js: the node-postgres side of test/bench/client_pool.sh.
// A pg Pool with max 8 (the pinned pg 8.23.1), 8 concurrent loops running
// the primary-key SELECT on pgbench_accounts for SECONDS; prints tps=N.
//
//   DATABASE_URL=... node client_pool_bench.js WORKERS SECONDS ROWS
'use strict';
const { Pool } = require('pg');

async function main() {
  const workers = Number(process.argv[2]);
  const seconds = Number(process.argv[3]);
  const rows = Number(process.argv[4]);
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: workers,
    idleTimeoutMillis: 30000,
    connectionTimeoutMillis: 10000,
    application_name: 'bench-node',
  });
  let stop = false;
  let done = 0;
  async function loop() {
    while (!stop) {
      const aid = 1 + Math.floor(Math.random() * rows);
      await pool.query('SELECT abalance FROM pgbench_accounts WHERE aid = $1', [aid]);
      done++;
    }
  }
  const start = process.hrtime.bigint();
  const timer = setTimeout(() => { stop = true; }, seconds * 1000);
  await Promise.all(Array.from({ length: workers }, loop));
  clearTimeout(timer);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  await pool.end();
  process.stdout.write(`queries=${done}\ntps=${Math.round(done / elapsed)}\n`);
}

main().catch((e) => {
  process.stderr.write(`client_pool_bench.js: ${e.message}\n`);
  process.exit(1);
});
