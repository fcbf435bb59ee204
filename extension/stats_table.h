/*-------------------------------------------------------------------------
 *
 * stats_table.h
 *	  The shared table behind pool_stats, with one slot per backend for
 *	  what its transactions add, and its file across restarts
 *	  (stats_table.c).  Calls settings.c and stats_refusals.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_STATS_TABLE_H
#define LG_STATS_TABLE_H

#include "stats.h"

/* From _PG_init when preloading with lifeguard.stats on. */
extern void lg_stats_table_request(void);

/*
 * Sessions, from the backend whose session it is.  lg_stats_session_open
 * counts the session in key's row (false when the row did not fit: it is
 * then counted in the overflow row, and lg_stats_session_end must be told
 * so) and sets up this backend's slot with key as the application of its
 * transactions.  lg_stats_session_end adds the slot to its row, then
 * counts the end, the session's duration (microseconds) and one
 * connection less.
 */
extern bool lg_stats_session_open(const LgStatsKey *key);
extern void lg_stats_session_end(const LgStatsKey *key, bool fits,
								 LgStatsEnd cause, int64 session_time);

/*
 * This backend's transactions.  lg_stats_xact_add adds delta to its slot,
 * without a lock; lg_stats_xact_rekey first moves the slot's counts into
 * its row and makes key the row of what follows.  Both after
 * lg_stats_session_open and before lg_stats_session_end only.
 */
extern void lg_stats_xact_add(const LgStatsXact *delta);
extern void lg_stats_xact_rekey(const LgStatsKey *key);

/*
 * The common case of lg_stats_xact_add: one transaction that committed or
 * rolled back, its time and its idle-in-transaction time (microseconds).
 */
extern void lg_stats_xact_end(bool commit, int64 time, int64 idle);

/*
 * A connection of key refused for cause.  Without a PGPROC it goes to the
 * lock-free buffer (stats_refusals.c); with one, to the table.  in_log_hook:
 * called from emit_log_hook, so nothing may be reported.
 */
extern void lg_stats_refusal(const LgStatsKey *key, LgStatsRefusal cause,
							 bool in_log_hook);

/* a row as a reader gets it; overflow: what did not fit (key empty) */
typedef struct LgStatsRow
{
	bool		overflow;
	LgStatsKey	key;
	LgStatsCounters c;
} LgStatsRow;

typedef struct LgStatsInfo
{
	int			entries;
	int64		overflowed;		/* events of rows that did not fit */
	TimestampTz since;			/* the last reset */
	int32		connections;	/* client sessions open now, all rows */
	int32		peak_connections;
	TimestampTz peak_at;
} LgStatsInfo;

/*
 * The readers raise SQLSTATE 55000 naming funcname when the table does not
 * exist.  lg_stats_rows: a palloc'd copy of every row, the slots' counts
 * added, the overflow row last when it has any, *nrows of them.
 */
extern LgStatsRow *lg_stats_rows(const char *funcname, int *nrows);
extern void lg_stats_info(const char *funcname, LgStatsInfo *info);
extern void lg_stats_reset(const char *funcname);

#endif							/* LG_STATS_TABLE_H */
