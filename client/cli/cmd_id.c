/*-------------------------------------------------------------------------
 *
 * cmd_id.c
 *	  lifeguard id PREFIX [-n COUNT] [--length N]: prefixed CUID2 ids, made
 *	  by liblifeguard with the same rules and messages as the SQL function
 *	  gen_prefixed_id.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define CMD "id"
#define MAX_COUNT 1000000

static void
help(void)
{
	printf("Usage: lifeguard id PREFIX [-n COUNT] [--length N]\n"
		   "\n"
		   "Print COUNT ids PREFIX_<cuid2>, one per line: the same algorithm as\n"
		   "@paralleldrive/cuid2 3.x and the SQL function gen_prefixed_id.\n"
		   "\n"
		   "PREFIX is 1 to 63 lowercase ASCII letters, digits and underscores,\n"
		   "starting with a letter and not ending with an underscore.\n"
		   "\n"
		   "Options:\n"
		   "  -n, --count COUNT  how many ids (1 to %d, default 1)\n"
		   "  --length N         length of the CUID2 part (2 to 32, default 24)\n"
		   "  --help             this help\n"
		   "Exit codes: 0 ok, 2 bad usage.\n", MAX_COUNT);
}

int
cmd_id(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"length", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			count = 1;
	int			length = LG_ID_DEFAULT_LENGTH;
	const char *prefix;
	char		id[LG_ID_BUFFER_SIZE];
	lg_error	err;
	int			ch;

	while ((ch = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1)
	{
		switch (ch)
		{
			case 'n':
				if (!cli_parse_int(CMD, "-n", optarg, 1, MAX_COUNT, &count))
					return EXIT_USAGE;
				break;
			case 'l':
				if (!cli_parse_int(CMD, "--length", optarg, LG_ID_MIN_LENGTH,
								   LG_ID_MAX_LENGTH, &length))
					return EXIT_USAGE;
				break;
			case 'h':
				help();
				return EXIT_OK;
			default:
				return cli_bad_option(CMD, ch, argc, argv);
		}
	}
	if (optind >= argc)
	{
		cli_error(CMD, "missing PREFIX (usage: lifeguard id PREFIX [-n COUNT] [--length N])");
		return EXIT_USAGE;
	}
	if (optind + 1 < argc)
	{
		char		q[LG_QUOTE_BUFSIZE];

		cli_error(CMD, "unexpected argument \"%s\" (usage: lifeguard id PREFIX [-n COUNT] [--length N])",
				  cli_quote(q, argv[optind + 1]));
		return EXIT_USAGE;
	}
	prefix = argv[optind];
	for (int i = 0; i < count; i++)
	{
		if (lg_id_generate(prefix, length, id, sizeof(id), &err) != LG_OK)
		{
			cli_error(CMD, "%s", err.message);
			return cli_exit_code(err.status);
		}
		puts(id);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		cli_error(CMD, "could not write the ids to standard output");
		return EXIT_CHECK;
	}
	return EXIT_OK;
}
