/*-------------------------------------------------------------------------
 *
 * main.c
 *	  The lifeguard command-line tool: dispatch to a command, the global
 *	  help, and the helpers every command shares.
 *
 * To add a command, write cmd_NAME.c with an int cmd_NAME(int, char **)
 * (the Makefile compiles every cmd_*.c), declare it in cli.h and add one
 * line to the table below.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const cli_command commands[] = {
	{"config", cmd_config,
		"config [--format text|json|env|conninfo|node-pg] [--direct] [--show-password]",
	"print the resolved connection and pool configuration"},
	{"health", cmd_health,
		"health [--json] [--instances N] [--watch SECONDS [--count N]]",
	"check connection, latency, lifeguard and connection headroom"},
	{"audit", cmd_audit,
		"audit [--json] [--fail-on-hazards]",
	"report the server's transaction-pooling audit by application"},
	{"top", cmd_top,
		"top [--interval SECONDS]",
	"live view of connections by application pool"},
	{"metrics", cmd_metrics,
		"metrics",
	"pool usage, headroom and audit in Prometheus text format"},
	{"install", cmd_install,
		"install [--schema NAME]",
	"install or upgrade the portable edition (no C extension needed)"},
	{"id", cmd_id,
		"id PREFIX [-n COUNT] [--length N]",
	"print prefixed CUID2 ids"},
};

#define NCOMMANDS ((int) (sizeof(commands) / sizeof(commands[0])))

static void
usage(FILE *out)
{
	fprintf(out,
			"lifeguard: the lifeguard client shim (version " LG_VERSION ")\n"
			"\n"
			"Usage:\n");
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  lifeguard %s\n", commands[i].synopsis);
	fprintf(out, "\nCommands:\n");
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
			"\n"
			"Run \"lifeguard COMMAND --help\" for a command's options, and\n"
			"\"lifeguard config --list-variables\" for the environment variables read.\n"
			"Exit codes: 0 ok, 1 a check failed, 2 bad usage or configuration, 3 cannot connect.\n");
}

void
cli_error(const char *cmd, const char *fmt,...)
{
	char		msg[1024];
	char	   *full = NULL;
	va_list		ap;

	/* a long message keeps its start and its end (the reason) */
	va_start(ap, fmt);
	if (vasprintf(&full, fmt, ap) < 0)
		full = NULL;
	va_end(ap);
	if (full == NULL)
	{
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	else
	{
		lg_message_fit(msg, sizeof(msg), full);
		free(full);
	}
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (cmd)
		fprintf(stderr, "lifeguard %s: %s\n", cmd, msg);
	else
		fprintf(stderr, "lifeguard: %s\n", msg);
}

int
cli_exit_code(lg_status st)
{
	switch (st)
	{
		case LG_OK:
			return EXIT_OK;
		case LG_ERR_CONFIG:
		case LG_ERR_MISUSE:
			return EXIT_USAGE;
		case LG_ERR_CONNECT:
		case LG_ERR_TIMEOUT:
		case LG_ERR_BROKEN:
			return EXIT_CONNECT;
		default:
			return EXIT_CHECK;
	}
}

const char *
cli_quote(char *buf, const char *s)
{
	size_t		len = strlen(s);

	return lg_quote_bounded(buf, s, len, lg_utf8_cliplen(s, len, LG_QUOTE_MAX));
}

int
cli_bad_option(const char *cmd, int c, int argc, char **argv)
{
	const char *arg = (optind - 1 < argc && optind > 0) ? argv[optind - 1] : "?";
	char		q[LG_QUOTE_BUFSIZE];

	if (c == ':')
		cli_error(cmd, "option \"%s\" needs a value (see \"lifeguard %s --help\")", cli_quote(q, arg), cmd);
	else if (optopt != 0)
		cli_error(cmd, "unknown option \"-%c\" (see \"lifeguard %s --help\")", optopt, cmd);
	else
		cli_error(cmd, "unknown option \"%s\" (see \"lifeguard %s --help\")", cli_quote(q, arg), cmd);
	return EXIT_USAGE;
}

int
cli_no_arguments(const char *cmd, int argc, char **argv)
{
	char		q[LG_QUOTE_BUFSIZE];

	if (optind >= argc)
		return EXIT_OK;
	cli_error(cmd, "unexpected argument \"%s\" (see \"lifeguard %s --help\")",
			  cli_quote(q, argv[optind]), cmd);
	return EXIT_USAGE;
}

bool
cli_parse_int(const char *cmd, const char *opt, const char *value, int min,
			  int max, int *out)
{
	long long	v = 0;
	const char *p = value;
	char		q[LG_QUOTE_BUFSIZE];

	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
	{
		cli_error(cmd, "invalid %s \"%s\": not a whole number; expected an integer from %d to %d",
				  opt, cli_quote(q, value), min, max);
		return false;
	}
	for (; *p; p++)
	{
		v = v * 10 + (*p - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max)
	{
		cli_error(cmd, "invalid %s \"%s\": out of range; expected an integer from %d to %d",
				  opt, cli_quote(q, value), min, max);
		return false;
	}
	*out = (int) v;
	return true;
}

int
main(int argc, char **argv)
{
	char		q[LG_QUOTE_BUFSIZE];

	if (argc < 2)
	{
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		strcmp(argv[1], "help") == 0)
	{
		if (argc > 2 && strcmp(argv[1], "help") == 0)
		{
			for (int i = 0; i < NCOMMANDS; i++)
				if (strcmp(argv[2], commands[i].name) == 0)
				{
					char	   *hargv[] = {argv[2], "--help", NULL};

					return commands[i].run(2, hargv);
				}
			cli_error(NULL, "unknown command \"%s\" (see \"lifeguard --help\")", cli_quote(q, argv[2]));
			return EXIT_USAGE;
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
	{
		printf("lifeguard %s\n", LG_VERSION);
		return EXIT_OK;
	}
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
		{
			optind = 0;			/* full re-initialisation of getopt */
			opterr = 0;
			return commands[i].run(argc - 1, argv + 1);
		}
	cli_error(NULL, "unknown command \"%s\" (see \"lifeguard --help\")", cli_quote(q, argv[1]));
	return EXIT_USAGE;
}
