# psycopg2_driver.py: psycopg2 (Debian's python3-psycopg2) running
# workload.py's workload.  psycopg2 merges the parameters into the query
# text on the client and sends every statement as a simple query, so it
# never prepares anything: its default configuration is already the safe
# one, and "safe" runs the same configuration.  As by default, autocommit is
# off: psycopg2 sends BEGIN before the first statement, and the program
# commits after each call.
# Usage: psycopg2_driver.py CONNINFO APPLICATION_NAME default|safe pooled
import psycopg2
import workload

conninfo, app, config, kind = workload.args()


def call(conn, a, b):
    try:
        with conn.cursor() as cur:
            cur.execute(workload.QUERY_TEXT, (a, b))
            n = cur.fetchone()[0]
        conn.commit()
        return "ok" if n == a + b else "wrong"
    except psycopg2.Error as e:
        conn.rollback()
        return e.pgcode or type(e).__name__


if kind != "pooled":
    raise SystemExit("unknown workload %r" % kind)
clients = [(label, psycopg2.connect(conninfo, application_name=app)) for label in ("c1", "c2")]
holder = psycopg2.connect(conninfo, application_name=app)
hcur = holder.cursor()
workload.pooled(clients, lambda: hcur.execute("SELECT 1"), holder.commit, call)
