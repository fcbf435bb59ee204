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
 * State: the set of hazards reported in the current transaction
 * (backend-local; the commit-time check reads it so that it does not
 * report a hazard twice under enforce = warn).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/proc.h"

#include "audit_hazard.h"
#include "audit_table.h"
#include "compat.h"
#include "settings.h"

/* hazards reported in transaction reported_lxid, one bit each */
static uint32 reported_mask = 0;
static LocalTransactionId reported_lxid = InvalidLocalTransactionId;

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
	   bool at_commit)
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

void
lg_audit_hazard_ext(AuditHazard hazard, const char *kind, const char *object,
					const char *source_text, int location, int len, int flags)
{
	if (hazard == AUDIT_HAZARD_PROTOCOL_PREPARE &&
		lg_protocol_prepared == LG_PROTOCOL_PREPARED_SAFE)
		return;

	note_reported(hazard);
	if (lg_audit_enabled && lg_preloaded)
		lg_audit_table_record(hazard, source_text, location, len);
	if (flags & LG_RECORD_ONLY)
		return;

	if (lg_enforce == LG_ENFORCE_WARN)
		report(WARNING, hazard, kind, object ? object : "",
			   (flags & LG_AT_COMMIT) != 0);
	else if (lg_enforce == LG_ENFORCE_ERROR)
		report(ERROR, hazard, kind, object ? object : "",
			   (flags & LG_AT_COMMIT) != 0);
}
