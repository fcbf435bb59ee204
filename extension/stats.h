/*-------------------------------------------------------------------------
 *
 * stats.h
 *	  The types the files of the connection statistics (pool_stats) share:
 *	  the key of a row, the causes it counts and its counters.  Header only,
 *	  so that it makes no file depend on another (the files and their
 *	  layers are listed in lg_extension.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_STATS_H
#define LG_STATS_H

#include "datatype/timestamp.h"

/*
 * One row: database, role and application_name as names, because a
 * refusal happens before any catalog lookup (and may name a role or a
 * database that does not exist).  Zero-padded: hashed and compared as
 * bytes.
 */
typedef struct LgStatsKey
{
	char		database[NAMEDATALEN];
	char		role[NAMEDATALEN];
	char		application[NAMEDATALEN];
} LgStatsKey;

/* how a session ended (pool_stats' ended_* columns, in this order) */
typedef enum LgStatsEnd
{
	LG_END_NORMAL,				/* the client sent Terminate */
	LG_END_CLIENT_GONE,			/* the connection closed without one */
	LG_END_FATAL,				/* any other FATAL error */
	LG_END_TERMINATED,			/* SIGTERM: pg_terminate_backend, shutdown */
	LG_END_IDLE_SESSION_TIMEOUT,	/* 57P05 */
	LG_END_IDLE_IN_TRANSACTION_TIMEOUT, /* 25P03 */
	LG_END_TRANSACTION_TIMEOUT, /* 25P04, PostgreSQL 17 and later */
	LG_END_NUM
} LgStatsEnd;

/* why a connection was refused (the refused_* columns, in this order) */
typedef enum LgStatsRefusal
{
	LG_REFUSED_TOO_MANY_CLIENTS,	/* max_connections: no free PGPROC */
	LG_REFUSED_RESERVED,		/* only reserved slots were left */
	LG_REFUSED_ROLE_LIMIT,		/* the role's CONNECTION LIMIT */
	LG_REFUSED_DATABASE_LIMIT,	/* the database's CONNECTION LIMIT */
	LG_REFUSED_AUTHENTICATION,	/* 28P01, 28000 */
	LG_REFUSED_OTHER,			/* any other FATAL before the session */
	LG_REFUSED_NUM
} LgStatsRefusal;

/* errors that show a pooler breaking the application (errors_* columns) */
typedef enum LgStatsError
{
	LG_ERROR_PREPARED_MISSING,	/* 26000 */
	LG_ERROR_PREPARED_EXISTS,	/* 42P05 */
	LG_ERROR_CACHED_PLAN,		/* cached plan must not change result type */
	LG_ERROR_NUM
} LgStatsError;

/* what transactions add to a row; times in microseconds */
typedef struct LgStatsXact
{
	int64		commits;
	int64		rollbacks;
	int64		handoffs;		/* transactions that only renamed the session */
	int64		transaction_time;
	int64		active_time;
	int64		idle_in_transaction_time;
	int64		longest_transaction;
	int64		longest_idle_in_transaction;
	int64		errors[LG_ERROR_NUM];
} LgStatsXact;

/* one row's figures; times in microseconds, timestamps 0 for none */
typedef struct LgStatsCounters
{
	int64		sessions_opened;
	int64		ended[LG_END_NUM];
	int64		session_time;	/* of the sessions that ended */
	int64		refused[LG_REFUSED_NUM];
	TimestampTz last_refused_at;
	int32		connections;	/* open now (a gauge) */
	int32		peak_connections;	/* the most open at once */
	TimestampTz peak_at;		/* when that was first reached */
	LgStatsXact xact;
} LgStatsCounters;

static inline void
lg_stats_xact_merge(LgStatsXact *dst, const LgStatsXact *src)
{
	dst->commits += src->commits;
	dst->rollbacks += src->rollbacks;
	dst->handoffs += src->handoffs;
	dst->transaction_time += src->transaction_time;
	dst->active_time += src->active_time;
	dst->idle_in_transaction_time += src->idle_in_transaction_time;
	dst->longest_transaction = Max(dst->longest_transaction,
								   src->longest_transaction);
	dst->longest_idle_in_transaction = Max(dst->longest_idle_in_transaction,
										   src->longest_idle_in_transaction);
	for (int i = 0; i < LG_ERROR_NUM; i++)
		dst->errors[i] += src->errors[i];
}

/*
 * Add src's counts to dst's.  The gauges add up too (the connections of
 * two pieces of one row); a peak is the larger one, at its time.
 */
static inline void
lg_stats_counters_merge(LgStatsCounters *dst, const LgStatsCounters *src)
{
	dst->sessions_opened += src->sessions_opened;
	for (int i = 0; i < LG_END_NUM; i++)
		dst->ended[i] += src->ended[i];
	dst->session_time += src->session_time;
	for (int i = 0; i < LG_REFUSED_NUM; i++)
		dst->refused[i] += src->refused[i];
	dst->last_refused_at = Max(dst->last_refused_at, src->last_refused_at);
	dst->connections += src->connections;
	if (src->peak_connections > dst->peak_connections)
	{
		dst->peak_connections = src->peak_connections;
		dst->peak_at = src->peak_at;
	}
	lg_stats_xact_merge(&dst->xact, &src->xact);
}

#endif							/* LG_STATS_H */
