# workload.py: the workload every driver program of test/integration/drivers
# runs, for the Python drivers (psycopg 3, psycopg2; asyncpg has the same
# steps in async form in asyncpg_driver.py).  drivers.t describes the
# workload and what the programs print.
#
# "pooled": two client connections c1 and c2 in the configuration under
# test and a holder connection h.  ROUNDS rounds; in each, c1 then c2 run
# the same parameterised query CALLS times, one autocommit transaction
# each; in every odd round h holds a transaction open meanwhile, so that
# behind a transaction pooler with two server connections the clients'
# transactions run on the other one.  A statement a client prepared on one
# server connection is then executed on another (26000), or prepared again
# where another client's statement of the same name exists (42P05).
#
# Output, one line per call and a total:
#   call CLIENT ROUND I RESULT      RESULT: ok, or the SQLSTATE
#   total CALLS ok OK err ERRORS
import sys

ROUNDS = 8
CALLS = 6
QUERY_TEXT = "SELECT %s::int + %s::int AS n"


def args():
    if len(sys.argv) != 5:
        sys.exit("usage: %s CONNINFO APPLICATION_NAME default|safe WORKLOAD" % sys.argv[0])
    conninfo, app, config, workload = sys.argv[1:]
    if config not in ("default", "safe"):
        sys.exit("configuration must be default or safe, not %r" % config)
    return conninfo, app, config, workload


class Tally:
    def __init__(self):
        self.calls = self.ok = 0

    def record(self, client, rnd, i, result):
        self.calls += 1
        if result == "ok":
            self.ok += 1
        print("call %s %d %d %s" % (client, rnd, i, result), flush=True)

    def finish(self):
        print("total %d ok %d err %d" % (self.calls, self.ok, self.calls - self.ok), flush=True)


def pooled(clients, hold, release, call):
    """clients: [(label, connection)]; hold()/release(): the holder's
    transaction; call(connection, a, b) -> 'ok' or a SQLSTATE."""
    tally = Tally()
    for rnd in range(ROUNDS):
        holding = rnd % 2 == 1
        if holding:
            hold()
        for label, conn in clients:
            for i in range(CALLS):
                tally.record(label, rnd, i, call(conn, rnd, i))
        if holding:
            release()
    tally.finish()
