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

#include "hazards.h"

/* bytes of the sample statement kept per entry (including the NUL) */
#define LG_AUDIT_SAMPLE_LEN	256

/* one entry as a reader gets it */
typedef struct LgAuditRow
{
	Oid			dbid;
	Oid			userid;			/* the session user */
	AuditHazard hazard;
	char		appname[NAMEDATALEN];	/* application_name at the event */
	int64		count;
	TimestampTz first_seen;
	TimestampTz last_seen;
	int			sample_encoding;	/* the recording database's encoding */
	char		sample[LG_AUDIT_SAMPLE_LEN];	/* first statement, truncated */
} LgAuditRow;

/* From _PG_init when preloading: ask for the shared memory. */
extern void lg_audit_table_request(void);

/*
 * Count one hazardous statement of this session (the statement at
 * source_text + location, len bytes or to the end when 0; location -1
 * means unknown).  Does nothing when the table does not exist.
 */
extern void lg_audit_table_record(AuditHazard hazard, const char *source_text,
								  int location, int len);

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
