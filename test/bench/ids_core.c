/*
 * ids_core.c: the CUID2 core in-process, for test/bench/ids.sh.  Each
 * figure is nanoseconds per call, measured in rounds that interleave every
 * subject (the machine is shared and noisy); a line gives the median over
 * the rounds and the range.  Ratios are of the same round, then the median.
 *
 *   id         lg_cuid2_generate, length 24 (what gen_prefixed_id calls)
 *   digest     one SHA3-512 of a 70-byte input (an id's hash input has 69
 *              to 71 bytes) the way the core does it: OpenSSL, the method
 *              fetched once, the context reused; the floor of an id, since
 *              the reference hashes once per id
 *   the candidates for SHA3-512: OpenSSL's one-shot EVP_Digest, libgcrypt
 *              (gcry_md_hash_buffer, and a reused handle), nettle
 *   the base36 digits: the quick leading 25 against the whole conversion
 *   the random source, OpenSSL's RAND_bytes (pg_strong_random in the
 *              server): per call and per byte at several buffer sizes
 *
 * Usage: ids_core ROUNDS N.  Needs OpenSSL 3 (EVP_MD_fetch), libgcrypt and
 * nettle.  No shared state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gcrypt.h>
#include <nettle/sha3.h>
#include <nettle/version.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>

#include "cuid2.h"

#define MAX_ROUNDS 101

static unsigned char input[70];
static unsigned char digest[64];
static volatile unsigned sink;
static lg_cuid2_state state;
static EVP_MD *md;
static EVP_MD_CTX *ctx;
static gcry_md_hd_t gh;
static unsigned char randbuf[16384];

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static bool
openssl_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int) len) == 1;
}

static void
do_id(long i)
{
	char		out[LG_CUID2_MAX_LENGTH + 1];

	(void) i;
	if (lg_cuid2_generate(&state, 24, out) != LG_CUID2_OK)
		abort();
	sink += (unsigned char) out[5];
}

static void
do_digest(long i)
{
	unsigned int dlen;

	input[0] = (unsigned char) i;
	if (!EVP_DigestInit_ex2(ctx, md, NULL) || !EVP_DigestUpdate(ctx, input, sizeof(input)) ||
		!EVP_DigestFinal_ex(ctx, digest, &dlen))
		abort();
	sink += digest[0];
}

static void
do_oneshot(long i)
{
	unsigned int dlen;

	input[0] = (unsigned char) i;
	if (!EVP_Digest(input, sizeof(input), digest, &dlen, md, NULL))
		abort();
	sink += digest[0];
}

static void
do_gcrypt(long i)
{
	input[0] = (unsigned char) i;
	gcry_md_hash_buffer(GCRY_MD_SHA3_512, digest, input, sizeof(input));
	sink += digest[0];
}

static void
do_gcrypt_handle(long i)
{
	input[0] = (unsigned char) i;
	gcry_md_reset(gh);
	gcry_md_write(gh, input, sizeof(input));
	sink += gcry_md_read(gh, GCRY_MD_SHA3_512)[0];
}

static void
do_nettle(long i)
{
	struct sha3_512_ctx n;

	input[0] = (unsigned char) i;
	sha3_512_init(&n);
	sha3_512_update(&n, sizeof(input), input);
	sha3_512_digest(&n, sizeof(digest), digest);
	sink += digest[0];
}

static void
do_leading(long i)
{
	char		out[LG_CUID2_MAX_LENGTH + 1];

	digest[7] = (unsigned char) i;
	if (!lg_cuid2_digest_leading(digest, 25, out))
		abort();
	sink += (unsigned char) out[3];
}

static void
do_whole(long i)
{
	char		out[LG_CUID2_HASH_MAX + 1];

	digest[7] = (unsigned char) i;
	sink += (unsigned) lg_cuid2_digest_base36(digest, out);
}

static size_t rand_size;

static void
do_rand(long i)
{
	(void) i;
	if (RAND_bytes(randbuf, (int) rand_size) != 1)
		abort();
	sink += randbuf[0];
}

typedef struct subject
{
	const char *name;
	void		(*fn) (long);
	size_t		size;			/* RAND_bytes size, 0 for the others */
	double		ns[MAX_ROUNDS];
} subject;

static subject subjects[] = {
	{.name = "id", .fn = do_id},
	{.name = "digest", .fn = do_digest},
	{.name = "openssl_oneshot", .fn = do_oneshot},
	{.name = "gcrypt", .fn = do_gcrypt},
	{.name = "gcrypt_handle", .fn = do_gcrypt_handle},
	{.name = "nettle", .fn = do_nettle},
	{.name = "leading25", .fn = do_leading},
	{.name = "whole_conversion", .fn = do_whole},
	{.name = "rand_16", .fn = do_rand, .size = 16},
	{.name = "rand_512", .fn = do_rand, .size = 512},
	{.name = "rand_4096", .fn = do_rand, .size = 4096},
	{.name = "rand_16384", .fn = do_rand, .size = 16384},
};
#define NSUBJECTS (sizeof(subjects) / sizeof(subjects[0]))

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double		s[MAX_ROUNDS];

	memcpy(s, v, sizeof(double) * (size_t) n);
	qsort(s, (size_t) n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
range(const double *v, int n, double *lo, double *hi)
{
	int			i;

	*lo = *hi = v[0];
	for (i = 1; i < n; i++)
	{
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

int
main(int argc, char **argv)
{
	int			rounds = argc > 1 ? atoi(argv[1]) : 11;
	long		n = argc > 2 ? atol(argv[2]) : 100000;
	double		ratio[MAX_ROUNDS];
	double		lo;
	double		hi;
	size_t		s;
	int			r;

	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1)
	{
		fprintf(stderr, "usage: ids_core ROUNDS(1..%d) N\n", MAX_ROUNDS);
		return 2;
	}
	memset(input, 'k', sizeof(input));
	if (!gcry_check_version(NULL) || gcry_md_open(&gh, GCRY_MD_SHA3_512, 0) != 0 ||
		(md = EVP_MD_fetch(NULL, "SHA3-512", NULL)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL ||
		lg_cuid2_init(&state, openssl_random, "bench", 5) != LG_CUID2_OK)
	{
		fprintf(stderr, "ids_core: set-up failed\n");
		return 1;
	}
	do_digest(0);

	/*
	 * A round runs every subject for n calls, in ten slices that take turns
	 * (each round in another order), so that subjects compared in a ratio
	 * share the machine's slow and fast moments.
	 */
	for (r = 0; r < rounds; r++)
	{
		int			slice;

		for (s = 0; s < NSUBJECTS; s++)
			subjects[s].ns[r] = 0;
		for (slice = 0; slice < 10; slice++)
			for (s = 0; s < NSUBJECTS; s++)
			{
				subject    *sub = &subjects[(s + (size_t) r) % NSUBJECTS];
				long		iters = (sub->size ? n * 16 / (long) (16 + sub->size / 64) : n) / 10 + 1;
				double		t0;
				long		i;

				rand_size = sub->size;
				t0 = now_ns();
				for (i = 0; i < iters; i++)
					sub->fn(i);
				sub->ns[r] += (now_ns() - t0) / (double) iters / 10;
			}
	}

	printf("  %s; libgcrypt %s; nettle %d.%d\n", OpenSSL_version(OPENSSL_VERSION),
		   gcry_check_version(NULL), nettle_version_major(), nettle_version_minor());
	printf("  %-58s %9s  %s\n", "in-process, ns per call", "median", "range");
	for (s = 0; s < NSUBJECTS; s++)
	{
		subject    *sub = &subjects[s];

		range(sub->ns, rounds, &lo, &hi);
		printf("  %-58s %9.1f  %.1f-%.1f", sub->name, median(sub->ns, rounds), lo, hi);
		if (sub->size)
			printf("  (%.3f ns/byte)", median(sub->ns, rounds) / (double) sub->size);
		printf("\n");
	}
	for (r = 0; r < rounds; r++)
		ratio[r] = subjects[0].ns[r] / subjects[1].ns[r];
	range(ratio, rounds, &lo, &hi);
	printf("RESULT id_ns=%.1f digest_ns=%.1f id_per_digest=%.3f id_per_digest_lo=%.3f id_per_digest_hi=%.3f\n",
		   median(subjects[0].ns, rounds), median(subjects[1].ns, rounds), median(ratio, rounds), lo, hi);
	for (s = 2; s <= 5; s++)
	{
		for (r = 0; r < rounds; r++)
			ratio[r] = subjects[s].ns[r] / subjects[1].ns[r];
		printf("RESULT sha3_%s_per_digest=%.3f\n", subjects[s].name, median(ratio, rounds));
	}
	return sink == 42 ? 3 : 0;
}
