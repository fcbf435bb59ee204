/*-------------------------------------------------------------------------
 *
 * stats_collector.h
 *	  The hooks that count sessions, refusals, transactions and pooler
 *	  errors into pool_stats (stats_collector.c).  Calls settings.c and
 *	  stats_table.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_STATS_COLLECTOR_H
#define LG_STATS_COLLECTOR_H

/*
 * From _PG_init when preloading with lifeguard.stats on: the log hook, the
 * transaction callback and the utility hook.
 */
extern void lg_stats_collector_install(void);

#endif							/* LG_STATS_COLLECTOR_H */
