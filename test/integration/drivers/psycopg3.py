# psycopg3.py: psycopg 3 (Debian's python3-psycopg) running workload.py's
# workload.
#   default: prepare_threshold 5 (psycopg's default): a query run 5 times
#            is prepared as _pg3_N on its 6th run
#   safe:    prepare_threshold=None, what psycopg's documentation gives for
#            PgBouncer in transaction mode: never prepares
# Usage: psycopg3.py CONNINFO APPLICATION_NAME default|safe pooled
import psycopg
import workload

conninfo, app, config, kind = workload.args()
threshold = {} if config == "default" else {"prepare_threshold": None}


def connect(**extra):
    return psycopg.connect(conninfo, application_name=app, autocommit=True, **extra)


def call(conn, a, b):
    try:
        n = conn.execute(workload.QUERY_TEXT, (a, b)).fetchone()[0]
        return "ok" if n == a + b else "wrong"
    except psycopg.Error as e:
        return e.sqlstate or type(e).__name__


if kind != "pooled":
    raise SystemExit("unknown workload %r" % kind)
clients = [("c1", connect(**threshold)), ("c2", connect(**threshold))]
holder = connect(prepare_threshold=None)
workload.pooled(clients,
                lambda: holder.execute("BEGIN; SELECT 1") and None,
                lambda: holder.execute("COMMIT") and None,
                call)
