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
#define SHA3_512_BYTES		64

static const char base36_digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* "00", "01", ... "zz": two base36 digits for each value below 36^2 */
static char base36_pairs[1296][2];
static bool base36_pairs_ready = false;

static void
init_base36_pairs(void)
{
	int			v;

	if (__atomic_load_n(&base36_pairs_ready, __ATOMIC_ACQUIRE))
		return;
	/* idempotent: concurrent initialisers write the same bytes */
	for (v = 0; v < 1296; v++)
	{
		base36_pairs[v][0] = base36_digits[v / 36];
		base36_pairs[v][1] = base36_digits[v % 36];
	}
	__atomic_store_n(&base36_pairs_ready, true, __ATOMIC_RELEASE);
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
#else
static const EVP_MD *
get_sha3_512(void)
{
	return EVP_sha3_512();
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
 * Base36 of a 512-bit big-endian number, without leading zeros, first digit
 * dropped.  The number is held in 32-bit limbs and divided by 36^6, which
 * fits in 32 bits, so every step is a 64-by-32-bit division by a constant
 * (a multiplication).  Each sweep over the limbs divides three times in a
 * pipeline: the three remainder chains are independent, so the CPU overlaps
 * them, and a sweep yields 18 digits.
 */
static size_t
digest_to_base36_tail(const unsigned char *digest, char *out)
{
	uint32_t	limbs[SHA3_512_BYTES / 4];
	int			nlimbs = SHA3_512_BYTES / 4;
	int			first = 0;
	char		rev[LG_CUID2_HASH_MAX + 24];
	size_t		nrev = 0;
	size_t		n;
	size_t		i;
	const uint64_t chunk = 2176782336u; /* 36^6 */

	init_base36_pairs();
	for (i = 0; i < (size_t) nlimbs; i++)
		limbs[i] = ((uint32_t) digest[4 * i] << 24) |
			((uint32_t) digest[4 * i + 1] << 16) |
			((uint32_t) digest[4 * i + 2] << 8) |
			(uint32_t) digest[4 * i + 3];

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
				const char *pair = base36_pairs[rem % 1296];

				rev[nrev++] = pair[1];
				rev[nrev++] = pair[0];
				rem /= 1296;
			}
		}
	}
	/* strip leading zeros (they are at the end of rev) */
	while (nrev > 0 && rev[nrev - 1] == '0')
		nrev--;
	if (nrev == 0)
	{
		/* the number zero is "0"; dropping its first digit leaves "" */
		out[0] = '\0';
		return 0;
	}
	/* drop the most significant digit, as the reference does */
	n = nrev - 1;
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
	return n;
}

lg_cuid2_status
lg_cuid2_hash(const void *input, size_t len, char *out, size_t *out_len)
{
	unsigned char digest[SHA3_512_BYTES];
	unsigned int dlen = 0;
	const EVP_MD *md = get_sha3_512();
	size_t		n;

	if (md == NULL ||
		!EVP_Digest(input, len, digest, &dlen, md, NULL) ||
		dlen != SHA3_512_BYTES)
		return LG_CUID2_ERR_HASH;
	n = digest_to_base36_tail(digest, out);
	if (out_len)
		*out_len = n;
	return LG_CUID2_OK;
}

/* Next random byte from the state's buffer, refilling it when empty. */
static inline bool
next_random_byte(lg_cuid2_state *state, unsigned char *b)
{
	if (state->random_pos >= LG_RANDOM_BUFFER_SIZE)
	{
		if (!state->random(state->random_buf, LG_RANDOM_BUFFER_SIZE))
			return false;
		state->random_pos = 0;
	}
	*b = state->random_buf[state->random_pos++];
	return true;
}

/* Uniform random integer in [0, n) for n <= 256, by rejection sampling. */
static inline bool
random_below(lg_cuid2_state *state, unsigned int n, unsigned int *out)
{
	unsigned int limit = 256 - (256 % n);
	unsigned char b;

	do
	{
		if (!next_random_byte(state, &b))
			return false;
	} while (b >= limit);
	*out = b % n;
	return true;
}

static bool
random_base36(lg_cuid2_state *state, char *out, size_t n)
{
	size_t		i;
	unsigned int v;

	for (i = 0; i < n; i++)
	{
		if (!random_below(state, 36, &v))
			return false;
		out[i] = base36_digits[v];
	}
	return true;
}

lg_cuid2_status
lg_cuid2_init(lg_cuid2_state *state, lg_random_fn random,
			  const char *identity, size_t identity_len)
{
	char		source[1024 + LG_CUID2_FINGERPRINT_LENGTH];
	char		hash[LG_CUID2_HASH_MAX + 1];
	size_t		hlen;
	size_t		ilen = identity_len > 1024 ? 1024 : identity_len;
	uint64_t	r = 0;
	int			i;
	unsigned char b;

	memset(state, 0, sizeof(*state));
	state->random = random;
	state->random_pos = LG_RANDOM_BUFFER_SIZE;	/* empty: refill on use */

	/* counter: a random start below INITIAL_COUNT_MAX */
	for (i = 0; i < 8; i++)
	{
		if (!next_random_byte(state, &b))
			return LG_CUID2_ERR_RANDOM;
		r = (r << 8) | b;
	}
	state->counter = r % INITIAL_COUNT_MAX;

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

lg_cuid2_status
lg_cuid2_compose(int64_t time_ms, const char *salt, uint64_t counter,
				 const char *fingerprint, char letter, int length, char *out)
{
	/* time36 (<= 13) + salt (<= 32) + count36 (<= 13) + fingerprint (32) */
	char		input[13 + LG_CUID2_MAX_LENGTH + 13 + LG_CUID2_FINGERPRINT_LENGTH];
	char		hash[LG_CUID2_HASH_MAX + 1];
	size_t		n = 0;
	size_t		hlen;

	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		return LG_CUID2_ERR_LENGTH;

	n += u64_to_base36((uint64_t) (time_ms < 0 ? 0 : time_ms), input + n);
	memcpy(input + n, salt, (size_t) length);
	n += (size_t) length;
	n += u64_to_base36(counter, input + n);
	memcpy(input + n, fingerprint, LG_CUID2_FINGERPRINT_LENGTH);
	n += LG_CUID2_FINGERPRINT_LENGTH;

	if (lg_cuid2_hash(input, n, hash, &hlen) != LG_CUID2_OK)
		return LG_CUID2_ERR_HASH;
	if (hlen < (size_t) length)
		return LG_CUID2_ERR_HASH;	/* cannot happen short of a zero digest */

	out[0] = letter;
	memcpy(out + 1, hash + 1, (size_t) length - 1);
	out[length] = '\0';
	return LG_CUID2_OK;
}

lg_cuid2_status
lg_cuid2_generate(lg_cuid2_state *state, int length, char *out)
{
	char		salt[LG_CUID2_MAX_LENGTH];
	unsigned int letter;

	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		return LG_CUID2_ERR_LENGTH;
	if (!random_below(state, 26, &letter))
		return LG_CUID2_ERR_RANDOM;
	if (!random_base36(state, salt, (size_t) length))
		return LG_CUID2_ERR_RANDOM;
	return lg_cuid2_compose(lg_clock_us(CLOCK_REALTIME) / 1000, salt, state->counter++,
							state->fingerprint, (char) ('a' + letter),
							length, out);
}

bool
lg_is_cuid2(const char *s, size_t len)
{
	size_t		i;

	if (s == NULL || len < LG_CUID2_MIN_LENGTH || len > LG_CUID2_MAX_LENGTH)
		return false;
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

lg_prefix_problem
lg_prefix_check(const char *s, size_t len)
{
	size_t		i;

	if (s == NULL || len == 0)
		return LG_PREFIX_EMPTY;
	if (len > LG_PREFIX_MAX_LENGTH)
		return LG_PREFIX_TOO_LONG;
	if (s[0] < 'a' || s[0] > 'z')
		return LG_PREFIX_BAD_FIRST;
	for (i = 1; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return LG_PREFIX_BAD_CHAR;
	}
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

bool
lg_is_prefixed_id(const char *s, size_t len,
				  const char *want_prefix, size_t want_len,
				  size_t *prefix_len)
{
	size_t		us;

	if (s == NULL || len < 3)
		return false;
	/* the last '_' separates prefix and body: a CUID2 never contains '_' */
	us = len;
	while (us > 0 && s[us - 1] != '_')
		us--;
	if (us == 0)
		return false;
	us--;						/* index of the last '_' */
	if (lg_prefix_check(s, us) != LG_PREFIX_OK)
		return false;
	if (!lg_is_cuid2(s + us + 1, len - us - 1))
		return false;
	if (want_prefix != NULL &&
		(want_len != us || memcmp(s, want_prefix, us) != 0))
		return false;
	if (prefix_len)
		*prefix_len = us;
	return true;
}
