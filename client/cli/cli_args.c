/*-------------------------------------------------------------------------
 *
 * cli_args.c
 *	  A command line parsed by its command's row of the table: getopt_long's
 *	  option arrays are made from the row, and each value is checked by its
 *	  kind (a flag, an integer in bounds, a choice from a list, text of a
 *	  length in bounds, an address to listen on), as is the positional
 *	  argument and a repeat's count without its period.  -h and --help
 *	  print the command's help.
 *
 * One message style: a bad value is "invalid OPTION "VALUE": why; expected
 * WHAT", a command line of the wrong shape "what is wrong (usage: lifeguard
 * USAGE)"; every value, option or argument quoted with the bounded quoting,
 * under the option's name as the user wrote it (-n or --count).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* getopt_long's value for the option of row k */
#define LONG_OPTION(k) (256 + (k))

/* "what is wrong (usage: lifeguard USAGE)", one line; returns EXIT_USAGE */
static int
wrong_shape(const cli_command *cmd, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

static int
wrong_shape(const cli_command *cmd, const char *fmt,...)
{
	char		what[256];
	char		usage[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cli_usage_line(cmd, 0, usage, sizeof(usage));
	cli_error("%s (usage: lifeguard %s)", what, usage);
	return EXIT_USAGE;
}

/* getopt_long's '?' (unknown) or ':' (no value) */
static int
bad_option(const cli_command *cmd, int c, int argc, char **argv)
{
	const char *arg = (optind - 1 < argc && optind > 0) ? argv[optind - 1] : "?";
	char		q[LG_QUOTE_BUFSIZE];

	if (c == ':')
		return wrong_shape(cmd, "option \"%s\" needs a value", cli_quote(q, arg));
	if (optopt != 0)
		return wrong_shape(cmd, "unknown option \"-%c\"", optopt);
	return wrong_shape(cmd, "unknown option \"%s\"", cli_quote(q, arg));
}

/* a strict decimal integer in [min, max] */
static bool
parse_int(const char *name, const char *value, int min, int max, int *out)
{
	long long	v = 0;
	char		q[LG_QUOTE_BUFSIZE];

	if (*value == '\0' || strspn(value, "0123456789") != strlen(value))
	{
		cli_error("invalid %s \"%s\": not a whole number; expected an integer from %d to %d",
				  name, cli_quote(q, value), min, max);
		return false;
	}
	for (const char *p = value; *p; p++)
	{
		v = v * 10 + (*p - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max)
	{
		cli_error("invalid %s \"%s\": out of range; expected an integer from %d to %d",
				  name, cli_quote(q, value), min, max);
		return false;
	}
	*out = (int) v;
	return true;
}

/* the value of option o (written as name) into *v; false after the error */
static bool
set_value(const cli_option *o, const char *name, const char *value, cli_value *v)
{
	char		q[LG_QUOTE_BUFSIZE];
	char		expected[256];
	lg_strbuf	sb;
	size_t		len;

	v->given = true;
	switch (o->kind)
	{
		case CLI_FLAG:
			return true;
		case CLI_INT:
			return parse_int(name, value, o->min, o->max, &v->number);
		case CLI_CHOICE:
			for (int i = 0; o->choices[i]; i++)
				if (strcmp(value, o->choices[i]) == 0)
				{
					v->number = i;
					return true;
				}
			lg_strbuf_fixed(&sb, expected, sizeof(expected));
			lg_strbuf_put_list(&sb, o->choices);
			cli_error("invalid %s \"%s\": expected %s", name, cli_quote(q, value), expected);
			return false;
		case CLI_TEXT:
			len = strlen(value);
			if (len < (size_t) o->min || len > (size_t) o->max)
			{
				cli_error("invalid %s \"%s\": %s; expected %d to %d bytes", name,
						  cli_quote(q, value), len == 0 ? "empty" : len < (size_t) o->min ? "too short" : "too long",
						  o->min, o->max);
				return false;
			}
			v->text = value;
			return true;
		case CLI_ADDRESS:
			{
				char		host[256];
				int			port;
				const char *why;

				if (!cli_address_parse(value, host, sizeof(host), &port, &why))
				{
					cli_error("invalid %s \"%s\": %s; expected " CLI_ADDRESS_EXPECTED, name,
							  cli_quote(q, value), why);
					return false;
				}
			}
			v->text = value;
			return true;
	}
	return false;
}

int
cli_args_parse(const cli_command *cmd, int argc, char **argv, cli_args *args)
{
	struct option longopts[CLI_MAX_OPTIONS + 2];
	char		shortopts[2 * CLI_MAX_OPTIONS + 3] = ":h";
	size_t		ns = strlen(shortopts);
	int			nlong = 0;
	char		q[LG_QUOTE_BUFSIZE];

	memset(args, 0, sizeof(*args));
	args->command = cmd;
	args->run = 1;
	for (int k = 0; k < CLI_MAX_OPTIONS; k++)
	{
		const cli_option *o = &cmd->options[k];

		if (o->name == NULL)
			continue;
		longopts[nlong++] = (struct option) {
			o->name, o->kind == CLI_FLAG ? no_argument : required_argument, NULL, LONG_OPTION(k)
		};
		if (o->letter)
		{
			shortopts[ns++] = o->letter;
			if (o->kind != CLI_FLAG)
				shortopts[ns++] = ':';
		}
		args->values[k].number = o->def;
		args->values[k].text = o->def_text;
	}
	longopts[nlong++] = (struct option) {"help", no_argument, NULL, 'h'};
	longopts[nlong] = (struct option) {NULL, 0, NULL, 0};
	shortopts[ns] = '\0';

	optind = 0;					/* a full re-initialisation of getopt */
	opterr = 0;
	for (;;)
	{
		int			longindex = -1;
		int			c = getopt_long(argc, argv, shortopts, longopts, &longindex);
		int			k = -1;
		char		name[80];

		if (c == -1)
			break;
		if (c == 'h')
		{
			cli_help_command(cmd, stdout);
			return CLI_HELP_SHOWN;
		}
		if (c >= LONG_OPTION(0))
			k = c - LONG_OPTION(0);
		else
			for (int i = 0; i < CLI_MAX_OPTIONS; i++)
				if (cmd->options[i].name && cmd->options[i].letter == c)
					k = i;
		if (k < 0)
			return bad_option(cmd, c, argc, argv);
		/* the option as written: -n, or --count (abbreviated or not) */
		if (longindex >= 0)
			snprintf(name, sizeof(name), "--%s", cmd->options[k].name);
		else
			snprintf(name, sizeof(name), "-%c", cmd->options[k].letter);
		if (!set_value(&cmd->options[k], name, optarg, &args->values[k]))
			return EXIT_USAGE;
	}

	if (cmd->arg_name && optind >= argc)
		return wrong_shape(cmd, "missing %s", cmd->arg_name);
	if (cmd->arg_name)
		args->arg = argv[optind++];
	if (optind < argc)
		return wrong_shape(cmd, "unexpected argument \"%s\"", cli_quote(q, argv[optind]));
	if (cmd->repeats && args->values[cmd->times].given && !args->values[cmd->every].given)
		return wrong_shape(cmd, "--%s needs --%s", cmd->options[cmd->times].name,
						   cmd->options[cmd->every].name);
	return EXIT_OK;
}

bool
cli_given(const cli_args *args, int option)
{
	return args->values[option].given;
}

int
cli_number(const cli_args *args, int option)
{
	return args->values[option].number;
}

const char *
cli_text(const cli_args *args, int option)
{
	return args->values[option].text;
}
