/*-------------------------------------------------------------------------
 *
 * cuid2.h
 *	  CUID2 identifiers and prefixed identifiers, as made by the
 *	  @paralleldrive/cuid2 3.x JavaScript package.
 *
 * This is plain C with no PostgreSQL dependency: the server extension and
 * the client library (liblifeguard) both compile it.  Hashing is OpenSSL's
 * SHA3-512; randomness comes from a caller-supplied CSPRNG callback, read
 * through a buffer of LG_RANDOM_BUFFER_SIZE bytes, so that the CSPRNG's
 * fixed cost per call is paid once every few hundred identifiers.
 *
 * A generator state belongs to one process (or one thread).  The caller
 * must re-initialise it when the process identity changes (after fork()):
 * lg_cuid2_state remembers the pid it was made for so the caller can check
 * cheaply, and lg_cuid2_init throws away everything the old process left in
 * it (its random bytes, counter and fingerprint) except the allocated
 * digest context, which it reuses.  lg_cuid2_release frees that context.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_CUID2_H
#define LIFEGUARD_CUID2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LG_CUID2_DEFAULT_LENGTH	24
#define LG_CUID2_MIN_LENGTH		2
#define LG_CUID2_MAX_LENGTH		32
#define LG_CUID2_FINGERPRINT_LENGTH 32
/* a SHA3-512 digest */
#define LG_CUID2_DIGEST_BYTES	64
/* base36 digits of a 512-bit number is at most 100; the first is dropped */
#define LG_CUID2_HASH_MAX		100
#define LG_PREFIX_MAX_LENGTH	63
#define LG_PREFIXED_ID_MAX		(LG_PREFIX_MAX_LENGTH + 1 + LG_CUID2_MAX_LENGTH)

/* Fills buf with len cryptographically strong random bytes; true on success. */
typedef bool (*lg_random_fn) (void *buf, size_t len);

/* Result codes of the core. */
typedef enum lg_cuid2_status
{
	LG_CUID2_OK = 0,
	LG_CUID2_ERR_RANDOM,		/* the random source failed */
	LG_CUID2_ERR_HASH,			/* OpenSSL's SHA3-512 failed */
	LG_CUID2_ERR_LENGTH			/* length outside 2..32 */
} lg_cuid2_status;

/* Why a prefix is invalid, for error messages. */
typedef enum lg_prefix_problem
{
	LG_PREFIX_OK = 0,
	LG_PREFIX_EMPTY,
	LG_PREFIX_TOO_LONG,
	LG_PREFIX_BAD_FIRST,		/* does not start with a letter a-z */
	LG_PREFIX_BAD_CHAR,			/* a character outside [a-z0-9_] */
	LG_PREFIX_TRAILING_UNDERSCORE
} lg_prefix_problem;

/* Why a CUID2 is invalid, for error messages. */
typedef enum lg_cuid2_problem
{
	LG_CUID2_VALID = 0,
	LG_CUID2_TOO_SHORT,			/* fewer than 2 characters */
	LG_CUID2_TOO_LONG,			/* more than 32 */
	LG_CUID2_BAD_FIRST,			/* does not start with a letter a-z */
	LG_CUID2_BAD_CHAR			/* a character outside [0-9a-z] */
} lg_cuid2_problem;

/* Why a prefixed id is invalid, for error messages. */
typedef enum lg_prefixed_id_problem
{
	LG_PREFIXED_ID_VALID = 0,
	LG_PREFIXED_ID_NO_UNDERSCORE,	/* no '_' separates a prefix */
	LG_PREFIXED_ID_BAD_PREFIX,	/* see the lg_prefix_problem */
	LG_PREFIXED_ID_BAD_CUID2	/* see the lg_cuid2_problem */
} lg_prefixed_id_problem;

/* The rules, one sentence each, for error details. */
#define LG_PREFIX_RULE \
	"A prefix is 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore."
#define LG_CUID2_RULE \
	"A CUID2 is 2 to 32 characters: a lowercase ASCII letter, then lowercase ASCII letters and digits."
#define LG_PREFIXED_ID_RULE \
	"A prefixed id is a prefix, an underscore and a CUID2."

/*
 * Random bytes read from the CSPRNG at a time: one identifier of the
 * default length uses 24 of them.  test/bench/ids.sh measures the cost
 * per byte of the server's source (OpenSSL's RAND_bytes) at several sizes.
 */
#define LG_RANDOM_BUFFER_SIZE	4096

typedef struct lg_cuid2_state
{
	bool		initialized;
	pid_t		pid;			/* process this state was made for */
	lg_random_fn random;
	int			count36_len;
	char		count36[16];	/* the counter, in base36 */
	char		fingerprint[LG_CUID2_FINGERPRINT_LENGTH + 1];
	void	   *digest_ctx;		/* OpenSSL's EVP_MD_CTX, reused per id */
	int64_t		time_ms;		/* the time time36 was written for */
	int			time36_len;
	char		time36[16];		/* base36 of time_ms */
	size_t		random_pos;		/* next unread byte of random_buf */
	unsigned char random_buf[LG_RANDOM_BUFFER_SIZE];
} lg_cuid2_state;

/*
 * Initialise a generator: counter and fingerprint.  identity is whatever
 * identifies this process (host name, pid, ...); it is hashed together with
 * 32 random base36 digits, as the reference does with its global object.
 * A state's first initialisation needs it zero-filled (as static and
 * thread-local storage is).
 */
extern lg_cuid2_status lg_cuid2_init(lg_cuid2_state *state, lg_random_fn random,
									 const char *identity, size_t identity_len);

/* Free what lg_cuid2_init allocated (the digest context); idempotent. */
extern void lg_cuid2_release(lg_cuid2_state *state);

/* Make one CUID2 of the given length into out (length + 1 bytes). */
extern lg_cuid2_status lg_cuid2_generate(lg_cuid2_state *state, int length,
										 char *out);

/*
 * The deterministic part of an id: letter followed by characters 1..n-1 of
 * hash(time36 + salt + count36 + fingerprint).  salt holds length base36
 * digits, fingerprint 32 characters.  lg_cuid2_generate makes the same id
 * from the state's clock, letter, salt and counter (test/client/
 * cuid2_digits.t checks that they agree); tests call this with fixed
 * inputs.
 */
extern lg_cuid2_status lg_cuid2_compose(int64_t time_ms, const char *salt,
										uint64_t counter,
										const char *fingerprint, char letter,
										int length, char *out);

/*
 * The reference hash(): SHA3-512 of the bytes, read as one big-endian
 * number, in base36, first digit dropped.  out needs LG_CUID2_HASH_MAX + 1
 * bytes; *out_len receives the length written (without the terminator).
 */
extern lg_cuid2_status lg_cuid2_hash(const void *input, size_t len,
									 char *out, size_t *out_len);

/*
 * A digest as the reference reads it, bufToBigInt(digest).toString(36): all
 * its base36 digits, without leading zeros ("0" for zero), into out
 * (LG_CUID2_HASH_MAX + 1 bytes, terminated); returns the number of digits.
 */
extern size_t lg_cuid2_digest_base36(const unsigned char *digest, char *out);

/*
 * The first count (1 to LG_CUID2_MAX_LENGTH + 1) of those digits, without
 * converting the whole number, into out (count bytes, not terminated).
 * False when the quick method cannot prove them (the digest's first 36 or
 * 39 digits are followed by a run of about ten zeros or z's, once in 2^47
 * digests; for length 32, also when the number has fewer than 94 digits,
 * once in 2 * 10^9; always without 128-bit integers): then the caller
 * converts the whole digest.
 */
extern bool lg_cuid2_digest_leading(const unsigned char *digest, int count,
									char *out);

/*
 * Characters 1 to length-1 of an id whose hash input has this digest: the
 * digits 2 to length of its base36 (characters 1.. of hash(), which drops
 * the first), into out (length - 1 bytes, not terminated), as quickly as
 * lg_cuid2_digest_leading and on the same terms, also declining a number
 * of fewer than 99 digits (one digest in 40).
 */
extern bool lg_cuid2_digest_id_digits(const unsigned char *digest, int length,
									  char *out);

/*
 * Base36 of a number of nlimbs (at most 16) 32-bit limbs, most significant
 * first (destroyed), without leading zeros ("0" for zero), into out
 * (LG_CUID2_HASH_MAX bytes, not terminated); returns the number of digits.
 */
extern size_t lg_base36_from_limbs(uint32_t *limbs, int nlimbs, char *out);

/* The reference isCuid(): 2..32 characters, ^[a-z][0-9a-z]+$. */
extern bool lg_is_cuid2(const char *s, size_t len);

/* Check a CUID2 against those rules; LG_CUID2_VALID when valid. */
extern lg_cuid2_problem lg_cuid2_check(const char *s, size_t len);

/* One sentence describing a CUID2 problem, for error details. */
extern const char *lg_cuid2_problem_text(lg_cuid2_problem p);

/* Check a prefix against the rules; LG_PREFIX_OK when valid. */
extern lg_prefix_problem lg_prefix_check(const char *s, size_t len);

/* One sentence describing a prefix problem, for error details. */
extern const char *lg_prefix_problem_text(lg_prefix_problem p);

/*
 * Is s a prefixed id (valid prefix, '_', valid CUID2)?  With want_prefix
 * non-NULL, the prefix must also equal it.  On success *prefix_len receives
 * the length of the prefix part (when prefix_len is not NULL).
 */
extern bool lg_is_prefixed_id(const char *s, size_t len,
							  const char *want_prefix, size_t want_len,
							  size_t *prefix_len);

/*
 * Check a prefixed id, saying what is wrong: *prefix_len receives the
 * length of the part before the last '_' (when there is one), and
 * *prefix_problem or *cuid2_problem the problem of the part at fault.
 */
extern lg_prefixed_id_problem lg_prefixed_id_check(const char *s, size_t len,
												   size_t *prefix_len,
												   lg_prefix_problem *prefix_problem,
												   lg_cuid2_problem *cuid2_problem);

#endif							/* LIFEGUARD_CUID2_H */
