/*-------------------------------------------------------------------------
 *
 * cli.h
 *	  The lifeguard command-line tool.  Its files form layers, each calling
 *	  only those below it:
 *
 *	  main.c		the table of commands and their options, and the
 *					dispatcher that parses a command line by it, opens
 *					and closes the database for the commands that need
 *					one, and runs the command
 *	  cmd_NAME.c	the commands, one file each
 *	  cli_metrics.c	the Prometheus exposition of `lifeguard metrics`
 *	  cli_http.c	the one-thread HTTP server of `metrics --listen`
 *					(libmicrohttpd); it knows nothing of what it serves
 *	  cli_stats.c	pool_stats read for top, health and metrics, and
 *					why it cannot be read where it cannot
 *	  cli_db.c		the database side the commands share
 *	  cli_args.c	a command line parsed by the command's row: typed
 *					values, one validation, one message style
 *	  cli_help.c	the usage lines and the help made from the table
 *	  cli_util.c	one-line errors, bounded quoting, exit codes
 *
 *	  The CLI sees the library only through lifeguard.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_CLI_H
#define LG_CLI_H

#include <stdio.h>

#include "lifeguard.h"
#include "lg_clock.h"
#include "quote.h"
#include "strbuf.h"

/* Exit codes (docs/cli.md). */
#define EXIT_OK			0
#define EXIT_CHECK		1		/* a check failed */
#define EXIT_USAGE		2		/* bad usage or configuration */
#define EXIT_CONNECT	3		/* cannot connect */

/* ------------------------------------------------------------------------
 * the table (main.c)
 * ------------------------------------------------------------------------
 */

/* The options of each command, named by their row of the table. */
enum
{
	CONFIG_FORMAT, CONFIG_DIRECT, CONFIG_SHOW_PASSWORD, CONFIG_LIST_VARIABLES
};
enum
{
	FORMAT_TEXT, FORMAT_JSON, FORMAT_ENV, FORMAT_CONNINFO, FORMAT_NODE_PG
};								/* the values of config --format */
enum
{
	ID_COUNT, ID_LENGTH
};
enum
{
	HEALTH_JSON, HEALTH_INSTANCES, HEALTH_WATCH, HEALTH_COUNT
};
enum
{
	AUDIT_JSON, AUDIT_FAIL_ON_HAZARDS
};
enum
{
	TOP_INTERVAL
};
enum
{
	METRICS_MAX_APPLICATIONS, METRICS_LISTEN
};
enum
{
	INSTALL_SCHEMA
};

#define CLI_MAX_OPTIONS 8

typedef enum cli_kind
{
	CLI_FLAG,					/* --name */
	CLI_INT,					/* --name N: a strict decimal integer in [min, max] */
	CLI_CHOICE,					/* --name a|b|c: the index of the value given */
	CLI_TEXT,					/* --name TEXT: of min to max bytes */
	CLI_ADDRESS					/* --name HOST:PORT: cli_address_parse's forms */
} cli_kind;

typedef struct cli_option
{
	const char *name;			/* the long name, without "--"; NULL: no row */
	char		letter;			/* a short name, or 0 */
	cli_kind	kind;
	const char *value_name;		/* "N", "SECONDS", "NAME", "FORMAT" */
	int			min;			/* CLI_INT: bounds; CLI_TEXT: of its length */
	int			max;
	int			def;			/* CLI_INT: the default (when in bounds); CLI_CHOICE: its index */
	const char *def_text;		/* CLI_TEXT: the default */
	const char *const *choices; /* CLI_CHOICE: the values, NULL-terminated */
	bool		alone;			/* a usage line of its own ("config --list-variables") */
	const char *help;			/* for the command's help; bounds and default are added */
} cli_option;

/* What a command needs before it runs. */
typedef enum cli_needs
{
	CLI_NEEDS_NOTHING,
	CLI_NEEDS_DB,				/* a connection (cli_db_open) */
	CLI_NEEDS_EXTENSION			/* and lifeguard installed in its database */
} cli_needs;

typedef struct cli_args cli_args;
typedef struct cli_db cli_db;

/*
 * A command: its parsed command line, and the open database when it needs
 * one (else NULL).  Returns the process exit code.
 */
typedef int (*cli_run_fn) (const cli_args *args, cli_db *db);

typedef struct cli_command
{
	const char *name;
	cli_run_fn	run;
	const char *summary;		/* one line, for `lifeguard --help` */
	const char *arg_name;		/* the one positional argument ("PREFIX"), or NULL */
	cli_option	options[CLI_MAX_OPTIONS];
	cli_needs	needs;

	/*
	 * Run again every `every` seconds (an option), `times` times at most
	 * (an option, which needs the first), until interrupted, when
	 * `repeats`; a new connection each time.
	 */
	bool		repeats;
	int			every;
	int			times;

	/* when it cannot connect, run anyway, with db->conn NULL (a report) */
	bool		reports_unreachable;

	/*
	 * When the option `serve` is given (and `serves`), the command runs with
	 * db NULL whatever `needs` says: it is a server that opens, and reopens,
	 * its own connection.
	 */
	bool		serves;
	int			serve;

	const char *description;	/* the help's text, as printed */
	void		(*more_help) (FILE *out);	/* a section after the options */
	const char *exit_codes;		/* the help's last line */
} cli_command;

/* the commands (cmd_NAME.c) */
extern int	cmd_config(const cli_args *args, cli_db *db);
extern int	cmd_id(const cli_args *args, cli_db *db);
extern int	cmd_health(const cli_args *args, cli_db *db);
extern int	cmd_audit(const cli_args *args, cli_db *db);
extern int	cmd_top(const cli_args *args, cli_db *db);
extern int	cmd_metrics(const cli_args *args, cli_db *db);
extern int	cmd_install(const cli_args *args, cli_db *db);

/* config --help: the environment variables */
extern void cmd_config_help_environment(FILE *out);

/* cmd_install: the portable edition's script, embedded at build time */
extern const char cli_portable_sql[];

/* ------------------------------------------------------------------------
 * cli_args.c: a command line parsed by its command's row
 * ------------------------------------------------------------------------
 */

typedef struct cli_value
{
	bool		given;
	int			number;			/* CLI_INT: the value; CLI_CHOICE: its index */
	const char *text;			/* CLI_TEXT: the value */
} cli_value;

struct cli_args
{
	const cli_command *command;
	cli_value	values[CLI_MAX_OPTIONS];	/* by option row; defaults where not given */
	const char *arg;			/* the positional argument */
	int			run;			/* 1, then 2, 3, ... when the command repeats */
};

/*
 * Parse argv (argv[0] is the command's name) by the command's row into
 * *args.  Returns EXIT_OK; or EXIT_USAGE after one line on stderr; or
 * CLI_HELP_SHOWN after -h or --help printed the command's help.
 */
#define CLI_HELP_SHOWN (-1)
extern int	cli_args_parse(const cli_command *cmd, int argc, char **argv,
						   cli_args *args);

/* A parsed option: given, its number (integer, choice's index), its text. */
extern bool cli_given(const cli_args *args, int option);
extern int	cli_number(const cli_args *args, int option);
extern const char *cli_text(const cli_args *args, int option);

/* ------------------------------------------------------------------------
 * cli_help.c: usage lines and help, made from the table
 * ------------------------------------------------------------------------
 */

/* The i-th usage line of a command ("config [--format ...] ..."); false past the last. */
extern bool cli_usage_line(const cli_command *cmd, int i, char *buf, size_t size);
extern void cli_help_command(const cli_command *cmd, FILE *out);
extern void cli_help_all(const cli_command *commands, int ncommands, FILE *out);
/* every usage line, "lifeguard ..." each (lifeguard --list-commands) */
extern void cli_list_commands(const cli_command *commands, int ncommands);

/* ------------------------------------------------------------------------
 * cli_util.c: messages, quoting, exit codes
 * ------------------------------------------------------------------------
 */

/* The command errors are reported for ("lifeguard NAME: ..."); NULL: none. */
extern void cli_set_command(const char *name);

/* "lifeguard CMD: message" on stderr, one line. */
extern void cli_error(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));

/* The exit code for a library status. */
extern int	cli_exit_code(lg_status st);

/*
 * An address to listen on: HOST:PORT (a name or an IPv4 address),
 * [IPV6]:PORT, or :PORT (every address of the machine), with a port from 1
 * to 65535.  The host (without brackets; "" for every address) into host
 * (size bytes), the port into *port; false and *why (a phrase) when s is
 * not one of those.
 */
extern bool cli_address_parse(const char *s, char *host, size_t size, int *port,
							  const char **why);
#define CLI_ADDRESS_EXPECTED "HOST:PORT, [IPV6]:PORT or :PORT with a port from 1 to 65535"

/* A monotonic clock in milliseconds, for latencies (common/lg_clock.h). */
#define cli_now_ms()	(lg_clock_us(CLOCK_MONOTONIC) / 1000.0)

/*
 * User input s for a message: at most LG_QUOTE_MAX bytes of it (whole
 * UTF-8 characters), then "..." when cut; buf has LG_QUOTE_BUFSIZE bytes.
 */
extern const char *cli_quote(char *buf, const char *s);

/* ------------------------------------------------------------------------
 * cli_db.c: the database side of health, audit, top, metrics and install
 * ------------------------------------------------------------------------
 */

struct cli_db
{
	lg_config  *config;			/* the resolved configuration */
	lg_pool    *pool;			/* a pool of the configuration; one connection used */
	lg_conn    *conn;			/* NULL: could not connect */
	char	   *url;			/* the connection string, password redacted */
	double		connect_ms;		/* time taken by the first acquire */
	char	   *schema;			/* quote_ident() of lifeguard's schema; NULL: not installed */
	char		schema_name[64];	/* the same, unquoted */
	char	   *ext_version;	/* installed version of lifeguard */
	const char *edition;		/* "extension" or "portable" (NULL: not installed) */
	char		last_error[1024];	/* what cli_db_error printed last */
	bool		quiet;			/* cli_db_error keeps its message in last_error only */
};

/*
 * Resolve the configuration and connect.  Returns EXIT_OK, or prints one
 * line ("lifeguard CMD: could not connect to URL: reason", no password)
 * and returns EXIT_USAGE (configuration) or EXIT_CONNECT (then config and
 * url are set).  cli_db_close afterwards in every case.
 */
extern int	cli_db_open(cli_db *db);
/*
 * The two halves of cli_db_open: resolve the configuration and make the
 * pool (EXIT_OK, or the error printed and its exit code), then connect,
 * giving back the connection held first, if any (which the pool discards
 * when it is broken), so that a server that went away is reconnected to.
 */
extern int	cli_db_init(cli_db *db);
extern int	cli_db_connect(cli_db *db);
extern void cli_db_close(cli_db *db);

/* cli_error with every secret of the configuration replaced (kept in
 * last_error; not printed when quiet) */
extern void cli_db_error(cli_db *db, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/*
 * Names as UTF-8, which JSON and Prometheus want: client_encoding UTF8,
 * except in a SQL_ASCII database, which refuses to convert; there the
 * bytes come as stored.  EXIT_OK, or EXIT_CONNECT after the error.
 */
extern int	cli_db_client_utf8(cli_db *db);

/* lg_conn_query; NULL and *err filled on failure */
extern PGresult *cli_db_query(cli_db *db, const char *sql, int nparams,
							  const char *const *params, lg_error *err);

/*
 * A script of one or more statements without parameters (the simple query
 * protocol); false and *err filled as by cli_db_query on failure, the
 * message being the server's and, in parentheses, its hint.
 */
extern bool cli_db_exec(cli_db *db, const char *sql, lg_error *err);

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
	double		longest_idle_in_transaction;	/* seconds, of the visible ones; -1: none */
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

/* ------------------------------------------------------------------------
 * cli_metrics.c: the Prometheus exposition
 * ------------------------------------------------------------------------
 */

typedef struct cli_metrics
{
	int			max_applications;	/* application label values besides "other" */
	bool		keep;			/* applications keep their names until a reset */
	char	  **kept;			/* the applications with names of their own, sorted */
	int			nkept;
	double		kept_since;		/* pool_stats_info().since they were chosen at */
	char		notice[512];	/* why there are no connection statistics; "" when read */
} cli_metrics;

extern void cli_metrics_init(cli_metrics *st, int max_applications, bool keep);
extern void cli_metrics_free(cli_metrics *st);

/*
 * The exposition of the database db has open and found lifeguard in,
 * appended to b; EXIT_OK, or the exit code after the error.
 */
extern int	cli_metrics_exposition(cli_db *db, cli_metrics *st, lg_strbuf *b);

/* ------------------------------------------------------------------------
 * cli_http.c: a one-thread HTTP server (libmicrohttpd)
 * ------------------------------------------------------------------------
 */

/* the answer to a GET of the served path: an HTTP status and its body */
typedef void (*cli_http_handler) (void *arg, unsigned int *status, lg_strbuf *body);

/*
 * Serve GET and HEAD of path on address (cli_address_parse's forms) until
 * SIGINT or SIGTERM, one request at a time in this thread: handler makes
 * each answer (of content_type); any other path is 404, any other method
 * 405.  Says on stderr where it listens.  EXIT_OK once stopped by a
 * signal; else, after one line on stderr, EXIT_USAGE (a host that does
 * not resolve) or EXIT_CHECK (cannot listen: the port in use, no
 * permission, ...).
 */
extern int	cli_http_serve(const char *address, const char *path, const char *content_type,
						   cli_http_handler handler, void *arg);

/* ------------------------------------------------------------------------
 * cli_stats.c: pool_stats for top, health and metrics
 * ------------------------------------------------------------------------
 */

/* the causes of pool_stats' ended_*, refused_* and errors_* columns */
#define CLI_ENDED_NUM	7
#define CLI_REFUSED_NUM	6
#define CLI_ERRORS_NUM	3
/* the first four refusal causes are for want of a connection slot */
#define CLI_REFUSED_SLOTS 4
extern const char *const cli_stats_ended[CLI_ENDED_NUM];
extern const char *const cli_stats_refused[CLI_REFUSED_NUM];
extern const char *const cli_stats_errors[CLI_ERRORS_NUM];

/* pool_stats_info(), or why there are no statistics here */
typedef struct cli_stats_info
{
	bool		available;
	char		unavailable[512];	/* when not available: what they need, one sentence */
	int			entries;
	int			max_entries;
	long long	overflowed;
	double		since;			/* seconds since the epoch */
	int			connections;
	int			peak_connections;
	double		peak_at;		/* seconds since the epoch; NAN when none */
} cli_stats_info;

/* one row of pool_stats; names point into cli_stats.res */
typedef struct cli_stats_row
{
	bool		overflow;		/* what rows that did not fit counted; no names */
	bool		visible;		/* the counters may be read (else zeros) */
	const char *database;
	const char *role;
	const char *application_name;
	int			connections;
	int			peak_connections;
	double		peak_at;		/* seconds since the epoch; NAN when none */
	long long	sessions_opened;
	long long	ended[CLI_ENDED_NUM];
	long long	refused[CLI_REFUSED_NUM];
	double		last_refused_at;	/* seconds since the epoch; NAN when none */
	long long	commits;
	long long	rollbacks;
	long long	handoffs;
	long long	errors[CLI_ERRORS_NUM];
	double		session_time;	/* milliseconds, as the view has them */
	double		transaction_time;
	double		active_time;
	double		idle_in_transaction_time;
	double		longest_transaction_time;
	double		longest_idle_in_transaction_time;
} cli_stats_row;

typedef struct cli_stats
{
	cli_stats_row *rows;		/* by database, role, application_name; the overflow row last */
	int			nrows;
	PGresult   *res;
} cli_stats;

/*
 * pool_stats_info() into *info (after cli_db_find_extension found lifeguard).
 * EXIT_OK also when there are no statistics here (info->available false,
 * and why in info->unavailable); another exit code after a failed query.
 */
extern int	cli_stats_info_read(cli_db *db, cli_stats_info *info);
/* every row of pool_stats (when info said available); free with cli_stats_free */
extern int	cli_stats_read(cli_db *db, cli_stats *stats);
extern void cli_stats_free(cli_stats *stats);
/*
 * The refusals of the first n causes of refused[]: CLI_REFUSED_SLOTS, those
 * for want of a slot; CLI_REFUSED_NUM, all of them.
 */
extern long long cli_stats_refused_sum(const long long *refused, int n);
/* the same causes, those counted, as "too_many_clients 3, role_limit 2" */
extern void cli_stats_refused_list(const long long *refused, int n, lg_strbuf *sb);

#endif							/* LG_CLI_H */
