/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every difference between the PostgreSQL majors lifeguard supports
 *	  (14 to 18), in one place.
 *
 * No other file of the extension tests PG_VERSION_NUM (a test in
 * test/integration/packaging.t keeps it so): each difference is a macro
 * or an inline function here, named for what it does, and the code that
 * needs it uses that name.  To support a new major, read its release notes'
 * "Source code" section and the headers of the hooks and functions used
 * below, and add the difference here.
 *
 * 15, 17 and 18 are built and tested on every change (make test,
 * make test-matrix); 14 and 16 compile from these guards but no reachable
 * package archive carries them, so they are not tested here.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_COMPAT_H
#define LIFEGUARD_COMPAT_H

#include "postgres.h"

#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "utils/acl.h"
#include "storage/shmem.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/tuplestore.h"

#if PG_VERSION_NUM < 140000
#error "lifeguard supports PostgreSQL 14 and later"
#endif

/*
 * The local transaction id of this backend: MyProc->lxid moved into
 * MyProc->vxid in PostgreSQL 17.
 */
#if PG_VERSION_NUM >= 170000
#define LG_MY_LXID	(MyProc->vxid.lxid)
#else
#define LG_MY_LXID	(MyProc->lxid)
#endif

/*
 * A backend's status entry by its index in the local snapshot, 1-based
 * (renamed in PostgreSQL 17).
 */
#if PG_VERSION_NUM >= 170000
#define lg_local_beentry(idx)	pgstat_get_local_beentry_by_index(idx)
#else
#define lg_local_beentry(idx)	pgstat_fetch_stat_local_beentry(idx)
#endif

/*
 * Reserved connection slots: superuser_reserved_connections was
 * ReservedBackends before PostgreSQL 16, which added reserved_connections
 * (for members of pg_use_reserved_connections).
 */
#if PG_VERSION_NUM >= 160000
#define LG_HAVE_RESERVED_CONNECTIONS 1
#define LG_SUPERUSER_RESERVED	SuperuserReservedConnections
#define LG_RESERVED_CONNECTIONS ReservedConnections
#else
#define LG_SUPERUSER_RESERVED	ReservedBackends
#define LG_RESERVED_CONNECTIONS 0
#endif

/* may the role use the reserved_connections slots (PostgreSQL 16+)? */
static inline bool
lg_may_use_reserved_connections(Oid roleid)
{
#ifdef LG_HAVE_RESERVED_CONNECTIONS
	return has_privs_of_role(roleid, ROLE_PG_USE_RESERVED_CONNECTIONS);
#else
	return true;
#endif
}

/*
 * A database left invalid by an interrupted DROP DATABASE: the catalog
 * marks it from PostgreSQL 16 on (and in the 15.4, 14.9 ... minor
 * releases), with DATCONNLIMIT_INVALID_DB.
 */
#ifdef DATCONNLIMIT_INVALID_DB
#define lg_database_is_invalid(form)	database_is_invalid_form(form)
#else
#define lg_database_is_invalid(form)	false
#endif

/*
 * Backend states: PostgreSQL 18 reports a backend that is still
 * authenticating as STATE_STARTING.  LG_CASE_STATE_STARTING is the case
 * label for it where it exists, and nothing before.
 */
#if PG_VERSION_NUM >= 180000
#define LG_CASE_STATE_STARTING	case STATE_STARTING:
#else
#define LG_CASE_STATE_STARTING
#endif

/*
 * ExecutorRun_hook lost its execute_once argument in PostgreSQL 18.
 * LG_EXECUTOR_RUN_PARAMS declares the hook's parameters and
 * LG_EXECUTOR_RUN_ARGS passes them on.
 */
#if PG_VERSION_NUM >= 180000
#define LG_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define LG_EXECUTOR_RUN_ARGS	queryDesc, direction, count
#else
#define LG_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, \
	bool execute_once
#define LG_EXECUTOR_RUN_ARGS	queryDesc, direction, count, execute_once
#endif

/*
 * LockAcquireExtended, without waiting, reporting out-of-memory, and never
 * logging a failure to get the lock (PostgreSQL 18 added that argument for
 * log_lock_failure).
 */
static inline LockAcquireResult
lg_lock_acquire_nowait(const LOCKTAG *tag, LOCKMODE mode, bool session_lock,
					   LOCALLOCK **locallockp)
{
#if PG_VERSION_NUM >= 180000
	return LockAcquireExtended(tag, mode, session_lock, true, true,
							   locallockp, false);
#else
	return LockAcquireExtended(tag, mode, session_lock, true, true,
							   locallockp);
#endif
}

/*
 * All configuration parameters: get_guc_variables() returns the count
 * itself from PostgreSQL 16 on.
 */
static inline struct config_generic **
lg_guc_variables(int *num_vars)
{
#if PG_VERSION_NUM >= 160000
	return get_guc_variables(num_vars);
#else
	*num_vars = GetNumConfigOptions();
	return get_guc_variables();
#endif
}

/*
 * The configuration parameter named name (case-insensitively), or NULL:
 * find_option() is exported from PostgreSQL 16 on; before, the server's
 * own array is searched (this runs after a session-level SET, not per
 * statement).
 */
static inline struct config_generic *
lg_find_guc(const char *name)
{
#if PG_VERSION_NUM >= 160000
	return find_option(name, false, true, ERROR);
#else
	int			n;
	struct config_generic **vars = lg_guc_variables(&n);

	for (int i = 0; i < n; i++)
	{
		if (pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	}
	return NULL;
#endif
}

/*
 * The *extra of a GUC check hook: the GUC machinery frees it with free()
 * before PostgreSQL 16 and with guc_free() (its own memory context) from
 * 16 on, so it must come from malloc() or guc_malloc() to match.  NULL when
 * out of memory.
 */
#if PG_VERSION_NUM >= 160000
#define lg_guc_extra_alloc(size)	guc_malloc(LOG, (size))
#else
#define lg_guc_extra_alloc(size)	malloc(size)
#endif

/*
 * Reserve the "lifeguard." prefix for this library's settings, so that a
 * misspelled one is reported (EmitWarningsOnPlaceholders before 15).
 */
#if PG_VERSION_NUM >= 150000
#define lg_reserve_guc_prefix(prefix)	MarkGUCPrefixReserved(prefix)
#else
#define lg_reserve_guc_prefix(prefix)	EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * Shared memory is requested from shmem_request_hook from PostgreSQL 15
 * on; before, directly from _PG_init.
 */
#if PG_VERSION_NUM >= 150000
#define LG_HAVE_SHMEM_REQUEST_HOOK 1
#endif

/*
 * Put a set-returning function in materialize mode: InitMaterializedSRF
 * from PostgreSQL 15 on, its equivalent before.
 */
static inline void
lg_init_materialized_srf(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
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

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
#endif
}

/*
 * Call fn for each lock this backend holds in the lock manager's partition
 * `partition` (the caller holds that partition's LWLock): the PGPROC's
 * myProcLocks lists became dlists in PostgreSQL 16 (SHM_QUEUEs before).
 */
typedef void (*lg_proclock_fn) (const LOCKTAG *tag, LOCKMASK holdMask,
								void *arg);

/*
 * Does this backend hold no lock in the partition?  Read without the
 * partition's LWLock: only this backend adds its locks to its lists,
 * except relation locks moved out of its fast-path slots by another
 * backend, so an empty list may be stale only about relation locks.
 */
static inline bool
lg_my_proclocks_empty(int partition)
{
#if PG_VERSION_NUM >= 160000
	return dlist_is_empty(&MyProc->myProcLocks[partition]);
#else
	return SHMQueueEmpty(&MyProc->myProcLocks[partition]);
#endif
}

static inline void
lg_foreach_my_proclock(int partition, lg_proclock_fn fn, void *arg)
{
#if PG_VERSION_NUM >= 160000
	dlist_iter	iter;

	dlist_foreach(iter, &MyProc->myProcLocks[partition])
	{
		PROCLOCK   *proclock = dlist_container(PROCLOCK, procLink, iter.cur);

		fn(&proclock->tag.myLock->tag, proclock->holdMask, arg);
	}
#else
	SHM_QUEUE  *head = &MyProc->myProcLocks[partition];
	PROCLOCK   *proclock;

	proclock = (PROCLOCK *) SHMQueueNext(head, head,
										 offsetof(PROCLOCK, procLink));
	while (proclock != NULL)
	{
		fn(&proclock->tag.myLock->tag, proclock->holdMask, arg);
		proclock = (PROCLOCK *) SHMQueueNext(head, &proclock->procLink,
											 offsetof(PROCLOCK, procLink));
	}
#endif
}

/*
 * Call fn for each configuration parameter that has stacked values, that
 * is, that was changed in the current transaction (this runs at every
 * commit under enforcement, never when enforcement is off).
 *
 * Before PostgreSQL 16, get_guc_variables() is the server's own array.
 * From 16 on it builds and sorts a palloc'd copy (the server's list of
 * parameters with stacked values is private to guc.c), some microseconds
 * per call, freed here.
 */
typedef void (*lg_guc_fn) (struct config_generic *conf, void *arg);

static inline void
lg_foreach_stacked_guc(lg_guc_fn fn, void *arg)
{
	int			n;
	struct config_generic **vars = lg_guc_variables(&n);

	for (int i = 0; i < n; i++)
	{
		if (vars[i]->stack != NULL)
			fn(vars[i], arg);
	}
#if PG_VERSION_NUM >= 160000
	pfree(vars);
#endif
}

/*
 * The server's major version, which a file lifeguard keeps in the data
 * directory records (a file of another major is not read).
 */
#define LG_PG_MAJOR		(PG_VERSION_NUM / 100)

/*
 * This backend's index among the PGPROCs, for shared arrays with one entry
 * per backend: MyProcNumber from PostgreSQL 17 on, MyProc->pgprocno before.
 */
#if PG_VERSION_NUM >= 170000
#define LG_MY_PROC_NUMBER	((int) MyProcNumber)
#else
#define LG_MY_PROC_NUMBER	(MyProc->pgprocno)
#endif

/*
 * The number of processes that have a PGPROC and may be client backends,
 * for sizing such an array: MaxBackends, which is set before
 * shmem_request_hook runs (15 and later).  Before 15, shared memory is
 * requested from _PG_init, before MaxBackends is computed, so the same sum
 * is made from the settings.
 */
#if PG_VERSION_NUM >= 150000
#define lg_max_backends()	MaxBackends
#else
#include "postmaster/autovacuum.h"
#include "replication/walsender.h"
#define lg_max_backends() \
	(MaxConnections + autovacuum_max_workers + 1 + max_worker_processes + \
	 max_wal_senders)
#endif

/*
 * The untranslated message (ErrorData.message_id) of a refusal because the
 * remaining connection slots are reserved: one message before PostgreSQL
 * 16, then one for superuser_reserved_connections and one for the new
 * reserved_connections (pg_use_reserved_connections).
 */
static inline bool
lg_message_is_reserved_slots(const char *message_id)
{
#if PG_VERSION_NUM >= 160000
	return strcmp(message_id, "remaining connection slots are reserved for roles with the %s attribute") == 0 ||
		strcmp(message_id, "remaining connection slots are reserved for roles with privileges of the \"%s\" role") == 0;
#else
	return strcmp(message_id, "remaining connection slots are reserved for non-replication superuser connections") == 0;
#endif
}

/*
 * SQLSTATE 25P04, the FATAL of transaction_timeout, which PostgreSQL 17
 * added; never raised before (the code is the same on every major).
 */
#define LG_ERRCODE_TRANSACTION_TIMEOUT	MAKE_SQLSTATE('2','5','P','0','4')

/*
 * The name of the memory context of a saved plan source (plancache.c's
 * CreateCachedPlan, 14 to 18): every prepared statement, SQL or protocol,
 * named or not, has one, a child of CacheMemoryContext once saved.
 */
#define LG_PLANSOURCE_CONTEXT_NAME	"CachedPlanSource"

#endif							/* LIFEGUARD_COMPAT_H */
