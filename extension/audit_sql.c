/*-------------------------------------------------------------------------
 *
 * audit_sql.c
 *	  The SQL functions of the transaction-pooling audit: pooling_audit(),
 *	  pooling_audit_info(), pooling_audit_reset() over the shared table;
 *	  pooling_hazard_texts() and pooling_client_texts(), the tables of
 *	  hazards and of client drivers (common/) as rows;
 *	  session_pooling_state(), the part of session_pooling_hazards() that
 *	  needs the server's own data structures (parameters set at session
 *	  level, session-level advisory locks, lasting temporary objects; the
 *	  SQL function adds prepared statements, LISTEN channels and WITH HOLD
 *	  cursors from the system views); and txn_info().
 *
 * The top of the audit's layers: it calls settings.c, session_state.c,
 * encoding.c, audit_table.c and audit_statements.c, and nothing calls it
 * but the server.  Nothing here is shared; privacy follows
 * pg_stat_statements: a sample is shown to the entry's role and to
 * members of pg_read_all_stats.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "audit_hazard.h"
#include "audit_statements.h"
#include "audit_table.h"
#include "compat.h"
#include "encoding.h"
#include "lg_extension.h"
#include "session_state.h"
#include "settings.h"

PG_FUNCTION_INFO_V1(lifeguard_pooling_audit);
PG_FUNCTION_INFO_V1(lifeguard_pooling_audit_info);
PG_FUNCTION_INFO_V1(lifeguard_pooling_audit_reset);
PG_FUNCTION_INFO_V1(lifeguard_pooling_hazard_texts);
PG_FUNCTION_INFO_V1(lifeguard_pooling_client_texts);
PG_FUNCTION_INFO_V1(lifeguard_session_pooling_state);
PG_FUNCTION_INFO_V1(lifeguard_session_state);
PG_FUNCTION_INFO_V1(lifeguard_txn_info);

/*
 * pooling_audit(): the table's entries.  The sample is NULL unless the
 * caller is the entry's role or has the privileges of pg_read_all_stats.
 */
Datum
lifeguard_pooling_audit(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Oid			caller = GetUserId();
	bool		read_all = has_privs_of_role(caller, ROLE_PG_READ_ALL_STATS);
	LgAuditRow *rows;
	long		nrows;

	/* copied under the table's lock; tuples are built after releasing it */
	rows = lg_audit_table_rows("pooling_audit", &nrows);
	rsinfo = lg_init_srf(fcinfo);

	for (long i = 0; i < nrows; i++)
	{
		LgAuditRow *r = &rows[i];
		Datum		values[11];
		bool		nulls[11] = {0};
		char	   *dbname = get_database_name(r->dbid);
		char	   *rolname = GetUserNameFromId(r->userid, true);

		if (dbname)
			values[0] = lg_name_datum(dbname);
		else
			nulls[0] = true;
		if (rolname)
			values[1] = lg_name_datum(rolname);
		else
			nulls[1] = true;
		if (r->appname_known)
			values[2] = CStringGetTextDatum(lg_text_for_reader(r->appname, r->sample_encoding));
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum(lg_hazard_name(r->hazard));
		values[4] = Int64GetDatum(r->count);
		values[5] = TimestampTzGetDatum(r->first_seen);
		values[6] = TimestampTzGetDatum(r->last_seen);
		if (read_all || r->userid == caller)
			values[7] = CStringGetTextDatum(lg_text_for_reader(r->sample, r->sample_encoding));
		else
			nulls[7] = true;
		if (r->client != LG_CLIENT_UNKNOWN)
			values[8] = CStringGetTextDatum(lg_client_texts[r->client].name);
		else
			nulls[8] = true;
		values[9] = CStringGetTextDatum(lg_client_hint(r->client, r->hazard));
		values[10] = Int64GetDatum(r->failures);
		/* a database not updated yet has 0.2.0's eight columns */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* pooling_audit_info(): entries, max_entries, dropped, since */
Datum
lifeguard_pooling_audit_info(PG_FUNCTION_ARGS)
{
	Datum		values[4];
	bool		nulls[4] = {0};
	long		entries;
	int64		dropped;
	TimestampTz since;

	lg_audit_table_info("pooling_audit_info", &entries, &dropped, &since);
	values[0] = Int32GetDatum((int32) entries);
	values[1] = Int32GetDatum(lg_audit_max_entries);
	values[2] = Int64GetDatum(dropped);
	values[3] = TimestampTzGetDatum(since);
	PG_RETURN_DATUM(lg_row_datum(fcinfo, values, nulls));
}

/* pooling_audit_reset(): forget every entry and the dropped count */
Datum
lifeguard_pooling_audit_reset(PG_FUNCTION_ARGS)
{
	lg_audit_table_reset("pooling_audit_reset");
	PG_RETURN_VOID();
}

/*
 * pooling_hazard_texts(): the hazard table as rows (hazard, hint, detail),
 * for session_pooling_hazards()'s details and for anyone who wants the
 * safe alternative next to pooling_audit.
 */
Datum
lifeguard_pooling_hazard_texts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = lg_init_srf(fcinfo);

	for (int h = 0; h < AUDIT_NUM_HAZARDS; h++)
	{
		const lg_hazard_text *t = &lg_hazard_texts[h];
		Datum		values[3];
		bool		nulls[3] = {0};

		values[0] = CStringGetTextDatum(t->name);
		values[1] = CStringGetTextDatum(t->hint);
		/* the formats of set and advisory_lock need values: C fills those */
		if (t->state_detail == NULL || strchr(t->state_detail, '%') != NULL)
			nulls[2] = true;
		else
			values[2] = CStringGetTextDatum(t->state_detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* a text[] of the non-NULL strings among the first n of strings */
static Datum
text_array(const char *const *strings, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			k = 0;

	for (int i = 0; i < n && strings[i] != NULL; i++)
		elems[k++] = CStringGetTextDatum(strings[i]);
	return PointerGetDatum(construct_array(elems, k, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * pooling_client_texts(): the clients pooling_audit can tell apart, how,
 * and their fix for each hazard they have one for (a client with none, the
 * pooler, has one row with hazard and hint NULL).
 */
Datum
lifeguard_pooling_client_texts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = lg_init_srf(fcinfo);

	for (int c = 1; c < lg_num_clients; c++)
	{
		const lg_client_text *t = &lg_client_texts[c];
		bool		any = false;

		for (int h = 0; h <= AUDIT_NUM_HAZARDS; h++)
		{
			Datum		values[6];
			bool		nulls[6] = {0};

			if (h < AUDIT_NUM_HAZARDS ? t->hint[h] == NULL : any)
				continue;
			values[0] = CStringGetTextDatum(t->name);
			values[1] = text_array(t->statement_names, lengthof(t->statement_names));
			if (t->application_name)
				values[2] = CStringGetTextDatum(t->application_name);
			else
				nulls[2] = true;
			values[3] = text_array(t->connect_statements, lengthof(t->connect_statements));
			if (h < AUDIT_NUM_HAZARDS)
			{
				values[4] = CStringGetTextDatum(lg_hazard_name(h));
				values[5] = CStringGetTextDatum(t->hint[h]);
				any = true;
			}
			else
				nulls[4] = nulls[5] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* one row (hazard, object, detail) of session_pooling_state() */
static void
put_row(ReturnSetInfo *rsinfo, AuditHazard hazard, const char *object,
		const char *detail)
{
	Datum		values[3];
	bool		nulls[3] = {0};

	values[0] = CStringGetTextDatum(lg_hazard_name(hazard));
	values[1] = CStringGetTextDatum(object);
	values[2] = CStringGetTextDatum(detail);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* parameters whose value after this transaction will be a session SET */
static void
state_settings(ReturnSetInfo *rsinfo)
{
	struct config_generic **vars;
	int			n;
	bool		read_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS);

	vars = lg_guc_variables(&n);
	for (int i = 0; i < n; i++)
	{
		struct config_generic *conf = vars[i];
		const char *value;

		if (!lg_guc_outlives_transaction(conf) || lg_parameter_is_exempt(conf->name))
			continue;
		if ((conf->flags & GUC_SUPERUSER_ONLY) && !read_all)
			value = NULL;
		else
			value = GetConfigOptionByName(conf->name, NULL, true);
		put_row(rsinfo, AUDIT_HAZARD_SET, conf->name,
				psprintf(lg_hazard_texts[AUDIT_HAZARD_SET].state_detail,
						 value ? psprintf(" to '%s'", value) : ""));
	}
}

static void
state_advisory_locks(ReturnSetInfo *rsinfo)
{
	LgHeldLocks locks = {0, 0, NULL};

	lg_session_advisory_locks(&locks);
	for (int i = 0; i < locks.n; i++)
	{
		const LgHeldLock *held = &locks.items[i];

		put_row(rsinfo, AUDIT_HAZARD_ADVISORY_LOCK, lg_advisory_lock_key(&held->tag),
				psprintf(lg_hazard_texts[AUDIT_HAZARD_ADVISORY_LOCK].state_detail,
						 GetLockmodeName(held->tag.locktag_lockmethodid, held->mode),
						 (long long) held->count, held->count == 1 ? "" : "s"));
	}
}

/* lg_foreach_lasting_temp_object callback */
static void
state_temp_object(Oid classId, char kind, const char *name, void *arg)
{
	const char *what = lg_temp_object_kind(classId, kind);

	put_row((ReturnSetInfo *) arg, AUDIT_HAZARD_TEMP_TABLE, name,
			strcmp(what, "table") == 0
			? lg_hazard_texts[AUDIT_HAZARD_TEMP_TABLE].state_detail
			: psprintf(lg_temp_object_state_detail, what));
}

Datum
lifeguard_session_pooling_state(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = lg_init_srf(fcinfo);

	state_settings(rsinfo);
	state_advisory_locks(rsinfo);
	lg_foreach_lasting_temp_object(state_temp_object, rsinfo);
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

/*
 * txn_info(): the current transaction as the server sees it, so that an
 * application's own test can prove that what its driver calls one
 * transaction ran as one.  statements_in_transaction counts the top-level
 * statements (plannable statements at executor start, utility statements
 * other than transaction control) the statement hooks saw in the current
 * transaction, the calling statement included; without preloading the
 * hooks may have missed statements, so the column is NULL.
 */
Datum
lifeguard_txn_info(PG_FUNCTION_ARGS)
{
	Datum		values[5];
	bool		nulls[5] = {0};
	FullTransactionId fxid;

	values[0] = Int32GetDatum(MyProcPid);
	fxid = GetTopFullTransactionIdIfAny();
	if (FullTransactionIdIsValid(fxid))
		values[1] = FullTransactionIdGetDatum(fxid);
	else
		nulls[1] = true;
	values[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	values[3] = BoolGetDatum(IsTransactionBlock());
	if (lg_preloaded)
		values[4] = Int32GetDatum(lg_statements_in_transaction());
	else
		nulls[4] = true;

	PG_RETURN_DATUM(lg_row_datum(fcinfo, values, nulls));
}
