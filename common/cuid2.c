/*-------------------------------------------------------------------------
 *
 * cuid2.c
 *	  The CUID2 algorithm of @paralleldrive/cuid2 3.x, in plain C.
 *
 * An id of length n is a random letter a-z followed by characters 1..n-1
 * of hash(time36 + salt + count36 + fingerprint), where hash() is SHA3-512
 * read as a big-endian number written in base36 with its first digit
 * dropped, salt is n random base36 digits, the counter starts at a random
 * value below 476782367 and increments, and the fingerprint is the first
 * 32 characters of hash(identity + 32 random base36 digits).
 *
 * The hash is the floor of an id's cost, as the reference hashes once per
 * id; the rest is kept small.  An id uses only the leading digits of the
 * digest, which lg_cuid2_digest_id_digits (and lg_cuid2_digest_leading)
 * compute with one truncated multiplication instead of converting all 512
 * bits, and prove exact, or say they cannot and the whole number is
 * converted; the digest context is the state's, reused; the random letter
 * and salt come ten digits per 64-bit draw from a buffer of random bytes;
 * time36 is written once per millisecond.  test/bench/ids.sh measures an
 * id against one digest.
 *
 * Shared state: none.  Each lg_cuid2_state belongs to one process (or one
 * thread); the only process-wide object is the fetched SHA3-512 method
 * (OpenSSL 3), which OpenSSL allows to be shared between threads and which
 * is published with an atomic compare-and-swap.  Builds with OpenSSL 1.1.1
 * and 3.x.
 *
 *-------------------------------------------------------------------------
 */
#include "cuid2.h"
#include "lg_clock.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#define INITIAL_COUNT_MAX	476782367

static const char base36_digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* "00", "01", ... "zz": two base36 digits for each value below 36^2 */
#define PAIRS_ROW(c) \
	c "0" c "1" c "2" c "3" c "4" c "5" c "6" c "7" c "8" c "9" \
	c "a" c "b" c "c" c "d" c "e" c "f" c "g" c "h" c "i" c "j" c "k" c "l" \
	c "m" c "n" c "o" c "p" c "q" c "r" c "s" c "t" c "u" c "v" c "w" c "x" \
	c "y" c "z"
static const char base36_pairs[2 * 1296 + 1] =
	PAIRS_ROW("0") PAIRS_ROW("1") PAIRS_ROW("2") PAIRS_ROW("3")
	PAIRS_ROW("4") PAIRS_ROW("5") PAIRS_ROW("6") PAIRS_ROW("7")
	PAIRS_ROW("8") PAIRS_ROW("9") PAIRS_ROW("a") PAIRS_ROW("b")
	PAIRS_ROW("c") PAIRS_ROW("d") PAIRS_ROW("e") PAIRS_ROW("f")
	PAIRS_ROW("g") PAIRS_ROW("h") PAIRS_ROW("i") PAIRS_ROW("j")
	PAIRS_ROW("k") PAIRS_ROW("l") PAIRS_ROW("m") PAIRS_ROW("n")
	PAIRS_ROW("o") PAIRS_ROW("p") PAIRS_ROW("q") PAIRS_ROW("r")
	PAIRS_ROW("s") PAIRS_ROW("t") PAIRS_ROW("u") PAIRS_ROW("v")
	PAIRS_ROW("w") PAIRS_ROW("x") PAIRS_ROW("y") PAIRS_ROW("z");

#define BASE36_PAIR(v)	(base36_pairs + 2 * (v))

#define POW36_6		UINT64_C(2176782336)	/* 36^6 */

/* v < 36^6 as six base36 digits */
static inline void
put6(uint32_t v, char *out)
{
	const char *p;

	p = BASE36_PAIR(v % 1296);
	out[4] = p[0];
	out[5] = p[1];
	v /= 1296;
	p = BASE36_PAIR(v % 1296);
	out[2] = p[0];
	out[3] = p[1];
	p = BASE36_PAIR(v / 1296);
	out[0] = p[0];
	out[1] = p[1];
}

/*
 * The SHA3-512 implementation.  OpenSSL 3 looks an algorithm up in its
 * providers on every use of EVP_sha3_512() (an "implicit fetch"); fetching
 * it once and sharing the result between threads avoids that cost on every
 * hash.  OpenSSL 1.1.1 has no providers and no EVP_MD_fetch: EVP_sha3_512()
 * is a static table there.  This is the only OpenSSL version difference
 * in the core (the extension's PostgreSQL differences are in
 * extension/compat.h; this file does not depend on PostgreSQL).
 */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static EVP_MD *sha3_512_md = NULL;

static const EVP_MD *
get_sha3_512(void)
{
	EVP_MD	   *md = __atomic_load_n(&sha3_512_md, __ATOMIC_ACQUIRE);
	EVP_MD	   *expected = NULL;

	if (md != NULL)
		return md;
	md = EVP_MD_fetch(NULL, "SHA3-512", NULL);
	if (md == NULL)
		return NULL;
	if (!__atomic_compare_exchange_n(&sha3_512_md, &expected, md, false,
									 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
	{
		/* another thread won the race; use its copy */
		EVP_MD_free(md);
		md = expected;
	}
	return md;
}

/* start a digest on a context that may hold an earlier one */
static inline int
digest_init(EVP_MD_CTX *ctx, const EVP_MD *md)
{
	return EVP_DigestInit_ex2(ctx, md, NULL);
}
#else
static const EVP_MD *
get_sha3_512(void)
{
	return EVP_sha3_512();
}

static inline int
digest_init(EVP_MD_CTX *ctx, const EVP_MD *md)
{
	return EVP_DigestInit_ex(ctx, md, NULL);
}
#endif

/* Write v in base36 into out (no terminator); returns the number of digits. */
static size_t
u64_to_base36(uint64_t v, char *out)
{
	char		tmp[16];
	size_t		n = 0;
	size_t		i;

	do
	{
		tmp[n++] = base36_digits[v % 36];
		v /= 36;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/*
 * Each step is
 * a 64-by-32-bit division by 36^6, which fits in 32 bits, by a constant (a
 * multiplication).  Each sweep over the limbs divides three times in a
 * pipeline: the three remainder chains are independent, so the CPU overlaps
 * them, and a sweep yields 18 digits.
 */
size_t
lg_base36_from_limbs(uint32_t *limbs, int nlimbs, char *out)
{
	int			first = 0;
	char		rev[LG_CUID2_HASH_MAX + 24];
	size_t		nrev = 0;
	size_t		i;
	const uint64_t chunk = 2176782336u; /* 36^6 */

	while (first < nlimbs && limbs[first] == 0)
		first++;
	while (first < nlimbs)
	{
		uint64_t	r[3] = {0, 0, 0};
		int			k;
		int			d;

		/* N = ((Q * chunk + r[2]) * chunk + r[1]) * chunk + r[0] */
		for (i = (size_t) first; i < (size_t) nlimbs; i++)
		{
			uint64_t	cur;
			uint64_t	q;

			cur = (r[0] << 32) | limbs[i];
			q = cur / chunk;
			r[0] = cur - q * chunk;
			cur = (r[1] << 32) | q;
			q = cur / chunk;
			r[1] = cur - q * chunk;
			cur = (r[2] << 32) | q;
			q = cur / chunk;
			r[2] = cur - q * chunk;
			limbs[i] = (uint32_t) q;
		}
		while (first < nlimbs && limbs[first] == 0)
			first++;
		/* eighteen digits, least significant first, two at a time */
		for (k = 0; k < 3; k++)
		{
			uint32_t	rem = (uint32_t) r[k];

			for (d = 0; d < 3; d++)
			{
				const char *pair = BASE36_PAIR(rem % 1296);

				rev[nrev++] = pair[1];
				rev[nrev++] = pair[0];
				rem /= 1296;
			}
		}
	}
	/* strip leading zeros (they are at the end of rev) */
	while (nrev > 1 && rev[nrev - 1] == '0')
		nrev--;
	if (nrev == 0)
		rev[nrev++] = '0';
	for (i = 0; i < nrev; i++)
		out[i] = rev[nrev - 1 - i];
	return nrev;
}

/* the digest as 16 big-endian 32-bit limbs */
static void
digest_limbs(const unsigned char *digest, uint32_t *limbs)
{
	int			i;

	for (i = 0; i < LG_CUID2_DIGEST_BYTES / 4; i++)
		limbs[i] = ((uint32_t) digest[4 * i] << 24) |
			((uint32_t) digest[4 * i + 1] << 16) |
			((uint32_t) digest[4 * i + 2] << 8) |
			(uint32_t) digest[4 * i + 3];
}

size_t
lg_cuid2_digest_base36(const unsigned char *digest, char *out)
{
	uint32_t	limbs[LG_CUID2_DIGEST_BYTES / 4];
	size_t		n;

	digest_limbs(digest, limbs);
	n = lg_base36_from_limbs(limbs, LG_CUID2_DIGEST_BYTES / 4, out);
	out[n] = '\0';
	return n;
}

/*
 * The leading digits of a digest N without converting all of it.  N <
 * 2^512 < 36^100, so f = N / 36^100 is a fraction below 1 whose first 100
 * base36 digits are those of N, after 100 - D zeros when N has D digits
 * (D is 94 to 100 but for one digest in 2 * 10^9).  Its first 39 digits
 * come from a 256-bit approximation g of f: g * 36^12 has the first twelve
 * as its integer part, the next multiplication the next twelve, and so on.
 *
 * g = floor(N * K / 2^512), with K = ceil(2^768 / 36^100) below:
 *   echo 'a=2^768; b=36^100; q=a/b; if (q*b<a) q=q+1; obase=16; q' | bc
 * Writing K = 2^768 / 36^100 + d with 0 <= d < 1, N * K / 2^512 exceeds
 * f * 2^256 by N * d / 2^512 < 1.  Of the product, only the partial
 * products of 64-bit limbs i + j >= 7 are summed (10 multiplications of
 * 32); the ones left out sum to less than 4.0001 * 2^512.  So f * 2^256 is
 * within (-1, 5.0001) of g * 2^256, and after 39 digits, within
 * 5.0001 * 36^39 / 2^256 < 2^-52 of what is left of g: the 39 digits are
 * f's when that remainder is at least 2^-48 from 0 and from 1.  Otherwise
 * (once in 2^47 digests) the caller converts the whole digest;
 * test/client/cuid2_digits.t checks both paths against the whole
 * conversion.  The multiplications need 128-bit products (every 64-bit
 * target's compiler has them); without, the whole digest is converted.
 */
#ifdef __SIZEOF_INT128__
typedef unsigned __int128 lg_u128;

static const uint64_t inv_36_100[4] = {	/* K, least significant limb first */
	UINT64_C(0xa31e831b116b4822), UINT64_C(0xf60acec5bf1ec44e),
	UINT64_C(0x98080c9595be787b), UINT64_C(0x080aac9c1b323a05)
};

#define POW36_3		UINT64_C(46656)
#define POW36_12	UINT64_C(4738381338321616896)

/*
 * The fraction g = (g3 g2 g1 g0) / 2^256 times m: the integer part into v,
 * the rest back into g.
 */
#define FRACTION_TIMES(m, v) \
	do { \
		lg_u128		t_ = (lg_u128) g0 * (m); \
		g0 = (uint64_t) t_; \
		t_ = (t_ >> 64) + (lg_u128) g1 * (m); \
		g1 = (uint64_t) t_; \
		t_ = (t_ >> 64) + (lg_u128) g2 * (m); \
		g2 = (uint64_t) t_; \
		t_ = (t_ >> 64) + (lg_u128) g3 * (m); \
		g3 = (uint64_t) t_; \
		(v) = (uint64_t) (t_ >> 64); \
	} while (0)

/* the 64-bit limb of the digest that starts at byte i, read big-endian */
static inline uint64_t
digest_u64(const unsigned char *digest, int i)
{
	uint64_t	w;

	memcpy(&w, digest + i, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* one term of a column of N * K, into a 192-bit accumulator (acc, over) */
#define MUL_ADD(a, b) \
	do { \
		lg_u128		t_ = (lg_u128) (a) * (b); \
		acc += t_; \
		over += acc < t_; \
	} while (0)

/* end a column: the accumulator shifts down by one limb */
#define NEXT_COLUMN() \
	do { \
		acc = (acc >> 64) | ((lg_u128) over << 64); \
		over = 0; \
	} while (0)

/* the fraction g of the digest, (g3 g2 g1 g0) / 2^256 */
static inline __attribute__((always_inline)) void
digest_fraction(const unsigned char *digest, uint64_t *g0, uint64_t *g1,
				uint64_t *g2, uint64_t *g3)
{
	const uint64_t *k = inv_36_100;
	uint64_t	n4 = digest_u64(digest, 24),
				n5 = digest_u64(digest, 16),
				n6 = digest_u64(digest, 8),
				n7 = digest_u64(digest, 0);
	lg_u128		acc = 0;
	uint64_t	over = 0;

	/* columns 7 to 11 of N * K (N's limbs 0 to 3 enter no column kept) */
	MUL_ADD(n7, k[0]);
	MUL_ADD(n6, k[1]);
	MUL_ADD(n5, k[2]);
	MUL_ADD(n4, k[3]);
	NEXT_COLUMN();
	MUL_ADD(n7, k[1]);
	MUL_ADD(n6, k[2]);
	MUL_ADD(n5, k[3]);
	*g0 = (uint64_t) acc;
	NEXT_COLUMN();
	MUL_ADD(n7, k[2]);
	MUL_ADD(n6, k[3]);
	*g1 = (uint64_t) acc;
	NEXT_COLUMN();
	MUL_ADD(n7, k[3]);
	*g2 = (uint64_t) acc;
	NEXT_COLUMN();
	*g3 = (uint64_t) acc;
}

/* what is left of g must be clear of 0 and 1 (see above) */
#define FRACTION_DECIDED()	((g3 >> 16) != 0 && (~g3 >> 16) != 0)

bool
lg_cuid2_digest_leading(const unsigned char *digest, int count, char *out)
{
	uint64_t	g0,
				g1,
				g2,
				g3;
	char		digits[39];
	uint64_t	v;
	int			i;
	int			z;

	if (count < 1 || count > LG_CUID2_MAX_LENGTH + 1)
		return false;
	digest_fraction(digest, &g0, &g1, &g2, &g3);

	/* 36 digits, twelve at a time (enough for every length but 32) */
	for (i = 0; i < 36; i += 12)
	{
		FRACTION_TIMES(POW36_12, v);
		put6((uint32_t) (v / POW36_6), digits + i);
		put6((uint32_t) (v % POW36_6), digits + i + 6);
	}
	for (z = 0; z < 36 && digits[z] == '0'; z++)
		;
	if (z + count > 36)
	{
		FRACTION_TIMES(POW36_3, v);
		digits[38] = base36_digits[v % 36];
		v /= 36;
		digits[37] = base36_digits[v % 36];
		digits[36] = base36_digits[v / 36];
		for (; z < 39 && digits[z] == '0'; z++)
			;
		if (z + count > 39)
			return false;
	}
	if (!FRACTION_DECIDED())
		return false;
	memcpy(out, digits + z, (size_t) count);
	return true;
}

bool
lg_cuid2_digest_id_digits(const unsigned char *digest, int length, char *out)
{
	uint64_t	g0,
				g1,
				g2,
				g3;
	char		digits[36];
	uint64_t	v;
	int			need = length - 1;
	int			i;

	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		return false;
	digest_fraction(digest, &g0, &g1, &g2, &g3);
	/* past the number's first two digits: f's first two, or three after a zero */
	FRACTION_TIMES(1296, v);
	if (v < 36)
	{
		if (v == 0)
			return false;		/* two leading zeros: fewer than 99 digits */
		FRACTION_TIMES(36, v);
	}
	/* then twelve at a time: at most 3 + 36 digits in all */
	for (i = 0; i < need; i += 12)
	{
		FRACTION_TIMES(POW36_12, v);
		put6((uint32_t) (v / POW36_6), digits + i);
		put6((uint32_t) (v % POW36_6), digits + i + 6);
	}
	if (!FRACTION_DECIDED())
		return false;
	if (need == LG_CUID2_DEFAULT_LENGTH - 1)
		memcpy(out, digits, LG_CUID2_DEFAULT_LENGTH - 1);
	else
		memcpy(out, digits, (size_t) need);
	return true;
}
#else
bool
lg_cuid2_digest_leading(const unsigned char *digest, int count, char *out)
{
	return false;
}

bool
lg_cuid2_digest_id_digits(const unsigned char *digest, int length, char *out)
{
	return false;
}
#endif

/*
 * The first count digits of the digest: quickly when that can be proved,
 * else from the whole conversion.  False when the number has fewer digits.
 */
static bool
digest_leading_digits(const unsigned char *digest, int count, char *out)
{
	char		all[LG_CUID2_HASH_MAX + 1];

	if (lg_cuid2_digest_leading(digest, count, out))
		return true;
	if (lg_cuid2_digest_base36(digest, all) < (size_t) count)
		return false;
	memcpy(out, all, (size_t) count);
	return true;
}

/*
 * SHA3-512 of the input into digest.  ctx is a reusable EVP_MD_CTX, or
 * NULL for a one-shot digest.
 */
static bool
sha3_512(EVP_MD_CTX *ctx, const void *input, size_t len, unsigned char *digest)
{
	unsigned int dlen = 0;
	const EVP_MD *md = get_sha3_512();

	if (md == NULL)
		return false;
	if (ctx == NULL)
		return EVP_Digest(input, len, digest, &dlen, md, NULL) &&
			dlen == LG_CUID2_DIGEST_BYTES;
	return digest_init(ctx, md) &&
		EVP_DigestUpdate(ctx, input, len) &&
		EVP_DigestFinal_ex(ctx, digest, &dlen) &&
		dlen == LG_CUID2_DIGEST_BYTES;
}

lg_cuid2_status
lg_cuid2_hash(const void *input, size_t len, char *out, size_t *out_len)
{
	unsigned char digest[LG_CUID2_DIGEST_BYTES];
	char		all[LG_CUID2_HASH_MAX + 1];
	size_t		n;

	if (!sha3_512(NULL, input, len, digest))
		return LG_CUID2_ERR_HASH;
	/* drop the most significant digit, as the reference does */
	n = lg_cuid2_digest_base36(digest, all) - 1;
	memcpy(out, all + 1, n + 1);
	if (out_len)
		*out_len = n;
	return LG_CUID2_OK;
}

/*
 * The next 64 random bits from the state's buffer, refilling it when
 * empty (the buffer's size is a multiple of 8).
 */
static inline bool
next_random_u64(lg_cuid2_state *state, uint64_t *w)
{
	if (state->random_pos >= LG_RANDOM_BUFFER_SIZE)
	{
		if (!state->random(state->random_buf, LG_RANDOM_BUFFER_SIZE))
			return false;
		state->random_pos = 0;
	}
	memcpy(w, state->random_buf + state->random_pos, sizeof(*w));
	state->random_pos += sizeof(*w);
	return true;
}

/*
 * A uniform random integer below m (at most 2^63), by rejection sampling of
 * 64-bit words: a word is kept when it is below the largest multiple of m
 * that fits, so every value is equally likely; for the m used here that
 * rejects fewer than 2 words in 1000.
 */
static inline bool
random_below_u64(lg_cuid2_state *state, uint64_t m, uint64_t *out)
{
	uint64_t	limit = UINT64_MAX - (UINT64_MAX % m + 1) % m;
	uint64_t	w;

	do
	{
		if (!next_random_u64(state, &w))
			return false;
	} while (w > limit);
	*out = w % m;
	return true;
}

#define POW36_10	UINT64_C(3656158440062976)	/* 36^10 */

/*
 * The random letter and n base36 digits of salt: the letter and the first
 * ten digits from one uniform draw below 26 * 36^10, the rest ten at a time
 * from draws below 36^10 (the digits of a uniform number are independent
 * and uniform).  A draw below 36^10 is written as twelve digits, two
 * leading zeros and its ten; the draws go into buf from the last, so that
 * each one's zeros are covered by the digits of the one before.
 */
static bool
random_letter_and_salt(lg_cuid2_state *state, char *letter, char *salt, int n)
{
	char		buf[2 + 10 * ((LG_CUID2_MAX_LENGTH + 9) / 10) + 2];
	uint64_t	v[(LG_CUID2_MAX_LENGTH + 9) / 10];
	int			draws = (n + 9) / 10;
	int			k;

	if (!random_below_u64(state, 26 * POW36_10, &v[0]))
		return false;
	*letter = (char) ('a' + v[0] % 26);
	v[0] /= 26;
	for (k = 1; k < draws; k++)
		if (!random_below_u64(state, POW36_10, &v[k]))
			return false;
	for (k = draws - 1; k >= 0; k--)
	{
		put6((uint32_t) (v[k] / POW36_6), buf + 10 * k);
		put6((uint32_t) (v[k] % POW36_6), buf + 10 * k + 6);
	}
	if (n == LG_CUID2_DEFAULT_LENGTH)
		memcpy(salt, buf + 2, LG_CUID2_DEFAULT_LENGTH);
	else
		memcpy(salt, buf + 2, (size_t) n);
	return true;
}

/* n random base36 digits (the fingerprint's entropy) */
static bool
random_base36(lg_cuid2_state *state, char *out, int n)
{
	char		letter;

	return random_letter_and_salt(state, &letter, out, n);
}

lg_cuid2_status
lg_cuid2_init(lg_cuid2_state *state, lg_random_fn random,
			  const char *identity, size_t identity_len)
{
	char		source[1024 + LG_CUID2_FINGERPRINT_LENGTH];
	char		hash[LG_CUID2_HASH_MAX + 1];
	size_t		hlen;
	size_t		ilen = identity_len > 1024 ? 1024 : identity_len;
	uint64_t	r;
	void	   *ctx = state->digest_ctx;

	/* nothing of an earlier process survives but the digest context */
	memset(state, 0, sizeof(*state));
	state->digest_ctx = ctx;
	state->random = random;
	state->random_pos = LG_RANDOM_BUFFER_SIZE;	/* empty: refill on use */
	state->time_ms = -1;
	if (state->digest_ctx == NULL &&
		(state->digest_ctx = EVP_MD_CTX_new()) == NULL)
		return LG_CUID2_ERR_HASH;

	/* counter: a random start below INITIAL_COUNT_MAX */
	if (!random_below_u64(state, INITIAL_COUNT_MAX, &r))
		return LG_CUID2_ERR_RANDOM;
	state->count36_len = (int) u64_to_base36(r, state->count36);

	/* fingerprint: hash(identity + 32 random base36 digits), first 32 */
	memcpy(source, identity, ilen);
	if (!random_base36(state, source + ilen, LG_CUID2_FINGERPRINT_LENGTH))
		return LG_CUID2_ERR_RANDOM;
	if (lg_cuid2_hash(source, ilen + LG_CUID2_FINGERPRINT_LENGTH,
					  hash, &hlen) != LG_CUID2_OK)
		return LG_CUID2_ERR_HASH;
	if (hlen < LG_CUID2_FINGERPRINT_LENGTH)
		return LG_CUID2_ERR_HASH;	/* a digest of almost all zeros */
	memcpy(state->fingerprint, hash, LG_CUID2_FINGERPRINT_LENGTH);
	state->fingerprint[LG_CUID2_FINGERPRINT_LENGTH] = '\0';
	state->pid = getpid();
	state->initialized = true;
	return LG_CUID2_OK;
}

void
lg_cuid2_release(lg_cuid2_state *state)
{
	EVP_MD_CTX_free(state->digest_ctx);
	state->digest_ctx = NULL;
	state->initialized = false;
}

/* time36 (<= 13) + salt (<= 32) + count36 (<= 13) + fingerprint (32) */
#define COMPOSE_INPUT_MAX (13 + LG_CUID2_MAX_LENGTH + 13 + LG_CUID2_FINGERPRINT_LENGTH)

/*
 * letter + characters 1..n-1 of hash(input), where hash() drops the first
 * digit: the digits 2..n of the digest's base36.
 */
static lg_cuid2_status
finish_id(EVP_MD_CTX *ctx, const char *input, size_t len, char letter,
		  int length, char *out)
{
	unsigned char digest[LG_CUID2_DIGEST_BYTES];
	char		digits[LG_CUID2_MAX_LENGTH + 1];

	if (!sha3_512(ctx, input, len, digest))
		return LG_CUID2_ERR_HASH;
	out[0] = letter;
	if (!lg_cuid2_digest_id_digits(digest, length, out + 1))
	{
		if (!digest_leading_digits(digest, length + 1, digits))
			return LG_CUID2_ERR_HASH;	/* cannot happen short of a zero digest */
		memcpy(out + 1, digits + 2, (size_t) length - 1);
	}
	out[length] = '\0';
	return LG_CUID2_OK;
}

lg_cuid2_status
lg_cuid2_compose(int64_t time_ms, const char *salt, uint64_t counter,
				 const char *fingerprint, char letter, int length, char *out)
{
	char		input[COMPOSE_INPUT_MAX];
	size_t		n = 0;

	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		return LG_CUID2_ERR_LENGTH;

	n += u64_to_base36((uint64_t) (time_ms < 0 ? 0 : time_ms), input + n);
	memcpy(input + n, salt, (size_t) length);
	n += (size_t) length;
	n += u64_to_base36(counter, input + n);
	memcpy(input + n, fingerprint, LG_CUID2_FINGERPRINT_LENGTH);
	n += LG_CUID2_FINGERPRINT_LENGTH;
	return finish_id(NULL, input, n, letter, length, out);
}

/*
 * The counter plus one, in base36 where it is kept: the last digit moves
 * on, and a 'z' turns to '0' and carries.  (36^15 ids are out of reach;
 * there it would wrap to zeros.)
 */
static void
count36_increment(lg_cuid2_state *state)
{
	char	   *c = state->count36;
	int			i;

	for (i = state->count36_len - 1; i >= 0; i--)
	{
		if (c[i] != 'z')
		{
			c[i] = c[i] == '9' ? 'a' : (char) (c[i] + 1);
			return;
		}
		c[i] = '0';
	}
	if (state->count36_len < (int) sizeof(state->count36) - 1)
	{
		memmove(c + 1, c, (size_t) state->count36_len);
		c[0] = '1';
		state->count36_len++;
	}
}

/*
 * As lg_cuid2_compose with the state's time, salt and counter: the salt is
 * drawn straight into the input, time36 is written once per millisecond,
 * and the state's digest context is reused.
 */
lg_cuid2_status
lg_cuid2_generate(lg_cuid2_state *state, int length, char *out)
{
	char		input[COMPOSE_INPUT_MAX];
	size_t		n;
	char		letter;
	int64_t		now;

	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		return LG_CUID2_ERR_LENGTH;
	now = lg_cuid2_clock_ms();
	if (now < 0)
		now = 0;
	if (now != state->time_ms)
	{
		state->time36_len = (int) u64_to_base36((uint64_t) now, state->time36);
		state->time_ms = now;
	}
	n = (size_t) state->time36_len;
	memcpy(input, state->time36, n);
	if (!random_letter_and_salt(state, &letter, input + n, length))
		return LG_CUID2_ERR_RANDOM;
	n += (size_t) length;
	memcpy(input + n, state->count36, (size_t) state->count36_len);
	n += (size_t) state->count36_len;
	count36_increment(state);
	memcpy(input + n, state->fingerprint, LG_CUID2_FINGERPRINT_LENGTH);
	n += LG_CUID2_FINGERPRINT_LENGTH;
	return finish_id(state->digest_ctx, input, n, letter, length, out);
}

/*
 * Where s (len > 0 bytes) first breaks the form of a CUID2 or a prefix: a
 * lowercase ASCII letter, then lowercase letters and digits (and '_' when
 * underscore is set).  0 when the first byte is no letter, len when none
 * breaks it.
 */
static size_t
first_bad_char(const char *s, size_t len, bool underscore)
{
	size_t		i;

	if (s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (underscore && c == '_')))
			break;
	}
	return i;
}

lg_cuid2_problem
lg_cuid2_check(const char *s, size_t len)
{
	size_t		bad;

	if (len < LG_CUID2_MIN_LENGTH)
		return LG_CUID2_TOO_SHORT;
	if (len > LG_CUID2_MAX_LENGTH)
		return LG_CUID2_TOO_LONG;
	bad = first_bad_char(s, len, false);
	if (bad == 0)
		return LG_CUID2_BAD_FIRST;
	if (bad < len)
		return LG_CUID2_BAD_CHAR;
	return LG_CUID2_VALID;
}

bool
lg_is_cuid2(const char *s, size_t len)
{
	return s != NULL && lg_cuid2_check(s, len) == LG_CUID2_VALID;
}

const char *
lg_cuid2_problem_text(lg_cuid2_problem p)
{
	switch (p)
	{
		case LG_CUID2_VALID:
			return "The CUID2 is valid.";
		case LG_CUID2_TOO_SHORT:
			return "The CUID2 is shorter than 2 characters.";
		case LG_CUID2_TOO_LONG:
			return "The CUID2 is longer than 32 characters.";
		case LG_CUID2_BAD_FIRST:
			return "The CUID2 does not start with a lowercase ASCII letter.";
		case LG_CUID2_BAD_CHAR:
			return "The CUID2 contains a character other than a lowercase ASCII letter or a digit.";
	}
	return "The CUID2 is invalid.";
}

lg_prefix_problem
lg_prefix_check(const char *s, size_t len)
{
	size_t		bad;

	if (s == NULL || len == 0)
		return LG_PREFIX_EMPTY;
	if (len > LG_PREFIX_MAX_LENGTH)
		return LG_PREFIX_TOO_LONG;
	bad = first_bad_char(s, len, true);
	if (bad == 0)
		return LG_PREFIX_BAD_FIRST;
	if (bad < len)
		return LG_PREFIX_BAD_CHAR;
	if (s[len - 1] == '_')
		return LG_PREFIX_TRAILING_UNDERSCORE;
	return LG_PREFIX_OK;
}

const char *
lg_prefix_problem_text(lg_prefix_problem p)
{
	switch (p)
	{
		case LG_PREFIX_OK:
			return "The prefix is valid.";
		case LG_PREFIX_EMPTY:
			return "The prefix is empty.";
		case LG_PREFIX_TOO_LONG:
			return "The prefix is longer than 63 characters.";
		case LG_PREFIX_BAD_FIRST:
			return "The prefix does not start with a lowercase ASCII letter.";
		case LG_PREFIX_BAD_CHAR:
			return "The prefix contains a character other than a lowercase ASCII letter, a digit or an underscore.";
		case LG_PREFIX_TRAILING_UNDERSCORE:
			return "The prefix ends with an underscore.";
	}
	return "The prefix is invalid.";
}

/* the classes of the characters of ids: bit 1 a-z, 2 0-9, 4 '_' */
#define CH_LETTER	1
#define CH_DIGIT	2
#define CH_UNDER	4
#define L CH_LETTER
#define D CH_DIGIT
static const unsigned char char_class[256] = {
	['0'] = D, D, D, D, D, D, D, D, D, D,
	['_'] = CH_UNDER,
	['a'] = L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L
};
#undef L
#undef D

lg_prefixed_id_problem
lg_prefixed_id_check(const char *s, size_t len, size_t *prefix_len,
					 lg_prefix_problem *prefix_problem,
					 lg_cuid2_problem *cuid2_problem)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		us = len;
	size_t		i;

	/*
	 * A valid id in one pass: the body back to the last '_', then the
	 * prefix; anything else is classified below.
	 */
	while (us > 0 && (char_class[u[us - 1]] & (CH_LETTER | CH_DIGIT)))
		us--;
	if (us >= 2 && u[us - 1] == '_' && len - us >= LG_CUID2_MIN_LENGTH &&
		len - us <= LG_CUID2_MAX_LENGTH && (char_class[u[us]] & CH_LETTER) &&
		us - 1 <= LG_PREFIX_MAX_LENGTH && (char_class[u[0]] & CH_LETTER) &&
		u[us - 2] != '_')
	{
		for (i = 1; i < us - 1 && char_class[u[i]]; i++)
			;
		if (i == us - 1)
		{
			if (prefix_len)
				*prefix_len = us - 1;
			return LG_PREFIXED_ID_VALID;
		}
	}

	us = len;

	/* the last '_' separates prefix and body: a CUID2 never contains '_' */
	while (us > 0 && s[us - 1] != '_')
		us--;
	if (us == 0)
		return LG_PREFIXED_ID_NO_UNDERSCORE;
	us--;						/* index of the last '_' */
	if (prefix_len)
		*prefix_len = us;
	if ((*prefix_problem = lg_prefix_check(s, us)) != LG_PREFIX_OK)
		return LG_PREFIXED_ID_BAD_PREFIX;
	if ((*cuid2_problem = lg_cuid2_check(s + us + 1, len - us - 1)) != LG_CUID2_VALID)
		return LG_PREFIXED_ID_BAD_CUID2;
	return LG_PREFIXED_ID_VALID;
}

bool
lg_is_prefixed_id(const char *s, size_t len,
				  const char *want_prefix, size_t want_len,
				  size_t *prefix_len)
{
	size_t		us;
	lg_prefix_problem pp;
	lg_cuid2_problem cp;

	if (s == NULL ||
		lg_prefixed_id_check(s, len, &us, &pp, &cp) != LG_PREFIXED_ID_VALID)
		return false;
	if (want_prefix != NULL &&
		(want_len != us || memcmp(s, want_prefix, us) != 0))
		return false;
	if (prefix_len)
		*prefix_len = us;
	return true;
}
