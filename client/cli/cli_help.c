/*-------------------------------------------------------------------------
 *
 * cli_help.c
 *	  What the table of commands says to a reader: each command's usage
 *	  lines (the synopsis that docs/cli.md and docs/design.md show, and
 *	  test/client/commands.t compares), the help of a command (its usage,
 *	  text, options with their bounds and defaults, exit codes), and the
 *	  help of lifeguard itself.  Nothing here is written twice: every line
 *	  is made from the command's row.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"

#define HELP_WIDTH 79

/* An option as written on a command line: "--format FORMAT", "-n COUNT". */
static void
option_form(lg_strbuf *sb, const cli_option *o, bool letter, bool list_choices)
{
	if (letter && o->letter)
		lg_strbuf_printf(sb, "-%c", o->letter);
	else
		lg_strbuf_printf(sb, "--%s", o->name);
	if (o->kind == CLI_CHOICE && list_choices)
	{
		for (int i = 0; o->choices[i]; i++)
			lg_strbuf_printf(sb, "%c%s", i == 0 ? ' ' : '|', o->choices[i]);
	}
	else if (o->kind != CLI_FLAG)
		lg_strbuf_printf(sb, " %s", o->value_name);
}

bool
cli_usage_line(const cli_command *cmd, int i, char *buf, size_t size)
{
	lg_strbuf	sb;

	lg_strbuf_fixed(&sb, buf, size);
	lg_strbuf_puts(&sb, cmd->name);
	if (i == 0)
	{
		/* every option but those of a line of their own, in table order */
		if (cmd->arg_name)
			lg_strbuf_printf(&sb, " %s", cmd->arg_name);
		for (int k = 0; k < CLI_MAX_OPTIONS; k++)
		{
			const cli_option *o = &cmd->options[k];

			if (o->name == NULL || o->alone || (cmd->repeats && k == cmd->times))
				continue;
			lg_strbuf_puts(&sb, " [");
			option_form(&sb, o, true, true);
			/* the count of a repeat goes with its period */
			if (cmd->repeats && k == cmd->every)
			{
				lg_strbuf_puts(&sb, " [");
				option_form(&sb, &cmd->options[cmd->times], true, true);
				lg_strbuf_puts(&sb, "]");
			}
			lg_strbuf_puts(&sb, "]");
		}
		return true;
	}
	/* the (i-1)-th option of a line of its own */
	for (int k = 0; k < CLI_MAX_OPTIONS; k++)
		if (cmd->options[k].name && cmd->options[k].alone && --i == 0)
		{
			lg_strbuf_puts(&sb, " ");
			option_form(&sb, &cmd->options[k], true, true);
			return true;
		}
	return false;
}

/* text from column col, wrapped at HELP_WIDTH, continued at column indent */
static void
wrap(FILE *out, const char *text, int col, int indent)
{
	const char *p = text;

	while (*p)
	{
		size_t		word = strcspn(p, " ");

		if (col > indent && col + 1 + (int) word > HELP_WIDTH)
		{
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		}
		else if (col > indent)
		{
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, word, out);
		col += (int) word;
		p += word;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/* an option's line of the help: its forms, then what it does */
static void
option_help(FILE *out, const cli_option *o, int width)
{
	char		form[128];
	char		text[512];
	lg_strbuf	sb;

	lg_strbuf_fixed(&sb, form, sizeof(form));
	if (o->letter)
		lg_strbuf_printf(&sb, "-%c, ", o->letter);
	option_form(&sb, o, false, false);

	lg_strbuf_fixed(&sb, text, sizeof(text));
	lg_strbuf_puts(&sb, o->help);
	if (o->kind == CLI_INT)
	{
		lg_strbuf_printf(&sb, " (%d to %d", o->min, o->max);
		if (o->def >= o->min && o->def <= o->max)
			lg_strbuf_printf(&sb, ", default %d", o->def);
		lg_strbuf_puts(&sb, ")");
	}
	else if (o->kind == CLI_TEXT)
	{
		lg_strbuf_printf(&sb, " (%d to %d bytes", o->min, o->max);
		if (o->def_text)
			lg_strbuf_printf(&sb, ", default %s", o->def_text);
		lg_strbuf_puts(&sb, ")");
	}
	fprintf(out, "  %-*s", width, form);
	wrap(out, text, 2 + width, 2 + width);
}

void
cli_help_command(const cli_command *cmd, FILE *out)
{
	char		line[512];
	int			width = (int) strlen("-h, --help") + 2;

	for (int i = 0; cli_usage_line(cmd, i, line, sizeof(line)); i++)
		fprintf(out, "%s lifeguard %s\n", i == 0 ? "Usage:" : "      ", line);
	fprintf(out, "\n%s\nOptions:\n", cmd->description);
	for (int k = 0; k < CLI_MAX_OPTIONS; k++)
	{
		const cli_option *o = &cmd->options[k];
		int			w;

		if (o->name == NULL)
			continue;
		w = (int) strlen(o->name) + 2 + (o->letter ? 4 : 0) +
			(o->kind == CLI_FLAG ? 0 : 1 + (int) strlen(o->value_name));
		if (w + 2 > width)
			width = w + 2;
	}
	for (int k = 0; k < CLI_MAX_OPTIONS; k++)
		if (cmd->options[k].name)
			option_help(out, &cmd->options[k], width);
	fprintf(out, "  %-*s", width, "-h, --help");
	wrap(out, "this help", 2 + width, 2 + width);
	if (cmd->more_help)
	{
		fputc('\n', out);
		cmd->more_help(out);
	}
	fprintf(out, "\nExit codes: %s\n", cmd->exit_codes);
}

void
cli_help_all(const cli_command *commands, int ncommands, FILE *out)
{
	char		line[512];

	fprintf(out, "lifeguard: the lifeguard client shim (version " LG_VERSION ")\n\nUsage:\n");
	for (int c = 0; c < ncommands; c++)
		for (int i = 0; cli_usage_line(&commands[c], i, line, sizeof(line)); i++)
			fprintf(out, "  lifeguard %s\n", line);
	fprintf(out, "\nCommands:\n");
	for (int c = 0; c < ncommands; c++)
		fprintf(out, "  %-8s %s\n", commands[c].name, commands[c].summary);
	fprintf(out,
			"\n"
			"Run \"lifeguard COMMAND --help\" (or \"lifeguard help COMMAND\") for a command's\n"
			"options, \"lifeguard config --list-variables\" for the environment variables\n"
			"read, and \"lifeguard --list-commands\" for the usage lines alone.\n"
			"Exit codes: 0 ok, 1 a check failed, 2 bad usage or configuration, 3 cannot connect.\n");
}

void
cli_list_commands(const cli_command *commands, int ncommands)
{
	char		line[512];

	for (int c = 0; c < ncommands; c++)
		for (int i = 0; cli_usage_line(&commands[c], i, line, sizeof(line)); i++)
			printf("lifeguard %s\n", line);
}
