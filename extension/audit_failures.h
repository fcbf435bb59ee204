/*-------------------------------------------------------------------------
 *
 * audit_failures.h
 *	  The failures a transaction pooler causes, counted next to their cause
 *	  (audit_failures.c).  Calls settings.c, audit_table.c and
 *	  audit_hazard.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_AUDIT_FAILURES_H
#define LG_AUDIT_FAILURES_H

/* From _PG_init when preloading: install the log hook. */
extern void lg_audit_failures_install(void);

#endif							/* LG_AUDIT_FAILURES_H */
