/*-------------------------------------------------------------------------
 *
 * lifeguard.c
 *	  Module entry point of the lifeguard extension.
 *
 * _PG_init runs in the postmaster when lifeguard is in
 * shared_preload_libraries, or in a backend when it is loaded on first use.
 * It must not set up anything random or per-process here: the postmaster's
 * state is inherited by every forked backend (see ids.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "lifeguard.h"

PG_MODULE_MAGIC;

bool		lifeguard_preloaded = false;

void		_PG_init(void);

void
_PG_init(void)
{
	lifeguard_preloaded = process_shared_preload_libraries_in_progress;

	lifeguard_audit_init();

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("lifeguard");
#else
	EmitWarningsOnPlaceholders("lifeguard");
#endif
}

/*
 * Prepare a set-returning function to return its rows in a tuplestore
 * (materialize mode), as InitMaterializedSRF does from PostgreSQL 15 on.
 * Shared by every set-returning function of the extension.
 */
ReturnSetInfo *
lifeguard_init_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	TupleDesc	tupdesc;
	MemoryContext per_query_ctx;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	per_query_ctx = rsinfo->econtext->ecxt_per_query_memory;
	oldcontext = MemoryContextSwitchTo(per_query_ctx);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
#endif
	return rsinfo;
}
