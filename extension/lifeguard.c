/*-------------------------------------------------------------------------
 *
 * lifeguard.c
 *	  Module entry point of the lifeguard extension: _PG_init wires the
 *	  concerns together and does nothing else.
 *
 * _PG_init runs in the postmaster when lifeguard is in
 * shared_preload_libraries, or in a backend when it is loaded on first use.
 * It must not set up anything random or per-process: the postmaster's
 * state is inherited by every forked backend (see ids.c).  The order is
 * pg_stat_statements': the settings (and the reserved prefix), the shared
 * memory request, then the hooks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "audit_commit.h"
#include "audit_failures.h"
#include "audit_statements.h"
#include "audit_table.h"
#include "compat.h"
#include "settings.h"
#include "stats_collector.h"
#include "stats_table.h"

PG_MODULE_MAGIC;

extern PGDLLEXPORT void _PG_init(void);

void
_PG_init(void)
{
	/* settings; a misspelled lifeguard.* parameter is reported */
	lg_settings_define(process_shared_preload_libraries_in_progress);
	lg_reserve_guc_prefix("lifeguard");

	/* the shared tables exist only when preloading */
	if (lg_preloaded)
		lg_audit_table_request();
	if (lg_preloaded && lg_stats_enabled)
		lg_stats_table_request();

	/*
	 * The hooks, preloaded or not: enforcement works in any session that
	 * has loaded lifeguard; recording needs preloading.
	 */
	lg_audit_statements_install();
	lg_audit_commit_install();
	if (lg_preloaded)
		lg_audit_failures_install();
	if (lg_preloaded && lg_stats_enabled)
		lg_stats_collector_install();
}
