/*-------------------------------------------------------------------------
 *
 * ids.c
 *	  SQL functions for CUID2 and prefixed identifiers: gen_prefixed_id,
 *	  gen_cuid2, is_cuid2, is_prefixed_id, prefixed_id_prefix, cuid2_hash
 *	  and cuid2_fingerprint.
 *
 * The algorithm lives in common/cuid2.c.  This file owns the generator
 * state of the current process.  The state is private to each backend and
 * each parallel worker: it is created lazily on first use, never in
 * _PG_init (whose effects a preloading postmaster would hand to every
 * forked child), and re-created whenever MyProcPid differs from the pid it
 * was made for.  No locking: nothing here is shared between processes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <unistd.h>

#include "access/xlog.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "cuid2.h"
#include "quote.h"
#include "lg_extension.h"

PG_FUNCTION_INFO_V1(lifeguard_gen_prefixed_id);
PG_FUNCTION_INFO_V1(lifeguard_gen_cuid2);
PG_FUNCTION_INFO_V1(lifeguard_is_cuid2);
PG_FUNCTION_INFO_V1(lifeguard_is_prefixed_id);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_prefix);
PG_FUNCTION_INFO_V1(lifeguard_cuid2_hash);
PG_FUNCTION_INFO_V1(lifeguard_cuid2_fingerprint);

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 255
#endif

/* The generator of this process; see the header comment. */
static lg_cuid2_state generator;

static bool
server_random(void *buf, size_t len)
{
	return pg_strong_random(buf, len);
}

static void
report_core_error(lg_cuid2_status st)
{
	if (st == LG_CUID2_ERR_RANDOM)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random values for a CUID2")));
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not compute SHA3-512 for a CUID2"),
			 errdetail("OpenSSL did not provide the SHA3-512 digest.")));
}

/*
 * The generator of this process, made on first use and made again when the
 * process is not the one it was made for (a forked backend or worker).
 */
static lg_cuid2_state *
get_generator(void)
{
	if (unlikely(!generator.initialized || generator.pid != MyProcPid))
	{
		char		identity[HOST_NAME_MAX + 128];
		char		host[HOST_NAME_MAX + 1];
		int			len;
		lg_cuid2_status st;

		if (gethostname(host, sizeof(host)) != 0)
			host[0] = '\0';
		host[HOST_NAME_MAX] = '\0';
		len = snprintf(identity, sizeof(identity), "%s:" UINT64_FORMAT ":" INT64_FORMAT ":%d",
					   host, GetSystemIdentifier(), (int64) PgStartTime,
					   MyProcPid);
		/* on failure the state stays uninitialised, so the next call retries */
		st = lg_cuid2_init(&generator, server_random, identity,
						   (size_t) Min(len, (int) sizeof(identity) - 1));
		if (st != LG_CUID2_OK)
			report_core_error(st);
	}
	return &generator;
}

static void
check_length(int32 length)
{
	if (length < LG_CUID2_MIN_LENGTH || length > LG_CUID2_MAX_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid CUID2 length %d", length),
				 errdetail("The length must be between %d and %d.",
						   LG_CUID2_MIN_LENGTH, LG_CUID2_MAX_LENGTH)));
}

static void
check_prefix(text *prefix)
{
	const char *p = VARDATA_ANY(prefix);
	size_t		len = VARSIZE_ANY_EXHDR(prefix);
	lg_prefix_problem problem = lg_prefix_check(p, len);

	char		quoted[LG_QUOTE_BUFSIZE];

	if (problem != LG_PREFIX_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid prefix \"%s\"",
						lg_quote_bounded(quoted, p, len,
										 pg_mbcliplen(p, (int) Min(len, LG_QUOTE_MAX + 1),
													  LG_QUOTE_MAX))),
				 errdetail("%s " LG_PREFIX_RULE, lg_prefix_problem_text(problem))));
}

/* gen_prefixed_id(prefix text, length integer DEFAULT 24) returns text */
Datum
lifeguard_gen_prefixed_id(PG_FUNCTION_ARGS)
{
	text	   *prefix = PG_GETARG_TEXT_PP(0);
	int32		length = PG_GETARG_INT32(1);
	size_t		plen = VARSIZE_ANY_EXHDR(prefix);
	text	   *result;
	char	   *out;
	lg_cuid2_status st;

	check_prefix(prefix);
	check_length(length);

	result = (text *) palloc(VARHDRSZ + plen + 1 + length + 1);
	out = VARDATA(result);
	memcpy(out, VARDATA_ANY(prefix), plen);
	out[plen] = '_';
	st = lg_cuid2_generate(get_generator(), length, out + plen + 1);
	if (st != LG_CUID2_OK)
		report_core_error(st);
	SET_VARSIZE(result, VARHDRSZ + plen + 1 + length);
	PG_RETURN_TEXT_P(result);
}

/* gen_cuid2(length integer DEFAULT 24) returns text */
Datum
lifeguard_gen_cuid2(PG_FUNCTION_ARGS)
{
	int32		length = PG_GETARG_INT32(0);
	text	   *result;
	lg_cuid2_status st;

	check_length(length);
	result = (text *) palloc(VARHDRSZ + length + 1);
	st = lg_cuid2_generate(get_generator(), length, VARDATA(result));
	if (st != LG_CUID2_OK)
		report_core_error(st);
	SET_VARSIZE(result, VARHDRSZ + length);
	PG_RETURN_TEXT_P(result);
}

/* is_cuid2(id text) returns boolean; never raises */
Datum
lifeguard_is_cuid2(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(lg_is_cuid2(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)));
}

/*
 * is_prefixed_id(id text, prefix text DEFAULT NULL) returns boolean.
 * Not strict: a NULL prefix means any prefix.  A NULL id gives NULL.
 * Never raises: an invalid wanted prefix simply matches nothing.
 */
Datum
lifeguard_is_prefixed_id(PG_FUNCTION_ARGS)
{
	text	   *id;
	text	   *want = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	id = PG_GETARG_TEXT_PP(0);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		want = PG_GETARG_TEXT_PP(1);

	PG_RETURN_BOOL(lg_is_prefixed_id(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id),
									 want ? VARDATA_ANY(want) : NULL,
									 want ? VARSIZE_ANY_EXHDR(want) : 0,
									 NULL));
}

/* prefixed_id_prefix(id text) returns text; NULL when not a prefixed id */
Datum
lifeguard_prefixed_id_prefix(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);
	size_t		plen;

	if (!lg_is_prefixed_id(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id),
						   NULL, 0, &plen))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(id), (int) plen));
}

/* cuid2_hash(input text) returns text: the reference hash() of its UTF-8 */
Datum
lifeguard_cuid2_hash(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	const char *bytes = VARDATA_ANY(input);
	int			len = VARSIZE_ANY_EXHDR(input);
	char		out[LG_CUID2_HASH_MAX + 1];
	size_t		olen;
	lg_cuid2_status st;

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *utf8 = pg_server_to_any(bytes, len, PG_UTF8);

		if (utf8 != bytes)
		{
			bytes = utf8;
			len = strlen(utf8);
		}
	}
	st = lg_cuid2_hash(bytes, (size_t) len, out, &olen);
	if (st != LG_CUID2_OK)
		report_core_error(st);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) olen));
}

/*
 * cuid2_fingerprint() returns text: the fingerprint of this process's
 * generator.  A diagnostic, not granted to PUBLIC: the tests use it to show
 * that no two backends or workers share generator state.
 */
Datum
lifeguard_cuid2_fingerprint(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(get_generator()->fingerprint));
}
