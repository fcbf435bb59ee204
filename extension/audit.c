/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  Transaction-pooling audit: settings, hazard names and hints,
 *	  enforcement, and audit_hazard(), which every detector calls.
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
#include "miscadmin.h"
#include "utils/guc.h"

#include "audit.h"
#include "lifeguard.h"

bool		audit_enabled = true;
int			audit_max_entries = 1000;
int			audit_enforce = AUDIT_ENFORCE_OFF;
int			audit_protocol_prepared = AUDIT_PROTOCOL_PREPARED_HAZARD;

const char *const audit_hazard_names[AUDIT_NUM_HAZARDS] = {
	"set",
	"prepare",
	"protocol_prepare",
	"listen",
	"advisory_lock",
	"temp_table",
	"with_hold_cursor",
	"load"
};

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
 * The parameters PgBouncer tracks and replays on every server connection
 * it hands to a client, so a session-level SET of them is safe.
 */
static const char *const tracked_parameters[] = {
	"client_encoding",
	"datestyle",
	"intervalstyle",
	"timezone",
	"standard_conforming_strings",
	"application_name"
};

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
 * Is this one of the parameters PgBouncer tracks?  Names compare as
 * PostgreSQL compares parameter names: case-insensitively.
 */
bool
audit_is_tracked_parameter(const char *name)
{
	for (int i = 0; i < lengthof(tracked_parameters); i++)
	{
		if (pg_strcasecmp(name, tracked_parameters[i]) == 0)
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
	const char *detail;

	if (at_commit)
		detail = (elevel >= ERROR)
			? "lifeguard.enforce is \"error\"; the transaction would leave this state on a pooled server connection, so it is rolled back."
			: "lifeguard.enforce is \"warn\"; the transaction leaves this state on a pooled server connection.";
	else
		detail = (elevel >= ERROR)
			? "lifeguard.enforce is \"error\"; the statement would leave state on a pooled server connection."
			: "lifeguard.enforce is \"warn\"; the statement leaves state on a pooled server connection.";

	switch (hazard)
	{
		case AUDIT_HAZARD_SET:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("session-level SET of \"%s\" breaks under transaction pooling (lifeguard hazard \"set\")",
							object),
					 errdetail_internal("%s", detail),
					 errhint("Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default.")));
			break;
		case AUDIT_HAZARD_PREPARE:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("PREPARE of \"%s\" breaks under transaction pooling (lifeguard hazard \"prepare\")",
							object),
					 errdetail_internal("%s", detail),
					 errhint("Run the statement directly or as an unnamed statement of the extended protocol; behind PgBouncer 1.21 or later, use protocol-level prepared statements with max_prepared_statements.")));
			break;
		case AUDIT_HAZARD_PROTOCOL_PREPARE:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("named prepared statement breaks under transaction pooling (lifeguard hazard \"protocol_prepare\")"),
					 errdetail_internal("%s", detail),
					 errhint("Use unnamed statements (for example pgbench -M extended, or node-postgres queries without a name), or PgBouncer 1.21 or later with max_prepared_statements > 0 and lifeguard.protocol_prepared_statements = safe.")));
			break;
		case AUDIT_HAZARD_LISTEN:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("LISTEN on channel \"%s\" breaks under transaction pooling (lifeguard hazard \"listen\")",
							object),
					 errdetail_internal("%s", detail),
					 errhint("LISTEN on a direct, unpooled connection (DIRECT_URL).")));
			break;
		case AUDIT_HAZARD_ADVISORY_LOCK:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("session-level advisory lock %s() breaks under transaction pooling (lifeguard hazard \"advisory_lock\")",
							object),
					 errdetail_internal("%s", detail),
					 errhint("Use pg_advisory_xact_lock() or pg_try_advisory_xact_lock() inside a transaction.")));
			break;
		case AUDIT_HAZARD_TEMP_TABLE:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("temporary %s \"%s\" outlives its transaction and breaks under transaction pooling (lifeguard hazard \"temp_table\")",
							kind ? kind : "table", object),
					 errdetail_internal("%s", detail),
					 (kind == NULL || strcmp(kind, "table") == 0)
					 ? errhint("Create it inside a transaction with ON COMMIT DROP.")
					 : errhint("Drop it before the transaction that created it ends.")));
			break;
		case AUDIT_HAZARD_WITH_HOLD_CURSOR:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cursor \"%s\" WITH HOLD breaks under transaction pooling (lifeguard hazard \"with_hold_cursor\")",
							object),
					 errdetail_internal("%s", detail),
					 errhint("Declare the cursor without WITH HOLD and fetch from it inside one transaction.")));
			break;
		case AUDIT_HAZARD_LOAD:
			ereport(elevel,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("LOAD of \"%s\" breaks under transaction pooling (lifeguard hazard \"load\")",
							object),
					 errdetail_internal("%s", detail),
					 errhint("Load the library for every session with session_preload_libraries or shared_preload_libraries.")));
			break;
	}
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
