/*
 * cuid2_compose.c: a driver for lifeguard's CUID2 core, for the tests.
 *
 *   cuid2_compose        reads cases from stdin, one per line,
 *                          time_ms letter salt counter fingerprint length
 *                        and prints the id the core composes from each
 *   cuid2_compose hash   reads inputs from stdin, one per line, as hex of
 *                        their bytes ("-" for the empty input), and prints
 *                        the core's hash() of each
 *
 * test/integration/ids_reference.t compares these with the reference
 * package; test/client/cuid2_vectors.t with its vectors recorded in
 * test/fixtures/cuid2_vectors.txt.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuid2.h"

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
hash_mode(void)
{
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		n;
	char		out[LG_CUID2_HASH_MAX + 1];

	while ((n = getline(&line, &cap, stdin)) > 0)
	{
		size_t		len = 0;
		size_t		out_len;
		ssize_t		i;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (strcmp(line, "-") == 0)
			n = 0;
		if (n % 2 != 0)
		{
			fprintf(stderr, "cuid2_compose: odd number of hex digits\n");
			return 2;
		}
		for (i = 0; i < n; i += 2)
		{
			int			hi = hex_value(line[i]);
			int			lo = hex_value(line[i + 1]);

			if (hi < 0 || lo < 0)
			{
				fprintf(stderr, "cuid2_compose: not hex: %s\n", line);
				return 2;
			}
			line[len++] = (char) (hi * 16 + lo);
		}
		if (lg_cuid2_hash(line, len, out, &out_len) != LG_CUID2_OK)
		{
			fprintf(stderr, "cuid2_compose: hash failed\n");
			return 1;
		}
		printf("%s\n", out);
	}
	free(line);
	return 0;
}

int
main(int argc, char **argv)
{
	int64_t		time_ms;
	char		letter;
	char		salt[64];
	uint64_t	counter;
	char		fingerprint[64];
	int			length;
	char		out[LG_CUID2_MAX_LENGTH + 1];

	if (argc == 2 && strcmp(argv[1], "hash") == 0)
		return hash_mode();
	if (argc != 1)
	{
		fprintf(stderr, "usage: cuid2_compose [hash] < input\n");
		return 2;
	}
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
