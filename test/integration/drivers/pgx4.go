// pgx4.go: pgx v4 (Debian's golang-github-jackc-pgx-v4-dev) running the
// workload of workload.py (see drivers.t).  Built offline against Debian's
// Go sources: GO111MODULE=off GOPATH=/usr/share/gocode go build pgx4.go
//   default: statement_cache_mode prepare (pgx v4's default): every
//            statement is prepared on first use as lrupsc_N_M (N: the
//            cache of this connection, counted per process; M: the
//            statement within it)
//   safe:    statement_cache_mode=describe, what pgx's documentation gives
//            for PgBouncer: the unnamed statement describes the query, and
//            each run is one Parse/Bind/Execute of the unnamed statement
// Usage: pgx4 CONNINFO APPLICATION_NAME default|safe pooled
package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

const rounds, calls = 8, 6

func connect(ctx context.Context, conninfo, app, mode string) *pgx.Conn {
	u, err := url.Parse(conninfo)
	if err != nil {
		fail(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	if mode != "" {
		q.Set("statement_cache_mode", mode)
	}
	u.RawQuery = q.Encode()
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		fail(err)
	}
	return c
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func call(ctx context.Context, c *pgx.Conn, a, b int) string {
	var n int
	err := c.QueryRow(ctx, "SELECT $1::int + $2::int AS n", a, b).Scan(&n)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr):
		return pgErr.Code
	case err != nil:
		return "client-error"
	case n != a+b:
		return "wrong"
	}
	return "ok"
}

func main() {
	if len(os.Args) != 5 || os.Args[4] != "pooled" {
		fail(errors.New("usage: pgx4 CONNINFO APPLICATION_NAME default|safe pooled"))
	}
	conninfo, app, config := os.Args[1], os.Args[2], os.Args[3]
	mode := map[string]string{"default": "", "safe": "describe"}
	m, known := mode[config]
	if !known {
		fail(fmt.Errorf("configuration must be default or safe, not %q", config))
	}
	ctx := context.Background()
	clients := []*pgx.Conn{connect(ctx, conninfo, app, m), connect(ctx, conninfo, app, m)}
	holder := connect(ctx, conninfo, app, "describe")
	total, ok := 0, 0
	for round := 0; round < rounds; round++ {
		holding := round%2 == 1
		if holding {
			if _, err := holder.Exec(ctx, "BEGIN; SELECT 1"); err != nil {
				fail(err)
			}
		}
		for k, c := range clients {
			for i := 0; i < calls; i++ {
				r := call(ctx, c, round, i)
				total++
				if r == "ok" {
					ok++
				}
				fmt.Printf("call c%d %d %d %s\n", k+1, round, i, r)
			}
		}
		if holding {
			if _, err := holder.Exec(ctx, "COMMIT"); err != nil {
				fail(err)
			}
		}
	}
	fmt.Printf("total %d ok %d err %d\n", total, ok, total-ok)
}
