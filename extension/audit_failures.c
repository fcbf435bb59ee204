/*-------------------------------------------------------------------------
 *
 * audit_failures.c
 *	  The breakage a transaction pooler causes, counted next to its cause:
 *	  an error "prepared statement ... does not exist" (SQLSTATE 26000:
 *	  the statement was prepared on another server connection) or "...
 *	  already exists" (42P05: a statement of the same name was left on this
 *	  one) adds one to the failures of the protocol_prepare entry of its
 *	  application and client in pooling_audit.
 *
 * The errors are seen through emit_log_hook, so only those the server
 * logs (log_min_messages at error or below, as by default).  The cause is
 * the SQL-level "prepare" hazard when the failing statement is SQL's
 * PREPARE, EXECUTE or DEALLOCATE, else "protocol_prepare" (a Bind or Parse
 * message of the extended protocol: no statement text is current then,
 * or it is the named statement's own).  The client
 * is told by the statement's name, the quoted part of the message (the
 * server's English text and most translations quote it with ASCII
 * quotes; else it is the application_name's driver, or unknown).
 *
 * State: none of its own; it counts in the shared table (audit_table.c,
 * whose locking rules apply; no lock is held while the server reports the
 * error, and counting never raises a report of its own).  Calls
 * settings.c, audit_table.c and audit_hazard.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/elog.h"

#include "audit_failures.h"
#include "audit_hazard.h"
#include "audit_table.h"
#include "clients.h"
#include "settings.h"

static emit_log_hook_type prev_emit_log_hook = NULL;

/*
 * The first "quoted" part of message into name (NAMEDATALEN bytes: longer
 * is no statement name the server keeps), or false.  Nothing is allocated:
 * this runs inside the server's error report.
 */
static bool
quoted_name(const char *message, char *name)
{
	const char *open = message ? strchr(message, '"') : NULL;
	const char *close = open ? strchr(open + 1, '"') : NULL;

	if (close == NULL || close == open + 1 || close - open - 1 >= NAMEDATALEN)
		return false;
	memcpy(name, open + 1, close - open - 1);
	name[close - open - 1] = '\0';
	return true;
}

/* is the statement being run SQL's PREPARE, EXECUTE or DEALLOCATE? */
static bool
sql_level(void)
{
	static const char *const words[] = {"prepare", "execute", "deallocate"};
	const char *s = debug_query_string;

	if (s == NULL)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (int i = 0; i < lengthof(words); i++)
	{
		size_t		n = strlen(words[i]);

		if (pg_strncasecmp(s, words[i], n) == 0 &&
			(s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == '\r'))
			return true;
	}
	return false;
}

static void
failures_emit_log(ErrorData *edata)
{
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);

	if (edata->elevel != ERROR ||
		(edata->sqlerrcode != ERRCODE_UNDEFINED_PSTATEMENT &&
		 edata->sqlerrcode != ERRCODE_DUPLICATE_PSTATEMENT))
		return;
	/* a client backend of a database, auditing */
	if (MyProc == NULL || !OidIsValid(MyDatabaseId) || !lg_audit_enabled)
		return;
	{
		const char *appname = lg_audit_attributed_appname();
		char		name[NAMEDATALEN];
		lg_client	client = quoted_name(edata->message, name)
			? lg_client_by_statement_name(name) : LG_CLIENT_UNKNOWN;

		if (client == LG_CLIENT_POOLER)
			return;
		if (client == LG_CLIENT_UNKNOWN)
			client = lg_client_by_application_name(appname);
		lg_audit_table_record_failure(sql_level() ? AUDIT_HAZARD_PREPARE
									  : AUDIT_HAZARD_PROTOCOL_PREPARE,
									  client, appname, edata->message);
	}
}

void
lg_audit_failures_install(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = failures_emit_log;
}
