/*
 * cuid2_compose.c: reads cases from stdin, one per line,
 *   time_ms letter salt counter fingerprint length
 * and prints the id lifeguard's CUID2 core composes from them, one per line.
 * test/integration/ids_reference.t compares these with the reference package.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cuid2.h"

int
main(void)
{
	int64_t		time_ms;
	char		letter;
	char		salt[64];
	uint64_t	counter;
	char		fingerprint[64];
	int			length;
	char		out[LG_CUID2_MAX_LENGTH + 1];

	while (scanf("%" SCNd64 " %c %63s %" SCNu64 " %63s %d",
				 &time_ms, &letter, salt, &counter, fingerprint, &length) == 6)
	{
		if ((int) strlen(salt) != length || strlen(fingerprint) != LG_CUID2_FINGERPRINT_LENGTH)
		{
			fprintf(stderr, "cuid2_compose: malformed case\n");
			return 2;
		}
		if (lg_cuid2_compose(time_ms, salt, counter, fingerprint, letter,
							 length, out) != LG_CUID2_OK)
		{
			fprintf(stderr, "cuid2_compose: compose failed\n");
			return 1;
		}
		printf("%s\n", out);
	}
	return 0;
}
