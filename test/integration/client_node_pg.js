// client_node_pg.js: builds a node-postgres Pool from `lifeguard config
// --format node-pg` (read as JSON from stdin), exactly as an application
// would: new Pool(options).  Runs `concurrency` queries at once, counts on
// the server how many connections the pool opened under its
// application_name, and prints what it saw as JSON.
'use strict';
const { Pool, Client } = require('pg');

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const options = JSON.parse(Buffer.concat(chunks).toString());
  const concurrency = Number(process.argv[2] || 1);
  const pool = new Pool(options);
  const seen = await pool.query(
    "SELECT current_setting('application_name') AS app, inet_server_port() AS port");

  // every connection busy at once: the pool opens at most options.max
  let peak = 0;
  const monitor = new Client({
    host: options.host, port: options.port, user: options.user,
    database: options.database, password: options.password,
    application_name: 'lg-node-monitor',
  });
  await monitor.connect();
  const hold = [];
  for (let i = 0; i < concurrency; i++) {
    hold.push(pool.query('SELECT pg_sleep(0.4)'));
  }
  const deadline = Date.now() + 300;
  while (Date.now() < deadline) {
    const r = await monitor.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [options.application_name]);
    peak = Math.max(peak, r.rows[0].n);
    await new Promise((res) => setTimeout(res, 20));
  }
  await Promise.all(hold);
  await monitor.end();
  const out = {
    application_name: seen.rows[0].app,
    server_port: seen.rows[0].port,
    max: pool.options.max,
    idleTimeoutMillis: pool.options.idleTimeoutMillis,
    connectionTimeoutMillis: pool.options.connectionTimeoutMillis,
    keepAlive: pool.options.keepAlive,
    maxLifetimeSeconds: pool.options.maxLifetimeSeconds,
    server_peak: peak,
    total_count: pool.totalCount,
  };
  await pool.end();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`client_node_pg.js: ${e.message}\n`);
  process.exit(1);
});
