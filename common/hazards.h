/*-------------------------------------------------------------------------
 *
 * hazards.h
 *	  The transaction-pooling hazards: one table of their names, the
 *	  message lifeguard.enforce raises, the safe alternative (the hint), and
 *	  the detail session_pooling_hazards() gives.  Compiled into both the
 *	  extension and the lifeguard CLI, which take every text from here.
 *
 * Plain C with no PostgreSQL dependency; constant data, no locking.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_HAZARDS_H
#define LIFEGUARD_HAZARDS_H

/* the hazards, in the order of docs/transaction-pooling.md */
typedef enum AuditHazard
{
	AUDIT_HAZARD_SET = 0,
	AUDIT_HAZARD_PREPARE,
	AUDIT_HAZARD_PROTOCOL_PREPARE,
	AUDIT_HAZARD_LISTEN,
	AUDIT_HAZARD_ADVISORY_LOCK,
	AUDIT_HAZARD_TEMP_TABLE,
	AUDIT_HAZARD_WITH_HOLD_CURSOR,
	AUDIT_HAZARD_LOAD
} AuditHazard;

#define AUDIT_NUM_HAZARDS	(AUDIT_HAZARD_LOAD + 1)

typedef struct lg_hazard_text
{
	const char *name;			/* the hazard column of pooling_audit */

	/*
	 * The error (or warning) message of lifeguard.enforce: a printf format
	 * taking one string, the object (a parameter, a channel; for temp_table
	 * the kind and the quoted name, as in table "t" or view "v");
	 * protocol_prepare's ignores it.
	 */
	const char *message;
	const char *hint;			/* the safe alternative, one sentence */

	/*
	 * session_pooling_hazards()'s detail: why the state breaks and what to
	 * do.  For set it is a format taking " to 'value'" (or ""), for
	 * advisory_lock one taking the lock mode, the count and a plural "s";
	 * NULL for load.
	 */
	const char *state_detail;
} lg_hazard_text;

extern const lg_hazard_text lg_hazard_texts[AUDIT_NUM_HAZARDS];

/*
 * Temporary objects other than tables (views, sequences, functions, types)
 * count as temp_table, with their own safe alternative, and their own
 * session_pooling_hazards() detail (a format taking the kind).
 */
extern const char *const lg_temp_object_hint;
extern const char *const lg_temp_object_state_detail;

/*
 * The default of lifeguard.tracked_parameters: the parameters every
 * supported PgBouncer (1.18 and later) tracks and restores whatever its
 * configuration, so a session-level SET of them is no hazard.  The portable
 * edition uses it too (sql/portable/gen_hazards.c passes it on).
 */
#define LG_TRACKED_PARAMETERS_DEFAULT \
	"client_encoding, DateStyle, TimeZone, standard_conforming_strings, application_name"

/* The entry of the hazard named name, or NULL. */
extern const lg_hazard_text *lg_hazard_by_name(const char *name);

#endif							/* LIFEGUARD_HAZARDS_H */
