/*-------------------------------------------------------------------------
 *
 * stats_refusals.h
 *	  The lock-free buffer of the connection refusals that happen before a
 *	  process has a PGPROC (stats_refusals.c).  Calls no other file of the
 *	  extension; stats_table.c drains it into the shared table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_STATS_REFUSALS_H
#define LG_STATS_REFUSALS_H

#include "stats.h"

/*
 * Shared memory: the size to request for max_entries rows, and attaching
 * (from the shared memory startup hook, under AddinShmemInitLock).
 */
extern Size lg_stats_refusals_shmem_size(int max_entries);
extern void lg_stats_refusals_shmem_attach(int max_entries);

/*
 * Count one refusal of key for cause at time at.  Atomic operations only,
 * no lock, no error, no allocation: callable from emit_log_hook in a
 * process that has no PGPROC.  Does nothing before the buffer exists.
 */
extern void lg_stats_refusals_record(const LgStatsKey *key,
									 LgStatsRefusal cause, TimestampTz at);

/* was anything recorded since the last drain? (one atomic read) */
extern bool lg_stats_refusals_pending(void);

/*
 * Move every count out of the buffer: fn gets each key's counts (indexed
 * by LgStatsRefusal) and the time of its last refusal, and once key NULL
 * for what did not fit in the buffer.  A key may come more than once.
 * Drains must not run concurrently (the caller holds the table's lock
 * exclusively, or is the postmaster alone); recording goes on meanwhile.
 */
typedef void (*lg_stats_refusals_fn) (const LgStatsKey *key,
									  const int64 *counts,
									  TimestampTz last_at, void *arg);
extern void lg_stats_refusals_drain(lg_stats_refusals_fn fn, void *arg);

#endif							/* LG_STATS_REFUSALS_H */
