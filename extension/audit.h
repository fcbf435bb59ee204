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
 * audit_backstop.c the commit-time check under lifeguard.enforce
 * audit_txn_info.c txn_info()
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_AUDIT_H
#define LIFEGUARD_AUDIT_H

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "storage/lock.h"

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

/* flags of audit_hazard_ext */
#define AUDIT_AT_COMMIT		0x01	/* found by the commit-time check */
#define AUDIT_RECORD_ONLY	0x02	/* count it, do not apply enforce */
extern void audit_hazard_ext(AuditHazard hazard, const char *kind,
							 const char *object, const char *source_text,
							 int location, int len, int flags);

/* audit_hooks.c */
extern void audit_install_hooks(void);
extern bool audit_temp_table_dropped_at_commit(Oid relid);
extern bool audit_sequence_is_owned(Oid seqid);
extern bool audit_parameter_is_exempt(const char *name);

/* audit_hazards.c */
extern int64 audit_advisory_session_count(const LOCKTAG *tag, LOCKMODE mode);
extern const char *audit_temp_object_kind(Oid classId, char kind);

/* audit_backstop.c */
extern void audit_backstop_init(void);
extern void audit_backstop_note(AuditHazard hazard);
extern void audit_backstop_statement_start(void);

/*
 * Every statement hook calls this first: under enforcement, the first
 * statement of a transaction records what the commit-time check compares
 * with.  With enforcement off it is one test.
 */
static inline void
audit_backstop_statement(void)
{
	if (unlikely(audit_enforce != AUDIT_ENFORCE_OFF))
		audit_backstop_statement_start();
}

/* audit_shmem.c */
extern void audit_shmem_init(void);
extern void audit_shmem_record(AuditHazard hazard, const char *source_text,
							   int location, int len);

/* audit_txn_info.c */
extern void audit_count_statement(void);

#endif							/* LIFEGUARD_AUDIT_H */
