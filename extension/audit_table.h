/*-------------------------------------------------------------------------
 *
 * audit_table.h
 *	  The bounded shared-memory table behind pooling_audit
 *	  (audit_table.c).  Calls only settings.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_AUDIT_TABLE_H
#define LG_AUDIT_TABLE_H

#include "datatype/timestamp.h"

#include "clients.h"
#include "hazards.h"

/* bytes of the sample statement kept per entry (including the NUL) */
#define LG_AUDIT_SAMPLE_LEN	256

/* one entry as a reader gets it */
typedef struct LgAuditRow
{
	Oid			dbid;
	Oid			userid;			/* the session user */
	AuditHazard hazard;
	lg_client	client;			/* the driver that sent it, or unknown */
	bool		appname_known;	/* false: the server could not tell */
	char		appname[NAMEDATALEN];	/* the application that sent it */
	int64		count;
	int64		failures;		/* errors a pooler caused (26000, 42P05) */
	TimestampTz first_seen;
	TimestampTz last_seen;
	int			sample_encoding;	/* the recording database's encoding */
	char		sample[LG_AUDIT_SAMPLE_LEN];	/* first statement, truncated */
} LgAuditRow;

/* From _PG_init when preloading: ask for the shared memory. */
extern void lg_audit_table_request(void);

/*
 * Count one hazardous statement of this session, sent by client on behalf
 * of application appname (NULL: the server cannot tell which); the
 * statement is at source_text + location, len bytes or to the end when 0
 * (location -1 means unknown).  Does nothing when the table does not
 * exist.
 */
extern void lg_audit_table_record(AuditHazard hazard, lg_client client,
								  const char *appname,
								  const char *source_text, int location,
								  int len);

/*
 * Count one failure a pooler caused (a prepared statement that does not
 * exist, or already exists, on the server connection: SQLSTATE 26000 or
 * 42P05) for client and application appname, on the entry of the hazard
 * that causes it (prepare or protocol_prepare); message is the error's.
 */
extern void lg_audit_table_record_failure(AuditHazard cause, lg_client client,
										  const char *appname,
										  const char *message);

/*
 * The readers raise SQLSTATE 55000 naming funcname when the table does not
 * exist.  lg_audit_table_rows: a palloc'd copy of the entries, *nrows
 * of them.
 */
extern LgAuditRow *lg_audit_table_rows(const char *funcname, long *nrows);
extern void lg_audit_table_info(const char *funcname, long *entries,
								int64 *dropped, TimestampTz *since);
extern void lg_audit_table_reset(const char *funcname);

#endif							/* LG_AUDIT_TABLE_H */
