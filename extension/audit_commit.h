/*-------------------------------------------------------------------------
 *
 * audit_commit.h
 *	  The commit-time check of lifeguard.enforce (audit_commit.c).  Calls
 *	  settings.c, session_state.c and audit_hazard.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_AUDIT_COMMIT_H
#define LG_AUDIT_COMMIT_H

#include "settings.h"

/* From _PG_init: register the transaction callback. */
extern void lg_audit_commit_install(void);

extern void lg_audit_commit_statement_start(void);

/*
 * The parse hook saw a named protocol statement: the end of the
 * transaction records it, with its name, and applies enforcement.
 */
extern void lg_audit_commit_note_named_parse(void);

/*
 * Every statement hook calls this first: under enforcement, the first
 * statement of a transaction records what the commit-time check compares
 * with.  With enforcement off it is one test.
 */
static inline void
lg_audit_commit_statement(void)
{
	if (unlikely(lg_enforce != LG_ENFORCE_OFF))
		lg_audit_commit_statement_start();
}

#endif							/* LG_AUDIT_COMMIT_H */
