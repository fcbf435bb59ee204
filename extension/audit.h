/*-------------------------------------------------------------------------
 *
 * audit.h
 *	  Declarations shared by the files of the transaction-pooling audit.
 *
 * audit.c          settings, enforcement (texts from common/hazards.c),
 *                  and the one entry point every detector calls
 *                  (audit_hazard)
 * audit_hooks.c    the parser, executor and utility hooks that detect
 *                  hazards as they happen and count statements
 * audit_shmem.c    the bounded shared-memory table behind pooling_audit
 * audit_hazards.c  session_pooling_hazards(): the state of this session
 * audit_txn_info.c txn_info()
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_AUDIT_H
#define LIFEGUARD_AUDIT_H

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "nodes/execnodes.h"

/* AuditHazard and the table of names, messages and hints */
#include "hazards.h"

/* the hazard's name, as pooling_audit shows it */
#define audit_hazard_name(h)	(lg_hazard_texts[(h)].name)

/* lifeguard.enforce */
typedef enum AuditEnforce
{
	AUDIT_ENFORCE_OFF,
	AUDIT_ENFORCE_WARN,
	AUDIT_ENFORCE_ERROR
} AuditEnforce;

/* lifeguard.protocol_prepared_statements */
typedef enum AuditProtocolPrepared
{
	AUDIT_PROTOCOL_PREPARED_HAZARD,
	AUDIT_PROTOCOL_PREPARED_SAFE
} AuditProtocolPrepared;

/* bytes of the sample statement kept per entry (including the NUL) */
#define AUDIT_SAMPLE_LEN	256

/* settings (audit.c) */
extern bool audit_enabled;
extern int	audit_max_entries;
extern int	audit_enforce;
extern int	audit_protocol_prepared;

/* audit.c */
extern void audit_define_gucs(void);
extern bool audit_is_tracked_parameter(const char *name);
extern bool audit_is_transaction_parameter(const char *name);
extern void audit_hazard(AuditHazard hazard, const char *object,
						 const char *source_text, int location, int len);
extern void audit_require_preload(const char *funcname);

/* audit_hooks.c */
extern void audit_install_hooks(void);
extern bool audit_temp_table_dropped_at_commit(Oid relid);

/* audit_shmem.c */
extern void audit_shmem_init(void);
extern void audit_shmem_record(AuditHazard hazard, const char *source_text,
							   int location, int len);

/* audit_txn_info.c */
extern void audit_count_statement(void);

#endif							/* LIFEGUARD_AUDIT_H */
