/*-------------------------------------------------------------------------
 *
 * cmd_metrics.c
 *	  lifeguard metrics: the Prometheus exposition of cli_metrics.c, printed
 *	  once (for a node_exporter textfile collector or any scraper that runs
 *	  commands), or, with --listen HOST:PORT, served at /metrics over HTTP
 *	  (cli_http.c) until SIGINT or SIGTERM.
 *
 * Printed once, the output is built completely before it is written, so a
 * failure never leaves half a file: nothing goes to stdout and the exit
 * code says why.  What the server cannot give (no connection statistics
 * on the portable edition, without preloading, on a 0.2.0 extension) is
 * said once on stderr, and by lifeguard_stats_available 0.
 *
 * Served, the exporter keeps one connection to the server, opened at
 * start and reopened when lost: a scrape that finds it broken connects
 * again and scrapes once more; a scrape that cannot connect, or finds no
 * lifeguard, answers 503 with the reason, one line.  Problems are logged
 * on stderr when they begin and when they end, not at every scrape.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ------------------------------------------------------------------------
 * once
 * ------------------------------------------------------------------------
 */

static int
print_once(const cli_args *args, cli_db *db)
{
	cli_metrics st;
	lg_strbuf	b;
	int			rc;

	cli_metrics_init(&st, cli_number(args, METRICS_MAX_APPLICATIONS), false);
	lg_strbuf_init(&b);
	rc = cli_metrics_exposition(db, &st, &b);
	if (rc == EXIT_OK && b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	lg_strbuf_free(&b);
	if (rc == EXIT_OK && fflush(stdout) != 0)
	{
		cli_error("could not write the metrics to standard output");
		rc = EXIT_CHECK;
	}
	if (rc == EXIT_OK && st.notice[0])
		cli_error("%s", st.notice);
	cli_metrics_free(&st);
	return rc;
}

/* ------------------------------------------------------------------------
 * served
 * ------------------------------------------------------------------------
 */

typedef struct exporter
{
	cli_db		db;
	cli_metrics st;
	char		problem[sizeof(((cli_db *) 0)->last_error)];	/* logged last; "" none */
	char		notice[sizeof(((cli_metrics *) 0)->notice)];	/* logged last */
} exporter;

/* lifeguard found in the connected database, and its exposition */
static int
exposition(exporter *e, lg_strbuf *body)
{
	int			rc = cli_db_require_extension(&e->db);

	lg_strbuf_free(body);		/* what a first attempt left */
	return rc == EXIT_OK ? cli_metrics_exposition(&e->db, &e->st, body) : rc;
}

static void
scrape(void *arg, unsigned int *status, lg_strbuf *body)
{
	exporter   *e = arg;
	bool		fresh = false;
	int			rc = EXIT_OK;

	e->db.last_error[0] = '\0';
	if (e->db.conn == NULL)
	{
		rc = cli_db_connect(&e->db);
		fresh = true;
	}
	if (rc == EXIT_OK)
		rc = exposition(e, body);
	/* the connection kept was lost (a restart, a terminate): once more */
	if (rc == EXIT_CONNECT && !fresh && (rc = cli_db_connect(&e->db)) == EXIT_OK)
		rc = exposition(e, body);

	if (rc == EXIT_OK)
	{
		*status = 200;
		if (e->problem[0])
			cli_error("metrics served again (%s)", e->db.url);
		e->problem[0] = '\0';
		if (strcmp(e->notice, e->st.notice) != 0 && e->st.notice[0])
			cli_error("%s", e->st.notice);
		snprintf(e->notice, sizeof(e->notice), "%s", e->st.notice);
		return;
	}
	*status = 503;
	if (e->db.last_error[0] == '\0')
		snprintf(e->db.last_error, sizeof(e->db.last_error),
				 "the metrics could not be made (see the exporter's log)");
	lg_strbuf_free(body);
	lg_strbuf_printf(body, "%s\n", e->db.last_error);
	if (strcmp(e->problem, e->db.last_error) != 0)
	{
		cli_error("%s (scrapes answer 503 until it is solved)", e->db.last_error);
		snprintf(e->problem, sizeof(e->problem), "%s", e->db.last_error);
	}
}

static int
serve(const cli_args *args)
{
	exporter	e;
	int			rc;

	memset(&e, 0, sizeof(e));
	if ((rc = cli_db_init(&e.db)) != EXIT_OK)
	{
		cli_db_close(&e.db);
		return rc;
	}
	/* from now on the scrapes report what goes wrong, once */
	e.db.quiet = true;
	cli_metrics_init(&e.st, cli_number(args, METRICS_MAX_APPLICATIONS), true);
	if (cli_db_connect(&e.db) != EXIT_OK)
	{
		cli_error("%s (scrapes answer 503 until it is solved)", e.db.last_error);
		snprintf(e.problem, sizeof(e.problem), "%s", e.db.last_error);
	}
	rc = cli_http_serve(cli_text(args, METRICS_LISTEN), "/metrics", CONTENT_TYPE, scrape, &e);
	cli_metrics_free(&e.st);
	cli_db_close(&e.db);
	return rc;
}

int
cmd_metrics(const cli_args *args, cli_db *db)
{
	return cli_given(args, METRICS_LISTEN) ? serve(args) : print_once(args, db);
}
