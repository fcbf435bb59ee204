/*-------------------------------------------------------------------------
 *
 * audit_hazard.c
 *	  lg_audit_hazard(): what every detector of the transaction-pooling
 *	  audit calls when it finds a hazard.  It filters (named protocol
 *	  statements under lifeguard.protocol_prepared_statements = safe),
 *	  records the hazard in the shared table when auditing is on and
 *	  lifeguard is preloaded, and applies lifeguard.enforce (off, warn,
 *	  error) with the message and hint of the hazard table
 *	  (common/hazards.c).
 *
 * Under a transaction pooler (PgBouncer in transaction mode, Neon's
 * -pooler endpoints) each transaction of a client may run on a different
 * server connection, so any state a statement leaves on the session is
 * seen by other clients or lost.  The detectors (audit_statements.c,
 * audit_commit.c) sit above this file; it calls only settings.c and
 * audit_table.c.
 *
 * Each hazard is recorded with the application that sent it and, where the
 * server can tell, the driver (common/clients.c: a statement's name, a
 * driver's connect-time statement, its default application_name), whose
 * fix becomes the hint.  A driver's connect-time statement that reaches the
 * server before the driver has named its application (pgjdbc's) is
 * recorded without one: directly the name is still empty, and behind a
 * pooler it is the connection's previous client's.
 *
 * State (backend-local): the set of hazards reported in the current
 * transaction (the commit-time check reads it so that it does not report a
 * hazard twice under enforce = warn), and the application_name held for
 * the rest of a client message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

#include "audit_hazard.h"
#include "audit_table.h"
#include "compat.h"
#include "settings.h"

/* hazards reported in transaction reported_lxid, one bit each */
static uint32 reported_mask = 0;
static LocalTransactionId reported_lxid = InvalidLocalTransactionId;

/* the application_name held for the client message that began at held_at */
static char held_appname[NAMEDATALEN];
static TimestampTz held_at = 0;

/* a reset cleared application_name, and nothing has set it since */
static bool reset_since_named = false;

void
lg_audit_hold_application_name(void)
{
	TimestampTz now = GetCurrentStatementStartTimestamp();

	reset_since_named = true;
	if (held_at == now)
		return;
	strlcpy(held_appname, application_name ? application_name : "", NAMEDATALEN);
	held_at = now;
}

void
lg_audit_release_application_name(void)
{
	held_at = 0;
	reset_since_named = false;
}

/* was application_name set to its value by a SET (not the startup packet)? */
static bool
appname_set_in_session(void)
{
	static struct config_generic *conf = NULL;

	if (conf == NULL)
		conf = lg_find_guc("application_name");
	return conf != NULL && conf->source == PGC_S_SESSION;
}

/*
 * Within the message of a reset, the name it held.  Otherwise an empty name
 * that a reset left, or that a SET gave, is no name at all: behind
 * PgBouncer, whose server connections start without one, a reset leaves
 * the empty name, the pooler takes it as its client's and replays it with
 * SET application_name = '' on every connection it hands that client, so
 * whose statements follow is unknown (NULL).  An empty name a direct
 * client's startup packet gave stays the empty name.
 */
const char *
lg_audit_attributed_appname(void)
{
	if (held_at != 0 && held_at == GetCurrentStatementStartTimestamp())
		return held_appname;
	if ((application_name == NULL || application_name[0] == '\0') &&
		(reset_since_named || appname_set_in_session()))
		return NULL;
	return application_name ? application_name : "";
}

static void
note_reported(AuditHazard hazard)
{
	if (reported_lxid != LG_MY_LXID)
	{
		reported_mask = 0;
		reported_lxid = LG_MY_LXID;
	}
	reported_mask |= (uint32) 1 << hazard;
}

bool
lg_audit_hazard_reported(AuditHazard hazard)
{
	return reported_lxid == LG_MY_LXID &&
		(reported_mask & ((uint32) 1 << hazard)) != 0;
}

/*
 * ereport the hazard at elevel (WARNING or ERROR): the message names the
 * hazard and its object, the hint names the safe alternative.
 */
static void
report(int elevel, AuditHazard hazard, const char *kind, const char *object,
	   lg_client client, bool at_commit)
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
			 errhint("%s", other_temp_object ? lg_temp_object_hint
					 : lg_client_hint(client, hazard))));
}

void
lg_audit_hazard_ext(AuditHazard hazard, const char *kind, const char *object,
					lg_client client, const char *source_text, int location,
					int len, int flags)
{
	const char *appname;

	if (hazard == AUDIT_HAZARD_PROTOCOL_PREPARE &&
		lg_protocol_prepared == LG_PROTOCOL_PREPARED_SAFE)
		return;

	appname = lg_audit_attributed_appname();
	if (client == LG_CLIENT_UNKNOWN && source_text != NULL)
	{
		bool		whole = location < 0 || location > (int) strlen(source_text);

		client = lg_client_by_connect_statement(whole ? source_text : source_text + location,
												whole ? 0 : len);
		if (client != LG_CLIENT_UNKNOWN && lg_client_texts[client].names_itself_late)
			appname = NULL;
	}
	if (client == LG_CLIENT_UNKNOWN)
		client = lg_client_by_application_name(appname);

	note_reported(hazard);
	if (lg_audit_enabled && lg_preloaded && !(flags & LG_REPORT_ONLY))
		lg_audit_table_record(hazard, client, appname, source_text, location, len);
	if (flags & LG_RECORD_ONLY)
		return;

	if (lg_enforce == LG_ENFORCE_WARN)
		report(WARNING, hazard, kind, object ? object : "", client,
			   (flags & LG_AT_COMMIT) != 0);
	else if (lg_enforce == LG_ENFORCE_ERROR)
		report(ERROR, hazard, kind, object ? object : "", client,
			   (flags & LG_AT_COMMIT) != 0);
}
