/*-------------------------------------------------------------------------
 *
 * audit_txn_info.c
 *	  txn_info(): the current transaction as the server sees it, so that an
 *	  application's own test can prove that what its driver calls one
 *	  transaction ran as one.
 *
 * statements_in_transaction counts the top-level statements (plannable
 * statements at executor start, utility statements other than transaction
 * control) that the hooks in audit_hooks.c saw in the current transaction,
 * the calling statement included.  The counter is backend-local and tagged
 * with the local transaction id it belongs to, so it restarts at zero in
 * each transaction without a transaction callback.  Without preloading the
 * hooks may have missed statements, so the column is NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "audit.h"
#include "compat.h"
#include "lg_extension.h"

static LocalTransactionId counted_lxid = InvalidLocalTransactionId;
static int	counted_statements = 0;

PG_FUNCTION_INFO_V1(lifeguard_txn_info);

/* one more top-level statement in the current transaction */
void
audit_count_statement(void)
{
	if (MyProc == NULL)
		return;
	if (counted_lxid != LG_MY_LXID)
	{
		counted_lxid = LG_MY_LXID;
		counted_statements = 0;
	}
	counted_statements++;
}

Datum
lifeguard_txn_info(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {0};
	FullTransactionId fxid;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	values[0] = Int32GetDatum(MyProcPid);
	fxid = GetTopFullTransactionIdIfAny();
	if (FullTransactionIdIsValid(fxid))
		values[1] = FullTransactionIdGetDatum(fxid);
	else
		nulls[1] = true;
	values[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	values[3] = BoolGetDatum(IsTransactionBlock());
	if (lifeguard_preloaded)
		values[4] = Int32GetDatum(counted_lxid == LG_MY_LXID ?
								  counted_statements : 0);
	else
		nulls[4] = true;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
