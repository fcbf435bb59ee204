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
#include "miscadmin.h"
#include "utils/guc.h"

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
