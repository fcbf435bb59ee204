/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  Transaction-pooling audit: settings, enforcement (its messages and
 *	  hints come from the hazard table, common/hazards.c), and
 *	  audit_hazard(), which every detector calls.
 *
 * Under a transaction pooler (PgBouncer in transaction mode, Neon's
 * -pooler endpoints) each transaction of a client may run on a different
 * server connection, so any state a statement leaves on the session is
 * seen by other clients or lost.  The detectors in audit_hooks.c call
 * audit_hazard() once per hazardous statement; it counts the hazard in the
 * shared table (audit_shmem.c) when auditing is on and lifeguard is
 * preloaded, then applies lifeguard.enforce (off, warn, error).
 *
 * This file holds no shared state of its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "audit.h"
#include "compat.h"
#include "lg_extension.h"

bool		audit_enabled = true;
int			audit_max_entries = 1000;
int			audit_enforce = AUDIT_ENFORCE_OFF;
int			audit_protocol_prepared = AUDIT_PROTOCOL_PREPARED_HAZARD;

static const struct config_enum_entry audit_enforce_options[] = {
	{"off", AUDIT_ENFORCE_OFF, false},
	{"warn", AUDIT_ENFORCE_WARN, false},
	{"error", AUDIT_ENFORCE_ERROR, false},
	{NULL, 0, false}
};

static const struct config_enum_entry audit_protocol_prepared_options[] = {
	{"hazard", AUDIT_PROTOCOL_PREPARED_HAZARD, false},
	{"safe", AUDIT_PROTOCOL_PREPARED_SAFE, false},
	{NULL, 0, false}
};

/*
 * lifeguard.tracked_parameters: the parameters the pooler tracks and
 * restores on every server connection it hands to a client, so a
 * session-level SET of them (the client's own, or the pooler's restoring
 * SET) is not a hazard.  The default is what every supported PgBouncer
 * (1.18 and later) tracks whatever its configuration; PgBouncer 1.20 and
 * later add track_extra_parameters (default IntervalStyle), which
 * operators match by adding those names here.  The default,
 * LG_TRACKED_PARAMETERS_DEFAULT, is in common/hazards.h.
 */

static char *audit_tracked_parameters_string = NULL;

/* the parsed list: one flat block (the GUC machinery frees it) */
typedef struct AuditTrackedList
{
	int			n;
	char	   *names[FLEXIBLE_ARRAY_MEMBER];	/* point into the same block */
} AuditTrackedList;

static AuditTrackedList *audit_tracked = NULL;

static bool
audit_tracked_parameters_check(char **newval, void **extra, GucSource source)
{
	char	   *raw = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	Size		size;
	AuditTrackedList *list;
	char	   *p;
	int			i = 0;

	if (!SplitIdentifierString(raw, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		GUC_check_errhint("Give a comma-separated list of parameter names, for example \"%s\".",
						  LG_TRACKED_PARAMETERS_DEFAULT);
		list_free(names);
		pfree(raw);
		return false;
	}
	size = offsetof(AuditTrackedList, names) + sizeof(char *) * list_length(names);
	foreach(lc, names)
	{
		const char *name = (const char *) lfirst(lc);

		if (name[0] == '\0')
		{
			GUC_check_errdetail("A parameter name is empty.");
			list_free(names);
			pfree(raw);
			return false;
		}
		size += strlen(name) + 1;
	}
	/* extra is freed by the GUC machinery: allocated as it frees (compat.h) */
	list = (AuditTrackedList *) lg_guc_extra_alloc(size);
	if (list == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errdetail("Out of memory.");
		list_free(names);
		pfree(raw);
		return false;
	}
	list->n = list_length(names);
	p = (char *) &list->names[list->n];
	foreach(lc, names)
	{
		const char *name = (const char *) lfirst(lc);

		strcpy(p, name);
		list->names[i++] = p;
		p += strlen(name) + 1;
	}
	list_free(names);
	pfree(raw);
	*extra = list;
	return true;
}

static void
audit_tracked_parameters_assign(const char *newval, void *extra)
{
	audit_tracked = (AuditTrackedList *) extra;
}

void
audit_define_gucs(void)
{
	DefineCustomBoolVariable("lifeguard.audit",
							 "Records statements that break under transaction pooling.",
							 "Needs lifeguard in shared_preload_libraries; see the view pooling_audit.",
							 &audit_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	/* a postmaster setting can only be defined while preloading */
	if (lifeguard_preloaded)
		DefineCustomIntVariable("lifeguard.audit_max_entries",
							"Maximum number of rows kept by the pooling audit.",
							"A row is one (database, role, application_name, hazard); "
							"new rows beyond this are counted as dropped.",
							&audit_max_entries,
							1000,
							10,
							1000000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("lifeguard.enforce",
							 "What to do with a statement that breaks under transaction pooling.",
							 "off: nothing; warn: raise a WARNING; error: refuse it with SQLSTATE 0A000.",
							 &audit_enforce,
							 AUDIT_ENFORCE_OFF,
							 audit_enforce_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("lifeguard.tracked_parameters",
							   "Parameters the pooler tracks and restores, whose session-level SET is not a hazard.",
							   "Match the pooler: PgBouncer's five built-in parameters plus its track_extra_parameters.",
							   &audit_tracked_parameters_string,
							   LG_TRACKED_PARAMETERS_DEFAULT,
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   audit_tracked_parameters_check,
							   audit_tracked_parameters_assign,
							   NULL);

	DefineCustomEnumVariable("lifeguard.protocol_prepared_statements",
							 "Whether named prepared statements of the extended protocol are a hazard.",
							 "Set to safe behind PgBouncer 1.21 or later with max_prepared_statements > 0.",
							 &audit_protocol_prepared,
							 AUDIT_PROTOCOL_PREPARED_HAZARD,
							 audit_protocol_prepared_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/*
 * Is this one of the parameters the pooler tracks (lifeguard.tracked_parameters)?
 * Names compare as PostgreSQL compares parameter names: case-insensitively.
 */
bool
audit_is_tracked_parameter(const char *name)
{
	if (audit_tracked == NULL)
		return false;
	for (int i = 0; i < audit_tracked->n; i++)
	{
		if (pg_strcasecmp(name, audit_tracked->names[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Parameters whose "session-level" SET lasts for one transaction only.
 */
bool
audit_is_transaction_parameter(const char *name)
{
	return pg_strcasecmp(name, "transaction_isolation") == 0 ||
		pg_strcasecmp(name, "transaction_read_only") == 0 ||
		pg_strcasecmp(name, "transaction_deferrable") == 0;
}

/*
 * ereport the hazard at elevel (WARNING or ERROR): the message names the
 * hazard and its object, the hint names the safe alternative.
 */
static void
audit_report(int elevel, AuditHazard hazard, const char *kind,
			 const char *object, bool at_commit)
{
	const lg_hazard_text *t = &lg_hazard_texts[hazard];
	bool		other_temp_object = hazard == AUDIT_HAZARD_TEMP_TABLE &&
		kind != NULL && strcmp(kind, "table") != 0;
	const char *detail;

	if (at_commit)
		detail = (elevel >= ERROR)
			? "lifeguard.enforce is \"error\"; the transaction would leave this state on a pooled server connection, so it is rolled back."
			: "lifeguard.enforce is \"warn\"; the transaction leaves this state on a pooled server connection.";
	else
		detail = (elevel >= ERROR)
			? "lifeguard.enforce is \"error\"; the statement would leave state on a pooled server connection."
			: "lifeguard.enforce is \"warn\"; the statement leaves state on a pooled server connection.";

	/* a temporary object's message names its kind: table "t", view "v" */
	if (hazard == AUDIT_HAZARD_TEMP_TABLE)
		object = psprintf("%s \"%s\"", kind ? kind : "table", object);

	ereport(elevel,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg(t->message, object),
			 errdetail_internal("%s", detail),
			 errhint("%s", other_temp_object ? lg_temp_object_hint : t->hint)));
}

/*
 * A detector found a hazard in the statement at source_text + location
 * (len bytes, or the rest of the string when len is 0; location -1 means
 * unknown, then the whole string is the sample).  Count it, then apply
 * lifeguard.enforce.  object names what the statement touched (a
 * parameter, a channel, a table), for the message.
 */
void
audit_hazard(AuditHazard hazard, const char *object,
			 const char *source_text, int location, int len)
{
	audit_hazard_ext(hazard, NULL, object, source_text, location, len, 0);
}

/*
 * audit_hazard() with the kind of object (for temp_table: "table", "view",
 * "sequence", "function", "type"; NULL means "table") and flags:
 * AUDIT_AT_COMMIT when the commit-time check found the state (the message
 * says so), AUDIT_RECORD_ONLY to count without applying lifeguard.enforce.
 */
void
audit_hazard_ext(AuditHazard hazard, const char *kind, const char *object,
				 const char *source_text, int location, int len, int flags)
{
	if (hazard == AUDIT_HAZARD_PROTOCOL_PREPARE &&
		audit_protocol_prepared == AUDIT_PROTOCOL_PREPARED_SAFE)
		return;

	audit_backstop_note(hazard);
	if (audit_enabled && lifeguard_preloaded)
		audit_shmem_record(hazard, source_text, location, len);
	if (flags & AUDIT_RECORD_ONLY)
		return;

	if (audit_enforce == AUDIT_ENFORCE_WARN)
		audit_report(WARNING, hazard, kind, object ? object : "",
					 (flags & AUDIT_AT_COMMIT) != 0);
	else if (audit_enforce == AUDIT_ENFORCE_ERROR)
		audit_report(ERROR, hazard, kind, object ? object : "",
					 (flags & AUDIT_AT_COMMIT) != 0);
}

/*
 * pooling_hazard_texts(): the hazard table as rows (hazard, hint, detail),
 * for session_pooling_hazards()'s details and for anyone who wants the
 * safe alternative next to pooling_audit.
 */
PG_FUNCTION_INFO_V1(lifeguard_pooling_hazard_texts);

Datum
lifeguard_pooling_hazard_texts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = lifeguard_init_srf(fcinfo);

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

/*
 * Functions backed by the shared table call this first: without
 * preloading there is no table.
 */
void
audit_require_preload(const char *funcname)
{
	if (!lifeguard_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s() requires lifeguard to be loaded via shared_preload_libraries",
						funcname),
				 errhint("Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/*
 * From _PG_init: the settings, the shared table when preloading, and the
 * hooks (also without preloading: enforcement works in any session that
 * has loaded lifeguard).
 */
void
lifeguard_audit_init(void)
{
	audit_define_gucs();
	if (lifeguard_preloaded)
		audit_shmem_init();
	audit_install_hooks();
}
