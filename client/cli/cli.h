/*-------------------------------------------------------------------------
 *
 * cli.h
 *	  The lifeguard command-line tool: the command table and helpers shared
 *	  by the command files (cmd_*.c).  Each command lives in its own file
 *	  and is one line in the table of main.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_CLI_H
#define LG_CLI_H

#include "lifeguard.h"
#include "lg_clock.h"
#include "quote.h"

/* Exit codes (docs/cli.md). */
#define EXIT_OK			0
#define EXIT_CHECK		1		/* a check failed */
#define EXIT_USAGE		2		/* bad usage or configuration */
#define EXIT_CONNECT	3		/* cannot connect */

/*
 * A command gets its own argv (argv[0] is the command name) and returns
 * the process exit code.
 */
typedef int (*cli_command_fn) (int argc, char **argv);

typedef struct cli_command
{
	const char *name;
	cli_command_fn run;
	const char *synopsis;		/* the usage line, after "lifeguard " */
	const char *summary;		/* one line for the command list */
} cli_command;

extern int	cmd_config(int argc, char **argv);
extern int	cmd_id(int argc, char **argv);
extern int	cmd_health(int argc, char **argv);
extern int	cmd_audit(int argc, char **argv);
extern int	cmd_top(int argc, char **argv);
extern int	cmd_metrics(int argc, char **argv);
extern int	cmd_install(int argc, char **argv);

/* cmd_install: the portable edition's script, embedded at build time */
extern const char cli_portable_version[];
extern const char cli_portable_sql[];

/* "lifeguard CMD: message" on stderr, one line. */
extern void cli_error(const char *cmd, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* The exit code for a library status. */
extern int	cli_exit_code(lg_status st);

/*
 * Report getopt_long's '?' or ':' for command cmd (one line on stderr);
 * returns EXIT_USAGE.
 */
extern int	cli_bad_option(const char *cmd, int c, int argc, char **argv);

/*
 * After getopt: refuse a leftover argument of a command that takes none
 * (one line on stderr); returns EXIT_OK or EXIT_USAGE.
 */
extern int	cli_no_arguments(const char *cmd, int argc, char **argv);

/* A monotonic clock in milliseconds, for latencies (common/lg_clock.h). */
#define cli_now_ms()	(lg_clock_us(CLOCK_MONOTONIC) / 1000.0)

/*
 * User input s for a message: at most LG_QUOTE_MAX bytes of it (whole
 * UTF-8 characters), then "..." when cut; buf has LG_QUOTE_BUFSIZE bytes.
 */
extern const char *cli_quote(char *buf, const char *s);

/* Strict decimal integer in [min, max] for option opt; false after error. */
extern bool cli_parse_int(const char *cmd, const char *opt, const char *value,
						  int min, int max, int *out);

/* ------------------------------------------------------------------------
 * cli_db.c: the database side of health, audit, top and metrics
 * ------------------------------------------------------------------------
 */

typedef struct cli_db
{
	const char *cmd;			/* for messages */
	lg_config  *config;			/* the resolved configuration */
	lg_pool    *pool;			/* a pool of the configuration; one connection used */
	lg_conn    *conn;
	char	   *url;			/* the connection string, password redacted */
	double		connect_ms;		/* time taken by the first acquire */
	char	   *schema;			/* quote_ident() of lifeguard's schema; NULL: not installed */
	char		schema_name[64];	/* the same, unquoted */
	char	   *ext_version;	/* installed version of lifeguard */
	const char *edition;		/* "extension" or "portable" (NULL: not installed) */
} cli_db;

/*
 * Resolve the configuration and connect.  Returns EXIT_OK, or prints one
 * line ("lifeguard CMD: could not connect to URL: reason", no password)
 * and returns EXIT_USAGE (configuration) or EXIT_CONNECT.
 */
extern int	cli_db_open(const char *cmd, cli_db *db);
extern void cli_db_close(cli_db *db);

/* cli_error with every occurrence of the URL's password replaced */
extern void cli_db_error(cli_db *db, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* the message cli_db_error printed last ("" when none) */
extern const char *cli_db_last_error(void);

/* lg_conn_query; NULL and *err filled on failure */
extern PGresult *cli_db_query(cli_db *db, const char *sql, int nparams,
							  const char *const *params, lg_error *err);

/* Report a failed query ("WHAT failed: message"); returns the exit code. */
extern int	cli_db_query_failed(cli_db *db, const char *what,
								const lg_error *err);

/* fmt with each %s replaced by the quoted schema (malloc'd; at most 4) */
extern char *cli_db_sql(cli_db *db, const char *fmt);

/* Fill schema/ext_version when lifeguard is installed; returns exit code. */
extern int	cli_db_find_extension(cli_db *db);
/* The same, and a one-line error and EXIT_USAGE when it is not installed. */
extern int	cli_db_require_extension(cli_db *db);

/* 1 preloaded, 0 not, -1 cannot tell (after cli_db_find_extension) */
extern int	cli_db_preloaded(cli_db *db);
/* whether a shared_preload_libraries value names lifeguard */
extern bool cli_preload_list_has_lifeguard(const char *list);

/* One application pool: pool_usage summed over client addresses. */
typedef struct cli_pool_row
{
	char		database[64];
	char		role[64];
	char		application_name[64];
	int			connections;
	int			running;		/* active and not waiting on a lock */
	int			waiting;		/* active and waiting on a lock */
	int			idle;
	int			idle_in_transaction;
	int			idle_in_transaction_aborted;
	int			other;			/* starting, or state not visible to us */
	bool		visible;		/* states visible (else only connections) */
} cli_pool_row;

typedef struct cli_headroom
{
	int			max_connections;
	int			superuser_reserved_connections;
	int			reserved_connections;
	bool		reserved_known; /* NULL before PG 16 */
	int			in_use;
	int			available;
	double		utilization;	/* percent */
} cli_headroom;

/*
 * pool_headroom() into *headroom.  Returns false (and fills err) when the
 * query failed.
 */
extern bool cli_headroom_read(cli_db *db, cli_headroom *headroom,
							  lg_error *err);

/*
 * The application pools (largest first, without this command's own
 * connection) and, when headroom is not NULL, pool_headroom().  *rows is
 * malloc'd.  Returns an exit code (after printing the error).
 */
extern int	cli_pool_snapshot(cli_db *db, cli_pool_row **rows, int *nrows,
							  cli_headroom *headroom);

#endif							/* LG_CLI_H */
