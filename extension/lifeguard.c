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

#include "compat.h"
#include "lg_extension.h"

PG_MODULE_MAGIC;

bool		lifeguard_preloaded = false;

void		_PG_init(void);

void
_PG_init(void)
{
	lifeguard_preloaded = process_shared_preload_libraries_in_progress;

	lifeguard_audit_init();

	lg_reserve_guc_prefix("lifeguard");
}

/*
 * Prepare a set-returning function to return its rows in a tuplestore
 * (materialize mode).  Shared by every set-returning function of the
 * extension.
 */
ReturnSetInfo *
lifeguard_init_srf(FunctionCallInfo fcinfo)
{
	lg_init_materialized_srf(fcinfo);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}
