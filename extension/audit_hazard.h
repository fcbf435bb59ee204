/*-------------------------------------------------------------------------
 *
 * audit_hazard.h
 *	  The one entry point every detector of the transaction-pooling audit
 *	  calls (audit_hazard.c): filter, record, enforce.  Calls settings.c
 *	  and audit_table.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_AUDIT_HAZARD_H
#define LG_AUDIT_HAZARD_H

#include "clients.h"
#include "hazards.h"
#include "settings.h"

/* the hazard's name, as pooling_audit shows it */
#define lg_hazard_name(h)	(lg_hazard_texts[(h)].name)

/* is there anything to do: record, or enforce? */
static inline bool
lg_audit_active(void)
{
	return (lg_audit_enabled && lg_preloaded) || lg_enforce != LG_ENFORCE_OFF;
}

/* flags of lg_audit_hazard_ext */
#define LG_AT_COMMIT		0x01	/* found by the commit-time check */
#define LG_RECORD_ONLY		0x02	/* count it, do not apply enforce */
#define LG_REPORT_ONLY		0x04	/* apply enforce, it was counted before */

/*
 * A detector found a hazard in the statement at source_text + location
 * (len bytes, or the rest of the string when len is 0; location -1 means
 * unknown, then the whole string is the sample).  Count it, then apply
 * lifeguard.enforce.  object names what the statement touched (a
 * parameter, a channel, a table), for the message; kind, for temp_table,
 * the kind of object ("table", "view", ...; NULL means "table"); client,
 * the driver that sent it when the detector knows (from a statement's
 * name), else it is inferred here from the statement and the
 * application_name.
 */
extern void lg_audit_hazard_ext(AuditHazard hazard, const char *kind,
								const char *object, lg_client client,
								const char *source_text, int location,
								int len, int flags);

static inline void
lg_audit_hazard(AuditHazard hazard, const char *object,
				const char *source_text, int location, int len, int flags)
{
	lg_audit_hazard_ext(hazard, NULL, object, LG_CLIENT_UNKNOWN, source_text,
						location, len, flags);
}

/*
 * Attribution.  A hazard goes to the application that sent it: the
 * application_name current when the client message that holds it began.
 * Before a statement that clears application_name (RESET ALL, DISCARD
 * ALL, RESET application_name, SET application_name TO DEFAULT), the
 * detector holds the current name for the rest of that message; a SET of
 * application_name to a value lets go (the sender has named itself).  After
 * the message, an empty name a reset left is recorded as unknown (NULL).
 */
extern void lg_audit_hold_application_name(void);
extern void lg_audit_release_application_name(void);

/* the application a hazard or failure now is attributed to (NULL: unknown) */
extern const char *lg_audit_attributed_appname(void);

/* was hazard reported (by any detector) in the current transaction? */
extern bool lg_audit_hazard_reported(AuditHazard hazard);

#endif							/* LG_AUDIT_HAZARD_H */
