/*-------------------------------------------------------------------------
 *
 * session_state.h
 *	  What this backend's session holds that outlives a transaction:
 *	  session-level advisory locks, parameters set at session level,
 *	  temporary objects (session_state.c).  Read by the commit-time check,
 *	  the statement detectors and session_pooling_state(); calls no other
 *	  file of the extension.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_SESSION_STATE_H
#define LG_SESSION_STATE_H

#include "access/htup.h"
#include "storage/lock.h"
#include "utils/guc_tables.h"

/* one session-level advisory lock: how many times it is held in a mode */
typedef struct LgHeldLock
{
	LOCKTAG		tag;
	LOCKMODE	mode;
	int64		count;
} LgHeldLock;

/* a growable array of them, in the memory context current when it grows */
typedef struct LgHeldLocks
{
	int			n;
	int			max;
	LgHeldLock *items;
} LgHeldLocks;

extern void lg_held_locks_add(LgHeldLocks *locks, const LOCKTAG *tag,
							  LOCKMODE mode, int64 count);

/*
 * The session-level advisory locks this backend holds, with their session
 * counts, into *out (emptied first), in CurrentMemoryContext.
 */
extern void lg_session_advisory_locks(LgHeldLocks *out);

/* an advisory lock's key as pg_locks shows it: "k" or "k1,k2" (palloc'd) */
extern char *lg_advisory_lock_key(const LOCKTAG *tag);

/*
 * Parameters.  lg_guc_set_in_transaction: a non-local SET made in the
 * current transaction (at any level) will survive its commit.
 * lg_guc_outlives_transaction: after the current transaction commits, the
 * parameter will hold a value set at session level that differs from the
 * one it started the session with (see lg_guc_differs_from_reset; where
 * the stacked values make the value after commit uncertain, true).
 */
extern bool lg_guc_set_in_transaction(struct config_generic *conf);
extern bool lg_guc_outlives_transaction(struct config_generic *conf);

/*
 * Does the parameter's value differ from the one RESET would give it, the
 * value the session started with (from the server's configuration, the
 * role's and the database's settings and the startup packet)?  A SET to
 * that value, and every way back to it (RESET, SET ... TO DEFAULT, RESET
 * ALL, DISCARD ALL), leaves nothing on the connection.
 */
extern bool lg_guc_differs_from_reset(struct config_generic *conf);

/*
 * Temporary objects.  A catalog row (pg_class, pg_type or pg_proc, by
 * classId) is a temporary object of its own when it lies in a temporary
 * namespace and does not come with another object (an index, a TOAST
 * table, a relation's row type, an array type); then *kind (relkind,
 * typtype or prokind) and *name are set.
 */
extern bool lg_temp_object_from_tuple(Oid classId, HeapTuple tup, char *kind,
									  const char **name);

/* what a temporary object is called in messages: "table", "view", ... */
extern const char *lg_temp_object_kind(Oid classId, char kind);

/* is the sequence owned by a table (a serial or identity column)? */
extern bool lg_sequence_is_owned(Oid seqid);

/*
 * Temporary tables created ON COMMIT DROP in the current transaction, as
 * the statement detectors noted them: they do not outlive it.
 */
extern void lg_note_drop_at_commit(Oid relid);
extern bool lg_dropped_at_commit(Oid relid);

/*
 * Call fn for each temporary object of this session that will outlive the
 * current transaction (not one dropped at commit, not a sequence owned by
 * its table).
 */
typedef void (*lg_temp_object_fn) (Oid classId, char kind, const char *name,
								   void *arg);
extern void lg_foreach_lasting_temp_object(lg_temp_object_fn fn, void *arg);

#endif							/* LG_SESSION_STATE_H */
