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

#include <stdio.h>

int
cmd_id(const cli_args *args, cli_db *db)
{
	int			count = cli_number(args, ID_COUNT);
	int			length = cli_number(args, ID_LENGTH);
	char		id[LG_ID_BUFFER_SIZE];
	lg_error	err;

	(void) db;
	for (int i = 0; i < count; i++)
	{
		if (lg_id_generate(args->arg, length, id, sizeof(id), &err) != LG_OK)
		{
			cli_error("%s", err.message);
			return cli_exit_code(err.status);
		}
		puts(id);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		cli_error("could not write the ids to standard output");
		return EXIT_CHECK;
	}
	return EXIT_OK;
}
