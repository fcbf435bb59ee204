// Pgjdbc.java: pgjdbc (Debian's libpostgresql-jdbc-java) running the
// workload of workload.py (see drivers.t), started with java's source
// launcher: java -cp /usr/share/java/postgresql.jar Pgjdbc.java ...
//   default:    pgjdbc's defaults: prepareThreshold 5 (a statement run 5
//               times is then prepared as S_N; COMMIT and ROLLBACK are
//               named S_N from their first run), and, without
//               assumeMinServerVersion, "SET extra_float_digits = 3" and
//               "SET application_name = ..." after connecting
//   safe:       prepareThreshold=0 (never named) and
//               assumeMinServerVersion=9.0 (both settings go into the
//               startup packet instead of SETs)
//   no-prepare: prepareThreshold=0 alone (the connect-time SETs remain)
//   startup:    assumeMinServerVersion=9.0 alone (named statements remain)
// Workloads: "pooled" (autocommit, as workload.py), "tx" (the same with
// autocommit off: each call is the query then COMMIT, and every third
// call runs a statement that fails, then ROLLBACK).
// Usage: Pgjdbc.java CONNINFO APPLICATION_NAME CONFIG pooled|tx
// (CONNINFO: postgresql://user@host:port/dbname)
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public class Pgjdbc {
	static final int ROUNDS = 8, CALLS = 6;
	static int calls = 0, ok = 0;

	static void record(String client, int round, int i, String result) {
		calls++;
		if (result.equals("ok")) ok++;
		System.out.println("call " + client + " " + round + " " + i + " " + result);
	}

	static String call(Connection c, boolean tx, int a, int b, boolean fail) {
		try {
			int n;
			try (PreparedStatement ps = c.prepareStatement("SELECT ?::int + ?::int AS n")) {
				ps.setInt(1, a);
				ps.setInt(2, b);
				try (ResultSet rs = ps.executeQuery()) { rs.next(); n = rs.getInt(1); }
			}
			if (fail) {
				try (Statement s = c.createStatement()) { s.execute("SELECT 1 / 0"); }
			}
			if (tx) c.commit();
			return n == a + b ? "ok" : "wrong";
		} catch (SQLException e) {
			String state = e.getSQLState();
			if (tx) {
				try { c.rollback(); } catch (SQLException r) { state = state + "/" + r.getSQLState(); }
			}
			// the failing statement's 22012 is the workload's own: a call
			// that failed only there counts as ok
			return fail && "22012".equals(state) ? "ok" : state;
		}
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 4) throw new IllegalArgumentException("usage: Pgjdbc.java CONNINFO APP CONFIG WORKLOAD");
		URI u = new URI(args[0]);
		String url = "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath();
		Properties p = new Properties();
		p.setProperty("user", u.getUserInfo());
		p.setProperty("ApplicationName", args[1]);
		switch (args[2]) {
		case "default": break;
		case "safe": p.setProperty("prepareThreshold", "0"); p.setProperty("assumeMinServerVersion", "9.0"); break;
		case "no-prepare": p.setProperty("prepareThreshold", "0"); break;
		case "startup": p.setProperty("assumeMinServerVersion", "9.0"); break;
		default: throw new IllegalArgumentException("unknown configuration " + args[2]);
		}
		boolean tx;
		switch (args[3]) {
		case "pooled": tx = false; break;
		case "tx": tx = true; break;
		default: throw new IllegalArgumentException("unknown workload " + args[3]);
		}
		Properties hp = new Properties();
		hp.putAll(p);
		hp.setProperty("prepareThreshold", "0");
		hp.setProperty("assumeMinServerVersion", "9.0");
		Connection holder = DriverManager.getConnection(url, hp);
		Connection[] clients = new Connection[2];
		for (int k = 0; k < 2; k++) {
			clients[k] = DriverManager.getConnection(url, p);
			clients[k].setAutoCommit(!tx);
		}
		Statement h = holder.createStatement();
		for (int round = 0; round < ROUNDS; round++) {
			boolean holding = round % 2 == 1;
			if (holding) h.execute("BEGIN; SELECT 1");
			for (int k = 0; k < 2; k++)
				for (int i = 0; i < CALLS; i++)
					record("c" + (k + 1), round, i, call(clients[k], tx, round, i, tx && i % 3 == 2));
			if (holding) h.execute("COMMIT");
		}
		System.out.println("total " + calls + " ok " + ok + " err " + (calls - ok));
	}
}
