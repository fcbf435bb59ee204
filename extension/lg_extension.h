/*-------------------------------------------------------------------------
 *
 * lg_extension.h
 *	  Small helpers the extension's files share, inline so that they make
 *	  no file depend on another.
 *
 * The files and their layers (each calls only the ones above it in this
 * list; test/integration/layers.t checks it):
 *
 *	settings.c          lifeguard.* settings, preloading, exempt parameters
 *	session_state.c     what this session holds: advisory locks, session
 *	                    parameters, temporary objects
 *	encoding.c          recorded text made readable in any encoding
 *	audit_table.c       the shared table behind pooling_audit
 *	audit_hazard.c      lg_audit_hazard(): filter, record, enforce
 *	audit_commit.c      the commit-time check (lifeguard.enforce)
 *	audit_statements.c  the statement detectors (hooks)
 *	audit_failures.c    the failures a pooler causes (log hook)
 *	audit_sql.c         the audit's SQL functions
 *	stats_refusals.c    pool_stats: refusals of processes without a PGPROC
 *	stats_table.c       pool_stats: the shared table, the backends' slots,
 *	                    its file across restarts
 *	stats_collector.c   pool_stats: the hooks that count
 *	stats_sql.c         pool_stats' SQL functions
 *	ids.c, prefixed_id.c the ids' SQL functions and the prefixed_id type
 *	pool_usage.c        pool visibility's SQL functions
 *	lifeguard.c         _PG_init: the wiring
 *
 * with compat.h (every difference between PostgreSQL majors) and common/
 * (plain C shared with the client) below them all.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_EXTENSION_H
#define LG_EXTENSION_H

#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "storage/shmem.h"

#include "compat.h"

/*
 * HAS_PGSTAT_PERMISSIONS of pgstatfuncs.c, the rule pg_stat_activity
 * follows: may the current user see the activity of the role's sessions?
 * (pool_usage and pool_stats follow it too.)
 */
static inline bool
lg_may_see_activity_of(Oid roleid)
{
	return has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS) ||
		has_privs_of_role(GetUserId(), roleid);
}

/* Put a set-returning function in materialize mode; its ReturnSetInfo. */
static inline ReturnSetInfo *
lg_init_srf(FunctionCallInfo fcinfo)
{
	lg_init_materialized_srf(fcinfo);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

/*
 * The row a function returning one composite value returns: values and
 * nulls as its result type's columns.
 */
static inline Datum
lg_row_datum(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* a name Datum of a C string (palloc'd, zero-padded as name requires) */
static inline Datum
lg_name_datum(const char *s)
{
	Name		n = (Name) palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

/*
 * A backend-local hash table in cxt, keyed by keysize bytes compared as
 * bytes (HASH_BLOBS), its entries entrysize bytes beginning with the key.
 */
static inline HTAB *
lg_local_hash(const char *name, long nelem, Size keysize, Size entrysize,
			  MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, nelem, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * The shared hash table of max_entries entries named name: made by the
 * first caller after the postmaster starts, attached to by the others.
 * The caller holds AddinShmemInitLock.
 */
static inline HTAB *
lg_shmem_hash(const char *name, long max_entries, Size keysize,
			  Size entrysize)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	return ShmemInitHash(name, max_entries, max_entries, &ctl,
						 HASH_ELEM | HASH_BLOBS);
}

#endif							/* LG_EXTENSION_H */
