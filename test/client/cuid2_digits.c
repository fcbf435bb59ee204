/*
 * cuid2_digits.c: a driver for the parts of lifeguard's CUID2 core
 * (common/cuid2.c) that make an id faster than the reference does, for
 * test/client/cuid2_digits.t.
 *
 *   cuid2_digits random N SEED   N pseudo-random digests: the quick leading
 *                                digits (every count 1..33 in turn) and an
 *                                id's digits (lengths 2..32) against the
 *                                whole conversion; prints "checked N quick Q
 *                                fallback F id I id_fallback G wrong W"
 *   cuid2_digits digests         reads digests from stdin, 128 hex digits
 *                                a line, and prints for each the whole
 *                                conversion, the quick first 33, 25, 3
 *                                and 1 digits, and an id's digits for
 *                                lengths 32 and 24 ("-" when the quick
 *                                method declines)
 *   cuid2_digits generate        ids made by lg_cuid2_generate from known
 *                                random bytes and counters, each against
 *                                lg_cuid2_compose of the same time, letter,
 *                                salt, counter and fingerprint; prints one
 *                                line per id ("ok ..." or "wrong ...") and
 *                                the counter after each
 *
 * No shared state: one process, one generator.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuid2.h"

static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* xorshift64*: a reproducible stream for the random digests */
static uint64_t
next_u64(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static int
random_mode(long n, uint64_t seed)
{
	unsigned char d[LG_CUID2_DIGEST_BYTES];
	char		all[LG_CUID2_HASH_MAX + 1];
	char		quick[LG_CUID2_MAX_LENGTH + 1];
	long		i;
	long		nquick = 0;
	long		nfallback = 0;
	long		nwrong = 0;
	long		nid = 0;
	long		nid_fallback = 0;
	uint64_t	s = seed | 1;

	for (i = 0; i < n; i++)
	{
		int			count = 1 + (int) (i % (LG_CUID2_MAX_LENGTH + 1));
		int			k;
		size_t		len;

		for (k = 0; k < LG_CUID2_DIGEST_BYTES; k += 8)
		{
			uint64_t	w = next_u64(&s);

			memcpy(d + k, &w, 8);
		}
		len = lg_cuid2_digest_base36(d, all);
		if (!lg_cuid2_digest_leading(d, count, quick))
			nfallback++;
		else if (len < (size_t) count || memcmp(quick, all, (size_t) count) != 0)
		{
			if (nwrong++ < 5)
				fprintf(stderr, "wrong: count %d, quick %.*s, whole %s\n",
						count, count, quick, all);
		}
		else
			nquick++;
		/* an id's digits: the whole conversion's 2 to length */
		if (count >= LG_CUID2_MIN_LENGTH && count <= LG_CUID2_MAX_LENGTH)
		{
			if (!lg_cuid2_digest_id_digits(d, count, quick))
				nid_fallback++;
			else if (len < (size_t) count + 1 || memcmp(quick, all + 2, (size_t) count - 1) != 0)
			{
				if (nwrong++ < 5)
					fprintf(stderr, "wrong: id length %d, quick %.*s, whole %s\n",
							count, count - 1, quick, all);
			}
			else
				nid++;
		}
	}
	printf("checked %ld quick %ld fallback %ld id %ld id_fallback %ld wrong %ld\n",
		   n, nquick, nfallback, nid, nid_fallback, nwrong);
	return nwrong ? 1 : 0;
}

static int
digests_mode(void)
{
	char		line[256];

	while (fgets(line, sizeof(line), stdin))
	{
		unsigned char d[LG_CUID2_DIGEST_BYTES];
		char		all[LG_CUID2_HASH_MAX + 1];
		static const int counts[] = {33, 25, 3, 1};
		char		q[LG_CUID2_MAX_LENGTH + 2];
		int			i;
		size_t		c;

		for (i = 0; i < LG_CUID2_DIGEST_BYTES; i++)
			if (sscanf(line + 2 * i, "%2hhx", &d[i]) != 1)
			{
				fprintf(stderr, "cuid2_digits: not a digest: %s", line);
				return 2;
			}
		lg_cuid2_digest_base36(d, all);
		printf("%s", all);
		for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
		{
			if (lg_cuid2_digest_leading(d, counts[c], q))
				printf(" %.*s", counts[c], q);
			else
				printf(" -");
		}
		for (c = 0; c < 2; c++)
		{
			int			length = c == 0 ? 32 : 24;

			if (lg_cuid2_digest_id_digits(d, length, q))
				printf(" %.*s", length - 1, q);
			else
				printf(" -");
		}
		printf("\n");
	}
	return 0;
}

/*
 * The random source of the generate mode: the first word of every buffer
 * is all ones (above every acceptance limit, so rejection sampling must
 * skip it), every other byte is `fill'.
 */
static unsigned char fill;

static bool
known_random(void *buf, size_t len)
{
	memset(buf, fill, len);
	if (len >= 8)
		memset(buf, 0xff, 8);
	return true;
}

/* v as exactly `width' base36 digits, most significant first */
static void
base36_fixed(uint64_t v, int width, char *out)
{
	int			i;

	for (i = width - 1; i >= 0; i--)
	{
		out[i] = b36[v % 36];
		v /= 36;
	}
}

/*
 * The letter and salt lg_cuid2_generate draws from words all equal to w:
 * the letter is w mod (26 * 36^10) mod 26, the salt that value divided by
 * 26 as ten base36 digits, then w mod 36^10 as ten digits, as many times
 * as needed, the last cut to the length.
 */
static void
expected_draw(uint64_t w, int length, char *letter, char *salt)
{
	const uint64_t p10 = UINT64_C(3656158440062976);
	char		chunk[10];
	uint64_t	v = w % (26 * p10);
	int			i = 0;

	*letter = (char) ('a' + v % 26);
	base36_fixed(v / 26, 10, chunk);
	for (; i < length && i < 10; i++)
		salt[i] = chunk[i];
	base36_fixed(w % p10, 10, chunk);
	while (i < length)
	{
		int			k;

		for (k = 0; k < 10 && i < length; k++, i++)
			salt[i] = chunk[k];
	}
}

static int
generate_mode(void)
{
	static lg_cuid2_state state;
	/* counters to start from: plain, a last digit 9, carries, a new digit */
	static const char *const counters[] = {"7ab", "a9", "a9z", "zz", "9zzz", "0"};
	static const unsigned char fills[] = {0x00, 0x01, 0xa7};
	int			wrong = 0;
	size_t		f;
	size_t		c;
	int			length;

	for (f = 0; f < sizeof(fills); f++)
	{
		uint64_t	w;

		fill = fills[f];
		memset(&w, fill, sizeof(w));
		if (lg_cuid2_init(&state, known_random, "test", 4) != LG_CUID2_OK)
		{
			fprintf(stderr, "cuid2_digits: init failed\n");
			return 1;
		}
		for (c = 0; c < sizeof(counters) / sizeof(counters[0]); c++)
			for (length = LG_CUID2_MIN_LENGTH; length <= LG_CUID2_MAX_LENGTH; length++)
			{
				char		id[LG_CUID2_MAX_LENGTH + 1];
				char		want[LG_CUID2_MAX_LENGTH + 1];
				char		salt[LG_CUID2_MAX_LENGTH];
				char		letter;
				char		count36[sizeof(state.count36) + 1];
				uint64_t	counter;

				/* every id starts a fresh buffer: its first word is rejected */
				state.random_pos = LG_RANDOM_BUFFER_SIZE;
				if (length == LG_CUID2_MIN_LENGTH)
				{
					state.count36_len = (int) strlen(counters[c]);
					memcpy(state.count36, counters[c], (size_t) state.count36_len);
				}
				memcpy(count36, state.count36, (size_t) state.count36_len);
				count36[state.count36_len] = '\0';
				counter = strtoull(count36, NULL, 36);
				if (lg_cuid2_generate(&state, length, id) != LG_CUID2_OK)
				{
					fprintf(stderr, "cuid2_digits: generate failed\n");
					return 1;
				}
				expected_draw(w, length, &letter, salt);
				if (lg_cuid2_compose(state.time_ms, salt, counter, state.fingerprint,
									 letter, length, want) != LG_CUID2_OK)
				{
					fprintf(stderr, "cuid2_digits: compose failed\n");
					return 1;
				}
				if (strcmp(id, want) != 0)
					wrong++;
				printf("%s fill %02x counter %s length %d: %s, then %.*s\n",
					   strcmp(id, want) == 0 ? "ok" : "wrong", fill,
					   length == LG_CUID2_MIN_LENGTH ? counters[c] : "-", length, id,
					   state.count36_len, state.count36);
			}
	}
	lg_cuid2_release(&state);
	return wrong ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "random") == 0)
		return random_mode(atol(argv[2]), strtoull(argv[3], NULL, 10));
	if (argc == 2 && strcmp(argv[1], "digests") == 0)
		return digests_mode();
	if (argc == 2 && strcmp(argv[1], "generate") == 0)
		return generate_mode();
	fprintf(stderr, "usage: cuid2_digits random N SEED | digests | generate\n");
	return 2;
}
