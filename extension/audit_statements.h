/*-------------------------------------------------------------------------
 *
 * audit_statements.h
 *	  The statement detectors of the transaction-pooling audit
 *	  (audit_statements.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_AUDIT_STATEMENTS_H
#define LG_AUDIT_STATEMENTS_H

/* From _PG_init: install the parser, planner, executor and utility hooks. */
extern void lg_audit_statements_install(void);

/* the top-level statements the hooks saw in the current transaction */
extern int	lg_statements_in_transaction(void);

#endif							/* LG_AUDIT_STATEMENTS_H */
