/*-------------------------------------------------------------------------
 *
 * audit_hazards.c
 *	  session_pooling_state(): the part of session_pooling_hazards() that
 *	  needs the server's own data structures: parameters set at session
 *	  level, session-level advisory locks, and temporary objects (tables,
 *	  views, sequences, types, functions) that will outlive the
 *	  transaction.  The SQL function session_pooling_hazards()
 *	  adds prepared statements, LISTEN channels and WITH HOLD cursors from
 *	  the system views.  Works without preloading.
 *
 * Nothing here is shared; it reads this backend's GUC table, its locks
 * (through the lock manager's public functions) and pg_class, pg_type and
 * pg_proc.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/rel.h"

#include "audit.h"
#include "compat.h"
#include "lg_extension.h"

PG_FUNCTION_INFO_V1(lifeguard_session_pooling_state);
PG_FUNCTION_INFO_V1(lifeguard_session_state);

static void
put_row(ReturnSetInfo *rsinfo, const char *hazard, const char *object,
		const char *detail)
{
	Datum		values[3];
	bool		nulls[3] = {0};

	values[0] = CStringGetTextDatum(hazard);
	values[1] = CStringGetTextDatum(object);
	values[2] = CStringGetTextDatum(detail);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Will the parameter's value after this transaction commits be one set at
 * session level?  Without stacked values, its source says so.  With them
 * (a SET in this transaction), a non-local SET at any level survives the
 * commit; otherwise commit restores the value from before the transaction.
 */
static bool
guc_is_session_level(struct config_generic *conf)
{
	GucStack   *st;

	if (conf->stack == NULL)
		return conf->source == PGC_S_SESSION;
	for (st = conf->stack; st != NULL; st = st->prev)
	{
		if (st->state == GUC_SET || st->state == GUC_SET_LOCAL)
			return true;
	}
	for (st = conf->stack; st->prev != NULL; st = st->prev)
		;
	return st->source == PGC_S_SESSION;
}

static void
session_settings(ReturnSetInfo *rsinfo)
{
	struct config_generic **vars;
	int			n;
	bool		read_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS);

	vars = lg_guc_variables(&n);
	for (int i = 0; i < n; i++)
	{
		struct config_generic *conf = vars[i];
		const char *value;

		if (!guc_is_session_level(conf))
			continue;
		if (audit_parameter_is_exempt(conf->name))
			continue;
		if ((conf->flags & GUC_SUPERUSER_ONLY) && !read_all)
			value = NULL;
		else
			value = GetConfigOptionByName(conf->name, NULL, true);
		put_row(rsinfo, audit_hazard_name(AUDIT_HAZARD_SET), conf->name,
				psprintf(lg_hazard_texts[AUDIT_HAZARD_SET].state_detail,
						 value ? psprintf(" to '%s'", value) : ""));
	}
}

/*
 * How many times does this backend hold the advisory lock at session
 * level?  The lock manager keeps that only in the backend-local LOCALLOCK,
 * which LockAcquireExtended hands back: take the lock once more at session
 * level (it is already held, so this neither waits nor touches shared
 * memory), read the owners, and release that one count again.
 */
int64
audit_advisory_session_count(const LOCKTAG *tag, LOCKMODE mode)
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

static void
session_advisory_locks(ReturnSetInfo *rsinfo)
{
	LockData   *data = GetLockStatusData();

	for (int i = 0; i < data->nelements; i++)
	{
		LockInstanceData *inst = &data->locks[i];
		LOCKTAG		tag = inst->locktag;

		if (inst->pid != MyProcPid || tag.locktag_type != LOCKTAG_ADVISORY)
			continue;
		for (LOCKMODE mode = 1; mode <= MaxLockMode; mode++)
		{
			int64		n;
			char	   *object;

			if ((inst->holdMask & LOCKBIT_ON(mode)) == 0)
				continue;
			n = audit_advisory_session_count(&tag, mode);
			if (n <= 0)
				continue;
			if (tag.locktag_field4 == 1)
				object = psprintf("%lld", (long long) (((uint64) tag.locktag_field2 << 32) |
													   tag.locktag_field3));
			else
				object = psprintf("%d,%d", (int32) tag.locktag_field2,
								  (int32) tag.locktag_field3);
			put_row(rsinfo, audit_hazard_name(AUDIT_HAZARD_ADVISORY_LOCK), object,
					psprintf(lg_hazard_texts[AUDIT_HAZARD_ADVISORY_LOCK].state_detail,
							 GetLockmodeName(tag.locktag_lockmethodid, mode),
							 (long long) n, n == 1 ? "" : "s"));
		}
	}
}

/*
 * What a temporary object is called in messages: classId is the catalog
 * (pg_class, pg_type or pg_proc), kind its relkind, typtype or prokind.
 */
const char *
audit_temp_object_kind(Oid classId, char kind)
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

static void
put_temp_row(ReturnSetInfo *rsinfo, Oid classId, char kind, const char *name)
{
	const char *what = audit_temp_object_kind(classId, kind);

	put_row(rsinfo, audit_hazard_name(AUDIT_HAZARD_TEMP_TABLE), name,
			strcmp(what, "table") == 0
			? lg_hazard_texts[AUDIT_HAZARD_TEMP_TABLE].state_detail
			: psprintf(lg_temp_object_state_detail, what));
}

/* the rows of one catalog whose namespace column is the temp namespace */
static void
scan_temp_namespace(ReturnSetInfo *rsinfo, Oid catalog, AttrNumber nspcol,
					Oid tempns)
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
		if (catalog == RelationRelationId)
		{
			Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

			/* indexes and TOAST tables belong to their table */
			if (form->relkind == RELKIND_INDEX ||
				form->relkind == RELKIND_PARTITIONED_INDEX ||
				form->relkind == RELKIND_TOASTVALUE)
				continue;
			if (audit_temp_table_dropped_at_commit(form->oid))
				continue;
			/* a serial or identity column's sequence goes with its table */
			if (form->relkind == RELKIND_SEQUENCE &&
				audit_sequence_is_owned(form->oid))
				continue;
			put_temp_row(rsinfo, catalog, form->relkind, NameStr(form->relname));
		}
		else if (catalog == TypeRelationId)
		{
			Form_pg_type form = (Form_pg_type) GETSTRUCT(tup);

			/* a relation's row type, and array types, come with another object */
			if (OidIsValid(form->typrelid) ||
				form->typcategory == TYPCATEGORY_ARRAY)
				continue;
			put_temp_row(rsinfo, catalog, form->typtype, NameStr(form->typname));
		}
		else
		{
			Form_pg_proc form = (Form_pg_proc) GETSTRUCT(tup);

			put_temp_row(rsinfo, catalog, form->prokind, NameStr(form->proname));
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * Temporary relations (tables, views, sequences, ...), types and functions
 * of this session: every one outlives the transaction that made it, but a
 * table created ON COMMIT DROP in the current transaction.
 */
static void
session_temp_objects(ReturnSetInfo *rsinfo)
{
	Oid			tempns = LookupExplicitNamespace("pg_temp", true);

	if (!OidIsValid(tempns))
		return;
	scan_temp_namespace(rsinfo, RelationRelationId, Anum_pg_class_relnamespace, tempns);
	scan_temp_namespace(rsinfo, TypeRelationId, Anum_pg_type_typnamespace, tempns);
	scan_temp_namespace(rsinfo, ProcedureRelationId, Anum_pg_proc_pronamespace, tempns);
}

Datum
lifeguard_session_pooling_state(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = lifeguard_init_srf(fcinfo);

	session_settings(rsinfo);
	session_advisory_locks(rsinfo);
	session_temp_objects(rsinfo);
	return (Datum) 0;
}

/*
 * The C name 0.1.0's install script gives session_pooling_state(): kept so
 * that a database still at 0.1.0 works with this library until ALTER
 * EXTENSION lifeguard UPDATE (docs/upgrading.md).
 */
Datum
lifeguard_session_state(PG_FUNCTION_ARGS)
{
	return lifeguard_session_pooling_state(fcinfo);
}
