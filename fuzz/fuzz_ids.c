/*-------------------------------------------------------------------------
 *
 * fuzz_ids.c
 *	  libFuzzer harness for the id validators: lg_prefix_check,
 *	  lg_is_cuid2 and lg_is_prefixed_id against a plain restatement of the
 *	  rules of the contract, and lg_id_generate's prefix and length checks
 *	  (a valid prefix and a length of 2 to 32 give an id that the
 *	  validators accept; anything else an error).
 *
 * No shared state besides the library's per-thread generator.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuid2.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* prefix: 1..63 of [a-z0-9_], a letter first, no '_' last */
static bool
oracle_prefix(const char *s, size_t n)
{
	if (n < 1 || n > 63 || !lower(s[0]) || s[n - 1] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lower(s[i]) && !digit(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* isCuid: 2..32 characters, ^[a-z][0-9a-z]+$ */
static bool
oracle_cuid2(const char *s, size_t n)
{
	if (n < 2 || n > 32 || !lower(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!lower(s[i]) && !digit(s[i]))
			return false;
	return true;
}

static bool
oracle_prefixed(const char *s, size_t n)
{
	const char *us = NULL;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '_')
			us = s + i;
	return us != NULL && oracle_prefix(s, (size_t) (us - s)) &&
		oracle_cuid2(us + 1, n - (size_t) (us - s) - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	char		prefix[128];
	char		out[LG_ID_BUFFER_SIZE];
	int			length;
	lg_error	err;
	lg_status	st;
	bool		valid_prefix;

	if (size > 256)
		return 0;
	if ((lg_prefix_check(s, size) == LG_PREFIX_OK) != oracle_prefix(s, size) ||
		lg_is_cuid2(s, size) != oracle_cuid2(s, size) ||
		lg_is_prefixed_id(s, size, NULL, 0, NULL) != oracle_prefixed(s, size))
		abort();
	if (lg_prefix_check(s, size) != LG_PREFIX_OK &&
		lg_prefix_problem_text(lg_prefix_check(s, size)) == NULL)
		abort();

	/* lg_id_generate: the first byte is a length, the rest a prefix */
	if (size < 1)
		return 0;
	length = (int) (int8_t) data[0];
	snprintf(prefix, sizeof(prefix), "%.*s", (int) (size - 1 > 100 ? 100 : size - 1), s + 1);
	valid_prefix = oracle_prefix(prefix, strlen(prefix));
	st = lg_id_generate(prefix, length, out, sizeof(out), &err);
	if ((st == LG_OK) != (valid_prefix && length >= 2 && length <= 32))
		abort();
	if (st == LG_OK)
	{
		size_t		n = strlen(out);

		if (n != strlen(prefix) + 1 + (size_t) length ||
			!lg_id_is_prefixed(out, prefix) || !oracle_prefixed(out, n))
			abort();
	}
	else if (err.message[0] == '\0')
		abort();
	return 0;
}
