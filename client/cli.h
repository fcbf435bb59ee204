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

/* Exit codes of the contract. */
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

/* Strict decimal integer in [min, max] for option opt; false after error. */
extern bool cli_parse_int(const char *cmd, const char *opt, const char *value,
						  int min, int max, int *out);

#endif							/* LG_CLI_H */
