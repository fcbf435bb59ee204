# asyncpg_driver.py: asyncpg (Debian's python3-asyncpg) running workload.py's
# workload, with plain connections ("pooled") or through asyncpg's own pool
# ("pool": create_pool with two connections; every call acquires one and
# releases it, and the release sends the pool's reset query
# "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;").
#   default: statement_cache_size 100 (asyncpg's default): every statement
#            is prepared as __asyncpg_stmt_N__ (N: a hexadecimal counter of
#            the process) and kept in the connection's cache
#   safe:    statement_cache_size=0, what asyncpg's documentation gives for
#            PgBouncer: unnamed statements only
# Usage: asyncpg_driver.py CONNINFO APPLICATION_NAME default|safe pooled|pool
import asyncio
import asyncpg
import workload

conninfo, app, config, kind = workload.args()
cache = {} if config == "default" else {"statement_cache_size": 0}
QUERY = "SELECT $1::int + $2::int AS n"


def sqlstate(e):
    return getattr(e, "sqlstate", None) or type(e).__name__


async def call(conn, a, b):
    try:
        n = await conn.fetchval(QUERY, a, b)
        return "ok" if n == a + b else "wrong"
    except asyncpg.PostgresError as e:
        return sqlstate(e)


async def pool_call(pool, a, b):
    try:
        async with pool.acquire() as conn:
            n = await conn.fetchval(QUERY, a, b)
        return "ok" if n == a + b else "wrong"
    except asyncpg.PostgresError as e:
        return sqlstate(e)


async def main():
    settings = {"application_name": app}
    holder = await asyncpg.connect(conninfo, server_settings=settings, statement_cache_size=0)
    if kind == "pooled":
        clients = [(label, await asyncpg.connect(conninfo, server_settings=settings, **cache))
                   for label in ("c1", "c2")]
        run = call
    elif kind == "pool":
        pool = await asyncpg.create_pool(conninfo, server_settings=settings, min_size=2,
                                         max_size=2, **cache)
        clients = [("c1", pool), ("c2", pool)]
        run = pool_call
    else:
        raise SystemExit("unknown workload %r" % kind)
    tally = workload.Tally()
    for rnd in range(workload.ROUNDS):
        holding = rnd % 2 == 1
        if holding:
            await holder.execute("BEGIN; SELECT 1")
        for label, conn in clients:
            for i in range(workload.CALLS):
                tally.record(label, rnd, i, await run(conn, rnd, i))
        if holding:
            await holder.execute("COMMIT")
    tally.finish()
    if kind == "pool":
        pool.terminate()


asyncio.run(main())
