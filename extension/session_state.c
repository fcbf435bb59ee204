/*-------------------------------------------------------------------------
 *
 * session_state.c
 *	  The facts of this backend's own session that outlive a transaction
 *	  and so break under transaction pooling: session-level advisory locks
 *	  (with their counts), parameters set at session level, and temporary
 *	  objects.  The commit-time check compares them before and after a
 *	  transaction, session_pooling_state() lists them, and the statement
 *	  detectors use their classification of temporary objects.
 *
 * Nothing here is shared.  It reads this backend's lock lists (under each
 * lock partition's LWLock, shared), its backend-local lock table, its GUC
 * table and the catalogs, and keeps one backend-local list: the temporary
 * tables created ON COMMIT DROP in the current transaction.  It calls no
 * other file of the extension.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "session_state.h"

/* temporary tables created ON COMMIT DROP in transaction drop_list_lxid */
static List *drop_list = NIL;
static LocalTransactionId drop_list_lxid = InvalidLocalTransactionId;

/* ---- advisory locks ---- */

void
lg_held_locks_add(LgHeldLocks *locks, const LOCKTAG *tag, LOCKMODE mode,
				  int64 count)
{
	if (locks->n == locks->max)
	{
		locks->max = locks->max ? locks->max * 2 : 8;
		locks->items = locks->items
			? repalloc(locks->items, sizeof(LgHeldLock) * locks->max)
			: palloc(sizeof(LgHeldLock) * locks->max);
	}
	locks->items[locks->n].tag = *tag;
	locks->items[locks->n].mode = mode;
	locks->items[locks->n].count = count;
	locks->n++;
}

/*
 * How many times does this backend hold the advisory lock at session
 * level?  The lock manager keeps that only in the backend-local LOCALLOCK,
 * which LockAcquireExtended hands back: take the lock once more at session
 * level (it is already held, so this neither waits nor touches shared
 * memory), read the owners, and release that one count again.
 */
static int64
advisory_session_count(const LOCKTAG *tag, LOCKMODE mode)
{
	LOCALLOCK  *locallock = NULL;
	LockAcquireResult res;
	int64		count = 0;

	res = lg_lock_acquire_nowait(tag, mode, true, &locallock);
	if (res == LOCKACQUIRE_NOT_AVAIL || locallock == NULL)
		return 0;
	for (int i = 0; i < locallock->numLockOwners; i++)
	{
		if (locallock->lockOwners[i].owner == NULL)
			count = locallock->lockOwners[i].nLocks - 1;
	}
	LockRelease(tag, mode, true);
	return count;
}

/* lg_foreach_my_proclock callback: keep the advisory locks (count 0 yet) */
static void
collect_advisory(const LOCKTAG *tag, LOCKMASK holdMask, void *arg)
{
	LgHeldLocks *locks = (LgHeldLocks *) arg;

	if (tag->locktag_type != LOCKTAG_ADVISORY)
		return;
	for (LOCKMODE mode = 1; mode <= MaxLockMode; mode++)
	{
		if (holdMask & LOCKBIT_ON(mode))
			lg_held_locks_add(locks, tag, mode, 0);
	}
}

/*
 * The PROCLOCK lists are read under each lock partition's LWLock; the
 * session counts, which only the backend-local lock table knows, are read
 * after releasing it.
 */
void
lg_session_advisory_locks(LgHeldLocks *out)
{
	LgHeldLocks all = {0, 0, NULL};

	for (int i = 0; i < NUM_LOCK_PARTITIONS; i++)
	{
		LWLock	   *partition = LockHashPartitionLockByIndex(i);

		/* advisory locks are only ever added to our lists by ourselves */
		if (lg_my_proclocks_empty(i))
			continue;
		LWLockAcquire(partition, LW_SHARED);
		lg_foreach_my_proclock(i, collect_advisory, &all);
		LWLockRelease(partition);
	}
	out->n = 0;
	for (int i = 0; i < all.n; i++)
	{
		int64		n = advisory_session_count(&all.items[i].tag,
											   all.items[i].mode);

		if (n > 0)
			lg_held_locks_add(out, &all.items[i].tag, all.items[i].mode, n);
	}
	if (all.items)
		pfree(all.items);
}

char *
lg_advisory_lock_key(const LOCKTAG *tag)
{
	/* field4 is 1 for a bigint key, 2 for two integer keys (lockfuncs.c) */
	if (tag->locktag_field4 == 1)
		return psprintf("%lld", (long long) (((uint64) tag->locktag_field2 << 32) |
											 tag->locktag_field3));
	return psprintf("%d,%d", (int32) tag->locktag_field2,
					(int32) tag->locktag_field3);
}

/* ---- parameters ---- */

bool
lg_guc_set_in_transaction(struct config_generic *conf)
{
	for (GucStack *st = conf->stack; st != NULL; st = st->prev)
	{
		if (st->state == GUC_SET || st->state == GUC_SET_LOCAL)
			return true;
	}
	return false;
}

/*
 * Without stacked values, the parameter's source and value say so.  With
 * them (a change in this transaction): when the innermost is a plain SET,
 * the current value is the one that survives the commit; other
 * combinations (SET LOCAL over SET, a function's SET clause) are taken as
 * lasting.
 */
bool
lg_guc_outlives_transaction(struct config_generic *conf)
{
	GucStack   *st;

	if (conf->stack == NULL)
		return conf->source == PGC_S_SESSION && lg_guc_differs_from_reset(conf);
	if (conf->stack->state == GUC_SET)
		return lg_guc_differs_from_reset(conf);
	if (lg_guc_set_in_transaction(conf))
		return true;
	for (st = conf->stack; st->prev != NULL; st = st->prev)
		;
	return st->source == PGC_S_SESSION;
}

bool
lg_guc_differs_from_reset(struct config_generic *conf)
{
	switch (conf->vartype)
	{
		case PGC_BOOL:
			{
				struct config_bool *c = (struct config_bool *) conf;

				return *c->variable != c->reset_val;
			}
		case PGC_INT:
			{
				struct config_int *c = (struct config_int *) conf;

				return *c->variable != c->reset_val;
			}
		case PGC_REAL:
			{
				struct config_real *c = (struct config_real *) conf;

				return *c->variable != c->reset_val;
			}
		case PGC_STRING:
			{
				struct config_string *c = (struct config_string *) conf;
				const char *now = *c->variable ? *c->variable : "";
				const char *reset = c->reset_val ? c->reset_val : "";

				return strcmp(now, reset) != 0;
			}
		case PGC_ENUM:
			{
				struct config_enum *c = (struct config_enum *) conf;

				return *c->variable != c->reset_val;
			}
	}
	return true;
}

/* ---- temporary objects ---- */

bool
lg_temp_object_from_tuple(Oid classId, HeapTuple tup, char *kind,
						  const char **name)
{
	Oid			nsp;

	if (classId == RelationRelationId)
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

		/* indexes and TOAST tables belong to their table */
		if (form->relkind == RELKIND_INDEX ||
			form->relkind == RELKIND_PARTITIONED_INDEX ||
			form->relkind == RELKIND_TOASTVALUE)
			return false;
		nsp = form->relnamespace;
		*kind = form->relkind;
		*name = NameStr(form->relname);
	}
	else if (classId == TypeRelationId)
	{
		Form_pg_type form = (Form_pg_type) GETSTRUCT(tup);

		/* a relation's row type, and array types, come with another object */
		if (OidIsValid(form->typrelid) ||
			form->typcategory == TYPCATEGORY_ARRAY)
			return false;
		nsp = form->typnamespace;
		*kind = form->typtype;
		*name = NameStr(form->typname);
	}
	else if (classId == ProcedureRelationId)
	{
		Form_pg_proc form = (Form_pg_proc) GETSTRUCT(tup);

		nsp = form->pronamespace;
		*kind = form->prokind;
		*name = NameStr(form->proname);
	}
	else
		return false;
	return isTempNamespace(nsp);
}

/* classId is the catalog (pg_class, pg_type or pg_proc) */
const char *
lg_temp_object_kind(Oid classId, char kind)
{
	if (classId == RelationRelationId)
	{
		switch (kind)
		{
			case RELKIND_VIEW:
				return "view";
			case RELKIND_MATVIEW:
				return "materialized view";
			case RELKIND_SEQUENCE:
				return "sequence";
			case RELKIND_FOREIGN_TABLE:
				return "foreign table";
			case RELKIND_COMPOSITE_TYPE:
				return "type";
			default:
				return "table";
		}
	}
	if (classId == ProcedureRelationId)
	{
		switch (kind)
		{
			case PROKIND_PROCEDURE:
				return "procedure";
			case PROKIND_AGGREGATE:
			case PROKIND_WINDOW:
				return "aggregate";
			default:
				return "function";
		}
	}
	return "type";
}

/*
 * A sequence owned by a table (a serial or identity column) goes with its
 * table, which is reported, or dropped at commit, on its own.  The
 * dependency may have been recorded by the statement's last subcommand,
 * with no command counter increment since: read with SnapshotSelf.
 */
bool
lg_sequence_is_owned(Oid seqid)
{
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		owned = false;

	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(seqid));
	rel = table_open(DependRelationId, AccessShareLock);
	scan = systable_beginscan(rel, DependDependerIndexId, true, SnapshotSelf,
							  2, key);
	while (!owned && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		owned = dep->refclassid == RelationRelationId &&
			(dep->deptype == DEPENDENCY_AUTO ||
			 dep->deptype == DEPENDENCY_INTERNAL);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owned;
}

void
lg_note_drop_at_commit(Oid relid)
{
	MemoryContext oldcontext;

	if (drop_list_lxid != LG_MY_LXID)
	{
		list_free(drop_list);
		drop_list = NIL;
		drop_list_lxid = LG_MY_LXID;
	}
	oldcontext = MemoryContextSwitchTo(TopMemoryContext);
	drop_list = lappend_oid(drop_list, relid);
	MemoryContextSwitchTo(oldcontext);
}

/* as far as this backend has seen since lifeguard was loaded */
bool
lg_dropped_at_commit(Oid relid)
{
	if (drop_list_lxid != LG_MY_LXID)
		return false;
	return list_member_oid(drop_list, relid);
}

/* the rows of one catalog whose namespace column is the temp namespace */
static void
scan_temp_namespace(Oid catalog, AttrNumber nspcol, Oid tempns,
					lg_temp_object_fn fn, void *arg)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	ScanKeyInit(&key, nspcol, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(tempns));
	rel = table_open(catalog, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		char		kind;
		const char *name;

		if (!lg_temp_object_from_tuple(catalog, tup, &kind, &name))
			continue;
		if (catalog == RelationRelationId)
		{
			Oid			relid = ((Form_pg_class) GETSTRUCT(tup))->oid;

			if (lg_dropped_at_commit(relid))
				continue;
			if (kind == RELKIND_SEQUENCE && lg_sequence_is_owned(relid))
				continue;
		}
		fn(catalog, kind, name, arg);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

void
lg_foreach_lasting_temp_object(lg_temp_object_fn fn, void *arg)
{
	Oid			tempns = LookupExplicitNamespace("pg_temp", true);

	if (!OidIsValid(tempns))
		return;
	scan_temp_namespace(RelationRelationId, Anum_pg_class_relnamespace, tempns, fn, arg);
	scan_temp_namespace(TypeRelationId, Anum_pg_type_typnamespace, tempns, fn, arg);
	scan_temp_namespace(ProcedureRelationId, Anum_pg_proc_pronamespace, tempns, fn, arg);
}
