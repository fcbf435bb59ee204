/*-------------------------------------------------------------------------
 *
 * lg_extension.h
 *	  Declarations shared between the files of the lifeguard extension.
 *
 * Each concern lives in its own file: ids.c (prefixed CUID2 ids),
 * prefixed_id.c (the prefixed_id type), pool_usage.c (pool visibility),
 * audit_*.c (transaction-pooling audit).
 * lifeguard.c holds _PG_init and calls each concern's initialisation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_EXTENSION_H
#define LG_EXTENSION_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/execnodes.h"

/* true when the library was loaded by shared_preload_libraries */
extern bool lifeguard_preloaded;

/*
 * Set up materialize mode for a set-returning function (lifeguard.c,
 * through compat.h).
 */
extern ReturnSetInfo *lifeguard_init_srf(FunctionCallInfo fcinfo);

/* the transaction-pooling audit (audit.c) */
extern void lifeguard_audit_init(void);

#endif							/* LG_EXTENSION_H */
