/*-------------------------------------------------------------------------
 *
 * ids.c
 *	  Prefixed CUID2 ids on the client: the same core (common/cuid2.c) and
 *	  the same rules and messages as the SQL function gen_prefixed_id, so
 *	  ids made in a C service and in the database are interchangeable.
 *
 * Generator state is per thread (thread-local storage), so no lock is
 * needed; a thread's digest context is freed when the thread exits (a
 * pthread key's destructor).  Randomness comes from OpenSSL's RAND_bytes.
 * A state remembers the pid it was made for and is made again after
 * fork(), so parent and child never share a counter or fingerprint.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cuid2.h"
#include "quote.h"

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 255
#endif

static __thread lg_cuid2_state generator;
static pthread_once_t release_once = PTHREAD_ONCE_INIT;
static pthread_key_t release_key;
static bool release_key_made = false;

static void
release_generator(void *state)
{
	lg_cuid2_release(state);
}

static void
make_release_key(void)
{
	release_key_made = pthread_key_create(&release_key, release_generator) == 0;
}

static bool
client_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int) len) == 1;
}

static lg_status
core_error(lg_cuid2_status st, lg_error *err)
{
	if (st == LG_CUID2_ERR_RANDOM)
		return lg_fail(err, LG_ERR_INTERNAL, "could not generate random values for a CUID2");
	return lg_fail(err, LG_ERR_INTERNAL, "could not compute SHA3-512 for a CUID2: OpenSSL did not provide the digest");
}

/*
 * What makes a generator's fingerprint its own: this host, this process and
 * the thread's state (its address).  Returns the length written to buf.
 */
static size_t
process_identity(char *buf, size_t size, pid_t pid)
{
	char		host[HOST_NAME_MAX + 1];
	int			len;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[HOST_NAME_MAX] = '\0';
	len = snprintf(buf, size, "%s:%d:%p", host, (int) pid, (void *) &generator);
	if (len < 0)
		return 0;
	return (size_t) len < size ? (size_t) len : size - 1;
}

static lg_status
get_generator(lg_cuid2_state **out, lg_error *err)
{
	pid_t		pid = getpid();

	if (!generator.initialized || generator.pid != pid)
	{
		char		identity[HOST_NAME_MAX + 64];
		size_t		len = process_identity(identity, sizeof(identity), pid);
		lg_cuid2_status st = lg_cuid2_init(&generator, client_random, identity, len);

		if (st != LG_CUID2_OK)
		{
			generator.initialized = false;
			return core_error(st, err);
		}
		pthread_once(&release_once, make_release_key);
		if (release_key_made)
			pthread_setspecific(release_key, &generator);
	}
	*out = &generator;
	return LG_OK;
}

static lg_status
check_length(int length, lg_error *err)
{
	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid CUID2 length %d: the length must be between %d and %d",
					   length, LG_CUID2_MIN_LENGTH, LG_CUID2_MAX_LENGTH);
	return LG_OK;
}

lg_status
lg_id_cuid2(int length, char *out, size_t size, lg_error *err)
{
	lg_cuid2_state *g;
	lg_cuid2_status cst;
	lg_status	st;

	if ((st = check_length(length, err)) != LG_OK)
		return st;
	if (size < (size_t) length + 1)
		return lg_fail(err, LG_ERR_MISUSE, "output buffer of %zu bytes too small for a CUID2 of length %d",
					   size, length);
	if ((st = get_generator(&g, err)) != LG_OK)
		return st;
	cst = lg_cuid2_generate(g, length, out);
	if (cst != LG_CUID2_OK)
		return core_error(cst, err);
	out[length] = '\0';
	return LG_OK;
}

lg_status
lg_id_generate(const char *prefix, int length, char *out, size_t size,
			   lg_error *err)
{
	size_t		plen = strlen(prefix);
	lg_prefix_problem problem = lg_prefix_check(prefix, plen);
	lg_status	st;
	char		quoted[LG_QUOTE_BUFSIZE];

	if (problem != LG_PREFIX_OK)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid prefix \"%s\": %s A prefix is 1 to %d lowercase ASCII letters, digits and underscores, starting with a letter and not ending with an underscore.",
					   lg_quote_bounded(quoted, prefix, plen,
										lg_utf8_cliplen(prefix, plen, LG_QUOTE_MAX)),
					   lg_prefix_problem_text(problem), LG_PREFIX_MAX_LENGTH);
	if ((st = check_length(length, err)) != LG_OK)
		return st;
	if (size < plen + 1 + (size_t) length + 1)
		return lg_fail(err, LG_ERR_MISUSE, "output buffer of %zu bytes too small for a prefixed id",
					   size);
	memcpy(out, prefix, plen);
	out[plen] = '_';
	return lg_id_cuid2(length, out + plen + 1, size - plen - 1, err);
}

bool
lg_id_is_cuid2(const char *id)
{
	return lg_is_cuid2(id, strlen(id));
}

bool
lg_id_is_prefixed(const char *id, const char *prefix)
{
	return lg_is_prefixed_id(id, strlen(id), prefix, prefix ? strlen(prefix) : 0,
							 NULL);
}
