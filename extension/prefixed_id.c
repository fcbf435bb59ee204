/*-------------------------------------------------------------------------
 *
 * prefixed_id.c
 *	  The SQL type prefixed_id: a prefixed CUID2 id (ws_...) stored in
 *	  binary, with the text form for input and output, casts from and to
 *	  text, the comparison operators of the text form's byte order (as
 *	  COLLATE "C"), and btree (with sort support) and hash support.
 *
 * The binary form and its order are common/prefixed_id.c's; the rules of
 * a valid id are common/cuid2.c's, and bad input gets the same kind of
 * error as gen_prefixed_id's (SQLSTATE 22023, the value in the message,
 * the rule in the detail), reported softly where the caller asks
 * (pg_input_is_valid(), PostgreSQL 16+).  The binary send/receive format
 * is the text form's bytes, as for text, so clients read and write
 * strings in either format.  Values are varlenas of at most 74 bytes
 * (STORAGE external: never compressed, since the bytes are random; a
 * one-byte header on disk).
 *
 * No shared state, no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"

#include "compat.h"
#include "cuid2.h"
#include "prefixed_id.h"
#include "quote.h"

PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_in);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_out);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_recv);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_send);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_to_text);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_eq);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_ne);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_lt);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_le);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_gt);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_ge);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_cmp);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_sortsupport);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_hash);
PG_FUNCTION_INFO_V1(lifeguard_prefixed_id_hash_extended);

/*
 * The value of a valid id s of len bytes, or NULL after recording the
 * error in escontext (a soft error); without an escontext that asks for
 * soft errors, bad input raises SQLSTATE 22023 here.
 */
static struct varlena *
make_value(const char *s, size_t len, Node *escontext)
{
	size_t		prefix_len = 0;
	lg_prefix_problem pp = LG_PREFIX_OK;
	lg_cuid2_problem cp = LG_CUID2_VALID;
	lg_prefixed_id_problem problem;
	struct varlena *v;
	char		quoted[LG_QUOTE_BUFSIZE];
	const char *q;

	problem = lg_prefixed_id_check(s, len, &prefix_len, &pp, &cp);
	if (likely(problem == LG_PREFIXED_ID_VALID))
	{
		v = (struct varlena *) palloc(VARHDRSZ + LG_PREFIXED_ID_BINARY_MAX);
		SET_VARSIZE(v, VARHDRSZ + lg_prefixed_id_encode(s, len, prefix_len,
														(unsigned char *) VARDATA(v)));
		return v;
	}
	q = lg_quote_bounded(quoted, s, len,
						 pg_mbcliplen(s, (int) Min(len, LG_QUOTE_MAX + 1), LG_QUOTE_MAX));
	if (problem == LG_PREFIXED_ID_NO_UNDERSCORE)
		lg_errsave(escontext,
				   errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				   errmsg("invalid prefixed id \"%s\"", q),
				   errdetail("The value has no underscore. " LG_PREFIXED_ID_RULE));
	else if (problem == LG_PREFIXED_ID_BAD_PREFIX)
		lg_errsave(escontext,
				   errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				   errmsg("invalid prefixed id \"%s\"", q),
				   errdetail("%s " LG_PREFIX_RULE, lg_prefix_problem_text(pp)));
	else
		lg_errsave(escontext,
				   errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				   errmsg("invalid prefixed id \"%s\"", q),
				   errdetail("%s " LG_CUID2_RULE, lg_cuid2_problem_text(cp)));
	return NULL;
}

/* the text form of a value into out (LG_PREFIXED_ID_MAX bytes); its length */
static size_t
value_text(struct varlena *v, char *out)
{
	size_t		len;

	if (!lg_prefixed_id_decode((const unsigned char *) VARDATA_ANY(v),
							   VARSIZE_ANY_EXHDR(v), out, &len))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid prefixed_id value"),
				 errdetail("The %zu bytes are not the binary form of a prefixed id.",
						   (size_t) VARSIZE_ANY_EXHDR(v))));
	return len;
}

/* prefixed_id_in(cstring) returns prefixed_id */
Datum
lifeguard_prefixed_id_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	struct varlena *v = make_value(s, strlen(s), fcinfo->context);

	if (v == NULL)
		return (Datum) 0;		/* a soft error, recorded in the context */
	PG_RETURN_POINTER(v);
}

/* prefixed_id_out(prefixed_id) returns cstring */
Datum
lifeguard_prefixed_id_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	char	   *out = palloc(LG_PREFIXED_ID_MAX + 1);

	out[value_text(v, out)] = '\0';
	PG_RETURN_CSTRING(out);
}

/* prefixed_id_recv(internal) returns prefixed_id: the text form's bytes */
Datum
lifeguard_prefixed_id_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *s = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_POINTER(make_value(s, (size_t) nbytes, NULL));
}

/* prefixed_id_send(prefixed_id) returns bytea: the text form's bytes */
Datum
lifeguard_prefixed_id_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	char		text[LG_PREFIXED_ID_MAX];
	size_t		len = value_text(v, text);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendtext(&buf, text, (int) len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* prefixed_id(text) returns prefixed_id: the cast from text and varchar */
Datum
lifeguard_prefixed_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_POINTER(make_value(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), NULL));
}

/* prefixed_id_to_text(prefixed_id) returns text: the cast to text */
Datum
lifeguard_prefixed_id_to_text(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	text	   *t = (text *) palloc(VARHDRSZ + LG_PREFIXED_ID_MAX);

	SET_VARSIZE(t, VARHDRSZ + value_text(v, VARDATA(t)));
	PG_RETURN_TEXT_P(t);
}

/*
 * A value as a varlena that may have a short header: detoasted only when
 * compressed or stored out of line (which a value this small never is,
 * unless made so by hand), without a function call otherwise.
 */
static pg_attribute_always_inline struct varlena *
value_of(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (unlikely(VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v)))
		return PG_DETOAST_DATUM_PACKED(d);
	return v;
}

#define GETARG_VALUE(n)	value_of(PG_GETARG_DATUM(n))

/* the order of two values: that of their text forms */
static pg_attribute_always_inline int
compare_values(struct varlena *a, struct varlena *b)
{
	return lg_prefixed_id_compare((const unsigned char *) VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
								  (const unsigned char *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
}

/* equality is equality of the bytes: each id has one binary form */
static inline bool
equal_values(struct varlena *a, struct varlena *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

#define COMPARISON(name, expr) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	struct varlena *a = GETARG_VALUE(0); \
	struct varlena *b = GETARG_VALUE(1); \
	bool		result = (expr); \
 \
	PG_FREE_IF_COPY(a, 0); \
	PG_FREE_IF_COPY(b, 1); \
	PG_RETURN_BOOL(result); \
}

COMPARISON(lifeguard_prefixed_id_eq, equal_values(a, b))
COMPARISON(lifeguard_prefixed_id_ne, !equal_values(a, b))
COMPARISON(lifeguard_prefixed_id_lt, compare_values(a, b) < 0)
COMPARISON(lifeguard_prefixed_id_le, compare_values(a, b) <= 0)
COMPARISON(lifeguard_prefixed_id_gt, compare_values(a, b) > 0)
COMPARISON(lifeguard_prefixed_id_ge, compare_values(a, b) >= 0)

/* prefixed_id_cmp(prefixed_id, prefixed_id) returns integer: btree support 1 */
Datum
lifeguard_prefixed_id_cmp(PG_FUNCTION_ARGS)
{
	struct varlena *a = GETARG_VALUE(0);
	struct varlena *b = GETARG_VALUE(1);
	int			r = compare_values(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	PG_RETURN_INT32(r < 0 ? -1 : r > 0 ? 1 : 0);
}

/* the sort support comparator: compare_values without the function call */
static int
sort_compare(Datum x, Datum y, SortSupport ssup)
{
	struct varlena *a = value_of(x);
	struct varlena *b = value_of(y);
	int			r = compare_values(a, b);

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return r;
}

/* prefixed_id_sortsupport(internal): btree support 2 */
Datum
lifeguard_prefixed_id_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = sort_compare;
	PG_RETURN_VOID();
}

/* prefixed_id_hash(prefixed_id) returns integer: hash support 1 */
Datum
lifeguard_prefixed_id_hash(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	Datum		h = hash_any((const unsigned char *) VARDATA_ANY(v),
							 (int) VARSIZE_ANY_EXHDR(v));

	PG_FREE_IF_COPY(v, 0);
	return h;
}

/* prefixed_id_hash_extended(prefixed_id, bigint) returns bigint: hash support 2 */
Datum
lifeguard_prefixed_id_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	Datum		h = hash_any_extended((const unsigned char *) VARDATA_ANY(v),
									  (int) VARSIZE_ANY_EXHDR(v),
									  (uint64) PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(v, 0);
	return h;
}
